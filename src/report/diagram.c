/* SPDX-License-Identifier: Apache-2.0 */
/*
 * diagram.c: SVG of fault trees and dependency graphs, laid out by Graphviz's dot (libgvc) and
 * drawn here with the standard fault-tree symbols (diagram.h).
 */
#include "diagram.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "../fta/fta.h"
#include "../trace/trace.h"

static pthread_mutex_t gv_mu = PTHREAD_MUTEX_INITIALIZER;
static GVC_t *gv_ctx; /* created once, kept for the process (plugin loading costs milliseconds) */

/* Fault-tree node geometry, points. */
#define FT_W 150.0
#define FT_BOX_H 38.0
#define FT_SYM 40.0
#define FT_H (FT_BOX_H + FT_SYM + 8.0)
#define MARGIN 12.0

/* ---- SVG text ---- */

/* XML-escaped, at most max characters (UTF-8 continuation bytes do not count; an ellipsis marks
 * the cut). */
static void esc(struct fl_buf *b, const char *s, size_t max)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if ((*p & 0xC0) != 0x80 && ++chars > max) {
            fl_buf_puts(b, "\xE2\x80\xA6");
            return;
        }
        switch (*p) {
        case '&': fl_buf_puts(b, "&amp;"); break;
        case '<': fl_buf_puts(b, "&lt;"); break;
        case '>': fl_buf_puts(b, "&gt;"); break;
        case '"': fl_buf_puts(b, "&quot;"); break;
        case '\'': fl_buf_puts(b, "&#39;"); break;
        default:
            if (*p < 0x20)
                fl_buf_putc(b, ' ');
            else
                fl_buf_putc(b, (char)*p);
        }
    }
}

struct style {
    const char *stroke, *fill, *text;
    double width;
};

static struct style value_style(int v)
{
    if (v == FL_FTA_TRUE)
        return (struct style){"#c0392b", "#fdecea", "#7b1d13", 2.5};
    if (v == FL_FTA_FALSE)
        return (struct style){"#9a9a9a", "#f2f2f2", "#8a8a8a", 1.0};
    return (struct style){"#333333", "#ffffff", "#111111", 1.2};
}

static void style_attrs(struct fl_buf *b, const struct style *st, bool filled)
{
    fl_buf_printf(b, " stroke=\"%s\" stroke-width=\"%.1f\" fill=\"%s\"", st->stroke, st->width,
                  filled ? st->fill : "none");
}

/* ---- Graphviz ---- */

static fl_err gv_begin(struct fl_diag *d)
{
    pthread_mutex_lock(&gv_mu);
    if (!gv_ctx)
        gv_ctx = gvContext();
    if (!gv_ctx) {
        pthread_mutex_unlock(&gv_mu);
        return fl_diag_set(d, FL_EIO, 0, 0, "graphviz: cannot create a context");
    }
    return FL_OK;
}

static void gv_end(void)
{
    pthread_mutex_unlock(&gv_mu);
}

static Agnode_t *gv_node(Agraph_t *g, const char *name, double w_pt, double h_pt)
{
    Agnode_t *n = agnode(g, (char *)name, 1);
    if (!n)
        return NULL;
    char w[32], h[32];
    snprintf(w, sizeof w, "%.3f", w_pt / 72.0);
    snprintf(h, sizeof h, "%.3f", h_pt / 72.0);
    agsafeset(n, "shape", "box", "");
    agsafeset(n, "fixedsize", "true", "");
    agsafeset(n, "width", w, "");
    agsafeset(n, "height", h, "");
    agsafeset(n, "label", "", "");
    return n;
}

static Agraph_t *gv_graph(const char *ranksep, const char *nodesep)
{
    Agraph_t *g = agopen("g", Agdirected, NULL);
    if (!g)
        return NULL;
    agsafeset(g, "rankdir", "TB", "");
    agsafeset(g, "ranksep", (char *)ranksep, "");
    agsafeset(g, "nodesep", (char *)nodesep, "");
    agsafeset(g, "splines", "true", "");
    return g;
}

/* SVG coordinates of a node's centre. */
static void centre(Agraph_t *g, Agnode_t *n, double *x, double *y)
{
    boxf bb = GD_bb(g);
    *x = ND_coord(n).x - bb.LL.x + MARGIN;
    *y = bb.UR.y - ND_coord(n).y + MARGIN;
}

