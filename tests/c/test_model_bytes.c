/* test_model_bytes.c - binary and JSON model forms: round trips, ids, every load error. */
#include "callrisk.h"
#include "check.h"
#include "crc32.h"
#include "sha256.h"

#include <stdlib.h>

static uint8_t *save(const cr_model *m, size_t *len)
{
    cr_model_save(m, NULL, 0, len, NULL);
    uint8_t *b = malloc(*len);
    CHECK_OK(cr_model_save(m, b, *len, len, &check_err));
    return b;
}

static char *to_json(const cr_model *m)
{
    size_t n = 0;
    cr_model_to_json(m, NULL, 0, &n, NULL);
    char *s = malloc(n + 1);
    CHECK_OK(cr_model_to_json(m, s, n + 1, &n, &check_err));
    return s;
}

/* Rewrites the trailing CRC so that only the edited defect remains. */
static void fix_crc(uint8_t *b, size_t len)
{
    uint32_t c = cr_crc32(0, b, len - 4);
    for (int k = 0; k < 4; k++) b[len - 4 + k] = (uint8_t)(c >> (8 * k));
}

static size_t find_f64(const uint8_t *b, size_t len, double v)
{
    uint8_t pat[8];
    uint64_t u = bits_of(v);
    for (int k = 0; k < 8; k++) pat[k] = (uint8_t)(u >> (8 * k));
    for (size_t i = 0; i + 8 <= len; i++)
        if (memcmp(b + i, pat, 8) == 0) return i;
    return 0;
}

static void expect_load_error(const uint8_t *b, size_t len, cr_status status, const char *text)
{
    cr_model *m = (cr_model *)1;
    cr_error e;
    CHECK_ERR(cr_model_load(b, len, &m, &e), e, status, text);
    CHECK(m == NULL);
}

static void test_binary_round_trip(const cr_model *m)
{
    size_t len;
    uint8_t *b = save(m, &len);
    /* The id is the SHA-256 of these bytes. */
    uint8_t d[32];
    char hex[65];
    cr_sha256_ctx h;
    cr_sha256_init(&h);
    cr_sha256_update(&h, b, len);
    cr_sha256_final(&h, d);
    cr_sha256_hex(d, hex);
    CHECK_STR(cr_model_id(m), hex);
    CHECK(memcmp(b, "CRISKMDL", 8) == 0);

    cr_model *m2 = NULL;
    CHECK_OK(cr_model_load(b, len, &m2, &check_err));
    CHECK_STR(cr_model_id(m2), cr_model_id(m));
    size_t len2;
    uint8_t *b2 = save(m2, &len2);
    CHECK(len2 == len && memcmp(b, b2, len) == 0);

    cr_error e;
    size_t need = 0;
    CHECK_ERR(cr_model_save(m, b2, len - 1, &need, &e), e, CR_E_BUFFER, "model needs");
    CHECK_INT(need, len);
    free(b2);
    cr_model_free(m2);
    free(b);
}

