/* SPDX-License-Identifier: Apache-2.0 */
/*
 * investigation.c: the JSON, Markdown and terminal renderings of an investigation (issue 5, item
 * 7). The JSON is the stored and served form; its schema (version FL_INV_SCHEMA_VERSION) is
 * documented field by field in docs/rca.md "Investigation output (schema version 1)". Change a
 * field there and here together, and bump the version for anything but an added field.
 *
 * Conventions of the JSON: every field is always present (null when unknown), times are RFC 3339
 * strings with a twin "<name>_ms" integer, numbers are printed to read back exactly, and a NaN or
 * infinite number is null (JSON has no NaN).
 *
 * The Markdown and the text follow the order a reader needs: the symptom and the verdict, the
 * ranked causes with their evidence, the refuted hypotheses, then every step with what it found,
 * including "nothing changed here". Text that came from data (labels, messages) is escaped for
 * Markdown and stripped of control characters for the terminal, so hostile label values cannot
 * restyle a report or move the cursor.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../core/record.h"
#include "../core/str.h"
#include "../core/time.h"
#include "../store/store.h"
#include "investigation.h"

/* ---- names (the schema's enumerations) ---- */

static const char *name_of(const char *const *names, size_t n, int v)
{
    return v >= 1 && (size_t)v <= n && names[v - 1] ? names[v - 1] : "unknown";
}

const char *fl_inv_report_status_name(int status)
{
    static const char *const names[] = {"found", "nothing", "skipped", "failed"};
    return name_of(names, sizeof names / sizeof names[0], status);
}

const char *fl_inv_report_kind_name(int kind)
{
    static const char *const names[] = {"series",   "segment",    "trace_key",
                                        "trace",    "event",      "drift",
                                        "validation", "freshness", "model"};
    return name_of(names, sizeof names / sizeof names[0], kind);
}

const char *fl_inv_report_verdict_name(int verdict)
{
    static const char *const names[] = {"causes", "no_symptom", "no_cause", "broken_metric"};
    return name_of(names, sizeof names / sizeof names[0], verdict);
}

const char *fl_inv_report_symptom_kind_name(int kind)
{
    static const char *const names[] = {"selector", "kpi", "latency"};
    return name_of(names, sizeof names / sizeof names[0], kind);
}

static const char *direction_name(int dir)
{
    return dir == 1 ? "up" : dir == 2 ? "down" : "default";
}

/* ---- JSON helpers ---- */

static void j_str(struct fl_buf *b, const char *s)
{
    if (s)
        fl_buf_put_json_str(b, s, strlen(s));
    else
        fl_buf_puts(b, "null");
}

/* A finite number read-back-exact; -0 prints as 0 (a signed zero means nothing in a report and
 * many JSON readers drop the sign); NaN and infinities as null. */
static void j_num(struct fl_buf *b, double v)
{
    if (v == 0)
        fl_buf_putc(b, '0');
    else if (isfinite(v))
        fl_buf_put_double(b, v);
    else
        fl_buf_puts(b, "null");
}

static void j_key(struct fl_buf *b, bool *first, const char *key)
{
    if (!*first)
        fl_buf_putc(b, ',');
    *first = false;
    fl_buf_put_json_str(b, key, strlen(key));
    fl_buf_putc(b, ':');
}

/* "key":"2025-11-25T14:06:00Z","key_ms":1764079560000, or both null. */
static void j_time(struct fl_buf *b, bool *first, const char *key, int64_t ts_ms)
{
    char t[48];
    j_key(b, first, key);
    if (ts_ms == FL_TS_NONE) {
        fl_buf_puts(b, "null");
    } else {
        fl_time_fmt_rfc3339_ms(ts_ms, t, sizeof t);
        j_str(b, t);
    }
    fl_buf_printf(b, ",\"%s_ms\":", key);
    if (ts_ms == FL_TS_NONE)
        fl_buf_puts(b, "null");
    else
        fl_buf_printf(b, "%lld", (long long)ts_ms);
}

