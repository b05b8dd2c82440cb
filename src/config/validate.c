/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate.c: checks of faultline.yml that span several keys: topology references and
 * dependency cycles, KPI and model references to components. They run after the walk, while the
 * YAML document is still loaded, so a locator callback turns the key path of an error
 * ("topology.components[2].depends_on[0]") back into the line and column of that node.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config_int.h"
#include "core/alloc.h"
#include "core/map.h"

struct vctx {
    const struct fl_config *c;
    struct fl_diag *d;
    fl_config__locate_fn locate;
    void *arg;
    struct fl_map *index; /* component name -> index + 1 */
};

static fl_err verr(const struct vctx *v, const char *field, const char *fmt, ...) FL_PRINTF(3, 4);
static fl_err verr(const struct vctx *v, const char *field, const char *fmt, ...)
{
    unsigned long line = 0, col = 0;
    if (v->locate)
        v->locate(v->arg, field, &line, &col);
    va_list ap;
    va_start(ap, fmt);
    fl_diag_file(v->d, v->c->source);
    fl_diag_field(v->d, "%s", field);
    fl_err e = fl_diag_vset(v->d, FL_ECONFIG, line, col, fmt, ap);
    va_end(ap);
    /* Names come from the file: keep the diagnostic on one line. */
    for (char *p = v->d ? v->d->msg : NULL; p && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return e;
}

static long comp_index(const struct vctx *v, const char *name)
{
    uintptr_t i = (uintptr_t)fl_map_get(v->index, name, strlen(name));
    return i ? (long)(i - 1) : -1;
}

/* Names are unique by now (the walk refuses a second definition). */
static fl_err build_index(struct vctx *v)
{
    if (!(v->index = fl_map_new(NULL, 0)))
        return FL_ENOMEM;
    for (size_t i = 0; i < v->c->n_components; i++) {
        const char *name = v->c->components[i].name;
        if (fl_map_put(v->index, name, strlen(name), (void *)(uintptr_t)(i + 1)) != FL_OK)
            return FL_ENOMEM;
    }
    return FL_OK;
}

/* One frame of the iterative depth-first search: a component and its next depends_on index. */
struct frame {
    size_t node;
    size_t next;
};

/*
 * Iterative depth-first search from root (no recursion: a hostile chain of thousands of
 * components must not exhaust the C stack). state: 0 new, 1 on the stack, 2 done. On a cycle,
 * returns 1 with st[*from .. *sp) the path, and *edge the depends_on index of the top frame that
 * closes it.
 */
static int find_cycle(const struct vctx *v, size_t root, unsigned char *state, struct frame *st,
                      size_t *sp, size_t *from, size_t *edge)
{
    const struct fl_config *c = v->c;
    *sp = 0;
    st[(*sp)++] = (struct frame){root, 0};
    state[root] = 1;
    while (*sp) {
        struct frame *top = &st[*sp - 1];
        const struct fl_component *m = &c->components[top->node];
        if (top->next == m->n_depends_on) {
            state[top->node] = 2;
            (*sp)--;
            continue;
        }
        size_t k = top->next++;
        long j = comp_index(v, m->depends_on[k]);
        if (j < 0 || state[j] == 2)
            continue;
        if (state[j] == 1) {
            for (*from = 0; st[*from].node != (size_t)j; (*from)++)
                ;
            *edge = k;
            return 1;
        }
        state[j] = 1;
        st[(*sp)++] = (struct frame){(size_t)j, 0};
    }
    return 0;
}

/* "a -> b -> c -> a" from the path st[from .. sp). */
static void cycle_text(const struct fl_config *c, const struct frame *st, size_t from, size_t sp,
                       char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t k = from; k < sp && n < cap; k++) {
        int w = snprintf(out + n, cap - n, "%s -> ", c->components[st[k].node].name);
        n += w > 0 ? (size_t)w : 0;
    }
    if (n < cap)
        snprintf(out + n, cap - n, "%s", c->components[st[from].node].name);
}

static fl_err check_cycles(const struct vctx *v)
{
    const struct fl_config *c = v->c;
    fl_err e = FL_OK;
    size_t n = c->n_components ? c->n_components : 1;
    unsigned char *state = fl_calloc(n, 1);
    struct frame *st = fl_calloc(n, sizeof *st);
    char *text = fl_malloc(FL_DIAG_MSG_CAP);
    if (!state || !st || !text) {
        e = FL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < c->n_components && !e; i++) {
        size_t sp = 0, from = 0, edge = 0;
        if (state[i] || !find_cycle(v, i, state, st, &sp, &from, &edge))
            continue;
        cycle_text(c, st, from, sp, text, FL_DIAG_MSG_CAP - 32);
        char field[FL_DIAG_FIELD_CAP];
        snprintf(field, sizeof field, "topology.components[%zu].depends_on[%zu]", st[sp - 1].node,
                 edge);
        e = verr(v, field, "dependency cycle: %s", text);
    }
out:
    fl_free(state);
    fl_free(st);
    fl_free(text);
    return e;
}

