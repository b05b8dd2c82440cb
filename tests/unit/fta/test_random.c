/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_random.c: the BDD and the cut sets against brute force on many random small trees
 * (fixed seeds): every gate type including NOT, XOR, NAND, NOR, k-of-n and INHIBIT, shared
 * subtrees, house events, probabilities 0 and 1.
 *
 * Oracles, computed by enumerating all 2^n states of the basic events with fl_fta_evaluate:
 *   - P(top) = sum over the states where the top event holds of their probability;
 *   - Birnbaum(e) = P(top | e) - P(top | not e), and RAW / RRW from the same conditionals;
 *   - the minimal cut sets are the minimal sets S such that the top event holds when exactly S
 *     fails (docs/FTA.md): each listed set makes the top event true, removing any one event
 *     makes it false, no listed set contains another, and every state where the top event holds
 *     contains a listed set; with cut-offs, exactly the sets within the order and probability
 *     bounds remain.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fta/fta.h"

#define MAX_BASIC 9
#define MAX_GATES 10

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

struct rtree {
    struct fl_fta_tree *t;
    size_t n_basic;
    size_t basic[MAX_BASIC]; /* event index of basic event i */
    double p[MAX_BASIC];
};

/* A random tree: basic events b0..; gates g0.. each over earlier nodes; the top is the last gate.
 */
static void make_tree(struct rtree *rt, bool coherent_only)
{
    memset(rt, 0, sizeof *rt);
    cr_assert_eq(fl_fta_tree_new("random", &rt->t), FL_OK);
    struct fl_fta_tree *t = rt->t;
    rt->n_basic = 2 + rnd(MAX_BASIC - 1);
    size_t n_gates = 1 + rnd(MAX_GATES);
    char names[MAX_BASIC + MAX_GATES + 2][24];
    size_t n_nodes = 0;
    for (size_t i = 0; i < rt->n_basic; i++) {
        static const double special[] = {0.0, 1.0, 0.5};
        double p = rnd(10) == 0 ? special[rnd(3)] : (1 + rnd(999)) / 1000.0;
        snprintf(names[n_nodes], sizeof names[0], "b%zu", i);
        cr_assert_eq(fl_fta_add_basic(t, names[n_nodes], p, &rt->basic[i], NULL), FL_OK);
        rt->p[i] = p;
        n_nodes++;
    }
    if (rnd(4) == 0) {
        snprintf(names[n_nodes], sizeof names[0], "h");
        cr_assert_eq(fl_fta_add_house(t, "h", rnd(2), NULL, NULL), FL_OK);
        n_nodes++;
    }
    for (size_t g = 0; g < n_gates; g++) {
        static const enum fl_fta_gate_type all[] = {
            FL_FTA_AND,  FL_FTA_OR,  FL_FTA_ATLEAST, FL_FTA_NOT, FL_FTA_XOR,     FL_FTA_INHIBIT,
            FL_FTA_NAND, FL_FTA_NOR, FL_FTA_OR,      FL_FTA_AND, FL_FTA_ATLEAST, FL_FTA_NULL};
        static const enum fl_fta_gate_type mono[] = {FL_FTA_AND, FL_FTA_OR, FL_FTA_ATLEAST,
                                                     FL_FTA_INHIBIT};
        enum fl_fta_gate_type ty = coherent_only ? mono[rnd(4)] : all[rnd(12)];
        size_t n_in = ty == FL_FTA_NOT || ty == FL_FTA_NULL ? 1 : 2 + rnd(3);
        size_t k = ty == FL_FTA_ATLEAST ? 1 + rnd((uint32_t)n_in) : 0;
        size_t idx;
        snprintf(names[n_nodes], sizeof names[0], "g%zu", g);
        cr_assert_eq(fl_fta_add_gate(t, names[n_nodes], ty, k, &idx, NULL), FL_OK);
        /* the last gate prefers recent nodes so that most of the tree is reachable */
        for (size_t a = 0; a < n_in; a++) {
            size_t pick = a == 0 && g > 0 ? n_nodes - 1 : rnd((uint32_t)n_nodes);
            cr_assert_eq(fl_fta_gate_arg(t, idx, names[pick]), FL_OK);
        }
        n_nodes++;
    }
    cr_assert_eq(fl_fta_set_top(t, names[n_nodes - 1]), FL_OK);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_tree_check(t, &d), FL_OK, "%s", d.msg);
}

