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

/* The buffer contracts (include/callrisk.h, Conventions), one writer at a
   time through one signature: what it writes is given in *ctx. */
typedef cr_status (*writer)(const void *ctx, char *dst, size_t cap, size_t *size, cr_error *err);
typedef struct {
    const cr_model *m;
    const cr_schema *s;
    const cr_drift *d;
    const cr_metrics *mt;
    const cr_shard *sh;
    const cr_fit *fit;
    const double *f;
    const cr_score_result *r;
    const cr_reason *reasons;
} writing;

static cr_status w_abi(const void *c, char *dst, size_t cap, size_t *size, cr_error *err)
{
    (void)c;
    return cr_abi_json(dst, cap, size, err);
}
static cr_status w_columns(const void *c, char *dst, size_t cap, size_t *size, cr_error *err)
{
    return cr_training_columns_json(((const writing *)c)->s, NULL, dst, cap, size, err);
}
static cr_status w_model(const void *c, char *dst, size_t cap, size_t *size, cr_error *err)
{
    return cr_model_to_json(((const writing *)c)->m, dst, cap, size, err);
}
static cr_status w_card(const void *c, char *dst, size_t cap, size_t *size, cr_error *err)
{
    return cr_model_card_json(((const writing *)c)->m, dst, cap, size, err);
}
static cr_status w_drift(const void *c, char *dst, size_t cap, size_t *size, cr_error *err)
{
    return cr_drift_json(((const writing *)c)->d, dst, cap, size, err);
}
static cr_status w_metrics(const void *c, char *dst, size_t cap, size_t *size, cr_error *err)
{
    return cr_metrics_json(((const writing *)c)->mt, dst, cap, size, err);
}
static cr_status w_record(const void *c, char *dst, size_t cap, size_t *size, cr_error *err)
{
    const writing *w = c;
    return cr_score_record_json(w->m, w->f, w->r, w->reasons, "+1555", 5, 1e12, dst, cap, size, err);
}
static cr_status w_save(const void *c, char *dst, size_t cap, size_t *size, cr_error *err)
{
    return cr_model_save(((const writing *)c)->m, dst, cap, size, err);
}
static cr_status w_shard(const void *c, char *dst, size_t cap, size_t *size, cr_error *err)
{
    return cr_shard_save(((const writing *)c)->sh, dst, cap, size, err);
}
static cr_status w_question(const void *c, char *dst, size_t cap, size_t *size, cr_error *err)
{
    return cr_fit_question(((const writing *)c)->fit, dst, cap, size, err);
}

/* Text: *size is the length, the buffer needs *size + 1 (a buffer of
   exactly *size is CR_E_BUFFER), the text NUL-terminated. Bytes: *size
   bytes are enough. Either way `size` may be NULL. */
static void check_contract(const char *name, writer w, const writing *c, int text)
{
    size_t n = 0, m = 7;
    cr_error e;
    CHECK_INT(w(c, NULL, 0, &n, NULL), CR_E_BUFFER);
    CHECK_INT(w(c, NULL, 0, NULL, NULL), CR_E_BUFFER);
    char *buf = malloc(n + 2);
    memset(buf, 'x', n + 2);
    const size_t enough = n + (size_t)text;
    memset(&e, 0, sizeof e);
    if (w(c, buf, enough - 1, &m, &e) != CR_E_BUFFER || e.status != CR_E_BUFFER || m != n)
        fprintf(stderr, "%s: a buffer of %zu -> %s, *size %zu\n", name, enough - 1, e.message, m), check_failures++;
    m = 7;
    CHECK_OK(w(c, buf, enough, &m, &check_err));
    CHECK_INT(m, n);
    if (text) CHECK(buf[n] == 0 && strlen(buf) == n);
    else CHECK(buf[n] == 'x');
    memset(buf, 'x', n + 2);
    CHECK_OK(w(c, buf, enough, NULL, &check_err));
    if (text) CHECK(buf[n] == 0 && strlen(buf) == n);
    free(buf);
}

static void test_buffer_contracts(void)
{
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    cr_model *m = NULL;
    cr_drift *d = NULL;
    cr_shard *census = NULL;
    cr_fit *fit = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    for (int i = 0; i < 40; i++) {
        const double f[3] = {i % 5, i % 2, i % 7};
        CHECK_OK(cr_dataset_add(ds, f, (i % 3 == 0) != (i % 11 == 0), 1.0, &check_err));
    }
    cr_train_options o;
    cr_train_options_init(&o);
    CHECK_OK(cr_train(ds, &o, &m, &check_err));
    CHECK_OK(cr_drift_create(m, &d, &check_err));
    CHECK_OK(cr_drift_add_dataset(d, ds, &check_err));
    cr_metrics mt;
    CHECK_OK(cr_evaluate(m, ds, &mt, &check_err));
    CHECK_OK(cr_shard_census(ds, &o, &census, &check_err));
    CHECK_OK(cr_fit_create(s, &o, census, &fit, &check_err));
    const double f[3] = {2, 1, 5};
    cr_score_result r;
    cr_reason reasons[3];
    CHECK_OK(cr_score(m, f, &r, reasons, 3, &check_err));
    const writing c = {m, s, d, &mt, census, fit, f, &r, reasons};
    check_contract("cr_abi_json", w_abi, &c, 1);
    check_contract("cr_training_columns_json", w_columns, &c, 1);
    check_contract("cr_model_to_json", w_model, &c, 1);
    check_contract("cr_model_card_json", w_card, &c, 1);
    check_contract("cr_drift_json", w_drift, &c, 1);
    check_contract("cr_metrics_json", w_metrics, &c, 1);
    check_contract("cr_score_record_json", w_record, &c, 1);
    check_contract("cr_model_save", w_save, &c, 0);
    check_contract("cr_shard_save", w_shard, &c, 0);
    check_contract("cr_fit_question", w_question, &c, 0);
    cr_fit_free(fit);
    cr_shard_free(census);
    cr_drift_free(d);
    cr_model_free(m);
    cr_dataset_free(ds);
    cr_schema_free(s);
}

int main(void)
{
    test_buffer_contracts();
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
