/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_model.c: the fault-tree builder, validation, evaluation and the analysis of small trees
 * whose cut sets, probabilities and importance measures are computed by hand (each expected
 * value is derived in the comment next to it).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fta/fta.h"

#define EPS 1e-12

static struct fl_fta_tree *new_tree(void)
{
    struct fl_fta_tree *t = NULL;
    cr_assert_eq(fl_fta_tree_new("t", &t), FL_OK);
    return t;
}

static size_t gate(struct fl_fta_tree *t, const char *name, enum fl_fta_gate_type ty, size_t k,
                   const char *args)
{
    size_t idx;
    cr_assert_eq(fl_fta_add_gate(t, name, ty, k, &idx, NULL), FL_OK);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", args);
    for (char *s = strtok(buf, " "); s; s = strtok(NULL, " "))
        cr_assert_eq(fl_fta_gate_arg(t, idx, s), FL_OK);
    return idx;
}

static void basic(struct fl_fta_tree *t, const char *name, double p)
{
    cr_assert_eq(fl_fta_add_basic(t, name, p, NULL, NULL), FL_OK);
}

static struct fl_fta_result *analyze(struct fl_fta_tree *t, size_t max_order, double cutoff)
{
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_tree_check(t, &d), FL_OK, "%s", d.msg);
    struct fl_fta_opts o;
    fl_fta_opts_default(&o);
    o.max_order = max_order;
    o.cutoff = cutoff;
    struct fl_fta_result *r = NULL;
    cr_assert_eq(fl_fta_analyze(t, &o, &r, &d), FL_OK, "%s", d.msg);
    return r;
}

/* Cut set i as "a b c" (event names, ascending index order). */
static const char *set_str(const struct fl_fta_tree *t, const struct fl_fta_result *r, size_t i)
{
    static char buf[256];
    buf[0] = '\0';
    for (size_t j = 0; j < r->cut_sets[i].n; j++) {
        strcat(buf, j ? " " : "");
        strcat(buf, t->events[r->cut_sets[i].events[j]].name);
    }
    return buf;
}

static const struct fl_fta_importance *imp(const struct fl_fta_tree *t,
                                           const struct fl_fta_result *r, const char *name)
{
    for (size_t i = 0; i < r->n_importance; i++)
        if (!strcmp(t->events[r->importance[i].event].name, name))
            return &r->importance[i];
    cr_assert_fail("no importance for %s", name);
    return NULL;
}

Test(fta_hand, or_of_and)
{
    /* top = (a and b) or c; p = .1 .2 .3. P = 1 - (1 - .02)(1 - .3) = .314 */
    struct fl_fta_tree *t = new_tree();
    gate(t, "top", FL_FTA_OR, 0, "g c");
    gate(t, "g", FL_FTA_AND, 0, "a b");
    basic(t, "a", 0.1);
    basic(t, "b", 0.2);
    basic(t, "c", 0.3);
    struct fl_fta_result *r = analyze(t, 0, 0);
    cr_assert_float_eq(r->p_exact, 0.314, EPS);
    cr_assert_eq(r->n_cut_sets, 2);
    cr_assert_eq(r->n_listed, 2);
    cr_assert_str_eq(set_str(t, r, 0), "c"); /* order 1 first */
    cr_assert_str_eq(set_str(t, r, 1), "a b");
    cr_assert_float_eq(r->cut_sets[1].p, 0.02, EPS);
    cr_assert_eq(r->by_order[1], 1);
    cr_assert_eq(r->by_order[2], 1);
    cr_assert_float_eq(r->p_rare, 0.32, EPS);           /* .3 + .02 */
    cr_assert_float_eq(r->p_mcub, 1 - 0.7 * 0.98, EPS); /* equal to P: disjoint supports */
    cr_assert(r->coherent);
    cr_assert_eq(r->n_basic, 3);
    cr_assert_eq(r->n_gates, 2);
    /* c: B = 1 - .02 = .98; P(c=0) = .02: FV = .294/.314, RAW = 1/.314, RRW = .314/.02 */
    const struct fl_fta_importance *c = imp(t, r, "c");
    cr_assert_float_eq(c->birnbaum, 0.98, EPS);
    cr_assert_float_eq(c->fussell_vesely, 0.294 / 0.314, EPS);
    cr_assert_float_eq(c->raw, 1 / 0.314, EPS);
    cr_assert_float_eq(c->rrw, 0.314 / 0.02, EPS);
    cr_assert_eq(c->n_cut_sets, 1);
    /* a: B = b (1 - c) = .14; P(a=1) = 1 - .8 * .7 = .44; P(a=0) = .3 */
    const struct fl_fta_importance *a = imp(t, r, "a");
    cr_assert_float_eq(a->birnbaum, 0.14, EPS);
    cr_assert_float_eq(a->raw, 0.44 / 0.314, EPS);
    cr_assert_float_eq(a->rrw, 0.314 / 0.3, EPS);
    cr_assert_float_eq(a->fussell_vesely, (0.314 - 0.3) / 0.314, EPS);
    cr_assert_eq(r->importance[0].event, c->event); /* sorted by FV */
    fl_fta_result_free(r);
    fl_fta_tree_free(t);
}

