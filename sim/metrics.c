/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.c: the simulator's metric store (one value per series per tick) and its writers:
 * OpenMetrics 1.0 files with sample timestamps in seconds (families contiguous, histograms
 * written per timestamp so each bucket set is complete, `# EOF` at the end), and the Prometheus
 * text format 0.0.4 of one target at one tick for the live /metrics endpoints.
 *
 * Series carry only their exposed labels; job and instance are the target's, added when files are
 * written (as a Prometheus export would hold them) and added by faultline itself when it scrapes.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "sim.h"

fl_err sim_metrics_init(struct sim_metrics *m, size_t n_ticks)
{
    memset(m, 0, sizeof(*m));
    m->n_ticks = n_ticks;
    return FL_OK;
}

void sim_metrics_cleanup(struct sim_metrics *m)
{
    for (size_t i = 0; i < m->n_fams; i++) {
        fl_free(m->fams[i].name);
        fl_free(m->fams[i].help);
        fl_free(m->fams[i].unit);
    }
    for (size_t i = 0; i < m->n_series; i++) {
        fl_free(m->series[i].labels);
        fl_free(m->series[i].v);
    }
    fl_free(m->fams);
    fl_free(m->series);
    fl_free(m->targets);
    fl_free(m->down);
    memset(m, 0, sizeof(*m));
}

static bool grow(void **p, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : 16;
    void *q = fl_reallocarray(*p, nc, elem);
    if (!q)
        return false;
    *p = q;
    *cap = nc;
    return true;
}

size_t sim_target(struct sim_metrics *m, const char *job, const char *instance,
                  const char *component)
{
    for (size_t i = 0; i < m->n_targets; i++)
        if (!strcmp(m->targets[i].job, job) && !strcmp(m->targets[i].instance, instance))
            return i;
    if (!grow((void **)&m->targets, &m->cap_targets, m->n_targets, sizeof(*m->targets)))
        return SIZE_MAX;
    unsigned char *d = fl_realloc(m->down, (m->n_targets + 1) * m->n_ticks + 1);
    if (!d)
        return SIZE_MAX;
    m->down = d;
    memset(d + m->n_targets * m->n_ticks, 0, m->n_ticks);
    struct sim_target *t = &m->targets[m->n_targets];
    snprintf(t->job, sizeof(t->job), "%s", job);
    snprintf(t->instance, sizeof(t->instance), "%s", instance);
    snprintf(t->component, sizeof(t->component), "%s", component);
    return m->n_targets++;
}

static size_t family(struct sim_metrics *m, const char *name, enum sim_mtype type,
                     const char *help, const char *unit)
{
    for (size_t i = 0; i < m->n_fams; i++)
        if (!strcmp(m->fams[i].name, name))
            return i;
    if (!grow((void **)&m->fams, &m->cap_fams, m->n_fams, sizeof(*m->fams)))
        return SIZE_MAX;
    struct sim_family *f = &m->fams[m->n_fams];
    f->name = fl_strdup(name);
    f->help = fl_strdup(help);
    f->unit = fl_strdup(unit ? unit : "");
    f->type = type;
    if (!f->name || !f->help || !f->unit) {
        fl_free(f->name);
        fl_free(f->help);
        fl_free(f->unit);
        return SIZE_MAX;
    }
    return m->n_fams++;
}

static size_t series_add(struct sim_metrics *m, size_t fam, const char *suffix, size_t target,
                         const char *labels)
{
    if (!grow((void **)&m->series, &m->cap_series, m->n_series, sizeof(*m->series)))
        return SIZE_MAX;
    struct sim_series *s = &m->series[m->n_series];
    s->family = fam;
    s->target = target;
    s->suffix = suffix;
    s->labels = fl_strdup(labels ? labels : "");
    s->v = fl_reallocarray(NULL, m->n_ticks ? m->n_ticks : 1, sizeof(double));
    if (!s->labels || !s->v) {
        fl_free(s->labels);
        fl_free(s->v);
        return SIZE_MAX;
    }
    for (size_t i = 0; i < m->n_ticks; i++)
        s->v[i] = NAN;
    return m->n_series++;
}

