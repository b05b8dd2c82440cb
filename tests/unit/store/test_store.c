// SPDX-License-Identifier: Apache-2.0
/*
 * test_store.c: the SQLite store end to end: open, migrate and reopen; refusing a newer schema;
 * every record kind written and read back field by field; whole-batch atomicity (a failing record
 * or a failing allocation anywhere stores nothing); duplicate spans and events; the model
 * aggregate; stats counts; retention; read-only opening.
 */
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "helpers.h"

TH_STORE_FIXTURE()

/* ---- fixtures: one record of each kind ---- */

static const struct fl_label up_labels[] = {
    {"__name__", "up"}, {"instance", "a:9100"}, {"job", "api"}};

static struct fl_span span_fixture(const char *span_id, const char *service, int64_t start)
{
    struct fl_span sp;
    memset(&sp, 0, sizeof sp);
    strcpy(sp.trace_id, "0af7651916cd43dd8448eb211c80319c");
    strcpy(sp.span_id, span_id);
    strcpy(sp.parent_span_id, "b7ad6b7169203331");
    sp.service = service;
    sp.name = "GET /checkout";
    sp.kind = FL_SPAN_SERVER;
    sp.start_ns = start;
    sp.end_ns = start + 2500000;
    sp.status_code = FL_STATUS_ERROR;
    sp.status_message = "upstream timeout";
    sp.scope_name = "io.opentelemetry.http";
    sp.attrs_json = "{\"http.status_code\":504}";
    sp.resource_json = "{\"service.name\":\"checkout\"}";
    sp.events_json = "[{\"time_ns\":\"5\",\"name\":\"retry\",\"attrs\":{}}]";
    sp.links_json = "[]";
    return sp;
}

static const struct fl_feature feats[] = {
    {"amount", FL_FEAT_PRESENT, FL_VAL_NUMBER, 99.5, NULL},
    {"country", FL_FEAT_PRESENT, FL_VAL_STRING, 0, "DE"},
    {"is_new", FL_FEAT_PRESENT, FL_VAL_BOOL, 1, NULL},
    {"age_days", FL_FEAT_NOT_FOUND, FL_VAL_NULL, 0, NULL},
};
static const double scores3[] = {0.1, 0.7, 0.2};
static const struct fl_label segs[] = {{"country", "DE"}, {"platform", "ios"}};

static struct fl_inference inference_fixture(const char *rid, const char *model,
                                             const char *version, int64_t ts)
{
    struct fl_inference r;
    memset(&r, 0, sizeof r);
    r.ts_ms = ts;
    r.request_id = rid;
    r.trace_id = "0af7651916cd43dd8448eb211c80319c";
    r.model = model;
    r.model_version = version;
    r.features = feats;
    r.n_features = 4;
    r.pred_kind = FL_PRED_VECTOR;
    r.score = 0.7;
    r.pred_class = "fraud";
    r.scores = scores3;
    r.n_scores = 3;
    r.segments = segs;
    r.n_segments = 2;
    r.latency_ms = 12.25;
    return r;
}

/* ---- open / migrate ---- */

Test(store, open_creates_dir_and_reopens)
{
    char *base = th_tmpdir(), sub[512];
    snprintf(sub, sizeof sub, "%s/data", base);
    struct fl_store *s = th_open(sub);
    struct stat sb;
    cr_assert_eq(stat(sub, &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0750);

    struct fl_series se = {up_labels, 3, 7};
    struct fl_sample sm[2] = {{0, 1000, 1.0}, {0, 2000, 0.0}};
    struct fl_batch b;
    th_batch(&b);
    b.series = &se;
    b.n_series = 1;
    b.samples = sm;
    b.n_samples = 2;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_write(s, &b, &d), FL_OK, "%s", d.msg);
    fl_store_free(s);

    s = th_open(sub); /* migrations already applied: a plain reopen */
    struct fl_store_stats x = th_stats(s);
    cr_assert_eq(x.n_series, 1);
    cr_assert_eq(x.n_samples, 2);
    cr_assert_gt(x.bytes, 4096);
    fl_store_free(s);
    th_rm_store_dir(base, "data");
    th_rmdir(base);
}

