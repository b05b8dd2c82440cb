/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sys_recs.c: the recommender of the mission's incident 1. A gateway calls the recs service
 * (Python-like: few workers, slow own work), which reads user features from a database through a
 * connection pool (16 connections, 100 ms wait, then a popular-items fallback), asks the model
 * server to rank (timeout 300 ms, one retry) and applies business rules through a Java API
 * (timeout 150 ms, served unfiltered on timeout). Each response is a slate of 10 impressions;
 * clicks follow a per-segment click-through rate times the quality of what was served.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "core/alloc.h"

enum { N_PLAT = 3, N_CTRY = 5, N_VER = 3, N_ARM = 2, N_USEG = 2 };
static const char *const plats[N_PLAT] = {"ios", "android", "web"};
static const double plat_w[N_PLAT] = {0.35, 0.45, 0.2};
static const double plat_ctr[N_PLAT] = {0.045, 0.036, 0.03};
static const char *const ctrys[N_CTRY] = {"US", "DE", "BR", "FR", "IN"};
static const double ctry_w[N_CTRY] = {0.38, 0.25, 0.22, 0.15, 0.0};
static const char *const vers[N_VER] = {"5.1", "5.2", "web"};
static const char *const arms[N_ARM] = {"A", "B"};
static const char *const usegs[N_USEG] = {"new", "returning"};
#define N_COMBO (N_PLAT * N_CTRY * N_VER * N_ARM * N_USEG)
#define SLATE 12

enum { S_GW, S_RECS, S_DB, S_MODEL, S_RULES, N_SVC };
enum { L_RECS_MODEL, L_RECS_RULES, N_LINK };
#define N_FEAT 3
static const char *const feats[N_FEAT] = {"ctr_7d", "price_sensitivity", "user_age"};

struct recs {
    struct sim_plant p;
    struct sim_model_srv model;
    struct sim_featq featq;
    size_t s_imp[N_COMBO], s_clk[N_COMBO];
    double imp[N_COMBO], clk[N_COMBO];
    size_t s_pool_use, s_pool_wait, s_pool_to, s_lock_waits, s_lock_s, s_filtered, s_fallback;
    double pool_wait, pool_to, lock_waits, lock_s, filtered, fallback;
};

static bool seg_match(const char *detail, size_t plat, size_t ctry, size_t useg)
{
    char want[64];
    snprintf(want, sizeof(want), "platform=%s", plats[plat]);
    if (!strcmp(detail, want))
        return true;
    snprintf(want, sizeof(want), "country=%s", ctrys[ctry]);
    if (!strcmp(detail, want) || (strstr(detail, "@") && !strcmp(strchr(detail, '@') + 1, want)))
        return true;
    snprintf(want, sizeof(want), "user_segment=%s", usegs[useg]);
    return !strcmp(detail, want);
}

static size_t combo_series(struct sim_world *w, struct recs *rc, size_t ci, size_t plat,
                           size_t ctry, size_t ver, size_t arm, size_t useg)
{
    if (rc->s_imp[ci] != SIZE_MAX)
        return rc->s_imp[ci];
    char lb[256];
    snprintf(lb, sizeof(lb),
             "service=\"recs\",platform=\"%s\",country=\"%s\",app_version=\"%s\","
             "experiment_arm=\"%s\",user_segment=\"%s\"",
             plats[plat], ctrys[ctry], vers[ver], arms[arm], usegs[useg]);
    size_t t = rc->p.svc[S_RECS].target;
    rc->s_imp[ci] = sim_series_new(&w->m, "recs_impressions", SIM_COUNTER,
                                   "Recommended items shown.", NULL, t, lb);
    rc->s_clk[ci] = sim_series_new(&w->m, "recs_clicks", SIM_COUNTER,
                                   "Clicks on recommended items.", NULL, t, lb);
    return rc->s_clk[ci] == SIZE_MAX ? SIZE_MAX : rc->s_imp[ci];
}

/* One step's conditions, shared by its requests. */
struct rstep {
    struct sim_step s;
    double arm_b; /* share of the traffic on experiment arm B */
};

