/* test_schema.c - schema validation, row checks, schemas from JSON. */
#include "callrisk.h"
#include "check.h"

static void test_default(void)
{
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    CHECK_INT(cr_schema_field_count(s), 3);
    CHECK_INT(cr_schema_feature_count(s), 3);
    CHECK_STR(cr_schema_field_name(s, 1), "has_consent");
    CHECK_INT(cr_schema_field_type(s, 1), CR_FIELD_BOOL);
    CHECK_STR(cr_schema_feature_name(s, 1), "no_consent");
    int inv = 0;
    CHECK_INT(cr_schema_feature_field(s, 1, &inv), 1);
    CHECK_INT(inv, 1);
    CHECK_INT(cr_schema_field_index(s, "call_attempts_24h"), 2);
    CHECK_INT(cr_schema_field_index(s, "nope"), -1);
    CHECK(cr_schema_field_name(s, 3) == NULL);

    cr_error e;
    double ok[3] = {3, 1, 0};
    CHECK_OK(cr_schema_check_row(s, ok, &check_err));
    double bad_bool[3] = {3, 0.5, 0};
    CHECK_ERR(cr_schema_check_row(s, bad_bool, &e), e, CR_E_TYPE, "field 'has_consent': must be a boolean");
    CHECK_STR(e.field, "has_consent");
    double neg[3] = {-1, 1, 0};
    CHECK_ERR(cr_schema_check_row(s, neg, &e), e, CR_E_RANGE, "field 'spam_reports': must be an integer >= 0");
    double big[3] = {1e300, 1, 0};
    CHECK_ERR(cr_schema_check_row(s, big, &e), e, CR_E_RANGE, "field 'spam_reports'");
    double nan[3] = {0, 1, 0.0 / 0.0};
    CHECK_ERR(cr_schema_check_row(s, nan, &e), e, CR_E_NONFINITE, "field 'call_attempts_24h': must be a finite");
    cr_schema *c = NULL;
    CHECK_OK(cr_schema_clone(s, &c, &check_err));
    CHECK_STR(cr_schema_feature_name(c, 2), "call_attempts_24h");
    cr_schema_free(c);
    cr_schema_free(s);
    cr_schema_free(NULL);
}

static void expect_schema_error(const cr_field_spec *f, size_t nf, const cr_feature_spec *t, size_t nt,
                                const char *msg)
{
    cr_schema *s = (cr_schema *)1;
    cr_error e;
    CHECK_ERR(cr_schema_create(f, nf, t, nt, &s, &e), e, CR_E_SCHEMA, msg);
    CHECK(s == NULL);
}

static void test_invalid(void)
{
    cr_field_spec f[2] = {{"a", CR_FIELD_COUNT}, {"b", CR_FIELD_BOOL}};
    cr_feature_spec t[2] = {{"fa", "a", 0}, {"fb", "b", 1}};
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create(f, 2, t, 2, &s, &check_err));
    cr_schema_free(s);

    expect_schema_error(f, 0, t, 2, "schema needs 1 to 64 fields, got 0");
    expect_schema_error(f, 2, t, 0, "schema needs 1 to 64 features, got 0");
    expect_schema_error(f, 65, t, 2, "got 65");
    cr_field_spec bad_name[2] = {{"1a", CR_FIELD_COUNT}, {"b", CR_FIELD_BOOL}};
    expect_schema_error(bad_name, 2, t, 2, "field 0: name '1a' must match");
    cr_field_spec dup[2] = {{"a", CR_FIELD_COUNT}, {"a", CR_FIELD_BOOL}};
    expect_schema_error(dup, 2, t, 2, "field 'a': duplicate name");
    cr_field_spec bad_type[2] = {{"a", CR_FIELD_COUNT}, {"b", (cr_field_type)5}};
    expect_schema_error(bad_type, 2, t, 2, "field 'b': unknown type 5");
    cr_feature_spec unknown[2] = {{"fa", "a", 0}, {"fb", "zz", 0}};
    expect_schema_error(f, 2, unknown, 2, "feature 'fb': reads unknown field 'zz'");
    cr_feature_spec inv_count[2] = {{"fa", "a", 1}, {"fb", "b", 0}};
    expect_schema_error(f, 2, inv_count, 2, "only boolean fields can be inverted, 'a' is count");
    cr_feature_spec dup_feat[2] = {{"fa", "a", 0}, {"fa", "b", 0}};
    expect_schema_error(f, 2, dup_feat, 2, "feature 'fa': duplicate name");
    cr_feature_spec unused[1] = {{"fa", "a", 0}};
    expect_schema_error(f, 2, unused, 1, "field 'b': no feature reads it");
    char long_name[80];
    memset(long_name, 'x', 64);
    long_name[64] = 0;
    cr_field_spec too_long[2] = {{long_name, CR_FIELD_COUNT}, {"b", CR_FIELD_BOOL}};
    expect_schema_error(too_long, 2, t, 2, "have 1 to 63 bytes");
}

