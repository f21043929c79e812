/* numtext.c - doubles to and from decimal text, our own: no libc strtod or
 * printf (the module would carry musl's, with soft-float long double), no
 * locale, bit-exact on every target.
 *
 * Parsing: an exact answer for short inputs from integer or 128-bit
 * arithmetic, else a candidate within a few ulps settled against the exact
 * decimal with big integers. Formatting: the shortest digits that read back,
 * the nearest of them (Steele & White / Burger & Dybvig free-format digits
 * on big integers), laid out as JavaScript's String(v). */
#include "numtext.h"
#include "crmath.h"

#include <string.h>

__extension__ typedef unsigned __int128 u128;   /* gcc and clang, native and wasm32 */

/* A finite positive double is M * 2^E with M < 2^53, E >= EXP_MIN, and
   M >= HIDDEN unless E == EXP_MIN (subnormals and 0). */
#define HIDDEN ((uint64_t)1 << 52)
#define EXP_MIN (-1074)
#define EXP_MAX 971   /* DBL_MAX = (2^53 - 1) * 2^971 */


static double make_double(uint64_t M, int E)
{
    if (E > EXP_MAX) return cr_double(0x7ff0000000000000u);
    if (M < HIDDEN) return cr_double(M);
    return cr_double((uint64_t)(E - EXP_MIN + 1) << 52 | (M - HIDDEN));
}

static int bitlen64(uint64_t x) { return x ? 64 - __builtin_clzll(x) : 0; }

static int bitlen128(u128 x)
{
    const uint64_t hi = (uint64_t)(x >> 64);
    return hi ? 64 + bitlen64(hi) : bitlen64((uint64_t)x);
}

/* The double nearest (ties to even) to (top + t) * 2^e2 with top >= 2^63,
   where 0 < t < 1 when `sticky` and t = 0 otherwise; for 1 <= value < 2^200
   (normal, finite: the 128-bit path's range). */
static double round_top(uint64_t top, int e2, int sticky)
{
    const uint64_t M = top >> 11, rest = top & 0x7ff;
    const uint64_t R = M + (rest > 0x400 || (rest == 0x400 && (sticky || (M & 1))));
    return R >> 53 ? make_double(R >> 1, e2 + 12) : make_double(R, e2 + 11);
}

/* ---- big integers: little-endian 32-bit limbs, enough for 800 digits ---- */

#define BN_LIMBS 96   /* 3072 bits; the largest operand is below 2^2750 */

typedef struct {
    int n;   /* limbs in use; d[n - 1] != 0 */
    uint32_t d[BN_LIMBS];
} bignum;

static void bn_set(bignum *a, uint64_t v)
{
    a->n = 0;
    for (; v; v >>= 32) a->d[a->n++] = (uint32_t)v;
}

static void bn_mul_add(bignum *a, uint32_t m, uint32_t add)
{
    uint64_t carry = add;
    for (int i = 0; i < a->n; i++) {
        carry += (uint64_t)a->d[i] * m;
        a->d[i] = (uint32_t)carry;
        carry >>= 32;
    }
    if (carry && a->n < BN_LIMBS) a->d[a->n++] = (uint32_t)carry;
}

/* 5^k for k <= 27, the largest below 2^64 */
static const uint64_t pow5[28] = {
    1u, 5u, 25u, 125u, 625u, 3125u, 15625u, 78125u, 390625u, 1953125u, 9765625u, 48828125u, 244140625u,
    1220703125u, 6103515625u, 30517578125u, 152587890625u, 762939453125u, 3814697265625u, 19073486328125u,
    95367431640625u, 476837158203125u, 2384185791015625u, 11920928955078125u, 59604644775390625u,
    298023223876953125u, 1490116119384765625u, 7450580596923828125u};

static void bn_mul_pow5(bignum *a, unsigned k)
{
    for (; k >= 13; k -= 13) bn_mul_add(a, (uint32_t)pow5[13], 0);
    if (k) bn_mul_add(a, (uint32_t)pow5[k], 0);
}

