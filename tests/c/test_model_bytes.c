/* test_model_bytes.c - binary and JSON model forms: round trips, ids, every load error. */
#include "callrisk.h"
#include "check.h"
#include "crc32.h"
#include "sha256.h"
#include "evidence.h"

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
    c[8] = 3;
    fix_crc(c, len);
    expect_load_error(c, len, CR_E_VERSION, "format version 3, this library reads 1 to 2");
    /* Format 2 is format 1 and the evidence: without it, the file ends early. */
    memcpy(c, b, len);
    c[8] = 2;
    fix_crc(c, len);
    expect_load_error(c, len, CR_E_TRUNCATED, "format 2 but no evidence before the checksum");
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

    /* max_iter and iterations are u32s: 2^32 - 1 is reported as itself, not as -1. */
    cr_training_info info;
    cr_train_stats stats;
    cr_model_training_info(m, &info);
    cr_model_stats(m, &stats);
    at = find_f64(b, len, info.tol) - 4;
    memcpy(c, b, len);
    memset(c + at, 0xff, 4);
    fix_crc(c, len);
    expect_load_error(c, len, CR_E_RANGE, "model bytes: max_iter 4294967295 is past 1000000");
    at = find_f64(b, len, stats.objective) - 8;   /* iterations, converged and 3 reserved bytes */
    memcpy(c, b, len);
    memset(c + at, 0xff, 4);
    fix_crc(c, len);
    expect_load_error(c, len, CR_E_RANGE, "model bytes: iterations 4294967295 is past 1000000");

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
                      "training: 'max_iter' must be an integer in 1..1000000");
    expect_json_error(m, "\"iterations\":", "\"iterations\":4294967295,\"i\":", CR_E_RANGE,
                      "solver: 'iterations' must be an integer in 0..1000000");
    expect_json_error(m, "\"max_iter\":100", "\"max_iter\":3", CR_E_RANGE, "got 3 and ");
    expect_json_error(m, "\"sign\":\"free\"", "\"sign\":\"up\"", CR_E_RANGE, "'sign' has unknown value 'up'");
    expect_json_error(m, "\"type\":\"count\"", "\"type\":\"int\"", CR_E_RANGE, "'type' has unknown value");
    expect_json_error(m, "\"field\":\"has_consent\"", "\"field\":\"consent\"", CR_E_SCHEMA,
                      "reads unknown field 'consent'");
    expect_json_error(m, "\"id\":\"", "\"id\":\"0", CR_E_CHECKSUM, "does not match the contents");
    expect_json_error(m, "\"intercept\":", "\"intercept\":0,\"intercept\":", CR_E_JSON, "JSON: duplicate key 'intercept' at byte");
    expect_json_error(m, "\"callrisk-model\"", "\"callrisk-model-but-longer-than-31-bytes\"", CR_E_RANGE,
                      "'format' is too long");
    expect_json_error(m, "\"version\":1", "\"version\":1.5", CR_E_RANGE, "'version' must be an integer in 0..65535");
    expect_json_error(m, "\"invert\":false", "\"invert\":0", CR_E_TYPE,
                      "model JSON: features[0]: 'invert' must be a boolean, got number");
    expect_json_error(m, "\"fields\":[", "\"fields\":{\"a\":1},\"f\":[", CR_E_TYPE, "'fields' must be array, got object");
    expect_json_error(m, "\"coef\":[", "\"coef\":[\"x\",1,2],\"c\":[", CR_E_TYPE, "'coef'[0] must be a number");
    expect_json_error(m, "\"bands\":", "\"bands\":[],\"b\":", CR_E_TYPE, "'bands' must be object, got array");
    expect_json_error(m, "\"training\":", "\"training_\":", CR_E_MISSING, "'training' is missing");
    expect_json_error(m, "\"rows\":5", "\"rows\":-5", CR_E_RANGE, "training: 'rows' must be an integer");
    /* An integer is its text, not the double it rounds to (2^53 + 1 to 2^53, 70.000000000000001 to 70). */
    expect_json_error(m, "\"rows\":5", "\"rows\":9007199254740993", CR_E_RANGE,
                      "model JSON: training: 'rows' must be an integer in 0..9007199254740992");
    expect_json_error(m, "\"high\":70", "\"high\":70.000000000000001", CR_E_RANGE,
                      "model JSON: bands: 'high' must be an integer in 1..100");
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
    expect_json_error(m, "\"invert\":false,", "", CR_E_MISSING, "model JSON: features[0]: 'invert' is missing");
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
    expect_json_error(m, "{\"format\"", "{\"id\":5,\"format\"", CR_E_JSON, "JSON: duplicate key 'id' at byte");
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

/* ---- model format 2: the evidence ---- */

static cr_dataset *default_rows(const double (*rows)[3], const uint8_t *labels, const double *weights, size_t n)
{
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    CHECK_OK(cr_dataset_add_rows(ds, &rows[0][0], labels, weights, n, &check_err));
    cr_schema_free(s);
    return ds;
}

/* The seed's model with evidence: train metrics on 12 weighted rows (empty
   calibration bins: NaN rates), a holdout of 4 rows, Platt's a and b. */
static cr_model *v2_model(const cr_model *m, int holdout, int calibrated)
{
    static const double train[12][3] = {{0, 1, 0}, {1, 1, 1}, {0, 0, 2}, {2, 1, 1}, {3, 0, 4}, {5, 0, 10},
                                        {1, 0, 3}, {0, 1, 1}, {4, 1, 6}, {2, 0, 2}, {6, 0, 8}, {0, 1, 0}};
    static const uint8_t train_y[12] = {0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0};
    static const double train_w[12] = {1, 2, 1, 0.5, 1, 3, 1, 1, 2, 1, 1, 0.25};
    static const double hold[4][3] = {{1, 1, 2}, {3, 0, 5}, {0, 1, 0}, {2, 0, 3}};
    static const uint8_t hold_y[4] = {0, 1, 0, 1};
    cr_dataset *t = default_rows(train, train_y, train_w, 12), *h = default_rows(hold, hold_y, NULL, 4);
    cr_model *e = evidence_model(m, t, holdout ? h : NULL, calibrated);
    CHECK(e != NULL);
    cr_dataset_free(t);
    cr_dataset_free(h);
    return e;
}

/* Where the evidence starts: after the format 1 body. */
static size_t evidence_at(const cr_model *m)
{
    cr_model *c = evidence_clone(m);
    c->ev.present = 0;
    size_t n = 0;
    cr_model_save(c, NULL, 0, &n, NULL);
    free(c);
    return n - 4;
}

static uint32_t get_u32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void set_u32(uint8_t *p, uint32_t v) { for (int k = 0; k < 4; k++) p[k] = (uint8_t)(v >> (8 * k)); }

typedef struct {
    size_t at, len;   /* the tag byte; 5 + payload */
    int tag;
} section;

static int walk_sections(const uint8_t *b, size_t len, size_t ev_at, section *s)
{
    const int count = b[ev_at];
    size_t pos = ev_at + 1;
    for (int i = 0; i < count; i++) {
        s[i].at = pos;
        s[i].tag = b[pos];
        s[i].len = 5 + get_u32(b + pos + 1);
        pos += s[i].len;
    }
    CHECK_INT(pos, len - 4);
    return count;
}

