/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defaults.c: the default fault trees of hybrid ML systems (live.h fl_fta_default_tree; docs/FTA.md
 * "Default trees"), built with the fta.h builder from the topology, the models and freshness
 * checks of the configuration, and what the investigation met.
 *
 *   TOP (the incident) = OR(measurement, INHIBIT(causes, symptom observed))
 *   measurement        = OR(metric broken)
 *   causes             = OR(data, feature pipeline, model, serving, infrastructure/network,
 *                           business logic)          (branches without events are left out)
 */
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "core/alloc.h"
#include "fta/live.h"
#include "rca/investigate.h"

#define MAX_EVENTS 400

struct builder {
    struct fl_fta_tree *t;
    struct fl_fta_bindings *b;
    struct fl_diag *d;
    /* the pending binding of each basic event added (bound after check) */
    char *bind_event[MAX_EVENTS];
    char *bind_check[MAX_EVENTS];
    size_t n_bind;
    fl_err err;
};

/* A basic event name, label and check; skipped when the name exists or the cap is reached. */
static void basic(struct builder *bl, size_t gate, const char *name, const char *label,
                  const char *check)
{
    size_t idx;
    if (bl->err != FL_OK || bl->n_bind == MAX_EVENTS || fl_fta_find(bl->t, name, &idx))
        return;
    if ((bl->err = fl_fta_add_basic(bl->t, name, FL_FTA_DEFAULT_P, &idx, bl->d)) != FL_OK ||
        (bl->err = fl_fta_set_label(bl->t, idx, label)) != FL_OK ||
        (bl->err = fl_fta_gate_arg(bl->t, gate, name)) != FL_OK)
        return;
    bl->bind_event[bl->n_bind] = fl_strdup(name);
    bl->bind_check[bl->n_bind] = fl_strdup(check);
    if (!bl->bind_event[bl->n_bind] || !bl->bind_check[bl->n_bind]) {
        fl_free(bl->bind_event[bl->n_bind]);
        fl_free(bl->bind_check[bl->n_bind]);
        bl->err = FL_ENOMEM;
        return;
    }
    bl->n_bind++;
}

static size_t gate(struct builder *bl, const char *name, enum fl_fta_gate_type type,
                   const char *label)
{
    size_t idx = 0;
    if (bl->err != FL_OK)
        return 0;
    if ((bl->err = fl_fta_add_gate(bl->t, name, type, 0, &idx, bl->d)) == FL_OK && label)
        bl->err = fl_fta_set_label(bl->t, idx, label);
    return idx;
}

#define FMT(buf, ...) (snprintf(buf, sizeof buf, __VA_ARGS__), buf)

static bool kind_is(const struct fl_component *c, const char *k)
{
    return c->kind && !strcmp(c->kind, k);
}

static const struct fl_inv_step *step_of(const struct fl_investigation *inv, const char *name)
{
    for (size_t i = 0; inv && i < inv->n_steps; i++)
        if (inv->steps[i].name && !strcmp(inv->steps[i].name, name))
            return &inv->steps[i];
    return NULL;
}

/* Which of the three incidents: latency, batch (freshness evidence on the path), else KPI. */
static const char *incident_label(const struct fl_investigation *inv)
{
    if (inv && inv->req.kind == FL_INV_LATENCY)
        return "latency SLO breach on a model-serving path";
    const struct fl_inv_step *ml = step_of(inv, "ml_evidence");
    for (size_t i = 0; ml && i < ml->n_evidence; i++)
        if (ml->evidence[i].kind == FL_INV_EV_FRESHNESS)
            return "silently wrong output of a batch model";
    return "KPI drop in an ML-served product";
}

/* The gate's number of inputs so far. */
static size_t n_inputs(const struct builder *bl, size_t g)
{
    return bl->err == FL_OK ? bl->t->events[g].n_args : 0;
}

