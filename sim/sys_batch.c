/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sys_batch.c: the batch segmentation pipeline of the mission's incident 3. At 02:00 a cron job
 * builds the customer feature table from the CRM; at 04:00 a scoring job assigns every customer
 * in the table to a segment with the customer-segments model; all day a campaign service sends
 * segment-specific campaigns, whose conversion depends on customers being in the right segment.
 * Jobs push their metrics to a Pushgateway (gauges keep their last value), report their runs as
 * change events, and the scoring job logs a sample of its predictions. The model's held-out
 * accuracy is computed on a fixed test set, so it stays in threshold whatever the production
 * features look like: the silent failure of incident 3.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "sim.h"

enum { N_SEG = 5, N_CH = 2 };
static const char *const segs[N_SEG] = {"champions", "loyal", "potential", "at_risk", "dormant"};
static const double seg_share[N_SEG] = {0.12, 0.22, 0.25, 0.18, 0.23};
static const double seg_conv[N_SEG] = {0.08, 0.05, 0.035, 0.02, 0.008};
static const char *const chans[N_CH] = {"email", "push"};
static const double chan_w[N_CH] = {0.7, 0.3};
static const char *const acq[4] = {"organic", "paid_search", "referral", "partner_x"};

struct batch {
    size_t t_pipe, t_table, t_score, t_camp;
    size_t s_pipe_last, s_pipe_rows, s_pipe_dur, s_pipe_runs;
    size_t s_tab_rows, s_tab_updated, s_tab_age, s_tab_null[2], s_tab_mean[2];
    size_t s_sc_last, s_sc_rows, s_sc_dur, s_sc_runs, s_share[N_SEG], s_acc;
    size_t s_sends[N_SEG][N_CH], s_conv[N_SEG][N_CH];
    double sends[N_SEG][N_CH], conv[N_SEG][N_CH];
    /* Pushgateway state: last pushed values. */
    double pipe_last, pipe_rows, pipe_dur, pipe_runs, sc_last, sc_rows, sc_dur, sc_runs, acc;
    double tab_rows, tab_updated, tab_null[2], tab_mean[2];
    double share[N_SEG];
    double mismatch;      /* share of customers in the wrong segment (after the last scoring) */
    int64_t fresh_day;    /* day index of the features in the table */
    bool pipe_ran_today, score_ran_today;
    int64_t day_seen;
};

static int64_t day_of(int64_t t_ms) { return t_ms / 86400000; }

static size_t g(struct sim_world *w, size_t target, const char *name, const char *help,
                const char *labels)
{
    return sim_series_new(&w->m, name, SIM_GAUGE, help, NULL, target, labels);
}

/* The customer base: 250,000 on the day before the run, growing 0.25 % a day. */
static double customers_on(const struct sim_world *w, int64_t day)
{
    double d = (double)(day - day_of(w->o.start_ms) + 1);
    return floor(250000.0 * pow(1.0025, d < 0 ? 0 : d));
}

/* The 02:00 feature pipeline: unless the cron is broken, rebuild the table. */
static void run_pipeline(struct sim_world *w, struct batch *b, int64_t t, int64_t day)
{
    const struct sim_fault *f = &w->fault;
    if (sim_fault_on(f, SIM_F_CRON_SILENT_FAILURE, t))
        return; /* the CronJob never fires: no run, no push, no event */
    struct sim_rng r;
    sim_rng_at(&r, w->o.seed, SIM_STREAM("segment-feature-pipeline"), (uint64_t)day, 0);
    double rows = customers_on(w, day);
    if (sim_fault_on(f, SIM_F_NEW_CATEGORY_FLOOD, t))
        rows = floor(rows * (1.0 + 0.3 * f->size));
    double dur = 1500.0 * sim_rng_lognorm(&r, 1.0, 0.1) * rows / 250000.0;
    b->pipe_last = (double)(t / 1000) + floor(dur);
    b->pipe_rows = rows;
    b->pipe_dur = round(dur);
    b->pipe_runs += 1;
    b->tab_rows = rows;
    b->tab_updated = b->pipe_last;
    b->fresh_day = day;
    double null_freq = 0.002, null_ten = 0.004, mean_mon = 310.0 * (1.0 + 0.01 * sim_rng_norm(&r));
    if (sim_fault_on(f, SIM_F_SCHEMA_RENAMED_COLUMN, t))
        null_freq = (day - day_of(f->onset_ms)) < 1 ? f->size : 0.0; /* nulls, then defaults */
    if (sim_fault_on(f, SIM_F_NULL_SPIKE, t))
        null_ten = f->size;
    if (sim_fault_on(f, SIM_F_SCHEMA_UNIT_CHANGE, t))
        mean_mon *= 1.0 + 99.0 * f->size;
    b->tab_null[0] = round(null_freq * 1e4) / 1e4;
    b->tab_null[1] = round(null_ten * 1e4) / 1e4;
    b->tab_mean[0] = round(mean_mon * 100) / 100;
    b->tab_mean[1] = round(6.1 * (1.0 + 0.01 * sim_rng_norm(&r)) * 100) / 100;
    char id[64];
    snprintf(id, sizeof(id), "run-segment-features-%lld", (long long)day);
    sim_event_emit(&w->sink, id, t, t + (int64_t)dur * 1000, "feature_pipeline_run",
                   "segment-feature-pipeline", "success", (int64_t)rows,
                   "daily customer features", NULL);
}

