/* score_lanes.h - the batch kernel for one vector width, written once with
 * GCC/clang vector extensions: score_batch.c includes it for 2 lanes (SSE2,
 * wasm simd128, or plain scalar code) and, on x86-64, again for 4 lanes
 * under the avx2 target and 8 under avx512f and avx512vl. Every lane performs exactly the operations of the
 * scalar cr_score() path (no fma: -ffp-contract=off), so every width gives
 * the same bits.
 *
 * Expects LANES and LANE(name), which suffixes a name with the width. */

typedef double LANE(vd) __attribute__((vector_size(8 * LANES)));
typedef int64_t LANE(vi) __attribute__((vector_size(8 * LANES)));   /* comparison masks */
typedef uint64_t LANE(vu) __attribute__((vector_size(8 * LANES)));  /* bit arithmetic: wraps, no UB */
typedef int32_t LANE(v32) __attribute__((vector_size(4 * LANES)));
typedef uint8_t LANE(v8) __attribute__((vector_size(LANES)));     /* levels */
#define VD LANE(vd)
#define VI LANE(vi)
#define VU LANE(vu)
#define V32 LANE(v32)
/* A vector of X(0) .. X(LANES - 1): initializers, not stores into lanes,
   which clang turns into stack traffic when compiling for wasm. */
#if LANES == 2
#define EACH(X) {X(0), X(1)}
#elif LANES == 4
#define EACH(X) {X(0), X(1), X(2), X(3)}
#elif LANES == 8
#define EACH(X) {X(0), X(1), X(2), X(3), X(4), X(5), X(6), X(7)}
#endif

static inline VD LANE(splat)(double x)
{
#define X_(k) x
    return (VD)EACH(X_);
#undef X_
}

/* Field f of rows i .. i + LANES - 1 (nf fields per row). */
static inline VD LANE(column)(const double *fields, size_t nf, size_t i, size_t f)
{
#define X_(k) fields[(i + k) * nf + f]
    return (VD)EACH(X_);
#undef X_
}

static inline int LANE(all)(VI m)
{
#if LANES == 2
    return (int)(m[0] & m[1] & 1);
#elif LANES == 4
    return (int)(m[0] & m[1] & m[2] & m[3] & 1);
#else
    return (int)(m[0] & m[1] & m[2] & m[3] & m[4] & m[5] & m[6] & m[7] & 1);
#endif
}

/* Whole numbers in [0, 2^53]: below 2^52, adding and removing 2^52 drops any
   fraction; from 2^52 on every double is whole. NaN fails every compare. */
static inline VI LANE(count_ok)(VD v)
{
    return (v >= 0.0) & (v <= 0x1p53) & ((v >= 0x1p52) | ((v + 0x1p52) - 0x1p52 == v));
}

/* Rows [i0, i1) all pass cr_schema_check_row(). SEED: the seed's types as
   constants (count, bool, count); otherwise each field's test by its type:
   unrolled over N fields, each branch goes the same way for every row. */
static inline __attribute__((always_inline)) int LANE(rows_valid)(const cr_schema *s, const linear *lin,
                                                                const size_t NF, const int SEED,
                                                                const double *fields, size_t i0, size_t i1)
{
    const VD zero = LANE(splat)(0.0), one = LANE(splat)(1.0);
    const VD real_max = LANE(splat)(CR_REAL_MAX);
    uint8_t type[CR_MAX_FIELDS];
    for (size_t f = 0; f < NF; f++) type[f] = lin->type[f];
    VI ok = (VI)(zero == zero);
    size_t i = i0;
    for (; i + LANES <= i1; i += LANES) {
        if (SEED) {
            const VD v1 = LANE(column)(fields, 3, i, 1);
            ok &= LANE(count_ok)(LANE(column)(fields, 3, i, 0)) & ((v1 == zero) | (v1 == one)) &
                  LANE(count_ok)(LANE(column)(fields, 3, i, 2));
            continue;
        }
        for (size_t f = 0; f < NF; f++) {
            const VD v = LANE(column)(fields, NF, i, f);
            switch ((cr_field_type)type[f]) {   /* NaN fails every test */
            case CR_FIELD_COUNT: ok &= LANE(count_ok)(v); break;
            case CR_FIELD_BOOL: ok &= (v == zero) | (v == one); break;
            default: ok &= (v >= -real_max) & (v <= real_max); break;
            }
        }
    }
    return LANE(all)(ok) && first_bad_row(s, fields, i, i1, NULL) == CR_OK;
}

