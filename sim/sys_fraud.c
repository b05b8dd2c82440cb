/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sys_fraud.c: the fraud-scoring system of the mission's incident 2. A transaction API calls the
 * fraud service, which fetches features from a feature store over the cluster network (timeout
 * 150 ms, two retries with backoff, then a fallback without the stored features) and calls the
 * fraud model server (timeout 250 ms). Every request is simulated; a sample is traced (OTLP) and
 * logged as an inference record with the features served; chargebacks come back as outcomes.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "core/alloc.h"

enum { N_REG = 3, N_TIER = 2, N_CAT = 4 };
static const char *const regions[N_REG] = {"us", "eu", "apac"};
static const double region_w[N_REG] = {0.5, 0.35, 0.15};
static const char *const tiers[N_TIER] = {"small", "large"};
static const char *const cats[N_CAT] = {"retail", "travel", "digital", "crypto"};
static const double cat_w[N_CAT] = {0.6, 0.25, 0.15, 0.0};

enum { S_API, S_FRAUD, S_FS, S_MODEL, N_SVC };
enum { L_API_FRAUD, L_FRAUD_FS, L_FRAUD_MODEL, N_LINK };

#define FS_TIMEOUT 0.150
#define MODEL_TIMEOUT 0.250
#define N_FEAT 3
static const char *const store_feats[N_FEAT] = {"amount_7d", "merchant_risk", "txn_count_1h"};

struct fraud {
    struct sim_plant p;
    struct sim_model_srv model;
    struct sim_featq featq;
    struct sim_hist score_lat[N_REG][N_TIER];
    size_t s_decision[3], s_blocked[N_REG], s_fs_client[3], s_retries, s_pool_in_use,
        s_pool_wait, s_lock_waits, s_lock_s, s_txn[N_REG][N_CAT], s_blocked_n[N_REG][N_CAT];
    double decision[3], fs_client[3], retries, pool_wait, lock_waits, lock_s, txn[N_REG][N_CAT],
        blocked_n[N_REG][N_CAT];
    double fs_calls_per_req;
};

static double score_of(double y_signal, double amount, double a7d, double risk, double cnt,
                       bool have_store, double noise)
{
    double z = -4.2 + 2.6 * y_signal + 0.25 * log1p(amount / 50.0) + noise;
    if (have_store)
        z += 1.1 * risk + 0.4 * log1p(a7d / 500.0) + 0.08 * cnt;
    else
        z += 0.6; /* defaults: the model is less sure */
    return 1.0 / (1.0 + exp(-z));
}

/* One step's conditions, shared by its transactions. */
struct fstep {
    struct sim_step s;
    double threshold;
    bool holiday;
    unsigned fs_calls;
    double blocked[N_REG], total[N_REG], blocked_c[N_REG][N_CAT], total_c[N_REG][N_CAT];
};

/* One transaction on its way through the system. */
struct ftxn {
    uint64_t rid;
    int64_t t0_ns;
    size_t reg, tier, cat;
    double amount, noise, api_own, fr_own, rtt0, cur;
    bool fraud, traced, logged, have_store;
    double vals[N_FEAT];
    int status[N_FEAT]; /* 0 present, 1 null, 2 not_found */
    struct sim_rng rt;  /* span ids */
    uint8_t tid[16];
    uint64_t root_id, api_client, fr_server;
    struct sim_span spans[16];
    size_t ns;
    struct sim_model_call mc;
};

/* CPU time per call: the base service time. Queueing, a throttled quota, a neighbour's steal or
 * lock waits make calls slower but use no more CPU (a cold model cache does). */
static const double cpu_s[N_SVC] = {0.004, 0.008, 0.005, 0.013};

