/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kll.c: the KLL quantile sketch (Karnin, Lang, Liberty 2016) with the lazy compaction of Apache
 * DataSketches' KLL sketch, re-derived from the paper and DataSketches' documentation.
 *
 * Layout: one array `items` of capacity total_cap(k, n_levels) holds every level, lowest first,
 * packed against the end; items[0 .. levels[0]) is free space and level h is
 * items[levels[h] .. levels[h+1]). Level h holds items of weight 2^h; levels above 0 are sorted.
 * An update writes below levels[0]; when no space is left, the lowest level holding at least its
 * capacity k (2/3)^depth (at least FL_KLL_M) is compacted: sorted (level 0), every other item
 * kept from a random offset, and the survivors merged into the level above. A leftover item of
 * an odd-sized level stays put, so the weights always add up to n exactly.
 */
#include "stats/kll.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "stats/sketch_io.h"

struct fl_kll {
    uint32_t k;
    uint32_t n_levels;                        /* >= 1 */
    uint64_t n;                               /* values added = sum of item weights */
    double min, max;                          /* exact; NaN while n == 0 */
    uint64_t rng;                             /* splitmix64 state of the compaction coin */
    double *items;                            /* cap slots, see above */
    uint32_t cap;                             /* total_cap(k, n_levels) */
    uint32_t levels[FL_LIMIT_KLL_LEVELS + 3]; /* levels[0 .. n_levels] */
};

#define KLL_HEADER_BYTES 40

/* ---- capacities ---------------------------------------------------------------------------- */

/* Capacity of level h among n_levels: round(k (2/3)^depth), at least FL_KLL_M. */
static uint32_t level_cap(uint32_t k, uint32_t n_levels, uint32_t h)
{
    uint32_t depth = n_levels - h - 1;
    if (depth > 30) /* k (2/3)^31 < 1 for every k <= 65535 */
        return FL_KLL_M;
    uint64_t p3 = 1;
    for (uint32_t i = 0; i < depth; i++)
        p3 *= 3;
    uint64_t c = (((uint64_t)k << depth) * 2 + p3) / (2 * p3);
    return c > FL_KLL_M ? (uint32_t)c : FL_KLL_M;
}

static uint32_t total_cap(uint32_t k, uint32_t n_levels)
{
    uint32_t t = 0;
    for (uint32_t h = 0; h < n_levels; h++)
        t += level_cap(k, n_levels, h);
    return t;
}

static inline uint32_t pop(const struct fl_kll *s, uint32_t h)
{
    return s->levels[h + 1] - s->levels[h];
}

/* ---- randomness and sorting ---------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static unsigned coin(uint64_t *state)
{
    return (unsigned)(splitmix64(state) >> 63);
}

static void insertion_sort(double *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        double x = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > x) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

static void sift_down(double *a, size_t root, size_t n)
{
    double x = a[root];
    for (size_t c; (c = 2 * root + 1) < n; root = c) {
        if (c + 1 < n && a[c + 1] > a[c])
            c++;
        if (!(a[c] > x))
            break;
        a[root] = a[c];
    }
    a[root] = x;
}

static void heap_sort(double *a, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (size_t end = n; end-- > 1;) {
        double t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

static inline void swap_d(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

/*
 * Introsort of NaN-free doubles: quicksort (median of three, Hoare partition), heapsort when the
 * recursion gets deep (adversarial inputs), insertion sort for short runs.
 */
