/* SPDX-License-Identifier: Apache-2.0 */
/*
 * investigate.c: the investigation engine's entry point (issue 5; docs/rca.md "Investigations").
 * Parses and validates the request, fills in the default windows, runs the steps (inv_symptom.c,
 * inv_steps.c) and ranks the causes from their evidence over the dependency graph.
 */
#include "rca/investigate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/time.h"
#include "rca/inv_int.h"
#include "trace/trace.h"

/* ---- small shared helpers ---- */

char *fl_inv__fmt(struct fl_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = fl_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

static fl_err arena_err(const struct fl_arena *a)
{
    return a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
}

fl_err fl_inv__ev_add(struct fl_arena *a, struct fl_inv__evs *e, int kind, const char *component,
                      const char *ref, const char *text, double baseline, double incident,
                      double score, int64_t ts_ms, bool supports)
{
    if (!text || !ref)
        return arena_err(a);
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 8;
        struct fl_inv_evidence *v = fl_arena_calloc(a, cap, sizeof *v);
        if (!v)
            return arena_err(a);
        if (e->n)
            memcpy(v, e->v, e->n * sizeof *v);
        e->v = v;
        e->cap = cap;
    }
    struct fl_inv_evidence *x = &e->v[e->n++];
    x->kind = kind;
    x->component = component;
    x->ref = ref;
    x->text = text;
    x->baseline = baseline;
    x->incident = incident;
    x->score = score;
    x->ts_ms = ts_ms;
    x->supports = supports;
    return FL_OK;
}

int64_t fl_inv__mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Steps in the order of investigate.h; at most 6. */
#define INV_MAX_STEPS 6

fl_err fl_inv__step_add(struct fl_inv__ctx *c, const char *name, int status, const char *summary,
                        struct fl_inv__evs *e, int64_t t0_ns, size_t *idx)
{
    struct fl_investigation *inv = c->inv;
    if (!summary)
        return arena_err(c->a);
    if (inv->n_steps >= INV_MAX_STEPS)
        return FL_EINVAL;
    struct fl_inv_step *st = &inv->steps[inv->n_steps];
    st->name = name;
    st->status = status;
    st->summary = summary;
    st->evidence = e ? e->v : NULL;
    st->n_evidence = e ? e->n : 0;
    st->elapsed_ms = (double)(fl_inv__mono_ns() - t0_ns) / 1e6;
    if (idx)
        *idx = inv->n_steps;
    inv->n_steps++;
    return FL_OK;
}

const char *fl_inv__label(const struct fl_label *labels, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(labels[i].name, name) == 0)
            return labels[i].value;
    return NULL;
}

const char *fl_inv__component_of(const struct fl_config *cfg, const struct fl_label *labels,
                                 size_t n_labels)
{
    for (size_t i = 0; cfg && i < cfg->n_components; i++) {
        const struct fl_component *k = &cfg->components[i];
        if (k->n_match == 0)
            continue;
        size_t j = 0;
        for (; j < k->n_match; j++) {
            const char *v = fl_inv__label(labels, n_labels, k->match[j].name);
            if (!v || strcmp(v, k->match[j].value) != 0)
                break;
        }
        if (j == k->n_match)
            return k->name;
    }
    const char *v = fl_inv__label(labels, n_labels, "service");
    if (v && *v)
        return v;
    v = fl_inv__label(labels, n_labels, "job");
    return v && *v ? v : NULL;
}

const char *fl_inv__component_of_service(const struct fl_config *cfg, const char *service)
{
    for (size_t i = 0; cfg && i < cfg->n_components; i++) {
        const struct fl_component *k = &cfg->components[i];
        const char *ts = k->trace_service ? k->trace_service : k->name;
        if (strcmp(ts, service) == 0)
            return k->name;
    }
    return service;
}

struct fl_inv__comp *fl_inv__comp_get(struct fl_inv__ctx *c, const char *name, bool add)
{
    for (size_t i = 0; i < c->n_comps; i++)
        if (strcmp(c->comps[i].name, name) == 0)
            return &c->comps[i];
    if (!add)
        return NULL;
    if (c->n_comps == c->cap_comps) {
        size_t cap = c->cap_comps ? c->cap_comps * 2 : 16;
        struct fl_inv__comp *v = fl_reallocarray(c->comps, cap, sizeof *v);
        if (!v)
            return NULL;
        c->comps = v;
        c->cap_comps = cap;
    }
    const char *nm = fl_arena_strdup(c->a, name);
    if (!nm)
        return NULL;
    struct fl_inv__comp *k = &c->comps[c->n_comps++];
    memset(k, 0, sizeof *k);
    k->name = nm;
    k->explained_by = -1;
    k->stale_since_ms = FL_TS_NONE;
    k->written_by = -1;
    const struct fl_component *fc = c->cfg ? fl_config_component(c->cfg, name) : NULL;
    k->kind = fc ? fc->kind : NULL;
    return k;
}

