/* SPDX-License-Identifier: Apache-2.0 */
/*
 * localize.c: segment localization - Adtributor per dimension, RiskLoc over combinations of
 * dimensions, and the uniform / localized verdict (see localize.h and docs/rca.md).
 *
 * Adtributor: Bhagwan et al., "Adtributor: Revenue Debugging in Advertising Systems", NSDI 2014
 * (explanatory power, surprise, the derived-measure forms). RiskLoc: Kalander, "RiskLoc:
 * Localization of Multi-dimensional Root Causes by Weighted Risk", arXiv 2205.10004, following
 * the logic of its reference implementation (shaido987/riskloc, MIT), re-implemented here with
 * the changes docs/rca.md lists (cutoff over every informative leaf, a deterministic order).
 *
 * Sums run in leaf order (the order rows first appeared), element sums in element order, so that
 * scripts/gen-localize-golden.py, which does the same in Python, agrees to rounding.
 */
#include "localize.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "core/map.h"

/* ---- the builder ------------------------------------------------------------------------- */

struct dimtab {
    char *name;
    char **values; /* element strings, in first-seen order */
    size_t n, cap;
    struct fl_map *index; /* value -> element index + 1 */
};

struct fl_localize {
    size_t n_dims;
    bool derived;
    struct dimtab *dims;
    uint32_t *keys; /* n_leaves x n_dims element indices */
    double *sums;   /* n_leaves x 4: base_num, base_den, inc_num, inc_den */
    size_t n_leaves, cap_leaves;
    struct fl_map *leaf_index; /* key bytes -> leaf index + 1 */
};

void fl_localize_free(struct fl_localize *l)
{
    if (!l)
        return;
    for (size_t d = 0; l->dims && d < l->n_dims; d++) {
        for (size_t i = 0; i < l->dims[d].n; i++)
            fl_free(l->dims[d].values[i]);
        fl_free(l->dims[d].values);
        fl_free(l->dims[d].name);
        fl_map_free(l->dims[d].index);
    }
    fl_free(l->dims);
    fl_free(l->keys);
    fl_free(l->sums);
    fl_map_free(l->leaf_index);
    fl_free(l);
}

fl_err fl_localize_new(const char *const *dim_names, size_t n_dims, bool derived,
                       struct fl_localize **out, struct fl_diag *d)
{
    fl_err e = FL_OK;
    struct fl_localize *l = NULL;
    if (!out)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "localize: no output");
    *out = NULL;
    if (!dim_names || n_dims == 0)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "localize: no dimensions");
    if (n_dims > FL_LIMIT_LOC_DIMS)
        return fl_diag_set(d, FL_ELIMIT, 0, 0, "localize: %zu dimensions, at most %d", n_dims,
                           FL_LIMIT_LOC_DIMS);
    for (size_t i = 0; i < n_dims; i++) {
        if (!dim_names[i] || !dim_names[i][0])
            return fl_diag_set(d, FL_EINVAL, 0, 0, "localize: dimension %zu has no name", i);
        if (strlen(dim_names[i]) > FL_LIMIT_NAME_BYTES)
            return fl_diag_set(d, FL_ELIMIT, 0, 0, "localize: dimension %zu: name too long", i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(dim_names[i], dim_names[j]) == 0)
                return fl_diag_set(d, FL_EINVAL, 0, 0, "localize: dimension \"%s\" twice",
                                   dim_names[i]);
    }
    l = fl_calloc(1, sizeof *l);
    if (!l)
        return FL_ENOMEM;
    l->n_dims = n_dims;
    l->derived = derived;
    l->dims = fl_calloc(n_dims, sizeof *l->dims);
    l->leaf_index = fl_map_new(NULL, 0);
    if (!l->dims || !l->leaf_index) {
        e = FL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n_dims; i++) {
        l->dims[i].name = fl_strdup(dim_names[i]);
        l->dims[i].index = fl_map_new(NULL, 0);
        if (!l->dims[i].name || !l->dims[i].index) {
            e = FL_ENOMEM;
            goto out;
        }
    }
    *out = l;
    l = NULL;
out:
    fl_localize_free(l);
    return e;
}

size_t fl_localize_n_leaves(const struct fl_localize *l)
{
    return l ? l->n_leaves : 0;
}

static bool measure_ok(double x)
{
    return isfinite(x) && x >= 0;
}

/* Element index of v in dimension t, interning it; *added tells whether it is new. */
static fl_err intern(struct dimtab *t, struct fl_str v, uint32_t *ix, bool *added)
{
    void *p = fl_map_get(t->index, v.p, v.len);
    *added = false;
    if (p) {
        *ix = (uint32_t)((uintptr_t)p - 1);
        return FL_OK;
    }
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 16;
        char **nv = fl_reallocarray(t->values, ncap, sizeof *nv);
        if (!nv)
            return FL_ENOMEM;
        t->values = nv;
        t->cap = ncap;
    }
    char *s = fl_strndup(v.len ? v.p : "", v.len);
    if (!s)
        return FL_ENOMEM;
    fl_err e = fl_map_put(t->index, v.p, v.len, (void *)(uintptr_t)(t->n + 1));
    if (e) {
        fl_free(s);
        return e;
    }
    t->values[t->n] = s;
    *ix = (uint32_t)t->n++;
    *added = true;
    return FL_OK;
}

/* Undo the interning of the last value of t (a failed add). */
static void unintern_last(struct dimtab *t)
{
    char *s = t->values[--t->n];
    (void)fl_map_del(t->index, s, strlen(s));
    fl_free(s);
}

static fl_err grow_leaves(struct fl_localize *l)
{
    size_t ncap = l->cap_leaves ? l->cap_leaves * 2 : 256;
    if (ncap > FL_LIMIT_LOC_LEAVES)
        ncap = FL_LIMIT_LOC_LEAVES;
    uint32_t *k = fl_reallocarray(l->keys, ncap * l->n_dims, sizeof *k);
    if (!k)
        return FL_ENOMEM;
    l->keys = k;
    double *s = fl_reallocarray(l->sums, ncap * 4, sizeof *s);
    if (!s)
        return FL_ENOMEM;
    l->sums = s;
    l->cap_leaves = ncap;
    return FL_OK;
}

