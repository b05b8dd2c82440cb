/* SPDX-License-Identifier: Apache-2.0 */
/*
 * graph.c: the service dependency graph of a window, merged with the configured topology
 * (docs/TRACES.md, "Dependency graph").
 *
 * Nodes are the services seen as a span's service, the callees of untraced calls (a database, a
 * queue, an external host, named and kinded from the client span's attributes by facts.c), and
 * the topology's components, matched to trace nodes by their trace_service. Edges are the call
 * edges of the window (caller -> callee) with rate, error rate and latency, and the topology's
 * depends_on, merged: an edge seen in both is one edge with both flags.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "trace/window_int.h"

#define NS_PER_S 1e9

struct gb {
    struct fl_trace_window *w;
    struct fl_graph_node *nodes;
    size_t n_nodes, cap_nodes;
    struct fl_graph_edge *edges;
    size_t n_edges, cap_edges;
    uint32_t *node_slots;              /* symbol -> node index + 1 */
    uint32_t *edge_slots;              /* (from, to) -> edge index + 1 */
    size_t n_node_slots, n_edge_slots; /* powers of two, at least twice the caps */
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static size_t pow2_above(size_t n)
{
    size_t p = 16;
    while (p < n * 2)
        p *= 2;
    return p;
}

/* The node named by symbol name, created (kind SERVICE, no flags) when new. The table is sized
 * for cap_nodes, so creation cannot fail. */
static uint32_t node_get(struct gb *g, uint32_t name)
{
    size_t mask = g->n_node_slots - 1;
    size_t i = mix64(name) & mask;
    for (; g->node_slots[i]; i = (i + 1) & mask)
        if (g->nodes[g->node_slots[i] - 1].name == name)
            return g->node_slots[i] - 1;
    struct fl_graph_node *n = &g->nodes[g->n_nodes];
    memset(n, 0, sizeof *n);
    n->name = name;
    n->kind = FL_GRAPH_SERVICE;
    g->node_slots[i] = (uint32_t)++g->n_nodes;
    return (uint32_t)(g->n_nodes - 1);
}

static struct fl_graph_edge *edge_get(struct gb *g, uint32_t from, uint32_t to)
{
    uint64_t key = ((uint64_t)from << 32) | to;
    size_t mask = g->n_edge_slots - 1;
    size_t i = mix64(key) & mask;
    for (; g->edge_slots[i]; i = (i + 1) & mask) {
        struct fl_graph_edge *e = &g->edges[g->edge_slots[i] - 1];
        if (e->from == from && e->to == to)
            return e;
    }
    struct fl_graph_edge *e = &g->edges[g->n_edges];
    memset(e, 0, sizeof *e);
    e->from = from;
    e->to = to;
    e->error_rate = e->p50_ms = e->p99_ms = e->network_p50_ms = e->network_p99_ms = NAN;
    g->edge_slots[i] = (uint32_t)++g->n_edges;
    return e;
}

static int kind_of_peer(int peer_kind)
{
    switch (peer_kind) {
    case FL_PEER_SERVICE:
        return FL_GRAPH_SERVICE;
    case FL_PEER_DATABASE:
        return FL_GRAPH_DATABASE;
    case FL_PEER_MESSAGING:
        return FL_GRAPH_MESSAGING;
    default: /* an external host, or a callee known only by the client span's name */
        return FL_GRAPH_EXTERNAL;
    }
}

/* Kind of a topology-only node from its component kind (FL_COMPONENT_KIND_LIST). */
static int kind_of_component(const char *kind)
{
    if (!kind)
        return FL_GRAPH_SERVICE;
    if (!strcmp(kind, "database") || !strcmp(kind, "cache"))
        return FL_GRAPH_DATABASE;
    if (!strcmp(kind, "queue"))
        return FL_GRAPH_MESSAGING;
    if (!strcmp(kind, "external"))
        return FL_GRAPH_EXTERNAL;
    return FL_GRAPH_SERVICE;
}

/* Services and call edges of the window. Services first, so that a callee that is also seen
 * serving spans stays a service whatever its calls' attributes say. */