/* The stations, links and fault states of one step, from its expected load. */
static void fraud_conditions(struct sim_world *w, struct fraud *f, struct fstep *c, uint32_t n)
{
    const struct sim_fault *flt = &w->fault;
    struct sim_step *s = &c->s;
    int64_t t = s->t;
    /* The pool to the feature store: 8 connections; a leak takes 0.2 + 0.5 * size of them a
     * minute and never gives them back. */
    sim_step_conditions(w, &f->p, s, n, 8.0, 0.2, 0.5, "v7");
    double lam = s->lam;
    struct sim_svc *svc = f->p.svc;
    sim_station_update(&svc[S_API].st, lam, cpu_s[S_API] * s->slow[S_API]);
    sim_station_update(&svc[S_FRAUD].st, lam, cpu_s[S_FRAUD] * s->slow[S_FRAUD]);
    sim_station_update(&svc[S_FS].st, lam * f->fs_calls_per_req,
                       (cpu_s[S_FS] + s->lock * 0.012) * s->slow[S_FS]);
    sim_station_update(&svc[S_MODEL].st, lam, cpu_s[S_MODEL] * s->slow[S_MODEL] * s->thr);
    if (sim_fault_on(flt, SIM_F_NETWORK_PACKET_LOSS, t))
        f->p.links[!strcmp(flt->detail, "feature-store") ? L_FRAUD_FS : L_FRAUD_MODEL].loss_p =
            flt->size;
    sim_model_srv_step(w, &f->model, s);
    sim_station_update(&s->pool, lam * f->fs_calls_per_req, 0.008 * s->slow[S_FS]);
    /* Block at P(fraud) > 0.5: about 0.5 % of transactions, 40 % of the fraud at 94 %
     * precision (chargebacks of the logged sample); the rules change lowers the bar. */
    c->threshold =
        sim_fault_on(flt, SIM_F_BUSINESS_RULES_CHANGE, t) ? 0.5 * (1.0 - 0.6 * flt->size) : 0.5;
    c->holiday = sim_fault_on(flt, SIM_F_HOLIDAY_DIP, t);
}

/* Who pays, where, how much; false when the customer stays home for a holiday. */
static bool fraud_arrival(struct sim_world *w, struct fstep *c, struct ftxn *q, bool is_extra)
{
    const struct sim_fault *flt = &w->fault;
    struct sim_rng rq;
    sim_rng_at(&rq, w->o.seed, SIM_STREAM("txn"), c->s.tick, q->rid);
    q->t0_ns = sim_step_t0_ns(w, &c->s, &rq);
    q->reg = sim_rng_pick(&rq, region_w, N_REG);
    q->tier = sim_rng_unif(&rq) < 0.6 ? 0 : 1;
    q->cat = is_extra ? 3 : sim_rng_pick(&rq, cat_w, N_CAT);
    q->amount = round(sim_rng_lognorm(&rq, q->tier ? 180.0 : 35.0, 0.9) * 100) / 100;
    double y_u = sim_rng_unif(&rq);
    q->traced = sim_rng_unif(&rq) < c->s.p_trace;
    q->logged = sim_rng_unif(&rq) < c->s.p_log;
    q->fraud = y_u < (q->cat == 3 ? 0.06 : 0.012);
    if (c->holiday && !strncmp(flt->detail + 7, regions[q->reg], 4) &&
        sim_rng_unif(&rq) < flt->size)
        return false;
    c->total[q->reg] += 1;
    c->total_c[q->reg][q->cat] += 1;
    return true;
}

