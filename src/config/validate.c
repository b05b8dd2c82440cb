/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate.c: checks of faultline.yml that span several keys: topology references and
 * dependency cycles, KPI and model references to components. Errors name the key path; the
 * YAML position is gone by now, so they carry the file name without line and column.
 */
#include <stdarg.h>
#include <string.h>

#include "config_int.h"
#include "core/alloc.h"

static fl_err verr(const struct fl_config *c, struct fl_diag *d, const char *fmt, ...)
    FL_PRINTF(3, 4);
static fl_err verr(const struct fl_config *c, struct fl_diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fl_diag_file(d, c->source);
    fl_err e = fl_diag_vset(d, FL_ECONFIG, 0, 0, fmt, ap);
    va_end(ap);
    return e;
}

static long comp_index(const struct fl_config *c, const char *name)
{
    for (size_t i = 0; i < c->n_components; i++)
        if (!strcmp(c->components[i].name, name))
            return (long)i;
    return -1;
}

/* Depth-first search for a cycle; state 0 new, 1 on stack, 2 done. stack holds the path. */
static long find_cycle(const struct fl_config *c, size_t i, unsigned char *state, size_t *stack,
                       size_t *depth)
{
    state[i] = 1;
    stack[(*depth)++] = i;
    const struct fl_component *m = &c->components[i];
    for (size_t k = 0; k < m->n_depends_on; k++) {
        long j = comp_index(c, m->depends_on[k]);
        if (j < 0)
            continue;
        if (state[j] == 1)
            return j;
        if (state[j] == 0) {
            long r = find_cycle(c, (size_t)j, state, stack, depth);
            if (r >= 0)
                return r;
        }
    }
    state[i] = 2;
    (*depth)--;
    return -1;
}

static fl_err check_cycles(const struct fl_config *c, struct fl_diag *d)
{
    fl_err e = FL_OK;
    unsigned char *state = fl_calloc(c->n_components ? c->n_components : 1, 1);
    size_t *stack = fl_calloc(c->n_components ? c->n_components : 1, sizeof *stack);
    if (!state || !stack) {
        e = FL_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < c->n_components && !e; i++) {
        size_t depth = 0;
        long start = state[i] ? -1 : find_cycle(c, i, state, stack, &depth);
        if (start < 0)
            continue;
        char path[FL_DIAG_MSG_CAP] = "";
        size_t k = 0;
        while (k < depth && stack[k] != (size_t)start)
            k++;
        for (; k < depth; k++) {
            strncat(path, c->components[stack[k]].name, sizeof path - strlen(path) - 1);
            strncat(path, " -> ", sizeof path - strlen(path) - 1);
        }
        strncat(path, c->components[start].name, sizeof path - strlen(path) - 1);
        fl_diag_field(d, "topology.components");
        e = verr(c, d, "dependency cycle: %s", path);
    }
out:
    fl_free(state);
    fl_free(stack);
    return e;
}

fl_err fl_config__validate(struct fl_config *c, struct fl_diag *d)
{
    for (size_t i = 0; i < c->n_components; i++) {
        const struct fl_component *m = &c->components[i];
        for (size_t k = 0; k < m->n_depends_on; k++) {
            if (comp_index(c, m->depends_on[k]) < 0) {
                fl_diag_field(d, "topology.components[%zu].depends_on[%zu]", i, k);
                return verr(c, d, "unknown component \"%s\"", m->depends_on[k]);
            }
            if (!strcmp(m->depends_on[k], m->name)) {
                fl_diag_field(d, "topology.components[%zu].depends_on[%zu]", i, k);
                return verr(c, d, "component \"%s\" depends on itself", m->name);
            }
        }
    }
    fl_err e = check_cycles(c, d);
    if (e)
        return e;
    for (size_t i = 0; i < c->n_kpis; i++) {
        if (c->kpis[i].component && comp_index(c, c->kpis[i].component) < 0) {
            fl_diag_field(d, "kpis[%zu].component", i);
            return verr(c, d, "unknown component \"%s\"", c->kpis[i].component);
        }
    }
    for (size_t i = 0; i < c->n_models; i++) {
        if (c->models[i].component && comp_index(c, c->models[i].component) < 0) {
            fl_diag_field(d, "models[%zu].component", i);
            return verr(c, d, "unknown component \"%s\"", c->models[i].component);
        }
    }
    return FL_OK;
}

const char *const *fl_config__key_paths(void)
{
    static const char *const paths[] = {
        "listen", "data_dir", "retention", "log_level", "threads", "self_scrape",
        "auth.bearer_token", "auth.bearer_token_file",
        "limits.body_bytes", "limits.line_bytes", "limits.labels_per_series",
        "limits.series_per_target", "limits.scrape_bytes", "limits.records_per_batch",
        "global.scrape_interval", "global.scrape_timeout",
        "scrape_configs[].job_name", "scrape_configs[].metrics_path", "scrape_configs[].scheme",
        "scrape_configs[].scrape_interval", "scrape_configs[].scrape_timeout",
        "scrape_configs[].bearer_token", "scrape_configs[].static_configs[].targets",
        "scrape_configs[].static_configs[].labels",
        "remote_sources[].name", "remote_sources[].url", "remote_sources[].selectors",
        "remote_sources[].step", "remote_sources[].timeout", "remote_sources[].bearer_token",
        "topology.components[].name", "topology.components[].kind",
        "topology.components[].depends_on", "topology.components[].match",
        "topology.components[].trace_service",
        "kpis[].name", "kpis[].numerator", "kpis[].denominator", "kpis[].dimensions",
        "kpis[].higher_is_better", "kpis[].component",
        "models[].name", "models[].component", "models[].reference", "models[].features",
        "models[].outcome",
        NULL,
    };
    return paths;
}
