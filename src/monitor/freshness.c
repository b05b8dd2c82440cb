/* SPDX-License-Identifier: Apache-2.0 */
/*
 * freshness.c: the dead man's switch over batch-job and feature-pipeline runs, row-count checks,
 * feature staleness, and their JSON and Prometheus renderings (see freshness.h; the rules with
 * examples are in docs/REGISTRY.md).
 *
 * The evaluator (fl_freshness_eval) is a pure function of the rule, the runs and the time, so
 * the unit tests drive it with tables; fl_freshness_evaluate only gathers its input from the
 * store. Metric names follow the Prometheus naming guide (base units, _timestamp_seconds) and
 * state sets as one series per state with value 0 or 1.
 */
#include "freshness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/record.h"
#include "core/time.h"
#include "registry.h"
#include "store/store.h"

static const char *const state_names[FL_FRESH__COUNT] = {"ok", "failing", "late",
                                                         "never_succeeded", "unknown"};
static const char *const rows_names[] = {"unchecked", "ok", "below_min", "above_max", "drop"};
static const char *const run_names[] = {"start", "success", "failure"};

const char *fl_freshness_state_name(enum fl_fresh_state s)
{
    return (unsigned)s < FL_FRESH__COUNT ? state_names[s] : "?";
}

const char *fl_freshness_rows_name(enum fl_rows_check c)
{
    return (unsigned)c < sizeof rows_names / sizeof rows_names[0] ? rows_names[c] : "?";
}

int fl_freshness_run_status(const char *s)
{
    for (int i = 0; s && i < 3; i++)
        if (!strcmp(s, run_names[i]))
            return i;
    return -1;
}

bool fl_freshness_alerting(const struct fl_fresh_status *s)
{
    return s->state == FL_FRESH_LATE || s->state == FL_FRESH_NEVER_SUCCEEDED ||
           s->rows_check == FL_ROWS_BELOW_MIN || s->rows_check == FL_ROWS_ABOVE_MAX ||
           s->rows_check == FL_ROWS_DROP;
}

/* ---- the evaluator ---- */

static int64_t finish_of(const struct fl_fresh_run *r)
{
    return r->end_ms != FL_TS_NONE ? r->end_ms : r->ts_ms;
}

/* The status of r as seen at at_ms: a run that finishes later is still running. */
static int status_at(const struct fl_fresh_run *r, int64_t at_ms)
{
    return finish_of(r) > at_ms ? FL_RUN_START : r->status;
}

