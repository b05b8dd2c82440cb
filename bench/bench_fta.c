/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_fta.c: fault-tree analysis time on published benchmark trees (issue 6, item 8: minimal
 * cut sets and exact probability of large published trees, each in under one second).
 *
 * Trees: the Aralia benchmark trees in tests/fixtures/fta/aralia/ (provenance in its README.md):
 * chinese, baobab1, baobab2, das9201, and CEA9601 (201 gates, 186 basic events, non-coherent)
 * with its published order limit of 4; then a synthetic coherent tree with fixed seed (600 basic
 * events, 400 gates: AND/OR/2-of-3 over recent gates and nearby basic events) analyzed with an
 * order cut-off of 4, the regime where the cut-offs matter. Every run computes the BDD, the exact
 * probability, all importance measures and every minimal cut set (listed, sorted), as `faultline
 * fta analyze` does.
 *
 * One machine-readable line per tree: bench=fta_<tree>, the tree's size, the results (so a
 * regression in correctness shows next to the time), load_ms (parse + check, best of 5) and
 * analyze_ms / analyze_cpu_ms (best of 5, wall and process CPU). goal_ms=1000.
 * Usage: bench_fta (from the repository root)
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fta/fta.h"

#define REPEAT 5
#define DIR "tests/fixtures/fta/aralia/"

static double now_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* 600 basic events, 400 gates; gate i draws 2..4 inputs among the 60 nodes before it. */
static fl_err synthetic(struct fl_fta_tree **out)
{
    enum { NB = 600, NG = 400 };
    struct fl_fta_tree *t = NULL;
    fl_err e = fl_fta_tree_new("synthetic", &t);
    char name[32], arg[32];
    for (int i = 0; i < NB && !e; i++) {
        snprintf(name, sizeof name, "e%d", i);
        e = fl_fta_add_basic(t, name, (1 + rnd(100)) * 1e-4, NULL, NULL);
    }
    for (int g = 0; g < NG && !e; g++) {
        size_t idx;
        static const enum fl_fta_gate_type ty[] = {FL_FTA_OR, FL_FTA_OR, FL_FTA_AND,
                                                   FL_FTA_ATLEAST};
        enum fl_fta_gate_type type = g == NG - 1 ? FL_FTA_OR : ty[rnd(4)];
        int n = type == FL_FTA_ATLEAST ? 3 : 2 + (int)rnd(3);
        snprintf(name, sizeof name, "g%d", g);
        e = fl_fta_add_gate(t, name, type, type == FL_FTA_ATLEAST ? 2 : 0, &idx, NULL);
        for (int a = 0; a < n && !e; a++) {
            /* half the inputs are one of the 20 gates before, half nearby basic events, so that
             * subtrees share events (the hard case for cut sets) */
            if (g > 0 && (a == 0 || rnd(2)))
                snprintf(arg, sizeof arg, "g%d", g - 1 - (int)rnd(g < 20 ? (uint32_t)g : 20));
            else
                snprintf(arg, sizeof arg, "e%d", (g * NB / NG + (int)rnd(12)) % NB);
            e = fl_fta_gate_arg(t, idx, arg);
        }
    }
    if (!e)
        e = fl_fta_set_top(t, "g399");
    /* gates no one uses are fine: the analysis only looks below the top */
    if (!e)
        e = fl_fta_tree_check(t, NULL);
    if (e) {
        fl_fta_tree_free(t);
        return e;
    }
    *out = t;
    return FL_OK;
}

static void run(const char *label, const char *const *files, size_t n_files, size_t max_order)
{
    struct fl_fta_tree *t = NULL;
    struct fl_diag d;
    double best_load = 1e9;
    for (int r = 0; r < REPEAT; r++) {
        fl_diag_init(&d);
        fl_fta_tree_free(t);
        t = NULL;
        double t0 = now_s(CLOCK_MONOTONIC);
        fl_err e = files ? fl_fta_load_files(files, n_files, &t, &d) : synthetic(&t);
        double dt = now_s(CLOCK_MONOTONIC) - t0;
        if (e) {
            char m[512];
            fl_diag_format(&d, m, sizeof m);
            printf("bench=fta_%s error=\"%s\"\n", label, m);
            return;
        }
        if (dt < best_load)
            best_load = dt;
    }
    struct fl_fta_opts o;
    fl_fta_opts_default(&o);
    o.max_order = max_order;
    double best = 1e9, best_cpu = 1e9;
    struct fl_fta_result *res = NULL;
    for (int r = 0; r < REPEAT; r++) {
        fl_fta_result_free(res);
        res = NULL;
        double w0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
        fl_err e = fl_fta_analyze(t, &o, &res, &d);
        double w = now_s(CLOCK_MONOTONIC) - w0, c = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        if (e) {
            printf("bench=fta_%s error=%s\n", label, fl_err_name(e));
            fl_fta_tree_free(t);
            return;
        }
        if (w < best)
            best = w;
        if (c < best_cpu)
            best_cpu = c;
    }
    printf("bench=fta_%s basic=%zu gates=%zu max_order=%zu bdd_nodes=%zu p_exact=%.6g mcs=%llu "
           "load_ms=%.2f analyze_ms=%.2f analyze_cpu_ms=%.2f goal_ms=1000\n",
           label, res->n_basic, res->n_gates, max_order, res->bdd_nodes, res->p_exact,
           (unsigned long long)res->n_cut_sets, best_load * 1e3, best * 1e3, best_cpu * 1e3);
    fl_fta_result_free(res);
    fl_fta_tree_free(t);
}

int main(void)
{
    static const char *const chinese[] = {DIR "chinese.xml", DIR "chinese-basic-events.xml"};
    static const char *const baobab1[] = {DIR "baobab1.xml", DIR "baobab1-basic-events.xml"};
    static const char *const baobab2[] = {DIR "baobab2.xml"};
    static const char *const das9201[] = {DIR "das9201.xml"};
    static const char *const cea9601[] = {DIR "CEA9601.xml", DIR "CEA9601-basic-events.xml"};
    run("chinese", chinese, 2, 0);
    run("baobab1", baobab1, 2, 0);
    run("baobab2", baobab2, 1, 0);
    run("das9201", das9201, 1, 0);
    run("cea9601_L4", cea9601, 2, 4);
    run("synthetic_600x400_L4", NULL, 0, 4);
    return 0;
}
