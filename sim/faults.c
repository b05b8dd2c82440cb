/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faults.c: the fault catalogue (kinds, the systems each applies to, candidate targets and
 * details, size ranges), the drawing of one fault instance and of the benign changes (red
 * herrings) from the run's seed, the change events a fault leaves, and the ground-truth JSON.
 *
 * The fault and the herrings are drawn from their own streams: two runs with the same seed and
 * different faults get the same red herrings at the same times, and `--fault none` gets them too.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/time.h"
#include "sim.h"

#define NAME(n, s, m, d) s,
#define MASK(n, s, m, d) m,
#define DESC(n, s, m, d) d,
static const char *const fault_names[] = {SIM_FAULT_LIST(NAME)};
static const unsigned fault_masks[] = {SIM_FAULT_LIST(MASK)};
static const char *const fault_descs[] = {SIM_FAULT_LIST(DESC)};
#undef NAME
#undef MASK
#undef DESC

static const char *const system_names[] = {"recommender", "fraud", "batch"};

const char *sim_fault_name(enum sim_fault_kind k) { return k < SIM_F_N ? fault_names[k] : "?"; }
const char *sim_fault_desc(enum sim_fault_kind k) { return k < SIM_F_N ? fault_descs[k] : "?"; }
unsigned sim_fault_systems(enum sim_fault_kind k) { return k < SIM_F_N ? fault_masks[k] : 0; }
const char *sim_system_name(enum sim_system s) { return s < SIM_SYS_N ? system_names[s] : "?"; }

bool sim_fault_parse(const char *s, enum sim_fault_kind *k)
{
    for (int i = 0; i < SIM_F_N; i++)
        if (!strcmp(s, fault_names[i])) {
            *k = (enum sim_fault_kind)i;
            return true;
        }
    return false;
}

bool sim_system_parse(const char *s, enum sim_system *out)
{
    for (int i = 0; i < SIM_SYS_N; i++)
        if (!strcmp(s, system_names[i]) || (i == SIM_SYS_RECS && !strcmp(s, "recs"))) {
            *out = (enum sim_system)i;
            return true;
        }
    return false;
}

bool sim_fault_on(const struct sim_fault *f, enum sim_fault_kind k, int64_t t_ms)
{
    return f->kind == k && t_ms >= f->onset_ms && t_ms < f->end_ms;
}