static void svg_open(struct fl_buf *b, Agraph_t *g, double extra_h, const char *title)
{
    boxf bb = GD_bb(g);
    double w = bb.UR.x - bb.LL.x + 2 * MARGIN, h = bb.UR.y - bb.LL.y + 2 * MARGIN + extra_h;
    fl_buf_printf(b,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                  "viewBox=\"0 0 %.0f %.0f\" font-family=\"Helvetica, Arial, sans-serif\" "
                  "role=\"img\"><title>",
                  w, h, w, h);
    esc(b, title, 200);
    fl_buf_puts(b, "</title>\n");
}

/* ---- fault trees ---- */

/* The gate or leaf symbol centred at (x, y) (its box is FT_SYM tall). */
static void symbol(struct fl_buf *b, const struct fl_fta_event *e, double x, double y,
                   const struct style *st)
{
    double r = FT_SYM / 2 - 4;
    if (e->kind == FL_FTA_BASIC) {
        fl_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"", x, y, r - 2);
        style_attrs(b, st, true);
        fl_buf_puts(b, "/>\n");
        return;
    }
    if (e->kind == FL_FTA_HOUSE) {
        fl_buf_printf(b,
                      "<path d=\"M%.1f,%.1f L%.1f,%.1f L%.1f,%.1f L%.1f,%.1f L%.1f,%.1f Z\"",
                      x - r, y + r, x - r, y - r / 3, x, y - r, x + r, y - r / 3, x + r, y + r);
        style_attrs(b, st, true);
        fl_buf_puts(b, "/>\n");
        return;
    }
    bool neg = e->type == FL_FTA_NAND || e->type == FL_FTA_NOR;
    switch (e->type) {
    case FL_FTA_AND:
    case FL_FTA_NAND:
        fl_buf_printf(b,
                      "<path d=\"M%.1f,%.1f L%.1f,%.1f A%.1f,%.1f 0 0 1 %.1f,%.1f L%.1f,%.1f Z\"",
                      x - r, y + r, x - r, y, r, r, x + r, y, x + r, y + r);
        break;
    case FL_FTA_INHIBIT:
        fl_buf_printf(b,
                      "<path d=\"M%.1f,%.1f L%.1f,%.1f L%.1f,%.1f L%.1f,%.1f L%.1f,%.1f "
                      "L%.1f,%.1f Z\"",
                      x - r / 2, y - r, x + r / 2, y - r, x + r, y, x + r / 2, y + r, x - r / 2,
                      y + r, x - r, y);
        break;
    case FL_FTA_NOT:
        fl_buf_printf(b, "<path d=\"M%.1f,%.1f L%.1f,%.1f L%.1f,%.1f Z\"", x - r, y + r, x,
                      y - r + 6, x + r, y + r);
        break;
    case FL_FTA_NULL:
        fl_buf_printf(b, "<path d=\"M%.1f,%.1f L%.1f,%.1f\"", x, y - r, x, y + r);
        break;
    default: /* OR, NOR, XOR, ATLEAST */
        fl_buf_printf(b,
                      "<path d=\"M%.1f,%.1f Q%.1f,%.1f %.1f,%.1f Q%.1f,%.1f %.1f,%.1f "
                      "Q%.1f,%.1f %.1f,%.1f Z\"",
                      x - r, y + r, x, y + r / 2, x + r, y + r, x + r * 0.9, y - r * 0.3, x,
                      y - r - 2, x - r * 0.9, y - r * 0.3, x - r, y + r);
        break;
    }
    style_attrs(b, st, true);
    fl_buf_puts(b, "/>\n");
    if (e->type == FL_FTA_XOR) {
        fl_buf_printf(b, "<path d=\"M%.1f,%.1f Q%.1f,%.1f %.1f,%.1f\"", x - r, y + r + 5, x,
                      y + r / 2 + 5, x + r, y + r + 5);
        style_attrs(b, st, false);
        fl_buf_puts(b, "/>\n");
    }
    if (neg || e->type == FL_FTA_NOT) {
        fl_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"", x, y - r - 3);
        style_attrs(b, st, true);
        fl_buf_puts(b, "/>\n");
    }
    if (e->type == FL_FTA_ATLEAST) {
        fl_buf_printf(b,
                      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\" "
                      "fill=\"%s\">%zu/%zu</text>\n",
                      x, y + 5, st->text, e->k, e->n_args);
    }
    if (e->type == FL_FTA_INHIBIT)
        fl_buf_printf(b,
                      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\" "
                      "fill=\"%s\">inhibit</text>\n",
                      x, y + 3, st->text);
}