static void bn_shl(bignum *a, unsigned s)
{
    if (!a->n || !s) return;
    const unsigned words = s / 32, bits = s % 32;
    int n = a->n + (int)words + 1;
    if (n > BN_LIMBS) n = BN_LIMBS;   /* never reached: see BN_LIMBS */
    for (int i = n - 1; i >= (int)words; i--) {
        const int j = i - (int)words;
        uint32_t v = j < a->n ? a->d[j] << bits : 0;
        if (bits && j >= 1 && j - 1 < a->n) v |= a->d[j - 1] >> (32 - bits);
        a->d[i] = v;
    }
    memset(a->d, 0, words * sizeof *a->d);
    while (n > 0 && !a->d[n - 1]) n--;
    a->n = n;
}

static int bn_cmp(const bignum *a, const bignum *b)
{
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    for (int i = a->n - 1; i >= 0; i--)
        if (a->d[i] != b->d[i]) return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}

/* r = a * m for m < 2^64. */
static void bn_mul_u64(bignum *r, const bignum *a, uint64_t m)
{
    const uint32_t part[2] = {(uint32_t)m, (uint32_t)(m >> 32)};
    int n = a->n + 2;
    if (n > BN_LIMBS) n = BN_LIMBS;
    memset(r->d, 0, (size_t)n * sizeof *r->d);
    for (int j = 0; j < 2; j++) {
        uint64_t carry = 0;
        for (int i = 0; i < a->n && i + j < n; i++) {
            carry += (uint64_t)a->d[i] * part[j] + r->d[i + j];
            r->d[i + j] = (uint32_t)carry;
            carry >>= 32;
        }
        if (a->n + j < n) r->d[a->n + j] = (uint32_t)carry;
    }
    while (n > 0 && !r->d[n - 1]) n--;
    r->n = n;
}

/* r = a + b */
static void bn_add(bignum *r, const bignum *a, const bignum *b)
{
    const int n = a->n > b->n ? a->n : b->n;
    uint64_t carry = 0;
    for (int i = 0; i < n; i++) {
        carry += (uint64_t)(i < a->n ? a->d[i] : 0) + (i < b->n ? b->d[i] : 0);
        r->d[i] = (uint32_t)carry;
        carry >>= 32;
    }
    r->n = n;
    if (carry && n < BN_LIMBS) r->d[r->n++] = (uint32_t)carry;
}

/* a -= b, with a >= b. */
static void bn_sub(bignum *a, const bignum *b)
{
    int64_t borrow = 0;
    for (int i = 0; i < a->n; i++) {
        borrow += (int64_t)a->d[i] - (i < b->n ? b->d[i] : 0);
        a->d[i] = (uint32_t)borrow;
        borrow = borrow < 0 ? -1 : 0;
    }
    while (a->n > 0 && !a->d[a->n - 1]) a->n--;
}

/* a -= b * m, with a >= b * m. */
static void bn_sub_mul(bignum *a, const bignum *b, uint32_t m)
{
    uint64_t carry = 0;
    int64_t borrow = 0;
    for (int i = 0; i < a->n; i++) {
        carry += i < b->n ? (uint64_t)b->d[i] * m : 0;
        borrow += (int64_t)a->d[i] - (uint32_t)carry;
        a->d[i] = (uint32_t)borrow;
        borrow = borrow < 0 ? -1 : 0;
        carry >>= 32;
    }
    while (a->n > 0 && !a->d[a->n - 1]) a->n--;
}

/* About a / 2^(32 * (at - 2)): its limbs from at - 2 up, 64 bits or more of
   a number whose top limb is at or above `at`. */
static double bn_lead(const bignum *a, int at)
{
    double v = 0;
    for (int i = a->n - 1; i >= at - 2 && i >= 0; i--) v = v * 4294967296.0 + a->d[i];
    return v;
}

