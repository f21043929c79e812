/* alloc_failures.c - SQLite's discipline: fail the k-th allocation, for every k,
 * along every public entry point that can allocate.
 *
 * malloc, calloc, realloc and free are wrapped at link time
 * (-Wl,--wrap=...; see tests/CMakeLists.txt): every call the static
 * library's objects make goes through the functions below, which count the
 * allocations of an "armed" section, fail the k-th, and keep the set of live
 * blocks. For each case the driver runs the section once without failures
 * (the reference: N allocations, a result signature), then for k = 1..N with
 * the k-th allocation failing, then k = N + 1, and asserts:
 *  - k <= N: the entry point returns CR_E_NOMEM, its cr_error says so (and a
 *    NULL cr_error is fine too), and the case's own checks of "no partial
 *    output" hold (out-pointers NULL, data sets unchanged, readers and ops
 *    failed for good, caller buffers untouched);
 *  - k = N + 1: success with exactly the reference result (bytes, bits, ids);
 *  - every k: no block allocated during the case is still live afterwards.
 * Every CR_API function of include/callrisk.h (argv[1]) must be named by a
 * case, either as allocating (injected) or as allocation-free (the
 * "no_alloc" case calls it armed and asserts zero allocations): a new
 * function without a case fails this test.
 */
#include "callrisk.h"
#include "check.h"
#include "evidence.h"

#include <stdlib.h>

/* ---- the allocator wrap ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

static struct {
    int armed;
    long fail_at;    /* 1-based index of the armed allocation to fail; 0: none */
    long seen;       /* allocations attempted while armed */
    int injected;    /* the fail_at-th happened (and failed) */
} inj;

/* Live blocks: open addressing, linear probing, backward-shift deletion. */
#define LIVE_SLOTS (1u << 16)
static void *live_slot[LIVE_SLOTS];
static size_t live_count;

static size_t slot_of(const void *p)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15u;
    return (size_t)(h >> 40) & (LIVE_SLOTS - 1);
}

static void live_add(void *p)
{
    if (!p) return;
    if (live_count >= LIVE_SLOTS / 2) {
        fprintf(stderr, "alloc_failures: more than %u live blocks\n", LIVE_SLOTS / 2);
        abort();
    }
    size_t k = slot_of(p);
    while (live_slot[k]) k = (k + 1) & (LIVE_SLOTS - 1);
    live_slot[k] = p;
    live_count++;
}

static void live_remove(void *p)
{
    if (!p) return;
    size_t k = slot_of(p);
    while (live_slot[k] != p) {
        if (!live_slot[k]) return;   /* not ours (allocated before main, or by libc) */
        k = (k + 1) & (LIVE_SLOTS - 1);
    }
    live_slot[k] = NULL;
    live_count--;
    for (size_t j = (k + 1) & (LIVE_SLOTS - 1); live_slot[j]; j = (j + 1) & (LIVE_SLOTS - 1)) {
        size_t home = slot_of(live_slot[j]);
        /* Move j back into the hole at k unless its home lies cyclically in (k, j]. */
        int stays = k <= j ? (home > k && home <= j) : (home > k || home <= j);
        if (!stays) {
            live_slot[k] = live_slot[j];
            live_slot[j] = NULL;
            k = j;
        }
    }
}

static int fail_now(void)
{
    if (!inj.armed) return 0;
    if (++inj.seen != inj.fail_at) return 0;
    inj.injected = 1;
    return 1;
}

void *__wrap_malloc(size_t n)
{
    if (fail_now()) return NULL;
    void *p = __real_malloc(n);
    live_add(p);
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    if (fail_now()) return NULL;
    void *p = __real_calloc(n, size);
    live_add(p);
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    if (fail_now()) return NULL;   /* p stays valid, as realloc() promises */
    void *q = __real_realloc(p, n);
    if (q) {
        live_remove(p);
        live_add(q);
    }
    return q;
}

void __wrap_free(void *p)
{
    live_remove(p);
    __real_free(p);
}

/* ---- runs ---- */

typedef struct {
    long k;              /* the allocation to fail; 0: none */
    int null_err;        /* the entry point gets a NULL cr_error */
    cr_status st;        /* the entry point's status, set by the case */
    cr_error err;
    unsigned char *sig;  /* the result on success, compared with the reference */
    size_t sig_len, sig_cap;
} run;

static void arm(void) { inj.armed = 1; }
static void disarm(void) { inj.armed = 0; }
static cr_error *E(run *r) { return r->null_err ? NULL : &r->err; }
static int failed(void) { return inj.injected; }

static void sig_put(run *r, const void *p, size_t n)
{
    if (r->sig_len + n > r->sig_cap) {
        fprintf(stderr, "alloc_failures: signature longer than %zu bytes\n", r->sig_cap);
        abort();
    }
    memcpy(r->sig + r->sig_len, p, n);
    r->sig_len += n;
}

static void sig_str(run *r, const char *s) { sig_put(r, s, strlen(s) + 1); }

/* Member by member: cr_reason has padding. */
static void sig_reasons(run *r, const cr_reason *reasons, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        sig_put(r, &reasons[j].feature, sizeof reasons[j].feature);
        sig_put(r, &reasons[j].contribution, sizeof reasons[j].contribution);
    }
}

static void sig_model(run *r, const cr_model *m)
{
    static uint8_t buf[16384];
    size_t n = 0;
    CHECK_OK(cr_model_save(m, buf, sizeof buf, &n, &check_err));
    sig_put(r, buf, n);
    sig_str(r, cr_model_id(m));
}

static void sig_schema(run *r, const cr_schema *s)
{
    for (size_t i = 0; i < cr_schema_field_count(s); i++) {
        sig_str(r, cr_schema_field_name(s, i));
        int t = (int)cr_schema_field_type(s, i);
        sig_put(r, &t, sizeof t);
    }
    for (size_t j = 0; j < cr_schema_feature_count(s); j++) {
        int inv = 0;
        size_t f = cr_schema_feature_field(s, j, &inv);
        sig_str(r, cr_schema_feature_name(s, j));
        sig_put(r, &f, sizeof f);
        sig_put(r, &inv, sizeof inv);
    }
}

static void sig_dataset(run *r, const cr_dataset *ds)
{
    char d[CR_MODEL_ID_SIZE];
    size_t n = cr_dataset_rows(ds);
    cr_dataset_digest(ds, d);
    sig_put(r, &n, sizeof n);
    sig_str(r, d);
}

/* ---- fixtures (built unarmed) ---- */

static const double SEED_ROWS[5][3] = {{0, 0, 1}, {1, 1, 2}, {2, 1, 3}, {3, 1, 5}, {4, 1, 7}};
static const int SEED_LABELS[5] = {0, 0, 1, 1, 1};

static cr_model *default_model(void)
{
    cr_model *m = NULL;
    CHECK_OK(cr_model_create_default(&m, &check_err));
    if (!m) abort();
    return m;
}

static cr_dataset *seed_dataset(void)
{
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    cr_schema_free(s);
    if (!ds) abort();
    return ds;
}

/* Row i of a deterministic seed-schema data set: few distinct rows (the
   trainer compresses them) or, with `distinct`, all different. */
static void gen_row(size_t i, int distinct, double *f, uint8_t *label, double *w)
{
    f[0] = (double)(i % 5);
    f[1] = (double)(i / 5 % 2);
    f[2] = distinct ? (double)i : (double)(i % 7);
    *label = (uint8_t)((f[0] + f[2] > 5) ^ (i % 70 % 11 == 0));
    *w = 1.0 + (double)(i % 7) * 0.1;
}

