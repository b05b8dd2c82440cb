/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live_tree.c: an evaluated fault tree as text, JSON, Markdown or SVG (live_tree.h).
 */
#include "live_tree.h"

#include <stdbool.h>
#include <string.h>

#include "../fta/fta.h"
#include "../fta/live.h"
#include "../rca/investigate.h"
#include "diagram.h"

#define LIST_MAX 20 /* cut sets listed in text and Markdown */

bool fl_live_tree_format_parse(const char *s, enum fl_live_tree_format *out)
{
    static const struct {
        const char *name;
        enum fl_live_tree_format f;
    } f[] = {{"text", FL_LIVE_TREE_TEXT},
             {"json", FL_LIVE_TREE_JSON},
             {"markdown", FL_LIVE_TREE_MARKDOWN},
             {"svg", FL_LIVE_TREE_SVG}};
    for (size_t i = 0; s && i < sizeof f / sizeof *f; i++)
        if (!strcmp(s, f[i].name)) {
            *out = f[i].f;
            return true;
        }
    return false;
}

static const char *vname(int v)
{
    return v == FL_FTA_TRUE ? "true" : v == FL_FTA_FALSE ? "false" : "unknown";
}

static const struct fl_fta_check *check_of(const struct fl_fta_bindings *b, size_t ev)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->b[i].event == ev)
            return &b->b[i].check;
    return NULL;
}

static void js(struct fl_buf *o, const char *s)
{
    if (!s)
        fl_buf_puts(o, "null");
    else
        fl_buf_put_json_str(o, s, strlen(s));
}

/* Markdown table cells: no pipes or newlines. */
static void md(struct fl_buf *o, const char *s)
{
    for (const char *p = s ? s : "-"; *p; p++)
        fl_buf_putc(o, *p == '|' ? '/' : (*p == '\n' || *p == '\r') ? ' ' : *p);
}

static void cut_set_names(struct fl_buf *o, const struct fl_fta_tree *t,
                          const struct fl_fta_cut_set *cs, const char *sep)
{
    for (size_t k = 0; k < cs->n; k++) {
        if (k)
            fl_buf_puts(o, sep);
        fl_buf_puts(o, t->events[cs->events[k]].name);
    }
}

static void render_text(const struct fl_fta_tree *t, const struct fl_fta_bindings *b,
                        const struct fl_fta_live *l, struct fl_buf *o)
{
    const struct fl_fta_event *top = &t->events[t->top];
    fl_buf_printf(o, "Fault tree: %s\n  top event %s (%s): %s\n", t->name ? t->name : "-",
                  top->name, top->label ? top->label : "-", vname(l->values[t->top]));
    fl_buf_printf(o, "  %zu bound basic events: %zu true, %zu false, %zu unknown\n", l->n_bound,
                  l->n_true, l->n_false, l->n_unknown);
    fl_buf_puts(o, "\nTrue gates:\n");
    for (size_t i = 0; i < t->n_events; i++)
        if (t->events[i].kind == FL_FTA_GATE && l->values[i] == FL_FTA_TRUE)
            fl_buf_printf(o, "  - %s (%s): %s\n", t->events[i].name,
                          fl_fta_gate_type_name(t->events[i].type),
                          t->events[i].label ? t->events[i].label : "-");
    fl_buf_puts(o, "\nBasic events:\n");
    static const int passes[2] = {FL_FTA_TRUE, FL_FTA_FALSE};
    for (size_t pi = 0; pi < 2; pi++) {
        int pass = passes[pi];
        for (size_t i = 0; i < t->n_events; i++) {
            if (t->events[i].kind != FL_FTA_BASIC || l->values[i] != (unsigned char)pass)
                continue;
            const struct fl_fta_check *c = check_of(b, i);
            struct fl_buf cb;
            fl_buf_init(&cb, 1024);
            if (c)
                fl_fta_check_format(c, &cb);
            fl_buf_printf(o, "  [%s] %s  (%s)%s%s\n", vname(pass), t->events[i].name,
                          cb.data ? cb.data : "unbound", l->why[i] ? ": " : "",
                          l->why[i] ? l->why[i] : "");
            fl_buf_cleanup(&cb);
        }
    }
    size_t n_unknown = 0;
    for (size_t i = 0; i < t->n_events; i++)
        n_unknown += t->events[i].kind == FL_FTA_BASIC && l->values[i] == FL_FTA_UNKNOWN;
    if (n_unknown)
        fl_buf_printf(o, "  (%zu unknown: no check bound, or the step that would tell was skipped)\n",
                      n_unknown);
    fl_buf_printf(o, "\nMinimal cut sets satisfied by the evidence: %zu of %zu listed\n",
                  l->n_satisfied, l->analysis->n_listed);
    size_t shown = 0;
    for (size_t i = 0; i < l->analysis->n_listed && shown < LIST_MAX; i++) {
        if (!l->satisfied[i])
            continue;
        fl_buf_puts(o, "  - {");
        cut_set_names(o, t, &l->analysis->cut_sets[i], ", ");
        fl_buf_puts(o, "}\n");
        shown++;
    }
}

