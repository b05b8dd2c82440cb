// SPDX-License-Identifier: Apache-2.0
/*
 * test_binning.c: the sorted copy (against qsort on awkward distributions), numpy.sum's order
 * and numpy.std, bin edges against numpy.histogram_bin_edges ('sturges', 'doane', integer
 * counts, min == max) and numpy.quantile (duplicates collapsed), and counting against
 * numpy.histogram (edges hit exactly, duplicate and infinite edges, NaNs, values outside),
 * on golden cases and on samples regenerated from the generator's LCG.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "stats/binning.h"

#include "golden/stats_golden.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))

static const enum fl_binning_rule rules[] = {FL_BINNING_STURGES, FL_BINNING_DOANE, FL_BINNING_EQUAL,
                                             FL_BINNING_QUANTILE};

/* Mirror of the generator's lcg_sample_x: 64-bit LCG (Knuth's MMIX constants), optionally
 * squared (skewed) and snapped to a 1/quant grid (ties). n == 0 gives NULL. */
static double *lcg_sample(unsigned long seed, unsigned long n, double scale, double shift,
                          double quant, int square)
{
    if (n == 0)
        return NULL;
    double *v = fl_malloc(n * sizeof *v);
    cr_assert_not_null(v);
    uint64_t s = seed;
    for (unsigned long i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = (double)(s >> 11) * 0x1p-53;
        if (square)
            u = u * u;
        v[i] = u * scale + shift;
        if (quant != 0)
            v[i] = floor(v[i] * quant) / quant;
    }
    return v;
}

static int cmp_double(const void *pa, const void *pb)
{
    double x = *(const double *)pa, y = *(const double *)pb;
    return (x > y) - (x < y);
}

Test(binning, sorted_copy_equals_qsort_on_awkward_data)
{
    static const size_t sizes[] = {1, 2, 5, 32, 33, 100, 1000, 5000, 100000};
    uint64_t s = 7;
    for (int dist = 0; dist < 9; dist++) {
        for (size_t si = 0; si < N_OF(sizes); si++) {
            size_t n = sizes[si];
            double *v = fl_malloc(n * sizeof *v), *o = NULL;
            cr_assert_not_null(v);
            for (size_t i = 0; i < n; i++) {
                s = s * 6364136223846793005ULL + 1442695040888963407ULL;
                double x = (double)(s >> 11) * 0x1p-53;
                switch (dist) {
                case 1: /* heavy ties */
                    x = floor(x * 10);
                    break;
                case 2: /* exponential */
                    x = -log(x + 1e-300);
                    break;
                case 3: /* 17 decades, both signs */
                    x = exp(40 * x - 20) * (i % 2 ? -1 : 1);
                    break;
                case 4: /* infinities */
                    x = i % 50 == 0 ? (i % 100 ? INFINITY : -INFINITY) : x;
                    break;
                case 5: /* 600 decades: beyond the buckets, qsort */
                    x = ldexp(1.0, (int)(x * 2000) - 1000);
                    break;
                case 6: /* signed zeros */
                    x = i % 3 == 0 ? -0.0 : (i % 3 == 1 ? 0.0 : x);
                    break;
                case 7: /* hi - lo overflows */
                    x = (i % 2 ? 1e308 : -1e308) * x;
                    break;
                case 8: /* subnormals */
                    x = 5e-324 * (double)(int)(x * 100);
                    break;
                default:
                    break;
                }
                v[i] = x;
            }
            cr_assert_eq(fl_binning_sorted_copy(v, n, &o), FL_OK);
            qsort(v, n, sizeof *v, cmp_double);
            size_t bad = 0;
            for (size_t i = 0; i < n; i++)
                bad += !(o[i] == v[i]);
            cr_expect_eq(bad, 0, "distribution %d, n %zu: %zu misplaced", dist, n, bad);
            fl_free(o);
            fl_free(v);
        }
    }
}

