/* test_numtext.c - the core's own double <-> text (src/base/numtext.c) and
 * printf-like formatter (src/base/text.c) against the C library's strtod
 * and printf, which are correctly rounded (glibc natively).
 *
 *   test_numtext [N]   N doubles (default 10^7) in the main loop: random
 *                      bit patterns, each formatted and parsed back, and
 *                      their text at several precisions parsed; plus the
 *                      edge cases, long near-halfway inputs and the syntax.
 *
 * Formatting is checked for each double v with our text T of p significant
 * digits: (a) strtod(T) == v bit for bit; (b) no (p-1)-digit decimal reads
 * back as v: neither the correctly rounded one ("%.{p-2}e") nor its other
 * neighbour on the far side of v (the interval is lopsided at powers of
 * two); (c) T is the nearest p-digit decimal that reads back: the correctly
 * rounded "%.{p-1}e" when it reads back, else its neighbour on v's other
 * side; (d) the layout is JavaScript's String(v). */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "bits.h"
#include "check.h"
#include "internal.h"
#include "numtext.h"

static unsigned long long checked;
static int reported;

#define FAIL(...)                                              \
    do {                                                       \
        check_failures++;                                      \
        if (reported++ < 20) fprintf(stderr, __VA_ARGS__);     \
    } while (0)

static uint64_t rng = 0x9e3779b97f4a7c15u;   /* fixed seed: the same doubles every run */
static uint64_t next_random(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}


/* ---- parsing: ours against strtod on the same text ---- */

static void check_parse(const char *s)
{
    const size_t n = strlen(s);
    double ours = -1234.5;
    const cr_status st = cr_parse_double(s, n, &ours);
    const double ref = strtod(s, NULL);
    checked++;
    if (st != CR_OK || bits_of(ours) != bits_of(ref))
        FAIL("parse %.120s%s: ours %a (%s), strtod %a\n", s, n > 120 ? "..." : "", ours, cr_status_name(st), ref);
}

/* Text at every precision 1..21 of "%.*e" (what other writers send us). */
static void check_parse_precisions(double v, int every)
{
    char buf[64];
    for (int p = every ? 0 : (int)(next_random() % 21); p <= 20; p += every ? 1 : 100) {
        snprintf(buf, sizeof buf, "%.*e", p, v);
        check_parse(buf);
    }
}

/* The exact midpoint between v > 0 and the next double up, with hundreds of
   digits, then just below and just above it: ties to even, and one digit
   hundreds of places in decides. long double holds the midpoint exactly. */
static void check_midpoints(double v)
{
    if (!(v > 0) || v >= DBL_MAX) return;
    const long double mid = ((long double)v + (long double)nextafter(v, INFINITY)) / 2;
    static char buf[1200], alt[1300];
    const int len = snprintf(buf, sizeof buf, "%.780Le", mid);   /* exact: < 770 significant digits */
    check_parse(buf);
    char *e = strchr(buf, 'e');
    size_t last = (size_t)(e - buf) - 1;
    while (buf[last] == '0') last--;   /* the last nonzero digit of the midpoint */
    /* just above: a 1 far beyond it */
    snprintf(alt, sizeof alt, "%.*s%s1%s", (int)(e - buf), buf, "00000000000000000000000000000000", e);
    check_parse(alt);
    /* just below: the midpoint's last digit one less, then 9s */
    memcpy(alt, buf, last + 1);
    size_t k = last;
    while (alt[k] == '0' || alt[k] == '.') {
        if (alt[k] == '0') alt[k] = '9';
        k--;
    }
    alt[k]--;
    snprintf(alt + last + 1, sizeof alt - last - 1, "999999999999999999999%s", e);
    check_parse(alt);
    /* cut short: 17, 18, 19, 20, 40 digits of the midpoint, truncated (below it) */
    static const int cuts[] = {17, 18, 19, 20, 40};
    for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++) {
        snprintf(alt, sizeof alt, "%.*s%s", cuts[c] + 1, buf, e);
        check_parse(alt);
    }
    (void)len;
}

/* ---- formatting ---- */

/* Our text's significant digits as an integer (at most 17 digits) and
   exponent: text = m * 10^x, m without trailing zeros. */