static void test_more_invalid(void)
{
    cr_field_spec f[2] = {{"a", CR_FIELD_COUNT}, {"b", CR_FIELD_BOOL}};
    cr_feature_spec t[2] = {{"fa", "a", 0}, {"fb", "b", 1}};
    cr_schema *s = (cr_schema *)1;
    cr_error e;
    expect_schema_error(NULL, 2, t, 2, "schema needs 1 to 64 fields, got 0");
    expect_schema_error(f, 2, NULL, 2, "schema needs 1 to 64 features, got 0");
    expect_schema_error(f, 2, t, 65, "schema needs 1 to 64 features, got 65");
    cr_field_spec no_name[2] = {{NULL, CR_FIELD_COUNT}, {"b", CR_FIELD_BOOL}};
    expect_schema_error(no_name, 2, t, 2, "field 0: name '(null)' must match");
    cr_field_spec empty_name[2] = {{"a", CR_FIELD_COUNT}, {"", CR_FIELD_BOOL}};
    expect_schema_error(empty_name, 2, t, 2, "field 1: name '' must match");
    cr_field_spec dash[2] = {{"a-b", CR_FIELD_COUNT}, {"b", CR_FIELD_BOOL}};
    expect_schema_error(dash, 2, t, 2, "field 0: name 'a-b' must match");
    cr_feature_spec feat_no_name[2] = {{"fa", "a", 0}, {NULL, "b", 0}};
    expect_schema_error(f, 2, feat_no_name, 2, "feature 1: name '(null)' must match");
    cr_feature_spec feat_bad_name[2] = {{"9fa", "a", 0}, {"fb", "b", 0}};
    expect_schema_error(f, 2, feat_bad_name, 2, "feature 0: name '9fa' must match");
    cr_feature_spec no_field[2] = {{"fa", "a", 0}, {"fb", NULL, 0}};
    expect_schema_error(f, 2, no_field, 2, "feature 'fb': reads unknown field '(null)'");
    /* Names of exactly 63 bytes, digits and underscores after the first byte. */
    char longest[CR_MAX_NAME + 1];
    memset(longest, 'Z', CR_MAX_NAME);
    longest[CR_MAX_NAME] = 0;
    cr_field_spec ok_names[2] = {{"_a9", CR_FIELD_COUNT}, {longest, CR_FIELD_BOOL}};
    cr_feature_spec ok_feats[2] = {{longest, "_a9", 0}, {"z_0", longest, 1}};
    CHECK_OK(cr_schema_create(ok_names, 2, ok_feats, 2, &s, &check_err));
    CHECK_INT(cr_schema_field_index(s, longest), 1);
    cr_schema_free(s);
    /* NULL out, and the status alone without a cr_error. */
    CHECK_ERR(cr_schema_create(f, 2, t, 2, NULL, &e), e, CR_E_ARG, "out is NULL");
    CHECK_INT(cr_schema_create(f, 0, t, 2, &s, NULL), CR_E_SCHEMA);
    CHECK_ERR(cr_schema_create_default(NULL, &e), e, CR_E_ARG, "out is NULL");
    s = (cr_schema *)&e;   /* *out is NULL after an error, as everywhere */
    CHECK_ERR(cr_schema_clone(NULL, &s, &e), e, CR_E_ARG, "schema or out is NULL");
    CHECK(s == NULL);
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    CHECK_ERR(cr_schema_clone(s, NULL, &e), e, CR_E_ARG, "schema or out is NULL");
    CHECK_ERR(cr_schema_check_row(s, NULL, &e), e, CR_E_ARG, "schema or fields is NULL");
    CHECK_ERR(cr_schema_check_row(NULL, (const double[3]){0, 0, 0}, &e), e, CR_E_ARG,
              "schema or fields is NULL");
    cr_schema_free(s);
}