Test(binning, sorted_copy_of_neighbouring_subnormals)
{
    /* 3 and 4 times the smallest subnormal: halved, both round to 2 times it */
    double v[100], *o = NULL;
    for (int i = 0; i < 100; i++)
        v[i] = (i % 3 ? 3 : 4) * 5e-324;
    cr_assert_eq(fl_binning_sorted_copy(v, 100, &o), FL_OK);
    for (int i = 0; i < 100; i++)
        cr_expect_eq(o[i], i < 66 ? 3 * 5e-324 : 4 * 5e-324, "position %d", i);
    fl_free(o);
}

Test(binning, sorted_copy_errors)
{
    double v[] = {1.0, NAN, 2.0}, *o = (double *)v;
    cr_expect_eq(fl_binning_sorted_copy(v, 3, &o), FL_EINVAL);
    cr_expect_null(o);
    cr_expect_eq(fl_binning_sorted_copy(v, 0, &o), FL_EINVAL);
    cr_expect_eq(fl_binning_sorted_copy(NULL, 3, &o), FL_EINVAL);
    cr_expect_eq(fl_binning_sorted_copy(v, 1, NULL), FL_EINVAL);
    /* a NaN among many values, past the small-input path */
    double *big = lcg_sample(3, 5000, 1.0, 0.0, 0, 0);
    big[4321] = NAN;
    cr_expect_eq(fl_binning_sorted_copy(big, 5000, &o), FL_EINVAL);
    cr_expect_null(o);
    fl_free(big);
}

Test(binning, sorted_copy_allocation_failures_are_clean)
{
    double *v = lcg_sample(5, 3000, 1.0, 0.0, 0, 0), *o;
    for (long n = 0;; n++) {
        fl_alloc_fail_after(n);
        fl_err e = fl_binning_sorted_copy(v, 3000, &o);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            fl_free(o);
            break;
        }
        cr_expect_eq(e, FL_ENOMEM, "failure point %ld", n);
        cr_expect_null(o);
        cr_assert_lt(n, 10);
    }
    fl_free(v);
}

Test(binning, sum_and_std_are_numpy_to_the_bit)
{
    for (size_t i = 0; i < N_OF(g_std); i++) {
        double sd;
        cr_expect_eq(fl_binning_sum(g_std[i].v, g_std[i].n), g_std[i].sum, "%s: sum %.17g vs %.17g",
                     g_std[i].name, fl_binning_sum(g_std[i].v, g_std[i].n), g_std[i].sum);
        cr_assert_eq(fl_binning_std(g_std[i].v, g_std[i].n, &sd), FL_OK);
        cr_expect_eq(sd, g_std[i].std, "%s: std %.17g, want %.17g", g_std[i].name, sd,
                     g_std[i].std);
    }
    double bad[] = {1.0, INFINITY}, sd;
    cr_expect_eq(fl_binning_std(bad, 2, &sd), FL_EINVAL);
    cr_expect_eq(fl_binning_std(bad, 0, &sd), FL_EINVAL);
    cr_expect_eq(fl_binning_sum(NULL, 0), 0.0);
}

static void expect_edges(const char *name, const double *got, size_t n_got, const double *want,
                         size_t n_want)
{
    cr_expect_eq(n_got, n_want, "%s: %zu edges, want %zu", name, n_got, n_want);
    for (size_t j = 0; j < n_got && j < n_want; j++)
        /* Exact: edges are numpy.linspace or numpy's _lerp of sorted values, reproduced
         * operation by operation (transcendentals only choose Doane's integer bin count). */
        cr_expect_eq(got[j], want[j], "%s: edge %zu %.17g, want %.17g", name, j, got[j], want[j]);
}

Test(binning, edges_match_numpy)
{
    for (size_t i = 0; i < N_OF(g_edges); i++) {
        double e[FL_BINNING_AUTO_MAX_EDGES];
        size_t n = 0;
        fl_err err =
            fl_binning_edges(rules[g_edges[i].rule], g_edges[i].k, g_edges[i].a, g_edges[i].na,
                             g_edges[i].nb ? g_edges[i].b : NULL, g_edges[i].nb, e, N_OF(e), &n);
        cr_assert_eq(err, FL_OK, "%s: %s", g_edges[i].name, fl_err_name(err));
        expect_edges(g_edges[i].name, e, n, g_edges[i].edges, g_edges[i].n_edges);
    }
}

