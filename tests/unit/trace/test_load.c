/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_load.c: fl_trace_load_window, fl_trace_load_windows and fl_trace_load_one
 * (src/trace/load.c) over a real store in a temporary directory: which traces belong to a window
 * (earliest span inside; spans in the margins), a trace whose spans arrive in two batches,
 * attribute facts read on the way (a database callee), which spans' facts a window load reads
 * (and that the spans it skips would have given the window nothing), one trace by id, a
 * baseline/incident comparison end to end, concurrent loads giving exactly the sequential
 * windows and symbol ids, their argument checks and every allocation failure.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "trace/load.h"
#include "trace/render.h"
#include "trace/window_int.h"
#include "unit/store/helpers.h"
#include "window_fx.h"

#define S 1000000000LL

static char *dir;
static struct fl_store *st;
static struct fl_trace_syms *y;
static struct fl_arena a;

static void setup(void)
{
    dir = th_tmpdir();
    st = th_open(dir);
    y = fl_trace_syms_new();
    cr_assert_not_null(y);
    fl_arena_init(&a, 64 * 1024, 64u * 1024 * 1024);
}

static void teardown(void)
{
    fl_store_free(st);
    th_rmdir(dir);
    fl_trace_syms_free(y);
    fl_arena_cleanup(&a);
}


static void write_spans(struct fl_span *sp, size_t n)
{
    struct fl_batch b;
    struct fl_diag d;
    th_batch(&b);
    b.spans = sp;
    b.n_spans = n;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_write(st, &b, &d), FL_OK, "%s", d.msg);
}

#define TA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define TB "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define TC "cccccccccccccccccccccccccccccccc"
#define TD "dddddddddddddddddddddddddddddddd"
#define TE "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
#define TG "99999999999999999999999999999999"

/* Window [100 s, 200 s). */
static void write_fixture(void)
{
    struct fl_span b1[] = {
        /* A: inside. */
        th_span(TA, 1, 0, "gateway", "POST /score", FL_SPAN_SERVER, 120 * S, 120 * S + 10 * FX_MS),
        th_span(TA, 2, 1, "gateway", "GET features", FL_SPAN_CLIENT, 120 * S + FX_MS,
           120 * S + 9 * FX_MS),
        th_span(TA, 3, 2, "feature-store", "GET /features", FL_SPAN_SERVER, 120 * S + 2 * FX_MS,
           120 * S + 8 * FX_MS),
        /* B: root and client now, the server span in the next batch. */
        th_span(TB, 1, 0, "gateway", "POST /score", FL_SPAN_SERVER, 150 * S, 150 * S + 10 * FX_MS),
        th_span(TB, 2, 1, "gateway", "GET features", FL_SPAN_CLIENT, 150 * S + FX_MS,
           150 * S + 9 * FX_MS),
        /* C: begins before the window; its child inside does not make it the window's. */
        th_span(TC, 1, 0, "gateway", "POST /score", FL_SPAN_SERVER, 95 * S, 101 * S + FX_MS),
        th_span(TC, 2, 1, "gateway", "GET features", FL_SPAN_CLIENT, 101 * S, 101 * S + FX_MS / 2),
        /* D: begins at the window's end, its child after it (in the trailing margin). */
        th_span(TD, 1, 0, "gateway", "POST /score", FL_SPAN_SERVER, 200 * S - FX_MS,
           200 * S + 30 * FX_MS),
        th_span(TD, 2, 1, "gateway", "GET features", FL_SPAN_CLIENT, 200 * S + FX_MS,
           200 * S + 20 * FX_MS),
        /* E: after the window. */
        th_span(TE, 1, 0, "gateway", "POST /score", FL_SPAN_SERVER, 205 * S, 205 * S + FX_MS),
        /* G: a database call named by its attributes. */
        th_span(TG, 1, 0, "feature-store", "GET /features", FL_SPAN_SERVER, 130 * S,
           130 * S + 10 * FX_MS),
        th_span(TG, 2, 1, "feature-store", "SELECT", FL_SPAN_CLIENT, 130 * S + FX_MS,
           130 * S + 5 * FX_MS),
    };
    b1[11].attrs_json = "{\"db.system\":\"postgresql\",\"db.statement\":\"SELECT 1\"}";
    b1[11].status_code = FL_STATUS_ERROR;
    write_spans(b1, sizeof b1 / sizeof b1[0]);
    struct fl_span b2[] = {
        th_span(TB, 3, 2, "feature-store", "GET /features", FL_SPAN_SERVER, 150 * S + 2 * FX_MS,
           150 * S + 5 * FX_MS),
    };
    write_spans(b2, 1);
}

static const struct fl_trace__key *key(const struct fl_trace_window *w, int kind, const char *s1,
                                       const char *s2)
{
    uint32_t k = fl_trace__window_find(w, fl_trace__key_pack(kind, fx_sym(y, s1), fx_sym(y, s2)));
    return k == FL_TRACE_NONE ? NULL : &w->keys[k];
}