static const char *value_name(int v)
{
    return v == FL_FTA_TRUE ? "true" : v == FL_FTA_FALSE ? "false" : "unknown";
}

static void ft_node(struct fl_buf *b, const struct fl_fta_event *e, double cx, double cy, int v,
                    bool evaluated)
{
    struct style st = value_style(evaluated ? v : FL_FTA_UNKNOWN);
    double top = cy - FT_H / 2, left = cx - FT_W / 2;
    fl_buf_puts(b, "<g class=\"event\"><title>");
    esc(b, e->name, 200);
    if (e->label) {
        fl_buf_puts(b, ": ");
        esc(b, e->label, 400);
    }
    if (e->kind == FL_FTA_BASIC)
        fl_buf_printf(b, " (p = %.3g)", e->p);
    if (evaluated)
        fl_buf_printf(b, " [%s]", value_name(v));
    fl_buf_puts(b, "</title>\n");
    fl_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"3\"", left,
                  top, FT_W, FT_BOX_H);
    style_attrs(b, &st, true);
    fl_buf_puts(b, "/>\n");
    fl_buf_printf(b,
                  "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" font-weight=\"bold\" "
                  "text-anchor=\"middle\" fill=\"%s\">",
                  cx, top + 15, st.text);
    esc(b, e->name, 24);
    fl_buf_puts(b, "</text>\n");
    if (e->label || e->kind == FL_FTA_BASIC) {
        fl_buf_printf(b,
                      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\" "
                      "fill=\"%s\">",
                      cx, top + 30, st.text);
        if (e->label)
            esc(b, e->label, 30);
        else
            fl_buf_printf(b, "p = %.3g", e->p);
        fl_buf_puts(b, "</text>\n");
    }
    double sy = top + FT_BOX_H + 4 + FT_SYM / 2;
    fl_buf_printf(b, "<path d=\"M%.1f,%.1f L%.1f,%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"/>\n",
                  cx, top + FT_BOX_H, cx, sy - FT_SYM / 2 + 2, st.stroke, st.width);
    symbol(b, e, cx, sy, &st);
    fl_buf_puts(b, "</g>\n");
}

/* Mark the events reachable from the top; *n counts them. */
static fl_err reach(const struct fl_fta_tree *t, bool *seen, size_t *n)
{
    size_t *stack = fl_malloc((t->n_events + 1) * sizeof *stack);
    if (!stack)
        return FL_ENOMEM;
    size_t sp = 0;
    stack[sp++] = t->top;
    seen[t->top] = true;
    *n = 1;
    while (sp) {
        const struct fl_fta_event *e = &t->events[stack[--sp]];
        if (e->kind != FL_FTA_GATE)
            continue;
        for (size_t i = 0; i < e->n_args; i++)
            if (!seen[e->args[i]]) {
                seen[e->args[i]] = true;
                stack[sp++] = e->args[i];
                (*n)++;
            }
    }
    fl_free(stack);
    return FL_OK;
}

