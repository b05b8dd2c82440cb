/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bdd.h: internal BDD / ZBDD node store of src/fta (see bdd.c). Not a public contract: the
 * analysis in analyze.c is its only user. Levels (variables) are 0 = nearest the root.
 *
 * BDD functions are edges with complement bits: edge = node id << 1 | complemented. Node 0 is
 * the one terminal, so edge 0 is FALSE and edge 1 is TRUE, and NOT is `f ^ 1`. A node's lo edge
 * is never complemented (the canonical form). ZBDD families are plain node ids with the two
 * terminals 0 (the empty family) and 1 (the family {{}}).
 */
#ifndef FL_FTA_BDD_H
#define FL_FTA_BDD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define FL_FTA_BDD_FALSE 0u
#define FL_FTA_BDD_TRUE 1u

struct fl_fta__dd_cache {
    uint32_t op, a, b, r; /* op is the operation + 1, so that a zeroed entry never matches */
};

struct fl_fta__dd_node {
    uint32_t var;    /* level; UINT32_MAX for terminals */
    uint32_t hi, lo; /* BDD: edges (lo never complemented); ZBDD: node ids */
};

struct fl_fta__dd {
    struct fl_fta__dd_node *node; /* children always have smaller ids than their parent */
    size_t n, cap, max;           /* n and max count nodes, terminals included */
    uint64_t *ht; /* unique table: hash tag << 32 | node id, 0 = empty slot */
    size_t ht_mask;
    struct fl_fta__dd_cache *cache;
    size_t cache_mask;
    bool zdd;   /* zero-suppressed, no complement edges, instead of a BDD with them */
    fl_err err; /* sticky: FL_ELIMIT when max nodes is reached, FL_ENOMEM */
};

fl_err fl_fta__dd_init(struct fl_fta__dd *dd, size_t max_nodes, bool zero_suppressed) FL_MUST_CHECK;
void fl_fta__dd_cleanup(struct fl_fta__dd *dd);
/* BDD: the edge to the function ite(var, hi, lo), reduced, canonical and hash-consed. ZBDD: the
 * node (var, hi, lo), zero-suppressed and hash-consed. 0 after a failure (check dd->err). */
uint32_t fl_fta__dd_mk(struct fl_fta__dd *dd, uint32_t var, uint32_t hi, uint32_t lo);

/* fl_calloc for a large array with random access (the caller frees it with fl_free): asks for
 * transparent huge pages where the system has them, which saves most TLB misses. */
void *fl_fta__big_calloc(size_t n, size_t size);

/* BDD edge accessors: the level of f's top variable and its cofactors. */
static inline uint32_t fl_fta__bdd_var(const struct fl_fta__dd *dd, uint32_t f)
{
    return dd->node[f >> 1].var;
}
static inline uint32_t fl_fta__bdd_hi(const struct fl_fta__dd *dd, uint32_t f)
{
    return dd->node[f >> 1].hi ^ (f & 1);
}
static inline uint32_t fl_fta__bdd_lo(const struct fl_fta__dd *dd, uint32_t f)
{
    return dd->node[f >> 1].lo ^ (f & 1);
}
static inline uint32_t fl_fta__bdd_not(uint32_t f)
{
    return f ^ 1;
}

uint32_t fl_fta__bdd_and(struct fl_fta__dd *dd, uint32_t f, uint32_t g);
uint32_t fl_fta__bdd_or(struct fl_fta__dd *dd, uint32_t f, uint32_t g);
uint32_t fl_fta__bdd_xor(struct fl_fta__dd *dd, uint32_t f, uint32_t g);
/* ZBDD: the sets of family p that are not supersets of any set of family q (Rauzy 1993). */
uint32_t fl_fta__zdd_without(struct fl_fta__dd *z, uint32_t p, uint32_t q);

#endif
