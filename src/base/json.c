/* json.c - strict JSON reader: recursive descent into a flat token array. */
#include "json.h"
#include "numtext.h"

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

/* The code unit of \uXXXX at s + i (i at the 'u'), or -1. */
static long hex4(const char *s, size_t i, size_t len)
{
    long v = 0;
    for (int k = 1; k <= 4; k++) {
        if (i + k >= len || hexval(s[i + k]) < 0) return -1;
        v = v << 4 | hexval(s[i + k]);
    }
    return v;
}

/* Length of the UTF-8 sequence at s + i (shortest form, no surrogates, at
   most U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s, size_t i, size_t len)
{
    const unsigned c = s[i];
    const size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > len) return 0;
    unsigned cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < n; k++) {
        if ((s[i + k] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[i + k] & 0x3F);
    }
    static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

static cr_status parse_string(parser *p)
{
    const char *s = p->doc->src;
    size_t len = p->doc->len;
    int t = new_tok(p, CR_JSON_STRING, ++p->pos);
    if (t < 0) return cr_fail(p->err, CR_E_NOMEM, NULL, "out of memory parsing JSON");
    while (p->pos < len && s[p->pos] != '"') {
        unsigned char c = (unsigned char)s[p->pos];
        if (c < 0x20) return fail_at(p, "control character in string");
        if (c >= 0x80) {
            size_t n = utf8_len((const unsigned char *)s, p->pos, len);
            if (!n) return fail_at(p, "invalid UTF-8 in string");
            p->pos += n;
            continue;
        }
        if (c == '\\') {
            p->doc->tok[t].escaped = 1;
            if (++p->pos >= len) break;
            char e = s[p->pos];
            if (e == 'u') {
                const long u = hex4(s, p->pos, len);
                if (u < 0) return fail_at(p, "bad \\u escape");
                p->pos += 4;
                if (u >= 0xDC00 && u < 0xE000) return fail_at(p, "lone low surrogate \\u escape");
                if (u >= 0xD800 && u < 0xDC00) {   /* a high surrogate needs its low half next */
                    const long lo = p->pos + 2 < len && s[p->pos + 1] == '\\' && s[p->pos + 2] == 'u'
                                        ? hex4(s, p->pos + 2, len) : -1;
                    if (!(lo >= 0xDC00 && lo < 0xE000)) return fail_at(p, "lone high surrogate \\u escape");
                    p->pos += 6;
                }
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
    if (t < 0 || cr_parse_double(s + start, p->pos - start, &p->doc->tok[t].number) == CR_E_NOMEM)
        return cr_fail(p->err, CR_E_NOMEM, NULL, "out of memory parsing JSON");
    p->doc->tok[t].end = (uint32_t)p->pos;
    p->doc->tok[t].next = (uint32_t)p->doc->n;
    return CR_OK;
}

/* One unescaped byte of a (validated) string at a time: keys are compared
   by their text, whatever escapes spell it. */
typedef struct {
    const char *s;
    size_t i, end;
    char out[4];
    size_t n, k;
} unescaper;

static size_t put_utf8(char *o, unsigned cp);

static void unescaper_init(unescaper *u, const cr_json_doc *d, int t)
{
    *u = (unescaper){d->src, d->tok[t].start, d->tok[t].end, {0}, 0, 0};
}

/* Next byte, or -1 at the end. */
static int unescaped_byte(unescaper *u)
{
    if (u->k == u->n) {
        if (u->i >= u->end) return -1;
        u->k = 0;
        u->n = 1;
        u->out[0] = u->s[u->i];
        if (u->s[u->i] != '\\') {
            u->i++;
        } else if (u->s[u->i + 1] != 'u') {
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            u->out[0] = to[strchr(from, u->s[u->i + 1]) - from];
            u->i += 2;
        } else {
            unsigned cp = (unsigned)hex4(u->s, u->i + 1, u->end);
            u->i += 6;
            if (cp >= 0xD800 && cp < 0xDC00) {   /* validated: its low half follows */
                cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned)hex4(u->s, u->i + 1, u->end) - 0xDC00);
                u->i += 6;
            }
            u->n = put_utf8(u->out, cp);
        }
    }
    return (unsigned char)u->out[u->k++];
}

static int same_text(const cr_json_doc *d, int a, int b)
{
    const cr_json_tok *ta = &d->tok[a], *tb = &d->tok[b];
    if (!ta->escaped && !tb->escaped)
        return ta->end - ta->start == tb->end - tb->start &&
               memcmp(d->src + ta->start, d->src + tb->start, ta->end - ta->start) == 0;
    unescaper ua, ub;
    unescaper_init(&ua, d, a);
    unescaper_init(&ub, d, b);
    for (;;) {
        const int x = unescaped_byte(&ua), y = unescaped_byte(&ub);
        if (x != y) return 0;
        if (x < 0) return 1;
    }
}

static int key_seen(const cr_json_doc *d, int obj, int key)
{
    for (int k = obj + 1; k < key; k = (int)d->tok[d->tok[k].next].next)
        if (same_text(d, k, key)) return 1;
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
        if (!t->escaped) {
            if (t->end - t->start == klen && memcmp(doc->src + t->start, key, klen) == 0) return v;
        } else {
            unescaper u;
            unescaper_init(&u, doc, k);
            size_t i = 0;
            int b;
            while ((b = unescaped_byte(&u)) >= 0 && i < klen && b == (unsigned char)key[i]) i++;
            if (b < 0 && i == klen) return v;
        }
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
    unescaper u;
    unescaper_init(&u, doc, t);
    size_t o = 0;
    for (int b; (b = unescaped_byte(&u)) >= 0;) {
        if (o + 1 >= cap) return 0;
        dst[o++] = (char)b;
    }
    dst[o] = 0;
    return 1;
}

size_t cr_json_string_length(const cr_json_doc *doc, int t)
{
    unescaper u;
    unescaper_init(&u, doc, t);
    size_t n = 0;
    while (unescaped_byte(&u) >= 0) n++;
    return n;
}

int cr_json_number(const cr_json_doc *doc, int t, double *out)
{
    if (t < 0 || doc->tok[t].type != CR_JSON_NUMBER) return 0;
    *out = doc->tok[t].number;
    return 1;
}

const char *cr_json_type_name(int type)
{
    static const char *const names[] = {"object", "array", "string", "number", "true", "false", "null"};
    return type >= 0 && type <= CR_JSON_NULL ? names[type] : "?";
}
