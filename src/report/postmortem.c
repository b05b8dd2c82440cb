/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postmortem.c: the model of a post-mortem built from an investigation and its 5 Whys, and its
 * Markdown sections and JSON (postmortem.h; docs/POSTMORTEMS.md). Everything is derived from the
 * investigation's evidence; where the evidence has nothing to say, the text says so and leaves a
 * placeholder explicitly marked for a person. Action items are systemic, chosen by the kind of
 * each cause (report_int.h), and never name a person: owners are "team to assign".
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../config/config.h"
#include "../core/record.h"
#include "../store/store.h"
#include "live_tree.h"
#include "postmortem_int.h"
#include "report_int.h"

#define PM_SECTION_MAX ((size_t)16 * 1024 * 1024)
#define PM_MAX_ITEMS 64
#define TODO_MARK "_[to be filled in by the team]_"

struct item {
    const char *text;
    const char *basis; /* the evidence or rule it comes from; NULL for placeholders */
    const char *kind;  /* action items: the cause class; else NULL */
    bool derived;
};

struct tl {
    int64_t ts;
    const char *source; /* "change", "alert", "anomaly", "onset", "investigation" */
    const char *text;
    size_t order;
};

struct pm {
    const struct fl_investigation *inv;
    const struct fl_whys *w;
    const struct fl_pm_opts *o;
    struct fl_arena *a;
    fl_err e;
    const char *title;
    const struct fl_inv_evidence *sym; /* the symptom's evidence, NULL when none */
    int64_t onset, end, detected;
    bool by_alert;
    const struct fl_report_event *first_alert;
    struct fl_report_event *evs;
    size_t n_evs;
    struct tl *tl;
    size_t n_tl;
    struct item well[PM_MAX_ITEMS], wrong[PM_MAX_ITEMS], act[PM_MAX_ITEMS];
    size_t n_well, n_wrong, n_act;
    struct fl_pm_lint lint;
};

static char *fmt(struct pm *m, const char *f, ...) FL_PRINTF(2, 3);
static char *fmt(struct pm *m, const char *f, ...)
{
    char tmp[2048];
    va_list ap;
    va_start(ap, f);
    vsnprintf(tmp, sizeof tmp, f, ap);
    va_end(ap);
    char *s = fl_arena_strdup(m->a, tmp);
    if (!s && m->e == FL_OK)
        m->e = m->a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    return s;
}

static const char *ts(struct pm *m, int64_t t)
{
    char b[40];
    return fmt(m, "%s", fl_report__time(t, b, sizeof b));
}

static const char *dur(struct pm *m, int64_t ms)
{
    char b[40];
    return fmt(m, "%s", fl_report__dur(ms, b, sizeof b));
}

static void push(struct pm *m, struct item *v, size_t *n, const char *text, const char *basis,
                 const char *kind, bool derived)
{
    if (!text || *n >= PM_MAX_ITEMS)
        return;
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(v[i].text, text))
            return;
    (void)m;
    v[(*n)++] = (struct item){text, basis, kind, derived};
}

/* ---- the model ---- */

static void find_symptom(struct pm *m)
{
    const struct fl_investigation *inv = m->inv;
    size_t vs = fl_report__step(inv, "verify_symptom");
    for (size_t i = 0; vs < inv->n_steps && i < inv->steps[vs].n_evidence; i++) {
        const struct fl_inv_evidence *e = &inv->steps[vs].evidence[i];
        if (!m->sym || (e->supports && !m->sym->supports) ||
            (e->supports == m->sym->supports && !isfinite(m->sym->baseline) &&
             isfinite(e->baseline)))
            m->sym = e;
    }
}

static void detection(struct pm *m)
{
    const struct fl_investigation *inv = m->inv;
    m->onset = inv->onset_ms;
    m->end = inv->incident_end_ms;
    m->detected = inv->created_ms;
    m->by_alert = inv->req.source && !strcmp(inv->req.source, "alertmanager");
    for (size_t i = 0; i < m->n_evs; i++) {
        const struct fl_report_event *x = &m->evs[i];
        if (strcmp(x->kind, "alert") || strcmp(x->status, "firing") || x->ev->ts_ms == FL_TS_NONE)
            continue;
        if (m->onset != FL_TS_NONE && x->ev->ts_ms < m->onset - 3600 * 1000)
            continue; /* an older alert, not this incident's */
        if (!m->first_alert || x->ev->ts_ms < m->first_alert->ev->ts_ms)
            m->first_alert = x;
    }
    if (m->first_alert && m->first_alert->ev->ts_ms < m->detected) {
        m->detected = m->first_alert->ev->ts_ms;
        m->by_alert = true;
    }
}

static void tl_add(struct pm *m, int64_t t, const char *source, const char *text)
{
    if (t == FL_TS_NONE || !text || m->e != FL_OK)
        return;
    for (size_t i = 0; i < m->n_tl; i++)
        if (m->tl[i].ts == t && !strcmp(m->tl[i].text, text))
            return;
    if (m->n_tl % 64 == 0) {
        struct tl *v = fl_arena_calloc(m->a, m->n_tl + 64, sizeof *v);
        if (!v) {
            m->e = FL_ENOMEM;
            return;
        }
        if (m->n_tl)
            memcpy(v, m->tl, m->n_tl * sizeof *v);
        m->tl = v;
    }
    m->tl[m->n_tl] = (struct tl){t, source, text, m->n_tl};
    m->n_tl++;
}

