/* SPDX-License-Identifier: Apache-2.0 */
/*
 * model.c: the fault-tree model: the builder the loaders and programs use, validation
 * (undefined references, cycles, gate arities, probabilities) and evaluation of the gates on known
 * basic-event states in Kleene three-valued logic (for live trees bound to checks: an unknown
 * input leaves a gate unknown only if its value depends on it).
 *
 * Validation walks the graph without recursion (an explicit stack), so a hostile chain of a
 * million gates cannot overflow the C stack.
 */
#include "fta.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "core/map.h"
#include "fta_int.h"

static const char *const gate_names[FL_FTA__GATE_COUNT] = {
    [FL_FTA_AND] = "and",   [FL_FTA_OR] = "or",   [FL_FTA_ATLEAST] = "atleast",
    [FL_FTA_NOT] = "not",   [FL_FTA_XOR] = "xor", [FL_FTA_INHIBIT] = "inhibit",
    [FL_FTA_NAND] = "nand", [FL_FTA_NOR] = "nor", [FL_FTA_NULL] = "null",
};

const char *fl_fta_gate_type_name(enum fl_fta_gate_type g)
{
    return (unsigned)g < FL_FTA__GATE_COUNT ? gate_names[g] : "?";
}

bool fl_fta_gate_type_parse(const char *s, enum fl_fta_gate_type *out)
{
    for (int g = 0; g < FL_FTA__GATE_COUNT; g++)
        if (!strcmp(s, gate_names[g])) {
            *out = (enum fl_fta_gate_type)g;
            return true;
        }
    if (!strcmp(s, "k-of-n") || !strcmp(s, "vote")) {
        *out = FL_FTA_ATLEAST;
        return true;
    }
    return false;
}

fl_err fl_fta_tree_new(const char *name, struct fl_fta_tree **out)
{
    struct fl_fta_tree *t = fl_calloc(1, sizeof *t);
    if (!t)
        return FL_ENOMEM;
    t->index = fl_map_new(NULL, FL_LIMIT_FTA_EVENTS);
    if (!t->index || (name && !(t->name = fl_strdup(name)))) {
        fl_fta_tree_free(t);
        return FL_ENOMEM;
    }
    *out = t;
    return FL_OK;
}

static void event_cleanup(struct fl_fta_event *e)
{
    fl_free(e->name);
    fl_free(e->label);
    fl_free(e->check);
    for (size_t i = 0; i < e->n_args; i++)
        fl_free(e->arg_names[i]);
    fl_free(e->arg_names);
    fl_free(e->args);
    fl_free(e->arg_line);
    fl_free(e->arg_column);
}

void fl_fta_tree_free(struct fl_fta_tree *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_events; i++)
        event_cleanup(&t->events[i]);
    fl_free(t->events);
    for (size_t i = 0; i < t->n_files; i++)
        fl_free(t->files[i]);
    fl_free(t->files);
    fl_free(t->order);
    fl_free(t->name);
    fl_free(t->top_name);
    fl_map_free(t->index);
    fl_free(t);
}

/* Where an event was defined, for diagnostics. */
void fl_fta__diag_at(const struct fl_fta_tree *t, struct fl_diag *d, size_t file,
                     unsigned long line, unsigned long col)
{
    if (d && d->code == FL_OK && file < t->n_files)
        fl_diag_file(d, t->files[file]);
    (void)line;
    (void)col;
}

/* The YAML section an event belongs to, which the field paths of diagnostics start with. */
static const char *section(const struct fl_fta_event *e)
{
    return e->kind == FL_FTA_GATE    ? "gates"
           : e->kind == FL_FTA_BASIC ? "basic_events"
                                     : "house_events";
}

static fl_err event_err(const struct fl_fta_tree *t, struct fl_diag *d,
                        const struct fl_fta_event *e, const char *field, const char *fmt, ...)
    FL_PRINTF(5, 6);
static fl_err event_err(const struct fl_fta_tree *t, struct fl_diag *d,
                        const struct fl_fta_event *e, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fl_fta__diag_at(t, d, e->file, e->line, e->column);
    if (d && d->code == FL_OK)
        fl_diag_field(d, "%s.%s%s%s", section(e), e->name, field ? "." : "", field ? field : "");
    fl_err err = fl_diag_vset(d, FL_EINVAL, e->line, e->column, fmt, ap);
    va_end(ap);
    return err;
}

