// SPDX-License-Identifier: Apache-2.0
/*
 * test_mwu.c: fl_mwu_test against scipy.stats.mannwhitneyu golden cases (SciPy's docstring
 * example, ties, tiny and all-tied samples, every alternative and method, the exact
 * distribution up to 8 x 400 and 30 x 40, extreme p-values, infinities, up to 300,000 x 200,000
 * values regenerated from the generator's LCG), the exact-path caps, and the error paths.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "stats/mwu.h"

#include "golden/stats_golden.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))

static const enum fl_mwu_alternative alts[] = {FL_MWU_TWO_SIDED, FL_MWU_LESS, FL_MWU_GREATER};
static const enum fl_mwu_method methods[] = {FL_MWU_AUTO, FL_MWU_EXACT, FL_MWU_ASYMPTOTIC};

static int close_to(double got, double want, double rtol, double atol)
{
    if (isnan(want))
        return isnan(got);
    return fabs(got - want) <= fmax(rtol * fabs(want), atol);
}

/* Mirror of the generator's 64-bit LCG (Knuth's MMIX constants), with lcg_sample_x's grid. */
static double *lcg_sample(unsigned long seed, unsigned long n, double scale, double shift,
                          double quant)
{
    double *v = fl_malloc(n * sizeof *v);
    cr_assert_not_null(v);
    uint64_t s = seed;
    for (unsigned long i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        v[i] = (double)(s >> 11) * 0x1p-53 * scale + shift;
        if (quant != 0)
            v[i] = floor(v[i] * quant) / quant;
    }
    return v;
}

/*
 * Tolerances: U is exact. p: relative 1e-12. The exact distribution is summed over up to
 * 1,600 masses in the same order as SciPy, and the asymptotic path evaluates the same
 * expression (erfc from glibc instead of Cephes).
 */
Test(mwu, matches_scipy_golden)
{
    for (size_t i = 0; i < N_OF(g_mwu); i++) {
        struct fl_mwu_result r;
        fl_err e = fl_mwu_test(g_mwu[i].x, g_mwu[i].nx, g_mwu[i].y, g_mwu[i].ny, alts[g_mwu[i].alt],
                               methods[g_mwu[i].method], g_mwu[i].cont, &r);
        cr_assert_eq(e, FL_OK, "%s: %s", g_mwu[i].name, fl_err_name(e));
        cr_expect_eq(r.u, g_mwu[i].u, "%s: U %.17g, want %.17g", g_mwu[i].name, r.u, g_mwu[i].u);
        cr_expect(close_to(r.pvalue, g_mwu[i].p, 1e-12, 0), "%s: p %.17g, want %.17g",
                  g_mwu[i].name, r.pvalue, g_mwu[i].p);
        cr_expect(!r.exact || isnan(r.z), "%s: z is NaN on the exact path", g_mwu[i].name);
    }
}

Test(mwu, auto_picks_the_method_scipy_1_10_picks)
{
    /* SciPy 1.10 code: exact when min(nx, ny) <= 8 and no ties (its docstring says < 8) */
    double x8[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8};
    double y9[] = {1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9};
    double y9t[] = {1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 0.8};
    struct fl_mwu_result r;
    cr_assert_eq(fl_mwu_test(x8, 8, y9, 9, FL_MWU_TWO_SIDED, FL_MWU_AUTO, 1, &r), FL_OK);
    cr_expect_eq(r.exact, 1);
    cr_assert_eq(fl_mwu_test(x8, 8, y9t, 9, FL_MWU_TWO_SIDED, FL_MWU_AUTO, 1, &r), FL_OK);
    cr_expect_eq(r.exact, 0, "a tie across the samples makes AUTO asymptotic");
    cr_assert_eq(fl_mwu_test(y9, 9, y9t, 9, FL_MWU_TWO_SIDED, FL_MWU_AUTO, 1, &r), FL_OK);
    cr_expect_eq(r.exact, 0);
    cr_assert_eq(fl_mwu_test(x8, 8, y9, 9, FL_MWU_TWO_SIDED, FL_MWU_ASYMPTOTIC, 1, &r), FL_OK);
    cr_expect_eq(r.exact, 0);
}

