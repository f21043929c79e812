// An error as a worker thread posts it to the server: a CallriskError's
// fields (its class does not cross threads), or a message, marked when it
// came from reading the store's records.
import { CallriskError } from 'callrisk';

export function postedError(e) {
  return e instanceof CallriskError
    ? { core: true, message: e.message, code: e.code, status: e.status, httpStatus: e.httpStatus, field: e.field, line: e.line, column: e.column }
    : { core: false, reading: e?.readingRecords === true, message: String(e?.message ?? e) };
}
