/* test_json.c - the strict JSON reader and request parsing. */
#include "callrisk.h"
#include "check.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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
    /* A key is found by its unescaped text, however it is spelled. */
    const char *esc = "{\"a\\u0062\":1,\"\\u00e9t\\u00e9\":2,\"x\\ny\":3,\"abc\":4}";
    CHECK_OK(cr_json_parse(esc, strlen(esc), &doc, &check_err));
    CHECK_INT(cr_json_get(&doc, 0, "ab"), 2);
    CHECK_INT(cr_json_get(&doc, 0, "\xc3\xa9t\xc3\xa9"), 4);
    CHECK_INT(cr_json_get(&doc, 0, "x\ny"), 6);
    CHECK_INT(cr_json_get(&doc, 0, "a"), -1);
    CHECK_INT(cr_json_get(&doc, 0, "abcd"), -1);
    CHECK(cr_json_string(&doc, 1, s, sizeof s));
    CHECK_STR(s, "ab");
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
    expect_bad("{\"a\":1,\"a\":2}", "duplicate key 'a'", 11);
    /* Keys are their unescaped text: another spelling is still a duplicate. */
    expect_bad("{\"ab\":1,\"a\\u0062\":2}", "duplicate key 'ab'", 18);
    expect_bad("{\"a\\u0062\":1,\"\\u0061b\":2}", "duplicate key 'ab'", 23);
    expect_bad("{\"\\/\":1,\"/\":2}", "duplicate key '/'", 12);
    /* Surrogates must pair; bytes must be UTF-8 (shortest form, no
       surrogates, at most U+10FFFF). */
    expect_bad("\"\\ud800x\"", "lone high surrogate", 7);
    expect_bad("\"\\uD800\\u0041\"", "lone high surrogate", 7);
    expect_bad("\"\\uD800\"", "lone high surrogate", 7);
    expect_bad("\"\\uDE00\"", "lone low surrogate", 7);
    expect_bad("\"a\xff\"", "invalid UTF-8", 3);
    expect_bad("\"\xc0\xaf\"", "invalid UTF-8", 2);           /* overlong '/' */
    expect_bad("\"\xed\xa0\x80\"", "invalid UTF-8", 2);       /* an encoded surrogate */
    expect_bad("\"\xf4\x90\x80\x80\"", "invalid UTF-8", 2);   /* beyond U+10FFFF */
    expect_bad("\"\xe2\x82\"", "invalid UTF-8", 2);            /* cut short */
    expect_bad("\"\x80\"", "invalid UTF-8", 2);
    char deep[200];
    memset(deep, '[', 100);
    deep[100] = 0;
    expect_bad(deep, "nesting too deep", 65);
}

/* Unicode escapes into UTF-8: 1 to 4 bytes, surrogate pairs joined; hex
   digits in either case. A lone surrogate and bytes that are not UTF-8 are
   refused (the text could not be passed on as UTF-8). */
