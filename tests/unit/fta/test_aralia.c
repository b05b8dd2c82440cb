/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_aralia.c: results on the Aralia benchmark trees (tests/fixtures/fta/aralia/, provenance in
 * its README.md) against the published values: the top-event probability to the published
 * digits, the number of minimal cut sets and their distribution by order exactly, under the same
 * order limit when the published figure uses one. The published figures are from SCRAM's test
 * suite (rakhimov/scram, tests/bench_*_tests.cc and tests/performance_tests.cc).
 */
#include <criterion/criterion.h>
#include <math.h>

#include "fta/fta.h"

#define DIR "tests/fixtures/fta/aralia/"

struct published {
    const char *name;
    const char *files[2];
    size_t max_order;      /* 0 = none */
    double p_exact, p_tol; /* NAN = not published */
    double p_rare, rare_tol;
    uint64_t n_cut_sets;
    uint64_t by_order[12]; /* by_order[k] = sets of k events */
    bool coherent;
};

static const struct published cases[] = {
    /* bench_chinese_tree_tests.cc: 0.0045691 (BDD), 0.004804 (rare event), 392 products */
    /* (published with SCRAM's tolerance 1e-5; the exact value is checked below) */
    {"chinese",
     {DIR "chinese.xml", DIR "chinese-basic-events.xml"},
     0,
     0.0045691,
     1e-5,
     0.004804,
     1e-6,
     392,
     {0, 0, 12, 0, 24, 188, 168},
     true},
    /* bench_baobab1_tests.cc: 1.2823e-6 (BDD), 1.6815e-6 (rare event), 46188 products */
    {"baobab1",
     {DIR "baobab1.xml", DIR "baobab1-basic-events.xml"},
     0,
     1.2823e-6,
     1e-10,
     1.6815e-6,
     1e-10,
     46188,
     {0, 0, 1, 1, 70, 400, 2212, 14748, 8460, 10624, 6600, 3072},
     true},
    /* bench_baobab1_tests.cc Baobab1L8: 25892 with order <= 8 */
    {"baobab1 L8",
     {DIR "baobab1.xml", DIR "baobab1-basic-events.xml"},
     8,
     NAN,
     0,
     NAN,
     0,
     25892,
     {0, 0, 1, 1, 70, 400, 2212, 14748, 8460},
     true},
    /* performance_tests.cc Baobab1_L7 17432, Baobab1_L6 2684; Baobab1L4Importance: 72 */
    {"baobab1 L7",
     {DIR "baobab1.xml", DIR "baobab1-basic-events.xml"},
     7,
     NAN,
     0,
     NAN,
     0,
     17432,
     {0, 0, 1, 1, 70, 400, 2212, 14748},
     true},
    {"baobab1 L6",
     {DIR "baobab1.xml", DIR "baobab1-basic-events.xml"},
     6,
     NAN,
     0,
     NAN,
     0,
     2684,
     {0, 0, 1, 1, 70, 400, 2212},
     true},
    {"baobab1 L4",
     {DIR "baobab1.xml", DIR "baobab1-basic-events.xml"},
     4,
     NAN,
     0,
     NAN,
     0,
     72,
     {0, 0, 1, 1, 70},
     true},
    /* bench_baobab2_tests.cc: 4805 products; with order <= 3: 127 (6 + 121) */
    {"baobab2",
     {DIR "baobab2.xml", NULL},
     0,
     NAN,
     0,
     NAN,
     0,
     4805,
     {0, 0, 6, 121, 268, 630, 3780},
     true},
    {"baobab2 L3", {DIR "baobab2.xml", NULL}, 3, NAN, 0, NAN, 0, 127, {0, 0, 6, 121}, true},
    /* the same published counts on SCRAM's own copy of baobab2 (other probabilities) */
    {"baobab2 scram",
     {DIR "baobab2-scram.xml", DIR "baobab2-scram-basic-events.xml"},
     0,
     NAN,
     0,
     NAN,
     0,
     4805,
     {0, 0, 6, 121, 268, 630, 3780},
     true},
    /* bench_CEA9601_tests.cc (CEA9601_Test_BDD): order <= 4: 54436 products, 1144 of order 3
     * and 53292 of order 4, P = 2.38155e-6 (tolerance 1e-10); CEA9601_Test_ZBDD: order <= 3:
     * 1144. Non-coherent (30 NOT gates). */
    {"CEA9601 L4",
     {DIR "CEA9601.xml", DIR "CEA9601-basic-events.xml"},
     4,
     2.38155e-6,
     1e-10,
     NAN,
     0,
     54436,
     {0, 0, 0, 1144, 53292},
     false},
    {"CEA9601 L3",
     {DIR "CEA9601.xml", DIR "CEA9601-basic-events.xml"},
     3,
     2.38155e-6,
     1e-10,
     NAN,
     0,
     1144,
     {0, 0, 0, 1144},
     false},
};