/* cr_exp()'s operations, lane by lane; requires |x| < 708 (callers check). */
static inline __attribute__((always_inline)) VD LANE(exp)(VD x)
{
    const VD shifted = x * CR_EXP_INVLN2N + CR_EXP_SHIFT;
    const VD nd = shifted - CR_EXP_SHIFT;
    const VD r = (x - nd * CR_EXP_LN2HI_N) - nd * CR_EXP_LN2LO_N;
    /* The low bits of `shifted` hold n = 128k + j; (n - j) << 45 is k << 52
       (the shifter's own bits shift out). */
    const VU nb = (VU)shifted;
    const VU j = nb & (uint64_t)(CR_EXP_N - 1);
    const VU scale = ((nb - j) << 45) + ((uint64_t)0x3ff << 52);
    const VD r2 = r * r;
    const VD p = r + r2 * (CR_EXP_C2 + r * (CR_EXP_C3 + r * (CR_EXP_C4 + r * CR_EXP_C5)));
#define HEAD_(k) CR_EXP_TABLE[2 * j[k]]
#define TAIL_(k) CR_EXP_TABLE[2 * j[k] + 1]
    const VD head = EACH(HEAD_), tail = EACH(TAIL_);
#undef HEAD_
#undef TAIL_
    return (head + (tail + head * p)) * (VD)scale;
}

/* cr_sigmoid(), lane by lane; *ok is cleared when a lane needs the scalar
   path (|z| >= 708 or NaN). */
static inline __attribute__((always_inline)) VD LANE(sigmoid)(VD z, int *ok)
{
    const VI abs_bits = (VI)z & INT64_MAX;
    const VD a = -(VD)abs_bits;
    *ok = LANE(all)(a > -708.0);
    const VD e = LANE(exp)(a);
    const VI neg = z < 0.0;
    const VD one = LANE(splat)(1.0);
    const VD num = (VD)(((VI)e & neg) | ((VI)one & ~neg));
    return num / (one + e);
}

/* Scores rows [i0, i1) (NF fields, D features; SEED: the seed's features
   v0, 1 - v1, v2 as constants). Returns (size_t)-1, or the first row whose
   logit is not finite: impossible for a valid model (CR_REAL_MAX), checked
   only on the rare slow path, so it costs nothing. */