/* The body before the evidence, a section count, the sections picked (by
   index, repeats allowed), then a valid size and checksum. */
static uint8_t *assemble(const uint8_t *b, size_t ev_at, unsigned count, const section *s, const int *pick, int n,
                         size_t *out_len)
{
    size_t len = ev_at + 1 + 4;
    for (int i = 0; i < n; i++) len += s[pick[i]].len;
    uint8_t *c = malloc(len);
    memcpy(c, b, ev_at);
    c[ev_at] = (uint8_t)count;
    size_t pos = ev_at + 1;
    for (int i = 0; i < n; i++) {
        memcpy(c + pos, b + s[pick[i]].at, s[pick[i]].len);
        pos += s[pick[i]].len;
    }
    set_u32(c + 12, (uint32_t)len);
    fix_crc(c, len);
    *out_len = len;
    return c;
}

static void test_v1_stays_v1(const cr_model *m)
{
    /* A model without evidence is format 1, byte for byte as ever (the
       golden test holds the default model's id). */
    size_t len;
    uint8_t *b = save(m, &len);
    CHECK_INT(b[8], 1);
    char *js = to_json(m);
    CHECK(strstr(js, "\"version\":1,") != NULL && strstr(js, "evidence") == NULL);
    size_t n = 0;
    cr_model_card_json(m, NULL, 0, &n, NULL);
    char *card = malloc(n + 1);
    CHECK_OK(cr_model_card_json(m, card, n + 1, &n, &check_err));
    CHECK(strstr(card, "evidence") == NULL);
    free(card);
    free(js);
    free(b);
}

static void test_v2_round_trip(const cr_model *base, int holdout, int calibrated)
{
    cr_model *m = v2_model(base, holdout, calibrated);
    if (!m) return;
    test_binary_round_trip(m);
    size_t len;
    uint8_t *b = save(m, &len);
    CHECK_INT(b[8], 2);
    section s[4];
    const int count = walk_sections(b, len, evidence_at(m), s);
    CHECK_INT(count, 2 + holdout + calibrated);
    CHECK_INT(s[0].tag, 1);
    CHECK_INT(s[0].len, 5 + 560);
    if (holdout) {
        CHECK_INT(s[1].tag, 2);
        CHECK_INT(s[1].len, 5 + 573);
    }
    if (calibrated) {
        CHECK_INT(s[count - 2].tag, 3);
        CHECK_INT(s[count - 2].len, 5 + 17);
    }
    CHECK_INT(s[count - 1].tag, 4);
    /* Reference bins: 1, 2, 10 for the three features, 10 for the score. */
    CHECK_INT(s[count - 1].len, 5 + (1 + 8) + (1 + 24) + (1 + 152) + (1 + 152));

    /* JSON: byte for byte, the same id, the same bytes back. */
    char *js = to_json(m);
    CHECK(strncmp(js, "{\"format\":\"callrisk-model\",\"version\":2,\"id\":\"", 44) == 0);
    CHECK(strstr(js, "\"solver\":{") < strstr(js, ",\"evidence\":{\"train\":{\"n\":12,\"weight_sum\":14.75,"));
    CHECK((strstr(js, "\"holdout\":{\"method\":\"hash\",\"fraction\":0.25,\"seed\":42,\"metrics\":{\"n\":4,") != NULL) ==
          holdout);
    CHECK((strstr(js, "\"holdout\":null") != NULL) == !holdout);
    CHECK((strstr(js, "\"calibration\":{\"method\":\"sigmoid\",\"a\":0.875,\"b\":-0.3125}") != NULL) == calibrated);
    CHECK((strstr(js, "\"calibration\":null") != NULL) == !calibrated);
    CHECK(strstr(js, "\"reference\":{\"features\":[{\"feature\":\"spam_reports\",\"cuts\":[],\"shares\":[1]},"
                     "{\"feature\":\"no_consent\",\"cuts\":[0.5],\"shares\":[0.5,0.5]},") != NULL);
    CHECK(strstr(js, "\"score\":{\"cuts\":[9,19,29,39,49,59,69,79,89],\"shares\":[0.175,0.05,") != NULL);
    CHECK(strstr(js, "\"mean_predicted\":null,\"observed_rate\":null") != NULL);   /* an empty bin */
    cr_model *m2 = NULL;
    CHECK_OK(cr_model_from_json(js, strlen(js), &m2, &check_err));
    if (m2) {
        CHECK_STR(cr_model_id(m2), cr_model_id(m));
        char *js2 = to_json(m2);
        CHECK_STR(js2, js);
        size_t len2;
        uint8_t *b2 = save(m2, &len2);
        CHECK(len2 == len && memcmp(b2, b, len) == 0);
        free(b2);
        free(js2);
    }
    cr_model_free(m2);

    /* The card carries the same evidence. */
    size_t n = 0;
    cr_model_card_json(m, NULL, 0, &n, NULL);
    char *card = malloc(n + 1);
    CHECK_OK(cr_model_card_json(m, card, n + 1, &n, &check_err));
    const char *ev = strstr(js, ",\"evidence\":");
    CHECK(ev && strstr(card, ev) != NULL);   /* the evidence closes both */
    /* Too small a buffer for the evidence: the size still comes out right. */
    char small[64];
    size_t need = 0;
    cr_error e;
    CHECK_ERR(cr_model_card_json(m, small, sizeof small, &need, &e), e, CR_E_BUFFER, "output needs");
    CHECK_INT(need, n);
    char *out = malloc(strlen(js) + 1);
    CHECK_ERR(cr_model_to_json(m, out, strlen(js) - 5, &need, &e), e, CR_E_BUFFER, "output needs");
    CHECK_INT(need, strlen(js));
    CHECK_ERR(cr_model_to_json(m, out, strlen(js), &need, &e), e, CR_E_BUFFER, "output needs");   /* no room for NUL */
    CHECK(memcmp(out, js, strlen(js)) == 0);
    free(out);
    free(card);
    free(js);
    free(b);
    cr_model_free(m);
}

/* The holdout by order (seed 0), and a method no loader knows. */
static void test_v2_holdout_order(const cr_model *base)
{
    cr_model *m = v2_model(base, 1, 0);
    if (!m) return;
    m->ev.holdout_method = CR_HOLDOUT_ORDER;
    m->ev.holdout_seed = 0;
    CHECK_OK(cr_model_finish(m, &check_err));
    test_binary_round_trip(m);
    char *js = to_json(m);
    CHECK(strstr(js, "\"holdout\":{\"method\":\"order\",\"fraction\":0.25,\"seed\":0,") != NULL);
    cr_model *m2 = NULL;
    CHECK_OK(cr_model_from_json(js, strlen(js), &m2, &check_err));
    if (m2) CHECK_STR(cr_model_id(m2), cr_model_id(m));
    cr_model_free(m2);
    free(js);
    /* A model holding an unknown method (training never makes one) is
       written as "none", which no loader reads. */
    m->ev.holdout_method = (cr_holdout_method)3;
    expect_json_error(m, "\"method\":\"none\"", "\"method\":\"none\"", CR_E_RANGE,
                      "evidence: holdout: 'method' has unknown value 'none'");
    /* A buffer too small for the first section: the size still comes out. */
    m->ev.holdout_method = CR_HOLDOUT_ORDER;
    uint8_t small[600];
    size_t need = 0;
    cr_error e;
    CHECK_ERR(cr_model_save(m, small, sizeof small, &need, &e), e, CR_E_BUFFER, "model needs");
    size_t len;
    uint8_t *b = save(m, &len);
    CHECK_INT(need, len);
    CHECK(memcmp(small, b, 12) == 0);   /* the contents are unspecified, but no write past the buffer */
    free(b);
    cr_model_free(m);
}

