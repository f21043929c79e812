/* test_csv.c - the streaming CSV reader: any chunking, quoting, and every bad input. */
#include "callrisk.h"
#include "check.h"

#include <stdlib.h>

static cr_dataset *fresh(void)
{
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    cr_schema_free(s);
    return ds;
}

/* Feeds `text` in chunks of `chunk` bytes under options `opt` (NULL:
   defaults); returns the status of the whole read. */
static cr_status read_with(cr_dataset *ds, const cr_train_options *opt, const char *text, size_t chunk, cr_error *e)
{
    cr_csv_reader *r = NULL;
    cr_status st = cr_csv_reader_create(ds, opt, &r, e);
    size_t n = strlen(text);
    for (size_t i = 0; i < n && st == CR_OK; i += chunk)
        st = cr_csv_feed(r, text + i, i + chunk < n ? chunk : n - i, e);
    if (st == CR_OK) st = cr_csv_finish(r, e);
    cr_csv_reader_free(r);
    return st;
}

static cr_status read_all(cr_dataset *ds, const char *text, size_t chunk, cr_error *e)
{
    return read_with(ds, NULL, text, chunk, e);
}

static const char GOOD[] =
    "\xEF\xBB\xBF" "caller,spam_reports,has_consent,call_attempts_24h,label,weight\r\n"
    "+15550001,0,true,1,0,1\r\n"
    "\"+1 555, ext \"\"2\"\"\",1,FALSE,2,0,2.5\r\n"
    "\n"
    "x,2, 0 ,3,1,1\n"
    "y,3,1,5,1,0.5\n"
    "z,4,false,7,1,1";   /* no final newline */

static void test_good_any_chunking(void)
{
    char digest_whole[CR_MODEL_ID_SIZE];
    for (size_t chunk = 1; chunk <= sizeof GOOD; chunk = chunk * 2 + 1) {
        cr_dataset *ds = fresh();
        CHECK_OK(read_all(ds, GOOD, chunk, &check_err));
        CHECK_INT(cr_dataset_rows(ds), 5);
        char d[CR_MODEL_ID_SIZE];
        cr_dataset_digest(ds, d);
        if (chunk == 1) memcpy(digest_whole, d, sizeof d);
        CHECK_STR(d, digest_whole);
        cr_dataset_free(ds);
    }
    /* Same rows added directly give the same digest. */
    cr_dataset *ds = fresh();
    static const double rows[5][3] = {{0, 1, 1}, {1, 0, 2}, {2, 0, 3}, {3, 1, 5}, {4, 0, 7}};
    static const int labels[5] = {0, 0, 1, 1, 1};
    static const double weights[5] = {1, 2.5, 1, 0.5, 1};
    for (int i = 0; i < 5; i++) CHECK_OK(cr_dataset_add(ds, rows[i], labels[i], weights[i], &check_err));
    char d[CR_MODEL_ID_SIZE];
    cr_dataset_digest(ds, d);
    CHECK_STR(d, digest_whole);
    cr_dataset_free(ds);
}

static void expect_csv_error(const char *text, cr_status st, const char *field, long line, long column,
                             const char *msg)
{
    for (size_t chunk = 1; chunk <= 64; chunk *= 8) {
        cr_dataset *ds = fresh();
        cr_error e;
        CHECK_ERR(read_all(ds, text, chunk, &e), e, st, msg);
        CHECK_STR(e.field, field);
        CHECK_INT(e.line, line);
        CHECK_INT(e.column, column);
        cr_dataset_free(ds);
    }
}

