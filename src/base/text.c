/* text.c - bounded text output for the core's JSON writers: appends past
 * the capacity are counted, not written, so one pass sizes and a second
 * fills (the cr_model_save() buffer contract). */
#include "internal.h"
#include "numtext.h"

#include <stdarg.h>
#include <stdio.h>
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

void cr_text_printf(cr_text *t, const char *fmt, ...)
{
    char tmp[256];
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    const int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    if (n > 0 && (size_t)n < sizeof tmp) {
        cr_text_put(t, tmp, (size_t)n);
    } else if (n > 0) {
        /* Longer than the scratch: straight into the buffer when it fits
           whole, else only counted (the buffer is then too small anyway). */
        if (t->len < t->cap && t->cap - t->len > (size_t)n) vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, again);
        t->len += (size_t)n;
    }
    va_end(again);
    va_end(ap);
}

void cr_text_double(cr_text *t, double v)
{
    /* %.17g round-trips every double and integers stay valid JSON numbers.
       -0 is written as 0, as every JSON host writes it back. */
    char buf[32];
    cr_text_put(t, buf, cr_format_double(buf, v));
}

cr_status cr_text_end(cr_text *t, size_t *size, cr_error *err)
{
    if (size) *size = t->len;
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