static void test_strings(void)
{
    const char *text = "[\"\\u0041\\u00E9\\u20aC\\uD83D\\uDE00x\\u0041\\/\\b\\f\\r\\t\\\\\", 5, \"\", "
                       "\"\\uDBFF\\uDFFF\\uE000\\n\\tabcd\xc3\xa9\"]";
    cr_json_doc doc;
    CHECK_OK(cr_json_parse(text, strlen(text), &doc, &check_err));
    char s[64];
    CHECK(cr_json_string(&doc, cr_json_item(&doc, 0, 0), s, sizeof s));
    CHECK_STR(s, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80x" "A/\b\f\r\t\\");
    CHECK(!cr_json_string(&doc, cr_json_item(&doc, 0, 1), s, sizeof s));   /* not a string */
    CHECK(!cr_json_string(&doc, cr_json_item(&doc, 0, 0), s, 0));
    CHECK(!cr_json_string(&doc, -1, s, sizeof s));
    CHECK(cr_json_string(&doc, cr_json_item(&doc, 0, 2), s, 1) && s[0] == 0);
    /* U+10FFFF, U+E000, raw UTF-8 passed through. */
    CHECK(cr_json_string(&doc, cr_json_item(&doc, 0, 3), s, sizeof s));
    CHECK_STR(s, "\xf4\x8f\xbf\xbf\xee\x80\x80\n\tabcd\xc3\xa9");
    double v = 7;
    CHECK(!cr_json_number(&doc, cr_json_item(&doc, 0, 0), &v) && v == 7);
    CHECK(!cr_json_number(&doc, -1, &v));
    CHECK_INT(cr_json_get(&doc, 0, "a"), -1);          /* not an object */
    CHECK_INT(cr_json_get(&doc, -1, "a"), -1);
    CHECK_INT(cr_json_item(&doc, 1, 0), -1);          /* not an array */
    CHECK_INT(cr_json_item(&doc, -1, 0), -1);
    CHECK_STR(cr_json_type_name(CR_JSON_NULL), "null");
    CHECK_STR(cr_json_type_name(-1), "?");
    CHECK_STR(cr_json_type_name(CR_JSON_NULL + 1), "?");
    cr_json_free(&doc);
}

/* Every number form of RFC 8259, and the ones it forbids. */
static void test_numbers(void)
{
    static const struct {
        const char *text;
        double value;
    } good[] = {{"0", 0},         {"-0", -0.0},    {"12", 12},    {"-3.25", -3.25}, {"1e3", 1000},
                {"1E+2", 100},    {"25e-1", 2.5},  {"0.5E1", 5},  {"\t\r\n 7 ", 7}};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        cr_json_doc doc;
        double v = -1;
        CHECK_OK(cr_json_parse(good[i].text, strlen(good[i].text), &doc, &check_err));
        CHECK(cr_json_number(&doc, 0, &v) && bits_of(v) == bits_of(good[i].value));
        cr_json_free(&doc);
    }
    expect_bad("+1", "unexpected character", 1);
    expect_bad("-a", "bad number", 2);
    expect_bad("1e", "digit expected in exponent", 3);
    expect_bad("1e+", "digit expected in exponent", 4);
    expect_bad("1.e5", "digit expected after '.'", 3);
    expect_bad(".5", "unexpected character", 1);
    expect_bad("[1,]", "unexpected character", 4);
    expect_bad("{\"a\":1 \"b\":2}", "',' or '}' expected", 8);
    expect_bad("{1:2}", "object key expected", 2);
    expect_bad("{\"a\"", "':' expected", 5);
    expect_bad("[", "unexpected end of input", 2);
    expect_bad("nul", "unexpected character", 1);
    expect_bad("\"\\", "unterminated string", 3);
    expect_bad("\"\\u12", "bad \\u escape", 3);
    expect_bad("\"\\u/123\"", "bad \\u escape", 3);
    expect_bad("\"\\u12G4\"", "bad \\u escape", 3);
    expect_bad("\"\\u12:4\"", "bad \\u escape", 3);
    /* Numbers of any length are read exactly (they used to read as 0 from 400
       characters on, silently): digits far past the 17th still decide the
       rounding, and long runs of zeros change nothing. */
    static char longnum[4200];
    cr_json_doc doc;
    double v = -1;
    snprintf(longnum, sizeof longnum, "-3.5507294499127959");
    memset(longnum + strlen(longnum), '0', 4000);
    CHECK_OK(cr_json_parse(longnum, strlen(longnum), &doc, &check_err));
    CHECK(cr_json_number(&doc, 0, &v) && v == -3.5507294499127959);
    cr_json_free(&doc);
    /* 300 digits: the nearest double, not 0. */
    memset(longnum, '1', 450);
    longnum[300] = 0;
    CHECK_OK(cr_json_parse(longnum, 300, &doc, &check_err));
    CHECK(cr_json_number(&doc, 0, &v) && v == 1.1111111111111111e299);
    cr_json_free(&doc);
    longnum[300] = '1';
    longnum[450] = 0;
    longnum[0] = '9';
    longnum[1] = 'e';
    longnum[2] = '9';   /* 9e9111...: beyond every double, +inf, refused by its reader later */
    CHECK_OK(cr_json_parse(longnum, 450, &doc, &check_err));
    CHECK(cr_json_number(&doc, 0, &v) && v - v != 0);
    cr_json_free(&doc);
    /* Empty containers and nesting up to the limit. */
    char deep[200];
    memset(deep, '[', 64);
    memset(deep + 64, ']', 64);
    CHECK_OK(cr_json_parse(deep, 128, &doc, &check_err));
    cr_json_free(&doc);
    CHECK_OK(cr_json_parse("{ }", 3, &doc, &check_err));
    CHECK_INT(doc.tok[0].count, 0);
    cr_json_free(&doc);
    /* A NUL byte is not an escape. */
    cr_error e;
    CHECK_ERR(cr_json_parse("\"\\\0\"", 4, &doc, &e), e, CR_E_JSON, "bad escape in string");
    CHECK_ERR(cr_json_parse(NULL, 3, &doc, &e), e, CR_E_ARG, "JSON text is NULL");
    CHECK_ERR(cr_json_parse(NULL, 0, &doc, &e), e, CR_E_JSON, "unexpected end of input");
    /* Longer than the 32-bit token offsets: refused before any byte is read. */
    CHECK_ERR(cr_json_parse("x", (size_t)UINT32_MAX, &doc, &e), e, CR_E_RANGE, "JSON text longer than 4 GiB");
    CHECK_INT(cr_json_parse("]", 1, &doc, NULL), CR_E_JSON);
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
    /* An escaped spelling of a field's name is that field (every JSON parser
       reads it so); a second spelling of one field is a duplicate. */
    const char *spelled = "{\"spam\\u005freports\": 7, \"has_consent\": true, \"call_attempts_24h\": 1}";
    CHECK_OK(cr_request_parse(s, spelled, strlen(spelled), f, &check_err));
    CHECK(f[0] == 7);
    expect_request_error(s, "{\"spam_reports\":0,\"spam\\u005freports\":99,\"has_consent\":true,\"call_attempts_24h\":1}",
                         CR_E_JSON, "spam_reports", "JSON: duplicate key 'spam_reports' at byte 38");

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
    expect_request_error(s, "{\"spam_reports\": 1, \"has_consent\": \"true\", \"call_attempts_24h\": 1}",
                         CR_E_TYPE, "has_consent", "must be true or false, got string");
    cr_error e;
    CHECK_ERR(cr_request_parse(NULL, ok, strlen(ok), f, &e), e, CR_E_ARG, "schema or fields is NULL");
    CHECK_ERR(cr_request_parse(s, ok, strlen(ok), NULL, &e), e, CR_E_ARG, "schema or fields is NULL");
    CHECK_ERR(cr_request_parse(s, NULL, 5, f, &e), e, CR_E_ARG, "JSON text is NULL");
    cr_schema_free(s);
}

