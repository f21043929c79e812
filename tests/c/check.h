/* check.h - minimal assertions for the C tests: count failures, keep going. */
#ifndef CR_TEST_CHECK_H
#define CR_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bits.h"

#include "callrisk.h"

static int check_failures;
static cr_error check_err;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            check_failures++;                                                         \
        }                                                                             \
    } while (0)

#define CHECK_INT(got, want)                                                                   \
    do {                                                                                       \
        long long g_ = (long long)(got), w_ = (long long)(want);                               \
        if (g_ != w_) {                                                                        \
            fprintf(stderr, "%s:%d: %s == %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); \
            check_failures++;                                                                  \
        }                                                                                      \
    } while (0)

#define CHECK_NEAR(got, want, tol)                                                                \
    do {                                                                                          \
        double g_ = (got), w_ = (want);                                                           \
        if (!(g_ - w_ <= (tol) && w_ - g_ <= (tol))) {                                            \
            fprintf(stderr, "%s:%d: %s == %.17g, want %.17g +- %g\n", __FILE__, __LINE__, #got, g_, \
                    w_, (double)(tol));                                                           \
            check_failures++;                                                                     \
        }                                                                                         \
    } while (0)

#define CHECK_STR(got, want)                                                                 \
    do {                                                                                     \
        const char *g_ = (got), *w_ = (want);                                                \
        if (!g_ || strcmp(g_, w_) != 0) {                                                    \
            fprintf(stderr, "%s:%d: %s == \"%s\", want \"%s\"\n", __FILE__, __LINE__, #got, \
                    g_ ? g_ : "(null)", w_);                                                 \
            check_failures++;                                                                \
        }                                                                                    \
    } while (0)

/* A call that must fail with `status` and a message containing `text`. */
#define CHECK_ERR(call, e, want_st, text)                                                         \
    do {                                                                                         \
        memset(&(e), 0, sizeof(e));                                                              \
        cr_status s_ = (call);                                                                   \
        if (s_ != (want_st) || (e).status != (want_st) || !strstr((e).message, (text))) {          \
            fprintf(stderr, "%s:%d: %s -> %s \"%s\", want %s with \"%s\"\n", __FILE__, __LINE__, \
                    #call, cr_status_name(s_), (e).message, cr_status_name(want_st), (text));     \
            check_failures++;                                                                    \
        }                                                                                        \
    } while (0)

/* Pass &check_err as the call's cr_error so a failure prints its message. */
#define CHECK_OK(call)                                                                          \
    do {                                                                                        \
        memset(&check_err, 0, sizeof check_err);                                                \
        cr_status s_ = (call);                                                                  \
        if (s_ != CR_OK) {                                                                      \
            fprintf(stderr, "%s:%d: %s -> %s: %s\n", __FILE__, __LINE__, #call, cr_status_name(s_), \
                    check_err.message);                                                         \
            check_failures++;                                                                   \
        }                                                                                       \
    } while (0)


static inline int check_done(const char *name)
{
    if (check_failures) fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
    else printf("%s: ok\n", name);
    return check_failures ? 1 : 0;
}

#endif