/* Find or create the leaf of key; FL_ELIMIT when a new one would pass the cap. */
static fl_err leaf_of(struct fl_localize *l, const uint32_t *key, size_t *li)
{
    size_t klen = l->n_dims * sizeof *key;
    void *p = fl_map_get(l->leaf_index, key, klen);
    if (p) {
        *li = (size_t)((uintptr_t)p - 1);
        return FL_OK;
    }
    if (l->n_leaves >= FL_LIMIT_LOC_LEAVES)
        return FL_ELIMIT;
    if (l->n_leaves == l->cap_leaves) {
        fl_err e = grow_leaves(l);
        if (e)
            return e;
    }
    fl_err e = fl_map_put(l->leaf_index, key, klen, (void *)(uintptr_t)(l->n_leaves + 1));
    if (e)
        return e;
    memcpy(l->keys + l->n_leaves * l->n_dims, key, klen);
    memset(l->sums + l->n_leaves * 4, 0, 4 * sizeof(double));
    *li = l->n_leaves++;
    return FL_OK;
}

fl_err fl_localize_add(struct fl_localize *l, const struct fl_str *values,
                       const struct fl_localize_row *row, struct fl_diag *d)
{
    uint32_t key[FL_LIMIT_LOC_DIMS];
    bool added[FL_LIMIT_LOC_DIMS] = {false};
    fl_err e = FL_OK;
    if (!l || !values || !row)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "localize: missing row");
    double in[4] = {row->base_num, l->derived ? row->base_den : 0, row->inc_num,
                    l->derived ? row->inc_den : 0};
    static const char *const what[4] = {"baseline numerator", "baseline denominator",
                                        "incident numerator", "incident denominator"};
    for (int i = 0; i < 4; i++)
        if (!measure_ok(in[i]))
            return fl_diag_set(d, FL_EINVAL, 0, 0, "localize: %s must be finite and >= 0, got %g",
                               l->derived ? what[i] : (i < 2 ? "baseline" : "incident"), in[i]);
    for (size_t k = 0; k < l->n_dims; k++) {
        if (values[k].len > FL_LIMIT_VALUE_BYTES)
            return fl_diag_set(d, FL_ELIMIT, 0, 0, "localize: %s: value of %zu bytes",
                               l->dims[k].name, values[k].len);
        if (values[k].len && !values[k].p)
            return fl_diag_set(d, FL_EINVAL, 0, 0, "localize: %s: NULL value", l->dims[k].name);
        /* Values become C strings in the report; a NUL inside would silently cut them. */
        if (values[k].len && memchr(values[k].p, '\0', values[k].len))
            return fl_diag_set(d, FL_EINVAL, 0, 0, "localize: %s: value contains a NUL byte",
                               l->dims[k].name);
    }
    for (size_t k = 0; k < l->n_dims; k++) {
        e = intern(&l->dims[k], values[k], &key[k], &added[k]);
        if (e)
            goto out;
    }
    size_t li;
    e = leaf_of(l, key, &li);
    if (e)
        goto out;
    double *s = l->sums + li * 4;
    for (int i = 0; i < 4; i++)
        s[i] += in[i];
out:
    if (e) {
        for (size_t k = l->n_dims; k-- > 0;)
            if (added[k])
                unintern_last(&l->dims[k]);
        if (e == FL_ELIMIT)
            fl_diag_set(d, e, 0, 0, "localize: more than %d distinct leaves", FL_LIMIT_LOC_LEAVES);
    }
    return e;
}

void fl_localize_opts_init(struct fl_localize_opts *o)
{
    *o = (struct fl_localize_opts){
        .baseline_scale = 1.0,
        .t_eep = 0.1,
        .t_ep = 0.67,
        .top_k = 3,
        .risk_threshold = 0.5,
        .pep_threshold = 0.02,
        .n_remove = 5,
        .prune_elements = true,
        .max_layer = 3,
        .max_causes = 10,
        .uniform_excess = 0.05,
        .uniform_gap = 0.5,
        .uniform_z = 3.0,
        .min_rel_change = 0.0,
    };
}

const char *fl_localize_verdict_name(enum fl_localize_verdict v)
{
    switch (v) {
    case FL_LOCALIZE_NO_CHANGE:
        return "no_change";
    case FL_LOCALIZE_UNIFORM:
        return "uniform";
    case FL_LOCALIZE_LOCALIZED:
        return "localized";
    }
    return "?";
}

/* ---- shared definitions ------------------------------------------------------------------ */

/*
 * The sums kept per leaf and per segment, NS doubles: baseline numerator and denominator (after
 * baseline_scale), incident numerator and denominator, and for the noise of a segment's change
 * the sum and the sum of squares of its leaves' weights (w = the baseline value, or for a ratio
 * the baseline denominator: a segment's ratio is the w-weighted mean of its leaves' ratios).
 */
enum { F1, F2, V1, V2, W, W2, NS };

/* One run: the leaves' sums after scaling, the totals, the options, the report being built. */
struct ctx {
    const struct fl_localize *l;
    const struct fl_localize_opts *o;
    struct fl_localize_report *r;
    size_t n;      /* leaves */
    double *leaf;  /* n x NS sums (below) */
    double T[NS];  /* totals */
    double mf, ma; /* total measure, baseline and incident */
    double R;      /* total relative change */
    double sigma;  /* leaf noise: 1.4826 x MAD of the leaves' deviation scores */
};

static double ratio(double n, double d)
{
    return d > 0 ? n / d : 0.0;
}

static double rel(double f, double v)
{
    if (f > 0)
        return v / f - 1.0;
    return v > 0 ? INFINITY : 0.0;
}

static double measure(const struct ctx *c, double n, double d)
{
    return c->l->derived ? ratio(n, d) : n;
}

/* One element's term of the Jensen-Shannon divergence (natural log, 0 log 0 = 0). */
static double js_term(double p, double q)
{
    double s = 0.0, m = p + q;
    if (p > 0)
        s += p * log(2.0 * p / m);
    if (q > 0)
        s += q * log(2.0 * q / m);
    return 0.5 * s;
}

static void add_sums(double *acc, const double *p)
{
    for (int k = 0; k < NS; k++)
        acc[k] += p[k];
}

