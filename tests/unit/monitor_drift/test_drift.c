// SPDX-License-Identifier: Apache-2.0
/*
 * test_drift.c: drift from profiles. Golden checks of every exact statistic against SciPy 1.10
 * (scripts/gen-drift-golden.py), sketch statistics within the bounds the rows state, each method
 * on identical and shifted data, the method selector table, per-feature overrides, null-rate and
 * new-category rows, missing and new features, adaptive thresholds, the options file, and the
 * three renderings.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "drift_util.h"
#include "golden/drift_golden.h"
#include "monitor/drift.h"
#include "stats/divergence.h"
#include "stats/ks.h"
#include "stats/mwu.h"

/* Run one method on feature "x" of two sets; returns the report (caller frees). */
static struct fl_drift_report *run_method(const struct fl_profile_set *r,
                                          const struct fl_profile_set *c, enum fl_drift_method m,
                                          size_t bins, double js_base)
{
    struct fl_drift_opts o;
    struct fl_drift_feature_opts *f;
    fl_drift_opts_init(&o);
    o.js_base = js_base;
    cr_assert_eq(fl_drift_opts_feature(&o, "x", &f), FL_OK);
    f->method = m;
    f->bins = bins;
    struct fl_drift_report *rep = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_drift_compare(r, c, &o, &rep, &d), FL_OK, "%s: %s", fl_drift_method_name(m),
                 d.msg);
    fl_drift_opts_cleanup(&o);
    return rep;
}

static const struct fl_drift_row *dist_row(const struct fl_drift_report *r)
{
    const struct fl_drift_row *w = find_row(r, "x", FL_DRIFT_CHECK_DISTRIBUTION);
    cr_assert(w);
    return w;
}

static void expect_stat(const struct fl_profile_set *r, const struct fl_profile_set *c,
                        enum fl_drift_method m, size_t bins, double base, double want_stat,
                        double want_p, double rtol, const char *name)
{
    struct fl_drift_report *rep = run_method(r, c, m, bins, base);
    const struct fl_drift_row *w = dist_row(rep);
    cr_expect(w->exact, "%s %s: not exact", name, fl_drift_method_name(m));
    cr_expect(close_rel(w->statistic, want_stat, rtol), "%s %s: statistic %.17g, SciPy %.17g", name,
              fl_drift_method_name(m), w->statistic, want_stat);
    if (!isnan(want_p))
        cr_expect(close_rel(w->pvalue, want_p, 1e-8), "%s %s: p %.17g, SciPy %.17g", name,
                  fl_drift_method_name(m), w->pvalue, want_p);
    fl_drift_report_free(rep);
}

Test(drift_golden, numerical_against_scipy)
{
    for (size_t i = 0; i < N_OF(g_num); i++) {
        const struct g_num *g = &g_num[i];
        double *a = gen_sample(g->seed_r, g->n_r, g->scale_r, g->shift_r, g->quant);
        double *b = gen_sample(g->seed_c, g->n_c, g->scale_c, g->shift_c, g->quant);
        struct fl_profile_set *r = new_set(), *c = new_set();
        set_add_numbers(r, "x", 0, a, g->n_r);
        set_add_numbers(c, "x", 0, b, g->n_c);
        expect_stat(r, c, FL_DRIFT_KS, 0, 0, g->ks_d, g->ks_p, 1e-12, g->name);
        expect_stat(r, c, FL_DRIFT_MWU, 0, 0, g->mwu_u, g->mwu_p, 1e-12, g->name);
        expect_stat(r, c, FL_DRIFT_WASSERSTEIN, 0, 0, g->wass, NAN, 1e-12, g->name);
        expect_stat(r, c, FL_DRIFT_PSI, g->bins, 0, g->psi, NAN, 1e-10, g->name);
        expect_stat(r, c, FL_DRIFT_KL, g->bins, 0, g->kl, NAN, 1e-10, g->name);
        expect_stat(r, c, FL_DRIFT_JS, g->bins, FL_DIVERGENCE_NATS, g->js_e, NAN, 1e-10, g->name);
        expect_stat(r, c, FL_DRIFT_JS, g->bins, 2.0, g->js_2, NAN, 1e-10, g->name);
        expect_stat(r, c, FL_DRIFT_HELLINGER, g->bins, 0, g->hell, NAN, 1e-10, g->name);
        expect_stat(r, c, FL_DRIFT_CHI2, g->bins, 0, g->chi2, g->chi2_p, 1e-10, g->name);
        struct fl_drift_report *rep = run_method(r, c, FL_DRIFT_PSI, g->bins, 0);
        cr_expect_eq(dist_row(rep)->bins, g->n_bins, "%s: %zu bins, numpy %u", g->name,
                     dist_row(rep)->bins, g->n_bins);
        fl_drift_report_free(rep);
        fl_profile_set_free(r);
        fl_profile_set_free(c);
        free(a);
        free(b);
    }
}