static cr_dataset *gen_dataset(size_t n, int distinct)
{
    cr_dataset *ds = seed_dataset();
    for (size_t i = 0; i < n; i++) {
        double f[3], w;
        uint8_t y;
        gen_row(i, distinct, f, &y, &w);
        CHECK_OK(cr_dataset_add(ds, f, y, w, &check_err));
    }
    return ds;
}

/* "label" column second and ignored columns, one without a name: the
   reader maps columns. */
static char *gen_csv(size_t n, int final_newline)
{
    size_t cap = 64 + n * 64;
    char *s = malloc(cap);
    size_t o = (size_t)snprintf(s, cap, "spam_reports,label,,has_consent,call_attempts_24h,weight\n");
    for (size_t i = 0; i < n; i++) {
        double f[3], w;
        uint8_t y;
        gen_row(i, 0, f, &y, &w);
        o += (size_t)snprintf(s + o, cap - o, "%g,%d,+1555%04zu,%s,%g,%g%s", f[0], y, i, f[1] ? "true" : "false",
                              f[2], w, i + 1 < n || final_newline ? "\n" : "");
    }
    return s;
}

/* The digest of the first n rows of gen_csv(), added directly. */
static void digest_of_prefix(size_t n, char out[CR_MODEL_ID_SIZE])
{
    cr_dataset *ds = gen_dataset(n, 0);
    cr_dataset_digest(ds, out);
    cr_dataset_free(ds);
}

static const cr_field_spec WIDE_FIELDS[] = {
    {"a", CR_FIELD_COUNT}, {"b", CR_FIELD_BOOL}, {"c", CR_FIELD_REAL}, {"d", CR_FIELD_COUNT},
    {"e", CR_FIELD_BOOL}, {"f", CR_FIELD_REAL},
};
static const cr_feature_spec WIDE_FEATURES[] = {
    {"fa", "a", 0}, {"not_b", "b", 1}, {"fc", "c", 0}, {"fd", "d", 0},
    {"fe", "e", 0}, {"ff", "f", 0}, {"b_too", "b", 0},
};

/* A trained model on the 6-field, 7-feature schema. */
static cr_model *wide_model(void)
{
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    cr_model *m = NULL;
    CHECK_OK(cr_schema_create(WIDE_FIELDS, 6, WIDE_FEATURES, 7, &s, &check_err));
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    for (int i = 0; i < 40; i++) {
        double f[6] = {i % 4, i % 2, (i % 9) * 0.25 - 1, i % 3, (i / 3) % 2, i * 0.1};
        CHECK_OK(cr_dataset_add(ds, f, (i * 7 + i / 4) % 3 == 0, 1.0, &check_err));
    }
    cr_train_options o;
    cr_train_options_init(&o);
    o.signs[0] = CR_SIGN_NONNEG;
    o.signs[2] = CR_SIGN_NONPOS;
    CHECK_OK(cr_train(ds, &o, &m, &check_err));
    cr_dataset_free(ds);
    cr_schema_free(s);
    if (!m) abort();
    return m;
}

/* wide_model() carrying evidence by hand (model format 2): a holdout and a
   calibration, whatever training itself stores. */
static cr_model *wide_v2_model(void)
{
    cr_model *m = wide_model(), *e = NULL;
    cr_dataset *ds = NULL;
    CHECK_OK(cr_dataset_create(cr_model_schema(m), &ds, &check_err));
    for (int i = 0; i < 40; i++) {
        double f[6] = {i % 4, i % 2, (i % 9) * 0.25 - 1, i % 3, (i / 3) % 2, i * 0.1};
        CHECK_OK(cr_dataset_add(ds, f, (i * 7 + i / 4) % 3 == 0, 1.0 + (i % 3), &check_err));
    }
    e = evidence_model(m, ds, ds, 1);
    cr_dataset_free(ds);
    cr_model_free(m);
    if (!e) abort();
    return e;
}

static char *model_json(const cr_model *m)
{
    size_t n = 0;
    cr_model_to_json(m, NULL, 0, &n, NULL);
    char *s = malloc(n + 1);
    CHECK_OK(cr_model_to_json(m, s, n + 1, &n, &check_err));
    return s;
}

/* ---- cases: schemas ---- */

static void case_schema_create(run *r)
{
    cr_schema *s = (cr_schema *)&r;   /* must become NULL on failure */
    arm();
    r->st = cr_schema_create(WIDE_FIELDS, 6, WIDE_FEATURES, 7, &s, E(r));
    disarm();
    if (failed()) CHECK(s == NULL);
    else sig_schema(r, s);
    if (!failed()) cr_schema_free(s);
}

static void case_schema_create_default(run *r)
{
    cr_schema *s = (cr_schema *)&r;
    arm();
    r->st = cr_schema_create_default(&s, E(r));
    disarm();
    if (failed()) CHECK(s == NULL);
    else sig_schema(r, s), cr_schema_free(s);
}

static void case_schema_from_json(run *r)
{
    cr_model *m = wide_model();
    char *json = model_json(m);
    cr_schema *s = (cr_schema *)&r;
    arm();
    r->st = cr_schema_from_json(json, strlen(json), &s, E(r));
    disarm();
    if (failed()) CHECK(s == NULL);
    else sig_schema(r, s), cr_schema_free(s);
    free(json);
    cr_model_free(m);
}

static void case_schema_clone(run *r)
{
    cr_schema *orig = NULL, *s = (cr_schema *)&r;
    CHECK_OK(cr_schema_create(WIDE_FIELDS, 6, WIDE_FEATURES, 7, &orig, &check_err));
    arm();
    r->st = cr_schema_clone(orig, &s, E(r));
    disarm();
    if (failed()) CHECK(s == NULL);
    else sig_schema(r, s), cr_schema_free(s);
    cr_schema_free(orig);
}

/* ---- cases: data sets and the CSV reader ---- */

static void case_dataset_create(run *r)
{
    cr_schema *s = NULL;
    cr_dataset *ds = (cr_dataset *)&r;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    arm();
    r->st = cr_dataset_create(s, &ds, E(r));
    disarm();
    if (failed()) CHECK(ds == NULL);
    else sig_dataset(r, ds), sig_schema(r, cr_dataset_schema(ds)), cr_dataset_free(ds);
    cr_schema_free(s);
}

/* Adding to a data set of `rows` rows: 0 and 1024 make it grow. After a
   failure the data set is unchanged and still works. */
static void dataset_add(run *r, size_t rows)
{
    cr_dataset *ds = gen_dataset(rows, 0);
    char before[CR_MODEL_ID_SIZE], after[CR_MODEL_ID_SIZE];
    cr_dataset_digest(ds, before);
    double f[3], w;
    uint8_t y;
    gen_row(rows, 0, f, &y, &w);
    arm();
    r->st = cr_dataset_add(ds, f, y, w, E(r));
    disarm();
    if (failed()) {
        CHECK_INT(cr_dataset_rows(ds), rows);
        cr_dataset_digest(ds, after);
        CHECK_STR(after, before);
        CHECK_OK(cr_dataset_add(ds, f, y, w, &check_err));   /* nothing broken */
    }
    sig_dataset(r, ds);
    cr_dataset_free(ds);
}

static void case_dataset_add_first(run *r) { dataset_add(r, 0); }
static void case_dataset_add_1024(run *r) { dataset_add(r, 1024); }