/* How wrong the segments are, from the state of the table and the model. */
/* When the table scored now was built: a data fault reaches the segments through the table, so
 * from the first pipeline run after its onset on, not before. */
static int64_t built_ms(int64_t fresh_day, int64_t t)
{
    return fresh_day == INT64_MIN ? t : fresh_day * 86400000 + 2 * 3600000;
}

static double mismatch_now(struct sim_world *w, int64_t t, int64_t day, int64_t fresh_day)
{
    const struct sim_fault *f = &w->fault;
    int64_t tb = built_ms(fresh_day, t);
    double m = 0.08;
    double stale_days = (double)(day - fresh_day);
    if (stale_days > 0)
        m += (1.0 - m) * 0.6 * (1.0 - exp(-stale_days / 6.0));
    if (sim_fault_on(f, SIM_F_SCHEMA_UNIT_CHANGE, tb))
        m += 0.45 * f->size;
    if (sim_fault_on(f, SIM_F_SCHEMA_RENAMED_COLUMN, tb))
        m += 0.3 * f->size;
    if (sim_fault_on(f, SIM_F_NULL_SPIKE, tb))
        m += 0.15 * f->size;
    if (sim_fault_on(f, SIM_F_NEW_CATEGORY_FLOOD, tb))
        m += 0.25 * f->size;
    if (sim_fault_on(f, SIM_F_MODEL_REGRESSION, t))
        m += 0.35 * f->size;
    return fmin(m, 0.9);
}

