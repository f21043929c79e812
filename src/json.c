/* json.c - strict JSON reader: recursive descent into a flat token array. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct {
    cr_json_doc *doc;
    size_t pos;
    int depth;
    cr_error *err;
} parser;

static cr_status fail_at(parser *p, const char *what)
{
    cr_status st = cr_fail(p->err, CR_E_JSON, NULL, "JSON: %s at byte %zu", what, p->pos + 1);
    if (p->err) p->err->column = (long)(p->pos + 1);
    return st;
}

static void skip_ws(parser *p)
{
    const char *s = p->doc->src;
    while (p->pos < p->doc->len &&
           (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n' || s[p->pos] == '\r'))
        p->pos++;
}

static int new_tok(parser *p, int type, size_t start)
{
    cr_json_doc *d = p->doc;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 32;
        cr_json_tok *t = realloc(d->tok, cap * sizeof *t);
        if (!t) return -1;
        d->tok = t;
        d->cap = cap;
    }
    cr_json_tok *t = &d->tok[d->n];
    memset(t, 0, sizeof *t);
    t->type = (uint8_t)type;
    t->start = t->end = (uint32_t)start;
    return (int)d->n++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static cr_status parse_value(parser *p);

static cr_status parse_string(parser *p)
{
    const char *s = p->doc->src;
    size_t len = p->doc->len;
    int t = new_tok(p, CR_JSON_STRING, ++p->pos);
    if (t < 0) return cr_fail(p->err, CR_E_NOMEM, NULL, "out of memory parsing JSON");
    while (p->pos < len && s[p->pos] != '"') {
        unsigned char c = (unsigned char)s[p->pos];
        if (c < 0x20) return fail_at(p, "control character in string");
        if (c == '\\') {
            if (++p->pos >= len) break;
            char e = s[p->pos];
            if (e == 'u') {
                for (int k = 1; k <= 4; k++)
                    if (p->pos + k >= len || hexval(s[p->pos + k]) < 0) return fail_at(p, "bad \\u escape");
                p->pos += 4;
            } else if (!strchr("\"\\/bfnrt", e) || e == 0) {
                return fail_at(p, "bad escape in string");
            }
        }
        p->pos++;
    }
    if (p->pos >= len) return fail_at(p, "unterminated string");
    p->doc->tok[t].end = (uint32_t)p->pos++;
    p->doc->tok[t].next = (uint32_t)p->doc->n;
    return CR_OK;
}

static cr_status parse_number(parser *p)
{
    const char *s = p->doc->src;
    size_t len = p->doc->len, start = p->pos;
#define DIGIT(i) ((i) < len && s[i] >= '0' && s[i] <= '9')
    if (p->pos < len && s[p->pos] == '-') p->pos++;
    if (!DIGIT(p->pos)) return fail_at(p, "bad number");
    if (s[p->pos] == '0') p->pos++;
    else while (DIGIT(p->pos)) p->pos++;
    if (p->pos < len && s[p->pos] == '.') {
        p->pos++;
        if (!DIGIT(p->pos)) return fail_at(p, "bad number (digit expected after '.')");
        while (DIGIT(p->pos)) p->pos++;
    }
    if (p->pos < len && (s[p->pos] == 'e' || s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < len && (s[p->pos] == '+' || s[p->pos] == '-')) p->pos++;
        if (!DIGIT(p->pos)) return fail_at(p, "bad number (digit expected in exponent)");
        while (DIGIT(p->pos)) p->pos++;
    }
#undef DIGIT
    int t = new_tok(p, CR_JSON_NUMBER, start);
    if (t < 0) return cr_fail(p->err, CR_E_NOMEM, NULL, "out of memory parsing JSON");
    p->doc->tok[t].end = (uint32_t)p->pos;
    p->doc->tok[t].next = (uint32_t)p->doc->n;
    return CR_OK;
}

static int key_seen(const cr_json_doc *d, int obj, int key)
{
    size_t klen = d->tok[key].end - d->tok[key].start;
    for (int k = obj + 1; k < key; k = (int)d->tok[d->tok[k].next].next) {
        if (d->tok[k].end - d->tok[k].start == klen &&
            memcmp(d->src + d->tok[k].start, d->src + d->tok[key].start, klen) == 0)
            return 1;
    }
    return 0;
}

static cr_status parse_container(parser *p, int type)
{
    const char close = type == CR_JSON_OBJECT ? '}' : ']';
    if (++p->depth > MAX_DEPTH) return fail_at(p, "nesting too deep");
    int t = new_tok(p, type, p->pos++);
    if (t < 0) return cr_fail(p->err, CR_E_NOMEM, NULL, "out of memory parsing JSON");
    skip_ws(p);
    if (p->pos < p->doc->len && p->doc->src[p->pos] == close) {
        p->pos++;
    } else {
        for (;;) {
            skip_ws(p);
            cr_status st;
            if (type == CR_JSON_OBJECT) {
                if (p->pos >= p->doc->len || p->doc->src[p->pos] != '"') return fail_at(p, "object key expected");
                int key = (int)p->doc->n;
                if ((st = parse_string(p)) != CR_OK) return st;
                if (key_seen(p->doc, t, key)) return fail_at(p, "duplicate object key");
                skip_ws(p);
                if (p->pos >= p->doc->len || p->doc->src[p->pos] != ':') return fail_at(p, "':' expected");
                p->pos++;
            }
            if ((st = parse_value(p)) != CR_OK) return st;
            p->doc->tok[t].count++;
            skip_ws(p);
            if (p->pos < p->doc->len && p->doc->src[p->pos] == ',') {
                p->pos++;
                continue;
            }
            if (p->pos < p->doc->len && p->doc->src[p->pos] == close) {
                p->pos++;
                break;
            }
            return fail_at(p, type == CR_JSON_OBJECT ? "',' or '}' expected" : "',' or ']' expected");
        }
    }
    p->doc->tok[t].end = (uint32_t)p->pos;
    p->doc->tok[t].next = (uint32_t)p->doc->n;
    p->depth--;
    return CR_OK;
}

static cr_status parse_literal(parser *p, const char *word, int type)
{
    size_t n = strlen(word);
    if (p->doc->len - p->pos < n || memcmp(p->doc->src + p->pos, word, n) != 0)
        return fail_at(p, "unexpected character");
    int t = new_tok(p, type, p->pos);
    if (t < 0) return cr_fail(p->err, CR_E_NOMEM, NULL, "out of memory parsing JSON");
    p->pos += n;
    p->doc->tok[t].end = (uint32_t)p->pos;
    p->doc->tok[t].next = (uint32_t)p->doc->n;
    return CR_OK;
}

static cr_status parse_value(parser *p)
{
    skip_ws(p);
    if (p->pos >= p->doc->len) return fail_at(p, "unexpected end of input");
    char c = p->doc->src[p->pos];
    switch (c) {
    case '{': return parse_container(p, CR_JSON_OBJECT);
    case '[': return parse_container(p, CR_JSON_ARRAY);
    case '"': return parse_string(p);
    case 't': return parse_literal(p, "true", CR_JSON_TRUE);
    case 'f': return parse_literal(p, "false", CR_JSON_FALSE);
    case 'n': return parse_literal(p, "null", CR_JSON_NULL);
    default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number(p);
        return fail_at(p, "unexpected character");
    }
}

cr_status cr_json_parse(const char *src, size_t len, cr_json_doc *doc, cr_error *err)
{
    memset(doc, 0, sizeof *doc);
    doc->src = src;
    doc->len = len;
    if (!src && len) return cr_fail(err, CR_E_ARG, NULL, "JSON text is NULL");
    if (len >= UINT32_MAX) return cr_fail(err, CR_E_RANGE, NULL, "JSON text longer than 4 GiB");
    parser p = {doc, 0, 0, err};
    cr_status st = parse_value(&p);
    if (st == CR_OK) {
        skip_ws(&p);
        if (p.pos != len) st = fail_at(&p, "trailing characters after the value");
    }
    if (st != CR_OK) cr_json_free(doc);
    return st;
}

void cr_json_free(cr_json_doc *doc)
{
    free(doc->tok);
    doc->tok = NULL;
    doc->n = doc->cap = 0;
}

int cr_json_get(const cr_json_doc *doc, int obj, const char *key)
{
    if (obj < 0 || doc->tok[obj].type != CR_JSON_OBJECT) return -1;
    size_t klen = strlen(key);
    int k = obj + 1;
    for (uint32_t m = 0; m < doc->tok[obj].count; m++) {
        const cr_json_tok *t = &doc->tok[k];
        int v = k + 1;
        /* Keys are compared raw: every key this library looks up is plain ASCII. */
        if (t->end - t->start == klen && memcmp(doc->src + t->start, key, klen) == 0) return v;
        k = (int)doc->tok[v].next;
    }
    return -1;
}

