/* caller_keys.h - the "caller_number" and "at" of a scoreCaller request or
 * a stored score record, checked as scoring checks them (score_caller.c). */
#ifndef CR_CALLER_KEYS_H
#define CR_CALLER_KEYS_H

#include "internal.h"
#include "json.h"

/* Object token 0 of doc: "caller_number" a string of 1..CR_CALLER_MAX
   printable ASCII bytes, "at" a whole number of ms in
   0..8.64e15. `required`: a missing caller_number is CR_E_MISSING (a
   request), else absence is fine (a record). number (capacity
   CR_CALLER_MAX + 2) and *len get the number (*len 0 when absent), *at the
   time (NaN when absent). Errors name the field. */
CR_HIDDEN cr_status cr_caller_keys(const cr_json_doc *doc, int required, char *number, size_t *len, double *at,
                                   cr_error *err);

#endif
