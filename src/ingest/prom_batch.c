/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prom_batch.c: Prometheus text / OpenMetrics exposition -> struct fl_batch, and content-type
 * detection.
 *
 * Series labels are built the way Prometheus' scrape loop builds them with honor_labels: false
 * (scrape/scrape.go, mutateSampleLabels and resolveConflictingExposedLabels): target labels win,
 * and an exposed label they collide with is kept under exported_<name>, prefixed again until the
 * name is free, shortest names first. Labels with an empty value are absent, as in Prometheus.
 * A series' label set goes to fl_batch_series_slices as slices of the parser's own (the input or
 * its unescape scratch), from an array on the stack; only exported_ names are written, into
 * scratch owned by the parser. The batch copies a label set once, when the series is new, so a
 * scrape allocates only what the batch itself keeps (and a heap array for label sets of more
 * than 64 labels, or more than 16 target labels).
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
    const struct fl_limits *lim;
    struct fl_batch *b;
    int64_t default_ts_ms;
    const struct fl_label *extra;
    size_t n_extra;
    struct fl_label_slice *xs; /* the extra labels with a value, as slices */
    size_t n_xs;
    struct fl_label_slice *ls; /* one series' labels: ls_small or heap */
    size_t cap_ls;
    struct fl_label_slice *ls_small; /* fl_prom_to_batch's stack array */
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