/* One request on its way through the system. */
struct rreq {
    uint64_t rid;
    int64_t t0_ns;
    size_t plat, ctry, ver, arm, useg;
    bool traced, logged, fallback, db_ok, model_ok;
    double gw_own, recs_own, recs_start, cur, quality, pop, ml;
    double vals[N_FEAT];
    int st[N_FEAT]; /* 0 present, 1 null, 2 not_found */
    struct sim_rng rt;
    uint8_t tid[16];
    uint64_t root_id, gw_client, recs_server;
    struct sim_span spans[12];
    size_t ns;
};

/* CPU time per call: the base service time. Queueing, a throttled quota, a neighbour's steal or
 * lock waits make calls slower but use no more CPU (a cold model cache does). */
static const double cpu_s[N_SVC] = {0.002, 0.012, 0.004, 0.018, 0.005};

static struct sim_span *new_span(struct rreq *q, const char *service, const char *name, int kind,
                                 uint64_t parent, double from_s, double dur_s)
{
    struct sim_span *sp = &q->spans[q->ns++];
    *sp = (struct sim_span){.service = service, .name = name, .kind = kind, .parent_id = parent};
    sp->span_id = sim_new_span_id(&q->rt);
    sp->start_ns = q->t0_ns + (int64_t)(from_s * 1e9);
    sp->end_ns = sp->start_ns + (int64_t)(dur_s * 1e9);
    return sp;
}

/* The server span of a client span, starting `off_s` after it. */
static struct sim_span *child_span(struct rreq *q, const struct sim_span *client,
                                   const char *service, const char *name, double off_s,
                                   double dur_s)
{
    uint64_t parent = client->span_id;
    int64_t start = client->start_ns + (int64_t)(off_s * 1e9);
    struct sim_span *sp = new_span(q, service, name, 2, parent, 0, 0);
    sp->start_ns = start;
    sp->end_ns = start + (int64_t)(dur_s * 1e9);
    return sp;
}

/* The stations, links and fault states of one step, from its expected load. */
static void recs_conditions(struct sim_world *w, struct recs *rc, struct rstep *c, uint32_t n)
{
    const struct sim_fault *flt = &w->fault;
    struct sim_step *s = &c->s;
    int64_t t = s->t;
    /* The pool to the database: 16 connections; a leak takes 0.4 + size of them a minute and
     * never gives them back. */
    sim_step_conditions(w, &rc->p, s, n, 16.0, 0.4, 1.0, "v12");
    double lam = s->lam;
    struct sim_svc *svc = rc->p.svc;
    sim_station_update(&svc[S_GW].st, lam, cpu_s[S_GW] * s->slow[S_GW]);
    sim_station_update(&svc[S_RECS].st, lam, cpu_s[S_RECS] * s->slow[S_RECS]);
    sim_station_update(&svc[S_DB].st, lam, (cpu_s[S_DB] + 0.03 * s->lock) * s->slow[S_DB]);
    sim_station_update(&svc[S_MODEL].st, lam, cpu_s[S_MODEL] * s->slow[S_MODEL] * s->thr);
    sim_station_update(&svc[S_RULES].st, lam, cpu_s[S_RULES] * s->slow[S_RULES]);
    if (sim_fault_on(flt, SIM_F_NETWORK_PACKET_LOSS, t))
        rc->p.links[!strcmp(flt->detail, "recs-model-server") ? L_RECS_MODEL : L_RECS_RULES]
            .loss_p = flt->size;
    sim_model_srv_step(w, &rc->model, s);
    sim_station_update(&s->pool, lam, svc[S_DB].st.s_mean * 1.5 + 0.001);
    c->arm_b = sim_fault_on(flt, SIM_F_EXPERIMENT_SHIFT, t) ? 0.5 + flt->size : 0.5;
}

/* Who asks: segments, sampling; false when the user stays away for a holiday. */
static bool recs_arrival(struct sim_world *w, const struct rstep *c, struct rreq *q, bool is_extra)
{
    const struct sim_fault *flt = &w->fault;
    struct sim_rng rq;
    sim_rng_at(&rq, w->o.seed, SIM_STREAM("recs-request"), c->s.tick, q->rid);
    q->t0_ns = sim_step_t0_ns(w, &c->s, &rq);
    q->plat = sim_rng_pick(&rq, plat_w, N_PLAT);
    q->ctry = is_extra ? 4 : sim_rng_pick(&rq, ctry_w, N_CTRY);
    q->ver = q->plat == 2 ? 2 : (sim_rng_unif(&rq) < 0.7 ? 1 : 0);
    double u_arm = sim_rng_unif(&rq);
    q->arm = u_arm < 1.0 - c->arm_b ? 0 : 1;
    q->useg = sim_rng_unif(&rq) < 0.3 ? 0 : 1;
    q->traced = sim_rng_unif(&rq) < c->s.p_trace;
    q->logged = sim_rng_unif(&rq) < c->s.p_log;
    double u_hol = sim_rng_unif(&rq);
    return !(sim_fault_on(flt, SIM_F_HOLIDAY_DIP, c->s.t) &&
             seg_match(flt->detail, q->plat, q->ctry, q->useg) && u_hol < flt->size);
}

