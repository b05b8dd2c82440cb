/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.c: services, nodes and network links shared by the request-driven systems. A service is
 * an M/M/c station (sim_station) with a latency histogram, request counters, CPU seconds from its
 * busy time, and memory. A node's CPU is the sum of its pods' busy time over its cores plus, under
 * a noisy neighbour, a foreign pod's share, which also slows every pod on the node. A link counts
 * packets and retransmissions and reports its RTT: packet loss on one edge shows up there.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

const double sim_lat_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15,
                                  0.25,  0.5,  1.0,   2.5};
const size_t sim_n_lat_buckets = sizeof(sim_lat_buckets) / sizeof(sim_lat_buckets[0]);

bool sim_svc_init(struct sim_world *w, struct sim_svc *s, const char *name, size_t node,
                  unsigned servers, const char *hist_name)
{
    char inst[96], lb[128];
    memset(s, 0, sizeof(*s));
    s->name = name;
    s->node = node;
    s->st.c = servers;
    snprintf(inst, sizeof(inst), "%s:9100", name);
    s->target = sim_target(&w->m, name, inst, name);
    snprintf(lb, sizeof(lb), "service=\"%s\",code=\"200\"", name);
    s->s_req_ok = sim_series_new(&w->m, "http_server_requests", SIM_COUNTER,
                                 "Requests served, by status code.", NULL, s->target, lb);
    snprintf(lb, sizeof(lb), "service=\"%s\",code=\"503\"", name);
    s->s_req_err = sim_series_new(&w->m, "http_server_requests", SIM_COUNTER,
                                  "Requests served, by status code.", NULL, s->target, lb);
    snprintf(lb, sizeof(lb), "service=\"%s\"", name);
    s->s_cpu = sim_series_new(&w->m, "container_cpu_usage_seconds", SIM_COUNTER,
                              "CPU time used by the container.", NULL, s->target, lb);
    s->s_mem = sim_series_new(&w->m, "container_memory_working_set_bytes", SIM_GAUGE,
                              "Working set of the container.", NULL, s->target, lb);
    s->s_restarts = sim_series_new(&w->m, "kube_pod_container_status_restarts", SIM_COUNTER,
                                   "Container restarts.", NULL, s->target, lb);
    s->s_start = sim_series_new(&w->m, "process_start_time_seconds", SIM_GAUGE,
                                "Start time of the process (unix s).", NULL, s->target, lb);
    s->mem_base = 2.5e8 + (double)(sim_hash(name) % 1000) * 1e6;
    /* Deployed some days before the run. */
    s->start_time_s = (double)(w->o.start_ms / 1000 - 86400 * (int64_t)(2 + sim_hash(name) % 5));
    if (s->s_req_ok == SIZE_MAX || s->s_req_err == SIZE_MAX || s->s_cpu == SIZE_MAX ||
        s->s_mem == SIZE_MAX || s->s_restarts == SIZE_MAX || s->s_start == SIZE_MAX)
        return false;
    return sim_hist_new(&w->m, &s->lat, hist_name, "Server-side request duration.", s->target, lb,
                        sim_lat_buckets, sim_n_lat_buckets);
}

void sim_svc_record(struct sim_world *w, struct sim_svc *s, size_t tick)
{
    struct sim_rng r;
    sim_rng_at(&r, w->o.seed, sim_hash(s->name), tick, 0x5eed);
    double step_s = (double)w->o.step_ms / 1000.0;
    s->cpu_s += s->busy_s + step_s * (0.04 + 0.01 * fabs(sim_rng_norm(&r)));
    sim_put(&w->m, s->s_req_ok, tick, s->req_ok);
    sim_put(&w->m, s->s_req_err, tick, s->req_err);
    sim_put(&w->m, s->s_cpu, tick, s->cpu_s);
    sim_put(&w->m, s->s_mem, tick,
            floor(s->mem_base * (1.0 + 0.02 * sim_rng_norm(&r) + 0.05 * s->busy_s / step_s)));
    sim_put(&w->m, s->s_restarts, tick, s->restarts);
    sim_put(&w->m, s->s_start, tick, s->start_time_s);
    sim_hist_record(&w->m, &s->lat, tick);
}

void sim_svc_restart(struct sim_svc *s, int64_t t_ms)
{
    s->restarts += 1;
    s->start_time_s = (double)(t_ms / 1000);
    s->req_ok = s->req_err = s->cpu_s = 0;
    memset(s->lat.cum, 0, sizeof(s->lat.cum));
    s->lat.sum = s->lat.count = 0;
}

