/* SPDX-License-Identifier: Apache-2.0 */
/*
 * analyze.c: fault-tree analysis of a checked tree.
 *
 * 1. Variable order: basic events in the order a depth-first, left-to-right walk from the top
 *    event first meets them (the classic topological heuristic; keeps related events close).
 * 2. BDD of the top event (Bryant 1986, with complement edges, see bdd.c), gate by gate in
 *    topological order; house events are constants; k-of-n by the recurrence
 *    A(c) = A'(c) or (x and A'(c-1)) over the inputs.
 * 3. Exact probability by one pass over the (node, polarity) pairs below the top, which are the
 *    nodes of the same BDD without complement edges (children have smaller ids than parents); the
 *    Birnbaum importance of every variable by a second, top-down pass that pushes the probability
 *    of reaching each node (Rauzy 2001): B(x) = sum over nodes n labelled x of
 *    reach(n) * (P(hi n) - P(lo n)). P(top | x) = P + (1 - p) B and P(top | not x) = P - p B give
 *    Fussell-Vesely, RAW and RRW without re-running anything.
 * 4. Minimal cut sets by Rauzy's minimal-solutions algorithm (Rauzy 1993), BDD -> ZBDD:
 *      minsol(ite(x, F1, F0)) = x . without(minsol(F1), minsol(F0))  +  minsol(F0)
 *    with the order and probability cut-offs applied during the recursion (a set of F1's branch
 *    may use one event fewer and needs probability cutoff / p(x)); sets of the F0 branch that
 *    survive the cut-offs are exactly the ones `without` needs, since a subset is never larger or
 *    less probable. On a non-coherent function the same recursion yields the minimal sets S such
 *    that the top event occurs when exactly S fails (docs/FTA.md).
 * 5. Counts per order by dynamic programming over the ZBDD (exact even when the list is cut);
 *    the listed sets, rare-event sum and min-cut upper bound by enumerating the ZBDD.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bdd.h"
#include "core/alloc.h"
#include "core/limits.h"
#include "fta.h"
#include "fta_int.h"

#define FL_FTA_ATLEAST_STEPS 20000000u /* k * n of one atleast gate */
#define FL_FTA_COUNT_CELLS (1u << 25)  /* live ZBDD nodes x orders when counting by order */

void fl_fta_opts_default(struct fl_fta_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_cut_sets = FL_LIMIT_FTA_CUT_SETS;
    o->importance = true;
}

void fl_fta_result_free(struct fl_fta_result *r)
{
    if (!r)
        return;
    fl_free(r->by_order);
    fl_free(r->cut_sets);
    fl_free(r->importance);
    fl_free(r->pool);
    fl_free(r);
}

struct an {
    const struct fl_fta_tree *t;
    const struct fl_fta_opts *o;
    struct fl_diag *d;
    struct fl_fta_result *r;
    struct fl_fta__dd bdd, zdd;
    bool *reach;       /* per event: reachable from the top */
    uint32_t *level;   /* per event: BDD level of a basic event */
    size_t *var_event; /* per level: the basic event */
    double *var_p;     /* per level: its probability */
    size_t n_vars;
    uint32_t *node; /* per event: its BDD */
    uint32_t top_bdd, top_zdd;
    /* minsol memo: open addressing on (bdd node, order budget, probability bound) */
    struct memo {
        uint32_t f, k, z, used;
        double b;
    } * memo;
    size_t memo_mask, memo_n;
};

/* ---- 1. reachability and variable order -------------------------------------------------- */