static int64_t add_sat(int64_t a, int64_t b)
{
    return (b > 0 && a > INT64_MAX - b) ? INT64_MAX : a + b;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Row checks of the newest finished success s0 against min/max and the previous ones. */
static void check_rows(const struct fl_freshness_cfg *rule, const struct fl_fresh_input *in,
                       int64_t at_ms, size_t s0, struct fl_fresh_status *out)
{
    int64_t rows = in->successes[s0].rows;
    bool checked = false;
    out->checked_rows = rows;
    if (rows < 0)
        return; /* the success reported no rows: nothing to check */
    if (rule->min_rows >= 0) {
        checked = true;
        if (rows < rule->min_rows) {
            out->rows_check = FL_ROWS_BELOW_MIN;
            return;
        }
    }
    if (rule->max_rows >= 0) {
        checked = true;
        if (rows > rule->max_rows) {
            out->rows_check = FL_ROWS_ABOVE_MAX;
            return;
        }
    }
    if (rule->max_drop > 0) {
        int64_t prev[1000];
        size_t n = 0, want = rule->history ? rule->history : 7;
        for (size_t i = s0 + 1; i < in->n_successes && n < want && n < 1000; i++)
            if (finish_of(&in->successes[i]) <= at_ms && in->successes[i].rows >= 0)
                prev[n++] = in->successes[i].rows;
        if (n > 0) {
            qsort(prev, n, sizeof prev[0], cmp_i64);
            double med = n % 2 ? (double)prev[n / 2]
                               : ((double)prev[n / 2 - 1] + (double)prev[n / 2]) / 2;
            checked = true;
            out->rows_median = med;
            if (med > 0) {
                out->rows_drop = 1 - (double)rows / med;
                if ((double)rows < (1 - rule->max_drop) * med) {
                    out->rows_check = FL_ROWS_DROP;
                    return;
                }
            }
        }
    }
    out->rows_check = checked ? FL_ROWS_OK : FL_ROWS_UNCHECKED;
}

/* Last status, consecutive failures and last rows from the recent runs. */
static void scan_runs(const struct fl_fresh_input *in, int64_t at_ms, struct fl_fresh_status *out,
                      bool *any_failure)
{
    bool counting = true;
    *any_failure = false;
    for (size_t i = 0; i < in->n_runs; i++) {
        const struct fl_fresh_run *r = &in->runs[i];
        int st = status_at(r, at_ms);
        if (i == 0) {
            out->last_status = st;
            out->last_run_ms = r->ts_ms;
        }
        if (st != FL_RUN_START && out->last_rows < 0 && r->rows >= 0)
            out->last_rows = r->rows;
        if (st == FL_RUN_FAILURE) {
            *any_failure = true;
            if (counting)
                out->consecutive_failures++;
        } else if (st == FL_RUN_SUCCESS) {
            counting = false;
        }
    }
    out->failures_at_least = counting && in->runs_truncated && out->consecutive_failures > 0;
}

void fl_freshness_eval(const struct fl_freshness_cfg *rule, const struct fl_fresh_input *in,
                       int64_t at_ms, struct fl_fresh_status *out)
{
    bool any_failure;
    int64_t window = add_sat(rule->every_ms, rule->grace_ms);
    memset(out, 0, sizeof *out);
    out->last_success_ms = out->deadline_ms = out->last_run_ms = FL_TS_NONE;
    out->last_status = -1;
    out->last_rows = out->checked_rows = -1;
    out->rows_median = out->rows_drop = NAN;
    out->rows_check = FL_ROWS_UNCHECKED;
    scan_runs(in, at_ms, out, &any_failure);

    /* The newest success finished by at_ms. */
    size_t s0 = in->n_successes;
    for (size_t i = 0; i < in->n_successes; i++) {
        int64_t f = finish_of(&in->successes[i]);
        if (f <= at_ms && (s0 == in->n_successes || f > out->last_success_ms)) {
            s0 = i;
            out->last_success_ms = f;
        }
    }

    if (in->n_runs == 0 && s0 == in->n_successes) {
        out->deadline_ms = add_sat(in->watch_since_ms, rule->startup_grace_ms);
        if (at_ms <= out->deadline_ms) {
            out->state = FL_FRESH_UNKNOWN;
            out->reason = "no run reported yet (within the startup grace)";
        } else {
            out->state = FL_FRESH_NEVER_SUCCEEDED;
            out->reason = "no run reported since faultline started watching";
        }
        return;
    }
    if (s0 == in->n_successes) {
        if (any_failure || in->runs_truncated) {
            out->state = FL_FRESH_NEVER_SUCCEEDED;
            out->reason = any_failure ? "runs failed and none succeeded"
                                      : "many runs started and none succeeded";
            return;
        }
        out->deadline_ms = add_sat(in->runs[in->n_runs - 1].ts_ms, window);
        if (at_ms <= out->deadline_ms) {
            out->state = FL_FRESH_UNKNOWN;
            out->reason = "first run in progress";
        } else {
            out->state = FL_FRESH_NEVER_SUCCEEDED;
            out->reason = "started but never succeeded";
        }
        return;
    }
    out->deadline_ms = add_sat(out->last_success_ms, window);
    if (at_ms > out->deadline_ms) {
        out->state = FL_FRESH_LATE;
        out->late_by_ms = at_ms - out->deadline_ms;
        out->reason = "no successful run within every + grace";
    } else if (out->consecutive_failures > 0) {
        out->state = FL_FRESH_FAILING;
        out->reason = "the last run failed; the last success is still within every + grace";
    } else {
        out->state = FL_FRESH_OK;
        out->reason = "on time";
    }
    check_rows(rule, in, at_ms, s0, out);
}

/* ---- gathering from the store ---- */

struct runs_ctx {
    struct fl_fresh_run *v;
    size_t n, cap;
};

static int keep_run(const struct fl_event *ev, void *ud)
{
    struct runs_ctx *x = ud;
    int st = fl_freshness_run_status(ev->status);
    if (st < 0 || x->n == x->cap)
        return x->n == x->cap;
    x->v[x->n++] = (struct fl_fresh_run){ev->ts_ms, ev->end_ms, st, ev->rows};
    return 0;
}

static fl_err eval_job(struct fl_store *s, struct fl_fresh_job *job, int64_t at_ms,
                       struct fl_diag *d)
{
    const struct fl_freshness_cfg *rule = job->rule;
    size_t want = (size_t)(rule->history ? rule->history : 7) + 9;
    struct runs_ctx runs = {fl_calloc(FL_FRESHNESS_MAX_RUNS + 1, sizeof(struct fl_fresh_run)), 0,
                            FL_FRESHNESS_MAX_RUNS + 1};
    struct runs_ctx succ = {fl_calloc(want, sizeof(struct fl_fresh_run)), 0, want};
    fl_err e;
    if (!runs.v || !succ.v) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory evaluating freshness");
        goto out;
    }
    if ((e = fl_store_runs(s, rule->component, at_ms, NULL, FL_FRESHNESS_MAX_RUNS + 1, keep_run,
                           &runs, d)) != FL_OK ||
        (e = fl_store_runs(s, rule->component, at_ms, "success", want, keep_run, &succ, d)) !=
            FL_OK)
        goto out;
    struct fl_fresh_input in = {
        .runs = runs.v,
        .n_runs = runs.n > FL_FRESHNESS_MAX_RUNS ? FL_FRESHNESS_MAX_RUNS : runs.n,
        .runs_truncated = runs.n > FL_FRESHNESS_MAX_RUNS,
        .successes = succ.v,
        .n_successes = succ.n,
        .watch_since_ms = job->watch_since_ms,
    };
    fl_freshness_eval(rule, &in, at_ms, &job->st);
out:
    fl_free(runs.v);
    fl_free(succ.v);
    return e;
}

