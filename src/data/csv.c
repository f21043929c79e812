/* csv.c - streaming CSV reader feeding a data set (RFC 4180 quoting). */
#include "internal.h"
#include "numtext.h"

#include <stdlib.h>
#include <string.h>

#define MAX_COLUMNS 256
#define MAX_CELL 256

enum { ROLE_IGNORE = -1, ROLE_LABEL = -2, ROLE_WEIGHT = -3 };
enum { S_START, S_UNQUOTED, S_QUOTED, S_QUOTE_IN_QUOTED };

struct cr_csv_reader_s {
    cr_dataset *ds;
    char label_column[CR_MAX_NAME + 1];    /* copied: the options need not outlive the reader */
    char weight_column[CR_MAX_NAME + 1];
    int state;
    int header_done;
    int bom_checked;
    int prev_cr;
    long line;          /* line of the current row's first character */
    long cur_line;      /* physical line being read */
    size_t ncols;       /* columns in the header */
    size_t col;         /* current column in the row */
    int role[MAX_COLUMNS];
    char names[MAX_COLUMNS][CR_MAX_NAME + 1];
    char cell[MAX_CELL + 1];
    size_t cell_len;
    int cell_quoted;
    int row_has_content;
    double fields[CR_MAX_FIELDS];
    int label;
    double weight;
    cr_status failed;
    cr_error failure;
};

/* Fills err (or a local error when it is NULL) with the message and the
   position, and makes the reader fail with it for good. */
static cr_status fail_at(cr_csv_reader *r, cr_error *err, cr_status st, const char *field,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static cr_status fail_at(cr_csv_reader *r, cr_error *err, cr_status st, const char *field,
                         const char *fmt, ...)
{
    cr_error local;
    cr_error *e = err ? err : &local;
    va_list ap;
    va_start(ap, fmt);
    cr_failv(e, st, field, fmt, ap);
    va_end(ap);
    size_t n = strlen(e->message);
    cr_bprintf(e->message + n, sizeof e->message - n, " (line %ld, column %zu)", r->line, r->col + 1);
    e->line = r->line;
    e->column = (long)r->col + 1;
    r->failure = *e;
    r->failed = st;
    return st;
}

cr_status cr_csv_reader_create(cr_dataset *ds, const cr_train_options *opt, cr_csv_reader **out, cr_error *err)
{
    if (out) *out = NULL;
    if (!ds || !out) return cr_fail(err, CR_E_ARG, NULL, "data set or out is NULL");
    cr_train_options defaults;
    if (!opt) {
        cr_train_options_init(&defaults);
        opt = &defaults;
    }
    const cr_status st = cr_train_options_check(opt, &ds->schema, err);
    if (st != CR_OK) return st;
    cr_csv_reader *r = calloc(1, sizeof *r);
    if (!r) return cr_fail(err, CR_E_NOMEM, NULL, "out of memory allocating CSV reader");
    r->ds = ds;
    strcpy(r->label_column, opt->label_column);
    strcpy(r->weight_column, opt->weight_column);
    r->line = r->cur_line = 1;
    r->weight = 1.0;
    *out = r;
    return CR_OK;
}

void cr_csv_reader_free(cr_csv_reader *r) { free(r); }

static void trim(cr_csv_reader *r, const char **s, size_t *n)
{
    *s = r->cell;
    *n = r->cell_len;
    if (r->cell_quoted) return;
    while (*n && ((*s)[0] == ' ' || (*s)[0] == '\t')) (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) (*n)--;
}

/* A count: an optional '-' and digits, read exactly (a double would read
   2^53 + 1 as 2^53): CR_OK with *v within +-2^53 ("-0" is 0), CR_E_RANGE
   for a whole number beyond, however many digits; CR_E_TYPE for any other
   text. */
static cr_status parse_count(const char *s, size_t n, int64_t *v)
{
    const size_t sign = n && s[0] == '-';
    if (n == sign) return CR_E_TYPE;
    for (size_t i = sign; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return CR_E_TYPE;
    return cr_parse_whole(s, n, v);
}

static int parse_real(const char *s, size_t n, double *v)
{
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++)   /* (no cell holds a NUL, which strchr() would find) */
        if (!strchr("0123456789+-.eE", s[i])) return 0;
    return cr_parse_double(s, n, v) == CR_OK;   /* n <= MAX_CELL: no allocation */
}

static int word_is(const char *s, size_t n, const char *w)
{
    if (strlen(w) != n) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
        if (c != w[i]) return 0;
    }
    return 1;
}