Test(mwu, matches_scipy_on_large_generated_samples)
{
    for (size_t i = 0; i < N_OF(g_mwu_lcg); i++) {
        double *x = lcg_sample(g_mwu_lcg[i].sx, g_mwu_lcg[i].nx, g_mwu_lcg[i].kx, g_mwu_lcg[i].hx,
                               g_mwu_lcg[i].qx);
        double *y = lcg_sample(g_mwu_lcg[i].sy, g_mwu_lcg[i].ny, g_mwu_lcg[i].ky, g_mwu_lcg[i].hy,
                               g_mwu_lcg[i].qy);
        struct fl_mwu_result r;
        fl_err e = fl_mwu_test(x, g_mwu_lcg[i].nx, y, g_mwu_lcg[i].ny, alts[g_mwu_lcg[i].alt],
                               methods[g_mwu_lcg[i].method], g_mwu_lcg[i].cont, &r);
        fl_free(x);
        fl_free(y);
        cr_assert_eq(e, FL_OK, "%s: %s", g_mwu_lcg[i].name, fl_err_name(e));
        cr_expect_eq(r.u, g_mwu_lcg[i].u, "%s: U %.17g, want %.17g", g_mwu_lcg[i].name, r.u,
                     g_mwu_lcg[i].u);
        /* Relative 1e-11 here: the exact path sums up to 1,441 masses left to right (SciPy's
         * masses carry their own rounding from its counting recursion in doubles). */
        cr_expect(close_to(r.pvalue, g_mwu_lcg[i].p, 1e-11, 0), "%s: p %.17g, want %.17g",
                  g_mwu_lcg[i].name, r.pvalue, g_mwu_lcg[i].p);
    }
}

Test(mwu, both_infinities_rank_as_ordinary_values)
{
    /* SciPy 1.10 answers NaN here (rankdata sums the data to look for NaN: inf - inf); the ranks
     * are those of any values in the same order, so -1e300 in place of -inf must agree. */
    double x[] = {-INFINITY, 0.5, 2.0, INFINITY}, y[] = {INFINITY, 1.0, -1.0};
    double x2[] = {-1e300, 0.5, 2.0, INFINITY};
    struct fl_mwu_result a, b;
    cr_assert_eq(fl_mwu_test(x, 4, y, 3, FL_MWU_TWO_SIDED, FL_MWU_ASYMPTOTIC, 1, &a), FL_OK);
    cr_assert_eq(fl_mwu_test(x2, 4, y, 3, FL_MWU_TWO_SIDED, FL_MWU_ASYMPTOTIC, 1, &b), FL_OK);
    cr_expect_eq(a.u, 5.5); /* ranks of x: 1, 3, 5 and 6.5 (tied with y's +inf) */
    cr_expect_eq(a.u, b.u);
    cr_expect_eq(a.pvalue, b.pvalue);
    cr_expect(a.pvalue > 0 && a.pvalue <= 1);
}

Test(mwu, exact_tail_sums_agree_both_ways)
{
    /* Below and above the middle the code sums opposite tails; P(U >= k) + P(U <= k - 1) = 1. */
    double x[] = {0.3, 1.7, 2.2, 4.1, 5.0, 6.6}, y[] = {0.1, 0.9, 2.5, 3.3, 3.9, 7.2, 8.0};
    struct fl_mwu_result g, l;
    cr_assert_eq(fl_mwu_test(x, 6, y, 7, FL_MWU_GREATER, FL_MWU_EXACT, 1, &g), FL_OK);
    cr_assert_eq(fl_mwu_test(x, 6, y, 7, FL_MWU_LESS, FL_MWU_EXACT, 1, &l), FL_OK);
    /* U1 = 20: P(U >= 20) + P(U <= 20) = 1 + P(U = 20), and 94 of the C(13, 6) = 1716
     * arrangements of 6 x 7 have U = 20 (counted with integers by the Gaussian binomial). */
    cr_expect_eq(g.u, 20.0);
    cr_expect(fabs(g.pvalue + l.pvalue - 1.0 - 94.0 / 1716.0) < 1e-14, "%.17g + %.17g", g.pvalue,
              l.pvalue);
}

