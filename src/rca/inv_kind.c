/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inv_kind.c: the kind of fault each ranked cause points at (docs/rca.md "Fault kinds"), named
 * from its own evidence, so that a person (and `faultline-sim eval`) reads "network" or
 * "stale_data" rather than only a component:
 *
 *   stale_data           a freshness check of it is late, failing or never succeeded
 *   model_change         a model version or traffic change of it (registry, events)
 *   data_quality         drift or validation anomalies of its model's inputs
 *   schema_change        a schema change or migration event on it before the onset
 *   config_change        a configuration change event on it before the onset
 *   (the same kinds from series: stale_data from age, staleness, freshness or lag series;
 *   data_quality from null, missing, invalid, distinct-count or column-value series)
 *   network              it is a network component or a call edge, or its changed series are
 *                        network ones (retransmits, packet loss, round-trip time, resets)
 *   lock_contention      its changed series are lock waits or deadlocks
 *   connection_pool      its changed series are connection-pool ones (in use, pending, waits)
 *   restarts             its changed series are restarts, crashes or OOM kills
 *   resource_saturation  its changed series are CPU, throttling, load, memory or run queues
 *   config_change        a configuration change event on it before the onset
 *   experiment_shift     the change is localized on an experiment dimension (arm, variant)
 *   traffic_shift        the change is localized on another segment (a new or shifted mix)
 *   deploy               a deploy on it before the onset
 *   degradation          none of these: its signals changed (latency, errors, rate)
 *
 * The order above is the order of precedence: evidence that names a mechanism directly (a late
 * job, a version change, drift, a config event) first, then what the changed series are made of,
 * then where the change sits, then a deploy. Series are recognised by the metric naming
 * conventions of Prometheus exporters and OpenTelemetry (node_exporter, cAdvisor and
 * kube-state-metrics, postgres_exporter, HikariCP and other pool instrumentation), by words of
 * the metric name, not by any one system's names.
 */
#include <ctype.h>
#include <string.h>

#include "rca/inv_int.h"

struct pattern {
    const char *kind;
    const char *const *words; /* NULL-terminated; matched as whole "_"-separated words */
};

static const char *const W_NETWORK[] = {"retransmits", "retransmit", "retransmitted", "packet",
                                        "packets", "dropped", "rtt", "tcp", "network", "net",
                                        "link", "partition", "resets", "unreachable", NULL};
static const char *const W_LOCK[] = {"lock", "locks", "deadlock", "deadlocks", "lockwait",
                                     "lock_wait", NULL};
static const char *const W_POOL[] = {"pool", "pending", "hikaricp", "pgbouncer", NULL};
static const char *const W_RESTART[] = {"restart", "restarts", "crash", "crashes", "oom",
                                        "oomkilled", "uptime", "start", NULL};
static const char *const W_RESOURCE[] = {"cpu", "throttled", "throttling", "throttle", "load1",
                                         "load5", "load", "memory", "saturation", "steal",
                                         "runqueue", "context", "cfs", NULL};

static const char *const W_STALE[] = {"age", "stale", "staleness", "freshness", "lag",
                                      "last_success", NULL};

/* Data-content series: null or missing ratios, invalid values, distinct counts, a column's
 * value statistics, its row count (Great Expectations' expectations, data-quality exporters,
 * feature tables). */
static const char *const W_DATA[] = {"null", "nulls", "missing", "nan", "invalid", "distinct",
                                     "cardinality", "schema", "violations", "value", "rows",
                                     NULL};

static const struct pattern SERIES_KINDS[] = {
    {"stale_data", W_STALE},  {"data_quality", W_DATA}, {"network", W_NETWORK},         {"lock_contention", W_LOCK},
    {"connection_pool", W_POOL}, {"restarts", W_RESTART},     {"resource_saturation", W_RESOURCE},
};

/* Whether the metric name (up to '{') holds word as one of its '_'-separated words. */
static bool has_word(const char *name, const char *word)
{
    size_t wl = strlen(word);
    const char *end = strchr(name, '{');
    if (!end)
        end = name + strlen(name);
    for (const char *p = name; p < end;) {
        const char *q = p;
        while (q < end && *q != '_' && *q != ':')
            q++;
        if ((size_t)(q - p) == wl && !strncmp(p, word, wl))
            return true;
        p = q < end ? q + 1 : end;
    }
    return false;
}

const char *fl_inv__series_kind(const char *ref)
{
    for (size_t i = 0; i < sizeof SERIES_KINDS / sizeof *SERIES_KINDS; i++)
        for (const char *const *w = SERIES_KINDS[i].words; *w; w++)
            if (has_word(ref, *w))
                return SERIES_KINDS[i].kind;
    return NULL;
}

static bool starts_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    return text && !strncmp(text, word, n) && (text[n] == ' ' || text[n] == '_');
}

/* An experiment dimension: arm, variant, experiment, bucket, treatment, cohort (as a word). */
static bool experiment_dim(const char *ref)
{
    static const char *const w[] = {"experiment", "arm", "variant", "treatment", "bucket",
                                    "cohort", "ab", NULL};
    char name[128];
    size_t n = 0;
    while (ref[n] && ref[n] != '=' && ref[n] != '&' && n < sizeof name - 1) {
        name[n] = (char)tolower((unsigned char)ref[n]);
        n++;
    }
    name[n] = 0;
    for (const char *const *p = w; *p; p++)
        if (has_word(name, *p))
            return true;
    return false;
}

