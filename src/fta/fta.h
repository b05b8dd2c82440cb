/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fta.h: fault trees: the in-memory model, its builder, two loaders (our YAML format and the
 * Open-PSA Model Exchange Format), evaluation on known event states, and the analysis: exact
 * top-event probability by a BDD (Bryant 1986), minimal cut sets by Rauzy's minimal-solutions
 * algorithm into a ZBDD (Rauzy 1993, Minato 1993), the rare-event and min-cut-upper-bound
 * approximations, and importance measures (Birnbaum, Fussell-Vesely, RAW, RRW). docs/FTA.md
 * describes the formats, the algorithms and their references.
 *
 * Lifecycle:
 *   fl_fta_tree_new(&t)                               empty tree
 *   fl_fta_add_basic / _add_basic_rate / _add_house / _add_gate + fl_fta_gate_arg
 *     (or fl_fta_load_yaml / fl_fta_load_mef, which call the same builder)
 *   fl_fta_tree_check(t, &diag)                       resolve names, validate, order
 *   fl_fta_analyze(t, &opts, &res, &diag)             BDD, cut sets, importance
 *   fl_fta_evaluate(t, states, values)                gate values on known basic events
 *   fl_fta_result_free(res); fl_fta_tree_free(t);
 *
 * Events are addressed by index (size_t, stable: the order they were added) or by name. A tree
 * is mutable until fl_fta_tree_check succeeds; adding to it afterwards un-checks it. Trees and
 * results are not synchronized: one thread at a time per object; distinct objects are
 * independent. Every function that can fail returns fl_err and fills the optional diag with
 * "file:line:col: field: message" detail when the failure comes from input.
 */
#ifndef FL_FTA_FTA_H
#define FL_FTA_FTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct fl_map;

enum fl_fta_kind {
    FL_FTA_BASIC, /* a basic event: a leaf with a probability */
    FL_FTA_HOUSE, /* a house event: a leaf that is constantly true or false */
    FL_FTA_GATE,  /* a gate over other events */
};

enum fl_fta_gate_type {
    FL_FTA_AND,
    FL_FTA_OR,
    FL_FTA_ATLEAST, /* k-of-n: true when at least k of its n inputs are true */
    FL_FTA_NOT,     /* one input */
    FL_FTA_XOR,     /* odd number of true inputs (two inputs: exactly one) */
    FL_FTA_INHIBIT, /* AND of its inputs; the last input is the condition */
    FL_FTA_NAND,
    FL_FTA_NOR,
    FL_FTA_NULL, /* one input, passed through (MEF formulas that are a single event) */
    FL_FTA__GATE_COUNT
};

/* Three-valued states for fl_fta_evaluate (Kleene logic for UNKNOWN). */
enum fl_fta_value { FL_FTA_FALSE = 0, FL_FTA_TRUE = 1, FL_FTA_UNKNOWN = 2 };

struct fl_fta_event {
    char *name;  /* owned, unique in the tree */
    char *label; /* owned description or NULL */
    char *check; /* owned: a basic event's faultline check (src/fta/live.h), or NULL */
    enum fl_fta_kind kind;
    /* FL_FTA_BASIC: p in [0, 1]. With a rate, p = 1 - exp(-lambda * mission_time), set by check. */
    double p;
    bool has_rate;
    double lambda;       /* failures per unit of time (when has_rate) */
    double mission_time; /* same unit of time (when has_rate) */
    /* FL_FTA_HOUSE */
    bool state;
    /* FL_FTA_GATE */
    enum fl_fta_gate_type type;
    size_t k;         /* ATLEAST threshold */
    size_t *args;     /* owned; indices of the inputs (valid after check) */
    char **arg_names; /* owned; the inputs by name, as added */
    size_t n_args;
    size_t cap_args;
    /* where it was defined (0 = unknown); file is an index into tree->files or SIZE_MAX */
    size_t file;
    unsigned long line, column;
    unsigned long *arg_line, *arg_column; /* owned; per input, where it was referenced */
};

struct fl_fta_tree {
    char *name; /* owned or NULL */
    struct fl_fta_event *events;
    size_t n_events, cap_events;
    size_t top; /* index of the top event (valid when has_top) */
    bool has_top;
    char *top_name; /* owned: set by fl_fta_set_top before the event exists, resolved by check */
    char **files;   /* owned input names, for diagnostics */
    size_t n_files;
    bool checked;
    /* after check: gates in an order where every input comes before the gate (inputs first) */
    size_t *order;
    size_t n_order;
    struct fl_map *index; /* name -> event index + 1, private */
};

/* A new empty tree (name may be NULL). *out is owned by the caller: fl_fta_tree_free. */
fl_err fl_fta_tree_new(const char *name, struct fl_fta_tree **out) FL_MUST_CHECK;
/* Free a tree and everything it owns; NULL is a no-op. */
void fl_fta_tree_free(struct fl_fta_tree *t);