/*
 * Explanatory power of each of the n parts p (n x NS) of a partition (elements of a dimension, or
 * leaves). Fundamental: (v - f) / (A - F). Derived (Adtributor section on derived measures): the
 * change of the total ratio if only this part had changed, normalized to sum to 1.
 */
static void eps_of(const struct ctx *c, const double *p, size_t n, double *ep)
{
    const double *T = c->T;
    if (!c->l->derived) {
        double den = T[2] - T[0];
        for (size_t i = 0; i < n; i++)
            ep[i] = den != 0 ? (p[i * NS + V1] - p[i * NS + F1]) / den : 0.0;
        return;
    }
    double tot = 0.0, base = ratio(T[0], T[1]);
    for (size_t i = 0; i < n; i++) {
        const double *q = p + i * NS;
        ep[i] = ratio(T[F1] + (q[V1] - q[F1]), T[F2] + (q[V2] - q[F2])) - base;
        tot += ep[i];
    }
    for (size_t i = 0; i < n; i++)
        ep[i] = tot != 0 ? ep[i] / tot : 0.0;
}

/*
 * The explanatory power each part would have if every part had changed as the total did:
 * fundamental f / F; derived the counterfactual ratio with numerator and denominator of the part
 * scaled by the total's factors, normalized. Without a baseline total, the EP itself.
 */
static void uniform_eps_of(const struct ctx *c, const double *p, size_t n, const double *ep,
                           double *uep)
{
    const double *T = c->T;
    if (!c->l->derived) {
        for (size_t i = 0; i < n; i++)
            uep[i] = T[F1] > 0 ? p[i * NS + F1] / T[F1] : ep[i];
        return;
    }
    if (!(T[0] > 0 && T[1] > 0)) {
        memcpy(uep, ep, n * sizeof *uep);
        return;
    }
    double r1 = T[2] / T[0], r2 = T[3] / T[1], base = ratio(T[0], T[1]), tot = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *q = p + i * NS;
        uep[i] = ratio(T[F1] + (r1 - 1.0) * q[F1], T[F2] + (r2 - 1.0) * q[F2]) - base;
        tot += uep[i];
    }
    for (size_t i = 0; i < n; i++)
        uep[i] = tot != 0 ? uep[i] / tot : 0.0;
}

/* Standard error of a segment's relative change from its weights (see struct ctx). */
static double seg_se2(const struct ctx *c, double w, double w2)
{
    return w > 0 ? c->sigma * c->sigma * w2 / (w * w) : 0.0;
}

/* A segment's statistics from its sums q (NS), EP and uniform EP; rest = everything else. */
static void seg_fill(const struct ctx *c, const double *q, double ep, double uep, bool rest_empty,
                     struct fl_localize_seg *g)
{
    const double *T = c->T;
    const struct fl_localize_opts *o = c->o;
    g->base_num = q[F1];
    g->base_den = q[F2];
    g->inc_num = q[V1];
    g->inc_den = q[V2];
    g->base = measure(c, q[F1], q[F2]);
    g->inc = measure(c, q[V1], q[V2]);
    g->rel_change = rel(g->base, g->inc);
    double rest[NS];
    for (int k = 0; k < NS; k++)
        rest[k] = fmax(T[k] - q[k], 0.0);
    g->rest_rel_change = rel(measure(c, rest[F1], rest[F2]), measure(c, rest[V1], rest[V2]));
    g->ep = ep;
    g->uniform_ep = uep;
    g->excess = ep - uep;
    double diff = 0.0;
    if (!rest_empty) {
        double a = g->rel_change, b = g->rest_rel_change;
        if (isinf(a) && isinf(b))
            diff = 0.0;
        else if (isinf(a) || isinf(b))
            diff = INFINITY;
        else
            diff = fabs(a - b);
    }
    g->gap = c->R != 0 && !isinf(c->R) ? diff / fabs(c->R) : 0.0;
    double se = sqrt(seg_se2(c, q[W], q[W2]) + seg_se2(c, rest[W], rest[W2]));
    g->z = diff == 0 ? 0.0 : (se > 0 ? diff / se : INFINITY);
    g->disproportionate =
        fabs(g->excess) >= o->uniform_excess && g->gap >= o->uniform_gap && g->z >= o->uniform_z;
}

/* ---- Adtributor -------------------------------------------------------------------------- */

struct rank {
    double key;
    size_t i;
};

/* Larger key first; ties by index (first seen first). */
static int cmp_rank(const void *a, const void *b)
{
    const struct rank *x = a, *y = b;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/*
 * Adtributor's explanatory set of a dimension whose elements are sorted by surprise: elements
 * with EP > t_eep, in that order, until their EP sums past t_ep. parts[order[i].i] are the sums
 * of out->elems[i].
 */
static void explanatory_set(const struct ctx *c, struct fl_localize_dim *out, const double *parts,
                            const struct rank *order)
{
    size_t n = out->n_elems, n_set = 0;
    double cum = 0.0;
    bool complete = false;
    for (size_t i = 0; i < n && !complete; i++) {
        if (out->elems[i].s.ep > c->o->t_eep) {
            out->elems[i].in_set = true;
            n_set++;
            cum += out->elems[i].s.ep;
            complete = cum > c->o->t_ep;
        }
    }
    /* A set of every element localizes nothing. */
    out->explains = complete && n_set < n;
    if (!out->explains) {
        for (size_t i = 0; i < n; i++)
            out->elems[i].in_set = false;
        return;
    }
    out->n_set = n_set;
    double acc[NS] = {0}, sep = 0.0, sue = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++) {
        const struct fl_localize_elem *el = &out->elems[i];
        if (!el->in_set)
            continue;
        add_sums(acc, parts + order[i].i * NS);
        sep += el->s.ep;
        sue += el->s.uniform_ep;
        ss += el->surprise;
    }
    out->set_surprise = ss;
    seg_fill(c, acc, sep, sue, false, &out->set);
}

