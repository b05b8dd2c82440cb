/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim.h: the hybrid-system simulator's internal interface (issue 7).
 *
 * faultline-sim is its own binary and never links the engine: it models three systems of the
 * mission (a recommender, a fraud-scoring path, a batch segmentation pipeline) on a fixed time
 * grid, injects one fault from a catalogue, and writes what a user's systems would give faultline:
 * OpenMetrics with sample timestamps, OTLP/JSON traces, inference and outcome JSON Lines and change
 * events (file mode), or the same over HTTP plus scraped /metrics endpoints (live mode). The
 * ground truth goes to a separate file that faultline never reads.
 *
 * Randomness is counter based: every draw comes from a generator seeded by (run seed, stream,
 * tick, index), so that a fault that changes the work of one component leaves the draws of every
 * other component, and everything before its onset, bit for bit as they were.
 */
#ifndef FL_SIM_H
#define FL_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* ---- random numbers (rng.c) ---- */

struct sim_rng {
    uint64_t s;
};

/* A generator for one (seed, stream, a, b) coordinate; equal inputs give equal sequences. */
void sim_rng_at(struct sim_rng *r, uint64_t seed, uint64_t stream, uint64_t a, uint64_t b);
uint64_t sim_rng_u64(struct sim_rng *r);
double sim_rng_unif(struct sim_rng *r);              /* [0, 1) */
double sim_rng_norm(struct sim_rng *r);              /* standard normal (Box-Muller, 2 draws) */
double sim_rng_exp(struct sim_rng *r, double mean);  /* exponential */
double sim_rng_lognorm(struct sim_rng *r, double median, double sigma);
uint32_t sim_rng_poisson(struct sim_rng *r, double mean); /* Knuth below 30, normal above */
size_t sim_rng_pick(struct sim_rng *r, const double *weights, size_t n);
uint64_t sim_hash(const char *s);                    /* FNV-1a 64 of a string: stream ids */

/* ---- queueing and traffic (model.c) ---- */

/* Erlang C: probability that an arrival waits, c servers, offered load a = lambda * s. */
double sim_erlang_c(unsigned c, double a);
/* Daily (peak 20:00 UTC) and weekly shape of traffic at t, mean about 1. */
double sim_daily_shape(int64_t t_ms);

/* ---- metric store and OpenMetrics writer (metrics.c) ---- */

enum sim_mtype { SIM_COUNTER, SIM_GAUGE, SIM_HISTOGRAM };

struct sim_target {
    char job[64];
    char instance[96];
    char component[64]; /* the component whose process exposes it (scrape_target_down) */
};

struct sim_family {
    char *name;
    enum sim_mtype type;
    char *help;
    char *unit; /* "" or the OpenMetrics unit (the name then ends in _unit) */
};

struct sim_series {
    size_t family;
    size_t target;
    const char *suffix; /* "_total", "", "_bucket", "_sum", "_count" (static strings) */
    char *labels;       /* exposed labels, `a="b",c="d"`, without job/instance; may be "" */
    double *v;          /* n_ticks values; NaN = no sample */
};

struct sim_metrics {
    size_t n_ticks;
    struct sim_target *targets;
    size_t n_targets, cap_targets;
    struct sim_family *fams;
    size_t n_fams, cap_fams;
    struct sim_series *series;
    size_t n_series, cap_series;
    unsigned char *down; /* n_targets * n_ticks: 1 = target not answering at that tick */
};

/* A histogram under construction: bucket bounds are static; counts are cumulative over the run. */
#define SIM_HIST_MAX_BUCKETS 16
struct sim_hist {
    size_t first;   /* index of its first _bucket series */
    size_t n_le;    /* finite bounds */
    const double *le;
    double cum[SIM_HIST_MAX_BUCKETS + 1]; /* per bucket (not cumulative across buckets) */
    double sum, count;
};

fl_err sim_metrics_init(struct sim_metrics *m, size_t n_ticks) FL_MUST_CHECK;
void sim_metrics_cleanup(struct sim_metrics *m);
/* Index of a target (created on first use). SIZE_MAX on allocation failure. */
size_t sim_target(struct sim_metrics *m, const char *job, const char *instance,
                  const char *component);
/* Index of a new series of family `name` (the family is created on first use). SIZE_MAX on
 * failure. `labels` is copied. */
size_t sim_series_new(struct sim_metrics *m, const char *name, enum sim_mtype type,
                      const char *help, const char *unit, size_t target, const char *labels);
void sim_put(struct sim_metrics *m, size_t series, size_t tick, double v);
/* A histogram's series (buckets le..., +Inf, _sum, _count). false on allocation failure. */
bool sim_hist_new(struct sim_metrics *m, struct sim_hist *h, const char *name, const char *help,
                  size_t target, const char *labels, const double *le, size_t n_le);
void sim_hist_observe(struct sim_hist *h, double v);
void sim_hist_record(struct sim_metrics *m, const struct sim_hist *h, size_t tick);
/* Write every series as OpenMetrics files dir/metrics-NN.om (at most max_samples per file,
 * families contiguous, each file ending in # EOF), with job/instance labels and an `up` family. */