/* {"start":..,"start_ms":..,"end":..,"end_ms":..}; a window of zeros (unset) is null. */
static void j_window(struct fl_buf *b, int64_t start_ms, int64_t end_ms, bool zero_is_null)
{
    bool first = true;
    if (zero_is_null && start_ms == 0 && end_ms == 0) {
        fl_buf_puts(b, "null");
        return;
    }
    fl_buf_putc(b, '{');
    j_time(b, &first, "start", start_ms);
    j_time(b, &first, "end", end_ms);
    fl_buf_putc(b, '}');
}

static void j_request(struct fl_buf *b, const struct fl_inv_request *r)
{
    bool first = true;
    fl_buf_putc(b, '{');
    j_key(b, &first, "kind");
    j_str(b, r->kind ? fl_inv_report_symptom_kind_name(r->kind) : NULL);
    j_key(b, &first, "selector");
    j_str(b, r->selector);
    j_key(b, &first, "kpi");
    j_str(b, r->kpi);
    j_key(b, &first, "service");
    j_str(b, r->service);
    j_key(b, &first, "operation");
    j_str(b, r->operation);
    j_key(b, &first, "percentile");
    j_num(b, r->kind == FL_INV_LATENCY ? r->percentile : NAN);
    j_key(b, &first, "direction");
    j_str(b, direction_name(r->direction));
    j_time(b, &first, "onset", r->onset_ms == 0 ? FL_TS_NONE : r->onset_ms);
    j_key(b, &first, "baseline");
    j_window(b, r->baseline_start_ms, r->baseline_end_ms, true);
    j_key(b, &first, "incident");
    j_window(b, r->incident_start_ms, r->incident_end_ms, true);
    j_key(b, &first, "title");
    j_str(b, r->title);
    j_key(b, &first, "source");
    j_str(b, r->source);
    fl_buf_putc(b, '}');
}

static void j_evidence(struct fl_buf *b, const struct fl_inv_evidence *ev)
{
    bool first = true;
    fl_buf_putc(b, '{');
    j_key(b, &first, "kind");
    j_str(b, fl_inv_report_kind_name(ev->kind));
    j_key(b, &first, "component");
    j_str(b, ev->component);
    j_key(b, &first, "ref");
    j_str(b, ev->ref);
    j_key(b, &first, "text");
    j_str(b, ev->text);
    j_key(b, &first, "baseline");
    j_num(b, ev->baseline);
    j_key(b, &first, "incident");
    j_num(b, ev->incident);
    j_key(b, &first, "score");
    j_num(b, ev->score);
    j_time(b, &first, "ts", ev->ts_ms);
    j_key(b, &first, "supports");
    fl_buf_puts(b, ev->supports ? "true" : "false");
    fl_buf_putc(b, '}');
}

static void j_step(struct fl_buf *b, const struct fl_inv_step *st)
{
    bool first = true;
    fl_buf_putc(b, '{');
    j_key(b, &first, "name");
    j_str(b, st->name);
    j_key(b, &first, "status");
    j_str(b, fl_inv_report_status_name(st->status));
    j_key(b, &first, "summary");
    j_str(b, st->summary);
    j_key(b, &first, "elapsed_ms");
    j_num(b, st->elapsed_ms);
    j_key(b, &first, "evidence");
    fl_buf_putc(b, '[');
    for (size_t i = 0; i < st->n_evidence && st->evidence; i++) {
        if (i)
            fl_buf_putc(b, ',');
        j_evidence(b, &st->evidence[i]);
    }
    fl_buf_puts(b, "]}");
}

/* The evidence a cause points at, or NULL when its reference is out of range. */
static const struct fl_inv_evidence *cause_evidence(const struct fl_investigation *inv,
                                                    const struct fl_inv_cause *c, size_t k)
{
    if (!c->evidence || !c->evidence_step)
        return NULL;
    size_t si = c->evidence_step[k], ei = c->evidence[k];
    if (!inv->steps || si >= inv->n_steps || !inv->steps[si].evidence ||
        ei >= inv->steps[si].n_evidence)
        return NULL;
    return &inv->steps[si].evidence[ei];
}

