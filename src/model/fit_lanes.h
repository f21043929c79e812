/* fit_lanes.h - the fit's kernel (train.c) for one lane count: rows in the
 * lanes of double vectors, each lane doing exactly what accumulate() does
 * for its row (the same operations in the same order: the same bits), each
 * sum's terms added exactly in binned levels. Included by train.c only,
 * once per lane count, with:
 *   FL_N       lanes (2: SSE2 natively, simd128 in wasm; 4: AVX2; 8: AVX-512)
 *   FL_NAME    a prefix for this instance's names
 *   FL_TARGET  its function attributes (a target for the wider ones)
 * A batch is FL_ROWS = FAST_LEVEL_TERMS * FL_N rows: FAST_LEVEL_TERMS terms
 * per lane and level, which FAST_GROWTH allows for. It defines
 * FL_NAME##_batch_add() and FL_NAME##_summary_batch() (see fast_batch_add()
 * and summary_batch() in train.c). */
#define FL_CAT2(a, b) a##_##b
#define FL_CAT(a, b) FL_CAT2(a, b)
#define FL(name) FL_CAT(FL_NAME, name)
#define FL_ROWS (FAST_LEVEL_TERMS * FL_N)
#define FL_INLINE static inline __attribute__((always_inline)) FL_TARGET

typedef double FL(vd) __attribute__((vector_size(8 * FL_N)));
typedef uint64_t FL(vu) __attribute__((vector_size(8 * FL_N)));
typedef int64_t FL(vs) __attribute__((vector_size(8 * FL_N)));

/* S once per lane, with l a constant (loops over lanes with variable
   indices cost a trip through memory where compilers do not unroll them:
   wasm at -Os). */
#if FL_N == 2
#define FL_EACH(l, S) do { { enum { l = 0 }; S; } { enum { l = 1 }; S; } } while (0)
#elif FL_N == 4
#define FL_EACH(l, S) do { { enum { l = 0 }; S; } { enum { l = 1 }; S; } { enum { l = 2 }; S; } { enum { l = 3 }; S; } } while (0)
#else
#define FL_EACH(l, S)                                                                              \
    do {                                                                                           \
        { enum { l = 0 }; S; } { enum { l = 1 }; S; } { enum { l = 2 }; S; } { enum { l = 3 }; S; } \
        { enum { l = 4 }; S; } { enum { l = 5 }; S; } { enum { l = 6 }; S; } { enum { l = 7 }; S; } \
    } while (0)
#endif

/* x in every lane (x - 0 is x, -0 included). */
FL_INLINE FL(vd) FL(splat)(double x) { return x - (FL(vd)){0}; }
FL_INLINE FL(vu) FL(usplat)(uint64_t x) { return x + (FL(vu)){0}; }
FL_INLINE FL(vs) FL(ssplat)(int64_t x) { return x + (FL(vs)){0}; }

/* m ? a : b, lane by lane (m: all ones or zero). */
FL_INLINE FL(vd) FL(sel)(FL(vs) m, FL(vd) a, FL(vd) b)
{
    return (FL(vd))(((FL(vu))m & (FL(vu))a) | (~(FL(vu))m & (FL(vu))b));
}

FL_INLINE FL(vd) FL(abs)(FL(vd) a) { return (FL(vd))((FL(vu))a & FL(usplat)(0x7fffffffffffffffu)); }
FL_INLINE FL(vd) FL(max)(FL(vd) a, FL(vd) b) { return FL(sel)(a > b, a, b); }

FL_INLINE double FL(hmax)(FL(vd) a)
{
    double m = a[0];
    FL_EACH(l, m = a[l] > m ? a[l] : m);
    return m;
}

FL_INLINE int FL(any)(FL(vu) a)
{
    uint64_t o = 0;
    FL_EACH(l, o |= a[l]);
    return o != 0;
}

