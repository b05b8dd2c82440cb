/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mwu.c: Mann-Whitney U test (Mann & Whitney 1947) as scipy.stats.mannwhitneyu computes it.
 *
 * Ranks: both samples are sorted (fl_binning_sorted_copy) and merged; each run of equal values
 * gets the average rank, so R1 and the tie term sum(t^3 - t) come out of one pass, exactly
 * (integers, R1 kept doubled to stay integral).
 *
 * Exact null distribution: the number of arrangements with U = k is the coefficient of q^k in
 * the Gaussian binomial [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i) (Mann &
 * Whitney's recurrence in closed form; the product algorithm of Harding 1984, "An efficient,
 * minimal-storage procedure for calculating the Mann-Whitney U, generalized Kruskal-Wallis H
 * and Jonckheere distributions"). Each factor is a multiplication by (1 - q^a), then a division
 * by (1 - q^i) as a running sum, then a rescale by i / (n + i), so the array always holds the
 * probability mass function of the sizes (i, n) and never overflows. Coefficients only depend
 * on lower ones, so the array is truncated at the one index the tail sum needs, and the
 * symmetric tail is used when that is shorter. m is the smaller sample: O(m * m n) time at
 * most. SciPy sums the same masses left to right (numpy.cumsum), as done here.
 */
#include "stats/mwu.h"

#include <math.h>
#include <stdint.h>

#include "core/alloc.h"
#include "stats/binning.h"
#include "stats/ztest.h"

/* Largest group size whose t^3 fits in a signed 64-bit integer, as NumPy computes the term. */
#define TIE_T_EXACT_MAX 2097151u

struct ranks {
    uint64_t twice_r1; /* 2 * (sum of the ranks of x) */
    uint64_t tie_u;    /* sum of t^3 - t over tie groups, while it fits */
    double tie_d;      /* the same in double once it does not */
    int tie_in_double;
    int ties; /* some value occurs more than once in the pooled sample */
};

static void add_tie(struct ranks *r, uint64_t t)
{
    if (!r->tie_in_double && t <= TIE_T_EXACT_MAX) {
        uint64_t c = t * t * t - t;
        if (r->tie_u <= UINT64_MAX - c) {
            r->tie_u += c;
            return;
        }
    }
    if (!r->tie_in_double) {
        r->tie_in_double = 1;
        r->tie_d = (double)r->tie_u;
    }
    double dt = (double)t;
    r->tie_d += dt * dt * dt - dt;
}

/* Average ranks over the merged sorted samples. -0.0 == +0.0 and inf == inf tie, as in SciPy. */
static void rank_sums(const double *sx, size_t nx, const double *sy, size_t ny, struct ranks *r)
{
    size_t i = 0, j = 0;
    uint64_t pos = 0;
    while (i < nx || j < ny) {
        double v = (j >= ny || (i < nx && sx[i] <= sy[j])) ? sx[i] : sy[j];
        size_t i0 = i, j0 = j;
        while (i < nx && sx[i] == v)
            i++;
        while (j < ny && sy[j] == v)
            j++;
        uint64_t cx = i - i0, t = cx + (j - j0);
        /* ranks pos+1 .. pos+t, average (2 pos + t + 1) / 2 */
        r->twice_r1 += cx * (2 * pos + t + 1);
        if (t > 1) {
            r->ties = 1;
            add_tie(r, t);
        }
        pos += t;
    }
}

/* P(U <= k) under the null hypothesis for sample sizes m, n (no ties). */
static fl_err exact_cdf(uint64_t m, uint64_t n, uint64_t k, double *out)
{
    uint64_t mn = m * n;
    if (k >= mn) {
        *out = 1.0;
        return FL_OK;
    }
    int complement = k > mn / 2;
    uint64_t len = complement ? mn - k - 1 : k; /* highest coefficient needed */
    uint64_t small = m < n ? m : n, big = m < n ? n : m;
    double *c = fl_calloc((size_t)len + 1, sizeof *c);
    if (!c)
        return FL_ENOMEM;
    c[0] = 1.0;
    for (uint64_t i = 1; i <= small; i++) {
        uint64_t a = big + i;
        for (uint64_t q = len; q >= a && a <= len; q--)
            c[q] -= c[q - a];
        double s = (double)i / (double)(big + i);
        for (uint64_t q = 0; q <= len; q++)
            c[q] = q >= i ? s * c[q] + c[q - i] : s * c[q];
    }
    double sum = 0.0;
    for (uint64_t q = 0; q <= len; q++)
        sum += c[q];
    fl_free(c);
    *out = complement ? 1.0 - sum : sum;
    return FL_OK;
}

static double clip01(double p)
{
    return p < 0 ? 0 : (p > 1 ? 1 : p); /* NaN stays NaN, as numpy.clip */
}

/* SciPy's _get_mwu_z with its operation order; the tie term divides as float64, as NumPy. */
static double asymptotic_z(double u, uint64_t n1, uint64_t n2, const struct ranks *r,
                           int continuity)
{
    uint64_t n = n1 + n2;
    double mu = (double)(n1 * n2) / 2.0;
    double tie = r->tie_in_double ? r->tie_d : (double)r->tie_u;
    double s = sqrt((double)(n1 * n2) / 12.0 * ((double)(n + 1) - tie / (double)(n * (n - 1))));
    double num = u - mu;
    if (continuity)
        num -= 0.5;
    return num / s;
}

fl_err fl_mwu_test(const double *x, size_t nx, const double *y, size_t ny,
                   enum fl_mwu_alternative alternative, enum fl_mwu_method method, int continuity,
                   struct fl_mwu_result *out)
{
    double *sx = NULL, *sy = NULL;
    fl_err err = FL_EINVAL;
    if (!out)
        return FL_EINVAL;
    out->u = out->pvalue = out->z = NAN;
    out->exact = 0;
    /* Sizes up to 2^32 - 1 in total keep 2 R1 and n (n - 1) exact in 64 bits. */
    if (!x || !y || nx == 0 || ny == 0 || nx > UINT32_MAX - ny ||
        (unsigned)alternative > FL_MWU_GREATER || (unsigned)method > FL_MWU_ASYMPTOTIC)
        goto out;
    if ((err = fl_binning_sorted_copy(x, nx, &sx)) != FL_OK ||
        (err = fl_binning_sorted_copy(y, ny, &sy)) != FL_OK)
        goto out;
    struct ranks r = {0, 0, 0.0, 0, 0};
    rank_sums(sx, nx, sy, ny, &r);
    uint64_t n1 = nx, n2 = ny, mn = n1 * n2;
    double u1 = (double)(r.twice_r1 - n1 * (n1 + 1)) / 2.0;
    double u2 = (double)mn - u1;
    double u = alternative == FL_MWU_GREATER ? u1 : alternative == FL_MWU_LESS ? u2 : fmax(u1, u2);
    double f = alternative == FL_MWU_TWO_SIDED ? 2.0 : 1.0;
    out->u = u1;

    uint64_t small = n1 < n2 ? n1 : n2;
    int exact = method == FL_MWU_EXACT ||
                (method == FL_MWU_AUTO && small <= FL_MWU_AUTO_EXACT_MAX && !r.ties);
    if (exact && (mn > FL_MWU_EXACT_MAX_MN || small > FL_MWU_EXACT_MAX_MIN))
        exact = 0;
    if (exact) {
        /* SciPy: sf(int(U)) = cdf(mn - int(U)), the mass at U included. */
        double cdf;
        if ((err = exact_cdf(n1, n2, mn - (uint64_t)u, &cdf)) != FL_OK)
            goto out;
        out->pvalue = clip01(cdf * f);
        out->exact = 1;
    } else {
        out->z = asymptotic_z(u, n1, n2, &r, continuity);
        out->pvalue = clip01(fl_ztest_norm_sf(out->z) * f);
    }
    err = FL_OK;
out:
    fl_free(sx);
    fl_free(sy);
    return err;
}
