/* SPDX-License-Identifier: Apache-2.0 */
/*
 * load_yaml.c: faultline's own fault-tree format (docs/FTA.md, "YAML format") -> the model, with
 * libyaml's document API.
 *
 *   name: Stale features reach the model     # optional
 *   top: wrong_segments                      # optional when one gate is no gate's input
 *   gates:
 *     wrong_segments: {type: or, inputs: [stale_features, model_regression]}
 *     two_of_three:   {type: atleast, k: 2, inputs: [a, b, c], label: "2-of-3 replicas down"}
 *   basic_events:
 *     a: 0.01                                 # a probability
 *     b: {probability: 0.02, label: "..."}
 *     c: {lambda: 1.0e-4, mission_time: 720}  # p = 1 - exp(-lambda t)
 *   house_events:
 *     maintenance_window: false
 *
 * Hostile input: the size is capped (FL_LIMIT_FTA_FILE_BYTES); a first pass over the events
 * (core/yaml_doc.h's fl_yaml_check), in constant memory, refuses syntax errors, a second document,
 * aliases (which would let a small file expand into a huge walk) and more than
 * 4 * FL_LIMIT_FTA_EVENTS events before the document API builds a tree. Every error carries the
 * node's line and column and the key path.
 */
#include <math.h>
#include <string.h>
#include <yaml.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "core/str.h"
#include "core/yaml_doc.h"
#include "fta.h"
#include "live.h"

/* How a fault tree is read (core/yaml_doc.h). The cap counts every libyaml event, not only
 * nodes, and aliases are refused, so the walk needs no visit count. */
static const struct fl_yaml_rules rules = {
    .what = "a fault tree",
    .code = FL_EPARSE,
    .syntax = FL_YAML_SYNTAX_BRIEF,
    .max_bytes = FL_LIMIT_FTA_FILE_BYTES,
    .max_events = 4 * FL_LIMIT_FTA_EVENTS,
    .no_aliases = "YAML aliases are not supported in fault trees",
};

struct ctx {
    struct fl_yaml_walk w; /* document, diag, file name, key path */
    struct fl_fta_tree *t;
    size_t file_idx;
};

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static fl_err want_string(struct ctx *c, const yaml_node_t *n, const char **out)
{
    const char *s = scalar(n);
    if (!s)
        return fl_yaml_node_err(&c->w, n, "expected a string");
    if (strlen(s) != n->data.scalar.length)
        return fl_yaml_node_err(&c->w, n, "string contains a NUL byte");
    if (!*s)
        return fl_yaml_node_err(&c->w, n, "must not be empty");
    *out = s;
    return FL_OK;
}

static fl_err want_number(struct ctx *c, const yaml_node_t *n, double *out)
{
    const char *s = scalar(n);
    if (!s || !fl_str_to_double((struct fl_str){s, n->data.scalar.length}, out) || !isfinite(*out))
        return fl_yaml_node_err(&c->w, n, "expected a number%s%s%s", s ? ", got \"" : "",
                                s ? s : "", s ? "\"" : "");
    return FL_OK;
}

static fl_err want_bool(struct ctx *c, const yaml_node_t *n, bool *out)
{
    const char *s = scalar(n);
    /* up to a NUL byte, like the other strings of a fault tree */
    if (!s || !fl_yaml_bool_word(s, strlen(s), out))
        return fl_yaml_node_err(&c->w, n, "expected true or false");
    return FL_OK;
}

typedef fl_err (*entry_fn)(struct ctx *c, const char *name, yaml_node_t *key, yaml_node_t *val);

/* Walk a mapping of name -> definition, calling fn for each entry with the path set. */
static fl_err each_entry(struct ctx *c, yaml_node_t *map, entry_fn fn)
{
    if (map->type != YAML_MAPPING_NODE)
        return fl_yaml_node_err(&c->w, map, "expected a mapping of names to definitions");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(c->w.doc, p->key);
        yaml_node_t *v = yaml_document_get_node(c->w.doc, p->value);
        const char *name;
        fl_err e = want_string(c, k, &name);
        if (e)
            return e;
        size_t old = fl_yaml_path_key(&c->w, name);
        e = fn(c, name, k, v);
        fl_yaml_path_pop(&c->w, old);
        if (e)
            return e;
    }
    return FL_OK;
}

