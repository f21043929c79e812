/* json.c - strict JSON reader: recursive descent into a flat token array. */
#include "json.h"
#include "numtext.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    cr_json_doc *doc;
    size_t pos;
    int depth;
    cr_error *err;
    /* Where the reader is, for an error to name: per open container (1 to
       depth), whether it is an object, and the key token of its current
       member (-1 before the first) or its current item's index. */
    uint8_t in_object[CR_JSON_DEPTH_MAX + 1];
    int at[CR_JSON_DEPTH_MAX + 1];
} parser;

static cr_status fail_named(parser *p, const char *field, const char *what)
{
    cr_status st = cr_fail(p->err, CR_E_JSON, field, "JSON: %s at byte %zu", what, p->pos + 1);
    if (p->err) p->err->column = (long)(p->pos + 1);
    return st;
}

static cr_status fail_at(parser *p, const char *what) { return fail_named(p, NULL, what); }

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

static cr_status fail_nul(parser *p, size_t at, int key);

/* A string; `key`: an object key. */
static cr_status parse_string(parser *p, int key)
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
                /* Every user of a string reads it as C text, where a NUL ends
                   it: "+1555\u0000x" would be the caller "+1555". */
                if (u == 0) return fail_nul(p, p->pos - 1, key);
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

/* Order of keys a and b by their unescaped text (unsigned bytes; a prefix
   first). */
static int text_cmp(const cr_json_doc *d, uint32_t a, uint32_t b)
{
    const cr_json_tok *ta = &d->tok[a], *tb = &d->tok[b];
    if (!ta->escaped && !tb->escaped) {
        const size_t la = ta->end - ta->start, lb = tb->end - tb->start;
        const int c = memcmp(d->src + ta->start, d->src + tb->start, la < lb ? la : lb);
        return c ? c : (la > lb) - (la < lb);
    }
    unescaper ua, ub;
    unescaper_init(&ua, d, (int)a);
    unescaper_init(&ub, d, (int)b);
    for (;;) {
        const int x = unescaped_byte(&ua), y = unescaped_byte(&ub);
        if (x != y) return x < y ? -1 : 1;
        if (x < 0) return 0;
    }
}

/* The first of the n keys of object `obj` (in the text's order) that repeats
   an earlier one, or 0 when none does. The keys are merge-sorted by text,
   stably: n log n comparisons whatever the keys (a hash could be flooded),
   and the first of a text comes first among its repeats. key and tmp hold n. */
static uint32_t first_repeat(const cr_json_doc *d, int obj, size_t n, uint32_t *key, uint32_t *tmp)
{
    key[0] = (uint32_t)obj + 1;
    for (size_t i = 1; i < n; i++) key[i] = d->tok[key[i - 1] + 1].next;   /* past the member's value */
    uint32_t *a = key, *b = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            const size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) b[o++] = text_cmp(d, a[j], a[i]) < 0 ? a[j++] : a[i++];
            while (i < mid) b[o++] = a[i++];
            while (j < hi) b[o++] = a[j++];
        }
        uint32_t *swap = a;
        a = b;
        b = swap;
    }
    uint32_t first = 0;   /* no key is token 0 */
    for (size_t i = 1; i < n; i++)
        if ((!first || a[i] < first) && text_cmp(d, a[i - 1], a[i]) == 0) first = a[i];
    return first;
}

static void path_of(const parser *p, int levels, char *buf, size_t cap);

/* Refuses a key of object `obj` (its first n; the object open at `level`)
   that repeats an earlier one, as at the repeat's closing quote, naming its
   path. */
static cr_status check_repeats(parser *p, int level, int obj, size_t n)
{
    uint32_t small[2 * 8], *key = small;   /* most objects are small */
    if (n < 2) return CR_OK;
    if (n > 8 && !(key = malloc(2 * n * sizeof *key)))
        return cr_fail(p->err, CR_E_NOMEM, NULL, "out of memory parsing JSON");
    const uint32_t k = first_repeat(p->doc, obj, n, key, key + n);
    if (key != small) free(key);
    if (!k) return CR_OK;
    char path[CR_MAX_NAME + 1], what[CR_MAX_NAME + 32];
    p->at[level] = (int)k;   /* the path to the repeat, not to the last key read */
    path_of(p, level, path, sizeof path);
    cr_bprintf(what, sizeof what, "duplicate key '%s'", path);
    p->pos = p->doc->tok[k].end + 1;
    return fail_named(p, path, what);
}

