/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bdd.h: internal BDD / ZBDD node store of src/fta (see bdd.c). Not a public contract: the
 * analysis in analyze.c is its only user. Levels (variables) are 0 = nearest the root.
 */
#ifndef FL_FTA_BDD_H
#define FL_FTA_BDD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct fl_fta__dd_cache {
    uint32_t op, a, b, r; /* op is the operation + 1, so that a zeroed entry never matches */
};

struct fl_fta__dd {
    uint32_t *var, *hi, *lo; /* node arrays; terminals 0 and 1 have var UINT32_MAX */
    size_t n, cap, max;
    uint64_t *ht; /* unique table: hash tag << 32 | node id, 0 = empty slot */
    size_t ht_mask;
    struct fl_fta__dd_cache *cache;
    size_t cache_mask;
    bool zdd;   /* zero-suppressed reduction rule instead of the BDD one */
    fl_err err; /* sticky: FL_ELIMIT when max nodes is reached, FL_ENOMEM */
};

fl_err fl_fta__dd_init(struct fl_fta__dd *dd, size_t max_nodes, bool zero_suppressed) FL_MUST_CHECK;
void fl_fta__dd_cleanup(struct fl_fta__dd *dd);
/* The node (var, hi, lo), reduced and hash-consed; 0 after a failure (check dd->err). */
uint32_t fl_fta__dd_mk(struct fl_fta__dd *dd, uint32_t var, uint32_t hi, uint32_t lo);

uint32_t fl_fta__bdd_not(struct fl_fta__dd *dd, uint32_t f);
uint32_t fl_fta__bdd_and(struct fl_fta__dd *dd, uint32_t f, uint32_t g);
uint32_t fl_fta__bdd_or(struct fl_fta__dd *dd, uint32_t f, uint32_t g);
uint32_t fl_fta__bdd_xor(struct fl_fta__dd *dd, uint32_t f, uint32_t g);
uint32_t fl_fta__bdd_apply(struct fl_fta__dd *dd, int op, uint32_t f, uint32_t g);
/* ZBDD: the sets of family p that are not supersets of any set of family q (Rauzy 1993). */
uint32_t fl_fta__zdd_without(struct fl_fta__dd *z, uint32_t p, uint32_t q);

#endif