int cr_json_item(const cr_json_doc *doc, int arr, size_t k)
{
    if (arr < 0 || doc->tok[arr].type != CR_JSON_ARRAY || k >= doc->tok[arr].count) return -1;
    int t = arr + 1;
    while (k--) t = (int)doc->tok[t].next;
    return t;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 63)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | (cp >> 6 & 63)); o[2] = (char)(0x80 | (cp & 63));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | (cp >> 12 & 63));
    o[2] = (char)(0x80 | (cp >> 6 & 63)); o[3] = (char)(0x80 | (cp & 63));
    return 4;
}

int cr_json_string(const cr_json_doc *doc, int t, char *dst, size_t cap)
{
    if (t < 0 || doc->tok[t].type != CR_JSON_STRING || cap == 0) return 0;
    const char *s = doc->src;
    size_t o = 0;
    for (size_t i = doc->tok[t].start; i < doc->tok[t].end; i++) {
        char buf[4];
        size_t n = 1;
        buf[0] = s[i];
        if (s[i] == '\\') {
            char e = s[++i];
            if (e == 'u') {
                unsigned cp = 0;
                for (int k = 1; k <= 4; k++) cp = cp << 4 | (unsigned)hexval(s[i + k]);
                i += 4;
                if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < doc->tok[t].end && s[i + 1] == '\\' &&
                    s[i + 2] == 'u') {
                    unsigned lo = 0;
                    for (int k = 3; k <= 6; k++) lo = lo << 4 | (unsigned)hexval(s[i + k]);
                    if (lo >= 0xDC00 && lo < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        i += 6;
                    }
                }
                n = put_utf8(buf, cp);
            } else {
                static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
                buf[0] = to[strchr(from, e) - from];
            }
        }
        if (o + n >= cap) return 0;
        memcpy(dst + o, buf, n);
        o += n;
    }
    dst[o] = 0;
    return 1;
}

int cr_json_number(const cr_json_doc *doc, int t, double *out)
{
    if (t < 0 || doc->tok[t].type != CR_JSON_NUMBER) return 0;
    char buf[400];
    size_t n = doc->tok[t].end - doc->tok[t].start;
    if (n >= sizeof buf) return 0;
    memcpy(buf, doc->src + doc->tok[t].start, n);
    buf[n] = 0;
    *out = strtod(buf, NULL);
    return 1;
}

const char *cr_json_type_name(int type)
{
    static const char *const names[] = {"object", "array", "string", "number", "true", "false", "null"};
    return type >= 0 && type <= CR_JSON_NULL ? names[type] : "?";
}