static void j_cause(struct fl_buf *b, const struct fl_investigation *inv,
                    const struct fl_inv_cause *c, size_t rank)
{
    bool first = true, firstev = true;
    fl_buf_putc(b, '{');
    j_key(b, &first, "rank");
    fl_buf_printf(b, "%zu", rank);
    j_key(b, &first, "component");
    j_str(b, c->component);
    j_key(b, &first, "component_kind");
    j_str(b, c->component_kind);
    j_key(b, &first, "score");
    j_num(b, c->score);
    j_key(b, &first, "fault_kind");
    j_str(b, c->fault_kind);
    j_key(b, &first, "fault_kind_evidence");
    j_str(b, c->fault_kind_why);
    j_key(b, &first, "summary");
    j_str(b, c->summary);
    j_key(b, &first, "evidence");
    fl_buf_putc(b, '[');
    for (size_t k = 0; k < c->n_evidence; k++) {
        if (!cause_evidence(inv, c, k))
            continue;
        if (!firstev)
            fl_buf_putc(b, ',');
        firstev = false;
        fl_buf_printf(b, "{\"step\":%zu,\"index\":%zu}", c->evidence_step[k], c->evidence[k]);
    }
    fl_buf_puts(b, "]}");
}

void fl_inv_json(const struct fl_investigation *inv, struct fl_buf *b)
{
    bool first = true;
    fl_buf_putc(b, '{');
    j_key(b, &first, "schema_version");
    fl_buf_printf(b, "%d", FL_INV_SCHEMA_VERSION);
    j_key(b, &first, "id");
    j_str(b, inv->id[0] ? inv->id : NULL);
    j_time(b, &first, "created", inv->created_ms);
    j_key(b, &first, "symptom");
    j_str(b, inv->symptom);
    j_key(b, &first, "request");
    j_request(b, &inv->req);
    j_time(b, &first, "onset", inv->onset_ms);
    j_key(b, &first, "onset_detected");
    fl_buf_puts(b, inv->onset_detected ? "true" : "false");
    j_key(b, &first, "windows");
    fl_buf_puts(b, "{\"baseline\":");
    j_window(b, inv->baseline_start_ms, inv->baseline_end_ms, false);
    fl_buf_puts(b, ",\"incident\":");
    j_window(b, inv->incident_start_ms, inv->incident_end_ms, false);
    fl_buf_putc(b, '}');
    j_key(b, &first, "verdict");
    j_str(b, fl_inv_report_verdict_name(inv->verdict));
    j_key(b, &first, "verdict_text");
    j_str(b, inv->verdict_text);
    j_key(b, &first, "steps");
    fl_buf_putc(b, '[');
    for (size_t i = 0; i < inv->n_steps && inv->steps; i++) {
        if (i)
            fl_buf_putc(b, ',');
        j_step(b, &inv->steps[i]);
    }
    fl_buf_putc(b, ']');
    j_key(b, &first, "causes");
    fl_buf_putc(b, '[');
    for (size_t i = 0; i < inv->n_causes && inv->causes; i++) {
        if (i)
            fl_buf_putc(b, ',');
        j_cause(b, inv, &inv->causes[i], i + 1);
    }
    fl_buf_putc(b, ']');
    j_key(b, &first, "refuted");
    fl_buf_putc(b, '[');
    for (size_t i = 0; i < inv->n_refuted && inv->refuted; i++) {
        bool f2 = true;
        if (i)
            fl_buf_putc(b, ',');
        fl_buf_putc(b, '{');
        j_key(b, &f2, "hypothesis");
        j_str(b, inv->refuted[i].hypothesis);
        j_key(b, &f2, "text");
        j_str(b, inv->refuted[i].text);
        j_key(b, &f2, "component");
        j_str(b, inv->refuted[i].component);
        fl_buf_putc(b, '}');
    }
    fl_buf_putc(b, ']');
    j_key(b, &first, "elapsed_ms");
    j_num(b, inv->elapsed_ms);
    fl_buf_putc(b, '}');
}