fl_err fl_diagram_fault_tree(const struct fl_fta_tree *t, const unsigned char *values,
                             struct fl_buf *out, struct fl_diag *d)
{
    if (!t || !t->checked || !t->has_top)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "the fault tree is not checked");
    bool *seen = fl_calloc(t->n_events ? t->n_events : 1, sizeof *seen);
    Agnode_t **nodes = fl_calloc(t->n_events ? t->n_events : 1, sizeof *nodes);
    size_t n = 0;
    fl_err e = seen && nodes ? reach(t, seen, &n) : FL_ENOMEM;
    if (e != FL_OK) {
        fl_free(seen);
        fl_free(nodes);
        return e == FL_ENOMEM ? fl_diag_set(d, e, 0, 0, "out of memory") : e;
    }
    if (n > FL_DIAGRAM_MAX_NODES) {
        fl_free(seen);
        fl_free(nodes);
        return fl_diag_set(d, FL_ELIMIT, 0, 0,
                           "the tree has %zu events under its top; diagrams draw at most %d", n,
                           FL_DIAGRAM_MAX_NODES);
    }
    if ((e = gv_begin(d)) != FL_OK) {
        fl_free(seen);
        fl_free(nodes);
        return e;
    }
    Agraph_t *g = gv_graph("0.35", "0.25");
    if (!g) {
        e = fl_diag_set(d, FL_EIO, 0, 0, "graphviz: cannot create a graph");
        goto out;
    }
    for (size_t i = 0; i < t->n_events; i++)
        if (seen[i] && !(nodes[i] = gv_node(g, t->events[i].name, FT_W, FT_H))) {
            e = fl_diag_set(d, FL_EIO, 0, 0, "graphviz: cannot add a node");
            goto out;
        }
    for (size_t i = 0; i < t->n_events; i++) {
        const struct fl_fta_event *ev = &t->events[i];
        if (!seen[i] || ev->kind != FL_FTA_GATE)
            continue;
        for (size_t k = 0; k < ev->n_args; k++)
            if (!agedge(g, nodes[i], nodes[ev->args[k]], NULL, 1)) {
                e = fl_diag_set(d, FL_EIO, 0, 0, "graphviz: cannot add an edge");
                goto out;
            }
    }
    if (gvLayout(gv_ctx, g, "dot") != 0) {
        e = fl_diag_set(d, FL_EIO, 0, 0, "graphviz: the dot layout failed");
        goto out;
    }
    svg_open(out, g, values ? 22 : 0, t->name ? t->name : "fault tree");
    /* connections first, under the nodes: gate bottom -> down -> across -> child top */
    for (size_t i = 0; i < t->n_events; i++) {
        const struct fl_fta_event *ev = &t->events[i];
        if (!seen[i] || ev->kind != FL_FTA_GATE)
            continue;
        double px, py;
        centre(g, nodes[i], &px, &py);
        double from = py + FT_H / 2 - 2;
        for (size_t k = 0; k < ev->n_args; k++) {
            double cx, cy;
            centre(g, nodes[ev->args[k]], &cx, &cy);
            double to = cy - FT_H / 2, mid = from + (to - from) / 2;
            int v = values ? values[ev->args[k]] : FL_FTA_UNKNOWN;
            struct style st = value_style(values ? v : FL_FTA_UNKNOWN);
            if (to < from) /* a shared event laid out above: straight line */
                mid = from;
            fl_buf_printf(out,
                          "<path d=\"M%.1f,%.1f L%.1f,%.1f L%.1f,%.1f L%.1f,%.1f\" fill=\"none\" "
                          "stroke=\"%s\" stroke-width=\"%.1f\"/>\n",
                          px, from, px, mid, cx, mid, cx, to, st.stroke,
                          v == FL_FTA_TRUE ? st.width : 1.0);
        }
    }
    for (size_t i = 0; i < t->n_events; i++) {
        if (!seen[i])
            continue;
        double cx, cy;
        centre(g, nodes[i], &cx, &cy);
        ft_node(out, &t->events[i], cx, cy, values ? values[i] : FL_FTA_UNKNOWN, values != NULL);
    }
    if (values) {
        boxf bb = GD_bb(g);
        double y = bb.UR.y - bb.LL.y + 2 * MARGIN + 12;
        fl_buf_printf(out,
                      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#333\">evaluated on "
                      "the evidence: <tspan fill=\"#c0392b\" font-weight=\"bold\">red = "
                      "true</tspan>, <tspan fill=\"#8a8a8a\">grey = false</tspan>, black = "
                      "unknown (no check bound or no data)</text>\n",
                      MARGIN, y);
    }
    fl_buf_puts(out, "</svg>\n");
    gvFreeLayout(gv_ctx, g);
out:
    if (g)
        agclose(g);
    gv_end();
    fl_free(seen);
    fl_free(nodes);
    return e != FL_OK ? e : fl_buf_err(out);
}

/* ---- dependency graphs ---- */