/* "target detail" candidates per system and kind, separated by |. */
static const struct {
    enum sim_system sys;
    enum sim_fault_kind kind;
    const char *cands;
} targets[] = {
    {SIM_SYS_RECS, SIM_F_SCHEMA_UNIT_CHANGE, "user-features-db price_sensitivity@country=DE|user-features-db price_sensitivity@country=BR|user-features-db price_sensitivity@country=US"},
    {SIM_SYS_RECS, SIM_F_SCHEMA_RENAMED_COLUMN, "user-features-db ctr_7d"},
    {SIM_SYS_RECS, SIM_F_NULL_SPIKE, "user-features-db ctr_7d|user-features-db user_age"},
    {SIM_SYS_RECS, SIM_F_NEW_CATEGORY_FLOOD, "gateway country=IN"},
    {SIM_SYS_RECS, SIM_F_MODEL_REGRESSION, "recs-model-server v13"},
    {SIM_SYS_RECS, SIM_F_CPU_THROTTLING, "recs-model-server"},
    {SIM_SYS_RECS, SIM_F_MODEL_SERVER_RESTARTS, "recs-model-server"},
    {SIM_SYS_RECS, SIM_F_NETWORK_PACKET_LOSS, "network recs-model-server|network business-rules-api"},
    {SIM_SYS_RECS, SIM_F_NOISY_NEIGHBOUR, "node-a|node-b|node-c"},
    {SIM_SYS_RECS, SIM_F_DB_LOCK_CONTENTION, "user-features-db"},
    {SIM_SYS_RECS, SIM_F_POOL_EXHAUSTION, "recs user-features-db"},
    {SIM_SYS_RECS, SIM_F_BUSINESS_RULES_CHANGE, "business-rules-api country=DE|business-rules-api platform=ios|business-rules-api user_segment=new|business-rules-api country=BR"},
    {SIM_SYS_RECS, SIM_F_EXPERIMENT_SHIFT, "recs B"},
    {SIM_SYS_RECS, SIM_F_CLICK_LOGGING_BROKEN, "recs platform=android|recs platform=ios|recs platform=web"},
    {SIM_SYS_RECS, SIM_F_SCRAPE_TARGET_DOWN, "recs|recs-model-server|user-features-db|business-rules-api|gateway"},
    {SIM_SYS_RECS, SIM_F_HOLIDAY_DIP, "gateway country=US|gateway country=DE"},
    {SIM_SYS_FRAUD, SIM_F_SCHEMA_UNIT_CHANGE, "feature-store amount_7d"},
    {SIM_SYS_FRAUD, SIM_F_SCHEMA_RENAMED_COLUMN, "feature-store merchant_risk"},
    {SIM_SYS_FRAUD, SIM_F_NULL_SPIKE, "feature-store txn_count_1h|feature-store amount_7d"},
    {SIM_SYS_FRAUD, SIM_F_NEW_CATEGORY_FLOOD, "transaction-api merchant_category=crypto"},
    {SIM_SYS_FRAUD, SIM_F_MODEL_REGRESSION, "fraud-model-server v8"},
    {SIM_SYS_FRAUD, SIM_F_CPU_THROTTLING, "fraud-model-server"},
    {SIM_SYS_FRAUD, SIM_F_MODEL_SERVER_RESTARTS, "fraud-model-server"},
    {SIM_SYS_FRAUD, SIM_F_NETWORK_PACKET_LOSS, "network feature-store|network fraud-model-server"},
    {SIM_SYS_FRAUD, SIM_F_NOISY_NEIGHBOUR, "node-a|node-b|node-c"},
    {SIM_SYS_FRAUD, SIM_F_DB_LOCK_CONTENTION, "feature-store"},
    {SIM_SYS_FRAUD, SIM_F_POOL_EXHAUSTION, "fraud-service feature-store"},
    {SIM_SYS_FRAUD, SIM_F_BUSINESS_RULES_CHANGE, "fraud-service block_threshold"},
    {SIM_SYS_FRAUD, SIM_F_SCRAPE_TARGET_DOWN, "fraud-service|feature-store|fraud-model-server|transaction-api"},
    {SIM_SYS_FRAUD, SIM_F_HOLIDAY_DIP, "transaction-api region=us|transaction-api region=eu"},
    {SIM_SYS_BATCH, SIM_F_SCHEMA_UNIT_CHANGE, "segment-feature-pipeline monetary_90d"},
    {SIM_SYS_BATCH, SIM_F_SCHEMA_RENAMED_COLUMN, "segment-feature-pipeline frequency_30d"},
    {SIM_SYS_BATCH, SIM_F_CRON_SILENT_FAILURE, "segment-feature-pipeline"},
    {SIM_SYS_BATCH, SIM_F_NULL_SPIKE, "segment-feature-pipeline tenure_months"},
    {SIM_SYS_BATCH, SIM_F_NEW_CATEGORY_FLOOD, "segment-feature-pipeline acquisition_channel=partner_x"},
    {SIM_SYS_BATCH, SIM_F_MODEL_REGRESSION, "segment-scoring v4"},
    {SIM_SYS_BATCH, SIM_F_SCRAPE_TARGET_DOWN, "campaign-service|segment-scoring"},
    {SIM_SYS_BATCH, SIM_F_HOLIDAY_DIP, "campaign-service"},
};

const char *sim_fault_targets(enum sim_system sys, enum sim_fault_kind k)
{
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
        if (targets[i].sys == sys && targets[i].kind == k)
            return targets[i].cands;
    return NULL;
}

