/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bdd.c: reduced ordered BDDs (Bryant 1986) and ZBDDs (Minato 1993) for fault-tree analysis.
 *
 * One node store per diagram kind: node 0 is the FALSE terminal (ZBDD: the empty family), node 1
 * the TRUE terminal (ZBDD: the family {{}}). Nodes are hash-consed through a unique table with
 * open addressing, so equal functions are equal node ids; operations go through a lossy
 * direct-mapped computed table (a cache: a miss only costs time). Nodes are never freed during an
 * analysis: a child always has a smaller id than its parent, which lets the probability and
 * importance passes run as plain loops over ids. No complement edges: NOT is an operation.
 *
 * The node count is capped (FL_LIMIT_FTA_BDD_NODES or the caller's cap): on overflow the store
 * turns sticky-failed (FL_ELIMIT), every operation returns FALSE and the caller checks once.
 * Recursion depth is bounded by the number of variables (FL_LIMIT_FTA_BDD_VARS).
 */
#include "bdd.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"

#define LEAF_LEVEL UINT32_MAX

static uint64_t mix(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
    h ^= c * 0x165667B19E3779F9ull;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 32;
    return h;
}

fl_err fl_fta__dd_init(struct fl_fta__dd *dd, size_t max_nodes, bool zero_suppressed)
{
    memset(dd, 0, sizeof *dd);
    dd->max = max_nodes;
    dd->zdd = zero_suppressed;
    dd->cap = 1024;
    dd->var = fl_malloc(dd->cap * sizeof *dd->var);
    dd->hi = fl_malloc(dd->cap * sizeof *dd->hi);
    dd->lo = fl_malloc(dd->cap * sizeof *dd->lo);
    dd->ht_mask = 2047;
    dd->ht = fl_calloc(dd->ht_mask + 1, sizeof *dd->ht);
    dd->cache_mask = (1u << 16) - 1;
    dd->cache = fl_calloc(dd->cache_mask + 1, sizeof *dd->cache);
    if (!dd->var || !dd->hi || !dd->lo || !dd->ht || !dd->cache) {
        fl_fta__dd_cleanup(dd);
        return FL_ENOMEM;
    }
    for (uint32_t i = 0; i < 2; i++) {
        dd->var[i] = LEAF_LEVEL;
        dd->hi[i] = dd->lo[i] = i;
    }
    dd->n = 2;
    return FL_OK;
}

void fl_fta__dd_cleanup(struct fl_fta__dd *dd)
{
    fl_free(dd->var);
    fl_free(dd->hi);
    fl_free(dd->lo);
    fl_free(dd->ht);
    fl_free(dd->cache);
    memset(dd, 0, sizeof *dd);
}

static void dd_fail(struct fl_fta__dd *dd, fl_err e)
{
    if (!dd->err)
        dd->err = e;
}

static bool grow_nodes(struct fl_fta__dd *dd)
{
    size_t cap = dd->cap * 2;
    uint32_t *v = fl_reallocarray(dd->var, cap, sizeof *v);
    if (v)
        dd->var = v;
    uint32_t *h = v ? fl_reallocarray(dd->hi, cap, sizeof *h) : NULL;
    if (h)
        dd->hi = h;
    uint32_t *l = h ? fl_reallocarray(dd->lo, cap, sizeof *l) : NULL;
    if (l)
        dd->lo = l;
    if (!l) {
        dd_fail(dd, FL_ENOMEM);
        return false;
    }
    dd->cap = cap;
    return true;
}

static bool grow_table(struct fl_fta__dd *dd)
{
    size_t n = (dd->ht_mask + 1) * 2;
    uint64_t *ht = fl_calloc(n, sizeof *ht);
    if (!ht) {
        dd_fail(dd, FL_ENOMEM);
        return false;
    }
    for (uint32_t id = 2; id < dd->n; id++) {
        uint64_t h = mix(dd->var[id], dd->hi[id], dd->lo[id]);
        size_t i = h & (n - 1);
        while (ht[i])
            i = (i + 1) & (n - 1);
        ht[i] = (h & 0xFFFFFFFF00000000ull) | id;
    }
    fl_free(dd->ht);
    dd->ht = ht;
    dd->ht_mask = n - 1;
    /* the computed table grows with the diagram, up to 2^22 entries */
    if (dd->cache_mask < (1u << 22) - 1 && dd->cache_mask + 1 < n) {
        struct fl_fta__dd_cache *c = fl_calloc(n, sizeof *c);
        if (c) {
            fl_free(dd->cache);
            dd->cache = c;
            dd->cache_mask = n - 1;
        }
    }
    return true;
}

/* A unique-table slot holds the hash's upper 32 bits next to the node id, so that a probe past a
 * different node usually costs no read of the node arrays. */
uint32_t fl_fta__dd_mk(struct fl_fta__dd *dd, uint32_t var, uint32_t hi, uint32_t lo)
{
    if (dd->err)
        return 0;
    if (dd->zdd ? hi == 0 : hi == lo)
        return lo;
    uint64_t h = mix(var, hi, lo), tag = h & 0xFFFFFFFF00000000ull;
    size_t i = h & dd->ht_mask;
    for (uint64_t slot; (slot = dd->ht[i]) != 0; i = (i + 1) & dd->ht_mask) {
        uint32_t id = (uint32_t)slot;
        if ((slot & 0xFFFFFFFF00000000ull) == tag && dd->var[id] == var && dd->hi[id] == hi &&
            dd->lo[id] == lo)
            return id;
    }
    if (dd->n >= dd->max || dd->n >= UINT32_MAX - 1) {
        dd_fail(dd, FL_ELIMIT);
        return 0;
    }
    if (dd->n == dd->cap && !grow_nodes(dd))
        return 0;
    uint32_t id = (uint32_t)dd->n++;
    dd->var[id] = var;
    dd->hi[id] = hi;
    dd->lo[id] = lo;
    dd->ht[i] = tag | id;
    if (dd->n * 2 > dd->ht_mask + 1)
        grow_table(dd);
    return id;
}

static bool cache_get(const struct fl_fta__dd *dd, uint32_t op, uint32_t a, uint32_t b, uint32_t *r)
{
    const struct fl_fta__dd_cache *c = &dd->cache[mix(op, a, b) & dd->cache_mask];
    if (c->op == op + 1 && c->a == a && c->b == b) {
        *r = c->r;
        return true;
    }
    return false;
}

static void cache_put(struct fl_fta__dd *dd, uint32_t op, uint32_t a, uint32_t b, uint32_t r)
{
    if (dd->err)
        return;
    struct fl_fta__dd_cache *c = &dd->cache[mix(op, a, b) & dd->cache_mask];
    *c = (struct fl_fta__dd_cache){op + 1, a, b, r};
}

/* ---- BDD operations ---------------------------------------------------------------------- */

enum { OP_AND, OP_OR, OP_XOR, OP_NOT, OP_WITHOUT, OP_ZUNION };

uint32_t fl_fta__bdd_not(struct fl_fta__dd *dd, uint32_t f)
{
    if (f < 2)
        return 1 - f;
    uint32_t r;
    if (cache_get(dd, OP_NOT, f, 0, &r))
        return r;
    uint32_t h = fl_fta__bdd_not(dd, dd->hi[f]);
    uint32_t l = fl_fta__bdd_not(dd, dd->lo[f]);
    r = fl_fta__dd_mk(dd, dd->var[f], h, l);
    cache_put(dd, OP_NOT, f, 0, r);
    return r;
}

uint32_t fl_fta__bdd_apply(struct fl_fta__dd *dd, int op, uint32_t f, uint32_t g)
{
    if (dd->err)
        return 0;
    switch (op) {
    case OP_AND:
        if (f == 0 || g == 0)
            return 0;
        if (f == 1 || f == g)
            return g;
        if (g == 1)
            return f;
        break;
    case OP_OR:
        if (f == 1 || g == 1)
            return 1;
        if (f == 0 || f == g)
            return g;
        if (g == 0)
            return f;
        break;
    default: /* XOR */
        if (f == g)
            return 0;
        if (f == 0)
            return g;
        if (g == 0)
            return f;
        if (f == 1)
            return fl_fta__bdd_not(dd, g);
        if (g == 1)
            return fl_fta__bdd_not(dd, f);
        break;
    }
    if (f > g) { /* all three are commutative */
        uint32_t t = f;
        f = g;
        g = t;
    }
    uint32_t r;
    if (cache_get(dd, (uint32_t)op, f, g, &r))
        return r;
    uint32_t vf = dd->var[f], vg = dd->var[g], v = vf < vg ? vf : vg;
    uint32_t f1 = vf == v ? dd->hi[f] : f, f0 = vf == v ? dd->lo[f] : f;
    uint32_t g1 = vg == v ? dd->hi[g] : g, g0 = vg == v ? dd->lo[g] : g;
    uint32_t h = fl_fta__bdd_apply(dd, op, f1, g1);
    uint32_t l = fl_fta__bdd_apply(dd, op, f0, g0);
    r = fl_fta__dd_mk(dd, v, h, l);
    cache_put(dd, (uint32_t)op, f, g, r);
    return r;
}

uint32_t fl_fta__bdd_and(struct fl_fta__dd *dd, uint32_t f, uint32_t g)
{
    return fl_fta__bdd_apply(dd, OP_AND, f, g);
}

uint32_t fl_fta__bdd_or(struct fl_fta__dd *dd, uint32_t f, uint32_t g)
{
    return fl_fta__bdd_apply(dd, OP_OR, f, g);
}

uint32_t fl_fta__bdd_xor(struct fl_fta__dd *dd, uint32_t f, uint32_t g)
{
    return fl_fta__bdd_apply(dd, OP_XOR, f, g);
}

/* ---- ZBDD: Rauzy's "without" (sets of P that contain no set of Q) ------------------------- */

static bool has_empty(const struct fl_fta__dd *z, uint32_t q)
{
    while (q > 1)
        q = z->lo[q];
    return q == 1;
}

uint32_t fl_fta__zdd_without(struct fl_fta__dd *z, uint32_t p, uint32_t q)
{
    if (z->err || p == 0)
        return 0;
    if (q == 0)
        return p;
    if (q == 1 || p == q)
        return 0;
    if (p == 1)
        return has_empty(z, q) ? 0 : 1;
    uint32_t r;
    if (cache_get(z, OP_WITHOUT, p, q, &r))
        return r;
    uint32_t vp = z->var[p], vq = z->var[q];
    if (vp < vq) {
        uint32_t h = fl_fta__zdd_without(z, z->hi[p], q);
        uint32_t l = fl_fta__zdd_without(z, z->lo[p], q);
        r = fl_fta__dd_mk(z, vp, h, l);
    } else if (vp > vq) {
        r = fl_fta__zdd_without(z, p, z->lo[q]);
    } else {
        uint32_t h = fl_fta__zdd_without(z, z->hi[p], z->hi[q]);
        h = fl_fta__zdd_without(z, h, z->lo[q]);
        uint32_t l = fl_fta__zdd_without(z, z->lo[p], z->lo[q]);
        r = fl_fta__dd_mk(z, vp, h, l);
    }
    cache_put(z, OP_WITHOUT, p, q, r);
    return r;
}
