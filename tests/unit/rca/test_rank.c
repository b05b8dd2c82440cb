// SPDX-License-Identifier: Apache-2.0
/*
 * test_rank.c: src/rca/rank.c on constructed series whose right answer is known: a step in one
 * metric among noisy ones, fault-free data (no culprit), a level that predates the onset, spikes
 * that are normal for a series, the direction of a bad change, unit-scale floors, zero
 * baselines, the call graph (root vs inherited, the magnitude and time rules, cycles), the
 * symptom gate, truncation, the mapping rules, the wide-table and edge readers with their error
 * messages, option checks and allocation failures.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "ingest/table.h"
#include "rca/rank.h"
#include "stats/robust.h"

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))
#define MAXS 32
#define MAXP 1200

/* A set of series on one shared time axis (1 s steps from t0), values filled by the tests. */
struct set {
    int64_t ts[MAXP];
    double v[MAXS][MAXP];
    double ref[MAXS][MAXP];
    char names[MAXS][48];
    struct fl_rank_series s[MAXS];
    size_t n, points, n_ref;
    uint64_t rng;
};

#define T0 1700000000000LL
#define ONSET(set, i) (T0 + (int64_t)(i)*1000)

/* Deterministic noise: a 64-bit LCG, 12 uniforms summed (approximately N(0, 1)). */
static double noise(struct set *st)
{
    double s = 0;
    for (int k = 0; k < 12; k++) {
        st->rng = st->rng * 6364136223846793005ULL + 1442695040888963407ULL;
        s += (double)(st->rng >> 11) * 0x1p-53;
    }
    return s - 6;
}

static struct set *set_new(size_t n, size_t points, size_t n_ref, uint64_t seed)
{
    struct set *st = fl_calloc(1, sizeof *st);
    cr_assert_not_null(st);
    cr_assert(n <= MAXS && points <= MAXP && n_ref <= MAXP);
    st->n = n;
    st->points = points;
    st->n_ref = n_ref;
    st->rng = seed;
    for (size_t i = 0; i < points; i++)
        st->ts[i] = T0 + (int64_t)i * 1000;
    for (size_t k = 0; k < n; k++) {
        snprintf(st->names[k], sizeof st->names[k], "svc%zu_cpu", k);
        for (size_t i = 0; i < points; i++)
            st->v[k][i] = 10 + noise(st);
        for (size_t i = 0; i < n_ref; i++)
            st->ref[k][i] = 10 + noise(st);
    }
    return st;
}

static const struct fl_rank_series *set_series(struct set *st)
{
    for (size_t k = 0; k < st->n; k++)
        st->s[k] = (struct fl_rank_series){.name = st->names[k],
                                           .ts_ms = st->ts,
                                           .v = st->v[k],
                                           .n = st->points,
                                           .ref_v = st->n_ref ? st->ref[k] : NULL,
                                           .n_ref = st->n_ref};
    return st->s;
}

static struct fl_rank_result *run(struct set *st, const struct fl_rank_opts *o)
{
    struct fl_rank_result *r = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_rank_run(set_series(st), st->n, o, &r, &d);
    cr_assert_eq(e, FL_OK, "%s: %s", fl_err_name(e), d.msg);
    cr_assert_not_null(r);
    return r;
}

static const struct fl_rank_series_result *find(const struct fl_rank_result *r, const char *name)
{
    for (size_t i = 0; i < r->n_series; i++)
        if (!strcmp(r->series[i].name, name))
            return &r->series[i];
    cr_assert_fail("series %s not in the result", name);
    return NULL;
}

static const struct fl_rank_component_result *comp(const struct fl_rank_result *r, const char *n)
{
    for (size_t i = 0; i < r->n_components; i++)
        if (!strcmp(r->components[i].name, n))
            return &r->components[i];
    cr_assert_fail("component %s not in the result", n);
    return NULL;
}

static void opts(struct fl_rank_opts *o, int64_t onset)
{
    fl_rank_opts_default(o);
    o->onset_ms = onset;
}

/* ---- scoring ---- */

Test(rank, a_step_in_one_metric_is_found_first)
{
    struct set *st = set_new(12, 600, 0, 1);
    for (size_t i = 300; i < 600; i++)
        st->v[7][i] += 8; /* about 6 IQRs of N(0,1) noise */
    struct fl_rank_opts o;
    opts(&o, ONSET(st, 300));
    struct fl_rank_result *r = run(st, &o);
    cr_expect_eq(r->verdict, FL_RANK_CHANGED);
    cr_expect_str_eq(r->series[0].name, "svc7_cpu");
    cr_expect(r->series[0].significant);
    cr_expect_gt(r->series[0].deviation, 5);
    /* the largest deviation; a step leaves the first differences alone, so KS adds little */
    cr_expect_geq(r->series[0].score, 0.75);
    cr_expect_lt(r->series[0].ks_d, 0.2);
    cr_expect_gt(r->series[0].delta, 6);
    cr_expect_lt(r->series[0].delta, 12);
    cr_expect_eq(r->series[0].n_ref, 300);
    cr_expect_eq(r->series[0].n_pre, 300);
    cr_expect_eq(r->series[0].n_incident, 300);
    /* the change point finds the step at the onset */
    cr_expect(r->series[0].has_onset);
    cr_expect_eq(r->series[0].onset_ms, ONSET(st, 300));
    cr_expect_str_eq(r->components[0].name, "svc7_cpu"); /* map "name": one per series */
    cr_expect(r->components[0].root);
    for (size_t i = 1; i < r->n_series; i++)
        cr_expect(!r->series[i].significant, "%s deviation %g", r->series[i].name,
                  r->series[i].deviation);
    fl_rank_result_free(r);
    fl_free(st);
}

