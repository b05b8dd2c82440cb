/* SPDX-License-Identifier: Apache-2.0 */
/*
 * binning.c: sorting, summing and binning arrays of doubles the way NumPy 1.24 does, so the
 * divergences built on top agree with their NumPy/SciPy oracles to rounding:
 *   - numpy.sum's order: blocks of 8192 (the ufunc buffer size), each summed pairwise
 *     (numpy/core/src/umath/loops_utils.h.src, pairwise_sum);
 *   - numpy.histogram_bin_edges for 'sturges', 'doane' and integer counts (numpy/lib/
 *     histograms.py: min/max range widened by 0.5 when empty, numpy.linspace edges);
 *   - numpy.quantile(method='linear') (Hyndman & Fan definition 7, with NumPy's _lerp);
 *   - numpy.histogram counting (half-open bins, the last one closed).
 * The sort is a distribution (bucket) sort by value: infinities to the ends, finite values into
 * ~n/8 equal-width buckets over [min, max] read straight from the input, each bucket finished
 * by insertion sort or, if large, by the same distribution over its own range; qsort below two
 * such levels bounds the worst case (values spread over hundreds of decades) at O(n log n).
 * Counting finds the bin arithmetically for equally spaced edges (corrected by one comparison
 * each way) and by a branch-free binary search otherwise.
 */
#include "stats/binning.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

#define PW_BLOCK 128 /* NumPy's PW_BLOCKSIZE: leaves of the pairwise recursion */

#define SORT_SMALL 32     /* insertion sort at or below this many values */
#define SORT_PER_BUCKET 8 /* target bucket size */
#define SORT_MAX_B 131072 /* most buckets per level */
#define SORT_MAX_DEPTH 2  /* bucket levels below the top before falling back to qsort */

#define COUNT_LANES 4      /* interleaved histograms in fl_binning_count */
#define COUNT_LANE_MAX 256 /* their size: up to 253 bins (plus below, above, NaN) */

/* ---- numpy.sum ------------------------------------------------------------------------- */

/* NumPy's pairwise_sum for one block (n <= 8192). */
static double pairwise(const double *a, size_t n)
{
    if (n < 8) {
        double res = 0.;
        for (size_t i = 0; i < n; i++)
            res += a[i];
        return res;
    }
    if (n <= PW_BLOCK) {
        double r[8];
        size_t i;
        for (i = 0; i < 8; i++)
            r[i] = a[i];
        for (i = 8; i < n - (n % 8); i += 8)
            for (size_t j = 0; j < 8; j++)
                r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += a[i];
        return res;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise(a, n2) + pairwise(a + n2, n - n2);
}

double fl_binning_sum(const double *v, size_t n)
{
    double total = 0.0;
    for (size_t lo = 0; lo < n; lo += FL_BINNING_SUM_BLOCK) {
        size_t m = n - lo < FL_BINNING_SUM_BLOCK ? n - lo : FL_BINNING_SUM_BLOCK;
        total += pairwise(v + lo, m);
    }
    return total;
}

/*
 * A virtual array: a[0..na) followed by b[0..nb), each element transformed on the way
 * (identity, squared deviation from c0, or ((x - c0) / c1)^3), summed in numpy.sum's order
 * without materializing the transformed array: the pairwise recursion is the same, and each
 * leaf of at most PW_BLOCK elements is fetched into a small buffer first.
 */
enum seq_op { SEQ_ID, SEQ_DEV2, SEQ_CUBE };

struct seq {
    const double *a, *b;
    size_t na, nb;
    enum seq_op op;
    double c0, c1;
};

static void seq_fetch(const struct seq *s, size_t lo, size_t n, double *buf)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = lo + i;
        double x = k < s->na ? s->a[k] : s->b[k - s->na];
        if (s->op == SEQ_DEV2) {
            x -= s->c0;
            x *= x;
        } else if (s->op == SEQ_CUBE) {
            x = pow((x - s->c0) / s->c1, 3.0);
        }
        buf[i] = x;
    }
}