static fl_err add_event(struct fl_fta_tree *t, const char *name, enum fl_fta_kind kind, size_t *idx,
                        struct fl_diag *d)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "an event needs a name");
    if (len > FL_LIMIT_NAME_BYTES)
        return fl_diag_set(d, FL_ELIMIT, 0, 0, "event name longer than %d bytes",
                           FL_LIMIT_NAME_BYTES);
    void *prev = fl_map_get(t->index, name, len);
    if (prev) {
        const struct fl_fta_event *o = &t->events[(uintptr_t)prev - 1];
        fl_diag_field(d, "%s", name);
        if (o->line)
            return fl_diag_set(d, FL_EINVAL, 0, 0, "event \"%s\" is already defined at %s%s%lu:%lu",
                               name, o->file < t->n_files ? t->files[o->file] : "",
                               o->file < t->n_files ? ":" : "", o->line, o->column);
        return fl_diag_set(d, FL_EINVAL, 0, 0, "event \"%s\" is already defined", name);
    }
    if (t->n_events >= FL_LIMIT_FTA_EVENTS)
        return fl_diag_set(d, FL_ELIMIT, 0, 0, "more than %d events", FL_LIMIT_FTA_EVENTS);
    if (t->n_events == t->cap_events) {
        size_t cap = t->cap_events ? t->cap_events * 2 : 16;
        struct fl_fta_event *ev = fl_reallocarray(t->events, cap, sizeof *ev);
        if (!ev)
            return FL_ENOMEM;
        t->events = ev;
        t->cap_events = cap;
    }
    struct fl_fta_event *e = &t->events[t->n_events];
    memset(e, 0, sizeof *e);
    e->file = SIZE_MAX;
    if (!(e->name = fl_strndup(name, len)))
        return FL_ENOMEM;
    if (fl_map_put(t->index, e->name, len, (void *)(uintptr_t)(t->n_events + 1)) != FL_OK) {
        fl_free(e->name);
        return FL_ENOMEM;
    }
    e->kind = kind;
    if (idx)
        *idx = t->n_events;
    t->n_events++;
    t->checked = false;
    return FL_OK;
}

fl_err fl_fta_add_basic(struct fl_fta_tree *t, const char *name, double p, size_t *idx,
                        struct fl_diag *d)
{
    size_t i;
    fl_err e = add_event(t, name, FL_FTA_BASIC, &i, d);
    if (e)
        return e;
    t->events[i].p = p;
    if (idx)
        *idx = i;
    return FL_OK;
}

fl_err fl_fta_add_basic_rate(struct fl_fta_tree *t, const char *name, double lambda,
                             double mission_time, size_t *idx, struct fl_diag *d)
{
    size_t i;
    fl_err e = add_event(t, name, FL_FTA_BASIC, &i, d);
    if (e)
        return e;
    t->events[i].has_rate = true;
    t->events[i].lambda = lambda;
    t->events[i].mission_time = mission_time;
    t->events[i].p = NAN; /* set by check */
    if (idx)
        *idx = i;
    return FL_OK;
}

fl_err fl_fta_add_house(struct fl_fta_tree *t, const char *name, bool state, size_t *idx,
                        struct fl_diag *d)
{
    size_t i;
    fl_err e = add_event(t, name, FL_FTA_HOUSE, &i, d);
    if (e)
        return e;
    t->events[i].state = state;
    if (idx)
        *idx = i;
    return FL_OK;
}

fl_err fl_fta_add_gate(struct fl_fta_tree *t, const char *name, enum fl_fta_gate_type type,
                       size_t k, size_t *idx, struct fl_diag *d)
{
    if ((unsigned)type >= FL_FTA__GATE_COUNT)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "unknown gate type %d", (int)type);
    size_t i;
    fl_err e = add_event(t, name, FL_FTA_GATE, &i, d);
    if (e)
        return e;
    t->events[i].type = type;
    t->events[i].k = k;
    if (idx)
        *idx = i;
    return FL_OK;
}

