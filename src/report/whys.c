/* SPDX-License-Identifier: Apache-2.0 */
/*
 * whys.c: the 5 Whys derived from an investigation's evidence (whys.h; docs/POSTMORTEMS.md).
 *
 * The chain has five levels, each a "why?" of the one before:
 *   symptom    verify_symptom's evidence (and the segments localize_segments singled out)
 *   component  the top cause with its primary evidence (trace key, freshness, validation, ...)
 *   upstream   what made it behave so: a stale pipeline behind stale features, the failed runs of
 *              a late job, the callee's own work refuted (so the time is on the call itself)
 *   change     a change event before the onset on the cause's path, or a missing safeguard shown
 *              by the evidence (failed runs, and no alert on that job among the recorded events)
 *   systemic   only what the configuration shows (no freshness rule for that job)
 * Each level is derived only from evidence; the first level that cannot be is an OPEN QUESTION
 * with a suggested question, and the chain ends there. Never an invented answer.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../config/config.h"
#include "../core/record.h"
#include "report_int.h"
#include "whys.h"

const char *fl_whys_level_name(int level)
{
    static const char *const names[] = {"other",  "symptom",  "component", "upstream",
                                        "change", "systemic", "other"};
    return level >= 1 && level <= FL_WHYS_OTHER ? names[level] : names[0];
}

const char *fl_whys_source_name(int source)
{
    return source == FL_WHYS_FROM_PERSON ? "person" : "evidence";
}

struct bld {
    const struct fl_investigation *inv;
    const struct fl_config *cfg;
    struct fl_arena *a;
    int64_t now;
    struct fl_whys *w;
    fl_err e;
    bool stopped;
    struct fl_report_event *evs;
    size_t n_evs;
    const char *job;        /* the pipeline / job the chain reached, NULL when none */
    int64_t job_success_ms; /* its last success, FL_TS_NONE when unknown */
    size_t job_failures;    /* failed runs of it recorded before the incident's end */
    bool job_failures_known;
};

static char *fmt(struct bld *b, const char *f, ...) FL_PRINTF(2, 3);
static char *fmt(struct bld *b, const char *f, ...)
{
    char tmp[FL_WHYS_TEXT_MAX];
    va_list ap;
    va_start(ap, f);
    vsnprintf(tmp, sizeof tmp, f, ap);
    va_end(ap);
    char *s = fl_arena_strdup(b->a, tmp);
    if (!s && b->e == FL_OK)
        b->e = b->a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    return s;
}

static struct fl_whys_link *link_new(struct bld *b, int level)
{
    if (b->e != FL_OK || b->stopped || b->w->n_links >= FL_WHYS_MAX_LINKS)
        return NULL;
    struct fl_whys_link *l = &b->w->links[b->w->n_links];
    memset(l, 0, sizeof *l);
    l->level = level;
    l->source = FL_WHYS_FROM_EVIDENCE;
    l->edited_by = "faultline";
    l->edited_ms = b->now;
    l->confirmed_ms = FL_TS_NONE;
    l->cites = fl_arena_calloc(b->a, FL_WHYS_MAX_CITES, sizeof *l->cites);
    if (!l->cites) {
        b->e = b->a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
        return NULL;
    }
    b->w->n_links++;
    return l;
}

static void cite_ev(struct bld *b, struct fl_whys_link *l, size_t step, size_t idx)
{
    const struct fl_inv_evidence *e = fl_report__ev(b->inv, step, idx);
    if (!l || !e || l->n_cites >= FL_WHYS_MAX_CITES)
        return;
    for (size_t i = 0; i < l->n_cites; i++)
        if (l->cites[i].kind == FL_WHYS_CITE_EVIDENCE && l->cites[i].step == step &&
            l->cites[i].index == idx)
            return;
    l->cites[l->n_cites++] = (struct fl_whys_cite){.kind = FL_WHYS_CITE_EVIDENCE,
                                                   .step = step,
                                                   .index = idx,
                                                   .step_name = b->inv->steps[step].name,
                                                   .ev_kind = fl_inv_evidence_kind_name(e->kind),
                                                   .ref = e->ref,
                                                   .text = e->text ? e->text : "",
                                                   .baseline = e->baseline,
                                                   .incident = e->incident,
                                                   .score = e->score,
                                                   .ts_ms = e->ts_ms};
}

