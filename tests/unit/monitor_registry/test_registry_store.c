/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_registry_store.c: the registry side of the store (src/store/registry.c): registering
 * versions with metadata, stage changes and archiving with their change events, aliases moving
 * and emitting events, traffic per (version, step) against a brute-force count over random mixed
 * batches, feature status counts against brute force, run events, the freshness watch, and
 * schema migration 5 from a version-4 database keeping its rows.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "store/codec.h"
#include "store/store_int.h"
#include "unit/store/helpers.h"

static char *dir;
static struct fl_store *st;

static void setup(void)
{
    dir = th_tmpdir();
    st = th_open(dir);
}

static void teardown(void)
{
    fl_store_free(st);
    th_rmdir(dir);
}

static struct fl_store_reg_put put(const char *model, const char *version, const char *stage,
                                   int64_t now)
{
    struct fl_store_reg_put p;
    memset(&p, 0, sizeof p);
    p.model = model;
    p.version = version;
    p.stage = stage;
    p.train_from_ms = p.train_to_ms = FL_TS_NONE;
    p.now_ms = now;
    return p;
}

/* ---- collecting versions ---- */

struct vrow {
    char version[32], stage[16], description[64], aliases[64], metrics[128], schema[64];
    bool registered;
    int64_t created, ts, first_change, train_from, train_to, first_seen, profile_bytes;
    uint64_t n;
    unsigned char profile[16];
};

struct vrows {
    size_t n;
    struct vrow r[8];
};

static int collect(const struct fl_store_reg_version *v, void *ud)
{
    struct vrows *x = ud;
    cr_assert_lt(x->n, 8);
    struct vrow *r = &x->r[x->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->version, sizeof r->version, "%s", v->info.v.version);
    snprintf(r->stage, sizeof r->stage, "%s", v->info.v.stage ? v->info.v.stage : "none");
    snprintf(r->description, sizeof r->description, "%s", v->description ? v->description : "-");
    for (size_t i = 0; i < v->n_aliases; i++)
        snprintf(r->aliases + strlen(r->aliases), sizeof r->aliases - strlen(r->aliases), "%s%s",
                 i ? "," : "", v->aliases[i]);
    for (size_t i = 0; i < v->n_metrics; i++)
        snprintf(r->metrics + strlen(r->metrics), sizeof r->metrics - strlen(r->metrics),
                 "%s%s=%.17g", i ? "," : "", v->metrics[i].name, v->metrics[i].value);
    snprintf(r->schema, sizeof r->schema, "%s", v->schema ? v->schema : "-");
    r->registered = v->registered;
    r->created = v->created_ms;
    r->ts = v->info.v.ts_ms;
    r->first_change = v->first_change_ms;
    r->train_from = v->train_from_ms;
    r->train_to = v->train_to_ms;
    r->first_seen = v->info.first_seen_ms;
    r->n = v->info.n_inferences;
    r->profile_bytes = v->profile_bytes;
    if (v->profile && v->profile_bytes > 0 && v->profile_bytes <= 16)
        memcpy(r->profile, v->profile, (size_t)v->profile_bytes);
    return 0;
}

static struct vrows versions(const char *model, bool artifacts)
{
    struct vrows x;
    struct fl_diag d;
    memset(&x, 0, sizeof x);
    fl_diag_init(&d);
    cr_assert_eq(fl_store_registry_versions(st, model, artifacts, collect, &x, &d), FL_OK, "%s",
                 d.msg);
    return x;
}

struct evrows {
    size_t n;
    char msg[16][160];
    char attrs[16][320];
    char component[16][32];
    int64_t ts[16];
};

static int collect_event(const struct fl_event *e, void *ud)
{
    struct evrows *x = ud;
    cr_assert_lt(x->n, 16);
    cr_assert_str_eq(e->kind, "model_version_change");
    snprintf(x->msg[x->n], sizeof x->msg[0], "%s", e->message);
    snprintf(x->attrs[x->n], sizeof x->attrs[0], "%s", e->attrs_json);
    snprintf(x->component[x->n], sizeof x->component[0], "%s", e->component);
    x->ts[x->n++] = e->ts_ms;
    return 0;
}

static struct evrows changes(const char *model)
{
    struct evrows x;
    memset(&x, 0, sizeof x);
    cr_assert_eq(fl_store_registry_changes(st, model, 0, INT64_MAX, 0, collect_event, &x, NULL),
                 FL_OK);
    return x;
}

/* ---- register, metadata, stages ---- */