static fl_err order_vars(struct an *a)
{
    const struct fl_fta_tree *t = a->t;
    size_t n = t->n_events;
    size_t *stack = fl_malloc((n + 1) * sizeof *stack), *pos = fl_malloc((n + 1) * sizeof *pos);
    fl_err err = FL_OK;
    if (!stack || !pos) {
        err = FL_ENOMEM;
        goto out;
    }
    size_t sp = 0;
    stack[sp] = t->top;
    pos[sp++] = 0;
    a->reach[t->top] = true;
    while (sp) {
        const struct fl_fta_event *e = &t->events[stack[sp - 1]];
        if (e->kind != FL_FTA_GATE || pos[sp - 1] == e->n_args) {
            sp--;
            continue;
        }
        size_t c = e->args[pos[sp - 1]++];
        if (a->reach[c])
            continue;
        a->reach[c] = true;
        if (t->events[c].kind == FL_FTA_BASIC) {
            if (a->n_vars >= FL_LIMIT_FTA_BDD_VARS) {
                err = fl_diag_set(a->d, FL_ELIMIT, 0, 0, "more than %d basic events under the top",
                                  FL_LIMIT_FTA_BDD_VARS);
                goto out;
            }
            a->level[c] = (uint32_t)a->n_vars;
            a->var_event[a->n_vars] = c;
            a->var_p[a->n_vars++] = t->events[c].p;
        } else if (t->events[c].kind == FL_FTA_GATE) {
            stack[sp] = c;
            pos[sp++] = 0;
        }
    }
    if (t->events[t->top].kind == FL_FTA_BASIC) { /* a tree that is one basic event */
        a->level[t->top] = 0;
        a->var_event[0] = t->top;
        a->var_p[0] = t->events[t->top].p;
        a->n_vars = 1;
    }
out:
    fl_free(stack);
    fl_free(pos);
    return err;
}

/* ---- 2. the BDD -------------------------------------------------------------------------- */

static uint32_t atleast(struct an *a, const struct fl_fta_event *g)
{
    struct fl_fta__dd *dd = &a->bdd;
    size_t k = g->k;
    if ((uint64_t)k * g->n_args > FL_FTA_ATLEAST_STEPS) { /* O(k n) operations */
        if (!dd->err)
            dd->err = FL_ELIMIT;
        return 0;
    }
    uint32_t *at = fl_malloc((k + 1) * sizeof *at); /* at[c]: at least c of the inputs so far */
    if (!at) {
        if (!dd->err)
            dd->err = FL_ENOMEM;
        return 0;
    }
    at[0] = 1;
    for (size_t c = 1; c <= k; c++)
        at[c] = 0;
    for (size_t i = g->n_args; i-- > 0 && !dd->err;) {
        uint32_t x = a->node[g->args[i]];
        for (size_t c = k; c >= 1; c--)
            at[c] = fl_fta__bdd_or(dd, at[c], fl_fta__bdd_and(dd, x, at[c - 1]));
    }
    uint32_t r = at[k];
    fl_free(at);
    return r;
}

static const struct fl_fta__dd *sort_dd; /* qsort has no context argument in C11 */

/* Deepest top variable first: combining the small, low functions first keeps the intermediate
 * BDDs small (the same heuristic as building bottom-up). */
static int cmp_level(const void *x, const void *y)
{
    uint32_t a = fl_fta__bdd_var(sort_dd, *(const uint32_t *)x);
    uint32_t b = fl_fta__bdd_var(sort_dd, *(const uint32_t *)y);
    return a > b ? -1 : a < b;
}

static uint32_t gate_bdd(struct an *a, const struct fl_fta_event *g)
{
    struct fl_fta__dd *dd = &a->bdd;
    if (g->type == FL_FTA_ATLEAST)
        return atleast(a, g);
    uint32_t *x = fl_malloc(g->n_args * sizeof *x);
    if (!x) {
        if (!dd->err)
            dd->err = FL_ENOMEM;
        return 0;
    }
    for (size_t i = 0; i < g->n_args; i++)
        x[i] = a->node[g->args[i]];
    sort_dd = dd;
    qsort(x, g->n_args, sizeof *x, cmp_level);
    uint32_t r = x[0];
    for (size_t i = 1; i < g->n_args; i++) {
        switch (g->type) {
        case FL_FTA_AND:
        case FL_FTA_INHIBIT:
        case FL_FTA_NAND:
            r = fl_fta__bdd_and(dd, r, x[i]);
            break;
        case FL_FTA_XOR:
            r = fl_fta__bdd_xor(dd, r, x[i]);
            break;
        default:
            r = fl_fta__bdd_or(dd, r, x[i]);
        }
    }
    fl_free(x);
    if (g->type == FL_FTA_NOT || g->type == FL_FTA_NAND || g->type == FL_FTA_NOR)
        r = fl_fta__bdd_not(r);
    return r;
}