static int decompose(const char *s, uint64_t *m, int *x, int *digits)
{
    uint64_t v = 0;
    int nd = 0, point = -1, started = 0, exp10 = 0, pos = 0, zeros = 0;
    const char *p = s;
    if (*p == '-') p++;
    for (; *p && *p != 'e'; p++) {
        if (*p == '.') {
            point = pos;
            continue;
        }
        if (*p < '0' || *p > '9') return 0;
        pos++;
        if (*p != '0') started = 1;
        if (!started) continue;
        if (*p == '0') {   /* zeros count only once a nonzero digit follows */
            zeros++;
            continue;
        }
        for (; zeros; zeros--, nd++) v *= 10;
        if (nd == 19) return 0;
        v = v * 10 + (uint64_t)(*p - '0');
        nd++;
    }
    if (*p == 'e') exp10 = atoi(p + 1);
    if (point < 0) point = pos;
    const int x10 = exp10 - (pos - point) + zeros;
    *m = v;
    *x = x10;
    *digits = nd;
    return 1;
}

/* strtod of "<m>e<x>" (the text built by hand: printf is slow) */
static double read_back(uint64_t m, int x)
{
    char buf[48], *o = buf + 24, *p = o;
    do *--p = (char)('0' + m % 10);
    while (m /= 10);
    *o++ = 'e';
    if (x < 0) *o++ = '-';
    unsigned ux = x < 0 ? (unsigned)-x : (unsigned)x;
    char tmp[8], *t = tmp + sizeof tmp;
    do *--t = (char)('0' + ux % 10);
    while (ux /= 10);
    while (t < tmp + sizeof tmp) *o++ = *t++;
    *o = 0;
    return strtod(p, NULL);
}

/* JavaScript's Number::toString layout of digits d (k of them) with the
   decimal point after position n; written here apart from numtext.c. */
static void js_layout(char *out, int neg, const char *d, int k, int n)
{
    char *o = out;
    if (neg) *o++ = '-';
    if (k <= n && n <= 21) {
        o += sprintf(o, "%.*s%.*s", k, d, n - k, "000000000000000000000");
    } else if (0 < n && n <= 21) {
        o += sprintf(o, "%.*s.%.*s", n, d, k - n, d + n);
    } else if (-6 < n && n <= 0) {
        o += sprintf(o, "0.%.*s%.*s", -n, "000000", k, d);
    } else {
        o += sprintf(o, "%c%s%.*se%c%d", d[0], k > 1 ? "." : "", k - 1, d + 1, n - 1 >= 0 ? '+' : '-',
                     abs(n - 1));
    }
    *o = 0;
}

static void check_format(double v)
{
    char ours[40];
    const size_t len = cr_format_double(ours, v);
    checked++;
    if (len != strlen(ours) || len >= 32) {
        FAIL("format %a: length %zu of \"%s\"\n", v, len, ours);
        return;
    }
    if (v == 0) {
        if (strcmp(ours, "0") != 0) FAIL("format %a: \"%s\", want \"0\"\n", v, ours);
        return;
    }
    /* (a) reads back, with glibc and with ours */
    double back;
    if (bits_of(strtod(ours, NULL)) != bits_of(v) || cr_parse_double(ours, len, &back) != CR_OK ||
        bits_of(back) != bits_of(v)) {
        FAIL("format %a: \"%s\" does not read back\n", v, ours);
        return;
    }
    uint64_t m;
    int x, p;
    if (!decompose(ours, &m, &x, &p) || p < 1 || p > 17) {
        FAIL("format %a: \"%s\" is not plain decimal\n", v, ours);
        return;
    }
    char ref[48];
    uint64_t rm;
    int rx, rp;
    const double a = fabs(v);
    /* (b) no shorter text reads back */
    if (p > 1) {
        snprintf(ref, sizeof ref, "%.*e", p - 2, a);
        decompose(ref, &rm, &rx, &rp);
        const double r = read_back(rm, rx);
        /* with trailing zeros stripped rm may have fewer digits: scale back */
        while (rp < p - 1) {
            rm *= 10;
            rx--;
            rp++;
        }
        const double other = read_back(r < a ? rm + 1 : rm - 1, rx);
        if (r == a || other == a) FAIL("format %a: \"%s\" but %llue%d or its neighbour is shorter and reads back\n",
                                       v, ours, (unsigned long long)rm, rx);
    }
    /* (c) the nearest of the p-digit texts that read back */
    snprintf(ref, sizeof ref, "%.*e", p - 1, a);
    decompose(ref, &rm, &rx, &rp);
    while (rp < p) {
        rm *= 10;
        rx--;
        rp++;
    }
    uint64_t om = m;
    int ox = x, op = p;
    while (op < p) {
        om *= 10;
        ox--;
        op++;
    }
    const double r = read_back(rm, rx);
    int ok;
    if (r == a) ok = om == rm && ox == rx;
    else ok = ox == rx && (om == rm + 1 || om + 1 == rm);
    if (!ok) FAIL("format %a: \"%s\", the nearest %d-digit text is %s\n", v, ours, p, ref);
    /* (d) layout */
    char digits[24], want[40];
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)m);
    js_layout(want, v < 0, digits, p, x + p);
    if (strcmp(ours, want) != 0) FAIL("format %a: \"%s\", JavaScript writes \"%s\"\n", v, ours, want);
}

