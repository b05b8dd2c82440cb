/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drift.c: per-feature drift between two profile sets (drift.h): the default method selector
 * (Evidently's rules, docs/DRIFT.md), per-feature overrides, fixed and adaptive thresholds
 * (NannyML's mean + 3 sigma over reference chunks, each chunk compared with the rest), the
 * null-rate, new-category, missing and new-feature rows, the dataset share, and the text, JSON
 * and Markdown reports. The statistics themselves are in drift_stats.c.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/map.h"
#include "monitor/drift_int.h"
#include "stats/divergence.h"
#include "stats/ztest.h"

/* ---- names ---------------------------------------------------------------------------------- */

static const char *const method_names[] = {
#define FL__DRIFT_NAME(n, s) s,
    FL_DRIFT_METHOD_LIST(FL__DRIFT_NAME)
#undef FL__DRIFT_NAME
};

const char *fl_drift_method_name(enum fl_drift_method m)
{
    return (unsigned)m < FL_DRIFT__N_METHODS ? method_names[m] : "?";
}

bool fl_drift_method_parse(const char *s, enum fl_drift_method *out)
{
    for (int i = 0; i < FL_DRIFT__N_METHODS; i++)
        if (!strcmp(s, method_names[i])) {
            *out = (enum fl_drift_method)i;
            return true;
        }
    return false;
}

bool fl_drift_method_is_test(enum fl_drift_method m)
{
    return m == FL_DRIFT_KS || m == FL_DRIFT_CHI2 || m == FL_DRIFT_ZTEST || m == FL_DRIFT_MWU;
}

double fl_drift_default_threshold(enum fl_drift_method m)
{
    return fl_drift_method_is_test(m) ? 0.05 : 0.1;
}

const char *fl_drift_check_name(enum fl_drift_check c)
{
    static const char *const n[] = {"distribution", "null_rate", "new_category", "missing",
                                    "new_feature"};
    return (unsigned)c < sizeof n / sizeof n[0] ? n[c] : "?";
}

/* ---- options ------------------------------------------------------------------------------- */

void fl_drift_opts_init(struct fl_drift_opts *o)
{
    memset(o, 0, sizeof *o);
    o->method = FL_DRIFT_AUTO;
    o->bins = 10;
    o->js_base = FL_DIVERGENCE_NATS;
    o->drift_share = 0.5;
    o->small_reference = 1000;
    o->null_rate_threshold = 0.05;
    o->null_rate_alpha = 0.05;
    o->new_category_threshold = 0;
    o->adaptive_sigmas = 3;
}

void fl_drift_opts_cleanup(struct fl_drift_opts *o)
{
    for (size_t i = 0; i < o->n_features; i++)
        fl_free(o->features[i].feature);
    fl_free(o->features);
    fl_map_free(o->by_name);
    o->features = NULL;
    o->by_name = NULL;
    o->n_features = o->cap_features = 0;
}

/* By name, in constant time: an options file may list tens of thousands of features, and drift
 * looks each feature of the data up. */
const struct fl_drift_feature_opts *fl_drift_opts_find(const struct fl_drift_opts *o,
                                                       const char *name)
{
    void *v = o->by_name && name ? fl_map_get(o->by_name, name, strlen(name)) : NULL;
    return v ? &o->features[(uintptr_t)v - 1] : NULL;
}

fl_err fl_drift_opts_feature(struct fl_drift_opts *o, const char *name,
                             struct fl_drift_feature_opts **out)
{
    if (!name || !name[0])
        return FL_EINVAL;
    const struct fl_drift_feature_opts *had = fl_drift_opts_find(o, name);
    if (had) {
        *out = &o->features[had - o->features];
        return FL_OK;
    }
    if (!o->by_name && !(o->by_name = fl_map_new(NULL, 0)))
        return FL_ENOMEM;
    if (o->n_features == o->cap_features) {
        size_t cap = o->cap_features ? 2 * o->cap_features : 8;
        struct fl_drift_feature_opts *f = fl_reallocarray(o->features, cap, sizeof *f);
        if (!f)
            return FL_ENOMEM;
        o->features = f;
        o->cap_features = cap;
    }
    struct fl_drift_feature_opts *f = &o->features[o->n_features];
    memset(f, 0, sizeof *f);
    if (!(f->feature = fl_strdup(name)))
        return FL_ENOMEM;
    fl_err e = fl_map_put(o->by_name, name, strlen(name), (void *)(uintptr_t)(o->n_features + 1));
    if (e != FL_OK) {
        fl_free(f->feature);
        f->feature = NULL;
        return e;
    }
    f->method = FL_DRIFT_AUTO;
    f->threshold = NAN;
    f->null_rate_threshold = NAN;
    o->n_features++;
    *out = f;
    return FL_OK;
}

static bool prob(double v)
{
    return v >= 0 && v <= 1;
}

fl_err fl_drift_opts_check(const struct fl_drift_opts *o, struct fl_diag *d)
{
    if (o->bins < 2 || o->bins > 10000)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "bins %zu outside [2, 10000]", o->bins);
    if (!(o->js_base == FL_DIVERGENCE_NATS ||
          (o->js_base > 0 && o->js_base != 1 && isfinite(o->js_base))))
        return fl_diag_set(d, FL_EINVAL, 0, 0, "js_base must be e or a number > 0 other than 1");
    if (!prob(o->drift_share) || !prob(o->null_rate_threshold) || !prob(o->null_rate_alpha) ||
        !prob(o->new_category_threshold))
        return fl_diag_set(d, FL_EINVAL, 0, 0,
                           "drift_share, null_rate_threshold, "
                           "null_rate_alpha and new_category_threshold must be within [0, 1]");
    if (!(o->adaptive_sigmas >= 0 && isfinite(o->adaptive_sigmas)))
        return fl_diag_set(d, FL_EINVAL, 0, 0, "adaptive_sigmas must be a number >= 0");
    if ((unsigned)o->method >= FL_DRIFT__N_METHODS)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "unknown method");
    for (size_t i = 0; i < o->n_features; i++) {
        const struct fl_drift_feature_opts *f = &o->features[i];
        enum fl_drift_method m = f->method != FL_DRIFT_AUTO ? f->method : o->method;
        if (!isnan(f->threshold) && !(f->threshold >= 0 && isfinite(f->threshold)))
            return fl_diag_set(d, FL_EINVAL, 0, 0, "feature \"%s\": threshold must be >= 0",
                               f->feature);
        if (!isnan(f->threshold) && fl_drift_method_is_test(m) && f->threshold > 1)
            return fl_diag_set(d, FL_EINVAL, 0, 0,
                               "feature \"%s\": threshold %g of method %s is "
                               "a p-value, at most 1",
                               f->feature, f->threshold, fl_drift_method_name(m));
        if (!isnan(f->null_rate_threshold) && !prob(f->null_rate_threshold))
            return fl_diag_set(d, FL_EINVAL, 0, 0,
                               "feature \"%s\": null_rate_threshold must be "
                               "within [0, 1]",
                               f->feature);
        if (f->bins && (f->bins < 2 || f->bins > 10000))
            return fl_diag_set(d, FL_EINVAL, 0, 0, "feature \"%s\": bins %zu outside [2, 10000]",
                               f->feature, f->bins);
    }
    return FL_OK;
}