fl_err fl_fta_gate_arg(struct fl_fta_tree *t, size_t gate, const char *name)
{
    if (gate >= t->n_events || t->events[gate].kind != FL_FTA_GATE || !name)
        return FL_EINVAL;
    struct fl_fta_event *g = &t->events[gate];
    if (g->n_args >= FL_LIMIT_FTA_ARGS)
        return FL_ELIMIT;
    if (g->n_args == g->cap_args) {
        size_t cap = g->cap_args ? g->cap_args * 2 : 4;
        char **n = fl_reallocarray(g->arg_names, cap, sizeof *n);
        if (!n)
            return FL_ENOMEM;
        g->arg_names = n;
        unsigned long *l = fl_reallocarray(g->arg_line, cap, sizeof *l);
        if (!l)
            return FL_ENOMEM;
        g->arg_line = l;
        unsigned long *c = fl_reallocarray(g->arg_column, cap, sizeof *c);
        if (!c)
            return FL_ENOMEM;
        g->arg_column = c;
        g->cap_args = cap;
    }
    if (!(g->arg_names[g->n_args] = fl_strdup(name)))
        return FL_ENOMEM;
    g->arg_line[g->n_args] = 0;
    g->arg_column[g->n_args] = 0;
    g->n_args++;
    t->checked = false;
    return FL_OK;
}

fl_err fl_fta_set_label(struct fl_fta_tree *t, size_t idx, const char *label)
{
    if (idx >= t->n_events)
        return FL_EINVAL;
    char *s = label ? fl_strdup(label) : NULL;
    if (label && !s)
        return FL_ENOMEM;
    fl_free(t->events[idx].label);
    t->events[idx].label = s;
    return FL_OK;
}

fl_err fl_fta_set_check(struct fl_fta_tree *t, size_t idx, const char *check)
{
    if (idx >= t->n_events)
        return FL_EINVAL;
    char *s = check ? fl_strdup(check) : NULL;
    if (check && !s)
        return FL_ENOMEM;
    fl_free(t->events[idx].check);
    t->events[idx].check = s;
    return FL_OK;
}

void fl_fta_set_loc(struct fl_fta_tree *t, size_t idx, size_t file, unsigned long line,
                    unsigned long column)
{
    if (idx >= t->n_events)
        return;
    t->events[idx].file = file;
    t->events[idx].line = line;
    t->events[idx].column = column;
}

void fl_fta_set_arg_loc(struct fl_fta_tree *t, size_t gate, unsigned long line,
                        unsigned long column)
{
    if (gate >= t->n_events || !t->events[gate].n_args)
        return;
    struct fl_fta_event *g = &t->events[gate];
    g->arg_line[g->n_args - 1] = line;
    g->arg_column[g->n_args - 1] = column;
}

fl_err fl_fta_add_file(struct fl_fta_tree *t, const char *name, size_t *file)
{
    char **f = fl_reallocarray(t->files, t->n_files + 1, sizeof *f);
    if (!f)
        return FL_ENOMEM;
    t->files = f;
    if (!(f[t->n_files] = fl_strdup(name ? name : "")))
        return FL_ENOMEM;
    *file = t->n_files++;
    return FL_OK;
}

fl_err fl_fta_set_top(struct fl_fta_tree *t, const char *name)
{
    char *s = fl_strdup(name);
    if (!s)
        return FL_ENOMEM;
    fl_free(t->top_name);
    t->top_name = s;
    t->checked = false;
    return FL_OK;
}

bool fl_fta_find(const struct fl_fta_tree *t, const char *name, size_t *idx)
{
    void *v = fl_map_get(t->index, name, strlen(name));
    if (!v)
        return false;
    *idx = (uintptr_t)v - 1;
    return true;
}

/* ---- check ------------------------------------------------------------------------------- */

static fl_err check_leaf(const struct fl_fta_tree *t, struct fl_fta_event *e, struct fl_diag *d)
{
    if (e->kind != FL_FTA_BASIC)
        return FL_OK;
    if (e->has_rate) {
        if (!isfinite(e->lambda) || e->lambda < 0)
            return event_err(t, d, e, "lambda", "failure rate must be a finite number >= 0, got %g",
                             e->lambda);
        if (!isfinite(e->mission_time) || e->mission_time < 0)
            return event_err(t, d, e, "mission_time",
                             "mission time must be a finite number >= 0, got %g", e->mission_time);
        e->p = 0.0 - expm1(-e->lambda * e->mission_time);
    }
    if (!(e->p >= 0 && e->p <= 1))
        return event_err(t, d, e, "probability", "probability must be within [0, 1], got %g", e->p);
    return FL_OK;
}