Test(fta_aralia, published_values)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct published *c = &cases[i];
        struct fl_fta_tree *t = NULL;
        struct fl_diag d;
        fl_diag_init(&d);
        const char *const files[2] = {c->files[0], c->files[1]};
        cr_assert_eq(fl_fta_load_files(files, c->files[1] ? 2 : 1, &t, &d), FL_OK, "%s: %s",
                     c->name, d.msg);
        struct fl_fta_opts o;
        fl_fta_opts_default(&o);
        o.max_order = c->max_order;
        struct fl_fta_result *r = NULL;
        cr_assert_eq(fl_fta_analyze(t, &o, &r, &d), FL_OK, "%s: %s", c->name, d.msg);
        cr_assert_eq(r->coherent, c->coherent, "%s", c->name);
        if (!isnan(c->p_exact))
            cr_assert_float_eq(r->p_exact, c->p_exact, c->p_tol, "%s: %.9g", c->name, r->p_exact);
        if (!isnan(c->p_rare))
            cr_assert_float_eq(r->p_rare, c->p_rare, c->rare_tol, "%s: %.9g", c->name, r->p_rare);
        cr_assert_eq(r->n_cut_sets, c->n_cut_sets, "%s: %llu", c->name,
                     (unsigned long long)r->n_cut_sets);
        for (size_t k = 0; k < 12; k++) {
            uint64_t got = k <= r->max_order_seen ? r->by_order[k] : 0;
            cr_assert_eq(got, c->by_order[k], "%s: order %zu: %llu", c->name, k,
                         (unsigned long long)got);
        }
        cr_assert_eq(r->n_listed, r->n_cut_sets);
        fl_fta_result_free(r);
        fl_fta_tree_free(t);
    }
}

/* The Chinese tree's exact probability by enumerating all 2^25 states with NumPy
 * (chinese_bruteforce.py in the fixture directory prints 0.004569321780497463). */
Test(fta_aralia, chinese_exact_by_enumeration)
{
    const char *const files[2] = {DIR "chinese.xml", DIR "chinese-basic-events.xml"};
    struct fl_fta_tree *t = NULL;
    cr_assert_eq(fl_fta_load_files(files, 2, &t, NULL), FL_OK);
    struct fl_fta_result *r = NULL;
    cr_assert_eq(fl_fta_analyze(t, NULL, &r, NULL), FL_OK);
    cr_assert_float_eq(r->p_exact, 0.004569321780497463, 1e-15, "%.17g", r->p_exact);
    fl_fta_result_free(r);
    fl_fta_tree_free(t);
}

/*
 * Cross-check with another tool (not published values): SCRAM 0.16.2 (Debian package `scram`)
 * run on the same fixture files on 2026-11-26, `scram --bdd --probability 1 [-l N] FILES`; its
 * report prints probabilities to 6 significant digits.
 */
Test(fta_aralia, same_as_scram_0_16_2)
{
    static const struct published anchor[] = {
        {"chinese",
         {DIR "chinese.xml", DIR "chinese-basic-events.xml"},
         0,
         0.00456932,
         5e-9,
         NAN,
         0,
         392,
         {0, 0, 12, 0, 24, 188, 168},
         true},
        {"baobab2",
         {DIR "baobab2.xml", NULL},
         0,
         0.000713018,
         5e-10,
         NAN,
         0,
         4805,
         {0, 0, 6, 121, 268, 630, 3780},
         true},
        {"baobab2 scram",
         {DIR "baobab2-scram.xml", DIR "baobab2-scram-basic-events.xml"},
         0,
         0.0208686,
         5e-8,
         NAN,
         0,
         4805,
         {0, 0, 6, 121, 268, 630, 3780},
         true},
        {"das9201",
         {DIR "das9201.xml", NULL},
         0,
         0.0134237,
         5e-8,
         NAN,
         0,
         14217,
         {0, 0, 82, 9740, 2881, 1246, 254, 14},
         true},
    };
    for (size_t i = 0; i < sizeof anchor / sizeof anchor[0]; i++) {
        const struct published *c = &anchor[i];
        struct fl_fta_tree *t = NULL;
        const char *const files[2] = {c->files[0], c->files[1]};
        cr_assert_eq(fl_fta_load_files(files, c->files[1] ? 2 : 1, &t, NULL), FL_OK, "%s", c->name);
        struct fl_fta_result *r = NULL;
        cr_assert_eq(fl_fta_analyze(t, NULL, &r, NULL), FL_OK, "%s", c->name);
        cr_assert_float_eq(r->p_exact, c->p_exact, c->p_tol, "%s: %.9g", c->name, r->p_exact);
        cr_assert_eq(r->n_cut_sets, c->n_cut_sets, "%s", c->name);
        for (size_t k = 0; k < 12; k++)
            cr_assert_eq(k <= r->max_order_seen ? r->by_order[k] : 0, c->by_order[k], "%s: %zu",
                         c->name, k);
        fl_fta_result_free(r);
        fl_fta_tree_free(t);
    }
}
