/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bdd.c: reduced ordered BDDs with complement edges (Bryant 1986; Brace, Rudell, Bryant 1990,
 * "Efficient implementation of a BDD package") and ZBDDs (Minato 1993) for fault-tree analysis.
 *
 * One node store per diagram kind. BDD: node 0 is the single terminal; an edge is a node id
 * shifted left once, with the low bit meaning "complemented", so FALSE = 0, TRUE = 1 and NOT costs
 * nothing; a node's lo edge is kept regular, which makes the form canonical. Complement edges
 * matter for non-coherent trees (NOT, XOR): f and not f share every node, and so do the
 * computed-table entries of AND and OR (OR is AND under De Morgan). ZBDD: nodes 0 (the empty
 * family) and 1 (the family {{}}) are the terminals, no complement edges.
 *
 * Nodes are hash-consed through a unique table with open addressing, so equal functions are equal
 * edges; operations go through a lossy direct-mapped computed table (a cache: a miss only costs
 * time). Nodes are never freed during an analysis: a child always has a smaller id than its
 * parent, which lets the probability and importance passes run as plain loops over ids.
 *
 * The node count is capped (FL_LIMIT_FTA_BDD_NODES or the caller's cap): on overflow the store
 * turns sticky-failed (FL_ELIMIT), every operation returns FALSE and the caller checks once.
 * Recursion depth is bounded by the number of variables (FL_LIMIT_FTA_BDD_VARS).
 */
#include "bdd.h"

#include <string.h>
#include <sys/mman.h>

#include "core/alloc.h"

#define LEAF_LEVEL UINT32_MAX
/* The computed table grows with the unique table up to 2^20 entries (16 MiB). A larger one
 * (2^22 before 2026-11-26) hits a little more often but costs more in cache and TLB misses and
 * page faults than it saves: CEA9601 ran 15 to 25 % faster at 2^19..2^20. */
#define CACHE_MAX_LOG2 20

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
    dd->node = fl_malloc(dd->cap * sizeof *dd->node);
    dd->ht_mask = 2047;
    dd->ht = fl_calloc(dd->ht_mask + 1, sizeof *dd->ht);
    dd->cache_mask = (1u << 16) - 1;
    dd->cache = fl_calloc(dd->cache_mask + 1, sizeof *dd->cache);
    if (!dd->node || !dd->ht || !dd->cache) {
        fl_fta__dd_cleanup(dd);
        return FL_ENOMEM;
    }
    dd->n = zero_suppressed ? 2 : 1; /* the BDD's TRUE is the complement of its one terminal */
    for (uint32_t i = 0; i < dd->n; i++)
        dd->node[i] = (struct fl_fta__dd_node){LEAF_LEVEL, i, i};
    return FL_OK;
}

void fl_fta__dd_cleanup(struct fl_fta__dd *dd)
{
    fl_free(dd->node);
    fl_free(dd->ht);
    fl_free(dd->cache);
    memset(dd, 0, sizeof *dd);
}

static void dd_fail(struct fl_fta__dd *dd, fl_err e)
{
    if (!dd->err)
        dd->err = e;
}

/* Transparent huge pages for the big tables: their accesses are random, so with 4 KiB pages
 * nearly every probe of a large diagram also misses the TLB. Advice only: failure is harmless. */
static void advise_huge(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
    const size_t align = (size_t)2 << 20;
    if (!p || len < 2 * align)
        return;
    uintptr_t b = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
    uintptr_t e = ((uintptr_t)p + len) & ~(uintptr_t)(align - 1);
    if (e > b)
        (void)madvise((void *)b, e - b, MADV_HUGEPAGE);
#else
    (void)p;
    (void)len;
#endif
}

void *fl_fta__big_calloc(size_t n, size_t size)
{
    void *p = fl_calloc(n, size);
    advise_huge(p, n * size);
    return p;
}

static bool grow_nodes(struct fl_fta__dd *dd)
{
    size_t cap = dd->cap * 2;
    struct fl_fta__dd_node *v = fl_reallocarray(dd->node, cap, sizeof *v);
    if (!v) {
        dd_fail(dd, FL_ENOMEM);
        return false;
    }
    dd->node = v;
    dd->cap = cap;
    advise_huge(v, cap * sizeof *v);
    return true;
}

