/*
 * callrisk_host.h - the wasm module's host ABI: what it imports from module
 * "host" and the entry points it exports. One definition for every host:
 * the npm package's JS glue, the WASI reactor's Python host, the WASI CLI.
 *
 * All pointers are offsets into the module's linear memory; all sizes are
 * u32; times are ms since 1970 as f64.
 *
 * Imports (module "host"):
 *   f64 count_attempts(u32 op, u32 caller, u32 caller_len, f64 since_ms, f64 until_ms)
 *       Attempts by the caller with since_ms <= time <= until_ms.
 *       >= 0: the count, answered now. CR_HOST_PENDING: the host answers
 *       later through crw_op_counted(op, count). Any other negative: the
 *       store failed.
 *   i32 save_score(u32 op, u32 record, u32 record_len)
 *       Persist the record (UTF-8 JSON, see cr_score_caller() in
 *       callrisk.h). 0: stored. CR_HOST_PENDING: the host answers later
 *       through crw_op_saved(op, status). Anything else: the store failed.
 *   i32 progress(i32 iteration, f64 objective, f64 grad_norm)
 *       Training progress (only when requested); non-zero cancels.
 *
 * An import must never trap or throw into the module: a host catches its
 * store's errors and answers "failed". Several ops may be pending at once.
 */
#ifndef CALLRISK_HOST_H
#define CALLRISK_HOST_H

#define CR_HOST_PENDING (-2)

#ifdef __wasm__
#define CR_HOST_IMPORT(name) __attribute__((import_module("host"), import_name(#name)))

CR_HOST_IMPORT(count_attempts)
double cr_host_count_attempts(unsigned op, const char *caller, unsigned caller_len, double since_ms,
                              double until_ms);
CR_HOST_IMPORT(save_score)
int cr_host_save_score(unsigned op, const char *record, unsigned record_len);
CR_HOST_IMPORT(progress)
int cr_host_progress(int iteration, double objective, double grad_norm);
#endif

#endif