/* The user's features as the database holds them, and what data faults do to them. */
static void recs_feature_values(struct sim_world *w, const struct rstep *c, struct rreq *q)
{
    const struct sim_fault *flt = &w->fault;
    int64_t t = c->s.t;
    struct sim_rng rd;
    sim_rng_at(&rd, w->o.seed, SIM_STREAM("user-features-data"), c->s.tick, q->rid);
    q->vals[0] = round(plat_ctr[q->plat] * sim_rng_lognorm(&rd, 1.0, 0.5) * 1e4) / 1e4;
    q->vals[1] = round(sim_rng_unif(&rd) * 1e3) / 1e3;
    q->vals[2] = (double)(18 + (int)(sim_rng_unif(&rd) * 50));
    q->pop = round(sim_rng_unif(&rd) * 1e3) / 1e3;
    double u_f = sim_rng_unif(&rd);
    q->quality = 1.0;
    if (q->ctry == 4) { /* a new market: no history, no catalogue fit */
        q->st[0] = q->st[1] = q->st[2] = 2;
        q->quality *= 0.35;
    }
    if (sim_fault_on(flt, SIM_F_SCHEMA_UNIT_CHANGE, t) && u_f < flt->size &&
        seg_match(flt->detail, q->plat, q->ctry, q->useg) && !q->st[1]) {
        q->vals[1] *= 100.0;
        q->quality *= 0.25; /* the ranker reads a ratio as a percentage: near-random slates */
    }
    if (sim_fault_on(flt, SIM_F_SCHEMA_RENAMED_COLUMN, t) && u_f < flt->size && !q->st[0]) {
        if (t - flt->onset_ms < 45 * 60000)
            q->st[0] = 1;
        else
            q->vals[0] = 0.0; /* the pipeline's default */
        q->quality *= 0.7;
    }
    if (sim_fault_on(flt, SIM_F_NULL_SPIKE, t) && u_f < flt->size) {
        int j = !strcmp(flt->detail, "ctr_7d") ? 0 : 2;
        if (!q->st[j]) {
            q->st[j] = 1;
            q->quality *= j == 0 ? 0.6 : 0.85; /* ctr_7d is the ranker's strongest feature */
        }
    }
}

/* 1. Features from the database through the pool (100 ms wait, 200 ms statement timeout). */
static void recs_db(struct sim_world *w, struct recs *rc, struct rstep *c, struct rreq *q)
{
    struct sim_rng rp, rdb;
    sim_rng_at(&rp, w->o.seed, SIM_STREAM("recs-pool"), c->s.tick, q->rid);
    sim_rng_at(&rdb, w->o.seed, SIM_STREAM("user-features-db"), c->s.tick, q->rid);
    double pw = sim_rng_unif(&rp) < c->s.pool.p_wait ? sim_rng_exp(&rp, c->s.pool.w_mean) : 0;
    double db = sim_station_latency(&rc->p.svc[S_DB].st, &rdb, 0.4);
    double u_lock = sim_rng_unif(&rdb);
    double e_lock = sim_rng_exp(&rdb, 0.04 + 0.1 * c->s.lock);
    double lw = c->s.lock > 0 && u_lock < c->s.lock ? e_lock : 0.0;
    double db_call;
    const char *db_err = NULL;
    q->db_ok = true;
    if (pw >= 0.1) {
        db_call = 0.1;
        q->db_ok = false;
        db_err = "timed out waiting for a pool connection (100ms)";
        rc->pool_to += 1;
        rc->pool_wait += 0.1;
    } else {
        rc->pool_wait += pw;
        db += lw;
        if (lw > 0) {
            rc->lock_waits += 1;
            rc->lock_s += lw;
        }
        c->s.busy[S_DB] += cpu_s[S_DB];
        sim_hist_observe(&rc->p.svc[S_DB].lat, fmin(db, 0.2));
        rc->p.svc[S_DB].req_ok += 1;
        db_call = pw + fmin(db, 0.2) + 0.0005;
        if (db >= 0.2) {
            q->db_ok = false;
            db_err = "statement timeout (200ms)";
        }
    }
    if (q->traced) {
        struct sim_span *sp = new_span(q, "recs", "SELECT user_features", 3, q->recs_server,
                                       q->cur, db_call);
        sim_span_attr(sp, "db.system", "postgresql", 0);
        sim_span_attr(sp, "peer.service", "user-features-db", 0);
        sim_span_attr(sp, "server.address", "user-features-db.recs.svc", 0);
        sim_span_attr(sp, "db.name", "user_features", 0);
        if (!q->db_ok)
            sim_span_error(sp, db_err, "timeout");
    }
    q->cur += db_call;
    if (!q->db_ok) {
        q->fallback = true;
        q->st[0] = q->st[1] = q->st[2] = 2;
    }
}