static void intro_sort(double *a, size_t n, int depth)
{
    while (n > 24) {
        if (depth-- <= 0) {
            heap_sort(a, n);
            return;
        }
        size_t mid = n / 2;
        if (a[mid] < a[0])
            swap_d(&a[mid], &a[0]);
        if (a[n - 1] < a[mid]) {
            swap_d(&a[n - 1], &a[mid]);
            if (a[mid] < a[0])
                swap_d(&a[mid], &a[0]);
        }
        double p = a[mid];
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < p)
                i++;
            while (a[j] > p)
                j--;
            if (i >= j)
                break;
            swap_d(&a[i], &a[j]);
            i++;
            j--;
        }
        /* [0, j] <= p <= [j + 1, n); both parts are non-empty. */
        size_t nl = j + 1, nr = n - nl;
        if (nl < nr) {
            intro_sort(a, nl, depth);
            a += nl;
            n = nr;
        } else {
            intro_sort(a + nl, nr, depth);
            n = nl;
        }
    }
    insertion_sort(a, n);
}

static void sort_doubles(double *a, size_t n)
{
    int depth = 0;
    for (size_t m = n; m > 1; m >>= 1)
        depth += 2;
    intro_sort(a, n, depth);
}

/* ---- compaction ---------------------------------------------------------------------------- */

/* Keep every other item of a[0 .. len) (len even) from offset `odd`, packed at the bottom. */
static void halve_down(double *a, size_t len, unsigned odd)
{
    size_t half = len / 2;
    for (size_t t = 0; t < half; t++)
        a[t] = a[odd + 2 * t];
}

/* The same, packed at the top: a[len - half .. len). */
static void halve_up(double *a, size_t len, unsigned odd)
{
    size_t half = len / 2;
    for (size_t t = 0; t < half; t++)
        a[len - 1 - t] = a[len - 1 - odd - 2 * t];
}