static void test_load_errors(const cr_model *m)
{
    size_t len;
    uint8_t *b = save(m, &len);
    uint8_t *c = malloc(len + 8);

    expect_load_error(b, 0, CR_E_TRUNCATED, "truncated header");
    expect_load_error(b, 12, CR_E_TRUNCATED, "truncated header (12 of 20 bytes)");
    for (size_t n = 20; n < len; n += 7) expect_load_error(b, n, CR_E_TRUNCATED, "truncated (");
    expect_load_error(b, len - 1, CR_E_TRUNCATED, "truncated (");

    memcpy(c, b, len);
    c[0] = 'X';
    expect_load_error(c, len, CR_E_MAGIC, "bad magic");
    expect_load_error((const uint8_t *)"{\"a\":1}", 7, CR_E_MAGIC, "bad magic");

    memcpy(c, b, len);
    c[8] = 2;
    fix_crc(c, len);
    expect_load_error(c, len, CR_E_VERSION, "format version 2, this library reads 1");
    memcpy(c, b, len);
    c[10] = 1;
    fix_crc(c, len);
    expect_load_error(c, len, CR_E_VERSION, "unsupported flags");

    memcpy(c, b, len);
    c[len / 2] ^= 0x40;
    expect_load_error(c, len, CR_E_CHECKSUM, "checksum mismatch");

    /* Trailing bytes after the declared size. */
    memcpy(c, b, len);
    c[len] = 0;
    expect_load_error(c, len + 1, CR_E_COUNT, "declared size");

    memcpy(c, b, len);
    c[16] = 0;   /* zero fields */
    fix_crc(c, len);
    expect_load_error(c, len, CR_E_COUNT, "0 fields (need 1 to 64)");
    memcpy(c, b, len);
    c[17] = 65;  /* features */
    fix_crc(c, len);
    expect_load_error(c, len, CR_E_COUNT, "65 features (need 1 to 64)");
    memcpy(c, b, len);
    c[21] = 0;   /* name length of field 0 */
    fix_crc(c, len);
    expect_load_error(c, len, CR_E_COUNT, "field 0 has name length 0");

    memcpy(c, b, len);
    c[22] = '-';  /* first byte of the first field name */
    fix_crc(c, len);
    expect_load_error(c, len, CR_E_SCHEMA, "must match [A-Za-z_]");

    size_t at = find_f64(b, len, cr_model_intercept(m));
    CHECK(at > 20);
    double nan = 0.0 / 0.0, inf = 1.0 / 0.0;
    memcpy(c, b, len);
    memcpy(c + at, &nan, 8);
    fix_crc(c, len);
    expect_load_error(c, len, CR_E_NONFINITE, "model 'intercept': not a finite number");
    at = find_f64(b, len, cr_model_coef(m, 2));
    memcpy(c, b, len);
    memcpy(c + at, &inf, 8);
    fix_crc(c, len);
    expect_load_error(c, len, CR_E_NONFINITE, "coefficient of 'call_attempts_24h'");
    /* Finite but beyond CR_REAL_MAX: 1e308 * 2^53 attempts would overflow. */
    const double huge = 1e308, big = 2e150;
    memcpy(c, b, len);
    memcpy(c + at, &huge, 8);
    fix_crc(c, len);
    expect_load_error(c, len, CR_E_RANGE, "model coefficient of 'call_attempts_24h': 1e+308 is beyond");
    at = find_f64(b, len, cr_model_baseline(m, 0));
    memcpy(c, b, len);
    memcpy(c + at, &big, 8);
    fix_crc(c, len);
    expect_load_error(c, len, CR_E_RANGE, "model baseline of 'spam_reports'");

    /* Bands sit right after the baselines. */
    at = find_f64(b, len, cr_model_baseline(m, 2)) + 8;
    memcpy(c, b, len);
    c[at] = 101;
    fix_crc(c, len);
    expect_load_error(c, len, CR_E_RANGE, "model 'bands'");
    memcpy(c, b, len);
    memset(c + at + 4, 0, 4);   /* medium 0 */
    fix_crc(c, len);
    expect_load_error(c, len, CR_E_RANGE, "got medium 0, high 70");

    /* A reserved byte set: not canonical, so the id would not be its SHA-256. */
    memcpy(c, b, len);
    c[18] = 1;
    fix_crc(c, len);
    expect_load_error(c, len, CR_E_RANGE, "not in canonical form");

    cr_error e;
    cr_model *out = NULL;
    CHECK_ERR(cr_model_load(NULL, 5, &out, &e), e, CR_E_ARG, "NULL");
    free(c);
    free(b);
}

/* The binary layout after the bands (see model_bytes.c). */
enum { AT_ROWS = 8, AT_FIT_INTERCEPT = 32, AT_CW_MODE = 33, AT_CONVERGED = 100, AT_OBJECTIVE = 104 };