Test(fta_hand, two_of_three)
{
    /* P = 3 p^2 (1 - p) + p^3 with p = .1: .027 + .001 = .028; MCS: the three pairs */
    struct fl_fta_tree *t = new_tree();
    gate(t, "vote", FL_FTA_ATLEAST, 2, "a b c");
    basic(t, "a", 0.1);
    basic(t, "b", 0.1);
    basic(t, "c", 0.1);
    struct fl_fta_result *r = analyze(t, 0, 0);
    cr_assert_float_eq(r->p_exact, 0.028, EPS);
    cr_assert_eq(r->n_cut_sets, 3);
    cr_assert_eq(r->by_order[2], 3);
    cr_assert_str_eq(set_str(t, r, 0), "a b");
    cr_assert_str_eq(set_str(t, r, 1), "a c");
    cr_assert_str_eq(set_str(t, r, 2), "b c");
    cr_assert_float_eq(r->p_rare, 0.03, EPS);
    cr_assert_float_eq(r->p_mcub, 1 - pow(0.99, 3), EPS);
    fl_fta_result_free(r);
    fl_fta_tree_free(t);
}

Test(fta_hand, non_coherent_gates)
{
    static const struct {
        enum fl_fta_gate_type type;
        double p;            /* with pa = .5, pb = .2 */
        const char *sets[3]; /* the minimal sets with all other events false */
        bool coherent;
    } cases[] = {
        {FL_FTA_XOR, 0.5 * 0.8 + 0.5 * 0.2, {"a", "b", NULL}, false},
        {FL_FTA_NAND, 1 - 0.1, {"", NULL, NULL}, false}, /* true with nothing failed */
        {FL_FTA_NOR, 0.5 * 0.8, {"", NULL, NULL}, false},
        {FL_FTA_INHIBIT, 0.1, {"a b", NULL, NULL}, true},
        {FL_FTA_AND, 0.1, {"a b", NULL, NULL}, true},
        {FL_FTA_OR, 0.6, {"a", "b", NULL}, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_fta_tree *t = new_tree();
        gate(t, "top", cases[i].type, 0, "a b");
        basic(t, "a", 0.5);
        basic(t, "b", 0.2);
        struct fl_fta_result *r = analyze(t, 0, 0);
        cr_assert_float_eq(r->p_exact, cases[i].p, EPS, "case %zu", i);
        cr_assert_eq(r->coherent, cases[i].coherent, "case %zu", i);
        size_t n = 0;
        while (n < 3 && cases[i].sets[n])
            n++;
        cr_assert_eq(r->n_cut_sets, n, "case %zu", i);
        for (size_t s = 0; s < n; s++)
            cr_assert_str_eq(set_str(t, r, s), cases[i].sets[s], "case %zu", i);
        fl_fta_result_free(r);
        fl_fta_tree_free(t);
    }
}

Test(fta_hand, not_gate)
{
    /* top = a and not b: P = .5 * .8 = .4; the only minimal set is {a} */
    struct fl_fta_tree *t = new_tree();
    gate(t, "top", FL_FTA_AND, 0, "a nb");
    gate(t, "nb", FL_FTA_NOT, 0, "b");
    basic(t, "a", 0.5);
    basic(t, "b", 0.2);
    struct fl_fta_result *r = analyze(t, 0, 0);
    cr_assert_float_eq(r->p_exact, 0.4, EPS);
    cr_assert_not(r->coherent);
    cr_assert_eq(r->n_cut_sets, 1);
    cr_assert_str_eq(set_str(t, r, 0), "a");
    /* b only lowers the risk: Birnbaum of b = P(b) - P(not b) = 0 - .5 */
    cr_assert_float_eq(imp(t, r, "b")->birnbaum, -0.5, EPS);
    fl_fta_result_free(r);
    fl_fta_tree_free(t);
}

Test(fta_hand, impossible_and_certain_top)
{
    /* a and not a: never; a or not a: always, caused by the empty set */
    for (int always = 0; always < 2; always++) {
        struct fl_fta_tree *t = new_tree();
        gate(t, "top", always ? FL_FTA_OR : FL_FTA_AND, 0, "a n");
        gate(t, "n", FL_FTA_NOT, 0, "a");
        basic(t, "a", 0.5);
        struct fl_fta_result *r = analyze(t, 0, 0);
        cr_assert_float_eq(r->p_exact, always ? 1.0 : 0.0, EPS);
        cr_assert_eq(r->n_cut_sets, (uint64_t)always);
        cr_assert_float_eq(r->p_mcub, always ? 1.0 : 0.0, EPS);
        cr_assert(!signbit(r->p_mcub));
        cr_assert_float_eq(imp(t, r, "a")->birnbaum, 0, EPS);
        fl_fta_result_free(r);
        fl_fta_tree_free(t);
    }
}

Test(fta_hand, house_events_and_rates)
{
    /* top = a or h; h false: P = p(a) with p(a) = 1 - exp(-1e-3 * 100) */
    double pa = 1 - exp(-0.1);
    for (int h = 0; h < 2; h++) {
        struct fl_fta_tree *t = new_tree();
        gate(t, "top", FL_FTA_OR, 0, "a h");
        cr_assert_eq(fl_fta_add_basic_rate(t, "a", 1e-3, 100, NULL, NULL), FL_OK);
        cr_assert_eq(fl_fta_add_house(t, "h", h, NULL, NULL), FL_OK);
        struct fl_fta_result *r = analyze(t, 0, 0);
        cr_assert_float_eq(t->events[1].p, pa, EPS);
        cr_assert_float_eq(r->p_exact, h ? 1.0 : pa, EPS);
        cr_assert_eq(r->n_cut_sets, 1);
        cr_assert_eq(r->cut_sets[0].n, h ? 0u : 1u); /* h true: the empty set is the cut set */
        fl_fta_result_free(r);
        fl_fta_tree_free(t);
    }
}

Test(fta_hand, cutoffs)
{
    /* top = c or (a and b) or (a and b and d)...: sets {c} .3, {a b} .02, {d e f} .001 */
    struct fl_fta_tree *t = new_tree();
    gate(t, "top", FL_FTA_OR, 0, "c g h");
    gate(t, "g", FL_FTA_AND, 0, "a b");
    gate(t, "h", FL_FTA_AND, 0, "d e f");
    basic(t, "a", 0.1);
    basic(t, "b", 0.2);
    basic(t, "c", 0.3);
    basic(t, "d", 0.1);
    basic(t, "e", 0.1);
    basic(t, "f", 0.1);
    static const struct {
        size_t order;
        double cutoff;
        uint64_t n;
    } cases[] = {{0, 0, 3},   {1, 0, 1},    {2, 0, 2},      {3, 0, 3},     {0, 0.01, 2},
                 {0, 0.3, 1}, {0, 0.31, 0}, {2, 0.0009, 2}, {0, 0.0009, 3}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_fta_result *r = analyze(t, cases[i].order, cases[i].cutoff);
        cr_assert_eq(r->n_cut_sets, cases[i].n, "case %zu: %llu", i,
                     (unsigned long long)r->n_cut_sets);
        cr_assert_eq(r->n_listed, cases[i].n, "case %zu", i);
        /* the exact probability never depends on the cut-offs */
        cr_assert_float_eq(r->p_exact, 1 - 0.7 * 0.98 * 0.999, EPS);
        fl_fta_result_free(r);
    }
    fl_fta_tree_free(t);
}

/* ---- validation -------------------------------------------------------------------------- */

Test(fta_check, errors)
{
    struct fl_diag d;
    /* undefined input */
    struct fl_fta_tree *t = new_tree();
    size_t g = gate(t, "top", FL_FTA_OR, 0, "a zz");
    fl_fta_set_arg_loc(t, g, 7, 9);
    basic(t, "a", 0.5);
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_tree_check(t, &d), FL_EINVAL);
    cr_assert_str_eq(d.msg, "undefined event \"zz\"");
    cr_assert_str_eq(d.field, "gates.top.inputs[1]");
    cr_assert_eq(d.line, 7);
    cr_assert_eq(d.column, 9);
    fl_fta_tree_free(t);

    /* a cycle through two gates */
    t = new_tree();
    gate(t, "top", FL_FTA_OR, 0, "g1 a");
    gate(t, "g1", FL_FTA_AND, 0, "g2 a");
    gate(t, "g2", FL_FTA_AND, 0, "g1");
    basic(t, "a", 0.5);
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_tree_check(t, &d), FL_EINVAL);
    cr_assert(strstr(d.msg, "cycle"), "%s", d.msg);
    fl_fta_tree_free(t);

    /* self reference, bad probability, bad k, arity of NOT, duplicate name */
    t = new_tree();
    gate(t, "top", FL_FTA_OR, 0, "top");
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_tree_check(t, &d), FL_EINVAL);
    cr_assert_str_eq(d.msg, "gate \"top\" uses itself as an input");
    fl_fta_tree_free(t);

    t = new_tree();
    gate(t, "top", FL_FTA_OR, 0, "a");
    basic(t, "a", 1.5);
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_tree_check(t, &d), FL_EINVAL);
    cr_assert_str_eq(d.field, "basic_events.a.probability");
    cr_assert_str_eq(d.msg, "probability must be within [0, 1], got 1.5");
    fl_fta_tree_free(t);

    t = new_tree();
    gate(t, "top", FL_FTA_ATLEAST, 3, "a b");
    basic(t, "a", 0.5);
    basic(t, "b", 0.5);
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_tree_check(t, &d), FL_EINVAL);
    cr_assert_str_eq(d.field, "gates.top.k");
    fl_fta_tree_free(t);

    t = new_tree();
    gate(t, "top", FL_FTA_NOT, 0, "a b");
    basic(t, "a", 0.5);
    basic(t, "b", 0.5);
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_tree_check(t, &d), FL_EINVAL);
    cr_assert_str_eq(d.msg, "a not gate takes exactly one input, got 2");
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_add_basic(t, "a", 0.1, NULL, &d), FL_EINVAL);
    cr_assert_str_eq(d.msg, "event \"a\" is already defined");
    fl_fta_tree_free(t);

    /* two top candidates without a named top */
    t = new_tree();
    gate(t, "t1", FL_FTA_OR, 0, "a");
    gate(t, "t2", FL_FTA_OR, 0, "a");
    basic(t, "a", 0.5);
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_tree_check(t, &d), FL_EINVAL);
    cr_assert_eq(fl_fta_set_top(t, "t2"), FL_OK);
    cr_assert_eq(fl_fta_tree_check(t, &d), FL_OK);
    size_t t2;
    cr_assert(fl_fta_find(t, "t2", &t2));
    cr_assert_eq(t->top, t2);
    fl_fta_tree_free(t);

    /* analysis refuses an unchecked tree */
    t = new_tree();
    gate(t, "top", FL_FTA_OR, 0, "a");
    basic(t, "a", 0.5);
    struct fl_fta_result *r = NULL;
    cr_assert_eq(fl_fta_analyze(t, NULL, &r, NULL), FL_EINVAL);
    fl_fta_tree_free(t);
}

