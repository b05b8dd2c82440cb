/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_graph.c: fl_trace_graph_build (src/trace/graph.c): nodes from span services, untraced
 * callees (a database named by its peer) and topology components (matched by trace_service,
 * else by name); edges with rate, error rate and latency; topology edges merged, kept with zero
 * calls when only configured; ordering; bad topology input.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "core/alloc.h"
#include "trace/window_int.h"
#include "window_fx.h"

static struct fl_trace_syms *y;
static struct fl_trace_window *w;
static struct fl_arena a;

#define N_TRACES 20

static void setup(void)
{
    y = fl_trace_syms_new();
    cr_assert_not_null(y);
    w = fl_trace_window_new(y, 0, 10 * 1000 * FX_MS); /* 10 s */
    cr_assert_not_null(w);
    fl_arena_init(&a, 64 * 1024, 64u * 1024 * 1024);
    /* gateway [0,20] -> feature-store: call [1, 9+i/10] (server [2,8]), which queries
     * postgresql [3,7] (untraced; every 5th query fails) -> model-server: call [10,19]
     * (server [11,18]). */
    struct fl_tspan_in in[6];
    struct fl_trace t;
    struct fl_trace_analysis an;
    for (int i = 0; i < N_TRACES; i++) {
        int64_t t0 = (int64_t)i * 100 * FX_MS, tenth = FX_MS / 10;
        in[0] = fx_span(y, 1, 0, "gateway", "POST /score", FL_SPAN_SERVER, t0, t0 + 20 * FX_MS);
        in[1] = fx_span(y, 2, 1, "gateway", "GET features", FL_SPAN_CLIENT, t0 + FX_MS,
                        t0 + 9 * FX_MS + i * tenth);
        in[2] = fx_span(y, 3, 2, "feature-store", "GET /features", FL_SPAN_SERVER, t0 + 2 * FX_MS,
                        t0 + 8 * FX_MS);
        in[3] = fx_span(y, 4, 3, "feature-store", "SELECT features", FL_SPAN_CLIENT, t0 + 3 * FX_MS,
                        t0 + 7 * FX_MS);
        in[3].peer = fx_sym(y, "postgresql");
        in[3].peer_kind = FL_PEER_DATABASE;
        in[3].status = i % 5 == 0 ? FL_STATUS_ERROR : FL_STATUS_UNSET;
        in[4] = fx_span(y, 5, 1, "gateway", "POST predict", FL_SPAN_CLIENT, t0 + 10 * FX_MS,
                        t0 + 19 * FX_MS);
        in[5] = fx_span(y, 6, 5, "model-server", "predict", FL_SPAN_SERVER, t0 + 11 * FX_MS,
                        t0 + 18 * FX_MS);
        fx_add(w, "0af7651916cd43dd8448eb211c80319c", in, 6, &a, &t, &an);
    }
}

static void teardown(void)
{
    fl_trace_window_free(w);
    fl_trace_syms_free(y);
    fl_arena_cleanup(&a);
}

static const struct fl_graph_node *node(const struct fl_trace_graph *g, const char *name,
                                        size_t *idx)
{
    for (size_t i = 0; i < g->n_nodes; i++)
        if (!strcmp(fl_trace_syms_str(y, g->nodes[i].name), name)) {
            if (idx)
                *idx = i;
            return &g->nodes[i];
        }
    cr_assert_fail("no node %s", name);
    return NULL;
}

static const struct fl_graph_edge *edge(const struct fl_trace_graph *g, const char *from,
                                        const char *to)
{
    size_t f, t;
    node(g, from, &f);
    node(g, to, &t);
    for (size_t i = 0; i < g->n_edges; i++)
        if (g->edges[i].from == f && g->edges[i].to == t)
            return &g->edges[i];
    cr_assert_fail("no edge %s -> %s", from, to);
    return NULL;
}