static fl_err check_arity(const struct fl_fta_tree *t, const struct fl_fta_event *e,
                          struct fl_diag *d)
{
    size_t n = e->n_args;
    const char *tn = gate_names[e->type];
    switch (e->type) {
    case FL_FTA_NOT:
    case FL_FTA_NULL:
        if (n != 1)
            return event_err(t, d, e, "inputs", "a %s gate takes exactly one input, got %zu", tn,
                             n);
        break;
    case FL_FTA_XOR:
    case FL_FTA_INHIBIT:
        if (n < 2)
            return event_err(t, d, e, "inputs", "a %s gate takes at least two inputs, got %zu", tn,
                             n);
        break;
    case FL_FTA_ATLEAST:
        if (e->k < 1 || e->k > n)
            return event_err(t, d, e, "k",
                             "an atleast gate needs 1 <= k <= %zu inputs, got k = %zu", n, e->k);
        break;
    default:
        if (n < 1)
            return event_err(t, d, e, "inputs", "a %s gate needs at least one input", tn);
    }
    return FL_OK;
}

static fl_err resolve_args(struct fl_fta_tree *t, struct fl_fta_event *e, size_t self,
                           struct fl_diag *d)
{
    fl_free(e->args);
    e->args = fl_malloc((e->n_args ? e->n_args : 1) * sizeof *e->args);
    if (!e->args)
        return FL_ENOMEM;
    for (size_t a = 0; a < e->n_args; a++) {
        size_t j = 0;
        bool found = fl_fta_find(t, e->arg_names[a], &j);
        if (!found || j == self) {
            fl_fta__diag_at(t, d, e->file, 0, 0);
            if (d && d->code == FL_OK)
                fl_diag_field(d, "gates.%s.inputs[%zu]", e->name, a);
            unsigned long l = e->arg_line[a] ? e->arg_line[a] : e->line;
            unsigned long c = e->arg_line[a] ? e->arg_column[a] : e->column;
            if (found)
                return fl_diag_set(d, FL_EINVAL, l, c, "gate \"%s\" uses itself as an input",
                                   e->name);
            return fl_diag_set(d, FL_EINVAL, l, c, "undefined event \"%s\"", e->arg_names[a]);
        }
        e->args[a] = j;
    }
    return FL_OK;
}

/* Topological order of all gates (inputs first) by an iterative DFS; reports a cycle. */
static fl_err order_gates(struct fl_fta_tree *t, struct fl_diag *d)
{
    size_t n = t->n_events;
    unsigned char *mark = fl_calloc(n ? n : 1, 1); /* 0 new, 1 on stack, 2 done */
    size_t *stack = fl_malloc((n ? n : 1) * sizeof *stack);
    size_t *pos = fl_malloc((n ? n : 1) * sizeof *pos);
    fl_free(t->order);
    t->order = fl_malloc((n ? n : 1) * sizeof *t->order);
    t->n_order = 0;
    fl_err err = FL_OK;
    if (!mark || !stack || !pos || !t->order) {
        err = FL_ENOMEM;
        goto out;
    }
    for (size_t s = 0; s < n && !err; s++) {
        if (t->events[s].kind != FL_FTA_GATE || mark[s])
            continue;
        size_t sp = 0;
        stack[sp] = s;
        pos[sp++] = 0;
        mark[s] = 1;
        while (sp && !err) {
            size_t g = stack[sp - 1];
            const struct fl_fta_event *e = &t->events[g];
            if (pos[sp - 1] == e->n_args) {
                mark[g] = 2;
                t->order[t->n_order++] = g;
                sp--;
                continue;
            }
            size_t a = pos[sp - 1]++;
            size_t c = e->args[a];
            if (t->events[c].kind != FL_FTA_GATE || mark[c] == 2)
                continue;
            if (mark[c] == 1) {
                fl_fta__diag_at(t, d, e->file, 0, 0);
                if (d && d->code == FL_OK)
                    fl_diag_field(d, "gates.%s.inputs[%zu]", e->name, a);
                err = fl_diag_set(d, FL_EINVAL, e->arg_line[a] ? e->arg_line[a] : e->line,
                                  e->arg_line[a] ? e->arg_column[a] : e->column,
                                  "cycle: gate \"%s\" depends on itself through \"%s\"",
                                  t->events[c].name, e->name);
                break;
            }
            mark[c] = 1;
            stack[sp] = c;
            pos[sp++] = 0;
        }
    }
out:
    fl_free(mark);
    fl_free(stack);
    fl_free(pos);
    return err;
}