Test(rank, fault_free_data_names_nothing)
{
    /* 20 series of plain noise, a separate reference and the input's own pre-onset part; every
     * onset position gives "no significant change". */
    struct set *st = set_new(20, 400, 400, 2);
    for (size_t at = 100; at <= 390; at += 10) {
        struct fl_rank_opts o;
        opts(&o, ONSET(st, at));
        struct fl_rank_result *r = run(st, &o);
        cr_expect_eq(r->verdict, FL_RANK_NO_CHANGE, "onset row %zu: %s (%s %g)", at,
                     fl_rank_verdict_name(r->verdict), r->series[0].name, r->series[0].deviation);
        for (size_t c = 0; c < r->n_components; c++)
            cr_expect(!r->components[c].changed && !r->components[c].root);
        fl_rank_result_free(r);
    }
    fl_free(st);
}

Test(rank, a_level_that_predates_the_onset_is_not_caused_by_it)
{
    /* svc0's separate reference sits at 10, but the series itself was at 30 before the onset as
     * after it: far from the reference, yet no change at the onset. svc1 changes at the onset. */
    struct set *st = set_new(2, 200, 600, 3);
    for (size_t i = 0; i < 200; i++)
        st->v[0][i] += 20;
    for (size_t i = 100; i < 200; i++)
        st->v[1][i] += 10;
    struct fl_rank_opts o;
    opts(&o, ONSET(st, 100));
    struct fl_rank_result *r = run(st, &o);
    const struct fl_rank_series_result *a = find(r, "svc0_cpu"), *b = find(r, "svc1_cpu");
    cr_expect(!a->significant, "deviation %g", a->deviation);
    cr_expect_lt(a->deviation, 3);
    cr_expect_gt(a->baro, 10); /* plain BARO (no pre-onset check) would blame it */
    cr_expect(b->significant);
    cr_expect_float_eq(a->level_pre, 30, 1.0);
    fl_rank_result_free(r);
    fl_free(st);
}

Test(rank, spikes_that_are_normal_for_a_series_do_not_count)
{
    /* svc0 has a narrow core and a 5 % tail of +6 spikes in its reference; an incident spike of
     * +6 is its usual behaviour. svc1 without spikes shifts by +4: a real change. */
    struct set *st = set_new(2, 400, 0, 4);
    for (size_t i = 0; i < 400; i++) {
        st->v[0][i] = 10 + 0.1 * noise(st) + (i % 10 == 3 ? 6 : 0);
        st->v[1][i] = 10 + 0.5 * noise(st) + (i >= 300 ? 4 : 0);
    }
    st->v[0][350] = 16.2;
    struct fl_rank_opts o;
    opts(&o, ONSET(st, 300));
    struct fl_rank_result *r = run(st, &o);
    const struct fl_rank_series_result *a = find(r, "svc0_cpu"), *b = find(r, "svc1_cpu");
    cr_expect(!a->significant, "deviation %g", a->deviation);
    cr_expect_gt(a->baro, 20); /* IQR alone calls the spike extreme */
    cr_expect(b->significant);
    cr_expect_str_eq(r->series[0].name, "svc1_cpu");
    fl_rank_result_free(r);
    fl_free(st);
}

Test(rank, a_lone_spike_in_a_long_window_is_not_a_change)
{
    /* svc0: plain noise whose incident window holds one rare +12 spike (none in its reference,
     * so its tail quantile cannot absorb it); svc1 shifts by +8 for good. Over 300 incident
     * points a change must hold for 4 consecutive points (persist auto), so only svc1 counts.
     * With persist forced to 1 (BARO's plain maximum), the spike is a "change" too. */
    struct set *st = set_new(2, 600, 0, 11);
    st->v[0][420] = 22;
    for (size_t i = 300; i < 600; i++)
        st->v[1][i] += 8;
    struct fl_rank_opts o;
    opts(&o, ONSET(st, 300));
    struct fl_rank_result *r = run(st, &o);
    const struct fl_rank_series_result *a = find(r, "svc0_cpu"), *b = find(r, "svc1_cpu");
    cr_expect(!a->significant, "deviation %g", a->deviation);
    cr_expect_lt(a->deviation, 3);
    cr_expect(b->significant);
    cr_expect_eq(b->first_ms, ONSET(st, 300)); /* the run that starts the change */
    cr_expect_gt(b->delta, 5);
    fl_rank_result_free(r);

    o.persist = 1;
    r = run(st, &o);
    a = find(r, "svc0_cpu");
    cr_expect(a->significant, "deviation %g", a->deviation);
    cr_expect_gt(a->deviation, 5);
    cr_expect_eq(a->peak_ts_ms, ONSET(st, 420));
    fl_rank_result_free(r);

    /* A short window (fewer than 20 incident points) keeps single points: a 5-minute-row
     * benchmark's incident is 3 rows. */
    struct set *sh = set_new(1, 103, 0, 12);
    sh->v[0][101] = 22;
    opts(&o, ONSET(sh, 100));
    r = run(sh, &o);
    cr_expect(r->series[0].significant, "deviation %g", r->series[0].deviation);
    fl_rank_result_free(r);
    fl_free(sh);
    fl_free(st);
}

Test(rank, direction_of_a_bad_change)
{
    struct set *st = set_new(3, 300, 0, 5);
    for (size_t i = 200; i < 300; i++) {
        st->v[0][i] -= 9; /* a drop */
        st->v[1][i] += 7; /* a rise */
    }
    static const struct {
        enum fl_rank_direction dir;
        bool drop, rise;
    } cases[] = {
        {FL_RANK_BOTH, true, true}, {FL_RANK_UP, false, true}, {FL_RANK_DOWN, true, false}};
    for (size_t c = 0; c < N_OF(cases); c++) {
        struct fl_rank_opts o;
        opts(&o, ONSET(st, 200));
        o.direction = cases[c].dir;
        struct fl_rank_result *r = run(st, &o);
        const struct fl_rank_series_result *a = find(r, "svc0_cpu"), *b = find(r, "svc1_cpu");
        cr_expect_eq(a->significant, cases[c].drop, "%s: drop",
                     fl_rank_direction_name(cases[c].dir));
        cr_expect_eq(b->significant, cases[c].rise, "%s: rise",
                     fl_rank_direction_name(cases[c].dir));
        if (cases[c].drop)
            cr_expect_lt(a->delta, 0);
        else
            cr_expect_eq(a->deviation, 0);
        fl_rank_result_free(r);
    }
    fl_free(st);
}