bool sim_node_init(struct sim_world *w, struct sim_node *n, const char *name, double cores)
{
    char inst[96], lb[96];
    memset(n, 0, sizeof(*n));
    n->name = name;
    n->cores = cores;
    snprintf(inst, sizeof(inst), "%s:9100", name);
    n->target = sim_target(&w->m, "node-exporter", inst, name);
    snprintf(lb, sizeof(lb), "node=\"%s\"", name);
    n->s_cpu = sim_series_new(&w->m, "node_cpu_utilisation_ratio", SIM_GAUGE,
                              "Share of the node's CPU in use.", NULL, n->target, lb);
    n->s_load = sim_series_new(&w->m, "node_load1", SIM_GAUGE, "1-minute load average.", NULL,
                               n->target, lb);
    n->s_ctx = sim_series_new(&w->m, "node_context_switches", SIM_COUNTER, "Context switches.",
                              NULL, n->target, lb);
    return n->s_cpu != SIZE_MAX && n->s_load != SIZE_MAX && n->s_ctx != SIZE_MAX;
}

double sim_node_slowdown(const struct sim_world *w, const char *node, int64_t t_ms)
{
    if (!sim_fault_on(&w->fault, SIM_F_NOISY_NEIGHBOUR, t_ms) || strcmp(w->fault.target, node))
        return 1.0;
    return 1.0 + 4.0 * w->fault.size; /* CPU steal and a thrashed cache */
}

void sim_node_record(struct sim_world *w, struct sim_node *n, double pods_busy_s, size_t tick)
{
    struct sim_rng r;
    sim_rng_at(&r, w->o.seed, sim_hash(n->name), tick, 0x40de);
    double step_s = (double)w->o.step_ms / 1000.0;
    int64_t t = sim_tick_ms(w, tick);
    double steal = 0;
    if (sim_fault_on(&w->fault, SIM_F_NOISY_NEIGHBOUR, t) && !strcmp(w->fault.target, n->name))
        steal = 0.35 + 0.6 * w->fault.size * (0.9 + 0.1 * sim_rng_unif(&r));
    double sys = 0.06 + 0.01 * sim_rng_norm(&r);
    double u = pods_busy_s / step_s / n->cores + sys + steal;
    if (u > 1)
        u = 1;
    if (u < 0)
        u = 0;
    double load = u * n->cores * (1.0 + 0.1 * fabs(sim_rng_norm(&r))) + (steal > 0 ? 2.0 : 0.0);
    n->ctx += step_s * (2000.0 + 8000.0 * u) * (1.0 + 0.05 * sim_rng_norm(&r));
    sim_put(&w->m, n->s_cpu, tick, round(u * 1e4) / 1e4);
    sim_put(&w->m, n->s_load, tick, round(load * 100) / 100);
    sim_put(&w->m, n->s_ctx, tick, floor(n->ctx));
}

bool sim_link_init(struct sim_world *w, struct sim_link *l, const char *caller,
                   const char *callee, size_t net_target)
{
    char lb[160];
    memset(l, 0, sizeof(*l));
    l->caller = caller;
    l->callee = callee;
    l->target = net_target;
    snprintf(l->label, sizeof(l->label), "%s->%s", caller, callee);
    snprintf(lb, sizeof(lb), "network=\"cluster\",link=\"%s\"", l->label);
    l->s_rtt = sim_series_new(&w->m, "net_link_rtt_seconds", SIM_GAUGE,
                              "Mean TCP round-trip time on the link.", "seconds", net_target, lb);
    l->s_pkts = sim_series_new(&w->m, "net_link_packets", SIM_COUNTER, "Packets sent on the link.",
                               NULL, net_target, lb);
    l->s_retrans = sim_series_new(&w->m, "net_link_retransmits", SIM_COUNTER,
                                  "TCP retransmissions on the link.", NULL, net_target, lb);
    return l->s_rtt != SIZE_MAX && l->s_pkts != SIZE_MAX && l->s_retrans != SIZE_MAX;
}

bool sim_link_call(struct sim_link *l, struct sim_rng *r, double *rtt_s)
{
    double u = sim_rng_unif(r);
    double rtt = sim_rng_lognorm(r, 0.0006, 0.3);
    double ur = sim_rng_unif(r);
    bool lost = u < l->loss_p;
    l->packets += 6;
    if (lost)
        l->retrans += 4;
    else if (l->loss_p > 0 && ur < l->loss_p) {
        /* A lost segment recovered by TCP in time: slower, not failed. */
        l->retrans += 1;
        rtt += 0.2 * 0.05;
    }
    l->rtt_sum += rtt;
    l->rtt_n++;
    *rtt_s = rtt;
    return lost;
}

