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
              "unknown option 'penalty' (known: C, fit_intercept, class_weight, max_iter, tol, signs, bands, "
              "label_column, weight_column, holdout, calibration)");
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
        /* Its text, not the double it rounds to (100). */
        {"max_iter", "100.00000000000000001", "option 'max_iter': must be an integer, got 100.00000000000000001",
         CR_E_TYPE},
        {"bands", "70.000000000000001,40", "option 'bands': high must be an integer, got 70.000000000000001",
         CR_E_TYPE},
        {"fit_intercept", "yes", "must be true or false", CR_E_TYPE},
        {"class_weight", "1,2junk", "must be 'none', 'balanced' or 'W0,W1'", CR_E_TYPE},
        {"class_weight", "1", "must be 'none', 'balanced' or 'W0,W1'", CR_E_TYPE},
        {"bands", "70,40junk", "must be 'HIGH,MEDIUM'", CR_E_TYPE},
        {"bands", "99999999999,1", "option 'bands': need integers 1 <= medium <= high <= 100, got high 99999999999",
         CR_E_RANGE},
        {"bands", "99999999999.5,1", "high must be an integer", CR_E_TYPE},
        {"max_iter", "5000000000", "option 'max_iter': must be 1 to 1000000, got 5000000000", CR_E_RANGE},
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

/* Command-line text sets one option, as written: never pasted into JSON,
   where a quote in a sign set another feature ("f1=free\",\"a\":\"free"
   reset a's sign) and one in a holdout's method other members. */
static void test_text_as_written(void)
{
    cr_field_spec f[] = {{"f1", CR_FIELD_REAL}, {"a", CR_FIELD_REAL}};
    cr_feature_spec t[] = {{"f1", "f1", 0}, {"a", "a", 0}};
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create(f, 2, t, 2, &s, &check_err));
    if (!s) return;
    cr_train_options o, before;
    cr_train_options_init(&o);
    CHECK_OK(cr_train_options_set_text(&o, s, "signs", "a=nonneg", &check_err));
    before = o;
    static const struct {
        const char *name, *text, *field, *msg;
        cr_status st;
    } bad[] = {
        {"signs", "f1=free\",\"a\":\"free", "f1", "option 'signs': feature 'f1' must be \"free\", \"nonneg\" or \"nonpos\"",
         CR_E_RANGE},
        {"signs", "f1=free\"}", "f1", "feature 'f1' must be", CR_E_RANGE},
        {"signs", "f1=fr\\ee", "f1", "feature 'f1' must be", CR_E_RANGE},
        {"signs", "f1=free\n", "f1", "feature 'f1' must be", CR_E_RANGE},
        {"signs", "f1=\x01", "f1", "feature 'f1' must be", CR_E_RANGE},
        {"signs", "f1=\xff", "signs", "option 'signs': 'f1=?' is not a sign", CR_E_TYPE},
        {"signs", "f1=nonneg,a=free", "f1", "feature 'f1' must be", CR_E_RANGE},
        {"holdout", "0.2,hash\",\"seed\":7,\"x\":\"", "holdout", "must be 'none', 'F'", CR_E_TYPE},
        {"holdout", "0.2,hash\"", "holdout", "method must be \"order\" or \"hash\"", CR_E_RANGE},
        {"holdout", "0.2,ha\\sh", "holdout", "method must be \"order\" or \"hash\"", CR_E_RANGE},
        {"holdout", "0.2,hash,5,9", "holdout", "must be 'none', 'F'", CR_E_TYPE},
        {"holdout", "0.2,", "holdout", "must be 'none', 'F'", CR_E_TYPE},
        {"holdout", "0.2,hash,", "holdout", "must be 'none', 'F'", CR_E_TYPE},
        {"holdout", "0.2,hashhashhashhash", "holdout", "must be 'none', 'F'", CR_E_TYPE},
        {"holdout", "0.2000000000000000000000000000000000000000000000000000000000000001", "holdout",
         "must be 'none', 'F'", CR_E_TYPE},
    };
    cr_error e;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        o = before;
        CHECK_ERR(cr_train_options_set_text(&o, s, bad[i].name, bad[i].text, &e), e, bad[i].st, bad[i].msg);
        CHECK_STR(e.field, bad[i].field);
        CHECK(memcmp(&o, &before, sizeof o) == 0);
    }
    CHECK_INT(o.signs[1], CR_SIGN_NONNEG);
    /* The forms still read. */
    CHECK_OK(cr_train_options_set_text(&o, s, "signs", "f1=nonpos", &check_err));
    CHECK(o.signs[0] == CR_SIGN_NONPOS && o.signs[1] == CR_SIGN_NONNEG);
    CHECK_OK(cr_train_options_set_text(&o, s, "holdout", "0.25,hash,7", &check_err));
    CHECK(o.holdout_method == CR_HOLDOUT_HASH && o.holdout_fraction == 0.25 && o.holdout_seed == 7);
    CHECK_OK(cr_train_options_set_text(&o, s, "holdout", "0.5,order", &check_err));
    CHECK(o.holdout_method == CR_HOLDOUT_ORDER && o.holdout_fraction == 0.5 && o.holdout_seed == 0);
    CHECK_OK(cr_train_options_set_text(&o, s, "holdout", "0.125", &check_err));
    CHECK(o.holdout_method == CR_HOLDOUT_ORDER && o.holdout_fraction == 0.125);
    cr_schema_free(s);
}