static void cite_other(struct bld *b, struct fl_whys_link *l, int kind, size_t step, size_t idx,
                       const char *text)
{
    (void)b;
    if (!l || l->n_cites >= FL_WHYS_MAX_CITES || !text)
        return;
    l->cites[l->n_cites++] = (struct fl_whys_cite){
        .kind = kind,
        .step = step,
        .index = idx,
        .step_name = kind == FL_WHYS_CITE_STEP ? b->inv->steps[step].name : NULL,
        .text = text,
        .baseline = NAN,
        .incident = NAN,
        .score = NAN,
        .ts_ms = FL_TS_NONE};
}

/* The chain ends here with an open question for a person. */
static void open_q(struct bld *b, int level, const char *question)
{
    struct fl_whys_link *l = link_new(b, level);
    if (l) {
        l->open = true;
        l->question = question;
    }
    b->stopped = true;
}

static const char *tstr(struct bld *b, int64_t ts)
{
    char t[40];
    return fmt(b, "%s", fl_report__time(ts, t, sizeof t));
}

/* ---- symptom ---- */

static void symptom(struct bld *b)
{
    const struct fl_investigation *inv = b->inv;
    const char *sym = inv->symptom ? inv->symptom : "the symptom";
    size_t vs = fl_report__step(inv, "verify_symptom"), pick = SIZE_MAX;
    for (size_t i = 0; vs < inv->n_steps && i < inv->steps[vs].n_evidence; i++)
        if (inv->steps[vs].evidence[i].text &&
            (pick == SIZE_MAX ||
             (inv->steps[vs].evidence[i].supports && !inv->steps[vs].evidence[pick].supports)))
            pick = i;
    if (pick == SIZE_MAX) {
        open_q(b, FL_WHYS_SYMPTOM,
               fmt(b,
                   "What exactly was observed on %s, and since when? The investigation "
                   "recorded no evidence of the symptom.",
                   sym));
        return;
    }
    const struct fl_inv_evidence *e = &inv->steps[vs].evidence[pick];
    struct fl_whys_link *l = link_new(b, FL_WHYS_SYMPTOM);
    if (!l)
        return;
    cite_ev(b, l, vs, pick);
    size_t ls = fl_report__step(inv, "localize_segments"), n_seg = 0;
    char segs[512] = "";
    for (size_t i = 0; ls < inv->n_steps && i < inv->steps[ls].n_evidence && n_seg < 3; i++) {
        const struct fl_inv_evidence *x = &inv->steps[ls].evidence[i];
        if (!x->supports || !x->ref || !strcmp(x->ref, "total"))
            continue;
        size_t o = strlen(segs);
        snprintf(segs + o, sizeof segs - o, "%s%s", n_seg ? ", " : "", x->ref);
        cite_ev(b, l, ls, i);
        n_seg++;
    }
    l->text = fmt(b, "%s%s%s%s%s%s", strstr(e->text, sym) ? "" : sym,
                  strstr(e->text, sym) ? "" : " changed: ", e->text,
                  n_seg ? "; the change is concentrated in " : "", segs,
                  inv->verdict == FL_INV_NO_SYMPTOM ? " (not significant)" : "");
    if (inv->verdict == FL_INV_NO_SYMPTOM)
        open_q(b, FL_WHYS_COMPONENT,
               fmt(b,
                   "The measured change of %s is not significant (%s). What did people "
                   "observe that made them ask?",
                   sym, inv->verdict_text ? inv->verdict_text : "no symptom"));
}

/* ---- component ---- */