/* Feature values as the store holds them (always drawn: faults only transform them). */
static void fraud_feature_values(struct sim_world *w, struct fstep *c, struct ftxn *q)
{
    const struct sim_fault *flt = &w->fault;
    int64_t t = c->s.t;
    struct sim_rng rd;
    sim_rng_at(&rd, w->o.seed, SIM_STREAM("feature-store-data"), c->s.tick, q->rid);
    double a7d = round(q->amount * (3.0 + 4.0 * sim_rng_unif(&rd)) * 100) / 100;
    double risk = round((q->fraud ? 0.55 : 0.15) * sim_rng_lognorm(&rd, 1.0, 0.4) * 1000) / 1000;
    double cnt = (double)sim_rng_poisson(&rd, q->fraud ? 4.0 : 1.2);
    double u_null = sim_rng_unif(&rd);
    q->noise = 0.6 * sim_rng_norm(&rd);
    q->vals[0] = a7d;
    q->vals[1] = risk;
    q->vals[2] = cnt;
    memset(q->status, 0, sizeof(q->status));
    if (sim_fault_on(flt, SIM_F_SCHEMA_UNIT_CHANGE, t) && u_null < flt->size)
        q->vals[0] *= 100.0;
    if (sim_fault_on(flt, SIM_F_SCHEMA_RENAMED_COLUMN, t) && u_null < flt->size) {
        if (t - flt->onset_ms < 45 * 60000)
            q->status[1] = 1;
        else
            q->vals[1] = 0.0; /* the pipeline's default */
    }
    if (sim_fault_on(flt, SIM_F_NULL_SPIKE, t) && u_null < flt->size)
        q->status[!strcmp(flt->detail, "amount_7d") ? 0 : 2] = 1;
}

static struct sim_span *new_span(struct ftxn *q, const char *service, const char *name, int kind,
                                 uint64_t parent)
{
    struct sim_span *sp = &q->spans[q->ns++];
    *sp = (struct sim_span){.service = service, .name = name, .kind = kind, .parent_id = parent};
    return sp;
}

/* A client span of fraud-service to the feature store. */
static struct sim_span *fs_client_span(struct ftxn *q, double from_s, double to_s)
{
    struct sim_span *sp = new_span(q, "fraud-service", "GET /features", 3, q->fr_server);
    sp->span_id = sim_new_span_id(&q->rt);
    sp->start_ns = q->t0_ns + (int64_t)(from_s * 1e9);
    sp->end_ns = q->t0_ns + (int64_t)(to_s * 1e9);
    sim_span_attr(sp, "peer.service", "feature-store", 0);
    sim_span_attr(sp, "server.address", "feature-store.fraud.svc", 0);
    return sp;
}

/* One attempt at the feature store; true when it answered in time. */
static bool fraud_fs_attempt(struct sim_world *w, struct fraud *f, struct fstep *c,
                             struct ftxn *q, int k)
{
    struct sim_rng rn, rs;
    sim_rng_at(&rn, w->o.seed, SIM_STREAM("link:fraud-fs"), c->s.tick, q->rid * 4 + k);
    sim_rng_at(&rs, w->o.seed, SIM_STREAM("feature-store"), c->s.tick, q->rid * 4 + k);
    double rtt;
    bool lost = sim_link_call(&f->p.links[L_FRAUD_FS], &rn, &rtt);
    bool lost_reply = sim_rng_unif(&rn) < 0.5;
    double fs = sim_station_latency(&f->p.svc[S_FS].st, &rs, 0.35);
    double took = lost ? FS_TIMEOUT : rtt + fs;
    bool reached = !lost || lost_reply;
    bool ok = took < FS_TIMEOUT;
    c->fs_calls++;
    if (reached) {
        c->s.busy[S_FS] += cpu_s[S_FS];
        sim_hist_observe(&f->p.svc[S_FS].lat, fs);
        f->p.svc[S_FS].req_ok += 1;
        if (c->s.lock > 0) {
            /* the store's lock counters (postgres_exporter-style): a share `lock` of the
             * lookups waited, 12 ms on average (the service time the station adds) */
            struct sim_rng rl;
            sim_rng_at(&rl, w->o.seed, SIM_STREAM("feature-store-locks"), c->s.tick,
                       q->rid * 4 + (uint64_t)k);
            if (sim_rng_unif(&rl) < c->s.lock) {
                f->lock_waits += 1;
                f->lock_s += sim_rng_exp(&rl, 0.012);
            }
        }
    }
    if (!ok)
        took = FS_TIMEOUT;
    f->fs_client[ok ? 0 : 1] += 1;
    if (k > 0)
        f->retries += 1;
    if (q->traced && q->ns + 2 < 16) {
        struct sim_span *sp = fs_client_span(q, q->cur, q->cur + took);
        sim_span_attr(sp, "server.port", NULL, 6566);
        sim_span_attr(sp, "retry.count", NULL, k);
        if (!ok)
            sim_span_error(sp, "deadline exceeded after 150ms", "timeout");
        if (reached) {
            struct sim_span *ss = new_span(q, "feature-store", "GET /features", 2, sp->span_id);
            ss->span_id = sim_new_span_id(&q->rt);
            double off = lost ? 0.4 * FS_TIMEOUT * sim_rng_unif(&rn) : rtt / 2;
            ss->start_ns = sp->start_ns + (int64_t)(off * 1e9);
            ss->end_ns = ss->start_ns + (int64_t)(fs * 1e9);
            sim_span_attr(ss, "db.system", "redis", 0);
        }
    }
    q->cur += took;
    if (!ok && k < 2)
        q->cur += 0.02 * (k + 1); /* backoff */
    return ok;
}

