/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaml_doc.c: the libyaml plumbing shared by the YAML readers (yaml_doc.h): the constant-memory
 * check over libyaml's event API, the document load, syntax errors built from the parser's
 * problem and context marks, and the walk's key path and node errors.
 *
 * libyaml reports a syntax error as a problem at a mark, optionally inside a context that started
 * at another mark ("did not find expected key" / "while parsing a block mapping"). A composer
 * error with a context (a duplicate anchor) reverses the roles: the context is the first
 * occurrence and the problem the second, hence FL_YAML_SYNTAX_FULL's own wording for it.
 */
#include "yaml_doc.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"

/* ---- check and load ---- */

static fl_err nomem(const struct fl_yaml_rules *r, struct fl_diag *d)
{
    return r->nomem_diag ? fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory") : FL_ENOMEM;
}

/* An error at a libyaml mark (0-based) of the input named file. */
static fl_err mark_err(struct fl_diag *d, const char *file, fl_err code, const yaml_mark_t *m,
                       const char *fmt, ...) FL_PRINTF(5, 6);
static fl_err mark_err(struct fl_diag *d, const char *file, fl_err code, const yaml_mark_t *m,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fl_diag_file(d, file);
    fl_err e = fl_diag_vset(d, code, m->line + 1, m->column + 1, fmt, ap);
    va_end(ap);
    return e;
}

static fl_err syntax_err(const yaml_parser_t *parser, const struct fl_yaml_rules *r,
                         const char *file, struct fl_diag *d)
{
    if (parser->error == YAML_MEMORY_ERROR)
        return nomem(r, d);
    const yaml_mark_t *at = &parser->problem_mark;
    const char *problem = parser->problem ? parser->problem : "error";
    const char *context = parser->context;
    unsigned long line = (unsigned long)parser->context_mark.line + 1;
    unsigned long col = (unsigned long)parser->context_mark.column + 1;
    if (!context)
        return mark_err(d, file, r->code, at, "YAML syntax: %s", problem);
    if (r->syntax == FL_YAML_SYNTAX_BRIEF)
        return mark_err(d, file, r->code, at, "YAML syntax: %s %s", problem, context);
    if (r->syntax == FL_YAML_SYNTAX_FULL && parser->error == YAML_COMPOSER_ERROR)
        return mark_err(d, file, r->code, at, "YAML syntax: %s at %lu:%lu, %s here", context, line,
                        col, problem);
    return mark_err(d, file, r->code, at, "YAML syntax: %s %s started at %lu:%lu", problem, context,
                    line, col);
}

struct counts {
    size_t docs, nodes, events;
};

/* Refuse one event by the rules (the alias, second document and caps of fl_yaml_check). */
static fl_err check_event(const struct fl_yaml_rules *r, const yaml_event_t *ev, struct counts *n,
                          const char *file, struct fl_diag *d)
{
    yaml_event_type_t t = ev->type;
    const yaml_mark_t *m = &ev->start_mark;
    if (r->no_aliases && t == YAML_ALIAS_EVENT)
        return mark_err(d, file, r->code, m, "%s", r->no_aliases);
    if (t == YAML_DOCUMENT_START_EVENT && ++n->docs > 1)
        return mark_err(d, file, r->code, m, "a second YAML document: %s is one document", r->what);
    n->nodes += t == YAML_SCALAR_EVENT || t == YAML_SEQUENCE_START_EVENT ||
                t == YAML_MAPPING_START_EVENT || t == YAML_ALIAS_EVENT;
    n->events++;
    if (r->max_nodes && n->nodes > r->max_nodes)
        return mark_err(d, file, FL_ELIMIT, m, "more than %zu YAML nodes", r->max_nodes);
    if (r->max_events && n->events > r->max_events)
        return mark_err(d, file, FL_ELIMIT, m, "too many YAML nodes");
    return FL_OK;
}

fl_err fl_yaml_check(const char *p, size_t len, const struct fl_yaml_rules *r, const char *file,
                     struct fl_diag *d)
{
    yaml_parser_t parser;
    struct counts n = {0, 0, 0};
    fl_err e = FL_OK;