Test(rank, relative_floor_ignores_a_page_of_a_constant_gauge)
{
    /* Memory gauges constant at 3e8 bytes in the reference: +8192 bytes is no change, +50 MB is. */
    struct set *st = set_new(3, 200, 0, 6);
    for (size_t i = 0; i < 200; i++) {
        st->v[0][i] = 3e8 + (i >= 100 ? 8192 : 0);
        st->v[1][i] = 3e8 + (i >= 100 ? 5e7 : 0);
    }
    struct fl_rank_opts o;
    opts(&o, ONSET(st, 100));
    struct fl_rank_result *r = run(st, &o);
    const struct fl_rank_series_result *a = find(r, "svc0_cpu"), *b = find(r, "svc1_cpu");
    cr_expect_float_eq(a->scale_up, 3e5, 1e-6); /* 1e-3 x median */
    cr_expect_float_eq(a->deviation, 8192 / 3e5, 1e-9);
    cr_expect(!a->significant);
    cr_expect_float_eq(b->deviation, 5e7 / 3e5, 1e-6);
    cr_expect(b->significant);
    double plain;
    cr_assert_eq(fl_robust_baro(st->v[0], 100, st->v[0] + 100, 100, &plain), FL_OK);
    cr_expect_float_eq(a->baro, plain, 1e-12);
    cr_expect_float_eq(a->baro, 8192, 1e-9); /* RCAEval: IQR 0 counts as 1 */
    fl_rank_result_free(r);
    fl_free(st);
}

Test(rank, a_zero_baseline_that_comes_alive_is_a_change)
{
    struct set *st = set_new(2, 100, 0, 7);
    for (size_t i = 0; i < 100; i++) {
        st->v[0][i] = i >= 60 ? 0.02 : 0; /* an error rate */
        st->v[1][i] = 0;                  /* all zero: nothing to see */
    }
    struct fl_rank_opts o;
    opts(&o, ONSET(st, 60));
    struct fl_rank_result *r = run(st, &o);
    const struct fl_rank_series_result *a = find(r, "svc0_cpu"), *b = find(r, "svc1_cpu");
    cr_expect(a->significant);
    cr_expect_float_eq(a->deviation, 1000, 1e-9); /* 1 / rel_floor */
    cr_expect_eq(b->deviation, 0);
    cr_expect(!b->significant);
    cr_expect_gt(a->volume, 0);
    fl_rank_result_free(r);
    fl_free(st);
}

Test(rank, ks_on_first_differences_needs_enough_points)
{
    struct set *st = set_new(2, 220, 0, 8);
    for (size_t i = 200; i < 220; i++) /* far more volatile after the onset: 20 points */
        st->v[0][i] = 10 + 10 * noise(st);
    struct fl_rank_opts o;
    opts(&o, ONSET(st, 200));
    struct fl_rank_result *r = run(st, &o);
    const struct fl_rank_series_result *a = find(r, "svc0_cpu");
    cr_expect(!isnan(a->ks_d));
    cr_expect_gt(a->ks_d, 0.4);
    cr_expect_lt(a->ks_p, 0.01);
    fl_rank_result_free(r);
    opts(&o, ONSET(st, 210)); /* 10 incident points: 9 differences < ks_min */
    r = run(st, &o);
    cr_expect(isnan(find(r, "svc0_cpu")->ks_d));
    cr_expect(isnan(find(r, "svc0_cpu")->ks_p));
    fl_rank_result_free(r);
    fl_free(st);
}

Test(rank, truncation_and_missing_values)
{
    struct set *st = set_new(2, 500, 200, 9);
    for (size_t i = 0; i < 500; i += 7)
        st->v[0][i] = NAN;
    st->v[1][450] = INFINITY;
    struct fl_rank_opts o;
    opts(&o, ONSET(st, 300));
    o.max_before = 250; /* 200 separate + 300 own before the onset -> the last 250 */
    o.max_after = 100;
    struct fl_rank_result *r = run(st, &o);
    const struct fl_rank_series_result *a = find(r, "svc0_cpu"), *b = find(r, "svc1_cpu");
    cr_expect_eq(b->n_ref, 250);
    cr_expect_eq(b->n_pre, 250);
    cr_expect_eq(b->n_incident, 100);
    size_t nan_before = 0, nan_after = 0;
    for (size_t i = 50; i < 300; i++)
        nan_before += i % 7 == 0;
    for (size_t i = 300; i < 400; i++)
        nan_after += i % 7 == 0;
    cr_expect_eq(a->n_ref, 250 - nan_before);
    cr_expect_eq(a->n_incident, 100 - nan_after);
    fl_rank_result_free(r);
    o.max_before = 0;
    o.max_after = 0;
    r = run(st, &o);
    cr_expect_eq(find(r, "svc1_cpu")->n_ref, 500);
    cr_expect_eq(find(r, "svc1_cpu")->n_pre, 300);
    cr_expect_eq(find(r, "svc1_cpu")->n_incident, 199); /* one infinity dropped */
    fl_rank_result_free(r);
    fl_free(st);
}