/* The feature fetch: wait for a pooled connection, then up to three attempts. */
static void fraud_fetch(struct sim_world *w, struct fraud *f, struct fstep *c, struct ftxn *q)
{
    struct sim_rng rp;
    sim_rng_at(&rp, w->o.seed, SIM_STREAM("fraud-pool"), c->s.tick, q->rid);
    double pw = sim_rng_unif(&rp) < c->s.pool.p_wait ? sim_rng_exp(&rp, c->s.pool.w_mean) : 0;
    f->pool_wait += fmin(pw, 0.1);
    q->have_store = false;
    if (pw > 0.1) {
        q->cur += 0.1;
        f->fs_client[2] += 1;
        if (q->traced)
            sim_span_error(fs_client_span(q, q->cur - 0.1, q->cur),
                           "connection pool timeout after 100ms", "pool_timeout");
    } else {
        q->cur += pw;
        for (int k = 0; k < 3 && !q->have_store; k++)
            q->have_store = fraud_fs_attempt(w, f, c, q, k);
    }
    if (!q->have_store)
        for (int j = 0; j < N_FEAT; j++)
            q->status[j] = 2;
}

/* The model call: lost packets time out, a crashed server refuses at once. */
static void fraud_model_call(struct sim_world *w, struct fraud *f, struct fstep *c, struct ftxn *q)
{
    struct sim_rng rn2, rm;
    sim_rng_at(&rn2, w->o.seed, SIM_STREAM("link:fraud-model"), c->s.tick, q->rid);
    sim_rng_at(&rm, w->o.seed, SIM_STREAM("fraud-model-server"), c->s.tick, q->rid);
    /* the server as it was when the transaction arrived (the call starts under a second later) */
    sim_model_srv_call(&f->model, &rn2, &rm, q->t0_ns / 1000000, &c->s.busy[S_MODEL], &q->mc);
}