/* cr_exp() in each lane, for lanes below its rare path's threshold. */
FL_INLINE FL(vd) FL(exp)(FL(vd) x)
{
    const FL(vd) kd = x * FL(splat)(CR_EXP_INVLN2N) + FL(splat)(CR_EXP_SHIFT);
    const FL(vd) nd = kd - FL(splat)(CR_EXP_SHIFT);
    const FL(vd) r = (x - nd * FL(splat)(CR_EXP_LN2HI_N)) - nd * FL(splat)(CR_EXP_LN2LO_N);
    const FL(vs) n = (FL(vs))kd - (FL(vs))FL(splat)(CR_EXP_SHIFT);   /* nd as an integer: kd's low bits */
    const FL(vs) j = n & FL(ssplat)(CR_EXP_N - 1);
    const FL(vs) k = n >> 7;                                           /* (n - j) / 128 */
    const FL(vd) r2 = r * r;
    const FL(vd) poly = r + r2 * (FL(splat)(CR_EXP_C2) +
                                  r * (FL(splat)(CR_EXP_C3) + r * (FL(splat)(CR_EXP_C4) + r * FL(splat)(CR_EXP_C5))));
    FL(vd) head, tail;
    FL_EACH(l, (head[l] = CR_EXP_TABLE[2 * j[l]], tail[l] = CR_EXP_TABLE[2 * j[l] + 1]));
    const FL(vd) y = head + (tail + head * poly);
    return y * (FL(vd))((FL(vu))(k + FL(ssplat)(0x3ff)) << 52);
}

/* cr_log1p() in each lane, for lanes in [0, 1]. */
FL_INLINE FL(vd) FL(log1p)(FL(vd) x)
{
    const FL(vu) ix = (FL(vu))x;
    const FL(vd) u = FL(splat)(1.0) + x;
    const FL(vu) iu = (FL(vu))u;
    const FL(vu) hu0 = ((iu >> 32) + FL(usplat)(0x3ff00000u - 0x3fe6a09eu)) & FL(usplat)(0xffffffffu);
    const FL(vs) k = (FL(vs))(hu0 >> 20) - FL(ssplat)(0x3ff);
    const FL(vu) hu = (hu0 & FL(usplat)(0x000fffffu)) + FL(usplat)(0x3fe6a09eu);
    FL(vd) f = (FL(vd))(hu << 32 | (iu & FL(usplat)(0xffffffffu))) - FL(splat)(1.0);
    const FL(vd) c_small = x - (u - FL(splat)(1.0));
    const FL(vd) c_large = FL(splat)(1.0) - (u - x);
    const FL(vs) big = x >= FL(splat)(1.0);
    const FL(vs) red = k != FL(ssplat)(0);
    FL(vd) c = FL(sel)(big, c_large, c_small) / u;
    f = FL(sel)(red, f, (FL(vd))ix);
    c = (FL(vd))((FL(vu))c & (FL(vu))red);
    FL(vd) dk;
    FL_EACH(l, dk[l] = (double)k[l]);
    const FL(vd) hfsq = FL(splat)(0.5) * f * f;
    const FL(vd) s = f / (FL(splat)(2.0) + f);
    const FL(vd) z = s * s, w = z * z;
    const FL(vd) t1 = w * (FL(splat)(CR_LOG_LG2) + w * (FL(splat)(CR_LOG_LG4) + w * FL(splat)(CR_LOG_LG6)));
    const FL(vd) t2 = z * (FL(splat)(CR_LOG_LG1) + w * (FL(splat)(CR_LOG_LG3) + w * (FL(splat)(CR_LOG_LG5) + w * FL(splat)(CR_LOG_LG7))));
    const FL(vd) R = t2 + t1;
    const FL(vd) main = dk * FL(splat)(CR_LN2_HI) - ((hfsq - (s * (hfsq + R) + (dk * FL(splat)(CR_LN2_LO) + c))) - f);
    /* |x| < 2^-54 (zero too): log1p(x) rounds to x. */
    return FL(sel)((FL(vs))(ix >> 32) < FL(ssplat)(0x3c900000), x, main);
}

/* Adds exactly, for each term t < n, the products a[t][i] * b[t][i] (i < m
   vectors of rows, |product| < 2^E[t]) to the sums acc[dest[first[t] ..
   first[t + 1])]: two levels per lane, residuals (if any) straight to the
   exact sums. */