static cr_status end_cell(cr_csv_reader *r, cr_error *err)
{
    const char *s;
    size_t n;
    trim(r, &s, &n);
    if (!r->header_done) {
        if (r->col >= MAX_COLUMNS)
            return fail_at(r, err, CR_E_CSV, NULL, "CSV header: more than 256 columns");
        if (n > CR_MAX_NAME) n = 0;   /* longer than any field name: an ignored column */
        memcpy(r->names[r->col], s, n);
        r->names[r->col][n] = 0;
        r->col++;
        return CR_OK;
    }
    if (r->col >= r->ncols)
        return fail_at(r, err, CR_E_CSV, NULL, "CSV row has more columns than the header");
    const int role = r->role[r->col];
    const char *name = r->names[r->col];
    char text[48];
    cr_bprintf(text, sizeof text, "%.*s", (int)(n < 40 ? n : 40), s);
    if (role == ROLE_IGNORE) {
        r->col++;
        return CR_OK;
    }
    if (n == 0)
        return fail_at(r, err, CR_E_MISSING, name, "field '%s': empty value", name);
    if (role == ROLE_LABEL) {
        if (!(n == 1 && (s[0] == '0' || s[0] == '1'))) {
            /* Another whole number is out of range, as in rows (cr_dataset_add_rows()); anything else the wrong type. */
            double v;
            /* |v| >= 2^53 is whole; below, the cast is defined and exact. */
            const int whole = parse_real(s, n, &v) && v - v == 0 && v != 0 && v != 1 &&
                              (v >= 9007199254740992.0 || v <= -9007199254740992.0 || v == (double)(int64_t)v);
            return fail_at(r, err, whole ? CR_E_RANGE : CR_E_TYPE, name, "field '%s': must be 0 or 1, got '%s'", name,
                           text);
        }
        r->label = s[0] - '0';
    } else if (role == ROLE_WEIGHT) {
        if (!parse_real(s, n, &r->weight))
            return fail_at(r, err, CR_E_TYPE, name, "field '%s': must be a number, got '%s'", name, text);
        /* The data set's own check would name the column 'weight', not as the header does. */
        if (!(r->weight >= 0) || r->weight - r->weight != 0)
            return fail_at(r, err, CR_E_RANGE, name, "field '%s': must be a finite number >= 0, got %.17g", name,
                           r->weight);
    } else {
        const cr_schema *sc = &r->ds->schema;
        double v = 0;
        int64_t count = 0;
        int ok;
        const char *want;
        switch ((cr_field_type)sc->field_type[role]) {
        case CR_FIELD_COUNT: {   /* as cr_schema_check_value() judges the number: -0 is 0 */
            const cr_status why = parse_count(s, n, &count);
            if (why != CR_E_TYPE && s[0] == '-' && (why != CR_OK || count < 0))
                return fail_at(r, err, CR_E_RANGE, name, "field '%s': must be an integer >= 0, got '%s'", name,
                               text);
            if (why == CR_E_RANGE)
                return fail_at(r, err, CR_E_RANGE, name, "field '%s': must be at most 2^53 (9007199254740992), got "
                               "'%s'", name, text);
            ok = why == CR_OK;
            v = (double)count;
            want = "an integer >= 0";
            break;
        }
        case CR_FIELD_BOOL:
            ok = 1;
            if (word_is(s, n, "true") || (n == 1 && s[0] == '1')) v = 1;
            else if (word_is(s, n, "false") || (n == 1 && s[0] == '0')) v = 0;
            else ok = 0;
            want = "true, false, 1 or 0";
            break;
        default:
            ok = parse_real(s, n, &v);
            want = "a number";
            break;
        }
        if (!ok) {
            char msg[96];
            cr_bprintf(msg, sizeof msg, "must be %s, got '%s'", want, text);
            return fail_at(r, err, CR_E_TYPE, name, "field '%s': %s", name, msg);
        }
        r->fields[role] = v;
    }
    r->col++;
    return CR_OK;
}