static int tl_cmp(const void *x, const void *y)
{
    const struct tl *a = x, *b = y;
    if (a->ts != b->ts)
        return a->ts < b->ts ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

static void timeline(struct pm *m)
{
    const struct fl_investigation *inv = m->inv;
    size_t ce = fl_report__step(inv, "change_events");
    for (size_t i = 0; i < m->n_evs; i++) {
        const struct fl_report_event *x = &m->evs[i];
        tl_add(m, x->ev->ts_ms, !strcmp(x->kind, "alert") ? "alert" : "change", x->ev->text);
    }
    for (size_t s = 0; s < inv->n_steps; s++) {
        if (s == ce)
            continue;
        for (size_t i = 0; i < inv->steps[s].n_evidence; i++) {
            const struct fl_inv_evidence *e = &inv->steps[s].evidence[i];
            if (!e->supports || e->ts_ms == FL_TS_NONE)
                continue;
            if (e->kind == FL_INV_EV_FRESHNESS && e->ref && !strchr(e->ref, '/'))
                tl_add(m, e->ts_ms, "anomaly",
                       fmt(m, "last successful run of %s (%s)", e->ref, e->text));
            else
                tl_add(m, e->ts_ms, "anomaly", fmt(m, "%s: %s", inv->steps[s].name, e->text));
        }
    }
    tl_add(m, inv->onset_ms, "onset",
           fmt(m, "onset of %s (%s)", inv->symptom ? inv->symptom : "the symptom",
               inv->onset_detected ? "detected by a change point" : "as given"));
    tl_add(m, inv->created_ms, "investigation",
           fmt(m, "investigation %s started (source: %s)", inv->id,
               inv->req.source ? inv->req.source : "unknown"));
    for (size_t s = 0; s < inv->n_steps; s++)
        tl_add(m, inv->created_ms, "investigation",
               fmt(m, "step %s: %s: %s", inv->steps[s].name ? inv->steps[s].name : "?",
                   fl_inv_step_status_name(inv->steps[s].status),
                   inv->steps[s].summary ? inv->steps[s].summary : ""));
    if (m->n_tl)
        qsort(m->tl, m->n_tl, sizeof *m->tl, tl_cmp);
}

/*
 * The systemic action items by cause class (docs/POSTMORTEMS.md "Cause kinds"). Each text takes
 * one %s: the subject named by `subject`.
 */
enum { SUBJ_COMP, SUBJ_CALL, SUBJ_JOB, SUBJ_SYMPTOM };

static const struct {
    int cls;
    int subject;
    const char *text[2];
} action_table[] = {
    {FL_RC_NETWORK,
     SUBJ_CALL,
     {"Give the %s call a timeout below the caller's latency budget, a retry budget with jittered "
      "exponential backoff, and a circuit breaker",
      "Alert on the latency and error rate of the %s call itself (client side), not only on the "
      "caller's end-to-end latency"}},
    {FL_RC_FRESHNESS,
     SUBJ_JOB,
     {"Add a freshness alert on %s: page the owning team when no successful run arrives within "
      "its period plus grace",
      "Make consumers of %s's output check its age and refuse or flag data older than the agreed "
      "limit"}},
    {FL_RC_STALE,
     SUBJ_COMP,
     {"Add a freshness alert on the pipeline that produces the features of %s",
      "Check feature age at serving time in %s and fall back (default value or previous model) "
      "when features are stale"}},
    {FL_RC_VALIDATION,
     SUBJ_COMP,
     {"Add a schema gate before %s: validate inputs against the data schema and quarantine rows "
      "that violate it",
      "Check schema changes of %s's upstream producers against the schema in CI (a data "
      "contract)"}},
    {FL_RC_MODEL,
     SUBJ_COMP,
     {"Roll out new model versions of %s through a canary and a shadow evaluation with automatic "
      "rollback on KPI or latency regressions",
      NULL}},
    {FL_RC_DRIFT,
     SUBJ_COMP,
     {"Alert on input drift of %s per feature, and define the retraining or reference-refresh "
      "procedure it triggers",
      NULL}},
    {FL_RC_CHANGE,
     SUBJ_COMP,
     {"Deliver changes to %s progressively (canary) with automatic rollback on the symptom's SLO, "
      "and record every change as a change event",
      NULL}},
    {FL_RC_METRIC,
     SUBJ_SYMPTOM,
     {"Monitor the pipeline of the metric %s itself (scrape health, up, sample counts, numerator "
      "and denominator) and alert when it breaks",
      NULL}},
    {FL_RC_SERVICE,
     SUBJ_COMP,
     {"Add saturation and latency alerts on %s with capacity headroom reviewed against the "
      "observed change",
      NULL}},
    {FL_RC_NONE,
     SUBJ_SYMPTOM,
     {"Instrument the path of %s (traces, metrics, change events) so that the next investigation "
      "can see which component changed",
      NULL}},
};

/* tpl with its one "%s" replaced by arg (no printf on a non-literal format). */
static const char *subst(struct pm *m, const char *tpl, const char *arg)
{
    const char *at = strstr(tpl, "%s");
    if (!at)
        return fmt(m, "%s", tpl);
    return fmt(m, "%.*s%s%s", (int)(at - tpl), tpl, arg, at + 2);
}

/* The systemic action items of cause i (or of the verdict when there is no cause). */
static void actions_for(struct pm *m, size_t i)
{
    const struct fl_investigation *inv = m->inv;
    int cls = fl_report__classify(inv, i);
    const struct fl_inv_cause *c = i < inv->n_causes ? &inv->causes[i] : NULL;
    const char *comp = c && c->component ? c->component : "the component";
    const char *k = fl_report__class_name(cls);
    const char *basis = c ? fmt(m, "cause %zu: %s (%s)", i + 1, comp, k)
                          : fmt(m, "verdict: %s", fl_inv_verdict_name(inv->verdict));
    size_t ps = 0, px = 0;
    const struct fl_inv_evidence *e =
        c && fl_report__primary(inv, c, &ps, &px) ? fl_report__ev(inv, ps, px) : NULL;
    const char *subj[4] = {comp, comp, e && e->ref ? e->ref : comp,
                           inv->symptom ? inv->symptom : "the symptom"};
    if (e && e->ref && !strncmp(e->ref, "edge:", 5))
        subj[SUBJ_CALL] = e->ref + 5;
    else if (!strncmp(comp, "network ", 8))
        subj[SUBJ_CALL] = comp + 8;
    for (size_t t = 0; t < sizeof action_table / sizeof action_table[0]; t++) {
        if (action_table[t].cls != cls)
            continue;
        for (size_t n = 0; n < 2 && action_table[t].text[n]; n++)
            push(m, m->act, &m->n_act,
                 subst(m, action_table[t].text[n], subj[action_table[t].subject]), basis, k, true);
    }
}

static void went(struct pm *m)
{
    const struct fl_investigation *inv = m->inv;
    int64_t ttd = m->onset != FL_TS_NONE ? m->detected - m->onset : FL_TS_NONE;
    if (m->by_alert && ttd != FL_TS_NONE && ttd >= 0)
        push(m, m->well, &m->n_well, fmt(m, "Detected by an alert %s after the onset", dur(m, ttd)),
             m->first_alert ? m->first_alert->ev->text : "request source alertmanager", NULL, true);
    if (inv->n_causes && inv->verdict == FL_INV_CAUSES)
        push(m, m->well, &m->n_well,
             fmt(m, "The investigation ranked %s first from evidence in %.0f ms%s",
                 inv->causes[0].component ? inv->causes[0].component : "a component",
                 isfinite(inv->elapsed_ms) ? inv->elapsed_ms : 0.0,
                 inv->n_refuted
                     ? fmt(m, " and refuted %zu other hypotheses with numbers", inv->n_refuted)
                     : ""),
             inv->verdict_text, NULL, true);
    size_t vs = fl_report__step(inv, "verify_symptom");
    if (vs < inv->n_steps && inv->verdict != FL_INV_BROKEN_METRIC &&
        inv->steps[vs].status == FL_INV_STEP_FOUND)
        push(m, m->well, &m->n_well, "The symptom's own measurement was checked and sound",
             inv->steps[vs].summary, NULL, true);
    if (!m->by_alert)
        push(m, m->wrong, &m->n_wrong,
             fmt(m, "No alert detected it: the investigation was started by hand (source %s)",
                 inv->req.source ? inv->req.source : "unknown"),
             "request source; no firing alert among the change events", NULL, true);
    if (ttd != FL_TS_NONE && ttd > 30 * 60 * 1000)
        push(m, m->wrong, &m->n_wrong, fmt(m, "Time to detect was %s", dur(m, ttd)),
             "investigation created - onset", NULL, true);
    if (inv->verdict == FL_INV_NO_CAUSE)
        push(m, m->wrong, &m->n_wrong, "No component's signals explained the change",
             inv->verdict_text, NULL, true);
    for (size_t i = 0; m->w && i < m->w->n_links; i++) {
        const struct fl_whys_link *l = &m->w->links[i];
        if (l->open || !l->text || (l->level != FL_WHYS_CHANGE && l->level != FL_WHYS_SYSTEMIC))
            continue;
        if (strstr(l->text, "raised no alert") || strstr(l->text, "no freshness check"))
            push(m, m->wrong, &m->n_wrong, fmt(m, "%s", l->text), fmt(m, "5 Whys link %zu", i + 1),
                 NULL, true);
        if (strstr(l->text, "no freshness check")) {
            const char *job = l->text + strlen("no freshness check is configured for ");
            size_t n = strcspn(job, ",");
            push(m, m->act, &m->n_act,
                 fmt(m,
                     "Configure a freshness rule for %.*s (freshness: in the configuration) "
                     "and route its alert to the owning team",
                     (int)n, job),
                 fmt(m, "5 Whys link %zu", i + 1), "freshness", true);
        }
    }
    push(m, m->well, &m->n_well, TODO_MARK, NULL, NULL, false);
    push(m, m->wrong, &m->n_wrong, TODO_MARK, NULL, NULL, false);
}

static fl_err lint_people(struct pm *m)
{
    fl_err e = FL_OK;
    const struct fl_investigation *inv = m->inv;
    if (inv->req.title)
        e = fl_postmortem_lint("title", inv->req.title, strlen(inv->req.title), m->a, &m->lint);
    for (size_t i = 0; e == FL_OK && m->w && i < m->w->n_links; i++) {
        const struct fl_whys_link *l = &m->w->links[i];
        if (l->source != FL_WHYS_FROM_PERSON)
            continue;
        const char *t = l->text ? l->text : l->question;
        char where[32];
        snprintf(where, sizeof where, "whys link %zu", i + 1);
        if (t)
            e = fl_postmortem_lint(where, t, strlen(t), m->a, &m->lint);
    }
    if (e == FL_OK && m->o->template_text)
        e = fl_postmortem_lint(m->o->template_name ? m->o->template_name : "template",
                               m->o->template_text, m->o->template_len, m->a, &m->lint);
    return e;
}

static fl_err build(struct pm *m)
{
    const struct fl_investigation *inv = m->inv;
    m->title = inv->req.title && *inv->req.title ? inv->req.title
               : inv->symptom                    ? fmt(m, "%s", inv->symptom)
                                                 : "an incident";
    m->evs = fl_report__events(inv, m->a, &m->n_evs);
    find_symptom(m);
    detection(m);
    timeline(m);
    for (size_t i = 0; i < inv->n_causes && i < 5; i++)
        actions_for(m, i);
    if (!inv->n_causes)
        actions_for(m, 0);
    went(m);
    int64_t ttd = m->onset != FL_TS_NONE ? m->detected - m->onset : FL_TS_NONE;
    if (ttd != FL_TS_NONE && ttd > 15 * 60 * 1000 && !m->by_alert)
        push(m, m->act, &m->n_act,
             fmt(m, "Alert on %s itself so that the next change is detected in minutes, not %s",
                 inv->symptom ? inv->symptom : "the symptom", dur(m, ttd)),
             "time to detect", "detection", true);
    fl_err e = lint_people(m);
    return m->e != FL_OK ? m->e : e;
}

/* ---- Markdown sections ---- */

static void md(struct fl_buf *b, const char *s)
{
    for (; s && *s; s++) {
        char c = *s;
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        else if ((unsigned char)c < 0x20 || c == 0x7f)
            continue;
        if (strchr("\\`*_[]<#|~", c))
            fl_buf_putc(b, '\\');
        fl_buf_putc(b, c);
    }
}

static void num(struct fl_buf *b, double v)
{
    if (isfinite(v))
        fl_buf_printf(b, "%.6g", v);
    else
        fl_buf_puts(b, "-");
}

static void s_meta(struct pm *m, struct fl_buf *b)
{
    const struct fl_investigation *inv = m->inv;
    fl_buf_printf(b, "Investigation `%s` | symptom `", inv->id);
    md(b, inv->symptom ? inv->symptom : "-");
    fl_buf_printf(b,
                  "` | verdict **%s** | generated %s | blameless: this document describes "
                  "what the system allowed, not who erred.",
                  fl_inv_verdict_name(inv->verdict), ts(m, m->o->now_ms));
}

static void s_summary(struct pm *m, struct fl_buf *b)
{
    const struct fl_investigation *inv = m->inv;
    fl_buf_puts(b, "At ");
    fl_buf_puts(b, ts(m, m->onset));
    fl_buf_puts(b, " ");
    md(b, inv->symptom ? inv->symptom : "the symptom");
    fl_buf_puts(b, " changed");
    if (m->sym) {
        fl_buf_puts(b, " (");
        md(b, m->sym->text);
        fl_buf_puts(b, ")");
    }
    fl_buf_puts(b, ". ");
    if (inv->n_causes) {
        fl_buf_puts(b, "The investigation ranked **");
        md(b, inv->causes[0].component);
        fl_buf_printf(b, "** first (score %.2f): ", inv->causes[0].score);
        md(b, inv->causes[0].summary);
        fl_buf_puts(b, ". ");
    } else {
        fl_buf_puts(b, "Verdict: ");
        md(b, inv->verdict_text ? inv->verdict_text : fl_inv_verdict_name(inv->verdict));
        fl_buf_puts(b, ". ");
    }
    if (inv->n_refuted)
        fl_buf_printf(b, "%zu other hypothes%s refuted with numbers. ", inv->n_refuted,
                      inv->n_refuted == 1 ? "is was" : "es were");
    fl_buf_printf(b, "It was detected %s", m->by_alert ? "by an alert" : "by hand");
    if (m->onset != FL_TS_NONE)
        fl_buf_printf(b, " %s after the onset", dur(m, m->detected - m->onset));
    fl_buf_puts(b, ".");
}

static void s_impact(struct pm *m, struct fl_buf *b)
{
    const struct fl_investigation *inv = m->inv;
    fl_buf_puts(b, "- **Affected:** ");
    if (inv->req.kind == FL_INV_KPI && inv->req.kpi) {
        fl_buf_puts(b, "KPI ");
        md(b, inv->req.kpi);
    } else {
        md(b, inv->symptom ? inv->symptom : "-");
    }
    fl_buf_puts(b, "\n- **Duration:** ");
    if (m->onset != FL_TS_NONE && m->end != FL_TS_NONE)
        fl_buf_printf(b,
                      "%s (from the onset %s to the end of the incident window %s; later if "
                      "still ongoing then)",
                      dur(m, m->end - m->onset), ts(m, m->onset), ts(m, m->end));
    else
        fl_buf_puts(b, "unknown " TODO_MARK);
    fl_buf_puts(b, "\n- **Size of the change:** ");
    if (m->sym && isfinite(m->sym->baseline) && isfinite(m->sym->incident)) {
        double d = m->sym->incident - m->sym->baseline;
        fl_buf_puts(b, "baseline ");
        num(b, m->sym->baseline);
        fl_buf_puts(b, " -> incident ");
        num(b, m->sym->incident);
        fl_buf_printf(b, " (%+.6g", d);
        if (m->sym->baseline != 0)
            fl_buf_printf(b, ", %+.1f%%", 100 * d / fabs(m->sym->baseline));
        fl_buf_puts(b, ")");
    } else {
        fl_buf_puts(b, "no numbers in the symptom's evidence " TODO_MARK);
    }
    fl_buf_puts(b, "\n- **Segments:** ");
    size_t ls = fl_report__step(inv, "localize_segments"), n = 0;
    for (size_t i = 0; ls < inv->n_steps && i < inv->steps[ls].n_evidence; i++) {
        const struct fl_inv_evidence *e = &inv->steps[ls].evidence[i];
        if (!e->supports || !e->ref || !strcmp(e->ref, "total"))
            continue;
        fl_buf_puts(b, "\n  - ");
        md(b, e->text);
        n++;
    }
    if (!n) {
        if (ls < inv->n_steps)
            md(b, inv->steps[ls].summary ? inv->steps[ls].summary : "no segment stands out");
        else
            fl_buf_puts(b, "not localized (no segment step)");
    }
    fl_buf_puts(b, "\n- **Users / revenue affected:** " TODO_MARK);
}

static void s_detection(struct pm *m, struct fl_buf *b)
{
    const struct fl_investigation *inv = m->inv;
    fl_buf_printf(b, "- **How:** %s (investigation source: ", m->by_alert ? "alert" : "manual");
    md(b, inv->req.source ? inv->req.source : "unknown");
    fl_buf_puts(b, ")");
    if (m->first_alert) {
        fl_buf_puts(b, "\n- **First alert:** ");
        md(b, m->first_alert->ev->text);
    }
    fl_buf_printf(b, "\n- **Onset:** %s (%s)", ts(m, m->onset),
                  inv->onset_detected ? "detected by a change point on the symptom" : "given");
    fl_buf_printf(b, "\n- **Detected:** %s", ts(m, m->detected));
    fl_buf_printf(b, "\n- **Investigation started:** %s", ts(m, inv->created_ms));
    fl_buf_puts(b, "\n- **Time to detect:** ");
    if (m->onset != FL_TS_NONE)
        fl_buf_puts(b, dur(m, m->detected - m->onset));
    else
        fl_buf_puts(b, "unknown (no onset)");
}

static void s_timeline(struct pm *m, struct fl_buf *b)
{
    fl_buf_puts(b, "| Time (UTC) | Source | Event |\n|---|---|---|\n");
    for (size_t i = 0; i < m->n_tl; i++) {
        fl_buf_printf(b, "| %s | %s | ", ts(m, m->tl[i].ts), m->tl[i].source);
        md(b, m->tl[i].text);
        fl_buf_puts(b, " |\n");
    }
    if (b->len && b->data[b->len - 1] == '\n')
        b->data[--b->len] = 0;
}

static void cause_md(struct pm *m, struct fl_buf *b, size_t i, size_t max_ev)
{
    const struct fl_investigation *inv = m->inv;
    const struct fl_inv_cause *c = &inv->causes[i];
    fl_buf_puts(b, "**");
    md(b, c->component ? c->component : "-");
    fl_buf_puts(b, "**");
    if (c->component_kind) {
        fl_buf_puts(b, " (");
        md(b, c->component_kind);
        fl_buf_puts(b, ")");
    }
    fl_buf_printf(b, ", score %.2f, kind %s: ", c->score,
                  fl_report__class_name(fl_report__classify(inv, i)));
    md(b, c->summary);
    for (size_t k = 0, shown = 0; k < c->n_evidence && shown < max_ev; k++) {
        const struct fl_inv_evidence *e = fl_report__ev(inv, c->evidence_step[k], c->evidence[k]);
        if (!e)
            continue;
        fl_buf_printf(b, "\n  - %s #%zu (%s): ", inv->steps[c->evidence_step[k]].name,
                      c->evidence[k], fl_inv_evidence_kind_name(e->kind));
        md(b, e->text);
        shown++;
    }
}

static void s_root(struct pm *m, struct fl_buf *b)
{
    if (!m->inv->n_causes) {
        fl_buf_puts(b, "No root cause was found from the evidence: ");
        md(b, m->inv->verdict_text ? m->inv->verdict_text : fl_inv_verdict_name(m->inv->verdict));
        fl_buf_puts(b, ". " TODO_MARK);
        return;
    }
    fl_buf_puts(b, "- ");
    cause_md(m, b, 0, 6);
}

static void s_contrib(struct pm *m, struct fl_buf *b)
{
    for (size_t i = 1; i < m->inv->n_causes; i++) {
        fl_buf_puts(b, i > 1 ? "\n- " : "- ");
        cause_md(m, b, i, 3);
    }
    if (m->inv->n_causes < 2)
        fl_buf_puts(b, "None ranked by the investigation. " TODO_MARK);
}

static void s_refuted(struct pm *m, struct fl_buf *b)
{
    const struct fl_investigation *inv = m->inv;
    if (!inv->n_refuted) {
        fl_buf_puts(b, "None.");
        return;
    }
    fl_buf_puts(b, "| Hypothesis | Component | What the numbers showed |\n|---|---|---|");
    for (size_t i = 0; i < inv->n_refuted; i++) {
        fl_buf_puts(b, "\n| ");
        md(b, inv->refuted[i].hypothesis);
        fl_buf_puts(b, " | ");
        md(b, inv->refuted[i].component ? inv->refuted[i].component : "-");
        fl_buf_puts(b, " | ");
        md(b, inv->refuted[i].text);
        fl_buf_puts(b, " |");
    }
}

static void s_whys(struct pm *m, struct fl_buf *b)
{
    size_t n_open = 0, n_conf = 0;
    for (size_t i = 0; i < m->w->n_links; i++) {
        n_open += m->w->links[i].open;
        n_conf += m->w->links[i].confirmed;
    }
    fl_buf_printf(b,
                  "%zu links, %zu confirmed by a person, %zu open question%s (revision "
                  "%llu).\n\n",
                  m->w->n_links, n_conf, n_open, n_open == 1 ? "" : "s",
                  (unsigned long long)m->w->revision);
    fl_whys_markdown(m->w, b);
    if (b->len && b->data[b->len - 1] == '\n')
        b->data[--b->len] = 0;
}

static void ft_names(struct fl_buf *b, json_t *arr)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (i)
            fl_buf_puts(b, ", ");
        if (json_is_string(v))
            md(b, json_string_value(v));
        else if (json_is_object(v) && json_is_string(json_object_get(v, "name")))
            md(b, json_string_value(json_object_get(v, "name")));
        else if (json_is_array(v)) {
            fl_buf_puts(b, "{");
            ft_names(b, v);
            fl_buf_puts(b, "}");
        }
    }
}