static FL_TARGET void FL(binned_add)(const FL(vd) *const *a, const FL(vd) *const *b, const int *E, size_t n, size_t m,
                                     const uint16_t *first, const uint16_t *dest, cr_exact *acc)
{
    for (size_t g0 = 0; g0 < n; g0 += FAST_GROUP) {
        const size_t gn = n - g0 < FAST_GROUP ? n - g0 : FAST_GROUP;
        FL(vd) s1[FAST_GROUP], s2[FAST_GROUP], init1[FAST_GROUP], init2[FAST_GROUP];
        const FL(vd) *ga[FAST_GROUP], *gb[FAST_GROUP];
        for (size_t u = 0; u < FAST_GROUP; u++) {
            /* Past the last term: a copy of the group's first, never added. */
            const size_t su = g0 + (u < gn ? u : 0);
            const int k1 = E[su] + FAST_GROWTH, k2 = k1 - 52 + FAST_GROWTH;
            init1[u] = FL(splat)(1.5 * cr_pow2i(k1));
            init2[u] = FL(splat)(1.5 * cr_pow2i(k2));
            s1[u] = init1[u], s2[u] = init2[u];
            ga[u] = a[su];
            gb[u] = b[su];
        }
        FL(vu) left = FL(usplat)(0);
        for (size_t i = 0; i < m; i++) {
            for (size_t u = 0; u < FAST_GROUP; u++) {
                const FL(vd) t = ga[u][i] * gb[u][i];
                const FL(vd) n1 = s1[u] + t, q1 = n1 - s1[u], t1 = t - q1;
                const FL(vd) n2 = s2[u] + t1, q2 = n2 - s2[u], t2 = t1 - q2;
                s1[u] = n1, s2[u] = n2;
                left |= (FL(vu))t2;
            }
        }
        /* A residual of -0 (a negative term's zero) is none: the sign bit aside. */
        if (FL(any)(left << 1)) {
            /* The same adds again from the same starts: the residuals, exactly. */
            FL(vd) r1[FAST_GROUP], r2[FAST_GROUP];
            for (size_t u = 0; u < FAST_GROUP; u++) r1[u] = init1[u], r2[u] = init2[u];
            for (size_t i = 0; i < m; i++)
                for (size_t u = 0; u < gn; u++) {
                    const FL(vd) t = ga[u][i] * gb[u][i];
                    const FL(vd) n1 = r1[u] + t, q1 = n1 - r1[u], t1 = t - q1;
                    const FL(vd) n2 = r2[u] + t1, q2 = n2 - r2[u], t2 = t1 - q2;
                    r1[u] = n1, r2[u] = n2;
                    for (size_t k = first[g0 + u]; k < first[g0 + u + 1]; k++)
                        FL_EACH(l, if (t2[l] != 0) cr_exact_add(&acc[dest[k]], t2[l]));
                }
        }
        for (size_t u = 0; u < gn; u++) {
            const FL(vd) d1 = s1[u] - init1[u], d2 = s2[u] - init2[u];
            for (size_t k = first[g0 + u]; k < first[g0 + u + 1]; k++) {
                cr_exact *o = &acc[dest[k]];
                FL_EACH(l, (cr_exact_add(o, d1[l]), cr_exact_add(o, d2[l])));
            }
        }
    }
}

/* The batch's columns (FAST_COLS of them, FL_ROWS rows each) in the scratch. */
#define FL_COL(c) ((FL(vd) *)(cols + (size_t)(c) * FL_ROWS))

/* Rows x[0 .. cnt) (1 <= cnt <= FL_ROWS, stride L->m, weight 1, labels y)
   into acc under layout L; 0 (nothing added) when the batch's bounds are
   out of range. Lanes past cnt hold zeros: their terms are zero. Not
   inlined: a wasm engine compiles a function for speed after some calls
   (V8's tiering), and a call already running keeps its first code. */