static fl_err build_bdd(struct an *a)
{
    const struct fl_fta_tree *t = a->t;
    for (size_t i = 0; i < t->n_events; i++) {
        const struct fl_fta_event *e = &t->events[i];
        if (!a->reach[i])
            continue;
        if (e->kind == FL_FTA_BASIC)
            a->node[i] = fl_fta__dd_mk(&a->bdd, a->level[i], 1, 0);
        else if (e->kind == FL_FTA_HOUSE)
            a->node[i] = e->state ? 1 : 0;
    }
    for (size_t o = 0; o < t->n_order && !a->bdd.err; o++) {
        size_t g = t->order[o];
        if (!a->reach[g])
            continue;
        const struct fl_fta_event *e = &t->events[g];
        a->r->n_gates++;
        if (e->type == FL_FTA_NOT || e->type == FL_FTA_XOR || e->type == FL_FTA_NAND ||
            e->type == FL_FTA_NOR)
            a->r->coherent = false;
        a->node[g] = gate_bdd(a, e);
    }
    if (a->bdd.err == FL_ELIMIT)
        return fl_diag_set(a->d, FL_ELIMIT, 0, 0,
                           "the BDD needs more than %zu nodes (or an atleast gate has k x n over "
                           "%u)",
                           a->bdd.max, FL_FTA_ATLEAST_STEPS);
    if (a->bdd.err)
        return a->bdd.err;
    a->top_bdd = a->node[t->top];
    return FL_OK;
}

/* ---- 3. probability and importance ------------------------------------------------------- */

static fl_err probability(struct an *a)
{
    struct fl_fta__dd *dd = &a->bdd;
    /* Indexed by edge (node id << 1 | complemented), both polarities of the nodes up to the top:
     * each function of the plain BDD (without complement edges) is one (node, polarity) pair and
     * gets the same arithmetic as it would there. Only the pairs below the top are visited. */
    size_t n = ((size_t)(a->top_bdd >> 1) + 1) * 2;
    double *p = fl_fta__big_calloc(n, sizeof *p), *reach = fl_fta__big_calloc(n, sizeof *reach);
    double *birn = fl_calloc(a->n_vars ? a->n_vars : 1, sizeof *birn);
    unsigned char *live = fl_fta__big_calloc(n, 1);
    fl_err err = FL_OK;
    if (!p || !reach || !birn || !live) {
        err = FL_ENOMEM;
        goto out;
    }
    /* the pairs below the top (children have smaller ids), and so the size of the plain BDD */
    live[a->top_bdd] = 1;
    size_t count = 0;
    for (size_t e = n; e-- > 2;) {
        if (!live[e])
            continue;
        count++;
        live[fl_fta__bdd_hi(dd, (uint32_t)e)] = live[fl_fta__bdd_lo(dd, (uint32_t)e)] = 1;
    }
    p[FL_FTA_BDD_FALSE] = 0;
    p[FL_FTA_BDD_TRUE] = 1;
    for (size_t e = 2; e < n; e++) {
        if (!live[e])
            continue;
        uint32_t f = (uint32_t)e;
        double q = a->var_p[fl_fta__bdd_var(dd, f)];
        p[e] = q * p[fl_fta__bdd_hi(dd, f)] + (1 - q) * p[fl_fta__bdd_lo(dd, f)];
    }
    a->r->p_exact = p[a->top_bdd];
    /* top-down: the probability of reaching each pair, and Birnbaum by Rauzy's formula */
    reach[a->top_bdd] = 1;
    for (size_t e = n; e-- > 2;) {
        if (!live[e])
            continue;
        uint32_t f = (uint32_t)e, hi = fl_fta__bdd_hi(dd, f), lo = fl_fta__bdd_lo(dd, f);
        uint32_t v = fl_fta__bdd_var(dd, f);
        double q = a->var_p[v];
        reach[hi] += reach[e] * q;
        reach[lo] += reach[e] * (1 - q);
        birn[v] += reach[e] * (p[hi] - p[lo]);
    }
    a->r->bdd_nodes = count + live[0] + live[1];
    if (a->o->importance) {
        struct fl_fta_importance *im = fl_calloc(a->n_vars ? a->n_vars : 1, sizeof *im);
        if (!im) {
            err = FL_ENOMEM;
            goto out;
        }
        double P = a->r->p_exact;
        for (size_t v = 0; v < a->n_vars; v++) {
            double q = a->var_p[v], b = birn[v];
            double p1 = P + (1 - q) * b, p0 = P - q * b;
            if (p0 < 0)
                p0 = 0;
            im[v].event = a->var_event[v];
            im[v].p = q;
            im[v].birnbaum = b;
            im[v].fussell_vesely = P > 0 ? (P - p0) / P : NAN;
            im[v].raw = P > 0 ? p1 / P : NAN;
            im[v].rrw = p0 > 0 ? P / p0 : P > 0 ? INFINITY : NAN;
        }
        a->r->importance = im;
        a->r->n_importance = a->n_vars;
    }
out:
    fl_free(p);
    fl_free(reach);
    fl_free(birn);
    fl_free(live);
    return err;
}