/* a = top * 2^e2 + (lower bits: *sticky), top >= 2^63; a != 0. */
static uint64_t bn_top(const bignum *a, int *e2, int *sticky)
{
    const int len = 32 * (a->n - 1) + bitlen64(a->d[a->n - 1]);
    const int shift = len - 64;
    uint64_t top = 0;
    *sticky = 0;
    if (shift <= 0) {
        for (int i = a->n - 1; i >= 0; i--) top = top << 32 | a->d[i];
        top <<= -shift;
    } else {
        const int w = shift / 32, b = shift % 32;
        const uint64_t lo = (uint64_t)(w + 1 < a->n ? a->d[w + 1] : 0) << 32 | a->d[w];
        top = lo >> b;
        if (b && w + 2 < a->n) top |= (uint64_t)a->d[w + 2] << (64 - b);
        *sticky = (a->d[w] & (((uint32_t)1 << b) - 1)) != 0;
        for (int i = 0; i < w && !*sticky; i++) *sticky = a->d[i] != 0;
    }
    *e2 = shift;
    return top;
}

/* ---- parsing ---- */

/* 10^k for k <= 22, exactly (5^k < 2^53) */
static double pow10_exact(unsigned k) { return (double)pow5[k] * (double)((uint64_t)1 << k); }

/* The exact value a candidate is judged against. */
typedef struct {
    int big;
    /* !big: w / 5^k / 2^k, k <= 22 */
    uint64_t w;
    unsigned k;
    /* big: X * 2^e / Y (+ a little more when sticky) */
    const bignum *X, *Y;
    int e, sticky;
} exact_value;

/* The sign of value - m * 2^q, for m < 2^56. */
static int compare(const exact_value *x, uint64_t m, int q)
{
    if (!x->big) {
        const u128 P = (u128)m * pow5[x->k];   /* < 2^108 */
        const int s = q + (int)x->k;               /* w vs P * 2^s */
        if (s >= 0) {
            if (bitlen128(P) + s > 64) return -1;
            const u128 R = P << s;
            return x->w < R ? -1 : x->w > R;
        }
        if (bitlen64(x->w) - s > 127) return 1;
        const u128 L = (u128)x->w << -s;
        return L < P ? -1 : L > P;
    }
    bignum l, r;
    bn_mul_u64(&r, x->Y, m);
    l = *x->X;
    const int s = x->e - q;
    if (s >= 0) bn_shl(&l, (unsigned)s);
    else bn_shl(&r, (unsigned)-s);
    const int c = bn_cmp(&l, &r);
    return c ? c : x->sticky;
}

/* The correctly rounded value, from a candidate M * 2^E a few ulps off. */
static double settle(const exact_value *x, uint64_t M, int E)
{
    for (;;) {
        int c = compare(x, 2 * M + 1, E - 1);   /* the midpoint above */
        if (c > 0 || (c == 0 && (M & 1))) {
            if (++M == HIDDEN << 1) {
                M = HIDDEN;
                if (++E > EXP_MAX) break;
            }
            continue;
        }
        if (M == 0) break;
        const int wide = M == HIDDEN && E > EXP_MIN;   /* the gap below is half as wide */
        c = wide ? compare(x, 4 * M - 1, E - 2) : compare(x, 2 * M - 1, E - 1);
        if (c < 0 || (c == 0 && (M & 1))) {
            if (wide) {
                M = (HIDDEN << 1) - 1;
                E--;
            } else {
                M--;
            }
            continue;
        }
        break;
    }
    return make_double(M, E);
}

/* M, E of a candidate approximately r * 2^e2 (r a positive normal double). */
static double candidate_settle(const exact_value *x, double r, long e2)
{
    const uint64_t b = cr_bits(r);
    uint64_t M = (b & (HIDDEN - 1)) | HIDDEN;
    long E = (long)(b >> 52) - 1075 + e2;
    if (E > EXP_MAX) {
        M = (HIDDEN << 1) - 1;
        E = EXP_MAX;
    } else if (E < EXP_MIN) {
        M = EXP_MIN - E < 64 ? M >> (EXP_MIN - E) : 0;
        E = EXP_MIN;
    }
    return settle(x, M, (int)E);
}

#define MAX_DIGITS 800   /* a midpoint between doubles has at most 767 significant digits */