/* ---- the selector -------------------------------------------------------------------------- */

/* Evidently's _get_default_stattest, on values the profiles hold exactly. */
static enum fl_drift_method auto_method(enum fl_drift__kind k, uint64_t n_ref, size_t n_unique,
                                        size_t small)
{
    if (k == FL_DRIFT__NUMERICAL) {
        if (n_ref <= small)
            return n_unique > FL_DRIFT__MAX_CHI2_VALUES ? FL_DRIFT_KS
                   : n_unique > FL_DRIFT__MAX_BINARY    ? FL_DRIFT_CHI2
                                                        : FL_DRIFT_ZTEST;
        return n_unique > FL_DRIFT__MAX_CHI2_VALUES ? FL_DRIFT_WASSERSTEIN : FL_DRIFT_JS;
    }
    if (n_ref <= small)
        return n_unique > FL_DRIFT__MAX_BINARY ? FL_DRIFT_CHI2 : FL_DRIFT_ZTEST;
    return FL_DRIFT_JS;
}

/* Whether method m can run on a feature of kind k with n_unique values in both samples. */
static bool method_fits(enum fl_drift_method m, enum fl_drift__kind k, size_t n_unique)
{
    if (m == FL_DRIFT_KS || m == FL_DRIFT_MWU || m == FL_DRIFT_WASSERSTEIN)
        return k == FL_DRIFT__NUMERICAL;
    if (m == FL_DRIFT_ZTEST)
        return n_unique <= FL_DRIFT__MAX_BINARY;
    return true;
}

/* ---- per-feature profiles ------------------------------------------------------------------ */