fl_err fl_inv__edge_add(struct fl_inv__ctx *c, const char *caller, const char *callee)
{
    if (strcmp(caller, callee) == 0)
        return FL_OK;
    for (size_t i = 0; i < c->n_edges; i++)
        if (strcmp(c->edges[i].caller, caller) == 0 && strcmp(c->edges[i].callee, callee) == 0)
            return FL_OK;
    if (c->n_edges == c->cap_edges) {
        size_t cap = c->cap_edges ? c->cap_edges * 2 : 16;
        struct fl_rank_edge *v = fl_reallocarray(c->edges, cap, sizeof *v);
        if (!v)
            return FL_ENOMEM;
        c->edges = v;
        c->cap_edges = cap;
    }
    const char *a = fl_arena_strdup(c->a, caller), *b = fl_arena_strdup(c->a, callee);
    if (!a || !b)
        return arena_err(c->a);
    c->edges[c->n_edges].caller = a;
    c->edges[c->n_edges].callee = b;
    c->n_edges++;
    return FL_OK;
}

/* Depth-first search from `down` along caller -> callee edges; bounded by the edge count. */
bool fl_inv__upstream(const struct fl_inv__ctx *c, const char *up, const char *down)
{
    if (!up || !down || strcmp(up, down) == 0)
        return false;
    const char *stack[256];
    size_t sp = 0, visited = 0;
    stack[sp++] = down;
    while (sp > 0 && visited++ < 4 * c->n_edges + 4) {
        const char *x = stack[--sp];
        for (size_t i = 0; i < c->n_edges; i++) {
            if (strcmp(c->edges[i].caller, x) != 0)
                continue;
            if (strcmp(c->edges[i].callee, up) == 0)
                return true;
            if (sp < sizeof stack / sizeof stack[0])
                stack[sp++] = c->edges[i].callee;
        }
    }
    return false;
}

/* ---- names ---- */

const char *fl_inv_step_status_name(int status)
{
    switch (status) {
    case FL_INV_STEP_FOUND: return "found";
    case FL_INV_STEP_NOTHING: return "nothing";
    case FL_INV_STEP_SKIPPED: return "skipped";
    case FL_INV_STEP_FAILED: return "failed";
    default: return "unknown";
    }
}

const char *fl_inv_evidence_kind_name(int kind)
{
    static const char *const names[] = {"unknown", "series",     "segment",   "trace_key",
                                        "trace",   "event",      "drift",     "validation",
                                        "freshness", "model"};
    return kind >= 1 && kind <= FL_INV_EV_MODEL ? names[kind] : names[0];
}

const char *fl_inv_verdict_name(int verdict)
{
    switch (verdict) {
    case FL_INV_CAUSES: return "causes";
    case FL_INV_NO_SYMPTOM: return "no_symptom";
    case FL_INV_NO_CAUSE: return "no_cause";
    case FL_INV_BROKEN_METRIC: return "broken_metric";
    default: return "unknown";
    }
}

/* ---- the request ---- */

/* FL_EINVAL naming the field in d->field (the message does not repeat it: printers put
 * "field: message" together, fl_cli_print_diag and the API's error body). */
static fl_err bad(struct fl_diag *d, const char *field, const char *msg)
{
    fl_diag_set(d, FL_EINVAL, 0, 0, "%s", msg);
    fl_diag_field(d, "%s", field);
    return FL_EINVAL;
}

/* "p99", "P99.9", "99" -> 99, 99.9; false when not a percentile in (0, 100). */
static bool parse_pct(const char *p, size_t len, double *out)
{
    if (len > 0 && (p[0] == 'p' || p[0] == 'P'))
        p++, len--;
    if (len == 0 || len > 31)
        return false;
    char buf[32];
    memcpy(buf, p, len);
    buf[len] = '\0';
    char *end = NULL;
    double v = strtod(buf, &end);
    if (end != buf + len || !(v > 0 && v < 100))
        return false;
    *out = v;
    return true;
}

static fl_err parse_symptom(const char *text, struct fl_arena *a, struct fl_inv_request *r,
                            struct fl_diag *d)
{
    if (!text || !r)
        return bad(d, "symptom", "missing");
    size_t len = strlen(text);
    if (len == 0)
        return bad(d, "symptom", "empty");
    if (strncmp(text, "kpi:", 4) == 0) {
        if (len == 4)
            return bad(d, "symptom", "kpi: needs a KPI name");
        r->kind = FL_INV_KPI;
        r->kpi = text + 4;
        return FL_OK;
    }
    if (strncmp(text, "latency:", 8) != 0) {
        r->kind = FL_INV_SELECTOR;
        r->selector = text;
        return FL_OK;
    }
    const char *svc = text + 8;
    size_t svc_len = strcspn(svc, "/@");
    if (svc_len == 0)
        return bad(d, "symptom", "latency: needs a service name");
    const char *op = NULL, *at = strchr(svc, '@');
    size_t op_len = 0;
    if (svc[svc_len] == '/') {
        op = svc + svc_len + 1;
        op_len = at ? (size_t)(at - op) : strlen(op);
        if (op_len == 0)
            return bad(d, "symptom", "latency: empty operation after '/'");
    }
    double pct = 99;
    if (at && !parse_pct(at + 1, strlen(at + 1), &pct))
        return bad(d, "symptom", "latency: expected a percentile like @P99 (0 < p < 100)");
    bool need_copy = op || at;
    if (need_copy && !a)
        return bad(d, "symptom",
                   "latency with an operation or percentile needs fl_inv_parse_symptom_arena");
    r->kind = FL_INV_LATENCY;
    r->service = need_copy ? fl_arena_strndup(a, svc, svc_len) : svc;
    r->operation = op ? fl_arena_strndup(a, op, op_len) : NULL;
    if (!r->service || (op && !r->operation))
        return arena_err(a);
    r->percentile = pct;
    return FL_OK;
}