struct feat_ctx {
    struct fl_fresh_report *r;
    size_t cap;
    fl_err err;
};

static int keep_feature(const char *model, const char *feature, const uint64_t counts[4],
                        void *ud)
{
    struct feat_ctx *x = ud;
    struct fl_fresh_report *r = x->r;
    if (r->n_features == x->cap) {
        size_t ncap = x->cap ? 2 * x->cap : 64;
        struct fl_fresh_feature *nf = fl_reallocarray(r->features, ncap, sizeof *nf);
        if (!nf) {
            x->err = FL_ENOMEM;
            return 1;
        }
        r->features = nf;
        x->cap = ncap;
    }
    struct fl_fresh_feature *f = &r->features[r->n_features];
    memset(f, 0, sizeof *f);
    f->model = fl_strdup(model);
    f->feature = fl_strdup(feature);
    memcpy(f->n, counts, sizeof f->n);
    r->n_features++; /* counted now so that cleanup frees what was allocated */
    if (!f->model || !f->feature) {
        x->err = FL_ENOMEM;
        return 1;
    }
    return 0;
}

static int cmp_feature(const void *a, const void *b)
{
    const struct fl_fresh_feature *x = a, *y = b;
    int c = strcmp(x->model, y->model);
    return c ? c : strcmp(x->feature, y->feature);
}

fl_err fl_freshness_evaluate(struct fl_store *s, const struct fl_config *cfg, int64_t at_ms,
                             int64_t now_ms, struct fl_fresh_report *out, struct fl_diag *d)
{
    const char **names = NULL;
    int64_t *since = NULL;
    fl_err e = FL_OK;
    memset(out, 0, sizeof *out);
    out->at_ms = at_ms;
    if (!s || !cfg)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store or configuration");
    size_t n = cfg->n_freshness;
    if (n) {
        out->jobs = fl_calloc(n, sizeof *out->jobs);
        names = fl_calloc(n, sizeof *names);
        since = fl_calloc(n, sizeof *since);
        if (!out->jobs || !names || !since) {
            e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory evaluating freshness");
            goto out;
        }
        for (size_t i = 0; i < n; i++)
            names[i] = cfg->freshness[i].component;
        if ((e = fl_store_watch_since(s, names, n, now_ms, since, d)) != FL_OK)
            goto out;
        for (size_t i = 0; i < n && e == FL_OK; i++) {
            out->jobs[i].rule = &cfg->freshness[i];
            out->jobs[i].watch_since_ms = since[i];
            out->n_jobs = i + 1;
            e = eval_job(s, &out->jobs[i], at_ms, d);
        }
        if (e != FL_OK)
            goto out;
    }
    int64_t window = cfg->stale_window_ms > 0 ? cfg->stale_window_ms : 15 * 60 * 1000;
    out->window_start_ms = at_ms - window;
    struct feat_ctx fx = {out, 0, FL_OK};
    e = fl_store_feature_status(s, NULL, out->window_start_ms, at_ms, cfg->stale_max_requests,
                                keep_feature, &fx, &out->requests, &out->requests_truncated, d);
    if (e == FL_OK && fx.err != FL_OK)
        e = fl_diag_set(d, fx.err, 0, 0, "out of memory reading feature status");
    if (e == FL_OK && out->n_features > 1)
        qsort(out->features, out->n_features, sizeof *out->features, cmp_feature);
out:
    fl_free(names);
    fl_free(since);
    return e;
}