static const char *component_text(struct bld *b, const struct fl_inv_cause *c,
                                  const struct fl_inv_evidence *e)
{
    const char *comp = c->component ? c->component : "an unnamed component";
    switch (e->kind) {
    case FL_INV_EV_TRACE_KEY:
        return fmt(b, "%s: the time on %s rose: %s", comp, e->ref ? e->ref : "a call", e->text);
    case FL_INV_EV_FRESHNESS:
        if (e->ref && strchr(e->ref, '/'))
            return fmt(b, "%s served stale input features: %s", comp, e->text);
        if (e->ts_ms != FL_TS_NONE)
            return fmt(b, "%s produced no successful run since %s: %s", comp, tstr(b, e->ts_ms),
                       e->text);
        return fmt(b, "%s produced no successful run: %s", comp, e->text);
    case FL_INV_EV_VALIDATION:
        return fmt(b, "the inputs of %s failed validation: %s", comp, e->text);
    case FL_INV_EV_DRIFT:
        return fmt(b, "the inputs of %s drifted: %s", comp, e->text);
    case FL_INV_EV_MODEL:
        return fmt(b, "the model behind %s changed: %s", comp, e->text);
    case FL_INV_EV_EVENT:
        return fmt(b, "%s changed before the onset: %s", comp, e->text);
    default:
        return fmt(b, "%s changed first: %s", comp, e->text);
    }
}

static void component(struct bld *b, size_t *pstep, size_t *pidx)
{
    const struct fl_investigation *inv = b->inv;
    const char *sym = inv->symptom ? inv->symptom : "the symptom";
    if (b->stopped || b->e != FL_OK)
        return;
    if (inv->verdict == FL_INV_BROKEN_METRIC) {
        struct fl_whys_link *l = link_new(b, FL_WHYS_COMPONENT);
        size_t vs = fl_report__step(inv, "verify_symptom");
        for (size_t i = 0; l && vs < inv->n_steps && i < inv->steps[vs].n_evidence; i++)
            if (inv->steps[vs].evidence[i].supports)
                cite_ev(b, l, vs, i);
        if (l)
            l->text = fmt(b, "the measurement of %s itself is broken: %s", sym,
                          inv->verdict_text ? inv->verdict_text : "see verify_symptom");
        open_q(b, FL_WHYS_UPSTREAM,
               fmt(b,
                   "Why did the measurement of %s break (scrape target, exporter, recording "
                   "rule, a denominator that fell to zero)?",
                   sym));
        return;
    }
    if (inv->n_causes == 0 || !fl_report__primary(inv, &inv->causes[0], pstep, pidx)) {
        open_q(b, FL_WHYS_COMPONENT,
               fmt(b,
                   "Which component made %s change? No component's signals explain it (%s). "
                   "What changed that faultline does not observe?",
                   sym, inv->verdict_text ? inv->verdict_text : "no cause"));
        return;
    }
    const struct fl_inv_cause *c = &inv->causes[0];
    const struct fl_inv_evidence *e = fl_report__ev(inv, *pstep, *pidx);
    struct fl_whys_link *l = link_new(b, FL_WHYS_COMPONENT);
    if (!l)
        return;
    l->text = component_text(b, c, e);
    cite_ev(b, l, *pstep, *pidx);
    /* The cause's other supporting evidence of the same step backs the same statement. */
    for (size_t i = 0; i < c->n_evidence && l->n_cites < 3; i++) {
        const struct fl_inv_evidence *x = fl_report__ev(inv, c->evidence_step[i], c->evidence[i]);
        if (x && x->supports && c->evidence_step[i] == *pstep && x->kind == e->kind)
            cite_ev(b, l, c->evidence_step[i], c->evidence[i]);
    }
}

/* ---- upstream ---- */

