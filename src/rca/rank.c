/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rank.c: scoring and ranking of metric series around an onset, and of the components they map
 * to (rank.h; the method and its references are in docs/rca.md, "Ranking metrics").
 *
 * Per series: split at the onset, robust reference summary (stats/robust.h), the deviation
 * score, plain BARO and NSigma, KS on first differences (stats/ks.h, as Netdata's metric
 * correlations), Netdata's volume score, and the onset by the single mean-shift change point
 * (stats/changepoint.h). Then the combined score by rank normalisation, the components, and the
 * walk over the call graph that separates roots from components that inherited a change.
 */
#include "rca/rank.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "stats/changepoint.h"
#include "stats/ks.h"
#include "stats/robust.h"
#include "stats/trend.h"

#define RANK_ARENA_BLOCK (64u * 1024)
#define RANK_ARENA_MAX (256u * 1024 * 1024)

void fl_rank_opts_default(struct fl_rank_opts *o)
{
    memset(o, 0, sizeof *o);
    o->direction = FL_RANK_BOTH;
    o->threshold = FL_RANK_THRESHOLD;
    o->symptom_threshold = FL_RANK_SYMPTOM_THRESHOLD;
    o->tail_q = FL_RANK_TAIL_Q;
    o->rel_floor = FL_RANK_REL_FLOOR;
    o->explain_ratio = FL_RANK_EXPLAIN_RATIO;
    o->ks_weight = FL_RANK_KS_WEIGHT;
    o->min_ref = FL_RANK_MIN_REF;
    o->ks_min = FL_RANK_KS_MIN;
}

const char *fl_rank_direction_name(enum fl_rank_direction dir)
{
    return dir == FL_RANK_UP ? "up" : dir == FL_RANK_DOWN ? "down" : "both";
}

bool fl_rank_direction_parse(const char *s, enum fl_rank_direction *out)
{
    static const enum fl_rank_direction all[] = {FL_RANK_UP, FL_RANK_DOWN, FL_RANK_BOTH};
    for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(s, fl_rank_direction_name(all[i]))) {
            *out = all[i];
            return true;
        }
    return false;
}

