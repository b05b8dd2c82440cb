/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run.c: file mode. Steps the world tick by tick and writes what faultline imports: OpenMetrics
 * with sample timestamps (metrics-NN.om), OTLP/JSON (traces-NNNN.otlp.json), inference and
 * outcome JSON Lines and change events (events.json), all under OUT/telemetry/, plus the
 * topology fragment OUT/faultline.yml and the ground truth OUT/truth.json, which faultline never
 * reads (it is outside telemetry/ so that `faultline import OUT/telemetry/FILES` cannot pick it up).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "run.h"

#define SPANS_PER_FILE 60000
#define METRIC_SAMPLES_PER_FILE 600000

fl_err sim_mkdir_p(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof(p), "%s", dir);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            if (mkdir(p, 0755) != 0 && errno != EEXIST)
                return FL_EIO;
            *s = '/';
        }
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        return FL_EIO;
    return FL_OK;
}

static fl_err write_file(const char *path, const char *pre, const struct fl_buf *b,
                         const char *post, const char *mode)
{
    FILE *fp = fopen(path, mode);
    if (!fp)
        return FL_EIO;
    bool ok = fputs(pre, fp) >= 0;
    if (b->len)
        ok = ok && fwrite(b->data, 1, b->len, fp) == b->len;
    ok = ok && fputs(post, fp) >= 0;
    if (fclose(fp) != 0)
        ok = false;
    return ok ? FL_OK : FL_EIO;
}

void sim_mark_down(struct sim_world *w, size_t tick)
{
    if (!sim_fault_on(&w->fault, SIM_F_SCRAPE_TARGET_DOWN, sim_tick_ms(w, tick)))
        return;
    for (size_t i = 0; i < w->m.n_targets; i++)
        if (!strcmp(w->m.targets[i].component, w->fault.target))
            w->m.down[i * w->m.n_ticks + tick] = 1;
}

struct files {
    char dir[3600];
    size_t n_trace_files;
    bool infer_started, outc_started;
};

static fl_err flush_records(struct sim_world *w, struct files *fs, bool final,
                            struct sim_run_stats *st)
{
    char path[4096];
    fl_err e = FL_OK;
    if (w->sink.n_spans && (final || w->sink.n_spans >= SPANS_PER_FILE)) {
        snprintf(path, sizeof(path), "%s/traces-%04zu.otlp.json", fs->dir, ++fs->n_trace_files);
        e = write_file(path, "{\"resourceSpans\":[", &w->sink.spans, "]}\n", "w");
        st->spans += w->sink.n_spans;
        fl_buf_reset(&w->sink.spans);
        w->sink.n_spans = 0;
    }
    if (!e && w->sink.inferences.len && (final || w->sink.inferences.len > (4u << 20))) {
        snprintf(path, sizeof(path), "%s/inferences.jsonl", fs->dir);
        e = write_file(path, "", &w->sink.inferences, "", fs->infer_started ? "a" : "w");
        fs->infer_started = true;
        st->inferences += w->sink.n_inferences;
        w->sink.n_inferences = 0;
        fl_buf_reset(&w->sink.inferences);
    }
    if (!e && w->sink.outcomes.len && (final || w->sink.outcomes.len > (4u << 20))) {
        snprintf(path, sizeof(path), "%s/outcomes.jsonl", fs->dir);
        e = write_file(path, "", &w->sink.outcomes, "", fs->outc_started ? "a" : "w");
        fs->outc_started = true;
        st->outcomes += w->sink.n_outcomes;
        w->sink.n_outcomes = 0;
        fl_buf_reset(&w->sink.outcomes);
    }
    return e;
}

fl_err sim_run_files(struct sim_world *w, const char *out, struct sim_run_stats *st)
{
    struct files fs = {0};
    struct fl_buf b;
    char path[4096];
    fl_err e;
    fl_buf_init(&b, 1 << 24);
    memset(st, 0, sizeof(*st));
    snprintf(fs.dir, sizeof(fs.dir), "%s/telemetry", out);
    if ((e = sim_mkdir_p(out)) || (e = sim_mkdir_p(fs.dir)))
        goto out;
    for (size_t t = 0; t < w->n_ticks; t++) {
        sim_world_due_events(w, t);
        if ((e = w->tick(w, t)))
            goto out;
        sim_mark_down(w, t);
        if ((e = flush_records(w, &fs, false, st)))
            goto out;
    }
    if ((e = flush_records(w, &fs, true, st)))
        goto out;
    st->events = w->sink.n_events;
    if (w->sink.n_events) {
        snprintf(path, sizeof(path), "%s/events.json", fs.dir);
        if ((e = write_file(path, "[\n", &w->sink.events, "\n]\n", "w")))
            goto out;
    }
    if ((e = sim_metrics_write(&w->m, w->o.start_ms, w->o.step_ms, fs.dir,
                               METRIC_SAMPLES_PER_FILE, &st->metric_files)))
        goto out;
    /* Samples written: every value of a target that answered, and `up` for every target. */
    for (size_t i = 0; i < w->m.n_series; i++)
        for (size_t t = 0; t < w->m.n_ticks; t++)
            st->samples += w->m.series[i].v[t] == w->m.series[i].v[t] &&
                           !w->m.down[w->m.series[i].target * w->m.n_ticks + t];
    st->samples += w->m.n_targets * w->m.n_ticks;
    st->series = w->m.n_series;
    st->trace_files = fs.n_trace_files;
    sim_world_truth_json(w, &b);
    snprintf(path, sizeof(path), "%s/truth.json", out);
    if ((e = fl_buf_err(&b)) || (e = write_file(path, "", &b, "", "w")))
        goto out;
    fl_buf_reset(&b);
    sim_config_yaml(w->o.system, &b, NULL);
    snprintf(path, sizeof(path), "%s/faultline.yml", out);
    if ((e = fl_buf_err(&b)) || (e = write_file(path, "", &b, "", "w")))
        goto out;
out:
    fl_buf_cleanup(&b);
    return e;
}
