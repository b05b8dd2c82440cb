/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live.c: checks bound to basic events, evaluated on an investigation's evidence (live.h).
 */
#include "fta/live.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/record.h"
#include "core/str.h"
#include "core/time.h"
#include "rca/investigate.h"

#define DEFAULT_SHARE 0.5
#define DEFAULT_WITHIN_MS (60 * 60 * 1000)
#define MAX_TOKENS 8

static const struct {
    const char *name;
    enum fl_fta_check_kind kind;
} KINDS[] = {
    {"symptom", FL_CHECK_SYMPTOM},
    {"broken_metric", FL_CHECK_BROKEN_METRIC},
    {"segment_localized", FL_CHECK_SEGMENT_LOCALIZED},
    {"component_changed", FL_CHECK_COMPONENT_CHANGED},
    {"edge_share", FL_CHECK_EDGE_SHARE},
    {"drift", FL_CHECK_DRIFT},
    {"validation", FL_CHECK_VALIDATION},
    {"late_batch", FL_CHECK_LATE_BATCH},
    {"model_change", FL_CHECK_MODEL_CHANGE},
    {"change_event", FL_CHECK_CHANGE_EVENT},
    {"alert", FL_CHECK_ALERT},
};

static const char *kind_name(enum fl_fta_check_kind k)
{
    for (size_t i = 0; i < sizeof KINDS / sizeof *KINDS; i++)
        if (KINDS[i].kind == k)
            return KINDS[i].name;
    return "?";
}

void fl_fta_check_cleanup(struct fl_fta_check *c)
{
    if (!c)
        return;
    fl_free(c->target);
    fl_free(c->event_kind);
    memset(c, 0, sizeof *c);
}

struct tok {
    const char *p;
    size_t len, col;
};

static size_t tokenize(const char *text, struct tok *t, size_t max, bool *too_many)
{
    size_t n = 0;
    *too_many = false;
    for (const char *p = text; *p;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (n == max) {
            *too_many = true;
            return n;
        }
        t[n++] = (struct tok){s, (size_t)(p - s), (size_t)(s - text) + 1};
    }
    return n;
}

static bool tok_is(const struct tok *t, const char *s)
{
    return t->len == strlen(s) && !memcmp(t->p, s, t->len);
}

static fl_err dup_tok(const struct tok *t, char **out)
{
    if (t->len == 1 && t->p[0] == '*') {
        *out = NULL; /* any */
        return FL_OK;
    }
    *out = fl_strndup(t->p, t->len);
    return *out ? FL_OK : FL_ENOMEM;
}