/* First index in sorted a[lo .. n) whose item is >= x: exponential then binary search. */
static size_t gallop(const double *a, size_t lo, size_t n, double x)
{
    size_t step = 1, hi = lo;
    while (hi < n && a[hi] < x) {
        lo = hi + 1;
        hi += step;
        step *= 2;
    }
    if (hi > n)
        hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/*
 * Merge sorted buf[a .. a+na) into sorted buf[b .. b+nb), in place as the compactions lay them
 * out: the result goes to buf[b - na .. b + nb), and a + na <= b - na. Galloping: for each item
 * of the (usually short) first run, the block of the second run below it moves down at once, and
 * the block above the last one is already in place.
 */
static void merge_into(double *buf, size_t a, size_t na, size_t b, size_t nb)
{
    size_t out = b - na, j0 = 0;
    const double *B = buf + b;
    for (size_t t = 0; t < na; t++) {
        double x = buf[a + t];
        size_t p = gallop(B, j0, nb, x);
        if (p > j0)
            memmove(buf + out + t + j0, B + j0, (p - j0) * sizeof *buf);
        buf[out + t + p] = x;
        j0 = p;
    }
}

/* Add an empty top level to a completely full sketch (levels[0] == 0): a larger array. */
static fl_err add_level(struct fl_kll *s)
{
    if (s->n_levels >= FL_LIMIT_KLL_LEVELS)
        return FL_ELIMIT;
    uint32_t ncap = total_cap(s->k, s->n_levels + 1), delta = ncap - s->cap;
    double *items = fl_reallocarray(s->items, ncap, sizeof *items);
    if (!items)
        return FL_ENOMEM;
    memmove(items + delta, items, (size_t)s->cap * sizeof *items);
    for (uint32_t h = 0; h <= s->n_levels; h++)
        s->levels[h] += delta;
    s->n_levels++;
    s->levels[s->n_levels] = ncap;
    s->items = items;
    s->cap = ncap;
    return FL_OK;
}

/* Make room in a full sketch by compacting its lowest level at or over capacity. */
static fl_err compress_one(struct fl_kll *s)
{
    uint32_t L = 0;
    while (L + 1 < s->n_levels && pop(s, L) < level_cap(s->k, s->n_levels, L))
        L++;
    if (L + 1 == s->n_levels) {
        fl_err e = add_level(s);
        if (e)
            return e;
    }
    double *it = s->items;
    uint32_t raw_beg = s->levels[L], raw_end = s->levels[L + 1];
    uint32_t pop_above = s->levels[L + 2] - raw_end, raw_pop = raw_end - raw_beg;
    uint32_t odd = raw_pop & 1, adj_beg = raw_beg + odd, adj_pop = raw_pop - odd;
    uint32_t half = adj_pop / 2;
    if (L == 0)
        sort_doubles(it + adj_beg, adj_pop);
    if (pop_above == 0) {
        halve_up(it + adj_beg, adj_pop, coin(&s->rng));
    } else {
        halve_down(it + adj_beg, adj_pop, coin(&s->rng));
        merge_into(it, adj_beg, half, raw_end, pop_above);
    }
    s->levels[L + 1] -= half;
    if (odd) {
        s->levels[L] = s->levels[L + 1] - 1;
        it[s->levels[L]] = it[raw_beg];
    } else {
        s->levels[L] = s->levels[L + 1];
    }
    if (L > 0) {
        memmove(it + s->levels[0] + half, it + s->levels[0],
                (size_t)(raw_beg - s->levels[0]) * sizeof *it);
        for (uint32_t h = 0; h < L; h++)
            s->levels[h] += half;
    }
    return FL_OK;
}

/*
 * Compaction for merges (DataSketches' "general compress"): in[] with levels il[0 .. nl] is
 * compacted bottom-up while the item count is at or over the total capacity, each level at or
 * over its own capacity once, adding levels at the top as needed; the result goes to out[] with
 * levels ol[]. il and ol need FL_LIMIT_KLL_LEVELS + 3 entries.
 */
static fl_err general_compress(uint32_t k, uint32_t nl, double *in, uint32_t *il, double *out,
                               uint32_t *ol, uint64_t *rng, uint32_t *nl_out)
{
    uint64_t count = il[nl] - il[0], target = total_cap(k, nl);
    ol[0] = 0;
    for (uint32_t L = 0; L < nl; L++) {
        if (L + 1 == nl)
            il[L + 2] = il[L + 1]; /* the level above the top is empty */
        uint32_t raw_beg = il[L], raw_end = il[L + 1], raw_pop = raw_end - raw_beg;
        if (count < target || raw_pop < level_cap(k, nl, L)) {
            memcpy(out + ol[L], in + raw_beg, (size_t)raw_pop * sizeof *in);
            ol[L + 1] = ol[L] + raw_pop;
            continue;
        }
        uint32_t pop_above = il[L + 2] - raw_end;
        uint32_t odd = raw_pop & 1, adj_beg = raw_beg + odd, adj_pop = raw_pop - odd;
        uint32_t half = adj_pop / 2;
        ol[L + 1] = ol[L];
        if (odd)
            out[ol[L + 1]++] = in[raw_beg];
        if (L == 0)
            sort_doubles(in + adj_beg, adj_pop);
        if (pop_above == 0) {
            halve_up(in + adj_beg, adj_pop, coin(rng));
        } else {
            halve_down(in + adj_beg, adj_pop, coin(rng));
            merge_into(in, adj_beg, half, raw_end, pop_above);
        }
        count -= half;
        il[L + 1] -= half;
        if (L + 1 == nl) {
            if (nl >= FL_LIMIT_KLL_LEVELS)
                return FL_ELIMIT;
            nl++;
            target += level_cap(k, nl, 0);
        }
    }
    *nl_out = nl;
    return FL_OK;
}

/* ---- lifecycle and updates ----------------------------------------------------------------- */

static double *alloc_doubles(size_t n)
{
    return fl_reallocarray(NULL, n ? n : 1, sizeof(double));
}

static struct fl_kll *alloc_kll(uint32_t k, uint32_t n_levels)
{
    struct fl_kll *s = fl_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->k = k;
    s->n_levels = n_levels;
    s->cap = total_cap(k, n_levels);
    s->items = alloc_doubles(s->cap);
    if (!s->items) {
        fl_free(s);
        return NULL;
    }
    s->min = s->max = NAN;
    for (uint32_t h = 0; h <= n_levels; h++)
        s->levels[h] = s->cap;
    return s;
}

fl_err fl_kll_new(unsigned k, uint64_t seed, struct fl_kll **out)
{
    if (!out)
        return FL_EINVAL;
    *out = NULL;
    if (k < FL_KLL_MIN_K || k > FL_LIMIT_KLL_K)
        return FL_EINVAL;
    struct fl_kll *s = alloc_kll(k, 1);
    if (!s)
        return FL_ENOMEM;
    s->rng = seed;
    *out = s;
    return FL_OK;
}

void fl_kll_free(struct fl_kll *s)
{
    if (!s)
        return;
    fl_free(s->items);
    fl_free(s);
}

fl_err fl_kll_update(struct fl_kll *s, double v)
{
    if (isnan(v))
        return FL_OK;
    if (s->n == UINT64_MAX)
        return FL_ELIMIT;
    if (s->levels[0] == 0) {
        fl_err e = compress_one(s);
        if (e)
            return e;
    }
    if (!(v >= s->min)) /* also true while min is NaN */
        s->min = v;
    if (!(v <= s->max))
        s->max = v;
    s->n++;
    s->items[--s->levels[0]] = v;
    return FL_OK;
}

fl_err fl_kll_update_many(struct fl_kll *s, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fl_err e = fl_kll_update(s, v[i]);
        if (e)
            return e;
    }
    return FL_OK;
}