static void size_range(enum sim_fault_kind k, double *lo, double *hi)
{
    static const struct { enum sim_fault_kind k; double lo, hi; } t[] = {
        {SIM_F_SCHEMA_UNIT_CHANGE, 0.7, 1.0},  {SIM_F_SCHEMA_RENAMED_COLUMN, 0.8, 1.0},
        {SIM_F_CRON_SILENT_FAILURE, 1.0, 1.0}, {SIM_F_NULL_SPIKE, 0.3, 0.8},
        {SIM_F_NEW_CATEGORY_FLOOD, 0.2, 0.5},  {SIM_F_MODEL_REGRESSION, 0.2, 0.45},
        {SIM_F_CPU_THROTTLING, 0.4, 0.9},      {SIM_F_MODEL_SERVER_RESTARTS, 0.4, 0.9},
        {SIM_F_NETWORK_PACKET_LOSS, 0.15, 0.5},{SIM_F_NOISY_NEIGHBOUR, 0.4, 0.8},
        {SIM_F_DB_LOCK_CONTENTION, 0.3, 0.8},  {SIM_F_POOL_EXHAUSTION, 0.6, 0.9},
        {SIM_F_BUSINESS_RULES_CHANGE, 0.35, 0.7}, {SIM_F_EXPERIMENT_SHIFT, 0.3, 0.45},
        {SIM_F_CLICK_LOGGING_BROKEN, 0.8, 1.0},{SIM_F_SCRAPE_TARGET_DOWN, 1.0, 1.0},
        {SIM_F_HOLIDAY_DIP, 0.25, 0.5},
    };
    *lo = *hi = 0;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].k == k) {
            *lo = t[i].lo;
            *hi = t[i].hi;
        }
}

static size_t count_list(const char *const *l)
{
    size_t n = 0;
    while (l[n])
        n++;
    return n;
}

/* An onset in [start + 50 %, end - max(15 %, 35 min)] at u in [0, 1). */
static int64_t random_onset(const struct sim_run_opts *o, double u)
{
    int64_t d = o->duration_ms;
    int64_t tail = d * 15 / 100 > 35 * 60000 ? d * 15 / 100 : 35 * 60000;
    int64_t lo_on = o->start_ms + d / 2, hi_on = o->start_ms + d - tail;
    if (hi_on < lo_on)
        hi_on = lo_on;
    int64_t t = lo_on + (int64_t)((double)(hi_on - lo_on) * u);
    return t - (t - o->start_ms) % o->step_ms;
}

/* Draw the fault instance (kind given) from the seed; options override each part. */
static bool draw_fault(struct sim_world *w, char *err, size_t err_len)
{
    struct sim_fault *f = &w->fault;
    const struct sim_run_opts *o = &w->o;
    memset(f, 0, sizeof(*f));
    f->kind = o->fault;
    f->end_ms = INT64_MAX;
    f->onset_ms = INT64_MAX;
    if (o->fault == SIM_F_NONE)
        return true;
    if (!(sim_fault_systems(o->fault) & (1u << o->system))) {
        snprintf(err, err_len, "fault %s does not apply to the %s system (see faultline-sim faults)",
                 sim_fault_name(o->fault), sim_system_name(o->system));
        return false;
    }
    struct sim_rng r;
    sim_rng_at(&r, o->seed, SIM_STREAM("fault"), o->fault, 0);
    /* Split "t1 d1|t2 d2|..." into candidates. */
    char buf[512], *cands[16];
    size_t n = 0;
    snprintf(buf, sizeof(buf), "%s", sim_fault_targets(o->system, o->fault));
    for (char *p = buf, *save = NULL, *tok; n < 16 && (tok = strtok_r(p, "|", &save)); p = NULL)
        cands[n++] = tok;
    if (n == 0) {
        snprintf(err, err_len, "fault %s has no target in the %s system", sim_fault_name(o->fault),
                 sim_system_name(o->system));
        return false;
    }
    const char *pick = NULL;
    size_t ri = (size_t)(sim_rng_u64(&r) % n);
    if (o->target) {
        size_t tl = strlen(o->target), same = 0;
        for (size_t i = 0; i < n; i++)
            if (!strncmp(cands[i], o->target, tl) && (cands[i][tl] == ' ' || !cands[i][tl]))
                same++;
        if (!same) {
            snprintf(err, err_len, "--target %s is not a target of %s in the %s system", o->target,
                     sim_fault_name(o->fault), sim_system_name(o->system));
            return false;
        }
        /* Among the candidates for this target, the detail is still drawn. */
        size_t want = ri % same;
        for (size_t i = 0; i < n && !pick; i++)
            if (!strncmp(cands[i], o->target, tl) && (cands[i][tl] == ' ' || !cands[i][tl]) &&
                want-- == 0)
                pick = cands[i];
    } else {
        pick = cands[ri];
    }
    const char *sp = strchr(pick, ' ');
    snprintf(f->target, sizeof(f->target), "%.*s", (int)(sp ? sp - pick : (long)strlen(pick)),
             pick);
    snprintf(f->detail, sizeof(f->detail), "%s", sp ? sp + 1 : "");
    if (o->detail)
        snprintf(f->detail, sizeof(f->detail), "%s", o->detail);
    double lo, hi;
    size_range(o->fault, &lo, &hi);
    double u = sim_rng_unif(&r);
    f->size = isnan(o->size) ? lo + (hi - lo) * u : o->size;
    double uo = sim_rng_unif(&r);
    int64_t step = o->step_ms;
    f->onset_ms = o->onset_ms != INT64_MIN ? o->onset_ms : random_onset(o, uo);
    f->onset_ms -= (f->onset_ms - o->start_ms) % step; /* on the grid */
    if (f->onset_ms < o->start_ms || f->onset_ms >= o->start_ms + o->duration_ms) {
        snprintf(err, err_len, "--onset is outside the run");
        return false;
    }
    return true;
}