/* Record what the events say about job: its failed runs and last success before the onset. */
static void job_runs(struct bld *b, const char *job)
{
    b->job = job;
    b->job_failures = 0;
    b->job_failures_known = fl_report__step(b->inv, "change_events") < b->inv->n_steps;
    for (size_t i = 0; i < b->n_evs; i++) {
        const struct fl_report_event *x = &b->evs[i];
        if (!x->ev->component || strcmp(x->ev->component, job) || !fl_report__is_run_kind(x->kind))
            continue;
        if (!strcmp(x->status, "failure"))
            b->job_failures++;
        else if (!strcmp(x->status, "success") && x->ev->ts_ms <= b->inv->onset_ms &&
                 (b->job_success_ms == FL_TS_NONE || x->ev->ts_ms > b->job_success_ms))
            b->job_success_ms = x->ev->ts_ms;
    }
}

/* Cite the failed runs of the job (up to the citation cap); the first failure's time. */
static int64_t cite_failures(struct bld *b, struct fl_whys_link *l)
{
    int64_t first = FL_TS_NONE;
    for (size_t i = 0; i < b->n_evs; i++) {
        const struct fl_report_event *x = &b->evs[i];
        if (x->ev->component && !strcmp(x->ev->component, b->job) &&
            fl_report__is_run_kind(x->kind) && !strcmp(x->status, "failure")) {
            cite_ev(b, l, x->step, x->idx);
            if (first == FL_TS_NONE || x->ev->ts_ms < first)
                first = x->ev->ts_ms;
        }
    }
    return first;
}

/* A supporting freshness evidence of a job (not a feature), preferring one the cause's
 * component depends on. */
static bool find_late_job(struct bld *b, const char *comp, size_t *ps, size_t *pi)
{
    size_t ms = fl_report__step(b->inv, "ml_evidence");
    bool found = false;
    for (size_t i = 0; ms < b->inv->n_steps && i < b->inv->steps[ms].n_evidence; i++) {
        const struct fl_inv_evidence *e = &b->inv->steps[ms].evidence[i];
        if (e->kind != FL_INV_EV_FRESHNESS || !e->supports || !e->ref || strchr(e->ref, '/'))
            continue;
        if (!found || fl_report__depends(b->cfg, comp, e->ref)) {
            *ps = ms;
            *pi = i;
            found = true;
        }
    }
    return found;
}

/* A job with failed runs among the events, preferring one the cause's component depends on. */
static const char *find_failing_job(struct bld *b, const char *comp)
{
    const char *best = NULL;
    for (size_t i = 0; i < b->n_evs; i++) {
        const struct fl_report_event *x = &b->evs[i];
        if (!x->ev->component || !fl_report__is_run_kind(x->kind) || strcmp(x->status, "failure") ||
            x->ev->ts_ms > b->inv->incident_end_ms)
            continue;
        if (!best || fl_report__depends(b->cfg, comp, x->ev->component) ||
            (comp && !strcmp(comp, x->ev->component)))
            best = x->ev->component;
    }
    return best;
}

static void upstream_job(struct bld *b, const char *job, size_t fs, size_t fi, bool have_fresh)
{
    job_runs(b, job);
    struct fl_whys_link *l = link_new(b, FL_WHYS_UPSTREAM);
    if (!l)
        return;
    const struct fl_inv_evidence *fe = have_fresh ? fl_report__ev(b->inv, fs, fi) : NULL;
    if (fe) {
        cite_ev(b, l, fs, fi);
        if (fe->ts_ms != FL_TS_NONE)
            b->job_success_ms = fe->ts_ms;
    }
    int64_t first = cite_failures(b, l);
    char since[64] = "";
    if (b->job_success_ms != FL_TS_NONE)
        snprintf(since, sizeof since, " since %s", tstr(b, b->job_success_ms));
    if (b->job_failures)
        l->text = fmt(b,
                      "%s produced no successful run%s: %zu recorded run%s failed, the first "
                      "at %s%s%s",
                      job, since, b->job_failures, b->job_failures == 1 ? "" : "s", tstr(b, first),
                      fe ? "; " : "", fe ? fe->text : "");
    else
        l->text = fmt(b, "%s produced no successful run%s: %s", job, since,
                      fe ? fe->text : "no successful run recorded");
}