/* Every prefix of a format 2 file is refused, as is, and with its size and
   checksum made to fit (reaching the section parser); every single-byte
   change of the evidence is refused or is a model that saves to the same
   bytes. Never a crash. */
static void test_v2_truncation_and_flips(const cr_model *base)
{
    cr_model *m = v2_model(base, 1, 1);
    if (!m) return;
    size_t len;
    uint8_t *b = save(m, &len);
    uint8_t *c = malloc(len);
    const size_t at = evidence_at(m);
    int bad = 0;
    for (size_t n = 0; n < len; n++) {
        cr_model *out = (cr_model *)1;
        cr_error e;
        if (cr_model_load(b, n, &out, &e) == CR_OK || out != NULL || e.message[0] == 0) bad++;
        if (n < 24) continue;
        memcpy(c, b, n);
        set_u32(c + 12, (uint32_t)n);
        fix_crc(c, n);
        out = (cr_model *)1;
        if (cr_model_load(c, n, &out, &e) == CR_OK || out != NULL || e.message[0] == 0) bad++;
    }
    CHECK_INT(bad, 0);
    for (size_t i = at; i < len - 4; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(c, b, len);
            c[i] ^= (uint8_t)(1u << bit);
            fix_crc(c, len);
            cr_model *out = NULL;
            if (cr_model_load(c, len, &out, NULL) != CR_OK) continue;
            size_t len2;
            uint8_t *c2 = save(out, &len2);
            if (len2 != len || memcmp(c2, c, len) != 0) bad++;
            free(c2);
            cr_model_free(out);
        }
    }
    CHECK_INT(bad, 0);
    free(c);
    free(b);
    cr_model_free(m);
}

/* The sections: structure defects, each with its own status and message. */
static void test_v2_section_errors(const cr_model *base)
{
    cr_model *m = v2_model(base, 1, 1), *plain = v2_model(base, 0, 0);
    if (!m || !plain) return;
    size_t len, plen, n;
    uint8_t *b = save(m, &len), *pb = save(plain, &plen);
    const size_t at = evidence_at(m);
    section s[4], ps[4];
    CHECK_INT(walk_sections(b, len, at, s), 4);
    CHECK_INT(walk_sections(pb, plen, at, ps), 2);
    uint8_t *c;
#define ASSEMBLE(count, ...)                                                         \
    do {                                                                             \
        const int pick_[] = {__VA_ARGS__};                                           \
        c = assemble(b, at, count, s, pick_, (int)(sizeof pick_ / sizeof *pick_), &n); \
    } while (0)
    /* The very sections, reassembled: the same bytes. */
    ASSEMBLE(4, 0, 1, 2, 3);
    CHECK(n == len && memcmp(c, b, len) == 0);
    free(c);
    ASSEMBLE(4, 0, 1, 1, 3);
    expect_load_error(c, n, CR_E_COUNT, "evidence section 2 (holdout) appears twice");
    free(c);
    ASSEMBLE(4, 0, 2, 1, 3);
    expect_load_error(c, n, CR_E_COUNT, "evidence section 2 (holdout) after section 3: sections go in tag order");
    free(c);
    ASSEMBLE(2, 3, 0);
    expect_load_error(c, n, CR_E_COUNT, "evidence section 1 (train metrics) after section 4");
    free(c);
    ASSEMBLE(2, 0, 1);
    expect_load_error(c, n, CR_E_MISSING, "format 2 without evidence section 4 (reference)");
    free(c);
    ASSEMBLE(3, 1, 2, 3);
    expect_load_error(c, n, CR_E_MISSING, "format 2 without evidence section 1 (train metrics)");
    free(c);
    ASSEMBLE(1, 0);
    expect_load_error(c, n, CR_E_COUNT, "1 evidence sections (need 2 to 4)");
    free(c);
    ASSEMBLE(5, 0, 1, 2, 3, 3);
    expect_load_error(c, n, CR_E_COUNT, "5 evidence sections (need 2 to 4)");
    free(c);
    c = assemble(b, at, 0, s, NULL, 0, &n);
    expect_load_error(c, n, CR_E_COUNT, "0 evidence sections");
    free(c);
    /* Three sections announced, two there. */
    ASSEMBLE(3, 0, 3);
    expect_load_error(c, n, CR_E_TRUNCATED, "evidence section 3 of 3 runs past the declared size");
    free(c);
    /* Byte edits: tags, lengths, methods, bin counts. */
    c = malloc(len + 16);
#define V2_EDIT(stmt, status, text)              \
    do {                                         \
        memcpy(c, b, len);                       \
        stmt;                                    \
        fix_crc(c, len);                         \
        expect_load_error(c, len, status, text); \
    } while (0)
    V2_EDIT(c[s[2].at] = 9, CR_E_COUNT, "unknown evidence section tag 9");
    V2_EDIT(c[s[0].at] = 0, CR_E_COUNT, "unknown evidence section tag 0");
    V2_EDIT(set_u32(c + s[0].at + 1, 559), CR_E_COUNT, "evidence section 1 (train metrics) declares 559 bytes, too few");
    V2_EDIT(set_u32(c + s[0].at + 1, 561), CR_E_COUNT, "evidence section 1 (train metrics) has 1 unused bytes");
    V2_EDIT(set_u32(c + s[2].at + 1, 16), CR_E_COUNT, "evidence section 3 (calibration) declares 16 bytes, too few");
    V2_EDIT(set_u32(c + s[1].at + 1, 572), CR_E_COUNT, "evidence section 2 (holdout) declares 572 bytes, too few");
    V2_EDIT(set_u32(c + s[3].at + 1, (uint32_t)s[3].len), CR_E_TRUNCATED, "evidence section 4 (reference) declares");
    V2_EDIT(set_u32(c + s[3].at + 1, 0xFFFFFFFFu), CR_E_TRUNCATED, "declares 4294967295 bytes, ");
    V2_EDIT(set_u32(c + s[3].at + 1, 3), CR_E_COUNT, "evidence section 4 (reference) declares 3 bytes, too few");
    V2_EDIT(c[s[1].at + 5] = 0, CR_E_RANGE, "holdout method 0 (need 1 order or 2 hash)");
    V2_EDIT(c[s[1].at + 5] = 3, CR_E_RANGE, "holdout method 3 (need 1 order or 2 hash)");
    V2_EDIT(c[s[2].at + 5] = 0, CR_E_RANGE, "calibration method 0 (need 1 sigmoid)");
    V2_EDIT(c[s[2].at + 5] = 2, CR_E_RANGE, "calibration method 2 (need 1 sigmoid)");
    V2_EDIT(c[s[3].at + 5] = 0, CR_E_COUNT, "reference of 'spam_reports' has 0 bins (need 1 to 10)");
    V2_EDIT(c[s[3].at + 5] = 11, CR_E_COUNT, "reference of 'spam_reports' has 11 bins (need 1 to 10)");
    /* The score's bins come last: 10 of them, 152 bytes. */
    V2_EDIT(c[s[3].at + s[3].len - 153] = 11, CR_E_COUNT, "reference of 'score' has 11 bins");
    V2_EDIT(c[s[3].at + s[3].len - 153] = 9, CR_E_COUNT, "evidence section 4 (reference) has 16 unused bytes");
    /* The evidence is no part of format 1: unused bytes there. */
    V2_EDIT(c[8] = 1, CR_E_COUNT, "unused bytes before the checksum");
    /* A NaN other than the canonical one (x86's 0.0 / 0.0 is negative):
       the id would not be the SHA-256 of these bytes. */
    const uint64_t nan_bits = 0x7ff8000000000000u;
    double nan;
    memcpy(&nan, &nan_bits, 8);
    const size_t nan_at = find_f64(b, len, nan);
    CHECK(nan_at > at && b[nan_at + 7] == 0x7f);
    V2_EDIT(c[nan_at + 7] = 0xff, CR_E_RANGE, "not in canonical form");
    V2_EDIT(c[nan_at] = 1, CR_E_RANGE, "not in canonical form");
#undef V2_EDIT
#undef ASSEMBLE
    free(c);
    free(pb);
    free(b);
    cr_model_free(plain);
    cr_model_free(m);
}