Test(binning, edges_match_numpy_on_generated_samples)
{
    for (size_t i = 0; i < N_OF(g_edges_lcg); i++) {
        double *a = lcg_sample(g_edges_lcg[i].sa, g_edges_lcg[i].na, g_edges_lcg[i].ka,
                               g_edges_lcg[i].ha, g_edges_lcg[i].qa, g_edges_lcg[i].sqa);
        double *b = lcg_sample(g_edges_lcg[i].sb, g_edges_lcg[i].nb, g_edges_lcg[i].kb,
                               g_edges_lcg[i].hb, g_edges_lcg[i].qb, g_edges_lcg[i].sqb);
        double e[FL_BINNING_AUTO_MAX_EDGES];
        size_t n = 0;
        fl_err err = fl_binning_edges(rules[g_edges_lcg[i].rule], g_edges_lcg[i].k, a,
                                      g_edges_lcg[i].na, b, g_edges_lcg[i].nb, e, N_OF(e), &n);
        fl_free(a);
        fl_free(b);
        cr_assert_eq(err, FL_OK, "%s: %s", g_edges_lcg[i].name, fl_err_name(err));
        expect_edges(g_edges_lcg[i].name, e, n, g_edges_lcg[i].edges, g_edges_lcg[i].n_edges);
    }
}

Test(binning, edges_errors)
{
    double v[] = {1.0, 2.0, 3.0}, bad[] = {1.0, INFINITY}, e[4];
    size_t n = 99;
    cr_expect_eq(fl_binning_edges(FL_BINNING_EQUAL, 3, v, 3, NULL, 0, e, 4, &n), FL_OK);
    cr_expect_eq(n, 4);
    cr_expect_eq(fl_binning_edges(FL_BINNING_EQUAL, 4, v, 3, NULL, 0, e, 4, &n), FL_ELIMIT);
    cr_expect_eq(n, 0);
    cr_expect_eq(fl_binning_edges(FL_BINNING_QUANTILE, 4, v, 3, NULL, 0, e, 4, &n), FL_ELIMIT);
    cr_expect_eq(fl_binning_edges(FL_BINNING_STURGES, 0, v, 3, NULL, 0, e, 2, &n), FL_ELIMIT);
    cr_expect_eq(fl_binning_edges(FL_BINNING_EQUAL, 0, v, 3, NULL, 0, e, 4, &n), FL_EINVAL);
    cr_expect_eq(fl_binning_edges(FL_BINNING_QUANTILE, 0, v, 3, NULL, 0, e, 4, &n), FL_EINVAL);
    cr_expect_eq(fl_binning_edges(FL_BINNING_STURGES, 0, bad, 2, NULL, 0, e, 4, &n), FL_EINVAL);
    cr_expect_eq(fl_binning_edges(FL_BINNING_STURGES, 0, v, 3, bad, 2, e, 4, &n), FL_EINVAL);
    double wide[] = {-1e308, 1e308};
    cr_expect_eq(fl_binning_edges(FL_BINNING_STURGES, 0, wide, 2, NULL, 0, e, 4, &n), FL_EINVAL);
    cr_expect_eq(fl_binning_edges(FL_BINNING_EQUAL, 2, wide, 2, NULL, 0, e, 4, &n), FL_EINVAL);
    cr_expect_eq(fl_binning_edges(FL_BINNING_STURGES, 0, v, 0, NULL, 0, e, 4, &n), FL_EINVAL);
    cr_expect_eq(fl_binning_edges(FL_BINNING_STURGES, 0, v, 3, NULL, 2, e, 4, &n), FL_EINVAL);
    cr_expect_eq(fl_binning_edges((enum fl_binning_rule)9, 3, v, 3, NULL, 0, e, 4, &n), FL_EINVAL);
    cr_expect_eq(fl_binning_edges(FL_BINNING_EQUAL, 3, v, 3, NULL, 0, NULL, 4, &n), FL_EINVAL);
    cr_expect_eq(fl_binning_edges(FL_BINNING_EQUAL, 3, v, 3, NULL, 0, e, 4, NULL), FL_EINVAL);
}