struct herring {
    const char *kind, *msg;
};

static void emit_planned(struct sim_world *w, const char *id, int64_t ts, const char *kind,
                         const char *comp, const char *msg, const char *attrs)
{
    struct fl_buf b;
    fl_buf_init(&b, 1 << 16);
    sim_event_json(&b, id, ts, 0, kind, comp, NULL, -1, msg, attrs);
    struct sim_planned *p = fl_reallocarray(w->planned, w->n_planned + 1, sizeof(*p));
    if (!p || fl_buf_err(&b)) {
        fl_buf_cleanup(&b);
        if (p)
            w->planned = p;
        return; /* sticky: reported by sim_world_init */
    }
    w->planned = p;
    p[w->n_planned].ts_ms = ts;
    p[w->n_planned].json = fl_buf_take(&b);
    p[w->n_planned].sent = false;
    w->n_planned++;
}

void sim_world_due_events(struct sim_world *w, size_t tick)
{
    int64_t end = sim_tick_ms(w, tick) + w->o.step_ms;
    for (size_t i = 0; i < w->n_planned; i++)
        if (!w->planned[i].sent && w->planned[i].ts_ms < end) {
            sim_sink_add_event(&w->sink, w->planned[i].json);
            w->planned[i].sent = true;
        }
}

/* The change events a fault leaves (when someone or something recorded the change). */
static void fault_events(struct sim_world *w)
{
    const struct sim_fault *f = &w->fault;
    struct sim_rng r;
    sim_rng_at(&r, w->o.seed, SIM_STREAM("fault-events"), f->kind, 0);
    bool recorded = sim_rng_unif(&r) < 0.5 || w->o.scenario;
    int64_t before = f->onset_ms - (int64_t)(60000 + sim_rng_unif(&r) * 240000);
    char attrs[256], msg[256];
    switch (f->kind) {
    case SIM_F_MODEL_REGRESSION: {
        const char *model = w->o.system == SIM_SYS_RECS    ? "recs-ranker"
                            : w->o.system == SIM_SYS_FRAUD ? "fraud"
                                                           : "customer-segments";
        const char *from = w->o.system == SIM_SYS_RECS    ? "v12"
                           : w->o.system == SIM_SYS_FRAUD ? "v7"
                                                          : "v3";
        snprintf(attrs, sizeof(attrs),
                 "{\"model\":\"%s\",\"from_version\":\"%s\",\"to_version\":\"%s\",\"stage\":\"production\"}",
                 model, from, f->detail);
        snprintf(msg, sizeof(msg), "%s %s promoted to production", model, f->detail);
        emit_planned(w, "ev-fault-model", f->onset_ms, "model_version_change", f->target, msg,
                     attrs);
        break;
    }
    case SIM_F_BUSINESS_RULES_CHANGE:
        snprintf(msg, sizeof(msg), "rules config %s updated", f->detail);
        emit_planned(w, "ev-fault-rules", f->onset_ms - 60000, "config_change", f->target, msg,
                     "{\"source\":\"rules-admin\"}");
        break;
    case SIM_F_EXPERIMENT_SHIFT:
        snprintf(msg, sizeof(msg), "experiment recs-layout: arm B ramped to %.0f%%",
                 50.0 + 100.0 * f->size);
        emit_planned(w, "ev-fault-exp", f->onset_ms, "experiment_change", f->target, msg,
                     "{\"experiment\":\"recs-layout\"}");
        break;
    case SIM_F_SCHEMA_UNIT_CHANGE:
    case SIM_F_SCHEMA_RENAMED_COLUMN:
        if (recorded) {
            snprintf(msg, sizeof(msg), "upstream migration touching column %s", f->detail);
            emit_planned(w, "ev-fault-schema", before, "schema_change", f->target, msg,
                         "{\"source\":\"upstream-crm\"}");
        }
        break;
    case SIM_F_CPU_THROTTLING:
        if (recorded)
            emit_planned(w, "ev-fault-limits", before, "config_change", f->target,
                         "resources.limits.cpu lowered", "{\"from\":\"4\",\"to\":\"1\"}");
        break;
    case SIM_F_NETWORK_PACKET_LOSS:
        if (recorded) {
            snprintf(msg, sizeof(msg), "NetworkPolicy egress rule updated (-> %s)", f->detail);
            emit_planned(w, "ev-fault-netpol", before, "infrastructure", f->target, msg,
                         "{\"change\":\"egress rule\"}");
        }
        break;
    case SIM_F_POOL_EXHAUSTION:
        if (recorded)
            emit_planned(w, "ev-fault-pool", before, "deploy", f->target,
                         "client library upgrade (connection handling)", "{\"version\":\"4.2.0\"}");
        break;
    case SIM_F_HOLIDAY_DIP:
        snprintf(msg, sizeof(msg), "public holiday (%s)", f->detail);
        emit_planned(w, "ev-holiday", f->onset_ms, "business", f->target, msg, NULL);
        break;
    default:
        break;
    }
}