Test(registry_store, register_keeps_metadata_and_updates_only_what_is_given, .init = setup,
     .fini = teardown)
{
    static const struct fl_store_reg_metric m1[] = {{"auc", 0.91}, {"f1", 0.5}};
    static const unsigned char prof[] = {0, 1, 2, 0xff, 'x'};
    struct fl_store_reg_put p = put("fraud", "v3", NULL, 1000);
    p.description = "baseline";
    p.train_from_ms = 100;
    p.train_to_ms = 200;
    p.metrics = m1;
    p.n_metrics = 2;
    p.set_profile = true;
    p.profile = prof;
    p.profile_len = sizeof prof;
    p.schema = "columns: {}\n";
    struct fl_store_reg_result res;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_registry_put(st, &p, &res, &d), FL_OK, "%s", d.msg);
    cr_assert(res.created);
    cr_assert_not(res.stage_changed);
    cr_assert_eq(res.n_events, 0, "no stage, no change event");
    cr_assert_eq(th_stats(st).n_models, 1);

    /* A second call changes only the metric it names and the description. */
    static const struct fl_store_reg_metric m2[] = {{"f1", 0.75}, {"recall", 1e-300}};
    p = put("fraud", "v3", NULL, 2000);
    p.description = "retuned";
    p.metrics = m2;
    p.n_metrics = 2;
    cr_assert_eq(fl_store_registry_put(st, &p, &res, NULL), FL_OK);
    cr_assert_not(res.created);

    struct vrows x = versions("fraud", true);
    cr_assert_eq(x.n, 1);
    struct vrow *r = &x.r[0];
    cr_assert(r->registered);
    cr_assert_str_eq(r->stage, "none");
    cr_assert_str_eq(r->description, "retuned");
    cr_assert_str_eq(r->metrics, "auc=0.91000000000000003,f1=0.75,recall=1e-300");
    cr_assert_eq(r->created, 1000);
    cr_assert_eq(r->train_from, 100);
    cr_assert_eq(r->train_to, 200);
    cr_assert_eq(r->profile_bytes, 5);
    cr_assert(memcmp(r->profile, prof, sizeof prof) == 0);
    cr_assert_str_eq(r->schema, "columns: {}\n");
    /* without artifacts, the sizes only */
    struct vrows y = versions("fraud", false);
    cr_assert_eq(y.r[0].profile_bytes, 5);
    cr_assert_str_eq(y.r[0].schema, "-");

    /* "" clears the description and schema; an empty profile clears it */
    p = put("fraud", "v3", NULL, 3000);
    p.description = "";
    p.schema = "";
    p.set_profile = true;
    cr_assert_eq(fl_store_registry_put(st, &p, NULL, NULL), FL_OK);
    x = versions("fraud", true);
    cr_assert_str_eq(x.r[0].description, "-");
    cr_assert_str_eq(x.r[0].schema, "-");
    cr_assert_eq(x.r[0].profile_bytes, -1);
}

Test(registry_store, bad_input_is_refused_and_stores_nothing, .init = setup, .fini = teardown)
{
    static const struct fl_store_reg_metric bad_metric[] = {{"auc", NAN}};
    struct {
        struct fl_store_reg_put p;
        fl_err want;
        const char *field;
    } cases[] = {
        {put("", "v1", NULL, 1), FL_EINVAL, "model"},
        {put("m", "", NULL, 1), FL_EINVAL, "version"},
        {put("m", "v1", "prod", 1), FL_EINVAL, "stage"},
        {put("m", "v1", NULL, 1), FL_EINVAL, "metrics.auc"},
        {put("m", "v1", "production", 1), FL_ENOTFOUND, ""},
    };
    cases[3].p.metrics = bad_metric;
    cases[3].p.n_metrics = 1;
    cases[4].p.must_exist = true;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_diag d;
        fl_diag_init(&d);
        cr_expect_eq(fl_store_registry_put(st, &cases[i].p, NULL, &d), cases[i].want, "case %zu",
                     i);
        cr_expect_str_eq(d.field, cases[i].field, "case %zu: %s", i, d.msg);
    }
    cr_assert_eq(versions(NULL, false).n, 0);
    cr_assert_eq(changes("m").n, 0);
}