Test(drift_golden, categorical_against_scipy)
{
    for (size_t i = 0; i < N_OF(g_cat); i++) {
        const struct g_cat *g = &g_cat[i];
        struct fl_profile_set *r = new_set(), *c = new_set();
        set_add_categories(r, "x", g->ref, g->k);
        set_add_categories(c, "x", g->cur, g->k);
        expect_stat(r, c, FL_DRIFT_CHI2, 0, 0, g->chi2, g->chi2_p, 1e-10, g->name);
        if (g->k == 2)
            expect_stat(r, c, FL_DRIFT_ZTEST, 0, 0, g->z, g->z_p, 1e-10, g->name);
        expect_stat(r, c, FL_DRIFT_PSI, 0, 0, g->psi, NAN, 1e-10, g->name);
        expect_stat(r, c, FL_DRIFT_KL, 0, 0, g->kl, NAN, 1e-10, g->name);
        expect_stat(r, c, FL_DRIFT_JS, 0, FL_DIVERGENCE_NATS, g->js_e, NAN, 1e-10, g->name);
        expect_stat(r, c, FL_DRIFT_JS, 0, 2.0, g->js_2, NAN, 1e-10, g->name);
        expect_stat(r, c, FL_DRIFT_HELLINGER, 0, 0, g->hell, NAN, 1e-10, g->name);
        fl_profile_set_free(r);
        fl_profile_set_free(c);
    }
}

Test(drift_golden, same_answer_after_serialization)
{
    const struct g_num *g = &g_num[1];
    double *a = gen_sample(g->seed_r, g->n_r, g->scale_r, g->shift_r, g->quant);
    double *b = gen_sample(g->seed_c, g->n_c, g->scale_c, g->shift_c, g->quant);
    struct fl_profile_set *r = new_set(), *c = new_set(), *r2 = NULL;
    set_add_numbers(r, "x", 0, a, g->n_r);
    set_add_numbers(c, "x", 0, b, g->n_c);
    struct fl_buf buf;
    fl_buf_init(&buf, 1u << 24);
    cr_assert_eq(fl_profile_set_serialize(r, &buf), FL_OK);
    cr_assert_eq(fl_profile_set_deserialize(buf.data, buf.len, &r2, NULL), FL_OK);
    expect_stat(r2, c, FL_DRIFT_KS, 0, 0, g->ks_d, g->ks_p, 1e-12, "serialized");
    expect_stat(r2, c, FL_DRIFT_PSI, g->bins, 0, g->psi, NAN, 1e-10, "serialized");
    fl_buf_cleanup(&buf);
    fl_profile_set_free(r);
    fl_profile_set_free(r2);
    fl_profile_set_free(c);
    free(a);
    free(b);
}

Test(drift_sketch, approximations_within_stated_bounds)
{
    const size_t n = 20000;
    for (int shift = 0; shift < 3; shift++) {
        double *a = gen_normal(1000 + (uint64_t)shift, n, 0, 1);
        double *b = gen_normal(2000 + (uint64_t)shift, n, 0.15 * shift, 1 + 0.1 * shift);
        struct fl_profile_set *r = new_set(), *c = new_set();
        set_add_numbers(r, "x", 0, a, n);
        set_add_numbers(c, "x", 0, b, n);
        struct fl_ks_result ks;
        cr_assert_eq(fl_ks_two_sample(a, n, b, n, FL_KS_AUTO, &ks), FL_OK);
        struct fl_wasserstein_result ws;
        cr_assert_eq(fl_divergence_wasserstein_normalized(a, n, b, n, 0.001, &ws), FL_OK);
        struct fl_mwu_result mw;
        cr_assert_eq(fl_mwu_test(a, n, b, n, FL_MWU_TWO_SIDED, FL_MWU_AUTO, 1, &mw), FL_OK);
        struct {
            enum fl_drift_method m;
            double exact;
        } cases[] = {
            {FL_DRIFT_KS, ks.d}, {FL_DRIFT_WASSERSTEIN, ws.normalized}, {FL_DRIFT_MWU, mw.u}};
        for (size_t i = 0; i < N_OF(cases); i++) {
            struct fl_drift_report *rep = run_method(r, c, cases[i].m, 0, 0);
            const struct fl_drift_row *w = dist_row(rep);
            cr_expect(!w->exact);
            cr_expect(w->error_bound > 0);
            cr_expect(fabs(w->statistic - cases[i].exact) <= w->error_bound,
                      "%s shift %d: sketch %.8g, exact %.8g, bound %.3g",
                      fl_drift_method_name(cases[i].m), shift, w->statistic, cases[i].exact,
                      w->error_bound);
            if (cases[i].m == FL_DRIFT_KS)
                cr_expect((w->pvalue <= 0.05) == (ks.pvalue <= 0.05), "ks decision differs");
            fl_drift_report_free(rep);
        }
        fl_profile_set_free(r);
        fl_profile_set_free(c);
        free(a);
        free(b);
    }
}