/* Top value when exactly the basic events in mask are true. */
static bool top_of(const struct rtree *rt, uint32_t mask)
{
    unsigned char st[64], val[64];
    memset(st, FL_FTA_FALSE, sizeof st);
    for (size_t i = 0; i < rt->n_basic; i++)
        st[rt->basic[i]] = (mask >> i) & 1 ? FL_FTA_TRUE : FL_FTA_FALSE;
    cr_assert_eq(fl_fta_evaluate(rt->t, st, false, val), FL_OK);
    cr_assert_neq(val[rt->t->top], FL_FTA_UNKNOWN);
    return val[rt->t->top] == FL_FTA_TRUE;
}

static double mask_p(const struct rtree *rt, uint32_t mask)
{
    double p = 1;
    for (size_t i = 0; i < rt->n_basic; i++)
        p *= (mask >> i) & 1 ? rt->p[i] : 1 - rt->p[i];
    return p;
}

static double set_p(const struct rtree *rt, uint32_t mask)
{
    double p = 1;
    for (size_t i = 0; i < rt->n_basic; i++)
        if ((mask >> i) & 1)
            p *= rt->p[i];
    return p;
}

static uint32_t mask_of(const struct rtree *rt, const struct fl_fta_cut_set *c)
{
    uint32_t m = 0;
    for (size_t j = 0; j < c->n; j++)
        for (size_t i = 0; i < rt->n_basic; i++)
            if (rt->basic[i] == c->events[j])
                m |= 1u << i;
    return m;
}

static struct fl_fta_result *run(const struct rtree *rt, size_t order, double cutoff)
{
    struct fl_fta_opts o;
    fl_fta_opts_default(&o);
    o.max_order = order;
    o.cutoff = cutoff;
    struct fl_fta_result *r = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_analyze(rt->t, &o, &r, &d), FL_OK, "%s", d.msg);
    return r;
}

static void check_probability(const struct rtree *rt, const struct fl_fta_result *r, int seed)
{
    uint32_t states = 1u << rt->n_basic;
    double p = 0;
    for (uint32_t m = 0; m < states; m++)
        if (top_of(rt, m))
            p += mask_p(rt, m);
    cr_assert_float_eq(r->p_exact, p, 1e-12, "seed %d: bdd %.17g brute %.17g", seed, r->p_exact, p);
    /* importance from conditionals */
    for (size_t k = 0; k < r->n_importance; k++) {
        const struct fl_fta_importance *im = &r->importance[k];
        size_t i = 0;
        while (i < rt->n_basic && rt->basic[i] != im->event)
            i++;
        cr_assert_lt(i, rt->n_basic);
        double p1 = 0, p0 = 0;
        for (uint32_t m = 0; m < states; m++) {
            if (!top_of(rt, m))
                continue;
            double q = mask_p(rt, m);
            /* probability of the other events only */
            double pi = (m >> i) & 1 ? rt->p[i] : 1 - rt->p[i];
            double rest = pi > 0 ? q / pi : 0;
            if (pi == 0) { /* recompute without dividing by zero */
                rest = 1;
                for (size_t j = 0; j < rt->n_basic; j++)
                    if (j != i)
                        rest *= (m >> j) & 1 ? rt->p[j] : 1 - rt->p[j];
            }
            if ((m >> i) & 1)
                p1 += rest;
            else
                p0 += rest;
        }
        cr_assert_float_eq(im->birnbaum, p1 - p0, 1e-9, "seed %d event %zu", seed, i);
        if (p > 1e-9 && p0 > 1e-9) {
            cr_assert_float_eq(im->raw, p1 / p, 1e-6 * (1 + p1 / p), "seed %d", seed);
            cr_assert_float_eq(im->rrw, p / p0, 1e-6 * (1 + p / p0), "seed %d", seed);
            cr_assert_float_eq(im->fussell_vesely, (p - p0) / p, 1e-6, "seed %d", seed);
        }
    }
}

/* Brute-force minimal solutions within the cut-offs, as a bitmap over masks. */
static void minimal_solutions(const struct rtree *rt, bool *sol, bool *minimal)
{
    uint32_t states = 1u << rt->n_basic;
    for (uint32_t m = 0; m < states; m++)
        sol[m] = top_of(rt, m);
    for (uint32_t m = 0; m < states; m++) {
        minimal[m] = sol[m];
        for (uint32_t s = (m - 1) & m; minimal[m] && s != m; s = (s - 1) & m) {
            if (sol[s])
                minimal[m] = false;
            if (s == 0)
                break;
        }
    }
}

