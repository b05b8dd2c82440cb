/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sim.c: the simulator's own tests (issue 7, item 6). For every fault kind of every system,
 * a run with the fault and a run without it from the same seed must (1) agree exactly on every
 * metric sample and every span, inference and outcome before the onset, (2) agree exactly after
 * the onset on every series of the components the fault must not touch, and (3) differ after the
 * onset in at least one series of the component it targets. Also: same seed, same bytes (file
 * mode); the queueing formula against hand-computed Erlang C values; the catalogue's coverage.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../sim/run.h"
#include "../../../sim/sim.h"

static uint64_t fnv(const char *p, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

struct trace_run {
    struct sim_world w;
    uint64_t *rec_hash; /* per tick: hash of that tick's spans, inferences and outcomes */
};

static void run_world(struct trace_run *r, enum sim_system sys, enum sim_fault_kind k,
                      const char *target, int64_t start, int64_t dur, int64_t step, int64_t onset)
{
    struct sim_run_opts o = {.system = sys, .fault = k, .seed = 42, .start_ms = start,
                             .duration_ms = dur, .step_ms = step, .onset_ms = onset,
                             .target = target, .size = NAN, .herrings = 2,
                             .traces_per_tick = 2, .logs_per_tick = sys == SIM_SYS_BATCH ? 50 : 3};
    char err[256] = "";
    fl_err e = sim_world_init(&r->w, &o, err, sizeof(err));
    cr_assert_eq(e, FL_OK, "%s/%s: %s", sim_system_name(sys), sim_fault_name(k), err);
    r->rec_hash = calloc(r->w.n_ticks, sizeof(uint64_t));
    cr_assert_not_null(r->rec_hash);
    for (size_t t = 0; t < r->w.n_ticks; t++) {
        sim_world_due_events(&r->w, t);
        cr_assert_eq(r->w.tick(&r->w, t), FL_OK);
        sim_mark_down(&r->w, t);
        uint64_t h = 0xcbf29ce484222325ULL;
        h = fnv(r->w.sink.spans.data ? r->w.sink.spans.data : "", r->w.sink.spans.len, h);
        h = fnv(r->w.sink.inferences.data ? r->w.sink.inferences.data : "",
                r->w.sink.inferences.len, h);
        h = fnv(r->w.sink.outcomes.data ? r->w.sink.outcomes.data : "", r->w.sink.outcomes.len,
                h);
        r->rec_hash[t] = h;
        sim_sink_reset(&r->w.sink);
    }
}

static void free_run(struct trace_run *r)
{
    free(r->rec_hash);
    sim_world_cleanup(&r->w);
}

/* The component a series belongs to, from its labels (as the emitted topology binds it). */
static void component_of(const struct sim_series *s, char *out, size_t cap)
{
    const char *keys[] = {"service=\"", "node=\"", "network=\""};
    for (size_t i = 0; i < 3; i++) {
        const char *p = strstr(s->labels, keys[i]);
        if (p && (p == s->labels || p[-1] == ',')) {
            if (i == 2) {
                snprintf(out, cap, "network");
                return;
            }
            p += strlen(keys[i]);
            const char *q = strchr(p, '"');
            snprintf(out, cap, "%.*s", (int)(q - p), p);
            return;
        }
    }
    snprintf(out, cap, "?");
}

static bool in_list(const char *list, const char *comp)
{
    if (!strcmp(list, "*"))
        return true;
    size_t n = strlen(comp);
    for (const char *p = list; (p = strstr(p, comp)); p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
            return true;
    return false;
}

static double val(const struct sim_world *w, const struct sim_series *s, size_t t)
{
    return w->m.down[s->target * w->m.n_ticks + t] ? NAN : s->v[t];
}

static bool same(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

static const struct sim_series *find_series(const struct sim_world *w, const struct sim_world *ref,
                                            const struct sim_series *s)
{
    const char *fam = ref->m.fams[s->family].name;
    for (size_t i = 0; i < w->m.n_series; i++) {
        const struct sim_series *x = &w->m.series[i];
        if (!strcmp(x->labels, s->labels) && !strcmp(x->suffix, s->suffix) &&
            !strcmp(w->m.fams[x->family].name, fam))
            return x;
    }
    return NULL;
}

/* What a fault may change (components, "*" = anything) and what it must change. */
struct expect {
    enum sim_system sys;
    enum sim_fault_kind kind;
    const char *target;  /* NULL: the default draw */
    const char *may;
    const char *must;
};

#define ALL_RECS "gateway,recs,user-features-db,recs-model-server,business-rules-api,network,node-a,node-b,node-c"
static const struct expect cases[] = {
    {SIM_SYS_RECS, SIM_F_SCHEMA_UNIT_CHANGE, NULL, "user-features-db,recs", "user-features-db"},
    {SIM_SYS_RECS, SIM_F_SCHEMA_RENAMED_COLUMN, NULL, "user-features-db,recs", "user-features-db"},
    {SIM_SYS_RECS, SIM_F_NULL_SPIKE, NULL, "user-features-db,recs", "user-features-db"},
    {SIM_SYS_RECS, SIM_F_NEW_CATEGORY_FLOOD, NULL, "*", "recs"},
    {SIM_SYS_RECS, SIM_F_MODEL_REGRESSION, NULL, "recs", "recs"},
    {SIM_SYS_RECS, SIM_F_CPU_THROTTLING, NULL,
     "recs-model-server,recs,gateway,node-c,network", "recs-model-server"},
    {SIM_SYS_RECS, SIM_F_MODEL_SERVER_RESTARTS, NULL,
     "recs-model-server,recs,gateway,node-c,network", "recs-model-server"},
    {SIM_SYS_RECS, SIM_F_NETWORK_PACKET_LOSS, "network",
     "network,recs,gateway,recs-model-server,business-rules-api,node-a,node-b,node-c", "network"},
    {SIM_SYS_RECS, SIM_F_NOISY_NEIGHBOUR, "node-c",
     "node-c,recs-model-server,recs,gateway,network,node-a", "node-c"},
    {SIM_SYS_RECS, SIM_F_DB_LOCK_CONTENTION, NULL,
     "user-features-db,recs,gateway,node-a,node-b,node-c,recs-model-server,network",
     "user-features-db"},
    {SIM_SYS_RECS, SIM_F_POOL_EXHAUSTION, NULL,
     "recs,gateway,user-features-db,node-a,node-b,node-c,recs-model-server,network", "recs"},
    {SIM_SYS_RECS, SIM_F_BUSINESS_RULES_CHANGE, NULL, "business-rules-api,recs",
     "business-rules-api"},
    {SIM_SYS_RECS, SIM_F_EXPERIMENT_SHIFT, NULL, "recs", "recs"},
    {SIM_SYS_RECS, SIM_F_CLICK_LOGGING_BROKEN, NULL, "recs", "recs"},
    {SIM_SYS_RECS, SIM_F_SCRAPE_TARGET_DOWN, "recs-model-server", "recs-model-server",
     "recs-model-server"},
    {SIM_SYS_RECS, SIM_F_HOLIDAY_DIP, NULL, "*", "gateway"},
    {SIM_SYS_FRAUD, SIM_F_SCHEMA_UNIT_CHANGE, NULL, "feature-store,fraud-service",
     "feature-store"},
    {SIM_SYS_FRAUD, SIM_F_SCHEMA_RENAMED_COLUMN, NULL, "feature-store,fraud-service",
     "feature-store"},
    {SIM_SYS_FRAUD, SIM_F_NULL_SPIKE, NULL, "feature-store,fraud-service", "feature-store"},
    {SIM_SYS_FRAUD, SIM_F_NEW_CATEGORY_FLOOD, NULL, "*", "transaction-api"},
    {SIM_SYS_FRAUD, SIM_F_MODEL_REGRESSION, NULL, "fraud-service", "fraud-service"},
    {SIM_SYS_FRAUD, SIM_F_CPU_THROTTLING, NULL,
     "fraud-model-server,fraud-service,transaction-api,node-c", "fraud-model-server"},
    {SIM_SYS_FRAUD, SIM_F_MODEL_SERVER_RESTARTS, NULL,
     "fraud-model-server,fraud-service,transaction-api,node-c", "fraud-model-server"},
    {SIM_SYS_FRAUD, SIM_F_NETWORK_PACKET_LOSS, "network",
     "network,fraud-service,transaction-api,feature-store,fraud-model-server,node-a,node-b,node-c",
     "network"},
    {SIM_SYS_FRAUD, SIM_F_NOISY_NEIGHBOUR, "node-b",
     "node-b,feature-store,fraud-service,transaction-api,node-a", "node-b"},
    {SIM_SYS_FRAUD, SIM_F_DB_LOCK_CONTENTION, NULL,
     "feature-store,fraud-service,transaction-api,node-b,network", "feature-store"},
    {SIM_SYS_FRAUD, SIM_F_POOL_EXHAUSTION, NULL,
     "fraud-service,transaction-api,feature-store,node-b,network", "fraud-service"},
    {SIM_SYS_FRAUD, SIM_F_BUSINESS_RULES_CHANGE, NULL, "fraud-service", "fraud-service"},
    {SIM_SYS_FRAUD, SIM_F_SCRAPE_TARGET_DOWN, "feature-store", "feature-store", "feature-store"},
    {SIM_SYS_FRAUD, SIM_F_HOLIDAY_DIP, NULL, "*", "transaction-api"},
    {SIM_SYS_BATCH, SIM_F_CRON_SILENT_FAILURE, NULL, "*", "segment-feature-pipeline"},
    {SIM_SYS_BATCH, SIM_F_SCHEMA_UNIT_CHANGE, NULL,
     "segment-feature-pipeline,feature-table,segment-scoring,campaign-service", "feature-table"},
    {SIM_SYS_BATCH, SIM_F_SCHEMA_RENAMED_COLUMN, NULL,
     "segment-feature-pipeline,feature-table,segment-scoring,campaign-service", "feature-table"},
    {SIM_SYS_BATCH, SIM_F_NULL_SPIKE, NULL,
     "segment-feature-pipeline,feature-table,segment-scoring,campaign-service", "feature-table"},
    {SIM_SYS_BATCH, SIM_F_NEW_CATEGORY_FLOOD, NULL,
     "segment-feature-pipeline,feature-table,segment-scoring,campaign-service",
     "segment-feature-pipeline"},
    {SIM_SYS_BATCH, SIM_F_MODEL_REGRESSION, NULL, "segment-scoring,campaign-service",
     "segment-scoring"},
    {SIM_SYS_BATCH, SIM_F_SCRAPE_TARGET_DOWN, "campaign-service", "campaign-service",
     "campaign-service"},
    {SIM_SYS_BATCH, SIM_F_HOLIDAY_DIP, NULL, "campaign-service", "campaign-service"},
};

Test(sim, every_fault_changes_what_it_should_and_nothing_else, .timeout = 600)
{
    bool covered[SIM_F_N] = {false};
    for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
        const struct expect *c = &cases[ci];
        covered[c->kind] = true;
        int64_t start = 1793613600000LL; /* 2026-11-02T10:00:00Z */
        int64_t dur = 2 * 3600000LL, step = 15000, onset = start + 3600000LL;
        if (c->sys == SIM_SYS_BATCH) {
            start = 1793577600000LL; /* midnight */
            dur = 4 * 86400000LL;
            step = 60000;
            onset = start + 86400000LL + 2 * 3600000LL;
        }
        struct trace_run base, flt;
        run_world(&base, c->sys, SIM_F_NONE, NULL, start, dur, step, onset);
        run_world(&flt, c->sys, c->kind, c->target, start, dur, step, onset);
        const char *name = sim_fault_name(c->kind);
        size_t on_tick = (size_t)((flt.w.fault.onset_ms - start) / step);
        cr_assert_eq(flt.w.fault.onset_ms, onset, "%s: onset", name);
        /* 1. Records before the onset: identical. */
        for (size_t t = 0; t < on_tick; t++)
            cr_assert_eq(base.rec_hash[t], flt.rec_hash[t],
                         "%s: spans/inferences/outcomes differ at tick %zu, before the onset %zu",
                         name, t, on_tick);
        /* 2, 3. Every series of the baseline run. */
        bool must_changed = false;
        size_t n_checked = 0;
        for (size_t i = 0; i < base.w.m.n_series; i++) {
            const struct sim_series *s = &base.w.m.series[i];
            const struct sim_series *x = find_series(&flt.w, &base.w, s);
            char comp[64];
            component_of(s, comp, sizeof(comp));
            cr_assert_not_null(x, "%s: series %s{%s} missing with the fault", name,
                               base.w.m.fams[s->family].name, s->labels);
            for (size_t t = 0; t < base.w.n_ticks; t++) {
                double a = val(&base.w, s, t), b = val(&flt.w, x, t);
                if (t < on_tick)
                    cr_assert(same(a, b), "%s: %s%s{%s} differs at tick %zu before the onset: %g vs %g",
                              name, base.w.m.fams[s->family].name, s->suffix, s->labels, t, a, b);
                else if (!in_list(c->may, comp))
                    cr_assert(same(a, b),
                              "%s: %s%s{%s} of %s (not affected by this fault) differs at tick %zu: %g vs %g",
                              name, base.w.m.fams[s->family].name, s->suffix, s->labels, comp, t,
                              a, b);
                else if (!same(a, b) && !strcmp(comp, c->must))
                    must_changed = true;
            }
            n_checked++;
        }
        cr_assert_gt(n_checked, 20, "%s: too few series", name);
        cr_assert(must_changed, "%s on %s: nothing of %s changed after the onset", name,
                  sim_system_name(c->sys), c->must);
        free_run(&base);
        free_run(&flt);
    }
    for (int k = 1; k < SIM_F_N; k++)
        cr_assert(covered[k], "fault kind %s has no case", sim_fault_name((enum sim_fault_kind)k));
}

/* A batch data fault reaches the segments through the table: with the onset at 03:00, after the
 * day's 02:00 pipeline run and before its 04:00 scoring, that scoring (of a table built before
 * the onset) gives the healthy shares; the next day's, of the first table built after it, not. */
Test(sim, batch_data_faults_reach_the_segments_through_the_next_table, .timeout = 120)
{
    static const enum sim_fault_kind kinds[] = {SIM_F_SCHEMA_UNIT_CHANGE,
                                                SIM_F_SCHEMA_RENAMED_COLUMN,
                                                SIM_F_NEW_CATEGORY_FLOOD};
    int64_t start = 1793577600000LL, day = 86400000LL, step = 60000;
    int64_t onset = start + day + 3 * 3600000LL;
    struct trace_run base;
    run_world(&base, SIM_SYS_BATCH, SIM_F_NONE, NULL, start, 3 * day, step, onset);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        struct trace_run flt;
        run_world(&flt, SIM_SYS_BATCH, kinds[k], NULL, start, 3 * day, step, onset);
        size_t n_shares = 0;
        bool moved_next_day = false;
        for (size_t i = 0; i < base.w.m.n_series; i++) {
            const struct sim_series *s = &base.w.m.series[i];
            if (strcmp(base.w.m.fams[s->family].name, "segment_share") != 0)
                continue;
            const struct sim_series *x = find_series(&flt.w, &base.w, s);
            cr_assert_not_null(x);
            n_shares++;
            for (size_t t = 0; t < base.w.n_ticks; t++) {
                int64_t ts = start + (int64_t)t * step;
                double a = val(&base.w, s, t), b = val(&flt.w, x, t);
                if (ts < start + 2 * day + 4 * 3600000LL)
                    cr_assert(same(a, b), "%s: segment_share{%s} moved at %lld, before the "
                              "first scoring of a table built after the onset: %g vs %g",
                              sim_fault_name(kinds[k]), s->labels, (long long)ts, a, b);
                else if (ts >= start + 2 * day + 5 * 3600000LL && !same(a, b))
                    moved_next_day = true;
            }
        }
        cr_assert_eq(n_shares, 5);
        cr_assert(moved_next_day, "%s: the shares never moved", sim_fault_name(kinds[k]));
        free_run(&flt);
    }
    free_run(&base);
}

Test(sim, catalogue_has_at_least_15_kinds_each_with_targets)
{
    cr_assert_geq(SIM_F_N - 1, 15);
    for (int k = 1; k < SIM_F_N; k++) {
        unsigned mask = sim_fault_systems((enum sim_fault_kind)k);
        cr_assert_neq(mask, 0u, "%s applies to no system", sim_fault_name((enum sim_fault_kind)k));
        for (int s = 0; s < SIM_SYS_N; s++)
            cr_assert_eq(sim_fault_targets((enum sim_system)s, (enum sim_fault_kind)k) != NULL,
                         (mask >> s) & 1, "%s/%s: target list vs system mask",
                         sim_system_name((enum sim_system)s),
                         sim_fault_name((enum sim_fault_kind)k));
    }
}

Test(sim, erlang_c_matches_hand_computed_values)
{
    static const struct { unsigned c; double a, want; } t[] = {
        {1, 0.5, 0.5}, {2, 1.0, 1.0 / 3.0}, {3, 2.0, 4.0 / 9.0}, {4, 0.0, 0.0}, {2, 2.5, 1.0}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        cr_assert_float_eq(sim_erlang_c(t[i].c, t[i].a), t[i].want, 1e-12, "c=%u a=%g", t[i].c,
                           t[i].a);
}

Test(sim, latency_rises_non_linearly_with_load)
{
    /* Mean latency of an 8-server station at 50 %, 80 % and 95 % utilisation. */
    double mean[3], util[3] = {0.5, 0.8, 0.95};
    for (int i = 0; i < 3; i++) {
        struct sim_station st = {.c = 8};
        sim_station_update(&st, util[i] * 8 / 0.01, 0.01);
        struct sim_rng r;
        double sum = 0;
        for (int k = 0; k < 20000; k++) {
            sim_rng_at(&r, 7, 1, (uint64_t)i, (uint64_t)k);
            sum += sim_station_latency(&st, &r, 0.3);
        }
        mean[i] = sum / 20000;
    }
    cr_assert_lt(mean[0], 0.0105, "at 50%%: %g", mean[0]);
    cr_assert_gt(mean[2] - mean[1], 3 * (mean[1] - mean[0]), "%g %g %g", mean[0], mean[1], mean[2]);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, fp) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(fp);
    *len = (size_t)n;
    return p;
}

static void files_run(const char *out, uint64_t seed, enum sim_fault_kind k)
{
    struct sim_run_opts o = {.system = SIM_SYS_FRAUD, .fault = k, .seed = seed,
                             .start_ms = 1793613600000LL, .duration_ms = 3600000LL,
                             .step_ms = 15000, .onset_ms = 1793613600000LL + 2400000LL,
                             .size = NAN, .herrings = -1, .traces_per_tick = 4,
                             .logs_per_tick = 4};
    struct sim_world w;
    char err[256] = "";
    cr_assert_eq(sim_world_init(&w, &o, err, sizeof(err)), FL_OK, "%s", err);
    struct sim_run_stats st;
    cr_assert_eq(sim_run_files(&w, out, &st), FL_OK);
    cr_assert_gt(st.spans, 100);
    cr_assert_gt(st.samples, 1000);
    sim_world_cleanup(&w);
}

Test(sim, same_seed_gives_byte_identical_files)
{
    char a[] = "/tmp/fl-sim-a.XXXXXX", b[] = "/tmp/fl-sim-b.XXXXXX", c[] = "/tmp/fl-sim-c.XXXXXX";
    cr_assert_not_null(mkdtemp(a));
    cr_assert_not_null(mkdtemp(b));
    cr_assert_not_null(mkdtemp(c));
    files_run(a, 9, SIM_F_DB_LOCK_CONTENTION);
    files_run(b, 9, SIM_F_DB_LOCK_CONTENTION);
    files_run(c, 10, SIM_F_DB_LOCK_CONTENTION);
    static const char *const files[] = {"telemetry/metrics-01.om", "telemetry/traces-0001.otlp.json",
                                        "telemetry/inferences.jsonl", "telemetry/outcomes.jsonl",
                                        "telemetry/events.json", "truth.json", "faultline.yml"};
    bool seed_matters = false;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char pa[512], pb[512], pc[512];
        snprintf(pa, sizeof(pa), "%s/%s", a, files[i]);
        snprintf(pb, sizeof(pb), "%s/%s", b, files[i]);
        snprintf(pc, sizeof(pc), "%s/%s", c, files[i]);
        size_t la, lb, lc;
        char *da = slurp(pa, &la), *db = slurp(pb, &lb), *dc = slurp(pc, &lc);
        cr_assert_not_null(da, "%s missing", pa);
        cr_assert_not_null(db, "%s missing", pb);
        cr_assert_gt(la, 0u, "%s empty", pa);
        cr_assert_eq(la, lb, "%s: %zu vs %zu bytes", files[i], la, lb);
        cr_assert_eq(memcmp(da, db, la), 0, "%s differs between two runs of one seed", files[i]);
        if (dc && (lc != la || memcmp(da, dc, la) != 0))
            seed_matters = true;
        free(da);
        free(db);
        free(dc);
    }
    cr_assert(seed_matters, "another seed gave the same files");
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf %s %s %s", a, b, c);
    cr_assert_eq(system(cmd), 0);
}