static const char *kind_fill(const char *kind)
{
    static const struct {
        const char *kind, *fill;
    } k[] = {{"service", "#e8f1fb"},  {"gateway", "#e8f1fb"},      {"database", "#fdf3e1"},
             {"feature_store", "#fdf3e1"}, {"cache", "#fdf3e1"},   {"queue", "#f3ecfa"},
             {"model_server", "#e9f7ef"}, {"batch_job", "#f3ecfa"}, {"node", "#eeeeee"},
             {"network", "#eeeeee"},   {"external", "#f5f5f5"}};
    for (size_t i = 0; kind && i < sizeof k / sizeof *k; i++)
        if (!strcmp(kind, k[i].kind))
            return k[i].fill;
    return "#ffffff";
}

fl_err fl_diagram_graph(const struct fl_diagram_node *nodes, size_t n_nodes,
                        const struct fl_diagram_edge *edges, size_t n_edges, struct fl_buf *out,
                        struct fl_diag *d)
{
    if (n_nodes > FL_DIAGRAM_MAX_NODES)
        return fl_diag_set(d, FL_ELIMIT, 0, 0, "%zu components; diagrams draw at most %d",
                           n_nodes, FL_DIAGRAM_MAX_NODES);
    Agnode_t **gn = fl_calloc(n_nodes ? n_nodes : 1, sizeof *gn);
    Agedge_t **ge = fl_calloc(n_edges ? n_edges : 1, sizeof *ge);
    if (!gn || !ge) {
        fl_free(gn);
        fl_free(ge);
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    }
    fl_err e = gv_begin(d);
    if (e != FL_OK) {
        fl_free(gn);
        fl_free(ge);
        return e;
    }
    const double W = 160, H = 40;
    Agraph_t *g = gv_graph("0.5", "0.35");
    if (!g) {
        e = fl_diag_set(d, FL_EIO, 0, 0, "graphviz: cannot create a graph");
        goto out;
    }
    for (size_t i = 0; i < n_nodes; i++)
        if (!(gn[i] = gv_node(g, nodes[i].name ? nodes[i].name : "", W, H))) {
            e = fl_diag_set(d, FL_EIO, 0, 0, "graphviz: cannot add a node");
            goto out;
        }
    for (size_t i = 0; i < n_edges; i++) {
        Agnode_t *a = edges[i].from ? agnode(g, (char *)edges[i].from, 0) : NULL;
        Agnode_t *b = edges[i].to ? agnode(g, (char *)edges[i].to, 0) : NULL;
        if (a && b && a != b)
            ge[i] = agedge(g, a, b, NULL, 1);
    }
    if (gvLayout(gv_ctx, g, "dot") != 0) {
        e = fl_diag_set(d, FL_EIO, 0, 0, "graphviz: the dot layout failed");
        goto out;
    }
    svg_open(out, g, 0, "dependency graph");
    fl_buf_puts(out, "<defs><marker id=\"fl-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
                     "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path "
                     "d=\"M0,0 L10,5 L0,10 z\" fill=\"context-stroke\"/></marker></defs>\n");
    boxf bb = GD_bb(g);
    for (size_t i = 0; i < n_edges; i++) {
        if (!ge[i] || !ED_spl(ge[i]) || ED_spl(ge[i])->size < 1)
            continue;
        const bezier *bz = &ED_spl(ge[i])->list[0];
        if (bz->size < 4)
            continue;
        const char *color = edges[i].changed ? "#c0392b" : "#777777";
        fl_buf_puts(out, "<g class=\"edge\"><title>");
        esc(out, edges[i].from, 100);
        fl_buf_puts(out, " -&gt; ");
        esc(out, edges[i].to, 100);
        if (edges[i].label) {
            fl_buf_puts(out, ": ");
            esc(out, edges[i].label, 200);
        }
        fl_buf_puts(out, "</title><path d=\"");
        for (int k = 0; k < bz->size; k++) {
            double x = bz->list[k].x - bb.LL.x + MARGIN, y = bb.UR.y - bz->list[k].y + MARGIN;
            fl_buf_printf(out, "%s%.1f,%.1f ", k == 0 ? "M" : k == 1 ? "C" : "", x, y);
        }
        if (bz->eflag) {
            double x = bz->ep.x - bb.LL.x + MARGIN, y = bb.UR.y - bz->ep.y + MARGIN;
            fl_buf_printf(out, "L%.1f,%.1f", x, y);
        }
        fl_buf_printf(out,
                      "\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" "
                      "marker-end=\"url(#fl-arrow)\"/>",
                      color, edges[i].changed ? "2.5" : "1.2");
        if (edges[i].label) {
            const pointf *m = &bz->list[bz->size / 2];
            fl_buf_printf(out,
                          "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" fill=\"%s\" "
                          "text-anchor=\"start\">",
                          m->x - bb.LL.x + MARGIN + 4, bb.UR.y - m->y + MARGIN, color);
            esc(out, edges[i].label, 40);
            fl_buf_puts(out, "</text>");
        }
        fl_buf_puts(out, "</g>\n");
    }
    for (size_t i = 0; i < n_nodes; i++) {
        double cx, cy;
        centre(g, gn[i], &cx, &cy);
        bool ch = nodes[i].changed;
        fl_buf_puts(out, "<g class=\"node\"><title>");
        esc(out, nodes[i].name, 200);
        if (nodes[i].kind) {
            fl_buf_puts(out, " (");
            esc(out, nodes[i].kind, 40);
            fl_buf_putc(out, ')');
        }
        fl_buf_puts(out, "</title>");
        fl_buf_printf(out,
                      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"8\" "
                      "fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"/>",
                      cx - W / 2, cy - H / 2, W, H, kind_fill(nodes[i].kind),
                      ch ? "#c0392b" : "#555555", ch ? "2.5" : "1");
        fl_buf_printf(out,
                      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" "
                      "font-weight=\"%s\" fill=\"#111\">",
                      cx, cy - (nodes[i].note ? 3 : -4), ch ? "bold" : "normal");
        esc(out, nodes[i].name, 26);
        fl_buf_puts(out, "</text>");
        if (nodes[i].note) {
            fl_buf_printf(out,
                          "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\" "
                          "fill=\"%s\">",
                          cx, cy + 12, ch ? "#c0392b" : "#555");
            esc(out, nodes[i].note, 30);
            fl_buf_puts(out, "</text>");
        }
        fl_buf_puts(out, "</g>\n");
    }
    fl_buf_puts(out, "</svg>\n");
    gvFreeLayout(gv_ctx, g);
out:
    if (g)
        agclose(g);
    gv_end();
    fl_free(gn);
    fl_free(ge);
    return e != FL_OK ? e : fl_buf_err(out);
}

