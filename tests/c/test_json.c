/* test_json.c - the strict JSON reader and request parsing. */
#include "callrisk.h"
#include "check.h"
#include "json.h"

static void expect_bad(const char *text, const char *msg, long column)
{
    cr_json_doc doc;
    cr_error e;
    CHECK_ERR(cr_json_parse(text, strlen(text), &doc, &e), e, CR_E_JSON, msg);
    CHECK_INT(e.column, column);
}

static void test_reader(void)
{
    const char *text = " {\"a\": [1, -2.5e3, true, false, null], \"b\": {\"c\": \"x\\\"y\\u00e9\\n\"}} ";
    cr_json_doc doc;
    CHECK_OK(cr_json_parse(text, strlen(text), &doc, &check_err));
    int a = cr_json_get(&doc, 0, "a"), b = cr_json_get(&doc, 0, "b");
    CHECK_INT(doc.tok[a].count, 5);
    double v = 0;
    CHECK(cr_json_number(&doc, cr_json_item(&doc, a, 1), &v) && v == -2500);
    CHECK_INT(doc.tok[cr_json_item(&doc, a, 2)].type, CR_JSON_TRUE);
    CHECK_INT(doc.tok[cr_json_item(&doc, a, 4)].type, CR_JSON_NULL);
    CHECK_INT(cr_json_item(&doc, a, 5), -1);
    char s[16];
    CHECK(cr_json_string(&doc, cr_json_get(&doc, b, "c"), s, sizeof s));
    CHECK_STR(s, "x\"y\xc3\xa9\n");
    CHECK(!cr_json_string(&doc, cr_json_get(&doc, b, "c"), s, 4));   /* too small */
    CHECK_INT(cr_json_get(&doc, 0, "zz"), -1);
    cr_json_free(&doc);

    expect_bad("", "unexpected end of input", 1);
    expect_bad("{\"a\":1,}", "object key expected", 8);
    expect_bad("{\"a\" 1}", "':' expected", 6);
    expect_bad("[1 2]", "',' or ']' expected", 4);
    expect_bad("01", "trailing characters", 2);
    expect_bad("1.", "digit expected after '.'", 3);
    expect_bad("-", "bad number", 2);
    expect_bad("\"abc", "unterminated string", 5);
    expect_bad("\"a\\x\"", "bad escape", 4);
    expect_bad("\"\\u12g4\"", "bad \\u escape", 3);
    expect_bad("\"a\nb\"", "control character", 3);
    expect_bad("tru", "unexpected character", 1);
    expect_bad("{\"a\":1,\"a\":2}", "duplicate object key", 11);
    char deep[200];
    memset(deep, '[', 100);
    deep[100] = 0;
    expect_bad(deep, "nesting too deep", 65);
}

static void expect_request_error(const cr_schema *s, const char *json, cr_status st, const char *field,
                                 const char *msg)
{
    double f[3] = {-1, -2, -3};
    cr_error e;
    CHECK_ERR(cr_request_parse(s, json, strlen(json), f, &e), e, st, msg);
    CHECK_STR(e.field, field);
    /* All or nothing: a bad request writes none of the fields. */
    CHECK(f[0] == -1 && f[1] == -2 && f[2] == -3);
}

static void test_requests(void)
{
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    double f[3];
    const char *ok = "{\"spam_reports\": 5, \"has_consent\": false, \"call_attempts_24h\": 10, \"extra\": [1]}";
    CHECK_OK(cr_request_parse(s, ok, strlen(ok), f, &check_err));
    CHECK(f[0] == 5 && f[1] == 0 && f[2] == 10);
    const char *whole = "{\"spam_reports\": 2.0, \"has_consent\": true, \"call_attempts_24h\": 1e2}";
    CHECK_OK(cr_request_parse(s, whole, strlen(whole), f, &check_err));
    CHECK(f[0] == 2 && f[1] == 1 && f[2] == 100);

    expect_request_error(s, "{\"has_consent\": true, \"call_attempts_24h\": 1}", CR_E_MISSING, "spam_reports",
                         "field 'spam_reports': required");
    expect_request_error(s, "{\"spam_reports\": 1, \"has_consent\": 1, \"call_attempts_24h\": 1}", CR_E_TYPE,
                         "has_consent", "field 'has_consent': must be true or false, got number");
    expect_request_error(s, "{\"spam_reports\": \"1\", \"has_consent\": true, \"call_attempts_24h\": 1}",
                         CR_E_TYPE, "spam_reports", "field 'spam_reports': must be a number, got string");
    expect_request_error(s, "{\"spam_reports\": -1, \"has_consent\": true, \"call_attempts_24h\": 1}",
                         CR_E_RANGE, "spam_reports", "must be an integer >= 0, got -1");
    expect_request_error(s, "{\"spam_reports\": 1, \"has_consent\": true, \"call_attempts_24h\": 1.5}",
                         CR_E_TYPE, "call_attempts_24h", "must be an integer, got 1.5");
    expect_request_error(s, "{\"spam_reports\": 1e400, \"has_consent\": true, \"call_attempts_24h\": 1}",
                         CR_E_NONFINITE, "spam_reports", "must be a finite number");
    expect_request_error(s, "{\"spam_reports\": 1, \"has_consent\": null, \"call_attempts_24h\": 1}", CR_E_TYPE,
                         "has_consent", "got null");
    expect_request_error(s, "[1,2,3]", CR_E_TYPE, "", "request: must be a JSON object, got array");
    expect_request_error(s, "{\"spam_reports\": 1,", CR_E_JSON, "", "JSON: object key expected");
    cr_schema_free(s);
}

int main(void)
{
    test_reader();
    test_requests();
    return check_done("test_json");
}