static inline __attribute__((always_inline)) size_t LANE(score_rows)(const cr_model *m, const linear *lin,
                                                                   const double *fields, size_t i0, size_t i1,
                                                                   const size_t NF, const size_t D,
                                                                   const int SEED, int32_t *scores,
                                                                   double *probabilities, uint8_t *levels)
{
    /* Locals, not lin's fields: the outputs are doubles too, so the compiler
       would reload lin after every store; copies stay in registers. */
    double c[CR_MAX_FEATURES];
    size_t src[CR_MAX_FEATURES];
    uint8_t invert[CR_MAX_FEATURES];
    for (size_t j = 0; j < D; j++) {
        c[j] = lin->coef[j];
        src[j] = lin->src[j];
        invert[j] = lin->invert[j];
    }
    const double b = lin->intercept, ca = lin->cal_a, cb = lin->cal_b;
    const int medium = m->band_medium, high = m->band_high;
    size_t i = i0;
    for (; i + LANES <= i1; i += LANES) {
        VD z = LANE(splat)(b);
        if (SEED)
            z = ((z + c[0] * LANE(column)(fields, 3, i, 0)) + c[1] * (1.0 - LANE(column)(fields, 3, i, 1))) +
                c[2] * LANE(column)(fields, 3, i, 2);
        else
            for (size_t j = 0; j < D; j++) {
                VD x = LANE(column)(fields, NF, i, src[j]);
                if (invert[j]) x = 1.0 - x;   /* the same branch for every row */
                z = z + c[j] * x;
            }
        /* cr_probability(): sigmoid(a z + b), exact for a = 1, b = 0. A
           non-finite logit or calibrated z fails the fast test; the slow
           path checks the logit, as cr_score() does (a loaded model's |a|
           may pass CR_CALIBRATION_A_MAX: a z may overflow, p is then 0 or 1). */
        const VD logit = z;
        z = ca * z + cb;
        int fast;
        VD p = LANE(sigmoid)(z, &fast);
        if (!fast) {
            double ls[LANES], zs[LANES], ps[LANES];
            memcpy(ls, &logit, sizeof ls);
            memcpy(zs, &z, sizeof zs);
            const size_t bad = sigmoid_lanes_slow(ls, zs, ps, LANES);
            if (bad != (size_t)-1) return i + bad;
            memcpy(&p, ps, sizeof p);
        }
        /* cr_score_of(): (int)(100 p), p in [0, 1]; cr_level_of(): the
           thresholds reached, counted. */
        const VD p100 = p * 100.0;
        if (probabilities) memcpy(probabilities + i, &p, sizeof p);
#if LANES >= 4
        /* Truncation in lanes (cvttpd2dq); the levels narrowed to bytes. */
        const V32 sc = __builtin_convertvector(p100, V32);
        if (scores) memcpy(scores + i, &sc, sizeof sc);
        if (levels) {
            const LANE(v8) level = __builtin_convertvector(-((sc >= medium) + (sc >= high)), LANE(v8));
            memcpy(levels + i, &level, sizeof level);
        }
#elif defined(__wasm_simd128__)
        /* Both lanes truncated by i32x4.trunc_sat_f64x2_s_zero (a C
           conversion is one scalar trunc per lane and a shuffle back), the
           levels narrowed to bytes in lanes. */
        const v128_t sc = wasm_i32x4_trunc_sat_f64x2_zero((v128_t)p100);
        if (scores) wasm_v128_store64_lane(scores + i, sc, 0);
        if (levels) {
            const v128_t level = wasm_i32x4_sub(wasm_i32x4_neg(wasm_i32x4_ge(sc, wasm_i32x4_splat(medium))),
                                                wasm_i32x4_ge(sc, wasm_i32x4_splat(high)));
            const v128_t half = wasm_i16x8_narrow_i32x4(level, level);
            wasm_v128_store16_lane(levels + i, wasm_u8x16_narrow_i16x8(half, half), 0);
        }
#else
        for (int k = 0; k < LANES; k++) {
            const int32_t sc = (int32_t)p100[k];
            if (scores) scores[i + (size_t)k] = sc;
            if (levels) levels[i + (size_t)k] = (uint8_t)((sc >= medium) + (sc >= high));
        }
#endif
    }
    return i < i1 ? score_rows_scalar(m, lin, fields, i, i1, NF, D, scores, probabilities, levels) : (size_t)-1;
}

/* cr_score_batch() at this width: each block is validated and then scored
   while it is in cache; a bad row stops the batch before its block is
   written. */
static cr_status LANE(score_batch)(const cr_model *m, const double *fields, size_t n, int32_t *scores,
                                   double *probabilities, uint8_t *levels, cr_error *err)
{
    const cr_schema *s = &m->schema;
    const size_t nf = s->n_fields, d = s->n_features;
    linear lin;
    linear_init(m, &lin);
    const int seed = seed_shape(s);
    for (size_t i0 = 0; i0 < n; i0 += CR_SCORE_BLOCK) {
        const size_t i1 = i0 + CR_SCORE_BLOCK < n ? i0 + CR_SCORE_BLOCK : n;
        size_t bad;
        if (seed) {
            if (!LANE(rows_valid)(s, &lin, 3, 1, fields, i0, i1)) return first_bad_row(s, fields, i0, i1, err);
            bad = LANE(score_rows)(m, &lin, fields, i0, i1, 3, 3, 1, scores, probabilities, levels);
            if (bad != (size_t)-1) return nonfinite_row(bad, err);
            continue;
        }
        /* One field per feature is the usual shape: unrolled up to 8. */
#define SHAPE(N)                                                                                            \
        case N:                                                                                             \
            if (!LANE(rows_valid)(s, &lin, N, 0, fields, i0, i1)) return first_bad_row(s, fields, i0, i1, err); \
            bad = LANE(score_rows)(m, &lin, fields, i0, i1, N, N, 0, scores, probabilities, levels);         \
            break;
        switch (nf == d ? nf : 0) {
            SHAPE(1) SHAPE(2) SHAPE(3) SHAPE(4) SHAPE(5) SHAPE(6) SHAPE(7) SHAPE(8)
        default:
            if (!LANE(rows_valid)(s, &lin, nf, 0, fields, i0, i1)) return first_bad_row(s, fields, i0, i1, err);
            bad = LANE(score_rows)(m, &lin, fields, i0, i1, nf, d, 0, scores, probabilities, levels);
        }
#undef SHAPE
        if (bad != (size_t)-1) return nonfinite_row(bad, err);
    }
    return CR_OK;
}