static void render_json(const struct fl_fta_tree *t, const struct fl_fta_bindings *b,
                        const struct fl_fta_live *l, struct fl_buf *o)
{
    fl_buf_puts(o, "{\"schema\":\"faultline.fta_live/1\",\"tree\":");
    js(o, t->name);
    fl_buf_puts(o, ",\"top\":");
    js(o, t->events[t->top].name);
    fl_buf_printf(o, ",\"top_value\":\"%s\",\"bound\":%zu,\"true\":%zu,\"false\":%zu,"
                     "\"unknown\":%zu,\"events\":[",
                  vname(l->values[t->top]), l->n_bound, l->n_true, l->n_false, l->n_unknown);
    for (size_t i = 0; i < t->n_events; i++) {
        const struct fl_fta_event *e = &t->events[i];
        fl_buf_puts(o, i ? ",{\"name\":" : "{\"name\":");
        js(o, e->name);
        fl_buf_puts(o, ",\"label\":");
        js(o, e->label);
        fl_buf_printf(o, ",\"kind\":\"%s\"",
                      e->kind == FL_FTA_GATE ? fl_fta_gate_type_name(e->type)
                      : e->kind == FL_FTA_HOUSE ? "house"
                                                : "basic");
        fl_buf_printf(o, ",\"value\":\"%s\",\"check\":", vname(l->values[i]));
        const struct fl_fta_check *c = check_of(b, i);
        if (c) {
            struct fl_buf cb;
            fl_buf_init(&cb, 1024);
            fl_fta_check_format(c, &cb);
            js(o, cb.data);
            fl_buf_cleanup(&cb);
        } else {
            fl_buf_puts(o, "null");
        }
        fl_buf_puts(o, ",\"evidence\":");
        js(o, l->why[i]);
        fl_buf_puts(o, ",\"inputs\":[");
        for (size_t k = 0; e->kind == FL_FTA_GATE && k < e->n_args; k++) {
            if (k)
                fl_buf_putc(o, ',');
            js(o, t->events[e->args[k]].name);
        }
        fl_buf_puts(o, "]}");
    }
    fl_buf_printf(o, "],\"cut_sets_listed\":%zu,\"cut_sets_satisfied\":%zu,\"cut_sets\":[",
                  l->analysis->n_listed, l->n_satisfied);
    for (size_t i = 0; i < l->analysis->n_listed; i++) {
        fl_buf_puts(o, i ? ",{\"events\":[" : "{\"events\":[");
        const struct fl_fta_cut_set *cs = &l->analysis->cut_sets[i];
        for (size_t k = 0; k < cs->n; k++) {
            if (k)
                fl_buf_putc(o, ',');
            js(o, t->events[cs->events[k]].name);
        }
        fl_buf_printf(o, "],\"satisfied\":%s}", l->satisfied[i] ? "true" : "false");
    }
    fl_buf_puts(o, "]}\n");
}