/* The rest of a traced transaction's spans, then all of them to the sink. */
static void fraud_spans(struct sim_world *w, const struct fstep *c, struct ftxn *q, double fr_dur,
                        double total)
{
    if (q->ns + 4 > 16)
        return;
    struct sim_span *sp = new_span(q, "fraud-service", "POST /predict", 3, q->fr_server);
    sp->span_id = sim_new_span_id(&q->rt);
    sp->start_ns = q->t0_ns + (int64_t)(q->cur * 1e9);
    sp->end_ns = sp->start_ns + (int64_t)(q->mc.took * 1e9);
    sim_span_attr(sp, "peer.service", "fraud-model-server", 0);
    sim_span_attr(sp, "server.address", "fraud-model.fraud.svc", 0);
    if (!q->mc.ok)
        sim_span_error(sp, q->mc.down ? "connection refused" : "deadline exceeded after 250ms",
                       q->mc.down ? "unavailable" : "timeout");
    if (!q->mc.down && !q->mc.lost) {
        struct sim_span *ms = new_span(q, "fraud-model-server", "predict", 2, sp->span_id);
        ms->span_id = sim_new_span_id(&q->rt);
        ms->start_ns = sp->start_ns + (int64_t)(q->mc.rtt / 2 * 1e9);
        ms->end_ns = ms->start_ns + (int64_t)(q->mc.ml * 1e9);
        sim_span_attr(ms, "model.name", "fraud", 0);
        sim_span_attr(ms, "model.version", c->s.version, 0);
    }
    struct sim_span *fs = new_span(q, "fraud-service", "POST /score", 2, q->api_client);
    fs->span_id = q->fr_server;
    fs->start_ns = q->t0_ns + (int64_t)((q->api_own * 0.3 + q->rtt0 / 2) * 1e9);
    fs->end_ns = fs->start_ns + (int64_t)(fr_dur * 1e9);
    sim_span_attr(fs, "http.request.method", "POST", 0);
    sim_span_attr(fs, "http.route", "/score", 0);
    sim_span_attr(fs, "http.response.status_code", NULL, 200);
    struct sim_span *ac = new_span(q, "transaction-api", "POST /score", 3, q->root_id);
    ac->span_id = q->api_client;
    ac->start_ns = q->t0_ns + (int64_t)(q->api_own * 0.3 * 1e9);
    ac->end_ns = ac->start_ns + (int64_t)((q->rtt0 + fr_dur) * 1e9);
    sim_span_attr(ac, "peer.service", "fraud-service", 0);
    sim_span_attr(ac, "server.address", "fraud-service.fraud.svc", 0);
    struct sim_span *rs = new_span(q, "transaction-api", "POST /transactions", 2, 0);
    rs->span_id = q->root_id;
    rs->start_ns = q->t0_ns;
    rs->end_ns = q->t0_ns + (int64_t)(total * 1e9);
    sim_span_attr(rs, "http.request.method", "POST", 0);
    sim_span_attr(rs, "http.route", "/transactions", 0);
    sim_span_attr(rs, "http.response.status_code", NULL, 200);
    sim_plant_emit_spans(w, &((const struct fraud *)w->sys)->p, q->spans, q->ns, q->tid);
}

/* The model's log line (with the features as served) and the chargeback that follows. */
static void fraud_log(struct sim_world *w, const struct fstep *c, const struct ftxn *q, double sc,
                      int decision)
{
    struct fl_buf *b = &w->sink.inferences;
    char tidh[33];
    sim_trace_id_hex(q->tid, tidh);
    int64_t ts = q->t0_ns / 1000000 + (int64_t)((q->cur + q->mc.rtt / 2 + q->mc.ml) * 1000);
    fl_buf_printf(b, "{\"ts\":%lld,\"request_id\":\"txn-%zu-%llu\",\"trace_id\":\"%s\","
                     "\"model\":\"fraud\",\"model_version\":\"%s\",\"features\":{\"amount\":",
                  (long long)ts, c->s.tick, (unsigned long long)q->rid, tidh, c->s.version);
    fl_buf_put_double(b, q->amount);
    for (int j = 0; j < N_FEAT; j++) {
        fl_buf_printf(b, ",\"%s\":", store_feats[j]);
        sim_json_feature(b, q->status[j], q->vals[j]);
    }
    fl_buf_printf(b, ",\"merchant_category\":\"%s\"},\"prediction\":", cats[q->cat]);
    fl_buf_put_double(b, sc);
    fl_buf_printf(b, ",\"segments\":{\"region\":\"%s\",\"merchant_tier\":\"%s\"},\"latency_ms\":",
                  regions[q->reg], tiers[q->tier]);
    fl_buf_put_double(b, round(q->mc.ml * 1e6) / 1e3);
    fl_buf_puts(b, "}\n");
    w->sink.n_inferences++;
    fl_buf_printf(&w->sink.outcomes,
                  "{\"ts\":%lld,\"request_id\":\"txn-%zu-%llu\",\"name\":\"chargeback\","
                  "\"value\":%d}\n",
                  (long long)(ts + 2 * 3600 * 1000), c->s.tick, (unsigned long long)q->rid,
                  q->fraud && decision != 1 ? 1 : 0);
    w->sink.n_outcomes++;
}