/* The events and cut sets of the fault tree engine's evaluation (schema
 * "faultline.fta_live/1", src/report/live_tree.c): basic events whose value is "true" with their
 * evidence, and the minimal cut sets marked satisfied. */
static void fta_live(struct fl_buf *b, json_t *ft)
{
    size_t i, n = 0;
    json_t *v, *x;
    json_array_foreach(json_object_get(ft, "events"), i, x)
    {
        v = json_object_get(x, "value");
        if (!json_is_string(v) || strcmp(json_string_value(v), "true") ||
            !json_is_string(json_object_get(x, "kind")) ||
            strcmp(json_string_value(json_object_get(x, "kind")), "basic"))
            continue;
        fl_buf_puts(b, n++ ? "\n  - " : "\n- **Basic events that held:**\n  - ");
        md(b, json_is_string(v = json_object_get(x, "name")) ? json_string_value(v) : "-");
        if (json_is_string(v = json_object_get(x, "evidence"))) {
            fl_buf_puts(b, ": ");
            md(b, json_string_value(v));
        }
    }
    n = 0;
    json_array_foreach(json_object_get(ft, "cut_sets"), i, x)
    {
        if (!json_is_true(json_object_get(x, "satisfied")) ||
            !json_is_array(json_object_get(x, "events")))
            continue;
        fl_buf_puts(b, n++ ? ", {" : "\n- **Satisfied minimal cut sets:** {");
        ft_names(b, json_object_get(x, "events"));
        fl_buf_puts(b, "}");
    }
}