/* A feature of one side: its profile over every chunk (owned when merged), and the chunks. */
struct feat {
    const char *name;
    struct fl_profile *all; /* owned */
    const struct fl_profile **chunks;
    size_t n_chunks, cap_chunks;
};

struct side {
    struct feat *f;
    size_t n, cap;
    struct fl_map *by_name; /* name -> index + 1 */
};

static void side_cleanup(struct side *s)
{
    for (size_t i = 0; i < s->n; i++) {
        fl_profile_free(s->f[i].all);
        fl_free(s->f[i].chunks);
    }
    fl_free(s->f);
    fl_map_free(s->by_name);
}

static fl_err side_add(struct side *s, const struct fl_profile *p, struct fl_diag *d)
{
    const char *name = fl_profile_key(p)->feature;
    uintptr_t i = (uintptr_t)fl_map_get(s->by_name, name, strlen(name));
    struct feat *f;
    fl_err e;
    if (i) {
        f = &s->f[i - 1];
        if ((e = fl_profile_merge(f->all, p, d)))
            return e;
    } else {
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 16;
            struct feat *nf = fl_reallocarray(s->f, cap, sizeof *nf);
            if (!nf)
                return FL_ENOMEM;
            s->f = nf;
            s->cap = cap;
        }
        f = &s->f[s->n];
        memset(f, 0, sizeof *f);
        if ((e = fl_profile_clone(p, NULL, &f->all)))
            return e;
        f->name = fl_profile_key(f->all)->feature;
        s->n++;
        if ((e = fl_map_put(s->by_name, f->name, strlen(f->name), (void *)(uintptr_t)s->n)))
            return e;
    }
    if (f->n_chunks == f->cap_chunks) {
        size_t cap = f->cap_chunks ? 2 * f->cap_chunks : 4;
        const struct fl_profile **c = fl_reallocarray(f->chunks, cap, sizeof *c);
        if (!c)
            return FL_ENOMEM;
        f->chunks = c;
        f->cap_chunks = cap;
    }
    f->chunks[f->n_chunks++] = p;
    return FL_OK;
}

static fl_err side_build(const struct fl_profile_set *set, struct side *s, struct fl_diag *d)
{
    memset(s, 0, sizeof *s);
    if (!(s->by_name = fl_map_new(NULL, 0)))
        return FL_ENOMEM;
    for (size_t i = 0; i < fl_profile_set_count(set); i++) {
        fl_err e = side_add(s, fl_profile_set_at(set, i), d);
        if (e)
            return e;
    }
    return FL_OK;
}

static struct feat *side_find(const struct side *s, const char *name)
{
    uintptr_t i = (uintptr_t)fl_map_get(s->by_name, name, strlen(name));
    return i ? &s->f[i - 1] : NULL;
}

/* ---- rows ---------------------------------------------------------------------------------- */

struct ctx {
    struct fl_drift_report *r;
    size_t cap;
    const struct fl_drift_opts *o;
    struct fl_diag *d;
};

static struct fl_drift_row *new_row(struct ctx *c, const char *feature, enum fl_drift_check ch)
{
    struct fl_drift_report *r = c->r;
    if (r->n_rows == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 32;
        struct fl_drift_row *v = fl_reallocarray(r->rows, cap, sizeof *v);
        if (!v)
            return NULL;
        r->rows = v;
        c->cap = cap;
    }
    struct fl_drift_row *w = &r->rows[r->n_rows];
    memset(w, 0, sizeof *w);
    w->feature = fl_arena_strdup(&r->arena, feature);
    if (!w->feature)
        return NULL;
    w->check = ch;
    w->method = FL_DRIFT_AUTO;
    w->kind = "empty";
    w->stat_name = "";
    w->statistic = w->pvalue = w->score = w->threshold = w->error_bound = NAN;
    w->detail = "";
    r->n_rows++;
    return w;
}

static fl_err set_detail(struct ctx *c, struct fl_drift_row *w, const char *s)
{
    if (!s || !s[0])
        return FL_OK;
    w->detail = fl_arena_strdup(&c->r->arena, s);
    return w->detail ? FL_OK : FL_ENOMEM;
}

static bool decide(enum fl_drift_cmp cmp, double score, double thr)
{
    switch (cmp) {
    case FL_DRIFT_P_LE:
        return score <= thr;
    case FL_DRIFT_P_LT:
        return score < thr;
    case FL_DRIFT_GE:
        return score >= thr;
    default:
        return score > thr;
    }
}

/*
 * The adaptive threshold of method m for feature f: each reference chunk against the merge of
 * the others, mean + sigmas * std (ddof 0) of those statistics, clipped to the method's range.
 * *n_used chunks had values; below 2 the caller keeps the fixed threshold.
 */