void sim_link_record(struct sim_world *w, struct sim_link *l, size_t tick)
{
    double rtt = l->rtt_n ? l->rtt_sum / l->rtt_n : 0.0006;
    if (l->loss_p > 0)
        rtt *= 1.0 + 4.0 * l->loss_p; /* queueing in retransmit timers */
    sim_put(&w->m, l->s_rtt, tick, round(rtt * 1e7) / 1e7);
    sim_put(&w->m, l->s_pkts, tick, l->packets);
    sim_put(&w->m, l->s_retrans, tick, l->retrans);
    l->rtt_sum = 0;
    l->rtt_n = 0;
}

bool sim_plant_init(struct sim_world *w, struct sim_plant *p, const struct sim_node_spec *nodes,
                    size_t n_nodes, const struct sim_svc_spec *svc, size_t n_svc,
                    const struct sim_link_spec *links, size_t n_links)
{
    if (n_nodes > SIM_MAX_NODES || n_svc > SIM_MAX_SVC || n_links > SIM_MAX_LINKS)
        return false;
    p->n_nodes = n_nodes;
    p->n_svc = n_svc;
    p->n_links = n_links;
    bool ok = true;
    for (size_t i = 0; i < n_nodes && ok; i++)
        ok = sim_node_init(w, &p->nodes[i], nodes[i].name, nodes[i].cores);
    for (size_t i = 0; i < n_svc && ok; i++)
        ok = sim_svc_init(w, &p->svc[i], svc[i].name, svc[i].node, svc[i].servers,
                          svc[i].hist_name);
    if (!ok)
        return false;
    p->net_target = sim_target(&w->m, "netobserv", "netobserv:9400", "network");
    for (size_t i = 0; i < n_links && ok; i++)
        ok = sim_link_init(w, &p->links[i], links[i].caller, links[i].callee, p->net_target);
    return ok;
}

const char *sim_plant_node_of(const struct sim_plant *p, const char *service)
{
    for (size_t i = 0; i < p->n_svc; i++)
        if (!strcmp(p->svc[i].name, service))
            return p->nodes[p->svc[i].node].name;
    return NULL;
}

void sim_plant_emit_spans(struct sim_world *w, const struct sim_plant *p, struct sim_span *spans,
                          size_t n, const uint8_t trace_id[16])
{
    for (size_t j = 0; j < n; j++) {
        memcpy(spans[j].trace_id, trace_id, 16);
        spans[j].node = sim_plant_node_of(p, spans[j].service);
        sim_span_emit(&w->sink, &spans[j]);
    }
}

void sim_plant_record(struct sim_world *w, struct sim_plant *p, const double *busy,
                      const double *node_busy, size_t tick)
{
    for (size_t i = 0; i < p->n_svc; i++) {
        p->svc[i].busy_s = busy[i];
        sim_svc_record(w, &p->svc[i], tick);
    }
    for (size_t i = 0; i < p->n_nodes; i++)
        sim_node_record(w, &p->nodes[i], node_busy[i], tick);
    for (size_t i = 0; i < p->n_links; i++)
        sim_link_record(w, &p->links[i], tick);
}

void sim_step_traffic(struct sim_world *w, struct sim_step *s, size_t tick, const char *stream,
                      double rate, uint32_t *n, uint32_t *n_extra)
{
    const struct sim_fault *flt = &w->fault;
    double step_s = (double)w->o.step_ms / 1000.0;
    s->tick = tick;
    s->t = sim_tick_ms(w, tick);
    struct sim_rng r;
    sim_rng_at(&r, w->o.seed, SIM_STREAM(stream), tick, 0);
    double lambda = rate * sim_daily_shape(s->t) * exp(0.04 * sim_rng_norm(&r));
    bool flood = sim_fault_on(flt, SIM_F_NEW_CATEGORY_FLOOD, s->t);
    *n = sim_rng_poisson(&r, lambda * step_s);
    *n_extra = flood ? sim_rng_poisson(&r, lambda * flt->size * step_s) : 0;
    s->lam = (*n + *n_extra) / step_s;
}

