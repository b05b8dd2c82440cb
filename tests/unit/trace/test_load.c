/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_load.c: fl_trace_load_window and fl_trace_load_one (src/trace/load.c) over a real store
 * in a temporary directory: which traces belong to a window (earliest span inside; spans in the
 * margins), a trace whose spans arrive in two batches, attribute facts read on the way (a
 * database callee), one trace by id, and a baseline/incident comparison end to end.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "core/alloc.h"
#include "trace/load.h"
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

static struct fl_span mk(const char *trace, uint64_t id, uint64_t parent, const char *service,
                         const char *name, int kind, int64_t start, int64_t end)
{
    struct fl_span sp;
    memset(&sp, 0, sizeof sp);
    snprintf(sp.trace_id, sizeof sp.trace_id, "%s", trace);
    snprintf(sp.span_id, sizeof sp.span_id, "%016llx", (unsigned long long)id);
    if (parent)
        snprintf(sp.parent_span_id, sizeof sp.parent_span_id, "%016llx",
                 (unsigned long long)parent);
    sp.service = service;
    sp.name = name;
    sp.kind = kind;
    sp.start_ns = start;
    sp.end_ns = end;
    sp.status_message = "";
    sp.scope_name = "";
    sp.attrs_json = "{}";
    sp.resource_json = "{}";
    sp.events_json = "[]";
    sp.links_json = "[]";
    return sp;
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
        mk(TA, 1, 0, "gateway", "POST /score", FL_SPAN_SERVER, 120 * S, 120 * S + 10 * FX_MS),
        mk(TA, 2, 1, "gateway", "GET features", FL_SPAN_CLIENT, 120 * S + FX_MS,
           120 * S + 9 * FX_MS),
        mk(TA, 3, 2, "feature-store", "GET /features", FL_SPAN_SERVER, 120 * S + 2 * FX_MS,
           120 * S + 8 * FX_MS),
        /* B: root and client now, the server span in the next batch. */
        mk(TB, 1, 0, "gateway", "POST /score", FL_SPAN_SERVER, 150 * S, 150 * S + 10 * FX_MS),
        mk(TB, 2, 1, "gateway", "GET features", FL_SPAN_CLIENT, 150 * S + FX_MS,
           150 * S + 9 * FX_MS),
        /* C: begins before the window; its child inside does not make it the window's. */
        mk(TC, 1, 0, "gateway", "POST /score", FL_SPAN_SERVER, 95 * S, 101 * S + FX_MS),
        mk(TC, 2, 1, "gateway", "GET features", FL_SPAN_CLIENT, 101 * S, 101 * S + FX_MS / 2),
        /* D: begins at the window's end, its child after it (in the trailing margin). */
        mk(TD, 1, 0, "gateway", "POST /score", FL_SPAN_SERVER, 200 * S - FX_MS,
           200 * S + 30 * FX_MS),
        mk(TD, 2, 1, "gateway", "GET features", FL_SPAN_CLIENT, 200 * S + FX_MS,
           200 * S + 20 * FX_MS),
        /* E: after the window. */
        mk(TE, 1, 0, "gateway", "POST /score", FL_SPAN_SERVER, 205 * S, 205 * S + FX_MS),
        /* G: a database call named by its attributes. */
        mk(TG, 1, 0, "feature-store", "GET /features", FL_SPAN_SERVER, 130 * S,
           130 * S + 10 * FX_MS),
        mk(TG, 2, 1, "feature-store", "SELECT", FL_SPAN_CLIENT, 130 * S + FX_MS,
           130 * S + 5 * FX_MS),
    };
    b1[11].attrs_json = "{\"db.system\":\"postgresql\",\"db.statement\":\"SELECT 1\"}";
    b1[11].status_code = FL_STATUS_ERROR;
    write_spans(b1, sizeof b1 / sizeof b1[0]);
    struct fl_span b2[] = {
        mk(TB, 3, 2, "feature-store", "GET /features", FL_SPAN_SERVER, 150 * S + 2 * FX_MS,
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
                mk(trace, in[j].span_id, in[j].parent_id, fl_trace_syms_str(gy, in[j].service),
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
