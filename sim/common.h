/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.h: pieces shared by the request-driven system models (sys_recs.c, sys_fraud.c):
 * a service's standard series (requests, CPU, memory), Kubernetes nodes, network links, the
 * plant they make together, one step's shared conditions, the model server (its crash loop, CFS
 * throttling and counters) and the feature-quality gauges a feature store exports. Counters
 * accumulate over the run. Every helper draws from the streams its caller names, in the order
 * the systems always drew them, so the systems' output does not depend on where the code lives.
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

/* ---- the plant: a system's services, the nodes they run on, the links between them ---- */

#define SIM_MAX_SVC 5
#define SIM_MAX_NODES 3
#define SIM_MAX_LINKS 3

struct sim_svc_spec {
    const char *name;
    size_t node;            /* index into the plant's nodes */
    unsigned servers;
    const char *hist_name;  /* its request-duration histogram */
};

struct sim_node_spec {
    const char *name;
    double cores;
};

struct sim_link_spec {
    const char *caller, *callee;
};

struct sim_plant {
    struct sim_svc svc[SIM_MAX_SVC];
    size_t n_svc;
    struct sim_node nodes[SIM_MAX_NODES];
    size_t n_nodes;
    struct sim_link links[SIM_MAX_LINKS];
    size_t n_links;
    size_t net_target;      /* the network observer that exports the links' series */
};

/* Create the nodes, then the services, then the network target and the links, in table order
 * (that order is the order of their series in the output). false on allocation failure or when
 * a table is longer than the plant holds. */
bool sim_plant_init(struct sim_world *w, struct sim_plant *p, const struct sim_node_spec *nodes,
                    size_t n_nodes, const struct sim_svc_spec *svc, size_t n_svc,
                    const struct sim_link_spec *links, size_t n_links);
/* The node a service's pod runs on (a resource attribute of its spans); NULL if unknown. */
const char *sim_plant_node_of(const struct sim_plant *p, const char *service);
/* Give every span the trace id and its service's node, then write them all to the sink. */
void sim_plant_emit_spans(struct sim_world *w, const struct sim_plant *p, struct sim_span *spans,
                          size_t n, const uint8_t trace_id[16]);
/* Record a tick: each service with busy[i] seconds of CPU, each node with node_busy[i], each
 * link. */
void sim_plant_record(struct sim_world *w, struct sim_plant *p, const double *busy,
                      const double *node_busy, size_t tick);

/* ---- one step's conditions, shared by its requests ---- */

struct sim_step {
    size_t tick;
    int64_t t;                  /* start of the step (unix ms) */
    double lam;                 /* arrivals per second this step */
    double slow[SIM_MAX_SVC];   /* noisy-neighbour slowdown of each service (1 = none) */
    double thr;                 /* model server service-time factor under CFS throttling */
    double lock;                /* share of feature lookups that wait for a row lock */
    double p_trace, p_log;      /* sampling probabilities of a request */
    double pool_size, leaked;   /* the caller's connection pool: usable and leaked */
    struct sim_station pool;
    bool regress;               /* the model regression is live */
    const char *version;        /* model version serving */
    double busy[SIM_MAX_SVC];   /* CPU seconds used by each service this step */
};

/* Start step `tick`: draw its arrivals from `stream` (rate per second times the daily shape, a
 * little noise, plus the new-category flood's extra arrivals) and set s->tick, s->t, s->lam. */
void sim_step_traffic(struct sim_world *w, struct sim_step *s, size_t tick, const char *stream,
                      double rate, uint32_t *n, uint32_t *n_extra);
/* The fault states every request-driven system shares, for a step of n regular arrivals:
 * slowdowns, throttling, lock contention, links without loss (the caller then puts the packet
 * loss on its edge), a pool of `pool_cap` connections that a leak drains at (leak_base +
 * leak_per_size * size) connections a minute, the model version and the sampling rates. */