static const char *const recs_comps[] = {"gateway", "recs", "recs-model-server",
                                         "business-rules-api", "user-features-db", NULL};
static const char *const fraud_comps[] = {"transaction-api", "fraud-service", "feature-store",
                                          "fraud-model-server", NULL};
static const char *const batch_comps[] = {"campaign-service", "segment-scoring", NULL};

/* Benign changes at random times: deploys and config changes that change nothing. */
static void herrings(struct sim_world *w)
{
    static const struct herring hs[] = {
        {"deploy", "patch release: dependency bumps"},
        {"deploy", "logging format change"},
        {"config_change", "log level info -> debug"},
        {"deploy", "UI copy change"},
        {"config_change", "dashboard links updated"},
        {"deploy", "metrics library upgrade (no behaviour change)"},
    };
    const char *const *comps = w->o.system == SIM_SYS_RECS    ? recs_comps
                               : w->o.system == SIM_SYS_FRAUD ? fraud_comps
                                                              : batch_comps;
    size_t nc = count_list(comps);
    struct sim_rng r;
    sim_rng_at(&r, w->o.seed, SIM_STREAM("herrings"), 0, 0);
    int n = w->o.herrings >= 0 ? w->o.herrings : 2 + (int)(sim_rng_u64(&r) % 3);
    for (int i = 0; i < n; i++) {
        const struct herring *h = &hs[sim_rng_u64(&r) % (sizeof(hs) / sizeof(hs[0]))];
        const char *c = comps[sim_rng_u64(&r) % nc];
        int64_t ts = w->o.start_ms + (int64_t)(sim_rng_unif(&r) * (double)w->o.duration_ms);
        ts -= ts % 1000;
        char id[48], attrs[96];
        snprintf(id, sizeof(id), "ev-change-%d", i + 1);
        snprintf(attrs, sizeof(attrs), "{\"version\":\"%u.%u.%u\"}", 1 + (unsigned)(r.s % 5),
                 (unsigned)((r.s >> 8) % 20), (unsigned)((r.s >> 16) % 10));
        char msg[160];
        snprintf(msg, sizeof(msg), "%s: %s", c, h->msg);
        emit_planned(w, id, ts, h->kind, c, msg, attrs);
        if (w->n_herrings++)
            fl_buf_putc(&w->herrings_json, ',');
        fl_buf_printf(&w->herrings_json,
                      "{\"id\":\"%s\",\"ts\":%lld,\"kind\":\"%s\",\"component\":\"%s\"}", id,
                      (long long)ts, h->kind, c);
    }
}

