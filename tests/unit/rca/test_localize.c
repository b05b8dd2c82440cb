// SPDX-License-Identifier: Apache-2.0
/*
 * test_localize.c: segment localization (src/rca/localize.c).
 *
 * Constructed cases whose answer is known: a CTR drop only on android 5.3, a drop only in one
 * country, a uniform drop (the uniform verdict), a ratio whose denominator stopped being logged
 * on one platform, segments present in one window only, no change, tiny noisy segments, many
 * dimensions; input errors and every allocation failure. Then golden comparisons with the
 * independent Python implementation in scripts/gen-localize-golden.py on RiskLoc-style
 * synthetic datasets (tests/unit/rca/golden/localize_golden.json): every element's explanatory
 * power and surprise, the explanatory sets, the dimension ranking, RiskLoc's cutoff, root causes
 * and risk scores, and the verdict.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "rca/localize.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define GOLDEN "tests/unit/rca/golden/localize_golden.json"

/* ---- helpers ------------------------------------------------------------------------------ */

static struct fl_localize *mk(const char *const *dims, size_t nd, bool derived)
{
    struct fl_localize *l = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_localize_new(dims, nd, derived, &l, &d);
    cr_assert_eq(e, FL_OK, "new: %s %s", fl_err_name(e), d.msg);
    return l;
}

static fl_err add_row(struct fl_localize *l, const char *const *vals, size_t nd, double bn,
                      double bd, double in, double id)
{
    struct fl_str v[FL_LIMIT_LOC_DIMS];
    for (size_t i = 0; i < nd; i++)
        v[i] = fl_str_c(vals[i]);
    struct fl_localize_row r = {bn, bd, in, id};
    return fl_localize_add(l, v, &r, NULL);
}

static struct fl_localize_report *run(const struct fl_localize *l, const struct fl_localize_opts *o)
{
    struct fl_localize_report *r = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_localize_run(l, o, &r, &d);
    cr_assert_eq(e, FL_OK, "run: %s %s", fl_err_name(e), d.msg);
    return r;
}

/* Deterministic noise in [-amp, amp] (64-bit LCG, Knuth's MMIX constants). */
static double noise(uint64_t *s, double amp)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(*s >> 11) * 0x1p-53 * 2.0 - 1.0) * amp;
}

static const struct fl_localize_dim *dim_named(const struct fl_localize_report *r, const char *name,
                                               size_t *rank)
{
    for (size_t i = 0; i < r->n_dims; i++)
        if (strcmp(r->dims[i].name, name) == 0) {
            if (rank)
                *rank = i;
            return &r->dims[i];
        }
    cr_assert_fail("no dimension %s", name);
    return NULL;
}

static const struct fl_localize_elem *elem_named(const struct fl_localize_dim *d, const char *value)
{
    for (size_t i = 0; i < d->n_elems; i++)
        if (strcmp(d->elems[i].value, value) == 0)
            return &d->elems[i];
    cr_assert_fail("no element %s=%s", d->name, value);
    return NULL;
}

/* Name of the dimension with input position idx. */
static const char *dim_name_of(const struct fl_localize_report *r, size_t idx)
{
    for (size_t i = 0; i < r->n_dims; i++)
        if (r->dims[i].index == idx)
            return r->dims[i].name;
    return "?";
}

/* Root cause k is {a=av} or {a=av, b=bv} (b NULL for one attribute). */
static void expect_cause(const struct fl_localize_report *r, size_t k, const char *a,
                         const char *av, const char *b, const char *bv)
{
    cr_assert_gt(r->n_causes, k, "only %zu causes; reason: %s", r->n_causes, r->reason);
    const struct fl_localize_cause *c = &r->causes[k];
    cr_assert_eq(c->n_attrs, b ? 2u : 1u, "cause %zu has %zu attributes", k, c->n_attrs);
    const char *want_d[2] = {a, b}, *want_v[2] = {av, bv};
    for (size_t j = 0; j < c->n_attrs; j++) {
        cr_expect_str_eq(dim_name_of(r, c->dims[j]), want_d[j], "cause %zu attr %zu", k, j);
        cr_expect_str_eq(c->values[j], want_v[j], "cause %zu attr %zu", k, j);
    }
}

/* The CTR data of several cases: platform x app_version x country, impressions and clicks. */
static const char *const CTR_DIMS[] = {"platform", "app_version", "country"};
static const char *const PLATFORMS[] = {"ios", "android", "web"};
static const char *const VERSIONS[] = {"5.1", "5.2", "5.3"};
static const char *const COUNTRIES[] = {"US", "DE", "FR", "IN", "BR", "JP", "GB", "CA"};

enum ctr_fault { CTR_ANDROID_53, CTR_DEN_LOST_IOS, CTR_UNIFORM };

static struct fl_localize *ctr_case(enum ctr_fault fault)
{
    struct fl_localize *l = mk(CTR_DIMS, 3, true);
    uint64_t s = 42;
    for (size_t p = 0; p < N_OF(PLATFORMS); p++)
        for (size_t v = 0; v < N_OF(VERSIONS); v++)
            for (size_t c = 0; c < N_OF(COUNTRIES); c++) {
                double imp = 2000.0 + 397.0 * (double)((p * 7 + v * 3 + c * 5) % 11);
                double ctr = 0.04 * (1.0 + 0.15 * (double)((p + 2 * v + c) % 4));
                double bden = imp, bnum = imp * ctr;
                double iden = imp * (1.0 + noise(&s, 0.01));
                double inum = iden * ctr * (1.0 + noise(&s, 0.01));
                if (fault == CTR_ANDROID_53 && p == 1 && v == 2)
                    inum *= 0.5;
                if (fault == CTR_DEN_LOST_IOS && p == 0)
                    iden = 0.0;
                if (fault == CTR_UNIFORM)
                    inum *= 0.8;
                const char *vals[3] = {PLATFORMS[p], VERSIONS[v], COUNTRIES[c]};
                cr_assert_eq(add_row(l, vals, 3, bnum, bden, inum, iden), FL_OK);
            }
    return l;
}