static void render_markdown(const struct fl_fta_tree *t, const struct fl_fta_live *l,
                            struct fl_buf *o)
{
    const struct fl_fta_event *top = &t->events[t->top];
    fl_buf_printf(o, "Fault tree **%s**: top event *", t->name ? t->name : "-");
    md(o, top->label ? top->label : top->name);
    fl_buf_printf(o, "* is **%s** on the evidence (%zu of %zu bound basic events true, %zu "
                     "unknown).\n\n",
                  vname(l->values[t->top]), l->n_true, l->n_bound, l->n_unknown);
    if (l->n_satisfied) {
        fl_buf_puts(o, "Combinations of causes (minimal cut sets) that the evidence satisfies:\n\n");
        size_t shown = 0;
        for (size_t i = 0; i < l->analysis->n_listed && shown < LIST_MAX; i++) {
            if (!l->satisfied[i])
                continue;
            fl_buf_puts(o, "- ");
            const struct fl_fta_cut_set *cs = &l->analysis->cut_sets[i];
            for (size_t k = 0; k < cs->n; k++) {
                const struct fl_fta_event *e = &t->events[cs->events[k]];
                fl_buf_puts(o, k ? " **and** " : "");
                md(o, e->label ? e->label : e->name);
            }
            fl_buf_putc(o, '\n');
            shown++;
        }
        fl_buf_putc(o, '\n');
    } else {
        fl_buf_puts(o, "No minimal cut set is satisfied by the evidence alone: the events marked "
                       "unknown below need a person to confirm.\n\n");
    }
    fl_buf_puts(o, "| basic event | value | evidence |\n|---|---|---|\n");
    for (size_t i = 0; i < t->n_events; i++) {
        const struct fl_fta_event *e = &t->events[i];
        if (e->kind != FL_FTA_BASIC || l->values[i] == FL_FTA_FALSE)
            continue;
        fl_buf_puts(o, "| ");
        md(o, e->label ? e->label : e->name);
        fl_buf_printf(o, " | %s | ", vname(l->values[i]));
        md(o, l->why[i]);
        fl_buf_puts(o, " |\n");
    }
    fl_buf_puts(o, "\n(Events shown false by the evidence are left out of the table.)\n");
}

fl_err fl_live_tree_report(const struct fl_config *cfg, const struct fl_investigation *inv,
                           const struct fl_fta_tree *tree, const struct fl_fta_bindings *b,
                           enum fl_live_tree_format format, struct fl_buf *out,
                           struct fl_diag *d)
{
    struct fl_fta_tree *own = NULL;
    struct fl_fta_bindings ob;
    struct fl_fta_live *l = NULL;
    fl_fta_bindings_init(&ob);
    fl_err e = FL_OK;
    if (!tree) {
        if ((e = fl_fta_default_tree(cfg, inv, &own, &ob, d)) != FL_OK)
            return e;
        tree = own;
        b = &ob;
    }
    if ((e = fl_fta_live_evaluate(tree, b, inv, NULL, &l, d)) != FL_OK)
        goto out;
    switch (format) {
    case FL_LIVE_TREE_TEXT:
        render_text(tree, b, l, out);
        break;
    case FL_LIVE_TREE_JSON:
        render_json(tree, b, l, out);
        break;
    case FL_LIVE_TREE_MARKDOWN:
        render_markdown(tree, l, out);
        break;
    case FL_LIVE_TREE_SVG:
        e = fl_diagram_fault_tree(tree, l->values, out, d);
        break;
    }
    if (e == FL_OK)
        e = fl_buf_err(out);
out:
    fl_fta_live_free(l);
    fl_fta_bindings_cleanup(&ob);
    fl_fta_tree_free(own);
    return e;
}