static void test_bad_inputs(void)
{
    const char *H = "spam_reports,has_consent,call_attempts_24h,label\n";
    char buf[512];
#define ROW(r) (snprintf(buf, sizeof buf, "%s1,true,1,0\n%s\n", H, r), buf)
    expect_csv_error("", CR_E_CSV, "", 1, 1, "no header row");
    expect_csv_error("spam_reports,call_attempts_24h,label\n1,2,0\n", CR_E_MISSING, "has_consent", 1, 1,
                     "CSV header: no column 'has_consent'");
    expect_csv_error("spam_reports,has_consent,call_attempts_24h\n1,true,1\n", CR_E_MISSING, "label", 1, 1,
                     "no column 'label'");
    expect_csv_error("spam_reports,has_consent,call_attempts_24h,label,label\n", CR_E_CSV, "label", 1, 5,
                     "column 'label' appears twice");
    expect_csv_error(ROW("1,true,1"), CR_E_CSV, "", 3, 3, "CSV row has 3 columns, the header has 4 (line 3, column 3)");
    expect_csv_error(ROW("1,true,1,0,9"), CR_E_CSV, "", 3, 5, "more columns than the header");
    expect_csv_error(ROW("1,yes,1,0"), CR_E_TYPE, "has_consent", 3, 2,
                     "field 'has_consent': must be true, false, 1 or 0, got 'yes' (line 3, column 2)");
    expect_csv_error(ROW("1.5,true,1,0"), CR_E_TYPE, "spam_reports", 3, 1, "must be an integer >= 0, got '1.5'");
    expect_csv_error(ROW("-2,true,1,0"), CR_E_RANGE, "spam_reports", 3, 1, "must be an integer >= 0, got '-2'");
    expect_csv_error(ROW("1,true,,0"), CR_E_MISSING, "call_attempts_24h", 3, 3, "field 'call_attempts_24h': empty value");
    expect_csv_error(ROW("1,true,1,2"), CR_E_RANGE, "label", 3, 4, "field 'label': must be 0 or 1, got '2'");
    /* Another whole number is out of range (as in rows); any other text, a fraction too, the wrong type. */
    expect_csv_error(ROW("1,true,1,-1"), CR_E_RANGE, "label", 3, 4, "field 'label': must be 0 or 1, got '-1'");
    expect_csv_error(ROW("1,true,1,0.5"), CR_E_TYPE, "label", 3, 4, "field 'label': must be 0 or 1, got '0.5'");
    expect_csv_error(ROW("1,true,1,1.0"), CR_E_TYPE, "label", 3, 4, "field 'label': must be 0 or 1, got '1.0'");
    expect_csv_error(ROW("1,true,1,yes"), CR_E_TYPE, "label", 3, 4, "field 'label': must be 0 or 1, got 'yes'");
    /* Past every integer type (no undefined cast): still a whole number. */
    expect_csv_error(ROW("1,true,1,1e300"), CR_E_RANGE, "label", 3, 4, "field 'label': must be 0 or 1, got '1e300'");
    expect_csv_error(ROW("1,true,1,-1e19"), CR_E_RANGE, "label", 3, 4, "field 'label': must be 0 or 1, got '-1e19'");
    expect_csv_error(ROW("1,true,1,1e400"), CR_E_TYPE, "label", 3, 4, "field 'label': must be 0 or 1, got '1e400'");
    expect_csv_error(ROW("1,true,1,\"0"), CR_E_CSV, "", 3, 4, "unterminated quoted value");
    expect_csv_error(ROW("1,\"true\"x,1,0"), CR_E_CSV, "", 3, 2, "text after a closing quote");
    expect_csv_error(ROW("1,tr\"ue,1,0"), CR_E_CSV, "", 3, 2, "quote inside an unquoted value");
    expect_csv_error("spam_reports,has_consent,call_attempts_24h,label,weight\n1,true,1,0,-1\n", CR_E_RANGE,
                     "weight", 2, 5, "field 'weight': must be a finite number >= 0, got -1");
    expect_csv_error("spam_reports,has_consent,call_attempts_24h,label,weight\n1,true,1,0,abc\n", CR_E_TYPE,
                     "weight", 2, 5, "field 'weight': must be a number, got 'abc'");
    expect_csv_error("spam_reports,has_consent,call_attempts_24h,label,weight\n1,true,1,0,1e999\n", CR_E_RANGE,
                     "weight", 2, 5, "field 'weight'");
    char longcell[400];
    snprintf(longcell, sizeof longcell, "%s%0300d,true,1,0\n", H, 7);
    expect_csv_error(longcell, CR_E_CSV, "", 2, 1, "longer than 256 bytes");
    /* A quoted newline counts as a line: the error is reported on the row's first line. */
    expect_csv_error("note,spam_reports,has_consent,call_attempts_24h,label\n\"a\nb\",1,maybe,1,0\n", CR_E_TYPE,
                     "has_consent", 2, 3, "got 'maybe'");
#undef ROW
}