/* 3000 rows at once grow an empty data set three times: all or nothing. */
static void case_dataset_add_rows(run *r)
{
    enum { N = 3000 };
    static double f[N * 3], w[N];
    static uint8_t y[N];
    for (size_t i = 0; i < N; i++) gen_row(i, 0, f + 3 * i, &y[i], &w[i]);
    cr_dataset *ds = gen_dataset(1, 0);
    char before[CR_MODEL_ID_SIZE], after[CR_MODEL_ID_SIZE];
    cr_dataset_digest(ds, before);
    arm();
    r->st = cr_dataset_add_rows(ds, f + 3, y + 1, w + 1, N - 1, E(r));
    disarm();
    if (failed()) {
        CHECK_INT(cr_dataset_rows(ds), 1);
        cr_dataset_digest(ds, after);
        CHECK_STR(after, before);
    } else {
        char direct[CR_MODEL_ID_SIZE];
        digest_of_prefix(N, direct);
        cr_dataset_digest(ds, after);
        CHECK_STR(after, direct);
    }
    sig_dataset(r, ds);
    cr_dataset_free(ds);
}

static void case_csv_reader_create(run *r)
{
    cr_dataset *ds = seed_dataset();
    cr_csv_reader *rd = (cr_csv_reader *)&r;
    arm();
    r->st = cr_csv_reader_create(ds, NULL, &rd, E(r));
    disarm();
    if (failed()) {
        CHECK(rd == NULL);
    } else {
        static const char csv[] = "spam_reports,has_consent,call_attempts_24h,label\n1,true,2,1\n";
        CHECK_OK(cr_csv_feed(rd, csv, sizeof csv - 1, &check_err));
        CHECK_OK(cr_csv_finish(rd, &check_err));
        sig_dataset(r, ds);
        cr_csv_reader_free(rd);
    }
    cr_dataset_free(ds);
}

/* 2500 rows fed in chunks of 4000 bytes, then finished. A failure leaves the
   whole rows read before it (a multiple of the growth size) and nothing of
   the failing row; the reader then refuses everything with the same error. */
static void case_csv_feed(run *r)
{
    enum { N = 2500 };
    char *csv = gen_csv(N, 1);
    const size_t len = strlen(csv);
    cr_dataset *ds = seed_dataset();
    cr_csv_reader *rd = NULL;
    CHECK_OK(cr_csv_reader_create(ds, NULL, &rd, &check_err));
    cr_status st = CR_OK;
    arm();
    for (size_t i = 0; i < len && st == CR_OK; i += 4000)
        st = cr_csv_feed(rd, csv + i, len - i < 4000 ? len - i : 4000, E(r));
    if (st == CR_OK) st = cr_csv_finish(rd, E(r));
    disarm();
    r->st = st;
    if (failed()) {
        size_t rows = cr_dataset_rows(ds);
        CHECK(rows % 1024 == 0 && rows < N);
        /* The row that could not be added; no column is to blame. */
        if (!r->null_err) CHECK(r->err.line == (long)rows + 2 && r->err.column == 1);
        char got[CR_MODEL_ID_SIZE], want[CR_MODEL_ID_SIZE];
        cr_dataset_digest(ds, got);
        digest_of_prefix(rows, want);
        CHECK_STR(got, want);
        cr_error e;
        CHECK_ERR(cr_csv_feed(rd, "1,1,x,true,1,1\n", 15, &e), e, CR_E_NOMEM, "out of memory");
        CHECK_ERR(cr_csv_finish(rd, &e), e, CR_E_NOMEM, "out of memory");
        CHECK_INT(cr_dataset_rows(ds), rows);
    } else {
        char want[CR_MODEL_ID_SIZE];
        digest_of_prefix(N, want);
        char got[CR_MODEL_ID_SIZE];
        cr_dataset_digest(ds, got);
        CHECK_STR(got, want);
    }
    sig_dataset(r, ds);
    cr_csv_reader_free(rd);
    cr_dataset_free(ds);
    free(csv);
}

/* The 1025th row has no final newline: cr_csv_finish() adds it and grows. */
static void case_csv_finish(run *r)
{
    char *csv = gen_csv(1025, 0);
    cr_dataset *ds = seed_dataset();
    cr_csv_reader *rd = NULL;
    CHECK_OK(cr_csv_reader_create(ds, NULL, &rd, &check_err));
    CHECK_OK(cr_csv_feed(rd, csv, strlen(csv), &check_err));
    CHECK_INT(cr_dataset_rows(ds), 1024);
    arm();
    r->st = cr_csv_finish(rd, E(r));
    disarm();
    if (failed()) {
        CHECK_INT(cr_dataset_rows(ds), 1024);
        char got[CR_MODEL_ID_SIZE], want[CR_MODEL_ID_SIZE];
        cr_dataset_digest(ds, got);
        digest_of_prefix(1024, want);
        CHECK_STR(got, want);
        cr_error e;
        CHECK_ERR(cr_csv_finish(rd, &e), e, CR_E_NOMEM, "out of memory");
        CHECK_INT(e.line, 1026);
        CHECK_INT(e.column, 1);
    }
    sig_dataset(r, ds);
    cr_csv_reader_free(rd);
    cr_dataset_free(ds);
    free(csv);
}

/* ---- cases: training and models ---- */

static void train(run *r, cr_dataset *ds, const cr_train_options *o)
{
    cr_model *m = (cr_model *)&r;
    arm();
    r->st = cr_train(ds, o, &m, E(r));
    disarm();
    if (failed()) CHECK(m == NULL);
    else sig_model(r, m), cr_model_free(m);
    cr_dataset_free(ds);
}

static cr_dataset *seed_rows(void)
{
    cr_dataset *ds = seed_dataset();
    for (int i = 0; i < 5; i++) CHECK_OK(cr_dataset_add(ds, SEED_ROWS[i], SEED_LABELS[i], 1.0, &check_err));
    return ds;
}

/* Five rows: the solver works on the data set's own rows. */
static void case_train_small(run *r) { train(r, seed_rows(), NULL); }

/* 500 rows, 70 distinct: the solver works on the compressed rows. */
static void case_train_compressed(run *r)
{
    cr_train_options o;
    cr_train_options_init(&o);
    o.class_weight_mode = CR_CLASS_WEIGHT_BALANCED;
    train(r, gen_dataset(500, 0), &o);
}

/* 200 distinct rows: compression gives up (more than n / 4 distinct). */
static void case_train_distinct(run *r)
{
    cr_train_options o;
    cr_train_options_init(&o);
    o.signs[0] = CR_SIGN_NONNEG;
    o.signs[1] = CR_SIGN_NONPOS;
    o.fit_intercept = 0;
    train(r, gen_dataset(200, 1), &o);
}

/* A holdout (hash) with Platt scaling, on merged unit-weight rows: the
   split, the calibration, both metrics and the reference allocate. */
static void case_train_holdout(run *r)
{
    cr_train_options o;
    cr_train_options_init(&o);
    o.holdout_method = CR_HOLDOUT_HASH;
    o.holdout_fraction = 0.3;
    o.holdout_seed = 3;
    o.calibration = CR_CALIBRATION_SIGMOID;
    cr_dataset *ds = seed_dataset();
    for (size_t i = 0; i < 600; i++) {
        double f[3], w;
        uint8_t y;
        gen_row(i, 0, f, &y, &w);
        CHECK_OK(cr_dataset_add(ds, f, y, 1.0, &check_err));
    }
    train(r, ds, &o);
}