/* Convert a builder error (duplicate name, limits) into a positioned one. */
static fl_err added(struct ctx *c, const yaml_node_t *k, fl_err e, const size_t *idx)
{
    if (e == FL_ENOMEM)
        return e;
    if (e) {
        if (c->w.d && c->w.d->code != FL_OK && c->w.d->line == 0) {
            c->w.d->line = k->start_mark.line + 1;
            c->w.d->column = k->start_mark.column + 1;
            fl_diag_file(c->w.d, c->w.file);
        }
        return e;
    }
    fl_fta_set_loc(c->t, *idx, c->file_idx, k->start_mark.line + 1, k->start_mark.column + 1);
    return FL_OK;
}

static fl_err set_label(struct ctx *c, size_t idx, yaml_node_t *v)
{
    const char *s = NULL;
    fl_err e = want_string(c, v, &s);
    return e ? e : fl_fta_set_label(c->t, idx, s);
}

/* ---- basic and house events -------------------------------------------------------------- */

static fl_err basic_entry(struct ctx *c, const char *name, yaml_node_t *k, yaml_node_t *v)
{
    double p = NAN, lambda = NAN, mt = NAN;
    yaml_node_t *label = NULL, *pn = NULL, *ln = NULL, *mn = NULL, *check = NULL;
    fl_err e;
    if (v->type == YAML_SCALAR_NODE) {
        if ((e = want_number(c, v, &p)))
            return e;
        pn = v;
    } else if (v->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top;
             pr++) {
            yaml_node_t *kk = yaml_document_get_node(c->w.doc, pr->key);
            yaml_node_t *vv = yaml_document_get_node(c->w.doc, pr->value);
            const char *key = scalar(kk);
            size_t old = fl_yaml_path_key(&c->w, key ? key : "?");
            yaml_node_t **slot = !key                           ? NULL
                                 : !strcmp(key, "probability")  ? &pn
                                 : !strcmp(key, "lambda")       ? &ln
                                 : !strcmp(key, "mission_time") ? &mn
                                 : !strcmp(key, "label")        ? &label
                                 : !strcmp(key, "check")        ? &check
                                                                : NULL;
            if (!slot)
                return fl_yaml_node_err(&c->w, kk,
                                        "unknown key (expected probability, lambda, "
                                        "mission_time, label or check)");
            if (*slot)
                return fl_yaml_node_err(&c->w, kk, "duplicate key");
            *slot = vv;
            if (slot == &check) {
                /* a faultline check (src/fta/live.h): refused here, with its position */
                const char *ct = scalar(vv);
                struct fl_fta_check chk;
                struct fl_diag cd;
                fl_diag_init(&cd);
                if (!ct)
                    e = fl_yaml_node_err(&c->w, vv, "expected a check like \"drift fraud-model\"");
                else if (fl_fta_check_parse(ct, &chk, &cd) != FL_OK)
                    e = fl_yaml_node_err(&c->w, vv, "%s", cd.msg);
                else
                    fl_fta_check_cleanup(&chk);
                fl_yaml_path_pop(&c->w, old);
                if (e)
                    return e;
                continue;
            }
            e = slot == &label ? FL_OK
                               : want_number(c, vv,
                                             slot == &pn   ? &p
                                             : slot == &ln ? &lambda
                                                           : &mt);
            fl_yaml_path_pop(&c->w, old);
            if (e)
                return e;
        }
    } else {
        return fl_yaml_node_err(&c->w, v, "expected a probability or a mapping");
    }
    size_t idx = 0;
    if (pn && (ln || mn))
        return fl_yaml_node_err(&c->w, v,
                                "give either probability or lambda and mission_time, not both");
    if (pn) {
        e = fl_fta_add_basic(c->t, name, p, &idx, c->w.d);
    } else if (ln && mn) {
        e = fl_fta_add_basic_rate(c->t, name, lambda, mt, &idx, c->w.d);
    } else {
        return fl_yaml_node_err(&c->w, v,
                                ln || mn ? "lambda needs mission_time (and the other way round)"
                                         : "a basic event needs a probability or lambda and "
                                           "mission_time");
    }
    if ((e = added(c, k, e, &idx)))
        return e;
    if (label) {
        size_t old = fl_yaml_path_key(&c->w, "label");
        e = set_label(c, idx, label);
        fl_yaml_path_pop(&c->w, old);
    }
    if (!e && check)
        e = fl_fta_set_check(c->t, idx, scalar(check));
    return e;
}