/* Impressions (a fundamental measure): country x platform x app_version. */
static struct fl_localize *imp_case(double de_factor, double all_factor, bool tiny)
{
    static const char *const dims[] = {"country", "platform", "app_version"};
    struct fl_localize *l = mk(dims, 3, false);
    uint64_t s = 7;
    for (size_t c = 0; c < N_OF(COUNTRIES); c++)
        for (size_t p = 0; p < N_OF(PLATFORMS); p++)
            for (size_t v = 0; v < N_OF(VERSIONS); v++) {
                double base = 1000.0 + 251.0 * (double)((c * 3 + p * 5 + v) % 9);
                double inc = base * all_factor * (1.0 + noise(&s, 0.01));
                if (c == 1)
                    inc *= de_factor;
                const char *vals[3] = {COUNTRIES[c], PLATFORMS[p], VERSIONS[v]};
                cr_assert_eq(add_row(l, vals, 3, base, 0, inc, 0), FL_OK);
            }
    if (tiny) /* a country with almost no traffic and a wild change */
        for (size_t p = 0; p < N_OF(PLATFORMS); p++) {
            const char *vals[3] = {"XX", PLATFORMS[p], "5.1"};
            cr_assert_eq(add_row(l, vals, 3, 2.0, 0, 0.2, 0), FL_OK);
        }
    return l;
}

static bool seg_has_nan(const struct fl_localize_seg *g)
{
    double x[] = {g->base_num,   g->base_den,        g->inc_num, g->inc_den,    g->base,   g->inc,
                  g->rel_change, g->rest_rel_change, g->ep,      g->uniform_ep, g->excess, g->gap,
                  g->z};
    for (size_t i = 0; i < N_OF(x); i++)
        if (isnan(x[i]))
            return true;
    return false;
}

static void expect_no_nan(const struct fl_localize_report *r)
{
    cr_expect(!seg_has_nan(&r->total));
    for (size_t d = 0; d < r->n_dims; d++) {
        for (size_t i = 0; i < r->dims[d].n_elems; i++) {
            const struct fl_localize_elem *e = &r->dims[d].elems[i];
            cr_expect(!seg_has_nan(&e->s), "%s=%s", r->dims[d].name, e->value);
            cr_expect(isfinite(e->surprise) && isfinite(e->s.ep), "%s=%s", r->dims[d].name,
                      e->value);
        }
        if (r->dims[d].explains)
            cr_expect(!seg_has_nan(&r->dims[d].set));
    }
    for (size_t k = 0; k < r->n_causes; k++) {
        cr_expect(!seg_has_nan(&r->causes[k].s));
        cr_expect(isfinite(r->causes[k].risk));
    }
}

/* ---- known answers ------------------------------------------------------------------------ */

Test(localize, ctr_drop_only_on_android_53)
{
    struct fl_localize *l = ctr_case(CTR_ANDROID_53);
    struct fl_localize_report *r = run(l, NULL);
    cr_expect_eq(r->verdict, FL_LOCALIZE_LOCALIZED, "%s", r->reason);
    expect_cause(r, 0, "platform", "android", "app_version", "5.3");
    cr_expect_eq(r->n_causes, 1, "%zu causes; reason: %s", r->n_causes, r->reason);
    cr_expect_eq(r->causes[0].dims[0], 0u);
    cr_expect_eq(r->causes[0].dims[1], 1u);
    cr_expect_eq(r->causes[0].n_leaves, N_OF(COUNTRIES));
    cr_expect(fabs(r->causes[0].s.rel_change + 0.5) < 0.02, "cause change %g",
              r->causes[0].s.rel_change);
    cr_expect(fabs(r->causes[0].s.rest_rel_change) < 0.01);
    cr_expect_gt(r->causes[0].s.ep, 0.9);
    cr_expect(r->causes_union.disproportionate);
    cr_expect(r->anomaly_decrease);
    cr_expect_not_null(strstr(r->reason, "platform=android & app_version=5.3"), "%s", r->reason);
    /* Adtributor sees it one dimension at a time: android and 5.3 carry the change, and
     * country (changed nowhere in particular) ranks below both. */
    size_t rp, rv, rc;
    const struct fl_localize_dim *p = dim_named(r, "platform", &rp);
    const struct fl_localize_dim *v = dim_named(r, "app_version", &rv);
    const struct fl_localize_dim *c = dim_named(r, "country", &rc);
    cr_expect(p->explains && v->explains);
    cr_expect_eq(p->n_set, 1);
    cr_expect_str_eq(p->elems[0].value, "android");
    cr_expect(p->elems[0].in_set);
    cr_expect_str_eq(v->elems[0].value, "5.3");
    cr_expect(v->elems[0].in_set);
    cr_expect(rp < rc && rv < rc, "ranks %zu %zu %zu", rp, rv, rc);
    cr_expect(p->selected && v->selected);
    cr_expect_gt(elem_named(p, "android")->s.ep, 0.9);
    cr_expect(elem_named(p, "android")->s.disproportionate);
    cr_expect(!c->explains);
    cr_expect_gt(p->set_surprise, 5 * c->surprise);
    /* Countries differ only through their mix of android 5.3 traffic: far less excess. */
    for (size_t i = 0; i < c->n_elems; i++)
        cr_expect_lt(fabs(c->elems[i].s.excess), 0.2, "country=%s", c->elems[i].value);
    cr_expect_gt(elem_named(p, "android")->s.excess, 0.6);
    expect_no_nan(r);
    fl_localize_report_free(r);
    fl_localize_free(l);
}