/* Accessors answer NULL schemas and indices out of range with a neutral value. */
static void test_accessors_out_of_range(void)
{
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    CHECK_INT(cr_schema_field_count(NULL), 0);
    CHECK_INT(cr_schema_feature_count(NULL), 0);
    CHECK(cr_schema_field_name(NULL, 0) == NULL);
    CHECK(cr_schema_feature_name(NULL, 0) == NULL);
    CHECK(cr_schema_feature_name(s, 3) == NULL);
    CHECK_INT(cr_schema_field_type(NULL, 0), CR_FIELD_REAL);
    CHECK_INT(cr_schema_field_type(s, 3), CR_FIELD_REAL);
    int inv = 7;
    CHECK(cr_schema_feature_field(NULL, 0, &inv) == (size_t)-1);
    CHECK(cr_schema_feature_field(s, 3, &inv) == (size_t)-1);
    CHECK_INT(inv, 7);
    CHECK_INT(cr_schema_feature_field(s, 2, NULL), 2);
    CHECK_INT(cr_schema_field_index(NULL, "spam_reports"), -1);
    CHECK_INT(cr_schema_field_index(s, NULL), -1);
    /* Every field type's rules, at their edges. */
    static const cr_field_spec f[] = {{"c", CR_FIELD_COUNT}, {"b", CR_FIELD_BOOL}, {"r", CR_FIELD_REAL}};
    static const cr_feature_spec t[] = {{"c", "c", 0}, {"b", "b", 0}, {"r", "r", 0}};
    cr_schema *s3 = NULL;
    cr_error e;
    CHECK_OK(cr_schema_create(f, 3, t, 3, &s3, &check_err));
    CHECK_OK(cr_schema_check_row(s3, (const double[3]){9007199254740992.0, 1, -1e150}, &check_err));
    CHECK_OK(cr_schema_check_row(s3, (const double[3]){0, 0, 1e150}, &check_err));
    CHECK_ERR(cr_schema_check_row(s3, (const double[3]){9007199254740994.0, 1, 0}, &e), e, CR_E_RANGE, "field 'c'");
    CHECK_ERR(cr_schema_check_row(s3, (const double[3]){1, 1, -1.0000000000000001e150 * 1.0000001}, &e), e,
              CR_E_RANGE, "field 'r': must be within +-1e150");
    CHECK_ERR(cr_schema_check_row(s3, (const double[3]){1, 1, 1.0 / 0.0}, &e), e, CR_E_NONFINITE, "field 'r'");
    CHECK_ERR(cr_schema_check_row(s3, (const double[3]){0.5, 1, 0}, &e), e, CR_E_TYPE, "field 'c': must be an integer");
    CHECK_INT(cr_schema_check_row(s3, (const double[3]){1, 2, 0}, NULL), CR_E_TYPE);
    cr_schema_free(s3);
    cr_schema_free(s);
}