/* ---- a trace-derived dependency graph ---- */

fl_err fl_diagram_trace_graph(const struct fl_trace_graph *g, const struct fl_trace_syms *y,
                              struct fl_buf *out, struct fl_diag *d)
{
    struct fl_diagram_node *nodes = fl_calloc(g->n_nodes ? g->n_nodes : 1, sizeof *nodes);
    struct fl_diagram_edge *edges = fl_calloc(g->n_edges ? g->n_edges : 1, sizeof *edges);
    char(*notes)[64] = fl_calloc(g->n_edges ? g->n_edges : 1, sizeof *notes);
    fl_err e = FL_OK;
    if (!nodes || !edges || !notes) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct fl_graph_node *n = &g->nodes[i];
        nodes[i].name = fl_trace_syms_str(y, n->name);
        nodes[i].kind = n->component_kind;
        nodes[i].changed = n->errors > 0 && n->spans > 0 &&
                           (double)n->errors / (double)n->spans >= FL_DIAGRAM_ERROR_RATE;
        nodes[i].note = !n->in_traces ? "configured, not traced" : NULL;
    }
    for (size_t i = 0; i < g->n_edges; i++) {
        const struct fl_graph_edge *x = &g->edges[i];
        edges[i].from = nodes[x->from].name;
        edges[i].to = nodes[x->to].name;
        edges[i].changed = x->calls > 0 && x->error_rate >= FL_DIAGRAM_ERROR_RATE;
        if (x->calls > 0 && isfinite(x->p99_ms)) {
            if (isfinite(x->network_p99_ms))
                snprintf(notes[i], sizeof notes[i], "p99 %.3g ms, net %.3g ms", x->p99_ms,
                         x->network_p99_ms);
            else
                snprintf(notes[i], sizeof notes[i], "p99 %.3g ms", x->p99_ms);
            edges[i].label = notes[i];
        } else if (!x->in_traces) {
            edges[i].label = "configured";
        }
    }
    e = fl_diagram_graph(nodes, g->n_nodes, edges, g->n_edges, out, d);
out:
    fl_free(nodes);
    fl_free(edges);
    fl_free(notes);
    return e;
}