/* 2. One ranking attempt on the model server (300 ms timeout). */
static void recs_model_attempt(struct sim_world *w, struct recs *rc, struct rstep *c,
                               struct rreq *q, int k)
{
    struct sim_rng rn, rmk;
    sim_rng_at(&rn, w->o.seed, SIM_STREAM("link:recs-model"), c->s.tick, q->rid * 2 + k);
    sim_rng_at(&rmk, w->o.seed, SIM_STREAM("recs-model-server"), c->s.tick, q->rid * 2 + k);
    struct sim_model_call mc;
    int64_t now_ms = q->t0_ns / 1000000 + (int64_t)(q->cur * 1000);
    sim_model_srv_call(&rc->model, &rn, &rmk, now_ms, &c->s.busy[S_MODEL], &mc);
    q->ml = mc.ml;
    q->model_ok = mc.ok;
    if (q->traced && q->ns + 2 < 12) {
        struct sim_span *sp = new_span(q, "recs", "POST /v1/models/ranker:predict", 3,
                                       q->recs_server, q->cur, mc.took);
        sim_span_attr(sp, "peer.service", "recs-model-server", 0);
        sim_span_attr(sp, "server.address", "recs-model.recs.svc", 0);
        sim_span_attr(sp, "retry.count", NULL, k);
        if (!mc.ok)
            sim_span_error(sp, mc.down ? "connection refused" : "deadline exceeded (300ms)",
                           mc.down ? "unavailable" : "timeout");
        if (mc.served) {
            struct sim_span *ms =
                child_span(q, sp, "recs-model-server", "predict", mc.rtt / 2, mc.ml);
            sim_span_attr(ms, "model.name", "recs-ranker", 0);
            sim_span_attr(ms, "model.version", c->s.version, 0);
        }
    }
    q->cur += mc.took;
}

/* 3. Business rules (Java): filter the slate; on timeout it goes out unfiltered. */
static void recs_rules(struct sim_world *w, struct recs *rc, struct rstep *c, struct rreq *q)
{
    const struct sim_fault *flt = &w->fault;
    struct sim_rng rn3, rru;
    sim_rng_at(&rn3, w->o.seed, SIM_STREAM("link:recs-rules"), c->s.tick, q->rid);
    sim_rng_at(&rru, w->o.seed, SIM_STREAM("business-rules-api"), c->s.tick, q->rid);
    double rtt3;
    bool lost3 = sim_link_call(&rc->p.links[L_RECS_RULES], &rn3, &rtt3);
    double rl_t = sim_station_latency(&rc->p.svc[S_RULES].st, &rru, 0.3);
    if (sim_rng_unif(&rru) < 0.002)
        rl_t += 0.04; /* a GC pause */
    double took3 = lost3 ? 0.15 : fmin(rtt3 + rl_t, 0.15);
    bool rules_ok = took3 < 0.15;
    bool rules_hit = sim_fault_on(flt, SIM_F_BUSINESS_RULES_CHANGE, c->s.t) &&
                     seg_match(flt->detail, q->plat, q->ctry, q->useg);
    if (!lost3 || sim_rng_unif(&rn3) < 0.5) {
        c->s.busy[S_RULES] += cpu_s[S_RULES];
        sim_hist_observe(&rc->p.svc[S_RULES].lat, rl_t);
        rc->p.svc[S_RULES].req_ok += 1;
        rc->filtered += rules_hit ? 6 : 1;
    }
    if (rules_ok && rules_hit)
        q->quality *= 1.0 - flt->size;
    else if (!rules_ok)
        q->quality *= 0.92;
    if (q->traced && q->ns + 2 < 12) {
        struct sim_span *sp = new_span(q, "recs", "POST /rules/apply", 3, q->recs_server, q->cur,
                                       took3);
        sim_span_attr(sp, "peer.service", "business-rules-api", 0);
        sim_span_attr(sp, "server.address", "business-rules.recs.svc", 0);
        if (!rules_ok)
            sim_span_error(sp, "deadline exceeded (150ms)", "timeout");
        if (!lost3) {
            struct sim_span *rs =
                child_span(q, sp, "business-rules-api", "POST /rules/apply", rtt3 / 2, rl_t);
            sim_span_attr(rs, "http.route", "/rules/apply", 0);
        }
    }
    q->cur += took3;
}