Test(load, window_membership_pieces_and_facts, .init = setup, .fini = teardown)
{
    write_fixture();
    struct fl_trace_window *w = fl_trace_window_new(y, 100 * S, 200 * S);
    size_t n_spans = 0;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_trace_load_window(st, 100 * S, 200 * S, NULL, w, &n_spans, &d), FL_OK, "%s",
                 d.msg);
    cr_assert_eq(n_spans, 13, "every span lies within the 60 s margins");
    cr_assert_eq(fl_trace_window_count(w), 4, "A, B, D and G");
    /* Durations in the order the traces' first spans were read: compare as a set. */
    int64_t want[] = {10 * FX_MS, 10 * FX_MS, 31 * FX_MS, 10 * FX_MS}, sum = 0, wsum = 0;
    for (size_t i = 0; i < 4; i++) {
        sum += w->traces[i].duration_ns;
        wsum += want[i];
    }
    cr_assert_eq(sum, wsum);

    /* B was assembled from both batches: its call found its server span. */
    const struct fl_trace__key *e = key(w, FL_TRACE_KEY_EDGE, "gateway", "feature-store");
    cr_assert_not_null(e);
    cr_assert_eq(e->n, 2, "calls of A and B");
    cr_assert_eq(e->net.n, 2, "A and B have the callee's span");
    double nets = e->net.v[0] + e->net.v[1];
    cr_assert_float_eq(nets, 2.0 + 5.0, 1e-9, "A: 8 - 6 ms; B: 8 - 3 ms");
    /* D's call has neither a callee span nor a peer: it is named by the client span's name. */
    const struct fl_trace__key *ed = key(w, FL_TRACE_KEY_EDGE, "gateway", "GET features");
    cr_assert_not_null(ed);
    cr_assert_eq(ed->n, 1);
    cr_assert_float_eq(ed->own.v[0], 19.0, 1e-9);
    const struct fl_trace__key *db = key(w, FL_TRACE_KEY_EDGE, "feature-store", "postgresql");
    cr_assert_not_null(db, "db.system named the callee");
    cr_assert_eq(db->peer_kind, FL_PEER_DATABASE);
    cr_assert_eq(db->n_errors, 1);
    fl_trace_window_free(w);

    /* A narrow margin misses D's child (it starts 1 ms after the window's end). */
    struct fl_trace_load_opts o = {.max_trace_ns = FX_MS / 2};
    w = fl_trace_window_new(y, 100 * S, 200 * S);
    cr_assert_eq(fl_trace_load_window(st, 100 * S, 200 * S, &o, w, &n_spans, NULL), FL_OK);
    cr_assert_eq(n_spans, 10, "C's root and E and D's child are outside the margins");
    cr_assert_eq(fl_trace_window_count(w), 5,
                 "A, B, D, G, and C (its early root is no longer seen)");
    fl_trace_window_free(w);
}

Test(load, errors_and_empty, .init = setup, .fini = teardown)
{
    struct fl_trace_window *w = fl_trace_window_new(y, 0, 10);
    size_t n = 99;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_trace_load_window(st, 0, 10 * S, NULL, w, &n, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(n, 0);
    cr_assert_eq(fl_trace_window_count(w), 0);
    cr_assert_eq(fl_trace_load_window(st, 10, 10, NULL, w, &n, NULL), FL_EINVAL);
    cr_assert_eq(fl_trace_load_window(NULL, 0, 10, NULL, w, &n, NULL), FL_EINVAL);
    cr_assert_eq(fl_trace_load_window(st, 0, 10, NULL, NULL, &n, NULL), FL_EINVAL);
    fl_trace_window_free(w);
}

Test(load, one_trace_by_id, .init = setup, .fini = teardown)
{
    write_fixture();
    struct fl_trace t;
    struct fl_trace_analysis an;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_trace_load_one(st, "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", y, &a, &t, &an, &d),
                 FL_OK, "%s", d.msg);
    cr_assert_str_eq(t.trace_id, TB);
    cr_assert_eq(t.n_spans, 3);
    cr_assert_eq(t.n_orphans, 0);
    cr_assert_eq(fl_trace_duration_ns(&t), 10 * FX_MS);
    cr_assert_eq(an.n_calls, 1);
    cr_assert_neq(an.calls[0].server, FL_TRACE_NONE);
    cr_assert_eq(an.calls[0].network_ns, 5 * FX_MS);
    int64_t cp = 0;
    for (size_t i = 0; i < t.n_spans; i++)
        cp += t.spans[i].cp_ns;
    cr_assert_eq(cp, 10 * FX_MS, "critical path computed");

    cr_assert_eq(fl_trace_load_one(st, TG, y, &a, &t, &an, NULL), FL_OK);
    cr_assert_eq(an.n_calls, 1);
    cr_assert_str_eq(fl_trace_syms_str(y, an.calls[0].callee), "postgresql");
    cr_assert_eq(an.n_errors, 1);

    fl_diag_init(&d);
    cr_assert_eq(fl_trace_load_one(st, "0123456789abcdef0123456789abcdef", y, &a, &t, &an, &d),
                 FL_ENOTFOUND);
    cr_assert_neq(d.msg[0], '\0');
    cr_assert_eq(fl_trace_load_one(st, "xyz", y, &a, &t, &an, NULL), FL_EINVAL);
}