/* An evidence value edited in memory, saved both ways, refused by both loaders. */
static void expect_both(const cr_model *bad, cr_status status, const char *text)
{
    size_t len = 0;
    cr_model_save(bad, NULL, 0, &len, NULL);
    uint8_t *b = malloc(len);
    CHECK_OK(cr_model_save(bad, b, len, &len, &check_err));
    expect_load_error(b, len, status, text);
    char *js = to_json(bad);
    cr_model *out = (cr_model *)1;
    cr_error e;
    CHECK_ERR(cr_model_from_json(js, strlen(js), &out, &e), e, status, text);
    CHECK(out == NULL);
    free(js);
    free(b);
}

static void test_v2_value_errors(const cr_model *base)
{
    cr_model *m = v2_model(base, 1, 1);
    if (!m) return;
    cr_model *c = evidence_clone(m);
    const double nan = 0.0 / 0.0, inf = 1.0 / 0.0;
    /* The bins with and without weight. */
    int full = -1, empty = -1;
    for (int k = 0; k < CR_CALIBRATION_BINS; k++) {
        if (m->ev.holdout.calibration[k].weight > 0 && full < 0) full = k;
        if (m->ev.holdout.calibration[k].weight == 0 && empty < 0) empty = k;
    }
    CHECK(full >= 0 && empty >= 0);
    CHECK(m->ev.holdout.calibration[empty].observed_rate != m->ev.holdout.calibration[empty].observed_rate);
#define BOTH(stmt, status, text)      \
    do {                              \
        memcpy(c, m, sizeof *c);      \
        stmt;                         \
        expect_both(c, status, text); \
    } while (0)
    BOTH(c->ev.train.log_loss = nan, CR_E_NONFINITE,
         "model evidence: train 'log_loss' is NaN (null), allowed only in auc, gini, ks and the rates of an empty bin");
    BOTH(c->ev.train.weight_sum = nan, CR_E_NONFINITE, "train 'weight_sum' is NaN");
    BOTH(c->ev.train.weight_sum = -2, CR_E_RANGE, "train 'weight_sum' is -2, a weight must be >= 0");
    BOTH(c->ev.train.base_rate = nan, CR_E_NONFINITE, "train 'base_rate' is NaN");
    BOTH(c->ev.train.brier = nan, CR_E_NONFINITE, "train 'brier' is NaN");
    BOTH(c->ev.train.n = 0, CR_E_RANGE, "model evidence: train 'n' is 0 rows, need 1 to 2^53");
    BOTH(c->ev.holdout.calibration[full].observed_rate = nan, CR_E_NONFINITE, "'observed_rate' is NaN");
    BOTH(c->ev.holdout.calibration[full].mean_predicted = nan, CR_E_NONFINITE, "'mean_predicted' is NaN");
    BOTH(c->ev.holdout.calibration[0].lo = nan, CR_E_NONFINITE, "holdout calibration[0] 'lo' is NaN");
    BOTH(c->ev.holdout.calibration[9].hi = nan, CR_E_NONFINITE, "holdout calibration[9] 'hi' is NaN");
    BOTH(c->ev.holdout.calibration[3].weight = nan, CR_E_NONFINITE, "holdout calibration[3] 'weight' is NaN");
    BOTH(c->ev.holdout.calibration[3].weight = -1, CR_E_RANGE, "holdout calibration[3] 'weight' is -1");
    BOTH(c->ev.train.bands[1].share = 1.5, CR_E_RANGE, "train bands[1] 'share' is 1.5, a share must be in [0, 1]");
    BOTH(c->ev.train.bands[1].share = -0.25, CR_E_RANGE, "train bands[1] 'share' is -0.25");
    BOTH(c->ev.train.bands[1].share = nan, CR_E_NONFINITE, "train bands[1] 'share' is NaN");
    BOTH(c->ev.train.bands[2].weight = -1, CR_E_RANGE, "train bands[2] 'weight' is -1");
    BOTH(c->ev.train.bands[0].observed_rate = nan, CR_E_NONFINITE, "train bands[0] 'observed_rate' is NaN");
    BOTH(c->ev.train.bands[0].mean_predicted = nan, CR_E_NONFINITE, "train bands[0] 'mean_predicted' is NaN");
    BOTH(c->ev.holdout.n = 0, CR_E_RANGE, "holdout 'n' is 0 rows");
    BOTH(c->ev.holdout_fraction = 1, CR_E_RANGE, "holdout 'fraction' is 1, need 0 < fraction < 1");
    BOTH(c->ev.holdout_fraction = 0, CR_E_RANGE, "holdout 'fraction' is 0, need 0 < fraction < 1");
    BOTH(c->ev.holdout_fraction = nan, CR_E_NONFINITE, "holdout 'fraction' is NaN");
    BOTH(c->ev.cal_a = 2e150, CR_E_RANGE, "model calibration 'a': 2e+150 is beyond +-1e150");
    BOTH(c->ev.cal_b = -2e150, CR_E_RANGE, "model calibration 'b': -2e+150 is beyond");
    BOTH(c->ev.cal_b = nan, CR_E_NONFINITE, "model calibration 'b': not a finite number");
    BOTH(c->ev.reference[2].cut[4] = c->ev.reference[2].cut[3], CR_E_RANGE,
         "reference of 'call_attempts_24h' 'cuts' must be strictly ascending, cut 4 is 6 after 6");
    BOTH(c->ev.reference[2].cut[1] = nan, CR_E_NONFINITE, "reference of 'call_attempts_24h' 'cuts' is NaN");
    BOTH(c->ev.reference[1].share[1] = 1.25, CR_E_RANGE, "reference of 'no_consent' 'shares' is 1.25");
    BOTH(c->ev.reference[1].share[0] = nan, CR_E_NONFINITE, "reference of 'no_consent' 'shares' is NaN");
    BOTH(c->ev.score_reference.cut[8] = 1e9 * 0 + 5, CR_E_RANGE, "reference of 'score' 'cuts' must be strictly");
    BOTH(c->ev.score_reference.share[9] = 2, CR_E_RANGE, "reference of 'score' 'shares' is 2");
#undef BOTH
    /* Infinity: JSON cannot say it (1e999 below); the bytes can. */
#define BYTES(stmt, status, text)                        \
    do {                                                 \
        memcpy(c, m, sizeof *c);                         \
        stmt;                                            \
        size_t len_;                                     \
        uint8_t *b_ = save(c, &len_);                    \
        expect_load_error(b_, len_, status, text);       \
        free(b_);                                        \
    } while (0)
    BYTES(c->ev.train.auc = inf, CR_E_NONFINITE, "model evidence: train 'auc' is not a finite number");
    BYTES(c->ev.train.gini = -inf, CR_E_NONFINITE, "train 'gini' is not a finite number");
    BYTES(c->ev.train.ks = inf, CR_E_NONFINITE, "train 'ks' is not a finite number");
    BYTES(c->ev.train.log_loss = inf, CR_E_NONFINITE, "train 'log_loss' is not a finite number");
    BYTES(c->ev.holdout.calibration[empty].observed_rate = inf, CR_E_NONFINITE, "'observed_rate' is not a finite");
    BYTES(c->ev.cal_a = inf, CR_E_NONFINITE, "model calibration 'a': not a finite number");
    BYTES(c->ev.reference[0].share[0] = inf, CR_E_NONFINITE, "reference of 'spam_reports' 'shares' is not a finite");
    BYTES(c->ev.train.n = 9007199254740993u, CR_E_RANGE, "train 'n' is 9007199254740993 rows, need 1 to 2^53");
    BYTES(c->ev.cal_b = -0.0, CR_E_RANGE, "not in canonical form");   /* -0: JSON hosts write it as 0 */
#undef BYTES
    /* In memory only (the loaders refuse these before): what training must
       never produce. */
    cr_error e;
    memcpy(c, m, sizeof *c);
    c->ev.holdout_method = (cr_holdout_method)7;
    CHECK_ERR(cr_model_validate(c, &e), e, CR_E_RANGE, "model evidence: unknown holdout method 7");
    memcpy(c, m, sizeof *c);
    c->ev.calibration = (cr_calibration_method)5;
    CHECK_ERR(cr_model_validate(c, &e), e, CR_E_RANGE, "model evidence: unknown calibration method 5");
    memcpy(c, m, sizeof *c);
    c->ev.reference[1].n_bins = 0;
    CHECK_ERR(cr_model_validate(c, &e), e, CR_E_COUNT, "model evidence: reference of 'no_consent' has 0 bins");
    c->ev.reference[1].n_bins = 11;
    CHECK_ERR(cr_model_validate(c, &e), e, CR_E_COUNT, "reference of 'no_consent' has 11 bins (need 1 to 10)");
    memcpy(c, m, sizeof *c);
    c->ev.present = 0;   /* without evidence, whatever it holds is not looked at */
    c->ev.train.log_loss = nan;
    CHECK_OK(cr_model_validate(c, &check_err));
    free(c);
    cr_model_free(m);
}