Test(drift_sketch, sketch_error_alone_raises_no_alarm)
{
    /* At 300,000 values per side the 5% critical D (0.0035) is below the sketch bound (0.0054):
     * the p-value is taken for D minus the bound, so identical distributions never alarm. */
    const size_t n = 300000;
    const uint64_t seeds[][2] = {{1, 2}, {3, 4}, {5, 6}};
    for (size_t i = 0; i < N_OF(seeds); i++) {
        double *a = gen_normal(seeds[i][0], n, 0, 1), *b = gen_normal(seeds[i][1], n, 0, 1);
        struct fl_profile_set *r = new_set(), *c = new_set();
        set_add_numbers(r, "x", 0, a, n);
        set_add_numbers(c, "x", 0, b, n);
        struct fl_drift_report *q = run_method(r, c, FL_DRIFT_KS, 0, 0);
        cr_expect(!dist_row(q)->drifted, "seeds %zu: D %g p %g", i, dist_row(q)->statistic,
                  dist_row(q)->pvalue);
        fl_drift_report_free(q);
        q = run_method(r, c, FL_DRIFT_MWU, 0, 0);
        cr_expect(!dist_row(q)->drifted, "seeds %zu: mwu p %g", i, dist_row(q)->pvalue);
        fl_drift_report_free(q);
        fl_profile_set_free(r);
        fl_profile_set_free(c);
        free(a);
        free(b);
    }
}

Test(drift_methods, identical_not_drifted_shifted_drifted)
{
    /* Exact (500 values) and sketch (5000 values) paths. */
    const size_t sizes[] = {500, 5000};
    const enum fl_drift_method ms[] = {FL_DRIFT_KS,  FL_DRIFT_MWU, FL_DRIFT_WASSERSTEIN,
                                       FL_DRIFT_PSI, FL_DRIFT_JS,  FL_DRIFT_HELLINGER,
                                       FL_DRIFT_KL,  FL_DRIFT_CHI2};
    for (size_t s = 0; s < N_OF(sizes); s++) {
        size_t n = sizes[s];
        double *a = gen_normal(11, n, 10, 2), *same = gen_normal(12, n, 10, 2);
        double *moved = gen_normal(13, n, 11.5, 2);
        struct fl_profile_set *r = new_set(), *c1 = new_set(), *c2 = new_set();
        set_add_numbers(r, "x", 0, a, n);
        set_add_numbers(c1, "x", 0, same, n);
        set_add_numbers(c2, "x", 0, moved, n);
        for (size_t i = 0; i < N_OF(ms); i++) {
            struct fl_drift_report *q1 = run_method(r, c1, ms[i], 10, 0);
            struct fl_drift_report *q2 = run_method(r, c2, ms[i], 10, 0);
            cr_expect(!dist_row(q1)->drifted, "n %zu %s: identical drifted (%g)", n,
                      fl_drift_method_name(ms[i]), dist_row(q1)->score);
            cr_expect(dist_row(q2)->drifted, "n %zu %s: shift not drifted (%g)", n,
                      fl_drift_method_name(ms[i]), dist_row(q2)->score);
            cr_expect_eq(dist_row(q1)->exact, n <= 1024);
            cr_expect_eq(q1->n_drifted, 0);
            cr_expect_eq(q2->n_drifted, 1);
            fl_drift_report_free(q1);
            fl_drift_report_free(q2);
        }
        fl_profile_set_free(r);
        fl_profile_set_free(c1);
        fl_profile_set_free(c2);
        free(a);
        free(same);
        free(moved);
    }
    /* Categorical: z-test on a binary feature. */
    const unsigned ref[] = {700, 300}, same[] = {705, 295}, moved[] = {550, 450};
    struct fl_profile_set *r = new_set(), *c1 = new_set(), *c2 = new_set();
    set_add_categories(r, "x", ref, 2);
    set_add_categories(c1, "x", same, 2);
    set_add_categories(c2, "x", moved, 2);
    struct fl_drift_report *q1 = run_method(r, c1, FL_DRIFT_ZTEST, 0, 0);
    struct fl_drift_report *q2 = run_method(r, c2, FL_DRIFT_ZTEST, 0, 0);
    cr_expect(!dist_row(q1)->drifted);
    cr_expect(dist_row(q2)->drifted);
    fl_drift_report_free(q1);
    fl_drift_report_free(q2);
    fl_profile_set_free(r);
    fl_profile_set_free(c1);
    fl_profile_set_free(c2);
}