fl_err fl_inv_parse_symptom(const char *text, struct fl_inv_request *r, struct fl_diag *d)
{
    return parse_symptom(text, NULL, r, d);
}

fl_err fl_inv_parse_symptom_arena(const char *text, struct fl_arena *a, struct fl_inv_request *r,
                                  struct fl_diag *d)
{
    if (!a)
        return bad(d, "symptom", "no arena");
    return parse_symptom(text, a, r, d);
}

static const char *adup(struct fl_arena *a, const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *p = fl_arena_strdup(a, s);
    if (!p)
        *ok = false;
    return p;
}

/* Copy the request into the arena and check it; the windows are resolved later. */
static fl_err copy_request(const struct fl_inv_request *req, const struct fl_config *cfg,
                           struct fl_arena *a, struct fl_inv__ctx *c, struct fl_diag *d)
{
    struct fl_inv_request *r = &c->inv->req;
    bool ok = true;
    *r = *req;
    r->selector = adup(a, req->selector, &ok);
    r->kpi = adup(a, req->kpi, &ok);
    r->service = adup(a, req->service, &ok);
    r->operation = adup(a, req->operation, &ok);
    r->title = adup(a, req->title, &ok);
    r->source = adup(a, req->source, &ok);
    if (!ok)
        return arena_err(a);
    if (r->now_ms == 0)
        r->now_ms = fl_time_now_ms();
    switch (r->kind) {
    case FL_INV_SELECTOR:
        if (!r->selector || !*r->selector)
            return bad(d, "selector", "required for a selector symptom");
        c->direction = FL_RANK_BOTH;
        c->inv->symptom = r->selector;
        break;
    case FL_INV_KPI:
        if (!r->kpi || !*r->kpi)
            return bad(d, "kpi", "required for a KPI symptom");
        for (size_t i = 0; cfg && i < cfg->n_kpis; i++)
            if (strcmp(cfg->kpis[i].name, r->kpi) == 0)
                c->kpi = &cfg->kpis[i];
        if (!c->kpi) {
            fl_diag_set(d, FL_EINVAL, 0, 0, "kpi: no KPI named \"%s\" in the configuration",
                        r->kpi);
            fl_diag_field(d, "kpi");
            return FL_EINVAL;
        }
        c->direction = c->kpi->direction == FL_KPI_DIR_UP     ? FL_RANK_UP
                       : c->kpi->direction == FL_KPI_DIR_DOWN ? FL_RANK_DOWN
                       : c->kpi->direction == FL_KPI_DIR_BOTH ? FL_RANK_BOTH
                       : c->kpi->higher_is_better             ? FL_RANK_DOWN
                                                              : FL_RANK_UP;
        c->inv->symptom = fl_inv__fmt(a, "kpi:%s", r->kpi);
        c->sym_component = c->kpi->component;
        break;
    case FL_INV_LATENCY:
        if (!r->service || !*r->service)
            return bad(d, "service", "required for a latency symptom");
        if (r->percentile == 0)
            r->percentile = 99;
        if (!(r->percentile > 0 && r->percentile < 100))
            return bad(d, "percentile", "must lie in (0, 100)");
        c->direction = FL_RANK_UP;
        c->inv->symptom = fl_inv__fmt(a, "latency:%s%s%s@P%g", r->service,
                                      r->operation ? "/" : "", r->operation ? r->operation : "",
                                      r->percentile);
        c->sym_component = fl_inv__component_of_service(cfg, r->service);
        break;
    default:
        return bad(d, "kind", "must be selector (1), kpi (2) or latency (3)");
    }
    if (!c->inv->symptom)
        return arena_err(a);
    if (r->direction < 0 || r->direction > FL_RANK_DOWN)
        return bad(d, "direction", "must be 0 (from the kind), up (1), down (2)");
    if (r->direction == FL_RANK_UP || r->direction == FL_RANK_DOWN)
        c->direction = (enum fl_rank_direction)r->direction;
    int64_t w[4] = {r->baseline_start_ms, r->baseline_end_ms, r->incident_start_ms,
                    r->incident_end_ms};
    static const char *const wn[4] = {"baseline_start_ms", "baseline_end_ms",
                                      "incident_start_ms", "incident_end_ms"};
    for (int i = 0; i < 4; i++)
        if (w[i] < 0)
            return bad(d, wn[i], "must be a time in ms since the epoch, or 0 for the default");
    if (r->onset_ms != FL_TS_NONE && r->onset_ms <= 0)
        return bad(d, "onset_ms", "must be a time in ms since the epoch, or none");
    return FL_OK;
}