static void check_double(double v)
{
    check_format(v);
    check_format(-v);
    if (v == v && v - v == 0) check_parse_precisions(v, 0);
}

/* Edge cases: every power of two and of ten with their neighbours, the
   subnormal range's ends, DBL_MAX, integers around 2^53 and beyond, the
   layout's boundaries 1e-7 and 1e21. */
static void edge_cases(int midpoints)
{
    double edges[4096];
    size_t n = 0;
    for (int e = -1074; e <= 1023; e++) edges[n++] = ldexp(1, e);
    char buf[32];
    for (int e = -324; e <= 308; e++) {   /* the double nearest 10^e, exactly */
        snprintf(buf, sizeof buf, "1e%d", e);
        edges[n++] = strtod(buf, NULL);
    }
    const double more[] = {DBL_MAX, DBL_MIN, DBL_TRUE_MIN, 2 * DBL_TRUE_MIN, DBL_MIN - DBL_TRUE_MIN, DBL_EPSILON,
                           9007199254740991.0, 9007199254740992.0, 9007199254740994.0, 18446744073709551616.0,
                           1e21, 1e-7, 999999999999999900000.0, 1e21 - 65536, 9.999999999999999e-8, 1.0000000000000001e-7,
                           0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 5e-324, 2.2250738585072011e-308, 1.7976931348623157e308,
                           123456789012345680000.0, 0.000001, 0.0000001, 4.35, 0.30000000000000004, 1e23, 8.41e21,
                           5e-7, 9.5e-7, 1.5e-7, 1e-6, 1e20, 1e22};
    for (size_t i = 0; i < sizeof more / sizeof *more; i++) edges[n++] = more[i];
    for (size_t i = 0; i < n; i++) {
        const double v = edges[i];
        for (int k = -3; k <= 3; k++) {   /* and three doubles either side */
            double w = v;
            for (int j = 0; j < abs(k); j++) w = nextafter(w, k < 0 ? 0 : INFINITY);
            if (w - w != 0) continue;
            check_double(w);
            check_parse_precisions(w, 1);
            if (midpoints) check_midpoints(w);
        }
    }
    for (uint64_t i = 0; i <= 100000; i++) check_format((double)i);   /* integers */
    for (int b = 53; b < 64; b++)
        for (int d = -5; d <= 5; d++) {
            const uint64_t i = ((uint64_t)1 << b) + (uint64_t)(int64_t)d;
            check_format((double)i);
            snprintf(buf, sizeof buf, "%llu", (unsigned long long)i);
            check_parse(buf);
        }
}