/* Values 0 .. n_unique-1 repeated to n. */
static double *cycle(size_t n, size_t n_unique, double offset)
{
    double *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (double)(i % n_unique) + offset;
    return v;
}

Test(drift_selector, evidently_table)
{
    struct {
        int categorical;
        size_t n_ref, n_unique;
        enum fl_drift_method want;
    } t[] = {
        {0, 1000, 50, FL_DRIFT_KS},  {0, 1000, 6, FL_DRIFT_KS},
        {0, 800, 5, FL_DRIFT_CHI2},  {0, 800, 3, FL_DRIFT_CHI2},
        {0, 800, 2, FL_DRIFT_ZTEST}, {0, 1001, 50, FL_DRIFT_WASSERSTEIN},
        {0, 5000, 5, FL_DRIFT_JS},   {1, 900, 3, FL_DRIFT_CHI2},
        {1, 900, 2, FL_DRIFT_ZTEST}, {1, 1500, 2, FL_DRIFT_JS},
        {1, 1500, 40, FL_DRIFT_JS},
    };
    for (size_t i = 0; i < N_OF(t); i++) {
        struct fl_profile_set *r = new_set(), *c = new_set();
        if (t[i].categorical) {
            unsigned counts[64];
            for (size_t j = 0; j < t[i].n_unique; j++)
                counts[j] = (unsigned)(t[i].n_ref / t[i].n_unique);
            counts[0] += (unsigned)(t[i].n_ref % t[i].n_unique);
            set_add_categories(r, "x", counts, t[i].n_unique);
            set_add_categories(c, "x", counts, t[i].n_unique);
        } else {
            double *v = cycle(t[i].n_ref, t[i].n_unique, 0);
            set_add_numbers(r, "x", 0, v, t[i].n_ref);
            set_add_numbers(c, "x", 0, v, t[i].n_ref);
            free(v);
        }
        struct fl_drift_report *rep = run_method(r, c, FL_DRIFT_AUTO, 0, 0);
        cr_expect_eq(dist_row(rep)->method, t[i].want, "case %zu: %s, want %s", i,
                     fl_drift_method_name(dist_row(rep)->method), fl_drift_method_name(t[i].want));
        cr_expect(!dist_row(rep)->drifted, "case %zu: identical data drifted", i);
        fl_drift_report_free(rep);
        fl_profile_set_free(r);
        fl_profile_set_free(c);
    }
}

Test(drift_selector, union_of_values_and_small_reference_option)
{
    /* 3 values in the reference, 3 others in the current: 6 together, so KS, not chi2. */
    double *a = cycle(300, 3, 0), *b = cycle(300, 3, 3);
    struct fl_profile_set *r = new_set(), *c = new_set();
    set_add_numbers(r, "x", 0, a, 300);
    set_add_numbers(c, "x", 0, b, 300);
    struct fl_drift_report *rep = run_method(r, c, FL_DRIFT_AUTO, 0, 0);
    cr_expect_eq(dist_row(rep)->method, FL_DRIFT_KS);
    cr_expect(dist_row(rep)->drifted);
    fl_drift_report_free(rep);
    struct fl_drift_opts o;
    fl_drift_opts_init(&o);
    o.small_reference = 100;
    cr_assert_eq(fl_drift_compare(r, c, &o, &rep, NULL), FL_OK);
    cr_expect_eq(dist_row(rep)->method, FL_DRIFT_WASSERSTEIN);
    fl_drift_report_free(rep);
    fl_drift_opts_cleanup(&o);
    fl_profile_set_free(r);
    fl_profile_set_free(c);
    free(a);
    free(b);
}

