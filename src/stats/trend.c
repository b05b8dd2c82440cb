/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trend.c: the Theil-Sen slope (Theil 1950, Sen 1968) and Kendall's tau-b with its asymptotic
 * p-value (Kendall 1970; the Mann-Kendall trend test when x is time), as scipy.stats.theilslopes
 * and scipy.stats.kendalltau(method="asymptotic") compute them in SciPy 1.10.
 *
 * Theil-Sen: every pair of finite points with distinct x gives one slope, formed as SciPy forms
 * it (the difference with the larger x first, so even the sign of a zero agrees); the median of
 * up to 8.4 million slopes comes from an in-place selection (quickselect with Hoare's partition,
 * which splits the huge runs of equal slopes that held step values make, and a heapsort fallback
 * after 2 log2(N) rounds so that no input can make it quadratic).
 *
 * Kendall: one pass over all pairs counts C - D and the pairs tied in x and in y exactly in
 * 64-bit integers; the tie-group sizes for the variance come from sorted copies. The floating
 * point expressions are SciPy's, in SciPy's order, so tau agrees to the last bit or two and the
 * p-value to the precision of erfc.
 */
#include "stats/trend.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "stats/ztest.h"

/* Ranges this short are finished by insertion sort. */
#define SELECT_SMALL 16

static void swap_d(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

static void sift_down(double *a, size_t root, size_t n)
{
    for (size_t c; (c = 2 * root + 1) < n; root = c) {
        if (c + 1 < n && a[c + 1] > a[c])
            c++;
        if (!(a[c] > a[root]))
            return;
        swap_d(&a[root], &a[c]);
    }
}

static void heap_sort(double *a, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (size_t end = n; end-- > 1;) {
        swap_d(&a[0], &a[end]);
        sift_down(a, 0, end);
    }
}

static void insertion_sort(double *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        double v = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

static double median_of_3(double a, double b, double c)
{
    if (a > b)
        swap_d(&a, &b);
    if (b > c)
        b = c;
    return a > b ? a : b;
}

/*
 * Reorder a[0..n) (no NaN) so that a[k] is its k-th smallest value (0-based), with nothing
 * greater before it and nothing smaller after it. Introselect: O(n) expected, O(n log n) worst.
 */
static void select_kth(double *a, size_t n, size_t k)
{
    /* k is in [lo, hi]; a[..lo) <= a[lo..hi] <= a(hi..). Signed: j may step below lo. */
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
    unsigned budget = 0;
    for (size_t m = n; m > 1; m >>= 1)
        budget += 2;
    while (hi - lo >= SELECT_SMALL) {
        if (budget-- == 0) {
            heap_sort(a + lo, (size_t)(hi - lo + 1));
            return;
        }
        double pivot = median_of_3(a[lo], a[lo + (hi - lo) / 2], a[hi]);
        /* Hoare's partition (Wirth's form). The scans stop on values equal to the pivot, so a
         * long run of one value still splits near its middle. The pivot is in the range, so the
         * first pass swaps at least once and both parts shrink. Afterwards a[lo..j] <= pivot,
         * a[i..hi] >= pivot, and any a(j..i) equals the pivot. */
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j)
                swap_d(&a[i++], &a[j--]);
        }
        if (kk <= j)
            hi = j;
        else if (kk >= i)
            lo = i;
        else
            return; /* a[k] == pivot */
    }
    insertion_sort(a + lo, (size_t)(hi - lo + 1));
}

/* numpy.median of a[0..n), n >= 1, reordering a: the middle value or the mean of the two. */
static double median_inplace(double *a, size_t n)
{
    size_t h = n / 2;
    select_kth(a, n, h);
    if (n % 2)
        return a[h];
    double below = a[0]; /* the largest of a[0..h): the lower middle value */
    for (size_t i = 1; i < h; i++)
        if (a[i] > below)
            below = a[i];
    double mid = (below + a[h]) / 2;                /* NumPy's mean of the two */
    return isinf(mid) ? below / 2 + a[h] / 2 : mid; /* only when the sum overflowed */
}

/* The slopes of all pairs of (xs, ys)[0..m) with distinct x and a finite slope, into s. */
static size_t pair_slopes(const double *xs, const double *ys, size_t m, double *s)
{
    size_t ns = 0;
    for (size_t i = 0; i + 1 < m; i++) {
        for (size_t j = i + 1; j < m; j++) {
            double v;
            if (xs[j] > xs[i])
                v = (ys[j] - ys[i]) / (xs[j] - xs[i]);
            else if (xs[i] > xs[j])
                v = (ys[i] - ys[j]) / (xs[i] - xs[j]);
            else
                continue;
            if (isfinite(v))
                s[ns++] = v;
        }
    }
    return ns;
}