/* The elements of dimension dim with their EP, surprise and segment statistics. */
static fl_err adtributor_dim(struct ctx *c, size_t dim, struct fl_localize_dim *out)
{
    const struct fl_localize *l = c->l;
    const struct dimtab *t = &l->dims[dim];
    size_t n = t->n;
    fl_err e = FL_OK;
    double *parts = fl_calloc(n * NS + 2 * n, sizeof *parts);
    struct rank *order = fl_reallocarray(NULL, n ? n : 1, sizeof *order);
    struct fl_localize_elem *tmp = NULL;
    if (!parts || !order) {
        e = FL_ENOMEM;
        goto out;
    }
    double *ep = parts + n * NS, *uep = ep + n;
    for (size_t i = 0; i < c->n; i++)
        add_sums(parts + (size_t)l->keys[i * l->n_dims + dim] * NS, c->leaf + i * NS);
    eps_of(c, parts, n, ep);
    uniform_eps_of(c, parts, n, ep, uep);
    out->index = dim;
    out->n_elems = n;
    out->elems = fl_arena_calloc(&c->r->arena, n ? n : 1, sizeof *out->elems);
    tmp = fl_calloc(n ? n : 1, sizeof *tmp);
    if (!out->elems || !tmp) {
        e = FL_ENOMEM;
        goto out;
    }
    const double *T = c->T;
    double surprise = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *p = parts + i * NS;
        struct fl_localize_elem *el = &tmp[i];
        el->value = t->values[i];
        seg_fill(c, p, ep[i], uep[i], n == 1, &el->s);
        el->surprise_num =
            js_term(T[F1] > 0 ? p[F1] / T[F1] : 0.0, T[V1] > 0 ? p[V1] / T[V1] : 0.0);
        el->surprise_den = 0.0;
        if (l->derived)
            el->surprise_den =
                js_term(T[F2] > 0 ? p[F2] / T[F2] : 0.0, T[V2] > 0 ? p[V2] / T[V2] : 0.0);
        el->surprise = el->surprise_num + el->surprise_den;
        surprise += el->surprise;
        order[i] = (struct rank){el->surprise, i};
    }
    out->surprise = surprise;
    qsort(order, n, sizeof *order, cmp_rank);
    for (size_t i = 0; i < n; i++) {
        out->elems[i] = tmp[order[i].i];
        const char *v = out->elems[i].value;
        out->elems[i].value = fl_arena_strdup(&c->r->arena, v);
        if (!out->elems[i].value) {
            e = FL_ENOMEM;
            goto out;
        }
    }
    explanatory_set(c, out, parts, order);
out:
    fl_free(parts);
    fl_free(order);
    fl_free(tmp);
    return e;
}

/* ---- RiskLoc ----------------------------------------------------------------------------- */

struct group {
    double ep, epz;    /* summed (sign-adjusted) EP and its positive part */
    size_t np;         /* anomalous leaves */
    size_t head, tail; /* leaf list, in leaf order, through rl.next */
    size_t slot;       /* its slot in rl.slots */
};

struct found {
    size_t layer;
    size_t cub[FL_LIMIT_LOC_DIMS];    /* dimensions */
    uint32_t elem[FL_LIMIT_LOC_DIMS]; /* their elements */
    double risk, high, low, ep;
};

/* RiskLoc's working state over the leaves. */
struct rl {
    size_t n, nd;
    double *f, *v, *dev, *w, *ep0, *ep, *epz, *uep; /* per leaf */
    unsigned char *part, *active;                   /* per leaf */
    size_t *taken_by;                               /* per leaf: cause index + 1, 0 = none */
    size_t *next;          /* per leaf: next leaf of its group, SIZE_MAX = end */
    size_t *poff;          /* nd + 1 offsets into pruned */
    unsigned char *pruned; /* per (dimension, element): pruned by RiskLoc's element pruning */
    struct group *g;
    size_t ng;
    size_t *slots; /* open addressing: group index + 1, 0 = empty */
    size_t slot_mask;
    struct rank *cand;
};

static void rl_cleanup(struct rl *s)
{
    fl_free(s->f);
    fl_free(s->part);
    fl_free(s->taken_by);
    fl_free(s->poff);
    fl_free(s->pruned);
    fl_free(s->g);
    fl_free(s->slots);
    fl_free(s->cand);
}

static fl_err rl_init(struct rl *s, const struct ctx *c)
{
    const struct fl_localize *l = c->l;
    size_t n = c->n, nd = l->n_dims, cap = 16;
    memset(s, 0, sizeof *s);
    s->n = n;
    s->nd = nd;
    while (cap < 2 * n)
        cap *= 2;
    s->f = fl_reallocarray(NULL, n, 8 * sizeof(double));
    s->part = fl_calloc(n, 2);
    s->taken_by = fl_reallocarray(NULL, n, 2 * sizeof(size_t));
    s->poff = fl_calloc(nd + 1, sizeof *s->poff);
    s->g = fl_reallocarray(NULL, n, sizeof *s->g);
    s->slots = fl_calloc(cap, sizeof *s->slots);
    s->cand = fl_reallocarray(NULL, n, sizeof *s->cand);
    if (!s->f || !s->part || !s->taken_by || !s->poff || !s->g || !s->slots || !s->cand)
        return FL_ENOMEM;
    s->v = s->f + n;
    s->dev = s->v + n;
    s->w = s->dev + n;
    s->ep0 = s->w + n;
    s->ep = s->ep0 + n;
    s->epz = s->ep + n;
    s->uep = s->epz + n;
    s->active = s->part + n;
    s->next = s->taken_by + n;
    s->slot_mask = cap - 1;
    for (size_t d = 0; d < nd; d++)
        s->poff[d + 1] = s->poff[d] + l->dims[d].n;
    s->pruned = fl_calloc(s->poff[nd] ? s->poff[nd] : 1, 1);
    if (!s->pruned)
        return FL_ENOMEM;
    memset(s->taken_by, 0, n * sizeof *s->taken_by);
    memset(s->active, 1, n);
    return FL_OK;
}

static uint64_t tuple_hash(const uint32_t *key, const size_t *cub, size_t layer)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL;
    for (size_t i = 0; i < layer; i++) {
        h ^= key[cub[i]] + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
        h *= 0xFF51AFD7ED558CCDULL;
    }
    return h ^ (h >> 33);
}

static bool tuple_eq(const uint32_t *a, const uint32_t *b, const size_t *cub, size_t layer)
{
    for (size_t i = 0; i < layer; i++)
        if (a[cub[i]] != b[cub[i]])
            return false;
    return true;
}