static int slice_eq(struct fl_str a, struct fl_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static int has_label(const struct fl_label_slice *ls, size_t n, struct fl_str name)
{
    for (size_t i = 0; i < n; i++)
        if (slice_eq(ls[i].name, name))
            return 1;
    return 0;
}

static int is_extra(const struct tb *t, struct fl_str name)
{
    return has_label(t->xs, t->n_xs, name);
}

/* Room for n labels of one series in t->ls. */
static fl_err reserve_labels(struct tb *t, size_t n)
{
    if (n <= t->cap_ls)
        return FL_OK;
    int small = t->ls == t->ls_small;
    struct fl_label_slice *nl = fl_reallocarray(small ? NULL : t->ls, n, sizeof *nl);
    if (!nl)
        return FL_ENOMEM;
    t->ls = nl;
    t->cap_ls = n;
    return FL_OK;
}

/*
 * Exposed labels that collide with a target label, renamed exported_<name> (prefixed again until
 * the name is free), shortest names first and stable, as Prometheus does. The new names are
 * written to the parser's scratch; ls has room for every exposed label.
 */
static fl_err add_exported(struct tb *t, const struct fl_prom_sample *s, size_t n_conf,
                           size_t *n_io)
{
    struct fl_prom__batch_scratch *bs = fl_prom__parser_batch_scratch(t->p);
    size_t bytes = 0;
    for (size_t i = 0; i < s->n_labels; i++)
        if (s->label_values[i].len && is_extra(t, s->label_names[i]))
            bytes += EXPORTED_LEN * (s->n_labels + t->n_extra + 1) + s->label_names[i].len + 1;
    if (grow((void **)&bs->bytes, &bs->cap_bytes, bytes, 1) != FL_OK)
        return FL_ENOMEM;
    struct fl_label_slice *ls = t->ls;
    size_t n = *n_io;
    char *w = bs->bytes;
    for (size_t round = 0, done = 0; done < n_conf; round++) {
        for (size_t i = 0; i < s->n_labels; i++) {
            struct fl_str nm = s->label_names[i];
            if (s->label_values[i].len == 0 || nm.len != round || !is_extra(t, nm))
                continue;
            size_t k = 1, len;
            for (;; k++) {
                len = k * EXPORTED_LEN + nm.len;
                for (size_t j = 0; j < k; j++)
                    memcpy(w + j * EXPORTED_LEN, EXPORTED_PREFIX, EXPORTED_LEN);
                memcpy(w + k * EXPORTED_LEN, nm.p, nm.len);
                if (!has_label(ls, n, (struct fl_str){w, len}))
                    break;
            }
            ls[n].name = (struct fl_str){w, len};
            ls[n++].value = s->label_values[i];
            w += len + 1;
            done++;
        }
    }
    *n_io = n;
    return FL_OK;
}

static fl_err too_many_labels(struct tb *t, const struct fl_prom_sample *s, size_t n_set)
{
    return fl_diag_set(t->d, FL_ELIMIT, s->line, 1,
                       "series \"%.*s\" has %zu labels (with target labels), more than the "
                       "limit of %zu", (int)(s->name.len > 80 ? 80 : s->name.len), s->name.p,
                       n_set + t->n_xs, t->lim->labels_per_series);
}

/*
 * The series' label set as slices into the sample (and the parser's scratch) in t->ls; *n gets
 * its size. __name__ first, then the exposed labels with a value, the target labels, and the
 * renamed conflicting ones; fl_batch_series_slices sorts them.
 */
static fl_err build_labels(struct tb *t, const struct fl_prom_sample *s, size_t *n_out)
{
    const struct fl_str *names = s->label_names, *values = s->label_values;
    if (1 + s->n_labels + t->n_xs > t->cap_ls) {
        size_t n_set = 0;
        for (size_t i = 0; i < s->n_labels; i++)
            n_set += values[i].len != 0;
        if (n_set + t->n_xs > t->lim->labels_per_series)
            return too_many_labels(t, s, n_set);
        if (reserve_labels(t, 1 + s->n_labels + t->n_xs) != FL_OK)
            return FL_ENOMEM;
    }
    struct fl_label_slice *ls = t->ls;
    size_t n = 1, n_conf = 0;
    ls[0].name = FL_STR_LIT("__name__");
    ls[0].value = s->name;
    if (!t->n_xs) {
        for (size_t i = 0; i < s->n_labels; i++) {
            if (values[i].len == 0)
                continue;
            ls[n].name = names[i];
            ls[n++].value = values[i];
        }
    } else {
        for (size_t i = 0; i < s->n_labels; i++) {
            if (values[i].len == 0)
                continue;
            if (has_label(t->xs, t->n_xs, names[i])) {
                n_conf++;
                continue;
            }
            ls[n].name = names[i];
            ls[n++].value = values[i];
        }
    }
    if (n - 1 + n_conf + t->n_xs > t->lim->labels_per_series)
        return too_many_labels(t, s, n - 1 + n_conf);
    if (t->n_xs) {
        memcpy(ls + n, t->xs, t->n_xs * sizeof *ls);
        n += t->n_xs;
        if (n_conf && add_exported(t, s, n_conf, &n) != FL_OK)
            return FL_ENOMEM;
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
    size_t n = 0;
    fl_err e = build_labels(t, s, &n);
    if (e != FL_OK)
        return e;
    uint32_t idx;
    e = fl_batch_series_slices(b, t->ls, n, &idx);
    if (e == FL_EINVAL)
        return fl_diag_set(t->d, FL_EPARSE, s->line, 1, "duplicate label name in series");
    if (e != FL_OK)
        return batch_err(t, e, s->line, "series");
    if (b->n_series - t->series_before > t->lim->series_per_target)
        return fl_diag_set(t->d, FL_ELIMIT, s->line, 1,
                           "more than %zu series in one exposition", t->lim->series_per_target);
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
    struct fl_label_slice ls_small[64], xs_small[16];
    struct tb t;
    memset(&t, 0, sizeof t);
    t.p = p;
    t.lim = fl_prom__parser_limits(p);
    t.b = b;
    t.default_ts_ms = default_ts_ms;
    t.extra = extra;
    t.n_extra = extra ? n_extra : 0;
    t.ls = t.ls_small = ls_small;
    t.cap_ls = sizeof ls_small / sizeof ls_small[0];
    t.xs = xs_small;
    t.series_before = b->n_series;
    t.d = d;
    fl_err e = FL_OK;
    if (t.n_extra > sizeof xs_small / sizeof xs_small[0] &&
        !(t.xs = fl_reallocarray(NULL, t.n_extra, sizeof *t.xs))) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "target labels: %s", fl_err_str(FL_ENOMEM));
        goto out;
    }
    for (size_t i = 0; i < t.n_extra; i++) {
        const char *nm = extra[i].name;
        if (!extra[i].value || !extra[i].value[0])
            continue;
        /* A NULL name stays one (p == NULL): the batch rejects it as before. */
        t.xs[t.n_xs].name = (struct fl_str){nm, nm ? strlen(nm) : 0};
        t.xs[t.n_xs++].value = fl_str_c(extra[i].value);
    }
    e = fl_prom_parse(p, text, len, fmt, on_sample, on_meta, &t, d);
out:
    if (n_samples)
        *n_samples = t.n_samples;
    if (t.xs != xs_small)
        fl_free(t.xs);
    if (t.ls != ls_small)
        fl_free(t.ls);
    return e;
}
