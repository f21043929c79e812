// An error as a worker thread posts it to the server (postedError) and as
// the server gets it back (receivedError): a CallriskError's fields (its
// class does not cross threads), or a message, marked when it came from
// reading the store's records.
import { CallriskError } from 'callrisk';
import { StoreError } from './errors.js';

export function postedError(e) {
  return e instanceof CallriskError
    ? { core: true, message: e.message, code: e.code, status: e.status, httpStatus: e.httpStatus, field: e.field, line: e.line, column: e.column }
    : { core: false, reading: e?.readingRecords === true, message: String(e?.message ?? e) };
}

/** A posted error again: the core's CallriskError, a StoreError naming `operation` (the worker's reading failed), or an Error naming `worker`. */
export function receivedError(e, operation, worker) {
  if (e.core) return new CallriskError(e.message, { code: e.code, status: e.status, httpStatus: e.httpStatus, field: e.field, line: e.line, column: e.column });
  return e.reading ? new StoreError(operation, new Error(e.message)) : new Error(`${worker}: ${e.message}`);
}