static fl_err adaptive_threshold(struct ctx *c, const struct feat *f, enum fl_drift_method m,
                                 enum fl_drift__kind k, const struct fl_drift__params *prm,
                                 double *thr, double *mean, double *sd, size_t *n_used)
{
    double sum = 0, sum2 = 0;
    size_t used = 0;
    fl_err e = FL_OK;
    for (size_t i = 0; i < f->n_chunks && !e; i++) {
        struct fl_profile *rest = NULL;
        for (size_t j = 0; j < f->n_chunks && !e; j++) {
            if (j == i)
                continue;
            if (!rest)
                e = fl_profile_clone(f->chunks[j], NULL, &rest);
            else
                e = fl_profile_merge(rest, f->chunks[j], NULL);
        }
        if (!e && rest && fl_drift__kind(f->chunks[i]) == k && fl_drift__kind(rest) == k) {
            struct fl_drift__stat st;
            struct fl_diag tmp;
            fl_diag_init(&tmp);
            e = fl_drift__compute(m, k, rest, f->chunks[i], prm, &st, &tmp);
            if (e == FL_OK && isfinite(st.statistic)) {
                sum += st.statistic;
                sum2 += st.statistic * st.statistic;
                used++;
            }
            if (e == FL_EINVAL) /* the method does not fit this chunk: leave it out */
                e = FL_OK;
        }
        fl_profile_free(rest);
    }
    if (e)
        return e;
    *n_used = used;
    if (used < 2)
        return FL_OK;
    *mean = sum / (double)used;
    double var = sum2 / (double)used - *mean * *mean;
    *sd = var > 0 ? sqrt(var) : 0;
    double t = *mean + c->o->adaptive_sigmas * *sd;
    if (t < 0)
        t = 0;
    if (m == FL_DRIFT_KS && t > 1)
        t = 1;
    *thr = t;
    return FL_OK;
}

static fl_err distribution_row(struct ctx *c, const struct feat *fr, const struct feat *fc,
                               const struct fl_drift_feature_opts *fo, bool *drifted)
{
    const struct fl_drift_opts *o = c->o;
    enum fl_drift__kind kr = fl_drift__kind(fr->all), kc = fl_drift__kind(fc->all);
    if (kr == FL_DRIFT__EMPTY || kc == FL_DRIFT__EMPTY)
        return FL_OK; /* no values on one side: the null-rate row says so */
    struct fl_drift_row *w = new_row(c, fr->name, FL_DRIFT_CHECK_DISTRIBUTION);
    if (!w)
        return FL_ENOMEM;
    w->kind = fl_drift__kind_name(kr);
    if (kr != kc) {
        char msg[96];
        snprintf(msg, sizeof msg, "type changed: reference %s, current %s", fl_drift__kind_name(kr),
                 fl_drift__kind_name(kc));
        w->drifted = *drifted = true;
        return set_detail(c, w, msg);
    }
    uint64_t n_ref = fl_drift__n_values(fr->all, kr);
    size_t n_unique = fl_drift__n_unique(fr->all, fc->all, kr);
    bool own = fo && fo->method != FL_DRIFT_AUTO;
    enum fl_drift_method m = own ? fo->method : o->method;
    char detail[400] = "";
    /* A method set for every feature applies where it fits; one set for this feature must. */
    if (!own && m != FL_DRIFT_AUTO && !method_fits(m, kr, n_unique)) {
        snprintf(detail, sizeof detail, "%s does not fit this feature: selected automatically",
                 fl_drift_method_name(m));
        m = FL_DRIFT_AUTO;
    }
    if (m == FL_DRIFT_AUTO)
        m = auto_method(kr, n_ref, n_unique, o->small_reference);
    struct fl_drift__params prm = {fo && fo->bins ? fo->bins : o->bins, o->js_base};
    struct fl_drift__stat st;
    fl_err e = fl_drift__compute(m, kr, fr->all, fc->all, &prm, &st, c->d);
    if (e)
        return e;
    w->method = m;
    w->stat_name = st.name;
    w->statistic = st.statistic;
    w->pvalue = st.pvalue;
    w->exact = st.exact;
    w->error_bound = st.error_bound;
    w->n_ref = st.n_ref;
    w->n_cur = st.n_cur;
    w->bins = st.bins;
    bool test = fl_drift_method_is_test(m);
    bool explicit_thr = fo && !isnan(fo->threshold);
    w->threshold = explicit_thr ? fo->threshold : fl_drift_default_threshold(m);
    w->cmp = m == FL_DRIFT_KS ? FL_DRIFT_P_LE : test ? FL_DRIFT_P_LT : FL_DRIFT_GE;
    w->score = test ? st.pvalue : st.statistic;
    if (st.note[0]) {
        size_t len = strlen(detail);
        snprintf(detail + len, sizeof detail - len, "%s%s", len ? "; " : "", st.note);
    }
    if (o->adaptive && !explicit_thr && (!test || m == FL_DRIFT_KS)) {
        double thr = NAN, mean = NAN, sd = NAN;
        size_t used = 0;
        if ((e = adaptive_threshold(c, fr, m, kr, &prm, &thr, &mean, &sd, &used)))
            return e;
        size_t len = strlen(detail);
        if (used >= 2) {
            w->threshold = thr;
            w->cmp = FL_DRIFT_GT;
            w->score = st.statistic;
            w->adaptive = true;
            snprintf(detail + len, sizeof detail - len,
                     "%sadaptive: mean %.4g + %g sd %.4g over "
                     "%zu reference chunks",
                     len ? "; " : "", mean, o->adaptive_sigmas, sd, used);
        } else {
            snprintf(detail + len, sizeof detail - len,
                     "%sadaptive: fewer than 2 reference "
                     "chunks with values, fixed threshold",
                     len ? "; " : "");
        }
    }
    w->drifted = !isnan(w->score) && decide(w->cmp, w->score, w->threshold);
    *drifted |= w->drifted;
    return set_detail(c, w, detail);
}

