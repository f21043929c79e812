/* test_options.c - training options as data: set one at a time or all from
 * JSON or command-line text, every value checked by the one check, nothing
 * changed on error. */
#include "callrisk.h"
#include "check.h"

static cr_schema *seed_schema(void)
{
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    return s;
}

static void test_from_json(const cr_schema *s)
{
    cr_train_options o, d;
    cr_train_options_init(&d);
    const char *all = "{\"C\":0.5,\"fit_intercept\":false,\"class_weight\":[1,3],\"max_iter\":50,\"tol\":1e-8,"
                      "\"signs\":{\"no_consent\":\"nonpos\",\"spam_reports\":\"nonneg\"},\"bands\":{\"high\":80,\"medium\":50}}";
    CHECK_OK(cr_train_options_from_json(&o, s, all, strlen(all), &check_err));
    CHECK(o.C == 0.5 && o.fit_intercept == 0 && o.class_weight_mode == CR_CLASS_WEIGHT_EXPLICIT);
    CHECK(o.class_weight[0] == 1 && o.class_weight[1] == 3 && o.max_iter == 50 && o.tol == 1e-8);
    CHECK(o.signs[0] == CR_SIGN_NONNEG && o.signs[1] == CR_SIGN_NONPOS && o.signs[2] == CR_SIGN_FREE);
    CHECK(o.band_high == 80 && o.band_medium == 50);
    /* {} is the defaults; other forms of class_weight. */
    CHECK_OK(cr_train_options_from_json(&o, s, "{}", 2, &check_err));
    CHECK(memcmp(&o, &d, sizeof o) == 0);
    const char *balanced = "{\"class_weight\":\"balanced\"}";
    CHECK_OK(cr_train_options_from_json(&o, s, balanced, strlen(balanced), &check_err));
    CHECK_INT(o.class_weight_mode, CR_CLASS_WEIGHT_BALANCED);
    const char *obj = "{\"class_weight\":{\"1\":2,\"0\":0.5}}";
    CHECK_OK(cr_train_options_from_json(&o, s, obj, strlen(obj), &check_err));
    CHECK(o.class_weight_mode == CR_CLASS_WEIGHT_EXPLICIT && o.class_weight[0] == 0.5 && o.class_weight[1] == 2);
    /* A failed parse leaves the defaults, not half the options. */
    cr_error e;
    const char *half = "{\"C\":0.5,\"max_iter\":0}";
    CHECK_ERR(cr_train_options_from_json(&o, s, half, strlen(half), &e), e, CR_E_RANGE, "option 'max_iter'");
    CHECK(memcmp(&o, &d, sizeof o) == 0);
    CHECK_ERR(cr_train_options_from_json(&o, s, "[1]", 3, &e), e, CR_E_TYPE, "options: must be a JSON object");
    CHECK_ERR(cr_train_options_from_json(&o, s, "{\"C\":", 5, &e), e, CR_E_JSON, "JSON:");
    CHECK_ERR(cr_train_options_from_json(&o, s, "{\"penalty\":1}", 13, &e), e, CR_E_ARG,
              "unknown option 'penalty' (known: C, fit_intercept, class_weight, max_iter, tol, signs, bands)");
    CHECK_ERR(cr_train_options_from_json(NULL, s, "{}", 2, &e), e, CR_E_ARG, "NULL");
}

static void test_set(const cr_schema *s)
{
    cr_train_options o, before;
    cr_train_options_init(&o);
    CHECK_OK(cr_train_options_set(&o, s, "max_iter", "7", 1, &check_err));
    CHECK_INT(o.max_iter, 7);
    /* Signs merge: the features named change, the others keep theirs. */
    CHECK_OK(cr_train_options_set(&o, s, "signs", "{\"spam_reports\":\"nonneg\"}", 25, &check_err));
    CHECK_OK(cr_train_options_set(&o, s, "signs", "{\"call_attempts_24h\":\"nonpos\"}", 30, &check_err));
    CHECK(o.signs[0] == CR_SIGN_NONNEG && o.signs[2] == CR_SIGN_NONPOS);
    /* Bands: either member; the pair must still hold. */
    CHECK_OK(cr_train_options_set(&o, s, "bands", "{\"medium\":20}", 13, &check_err));
    CHECK(o.band_high == 70 && o.band_medium == 20);
    before = o;
    cr_error e;
    CHECK_ERR(cr_train_options_set(&o, s, "bands", "{\"medium\":90}", 13, &e), e, CR_E_RANGE, "medium 90, high 70");
    CHECK(memcmp(&o, &before, sizeof o) == 0);   /* unchanged on error */
    CHECK_ERR(cr_train_options_set(&o, s, "C", "true", 4, &e), e, CR_E_TYPE, "option 'C': must be a number, got true");
    CHECK_STR(e.field, "C");
    CHECK(memcmp(&o, &before, sizeof o) == 0);
}

