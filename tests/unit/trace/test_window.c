/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_window.c: struct fl_trace_window (src/trace/window.c): which key each span's
 * critical-path time goes to, that a trace's entries add up to its duration, the own-latency
 * samples and error counts per key, the synthetic root's key, the key cap, and that a failed
 * allocation leaves the window as it was.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "trace/window_int.h"
#include "window_fx.h"

static struct fl_trace_syms *y;
static struct fl_trace_window *w;
static struct fl_arena a;

static void setup(void)
{
    y = fl_trace_syms_new();
    cr_assert_not_null(y);
    w = fl_trace_window_new(y, 0, 60 * 1000 * FX_MS);
    cr_assert_not_null(w);
    fl_arena_init(&a, 64 * 1024, 64u * 1024 * 1024);
}

static void teardown(void)
{
    fl_trace_window_free(w);
    fl_trace_syms_free(y);
    fl_arena_cleanup(&a);
}

static const struct fl_trace__key *key(int kind, const char *s1, const char *s2)
{
    uint32_t k = fl_trace__window_find(w, fl_trace__key_pack(kind, fx_sym(y, s1), fx_sym(y, s2)));
    cr_assert_neq(k, FL_TRACE_NONE, "no key %s %s", s1, s2);
    return &w->keys[k];
}

/* Critical-path ns of key k in trace ti (0 when absent). */
static int64_t cp_of(size_t ti, const struct fl_trace__key *k)
{
    const struct fl_trace__wtrace *t = &w->traces[ti];
    int64_t sum = 0;
    for (size_t j = t->cp_first; j < t->cp_first + t->n_cp; j++)
        if (&w->keys[w->cp_key[j]] == k)
            sum += w->cp_ns[j];
    return sum;
}

Test(window, chain_trace_keys_and_critical_path, .init = setup, .fini = teardown)
{
    struct fx_rng r = {42};
    struct fl_tspan_in in[5];
    struct fl_trace t;
    struct fl_trace_analysis an;
    struct fx_chain c = fx_chain_spans(y, &r, 1000 * FX_MS, 0, 0, 0, in);
    fx_add(w, "0af7651916cd43dd8448eb211c80319c", in, 5, &a, &t, &an);
    cr_assert_eq(fl_trace_window_count(w), 1);
    cr_assert_eq(w->n_keys, 5, "3 operations + 2 edges, got %zu", w->n_keys);

    const struct fl_trace__key *gw = key(FL_TRACE_KEY_OPERATION, "gateway", "POST /score");
    const struct fl_trace__key *fs = key(FL_TRACE_KEY_OPERATION, "feature-store", "GET /features");
    const struct fl_trace__key *ms = key(FL_TRACE_KEY_OPERATION, "model-server", "predict");
    const struct fl_trace__key *efs = key(FL_TRACE_KEY_EDGE, "gateway", "feature-store");
    const struct fl_trace__key *ems = key(FL_TRACE_KEY_EDGE, "gateway", "model-server");
    cr_assert_eq(cp_of(0, gw), c.gaps);
    cr_assert_eq(cp_of(0, efs), c.fs_net);
    cr_assert_eq(cp_of(0, fs), c.fs_srv);
    cr_assert_eq(cp_of(0, ems), c.m_net);
    cr_assert_eq(cp_of(0, ms), c.m_srv);
    cr_assert_eq(w->traces[0].duration_ns, c.duration);
    cr_assert_eq(w->traces[0].n_cp, 5);
    int64_t sum = 0;
    for (size_t j = 0; j < w->n_cp; j++)
        sum += w->cp_ns[j];
    cr_assert_eq(sum, c.duration, "critical-path entries add up to the duration");

    /* Own latency: span durations; edges keep call durations and network times. */
    cr_assert_eq(gw->own.n, 1);
    cr_assert_float_eq(gw->own.v[0], (double)c.duration / 1e6, 1e-9);
    cr_assert_float_eq(ms->own.v[0], (double)c.m_srv / 1e6, 1e-9);
    cr_assert_eq(efs->own.n, 1);
    cr_assert_eq(efs->net.n, 1);
    cr_assert_float_eq(efs->own.v[0], (double)(c.fs_net + c.fs_srv) / 1e6, 1e-9);
    cr_assert_float_eq(efs->net.v[0], (double)c.fs_net / 1e6, 1e-9);
    cr_assert_eq(efs->peer_kind, FL_PEER_SERVICE);
    cr_assert(efs->traced);
    cr_assert_eq(efs->n, 1);
    cr_assert_eq(ms->n, 1);
    cr_assert_eq(efs->n_errors + ms->n_errors + gw->n_errors, 0);
    cr_assert_eq(w->traces[0].error, false);
}