/* Into buf: the path of what is read at levels 1 to `levels`, as
   "reasons[0].feature" (cut short at cap). */
static void path_of(const parser *p, int levels, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = 0;
    for (int d = 1; d <= levels && o + 1 < cap; d++) {
        if (!p->in_object[d]) {
            o += cr_bprintf(buf + o, cap - o, "[%d]", p->at[d]);
            continue;
        }
        if (d > 1) buf[o++] = '.';
        unescaper u;
        unescaper_init(&u, p->doc, p->at[d]);
        for (int c; o + 1 < cap && (c = unescaped_byte(&u)) >= 0;) buf[o++] = (char)c;
        buf[o] = 0;
    }
}

static cr_status fail_nul(parser *p, size_t at, int key)
{
    char path[CR_MAX_NAME + 1];
    path_of(p, key ? p->depth - 1 : p->depth, path, sizeof path);
    cr_status st = cr_fail(p->err, CR_E_JSON, path, "JSON: NUL (\\u0000) in %s at byte %zu%s%s%s",
                           key ? "an object key" : "a string", at + 1, path[0] ? " (in '" : "", path,
                           path[0] ? "')" : "");
    if (p->err) p->err->column = (long)(at + 1);
    return st;
}

static cr_status parse_container(parser *p, int type)
{
    const char close = type == CR_JSON_OBJECT ? '}' : ']';
    const int level = ++p->depth;   /* p->depth stays deeper when a member fails */
    if (level > CR_JSON_DEPTH_MAX) return fail_at(p, "nesting too deep");
    int t = new_tok(p, type, p->pos++);
    if (t < 0) return cr_fail(p->err, CR_E_NOMEM, NULL, "out of memory parsing JSON");
    p->in_object[p->depth] = type == CR_JSON_OBJECT;
    p->at[p->depth] = -1;
    cr_status st = CR_OK;
    size_t keys = 0;   /* read, the current member's too */
    skip_ws(p);
    if (p->pos < p->doc->len && p->doc->src[p->pos] == close) {
        p->pos++;
    } else {
        for (;;) {
            skip_ws(p);
            if (type == CR_JSON_OBJECT) {
                if (p->pos >= p->doc->len || p->doc->src[p->pos] != '"') {
                    st = fail_at(p, "object key expected");
                    break;
                }
                int key = (int)p->doc->n;
                if ((st = parse_string(p, 1)) != CR_OK) break;
                keys++;
                p->at[p->depth] = key;
                skip_ws(p);
                if (p->pos >= p->doc->len || p->doc->src[p->pos] != ':') {
                    st = fail_at(p, "':' expected");
                    break;
                }
                p->pos++;
            } else {
                p->at[p->depth] = (int)p->doc->tok[t].count;
            }
            if ((st = parse_value(p)) != CR_OK) break;
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
            st = fail_at(p, type == CR_JSON_OBJECT ? "',' or '}' expected" : "',' or ']' expected");
            break;
        }
    }
    /* Repeated keys are looked for once the object is read, or has failed: a
       repeat comes before any later error, so it is the one reported, as
       when each key was compared with every earlier one (n^2 comparisons). */
    const cr_status dup = check_repeats(p, level, t, keys);
    if (dup != CR_OK) return dup;
    if (st != CR_OK) return st;
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
    case '"': return parse_string(p, 0);
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
    parser p = {.doc = doc, .err = err};
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

cr_status cr_json_integer(const cr_json_doc *doc, int t, int64_t *out)
{
    if (t < 0 || doc->tok[t].type != CR_JSON_NUMBER) return CR_E_TYPE;
    /* The parser checked the grammar cr_parse_whole() reads. */
    return cr_parse_whole(doc->src + doc->tok[t].start, doc->tok[t].end - doc->tok[t].start, out);
}

const char *cr_json_text(const cr_json_doc *doc, int t, char *buf, size_t cap)
{
    const size_t n = doc->tok[t].end - doc->tok[t].start;
    cr_bprintf(buf, cap, "%.*s", (int)(n < cap ? n : cap), doc->src + doc->tok[t].start);
    return buf;
}

const char *cr_json_type_name(int type)
{
    static const char *const names[] = {"object", "array", "string", "number", "true", "false", "null"};
    return type >= 0 && type <= CR_JSON_NULL ? names[type] : "?";
}