Test(graph, traces_only, .init = setup, .fini = teardown)
{
    struct fl_trace_graph g;
    cr_assert_eq(fl_trace_graph_build(w, NULL, 0, &a, &g, NULL), FL_OK);
    cr_assert_eq(g.n_nodes, 4);
    cr_assert_eq(g.n_edges, 3);
    /* Sorted by name. */
    const char *names[] = {"feature-store", "gateway", "model-server", "postgresql"};
    for (size_t i = 0; i < 4; i++)
        cr_assert_str_eq(fl_trace_syms_str(y, g.nodes[i].name), names[i]);
    for (size_t i = 1; i < g.n_edges; i++)
        cr_assert(g.edges[i - 1].from < g.edges[i].from ||
                  (g.edges[i - 1].from == g.edges[i].from && g.edges[i - 1].to < g.edges[i].to));

    const struct fl_graph_node *gw = node(&g, "gateway", NULL);
    cr_assert_eq(gw->kind, FL_GRAPH_SERVICE);
    cr_assert(gw->in_traces);
    cr_assert_not(gw->in_topology);
    cr_assert_null(gw->component_kind);
    cr_assert_eq(gw->spans, N_TRACES, "server spans only (client spans are edges)");
    const struct fl_graph_node *pg = node(&g, "postgresql", NULL);
    cr_assert_eq(pg->kind, FL_GRAPH_DATABASE);
    cr_assert_eq(pg->spans, 0);
    cr_assert(pg->in_traces);

    const struct fl_graph_edge *fs = edge(&g, "gateway", "feature-store");
    cr_assert_eq(fs->calls, N_TRACES);
    cr_assert_eq(fs->errors, 0);
    cr_assert_float_eq(fs->rate_per_s, 2.0, 1e-12, "20 calls in 10 s");
    cr_assert_float_eq(fs->error_rate, 0.0, 1e-12);
    /* call durations 8.0, 8.1, ..., 9.9 ms: numpy.percentile -> p50 8.95, p99 9.881 */
    cr_assert_float_eq(fs->p50_ms, 8.95, 1e-9);
    cr_assert_float_eq(fs->p99_ms, 9.881, 1e-9);
    /* network = call - 6 ms of server: 2.0 .. 3.9 */
    cr_assert_float_eq(fs->network_p50_ms, 2.95, 1e-9);
    cr_assert_float_eq(fs->network_p99_ms, 3.881, 1e-9);
    cr_assert(fs->in_traces);
    cr_assert_not(fs->in_topology);

    const struct fl_graph_edge *db = edge(&g, "feature-store", "postgresql");
    cr_assert_eq(db->calls, N_TRACES);
    cr_assert_eq(db->errors, 4);
    cr_assert_float_eq(db->error_rate, 0.2, 1e-12);
    cr_assert_float_eq(db->p50_ms, 4.0, 1e-9);
    cr_assert(isnan(db->network_p50_ms), "no server span: no network time");
    const struct fl_graph_node *fsn = node(&g, "feature-store", NULL);
    cr_assert_eq(fsn->spans, N_TRACES);
    cr_assert_eq(fsn->errors, 0, "the failing span is feature-store's client span: an edge");
}

Test(graph, merged_with_topology, .init = setup, .fini = teardown)
{
    const char *gw_deps[] = {"features", "model-server"};
    const char *fs_deps[] = {"warehouse"};
    const struct fl_graph_component comps[] = {
        {"gateway", "gateway", "gateway", gw_deps, 2},
        {"features", "feature_store", "feature-store", fs_deps, 1},
        {"model-server", "model_server", NULL, NULL, 0},
        {"warehouse", "database", NULL, NULL, 0},
    };
    struct fl_trace_graph g;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_trace_graph_build(w, comps, 4, &a, &g, &d), FL_OK, "%s", d.msg);
    cr_assert_eq(g.n_nodes, 5);
    cr_assert_eq(g.n_edges, 4);
    const struct fl_graph_node *fs = node(&g, "feature-store", NULL);
    cr_assert(fs->in_traces && fs->in_topology, "matched by trace_service");
    cr_assert_str_eq(fs->component_kind, "feature_store");
    const struct fl_graph_node *ms = node(&g, "model-server", NULL);
    cr_assert(ms->in_traces && ms->in_topology, "matched by name");
    cr_assert_str_eq(ms->component_kind, "model_server");
    const struct fl_graph_node *wh = node(&g, "warehouse", NULL);
    cr_assert_not(wh->in_traces);
    cr_assert(wh->in_topology);
    cr_assert_eq(wh->kind, FL_GRAPH_DATABASE, "kind from the component's kind");
    cr_assert_str_eq(wh->component_kind, "database");
    const struct fl_graph_node *pg = node(&g, "postgresql", NULL);
    cr_assert_not(pg->in_topology);
    cr_assert_null(pg->component_kind);

    const struct fl_graph_edge *e1 = edge(&g, "gateway", "feature-store");
    cr_assert(e1->in_traces && e1->in_topology);
    cr_assert_eq(e1->calls, N_TRACES);
    const struct fl_graph_edge *e2 = edge(&g, "gateway", "model-server");
    cr_assert(e2->in_traces && e2->in_topology);
    cr_assert_float_eq(e2->p50_ms, 9.0, 1e-9);
    const struct fl_graph_edge *e3 = edge(&g, "feature-store", "warehouse");
    cr_assert_not(e3->in_traces);
    cr_assert(e3->in_topology);
    cr_assert_eq(e3->calls, 0);
    cr_assert_float_eq(e3->rate_per_s, 0.0, 1e-12);
    cr_assert(isnan(e3->error_rate) && isnan(e3->p50_ms) && isnan(e3->network_p99_ms));
    const struct fl_graph_edge *e4 = edge(&g, "feature-store", "postgresql");
    cr_assert(e4->in_traces);
    cr_assert_not(e4->in_topology, "seen in traces only");
}