/*
 * Group the active leaves not under a pruned element by their elements on cuboid cub, groups in
 * order of first appearance. When the cuboid has no more cells than the table has slots, a
 * leaf's cell number (mixed radix over the dimensions' element counts) is its slot: no hashing,
 * no comparisons. Otherwise open addressing on a hash of the element indices.
 */
static void rl_group(struct rl *s, const struct ctx *c, const size_t *cub, size_t layer)
{
    const uint32_t *keys = c->l->keys;
    size_t nd = s->nd, cells = 1, nslots = s->slot_mask + 1;
    bool prune = c->o->prune_elements;
    for (size_t j = 0; j < layer && cells <= nslots; j++)
        cells *= c->l->dims[cub[j]].n; /* element counts <= leaves: no overflow before > */
    bool dense = cells <= nslots;
    for (size_t gi = 0; gi < s->ng; gi++) /* clear only the slots the last cuboid used */
        s->slots[s->g[gi].slot] = 0;
    s->ng = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!s->active[i])
            continue;
        const uint32_t *k = keys + i * nd;
        bool skip = false;
        for (size_t j = 0; prune && j < layer && !skip; j++)
            skip = s->pruned[s->poff[cub[j]] + k[cub[j]]];
        if (skip)
            continue;
        struct group *g = NULL;
        size_t h;
        if (dense) {
            h = 0;
            for (size_t j = 0; j < layer; j++)
                h = h * c->l->dims[cub[j]].n + k[cub[j]];
            if (s->slots[h])
                g = &s->g[s->slots[h] - 1];
        } else {
            h = (size_t)tuple_hash(k, cub, layer) & s->slot_mask;
            while (s->slots[h]) {
                struct group *x = &s->g[s->slots[h] - 1];
                if (tuple_eq(keys + x->head * nd, k, cub, layer)) {
                    g = x;
                    break;
                }
                h = (h + 1) & s->slot_mask;
            }
        }
        if (!g) {
            g = &s->g[s->ng++];
            s->slots[h] = s->ng;
            *g = (struct group){0.0, 0.0, 0, i, i, h};
        } else {
            s->next[g->tail] = i;
            g->tail = i;
        }
        s->next[i] = SIZE_MAX;
        g->ep += s->ep[i];
        g->epz += s->epz[i];
        g->np += s->part[i];
    }
}

/* RiskLoc's high risk and low risk of the leaves of group g. */
static void rl_risks(const struct rl *s, const struct group *g, double *high, double *low)
{
    double na = 0.0, nn = 0.0, sv = 0.0, sf = 0.0;
    size_t nf = 0;
    for (size_t i = g->head; i != SIZE_MAX; i = s->next[i]) {
        if (s->part[i])
            na += s->w[i];
        else
            nn += s->w[i];
        if (s->v[i] != 0 && s->f[i] != 0) {
            sv += s->v[i];
            sf += s->f[i];
            nf++;
        }
    }
    *high = na / (na + nn + 1.0);
    *low = 0.0;
    if (!nf)
        return;
    /* How far a proportional ("ripple") change of the whole group is from what happened,
     * relative to how far the baseline is. */
    double w1 = 0.0, w2 = 0.0;
    for (size_t i = g->head; i != SIZE_MAX; i = s->next[i]) {
        if (!(s->v[i] != 0 && s->f[i] != 0))
            continue;
        double a = s->f[i] * sv / sf;
        w1 += fabs(2.0 * (a - s->v[i]) / (a + s->v[i]));
        w2 += fabs(s->dev[i]);
    }
    w1 /= (double)nf;
    w2 /= (double)nf;
    if (w2 != 0)
        *low = w1 / w2;
}

/* Next combination of layer indices out of nd in lexicographic order; false after the last. */
static bool next_comb(size_t *cub, size_t layer, size_t nd)
{
    size_t i = layer;
    while (i-- > 0) {
        if (cub[i] < nd - layer + i) {
            cub[i]++;
            for (size_t j = i + 1; j < layer; j++)
                cub[j] = cub[j - 1] + 1;
            return true;
        }
    }
    return false;
}

/* One search, layer by layer: the element with the largest EP whose risk passes. */
static bool rl_search(struct rl *s, const struct ctx *c, double adj, struct found *best)
{
    const struct fl_localize_opts *o = c->o;
    size_t nd = s->nd, L = o->max_layer == 0 || o->max_layer > nd ? nd : o->max_layer;
    double best_ep = adj;
    bool found = false;
    for (size_t layer = 1; layer <= L && !found; layer++) {
        size_t cub[FL_LIMIT_LOC_DIMS];
        for (size_t j = 0; j < layer; j++)
            cub[j] = j;
        do {
            rl_group(s, c, cub, layer);
            if (o->prune_elements && layer == 1) {
                for (size_t gi = 0; gi < s->ng; gi++) {
                    const struct group *g = &s->g[gi];
                    if (g->epz < adj || g->np == 0)
                        s->pruned[s->poff[cub[0]] + c->l->keys[g->head * nd + cub[0]]] = 1;
                }
            }
            size_t nc = 0;
            for (size_t gi = 0; gi < s->ng; gi++)
                if (s->g[gi].np > 0 && s->g[gi].ep > best_ep)
                    s->cand[nc++] = (struct rank){s->g[gi].ep, gi};
            qsort(s->cand, nc, sizeof *s->cand, cmp_rank);
            for (size_t k = 0; k < nc; k++) {
                const struct group *g = &s->g[s->cand[k].i];
                double high, low;
                rl_risks(s, g, &high, &low);
                if (high - low >= o->risk_threshold) {
                    best->layer = layer;
                    for (size_t j = 0; j < layer; j++) {
                        best->cub[j] = cub[j];
                        best->elem[j] = c->l->keys[g->head * nd + cub[j]];
                    }
                    best->risk = high - low;
                    best->high = high;
                    best->low = low;
                    best->ep = g->ep;
                    best_ep = g->ep;
                    found = true;
                    break;
                }
            }
        } while (next_comb(cub, layer, nd));
    }
    return found;
}