void fl_freshness_report_cleanup(struct fl_fresh_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_features; i++) {
        fl_free(r->features[i].model);
        fl_free(r->features[i].feature);
    }
    fl_free(r->features);
    fl_free(r->jobs);
    memset(r, 0, sizeof *r);
}

size_t fl_freshness_n_alerting(const struct fl_fresh_report *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_jobs; i++)
        n += fl_freshness_alerting(&r->jobs[i].st);
    return n;
}

/* ---- renderings ---- */

static uint64_t feat_total(const struct fl_fresh_feature *f)
{
    return f->n[0] + f->n[1] + f->n[2] + f->n[3];
}

static double ratio(uint64_t a, uint64_t n)
{
    return n ? (double)a / (double)n : 0;
}

double fl_freshness_stale_ratio(const struct fl_fresh_feature *f)
{
    return ratio(f->n[FL_FEAT_OUTSIDE_MAX_AGE] + f->n[FL_FEAT_NOT_FOUND], feat_total(f));
}

static double stale_ratio(const struct fl_fresh_feature *f)
{
    return fl_freshness_stale_ratio(f);
}

static void json_str(struct fl_buf *b, const char *s)
{
    if (s)
        fl_buf_put_json_str(b, s, strlen(s));
    else
        fl_buf_puts(b, "null");
}

static void json_num_or_null(struct fl_buf *b, double v)
{
    if (isfinite(v))
        fl_buf_put_double(b, v);
    else
        fl_buf_puts(b, "null");
}

static void json_job(const struct fl_fresh_job *j, struct fl_buf *b)
{
    const struct fl_fresh_status *s = &j->st;
    char dur[32];
    fl_buf_puts(b, "{\"component\":");
    json_str(b, j->rule->component);
    fl_buf_printf(b, ",\"state\":\"%s\",\"alerting\":%s,\"reason\":",
                  fl_freshness_state_name(s->state),
                  fl_freshness_alerting(s) ? "true" : "false");
    json_str(b, s->reason);
    fl_duration_fmt(j->rule->every_ms, dur, sizeof dur);
    fl_buf_printf(b, ",\"every\":\"%s\",\"every_ms\":%lld", dur, (long long)j->rule->every_ms);
    fl_duration_fmt(j->rule->grace_ms, dur, sizeof dur);
    fl_buf_printf(b, ",\"grace\":\"%s\",\"grace_ms\":%lld,", dur, (long long)j->rule->grace_ms);
    fl_registry_put_time(b, "last_success", s->last_success_ms);
    fl_buf_putc(b, ',');
    fl_registry_put_time(b, "deadline", s->deadline_ms);
    fl_buf_printf(b, ",\"late_by_ms\":%lld,\"last_status\":", (long long)s->late_by_ms);
    json_str(b, s->last_status >= 0 ? run_names[s->last_status] : NULL);
    fl_buf_putc(b, ',');
    fl_registry_put_time(b, "last_run", s->last_run_ms);
    fl_buf_printf(b, ",\"consecutive_failures\":%llu,\"consecutive_failures_at_least\":%s",
                  (unsigned long long)s->consecutive_failures,
                  s->failures_at_least ? "true" : "false");
    fl_buf_puts(b, ",\"last_rows\":");
    if (s->last_rows >= 0)
        fl_buf_printf(b, "%lld", (long long)s->last_rows);
    else
        fl_buf_puts(b, "null");
    fl_buf_printf(b, ",\"rows_check\":\"%s\",\"checked_rows\":", fl_freshness_rows_name(s->rows_check));
    if (s->checked_rows >= 0)
        fl_buf_printf(b, "%lld", (long long)s->checked_rows);
    else
        fl_buf_puts(b, "null");
    fl_buf_puts(b, ",\"rows_median\":");
    json_num_or_null(b, s->rows_median);
    fl_buf_puts(b, ",\"rows_drop\":");
    json_num_or_null(b, s->rows_drop);
    fl_buf_putc(b, ',');
    fl_registry_put_time(b, "watching_since", j->watch_since_ms);
    fl_buf_putc(b, '}');
}

