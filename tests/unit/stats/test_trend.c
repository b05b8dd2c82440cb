// SPDX-License-Identifier: Apache-2.0
/*
 * test_trend.c: fl_trend_theil_sen and fl_trend_kendall against scipy.stats.theilslopes and
 * scipy.stats.kendalltau(method="asymptotic") golden cases (scripts/gen-trend-golden.py): pure
 * linear, noise, negative slope, n = 2 and 3, constant y, repeated x, ties on both sides, held
 * step values sampled every minute, unix-time x, outliers, n around 500, and cases at the size
 * cap regenerated from held levels or the generator's LCG; the documented differences from SciPy
 * (constant side, n = 2, non-finite points); a brute-force median check of the selection; errors.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "stats/trend.h"

#include "golden/trend_golden.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))

static int close_to(double got, double want, double rtol, double atol)
{
    if (isnan(want))
        return isnan(got);
    return fabs(got - want) <= fmax(rtol * fabs(want), atol);
}

/* Tolerances of the brief: slope and intercept relative 1e-9, tau absolute 1e-12, p relative 1e-9
 * or absolute 1e-15. The slopes are formed and selected exactly as SciPy's, so slope and
 * intercept are also required to be the same double (checked separately, so a miss names it). */
static void check_theil(const char *name, const double *x, const double *y, size_t n,
                        double want_slope, double want_icpt)
{
    double s, b;
    fl_err e = fl_trend_theil_sen(x, y, n, &s, &b);
    cr_assert_eq(e, FL_OK, "%s: %s", name, fl_err_name(e));
    cr_expect(close_to(s, want_slope, 1e-9, 0), "%s: slope %.17g, want %.17g", name, s, want_slope);
    cr_expect(close_to(b, want_icpt, 1e-9, 0), "%s: intercept %.17g, want %.17g", name, b,
              want_icpt);
    cr_expect(s == want_slope && b == want_icpt, "%s: not bit for bit: %a %a, want %a %a", name, s,
              b, want_slope, want_icpt);
}

static void check_kendall(const char *name, const double *x, const double *y, size_t n,
                          double want_tau, double want_p)
{
    double t, p;
    fl_err e = fl_trend_kendall(x, y, n, &t, &p);
    cr_assert_eq(e, FL_OK, "%s: %s", name, fl_err_name(e));
    cr_expect(close_to(t, want_tau, 0, 1e-12), "%s: tau %.17g, want %.17g", name, t, want_tau);
    cr_expect(close_to(p, want_p, 1e-9, 1e-15), "%s: p %.17g, want %.17g", name, p, want_p);
}

Test(trend, theil_sen_matches_scipy_golden)
{
    for (size_t i = 0; i < N_OF(g_theil); i++)
        check_theil(g_theil[i].name, g_theil[i].x, g_theil[i].y, g_theil[i].n, g_theil[i].slope,
                    g_theil[i].intercept);
}

Test(trend, kendall_matches_scipy_golden)
{
    int documented = 0;
    for (size_t i = 0; i < N_OF(g_kendall); i++) {
        check_kendall(g_kendall[i].name, g_kendall[i].x, g_kendall[i].y, g_kendall[i].n,
                      g_kendall[i].tau, g_kendall[i].p);
        documented += g_kendall[i].scipy_nan;
    }
    cr_expect_eq(documented, 4, "n2, n2_rising, constant_y, constant_y_ties_x");
}

/* Mirror of the generator's 64-bit LCG (Knuth's MMIX constants). */
static double lcg_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) * 0x1p-53;
}

Test(trend, matches_scipy_at_the_size_cap)
{
    double *x = fl_malloc(FL_TREND_MAX_N * sizeof *x), *y = fl_malloc(FL_TREND_MAX_N * sizeof *y);
    cr_assert(x && y);
    for (size_t c = 0; c < N_OF(g_trend_steps); c++) {
        size_t n = g_trend_steps[c].n;
        cr_assert_leq(n, FL_TREND_MAX_N);
        for (size_t i = 0; i < n; i++) {
            x[i] = g_trend_steps[c].dt * (double)i;
            y[i] = g_trend_steps[c].levels[i / g_trend_steps[c].hold];
        }
        check_theil(g_trend_steps[c].name, x, y, n, g_trend_steps[c].slope,
                    g_trend_steps[c].intercept);
        check_kendall(g_trend_steps[c].name, x, y, n, g_trend_steps[c].tau, g_trend_steps[c].p);
    }
    for (size_t c = 0; c < N_OF(g_trend_lcg); c++) {
        size_t n = g_trend_lcg[c].n;
        uint64_t s = g_trend_lcg[c].seed;
        cr_assert_leq(n, FL_TREND_MAX_N);
        for (size_t i = 0; i < n; i++) {
            x[i] = (double)i;
            y[i] = g_trend_lcg[c].trend * (double)i + g_trend_lcg[c].scale * lcg_next(&s);
        }
        check_theil(g_trend_lcg[c].name, x, y, n, g_trend_lcg[c].slope, g_trend_lcg[c].intercept);
        check_kendall(g_trend_lcg[c].name, x, y, n, g_trend_lcg[c].tau, g_trend_lcg[c].p);
    }
    fl_free(x);
    fl_free(y);
}