/* Overwrite a big-endian 32-bit field of the SQLite header (user_version 60, application_id 68). */
static void patch_header(const char *d, long off, uint32_t v)
{
    char p[512];
    snprintf(p, sizeof p, "%s/faultline.db", d);
    int fd = open(p, O_WRONLY);
    cr_assert_geq(fd, 0);
    unsigned char be[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 8), (unsigned char)v};
    cr_assert_eq(pwrite(fd, be, 4, off), 4);
    close(fd);
}

Test(store, newer_schema_and_foreign_db_refused)
{
    struct {
        long off;
        uint32_t value;
        const char *want;
    } cases[] = {{60, 99, "newer than this faultline knows"},
                 {68, 0x12345678, "not a faultline database"}};
    for (size_t i = 0; i < 2; i++) {
        char *d = th_tmpdir();
        fl_store_free(th_open(d)); /* closing the last connection checkpoints the WAL */
        patch_header(d, cases[i].off, cases[i].value);
        struct fl_store *s = (struct fl_store *)1;
        struct fl_diag diag;
        fl_diag_init(&diag);
        cr_assert_eq(fl_store_open(d, NULL, &s, &diag), FL_ESTORE);
        cr_assert_null(s);
        cr_assert_not_null(strstr(diag.msg, cases[i].want), "message: %s", diag.msg);
        th_rmdir(d);
    }
}

Test(store, read_only_reads_and_refuses_writes, .init = setup, .fini = teardown)
{
    struct fl_event ev = {"e1", 5000, FL_TS_NONE, "deploy", "api", NULL, -1, "", "{}"};
    struct fl_batch b;
    th_batch(&b);
    b.events = &ev;
    b.n_events = 1;
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);

    struct fl_store_opts o;
    fl_store_opts_default(&o);
    o.read_only = true;
    struct fl_store *ro = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_open(dir, &o, &ro, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(th_stats(ro).n_events, 1);
    cr_assert_eq(fl_store_write(ro, &b, NULL), FL_EINVAL);
    cr_assert_eq(fl_store_compact(ro, 0, NULL), FL_EINVAL);
    fl_store_free(ro);
}

/* ---- spans ---- */

struct span_rows {
    struct fl_span sp[8];
    char strs[8][8][128];
    size_t n;
};

static int collect_span(const struct fl_span *sp, void *ud)
{
    struct span_rows *r = ud;
    cr_assert_lt(r->n, 8);
    struct fl_span *c = &r->sp[r->n];
    *c = *sp;
    const char **f[] = {&c->service,    &c->name,          &c->status_message, &c->scope_name,
                        &c->attrs_json, &c->resource_json, &c->events_json,    &c->links_json};
    for (size_t i = 0; i < 8; i++) {
        snprintf(r->strs[r->n][i], 128, "%s", *f[i]);
        *f[i] = r->strs[r->n][i];
    }
    r->n++;
    return 0;
}

static void assert_span_eq(const struct fl_span *a, const struct fl_span *b)
{
    cr_assert_str_eq(a->trace_id, b->trace_id);
    cr_assert_str_eq(a->span_id, b->span_id);
    cr_assert_str_eq(a->parent_span_id, b->parent_span_id);
    cr_assert_str_eq(a->service, b->service);
    cr_assert_str_eq(a->name, b->name);
    cr_assert_eq(a->kind, b->kind);
    cr_assert_eq(a->start_ns, b->start_ns);
    cr_assert_eq(a->end_ns, b->end_ns);
    cr_assert_eq(a->status_code, b->status_code);
    cr_assert_str_eq(a->status_message, b->status_message);
    cr_assert_str_eq(a->scope_name, b->scope_name);
    cr_assert_str_eq(a->attrs_json, b->attrs_json);
    cr_assert_str_eq(a->resource_json, b->resource_json);
    cr_assert_str_eq(a->events_json, b->events_json);
    cr_assert_str_eq(a->links_json, b->links_json);
}