static void expect_caller_error(const cr_schema *s, const char *json, cr_status st, const char *field, const char *msg)
{
    double f[3] = {-1, -2, -3}, at = -4;
    char caller[CR_CALLER_MAX + 1] = "x";
    size_t len = 5;
    cr_error e;
    CHECK_ERR(cr_caller_request_parse(s, json, strlen(json), f, caller, &len, &at, &e), e, st, msg);
    CHECK_STR(e.field, field);
    CHECK(f[0] == -1 && f[1] == -2 && f[2] == -3 && at == -4 && len == 5 && strcmp(caller, "x") == 0);
}

static void test_caller_requests(void)
{
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    double f[3], at;
    char caller[CR_CALLER_MAX + 1];
    size_t len;
    /* call_attempts_24h is the store's: not read, even when it is bad. */
    const char *ok = "{\"caller_number\":\"+1 555\\u0030\",\"at\":86400000,\"spam_reports\":2,"
                     "\"has_consent\":true,\"call_attempts_24h\":\"many\",\"extra\":null}";
    CHECK_OK(cr_caller_request_parse(s, ok, strlen(ok), f, caller, &len, &at, &check_err));
    CHECK(f[0] == 2 && f[1] == 1 && f[2] == 0 && at == 86400000.0 && len == 7);
    CHECK_STR(caller, "+1 5550");
    const char *now = "{\"caller_number\":\"a\",\"spam_reports\":0,\"has_consent\":false}";
    CHECK_OK(cr_caller_request_parse(s, now, strlen(now), f, caller, &len, &at, &check_err));
    CHECK(at != at && len == 1);   /* NaN: the host's clock */

    expect_caller_error(s, "{\"spam_reports\":1,\"has_consent\":true}", CR_E_MISSING, "caller_number",
                        "field 'caller_number': required");
    expect_caller_error(s, "{\"caller_number\":5,\"spam_reports\":1,\"has_consent\":true}", CR_E_TYPE,
                        "caller_number", "must be a string, got number");
    expect_caller_error(s, "{\"caller_number\":\"\",\"spam_reports\":1,\"has_consent\":true}", CR_E_RANGE,
                        "caller_number", "must have 1 to 64 bytes, got 0");
    expect_caller_error(s, "{\"caller_number\":\"a\\nb\",\"spam_reports\":1,\"has_consent\":true}", CR_E_TYPE,
                        "caller_number", "byte 2 is not printable ASCII");
    expect_caller_error(s,
                        "{\"caller_number\":\"0123456789012345678901234567890123456789012345678901234567890123456789\","
                        "\"spam_reports\":1,\"has_consent\":true}",
                        CR_E_RANGE, "caller_number", "must have 1 to 64 bytes");
    expect_caller_error(s, "{\"caller_number\":\"a\",\"at\":\"2026-01-01\",\"spam_reports\":1,\"has_consent\":true}",
                        CR_E_TYPE, "at", "must be a number of ms since 1970, got string");
    expect_caller_error(s, "{\"caller_number\":\"a\",\"at\":-1,\"spam_reports\":1,\"has_consent\":true}",
                        CR_E_RANGE, "at", "0 to 8.64e15");
    expect_caller_error(s, "{\"caller_number\":\"a\",\"at\":1.5,\"spam_reports\":1,\"has_consent\":true}",
                        CR_E_TYPE, "at", "whole number of ms");
    expect_caller_error(s, "{\"caller_number\":\"a\",\"at\":1e400,\"spam_reports\":1,\"has_consent\":true}",
                        CR_E_NONFINITE, "at", "got inf");
    expect_caller_error(s, "{\"caller_number\":\"a\",\"has_consent\":true}", CR_E_MISSING, "spam_reports",
                        "field 'spam_reports': required");
    expect_caller_error(s, "[]", CR_E_TYPE, "", "request: must be a JSON object, got array");
    cr_error e;
    CHECK_ERR(cr_caller_request_parse(s, ok, strlen(ok), NULL, caller, &len, &at, &e), e, CR_E_ARG, "is NULL");
    cr_schema_free(s);

    /* A schema without the attempts field cannot take a scoreCaller. */
    const char *other = "{\"fields\":[{\"name\":\"x\",\"type\":\"real\"}],\"features\":[{\"name\":\"x\",\"field\":\"x\"}]}";
    CHECK_OK(cr_schema_from_json(other, strlen(other), &s, &check_err));
    expect_caller_error(s, "{\"caller_number\":\"a\",\"x\":1}", CR_E_SCHEMA, "call_attempts_24h", "no field");
    cr_schema_free(s);
    /* Nor one with a field named like the request's own keys. */
    const char *clash = "{\"fields\":[{\"name\":\"at\",\"type\":\"real\"},{\"name\":\"call_attempts_24h\",\"type\":\"count\"}],"
                        "\"features\":[{\"name\":\"at\",\"field\":\"at\"},{\"name\":\"n\",\"field\":\"call_attempts_24h\"}]}";
    CHECK_OK(cr_schema_from_json(clash, strlen(clash), &s, &check_err));
    expect_caller_error(s, "{\"caller_number\":\"a\",\"at\":1}", CR_E_SCHEMA, "at", "a key of the scoreCaller request");
    cr_schema_free(s);
}

