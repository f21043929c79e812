/* request.h - reading field values from a parsed JSON request (request.c);
   shared by cr_request_parse() and the scoreCaller request. */
#ifndef CR_REQUEST_H
#define CR_REQUEST_H
#include "json.h"

/* Parses `json`, which must be one object (CR_E_TYPE otherwise); free the
   doc with cr_json_free() on CR_OK. */
CR_HIDDEN cr_status cr_request_object(const char *json, size_t len, cr_json_doc *doc, cr_error *err);
/* Every field of `s` from object token `obj` into `fields` (written only
   when all are good); field `skip` (or -1) is not read and set to 0. */
CR_HIDDEN cr_status cr_request_fields(const cr_schema *s, const cr_json_doc *doc, int obj, int skip, double *fields,
                                      cr_error *err);
#endif