/* Every stored number within what its definition allows (the probe found
   C 0, tol -1, auc 5, shares adding up to 0.1 and more loading): each rule
   refused by both loaders, with the field it names. */
static void test_value_ranges(const cr_model *base)
{
    cr_model *m = v2_model(base, 1, 1);
    if (!m) return;
    cr_model *c = evidence_clone(m);
    cr_error e;
#define BOTH(stmt, status, key, text)                     \
    do {                                                  \
        memcpy(c, m, sizeof *c);                          \
        stmt;                                             \
        expect_both(c, status, text);                     \
        cr_model_validate(c, &e);                         \
        CHECK_STR(e.field, key);                          \
    } while (0)
    /* training and solver: as the options allow */
    BOTH(c->info.C = 0, CR_E_RANGE, "C", "model 'training': 'C' is 0, need > 0 with a finite inverse");
    BOTH(c->info.C = -5, CR_E_RANGE, "C", "'C' is -5, need > 0");
    BOTH(c->info.C = 1e-310, CR_E_RANGE, "C", "'C' is 1e-310, need > 0 with a finite inverse");
    BOTH(c->info.tol = -1, CR_E_RANGE, "tol", "model 'training': 'tol' is -1, need >= 0");
    BOTH(c->info.weight_sum = -1, CR_E_RANGE, "weight_sum", "model 'training': 'weight_sum' is -1, need >= 0");
    /* rows as JSON keeps them: up to 2^53, from bytes too (an edited file once loaded, and its JSON then did not) */
    BOTH(c->info.rows = CR_ROWS_MAX + 1, CR_E_RANGE, "rows", "'rows'");
    BOTH(c->info.class_weight[1] = -0.5, CR_E_RANGE, "class_weight_values",
         "'class_weight_values'[1] is -0.5, need >= 0");
    BOTH(c->stats.grad_norm = -1, CR_E_RANGE, "grad_norm", "model 'solver': 'grad_norm' is -1, need >= 0");
    BOTH(c->stats.objective = -1, CR_E_RANGE, "objective", "model 'solver': 'objective' is -1, need >= 0");
    /* coefficients keep their declared signs */
    BOTH((c->sign[0] = CR_SIGN_NONNEG, c->coef[0] = -1), CR_E_RANGE, "spam_reports",
         "model coefficient of 'spam_reports': -1 breaks its sign \"nonneg\"");
    BOTH((c->sign[1] = CR_SIGN_NONPOS, c->coef[1] = 0.25), CR_E_RANGE, "no_consent",
         "model coefficient of 'no_consent': 0.25 breaks its sign \"nonpos\"");
    /* metrics */
    BOTH(c->ev.train.auc = 5, CR_E_RANGE, "auc", "model evidence: train 'auc' is 5, need 0 to 1");
    BOTH(c->ev.train.auc = -1, CR_E_RANGE, "auc", "train 'auc' is -1, need 0 to 1");
    BOTH(c->ev.holdout.gini = 9, CR_E_RANGE, "gini", "holdout 'gini' is 9, need -1 to 1");
    BOTH(c->ev.train.gini = -1.5, CR_E_RANGE, "gini", "train 'gini' is -1.5, need -1 to 1");
    BOTH(c->ev.train.base_rate = 2, CR_E_RANGE, "base_rate", "train 'base_rate' is 2, need 0 to 1");
    BOTH(c->ev.train.brier = -1, CR_E_RANGE, "brier", "train 'brier' is -1, need 0 to 1");
    BOTH(c->ev.train.brier = 1.5, CR_E_RANGE, "brier", "train 'brier' is 1.5, need 0 to 1");
    BOTH(c->ev.train.log_loss = -1, CR_E_RANGE, "log_loss", "train 'log_loss' is -1, need 0 to 1e+150");
    BOTH(c->ev.train.ks = 3, CR_E_RANGE, "ks", "train 'ks' is 3, need 0 to 1");
    /* calibration bins: rates and probabilities in [0, 1], ascending, apart */
    BOTH(c->ev.train.calibration[3].observed_rate = 7, CR_E_RANGE, "observed_rate",
         "train calibration[3] 'observed_rate' is 7, need 0 to 1");
    BOTH(c->ev.train.calibration[3].mean_predicted = -0.5, CR_E_RANGE, "mean_predicted",
         "train calibration[3] 'mean_predicted' is -0.5, need 0 to 1");
    BOTH(c->ev.train.calibration[0].lo = 0.5, CR_E_RANGE, "hi", "train calibration[0] 'hi' is 0.1, need 0.5 to 1");
    BOTH(c->ev.train.calibration[0].lo = -0.5, CR_E_RANGE, "lo", "train calibration[0] 'lo' is -0.5, need 0 to 1");
    BOTH(c->ev.train.calibration[9].hi = 2, CR_E_RANGE, "hi", "train calibration[9] 'hi' is 2, need 0.9");
    BOTH(c->ev.train.calibration[4].lo = 0.3, CR_E_RANGE, "lo", "train calibration[4] 'lo' is 0.3, need 0.4 to 1");
    /* bands: rates in [0, 1], shares adding up to 1 */
    BOTH(c->ev.train.bands[0].observed_rate = 1.5, CR_E_RANGE, "observed_rate",
         "train bands[0] 'observed_rate' is 1.5, need 0 to 1");
    BOTH(c->ev.train.bands[2].mean_predicted = 2, CR_E_RANGE, "mean_predicted",
         "train bands[2] 'mean_predicted' is 2, need 0 to 1");
    BOTH(c->ev.holdout.bands[0].share = 0, CR_E_RANGE, "share", "holdout bands' shares 'share' add up to 1 - ");
    /* drift reference: shares adding up to 1, the score's cuts within 0..100 */
    BOTH(for (int k = 0; k < 10; k++) c->ev.score_reference.share[k] = 0, CR_E_RANGE, "shares",
         "reference of 'score' 'shares' add up to 1 - 1, need 1 within 2^-51");
    BOTH(for (int k = 0; k < 10; k++) c->ev.reference[2].share[k] = 0.01, CR_E_RANGE, "shares",
         "reference of 'call_attempts_24h' 'shares' add up to 1 - 0.9, need 1 within 2^-51");
    BOTH(for (int k = 0; k < 9; k++) c->ev.score_reference.cut[k] = 1000.0 * k, CR_E_RANGE, "cuts",
         "reference of 'score' 'cuts' is 1000, need 0 to 100");
    BOTH(c->ev.score_reference.cut[0] = -1, CR_E_RANGE, "cuts", "reference of 'score' 'cuts' is -1, need 0 to 100");
    /* The tolerance: 2^-51 either way, the bound on how far the shares the
       library computes can stray (model.c, shares_sum_to_one()). */
    memcpy(c, m, sizeof *c);
    c->ev.reference[1].share[0] = 0.5;
    c->ev.reference[1].share[1] = 0.5 + 0x1p-51;
    CHECK_OK(cr_model_validate(c, &check_err));
    c->ev.reference[1].share[1] = 0.5 + 0x1p-51 + 0x1p-53;
    CHECK_ERR(cr_model_validate(c, &e), e, CR_E_RANGE, "'no_consent' 'shares' add up to 1 + 5.551115123125783e-16");
    c->ev.reference[1].share[1] = 0.5 - 0x1p-51;
    CHECK_OK(cr_model_validate(c, &check_err));
    c->ev.reference[1].share[1] = 0.5 - 0x1p-51 - 0x1p-54;
    CHECK_ERR(cr_model_validate(c, &e), e, CR_E_RANGE, "'no_consent' 'shares' add up to 1 - 4.996");
    /* NaN stays where the format allows null, a boundary value is in range. */
    memcpy(c, m, sizeof *c);
    c->ev.train.auc = c->ev.train.gini = c->ev.train.ks = cr_nan();
    c->ev.train.brier = c->ev.train.base_rate = 1;
    c->ev.holdout.gini = -1;
    c->ev.train.log_loss = 0;
    c->info.tol = 0;
    c->info.class_weight[0] = 0;
    c->sign[0] = CR_SIGN_NONNEG, c->coef[0] = 0;
    c->sign[1] = CR_SIGN_NONPOS, c->coef[1] = 0;
    for (int k = 0; k < 9; k++) c->ev.score_reference.cut[k] = 11.0 * k + 12;
    CHECK_OK(cr_model_validate(c, &check_err));
#undef BOTH
    free(c);
    cr_model_free(m);
}