/* Deviation, cutoff, partition and weights of every leaf (RiskLoc, with docs/rca.md's cutoff). */
static void rl_prepare(struct rl *s, struct ctx *c)
{
    size_t n = s->n, m = 0;
    for (size_t i = 0; i < n; i++) {
        const double *p = c->leaf + i * NS;
        s->f[i] = measure(c, p[F1], p[F2]);
        s->v[i] = measure(c, p[V1], p[V2]);
        double t = s->f[i] + s->v[i];
        s->dev[i] = t > 0 ? 2.0 * (s->f[i] - s->v[i]) / t : 0.0;
    }
    eps_of(c, c->leaf, n, s->ep0);
    uniform_eps_of(c, c->leaf, n, s->ep0, s->uep);
    /* Sorted deviations of the leaves with data in a window (borrowing w as scratch). */
    for (size_t i = 0; i < n; i++)
        if (!(s->f[i] == 0 && s->v[i] == 0))
            s->w[m++] = s->dev[i];
    struct fl_localize_report *r = c->r;
    r->cutoff = 0.0;
    r->anomaly_decrease = true;
    r->n_anomalous = 0;
    memcpy(s->ep, s->ep0, n * sizeof *s->ep);
    if (m == 0) {
        memset(s->part, 0, n);
        memset(s->w, 0, n * sizeof *s->w);
        return;
    }
    struct rank *tmp = s->cand; /* scratch, n entries */
    for (size_t i = 0; i < m; i++)
        tmp[i] = (struct rank){s->w[i], i};
    qsort(tmp, m, sizeof *tmp, cmp_rank); /* descending */
    size_t k = c->o->n_remove < m - 1 ? c->o->n_remove : m - 1;
    double hi = tmp[k].key, lo = tmp[m - 1 - k].key, cmag;
    bool dec;
    if (fabs(hi) > fabs(lo)) {
        dec = true;
        cmag = fabs(lo);
    } else if (fabs(lo) > fabs(hi)) {
        dec = false;
        cmag = fabs(hi);
    } else {
        dec = c->mf >= c->ma;
        cmag = fabs(lo);
    }
    double cutoff = dec ? cmag : -cmag;
    r->cutoff = cutoff;
    r->anomaly_decrease = dec;
    for (size_t i = 0; i < n; i++) {
        s->part[i] = dec ? s->dev[i] > cmag : s->dev[i] < -cmag;
        double x;
        if (s->part[i])
            x = fabs(s->dev[i]);
        else if (s->f[i] == 0 && s->v[i] == 0)
            x = 0.0;
        else
            x = fabs(cutoff - s->dev[i]);
        s->w[i] = fmin(x, 1.0);
        r->n_anomalous += s->part[i];
    }
}

/* Record a root cause: take its active leaves and describe them. */
static fl_err rl_take(struct rl *s, struct ctx *c, const struct found *b,
                      struct fl_localize_cause *out)
{
    const struct fl_localize *l = c->l;
    struct fl_arena *a = &c->r->arena;
    size_t nd = s->nd, idx = c->r->n_causes, taken = 0;
    double acc[NS] = {0}, sep = 0.0, sue = 0.0;
    for (size_t i = 0; i < s->n; i++) {
        if (!s->active[i])
            continue;
        const uint32_t *k = l->keys + i * nd;
        bool match = true;
        for (size_t j = 0; j < b->layer && match; j++)
            match = k[b->cub[j]] == b->elem[j];
        if (!match)
            continue;
        s->active[i] = 0;
        s->taken_by[i] = idx + 1;
        taken++;
        add_sums(acc, c->leaf + i * NS);
        sep += s->ep0[i];
        sue += s->uep[i];
    }
    out->n_attrs = b->layer;
    out->dims = fl_arena_calloc(a, b->layer, sizeof *out->dims);
    out->values = fl_arena_calloc(a, b->layer, sizeof *out->values);
    if (!out->dims || !out->values)
        return FL_ENOMEM;
    for (size_t j = 0; j < b->layer; j++) {
        out->dims[j] = b->cub[j];
        out->values[j] = fl_arena_strdup(a, l->dims[b->cub[j]].values[b->elem[j]]);
        if (!out->values[j])
            return FL_ENOMEM;
    }
    out->risk = b->risk;
    out->high_risk = b->high;
    out->low_risk = b->low;
    out->search_ep = b->ep;
    out->n_leaves = taken;
    seg_fill(c, acc, sep, sue, taken == s->n, &out->s);
    return FL_OK;
}

static fl_err riskloc(struct ctx *c)
{
    struct rl s;
    struct fl_localize_report *r = c->r;
    fl_err e = rl_init(&s, c);
    if (e)
        goto out;
    rl_prepare(&s, c);
    double sum = 0.0;
    for (size_t i = 0; i < s.n; i++)
        if (s.part[i])
            sum += s.ep[i];
    if (sum < 0) {
        for (size_t i = 0; i < s.n; i++)
            s.ep[i] = -s.ep[i];
        sum = -sum;
    }
    double adj = sum * c->o->pep_threshold;
    for (size_t i = 0; i < s.n; i++)
        s.epz[i] = s.ep[i] > 0 ? s.ep[i] : 0.0;
    size_t max = c->o->max_causes;
    r->causes = fl_arena_calloc(&r->arena, max ? max : 1, sizeof *r->causes);
    if (!r->causes) {
        e = FL_ENOMEM;
        goto out;
    }
    while (r->n_causes < max) {
        double left = 0.0;
        for (size_t i = 0; i < s.n; i++)
            if (s.active[i] && s.part[i])
                left += s.ep[i];
        if (left < adj)
            break;
        struct found b;
        if (!rl_search(&s, c, adj, &b))
            break;
        e = rl_take(&s, c, &b, &r->causes[r->n_causes]);
        if (e)
            goto out;
        r->n_causes++;
    }
    if (r->n_causes) {
        double acc[NS] = {0}, sep = 0.0, sue = 0.0;
        size_t taken = 0;
        for (size_t i = 0; i < s.n; i++) {
            if (!s.taken_by[i])
                continue;
            add_sums(acc, c->leaf + i * NS);
            sep += s.ep0[i];
            sue += s.uep[i];
            taken++;
        }
        seg_fill(c, acc, sep, sue, taken == s.n, &r->causes_union);
    }
out:
    rl_cleanup(&s);
    return e;
}