Test(localize, drop_only_in_one_country)
{
    struct fl_localize *l = imp_case(0.4, 1.0, false);
    struct fl_localize_report *r = run(l, NULL);
    cr_expect_eq(r->verdict, FL_LOCALIZE_LOCALIZED, "%s", r->reason);
    cr_assert_eq(r->n_causes, 1, "%zu causes: %s", r->n_causes, r->reason);
    cr_expect_eq(r->causes[0].n_attrs, 1);
    cr_expect_eq(r->causes[0].dims[0], 0u);
    cr_expect_str_eq(r->causes[0].values[0], "DE");
    cr_expect_gt(r->causes[0].risk, 0.8);
    cr_expect_str_eq(r->dims[0].name, "country");
    cr_expect(r->dims[0].explains && r->dims[0].selected);
    cr_expect_eq(r->dims[0].n_set, 1);
    cr_expect_str_eq(r->dims[0].elems[0].value, "DE");
    /* Fundamental EP sums to 1 over a dimension; DE's is nearly all of it. */
    double sum = 0;
    for (size_t i = 0; i < r->dims[0].n_elems; i++)
        sum += r->dims[0].elems[i].s.ep;
    cr_expect(fabs(sum - 1.0) < 1e-12, "EP sum %.17g", sum);
    cr_expect_gt(r->dims[0].elems[0].s.ep, 0.95);
    cr_expect(fabs(r->dims[0].elems[0].s.rel_change + 0.6) < 0.02);
    cr_expect_not_null(strstr(r->reason, "country=DE"), "%s", r->reason);
    /* The other dimensions: nothing disproportionate. */
    for (size_t d = 1; d < r->n_dims; d++)
        for (size_t i = 0; i < r->dims[d].n_elems; i++)
            cr_expect(!r->dims[d].elems[i].s.disproportionate, "%s=%s", r->dims[d].name,
                      r->dims[d].elems[i].value);
    fl_localize_report_free(r);
    fl_localize_free(l);
}

Test(localize, uniform_drop_is_uniform)
{
    struct fl_localize *l = imp_case(1.0, 0.8, false);
    struct fl_localize_report *r = run(l, NULL);
    cr_expect_eq(r->verdict, FL_LOCALIZE_UNIFORM, "%s", r->reason);
    cr_expect(fabs(r->total.rel_change + 0.2) < 0.005, "%g", r->total.rel_change);
    cr_expect_not_null(strstr(r->reason, "uniform"), "%s", r->reason);
    for (size_t d = 0; d < r->n_dims; d++) {
        cr_expect_lt(r->dims[d].surprise, 1e-4, "%s", r->dims[d].name);
        for (size_t i = 0; i < r->dims[d].n_elems; i++) {
            const struct fl_localize_seg *s = &r->dims[d].elems[i].s;
            cr_expect(!s->disproportionate);
            cr_expect_lt(fabs(s->excess), 0.02, "%s=%s", r->dims[d].name,
                         r->dims[d].elems[i].value);
        }
    }
    /* Whatever RiskLoc returns in a uniform change covers the change proportionally. */
    if (r->n_causes)
        cr_expect(!r->causes_union.disproportionate);
    fl_localize_report_free(r);

    /* The same as a ratio: CTR down 20 % on every segment. */
    l = (fl_localize_free(l), ctr_case(CTR_UNIFORM));
    r = run(l, NULL);
    cr_expect_eq(r->verdict, FL_LOCALIZE_UNIFORM, "%s", r->reason);
    cr_expect(fabs(r->total.rel_change + 0.2) < 0.01, "%g", r->total.rel_change);
    fl_localize_report_free(r);
    fl_localize_free(l);
}

Test(localize, denominator_not_logged_on_one_platform)
{
    struct fl_localize *l = ctr_case(CTR_DEN_LOST_IOS);
    struct fl_localize_report *r = run(l, NULL);
    /* Impressions vanished on ios while clicks went on: the total CTR rises. */
    cr_expect_gt(r->total.rel_change, 0.3);
    cr_expect_eq(r->verdict, FL_LOCALIZE_LOCALIZED, "%s", r->reason);
    cr_expect_str_eq(r->dims[0].name, "platform");
    cr_expect(r->dims[0].explains);
    cr_expect_eq(r->dims[0].n_set, 1);
    const struct fl_localize_elem *ios = &r->dims[0].elems[0];
    cr_expect_str_eq(ios->value, "ios");
    cr_expect(ios->in_set);
    cr_expect_eq(ios->s.inc_den, 0.0);
    cr_expect_gt(ios->s.base_den, 0.0);
    /* The surprise is in the denominator, not the numerator. */
    cr_expect_gt(ios->surprise_den, 20 * ios->surprise_num, "den %g num %g", ios->surprise_den,
                 ios->surprise_num);
    cr_expect_gt(ios->s.ep, 0.9);
    cr_assert_eq(r->n_causes, 1, "%s", r->reason);
    cr_expect_eq(r->causes[0].n_attrs, 1);
    cr_expect_str_eq(r->causes[0].values[0], "ios");
    cr_expect_not_null(strstr(r->reason, "no denominator in the incident window"), "%s", r->reason);
    expect_no_nan(r);
    fl_localize_report_free(r);
    fl_localize_free(l);
}

Test(localize, segments_in_one_window_only)
{
    /* Version 5.4 replaces 5.1 (present in the incident only / the baseline only) and has half
     * the CTR: the total CTR falls, and app_version explains it. */
    struct fl_localize *l = mk(CTR_DIMS, 3, true);
    for (size_t p = 0; p < N_OF(PLATFORMS); p++)
        for (size_t c = 0; c < N_OF(COUNTRIES); c++)
            for (size_t v = 0; v < 3; v++) {
                double imp = 1500.0 + 100.0 * (double)((p + c + v) % 5), ctr = 0.05;
                const char *vals[3] = {PLATFORMS[p], VERSIONS[v], COUNTRIES[c]};
                if (v == 0) {
                    cr_assert_eq(add_row(l, vals, 3, imp * ctr, imp, 0, 0), FL_OK);
                    vals[1] = "5.4";
                    cr_assert_eq(add_row(l, vals, 3, 0, 0, imp * ctr * 0.5, imp), FL_OK);
                } else {
                    cr_assert_eq(add_row(l, vals, 3, imp * ctr, imp, imp * ctr, imp), FL_OK);
                }
            }
    struct fl_localize_report *r = run(l, NULL);
    cr_expect_eq(r->verdict, FL_LOCALIZE_LOCALIZED, "%s", r->reason);
    const struct fl_localize_dim *v = dim_named(r, "app_version", NULL);
    cr_expect_str_eq(r->dims[0].name, "app_version");
    cr_expect(isinf(elem_named(v, "5.4")->s.rel_change));
    cr_expect_eq(elem_named(v, "5.1")->s.rel_change, -1.0);
    cr_expect_eq(elem_named(v, "5.2")->s.rel_change, 0.0);
    cr_expect_gt(elem_named(v, "5.4")->surprise, 0.1);
    expect_no_nan(r);
    fl_localize_report_free(r);
    fl_localize_free(l);
}