static void expect_bad_at(const char *text, size_t len, const char *msg, long column, const char *field)
{
    cr_json_doc doc;
    cr_error e;
    CHECK_ERR(cr_json_parse(text, len, &doc, &e), e, CR_E_JSON, msg);
    CHECK_INT(e.column, column);
    CHECK_STR(e.field, field);
}

/* A NUL in a string, spelled "\u0000", is refused wherever it is: every
   user reads strings as C text, where it would end them ("+1555\u0000x"
   read as the caller "+1555", "LOW\u0000x" as the level LOW). The error
   names the member's path. A raw NUL byte is a control character. */
static void test_nul(void)
{
    expect_bad_at("\"a\\u0000b\"", 10, "JSON: NUL (\\u0000) in a string at byte 3", 3, "");
    expect_bad_at("\"\\u0000\"", 8, "JSON: NUL (\\u0000) in a string at byte 2", 2, "");
    expect_bad_at("\"a\0b\"", 5, "JSON: control character in string at byte 3", 3, "");
    expect_bad_at("{\"a\0\":1}", 8, "JSON: control character in string at byte 4", 4, "");
    const char *path = "{\"model_id\":\"x\",\"reasons\":[{\"feature\":\"a\"},{\"feature\":\"spam\\u0000x\"}]}";
    expect_bad_at(path, strlen(path),
                  "JSON: NUL (\\u0000) in a string at byte 60 (in 'reasons[1].feature')", 60, "reasons[1].feature");
    const char *key = "{\"inputs\":{\"spam\\u0000\":5}}";
    expect_bad_at(key, strlen(key), "JSON: NUL (\\u0000) in an object key at byte 17 (in 'inputs')", 17, "inputs");
    expect_bad_at("{\"a\\u0000\":1}", 13, "JSON: NUL (\\u0000) in an object key at byte 4", 4, "");
    cr_json_doc doc;
    CHECK_INT(cr_json_parse("\"\\u0000\"", 8, &doc, NULL), CR_E_JSON);
    /* A path's keys unescaped; arrays by index; the path cut at 63 bytes. */
    const char *esc = "[[0,{\"a\\u0062\":[\"\\u0000\"]}]]";
    expect_bad_at(esc, strlen(esc), "(in '[0][1].ab[0]')", 18, "[0][1].ab[0]");
    char text[200], want[64];
    snprintf(text, sizeof text, "{\"%070d\":{\"b\":\"\\u0000\"}}", 7);
    snprintf(want, sizeof want, "%063d", 0);
    expect_bad_at(text, strlen(text), "at byte 81 (in '000000", 81, want);
    /* Every reader of JSON refuses it: requests, models, options, records. */
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    double f[3];
    char caller[CR_CALLER_MAX + 1];
    size_t len;
    double at;
    cr_error e;
    const char *req = "{\"caller_number\":\"+1555\\u0000DROP\",\"spam_reports\":1,\"has_consent\":true}";
    CHECK_ERR(cr_caller_request_parse(s, req, strlen(req), f, caller, &len, &at, &e), e, CR_E_JSON,
              "JSON: NUL (\\u0000) in a string at byte 24 (in 'caller_number')");
    CHECK_STR(e.field, "caller_number");
    const char *fields = "{\"spam_reports\":1,\"has_consent\":true,\"call_attempts_24h\":1,\"note\":\"\\u0000\"}";
    CHECK_ERR(cr_request_parse(s, fields, strlen(fields), f, &e), e, CR_E_JSON, "(in 'note')");
    const char *schema = "{\"fields\":[{\"name\":\"spam\\u0000x\",\"type\":\"count\"}],"
                         "\"features\":[{\"name\":\"spam\",\"field\":\"spam\"}]}";
    cr_schema *other = NULL;
    CHECK_ERR(cr_schema_from_json(schema, strlen(schema), &other, &e), e, CR_E_JSON, "(in 'fields[0].name')");
    CHECK(other == NULL);
    cr_model *m = NULL, *back = NULL;
    CHECK_OK(cr_model_create_default(&m, &check_err));
    size_t n = 0;
    cr_model_to_json(m, NULL, 0, &n, NULL);
    char *json = malloc(n + 32);
    CHECK_OK(cr_model_to_json(m, json, n + 1, &n, &check_err));
    char *fmt = strstr(json, "\"callrisk-model\"");
    CHECK(fmt != NULL);
    if (fmt) {
        memmove(fmt + 21, fmt + 15, strlen(fmt + 15) + 1);
        memcpy(fmt + 15, "\\u0000", 6);
        CHECK_ERR(cr_model_from_json(json, strlen(json), &back, &e), e, CR_E_JSON, "(in 'format')");
        CHECK(back == NULL);
    }
    free(json);
    cr_train_options o;
    cr_train_options_init(&o);
    const char *opt = "{\"calibration\":\"sigmoid\\u0000\"}";
    CHECK_ERR(cr_train_options_from_json(&o, s, opt, strlen(opt), &e), e, CR_E_JSON, "(in 'calibration')");
    const double one[3] = {5, 0, 2};
    cr_score_result r;
    cr_reason reasons[3];
    CHECK_OK(cr_score(m, one, &r, reasons, 3, &check_err));
    cr_score_record_json(m, one, &r, reasons, "+1", 2, 1e12, NULL, 0, &n, NULL);
    char *rec = malloc(n + 32);
    CHECK_OK(cr_score_record_json(m, one, &r, reasons, "+1", 2, 1e12, rec, n + 1, &n, &check_err));
    CHECK_OK(cr_verify_record(m, rec, n, &check_err));
    char *level = strstr(rec, "\"risk_level\":\"");
    CHECK(level != NULL);
    if (level) {
        char *end = strchr(level + 14, '"');
        memmove(end + 7, end, strlen(end) + 1);
        memcpy(end, "\\u0000x", 7);
        CHECK_ERR(cr_verify_record(m, rec, strlen(rec), &e), e, CR_E_JSON, "(in 'risk_level')");
    }
    free(rec);
    cr_model_free(m);
    cr_schema_free(s);
}