static void s_fault_tree(struct pm *m, struct fl_buf *b)
{
    json_error_t err;
    json_t *ft = m->o->fault_tree_json
                     ? json_loadb(m->o->fault_tree_json, m->o->fault_tree_len, 0, &err)
                     : NULL;
    if (!ft || !json_is_object(ft)) {
        fl_buf_puts(b, m->o->fault_tree_json ? "The investigation's fault tree could not be read."
                                             : "No fault tree was evaluated for this "
                                               "investigation.");
        json_decref(ft);
        return;
    }
    json_t *v;
    fl_buf_puts(b, "- **Tree:** ");
    md(b, json_is_string(v = json_object_get(ft, "tree")) ? json_string_value(v) : "-");
    fl_buf_puts(b, "\n- **Top event:** ");
    md(b, json_is_string(v = json_object_get(ft, "top")) ? json_string_value(v) : "-");
    if (json_is_boolean(v = json_object_get(ft, "top_holds")))
        fl_buf_puts(b, json_is_true(v) ? " (holds on the evidence)" : " (does not hold)");
    if (json_is_string(v = json_object_get(ft, "top_value"))) {
        fl_buf_puts(b, " (on the evidence: ");
        md(b, json_string_value(v));
        fl_buf_puts(b, ")");
    }
    fta_live(b, ft);
    if (json_is_array(v = json_object_get(ft, "holding_events"))) {
        fl_buf_puts(b, "\n- **Basic events that held:** ");
        ft_names(b, v);
    }
    if (json_is_array(v = json_object_get(ft, "satisfied_cut_sets"))) {
        fl_buf_puts(b, "\n- **Satisfied minimal cut sets:** ");
        ft_names(b, v);
    }
    json_decref(ft);
}