/* ---- text helpers shared by Markdown and the terminal ---- */

enum esc { ESC_TEXT, ESC_MD, ESC_MD_CODE };

/* Append s on one line: control characters become spaces; Markdown's specials are escaped
 * (ESC_MD; not '>', which quotes only at the start of a line, and every line here starts with
 * our own text), or backticks replaced inside a code span (ESC_MD_CODE). NULL appends dflt. */
static void put_esc(struct fl_buf *b, const char *s, enum esc how, const char *dflt)
{
    if (!s) {
        fl_buf_puts(b, dflt);
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c < 0x20 || c == 0x7f)
            fl_buf_putc(b, ' ');
        else if (how == ESC_MD && strchr("\\`*_[]<|#~", c)) {
            fl_buf_putc(b, '\\');
            fl_buf_putc(b, (char)c);
        } else if (how == ESC_MD_CODE && c == '`')
            fl_buf_putc(b, '\'');
        else
            fl_buf_putc(b, (char)c);
    }
}

static void put_num(struct fl_buf *b, double v)
{
    if (v == 0)
        fl_buf_putc(b, '0');
    else if (isfinite(v))
        fl_buf_printf(b, "%.4g", v);
    else
        fl_buf_putc(b, '-');
}

static void put_time(struct fl_buf *b, int64_t ts_ms)
{
    char t[48];
    if (ts_ms == FL_TS_NONE) {
        fl_buf_putc(b, '-');
        return;
    }
    fl_time_fmt_rfc3339_ms(ts_ms, t, sizeof t);
    fl_buf_puts(b, t);
}

static void put_window(struct fl_buf *b, int64_t s, int64_t e)
{
    put_time(b, s);
    fl_buf_puts(b, " .. ");
    put_time(b, e);
}

/* The numbers of an evidence item in parentheses, or nothing when it has none. */
static void put_ev_numbers(struct fl_buf *b, const struct fl_inv_evidence *ev)
{
    bool any = isfinite(ev->baseline) || isfinite(ev->incident) || isfinite(ev->score);
    if (!any)
        return;
    fl_buf_puts(b, " (");
    if (isfinite(ev->baseline) || isfinite(ev->incident)) {
        put_num(b, ev->baseline);
        fl_buf_puts(b, " -> ");
        put_num(b, ev->incident);
        if (isfinite(ev->score))
            fl_buf_puts(b, ", ");
    }
    if (isfinite(ev->score)) {
        fl_buf_puts(b, "score ");
        put_num(b, ev->score);
    }
    fl_buf_putc(b, ')');
}

/* One evidence line's body (after the bullet): [kind] component: text (numbers) ref at time. */
static void put_evidence(struct fl_buf *b, const struct fl_inv_evidence *ev, bool md)
{
    fl_buf_printf(b, "%s[%s] ", ev->supports ? "" : "(unchanged) ",
                  fl_inv_report_kind_name(ev->kind));
    if (ev->component) {
        if (md)
            fl_buf_puts(b, "**");
        put_esc(b, ev->component, md ? ESC_MD : ESC_TEXT, "");
        fl_buf_puts(b, md ? "**: " : ": ");
    }
    put_esc(b, ev->text, md ? ESC_MD : ESC_TEXT, "-");
    put_ev_numbers(b, ev);
    if (ev->ref) {
        fl_buf_puts(b, md ? " `" : " [");
        put_esc(b, ev->ref, md ? ESC_MD_CODE : ESC_TEXT, "");
        fl_buf_puts(b, md ? "`" : "]");
    }
    if (ev->ts_ms != FL_TS_NONE) {
        fl_buf_puts(b, " at ");
        put_time(b, ev->ts_ms);
    }
    fl_buf_putc(b, '\n');
}