/* A UTF-8 byte order mark before a header whose first column is a field is
   skipped, in any chunking; bytes that only begin one are the cell's own. */
static void test_byte_order_mark(void)
{
    static const char BOM_FIRST[] = "\xEF\xBB\xBFspam_reports,has_consent,call_attempts_24h,label\n1,true,2,1\n"
                                    "0,false,1,0";
    for (size_t chunk = 1; chunk <= 4; chunk++) {
        cr_dataset *ds = fresh();
        CHECK_OK(read_all(ds, BOM_FIRST, chunk, &check_err));
        CHECK_INT(cr_dataset_rows(ds), 2);
        cr_dataset_free(ds);
    }
    cr_dataset *ds = fresh();
    CHECK_OK(read_all(ds, "\xEF\xBBx,spam_reports,has_consent,call_attempts_24h,label\n,1,true,2,1\n", 1,
                      &check_err));
    CHECK_INT(cr_dataset_rows(ds), 1);
    cr_dataset_free(ds);
    expect_csv_error("\xEF\xBBspam_reports,has_consent,call_attempts_24h,label\n", CR_E_MISSING, "spam_reports", 1,
                     1, "CSV header: no column 'spam_reports'");
    /* Alone on a line, they are a header of one column; before a quote, an unquoted value. */
    expect_csv_error("\xEF\xBB\nspam_reports,has_consent,call_attempts_24h,label\n", CR_E_MISSING, "spam_reports", 1,
                     1, "CSV header: no column 'spam_reports'");
    expect_csv_error("\xEF\"a\",spam_reports\n", CR_E_CSV, "", 1, 1, "CSV: quote inside an unquoted value");
}

