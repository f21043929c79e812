/* exports.c - wasm entry points beyond the C API itself (see callrisk_host.h):
 * allocation, training with options a host set from JSON, and scoreCaller
 * driven through the host's imported store. */
#include <stddef.h>
#include <stdlib.h>

#include "callrisk.h"
#include "callrisk_host.h"

/* The imports pass an op as a u32 (callrisk_host.h). Struct layouts are not
   pinned here: hosts read them from cr_abi_json(). */
_Static_assert(sizeof(void *) == 4, "wasm32 only");

void *crw_alloc(size_t n) { return malloc(n ? n : 1); }
void crw_free(void *p) { free(p); }

static int progress_to_host(void *ctx, const cr_progress *p)
{
    (void)ctx;
    return cr_host_progress(p->iteration, p->objective, p->grad_norm);
}

/* cr_train() with options a host set from JSON (cr_train_options_from_json
   into memory it allocated by the size cr_abi_json() gives); progress != 0
   reports each iteration to the host's progress import. */
cr_status crw_train_with(const cr_dataset *ds, cr_train_options *o, int progress, cr_model **out, cr_error *err)
{
    if (!o) return cr_train(ds, NULL, out, err);
    o->progress = progress ? progress_to_host : NULL;
    o->progress_ctx = NULL;
    return cr_train(ds, o, out, err);
}

/* Asks the host's store what the op needs next, for as long as the answers
   come at once; returns when the op is done, failed, or waits for the host. */
static cr_status drive(cr_caller_op *op, cr_error *err)
{
    for (;;) {
        cr_status st = CR_OK;
        switch (cr_caller_op_state(op)) {
        case CR_OP_NEED_COUNT: {
            const char *caller;
            size_t len;
            double since, until;
            cr_caller_op_count_query(op, &caller, &len, &since, &until);
            const double n = cr_host_count_attempts((unsigned)(size_t)op, caller, (unsigned)len, since, until);
            if (n == CR_HOST_PENDING) return CR_OK;
            /* A count must be a whole number; anything else is a failed store. */
            const int64_t count = n >= 0 && n <= 9007199254740992.0 && n == (double)(int64_t)n ? (int64_t)n : -1;
            st = cr_caller_op_counted(op, count, err);
            break;
        }
        case CR_OP_NEED_SAVE: {
            size_t len;
            const char *record = cr_caller_op_record(op, &len);
            const int saved = cr_host_save_score((unsigned)(size_t)op, record, (unsigned)len);
            if (saved == CR_HOST_PENDING) return CR_OK;
            st = cr_caller_op_saved(op, saved, err);
            break;
        }
        default:
            return CR_OK;
        }
        if (st != CR_OK) return st;
    }
}

/* Starts a scoreCaller and drives it as far as the store answers at once.
   *out gets the op (free with cr_caller_op_free) even when the store fails. */
cr_status crw_caller_start(const cr_model *m, const char *caller, size_t len, const double *fields, double at_ms,
                           cr_caller_op **out, cr_error *err)
{
    cr_status st = cr_caller_op_start(m, caller, len, fields, at_ms, out, err);
    return st == CR_OK ? drive(*out, err) : st;
}

/* The host's late answers; each drives the op on. */
cr_status crw_op_counted(cr_caller_op *op, double count, cr_error *err)
{
    const int64_t n = count >= 0 && count <= 9007199254740992.0 && count == (double)(int64_t)count ? (int64_t)count : -1;
    cr_status st = cr_caller_op_counted(op, n, err);
    return st == CR_OK ? drive(op, err) : st;
}

cr_status crw_op_saved(cr_caller_op *op, int status, cr_error *err)
{
    cr_status st = cr_caller_op_saved(op, status, err);
    return st == CR_OK ? drive(op, err) : st;
}