Test(localize, no_change)
{
    /* Identical windows. */
    static const char *const dims[] = {"a", "b"};
    struct fl_localize *l = mk(dims, 2, false);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++) {
            char a[16], b[16];
            snprintf(a, sizeof a, "a%d", i);
            snprintf(b, sizeof b, "b%d", j);
            const char *vals[2] = {a, b};
            cr_assert_eq(add_row(l, vals, 2, 10.0 + i, 0, 10.0 + i, 0), FL_OK);
        }
    struct fl_localize_report *r = run(l, NULL);
    cr_expect_eq(r->verdict, FL_LOCALIZE_NO_CHANGE, "%s", r->reason);
    cr_expect_eq(r->n_causes, 0);
    cr_expect_eq(r->total.rel_change, 0.0);
    cr_expect_eq(r->n_anomalous, 0);
    for (size_t d = 0; d < r->n_dims; d++) {
        cr_expect(!r->dims[d].explains);
        for (size_t i = 0; i < r->dims[d].n_elems; i++)
            cr_expect_eq(r->dims[d].elems[i].s.ep, 0.0);
    }
    cr_expect_str_eq(fl_localize_verdict_name(r->verdict), "no_change");
    fl_localize_report_free(r);

    /* A 1 % change with min_rel_change 0.02 is "no change" too. */
    struct fl_localize_opts o;
    fl_localize_opts_init(&o);
    o.min_rel_change = 0.02;
    o.baseline_scale = 1.0 / 1.01;
    r = run(l, &o);
    cr_expect_eq(r->verdict, FL_LOCALIZE_NO_CHANGE, "%s", r->reason);
    cr_expect(fabs(r->total.rel_change - 0.01) < 1e-12);
    fl_localize_report_free(r);
    fl_localize_free(l);
}

Test(localize, tiny_segment_does_not_break_uniformity)
{
    struct fl_localize *l = imp_case(1.0, 0.8, true);
    struct fl_localize_report *r = run(l, NULL);
    cr_expect_eq(r->verdict, FL_LOCALIZE_UNIFORM, "%s", r->reason);
    const struct fl_localize_elem *xx = elem_named(dim_named(r, "country", NULL), "XX");
    cr_expect(fabs(xx->s.rel_change + 0.9) < 1e-12);
    cr_expect_gt(xx->s.gap, 3.0);           /* its change differs a lot ... */
    cr_expect_lt(fabs(xx->s.excess), 0.01); /* ... but it carries almost none of the change */
    cr_expect(!xx->s.disproportionate);
    fl_localize_report_free(r);
    fl_localize_free(l);
}

Test(localize, noise_alone_is_not_localized)
{
    /* Fault-free: every leaf moves by +-1 % noise, the total by almost nothing. Explanatory
     * powers are noise over noise here; the noise test keeps the verdict uniform. */
    struct fl_localize *l = imp_case(1.0, 1.0, false);
    struct fl_localize_report *r = run(l, NULL);
    cr_expect_lt(fabs(r->total.rel_change), 0.005);
    cr_expect_eq(r->verdict, FL_LOCALIZE_UNIFORM, "%s", r->reason);
    cr_expect(r->noise > 0.003 && r->noise < 0.02, "noise %g", r->noise);
    for (size_t d = 0; d < r->n_dims; d++)
        for (size_t i = 0; i < r->dims[d].n_elems; i++)
            cr_expect_lt(r->dims[d].elems[i].s.z, 3.0, "%s=%s", r->dims[d].name,
                         r->dims[d].elems[i].value);
    fl_localize_report_free(r);
    fl_localize_free(l);
}

Test(localize, offsetting_changes_are_localized)
{
    /* DE +40 %, FR -40 %, sizes alike: the total hardly moves, yet two segments changed far
     * beyond the noise. */
    static const char *const dims[] = {"country", "platform"};
    struct fl_localize *l = mk(dims, 2, false);
    uint64_t s = 5;
    for (size_t c = 0; c < N_OF(COUNTRIES); c++)
        for (size_t p = 0; p < N_OF(PLATFORMS); p++) {
            const char *vals[2] = {COUNTRIES[c], PLATFORMS[p]};
            double b = 1000.0 + 10.0 * (double)p;
            double v = b * (1.0 + noise(&s, 0.01)) * (c == 1 ? 1.4 : c == 2 ? 0.6 : 1.0);
            cr_assert_eq(add_row(l, vals, 2, b, 0, v, 0), FL_OK);
        }
    struct fl_localize_report *r = run(l, NULL);
    cr_expect_lt(fabs(r->total.rel_change), 0.01);
    cr_expect_eq(r->verdict, FL_LOCALIZE_LOCALIZED, "%s", r->reason);
    const struct fl_localize_dim *c = dim_named(r, "country", NULL);
    cr_expect(elem_named(c, "DE")->s.disproportionate);
    cr_expect(elem_named(c, "FR")->s.disproportionate);
    cr_expect_gt(elem_named(c, "DE")->s.z, 10.0);
    fl_localize_report_free(r);
    fl_localize_free(l);
}

Test(localize, unaffected_segment_is_named)
{
    /* Everything fell 30 % except web: the exception is the clue. */
    static const char *const dims[] = {"platform", "country"};
    struct fl_localize *l = mk(dims, 2, false);
    for (size_t p = 0; p < 3; p++)
        for (size_t c = 0; c < N_OF(COUNTRIES); c++) {
            const char *vals[2] = {PLATFORMS[p], COUNTRIES[c]};
            double b = 100.0 + (double)c;
            cr_assert_eq(add_row(l, vals, 2, b, 0, p == 2 ? b : 0.7 * b, 0), FL_OK);
        }
    struct fl_localize_report *r = run(l, NULL);
    cr_expect_eq(r->verdict, FL_LOCALIZE_LOCALIZED, "%s", r->reason);
    const struct fl_localize_elem *web = elem_named(dim_named(r, "platform", NULL), "web");
    cr_expect(web->s.disproportionate);
    cr_expect_lt(web->s.excess, -0.2);
    cr_expect_eq(web->s.rel_change, 0.0);
    fl_localize_report_free(r);
    fl_localize_free(l);
}