static fl_err house_entry(struct ctx *c, const char *name, yaml_node_t *k, yaml_node_t *v)
{
    bool state = false;
    fl_err e = want_bool(c, v, &state);
    size_t idx = 0;
    if (!e)
        e = added(c, k, fl_fta_add_house(c->t, name, state, &idx, c->w.d), &idx);
    return e;
}

/* ---- gates ------------------------------------------------------------------------------- */

static fl_err gate_inputs(struct ctx *c, size_t idx, yaml_node_t *v)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return fl_yaml_node_err(&c->w, v, "expected a list of event names");
    size_t i = 0;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++, i++) {
        yaml_node_t *n = yaml_document_get_node(c->w.doc, *it);
        const char *s;
        size_t old = fl_yaml_path_index(&c->w, i);
        fl_err e = want_string(c, n, &s);
        if (!e && (e = fl_fta_gate_arg(c->t, idx, s)) == FL_ELIMIT)
            e = fl_yaml_node_err(&c->w, n, "more than %d inputs", FL_LIMIT_FTA_ARGS);
        fl_yaml_path_pop(&c->w, old);
        if (e)
            return e;
        fl_fta_set_arg_loc(c->t, idx, n->start_mark.line + 1, n->start_mark.column + 1);
    }
    return FL_OK;
}

static fl_err gate_entry(struct ctx *c, const char *name, yaml_node_t *k, yaml_node_t *v)
{
    if (v->type != YAML_MAPPING_NODE)
        return fl_yaml_node_err(&c->w, v, "expected a mapping with type and inputs");
    yaml_node_t *type = NULL, *kn = NULL, *inputs = NULL, *label = NULL;
    for (yaml_node_pair_t *pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top; pr++) {
        yaml_node_t *kk = yaml_document_get_node(c->w.doc, pr->key);
        const char *key = scalar(kk);
        yaml_node_t **slot = !key                     ? NULL
                             : !strcmp(key, "type")   ? &type
                             : !strcmp(key, "k")      ? &kn
                             : !strcmp(key, "inputs") ? &inputs
                             : !strcmp(key, "label")  ? &label
                                                      : NULL;
        if (!slot) {
            size_t old = fl_yaml_path_key(&c->w, key ? key : "?");
            fl_err e =
                fl_yaml_node_err(&c->w, kk, "unknown key (expected type, k, inputs or label)");
            fl_yaml_path_pop(&c->w, old);
            return e;
        }
        if (*slot)
            return fl_yaml_node_err(&c->w, kk, "duplicate key");
        *slot = yaml_document_get_node(c->w.doc, pr->value);
    }
    if (!type)
        return fl_yaml_node_err(&c->w, v, "a gate needs a type");
    if (!inputs)
        return fl_yaml_node_err(&c->w, v, "a gate needs inputs");
    enum fl_fta_gate_type gt;
    size_t old = fl_yaml_path_key(&c->w, "type");
    if (!scalar(type) || !fl_fta_gate_type_parse(scalar(type), &gt))
        return fl_yaml_node_err(&c->w, type,
                                "expected and, or, atleast, not, xor, inhibit, nand or nor");
    fl_yaml_path_pop(&c->w, old);
    double kval = 0;
    if ((gt == FL_FTA_ATLEAST) != (kn != NULL))
        return fl_yaml_node_err(&c->w, kn ? kn : v,
                                kn ? "k is for atleast gates only" : "an atleast gate needs k");
    if (kn) {
        old = fl_yaml_path_key(&c->w, "k");
        fl_err e = want_number(c, kn, &kval);
        if (!e && (kval < 1 || kval != floor(kval) || kval > FL_LIMIT_FTA_ARGS))
            e = fl_yaml_node_err(&c->w, kn, "k must be a whole number >= 1");
        if (e)
            return e;
        fl_yaml_path_pop(&c->w, old);
    }
    size_t idx = 0;
    fl_err e = added(c, k, fl_fta_add_gate(c->t, name, gt, (size_t)kval, &idx, c->w.d), &idx);
    if (e)
        return e;
    old = fl_yaml_path_key(&c->w, "inputs");
    e = gate_inputs(c, idx, inputs);
    fl_yaml_path_pop(&c->w, old);
    if (!e && label) {
        old = fl_yaml_path_key(&c->w, "label");
        e = set_label(c, idx, label);
        fl_yaml_path_pop(&c->w, old);
    }
    return e;
}