/* ---- verdict ----------------------------------------------------------------------------- */

/* "+12.3%", "-100.0%", or "new" (no baseline). */
static void fmt_rel(char *buf, size_t cap, double x)
{
    if (isinf(x))
        snprintf(buf, cap, "new");
    else
        snprintf(buf, cap, "%+.1f%%", 100.0 * x);
}

/* Append the numbers of segment g to the reason being built in buf. */
static void fmt_seg(const struct ctx *c, char *buf, size_t cap, const struct fl_localize_seg *g)
{
    char a[32], b[32];
    size_t len = strlen(buf);
    fmt_rel(a, sizeof a, g->rel_change);
    fmt_rel(b, sizeof b, g->rest_rel_change);
    snprintf(buf + len, cap - len,
             ": %s against %s elsewhere; %.1f%% of the change, %.1f%% if uniform", a, b,
             100.0 * g->ep, 100.0 * g->uniform_ep);
    len = strlen(buf);
    if (c->l->derived && g->base_den > 0 && g->inc_den == 0)
        snprintf(buf + len, cap - len, " (no denominator in the incident window)");
    else if (c->l->derived && g->base_den == 0 && g->inc_den > 0)
        snprintf(buf + len, cap - len, " (no denominator in the baseline window)");
}

static void fmt_cause(char *buf, size_t cap, const struct ctx *c, const struct fl_localize_cause *k)
{
    for (size_t j = 0; j < k->n_attrs; j++) {
        size_t len = strlen(buf);
        snprintf(buf + len, cap - len, "%s%s=%s", j ? " & " : "", c->l->dims[k->dims[j]].name,
                 k->values[j]);
    }
}

/* The best disproportionate candidate (largest |excess|) among elements and sets. */
static void best_other(const struct fl_localize_report *r, const struct fl_localize_seg **g,
                       const struct fl_localize_dim **dim, const struct fl_localize_elem **el,
                       bool need_disprop)
{
    double best = -1.0;
    *g = NULL;
    for (size_t d = 0; d < r->n_dims; d++) {
        const struct fl_localize_dim *x = &r->dims[d];
        if (x->explains && (!need_disprop || x->set.disproportionate) &&
            fabs(x->set.excess) > best) {
            best = fabs(x->set.excess);
            *g = &x->set;
            *dim = x;
            *el = NULL;
        }
        for (size_t i = 0; i < x->n_elems; i++) {
            const struct fl_localize_seg *s = &x->elems[i].s;
            if ((!need_disprop || s->disproportionate) && fabs(s->excess) > best) {
                best = fabs(s->excess);
                *g = s;
                *dim = x;
                *el = &x->elems[i];
            }
        }
    }
}

static void fmt_other(char *buf, size_t cap, const struct fl_localize_dim *dim,
                      const struct fl_localize_elem *el)
{
    size_t len = strlen(buf);
    if (el) {
        snprintf(buf + len, cap - len, "%s=%s", dim->name, el->value);
        return;
    }
    snprintf(buf + len, cap - len, "%s in {", dim->name);
    bool first = true;
    for (size_t i = 0; i < dim->n_elems; i++) {
        if (!dim->elems[i].in_set)
            continue;
        len = strlen(buf);
        snprintf(buf + len, cap - len, "%s%s", first ? "" : ", ", dim->elems[i].value);
        first = false;
    }
    len = strlen(buf);
    snprintf(buf + len, cap - len, "}");
}

/* The verdict and its reason (docs/rca.md: a segment is disproportionate when ...). */
static fl_err verdict(struct ctx *c)
{
    struct fl_localize_report *r = c->r;
    char buf[1024], rr[32];
    buf[0] = '\0';
    fmt_rel(rr, sizeof rr, c->R);
    const struct fl_localize_seg *g = NULL;
    const struct fl_localize_dim *dim = NULL;
    const struct fl_localize_elem *el = NULL;
    if (fabs(c->R) <= c->o->min_rel_change) {
        r->verdict = FL_LOCALIZE_NO_CHANGE;
        snprintf(buf, sizeof buf, "the total changed by %s, within %.3g", rr, c->o->min_rel_change);
        goto out;
    }
    bool any_cause = r->n_causes && r->causes_union.disproportionate;
    for (size_t k = 0; k < r->n_causes && !any_cause; k++)
        any_cause = r->causes[k].s.disproportionate;
    if (any_cause) {
        r->verdict = FL_LOCALIZE_LOCALIZED;
        size_t shown = r->n_causes < 3 ? r->n_causes : 3;
        for (size_t k = 0; k < shown; k++) {
            if (k)
                snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "; ");
            fmt_cause(buf, sizeof buf, c, &r->causes[k]);
        }
        if (r->n_causes > shown)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "; ... (%zu root causes)",
                     r->n_causes);
        fmt_seg(c, buf, sizeof buf, &r->causes_union);
        goto out;
    }
    best_other(r, &g, &dim, &el, true);
    if (g) {
        r->verdict = FL_LOCALIZE_LOCALIZED;
        fmt_other(buf, sizeof buf, dim, el);
        fmt_seg(c, buf, sizeof buf, g);
        goto out;
    }
    r->verdict = FL_LOCALIZE_UNIFORM;
    snprintf(buf, sizeof buf,
             "uniform: the total changed by %s and no segment differs from the "
             "rest disproportionately",
             rr);
    best_other(r, &g, &dim, &el, false);
    if (g) {
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "; closest: ");
        fmt_other(buf, sizeof buf, dim, el);
        fmt_seg(c, buf, sizeof buf, g);
    }
out:
    r->reason = fl_arena_strdup(&r->arena, buf);
    return r->reason ? FL_OK : FL_ENOMEM;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of the sorted v[0 .. n), n > 0. */