static fl_err check_component_ref(const struct vctx *v, const char *name, const char *what,
                                  size_t i)
{
    if (!name || comp_index(v, name) >= 0)
        return FL_OK;
    char field[FL_DIAG_FIELD_CAP];
    snprintf(field, sizeof field, "%s[%zu].component", what, i);
    return verr(v, field, "unknown component \"%s\" (not in topology.components)", name);
}

fl_err fl_config__validate(struct fl_config *c, struct fl_diag *d, fl_config__locate_fn locate,
                           void *arg)
{
    struct vctx v = {c, d, locate, arg, NULL};
    char field[FL_DIAG_FIELD_CAP];
    fl_err e = build_index(&v);
    for (size_t i = 0; !e && i < c->n_components; i++) {
        const struct fl_component *m = &c->components[i];
        for (size_t k = 0; !e && k < m->n_depends_on; k++) {
            snprintf(field, sizeof field, "topology.components[%zu].depends_on[%zu]", i, k);
            if (comp_index(&v, m->depends_on[k]) < 0)
                e = verr(&v, field, "unknown component \"%s\"", m->depends_on[k]);
            else if (!strcmp(m->depends_on[k], m->name))
                e = verr(&v, field, "component \"%s\" depends on itself", m->name);
        }
    }
    if (!e)
        e = check_cycles(&v);
    for (size_t i = 0; !e && i < c->n_kpis; i++)
        e = check_component_ref(&v, c->kpis[i].component, "kpis", i);
    for (size_t i = 0; !e && i < c->n_models; i++)
        e = check_component_ref(&v, c->models[i].component, "models", i);
    for (size_t i = 0; !e && i < c->n_freshness; i++)
        e = check_component_ref(&v, c->freshness[i].component, "freshness", i);
    fl_map_free(v.index);
    return e;
}
const char *const *fl_config__key_paths(void)
{
    static const char *const paths[] = {
        "listen",
        "data_dir",
        "retention",
        "log_level",
        "threads",
        "self_scrape",
        "auth.bearer_token",
        "auth.bearer_token_file",
        "limits.body_bytes",
        "limits.line_bytes",
        "limits.labels_per_series",
        "limits.series_per_target",
        "limits.scrape_bytes",
        "limits.records_per_batch",
        "global.scrape_interval",
        "global.scrape_timeout",
        "scrape_configs[].job_name",
        "scrape_configs[].metrics_path",
        "scrape_configs[].scheme",
        "scrape_configs[].scrape_interval",
        "scrape_configs[].scrape_timeout",
        "scrape_configs[].bearer_token",
        "scrape_configs[].static_configs[].targets",
        "scrape_configs[].static_configs[].labels",
        "remote_sources[].name",
        "remote_sources[].url",
        "remote_sources[].selectors",
        "remote_sources[].step",
        "remote_sources[].timeout",
        "remote_sources[].bearer_token",
        "topology.components[].name",
        "topology.components[].kind",
        "topology.components[].depends_on",
        "topology.components[].match",
        "topology.components[].trace_service",
        "kpis[].name",
        "kpis[].numerator",
        "kpis[].denominator",
        "kpis[].dimensions",
        "kpis[].higher_is_better",
        "kpis[].direction",
        "kpis[].component",
        "models[].name",
        "models[].component",
        "models[].reference",
        "models[].features",
        "models[].outcome",
        "freshness[].component",
        "freshness[].every",
        "freshness[].grace",
        "freshness[].startup_grace",
        "freshness[].min_rows",
        "freshness[].max_rows",
        "freshness[].max_drop",
        "freshness[].history",
        "feature_staleness.window",
        "feature_staleness.max_requests",
        "monitoring.enabled",
        "monitoring.window",
        "monitoring.grace",
        "monitoring.min_rows",
        "monitoring.open_windows",
        "monitoring.segment_by",
        "monitoring.drift_options",
        "monitoring.tick",
        "monitoring.reference_refresh",
        "monitoring.forget_after",
        "notify.alertmanager_url",
        "notify.external_url",
        "notify.bearer_token",
        "notify.timeout",
        NULL,
    };
    return paths;
}