static fl_err pick_top(struct fl_fta_tree *t, struct fl_diag *d)
{
    if (t->top_name) {
        if (!fl_fta_find(t, t->top_name, &t->top)) {
            fl_diag_field(d, "top");
            return fl_diag_set(d, FL_EINVAL, 0, 0, "top event \"%s\" is not defined", t->top_name);
        }
        t->has_top = true;
        return FL_OK;
    }
    bool *used = fl_calloc(t->n_events ? t->n_events : 1, sizeof *used);
    if (!used)
        return FL_ENOMEM;
    for (size_t i = 0; i < t->n_events; i++)
        for (size_t a = 0; a < t->events[i].n_args; a++)
            used[t->events[i].args[a]] = true;
    size_t found = 0, top = 0;
    for (size_t i = 0; i < t->n_events; i++)
        if (t->events[i].kind == FL_FTA_GATE && !used[i] && found++ == 0)
            top = i;
    fl_free(used);
    if (found != 1)
        return fl_diag_set(d, FL_EINVAL, 0, 0,
                           found ? "%zu gates are no gate's input: name the top event"
                                 : "%zu gates: no top event (a gate that is no gate's input)",
                           found);
    t->top = top;
    t->has_top = true;
    return FL_OK;
}

fl_err fl_fta_tree_check(struct fl_fta_tree *t, struct fl_diag *d)
{
    t->checked = false;
    t->has_top = false;
    fl_err e = FL_OK;
    for (size_t i = 0; i < t->n_events && !e; i++) {
        struct fl_fta_event *ev = &t->events[i];
        if (ev->kind == FL_FTA_GATE) {
            e = check_arity(t, ev, d);
            if (!e)
                e = resolve_args(t, ev, i, d);
        } else {
            e = check_leaf(t, ev, d);
        }
    }
    if (!e)
        e = order_gates(t, d);
    if (!e)
        e = pick_top(t, d);
    if (!e)
        t->checked = true;
    return e;
}

/* ---- evaluation -------------------------------------------------------------------------- */

unsigned char fl_fta__eval_gate(const struct fl_fta_event *g, const unsigned char *v)
{
    size_t nt = 0, nu = 0, n = g->n_args;
    for (size_t a = 0; a < n; a++) {
        unsigned char x = v[g->args[a]];
        nt += x == FL_FTA_TRUE;
        nu += x == FL_FTA_UNKNOWN;
    }
    size_t nf = n - nt - nu;
    unsigned char r;
    switch (g->type) {
    case FL_FTA_AND:
    case FL_FTA_INHIBIT:
    case FL_FTA_NAND:
        r = nf ? FL_FTA_FALSE : nu ? FL_FTA_UNKNOWN : FL_FTA_TRUE;
        break;
    case FL_FTA_OR:
    case FL_FTA_NOR:
        r = nt ? FL_FTA_TRUE : nu ? FL_FTA_UNKNOWN : FL_FTA_FALSE;
        break;
    case FL_FTA_ATLEAST:
        r = nt >= g->k ? FL_FTA_TRUE : nt + nu >= g->k ? FL_FTA_UNKNOWN : FL_FTA_FALSE;
        break;
    case FL_FTA_XOR:
        r = nu ? FL_FTA_UNKNOWN : (nt & 1) ? FL_FTA_TRUE : FL_FTA_FALSE;
        break;
    case FL_FTA_NOT:
    case FL_FTA_NULL:
    default:
        r = v[g->args[0]];
        break;
    }
    if ((g->type == FL_FTA_NAND || g->type == FL_FTA_NOR || g->type == FL_FTA_NOT) &&
        r != FL_FTA_UNKNOWN)
        r = r == FL_FTA_TRUE ? FL_FTA_FALSE : FL_FTA_TRUE;
    return r;
}

fl_err fl_fta_evaluate(const struct fl_fta_tree *t, const unsigned char *states,
                       bool override_houses, unsigned char *values)
{
    if (!t->checked)
        return FL_EINVAL;
    for (size_t i = 0; i < t->n_events; i++) {
        const struct fl_fta_event *e = &t->events[i];
        unsigned char s = states ? states[i] : FL_FTA_UNKNOWN;
        if (s > FL_FTA_UNKNOWN)
            s = FL_FTA_UNKNOWN;
        if (e->kind == FL_FTA_BASIC)
            values[i] = s;
        else if (e->kind == FL_FTA_HOUSE)
            values[i] = override_houses && s != FL_FTA_UNKNOWN ? s
                        : e->state                             ? FL_FTA_TRUE
                                                               : FL_FTA_FALSE;
        else
            values[i] = FL_FTA_UNKNOWN;
    }
    for (size_t o = 0; o < t->n_order; o++)
        values[t->order[o]] = fl_fta__eval_gate(&t->events[t->order[o]], values);
    return FL_OK;
}