static double median_sorted(const double *v, size_t n)
{
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * The leaves' noise: 1.4826 x the median absolute deviation of the deviation scores
 * 2 (f - v) / (f + v) of the leaves with a non-zero measure in both windows (a robust standard
 * deviation of their relative changes, blind to the minority of leaves a fault moved).
 */
static fl_err leaf_noise(struct ctx *c)
{
    size_t m = 0;
    c->sigma = 0.0;
    double *d = fl_reallocarray(NULL, c->n, sizeof *d);
    if (!d)
        return FL_ENOMEM;
    for (size_t i = 0; i < c->n; i++) {
        const double *p = c->leaf + i * NS;
        double f = measure(c, p[F1], p[F2]), v = measure(c, p[V1], p[V2]);
        if (f > 0 && v > 0)
            d[m++] = 2.0 * (f - v) / (f + v);
    }
    if (m >= 2) {
        qsort(d, m, sizeof *d, cmp_double);
        double med = median_sorted(d, m);
        for (size_t i = 0; i < m; i++)
            d[i] = fabs(d[i] - med);
        qsort(d, m, sizeof *d, cmp_double);
        c->sigma = 1.4826 * median_sorted(d, m);
    }
    fl_free(d);
    return FL_OK;
}

/* ---- the run ----------------------------------------------------------------------------- */

static fl_err check_opts(const struct fl_localize_opts *o, struct fl_diag *d)
{
    struct {
        const char *name;
        double v;
        bool positive;
    } f[] = {
        {"baseline_scale", o->baseline_scale, true},
        {"t_eep", o->t_eep, false},
        {"t_ep", o->t_ep, false},
        {"risk_threshold", o->risk_threshold, false},
        {"pep_threshold", o->pep_threshold, false},
        {"uniform_excess", o->uniform_excess, false},
        {"uniform_gap", o->uniform_gap, false},
        {"uniform_z", o->uniform_z, false},
        {"min_rel_change", o->min_rel_change, false},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (!isfinite(f[i].v))
            return fl_diag_set(d, FL_EINVAL, 0, 0, "localize: %s must be finite", f[i].name);
        if (f[i].positive ? f[i].v <= 0 : f[i].v < 0)
            return fl_diag_set(d, FL_EINVAL, 0, 0, "localize: %s must be %s 0, got %g", f[i].name,
                               f[i].positive ? ">" : ">=", f[i].v);
    }
    return FL_OK;
}

/* Adtributor over every dimension, ranked: explaining dimensions by set surprise, then the
 * others by surprise. */
static fl_err adtributor(struct ctx *c)
{
    struct fl_localize_report *r = c->r;
    size_t nd = c->l->n_dims, n_exp = 0;
    fl_err e = FL_OK;
    struct fl_localize_dim *tmp = fl_calloc(nd, sizeof *tmp);
    struct rank *ord = fl_calloc(nd, sizeof *ord);
    r->dims = fl_arena_calloc(&r->arena, nd, sizeof *r->dims);
    if (!tmp || !ord || !r->dims) {
        e = FL_ENOMEM;
        goto out;
    }
    for (size_t d = 0; d < nd; d++) {
        e = adtributor_dim(c, d, &tmp[d]);
        if (e)
            goto out;
        tmp[d].name = fl_arena_strdup(&r->arena, c->l->dims[d].name);
        if (!tmp[d].name) {
            e = FL_ENOMEM;
            goto out;
        }
        n_exp += tmp[d].explains;
    }
    size_t k = 0;
    for (size_t d = 0; d < nd; d++)
        if (tmp[d].explains)
            ord[k++] = (struct rank){tmp[d].set_surprise, d};
    qsort(ord, k, sizeof *ord, cmp_rank);
    for (size_t d = 0; d < nd; d++)
        if (!tmp[d].explains)
            ord[k++] = (struct rank){tmp[d].surprise, d};
    qsort(ord + n_exp, nd - n_exp, sizeof *ord, cmp_rank);
    for (size_t i = 0; i < nd; i++) {
        r->dims[i] = tmp[ord[i].i];
        r->dims[i].selected = i < n_exp && i < c->o->top_k;
    }
    r->n_dims = nd;
out:
    fl_free(tmp);
    fl_free(ord);
    return e;
}

void fl_localize_report_free(struct fl_localize_report *r)
{
    if (!r)
        return;
    fl_arena_cleanup(&r->arena);
    fl_free(r);
}

fl_err fl_localize_run(const struct fl_localize *l, const struct fl_localize_opts *o,
                       struct fl_localize_report **out, struct fl_diag *d)
{
    struct fl_localize_opts defaults;
    struct ctx c = {0};
    struct fl_localize_report *r = NULL;
    fl_err e = FL_OK;
    if (!out)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "localize: no output");
    *out = NULL;
    if (!l || l->n_leaves == 0)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "localize: no rows");
    if (!o) {
        fl_localize_opts_init(&defaults);
        o = &defaults;
    }
    e = check_opts(o, d);
    if (e)
        return e;
    r = fl_calloc(1, sizeof *r);
    if (!r)
        return FL_ENOMEM;
    fl_arena_init(&r->arena, 0, 0);
    r->derived = l->derived;
    r->n_leaves = l->n_leaves;
    c.l = l;
    c.o = o;
    c.r = r;
    c.n = l->n_leaves;
    c.leaf = fl_reallocarray(NULL, c.n, NS * sizeof *c.leaf);
    if (!c.leaf) {
        e = FL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < c.n; i++) {
        const double *s = l->sums + i * 4;
        double *p = c.leaf + i * NS;
        p[F1] = s[0] * o->baseline_scale;
        p[F2] = s[1] * o->baseline_scale;
        p[V1] = s[2];
        p[V2] = s[3];
        p[W] = l->derived ? p[F2] : p[F1];
        p[W2] = p[W] * p[W];
        add_sums(c.T, p);
    }
    c.mf = measure(&c, c.T[F1], c.T[F2]);
    c.ma = measure(&c, c.T[V1], c.T[V2]);
    c.R = rel(c.mf, c.ma);
    e = leaf_noise(&c);
    if (e)
        goto out;
    r->noise = c.sigma;
    seg_fill(&c, c.T, 1.0, 1.0, true, &r->total);
    e = adtributor(&c);
    if (e)
        goto out;
    e = riskloc(&c);
    if (e)
        goto out;
    e = verdict(&c);
    if (e)
        goto out;
    *out = r;
    r = NULL;
out:
    fl_free(c.leaf);
    fl_localize_report_free(r);
    return e;
}