fl_err fl_fta_default_tree(const struct fl_config *cfg, const struct fl_investigation *inv,
                           struct fl_fta_tree **tree, struct fl_fta_bindings *b,
                           struct fl_diag *d)
{
    *tree = NULL;
    struct builder bl = {.b = b, .d = d};
    char n1[512], n2[600], n3[600];
    bl.err = fl_fta_tree_new("default fault tree", &bl.t);
    if (bl.err != FL_OK)
        return fl_diag_set(d, bl.err, 0, 0, "out of memory");
    size_t top = gate(&bl, "incident", FL_FTA_OR, incident_label(inv));
    size_t meas = gate(&bl, "measurement", FL_FTA_OR, "the measurement is wrong");
    size_t real = gate(&bl, "real_degradation", FL_FTA_INHIBIT,
                       "a real degradation, given the symptom is observed");
    size_t causes = gate(&bl, "causes", FL_FTA_OR, "something in the system changed");
    size_t data = gate(&bl, "data", FL_FTA_OR, "the data changed");
    size_t feat = gate(&bl, "feature_pipeline", FL_FTA_OR, "the feature pipeline failed");
    size_t model = gate(&bl, "model", FL_FTA_OR, "the model changed");
    size_t serving = gate(&bl, "serving", FL_FTA_OR, "serving degraded");
    size_t infra = gate(&bl, "infrastructure_network", FL_FTA_OR,
                        "infrastructure or network degraded");
    size_t biz = gate(&bl, "business_logic", FL_FTA_OR, "business logic changed");
    if (bl.err == FL_OK)
        bl.err = fl_fta_set_top(bl.t, "incident");

    /* measurement */
    basic(&bl, meas, "metric_broken", "the symptom's own measurement is broken", "broken_metric");

    const struct fl_component *comps = cfg ? cfg->components : NULL;
    size_t nc = cfg ? cfg->n_components : 0;
    /* data: drift and validation per model; the input mix */
    for (size_t i = 0; cfg && i < cfg->n_models; i++) {
        const char *m = cfg->models[i].name;
        basic(&bl, data, FMT(n1, "drift:%s", m), FMT(n2, "inputs or predictions of %s drifted", m),
              FMT(n3, "drift %s", m));
        basic(&bl, data, FMT(n1, "validation:%s", m),
              FMT(n2, "inputs of %s fail validation", m), FMT(n3, "validation %s", m));
        basic(&bl, model, FMT(n1, "model_change:%s", m),
              FMT(n2, "a new version or traffic split of %s", m), FMT(n3, "model_change %s", m));
    }
    if (!cfg || cfg->n_models == 0) {
        basic(&bl, data, "drift:any", "model inputs or predictions drifted", "drift");
        basic(&bl, data, "validation:any", "model inputs fail validation", "validation");
        basic(&bl, model, "model_change:any", "a model version or traffic change", "model_change");
    }
    basic(&bl, data, "input_mix", "the change sits in a few segments (input mix)",
          "segment_localized");

    /* feature pipeline: freshness jobs, batch jobs, feature stores */
    for (size_t i = 0; cfg && i < cfg->n_freshness; i++) {
        const char *j = cfg->freshness[i].component;
        basic(&bl, feat, FMT(n1, "late:%s", j), FMT(n2, "%s is late or failing", j),
              FMT(n3, "late_batch %s", j));
    }
    for (size_t i = 0; i < nc; i++) {
        const struct fl_component *c = &comps[i];
        if (kind_is(c, "batch_job")) {
            basic(&bl, feat, FMT(n1, "late:%s", c->name), FMT(n2, "%s is late or failing", c->name),
                  FMT(n3, "late_batch %s", c->name));
            basic(&bl, feat, FMT(n1, "changed:%s", c->name), FMT(n2, "%s's signals changed", c->name),
                  FMT(n3, "component_changed %s", c->name));
        } else if (kind_is(c, "feature_store") || kind_is(c, "database") || kind_is(c, "cache")) {
            basic(&bl, feat, FMT(n1, "changed:%s", c->name), FMT(n2, "%s's signals changed", c->name),
                  FMT(n3, "component_changed %s", c->name));
            basic(&bl, feat, FMT(n1, "change:%s", c->name),
                  FMT(n2, "a change (schema, config, deploy) to %s", c->name),
                  FMT(n3, "change_event %s", c->name));
        }
    }
    if (n_inputs(&bl, feat) == 0)
        basic(&bl, feat, "schema_change", "a schema change before the onset",
              "change_event * schema");

