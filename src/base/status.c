/* status.c - status names, their messages, and filling a cr_error. */
#include "internal.h"

#include <string.h>

static const char *const status_names[] = {
    [CR_OK] = "CR_OK",
    [CR_E_NOMEM] = "CR_E_NOMEM",
    [CR_E_ARG] = "CR_E_ARG",
    [CR_E_RANGE] = "CR_E_RANGE",
    [CR_E_TYPE] = "CR_E_TYPE",
    [CR_E_MISSING] = "CR_E_MISSING",
    [CR_E_SCHEMA] = "CR_E_SCHEMA",
    [CR_E_DATA] = "CR_E_DATA",
    [CR_E_BUFFER] = "CR_E_BUFFER",
    [CR_E_TRUNCATED] = "CR_E_TRUNCATED",
    [CR_E_MAGIC] = "CR_E_MAGIC",
    [CR_E_VERSION] = "CR_E_VERSION",
    [CR_E_CHECKSUM] = "CR_E_CHECKSUM",
    [CR_E_NONFINITE] = "CR_E_NONFINITE",
    [CR_E_COUNT] = "CR_E_COUNT",
    [CR_E_CSV] = "CR_E_CSV",
    [CR_E_JSON] = "CR_E_JSON",
    [CR_E_CANCELLED] = "CR_E_CANCELLED",
    [CR_E_IO] = "CR_E_IO",
    [CR_E_STORE] = "CR_E_STORE",
    [CR_E_MISMATCH] = "CR_E_MISMATCH",
    [CR_E_STATE] = "CR_E_STATE",
};

static const char *const status_text[] = {
    [CR_OK] = "ok",
    [CR_E_NOMEM] = "out of memory",
    [CR_E_ARG] = "invalid argument",
    [CR_E_RANGE] = "value out of range",
    [CR_E_TYPE] = "wrong type",
    [CR_E_MISSING] = "required field missing",
    [CR_E_SCHEMA] = "invalid schema",
    [CR_E_DATA] = "unusable training data",
    [CR_E_BUFFER] = "buffer too small",
    [CR_E_TRUNCATED] = "model bytes truncated",
    [CR_E_MAGIC] = "not a callrisk model (bad magic)",
    [CR_E_VERSION] = "unknown model format version",
    [CR_E_CHECKSUM] = "model checksum mismatch",
    [CR_E_NONFINITE] = "non-finite number",
    [CR_E_COUNT] = "count out of range in model",
    [CR_E_CSV] = "malformed CSV",
    [CR_E_JSON] = "malformed JSON",
    [CR_E_CANCELLED] = "cancelled by progress callback",
    [CR_E_IO] = "I/O error",
    [CR_E_STORE] = "host store failure",
    [CR_E_MISMATCH] = "does not match (a record that does not replay, shards of another schema or options)",
    [CR_E_STATE] = "object used in the wrong state",
};

static const short status_http[] = {
    [CR_OK] = 200,
    [CR_E_NOMEM] = 500,
    [CR_E_ARG] = 400,
    [CR_E_RANGE] = 422,
    [CR_E_TYPE] = 422,
    [CR_E_MISSING] = 422,
    [CR_E_SCHEMA] = 422,
    [CR_E_DATA] = 422,
    [CR_E_BUFFER] = 500,
    [CR_E_TRUNCATED] = 422,
    [CR_E_MAGIC] = 422,
    [CR_E_VERSION] = 422,
    [CR_E_CHECKSUM] = 422,
    [CR_E_NONFINITE] = 422,
    [CR_E_COUNT] = 422,
    [CR_E_CSV] = 400,
    [CR_E_JSON] = 400,
    [CR_E_CANCELLED] = 503,
    [CR_E_IO] = 500,
    [CR_E_STORE] = 503,
    [CR_E_MISMATCH] = 409,
    [CR_E_STATE] = 409,
};

_Static_assert(sizeof status_http / sizeof *status_http == CR_STATUS_COUNT, "status_http out of step with cr_status");
_Static_assert(sizeof status_names / sizeof *status_names == CR_STATUS_COUNT,
               "status_names out of step with cr_status");
_Static_assert(sizeof status_text / sizeof *status_text == CR_STATUS_COUNT,
               "status_text out of step with cr_status");

const char *cr_status_str(cr_status s)
{
    if ((unsigned)s >= CR_STATUS_COUNT) return "unknown status";
    return status_text[s];
}

int cr_status_http(cr_status s)
{
    return (unsigned)s < CR_STATUS_COUNT ? status_http[s] : 500;
}

const char *cr_status_name(cr_status s)
{
    if ((unsigned)s >= CR_STATUS_COUNT) return "CR_E_UNKNOWN";
    return status_names[s];
}

cr_status cr_fail(cr_error *err, cr_status st, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cr_failv(err, st, field, fmt, ap);
    va_end(ap);
    return st;
}

/* Messages and field names echo input (a CSV cell, a name in a schema), and
   truncation can cut a UTF-8 sequence: printable ASCII only, so every host
   can put them in JSON, logs and exceptions as they are. */
static void printable(char *s)
{
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7e) *s = '?';
}

cr_status cr_failv(cr_error *err, cr_status st, const char *field, const char *fmt, va_list ap)
{
    if (!err) return st;
    err->status = st;
    err->line = 0;
    err->column = 0;
    err->field[0] = 0;
    if (field) {
        size_t n = strlen(field);
        if (n > CR_MAX_NAME) n = CR_MAX_NAME;
        memcpy(err->field, field, n);
        err->field[n] = 0;
        printable(err->field);
    }
    cr_vbprintf(err->message, sizeof err->message, fmt, ap);
    printable(err->message);
    return st;
}