/* Chain traces (window_fx.h) as stored spans, in batches of 100 traces. */
static void write_chain(uint64_t seed, size_t n, int64_t start, int64_t fs_extra)
{
    struct fl_trace_syms *gy = fl_trace_syms_new();
    struct fx_rng r = {seed};
    struct fl_tspan_in in[5];
    struct fl_span *sp = calloc(500, sizeof *sp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char trace[33];
        snprintf(trace, sizeof trace, "%016llx%016llx", (unsigned long long)seed,
                 (unsigned long long)i + 1);
        fx_chain_spans(gy, &r, start + (int64_t)i * 10 * FX_MS, 0, fs_extra, 0, in);
        for (int j = 0; j < 5; j++)
            sp[k++] =
                th_span(trace, in[j].span_id, in[j].parent_id, fl_trace_syms_str(gy, in[j].service),
                   fl_trace_syms_str(gy, in[j].name), in[j].kind, in[j].start_ns, in[j].end_ns);
        if (k == 500 || i + 1 == n) {
            write_spans(sp, k);
            k = 0;
        }
    }
    free(sp);
    fl_trace_syms_free(gy);
}

Test(load, compare_two_stored_windows, .init = setup, .fini = teardown)
{
    write_chain(101, 400, 1000 * S, 0);
    write_chain(102, 400, 2000 * S, 20 * FX_MS);
    struct fl_trace_window *wb = fl_trace_window_new(y, 1000 * S, 1010 * S);
    struct fl_trace_window *wi = fl_trace_window_new(y, 2000 * S, 2010 * S);
    size_t nb = 0, ni = 0;
    cr_assert_eq(fl_trace_load_window(st, 1000 * S, 1010 * S, NULL, wb, &nb, NULL), FL_OK);
    cr_assert_eq(fl_trace_load_window(st, 2000 * S, 2010 * S, NULL, wi, &ni, NULL), FL_OK);
    cr_assert_eq(nb, 2000);
    cr_assert_eq(ni, 2000);
    cr_assert_eq(fl_trace_window_count(wb), 400);
    cr_assert_eq(fl_trace_window_count(wi), 400);
    struct fl_trace_cmp c;
    cr_assert_eq(fl_trace_compare(wb, wi, 95, &a, &c, NULL), FL_OK);
    cr_assert_eq(c.rows[0].kind, FL_TRACE_KEY_EDGE);
    cr_assert_str_eq(fl_trace_syms_str(y, c.rows[0].b), "feature-store");
    cr_assert_float_eq(c.rows[0].share, 1.0, 0.1);
    cr_assert(c.rows[0].changed);
    for (size_t i = 1; i < c.n_rows; i++)
        cr_assert_not(c.rows[i].changed);
    fl_trace_window_free(wb);
    fl_trace_window_free(wi);
}

/* Every allocation of a window load fails in turn (SQLite's own are not counted): the load
 * reports an error and leaks nothing (ASan's leak check in `make asan`), until it succeeds. */
Test(load, failed_allocations, .init = setup, .fini = teardown)
{
    write_fixture();
    size_t failures = 0;
    for (long k = 0;; k++) {
        struct fl_trace_window *w = fl_trace_window_new(y, 100 * S, 200 * S);
        cr_assert_not_null(w);
        fl_alloc_fail_after(k);
        fl_err e = fl_trace_load_window(st, 100 * S, 200 * S, NULL, w, NULL, NULL);
        fl_alloc_fail_after(-1);
        size_t n = fl_trace_window_count(w);
        fl_trace_window_free(w);
        if (e == FL_OK) {
            cr_assert_eq(n, 4);
            break;
        }
        failures++;
        cr_assert_lt(k, 100000);
    }
    cr_assert_gt(failures, 10, "%zu failure points", failures);
    for (long k = 0;; k++) {
        struct fl_trace t;
        struct fl_trace_analysis an;
        fl_arena_reset(&a);
        fl_alloc_fail_after(k);
        fl_err e = fl_trace_load_one(st, TB, y, &a, &t, &an, NULL);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            cr_assert_eq(t.n_spans, 3);
            break;
        }
        cr_assert_lt(k, 100000);
    }
}

/* ---- which spans' facts a window load reads ---- */