static void items_md(struct fl_buf *b, const struct item *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fl_buf_puts(b, i ? "\n- " : "- ");
        if (v[i].derived) {
            md(b, v[i].text);
            fl_buf_puts(b, " _(from evidence: ");
            md(b, v[i].basis ? v[i].basis : "-");
            fl_buf_puts(b, ")_");
        } else {
            fl_buf_puts(b, v[i].text);
        }
    }
}

static void s_actions(struct pm *m, struct fl_buf *b)
{
    fl_buf_puts(
        b, "Systemic actions derived from the kind of each cause; owners are teams, "
           "never individuals.\n\n| # | Action | Kind | Basis | Owner |\n|---|---|---|---|---|");
    for (size_t i = 0; i < m->n_act; i++) {
        fl_buf_printf(b, "\n| %zu | ", i + 1);
        md(b, m->act[i].text);
        fl_buf_puts(b, " | ");
        md(b, m->act[i].kind ? m->act[i].kind : "-");
        fl_buf_puts(b, " | ");
        md(b, m->act[i].basis ? m->act[i].basis : "-");
        fl_buf_puts(b, " | " TODO_MARK " |");
    }
}

static void s_lint(struct pm *m, struct fl_buf *b)
{
    if (!m->lint.n) {
        fl_buf_puts(b, "No blaming phrasing found in the parts people wrote.");
        return;
    }
    fl_buf_printf(b, "%zu finding%s in the parts people wrote%s:\n", m->lint.n,
                  m->lint.n == 1 ? "" : "s", m->lint.truncated ? " (truncated)" : "");
    for (size_t i = 0; i < m->lint.n; i++) {
        const struct fl_pm_finding *f = &m->lint.items[i];
        fl_buf_puts(b, "\n- ");
        md(b, f->where);
        fl_buf_printf(b, ":%lu:%lu: **%s** \"", f->line, f->column, f->rule);
        md(b, f->phrase);
        fl_buf_puts(b, "\": ");
        md(b, f->message);
    }
}