static void test_from_json(void)
{
    const char *js = "{\"fields\":[{\"name\":\"spam_reports\",\"type\":\"count\"},{\"name\":\"attestation\","
                     "\"type\":\"real\"},{\"name\":\"verified\",\"type\":\"bool\"}],\"features\":[{\"name\":"
                     "\"spam_reports\",\"field\":\"spam_reports\"},{\"name\":\"attestation\",\"field\":"
                     "\"attestation\"},{\"name\":\"unverified\",\"field\":\"verified\",\"invert\":true}]}";
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_from_json(js, strlen(js), &s, &check_err));
    CHECK_INT(cr_schema_field_type(s, 1), CR_FIELD_REAL);
    int inv = 0;
    cr_schema_feature_field(s, 2, &inv);
    CHECK_INT(inv, 1);
    cr_schema_free(s);
    cr_error e;
    const char *bad = "{\"fields\":[{\"name\":\"a\",\"type\":\"count\"}],\"features\":[{\"name\":\"f\"}]}";
    CHECK_ERR(cr_schema_from_json(bad, strlen(bad), &s, &e), e, CR_E_MISSING, "'field' is missing");
    const char *none = "{\"fields\":[],\"features\":[]}";
    CHECK_ERR(cr_schema_from_json(none, strlen(none), &s, &e), e, CR_E_SCHEMA, "0 fields");
    const char *no_features = "{\"fields\":[{\"name\":\"a\",\"type\":\"count\"}],\"features\":[]}";
    CHECK_ERR(cr_schema_from_json(no_features, strlen(no_features), &s, &e), e, CR_E_SCHEMA,
              "JSON: 0 features (need 1 to 64)");
    CHECK_ERR(cr_schema_from_json("[]", 2, &s, &e), e, CR_E_TYPE, "must be an object");
    CHECK_ERR(cr_schema_from_json(js, strlen(js), NULL, &e), e, CR_E_ARG, "out is NULL");
    CHECK_ERR(cr_schema_from_json("{", 1, &s, &e), e, CR_E_JSON, "JSON: object key expected");
    CHECK(s == NULL);
    /* 65 fields, or 65 features: more than a schema holds; as for
       cr_schema_create(), CR_E_SCHEMA (CR_E_COUNT is for model bytes). */
    char big[8192];
    for (int which = 0; which < 2; which++) {
        size_t o = (size_t)snprintf(big, sizeof big, "{\"fields\":[");
        for (int i = 0; i < (which ? 1 : 65); i++)
            o += (size_t)snprintf(big + o, sizeof big - o, "%s{\"name\":\"f%d\",\"type\":\"real\"}", i ? "," : "", i);
        o += (size_t)snprintf(big + o, sizeof big - o, "],\"features\":[");
        for (int j = 0; j < (which ? 65 : 1); j++)
            o += (size_t)snprintf(big + o, sizeof big - o, "%s{\"name\":\"x%d\",\"field\":\"f0\"}", j ? "," : "", j);
        snprintf(big + o, sizeof big - o, "]}");
        CHECK_ERR(cr_schema_from_json(big, strlen(big), &s, &e), e, CR_E_SCHEMA,
                  which ? "JSON: 65 features (need 1 to 64)" : "JSON: 65 fields (need 1 to 64)");
    }
    const cr_field_spec x = {"x", CR_FIELD_COUNT};
    const cr_feature_spec fx = {"x", "x", 0};
    CHECK_ERR(cr_schema_create(&x, 0, &fx, 1, &s, &e), e, CR_E_SCHEMA, "schema needs 1 to 64 fields, got 0");
    /* "invert" is optional in a schema, but a boolean when present. */
    const char *bad_inv = "{\"fields\":[{\"name\":\"b\",\"type\":\"bool\"}],\"features\":[{\"name\":\"x\","
                      "\"field\":\"b\",\"invert\":\"yes\"}]}";
    CHECK_ERR(cr_schema_from_json(bad_inv, strlen(bad_inv), &s, &e), e, CR_E_TYPE,
              "schema JSON: features[0]: 'invert' must be a boolean");
}