static void test_more_bad_inputs(void)
{
    const char *H = "spam_reports,has_consent,call_attempts_24h,label\n";
    char buf[2048];
#define ROW(r) (snprintf(buf, sizeof buf, "%s%s\n", H, r), buf)
    /* The value in a message is cut at 40 bytes. */
    expect_csv_error(ROW("1,maybemaybemaybemaybemaybemaybemaybemaybemaybe,1,0"), CR_E_TYPE, "has_consent", 2, 2,
                     "got 'maybemaybemaybemaybemaybemaybemaybemaybe' (line 2, column 2)");
    expect_csv_error(ROW("-x,true,1,0"), CR_E_TYPE, "spam_reports", 2, 1, "must be an integer >= 0, got '-x'");
    /* Messages are printable ASCII: other bytes of a cell become '?'. */
    expect_csv_error(ROW("1,\xc3\xa9t\xc3\xa9,1,0"), CR_E_TYPE, "has_consent", 2, 2, "got '?\?t?\?' (line 2");
    expect_csv_error(ROW("1,\"a\tb\",1,0"), CR_E_TYPE, "has_consent", 2, 2, "got 'a?b' (line 2");
    expect_csv_error(ROW("1,\x7f,1,0"), CR_E_TYPE, "has_consent", 2, 2, "got '?' (line 2");
    expect_csv_error(ROW("-,true,1,0"), CR_E_TYPE, "spam_reports", 2, 1, "must be an integer >= 0, got '-'");
    /* A whole number beyond 2^53 is out of range however many digits it has
       (17 were the wrong type, 16 out of range); below 0 too. */
    expect_csv_error(ROW("12345678901234567,true,1,0"), CR_E_RANGE, "spam_reports", 2, 1,
                     "field 'spam_reports': must be at most 2^53 (9007199254740992), got '12345678901234567'");
    expect_csv_error(ROW("9999999999999999,true,1,0"), CR_E_RANGE, "spam_reports", 2, 1, "must be at most 2^53");
    expect_csv_error(ROW("1,true,1000000000000000000000000000000000000000000000000000000000000,0"), CR_E_RANGE,
                     "call_attempts_24h", 2, 3, "must be at most 2^53");
    expect_csv_error(ROW("-12345678901234567,true,1,0"), CR_E_RANGE, "spam_reports", 2, 1,
                     "must be an integer >= 0, got '-12345678901234567'");
    expect_csv_error(ROW("-9007199254740993,true,1,0"), CR_E_RANGE, "spam_reports", 2, 1, "must be an integer >= 0");
    expect_csv_error(ROW("--1,true,1,0"), CR_E_TYPE, "spam_reports", 2, 1, "must be an integer >= 0, got '--1'");
    expect_csv_error(ROW("+1,true,1,0"), CR_E_TYPE, "spam_reports", 2, 1, "must be an integer >= 0, got '+1'");
    /* 2^53 + 1 is not the double it rounds to (2^53). */
    expect_csv_error(ROW("9007199254740993,true,1,0"), CR_E_RANGE, "spam_reports", 2, 1,
                     "field 'spam_reports': must be at most 2^53 (9007199254740992), got '9007199254740993'");
    expect_csv_error(ROW("1,2024,1,0"), CR_E_TYPE, "has_consent", 2, 2, "must be true, false, 1 or 0, got '2024'");
    expect_csv_error(ROW("1,tru,1,0"), CR_E_TYPE, "has_consent", 2, 2, "got 'tru'");
    expect_csv_error(ROW("1,true,1,"), CR_E_MISSING, "label", 2, 4, "field 'label': empty value");
    expect_csv_error(ROW("1,true,1,01"), CR_E_TYPE, "label", 2, 4, "must be 0 or 1, got '01'");
    expect_csv_error("spam_reports,has_consent,call_attempts_24h,label,weight\n1,true,1,0,\n", CR_E_MISSING,
                     "weight", 2, 5, "field 'weight': empty value");
    expect_csv_error("spam_reports,has_consent,call_attempts_24h,label,weight\n1,true,1,0,0x10\n", CR_E_TYPE,
                     "weight", 2, 5, "must be a number, got '0x10'");
    expect_csv_error("spam_reports,has_consent,call_attempts_24h,label,weight\n1,true,1,0,1.5.2\n", CR_E_TYPE,
                     "weight", 2, 5, "must be a number, got '1.5.2'");
    expect_csv_error(ROW("\"1\"\"\",true,1,0"), CR_E_TYPE, "spam_reports", 2, 1, "got '1\"'");
    expect_csv_error("spam_reports,has_consent,has_consent,call_attempts_24h,label\n", CR_E_CSV, "has_consent", 1,
                     3, "column 'has_consent' appears twice");
    expect_csv_error("spam_reports,has_consent,call_attempts_24h,label,weight,weight\n", CR_E_CSV, "weight", 1, 6,
                     "column 'weight' appears twice");
    /* A header of more than 256 columns. */
    size_t o = 0;
    for (int c = 0; c < 257; c++) o += (size_t)snprintf(buf + o, sizeof buf - o, "%sc%d", c ? "," : "", c);
    snprintf(buf + o, sizeof buf - o, "\n");
    expect_csv_error(buf, CR_E_CSV, "", 1, 257, "CSV header: more than 256 columns");
    /* A NUL byte is not part of any number: no cell holds one. */
    cr_dataset *ds = fresh();
    cr_csv_reader *r = NULL;
    cr_error e;
    static const char nul[] = "spam_reports,has_consent,call_attempts_24h,label,weight\n1,true,1,0,1\0\n";
    CHECK_OK(cr_csv_reader_create(ds, NULL, &r, &check_err));
    CHECK_ERR(cr_csv_feed(r, nul, sizeof nul - 1, &e), e, CR_E_CSV, "CSV: NUL byte in a value (line 2, column 5)");
    cr_csv_reader_free(r);
    cr_dataset_free(ds);
#undef ROW
}

/* Old Mac line ends (CR alone), a quoted value before CR, whitespace around
   unquoted values, blank lines of every kind. */