/* One case: a trace of a gateway SERVER root (0-10 ms) and one child span (1-9 ms, so on the
 * critical path for 8 ms) that carries the attributes, status, message and events of the case. */
struct rule_case {
    int kind;
    int status;
    const char *attrs, *message, *events;
    bool timeout, error; /* what the window must see for the child */
};

static const struct rule_case RULE_CASES[] = {
    /* Semantic conventions: a server answering 4xx leaves its status UNSET, so a 408 is a
     * timeout in the attributes alone; the rule's cheap look must keep it. */
    {FL_SPAN_SERVER, FL_STATUS_UNSET,
     "{\"http.request.method\":\"GET\","
     "\"http.response.status_code\":408}",
     "", "[]", true, false},
    /* 5xx and gRPC DEADLINE_EXCEEDED set status ERROR on a server span; the facts add timeout. */
    {FL_SPAN_SERVER, FL_STATUS_ERROR, "{\"http.response.status_code\":504}", "", "[]", true, true},
    {FL_SPAN_SERVER, FL_STATUS_ERROR, "{\"rpc.system\":\"grpc\",\"rpc.grpc.status_code\":4}", "",
     "[]", true, true},
    /* Instrumentations that do not follow them: the same facts without status ERROR. */
    {FL_SPAN_SERVER, FL_STATUS_UNSET, "{\"http.status_code\":504}", "", "[]", true, false},
    {FL_SPAN_SERVER, FL_STATUS_UNSET, "{\"http.status_code\" : \"504\"}", "", "[]", true, false},
    {FL_SPAN_SERVER, FL_STATUS_OK, "{\"rpc.grpc.status_code\":\"4\"}", "", "[]", true, false},
    {FL_SPAN_INTERNAL, FL_STATUS_UNSET, "{\"error.type\":\"java.net.SocketTimeoutException\"}", "",
     "[]", true, false},
    {FL_SPAN_INTERNAL, FL_STATUS_UNSET, "{\"exception.message\":\"Deadline exceeded\"}", "", "[]",
     true, false},
    {FL_SPAN_SERVER, FL_STATUS_UNSET, "{\"http.status\\u005fcode\":504}", "", "[]", true, false},
    /* Status message and events. */
    {FL_SPAN_CONSUMER, FL_STATUS_UNSET, "{}", "context deadline exceeded", "[]", true, false},
    {FL_SPAN_INTERNAL, FL_STATUS_UNSET, "{}", "",
     "[{\"time_ns\":\"1\",\"name\":\"exception\",\"attrs\":{\"exception.type\":\"TimeoutError\"}}]",
     true, true},
    {FL_SPAN_UNSPECIFIED, FL_STATUS_UNSET, "{}", "",
     "[{\"time_ns\":\"1\",\"name\":\"exception\",\"attrs\":{\"exception.type\":\"ValueError\"}}]",
     false, true},
    /* Nothing to find: the facts are skipped and nothing is lost. */
    {FL_SPAN_SERVER, FL_STATUS_UNSET,
     "{\"http.response.status_code\":200,\"server.address\":\"gw\","
     "\"url.full\":\"http://gw:504/x\"}",
     "", "[]", false, false},
    {FL_SPAN_SERVER, FL_STATUS_ERROR, "{\"http.response.status_code\":500}", "", "[]", false, true},
    {FL_SPAN_INTERNAL, FL_STATUS_UNSET,
     "{\"note\":\"error.type\",\"x\":{\"http.status_code\":504}}", "", "[]", false, false},
    {FL_SPAN_PRODUCER, FL_STATUS_UNSET,
     "{\"messaging.system\":\"kafka\","
     "\"error.type\":\"timeout\"}",
     "", "[]", true, false},
};