static fl_err null_rate_row(struct ctx *c, const struct feat *fr, const struct feat *fc,
                            const struct fl_drift_feature_opts *fo, bool *drifted)
{
    uint64_t ar = fl_profile_n_absent(fr->all), ac = fl_profile_n_absent(fc->all);
    uint64_t nr = fl_profile_counts(fr->all)->rows, nc = fl_profile_counts(fc->all)->rows;
    if ((ar == 0 && ac == 0) || nr == 0 || nc == 0)
        return FL_OK;
    struct fl_drift_row *w = new_row(c, fr->name, FL_DRIFT_CHECK_NULL_RATE);
    if (!w)
        return FL_ENOMEM;
    w->kind = fl_drift__kind_name(fl_drift__kind(fr->all));
    struct fl_ztest_result z;
    fl_err e = fl_ztest_two_proportions(ar, nr, ac, nc, &z);
    if (e)
        return e;
    w->stat_name = "null_rate_diff";
    w->statistic = z.p2 - z.p1;
    w->pvalue = z.p_two_sided;
    w->score = fabs(w->statistic);
    w->threshold =
        fo && !isnan(fo->null_rate_threshold) ? fo->null_rate_threshold : c->o->null_rate_threshold;
    w->cmp = FL_DRIFT_GE;
    w->exact = true;
    w->n_ref = nr;
    w->n_cur = nc;
    w->drifted = w->score >= w->threshold && w->pvalue < c->o->null_rate_alpha;
    *drifted |= w->drifted;
    char msg[160];
    snprintf(msg, sizeof msg,
             "null rate %.4g%% -> %.4g%% (null, missing or NaN); p < %g also "
             "required",
             100 * z.p1, 100 * z.p2, c->o->null_rate_alpha);
    return set_detail(c, w, msg);
}

static fl_err new_category_row(struct ctx *c, const struct feat *fr, const struct feat *fc,
                               bool *drifted)
{
    if (fl_drift__kind(fr->all) != FL_DRIFT__CATEGORICAL)
        return FL_OK;
    struct fl_drift__new_cats nc;
    fl_err e = fl_drift__new_categories(fr->all, fc->all, &nc);
    if (e || !nc.known || nc.n == 0)
        return e;
    struct fl_drift_row *w = new_row(c, fr->name, FL_DRIFT_CHECK_NEW_CATEGORY);
    if (!w)
        return FL_ENOMEM;
    w->kind = "categorical";
    w->stat_name = "new_share";
    w->statistic = w->score = nc.share;
    w->threshold = c->o->new_category_threshold;
    w->cmp = FL_DRIFT_GT;
    w->exact = fl_profile_freq(fc->all) && fl_freq_max_error(fl_profile_freq(fc->all)) == 0;
    w->n_ref = fl_drift__n_values(fr->all, FL_DRIFT__CATEGORICAL);
    w->n_cur = fl_drift__n_values(fc->all, FL_DRIFT__CATEGORICAL);
    w->bins = nc.n;
    w->drifted = nc.share > w->threshold;
    *drifted |= w->drifted;
    return set_detail(c, w, nc.detail);
}