/* Drift: the accumulator, a record's JSON; the report is written only whole. */
static void case_drift(run *r)
{
    cr_dataset *ds = gen_dataset(300, 0);
    cr_model *m = NULL;
    CHECK_OK(cr_train(ds, NULL, &m, &check_err));
    const char *rec = "{\"inputs\":{\"spam_reports\":2,\"has_consent\":false,\"call_attempts_24h\":5},\"score\":61}";
    const double fields[3] = {1, 1, 3};
    cr_drift *d = (cr_drift *)&r;
    static char buf[8192];
    size_t n = 0;
    arm();
    r->st = cr_drift_create(m, &d, E(r));
    if (r->st == CR_OK) r->st = cr_drift_add_dataset(d, ds, E(r));
    if (r->st == CR_OK) r->st = cr_drift_add_rows(d, fields, 1, E(r));
    if (r->st == CR_OK) r->st = cr_drift_add_record(d, rec, strlen(rec), E(r));
    if (r->st == CR_OK) r->st = cr_drift_json(d, buf, sizeof buf, &n, E(r));
    disarm();
    if (r->st == CR_OK) sig_put(r, buf, n);
    CHECK(r->st == CR_OK || d == NULL || d != (cr_drift *)&r);
    if (d != (cr_drift *)&r) cr_drift_free(d);   /* NULL when create failed */
    cr_model_free(m);
    cr_dataset_free(ds);
}

static void case_model_create_default(run *r)
{
    cr_model *m = (cr_model *)&r;
    arm();
    r->st = cr_model_create_default(&m, E(r));
    disarm();
    if (failed()) CHECK(m == NULL);
    else sig_model(r, m), cr_model_free(m);
}

static void case_model_load(run *r)
{
    cr_model *orig = wide_model();
    static uint8_t bytes[16384];
    size_t n = 0;
    CHECK_OK(cr_model_save(orig, bytes, sizeof bytes, &n, &check_err));
    cr_model *m = (cr_model *)&r;
    arm();
    r->st = cr_model_load(bytes, n, &m, E(r));
    disarm();
    if (failed()) CHECK(m == NULL);
    else {
        CHECK_STR(cr_model_id(m), cr_model_id(orig));
        sig_model(r, m);
        cr_model_free(m);
    }
    cr_model_free(orig);
}

static void case_model_from_json(run *r)
{
    cr_model *orig = wide_model();
    char *json = model_json(orig);
    cr_model *m = (cr_model *)&r;
    arm();
    r->st = cr_model_from_json(json, strlen(json), &m, E(r));
    disarm();
    if (failed()) CHECK(m == NULL);
    else {
        CHECK_STR(cr_model_id(m), cr_model_id(orig));
        sig_model(r, m);
        cr_model_free(m);
    }
    free(json);
    cr_model_free(orig);
}

static void case_model_load_v2(run *r)
{
    cr_model *orig = wide_v2_model();
    static uint8_t bytes[16384];
    size_t n = 0;
    CHECK_OK(cr_model_save(orig, bytes, sizeof bytes, &n, &check_err));
    CHECK_INT(bytes[8], 2);
    cr_model *m = (cr_model *)&r;
    arm();
    r->st = cr_model_load(bytes, n, &m, E(r));
    disarm();
    if (failed()) CHECK(m == NULL);
    else {
        CHECK_STR(cr_model_id(m), cr_model_id(orig));
        sig_model(r, m);
        cr_model_free(m);
    }
    cr_model_free(orig);
}

static void case_model_from_json_v2(run *r)
{
    cr_model *orig = wide_v2_model();
    char *json = model_json(orig);
    CHECK(strstr(json, "\"evidence\":{\"train\":") != NULL);
    cr_model *m = (cr_model *)&r;
    arm();
    r->st = cr_model_from_json(json, strlen(json), &m, E(r));
    disarm();
    if (failed()) CHECK(m == NULL);
    else {
        CHECK_STR(cr_model_id(m), cr_model_id(orig));
        sig_model(r, m);
        cr_model_free(m);
    }
    free(json);
    cr_model_free(orig);
}

static void case_model_with_bands(run *r)
{
    cr_model *orig = default_model();
    cr_model *m = (cr_model *)&r;
    arm();
    r->st = cr_model_with_bands(orig, 90, 20, &m, E(r));
    disarm();
    if (failed()) CHECK(m == NULL);
    else sig_model(r, m), cr_model_free(m);
    cr_model_free(orig);
}

/* ---- cases: requests, scoreCaller, records ---- */

/* The fields buffer is written only on success. The token array grows at
   tokens 0 (an object), 32 (a literal) and 64 (a number): each of the
   reader's allocation sites fails once. */
static void case_request_parse(run *r)
{
    cr_model *m = wide_model();
    char req[1536], digits[501];
    memset(digits, '7', 500);   /* a number too long for the stack buffer: read from the heap */
    digits[500] = 0;
    size_t o = (size_t)snprintf(req, sizeof req, "{\"f\":-2.5e3,\"e\":true,\"d\":7,\"c\":0.125,\"b\":false,\"a\":3,"
                                                  "\"ignored\":[");
    for (int item = 0; item < 60; item++)   /* item k is token 15 + k */
        o += (size_t)snprintf(req + o, sizeof req - o, "%s%s", item ? "," : "",
                              item == 17 ? "null" : item == 49 ? "12" : item == 55 ? digits : "\"s\"");
    snprintf(req + o, sizeof req - o, "]}");
    double fields[CR_MAX_FIELDS];
    memset(fields, 0xA5, sizeof fields);
    arm();
    r->st = cr_request_parse(cr_model_schema(m), req, strlen(req), fields, E(r));
    disarm();
    if (failed()) {
        for (int i = 0; i < CR_MAX_FIELDS; i++) CHECK(bits_of(fields[i]) == 0xA5A5A5A5A5A5A5A5u);
    } else {
        CHECK(fields[0] == 3 && fields[1] == 0 && fields[2] == 0.125 && fields[5] == -2500);
        sig_put(r, fields, 6 * sizeof *fields);
    }
    cr_model_free(m);
}

/* Evaluation: weighted rows take the weight sort's extra buffer; the
   metrics are written only on success. */
static void case_evaluate(run *r)
{
    cr_model *m = default_model();
    cr_dataset *ds = gen_dataset(300, 1);
    cr_metrics mt;
    memset(&mt, 0xA5, sizeof mt);
    arm();
    r->st = cr_evaluate(m, ds, &mt, E(r));
    disarm();
    if (failed()) {
        CHECK(mt.n == 0xA5A5A5A5A5A5A5A5u);
    } else {
        CHECK(mt.n == 300);
        sig_put(r, &mt, sizeof mt);
    }
    cr_dataset_free(ds);
    cr_model_free(m);
}

/* Evaluation on a holdout: the split's copies, then cr_evaluate()'s
   buffers; the metrics are written only on success. */
static void case_evaluate_with(run *r)
{
    cr_model *m = default_model();
    cr_dataset *ds = gen_dataset(300, 1);
    cr_train_options o;
    cr_train_options_init(&o);
    o.holdout_method = CR_HOLDOUT_HASH;
    o.holdout_fraction = 0.3;
    o.holdout_seed = 5;
    cr_metrics mt;
    memset(&mt, 0xA5, sizeof mt);
    arm();
    r->st = cr_evaluate_with(m, ds, &o, &mt, E(r));
    disarm();
    if (failed()) {
        CHECK(mt.n == 0xA5A5A5A5A5A5A5A5u);
    } else {
        CHECK(mt.n > 0 && mt.n < 300 && mt.has_roc);
        sig_put(r, &mt, sizeof mt);
    }
    cr_dataset_free(ds);
    cr_model_free(m);
}

/* Training across shards: two shards' census and answers (one through its
   bytes), merged, the fit to the end, the model; no model unless all of it
   succeeded. */