void fl_freshness_json(const struct fl_fresh_report *r, struct fl_buf *b)
{
    fl_buf_puts(b, "{\"status\":\"success\",\"data\":{");
    fl_registry_put_time(b, "at", r->at_ms);
    fl_buf_printf(b, ",\"alerting\":%zu,\"jobs\":[", fl_freshness_n_alerting(r));
    for (size_t i = 0; i < r->n_jobs; i++) {
        if (i)
            fl_buf_putc(b, ',');
        json_job(&r->jobs[i], b);
    }
    fl_buf_puts(b, "],\"features\":{");
    fl_registry_put_time(b, "window_start", r->window_start_ms);
    fl_buf_printf(b, ",\"requests\":%llu,\"truncated\":%s,\"items\":[",
                  (unsigned long long)r->requests, r->requests_truncated ? "true" : "false");
    for (size_t i = 0; i < r->n_features; i++) {
        const struct fl_fresh_feature *f = &r->features[i];
        uint64_t n = feat_total(f);
        fl_buf_puts(b, i ? ",{\"model\":" : "{\"model\":");
        json_str(b, f->model);
        fl_buf_puts(b, ",\"feature\":");
        json_str(b, f->feature);
        fl_buf_printf(b,
                      ",\"requests\":%llu,\"present\":%llu,\"null\":%llu,\"not_found\":%llu,"
                      "\"outside_max_age\":%llu,\"stale_ratio\":",
                      (unsigned long long)n, (unsigned long long)f->n[FL_FEAT_PRESENT],
                      (unsigned long long)f->n[FL_FEAT_NULL],
                      (unsigned long long)f->n[FL_FEAT_NOT_FOUND],
                      (unsigned long long)f->n[FL_FEAT_OUTSIDE_MAX_AGE]);
        fl_buf_put_double(b, stale_ratio(f));
        fl_buf_puts(b, ",\"null_ratio\":");
        fl_buf_put_double(b, ratio(f->n[FL_FEAT_NULL], n));
        fl_buf_putc(b, '}');
    }
    fl_buf_puts(b, "]}}}\n");
}

/* A label value in the exposition format: \\, \" and \n escaped. */
static void label_value(struct fl_buf *b, const char *s)
{
    fl_buf_putc(b, '"');
    for (; s && *s; s++) {
        if (*s == '\\')
            fl_buf_puts(b, "\\\\");
        else if (*s == '"')
            fl_buf_puts(b, "\\\"");
        else if (*s == '\n')
            fl_buf_puts(b, "\\n");
        else
            fl_buf_putc(b, *s);
    }
    fl_buf_putc(b, '"');
}