/* Trained models pass: weights that make every share a rounded ratio (and
   bins whose exact parts do not add up to 1 in doubles), with and without a
   holdout and calibration, signs held. cr_train() validates what it returns. */
static void test_trained_models_load(void)
{
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    if (!s) return;
    enum { N = 600 };
    static double x[N][3], w[N];
    static uint8_t y[N];
    uint64_t r = 0x9E3779B97F4A7C15u;
    for (int round = 0; round < 12; round++) {
        for (int i = 0; i < N; i++) {
            r = r * 6364136223846793005u + 1442695040888963407u;
            x[i][0] = (double)(r >> 60);
            x[i][1] = (double)(r >> 59 & 1);
            x[i][2] = (double)(r >> 40 & 1023);
            y[i] = (uint8_t)((r >> 20 & 7) < 2 + x[i][1] * 3);
            w[i] = round & 1 ? 1.0 : 1.0 / (double)(1 + (r >> 8 & 15)) + 0.1 * (double)(r >> 30 & 3);
        }
        cr_dataset *ds = NULL;
        CHECK_OK(cr_dataset_create(s, &ds, &check_err));
        if (!ds) break;
        CHECK_OK(cr_dataset_add_rows(ds, &x[0][0], y, w, N, &check_err));
        cr_train_options o;
        cr_train_options_init(&o);
        if (round & 2) o.holdout_method = CR_HOLDOUT_HASH, o.holdout_fraction = 0.3, o.calibration = CR_CALIBRATION_SIGMOID;
        if (round & 4) o.class_weight_mode = CR_CLASS_WEIGHT_BALANCED;
        o.signs[0] = CR_SIGN_NONPOS;   /* against the data: the coefficient is held at 0 */
        o.signs[1] = CR_SIGN_NONNEG;
        o.C = round >= 8 ? 1e-3 : 10;
        cr_model *m = NULL;
        CHECK_OK(cr_train(ds, &o, &m, &check_err));
        if (m) {
            CHECK(m->coef[0] <= 0 && m->coef[1] >= 0);
            size_t len;
            uint8_t *b = save(m, &len);
            cr_model *back = NULL;
            CHECK_OK(cr_model_load(b, len, &back, &check_err));
            char *js = to_json(m);
            cr_model *back2 = NULL;
            CHECK_OK(cr_model_from_json(js, strlen(js), &back2, &check_err));
            cr_model_free(back), cr_model_free(back2);
            free(js), free(b);
        }
        cr_model_free(m);
        cr_dataset_free(ds);
    }
    cr_schema_free(s);
}