static fl_err compare_feature(struct ctx *c, const struct feat *fr, const struct side *cur)
{
    const struct fl_drift_feature_opts *fo = fl_drift_opts_find(c->o, fr->name);
    if (fo && fo->skip)
        return FL_OK;
    c->r->n_features++;
    const struct feat *fc = side_find(cur, fr->name);
    bool drifted = false;
    fl_err e = FL_OK;
    if (!fc) {
        struct fl_drift_row *w = new_row(c, fr->name, FL_DRIFT_CHECK_MISSING);
        if (!w)
            return FL_ENOMEM;
        w->kind = fl_drift__kind_name(fl_drift__kind(fr->all));
        w->drifted = drifted = true;
        w->n_ref = fl_profile_counts(fr->all)->rows;
        e = set_detail(c, w, "feature not in the current data");
    } else if (!(e = distribution_row(c, fr, fc, fo, &drifted)) &&
               !(e = null_rate_row(c, fr, fc, fo, &drifted))) {
        e = new_category_row(c, fr, fc, &drifted);
    }
    if (drifted)
        c->r->n_drifted++;
    return e;
}

fl_err fl_drift_compare(const struct fl_profile_set *ref, const struct fl_profile_set *cur,
                        const struct fl_drift_opts *o, struct fl_drift_report **out,
                        struct fl_diag *d)
{
    if (!ref || !cur || !o || !out)
        return FL_EINVAL;
    *out = NULL;
    fl_err e = fl_drift_opts_check(o, d);
    if (e)
        return e;
    if (o->adaptive && fl_profile_set_chunks(ref) < 2)
        return fl_diag_set(d, FL_EINVAL, 0, 0,
                           "adaptive thresholds need a reference profiled "
                           "in at least 2 chunks (faultline profile --chunks N)");
    struct fl_drift_report *r = fl_calloc(1, sizeof *r);
    if (!r)
        return FL_ENOMEM;
    fl_arena_init(&r->arena, 16384, 64u * 1024 * 1024);
    r->drift_share = o->drift_share;
    r->js_base = o->js_base;
    struct side sr, sc;
    struct ctx c = {r, 0, o, d};
    if ((e = side_build(ref, &sr, d)) == FL_OK)
        e = side_build(cur, &sc, d);
    else
        memset(&sc, 0, sizeof sc);
    for (size_t i = 0; i < sr.n && !e; i++) {
        uint64_t rows = fl_profile_counts(sr.f[i].all)->rows;
        if (rows > r->ref_rows)
            r->ref_rows = rows;
        e = compare_feature(&c, &sr.f[i], &sc);
    }
    for (size_t i = 0; i < sc.n && !e; i++) {
        uint64_t rows = fl_profile_counts(sc.f[i].all)->rows;
        if (rows > r->cur_rows)
            r->cur_rows = rows;
        const struct fl_drift_feature_opts *fo = fl_drift_opts_find(o, sc.f[i].name);
        if (side_find(&sr, sc.f[i].name) || (fo && fo->skip))
            continue;
        struct fl_drift_row *w = new_row(&c, sc.f[i].name, FL_DRIFT_CHECK_NEW_FEATURE);
        if (!w) {
            e = FL_ENOMEM;
            break;
        }
        w->kind = fl_drift__kind_name(fl_drift__kind(sc.f[i].all));
        w->n_cur = fl_profile_counts(sc.f[i].all)->rows;
        e = set_detail(&c, w, "feature not in the reference (not counted in the share)");
    }
    side_cleanup(&sr);
    side_cleanup(&sc);
    if (e) {
        if (e == FL_ENOMEM)
            fl_diag_set(d, e, 0, 0, "out of memory");
        fl_drift_report_free(r);
        return e;
    }
    r->share = r->n_features ? (double)r->n_drifted / (double)r->n_features : 0;
    r->dataset_drift = r->n_features > 0 && r->share >= o->drift_share;
    *out = r;
    return FL_OK;
}

void fl_drift_report_free(struct fl_drift_report *r)
{
    if (!r)
        return;
    fl_free(r->rows);
    fl_arena_cleanup(&r->arena);
    fl_free(r);
}

/* ---- renderings ---------------------------------------------------------------------------- */

static const char *cmp_text(enum fl_drift_cmp c)
{
    static const char *const t[] = {"p <=", "p <", ">=", ">"};
    return (unsigned)c < 4 ? t[c] : "?";
}