static void test_more_load_errors(const cr_model *m)
{
    size_t len;
    uint8_t *b = save(m, &len);
    uint8_t *c = malloc(len + 16);
    const size_t bands = find_f64(b, len, cr_model_baseline(m, 2)) + 8;
    /* The default schema: 20-byte header, fields (type, length, name) of 12,
       11 and 17 bytes, then feature 0: field, invert, sign, name length. */
    const size_t feat0 = 20 + (2 + 12) + (2 + 11) + (2 + 17);
    CHECK(memcmp(b + feat0 + 4, "spam_reports", 12) == 0);
#define EDIT(stmt, status, text)           \
    do {                                   \
        memcpy(c, b, len);                 \
        stmt;                              \
        fix_crc(c, len);                   \
        expect_load_error(c, len, status, text); \
    } while (0)
    EDIT(c[16] = 65, CR_E_COUNT, "65 fields (need 1 to 64)");
    EDIT(c[17] = 0, CR_E_COUNT, "0 features (need 1 to 64)");
    EDIT(c[feat0] = 3, CR_E_COUNT, "feature 0 reads field 3 of 3");
    EDIT(c[feat0 + 1] = 2, CR_E_RANGE, "feature 0 has invert flag 2");
    EDIT(c[feat0 + 2] = 3, CR_E_RANGE, "model sign of 'spam_reports': unknown value 3");
    EDIT(c[feat0 + 3] = 64, CR_E_COUNT, "feature 0 has name length 64");
    /* The last name's length runs the reader past the end. */
    const size_t feat2 = feat0 + (4 + 12) + (4 + 10);
    CHECK(memcmp(b + feat2 + 4, "call_attempts_24h", 17) == 0);
    EDIT(c[feat2 + 3] = 63, CR_E_TRUNCATED, "contents run past the declared size");
    EDIT(c[bands + AT_FIT_INTERCEPT] = 2, CR_E_RANGE, "model 'training': unknown option value");
    EDIT(c[bands + AT_CW_MODE] = 3, CR_E_RANGE, "model 'training': unknown option value");
    EDIT(c[bands + AT_CONVERGED] = 2, CR_E_RANGE, "model 'training': unknown option value");
    EDIT(c[bands + AT_FIT_INTERCEPT] = 0, CR_E_RANGE, "model 'intercept': must be 0 without fit_intercept");
    const double inf = 1.0 / 0.0;
    EDIT(memcpy(c + bands + AT_OBJECTIVE, &inf, 8), CR_E_NONFINITE, "metadata holds a non-finite number");
    EDIT(memcpy(c + bands + AT_OBJECTIVE + 8, &inf, 8), CR_E_NONFINITE, "metadata holds a non-finite number");
    EDIT(memcpy(c + bands + AT_ROWS + 8, &inf, 8), CR_E_NONFINITE, "metadata holds a non-finite number");
#undef EDIT
    /* Eight bytes more than the contents, declared and checksummed: unused. */
    memcpy(c, b, len - 4);
    memset(c + len - 4, 0, 8);
    for (int k = 0; k < 4; k++) c[12 + k] = (uint8_t)((len + 8) >> (8 * k));
    fix_crc(c, len + 8);
    expect_load_error(c, len + 8, CR_E_COUNT, "8 unused bytes before the checksum");
    /* A header declaring itself smaller than any model. */
    memcpy(c, b, 22);
    c[12] = 22, c[13] = c[14] = c[15] = 0;
    expect_load_error(c, 22, CR_E_COUNT, "declared size 22 does not match 22 bytes");
    /* Arguments. */
    cr_error e;
    cr_model *out = (cr_model *)1;
    CHECK_ERR(cr_model_load(b, len, NULL, &e), e, CR_E_ARG, "src or out is NULL");
    CHECK_ERR(cr_model_load(NULL, 0, &out, &e), e, CR_E_TRUNCATED, "truncated header (0 of 20 bytes)");
    CHECK(out == NULL);
    CHECK_INT(cr_model_load(b, 3, &out, NULL), CR_E_TRUNCATED);
    CHECK_ERR(cr_model_save(NULL, c, len, &len, &e), e, CR_E_ARG, "model is NULL");
    /* *size is optional. */
    CHECK_OK(cr_model_save(m, c, len, NULL, &check_err));
    CHECK(memcmp(c, b, len) == 0);
    free(c);
    free(b);
}