void sim_step_conditions(struct sim_world *w, struct sim_plant *p, struct sim_step *s, uint32_t n,
                         double pool_cap, double leak_base, double leak_per_size,
                         const char *version)
{
    const struct sim_fault *flt = &w->fault;
    int64_t t = s->t;
    for (size_t i = 0; i < p->n_svc; i++)
        s->slow[i] = sim_node_slowdown(w, p->nodes[p->svc[i].node].name, t);
    s->thr = sim_fault_on(flt, SIM_F_CPU_THROTTLING, t) ? 1.0 + 2.5 * flt->size : 1.0;
    s->lock = sim_fault_on(flt, SIM_F_DB_LOCK_CONTENTION, t) ? flt->size : 0;
    for (size_t i = 0; i < p->n_links; i++)
        p->links[i].loss_p = 0;
    /* A leak takes connections and never gives them back. */
    s->pool_size = pool_cap;
    s->leaked = 0;
    if (sim_fault_on(flt, SIM_F_POOL_EXHAUSTION, t)) {
        double mins = (double)(t - flt->onset_ms) / 60000.0;
        s->leaked = fmin(pool_cap, floor(mins * (leak_base + leak_per_size * flt->size)));
        s->pool_size = pool_cap - s->leaked;
    }
    s->pool = (struct sim_station){.c = (unsigned)s->pool_size};
    s->regress = sim_fault_on(flt, SIM_F_MODEL_REGRESSION, t);
    s->version = s->regress ? flt->detail : version;
    s->p_trace = w->o.traces_per_tick / (n > 0 ? n : 1);
    s->p_log = w->o.logs_per_tick / (n > 0 ? n : 1);
}

int64_t sim_step_t0_ns(const struct sim_world *w, const struct sim_step *s, struct sim_rng *r)
{
    return (s->t + (int64_t)(sim_rng_unif(r) * (double)w->o.step_ms)) * 1000000;
}

bool sim_model_srv_init(struct sim_world *w, struct sim_model_srv *ms, struct sim_svc *svc,
                        struct sim_link *link, const char *model, double cpu_s, double timeout_s,
                        const char *crash_stream, const char *cgroup_stream)
{
    char lb[160];
    memset(ms, 0, sizeof(*ms));
    ms->svc = svc;
    ms->link = link;
    ms->cpu_s = cpu_s;
    ms->timeout_s = timeout_s;
    ms->crash_stream = crash_stream;
    ms->cgroup_stream = cgroup_stream;
    snprintf(lb, sizeof(lb), "service=\"%s\"", svc->name);
    ms->s_throttled = sim_series_new(&w->m, "container_cpu_cfs_throttled_periods", SIM_COUNTER,
                                     "CFS periods in which the container was throttled.", NULL,
                                     svc->target, lb);
    static const char *const codes[2] = {"ok", "unavailable"};
    for (int i = 0; i < 2; i++) {
        snprintf(lb, sizeof(lb), "service=\"%s\",model=\"%s\",code=\"%s\"", svc->name, model,
                 codes[i]);
        ms->s_req[i] = sim_series_new(&w->m, "model_requests", SIM_COUNTER,
                                      "Predictions served.", NULL, svc->target, lb);
    }
    return ms->s_throttled != SIZE_MAX && ms->s_req[0] != SIZE_MAX && ms->s_req[1] != SIZE_MAX;
}

/* Crash loop: a crash every few minutes, 20-40 s down, then a minute of cold caches. */
static void model_srv_restarts(struct sim_world *w, struct sim_model_srv *ms, size_t tick,
                               int64_t t)
{
    const struct sim_fault *flt = &w->fault;
    if (!sim_fault_on(flt, SIM_F_MODEL_SERVER_RESTARTS, t))
        return;
    struct sim_rng rr;
    sim_rng_at(&rr, w->o.seed, SIM_STREAM(ms->crash_stream), tick, 0);
    if (ms->next_crash == 0)
        ms->next_crash = flt->onset_ms;
    if (t >= ms->next_crash) {
        sim_svc_restart(ms->svc, t);
        ms->req[0] = ms->req[1] = 0; /* the server's own counters */
        ms->down_until = t + 20000 + (int64_t)(sim_rng_unif(&rr) * 20000);
        ms->cold_until = ms->down_until + 60000;
        ms->next_crash = t + (int64_t)((10.0 - 8.0 * flt->size) * 60000.0 *
                                       (0.7 + 0.6 * sim_rng_unif(&rr)));
    }
}

void sim_model_srv_step(struct sim_world *w, struct sim_model_srv *ms, const struct sim_step *s)
{
    const struct sim_fault *flt = &w->fault;
    double step_s = (double)w->o.step_ms / 1000.0;
    bool throttled = sim_fault_on(flt, SIM_F_CPU_THROTTLING, s->t);
    struct sim_rng rc;
    sim_rng_at(&rc, w->o.seed, SIM_STREAM(ms->cgroup_stream), s->tick, 0);
    double base = 0.2 * (1.0 + 0.3 * sim_rng_norm(&rc));
    ms->throttled += step_s * (fmax(base, 0) + (throttled ? 8.0 * (0.5 + flt->size) : 0));
    model_srv_restarts(w, ms, s->tick, s->t);
}