static void test_line_ends(void)
{
    cr_dataset *ds = fresh();
    CHECK_OK(read_all(ds,
                      "spam_reports,has_consent,call_attempts_24h,label\r\r"
                      "\t1 ,\tTrue\t, 2,\"1\"\r"
                      "\r\n"
                      "2,\"false\",3,\"0\"\r\n\n"
                      "3,1,4,1",
                      3, &check_err));
    CHECK_INT(cr_dataset_rows(ds), 3);
    /* The same rows from a plain file give the same digest. */
    cr_dataset *plain = fresh();
    CHECK_OK(read_all(plain, "spam_reports,has_consent,call_attempts_24h,label\n1,true,2,1\n2,false,3,0\n3,1,4,1\n",
                      64, &check_err));
    char a[CR_MODEL_ID_SIZE], b[CR_MODEL_ID_SIZE];
    cr_dataset_digest(ds, a);
    cr_dataset_digest(plain, b);
    CHECK_STR(a, b);
    cr_dataset_free(plain);
    cr_dataset_free(ds);
    /* A line holding only "" is a row of one empty cell, not a blank line. */
    expect_csv_error("spam_reports,has_consent,call_attempts_24h,label\n\"\"\n", CR_E_MISSING, "spam_reports", 2,
                     1, "field 'spam_reports': empty value");
}

/* A header name longer than any field name is an ignored column, even when
   it begins with a field's name. */
static void test_long_header_names(void)
{
    char longest[CR_MAX_NAME + 1], longer[CR_MAX_NAME + 2];
    memset(longest, 'n', CR_MAX_NAME);
    longest[CR_MAX_NAME] = 0;
    memcpy(longer, longest, CR_MAX_NAME);
    longer[CR_MAX_NAME] = 'x';
    longer[CR_MAX_NAME + 1] = 0;
    const cr_field_spec f[] = {{longest, CR_FIELD_REAL}};
    const cr_feature_spec t[] = {{"feature", longest, 0}};
    cr_schema *s = NULL;
    cr_dataset *ds = NULL;
    CHECK_OK(cr_schema_create(f, 1, t, 1, &s, &check_err));
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    char text[512];
    snprintf(text, sizeof text, "%s,label,%s\n-1.5e3,1,oops\n2.5,0,x\n", longest, longer);
    CHECK_OK(read_all(ds, text, 7, &check_err));
    CHECK_INT(cr_dataset_rows(ds), 2);
    cr_dataset_free(ds);
    /* Only the long name: the field has no column. */
    CHECK_OK(cr_dataset_create(s, &ds, &check_err));
    snprintf(text, sizeof text, "%s,label\n1,1\n", longer);
    cr_error e;
    CHECK_ERR(read_all(ds, text, 64, &e), e, CR_E_MISSING, "CSV header: no column");
    CHECK_STR(e.field, longest);
    cr_dataset_free(ds);
    cr_schema_free(s);
}

/* A count of -0 is 0, as cr_schema_check_row() and requests take it, and a
   weight of -0 is 0 in the data set: the same rows, the same digest
   (leading zeros are the number's too). */
static void test_negative_zero_count(void)
{
    const char *H = "spam_reports,has_consent,call_attempts_24h,label";
    char plain[256], signed_[256];
    snprintf(plain, sizeof plain, "%s,weight\n0,true,3,1,0\n2,false,0,0,1\n", H);
    snprintf(signed_, sizeof signed_, "%s,weight\n-0,true,3,1,-0\n2,false,-000,0,1\n", H);   /* a weight -0 too */
    cr_dataset *a = fresh(), *b = fresh();
    CHECK_OK(read_all(a, plain, 64, &check_err));
    CHECK_OK(read_all(b, signed_, 64, &check_err));
    CHECK_INT(cr_dataset_rows(b), 2);
    char da[CR_MODEL_ID_SIZE], db[CR_MODEL_ID_SIZE];
    cr_dataset_digest(a, da);
    cr_dataset_digest(b, db);
    CHECK_STR(db, da);
    cr_dataset_free(a);
    cr_dataset_free(b);
    cr_schema *s = NULL;
    CHECK_OK(cr_schema_create_default(&s, &check_err));
    const double row[3] = {-0.0, 1, 3};
    CHECK_OK(cr_schema_check_row(s, row, &check_err));
    cr_schema_free(s);
}