/* The server spans of a traced request, then all its spans to the sink. */
static void recs_spans(struct sim_world *w, struct rreq *q, double recs_dur, double total)
{
    if (q->ns + 3 > 12)
        return;
    struct sim_span *rs = &q->spans[q->ns++];
    *rs = (struct sim_span){.service = "recs", .name = "GET /recommend", .kind = 2,
                            .span_id = q->recs_server, .parent_id = q->gw_client};
    rs->start_ns = q->t0_ns + (int64_t)(q->recs_start * 1e9);
    rs->end_ns = rs->start_ns + (int64_t)(recs_dur * 1e9);
    sim_span_attr(rs, "http.route", "/recommend", 0);
    sim_span_attr(rs, "http.response.status_code", NULL, 200);
    sim_span_attr(rs, "recs.fallback", q->fallback ? "popular" : "none", 0);
    struct sim_span *gc = &q->spans[q->ns++];
    *gc = (struct sim_span){.service = "gateway", .name = "GET /recommend", .kind = 3,
                            .span_id = q->gw_client, .parent_id = q->root_id};
    gc->start_ns = rs->start_ns;
    gc->end_ns = rs->end_ns;
    sim_span_attr(gc, "peer.service", "recs", 0);
    sim_span_attr(gc, "server.address", "recs.recs.svc", 0);
    struct sim_span *gs = &q->spans[q->ns++];
    *gs = (struct sim_span){.service = "gateway", .name = "GET /recommendations", .kind = 2,
                            .span_id = q->root_id};
    gs->start_ns = q->t0_ns;
    gs->end_ns = q->t0_ns + (int64_t)(total * 1e9);
    sim_span_attr(gs, "http.route", "/recommendations", 0);
    sim_span_attr(gs, "http.response.status_code", NULL, 200);
    sim_span_attr(gs, "app.platform", plats[q->plat], 0);
    sim_plant_emit_spans(w, &((const struct recs *)w->sys)->p, q->spans, q->ns, q->tid);
}

/* The ranker's log line (features as served, score, segments) and the click outcome. */
static void recs_log(struct sim_world *w, const struct rstep *c, const struct rreq *q, double sc,
                     uint32_t clicks)
{
    struct fl_buf *b = &w->sink.inferences;
    char tidh[33];
    sim_trace_id_hex(q->tid, tidh);
    int64_t ts = q->t0_ns / 1000000 + (int64_t)(q->cur * 1000);
    fl_buf_printf(b, "{\"ts\":%lld,\"request_id\":\"rec-%zu-%llu\",\"trace_id\":\"%s\","
                     "\"model\":\"recs-ranker\",\"model_version\":\"%s\",\"features\":{",
                  (long long)ts, c->s.tick, (unsigned long long)q->rid, tidh, c->s.version);
    for (int j = 0; j < N_FEAT; j++) {
        fl_buf_printf(b, "%s\"%s\":", j ? "," : "", feats[j]);
        sim_json_feature(b, q->st[j], q->vals[j]);
    }
    fl_buf_printf(b, ",\"country\":\"%s\",\"item_popularity\":", ctrys[q->ctry]);
    fl_buf_put_double(b, q->pop);
    fl_buf_puts(b, "},\"prediction\":");
    fl_buf_put_double(b, sc);
    fl_buf_printf(b, ",\"segments\":{\"platform\":\"%s\",\"country\":\"%s\","
                     "\"app_version\":\"%s\",\"experiment_arm\":\"%s\","
                     "\"user_segment\":\"%s\"},\"latency_ms\":",
                  plats[q->plat], ctrys[q->ctry], vers[q->ver], arms[q->arm], usegs[q->useg]);
    fl_buf_put_double(b, round(q->ml * 1e6) / 1e3);
    fl_buf_puts(b, "}\n");
    w->sink.n_inferences++;
    fl_buf_printf(&w->sink.outcomes,
                  "{\"ts\":%lld,\"request_id\":\"rec-%zu-%llu\",\"name\":\"click\","
                  "\"value\":%s,\"attributes\":{\"clicks\":%u}}\n",
                  (long long)(ts + 30000), c->s.tick, (unsigned long long)q->rid,
                  clicks ? "true" : "false", clicks);
    w->sink.n_outcomes++;
}

