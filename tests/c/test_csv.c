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

/* Feeds `text` in chunks of `chunk` bytes; returns the status of the whole read. */
static cr_status read_all(cr_dataset *ds, const char *text, size_t chunk, cr_error *e)
{
    cr_csv_reader *r = NULL;
    cr_status st = cr_csv_reader_create(ds, &r, e);
    size_t n = strlen(text);
    for (size_t i = 0; i < n && st == CR_OK; i += chunk)
        st = cr_csv_feed(r, text + i, i + chunk < n ? chunk : n - i, e);
    if (st == CR_OK) st = cr_csv_finish(r, e);
    cr_csv_reader_free(r);
    return st;
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
    expect_csv_error(ROW("1,true,1,2"), CR_E_TYPE, "label", 3, 4, "field 'label': must be 0 or 1, got '2'");
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
}

static void test_failed_reader_stays_failed(void)
{
    cr_dataset *ds = fresh();
    cr_csv_reader *r = NULL;
    cr_error e;
    CHECK_OK(cr_csv_reader_create(ds, &r, &check_err));
    const char *bad = "spam_reports,has_consent,call_attempts_24h,label\n1,x,1,0\n2,true,1,1\n";
    CHECK_ERR(cr_csv_feed(r, bad, strlen(bad), &e), e, CR_E_TYPE, "has_consent");
    CHECK_ERR(cr_csv_feed(r, "1,true,1,0\n", 11, &e), e, CR_E_TYPE, "has_consent");
    CHECK_ERR(cr_csv_finish(r, &e), e, CR_E_TYPE, "has_consent");
    CHECK_INT(cr_dataset_rows(ds), 0);
    cr_csv_reader_free(r);
    cr_dataset_free(ds);
}

int main(void)
{
    test_good_any_chunking();
    test_bad_inputs();
    test_byte_order_mark();
    test_failed_reader_stays_failed();
    return check_done("test_csv");
}