Test(registry_store, stage_changes_write_events_and_archive_others, .init = setup,
     .fini = teardown)
{
    struct fl_store_reg_result res;
    struct fl_store_reg_put p = put("fraud", "v3", "production", 1000);
    p.component = "fraud-api";
    cr_assert_eq(fl_store_registry_put(st, &p, &res, NULL), FL_OK);
    cr_assert(res.created && res.stage_changed);
    cr_assert_str_eq(res.old_stage, "none");
    cr_assert_eq(res.n_events, 1);
    /* the same stage again: nothing changes, no event */
    p.now_ms = 1500;
    cr_assert_eq(fl_store_registry_put(st, &p, &res, NULL), FL_OK);
    cr_assert_not(res.stage_changed);
    cr_assert_eq(res.n_events, 0);

    p = put("fraud", "v4", "staging", 2000);
    cr_assert_eq(fl_store_registry_put(st, &p, &res, NULL), FL_OK);
    p = put("fraud", "v4", "production", 3000);
    p.archive_others = true;
    cr_assert_eq(fl_store_registry_put(st, &p, &res, NULL), FL_OK);
    cr_assert(res.stage_changed);
    cr_assert_str_eq(res.old_stage, "staging");
    cr_assert_eq(res.n_archived, 1);
    cr_assert_eq(res.n_events, 2);
    /* stage "none" is stored as no stage */
    p = put("fraud", "v5", "shadow", 4000);
    cr_assert_eq(fl_store_registry_put(st, &p, NULL, NULL), FL_OK);
    p = put("fraud", "v5", "none", 5000);
    p.must_exist = true;
    cr_assert_eq(fl_store_registry_put(st, &p, &res, NULL), FL_OK);
    cr_assert_str_eq(res.old_stage, "shadow");

    struct vrows x = versions("fraud", false);
    cr_assert_eq(x.n, 3);
    cr_assert_str_eq(x.r[0].version, "v3");
    cr_assert_str_eq(x.r[0].stage, "archived");
    cr_assert_eq(x.r[0].ts, 3000, "archiving is a stage change at its time");
    cr_assert_eq(x.r[0].created, 1000);
    cr_assert_eq(x.r[0].first_change, 1000);
    cr_assert_str_eq(x.r[1].stage, "production");
    cr_assert_eq(x.r[1].first_change, 2000);
    cr_assert_str_eq(x.r[2].stage, "none");

    struct evrows ev = changes("fraud");
    cr_assert_eq(ev.n, 6);
    cr_assert_str_eq(ev.msg[0], "fraud v3: stage production (was none)");
    cr_assert_str_eq(ev.component[0], "fraud-api");
    cr_assert_str_eq(ev.component[1], "fraud", "no component given: the model name");
    cr_assert_str_eq(ev.attrs[0], "{\"model\":\"fraud\",\"version\":\"v3\",\"stage\":\"production\","
                                  "\"from_stage\":\"none\",\"source\":\"registry\"}");
    cr_assert_str_eq(ev.msg[2], "fraud v4: stage production (was staging)");
    cr_assert_str_eq(ev.msg[3], "fraud v3: stage archived (was production; replaced by v4)");
    cr_assert_str_eq(ev.msg[5], "fraud v5: stage none (was shadow)");
    cr_assert_eq(th_stats(st).n_events, 6);
}

/* ---- aliases ---- */

struct arows {
    size_t n;
    char text[8][64];
};

static int collect_alias(const char *alias, const char *version, int64_t ts, void *ud)
{
    struct arows *x = ud;
    snprintf(x->text[x->n++], 64, "%s=%s@%lld", alias, version, (long long)ts);
    return 0;
}