fl_err fl_trend_theil_sen(const double *x, const double *y, size_t n, double *slope,
                          double *intercept)
{
    double *xs = NULL, *ys = NULL, *s = NULL;
    fl_err err = FL_EINVAL;
    if (slope)
        *slope = NAN;
    if (intercept)
        *intercept = NAN;
    if (!x || !y || !slope || !intercept || n < 2)
        return FL_EINVAL;
    if (n > FL_TREND_MAX_N)
        return FL_ELIMIT;
    xs = fl_malloc(n * sizeof *xs);
    ys = fl_malloc(n * sizeof *ys);
    if (!xs || !ys) {
        err = FL_ENOMEM;
        goto out;
    }
    size_t m = 0; /* finite points, copied in order */
    for (size_t i = 0; i < n; i++) {
        if (isfinite(x[i]) && isfinite(y[i])) {
            xs[m] = x[i];
            ys[m] = y[i];
            m++;
        }
    }
    if (m < 2)
        goto out;
    s = fl_malloc(m * (m - 1) / 2 * sizeof *s); /* m <= 4096: no overflow */
    if (!s) {
        err = FL_ENOMEM;
        goto out;
    }
    size_t ns = pair_slopes(xs, ys, m, s);
    if (ns == 0)
        goto out; /* every x equal */
    double b = median_inplace(s, ns);
    double my = median_inplace(ys, m), mx = median_inplace(xs, m);
    *slope = b;
    *intercept = my - b * mx;
    err = FL_OK;
out:
    fl_free(s);
    fl_free(xs);
    fl_free(ys);
    return err;
}

static int cmp_double(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

/* Over the groups of equal values of the sorted s[0..n): sum t (t - 1)(t - 2) into *v0 and
 * t (t - 1)(2t + 5) into *v1, as SciPy's count_rank_tie (exact: every term is below 2^53). */
static void tie_terms(const double *s, size_t n, double *v0, double *v1)
{
    *v0 = *v1 = 0.0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && s[j] == s[i])
            j++;
        double t = (double)(j - i);
        if (t > 1) {
            *v0 += t * (t - 1.0) * (t - 2.0);
            *v1 += t * (t - 1.0) * (2.0 * t + 5.0);
        }
        i = j;
    }
}

static int sign_of_diff(double a, double b)
{
    return (a > b) - (a < b);
}

fl_err fl_trend_kendall(const double *x, const double *y, size_t n, double *tau, double *p)
{
    double *sx = NULL, *sy = NULL;
    fl_err err = FL_EINVAL;
    if (tau)
        *tau = NAN;
    if (p)
        *p = NAN;
    if (!x || !y || !tau || !p || n < 2)
        return FL_EINVAL;
    if (n > FL_TREND_MAX_N)
        return FL_ELIMIT;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return FL_EINVAL;

    /* s = C - D; xtie, ytie: pairs tied in x, in y (joint ties counted in both) */
    int64_t s = 0, xtie = 0, ytie = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            int dx = sign_of_diff(x[i], x[j]), dy = sign_of_diff(y[i], y[j]);
            s += dx * dy;
            xtie += dx == 0;
            ytie += dy == 0;
        }
    }
    int64_t tot = (int64_t)n * ((int64_t)n - 1) / 2;
    if (xtie == tot || ytie == tot) {
        *tau = 0.0; /* a constant side: no evidence of association (SciPy: NaN) */
        *p = 1.0;
        return FL_OK;
    }

    sx = fl_malloc(n * sizeof *sx);
    sy = fl_malloc(n * sizeof *sy);
    if (!sx || !sy) {
        err = FL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        sx[i] = x[i];
        sy[i] = y[i];
    }
    qsort(sx, n, sizeof *sx, cmp_double);
    qsort(sy, n, sizeof *sy, cmp_double);
    double x0, x1, y0, y1;
    tie_terms(sx, n, &x0, &x1);
    tie_terms(sy, n, &y0, &y1);

    /* SciPy 1.10 _stats_py.kendalltau, operation for operation */
    double t = (double)s / sqrt((double)(tot - xtie)) / sqrt((double)(tot - ytie));
    *tau = fmin(1.0, fmax(-1.0, t));
    double dn = (double)n, m = dn * (dn - 1.0);
    double var = (m * (double)(2 * n + 5) - x1 - y1) / 18 + (double)(2 * xtie * ytie) / m;
    if (n > 2) /* SciPy adds 0 / 0 = NaN at n = 2, where x0 = y0 = 0 */
        var += x0 * y0 / (9 * m * (double)(n - 2));
    double z = (double)s / sqrt(var);
    *p = 2 * fl_ztest_norm_sf(fabs(z));
    err = FL_OK;
out:
    fl_free(sx);
    fl_free(sy);
    return err;
}