/* A batch job or feature store comp depends on directly that has no freshness rule, or NULL. */
static const char *unwatched_pipeline(struct bld *b, const char *comp)
{
    const struct fl_component *c = b->cfg ? fl_config_component(b->cfg, comp) : NULL;
    for (size_t i = 0; c && i < c->n_depends_on; i++) {
        const struct fl_component *up = fl_config_component(b->cfg, c->depends_on[i]);
        if (up && up->kind &&
            (!strcmp(up->kind, "batch_job") || !strcmp(up->kind, "feature_store")) &&
            !fl_report__fresh_rule(b->cfg, up->name))
            return up->name;
    }
    return NULL;
}

static void upstream(struct bld *b, size_t ps, size_t pi)
{
    if (b->stopped || b->e != FL_OK)
        return;
    const struct fl_investigation *inv = b->inv;
    const struct fl_inv_cause *c = &inv->causes[0];
    const struct fl_inv_evidence *e = fl_report__ev(inv, ps, pi);
    const char *comp = c->component ? c->component : "the component";
    int cls = fl_report__classify(inv, 0);
    size_t js = 0, ji = 0;
    if (cls == FL_RC_STALE || cls == FL_RC_DRIFT || cls == FL_RC_VALIDATION) {
        /* A data problem: did a pipeline behind it stop? */
        bool late = find_late_job(b, comp, &js, &ji);
        const char *job = late ? fl_report__ev(inv, js, ji)->ref : find_failing_job(b, comp);
        if (job) {
            upstream_job(b, job, js, ji, late);
            return;
        }
        const char *unwatched = unwatched_pipeline(b, comp);
        open_q(b, FL_WHYS_UPSTREAM,
               fmt(b,
                   "Why were the inputs of %s %s? Which pipeline produces %s, and did it run "
                   "and succeed before %s?%s%s%s",
                   comp,
                   cls == FL_RC_STALE   ? "stale"
                   : cls == FL_RC_DRIFT ? "drifted"
                                        : "invalid",
                   e->ref ? e->ref : "them", tstr(b, inv->onset_ms),
                   unwatched ? " (It depends on " : "", unwatched ? unwatched : "",
                   unwatched ? ", which has no freshness check configured.)" : ""));
        if (unwatched && b->w->n_links)
            cite_other(b, &b->w->links[b->w->n_links - 1], FL_WHYS_CITE_CONFIG, 0, 0,
                       fmt(b, "configuration %s: %s depends on %s; freshness: has no rule for it",
                           b->cfg->source ? b->cfg->source : "(loaded)", comp, unwatched));
        return;
    }
    if (cls == FL_RC_FRESHNESS) {
        /* The job itself is the component: its failed runs are the next why, if recorded. */
        job_runs(b, e->ref ? e->ref : comp);
        if (e->ts_ms != FL_TS_NONE)
            b->job_success_ms = e->ts_ms;
        if (b->job_failures) {
            upstream_job(b, b->job, ps, pi, true);
        } else {
            open_q(b, FL_WHYS_UPSTREAM,
                   fmt(b,
                       "Why did %s produce no successful run%s? No failed run of it was "
                       "recorded: did it run at all, and what does its scheduler show?",
                       b->job, b->job_success_ms != FL_TS_NONE ? " since its last success" : ""));
        }
        return;
    }
    if (cls == FL_RC_NETWORK && e && e->ref && !strncmp(e->ref, "edge:", 5)) {
        const char *arrow = strstr(e->ref + 5, "->");
        const char *callee = arrow ? arrow + 2 : NULL;
        for (size_t i = 0; callee && i < inv->n_refuted; i++) {
            const struct fl_inv_refuted *r = &inv->refuted[i];
            if (!r->component || strcmp(r->component, callee) || !r->hypothesis ||
                !strstr(r->hypothesis, "slower"))
                continue;
            struct fl_whys_link *l = link_new(b, FL_WHYS_UPSTREAM);
            if (!l)
                return;
            cite_other(b, l, FL_WHYS_CITE_REFUTED, 0, i, r->text);
            l->text = fmt(b,
                          "%s's own work did not get slower (refuted \"%s\": %s), so the "
                          "added time is on the call %s itself: network, connection set-up, "
                          "queueing or retries between the two",
                          callee, r->hypothesis, r->text ? r->text : "", e->ref + 5);
            return;
        }
    }
    /* Other causes: the next level is the change event, if any (change()). */
}