static void test_json_round_trip(const cr_model *m)
{
    char *js = to_json(m);
    CHECK(strncmp(js, "{\"format\":\"callrisk-model\",\"version\":1,\"id\":\"", 44) == 0);
    cr_model *m2 = NULL;
    CHECK_OK(cr_model_from_json(js, strlen(js), &m2, &check_err));
    CHECK_STR(cr_model_id(m2), cr_model_id(m));
    for (size_t j = 0; j < 3; j++) CHECK(bits_of(cr_model_coef(m2, j)) == bits_of(cr_model_coef(m, j)));
    CHECK(bits_of(cr_model_intercept(m2)) == bits_of(cr_model_intercept(m)));
    char *js2 = to_json(m2);
    CHECK_STR(js2, js);
    cr_error e;
    size_t need = 0;
    char small[8];
    CHECK_ERR(cr_model_to_json(m, small, sizeof small, &need, &e), e, CR_E_BUFFER, "output needs");
    CHECK_INT(need, strlen(js));
    free(js2);
    cr_model_free(m2);
    free(js);
}

/* Replaces the first `from` in the model's JSON with `to` and expects an error. */
static void expect_json_error(const cr_model *m, const char *from, const char *to, cr_status status,
                              const char *text)
{
    char *js = to_json(m);
    char *at = strstr(js, from);
    CHECK(at != NULL);
    if (!at) return;
    size_t n = strlen(js) + strlen(to) + 1;
    char *edited = malloc(n);
    snprintf(edited, n, "%.*s%s%s", (int)(at - js), js, to, at + strlen(from));
    cr_model *out = (cr_model *)1;
    cr_error e;
    CHECK_ERR(cr_model_from_json(edited, strlen(edited), &out, &e), e, status, text);
    CHECK(out == NULL);
    free(edited);
    free(js);
}