    /* serving, infrastructure/network, business logic from the topology */
    for (size_t i = 0; i < nc; i++) {
        const struct fl_component *c = &comps[i];
        if (kind_is(c, "model_server"))
            basic(&bl, serving, FMT(n1, "changed:%s", c->name),
                  FMT(n2, "%s slower or failing", c->name), FMT(n3, "component_changed %s", c->name));
        else if (kind_is(c, "node") || kind_is(c, "network"))
            basic(&bl, infra, FMT(n1, "changed:%s", c->name), FMT(n2, "%s degraded", c->name),
                  FMT(n3, "component_changed %s", c->name));
        else if (kind_is(c, "service") || kind_is(c, "gateway")) {
            basic(&bl, biz, FMT(n1, "config:%s", c->name),
                  FMT(n2, "a config change of %s", c->name), FMT(n3, "change_event %s config", c->name));
            basic(&bl, biz, FMT(n1, "deploy:%s", c->name), FMT(n2, "a deploy of %s", c->name),
                  FMT(n3, "change_event %s deploy", c->name));
        }
        for (size_t k = 0; k < c->n_depends_on; k++)
            basic(&bl, infra, FMT(n1, "network:%s->%s", c->name, c->depends_on[k]),
                  FMT(n2, "the call %s -> %s got slow (network)", c->name, c->depends_on[k]),
                  FMT(n3, "edge_share %s->%s >= 0.5", c->name, c->depends_on[k]));
    }
    /* what the investigation's traces met: call edges and services */
    const struct fl_inv_step *tr = step_of(inv, "trace_evidence");
    for (size_t i = 0; tr && i < tr->n_evidence; i++) {
        const struct fl_inv_evidence *e = &tr->evidence[i];
        if (e->kind != FL_INV_EV_TRACE_KEY || !e->ref)
            continue;
        if (!strncmp(e->ref, "edge:", 5) && strstr(e->ref, "->")) {
            basic(&bl, infra, FMT(n1, "network:%s", e->ref + 5),
                  FMT(n2, "the call %s got slow (network)", e->ref + 5),
                  FMT(n3, "edge_share %s >= 0.5", e->ref + 5));
        } else if (!strncmp(e->ref, "op:", 3) && e->component && !strchr(e->component, ' ')) {
            basic(&bl, serving, FMT(n1, "changed:%s", e->component),
                  FMT(n2, "%s slower or failing", e->component),
                  FMT(n3, "component_changed %s", e->component));
        }
    }
    if (n_inputs(&bl, serving) == 0)
        basic(&bl, serving, "serving_changed", "a serving component changed",
              "component_changed *");
    /* infrastructure changes (network policies, node pools) rarely name a topology component */
    basic(&bl, infra, "infra_change", "an infrastructure change before the onset",
          "change_event * infrastructure");
    if (n_inputs(&bl, biz) == 0)
        basic(&bl, biz, "config_change", "a configuration change before the onset",
              "change_event * config");

    /* wire the branches that have events */
    size_t branches[6] = {data, feat, model, serving, infra, biz};
    for (size_t i = 0; i < 6 && bl.err == FL_OK; i++)
        if (n_inputs(&bl, branches[i]) > 0)
            bl.err = fl_fta_gate_arg(bl.t, causes, bl.t->events[branches[i]].name);
    /* INHIBIT: the causes, then the condition (the symptom observed) as the last input */
    if (bl.err == FL_OK)
        bl.err = fl_fta_gate_arg(bl.t, real, "causes");
    if (bl.err == FL_OK)
        basic(&bl, real, "symptom_observed", "the symptom is observed (verify_symptom)",
              "symptom");
    if (bl.err == FL_OK)
        bl.err = fl_fta_gate_arg(bl.t, top, "measurement");
    if (bl.err == FL_OK)
        bl.err = fl_fta_gate_arg(bl.t, top, "real_degradation");
    if (bl.err == FL_OK)
        bl.err = fl_fta_tree_check(bl.t, d);
    for (size_t i = 0; i < bl.n_bind; i++) {
        if (bl.err == FL_OK)
            bl.err = fl_fta_bind(b, bl.t, bl.bind_event[i], bl.bind_check[i], d);
        fl_free(bl.bind_event[i]);
        fl_free(bl.bind_check[i]);
    }
    if (bl.err != FL_OK) {
        if (bl.err == FL_ENOMEM)
            fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        fl_fta_tree_free(bl.t);
        fl_fta_bindings_cleanup(b);
        return bl.err;
    }
    *tree = bl.t;
    return FL_OK;
}