static int cmp_double(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

/* The slope by the definition: every pair, qsort, numpy.median. */
static double brute_slope(const double *x, const double *y, size_t n)
{
    double *s = fl_malloc(n * (n - 1) / 2 * sizeof *s);
    cr_assert_not_null(s);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (x[i] != x[j])
                s[k++] =
                    x[j] > x[i] ? (y[j] - y[i]) / (x[j] - x[i]) : (y[i] - y[j]) / (x[i] - x[j]);
    cr_assert_gt(k, 0);
    qsort(s, k, sizeof *s, cmp_double);
    double m = k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
    fl_free(s);
    return m;
}

Test(trend, theil_sen_selection_agrees_with_a_full_sort)
{
    /* Slope multisets the selection could trip on: all equal, two values, sorted runs, organ
     * pipes, few distinct values, and odd and even pair counts. */
    enum { N = 301 };
    static double x[N], y[N];
    for (int shape = 0; shape < 8; shape++) {
        uint64_t s = 1000 + (uint64_t)shape;
        for (size_t n = 2; n <= N; n += n < 40 ? 1 : 37) {
            for (size_t i = 0; i < n; i++) {
                double u = lcg_next(&s);
                switch (shape) {
                case 0:
                    x[i] = (double)i;
                    y[i] = 5.0;
                    break;
                case 1:
                    x[i] = (double)i;
                    y[i] = (double)(i % 2);
                    break;
                case 2:
                    x[i] = (double)i;
                    y[i] = (double)(i * i);
                    break;
                case 3:
                    x[i] = (double)i;
                    y[i] = (double)(i < n / 2 ? i : n - i);
                    break;
                case 4:
                    x[i] = floor(u * 7);
                    y[i] = floor(lcg_next(&s) * 3);
                    break;
                case 5:
                    x[i] = u;
                    y[i] = lcg_next(&s);
                    break;
                case 6:
                    x[i] = (double)(n - i);
                    y[i] = floor(u * 4) * 0.25;
                    break;
                default:
                    x[i] = (double)(i % 5);
                    y[i] = (double)(i % 11) - 0.5 * (double)i;
                    break;
                }
            }
            int any_distinct = 0;
            for (size_t i = 1; i < n; i++)
                any_distinct |= x[i] != x[0];
            if (!any_distinct)
                continue;
            double got, b;
            cr_assert_eq(fl_trend_theil_sen(x, y, n, &got, &b), FL_OK, "shape %d n %zu", shape, n);
            double want = brute_slope(x, y, n);
            cr_expect_eq(got, want, "shape %d n %zu: %.17g, want %.17g", shape, n, got, want);
        }
    }
}

Test(trend, nonfinite_points_drop_out_of_theil_sen)
{
    double x[] = {0, 1, 2, 3, 4, 5, 6, 7}, y[] = {1.0, 2.5, 2.0, 4.5, 5.0, 5.5, 7.5, 8.0};
    double xb[12], yb[12];
    /* the same points with four bad ones inserted */
    const double bad_x[] = {NAN, 2.5, INFINITY, 9.0}, bad_y[] = {3.0, NAN, 1.0, -INFINITY};
    size_t k = 0;
    for (size_t i = 0; i < 8; i++) {
        if (i % 2 == 0) {
            xb[k] = bad_x[i / 2];
            yb[k++] = bad_y[i / 2];
        }
        xb[k] = x[i];
        yb[k++] = y[i];
    }
    double s1, b1, s2, b2;
    cr_assert_eq(fl_trend_theil_sen(x, y, 8, &s1, &b1), FL_OK);
    cr_assert_eq(fl_trend_theil_sen(xb, yb, 12, &s2, &b2), FL_OK);
    cr_expect_eq(s1, s2);
    cr_expect_eq(b1, b2);
    cr_expect_eq(s1, 1.0); /* the 28 slopes' middle two are both 1 */
    /* Kendall refuses them instead */
    double t, p;
    cr_expect_eq(fl_trend_kendall(xb, yb, 12, &t, &p), FL_EINVAL);
}

Test(trend, theil_sen_skips_overflowing_slopes)
{
    /* Pairs (0, 1) and (1, 2) have slope 1e308; pair (0, 2) has dy = 2e308, which overflows to
     * +inf, so it is skipped (SciPy would keep it). The median of {1e308, 1e308} overflows as
     * (a + b) / 2 and is taken as a / 2 + b / 2. */
    double x[] = {0.0, 1.0, 2.0}, y[] = {-1e308, 0.0, 1e308};
    double s, b;
    cr_assert_eq(fl_trend_theil_sen(x, y, 3, &s, &b), FL_OK);
    cr_expect_eq(s, 1e308);
    cr_expect_eq(b, -1e308); /* median(y) 0 - 1e308 * median(x) 1 */
    /* the only pair overflows (1e10 / 1e-300): no slope is left */
    double x2[] = {0.0, 1e-300}, y2[] = {0.0, 1e10};
    cr_expect_eq(fl_trend_theil_sen(x2, y2, 2, &s, &b), FL_EINVAL);
    cr_expect(isnan(s) && isnan(b));
}

Test(trend, kendall_symmetries)
{
    for (size_t i = 0; i < N_OF(g_kendall); i++) {
        const double *x = g_kendall[i].x, *y = g_kendall[i].y;
        size_t n = g_kendall[i].n;
        double *ny = fl_malloc(n * sizeof *ny);
        cr_assert_not_null(ny);
        for (size_t j = 0; j < n; j++)
            ny[j] = -y[j];
        double t1, p1, t2, p2, t3, p3;
        cr_assert_eq(fl_trend_kendall(x, y, n, &t1, &p1), FL_OK);
        cr_assert_eq(fl_trend_kendall(y, x, n, &t2, &p2), FL_OK);
        cr_assert_eq(fl_trend_kendall(x, ny, n, &t3, &p3), FL_OK);
        fl_free(ny);
        /* (C - D) / sqrt(P - T_x) / sqrt(P - T_y) divides in the other order when swapped */
        cr_expect(fabs(t1 - t2) <= 0x1p-52, "%s: tau(x, y) %.17g, tau(y, x) %.17g",
                  g_kendall[i].name, t1, t2);
        cr_expect_eq(p1, p2, "%s", g_kendall[i].name);
        cr_expect_eq(t1, t3 == 0 ? 0.0 : -t3, "%s: tau(x, -y) %.17g", g_kendall[i].name, t3);
        cr_expect_eq(p1, p3, "%s", g_kendall[i].name);
    }
}

Test(trend, constant_sides)
{
    double x[] = {1, 2, 3, 4}, c[] = {2, 2, 2, 2}, t, p, s, b;
    cr_assert_eq(fl_trend_kendall(c, x, 4, &t, &p), FL_OK);
    cr_expect(t == 0.0 && p == 1.0);
    cr_assert_eq(fl_trend_kendall(c, c, 4, &t, &p), FL_OK);
    cr_expect(t == 0.0 && p == 1.0);
    /* constant x: no pair has distinct x, so there is no Theil-Sen slope (SciPy: NaN) */
    cr_expect_eq(fl_trend_theil_sen(c, x, 4, &s, &b), FL_EINVAL);
    cr_expect(isnan(s) && isnan(b));
    /* constant y: slope 0, intercept the value */
    cr_assert_eq(fl_trend_theil_sen(x, c, 4, &s, &b), FL_OK);
    cr_expect(s == 0.0 && b == 2.0);
}

Test(trend, errors)
{
    double x[] = {1, 2, 3}, y[] = {3, 1, 2}, s, b, t, p;
    /* n < 2 */
    for (size_t n = 0; n < 2; n++) {
        s = b = t = p = 0;
        cr_expect_eq(fl_trend_theil_sen(x, y, n, &s, &b), FL_EINVAL, "n %zu", n);
        cr_expect(isnan(s) && isnan(b));
        cr_expect_eq(fl_trend_kendall(x, y, n, &t, &p), FL_EINVAL, "n %zu", n);
        cr_expect(isnan(t) && isnan(p));
    }
    /* NULL pointers */
    cr_expect_eq(fl_trend_theil_sen(NULL, y, 3, &s, &b), FL_EINVAL);
    cr_expect_eq(fl_trend_theil_sen(x, NULL, 3, &s, &b), FL_EINVAL);
    cr_expect_eq(fl_trend_theil_sen(x, y, 3, NULL, &b), FL_EINVAL);
    cr_expect_eq(fl_trend_theil_sen(x, y, 3, &s, NULL), FL_EINVAL);
    cr_expect_eq(fl_trend_kendall(NULL, y, 3, &t, &p), FL_EINVAL);
    cr_expect_eq(fl_trend_kendall(x, NULL, 3, &t, &p), FL_EINVAL);
    cr_expect_eq(fl_trend_kendall(x, y, 3, NULL, &p), FL_EINVAL);
    cr_expect_eq(fl_trend_kendall(x, y, 3, &t, NULL), FL_EINVAL);
    /* non-finite values in Kendall, either side */
    const double bad[] = {NAN, INFINITY, -INFINITY};
    for (size_t k = 0; k < N_OF(bad); k++) {
        double xb[] = {1, 2, 3}, yb[] = {3, 1, 2};
        xb[1] = bad[k];
        cr_expect_eq(fl_trend_kendall(xb, y, 3, &t, &p), FL_EINVAL);
        cr_expect(isnan(t) && isnan(p));
        yb[2] = bad[k];
        cr_expect_eq(fl_trend_kendall(x, yb, 3, &t, &p), FL_EINVAL);
    }
    /* Theil-Sen with fewer than two finite points */
    double xn[] = {NAN, 1, 2}, yn[] = {0, INFINITY, 5};
    cr_expect_eq(fl_trend_theil_sen(xn, yn, 3, &s, &b), FL_EINVAL);
}

Test(trend, size_cap)
{
    size_t n = FL_TREND_MAX_N + 1;
    double *x = fl_malloc(n * sizeof *x), *y = fl_malloc(n * sizeof *y), s, b, t, p;
    cr_assert(x && y);
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)i;
        y[i] = (double)(i % 17);
    }
    cr_expect_eq(fl_trend_theil_sen(x, y, n, &s, &b), FL_ELIMIT);
    cr_expect(isnan(s) && isnan(b));
    cr_expect_eq(fl_trend_kendall(x, y, n, &t, &p), FL_ELIMIT);
    cr_expect(isnan(t) && isnan(p));
    cr_expect_eq(fl_trend_theil_sen(x, y, n - 1, &s, &b), FL_OK);
    cr_expect_eq(fl_trend_kendall(x, y, n - 1, &t, &p), FL_OK);
    fl_free(x);
    fl_free(y);
}