    if (len > r->max_bytes) {
        fl_diag_file(d, file);
        return fl_diag_set(d, FL_ELIMIT, 0, 0, "file larger than %zu bytes", r->max_bytes);
    }
    if (!yaml_parser_initialize(&parser))
        return nomem(r, d);
    yaml_parser_set_input_string(&parser, (const unsigned char *)p, len);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            e = syntax_err(&parser, r, file, d);
            break;
        }
        yaml_event_type_t t = ev.type;
        e = check_event(r, &ev, &n, file, d);
        yaml_event_delete(&ev);
        if (e || t == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&parser);
    return e;
}

fl_err fl_yaml_load(const char *p, size_t len, const struct fl_yaml_rules *r, const char *file,
                    yaml_document_t *doc, struct fl_diag *d)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return nomem(r, d);
    yaml_parser_set_input_string(&parser, (const unsigned char *)p, len);
    /* The document owns its nodes: the parser can go as soon as it is built. */
    fl_err e = yaml_parser_load(&parser, doc) ? FL_OK : syntax_err(&parser, r, file, d);
    yaml_parser_delete(&parser);
    return e;
}

/* ---- the walk ---- */

fl_err fl_yaml_node_verr(struct fl_yaml_walk *w, const yaml_node_t *n, const char *fmt, va_list ap)
{
    fl_diag_file(w->d, w->file);
    if (w->path[0])
        fl_diag_field(w->d, "%s", w->path);
    fl_err e = fl_diag_vset(w->d, w->code, n ? n->start_mark.line + 1 : 0,
                            n ? n->start_mark.column + 1 : 0, fmt, ap);
    if (!w->d)
        return e;
    /* A diagnostic is one line: control characters quoted from the file (a key "a\nb") become
     * '?'. */
    bool all = w->clean == FL_YAML_CLEAN_ALL;
    for (char *s = w->d->msg; *s; s++)
        if ((unsigned char)*s < 0x20 || (all && *s == 0x7f))
            *s = '?';
    for (char *s = w->d->field; all && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
    return e;
}

fl_err fl_yaml_node_err(struct fl_yaml_walk *w, const yaml_node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fl_err e = fl_yaml_node_verr(w, n, fmt, ap);
    va_end(ap);
    return e;
}

size_t fl_yaml_path_key(struct fl_yaml_walk *w, const char *key)
{
    size_t old = strlen(w->path);
    snprintf(w->path + old, sizeof w->path - old, "%s%s", old ? "." : "", key);
    return old;
}

size_t fl_yaml_path_index(struct fl_yaml_walk *w, size_t i)
{
    size_t old = strlen(w->path);
    snprintf(w->path + old, sizeof w->path - old, "[%zu]", i);
    return old;
}

void fl_yaml_path_pop(struct fl_yaml_walk *w, size_t old)
{
    w->path[old] = '\0';
}

fl_err fl_yaml_visit(struct fl_yaml_walk *w, const yaml_node_t *n)
{
    if (++w->visits > w->max_visits)
        return fl_yaml_node_err(w, n, "document too large or too deeply aliased (over %zu nodes)",
                                w->max_visits);
    return FL_OK;
}

/* ---- scalars ---- */

const char *fl_yaml_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

fl_err fl_yaml_scalar(struct fl_yaml_walk *w, const yaml_node_t *n, const char *what,
                      struct fl_str *out)
{
    if (n->type != YAML_SCALAR_NODE)
        return fl_yaml_node_err(w, n, "expected %s, got %s", what, fl_yaml_kind(n));
    if (out)
        *out = (struct fl_str){(const char *)n->data.scalar.value, n->data.scalar.length};
    return FL_OK;
}

fl_err fl_yaml_strdup(struct fl_yaml_walk *w, const yaml_node_t *n, char **out)
{
    struct fl_str s = {"", 0};
    fl_err e = fl_yaml_scalar(w, n, "a string", &s);
    if (e)
        return e;
    if (memchr(s.p, '\0', s.len))
        return fl_yaml_node_err(w, n, "string contains a NUL byte");
    char *v = fl_strndup(s.p, s.len);
    if (!v)
        return FL_ENOMEM;
    fl_free(*out);
    *out = v;
    return FL_OK;
}

bool fl_yaml_bool_word(const char *p, size_t len, bool *out)
{
    static const char *const words[] = {"true", "True", "TRUE", "false", "False", "FALSE"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strlen(words[i]) == len && !memcmp(words[i], p, len)) {
            *out = i < 3;
            return true;
        }
    }
    return false;
}
