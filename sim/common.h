/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.h: pieces shared by the request-driven system models (sys_recs.c, sys_fraud.c):
 * a service's standard series (requests, CPU, memory), Kubernetes nodes, network links and the
 * feature-quality gauges a feature store exports. Counters accumulate over the run.
 */
#ifndef FL_SIM_COMMON_H
#define FL_SIM_COMMON_H

#include "sim.h"

struct sim_svc {
    const char *name;       /* component and service label */
    size_t node;            /* index into the system's nodes */
    size_t target;
    struct sim_station st;
    struct sim_hist lat;    /* server-side request duration */
    double req_ok, req_err, cpu_s, restarts, start_time_s;
    size_t s_req_ok, s_req_err, s_cpu, s_mem, s_restarts, s_start;
    double busy_s;          /* this tick's busy time (s), for CPU */
    unsigned n_calls;       /* this tick's arrivals, for next tick's load */
    double mem_base;
};

struct sim_node {
    const char *name;
    size_t target;
    double cores;
    double steal;           /* share of the CPU taken by a foreign pod (noisy neighbour) */
    size_t s_cpu, s_load, s_ctx;
    double ctx;
};

struct sim_link {
    const char *caller, *callee;
    char label[96];
    size_t target;
    double packets, retrans, loss_p;
    size_t s_rtt, s_pkts, s_retrans;
    double rtt_sum;
    unsigned rtt_n;
};

extern const double sim_lat_buckets[];
extern const size_t sim_n_lat_buckets;

bool sim_svc_init(struct sim_world *w, struct sim_svc *s, const char *name, size_t node,
                  unsigned servers, const char *hist_name);
/* Record a tick for the service: counters, CPU (busy + base + noise), memory. */
void sim_svc_record(struct sim_world *w, struct sim_svc *s, size_t tick);
/* The process restarts at t_ms: its own counters and histogram start again from zero (as
 * Prometheus sees a restarted process), its start time moves; the restart count goes up. */
void sim_svc_restart(struct sim_svc *s, int64_t t_ms);
bool sim_node_init(struct sim_world *w, struct sim_node *n, const char *name, double cores);
/* Node CPU from the busy time of its pods plus a foreign pod's steal; noise from the node's own
 * stream. */
void sim_node_record(struct sim_world *w, struct sim_node *n, double pods_busy_s, size_t tick);
bool sim_link_init(struct sim_world *w, struct sim_link *l, const char *caller,
                   const char *callee, size_t net_target);
void sim_link_record(struct sim_world *w, struct sim_link *l, size_t tick);
/* One call over the link: returns true when the packet is lost (loss_p), adds the RTT. Uses r. */
bool sim_link_call(struct sim_link *l, struct sim_rng *r, double *rtt_s);
/* The noisy-neighbour slowdown of pods on node `name` at t (1 = none). */
double sim_node_slowdown(const struct sim_world *w, const char *node, int64_t t_ms);

#endif
