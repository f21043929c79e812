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
    CHECK_ERR(cr_schema_from_json(none, strlen(none), &s, &e), e, CR_E_COUNT, "0 fields");
    CHECK_ERR(cr_schema_from_json("[]", 2, &s, &e), e, CR_E_TYPE, "must be an object");
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
}

int main(void)
{
    test_default();
    test_invalid();
    test_from_json();
    test_status_table();
    return check_done("test_schema");
}