static __attribute__((noinline)) FL_TARGET int FL(batch_add)(const problem *p, const fast_layout *L, const double *theta,
                                                             const double *x, const uint8_t *y, size_t cnt,
                                                             cr_exact *acc, double *cols)
{
    const size_t D = p->d, NP = p->np, m = L->m, M = (cnt + FL_N - 1) / FL_N;
    const size_t R_COL = m, C_COL = m + 1, F_COL = m + 2, ONE_COL = m + 3, CV_COL = m + 4;
    const double b = NP > D ? theta[D] : 0.0;
    /* z's steps in feature order: a value column times theta_j, or
       theta_j itself for a flag at 1 (theta_j * 1); a flag at 0 adds a
       zero (theta_j finite), which leaves z as it is but for the sign of a
       zero z, which nothing after depends on. */
    size_t zc[CR_MAX_FEATURES], nz = 0;
    double zt[CR_MAX_FEATURES];
    for (size_t j = 0; j < D; j++) {
        if (L->col[j] == CONST_COL && !L->one[j]) continue;
        zc[nz] = L->col[j], zt[nz++] = theta[j];
    }
    FL(vd) xmax[CR_MAX_FEATURES];
    for (size_t c = 0; c < m; c++) xmax[c] = FL(splat)(0.0);
    FL(vd) rmax = FL(splat)(0.0), cmax = FL(splat)(0.0), fmax = FL(splat)(0.0);
    FL(vs) nan = FL(ssplat)(0);   /* a NaN logit (an infinite one shows in the loss term's bound) */
    const FL(vd) cw0 = FL(splat)(p->cw[0]), cw1 = FL(splat)(p->cw[1]);
    for (size_t i = 0; i < M; i++) {
        const size_t r0 = i * FL_N;
        FL(vs) keep, yl;   /* lanes with a row; label 1 (all ones) */
        const double *xr = x + r0 * m;
        if (r0 + FL_N <= cnt) {
            keep = FL(ssplat)(-1);
            FL_EACH(l, yl[l] = -(int64_t)y[r0 + l]);
            for (size_t c = 0; c < m; c++) {
                FL(vd) v;
                FL_EACH(l, v[l] = xr[l * m + c]);
                FL_COL(c)[i] = v;
                xmax[c] = FL(max)(xmax[c], FL(abs)(v));
            }
        } else {   /* the batch's last rows: lanes past them hold zeros */
            FL_EACH(l, (keep[l] = r0 + l < cnt ? -1 : 0, yl[l] = keep[l] ? -(int64_t)y[r0 + l] : 0));
            for (size_t c = 0; c < m; c++) {
                FL(vd) v;
                FL_EACH(l, v[l] = keep[l] ? xr[l * m + c] : 0.0);
                FL_COL(c)[i] = v;
                xmax[c] = FL(max)(xmax[c], FL(abs)(v));
            }
        }
        FL(vd) z = FL(splat)(b);
        for (size_t k = 0; k < nz; k++) z = z + FL(splat)(zt[k]) * (zc[k] == CONST_COL ? FL(splat)(1.0) : FL_COL(zc[k])[i]);
        nan |= z != z;
        const FL(vd) yd = (FL(vd))((FL(vu))yl & (FL(vu))FL(splat)(1.0));
        const FL(vd) cw = FL(sel)(yl, cw1, cw0);
        const FL(vd) t = FL(sel)(yl, -z, z);
        const FL(vd) arg = FL(sel)(z < FL(splat)(0.0), z, -z);
        /* cr_exp()'s rare path (|arg| >= 708) for every lane if any needs it. */
        const FL(vu) hi = (FL(vu))arg >> 32 & FL(usplat)(0x7fffffffu);
        FL(vd) e;
        if (FL(any)((FL(vu))(hi >= FL(usplat)(0x40862000u)))) {
            FL_EACH(l, e[l] = cr_exp(arg[l]));
        } else {
            e = FL(exp)(arg);
        }
        const FL(vd) q = FL(splat)(1.0) / (FL(splat)(1.0) + e);
        const FL(vd) sigma = FL(sel)(z >= FL(splat)(0.0), q, e * q);
        const FL(vd) r = (FL(vd))((FL(vu))(cw * (sigma - yd)) & (FL(vu))keep);
        const FL(vd) c = (FL(vd))((FL(vu))(cw * (e * q * q)) & (FL(vu))keep);
        const FL(vd) fl = (FL(vd))((FL(vu))(cw * (FL(sel)(t > FL(splat)(0.0), t, FL(splat)(0.0)) + FL(log1p)(e))) & (FL(vu))keep);
        FL_COL(R_COL)[i] = r;
        FL_COL(C_COL)[i] = c;
        FL_COL(F_COL)[i] = fl;
        FL_COL(ONE_COL)[i] = FL(splat)(1.0);
        for (size_t k = 0; k < m; k++) FL_COL(CV_COL + k)[i] = c * FL_COL(k)[i];
        rmax = FL(max)(rmax, FL(abs)(r));
        cmax = FL(max)(cmax, FL(abs)(c));
        fmax = FL(max)(fmax, FL(abs)(fl));
    }
    if (FL(any)((FL(vu))nan)) return 0;
    /* Each column's bound (c * v's: c's times v's), then each term's. */
    double X[FAST_COLS];
    for (size_t c = 0; c < m; c++) X[c] = FL(hmax)(xmax[c]);
    X[R_COL] = FL(hmax)(rmax), X[C_COL] = FL(hmax)(cmax), X[F_COL] = FL(hmax)(fmax), X[ONE_COL] = 1.0;
    for (size_t c = 0; c < m; c++) X[CV_COL + c] = X[C_COL] * X[c];
    const FL(vd) *ac[CR_MAX_SUMS], *bc[CR_MAX_SUMS];
    int E[CR_MAX_SUMS];
    for (size_t t = 0; t < L->nterms; t++) {
        E[t] = bound_exponent(X[L->ta[t]] * X[L->tb[t]]);
        if (E[t] > FAST_E_MAX) return 0;
        ac[t] = FL_COL(L->ta[t]), bc[t] = FL_COL(L->tb[t]);
    }
    FL(binned_add)(ac, bc, E, L->nterms, M, L->first, L->dest, acc);
    return 1;
}