Test(load, facts_rule_loses_nothing, .init = setup, .fini = teardown)
{
    size_t n = sizeof RULE_CASES / sizeof RULE_CASES[0];
    struct fl_span sp[2 * 32];
    cr_assert_leq(n, 32);
    char names[32][16], traces[32][33];
    for (size_t i = 0; i < n; i++) {
        const struct rule_case *c = &RULE_CASES[i];
        snprintf(traces[i], sizeof traces[i], "%032zx", i + 1);
        snprintf(names[i], sizeof names[i], "case-%zu", i);
        int64_t t0 = 100 * S + (int64_t)i * S;
        sp[2 * i] =
            th_span(traces[i], 1, 0, "gateway", "POST /score", FL_SPAN_SERVER, t0, t0 + 10 * FX_MS);
        sp[2 * i + 1] =
            th_span(traces[i], 2, 1, "backend", names[i], c->kind, t0 + FX_MS, t0 + 9 * FX_MS);
        sp[2 * i + 1].status_code = c->status;
        sp[2 * i + 1].attrs_json = c->attrs;
        sp[2 * i + 1].status_message = c->message;
        sp[2 * i + 1].events_json = c->events;
    }
    write_spans(sp, 2 * n);
    struct fl_trace_window *w = fl_trace_window_new(y, 100 * S, 200 * S);
    cr_assert_eq(fl_trace_load_window(st, 100 * S, 200 * S, NULL, w, NULL, NULL), FL_OK);
    cr_assert_eq(fl_trace_window_count(w), n);
    for (size_t i = 0; i < n; i++) {
        const struct rule_case *c = &RULE_CASES[i];
        /* The child's key: its operation, or the edge a CLIENT/PRODUCER span calls. */
        bool call = c->kind == FL_SPAN_CLIENT || c->kind == FL_SPAN_PRODUCER;
        const struct fl_trace__key *k = call ? key(w, FL_TRACE_KEY_EDGE, "backend", "kafka")
                                             : key(w, FL_TRACE_KEY_OPERATION, "backend", names[i]);
        cr_assert_not_null(k, "case %zu", i);
        uint32_t ki = (uint32_t)(k - w->keys);
        const struct fl_trace__wtrace *t = NULL;
        for (size_t j = 0; j < w->n_traces && !t; j++)
            for (size_t e = w->traces[j].cp_first; e < w->traces[j].cp_first + w->traces[j].n_cp;
                 e++)
                if (w->cp_key[e] == ki)
                    t = &w->traces[j];
        cr_assert_not_null(t, "case %zu", i);
        cr_assert_eq(t->timeout_cp_ns, c->timeout ? 8 * FX_MS : 0, "case %zu", i);
        cr_assert_eq(t->error, c->error, "case %zu", i);
        cr_assert_eq(k->n_errors, (uint64_t)(c->timeout || c->error), "case %zu", i);
    }
    fl_trace_window_free(w);

    /* And every case through the full reader agrees (fl_trace_load_one reads all facts). */
    for (size_t i = 0; i < n; i++) {
        struct fl_trace t;
        struct fl_trace_analysis an;
        cr_assert_eq(fl_trace_load_one(st, traces[i], y, &a, &t, &an, NULL), FL_OK);
        cr_assert_eq(an.n_timeouts, (size_t)RULE_CASES[i].timeout, "case %zu", i);
    }
}

/* fl_trace_attrs_may_time_out: the answers the rule relies on (false on common attributes) and
 * its promise (false => the reader finds no timeout), on a table and on generated texts. */
static bool facts_timeout(const char *attrs)
{
    struct fl_arena s;
    struct fl_span_facts f;
    fl_arena_init(&s, 0, 0);
    cr_assert_eq(fl_trace_span_facts(attrs, strlen(attrs), NULL, 0, NULL, &s, &f), FL_OK);
    fl_arena_cleanup(&s);
    return f.timeout;
}

Test(load, attrs_may_time_out)
{
    static const struct {
        const char *attrs;
        bool may, timeout;
    } cases[] = {
        {"{}", false, false},
        {"{\"http.request.method\":\"POST\",\"http.route\":\"/score\","
         "\"http.response.status_code\":200,\"url.scheme\":\"http\",\"server.port\":8080}",
         false, false},
        {"{ \"http.status_code\" : 404 }", false, false},
        {"{\"http.status_code\":-504}", false, false},
        {"{\"url.full\":\"http://a:504/b\",\"note\":\"exception.type\"}", false, false},
        {"{\"http.response.status_code\":504}", true, true},
        {"{\"http.response.status_code\":408,\"x\":1}", true, true},
        {"{\"http.status_code\":4.08e2}", true, true},
        {"{\"http.status_code\":408.0}", true, true},
        {"{\"http.status_code\":\"408\"}", true, true},
        {"{\"http.status_code\":0504}", true, false}, /* not JSON: no facts */
        {"{\"rpc.grpc.status_code\":0}", true, false},
        {"{\"error.type\":\"500\"}", true, false},
        {"{\"exception.type\":\"ETIMEDOUT\"}", true, true},
        {"{\"a\":{\"error.type\":\"timeout\"}}", true, false},                /* nested: not read */
        {"{\"http.status_code\":504,\"http.status_code\":200}", true, false}, /* last wins */
        {"{\"k\":\"\\\"\"}", true, false},
        {"not json: \"error.type\":1", true, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *t = cases[i].attrs;
        cr_assert_eq(fl_trace_attrs_may_time_out(t, strlen(t)), cases[i].may, "row %zu", i);
        cr_assert_eq(facts_timeout(t), cases[i].timeout, "row %zu", i);
    }
    cr_assert_not(fl_trace_attrs_may_time_out(NULL, 0));

    /* Generated: members drawn from keys and values that matter and some that do not. */
    static const char *const keys[] = {"\"http.response.status_code\"",
                                       "\"http.status_code\"",
                                       "\"rpc.grpc.status_code\"",
                                       "\"error.type\"",
                                       "\"exception.message\"",
                                       "\"server.address\"",
                                       "\"http.route\"",
                                       "\"e\"",
                                       "\"status_code\"",
                                       "\"xhttp.status_code\""};
    static const char *const vals[] = {"504",
                                       "408",
                                       "200",
                                       "4",
                                       "\"504\"",
                                       "\"timed out\"",
                                       "\"ok\"",
                                       "4.08e2",
                                       "5.04E+2",
                                       "-408",
                                       "408 ",
                                       "true",
                                       "{\"http.status_code\":504}",
                                       "\"a:b\"",
                                       "[408]",
                                       "0"};
    static const char *const seps[] = {"", " ", "\n\t"};
    struct fx_rng r = {2024};
    char buf[1024];
    size_t n_may = 0, n_not = 0;
    for (int it = 0; it < 20000; it++) {
        size_t len = 0, m = 1 + (size_t)(fx_uniform(&r) * 4);
        buf[len++] = '{';
        for (size_t k = 0; k < m; k++) {
            const char *sep = seps[(size_t)(fx_uniform(&r) * 3)];
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s%s%s:%s%s", k ? "," : "", sep,
                                    keys[(size_t)(fx_uniform(&r) * 10)], sep, sep,
                                    vals[(size_t)(fx_uniform(&r) * 16)]);
        }
        buf[len++] = '}';
        buf[len] = '\0';
        if (fl_trace_attrs_may_time_out(buf, len)) {
            n_may++;
        } else {
            n_not++;
            cr_assert_not(facts_timeout(buf), "skipped a timeout: %s", buf);
        }
    }
    cr_assert_gt(n_not, 1000, "%zu texts answered false", n_not);
    cr_assert_gt(n_may, 1000, "%zu texts answered true", n_may);
}