size_t sim_series_new(struct sim_metrics *m, const char *name, enum sim_mtype type,
                      const char *help, const char *unit, size_t target, const char *labels)
{
    if (target == SIZE_MAX)
        return SIZE_MAX;
    size_t f = family(m, name, type, help, unit);
    if (f == SIZE_MAX)
        return SIZE_MAX;
    return series_add(m, f, type == SIM_COUNTER ? "_total" : "", target, labels);
}

void sim_put(struct sim_metrics *m, size_t series, size_t tick, double v)
{
    if (series < m->n_series && tick < m->n_ticks)
        m->series[series].v[tick] = v;
}

bool sim_hist_new(struct sim_metrics *m, struct sim_hist *h, const char *name, const char *help,
                  size_t target, const char *labels, const double *le, size_t n_le)
{
    memset(h, 0, sizeof(*h));
    if (n_le > SIM_HIST_MAX_BUCKETS || target == SIZE_MAX)
        return false;
    size_t f = family(m, name, SIM_HISTOGRAM, help, "seconds");
    if (f == SIZE_MAX)
        return false;
    h->le = le;
    h->n_le = n_le;
    char lb[512];
    for (size_t i = 0; i <= n_le; i++) {
        char lev[32];
        if (i < n_le)
            snprintf(lev, sizeof(lev), "%g", le[i]);
        else
            snprintf(lev, sizeof(lev), "+Inf");
        if (i < n_le && !strchr(lev, '.') && !strchr(lev, 'e'))
            strcat(lev, ".0");
        snprintf(lb, sizeof(lb), "%s%sle=\"%s\"", labels, *labels ? "," : "", lev);
        size_t s = series_add(m, f, "_bucket", target, lb);
        if (s == SIZE_MAX)
            return false;
        if (i == 0)
            h->first = s;
    }
    if (series_add(m, f, "_sum", target, labels) == SIZE_MAX ||
        series_add(m, f, "_count", target, labels) == SIZE_MAX)
        return false;
    return true;
}

void sim_hist_observe(struct sim_hist *h, double v)
{
    size_t i = 0;
    while (i < h->n_le && v > h->le[i])
        i++;
    h->cum[i] += 1;
    h->sum += v;
    h->count += 1;
}

void sim_hist_record(struct sim_metrics *m, const struct sim_hist *h, size_t tick)
{
    double c = 0;
    for (size_t i = 0; i <= h->n_le; i++) {
        c += h->cum[i];
        sim_put(m, h->first + i, tick, c);
    }
    sim_put(m, h->first + h->n_le + 1, tick, h->sum);
    sim_put(m, h->first + h->n_le + 2, tick, h->count);
}

static const char *type_name(enum sim_mtype t)
{
    return t == SIM_COUNTER ? "counter" : t == SIM_GAUGE ? "gauge" : "histogram";
}

static bool is_down(const struct sim_metrics *m, size_t target, size_t tick)
{
    return m->down[target * m->n_ticks + tick] != 0;
}

/* One sample line. job/instance first when with_target. ts in ms; OpenMetrics writes seconds. */
static void sample_line(struct fl_buf *b, const struct sim_metrics *m, const struct sim_series *s,
                        double v, int64_t ts_ms, bool openmetrics)
{
    const struct sim_family *f = &m->fams[s->family];
    const struct sim_target *t = &m->targets[s->target];
    fl_buf_puts(b, f->name);
    fl_buf_puts(b, s->suffix);
    fl_buf_putc(b, '{');
    if (openmetrics) {
        fl_buf_printf(b, "job=\"%s\",instance=\"%s\"", t->job, t->instance);
        if (*s->labels)
            fl_buf_putc(b, ',');
    }
    fl_buf_puts(b, s->labels);
    fl_buf_puts(b, "} ");
    fl_buf_put_double(b, v);
    if (openmetrics)
        fl_buf_printf(b, " %lld.%03lld\n", (long long)(ts_ms / 1000), (long long)(ts_ms % 1000));
    else
        fl_buf_printf(b, " %lld\n", (long long)ts_ms);
}

static void family_header(struct fl_buf *b, const struct sim_family *f, bool openmetrics)
{
    fl_buf_printf(b, "# TYPE %s %s\n", f->name, type_name(f->type));
    if (openmetrics && *f->unit)
        fl_buf_printf(b, "# UNIT %s %s\n", f->name, f->unit);
    fl_buf_printf(b, "# HELP %s %s\n", f->name, f->help);
}