/* Clicks on the slate, and what the click logger counts of them. */
static fl_err recs_clicks(struct sim_world *w, struct recs *rc, const struct rstep *c,
                          const struct rreq *q, uint32_t *clicks_out)
{
    const struct sim_fault *flt = &w->fault;
    struct sim_rng rk;
    sim_rng_at(&rk, w->o.seed, SIM_STREAM("recs-clicks"), c->s.tick, q->rid);
    double p = plat_ctr[q->plat] * (q->useg ? 1.1 : 0.8) * (q->arm ? 0.7 : 1.0) * q->quality;
    uint32_t clicks = sim_rng_poisson(&rk, SLATE * p);
    if (clicks > SLATE)
        clicks = SLATE;
    uint32_t logged_clicks = clicks;
    if (sim_fault_on(flt, SIM_F_CLICK_LOGGING_BROKEN, c->s.t) &&
        seg_match(flt->detail, q->plat, q->ctry, q->useg)) {
        struct sim_rng rb;
        sim_rng_at(&rb, w->o.seed, SIM_STREAM("click-logger"), c->s.tick, q->rid);
        logged_clicks = 0;
        for (uint32_t k = 0; k < clicks; k++)
            logged_clicks += sim_rng_unif(&rb) >= flt->size;
    }
    size_t ci = (((q->plat * N_CTRY + q->ctry) * N_VER + q->ver) * N_ARM + q->arm) * N_USEG +
                q->useg;
    if (combo_series(w, rc, ci, q->plat, q->ctry, q->ver, q->arm, q->useg) == SIZE_MAX)
        return FL_ENOMEM;
    rc->imp[ci] += SLATE;
    rc->clk[ci] += logged_clicks;
    *clicks_out = clicks;
    return FL_OK;
}

/* One request, end to end. */
static fl_err recs_request(struct sim_world *w, struct recs *rc, struct rstep *c, uint64_t rid,
                           bool is_extra)
{
    struct rreq q = {.rid = rid};
    if (!recs_arrival(w, c, &q, is_extra))
        return FL_OK; /* away for the holiday */
    struct sim_rng rg, rr2, rl;
    sim_rng_at(&rg, w->o.seed, SIM_STREAM("gateway"), c->s.tick, rid);
    sim_rng_at(&rr2, w->o.seed, SIM_STREAM("recs"), c->s.tick, rid);
    sim_rng_at(&q.rt, w->o.seed, SIM_STREAM("recs-trace"), c->s.tick, rid);
    q.gw_own = sim_station_latency(&rc->p.svc[S_GW].st, &rg, 0.3);
    q.recs_own = sim_station_latency(&rc->p.svc[S_RECS].st, &rr2, 0.5);
    c->s.busy[S_GW] += cpu_s[S_GW];
    c->s.busy[S_RECS] += cpu_s[S_RECS];
    recs_feature_values(w, c, &q);
    sim_new_ids(&q.rt, q.tid, &q.root_id);
    q.gw_client = sim_new_span_id(&q.rt);
    q.recs_server = sim_new_span_id(&q.rt);
    q.recs_start = q.gw_own * 0.5;
    q.cur = q.recs_start + q.recs_own * 0.4;
    recs_db(w, rc, c, &q);
    for (int k = 0; k < 2 && !q.model_ok && !q.fallback; k++)
        recs_model_attempt(w, rc, c, &q, k);
    if (!q.model_ok)
        q.fallback = true;
    recs_rules(w, rc, c, &q);
    double recs_dur = q.cur - q.recs_start + q.recs_own * 0.6;
    double total = q.gw_own + recs_dur;
    sim_hist_observe(&rc->p.svc[S_RECS].lat, recs_dur);
    sim_hist_observe(&rc->p.svc[S_GW].lat, total);
    rc->p.svc[S_GW].req_ok += 1;
    rc->p.svc[S_RECS].req_ok += 1;
    if (q.fallback) {
        q.quality *= 0.6;
        rc->fallback += 1;
    }
    if (c->s.regress)
        q.quality *= 1.0 - w->fault.size;
    uint32_t clicks;
    if (recs_clicks(w, rc, c, &q, &clicks) != FL_OK)
        return FL_ENOMEM;
    if (q.db_ok) /* what the database served, whatever happened afterwards */
        sim_featq_served(&rc->featq, q.vals, q.st);
    if (q.traced)
        recs_spans(w, &q, recs_dur, total);
    sim_rng_at(&rl, w->o.seed, SIM_STREAM("recs-score"), c->s.tick, rid);
    double sc = 1.0 / (1.0 + exp(-(-1.5 + 8.0 * q.vals[0] * (q.st[0] ? 0 : 1) +
                                    0.8 * (q.st[1] ? 0.5 : fmin(q.vals[1], 5.0)) +
                                    0.5 * sim_rng_norm(&rl) + (c->s.regress ? -0.6 : 0))));
    sc = round(sc * 1e4) / 1e4;
    if (q.logged && q.model_ok)
        recs_log(w, c, &q, sc, clicks);
    return FL_OK;
}