static void case_shards(run *r)
{
    cr_dataset *part[2] = {gen_dataset(200, 1), gen_dataset(150, 0)};
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    cr_train_options o;
    cr_train_options_init(&o);
    o.holdout_method = CR_HOLDOUT_HASH;
    o.holdout_fraction = 0.3;
    o.holdout_seed = 5;
    cr_shard *c[2] = {NULL, NULL}, *loaded = NULL;
    cr_fit *fit = NULL;
    cr_model *m = NULL;
    static unsigned char buf[1 << 20];
    size_t n = 0;
    arm();
    cr_status st = cr_shard_census(part[0], &o, &c[0], E(r));
    if (st == CR_OK) st = cr_shard_census(part[1], &o, &c[1], E(r));
    if (st == CR_OK) st = cr_shard_save(c[1], buf, sizeof buf, &n, E(r));
    if (st == CR_OK) st = cr_shard_load(buf, n, &loaded, E(r));
    if (st == CR_OK) st = cr_shard_merge(c[0], loaded, E(r));
    if (st == CR_OK) st = cr_fit_create(s, &o, c[0], &fit, E(r));
    while (st == CR_OK && !cr_fit_done(fit)) {
        cr_shard *q[2] = {NULL, NULL};
        st = cr_fit_question(fit, buf, sizeof buf, &n, E(r));
        if (st == CR_OK) st = cr_shard_answer(part[0], buf, n, &q[0], E(r));
        if (st == CR_OK) st = cr_shard_answer(part[1], buf, n, &q[1], E(r));
        if (st == CR_OK) st = cr_shard_merge(q[0], q[1], E(r));
        if (st == CR_OK) st = cr_fit_feed(fit, q[0], E(r));
        cr_shard_free(q[0]);
        cr_shard_free(q[1]);
    }
    if (st == CR_OK) st = cr_fit_model(fit, &m, E(r));
    disarm();
    r->st = st;
    if (failed()) {
        CHECK(m == NULL);
    } else {
        CHECK(m != NULL);
        if (m) sig_put(r, cr_model_id(m), CR_MODEL_ID_SIZE);
    }
    cr_model_free(m);
    cr_fit_free(fit);
    cr_shard_free(c[0]);
    cr_shard_free(c[1]);
    cr_shard_free(loaded);
    cr_schema_free(s);
    cr_dataset_free(part[0]);
    cr_dataset_free(part[1]);
}

/* A scoreCaller request: nothing is written unless the whole request is good. */
static void case_caller_request_parse(run *r)
{
    cr_model *m = default_model();
    char req[1024];
    size_t o = (size_t)snprintf(req, sizeof req, "{\"caller_number\":\"+1 555 0100\",\"at\":1700000000000,"
                                                  "\"spam_reports\":4,\"has_consent\":false,\"ignored\":[");
    for (int item = 0; item < 70; item++) o += (size_t)snprintf(req + o, sizeof req - o, "%s1", item ? "," : "");
    snprintf(req + o, sizeof req - o, "]}");
    double fields[CR_MAX_FIELDS], at = -1;
    char caller[CR_CALLER_MAX + 1] = "untouched";
    size_t len = 99;
    memset(fields, 0xA5, sizeof fields);
    arm();
    r->st = cr_caller_request_parse(cr_model_schema(m), req, strlen(req), fields, caller, &len, &at, E(r));
    disarm();
    if (failed()) {
        CHECK(bits_of(fields[0]) == 0xA5A5A5A5A5A5A5A5u && at == -1 && len == 99 && strcmp(caller, "untouched") == 0);
    } else {
        CHECK(fields[0] == 4 && fields[1] == 0 && fields[2] == 0 && at == 1700000000000.0 && len == 11);
        sig_put(r, fields, 3 * sizeof *fields);
        sig_put(r, caller, len);
    }
    cr_model_free(m);
}

/* Options from JSON: the JSON reader allocates; a failure leaves the
   defaults (from_json) or the options as they were (set, set_text). */
static void case_train_options(run *r)
{
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    const char *json = "{\"C\":0.5,\"signs\":{\"spam_reports\":\"nonneg\",\"no_consent\":\"nonpos\"},"
                       "\"bands\":{\"high\":80,\"medium\":50},\"class_weight\":[1,2],\"max_iter\":9}";
    cr_train_options o, defaults;
    cr_train_options_init(&defaults);
    memset(&o, 0xA5, sizeof o);
    arm();
    r->st = cr_train_options_from_json(&o, s, json, strlen(json), E(r));
    disarm();
    if (failed()) CHECK(memcmp(&o, &defaults, sizeof o) == 0);
    else sig_put(r, &o, offsetof(cr_train_options, progress));
    cr_train_options before = defaults;
    o = defaults;
    arm();
    cr_status st = cr_train_options_set(&o, s, "signs", "{\"call_attempts_24h\":\"nonneg\"}", 30, E(r));
    if (st == CR_OK) st = cr_train_options_set_text(&o, s, "bands", "90,60", E(r));
    disarm();
    if (r->st == CR_OK) r->st = st;
    if (st != CR_OK) CHECK(o.band_high == before.band_high);   /* set_text failed: the bands as they were */
    else sig_put(r, &o, offsetof(cr_train_options, progress));
    cr_schema_free(s);
}

static const double CALL_FIELDS[3] = {5, 0, 12345};
#define CALL_AT 1764000000000.0

static void case_caller_op_start(run *r)
{
    cr_model *m = default_model();
    cr_caller_op *op = (cr_caller_op *)&r;
    arm();
    r->st = cr_caller_op_start(m, "+15551234567", 12, CALL_FIELDS, CALL_AT, &op, E(r));
    disarm();
    if (failed()) {
        CHECK(op == NULL);
    } else {
        const char *who;
        size_t len;
        double since, until;
        cr_caller_op_count_query(op, &who, &len, &since, &until);
        CHECK_INT(cr_caller_op_state(op), CR_OP_NEED_COUNT);
        sig_put(r, who, len);
        sig_put(r, &since, sizeof since);
        sig_put(r, &until, sizeof until);
        cr_caller_op_free(op);
    }
    cr_model_free(m);
}

/* A failed count answer leaves the op FAILED with the NOMEM it met (also
   when the caller passed no cr_error), no record, nothing to save. */
static void case_caller_op_counted(run *r)
{
    cr_model *m = default_model();
    cr_caller_op *op = NULL;
    CHECK_OK(cr_caller_op_start(m, "+15551234567", 12, CALL_FIELDS, CALL_AT, &op, &check_err));
    arm();
    r->st = cr_caller_op_counted(op, 10, E(r));
    disarm();
    cr_score_result res;
    memset(&res, 0xA5, sizeof res);
    cr_reason reasons[3];
    int64_t attempts = -7;
    cr_error e;
    if (failed()) {
        size_t len = 99;
        CHECK_INT(cr_caller_op_state(op), CR_OP_FAILED);
        CHECK(cr_caller_op_record(op, &len) == NULL && len == 0);
        CHECK_ERR(cr_caller_op_result(op, &res, reasons, 3, &attempts, &e), e, CR_E_NOMEM, "out of memory");
        CHECK(bits_of(res.probability) == 0xA5A5A5A5A5A5A5A5u && attempts == -7);
        CHECK_ERR(cr_caller_op_saved(op, 0, &e), e, CR_E_STATE, "state 4, not 2");
    } else {
        size_t len = 0;
        const char *rec = cr_caller_op_record(op, &len);
        sig_put(r, rec, len);
        CHECK_OK(cr_caller_op_saved(op, 0, &check_err));
        CHECK_OK(cr_caller_op_result(op, &res, reasons, 3, &attempts, &check_err));
        CHECK_INT(res.score, 99);
        CHECK_INT(attempts, 10);
        sig_put(r, &res, sizeof res);
        sig_reasons(r, reasons, sizeof reasons / sizeof *reasons);
    }
    cr_caller_op_free(op);
    cr_model_free(m);
}