void sim_model_srv_call(struct sim_model_srv *ms, struct sim_rng *rn, struct sim_rng *rm,
                        int64_t now_ms, double *busy_s, struct sim_model_call *out)
{
    out->lost = sim_link_call(ms->link, rn, &out->rtt);
    bool reply_lost = sim_rng_unif(rn) < 0.5; /* a lost packet on the way back, not there */
    out->ml = sim_station_latency(&ms->svc->st, rm, 0.3);
    out->down = now_ms < ms->down_until;
    bool cold = now_ms < ms->cold_until;
    if (!out->down && cold)
        out->ml *= 3.0;
    out->took = out->down   ? 0.002
                : out->lost ? ms->timeout_s
                            : fmin(out->rtt + out->ml, ms->timeout_s);
    out->served = !out->down && (!out->lost || reply_lost);
    out->ok = !out->down && out->took < ms->timeout_s;
    if (out->served) {
        *busy_s += ms->cpu_s * (cold ? 1.5 : 1.0);
        sim_hist_observe(&ms->svc->lat, out->ml);
        ms->req[0] += 1;
    } else if (out->down) {
        ms->req[1] += 1;
    }
}

void sim_model_srv_record(struct sim_world *w, const struct sim_model_srv *ms, size_t tick)
{
    sim_put(&w->m, ms->s_throttled, tick, floor(ms->throttled));
    sim_put(&w->m, ms->s_req[0], tick, ms->req[0]);
    sim_put(&w->m, ms->s_req[1], tick, ms->req[1]);
}

bool sim_featq_init(struct sim_world *w, struct sim_featq *fq, const char *service, size_t target,
                    const char *const *feats, size_t n_feat)
{
    char lb[128];
    memset(fq, 0, sizeof(*fq));
    if (n_feat > SIM_MAX_FEAT)
        return false;
    fq->n_feat = n_feat;
    for (size_t j = 0; j < n_feat; j++) {
        snprintf(lb, sizeof(lb), "service=\"%s\",feature=\"%s\"", service, feats[j]);
        fq->s_mean[j] = sim_series_new(&w->m, "feature_served_value_mean", SIM_GAUGE,
                                       "Mean of the feature's non-null values served.", NULL,
                                       target, lb);
        fq->s_null[j] = sim_series_new(&w->m, "feature_served_null_ratio", SIM_GAUGE,
                                       "Share of lookups that served the feature as null.", NULL,
                                       target, lb);
        if (fq->s_mean[j] == SIZE_MAX || fq->s_null[j] == SIZE_MAX)
            return false;
    }
    return true;
}

void sim_featq_served(struct sim_featq *fq, const double *vals, const int *status)
{
    for (size_t j = 0; j < fq->n_feat; j++) {
        fq->n[j] += 1;
        if (status[j])
            fq->null[j] += 1;
        else
            fq->sum[j] += vals[j];
    }
}

void sim_featq_record(struct sim_world *w, struct sim_featq *fq, size_t tick)
{
    for (size_t j = 0; j < fq->n_feat; j++) {
        double nn = fq->n[j], nv = nn - fq->null[j];
        sim_put(&w->m, fq->s_mean[j], tick, nv > 0 ? round(fq->sum[j] / nv * 1e4) / 1e4 : 0);
        sim_put(&w->m, fq->s_null[j], tick, nn > 0 ? round(fq->null[j] / nn * 1e4) / 1e4 : 0);
        fq->n[j] = fq->null[j] = fq->sum[j] = 0;
    }
}

void sim_span_attr(struct sim_span *sp, const char *k, const char *s, int64_t i)
{
    if (sp->n_attrs < sizeof(sp->attrs) / sizeof(sp->attrs[0]))
        sp->attrs[sp->n_attrs++] = (struct sim_attr){k, s, i};
}

void sim_span_error(struct sim_span *sp, const char *msg, const char *type)
{
    sp->status = 2;
    sp->status_msg = msg;
    sim_span_attr(sp, "error.type", type, 0);
}

void sim_json_feature(struct fl_buf *b, int status, double v)
{
    if (status == 2)
        fl_buf_puts(b, "{\"status\":\"not_found\"}");
    else if (status == 1)
        fl_buf_puts(b, "null");
    else
        fl_buf_put_double(b, v);
}