static void recs_record(struct sim_world *w, struct recs *rc, const struct rstep *c);

static fl_err recs_tick(struct sim_world *w, size_t tick)
{
    struct recs *rc = w->sys;
    struct rstep c = {0};
    uint32_t n, n_extra;
    sim_step_traffic(w, &c.s, tick, "recs-traffic", 80.0, &n, &n_extra);
    recs_conditions(w, rc, &c, n);
    for (uint32_t i = 0; i < n + n_extra; i++)
        if (recs_request(w, rc, &c, i >= n ? 1000000 + i : i, i >= n) != FL_OK)
            return FL_ENOMEM;
    recs_record(w, rc, &c);
    return sim_sink_err(&w->sink);
}

static void recs_record(struct sim_world *w, struct recs *rc, const struct rstep *c)
{
    size_t tick = c->s.tick;
    const double *busy = c->s.busy;
    double node_busy[3] = {busy[S_GW] + busy[S_RECS], busy[S_DB] + busy[S_RULES], busy[S_MODEL]};
    sim_plant_record(w, &rc->p, busy, node_busy, tick);
    for (size_t ci = 0; ci < N_COMBO; ci++)
        if (rc->s_imp[ci] != SIZE_MAX) {
            sim_put(&w->m, rc->s_imp[ci], tick, rc->imp[ci]);
            sim_put(&w->m, rc->s_clk[ci], tick, rc->clk[ci]);
        }
    sim_featq_record(w, &rc->featq, tick);
    const struct sim_step *s = &c->s;
    sim_put(&w->m, rc->s_pool_use, tick,
            s->leaked + round(fmin(s->pool_size, s->lam * s->pool.s_mean *
                                                    (1.0 + s->pool.p_wait * 4)) * 100) / 100);
    sim_put(&w->m, rc->s_pool_wait, tick, rc->pool_wait);
    sim_put(&w->m, rc->s_pool_to, tick, rc->pool_to);
    sim_put(&w->m, rc->s_lock_waits, tick, rc->lock_waits);
    sim_put(&w->m, rc->s_lock_s, tick, rc->lock_s);
    sim_put(&w->m, rc->s_filtered, tick, rc->filtered);
    sim_model_srv_record(w, &rc->model, tick);
    sim_put(&w->m, rc->s_fallback, tick, rc->fallback);
}

static void recs_free(void *p) { fl_free(p); }