typedef struct {
    int counted, saved;
    char record[2048];
} fake_store;

static int64_t count_attempts(void *ctx, const char *caller, size_t len, double since, double until)
{
    (void)caller, (void)len, (void)since, (void)until;
    ((fake_store *)ctx)->counted++;
    return 10;
}

static int save_score(void *ctx, const char *record, size_t len)
{
    fake_store *s = ctx;
    s->saved++;
    snprintf(s->record, sizeof s->record, "%.*s", (int)len, record);
    return 0;
}

/* Nothing reaches the store or the caller's buffers when the record cannot be built. */
static void case_score_caller(run *r)
{
    cr_model *m = default_model();
    fake_store store = {0, 0, ""};
    cr_host host = {&store, count_attempts, save_score};
    cr_score_result res;
    cr_reason reasons[3];
    int64_t attempts = -7;
    memset(&res, 0xA5, sizeof res);
    memset(reasons, 0xA5, sizeof reasons);
    arm();
    r->st = cr_score_caller(m, &host, "+15551234567", 12, CALL_FIELDS, CALL_AT, &res, reasons, 3, &attempts, E(r));
    disarm();
    if (failed()) {
        CHECK_INT(store.saved, 0);
        CHECK(bits_of(res.probability) == 0xA5A5A5A5A5A5A5A5u && attempts == -7);
        CHECK(bits_of(reasons[2].contribution) == 0xA5A5A5A5A5A5A5A5u);
    } else {
        CHECK_INT(store.saved, 1);
        sig_str(r, store.record);
        sig_put(r, &res, sizeof res);
        sig_reasons(r, reasons, sizeof reasons / sizeof *reasons);
        sig_put(r, &attempts, sizeof attempts);
    }
    cr_model_free(m);
}

static void case_verify_record(run *r)
{
    cr_model *m = wide_model();
    const double f[6] = {2, 1, -0.75, 1, 0, 3.5};
    cr_score_result res;
    cr_reason reasons[7];
    CHECK_OK(cr_score(m, f, &res, reasons, 7, &check_err));
    static char rec[4096];
    size_t n = 0;
    CHECK_OK(cr_score_record_json(m, f, &res, reasons, "+1555", 5, CALL_AT, rec, sizeof rec, &n, &check_err));
    arm();
    r->st = cr_verify_record(m, rec, n, E(r));
    disarm();
    if (!failed()) sig_put(r, &r->st, sizeof r->st);
    cr_model_free(m);
}

/* ---- the entry points that never allocate ---- */

static void case_no_alloc(run *r)
{
    cr_model *m = wide_model(), *m2 = default_model(), *m3 = default_model(), *v2 = wide_v2_model();
    cr_schema *s = NULL;
    cr_dataset *ds = seed_rows();
    cr_csv_reader *rd = NULL;
    cr_caller_op *op = NULL, *op2 = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    CHECK_OK(cr_csv_reader_create(ds, NULL, &rd, &check_err));
    CHECK_OK(cr_caller_op_start(m2, "+1555", 5, CALL_FIELDS, CALL_AT, &op, &check_err));
    CHECK_OK(cr_caller_op_counted(op, 3, &check_err));
    CHECK_OK(cr_caller_op_start(m2, "+1555", 5, CALL_FIELDS, CALL_AT, &op2, &check_err));
    static char buf[16384];
    size_t n = 0;
    const double f[6] = {2, 1, -0.75, 1, 0, 3.5};
    static double rows[37 * 6];
    for (int i = 0; i < 37 * 6; i++) rows[i] = f[i % 6];
    int32_t scores[37];
    double probs[37];
    uint8_t levels[37];
    cr_score_result res;
    cr_reason reasons[7];
    cr_train_options o;
    cr_train_stats stats;
    cr_training_info info;
    int hi, med, inv;
    const char *who;
    double since, until;
    int64_t att;
    char digest[CR_MODEL_ID_SIZE];
    cr_status st = CR_OK;
    cr_metrics mt;
    CHECK_OK(cr_evaluate(m2, ds, &mt, &check_err));
    arm();
#define OK(call) (st = st != CR_OK ? st : (call))
    sig_str(r, cr_status_str(CR_E_NOMEM));
    sig_str(r, cr_status_name(CR_E_NOMEM));
    sig_str(r, cr_risk_level_str(CR_RISK_HIGH));
    sig_str(r, cr_version_string());
    n = cr_version_number() * 10 + cr_model_format_version();
    sig_put(r, &n, sizeof n);
    sig_str(r, cr_schema_field_name(s, 1));
    sig_str(r, cr_schema_feature_name(s, 1));
    n = cr_schema_field_count(s) * 100 + cr_schema_feature_count(s) * 10 + (size_t)cr_schema_field_type(s, 1) +
        cr_schema_feature_field(s, 1, &inv) * 1000 + (size_t)cr_schema_field_index(s, "call_attempts_24h") * 10000;
    sig_put(r, &n, sizeof n);
    OK(cr_schema_check_row(s, CALL_FIELDS, E(r)));
    n = cr_dataset_rows(ds);
    sig_put(r, &n, sizeof n);
    sig_str(r, cr_schema_field_name(cr_dataset_schema(ds), 0));
    cr_dataset_digest(ds, digest);
    sig_str(r, digest);
    OK(cr_csv_feed(rd, "spam_reports,has_consent,call_attempts_24h,label\n", 49, E(r)));
    OK(cr_csv_finish(rd, E(r)));
    cr_train_options_init(&o);
    sig_put(r, &o.C, sizeof o.C);
    OK(cr_train_options_check(&o, s, E(r)));
    OK(cr_dataset_name_columns(ds, &o, E(r)));
    OK(cr_training_columns_json(s, &o, buf, sizeof buf, &n, E(r)));
    sig_str(r, buf);
    OK(cr_abi_json(buf, sizeof buf, &n, E(r)));
    sig_put(r, &n, sizeof n);
    n = (size_t)cr_status_http(CR_E_STORE);
    sig_put(r, &n, sizeof n);
    sig_str(r, cr_model_id(m));
    sig_str(r, cr_schema_field_name(cr_model_schema(m), 2));
    double nums[4] = {cr_model_intercept(m), cr_model_coef(m, 2), cr_model_baseline(m, 2), cr_model_sign(m, 2)};
    sig_put(r, nums, sizeof nums);
    cr_model_bands(m, &hi, &med);
    cr_model_stats(m, &stats);
    cr_model_training_info(m, &info);
    sig_put(r, &hi, sizeof hi);
    sig_put(r, &stats.iterations, sizeof stats.iterations);
    sig_put(r, &info.rows, sizeof info.rows);
    OK(cr_model_save(m, buf, sizeof buf, &n, E(r)));
    sig_put(r, buf, n);
    OK(cr_model_to_json(m, buf, sizeof buf, &n, E(r)));
    sig_put(r, buf, n);
    OK(cr_model_card_json(m, buf, sizeof buf, &n, E(r)));
    sig_put(r, buf, n);
    OK(cr_metrics_json(&mt, buf, sizeof buf, &n, E(r)));
    sig_put(r, buf, n);
    /* Format 2: the evidence's accessors and text. */
    cr_metrics held;
    OK(cr_model_metrics(v2, 1, &held, E(r)));
    sig_put(r, &held.n, sizeof held.n);
    sig_put(r, &held.log_loss, sizeof held.log_loss);
    double cal[2];
    n = (size_t)cr_model_calibration(v2, &cal[0], &cal[1]);
    sig_put(r, &n, sizeof n);
    sig_put(r, cal, sizeof cal);
    OK(cr_model_save(v2, buf, sizeof buf, &n, E(r)));
    sig_put(r, buf, n);
    OK(cr_model_to_json(v2, buf, sizeof buf, &n, E(r)));
    sig_put(r, buf, n);
    OK(cr_model_card_json(v2, buf, sizeof buf, &n, E(r)));
    sig_put(r, buf, n);
    OK(cr_score(m, f, &res, reasons, 7, E(r)));
    sig_put(r, &res, sizeof res);
    sig_reasons(r, reasons, sizeof reasons / sizeof *reasons);
    OK(cr_score_batch(m, rows, 37, scores, probs, levels, E(r)));
    sig_put(r, probs, sizeof probs);
    OK(cr_score_record_json(m, f, &res, reasons, "+1555", 5, CALL_AT, buf, sizeof buf, &n, E(r)));
    sig_put(r, buf, n);
    const char *rec = cr_caller_op_record(op, &n);
    sig_put(r, rec, n);
    OK(cr_caller_op_saved(op, 0, E(r)));
    OK(cr_caller_op_result(op, &res, reasons, 3, &att, E(r)));
    sig_put(r, &res, sizeof res);
    cr_caller_op_count_query(op2, &who, &n, &since, &until);
    sig_put(r, &since, sizeof since);
    int state = (int)cr_caller_op_state(op2);
    sig_put(r, &state, sizeof state);
    cr_caller_op_free(op);
    cr_caller_op_free(op2);
    cr_csv_reader_free(rd);
    cr_dataset_free(ds);
    cr_schema_free(s);
    cr_model_free(m3);
#undef OK
    disarm();
    r->st = st;
    cr_model_free(m);
    cr_model_free(m2);
    cr_model_free(v2);
}