Test(mwu, exact_request_beyond_the_caps_falls_back_to_asymptotic)
{
    size_t n = FL_MWU_EXACT_MAX_MIN + 1;
    double *x = lcg_sample(71, n, 1.0, 0.0, 0), *y = lcg_sample(72, n, 1.0, 0.0, 0);
    struct fl_mwu_result r;
    cr_assert_eq(fl_mwu_test(x, n, y, n, FL_MWU_TWO_SIDED, FL_MWU_EXACT, 1, &r), FL_OK);
    cr_expect_eq(r.exact, 0);
    cr_expect(r.pvalue >= 0 && r.pvalue <= 1);
    cr_assert_eq(fl_mwu_test(x, FL_MWU_EXACT_MAX_MIN, y, FL_MWU_EXACT_MAX_MIN, FL_MWU_TWO_SIDED,
                             FL_MWU_EXACT, 1, &r),
                 FL_OK);
    cr_expect_eq(r.exact, 1);
    fl_free(x);
    fl_free(y);
}

Test(mwu, inputs_are_not_modified)
{
    double x[] = {3.0, 1.0, 2.0, 2.0}, y[] = {2.5, 0.5, 9.0};
    double x0[4], y0[3];
    memcpy(x0, x, sizeof x);
    memcpy(y0, y, sizeof y);
    struct fl_mwu_result r;
    cr_assert_eq(fl_mwu_test(x, 4, y, 3, FL_MWU_TWO_SIDED, FL_MWU_AUTO, 1, &r), FL_OK);
    cr_expect_eq(memcmp(x, x0, sizeof x), 0);
    cr_expect_eq(memcmp(y, y0, sizeof y), 0);
}

Test(mwu, rejects_bad_input)
{
    double x[] = {1.0, NAN}, y[] = {1.0, 2.0};
    struct fl_mwu_result r;
    cr_expect_eq(fl_mwu_test(x, 2, y, 2, FL_MWU_TWO_SIDED, FL_MWU_AUTO, 1, &r), FL_EINVAL);
    cr_expect(isnan(r.pvalue));
    cr_expect_eq(fl_mwu_test(y, 2, x, 2, FL_MWU_TWO_SIDED, FL_MWU_AUTO, 1, &r), FL_EINVAL);
    cr_expect_eq(fl_mwu_test(y, 0, y, 2, FL_MWU_TWO_SIDED, FL_MWU_AUTO, 1, &r), FL_EINVAL);
    cr_expect_eq(fl_mwu_test(y, 2, y, 0, FL_MWU_TWO_SIDED, FL_MWU_AUTO, 1, &r), FL_EINVAL);
    cr_expect_eq(fl_mwu_test(NULL, 2, y, 2, FL_MWU_TWO_SIDED, FL_MWU_AUTO, 1, &r), FL_EINVAL);
    cr_expect_eq(fl_mwu_test(y, 2, NULL, 2, FL_MWU_TWO_SIDED, FL_MWU_AUTO, 1, &r), FL_EINVAL);
    cr_expect_eq(fl_mwu_test(y, 2, y, 2, FL_MWU_TWO_SIDED, FL_MWU_AUTO, 1, NULL), FL_EINVAL);
    cr_expect_eq(fl_mwu_test(y, 2, y, 2, (enum fl_mwu_alternative)3, FL_MWU_AUTO, 1, &r),
                 FL_EINVAL);
    cr_expect_eq(fl_mwu_test(y, 2, y, 2, FL_MWU_TWO_SIDED, (enum fl_mwu_method)3, 1, &r),
                 FL_EINVAL);
}

Test(mwu, every_allocation_failure_is_clean)
{
    double x[] = {0.1, 0.4, 0.35, 0.8, 0.9}, y[] = {0.2, 0.25, 0.7, 1.5};
    struct fl_mwu_result ref, r;
    cr_assert_eq(fl_mwu_test(x, 5, y, 4, FL_MWU_TWO_SIDED, FL_MWU_EXACT, 1, &ref), FL_OK);
    for (long n = 0;; n++) {
        fl_alloc_fail_after(n);
        fl_err e = fl_mwu_test(x, 5, y, 4, FL_MWU_TWO_SIDED, FL_MWU_EXACT, 1, &r);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            cr_expect_eq(r.pvalue, ref.pvalue);
            break;
        }
        cr_expect_eq(e, FL_ENOMEM, "failure point %ld", n);
        cr_assert_lt(n, 10);
    }
}