static void section(struct pm *m, int idx, struct fl_buf *b)
{
    switch (idx) {
    case 0:
        md(b, m->title);
        break;
    case 1:
        s_meta(m, b);
        break;
    case 2:
        s_summary(m, b);
        break;
    case 3:
        s_impact(m, b);
        break;
    case 4:
        s_detection(m, b);
        break;
    case 5:
        s_timeline(m, b);
        break;
    case 6:
        s_root(m, b);
        break;
    case 7:
        s_contrib(m, b);
        break;
    case 8:
        s_refuted(m, b);
        break;
    case 9:
        s_whys(m, b);
        break;
    case 10:
        s_fault_tree(m, b);
        break;
    case 11:
        items_md(b, m->well, m->n_well);
        break;
    case 12:
        items_md(b, m->wrong, m->n_wrong);
        break;
    case 13:
        s_actions(m, b);
        break;
    default:
        s_lint(m, b);
        break;
    }
}

struct expand {
    struct pm *m;
    struct fl_buf *out;
};

static void ex_lit(void *ud, const char *s, size_t n)
{
    struct expand *x = ud;
    fl_buf_append(x->out, s, n);
}

static void ex_sec(void *ud, int idx)
{
    struct expand *x = ud;
    section(x->m, idx, x->out);
}

/* ---- JSON ---- */

static void jstr(struct fl_buf *b, const char *s)
{
    if (!s)
        fl_buf_puts(b, "null");
    else
        fl_buf_put_json_str(b, s, strlen(s));
}

static void jts(struct fl_buf *b, int64_t t)
{
    if (t == FL_TS_NONE)
        fl_buf_puts(b, "null");
    else
        fl_buf_printf(b, "%lld", (long long)t);
}

static void jnum(struct fl_buf *b, double v)
{
    if (isfinite(v))
        fl_buf_put_double(b, v);
    else
        fl_buf_puts(b, "null");
}

static void items_json(struct fl_buf *b, const char *key, const struct item *v, size_t n)
{
    fl_buf_printf(b, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        fl_buf_puts(b, i ? ",{\"text\":" : "{\"text\":");
        jstr(b, v[i].derived ? v[i].text : NULL);
        fl_buf_puts(b, ",\"basis\":");
        jstr(b, v[i].basis);
        if (v[i].kind || !strcmp(key, "action_items")) {
            fl_buf_puts(b, ",\"kind\":");
            jstr(b, v[i].kind);
            fl_buf_puts(b, ",\"owner\":null");
        }
        fl_buf_printf(b, ",\"derived\":%s,\"to_fill\":%s}", v[i].derived ? "true" : "false",
                      v[i].derived ? "false" : "true");
    }
    fl_buf_putc(b, ']');
}