Test(rank, too_few_points_is_no_data)
{
    struct set *st = set_new(2, 50, 0, 10);
    for (size_t i = 0; i < 45; i++)
        st->v[0][i] = NAN;
    struct fl_rank_opts o;
    opts(&o, ONSET(st, 40)); /* svc0 has no reference point; svc1 has 40 */
    struct fl_rank_result *r = run(st, &o);
    const struct fl_rank_series_result *a = find(r, "svc0_cpu");
    cr_expect_eq(a->status, FL_RANK_NO_DATA);
    cr_expect_eq(a->score, 0);
    cr_expect(!a->significant);
    cr_expect_str_eq(r->series[r->n_series - 1].name, "svc0_cpu");
    fl_rank_result_free(r);
    opts(&o, ONSET(st, 60)); /* after every point: no incident window at all */
    r = run(st, &o);
    cr_expect_eq(find(r, "svc1_cpu")->status, FL_RANK_NO_DATA);
    cr_expect_eq(r->verdict, FL_RANK_NO_CHANGE);
    fl_rank_result_free(r);
    fl_free(st);
}

/* ---- components and the call graph ---- */

/* Components a, b, c with one latency series each (a calls b calls c) and a cpu series of b. */
static struct set *chain(double da, double db, double dc, size_t start_a, size_t start_b,
                         size_t start_c)
{
    struct set *st = set_new(4, 300, 0, 11);
    static const char *const names[] = {"a_latency", "b_latency", "c_latency", "b_cpu"};
    for (size_t k = 0; k < 4; k++)
        snprintf(st->names[k], sizeof st->names[k], "%s", names[k]);
    for (size_t i = 0; i < 300; i++) {
        st->v[0][i] = 100 + noise(st) + (i >= start_a ? da : 0);
        st->v[1][i] = 50 + noise(st) + (i >= start_b ? db : 0);
        st->v[2][i] = 20 + noise(st) + (i >= start_c ? dc : 0);
    }
    return st;
}

static const struct fl_rank_edge g_chain[] = {{"a", "b"}, {"b", "c"}, {"a", "x_unknown"}};

static struct fl_rank_result *run_graph(struct set *st, struct fl_rank_map **m)
{
    struct fl_rank_opts o;
    opts(&o, ONSET(st, 200));
    cr_assert_eq(fl_rank_map_new("prefix:_", NULL, m, NULL), FL_OK);
    o.map = *m;
    o.edges = g_chain;
    o.n_edges = N_OF(g_chain);
    return run(st, &o);
}

Test(rank, the_deepest_changed_dependency_is_the_root)
{
    struct fl_rank_map *m = NULL;
    struct set *st = chain(30, 30, 30, 200, 200, 200); /* c's latency adds up through b and a */
    struct fl_rank_result *r = run_graph(st, &m);
    cr_expect_eq(r->n_edges_used, 2); /* the edge to an unknown component is ignored */
    cr_expect_str_eq(r->components[0].name, "c");
    cr_expect(r->components[0].root);
    cr_expect_eq(r->components[0].n_explains, 2);
    const struct fl_rank_component_result *a = comp(r, "a"), *b = comp(r, "b");
    cr_expect(!a->root && a->changed);
    cr_expect(!b->root && b->changed);
    cr_expect_str_eq(r->components[b->explained_by].name, "c");
    cr_expect_str_eq(r->components[a->explained_by].name, "b");
    cr_expect_eq(comp(r, "b")->n_series, 2);
    cr_expect_eq(comp(r, "b")->n_significant, 1);
    cr_expect_str_eq(r->series[comp(r, "b")->best].name, "b_latency");
    fl_rank_result_free(r);
    fl_rank_map_free(m);
    fl_free(st);
}

/* A batch system on a compressed clock (a "day" of 60 points): a table's row count grows 0.25 %
 * a day with the customer base (its pipeline writes at minute 10 of each day) and the scoring job
 * that reads it repeats the count at minute 20. The onset falls between the two writes of day 10
 * (minute 15); a flood of new rows reaches the table on day 11 (+16 %) and the scoring job after
 * it. The scoring job's first value after the onset, day 10's count, merely goes on with the trend
 * (just beyond the reference's range); dated by it, scoring would "begin" a day before the table
 * and be named the root. Allowing for the reference's trend, its change begins on day 11, after
 * the table's, which explains it. */
#define DAY_PTS 60
static double rows_on(size_t i, size_t write_at, size_t flood_day)
{
    size_t day = i / DAY_PTS;
    if (i % DAY_PTS < write_at) /* before today's write: yesterday's count */
        day = day ? day - 1 : 0;
    return 250000.0 * pow(1.0025, (double)day) * (day >= flood_day ? 1.16 : 1.0);
}

static const struct fl_rank_edge g_rows[] = {{"scoring", "table"}};

/* The two row counts, their options (*m to free) and the onset between the writes of day 10. */
static struct set *rows_set(struct fl_rank_opts *o, struct fl_rank_map **m)
{
    struct set *st = set_new(2, 20 * DAY_PTS, 0, 5);
    snprintf(st->names[0], sizeof st->names[0], "table_rows");
    snprintf(st->names[1], sizeof st->names[1], "scoring_rows");
    for (size_t i = 0; i < st->points; i++) {
        st->v[0][i] = rows_on(i, 10, 11);
        st->v[1][i] = rows_on(i, 20, 11);
    }
    opts(o, ONSET(st, 10 * DAY_PTS + 15));
    cr_assert_eq(fl_rank_map_new("prefix:_", NULL, m, NULL), FL_OK);
    o->map = *m;
    o->edges = g_rows;
    o->n_edges = N_OF(g_rows);
    return st;
}