/* A whole number out of range is CR_E_RANGE however large (past an int it
   was CR_E_TYPE), a fraction CR_E_TYPE; the field is the option's name, for
   the JSON reader's errors too (a key's path is the feature's, for signs). */
static void test_ranges(const cr_schema *s)
{
    static const struct {
        const char *name, *json, *field, *msg;
        cr_status st;
    } bad[] = {
        {"max_iter", "1000001", "max_iter", "option 'max_iter': must be 1 to 1000000, got 1000001", CR_E_RANGE},
        {"max_iter", "3000000000", "max_iter", "option 'max_iter': must be 1 to 1000000, got 3000000000", CR_E_RANGE},
        {"max_iter", "-3000000000", "max_iter", "option 'max_iter': must be 1 to 1000000, got -3000000000", CR_E_RANGE},
        {"max_iter", "1e300", "max_iter", "option 'max_iter': must be 1 to 1000000, got 1e300", CR_E_RANGE},
        {"max_iter", "1e999", "max_iter", "option 'max_iter': must be 1 to 1000000, got 1e999", CR_E_RANGE},
        {"max_iter", "9007199254740993", "max_iter", "must be 1 to 1000000, got 9007199254740993", CR_E_RANGE},
        {"max_iter", "1e300.5", "max_iter", "JSON:", CR_E_JSON},
        {"max_iter", "3000000000.5", "max_iter", "option 'max_iter': must be an integer, got 3000000000.5", CR_E_TYPE},
        {"max_iter", "1e-400", "max_iter", "option 'max_iter': must be an integer, got 1e-400", CR_E_TYPE},
        {"bands", "{\"high\":1e10}", "bands", "option 'bands': need integers 1 <= medium <= high <= 100, got high 1e10",
         CR_E_RANGE},
        {"bands", "{\"medium\":-2147483649}", "bands", "got medium -2147483649", CR_E_RANGE},
        {"bands", "{\"high\":1e10.5}", "bands", "JSON:", CR_E_JSON},
        {"C", "1 2", "C", "JSON: trailing characters after the value at byte 3", CR_E_JSON},
        {"bands", "{\"high\":80,\"high\":90}", "bands", "JSON: duplicate key 'high'", CR_E_JSON},
        {"signs", "{\"no_consent\":\"free\",\"no_consent\":\"nonneg\"}", "no_consent",
         "JSON: duplicate key 'no_consent'", CR_E_JSON},
        {"signs", "{", "signs", "JSON:", CR_E_JSON},
        {"frob", "{", "frob", "JSON:", CR_E_JSON},
    };
    cr_train_options o, d;
    cr_train_options_init(&d);
    cr_error e;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        o = d;
        CHECK_ERR(cr_train_options_set(&o, s, bad[i].name, bad[i].json, strlen(bad[i].json), &e), e, bad[i].st,
                  bad[i].msg);
        CHECK_STR(e.field, bad[i].field);
        CHECK(memcmp(&o, &d, sizeof o) == 0);
        if (bad[i].st == CR_E_JSON) continue;
        char all[160];
        snprintf(all, sizeof all, "{\"%s\":%s}", bad[i].name, bad[i].json);
        CHECK_ERR(cr_train_options_from_json(&o, s, all, strlen(all), &e), e, bad[i].st, bad[i].msg);
        CHECK_STR(e.field, bad[i].field);
    }
    /* The reader's place in the text stays. */
    CHECK_ERR(cr_train_options_set(&o, s, "C", "1 2", 3, &e), e, CR_E_JSON, "at byte 3");
    CHECK_INT(e.column, 3);
    CHECK_INT(cr_train_options_set(&o, s, "C", "1 2", 3, NULL), CR_E_JSON);
    /* The largest whole numbers that are in range still are. */
    CHECK_OK(cr_train_options_set(&o, s, "max_iter", "1e6", 3, &check_err));
    CHECK_INT(o.max_iter, 1000000);
    CHECK_OK(cr_train_options_set(&o, s, "bands", "{\"high\":1.0e2}", 14, &check_err));
    CHECK_INT(o.band_high, 100);
}

