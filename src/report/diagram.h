/* SPDX-License-Identifier: Apache-2.0 */
/*
 * diagram.h: fault trees and dependency graphs as standalone SVG (issue 6, item 5; docs/FTA.md
 * "Diagrams"). Graphviz's dot (libgvc) lays the graph out; the SVG is written here from the
 * layout's coordinates, so that fault trees get the standard symbols of IEC 61025 / NUREG-0492,
 * which Graphviz has no shapes for:
 *   every event   a rectangle with its name and description, and below it
 *   AND gate      flat bottom, round top          OR gate     curved bottom, pointed top
 *   k-of-n gate   the OR symbol with "k/n"        XOR gate    OR with a second bottom curve
 *   NOT gate      a triangle with a circle        INHIBIT     a hexagon (condition at its side)
 *   NAND / NOR    AND / OR with a circle          basic event a circle
 *   house event   a house (pentagon)
 * Evaluated trees (fl_fta_evaluate) are highlighted: true events and gates in red with a thick
 * outline, false ones grey, unknown ones in the default colours; a legend says so. Dependency
 * graphs draw components as rounded boxes by kind and edges caller -> callee, changed ones red.
 *
 * Output is one <svg> element with inline styles (no external CSS, fonts or scripts), valid XML,
 * safe to inline into HTML: every text is escaped. Graphviz keeps global state, so calls are
 * serialized by a mutex inside.
 */
#ifndef FL_REPORT_DIAGRAM_H
#define FL_REPORT_DIAGRAM_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/buf.h"
#include "../core/err.h"

struct fl_fta_tree;

/* The events reachable from the top of a checked tree, as an SVG. values (may be NULL) are
 * fl_fta_evaluate's per-event values for highlighting. FL_EINVAL for an unchecked tree, FL_ELIMIT
 * past FL_DIAGRAM_MAX_NODES events, FL_EIO when Graphviz fails, FL_ENOMEM. */
#define FL_DIAGRAM_MAX_NODES 2000
fl_err fl_diagram_fault_tree(const struct fl_fta_tree *t, const unsigned char *values,
                             struct fl_buf *out, struct fl_diag *d) FL_MUST_CHECK;

struct fl_diagram_node {
    const char *name;
    const char *kind;   /* topology kind ("service", "database", ...) or NULL */
    bool changed;       /* its signals changed (drawn with a red outline) */
    const char *note;   /* a second line (e.g. "root cause, score 0.49"), or NULL */
};

struct fl_diagram_edge {
    const char *from, *to; /* node names; edges to unknown names are skipped */
    bool changed;          /* e.g. the call edge whose time changed */
    const char *label;     /* or NULL */
};

/* A dependency graph (caller above callee) as an SVG. */
fl_err fl_diagram_graph(const struct fl_diagram_node *nodes, size_t n_nodes,
                        const struct fl_diagram_edge *edges, size_t n_edges, struct fl_buf *out,
                        struct fl_diag *d) FL_MUST_CHECK;

/* The dependency graph of traces and topology (src/trace/trace.h fl_trace_graph_stored): edges
 * labelled with their P99 and network P99; nodes and edges whose error rate reaches
 * FL_DIAGRAM_ERROR_RATE in red. */
#define FL_DIAGRAM_ERROR_RATE 0.01
struct fl_trace_graph;
struct fl_trace_syms;
fl_err fl_diagram_trace_graph(const struct fl_trace_graph *g, const struct fl_trace_syms *y,
                              struct fl_buf *out, struct fl_diag *d) FL_MUST_CHECK;

#endif