Test(registry_store, aliases_move_emit_events_and_need_a_known_version, .init = setup,
     .fini = teardown)
{
    struct fl_store_alias_result res;
    struct fl_diag d;
    cr_assert_eq(fl_store_registry_put(st, &(struct fl_store_reg_put){.model = "m", .version = "1",
                                                                      .train_from_ms = FL_TS_NONE,
                                                                      .train_to_ms = FL_TS_NONE,
                                                                      .now_ms = 10},
                                       NULL, NULL),
                 FL_OK);
    /* version 2 is known from the inference log only */
    struct fl_inference inf;
    memset(&inf, 0, sizeof inf);
    inf.ts_ms = 50;
    inf.request_id = "r";
    inf.model = "m";
    inf.model_version = "2";
    inf.score = NAN;
    inf.latency_ms = NAN;
    struct fl_batch b;
    th_batch(&b);
    b.inferences = &inf;
    b.n_inferences = 1;
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);

    fl_diag_init(&d);
    cr_assert_eq(fl_store_registry_alias(st, "m", "champion", "9", NULL, 100, &res, &d),
                 FL_ENOTFOUND);
    cr_assert_eq(fl_store_registry_alias(st, "m", "champion", "1", NULL, 100, &res, NULL), FL_OK);
    cr_assert(res.changed);
    cr_assert_not(res.had_old);
    cr_assert_eq(fl_store_registry_alias(st, "m", "champion", "1", NULL, 150, &res, NULL), FL_OK);
    cr_assert_not(res.changed, "pointing where it points is not a change");
    cr_assert_eq(fl_store_registry_alias(st, "m", "champion", "2", "svc", 200, &res, NULL), FL_OK);
    cr_assert(res.changed && res.had_old);
    cr_assert_str_eq(res.old_version, "1");
    cr_assert_eq(fl_store_registry_alias(st, "m", "production", "2", NULL, 300, &res, NULL),
                 FL_OK);

    struct arows a = {0};
    cr_assert_eq(fl_store_registry_aliases(st, "m", collect_alias, &a, NULL), FL_OK);
    cr_assert_eq(a.n, 2);
    cr_assert_str_eq(a.text[0], "champion=2@200");
    cr_assert_str_eq(a.text[1], "production=2@300");
    struct vrows x = versions("m", false);
    cr_assert_eq(x.n, 2);
    cr_assert_str_eq(x.r[0].aliases, "");
    cr_assert_str_eq(x.r[1].version, "2");
    cr_assert_not(x.r[1].registered);
    cr_assert_str_eq(x.r[1].aliases, "champion,production");
    cr_assert_eq(x.r[1].first_change, 50, "its first request (a first-served event), before the "
                                          "first alias move naming it at 200");

    /* removing */
    cr_assert_eq(fl_store_registry_alias(st, "m", "production", NULL, NULL, 400, &res, NULL),
                 FL_OK);
    cr_assert_str_eq(res.old_version, "2");
    cr_assert_eq(fl_store_registry_alias(st, "m", "production", NULL, NULL, 500, &res, NULL),
                 FL_ENOTFOUND);

    struct evrows ev = changes("m");
    cr_assert_eq(ev.n, 5, "four alias moves and version 2's first request");
    cr_assert_str_eq(ev.msg[0], "m 2 served its first request");
    cr_assert_eq(ev.ts[0], 50);
    cr_assert_str_eq(ev.attrs[0], "{\"model\":\"m\",\"version\":\"2\",\"source\":\"traffic\"}");
    cr_assert_str_eq(ev.msg[1], "m@champion -> 1");
    cr_assert_str_eq(ev.msg[2], "m@champion -> 2 (was 1)");
    cr_assert_str_eq(ev.component[2], "svc");
    cr_assert_str_eq(ev.attrs[2], "{\"model\":\"m\",\"alias\":\"champion\",\"version\":\"2\","
                                  "\"from_version\":\"1\",\"source\":\"registry\"}");
    cr_assert_str_eq(ev.msg[4], "m@production removed (was 2)");
    cr_assert_eq(ev.ts[4], 400);
}

Test(registry_store, read_only_store_refuses_writes)
{
    char *d0 = th_tmpdir();
    struct fl_store *w = th_open(d0);
    fl_store_free(w);
    struct fl_store_opts o;
    fl_store_opts_default(&o);
    o.read_only = true;
    struct fl_store *r = NULL;
    cr_assert_eq(fl_store_open(d0, &o, &r, NULL), FL_OK);
    struct fl_store_reg_put p = put("m", "1", NULL, 1);
    cr_assert_eq(fl_store_registry_put(r, &p, NULL, NULL), FL_EINVAL);
    cr_assert_eq(fl_store_registry_alias(r, "m", "a", "1", NULL, 1, NULL, NULL), FL_EINVAL);
    const char *c = "job";
    int64_t since = 0;
    cr_assert_eq(fl_store_watch_since(r, &c, 1, 777, &since, NULL), FL_OK);
    cr_assert_eq(since, 777, "not recorded: now");
    fl_store_free(r);
    th_rmdir(d0);
}

/* ---- traffic against brute force ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

#define N_INF 3000
static const char *const vers[] = {"v1", "v2", "v3"};

struct tcount {
    uint64_t c[3][64];
    int64_t start, step;
    size_t nb;
};

static int count_traffic(const char *version, int64_t bucket, uint64_t n, void *ud)
{
    struct tcount *t = ud;
    size_t v = 0;
    while (v < 3 && strcmp(vers[v], version))
        v++;
    cr_assert_lt(v, 3, "unknown version %s", version);
    if (bucket == (int64_t)t->nb)
        bucket--; /* fl_registry folds ts == end into the last step; compare likewise */
    cr_assert(bucket >= 0 && bucket < (int64_t)t->nb, "bucket %lld", (long long)bucket);
    t->c[v][bucket] += n;
    return 0;
}