/* NaN only where allowed, written as null, read back as the canonical NaN. */
static void test_v2_nan(const cr_model *base)
{
    static const double rows[3][3] = {{0, 1, 0}, {1, 1, 1}, {2, 0, 2}};
    static const uint8_t labels[3] = {0, 0, 0};
    cr_dataset *one_class = default_rows(rows, labels, NULL, 3);
    cr_model *m = evidence_model(base, one_class, one_class, 0);
    CHECK(m != NULL);
    cr_dataset_free(one_class);
    if (!m) return;
    cr_metrics mt;
    CHECK_OK(cr_model_metrics(m, 0, &mt, &check_err));
    CHECK(bits_of(mt.auc) == 0x7ff8000000000000u && bits_of(mt.gini) == 0x7ff8000000000000u &&
          bits_of(mt.ks) == 0x7ff8000000000000u);
    char *js = to_json(m);
    CHECK(strstr(js, "\"auc\":null,\"gini\":null,\"ks\":null,") != NULL);
    cr_model *m2 = NULL;
    CHECK_OK(cr_model_from_json(js, strlen(js), &m2, &check_err));
    if (m2) {
        CHECK_STR(cr_model_id(m2), cr_model_id(m));
        CHECK_OK(cr_model_metrics(m2, 1, &mt, &check_err));
        CHECK(bits_of(mt.auc) == 0x7ff8000000000000u && bits_of(mt.calibration[9].observed_rate) == 0x7ff8000000000000u);
    }
    cr_model_free(m2);
    /* Whatever NaN the model holds in memory, the bytes hold the canonical one. */
    size_t len, len2;
    uint8_t *b = save(m, &len);
    cr_model *c = evidence_clone(m);
    const uint64_t negative_nan = 0xfff8000000000001u;
    memcpy(&c->ev.train.auc, &negative_nan, 8);
    uint8_t *b2 = save(c, &len2);
    CHECK(len2 == len && memcmp(b, b2, len) == 0);
    free(b2);
    free(b);
    free(c);
    free(js);
    cr_model_free(m);
}

/* Model JSON: the evidence's own defects. */
static void test_v2_json_errors(const cr_model *base)
{
    cr_model *m = v2_model(base, 1, 1);
    if (!m) return;
    expect_json_error(m, "\"version\":2", "\"version\":1", CR_E_VERSION, "'evidence' needs format version 2, not 1");
    expect_json_error(base, "\"version\":1", "\"version\":2", CR_E_MISSING, "model JSON: 'evidence' is missing");
    expect_json_error(m, "\"version\":2", "\"version\":3", CR_E_VERSION, "format version 3, this library reads 1 to 2");
    expect_json_error(m, "\"evidence\":{", "\"evidence\":[],\"e\":{", CR_E_TYPE, "'evidence' must be object, got array");
    expect_json_error(m, "\"train\":{", "\"train_\":{", CR_E_MISSING, "model JSON: evidence: 'train' is missing");
    expect_json_error(m, "\"train\":{\"n\":12,", "\"train\":{\"n\":0,", CR_E_RANGE, "train 'n' is 0 rows");
    expect_json_error(m, "\"train\":{\"n\":12,", "\"train\":{\"n\":1.5,", CR_E_RANGE,
                      "evidence: train: 'n' must be an integer in 0..9007199254740992");
    expect_json_error(m, "\"train\":{\"n\":12,", "\"train\":{\"n\":9007199254740993,", CR_E_RANGE,
                      "evidence: train: 'n' must be an integer in 0..9007199254740992");
    expect_json_error(m, "\"log_loss\":", "\"log_loss\":\"x\",\"l\":", CR_E_TYPE,
                      "evidence: train: 'log_loss' must be number, got string");
    expect_json_error(m, "\"log_loss\":", "\"log_loss\":null,\"l\":", CR_E_NONFINITE, "train 'log_loss' is NaN (null)");
    expect_json_error(m, "\"auc\":", "\"auc\":1e999,\"a\":", CR_E_NONFINITE, "train 'auc' is not a finite number");
    expect_json_error(m, "\"brier\":", "\"brier_\":", CR_E_MISSING, "evidence: train: 'brier' is missing");
    expect_json_error(m, "\"calibration\":[", "\"calibration\":[{}],\"c\":[", CR_E_COUNT,
                      "evidence: train: 'calibration' has 1 items, expected 10");
    expect_json_error(m, "\"calibration\":[", "\"calibration\":[0,0,0,0,0,0,0,0,0,0],\"c\":[", CR_E_TYPE,
                      "evidence: train: 'calibration'[0] must be object, got number");
    expect_json_error(m, "{\"lo\":0,", "{\"lo\":\"0\",", CR_E_TYPE,
                      "evidence: train: calibration[0]: 'lo' must be number, got string");
    expect_json_error(m, "\"bands\":[", "\"bands\":[1,2],\"b\":[", CR_E_COUNT, "train: 'bands' has 2 items, expected 3");
    expect_json_error(m, "\"bands\":[", "\"bands\":[{\"band\":\"HIGH\"},2,3],\"b\":[", CR_E_RANGE,
                      "evidence: train: bands[0]: 'band' is 'HIGH', expected 'LOW'");
    expect_json_error(m, "\"band\":\"LOW\"", "\"band\":\"LOWEST_OF_THE_BANDS\"", CR_E_RANGE, "'band' is too long");
    expect_json_error(m, "\"share\":", "\"share\":null,\"s\":", CR_E_NONFINITE, "train bands[0] 'share' is NaN");
    expect_json_error(m, "\"holdout\":{", "\"holdout\":[],\"h\":{", CR_E_TYPE,
                      "evidence: 'holdout' must be object, got array");
    expect_json_error(m, "\"holdout\":{", "\"holdout_\":{", CR_E_MISSING, "evidence: 'holdout' is missing");
    expect_json_error(m, "\"method\":\"hash\"", "\"method\":\"none\"", CR_E_RANGE,
                      "evidence: holdout: 'method' has unknown value 'none'");
    expect_json_error(m, "\"method\":\"hash\"", "\"method\":1", CR_E_TYPE, "holdout: 'method' must be string");
    expect_json_error(m, "\"fraction\":0.25", "\"fraction\":null", CR_E_NONFINITE, "holdout 'fraction' is NaN");
    expect_json_error(m, "\"fraction\":0.25", "\"fraction\":1", CR_E_RANGE, "holdout 'fraction' is 1, need 0 <");
    expect_json_error(m, "\"seed\":42", "\"seed\":-1", CR_E_RANGE, "holdout: 'seed' must be an integer in 0..4294967295");
    expect_json_error(m, "\"seed\":42", "\"seed\":4294967296", CR_E_RANGE, "'seed' must be an integer");
    expect_json_error(m, "\"metrics\":{", "\"metrics\":null,\"m\":{", CR_E_TYPE,
                      "evidence: holdout: 'metrics' must be object, got null");
    expect_json_error(m, "\"calibration\":{", "\"calibration\":true,\"c\":{", CR_E_TYPE,
                      "evidence: 'calibration' must be object, got true");
    expect_json_error(m, "\"method\":\"sigmoid\"", "\"method\":\"isotonic\"", CR_E_RANGE,
                      "evidence: calibration: 'method' has unknown value 'isotonic'");
    expect_json_error(m, "\"a\":0.875", "\"a\":1e151", CR_E_RANGE, "model calibration 'a': 1e+151 is beyond");
    expect_json_error(m, "\"b\":-0.3125", "\"b\":1e999", CR_E_NONFINITE, "model calibration 'b': not a finite number");
    expect_json_error(m, "\"b\":-0.3125", "\"b\":null", CR_E_NONFINITE, "model calibration 'b': not a finite number");
    expect_json_error(m, "\"reference\":{", "\"reference_\":{", CR_E_MISSING, "evidence: 'reference' is missing");
    expect_json_error(m, "\"reference\":{\"features\":[", "\"reference\":{\"features\":[{},", CR_E_COUNT,
                      "evidence: reference: 'features' has 4 items, expected 3");
    expect_json_error(m, "\"reference\":{\"features\":[", "\"reference\":{\"features\":[1,2,3],\"f\":[", CR_E_TYPE,
                      "reference: 'features'[0] must be object, got number");
    expect_json_error(m, "{\"feature\":\"spam_reports\",", "{\"feature\":\"spam\",", CR_E_SCHEMA,
                      "evidence: reference: features[0] is for 'spam', the model's feature 0 is 'spam_reports'");
    expect_json_error(m, "{\"feature\":\"spam_reports\",", "{", CR_E_MISSING, "reference: features[0]: 'feature' is missing");
    expect_json_error(m, "\"cuts\":[],\"shares\":[1]", "\"cuts\":[],\"shares\":[]", CR_E_COUNT,
                      "reference: features[0]: 'shares' has 0 values (need 1 to 10 bins)");
    expect_json_error(m, "\"cuts\":[],\"shares\":[1]", "\"cuts\":[0,1,2,3,4,5,6,7,8,9],\"shares\":[1,1,1,1,1,1,1,1,1,1,1]",
                      CR_E_COUNT, "'shares' has 11 values (need 1 to 10 bins)");
    expect_json_error(m, "\"cuts\":[],\"shares\":[1]", "\"cuts\":[0],\"shares\":[1]", CR_E_COUNT,
                      "'cuts' has 1 values, expected 0 (one fewer than 'shares')");
    expect_json_error(m, "\"cuts\":[],\"shares\":[1]", "\"cuts\":{},\"shares\":[1]", CR_E_TYPE,
                      "reference: features[0]: 'cuts' must be array, got object");
    expect_json_error(m, "\"cuts\":[],\"shares\":[1]", "\"cuts\":[],\"shares\":[1.5]", CR_E_RANGE,
                      "reference of 'spam_reports' 'shares' is 1.5, a share must be in [0, 1]");
    expect_json_error(m, "\"cuts\":[],\"shares\":[1]", "\"cuts\":[],\"shares\":[true]", CR_E_TYPE,
                      "reference: features[0]: 'shares'[0] must be a number or null");
    expect_json_error(m, "\"score\":{\"cuts\":[9,", "\"score\":{\"cuts\":[\"9\",", CR_E_TYPE,
                      "evidence: reference: score: 'cuts'[0] must be a number or null");
    expect_json_error(m, "\"score\":{\"cuts\":[9,", "\"score\":{\"cuts\":[null,", CR_E_NONFINITE,
                      "reference of 'score' 'cuts' is NaN");
    expect_json_error(m, "\"score\":{\"cuts\":[9,", "\"score\":{\"cuts\":[19,", CR_E_RANGE,
                      "reference of 'score' 'cuts' must be strictly ascending, cut 1 is 19 after 19");
    expect_json_error(m, "\"score\":{", "\"score_\":{", CR_E_MISSING, "evidence: reference: 'score' is missing");

    /* "-0" is 0: the same model, the same id. */
    char *js = to_json(m);
    char *at = strstr(js, "\"weight\":0,");
    CHECK(at != NULL);
    if (at) {
        char *edited = malloc(strlen(js) + 2);
        sprintf(edited, "%.*s\"weight\":-0,%s", (int)(at - js), js, at + strlen("\"weight\":0,"));
        cr_model *m2 = NULL;
        CHECK_OK(cr_model_from_json(edited, strlen(edited), &m2, &check_err));
        if (m2) CHECK_STR(cr_model_id(m2), cr_model_id(m));
        cr_model_free(m2);
        free(edited);
    }
    free(js);
    cr_model_free(m);
}

