/* exact.c - the superaccumulator's slow paths: carries, products, merging,
 * rounding and the saved form (exact.h). Integer arithmetic only. */
#include "exact.h"

#define TOP (CR_EXACT_CHUNKS - 1)
/* The normalised top chunk stays inside (-2^61, 2^61): merging two of them
   and a pass of carries still fit in an int64. */
#define TOP_LIMIT ((int64_t)1 << 61)
#define FRAC_MASK 0xfffffffffffffull
#define MANT53 0x1fffffffffffffull
#define INF_BITS 0x7ff0000000000000ull
#define NAN_BITS 0x7ff8000000000000ull

void cr_exact_init(cr_exact *a) { memset(a, 0, sizeof *a); }

/* Propagates the carries of c[0..TOP]: chunks 0..TOP-1 into [0, 2^32), the
   value unchanged. Returns 0, or the total's sign (+1, -1) when the top
   chunk reached +-TOP_LIMIT: the accumulator saturates. */
static int propagate(int64_t *c)
{
    int64_t carry = 0;
    for (int k = 0; k < TOP; k++) {
        /* |c[k]| < 2^33 + CR_EXACT_PENDING_MAX * 2^52 and |carry| < 2^31. */
        const int64_t x = c[k] + carry;
        const int64_t low = (int64_t)((uint64_t)x & 0xffffffffu);
        carry = (x - low) / ((int64_t)1 << 32); /* exact: floor(x / 2^32) */
        c[k] = low;
    }
    c[TOP] += carry;
    if (c[TOP] >= TOP_LIMIT) return 1;
    if (c[TOP] <= -TOP_LIMIT) return -1;
    return 0;
}

/* The special state bits and normalised chunks of a's value in c. */
static uint32_t normalised(const cr_exact *a, int64_t *c)
{
    memcpy(c, a->chunk, sizeof a->chunk);
    const int s = propagate(c);
    if (!s) return a->special;
    memset(c, 0, sizeof a->chunk);
    return a->special | (s > 0 ? CR_EXACT_POS_INF : CR_EXACT_NEG_INF);
}

/* Normalises a in place; no adds pending. */
static void carry(cr_exact *a)
{
    const int s = propagate(a->chunk);
    a->pending = 0;
    if (s) {
        a->special |= s > 0 ? CR_EXACT_POS_INF : CR_EXACT_NEG_INF;
        memset(a->chunk, 0, sizeof a->chunk);
    }
}

/* Adds (or with neg = -1 subtracts) m * 2^pos units, m < 2^53 and
   m * 2^pos < 2^2098: chunk pos / 32 gets the low 32 bits of the shifted m,
   the next chunk the rest (< 2^52; 0 in the top chunk). The caller counts
   it in a->pending. */
static void add_bits(cr_exact *a, uint64_t m, uint32_t pos, int64_t neg)
{
    const uint32_t i = pos >> 5, r = pos & 31;
    const int64_t lo = (int64_t)((m << r) & 0xffffffffu), hi = (int64_t)(m >> (32 - r));
    a->chunk[i] += (lo ^ neg) - neg;
    a->chunk[i + 1] += (hi ^ neg) - neg;
}

void cr_exact_add_slow(cr_exact *a, uint64_t u)
{
    if (((u >> 52) & 0x7ff) == 0x7ff) {
        if (u & FRAC_MASK) a->special |= CR_EXACT_NAN;
        else a->special |= u >> 63 ? CR_EXACT_NEG_INF : CR_EXACT_POS_INF;
        return;
    }
    carry(a);
    double v;
    memcpy(&v, &u, sizeof v);
    cr_exact_add(a, v); /* the fast path now */
}

void cr_exact_add_array(cr_exact *a, const double *v, size_t n)
{
    for (size_t j = 0; j < n; j++) cr_exact_add(a, v[j]);
}

static int bit_length64(uint64_t x) { return x ? 64 - __builtin_clzll(x) : 0; }