Test(registry_store, traffic_matches_brute_force_counts, .init = setup, .fini = teardown)
{
    st->inf_block_rows = 64; /* many blocks, shared by versions, some joined */
    static struct fl_inference inf[N_INF];
    static char rid[N_INF][16];
    int64_t ts[N_INF];
    size_t ver[N_INF];
    char other_model[] = "other";
    size_t done = 0;
    while (done < N_INF) {
        size_t n = 1 + rnd() % 200;
        if (done + n > N_INF)
            n = N_INF - done;
        for (size_t i = done; i < done + n; i++) {
            memset(&inf[i], 0, sizeof inf[i]);
            snprintf(rid[i], sizeof rid[i], "r%zu", i);
            ts[i] = 100000 + (int64_t)(rnd() % 600000);
            ver[i] = rnd() % 3;
            inf[i].ts_ms = ts[i];
            inf[i].request_id = rid[i];
            inf[i].model = (rnd() % 10 == 0) ? other_model : "fraud";
            inf[i].model_version = vers[ver[i]];
            inf[i].score = NAN;
            inf[i].latency_ms = NAN;
        }
        struct fl_batch b;
        th_batch(&b);
        b.inferences = inf + done;
        b.n_inferences = n;
        cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
        done += n;
    }
    static const struct {
        int64_t start, end, step;
    } ranges[] = {
        {0, 1000000, 60000},      {150000, 450000, 7000}, {250000, 250000, 1000},
        {100000, 699999, 600000}, {400000, 460000, 1000},
    };
    for (size_t q = 0; q < sizeof ranges / sizeof ranges[0]; q++) {
        struct tcount got, want;
        memset(&got, 0, sizeof got);
        memset(&want, 0, sizeof want);
        uint64_t span = (uint64_t)(ranges[q].end - ranges[q].start);
        got.nb = span / (uint64_t)ranges[q].step + (span % (uint64_t)ranges[q].step != 0);
        if (got.nb == 0)
            got.nb = 1;
        cr_assert_leq(got.nb, 64);
        for (size_t i = 0; i < N_INF; i++) {
            if (strcmp(inf[i].model, "fraud") || ts[i] < ranges[q].start || ts[i] > ranges[q].end)
                continue;
            size_t k = (size_t)((ts[i] - ranges[q].start) / ranges[q].step);
            if (k == got.nb)
                k--;
            want.c[ver[i]][k]++;
        }
        struct fl_diag d;
        fl_diag_init(&d);
        cr_assert_eq(fl_store_traffic(st, "fraud", ranges[q].start, ranges[q].end,
                                      ranges[q].step, count_traffic, &got, &d),
                     FL_OK, "%s", d.msg);
        uint64_t total = 0;
        for (size_t v = 0; v < 3; v++)
            for (size_t k = 0; k < got.nb; k++) {
                cr_expect_eq(got.c[v][k], want.c[v][k], "range %zu, %s, step %zu: %llu vs %llu",
                             q, vers[v], k, (unsigned long long)got.c[v][k],
                             (unsigned long long)want.c[v][k]);
                total += want.c[v][k];
            }
        if (q == 0)
            cr_assert_gt(total, 2000, "the whole range holds most rows");
    }
    struct tcount none = {.nb = 1};
    cr_assert_eq(fl_store_traffic(st, "nobody", 0, 1000000, 1000000, count_traffic, &none, NULL),
                 FL_OK);
    cr_assert_eq(none.c[0][0] + none.c[1][0] + none.c[2][0], 0);
    cr_assert_eq(fl_store_traffic(st, "fraud", 10, 5, 1, count_traffic, &none, NULL), FL_EINVAL);
    cr_assert_eq(fl_store_traffic(st, "fraud", 0, 5, 0, count_traffic, &none, NULL), FL_EINVAL);
}

/* ---- feature status ---- */

struct fcount {
    size_t n;
    char key[8][48];
    uint64_t c[8][4];
};

static int count_status(const char *model, const char *feature, const uint64_t counts[4],
                        void *ud)
{
    struct fcount *x = ud;
    cr_assert_lt(x->n, 8);
    snprintf(x->key[x->n], 48, "%s/%s", model, feature);
    memcpy(x->c[x->n], counts, sizeof x->c[0]);
    x->n++;
    return 0;
}