Test(binning, quantile_edges_allocation_failure_is_clean)
{
    double *v = lcg_sample(9, 2000, 1.0, 0.0, 0, 0), e[11];
    size_t n;
    fl_alloc_fail_after(0);
    fl_err err = fl_binning_edges(FL_BINNING_QUANTILE, 10, v, 2000, NULL, 0, e, 11, &n);
    fl_alloc_fail_after(-1);
    cr_expect_eq(err, FL_ENOMEM);
    cr_expect_eq(fl_binning_edges(FL_BINNING_QUANTILE, 10, v, 2000, NULL, 0, e, 11, &n), FL_OK);
    cr_expect_eq(n, 11);
    fl_free(v);
}

Test(binning, count_matches_numpy_histogram)
{
    for (size_t i = 0; i < N_OF(g_count); i++) {
        size_t counts[8];
        struct fl_binning_outside out;
        fl_err err = fl_binning_count(g_count[i].e, g_count[i].ne, g_count[i].v, g_count[i].nv,
                                      counts, &out);
        cr_assert_eq(err, FL_OK, "%s: %s", g_count[i].name, fl_err_name(err));
        for (size_t j = 0; j + 1 < g_count[i].ne; j++)
            cr_expect_eq(counts[j], g_count[i].counts[j], "%s: bin %zu has %zu, want %lu",
                         g_count[i].name, j, counts[j], g_count[i].counts[j]);
        cr_expect_eq(out.below, g_count[i].below, "%s: below", g_count[i].name);
        cr_expect_eq(out.above, g_count[i].above, "%s: above", g_count[i].name);
        cr_expect_eq(out.nan, g_count[i].nan, "%s: nan", g_count[i].name);
    }
}

Test(binning, count_matches_numpy_on_generated_samples)
{
    for (size_t i = 0; i < N_OF(g_count_lcg); i++) {
        double *a = lcg_sample(g_count_lcg[i].sa, g_count_lcg[i].na, g_count_lcg[i].ka,
                               g_count_lcg[i].ha, g_count_lcg[i].qa, g_count_lcg[i].sqa);
        double *b = lcg_sample(g_count_lcg[i].sb, g_count_lcg[i].nb, g_count_lcg[i].kb,
                               g_count_lcg[i].hb, g_count_lcg[i].qb, g_count_lcg[i].sqb);
        double e[64];
        size_t n = 0, counts[63];
        struct fl_binning_outside out;
        cr_assert_eq(fl_binning_edges(rules[g_count_lcg[i].rule], g_count_lcg[i].k, a,
                                      g_count_lcg[i].na, NULL, 0, e, N_OF(e), &n),
                     FL_OK);
        cr_assert_eq(n, g_count_lcg[i].n_edges, "%s", g_count_lcg[i].name);
        cr_assert_eq(fl_binning_count(e, n, b, g_count_lcg[i].nb, counts, &out), FL_OK);
        size_t bad = 0;
        for (size_t j = 0; j + 1 < n; j++)
            bad += counts[j] != g_count_lcg[i].counts[j];
        cr_expect_eq(bad, 0, "%s: %zu bins differ from numpy.histogram", g_count_lcg[i].name, bad);
        cr_expect_eq(out.below, g_count_lcg[i].below, "%s", g_count_lcg[i].name);
        cr_expect_eq(out.above, g_count_lcg[i].above, "%s", g_count_lcg[i].name);
        fl_free(a);
        fl_free(b);
    }
}