Test(rank, a_trend_in_the_reference_is_not_where_a_change_began)
{
    struct fl_rank_opts o;
    struct fl_rank_map *m = NULL;
    struct set *st = rows_set(&o, &m);
    struct fl_rank_result *r = run(st, &o);
    const struct fl_rank_series_result *t = find(r, "table_rows"), *sc = find(r, "scoring_rows");
    cr_assert(t->significant && sc->significant);
    cr_expect_eq(t->first_ms, ONSET(st, 11 * DAY_PTS + 10), "table began at %lld",
                 (long long)t->first_ms);
    cr_expect_eq(sc->first_ms, ONSET(st, 11 * DAY_PTS + 20), "scoring began at %lld",
                 (long long)sc->first_ms);
    cr_expect_str_eq(r->components[0].name, "table");
    cr_expect(r->components[0].root);
    cr_expect(!comp(r, "scoring")->root);
    fl_rank_result_free(r);
    fl_rank_map_free(m);
    fl_free(st);
}

Test(rank, a_small_change_below_does_not_explain_a_big_one_above)
{
    /* b's latency rises by 60; c's by 8 (significant, but 13 % of b's): b is a root. */
    struct fl_rank_map *m = NULL;
    struct set *st = chain(60, 60, 8, 200, 200, 200);
    struct fl_rank_result *r = run_graph(st, &m);
    const struct fl_rank_component_result *b = comp(r, "b"), *c = comp(r, "c");
    cr_expect(c->changed && c->root);
    cr_expect(b->root, "b explained by %ld", b->explained_by);
    cr_expect_eq(b->n_explains, 1); /* a */
    cr_expect_str_eq(r->components[0].name, "b");
    fl_rank_result_free(r);
    fl_rank_map_free(m);
    fl_free(st);
}

Test(rank, a_dependency_that_changed_later_explains_nothing)
{
    /* b changes at the onset, c (its dependency) 50 s later: the cause cannot come after. */
    struct fl_rank_map *m = NULL;
    struct set *st = chain(0, 40, 40, 300, 200, 250);
    struct fl_rank_result *r = run_graph(st, &m);
    const struct fl_rank_component_result *b = comp(r, "b"), *c = comp(r, "c");
    cr_expect(b->root);
    cr_expect(c->root);
    cr_expect_eq(find(r, "b_latency")->first_ms, ONSET(st, 200));
    cr_expect_gt(find(r, "c_latency")->first_ms, ONSET(st, 200));
    cr_expect_leq(find(r, "c_latency")->first_ms, ONSET(st, 250));
    fl_rank_result_free(r);
    fl_rank_map_free(m);
    fl_free(st);
}

Test(rank, components_explaining_each_other_still_give_a_root)
{
    struct set *st = chain(0, 30, 30, 300, 200, 200);
    static const struct fl_rank_edge cyc[] = {{"b", "c"}, {"c", "b"}};
    struct fl_rank_map *m = NULL;
    struct fl_rank_opts o;
    opts(&o, ONSET(st, 200));
    cr_assert_eq(fl_rank_map_new("prefix", NULL, &m, NULL), FL_OK);
    o.map = m;
    o.edges = cyc;
    o.n_edges = 2;
    struct fl_rank_result *r = run(st, &o);
    size_t roots = 0;
    for (size_t i = 0; i < r->n_components; i++)
        roots += r->components[i].root;
    cr_expect_eq(roots, 1);
    cr_expect(r->components[0].root);
    fl_rank_result_free(r);
    fl_rank_map_free(m);
    fl_free(st);
}

Test(rank, the_symptom_gate)
{
    /* a long reference (1000 points) and a short incident window (20) */
    struct set *st = set_new(3, 1020, 0, 12);
    snprintf(st->names[0], sizeof st->names[0], "front_latency");
    for (size_t i = 1000; i < 1020; i++)
        st->v[2][i] += 10; /* something changed, but not the symptom */
    struct fl_rank_opts o;
    opts(&o, ONSET(st, 1000));
    o.symptom = "front_latency";
    struct fl_rank_result *r = run(st, &o);
    cr_expect_eq(r->verdict, FL_RANK_SYMPTOM_UNCHANGED, "%s: deviation %g, bar %g",
                 fl_rank_verdict_name(r->verdict), r->series[r->symptom].deviation, r->symptom_bar);
    cr_assert_geq(r->symptom, 0);
    cr_expect_str_eq(r->series[r->symptom].name, "front_latency");
    /* the bar: the 95th percentile of 20-point maxima of N(0,1) is about 2.7 sd, 2 IQRs */
    cr_expect_gt(r->symptom_bar, 1.6);
    cr_expect_lt(r->symptom_bar, 2.6);
    fl_rank_result_free(r);
    for (size_t i = 1000; i < 1020; i++)
        st->v[0][i] += 3; /* the symptom moves a little: confirmed, and svc2 is named */
    r = run(st, &o);
    cr_expect_eq(r->verdict, FL_RANK_CHANGED);
    cr_expect(r->series[r->symptom].significant);
    cr_expect_lt(r->series[r->symptom].deviation, 5);
    cr_expect_str_eq(r->components[0].name, "svc2_cpu");
    fl_rank_result_free(r);
    /* a symptom that moved a little with nothing else reaching the threshold names nobody */
    for (size_t i = 1000; i < 1020; i++)
        st->v[2][i] -= 10;
    r = run(st, &o);
    cr_expect_eq(r->verdict, FL_RANK_NO_CHANGE);
    fl_rank_result_free(r);
    /* the bar is the quantile of the reference deviations at 0.8^(1/20), checked by hand */
    opts(&o, ONSET(st, 100));
    o.symptom = "front_latency";
    o.max_after = 20;
    r = run(st, &o);
    const struct fl_rank_series_result *sym = &r->series[r->symptom];
    double z[100];
    for (size_t i = 0; i < 100; i++) {
        double dv = st->v[0][i] - sym->median;
        z[i] = dv > 0 ? dv / sym->scale_up : 0; /* direction both: |dv| over its side's spread */
        if (dv < 0)
            z[i] = -dv / sym->scale_down;
    }
    double want;
    cr_assert_eq(fl_robust_quantile(z, 100, pow(0.8, 1.0 / 20), &want), FL_OK);
    cr_expect_float_eq(r->symptom_bar, fmax(1.0, want), 1e-12);
    fl_rank_result_free(r);
    o.symptom = "nope";
    struct fl_diag d;
    fl_diag_init(&d);
    cr_expect_eq(fl_rank_run(set_series(st), st->n, &o, &r, &d), FL_EINVAL);
    cr_expect_null(r);
    cr_expect(strstr(d.msg, "nope") != NULL, "%s", d.msg);
    fl_free(st);
}