static cr_status end_header(cr_csv_reader *r, cr_error *err)
{
    const cr_schema *sc = &r->ds->schema;
    r->ncols = r->col;
    int seen_field[CR_MAX_FIELDS] = {0}, seen_label = 0, seen_weight = 0;
    for (size_t c = 0; c < r->ncols; c++) {
        r->col = c;
        int role = cr_schema_field_index(sc, r->names[c]);
        if (role < 0) role = strcmp(r->names[c], r->label_column) == 0    ? ROLE_LABEL
                             : strcmp(r->names[c], r->weight_column) == 0 ? ROLE_WEIGHT
                                                                          : ROLE_IGNORE;
        int *seen = role >= 0 ? &seen_field[role] : role == ROLE_LABEL ? &seen_label
                                                  : role == ROLE_WEIGHT ? &seen_weight : NULL;
        if (seen && (*seen)++)
            return fail_at(r, err, CR_E_CSV, r->names[c], "CSV header: column '%s' appears twice", r->names[c]);
        r->role[c] = role;
    }
    r->col = 0;
    for (size_t i = 0; i < sc->n_fields; i++)
        if (!seen_field[i])
            return fail_at(r, err, CR_E_MISSING, sc->field_name[i], "CSV header: no column '%s'", sc->field_name[i]);
    if (!seen_label)
        return fail_at(r, err, CR_E_MISSING, r->label_column, "CSV header: no column '%s'", r->label_column);
    r->header_done = 1;
    return CR_OK;
}

static cr_status end_row(cr_csv_reader *r, cr_error *err)
{
    cr_status st;
    /* Blank line: a comma or an opening quote is content, and so is every
       pushed byte; only the bytes of a partial BOM are not. */
    if (!r->row_has_content && r->cell_len == 0) return CR_OK;
    if ((st = end_cell(r, err)) != CR_OK) return st;
    if (!r->header_done) return end_header(r, err);
    if (r->col != r->ncols) {
        size_t got = r->col;   /* >= 1: end_cell() counted the last cell */
        r->col = got - 1;
        return fail_at(r, err, CR_E_CSV, NULL, "CSV row has %zu columns, the header has %zu", got, r->ncols);
    }
    r->col = 0;
    cr_error e;
    st = cr_dataset_add(r->ds, r->fields, r->label, r->weight, &e);
    if (st == CR_OK) return CR_OK;
    for (size_t c = 0; c < r->ncols && e.field[0]; c++)   /* no field (out of memory): the row */
        if (strcmp(r->names[c], e.field) == 0) r->col = c;
    return fail_at(r, err, st, e.field[0] ? e.field : NULL, "%s", e.message);
}

static void reset_row(cr_csv_reader *r)
{
    r->col = 0;
    r->cell_len = 0;
    r->cell_quoted = 0;
    r->row_has_content = 0;
    r->weight = 1.0;
    r->label = 0;
    r->line = r->cur_line;
}

static cr_status push(cr_csv_reader *r, char c, cr_error *err)
{
    if (r->cell_len == MAX_CELL)
        return fail_at(r, err, CR_E_CSV, NULL, "CSV value longer than 256 bytes");
    /* Names and values are read as C text, where a NUL ends them: a header
       "spam_reports\0x" would be the column spam_reports. */
    if (c == 0)
        return fail_at(r, err, CR_E_CSV, NULL, r->header_done ? "CSV: NUL byte in a value"
                                                             : "CSV header: NUL byte in a column name");
    r->cell[r->cell_len++] = c;
    r->row_has_content = 1;
    return CR_OK;
}