static void test_v2_accessors(const cr_model *base)
{
    cr_model *m = v2_model(base, 1, 1), *plain = v2_model(base, 0, 0);
    if (!m || !plain) return;
    cr_metrics mt;
    cr_error e;
    CHECK_OK(cr_model_metrics(m, 0, &mt, &check_err));
    CHECK(memcmp(&mt, &m->ev.train, sizeof mt) == 0);
    CHECK_INT(mt.n, 12);
    CHECK_OK(cr_model_metrics(m, 1, &mt, &check_err));
    CHECK(memcmp(&mt, &m->ev.holdout, sizeof mt) == 0);
    CHECK_INT(mt.n, 4);
    CHECK_OK(cr_model_metrics(plain, 0, &mt, &check_err));
    CHECK_ERR(cr_model_metrics(plain, 1, &mt, &e), e, CR_E_MISSING, "model has no holdout metrics (trained without");
    CHECK_ERR(cr_model_metrics(base, 0, &mt, &e), e, CR_E_MISSING, "model has no training metrics");
    CHECK_ERR(cr_model_metrics(base, 1, &mt, &e), e, CR_E_MISSING, "model has no holdout metrics (it carries no");
    CHECK_ERR(cr_model_metrics(NULL, 0, &mt, &e), e, CR_E_ARG, "model or out is NULL");
    CHECK_ERR(cr_model_metrics(m, 0, NULL, &e), e, CR_E_ARG, "model or out is NULL");
    double a = 0, b = 0;
    CHECK_INT(cr_model_calibration(m, &a, &b), 1);
    CHECK(a == 0.875 && b == -0.3125);
    CHECK_INT(cr_model_calibration(m, NULL, NULL), 1);
    CHECK_INT(cr_model_calibration(plain, &a, &b), 0);
    CHECK(a == 1 && b == 0);   /* the identity */
    CHECK_INT(cr_model_calibration(base, &a, NULL), 0);
    CHECK_INT(cr_model_calibration(NULL, &a, &b), 0);
    CHECK(a == 1 && b == 0);
    /* Loaded models answer the same. */
    size_t len;
    uint8_t *bytes = save(m, &len);
    cr_model *m2 = NULL;
    CHECK_OK(cr_model_load(bytes, len, &m2, &check_err));
    if (m2) {
        cr_metrics mt2;
        CHECK_OK(cr_model_metrics(m2, 1, &mt2, &check_err));
        CHECK(memcmp(&mt2, &m->ev.holdout, sizeof mt2) == 0);
        CHECK_INT(cr_model_calibration(m2, &a, &b), 1);
        CHECK(a == 0.875 && b == -0.3125);
    }
    cr_model_free(m2);
    free(bytes);
    cr_model_free(plain);
    cr_model_free(m);
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
    test_v1_stays_v1(m);
    for (int k = 0; k < 4; k++) test_v2_round_trip(m, k & 1, k >> 1);
    test_v2_holdout_order(m);
    test_v2_truncation_and_flips(m);
    test_v2_section_errors(m);
    test_v2_value_errors(m);
    test_value_ranges(m);
    test_trained_models_load();
    test_v2_nan(m);
    test_v2_json_errors(m);
    test_v2_accessors(m);
    cr_model_free(m);
    return check_done("test_model_bytes");
}