static const uint64_t *find_counts(const struct fcount *x, const char *key)
{
    for (size_t i = 0; i < x->n; i++)
        if (!strcmp(x->key[i], key))
            return x->c[i];
    cr_assert_fail("no counts for %s", key);
    return NULL;
}

Test(registry_store, feature_status_counts_match_brute_force, .init = setup, .fini = teardown)
{
    st->inf_block_rows = 16;
    enum { N = 500 };
    static struct fl_inference inf[N];
    static struct fl_feature feats[N][3];
    static char rid[N][12];
    uint64_t want[2][3][4];
    memset(want, 0, sizeof want);
    uint64_t in_window = 0;
    for (size_t i = 0; i < N; i++) {
        size_t m = rnd() % 2;
        memset(&inf[i], 0, sizeof inf[i]);
        snprintf(rid[i], sizeof rid[i], "q%zu", i);
        inf[i].ts_ms = (int64_t)i * 10;
        inf[i].request_id = rid[i];
        inf[i].model = m ? "b" : "a";
        inf[i].model_version = "1";
        inf[i].score = NAN;
        inf[i].latency_ms = NAN;
        static const char *const names[] = {"age", "country", "score"};
        size_t nf = 2 + rnd() % 2; /* two feature sets */
        for (size_t k = 0; k < nf; k++) {
            int status = (int)(rnd() % 4);
            feats[i][k] = (struct fl_feature){names[k], status, FL_VAL_NULL, 0, NULL};
            if (k == 0 && status != FL_FEAT_NULL) {
                feats[i][k].kind = FL_VAL_NUMBER;
                feats[i][k].num = (double)i;
            } else if (k == 1 && status != FL_FEAT_NULL) {
                feats[i][k].kind = FL_VAL_STRING;
                feats[i][k].str = i % 2 ? "DE" : "a longer country name";
            } else if (k == 2 && status != FL_FEAT_NULL) {
                feats[i][k].kind = FL_VAL_BOOL;
                feats[i][k].num = 1;
            }
            if (inf[i].ts_ms >= 1000 && inf[i].ts_ms <= 3990)
                want[m][k][status]++;
        }
        in_window += inf[i].ts_ms >= 1000 && inf[i].ts_ms <= 3990;
        inf[i].features = feats[i];
        inf[i].n_features = nf;
    }
    for (size_t i = 0; i < N; i += 50) {
        struct fl_batch b;
        th_batch(&b);
        b.inferences = inf + i;
        b.n_inferences = 50;
        cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
    }
    struct fcount got = {0};
    uint64_t rows = 0;
    bool trunc = true;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_feature_status(st, NULL, 1000, 3990, 0, count_status, &got, &rows,
                                         &trunc, &d),
                 FL_OK, "%s", d.msg);
    cr_assert_eq(rows, in_window);
    cr_assert_not(trunc);
    cr_assert_eq(got.n, 6);
    static const char *const keys[2][3] = {{"a/age", "a/country", "a/score"},
                                           {"b/age", "b/country", "b/score"}};
    for (size_t m = 0; m < 2; m++)
        for (size_t k = 0; k < 3; k++) {
            const uint64_t *c = find_counts(&got, keys[m][k]);
            for (int s = 0; s < 4; s++)
                cr_expect_eq(c[s], want[m][k][s], "%s status %d: %llu vs %llu", keys[m][k], s,
                             (unsigned long long)c[s], (unsigned long long)want[m][k][s]);
        }
    /* one model; and a cap on rows read (newest first) */
    struct fcount only_a = {0};
    cr_assert_eq(fl_store_feature_status(st, "a", 1000, 3990, 0, count_status, &only_a, &rows,
                                         &trunc, NULL),
                 FL_OK);
    cr_assert_eq(only_a.n, 3);
    struct fcount capped = {0};
    cr_assert_eq(fl_store_feature_status(st, NULL, 0, 10000, 40, count_status, &capped, &rows,
                                         &trunc, NULL),
                 FL_OK);
    cr_assert_eq(rows, 40);
    cr_assert(trunc);
    uint64_t newest = 0;
    for (size_t i = 0; i < capped.n; i++)
        if (!strcmp(capped.key[i] + 2, "age"))
            newest += capped.c[i][0] + capped.c[i][1] + capped.c[i][2] + capped.c[i][3];
    cr_assert_eq(newest, 40, "every row has an age feature");
}