/* ---- merge --------------------------------------------------------------------------------- */

/* Concatenate level 0 of a and b, merge their sorted higher levels: the merge's work array. */
static void fill_work(const struct fl_kll *a, const struct fl_kll *b, uint32_t nl, double *w,
                      uint32_t *wl)
{
    wl[0] = 0;
    for (uint32_t h = 0; h < nl; h++) {
        uint32_t na = h < a->n_levels ? pop(a, h) : 0, nb = h < b->n_levels ? pop(b, h) : 0;
        const double *pa = na ? a->items + a->levels[h] : NULL;
        const double *pb = nb ? b->items + b->levels[h] : NULL;
        double *o = w + wl[h];
        if (h == 0) {
            if (na)
                memcpy(o, pa, (size_t)na * sizeof *o);
            if (nb)
                memcpy(o + na, pb, (size_t)nb * sizeof *o);
        } else {
            uint32_t i = 0, j = 0, t = 0;
            while (i < na && j < nb)
                o[t++] = pb[j] < pa[i] ? pb[j++] : pa[i++];
            while (i < na)
                o[t++] = pa[i++];
            while (j < nb)
                o[t++] = pb[j++];
        }
        wl[h + 1] = wl[h] + na + nb;
    }
}

fl_err fl_kll_merge(struct fl_kll *dst, const struct fl_kll *src, struct fl_diag *d)
{
    if (!dst || !src)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "kll merge: NULL sketch");
    if (dst->k != src->k)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "kll merge: k = %u into k = %u", src->k, dst->k);
    if (src->n == 0)
        return FL_OK;
    if (dst->n > UINT64_MAX - src->n)
        return fl_diag_set(d, FL_ELIMIT, 0, 0, "kll merge: n would overflow 64 bits");
    uint32_t nl = dst->n_levels > src->n_levels ? dst->n_levels : src->n_levels, fnl = 0;
    size_t total = fl_kll_retained(dst) + fl_kll_retained(src);
    uint32_t wl[FL_LIMIT_KLL_LEVELS + 3], ol[FL_LIMIT_KLL_LEVELS + 3];
    uint64_t rng = dst->rng;
    double *work = alloc_doubles(total), *out = alloc_doubles(total);
    double *items = NULL;
    fl_err e = FL_ENOMEM;
    if (!work || !out)
        goto out;
    fill_work(dst, src, nl, work, wl);
    if ((e = general_compress(dst->k, nl, work, wl, out, ol, &rng, &fnl)))
        goto out;
    uint32_t ncap = total_cap(dst->k, fnl), off = ncap - ol[fnl];
    e = FL_ENOMEM;
    if (ol[fnl] > ncap || !(items = alloc_doubles(ncap)))
        goto out;
    memcpy(items + off, out, (size_t)ol[fnl] * sizeof *items);
    double mn = src->min < dst->min || isnan(dst->min) ? src->min : dst->min;
    double mx = src->max > dst->max || isnan(dst->max) ? src->max : dst->max;
    fl_free(dst->items);
    dst->items = items;
    dst->cap = ncap;
    dst->n_levels = fnl;
    for (uint32_t h = 0; h <= fnl; h++)
        dst->levels[h] = ol[h] + off;
    dst->n += src->n;
    dst->min = mn;
    dst->max = mx;
    dst->rng = rng;
    e = FL_OK;