static double seq_pairwise(const struct seq *s, size_t lo, size_t n)
{
    if (n <= PW_BLOCK) {
        double buf[PW_BLOCK];
        seq_fetch(s, lo, n, buf);
        return pairwise(buf, n);
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return seq_pairwise(s, lo, n2) + seq_pairwise(s, lo + n2, n - n2);
}

static double seq_sum(const struct seq *s)
{
    size_t n = s->na + s->nb;
    double total = 0.0;
    for (size_t lo = 0; lo < n; lo += FL_BINNING_SUM_BLOCK) {
        size_t m = n - lo < FL_BINNING_SUM_BLOCK ? n - lo : FL_BINNING_SUM_BLOCK;
        total += seq_pairwise(s, lo, m);
    }
    return total;
}

/* numpy.mean and numpy.std (ddof 0) of the virtual array. */
static void seq_mean_std(const double *a, size_t na, const double *b, size_t nb, double *mean,
                         double *std)
{
    double n = (double)(na + nb);
    struct seq s = {a, b, na, nb, SEQ_ID, 0, 0};
    *mean = seq_sum(&s) / n;
    s.op = SEQ_DEV2;
    s.c0 = *mean;
    *std = sqrt(seq_sum(&s) / n);
}

fl_err fl_binning_std(const double *v, size_t n, double *out)
{
    if (!v || !out || n == 0)
        return FL_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return FL_EINVAL;
    double mean;
    seq_mean_std(v, n, NULL, 0, &mean, out);
    return FL_OK;
}

/* ---- sorting --------------------------------------------------------------------------- */

static inline double part_at(const double *a, size_t na, const double *b, size_t k)
{
    return k < na ? a[k] : b[k - na];
}

static int cmp_double(const void *pa, const void *pb)
{
    double x = *(const double *)pa, y = *(const double *)pb;
    return (x > y) - (x < y);
}

static void insertion_sort(double *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        double x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* Scratch shared by the levels of one sort: a value buffer and bucket numbers as long as the
 * input, and one count array per level. */
struct bsort {
    double *tmp;
    uint32_t *bucket;
    size_t *cnt[SORT_MAX_DEPTH + 1];
};

/* Buckets for m values: about SORT_PER_BUCKET per bucket, a power of two in [2, SORT_MAX_B]. */
static size_t bucket_count(size_t m)
{
    size_t b = 2;
    while (b < SORT_MAX_B && b * SORT_PER_BUCKET < m)
        b *= 2;
    return b;
}

/*
 * Distributes the values src(k), k < m (all finite, lo <= v <= hi, lo < hi) into `dst` by
 * bucket: bucket = floor((x/2 - lo/2) * b / (hi/2 - lo/2)), clamped to b - 1. Halving first
 * keeps hi - lo from overflowing; every step is monotone in x, so the buckets are ordered.
 * cnt[0..b] receives the bucket start offsets.
 */
static void distribute(const double *a, size_t na, const double *b_part, size_t m, double lo,
                       double hi, size_t b, size_t *cnt, uint32_t *bucket, double *dst)
{
    double half_lo = lo / 2, scale = (double)b / (hi / 2 - half_lo);
    memset(cnt, 0, (b + 1) * sizeof *cnt);
    size_t k = 0;
    for (size_t j = 0; j < m; j++) {
        double x = part_at(a, na, b_part, j);
        if (!isfinite(x))
            continue;
        double g = (x / 2 - half_lo) * scale;
        uint32_t i = g < (double)b ? (uint32_t)g : (uint32_t)(b - 1);
        bucket[k++] = i;
        cnt[i + 1]++;
    }
    for (size_t i = 1; i <= b; i++)
        cnt[i] += cnt[i - 1];
    k = 0;
    for (size_t j = 0; j < m; j++) {
        double x = part_at(a, na, b_part, j);
        if (isfinite(x))
            dst[cnt[bucket[k++]]++] = x;
    }
    /* cnt[i] now holds the end of bucket i, i.e. the start of bucket i + 1 */
    memmove(cnt + 1, cnt, b * sizeof *cnt);
    cnt[0] = 0;
}

/* Whether distribute() can spread [lo, hi] over b buckets: not when halving merges lo and hi
 * (neighbouring subnormals), which would make its scale infinite. */
static int spreadable(double lo, double hi, size_t b)
{
    double span = hi / 2 - lo / 2;
    return span > 0 && isfinite((double)b / span);
}

static void sort_buckets(struct bsort *s, double *v, const size_t *cnt, size_t b, int depth);

/* Sorts v[0..m) (finite values) in place. */
static void sort_finite(struct bsort *s, double *v, size_t m, int depth)
{
    if (m <= SORT_SMALL) {
        insertion_sort(v, m);
        return;
    }
    if (depth > SORT_MAX_DEPTH) { /* values the buckets could not spread: bounded fallback */
        qsort(v, m, sizeof *v, cmp_double);
        return;
    }
    double lo = v[0], hi = v[0];
    for (size_t j = 1; j < m; j++) {
        lo = v[j] < lo ? v[j] : lo;
        hi = v[j] > hi ? v[j] : hi;
    }
    if (lo == hi)
        return;
    size_t b = bucket_count(m);
    if (!spreadable(lo, hi, b)) {
        qsort(v, m, sizeof *v, cmp_double);
        return;
    }
    distribute(v, m, NULL, m, lo, hi, b, s->cnt[depth], s->bucket, s->tmp);
    memcpy(v, s->tmp, m * sizeof *v);
    sort_buckets(s, v, s->cnt[depth], b, depth);
}

static void sort_buckets(struct bsort *s, double *v, const size_t *cnt, size_t b, int depth)
{
    for (size_t i = 0; i < b; i++)
        sort_finite(s, v + cnt[i], cnt[i + 1] - cnt[i], depth + 1);
}

/*
 * Sorted copy of a[0..na) ++ b[0..nb) (n = na + nb >= 1) into a new array: infinities go to the
 * ends, finite values are distributed by value into ~n/8 buckets straight from the input into
 * the result, and each bucket is sorted in place (insertion sort when small, else the same
 * distribution one level down, qsort below SORT_MAX_DEPTH levels).
 */
static fl_err sort_parts(const double *a, size_t na, const double *b, size_t nb, double **out)
{
    size_t n = na + nb, n_neg_inf = 0, n_pos_inf = 0;
    *out = NULL;
    if (n > SIZE_MAX / sizeof(double))
        return FL_ENOMEM;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < n; k++) {
        double x = part_at(a, na, b, k);
        if (isnan(x))
            return FL_EINVAL;
        if (isinf(x)) {
            if (x < 0)
                n_neg_inf++;
            else
                n_pos_inf++;
            continue;
        }
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    size_t m = n - n_neg_inf - n_pos_inf;
    double *r = fl_malloc(n * sizeof *r);
    if (!r)
        return FL_ENOMEM;
    for (size_t k = 0; k < n_neg_inf; k++)
        r[k] = -INFINITY;
    for (size_t k = n - n_pos_inf; k < n; k++)
        r[k] = INFINITY;
    double *v = r + n_neg_inf;
    size_t top_b = bucket_count(m);
    /* bucket numbers are 32-bit */
    if (m <= SORT_SMALL || lo == hi || m > UINT32_MAX || !spreadable(lo, hi, top_b)) {
        size_t k = 0;
        for (size_t j = 0; j < n; j++) {
            double x = part_at(a, na, b, j);
            if (isfinite(x))
                v[k++] = x;
        }
        if (m > SORT_SMALL && lo != hi)
            qsort(v, m, sizeof *v, cmp_double);
        else if (lo != hi)
            insertion_sort(v, m);
        *out = r;
        return FL_OK;
    }
    struct bsort s = {0};
    s.tmp = fl_malloc(m * sizeof *s.tmp);
    s.bucket = fl_malloc(m * sizeof *s.bucket);
    s.cnt[0] = fl_malloc((SORT_MAX_DEPTH + 1) * (SORT_MAX_B + 1) * sizeof(size_t));
    if (!s.tmp || !s.bucket || !s.cnt[0]) {
        fl_free(r);
        r = NULL;
        goto out;
    }
    for (int d = 1; d <= SORT_MAX_DEPTH; d++)
        s.cnt[d] = s.cnt[0] + (size_t)d * (SORT_MAX_B + 1);
    distribute(a, na, b, n, lo, hi, top_b, s.cnt[0], s.bucket, v);
    sort_buckets(&s, v, s.cnt[0], top_b, 0);
    *out = r;
out:
    fl_free(s.tmp);
    fl_free(s.bucket);
    fl_free(s.cnt[0]);
    return *out ? FL_OK : FL_ENOMEM;
}

fl_err fl_binning_sorted_copy(const double *v, size_t n, double **out)
{
    if (!out)
        return FL_EINVAL;
    *out = NULL;
    if (!v || n == 0)
        return FL_EINVAL;
    return sort_parts(v, n, NULL, 0, out);
}

/* ---- bin edges ------------------------------------------------------------------------- */

/* numpy.linspace(start, stop, num) for num >= 2 (endpoint included, float64). */
static void linspace(double start, double stop, size_t num, double *out)
{
    double div = (double)(num - 1), delta = stop - start, step = delta / div;
    for (size_t i = 0; i < num; i++)
        out[i] = (step == 0 ? (double)i / div * delta : (double)i * step) + start;
    out[num - 1] = stop;
}

/* numpy's _lerp(a, b, t): two forms so that t = 0 and t = 1 give a and b exactly. */
static double lerp(double a, double b, double t)
{
    double diff = b - a;
    return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

static fl_err quantile_edges(const double *a, size_t na, const double *b, size_t nb, size_t n_bins,
                             double *edges, size_t *n_edges)
{
    double *s = NULL;
    fl_err err = sort_parts(a, na, b, nb, &s);
    if (err != FL_OK)
        return err;
    size_t n = na + nb;
    double last = (double)(n - 1), step = 1.0 / (double)n_bins;
    for (size_t i = 0; i <= n_bins; i++) {
        double q = i == n_bins ? 1.0 : (double)i * step + 0.0; /* numpy.linspace(0, 1, k+1) */
        double vi = last * q;
        if (vi >= last) {
            edges[i] = s[n - 1];
        } else {
            double prev = floor(vi);
            size_t j = (size_t)prev;
            edges[i] = lerp(s[j], s[j + 1], vi - prev);
        }
    }
    fl_free(s);
    /* numpy.unique: sort, then keep the first of each run of equal values. */
    qsort(edges, n_bins + 1, sizeof *edges, cmp_double);
    size_t m = 1;
    for (size_t i = 1; i <= n_bins; i++)
        if (edges[i] != edges[m - 1])
            edges[m++] = edges[i];
    if (m == 1) { /* constant data: one bin, widened as numpy does for min == max */
        double v = edges[0];
        edges[0] = v - 0.5;
        edges[1] = v + 0.5;
        m = 2;
    }
    *n_edges = m;
    return FL_OK;
}

/* Number of equal-width bins numpy picks for 'sturges' / 'doane' (histograms.py), as a double
 * (the caller checks it against the capacity before converting). */
static double auto_bins(enum fl_binning_rule rule, const double *a, size_t na, const double *b,
                        size_t nb, double lo, double hi)
{
    size_t n = na + nb;
    double dn = (double)n, ptp = hi - lo, width = 0.0;
    if (rule == FL_BINNING_STURGES) {
        width = ptp / (log2(dn) + 1.0);
    } else if (n > 2) {
        double sg1 = sqrt(6.0 * (double)(n - 2) / ((dn + 1.0) * (double)(n + 3)));
        double mean, sigma;
        seq_mean_std(a, na, b, nb, &mean, &sigma);
        if (sigma > 0.0) {
            struct seq s = {a, b, na, nb, SEQ_CUBE, mean, sigma};
            double g1 = seq_sum(&s) / dn;
            width = ptp / (1.0 + log2(dn) + log2(1.0 + fabs(g1) / sg1));
        }
    }
    if (width == 0)
        return 1;
    return ceil((hi - lo) / width);
}

fl_err fl_binning_edges(enum fl_binning_rule rule, size_t n_bins, const double *a, size_t na,
                        const double *b, size_t nb, double *edges, size_t edges_cap,
                        size_t *n_edges)
{
    if (!n_edges)
        return FL_EINVAL;
    *n_edges = 0;
    if (!a || na == 0 || (!b && nb > 0) || !edges || na > SIZE_MAX - nb ||
        (unsigned)rule > FL_BINNING_QUANTILE)
        return FL_EINVAL;
    if ((rule == FL_BINNING_EQUAL || rule == FL_BINNING_QUANTILE) && n_bins == 0)
        return FL_EINVAL;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < na + nb; k++) {
        double x = part_at(a, na, b, k);
        if (!isfinite(x))
            return FL_EINVAL;
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    if (!isfinite(hi - lo)) /* NumPy fails too: its bin width or step becomes inf or NaN */
        return FL_EINVAL;
    if (rule == FL_BINNING_QUANTILE) {
        if (n_bins >= edges_cap)
            return FL_ELIMIT;
        return quantile_edges(a, na, b, nb, n_bins, edges, n_edges);
    }
    size_t bins = n_bins;
    if (rule != FL_BINNING_EQUAL) {
        double nb_auto = auto_bins(rule, a, na, b, nb, lo, hi);
        if (!(nb_auto < (double)edges_cap))
            return FL_ELIMIT;
        bins = (size_t)nb_auto;
    }
    if (bins >= edges_cap)
        return FL_ELIMIT;
    if (lo == hi) {
        lo -= 0.5;
        hi += 0.5;
    }
    linspace(lo, hi, bins + 1, edges);
    *n_edges = bins + 1;
    return FL_OK;
}

/* ---- counting -------------------------------------------------------------------------- */

/* Equally spaced (to 1e-9 of the width) finite edges: the arithmetic guess is then off by at
 * most one bin, and the correction loops below make it exact anyway. */
static int equally_spaced(const double *e, size_t n_edges, double *inv_width)
{
    size_t k = n_edges - 1;
    double lo = e[0], hi = e[k];
    if (!isfinite(lo) || !isfinite(hi) || !(hi > lo))
        return 0;
    double w = (hi - lo) / (double)k;
    if (!(w > 0) || !isfinite(1.0 / w))
        return 0;
    for (size_t i = 1; i < k; i++)
        if (fabs(e[i] - (lo + (double)i * w)) > 1e-9 * w)
            return 0;
    *inv_width = 1.0 / w;
    return 1;
}

/* Where x goes among k bins: its bin, or k (below), k + 1 (above), k + 2 (NaN). */
struct binner {
    const double *e;
    size_t k;
    double lo, hi, inv_w; /* inv_w > 0: equally spaced edges */
    double kd;            /* (double)k */
};

static inline size_t locate(const struct binner *b, double x)
{
    if (!(x >= b->lo))
        return isnan(x) ? b->k + 2 : b->k;
    if (x > b->hi)
        return b->k + 1;
    size_t k = b->k;
    const double *e = b->e;
    if (b->inv_w > 0) {
        double g = (x - b->lo) * b->inv_w;
        size_t i = g < b->kd ? (size_t)(int64_t)g : k - 1;
        /* The guess is at most one bin off (equally_spaced): step back or forward once,
         * without branches (x >= e[0], so the first step never goes below 0). */
        i -= (size_t)(x < e[i]);
        i += (size_t)((i < k - 1) & (x >= e[i + 1]));
        return i;
    }
    /* Largest i < k with e[i] <= x (e[0] <= x holds). */
    const double *base = e;
    size_t len = k;
    while (len > 1) {
        size_t half = len / 2;
        base = base[half] <= x ? base + half : base;
        len -= half;
    }
    return (size_t)(base - e);
}

fl_err fl_binning_count(const double *edges, size_t n_edges, const double *v, size_t n,
                        size_t *counts, struct fl_binning_outside *outside)
{
    if (!edges || !counts || n_edges < 2 || (!v && n > 0))
        return FL_EINVAL;
    for (size_t i = 0; i < n_edges; i++)
        if (isnan(edges[i]) || (i > 0 && edges[i] < edges[i - 1]))
            return FL_EINVAL;
    size_t k = n_edges - 1, out3[3] = {0, 0, 0};
    struct binner b = {edges, k, edges[0], edges[k], 0, (double)k};
    if (!equally_spaced(edges, n_edges, &b.inv_w))
        b.inv_w = 0;
    if (k + 3 <= COUNT_LANE_MAX) {
        /* Several interleaved histograms, so runs of values in one bin do not wait on each
         * other's increments of the same counter; added up at the end. */
        size_t lanes[COUNT_LANES][COUNT_LANE_MAX];
        for (size_t l = 0; l < COUNT_LANES; l++)
            memset(lanes[l], 0, (k + 3) * sizeof lanes[l][0]);
        size_t j = 0;
        for (; j + COUNT_LANES <= n; j += COUNT_LANES)
            for (size_t l = 0; l < COUNT_LANES; l++)
                lanes[l][locate(&b, v[j + l])]++;
        for (; j < n; j++)
            lanes[0][locate(&b, v[j])]++;
        for (size_t i = 0; i < k + 3; i++) {
            size_t c = 0;
            for (size_t l = 0; l < COUNT_LANES; l++)
                c += lanes[l][i];
            if (i < k)
                counts[i] = c;
            else
                out3[i - k] = c;
        }
    } else {
        memset(counts, 0, k * sizeof *counts);
        for (size_t j = 0; j < n; j++) {
            size_t i = locate(&b, v[j]);
            if (i < k)
                counts[i]++;
            else
                out3[i - k]++;
        }
    }
    if (outside) {
        outside->below = out3[0];
        outside->above = out3[1];
        outside->nan = out3[2];
    }
    return FL_OK;
}