Test(rank, a_strong_change_elsewhere_corroborates_a_marginal_symptom)
{
    /* The symptom sits between its two bars: beyond its normal range at alpha 0.5, inside it at
     * alpha 0.2. Alone it names nobody; with svc2 changed by 10 IQRs at the onset it counts as
     * confirmed (symptom_corroborated) and svc2 is named. */
    struct set *st = set_new(3, 1020, 0, 13);
    snprintf(st->names[0], sizeof st->names[0], "front_latency");
    struct fl_rank_opts o;
    opts(&o, ONSET(st, 1000));
    o.symptom = "front_latency";
    o.direction = FL_RANK_UP;
    struct fl_rank_result *r = run(st, &o);
    const struct fl_rank_series_result *sym = &r->series[r->symptom];
    double bar = r->symptom_bar, bar_c = r->symptom_bar_corroborated;
    double med = sym->median, up = sym->scale_up;
    cr_assert_lt(bar_c, bar, "bars %g %g", bar_c, bar);
    cr_expect_geq(bar_c, 1.0);
    fl_rank_result_free(r);
    for (size_t i = 1000; i < 1020; i++)
        st->v[0][i] = med + (bar + bar_c) / 2 * up;
    r = run(st, &o);
    cr_expect_eq(r->verdict, FL_RANK_SYMPTOM_UNCHANGED, "%s", fl_rank_verdict_name(r->verdict));
    cr_expect(!r->symptom_corroborated);
    fl_rank_result_free(r);
    for (size_t i = 1000; i < 1020; i++)
        st->v[2][i] += 10;
    r = run(st, &o);
    cr_expect_eq(r->verdict, FL_RANK_CHANGED, "%s", fl_rank_verdict_name(r->verdict));
    cr_expect(r->symptom_corroborated);
    cr_expect(r->series[r->symptom].significant);
    cr_expect_eq(r->series[r->symptom].first_ms, ONSET(st, 1000));
    cr_expect_str_eq(r->components[0].name, "svc2_cpu");
    fl_rank_result_free(r);
    /* below the lower bar, even a strong change elsewhere does not confirm it */
    for (size_t i = 1000; i < 1020; i++)
        st->v[0][i] = med + 0.9 * bar_c * up;
    r = run(st, &o);
    cr_expect_eq(r->verdict, FL_RANK_SYMPTOM_UNCHANGED, "%s", fl_rank_verdict_name(r->verdict));
    fl_rank_result_free(r);
    fl_free(st);
}

/* ---- mapping ---- */

Test(rank, mapping_rules)
{
    static const struct {
        const char *rule, *strip, *name, *comp, *kind;
    } cases[] = {
        {"name", NULL, "carts_cpu", "carts_cpu", ""},
        {"prefix", NULL, "carts_cpu", "carts", "cpu"},
        {"prefix:_", "-db", "carts-db_mem", "carts", "mem"},
        {"prefix:_", "-db", "-db_mem", "-db", "mem"}, /* nothing left: not stripped */
        {"prefix:_", NULL, "nounderscore", "nounderscore", ""},
        {"prefix:_", NULL, "_leading", "_leading", ""},
        {"prefix:.", NULL, "a.b.c", "a", "b.c"},
        {"regex:^([^|]+)\\|", NULL, "PetSite|latency|Average", "PetSite", "|latency|Average"},
        {"regex:service=\"([a-z]+)\"", NULL, "rps{service=\"cart\",code=\"500\"}", "cart",
         "rps{service=\"\",code=\"500\"}"},
        {"regex:^(x)y", NULL, "nomatch", "nomatch", ""},
        {"regex:^(a*)", NULL, "bbb", "bbb", ""}, /* an empty capture is no match */
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct fl_rank_map *m = NULL;
        char *c = NULL, *k = NULL;
        cr_assert_eq(fl_rank_map_new(cases[i].rule, cases[i].strip, &m, NULL), FL_OK, "%s",
                     cases[i].rule);
        cr_assert_eq(fl_rank_map_apply(m, cases[i].name, &c, &k), FL_OK);
        cr_expect_str_eq(c, cases[i].comp, "%s on %s", cases[i].rule, cases[i].name);
        cr_expect_str_eq(k, cases[i].kind, "%s on %s", cases[i].rule, cases[i].name);
        fl_free(c);
        fl_free(k);
        fl_rank_map_free(m);
    }
    static const char *const bad[] = {"prefix:", "regex:(", "regex:abc", "suffix", ""};
    for (size_t i = 0; i < N_OF(bad); i++) {
        struct fl_rank_map *m = (struct fl_rank_map *)1;
        struct fl_diag d;
        fl_diag_init(&d);
        cr_expect_eq(fl_rank_map_new(bad[i], NULL, &m, &d), FL_EINVAL, "%s", bad[i]);
        cr_expect_null(m);
        cr_expect(d.msg[0], "%s: no message", bad[i]);
    }
}

/* ---- readers ---- */

static fl_err read_mem(const char *text, struct fl_rank_table **out, struct fl_diag *d)
{
    struct fl_table *t = NULL;
    fl_err e = fl_table_open_mem(text, strlen(text), "wide.csv", NULL, &t, d);
    if (e == FL_OK)
        e = fl_rank_table_read(t, out, d);
    fl_table_free(t);
    return e;
}