fl_err sim_metrics_write(const struct sim_metrics *m, int64_t start_ms, int64_t step_ms,
                         const char *dir, size_t max_samples, size_t *n_files) FL_MUST_CHECK;
/* Text format 0.0.4 (ms timestamps) of one target at one tick, as served on /metrics. */
void sim_metrics_expose(const struct sim_metrics *m, size_t target, size_t tick, int64_t ts_ms,
                        struct fl_buf *out);

/* ---- records: spans, inferences, outcomes, events (records.c) ---- */

struct sim_sink {
    struct fl_buf spans;      /* OTLP resourceSpans entries, comma separated, no envelope */
    size_t n_spans;
    struct fl_buf inferences; /* JSON Lines */
    size_t n_inferences;
    struct fl_buf outcomes;   /* JSON Lines */
    size_t n_outcomes;
    struct fl_buf events;     /* event objects, comma separated */
    size_t n_events;
};

void sim_sink_init(struct sim_sink *s);
void sim_sink_reset(struct sim_sink *s);
void sim_sink_cleanup(struct sim_sink *s);
fl_err sim_sink_err(const struct sim_sink *s) FL_MUST_CHECK;

/* Attributes of a span, a small fixed list. */
struct sim_attr {
    const char *key;
    const char *s; /* string value, or NULL for an int */
    int64_t i;
};

struct sim_span {
    uint8_t trace_id[16];
    uint64_t span_id;
    uint64_t parent_id; /* 0 = root */
    const char *service;
    const char *node;   /* k8s.node.name resource attribute, or NULL */
    const char *name;
    int kind;           /* 2 server, 3 client, 1 internal */
    int64_t start_ns, end_ns;
    int status;         /* 0 unset, 1 ok, 2 error */
    const char *status_msg;
    struct sim_attr attrs[6];
    size_t n_attrs;
};

void sim_span_emit(struct sim_sink *s, const struct sim_span *sp);
void sim_trace_id_hex(const uint8_t id[16], char out[33]);
/* One change event; attrs_json is a JSON object text or NULL. status/rows may be NULL/-1. */
void sim_event_emit(struct sim_sink *s, const char *id, int64_t ts_ms, int64_t end_ms,
                    const char *kind, const char *component, const char *status, int64_t rows,
                    const char *message, const char *attrs_json);

/* The JSON object of one event, appended to b. */
void sim_event_json(struct fl_buf *b, const char *id, int64_t ts_ms, int64_t end_ms,
                    const char *kind, const char *component, const char *status, int64_t rows,
                    const char *message, const char *attrs_json);
void sim_sink_add_event(struct sim_sink *s, const char *json);

/* `faultline-sim eval` (eval.c): argv as main's. */
int sim_eval_main(int argc, char **argv);

/* ---- faults (faults.c) ---- */

enum sim_system { SIM_SYS_RECS, SIM_SYS_FRAUD, SIM_SYS_BATCH, SIM_SYS_N };

#define SIM_FAULT_LIST(X)                                                                          \
    X(NONE, "none", 0, "no fault")                                                                 \
    X(SCHEMA_UNIT_CHANGE, "schema_unit_change", 7,                                                 \
      "upstream schema change: a numeric column changes unit (x100)")                              \
    X(SCHEMA_RENAMED_COLUMN, "schema_renamed_column", 7,                                           \
      "upstream column renamed: the feature becomes null, then the pipeline fills a default")      \
    X(CRON_SILENT_FAILURE, "cron_silent_failure", 4,                                               \
      "feature pipeline cron stops running without an error: features go stale")                  \
    X(NULL_SPIKE, "null_spike", 7, "a share of one feature's values become null")                  \
    X(NEW_CATEGORY_FLOOD, "new_category_flood", 7,                                                 \
      "a flood of traffic with a categorical value never seen before")                             \
    X(MODEL_REGRESSION, "model_regression", 7, "a new model version with worse predictions")       \
    X(CPU_THROTTLING, "cpu_throttling", 3, "model server CPU throttled (CFS quota)")                \
    X(MODEL_SERVER_RESTARTS, "model_server_restarts", 3, "model server crash-loops and restarts")  \
    X(NETWORK_PACKET_LOSS, "network_packet_loss", 3,                                               \
      "packet loss / partial partition on one call edge: timeouts and retries")                    \
    X(NOISY_NEIGHBOUR, "noisy_neighbour", 3, "a foreign pod saturates the CPU of one node")        \
    X(DB_LOCK_CONTENTION, "db_lock_contention", 3, "lock waits in the feature database")           \
    X(POOL_EXHAUSTION, "pool_exhaustion", 3,                                                       \
      "the caller's connection pool leaks and runs out: requests wait, then fall back")            \
    X(BUSINESS_RULES_CHANGE, "business_rules_change", 3,                                           \
      "a business-rules configuration change hurts one segment (recs) or blocks more (fraud)")     \
    X(EXPERIMENT_SHIFT, "experiment_shift", 1, "experiment traffic shifted to the worse arm")      \
    X(CLICK_LOGGING_BROKEN, "click_logging_broken", 1,                                             \
      "click logging broken on one platform: the metric is wrong, users click as before")          \
    X(SCRAPE_TARGET_DOWN, "scrape_target_down", 7,                                                 \
      "one metrics endpoint stops answering: the metric is missing, the system is fine")           \
    X(HOLIDAY_DIP, "holiday_dip", 7, "not a fault: a public holiday lowers traffic")