Test(store, spans_roundtrip_dedup_and_query, .init = setup, .fini = teardown)
{
    struct fl_span sp[3] = {span_fixture("00f067aa0ba902b7", "checkout", 1000000000),
                            span_fixture("00f067aa0ba902b8", "payments", 1100000000),
                            span_fixture("00f067aa0ba902b9", "checkout", 1200000000)};
    sp[1].status_code = FL_STATUS_OK;
    sp[1].end_ns = sp[1].start_ns + 10;
    struct fl_batch b;
    th_batch(&b);
    b.spans = sp;
    b.n_spans = 3;
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
    cr_assert_eq(th_stats(st).n_spans, 3);

    /* The same span again with new fields: replaced, not duplicated. */
    struct fl_span again = sp[0];
    again.name = "GET /checkout v2";
    again.end_ns = again.start_ns + 99;
    b.spans = &again;
    b.n_spans = 1;
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
    cr_assert_eq(th_stats(st).n_spans, 3);

    struct span_rows rows = {0};
    cr_assert_eq(fl_store_trace(st, "0AF7651916CD43DD8448EB211C80319C", collect_span, &rows, NULL),
                 FL_OK);
    cr_assert_eq(rows.n, 3);
    assert_span_eq(&rows.sp[0], &again); /* ordered by start time */
    assert_span_eq(&rows.sp[1], &sp[1]);
    assert_span_eq(&rows.sp[2], &sp[2]);

    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_trace(st, "1af7651916cd43dd8448eb211c80319c", collect_span, &rows, &d),
                 FL_ENOTFOUND);
    cr_assert_eq(fl_store_trace(st, "xyz", collect_span, &rows, NULL), FL_EINVAL);

    struct {
        struct fl_span_query q;
        size_t want;
        const char *first_span; /* newest first */
    } cases[] = {
        {{NULL, NULL, 0, INT64_MAX, 0, 0, 0}, 3, "00f067aa0ba902b9"},
        {{"checkout", NULL, 0, INT64_MAX, 0, 0, 0}, 2, "00f067aa0ba902b9"},
        {{"payments", NULL, 0, INT64_MAX, 0, 0, 0}, 1, "00f067aa0ba902b8"},
        {{NULL, "GET /checkout v2", 0, INT64_MAX, 0, 0, 0}, 1, "00f067aa0ba902b7"},
        {{NULL, NULL, 0, INT64_MAX, 1000, 0, 0}, 1, "00f067aa0ba902b9"},
        {{NULL, NULL, 0, INT64_MAX, 0, 1, 0}, 2, "00f067aa0ba902b9"},
        {{NULL, NULL, 1050000000, 1150000000, 0, 0, 0}, 1, "00f067aa0ba902b8"},
        {{NULL, NULL, 0, INT64_MAX, 0, 0, 2}, 2, "00f067aa0ba902b9"},
        {{"nobody", NULL, 0, INT64_MAX, 0, 0, 0}, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&rows, 0, sizeof rows);
        cr_assert_eq(fl_store_spans(st, &cases[i].q, collect_span, &rows, NULL), FL_OK);
        cr_assert_eq(rows.n, cases[i].want, "case %zu: %zu spans", i, rows.n);
        if (cases[i].first_span)
            cr_assert_str_eq(rows.sp[0].span_id, cases[i].first_span, "case %zu", i);
    }
}

/* ---- inferences, outcomes, models ---- */

struct inf_rows {
    size_t n_inf, n_out;
    int checked;
    char last_rid[64];
    const struct fl_inference *want;
    struct fl_outcome outs[4];
    char out_names[4][32];
};