/*
 * Fill the windows left 0 from the onset (docs/rca.md "Windows of an investigation") and check
 * their order. The onset must be known.
 */
static fl_err resolve_windows(struct fl_inv__ctx *c, struct fl_diag *d)
{
    struct fl_investigation *inv = c->inv;
    const struct fl_inv_request *r = &inv->req;
    int64_t on = inv->onset_ms;
    int64_t is = r->incident_start_ms ? r->incident_start_ms : on;
    int64_t ie = r->incident_end_ms;
    if (!ie) {
        ie = is + FL_INV_DEFAULT_INCIDENT_MS;
        if (ie > r->now_ms && r->now_ms > is)
            ie = r->now_ms;
    }
    int64_t be = r->baseline_end_ms ? r->baseline_end_ms : is;
    int64_t bs = r->baseline_start_ms ? r->baseline_start_ms
                                      : be - FL_INV_BASELINE_FACTOR * (ie - is);
    if (ie <= is)
        return bad(d, "incident_end_ms", "must be after the incident's start");
    if (be <= bs)
        return bad(d, "baseline_end_ms", "must be after the baseline's start");
    if (be > is)
        return bad(d, "baseline_end_ms", "the baseline must end before the incident starts");
    if (on < is || on >= ie)
        return bad(d, "onset_ms", "must lie inside the incident window");
    inv->baseline_start_ms = bs;
    inv->baseline_end_ms = be;
    inv->incident_start_ms = is;
    inv->incident_end_ms = ie;
    return FL_OK;
}

fl_err fl_inv__windows(struct fl_inv__ctx *c, struct fl_diag *d)
{
    return resolve_windows(c, d);
}

/* ---- ranking the causes ---- */

static void comp_ev(struct fl_inv__comp *k, size_t step, size_t idx)
{
    for (size_t i = 0; i < k->n_ev; i++)
        if (k->ev_step[i] == step && k->ev_idx[i] == idx)
            return;
    if (k->n_ev < sizeof k->ev_idx / sizeof k->ev_idx[0]) {
        k->ev_step[k->n_ev] = step;
        k->ev_idx[k->n_ev] = idx;
        k->n_ev++;
    }
}

/* Link each component to the supporting evidence about it (in step order). */
static void collect_evidence(struct fl_inv__ctx *c)
{
    const struct fl_investigation *inv = c->inv;
    for (size_t s = 0; s < inv->n_steps; s++) {
        const struct fl_inv_step *st = &inv->steps[s];
        for (size_t i = 0; i < st->n_evidence; i++) {
            const struct fl_inv_evidence *e = &st->evidence[i];
            if (!e->supports || !e->component)
                continue;
            struct fl_inv__comp *k = fl_inv__comp_get(c, e->component, false);
            if (k)
                comp_ev(k, s, i);
        }
    }
}

/*
 * The combined score of a component (docs/rca.md "Ranking the causes"): its own signals first
 * (metrics 0.5, traces 0.3, ML evidence 0.3), change events 0.2, a bonus of 0.1 when two kinds
 * of signal agree; only components whose own signals changed qualify.
 */
static double comp_score(const struct fl_inv__comp *k)
{
    double m = k->changed ? k->metric_score : 0;
    double t = k->trace_changed ? fmin(1, fmax(0.2, k->trace_share)) : 0;
    double s = 0.5 * m + 0.3 * t + 0.3 * fmax(k->ml_score, k->mix_score) + 0.2 * k->event_score;
    int kinds = (k->changed ? 1 : 0) + (k->trace_changed ? 1 : 0) +
                (k->ml_score > 0 || k->mix_score > 0 ? 1 : 0);
    if (kinds >= 2)
        s += 0.1;
    return fmin(1, s);
}

/* Signals of its own changed; or nothing observes it (no series, no trace key) and a change
 * was made to it shortly before the onset (event score >= 0.5: within about 14 minutes). */
static bool unobserved_suspect(const struct fl_inv__comp *k)
{
    return !k->in_rank && !k->trace_unchanged && k->event_score >= 0.5;
}

/* The symptom's own component, changed shortly before the onset (a deploy, config, flag,
 * experiment, schema or model change with event score >= 0.5; not a business or calendar event
 * such as a holiday, nor a batch run) while the
 * symptom is confirmed: the symptom is its signal (a business-rules threshold lowered, and the
 * blocked ratio it computes rose). Set by rank_causes. */
static bool symptom_suspect(const struct fl_inv__ctx *c, const struct fl_inv__comp *k)
{
    return c->symptom_changed && c->sym_component && !strcmp(k->name, c->sym_component) &&
           k->change_event_score >= 0.5;
}

static bool is_candidate(const struct fl_inv__comp *k)
{
    return k->changed || k->trace_changed || k->ml_score > 0 || k->wrote || k->mix_score > 0 ||
           k->symptom_suspect ||
           unobserved_suspect(k);
}