static void run_scoring(struct sim_world *w, struct batch *b, int64_t t, int64_t day)
{
    const struct sim_fault *f = &w->fault;
    struct sim_rng r;
    sim_rng_at(&r, w->o.seed, SIM_STREAM("segment-scoring"), (uint64_t)day, 0);
    double dur = 900.0 * sim_rng_lognorm(&r, 1.0, 0.1);
    bool regress = sim_fault_on(f, SIM_F_MODEL_REGRESSION, t);
    const char *version = regress ? f->detail : "v3";
    b->mismatch = mismatch_now(w, t, day, b->fresh_day);
    bool stale = b->fresh_day < day;
    /* Output shares: a stale table gives yesterday's answer again, to the last digit. */
    if (!stale) {
        double tot = 0, sh[N_SEG];
        int64_t tb = built_ms(b->fresh_day, t);
        for (int s = 0; s < N_SEG; s++) {
            sh[s] = seg_share[s] * exp(0.03 * sim_rng_norm(&r));
            if (sim_fault_on(f, SIM_F_SCHEMA_UNIT_CHANGE, tb) && s == 0)
                sh[s] += 0.35 * f->size;
            if (sim_fault_on(f, SIM_F_SCHEMA_RENAMED_COLUMN, tb) && s >= 3)
                sh[s] += 0.15 * f->size;
            if (sim_fault_on(f, SIM_F_NEW_CATEGORY_FLOOD, tb) && s == 2)
                sh[s] += 0.2 * f->size;
            if (regress && s == 1)
                sh[s] += 0.2 * f->size;
            tot += sh[s];
        }
        for (int s = 0; s < N_SEG; s++)
            b->share[s] = round(sh[s] / tot * 1e4) / 1e4;
    }
    b->acc = round((0.912 + 0.004 * sim_rng_norm(&r) - (regress ? 0.05 * f->size : 0)) * 1e4) / 1e4;
    b->sc_last = (double)(t / 1000) + floor(dur);
    b->sc_rows = b->tab_rows;
    b->sc_dur = round(dur);
    b->sc_runs += 1;
    char id[64];
    snprintf(id, sizeof(id), "run-segment-scoring-%lld", (long long)day);
    sim_event_emit(&w->sink, id, t, t + (int64_t)dur * 1000, "batch_run", "segment-scoring",
                   "success", (int64_t)b->sc_rows, "nightly segmentation", NULL);
    /* A sample of the predictions, with the features the table served. */
    size_t n_log = (size_t)w->o.logs_per_tick;
    for (size_t i = 0; i < n_log; i++) {
        struct sim_rng rc, rv;
        sim_rng_at(&rc, w->o.seed, SIM_STREAM("batch-customer"), (uint64_t)day, i);
        uint64_t cust = sim_rng_u64(&rc) % (uint64_t)customers_on(w, day);
        size_t truth = 0;
        {
            double u = sim_rng_unif(&rc), acc = 0;
            while (truth < N_SEG - 1 && u >= (acc += seg_share[truth]))
                truth++;
        }
        bool wrong = sim_rng_unif(&rc) < b->mismatch;
        size_t pred = wrong ? (truth + 1 + sim_rng_u64(&rc) % (N_SEG - 1)) % N_SEG : truth;
        double conv_u = sim_rng_unif(&rc);
        /* The features as stored for the day the table was built. */
        sim_rng_at(&rv, w->o.seed, SIM_STREAM("batch-features"), (uint64_t)b->fresh_day, cust);
        double rec = floor(sim_rng_exp(&rv, 10.0 + 25.0 * truth));
        double freq = floor(sim_rng_exp(&rv, 12.0 / (1.0 + truth)));
        double mon = round(sim_rng_lognorm(&rv, 300.0 / (1.0 + 0.5 * truth), 0.6) * 100) / 100;
        double ten = floor(1 + sim_rng_unif(&rv) * 60);
        double u_f = sim_rng_unif(&rv);
        size_t ch = sim_rng_unif(&rv) < 0.5 ? 0 : sim_rng_unif(&rv) < 0.6 ? 1 : 2;
        int64_t fd = b->fresh_day;
        int64_t fday_ms = fd * 86400000 + 2 * 3600000;
        if (sim_fault_on(f, SIM_F_SCHEMA_UNIT_CHANGE, fday_ms) && u_f < f->size)
            mon *= 100.0;
        bool freq_null = sim_fault_on(f, SIM_F_SCHEMA_RENAMED_COLUMN, fday_ms) && u_f < f->size;
        bool freq_default = freq_null && fd - day_of(f->onset_ms) >= 1;
        bool ten_null = sim_fault_on(f, SIM_F_NULL_SPIKE, fday_ms) && u_f < f->size;
        if (sim_fault_on(f, SIM_F_NEW_CATEGORY_FLOOD, fday_ms) && u_f < 0.3 * f->size)
            ch = 3;
        const char *st = stale ? ",\"status\":\"outside_max_age\"" : "";
        struct fl_buf *o = &w->sink.inferences;
        int64_t ts = t + (int64_t)((double)i / (double)n_log * dur * 1000.0);
        fl_buf_printf(o, "{\"ts\":%lld,\"request_id\":\"seg-%lld-%llu\",\"model\":"
                         "\"customer-segments\",\"model_version\":\"%s\",\"features\":{",
                      (long long)ts, (long long)day, (unsigned long long)cust, version);
        fl_buf_printf(o, "\"recency_days\":{\"value\":%g%s},", rec, st);
        if (freq_null && !freq_default)
            fl_buf_puts(o, "\"frequency_30d\":null,");
        else
            fl_buf_printf(o, "\"frequency_30d\":{\"value\":%g%s},", freq_default ? 0.0 : freq, st);
        fl_buf_printf(o, "\"monetary_90d\":{\"value\":%.17g%s},", mon, st);
        if (ten_null)
            fl_buf_puts(o, "\"tenure_months\":null,");
        else
            fl_buf_printf(o, "\"tenure_months\":{\"value\":%g%s},", ten, st);
        fl_buf_printf(o, "\"acquisition_channel\":{\"value\":\"%s\"%s}},", acq[ch], st);
        fl_buf_printf(o, "\"prediction\":{\"class\":\"%s\",\"score\":%.4f},"
                         "\"segments\":{\"acquisition_channel\":\"%s\"}}\n",
                      segs[pred], 0.55 + 0.4 * sim_rng_unif(&rv), acq[ch]);
        w->sink.n_inferences++;
        double pc = seg_conv[truth] * (pred == truth ? 1.0 : 0.35) * 4.0;
        fl_buf_printf(&w->sink.outcomes,
                      "{\"ts\":%lld,\"request_id\":\"seg-%lld-%llu\",\"name\":\"conversion\","
                      "\"value\":%d,\"attributes\":{\"segment\":\"%s\"}}\n",
                      (long long)(day * 86400000 + 36 * 3600000), (long long)day,
                      (unsigned long long)cust, conv_u < pc ? 1 : 0, segs[pred]);
        w->sink.n_outcomes++;
    }
}

