/* test_shards.c - training across shards: the rows split into 1, 3 and 8
 * shards at random, every shard's statistics through their bytes, merged in
 * a random order, give cr_train's coefficients, baselines, solver path,
 * training info and data digest, bit for bit; the errors cr_train gives;
 * calls out of order and foreign bytes refused. */
#include "callrisk.h"
#include "gen_dataset.h"
#include "internal.h"
#include "model/shard.h"

#include <stdlib.h>
#include <string.h>
#include "check.h"

enum { N = 2500 };

static uint64_t next_random(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* A shard's statistics as another process would receive them: saved, loaded. */
static cr_shard *through_bytes(cr_shard *sh)
{
    size_t n = 0;
    CHECK_INT(cr_shard_save(sh, NULL, 0, &n, NULL), CR_E_BUFFER);
    unsigned char *buf = malloc(n);
    CHECK_OK(cr_shard_save(sh, buf, n, &n, &check_err));
    cr_shard *back = NULL;
    CHECK_OK(cr_shard_load(buf, n, &back, &check_err));
    free(buf);
    cr_shard_free(sh);
    return back;
}

/* Bytes as a writer of other bytes would send them: the first len - CR_SEAL
   bytes of b (n bytes, sealed), zeros past them, sealed anew. Loaded. */
static cr_status load_as(const unsigned char *b, size_t n, size_t len, cr_shard **out, cr_error *e)
{
    static unsigned char c[1 << 22];
    const size_t body = len - CR_SEAL, have = n - CR_SEAL;
    memcpy(c, b, body < have ? body : have);
    if (body > have) memset(c + have, 0, body - have);
    cr_put32(c + body, cr_crc32(0, c, body));
    return cr_shard_load(c, len, out, e);
}

/* The same for a question: answered by ds. */
static cr_status answer_as(const cr_dataset *ds, const unsigned char *q, size_t n, size_t len, cr_shard **out,
                           cr_error *e)
{
    static unsigned char c[1 << 20];
    const size_t body = len - CR_SEAL, have = n - CR_SEAL;
    memcpy(c, q, body < have ? body : have);
    if (body > have) memset(c + have, 0, body - have);
    cr_put32(c + body, cr_crc32(0, c, body));
    return cr_shard_answer(ds, c, len, out, e);
}

/* The shards' answers merged in a random order. */
static cr_shard *merged(cr_shard **parts, size_t k, uint64_t *seed)
{
    size_t order[8] = {0};
    for (size_t i = 0; i < k; i++) order[i] = i;
    for (size_t i = k; i > 1; i--) {
        const size_t j = (size_t)(next_random(seed) % i), t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    cr_shard *all = parts[order[0]];
    for (size_t i = 1; i < k; i++) {
        CHECK_OK(cr_shard_merge(all, parts[order[i]], &check_err));
        cr_shard_free(parts[order[i]]);
    }
    return all;
}

/* twist: weights in tenths (sums that doubles round), a fifth of the rows
   weighing 0, a real feature at -0 and 0 (one key) and negative. */
static void shard_train(gen_kind kind, const char *options, size_t k, uint64_t seed, int twist)
{
    cr_schema *s = NULL;
    CHECK_OK(gen_schema(kind, &s, &check_err));
    cr_train_options o;
    cr_train_options_init(&o);
    CHECK_OK(cr_train_options_from_json(&o, s, options, strlen(options), &check_err));
    cr_dataset *all = NULL, *part[8] = {0};
    CHECK_OK(cr_dataset_create(s, &all, &check_err));
    for (size_t j = 0; j < k; j++) CHECK_OK(cr_dataset_create(s, &part[j], &check_err));
    uint64_t r = seed;
    for (size_t i = 0; i < N; i++) {
        double f[8], w;
        int y;
        gen_row(kind, 11, 0, i, f, &y, &w);
        if (twist) {
            w = i % 5 == 0 ? 0.0 : w * 0.1 * (double)(1 + i % 3);
            if (kind == GEN_STIR && i % 7 == 0) f[3] = i % 2 ? -0.0 : 0.0;
            if (kind == GEN_STIR && i % 3 == 1) f[3] = -f[3] * 1e3;   /* negative cuts: not ascending as bits */
        }
        CHECK_OK(cr_dataset_add(all, f, y, w, &check_err));
        CHECK_OK(cr_dataset_add(part[next_random(&r) % k], f, y, w, &check_err));
    }
    cr_model *whole = NULL;
    CHECK_OK(cr_train(all, &o, &whole, &check_err));

    cr_shard *answers[8];
    for (size_t j = 0; j < k; j++) {
        CHECK_OK(cr_shard_census(part[j], &o, &answers[j], &check_err));
        answers[j] = through_bytes(answers[j]);
    }
    cr_shard *census = merged(answers, k, &r);
    cr_fit *fit = NULL;
    CHECK_OK(cr_fit_create(s, &o, census, &fit, &check_err));
    cr_shard_free(census);
    static unsigned char question[1 << 20];
    int passes = 0;
    while (!cr_fit_done(fit) && passes < 1000) {
        size_t qn = 0;
        CHECK_OK(cr_fit_question(fit, question, sizeof question, &qn, &check_err));
        for (size_t j = 0; j < k; j++) {
            CHECK_OK(cr_shard_answer(part[j], question, qn, &answers[j], &check_err));
            answers[j] = through_bytes(answers[j]);
        }
        cr_shard *m = merged(answers, k, &r);
        CHECK_OK(cr_fit_feed(fit, m, &check_err));
        cr_shard_free(m);
        passes++;
    }
    cr_model *sharded = NULL;
    CHECK_OK(cr_fit_model(fit, &sharded, &check_err));
    /* The whole model, evidence and id too: cr_train()'s, bit for bit. */
    static char a[1 << 16], b[1 << 16];
    size_t an = 0, bn = 0;
    CHECK_OK(cr_model_card_json(whole, a, sizeof a, &an, &check_err));
    CHECK_OK(cr_model_card_json(sharded, b, sizeof b, &bn, &check_err));
    CHECK_STR(b, a);
    CHECK_STR(cr_model_id(sharded), cr_model_id(whole));
    for (size_t j = 0; j < cr_schema_feature_count(s); j++) CHECK(bits_of(cr_model_coef(sharded, j)) == bits_of(cr_model_coef(whole, j)));
    CHECK(bits_of(cr_model_intercept(sharded)) == bits_of(cr_model_intercept(whole)));
    cr_fit_free(fit);
    cr_model_free(whole);
    cr_model_free(sharded);
    for (size_t j = 0; j < k; j++) cr_dataset_free(part[j]);
    cr_dataset_free(all);
    cr_schema_free(s);
}

static void test_same_fit(void)
{
    static const char *const OPTIONS[] = {
        "{}",
        "{\"C\": 0.5, \"class_weight\": \"balanced\"}",
        "{\"holdout\": {\"fraction\": 0.25, \"method\": \"hash\", \"seed\": 3}}",
        "{\"holdout\": {\"fraction\": 0.3, \"method\": \"hash\", \"seed\": 9}, \"class_weight\": {\"0\": 1, \"1\": 3}, \"fit_intercept\": false}",
        "{\"signs\": {\"spam_reports\": \"nonneg\", \"no_consent\": \"nonpos\"}, \"C\": 100}",
    };
    static const size_t SHARDS[] = {1, 3, 8};
    for (int kind = GEN_DEFAULT; kind <= GEN_STIR; kind++)
        for (size_t o = 0; o < sizeof OPTIONS / sizeof *OPTIONS; o++)
            for (size_t k = 0; k < 3; k++)
                for (int twist = 0; twist < 2; twist++) shard_train((gen_kind)kind, OPTIONS[o], SHARDS[k], 100 * o + k, twist);
}

static void test_refusals(void)
{
    cr_schema *s = NULL;
    CHECK_OK(gen_schema(GEN_DEFAULT, &s, &check_err));
    cr_dataset *ds = NULL;
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    double f[3] = {1, 1, 2};
    for (int i = 0; i < 10; i++) CHECK_OK(cr_dataset_add(ds, f, 0, 1.0, &check_err));
    cr_train_options o;
    cr_train_options_init(&o);
    cr_shard *c = NULL;
    cr_error e;
    /* The 'order' holdout: shards have no order. */
    const char *order = "{\"holdout\": {\"fraction\": 0.2, \"method\": \"order\"}}";
    CHECK_OK(cr_train_options_from_json(&o, s, order, strlen(order), &check_err));
    CHECK_ERR(cr_shard_census(ds, &o, &c, &e), e, CR_E_ARG, "method 'order'");
    cr_train_options_init(&o);
    /* Platt scaling: not fitted across shards, refused rather than left out. */
    const char *platt = "{\"holdout\": {\"fraction\": 0.2, \"method\": \"hash\"}, \"calibration\": \"sigmoid\"}";
    CHECK_OK(cr_train_options_from_json(&o, s, platt, strlen(platt), &check_err));
    CHECK_ERR(cr_shard_census(ds, &o, &c, &e), e, CR_E_ARG, "Platt scaling");
    CHECK(c == NULL);
    cr_train_options_init(&o);
    /* One label: cr_train's error. */
    CHECK_OK(cr_shard_census(ds, &o, &c, &check_err));
    cr_fit *fit = NULL;
    CHECK_ERR(cr_fit_create(s, &o, c, &fit, &e), e, CR_E_DATA, "needs both labels");
    CHECK_OK(cr_dataset_add(ds, f, 1, 1.0, &check_err));
    cr_shard_free(c);
    CHECK_OK(cr_shard_census(ds, &o, &c, &check_err));
    CHECK_OK(cr_fit_create(s, &o, c, &fit, &check_err));
    /* Out of order: a census fed as the summary; a model before the solve. */
    CHECK_ERR(cr_fit_feed(fit, c, &e), e, CR_E_STATE, "pass");
    cr_model *m = NULL;
    CHECK_ERR(cr_fit_model(fit, &m, &e), e, CR_E_STATE, "not done");
    /* Foreign bytes. */
    cr_shard *x = NULL;
    CHECK_ERR(cr_shard_load("CRS4", 4, &x, &e), e, CR_E_MAGIC, "shard: does not start with CRS3");
    CHECK_ERR(cr_shard_answer(ds, "nonsense", 8, &x, &e), e, CR_E_MAGIC, "question");
    unsigned char saved[4096];
    size_t n = 0;
    CHECK_OK(cr_shard_save(c, saved, sizeof saved, &n, &check_err));
    CHECK_ERR(cr_shard_load(saved, n - 1, &x, &e), e, CR_E_TRUNCATED, "bytes, cut short");
    saved[20] ^= 4;   /* a count */
    CHECK_ERR(cr_shard_load(saved, n, &x, &e), e, CR_E_CHECKSUM, "shard: checksum mismatch");
    CHECK(x == NULL);
    cr_shard_free(c);
    cr_fit_free(fit);
    cr_dataset_free(ds);
    cr_schema_free(s);
}

/* NULLs, buffers, foreign bytes and calls out of order, each refused with its code. */
static void test_arguments(void)
{
    cr_schema *s = NULL;
    CHECK_OK(gen_schema(GEN_DEFAULT, &s, &check_err));
    cr_dataset *ds = NULL;
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    for (int i = 0; i < 40; i++) {
        const double f[3] = {i % 5, i % 2, i % 7};
        CHECK_OK(cr_dataset_add(ds, f, i % 3 == 0, i < 20 ? 0.0 : 1.0, &check_err));
    }
    cr_train_options o;
    cr_train_options_init(&o);
    cr_shard *c = NULL, *x = NULL;
    cr_fit *fit = NULL;
    cr_error e;
    size_t n = 0;
    unsigned char buf[8192];
    CHECK_INT(cr_shard_census(NULL, &o, &c, NULL), CR_E_ARG);
    CHECK_INT(cr_shard_census(ds, NULL, &c, NULL), CR_E_ARG);
    CHECK_INT(cr_shard_merge(NULL, NULL, NULL), CR_E_ARG);
    CHECK_INT(cr_shard_save(NULL, buf, sizeof buf, &n, NULL), CR_E_ARG);
    CHECK_INT(cr_shard_load(NULL, 0, &x, NULL), CR_E_ARG);
    CHECK_INT(cr_fit_create(NULL, &o, NULL, &fit, NULL), CR_E_ARG);
    /* A NULL argument leaves *out NULL too (was left as it was: a freed fit, in a loop). */
    fit = (cr_fit *)&o, c = (cr_shard *)&o, x = (cr_shard *)&o;
    CHECK_INT(cr_fit_create(s, &o, NULL, &fit, NULL), CR_E_ARG);
    CHECK_INT(cr_shard_census(NULL, &o, &c, NULL), CR_E_ARG);
    CHECK_INT(cr_shard_load(NULL, 0, &x, NULL), CR_E_ARG);
    CHECK(fit == NULL && c == NULL && x == NULL);
    x = (cr_shard *)&o;
    CHECK_INT(cr_shard_answer(NULL, buf, 1, &x, NULL), CR_E_ARG);
    CHECK(x == NULL);
    CHECK_INT(cr_shard_census(ds, &o, NULL, NULL), CR_E_ARG);
    CHECK_INT(cr_shard_load(buf, 1, NULL, NULL), CR_E_ARG);
    CHECK_INT(cr_shard_answer(ds, buf, 1, NULL, NULL), CR_E_ARG);
    CHECK_INT(cr_fit_create(s, &o, (const cr_shard *)buf, NULL, NULL), CR_E_ARG);
    CHECK_INT(cr_fit_question(NULL, buf, sizeof buf, &n, NULL), CR_E_ARG);
    CHECK_INT(cr_shard_answer(NULL, buf, 1, &x, NULL), CR_E_ARG);
    CHECK_INT(cr_fit_feed(NULL, NULL, NULL), CR_E_ARG);
    CHECK_INT(cr_fit_model(NULL, NULL, NULL), CR_E_ARG);
    CHECK(cr_fit_done(NULL));
    /* Options the schema does not take: the options' own error. */
    cr_train_options bad = o;
    bad.C = -1;
    CHECK_INT(cr_shard_census(ds, &bad, &c, NULL), CR_E_RANGE);
    /* Holdouts that leave a side empty, or only rows of weight 0 held out. */
    cr_train_options h = o;
    h.holdout_method = CR_HOLDOUT_HASH;
    h.holdout_fraction = 1e-9;
    CHECK_OK(cr_shard_census(ds, &h, &c, &check_err));
    CHECK_ERR(cr_fit_create(s, &h, c, &fit, &e), e, CR_E_DATA, "no row held out");
    cr_shard_free(c);
    h.holdout_fraction = 1 - 1e-9;
    CHECK_OK(cr_shard_census(ds, &h, &c, &check_err));
    CHECK_ERR(cr_fit_create(s, &h, c, &fit, &e), e, CR_E_DATA, "no row to fit");
    cr_shard_free(c);
    cr_dataset *light = NULL;
    CHECK_OK(cr_dataset_create(s, &light, &check_err));
    for (int i = 0; i < 40; i++) {
        const double f[3] = {i % 5, i % 2, i % 7};
        CHECK_OK(cr_dataset_add(light, f, i % 3 == 0, 0.0, &check_err));
    }
    h.holdout_fraction = 0.5;
    CHECK_OK(cr_shard_census(light, &h, &c, &check_err));
    CHECK_ERR(cr_fit_create(s, &h, c, &fit, &e), e, CR_E_DATA, "weigh 0");
    cr_shard_free(c);
    /* No rows; rows that weigh 0 in a class: the summary's refusal. */
    cr_dataset *none = NULL;
    CHECK_OK(cr_dataset_create(s, &none, &check_err));
    CHECK_OK(cr_shard_census(none, &o, &c, &check_err));
    CHECK_ERR(cr_fit_create(s, &o, c, &fit, &e), e, CR_E_DATA, "no rows");
    cr_shard_free(c);
    CHECK_OK(cr_shard_census(light, &o, &c, &check_err));
    CHECK_OK(cr_fit_create(s, &o, c, &fit, &check_err));
    cr_fit *other = NULL;
    CHECK_ERR(cr_fit_create(s, &o, NULL, &other, &e), e, CR_E_ARG, "NULL");
    CHECK_OK(cr_fit_question(fit, buf, sizeof buf, &n, &check_err));
    CHECK_INT(cr_fit_question(fit, buf, 3, &n, NULL), CR_E_BUFFER);
    CHECK_OK(cr_shard_answer(light, buf, n, &x, &check_err));
    CHECK_ERR(cr_fit_feed(fit, x, &e), e, CR_E_DATA, "positive weight sum");
    CHECK_ERR(cr_fit_create(s, &o, x, &other, &e), e, CR_E_STATE, "census");
    CHECK_ERR(cr_shard_merge(c, x, &e), e, CR_E_STATE, "do not merge");
    /* A question for another schema, or damaged: refused. */
    buf[6] = 9;
    cr_shard *none_out = NULL;
    CHECK_ERR(cr_shard_answer(light, buf, n, &none_out, &e), e, CR_E_CHECKSUM, "question: checksum mismatch");
    CHECK_ERR(answer_as(light, buf, n, n, &none_out, &e), e, CR_E_MAGIC, "question");
    CHECK(none_out == NULL);
    cr_shard_free(x);
    cr_fit_free(fit);
    /* Saved shards: short, damaged sums, a wrong count of sums. */
    CHECK_OK(cr_fit_create(s, &o, c, &fit, &check_err));
    CHECK_OK(cr_fit_question(fit, buf, sizeof buf, &n, &check_err));
    CHECK_OK(cr_shard_answer(ds, buf, n, &x, &check_err));
    CHECK_OK(cr_shard_save(x, buf, sizeof buf, &n, &check_err));
    cr_shard *y = NULL;
    CHECK_ERR(load_as(buf, n, n - 1, &y, &e), e, CR_E_MAGIC, "not a saved exact sum");
    CHECK_ERR(load_as(buf, n, CR_SHARD_HEAD + CR_SEAL + 5, &y, &e), e, CR_E_TRUNCATED, "do not hold");
    CHECK_ERR(load_as(buf, n, CR_SHARD_HEAD + CR_SEAL - 1, &y, &e), e, CR_E_TRUNCATED, "cut short");
    /* A sum's last word made 0: no longer the canonical compact form. */
    memset(buf + n - CR_SEAL - 4, 0, 4);
    CHECK_ERR(load_as(buf, n, n, &y, &e), e, CR_E_MAGIC, "not a saved exact sum");
    buf[5] = 0xff;
    CHECK_ERR(load_as(buf, n, n, &y, &e), e, CR_E_TRUNCATED, "do not hold");
    buf[4] = 0;
    CHECK_ERR(load_as(buf, n, n, &y, &e), e, CR_E_MAGIC, "pass 0 is no pass");
    CHECK(y == NULL);
    cr_shard_free(x);
    cr_shard_free(c);
    cr_fit_free(fit);
    cr_dataset_free(none);
    cr_dataset_free(light);
    cr_dataset_free(ds);
    cr_schema_free(s);
}

/* The fit's model is cr_train()'s on ds under o: the same id. */
static void check_ends_in_train(const cr_fit *fit, const cr_dataset *ds, const cr_train_options *o)
{
    cr_model *model = NULL, *whole = NULL;
    CHECK_OK(cr_fit_model(fit, &model, &check_err));
    CHECK_OK(cr_train(ds, o, &whole, &check_err));
    CHECK_STR(cr_model_id(model), cr_model_id(whole));
    cr_model_free(model);
    cr_model_free(whole);
}

/* Sixty rows of the default schema (*s), both classes, weight 1. */
static cr_dataset *sixty_rows(cr_schema **s)
{
    CHECK_OK(gen_schema(GEN_DEFAULT, s, &check_err));
    cr_dataset *ds = NULL;
    CHECK_OK(cr_dataset_create(*s, &ds, &check_err));
    for (int i = 0; i < 60; i++) {
        const double f[3] = {i % 5, i % 2, i % 7};
        CHECK_OK(cr_dataset_add(ds, f, (i % 3 == 0) != (i % 11 == 0), 1.0, &check_err));
    }
    return ds;
}

/* A solved fit answers no more questions and takes no more answers. */
static void test_solved(void)
{
    cr_schema *s = NULL;
    cr_dataset *ds = sixty_rows(&s);
    cr_train_options o;
    cr_train_options_init(&o);
    cr_shard *c = NULL, *a = NULL;
    CHECK_OK(cr_shard_census(ds, &o, &c, &check_err));
    cr_fit *fit = NULL;
    CHECK_OK(cr_fit_create(s, &o, c, &fit, &check_err));
    static unsigned char q[1 << 20];
    size_t n = 0;
    for (int guard = 0; !cr_fit_done(fit) && guard < 200; guard++) {
        CHECK_OK(cr_fit_question(fit, q, sizeof q, &n, &check_err));
        CHECK_OK(cr_shard_answer(ds, q, n, &a, &check_err));
        CHECK_OK(cr_fit_feed(fit, a, &check_err));
        cr_shard_free(a);
    }
    cr_error e;
    CHECK_ERR(cr_fit_question(fit, q, sizeof q, &n, &e), e, CR_E_STATE, "done");
    CHECK_ERR(cr_fit_feed(fit, c, &e), e, CR_E_STATE, "done");
    cr_model *m = NULL;
    CHECK_OK(cr_fit_model(fit, &m, &check_err));
    cr_model_free(m);
    cr_shard_free(c);
    cr_fit_free(fit);
    cr_dataset_free(ds);
    cr_schema_free(s);
}


/* Answers the fit's questions over ds until it asks `pass` (its question in q, *n). */
static void run_until(cr_fit *fit, const cr_dataset *ds, int pass, unsigned char *q, size_t cap, size_t *n)
{
    for (int guard = 0; guard < 200; guard++) {
        CHECK_OK(cr_fit_question(fit, q, cap, n, &check_err));
        if (q[4] == pass) return;
        cr_shard *a = NULL;
        CHECK_OK(cr_shard_answer(ds, q, *n, &a, &check_err));
        CHECK_OK(cr_fit_feed(fit, a, &check_err));
        cr_shard_free(a);
    }
    CHECK(!"the pass never came");
}

/* The offset of the groups lists in a saved groups answer: past the head,
   k compact sums and nk keys. */
static size_t groups_at(const unsigned char *b)
{
    const uint32_t k = (uint32_t)b[5] | (uint32_t)b[6] << 8, nk = (uint32_t)b[9] | (uint32_t)b[10] << 8;
    size_t off = CR_SHARD_HEAD;
    for (uint32_t j = 0; j < k; j++) off += 3 + 4 * (size_t)b[off + 2];
    return off + 8 * (size_t)nk;
}

/* The evidence's questions and answers as another process may send them:
   cut short, padded, out of order, out of bounds; each refused with its code. */
static void test_evidence_bytes(void)
{
    cr_schema *s = NULL;
    CHECK_OK(gen_schema(GEN_STIR, &s, &check_err));
    cr_dataset *ds = NULL;
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    for (uint64_t i = 0; i < 300; i++) {
        double f[8], w;
        int y;
        gen_row(GEN_STIR, 5, 0, i, f, &y, &w);
        f[3] -= 0.5;   /* negative values, negative cuts */
        CHECK_OK(cr_dataset_add(ds, f, y, w, &check_err));
    }
    cr_train_options o;
    cr_train_options_init(&o);
    o.holdout_method = CR_HOLDOUT_HASH;
    o.holdout_fraction = 0.3;
    cr_shard *c = NULL, *a = NULL;
    CHECK_OK(cr_shard_census(ds, &o, &c, &check_err));
    cr_fit *fit = NULL;
    CHECK_OK(cr_fit_create(s, &o, c, &fit, &check_err));
    static unsigned char q[1 << 20], b[1 << 22];
    size_t n = 0, m = 0;
    cr_error e;
    const size_t d = cr_schema_feature_count(s);

    /* The groups pass: the model, then nothing. */
    run_until(fit, ds, 4, q, sizeof q, &n);
    const size_t H = CR_QUESTION_HEAD;
    CHECK_ERR(answer_as(ds, q, n, n - 1, &a, &e), e, CR_E_MAGIC, "cut short");
    CHECK_ERR(answer_as(ds, q, n, n + 1, &a, &e), e, CR_E_MAGIC, "past the evidence's model");
    unsigned char keep[8];
    memcpy(keep, q + H + 8, 8);
    memcpy(q + H + 8, (const double[]){1.0 / 0.0}, 8);   /* a coefficient at infinity */
    CHECK_ERR(answer_as(ds, q, n, n, &a, &e), e, CR_E_MAGIC, "bounds");
    memcpy(q + H + 8, keep, 8);
    q[H + 8 * (d + 1)] = 0;   /* band medium 0 */
    CHECK_ERR(answer_as(ds, q, n, n, &a, &e), e, CR_E_MAGIC, "bounds");
    CHECK(a == NULL);
    CHECK_OK(cr_fit_question(fit, q, sizeof q, &n, &check_err));
    CHECK_OK(cr_shard_answer(ds, q, n, &a, &check_err));
    CHECK_OK(cr_shard_save(a, b, sizeof b, &m, &check_err));
    cr_shard *x = NULL;
    /* Saved groups: cut short, keys out of order, a probability above 1. */
    CHECK_ERR(load_as(b, m, m - 1, &x, &e), e, CR_E_MAGIC, "groups");
    const size_t at = groups_at(b);
    CHECK(b[at] >= 2);   /* two groups at least */
    unsigned char saved[16];
    memcpy(saved, b + at + 8, 8);
    memset(b + at + 8, 0xff, 8);   /* the first key above the second */
    CHECK_ERR(load_as(b, m, m, &x, &e), e, CR_E_MAGIC, "groups");
    memcpy(b + at + 8, saved, 8);
    size_t last = at + 8;   /* the fitted rows' last group */
    for (uint64_t k = 0; k + 1 < b[at] + 256u * b[at + 1]; k++) last += 8 + 3 + 4 * (size_t)b[last + 8 + 2];
    memcpy(saved, b + last, 8);
    memset(b + last, 0xff, 7);
    b[last + 7] = 0x7f;   /* ascending still, but no probability */
    CHECK_OK(load_as(b, m, m, &x, &check_err));
    CHECK_ERR(cr_fit_feed(fit, x, &e), e, CR_E_MAGIC, "probability");
    cr_shard_free(x);
    memcpy(b + last, saved, 8);
    CHECK_ERR(cr_fit_feed(fit, c, &e), e, CR_E_STATE, "pass");
    CHECK_OK(cr_fit_feed(fit, a, &check_err));
    cr_shard_free(a);

    /* The cuts pass: per feature a count and that many ascending keys. */
    run_until(fit, ds, 5, q, sizeof q, &n);
    const size_t lists = H + 8 * (d + 1) + 8;
    CHECK_ERR(answer_as(ds, q, n, lists + 2 + CR_SEAL, &a, &e), e, CR_E_MAGIC, "cut short");
    CHECK_ERR(answer_as(ds, q, n, n + 1, &a, &e), e, CR_E_MAGIC, "past the pass's lists");
    size_t f3 = lists;   /* the real feature's list (feature 3) */
    for (size_t j = 0; j < 3; j++) f3 += 4 + 8 * (size_t)(q[f3] | q[f3 + 1] << 8 | q[f3 + 2] << 16);
    CHECK((q[f3] | q[f3 + 1] << 8) >= 2);
    memcpy(keep, q + f3 + 4, 8);
    memset(q + f3 + 4, 0xff, 8);
    CHECK_ERR(answer_as(ds, q, n, n, &a, &e), e, CR_E_MAGIC, "not ascending");
    memcpy(q + f3 + 4, keep, 8);
    q[f3 + 3] = 0x7f;   /* a count beyond any pass's */
    CHECK_ERR(answer_as(ds, q, n, n, &a, &e), e, CR_E_MAGIC, "is not a pass's");
    CHECK(a == NULL);

    /* The shares pass: per feature its finite, ascending cuts. */
    run_until(fit, ds, 6, q, sizeof q, &n);
    f3 = lists;
    for (size_t j = 0; j < 3; j++) f3 += 4 + 8 * (size_t)q[f3];
    CHECK(q[f3] >= 2);
    memcpy(keep, q + f3 + 4, 8);
    memcpy(q + f3 + 4, (const double[]){0.0 / 0.0}, 8);
    CHECK_ERR(answer_as(ds, q, n, n, &a, &e), e, CR_E_MAGIC, "list is not ascending");
    memcpy(q + f3 + 4, q + f3 + 12, 8);   /* two equal cuts */
    CHECK_ERR(answer_as(ds, q, n, n, &a, &e), e, CR_E_MAGIC, "not ascending");
    memcpy(q + f3 + 4, keep, 8);
    unsigned char top[8];
    const size_t lastcut = f3 + 4 + 8 * ((size_t)q[f3] - 1);
    memcpy(top, q + lastcut, 8);
    memcpy(q + lastcut, (const double[]){1.0 / 0.0}, 8);
    CHECK_ERR(answer_as(ds, q, n, n, &a, &e), e, CR_E_MAGIC, "not finite");
    memcpy(q + lastcut, top, 8);
    CHECK_OK(cr_shard_answer(ds, q, n, &a, &check_err));
    CHECK_OK(cr_fit_feed(fit, a, &check_err));
    cr_shard_free(a);
    CHECK(cr_fit_done(fit));
    check_ends_in_train(fit, ds, &o);
    cr_shard_free(c);
    cr_fit_free(fit);
    cr_dataset_free(ds);
    cr_schema_free(s);
}

/* Every pass of a fit of ds over one shard, to the first refusal (in *e)
   or the model (freed); the status. */
static cr_status shard_fit(const cr_dataset *ds, const cr_train_options *o, cr_error *e)
{
    cr_shard *c = NULL, *a = NULL;
    cr_fit *fit = NULL;
    CHECK_OK(cr_shard_census(ds, o, &c, &check_err));
    cr_status st = cr_fit_create(cr_dataset_schema(ds), o, c, &fit, e);
    static unsigned char q[1 << 20];
    size_t n = 0;
    for (int guard = 0; st == CR_OK && !cr_fit_done(fit) && guard < 200; guard++) {
        CHECK_OK(cr_fit_question(fit, q, sizeof q, &n, &check_err));
        CHECK_OK(cr_shard_answer(ds, q, n, &a, &check_err));
        st = cr_fit_feed(fit, a, e);
        cr_shard_free(a);
    }
    cr_model *m = NULL;
    if (st == CR_OK) st = cr_fit_model(fit, &m, e);
    cr_model_free(m);
    cr_shard_free(c);
    cr_fit_free(fit);
    return st;
}

/* Weights so large that sums leave the doubles: cr_train's refusals,
   status, field and message, and no model. */
static void test_overflowing_weights(void)
{
    cr_schema *s = NULL;
    CHECK_OK(gen_schema(GEN_DEFAULT, &s, &check_err));
    cr_train_options o;
    cr_train_options_init(&o);
    cr_dataset *ds = NULL;
    cr_model *m = NULL;
    cr_error e, want;
    /* The solver: every step from the start overflows the weighted loss. */
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    CHECK_OK(cr_dataset_add(ds, (const double[3]){0, 1, 1}, 1, 1.5e308, &check_err));
    CHECK_OK(cr_dataset_add(ds, (const double[3]){5, 0, 9}, 0, 1, &check_err));
    CHECK_ERR(cr_train(ds, &o, &m, &want), want, CR_E_DATA, "overflows a double at every step");
    CHECK_ERR(shard_fit(ds, &o, &e), e, CR_E_DATA, want.message);
    CHECK_STR(e.field, "weight");
    cr_dataset_free(ds);
    /* The evidence: held-out rows whose weights add up past the doubles. */
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    const char *hold = "{\"holdout\": {\"fraction\": 0.5, \"method\": \"hash\"}}";
    CHECK_OK(cr_train_options_from_json(&o, s, hold, strlen(hold), &check_err));
    int heavy = 0;
    for (int i = 0; i < 60; i++) {   /* a row held out weighs 1e308 (the hash reads the weight too), others 1 */
        const double f[3] = {i % 5, i % 2, i % 7};
        const int y = (i % 3 == 0) != (i % 11 == 0);
        cr_dataset *one = NULL;
        CHECK_OK(cr_dataset_create(s, &one, &check_err));
        CHECK_OK(cr_dataset_add(one, f, y, 1e308, &check_err));
        const int held = cr_holdout_hash_pick(&o, one->row_hash[0]);
        cr_dataset_free(one);
        heavy += held;
        CHECK_OK(cr_dataset_add(ds, f, y, held ? 1e308 : 1.0, &check_err));
    }
    CHECK(heavy >= 2);
    CHECK_ERR(cr_train(ds, &o, &m, &want), want, CR_E_DATA, "the weights add up (weight_sum) beyond the largest double");
    CHECK(m == NULL);
    CHECK_ERR(shard_fit(ds, &o, &e), e, CR_E_DATA, want.message);
    cr_dataset_free(ds);
    cr_schema_free(s);
}

/* A writer's answer b (n bytes) with its last exact sum left out, sealed
   anew: well formed, the question's identity, one sum short of its pass. */
static size_t one_sum_short(unsigned char *b, size_t n)
{
    const uint32_t k = cr_get32(b + 5);
    size_t off = CR_SHARD_HEAD, last = off;
    for (uint32_t j = 0; j < k; j++) last = off, off += 3 + 4 * (size_t)b[off + 2];
    memmove(b + last, b + off, n - CR_SEAL - off);
    cr_put32(b + 5, k - 1);
    const size_t body = n - CR_SEAL - (off - last);
    cr_put32(b + body, cr_crc32(0, b, body));
    return body + CR_SEAL;
}

/* Saved bytes are sealed (CRC-32): any one flipped bit of a census, an
   answer or a question is refused, never another model; an older
   version's bytes are refused as such; a question's values, sealed anew by a
   hostile writer, are checked (finite point, class weights, holdout). */
static void test_sealed_bytes(void)
{
    cr_schema *s = NULL;
    cr_dataset *ds = sixty_rows(&s);
    cr_train_options o;
    cr_train_options_init(&o);
    o.holdout_method = CR_HOLDOUT_HASH;
    o.holdout_fraction = 0.25;
    cr_shard *c = NULL, *a = NULL, *x = NULL;
    cr_fit *fit = NULL;
    cr_error e;
    static unsigned char q[1 << 16], b[1 << 16];
    size_t n = 0, m = 0;
    CHECK_OK(cr_shard_census(ds, &o, &c, &check_err));
    CHECK_OK(cr_fit_create(s, &o, c, &fit, &check_err));
    long flips = 0, taken = 0;
    int short_refused = 0;
    for (int pass = 0; !cr_fit_done(fit) && pass < 200; pass++) {
        const cr_shard *saved = c;
        if (pass) {
            CHECK_OK(cr_fit_question(fit, q, sizeof q, &n, &check_err));
            for (size_t bit = 0; bit < 8 * n; bit++, flips++) {
                q[bit / 8] ^= (unsigned char)(1u << bit % 8);
                taken += cr_shard_answer(ds, q, n, &x, NULL) == CR_OK;
                q[bit / 8] ^= (unsigned char)(1u << bit % 8);
            }
            CHECK_OK(cr_shard_answer(ds, q, n, &a, &check_err));
            saved = a;
        }
        CHECK_OK(cr_shard_save(saved, b, sizeof b, &m, &check_err));
        for (size_t bit = 0; bit < 8 * m; bit++, flips++) {
            b[bit / 8] ^= (unsigned char)(1u << bit % 8);
            const cr_status st = cr_shard_load(b, m, &x, NULL);
            taken += st == CR_OK;
            b[bit / 8] ^= (unsigned char)(1u << bit % 8);
        }
        if (pass && (q[4] == 2 || q[4] == 6)) {   /* the summary's, the shares': a sum short, refused */
            CHECK_OK(cr_shard_load(b, one_sum_short(b, m), &x, &check_err));
            CHECK_ERR(cr_fit_feed(fit, x, &e), e, CR_E_STATE, "the shards answer pass");
            cr_shard_free(x);
            short_refused++;
        }
        if (pass) {
            CHECK_OK(cr_fit_feed(fit, a, &check_err));
            cr_shard_free(a);
        }
    }
    CHECK_INT(short_refused, 2);
    CHECK(flips > 10000);
    CHECK_INT(taken, 0);
    check_ends_in_train(fit, ds, &o);
    cr_fit_free(fit);

    /* An older version's bytes: said so, rather than a checksum's mismatch. */
    CHECK_OK(cr_shard_save(c, b, sizeof b, &m, &check_err));
    memcpy(b, "CRS2", 4);
    CHECK_ERR(cr_shard_load(b, m, &x, &e), e, CR_E_MAGIC, "shard: format CRS2 is an older callrisk's (this one reads CRS3)");
    CHECK_ERR(cr_shard_load(b, 4, &x, &e), e, CR_E_MAGIC, "CRS2");
    CHECK_ERR(cr_shard_load("CRS0", 4, &x, &e), e, CR_E_MAGIC, "shard: does not start with CRS3");
    CHECK_ERR(cr_shard_load("CRS", 3, &x, &e), e, CR_E_MAGIC, "shard: does not start with CRS3");
    memcpy(b, "CRS3", 4);
    b[4] = 7;   /* no pass of a fit */
    CHECK_ERR(load_as(b, m, m, &x, &e), e, CR_E_MAGIC, "shard: pass 7 is no pass of a fit");
    CHECK(x == NULL);
    CHECK_OK(cr_fit_create(s, &o, c, &fit, &check_err));
    CHECK_OK(cr_fit_question(fit, q, sizeof q, &n, &check_err));   /* the summary */
    memcpy(q, "CRQ1", 4);
    CHECK_ERR(cr_shard_answer(ds, q, n, &x, &e), e, CR_E_MAGIC, "question: format CRQ1 is an older callrisk's");
    memcpy(q, "CRQ2", 4);
    CHECK_OK(answer_as(ds, q, n, n, &x, &check_err));
    cr_shard_free(x);

    /* A question's values, sealed anew: each refused with its type. */
    CHECK_OK(cr_shard_answer(ds, q, n, &a, &check_err));
    CHECK_OK(cr_fit_feed(fit, a, &check_err));
    cr_shard_free(a);
    CHECK_OK(cr_fit_question(fit, q, sizeof q, &n, &check_err));   /* a point */
    CHECK_INT(q[4], 3);
    static const struct {
        size_t at;
        double v;
        cr_status st;
        const char *msg;
    } bad[] = {
        {CR_QUESTION_HEAD + 8, 0.0 / 0.0, CR_E_NONFINITE, "question: point's coordinate 1 is not a finite number"},
        {CR_QUESTION_HEAD, 1.0 / 0.0, CR_E_NONFINITE, "point's coordinate 0"},
        {8, 0.0 / 0.0, CR_E_NONFINITE, "question: holdout fraction 0 is not a finite number"},
        {8, 1.5, CR_E_RANGE, "holdout fraction 0 is 1.5, outside (0, 1)"},
        {8, 0.0, CR_E_RANGE, "holdout fraction 0 is 0,"},
        {24, 1.0 / 0.0, CR_E_NONFINITE, "question: class weight 0 is not a finite number"},
        {32, -1.0, CR_E_RANGE, "class weight 1 is -1"},
    };
    unsigned char keep[8];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        memcpy(keep, q + bad[i].at, 8);
        cr_put_f64(q + bad[i].at, bad[i].v);
        CHECK_ERR(answer_as(ds, q, n, n, &x, &e), e, bad[i].st, bad[i].msg);
        CHECK(x == NULL);
        memcpy(q + bad[i].at, keep, 8);
    }
    cr_put64(q + 16, (uint64_t)1 << 32);   /* a seed of more than 32 bits */
    CHECK_ERR(answer_as(ds, q, n, n, &x, &e), e, CR_E_RANGE, "question: holdout seed 4294967296");
    cr_put64(q + 16, 0);
    q[5] = CR_HOLDOUT_NONE;   /* no holdout, yet a fraction */
    CHECK_ERR(answer_as(ds, q, n, n, &x, &e), e, CR_E_RANGE, "(fraction 0.25) is not the holdout's");
    cr_put_f64(q + 8, 0.0);
    CHECK_OK(answer_as(ds, q, n, n, &x, &check_err));
    cr_shard_free(x);
    cr_fit_free(fit);
    cr_shard_free(c);
    cr_dataset_free(ds);
    cr_schema_free(s);
}

/* ds's answer to q. */
static cr_shard *answers_of(const cr_dataset *ds, const unsigned char *q, size_t n)
{
    cr_shard *a = NULL;
    CHECK_OK(cr_shard_answer(ds, q, n, &a, &check_err));
    return a;
}

/* A census and answers belong to one fit and one question: a census of
   other options or of another schema, an answer to an earlier question or
   to another fit's (other options, or other rows), or an answer of rows of
   another schema with as many features, is refused; the fit stays as it
   was and ends in cr_train's model. */
static void test_bound_answers(void)
{
    static const cr_field_spec renamed[] = {
        {"reports", CR_FIELD_COUNT}, {"has_consent", CR_FIELD_BOOL}, {"call_attempts_24h", CR_FIELD_COUNT}};
    static const cr_feature_spec renamed_features[] = {
        {"spam_reports", "reports", 0}, {"no_consent", "has_consent", 1}, {"call_attempts_24h", "call_attempts_24h", 0}};
    cr_schema *s = NULL, *s2 = NULL;
    CHECK_OK(gen_schema(GEN_DEFAULT, &s, &check_err));
    CHECK_OK(cr_schema_create(renamed, 3, renamed_features, 3, &s2, &check_err));
    cr_dataset *ds = NULL, *other = NULL, *same_rows_other_schema = NULL;
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    CHECK_OK(cr_dataset_create(s, &other, &check_err));
    CHECK_OK(cr_dataset_create(s2, &same_rows_other_schema, &check_err));
    for (int i = 0; i < 80; i++) {
        const double f[3] = {i % 5, i % 2, i % 7}, g[3] = {i % 4, i % 2, i % 9};
        const int y = (i % 3 == 0) != (i % 11 == 0);
        CHECK_OK(cr_dataset_add(ds, f, y, 1.0, &check_err));
        CHECK_OK(cr_dataset_add(same_rows_other_schema, f, y, 1.0, &check_err));
        CHECK_OK(cr_dataset_add(other, g, y, 1.0, &check_err));
    }
    cr_train_options o, o2;
    cr_train_options_init(&o);
    o2 = o;
    o2.C = 2;
    cr_error e;
    cr_shard *c = NULL, *c2 = NULL, *cs = NULL, *co = NULL;
    CHECK_OK(cr_shard_census(ds, &o, &c, &check_err));
    CHECK_OK(cr_shard_census(ds, &o2, &c2, &check_err));
    CHECK_OK(cr_shard_census(same_rows_other_schema, &o, &cs, &check_err));
    CHECK_OK(cr_shard_census(other, &o, &co, &check_err));
    /* Censuses: of other options or another schema, refused by merge and fit. */
    CHECK_ERR(cr_shard_merge(c, c2, &e), e, CR_E_MISMATCH, "censuses taken under different schemas or options");
    CHECK_ERR(cr_shard_merge(c, cs, &e), e, CR_E_MISMATCH, "do not merge");
    cr_fit *fit = NULL, *fit2 = NULL, *fito = NULL;
    CHECK_ERR(cr_fit_create(s, &o, c2, &fit, &e), e, CR_E_MISMATCH, "the census was taken under another schema or other options");
    CHECK_ERR(cr_fit_create(s2, &o, c, &fit, &e), e, CR_E_MISMATCH, "cr_fit_create: the census");
    CHECK(fit == NULL);
    cr_train_options same = o;   /* what does not reach the model does not matter */
    snprintf(same.label_column, sizeof same.label_column, "is_spam");
    same.holdout_fraction = 0.5;   /* no holdout: its fraction is not read */
    CHECK_OK(cr_fit_create(s, &same, c, &fit, &check_err));
    cr_fit_free(fit);
    CHECK_OK(cr_fit_create(s, &o, c, &fit, &check_err));
    CHECK_OK(cr_fit_create(s, &o2, c2, &fit2, &check_err));
    CHECK_OK(cr_fit_create(s, &o, co, &fito, &check_err));
    static unsigned char q[1 << 20], q2[1 << 20], qo[1 << 20];
    size_t n = 0, n2 = 0, no = 0;
    cr_shard *stale = NULL;
    int refused[3] = {0, 0, 0};   /* another fit's, other rows', an earlier question's */
    for (int pass = 1; !cr_fit_done(fit) && pass < 200; pass++) {
        CHECK_OK(cr_fit_question(fit, q, sizeof q, &n, &check_err));
        cr_shard *a = answers_of(ds, q, n), *x = NULL;
        /* Rows of another schema, as many features: the question is not theirs. */
        CHECK_ERR(cr_shard_answer(same_rows_other_schema, q, n, &x, &e), e, CR_E_SCHEMA, "another schema");
        CHECK(x == NULL);
        if (!cr_fit_done(fit2)) {   /* another fit (C = 2): its answers, at the same pass */
            CHECK_OK(cr_fit_question(fit2, q2, sizeof q2, &n2, &check_err));
            cr_shard *a2 = answers_of(ds, q2, n2);
            if (q2[4] == q[4]) {
                refused[0]++;
                CHECK_ERR(cr_fit_feed(fit, a2, &e), e, CR_E_STATE, "another question than the fit's last");
                CHECK_ERR(cr_shard_merge(a2, a, &e), e, CR_E_STATE, "answers to different questions do not merge");
            }
            CHECK_OK(cr_fit_feed(fit2, a2, &check_err));
            cr_shard_free(a2);
        }
        if (!cr_fit_done(fito)) {   /* the same options, other rows */
            CHECK_OK(cr_fit_question(fito, qo, sizeof qo, &no, &check_err));
            cr_shard *ao = answers_of(other, qo, no);
            if (qo[4] == q[4]) {
                refused[1]++;
                CHECK_ERR(cr_fit_feed(fit, ao, &e), e, CR_E_STATE, "another question");
            }
            CHECK_OK(cr_fit_feed(fito, ao, &check_err));
            cr_shard_free(ao);
        }
        /* An earlier question's answers, of the same pass. */
        if (stale && stale->kind == q[4]) {
            refused[2]++;
            CHECK_ERR(cr_fit_feed(fit, stale, &e), e, CR_E_STATE, "an earlier question's");
        }
        CHECK_OK(cr_fit_feed(fit, a, &check_err));
        if (pass > 2) {
            cr_shard_free(stale);
            stale = a;
        } else {
            cr_shard_free(a);
        }
    }
    cr_shard_free(stale);
    CHECK(refused[0] >= 5 && refused[1] >= 5 && refused[2] >= 3);
    check_ends_in_train(fit, ds, &o);
    cr_fit_free(fit);
    cr_fit_free(fit2);
    cr_fit_free(fito);
    cr_shard_free(c);
    cr_shard_free(c2);
    cr_shard_free(cs);
    cr_shard_free(co);
    cr_dataset_free(ds);
    cr_dataset_free(other);
    cr_dataset_free(same_rows_other_schema);
    cr_schema_free(s);
    cr_schema_free(s2);
}

/* Answers come from the rows the census counted, each once: a part left
   out, a part answering twice or other rows answering the fit's question
   is CR_E_DATA at feed, the fit as it was; the parts' answers then go on
   to cr_train's model. */
static void test_answers_of_the_census_rows(void)
{
    cr_schema *s = NULL;
    cr_dataset *whole = sixty_rows(&s), *part[2] = {NULL, NULL}, *other = NULL;
    for (int k = 0; k < 2; k++) CHECK_OK(cr_dataset_create(s, &part[k], &check_err));
    CHECK_OK(cr_dataset_create(s, &other, &check_err));
    for (int i = 0; i < 60; i++) {
        const double f[3] = {i % 5, i % 2, i % 7}, g[3] = {i % 5, i % 2, (i + 1) % 7};
        const int y = (i % 3 == 0) != (i % 11 == 0);
        CHECK_OK(cr_dataset_add(part[i % 2], f, y, 1.0, &check_err));
        CHECK_OK(cr_dataset_add(other, g, y, 1.0, &check_err));
    }
    cr_train_options o;
    cr_train_options_init(&o);
    cr_shard *c = NULL, *c1 = NULL;
    CHECK_OK(cr_shard_census(part[0], &o, &c, &check_err));
    CHECK_OK(cr_shard_census(part[1], &o, &c1, &check_err));
    CHECK_OK(cr_shard_merge(c, c1, &check_err));
    cr_fit *fit = NULL;
    CHECK_OK(cr_fit_create(s, &o, c, &fit, &check_err));
    static unsigned char q[1 << 20];
    size_t n = 0;
    cr_error e;
    int passes = 0;
    for (; !cr_fit_done(fit) && passes < 200; passes++) {
        CHECK_OK(cr_fit_question(fit, q, sizeof q, &n, &check_err));
        cr_shard *a = answers_of(part[0], q, n), *b = answers_of(part[1], q, n), *x = answers_of(other, q, n);
        CHECK_ERR(cr_fit_feed(fit, a, &e), e, CR_E_DATA, "the answers are of 30 rows, the census of 60");
        CHECK_ERR(cr_fit_feed(fit, x, &e), e, CR_E_DATA, "of 60 rows (other rows), the census of 60");
        CHECK_OK(cr_shard_merge(a, b, &check_err));
        CHECK_OK(cr_shard_merge(b, a, &check_err));   /* part 1 twice */
        CHECK_ERR(cr_fit_feed(fit, b, &e), e, CR_E_DATA, "the answers are of 90 rows");
        CHECK_OK(cr_fit_feed(fit, a, &check_err));
        cr_shard_free(a);
        cr_shard_free(b);
        cr_shard_free(x);
    }
    CHECK(passes >= 8);
    check_ends_in_train(fit, whole, &o);
    cr_fit_free(fit);
    cr_shard_free(c);
    cr_shard_free(c1);
    for (int k = 0; k < 2; k++) cr_dataset_free(part[k]);
    cr_dataset_free(other);
    cr_dataset_free(whole);
    cr_schema_free(s);
}

int main(void)
{
    test_same_fit();
    test_refusals();
    test_arguments();
    test_solved();
    test_evidence_bytes();
    test_overflowing_weights();
    test_sealed_bytes();
    test_bound_answers();
    test_answers_of_the_census_rows();
    return check_done("test_shards");
}