/* ---- evaluation (live trees) ------------------------------------------------------------- */

Test(fta_eval, kleene)
{
    /* top = or(and(a, b), vote), vote = 2-of-3(c, d, e) */
    struct fl_fta_tree *t = new_tree();
    size_t top = gate(t, "top", FL_FTA_OR, 0, "g vote");
    size_t g = gate(t, "g", FL_FTA_AND, 0, "a b");
    size_t vote = gate(t, "vote", FL_FTA_ATLEAST, 2, "c d e");
    const char *names[] = {"a", "b", "c", "d", "e"};
    for (size_t i = 0; i < 5; i++)
        basic(t, names[i], 0.1);
    cr_assert_eq(fl_fta_tree_check(t, NULL), FL_OK);
    enum { F = FL_FTA_FALSE, T = FL_FTA_TRUE, U = FL_FTA_UNKNOWN };
    static const struct {
        unsigned char a, b, c, d, e;
        unsigned char g, vote, top;
    } cases[] = {
        {T, T, F, F, F, T, F, T}, {T, U, F, F, F, U, F, U}, {F, U, F, F, F, F, F, F},
        {U, U, T, T, F, U, T, T}, {F, F, T, U, F, F, U, U}, {F, F, T, U, U, F, U, U},
        {F, F, F, F, U, F, F, F}, {F, F, T, F, T, F, T, T}, {U, U, U, U, U, U, U, U},
    };
    unsigned char states[8], values[8];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(states, U, sizeof states);
        size_t ia, ib, ic, id, ie;
        cr_assert(fl_fta_find(t, "a", &ia) && fl_fta_find(t, "b", &ib) &&
                  fl_fta_find(t, "c", &ic) && fl_fta_find(t, "d", &id) && fl_fta_find(t, "e", &ie));
        states[ia] = cases[i].a;
        states[ib] = cases[i].b;
        states[ic] = cases[i].c;
        states[id] = cases[i].d;
        states[ie] = cases[i].e;
        cr_assert_eq(fl_fta_evaluate(t, states, false, values), FL_OK);
        cr_assert_eq(values[g], cases[i].g, "case %zu: g", i);
        cr_assert_eq(values[vote], cases[i].vote, "case %zu: vote", i);
        cr_assert_eq(values[top], cases[i].top, "case %zu: top", i);
    }
    /* which cut sets hold: c and d true -> exactly {c d} */
    struct fl_fta_result *r = analyze(t, 0, 0);
    memset(states, F, sizeof states);
    size_t ic, id;
    cr_assert(fl_fta_find(t, "c", &ic) && fl_fta_find(t, "d", &id));
    states[ic] = states[id] = T;
    cr_assert_eq(fl_fta_evaluate(t, states, false, values), FL_OK);
    bool sat[8];
    cr_assert_eq(r->n_listed, 4);
    fl_fta_cut_sets_satisfied(r, values, sat);
    size_t n_sat = 0;
    for (size_t s = 0; s < r->n_listed; s++)
        if (sat[s]) {
            n_sat++;
            cr_assert_str_eq(set_str(t, r, s), "c d");
        }
    cr_assert_eq(n_sat, 1);
    fl_fta_result_free(r);
    fl_fta_tree_free(t);
}

