/* numtext.c - doubles to and from text in the "C" locale's notation, whatever
 * locale the host process has set. */
#include "numtext.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The current locale's decimal point: strtod and printf use it. */
static char decimal_point(void)
{
    const struct lconv *lc = localeconv();
    return lc && lc->decimal_point && lc->decimal_point[0] && !lc->decimal_point[1] ? lc->decimal_point[0] : '.';
}

cr_status cr_parse_double(const char *s, size_t n, double *out)
{
    char small[400], *buf = small;   /* every CSV cell, most JSON numbers */
    if (n >= sizeof small && !(buf = malloc(n + 1))) return CR_E_NOMEM;
    const char dp = decimal_point();
    for (size_t i = 0; i < n; i++) buf[i] = s[i] == '.' ? dp : s[i];
    buf[n] = 0;
    char *end;
    const double v = n ? strtod(buf, &end) : 0;
    const int whole = n && end == buf + n && memchr(s, 0, n) == NULL;
    if (buf != small) free(buf);
    if (!whole) return CR_E_TYPE;
    *out = v;
    return CR_OK;
}

size_t cr_format_double(char *buf, double v)
{
    int n = snprintf(buf, 32, "%.17g", v + 0.0);
    const char dp = decimal_point();
    if (dp != '.')
        for (int i = 0; i < n; i++)
            if (buf[i] == dp) buf[i] = '.';
    return n > 0 ? (size_t)n : 0;
}