static int check_inference(const struct fl_inference *r, void *ud)
{
    struct inf_rows *x = ud;
    x->n_inf++;
    snprintf(x->last_rid, sizeof x->last_rid, "%s", r->request_id);
    if (!x->want)
        return 0;
    const struct fl_inference *w = x->want;
    cr_assert_eq(r->ts_ms, w->ts_ms);
    cr_assert_str_eq(r->request_id, w->request_id);
    cr_assert_str_eq(r->trace_id, w->trace_id);
    cr_assert_str_eq(r->model, w->model);
    cr_assert_str_eq(r->model_version, w->model_version);
    cr_assert_eq(r->n_features, w->n_features);
    for (size_t i = 0; i < r->n_features; i++) {
        cr_assert_str_eq(r->features[i].name, w->features[i].name);
        cr_assert_eq(r->features[i].status, w->features[i].status);
        cr_assert_eq(r->features[i].kind, w->features[i].kind);
        if (w->features[i].kind == FL_VAL_STRING)
            cr_assert_str_eq(r->features[i].str, w->features[i].str);
        else
            cr_assert_eq(r->features[i].num, w->features[i].num);
    }
    cr_assert_eq(r->pred_kind, w->pred_kind);
    cr_assert_eq(r->score, w->score);
    cr_assert_str_eq(r->pred_class, w->pred_class);
    cr_assert_eq(r->n_scores, w->n_scores);
    for (size_t i = 0; i < r->n_scores; i++)
        cr_assert_eq(r->scores[i], w->scores[i]);
    cr_assert_eq(r->n_segments, w->n_segments);
    for (size_t i = 0; i < r->n_segments; i++) {
        cr_assert_str_eq(r->segments[i].name, w->segments[i].name);
        cr_assert_str_eq(r->segments[i].value, w->segments[i].value);
    }
    cr_assert_eq(r->latency_ms, w->latency_ms);
    x->checked++;
    return 0;
}

static int collect_outcome(const struct fl_outcome *o, void *ud)
{
    struct inf_rows *x = ud;
    cr_assert_lt(x->n_out, 4);
    x->outs[x->n_out] = *o;
    snprintf(x->out_names[x->n_out], 32, "%s", o->name);
    x->outs[x->n_out].name = x->out_names[x->n_out];
    x->outs[x->n_out].request_id = NULL;
    x->outs[x->n_out].attrs_json = NULL;
    x->n_out++;
    return 0;
}