out:
    fl_free(work);
    fl_free(out);
    if (e == FL_ENOMEM)
        fl_diag_set(d, e, 0, 0, "kll merge: out of memory");
    else if (e == FL_ELIMIT)
        fl_diag_set(d, e, 0, 0, "kll merge: more than %d levels", FL_LIMIT_KLL_LEVELS);
    return e;
}

/* ---- queries ------------------------------------------------------------------------------- */

uint64_t fl_kll_n(const struct fl_kll *s)
{
    return s->n;
}

unsigned fl_kll_k(const struct fl_kll *s)
{
    return s->k;
}

size_t fl_kll_retained(const struct fl_kll *s)
{
    return s->cap - s->levels[0];
}

size_t fl_kll_items(const struct fl_kll *s, double *v, double *w, size_t cap)
{
    size_t at = 0;
    for (uint32_t h = 0; h < s->n_levels; h++) {
        double weight = ldexp(1.0, (int)h);
        for (uint32_t i = s->levels[h]; i < s->levels[h + 1]; i++, at++) {
            if (at < cap) {
                v[at] = s->items[i];
                w[at] = weight;
            }
        }
    }
    return at;
}

double fl_kll_min(const struct fl_kll *s)
{
    return s->min;
}

double fl_kll_max(const struct fl_kll *s)
{
    return s->max;
}

double fl_kll_rank_error(unsigned k, int pmf)
{
    if (k == 0)
        return NAN;
    return pmf ? 2.446 / pow((double)k, 0.9433) : 2.296 / pow((double)k, 0.9723);
}