fl_err fl_fta_check_parse(const char *text, struct fl_fta_check *out, struct fl_diag *d)
{
    memset(out, 0, sizeof *out);
    out->threshold = DEFAULT_SHARE;
    out->within_ms = DEFAULT_WITHIN_MS;
    struct tok t[MAX_TOKENS];
    bool many;
    size_t n = tokenize(text ? text : "", t, MAX_TOKENS, &many);
    if (many)
        return fl_diag_set(d, FL_EINVAL, 1, t[MAX_TOKENS - 1].col, "check: too many words");
    if (n == 0)
        return fl_diag_set(d, FL_EINVAL, 1, 1, "check: empty (expected e.g. \"drift fraud-model\")");
    size_t k = 0;
    for (; k < sizeof KINDS / sizeof *KINDS && !tok_is(&t[0], KINDS[k].name); k++)
        ;
    if (k == sizeof KINDS / sizeof *KINDS)
        return fl_diag_set(d, FL_EINVAL, 1, 1,
                           "check: unknown kind \"%.*s\" (expected symptom, broken_metric, "
                           "segment_localized, component_changed, edge_share, drift, "
                           "validation, late_batch, model_change or change_event)",
                           (int)t[0].len, t[0].p);
    out->kind = KINDS[k].kind;
    fl_err e = FL_OK;
    size_t used = 1;
    switch (out->kind) {
    case FL_CHECK_SYMPTOM:
    case FL_CHECK_BROKEN_METRIC:
    case FL_CHECK_SEGMENT_LOCALIZED:
        break;
    case FL_CHECK_COMPONENT_CHANGED:
    case FL_CHECK_LATE_BATCH:
        if (n < 2) {
            e = fl_diag_set(d, FL_EINVAL, 1, t[0].col + t[0].len, "check: %s needs a %s",
                            KINDS[k].name, out->kind == FL_CHECK_LATE_BATCH ? "job" : "component");
            break;
        }
        /* the rest of the line: component names may hold spaces ("network a->b") */
        {
            struct tok rest = t[1];
            rest.len = (size_t)(t[n - 1].p + t[n - 1].len - t[1].p);
            e = dup_tok(&rest, &out->target);
        }
        used = n;
        break;
    case FL_CHECK_EDGE_SHARE: {
        const char *arrow = n >= 2 ? strstr(t[1].p, "->") : NULL;
        if (n < 2 || !arrow || arrow >= t[1].p + t[1].len || arrow == t[1].p ||
            arrow + 2 >= t[1].p + t[1].len) {
            e = fl_diag_set(d, FL_EINVAL, 1, n >= 2 ? t[1].col : t[0].col + t[0].len,
                            "check: edge_share needs an edge CALLER->CALLEE");
            break;
        }
        if ((e = dup_tok(&t[1], &out->target)) != FL_OK)
            break;
        used = 2;
        if (n >= 3) {
            if (!tok_is(&t[2], ">=") || n < 4) {
                e = fl_diag_set(d, FL_EINVAL, 1, t[2].col, "check: expected \">= SHARE\"");
                break;
            }
            char buf[32];
            char *end;
            size_t l = t[3].len < sizeof buf - 1 ? t[3].len : sizeof buf - 1;
            memcpy(buf, t[3].p, l);
            buf[l] = 0;
            double v = strtod(buf, &end);
            if (*end || !(v >= 0 && v <= 1)) {
                e = fl_diag_set(d, FL_EINVAL, 1, t[3].col,
                                "check: the share must be a number from 0 to 1");
                break;
            }
            out->threshold = v;
            used = 4;
        }
        break;
    }
    case FL_CHECK_DRIFT:
        out->threshold = 0;
        for (size_t i = 1; i < n && e == FL_OK; i++) {
            if (tok_is(&t[i], ">=")) {
                if (i + 1 >= n) {
                    e = fl_diag_set(d, FL_EINVAL, 1, t[i].col, "check: expected \">= SCORE\"");
                    break;
                }
                char buf[32], *end;
                size_t l = t[i + 1].len < sizeof buf - 1 ? t[i + 1].len : sizeof buf - 1;
                memcpy(buf, t[i + 1].p, l);
                buf[l] = 0;
                double v = strtod(buf, &end);
                if (*end || !(v >= 0) || !isfinite(v)) {
                    e = fl_diag_set(d, FL_EINVAL, 1, t[i + 1].col,
                                    "check: the drift score must be a number >= 0");
                    break;
                }
                out->threshold = v;
                i++;
                used = i + 1;
            } else if (i == 1) {
                e = dup_tok(&t[1], &out->target);
                used = 2;
            } else {
                break;
            }
        }
        break;
    case FL_CHECK_VALIDATION:
    case FL_CHECK_MODEL_CHANGE:
    case FL_CHECK_ALERT:
        if (n >= 2) {
            e = dup_tok(&t[1], &out->target);
            used = 2;
        }
        break;
    case FL_CHECK_CHANGE_EVENT:
        for (size_t i = 1; i < n && e == FL_OK; i++) {
            if (tok_is(&t[i], "within")) {
                if (i + 1 >= n) {
                    e = fl_diag_set(d, FL_EINVAL, 1, t[i].col, "check: within needs a duration");
                    break;
                }
                struct fl_diag dd;
                fl_diag_init(&dd);
                if (fl_duration_parse((struct fl_str){t[i + 1].p, t[i + 1].len}, &out->within_ms,
                                      &dd) != FL_OK ||
                    out->within_ms <= 0) {
                    e = fl_diag_set(d, FL_EINVAL, 1, t[i + 1].col,
                                    "check: expected a duration like 30m");
                    break;
                }
                i++;
                used = i + 1;
            } else if (i == 1) {
                e = dup_tok(&t[i], &out->target);
                used = i + 1;
            } else if (i == 2) {
                e = dup_tok(&t[i], &out->event_kind);
                used = i + 1;
            } else {
                e = fl_diag_set(d, FL_EINVAL, 1, t[i].col, "check: unexpected \"%.*s\"",
                                (int)t[i].len, t[i].p);
            }
        }
        break;
    }
    if (e == FL_OK && used < n)
        e = fl_diag_set(d, FL_EINVAL, 1, t[used].col, "check: unexpected \"%.*s\" after %s",
                        (int)t[used].len, t[used].p, KINDS[k].name);
    if (e == FL_ENOMEM)
        fl_diag_set(d, e, 0, 0, "out of memory");
    if (e != FL_OK)
        fl_fta_check_cleanup(out);
    return e;
}