static bool grow_table(struct fl_fta__dd *dd)
{
    size_t n = (dd->ht_mask + 1) * 2;
    uint64_t *ht = fl_fta__big_calloc(n, sizeof *ht);
    if (!ht) {
        dd_fail(dd, FL_ENOMEM);
        return false;
    }
    for (uint32_t id = dd->zdd ? 2 : 1; id < dd->n; id++) {
        const struct fl_fta__dd_node *nd = &dd->node[id];
        uint64_t h = mix(nd->var, nd->hi, nd->lo);
        size_t i = h & (n - 1);
        while (ht[i])
            i = (i + 1) & (n - 1);
        ht[i] = (h & 0xFFFFFFFF00000000ull) | id;
    }
    fl_free(dd->ht);
    dd->ht = ht;
    dd->ht_mask = n - 1;
    /* the computed table grows with the diagram, up to 2^CACHE_MAX_LOG2 entries */
    if (dd->cache_mask < (1u << CACHE_MAX_LOG2) - 1 && dd->cache_mask + 1 < n) {
        struct fl_fta__dd_cache *c = fl_fta__big_calloc(n, sizeof *c);
        if (c) {
            fl_free(dd->cache);
            dd->cache = c;
            dd->cache_mask = n - 1;
        }
    }
    return true;
}

/* The id of node (var, hi, lo), added if new. A unique-table slot holds the hash's upper 32 bits
 * next to the node id, so that a probe past a different node usually costs no read of the node
 * array. */
static uint32_t find_or_add(struct fl_fta__dd *dd, uint32_t var, uint32_t hi, uint32_t lo)
{
    uint64_t h = mix(var, hi, lo), tag = h & 0xFFFFFFFF00000000ull;
    size_t i = h & dd->ht_mask;
    for (uint64_t slot; (slot = dd->ht[i]) != 0; i = (i + 1) & dd->ht_mask) {
        const struct fl_fta__dd_node *nd = &dd->node[(uint32_t)slot];
        if ((slot & 0xFFFFFFFF00000000ull) == tag && nd->var == var && nd->hi == hi &&
            nd->lo == lo)
            return (uint32_t)slot;
    }
    /* edges need one bit above the id */
    if (dd->n >= dd->max || dd->n >= (UINT32_MAX >> 1)) {
        dd_fail(dd, FL_ELIMIT);
        return 0;
    }
    if (dd->n == dd->cap && !grow_nodes(dd))
        return 0;
    uint32_t id = (uint32_t)dd->n++;
    dd->node[id] = (struct fl_fta__dd_node){var, hi, lo};
    dd->ht[i] = tag | id;
    if (dd->n * 4 > (dd->ht_mask + 1) * 3) /* load factor 3/4: the tags keep probes cheap */
        grow_table(dd);
    return id;
}

