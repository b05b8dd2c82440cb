// SPDX-License-Identifier: Apache-2.0
/*
 * test_store_metrics.c: series selection with every matcher op, samples kept bitwise through the
 * head and through compaction into chunks, "the later write wins" on repeated timestamps before
 * and after compaction, exemplars and metadata, retention across all tables, and stats counts.
 */
#include <math.h>

#include "core/matcher.h"
#include "helpers.h"

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

static const struct fl_label s0[] = {{"__name__", "up"}, {"instance", "a"}, {"job", "api"}};
static const struct fl_label s1[] = {{"__name__", "up"}, {"instance", "b"}, {"job", "db"}};
static const struct fl_label s2[] = {
    {"__name__", "http_requests_total"}, {"code", "200"}, {"job", "api"}};
static const struct fl_label s3[] = {
    {"__name__", "http_requests_total"}, {"code", "500"}, {"job", "api"}};

#define T0 INT64_C(1764000000000)
#define STEP 15000
#define N_PER 600 /* 2.5 hours at 15 s */

static double val(size_t series, size_t i)
{
    uint64_t stale = 0x7ff0000000000002ull;
    double v;
    if (i % 97 == 5) {
        memcpy(&v, &stale, sizeof v);
        return v;
    }
    if (i % 101 == 7)
        return series % 2 ? -0.0 : INFINITY;
    return series * 1000.0 + (double)i * 0.1 + (double)(i % 7) / 3.0;
}

static void write_fixture(struct fl_store *s)
{
    struct fl_series se[4] = {{s0, 3, 0}, {s1, 3, 1}, {s2, 3, 2}, {s3, 3, 3}};
    static struct fl_sample sm[4 * N_PER];
    for (size_t k = 0; k < 4; k++)
        for (size_t i = 0; i < N_PER; i++)
            sm[k * N_PER + i] = (struct fl_sample){(uint32_t)k, T0 + (int64_t)i * STEP, val(k, i)};
    struct fl_batch b;
    th_batch(&b);
    b.series = se;
    b.n_series = 4;
    b.samples = sm;
    b.n_samples = 4 * N_PER;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_write(s, &b, &d), FL_OK, "%s", d.msg);
}

struct sel {
    size_t n_series, n_samples;
    char names[8][128];
    int bitwise_ok;
    int ordered;
};

static int collect(const struct fl_label *l, size_t nl, const int64_t *ts, const double *v,
                   size_t n, void *ud)
{
    struct sel *r = ud;
    cr_assert_lt(r->n_series, 8);
    char *p = r->names[r->n_series];
    p[0] = '\0';
    for (size_t i = 0; i < nl; i++) {
        strncat(p, l[i].value, 127 - strlen(p));
        strncat(p, ",", 127 - strlen(p));
    }
    size_t k = p[0] == 'u' ? (p[3] == 'a' ? 0 : 1) : (strstr(p, "500") ? 3 : 2);
    for (size_t i = 0; i < n; i++) {
        size_t idx = (size_t)((ts[i] - T0) / STEP);
        double want = val(k, idx);
        if (memcmp(&want, &v[i], sizeof want) != 0)
            r->bitwise_ok = 0;
        if (i > 0 && ts[i] <= ts[i - 1])
            r->ordered = 0;
    }
    r->n_series++;
    r->n_samples += n;
    return 0;
}

static struct sel run_select(const char *name, enum fl_match_op op, const char *value,
                             const char *name2, enum fl_match_op op2, const char *value2,
                             int64_t start, int64_t end, fl_err want)
{
    struct fl_matcher m[2];
    size_t n = 1;
    cr_assert_eq(fl_matcher_init(&m[0], name, op, value, NULL), FL_OK);
    if (name2) {
        cr_assert_eq(fl_matcher_init(&m[1], name2, op2, value2, NULL), FL_OK);
        n = 2;
    }
    struct sel r;
    memset(&r, 0, sizeof r);
    r.bitwise_ok = 1;
    r.ordered = 1;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_store_select(st, m, n, start, end, true, collect, &r, &d);
    cr_assert_eq(e, want, "%s %s: got %s (%s)", name, value, fl_err_name(e), d.msg);
    for (size_t i = 0; i < n; i++)
        fl_matcher_cleanup(&m[i]);
    cr_assert(r.bitwise_ok, "a sample differs bitwise");
    cr_assert(r.ordered, "samples out of time order");
    return r;
}

