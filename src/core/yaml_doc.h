/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaml_doc.h: the libyaml plumbing shared by faultline's YAML readers: faultline.yml
 * (src/config), data schemas (src/monitor/schema.c), fault trees (src/fta/load_yaml.c) and drift
 * options (src/monitor/drift_opts.c).
 *
 * A reader takes three steps:
 *   fl_yaml_check(p, len, &rules, file, d)     size cap, then a constant-memory pass over
 *                                               libyaml's events: syntax, one document, caps
 *   fl_yaml_load(p, len, &rules, file, &doc, d) libyaml's document tree (yaml_document_delete it)
 *   walk the tree with a struct fl_yaml_walk, which carries the key path ("columns.amount.type")
 *   and reports errors at a node's line and column (1-based) with fl_yaml_node_err.
 *
 * The check comes first so that a flat file of millions of one-letter scalars is refused before
 * libyaml allocates a tree whose size grows with the node count. libyaml shares an aliased node
 * rather than copying it, but a walk visits it again at each use: fl_yaml_visit counts the visits
 * so that nested aliases ("billion laughs") cannot make a small file cost a huge walk.
 *
 * The readers grew apart in small ways (the wording of syntax errors, which caps, how a message is
 * made one line). struct fl_yaml_rules and struct fl_yaml_walk name those differences, so that
 * each reader's messages stay as they were; the zero value of each option is the configuration
 * reader's behaviour, the one a new reader should take.
 *
 * Nothing here keeps global state; a walk is used by one thread at a time.
 */
#ifndef FL_CORE_YAML_DOC_H
#define FL_CORE_YAML_DOC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "err.h"
#include "str.h"

/* How much of libyaml's report a syntax error shows (problem, context, their positions). */
enum fl_yaml_syntax {
    /* "did not find expected key while parsing a block mapping started at 3:1"; a duplicate
     * anchor as "found duplicate anchor; first occurrence at 1:4, second occurrence here" */
    FL_YAML_SYNTAX_FULL,
    /* the same, but a duplicate anchor in libyaml's order: "second occurrence found duplicate
     * anchor; first occurrence started at 1:4" (the schema reader) */
    FL_YAML_SYNTAX_MARKS,
    /* "did not find expected key while parsing a block mapping", without the context's position
     * (the fault-tree reader) */
    FL_YAML_SYNTAX_BRIEF,
};

/* What one reader accepts and how its errors read. Static storage, typically one per reader. */
struct fl_yaml_rules {
    const char *what; /* the document in "a second YAML document: <what> is one document" */
    fl_err code;      /* of syntax errors, a second document and a refused alias */
    enum fl_yaml_syntax syntax;
    size_t max_bytes;       /* longer input: FL_ELIMIT "file larger than N bytes" */
    size_t max_nodes;       /* 0, or a cap on scalars + lists + mappings + aliases (FL_ELIMIT) */
    size_t max_events;      /* 0, or a cap on libyaml events of any kind (FL_ELIMIT) */
    const char *no_aliases; /* NULL, or the message that refuses any alias */
    bool nomem_diag;        /* libyaml out of memory is also written to d as "out of memory" */
};

/*
 * Refuse what the reader must not build a tree for: more than r->max_bytes, a syntax error, a
 * second document (which libyaml's document API would silently ignore), too many nodes or events,
 * an alias when r->no_aliases. Returns FL_OK, FL_ENOMEM, or r->code / FL_ELIMIT with d naming
 * file, line and column (line 0 for the size). p need not be NUL-terminated but must not be NULL.
 */
fl_err fl_yaml_check(const char *p, size_t len, const struct fl_yaml_rules *r, const char *file,
                     struct fl_diag *d) FL_MUST_CHECK;

/*
 * Build libyaml's document for p[0..len) into *doc: on FL_OK the caller owns it and frees it with
 * yaml_document_delete (its root is NULL for an empty stream); on error *doc holds nothing. Errors
 * as fl_yaml_check's syntax errors (composer errors such as an undefined alias come only here).
 */
fl_err fl_yaml_load(const char *p, size_t len, const struct fl_yaml_rules *r, const char *file,
                    yaml_document_t *doc, struct fl_diag *d) FL_MUST_CHECK;

/* How fl_yaml_node_err makes a diagnostic one line. */
enum fl_yaml_clean {
    FL_YAML_CLEAN_ALL, /* field and message: bytes below 0x20 and 0x7f become '?' */
    FL_YAML_CLEAN_MSG, /* the message only, bytes below 0x20 (the fault-tree reader) */
};

/* A reader's place in a document. Caller storage: a designated initializer sets doc, d, file, code
 * and what the reader needs of max_visits and clean; visits and path start zeroed. */
struct fl_yaml_walk {
    yaml_document_t *doc;
    struct fl_diag *d; /* may be NULL */
    const char *file;  /* the input's name in diagnostics */
    fl_err code;       /* of fl_yaml_node_err (FL_ECONFIG, FL_EINVAL) */
    size_t max_visits; /* of fl_yaml_visit (a reader that refuses aliases need not count) */
    enum fl_yaml_clean clean;
    size_t visits;
    char path[FL_DIAG_FIELD_CAP]; /* key path of the node being read; "" at the root */
};

/*
 * Record w->code in w->d (first error wins) at n's line and column (0:0 when n is NULL), with
 * w->file and, when not at the root, w->path as the field; then make the field and message one
 * line as w->clean says. Returns w->code.
 */
fl_err fl_yaml_node_err(struct fl_yaml_walk *w, const yaml_node_t *n, const char *fmt, ...)
    FL_PRINTF(3, 4) FL_MUST_CHECK;
fl_err fl_yaml_node_verr(struct fl_yaml_walk *w, const yaml_node_t *n, const char *fmt, va_list ap)
    FL_PRINTF(3, 0) FL_MUST_CHECK;

/* Append ".key" ("key" at the root) or "[i]" to w->path, truncating at its size; each returns
 * the previous length, which fl_yaml_path_pop restores. */
size_t fl_yaml_path_key(struct fl_yaml_walk *w, const char *key);
size_t fl_yaml_path_index(struct fl_yaml_walk *w, size_t i);
void fl_yaml_path_pop(struct fl_yaml_walk *w, size_t old);

/* Count one more node visited; past w->max_visits an error at n: "document too large or too
 * deeply aliased (over N nodes)". */
fl_err fl_yaml_visit(struct fl_yaml_walk *w, const yaml_node_t *n) FL_MUST_CHECK;

/* "a scalar", "a list", "a mapping" or "nothing", for "expected a list, got a mapping". */
const char *fl_yaml_kind(const yaml_node_t *n);

/*
 * n must be a scalar, else an error "expected <what>, got <kind>". On FL_OK *out (when out is
 * not NULL) borrows its bytes, which may hold NUL bytes; they live as long as the document.
 */
fl_err fl_yaml_scalar(struct fl_yaml_walk *w, const yaml_node_t *n, const char *what,
                      struct fl_str *out) FL_MUST_CHECK;

/*
 * A scalar as a new NUL-terminated string that replaces (and frees) *out: errors for a
 * non-scalar ("expected a string, got a list") and for a NUL byte. FL_ENOMEM without a diag.
 */
fl_err fl_yaml_strdup(struct fl_yaml_walk *w, const yaml_node_t *n, char **out) FL_MUST_CHECK;

/* Whether p[0..len) is a YAML boolean word (true/True/TRUE, false/False/FALSE); sets *out. */
bool fl_yaml_bool_word(const char *p, size_t len, bool *out);

#endif