Test(localize, rows_of_each_window_added_separately)
{
    struct fl_localize *a = ctr_case(CTR_ANDROID_53);
    struct fl_localize *b = mk(CTR_DIMS, 3, true);
    /* Rebuild the same leaves: baseline rows first, then incident rows, in another order. */
    struct fl_localize_report *ra = run(a, NULL);
    uint64_t s = 42;
    double in[72][2];
    size_t k = 0;
    for (size_t p = 0; p < 3; p++)
        for (size_t v = 0; v < 3; v++)
            for (size_t c = 0; c < 8; c++, k++) {
                double imp = 2000.0 + 397.0 * (double)((p * 7 + v * 3 + c * 5) % 11);
                double ctr = 0.04 * (1.0 + 0.15 * (double)((p + 2 * v + c) % 4));
                double iden = imp * (1.0 + noise(&s, 0.01));
                double inum = iden * ctr * (1.0 + noise(&s, 0.01));
                if (p == 1 && v == 2)
                    inum *= 0.5;
                const char *vals[3] = {PLATFORMS[p], VERSIONS[v], COUNTRIES[c]};
                cr_assert_eq(add_row(b, vals, 3, imp * ctr, imp, 0, 0), FL_OK);
                in[k][0] = inum;
                in[k][1] = iden;
            }
    for (size_t p = 0; p < 3; p++)
        for (size_t v = 0; v < 3; v++)
            for (size_t c = 0; c < 8; c++) {
                const char *vals[3] = {PLATFORMS[p], VERSIONS[v], COUNTRIES[c]};
                size_t i = (p * 3 + v) * 8 + c;
                cr_assert_eq(add_row(b, vals, 3, 0, 0, in[i][0], in[i][1]), FL_OK);
            }
    cr_expect_eq(fl_localize_n_leaves(b), 72);
    struct fl_localize_report *rb = run(b, NULL);
    cr_expect_eq(ra->verdict, rb->verdict);
    cr_expect_eq(ra->total.rel_change, rb->total.rel_change);
    cr_assert_eq(ra->n_causes, rb->n_causes);
    cr_expect_eq(ra->causes[0].risk, rb->causes[0].risk);
    cr_expect_eq(ra->dims[0].elems[0].surprise, rb->dims[0].elems[0].surprise);
    fl_localize_report_free(ra);
    fl_localize_report_free(rb);
    fl_localize_free(a);
    fl_localize_free(b);
}

Test(localize, many_dimensions)
{
    /* 16 dimensions (the cap), 3 values each, 3,000 random leaves; d7=v1 drops by 70 %. */
    const char *names[FL_LIMIT_LOC_DIMS];
    char nbuf[FL_LIMIT_LOC_DIMS][16];
    for (int i = 0; i < FL_LIMIT_LOC_DIMS; i++) {
        snprintf(nbuf[i], sizeof nbuf[i], "d%d", i);
        names[i] = nbuf[i];
    }
    struct fl_localize *l = mk(names, FL_LIMIT_LOC_DIMS, false);
    uint64_t s = 99;
    static const char *const vals3[] = {"v0", "v1", "v2"};
    for (int row = 0; row < 3000; row++) {
        const char *vals[FL_LIMIT_LOC_DIMS];
        int d7 = 0;
        for (int i = 0; i < FL_LIMIT_LOC_DIMS; i++) {
            int x = (int)((noise(&s, 1.0) + 1.0) * 1.5);
            x = x > 2 ? 2 : x;
            vals[i] = vals3[x];
            if (i == 7)
                d7 = x;
        }
        double b = 50.0 + 10.0 * (noise(&s, 1.0) + 1.0);
        double in = b * (1.0 + noise(&s, 0.02)) * (d7 == 1 ? 0.3 : 1.0);
        cr_assert_eq(add_row(l, vals, FL_LIMIT_LOC_DIMS, b, 0, in, 0), FL_OK);
    }
    struct fl_localize_report *r = run(l, NULL);
    cr_expect_eq(r->verdict, FL_LOCALIZE_LOCALIZED, "%s", r->reason);
    cr_expect_str_eq(r->dims[0].name, "d7");
    cr_assert_geq(r->n_causes, 1);
    cr_expect_eq(r->causes[0].n_attrs, 1);
    cr_expect_eq(r->causes[0].dims[0], 7u);
    cr_expect_str_eq(r->causes[0].values[0], "v1");
    fl_localize_report_free(r);
    fl_localize_free(l);

    /* One more dimension is over the cap. */
    const char *many[FL_LIMIT_LOC_DIMS + 1];
    char mbuf[FL_LIMIT_LOC_DIMS + 1][16];
    for (int i = 0; i <= FL_LIMIT_LOC_DIMS; i++) {
        snprintf(mbuf[i], sizeof mbuf[i], "d%d", i);
        many[i] = mbuf[i];
    }
    struct fl_diag d;
    fl_diag_init(&d);
    l = NULL;
    cr_expect_eq(fl_localize_new(many, FL_LIMIT_LOC_DIMS + 1, false, &l, &d), FL_ELIMIT);
    cr_expect_null(l);
    cr_expect_not_null(strstr(d.msg, "dimensions"), "%s", d.msg);
}

Test(localize, options_change_the_search)
{
    /* max_layer 1 cannot name the android & 5.3 combination; the verdict still localizes it
     * from the single elements. top_k 1 selects one dimension. */
    struct fl_localize *l = ctr_case(CTR_ANDROID_53);
    struct fl_localize_opts o;
    fl_localize_opts_init(&o);
    o.max_layer = 1;
    o.top_k = 1;
    struct fl_localize_report *r = run(l, &o);
    for (size_t k = 0; k < r->n_causes; k++)
        cr_expect_eq(r->causes[k].n_attrs, 1);
    cr_expect_eq(r->verdict, FL_LOCALIZE_LOCALIZED, "%s", r->reason);
    size_t n_sel = 0;
    for (size_t d = 0; d < r->n_dims; d++)
        n_sel += r->dims[d].selected;
    cr_expect_eq(n_sel, 1);
    cr_expect(r->dims[0].selected);
    fl_localize_report_free(r);
    o.max_causes = 0;
    r = run(l, &o);
    cr_expect_eq(r->n_causes, 0);
    fl_localize_report_free(r);
    fl_localize_free(l);
}