struct om_file {
    FILE *fp;
    struct fl_buf b;
    size_t samples;
    size_t n_files;
    const char *dir;
    fl_err err;
};

static void om_flush(struct om_file *o, bool close)
{
    if (o->fp && o->b.len) {
        if (fwrite(o->b.data, 1, o->b.len, o->fp) != o->b.len)
            o->err = FL_EIO;
        fl_buf_reset(&o->b);
    }
    if (close && o->fp) {
        if (fputs("# EOF\n", o->fp) < 0 || fclose(o->fp) != 0)
            o->err = FL_EIO;
        o->fp = NULL;
    }
}

static bool om_open(struct om_file *o)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/metrics-%02zu.om", o->dir, o->n_files + 1);
    o->fp = fopen(path, "w");
    if (!o->fp) {
        o->err = FL_EIO;
        return false;
    }
    o->n_files++;
    o->samples = 0;
    return true;
}

fl_err sim_metrics_write(const struct sim_metrics *m, int64_t start_ms, int64_t step_ms,
                         const char *dir, size_t max_samples, size_t *n_files)
{
    struct om_file o = {.dir = dir};
    fl_buf_init(&o.b, (size_t)1 << 30);
    for (size_t fi = 0; fi < m->n_fams && !o.err; fi++) {
        const struct sim_family *f = &m->fams[fi];
        size_t first = SIZE_MAX, last = 0, per_tick = 0;
        for (size_t si = 0; si < m->n_series; si++)
            if (m->series[si].family == fi) {
                if (first == SIZE_MAX)
                    first = si;
                last = si;
                per_tick++;
            }
        if (first == SIZE_MAX)
            continue;
        bool header = false;
        for (size_t t = 0; t < m->n_ticks && !o.err; t++) {
            if (!o.fp || (o.samples + per_tick > max_samples && o.samples > 0)) {
                om_flush(&o, true);
                if (!om_open(&o))
                    break;
                header = false;
            }
            if (!header) {
                family_header(&o.b, f, true);
                header = true;
            }
            int64_t ts = start_ms + (int64_t)t * step_ms;
            for (size_t si = first; si <= last; si++) {
                const struct sim_series *s = &m->series[si];
                if (s->family != fi || isnan(s->v[t]) || is_down(m, s->target, t))
                    continue;
                sample_line(&o.b, m, s, s->v[t], ts, true);
                o.samples++;
            }
            if (o.b.len > (1u << 22))
                om_flush(&o, false);
        }
    }
    /* The scrape health of every target, as Prometheus records it. */
    if (!o.err && (!o.fp || o.samples + m->n_targets * m->n_ticks > max_samples)) {
        om_flush(&o, true);
        om_open(&o);
    }
    if (!o.err) {
        fl_buf_puts(&o.b, "# TYPE up gauge\n# HELP up 1 if the target answered the scrape.\n");
        for (size_t t = 0; t < m->n_ticks; t++)
            for (size_t ti = 0; ti < m->n_targets; ti++)
                fl_buf_printf(&o.b, "up{job=\"%s\",instance=\"%s\"} %d %lld.%03lld\n",
                              m->targets[ti].job, m->targets[ti].instance,
                              is_down(m, ti, t) ? 0 : 1,
                              (long long)((start_ms + (int64_t)t * step_ms) / 1000),
                              (long long)((start_ms + (int64_t)t * step_ms) % 1000));
    }
    if (fl_buf_err(&o.b) && !o.err)
        o.err = fl_buf_err(&o.b);
    om_flush(&o, true);
    fl_buf_cleanup(&o.b);
    *n_files = o.n_files;
    return o.err;
}

void sim_metrics_expose(const struct sim_metrics *m, size_t target, size_t tick, int64_t ts_ms,
                        struct fl_buf *out)
{
    for (size_t fi = 0; fi < m->n_fams; fi++) {
        bool header = false;
        for (size_t si = 0; si < m->n_series; si++) {
            const struct sim_series *s = &m->series[si];
            if (s->family != fi || s->target != target || isnan(s->v[tick]))
                continue;
            if (!header) {
                family_header(out, &m->fams[fi], false);
                header = true;
            }
            sample_line(out, m, s, s->v[tick], ts_ms, false);
        }
    }
}