static const char *status_word(int status)
{
    switch (status) {
    case FL_INV_STEP_FOUND:
        return "FOUND";
    case FL_INV_STEP_NOTHING:
        return "nothing changed here";
    case FL_INV_STEP_SKIPPED:
        return "skipped";
    case FL_INV_STEP_FAILED:
        return "FAILED";
    default:
        return "unknown";
    }
}

/* ---- Markdown ---- */

static void md_header(struct fl_buf *b, const struct fl_investigation *inv)
{
    const char *title = inv->req.title;
    fl_buf_puts(b, "## Investigation: ");
    put_esc(b, title && *title ? title : inv->symptom, ESC_MD, "(no symptom)");
    fl_buf_puts(b, "\n\n- **Symptom:** `");
    put_esc(b, inv->symptom, ESC_MD_CODE, "-");
    fl_buf_puts(b, "`\n- **Verdict:** ");
    fl_buf_printf(b, "**%s**", fl_inv_report_verdict_name(inv->verdict));
    if (inv->verdict_text) {
        fl_buf_puts(b, ": ");
        put_esc(b, inv->verdict_text, ESC_MD, "");
    }
    fl_buf_puts(b, "\n- **Onset:** ");
    put_time(b, inv->onset_ms);
    fl_buf_puts(b, inv->onset_detected ? " (detected by change-point detection)" : " (given)");
    fl_buf_puts(b, "\n- **Baseline:** ");
    put_window(b, inv->baseline_start_ms, inv->baseline_end_ms);
    fl_buf_puts(b, "\n- **Incident:** ");
    put_window(b, inv->incident_start_ms, inv->incident_end_ms);
    fl_buf_puts(b, "\n- **Id:** `");
    put_esc(b, inv->id[0] ? inv->id : "-", ESC_MD_CODE, "-");
    fl_buf_puts(b, "`, created ");
    put_time(b, inv->created_ms);
    fl_buf_puts(b, ", took ");
    put_num(b, inv->elapsed_ms);
    fl_buf_puts(b, " ms\n\n");
}

static void md_causes(struct fl_buf *b, const struct fl_investigation *inv)
{
    fl_buf_puts(b, "### Ranked causes\n\n");
    if (inv->n_causes == 0 || !inv->causes) {
        fl_buf_puts(b, "No culprit is named: the evidence does not single out a component.\n\n");
        return;
    }
    for (size_t i = 0; i < inv->n_causes; i++) {
        const struct fl_inv_cause *c = &inv->causes[i];
        fl_buf_printf(b, "%zu. **", i + 1);
        put_esc(b, c->component, ESC_MD, "(unnamed)");
        fl_buf_puts(b, "**");
        if (c->component_kind) {
            fl_buf_puts(b, " (");
            put_esc(b, c->component_kind, ESC_MD, "");
            fl_buf_putc(b, ')');
        }
        fl_buf_puts(b, ", score ");
        put_num(b, c->score);
        if (c->fault_kind) {
            fl_buf_puts(b, ", fault kind *");
            put_esc(b, c->fault_kind, ESC_MD, "");
            fl_buf_putc(b, '*');
        }
        if (c->summary) {
            fl_buf_puts(b, ": ");
            put_esc(b, c->summary, ESC_MD, "");
        }
        fl_buf_putc(b, '\n');
        for (size_t k = 0; k < c->n_evidence; k++) {
            const struct fl_inv_evidence *ev = cause_evidence(inv, c, k);
            if (!ev)
                continue;
            fl_buf_puts(b, "   - ");
            put_evidence(b, ev, true);
        }
    }
    fl_buf_putc(b, '\n');
}

static void md_refuted(struct fl_buf *b, const struct fl_investigation *inv)
{
    fl_buf_puts(b, "### Refuted hypotheses\n\n");
    if (inv->n_refuted == 0 || !inv->refuted) {
        fl_buf_puts(b, "None recorded.\n\n");
        return;
    }
    for (size_t i = 0; i < inv->n_refuted; i++) {
        const struct fl_inv_refuted *r = &inv->refuted[i];
        fl_buf_puts(b, "- ");
        put_esc(b, r->hypothesis, ESC_MD, "-");
        fl_buf_puts(b, ": ");
        put_esc(b, r->text, ESC_MD, "-");
        fl_buf_putc(b, '\n');
    }
    fl_buf_putc(b, '\n');
}