static void test_bad_arguments(void)
{
    cr_dataset *ds = fresh();
    cr_csv_reader *r = (cr_csv_reader *)&ds;
    cr_error e;
    CHECK_ERR(cr_csv_reader_create(NULL, NULL, &r, &e), e, CR_E_ARG, "NULL");
    CHECK(r == NULL);   /* *out is NULL after an error, as everywhere */
    CHECK_ERR(cr_csv_reader_create(ds, NULL, NULL, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_csv_feed(NULL, "a", 1, &e), e, CR_E_ARG, "NULL");
    CHECK_ERR(cr_csv_finish(NULL, &e), e, CR_E_ARG, "NULL");
    CHECK_OK(cr_csv_reader_create(ds, NULL, &r, &check_err));
    CHECK_ERR(cr_csv_feed(r, NULL, 1, &e), e, CR_E_ARG, "NULL");
    CHECK_OK(cr_csv_feed(r, NULL, 0, &check_err));
    const char *one = "spam_reports,has_consent,call_attempts_24h,label\n1,1,1,1";
    CHECK_OK(cr_csv_feed(r, one, strlen(one), &check_err));
    CHECK_OK(cr_csv_finish(r, &check_err));
    /* Finished: more input is a call out of order, and so is finishing again. */
    CHECK_ERR(cr_csv_feed(r, "1,1,1,1\n", 8, &e), e, CR_E_STATE, "CSV reader already finished");
    CHECK_ERR(cr_csv_finish(r, &e), e, CR_E_STATE, "CSV reader already finished");
    CHECK_INT(cr_csv_feed(r, "1", 1, NULL), CR_E_STATE);
    CHECK_INT(cr_csv_finish(r, NULL), CR_E_STATE);
    CHECK_INT(cr_dataset_rows(ds), 1);
    cr_csv_reader_free(r);
    cr_csv_reader_free(NULL);
    cr_dataset_free(ds);
}

static void test_failed_reader_stays_failed(void)
{
    cr_dataset *ds = fresh();
    cr_csv_reader *r = NULL;
    cr_error e;
    CHECK_OK(cr_csv_reader_create(ds, NULL, &r, &check_err));
    const char *bad = "spam_reports,has_consent,call_attempts_24h,label\n1,x,1,0\n2,true,1,1\n";
    CHECK_ERR(cr_csv_feed(r, bad, strlen(bad), &e), e, CR_E_TYPE, "has_consent");
    CHECK_ERR(cr_csv_feed(r, "1,true,1,0\n", 11, &e), e, CR_E_TYPE, "has_consent");
    CHECK_ERR(cr_csv_finish(r, &e), e, CR_E_TYPE, "has_consent");
    CHECK_INT(cr_dataset_rows(ds), 0);
    cr_csv_reader_free(r);
    /* Failing without a cr_error: the reader still remembers the whole error. */
    CHECK_OK(cr_csv_reader_create(ds, NULL, &r, &check_err));
    CHECK_INT(cr_csv_feed(r, bad, strlen(bad), NULL), CR_E_TYPE);
    CHECK_ERR(cr_csv_finish(r, &e), e, CR_E_TYPE,
              "field 'has_consent': must be true, false, 1 or 0, got 'x' (line 2, column 2)");
    CHECK_INT(e.line, 2);
    CHECK_INT(e.column, 2);
    CHECK_INT(cr_csv_feed(r, "", 0, NULL), CR_E_TYPE);
    CHECK_INT(cr_csv_finish(r, NULL), CR_E_TYPE);
    CHECK_INT(cr_dataset_rows(ds), 0);
    cr_csv_reader_free(r);
    cr_dataset_free(ds);
}

/* label_column and weight_column: the header's names for the label and the
   weight; the rows, and so the digest and the model, do not change. */
static void test_named_columns(void)
{
    cr_train_options opt, defaults;
    cr_train_options_init(&defaults);
    cr_train_options_init(&opt);
    const cr_schema *s = NULL;
    cr_dataset *plain = fresh(), *named = fresh();
    s = cr_dataset_schema(named);
    CHECK_OK(cr_train_options_set_text(&opt, s, "label_column", "is_spam", &check_err));
    CHECK_OK(cr_train_options_set_text(&opt, s, "weight_column", "w", &check_err));
    static const char PLAIN[] = "spam_reports,has_consent,call_attempts_24h,label,weight\n"
                                "0,true,1,0,1\n1,false,2,0,2.5\n2,false,3,1,1\n3,true,5,1,0.5\n4,false,7,1,1\n";
    /* Another order, and columns called label and weight that are now just other columns. */
    static const char NAMED[] = "w,label,call_attempts_24h,is_spam,spam_reports,has_consent,weight\n"
                                "1,x,1,0,0,true,y\n2.5,x,2,0,1,false,y\n1,x,3,1,2,false,y\n"
                                "0.5,x,5,1,3,true,y\n1,x,7,1,4,false,y\n";
    CHECK_OK(read_all(plain, PLAIN, 7, &check_err));
    CHECK_OK(read_with(named, &opt, NAMED, 5, &check_err));
    CHECK_INT(cr_dataset_rows(named), 5);
    char dp[CR_MODEL_ID_SIZE], dn[CR_MODEL_ID_SIZE];
    cr_dataset_digest(plain, dp);
    cr_dataset_digest(named, dn);
    CHECK_STR(dn, dp);
    /* Trained, the same model: same id, same training info (the names are in neither). */
    cr_model *mp = NULL, *mn = NULL;
    CHECK_OK(cr_train(plain, &defaults, &mp, &check_err));
    CHECK_OK(cr_train(named, &opt, &mn, &check_err));
    if (mp && mn) {
        CHECK_STR(cr_model_id(mn), cr_model_id(mp));
        cr_training_info ip, in;
        cr_model_training_info(mp, &ip);
        cr_model_training_info(mn, &in);
        CHECK(memcmp(&ip, &in, sizeof ip) == 0);
    }
    cr_model_free(mp);
    cr_model_free(mn);
    cr_dataset_free(plain);

    /* The reader copies the names: the options may go before it does. */
    cr_dataset *ds = fresh();
    cr_csv_reader *r = NULL;
    cr_train_options gone = opt;
    CHECK_OK(cr_csv_reader_create(ds, &gone, &r, &check_err));
    memset(&gone, 0, sizeof gone);
    CHECK_OK(cr_csv_feed(r, NAMED, strlen(NAMED), &check_err));
    CHECK_OK(cr_csv_finish(r, &check_err));
    CHECK_INT(cr_dataset_rows(ds), 5);
    cr_csv_reader_free(r);
    cr_dataset_free(ds);

    /* Errors name the columns as configured. */
    static const struct {
        const char *text, *field, *msg;
        cr_status st;
        long line, column;
    } bad[] = {
        {"spam_reports,has_consent,call_attempts_24h,label\n1,true,1,0\n", "is_spam", "CSV header: no column 'is_spam'",
         CR_E_MISSING, 1, 1},
        {"spam_reports,has_consent,call_attempts_24h,is_spam,is_spam\n", "is_spam",
         "CSV header: column 'is_spam' appears twice", CR_E_CSV, 1, 5},
        {"spam_reports,has_consent,call_attempts_24h,is_spam\n1,true,1,2\n", "is_spam",
         "field 'is_spam': must be 0 or 1, got '2'", CR_E_RANGE, 2, 4},
        {"spam_reports,has_consent,call_attempts_24h,is_spam\n1,true,1,\n", "is_spam", "field 'is_spam': empty value",
         CR_E_MISSING, 2, 4},
        {"spam_reports,has_consent,call_attempts_24h,is_spam,w\n1,true,1,0,abc\n", "w",
         "field 'w': must be a number, got 'abc'", CR_E_TYPE, 2, 5},
        {"spam_reports,has_consent,call_attempts_24h,is_spam,w\n1,true,1,0,-1\n", "w",
         "field 'w': must be a finite number >= 0, got -1", CR_E_RANGE, 2, 5},
        {"spam_reports,has_consent,call_attempts_24h,is_spam,w\n1,true,1,0,1e999\n", "w",
         "field 'w': must be a finite number >= 0, got inf", CR_E_RANGE, 2, 5},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        for (size_t chunk = 1; chunk <= 64; chunk *= 8) {
            ds = fresh();
            cr_error e;
            CHECK_ERR(read_with(ds, &opt, bad[i].text, chunk, &e), e, bad[i].st, bad[i].msg);
            CHECK_STR(e.field, bad[i].field);
            CHECK_INT(e.line, bad[i].line);
            CHECK_INT(e.column, bad[i].column);
            CHECK_INT(cr_dataset_rows(ds), 0);
            cr_dataset_free(ds);
        }

    /* Options that fail the check make no reader. */
    cr_error e;
    r = (cr_csv_reader *)&opt;
    strcpy(opt.weight_column, "spam_reports");
    CHECK_ERR(cr_csv_reader_create(named, &opt, &r, &e), e, CR_E_RANGE, "'spam_reports' is a field of the schema");
    CHECK_STR(e.field, "weight_column");
    CHECK(r == NULL);
    cr_dataset_free(named);
}

/* A NUL byte ('~' below) in any cell is refused, quoted or not, read or
   ignored: names and values are C text, where it would end them (a header
   "spam_reports\0x" read as spam_reports, an error echoing "1" for "1\0x"). */
static void expect_nul_rows(const char *text, long line, long column, const char *msg, size_t rows)
{
    char buf[256];
    const size_t n = strlen(text);
    for (size_t i = 0; i <= n; i++) buf[i] = text[i] == '~' ? 0 : text[i];
    for (size_t chunk = 1; chunk <= 64; chunk *= 8) {
        cr_dataset *ds = fresh();
        cr_csv_reader *r = NULL;
        cr_error e;
        CHECK_OK(cr_csv_reader_create(ds, NULL, &r, &check_err));
        cr_status st = CR_OK;
        size_t i = 0;
        for (; i + chunk < n && st == CR_OK; i += chunk) st = cr_csv_feed(r, buf + i, chunk, NULL);
        /* The failing feed, or (once failed) any later call: the same error. */
        CHECK_ERR(cr_csv_feed(r, buf + i, n - i, &e), e, CR_E_CSV, msg);
        CHECK_STR(e.field, "");
        CHECK_INT(e.line, line);
        CHECK_INT(e.column, column);
        CHECK_INT(cr_dataset_rows(ds), rows);
        cr_csv_reader_free(r);
        cr_dataset_free(ds);
    }
}

static void expect_nul(const char *text, long line, long column, const char *msg)
{
    expect_nul_rows(text, line, column, msg, 0);
}

static void test_nul_bytes(void)
{
    expect_nul("spam_reports~,has_consent,call_attempts_24h,label\n1,true,2,0\n", 1, 1,
               "CSV header: NUL byte in a column name (line 1, column 1)");
    expect_nul("spam_reports,has_consent,call_attempts_24h,label,\"no~te\"\n1,true,2,0,x\n", 1, 5,
               "CSV header: NUL byte in a column name (line 1, column 5)");
    expect_nul("spam_reports,has_consent,call_attempts_24h,label\n1~,true,2,0\n", 2, 1,
               "CSV: NUL byte in a value (line 2, column 1)");
    expect_nul("spam_reports,has_consent,call_attempts_24h,label\n1,true~x,2,0\n", 2, 2, "CSV: NUL byte in a value");
    expect_nul("spam_reports,has_consent,call_attempts_24h,label\n1,true,2,0~junk\n", 2, 4, "CSV: NUL byte in a value");
    expect_nul_rows("spam_reports,has_consent,call_attempts_24h,label,note\n1,true,2,0,x\n3,false,5,1,a~b\n", 3, 5,
                    "CSV: NUL byte in a value (line 3, column 5)", 1);
    expect_nul("spam_reports,has_consent,call_attempts_24h,label,note\n1,true,2,0,\"a\nb~\"\n", 2, 5,
               "CSV: NUL byte in a value");
    expect_nul("~", 1, 1, "CSV header: NUL byte in a column name");
}

int main(void)
{
    test_nul_bytes();
    test_good_any_chunking();
    test_bad_inputs();
    test_byte_order_mark();
    test_more_bad_inputs();
    test_line_ends();
    test_long_header_names();
    test_negative_zero_count();
    test_bad_arguments();
    test_failed_reader_stays_failed();
    test_named_columns();
    return check_done("test_csv");
}