/* ---- runs and the freshness watch ---- */

struct runrows {
    size_t n;
    char text[16][48];
};

static int collect_run(const struct fl_event *e, void *ud)
{
    struct runrows *x = ud;
    snprintf(x->text[x->n++], 48, "%lld:%s:%lld", (long long)e->ts_ms, e->status,
             (long long)e->rows);
    return 0;
}

Test(registry_store, runs_newest_first_by_component_and_status, .init = setup, .fini = teardown)
{
    struct fl_event ev[] = {
        {"e1", 100, FL_TS_NONE, "batch_run", "etl", "success", 10, "", "{}"},
        {"e2", 200, FL_TS_NONE, "feature_pipeline_run", "etl", "failure", -1, "", "{}"},
        {"e3", 300, FL_TS_NONE, "batch_run", "etl", "start", -1, "", "{}"},
        {"e4", 250, FL_TS_NONE, "batch_run", "other", "success", 5, "", "{}"},
        {"e5", 260, FL_TS_NONE, "deploy", "etl", "success", -1, "", "{}"},
        {"e6", 400, FL_TS_NONE, "batch_run", "etl", "success", 30, "", "{}"},
    };
    struct fl_batch b;
    th_batch(&b);
    b.events = ev;
    b.n_events = sizeof ev / sizeof ev[0];
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
    struct runrows all = {0}, succ = {0}, lim = {0};
    cr_assert_eq(fl_store_runs(st, "etl", 350, NULL, 0, collect_run, &all, NULL), FL_OK);
    cr_assert_eq(all.n, 3);
    cr_assert_str_eq(all.text[0], "300:start:-1");
    cr_assert_str_eq(all.text[1], "200:failure:-1");
    cr_assert_str_eq(all.text[2], "100:success:10");
    cr_assert_eq(fl_store_runs(st, "etl", 1000, "success", 0, collect_run, &succ, NULL), FL_OK);
    cr_assert_eq(succ.n, 2);
    cr_assert_str_eq(succ.text[0], "400:success:30");
    cr_assert_eq(fl_store_runs(st, "etl", 1000, NULL, 1, collect_run, &lim, NULL), FL_OK);
    cr_assert_eq(lim.n, 1);
}

Test(registry_store, watch_since_is_recorded_once_and_survives_reopen, .init = setup,
     .fini = teardown)
{
    const char *c[] = {"a", "b"};
    int64_t since[2];
    cr_assert_eq(fl_store_watch_since(st, c, 1, 1000, since, NULL), FL_OK);
    cr_assert_eq(since[0], 1000);
    cr_assert_eq(fl_store_watch_since(st, c, 2, 5000, since, NULL), FL_OK);
    cr_assert_eq(since[0], 1000, "kept from the first sight");
    cr_assert_eq(since[1], 5000);
    fl_store_free(st);
    st = th_open(dir);
    cr_assert_eq(fl_store_watch_since(st, c, 2, 9000, since, NULL), FL_OK);
    cr_assert_eq(since[0], 1000);
    cr_assert_eq(since[1], 5000);
}

/* ---- migration 5 ---- */

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql,
                 msg ? msg : "");
}