static void test_json_errors(const cr_model *m)
{
    expect_json_error(m, "{\"format\"", "[{\"format\"", CR_E_JSON, "JSON:");
    expect_json_error(m, "\"callrisk-model\"", "\"other\"", CR_E_MAGIC, "'format' is 'other'");
    expect_json_error(m, "\"version\":1", "\"version\":7", CR_E_VERSION, "format version 7");
    expect_json_error(m, "\"intercept\":", "\"intercept_\":", CR_E_MISSING, "'intercept' is missing");
    expect_json_error(m, "\"intercept\":", "\"intercept\":\"x\",\"i\":", CR_E_TYPE,
                      "'intercept' must be number, got string");
    expect_json_error(m, "\"coef\":[", "\"coef\":[1,", CR_E_COUNT, "'coef' has 4 values, expected 3");
    expect_json_error(m, "\"coef\":[", "\"coef\":[1e999,", CR_E_COUNT, "'coef' has 4 values");
    expect_json_error(m, "\"intercept\":", "\"intercept\":1e999,\"x\":", CR_E_NONFINITE, "'intercept'");
    expect_json_error(m, "\"high\":70", "\"high\":170", CR_E_RANGE, "'high' must be an integer in 1..100");
    expect_json_error(m, "\"high\":70", "\"high\":101", CR_E_RANGE, "'high' must be an integer in 1..100");
    expect_json_error(m, "\"medium\":40", "\"medium\":0", CR_E_RANGE, "'medium' must be an integer in 1..100");
    expect_json_error(m, "\"high\":70", "\"high\":30", CR_E_RANGE, "need integers 1 <= medium <= high <= 100");
    /* Finite but huge numbers: a model that could not score every valid
       input finitely is refused (it used to score NaN, then -2147483648). */
    expect_json_error(m, "\"coef\":[", "\"coef\":[1e308,0,-1e308],\"c\":[", CR_E_RANGE,
                      "coefficient of 'spam_reports': 1e+308 is beyond +-1e150");
    expect_json_error(m, "\"intercept\":", "\"intercept\":-1e151,\"x\":", CR_E_RANGE, "'intercept': -1e+151 is beyond");
    /* Counts that would wrap negative in an int. */
    expect_json_error(m, "\"max_iter\":100", "\"max_iter\":4294967295", CR_E_RANGE,
                      "need 1 <= max_iter <= 1000000 and 0 <= iterations <= max_iter, got -1");
    expect_json_error(m, "\"max_iter\":100", "\"max_iter\":3", CR_E_RANGE, "got 3 and ");
    expect_json_error(m, "\"sign\":\"free\"", "\"sign\":\"up\"", CR_E_RANGE, "'sign' has unknown value 'up'");
    expect_json_error(m, "\"type\":\"count\"", "\"type\":\"int\"", CR_E_RANGE, "'type' has unknown value");
    expect_json_error(m, "\"field\":\"has_consent\"", "\"field\":\"consent\"", CR_E_SCHEMA,
                      "reads unknown field 'consent'");
    expect_json_error(m, "\"id\":\"", "\"id\":\"0", CR_E_CHECKSUM, "does not match the contents");
    expect_json_error(m, "\"intercept\":", "\"intercept\":0,\"intercept\":", CR_E_JSON, "duplicate object key");
    expect_json_error(m, "\"callrisk-model\"", "\"callrisk-model-but-longer-than-31-bytes\"", CR_E_RANGE,
                      "'format' is too long");
    expect_json_error(m, "\"version\":1", "\"version\":1.5", CR_E_RANGE, "'version' must be an integer in 0..65535");
    expect_json_error(m, "\"invert\":false", "\"invert\":0", CR_E_TYPE,
                      "features[]: 'invert' must be a boolean, got number");
    expect_json_error(m, "\"fields\":[", "\"fields\":{\"a\":1},\"f\":[", CR_E_TYPE, "'fields' must be array, got object");
    expect_json_error(m, "\"coef\":[", "\"coef\":[\"x\",1,2],\"c\":[", CR_E_TYPE, "'coef'[0] must be a number");
    expect_json_error(m, "\"bands\":", "\"bands\":[],\"b\":", CR_E_TYPE, "'bands' must be object, got array");
    expect_json_error(m, "\"training\":", "\"training_\":", CR_E_MISSING, "'training' is missing");
    expect_json_error(m, "\"rows\":5", "\"rows\":-5", CR_E_RANGE, "training: 'rows' must be an integer");
    expect_json_error(m, "\"max_iter\":100", "\"max_iter\":4294967296", CR_E_RANGE, "'max_iter' must be an integer");
    expect_json_error(m, "\"class_weight\":\"none\"", "\"class_weight\":true", CR_E_TYPE,
                      "training: 'class_weight' must be string, got true");
    expect_json_error(m, "\"class_weight\":\"none\"", "\"class_weight\":\"auto\"", CR_E_RANGE,
                      "'class_weight' has unknown value 'auto'");
    expect_json_error(m, "\"converged\":true", "\"converged\":\"yes\"", CR_E_TYPE,
                      "solver: 'converged' must be a boolean, got string");
    expect_json_error(m, "\"fit_intercept\":true", "\"fit_intercept\":false", CR_E_RANGE,
                      "'intercept': must be 0 without fit_intercept");
    expect_json_error(m, "\"C\":1,", "\"C\":1e999,", CR_E_NONFINITE, "metadata holds a non-finite number");
    expect_json_error(m, "\"tol\":", "\"tol\":1e999,\"t\":", CR_E_NONFINITE, "metadata holds a non-finite number");
    expect_json_error(m, "\"grad_norm\":", "\"grad_norm\":-1e999,\"g\":", CR_E_NONFINITE, "non-finite");
    expect_json_error(m, "\"class_weight_values\":[1,1]", "\"class_weight_values\":[1,1e999]", CR_E_NONFINITE,
                      "non-finite");
    expect_json_error(m, "\"class_weight_values\":[1,1]", "\"class_weight_values\":[-1e999,1]", CR_E_NONFINITE,
                      "non-finite");
    expect_json_error(m, "\"weight_sum\":", "\"weight_sum\":1e999,\"w\":", CR_E_NONFINITE, "non-finite");
    expect_json_error(m, "\"objective\":", "\"objective\":1e999,\"o\":", CR_E_NONFINITE, "non-finite");
    expect_json_error(m, "\"invert\":false,", "", CR_E_MISSING, "features[]: 'invert' is missing");
    expect_json_error(m, "\"class_weight_values\":[1,1]", "\"class_weight_values\":[1]", CR_E_COUNT,
                      "'class_weight_values' has 1 values, expected 2");
    expect_json_error(m, "\"data_sha256\":\"", "\"data_sha256\":\"a", CR_E_RANGE, "'data_sha256' is too long");
    cr_training_info info;
    cr_model_training_info(m, &info);
    char upper[CR_MODEL_ID_SIZE];
    memcpy(upper, info.data_sha256, sizeof upper);
    for (int k = 0; k < 64; k++)
        if (upper[k] >= 'a') upper[k] = (char)(upper[k] - 'a' + 'A');
    expect_json_error(m, info.data_sha256, upper, CR_E_RANGE, "'data_sha256' must be 64 lowercase hex digits");
    expect_json_error(m, "\"data_sha256\":\"", "\"data_sha256\":\"x\",\"d\":\"", CR_E_RANGE,
                      "'data_sha256' must be 64 lowercase hex digits");
    expect_json_error(m, "\"solver\":", "\"solver\":null,\"s\":", CR_E_TYPE, "'solver' must be object, got null");
    expect_json_error(m, "{\"format\"", "{\"id\":5,\"format\"", CR_E_JSON, "duplicate object key");
    expect_json_error(m, "\"id\":\"", "\"id\":\"\\u00e9", CR_E_RANGE, "model JSON: 'id' is too long");

    /* "id" is optional: without it the model loads with the id of its contents. */
    char *js = to_json(m);
    char *id = strstr(js, "\"id\":\"");
    if (id) {
        memmove(id, id + 72, strlen(id + 72) + 1);   /* "id":"<64 hex>", */
        cr_model *m2 = NULL;
        CHECK_OK(cr_model_from_json(js, strlen(js), &m2, &check_err));
        CHECK_STR(cr_model_id(m2), cr_model_id(m));
        cr_model_free(m2);
    }
    free(js);
    cr_error e;
    cr_model *out = (cr_model *)1;
    CHECK_ERR(cr_model_from_json("[1]", 3, &out, &e), e, CR_E_TYPE, "model JSON: must be an object");
    CHECK(out == NULL);
    CHECK_ERR(cr_model_from_json("{}", 2, NULL, &e), e, CR_E_ARG, "out is NULL");
    CHECK_ERR(cr_model_from_json(NULL, 2, &out, &e), e, CR_E_ARG, "JSON text is NULL");
    CHECK_ERR(cr_model_to_json(NULL, NULL, 0, NULL, &e), e, CR_E_ARG, "model is NULL");
    CHECK_ERR(cr_model_card_json(NULL, NULL, 0, NULL, &e), e, CR_E_ARG, "model is NULL");
}