/* ---- errors ------------------------------------------------------------------------------- */

Test(localize, bad_input_is_rejected)
{
    static const char *const dims[] = {"a", "b"};
    static const char *const dup[] = {"a", "a"};
    static const char *const empty[] = {"a", ""};
    struct fl_localize *l = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_expect_eq(fl_localize_new(dup, 2, false, &l, &d), FL_EINVAL);
    cr_expect_not_null(strstr(d.msg, "twice"), "%s", d.msg);
    cr_expect_eq(fl_localize_new(empty, 2, false, &l, NULL), FL_EINVAL);
    cr_expect_eq(fl_localize_new(dims, 0, false, &l, NULL), FL_EINVAL);
    cr_expect_eq(fl_localize_new(NULL, 2, false, &l, NULL), FL_EINVAL);
    cr_expect_null(l);

    l = mk(dims, 2, true);
    struct fl_localize_report *r = NULL;
    fl_diag_init(&d);
    cr_expect_eq(fl_localize_run(l, NULL, &r, &d), FL_EINVAL);
    cr_expect_not_null(strstr(d.msg, "no rows"), "%s", d.msg);
    cr_expect_null(r);

    const char *vals[2] = {"x", "y"};
    struct {
        double bn, bd, in, id;
    } bad[] = {{-1, 1, 1, 1}, {1, NAN, 1, 1}, {1, 1, INFINITY, 1}, {1, 1, 1, -0.5}};
    for (size_t i = 0; i < N_OF(bad); i++) {
        fl_diag_init(&d);
        struct fl_str v[2] = {fl_str_c("x"), fl_str_c("y")};
        struct fl_localize_row row = {bad[i].bn, bad[i].bd, bad[i].in, bad[i].id};
        cr_expect_eq(fl_localize_add(l, v, &row, &d), FL_EINVAL, "case %zu", i);
        cr_expect_not_null(strstr(d.msg, "finite and >= 0"), "%s", d.msg);
    }
    cr_expect_eq(fl_localize_n_leaves(l), 0);
    /* A NUL inside a value, and a value over the cap. */
    struct fl_str nul[2] = {{"a\0b", 3}, fl_str_c("y")};
    struct fl_localize_row ok = {1, 1, 1, 1};
    cr_expect_eq(fl_localize_add(l, nul, &ok, NULL), FL_EINVAL);
    char *big = fl_malloc(FL_LIMIT_VALUE_BYTES + 1);
    cr_assert_not_null(big);
    memset(big, 'x', FL_LIMIT_VALUE_BYTES + 1);
    struct fl_str longv[2] = {{big, FL_LIMIT_VALUE_BYTES + 1}, fl_str_c("y")};
    cr_expect_eq(fl_localize_add(l, longv, &ok, NULL), FL_ELIMIT);
    fl_free(big);
    cr_expect_eq(fl_localize_add(l, NULL, &ok, NULL), FL_EINVAL);
    cr_expect_eq(fl_localize_n_leaves(l), 0);

    /* Bad options. */
    cr_assert_eq(add_row(l, vals, 2, 1, 1, 2, 1), FL_OK);
    struct fl_localize_opts o;
    double *fields[] = {&o.baseline_scale, &o.t_eep,     &o.pep_threshold,
                        &o.uniform_gap,    &o.uniform_z, &o.min_rel_change};
    for (size_t i = 0; i < N_OF(fields); i++) {
        fl_localize_opts_init(&o);
        *fields[i] = i == 0 ? 0.0 : -1.0;
        cr_expect_eq(fl_localize_run(l, &o, &r, NULL), FL_EINVAL, "field %zu", i);
        fl_localize_opts_init(&o);
        *fields[i] = NAN;
        cr_expect_eq(fl_localize_run(l, &o, &r, NULL), FL_EINVAL, "field %zu NaN", i);
        cr_expect_null(r);
    }
    /* An empty value is an element like any other. */
    struct fl_str ev[2] = {{NULL, 0}, fl_str_c("y")};
    cr_expect_eq(fl_localize_add(l, ev, &ok, NULL), FL_OK);
    cr_expect_eq(fl_localize_n_leaves(l), 2);
    r = run(l, NULL);
    cr_expect_str_eq(elem_named(dim_named(r, "a", NULL), "")->value, "");
    fl_localize_report_free(r);
    fl_localize_free(l);
    fl_localize_free(NULL);
    fl_localize_report_free(NULL);
}

Test(localize, zero_denominators_everywhere)
{
    /* No baseline denominator at all, then none anywhere: defined results, no NaN. */
    static const char *const dims[] = {"a"};
    for (int mode = 0; mode < 2; mode++) {
        struct fl_localize *l = mk(dims, 1, true);
        const char *v1[1] = {"x"}, *v2[1] = {"y"};
        cr_assert_eq(add_row(l, v1, 1, 5, 0, 5, mode ? 0 : 10), FL_OK);
        cr_assert_eq(add_row(l, v2, 1, 3, 0, 1, mode ? 0 : 10), FL_OK);
        struct fl_localize_report *r = run(l, NULL);
        expect_no_nan(r);
        cr_expect_eq(r->total.base, 0.0);
        if (mode)
            cr_expect_eq(r->verdict, FL_LOCALIZE_NO_CHANGE, "%s", r->reason);
        fl_localize_report_free(r);
        fl_localize_free(l);
    }
}

/* Every allocation failure while building or running returns FL_ENOMEM, leaves the object
 * usable, and the final answer equals the undisturbed one. */