static void family(struct fl_buf *b, const char *name, const char *help)
{
    fl_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* name{component="c"[,extra]} value */
static void job_sample(struct fl_buf *b, const char *name, const struct fl_fresh_job *j,
                       const char *extra_name, const char *extra_value, double v)
{
    fl_buf_printf(b, "%s{component=", name);
    label_value(b, j->rule->component);
    if (extra_name) {
        fl_buf_printf(b, ",%s=", extra_name);
        label_value(b, extra_value);
    }
    fl_buf_puts(b, "} ");
    fl_buf_put_double(b, v);
    fl_buf_putc(b, '\n');
}

static void prom_jobs(const struct fl_fresh_report *r, struct fl_buf *b)
{
    size_t n_success = 0, n_deadline = 0, n_runs = 0, n_rows = 0;
    for (size_t i = 0; i < r->n_jobs; i++) {
        n_success += r->jobs[i].st.last_success_ms != FL_TS_NONE;
        n_deadline += r->jobs[i].st.deadline_ms != FL_TS_NONE;
        n_runs += r->jobs[i].st.last_status >= 0;
        n_rows += r->jobs[i].st.last_rows >= 0;
    }
    if (n_success)
        family(b, "faultline_batch_last_success_timestamp_seconds",
               "Finish time of the newest successful run of the job.");
    for (size_t i = 0; i < r->n_jobs; i++)
        if (r->jobs[i].st.last_success_ms != FL_TS_NONE)
            job_sample(b, "faultline_batch_last_success_timestamp_seconds", &r->jobs[i], NULL,
                       NULL, (double)r->jobs[i].st.last_success_ms / 1000.0);
    if (n_deadline)
        family(b, "faultline_batch_deadline_timestamp_seconds",
               "When the job turns late without a new success (last success + every + grace).");
    for (size_t i = 0; i < r->n_jobs; i++)
        if (r->jobs[i].st.deadline_ms != FL_TS_NONE)
            job_sample(b, "faultline_batch_deadline_timestamp_seconds", &r->jobs[i], NULL, NULL,
                       (double)r->jobs[i].st.deadline_ms / 1000.0);
    family(b, "faultline_batch_late",
           "1 when the job is late or never succeeded (dead man's switch), else 0.");
    for (size_t i = 0; i < r->n_jobs; i++)
        job_sample(b, "faultline_batch_late", &r->jobs[i], NULL, NULL,
                   r->jobs[i].st.state == FL_FRESH_LATE ||
                       r->jobs[i].st.state == FL_FRESH_NEVER_SUCCEEDED);
    family(b, "faultline_batch_state", "Freshness state of the job: 1 for the current state.");
    for (size_t i = 0; i < r->n_jobs; i++)
        for (int k = 0; k < FL_FRESH__COUNT; k++)
            job_sample(b, "faultline_batch_state", &r->jobs[i], "state", state_names[k],
                       r->jobs[i].st.state == (enum fl_fresh_state)k);
    if (n_runs)
        family(b, "faultline_batch_last_run_status",
               "Status of the newest run of the job: 1 for the current status.");
    for (size_t i = 0; i < r->n_jobs; i++)
        for (int k = 0; k < 3 && r->jobs[i].st.last_status >= 0; k++)
            job_sample(b, "faultline_batch_last_run_status", &r->jobs[i], "status", run_names[k],
                       r->jobs[i].st.last_status == k);
    family(b, "faultline_batch_consecutive_failures",
           "Failed runs of the job since its newest success.");
    for (size_t i = 0; i < r->n_jobs; i++)
        job_sample(b, "faultline_batch_consecutive_failures", &r->jobs[i], NULL, NULL,
                   (double)r->jobs[i].st.consecutive_failures);
    if (n_rows)
        family(b, "faultline_batch_rows_last_run",
               "Rows reported by the newest finished run of the job that reported rows.");
    for (size_t i = 0; i < r->n_jobs; i++)
        if (r->jobs[i].st.last_rows >= 0)
            job_sample(b, "faultline_batch_rows_last_run", &r->jobs[i], NULL, NULL,
                       (double)r->jobs[i].st.last_rows);
    family(b, "faultline_batch_rows_anomaly",
           "1 when the newest success failed a row check (min_rows, max_rows, max_drop).");
    for (size_t i = 0; i < r->n_jobs; i++) {
        enum fl_rows_check c = r->jobs[i].st.rows_check;
        job_sample(b, "faultline_batch_rows_anomaly", &r->jobs[i], NULL, NULL,
                   c == FL_ROWS_BELOW_MIN || c == FL_ROWS_ABOVE_MAX || c == FL_ROWS_DROP);
    }
}

static void feature_sample(struct fl_buf *b, const char *name, const struct fl_fresh_feature *f,
                           double v)
{
    fl_buf_printf(b, "%s{model=", name);
    label_value(b, f->model);
    fl_buf_puts(b, ",feature=");
    label_value(b, f->feature);
    fl_buf_puts(b, "} ");
    fl_buf_put_double(b, v);
    fl_buf_putc(b, '\n');
}

void fl_freshness_prometheus(const struct fl_fresh_report *r, struct fl_buf *b)
{
    if (r->n_jobs)
        prom_jobs(r, b);
    if (!r->n_features)
        return;
    family(b, "faultline_feature_stale_ratio",
           "Share of recent requests for which the feature store had no fresh value of the "
           "feature (outside its max age, or not found).");
    for (size_t i = 0; i < r->n_features; i++)
        feature_sample(b, "faultline_feature_stale_ratio", &r->features[i],
                       stale_ratio(&r->features[i]));
    family(b, "faultline_feature_null_ratio",
           "Share of recent requests whose feature value was null.");
    for (size_t i = 0; i < r->n_features; i++)
        feature_sample(b, "faultline_feature_null_ratio", &r->features[i],
                       ratio(r->features[i].n[FL_FEAT_NULL], feat_total(&r->features[i])));
}