static void fmt_g(char *o, size_t cap, double v)
{
    if (isnan(v))
        snprintf(o, cap, "-");
    else
        snprintf(o, cap, "%.4g", v);
}

/* "D 0.312", "psi 0.0812 ±0.004", "-" */
static void stat_text(const struct fl_drift_row *w, char *o, size_t cap)
{
    if (isnan(w->statistic)) {
        snprintf(o, cap, "-");
        return;
    }
    int n = snprintf(o, cap, "%s %.4g", w->stat_name, w->statistic);
    if (n > 0 && (size_t)n < cap && !isnan(w->error_bound))
        snprintf(o + n, cap - (size_t)n, " +/-%.2g", w->error_bound);
}

static void thr_text(const struct fl_drift_row *w, char *o, size_t cap)
{
    if (isnan(w->threshold))
        snprintf(o, cap, "-");
    else
        snprintf(o, cap, "%s %.4g%s", cmp_text(w->cmp), w->threshold, w->adaptive ? " (a)" : "");
}

static const char *method_text(const struct fl_drift_row *w)
{
    return w->check == FL_DRIFT_CHECK_DISTRIBUTION && w->method != FL_DRIFT_AUTO
               ? fl_drift_method_name(w->method)
               : "-";
}

static void summary_line(const struct fl_drift_report *r, struct fl_buf *out)
{
    fl_buf_printf(out, "%zu of %zu features drifted (share %.4g, dataset drift at >= %.4g): %s\n",
                  r->n_drifted, r->n_features, r->share, r->drift_share,
                  r->dataset_drift ? "DATASET DRIFT" : "no dataset drift");
}

/* The text cells of a row, shared by the text and Markdown renderings. */
struct cells {
    char st[64], pv[32], th[48];
};

static void row_cells(const struct fl_drift_row *w, struct cells *c)
{
    stat_text(w, c->st, sizeof c->st);
    fmt_g(c->pv, sizeof c->pv, w->pvalue);
    thr_text(w, c->th, sizeof c->th);
}

static void widen(size_t *w, const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > *w)
        *w = n > max ? max : n;
}

void fl_drift_write_text(const struct fl_drift_report *r, const char *ref_name,
                         const char *cur_name, struct fl_buf *out)
{
    size_t wf = 7, wc = 5, wm = 6, wk = 4, ws = 9, wp = 7, wt = 9;
    for (size_t i = 0; i < r->n_rows; i++) {
        const struct fl_drift_row *w = &r->rows[i];
        struct cells c;
        row_cells(w, &c);
        widen(&wf, w->feature, 40);
        widen(&wc, fl_drift_check_name(w->check), 20);
        widen(&wm, method_text(w), 20);
        widen(&wk, w->kind, 20);
        widen(&ws, c.st, 64);
        widen(&wp, c.pv, 32);
        widen(&wt, c.th, 48);
    }
    fl_buf_printf(out, "reference: %s (%llu rows)\ncurrent:   %s (%llu rows)\n\n", ref_name,
                  (unsigned long long)r->ref_rows, cur_name, (unsigned long long)r->cur_rows);
    fl_buf_printf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %-5s  %s\n", (int)wf, "feature",
                  (int)wc, "check", (int)wm, "method", (int)wk, "kind", (int)ws, "statistic",
                  (int)wp, "p-value", (int)wt, "threshold", "drift", "detail");
    for (size_t i = 0; i < r->n_rows; i++) {
        const struct fl_drift_row *w = &r->rows[i];
        struct cells c;
        row_cells(w, &c);
        fl_buf_printf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %-5s  %s", (int)wf,
                      w->feature, (int)wc, fl_drift_check_name(w->check), (int)wm, method_text(w),
                      (int)wk, w->kind, (int)ws, c.st, (int)wp, c.pv, (int)wt, c.th,
                      w->drifted ? "yes" : "no", w->detail);
        /* no trailing blanks when there is no detail */
        while (out->len && out->data[out->len - 1] == ' ')
            out->data[--out->len] = '\0';
        fl_buf_putc(out, '\n');
    }
    fl_buf_putc(out, '\n');
    summary_line(r, out);
}

static void json_num(struct fl_buf *b, double v)
{
    if (isfinite(v))
        fl_buf_put_double(b, v);
    else
        fl_buf_puts(b, "null");
}

static void json_str(struct fl_buf *b, const char *s)
{
    fl_buf_put_json_str(b, s, strlen(s));
}