/* label_column and weight_column: a file's own names for the label and the
   weight, set like any option and judged by the one check. */
static void test_column_names(const cr_schema *s)
{
    cr_train_options o, d;
    cr_train_options_init(&d);
    CHECK_STR(d.label_column, "label");
    CHECK_STR(d.weight_column, "weight");
    const char *named = "{\"label_column\":\"is_spam\",\"weight_column\":\"w\"}";
    CHECK_OK(cr_train_options_from_json(&o, s, named, strlen(named), &check_err));
    CHECK_STR(o.label_column, "is_spam");
    CHECK_STR(o.weight_column, "w");
    /* Back to the defaults: the very bytes init() gives. */
    CHECK_OK(cr_train_options_set(&o, s, "label_column", "\"label\"", 7, &check_err));
    CHECK_OK(cr_train_options_set(&o, s, "weight_column", "\"weight\"", 8, &check_err));
    CHECK(memcmp(&o, &d, sizeof o) == 0);
    /* Escapes spell names as anywhere in JSON; the longest name fits. */
    CHECK_OK(cr_train_options_set(&o, s, "label_column", "\"is\\u005fspam\"", 14, &check_err));
    CHECK_STR(o.label_column, "is_spam");
    char longest[CR_MAX_NAME + 1], json[CR_MAX_NAME + 8];
    memset(longest, 'x', CR_MAX_NAME);
    longest[CR_MAX_NAME] = 0;
    snprintf(json, sizeof json, "\"%s\"", longest);
    CHECK_OK(cr_train_options_set(&o, s, "weight_column", json, strlen(json), &check_err));
    CHECK_STR(o.weight_column, longest);
    /* Command-line text is the name as written. */
    CHECK_OK(cr_train_options_set_text(&o, s, "weight_column", "sample_weight", &check_err));
    CHECK_OK(cr_train_options_set_text(&o, s, "label_column", "_y2", &check_err));
    CHECK(strcmp(o.weight_column, "sample_weight") == 0 && strcmp(o.label_column, "_y2") == 0);
    /* A swap goes through a third name: the two never clash on the way. */
    CHECK_OK(cr_train_options_set_text(&o, s, "label_column", "sample_weight_tmp", &check_err));
    CHECK_OK(cr_train_options_set_text(&o, s, "weight_column", "_y2", &check_err));
    CHECK_OK(cr_train_options_set_text(&o, s, "label_column", "sample_weight", &check_err));

    /* Every bad value: the option's own error, the options unchanged. */
    char one_too_many[CR_MAX_NAME + 2], too_long[CR_MAX_NAME + 8];   /* 64 bytes: as text, as JSON */
    snprintf(one_too_many, sizeof one_too_many, "%sx", longest);
    snprintf(too_long, sizeof too_long, "\"%s\"", one_too_many);
    static const struct {
        const char *name, *json, *msg;
        cr_status st;
    } bad[] = {
        {"label_column", "1", "option 'label_column': must be a column name (a string), got number", CR_E_TYPE},
        {"weight_column", "null", "must be a column name (a string), got null", CR_E_TYPE},
        {"label_column", "[\"is_spam\"]", "got array", CR_E_TYPE},
        {"label_column", "\"\"", "option 'label_column': must match [A-Za-z_][A-Za-z0-9_]* and have 1 to 63 bytes, got ''",
         CR_E_RANGE},
        {"label_column", "\"is spam\"", "got 'is spam'", CR_E_RANGE},
        {"weight_column", "\"1st\"", "got '1st'", CR_E_RANGE},
        {"weight_column", "\"w-1\"", "got 'w-1'", CR_E_RANGE},
        {"label_column", "\"\xc3\xa9t\xc3\xa9\"", "must match", CR_E_RANGE},
        {"weight_column", NULL /* too_long */, "have 1 to 63 bytes", CR_E_RANGE},
        {"label_column", "\"weight\"", "option 'label_column': 'weight' is weight_column too; the label and weight "
         "columns must differ", CR_E_RANGE},
        {"weight_column", "\"label\"", "option 'weight_column': 'label' is label_column too", CR_E_RANGE},
        {"label_column", "\"spam_reports\"", "option 'label_column': 'spam_reports' is a field of the schema",
         CR_E_RANGE},
        {"weight_column", "\"has_consent\"", "option 'weight_column': 'has_consent' is a field of the schema",
         CR_E_RANGE},
    };
    cr_error e;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *value = bad[i].json ? bad[i].json : too_long;
        o = d;
        CHECK_ERR(cr_train_options_set(&o, s, bad[i].name, value, strlen(value), &e), e, bad[i].st, bad[i].msg);
        CHECK_STR(e.field, bad[i].name);
        CHECK(memcmp(&o, &d, sizeof o) == 0);
        char all[160];
        snprintf(all, sizeof all, "{\"%s\":%s}", bad[i].name, value);
        CHECK_ERR(cr_train_options_from_json(&o, s, all, strlen(all), &e), e, bad[i].st, bad[i].msg);
        CHECK_STR(e.field, bad[i].name);
        CHECK(memcmp(&o, &d, sizeof o) == 0);
    }
    /* A NUL spelled "\u0000" never reaches the option: the JSON reader
       refuses it, as everywhere ("is\u0000spam" would read as "is"). */
    static const char nul[] = "\"is\\u0000spam\"", nul_all[] = "{\"label_column\":\"is\\u0000spam\"}";
    o = d;
    CHECK_ERR(cr_train_options_set(&o, s, "label_column", nul, strlen(nul), &e), e, CR_E_JSON,
              "JSON: NUL (\\u0000) in a string at byte 4");
    CHECK(memcmp(&o, &d, sizeof o) == 0);
    CHECK_ERR(cr_train_options_from_json(&o, s, nul_all, strlen(nul_all), &e), e, CR_E_JSON, "(in 'label_column')");
    CHECK_STR(e.field, "label_column");
    CHECK(memcmp(&o, &d, sizeof o) == 0);
    static const struct {
        const char *name, *text, *msg;
    } bad_text[] = {
        {"label_column", "", "option 'label_column': must match [A-Za-z_][A-Za-z0-9_]* and have 1 to 63 bytes, got ''"},
        {"label_column", "is spam", "got 'is spam'"},
        {"weight_column", "\"w\"", "got '\"w\"'"},
        {"weight_column", NULL /* 64 bytes */, "have 1 to 63 bytes"},
        {"label_column", "weight", "option 'label_column': 'weight' is weight_column too"},
        {"weight_column", "call_attempts_24h", "option 'weight_column': 'call_attempts_24h' is a field of the schema"},
    };
    for (size_t i = 0; i < sizeof bad_text / sizeof *bad_text; i++) {
        o = d;
        CHECK_ERR(cr_train_options_set_text(&o, s, bad_text[i].name, bad_text[i].text ? bad_text[i].text : one_too_many,
                                            &e), e, CR_E_RANGE, bad_text[i].msg);
        CHECK_STR(e.field, bad_text[i].name);
        CHECK(memcmp(&o, &d, sizeof o) == 0);
    }

    /* The check on a struct a C host filled itself: not knowing which name
       changed, a clash is weight_column's; an unterminated name is no name. */
    o = d;
    strcpy(o.label_column, "weight");
    CHECK_ERR(cr_train_options_check(&o, s, &e), e, CR_E_RANGE, "option 'weight_column': 'weight' is label_column too");
    CHECK_STR(e.field, "weight_column");
    o = d;
    memset(o.label_column, 'a', sizeof o.label_column);
    CHECK_ERR(cr_train_options_check(&o, s, &e), e, CR_E_RANGE, "option 'label_column': must match");
    o = d;
    memset(o.weight_column, 0, sizeof o.weight_column);
    CHECK_ERR(cr_train_options_check(&o, s, &e), e, CR_E_RANGE, "option 'weight_column': must match");
    CHECK_ERR(cr_train_options_check(&d, NULL, &e), e, CR_E_ARG, "NULL");

    /* A schema whose field is called "weight": the defaults clash, a rename settles it. */
    const char *sj = "{\"fields\":[{\"name\":\"weight\",\"type\":\"real\"}],"
                     "\"features\":[{\"name\":\"weight\",\"field\":\"weight\"}]}";
    cr_schema *ws = NULL;
    CHECK_OK(cr_schema_from_json(sj, strlen(sj), &ws, &check_err));
    CHECK_ERR(cr_train_options_check(&d, ws, &e), e, CR_E_RANGE, "option 'weight_column': 'weight' is a field");
    o = d;
    CHECK_OK(cr_train_options_set_text(&o, ws, "weight_column", "sample_weight", &check_err));
    char buf[256];
    size_t n = 0;
    CHECK_OK(cr_training_columns_json(ws, &o, buf, sizeof buf, &n, &check_err));
    CHECK_STR(buf, "[{\"name\":\"weight\",\"role\":\"field\",\"type\":\"real\"},"
                   "{\"name\":\"label\",\"role\":\"label\",\"required\":true},"
                   "{\"name\":\"sample_weight\",\"role\":\"weight\",\"required\":false}]");
    CHECK_ERR(cr_training_columns_json(ws, NULL, buf, sizeof buf, &n, &e), e, CR_E_RANGE, "'weight' is a field");
    cr_schema_free(ws);
}