void cr_exact_add_product_slow(cr_exact *a, double x, double y)
{
    uint64_t ux, uy;
    memcpy(&ux, &x, sizeof ux);
    memcpy(&uy, &y, sizeof uy);
    const uint32_t ex = (uint32_t)(ux >> 52) & 0x7ff, ey = (uint32_t)(uy >> 52) & 0x7ff;
    const int negative = (int)((ux ^ uy) >> 63);
    if (ex == 0x7ff || ey == 0x7ff) {
        if ((ex == 0x7ff && (ux & FRAC_MASK)) || (ey == 0x7ff && (uy & FRAC_MASK))) a->special |= CR_EXACT_NAN;
        else if ((ux << 1) == 0 || (uy << 1) == 0) a->special |= CR_EXACT_NAN; /* inf * 0 */
        else a->special |= negative ? CR_EXACT_NEG_INF : CR_EXACT_POS_INF;
        return;
    }
    const uint32_t nx = ex != 0, ny = ey != 0;
    const uint64_t mx = (ux & FRAC_MASK) | (uint64_t)nx << 52, my = (uy & FRAC_MASK) | (uint64_t)ny << 52;
    if (mx == 0 || my == 0) return;
    /* x * y = mx * my * 2^q units (of 2^-1074): the 106-bit hi:lo. */
    int q = (int)(ex - nx) + (int)(ey - ny) - 1074;
    uint64_t hi, lo;
    cr_exact_mul53(mx, my, &hi, &lo);
    if (q < 0) {
        /* Round to the 2^-1074 grid: shift right by s, to nearest, ties to
           even. The product is < 2^106, so s > 107 leaves < 1/4: zero. */
        const int s = -q;
        if (s > 107) return;
        uint64_t guard, sticky, l, h;
        if (s < 64) {
            guard = (lo >> (s - 1)) & 1;
            sticky = lo & (((uint64_t)1 << (s - 1)) - 1);
            l = (lo >> s) | (hi << (64 - s));
            h = hi >> s;
        } else {
            guard = s == 64 ? lo >> 63 : (hi >> (s - 65)) & 1;
            sticky = s == 64 ? lo & ~((uint64_t)1 << 63) : lo | (hi & (((uint64_t)1 << (s - 65)) - 1));
            l = s == 64 ? hi : hi >> (s - 64);
            h = 0;
        }
        if (guard && (sticky || (l & 1))) {
            l++;
            h += l == 0;
        }
        lo = l;
        hi = h;
        q = 0;
        if ((lo | hi) == 0) return;
    }
    const int len = hi ? 64 + bit_length64(hi) : bit_length64(lo);
    if (len + q > 2098) { /* |x * y| >= 2^2098 units = 2^1024 */
        a->special |= negative ? CR_EXACT_NEG_INF : CR_EXACT_POS_INF;
        return;
    }
    if (a->pending > CR_EXACT_PENDING_MAX - 2) carry(a);
    a->pending += 2;
    const int64_t neg = -(int64_t)negative;
    const uint64_t low53 = lo & MANT53, high53 = (hi << 11) | (lo >> 53);
    if (low53) add_bits(a, low53, (uint32_t)q, neg);
    if (high53) add_bits(a, high53, (uint32_t)q + 53, neg);
}

void cr_exact_merge(cr_exact *into, const cr_exact *from)
{
    int64_t c[CR_EXACT_CHUNKS];
    const uint32_t special = normalised(from, c); /* before into changes: into may be from */
    into->special |= special;
    /* c's chunks are < 2^32 and its top within 2^61: into's chunks stay
       within propagate()'s bounds (< 2^33 + CR_EXACT_PENDING_MAX * 2^52). */
    for (int k = 0; k < CR_EXACT_CHUNKS; k++) into->chunk[k] += c[k];
    carry(into);
}

/* The double of a special state: NaN, +inf, -inf (0 if finite). */
static int special_state(uint32_t special)
{
    if ((special & CR_EXACT_NAN) || (special & (CR_EXACT_POS_INF | CR_EXACT_NEG_INF)) == (CR_EXACT_POS_INF | CR_EXACT_NEG_INF))
        return 3;
    if (special & CR_EXACT_POS_INF) return 1;
    if (special & CR_EXACT_NEG_INF) return 2;
    return 0;
}