Test(localize, allocation_failures)
{
    struct fl_localize *ref = ctr_case(CTR_ANDROID_53);
    struct fl_localize_report *want = run(ref, NULL);
    for (long n = 0;; n++) {
        struct fl_localize *l = NULL;
        fl_alloc_fail_after(n);
        fl_err e = fl_localize_new(CTR_DIMS, 3, true, &l, NULL);
        fl_alloc_fail_after(-1);
        if (e) {
            cr_assert_eq(e, FL_ENOMEM);
            cr_assert_null(l);
            continue;
        }
        /* Build with failures armed; retry a failed row without them. */
        fl_alloc_fail_after(n);
        bool hit = false;
        uint64_t s = 42;
        for (size_t p = 0; p < 3; p++)
            for (size_t v = 0; v < 3; v++)
                for (size_t c = 0; c < 8; c++) {
                    double imp = 2000.0 + 397.0 * (double)((p * 7 + v * 3 + c * 5) % 11);
                    double ctr = 0.04 * (1.0 + 0.15 * (double)((p + 2 * v + c) % 4));
                    double iden = imp * (1.0 + noise(&s, 0.01));
                    double inum = iden * ctr * (1.0 + noise(&s, 0.01));
                    if (p == 1 && v == 2)
                        inum *= 0.5;
                    const char *vals[3] = {PLATFORMS[p], VERSIONS[v], COUNTRIES[c]};
                    e = add_row(l, vals, 3, imp * ctr, imp, inum, iden);
                    if (e) {
                        cr_assert_eq(e, FL_ENOMEM);
                        hit = true;
                        fl_alloc_fail_after(-1);
                        cr_assert_eq(add_row(l, vals, 3, imp * ctr, imp, inum, iden), FL_OK);
                    }
                }
        struct fl_localize_report *r = NULL;
        e = fl_localize_run(l, NULL, &r, NULL);
        fl_alloc_fail_after(-1);
        if (e) {
            cr_assert_eq(e, FL_ENOMEM);
            cr_assert_null(r);
            r = run(l, NULL);
            hit = true;
        }
        cr_assert_eq(fl_localize_n_leaves(l), 72);
        cr_assert_eq(r->verdict, want->verdict);
        cr_assert_eq(r->n_causes, want->n_causes);
        cr_assert_eq(r->causes[0].risk, want->causes[0].risk);
        cr_assert_eq(r->dims[0].elems[0].s.ep, want->dims[0].elems[0].s.ep);
        cr_assert_str_eq(r->reason, want->reason);
        fl_localize_report_free(r);
        fl_localize_free(l);
        if (!hit)
            break;
        cr_assert_lt(n, 100000, "no end to allocation failures");
    }
    fl_localize_report_free(want);
    fl_localize_free(ref);
}

/* ---- golden comparisons with scripts/gen-localize-golden.py -------------------------------- */

static double jnum(json_t *v)
{
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (strcmp(s, "inf") == 0)
            return INFINITY;
        if (strcmp(s, "-inf") == 0)
            return -INFINITY;
        return NAN;
    }
    cr_assert(json_is_number(v), "not a number");
    return json_number_value(v);
}

static void near(const char *where, const char *what, double got, json_t *jwant)
{
    double want = jnum(jwant);
    if (isinf(want) || isnan(want)) {
        cr_expect(got == want || (isnan(got) && isnan(want)), "%s %s: %.17g, want %.17g", where,
                  what, got, want);
        return;
    }
    /* Same definitions, same summation order: agreement to a few ulps; 1e-9 leaves room for
     * libm differences in log(). */
    cr_expect(fabs(got - want) <= fmax(1e-9 * fabs(want), 1e-12), "%s %s: %.17g, want %.17g", where,
              what, got, want);
}

static void cmp_seg(const char *where, const struct fl_localize_seg *g, json_t *j)
{
    cr_assert(json_is_object(j), "%s: no segment", where);
    struct {
        const char *k;
        double v;
    } f[] = {{"base_num", g->base_num},
             {"base_den", g->base_den},
             {"inc_num", g->inc_num},
             {"inc_den", g->inc_den},
             {"base", g->base},
             {"inc", g->inc},
             {"rel_change", g->rel_change},
             {"rest_rel_change", g->rest_rel_change},
             {"ep", g->ep},
             {"uniform_ep", g->uniform_ep},
             {"excess", g->excess},
             {"gap", g->gap},
             {"z", g->z}};
    for (size_t i = 0; i < N_OF(f); i++)
        near(where, f[i].k, f[i].v, json_object_get(j, f[i].k));
    cr_expect_eq(g->disproportionate, json_is_true(json_object_get(j, "disproportionate")),
                 "%s disproportionate", where);
}

static void golden_opts(json_t *jo, struct fl_localize_opts *o)
{
    fl_localize_opts_init(o);
    const char *k;
    json_t *v;
    json_object_foreach(jo, k, v)
    {
        if (strcmp(k, "max_layer") == 0)
            o->max_layer = (size_t)json_integer_value(v);
        else if (strcmp(k, "baseline_scale") == 0)
            o->baseline_scale = json_number_value(v);
        else if (strcmp(k, "prune_elements") == 0)
            o->prune_elements = json_is_true(v);
        else if (strcmp(k, "n_remove") == 0)
            o->n_remove = (size_t)json_integer_value(v);
        else if (strcmp(k, "t_ep") == 0)
            o->t_ep = json_number_value(v);
        else if (strcmp(k, "top_k") == 0)
            o->top_k = (size_t)json_integer_value(v);
        else
            cr_assert_fail("golden option %s not handled", k);
    }
}

