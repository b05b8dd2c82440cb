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
