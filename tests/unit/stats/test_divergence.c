// SPDX-License-Identifier: Apache-2.0
/*
 * test_divergence.c: Wasserstein-1 against scipy.stats.wasserstein_distance (weighted too, and
 * normalized by numpy.std as Evidently), Jensen-Shannon against
 * scipy.spatial.distance.jensenshannon in bases e and 2 (the divergence against the same
 * expression with scipy.special.rel_entr), KL against scipy.stats.entropy, PSI with Evidently's
 * empty-bin rule and Hellinger against their NumPy expressions in scripts/gen-stats-golden.py.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>

#include "core/alloc.h"
#include "stats/divergence.h"

#include "golden/stats_golden.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))

static int close_to(double got, double want, double rtol, double atol)
{
    if (isinf(want) || isnan(want))
        return got == want || (isnan(got) && isnan(want));
    return fabs(got - want) <= fmax(rtol * fabs(want), atol);
}

/* Mirror of the generator's 64-bit LCG (Knuth's MMIX constants). */
static double *lcg_sample(unsigned long seed, unsigned long n, double scale, double shift)
{
    double *v = fl_malloc(n * sizeof *v);
    cr_assert_not_null(v);
    uint64_t s = seed;
    for (unsigned long i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        v[i] = (double)(s >> 11) * 0x1p-53 * scale + shift;
    }
    return v;
}

Test(divergence, wasserstein_matches_scipy)
{
    for (size_t i = 0; i < N_OF(g_wass); i++) {
        double d;
        fl_err e = fl_divergence_wasserstein(g_wass[i].u, g_wass[i].nu, g_wass[i].v, g_wass[i].nv,
                                             g_wass[i].weighted ? g_wass[i].uw : NULL,
                                             g_wass[i].weighted ? g_wass[i].vw : NULL, &d);
        cr_assert_eq(e, FL_OK, "%s: %s", g_wass[i].name, fl_err_name(e));
        /* Unweighted: SciPy's terms summed in numpy.sum's order, so to the bit. Weighted
         * cumulative sums may add tied values in another order (SciPy's argsort is not
         * stable), hence relative 1e-12 there. */
        double rtol = g_wass[i].weighted ? 1e-12 : 0;
        cr_expect(close_to(d, g_wass[i].d, rtol, 0), "%s: %.17g, want %.17g", g_wass[i].name, d,
                  g_wass[i].d);
    }
}

Test(divergence, wasserstein_normalized_matches_numpy_std)
{
    for (size_t i = 0; i < N_OF(g_wass_lcg); i++) {
        double *u =
            lcg_sample(g_wass_lcg[i].su, g_wass_lcg[i].nu, g_wass_lcg[i].ku, g_wass_lcg[i].hu);
        double *v =
            lcg_sample(g_wass_lcg[i].sv, g_wass_lcg[i].nv, g_wass_lcg[i].kv, g_wass_lcg[i].hv);
        struct fl_wasserstein_result r;
        fl_err e = fl_divergence_wasserstein_normalized(u, g_wass_lcg[i].nu, v, g_wass_lcg[i].nv,
                                                        FL_DIVERGENCE_EVIDENTLY_MIN_STD, &r);
        fl_free(u);
        fl_free(v);
        cr_assert_eq(e, FL_OK, "%s", g_wass_lcg[i].name);
        /* W1 and numpy.std to the bit (same terms, numpy.sum's block/pairwise order); the
         * quotient too, as it is one division of the two. */
        cr_expect(close_to(r.distance, g_wass_lcg[i].d, 0, 0), "%s: W %.17g, want %.17g",
                  g_wass_lcg[i].name, r.distance, g_wass_lcg[i].d);
        cr_expect(close_to(r.ref_std, g_wass_lcg[i].ref_std, 0, 0), "%s: std %.17g, want %.17g",
                  g_wass_lcg[i].name, r.ref_std, g_wass_lcg[i].ref_std);
        cr_expect(close_to(r.normalized, g_wass_lcg[i].normalized, 0, 0),
                  "%s: normalized %.17g, want %.17g", g_wass_lcg[i].name, r.normalized,
                  g_wass_lcg[i].normalized);
    }
}