void fl_inv_markdown(const struct fl_investigation *inv, struct fl_buf *b)
{
    md_header(b, inv);
    md_causes(b, inv);
    md_refuted(b, inv);
    fl_buf_puts(b, "### Steps\n\n");
    for (size_t i = 0; i < inv->n_steps && inv->steps; i++) {
        const struct fl_inv_step *st = &inv->steps[i];
        fl_buf_printf(b, "#### %zu. `", i + 1);
        put_esc(b, st->name, ESC_MD_CODE, "(unnamed)");
        fl_buf_printf(b, "`: %s (", status_word(st->status));
        put_num(b, st->elapsed_ms);
        fl_buf_puts(b, " ms)\n\n");
        put_esc(b, st->summary, ESC_MD, "-");
        fl_buf_puts(b, "\n\n");
        for (size_t k = 0; k < st->n_evidence && st->evidence; k++) {
            fl_buf_puts(b, "- ");
            put_evidence(b, &st->evidence[k], true);
        }
        if (st->n_evidence)
            fl_buf_putc(b, '\n');
    }
    fl_buf_printf(b, "_faultline investigation, schema version %d._\n", FL_INV_SCHEMA_VERSION);
}

/* ---- terminal ---- */

void fl_inv_text(const struct fl_investigation *inv, struct fl_buf *b)
{
    fl_buf_puts(b, "Investigation ");
    put_esc(b, inv->id[0] ? inv->id : "-", ESC_TEXT, "-");
    fl_buf_puts(b, "  (created ");
    put_time(b, inv->created_ms);
    fl_buf_puts(b, ", took ");
    put_num(b, inv->elapsed_ms);
    fl_buf_puts(b, " ms)\n");
    if (inv->req.title && *inv->req.title) {
        fl_buf_puts(b, "  title:    ");
        put_esc(b, inv->req.title, ESC_TEXT, "");
        fl_buf_putc(b, '\n');
    }
    fl_buf_puts(b, "  symptom:  ");
    put_esc(b, inv->symptom, ESC_TEXT, "-");
    fl_buf_puts(b, "\n  onset:    ");
    put_time(b, inv->onset_ms);
    fl_buf_puts(b, inv->onset_detected ? " (detected)" : " (given)");
    fl_buf_puts(b, "\n  baseline: ");
    put_window(b, inv->baseline_start_ms, inv->baseline_end_ms);
    fl_buf_puts(b, "\n  incident: ");
    put_window(b, inv->incident_start_ms, inv->incident_end_ms);
    fl_buf_printf(b, "\n\nVERDICT: %s", fl_inv_report_verdict_name(inv->verdict));
    if (inv->verdict_text) {
        fl_buf_puts(b, ": ");
        put_esc(b, inv->verdict_text, ESC_TEXT, "");
    }
    fl_buf_puts(b, "\n\nRanked causes:\n");
    if (inv->n_causes == 0 || !inv->causes)
        fl_buf_puts(b, "  (none named)\n");
    for (size_t i = 0; i < inv->n_causes && inv->causes; i++) {
        const struct fl_inv_cause *c = &inv->causes[i];
        fl_buf_printf(b, "  %2zu. ", i + 1);
        put_esc(b, c->component, ESC_TEXT, "(unnamed)");
        if (c->component_kind) {
            fl_buf_puts(b, " (");
            put_esc(b, c->component_kind, ESC_TEXT, "");
            fl_buf_putc(b, ')');
        }
        fl_buf_puts(b, "  score ");
        put_num(b, c->score);
        if (c->fault_kind) {
            fl_buf_puts(b, "  fault kind ");
            put_esc(b, c->fault_kind, ESC_TEXT, "");
        }
        if (c->summary) {
            fl_buf_puts(b, "\n      ");
            put_esc(b, c->summary, ESC_TEXT, "");
        }
        fl_buf_putc(b, '\n');
        for (size_t k = 0; k < c->n_evidence; k++) {
            const struct fl_inv_evidence *ev = cause_evidence(inv, c, k);
            if (!ev)
                continue;
            fl_buf_puts(b, "        - ");
            put_evidence(b, ev, false);
        }
    }
    fl_buf_puts(b, "\nRefuted hypotheses:\n");
    if (inv->n_refuted == 0 || !inv->refuted)
        fl_buf_puts(b, "  (none recorded)\n");
    for (size_t i = 0; i < inv->n_refuted && inv->refuted; i++) {
        fl_buf_puts(b, "  - ");
        put_esc(b, inv->refuted[i].hypothesis, ESC_TEXT, "-");
        fl_buf_puts(b, ": ");
        put_esc(b, inv->refuted[i].text, ESC_TEXT, "-");
        fl_buf_putc(b, '\n');
    }
    fl_buf_puts(b, "\nSteps:\n");
    for (size_t i = 0; i < inv->n_steps && inv->steps; i++) {
        const struct fl_inv_step *st = &inv->steps[i];
        fl_buf_printf(b, "  %zu. ", i + 1);
        put_esc(b, st->name, ESC_TEXT, "(unnamed)");
        fl_buf_printf(b, " [%s, ", status_word(st->status));
        put_num(b, st->elapsed_ms);
        fl_buf_puts(b, " ms]\n     ");
        put_esc(b, st->summary, ESC_TEXT, "-");
        fl_buf_putc(b, '\n');
        for (size_t k = 0; k < st->n_evidence && st->evidence; k++) {
            fl_buf_puts(b, "     - ");
            put_evidence(b, &st->evidence[k], false);
        }
    }
}