static void impact_json(struct pm *m, struct fl_buf *b)
{
    const struct fl_investigation *inv = m->inv;
    fl_buf_puts(b, ",\"impact\":{\"symptom\":");
    jstr(b, inv->symptom);
    fl_buf_puts(b, ",\"kpi\":");
    jstr(b, inv->req.kind == FL_INV_KPI ? inv->req.kpi : NULL);
    fl_buf_puts(b, ",\"onset_ms\":");
    jts(b, m->onset);
    fl_buf_puts(b, ",\"end_ms\":");
    jts(b, m->end);
    fl_buf_puts(b, ",\"duration_ms\":");
    jts(b, m->onset != FL_TS_NONE && m->end != FL_TS_NONE ? m->end - m->onset : FL_TS_NONE);
    fl_buf_puts(b, ",\"baseline\":");
    jnum(b, m->sym ? m->sym->baseline : NAN);
    fl_buf_puts(b, ",\"incident\":");
    jnum(b, m->sym ? m->sym->incident : NAN);
    fl_buf_puts(b, ",\"segments\":[");
    size_t ls = fl_report__step(inv, "localize_segments"), n = 0;
    for (size_t i = 0; ls < inv->n_steps && i < inv->steps[ls].n_evidence; i++) {
        const struct fl_inv_evidence *e = &inv->steps[ls].evidence[i];
        if (!e->supports || !e->ref || !strcmp(e->ref, "total"))
            continue;
        fl_buf_puts(b, n++ ? ",{\"ref\":" : "{\"ref\":");
        jstr(b, e->ref);
        fl_buf_puts(b, ",\"text\":");
        jstr(b, e->text);
        fl_buf_puts(b, ",\"baseline\":");
        jnum(b, e->baseline);
        fl_buf_puts(b, ",\"incident\":");
        jnum(b, e->incident);
        fl_buf_putc(b, '}');
    }
    fl_buf_puts(b, "]}");
}

static void detection_json(struct pm *m, struct fl_buf *b)
{
    const struct fl_investigation *inv = m->inv;
    fl_buf_printf(b,
                  ",\"detection\":{\"how\":\"%s\",\"source\":", m->by_alert ? "alert" : "manual");
    jstr(b, inv->req.source);
    fl_buf_puts(b, ",\"first_alert\":");
    jstr(b, m->first_alert ? m->first_alert->ev->text : NULL);
    fl_buf_puts(b, ",\"detected_ms\":");
    jts(b, m->detected);
    fl_buf_puts(b, ",\"investigation_created_ms\":");
    jts(b, inv->created_ms);
    fl_buf_puts(b, ",\"time_to_detect_ms\":");
    jts(b, m->onset != FL_TS_NONE ? m->detected - m->onset : FL_TS_NONE);
    fl_buf_putc(b, '}');
}

static void pm_json(struct pm *m, struct fl_buf *b)
{
    const struct fl_investigation *inv = m->inv;
    fl_buf_printf(b, "{\"postmortem_version\":%d,\"investigation_id\":", FL_PM_VERSION);
    jstr(b, inv->id);
    fl_buf_puts(b, ",\"title\":");
    jstr(b, m->title);
    fl_buf_puts(b, ",\"generated_ms\":");
    jts(b, m->o->now_ms);
    fl_buf_puts(b, ",\"verdict\":");
    jstr(b, fl_inv_verdict_name(inv->verdict));
    impact_json(m, b);
    detection_json(m, b);
    fl_buf_puts(b, ",\"timeline\":[");
    for (size_t i = 0; i < m->n_tl; i++) {
        fl_buf_puts(b, i ? ",{\"ts_ms\":" : "{\"ts_ms\":");
        jts(b, m->tl[i].ts);
        fl_buf_puts(b, ",\"source\":");
        jstr(b, m->tl[i].source);
        fl_buf_puts(b, ",\"text\":");
        jstr(b, m->tl[i].text);
        fl_buf_putc(b, '}');
    }
    fl_buf_puts(b, "],\"causes\":[");
    for (size_t i = 0; i < inv->n_causes; i++) {
        fl_buf_puts(b, i ? ",{\"component\":" : "{\"component\":");
        jstr(b, inv->causes[i].component);
        fl_buf_puts(b, ",\"kind\":");
        jstr(b, fl_report__class_name(fl_report__classify(inv, i)));
        fl_buf_puts(b, ",\"score\":");
        jnum(b, inv->causes[i].score);
        fl_buf_puts(b, ",\"summary\":");
        jstr(b, inv->causes[i].summary);
        fl_buf_printf(b, ",\"root\":%s}", i == 0 ? "true" : "false");
    }
    fl_buf_puts(b, "],\"refuted\":[");
    for (size_t i = 0; i < inv->n_refuted; i++) {
        fl_buf_puts(b, i ? ",{\"hypothesis\":" : "{\"hypothesis\":");
        jstr(b, inv->refuted[i].hypothesis);
        fl_buf_puts(b, ",\"component\":");
        jstr(b, inv->refuted[i].component);
        fl_buf_puts(b, ",\"text\":");
        jstr(b, inv->refuted[i].text);
        fl_buf_putc(b, '}');
    }
    fl_buf_puts(b, "],\"whys\":");
    fl_whys_json(m->w, b);
    fl_buf_puts(b, ",\"fault_tree\":");
    json_error_t err;
    json_t *ft = m->o->fault_tree_json
                     ? json_loadb(m->o->fault_tree_json, m->o->fault_tree_len, 0, &err)
                     : NULL;
    char *ftt = ft ? json_dumps(ft, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    fl_buf_puts(b, ftt ? ftt : "null");
    free(ftt);
    json_decref(ft);
    items_json(b, "went_well", m->well, m->n_well);
    items_json(b, "went_wrong", m->wrong, m->n_wrong);
    items_json(b, "action_items", m->act, m->n_act);
    fl_buf_puts(b, ",\"lint\":[");
    for (size_t i = 0; i < m->lint.n; i++) {
        const struct fl_pm_finding *f = &m->lint.items[i];
        fl_buf_puts(b, i ? ",{\"where\":" : "{\"where\":");
        jstr(b, f->where);
        fl_buf_printf(b, ",\"line\":%lu,\"column\":%lu,\"rule\":", f->line, f->column);
        jstr(b, f->rule);
        fl_buf_puts(b, ",\"phrase\":");
        jstr(b, f->phrase);
        fl_buf_puts(b, ",\"message\":");
        jstr(b, f->message);
        fl_buf_putc(b, '}');
    }
    fl_buf_puts(b, "]}");
}

/* ---- entry points ---- */

int fl_pm_format_parse(const char *s)
{
    if (!s)
        return 0;
    if (!strcmp(s, "markdown") || !strcmp(s, "md"))
        return FL_PM_MARKDOWN;
    if (!strcmp(s, "html"))
        return FL_PM_HTML;
    if (!strcmp(s, "json"))
        return FL_PM_JSON;
    return 0;
}

fl_err fl_postmortem_render(const struct fl_investigation *inv, const struct fl_whys *w,
                            const struct fl_pm_opts *o, int format, struct fl_arena *a,
                            struct fl_buf *out, struct fl_diag *d)
{
    struct fl_whys built;
    struct pm *m = NULL;
    struct fl_buf md_out;
    fl_err e;
    fl_buf_init(&md_out, PM_SECTION_MAX);
    if (format < FL_PM_MARKDOWN || format > FL_PM_JSON) {
        e = fl_diag_set(d, FL_EINVAL, 0, 0, "format: expected markdown, html or json");
        goto out;
    }
    const char *tpl = o->template_text ? o->template_text : fl_pm_default_template;
    size_t tlen = o->template_text ? o->template_len : strlen(fl_pm_default_template);
    const char *tname = o->template_name ? o->template_name : "template";
    if ((e = fl_pm__tpl_walk(tpl, tlen, tname, NULL, NULL, NULL, d)) != FL_OK)
        goto out;
    if (!w) {
        if ((e = fl_whys_build(inv, o->cfg, o->now_ms, a, &built)) != FL_OK) {
            fl_diag_set(d, e, 0, 0, "out of memory building the 5 Whys");
            goto out;
        }
        w = &built;
    }
    m = fl_arena_calloc(a, 1, sizeof *m);
    if (!m) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        goto out;
    }
    m->inv = inv;
    m->w = w;
    m->o = o;
    m->a = a;
    if ((e = build(m)) != FL_OK) {
        fl_diag_set(d, e, 0, 0, "building the post-mortem: %s", fl_err_str(e));
        goto out;
    }
    if (format == FL_PM_JSON) {
        pm_json(m, out);
    } else {
        struct expand x = {m, format == FL_PM_HTML ? &md_out : out};
        e = fl_pm__tpl_walk(tpl, tlen, tname, ex_lit, ex_sec, &x, d);
        if (e == FL_OK && format == FL_PM_HTML) {
            const char **names = fl_arena_calloc(a, inv->n_causes + 1, sizeof *names);
            double *scores = fl_arena_calloc(a, inv->n_causes + 1, sizeof *scores);
            for (size_t i = 0; names && scores && i < inv->n_causes; i++) {
                names[i] = inv->causes[i].component ? inv->causes[i].component : "-";
                scores[i] = inv->causes[i].score;
            }
            struct fl_pm__charts ch = {inv->symptom,
                                       m->sym ? m->sym->baseline : NAN,
                                       m->sym ? m->sym->incident : NAN,
                                       inv->baseline_start_ms,
                                       inv->onset_ms,
                                       inv->incident_end_ms,
                                       names,
                                       scores,
                                       names && scores ? inv->n_causes : 0,
                                       m->o->fault_tree_svg};
            if ((e = fl_buf_err(&md_out)) == FL_OK)
                e = fl_pm__html(m->title, md_out.data ? md_out.data : "", md_out.len, &ch, out);
        }
    }
    if (e == FL_OK && (e = fl_buf_err(out)) != FL_OK)
        fl_diag_set(d, e, 0, 0, "the post-mortem does not fit the output buffer");
    else if (e != FL_OK)
        fl_diag_set(d, e, 0, 0, "rendering the post-mortem failed");
out:
    fl_buf_cleanup(&md_out);
    return e;
}