/*
 * Builder. Each add copies name (NUL-terminated, non-empty, at most FL_LIMIT_NAME_BYTES) and
 * returns the new event's index in *idx (idx may be NULL). A name that is already defined ->
 * FL_EINVAL (diag names both places). Values are validated by fl_fta_tree_check, not here, so that
 * loaders report them with their position. FL_ELIMIT past FL_LIMIT_FTA_EVENTS events.
 */
fl_err fl_fta_add_basic(struct fl_fta_tree *t, const char *name, double p, size_t *idx,
                        struct fl_diag *d) FL_MUST_CHECK;
fl_err fl_fta_add_basic_rate(struct fl_fta_tree *t, const char *name, double lambda,
                             double mission_time, size_t *idx, struct fl_diag *d) FL_MUST_CHECK;
fl_err fl_fta_add_house(struct fl_fta_tree *t, const char *name, bool state, size_t *idx,
                        struct fl_diag *d) FL_MUST_CHECK;
/* k is used by FL_FTA_ATLEAST only (pass 0 otherwise). Inputs are added with fl_fta_gate_arg. */
fl_err fl_fta_add_gate(struct fl_fta_tree *t, const char *name, enum fl_fta_gate_type type,
                       size_t k, size_t *idx, struct fl_diag *d) FL_MUST_CHECK;
/* Add an input to gate `gate` by name; the name may be defined later (resolved by check). */
fl_err fl_fta_gate_arg(struct fl_fta_tree *t, size_t gate, const char *name) FL_MUST_CHECK;
/* Optional: a description (copied) and the source position of an event or of its last input. */
fl_err fl_fta_set_label(struct fl_fta_tree *t, size_t idx, const char *label) FL_MUST_CHECK;
/* Optional: the faultline check a basic event is bound to (copied; src/fta/live.h grammar, which
 * fl_fta_bind_declared parses). */
fl_err fl_fta_set_check(struct fl_fta_tree *t, size_t idx, const char *check) FL_MUST_CHECK;
void fl_fta_set_loc(struct fl_fta_tree *t, size_t idx, size_t file, unsigned long line,
                    unsigned long column);
void fl_fta_set_arg_loc(struct fl_fta_tree *t, size_t gate, unsigned long line,
                        unsigned long column);
/* Register an input name for diagnostics; *file receives its index for fl_fta_set_loc. */
fl_err fl_fta_add_file(struct fl_fta_tree *t, const char *name, size_t *file) FL_MUST_CHECK;
/* Name the top event (it may be defined later). Without it, check picks the only gate that is no
 * other gate's input, and fails if there is not exactly one. */
fl_err fl_fta_set_top(struct fl_fta_tree *t, const char *name) FL_MUST_CHECK;

/*
 * Resolve input names, then validate: undefined references, a reference to itself or a cycle,
 * gates with the wrong number of inputs (NOT/NULL: 1, XOR: >= 2, INHIBIT: >= 2, ATLEAST:
 * 1 <= k <= n), probabilities outside [0, 1] or not finite, negative rates or mission times.
 * Errors are FL_EINVAL with the event's file:line:col and the field path (e.g.
 * `gates.pump_fails.inputs[1]`). On success the tree is "checked" and ready for analysis.
 */
fl_err fl_fta_tree_check(struct fl_fta_tree *t, struct fl_diag *d) FL_MUST_CHECK;

/* Index of an event by name; false when there is none. */
bool fl_fta_find(const struct fl_fta_tree *t, const char *name, size_t *idx);
const char *fl_fta_gate_type_name(enum fl_fta_gate_type g); /* "and", "atleast", ... */
/* Parse a gate type name (our YAML and MEF spellings: and, or, atleast, not, xor, inhibit,
 * nand, nor, null; also "k-of-n" and "vote" for atleast). */
bool fl_fta_gate_type_parse(const char *s, enum fl_fta_gate_type *out);

/*
 * Evaluate a checked tree. states[i] gives each basic event's value (indexed like t->events;
 * entries of gates are ignored; house events use their own state unless states[i] is
 * FL_FTA_TRUE/FALSE and override_houses is true). values[] (n_events entries, caller storage)
 * receives every event's value: gates by Kleene three-valued logic, so an UNKNOWN input leaves a
 * gate UNKNOWN only when its value depends on it. FL_EINVAL if the tree is not checked.
 */
fl_err fl_fta_evaluate(const struct fl_fta_tree *t, const unsigned char *states,
                       bool override_houses, unsigned char *values) FL_MUST_CHECK;

/* ---- analysis ---------------------------------------------------------------------------- */

struct fl_fta_opts {
    size_t max_order;     /* drop cut sets with more events; 0 = no limit */
    double cutoff;        /* drop cut sets whose probability is below; 0 = none */
    size_t max_cut_sets;  /* list at most this many (the counts stay exact); 0 = no list */
    bool importance;      /* compute importance measures */
    size_t max_bdd_nodes; /* 0 = FL_LIMIT_FTA_BDD_NODES */
};