Test(fta_eval, xor_not_house)
{
    struct fl_fta_tree *t = new_tree();
    size_t top = gate(t, "top", FL_FTA_XOR, 0, "a n h");
    size_t n = gate(t, "n", FL_FTA_NOT, 0, "b");
    basic(t, "a", 0.1);
    basic(t, "b", 0.1);
    size_t h;
    cr_assert_eq(fl_fta_add_house(t, "h", true, &h, NULL), FL_OK);
    cr_assert_eq(fl_fta_tree_check(t, NULL), FL_OK);
    unsigned char states[5] = {0}, values[5];
    size_t ia, ib;
    cr_assert(fl_fta_find(t, "a", &ia) && fl_fta_find(t, "b", &ib));
    states[ia] = FL_FTA_TRUE;
    states[ib] = FL_FTA_FALSE;
    /* a xor (not b) xor h = 1 xor 1 xor 1 = 1 */
    cr_assert_eq(fl_fta_evaluate(t, states, false, values), FL_OK);
    cr_assert_eq(values[n], FL_FTA_TRUE);
    cr_assert_eq(values[top], FL_FTA_TRUE);
    /* overriding the house event to false: 1 xor 1 xor 0 = 0 */
    states[h] = FL_FTA_FALSE;
    cr_assert_eq(fl_fta_evaluate(t, states, true, values), FL_OK);
    cr_assert_eq(values[top], FL_FTA_FALSE);
    states[ib] = FL_FTA_UNKNOWN;
    cr_assert_eq(fl_fta_evaluate(t, states, true, values), FL_OK);
    cr_assert_eq(values[n], FL_FTA_UNKNOWN);
    cr_assert_eq(values[top], FL_FTA_UNKNOWN);
    fl_fta_tree_free(t);
}