Test(divergence, wasserstein_normalized_floor_and_zero_divisor)
{
    double c[] = {2.0, 2.0, 2.0}, d[] = {3.0, 3.0}, same[] = {2.0};
    struct fl_wasserstein_result r;
    cr_assert_eq(fl_divergence_wasserstein_normalized(c, 3, d, 2, 0.001, &r), FL_OK);
    cr_expect_eq(r.distance, 1.0);
    cr_expect_eq(r.ref_std, 0.0);
    cr_expect(close_to(r.normalized, 1000.0, 1e-15, 0));
    cr_assert_eq(fl_divergence_wasserstein_normalized(c, 3, d, 2, 0.0, &r), FL_OK);
    cr_expect(isinf(r.normalized) && r.normalized > 0);
    cr_assert_eq(fl_divergence_wasserstein_normalized(c, 3, same, 1, 0.0, &r), FL_OK);
    cr_expect_eq(r.normalized, 0.0);
    cr_expect_eq(fl_divergence_wasserstein_normalized(c, 3, d, 2, -1.0, &r), FL_EINVAL);
    cr_expect_eq(fl_divergence_wasserstein_normalized(c, 3, d, 2, NAN, &r), FL_EINVAL);
}

Test(divergence, wasserstein_rejects_bad_input)
{
    double u[] = {1.0, 2.0}, bad[] = {1.0, NAN}, inf[] = {1.0, INFINITY};
    double w_neg[] = {1.0, -0.5}, w_zero[] = {0.0, 0.0}, w_nan[] = {1.0, NAN};
    double w_inf[] = {1.0, INFINITY}, d;
    cr_expect_eq(fl_divergence_wasserstein(bad, 2, u, 2, NULL, NULL, &d), FL_EINVAL);
    cr_expect_eq(fl_divergence_wasserstein(u, 2, inf, 2, NULL, NULL, &d), FL_EINVAL);
    cr_expect_eq(fl_divergence_wasserstein(u, 0, u, 2, NULL, NULL, &d), FL_EINVAL);
    cr_expect_eq(fl_divergence_wasserstein(NULL, 2, u, 2, NULL, NULL, &d), FL_EINVAL);
    cr_expect_eq(fl_divergence_wasserstein(u, 2, u, 2, NULL, NULL, NULL), FL_EINVAL);
    cr_expect_eq(fl_divergence_wasserstein(u, 2, u, 2, w_neg, NULL, &d), FL_EINVAL);
    cr_expect_eq(fl_divergence_wasserstein(u, 2, u, 2, NULL, w_zero, &d), FL_EINVAL);
    cr_expect_eq(fl_divergence_wasserstein(u, 2, u, 2, w_nan, NULL, &d), FL_EINVAL);
    cr_expect_eq(fl_divergence_wasserstein(u, 2, u, 2, NULL, w_inf, &d), FL_EINVAL);
}

Test(divergence, wasserstein_allocation_failures_are_clean)
{
    double u[] = {0.1, 0.4, 0.35}, v[] = {0.2, 0.25, 0.7, 1.5}, w[] = {1, 2, 3}, ref, d;
    cr_assert_eq(fl_divergence_wasserstein(u, 3, v, 4, w, NULL, &ref), FL_OK);
    for (long n = 0;; n++) {
        fl_alloc_fail_after(n);
        fl_err e = fl_divergence_wasserstein(u, 3, v, 4, w, NULL, &d);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            cr_expect_eq(d, ref);
            break;
        }
        cr_expect_eq(e, FL_ENOMEM, "failure point %ld", n);
        cr_assert_lt(n, 10);
    }
}

/*
 * Binned measures. Tolerance: relative 1e-12, absolute 1e-300 so exact zeros compare. The
 * "nearly_equal" case (JS ~ 1e-13 from terms ~ 1e-2 that cancel) is where an implementation
 * that sums in another order than numpy.sum would miss.
 */