static fl_err add_trace_part(struct gb *g)
{
    const struct fl_trace_window *w = g->w;
    double len_s = (double)(w->end_ns - w->start_ns) / NS_PER_S;
    for (size_t k = 0; k < w->n_keys; k++) {
        const struct fl_trace__key *key = &w->keys[k];
        if (key->n == 0 || key->a == 0)
            continue;
        struct fl_graph_node *n = &g->nodes[node_get(g, key->a)];
        n->in_traces = true;
        if (key->kind == FL_TRACE_KEY_OPERATION) {
            n->spans += key->n;
            n->errors += key->n_errors;
        }
    }
    for (size_t k = 0; k < w->n_keys; k++) {
        const struct fl_trace__key *key = &w->keys[k];
        if (key->n == 0 || key->kind != FL_TRACE_KEY_EDGE || key->a == 0 || key->b == 0)
            continue;
        uint32_t from = node_get(g, key->a);
        size_t before = g->n_nodes;
        uint32_t to = node_get(g, key->b);
        struct fl_graph_node *callee = &g->nodes[to];
        if (g->n_nodes > before || !callee->in_traces) {
            callee->kind = kind_of_peer(key->peer_kind);
            callee->in_traces = true;
        }
        struct fl_graph_edge *e = edge_get(g, from, to);
        e->in_traces = true;
        e->calls = key->n;
        e->errors = key->n_errors;
        e->rate_per_s = len_s > 0 ? (double)key->n / len_s : NAN;
        e->error_rate = (double)key->n_errors / (double)key->n;
        static const double ps[2] = {50, 99};
        double q[2];
        fl_err err = fl_trace__pcts(key->own.v, key->own.n, ps, 2, q);
        if (err != FL_OK)
            return err;
        e->p50_ms = q[0];
        e->p99_ms = q[1];
        if ((err = fl_trace__pcts(key->net.v, key->net.n, ps, 2, q)) != FL_OK)
            return err;
        e->network_p50_ms = q[0];
        e->network_p99_ms = q[1];
    }
    return FL_OK;
}

static fl_err intern(struct gb *g, const char *s, uint32_t *id)
{
    return fl_trace_syms_intern(g->w->y, s, strlen(s), id);
}

/* The node of component c: its trace_service when set, else its name. */
static fl_err component_node(struct gb *g, const struct fl_graph_component *c, struct fl_arena *a,
                             uint32_t *out)
{
    const char *name = c->trace_service && *c->trace_service ? c->trace_service : c->name;
    uint32_t sym;
    fl_err e = intern(g, name, &sym);
    if (e != FL_OK)
        return e;
    size_t before = g->n_nodes;
    *out = node_get(g, sym);
    struct fl_graph_node *n = &g->nodes[*out];
    if (g->n_nodes > before)
        n->kind = kind_of_component(c->kind);
    n->in_topology = true;
    if (c->kind && !n->component_kind) {
        n->component_kind = fl_arena_strdup(a, c->kind);
        if (!n->component_kind)
            return a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    }
    return FL_OK;
}

static fl_err add_topology(struct gb *g, const struct fl_graph_component *cs, size_t nc,
                           struct fl_arena *a, struct fl_diag *d)
{
    uint32_t *cn = nc ? fl_malloc(nc * sizeof *cn) : NULL;
    fl_err e = nc && !cn ? FL_ENOMEM : FL_OK;
    for (size_t i = 0; i < nc && e == FL_OK; i++)
        e = component_node(g, &cs[i], a, &cn[i]);
    for (size_t i = 0; i < nc && e == FL_OK; i++) {
        for (size_t j = 0; j < cs[i].n_depends_on && e == FL_OK; j++) {
            const char *dep = cs[i].depends_on[j];
            if (!dep) {
                e = fl_diag_set(d, FL_EINVAL, 0, 0,
                                "topology component \"%s\": depends_on[%zu] "
                                "is missing",
                                cs[i].name, j);
                break;
            }
            size_t c = 0;
            while (c < nc && strcmp(cs[c].name, dep) != 0)
                c++;
            uint32_t to;
            if (c < nc) {
                to = cn[c];
            } else { /* not a component: a node of that name */
                uint32_t sym;
                if ((e = intern(g, dep, &sym)) != FL_OK)
                    break;
                to = node_get(g, sym);
                g->nodes[to].in_topology = true;
            }
            edge_get(g, cn[i], to)->in_topology = true;
        }
    }
    fl_free(cn);
    return e;
}

/* ---- ordering: nodes by name, edges by (from, to) ---- */

struct node_ord {
    const char *name;
    uint32_t idx;
};

static int node_ord_cmp(const void *pa, const void *pb)
{
    const struct node_ord *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->idx < b->idx ? -1 : a->idx > b->idx);
}