/* The summary's feature sums of rows [i0, i0 + FL_ROWS) of p (all of weight
   1): each feature's terms c * x (c the row's class weight) added exactly;
   0 (nothing added) when out of range. */
static __attribute__((noinline)) FL_TARGET int FL(summary_batch)(const problem *p, const double cw[2], cr_exact *acc,
                                                                 size_t i0, double *cols)
{
    const size_t D = p->d, M = FL_ROWS / FL_N, ONE_COL = D;
    const double *x = p->x + i0 * D;
    const uint8_t *y = p->y + i0;
    const FL(vd) cw0 = FL(splat)(cw[0]), cw1 = FL(splat)(cw[1]);
    FL(vd) xmax[CR_MAX_FEATURES];
    for (size_t j = 0; j < D; j++) xmax[j] = FL(splat)(0.0);
    for (size_t i = 0; i < M; i++) {
        FL(vs) yl;
        FL_EACH(l, yl[l] = -(int64_t)y[i * FL_N + l]);
        const FL(vd) c = FL(sel)(yl, cw1, cw0);
        for (size_t j = 0; j < D; j++) {
            FL(vd) v;
            FL_EACH(l, v[l] = x[(i * FL_N + l) * D + j]);
            xmax[j] = FL(max)(xmax[j], FL(abs)(v));
            FL_COL(j)[i] = c * v;
        }
        FL_COL(ONE_COL)[i] = FL(splat)(1.0);
    }
    const double c = cw[0] > cw[1] ? cw[0] : cw[1];
    const FL(vd) *a[CR_MAX_FEATURES], *b[CR_MAX_FEATURES];
    int E[CR_MAX_FEATURES];
    uint16_t first[CR_MAX_FEATURES + 1], dest[CR_MAX_FEATURES];
    for (size_t j = 0; j < D; j++) {
        E[j] = bound_exponent(c * FL(hmax)(xmax[j]));
        if (E[j] > FAST_E_MAX) return 0;
        a[j] = FL_COL(j), b[j] = FL_COL(ONE_COL);
        first[j] = (uint16_t)j, dest[j] = (uint16_t)j;
    }
    first[D] = (uint16_t)D;
    FL(binned_add)(a, b, E, D, M, first, dest, acc);
    return 1;
}

#undef FL_COL
#undef FL_EACH
#undef FL_INLINE
#undef FL_ROWS
#undef FL
#undef FL_CAT
#undef FL_CAT2
