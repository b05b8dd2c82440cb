// SPDX-License-Identifier: Apache-2.0
/*
 * test_special.c: the special functions against SciPy golden vectors
 * (tests/unit/stats/golden/stats_golden.h, made by scripts/gen-stats-golden.py).
 */
#include <criterion/criterion.h>
#include <math.h>

#include "core/alloc.h"
#include "stats/special.h"

#include "golden/stats_golden.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))

/* |got - want| <= max(rtol * |want|, atol); also exact agreement on inf/nan. */
static int close_to(double got, double want, double rtol, double atol)
{
    if (isnan(want))
        return isnan(got);
    if (isinf(want))
        return got == want;
    return fabs(got - want) <= fmax(rtol * fabs(want), atol);
}

Test(special, golden_version_recorded)
{
    cr_assert_str_eq(FL_GOLDEN_SCIPY_VERSION, "1.10.1");
}

Test(special, lgamma_matches_scipy)
{
    for (size_t i = 0; i < N_OF(g_lgamma); i++) {
        double got = fl_special_lgamma(g_lgamma[i].x);
        /* Lanczos: ~1e-15 relative; near the zeros at 1 and 2 only absolute accuracy holds. */
        cr_expect(close_to(got, g_lgamma[i].v, 1e-13, 1e-14), "lgamma(%.17g) = %.17g, want %.17g",
                  g_lgamma[i].x, got, g_lgamma[i].v);
    }
    cr_expect(isnan(fl_special_lgamma(0.0)));
    cr_expect(isnan(fl_special_lgamma(-1.5)));
    cr_expect(isnan(fl_special_lgamma(NAN)));
}

Test(special, gammainc_matches_scipy)
{
    for (size_t i = 0; i < N_OF(g_gammainc); i++) {
        double a = g_gammainc[i].a, x = g_gammainc[i].x;
        double p = fl_special_gammainc(a, x), q = fl_special_gammaincc(a, x);
        cr_expect(close_to(p, g_gammainc[i].p, 1e-10, 1e-15), "P(%g,%g) = %.17g, want %.17g", a, x,
                  p, g_gammainc[i].p);
        cr_expect(close_to(q, g_gammainc[i].q, 1e-10, 1e-15), "Q(%g,%g) = %.17g, want %.17g", a, x,
                  q, g_gammainc[i].q);
    }
    cr_expect(isnan(fl_special_gammainc(0.0, 1.0)));
    cr_expect(isnan(fl_special_gammaincc(1.0, -1.0)));
    cr_expect_eq(fl_special_gammainc(2.0, 0.0), 0.0);
    cr_expect_eq(fl_special_gammaincc(2.0, INFINITY), 0.0);
}

Test(special, betabinom_sf_matches_scipy)
{
    for (size_t i = 0; i < N_OF(g_betabinom_sf); i++) {
        double got = fl_special_betabinom_sf((size_t)g_betabinom_sf[i].k, (size_t)g_betabinom_sf[i].m,
                                             g_betabinom_sf[i].a, g_betabinom_sf[i].b);
        cr_expect(close_to(got, g_betabinom_sf[i].v, 1e-11, 1e-300),
                  "betabinom sf k=%ld m=%ld a=%g b=%g: %.17g, want %.17g", g_betabinom_sf[i].k,
                  g_betabinom_sf[i].m, g_betabinom_sf[i].a, g_betabinom_sf[i].b, got,
                  g_betabinom_sf[i].v);
    }
    cr_expect_eq(fl_special_betabinom_sf(11, 10, 1, 1), 0);
    cr_expect(isnan(fl_special_betabinom_sf(1, 10, 0, 1)));
    cr_expect(isnan(fl_special_betabinom_sf(1, 10, 1, NAN)));
}

Test(special, betainc_matches_scipy)
{
    for (size_t i = 0; i < N_OF(g_betainc); i++) {
        double got = fl_special_betainc(g_betainc[i].a, g_betainc[i].b, g_betainc[i].x);
        cr_expect(close_to(got, g_betainc[i].v, 1e-10, 1e-15), "I_%g(%g,%g) = %.17g, want %.17g",
                  g_betainc[i].x, g_betainc[i].a, g_betainc[i].b, got, g_betainc[i].v);
    }
    cr_expect(isnan(fl_special_betainc(1.0, 1.0, 1.5)));
    cr_expect(isnan(fl_special_betainc(-1.0, 1.0, 0.5)));
    cr_expect_eq(fl_special_betainc(2.0, 3.0, 1.0), 1.0);
}

Test(special, kolmogorov_matches_scipy)
{
    for (size_t i = 0; i < N_OF(g_kolmogorov); i++) {
        double got = fl_special_kolmogorov(g_kolmogorov[i].y);
        cr_expect(close_to(got, g_kolmogorov[i].v, 1e-12, 1e-15),
                  "kolmogorov(%g) = %.17g, want %.17g", g_kolmogorov[i].y, got, g_kolmogorov[i].v);
    }
    cr_expect(isnan(fl_special_kolmogorov(NAN)));
}

Test(special, ks2_exact_matches_scipy)
{
    for (size_t i = 0; i < N_OF(g_ks2_exact); i++) {
        long m = g_ks2_exact[i].m, n = g_ks2_exact[i].n, h = g_ks2_exact[i].h;
        long a = m, b = n;
        while (b) {
            long t = a % b;
            a = b;
            b = t;
        }
        double p = -1, p_swapped = -1;
        cr_assert_eq(fl_special_ks2_exact_sf(m, n, a, h, &p), FL_OK);
        cr_assert_eq(fl_special_ks2_exact_sf(n, m, a, h, &p_swapped), FL_OK);
        cr_expect(close_to(p, g_ks2_exact[i].p, 1e-12, 1e-15),
                  "m=%ld n=%ld h=%ld: %.17g, want %.17g", m, n, h, p, g_ks2_exact[i].p);
        cr_expect_eq(p, p_swapped, "symmetric in m, n");
    }
}

Test(special, ks2_exact_bad_arguments)
{
    double p = 0;
    cr_expect_eq(fl_special_ks2_exact_sf(4, 6, 2, 3, NULL), FL_EINVAL);
    cr_assert_eq(fl_special_ks2_exact_sf(4, 6, 3, 3, &p), FL_OK);
    cr_expect(isnan(p), "wrong gcd");
    cr_assert_eq(fl_special_ks2_exact_sf(4, 6, 2, 13, &p), FL_OK);
    cr_expect(isnan(p), "h beyond lcm");
    cr_assert_eq(fl_special_ks2_exact_sf(0, 6, 6, 1, &p), FL_OK);
    cr_expect(isnan(p), "empty sample");
    cr_assert_eq(fl_special_ks2_exact_sf(4, 6, 2, 0, &p), FL_OK);
    cr_expect_eq(p, 1.0);
    fl_alloc_fail_after(0);
    fl_err e = fl_special_ks2_exact_sf(4, 6, 2, 3, &p);
    fl_alloc_fail_after(-1);
    cr_expect_eq(e, FL_ENOMEM);
}