void fl_drift_write_json(const struct fl_drift_report *r, const char *ref_name,
                         const char *cur_name, struct fl_buf *out)
{
    fl_buf_puts(out, "{\"reference\":");
    json_str(out, ref_name);
    fl_buf_puts(out, ",\"current\":");
    json_str(out, cur_name);
    fl_buf_printf(out,
                  ",\"reference_rows\":%llu,\"current_rows\":%llu,\"features\":%zu,"
                  "\"drifted_features\":%zu,\"drifted_share\":",
                  (unsigned long long)r->ref_rows, (unsigned long long)r->cur_rows, r->n_features,
                  r->n_drifted);
    json_num(out, r->share);
    fl_buf_puts(out, ",\"drift_share\":");
    json_num(out, r->drift_share);
    fl_buf_printf(out, ",\"dataset_drift\":%s,\"js_base\":", r->dataset_drift ? "true" : "false");
    if (r->js_base == FL_DIVERGENCE_NATS)
        fl_buf_puts(out, "\"e\"");
    else
        json_num(out, r->js_base);
    fl_buf_puts(out, ",\"rows\":[");
    for (size_t i = 0; i < r->n_rows; i++) {
        const struct fl_drift_row *w = &r->rows[i];
        fl_buf_puts(out, i ? ",\n{\"feature\":" : "\n{\"feature\":");
        json_str(out, w->feature);
        fl_buf_printf(out, ",\"check\":\"%s\",\"kind\":\"%s\",\"method\":",
                      fl_drift_check_name(w->check), w->kind);
        if (w->check == FL_DRIFT_CHECK_DISTRIBUTION && w->method != FL_DRIFT_AUTO)
            fl_buf_printf(out, "\"%s\"", fl_drift_method_name(w->method));
        else
            fl_buf_puts(out, "null");
        fl_buf_puts(out, ",\"statistic_name\":");
        json_str(out, w->stat_name);
        fl_buf_puts(out, ",\"statistic\":");
        json_num(out, w->statistic);
        fl_buf_puts(out, ",\"p_value\":");
        json_num(out, w->pvalue);
        fl_buf_puts(out, ",\"threshold\":");
        json_num(out, w->threshold);
        fl_buf_printf(out,
                      ",\"comparison\":\"%s\",\"adaptive\":%s,\"drifted\":%s,\"exact\":%s,"
                      "\"error_bound\":",
                      isnan(w->threshold) ? "" : cmp_text(w->cmp), w->adaptive ? "true" : "false",
                      w->drifted ? "true" : "false", w->exact ? "true" : "false");
        json_num(out, w->error_bound);
        fl_buf_printf(out, ",\"n_reference\":%llu,\"n_current\":%llu,\"bins\":%zu,\"detail\":",
                      (unsigned long long)w->n_ref, (unsigned long long)w->n_cur, w->bins);
        json_str(out, w->detail);
        fl_buf_putc(out, '}');
    }
    fl_buf_puts(out, "]}\n");
}

/* Markdown cell text: pipes escaped. */
static void md_cell(struct fl_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fl_buf_putc(b, '\\');
        fl_buf_putc(b, *s == '\n' ? ' ' : *s);
    }
}

void fl_drift_write_markdown(const struct fl_drift_report *r, const char *ref_name,
                             const char *cur_name, struct fl_buf *out)
{
    fl_buf_puts(out, "## Drift: `");
    md_cell(out, cur_name);
    fl_buf_puts(out, "` vs reference `");
    md_cell(out, ref_name);
    fl_buf_puts(out, "`\n\n");
    fl_buf_printf(out,
                  "%s: %zu of %zu features drifted (share %.4g; dataset drift at >= %.4g).\n\n",
                  r->dataset_drift ? "**Dataset drift**" : "No dataset drift", r->n_drifted,
                  r->n_features, r->share, r->drift_share);
    fl_buf_puts(out, "| feature | check | method | kind | statistic | p-value | threshold | drift "
                     "| detail |\n|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < r->n_rows; i++) {
        const struct fl_drift_row *w = &r->rows[i];
        struct cells c;
        row_cells(w, &c);
        fl_buf_puts(out, "| ");
        md_cell(out, w->feature);
        fl_buf_printf(out, " | %s | %s | %s | %s | %s | %s | %s | ", fl_drift_check_name(w->check),
                      method_text(w), w->kind, c.st, c.pv, c.th, w->drifted ? "**yes**" : "no");
        md_cell(out, w->detail);
        fl_buf_puts(out, " |\n");
    }
}