static void test_card(const cr_model *m)
{
    size_t n = 0;
    cr_model_card_json(m, NULL, 0, &n, NULL);
    char *card = malloc(n + 1);
    CHECK_OK(cr_model_card_json(m, card, n + 1, &n, &check_err));
    CHECK(strstr(card, cr_model_id(m)) != NULL);
    CHECK(strstr(card, "\"name\":\"no_consent\",\"field\":\"has_consent\",\"invert\":true") != NULL);
    CHECK(strstr(card, "\"bands\":{\"high\":70,\"medium\":40}") != NULL);
    CHECK(strstr(card, "\"rows\":5,") != NULL);
    free(card);
}

static void test_bands_change_id(const cr_model *m)
{
    cr_model *b = NULL;
    CHECK_OK(cr_model_with_bands(m, 80, 50, &b, &check_err));
    CHECK(strcmp(cr_model_id(b), cr_model_id(m)) != 0);
    double f[3] = {2, 0, 4};   /* score 76: HIGH by default, MEDIUM with 80/50 */
    cr_score_result r;
    CHECK_OK(cr_score(b, f, &r, NULL, 0, &check_err));
    CHECK_INT(r.score, 76);
    CHECK_INT(r.risk_level, CR_RISK_MEDIUM);
    cr_error e;
    cr_model *bad = NULL;
    CHECK_ERR(cr_model_with_bands(m, 40, 50, &bad, &e), e, CR_E_RANGE, "need integers 1 <= medium <= high <= 100");
    CHECK_ERR(cr_model_with_bands(m, 101, 50, &bad, &e), e, CR_E_RANGE, "got medium 50, high 101");
    CHECK_ERR(cr_model_with_bands(m, 70, 0, &bad, &e), e, CR_E_RANGE, "got medium 0, high 70");
    CHECK(bad == NULL);
    cr_model *extremes = NULL;
    CHECK_OK(cr_model_with_bands(m, 100, 1, &extremes, &check_err));   /* the extremes are allowed */
    cr_model_free(extremes);
    cr_model_free(b);
}