cr_status cr_csv_feed(cr_csv_reader *r, const char *data, size_t len, cr_error *err)
{
    if (!r || (!data && len)) return cr_fail(err, CR_E_ARG, NULL, "reader or data is NULL");
    if (r->failed) {
        if (err) *err = r->failure;
        return r->failed;
    }
    cr_status st = CR_OK;
    for (size_t i = 0; i < len && st == CR_OK; i++) {
        char c = data[i];
        if (!r->bom_checked) {
            /* A UTF-8 byte order mark before the header is skipped. Until the
               first byte that does not continue it, the reader is at the
               start of the first cell, holding the bytes that did. */
            static const unsigned char BOM[3] = {0xEF, 0xBB, 0xBF};
            if ((unsigned char)c == BOM[r->cell_len]) {
                r->cell[r->cell_len++] = c;
                if (r->cell_len == 3) r->cell_len = 0, r->bom_checked = 1;
                continue;
            }
            r->bom_checked = 1;
        }
        if (r->prev_cr && c == '\n') {  /* CRLF: the CR already ended the line */
            r->prev_cr = 0;
            continue;
        }
        r->prev_cr = 0;
        switch (r->state) {
        case S_QUOTED:
            if (c == '"') r->state = S_QUOTE_IN_QUOTED;
            else {
                if (c == '\n') r->cur_line++;
                st = push(r, c, err);
            }
            break;
        case S_QUOTE_IN_QUOTED:
            if (c == '"') {
                r->state = S_QUOTED;
                st = push(r, c, err);
                break;
            }
            r->state = S_UNQUOTED;
            if (c != ',' && c != '\n' && c != '\r')
                st = fail_at(r, err, CR_E_CSV, NULL, "CSV: text after a closing quote");
            /* fall through */
        case S_START:
        case S_UNQUOTED:
            if (st != CR_OK) break;
            if (c == ',') {
                st = end_cell(r, err);
                r->cell_len = 0;
                r->cell_quoted = 0;
                r->row_has_content = 1;
                r->state = S_START;
            } else if (c == '\n' || c == '\r') {
                r->prev_cr = c == '\r';
                r->cur_line++;
                st = end_row(r, err);
                reset_row(r);
                r->state = S_START;
            } else if (c == '"' && r->state == S_START && r->cell_len == 0) {
                r->cell_quoted = 1;
                r->row_has_content = 1;
                r->state = S_QUOTED;
            } else if (c == '"') {
                st = fail_at(r, err, CR_E_CSV, NULL, "CSV: quote inside an unquoted value");
            } else {
                r->state = S_UNQUOTED;
                st = push(r, c, err);
            }
            break;
        }
    }
    return st;
}

cr_status cr_csv_finish(cr_csv_reader *r, cr_error *err)
{
    if (!r) return cr_fail(err, CR_E_ARG, NULL, "reader is NULL");
    if (r->failed) {
        if (err) *err = r->failure;
        return r->failed;
    }
    if (r->state == S_QUOTED) return fail_at(r, err, CR_E_CSV, NULL, "CSV: unterminated quoted value");
    cr_status st = end_row(r, err);
    reset_row(r);
    r->state = S_START;
    if (st == CR_OK && !r->header_done)
        st = fail_at(r, err, CR_E_CSV, NULL, "CSV: no header row");
    if (st == CR_OK) r->failed = CR_E_STATE;   /* finished: further input is a call out of order */
    if (st == CR_OK) {
        r->failure.status = CR_E_STATE;
        cr_bprintf(r->failure.message, sizeof r->failure.message, "CSV reader already finished");
    }
    return st;
}