/* ---- 4. minimal cut sets ----------------------------------------------------------------- */

static uint64_t memo_hash(uint32_t f, uint32_t k, double b)
{
    uint64_t bits;
    memcpy(&bits, &b, sizeof bits);
    uint64_t h = (f * 0x9E3779B97F4A7C15ull) ^ (k * 0xC2B2AE3D27D4EB4Full) ^ bits;
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 29);
}

static struct memo *memo_slot(struct an *a, uint32_t f, uint32_t k, double b)
{
    size_t i = memo_hash(f, k, b) & a->memo_mask;
    while (a->memo[i].used && !(a->memo[i].f == f && a->memo[i].k == k && a->memo[i].b == b))
        i = (i + 1) & a->memo_mask;
    return &a->memo[i];
}

static bool memo_put(struct an *a, uint32_t f, uint32_t k, double b, uint32_t z)
{
    if ((a->memo_n + 1) * 2 > a->memo_mask + 1) {
        size_t n = (a->memo_mask + 1) * 2;
        struct memo *m = fl_calloc(n, sizeof *m), *old = a->memo;
        if (!m)
            return false;
        size_t om = a->memo_mask;
        a->memo = m;
        a->memo_mask = n - 1;
        for (size_t i = 0; i <= om; i++)
            if (old[i].used)
                *memo_slot(a, old[i].f, old[i].k, old[i].b) = old[i];
        fl_free(old);
    }
    struct memo *s = memo_slot(a, f, k, b);
    *s = (struct memo){f, k, z, 1, b};
    a->memo_n++;
    return true;
}

/* Minimal solutions of BDD node f with at most k events and probability at least b. */
static uint32_t minsol(struct an *a, uint32_t f, uint32_t k, double b)
{
    struct fl_fta__dd *bd = &a->bdd, *z = &a->zdd;
    if (z->err || f == 0 || b > 1)
        return 0;
    if (f == 1)
        return 1;
    struct memo *m = memo_slot(a, f, k, b);
    if (m->used)
        return m->z;
    uint32_t v = fl_fta__bdd_var(bd, f);
    uint32_t z0 = minsol(a, fl_fta__bdd_lo(bd, f), k, b);
    uint32_t z1 = 0;
    double q = a->var_p[v];
    if (k > 0 && (b <= 0 || q > 0)) {
        z1 = minsol(a, fl_fta__bdd_hi(bd, f), k - 1, b > 0 ? b / q : 0);
        z1 = fl_fta__zdd_without(z, z1, z0);
    }
    uint32_t r = fl_fta__dd_mk(z, v, z1, z0);
    if (!z->err && !memo_put(a, f, k, b, r))
        z->err = FL_ENOMEM;
    return r;
}

/* ---- 5. counting and listing ------------------------------------------------------------- */