Test(drift_overrides, per_feature_method_threshold_bins_skip)
{
    double *a = gen_normal(5, 800, 0, 1), *b = gen_normal(6, 800, 0.2, 1);
    const unsigned cats[] = {100, 100, 100};
    struct fl_profile_set *r = new_set(), *c = new_set();
    set_add_numbers(r, "x", 0, a, 800);
    set_add_numbers(c, "x", 0, b, 800);
    set_add_numbers(r, "y", 0, a, 800);
    set_add_numbers(c, "y", 0, b, 800);
    set_add_categories(r, "cat", cats, 3);
    set_add_categories(c, "cat", cats, 3);
    struct fl_drift_opts o;
    struct fl_drift_feature_opts *f;
    fl_drift_opts_init(&o);
    o.method = FL_DRIFT_KS; /* global: does not fit "cat", which falls back to auto */
    cr_assert_eq(fl_drift_opts_feature(&o, "x", &f), FL_OK);
    f->method = FL_DRIFT_PSI;
    f->threshold = 0.5;
    f->bins = 4;
    cr_assert_eq(fl_drift_opts_feature(&o, "y", &f), FL_OK);
    f->skip = true;
    struct fl_drift_report *rep = NULL;
    cr_assert_eq(fl_drift_compare(r, c, &o, &rep, NULL), FL_OK);
    const struct fl_drift_row *x = find_row(rep, "x", FL_DRIFT_CHECK_DISTRIBUTION);
    const struct fl_drift_row *ct = find_row(rep, "cat", FL_DRIFT_CHECK_DISTRIBUTION);
    cr_assert(x && ct);
    cr_expect_eq(x->method, FL_DRIFT_PSI);
    cr_expect_eq(x->threshold, 0.5);
    cr_expect_eq(x->bins, 4);
    cr_expect_eq(x->cmp, FL_DRIFT_GE);
    cr_expect(!x->drifted);
    cr_expect_eq(ct->method, FL_DRIFT_CHI2);
    cr_expect(strstr(ct->detail, "ks does not fit") != NULL, "%s", ct->detail);
    cr_expect_null(find_row(rep, "y", FL_DRIFT_CHECK_DISTRIBUTION));
    cr_expect_eq(rep->n_features, 2);
    fl_drift_report_free(rep);
    /* A method set for one feature must fit it. */
    cr_assert_eq(fl_drift_opts_feature(&o, "cat", &f), FL_OK);
    f->method = FL_DRIFT_WASSERSTEIN;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_expect_eq(fl_drift_compare(r, c, &o, &rep, &d), FL_EINVAL);
    cr_expect(strstr(d.msg, "\"cat\"") && strstr(d.msg, "numerical"), "%s", d.msg);
    f->method = FL_DRIFT_ZTEST;
    fl_diag_init(&d);
    cr_expect_eq(fl_drift_compare(r, c, &o, &rep, &d), FL_EINVAL);
    cr_expect(strstr(d.msg, "at most two") != NULL, "%s", d.msg);
    /* A p-value threshold above 1 is refused. */
    f->method = FL_DRIFT_CHI2;
    f->threshold = 5;
    fl_diag_init(&d);
    cr_expect_eq(fl_drift_compare(r, c, &o, &rep, &d), FL_EINVAL);
    cr_expect(strstr(d.msg, "p-value") != NULL, "%s", d.msg);
    fl_drift_opts_cleanup(&o);
    fl_profile_set_free(r);
    fl_profile_set_free(c);
    free(a);
    free(b);
}

static void add_nulls(struct fl_profile_set *s, const char *feature, size_t n)
{
    struct fl_profile_key key = {"", "", "", "", feature, 0};
    struct fl_profile *p;
    cr_assert_eq(fl_profile_set_get(s, &key, true, &p, NULL), FL_OK);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(fl_profile_update_null(p), FL_OK);
}

