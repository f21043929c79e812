// errors.js - the one error type for what a caller passed, by the core's
// status codes. The core judges; the glue judges only what cannot reach it
// (a string or null for a count, a number for a bool, a missing field) and
// then reports the code and field the core gives for the same input in JSON
// (tests/contract/cases.json holds both to it).

/**
 * A status of the C core: `.code` is its name (e.g. "CR_E_RANGE"),
 * `.status` its number, `.httpStatus` what a service answers for it (the
 * core's table), `.field` the field or option it names, `.line`/`.column`
 * a row of a batch or training data, or a place in text.
 */
export class CallriskError extends Error {
  constructor(message, { code, status, httpStatus, field, line, column, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'CallriskError';
    this.code = code;
    this.status = status;
    this.httpStatus = httpStatus;
    if (field) this.field = field;
    if (line) this.line = line;
    if (column) this.column = column;
  }
}

/** A CallriskError with status `code` (a name) from the ABI's table. */
export function coreError(abi, code, message, { field, line, column, cause } = {}) {
  const s = abi.statuses.get(code);
  return new CallriskError(message, { code, status: s?.code, httpStatus: s?.http, field, line, column, cause });
}