uint32_t fl_fta__dd_mk(struct fl_fta__dd *dd, uint32_t var, uint32_t hi, uint32_t lo)
{
    if (dd->err)
        return 0;
    if (dd->zdd)
        return hi == 0 ? lo : find_or_add(dd, var, hi, lo);
    if (hi == lo)
        return lo;
    uint32_t c = lo & 1; /* keep lo regular: ite(x, h, l) = not ite(x, not h, not l) */
    uint32_t id = find_or_add(dd, var, hi ^ c, lo ^ c);
    return dd->err ? 0 : id << 1 | c;
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

enum { OP_AND, OP_XOR, OP_WITHOUT };

static uint32_t bdd_and(struct fl_fta__dd *dd, uint32_t f, uint32_t g)
{
    if (f == 0 || g == 0 || f == (g ^ 1))
        return 0;
    if (f == 1 || f == g)
        return g;
    if (g == 1)
        return f;
    if (f > g) { /* commutative: one cache entry for both orders */
        uint32_t t = f;
        f = g;
        g = t;
    }
    uint32_t r;
    if (cache_get(dd, OP_AND, f, g, &r))
        return r;
    uint32_t vf = fl_fta__bdd_var(dd, f), vg = fl_fta__bdd_var(dd, g), v = vf < vg ? vf : vg;
    uint32_t f1 = vf == v ? fl_fta__bdd_hi(dd, f) : f, f0 = vf == v ? fl_fta__bdd_lo(dd, f) : f;
    uint32_t g1 = vg == v ? fl_fta__bdd_hi(dd, g) : g, g0 = vg == v ? fl_fta__bdd_lo(dd, g) : g;
    uint32_t h = bdd_and(dd, f1, g1);
    uint32_t l = bdd_and(dd, f0, g0);
    r = fl_fta__dd_mk(dd, v, h, l);
    cache_put(dd, OP_AND, f, g, r);
    return r;
}

/* xor(f, g) with both regular: complements come out, xor(not f, g) = not xor(f, g). */
static uint32_t bdd_xor(struct fl_fta__dd *dd, uint32_t f, uint32_t g)
{
    if (f == g)
        return 0;
    if (f == 0)
        return g;
    if (g == 0)
        return f;
    if (f > g) {
        uint32_t t = f;
        f = g;
        g = t;
    }
    uint32_t r;
    if (cache_get(dd, OP_XOR, f, g, &r))
        return r;
    uint32_t vf = fl_fta__bdd_var(dd, f), vg = fl_fta__bdd_var(dd, g), v = vf < vg ? vf : vg;
    uint32_t f1 = vf == v ? fl_fta__bdd_hi(dd, f) : f, f0 = vf == v ? fl_fta__bdd_lo(dd, f) : f;
    uint32_t g1 = vg == v ? fl_fta__bdd_hi(dd, g) : g, g0 = vg == v ? fl_fta__bdd_lo(dd, g) : g;
    /* lo cofactors of regular edges are regular; hi ones may not be */
    uint32_t h = bdd_xor(dd, f1 & ~1u, g1 & ~1u) ^ ((f1 ^ g1) & 1);
    uint32_t l = bdd_xor(dd, f0, g0);
    r = fl_fta__dd_mk(dd, v, h, l);
    cache_put(dd, OP_XOR, f, g, r);
    return r;
}

uint32_t fl_fta__bdd_and(struct fl_fta__dd *dd, uint32_t f, uint32_t g)
{
    return dd->err ? 0 : bdd_and(dd, f, g);
}

uint32_t fl_fta__bdd_or(struct fl_fta__dd *dd, uint32_t f, uint32_t g)
{
    return dd->err ? 0 : bdd_and(dd, f ^ 1, g ^ 1) ^ 1; /* De Morgan */
}

uint32_t fl_fta__bdd_xor(struct fl_fta__dd *dd, uint32_t f, uint32_t g)
{
    return dd->err ? 0 : bdd_xor(dd, f & ~1u, g & ~1u) ^ ((f ^ g) & 1);
}

/* ---- ZBDD: Rauzy's "without" (sets of P that contain no set of Q) ------------------------- */

static bool has_empty(const struct fl_fta__dd *z, uint32_t q)
{
    while (q > 1)
        q = z->node[q].lo;
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
    const struct fl_fta__dd_node np = z->node[p], nq = z->node[q];
    if (np.var < nq.var) {
        uint32_t h = fl_fta__zdd_without(z, np.hi, q);
        uint32_t l = fl_fta__zdd_without(z, np.lo, q);
        r = fl_fta__dd_mk(z, np.var, h, l);
    } else if (np.var > nq.var) {
        r = fl_fta__zdd_without(z, p, nq.lo);
    } else {
        uint32_t h = fl_fta__zdd_without(z, np.hi, nq.hi);
        h = fl_fta__zdd_without(z, h, nq.lo);
        uint32_t l = fl_fta__zdd_without(z, np.lo, nq.lo);
        r = fl_fta__dd_mk(z, np.var, h, l);
    }
    cache_put(z, OP_WITHOUT, p, q, r);
    return r;
}