Test(drift_rows, null_rate_new_category_missing_new)
{
    const unsigned ref[] = {500, 500, 0}, cur[] = {450, 450, 100}, cur_small[] = {495, 495, 10};
    double *a = gen_normal(1, 1000, 0, 1), *b = gen_normal(2, 700, 0, 1);
    struct fl_profile_set *r = new_set(), *c = new_set();
    set_add_categories(r, "country", ref, 3);
    set_add_categories(c, "country", cur, 3);
    set_add_numbers(r, "age", 0, a, 1000);
    set_add_numbers(c, "age", 0, b, 700);
    add_nulls(c, "age", 300);             /* 0% -> 30% */
    set_add_numbers(r, "gone", 0, a, 10); /* absent from the current data */
    set_add_numbers(c, "fresh", 0, b, 10);
    struct fl_drift_opts o;
    fl_drift_opts_init(&o);
    struct fl_drift_report *rep = NULL;
    cr_assert_eq(fl_drift_compare(r, c, &o, &rep, NULL), FL_OK);
    const struct fl_drift_row *nc = find_row(rep, "country", FL_DRIFT_CHECK_NEW_CATEGORY);
    const struct fl_drift_row *nr = find_row(rep, "age", FL_DRIFT_CHECK_NULL_RATE);
    const struct fl_drift_row *ad = find_row(rep, "age", FL_DRIFT_CHECK_DISTRIBUTION);
    const struct fl_drift_row *gone = find_row(rep, "gone", FL_DRIFT_CHECK_MISSING);
    const struct fl_drift_row *fresh = find_row(rep, "fresh", FL_DRIFT_CHECK_NEW_FEATURE);
    cr_assert(nc && nr && ad && gone && fresh);
    cr_expect(close_rel(nc->statistic, 0.1, 1e-12));
    cr_expect(nc->drifted);
    cr_expect(strstr(nc->detail, "c2 (10%)") != NULL, "%s", nc->detail);
    cr_expect(close_rel(nr->statistic, 0.3, 1e-12));
    cr_expect(nr->drifted);
    cr_expect(nr->pvalue < 1e-10);
    cr_expect(!ad->drifted, "the values themselves did not drift");
    cr_expect(gone->drifted);
    cr_expect(!fresh->drifted);
    cr_expect_eq(rep->n_features, 3); /* country, age, gone */
    cr_expect_eq(rep->n_drifted, 3);
    cr_expect(rep->dataset_drift);
    fl_drift_report_free(rep);
    /* Thresholds: 1% new share below 2%, no drift; a small null-rate change is not drift. */
    struct fl_profile_set *c2 = new_set();
    set_add_categories(c2, "country", cur_small, 3);
    set_add_numbers(c2, "age", 0, b, 700);
    add_nulls(c2, "age", 10); /* 1.4% */
    set_add_numbers(c2, "gone", 0, a, 10);
    o.new_category_threshold = 0.02;
    cr_assert_eq(fl_drift_compare(r, c2, &o, &rep, NULL), FL_OK);
    nc = find_row(rep, "country", FL_DRIFT_CHECK_NEW_CATEGORY);
    nr = find_row(rep, "age", FL_DRIFT_CHECK_NULL_RATE);
    cr_assert(nc && nr);
    cr_expect(!nc->drifted);
    cr_expect(!nr->drifted);
    cr_expect_null(find_row(rep, "gone", FL_DRIFT_CHECK_NULL_RATE));
    fl_drift_report_free(rep);
    fl_drift_opts_cleanup(&o);
    fl_profile_set_free(r);
    fl_profile_set_free(c);
    fl_profile_set_free(c2);
    free(a);
    free(b);
}