Test(graph, empty_window_and_bad_topology)
{
    struct fl_trace_syms *yy = fl_trace_syms_new();
    struct fl_trace_window *ww = fl_trace_window_new(yy, 0, 1000);
    struct fl_arena aa;
    struct fl_trace_graph g;
    struct fl_diag d;
    fl_arena_init(&aa, 4096, 1 << 20);
    cr_assert_eq(fl_trace_graph_build(ww, NULL, 0, &aa, &g, NULL), FL_OK);
    cr_assert_eq(g.n_nodes, 0);
    cr_assert_eq(g.n_edges, 0);
    const char *deps[] = {"b", NULL};
    const struct fl_graph_component bad1[] = {{NULL, "service", NULL, NULL, 0}};
    const struct fl_graph_component bad2[] = {{"a", "service", NULL, deps, 2},
                                              {"b", "service", NULL, NULL, 0}};
    fl_diag_init(&d);
    cr_assert_eq(fl_trace_graph_build(ww, bad1, 1, &aa, &g, &d), FL_EINVAL);
    cr_assert_not_null(strstr(d.msg, "component 0"));
    fl_diag_init(&d);
    cr_assert_eq(fl_trace_graph_build(ww, bad2, 2, &aa, &g, &d), FL_EINVAL);
    cr_assert_not_null(strstr(d.msg, "depends_on[1]"), "%s", d.msg);
    /* A depends_on naming no component still gets its node (topology-only). */
    const char *deps3[] = {"elsewhere"};
    const struct fl_graph_component ok[] = {{"a", "service", NULL, deps3, 1}};
    cr_assert_eq(fl_trace_graph_build(ww, ok, 1, &aa, &g, NULL), FL_OK);
    cr_assert_eq(g.n_nodes, 2);
    cr_assert_eq(g.n_edges, 1);
    cr_assert_str_eq(fl_trace_syms_str(yy, g.nodes[g.edges[0].to].name), "elsewhere");
    cr_assert_eq(fl_trace_graph_build(NULL, NULL, 0, &aa, &g, NULL), FL_EINVAL);
    fl_arena_cleanup(&aa);
    fl_trace_window_free(ww);
    fl_trace_syms_free(yy);
}

/* Every allocation of a graph build fails in turn: an error, then the same graph. */
Test(graph, failed_allocations, .init = setup, .fini = teardown)
{
    const char *gw_deps[] = {"features", "warehouse"};
    const struct fl_graph_component comps[] = {
        {"gateway", "gateway", "gateway", gw_deps, 2},
        {"features", "feature_store", "feature-store", NULL, 0},
        {"warehouse", "database", NULL, NULL, 0},
    };
    size_t failures = 0;
    for (long k = 0;; k++) {
        struct fl_trace_graph g;
        fl_alloc_fail_after(k);
        fl_err e = fl_trace_graph_build(w, comps, 3, &a, &g, NULL);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            cr_assert_eq(g.n_nodes, 5);
            cr_assert_eq(g.n_edges, 4);
            break;
        }
        failures++;
        cr_assert(e == FL_ENOMEM || e == FL_ELIMIT, "%d", e);
    }
    cr_assert_gt(failures, 3);
}