/* ---- several windows at once ---- */

/* Traces whose names differ per window, so that each window brings symbols of its own and the
 * order of interning shows in the ids: window w, trace i: gateway -> svc-<w>-<i % 7> (CLIENT,
 * peer.service) -> its SERVER span, and an INTERNAL span named per window. */
static void write_named(int win, size_t n, int64_t start)
{
    struct fl_span *sp = calloc(3 * n, sizeof *sp);
    char(*svc)[24] = calloc(n, sizeof *svc), (*op)[24] = calloc(n, sizeof *op);
    char(*attrs)[96] = calloc(n, sizeof *attrs), (*tr)[33] = calloc(n, sizeof *tr);
    for (size_t i = 0; i < n; i++) {
        int64_t t0 = start + (int64_t)i * 10 * FX_MS;
        snprintf(tr[i], sizeof tr[i], "%08x%024zx", (unsigned)win + 1, i + 1);
        snprintf(svc[i], sizeof svc[i], "svc-%d-%zu", win, i % 7);
        snprintf(op[i], sizeof op[i], "op-%d-%zu", win, i % 5);
        snprintf(attrs[i], sizeof attrs[i], "{\"peer.service\":\"%s\",\"retry.attempt\":%zu}",
                 svc[i], i % 3);
        sp[3 * i] = th_span(tr[i], 1, 0, "gateway", "POST /score", FL_SPAN_SERVER, t0,
                       t0 + (int64_t)(5 + i % 11) * FX_MS);
        sp[3 * i + 1] = th_span(tr[i], 2, 1, "gateway", "call", FL_SPAN_CLIENT, t0 + FX_MS,
                           t0 + (int64_t)(3 + i % 2) * FX_MS);
        sp[3 * i + 1].attrs_json = attrs[i];
        sp[3 * i + 1].status_code = i % 13 == 0 ? FL_STATUS_ERROR : FL_STATUS_UNSET;
        sp[3 * i + 2] = th_span(tr[i], 3, 1, svc[i], op[i], FL_SPAN_INTERNAL,
                           t0 + (int64_t)(4 + i % 2) * FX_MS, t0 + (int64_t)(5 + i % 3) * FX_MS);
    }
    write_spans(sp, 3 * n);
    free(sp), free(svc), free(op), free(attrs), free(tr);
}