/* Number of sets by order, by DP over the ZBDD nodes below the root (children first). */
static fl_err count_orders(struct an *a)
{
    struct fl_fta__dd *z = &a->zdd;
    size_t n = a->top_zdd + 1 < 2 ? 2 : a->top_zdd + 1; /* the terminals are always indexed */
    uint32_t *depth = fl_calloc(n, sizeof *depth);      /* max order below each node */
    unsigned char *live = fl_calloc(n, 1);
    fl_err err = FL_OK;
    uint64_t *cnt = NULL;
    if (!depth || !live) {
        err = FL_ENOMEM;
        goto out;
    }
    live[a->top_zdd] = 1;
    for (size_t i = n; i-- > 2;)
        if (live[i])
            live[z->node[i].hi] = live[z->node[i].lo] = 1;
    for (size_t i = 2; i < n; i++)
        if (live[i]) {
            uint32_t dh = depth[z->node[i].hi] + 1, dl = depth[z->node[i].lo];
            depth[i] = dh > dl ? dh : dl;
        }
    size_t K = depth[a->top_zdd] + 1;
    a->r->max_order_seen = a->top_zdd == 0 ? 0 : K - 1;
    a->r->by_order = fl_calloc(K, sizeof *a->r->by_order);
    /* counts per node and order: only for live nodes, K entries each */
    size_t n_live = 0;
    for (size_t i = 0; i < n; i++)
        n_live += live[i];
    if (n_live > FL_FTA_COUNT_CELLS / K) {
        err = fl_diag_set(a->d, FL_ELIMIT, 0, 0,
                          "too many cut sets to count by order (%zu ZBDD nodes, orders up to %zu): "
                          "set an order limit or a probability cut-off",
                          n_live, K - 1);
        goto out;
    }
    uint32_t *slot = (uint32_t *)depth; /* reuse: node -> compact index */
    cnt = fl_calloc(n_live * K, sizeof *cnt);
    if (!a->r->by_order || !cnt) {
        err = FL_ENOMEM;
        goto out;
    }
    uint32_t c = 0;
    for (size_t i = 0; i < n; i++)
        slot[i] = live[i] ? c++ : 0;
    if (live[1])
        cnt[(size_t)slot[1] * K + 0] = 1;
    for (size_t i = 2; i < n; i++) {
        if (!live[i])
            continue;
        uint64_t *me = cnt + (size_t)slot[i] * K;
        uint32_t hi = z->node[i].hi, lo = z->node[i].lo;
        const uint64_t *h = cnt + (size_t)slot[hi] * K, *l = cnt + (size_t)slot[lo] * K;
        bool hl = live[hi], ll = live[lo];
        for (size_t o = 0; o < K; o++)
            me[o] = (ll ? l[o] : 0) + (hl && o > 0 ? h[o - 1] : 0);
    }
    if (a->top_zdd != 0) {
        const uint64_t *t = cnt + (size_t)slot[a->top_zdd] * K;
        for (size_t o = 0; o < K; o++) {
            a->r->by_order[o] = t[o];
            a->r->n_cut_sets += t[o];
        }
    }
out:
    fl_free(depth);
    fl_free(live);
    fl_free(cnt);
    return err;
}

struct lister {
    struct an *a;
    size_t *path; /* events of the current set */
    size_t depth;
    size_t cap_sets, n_sets;
    size_t *pool;
    size_t pool_len, pool_cap;
    struct fl_fta_cut_set *sets;
    double log_mcub; /* sum of log(1 - p(C)) */
    double rare;
    bool full;
    fl_err err;
};

static void emit_set(struct lister *L, double p)
{
    L->rare += p;
    L->log_mcub += log1p(-p);
    if (L->n_sets >= L->cap_sets) {
        L->full = true;
        return;
    }
    if (L->pool_len + L->depth > L->pool_cap) {
        size_t cap = (L->pool_cap ? L->pool_cap * 2 : 1024) + L->depth;
        size_t *np = fl_reallocarray(L->pool, cap, sizeof *np);
        if (!np) {
            L->err = FL_ENOMEM;
            return;
        }
        L->pool = np;
        L->pool_cap = cap;
    }
    if (L->depth)
        memcpy(L->pool + L->pool_len, L->path, L->depth * sizeof *L->path);
    /* events is an offset until the pool stops moving */
    L->sets[L->n_sets++] = (struct fl_fta_cut_set){(size_t *)(uintptr_t)L->pool_len, L->depth, p};
    L->pool_len += L->depth;
}