/* cr_probability(m, cr_logit(m, x_i)) of n rows of features x (d each)
   into p: the features are the rows' fields, none inverted. A row whose
   logit is not finite (rows evaluated against any model) is left to the
   scalar functions, and its neighbours in the lanes with it. */
static void LANE(feature_probabilities)(const cr_model *m, const double *x, size_t n, size_t d, double *p)
{
    linear lin;
    linear_init(m, &lin);
    for (size_t j = 0; j < d; j++) lin.src[j] = j, lin.invert[j] = 0;
    for (size_t i = 0; i < n;) {
        const size_t bad = LANE(score_rows)(m, &lin, x, i, n, d, d, 0, NULL, p, NULL);
        if (bad == (size_t)-1) break;
        for (size_t k = bad >= i + LANES ? bad - LANES + 1 : i; k <= bad; k++) p[k] = cr_probability(m, cr_logit(m, x + k * d));
        i = bad + 1;
    }
}

/* cr_log() of x in each lane, for normal x > 0 (its main path; the same
   operations on the same bits: crmath.c's cr_log_core with c = 0). */
static inline __attribute__((always_inline)) VD LANE(log)(VD x)
{
    const VU ix = (VU)x;
    const VU hx = (ix >> 32) + (uint64_t)(0x3ff00000u - 0x3fe6a09eu);
    const VI k = (VI)(hx >> 20) - 0x3ff;
    const VU m = ((hx & 0x000fffffu) + 0x3fe6a09eu) << 32 | (ix & 0xffffffffu);
    const VD f = (VD)m - 1.0;
    const VD hfsq = 0.5 * f * f;
    const VD s = f / (2.0 + f);
    const VD z = s * s, w = z * z;
    const VD t1 = w * (CR_LOG_LG2 + w * (CR_LOG_LG4 + w * CR_LOG_LG6));
    const VD t2 = z * (CR_LOG_LG1 + w * (CR_LOG_LG3 + w * (CR_LOG_LG5 + w * CR_LOG_LG7)));
    const VD R = t2 + t1;
    const VD dk = __builtin_convertvector(k, VD);
    return dk * CR_LN2_HI - ((hfsq - (s * (hfsq + R) + (dk * CR_LN2_LO + 0.0))) - f);
}

/* cr_log_loss_terms() at this width. */
static void LANE(log_loss_terms)(const uint64_t *key, size_t n, double *l)
{
    const VD eps = LANE(splat)(CR_LOG_LOSS_EPS), top = LANE(splat)(1 - CR_LOG_LOSS_EPS), one = LANE(splat)(1.0);
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) {
        VU kv;
        memcpy(&kv, key + i, sizeof kv);
        const VD p = (VD)(kv >> 1);
        const VI y = (VI)(kv & 1) != 0;
        VD q1 = p, q0 = one - p;
        q1 = (VD)(((VI)eps & (q1 < eps)) | ((VI)top & (q1 > top)) | ((VI)q1 & ~((q1 < eps) | (q1 > top))));
        q0 = (VD)(((VI)eps & (q0 < eps)) | ((VI)top & (q0 > top)) | ((VI)q0 & ~((q0 < eps) | (q0 > top))));
        const VD r = (VD)(((VI)q1 & y) | ((VI)q0 & ~y)) / (q0 + q1);
        const VD loss = -LANE(log)(r);
        memcpy(l + i, &loss, sizeof loss);
    }
    for (; i < n; i++) l[i] = log_loss_term(key[i]);
}

#undef VD
#undef VI
#undef VU
#undef V32
#undef EACH