/* ---- change or missing safeguard ---- */

/* Does text hold name as a whole token (delimited by start, end, ' ', '-', '>')? */
static bool names_in(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(text, name); n && p; p = strstr(p + 1, name)) {
        bool l = p == text || p[-1] == ' ' || p[-1] == '>';
        bool r = !p[n] || p[n] == ' ' || (p[n] == '-' && p[n + 1] == '>');
        if (l && r)
            return true;
    }
    return false;
}

static bool on_path(struct bld *b, const char *comp)
{
    const struct fl_inv_cause *c = &b->inv->causes[0];
    if (!comp)
        return false;
    if ((c->component && !strcmp(comp, c->component)) || (b->job && !strcmp(comp, b->job)))
        return true;
    if (c->component && names_in(c->component, comp)) /* "network a->b" names a and b */
        return true;
    return fl_report__depends(b->cfg, c->component, comp);
}

static void change(struct bld *b)
{
    /* A change event that is itself the component's evidence answered this level already. */
    if (b->stopped || b->e != FL_OK || fl_report__classify(b->inv, 0) == FL_RC_CHANGE)
        return;
    const struct fl_investigation *inv = b->inv;
    const struct fl_report_event *best = NULL;
    for (size_t i = 0; i < b->n_evs; i++) {
        const struct fl_report_event *x = &b->evs[i];
        if (!x->ev->supports || !strcmp(x->kind, "alert") || fl_report__is_run_kind(x->kind) ||
            x->ev->ts_ms == FL_TS_NONE || x->ev->ts_ms > inv->onset_ms ||
            !on_path(b, x->ev->component))
            continue;
        if (!best || (isfinite(x->ev->score) && x->ev->score > best->ev->score))
            best = x;
    }
    if (best) {
        struct fl_whys_link *l = link_new(b, FL_WHYS_CHANGE);
        char d[32];
        if (l) {
            cite_ev(b, l, best->step, best->idx);
            l->text =
                fmt(b, "a %s on %s %s before the onset: %s", best->kind[0] ? best->kind : "change",
                    best->ev->component,
                    fl_report__dur(inv->onset_ms - best->ev->ts_ms, d, sizeof d), best->ev->text);
        }
        return;
    }
    size_t ce = fl_report__step(inv, "change_events");
    bool events_read = ce < inv->n_steps && (inv->steps[ce].status == FL_INV_STEP_FOUND ||
                                             inv->steps[ce].status == FL_INV_STEP_NOTHING);
    if (b->job && (b->job_failures || b->job_success_ms != FL_TS_NONE) && events_read) {
        size_t n_alert = 0;
        for (size_t i = 0; i < b->n_evs; i++)
            if (!strcmp(b->evs[i].kind, "alert") && b->evs[i].ev->component &&
                !strcmp(b->evs[i].ev->component, b->job) && b->evs[i].ev->ts_ms <= inv->onset_ms)
                n_alert++;
        if (n_alert == 0) {
            struct fl_whys_link *l = link_new(b, FL_WHYS_CHANGE);
            if (!l)
                return;
            cite_other(b, l, FL_WHYS_CITE_STEP, ce, 0, inv->steps[ce].summary);
            cite_failures(b, l);
            l->text = fmt(b,
                          "%s raised no alert: among the %zu change events recorded from %s to "
                          "the onset none is an alert on %s%s",
                          b->job, b->n_evs, tstr(b, inv->baseline_start_ms), b->job,
                          b->job_failures ? ", although its runs failed" : "");
            return;
        }
    }
    const char *comp = inv->causes[0].component ? inv->causes[0].component : "the component";
    open_q(b, FL_WHYS_CHANGE,
           fmt(b,
               "What changed in %s or upstream of it before %s, or which safeguard could have "
               "caught it? %s",
               comp, tstr(b, inv->onset_ms),
               events_read ? "No change event on its path before the onset was recorded."
                           : "The change events were not read."));
}