/* Depth-first over the ZBDD; the depth is bounded by the number of variables. */
static void enumerate(struct lister *L, uint32_t z, double p)
{
    const struct fl_fta__dd *zd = &L->a->zdd;
    while (z > 1 && !L->err) {
        uint32_t v = zd->node[z].var;
        L->path[L->depth++] = L->a->var_event[v];
        enumerate(L, zd->node[z].hi, p * L->a->var_p[v]);
        L->depth--;
        z = zd->node[z].lo;
    }
    if (z == 1 && !L->err)
        emit_set(L, p);
}

static int cmp_event(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return a < b ? -1 : a > b;
}

static int cmp_set(const void *x, const void *y)
{
    const struct fl_fta_cut_set *a = x, *b = y;
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    if (a->p != b->p)
        return a->p > b->p ? -1 : 1;
    for (size_t i = 0; i < a->n; i++)
        if (a->events[i] != b->events[i])
            return a->events[i] < b->events[i] ? -1 : 1;
    return 0;
}

static int cmp_importance(const void *x, const void *y)
{
    const struct fl_fta_importance *a = x, *b = y;
    double fa = isnan(a->fussell_vesely) ? -1 : a->fussell_vesely;
    double fb = isnan(b->fussell_vesely) ? -1 : b->fussell_vesely;
    if (fa != fb)
        return fa > fb ? -1 : 1;
    if (a->birnbaum != b->birnbaum)
        return a->birnbaum > b->birnbaum ? -1 : 1;
    return a->event < b->event ? -1 : a->event > b->event;
}

static fl_err list_sets(struct an *a)
{
    struct fl_fta_result *r = a->r;
    struct lister L = {.a = a};
    size_t want = a->o->max_cut_sets;
    /* keep every set up to the hard cap so that the listed prefix is the best one after sorting */
    L.cap_sets =
        r->n_cut_sets < FL_LIMIT_FTA_CUT_SETS ? (size_t)r->n_cut_sets : FL_LIMIT_FTA_CUT_SETS;
    if (want == 0)
        L.cap_sets = 0;
    L.path = fl_malloc((a->n_vars + 1) * sizeof *L.path);
    L.sets = fl_malloc((L.cap_sets ? L.cap_sets : 1) * sizeof *L.sets);
    L.pool_cap = 1024;
    L.pool = fl_malloc(L.pool_cap * sizeof *L.pool); /* never NULL: sets point into it */
    if (!L.path || !L.sets || !L.pool) {
        L.err = FL_ENOMEM;
        goto out;
    }
    enumerate(&L, a->top_zdd, 1.0);
    if (L.err)
        goto out;
    r->p_rare = L.rare;
    r->p_mcub = 0.0 - expm1(L.log_mcub); /* 0.0 - : never print -0 */
    for (size_t i = 0; i < L.n_sets; i++) {
        L.sets[i].events = L.pool + (uintptr_t)L.sets[i].events;
        qsort(L.sets[i].events, L.sets[i].n, sizeof *L.sets[i].events, cmp_event);
    }
    qsort(L.sets, L.n_sets, sizeof *L.sets, cmp_set);
    r->truncated = L.full || L.n_sets > want;
    r->n_listed = L.n_sets < want ? L.n_sets : want;
    r->cut_sets = L.sets;
    r->pool = L.pool;
    L.sets = NULL;
    L.pool = NULL;
    if (r->n_importance) {
        size_t *per = fl_calloc(a->t->n_events, sizeof *per);
        if (!per) {
            L.err = FL_ENOMEM;
            goto out;
        }
        for (size_t s = 0; s < r->n_listed; s++)
            for (size_t j = 0; j < r->cut_sets[s].n; j++)
                per[r->cut_sets[s].events[j]]++;
        for (size_t i = 0; i < r->n_importance; i++)
            r->importance[i].n_cut_sets = per[r->importance[i].event];
        fl_free(per);
    }
out:
    fl_free(L.path);
    fl_free(L.sets);
    fl_free(L.pool);
    return L.err;
}