Test(window, keys_merge_within_a_trace_and_count_errors, .init = setup, .fini = teardown)
{
    /* gateway calls the same untraced database twice; the second call fails. */
    struct fl_tspan_in in[3];
    struct fl_trace t;
    struct fl_trace_analysis an;
    in[0] = fx_span(y, 1, 0, "gateway", "POST /score", FL_SPAN_SERVER, 0, 10 * FX_MS);
    in[1] = fx_span(y, 2, 1, "gateway", "SELECT", FL_SPAN_CLIENT, 1 * FX_MS, 3 * FX_MS);
    in[2] = fx_span(y, 3, 1, "gateway", "SELECT", FL_SPAN_CLIENT, 4 * FX_MS, 8 * FX_MS);
    for (int i = 1; i <= 2; i++) {
        in[i].peer = fx_sym(y, "postgresql");
        in[i].peer_kind = FL_PEER_DATABASE;
    }
    in[2].status = FL_STATUS_ERROR;
    fx_add(w, "0af7651916cd43dd8448eb211c80319d", in, 3, &a, &t, &an);
    const struct fl_trace__key *db = key(FL_TRACE_KEY_EDGE, "gateway", "postgresql");
    const struct fl_trace__key *gw = key(FL_TRACE_KEY_OPERATION, "gateway", "POST /score");
    cr_assert_eq(w->n_keys, 2);
    cr_assert_eq(w->traces[0].n_cp, 2, "one entry per key, not per span");
    cr_assert_eq(cp_of(0, db), 6 * FX_MS);
    cr_assert_eq(cp_of(0, gw), 4 * FX_MS);
    cr_assert_eq(db->n, 2);
    cr_assert_eq(db->n_errors, 1);
    cr_assert_eq(db->net.n, 0, "an untraced callee has no network time");
    cr_assert_eq(db->own.n, 2);
    cr_assert_float_eq(db->own.v[0] + db->own.v[1], 6.0, 1e-9);
    cr_assert_eq(db->peer_kind, FL_PEER_DATABASE);
    cr_assert_not(db->traced);
    cr_assert(w->traces[0].error);
}

Test(window, orphans_put_gaps_on_the_synthetic_root_key, .init = setup, .fini = teardown)
{
    /* Two pieces whose common parent was lost: [0, 2] and [5, 9] ms; the gap is the root's. */
    struct fl_tspan_in in[2];
    struct fl_trace t;
    struct fl_trace_analysis an;
    in[0] = fx_span(y, 2, 77, "worker", "step", FL_SPAN_INTERNAL, 0, 2 * FX_MS);
    in[1] = fx_span(y, 3, 77, "worker", "step", FL_SPAN_INTERNAL, 5 * FX_MS, 9 * FX_MS);
    fx_add(w, "0af7651916cd43dd8448eb211c80319e", in, 2, &a, &t, &an);
    uint32_t k = fl_trace__window_find(w, fl_trace__key_pack(FL_TRACE_KEY_OPERATION, 0, 0));
    cr_assert_neq(k, FL_TRACE_NONE, "the synthetic root is the operation (\"\", \"\")");
    cr_assert_eq(cp_of(0, &w->keys[k]), 3 * FX_MS);
    cr_assert_eq(cp_of(0, key(FL_TRACE_KEY_OPERATION, "worker", "step")), 6 * FX_MS);
    cr_assert_eq(w->traces[0].duration_ns, 9 * FX_MS);
}

Test(window, bad_arguments_and_free_null)
{
    struct fl_trace_syms *yy = fl_trace_syms_new();
    struct fl_trace_window *ww = fl_trace_window_new(yy, 0, 1);
    struct fl_trace t = {0};
    struct fl_trace_analysis an = {0};
    cr_assert_null(fl_trace_window_new(NULL, 0, 1));
    cr_assert_eq(fl_trace_window_add(NULL, &t, &an), FL_EINVAL);
    cr_assert_eq(fl_trace_window_add(ww, NULL, &an), FL_EINVAL);
    cr_assert_eq(fl_trace_window_add(ww, &t, &an), FL_EINVAL, "a trace without spans");
    cr_assert_eq(fl_trace_window_count(NULL), 0);
    cr_assert_eq(fl_trace_window_count(ww), 0);
    fl_trace_window_free(NULL);
    fl_trace_window_free(ww);
    fl_trace_syms_free(yy);
}