Test(drift_adaptive, thresholds_from_reference_chunks)
{
    const size_t n = 50000, chunks = 10;
    double *a = gen_normal(21, n, 0, 1), *tiny = gen_normal(22, n, 0.04, 1);
    double *big = gen_normal(23, n, 0.3, 1);
    struct fl_profile_set *r = new_set(), *c1 = new_set(), *c2 = new_set();
    for (uint32_t ch = 0; ch < chunks; ch++)
        set_add_numbers(r, "x", ch, a + ch * (n / chunks), n / chunks);
    set_add_numbers(c1, "x", 0, tiny, n);
    set_add_numbers(c2, "x", 0, big, n);
    struct fl_drift_opts o;
    struct fl_drift_feature_opts *f;
    fl_drift_opts_init(&o);
    cr_assert_eq(fl_drift_opts_feature(&o, "x", &f), FL_OK);
    f->method = FL_DRIFT_KS;
    struct fl_drift_report *rep = NULL;
    /* Fixed p-value threshold: a shift of 0.04 sd over 50,000 values is "significant". */
    cr_assert_eq(fl_drift_compare(r, c1, &o, &rep, NULL), FL_OK);
    cr_expect(dist_row(rep)->drifted, "p %g", dist_row(rep)->pvalue);
    fl_drift_report_free(rep);
    /* Adaptive: D against mean + 3 sd of each chunk's D against the rest: no alarm. */
    o.adaptive = true;
    cr_assert_eq(fl_drift_compare(r, c1, &o, &rep, NULL), FL_OK);
    const struct fl_drift_row *w = dist_row(rep);
    cr_expect(w->adaptive);
    cr_expect_eq(w->cmp, FL_DRIFT_GT);
    cr_expect(w->threshold > w->statistic, "D %g, threshold %g", w->statistic, w->threshold);
    cr_expect(!w->drifted);
    cr_expect(strstr(w->detail, "10 reference chunks") != NULL, "%s", w->detail);
    fl_drift_report_free(rep);
    cr_assert_eq(fl_drift_compare(r, c2, &o, &rep, NULL), FL_OK);
    cr_expect(dist_row(rep)->drifted);
    fl_drift_report_free(rep);
    /* An explicit threshold wins over the adaptive one. */
    f->threshold = 0.5;
    cr_assert_eq(fl_drift_compare(r, c2, &o, &rep, NULL), FL_OK);
    cr_expect(!dist_row(rep)->adaptive);
    fl_drift_report_free(rep);
    /* A reference without chunks cannot give adaptive thresholds. */
    struct fl_diag d;
    fl_diag_init(&d);
    cr_expect_eq(fl_drift_compare(c1, c2, &o, &rep, &d), FL_EINVAL);
    cr_expect(strstr(d.msg, "chunks") != NULL);
    fl_drift_opts_cleanup(&o);
    fl_profile_set_free(r);
    fl_profile_set_free(c1);
    fl_profile_set_free(c2);
    free(a);
    free(tiny);
    free(big);
}

Test(drift_options, file_yaml_json_and_errors)
{
    const char *yaml = "# drift options\n"
                       "bins: 20\njs_base: 2\ndrift_share: 0.3\nadaptive: true\n"
                       "null_rate_threshold: 0.1\nnew_category_threshold: 0.01\n"
                       "features:\n  age: {method: psi, threshold: 0.2, bins: 12}\n"
                       "  user_id:\n    skip: true\n";
    char *p = write_tmp(yaml);
    struct fl_drift_opts o;
    fl_drift_opts_init(&o);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_drift_opts_load(&o, p, &d), FL_OK, "%s", d.msg);
    unlink(p);
    cr_expect_eq(o.bins, 20);
    cr_expect_eq(o.js_base, 2);
    cr_expect_eq(o.drift_share, 0.3);
    cr_expect(o.adaptive);
    cr_expect_eq(o.null_rate_threshold, 0.1);
    const struct fl_drift_feature_opts *age = fl_drift_opts_find(&o, "age");
    cr_assert(age);
    cr_expect_eq(age->method, FL_DRIFT_PSI);
    cr_expect_eq(age->threshold, 0.2);
    cr_expect_eq(age->bins, 12);
    cr_expect(fl_drift_opts_find(&o, "user_id")->skip);
    fl_drift_opts_cleanup(&o);

    fl_drift_opts_init(&o);
    p = write_tmp("{\"method\": \"hellinger\", \"features\": {\"x\": {\"threshold\": 0.3}}}");
    cr_assert_eq(fl_drift_opts_load(&o, p, NULL), FL_OK);
    unlink(p);
    cr_expect_eq(o.method, FL_DRIFT_HELLINGER);
    cr_expect_eq(fl_drift_opts_find(&o, "x")->threshold, 0.3);
    fl_drift_opts_cleanup(&o);

    struct {
        const char *text, *want;
    } bad[] = {
        {"bins: 10\nbogus: 1\n", ":2:1: bogus: unknown key"},
        {"features:\n  age: {method: magic}\n", ":2:17: features.age.method: unknown method"},
        {"bins: ten\n", ":1:7: bins: expected a whole number"},
        {"drift_share: 2\n", "drift_share"},
        {"features:\n  age: {skip: maybe}\n", "expected true or false"},
        {"bins: [1\n", "YAML syntax"},
        {"- 1\n- 2\n", "expected a map of options"},
    };
    for (size_t i = 0; i < N_OF(bad); i++) {
        fl_drift_opts_init(&o);
        p = write_tmp(bad[i].text);
        fl_diag_init(&d);
        cr_expect_eq(fl_drift_opts_load(&o, p, &d), FL_EPARSE, "case %zu", i);
        char line[1024];
        fl_diag_format(&d, line, sizeof line);
        cr_expect(strstr(line, bad[i].want) != NULL, "case %zu: %s", i, line);
        cr_expect(strncmp(line, p, strlen(p)) == 0, "case %zu: no file name: %s", i, line);
        unlink(p);
        fl_drift_opts_cleanup(&o);
    }
}