/* Defaults: no order limit, no cutoff, list up to FL_LIMIT_FTA_CUT_SETS, importance on. */
void fl_fta_opts_default(struct fl_fta_opts *o);

struct fl_fta_cut_set {
    size_t *events; /* indices of basic events, ascending; points into the result */
    size_t n;       /* order */
    double p;       /* product of the events' probabilities */
};

struct fl_fta_importance {
    size_t event;          /* index of the basic event */
    double p;              /* its probability */
    double birnbaum;       /* dP(top)/dp = P(top | e) - P(top | not e) */
    double fussell_vesely; /* (P(top) - P(top | not e)) / P(top) */
    double raw;            /* risk achievement worth: P(top | e) / P(top) */
    double rrw;            /* risk reduction worth: P(top) / P(top | not e); inf when 0 */
    size_t n_cut_sets;     /* listed cut sets that contain the event */
};

struct fl_fta_result {
    double p_exact;      /* top-event probability from the BDD */
    double p_rare;       /* rare-event approximation: sum of cut-set probabilities (kept ones) */
    double p_mcub;       /* min-cut upper bound: 1 - prod(1 - p(C)) over kept cut sets */
    bool coherent;       /* no NOT/XOR/NAND/NOR reached the top event */
    size_t n_basic;      /* basic events reachable from the top */
    size_t n_gates;      /* gates reachable from the top */
    size_t bdd_nodes;    /* nodes of the top event's BDD, counted without complement edges */
    uint64_t n_cut_sets; /* minimal cut sets kept after the cut-offs (exact count) */
    uint64_t *by_order;  /* by_order[k] = number of kept cut sets of order k, k <= max_order_seen */
    size_t max_order_seen;
    struct fl_fta_cut_set *cut_sets; /* listed ones, by ascending order then descending p */
    size_t n_listed;
    bool truncated; /* more cut sets than max_cut_sets: the list is a prefix */
    struct fl_fta_importance *importance; /* one per reachable basic event, by descending FV */
    size_t n_importance;
    /* private storage for cut-set event lists */
    size_t *pool;
};

/*
 * Analyze the top event of a checked tree. *out is owned by the caller (fl_fta_result_free).
 * FL_EINVAL: tree not checked or bad options; FL_ELIMIT: the BDD or ZBDD outgrew
 * opts->max_bdd_nodes (diag says which); FL_ENOMEM.
 *
 * For a non-coherent tree (NOT, XOR, NAND, NOR) the probability is exact; the cut sets are the
 * minimal sets S of basic events such that the top event occurs when exactly the events of S fail
 * and all others work (the minimal solutions of the monotone hull, not prime implicants).
 */
fl_err fl_fta_analyze(const struct fl_fta_tree *t, const struct fl_fta_opts *opts,
                      struct fl_fta_result **out, struct fl_diag *d) FL_MUST_CHECK;
void fl_fta_result_free(struct fl_fta_result *r);

/* Which listed cut sets hold: sat[i] = true when every event of cut set i is TRUE in values
 * (from fl_fta_evaluate). sat has r->n_listed entries. */
void fl_fta_cut_sets_satisfied(const struct fl_fta_result *r, const unsigned char *values,
                               bool *sat);

/* ---- loaders ----------------------------------------------------------------------------- */

/*
 * Parse our YAML format (docs/FTA.md) from p[0..len) into the empty tree t, then check it. file
 * names the input in diagnostics. FL_EPARSE for YAML syntax, FL_EINVAL for a bad tree (both with
 * line:col and field path), FL_ELIMIT for inputs over the caps.
 */
fl_err fl_fta_load_yaml(struct fl_fta_tree *t, const char *p, size_t len, const char *file,
                        struct fl_diag *d) FL_MUST_CHECK;

/*
 * Parse one Open-PSA MEF XML document into t (which may already hold events from other files:
 * a model often comes as a tree file plus a basic-event file). Does NOT check the tree: call
 * fl_fta_tree_check after the last file, which takes as top event the one gate no other gate
 * uses unless fl_fta_set_top named one. The first define-fault-tree's name becomes the tree's
 * name. FL_EPARSE for malformed XML (libxml2's line:col), FL_EUNSUPPORTED for a DOCTYPE,
 * FL_EINVAL for unsupported or invalid definitions (line:col of the element). The parser never
 * loads the network nor expands entities. Subset supported: docs/FTA.md.
 */
fl_err fl_fta_load_mef(struct fl_fta_tree *t, const char *p, size_t len, const char *file,
                       struct fl_diag *d) FL_MUST_CHECK;

/*
 * Convenience: read each path (".yml"/".yaml" -> YAML, ".xml" -> MEF, else by the first
 * non-blank byte '<'), load them into a new tree and check it. *out owned by the caller.
 */
fl_err fl_fta_load_files(const char *const *paths, size_t n_paths, struct fl_fta_tree **out,
                         struct fl_diag *d) FL_MUST_CHECK;

#endif