static void test_text(const cr_schema *s)
{
    cr_train_options o;
    cr_train_options_init(&o);
    CHECK_OK(cr_train_options_set_text(&o, s, "C", "1e-3", &check_err));
    CHECK_OK(cr_train_options_set_text(&o, s, "fit_intercept", "false", &check_err));
    CHECK_OK(cr_train_options_set_text(&o, s, "class_weight", "1,3", &check_err));
    CHECK_OK(cr_train_options_set_text(&o, s, "bands", "80,50", &check_err));
    CHECK_OK(cr_train_options_set_text(&o, s, "signs", "no_consent=nonpos", &check_err));
    CHECK(o.C == 1e-3 && !o.fit_intercept && o.class_weight[1] == 3 && o.band_high == 80 && o.signs[1] == CR_SIGN_NONPOS);
    CHECK_OK(cr_train_options_set_text(&o, s, "class_weight", "balanced", &check_err));
    CHECK_INT(o.class_weight_mode, CR_CLASS_WEIGHT_BALANCED);
    cr_error e;
    static const struct {
        const char *name, *text, *msg;
        cr_status st;
    } bad[] = {
        {"C", "abc", "'abc' is not a number", CR_E_TYPE},
        {"C", "-1", "must be a finite number > 0", CR_E_RANGE},
        {"max_iter", "1.5", "must be an integer", CR_E_TYPE},
        {"fit_intercept", "yes", "must be true or false", CR_E_TYPE},
        {"class_weight", "1,2junk", "must be 'none', 'balanced' or 'W0,W1'", CR_E_TYPE},
        {"class_weight", "1", "must be 'none', 'balanced' or 'W0,W1'", CR_E_TYPE},
        {"bands", "70,40junk", "must be 'HIGH,MEDIUM'", CR_E_TYPE},
        {"bands", "99999999999,1", "high must be an integer", CR_E_TYPE},
        {"bands", "101,40", "need integers 1 <= medium <= high <= 100", CR_E_RANGE},
        {"signs", "nosuch=nonneg", "no feature 'nosuch'", CR_E_RANGE},
        {"signs", "spam_reports", "must be 'FEATURE=free|nonneg|nonpos'", CR_E_TYPE},
        {"signs", "spam_reports=up", "must be \"free\", \"nonneg\" or \"nonpos\"", CR_E_RANGE},
        {"frob", "1", "unknown option 'frob'", CR_E_ARG},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_train_options before = o;
        CHECK_ERR(cr_train_options_set_text(&o, s, bad[i].name, bad[i].text, &e), e, bad[i].st, bad[i].msg);
        CHECK(memcmp(&o, &before, sizeof o) == 0);
    }
}

/* The columns a host packs training rows by. */
static void test_columns(const cr_schema *s)
{
    char buf[512];
    size_t n = 0;
    CHECK_OK(cr_training_columns_json(s, NULL, buf, sizeof buf, &n, &check_err));
    CHECK_STR(buf, "[{\"name\":\"spam_reports\",\"role\":\"field\",\"type\":\"count\"},"
                   "{\"name\":\"has_consent\",\"role\":\"field\",\"type\":\"bool\"},"
                   "{\"name\":\"call_attempts_24h\",\"role\":\"field\",\"type\":\"count\"},"
                   "{\"name\":\"label\",\"role\":\"label\",\"required\":true},"
                   "{\"name\":\"weight\",\"role\":\"weight\",\"required\":false}]");
    cr_error e;
    CHECK_ERR(cr_training_columns_json(s, NULL, buf, 10, &n, &e), e, CR_E_BUFFER, "output needs");
    CHECK_ERR(cr_training_columns_json(NULL, NULL, buf, sizeof buf, &n, &e), e, CR_E_ARG, "NULL");
}

int main(void)
{
    cr_schema *s = seed_schema();
    if (!s) return check_done("test_options");
    test_from_json(s);
    test_set(s);
    test_text(s);
    test_columns(s);
    cr_schema_free(s);
    return check_done("test_options");
}