static void assert_same_window(const struct fl_trace_window *x, const struct fl_trace_window *z)
{
    cr_assert_eq(x->n_traces, z->n_traces);
    cr_assert_eq(x->n_cp, z->n_cp);
    cr_assert_eq(x->n_keys, z->n_keys);
    for (size_t i = 0; i < x->n_traces; i++) {
        const struct fl_trace__wtrace *a1 = &x->traces[i], *a2 = &z->traces[i];
        cr_assert(a1->duration_ns == a2->duration_ns && a1->timeout_cp_ns == a2->timeout_cp_ns &&
                      a1->retried_cp_ns == a2->retried_cp_ns && a1->cp_first == a2->cp_first &&
                      a1->n_cp == a2->n_cp && a1->error == a2->error,
                  "trace %zu", i);
    }
    for (size_t i = 0; i < x->n_cp; i++)
        cr_assert(x->cp_key[i] == z->cp_key[i] && x->cp_ns[i] == z->cp_ns[i], "cp %zu", i);
    for (size_t k = 0; k < x->n_keys; k++) {
        const struct fl_trace__key *k1 = &x->keys[k], *k2 = &z->keys[k];
        cr_assert(k1->packed == k2->packed && k1->n == k2->n && k1->n_errors == k2->n_errors &&
                      k1->peer_kind == k2->peer_kind && k1->traced == k2->traced &&
                      k1->own.n == k2->own.n && k1->net.n == k2->net.n,
                  "key %zu", k);
        for (size_t i = 0; i < k1->own.n; i++)
            cr_assert_eq(k1->own.v[i], k2->own.v[i], "key %zu sample %zu", k, i);
        for (size_t i = 0; i < k1->net.n; i++)
            cr_assert_eq(k1->net.v[i], k2->net.v[i], "key %zu sample %zu", k, i);
    }
}

static void cmp_json(struct fl_trace_window *b, struct fl_trace_window *i, struct fl_buf *out)
{
    struct fl_trace_cmp c;
    fl_arena_reset(&a);
    cr_assert_eq(fl_trace_compare(b, i, 90, &a, &c, NULL), FL_OK);
    fl_buf_init(out, 1u << 24);
    fl_trace_cmp_json(&c, b->y, (struct fl_trace_span_ns){b->start_ns, b->end_ns},
                      (struct fl_trace_span_ns){i->start_ns, i->end_ns}, out);
    cr_assert_eq(fl_buf_err(out), FL_OK);
}

Test(load, windows_equal_sequential_loads, .init = setup, .fini = teardown)
{
    write_named(0, 300, 1000 * S);
    write_named(1, 300, 2000 * S);
    write_named(2, 200, 3000 * S);
    write_chain(103, 200, 1000 * S + 500 * FX_MS, 0);
    write_chain(104, 200, 2000 * S + 500 * FX_MS, 20 * FX_MS);
    const int64_t starts[3] = {1000 * S, 2000 * S, 3000 * S};
    const int64_t ends[3] = {1010 * S, 2010 * S, 3010 * S};
    for (size_t n = 1; n <= 3; n++) {
        /* Sequential, into y; concurrent, into a table of its own. */
        struct fl_trace_syms *y2 = fl_trace_syms_new();
        struct fl_trace_window *seq[3], *con[3];
        size_t n_seq[3], n_con[3] = {7, 7, 7};
        fl_trace_syms_free(y);
        y = fl_trace_syms_new();
        for (size_t i = 0; i < n; i++) {
            seq[i] = fl_trace_window_new(y, starts[i], ends[i]);
            con[i] = fl_trace_window_new(y2, starts[i], ends[i]);
            cr_assert_eq(
                fl_trace_load_window(st, starts[i], ends[i], NULL, seq[i], &n_seq[i], NULL), FL_OK);
        }
        struct fl_diag d;
        fl_diag_init(&d);
        cr_assert_eq(fl_trace_load_windows(st, n, starts, ends, NULL, con, n_con, &d), FL_OK, "%s",
                     d.msg);
        cr_assert_eq(d.code, FL_OK);
        cr_assert_eq(fl_trace_syms_count(y), fl_trace_syms_count(y2));
        for (uint32_t id = 0; id < fl_trace_syms_count(y); id++)
            cr_assert_str_eq(fl_trace_syms_str(y, id), fl_trace_syms_str(y2, id), "id %u", id);
        for (size_t i = 0; i < n; i++) {
            cr_assert_eq(n_con[i], n_seq[i]);
            cr_assert_gt(fl_trace_window_count(con[i]), 0);
            assert_same_window(seq[i], con[i]);
        }
        if (n >= 2) {
            struct fl_buf j1, j2;
            cmp_json(seq[0], seq[1], &j1);
            cmp_json(con[0], con[1], &j2);
            cr_assert_eq(j1.len, j2.len);
            cr_assert_eq(memcmp(j1.data, j2.data, j1.len), 0);
            cr_assert_not_null(strstr(j1.data, "svc-1-"), "the incident's own names are in it");
            fl_buf_cleanup(&j1);
            fl_buf_cleanup(&j2);
        }
        for (size_t i = 0; i < n; i++) {
            fl_trace_window_free(seq[i]);
            fl_trace_window_free(con[i]);
        }
        fl_trace_syms_free(y2);
    }
}