/* Number of items of sorted a[0 .. n) that are <= x. */
static size_t upper_bound(const double *a, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

double fl_kll_rank(const struct fl_kll *s, double x)
{
    if (!s || s->n == 0 || isnan(x))
        return NAN;
    if (x < s->min)
        return 0;
    if (x >= s->max)
        return 1;
    uint64_t w = 0;
    for (uint32_t i = s->levels[0]; i < s->levels[1]; i++)
        w += s->items[i] <= x;
    for (uint32_t h = 1; h < s->n_levels; h++)
        w += (uint64_t)upper_bound(s->items + s->levels[h], pop(s, h), x) << h;
    return (double)w / (double)s->n;
}

/* Sorted view: values v[0 .. n) ascending with cumulative weights cw[]. */
struct view {
    double *v;
    uint64_t *cw;
    size_t n;
    double *mem_v;
    uint64_t *mem_w;
};

static fl_err build_view(const struct fl_kll *s, struct view *vw)
{
    size_t r = fl_kll_retained(s);
    memset(vw, 0, sizeof *vw);
    vw->mem_v = alloc_doubles(2 * r);
    vw->mem_w = fl_reallocarray(NULL, 2 * (r ? r : 1), sizeof *vw->mem_w);
    if (!vw->mem_v || !vw->mem_w) {
        fl_free(vw->mem_v);
        fl_free(vw->mem_w);
        return FL_ENOMEM;
    }
    double *a = vw->mem_v, *b = vw->mem_v + r;
    uint64_t *wa = vw->mem_w, *wb = vw->mem_w + r;
    size_t len = pop(s, 0);
    memcpy(a, s->items + s->levels[0], len * sizeof *a);
    sort_doubles(a, len);
    for (size_t i = 0; i < len; i++)
        wa[i] = 1;
    for (uint32_t h = 1; h < s->n_levels; h++) {
        const double *l = s->items + s->levels[h];
        size_t nl = pop(s, h), i = 0, j = 0, t = 0;
        uint64_t wt = (uint64_t)1 << h;
        while (i < len && j < nl) {
            if (l[j] < a[i]) {
                b[t] = l[j++];
                wb[t++] = wt;
            } else {
                b[t] = a[i];
                wb[t++] = wa[i++];
            }
        }
        for (; i < len; i++, t++) {
            b[t] = a[i];
            wb[t] = wa[i];
        }
        for (; j < nl; j++, t++) {
            b[t] = l[j];
            wb[t] = wt;
        }
        double *tv = a;
        a = b;
        b = tv;
        uint64_t *tw = wa;
        wa = wb;
        wb = tw;
        len = t;
    }
    for (size_t i = 1; i < len; i++)
        wa[i] += wa[i - 1];
    vw->v = a;
    vw->cw = wa;
    vw->n = len;
    return FL_OK;
}

static double view_quantile(const struct fl_kll *s, const struct view *vw, double q)
{
    if (q <= 0)
        return s->min;
    if (q >= 1)
        return s->max;
    double rd = ceil(q * (double)s->n);
    uint64_t r = rd >= (double)s->n ? s->n : (uint64_t)rd;
    if (r == 0)
        r = 1;
    size_t lo = 0, hi = vw->n - 1; /* first index with cw >= r; cw[n-1] == n >= r */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vw->cw[mid] >= r)
            hi = mid;
        else
            lo = mid + 1;
    }
    double v = vw->v[lo];
    return v < s->min ? s->min : (v > s->max ? s->max : v);
}

fl_err fl_kll_quantiles(const struct fl_kll *s, const double *q, size_t nq, double *out)
{
    if (!s || (nq && (!q || !out)))
        return FL_EINVAL;
    for (size_t i = 0; i < nq; i++)
        if (!(q[i] >= 0 && q[i] <= 1))
            return FL_EINVAL;
    if (s->n == 0) {
        for (size_t i = 0; i < nq; i++)
            out[i] = NAN;
        return FL_OK;
    }
    struct view vw;
    fl_err e = build_view(s, &vw);
    if (e)
        return e;
    for (size_t i = 0; i < nq; i++)
        out[i] = view_quantile(s, &vw, q[i]);
    fl_free(vw.mem_v);
    fl_free(vw.mem_w);
    return FL_OK;
}

fl_err fl_kll_quantile(const struct fl_kll *s, double q, double *out)
{
    return fl_kll_quantiles(s, &q, 1, out);
}