int64_t sim_tick_ms(const struct sim_world *w, size_t tick)
{
    return w->o.start_ms + (int64_t)tick * w->o.step_ms;
}

fl_err sim_world_init(struct sim_world *w, const struct sim_run_opts *o, char *err, size_t err_len)
{
    memset(w, 0, sizeof(*w));
    w->o = *o;
    sim_sink_init(&w->sink);
    fl_buf_init(&w->herrings_json, 1 << 20);
    if (o->step_ms <= 0 || o->duration_ms < o->step_ms) {
        snprintf(err, err_len, "duration must be at least one step");
        return FL_EINVAL;
    }
    w->n_ticks = (size_t)(o->duration_ms / o->step_ms);
    if (!draw_fault(w, err, err_len))
        return FL_EINVAL;
    fl_err e = sim_metrics_init(&w->m, w->n_ticks);
    if (e)
        return e;
    fault_events(w);
    herrings(w);
    e = o->system == SIM_SYS_RECS    ? sim_recs_init(w)
        : o->system == SIM_SYS_FRAUD ? sim_fraud_init(w)
                                     : sim_batch_init(w);
    if (e)
        snprintf(err, err_len, "cannot set up the %s system: %s", sim_system_name(o->system),
                 fl_err_str(e));
    return e;
}

void sim_world_cleanup(struct sim_world *w)
{
    if (w->sys_free && w->sys)
        w->sys_free(w->sys);
    sim_metrics_cleanup(&w->m);
    sim_sink_cleanup(&w->sink);
    for (size_t i = 0; i < w->n_planned; i++)
        fl_free(w->planned[i].json);
    fl_free(w->planned);
    fl_buf_cleanup(&w->herrings_json);
}

/* The onset people report: the fault's, or for a healthy run one drawn as a fault's would be. */
static int64_t observed_onset(const struct sim_world *w)
{
    if (w->fault.kind != SIM_F_NONE)
        return w->fault.onset_ms;
    struct sim_rng r;
    sim_rng_at(&r, w->o.seed, SIM_STREAM("observed"), 0, 0);
    return w->o.onset_ms != INT64_MIN ? w->o.onset_ms : random_onset(&w->o, sim_rng_unif(&r));
}

/*
 * The batch system's output as marketing's dashboard shows it: the segment whose share moved
 * most from the onset on, in standard deviations of its share over the days before. Read from
 * the segment_share series the run produced (not from the fault); -1 when there are none yet
 * (live mode writes its truth before the run). *seg gets the segment's labels.
 */
static double moved_segment(const struct sim_world *w, int64_t onset, const char **seg)
{
    double best = -1;
    *seg = NULL;
    for (size_t i = 0; i < w->m.n_series; i++) {
        const struct sim_series *x = &w->m.series[i];
        if (strcmp(w->m.fams[x->family].name, "segment_share") != 0)
            continue;
        double s0 = 0, ss0 = 0, s1 = 0;
        size_t n0 = 0, n1 = 0;
        for (size_t t = 0; t < w->m.n_ticks; t++) {
            double v = x->v[t];
            if (isnan(v))
                continue;
            if (sim_tick_ms(w, t) < onset)
                s0 += v, ss0 += v * v, n0++;
            else
                s1 += v, n1++;
        }
        if (n0 < 2 || n1 == 0)
            continue;
        double m0 = s0 / (double)n0, var = (ss0 - (double)n0 * m0 * m0) / (double)(n0 - 1);
        double z = fabs(s1 / (double)n1 - m0) / sqrt(fmax(var, 1e-12));
        if (z > best) {
            best = z;
            *seg = x->labels;
        }
    }
    return best;
}