/* digits (with '.' skipped) from the first nonzero, at most MAX_DIGITS. */
static void bn_digits(bignum *a, const char *s, size_t n, size_t take)
{
    size_t i = 0;
    while (i < n && (s[i] == '0' || s[i] == '.')) i++;
    a->n = 0;
    uint32_t chunk = 0, scale = 1;
    for (; i < n && take; i++) {
        if (s[i] == '.') continue;
        chunk = chunk * 10 + (uint32_t)(s[i] - '0');
        scale *= 10;
        take--;
        if (scale == 1000000000 || !take) {
            bn_mul_add(a, scale, chunk);
            chunk = 0;
            scale = 1;
        }
    }
}

/* The hard cases: any number of digits, any exponent. */
static double parse_slow(const char *mant, size_t mant_len, size_t nd, long long e_all)
{
    const size_t take = nd < MAX_DIGITS ? nd : MAX_DIGITS;
    bignum X, Y;
    bn_digits(&X, mant, mant_len, take);
    int sticky = 0;
    if (take < nd) {   /* any nonzero digit beyond the ones taken */
        size_t seen = 0, i = 0;
        while (i < mant_len && (mant[i] == '0' || mant[i] == '.')) i++;
        for (; i < mant_len && !sticky; i++)
            if (mant[i] != '.' && seen++ >= take) sticky = mant[i] != '0';
    }
    const long long e = e_all + (long long)(nd - take);   /* value = X * 10^e */
    bn_set(&Y, 1);
    if (e >= 0) bn_mul_pow5(&X, (unsigned)e);
    else bn_mul_pow5(&Y, (unsigned)-e);
    const exact_value x = {.big = 1, .X = &X, .Y = &Y, .e = (int)e, .sticky = sticky};
    int ex, ey, sx, sy;
    const uint64_t tx = bn_top(&X, &ex, &sx), ty = bn_top(&Y, &ey, &sy);
    return candidate_settle(&x, (double)tx / (double)ty, (long)ex - ey + e);
}

cr_status cr_parse_double(const char *s, size_t n, double *out)
{
    size_t i = 0;
    const int neg = n && s[0] == '-';
    if (n && (s[0] == '-' || s[0] == '+')) i++;
    const size_t mant_start = i;
    uint64_t w = 0;              /* the first 19 significant digits */
    size_t nd = 0, digits = 0;   /* significant digits; all mantissa digits */
    long long dexp = 0;          /* value ~ w * 10^dexp */
    int trunc = 0, point = 0;
    for (; i < n; i++) {
        const char c = s[i];
        if (c == '.' && !point) {
            point = 1;
            continue;
        }
        if (c < '0' || c > '9') break;
        const unsigned d = (unsigned)(c - '0');
        digits++;
        if (nd == 0 && d == 0) {
            dexp -= point;
        } else if (nd < 19) {
            w = w * 10 + d;
            dexp -= point;
            nd++;
        } else {
            trunc |= d != 0;
            dexp += !point;
            nd++;
        }
    }
    const size_t mant_end = i;
    if (!digits) return CR_E_TYPE;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        const int eneg = i < n && s[i] == '-';
        if (i < n && (s[i] == '-' || s[i] == '+')) i++;
        if (i == n) return CR_E_TYPE;
        long long x = 0;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (x < 100000000) x = x * 10 + (s[i] - '0');   /* far beyond any double either way */
        dexp += eneg ? -x : x;
    }
    if (i != n) return CR_E_TYPE;
    double v;
    const int wlen = nd < 19 ? (int)nd : 19;
    if (w == 0) {
        v = 0;
    } else if (dexp + wlen > 310) {
        v = make_double(0, EXP_MAX + 1);
    } else if (dexp + wlen < -324) {
        v = 0;
    } else if (!trunc && w <= (uint64_t)1 << 53 && dexp >= -22 && dexp <= 22) {
        v = dexp < 0 ? (double)w / pow10_exact((unsigned)-dexp) : (double)w * pow10_exact((unsigned)dexp);   /* Clinger: exact */
    } else if (!trunc && dexp >= 0 && dexp <= 27) {
        const u128 N = (u128)w * pow5[dexp];   /* < 2^127: exact */
        const int len = bitlen128(N);
        const u128 top = N << (128 - len);
        v = round_top((uint64_t)(top >> 64), len - 64 + (int)dexp, (uint64_t)top != 0);
    } else if (!trunc && dexp < 0 && dexp >= -22) {
        const exact_value x = {.w = w, .k = (unsigned)-dexp};
        v = candidate_settle(&x, (double)w / pow10_exact((unsigned)-dexp), 0);
    } else {
        v = parse_slow(s + mant_start, mant_end - mant_start, nd, dexp - (long long)(nd - (size_t)wlen));
    }
    *out = neg ? -v : v;
    return CR_OK;
}