Test(drift_report, renderings)
{
    const unsigned ref[] = {500, 500, 0}, cur[] = {450, 450, 100};
    struct fl_profile_set *r = new_set(), *c = new_set();
    set_add_categories(r, "country|x", ref, 3);
    set_add_categories(c, "country|x", cur, 3);
    struct fl_drift_opts o;
    fl_drift_opts_init(&o);
    struct fl_drift_report *rep = NULL;
    cr_assert_eq(fl_drift_compare(r, c, &o, &rep, NULL), FL_OK);
    struct fl_buf b;
    fl_buf_init(&b, 1u << 20);
    fl_drift_write_json(rep, "ref.csv", "cur.csv", &b);
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    json_error_t je;
    json_t *doc = json_loadb(b.data, b.len, 0, &je);
    cr_assert(doc, "%s", je.text);
    cr_expect_eq(json_integer_value(json_object_get(doc, "drifted_features")), 1);
    cr_expect(json_is_true(json_object_get(doc, "dataset_drift")));
    cr_expect_str_eq(json_string_value(json_object_get(doc, "js_base")), "e");
    json_t *row0 = json_array_get(json_object_get(doc, "rows"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(row0, "method")), "chi2");
    cr_expect_str_eq(json_string_value(json_object_get(row0, "comparison")), "p <");
    cr_expect(json_is_true(json_object_get(row0, "exact")));
    cr_expect(json_is_null(json_object_get(row0, "error_bound")));
    json_decref(doc);
    fl_buf_reset(&b);
    fl_drift_write_text(rep, "ref.csv", "cur.csv", &b);
    cr_expect(strstr(b.data, "reference: ref.csv (1000 rows)") == b.data, "%s", b.data);
    cr_expect(strstr(b.data, "1 of 1 features drifted (share 1, dataset drift at >= 0.5): "
                             "DATASET DRIFT") != NULL,
              "%s", b.data);
    fl_buf_reset(&b);
    fl_drift_write_markdown(rep, "ref.csv", "cur.csv", &b);
    cr_expect(strstr(b.data, "| country\\|x | distribution | chi2 |") != NULL, "%s", b.data);
    fl_buf_cleanup(&b);
    fl_drift_report_free(rep);
    fl_drift_opts_cleanup(&o);
    fl_profile_set_free(r);
    fl_profile_set_free(c);
}

Test(drift_report, every_allocation_failure_is_handled)
{
    double *a = gen_normal(5, 3000, 0, 1), *b = gen_normal(6, 3000, 0.2, 1);
    const unsigned ref[] = {500, 500, 0}, cur[] = {450, 450, 100};
    struct fl_profile_set *r = new_set(), *c = new_set();
    for (uint32_t ch = 0; ch < 3; ch++)
        set_add_numbers(r, "x", ch, a + ch * 1000, 1000);
    set_add_numbers(c, "x", 0, b, 3000);
    set_add_categories(r, "k", ref, 3);
    set_add_categories(c, "k", cur, 3);
    struct fl_drift_opts o;
    fl_drift_opts_init(&o);
    o.adaptive = true;
    long n = 0;
    for (;; n++) {
        struct fl_drift_report *rep = NULL;
        fl_alloc_fail_after(n);
        fl_err e = fl_drift_compare(r, c, &o, &rep, NULL);
        fl_alloc_fail_after(-1);
        fl_drift_report_free(rep);
        if (e == FL_OK)
            break;
        cr_assert_eq(e, FL_ENOMEM, "step %ld: %s", n, fl_err_name(e));
        cr_assert_null(rep);
    }
    cr_expect(n > 20);
    fl_drift_opts_cleanup(&o);
    fl_profile_set_free(r);
    fl_profile_set_free(c);
    free(a);
    free(b);
}