/* Repeated keys are found in n log n time: 100000 keys took 19 s when each
   key was compared with every earlier one. */
static void test_many_keys(void)
{
    enum { N = 100000 };
    const size_t cap = (size_t)N * 16 + 64;
    char *text = malloc(cap);
    size_t o = 0;
    text[o++] = '{';
    for (int i = 0; i < N; i++) o += (size_t)snprintf(text + o, cap - o, "%s\"k%d\":%d", i ? "," : "", i, i);
    text[o++] = '}';
    cr_json_doc doc;
    /* C11's timespec_get: WASI has no clock() without an emulation library. */
    struct timespec t0, t1;
    timespec_get(&t0, TIME_UTC);
    CHECK_OK(cr_json_parse(text, o, &doc, &check_err));
    timespec_get(&t1, TIME_UTC);
    const double seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECK(seconds < 1.0);
    if (seconds >= 1.0 || getenv("CR_TEST_VERBOSE")) fprintf(stderr, "100000 keys: %.3f s\n", seconds);
    CHECK_INT(doc.tok[0].count, N);
    CHECK_INT(cr_json_get(&doc, 0, "k99999"), 2 * N);
    cr_json_free(&doc);
    /* A repeat at the end, in the middle ("k50000" spelled "k4999\u0039"),
       at the start: found at its closing quote, as before. */
    o--;
    o += (size_t)snprintf(text + o, cap - o, ",\"k0\":1}");
    cr_error e;
    CHECK_ERR(cr_json_parse(text, o, &doc, &e), e, CR_E_JSON, "duplicate key 'k0'");
    CHECK_INT(e.column, (long)o - 2);
    char *mid = strstr(text, "\"k50000\"");
    memcpy(mid, "\"k49999\"", 8);
    CHECK_ERR(cr_json_parse(text, o, &doc, &e), e, CR_E_JSON, "duplicate key 'k49999'");
    CHECK_INT(e.column, (long)(mid - text) + 9);
    memcpy(text + 1, "\"k4\"", 4);   /* "k0" -> "k4", the 5th key */
    CHECK_ERR(cr_json_parse(text, o, &doc, &e), e, CR_E_JSON, "duplicate key 'k4'");
    CHECK_INT(e.column, (long)(strstr(text, ",\"k4\"") - text) + 6);
    free(text);

    /* The first repeat in the text's order is the one reported, and a
       repeat before another error wins over it, at any depth. */
    expect_bad("{\"a\":1,\"b\":2,\"b\":3,\"a\":4}", "duplicate key 'b'", 17);
    expect_bad("{\"a\":1,\"b\":2,\"a\":3,\"b\":4}", "duplicate key 'a'", 17);
    expect_bad("{\"a\":1,\"a\":2,}", "duplicate key 'a'", 11);
    expect_bad("{\"a\":1,\"a\":2 x}", "duplicate key 'a'", 11);
    expect_bad("{\"a\":1,\"a\" 2}", "duplicate key 'a'", 11);
    expect_bad("{\"a\":1,\"a\":[1,}", "duplicate key 'a'", 11);
    expect_bad("{\"a\":1,\"a\":{\"b\":1,\"b\":2}}", "duplicate key 'a'", 11);
    expect_bad("{\"a\":{\"b\":1,\"b\":2},\"a\":1}", "duplicate key 'a.b'", 16);
    expect_bad("{\"a\":1,\"b\":2,\"a\":\"\\u0000\"}", "duplicate key 'a'", 17);
    expect_bad("{\"a\":1,\"b\":2,\"a\":\"\\q\"}", "duplicate key 'a'", 17);
    expect_bad("{\"a\":1,\"b\":{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,\"j\":10},\"b\":3}",
               "duplicate key 'b'", 78);
    expect_bad("{\"a\":1,,\"a\":2}", "object key expected", 8);
    expect_bad("{\"a\":1 \"a\":2}", "',' or '}' expected", 8);
    /* Keys ordered by their unescaped text: prefixes, escapes, bytes >= 0x80. */
    const char *keys = "{\"ab\":1,\"a\":2,\"a\\u0062c\":3,\"\\u00e9\":4,\"b\":5,\"\xc3\xa9t\":6,\"\\u0061\":7}";
    expect_bad(keys, "duplicate key 'a'", (long)strlen(keys) - 2);
    const char *fine = "{\"ab\":1,\"a\":2,\"a\\u0062c\":3,\"\\u00e9\":4,\"b\":5,\"\xc3\xa9t\":6,\"\\u0062a\":7,\"\":8,\"c\":9}";
    CHECK_OK(cr_json_parse(fine, strlen(fine), &doc, &check_err));
    CHECK_INT(doc.tok[0].count, 9);
    cr_json_free(&doc);
}

