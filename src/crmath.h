/* crmath.h - deterministic elementary functions.
 *
 * exp, log1p and log written with nothing but IEEE-754 double + - * / and
 * integer/bit operations, so they give bit-identical results on every host
 * (glibc, musl, Emscripten, wasi-libc), independent of the platform libm.
 * Each result is within 1 ulp of the correctly rounded value (the error
 * is below 1 ulp of the exact value). Every NaN result is the canonical quiet
 * NaN 0x7ff8000000000000; NaN payloads are not propagated.
 *
 * Build with -ffp-contract=off (no fma contraction) and SSE2/wasm doubles
 * (no x87 extended precision).
 */
#ifndef CR_CRMATH_H
#define CR_CRMATH_H

#ifndef CR_HIDDEN
#define CR_HIDDEN __attribute__((visibility("hidden")))
#endif

/* e^x. exp(+-0) = 1 exactly; +inf for x > 709.782712893384 (and x = +inf);
 * subnormal results down to x ~ -745.1332, +0 below that (and x = -inf);
 * NaN -> NaN. */
CR_HIDDEN double cr_exp(double x);

/* log(1 + x), accurate for tiny x. log1p(+-0) = +-0; tiny x -> x;
 * log1p(-1) = -inf; x < -1 (incl. -inf) -> NaN; +inf -> +inf; NaN -> NaN. */
CR_HIDDEN double cr_log1p(double x);

/* Natural logarithm. log(1) = +0; log(+-0) = -inf; x < 0 (incl. -inf) ->
 * NaN; +inf -> +inf; subnormal x handled exactly; NaN -> NaN. */
CR_HIDDEN double cr_log(double x);

#endif