/* Whether k's supporting series evidence holds a connection-pool series that names the
 * component `pool_of` as a label value (pool="user-features-db"). */
static bool pool_series_for(const struct fl_inv__ctx *c, const struct fl_inv__comp *k,
                            const char *pool_of)
{
    const struct fl_investigation *inv = c->inv;
    char want[160];
    snprintf(want, sizeof want, "=\"%s\"", pool_of);
    for (size_t s = 0; s < inv->n_steps; s++)
        for (size_t x = 0; x < inv->steps[s].n_evidence; x++) {
            const struct fl_inv_evidence *ev = &inv->steps[s].evidence[x];
            if (!ev->supports || !ev->component || strcmp(ev->component, k->name) != 0 ||
                ev->kind != FL_INV_EV_SERIES || !ev->ref)
                continue;
            const char *sk = fl_inv__series_kind(ev->ref);
            if (sk && !strcmp(sk, "connection_pool") && strstr(ev->ref, want))
                return true;
        }
    return false;
}

/* Whether every trace key that changed for k is a call edge (time seen by the caller), none an
 * operation of k's own. */
static bool caller_side_only(const struct fl_inv__ctx *c, const struct fl_inv__comp *k)
{
    const struct fl_investigation *inv = c->inv;
    size_t n = 0;
    for (size_t s = 0; s < inv->n_steps; s++)
        for (size_t x = 0; x < inv->steps[s].n_evidence; x++) {
            const struct fl_inv_evidence *ev = &inv->steps[s].evidence[x];
            if (ev->kind != FL_INV_EV_TRACE_KEY || !ev->supports || !ev->component ||
                strcmp(ev->component, k->name) != 0)
                continue;
            if (!ev->ref || strncmp(ev->ref, "edge:", 5) != 0)
                return false;
            n++;
        }
    return n > 0;
}

/*
 * A call that got slower only as its caller sees it (the callee's time is the caller's client
 * span: a database or any callee without server spans of its own), while the caller's
 * connection pool for that callee saturated no later than the callee changed: the time is spent
 * waiting for a pooled connection in the caller, and the callee inherits it (its request rate
 * falls because fewer calls get through). docs/rca.md "Waiting in the caller's pool".
 */
static void pool_wait_links(struct fl_inv__ctx *c)
{
    for (size_t i = 0; i < c->n_comps; i++) {
        struct fl_inv__comp *k = &c->comps[i];
        if (!k->trace_changed || k->explained_by >= 0 || !caller_side_only(c, k))
            continue;
        for (size_t p = 0; p < c->n_comps; p++) {
            const struct fl_inv__comp *q = &c->comps[p];
            if (p == i || !q->changed || !fl_inv__upstream(c, k->name, q->name))
                continue;
            /* the pool saturated strictly first: a callee that slowed down itself (lock
             * waits) fills its callers' pools at once, and then it is the cause */
            if (k->changed && k->first_ms > 0 && (q->first_ms <= 0 || q->first_ms >= k->first_ms))
                continue;
            if (q->explained_by == (long)i || !pool_series_for(c, q, k->name))
                continue;
            k->explained_by = (long)p;
            break;
        }
    }
}

/* New traffic came in at the entry of the symptom's path (inv_ml.c new_segment_evidence):
 * what changed on the path from the onset on (upstream of the entry) inherits from it. */
static void new_traffic_links(struct fl_inv__ctx *c)
{
    long ent = -1;
    for (size_t i = 0; i < c->n_comps && ent < 0; i++)
        if (c->comps[i].new_traffic)
            ent = (long)i;
    if (ent < 0)
        return;
    for (size_t i = 0; i < c->n_comps; i++) {
        struct fl_inv__comp *k = &c->comps[i];
        if ((long)i == ent || k->explained_by >= 0 || !(k->changed || k->trace_changed))
            continue;
        if (!fl_inv__upstream(c, k->name, c->comps[ent].name))
            continue;
        if (k->changed && k->first_ms > 0 && k->first_ms < c->inv->onset_ms)
            continue;
        k->explained_by = ent;
    }
}

/* A data store whose change a batch job's run wrote (inv_steps.c lineage) inherits it from the
 * job, which takes the store's series evidence (what changed in the data it wrote). */
static void lineage_links(struct fl_inv__ctx *c)
{
    const struct fl_investigation *inv = c->inv;
    for (size_t i = 0; i < c->n_comps; i++) {
        struct fl_inv__comp *k = &c->comps[i];
        long w = k->written_by;
        if (w < 0 || (size_t)w >= c->n_comps || (size_t)w == i || k->explained_by >= 0)
            continue;
        struct fl_inv__comp *j = &c->comps[w];
        j->wrote = true;
        k->explained_by = w;
        for (size_t e = 0; e < k->n_ev; e++) {
            size_t s = k->ev_step[e], x = k->ev_idx[e];
            if (s < inv->n_steps && x < inv->steps[s].n_evidence &&
                inv->steps[s].evidence[x].kind == FL_INV_EV_SERIES)
                comp_ev(j, s, x);
        }
    }
}