void fl_fta_check_format(const struct fl_fta_check *c, struct fl_buf *out)
{
    fl_buf_puts(out, kind_name(c->kind));
    switch (c->kind) {
    case FL_CHECK_COMPONENT_CHANGED:
    case FL_CHECK_LATE_BATCH:
        fl_buf_printf(out, " %s", c->target ? c->target : "*");
        break;
    case FL_CHECK_EDGE_SHARE:
        fl_buf_printf(out, " %s >= %g", c->target ? c->target : "?", c->threshold);
        break;
    case FL_CHECK_DRIFT:
        fl_buf_printf(out, " %s", c->target ? c->target : "*");
        if (c->threshold > 0)
            fl_buf_printf(out, " >= %g", c->threshold);
        break;
    case FL_CHECK_VALIDATION:
    case FL_CHECK_MODEL_CHANGE:
    case FL_CHECK_ALERT:
        if (c->target)
            fl_buf_printf(out, " %s", c->target);
        break;
    case FL_CHECK_CHANGE_EVENT: {
        char dur[32];
        fl_duration_fmt(c->within_ms, dur, sizeof dur);
        fl_buf_printf(out, " %s %s within %s", c->target ? c->target : "*",
                      c->event_kind ? c->event_kind : "*", dur);
        break;
    }
    default:
        break;
    }
}

/* ---- bindings ---- */

void fl_fta_bindings_init(struct fl_fta_bindings *b)
{
    memset(b, 0, sizeof *b);
}

void fl_fta_bindings_cleanup(struct fl_fta_bindings *b)
{
    for (size_t i = 0; i < b->n; i++)
        fl_fta_check_cleanup(&b->b[i].check);
    fl_free(b->b);
    memset(b, 0, sizeof *b);
}

fl_err fl_fta_bind(struct fl_fta_bindings *b, const struct fl_fta_tree *t, const char *event,
                   const char *check, struct fl_diag *d)
{
    size_t idx;
    if (!fl_fta_find(t, event, &idx))
        return fl_diag_set(d, FL_EINVAL, 0, 0, "bind: no event \"%s\" in the tree", event);
    if (t->events[idx].kind != FL_FTA_BASIC)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "bind: \"%s\" is not a basic event", event);
    for (size_t i = 0; i < b->n; i++)
        if (b->b[i].event == idx)
            return fl_diag_set(d, FL_EINVAL, 0, 0, "bind: \"%s\" is bound twice", event);
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        struct fl_fta_binding *v = fl_reallocarray(b->b, cap, sizeof *v);
        if (!v)
            return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        b->b = v;
        b->cap = cap;
    }
    struct fl_fta_check c;
    fl_err e = fl_fta_check_parse(check, &c, d);
    if (e != FL_OK)
        return e;
    b->b[b->n++] = (struct fl_fta_binding){idx, c};
    return FL_OK;
}

fl_err fl_fta_bind_declared(struct fl_fta_bindings *b, const struct fl_fta_tree *t,
                            struct fl_diag *d)
{
    for (size_t i = 0; i < t->n_events; i++) {
        const struct fl_fta_event *e = &t->events[i];
        if (e->kind != FL_FTA_BASIC || !e->check)
            continue;
        bool bound = false;
        for (size_t k = 0; k < b->n && !bound; k++)
            bound = b->b[k].event == i;
        if (bound)
            continue;
        fl_err r = fl_fta_bind(b, t, e->name, e->check, d);
        if (r != FL_OK)
            return r;
    }
    return FL_OK;
}