static fl_err batch_tick(struct sim_world *w, size_t tick)
{
    struct batch *b = w->sys;
    const struct sim_fault *f = &w->fault;
    int64_t t = sim_tick_ms(w, tick);
    int64_t day = day_of(t);
    int64_t tod = t % 86400000;
    int64_t step = w->o.step_ms;
    if (tod >= 2 * 3600000 && tod < 2 * 3600000 + step)
        run_pipeline(w, b, t, day);
    if (tod >= 4 * 3600000 && tod < 4 * 3600000 + step)
        run_scoring(w, b, t, day);
    /* Campaign sends and conversions. */
    struct sim_rng r;
    sim_rng_at(&r, w->o.seed, SIM_STREAM("campaign-service"), tick, 0);
    double h = (double)tod / 3600000.0;
    double shape = (h >= 9 && h < 21 ? 1.0 : 0.15);
    if (sim_fault_on(f, SIM_F_HOLIDAY_DIP, t))
        shape *= 1.0 - f->size;
    double step_s = (double)step / 1000.0;
    for (int s = 0; s < N_SEG; s++)
        for (int c = 0; c < N_CH; c++) {
            double lam = 30.0 * shape * b->share[s] * chan_w[c];
            uint32_t n = sim_rng_poisson(&r, lam * step_s);
            double pc = seg_conv[s] * (1.0 - 0.65 * b->mismatch);
            uint32_t k = sim_rng_poisson(&r, n * pc);
            if (k > n)
                k = n;
            b->sends[s][c] += n;
            b->conv[s][c] += k;
            sim_put(&w->m, b->s_sends[s][c], tick, b->sends[s][c]);
            sim_put(&w->m, b->s_conv[s][c], tick, b->conv[s][c]);
        }
    sim_put(&w->m, b->s_pipe_last, tick, b->pipe_last);
    sim_put(&w->m, b->s_pipe_rows, tick, b->pipe_rows);
    sim_put(&w->m, b->s_pipe_dur, tick, b->pipe_dur);
    sim_put(&w->m, b->s_pipe_runs, tick, b->pipe_runs);
    sim_put(&w->m, b->s_tab_rows, tick, b->tab_rows);
    sim_put(&w->m, b->s_tab_updated, tick, b->tab_updated);
    sim_put(&w->m, b->s_tab_age, tick, fmax(0, (double)(t / 1000) - b->tab_updated));
    for (int i = 0; i < 2; i++) {
        sim_put(&w->m, b->s_tab_null[i], tick, b->tab_null[i]);
        sim_put(&w->m, b->s_tab_mean[i], tick, b->tab_mean[i]);
    }
    sim_put(&w->m, b->s_sc_last, tick, b->sc_last);
    sim_put(&w->m, b->s_sc_rows, tick, b->sc_rows);
    sim_put(&w->m, b->s_sc_dur, tick, b->sc_dur);
    sim_put(&w->m, b->s_sc_runs, tick, b->sc_runs);
    sim_put(&w->m, b->s_acc, tick, b->acc);
    for (int s = 0; s < N_SEG; s++)
        sim_put(&w->m, b->s_share[s], tick, b->share[s]);
    return sim_sink_err(&w->sink);
}

static void batch_free(void *p) { fl_free(p); }