static int cmp_cause(const void *x, const void *y)
{
    const struct fl_inv_cause *a = x, *b = y;
    return a->score < b->score ? 1 : a->score > b->score ? -1 : strcmp(a->component, b->component);
}

static fl_err rank_causes(struct fl_inv__ctx *c)
{
    struct fl_investigation *inv = c->inv;
    collect_evidence(c);
    lineage_links(c);
    pool_wait_links(c);
    new_traffic_links(c);
    for (size_t i = 0; i < c->n_comps; i++)
        c->comps[i].symptom_suspect = symptom_suspect(c, &c->comps[i]);
    size_t n = 0;
    for (size_t i = 0; i < c->n_comps; i++)
        n += is_candidate(&c->comps[i]);
    if (n == 0)
        return FL_OK;
    struct fl_inv_cause *cs = fl_arena_calloc(c->a, n, sizeof *cs);
    double *score = fl_calloc(c->n_comps, sizeof *score);
    if (!cs || !score) {
        fl_free(score);
        return cs ? FL_ENOMEM : arena_err(c->a);
    }
    for (size_t i = 0; i < c->n_comps; i++)
        score[i] = comp_score(&c->comps[i]);
    /* the job that wrote a store's change, and the entry where new traffic came in, score at
     * least what they explain */
    for (size_t i = 0; i < c->n_comps; i++) {
        long w = c->comps[i].explained_by;
        if (w < 0 || (size_t)w >= c->n_comps || (size_t)w == i)
            continue;
        if ((c->comps[i].written_by == w || c->comps[w].new_traffic) && score[w] < score[i])
            score[w] = score[i];
    }
    /* Traces say where the time went. A component whose own critical-path time did not change
     * (trace_unchanged) while another component's trace key explains most of the change
     * (share >= 0.5) only passes that latency on: its changed metrics (its request latency
     * includes its calls) are inherited from that component. Without this a caller's own latency
     * histogram, the symptom itself, outranked the callee the traces point at. */
    long top = -1;
    for (size_t i = 0; i < c->n_comps; i++)
        if (c->comps[i].trace_changed && c->comps[i].trace_share >= 0.5 &&
            c->comps[i].explained_by < 0 && (top < 0 || c->comps[i].trace_share > c->comps[top].trace_share))
            top = (long)i;
    for (size_t i = 0; top >= 0 && i < c->n_comps; i++) {
        struct fl_inv__comp *k = &c->comps[i];
        if ((long)i != top && k->trace_unchanged && !k->trace_changed && k->explained_by < 0)
            k->explained_by = top;
    }
    /* A job whose freshness check went late upstream of a changed component, no later than that
     * change started, accounts for it: stale inputs made it change (a feature table's age, a
     * model's output). Its own metrics may show nothing (a cron that stopped runs nothing). */
    for (size_t i = 0; i < c->n_comps; i++) {
        struct fl_inv__comp *k = &c->comps[i];
        if (!k->changed || k->stale || k->explained_by >= 0)
            continue;
        for (size_t u = 0; u < c->n_comps; u++) {
            const struct fl_inv__comp *up = &c->comps[u];
            if (u == i || !up->stale || !fl_inv__upstream(c, up->name, k->name))
                continue;
            if (up->stale_since_ms != FL_TS_NONE && k->first_ms > 0 &&
                up->stale_since_ms > k->first_ms)
                continue;
            k->explained_by = (long)u;
            break;
        }
    }
    /* An inherited component ranks below the dependency its change came from: its score is
     * capped at 0.9 of that one's (transitively, so chains keep their order). */
    for (size_t pass = 0; pass < c->n_comps; pass++) {
        bool moved = false;
        for (size_t i = 0; i < c->n_comps; i++) {
            long e = c->comps[i].explained_by;
            if (e < 0 || (size_t)e >= c->n_comps || (size_t)e == i)
                continue;
            if (score[i] > 0.9 * score[e]) {
                score[i] = 0.9 * score[e];
                moved = true;
            }
        }
        if (!moved)
            break;
    }
    size_t j = 0;
    for (size_t i = 0; i < c->n_comps; i++) {
        const struct fl_inv__comp *k = &c->comps[i];
        if (!is_candidate(k))
            continue;
        struct fl_inv_cause *x = &cs[j++];
        x->component = k->name;
        x->component_kind = k->kind;
        x->score = score[i];
        bool signals = k->changed || k->trace_changed || k->ml_score > 0;
        const char *how = k->changed && k->trace_changed ? "its metrics and its trace time changed"
                          : k->changed       ? "its metrics changed"
                          : k->trace_changed ? "its trace time changed"
                          : k->ml_score > 0  ? "its ML evidence (drift, traffic, freshness) "
                                               "changed"
                          : k->wrote ? "a run of it wrote the change of a data store it feeds"
                          : k->new_traffic ? "new traffic came in through it"
                          : k->symptom_suspect ? "the symptom is its own signal, and it was "
                                                 "changed shortly before the onset"
                          : k->mix_score > 0 ? "its traffic's mix of segments shifted"
                                             : "nothing observes it, and it was changed shortly "
                                               "before the onset";
        const struct fl_inv__comp *by = k->explained_by >= 0 ? &c->comps[k->explained_by] : NULL;
        if (by && by->new_traffic)
            x->summary = fl_inv__fmt(c->a, "%s: %s, but the new traffic that came in through "
                                           "%s accounts for it (inherited)",
                                     k->name, how, by->name);
        else if (by && !fl_inv__upstream(c, by->name, k->name) &&
                 fl_inv__upstream(c, k->name, by->name))
            x->summary = fl_inv__fmt(c->a, "%s: %s, but a change of %s, which calls it, "
                                           "accounts for it (inherited)",
                                     k->name, how, by->name);
        else if (by)
            x->summary = fl_inv__fmt(c->a, "%s: %s, but a change of %s, which it depends on, "
                                           "accounts for it (inherited)",
                                     k->name, how, by->name);
        else
            x->summary = fl_inv__fmt(c->a, "%s: %s%s%s", k->name, how,
                                     k->n_explains ? ", first among the changed components" : "",
                                     k->event_score >= 0.3 && signals
                                         ? ", after a change event on it or upstream"
                                         : "");
        x->evidence = fl_arena_calloc(c->a, k->n_ev ? k->n_ev : 1, sizeof *x->evidence);
        x->evidence_step = fl_arena_calloc(c->a, k->n_ev ? k->n_ev : 1, sizeof *x->evidence);
        if (!x->summary || !x->evidence || !x->evidence_step) {
            fl_free(score);
            return arena_err(c->a);
        }
        for (size_t e = 0; e < k->n_ev; e++) {
            x->evidence[e] = k->ev_idx[e];
            x->evidence_step[e] = k->ev_step[e];
        }
        x->n_evidence = k->n_ev;
    }
    fl_free(score);
    qsort(cs, n, sizeof *cs, cmp_cause);
    inv->causes = cs;
    inv->n_causes = n;
    for (size_t i = 0; i < n; i++)
        fl_inv__classify(c, &cs[i]);
    return FL_OK;
}