/* A schema's errors name the schema (not a model) and the item, by index;
   the field is the member's key. */
static void test_from_json_errors(void)
{
    static const struct {
        const char *json;
        cr_status st;
        const char *field, *msg;
    } bad[] = {
        {"{\"fields\":[{\"name\":\"a\",\"type\":\"count\"}],\"features\":[{\"name\":\"f\",\"field\":\"a\"},{\"name\":3}]}",
         CR_E_TYPE, "name", "schema JSON: features[1]: 'name' must be string, got number"},
        {"{\"fields\":[{\"name\":\"a\",\"type\":\"count\"},{\"name\":\"b\"}],\"features\":[{\"name\":\"f\",\"field\":\"a\"}]}",
         CR_E_MISSING, "type", "schema JSON: fields[1]: 'type' is missing"},
        {"{\"fields\":[{\"name\":\"a\",\"type\":\"int\"}],\"features\":[{\"name\":\"f\",\"field\":\"a\"}]}",
         CR_E_RANGE, "type", "schema JSON: fields[0]: 'type' has unknown value 'int'"},
        {"{\"fields\":[{\"name\":\"a\",\"type\":\"count\"},7],\"features\":[{\"name\":\"f\",\"field\":\"a\"}]}",
         CR_E_TYPE, "fields", "schema JSON: 'fields'[1] must be object, got number"},
        {"{\"fields\":[{\"name\":\"b\",\"type\":\"bool\"}],\"features\":[{\"name\":\"x\",\"field\":\"b\",\"invert\":1}]}",
         CR_E_TYPE, "invert", "schema JSON: features[0]: 'invert' must be a boolean, got number"},
        {"{\"fields\":[],\"features\":[]}", CR_E_SCHEMA, "fields", "schema JSON: 0 fields (need 1 to 64)"},
        {"{\"fields\":[{\"name\":\"a\",\"type\":\"count\"}],\"features\":[]}", CR_E_SCHEMA, "features",
         "schema JSON: 0 features (need 1 to 64)"},
        {"{\"fields\":[1],\"features\":[{\"name\":\"x\",\"field\":\"x\"}]}", CR_E_TYPE, "fields",
         "schema JSON: 'fields'[0] must be object, got number"},
        {"{\"features\":[]}", CR_E_MISSING, "fields", "schema JSON: 'fields' is missing"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        cr_schema *s = (cr_schema *)1;
        cr_error e;
        CHECK_ERR(cr_schema_from_json(bad[k].json, strlen(bad[k].json), &s, &e), e, bad[k].st, bad[k].msg);
        CHECK_STR(e.field, bad[k].field);
        CHECK(s == NULL);
    }
}

static void test_status_table(void)
{
    for (int st = 0; st < CR_STATUS_COUNT; st++) {
        CHECK(strncmp(cr_status_name((cr_status)st), "CR_", 3) == 0);
        CHECK(strlen(cr_status_str((cr_status)st)) > 1);
    }
    CHECK_STR(cr_status_name(CR_E_CHECKSUM), "CR_E_CHECKSUM");
    CHECK_INT(CR_E_CHECKSUM, 12);
    CHECK_STR(cr_status_str((cr_status)999), "unknown status");
    CHECK_STR(cr_status_name(CR_STATUS_COUNT), "CR_E_UNKNOWN");
    CHECK_STR(cr_status_name((cr_status)-1), "CR_E_UNKNOWN");
}

int main(void)
{
    test_default();
    test_invalid();
    test_more_invalid();
    test_accessors_out_of_range();
    test_from_json();
    test_from_json_errors();
    test_status_table();
    return check_done("test_schema");
}