/* ---- formatting ---- */

/* The shortest digits that read back as M * 2^E (> 0), the nearest of them;
   *point: the value is 0.DIGITS * 10^point. Returns the digit count. */
static int shortest_digits(uint64_t M, int E, char *digits, int *point)
{
    bignum r, s, mp, mm, t;
    const int wide = M == HIDDEN && E > EXP_MIN;   /* the gap below is half as wide */
    const int even = !(M & 1);                    /* a midpoint reads back as this value */
    /* value = r / s, the gaps to the neighbours' midpoints mp / s above, mm / s below */
    bn_set(&r, M << (1 + wide));
    bn_set(&s, (uint64_t)2 << wide);
    bn_set(&mp, (uint64_t)1 << wide);
    bn_set(&mm, 1);   /* used only when wide: else the gaps are equal, mp */
    if (E >= 0) {
        bn_shl(&r, (unsigned)E);
        bn_shl(&mp, (unsigned)E);
        if (wide) bn_shl(&mm, (unsigned)E);
    } else {
        bn_shl(&s, (unsigned)-E);
    }
    /* k with 10^(k-1) <= value < 10^k: the estimate is k or k - 1 */
    const int p = E + bitlen64(M) - 1;   /* 2^p <= value < 2^(p+1) */
    int k = (p >= 0 ? (p * 78913) >> 18 : -((-p * 78913) >> 18) - 1) + 1;
    if (k >= 0) {
        bn_mul_pow5(&s, (unsigned)k);
        bn_shl(&s, (unsigned)k);
    } else {
        bn_mul_pow5(&r, (unsigned)-k);
        bn_shl(&r, (unsigned)-k);
        bn_mul_pow5(&mp, (unsigned)-k);
        bn_shl(&mp, (unsigned)-k);
        if (wide) {
            bn_mul_pow5(&mm, (unsigned)-k);
            bn_shl(&mm, (unsigned)-k);
        }
    }
    for (;;) {   /* the high end reaches 10^k: one digit more before the point */
        bn_add(&t, &r, &mp);
        const int c = bn_cmp(&t, &s);
        if (c < 0 || (c == 0 && !even)) break;
        bn_mul_add(&s, 10, 0);
        k++;
    }
    int n = 0;
    for (;;) {
        bn_mul_add(&r, 10, 0);
        bn_mul_add(&mp, 10, 0);
        if (wide) bn_mul_add(&mm, 10, 0);
        /* the digit r / s < 10: a quotient estimate from the leading limbs,
           a hair low, then at most one more s */
        int d = (int)(bn_lead(&r, s.n - 1) / bn_lead(&s, s.n - 1) - 1e-6);
        if (d > 0) bn_sub_mul(&r, &s, (uint32_t)d);
        else d = 0;
        while (bn_cmp(&r, &s) >= 0) {
            bn_sub(&r, &s);
            d++;
        }
        const int c_low = bn_cmp(&r, wide ? &mm : &mp);
        const int low = c_low < 0 || (c_low == 0 && even);   /* digit d reads back */
        bn_add(&t, &r, &mp);
        const int c_high = bn_cmp(&t, &s);
        const int high = c_high > 0 || (c_high == 0 && even);   /* digit d + 1 reads back */
        if (!low && !high) {
            digits[n++] = (char)('0' + d);
            continue;
        }
        if (low && high) {   /* both: the nearer, the even one on a tie */
            bn_add(&t, &r, &r);
            const int c = bn_cmp(&t, &s);
            if (c > 0 || (c == 0 && (d & 1))) d++;
        } else if (high) {
            d++;
        }
        digits[n++] = (char)('0' + d);
        break;
    }
    /* d + 1 is never 10: r + mp >= s now means r + mp >= s one digit
       earlier (for the first digit, the loop on k above rules it out). */
    *point = k;
    return n;
}