/* No negative zero in the canonical forms: JSON hosts write -0 as 0, so a
   model JSON saying -0 is the same model; bytes holding -0 (never written by
   the library) are not canonical. */
static void test_negative_zero(void)
{
    static const double rows[4][3] = {{0, 1, 1}, {2, 1, 2}, {1, 0, 3}, {3, 0, 5}};
    static const uint8_t labels[4] = {0, 0, 1, 1};
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    cr_model *m = NULL, *m2 = NULL;
    cr_train_options o;
    cr_train_options_init(&o);
    o.fit_intercept = 0;   /* the intercept is then exactly 0 */
    o.tol = -0.0;          /* allowed (>= 0), stored as 0 */
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    CHECK_OK(cr_dataset_add_rows(ds, &rows[0][0], labels, NULL, 4, &check_err));
    CHECK_OK(cr_train(ds, &o, &m, &check_err));
    if (!m) return;
    char *js = to_json(m);
    CHECK(strstr(js, "-0,") == NULL && strstr(js, "\"tol\":0,") != NULL && strstr(js, "\"intercept\":0,") != NULL);
    char *at = strstr(js, "\"intercept\":0,");
    char edited[8192];
    snprintf(edited, sizeof edited, "%.*s\"intercept\":-0,%s", (int)(at - js), js, at + strlen("\"intercept\":0,"));
    CHECK_OK(cr_model_from_json(edited, strlen(edited), &m2, &check_err));   /* its "id" still matches */
    if (m2) CHECK_STR(cr_model_id(m2), cr_model_id(m));
    cr_model_free(m2);
    size_t len;
    uint8_t *b = save(m, &len);
    const double negzero = -0.0;
    size_t pos = find_f64(b, len, cr_model_coef(m, 0)) - 8;   /* the intercept precedes the coefficients */
    CHECK(bits_of(cr_model_intercept(m)) == 0);
    memcpy(b + pos, &negzero, 8);
    fix_crc(b, len);
    expect_load_error(b, len, CR_E_RANGE, "not in canonical form");
    free(b);
    free(js);
    cr_model_free(m);
    cr_dataset_free(ds);
    cr_schema_free(s);
}

int main(void)
{
    cr_model *m = NULL;
    CHECK_OK(cr_model_create_default(&m, &check_err));
    if (!m) return check_done("test_model_bytes");
    test_binary_round_trip(m);
    test_load_errors(m);
    test_more_load_errors(m);
    test_json_round_trip(m);
    test_json_errors(m);
    test_card(m);
    test_bands_change_id(m);
    test_negative_zero();
    cr_model_free(m);
    return check_done("test_model_bytes");
}