#define SIM_FAULT_ENUM(n, s, m, d) SIM_F_##n,
enum sim_fault_kind { SIM_FAULT_LIST(SIM_FAULT_ENUM) SIM_F_N };
#undef SIM_FAULT_ENUM

struct sim_fault {
    enum sim_fault_kind kind;
    char target[64];   /* component */
    char detail[96];   /* feature, edge callee, segment `dim=value`, platform, node... */
    int64_t onset_ms;
    int64_t end_ms;    /* INT64_MAX: lasts to the end of the run */
    double size;       /* kind-specific magnitude in (0, 1] */
};

const char *sim_fault_name(enum sim_fault_kind k);
const char *sim_fault_desc(enum sim_fault_kind k);
unsigned sim_fault_systems(enum sim_fault_kind k); /* bit per enum sim_system */
bool sim_fault_parse(const char *s, enum sim_fault_kind *k);
const char *sim_system_name(enum sim_system s);
bool sim_system_parse(const char *s, enum sim_system *out);
/* 1 while the fault is active at t. */
bool sim_fault_on(const struct sim_fault *f, enum sim_fault_kind k, int64_t t_ms);

/* ---- a run ---- */

struct sim_run_opts {
    enum sim_system system;
    enum sim_fault_kind fault;
    const char *scenario;    /* NULL or a preset name */
    uint64_t seed;
    int64_t start_ms;
    int64_t duration_ms;
    int64_t step_ms;
    int64_t onset_ms;        /* INT64_MIN: random */
    const char *target;      /* NULL: random */
    double size;             /* NaN: random */
    const char *detail;      /* NULL: random */
    int herrings;            /* benign changes; -1: random 2..4 */
    double traces_per_tick;  /* sampled traces per step */
    double logs_per_tick;    /* sampled inference records per step */
};

struct sim_world;
typedef fl_err (*sim_tick_fn)(struct sim_world *w, size_t tick);

struct sim_world {
    struct sim_run_opts o;
    struct sim_fault fault;
    struct sim_metrics m;
    struct sim_sink sink;
    size_t n_ticks;
    void *sys;           /* the system's state */
    sim_tick_fn tick;
    void (*sys_free)(void *sys);
    struct fl_buf herrings_json; /* ground truth: the benign changes, a JSON array body */
    size_t n_herrings;
    struct sim_planned {         /* change events due at their time (fault's and herrings) */
        int64_t ts_ms;
        char *json;
        bool sent;
    } *planned;
    size_t n_planned;
};

/* Move the planned events due before the end of `tick` into the sink. */
void sim_world_due_events(struct sim_world *w, size_t tick);

/* The system's components as a faultline.yml fragment (topology, kpis, models, freshness). */
void sim_config_yaml(enum sim_system sys, struct fl_buf *out, const char *scrape_host_port);

fl_err sim_world_init(struct sim_world *w, const struct sim_run_opts *o, char *err,
                      size_t err_len) FL_MUST_CHECK;
void sim_world_cleanup(struct sim_world *w);
/* Emit the change events of the fault and the red herrings (once, at init). */
void sim_world_truth_json(const struct sim_world *w, struct fl_buf *out);
int64_t sim_tick_ms(const struct sim_world *w, size_t tick);

/* Systems (sys_*.c): set w->sys, w->tick, w->sys_free and create the series. */
fl_err sim_recs_init(struct sim_world *w) FL_MUST_CHECK;
fl_err sim_fraud_init(struct sim_world *w) FL_MUST_CHECK;
fl_err sim_batch_init(struct sim_world *w) FL_MUST_CHECK;
/* Candidate targets of a fault kind in a system: "target detail|target detail|...", static;
 * NULL when the kind does not apply. */
const char *sim_fault_targets(enum sim_system sys, enum sim_fault_kind k);

/* Stream ids of the counter-based generator. */
#define SIM_STREAM(name) sim_hash(name)

/* Helpers shared by the request-driven systems (model.c). */
struct sim_station {      /* one queueing station: c servers, mean service time s */
    unsigned c;
    double s_mean;        /* seconds */
    double lambda;        /* arrivals per second this tick */
    double p_wait, w_mean;/* Erlang C probability of waiting, mean wait when waiting (s) */
};
void sim_station_update(struct sim_station *st, double lambda, double s_mean);
double sim_station_latency(const struct sim_station *st, struct sim_rng *r, double sigma);
void sim_new_ids(struct sim_rng *r, uint8_t trace_id[16], uint64_t *span_id);
uint64_t sim_new_span_id(struct sim_rng *r);

#endif