Test(rank, wide_table_reader)
{
    const char *text = "a,timestamp,b\n"
                       "1,1700000000,\n"
                       "2,1700000001.5,7\n"
                       ",2023-11-14T22:13:22Z,NaN\n";
    struct fl_rank_table *rt = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(read_mem(text, &rt, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(rt->n_cols, 2);
    cr_assert_eq(rt->n_rows, 3);
    cr_expect_str_eq(rt->names[0], "a");
    cr_expect_str_eq(rt->names[1], "b");
    cr_expect_eq(rt->ts_ms[0], 1700000000000LL);
    cr_expect_eq(rt->ts_ms[1], 1700000001500LL);
    cr_expect_eq(rt->ts_ms[2], 1700000002000LL);
    cr_expect_eq(rt->v[0], 1);
    cr_expect_eq(rt->v[1], 2);
    cr_expect(isnan(rt->v[2]));
    cr_expect(isnan(rt->v[3]));
    cr_expect_eq(rt->v[4], 7);
    cr_expect(isnan(rt->v[5])); /* NaN counts as missing */
    fl_rank_table_free(rt);
    /* JSON Lines with a column that appears late */
    const char *jl = "{\"time\":1,\"x\":1}\n{\"time\":2,\"x\":2,\"y\":5}\n";
    struct fl_table *t = NULL;
    cr_assert_eq(fl_table_open_mem(jl, strlen(jl), "w.jsonl", NULL, &t, &d), FL_OK);
    cr_assert_eq(fl_rank_table_read(t, &rt, &d), FL_OK, "%s", d.msg);
    cr_expect_eq(rt->n_cols, 2);
    cr_expect(isnan(rt->v[2]));
    cr_expect_eq(rt->v[3], 5);
    fl_table_free(t);
    fl_rank_table_free(rt);
}

Test(rank, wide_table_errors_name_line_and_column)
{
    static const struct {
        const char *text;
        fl_err code;
        const char *msg;
    } cases[] = {
        {"time,a,b\n1,2,3\n2,x,4\n", FL_EPARSE,
         "wide.csv:3: column \"a\" (2): expected a number, got \"x\""},
        {"time,a\n1,2\n,3\n", FL_EPARSE, "wide.csv:3: column \"time\" (1): missing time"},
        {"time,a\n5,2\n4,3\n", FL_EPARSE,
         "wide.csv:3: column \"time\" (1): time goes backwards (previous row: "
         "1970-01-01T00:00:05Z)"},
        {"time,a\nyesterday,1\n", FL_EPARSE,
         "wide.csv:2: column \"time\" (1): expected a time (unix seconds or RFC 3339), got "
         "\"yesterday\""},
        {"time,a\n1e300,1\n", FL_EPARSE,
         "wide.csv:2: column \"time\" (1): time out of range: 1e300"},
        {"time,a,a\n1,2,3\n", FL_EPARSE, "wide.csv:1:8: column \"a\": appears twice in the header"},
        {"time\n1\n", FL_EINVAL, "wide.csv: no metric column besides the time"},
        {"time,a\n", FL_EINVAL, "wide.csv: no data rows"},
        {"time,a\n1,true\n", FL_EPARSE,
         "wide.csv:2: column \"a\" (2): expected a number, got \"true\""},
        {"time,a\n1,\"2\n", FL_EPARSE, NULL}, /* the CSV reader's own error */
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        struct fl_rank_table *rt = NULL;
        struct fl_diag d;
        char line[1024];
        fl_diag_init(&d);
        cr_expect_eq(read_mem(cases[i].text, &rt, &d), cases[i].code, "case %zu", i);
        cr_expect_null(rt);
        fl_diag_format(&d, line, sizeof line);
        if (cases[i].msg)
            cr_expect_str_eq(line, cases[i].msg, "case %zu", i);
        else
            cr_expect(strncmp(line, "wide.csv:2:", 11) == 0, "case %zu: %s", i, line);
    }
}

Test(rank, edges_reader)
{
    const char *text = "caller,callee\nfront,cart\n\"a,b\",42\n";
    struct fl_table *t = NULL;
    struct fl_rank_edge *e = NULL;
    size_t n = 0;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_table_open_mem(text, strlen(text), "g.csv", NULL, &t, &d), FL_OK);
    cr_assert_eq(fl_rank_edges_read(t, &e, &n, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(n, 2);
    cr_expect_str_eq(e[0].caller, "front");
    cr_expect_str_eq(e[0].callee, "cart");
    cr_expect_str_eq(e[1].caller, "a,b");
    cr_expect_str_eq(e[1].callee, "42");
    fl_free(e);
    fl_table_free(t);
    const char *bad = "caller,callee\nfront,\n";
    cr_assert_eq(fl_table_open_mem(bad, strlen(bad), "g.csv", NULL, &t, &d), FL_OK);
    cr_expect_eq(fl_rank_edges_read(t, &e, &n, &d), FL_EPARSE);
    char line[512];
    fl_diag_format(&d, line, sizeof line);
    cr_expect_str_eq(line, "g.csv:2: column \"callee\" (2): empty component name");
    cr_expect_null(e);
    fl_table_free(t);
}

/* ---- contract ---- */

Test(rank, input_errors)
{
    struct set *st = set_new(2, 50, 0, 13);
    struct fl_rank_opts o;
    struct fl_rank_result *r = NULL;
    struct fl_diag d;
    opts(&o, ONSET(st, 25));
    snprintf(st->names[1], sizeof st->names[1], "%s", st->names[0]);
    fl_diag_init(&d);
    cr_expect_eq(fl_rank_run(set_series(st), 2, &o, &r, &d), FL_EINVAL);
    cr_expect(strstr(d.msg, "duplicate") != NULL, "%s", d.msg);
    snprintf(st->names[1], sizeof st->names[1], "other");
    st->ts[10] = st->ts[9] - 1;
    fl_diag_init(&d);
    cr_expect_eq(fl_rank_run(set_series(st), 2, &o, &r, &d), FL_EINVAL);
    cr_expect(strstr(d.msg, "backwards") != NULL, "%s", d.msg);
    st->ts[10] = st->ts[9] + 1000;
    cr_expect_eq(fl_rank_run(set_series(st), 0, &o, &r, NULL), FL_EINVAL);
    cr_expect_eq(fl_rank_run(NULL, 2, &o, &r, NULL), FL_EINVAL);
    cr_expect_eq(fl_rank_run(set_series(st), 2, &o, NULL, NULL), FL_EINVAL);
    static const struct {
        size_t off;
        double v;
    } bad[] = {
        {offsetof(struct fl_rank_opts, threshold), 0},
        {offsetof(struct fl_rank_opts, threshold), NAN},
        {offsetof(struct fl_rank_opts, symptom_threshold), 0},
        {offsetof(struct fl_rank_opts, symptom_corroborated_floor), -1},
        {offsetof(struct fl_rank_opts, symptom_corroborated_floor), 99},
        {offsetof(struct fl_rank_opts, symptom_corroborated_floor), NAN},
        {offsetof(struct fl_rank_opts, tail_q), 0.5},
        {offsetof(struct fl_rank_opts, tail_q), 1},
        {offsetof(struct fl_rank_opts, rel_floor), -1},
        {offsetof(struct fl_rank_opts, explain_ratio), 0},
        {offsetof(struct fl_rank_opts, ks_weight), 1.5},
    };
    for (size_t i = 0; i < N_OF(bad); i++) {
        opts(&o, ONSET(st, 25));
        memcpy((char *)&o + bad[i].off, &bad[i].v, sizeof(double));
        fl_diag_init(&d);
        cr_expect_eq(fl_rank_run(set_series(st), 2, &o, &r, &d), FL_EINVAL, "case %zu", i);
        cr_expect_null(r);
        cr_expect(strstr(d.msg, "out of range") != NULL, "case %zu: %s", i, d.msg);
    }
    opts(&o, ONSET(st, 25));
    o.min_ref = 1;
    cr_expect_eq(fl_rank_run(set_series(st), 2, &o, &r, NULL), FL_EINVAL);
    fl_free(st);
}

Test(rank, inputs_are_not_modified_and_runs_repeat)
{
    struct set *st = set_new(6, 200, 100, 14);
    for (size_t i = 150; i < 200; i++)
        st->v[3][i] += 9;
    struct set *copy = fl_malloc(sizeof *copy);
    cr_assert_not_null(copy);
    memcpy(copy, st, sizeof *st);
    struct fl_rank_opts o;
    opts(&o, ONSET(st, 150));
    struct fl_rank_result *a = run(st, &o), *b = run(st, &o);
    cr_expect_eq(memcmp(copy->v, st->v, sizeof st->v), 0);
    cr_expect_eq(memcmp(copy->ref, st->ref, sizeof st->ref), 0);
    cr_assert_eq(a->n_series, b->n_series);
    for (size_t i = 0; i < a->n_series; i++) {
        cr_expect_str_eq(a->series[i].name, b->series[i].name);
        cr_expect_eq(a->series[i].score, b->series[i].score);
        cr_expect_eq(a->series[i].input, b->series[i].input);
    }
    for (size_t i = 0; i + 1 < a->n_series; i++) /* ranked: significant first, then by score */
        cr_expect(a->series[i].significant > a->series[i + 1].significant ||
                  (a->series[i].significant == a->series[i + 1].significant &&
                   a->series[i].score >= a->series[i + 1].score));
    fl_rank_result_free(a);
    fl_rank_result_free(b);
    fl_free(copy);
    fl_free(st);
}

/* Every allocation of a run, failed in turn, gives FL_ENOMEM and no result. */
static void fail_each_allocation(struct set *st, const struct fl_rank_opts *o)
{
    const struct fl_rank_series *s = set_series(st);
    unsigned long before = fl_alloc_count();
    struct fl_rank_result *r = NULL;
    cr_assert_eq(fl_rank_run(s, st->n, o, &r, NULL), FL_OK);
    unsigned long needed = fl_alloc_count() - before;
    fl_rank_result_free(r);
    cr_assert_gt(needed, 10);
    for (unsigned long k = 0; k < needed; k++) {
        struct fl_diag d;
        fl_diag_init(&d);
        r = NULL;
        fl_alloc_fail_after((long)k);
        fl_err e = fl_rank_run(s, st->n, o, &r, &d);
        fl_alloc_fail_after(-1);
        cr_expect_eq(e, FL_ENOMEM, "failing allocation %lu: %s", k, fl_err_name(e));
        cr_expect_null(r);
        fl_rank_result_free(r);
    }
}

Test(rank, allocation_failures_are_clean)
{
    struct set *st = set_new(4, 120, 40, 15);
    for (size_t i = 60; i < 120; i++)
        st->v[2][i] += 9;
    struct fl_rank_map *m = NULL;
    cr_assert_eq(fl_rank_map_new("prefix:_", NULL, &m, NULL), FL_OK);
    static const struct fl_rank_edge edges[] = {{"svc0", "svc2"}, {"svc1", "svc2"}};
    struct fl_rank_opts o;
    opts(&o, ONSET(st, 60));
    o.map = m;
    o.edges = edges;
    o.n_edges = 2;
    fail_each_allocation(st, &o);
    fl_rank_map_free(m);
    fl_free(st);
    /* the same where a reference trend is fitted (no separate reference, a trend) */
    st = rows_set(&o, &m);
    fail_each_allocation(st, &o);
    fl_rank_map_free(m);
    fl_free(st);
}
