/* test_abi.c - cr_abi_json() tells the truth about this build: every layout
 * equals offsetof/sizeof, every status its name, number, message and HTTP
 * status, every constant its value; and it is strict JSON. */
#include <stddef.h>
#include <stdlib.h>

#include "callrisk.h"
#include "callrisk_host.h"
#include "check.h"
#include "json.h"

static double num(const cr_json_doc *d, int obj, const char *key)
{
    double v = -1;
    CHECK(cr_json_number(d, cr_json_get(d, obj, key), &v));
    return v;
}

#define CHECK_MEMBER(d, st, T, m)                                                           \
    do {                                                                                    \
        const int mm = cr_json_get(d, cr_json_get(d, st, "members"), #m);                  \
        CHECK(mm >= 0);                                                                     \
        CHECK_INT(num(d, mm, "offset"), offsetof(T, m));                                    \
        CHECK_INT(num(d, mm, "size"), sizeof(((T *)0)->m));                                 \
    } while (0)

int main(void)
{
    size_t n = 0;
    cr_error e;
    CHECK_ERR(cr_abi_json(NULL, 0, &n, &e), e, CR_E_BUFFER, "output needs");
    char *text = malloc(n + 1);
    CHECK_OK(cr_abi_json(text, n + 1, &n, &check_err));
    cr_json_doc d;
    CHECK_OK(cr_json_parse(text, n, &d, &check_err));
    const int structs = cr_json_get(&d, 0, "structs");
    int st = cr_json_get(&d, structs, "cr_error");
    CHECK_INT(num(&d, st, "size"), sizeof(cr_error));
    CHECK_MEMBER(&d, st, cr_error, status);
    CHECK_MEMBER(&d, st, cr_error, line);
    CHECK_MEMBER(&d, st, cr_error, column);
    CHECK_MEMBER(&d, st, cr_error, field);
    CHECK_MEMBER(&d, st, cr_error, message);
    st = cr_json_get(&d, structs, "cr_score_result");
    CHECK_INT(num(&d, st, "size"), sizeof(cr_score_result));
    CHECK_MEMBER(&d, st, cr_score_result, score);
    CHECK_MEMBER(&d, st, cr_score_result, risk_level);
    CHECK_MEMBER(&d, st, cr_score_result, probability);
    CHECK_MEMBER(&d, st, cr_score_result, logit);
    CHECK_MEMBER(&d, st, cr_score_result, base_logit);
    st = cr_json_get(&d, structs, "cr_reason");
    CHECK_MEMBER(&d, st, cr_reason, feature);
    CHECK_MEMBER(&d, st, cr_reason, contribution);
    CHECK_INT(num(&d, cr_json_get(&d, structs, "cr_train_options"), "size"), sizeof(cr_train_options));
    CHECK_INT(num(&d, cr_json_get(&d, structs, "cr_train_stats"), "size"), sizeof(cr_train_stats));
    /* Statuses: one entry per code, in order. */
    const int statuses = cr_json_get(&d, 0, "statuses");
    CHECK_INT(d.tok[statuses].count, CR_STATUS_COUNT);
    char s[256];
    for (int c = 0; c < CR_STATUS_COUNT; c++) {
        const int it = cr_json_item(&d, statuses, (size_t)c);
        CHECK(cr_json_string(&d, cr_json_get(&d, it, "name"), s, sizeof s) && strcmp(s, cr_status_name((cr_status)c)) == 0);
        CHECK(cr_json_string(&d, cr_json_get(&d, it, "text"), s, sizeof s) && strcmp(s, cr_status_str((cr_status)c)) == 0);
        CHECK_INT(num(&d, it, "code"), c);
        CHECK_INT(num(&d, it, "http"), cr_status_http((cr_status)c));
    }
    CHECK_INT(cr_status_http(CR_OK), 200);
    CHECK_INT(cr_status_http(CR_E_STORE), 503);
    CHECK_INT(cr_status_http(CR_E_JSON), 400);
    CHECK_INT(cr_status_http(CR_E_MISMATCH), 409);
    CHECK_INT(cr_status_http((cr_status)999), 500);
    /* Constants. */
    CHECK_INT(num(&d, cr_json_get(&d, 0, "host"), "pending"), CR_HOST_PENDING);
    const int ops = cr_json_get(&d, 0, "op_states");
    CHECK_INT(num(&d, ops, "need_count"), CR_OP_NEED_COUNT);
    CHECK_INT(num(&d, ops, "failed"), CR_OP_FAILED);
    const int limits = cr_json_get(&d, 0, "limits");
    CHECK_INT(num(&d, limits, "max_features"), CR_MAX_FEATURES);
    CHECK(num(&d, limits, "real_max") == CR_REAL_MAX);
    const int lib = cr_json_get(&d, 0, "library");
    CHECK_INT(num(&d, lib, "version_number"), CR_VERSION_NUMBER);
    CHECK_INT(num(&d, lib, "pointer_size"), sizeof(void *));
    /* The options: the table cr_train_options_set() knows. */
    const int options = cr_json_get(&d, 0, "options");
    CHECK_INT(d.tok[options].count, 11);
    /* The column names: a kind of their own, JSON strings for defaults. */
    static const char *const column_options[2][2] = {{"label_column", "label"}, {"weight_column", "weight"}};
    for (size_t k = 0; k < 2; k++) {
        const int it = cr_json_item(&d, options, 7 + k);
        char kind[16], def[16];
        CHECK(cr_json_string(&d, cr_json_get(&d, it, "name"), s, sizeof s) && strcmp(s, column_options[k][0]) == 0);
        CHECK(cr_json_string(&d, cr_json_get(&d, it, "kind"), kind, sizeof kind) && strcmp(kind, "name") == 0);
        CHECK(cr_json_string(&d, cr_json_get(&d, it, "default"), def, sizeof def) &&
              strcmp(def, column_options[k][1]) == 0);
    }
    /* The evidence's options: a holdout (default null) and a calibration (default "none"). */
    const int holdout = cr_json_item(&d, options, 9), calibration = cr_json_item(&d, options, 10);
    char kind[16];
    CHECK(cr_json_string(&d, cr_json_get(&d, holdout, "kind"), kind, sizeof kind) && strcmp(kind, "holdout") == 0);
    CHECK_INT(d.tok[cr_json_get(&d, holdout, "default")].type, CR_JSON_NULL);
    CHECK(cr_json_string(&d, cr_json_get(&d, calibration, "default"), kind, sizeof kind) && strcmp(kind, "none") == 0);
    for (size_t i = 0; i < d.tok[options].count; i++) {
        const int it = cr_json_item(&d, options, i), def = cr_json_get(&d, it, "default");
        CHECK(cr_json_string(&d, cr_json_get(&d, it, "name"), s, sizeof s));
        /* Each option's default, set by name, changes nothing. */
        cr_schema *sc = NULL;
        CHECK_OK(cr_schema_create_default(&sc, &check_err));
        cr_train_options o, defaults;
        cr_train_options_init(&o);
        defaults = o;
        const size_t quote = d.tok[def].type == CR_JSON_STRING;   /* a string's span leaves out its quotes */
        CHECK_OK(cr_train_options_set(&o, sc, s, text + d.tok[def].start - quote,
                                      d.tok[def].end - d.tok[def].start + 2 * quote, &check_err));
        CHECK(memcmp(&o, &defaults, sizeof o) == 0);
        cr_schema_free(sc);
    }
    cr_json_free(&d);
    free(text);
    return check_done("test_abi");
}