/* ---- ids and storing ---- */

#define SAVE_ATTEMPTS 8

void fl_inv_assign_id(struct fl_investigation *inv)
{
    static atomic_uint_fast64_t counter;
    uint64_t n = atomic_fetch_add(&counter, 1);
    int64_t pid = (int64_t)getpid();
    const char *sym = inv->symptom ? inv->symptom : "";
    uint64_t h = fl_hash_bytes(sym, strlen(sym), 0x6661756c746c696eULL);
    h = fl_hash_bytes(&inv->created_ms, sizeof inv->created_ms, h);
    h = fl_hash_bytes(&pid, sizeof pid, h);
    h = fl_hash_bytes(&n, sizeof n, h);
    snprintf(inv->id, sizeof inv->id, "inv_%016llx", (unsigned long long)h);
}

fl_err fl_inv_save(struct fl_store *s, struct fl_investigation *inv, struct fl_buf *json,
                   struct fl_diag *d)
{
    fl_err e = FL_ECONFLICT;
    for (int i = 0; i < SAVE_ATTEMPTS && e == FL_ECONFLICT; i++) {
        struct fl_diag tmp;
        fl_diag_init(&tmp);
        fl_inv_assign_id(inv);
        fl_buf_reset(json);
        fl_inv_json(inv, json);
        if ((e = fl_buf_err(json)) != FL_OK)
            return fl_diag_set(d, e, 0, 0, "investigation JSON: %s", fl_err_str(e));
        struct fl_store_investigation row = {
            .id = inv->id,
            .created_ms = inv->created_ms,
            .symptom = inv->symptom && *inv->symptom ? inv->symptom : "(unknown)",
            .verdict = fl_inv_report_verdict_name(inv->verdict),
            .source = inv->req.source,
            .title = inv->req.title,
            .json = json->data,
        };
        e = fl_store_investigation_put(s, &row, &tmp);
        if (e != FL_OK && e != FL_ECONFLICT)
            return fl_diag_set(d, e, 0, 0, "%s", tmp.msg);
    }
    if (e == FL_ECONFLICT)
        return fl_diag_set(d, e, 0, 0, "could not find a free investigation id");
    return FL_OK;
}
