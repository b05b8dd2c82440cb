/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prom_batch.c: Prometheus text / OpenMetrics exposition -> struct fl_batch, and content-type
 * detection.
 *
 * Series labels are built the way Prometheus' scrape loop builds them with honor_labels: false
 * (scrape/scrape.go, mutateSampleLabels and resolveConflictingExposedLabels): target labels win,
 * and an exposed label they collide with is kept under exported_<name>, prefixed again until the
 * name is free, shortest names first. Labels with an empty value are absent, as in Prometheus.
 * The per-series label array and the NUL-terminated copies of names/values live in scratch owned
 * by the parser, so a scrape allocates only what the batch itself keeps.
 */
#include <string.h>

#include "../core/alloc.h"
#include "prom.h"
#include "prom_int.h"

#define EXPORTED_PREFIX "exported_"
#define EXPORTED_LEN (sizeof(EXPORTED_PREFIX) - 1)

enum fl_prom_format fl_prom_format_from_content_type(const char *ct)
{
    static const char om[] = "application/openmetrics-text";
    if (!ct)
        return FL_PROM_TEXT;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = 0;
    while (ct[n] && ct[n] != ';' && ct[n] != ' ' && ct[n] != '\t')
        n++;
    if (fl_str_eq_ci_c((struct fl_str){ct, n}, om))
        return FL_PROM_OPENMETRICS;
    return FL_PROM_TEXT;
}

struct tb {
    struct fl_prom_parser *p;
    struct fl_batch *b;
    int64_t default_ts_ms;
    const struct fl_label *extra;
    size_t n_extra;
    size_t n_samples;
    size_t series_before;
    struct fl_diag *d;
};

static fl_err grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    if (*cap >= need)
        return FL_OK;
    size_t nc = *cap ? *cap : 64;
    while (nc < need)
        nc *= 2;
    void *nb = fl_reallocarray(*buf, nc, elem);
    if (!nb)
        return FL_ENOMEM;
    *buf = nb;
    *cap = nc;
    return FL_OK;
}

static int has_label(const struct fl_label *ls, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strncmp(ls[i].name, name, len) == 0 && ls[i].name[len] == '\0')
            return 1;
    return 0;
}

static int is_extra(const struct tb *t, struct fl_str name)
{
    for (size_t i = 0; i < t->n_extra; i++)
        if (t->extra[i].value && t->extra[i].value[0] && fl_str_eq_c(name, t->extra[i].name))
            return 1;
    return 0;
}

static char *put(char **w, const char *s, size_t len)
{
    char *start = *w;
    memcpy(*w, s, len);
    (*w)[len] = '\0';
    *w += len + 1;
    return start;
}

/* Builds the series' label set in the parser's scratch; *n gets its size. */
static fl_err build_labels(struct tb *t, const struct fl_prom_sample *s, size_t *n_out)
{
    struct fl_prom__batch_scratch *bs = fl_prom__parser_batch_scratch(t->p);
    const struct fl_limits *lim = fl_prom__parser_limits(t->p);
    size_t n_set = 0, n_conf = 0, bytes = s->name.len + sizeof "__name__" + 1;
    for (size_t i = 0; i < s->n_labels; i++) {
        if (s->label_values[i].len == 0)
            continue;
        n_set++;
        bytes += s->label_names[i].len + s->label_values[i].len + 2;
        if (is_extra(t, s->label_names[i])) {
            n_conf++;
            bytes += EXPORTED_LEN * (s->n_labels + t->n_extra + 1);
        }
    }
    size_t n_extra_set = 0;
    for (size_t i = 0; i < t->n_extra; i++)
        n_extra_set += t->extra[i].value && t->extra[i].value[0];
    if (n_set + n_extra_set > lim->labels_per_series)
        return fl_diag_set(t->d, FL_ELIMIT, s->line, 1,
                           "series \"%.*s\" has %zu labels (with target labels), more than the "
                           "limit of %zu", (int)(s->name.len > 80 ? 80 : s->name.len), s->name.p,
                           n_set + n_extra_set, lim->labels_per_series);
    size_t total = 1 + n_set + n_extra_set;
    if (grow((void **)&bs->labels, &bs->cap_labels, total, sizeof *bs->labels) != FL_OK ||
        grow((void **)&bs->bytes, &bs->cap_bytes, bytes, 1) != FL_OK)
        return FL_ENOMEM;
    struct fl_label *ls = bs->labels;
    char *w = bs->bytes;
    size_t n = 0;
    ls[n].name = "__name__";
    ls[n++].value = put(&w, s->name.p, s->name.len);
    for (size_t i = 0; i < s->n_labels; i++) {
        if (s->label_values[i].len == 0 || is_extra(t, s->label_names[i]))
            continue;
        ls[n].name = put(&w, s->label_names[i].p, s->label_names[i].len);
        ls[n++].value = put(&w, s->label_values[i].p, s->label_values[i].len);
    }
    for (size_t i = 0; i < t->n_extra; i++) {
        if (!t->extra[i].value || !t->extra[i].value[0])
            continue;
        ls[n++] = t->extra[i];
    }
    /* Conflicting exposed labels, shortest names first (stable), as Prometheus does. */
    for (size_t round = 0, done = 0; done < n_conf; round++) {
        for (size_t i = 0; i < s->n_labels; i++) {
            struct fl_str nm = s->label_names[i];
            if (s->label_values[i].len == 0 || nm.len != round || !is_extra(t, nm))
                continue;
            char *name = w;
            size_t k = 1;
            for (;; k++) {
                size_t len = k * EXPORTED_LEN + nm.len;
                for (size_t j = 0; j < k; j++)
                    memcpy(name + j * EXPORTED_LEN, EXPORTED_PREFIX, EXPORTED_LEN);
                memcpy(name + k * EXPORTED_LEN, nm.p, nm.len);
                name[len] = '\0';
                if (!has_label(ls, n, name, len))
                    break;
            }
            w += k * EXPORTED_LEN + nm.len + 1;
            ls[n].name = name;
            ls[n++].value = put(&w, s->label_values[i].p, s->label_values[i].len);
            done++;
        }
    }
    *n_out = n;
    return FL_OK;
}