/* One transaction, end to end. */
static void fraud_request(struct sim_world *w, struct fraud *f, struct fstep *c, uint64_t rid,
                          bool is_extra)
{
    const struct sim_fault *flt = &w->fault;
    struct ftxn q = {.rid = rid};
    if (!fraud_arrival(w, c, &q, is_extra))
        return; /* at home for the holiday */
    struct sim_rng ra, rf, rl;
    sim_rng_at(&ra, w->o.seed, SIM_STREAM("transaction-api"), c->s.tick, rid);
    sim_rng_at(&rf, w->o.seed, SIM_STREAM("fraud-service"), c->s.tick, rid);
    sim_rng_at(&q.rt, w->o.seed, SIM_STREAM("fraud-trace"), c->s.tick, rid);
    q.api_own = sim_station_latency(&f->p.svc[S_API].st, &ra, 0.4);
    q.fr_own = sim_station_latency(&f->p.svc[S_FRAUD].st, &rf, 0.4);
    sim_rng_at(&rl, w->o.seed, SIM_STREAM("link:api-fraud"), c->s.tick, rid);
    sim_link_call(&f->p.links[L_API_FRAUD], &rl, &q.rtt0);
    c->s.busy[S_API] += cpu_s[S_API];
    c->s.busy[S_FRAUD] += cpu_s[S_FRAUD];
    fraud_feature_values(w, c, &q);
    sim_new_ids(&q.rt, q.tid, &q.root_id);
    q.api_client = sim_new_span_id(&q.rt);
    q.fr_server = sim_new_span_id(&q.rt);
    q.cur = q.api_own * 0.3 + q.rtt0 / 2 + q.fr_own * 0.3; /* s since t0 */
    fraud_fetch(w, f, c, &q);
    fraud_model_call(w, f, c, &q);
    double v[N_FEAT];
    for (int j = 0; j < N_FEAT; j++)
        v[j] = q.status[j] ? 0.0 : q.vals[j];
    double sc = score_of(q.fraud ? 1.0 : 0.0, q.amount, v[0], v[1], v[2], q.have_store,
                         q.noise * (c->s.regress ? 1.0 + 3.0 * flt->size : 1.0) +
                             (c->s.regress ? 1.2 * flt->size : 0.0));
    sc = round(sc * 1e4) / 1e4;
    int decision = !q.mc.ok ? 2 : sc > c->threshold ? 1 : 0; /* approve, block, review */
    f->decision[decision] += 1;
    if (decision == 1)
        c->blocked[q.reg] += 1, c->blocked_c[q.reg][q.cat] += 1;
    double fr_dur = q.cur - (q.api_own * 0.3 + q.rtt0 / 2) + q.mc.took + q.fr_own * 0.7;
    double total = q.api_own + q.rtt0 + fr_dur;
    sim_hist_observe(&f->p.svc[S_FRAUD].lat, fr_dur);
    sim_hist_observe(&f->score_lat[q.reg][q.tier], fr_dur);
    sim_hist_observe(&f->p.svc[S_API].lat, total);
    f->p.svc[S_API].req_ok += 1;
    f->p.svc[S_FRAUD].req_ok += 1;
    if (q.traced)
        fraud_spans(w, c, &q, fr_dur, total);
    if (q.logged && q.mc.ok)
        fraud_log(w, c, &q, sc, decision);
    /* Feature quality, as the feature store's data-quality export sees what it served. */
    if (q.have_store)
        sim_featq_served(&f->featq, q.vals, q.status);
}

static void fraud_record(struct sim_world *w, struct fraud *f, const struct fstep *c);

static fl_err fraud_tick(struct sim_world *w, size_t tick)
{
    struct fraud *f = w->sys;
    struct fstep c = {0};
    uint32_t n, n_extra;
    sim_step_traffic(w, &c.s, tick, "fraud-traffic", 22.0, &n, &n_extra);
    fraud_conditions(w, f, &c, n);
    for (uint32_t i = 0; i < n + n_extra; i++)
        fraud_request(w, f, &c, i >= n ? 1000000 + i : i, i >= n);
    if (n + n_extra)
        f->fs_calls_per_req =
            0.8 * f->fs_calls_per_req + 0.2 * (double)c.fs_calls / (double)(n + n_extra);
    fraud_record(w, f, &c);
    return sim_sink_err(&w->sink);
}

