/* test_golden.c - pins the default model's bytes and the bits of its scores.
 *
 * tests/golden/default_model.txt holds the model id (SHA-256 of the canonical
 * bytes) and a SHA-256 over score, probability, logit and reason bits on a
 * fixed grid; the wasm builds are checked against the same file. Regenerate
 * only deliberately: CALLRISK_GOLDEN_WRITE=1 ./test_golden, and say why in the
 * commit. */
#include "callrisk.h"
#include "check.h"
#include "sha256.h"

#include <stdlib.h>

static const double SPAM[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 50, 100, 1000};
static const double ATTEMPTS[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 30, 40, 100, 1000, 100000};

static void put_u64(cr_sha256_ctx *h, uint64_t v)
{
    uint8_t b[8];
    for (int k = 0; k < 8; k++) b[k] = (uint8_t)(v >> (8 * k));
    cr_sha256_update(h, b, 8);
}

static void grid_digest(const cr_model *m, char hex[65], size_t *points)
{
    cr_sha256_ctx h;
    cr_sha256_init(&h);
    *points = 0;
    for (size_t a = 0; a < sizeof SPAM / sizeof *SPAM; a++)
        for (int consent = 0; consent <= 1; consent++)
            for (size_t c = 0; c < sizeof ATTEMPTS / sizeof *ATTEMPTS; c++) {
                double f[3] = {SPAM[a], consent, ATTEMPTS[c]};
                cr_score_result r;
                cr_reason reasons[3];
                CHECK_OK(cr_score(m, f, &r, reasons, 3, &check_err));
                put_u64(&h, (uint64_t)r.score);
                put_u64(&h, bits_of(r.probability));
                put_u64(&h, bits_of(r.logit));
                for (int j = 0; j < 3; j++) {
                    put_u64(&h, reasons[j].feature);
                    put_u64(&h, bits_of(reasons[j].contribution));
                }
                (*points)++;
            }
    uint8_t d[32];
    cr_sha256_final(&h, d);
    cr_sha256_hex(d, hex);
}

static int read_value(const char *path, const char *key, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        size_t n = strlen(key);
        if (strncmp(line, key, n) == 0 && line[n] == ' ') {
            snprintf(out, cap, "%s", line + n + 1);
            out[strcspn(out, "\r\n")] = 0;
            found = 1;
        }
    }
    fclose(f);
    return found;
}

int main(void)
{
    const char *path = getenv("CALLRISK_GOLDEN");
    if (!path) {
        fprintf(stderr, "CALLRISK_GOLDEN must name tests/golden/default_model.txt\n");
        return 2;
    }
    cr_model *m = NULL;
    CHECK_OK(cr_model_create_default(&m, &check_err));
    if (!m) return check_done("test_golden");

    char grid[65], cases[2][128];
    size_t points;
    grid_digest(m, grid, &points);
    static const double seed_cases[2][3] = {{5, 0, 10}, {0, 1, 1}};
    for (int k = 0; k < 2; k++) {
        cr_score_result r;
        CHECK_OK(cr_score(m, seed_cases[k], &r, NULL, 0, &check_err));
        snprintf(cases[k], sizeof cases[k], "%d %s 0x%016" PRIx64, r.score, cr_risk_level_str(r.risk_level),
                 bits_of(r.probability));
    }
    /* The seed's rows trained by cr_train(): the default model's fit, bit for
       bit, with the evidence every trained model carries (format 2). */
    static const double rows[5][3] = {{0, 0, 1}, {1, 1, 2}, {2, 1, 3}, {3, 1, 5}, {4, 1, 7}};
    static const int labels[5] = {0, 0, 1, 1, 1};
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    cr_model *trained = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    for (int i = 0; i < 5; i++) CHECK_OK(cr_dataset_add(ds, rows[i], labels[i], 1.0, &check_err));
    CHECK_OK(cr_train(ds, NULL, &trained, &check_err));
    for (size_t j = 0; j < 3; j++) CHECK(bits_of(cr_model_coef(trained, j)) == bits_of(cr_model_coef(m, j)));
    CHECK(bits_of(cr_model_intercept(trained)) == bits_of(cr_model_intercept(m)));
    cr_dataset_free(ds);
    cr_schema_free(s);
    char coef[160];
    snprintf(coef, sizeof coef, "0x%016" PRIx64 " 0x%016" PRIx64 " 0x%016" PRIx64 " 0x%016" PRIx64,
             bits_of(cr_model_coef(m, 0)), bits_of(cr_model_coef(m, 1)), bits_of(cr_model_coef(m, 2)),
             bits_of(cr_model_intercept(m)));

    if (getenv("CALLRISK_GOLDEN_WRITE")) {
        FILE *f = fopen(path, "w");
        if (!f) return 2;
        fprintf(f, "# Default model goldens: written by tests/c/test_golden.c, read by every build's tests.\n");
        fprintf(f, "model_id %s\n", cr_model_id(m));
        fprintf(f, "coef_intercept_bits %s\n", coef);
        fprintf(f, "case_5_false_10 %s\n", cases[0]);
        fprintf(f, "case_0_true_1 %s\n", cases[1]);
        fprintf(f, "grid_points %zu\n", points);
        fprintf(f, "grid_sha256 %s\n", grid);
        fprintf(f, "trained_model_id %s\n", cr_model_id(trained));
        fclose(f);
        printf("wrote %s\n", path);
    }
    char want[256];
    CHECK(read_value(path, "model_id", want, sizeof want));
    CHECK_STR(cr_model_id(m), want);
    CHECK(read_value(path, "coef_intercept_bits", want, sizeof want));
    CHECK_STR(coef, want);
    CHECK(read_value(path, "case_5_false_10", want, sizeof want));
    CHECK_STR(cases[0], want);
    CHECK(read_value(path, "case_0_true_1", want, sizeof want));
    CHECK_STR(cases[1], want);
    CHECK(read_value(path, "grid_sha256", want, sizeof want));
    CHECK_STR(grid, want);
    CHECK(read_value(path, "trained_model_id", want, sizeof want));
    CHECK_STR(cr_model_id(trained), want);
    cr_model_free(trained);
    CHECK(strncmp(cases[0], "99 HIGH", 7) == 0);
    CHECK(strncmp(cases[1], "11 LOW", 6) == 0);
    cr_model_free(m);
    return check_done("test_golden");
}