/* The digits of an integer below 2^53: already the shortest. */
static int integer_digits(uint64_t v, char *digits, int *point)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    *point = n;
    int len = n;
    while (len > 1 && tmp[n - len] == '0') len--;   /* trailing zeros: in the layout */
    for (int i = 0; i < len; i++) digits[i] = tmp[n - 1 - i];
    return len;
}

size_t cr_format_double(char *buf, double v)
{
    const uint64_t bits = cr_bits(v);
    const int neg = bits >> 63;
    const int be = (int)(bits >> 52 & 0x7ff);
    const uint64_t frac = bits & (HIDDEN - 1);
    char *o = buf;
    if (be == 0x7ff) {
        const char *t = frac ? "nan" : neg ? "-inf" : "inf";
        const size_t len = strlen(t);
        memcpy(buf, t, len + 1);
        return len;
    }
    if (be == 0 && frac == 0) {   /* -0 too, as JSON hosts write it */
        memcpy(buf, "0", 2);
        return 1;
    }
    if (neg) *o++ = '-';
    const uint64_t M = be ? frac | HIDDEN : frac;
    const int E = be ? be - 1075 : EXP_MIN;
    char digits[20];
    int point, n;
    const double a = neg ? -v : v;
    if (a < 9007199254740992.0 && a == (double)(uint64_t)a) n = integer_digits((uint64_t)a, digits, &point);
    else n = shortest_digits(M, E, digits, &point);
    /* JavaScript's Number::toString layout */
    if (point >= n && point <= 21) {
        memcpy(o, digits, (size_t)n);
        o += n;
        for (int i = n; i < point; i++) *o++ = '0';
    } else if (point > 0 && point <= 21) {
        memcpy(o, digits, (size_t)point);
        o += point;
        *o++ = '.';
        memcpy(o, digits + point, (size_t)(n - point));
        o += n - point;
    } else if (point > -6 && point <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = point; i < 0; i++) *o++ = '0';
        memcpy(o, digits, (size_t)n);
        o += n;
    } else {
        *o++ = digits[0];
        if (n > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)(n - 1));
            o += n - 1;
        }
        *o++ = 'e';
        int x = point - 1;
        *o++ = x < 0 ? '-' : '+';
        if (x < 0) x = -x;
        if (x >= 100) *o++ = (char)('0' + x / 100);
        if (x >= 10) *o++ = (char)('0' + x / 10 % 10);
        *o++ = (char)('0' + x % 10);
    }
    *o = 0;
    return (size_t)(o - buf);
}

cr_status cr_parse_whole(const char *s, size_t n, int64_t *out)
{
    const char *m = s, *end = s + n;
    const int neg = *m == '-';
    m += neg;
    const char *m_end = m;   /* the mantissa */
    while (m_end < end && *m_end != 'e' && *m_end != 'E') m_end++;
    long long place = 0;     /* of the mantissa's first digit: the exponent, then its digits before the '.' */
    for (const char *x = m_end + 1; x < end; x++)
        if (*x >= '0' && place < 100000000) place = place * 10 + (*x - '0');   /* far beyond 2^53 either way */
    if (m_end + 1 < end && m_end[1] == '-') place = -place;
    const char *dot = memchr(m, '.', (size_t)(m_end - m));
    place += (dot ? dot : m_end) - m - 1;
    uint64_t v = 0;
    for (const char *x = m; x < m_end; x++) {
        if (*x == '.') continue;
        const int d = *x - '0';
        if (d && place >= 16) return CR_E_RANGE;   /* >= 10^16 */
        if (d && place < 0) return CR_E_TYPE;      /* a fraction */
        if (place-- >= 0) v = v * 10 + (uint64_t)d;
    }
    for (; v && place >= 0; place--) v *= 10;   /* the places below the last digit */
    if (v > (uint64_t)1 << 53) return CR_E_RANGE;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return CR_OK;
}