/* Index of the bin (-inf, s0], (s0, s1], ..., (s_last, inf) that holds x: first split >= x. */
static size_t bin_of(const double *splits, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (splits[mid] >= x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

fl_err fl_kll_bin_counts(const struct fl_kll *s, const double *splits, size_t n_splits,
                         uint64_t *counts)
{
    if (!s || !splits || !counts || n_splits == 0)
        return FL_EINVAL;
    for (size_t i = 0; i < n_splits; i++)
        if (isnan(splits[i]) || (i > 0 && !(splits[i] > splits[i - 1])))
            return FL_EINVAL;
    memset(counts, 0, (n_splits + 1) * sizeof *counts);
    for (uint32_t h = 0; h < s->n_levels; h++)
        for (uint32_t i = s->levels[h]; i < s->levels[h + 1]; i++)
            counts[bin_of(splits, n_splits, s->items[i])] += (uint64_t)1 << h;
    return FL_OK;
}

fl_err fl_kll_cdf(const struct fl_kll *s, const double *splits, size_t n_splits, double *cdf)
{
    if (!cdf || n_splits == 0 || n_splits > SIZE_MAX / sizeof(uint64_t) - 1)
        return FL_EINVAL;
    uint64_t *counts = fl_reallocarray(NULL, n_splits + 1, sizeof *counts);
    if (!counts)
        return FL_ENOMEM;
    fl_err e = fl_kll_bin_counts(s, splits, n_splits, counts);
    if (e == FL_OK) {
        uint64_t cum = 0;
        for (size_t i = 0; i <= n_splits; i++) {
            cum += counts[i];
            cdf[i] = s->n ? (double)cum / (double)s->n : NAN;
        }
        if (s->n)
            cdf[n_splits] = 1;
    }
    fl_free(counts);
    return e;
}

/* ---- serialization ------------------------------------------------------------------------- */

size_t fl_kll_serialized_size(const struct fl_kll *s)
{
    return KLL_HEADER_BYTES + 4 * (size_t)s->n_levels + 8 * fl_kll_retained(s);
}

fl_err fl_kll_serialize(const struct fl_kll *s, struct fl_buf *out)
{
    if (!s || !out)
        return FL_EINVAL;
    fl_err e = fl_buf_reserve(out, fl_kll_serialized_size(s));
    if (e)
        return e;
    fl_sketch_put_header(out, FL_SKETCH_KLL);
    fl_sketch_put_u16(out, (uint16_t)s->k);
    fl_sketch_put_u8(out, FL_KLL_M);
    fl_sketch_put_u8(out, (uint8_t)s->n_levels);
    fl_sketch_put_u16(out, 0);
    fl_sketch_put_u64(out, s->n);
    fl_sketch_put_u64(out, s->rng);
    fl_sketch_put_f64(out, s->min);
    fl_sketch_put_f64(out, s->max);
    for (uint32_t h = 0; h < s->n_levels; h++)
        fl_sketch_put_u32(out, pop(s, h));
    for (uint32_t i = s->levels[0]; i < s->cap; i++)
        fl_sketch_put_f64(out, s->items[i]);
    return fl_buf_err(out);
}

/* The fixed header after the type byte. */
struct kll_head {
    uint16_t k, reserved;
    uint8_t m, n_levels;
    uint64_t n, rng;
    double min, max;
};

static fl_err read_head(struct fl_sketch_reader *r, struct kll_head *h)
{
    fl_err e;
    if ((e = fl_sketch_get_u16(r, "k", &h->k)))
        return e;
    if (h->k < FL_KLL_MIN_K)
        return fl_sketch_fail(r, "k", "k = %u below %d", h->k, FL_KLL_MIN_K);
    if ((e = fl_sketch_get_u8(r, "m", &h->m)))
        return e;
    if (h->m != FL_KLL_M)
        return fl_sketch_fail(r, "m", "m = %u, expected %d", h->m, FL_KLL_M);
    if ((e = fl_sketch_get_u8(r, "n_levels", &h->n_levels)))
        return e;
    if (h->n_levels < 1 || h->n_levels > FL_LIMIT_KLL_LEVELS)
        return fl_sketch_fail(r, "n_levels", "%u levels outside [1, %d]", h->n_levels,
                              FL_LIMIT_KLL_LEVELS);
    if ((e = fl_sketch_get_u16(r, "reserved", &h->reserved)))
        return e;
    if (h->reserved != 0)
        return fl_sketch_fail(r, "reserved", "reserved field is %u, expected 0", h->reserved);
    if ((e = fl_sketch_get_u64(r, "n", &h->n)) || (e = fl_sketch_get_u64(r, "rng", &h->rng)) ||
        (e = fl_sketch_get_f64(r, "min", &h->min)) || (e = fl_sketch_get_f64(r, "max", &h->max)))
        return e;
    if (h->n == 0 && (!isnan(h->min) || !isnan(h->max)))
        return fl_sketch_fail(r, "max", "empty sketch with a min or max that is not NaN");
    if (h->n > 0 && (isnan(h->min) || isnan(h->max) || h->min > h->max))
        return fl_sketch_fail(r, "max", "min %g, max %g: NaN or min > max", h->min, h->max);
    return FL_OK;
}

/* Level sizes: retained items within the capacity, weights adding up to n exactly. */
static fl_err read_levels(struct fl_sketch_reader *r, const struct kll_head *h, uint32_t *sizes)
{
    uint64_t retained = 0, weight = 0;
    uint32_t cap = total_cap(h->k, h->n_levels);
    fl_err e;
    for (uint32_t l = 0; l < h->n_levels; l++) {
        if ((e = fl_sketch_get_u32(r, "levels", &sizes[l])))
            return e;
        retained += sizes[l];
        if (retained > cap)
            return fl_sketch_fail(r, "levels",
                                  "%llu items exceed the capacity %u of %u levels "
                                  "at k = %u",
                                  (unsigned long long)retained, cap, h->n_levels, h->k);
        uint64_t w = (uint64_t)sizes[l] << l;
        if ((w >> l) != sizes[l] || w > UINT64_MAX - weight)
            return fl_sketch_fail(r, "levels", "level weights overflow 64 bits");
        weight += w;
    }
    if (weight != h->n)
        return fl_sketch_fail(r, "levels", "item weights add up to %llu, n is %llu",
                              (unsigned long long)weight, (unsigned long long)h->n);
    return FL_OK;
}

static fl_err read_items(struct fl_sketch_reader *r, const struct kll_head *h, struct fl_kll *s)
{
    fl_err e;
    for (uint32_t l = 0; l < s->n_levels; l++) {
        for (uint32_t i = s->levels[l]; i < s->levels[l + 1]; i++) {
            double v;
            if ((e = fl_sketch_get_f64(r, "items", &v)))
                return e;
            if (isnan(v) || v < h->min || v > h->max)
                return fl_sketch_fail(r, "items",
                                      "item %g of level %u is NaN or outside "
                                      "[min, max]",
                                      v, l);
            if (l > 0 && i > s->levels[l] && v < s->items[i - 1])
                return fl_sketch_fail(r, "items", "level %u is not sorted", l);
            s->items[i] = v;
        }
    }
    return FL_OK;
}

fl_err fl_kll_deserialize(const void *p, size_t len, struct fl_kll **out, struct fl_diag *d)
{
    struct fl_sketch_reader r;
    struct kll_head h;
    uint32_t sizes[FL_LIMIT_KLL_LEVELS];
    struct fl_kll *s = NULL;
    fl_err e;
    if (!out)
        return FL_EINVAL;
    *out = NULL;
    fl_sketch_reader_init(&r, p, len, "kll", d);
    if ((e = fl_sketch_get_header(&r, FL_SKETCH_KLL)) || (e = read_head(&r, &h)) ||
        (e = read_levels(&r, &h, sizes)))
        return e;
    size_t retained = 0;
    for (uint32_t l = 0; l < h.n_levels; l++)
        retained += sizes[l];
    if ((e = fl_sketch_need(&r, "items", retained, 8)))
        return e;
    if (!(s = alloc_kll(h.k, h.n_levels)))
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "kll: out of memory");
    s->n = h.n;
    s->rng = h.rng;
    s->min = h.min;
    s->max = h.max;
    s->levels[h.n_levels] = s->cap;
    for (uint32_t l = h.n_levels; l-- > 0;)
        s->levels[l] = s->levels[l + 1] - sizes[l];
    if ((e = read_items(&r, &h, s)) || (e = fl_sketch_reader_end(&r))) {
        fl_kll_free(s);
        return e;
    }
    *out = s;
    return FL_OK;
}