Test(registry_store, migration_5_from_version_4_keeps_versions_and_events)
{
    char *d0 = th_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/faultline.db", d0);
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store__migrate_to(db, 0, 4, &d), FL_OK, "%s", d.msg);
    cr_assert_neq(sqlite3_exec(db, "SELECT 1 FROM model_aliases", NULL, NULL, NULL), SQLITE_OK,
                  "a version-4 database has no aliases");
    exec_ok(db, "INSERT INTO model_versions(model, version, stage, ts_ms, attrs_json) VALUES "
                "('fraud', 'v3', 'production', 1000, '{\"model\":\"fraud\",\"version\":\"v3\"}'),"
                "('fraud', 'v4', NULL, 2000, NULL)");
    exec_ok(db, "INSERT INTO events(id, ts_ms, kind, component, status, rows, message, "
                "attrs_json) VALUES ('ev1', 900, 'model_version_change', 'api', NULL, -1, 'v3', "
                "'{\"model\":\"fraud\",\"to_version\":3}'), ('ev2', 950, 'batch_run', 'etl', "
                "'success', 12, '', '{}')");
    sqlite3_close(db);

    struct fl_store *s = th_open(d0); /* runs migration 5 */
    struct fl_store_stats stt = th_stats(s);
    cr_assert_eq(stt.n_models, 2);
    cr_assert_eq(stt.n_events, 2);
    struct fl_store *keep = st;
    st = s;
    struct vrows x = versions("fraud", false);
    cr_assert_eq(x.n, 2);
    cr_assert_str_eq(x.r[0].version, "v3");
    cr_assert_str_eq(x.r[0].stage, "production");
    cr_assert_eq(x.r[0].created, 1000, "created is the old registration time");
    cr_assert(x.r[0].registered);
    cr_assert_str_eq(x.r[1].version, "v4");
    cr_assert_eq(x.r[1].first_change, FL_TS_NONE);
    /* a numeric to_version names version "3" */
    struct fl_store_reg_put p = put("fraud", "3", NULL, 3000);
    cr_assert_eq(fl_store_registry_put(s, &p, NULL, NULL), FL_OK);
    x = versions("fraud", false);
    cr_assert_eq(x.n, 3);
    cr_assert_eq(x.r[2].first_change, 900);
    struct runrows runs = {0};
    cr_assert_eq(fl_store_runs(s, "etl", 1000, NULL, 0, collect_run, &runs, NULL), FL_OK);
    cr_assert_eq(runs.n, 1);
    st = keep;
    fl_store_free(s);

    /* the new code refuses nothing it wrote: reopen read-only at version 5 */
    struct fl_store_opts o;
    fl_store_opts_default(&o);
    o.read_only = true;
    cr_assert_eq(fl_store_open(d0, &o, &s, &d), FL_OK, "%s", d.msg);
    fl_store_free(s);
    th_rmdir(d0);
}

Test(registry_store, version_change_events_keep_the_stage_they_do_not_name, .init = setup,
     .fini = teardown)
{
    /* A model_version_change event without a stage (a deploy pipeline's) must not wipe the stage
     * the registry gave the version. */
    struct fl_store_reg_put p = put("fraud", "v3", "production", 1000);
    cr_assert_eq(fl_store_registry_put(st, &p, NULL, NULL), FL_OK);
    struct fl_model_version mv = {"fraud", "v3", NULL, 2000, "{}"};
    struct fl_batch b;
    th_batch(&b);
    b.models = &mv;
    b.n_models = 1;
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
    struct vrows x = versions("fraud", false);
    cr_assert_str_eq(x.r[0].stage, "production");
    cr_assert_eq(x.r[0].created, 1000);
    cr_assert_eq(x.r[0].ts, 2000);
    /* History imported out of order: an older event's stage does not win; it is only an earlier
     * registration. */
    struct fl_model_version old = {"fraud", "v3", "staging", 500, "{}"};
    b.models = &old;
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
    x = versions("fraud", false);
    cr_assert_str_eq(x.r[0].stage, "production");
    cr_assert_eq(x.r[0].created, 500);
    cr_assert_eq(x.r[0].ts, 2000);
    struct fl_model_version newer = {"fraud", "v3", "shadow", 2500, "{}"};
    b.models = &newer;
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
    x = versions("fraud", false);
    cr_assert_str_eq(x.r[0].stage, "shadow");
    cr_assert_eq(x.r[0].ts, 2500);
}

/* A version's first request is a change event, once: re-sending the same logs, or more traffic
 * of the version, adds none; a new version adds its own. */
Test(registry_store, first_request_of_a_version_is_one_change_event, .init = setup,
     .fini = teardown)
{
    struct fl_inference inf;
    memset(&inf, 0, sizeof inf);
    inf.request_id = "r";
    inf.model = "m";
    inf.score = NAN;
    inf.latency_ms = NAN;
    static const struct {
        const char *version;
        int64_t ts;
    } sends[] = {{"v1", 1000}, {"v1", 1000}, {"v1", 900}, {"v2", 5000}, {"v1", 7000}};
    for (size_t i = 0; i < sizeof sends / sizeof sends[0]; i++) {
        struct fl_batch b;
        inf.model_version = sends[i].version;
        inf.ts_ms = sends[i].ts;
        th_batch(&b);
        b.inferences = &inf;
        b.n_inferences = 1;
        cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
    }
    struct evrows ev = changes("m");
    cr_assert_eq(ev.n, 2);
    cr_assert_str_eq(ev.msg[0], "m v1 served its first request");
    cr_assert_eq(ev.ts[0], 1000, "the time of the first batch that showed it");
    cr_assert_str_eq(ev.msg[1], "m v2 served its first request");
    cr_assert_eq(ev.ts[1], 5000);
}