/* A repeated key names itself, with the path to it, as the error's field and
   in its message, at the repeat's closing quote. */
static void test_duplicate_keys(void)
{
    expect_bad_at("{\"a\":1,\"a\":2}", 13, "JSON: duplicate key 'a' at byte 11", 11, "a");
    const char *nested = "{\"training\":{\"rows\":1,\"rows\":2}}";
    expect_bad_at(nested, strlen(nested), "JSON: duplicate key 'training.rows' at byte 29", 29, "training.rows");
    const char *in_array = "{\"features\":[{\"name\":\"a\"},{\"name\":\"b\",\"name\":\"c\"}]}";
    expect_bad_at(in_array, strlen(in_array), "JSON: duplicate key 'features[1].name' at byte 45", 45,
                  "features[1].name");
    /* Named by its unescaped text, however the repeat spells it. */
    expect_bad_at("{\"ab\":1,\"a\\u0062\":2}", 20, "JSON: duplicate key 'ab' at byte 18", 18, "ab");
    /* Found once the object is read, whatever failed inside it since. */
    const char *then_bad = "{\"a\":{\"b\":1,\"b\":[1,}}";
    expect_bad_at(then_bad, strlen(then_bad), "JSON: duplicate key 'a.b' at byte 16", 16, "a.b");
}