static void golden_case(json_t *cs)
{
    const char *name = json_string_value(json_object_get(cs, "name"));
    bool derived = json_is_true(json_object_get(cs, "derived"));
    json_t *jd = json_object_get(cs, "dims"), *rows = json_object_get(cs, "rows");
    size_t nd = json_array_size(jd);
    const char *dims[FL_LIMIT_LOC_DIMS];
    for (size_t i = 0; i < nd; i++)
        dims[i] = json_string_value(json_array_get(jd, i));
    struct fl_localize *l = mk(dims, nd, derived);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        json_t *jv = json_array_get(row, 0);
        const char *vals[FL_LIMIT_LOC_DIMS];
        for (size_t k = 0; k < nd; k++)
            vals[k] = json_string_value(json_array_get(jv, k));
        cr_assert_eq(add_row(l, vals, nd, jnum(json_array_get(row, 1)),
                             jnum(json_array_get(row, 2)), jnum(json_array_get(row, 3)),
                             jnum(json_array_get(row, 4))),
                     FL_OK);
    }
    struct fl_localize_opts o;
    golden_opts(json_object_get(cs, "opts"), &o);
    struct fl_localize_report *r = run(l, &o);
    json_t *x = json_object_get(cs, "expect");
    char where[256];
    near(name, "R", r->total.rel_change, json_object_get(x, "R"));
    near(name, "noise", r->noise, json_object_get(x, "noise"));
    snprintf(where, sizeof where, "%s total", name);
    cmp_seg(where, &r->total, json_object_get(x, "total"));
    cr_expect_str_eq(fl_localize_verdict_name(r->verdict),
                     json_string_value(json_object_get(x, "verdict")), "%s verdict (%s)", name,
                     r->reason);
    json_t *xd = json_object_get(x, "dims");
    cr_assert_eq(r->n_dims, json_array_size(xd), "%s dims", name);
    for (size_t d = 0; d < r->n_dims; d++) {
        const struct fl_localize_dim *g = &r->dims[d];
        json_t *w = json_array_get(xd, d);
        snprintf(where, sizeof where, "%s dim#%zu %s", name, d, g->name);
        cr_assert_str_eq(g->name, json_string_value(json_object_get(w, "name")), "%s", where);
        cr_expect_eq(g->explains, json_is_true(json_object_get(w, "explains")), "%s", where);
        cr_expect_eq(g->selected, json_is_true(json_object_get(w, "selected")), "%s", where);
        cr_expect_eq(g->n_set, (size_t)json_integer_value(json_object_get(w, "n_set")), "%s",
                     where);
        near(where, "surprise", g->surprise, json_object_get(w, "surprise"));
        near(where, "set_surprise", g->set_surprise, json_object_get(w, "set_surprise"));
        if (g->explains)
            cmp_seg(where, &g->set, json_object_get(w, "set"));
        json_t *we = json_object_get(w, "elems");
        cr_assert_eq(g->n_elems, json_array_size(we), "%s elems", where);
        for (size_t k = 0; k < g->n_elems; k++) {
            const struct fl_localize_elem *el = &g->elems[k];
            json_t *v = json_array_get(we, k);
            char ew[300];
            snprintf(ew, sizeof ew, "%s=%s", where, el->value);
            cr_assert_str_eq(el->value, json_string_value(json_object_get(v, "value")), "%s order",
                             where);
            near(ew, "surprise", el->surprise, json_object_get(v, "surprise"));
            near(ew, "surprise_num", el->surprise_num, json_object_get(v, "surprise_num"));
            near(ew, "surprise_den", el->surprise_den, json_object_get(v, "surprise_den"));
            cr_expect_eq(el->in_set, json_is_true(json_object_get(v, "in_set")), "%s", ew);
            cmp_seg(ew, &el->s, json_object_get(v, "s"));
        }
    }
    json_t *rl = json_object_get(x, "riskloc");
    near(name, "cutoff", r->cutoff, json_object_get(rl, "cutoff"));
    cr_expect_eq(r->anomaly_decrease, json_is_true(json_object_get(rl, "decrease")), "%s", name);
    cr_expect_eq(r->n_anomalous, (size_t)json_integer_value(json_object_get(rl, "n_anomalous")),
                 "%s", name);
    json_t *xc = json_object_get(rl, "causes");
    cr_assert_eq(r->n_causes, json_array_size(xc), "%s causes (%s)", name, r->reason);
    for (size_t k = 0; k < r->n_causes; k++) {
        const struct fl_localize_cause *c = &r->causes[k];
        json_t *w = json_array_get(xc, k), *attrs = json_object_get(w, "attrs");
        snprintf(where, sizeof where, "%s cause#%zu", name, k);
        cr_assert_eq(c->n_attrs, json_array_size(attrs), "%s", where);
        for (size_t j = 0; j < c->n_attrs; j++) {
            json_t *a = json_array_get(attrs, j);
            cr_expect_str_eq(dims[c->dims[j]], json_string_value(json_array_get(a, 0)), "%s",
                             where);
            cr_expect_str_eq(c->values[j], json_string_value(json_array_get(a, 1)), "%s", where);
        }
        near(where, "risk", c->risk, json_object_get(w, "risk"));
        near(where, "high", c->high_risk, json_object_get(w, "high"));
        near(where, "low", c->low_risk, json_object_get(w, "low"));
        near(where, "search_ep", c->search_ep, json_object_get(w, "search_ep"));
        cr_expect_eq(c->n_leaves, (size_t)json_integer_value(json_object_get(w, "n_leaves")), "%s",
                     where);
        cmp_seg(where, &c->s, json_object_get(w, "s"));
    }
    if (r->n_causes) {
        snprintf(where, sizeof where, "%s union", name);
        cmp_seg(where, &r->causes_union, json_object_get(rl, "union"));
    }
    fl_localize_report_free(r);
    fl_localize_free(l);
}

Test(localize, golden_against_python_reference)
{
    json_error_t je;
    json_t *doc = json_load_file(GOLDEN, 0, &je);
    cr_assert_not_null(doc, "%s:%d: %s", GOLDEN, je.line, je.text);
    json_t *cases = json_object_get(doc, "cases");
    cr_assert_geq(json_array_size(cases), 8);
    size_t i, n_derived = 0, n_causes = 0;
    json_t *cs;
    json_array_foreach(cases, i, cs)
    {
        golden_case(cs);
        n_derived += json_is_true(json_object_get(cs, "derived"));
        n_causes += json_array_size(
            json_object_get(json_object_get(json_object_get(cs, "expect"), "riskloc"), "causes"));
    }
    /* The golden set exercises both measure kinds and finds root causes. */
    cr_expect_geq(n_derived, 3);
    cr_expect_geq(n_causes, 10);
    json_decref(doc);
}