static void fraud_record(struct sim_world *w, struct fraud *f, const struct fstep *c)
{
    size_t tick = c->s.tick;
    const double *busy = c->s.busy;
    double node_busy[3] = {busy[S_API] + busy[S_FRAUD], busy[S_FS], busy[S_MODEL]};
    sim_plant_record(w, &f->p, busy, node_busy, tick);
    for (int i = 0; i < N_REG; i++) {
        for (int j = 0; j < N_TIER; j++)
            sim_hist_record(&w->m, &f->score_lat[i][j], tick);
        sim_put(&w->m, f->s_blocked[i], tick,
                c->total[i] > 0 ? round(c->blocked[i] / c->total[i] * 1e4) / 1e4 : 0);
        for (int k = 0; k < N_CAT; k++) {
            f->txn[i][k] += c->total_c[i][k];
            f->blocked_n[i][k] += c->blocked_c[i][k];
            sim_put(&w->m, f->s_txn[i][k], tick, f->txn[i][k]);
            sim_put(&w->m, f->s_blocked_n[i][k], tick, f->blocked_n[i][k]);
        }
    }
    for (int i = 0; i < 3; i++) {
        sim_put(&w->m, f->s_decision[i], tick, f->decision[i]);
        sim_put(&w->m, f->s_fs_client[i], tick, f->fs_client[i]);
    }
    sim_featq_record(w, &f->featq, tick);
    sim_put(&w->m, f->s_retries, tick, f->retries);
    const struct sim_step *s = &c->s;
    sim_put(&w->m, f->s_pool_in_use, tick,
            s->leaked +
                round(fmin(s->pool_size, s->lam * f->fs_calls_per_req * 0.008 * s->slow[S_FS]) *
                      100) / 100);
    sim_put(&w->m, f->s_pool_wait, tick, f->pool_wait);
    sim_put(&w->m, f->s_lock_waits, tick, f->lock_waits);
    sim_put(&w->m, f->s_lock_s, tick, round(f->lock_s * 1e4) / 1e4);
    sim_model_srv_record(w, &f->model, tick);
}

static void fraud_free(void *p) { fl_free(p); }