/* ---- systemic gap ---- */

static void systemic(struct bld *b)
{
    if (b->stopped || b->e != FL_OK)
        return;
    const struct fl_investigation *inv = b->inv;
    const char *comp = inv->causes[0].component ? inv->causes[0].component : "the component";
    if (b->job && b->cfg && !fl_report__fresh_rule(b->cfg, b->job)) {
        struct fl_whys_link *l = link_new(b, FL_WHYS_SYSTEMIC);
        if (!l)
            return;
        l->text = fmt(b,
                      "no freshness check is configured for %s, so its missing runs were "
                      "visible to no one until %s changed",
                      b->job, inv->symptom ? inv->symptom : "the symptom");
        cite_other(b, l, FL_WHYS_CITE_CONFIG, 0, 0,
                   fmt(b, "configuration %s: freshness: has no rule for component %s",
                       b->cfg->source ? b->cfg->source : "(loaded)", b->job));
        return;
    }
    const struct fl_freshness_cfg *r = b->job ? fl_report__fresh_rule(b->cfg, b->job) : NULL;
    char ev[32];
    switch (fl_report__classify(inv, 0)) {
    case FL_RC_NETWORK:
        open_q(b, FL_WHYS_SYSTEMIC,
               fmt(b,
                   "Why did slower calls on %s reach the symptom? Do the calls have a "
                   "timeout, a retry budget with jittered backoff and a circuit breaker?",
                   comp));
        return;
    case FL_RC_MODEL:
        open_q(b, FL_WHYS_SYSTEMIC,
               fmt(b,
                   "Why did the model change behind %s reach this traffic without a canary or "
                   "a shadow evaluation catching the regression?",
                   comp));
        return;
    case FL_RC_CHANGE:
        open_q(b, FL_WHYS_SYSTEMIC,
               fmt(b,
                   "Why did the change to %s reach all of its traffic without a canary, a test "
                   "or an automatic rollback catching its effect?",
                   comp));
        return;
    case FL_RC_VALIDATION:
        open_q(b, FL_WHYS_SYSTEMIC,
               fmt(b,
                   "Why did inputs that fail validation reach %s? Is there a schema gate "
                   "before it?",
                   comp));
        return;
    default:
        if (r)
            open_q(b, FL_WHYS_SYSTEMIC,
                   fmt(b,
                       "%s has a freshness rule (every %s), yet no alert fired: is its "
                       "freshness state routed to an alert that reaches the owning team?",
                       b->job, fl_report__dur(r->every_ms, ev, sizeof ev)));
        else
            open_q(b, FL_WHYS_SYSTEMIC,
                   fmt(b,
                       "Which systemic gap let this reach %s: a missing check, test, alert or "
                       "rollout guard?",
                       inv->symptom ? inv->symptom : "the symptom"));
        return;
    }
}

fl_err fl_whys_build(const struct fl_investigation *inv, const struct fl_config *cfg,
                     int64_t now_ms, struct fl_arena *a, struct fl_whys *out)
{
    memset(out, 0, sizeof *out);
    out->generated_ms = now_ms;
    out->links = fl_arena_calloc(a, FL_WHYS_MAX_LINKS, sizeof *out->links);
    if (!out->links)
        return a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    struct bld b = {
        .inv = inv, .cfg = cfg, .a = a, .now = now_ms, .w = out, .job_success_ms = FL_TS_NONE};
    b.evs = fl_report__events(inv, a, &b.n_evs);
    size_t ps = 0, pi = 0;
    symptom(&b);
    component(&b, &ps, &pi);
    upstream(&b, ps, pi);
    change(&b);
    systemic(&b);
    return b.e;
}