/* A shard merge or fit feed that runs out of memory changes nothing: the
   same call again (the failing allocation past) goes on to the model of the
   uninjected run. RETRY_MERGE and RETRY_FEED say which calls are retried;
   a failure elsewhere stops the run as in case_shards. Three shards, a hash
   holdout: the groups pass merges both sides' lists. */
enum { RETRY_MERGE = 1, RETRY_FEED = 2 };

static void shards_retry(run *r, unsigned retry, char ref_id[CR_MODEL_ID_SIZE])
{
    cr_dataset *part[3] = {gen_dataset(120, 1), gen_dataset(90, 0), gen_dataset(70, 1)};
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    cr_train_options o;
    cr_train_options_init(&o);
    o.holdout_method = CR_HOLDOUT_HASH;
    o.holdout_fraction = 0.3;
    o.holdout_seed = 2;
    cr_shard *c[3] = {NULL, NULL, NULL};
    cr_fit *fit = NULL;
    cr_model *m = NULL;
    static unsigned char buf[1 << 20];
    size_t n = 0;
    cr_status first = CR_OK;
/* The call; retried once when it ran out of memory and `again` says so. */
#define TRY(again, call)                                              \
    do {                                                              \
        st = (call);                                                  \
        if (st == CR_E_NOMEM && (retry & (again))) first = st, st = (call); \
    } while (0)
    arm();
    cr_status st = CR_OK;
    for (int i = 0; i < 3 && st == CR_OK; i++) st = cr_shard_census(part[i], &o, &c[i], E(r));
    for (int i = 1; i < 3 && st == CR_OK; i++) TRY(RETRY_MERGE, cr_shard_merge(c[0], c[i], E(r)));
    if (st == CR_OK) st = cr_fit_create(s, &o, c[0], &fit, E(r));
    while (st == CR_OK && !cr_fit_done(fit)) {
        cr_shard *q[3] = {NULL, NULL, NULL};
        st = cr_fit_question(fit, buf, sizeof buf, &n, E(r));
        for (int i = 0; i < 3 && st == CR_OK; i++) st = cr_shard_answer(part[i], buf, n, &q[i], E(r));
        for (int i = 1; i < 3 && st == CR_OK; i++) TRY(RETRY_MERGE, cr_shard_merge(q[0], q[i], E(r)));
        if (st == CR_OK) TRY(RETRY_FEED, cr_fit_feed(fit, q[0], E(r)));
        for (int i = 0; i < 3; i++) cr_shard_free(q[i]);
    }
    if (st == CR_OK) st = cr_fit_model(fit, &m, E(r));
#undef TRY
    disarm();
    r->st = first != CR_OK ? first : st;
    if (r->k == 0 && m) memcpy(ref_id, cr_model_id(m), CR_MODEL_ID_SIZE);
    if (first != CR_OK && st == CR_OK) {
        /* Recovered: the uninjected run's model, not another. */
        CHECK(m != NULL && strcmp(cr_model_id(m), ref_id) == 0);
    } else if (failed()) {
        CHECK(m == NULL);
    } else {
        CHECK(m != NULL);
        if (m) sig_put(r, cr_model_id(m), CR_MODEL_ID_SIZE);
    }
    cr_model_free(m);
    cr_fit_free(fit);
    for (int i = 0; i < 3; i++) cr_shard_free(c[i]), cr_dataset_free(part[i]);
    cr_schema_free(s);
}

static void case_shard_merge_retry(run *r)
{
    static char ref_id[CR_MODEL_ID_SIZE];
    shards_retry(r, RETRY_MERGE, ref_id);
}

static void case_fit_feed_retry(run *r)
{
    static char ref_id[CR_MODEL_ID_SIZE];
    shards_retry(r, RETRY_FEED, ref_id);
}

/* ---- the table and the driver ---- */

typedef struct {
    const char *name;
    void (*fn)(run *r);
    int allocates;
    const char *api;   /* the CR_API functions it exercises armed, space-separated */
} entry;