/* Known outputs of JavaScript's String(v) (node 20). */
static void javascript_outputs(void)
{
    static const struct {
        double v;
        const char *js;
    } cases[] = {
        {1e21, "1e+21"},
        {1e-7, "1e-7"},
        {123e-20, "1.23e-18"},
        {0.000001, "0.000001"},
        {1.5e-7, "1.5e-7"},
        {5e-324, "5e-324"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {9007199254740992.0, "9007199254740992"},
        {18446744073709551616.0, "18446744073709552000"},
        {1e20, "100000000000000000000"},
        {123456789012345680000.0, "123456789012345680000"},
        {0.30000000000000004, "0.30000000000000004"},
        {-1e-7, "-1e-7"},
        {1.0 / 3, "0.3333333333333333"},
        {100, "100"},
        {-0.0, "0"},
        {0.1, "0.1"},
        {-12.345678901234567, "-12.345678901234567"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {1e300, "1e+300"},
        {0.5, "0.5"},
        {1.25e-6, "0.00000125"},
        {4.35, "4.35"},
        {1e23, "1e+23"},
        {5e-7, "5e-7"},
        {123456.789, "123456.789"},
        {1 / 0.0, "inf"},
        {-1 / 0.0, "-inf"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[32];
        cr_format_double(buf, cases[i].v);
        CHECK_STR(buf, cases[i].js);
    }
    char buf[32];
    cr_format_double(buf, dbl_of(0x7ff8000000000000u));
    CHECK_STR(buf, "nan");
}

/* The accepted syntax (numtext.h) and its limits. */
static void syntax(void)
{
    static const char *const good[] = {
        "0", "-0", "+0", "5", ".5", "5.", "+1", "-.5e-3", "1e5", "1E+05", "1e-05", "00012", "0.000",
        "123456789012345678901234567890", "1e999999999999999999999", "-1e999999999999999999999",
        "1e-999999999999999999999", "0e999999999999", "0.0000000000000000000000000000001e31", "4.9e-324",
        "2.4703282292062327e-324", "2.4703282292062328e-324", "1.7976931348623158e308", "1.7976931348623159e308",
        "179769313486231580793728971405301e276", "9007199254740993", "9007199254740993.0000000000000000001",
        "0.1e-308", "1234567890123456789e-30", "1234567890123456789e30", "12345678901234567890e-5",
        "1.00000000000000000000000000000", "100000000000000000000000000000e-29", "7e22", "7e23", "8e27", "9e28",
        "123456789e-22", "123456789e-23", "4503599627370497.5", "4503599627370496.5", "0.999999999999999999999",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) check_parse(good[i]);
    static const char *const bad[] = {"", ".", "-", "+", "e5", "1e", "1e+", "1e-", "1.2.3", " 1", "1 ", "inf",
                                      "nan", "-inf", "0x10", "1,5", "1e5.5", "--1", "+-1", "1e+-5", "1ee5", "1.e",
                                      "Infinity", "1f", "1d"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double v = 42;
        if (cr_parse_double(bad[i], strlen(bad[i]), &v) != CR_E_TYPE || v != 42) FAIL("\"%s\" parsed\n", bad[i]);
    }
    double v = 42;
    CHECK(cr_parse_double("1\0", 2, &v) == CR_E_TYPE && v == 42);   /* an embedded NUL */
    CHECK(cr_parse_double("12", 1, &v) == CR_OK && v == 1);         /* the length decides, not a NUL */
    /* Very long inputs: 100000 digits, the point anywhere. */
    const size_t big = 100000;
    char *s = malloc(big + 32);
    memset(s, '1', big);
    strcpy(s + big, "e-99990");
    check_parse(s);
    s[big] = 0;
    check_parse(s);   /* inf */
    memset(s, '0', big);
    s[1] = '.';
    s[big - 1] = '7';
    strcpy(s + big, "e99700");
    check_parse(s);
    s[big - 1] = '0';
    check_parse(s);   /* all zeros: 0 */
    memset(s, '9', big);
    s[big] = 0;
    s[400] = '.';
    strcpy(s + big, "e-99300");
    check_parse(s);
    free(s);
}

/* Random decimal texts: up to 40 digits, the point anywhere, exponents over
   the whole range, and some of hundreds of digits. */
static void random_texts(long count)
{
    char buf[1024];
    for (long i = 0; i < count; i++) {
        const uint64_t r = next_random();
        int nd = 1 + (int)(r % 40);
        if (i % 64 == 0) nd = 100 + (int)((r >> 8) % 800);
        char *o = buf;
        if (r >> 20 & 1) *o++ = '-';
        const int point = (int)((r >> 24) % (unsigned)(nd + 1));
        for (int k = 0; k < nd; k++) {
            if (k == point && k) *o++ = '.';
            const uint64_t d = next_random();
            *o++ = (char)('0' + (k == 0 ? 1 + d % 9 : (d >> 60) < 3 ? 0 : (d >> 60) > 12 ? 9 : d % 10));
        }
        const int e = (int)((r >> 32) % 700) - 350 - point;
        sprintf(o, "e%d", e);
        check_parse(buf);
    }
}

/* ---- the printf-like formatter ---- */

static void formatter(void)
{
    char buf[128];
    CHECK_INT(cr_bprintf(buf, sizeof buf, "%s|%.*s|%.3s|%5s|%c|%%", "abc", 2, "xyz", "abcdef", "ab", 'Q'), 20);
    CHECK_STR(buf, "abc|xy|abc|   ab|Q|%");
    CHECK_INT(cr_bprintf(buf, sizeof buf, "%d %d %i %u %5d %05d %d", 0, -42, 7, 4000000000u, 42, -42, 3), 32);
    CHECK_STR(buf, "0 -42 7 4000000000    42 -0042 3");
    cr_bprintf(buf, sizeof buf, "%ld %lu %lld %llu %zu %hd", -5L, 5UL, (long long)INT64_MIN, (unsigned long long)UINT64_MAX,
               (size_t)12345, (short)-7);
    CHECK_STR(buf, "-5 5 -9223372036854775808 18446744073709551615 12345 -7");
    cr_bprintf(buf, sizeof buf, "%x %04x %04x %x", 255u, 10u, 0x12345u, 0u);
    CHECK_STR(buf, "ff 000a 12345 0");
    cr_bprintf(buf, sizeof buf, "%.17g %g %.0f %e %.17g %.17g", 0.1, 1e6, 86400000.0, 1e-7, -0.0, 1 / 0.0);
    CHECK_STR(buf, "0.1 1000000 86400000 1e-7 0 inf");
    const char *volatile nothing = NULL;   /* as glibc: "(null)" */
    cr_bprintf(buf, sizeof buf, "[%s]", nothing);
    CHECK_STR(buf, "[(null)]");
    /* %.*s reads no further than its precision: not NUL-terminated text */
    const char cell[4] = {'a', 'b', 'c', 'd'};
    cr_bprintf(buf, sizeof buf, "%.*s", 4, cell);
    CHECK_STR(buf, "abcd");
    /* truncation: at most size - 1 bytes and a NUL, the whole length back */
    memset(buf, 'x', sizeof buf);
    CHECK_INT(cr_bprintf(buf, 5, "%s-%d", "abcdef", 12), 9);
    CHECK_STR(buf, "abcd");
    CHECK(buf[5] == 'x');
    CHECK_INT(cr_bprintf(buf, 1, "%d", 123), 3);
    CHECK(buf[0] == 0);
    CHECK_INT(cr_bprintf(NULL, 0, "%s", "abc"), 3);
    cr_error e = check_err;
    char longer[600];
    memset(longer, 'y', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    cr_fail(&e, CR_E_ARG, NULL, "%s\x01%s", "tab\there", longer);
    CHECK(strlen(e.message) == sizeof e.message - 1);
    CHECK(strncmp(e.message, "tab?here?yyy", 12) == 0);
    /* cr_text: appends past the capacity are counted, not written */
    char small[8];
    cr_text t = {small, sizeof small, 0};
    cr_text_printf(&t, "%s%d", "abcdef", 1234);
    CHECK_INT(t.len, 10);
    CHECK(memcmp(small, "abcdef12", 8) == 0);
    cr_text_printf(&t, "%%");
    CHECK_INT(t.len, 11);
    cr_text none = {NULL, 0, 0};
    cr_text_double(&none, 0.1);
    CHECK_INT(none.len, 3);
}

int main(int argc, char **argv)
{
    /* n doubles in all: 70% random bit patterns, 20% of everyday size, 10%
       random decimal texts; the edge cases on top */
    const long n = argc > 1 ? atol(argv[1]) : 10000000;
    formatter();
    javascript_outputs();
    syntax();
    edge_cases(n >= 1000000);
    /* random bit patterns: formatted and checked; their %.17g text and
       shorter ones parsed; the exact midpoints next to some */
    for (long i = 0; i < n / 10 * 7; i++) {
        const double v = dbl_of(next_random());
        if (v - v != 0) continue;
        check_format(v);
        if (i % 4 == 0) {
            char buf[40];
            snprintf(buf, sizeof buf, "%.17g", v);
            check_parse(buf);
        }
        if (i % 32 == 0) check_parse_precisions(v, 0);
        if (i % 1024 == 0) check_midpoints(fabs(v));
    }
    /* doubles of everyday size, uniform in [0, 1000) */
    for (long i = 0; i < n / 10 * 2; i++) {
        const double v = (double)(next_random() >> 11) * 0x1p-53 * 1000;
        check_format(v);
        if (i % 8 == 0) check_parse_precisions(v, 0);
    }
    random_texts(n / 10);
    printf("test_numtext: %ld doubles, %llu checks\n", n, checked);
    return check_done("test_numtext");
}