/* Options from JSON are judged as the final set: the keys' order does not
   matter (a weight_column read before label_column was checked against the
   default label "label"). */
static void test_key_order(const cr_schema *s)
{
    static const char *const same[][2] = {
        {"{\"label_column\":\"is_spam\",\"weight_column\":\"label\"}",
         "{\"weight_column\":\"label\",\"label_column\":\"is_spam\"}"},
        {"{\"label_column\":\"weight\",\"weight_column\":\"label\"}",   /* a swap */
         "{\"weight_column\":\"label\",\"label_column\":\"weight\"}"},
        {"{\"calibration\":\"sigmoid\",\"holdout\":{\"fraction\":0.2}}",
         "{\"holdout\":{\"fraction\":0.2},\"calibration\":\"sigmoid\"}"},
    };
    for (size_t k = 0; k < sizeof same / sizeof *same; k++) {
        cr_train_options a, b;
        CHECK_OK(cr_train_options_from_json(&a, s, same[k][0], strlen(same[k][0]), &check_err));
        CHECK_OK(cr_train_options_from_json(&b, s, same[k][1], strlen(same[k][1]), &check_err));
        CHECK(memcmp(&a, &b, sizeof a) == 0);
    }
    /* A clash of the final columns: the one given's, weight_column's when
       both were, in either order. */
    static const struct {
        const char *json, *field, *msg;
    } clash[] = {
        {"{\"label_column\":\"weight\"}", "label_column", "option 'label_column': 'weight' is weight_column too"},
        {"{\"weight_column\":\"label\"}", "weight_column", "option 'weight_column': 'label' is label_column too"},
        {"{\"label_column\":\"y\",\"weight_column\":\"y\"}", "weight_column",
         "option 'weight_column': 'y' is label_column too; the label and weight columns must differ"},
        {"{\"weight_column\":\"y\",\"label_column\":\"y\"}", "weight_column",
         "option 'weight_column': 'y' is label_column too; the label and weight columns must differ"},
        {"{\"weight_column\":\"label\",\"C\":1,\"label_column\":\"label\"}", "weight_column",
         "option 'weight_column': 'label' is label_column too"},
    };
    cr_train_options o, d;
    cr_train_options_init(&d);
    cr_error e;
    for (size_t k = 0; k < sizeof clash / sizeof *clash; k++) {
        CHECK_ERR(cr_train_options_from_json(&o, s, clash[k].json, strlen(clash[k].json), &e), e, CR_E_RANGE,
                  clash[k].msg);
        CHECK_STR(e.field, clash[k].field);
        CHECK(memcmp(&o, &d, sizeof o) == 0);
    }
    /* One option's own error still stops the read at its key. */
    const char *two_bad = "{\"max_iter\":0,\"C\":-1}";
    CHECK_ERR(cr_train_options_from_json(&o, s, two_bad, strlen(two_bad), &e), e, CR_E_RANGE, "option 'max_iter'");
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
    /* Under options naming the label and weight columns: those names. */
    cr_train_options o;
    cr_train_options_init(&o);
    CHECK_OK(cr_train_options_set_text(&o, s, "label_column", "is_spam", &check_err));
    CHECK_OK(cr_train_options_set_text(&o, s, "weight_column", "w", &check_err));
    CHECK_OK(cr_training_columns_json(s, &o, buf, sizeof buf, &n, &check_err));
    CHECK_STR(buf, "[{\"name\":\"spam_reports\",\"role\":\"field\",\"type\":\"count\"},"
                   "{\"name\":\"has_consent\",\"role\":\"field\",\"type\":\"bool\"},"
                   "{\"name\":\"call_attempts_24h\",\"role\":\"field\",\"type\":\"count\"},"
                   "{\"name\":\"is_spam\",\"role\":\"label\",\"required\":true},"
                   "{\"name\":\"w\",\"role\":\"weight\",\"required\":false}]");
    CHECK_INT(n, strlen(buf));
    /* Options that fail the check are its error, not a list of columns. */
    cr_error e;
    strcpy(o.weight_column, "is_spam");
    CHECK_ERR(cr_training_columns_json(s, &o, buf, sizeof buf, &n, &e), e, CR_E_RANGE, "must differ");
    CHECK_STR(e.field, "weight_column");
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
    test_ranges(s);
    test_text_as_written();
    test_column_names(s);
    test_key_order(s);
    test_columns(s);
    cr_schema_free(s);
    return check_done("test_options");
}