/* ---- allocation failures: every failure point gives FL_ENOMEM, never a crash -------------- */

#include "core/alloc.h"

Test(fta_alloc, every_failure_point)
{
    static const char yaml[] =
        "gates:\n"
        "  top: {type: or, inputs: [g, c, x]}\n"
        "  g: {type: atleast, k: 2, inputs: [a, b, c]}\n"
        "  x: {type: xor, inputs: [a, d]}\n"
        "basic_events: {a: 0.1, b: 0.2, c: 0.3, d: {lambda: 1, mission_time: 2}}\n";
    size_t failures = 0;
    for (long n = 0;; n++) {
        struct fl_fta_tree *t = NULL;
        struct fl_fta_result *r = NULL;
        fl_alloc_fail_after(n);
        fl_err e = fl_fta_tree_new(NULL, &t);
        if (!e)
            e = fl_fta_load_yaml(t, yaml, sizeof yaml - 1, "t.yml", NULL);
        if (!e)
            e = fl_fta_analyze(t, NULL, &r, NULL);
        fl_alloc_fail_after(-1);
        fl_fta_result_free(r);
        fl_fta_tree_free(t);
        if (e == FL_OK) {
            cr_assert_gt(n, 10);
            break;
        }
        cr_assert_eq(e, FL_ENOMEM, "n = %ld: %s", n, fl_err_name(e));
        failures++;
        cr_assert_lt(n, 100000);
    }
    cr_assert_gt(failures, 10);
}

