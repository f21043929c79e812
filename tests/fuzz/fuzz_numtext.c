/* libFuzzer: the core's own double <-> text (src/base/numtext.c) against
 * glibc. Any text: cr_parse_double accepts exactly the documented syntax
 * and then gives strtod's double, bit for bit. Any 8 bytes as a double:
 * cr_format_double's text reads back as it (strtod and ours), and at
 * most 17 significant digits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "numtext.h"

/* [+-]? (D+ [. D*]? | . D+) ([eE] [+-]? D+)? over all of s[0..n). */
static int syntax_ok(const char *s, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) digits++;
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) digits++;
    if (!digits) return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        const size_t start = i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {}
        if (i == start) return 0;
    }
    return i == n;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *s = (const char *)data;
    double v = 0.25;
    const cr_status st = cr_parse_double(s, size, &v);
    if ((st == CR_OK) != syntax_ok(s, size)) abort();
    if (st == CR_OK) {
        char *copy = malloc(size + 1);
        memcpy(copy, s, size);
        copy[size] = 0;
        const double ref = strtod(copy, NULL);
        free(copy);
        if (memcmp(&ref, &v, sizeof v) != 0) abort();
    } else if (st != CR_E_TYPE || v != 0.25) {
        abort();
    }
    if (size >= 8) {
        double d;
        memcpy(&d, data, sizeof d);
        char text[40];
        const size_t len = cr_format_double(text, d);
        if (len != strlen(text) || len >= 32) abort();
        if (d == d && d - d == 0) {
            double back;
            const double glibc = strtod(text, NULL) + 0.0, want = d + 0.0;   /* -0 is written as 0 */
            if (cr_parse_double(text, len, &back) != CR_OK) abort();
            back += 0.0;
            if (memcmp(&glibc, &want, sizeof d) != 0 || memcmp(&back, &want, sizeof d) != 0) abort();
            const char *first = text, *last = NULL;   /* significant digits: first to last nonzero */
            while (*first && (*first < '1' || *first > '9')) first++;
            for (const char *p = first; *p && *p != 'e'; p++)
                if (*p >= '1' && *p <= '9') last = p;
            size_t sig = 0;
            for (const char *p = first; last && p <= last; p++) sig += *p != '.';
            if (sig > 17) abort();
        }
    }
    return 0;
}