void sim_step_conditions(struct sim_world *w, struct sim_plant *p, struct sim_step *s, uint32_t n,
                         double pool_cap, double leak_base, double leak_per_size,
                         const char *version);
/* When in the step a request arrives (ns), from the request's own stream. */
int64_t sim_step_t0_ns(const struct sim_world *w, const struct sim_step *s, struct sim_rng *r);

/* ---- the model server ---- */

struct sim_model_srv {
    struct sim_svc *svc;        /* in the plant */
    struct sim_link *link;      /* the caller's link to it, in the plant */
    double cpu_s;               /* CPU time per prediction */
    double timeout_s;           /* the caller's timeout */
    const char *crash_stream, *cgroup_stream;
    double req[2];              /* predictions served: ok, unavailable (the server's counters) */
    double throttled;           /* CFS periods throttled */
    size_t s_req[2], s_throttled;
    int64_t down_until, cold_until, next_crash;
};

/* Its series (throttled periods, then predictions ok and unavailable) on the service's target,
 * labelled with `model`. false on allocation failure. */
bool sim_model_srv_init(struct sim_world *w, struct sim_model_srv *ms, struct sim_svc *svc,
                        struct sim_link *link, const char *model, double cpu_s, double timeout_s,
                        const char *crash_stream, const char *cgroup_stream);
/* The step's CFS throttling (from cgroup_stream) and crash loop (from crash_stream). */
void sim_model_srv_step(struct sim_world *w, struct sim_model_srv *ms, const struct sim_step *s);

/* One call to the model server, as the caller sees it. */
struct sim_model_call {
    double rtt;     /* link RTT (s) */
    double ml;      /* the server's own latency (s) */
    double took;    /* what the call cost the caller, at most the timeout (s) */
    bool lost;      /* the request's packets were lost */
    bool down;      /* the server was down: refused at once */
    bool served;    /* the server did the work (the request reached it) */
    bool ok;        /* an answer in time */
};

/* One call at now_ms: the link from rn, the server's latency from rm. A served call adds its CPU
 * (more with cold caches) to *busy_s. */
void sim_model_srv_call(struct sim_model_srv *ms, struct sim_rng *rn, struct sim_rng *rm,
                        int64_t now_ms, double *busy_s, struct sim_model_call *out);
/* Record a tick: throttled periods and predictions served. */
void sim_model_srv_record(struct sim_world *w, const struct sim_model_srv *ms, size_t tick);

/* ---- the feature-quality gauges of a feature store ---- */

#define SIM_MAX_FEAT 3

struct sim_featq {
    size_t n_feat;
    double n[SIM_MAX_FEAT], null[SIM_MAX_FEAT], sum[SIM_MAX_FEAT]; /* this step's lookups */
    size_t s_mean[SIM_MAX_FEAT], s_null[SIM_MAX_FEAT];
};

/* Mean and null-ratio gauges of each feature, labelled service=`service`. false on allocation
 * failure or more than SIM_MAX_FEAT features. */
bool sim_featq_init(struct sim_world *w, struct sim_featq *fq, const char *service, size_t target,
                    const char *const *feats, size_t n_feat);
/* One lookup served: status[j] != 0 means feature j went out null or not found. */
void sim_featq_served(struct sim_featq *fq, const double *vals, const int *status);
/* The step's gauges; the step's tallies start again. */
void sim_featq_record(struct sim_world *w, struct sim_featq *fq, size_t tick);

/* ---- spans and records ---- */

/* Add an attribute (a string, or an int when s is NULL); past the span's room it is dropped. */
void sim_span_attr(struct sim_span *sp, const char *k, const char *s, int64_t i);
/* Mark a span failed, with its message and error.type. */
void sim_span_error(struct sim_span *sp, const char *msg, const char *type);
/* A served feature value in an inference record: status 2 not found, 1 null, else the value. */
void sim_json_feature(struct fl_buf *b, int status, double v);

#endif