/* ---- scale: deep chains must not overflow the stack; caps give errors, not crashes -------- */

Test(fta_scale, deep_chains_and_caps)
{
    /* g_i = and / or (e_i, g_{i-1}) alternating over 10,000 basic events (the variable cap); the
     * top g9999 = e9999 or (e9998 and (e9997 or (e9996 and ...))): with order <= 3 the cut sets
     * are {e9999}, {e9998 e9997}, {e9998 e9996 e9995} */
    enum { N = 10000 };
    struct fl_fta_tree *t = new_tree();
    char name[32], arg[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "e%d", i);
        basic(t, name, 1e-5);
        size_t g;
        snprintf(name, sizeof name, "g%d", i);
        cr_assert_eq(fl_fta_add_gate(t, name, i % 2 ? FL_FTA_OR : FL_FTA_AND, 0, &g, NULL), FL_OK);
        snprintf(arg, sizeof arg, "e%d", i);
        cr_assert_eq(fl_fta_gate_arg(t, g, arg), FL_OK);
        if (i) {
            snprintf(arg, sizeof arg, "g%d", i - 1);
            cr_assert_eq(fl_fta_gate_arg(t, g, arg), FL_OK);
        }
    }
    struct fl_fta_result *r = analyze(t, 3, 0);
    cr_assert_eq(r->n_basic, N);
    cr_assert_float_eq(r->p_exact, 1e-5 + (1 - 1e-5) * 1e-5 * (1e-5 + (1 - 1e-5) * 1e-5 * 1e-5),
                       1e-18);
    cr_assert_eq(r->n_cut_sets, 3);
    cr_assert_eq(r->by_order[1] + r->by_order[2] * 10 + r->by_order[3] * 100, 111);
    fl_fta_result_free(r);
    /* one more basic event under the top is over the cap */
    basic(t, "extra", 0.5);
    size_t top;
    cr_assert_eq(fl_fta_add_gate(t, "top", FL_FTA_OR, 0, &top, NULL), FL_OK);
    cr_assert_eq(fl_fta_gate_arg(t, top, "extra"), FL_OK);
    snprintf(arg, sizeof arg, "g%d", N - 1);
    cr_assert_eq(fl_fta_gate_arg(t, top, arg), FL_OK);
    cr_assert_eq(fl_fta_tree_check(t, NULL), FL_OK);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_analyze(t, NULL, &r, &d), FL_ELIMIT);
    cr_assert_str_eq(d.msg, "more than 10000 basic events under the top");
    fl_fta_tree_free(t);

    /* a chain of 200,000 pass-through gates over two events: check and evaluate iterate */
    t = new_tree();
    basic(t, "a", 0.3);
    for (int i = 0; i < 200000; i++) {
        size_t g;
        snprintf(name, sizeof name, "n%d", i);
        cr_assert_eq(fl_fta_add_gate(t, name, FL_FTA_NOT, 0, &g, NULL), FL_OK);
        snprintf(arg, sizeof arg, i ? "n%d" : "a", i - 1);
        cr_assert_eq(fl_fta_gate_arg(t, g, arg), FL_OK);
    }
    r = analyze(t, 0, 0);
    cr_assert_float_eq(r->p_exact, 0.3, EPS); /* an even number of negations: a itself */
    cr_assert_eq(r->bdd_nodes, 3);            /* the node of a and the two terminals */
    cr_assert_eq(r->n_cut_sets, 1);
    fl_fta_result_free(r);
    /* with complement edges a negation costs no node, so the chain fits in a tiny store */
    struct fl_fta_opts o;
    fl_fta_opts_default(&o);
    o.max_bdd_nodes = 3;
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_analyze(t, &o, &r, &d), FL_OK);
    cr_assert_float_eq(r->p_exact, 0.3, EPS);
    fl_fta_result_free(r);
    fl_fta_tree_free(t);

    /* a node cap far below what the tree needs: four events need four BDD nodes */
    t = new_tree();
    basic(t, "a", 0.1);
    basic(t, "b", 0.2);
    basic(t, "c", 0.3);
    basic(t, "d", 0.4);
    gate(t, "top", FL_FTA_OR, 0, "a b c d");
    cr_assert_eq(fl_fta_set_top(t, "top"), FL_OK);
    cr_assert_eq(fl_fta_tree_check(t, NULL), FL_OK);
    fl_diag_init(&d);
    cr_assert_eq(fl_fta_analyze(t, &o, &r, &d), FL_ELIMIT);
    cr_assert(strstr(d.msg, "more than 3 nodes"), "%s", d.msg);
    o.max_bdd_nodes = 0; /* the default cap */
    cr_assert_eq(fl_fta_analyze(t, &o, &r, &d), FL_OK);
    cr_assert_float_eq(r->p_exact, 1 - 0.9 * 0.8 * 0.7 * 0.6, EPS);
    fl_fta_result_free(r);
    fl_fta_tree_free(t);
}
