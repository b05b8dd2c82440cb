// SPDX-License-Identifier: Apache-2.0
/*
 * test_kolmogn.c: kstwo.sf and smirnov against SciPy golden vectors on a grid that reaches every
 * branch of the method selector (see scripts/gen-stats-golden.py).
 */
#include <criterion/criterion.h>
#include <math.h>

#include "core/alloc.h"
#include "stats/kolmogn.h"

#include "golden/stats_golden.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))

static int close_to(double got, double want, double rtol, double atol)
{
    return fabs(got - want) <= fmax(rtol * fabs(want), atol);
}

Test(kolmogn, kstwo_sf_and_smirnov_match_scipy)
{
    for (size_t i = 0; i < N_OF(g_kolmogn); i++) {
        long n = g_kolmogn[i].n;
        double x = g_kolmogn[i].x, sf = -1;
        cr_assert_eq(fl_kolmogn_sf(n, x, &sf), FL_OK);
        cr_expect(close_to(sf, g_kolmogn[i].kstwo_sf, 1e-7, 1e-12),
                  "kstwo.sf(%g, %ld) = %.17g, want %.17g", x, n, sf, g_kolmogn[i].kstwo_sf);
        double sm = fl_kolmogn_smirnov_sf(n, x);
        cr_expect(close_to(sm, g_kolmogn[i].smirnov, 1e-7, 1e-12),
                  "smirnov(%ld, %g) = %.17g, want %.17g", n, x, sm, g_kolmogn[i].smirnov);
    }
}

Test(kolmogn, edges_and_errors)
{
    double p = -1;
    cr_assert_eq(fl_kolmogn_sf(10, 0.0, &p), FL_OK);
    cr_expect_eq(p, 1.0);
    cr_assert_eq(fl_kolmogn_sf(10, 1.0, &p), FL_OK);
    cr_expect_eq(p, 0.0);
    cr_assert_eq(fl_kolmogn_sf(0, 0.5, &p), FL_OK);
    cr_expect(isnan(p));
    cr_assert_eq(fl_kolmogn_sf(10, NAN, &p), FL_OK);
    cr_expect(isnan(p));
    cr_expect_eq(fl_kolmogn_sf(10, 0.2, NULL), FL_EINVAL);
    cr_expect(isnan(fl_kolmogn_smirnov_sf(10, 1.5)));
    cr_expect(isnan(fl_kolmogn_smirnov_sf(0, 0.5)));
    /* The Durbin branch allocates: a failure must surface as FL_ENOMEM. */
    fl_alloc_fail_after(0);
    fl_err e = fl_kolmogn_sf(100, 0.05, &p);
    fl_alloc_fail_after(-1);
    cr_expect_eq(e, FL_ENOMEM);
}