static int edge_cmp(const void *pa, const void *pb)
{
    const struct fl_graph_edge *a = pa, *b = pb;
    if (a->from != b->from)
        return a->from < b->from ? -1 : 1;
    return a->to < b->to ? -1 : a->to > b->to;
}

static fl_err sort_graph(struct gb *g, struct fl_arena *a)
{
    size_t n = g->n_nodes;
    struct node_ord *ord = fl_malloc((n ? n : 1) * sizeof *ord);
    uint32_t *newpos = fl_malloc((n ? n : 1) * sizeof *newpos);
    struct fl_graph_node *sorted = fl_arena_calloc(a, n ? n : 1, sizeof *sorted);
    fl_err e = FL_OK;
    if (!ord || !newpos || !sorted) {
        e = !sorted && a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        ord[i] = (struct node_ord){fl_trace_syms_str(g->w->y, g->nodes[i].name), (uint32_t)i};
    qsort(ord, n, sizeof *ord, node_ord_cmp);
    for (size_t i = 0; i < n; i++) {
        sorted[i] = g->nodes[ord[i].idx];
        newpos[ord[i].idx] = (uint32_t)i;
    }
    g->nodes = sorted;
    for (size_t i = 0; i < g->n_edges; i++) {
        g->edges[i].from = newpos[g->edges[i].from];
        g->edges[i].to = newpos[g->edges[i].to];
    }
    qsort(g->edges, g->n_edges, sizeof *g->edges, edge_cmp);
out:
    fl_free(ord);
    fl_free(newpos);
    return e;
}

/* Upper bounds of nodes and edges, so that the arrays never grow. */
static fl_err bounds(const struct fl_trace_window *w, const struct fl_graph_component *cs,
                     size_t nc, size_t *max_nodes, size_t *max_edges, struct fl_diag *d)
{
    size_t deps = 0;
    for (size_t i = 0; i < nc; i++) {
        if (!cs[i].name || (cs[i].n_depends_on && !cs[i].depends_on))
            return fl_diag_set(d, FL_EINVAL, 0, 0,
                               "topology component %zu: missing name or "
                               "depends_on",
                               i);
        deps += cs[i].n_depends_on;
    }
    *max_nodes = 2 * w->n_keys + nc + deps + 1;
    *max_edges = w->n_keys + deps + 1;
    if (*max_nodes >= UINT32_MAX / 4 || *max_edges >= UINT32_MAX / 4)
        return fl_diag_set(d, FL_ELIMIT, 0, 0, "dependency graph too large");
    return FL_OK;
}

fl_err fl_trace_graph_build(struct fl_trace_window *w, const struct fl_graph_component *components,
                            size_t n_components, struct fl_arena *a, struct fl_trace_graph *out,
                            struct fl_diag *d)
{
    if (!w || !a || !out || (n_components && !components))
        return fl_diag_set(d, FL_EINVAL, 0, 0, "graph: missing window, arena or result");
    memset(out, 0, sizeof *out);
    struct gb g = {.w = w};
    fl_err e = bounds(w, components, n_components, &g.cap_nodes, &g.cap_edges, d);
    if (e != FL_OK)
        return e;
    g.n_node_slots = pow2_above(g.cap_nodes);
    g.n_edge_slots = pow2_above(g.cap_edges);
    g.nodes = fl_malloc(g.cap_nodes * sizeof *g.nodes);
    g.edges = fl_arena_calloc(a, g.cap_edges, sizeof *g.edges);
    g.node_slots = fl_calloc(g.n_node_slots, sizeof *g.node_slots);
    g.edge_slots = fl_calloc(g.n_edge_slots, sizeof *g.edge_slots);
    struct fl_graph_node *heap_nodes = g.nodes;
    if (!g.nodes || !g.edges || !g.node_slots || !g.edge_slots) {
        e = !g.edges && a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
        goto out;
    }
    if ((e = add_trace_part(&g)) != FL_OK ||
        (e = add_topology(&g, components, n_components, a, d)) != FL_OK ||
        (e = sort_graph(&g, a)) != FL_OK)
        goto out;
    *out = (struct fl_trace_graph){g.nodes, g.n_nodes, g.edges, g.n_edges};
out:
    if (e != FL_OK)
        fl_diag_set(d, e, 0, 0, "graph: %s", fl_err_str(e));
    fl_free(heap_nodes);
    fl_free(g.node_slots);
    fl_free(g.edge_slots);
    return e;
}