/*
 * A finding on the path confirms a marginal symptom (docs/rca.md): the symptom stayed short of its
 * bar but within the wider one (c->sym_marginal), and on its path, within the windows, either a
 * batch job (or the symptom's own component) went late (its freshness check, ml_evidence; a job
 * late since before the baseline explains no change), or a component it depends on changed
 * significantly from the incident's start (rank_metrics; the symptom's own component is not
 * counted, its series may be the symptom's own). Two independent findings agree, as in rank.h's
 * corroboration. Sets *by to the finding in words (arena), or NULL when none confirms it.
 */
static fl_err marginal_confirmed_by(const struct fl_inv__ctx *c, const char **by)
{
    const struct fl_investigation *inv = c->inv;
    *by = NULL;
    if (!c->symptom_checked || c->symptom_changed || !c->sym_marginal || c->broken ||
        !c->sym_component)
        return FL_OK;
    for (size_t i = 0; i < c->n_comps; i++) {
        const struct fl_inv__comp *k = &c->comps[i];
        if (k->stale && k->stale_since_ms != FL_TS_NONE &&
            k->stale_since_ms >= inv->baseline_start_ms &&
            k->stale_since_ms < inv->incident_end_ms &&
            (strcmp(k->name, c->sym_component) == 0 ||
             fl_inv__upstream(c, k->name, c->sym_component))) {
            *by = fl_inv__fmt(c->a, "the late job %s on its path (ml_evidence)", k->name);
            return *by ? FL_OK : arena_err(c->a);
        }
    }
    const struct fl_inv__comp *best = NULL;
    for (size_t i = 0; i < c->n_comps; i++) {
        const struct fl_inv__comp *k = &c->comps[i];
        if (k->changed && k->first_ms >= inv->incident_start_ms &&
            k->first_ms < inv->incident_end_ms && strcmp(k->name, c->sym_component) != 0 &&
            fl_inv__upstream(c, k->name, c->sym_component) &&
            (!best || k->metric_score > best->metric_score))
            best = k;
    }
    if (!best)
        return FL_OK;
    *by = fl_inv__fmt(c->a, "a significant change of %s on its path (rank_metrics)", best->name);
    return *by ? FL_OK : arena_err(c->a);
}

/* Mark verify_symptom as found, saying what confirmed the symptom. */
static fl_err confirm_symptom(struct fl_inv__ctx *c, const char *by)
{
    struct fl_investigation *inv = c->inv;
    c->symptom_changed = true;
    for (size_t i = 0; i < inv->n_steps; i++) {
        struct fl_inv_step *st = &inv->steps[i];
        if (strcmp(st->name, "verify_symptom") != 0)
            continue;
        st->status = FL_INV_STEP_FOUND;
        st->summary = fl_inv__fmt(c->a, "the symptom %s, and %s agrees: confirmed",
                                  c->sym_marginal_text, by);
        if (!st->summary)
            return arena_err(c->a);
    }
    return FL_OK;
}