fl_err fl_pm_fault_tree_member(const char *json, size_t len, struct fl_arena *a, const char **out,
                               size_t *out_len, struct fl_diag *d)
{
    json_error_t err;
    *out = NULL;
    *out_len = 0;
    json_t *root = json_loadb(json ? json : "", len, 0, &err);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return fl_diag_set(d, FL_EPARSE, 0, 0, "investigation JSON: expected an object");
    }
    json_t *ft = json_object_get(root, "fault_tree");
    fl_err e = FL_OK;
    if (ft && !json_is_null(ft)) {
        char *s = json_dumps(ft, JSON_COMPACT | JSON_ENCODE_ANY);
        if (s) {
            *out_len = strlen(s);
            *out = fl_arena_strndup(a, s, *out_len);
        }
        if (!s || !*out)
            e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        free(s);
    }
    json_decref(root);
    return e;
}

fl_err fl_postmortem_stored(struct fl_store *s, const char *id, const struct fl_pm_opts *o,
                            int format, struct fl_arena *a, struct fl_buf *out, struct fl_diag *d)
{
    struct fl_investigation inv;
    struct fl_whys w;
    struct fl_store_investigation row;
    struct fl_pm_opts oo = *o;
    fl_err e = fl_whys_load(s, o->cfg, id, o->now_ms, a, &inv, &w, NULL, d);
    if (e == FL_OK)
        e = fl_store_investigation_get(s, id, a, &row, d);
    if (e == FL_OK)
        e = fl_pm_fault_tree_member(row.json, strlen(row.json), a, &oo.fault_tree_json,
                                    &oo.fault_tree_len, d);
    if (e == FL_OK && !oo.fault_tree_json) {
        /* the default tree of this kind of incident, evaluated on the evidence now */
        struct fl_buf ft, svg;
        struct fl_diag fd;
        fl_diag_init(&fd);
        fl_buf_init(&ft, (size_t)16 << 20);
        fl_buf_init(&svg, (size_t)16 << 20);
        if (fl_live_tree_report(o->cfg, &inv, NULL, NULL, FL_LIVE_TREE_JSON, &ft, &fd) == FL_OK &&
            ft.data) {
            oo.fault_tree_json = fl_arena_strndup(a, ft.data, ft.len);
            oo.fault_tree_len = oo.fault_tree_json ? ft.len : 0;
        }
        if (format == FL_PM_HTML &&
            fl_live_tree_report(o->cfg, &inv, NULL, NULL, FL_LIVE_TREE_SVG, &svg, &fd) == FL_OK &&
            svg.data)
            oo.fault_tree_svg = fl_arena_strndup(a, svg.data, svg.len);
        fl_buf_cleanup(&ft);
        fl_buf_cleanup(&svg);
    }
    if (e == FL_OK)
        e = fl_postmortem_render(&inv, &w, &oo, format, a, out, d);
    return e;
}