static fl_err batch_err(struct tb *t, fl_err e, unsigned long line, const char *what)
{
    return fl_diag_set(t->d, e, line, 0, "%s: %s", what, fl_err_str(e));
}

static fl_err add_exemplar(struct tb *t, const struct fl_prom_sample *s, uint32_t series,
                           int64_t ts)
{
    struct fl_batch *b = t->b;
    struct fl_exemplar x;
    memset(&x, 0, sizeof x);
    x.series = series;
    x.sample_ts_ms = ts;
    x.value = s->ex_value;
    x.ts_ms = s->ex_ts_ms;
    x.n_labels = s->ex_n_labels;
    struct fl_label *ls = NULL;
    if (s->ex_n_labels > 0) {
        ls = fl_arena_calloc(&b->arena, s->ex_n_labels, sizeof *ls);
        if (!ls)
            return batch_err(t, fl_batch_alloc_err(b), s->line, "exemplar");
    }
    for (size_t i = 0; i < s->ex_n_labels; i++) {
        char *nm = fl_batch_strndup(b, s->ex_label_names[i].p, s->ex_label_names[i].len);
        char *v = fl_batch_strndup(b, s->ex_label_values[i].p, s->ex_label_values[i].len);
        if (!nm || !v)
            return batch_err(t, fl_batch_alloc_err(b), s->line, "exemplar");
        ls[i].name = nm;
        ls[i].value = v;
        if (!x.trace_id && (strcmp(nm, "trace_id") == 0 || strcmp(nm, "traceID") == 0))
            x.trace_id = v;
    }
    x.labels = ls;
    fl_err e = fl_batch_add_exemplar(b, &x);
    return e == FL_OK ? FL_OK : batch_err(t, e, s->line, "exemplar");
}

static fl_err on_sample(const struct fl_prom_sample *s, void *ud)
{
    struct tb *t = ud;
    struct fl_batch *b = t->b;
    const struct fl_limits *lim = fl_prom__parser_limits(t->p);
    size_t n = 0;
    fl_err e = build_labels(t, s, &n);
    if (e != FL_OK)
        return e;
    uint32_t idx;
    e = fl_batch_series(b, fl_prom__parser_batch_scratch(t->p)->labels, n, &idx);
    if (e == FL_EINVAL)
        return fl_diag_set(t->d, FL_EPARSE, s->line, 1, "duplicate label name in series");
    if (e != FL_OK)
        return batch_err(t, e, s->line, "series");
    if (b->n_series - t->series_before > lim->series_per_target)
        return fl_diag_set(t->d, FL_ELIMIT, s->line, 1,
                           "more than %zu series in one exposition", lim->series_per_target);
    int64_t ts = s->ts_ms == FL_TS_NONE ? t->default_ts_ms : s->ts_ms;
    if ((e = fl_batch_add_sample(b, idx, ts, s->value)) != FL_OK)
        return batch_err(t, e, s->line, "sample");
    t->n_samples++;
    if (s->has_exemplar)
        return add_exemplar(t, s, idx, ts);
    return FL_OK;
}

static fl_err on_meta(const struct fl_prom_meta *m, void *ud)
{
    struct tb *t = ud;
    struct fl_batch *b = t->b;
    struct fl_metric_meta mm;
    mm.family = fl_batch_strndup(b, m->family.p, m->family.len);
    mm.type = (strcmp(m->type, "untyped") == 0 || strcmp(m->type, "unknown") == 0) ? NULL : m->type;
    mm.help = m->help.len ? fl_batch_strndup(b, m->help.p, m->help.len) : NULL;
    mm.unit = m->unit.len ? fl_batch_strndup(b, m->unit.p, m->unit.len) : NULL;
    if (!mm.family || (m->help.len && !mm.help) || (m->unit.len && !mm.unit))
        return batch_err(t, fl_batch_alloc_err(b), 0, "metadata");
    fl_err e = fl_batch_add_meta(b, &mm);
    return e == FL_OK ? FL_OK : batch_err(t, e, 0, "metadata");
}

fl_err fl_prom_to_batch(struct fl_prom_parser *p, const char *text, size_t len,
                        enum fl_prom_format fmt, int64_t default_ts_ms,
                        const struct fl_label *extra, size_t n_extra, struct fl_batch *b,
                        size_t *n_samples, struct fl_diag *d)
{
    struct tb t;
    memset(&t, 0, sizeof t);
    t.p = p;
    t.b = b;
    t.default_ts_ms = default_ts_ms;
    t.extra = extra;
    t.n_extra = extra ? n_extra : 0;
    t.series_before = b->n_series;
    t.d = d;
    fl_err e = fl_prom_parse(p, text, len, fmt, on_sample, on_meta, &t, d);
    if (n_samples)
        *n_samples = t.n_samples;
    return e;
}