Test(store, inferences_outcomes_roundtrip, .init = setup, .fini = teardown)
{
    struct fl_inference inf[3] = {inference_fixture("r1", "fraud", "v3", 1000),
                                  inference_fixture("r2", "fraud", "v4", 2000),
                                  inference_fixture("r1", "fraud", "v3", 3000)};
    inf[1].pred_kind = FL_PRED_SCORE;
    inf[1].scores = NULL;
    inf[1].n_scores = 0;
    inf[1].pred_class = NULL;
    inf[1].latency_ms = NAN;
    struct fl_outcome outs[2] = {{4000, "r1", "label", 1.0, "{\"by\":\"analyst\"}"},
                                 {4500, "r1", "chargeback", 250.0, "{}"}};
    struct fl_batch b;
    th_batch(&b);
    b.inferences = inf;
    b.n_inferences = 3;
    b.outcomes = outs;
    b.n_outcomes = 2;
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
    struct fl_store_stats x = th_stats(st);
    cr_assert_eq(x.n_inferences, 3);
    cr_assert_eq(x.n_outcomes, 2);

    /* the latest inference of r1, all fields, and both outcomes in time order */
    struct inf_rows rows = {0};
    rows.want = &inf[2];
    cr_assert_eq(fl_store_request(st, "r1", check_inference, collect_outcome, &rows, NULL), FL_OK);
    cr_assert_eq(rows.n_inf, 1);
    cr_assert_eq(rows.checked, 1);
    cr_assert_eq(rows.n_out, 2);
    cr_assert_str_eq(rows.outs[0].name, "label");
    cr_assert_eq(rows.outs[0].ts_ms, 4000);
    cr_assert_eq(rows.outs[1].value, 250.0);
    cr_assert_eq(fl_store_request(st, "nope", check_inference, collect_outcome, &rows, NULL),
                 FL_ENOTFOUND);

    /* NaN latency and no vector read back as NaN / empty */
    struct inf_rows r2 = {0};
    struct fl_inference_query q = {"fraud", "v4", 0, INT64_MAX, 0};
    cr_assert_eq(fl_store_inferences(st, &q, check_inference, &r2, NULL), FL_OK);
    cr_assert_eq(r2.n_inf, 1);
    cr_assert_str_eq(r2.last_rid, "r2");

    struct {
        struct fl_inference_query q;
        size_t want;
    } cases[] = {
        {{NULL, NULL, 0, INT64_MAX, 0}, 3},    {{"fraud", NULL, 0, INT64_MAX, 0}, 3},
        {{"fraud", "v3", 0, INT64_MAX, 0}, 2}, {{NULL, "v4", 0, INT64_MAX, 0}, 1},
        {{"fraud", NULL, 1500, 2500, 0}, 1},   {{NULL, NULL, 0, INT64_MAX, 2}, 2},
        {{"other", NULL, 0, INT64_MAX, 0}, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct inf_rows r = {0};
        cr_assert_eq(fl_store_inferences(st, &cases[i].q, check_inference, &r, NULL), FL_OK);
        cr_assert_eq(r.n_inf, cases[i].want, "case %zu: %zu", i, r.n_inf);
    }
    struct inf_rows ro = {0};
    cr_assert_eq(fl_store_outcomes(st, 4200, 5000, collect_outcome, &ro, NULL), FL_OK);
    cr_assert_eq(ro.n_out, 1);
    cr_assert_str_eq(ro.outs[0].name, "chargeback");
}

struct model_rows {
    size_t n;
    char key[4][64];
    char stage[4][32];
    int64_t first[4], last[4];
    uint64_t count[4];
};

static int collect_model(const struct fl_model_info *m, void *ud)
{
    struct model_rows *r = ud;
    cr_assert_lt(r->n, 4);
    snprintf(r->key[r->n], 64, "%s/%s", m->v.model, m->v.version);
    snprintf(r->stage[r->n], 32, "%s", m->v.stage ? m->v.stage : "(none)");
    r->first[r->n] = m->first_seen_ms;
    r->last[r->n] = m->last_seen_ms;
    r->count[r->n] = m->n_inferences;
    r->n++;
    return 0;
}

Test(store, models_aggregate, .init = setup, .fini = teardown)
{
    struct fl_model_version mv[2] = {{"fraud", "v3", "production", 500, "{}"},
                                     {"fraud", "v5", "staging", 600, "{}"}};
    struct fl_inference inf[3] = {inference_fixture("a", "fraud", "v3", 1000),
                                  inference_fixture("b", "fraud", "v4", 2000),
                                  inference_fixture("c", "fraud", "v3", 1500)};
    struct fl_batch b;
    th_batch(&b);
    b.models = mv;
    b.n_models = 2;
    b.inferences = inf;
    b.n_inferences = 3;
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
    /* a later batch extends the aggregate */
    struct fl_inference later = inference_fixture("d", "fraud", "v3", 900);
    th_batch(&b);
    b.inferences = &later;
    b.n_inferences = 1;
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
    cr_assert_eq(th_stats(st).n_models, 3);

    struct model_rows r = {0};
    cr_assert_eq(fl_store_models(st, "fraud", collect_model, &r, NULL), FL_OK);
    cr_assert_eq(r.n, 3);
    cr_assert_str_eq(r.key[0], "fraud/v3");
    cr_assert_str_eq(r.stage[0], "production");
    cr_assert_eq(r.first[0], 900);
    cr_assert_eq(r.last[0], 1500);
    cr_assert_eq(r.count[0], 3);
    cr_assert_str_eq(r.key[1], "fraud/v4"); /* seen serving, never registered */
    cr_assert_str_eq(r.stage[1], "(none)");
    cr_assert_eq(r.count[1], 1);
    cr_assert_str_eq(r.key[2], "fraud/v5"); /* registered, never seen */
    cr_assert_eq(r.first[2], FL_TS_NONE);
    cr_assert_eq(r.count[2], 0);
    struct model_rows none = {0};
    cr_assert_eq(fl_store_models(st, "other", collect_model, &none, NULL), FL_OK);
    cr_assert_eq(none.n, 0);
}

static const struct fl_feature other_feats[] = {
    {"amount", FL_FEAT_PRESENT, FL_VAL_NUMBER, 1.5, NULL},
    {"merchant", FL_FEAT_PRESENT, FL_VAL_STRING, 0, "acme"},
};

Test(store, feature_sets_vary_per_row, .init = setup, .fini = teardown)
{
    /* rows alternate between two feature sets, in one batch and across batches */
    struct fl_inference inf[4];
    char rid[4][8];
    for (int i = 0; i < 4; i++) {
        snprintf(rid[i], sizeof rid[i], "x%d", i);
        inf[i] = inference_fixture(rid[i], "m", "v", 100 + i);
        if (i % 2) {
            inf[i].features = other_feats;
            inf[i].n_features = 2;
        }
    }
    struct fl_batch b;
    th_batch(&b);
    b.inferences = inf;
    b.n_inferences = 4;
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
    for (int i = 0; i < 4; i++) {
        struct inf_rows r = {0};
        r.want = &inf[i];
        cr_assert_eq(fl_store_request(st, rid[i], check_inference, NULL, &r, NULL), FL_OK);
        cr_assert_eq(r.checked, 1, "row %d", i);
    }
    /* a feature with an out-of-range status is refused, naming the feature */
    struct fl_feature bad[1] = {{"z", 9, FL_VAL_NUMBER, 1, NULL}};
    inf[2].features = bad;
    inf[2].n_features = 1;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_write(st, &b, &d), FL_EINVAL);
    cr_assert_str_eq(d.field, "inferences[2].features[0]");
    cr_assert_eq(th_stats(st).n_inferences, 8);
}

