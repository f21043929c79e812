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
    expect_json_error(m, "\"sign\":\"free\"", "\"sign\":\"up\"", CR_E_RANGE, "'sign' has unknown value 'up'");
    expect_json_error(m, "\"type\":\"count\"", "\"type\":\"int\"", CR_E_RANGE, "'type' has unknown value");
    expect_json_error(m, "\"field\":\"has_consent\"", "\"field\":\"consent\"", CR_E_SCHEMA,
                      "reads unknown field 'consent'");
    expect_json_error(m, "\"id\":\"", "\"id\":\"0", CR_E_CHECKSUM, "does not match the contents");
    expect_json_error(m, "\"intercept\":", "\"intercept\":0,\"intercept\":", CR_E_JSON, "duplicate object key");
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

int main(void)
{
    cr_model *m = NULL;
    CHECK_OK(cr_model_create_default(&m, &check_err));
    if (!m) return check_done("test_model_bytes");
    test_binary_round_trip(m);
    test_load_errors(m);
    test_json_round_trip(m);
    test_json_errors(m);
    test_card(m);
    test_bands_change_id(m);
    cr_model_free(m);
    return check_done("test_model_bytes");
}