static const entry CASES[] = {
    {"schema_create", case_schema_create, 1, "cr_schema_create"},
    {"schema_create_default", case_schema_create_default, 1, "cr_schema_create_default"},
    {"schema_from_json", case_schema_from_json, 1, "cr_schema_from_json"},
    {"schema_clone", case_schema_clone, 1, "cr_schema_clone"},
    {"dataset_create", case_dataset_create, 1, "cr_dataset_create"},
    {"dataset_add_first", case_dataset_add_first, 1, "cr_dataset_add"},
    {"dataset_add_1024", case_dataset_add_1024, 1, "cr_dataset_add"},
    {"dataset_add_rows", case_dataset_add_rows, 1, "cr_dataset_add_rows"},
    {"csv_reader_create", case_csv_reader_create, 1, "cr_csv_reader_create"},
    {"csv_feed", case_csv_feed, 1, "cr_csv_feed"},
    {"csv_finish", case_csv_finish, 1, "cr_csv_finish"},
    {"train_small", case_train_small, 1, "cr_train"},
    {"train_compressed", case_train_compressed, 1, "cr_train"},
    {"train_distinct", case_train_distinct, 1, "cr_train"},
    {"train_holdout", case_train_holdout, 1, "cr_train"},
    {"drift", case_drift, 1, "cr_drift_create cr_drift_add_dataset cr_drift_add_rows cr_drift_add_record cr_drift_json cr_drift_free"},
    {"model_create_default", case_model_create_default, 1, "cr_model_create_default"},
    {"model_load", case_model_load, 1, "cr_model_load"},
    {"model_from_json", case_model_from_json, 1, "cr_model_from_json"},
    {"model_load_v2", case_model_load_v2, 1, "cr_model_load"},
    {"model_from_json_v2", case_model_from_json_v2, 1, "cr_model_from_json"},
    {"model_with_bands", case_model_with_bands, 1, "cr_model_with_bands"},
    {"request_parse", case_request_parse, 1, "cr_request_parse"},
    {"evaluate", case_evaluate, 1, "cr_evaluate"},
    {"evaluate_with", case_evaluate_with, 1, "cr_evaluate_with"},
    {"shards", case_shards, 1,
     "cr_shard_census cr_shard_answer cr_shard_merge cr_shard_save cr_shard_load cr_shard_free "
     "cr_fit_create cr_fit_done cr_fit_question cr_fit_feed cr_fit_model cr_fit_free"},
    {"shard_merge_retry", case_shard_merge_retry, 1, "cr_shard_merge"},
    {"fit_feed_retry", case_fit_feed_retry, 1, "cr_fit_feed"},
    {"caller_request_parse", case_caller_request_parse, 1, "cr_caller_request_parse"},
    {"caller_op_start", case_caller_op_start, 1, "cr_caller_op_start"},
    {"caller_op_counted", case_caller_op_counted, 1, "cr_caller_op_counted"},
    {"score_caller", case_score_caller, 1, "cr_score_caller"},
    {"verify_record", case_verify_record, 1, "cr_verify_record"},
    {"train_options", case_train_options, 1, "cr_train_options_from_json cr_train_options_set cr_train_options_set_text"},
    {"no_alloc", case_no_alloc, 0,
     "cr_status_str cr_status_name cr_risk_level_str cr_version_number cr_version_string cr_model_format_version "
     "cr_schema_free cr_schema_field_count cr_schema_field_name cr_schema_field_type cr_schema_feature_count "
     "cr_schema_feature_name cr_schema_feature_field cr_schema_field_index cr_schema_check_row "
     "cr_dataset_free cr_dataset_rows cr_dataset_schema cr_dataset_digest "
     "cr_csv_feed cr_csv_finish cr_csv_reader_free cr_train_options_init cr_train_options_check "
     "cr_training_columns_json cr_abi_json cr_status_http "
     "cr_model_free cr_model_schema cr_model_id cr_model_intercept cr_model_coef cr_model_baseline "
     "cr_model_sign cr_model_bands cr_model_stats cr_model_training_info "
     "cr_model_save cr_model_to_json cr_model_card_json cr_score cr_score_batch cr_score_record_json "
     "cr_caller_op_state cr_caller_op_count_query cr_caller_op_record cr_caller_op_saved "
     "cr_caller_op_result cr_caller_op_free cr_metrics_json cr_dataset_name_columns "
     "cr_model_metrics cr_model_calibration"},
};
#define N_CASES (sizeof CASES / sizeof *CASES)

static unsigned char ref_sig[1 << 17], cur_sig[1 << 17];

static void one_run(run *r, unsigned char *sig)
{
    memset(r, 0, sizeof *r);
    r->sig = sig;
    r->sig_cap = sizeof ref_sig;
    inj.fail_at = 0;
    inj.seen = 0;
    inj.injected = 0;
}

static long drive(const entry *c)
{
    const int failures_before = check_failures;
    run ref;
    one_run(&ref, ref_sig);
    size_t live0 = live_count;
    c->fn(&ref);
    const long n = inj.seen;
    if (ref.st != CR_OK || live_count != live0)
        fprintf(stderr, "%s: uninjected run -> %s \"%s\", %lld blocks leaked\n", c->name, cr_status_name(ref.st),
                ref.err.message, (long long)(live_count - live0));
    CHECK(ref.st == CR_OK && live_count == live0);
    CHECK(c->allocates ? n > 0 : n == 0);
    for (int null_err = 0; null_err <= 1; null_err++)
        for (long k = 1; k <= n + 1; k++) {
            run r;
            one_run(&r, cur_sig);
            r.k = k;
            r.null_err = null_err;
            inj.fail_at = k;
            live0 = live_count;
            c->fn(&r);
            const int want_fail = k <= n;
            int ok = inj.injected == want_fail && live_count == live0;
            if (want_fail)
                ok = ok && r.st == CR_E_NOMEM &&
                     (null_err || (r.err.status == CR_E_NOMEM && strstr(r.err.message, "out of memory")));
            else
                ok = ok && r.st == CR_OK && r.sig_len == ref.sig_len && memcmp(r.sig, ref.sig, r.sig_len) == 0;
            if (!ok) {
                fprintf(stderr,
                        "%s: k=%ld of %ld%s: -> %s \"%s\" (err.status %s), injected %d, %lld blocks leaked%s\n",
                        c->name, k, n, null_err ? " (NULL err)" : "", cr_status_name(r.st), r.err.message,
                        cr_status_name(r.err.status), inj.injected, (long long)(live_count - live0),
                        want_fail ? "" : ", result differs from the uninjected run");
                check_failures++;
            }
        }
    printf("%-22s %3ld allocation(s), k = 1..%ld fail, k = %ld succeeds%s\n", c->name, n, n, n + 1,
           check_failures > failures_before ? "  FAILED" : "");
    return n;
}

/* Every CR_API function declared in the header is named by some case, and
   every name in the table is declared. */
static void check_table_against_header(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "alloc_failures: cannot open %s\n", path);
        check_failures++;
        return;
    }
    char line[512], names[128][64];
    size_t nn = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "CR_API ", 7) != 0) continue;
        char *paren = strchr(line, '(');
        if (!paren) continue;
        char *e = paren;
        while (e > line && (e[-1] == '_' || (e[-1] >= 'a' && e[-1] <= 'z') || (e[-1] >= '0' && e[-1] <= '9'))) e--;
        if (nn < 128) snprintf(names[nn++], sizeof names[0], "%.*s", (int)(paren - e), e);
    }
    fclose(f);
    CHECK(nn >= 60);
    for (size_t i = 0; i < nn; i++) {
        int found = 0;
        size_t len = strlen(names[i]);
        for (size_t c = 0; c < N_CASES && !found; c++)
            for (const char *p = CASES[c].api; (p = strstr(p, names[i])) != NULL; p += len)
                if ((p == CASES[c].api || p[-1] == ' ') && (p[len] == ' ' || p[len] == 0)) found = 1;
        if (!found) {
            fprintf(stderr, "alloc_failures: %s is in %s but no case covers it: add one (allocating or no_alloc)\n",
                    names[i], path);
            check_failures++;
        }
    }
    for (size_t c = 0; c < N_CASES; c++)
        for (const char *p = CASES[c].api; *p;) {
            size_t len = strcspn(p, " ");
            int found = 0;
            for (size_t i = 0; i < nn && !found; i++) found = strlen(names[i]) == len && memcmp(names[i], p, len) == 0;
            if (!found) {
                fprintf(stderr, "alloc_failures: case %s names '%.*s', which %s does not declare\n", CASES[c].name,
                        (int)len, p, path);
                check_failures++;
            }
            p += len;
            while (*p == ' ') p++;
        }
    printf("%zu CR_API functions in %s, each covered\n", nn, path);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s path/to/callrisk.h\n", argv[0]);
        return 2;
    }
    check_table_against_header(argv[1]);
    long total = 0;
    for (size_t c = 0; c < N_CASES; c++) total += drive(&CASES[c]);
    printf("%zu cases, %ld injected failures (each with and without a cr_error)\n", N_CASES, total);
    return check_done("alloc_failures");
}