Test(load, windows_arguments, .init = setup, .fini = teardown)
{
    write_fixture();
    struct fl_trace_syms *y2 = fl_trace_syms_new();
    struct fl_trace_window *w[FL_TRACE_LOAD_MAX_WINDOWS + 1];
    int64_t starts[FL_TRACE_LOAD_MAX_WINDOWS + 1], ends[FL_TRACE_LOAD_MAX_WINDOWS + 1];
    for (size_t i = 0; i <= FL_TRACE_LOAD_MAX_WINDOWS; i++) {
        starts[i] = 100 * S;
        ends[i] = 200 * S;
        w[i] = fl_trace_window_new(y, starts[i], ends[i]);
    }
    size_t n_spans[2] = {5, 5};
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_trace_load_windows(st, 0, starts, ends, NULL, w, n_spans, &d), FL_EINVAL);
    cr_assert_eq(fl_trace_load_windows(NULL, 2, starts, ends, NULL, w, n_spans, NULL), FL_EINVAL);
    cr_assert_eq(n_spans[0], 0);
    cr_assert_eq(fl_trace_load_windows(st, 2, NULL, ends, NULL, w, NULL, NULL), FL_EINVAL);
    cr_assert_eq(fl_trace_load_windows(st, 2, starts, ends, NULL, NULL, NULL, NULL), FL_EINVAL);
    cr_assert_eq(
        fl_trace_load_windows(st, FL_TRACE_LOAD_MAX_WINDOWS + 1, starts, ends, NULL, w, NULL, NULL),
        FL_EINVAL);
    struct fl_trace_window *twice[2] = {w[0], w[0]};
    cr_assert_eq(fl_trace_load_windows(st, 2, starts, ends, NULL, twice, NULL, NULL), FL_EINVAL);
    struct fl_trace_window *other = fl_trace_window_new(y2, 100 * S, 200 * S);
    struct fl_trace_window *mixed[2] = {w[0], other};
    cr_assert_eq(fl_trace_load_windows(st, 2, starts, ends, NULL, mixed, NULL, NULL), FL_EINVAL);
    int64_t bad_end[2] = {200 * S, 100 * S};
    fl_diag_init(&d);
    cr_assert_eq(fl_trace_load_windows(st, 2, starts, bad_end, NULL, w, NULL, &d), FL_EINVAL);
    cr_assert_neq(d.msg[0], '\0');
    for (size_t i = 0; i <= FL_TRACE_LOAD_MAX_WINDOWS; i++)
        cr_assert_eq(fl_trace_window_count(w[i]), 0, "checked before anything is read");

    /* The most windows at once: each the same as one load. */
    size_t counts[FL_TRACE_LOAD_MAX_WINDOWS];
    cr_assert_eq(
        fl_trace_load_windows(st, FL_TRACE_LOAD_MAX_WINDOWS, starts, ends, NULL, w, counts, NULL),
        FL_OK);
    for (size_t i = 0; i < FL_TRACE_LOAD_MAX_WINDOWS; i++) {
        cr_assert_eq(counts[i], 13);
        cr_assert_eq(fl_trace_window_count(w[i]), 4);
    }
    for (size_t i = 0; i <= FL_TRACE_LOAD_MAX_WINDOWS; i++)
        fl_trace_window_free(w[i]);
    fl_trace_window_free(other);
    fl_trace_syms_free(y2);
}

/* Every allocation failure of a concurrent load (whichever thread it hits): an error, no leak
 * (ASan in `make asan`), and the symbol table still usable; then success. */
Test(load, windows_failed_allocations, .init = setup, .fini = teardown)
{
    write_fixture();
    write_chain(105, 50, 150 * S + 500 * FX_MS, 0);
    const int64_t starts[2] = {100 * S, 150 * S}, ends[2] = {150 * S, 200 * S};
    size_t failures = 0;
    for (long k = 0;; k++) {
        struct fl_trace_syms *yy = fl_trace_syms_new();
        cr_assert_not_null(yy);
        struct fl_trace_window *w[2] = {fl_trace_window_new(yy, starts[0], ends[0]),
                                        fl_trace_window_new(yy, starts[1], ends[1])};
        cr_assert(w[0] && w[1]);
        struct fl_diag d;
        fl_diag_init(&d);
        fl_alloc_fail_after(k);
        fl_err e = fl_trace_load_windows(st, 2, starts, ends, NULL, w, NULL, &d);
        fl_alloc_fail_after(-1);
        size_t n0 = fl_trace_window_count(w[0]), n1 = fl_trace_window_count(w[1]);
        uint32_t id;
        cr_assert_eq(fl_trace_syms_intern(yy, "after", 5, &id), FL_OK);
        cr_assert_str_eq(fl_trace_syms_str(yy, id), "after");
        fl_trace_window_free(w[0]);
        fl_trace_window_free(w[1]);
        fl_trace_syms_free(yy);
        if (e == FL_OK) {
            cr_assert_eq(n0 + n1, 4 + 50);
            break;
        }
        cr_assert_eq(e, FL_ENOMEM, "k=%ld: %s", k, d.msg);
        failures++;
        cr_assert_lt(k, 100000);
    }
    cr_assert_gt(failures, 20, "%zu failure points", failures);
}