/* ---- the document ------------------------------------------------------------------------ */

static fl_err walk_root(struct ctx *c, yaml_node_t *root)
{
    if (!root || root->type != YAML_MAPPING_NODE)
        return fl_yaml_node_err(&c->w, root,
                                "a fault tree is a mapping with gates and basic_events");
    yaml_node_t *sect[5] = {0};
    static const char *const names[5] = {"name", "top", "gates", "basic_events", "house_events"};
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(c->w.doc, p->key);
        const char *key = scalar(k);
        int i = 0;
        while (i < 5 && (!key || strcmp(key, names[i])))
            i++;
        if (i == 5)
            return fl_yaml_node_err(&c->w, k,
                                    "unknown key \"%s\" (expected name, top, gates, basic_events, "
                                    "house_events)",
                                    key ? key : "?");
        if (sect[i])
            return fl_yaml_node_err(&c->w, k, "duplicate key \"%s\"", key);
        sect[i] = yaml_document_get_node(c->w.doc, p->value);
    }
    const char *s;
    fl_err e = FL_OK;
    if (sect[0] && !(e = want_string(c, sect[0], &s))) {
        fl_free(c->t->name);
        if (!(c->t->name = fl_strdup(s)))
            return FL_ENOMEM;
    }
    if (!e && sect[1]) {
        size_t old = fl_yaml_path_key(&c->w, "top");
        if (!(e = want_string(c, sect[1], &s)))
            e = fl_fta_set_top(c->t, s);
        fl_yaml_path_pop(&c->w, old);
    }
    if (!e && !sect[2])
        return fl_yaml_node_err(&c->w, root, "a fault tree needs gates");
    entry_fn fns[3] = {gate_entry, basic_entry, house_entry};
    for (int i = 2; i < 5 && !e; i++) {
        if (!sect[i])
            continue;
        size_t old = fl_yaml_path_key(&c->w, names[i]);
        if (!(sect[i]->type == YAML_SCALAR_NODE && !sect[i]->data.scalar.length))
            e = each_entry(c, sect[i], fns[i - 2]);
        fl_yaml_path_pop(&c->w, old);
    }
    return e;
}

fl_err fl_fta_load_yaml(struct fl_fta_tree *t, const char *p, size_t len, const char *file,
                        struct fl_diag *d)
{
    if (!file)
        file = "fault tree";
    yaml_document_t doc;
    fl_err e = fl_yaml_check(p, len, &rules, file, d);
    if (!e)
        e = fl_yaml_load(p, len, &rules, file, &doc, d);
    if (e)
        return e;
    struct ctx c = {
        .w = {.doc = &doc, .d = d, .file = file, .code = FL_EINVAL, .clean = FL_YAML_CLEAN_MSG},
        .t = t};
    e = fl_fta_add_file(t, file, &c.file_idx);
    if (!e)
        e = walk_root(&c, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
    if (!e)
        e = fl_fta_tree_check(t, d);
    return e;
}