/* ---- events ---- */

struct ev_rows {
    size_t n;
    char ids[8][16];
    char msg[8][32];
    int64_t end[8], rows[8];
};

static int collect_event(const struct fl_event *e, void *ud)
{
    struct ev_rows *r = ud;
    cr_assert_lt(r->n, 8);
    snprintf(r->ids[r->n], 16, "%s", e->id);
    snprintf(r->msg[r->n], 32, "%s", e->message);
    r->end[r->n] = e->end_ms;
    r->rows[r->n] = e->rows;
    r->n++;
    return 0;
}

Test(store, events_dedup_and_query, .init = setup, .fini = teardown)
{
    struct fl_event ev[3] = {
        {"e1", 3000, FL_TS_NONE, "deploy", "api", NULL, -1, "v1.2", "{}"},
        {"e2", 1000, 2000, "batch_run", "etl", "success", 1234, "", "{\"job\":\"x\"}"},
        {"e3", 2000, FL_TS_NONE, "deploy", "db", NULL, -1, "", "{}"},
    };
    struct fl_batch b;
    th_batch(&b);
    b.events = ev;
    b.n_events = 3;
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
    struct fl_event again = ev[0];
    again.message = "v1.3";
    b.events = &again;
    b.n_events = 1;
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
    cr_assert_eq(th_stats(st).n_events, 3);

    struct ev_rows r = {0};
    struct fl_event_query q = {0, INT64_MAX, NULL, NULL, 0};
    cr_assert_eq(fl_store_events(st, &q, collect_event, &r, NULL), FL_OK);
    cr_assert_eq(r.n, 3);
    cr_assert_str_eq(r.ids[0], "e2");
    cr_assert_eq(r.end[0], 2000);
    cr_assert_eq(r.rows[0], 1234);
    cr_assert_str_eq(r.ids[2], "e1");
    cr_assert_str_eq(r.msg[2], "v1.3");
    cr_assert_eq(r.end[2], FL_TS_NONE);

    struct {
        struct fl_event_query q;
        size_t want;
    } cases[] = {{{0, INT64_MAX, "deploy", NULL, 0}, 2},
                 {{0, INT64_MAX, "deploy", "db", 0}, 1},
                 {{0, INT64_MAX, NULL, NULL, 1}, 1},
                 {{1500, 2500, NULL, NULL, 0}, 1}};
    for (size_t i = 0; i < 4; i++) {
        struct ev_rows x = {0};
        cr_assert_eq(fl_store_events(st, &cases[i].q, collect_event, &x, NULL), FL_OK);
        cr_assert_eq(x.n, cases[i].want, "case %zu", i);
    }
}

/* ---- atomicity ---- */

static size_t count_events(struct fl_store *s)
{
    struct ev_rows r = {0};
    struct fl_event_query q = {INT64_MIN, INT64_MAX, NULL, NULL, 0};
    cr_assert_eq(fl_store_events(s, &q, collect_event, &r, NULL), FL_OK);
    return r.n;
}