Test(window, key_cap_is_elimit_and_leaves_the_window_unchanged, .init = setup, .fini = teardown)
{
    struct fl_tspan_in in[1];
    struct fl_trace t;
    struct fl_trace_analysis an;
    char name[32];
    for (size_t i = 0; i < FL_LIMIT_WINDOW_KEYS; i++) {
        snprintf(name, sizeof name, "op%zu", i);
        in[0] = fx_span(y, 1, 0, "svc", name, FL_SPAN_SERVER, 0, FX_MS);
        fx_add(w, "0af7651916cd43dd8448eb211c80319c", in, 1, &a, &t, &an);
    }
    cr_assert_eq(w->n_keys, FL_LIMIT_WINDOW_KEYS);
    in[0] = fx_span(y, 1, 0, "svc", "one too many", FL_SPAN_SERVER, 0, FX_MS);
    fx_add(NULL, "0af7651916cd43dd8448eb211c80319c", in, 1, &a, &t, &an);
    cr_assert_eq(fl_trace_window_add(w, &t, &an), FL_ELIMIT);
    cr_assert_eq(fl_trace_window_count(w), FL_LIMIT_WINDOW_KEYS);
    cr_assert_eq(w->n_cp, FL_LIMIT_WINDOW_KEYS);
    /* A known key still goes in. */
    in[0] = fx_span(y, 1, 0, "svc", "op7", FL_SPAN_SERVER, 0, FX_MS);
    fx_add(w, "0af7651916cd43dd8448eb211c80319c", in, 1, &a, &t, &an);
    cr_assert_eq(fl_trace_window_count(w), FL_LIMIT_WINDOW_KEYS + 1);
}

/* Every allocation of an add fails in turn: the add reports FL_ENOMEM and the window's traces,
 * entries and samples are what they were; then the add succeeds. */
Test(window, failed_allocation_leaves_the_window_as_it_was, .init = setup, .fini = teardown)
{
    struct fx_rng r = {7};
    struct fl_tspan_in in[5];
    struct fl_trace t;
    struct fl_trace_analysis an;
    size_t failures = 0;
    for (int round = 0; round < 40; round++) {
        fx_chain_spans(y, &r, round * 10 * FX_MS, 0, 0, 0, in);
        fx_add(NULL, "0af7651916cd43dd8448eb211c80319c", in, 5, &a, &t, &an);
        for (long k = 0;; k++) {
            size_t n_tr = w->n_traces, n_cp = w->n_cp, n_own = 0;
            for (size_t i = 0; i < w->n_keys; i++)
                n_own += w->keys[i].own.n + w->keys[i].net.n + w->keys[i].n;
            fl_alloc_fail_after(k);
            fl_err e = fl_trace_window_add(w, &t, &an);
            fl_alloc_fail_after(-1);
            if (e == FL_OK)
                break;
            failures++;
            cr_assert_eq(e, FL_ENOMEM);
            size_t n_own2 = 0;
            for (size_t i = 0; i < w->n_keys; i++)
                n_own2 += w->keys[i].own.n + w->keys[i].net.n + w->keys[i].n;
            cr_assert_eq(w->n_traces, n_tr);
            cr_assert_eq(w->n_cp, n_cp);
            cr_assert_eq(n_own2, n_own);
        }
    }
    cr_assert_gt(failures, 5, "allocations were exercised (%zu failures)", failures);
    cr_assert_eq(fl_trace_window_count(w), 40);
    int64_t sum = 0, dur = 0;
    for (size_t j = 0; j < w->n_cp; j++)
        sum += w->cp_ns[j];
    for (size_t i = 0; i < w->n_traces; i++)
        dur += w->traces[i].duration_ns;
    cr_assert_eq(sum, dur);
}

Test(window, percentile_is_numpy_linear)
{
    const double s[] = {1, 2, 3, 4, 10};
    /* numpy.percentile([1,2,3,4,10], [0, 50, 90, 99, 100]) = 1, 3, 7.6, 9.76, 10 */
    cr_assert_float_eq(fl_trace__pct_sorted(s, 5, 0), 1, 1e-12);
    cr_assert_float_eq(fl_trace__pct_sorted(s, 5, 50), 3, 1e-12);
    cr_assert_float_eq(fl_trace__pct_sorted(s, 5, 90), 7.6, 1e-12);
    cr_assert_float_eq(fl_trace__pct_sorted(s, 5, 99), 9.76, 1e-12);
    cr_assert_float_eq(fl_trace__pct_sorted(s, 5, 100), 10, 1e-12);
    cr_assert(isnan(fl_trace__pct_sorted(s, 0, 50)));
    const double u[] = {10, 1, 4, 3, 2};
    double q[2];
    const double ps[2] = {50, 90};
    cr_assert_eq(fl_trace__pcts(u, 5, ps, 2, q), FL_OK);
    cr_assert_float_eq(q[0], 3, 1e-12);
    cr_assert_float_eq(q[1], 7.6, 1e-12);
}
