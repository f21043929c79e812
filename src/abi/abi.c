/* abi.c - the core describes its own ABI (sqlite's sqlite3__wasm_enum_json):
 * struct layouts from offsetof/sizeof, constants, limits, statuses with the
 * HTTP status a service answers for each, the training options with their
 * JSON forms and defaults, and the versions. Hosts take every layout and
 * constant from here instead of writing them down; the description is of
 * the build that answers, so wasm32 and native layouts each come out right. */
#include <stddef.h>

#include "callrisk_host.h"
#include "internal.h"

static void member(cr_text *t, const char *name, size_t offset, size_t size, const char *kind, int *first)
{
    cr_text_printf(t, "%s\"%s\":{\"offset\":%zu,\"size\":%zu,\"kind\":\"%s\"}", *first ? "" : ",", name, offset, size,
                   kind);
    *first = 0;
}

#define MEMBER(T, m, kind) member(t, #m, offsetof(T, m), sizeof(((T *)0)->m), kind, &first)
#define STRUCT(T, body)                                                                          \
    do {                                                                                         \
        int first = 1;                                                                           \
        cr_text_printf(t, "\"%s\":{\"size\":%zu,\"align\":%zu,\"members\":{", #T, sizeof(T), _Alignof(T)); \
        body;                                                                                    \
        cr_text_str(t, "}}");                                                                    \
    } while (0)

static void structs(cr_text *t)
{
    cr_text_str(t, "\"structs\":{");
    STRUCT(cr_error, {
        MEMBER(cr_error, status, "int");
        MEMBER(cr_error, line, "int");
        MEMBER(cr_error, column, "int");
        MEMBER(cr_error, field, "chars");
        MEMBER(cr_error, message, "chars");
    });
    cr_text_str(t, ",");
    STRUCT(cr_score_result, {
        MEMBER(cr_score_result, score, "int");
        MEMBER(cr_score_result, risk_level, "int");
        MEMBER(cr_score_result, probability, "float");
        MEMBER(cr_score_result, logit, "float");
        MEMBER(cr_score_result, base_logit, "float");
    });
    cr_text_str(t, ",");
    STRUCT(cr_reason, {
        MEMBER(cr_reason, feature, "uint");
        MEMBER(cr_reason, contribution, "float");
    });
    cr_text_str(t, ",");
    STRUCT(cr_train_stats, {
        MEMBER(cr_train_stats, iterations, "int");
        MEMBER(cr_train_stats, objective, "float");
        MEMBER(cr_train_stats, grad_norm, "float");
        MEMBER(cr_train_stats, converged, "int");
    });
    cr_text_str(t, ",");
    STRUCT(cr_progress, {
        MEMBER(cr_progress, iteration, "int");
        MEMBER(cr_progress, objective, "float");
        MEMBER(cr_progress, grad_norm, "float");
    });
    cr_text_str(t, ",");
    /* Set through cr_train_options_set() and friends: hosts need its size only. */
    STRUCT(cr_train_options, { (void)first; });
    cr_text_str(t, ",");
    /* Read through cr_metrics_json(): hosts need its size only. */
    STRUCT(cr_metrics, { (void)first; });
    cr_text_str(t, "}");
}

static void statuses(cr_text *t)
{
    cr_text_str(t, "\"statuses\":[");
    for (int s = 0; s < CR_STATUS_COUNT; s++) {
        cr_text_printf(t, "%s{\"name\":\"%s\",\"code\":%d,\"http\":%d,\"text\":", s ? "," : "",
                       cr_status_name((cr_status)s), s, cr_status_http((cr_status)s));
        cr_text_json_string(t, cr_status_str((cr_status)s));
        cr_text_str(t, "}");
    }
    cr_text_str(t, "]");
}

cr_status cr_abi_json(char *dst, size_t cap, size_t *size, cr_error *err)
{
    cr_text t = {dst, dst ? cap : 0, 0};
    cr_text_printf(&t, "{\"library\":{\"version\":\"%s\",\"version_number\":%u,\"model_format\":%u,\"pointer_size\":%zu},",
                   cr_version_string(), cr_version_number(), cr_model_format_version(), sizeof(void *));
    cr_text_printf(&t, "\"limits\":{\"max_fields\":%d,\"max_features\":%d,\"max_name\":%d,\"model_id_size\":%d,"
                       "\"caller_max\":%d,\"band_min\":%d,\"band_max\":%d,\"attempts_window_ms\":%.17g,"
                       "\"time_max_ms\":8.64e15,\"count_max\":9007199254740992,\"real_max\":1e150,"
                       "\"attempts_field\":\"%s\",\"size_max\":%zu,\"json_depth_max\":%d},",
                   CR_MAX_FIELDS, CR_MAX_FEATURES, CR_MAX_NAME, CR_MODEL_ID_SIZE, CR_CALLER_MAX, CR_BAND_MIN,
                   CR_BAND_MAX, CR_ATTEMPTS_WINDOW_MS, CR_ATTEMPTS_FIELD, (size_t)SIZE_MAX, CR_JSON_DEPTH_MAX);
    structs(&t);
    cr_text_str(&t, ",");
    statuses(&t);
    cr_text_printf(&t, ",\"field_types\":{\"count\":%d,\"bool\":%d,\"real\":%d}", CR_FIELD_COUNT, CR_FIELD_BOOL,
                   CR_FIELD_REAL);
    cr_text_printf(&t, ",\"signs\":{\"free\":%d,\"nonneg\":%d,\"nonpos\":%d}", CR_SIGN_FREE, CR_SIGN_NONNEG,
                   CR_SIGN_NONPOS);
    cr_text_printf(&t, ",\"class_weights\":{\"none\":%d,\"balanced\":%d,\"explicit\":%d}", CR_CLASS_WEIGHT_NONE,
                   CR_CLASS_WEIGHT_BALANCED, CR_CLASS_WEIGHT_EXPLICIT);
    cr_text_printf(&t, ",\"risk_levels\":[\"%s\",\"%s\",\"%s\"]", cr_risk_level_str(CR_RISK_LOW),
                   cr_risk_level_str(CR_RISK_MEDIUM), cr_risk_level_str(CR_RISK_HIGH));
    cr_text_printf(&t, ",\"op_states\":{\"need_count\":%d,\"need_save\":%d,\"done\":%d,\"failed\":%d}",
                   CR_OP_NEED_COUNT, CR_OP_NEED_SAVE, CR_OP_DONE, CR_OP_FAILED);
    cr_text_printf(&t, ",\"host\":{\"pending\":%d}", CR_HOST_PENDING);
    cr_text_str(&t, ",\"options\":");
    cr_options_describe(&t);
    cr_text_str(&t, "}");
    return cr_text_end(&t, size, err);
}