static void check_selects(void)
{
    int64_t all0 = INT64_MIN, all1 = INT64_MAX;
    struct {
        const char *n1;
        enum fl_match_op o1;
        const char *v1;
        const char *n2;
        enum fl_match_op o2;
        const char *v2;
        size_t want_series;
    } cases[] = {
        {"__name__", FL_MATCH_EQ, "up", NULL, 0, NULL, 2},
        {"__name__", FL_MATCH_EQ, "up", "job", FL_MATCH_EQ, "db", 1},
        {"__name__", FL_MATCH_EQ, "up", "job", FL_MATCH_NE, "db", 1},
        {"__name__", FL_MATCH_RE, "http_.*|up", NULL, 0, NULL, 4},
        {"code", FL_MATCH_RE, "5..", NULL, 0, NULL, 1},
        {"__name__", FL_MATCH_EQ, "http_requests_total", "code", FL_MATCH_NRE, "2..", 1},
        {"job", FL_MATCH_EQ, "api", "code", FL_MATCH_EQ, "", 1}, /* absent label = "" */
        {"__name__", FL_MATCH_RE, "up|http.*", "job", FL_MATCH_NE, "api", 1},
        {"__name__", FL_MATCH_EQ, "nothing", NULL, 0, NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sel r = run_select(cases[i].n1, cases[i].o1, cases[i].v1, cases[i].n2, cases[i].o2,
                                  cases[i].v2, all0, all1, FL_OK);
        cr_assert_eq(r.n_series, cases[i].want_series, "case %zu: %zu series", i, r.n_series);
        cr_assert_eq(r.n_samples, cases[i].want_series * N_PER, "case %zu", i);
    }
    /* listing only: series with a sample in the range, no samples handed over */
    struct {
        int64_t start, end;
        size_t want;
    } lists[] = {
        {all0, all1, 4},
        {T0 + 10 * STEP, T0 + 10 * STEP, 4},         /* one timestamp: inside a chunk or head */
        {T0 + 10 * STEP + 1, T0 + 11 * STEP - 1, 0}, /* between two samples */
        {T0 + N_PER * STEP, all1, 0},                /* after the last sample */
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        struct fl_matcher m;
        cr_assert_eq(fl_matcher_init(&m, "__name__", FL_MATCH_RE, ".+", NULL), FL_OK);
        struct sel r;
        memset(&r, 0, sizeof r);
        r.bitwise_ok = r.ordered = 1;
        cr_assert_eq(
            fl_store_select(st, &m, 1, lists[i].start, lists[i].end, false, collect, &r, NULL),
            FL_OK);
        cr_assert_eq(r.n_series, lists[i].want, "list %zu: %zu series", i, r.n_series);
        cr_assert_eq(r.n_samples, 0);
        fl_matcher_cleanup(&m);
    }
    /* a range: samples 10..19 inclusive of both ends */
    struct sel r =
        run_select("job", FL_MATCH_EQ, "db", NULL, 0, NULL, T0 + 10 * STEP, T0 + 19 * STEP, FL_OK);
    cr_assert_eq(r.n_samples, 10);
    /* a selector every series matches is refused */
    run_select("job", FL_MATCH_RE, ".*", NULL, 0, NULL, all0, all1, FL_EINVAL);
}

Test(store_metrics, select_every_matcher_op, .init = setup, .fini = teardown)
{
    write_fixture(st);
    struct fl_store_stats x = th_stats(st);
    cr_assert_eq(x.n_series, 4);
    cr_assert_eq(x.n_samples, 4 * N_PER);
    check_selects();
}

Test(store_metrics, compaction_preserves_every_sample, .init = setup, .fini = teardown)
{
    write_fixture(st);
    struct fl_diag d;
    fl_diag_init(&d);
    /* now = end + 2 spans: every complete 2 h window is compacted; the last partial one too */
    cr_assert_eq(fl_store_compact(st, T0 + N_PER * STEP + 2 * 7200000, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(th_stats(st).n_samples, 4 * N_PER);
    check_selects();
    /* compacting again is a no-op */
    cr_assert_eq(fl_store_compact(st, T0 + N_PER * STEP + 2 * 7200000, &d), FL_OK);
    check_selects();
    /* reopen: the chunks are on disk */
    fl_store_free(st);
    st = th_open(dir);
    cr_assert_eq(th_stats(st).n_samples, 4 * N_PER);
    check_selects();
}

struct one {
    size_t n;
    int64_t ts[8];
    double v[8];
};

static int collect_one(const struct fl_label *l, size_t nl, const int64_t *ts, const double *v,
                       size_t n, void *ud)
{
    (void)l;
    (void)nl;
    struct one *o = ud;
    for (size_t i = 0; i < n && o->n < 8; i++) {
        o->ts[o->n] = ts[i];
        o->v[o->n++] = v[i];
    }
    return 0;
}

static struct one read_up_a(void)
{
    struct fl_matcher m;
    cr_assert_eq(fl_matcher_init(&m, "instance", FL_MATCH_EQ, "a", NULL), FL_OK);
    struct one o = {0};
    cr_assert_eq(fl_store_select(st, &m, 1, T0, T0 + 2 * STEP, true, collect_one, &o, NULL), FL_OK);
    fl_matcher_cleanup(&m);
    return o;
}

static void write_one(int64_t ts, double v)
{
    struct fl_series se = {s0, 3, 0};
    struct fl_sample sm = {0, ts, v};
    struct fl_batch b;
    th_batch(&b);
    b.series = &se;
    b.n_series = 1;
    b.samples = &sm;
    b.n_samples = 1;
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
}

Test(store_metrics, later_write_wins, .init = setup, .fini = teardown)
{
    write_one(T0, 1.0);
    write_one(T0 + STEP, 2.0);
    write_one(T0, 10.0); /* head duplicate */
    struct one o = read_up_a();
    cr_assert_eq(o.n, 2);
    cr_assert_eq(o.v[0], 10.0);
    cr_assert_eq(th_stats(st).n_samples, 2);

    int64_t later = T0 + 10 * 7200000;
    cr_assert_eq(fl_store_compact(st, later, NULL), FL_OK);
    write_one(T0 + STEP, 20.0); /* rewrites a chunked sample: the head copy wins */
    o = read_up_a();
    cr_assert_eq(o.n, 2);
    cr_assert_eq(o.v[1], 20.0);
    cr_assert_eq(th_stats(st).n_samples, 3); /* stored twice until compacted */
    cr_assert_eq(fl_store_compact(st, later, NULL), FL_OK);
    o = read_up_a();
    cr_assert_eq(o.n, 2);
    cr_assert_eq(o.ts[0], T0);
    cr_assert_eq(o.v[0], 10.0);
    cr_assert_eq(o.v[1], 20.0);
    cr_assert_eq(th_stats(st).n_samples, 2); /* merged into one chunk */
}

struct ex {
    size_t n;
    double v;
    int64_t sample_ts, ts;
    char trace[40], label[64], series[64];
};

static int collect_ex(const struct fl_label *sl, size_t nsl, const struct fl_exemplar *x, void *ud)
{
    struct ex *e = ud;
    e->n++;
    e->v = x->value;
    e->sample_ts = x->sample_ts_ms;
    e->ts = x->ts_ms;
    snprintf(e->trace, sizeof e->trace, "%s", x->trace_id ? x->trace_id : "(null)");
    cr_assert_eq(x->n_labels, 1);
    snprintf(e->label, sizeof e->label, "%s=%s", x->labels[0].name, x->labels[0].value);
    cr_assert_eq(nsl, 3);
    snprintf(e->series, sizeof e->series, "%s", sl[2].value);
    return 0;
}

struct meta {
    size_t n;
    char s[4][96];
};

static int collect_meta(const struct fl_metric_meta *m, void *ud)
{
    struct meta *r = ud;
    cr_assert_lt(r->n, 4);
    snprintf(r->s[r->n++], 96, "%s|%s|%s|%s", m->family, m->type ? m->type : "-",
             m->help ? m->help : "-", m->unit ? m->unit : "-");
    return 0;
}

Test(store_metrics, exemplars_and_metadata, .init = setup, .fini = teardown)
{
    struct fl_series se = {s2, 3, 0};
    struct fl_sample sm = {0, T0, 5};
    const struct fl_label xl[] = {{"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}};
    struct fl_exemplar x = {0, T0, xl, 1, 0.25, T0 - 5, "4bf92f3577b34da6a3ce929d0e0e4736"};
    struct fl_metric_meta mm[3] = {{"http_requests_total", "counter", "Requests.", NULL},
                                   {"up", "gauge", NULL, NULL},
                                   {"up", NULL, "1 if the target is up.", "none"}};
    struct fl_batch b;
    th_batch(&b);
    b.series = &se;
    b.n_series = 1;
    b.samples = &sm;
    b.n_samples = 1;
    b.exemplars = &x;
    b.n_exemplars = 1;
    b.meta = mm;
    b.n_meta = 3;
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);

    struct fl_matcher m;
    cr_assert_eq(fl_matcher_init(&m, "__name__", FL_MATCH_EQ, "http_requests_total", NULL), FL_OK);
    struct ex e = {0};
    cr_assert_eq(fl_store_exemplars(st, &m, 1, T0 - 1, T0 + 1, collect_ex, &e, NULL), FL_OK);
    cr_assert_eq(e.n, 1);
    cr_assert_eq(e.v, 0.25);
    cr_assert_eq(e.sample_ts, T0);
    cr_assert_eq(e.ts, T0 - 5);
    cr_assert_str_eq(e.trace, "4bf92f3577b34da6a3ce929d0e0e4736");
    cr_assert_str_eq(e.label, "trace_id=4bf92f3577b34da6a3ce929d0e0e4736");
    cr_assert_str_eq(e.series, "api");
    struct ex none = {0};
    cr_assert_eq(fl_store_exemplars(st, &m, 1, T0 + 1, T0 + 2, collect_ex, &none, NULL), FL_OK);
    cr_assert_eq(none.n, 0);
    fl_matcher_cleanup(&m);

    struct meta r = {0};
    cr_assert_eq(fl_store_metadata(st, NULL, collect_meta, &r, NULL), FL_OK);
    cr_assert_eq(r.n, 2);
    cr_assert_str_eq(r.s[0], "http_requests_total|counter|Requests.|-");
    cr_assert_str_eq(r.s[1], "up|gauge|1 if the target is up.|none"); /* merged, not erased */
    struct meta one = {0};
    cr_assert_eq(fl_store_metadata(st, "up", collect_meta, &one, NULL), FL_OK);
    cr_assert_eq(one.n, 1);
}

static int count_models(const struct fl_model_info *m, void *ud)
{
    uint64_t *n = ud;
    *n += m->n_inferences;
    return 0;
}

Test(store_metrics, retention_across_tables, .init = setup, .fini = teardown)
{
    const int64_t day = 86400000, now = T0 + 20 * day;
    /* old data (20 days before now) and new data (1 day before now) of every kind */
    struct fl_series se[2] = {{s0, 3, 0}, {s1, 3, 1}};
    struct fl_sample sm[3] = {{0, T0, 1}, {1, T0, 2}, {1, now - day, 3}};
    struct fl_span sp[2];
    memset(sp, 0, sizeof sp);
    for (int i = 0; i < 2; i++) {
        strcpy(sp[i].trace_id, "0af7651916cd43dd8448eb211c80319c");
        sp[i].span_id[0] = (char)('a' + i);
        sp[i].service = "s";
        sp[i].name = "n";
        sp[i].start_ns = (i ? now - day : T0) * 1000000;
        sp[i].end_ns = sp[i].start_ns + 1;
    }
    const struct fl_feature f = {"x", 0, FL_VAL_NUMBER, 1, NULL};
    struct fl_inference inf[2] = {
        {T0, "old", NULL, "m", "v1", &f, 1, FL_PRED_SCORE, 0.5, NULL, NULL, 0, NULL, 0, 1},
        {now - day, "new", NULL, "m", "v1", &f, 1, FL_PRED_SCORE, 0.5, NULL, NULL, 0, NULL, 0, 1}};
    struct fl_outcome out[2] = {{T0, "old", "y", 1, "{}"}, {now - day, "new", "y", 1, "{}"}};
    struct fl_event ev[2] = {{"old", T0, FL_TS_NONE, "deploy", "c", NULL, -1, "", "{}"},
                             {"new", now - day, FL_TS_NONE, "deploy", "c", NULL, -1, "", "{}"}};
    struct fl_batch b;
    th_batch(&b);
    b.series = se;
    b.n_series = 2;
    b.samples = sm;
    b.n_samples = 3;
    b.spans = sp;
    b.n_spans = 2;
    b.inferences = inf;
    b.n_inferences = 2;
    b.outcomes = out;
    b.n_outcomes = 2;
    b.events = ev;
    b.n_events = 2;
    cr_assert_eq(fl_store_write(st, &b, NULL), FL_OK);
    /* compact the old sample of series 1 so that a chunk gets retained too */
    cr_assert_eq(fl_store_compact(st, T0 + day, NULL), FL_OK);
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_retain(st, now, &d), FL_OK, "%s", d.msg);

    struct fl_store_stats x = th_stats(st);
    cr_assert_eq(x.n_series, 1, "series with no samples left are deleted");
    cr_assert_eq(x.n_samples, 1);
    cr_assert_eq(x.n_spans, 1);
    cr_assert_eq(x.n_inferences, 1);
    cr_assert_eq(x.n_outcomes, 1);
    cr_assert_eq(x.n_events, 1);
    cr_assert_eq(x.n_models, 1);
    uint64_t n_inf = 0;
    cr_assert_eq(fl_store_models(st, NULL, count_models, &n_inf, NULL), FL_OK);
    cr_assert_eq(n_inf, 1, "the aggregate follows the deleted inferences");

    /* the counts are what a fresh open counts */
    fl_store_free(st);
    st = th_open(dir);
    struct fl_store_stats y = th_stats(st);
    cr_assert_eq(y.n_series, x.n_series);
    cr_assert_eq(y.n_samples, x.n_samples);
    cr_assert_eq(y.n_spans, x.n_spans);
    cr_assert_eq(y.n_inferences, x.n_inferences);
    cr_assert_eq(y.n_events, x.n_events);
    cr_assert_eq(y.n_models, x.n_models);

    /* and writing the deleted series again works (its cached id was forgotten) */
    write_fixture(st);
    cr_assert_eq(th_stats(st).n_series, 4);
}

static int check_seq(const struct fl_label *l, size_t nl, const int64_t *ts, const double *v,
                     size_t n, void *ud)
{
    (void)l;
    (void)nl;
    size_t *count = ud;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(ts[i], T0 + (int64_t)i * 1000, "ts %zu", i);
        cr_assert_eq(v[i], (double)i * 0.5, "value %zu", i);
    }
    *count = n;
    return 0;
}

Test(store_metrics, long_windows_split_into_several_chunks)
{
    /* A one-day chunk span with one sample per second: one window holds more samples than one
     * chunk may, so compaction must split it, and nothing may be lost. */
    char *d = th_tmpdir();
    struct fl_store_opts o;
    fl_store_opts_default(&o);
    o.chunk_span_ms = 86400000;
    struct fl_store *s = NULL;
    cr_assert_eq(fl_store_open(d, &o, &s, NULL), FL_OK);
    enum { N = 70000 };
    struct fl_sample *sm = calloc(N, sizeof *sm);
    for (size_t i = 0; i < N; i++)
        sm[i] = (struct fl_sample){0, T0 + (int64_t)i * 1000, (double)i * 0.5};
    struct fl_series se = {s0, 3, 0};
    struct fl_batch b;
    th_batch(&b);
    b.series = &se;
    b.n_series = 1;
    b.samples = sm;
    b.n_samples = N;
    cr_assert_eq(fl_store_write(s, &b, NULL), FL_OK);
    struct fl_diag diag;
    fl_diag_init(&diag);
    cr_assert_eq(fl_store_compact(s, T0 + 3 * 86400000LL, &diag), FL_OK, "%s", diag.msg);
    struct fl_matcher m;
    cr_assert_eq(fl_matcher_init(&m, "job", FL_MATCH_EQ, "api", NULL), FL_OK);
    size_t got = 0;
    cr_assert_eq(fl_store_select(s, &m, 1, INT64_MIN, INT64_MAX, true, check_seq, &got, NULL),
                 FL_OK);
    cr_assert_eq(got, N);
    cr_assert_eq(th_stats(s).n_samples, N);
    /* an empty batch is fine and changes nothing */
    th_batch(&b);
    cr_assert_eq(fl_store_write(s, &b, NULL), FL_OK);
    cr_assert_eq(th_stats(s).n_samples, N);
    fl_matcher_cleanup(&m);
    free(sm);
    fl_store_free(s);
    th_rmdir(d);
}