static fl_err verdict(struct fl_inv__ctx *c)
{
    struct fl_investigation *inv = c->inv;
    const char *by;
    fl_err e = marginal_confirmed_by(c, &by);
    if (e == FL_OK && by)
        e = confirm_symptom(c, by);
    if (e != FL_OK)
        return e;
    if (c->broken) {
        inv->verdict = FL_INV_BROKEN_METRIC;
        inv->verdict_text = "the symptom's own measurement is broken (see verify_symptom): fix "
                            "the measurement before looking for a cause";
    } else if (c->symptom_checked && !c->symptom_changed) {
        inv->verdict = FL_INV_NO_SYMPTOM;
        inv->verdict_text = "the symptom did not change significantly: no significant change "
                            "was found and no cause is named";
    } else {
        if ((e = rank_causes(c)) != FL_OK)
            return e;
        if (inv->n_causes > 0) {
            inv->verdict = FL_INV_CAUSES;
            inv->verdict_text = fl_inv__fmt(c->a, "%zu candidate cause%s; most likely %s "
                                                  "(score %.2f)%s%s",
                                            inv->n_causes, inv->n_causes == 1 ? "" : "s",
                                            inv->causes[0].component, inv->causes[0].score,
                                            by ? "; the symptom, marginal alone, is "
                                                 "confirmed by "
                                               : "",
                                            by ? by : "");
        } else {
            inv->verdict = FL_INV_NO_CAUSE;
            inv->verdict_text = "the symptom changed, but no component's signals changed beyond "
                                "noise: no cause is named";
        }
    }
    if (inv->n_causes == 0) {
        inv->causes = NULL;
    }
    return inv->verdict_text ? FL_OK : arena_err(c->a);
}

static void derive_id(struct fl_investigation *inv)
{
    uint64_t h = 1469598103934665603ULL;
    const char *s = inv->symptom ? inv->symptom : "";
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    int64_t v[3] = {inv->onset_ms, inv->incident_end_ms, inv->created_ms};
    for (int i = 0; i < 3; i++)
        for (int b = 0; b < 8; b++)
            h = (h ^ (((uint64_t)v[i] >> (8 * b)) & 0xff)) * 1099511628211ULL;
    snprintf(inv->id, sizeof inv->id, "inv_%016llx", (unsigned long long)h);
}

static fl_err run_steps(struct fl_inv__ctx *c, struct fl_diag *d)
{
    fl_err e = fl_inv__verify_symptom(c, d);
    if (e != FL_OK)
        return e;
    /* The topology's components and edges, before any step adds what the data shows. */
    for (size_t i = 0; c->cfg && i < c->cfg->n_components; i++) {
        const struct fl_component *k = &c->cfg->components[i];
        if (!fl_inv__comp_get(c, k->name, true))
            return FL_ENOMEM;
        for (size_t j = 0; j < k->n_depends_on; j++)
            if ((e = fl_inv__edge_add(c, k->name, k->depends_on[j])) != FL_OK)
                return e;
    }
    if ((e = fl_inv__load_traces(c)) != FL_OK)
        return e;
    if ((e = fl_inv__localize_segments(c)) != FL_OK)
        return e;
    if ((e = fl_inv__rank_metrics(c)) != FL_OK)
        return e;
    if ((e = fl_inv__ml_evidence(c)) != FL_OK)
        return e;
    if ((e = fl_inv__trace_evidence(c)) != FL_OK)
        return e;
    if ((e = fl_inv__change_events(c)) != FL_OK)
        return e;
    return verdict(c);
}

fl_err fl_investigate(struct fl_store *s, const struct fl_config *cfg,
                      const struct fl_inv_request *req, struct fl_arena *a,
                      struct fl_investigation *out, struct fl_diag *d)
{
    if (!out || !a)
        return FL_EINVAL;
    memset(out, 0, sizeof *out);
    if (!s || !req)
        return bad(d, !s ? "store" : "request", "missing");
    int64_t t0 = fl_inv__mono_ns();
    struct fl_inv__ctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.cfg = cfg;
    c.a = a;
    c.inv = out;
    c.run_start_ns = t0;
    fl_err e = copy_request(req, cfg, a, &c, d);
    if (e != FL_OK)
        goto out;
    out->created_ms = out->req.now_ms;
    out->onset_ms = out->req.onset_ms;
    /* An incident window given without an onset starts at the onset: nothing to detect. */
    if (out->onset_ms == FL_TS_NONE && out->req.incident_start_ms)
        out->onset_ms = out->req.incident_start_ms;
    if (out->onset_ms != FL_TS_NONE && (e = resolve_windows(&c, d)) != FL_OK)
        goto out;
    out->steps = fl_arena_calloc(a, INV_MAX_STEPS, sizeof *out->steps);
    if (!out->steps) {
        e = arena_err(a);
        goto out;
    }
    e = run_steps(&c, d);
    if (e != FL_OK)
        goto out;
    derive_id(out);
    out->elapsed_ms = (double)(fl_inv__mono_ns() - t0) / 1e6;
out:
    fl_trace_window_free(c.wb);
    fl_trace_window_free(c.wi);
    fl_trace_syms_free(c.y);
    fl_free(c.comps);
    fl_free(c.edges);
    return e;
}