Test(divergence, binned_measures_match_scipy_and_numpy)
{
    for (size_t i = 0; i < N_OF(g_binned); i++) {
        const char *nm = g_binned[i].name;
        const double *p = g_binned[i].p, *q = g_binned[i].q;
        size_t k = g_binned[i].k;
        struct fl_js_result js;
        double v;
        cr_assert_eq(fl_divergence_js(p, q, k, FL_DIVERGENCE_NATS, &js), FL_OK, "%s", nm);
        cr_expect(close_to(js.distance, g_binned[i].js_dist_e, 1e-12, 1e-300),
                  "%s: JS distance (e) %.17g, want %.17g", nm, js.distance, g_binned[i].js_dist_e);
        cr_expect(close_to(js.divergence, g_binned[i].js_div_e, 1e-12, 1e-300),
                  "%s: JS divergence (e) %.17g, want %.17g", nm, js.divergence,
                  g_binned[i].js_div_e);
        cr_assert_eq(fl_divergence_js(p, q, k, 2.0, &js), FL_OK, "%s", nm);
        cr_expect(close_to(js.distance, g_binned[i].js_dist_2, 1e-12, 1e-300),
                  "%s: JS distance (2) %.17g, want %.17g", nm, js.distance, g_binned[i].js_dist_2);
        cr_expect(close_to(js.divergence, g_binned[i].js_div_2, 1e-12, 1e-300),
                  "%s: JS divergence (2) %.17g, want %.17g", nm, js.divergence,
                  g_binned[i].js_div_2);
        cr_assert_eq(fl_divergence_js(p, q, k, 10.0, &js), FL_OK, "%s", nm);
        cr_expect(close_to(js.divergence, g_binned[i].js_div_10, 1e-12, 1e-300),
                  "%s: JS divergence (10) %.17g, want %.17g", nm, js.divergence,
                  g_binned[i].js_div_10);
        cr_assert_eq(fl_divergence_kl(p, q, k, FL_DIVERGENCE_NATS, &v), FL_OK, "%s", nm);
        cr_expect(close_to(v, g_binned[i].kl_e, 1e-12, 1e-300), "%s: KL %.17g, want %.17g", nm, v,
                  g_binned[i].kl_e);
        cr_assert_eq(fl_divergence_kl(p, q, k, 2.0, &v), FL_OK, "%s", nm);
        cr_expect(close_to(v, g_binned[i].kl_2, 1e-12, 1e-300), "%s: KL(2) %.17g, want %.17g", nm,
                  v, g_binned[i].kl_2);
        cr_assert_eq(fl_divergence_psi(p, q, k, &v), FL_OK, "%s", nm);
        cr_expect(close_to(v, g_binned[i].psi, 1e-12, 1e-300), "%s: PSI %.17g, want %.17g", nm, v,
                  g_binned[i].psi);
        cr_assert_eq(fl_divergence_hellinger(p, q, k, &v), FL_OK, "%s", nm);
        cr_expect(close_to(v, g_binned[i].hellinger, 1e-12, 1e-300),
                  "%s: Hellinger %.17g, want %.17g", nm, v, g_binned[i].hellinger);
        /* Evidently's kl_div: the fill rule on both sides, then entropy() */
        double fp[200], fq[200];
        cr_assert_leq(k, 200);
        cr_assert_eq(fl_divergence_fill_empty(p, k, fp), FL_OK, "%s", nm);
        cr_assert_eq(fl_divergence_fill_empty(q, k, fq), FL_OK, "%s", nm);
        cr_assert_eq(fl_divergence_kl(fp, fq, k, FL_DIVERGENCE_NATS, &v), FL_OK, "%s", nm);
        cr_expect(close_to(v, g_binned[i].kl_filled_e, 1e-12, 1e-300),
                  "%s: filled KL %.17g, want %.17g", nm, v, g_binned[i].kl_filled_e);
    }
}

Test(divergence, fill_empty_is_evidently_rule)
{
    for (size_t i = 0; i < N_OF(g_fill); i++) {
        double props[4];
        cr_assert_eq(fl_divergence_fill_empty(g_fill[i].counts, g_fill[i].k, props), FL_OK);
        for (size_t j = 0; j < g_fill[i].k; j++)
            cr_expect_eq(props[j], g_fill[i].props[j], "case %zu bin %zu: %.17g, want %.17g", i, j,
                         props[j], g_fill[i].props[j]);
    }
    double counts[] = {2.0, 0.0, 2.0};
    cr_assert_eq(fl_divergence_fill_empty(counts, 3, counts), FL_OK); /* in place */
    cr_expect_eq(counts[0], 0.5);
    cr_expect_eq(counts[1], 1e-4);
}

Test(divergence, anchor_values)
{
    /* ml-monitoring-anchors.md 5.5 / 5.6 / 5.3 */
    double r[] = {0.5, 0.5, 0.0}, c[] = {0.4, 0.4, 0.2};
    double p[] = {0.5, 0.3, 0.2}, q[] = {0.2, 0.3, 0.5}, a[] = {1, 0}, b[] = {0, 1}, v;
    cr_assert_eq(fl_divergence_psi(r, c, 3, &v), FL_OK);
    cr_expect(fabs(v - 1.5640) < 5e-5, "PSI %.17g", v);
    cr_assert_eq(fl_divergence_kl(p, q, 3, FL_DIVERGENCE_NATS, &v), FL_OK);
    cr_expect(fabs(v - 0.27489) < 5e-6, "KL %.17g", v);
    cr_assert_eq(fl_divergence_kl(p, q, 3, 2.0, &v), FL_OK);
    cr_expect(fabs(v - 0.39658) < 5e-6, "KL bits %.17g", v);
    struct fl_js_result js;
    cr_assert_eq(fl_divergence_js(a, b, 2, FL_DIVERGENCE_NATS, &js), FL_OK);
    cr_expect(fabs(js.distance - sqrt(log(2.0))) < 1e-15, "max JS distance base e %.17g",
              js.distance);
    cr_assert_eq(fl_divergence_js(a, b, 2, 2.0, &js), FL_OK);
    cr_expect(fabs(js.distance - 1.0) < 1e-15);
    cr_expect(fabs(js.divergence - 1.0) < 1e-15);
}

