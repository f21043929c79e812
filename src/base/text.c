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
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) cr_text_put(t, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
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
