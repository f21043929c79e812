/* text.c - bounded text output for the core's JSON writers: appends past
 * the capacity are counted, not written, so one pass sizes and a second
 * fills (the text buffer contract of include/callrisk.h: *size is the
 * text's length, the buffer needs one more byte for the NUL). */
#include "internal.h"
#include "numtext.h"

#include <stdarg.h>
#include <string.h>

void cr_text_put(cr_text *t, const char *s, size_t n)
{
    if (t->len < t->cap) {
        size_t room = t->cap - t->len;
        memcpy(t->buf + t->len, s, n < room ? n : room);
    }
    t->len += n;
}

void cr_text_str(cr_text *t, const char *s) { cr_text_put(t, s, strlen(s)); }

/* The conversions the core uses, no more: %s %c %d %i %u %x with the h, l,
   ll and z sizes, the 0 flag, a width, a precision for strings (".N" or
   ".*"), %g/%e/%f as the shortest round-trip text (cr_format_double; a
   precision is ignored) and %%. Locale-free, and no libc printf in the
   module. */
void cr_text_vprintf(cr_text *t, const char *fmt, va_list ap)
{
    while (*fmt) {
        if (*fmt != '%') {
            const char *plain = fmt;
            while (*fmt && *fmt != '%') fmt++;
            cr_text_put(t, plain, (size_t)(fmt - plain));
            continue;
        }
        fmt++;
        const int zero = *fmt == '0';
        fmt += zero;
        size_t width = 0, prec = (size_t)-1;
        for (; *fmt >= '0' && *fmt <= '9'; fmt++) width = width * 10 + (size_t)(*fmt - '0');
        if (*fmt == '.') {
            prec = 0;
            if (*++fmt == '*') {
                const int p = va_arg(ap, int);
                prec = p < 0 ? (size_t)-1 : (size_t)p;
                fmt++;
            } else {
                for (; *fmt >= '0' && *fmt <= '9'; fmt++) prec = prec * 10 + (size_t)(*fmt - '0');
            }
        }
        int size = 0;   /* 0 int (and h), 1 long, 2 long long, 3 size_t */
        while (*fmt == 'h') fmt++;
        if (*fmt == 'z') {
            size = 3;
            fmt++;
        }
        for (; *fmt == 'l' && size < 2; fmt++) size++;
        char num[32];
        const char *out = num;
        size_t len = 0;
        unsigned long long u = 0;
        int neg = 0;
        const char conv = *fmt ? *fmt++ : '%';
        switch (conv) {
        case 's':
            out = va_arg(ap, const char *);
            if (!out) out = "(null)";
            while (len < prec && out[len]) len++;   /* never reads past the precision */
            break;
        case 'c':
            num[len++] = (char)va_arg(ap, int);
            break;
        case 'd':
        case 'i': {
            const long long v = size == 2 ? va_arg(ap, long long) : size == 1 ? va_arg(ap, long)
                              : size == 3 ? (long long)va_arg(ap, size_t) : va_arg(ap, int);
            neg = v < 0;
            u = neg ? 0 - (unsigned long long)v : (unsigned long long)v;
            break;
        }
        case 'u':
        case 'x':
            u = size == 2 ? va_arg(ap, unsigned long long) : size == 1 ? va_arg(ap, unsigned long)
              : size == 3 ? va_arg(ap, size_t) : va_arg(ap, unsigned);
            break;
        case 'e':
        case 'f':
        case 'g':
            len = cr_format_double(num, va_arg(ap, double));
            break;
        default:   /* %% (the format attribute rejects the rest at compile time) */
            num[len++] = conv;
            break;
        }
        if (conv == 'd' || conv == 'i' || conv == 'u' || conv == 'x') {
            const unsigned base = conv == 'x' ? 16 : 10;
            char *end = num + sizeof num, *p = end;
            do {
                *--p = "0123456789abcdef"[u % base];
                u /= base;
            } while (u);
            if (neg) *--p = '-';
            out = p;
            len = (size_t)(end - p);
        }
        if (width > len) {
            /* zero padding goes after the sign */
            if (zero && len && out[0] == '-' && conv != 's' && conv != 'c') {
                cr_text_put(t, out, 1);
                out++;
                len--;
                width--;
            }
            for (size_t i = len; i < width; i++) cr_text_put(t, zero ? "0" : " ", 1);
        }
        cr_text_put(t, out, len);
    }
}

void cr_text_printf(cr_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cr_text_vprintf(t, fmt, ap);
    va_end(ap);
}

size_t cr_vbprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    cr_text t = {buf, size ? size - 1 : 0, 0};
    cr_text_vprintf(&t, fmt, ap);
    if (size) buf[t.len < t.cap ? t.len : t.cap] = 0;
    return t.len;
}

size_t cr_bprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const size_t n = cr_vbprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* t->buf once cr_text_double() was given NaN or an infinity, which JSON
   cannot hold: nothing more is written, and cr_text_end() refuses the text
   (an internal error: the core's writers are given finite numbers). */
static char refused;

void cr_text_double(cr_text *t, double v)
{
    /* The shortest text that reads back, as JavaScript writes it: the C
       core and the JS hosts write the same text for the same double. -0 is
       written as 0, as every JSON host writes it back. */
    char buf[32];
    if (v - v != 0) {   /* NaN, +-inf */
        if (t->buf && t->cap) t->buf[0] = 0;   /* no half-written JSON left behind */
        t->buf = &refused;
        t->cap = 0;
    }
    cr_text_put(t, buf, cr_format_double(buf, v));
}

cr_status cr_text_end(cr_text *t, size_t *size, cr_error *err)
{
    if (size) *size = t->len;
    if (t->buf == &refused)   /* before the size: a bigger buffer would not help */
        return cr_fail(err, CR_E_NONFINITE, NULL, "internal error: a number to write as JSON is not finite (NaN or "
                       "infinity); nothing written");
    if (t->buf && t->len < t->cap) {
        t->buf[t->len] = 0;
        return CR_OK;
    }
    return cr_fail(err, CR_E_BUFFER, NULL, "output needs %zu bytes plus NUL, buffer holds %zu",
                   t->len, t->cap);
}

void cr_text_json_string(cr_text *t, const char *s)
{
    cr_text_put(t, "\"", 1);
    for (; *s; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            cr_text_put(t, "\\", 1);
            cr_text_put(t, s, 1);
        } else if (c < 0x20) {
            cr_text_printf(t, "\\u%04x", c);
        } else {
            cr_text_put(t, s, 1);
        }
    }
    cr_text_put(t, "\"", 1);
}