Test(divergence, js_is_clamped_at_zero_and_symmetric)
{
    /* One ulp apart in one bin: scipy's jensenshannon(p, q, 2.0) is NaN here (its sum of
     * rel_entr terms rounds to a tiny negative number before the square root). */
    double p[] = {0.32973171649909216, 0.7884287034284043, 0.303194829291645, 0.4534978894806515,
                  0.13404169724716475};
    double q[] = {0.32973171649909216, 0.7884287034284043, 0.30319482929164504, 0.4534978894806515,
                  0.13404169724716475};
    struct fl_js_result a, b;
    cr_assert_eq(fl_divergence_js(p, q, 5, 2.0, &a), FL_OK);
    cr_expect_eq(a.divergence, 0.0);
    cr_expect_eq(a.distance, 0.0);
    double u[] = {3, 1, 0, 7}, v[] = {1, 1, 5, 2};
    cr_assert_eq(fl_divergence_js(u, v, 4, FL_DIVERGENCE_NATS, &a), FL_OK);
    cr_assert_eq(fl_divergence_js(v, u, 4, FL_DIVERGENCE_NATS, &b), FL_OK);
    cr_expect(fabs(a.divergence - b.divergence) <= 1e-16);
}

Test(divergence, binned_reject_bad_input)
{
    double p[] = {1, 2}, zero[] = {0, 0}, neg[] = {1, -1}, nan[] = {1, NAN}, inf[] = {1, INFINITY};
    struct fl_js_result js;
    double v;
    cr_expect_eq(fl_divergence_js(p, zero, 2, 2.0, &js), FL_EINVAL);
    cr_expect(isnan(js.distance));
    cr_expect_eq(fl_divergence_js(neg, p, 2, 2.0, &js), FL_EINVAL);
    cr_expect_eq(fl_divergence_js(p, nan, 2, 2.0, &js), FL_EINVAL);
    cr_expect_eq(fl_divergence_js(p, inf, 2, 2.0, &js), FL_EINVAL);
    cr_expect_eq(fl_divergence_js(p, p, 0, 2.0, &js), FL_EINVAL);
    cr_expect_eq(fl_divergence_js(p, p, 2, 1.0, &js), FL_EINVAL);
    cr_expect_eq(fl_divergence_js(p, p, 2, -2.0, &js), FL_EINVAL);
    cr_expect_eq(fl_divergence_js(p, p, 2, NAN, &js), FL_EINVAL);
    cr_expect_eq(fl_divergence_js(NULL, p, 2, 2.0, &js), FL_EINVAL);
    cr_expect_eq(fl_divergence_js(p, p, 2, 2.0, NULL), FL_EINVAL);
    cr_expect_eq(fl_divergence_kl(p, zero, 2, FL_DIVERGENCE_NATS, &v), FL_EINVAL);
    cr_expect_eq(fl_divergence_kl(p, p, 2, 1.0, &v), FL_EINVAL);
    cr_expect_eq(fl_divergence_psi(zero, p, 2, &v), FL_EINVAL);
    cr_expect_eq(fl_divergence_psi(p, nan, 2, &v), FL_EINVAL);
    cr_expect_eq(fl_divergence_psi(p, p, 2, NULL), FL_EINVAL);
    cr_expect_eq(fl_divergence_hellinger(p, neg, 2, &v), FL_EINVAL);
    cr_expect_eq(fl_divergence_hellinger(p, p, 0, &v), FL_EINVAL);
    cr_expect_eq(fl_divergence_fill_empty(zero, 2, zero), FL_EINVAL);
    cr_expect_eq(fl_divergence_fill_empty(p, 0, zero), FL_EINVAL);
    cr_expect_eq(fl_divergence_fill_empty(p, 2, NULL), FL_EINVAL);
}

Test(divergence, binned_allocation_failures_are_clean)
{
    double p[] = {1, 2, 0}, q[] = {2, 0, 1}, v;
    fl_alloc_fail_after(0);
    fl_err e1 = fl_divergence_psi(p, q, 3, &v);
    fl_err e2 = fl_divergence_hellinger(p, q, 3, &v);
    struct fl_js_result js;
    fl_err e3 = fl_divergence_js(p, q, 3, 2.0, &js);
    fl_err e4 = fl_divergence_kl(p, q, 3, 2.0, &v);
    fl_alloc_fail_after(-1);
    cr_expect_eq(e1, FL_ENOMEM);
    cr_expect_eq(e2, FL_ENOMEM);
    cr_expect_eq(e3, FL_ENOMEM);
    cr_expect_eq(e4, FL_ENOMEM);
}