fl_err fl_fta_rebind(struct fl_fta_bindings *b, const struct fl_fta_tree *t, const char *event,
                     const char *check, struct fl_diag *d)
{
    size_t idx;
    if (fl_fta_find(t, event, &idx))
        for (size_t k = 0; k < b->n; k++)
            if (b->b[k].event == idx) {
                fl_fta_check_cleanup(&b->b[k].check);
                b->b[k] = b->b[--b->n];
                break;
            }
    return fl_fta_bind(b, t, event, check, d);
}

/* ---- evaluation ---- */

static const struct fl_inv_step *step_of(const struct fl_investigation *inv, const char *name)
{
    for (size_t i = 0; i < inv->n_steps; i++)
        if (inv->steps[i].name && !strcmp(inv->steps[i].name, name))
            return &inv->steps[i];
    return NULL;
}

static bool ran(const struct fl_inv_step *s)
{
    return s && (s->status == FL_INV_STEP_FOUND || s->status == FL_INV_STEP_NOTHING);
}

static bool starts_with_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    return text && !strncmp(text, word, n) && text[n] == ' ';
}

static bool same(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

/* "model/version/feature" or "model/feature" against "M" or "M/F". */
static bool model_ref_matches(const char *ref, const char *target, bool has_version)
{
    if (!target)
        return true;
    if (!ref)
        return false;
    const char *slash = strchr(target, '/');
    size_t ml = slash ? (size_t)(slash - target) : strlen(target);
    if (strncmp(ref, target, ml) != 0 || (ref[ml] != '/' && ref[ml] != 0))
        return false;
    if (!slash)
        return true;
    const char *feat = strrchr(ref, '/');
    (void)has_version;
    return feat && !strcmp(feat + 1, slash + 1);
}

struct verdict {
    int value;
    const char *why; /* evidence text or reason; static or owned by the investigation */
};

static struct verdict by_step(const struct fl_inv_step *s, const char *none)
{
    if (ran(s))
        return (struct verdict){FL_FTA_FALSE, none};
    return (struct verdict){FL_FTA_UNKNOWN,
                            s ? "the step that would show it was skipped or failed"
                              : "the investigation did not run the step that would show it"};
}

static struct verdict eval_check(const struct fl_fta_check *c, const struct fl_investigation *inv)
{
    const struct fl_inv_step *vs = step_of(inv, "verify_symptom");
    switch (c->kind) {
    case FL_CHECK_SYMPTOM:
        if (inv->verdict == FL_INV_BROKEN_METRIC)
            return (struct verdict){FL_FTA_UNKNOWN, "the symptom's measurement is broken"};
        if (vs && vs->status == FL_INV_STEP_FOUND)
            return (struct verdict){FL_FTA_TRUE, vs->summary};
        if (vs && vs->status == FL_INV_STEP_NOTHING)
            return (struct verdict){FL_FTA_FALSE, vs->summary};
        return by_step(vs, NULL);
    case FL_CHECK_BROKEN_METRIC:
        if (inv->verdict == FL_INV_BROKEN_METRIC)
            return (struct verdict){FL_FTA_TRUE, vs ? vs->summary : inv->verdict_text};
        return by_step(vs, "the symptom's measurement looked sound");
    case FL_CHECK_SEGMENT_LOCALIZED: {
        const struct fl_inv_step *s = step_of(inv, "localize_segments");
        if (s && s->status == FL_INV_STEP_FOUND)
            return (struct verdict){FL_FTA_TRUE, s->summary};
        return by_step(s, s ? s->summary : NULL);
    }
    case FL_CHECK_COMPONENT_CHANGED: {
        /* A cause whose change a dependency accounts for ("(inherited)" in its summary, as
         * src/rca/investigate.c words it) only passed the failure on: not a root here. */
        bool inherited = false;
        const char *inh_why = NULL;
        for (size_t i = 0; i < inv->n_causes; i++) {
            if (c->target && !same(inv->causes[i].component, c->target))
                continue;
            const char *sm = inv->causes[i].summary;
            if (sm && strstr(sm, "(inherited)")) {
                inherited = true;
                inh_why = sm;
                continue;
            }
            return (struct verdict){FL_FTA_TRUE, sm};
        }
        if (inherited && c->target)
            return (struct verdict){FL_FTA_FALSE, inh_why};
        const char *names[2] = {"rank_metrics", "trace_evidence"};
        bool any_ran = false;
        for (size_t k = 0; k < 2; k++) {
            const struct fl_inv_step *s = step_of(inv, names[k]);
            any_ran |= ran(s);
            for (size_t i = 0; s && i < s->n_evidence && !inherited; i++) {
                const struct fl_inv_evidence *e = &s->evidence[i];
                if (e->supports && (!c->target || same(e->component, c->target)))
                    return (struct verdict){FL_FTA_TRUE, e->text};
            }
        }
        if (any_ran)
            return (struct verdict){FL_FTA_FALSE, "its metrics and traces did not change"};
        return (struct verdict){FL_FTA_UNKNOWN, "neither metrics nor traces were examined"};
    }
    case FL_CHECK_EDGE_SHARE: {
        const struct fl_inv_step *s = step_of(inv, "trace_evidence");
        for (size_t i = 0; s && i < s->n_evidence; i++) {
            const struct fl_inv_evidence *e = &s->evidence[i];
            if (e->kind != FL_INV_EV_TRACE_KEY || !e->ref || strncmp(e->ref, "edge:", 5) != 0 ||
                !same(e->ref + 5, c->target))
                continue;
            bool yes = e->supports && isfinite(e->score) && e->score >= c->threshold;
            return (struct verdict){yes ? FL_FTA_TRUE : FL_FTA_FALSE, e->text};
        }
        return by_step(s, "the edge explains none of the latency change");
    }
    case FL_CHECK_DRIFT:
    case FL_CHECK_VALIDATION:
    case FL_CHECK_MODEL_CHANGE: {
        int kind = c->kind == FL_CHECK_DRIFT        ? FL_INV_EV_DRIFT
                   : c->kind == FL_CHECK_VALIDATION ? FL_INV_EV_VALIDATION
                                                    : FL_INV_EV_MODEL;
        const struct fl_inv_step *s = step_of(inv, "ml_evidence");
        const char *seen = NULL;
        for (size_t i = 0; s && i < s->n_evidence; i++) {
            const struct fl_inv_evidence *e = &s->evidence[i];
            if (e->kind != kind || !model_ref_matches(e->ref, c->target, kind == FL_INV_EV_DRIFT))
                continue;
            if (e->supports && !(c->kind == FL_CHECK_DRIFT && c->threshold > 0 &&
                                 !(isfinite(e->score) && e->score >= c->threshold)))
                return (struct verdict){FL_FTA_TRUE, e->text};
            seen = e->text;
        }
        return by_step(s, seen ? seen : "nothing of the kind in the windows");
    }
    case FL_CHECK_LATE_BATCH: {
        const struct fl_inv_step *s = step_of(inv, "ml_evidence");
        for (size_t i = 0; s && i < s->n_evidence; i++) {
            const struct fl_inv_evidence *e = &s->evidence[i];
            if (e->kind == FL_INV_EV_FRESHNESS &&
                (!c->target || same(e->ref, c->target) || same(e->component, c->target)))
                return (struct verdict){e->supports ? FL_FTA_TRUE : FL_FTA_FALSE, e->text};
        }
        return (struct verdict){FL_FTA_UNKNOWN, "no freshness check of the job was evaluated"};
    }
    case FL_CHECK_ALERT: {
        const struct fl_inv_step *s = step_of(inv, "change_events");
        for (size_t i = 0; s && i < s->n_evidence; i++) {
            const struct fl_inv_evidence *e = &s->evidence[i];
            /* change_events words an alert event "alert on C ... status firing: ..." */
            if (e->kind == FL_INV_EV_EVENT && starts_with_word(e->text, "alert") &&
                e->text && strstr(e->text, "status firing") &&
                (!c->target || same(e->component, c->target)))
                return (struct verdict){FL_FTA_TRUE, e->text};
        }
        return by_step(s, "no alert fired in the windows");
    }
    case FL_CHECK_CHANGE_EVENT: {
        const struct fl_inv_step *s = step_of(inv, "change_events");
        for (size_t i = 0; s && i < s->n_evidence; i++) {
            const struct fl_inv_evidence *e = &s->evidence[i];
            if (e->kind != FL_INV_EV_EVENT || (c->target && !same(e->component, c->target)))
                continue;
            if (c->event_kind) {
                size_t kl = strlen(c->event_kind);
                if (!e->text || strncmp(e->text, c->event_kind, kl) != 0 || e->text[kl] != ' ')
                    continue;
            }
            if (e->ts_ms == FL_TS_NONE || e->ts_ms > inv->onset_ms ||
                e->ts_ms < inv->onset_ms - c->within_ms)
                continue;
            return (struct verdict){FL_FTA_TRUE, e->text};
        }
        return by_step(s, "no such change event before the onset");
    }
    }
    return (struct verdict){FL_FTA_UNKNOWN, "unknown check"};
}

void fl_fta_live_free(struct fl_fta_live *l)
{
    if (!l)
        return;
    fl_free(l->values);
    fl_free(l->why);
    fl_free(l->satisfied);
    fl_fta_result_free(l->analysis);
    fl_free(l);
}

fl_err fl_fta_live_evaluate(const struct fl_fta_tree *t, const struct fl_fta_bindings *b,
                            const struct fl_investigation *inv, const struct fl_fta_opts *opts,
                            struct fl_fta_live **out, struct fl_diag *d)
{
    *out = NULL;
    if (!t || !t->checked)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "the fault tree is not checked");
    struct fl_fta_live *l = fl_calloc(1, sizeof *l);
    unsigned char *states = fl_malloc(t->n_events ? t->n_events : 1);
    fl_err e = FL_ENOMEM;
    if (!l || !states)
        goto fail;
    l->values = fl_calloc(t->n_events ? t->n_events : 1, 1);
    l->why = fl_calloc(t->n_events ? t->n_events : 1, sizeof *l->why);
    if (!l->values || !l->why)
        goto fail;
    memset(states, FL_FTA_UNKNOWN, t->n_events);
    for (size_t i = 0; i < b->n; i++) {
        struct verdict v = eval_check(&b->b[i].check, inv);
        if (b->b[i].event >= t->n_events)
            continue;
        states[b->b[i].event] = (unsigned char)v.value;
        l->why[b->b[i].event] = v.why;
        l->n_bound++;
        l->n_true += v.value == FL_FTA_TRUE;
        l->n_false += v.value == FL_FTA_FALSE;
        l->n_unknown += v.value == FL_FTA_UNKNOWN;
    }
    if ((e = fl_fta_evaluate(t, states, false, l->values)) != FL_OK) {
        fl_diag_set(d, e, 0, 0, "cannot evaluate the tree");
        goto fail_quiet;
    }
    struct fl_fta_opts o;
    if (!opts) {
        fl_fta_opts_default(&o);
        o.max_order = 4;
        opts = &o;
    }
    if ((e = fl_fta_analyze(t, opts, &l->analysis, d)) != FL_OK)
        goto fail_quiet;
    l->satisfied = fl_calloc(l->analysis->n_listed ? l->analysis->n_listed : 1,
                             sizeof *l->satisfied);
    if (!l->satisfied) {
        e = FL_ENOMEM;
        goto fail;
    }
    fl_fta_cut_sets_satisfied(l->analysis, l->values, l->satisfied);
    for (size_t i = 0; i < l->analysis->n_listed; i++)
        l->n_satisfied += l->satisfied[i];
    fl_free(states);
    *out = l;
    return FL_OK;
fail:
    fl_diag_set(d, e, 0, 0, "out of memory");
fail_quiet:
    fl_free(states);
    fl_fta_live_free(l);
    return e;
}