static const struct fl_inv_evidence *ev_at(const struct fl_investigation *inv, size_t s, size_t i)
{
    if (s >= inv->n_steps || i >= inv->steps[s].n_evidence)
        return NULL;
    return &inv->steps[s].evidence[i];
}

void fl_inv__classify(struct fl_inv__ctx *c, struct fl_inv_cause *x)
{
    const struct fl_investigation *inv = c->inv;
    const char *kind = NULL, *why = NULL;
    /* 1. evidence that names the mechanism */
    static const struct {
        int ev;
        const char *kind;
    } direct[] = {{FL_INV_EV_FRESHNESS, "stale_data"},
                  {FL_INV_EV_MODEL, "model_change"},
                  {FL_INV_EV_DRIFT, "data_quality"},
                  {FL_INV_EV_VALIDATION, "data_quality"}};
    for (size_t d = 0; d < sizeof direct / sizeof *direct && !kind; d++)
        for (size_t k = 0; k < x->n_evidence && !kind; k++) {
            const struct fl_inv_evidence *e = ev_at(inv, x->evidence_step[k], x->evidence[k]);
            if (e && e->supports && e->kind == direct[d].ev) {
                kind = direct[d].kind;
                why = e->text;
            }
        }
    for (size_t k = 0; k < x->n_evidence && !kind; k++) {
        const struct fl_inv_evidence *e = ev_at(inv, x->evidence_step[k], x->evidence[k]);
        if (!e || !e->supports || e->kind != FL_INV_EV_EVENT)
            continue;
        if (starts_word(e->text, "schema_change") || starts_word(e->text, "schema") ||
            starts_word(e->text, "migration")) {
            kind = "schema_change";
            why = e->text;
        } else if (starts_word(e->text, "model_version_change") || starts_word(e->text, "model")) {
            kind = "model_change";
            why = e->text;
        }
    }
    /* 2. the network, by what the component is */
    if (!kind && ((x->component_kind && !strcmp(x->component_kind, "network")) ||
                  (x->component && !strncmp(x->component, "network ", 8)))) {
        kind = "network";
        why = "the cause is a network component or a call edge";
    }
    /* 3. what its changed series are made of: counted restarts first (inv_steps.c), then the
     * best-ranked supporting series decides */
    for (size_t k = 0; k < x->n_evidence && !kind; k++) {
        const struct fl_inv_evidence *e = ev_at(inv, x->evidence_step[k], x->evidence[k]);
        if (e && e->supports && e->kind == FL_INV_EV_SERIES && starts_word(e->text, "restarts:")) {
            kind = "restarts";
            why = e->text;
        }
    }
    for (size_t k = 0; k < x->n_evidence && !kind; k++) {
        const struct fl_inv_evidence *e = ev_at(inv, x->evidence_step[k], x->evidence[k]);
        if (!e || !e->supports || e->kind != FL_INV_EV_SERIES || !e->ref)
            continue;
        const char *sk = fl_inv__series_kind(e->ref);
        if (sk) {
            kind = sk;
            why = e->text;
        }
    }
    /* 3b. a configuration change on it: after what its series say, since a config change
     * that happened to precede a CPU throttle is less telling than the throttle itself */
    for (size_t k = 0; k < x->n_evidence && !kind; k++) {
        const struct fl_inv_evidence *e = ev_at(inv, x->evidence_step[k], x->evidence[k]);
        if (e && e->supports && e->kind == FL_INV_EV_EVENT &&
            (starts_word(e->text, "config") || starts_word(e->text, "config_change") ||
             starts_word(e->text, "feature_flag") || starts_word(e->text, "experiment"))) {
            kind = starts_word(e->text, "experiment") || starts_word(e->text, "experiment_change")
                       ? "experiment_shift"
                       : "config_change";
            why = e->text;
        }
    }
    /* 4. where the change sits */
    for (size_t s = 0; s < inv->n_steps && !kind; s++) {
        const struct fl_inv_step *st = &inv->steps[s];
        if (!st->name || strcmp(st->name, "localize_segments") != 0 ||
            st->status != FL_INV_STEP_FOUND)
            continue;
        for (size_t i = 0; i < st->n_evidence && !kind; i++) {
            const struct fl_inv_evidence *e = &st->evidence[i];
            if (!e->supports || e->kind != FL_INV_EV_SEGMENT || !e->ref ||
                !strcmp(e->ref, "total"))
                continue;
            kind = experiment_dim(e->ref) ? "experiment_shift" : "traffic_shift";
            why = e->text;
        }
    }
    /* 5. a deploy */
    for (size_t k = 0; k < x->n_evidence && !kind; k++) {
        const struct fl_inv_evidence *e = ev_at(inv, x->evidence_step[k], x->evidence[k]);
        if (e && e->supports && e->kind == FL_INV_EV_EVENT && starts_word(e->text, "deploy")) {
            kind = "deploy";
            why = e->text;
        }
    }
    if (!kind) {
        kind = "degradation";
        why = "its signals changed; none says how";
    }
    x->fault_kind = kind;
    x->fault_kind_why = why;
}