static fl_err cut_sets(struct an *a)
{
    a->memo_mask = 1023;
    a->memo = fl_calloc(a->memo_mask + 1, sizeof *a->memo);
    if (!a->memo)
        return FL_ENOMEM;
    uint32_t k = a->o->max_order
                     ? (uint32_t)(a->o->max_order > UINT32_MAX ? UINT32_MAX : a->o->max_order)
                     : UINT32_MAX;
    a->top_zdd = minsol(a, a->top_bdd, k, a->o->cutoff > 0 ? a->o->cutoff : 0);
    fl_free(a->memo);
    a->memo = NULL;
    if (a->zdd.err == FL_ELIMIT)
        return fl_diag_set(a->d, FL_ELIMIT, 0, 0,
                           "the cut-set ZBDD needs more than %zu nodes: set an order limit or a "
                           "probability cut-off",
                           a->zdd.max);
    if (a->zdd.err)
        return a->zdd.err;
    fl_err e = count_orders(a);
    if (!e)
        e = list_sets(a);
    return e;
}

fl_err fl_fta_analyze(const struct fl_fta_tree *t, const struct fl_fta_opts *opts,
                      struct fl_fta_result **out, struct fl_diag *d)
{
    struct fl_fta_opts def;
    if (!opts) {
        fl_fta_opts_default(&def);
        opts = &def;
    }
    if (!t->checked || !t->has_top)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "the fault tree is not checked");
    if (!(opts->cutoff >= 0 && opts->cutoff <= 1))
        return fl_diag_set(d, FL_EINVAL, 0, 0, "cut-off must be within [0, 1]");
    size_t n = t->n_events ? t->n_events : 1;
    size_t max = opts->max_bdd_nodes ? opts->max_bdd_nodes : FL_LIMIT_FTA_BDD_NODES;
    struct an a = {.t = t, .o = opts, .d = d};
    fl_err e = FL_ENOMEM;
    a.r = fl_calloc(1, sizeof *a.r);
    a.reach = fl_calloc(n, sizeof *a.reach);
    a.level = fl_calloc(n, sizeof *a.level);
    a.var_event = fl_calloc(n, sizeof *a.var_event);
    a.var_p = fl_calloc(n, sizeof *a.var_p);
    a.node = fl_calloc(n, sizeof *a.node);
    if (!a.r || !a.reach || !a.level || !a.var_event || !a.var_p || !a.node)
        goto out;
    if ((e = fl_fta__dd_init(&a.bdd, max, false)) || (e = fl_fta__dd_init(&a.zdd, max, true)))
        goto out;
    a.r->coherent = true;
    a.r->n_basic = 0;
    if ((e = order_vars(&a)))
        goto out;
    a.r->n_basic = a.n_vars;
    if ((e = build_bdd(&a)) || (e = probability(&a)) || (e = cut_sets(&a)))
        goto out;
    if (a.r->importance)
        qsort(a.r->importance, a.r->n_importance, sizeof *a.r->importance, cmp_importance);
    *out = a.r;
    a.r = NULL;
out:
    if (e == FL_ENOMEM)
        fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    fl_fta_result_free(a.r);
    fl_free(a.reach);
    fl_free(a.level);
    fl_free(a.var_event);
    fl_free(a.var_p);
    fl_free(a.node);
    fl_free(a.memo);
    fl_fta__dd_cleanup(&a.bdd);
    fl_fta__dd_cleanup(&a.zdd);
    return e;
}

void fl_fta_cut_sets_satisfied(const struct fl_fta_result *r, const unsigned char *values,
                               bool *sat)
{
    for (size_t s = 0; s < r->n_listed; s++) {
        bool all = true;
        for (size_t j = 0; j < r->cut_sets[s].n && all; j++)
            all = values[r->cut_sets[s].events[j]] == FL_FTA_TRUE;
        sat[s] = all;
    }
}