/* Least move of a segment's share (in its daily standard deviations) that people notice. */
#define SIM_VISIBLE_SHARE_MOVE 4.0

/* What people would see and ask about (never the cause): the symptom to investigate. */
static const char *observed_symptom(const struct sim_world *w, char *buf, size_t cap)
{
    enum sim_fault_kind k = w->fault.kind;
    bool latency = k == SIM_F_CPU_THROTTLING || k == SIM_F_MODEL_SERVER_RESTARTS ||
                   k == SIM_F_NETWORK_PACKET_LOSS || k == SIM_F_NOISY_NEIGHBOUR ||
                   k == SIM_F_DB_LOCK_CONTENTION || k == SIM_F_POOL_EXHAUSTION;
    static const char *const entry[SIM_SYS_N] = {"gateway", "transaction-api", NULL};
    if (k == SIM_F_SCRAPE_TARGET_DOWN) {
        /* a dashboard of the silent target goes blank */
        if (!strcmp(w->fault.target, "campaign-service"))
            return "campaign_sends_total";
        if (!strcmp(w->fault.target, "segment-scoring"))
            return "segment_share";
        snprintf(buf, cap, "http_server_requests_total{service=\"%s\",code=\"200\"}",
                 w->fault.target);
        return buf;
    }
    if (k == SIM_F_HOLIDAY_DIP && entry[w->o.system]) {
        /* traffic fell: why? */
        snprintf(buf, cap, "http_server_requests_total{service=\"%s\",code=\"200\"}",
                 entry[w->o.system]);
        return buf;
    }
    switch (w->o.system) {
    case SIM_SYS_RECS:
        return latency ? "latency:gateway@99" : "kpi:ctr";
    case SIM_SYS_FRAUD:
        if (k == SIM_F_NONE) {
            /* a healthy run is asked about either signal, as a fault's would be */
            struct sim_rng r;
            sim_rng_at(&r, w->o.seed, SIM_STREAM("observed"), 1, 0);
            latency = sim_rng_unif(&r) < 0.5;
        }
        return latency ? "latency:fraud-service@99" : "kpi:fraud_blocked_ratio";
    default: {
        /* Wrong segments show as a segment whose size jumped; a healthy run is asked about the
         * segment that moved most, or about conversions, one or the other by seed. */
        const char *seg = NULL;
        double z = moved_segment(w, observed_onset(w), &seg);
        bool ask_share = z >= SIM_VISIBLE_SHARE_MOVE;
        if (k == SIM_F_NONE) {
            struct sim_rng r;
            sim_rng_at(&r, w->o.seed, SIM_STREAM("observed"), 2, 0);
            ask_share = z >= 0 && sim_rng_unif(&r) < 0.5;
        }
        if (ask_share && seg) {
            snprintf(buf, cap, "segment_share{%s}", seg);
            return buf;
        }
        return "kpi:segment_conversion";
    }
    }
}

/* truth.json "observed": the symptom, the onset (a healthy run gets one drawn as a fault's would
 * be), and for the batch system day-scale windows: the whole run before and after it. */