/* The definition, one comparison at a time: largest i < k with e[i] <= x inside [e0, ek]. */
static long ref_bin(const double *e, size_t n_edges, double x)
{
    size_t k = n_edges - 1;
    if (isnan(x) || x < e[0] || x > e[k])
        return -1;
    size_t i = 0;
    for (size_t j = 0; j < k; j++)
        if (e[j] <= x)
            i = j;
    return (long)i;
}

Test(binning, count_agrees_with_edge_comparisons_on_both_paths)
{
    /* Equal-width edges take the arithmetic path, the others the binary search; more than 253
     * bins use one histogram instead of interleaved ones. Values sit on every edge, one ulp
     * either side of it, and at random. */
    static const double uneven[] = {-3.0, -1.0, -0.999, 0.0, 0.0, 0.25, 7.0, 7.0};
    static const double open_ends[] = {-INFINITY, -1.0, 0.0, 2.5, INFINITY};
    static double uniform[41], shifted[41], many[601], many_uneven[601];
    for (int i = 0; i <= 40; i++)
        uniform[i] = shifted[i] = -1.0 + 0.3 * i;
    shifted[17] += 0.01; /* no longer equally spaced */
    for (int i = 0; i <= 600; i++) {
        many[i] = -4.0 + i / 50.0;
        many_uneven[i] = -4.0 + i * i / 30000.0;
    }
    const double *sets[] = {uniform, shifted, uneven, open_ends, many, many_uneven};
    const size_t sizes[] = {41, 41, N_OF(uneven), N_OF(open_ends), 601, 601};
    uint64_t s = 99;
    for (size_t t = 0; t < N_OF(sets); t++) {
        const double *e = sets[t];
        size_t ne = sizes[t], nv = 0;
        static size_t counts[600], want[600];
        static double v[3 * 601 + 2000];
        memset(want, 0, sizeof want);
        for (size_t i = 0; i < ne; i++) {
            v[nv++] = e[i];
            v[nv++] = nextafter(e[i], -INFINITY);
            v[nv++] = nextafter(e[i], INFINITY);
        }
        for (int i = 0; i < 2000; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            v[nv++] = (double)(s >> 11) * 0x1p-53 * 16.0 - 4.0;
        }
        v[nv - 1] = NAN;
        size_t outside = 0;
        for (size_t j = 0; j < nv; j++) {
            long b = ref_bin(e, ne, v[j]);
            if (b < 0)
                outside++;
            else
                want[b]++;
        }
        struct fl_binning_outside o;
        cr_assert_eq(fl_binning_count(e, ne, v, nv, counts, &o), FL_OK);
        for (size_t i = 0; i + 1 < ne; i++)
            cr_expect_eq(counts[i], want[i], "edge set %zu, bin %zu: %zu, want %zu", t, i,
                         counts[i], want[i]);
        cr_expect_eq(o.below + o.above + o.nan, outside, "edge set %zu", t);
        cr_expect_eq(o.nan, 1);
    }
}

Test(binning, count_errors)
{
    double e[] = {0.0, 1.0, 0.5}, en[] = {0.0, NAN}, ok[] = {0.0, 1.0}, v[] = {0.5};
    size_t c[2];
    cr_expect_eq(fl_binning_count(e, 3, v, 1, c, NULL), FL_EINVAL);
    cr_expect_eq(fl_binning_count(en, 2, v, 1, c, NULL), FL_EINVAL);
    cr_expect_eq(fl_binning_count(ok, 1, v, 1, c, NULL), FL_EINVAL);
    cr_expect_eq(fl_binning_count(NULL, 2, v, 1, c, NULL), FL_EINVAL);
    cr_expect_eq(fl_binning_count(ok, 2, v, 1, NULL, NULL), FL_EINVAL);
    cr_expect_eq(fl_binning_count(ok, 2, NULL, 1, c, NULL), FL_EINVAL);
    cr_expect_eq(fl_binning_count(ok, 2, NULL, 0, c, NULL), FL_OK);
    cr_expect_eq(c[0], 0);
}