/* A batch touching every table; inference i_bad (if < 3) has no model. */
struct big {
    struct fl_series se[2];
    struct fl_sample sm[4];
    struct fl_span sp[2];
    struct fl_inference inf[3];
    struct fl_event ev[1];
    struct fl_batch b;
};

static const struct fl_label other_labels[] = {{"__name__", "queue_depth"}, {"job", "etl"}};

static void big_batch(struct big *x, size_t i_bad)
{
    x->se[0] = (struct fl_series){up_labels, 3, 1};
    x->se[1] = (struct fl_series){other_labels, 2, 2};
    for (uint32_t i = 0; i < 4; i++)
        x->sm[i] = (struct fl_sample){i % 2, 1000 + (int64_t)i * 1000, (double)i};
    x->sp[0] = span_fixture("00f067aa0ba902b7", "a", 1);
    x->sp[1] = span_fixture("00f067aa0ba902b8", "b", 2);
    for (size_t i = 0; i < 3; i++)
        x->inf[i] = inference_fixture("r", i == i_bad ? NULL : "m", "v1", 10);
    x->ev[0] = (struct fl_event){"e", 1, FL_TS_NONE, "deploy", "c", NULL, -1, "", "{}"};
    th_batch(&x->b);
    x->b.series = x->se;
    x->b.n_series = 2;
    x->b.samples = x->sm;
    x->b.n_samples = 4;
    x->b.spans = x->sp;
    x->b.n_spans = 2;
    x->b.inferences = x->inf;
    x->b.n_inferences = 3;
    x->b.events = x->ev;
    x->b.n_events = 1;
}

static void assert_empty(struct fl_store *s)
{
    struct fl_store_stats z = th_stats(s);
    cr_assert_eq(z.n_series + z.n_samples + z.n_spans + z.n_inferences + z.n_events + z.n_models,
                 0);
    cr_assert_eq(count_events(s), 0);
    cr_assert_eq(fl_store_trace(s, "0af7651916cd43dd8448eb211c80319c", collect_span,
                                &(struct span_rows){0}, NULL),
                 FL_ENOTFOUND);
}

Test(store, failing_record_stores_nothing, .init = setup, .fini = teardown)
{
    struct big x;
    big_batch(&x, 2);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_write(st, &x.b, &d), FL_EINVAL);
    cr_assert_str_eq(d.field, "inferences[2].model");
    assert_empty(st);

    /* a sample naming a series the batch does not have */
    big_batch(&x, 99);
    x.sm[3].series = 7;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_write(st, &x.b, &d), FL_EINVAL);
    cr_assert_str_eq(d.field, "samples[3].series");
    assert_empty(st);

    /* The series rows of the failed batches were rolled back; their ids must not linger in the
     * cache either, or this write would point samples at missing series. */
    big_batch(&x, 99);
    fl_diag_init(&d);
    cr_assert_eq(fl_store_write(st, &x.b, &d), FL_OK, "%s", d.msg);
    struct fl_store_stats z = th_stats(st);
    cr_assert_eq(z.n_series, 2);
    cr_assert_eq(z.n_samples, 4);
    cr_assert_eq(z.n_spans, 2);
    cr_assert_eq(z.n_inferences, 3);
}

Test(store, failing_allocation_stores_nothing, .init = setup, .fini = teardown)
{
    struct big x;
    fl_err e = FL_ENOMEM;
    long k;
    for (k = 0; k < 1000 && e != FL_OK; k++) {
        big_batch(&x, 99);
        fl_alloc_fail_after(k);
        e = fl_store_write(st, &x.b, NULL);
        fl_alloc_fail_after(-1);
        if (e != FL_OK) {
            cr_assert_eq(e, FL_ENOMEM, "failure point %ld gave %s", k, fl_err_name(e));
            assert_empty(st);
        }
    }
    cr_assert_eq(e, FL_OK);
    cr_assert_gt(k, 1, "the write never allocated: the test exercised nothing");
    struct fl_store_stats z = th_stats(st);
    cr_assert_eq(z.n_series, 2);
    cr_assert_eq(z.n_samples, 4);
    cr_assert_eq(z.n_inferences, 3);
}