const char *fl_rank_verdict_name(enum fl_rank_verdict v)
{
    return v == FL_RANK_NO_CHANGE           ? "no_change"
           : v == FL_RANK_SYMPTOM_UNCHANGED ? "symptom_unchanged"
                                            : "changed";
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- one series ------------------------------------------------------------------------- */

/* Scratch arrays shared by all series of a run, sized for the longest one. */
struct scratch {
    double *ref;     /* finite reference values: separate reference, then before the onset */
    int64_t *ref_ts; /* their times (0 for the separate reference, which has none) */
    double *inc;     /* finite incident values */
    int64_t *inc_ts;
    double *da, *db; /* first differences */
    double *seq;     /* change-point sequence */
};

/* The windows of one series after the split and the truncation to max_before / max_after. */
struct windows {
    size_t n_ref, n_sep; /* finite reference points; the first n_sep from the separate window */
    size_t n_inc;
};

static void split(const struct fl_rank_series *s, const struct fl_rank_opts *o, struct scratch *w,
                  struct windows *win)
{
    size_t i0 = 0;
    while (i0 < s->n && s->ts_ms[i0] < o->onset_ms)
        i0++;
    /* The raw reference sequence is ref_v[0..n_ref) then v[0..i0); keep its last max_before. */
    size_t raw = s->n_ref + i0,
           skip = o->max_before && raw > o->max_before ? raw - o->max_before : 0;
    memset(win, 0, sizeof *win);
    for (size_t k = skip; k < raw; k++) {
        double x = k < s->n_ref ? s->ref_v[k] : s->v[k - s->n_ref];
        if (!isfinite(x))
            continue;
        w->ref[win->n_ref] = x;
        w->ref_ts[win->n_ref] = k < s->n_ref ? 0 : s->ts_ms[k - s->n_ref];
        win->n_ref++;
        if (k < s->n_ref)
            win->n_sep++;
    }
    size_t end = o->max_after && s->n - i0 > o->max_after ? i0 + o->max_after : s->n;
    for (size_t k = i0; k < end; k++)
        if (isfinite(s->v[k])) {
            w->inc[win->n_inc] = s->v[k];
            w->inc_ts[win->n_inc] = s->ts_ms[k];
            win->n_inc++;
        }
}

/* Phi^-1(p) for 0.5 < p < 1 by bisection on erfc (called once per run; exact to the last
 * bits, which is all a scale factor needs). */
static double norm_ppf(double p)
{
    double lo = 0, hi = 40;
    for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
        double mid = (lo + hi) / 2;
        if (0.5 * erfc(-mid / sqrt(2.0)) < p)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

/* The spreads for upward and downward deviations (rank.h); k is the tail quantile's distance
 * from the median in IQRs for normal data (1.2194 for 0.95), so that on normal data the
 * tail-implied spread equals the IQR. Zero only for data that are all zero. */
static void spreads(const struct fl_robust_ref *f, const struct fl_rank_opts *o, double k,
                    const double *inc, size_t n_inc, double *up, double *down)
{
    double s = fmax(f->iqr, o->rel_floor * fabs(f->median));
    *up = fmax(s, (f->hi - f->median) / k);
    *down = fmax(s, (f->median - f->lo) / k);
    if (*up > 0 && *down > 0)
        return;
    double amax = f->absmax;
    for (size_t i = 0; i < n_inc; i++)
        amax = fmax(amax, fabs(inc[i]));
    double fallback = o->rel_floor * amax;
    if (!(*up > 0))
        *up = fallback;
    if (!(*down > 0))
        *down = fallback;
}

/* Directional deviation of x from the reference median and (when local) the pre-onset level,
 * in spread units, with its signed change in *dv_out. */
static double point_z(const struct fl_rank_opts *o, const struct fl_rank_series_result *r,
                      bool local, double x, double *dv_out)
{
    double dr = x - r->median, dl = local ? x - r->level_pre : dr, dv = 0;
    if (dr > 0 && dl > 0)
        dv = fmin(dr, dl);
    else if (dr < 0 && dl < 0)
        dv = fmax(dr, dl);
    if ((dv > 0 && o->direction == FL_RANK_DOWN) || (dv < 0 && o->direction == FL_RANK_UP))
        dv = 0;
    double scale = dv > 0 ? r->scale_up : r->scale_down;
    *dv_out = dv;
    return dv != 0 && scale > 0 ? fabs(dv) / scale : 0;
}

/* Points a change must hold for to count (rank.h, persist): o->persist, or when 0
 * min(FL_RANK_PERSIST_MAX, n_inc / FL_RANK_PERSIST_DIV), at least 1 and at most n_inc. The
 * symptom is exempt (m = 1): it was reported in advance, not found by searching. */
static size_t persistence(const struct fl_rank_opts *o, size_t n_inc, bool symptom)
{
    size_t m = o->persist ? o->persist : n_inc / FL_RANK_PERSIST_DIV;
    if (!o->persist && m > FL_RANK_PERSIST_MAX)
        m = FL_RANK_PERSIST_MAX;
    if (symptom || m < 1)
        m = 1;
    return m > n_inc ? n_inc : m;
}

/* The deviation: the largest change over the incident window that holds against both the
 * reference median and the pre-onset level, in the allowed direction, for m consecutive
 * points: the best over runs of m points of the run's smallest deviation (a lone spike of a
 * heavy-tailed series is not a change; a level shift holds). delta and the peak are those of
 * the run's weakest point, the level the change sustained. */
static void deviation(const struct fl_rank_opts *o, const struct scratch *w, size_t n_inc,
                      size_t m, struct fl_rank_series_result *r)
{
    r->deviation = 0;
    r->delta = 0;
    r->peak_ts_ms = r->first_ms = 0;
    r->peak_value = NAN;
    for (size_t i = 0; i + m <= n_inc; i++) {
        double zmin = INFINITY, dvmin = 0;
        size_t at = i;
        for (size_t j = i; j < i + m && zmin > r->deviation; j++) {
            double dv, z = point_z(o, r, r->n_pre > 0, w->inc[j], &dv);
            if (z < zmin) {
                zmin = z;
                dvmin = dv;
                at = j;
            }
        }
        if (zmin > r->deviation) {
            r->deviation = zmin;
            r->delta = dvmin;
            r->peak_ts_ms = w->inc_ts[at];
            r->peak_value = w->inc[at];
        }
    }
}

/*
 * The edge of a series' normal range for a window of n_inc points. The deviation is a maximum
 * over the n_inc incident points, so the edge grows with n_inc: it is the quantile of the
 * reference points' own deviations (from the reference median) at level
 * (1 - FL_RANK_SYMPTOM_ALPHA)^(1 / n_inc), the value that n_inc independent points from the
 * reference all stay below with probability 1 - alpha; and at least symptom_threshold. It is
 * the bar a symptom must clear (a lenient check on purpose: the symptom was reported by an
 * alert or a person, the question is only whether it left its normal range), and the level
 * whose first crossing dates the start of a change.
 */
static fl_err normal_edge(const struct fl_rank_opts *o, const struct scratch *w,
                          const struct windows *win, const struct fl_rank_series_result *r,
                          double *edge, double *edge_corroborated)
{
    size_t n = win->n_ref;
    double floor_c = o->symptom_corroborated_floor > 0 ? o->symptom_corroborated_floor
                                                       : o->symptom_threshold;
    *edge = o->symptom_threshold;
    *edge_corroborated = floor_c;
    if (!win->n_inc || !n)
        return FL_OK;
    double *z = fl_malloc(n * sizeof *z);
    if (!z)
        return FL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        double dv;
        z[i] = point_z(o, r, false, w->ref[i], &dv);
    }
    qsort(z, n, sizeof *z, cmp_double);
    double level = pow(1 - FL_RANK_SYMPTOM_ALPHA, 1 / (double)win->n_inc);
    *edge = fmax(o->symptom_threshold, fl_robust_quantile_sorted(z, n, level));
    level = pow(1 - FL_RANK_SYMPTOM_ALPHA_CORROBORATED, 1 / (double)win->n_inc);
    *edge_corroborated = fmax(floor_c, fl_robust_quantile_sorted(z, n, level));
    fl_free(z);
    return FL_OK;
}

/*
 * The start of a significant change: the first incident point that begins a run of m points
 * beyond level on the side of the change, measured by point_z against r's median, pre-onset
 * level and spreads; 0 when there is none. Two guards against dating a change by what the
 * baseline already had:
 *   - the run must be longer than the longest such run of the reference (at most half the
 *     incident): an excursion the baseline also had is not where the change began;
 *   - when the reference ends inside such a run that goes on into the incident, points no further
 *     out than that run's own are its continuation, not the change.
 * Without them a series that holds each value for hours (a batch job's daily output, sampled
 * every minute) "began" at the onset whenever yesterday's value sat near the bar.
 */
static int64_t first_beyond(const struct fl_rank_opts *o, const struct fl_rank_series_result *r,
                            const double *ref, size_t n_ref, const double *inc,
                            const int64_t *inc_ts, size_t n_inc, size_t m, double level)
{
    size_t run = 0, longest = 0;
    double tail_max = 0;
    bool local = r->n_pre > 0;
    for (size_t i = 0; i < n_ref; i++) {
        double dv, z = point_z(o, r, local, ref[i], &dv);
        bool out = z >= level && (dv > 0) == (r->delta > 0);
        run = out ? run + 1 : 0;
        tail_max = out ? (run == 1 ? z : fmax(tail_max, z)) : 0;
        longest = run > longest ? run : longest;
    }
    if (longest + 1 > m)
        m = longest + 1 < n_inc / 2 ? longest + 1 : (n_inc / 2 > m ? n_inc / 2 : m);
    if (m < 1)
        m = 1;
    double cont = run > 0 ? tail_max : -1; /* the reference's last run goes on into the incident */
    run = 0;
    for (size_t i = 0; i < n_inc; i++) {
        double dv, z = point_z(o, r, local, inc[i], &dv);
        bool out = z >= level && (dv > 0) == (r->delta > 0);
        if (out && cont >= 0 && z <= cont) {
            run = 0; /* the baseline's excursion, continued */
            continue;
        }
        cont = -1;
        run = out ? run + 1 : 0;
        if (run >= m)
            return inc_ts[i + 1 - m];
    }
    return 0;
}

/*
 * The reference's trend, when it has one: Theil-Sen's slope through at most FL_RANK_TREND_POINTS
 * evenly spaced reference points (times in seconds from the first), kept when the Mann-Kendall
 * test (Kendall's tau against time) gives p < FL_RANK_TREND_P. Only for a reference that is the
 * series' own past (a separate reference window has no times to fit). *has false otherwise.
 */
static fl_err ref_trend(const struct scratch *w, size_t n_ref, size_t n_sep, bool *has,
                        double *slope)
{
    *has = false;
    size_t n = n_ref - n_sep;
    if (n_sep || n < FL_RANK_TREND_MIN)
        return FL_OK;
    size_t k = n < FL_RANK_TREND_POINTS ? n : FL_RANK_TREND_POINTS;
    double *t = fl_malloc(2 * k * sizeof *t), *y = t ? t + k : NULL;
    if (!t)
        return FL_ENOMEM;
    for (size_t i = 0; i < k; i++) { /* k >= FL_RANK_TREND_MIN > 1 */
        size_t at = i * (n - 1) / (k - 1);
        t[i] = (double)(w->ref_ts[at] - w->ref_ts[0]) / 1000.0;
        y[i] = w->ref[at];
    }
    double tau, p, intercept;
    fl_err e = fl_trend_kendall(t, y, k, &tau, &p);
    if (e == FL_OK && p < FL_RANK_TREND_P) {
        e = fl_trend_theil_sen(t, y, k, slope, &intercept);
        *has = e == FL_OK && isfinite(*slope) && *slope != 0;
    }
    fl_free(t);
    return e == FL_ENOMEM ? e : FL_OK; /* a fit that cannot be made: no trend */
}

/*
 * When a significant change began (first_beyond on the values). A reference that trends (a
 * table's row count growing with the customer base) leaves its own range by going on as before,
 * and that is not where a change began: when ref_trend finds a trend, the start is also dated on
 * the values less the reference's line (the same spreads, the medians of what is left), and the
 * later of the two starts stands (the plain one when the other finds none: a trend only ever
 * postpones a start). Two series' starts compare at the resolution of their samples.
 */
static fl_err change_start(const struct fl_rank_opts *o, const struct scratch *w, size_t n_ref,
                           size_t n_sep, size_t n_inc, size_t m, double level,
                           struct fl_rank_series_result *r)
{
    r->first_ms = first_beyond(o, r, w->ref, n_ref, w->inc, w->inc_ts, n_inc, m, level);
    bool has;
    double slope = 0;
    fl_err e = ref_trend(w, n_ref, n_sep, &has, &slope);
    if (e != FL_OK || !has)
        return e;
    double *ref = fl_malloc((n_ref + n_inc) * sizeof *ref), *inc = ref ? ref + n_ref : NULL;
    if (!ref)
        return FL_ENOMEM;
    /* Less the line's slope only: the median of what is left takes the place of its intercept. */
    int64_t t0 = w->ref_ts[0];
    for (size_t i = 0; i < n_ref; i++)
        ref[i] = w->ref[i] - slope * (double)(w->ref_ts[i] - t0) / 1000.0;
    for (size_t i = 0; i < n_inc; i++)
        inc[i] = w->inc[i] - slope * (double)(w->inc_ts[i] - t0) / 1000.0;
    struct fl_rank_series_result rd = *r;
    e = fl_robust_median(ref, n_ref, &rd.median);
    rd.level_pre = rd.median; /* no separate reference here: the pre-onset level is the same */
    if (e == FL_OK) {
        int64_t f = first_beyond(o, &rd, ref, n_ref, inc, w->inc_ts, n_inc, m, level);
        if (f > r->first_ms)
            r->first_ms = f;
    }
    fl_free(ref);
    return e;
}

/* Netdata's volume: relative change of the mean times the share of incident points beyond the
 * reference mean on the side of the change. A zero reference mean makes the relative change
 * undefined; it counts as 1 / rel_floor (or 1e3 when the floor is 0). */
static double volume(const struct fl_robust_ref *f, const struct fl_rank_opts *o, const double *inc,
                     size_t n_inc)
{
    double base = f->mean, high = 0;
    if (!isfinite(base))
        return 0;
    for (size_t i = 0; i < n_inc; i++)
        high += inc[i] / (double)n_inc;
    if (high == base || !isfinite(high))
        return 0;
    size_t beyond = 0;
    for (size_t i = 0; i < n_inc; i++)
        beyond += high > base ? inc[i] > base : inc[i] < base;
    double rel = base != 0 ? (high - base) / fabs(base)
                           : (high > base ? 1 : -1) / (o->rel_floor > 0 ? o->rel_floor : 1e-3);
    double v = rel * (double)beyond / (double)n_inc;
    if ((v > 0 && o->direction == FL_RANK_DOWN) || (v < 0 && o->direction == FL_RANK_UP))
        return 0;
    return v;
}

/* KS on first differences (within the separate reference, within the pre-onset part, within the
 * incident window; never across a junction). */
static fl_err ks_diffs(const struct fl_rank_opts *o, struct scratch *w, const struct windows *win,
                       struct fl_rank_series_result *r)
{
    size_t na = 0, nb = 0;
    for (size_t i = 1; i < win->n_ref; i++)
        if (i != win->n_sep)
            w->da[na++] = w->ref[i] - w->ref[i - 1];
    for (size_t i = 1; i < win->n_inc; i++)
        w->db[nb++] = w->inc[i] - w->inc[i - 1];
    r->ks_d = r->ks_p = NAN;
    if (na < o->ks_min || nb < o->ks_min)
        return FL_OK;
    struct fl_ks_result ks;
    fl_err e = fl_ks_two_sample(w->da, na, w->db, nb, FL_KS_AUTO, &ks);
    if (e == FL_EINVAL) /* differences of huge finite values can overflow to inf: skip KS */
        return FL_OK;
    if (e == FL_OK) {
        r->ks_d = ks.d;
        r->ks_p = ks.pvalue;
    }
    return e;
}

/* The onset: the most likely single mean shift of the reference's tail followed by the incident
 * window, noise from the whole reference. Reported when significant and inside the series' own
 * times (not in a separate reference, which has none). */
static fl_err onset(const struct fl_rank_opts *o, struct scratch *w, const struct windows *win,
                    struct fl_rank_series_result *r)
{
    /* the series' own points before the onset when it has any, else the separate reference */
    size_t avail = win->n_ref > win->n_sep ? win->n_ref - win->n_sep : win->n_ref;
    size_t tail = win->n_inc > o->min_ref ? win->n_inc : o->min_ref;
    if (tail > avail)
        tail = avail;
    size_t first = win->n_ref - tail, m = 0;
    for (size_t i = first; i < win->n_ref; i++)
        w->seq[m++] = w->ref[i];
    for (size_t i = 0; i < win->n_inc; i++)
        w->seq[m++] = w->inc[i];
    double sigma = 0;
    fl_err e = fl_cp_sigma_diff(w->ref, win->n_ref, &sigma);
    struct fl_cp_single cp;
    if (e == FL_OK)
        e = fl_cp_single_mean(w->seq, m, sigma * sigma, -1, 1, &cp);
    if (e == FL_EINVAL) /* overflow of huge values: no onset */
        return FL_OK;
    if (e != FL_OK)
        return e;
    r->onset_stat = cp.tau ? cp.stat : 0;
    if (!cp.significant)
        return FL_OK;
    if (cp.tau >= tail) {
        r->onset_ms = w->inc_ts[cp.tau - tail];
        r->has_onset = true;
    } else if (first + cp.tau >= win->n_sep) {
        r->onset_ms = w->ref_ts[first + cp.tau];
        r->has_onset = true;
    }
    return FL_OK;
}

/* Score one series. The symptom's significance threshold is its normal edge (a confirmed
 * symptom is a change by definition), stored in *bar; the others use threshold. */
static fl_err score_series(const struct fl_rank_series *s, const struct fl_rank_opts *o, double k,
                           bool symptom, struct scratch *w, struct fl_rank_series_result *r,
                           double *bar, double *bar_corroborated)
{
    struct windows win;
    split(s, o, w, &win);
    r->n_ref = win.n_ref;
    r->n_pre = win.n_ref - win.n_sep;
    r->n_incident = win.n_inc;
    r->median = r->level_pre = r->scale_up = r->scale_down = NAN;
    r->baro = r->nsigma = r->ks_d = r->ks_p = r->peak_value = NAN;
    if (win.n_ref < o->min_ref || win.n_inc == 0) {
        r->status = FL_RANK_NO_DATA;
        return FL_OK;
    }
    struct fl_robust_ref f;
    fl_err e = fl_robust_ref_fit(w->ref, win.n_ref, o->tail_q, &f);
    if (e == FL_OK && r->n_pre)
        e = fl_robust_median(w->ref + win.n_sep, r->n_pre, &r->level_pre);
    if (e != FL_OK)
        return e;
    r->median = f.median;
    spreads(&f, o, k, w->inc, win.n_inc, &r->scale_up, &r->scale_down);
    size_t m = persistence(o, win.n_inc, symptom);
    deviation(o, w, win.n_inc, m, r);
    double thr = o->threshold, edge = 0, edge_c = 0;
    if ((symptom || r->deviation >= thr) &&
        (e = normal_edge(o, w, &win, r, &edge, &edge_c)) != FL_OK)
        return e;
    if (symptom) {
        thr = *bar = edge;
        *bar_corroborated = edge_c;
    }
    r->significant =
        r->deviation >= thr && !(fabs(r->delta) < o->min_change * fabs(r->median) && !symptom);
    if (r->significant &&
        (e = change_start(o, w, win.n_ref, win.n_sep, win.n_inc, m, fmin(edge, thr), r)) != FL_OK)
        return e;
    r->volume = volume(&f, o, w->inc, win.n_inc);
    e = fl_robust_baro(w->ref, win.n_ref, w->inc, win.n_inc, &r->baro);
    if (e == FL_OK)
        e = fl_robust_nsigma(w->ref, win.n_ref, w->inc, win.n_inc, &r->nsigma);
    if (e == FL_ENOMEM)
        return e;
    if (e != FL_OK) /* sums of huge finite values overflowed: leave them out */
        r->baro = r->nsigma = NAN;
    e = ks_diffs(o, w, &win, r);
    if (e == FL_OK)
        e = onset(o, w, &win, r);
    return e;
}

/* ---- combined score ---------------------------------------------------------------------- */

/* Netdata's spread_results_evenly, turned so that larger means more changed: out[i] is the share
 * of the distinct values (over the used entries) that are <= v[i]. */
static fl_err rank_norm(const double *v, const bool *use, size_t n, double *out)
{
    double *u = fl_malloc((n ? n : 1) * sizeof *u);
    size_t nu = 0;
    if (!u)
        return FL_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (use[i])
            u[nu++] = v[i];
    qsort(u, nu, sizeof *u, cmp_double);
    size_t m = 0;
    for (size_t i = 0; i < nu; i++)
        if (!m || u[i] != u[m - 1])
            u[m++] = u[i];
    for (size_t i = 0; i < n; i++) {
        if (!use[i])
            continue;
        size_t lo = 0, hi = m; /* first distinct value > v[i] */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (u[mid] <= v[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        out[i] = (double)lo / (double)m;
    }
    fl_free(u);
    return FL_OK;
}

static fl_err combine(struct fl_rank_series_result *sr, size_t n, double ks_weight)
{
    double *dev = fl_malloc(3 * n * sizeof *dev);
    bool *use = fl_malloc(2 * n * sizeof *use);
    fl_err e = FL_ENOMEM;
    if (!dev || !use)
        goto out;
    double *ks = dev + n, *rk = dev + 2 * n;
    bool *use_ks = use + n;
    for (size_t i = 0; i < n; i++) {
        dev[i] = sr[i].deviation;
        ks[i] = sr[i].ks_d;
        use[i] = sr[i].status == FL_RANK_SCORED;
        use_ks[i] = use[i] && !isnan(sr[i].ks_d);
    }
    e = rank_norm(dev, use, n, rk);
    if (e == FL_OK)
        e = rank_norm(ks, use_ks, n, ks);
    for (size_t i = 0; e == FL_OK && i < n; i++)
        sr[i].score = !use[i] ? 0 : use_ks[i] ? (1 - ks_weight) * rk[i] + ks_weight * ks[i] : rk[i];
out:
    fl_free(dev);
    fl_free(use);
    return e;
}

/* ---- components and the call graph ------------------------------------------------------- */

struct ranker {
    const struct fl_rank_opts *o;
    struct fl_rank_series_result *sr; /* in input order until the final sort */
    size_t n;
    struct fl_rank_component_result *comp; /* in name order until the final sort */
    size_t nc;
    size_t *ser_off, *ser_idx;   /* series of component c: ser_idx[ser_off[c]..ser_off[c+1]) */
    size_t *callee_off, *callee; /* dependencies of c */
    size_t *caller_off, *caller; /* dependents of c */
    size_t n_edges;
};

static void ranker_cleanup(struct ranker *k)
{
    fl_free(k->ser_off);
    fl_free(k->ser_idx);
    fl_free(k->callee_off);
    fl_free(k->callee);
    fl_free(k->caller_off);
    fl_free(k->caller);
}

/* Sort order of series pointers by component name, then input order. */
static int cmp_by_component(const void *a, const void *b)
{
    const struct fl_rank_series_result *x = *(const struct fl_rank_series_result *const *)a;
    const struct fl_rank_series_result *y = *(const struct fl_rank_series_result *const *)b;
    int c = strcmp(x->component, y->component);
    return c ? c : (x->input > y->input) - (x->input < y->input);
}

/* Group the series by component (sorted by name), pick each component's best series. */
static fl_err build_components(struct ranker *k, struct fl_rank_component_result **out)
{
    size_t n = k->n;
    k->ser_idx = fl_malloc(n * sizeof *k->ser_idx);
    k->ser_off = fl_malloc((n + 1) * sizeof *k->ser_off);
    struct fl_rank_component_result *comp = fl_calloc(n, sizeof *comp);
    if (!k->ser_idx || !k->ser_off || !comp) {
        fl_free(comp);
        return FL_ENOMEM;
    }
    const struct fl_rank_series_result **by = fl_malloc(n * sizeof *by);
    if (!by) {
        fl_free(comp);
        return FL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        by[i] = &k->sr[i];
    qsort(by, n, sizeof *by, cmp_by_component);
    for (size_t i = 0; i < n; i++)
        k->ser_idx[i] = (size_t)(by[i] - k->sr);
    fl_free(by);
    size_t nc = 0;
    for (size_t i = 0; i < n; i++) {
        const struct fl_rank_series_result *s = &k->sr[k->ser_idx[i]];
        if (!nc || strcmp(comp[nc - 1].name, s->component)) {
            k->ser_off[nc] = i;
            comp[nc++] = (struct fl_rank_component_result){
                .name = s->component, .best = k->ser_idx[i], .explained_by = -1};
        }
        struct fl_rank_component_result *c = &comp[nc - 1];
        const struct fl_rank_series_result *b = &k->sr[c->best];
        c->n_series++;
        c->n_significant += s->significant;
        if (s->significant && (c->n_significant == 1 || s->first_ms < c->first_ms))
            c->first_ms = s->first_ms;
        if ((s->significant && !b->significant) ||
            (s->significant == b->significant && s->score > b->score))
            c->best = k->ser_idx[i];
    }
    k->ser_off[nc] = n;
    for (size_t c = 0; c < nc; c++) {
        comp[c].changed = comp[c].n_significant > 0;
        comp[c].score = k->sr[comp[c].best].score;
        comp[c].deviation = k->sr[comp[c].best].deviation;
    }
    k->nc = nc;
    *out = comp;
    return FL_OK;
}

static long find_component(const struct ranker *k, const char *name)
{
    size_t lo = 0, hi = k->nc;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(k->comp[mid].name, name);
        if (!c)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Compressed adjacency from (from, to) pairs: off[from]..off[from+1] in adj. */
static fl_err csr(size_t nc, const size_t *from, const size_t *to, size_t m, size_t **off_out,
                  size_t **adj_out)
{
    size_t *off = fl_calloc(nc + 1, sizeof *off), *adj = fl_malloc((m ? m : 1) * sizeof *adj);
    if (!off || !adj) {
        fl_free(off);
        fl_free(adj);
        return FL_ENOMEM;
    }
    for (size_t i = 0; i < m; i++)
        off[from[i] + 1]++;
    for (size_t c = 0; c < nc; c++)
        off[c + 1] += off[c];
    size_t *pos = fl_malloc((nc ? nc : 1) * sizeof *pos);
    if (!pos) {
        fl_free(off);
        fl_free(adj);
        return FL_ENOMEM;
    }
    memcpy(pos, off, nc * sizeof *pos);
    for (size_t i = 0; i < m; i++)
        adj[pos[from[i]]++] = to[i];
    fl_free(pos);
    *off_out = off;
    *adj_out = adj;
    return FL_OK;
}

static fl_err build_graph(struct ranker *k)
{
    const struct fl_rank_opts *o = k->o;
    size_t m = 0, *from = fl_malloc((o->n_edges ? o->n_edges : 1) * sizeof *from);
    size_t *to = fl_malloc((o->n_edges ? o->n_edges : 1) * sizeof *to);
    fl_err e = FL_ENOMEM;
    if (!from || !to)
        goto out;
    for (size_t i = 0; i < o->n_edges; i++) {
        if (!o->edges[i].caller || !o->edges[i].callee)
            continue;
        long a = find_component(k, o->edges[i].caller), b = find_component(k, o->edges[i].callee);
        if (a < 0 || b < 0 || a == b)
            continue;
        from[m] = (size_t)a;
        to[m++] = (size_t)b;
    }
    k->n_edges = m;
    e = csr(k->nc, from, to, m, &k->callee_off, &k->callee);
    if (e == FL_OK)
        e = csr(k->nc, to, from, m, &k->caller_off, &k->caller);
out:
    fl_free(from);
    fl_free(to);
    return e;
}

/* Does the change of dependency e account for the change of component c? A cause does not
 * change after its effect: e's change did not start after c's (same sample: simultaneous). Over the
 * metric kinds both changed in: the same sign and |delta_e| >= explain_ratio |delta_c|. With no
 * comparable kind, any change of e counts (the classic anomaly-traversal rule). */
static bool explains(const struct ranker *k, size_t c, size_t e)
{
    bool comparable = false;
    if (k->comp[e].first_ms > k->comp[c].first_ms)
        return false;
    for (size_t i = k->ser_off[c]; i < k->ser_off[c + 1]; i++) {
        const struct fl_rank_series_result *a = &k->sr[k->ser_idx[i]];
        if (!a->significant || !a->kind[0])
            continue;
        for (size_t j = k->ser_off[e]; j < k->ser_off[e + 1]; j++) {
            const struct fl_rank_series_result *b = &k->sr[k->ser_idx[j]];
            if (!b->significant || strcmp(a->kind, b->kind))
                continue;
            comparable = true;
            if ((a->delta > 0) == (b->delta > 0) && b->first_ms <= a->first_ms &&
                fabs(b->delta) >= k->o->explain_ratio * fabs(a->delta))
                return true;
        }
    }
    return !comparable;
}

/* explained_by: the changed dependency with the best score that explains c. */
static void find_explainers(struct ranker *k)
{
    for (size_t c = 0; c < k->nc; c++) {
        struct fl_rank_component_result *cc = &k->comp[c];
        cc->explained_by = -1;
        if (!cc->changed)
            continue;
        for (size_t i = k->callee_off[c]; i < k->callee_off[c + 1]; i++) {
            size_t e = k->callee[i];
            if (!k->comp[e].changed || !explains(k, c, e))
                continue;
            if (cc->explained_by < 0 || k->comp[e].score > k->comp[cc->explained_by].score)
                cc->explained_by = (long)e;
        }
    }
}

/* explained_by pointers form a functional graph; a cycle of components explaining each other
 * would leave no root, so each cycle's best-scored member becomes a root. */
static fl_err break_cycles(struct ranker *k)
{
    unsigned char *state = fl_calloc(k->nc ? k->nc : 1, 1); /* 0 new, 1 on path, 2 done */
    if (!state)
        return FL_ENOMEM;
    for (size_t s = 0; s < k->nc; s++) {
        long c = (long)s;
        while (c >= 0 && state[c] == 0) {
            state[c] = 1;
            c = k->comp[c].explained_by;
        }
        if (c >= 0 && state[c] == 1) { /* a cycle through c */
            long best = c;
            for (long x = k->comp[c].explained_by; x != c; x = k->comp[x].explained_by)
                if (k->comp[x].score > k->comp[best].score)
                    best = x;
            k->comp[best].explained_by = -1;
        }
        for (c = (long)s; c >= 0 && state[c] == 1; c = k->comp[c].explained_by)
            state[c] = 2;
    }
    fl_free(state);
    return FL_OK;
}

/* For each root, the changed dependents reached upward through links where the lower change
 * explains the upper one. */
static fl_err count_explained(struct ranker *k)
{
    size_t *stack = fl_malloc((k->nc ? k->nc : 1) * sizeof *stack);
    size_t *seen = fl_calloc(k->nc ? k->nc : 1, sizeof *seen); /* root index + 1 */
    if (!stack || !seen) {
        fl_free(stack);
        fl_free(seen);
        return FL_ENOMEM;
    }
    for (size_t r = 0; r < k->nc; r++) {
        struct fl_rank_component_result *rc = &k->comp[r];
        rc->root = rc->changed && rc->explained_by < 0;
        if (!rc->root)
            continue;
        size_t top = 0;
        stack[top++] = r;
        seen[r] = r + 1;
        while (top) {
            size_t x = stack[--top];
            for (size_t i = k->caller_off[x]; i < k->caller_off[x + 1]; i++) {
                size_t p = k->caller[i];
                if (seen[p] == r + 1 || !k->comp[p].changed || !explains(k, p, x))
                    continue;
                seen[p] = r + 1;
                rc->n_explains++;
                stack[top++] = p;
            }
        }
    }
    fl_free(stack);
    fl_free(seen);
    return FL_OK;
}

/* ---- ordering ---------------------------------------------------------------------------- */

static int cmp_series(const void *a, const void *b)
{
    const struct fl_rank_series_result *x = a, *y = b;
    if (x->significant != y->significant)
        return x->significant ? -1 : 1;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->deviation != y->deviation)
        return x->deviation > y->deviation ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int category(const struct fl_rank_component_result *c)
{
    return c->root ? 0 : c->changed ? 1 : 2;
}

static int cmp_component(const void *a, const void *b)
{
    const struct fl_rank_component_result *x = *(const struct fl_rank_component_result *const *)a;
    const struct fl_rank_component_result *y = *(const struct fl_rank_component_result *const *)b;
    if (category(x) != category(y))
        return category(x) - category(y);
    if (x->root && x->n_explains != y->n_explains)
        return x->n_explains > y->n_explains ? -1 : 1;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->deviation != y->deviation)
        return x->deviation > y->deviation ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Sort series and components into their ranked order and remap the indices between them. */
static fl_err order(struct ranker *k, struct fl_rank_result *res)
{
    size_t *pos = fl_malloc((k->n ? k->n : 1) * sizeof *pos);
    const struct fl_rank_component_result **by = fl_malloc((k->nc ? k->nc : 1) * sizeof *by);
    struct fl_rank_component_result *sorted = fl_malloc((k->nc ? k->nc : 1) * sizeof *sorted);
    long *cpos = fl_malloc((k->nc ? k->nc : 1) * sizeof *cpos);
    fl_err e = FL_ENOMEM;
    if (!pos || !by || !sorted || !cpos)
        goto out;
    qsort(k->sr, k->n, sizeof *k->sr, cmp_series);
    for (size_t i = 0; i < k->n; i++)
        pos[k->sr[i].input] = i;
    if (res->symptom >= 0)
        res->symptom = (long)pos[res->symptom];
    for (size_t c = 0; c < k->nc; c++)
        by[c] = &k->comp[c];
    qsort(by, k->nc, sizeof *by, cmp_component);
    for (size_t c = 0; c < k->nc; c++)
        cpos[by[c] - k->comp] = (long)c;
    for (size_t c = 0; c < k->nc; c++) {
        sorted[c] = *by[c];
        sorted[c].best = pos[sorted[c].best];
        if (sorted[c].explained_by >= 0)
            sorted[c].explained_by = cpos[sorted[c].explained_by];
    }
    fl_free(k->comp);
    k->comp = sorted;
    sorted = NULL;
    e = FL_OK;
out:
    fl_free(pos);
    fl_free(by);
    fl_free(sorted);
    fl_free(cpos);
    return e;
}

/* ---- the run ----------------------------------------------------------------------------- */

static int cmp_name_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static fl_err check_opts(const struct fl_rank_opts *o, struct fl_diag *d)
{
    const char *bad =
        !(o->threshold > 0 && isfinite(o->threshold))                   ? "threshold"
        : !(o->symptom_threshold > 0 && isfinite(o->symptom_threshold)) ? "symptom threshold"
        : !(o->symptom_corroborated_floor >= 0 &&
            o->symptom_corroborated_floor <= o->symptom_threshold)        ? "corroborated floor"
        : !(o->tail_q > 0.5 && o->tail_q < 1)                           ? "tail quantile"
        : !(o->rel_floor >= 0 && isfinite(o->rel_floor))                ? "relative floor"
        : !(o->explain_ratio > 0 && isfinite(o->explain_ratio))         ? "explain ratio"
        : !(o->ks_weight >= 0 && o->ks_weight <= 1)                     ? "KS weight"
        : !(o->min_change >= 0 && isfinite(o->min_change))              ? "minimum change"
        : o->min_ref < 2                                                ? "minimum reference"
        : o->ks_min < 2                                                 ? "KS minimum"
        : o->direction != FL_RANK_BOTH && o->direction != FL_RANK_UP && o->direction != FL_RANK_DOWN
            ? "direction"
            : NULL;
    if (bad)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "%s out of range", bad);
    if (o->n_edges && !o->edges)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "edges missing");
    return FL_OK;
}

/* Names present and unique, arrays present, times non-decreasing; *longest gets the most points
 * any series has (reference + own). */
static fl_err check_series(const struct fl_rank_series *s, size_t n, size_t *longest,
                           struct fl_diag *d)
{
    if (!s || n == 0)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no series");
    const char **names = fl_malloc(n * sizeof *names);
    if (!names)
        return FL_ENOMEM;
    fl_err e = FL_OK;
    *longest = 0;
    for (size_t i = 0; i < n && e == FL_OK; i++) {
        names[i] = s[i].name;
        if (!s[i].name || (s[i].n && (!s[i].ts_ms || !s[i].v)) || (s[i].n_ref && !s[i].ref_v))
            e = fl_diag_set(d, FL_EINVAL, 0, 0, "series %zu: missing name or data", i);
        for (size_t j = 1; e == FL_OK && j < s[i].n; j++)
            if (s[i].ts_ms[j] < s[i].ts_ms[j - 1])
                e = fl_diag_set(d, FL_EINVAL, 0, 0, "series \"%s\": times go backwards", s[i].name);
        if (s[i].n + s[i].n_ref > *longest)
            *longest = s[i].n + s[i].n_ref;
    }
    if (e == FL_OK) {
        qsort(names, n, sizeof *names, cmp_name_ptr);
        for (size_t i = 1; i < n && e == FL_OK; i++)
            if (!strcmp(names[i], names[i - 1]))
                e = fl_diag_set(d, FL_EINVAL, 0, 0, "duplicate series \"%s\"", names[i]);
    }
    fl_free(names);
    return e;
}

static void scratch_free(struct scratch *w)
{
    fl_free(w->ref);
    fl_free(w->ref_ts);
    fl_free(w->inc);
    fl_free(w->inc_ts);
    fl_free(w->da);
    fl_free(w->db);
    fl_free(w->seq);
    memset(w, 0, sizeof *w);
}

static fl_err scratch_init(struct scratch *w, size_t m)
{
    m = m ? m : 1;
    w->ref = fl_malloc(m * sizeof *w->ref);
    w->ref_ts = fl_malloc(m * sizeof *w->ref_ts);
    w->inc = fl_malloc(m * sizeof *w->inc);
    w->inc_ts = fl_malloc(m * sizeof *w->inc_ts);
    w->da = fl_malloc(m * sizeof *w->da);
    w->db = fl_malloc(m * sizeof *w->db);
    w->seq = fl_malloc(2 * m * sizeof *w->seq);
    if (w->ref && w->ref_ts && w->inc && w->inc_ts && w->da && w->db && w->seq)
        return FL_OK;
    scratch_free(w);
    return FL_ENOMEM;
}

/* Name, component and kind of series i into the result's arena. */
static fl_err label(const struct fl_rank_opts *o, const struct fl_rank_series *s,
                    struct fl_rank_result *res, struct fl_rank_series_result *r)
{
    char *comp = NULL, *kind = NULL;
    fl_err e = fl_rank_map_apply(o->map, s->name, &comp, &kind);
    if (e == FL_OK) {
        r->name = fl_arena_strdup(&res->arena, s->name);
        r->component = fl_arena_strdup(&res->arena, comp);
        r->kind = fl_arena_strdup(&res->arena, kind);
        if (!r->name || !r->component || !r->kind)
            e = res->arena.limit_hit ? FL_ELIMIT : FL_ENOMEM;
    }
    fl_free(comp);
    fl_free(kind);
    return e;
}

static fl_err score_all(const struct fl_rank_series *series, size_t n, const struct fl_rank_opts *o,
                        size_t longest, struct fl_rank_result *res)
{
    struct scratch w = {0};
    fl_err e = scratch_init(&w, longest);
    double k = norm_ppf(o->tail_q) / FL_ROBUST_IQR_NORMAL;
    for (size_t i = 0; i < n && e == FL_OK; i++) {
        struct fl_rank_series_result *r = &res->series[i];
        r->input = i;
        e = label(o, &series[i], res, r);
        bool sym = o->symptom && !strcmp(o->symptom, series[i].name);
        if (e == FL_OK)
            e = score_series(&series[i], o, k, sym, &w, r, &res->symptom_bar,
                             &res->symptom_bar_corroborated);
    }
    scratch_free(&w);
    if (e == FL_OK)
        e = combine(res->series, n, o->ks_weight);
    return e;
}

/* The symptom must have left its normal range (symptom_bar), or its wider range at alpha
 * FL_RANK_SYMPTOM_ALPHA_CORROBORATED (symptom_bar_corroborated) while another series changed
 * significantly; and some series (the symptom too) must have moved by the main threshold: a
 * symptom that moved a little, with nothing else, names nobody. */
static fl_err verdict(const struct fl_rank_series *series, size_t n, const struct fl_rank_opts *o,
                      struct fl_rank_result *res, struct fl_diag *d)
{
    res->symptom = -1;
    if (o->symptom) {
        for (size_t i = 0; i < n; i++)
            if (!strcmp(series[i].name, o->symptom))
                res->symptom = (long)i;
        if (res->symptom < 0)
            return fl_diag_set(d, FL_EINVAL, 0, 0, "symptom \"%s\" is not a series", o->symptom);
    }
    bool any = false, other = false;
    for (size_t i = 0; i < n; i++) {
        bool big = res->series[i].status == FL_RANK_SCORED &&
                   res->series[i].deviation >= o->threshold;
        any |= big && (res->series[i].significant || (long)i == res->symptom);
        other |= big && res->series[i].significant && (long)i != res->symptom;
    }
    struct fl_rank_series_result *sym = res->symptom >= 0 ? &res->series[res->symptom] : NULL;
    if (sym && sym->status == FL_RANK_SCORED && !sym->significant && other &&
        sym->deviation >= res->symptom_bar_corroborated) {
        sym->significant = true; /* corroborated: counts as changed from here on, */
        sym->first_ms = sym->peak_ts_ms; /* from its largest deviation (its bar's first crossing) */
        res->symptom_corroborated = true;
    }
    if (sym && (sym->status != FL_RANK_SCORED || !sym->significant))
        res->verdict = FL_RANK_SYMPTOM_UNCHANGED;
    else
        res->verdict = any ? FL_RANK_CHANGED : FL_RANK_NO_CHANGE;
    return FL_OK;
}

fl_err fl_rank_run(const struct fl_rank_series *series, size_t n, const struct fl_rank_opts *o,
                   struct fl_rank_result **out, struct fl_diag *d)
{
    struct fl_rank_opts def;
    struct ranker k = {0};
    struct fl_rank_result *res = NULL;
    size_t longest = 0;
    if (!out)
        return FL_EINVAL;
    *out = NULL;
    if (!o) {
        fl_rank_opts_default(&def);
        o = &def;
    }
    fl_err e = check_opts(o, d);
    if (e == FL_OK)
        e = check_series(series, n, &longest, d);
    if (e != FL_OK)
        return e;
    res = fl_calloc(1, sizeof *res);
    if (!res)
        return FL_ENOMEM;
    fl_arena_init(&res->arena, RANK_ARENA_BLOCK, RANK_ARENA_MAX);
    res->series = fl_calloc(n, sizeof *res->series);
    e = res->series ? FL_OK : FL_ENOMEM;
    res->n_series = n;
    if (e == FL_OK)
        e = score_all(series, n, o, longest, res);
    if (e == FL_OK)
        e = verdict(series, n, o, res, d);
    k.o = o;
    k.sr = res->series;
    k.n = n;
    if (e == FL_OK)
        e = build_components(&k, &k.comp);
    if (e == FL_OK)
        e = build_graph(&k);
    if (e == FL_OK) {
        find_explainers(&k);
        e = break_cycles(&k);
    }
    if (e == FL_OK)
        e = count_explained(&k);
    if (e == FL_OK)
        e = order(&k, res);
    res->components = k.comp;
    res->n_components = k.nc;
    res->n_edges_used = k.n_edges;
    ranker_cleanup(&k);
    if (e != FL_OK) {
        if (e == FL_ENOMEM || e == FL_ELIMIT)
            fl_diag_set(d, e, 0, 0, "%s", fl_err_str(e));
        fl_rank_result_free(res);
        return e;
    }
    *out = res;
    return FL_OK;
}

void fl_rank_result_free(struct fl_rank_result *r)
{
    if (!r)
        return;
    fl_free(r->series);
    fl_free(r->components);
    fl_arena_cleanup(&r->arena);
    fl_free(r);
}