static double from_bits(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* The double nearest (-1)^negative * D * 2^(32 base) units, D the digits
   d[0..n) (base 2^32, little-endian), d[n] and d[n + 1] zero. */
static double round_digits(const uint32_t *d, int n, int base, int negative)
{
    int top = n - 1;
    while (top >= 0 && d[top] == 0) top--;
    if (top < 0) return 0.0; /* an exact zero is +0 */
    const int lmsb = 32 * top + 31 - __builtin_clz(d[top]); /* D in [2^lmsb, 2^(lmsb+1)) */
    const int msb = lmsb + 32 * base;
    uint64_t bits;
    if (msb < 53) {
        /* < 2^53 units: exact, and its own bit pattern (base 0, or 1 with d[1] = 0). */
        bits = ((uint64_t)d[1] << 32 | d[0]) << (32 * base);
    } else {
        /* w: the 64 bits from msb down; sticky: any bit below them. */
        const int low = lmsb - 63;
        uint64_t w;
        int sticky = 0;
        if (low <= 0) {
            w = ((uint64_t)d[1] << 32 | d[0]) << -low; /* nothing below the digits */
        } else {
            const int idx = low >> 5, off = low & 31;
            w = ((uint64_t)d[idx + 1] << 32 | d[idx]) >> off;
            if (off) w |= (uint64_t)d[idx + 2] << (64 - off);
            sticky = (d[idx] & ((1u << off) - 1)) != 0;
            for (int k = 0; k < idx; k++) sticky |= d[k] != 0;
        }
        uint64_t mant = w >> 11; /* 53 bits, the top one set */
        const uint64_t rest = w & 0x7ff;
        if (rest > 0x400 || (rest == 0x400 && (sticky || (mant & 1)))) mant++;
        const uint64_t shift = (uint64_t)(msb - 52); /* the value is mant * 2^shift units */
        /* Biased exponent shift + 1 and the implicit bit: adding mant (with
           its bit 52, or 2^53 after rounding up) carries into the exponent,
           up to INF_BITS for shift 2045. */
        bits = shift >= 2046 ? INF_BITS : (shift << 52) + mant;
    }
    return from_bits(bits | (uint64_t)negative << 63);
}

/* Two's complement negation of d[0..n) in place; the carry out (1 when
   d was zero). */
static uint32_t negate_digits(uint32_t *d, int n)
{
    uint64_t cy = 1;
    for (int k = 0; k < n; k++) {
        cy += (uint32_t)~d[k];
        d[k] = (uint32_t)cy;
        cy >>= 32;
    }
    return (uint32_t)cy;
}

double cr_exact_round(const cr_exact *a)
{
    const int64_t *c = a->chunk;
    uint32_t d[CR_EXACT_CHUNKS + 5];
    if (!a->special && (c[TOP] == 0 || c[TOP] == -1)) {
        /* The usual case, no saturation possible (the chunks below the top
           hold < 2^2144 units): carries over the nonzero chunks only.
           A normalised negative total ends in 0xffffffff chunks and a top
           of -1, together -2^(32 hi): one chunk of -1 at hi. */
        int hi = TOP;
        int64_t top_value = c[TOP];
        if (top_value == -1)
            while (hi > 0 && c[hi - 1] == 0xffffffff) hi--;
        else
            while (hi >= 0 && c[hi] == 0) hi--;
        if (hi < 0) return 0.0;
        int lo = 0;
        while (lo < hi && c[lo] == 0) lo++;
        int n = 0;
        int64_t carry = 0;
        for (int k = lo; k <= hi; k++) {
            const int64_t x = (k == hi && top_value == -1 ? -1 : c[k]) + carry;
            const int64_t low = (int64_t)((uint64_t)x & 0xffffffffu);
            carry = (x - low) / ((int64_t)1 << 32);
            d[n++] = (uint32_t)low;
        }
        if (carry != 0 && carry != -1) { /* |carry| < 2^31: one more digit */
            const int64_t low = (int64_t)((uint64_t)carry & 0xffffffffu);
            carry = (carry - low) / ((int64_t)1 << 32);
            d[n++] = (uint32_t)low;
        }
        /* The value: D - 2^(32 n) * (carry == -1), times 2^(32 lo). */
        const int negative = carry == -1;
        if (negative && negate_digits(d, n)) d[n++] = 1;
        d[n] = d[n + 1] = 0;
        return round_digits(d, n, lo, negative);
    }
    int64_t nc[CR_EXACT_CHUNKS];
    const int state = special_state(normalised(a, nc));
    if (state) return from_bits(state == 3 ? NAN_BITS : state == 1 ? INF_BITS : INF_BITS | 1ull << 63);
    /* The normalised value as 70 32-bit digits, two's complement. */
    for (int k = 0; k < TOP; k++) d[k] = (uint32_t)nc[k];
    const int negative = nc[TOP] < 0;
    const uint64_t t = (uint64_t)nc[TOP];
    d[TOP] = (uint32_t)t;
    d[TOP + 1] = (uint32_t)(t >> 32);
    d[TOP + 2] = d[TOP + 3] = negative ? 0xffffffffu : 0;
    if (negative) negate_digits(d, CR_EXACT_CHUNKS + 3);
    d[CR_EXACT_CHUNKS + 3] = d[CR_EXACT_CHUNKS + 4] = 0;
    return round_digits(d, CR_EXACT_CHUNKS + 3, 0, negative);
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int k = 0; k < 4; k++) p[k] = (unsigned char)(v >> (8 * k));
}

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int k = n - 1; k >= 0; k--) v = v << 8 | p[k];
    return v;
}