static void observed_json(const struct sim_world *w, struct fl_buf *b)
{
    char sym[256], t[40], t2[40];
    const char *s = observed_symptom(w, sym, sizeof(sym));
    int64_t onset = observed_onset(w);
    fl_buf_puts(b, ",\n  \"observed\": {\"symptom\": ");
    fl_buf_put_json_str(b, s, strlen(s));
    fl_time_fmt_rfc3339_ms(onset, t, sizeof(t));
    fl_buf_printf(b, ", \"onset\": \"%s\"", t);
    if (w->o.system == SIM_SYS_BATCH) {
        fl_time_fmt_rfc3339_ms(w->o.start_ms, t2, sizeof(t2));
        fl_buf_printf(b, ", \"baseline\": \"%s,%s\"", t2, t);
        fl_time_fmt_rfc3339_ms(w->o.start_ms + w->o.duration_ms, t2, sizeof(t2));
        fl_buf_printf(b, ", \"incident\": \"%s,%s\"", t, t2);
    } else if (!strncmp(s, "kpi:", 4)) {
        /* A business KPI is watched on a dashboard over hours: "blocks have been down since
         * 14:05" asks about the onset up to now, against the two hours before it. */
        int64_t b0 = onset - 2 * 3600000LL > w->o.start_ms ? onset - 2 * 3600000LL : w->o.start_ms;
        fl_time_fmt_rfc3339_ms(b0, t2, sizeof(t2));
        fl_buf_printf(b, ", \"baseline\": \"%s,%s\"", t2, t);
        fl_time_fmt_rfc3339_ms(w->o.start_ms + w->o.duration_ms, t2, sizeof(t2));
        fl_buf_printf(b, ", \"incident\": \"%s,%s\"", t, t2);
    }
    fl_buf_puts(b, "}");
}

void sim_world_truth_json(const struct sim_world *w, struct fl_buf *b)
{
    const struct sim_fault *f = &w->fault;
    char t[40];
    fl_buf_puts(b, "{\n  \"generator\": \"faultline-sim\",\n  \"system\": ");
    fl_buf_put_json_str(b, sim_system_name(w->o.system), strlen(sim_system_name(w->o.system)));
    fl_buf_puts(b, ",\n  \"scenario\": ");
    if (w->o.scenario)
        fl_buf_put_json_str(b, w->o.scenario, strlen(w->o.scenario));
    else
        fl_buf_puts(b, "null");
    fl_buf_printf(b, ",\n  \"seed\": %llu", (unsigned long long)w->o.seed);
    fl_time_fmt_rfc3339_ms(w->o.start_ms, t, sizeof(t));
    fl_buf_printf(b, ",\n  \"start\": \"%s\"", t);
    fl_time_fmt_rfc3339_ms(w->o.start_ms + w->o.duration_ms, t, sizeof(t));
    fl_buf_printf(b, ",\n  \"end\": \"%s\",\n  \"step_s\": %lld", t,
                  (long long)(w->o.step_ms / 1000));
    fl_buf_puts(b, ",\n  \"fault\": ");
    if (f->kind == SIM_F_NONE) {
        fl_buf_puts(b, "null");
    } else {
        fl_buf_puts(b, "{\"kind\": ");
        fl_buf_put_json_str(b, sim_fault_name(f->kind), strlen(sim_fault_name(f->kind)));
        fl_buf_puts(b, ", \"target\": ");
        fl_buf_put_json_str(b, f->target, strlen(f->target));
        fl_buf_puts(b, ", \"detail\": ");
        fl_buf_put_json_str(b, f->detail, strlen(f->detail));
        fl_time_fmt_rfc3339_ms(f->onset_ms, t, sizeof(t));
        fl_buf_printf(b, ", \"onset\": \"%s\", \"onset_ms\": %lld, \"size\": ", t,
                      (long long)f->onset_ms);
        fl_buf_put_double(b, f->size);
        bool real = f->kind != SIM_F_HOLIDAY_DIP && f->kind != SIM_F_SCRAPE_TARGET_DOWN &&
                    f->kind != SIM_F_CLICK_LOGGING_BROKEN;
        fl_buf_printf(b, ", \"is_fault\": %s, \"expect\": \"%s\"}",
                      f->kind == SIM_F_HOLIDAY_DIP ? "false" : "true",
                      real ? "cause"
                      : f->kind == SIM_F_HOLIDAY_DIP ? "no_fault"
                                                     : "broken_metric");
    }
    observed_json(w, b);
    fl_buf_puts(b, ",\n  \"red_herrings\": [");
    fl_buf_puts(b, w->herrings_json.data ? w->herrings_json.data : "");
    fl_buf_puts(b, "]\n}\n");
}