fl_err sim_fraud_init(struct sim_world *w)
{
    struct fraud *f = fl_calloc(1, sizeof(*f));
    if (!f)
        return FL_ENOMEM;
    w->sys = f;
    w->sys_free = fraud_free;
    w->tick = fraud_tick;
    f->fs_calls_per_req = 1.0;
    static const struct sim_node_spec nodes[3] = {
        {"node-a", 8}, {"node-b", 8}, {"node-c", 4}};
    static const struct sim_svc_spec svc[N_SVC] = {
        [S_API] = {"transaction-api", 0, 16, "http_request_duration_seconds"},
        [S_FRAUD] = {"fraud-service", 0, 12, "http_request_duration_seconds"},
        [S_FS] = {"feature-store", 1, 10, "feature_store_request_duration_seconds"},
        [S_MODEL] = {"fraud-model-server", 2, 4, "model_inference_duration_seconds"},
    };
    static const struct sim_link_spec links[N_LINK] = {
        [L_API_FRAUD] = {"transaction-api", "fraud-service"},
        [L_FRAUD_FS] = {"fraud-service", "feature-store"},
        [L_FRAUD_MODEL] = {"fraud-service", "fraud-model-server"},
    };
    bool ok = sim_plant_init(w, &f->p, nodes, 3, svc, N_SVC, links, N_LINK);
    size_t tf = f->p.svc[S_FRAUD].target, tfs = f->p.svc[S_FS].target;
    char lb[160];
    for (int i = 0; i < N_REG && ok; i++) {
        for (int j = 0; j < N_TIER && ok; j++) {
            snprintf(lb, sizeof(lb), "service=\"fraud-service\",region=\"%s\",merchant_tier=\"%s\"",
                     regions[i], tiers[j]);
            ok = sim_hist_new(&w->m, &f->score_lat[i][j], "fraud_score_duration_seconds",
                              "Fraud scoring latency by region and merchant tier.", tf, lb,
                              sim_lat_buckets, sim_n_lat_buckets);
        }
        snprintf(lb, sizeof(lb), "service=\"fraud-service\",region=\"%s\"", regions[i]);
        f->s_blocked[i] = sim_series_new(&w->m, "fraud_blocked_ratio", SIM_GAUGE,
                                         "Share of transactions blocked in the last step.", NULL,
                                         tf, lb);
        /* the business counters, by region and merchant category */
        for (int k = 0; k < N_CAT && ok; k++) {
            snprintf(lb, sizeof(lb),
                     "service=\"fraud-service\",region=\"%s\",merchant_category=\"%s\"",
                     regions[i], cats[k]);
            f->s_txn[i][k] = sim_series_new(&w->m, "fraud_transactions", SIM_COUNTER,
                                            "Transactions scored.", NULL, tf, lb);
            f->s_blocked_n[i][k] = sim_series_new(&w->m, "fraud_blocked", SIM_COUNTER,
                                                  "Transactions blocked.", NULL, tf, lb);
            ok = f->s_txn[i][k] != SIZE_MAX && f->s_blocked_n[i][k] != SIZE_MAX;
        }
    }
    static const char *const dec[3] = {"approve", "block", "review"};
    static const char *const outc[3] = {"ok", "timeout", "pool_timeout"};
    for (int i = 0; i < 3; i++) {
        snprintf(lb, sizeof(lb), "service=\"fraud-service\",decision=\"%s\"", dec[i]);
        f->s_decision[i] = sim_series_new(&w->m, "fraud_decisions", SIM_COUNTER,
                                          "Scoring decisions.", NULL, tf, lb);
        snprintf(lb, sizeof(lb), "service=\"fraud-service\",peer=\"feature-store\",outcome=\"%s\"",
                 outc[i]);
        f->s_fs_client[i] = sim_series_new(&w->m, "feature_store_client_requests", SIM_COUNTER,
                                           "Feature-store calls by outcome (client side).", NULL,
                                           tf, lb);
    }
    ok = ok && sim_featq_init(w, &f->featq, "feature-store", tfs, store_feats, N_FEAT);
    const char *fsl = "service=\"fraud-service\",peer=\"feature-store\"";
    f->s_retries = sim_series_new(&w->m, "feature_store_client_retries", SIM_COUNTER,
                                  "Feature-store call retries.", NULL, tf, fsl);
    f->s_pool_in_use = sim_series_new(&w->m, "http_client_pool_connections_in_use", SIM_GAUGE,
                                      "Connections in use in the client pool.", NULL, tf, fsl);
    f->s_pool_wait = sim_series_new(&w->m, "http_client_pool_wait_seconds", SIM_COUNTER,
                                    "Time spent waiting for a pooled connection.", NULL, tf, fsl);
    f->s_lock_waits = sim_series_new(&w->m, "db_lock_waits", SIM_COUNTER,
                                     "Lookups that waited for a row lock.", NULL, tfs,
                                     "service=\"feature-store\"");
    f->s_lock_s = sim_series_new(&w->m, "db_lock_wait_seconds", SIM_COUNTER,
                                 "Time spent waiting for row locks.", NULL, tfs,
                                 "service=\"feature-store\"");
    ok = ok && sim_model_srv_init(w, &f->model, &f->p.svc[S_MODEL], &f->p.links[L_FRAUD_MODEL],
                                  "fraud", cpu_s[S_MODEL], MODEL_TIMEOUT, "fraud-crash",
                                  "fraud-model-cgroup");
    if (!ok || f->s_lock_waits == SIZE_MAX || f->s_lock_s == SIZE_MAX ||
        f->s_pool_wait == SIZE_MAX)
        return FL_ENOMEM;
    return FL_OK;
}