Test(trend, out_of_memory_is_reported)
{
    double x[40], y[40], s, b, t, p, s_ok, b_ok, t_ok, p_ok;
    for (int i = 0; i < 40; i++) {
        x[i] = i;
        y[i] = 0.5 * i + (i % 3);
    }
    cr_assert_eq(fl_trend_theil_sen(x, y, 40, &s_ok, &b_ok), FL_OK);
    cr_assert_eq(fl_trend_kendall(x, y, 40, &t_ok, &p_ok), FL_OK);
    /* Theil-Sen allocates three arrays (points x, y, slopes), Kendall two (sorted copies) */
    for (long k = 0; k <= 3; k++) {
        s = b = 0;
        fl_alloc_fail_after(k);
        fl_err e = fl_trend_theil_sen(x, y, 40, &s, &b);
        fl_alloc_fail_after(-1);
        cr_expect_eq(e, k < 3 ? FL_ENOMEM : FL_OK, "failure point %ld: %s", k, fl_err_name(e));
        cr_expect(k < 3 ? isnan(s) && isnan(b) : s == s_ok && b == b_ok, "failure point %ld", k);
    }
    for (long k = 0; k <= 2; k++) {
        t = p = 0;
        fl_alloc_fail_after(k);
        fl_err e = fl_trend_kendall(x, y, 40, &t, &p);
        fl_alloc_fail_after(-1);
        cr_expect_eq(e, k < 2 ? FL_ENOMEM : FL_OK, "failure point %ld: %s", k, fl_err_name(e));
        cr_expect(k < 2 ? isnan(t) && isnan(p) : t == t_ok && p == p_ok, "failure point %ld", k);
    }
}

Test(trend, inputs_are_not_modified)
{
    for (size_t i = 0; i < N_OF(g_kendall); i++) {
        size_t n = g_kendall[i].n;
        double *x = fl_malloc(n * sizeof *x), *y = fl_malloc(n * sizeof *y), s, b, t, p;
        cr_assert(x && y);
        memcpy(x, g_kendall[i].x, n * sizeof *x);
        memcpy(y, g_kendall[i].y, n * sizeof *y);
        cr_assert_eq(fl_trend_kendall(x, y, n, &t, &p), FL_OK);
        fl_err e = fl_trend_theil_sen(x, y, n, &s, &b);
        cr_assert(e == FL_OK || e == FL_EINVAL);
        cr_expect_eq(memcmp(x, g_kendall[i].x, n * sizeof *x), 0, "%s", g_kendall[i].name);
        cr_expect_eq(memcmp(y, g_kendall[i].y, n * sizeof *y), 0, "%s", g_kendall[i].name);
        fl_free(x);
        fl_free(y);
    }
}