fl_err sim_recs_init(struct sim_world *w)
{
    struct recs *rc = fl_calloc(1, sizeof(*rc));
    if (!rc)
        return FL_ENOMEM;
    w->sys = rc;
    w->sys_free = recs_free;
    w->tick = recs_tick;
    for (size_t i = 0; i < N_COMBO; i++)
        rc->s_imp[i] = rc->s_clk[i] = SIZE_MAX;
    static const struct sim_node_spec nodes[3] = {
        {"node-a", 8}, {"node-b", 8}, {"node-c", 8}};
    static const struct sim_svc_spec svc[N_SVC] = {
        [S_GW] = {"gateway", 0, 32, "http_request_duration_seconds"},
        [S_RECS] = {"recs", 0, 16, "http_request_duration_seconds"},
        [S_DB] = {"user-features-db", 1, 20, "db_query_duration_seconds"},
        [S_MODEL] = {"recs-model-server", 2, 6, "model_inference_duration_seconds"},
        [S_RULES] = {"business-rules-api", 1, 20, "http_request_duration_seconds"},
    };
    static const struct sim_link_spec links[N_LINK] = {
        [L_RECS_MODEL] = {"recs", "recs-model-server"},
        [L_RECS_RULES] = {"recs", "business-rules-api"},
    };
    if (!sim_plant_init(w, &rc->p, nodes, 3, svc, N_SVC, links, N_LINK))
        return FL_ENOMEM;
    /* Every segment that exists before any fault, in a fixed order; a new category's series
     * appear when its traffic does. */
    for (size_t p = 0; p < N_PLAT; p++)
        for (size_t c = 0; c < N_CTRY - 1; c++)
            for (size_t v = 0; v < N_VER; v++)
                for (size_t a = 0; a < N_ARM; a++)
                    for (size_t u = 0; u < N_USEG; u++) {
                        if ((p == 2) != (v == 2))
                            continue;
                        size_t ci = (((p * N_CTRY + c) * N_VER + v) * N_ARM + a) * N_USEG + u;
                        if (combo_series(w, rc, ci, p, c, v, a, u) == SIZE_MAX)
                            return FL_ENOMEM;
                    }
    size_t tr = rc->p.svc[S_RECS].target, tdb = rc->p.svc[S_DB].target,
           tru = rc->p.svc[S_RULES].target;
    const char *pl = "service=\"recs\",pool=\"user-features-db\"";
    rc->s_pool_use = sim_series_new(&w->m, "db_pool_connections_in_use", SIM_GAUGE,
                                    "Connections of the pool in use.", NULL, tr, pl);
    rc->s_pool_wait = sim_series_new(&w->m, "db_pool_wait_seconds", SIM_COUNTER,
                                     "Time spent waiting for a pooled connection.", NULL, tr, pl);
    rc->s_pool_to = sim_series_new(&w->m, "db_pool_timeouts", SIM_COUNTER,
                                   "Requests that gave up waiting for a connection.", NULL, tr, pl);
    rc->s_fallback = sim_series_new(&w->m, "recs_fallback_responses", SIM_COUNTER,
                                    "Responses served from the popular-items fallback.", NULL, tr,
                                    "service=\"recs\"");
    rc->s_lock_waits = sim_series_new(&w->m, "db_lock_waits", SIM_COUNTER,
                                      "Queries that waited for a row lock.", NULL, tdb,
                                      "service=\"user-features-db\"");
    rc->s_lock_s = sim_series_new(&w->m, "db_lock_wait_seconds", SIM_COUNTER,
                                  "Time spent waiting for row locks.", NULL, tdb,
                                  "service=\"user-features-db\"");
    if (!sim_model_srv_init(w, &rc->model, &rc->p.svc[S_MODEL], &rc->p.links[L_RECS_MODEL],
                            "recs-ranker", cpu_s[S_MODEL], 0.3, "recs-crash",
                            "recs-model-cgroup"))
        return FL_ENOMEM;
    rc->s_filtered = sim_series_new(&w->m, "rules_items_filtered", SIM_COUNTER,
                                    "Items removed from slates by business rules.", NULL, tru,
                                    "service=\"business-rules-api\"");
    if (!sim_featq_init(w, &rc->featq, "user-features-db", tdb, feats, N_FEAT))
        return FL_ENOMEM;
    if (rc->s_pool_use == SIZE_MAX || rc->s_pool_wait == SIZE_MAX || rc->s_pool_to == SIZE_MAX ||
        rc->s_fallback == SIZE_MAX || rc->s_lock_waits == SIZE_MAX || rc->s_lock_s == SIZE_MAX ||
        rc->s_filtered == SIZE_MAX)
        return FL_ENOMEM;
    return FL_OK;
}