size_t cr_exact_save(const cr_exact *a, unsigned char *out)
{
    int64_t c[CR_EXACT_CHUNKS];
    const int state = special_state(normalised(a, c));
    if (state) memset(c, 0, sizeof c);
    out[0] = 'C';
    out[1] = 'R';
    out[2] = 'X';
    out[3] = (unsigned char)state;
    for (int k = 0; k < TOP; k++) put32(out + 4 + 4 * k, (uint32_t)c[k]);
    const uint64_t t = (uint64_t)c[TOP];
    put32(out + 4 + 4 * TOP, (uint32_t)t);
    put32(out + 8 + 4 * TOP, (uint32_t)(t >> 32));
    return CR_EXACT_BYTES;
}

int cr_exact_load(cr_exact *a, const unsigned char *in, size_t n)
{
    if (!in || n != CR_EXACT_BYTES || in[0] != 'C' || in[1] != 'R' || in[2] != 'X' || in[3] > 3) return 1;
    cr_exact t;
    memset(&t, 0, sizeof t);
    uint64_t any = 0;
    for (int k = 0; k < TOP; k++) {
        t.chunk[k] = (int64_t)get_le(in + 4 + 4 * k, 4);
        any |= (uint64_t)t.chunk[k];
    }
    const uint64_t u = get_le(in + 4 + 4 * TOP, 8);
    /* Two's complement without an implementation-defined conversion. */
    const int64_t top = u >> 63 ? -(int64_t)(~u) - 1 : (int64_t)u;
    if (top >= TOP_LIMIT || top <= -TOP_LIMIT) return 1;
    t.chunk[TOP] = top;
    any |= u;
    static const uint32_t special[4] = {0, CR_EXACT_POS_INF, CR_EXACT_NEG_INF, CR_EXACT_NAN};
    if (in[3] && any) return 1;
    t.special = special[in[3]];
    *a = t;
    return 0;
}

size_t cr_exact_save_compact(const cr_exact *a, unsigned char *out)
{
    unsigned char full[CR_EXACT_BYTES];
    cr_exact_save(a, full);
    const unsigned char *word = full + 4;
    int lo = 0, hi = 68;
    while (lo < hi && !get_le(word + 4 * lo, 4)) lo++;
    while (hi > lo && !get_le(word + 4 * (hi - 1), 4)) hi--;
    out[0] = full[3];
    out[1] = (unsigned char)(hi > lo ? lo : 0);
    out[2] = (unsigned char)(hi - lo);
    memcpy(out + 3, word + 4 * lo, (size_t)(4 * (hi - lo)));
    return (size_t)(3 + 4 * (hi - lo));
}

int cr_exact_load_compact(cr_exact *a, const unsigned char *in, size_t avail, size_t *used)
{
    if (!in || avail < 3) return 1;
    const int lo = in[1], count = in[2];
    const size_t n = (size_t)3 + 4 * (size_t)count;
    if (lo + count > 68 || n > avail || (count == 0 && lo != 0)) return 1;
    /* Canonical: the first and the last word are nonzero. */
    if (count && (!get_le(in + 3, 4) || !get_le(in + n - 4, 4))) return 1;
    unsigned char full[CR_EXACT_BYTES] = {'C', 'R', 'X', in[0]};
    memcpy(full + 4 + 4 * lo, in + 3, (size_t)(4 * count));
    if (cr_exact_load(a, full, sizeof full)) return 1;
    *used = n;
    return 0;
}