static void check_cut_sets(const struct rtree *rt, const struct fl_fta_result *r, size_t order,
                           double cutoff, int seed)
{
    static bool sol[1u << MAX_BASIC], minimal[1u << MAX_BASIC], listed[1u << MAX_BASIC];
    uint32_t states = 1u << rt->n_basic;
    minimal_solutions(rt, sol, minimal);
    memset(listed, 0, sizeof listed);
    cr_assert_eq(r->n_listed, r->n_cut_sets, "seed %d", seed);
    for (size_t s = 0; s < r->n_listed; s++) {
        uint32_t m = mask_of(rt, &r->cut_sets[s]);
        cr_assert_not(listed[m], "seed %d: set listed twice", seed);
        listed[m] = true;
        /* each cut set makes the top event true, and removing any event makes it false */
        cr_assert(top_of(rt, m), "seed %d: cut set %zu does not cause the top event", seed, s);
        for (size_t i = 0; i < rt->n_basic; i++)
            if ((m >> i) & 1)
                cr_assert_not(top_of(rt, m & ~(1u << i)), "seed %d: cut set %zu not minimal", seed,
                              s);
        cr_assert(minimal[m], "seed %d: a subset of cut set %zu already causes it", seed, s);
        cr_assert_float_eq(r->cut_sets[s].p, set_p(rt, m), 1e-15);
        cr_assert(order == 0 || r->cut_sets[s].n <= order, "seed %d: order", seed);
        cr_assert_geq(r->cut_sets[s].p, cutoff * (1 - 1e-12), "seed %d: cut-off", seed);
    }
    /* every minimal solution within the bounds is listed; coverage of all solutions */
    for (uint32_t m = 0; m < states; m++) {
        bool in_bounds = (order == 0 || (size_t)__builtin_popcount(m) <= order) &&
                         set_p(rt, m) >= cutoff * (1 + 1e-12);
        if (minimal[m] && in_bounds)
            cr_assert(listed[m], "seed %d: minimal solution %#x missing", seed, m);
        if (sol[m] && order == 0 && cutoff == 0) {
            bool covered = false;
            for (uint32_t s = m;; s = (s - 1) & m) {
                covered |= listed[s];
                if (s == 0 || covered)
                    break;
            }
            cr_assert(covered, "seed %d: solution %#x contains no cut set", seed, m);
        }
    }
    uint64_t by = 0;
    for (size_t k = 0; k <= r->max_order_seen; k++)
        by += r->by_order[k];
    cr_assert_eq(by, r->n_cut_sets);
}

Test(fta_random, bdd_matches_brute_force)
{
    for (int seed = 1; seed <= 1000; seed++) {
        rng_state = 0x9E3779B97F4A7C15ull * (uint64_t)seed;
        struct rtree rt;
        make_tree(&rt, seed % 4 == 0);
        struct fl_fta_result *r = run(&rt, 0, 0);
        check_probability(&rt, r, seed);
        check_cut_sets(&rt, r, 0, 0, seed);
        fl_fta_result_free(r);
        fl_fta_tree_free(rt.t);
    }
}

Test(fta_random, cutoffs_keep_exactly_the_bounded_sets)
{
    static const struct {
        size_t order;
        double cutoff;
    } bounds[] = {{1, 0}, {2, 0}, {3, 0}, {0, 1e-3}, {0, 1e-2}, {2, 1e-4}};
    for (int seed = 1; seed <= 150; seed++) {
        rng_state = 0xD1B54A32D192ED03ull * (uint64_t)seed;
        struct rtree rt;
        make_tree(&rt, seed % 2 == 0);
        for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++) {
            struct fl_fta_result *r = run(&rt, bounds[b].order, bounds[b].cutoff);
            check_cut_sets(&rt, r, bounds[b].order, bounds[b].cutoff, seed);
            fl_fta_result_free(r);
        }
        fl_fta_tree_free(rt.t);
    }
}

Test(fta_random, coherent_approximations_bound_the_exact_value)
{
    /* For coherent trees: P <= MCUB <= rare-event sum (Esary-Proschan bound, Boole's bound). */
    for (int seed = 1; seed <= 200; seed++) {
        rng_state = 0xA0761D6478BD642Full * (uint64_t)seed;
        struct rtree rt;
        make_tree(&rt, true);
        struct fl_fta_result *r = run(&rt, 0, 0);
        cr_assert(r->coherent);
        cr_assert_leq(r->p_exact, r->p_mcub + 1e-12, "seed %d", seed);
        cr_assert_leq(r->p_mcub, r->p_rare + 1e-12, "seed %d", seed);
        fl_fta_result_free(r);
        fl_fta_tree_free(rt.t);
    }
}
