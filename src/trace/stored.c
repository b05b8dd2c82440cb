/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stored.c: trace analyses over the store that the API and the CLI both run (load.h): the trace
 * search and the dependency graph of a window merged with the configured topology. One copy, so
 * GET /api/v1/traces and `faultline traces search` (and /api/v1/graph and `traces graph`) cannot
 * drift apart.
 */
#include <string.h>

#include "../config/config.h"
#include "../core/alloc.h"
#include "load.h"

/* Distinct trace ids of the matching spans, newest span first, up to cap. */
struct ids {
    char (*id)[33];
    size_t n, cap;
};

static int add_id(const struct fl_span *sp, void *ud)
{
    struct ids *s = ud;
    for (size_t i = 0; i < s->n; i++)
        if (!memcmp(s->id[i], sp->trace_id, 33))
            return 0;
    memcpy(s->id[s->n++], sp->trace_id, 33);
    return s->n == s->cap;
}

fl_err fl_trace_search(struct fl_store *s, const struct fl_span_query *q, size_t limit,
                       struct fl_trace_syms *y, fl_trace_found_fn fn, void *ud,
                       struct fl_diag *d)
{
    if (!s || !q || !y || !fn || limit == 0)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "trace search: bad arguments");
    struct fl_span_query sq = *q;
    /* A trace often has several matching spans: look at more spans than traces. */
    sq.limit = limit > SIZE_MAX / 64 ? SIZE_MAX : limit * 64;
    struct ids ids = {fl_calloc(limit, sizeof *ids.id), 0, limit};
    struct fl_arena a;
    fl_arena_init(&a, 64 * 1024, (size_t)1 << 30);
    fl_err e = ids.id ? FL_OK : fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    if (e == FL_OK)
        e = fl_store_spans(s, &sq, add_id, &ids, d);
    /* Load each trace after the span query has ended: a load inside its callback would hold
     * two reader connections at once. */
    for (size_t i = 0; e == FL_OK && i < ids.n; i++) {
        struct fl_trace t;
        struct fl_trace_analysis an;
        fl_arena_reset(&a);
        e = fl_trace_load_one(s, ids.id[i], y, &a, &t, &an, d);
        if (e == FL_ENOTFOUND) { /* removed by retention meanwhile */
            fl_diag_init(d);
            e = FL_OK;
            continue;
        }
        if (e == FL_OK && fn(&t, &an, ud))
            break;
    }
    fl_free(ids.id);
    fl_arena_cleanup(&a);
    return e;
}

fl_err fl_trace_graph_stored(struct fl_store *s, const struct fl_config *cfg, int64_t start_ns,
                             int64_t end_ns, struct fl_trace_window *w, struct fl_arena *a,
                             struct fl_trace_graph *out, struct fl_diag *d)
{
    size_t nc = cfg ? cfg->n_components : 0;
    struct fl_graph_component *comps = nc ? fl_calloc(nc, sizeof *comps) : NULL;
    if (nc && !comps)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    for (size_t i = 0; i < nc; i++) {
        const struct fl_component *c = &cfg->components[i];
        comps[i] = (struct fl_graph_component){c->name, c->kind,
                                               c->trace_service ? c->trace_service : c->name,
                                               (const char *const *)c->depends_on,
                                               c->n_depends_on};
    }
    struct fl_trace_load_opts o = {0};
    fl_err e = fl_trace_load_window(s, start_ns, end_ns, &o, w, NULL, d);
    if (e == FL_OK)
        e = fl_trace_graph_build(w, comps, nc, a, out, d);
    fl_free(comps);
    return e;
}