/* An integer is what its text says, not the double it rounds to: 2^53 + 1
   reads as 2^53, 1.0000000000000000001 as 1. */
static void test_exact_integers(void)
{
    static const struct {
        const char *text;
        cr_status st;
        int64_t value;
    } cases[] = {
        {"0", CR_OK, 0}, {"-0", CR_OK, 0}, {"0.000e999999999999", CR_OK, 0}, {"42", CR_OK, 42}, {"-7", CR_OK, -7},
        {"100", CR_OK, 100}, {"3.0", CR_OK, 3}, {"3.50e1", CR_OK, 35}, {"1e3", CR_OK, 1000}, {"1E+2", CR_OK, 100},
        {"2500e-2", CR_OK, 25}, {"0.0025e4", CR_OK, 25}, {"9007199254740992", CR_OK, 9007199254740992},
        {"-9007199254740992", CR_OK, -9007199254740992}, {"9.007199254740992e15", CR_OK, 9007199254740992},
        {"9007199254740992.000", CR_OK, 9007199254740992},
        {"9007199254740993", CR_E_RANGE, 0}, {"-9007199254740993", CR_E_RANGE, 0}, {"1e16", CR_E_RANGE, 0},
        {"12345678901234567890", CR_E_RANGE, 0}, {"1e999999999999", CR_E_RANGE, 0},
        {"1.5", CR_E_TYPE, 0}, {"1.0000000000000000001", CR_E_TYPE, 0}, {"25e-1", CR_E_TYPE, 0},
        {"9007199254740992.5", CR_E_TYPE, 0}, {"1e-999999999999", CR_E_TYPE, 0}, {"\"1\"", CR_E_TYPE, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        cr_json_doc doc;
        int64_t v = -1;
        CHECK_OK(cr_json_parse(cases[k].text, strlen(cases[k].text), &doc, &check_err));
        const cr_status st = cr_json_integer(&doc, 0, &v);
        if (st != cases[k].st || (st == CR_OK && v != cases[k].value))
            fprintf(stderr, "cr_json_integer(%s): %s %lld\n", cases[k].text, cr_status_name(st), (long long)v);
        CHECK(st == cases[k].st && (st != CR_OK || v == cases[k].value));
        if (k == 0) CHECK_INT(cr_json_integer(&doc, -1, &v), CR_E_TYPE);
        cr_json_free(&doc);
    }
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    double f[3];
    const char *top = "{\"spam_reports\": 9007199254740992, \"has_consent\": true, \"call_attempts_24h\": 1e15}";
    CHECK_OK(cr_request_parse(s, top, strlen(top), f, &check_err));
    CHECK(f[0] == 9007199254740992.0 && f[2] == 1e15);
    expect_request_error(s, "{\"spam_reports\": 9007199254740993, \"has_consent\": true, \"call_attempts_24h\": 1}",
                         CR_E_RANGE, "spam_reports",
                         "field 'spam_reports': must be at most 2^53 (9007199254740992), got 9007199254740993");
    expect_request_error(s, "{\"spam_reports\": 1, \"has_consent\": true, \"call_attempts_24h\": 1.0000000000000000001}",
                         CR_E_TYPE, "call_attempts_24h",
                         "field 'call_attempts_24h': must be an integer, got 1.0000000000000000001");
    expect_request_error(s, "{\"spam_reports\": 9007199254740992.5, \"has_consent\": true, \"call_attempts_24h\": 1}",
                         CR_E_TYPE, "spam_reports", "field 'spam_reports': must be an integer, got 9007199254740992.5");
    /* The text in a message is cut at 47 bytes. */
    expect_request_error(s, "{\"spam_reports\": 1, \"has_consent\": true, \"call_attempts_24h\": "
                            "7.00000000000000000000000000000000000000000000000000001}",
                         CR_E_TYPE, "call_attempts_24h",
                         "must be an integer, got 7.000000000000000000000000000000000000000000000");
    expect_caller_error(s, "{\"caller_number\":\"a\",\"at\":86400000.000000001,\"spam_reports\":1,\"has_consent\":true}",
                        CR_E_TYPE, "at", "field 'at': must be a whole number of ms, got 86400000.000000001");
    cr_schema_free(s);
}

int main(void)
{
    test_nul();
    test_many_keys();
    test_reader();
    test_strings();
    test_caller_requests();
    test_numbers();
    test_requests();
    test_duplicate_keys();
    test_exact_integers();
    return check_done("test_json");
}