fl_err sim_batch_init(struct sim_world *w)
{
    struct batch *b = fl_calloc(1, sizeof(*b));
    if (!b)
        return FL_ENOMEM;
    w->sys = b;
    w->sys_free = batch_free;
    w->tick = batch_tick;
    b->fresh_day = INT64_MIN;
    struct sim_metrics *m = &w->m;
    b->t_pipe = sim_target(m, "pushgateway", "pushgateway:9091", "segment-feature-pipeline");
    b->t_table = sim_target(m, "table-exporter", "table-exporter:9187", "feature-table");
    b->t_score = sim_target(m, "pushgateway-scoring", "pushgateway:9091", "segment-scoring");
    b->t_camp = sim_target(m, "campaign-service", "campaign-service:8080", "campaign-service");
    const char *pl = "service=\"segment-feature-pipeline\"", *sl = "service=\"segment-scoring\"";
    b->s_pipe_last = g(w, b->t_pipe, "batch_job_last_success_timestamp_seconds",
                       "When the job last succeeded (unix s).", pl);
    b->s_pipe_rows = g(w, b->t_pipe, "batch_job_rows_written", "Rows written by the last run.", pl);
    b->s_pipe_dur = g(w, b->t_pipe, "batch_job_duration_seconds", "Duration of the last run.", pl);
    b->s_pipe_runs = g(w, b->t_pipe, "batch_job_runs", "Runs pushed so far.", pl);
    const char *tl = "service=\"feature-table\",table=\"customer_features\"";
    b->s_tab_rows = g(w, b->t_table, "feature_table_rows", "Rows in the table.", tl);
    b->s_tab_updated = g(w, b->t_table, "feature_table_last_updated_timestamp_seconds",
                         "Last write to the table (unix s).", tl);
    b->s_tab_age = g(w, b->t_table, "feature_table_age_seconds",
                     "Seconds since the table was last written.", tl);
    static const char *const tf[2] = {"frequency_30d", "tenure_months"};
    static const char *const mf[2] = {"monetary_90d", "tenure_months"};
    char lb[160];
    for (int i = 0; i < 2; i++) {
        snprintf(lb, sizeof(lb), "service=\"feature-table\",feature=\"%s\"", tf[i]);
        b->s_tab_null[i] = g(w, b->t_table, "feature_table_null_ratio",
                             "Share of null values in the column.", lb);
        snprintf(lb, sizeof(lb), "service=\"feature-table\",feature=\"%s\"", mf[i]);
        b->s_tab_mean[i] = g(w, b->t_table, "feature_table_value_mean", "Mean of the column.", lb);
    }
    b->s_sc_last = g(w, b->t_score, "batch_job_last_success_timestamp_seconds",
                     "When the job last succeeded (unix s).", sl);
    b->s_sc_rows = g(w, b->t_score, "batch_job_rows_written", "Rows written by the last run.", sl);
    b->s_sc_dur = g(w, b->t_score, "batch_job_duration_seconds", "Duration of the last run.", sl);
    b->s_sc_runs = g(w, b->t_score, "batch_job_runs", "Runs pushed so far.", sl);
    b->s_acc = g(w, b->t_score, "model_holdout_accuracy",
                 "Accuracy of the model on the fixed held-out test set.",
                 "service=\"segment-scoring\",model=\"customer-segments\"");
    for (int s = 0; s < N_SEG; s++) {
        snprintf(lb, sizeof(lb), "service=\"segment-scoring\",segment=\"%s\"", segs[s]);
        b->s_share[s] = g(w, b->t_score, "segment_share", "Share of customers in the segment.", lb);
        for (int c = 0; c < N_CH; c++) {
            snprintf(lb, sizeof(lb), "service=\"campaign-service\",segment=\"%s\",channel=\"%s\"",
                     segs[s], chans[c]);
            b->s_sends[s][c] = sim_series_new(m, "campaign_sends", SIM_COUNTER,
                                              "Campaign messages sent.", NULL, b->t_camp, lb);
            b->s_conv[s][c] = sim_series_new(m, "campaign_conversions", SIM_COUNTER,
                                             "Conversions attributed to campaigns.", NULL,
                                             b->t_camp, lb);
            if (b->s_sends[s][c] == SIZE_MAX || b->s_conv[s][c] == SIZE_MAX)
                return FL_ENOMEM;
        }
    }
    if (b->s_pipe_last == SIZE_MAX || b->s_tab_age == SIZE_MAX || b->s_acc == SIZE_MAX ||
        b->s_sc_runs == SIZE_MAX || b->s_share[N_SEG - 1] == SIZE_MAX)
        return FL_ENOMEM;
    /* The state the run starts in: the previous day's table and segments (not reported). */
    int64_t t0 = w->o.start_ms, d0 = day_of(t0) - 1;
    run_pipeline(w, b, d0 * 86400000 + 2 * 3600000, d0);
    run_scoring(w, b, d0 * 86400000 + 4 * 3600000, d0);
    sim_sink_reset(&w->sink);
    return sim_sink_err(&w->sink);
}
