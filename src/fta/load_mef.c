/* SPDX-License-Identifier: Apache-2.0 */
/*
 * load_mef.c: the Open-PSA Model Exchange Format (MEF 2.0d, "opsa-mef" XML) -> the model, with
 * libxml2's tree API; and fl_fta_load_files, which picks a loader per file.
 *
 * Subset (docs/FTA.md, "Open-PSA MEF"): define-fault-tree (also nested define-component) with
 * define-gate, define-basic-event, define-house-event and define-parameter; model-data with the
 * same event and parameter definitions; gate formulas and, or, atleast (min), not, xor, nand, nor,
 * iff-free nesting of formulas (a nested formula becomes an anonymous gate "GATE/N"), and event
 * references <event>, <gate>, <basic-event>, <house-event>; a formula that is a single reference
 * becomes a pass-through (null) gate. Expressions: <float value>, <int value>, <parameter name>
 * (defined in the same file), <exponential> of (lambda, time), <bool value> for house events;
 * <constant value> for house events. Anything else is refused with its line, not guessed.
 *
 * Hostile input: no network (XML_PARSE_NONET), no entity substitution and no DTD at all (a
 * document with a <!DOCTYPE is refused before parsing, so entity expansion attacks cannot start),
 * libxml2's own depth limit (no XML_PARSE_HUGE), and the file size cap. libxml2 records no
 * columns for elements; the column reported is that of the element's "<name" on its line.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/str.h"
#include "fta.h"

#define MEF_MAX_PARAM_DEPTH 64 /* parameter -> parameter chains */

struct mef {
    struct fl_fta_tree *t;
    struct fl_diag *d;
    const char *file;
    size_t file_idx;
    const char *p;
    size_t len;
    xmlNode *params_root; /* the document, searched for define-parameter */
    xmlDoc *doc;
    size_t *line_start; /* owned: offset of each line's first byte */
    size_t n_lines;
};

static bool is(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* Offsets of the line starts of the input, built once per document (a diagnostic or a position
 * per definition must not rescan the file). */
static fl_err index_lines(struct mef *m)
{
    size_t n = 1;
    for (size_t i = 0; i < m->len; i++)
        n += m->p[i] == '\n';
    m->line_start = fl_malloc(n * sizeof *m->line_start);
    if (!m->line_start)
        return FL_ENOMEM;
    m->n_lines = 0;
    m->line_start[m->n_lines++] = 0;
    for (size_t i = 0; i < m->len; i++)
        if (m->p[i] == '\n')
            m->line_start[m->n_lines++] = i + 1;
    return FL_OK;
}

/*
 * Column (1-based) of element n: libxml2 keeps only its line, so find the "<name" on that line
 * whose ordinal matches the number of same-named earlier siblings on the same line. 0 if unknown.
 */
static unsigned long column_of(const struct mef *m, const xmlNode *n)
{
    long line = xmlGetLineNo(n);
    if (line <= 0 || !m->line_start || (size_t)line > m->n_lines)
        return 0;
    size_t ordinal = 0;
    for (const xmlNode *s = n->prev; s; s = s->prev)
        if (s->type == XML_ELEMENT_NODE) {
            if (xmlGetLineNo(s) != line)
                break;
            ordinal += !strcmp((const char *)s->name, (const char *)n->name);
        }
    size_t i = m->line_start[line - 1];
    size_t nl = strlen((const char *)n->name);
    for (size_t j = i; j < m->len && m->p[j] != '\n'; j++)
        if (m->p[j] == '<' && j + 1 + nl <= m->len && !memcmp(m->p + j + 1, n->name, nl) &&
            (j + 1 + nl == m->len || strchr(" \t\r\n/>", m->p[j + 1 + nl])) && ordinal-- == 0)
            return (unsigned long)(j - i + 1);
    return 0;
}

static fl_err mef_err(struct mef *m, const xmlNode *n, const char *fmt, ...) FL_PRINTF(3, 4);
static fl_err mef_err(struct mef *m, const xmlNode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fl_diag_file(m->d, m->file);
    long line = n ? xmlGetLineNo(n) : 0;
    fl_err e = fl_diag_vset(m->d, FL_EINVAL, line > 0 ? (unsigned long)line : 0,
                            n ? column_of(m, n) : 0, fmt, ap);
    va_end(ap);
    if (m->d)
        for (char *s = m->d->msg; *s; s++)
            if ((unsigned char)*s < 0x20)
                *s = '?';
    return e;
}

/* An attribute as an owned string (xmlFree) or NULL. */
static char *attr(const xmlNode *n, const char *name)
{
    return (char *)xmlGetProp(n, (const xmlChar *)name);
}

static fl_err need_attr(struct mef *m, const xmlNode *n, const char *name, char **out)
{
    *out = attr(n, name);
    if (!*out || !**out) {
        xmlFree(*out);
        *out = NULL;
        return mef_err(m, n, "<%s> needs a non-empty %s attribute", (const char *)n->name, name);
    }
    if (strlen(*out) > FL_LIMIT_NAME_BYTES) {
        xmlFree(*out);
        *out = NULL;
        return mef_err(m, n, "%s longer than %d bytes", name, FL_LIMIT_NAME_BYTES);
    }
    return FL_OK;
}

static xmlNode *first_elem(xmlNode *n)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->next;
    return n;
}

static xmlNode *next_elem(xmlNode *n)
{
    return first_elem(n ? n->next : NULL);
}

/* Skip <label> and <attributes> at the start of a definition's children. */
static xmlNode *body_of(xmlNode *def, xmlNode **label)
{
    xmlNode *c = first_elem(def->children);
    *label = NULL;
    while (c && (is(c, "label") || is(c, "attributes"))) {
        if (is(c, "label"))
            *label = c;
        c = next_elem(c);
    }
    return c;
}

static fl_err set_label(struct mef *m, size_t idx, xmlNode *label)
{
    if (!label)
        return FL_OK;
    xmlChar *s = xmlNodeGetContent(label);
    if (!s)
        return FL_OK;
    struct fl_str tr = fl_str_trim(fl_str_c((const char *)s));
    char *copy = fl_strndup(tr.p, tr.len);
    xmlFree(s);
    if (!copy)
        return FL_ENOMEM;
    fl_err e = fl_fta_set_label(m->t, idx, copy);
    fl_free(copy);
    return e;
}

/* Position a builder error (duplicate name, limits) at the definition. */
static fl_err added(struct mef *m, const xmlNode *n, fl_err e, const size_t *idx)
{
    if (e == FL_ENOMEM)
        return e;
    if (e) {
        if (m->d && m->d->line == 0) {
            long line = xmlGetLineNo(n);
            m->d->line = line > 0 ? (unsigned long)line : 0;
            m->d->column = column_of(m, n);
            fl_diag_file(m->d, m->file);
        }
        return e;
    }
    long line = xmlGetLineNo(n);
    fl_fta_set_loc(m->t, *idx, m->file_idx, line > 0 ? (unsigned long)line : 0, column_of(m, n));
    return FL_OK;
}

/* ---- expressions ------------------------------------------------------------------------- */

static fl_err expr(struct mef *m, xmlNode *n, double *out, int depth);

static fl_err number_attr(struct mef *m, xmlNode *n, double *out)
{
    char *v = attr(n, "value");
    bool ok = v && fl_str_to_double(fl_str_trim(fl_str_c(v)), out) && isfinite(*out);
    xmlFree(v);
    return ok ? FL_OK
              : mef_err(m, n, "<%s> needs a finite number in its value attribute",
                        (const char *)n->name);
}

static fl_err param_value(struct mef *m, xmlNode *ref, double *out, int depth)
{
    if (depth > MEF_MAX_PARAM_DEPTH)
        return mef_err(m, ref, "parameters nest deeper than %d (a cycle?)", MEF_MAX_PARAM_DEPTH);
    char *name;
    fl_err e = need_attr(m, ref, "name", &name);
    if (e)
        return e;
    /* define-parameter may sit in model-data or in any fault tree of the document */
    xmlNode *found = NULL;
    for (xmlNode *s = first_elem(m->params_root->children); s && !found; s = next_elem(s))
        for (xmlNode *c = first_elem(s->children); c && !found; c = next_elem(c))
            if (is(c, "define-parameter")) {
                char *pn = attr(c, "name");
                if (pn && !strcmp(pn, name))
                    found = c;
                xmlFree(pn);
            }
    if (!found) {
        e = mef_err(m, ref, "undefined parameter \"%s\" (parameters must be in the same file)",
                    name);
        xmlFree(name);
        return e;
    }
    xmlFree(name);
    xmlNode *label, *body = body_of(found, &label);
    if (!body)
        return mef_err(m, found, "<define-parameter> needs an expression");
    return expr(m, body, out, depth + 1);
}

static fl_err expr(struct mef *m, xmlNode *n, double *out, int depth)
{
    if (is(n, "float") || is(n, "int"))
        return number_attr(m, n, out);
    if (is(n, "parameter"))
        return param_value(m, n, out, depth);
    if (is(n, "exponential")) {
        xmlNode *a = first_elem(n->children), *b = next_elem(a);
        double lambda, time;
        if (!a || !b || next_elem(b))
            return mef_err(m, n, "<exponential> takes two arguments: lambda and mission time");
        fl_err e = expr(m, a, &lambda, depth);
        if (!e)
            e = expr(m, b, &time, depth);
        if (e)
            return e;
        if (lambda < 0 || time < 0)
            return mef_err(m, n, "<exponential> needs lambda >= 0 and time >= 0");
        *out = 0.0 - expm1(-lambda * time);
        return FL_OK;
    }
    return mef_err(m, n,
                   "unsupported expression <%s> (supported: float, int, parameter, "
                   "exponential)",
                   (const char *)n->name);
}

/* ---- events ------------------------------------------------------------------------------ */

static fl_err basic_event(struct mef *m, xmlNode *n)
{
    char *name;
    fl_err e = need_attr(m, n, "name", &name);
    if (e)
        return e;
    xmlNode *label, *body = body_of(n, &label);
    size_t idx = 0;
    double p = NAN;
    if (!body) {
        e = mef_err(m, n, "basic event \"%s\" has no probability expression", name);
    } else if (is(body, "exponential") && first_elem(body->children) &&
               next_elem(first_elem(body->children))) {
        double lambda, time;
        xmlNode *a = first_elem(body->children), *b = next_elem(a);
        if (next_elem(b))
            e = mef_err(m, body, "<exponential> takes two arguments: lambda and mission time");
        if (!e)
            e = expr(m, a, &lambda, 0);
        if (!e)
            e = expr(m, b, &time, 0);
        if (!e)
            e = added(m, n, fl_fta_add_basic_rate(m->t, name, lambda, time, &idx, m->d), &idx);
    } else if (!(e = expr(m, body, &p, 0))) {
        e = added(m, n, fl_fta_add_basic(m->t, name, p, &idx, m->d), &idx);
    }
    if (!e)
        e = set_label(m, idx, label);
    xmlFree(name);
    return e;
}

static fl_err house_event(struct mef *m, xmlNode *n)
{
    char *name;
    fl_err e = need_attr(m, n, "name", &name);
    if (e)
        return e;
    xmlNode *label, *body = body_of(n, &label);
    bool state = false;
    if (body) {
        char *v = attr(body, "value");
        if ((!is(body, "constant") && !is(body, "bool")) || !v ||
            (strcmp(v, "true") && strcmp(v, "false")))
            e = mef_err(m, body, "a house event takes <constant value=\"true|false\"/>");
        else
            state = !strcmp(v, "true");
        xmlFree(v);
    }
    size_t idx = 0;
    if (!e)
        e = added(m, n, fl_fta_add_house(m->t, name, state, &idx, m->d), &idx);
    if (!e)
        e = set_label(m, idx, label);
    xmlFree(name);
    return e;
}

/* ---- gates and formulas ------------------------------------------------------------------ */

static bool is_ref(const xmlNode *n)
{
    return is(n, "event") || is(n, "gate") || is(n, "basic-event") || is(n, "house-event");
}

static fl_err formula(struct mef *m, xmlNode *f, const char *name, size_t *counter, int depth);

/* Add each argument of formula f to gate idx; nested formulas become gates "NAME/N". */
static fl_err formula_args(struct mef *m, xmlNode *f, size_t idx, const char *name, size_t *counter,
                           int depth)
{
    for (xmlNode *a = first_elem(f->children); a; a = next_elem(a)) {
        fl_err e;
        if (is_ref(a)) {
            char *ref;
            if ((e = need_attr(m, a, "name", &ref)))
                return e;
            e = fl_fta_gate_arg(m->t, idx, ref);
            xmlFree(ref);
        } else {
            char sub[FL_LIMIT_NAME_BYTES + 32];
            snprintf(sub, sizeof sub, "%s/%zu", name, ++*counter);
            e = formula(m, a, sub, counter, depth + 1);
            if (!e)
                e = fl_fta_gate_arg(m->t, idx, sub);
        }
        if (e == FL_ELIMIT)
            return mef_err(m, a, "more than %d inputs", FL_LIMIT_FTA_ARGS);
        if (e)
            return e;
        long line = xmlGetLineNo(a);
        fl_fta_set_arg_loc(m->t, idx, line > 0 ? (unsigned long)line : 0, column_of(m, a));
    }
    return FL_OK;
}

/* Define gate `name` as formula f. */
static fl_err formula(struct mef *m, xmlNode *f, const char *name, size_t *counter, int depth)
{
    static const struct {
        const char *tag;
        enum fl_fta_gate_type type;
    } ops[] = {{"and", FL_FTA_AND}, {"or", FL_FTA_OR},   {"atleast", FL_FTA_ATLEAST},
               {"not", FL_FTA_NOT}, {"xor", FL_FTA_XOR}, {"nand", FL_FTA_NAND},
               {"nor", FL_FTA_NOR}};
    if (depth > 64)
        return mef_err(m, f, "formulas nest deeper than 64");
    size_t idx = 0;
    if (is_ref(f)) {
        fl_err e = added(m, f, fl_fta_add_gate(m->t, name, FL_FTA_NULL, 0, &idx, m->d), &idx);
        char *ref;
        if (!e && !(e = need_attr(m, f, "name", &ref))) {
            e = fl_fta_gate_arg(m->t, idx, ref);
            xmlFree(ref);
        }
        return e;
    }
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (!is(f, ops[i].tag))
            continue;
        size_t k = 0;
        if (ops[i].type == FL_FTA_ATLEAST) {
            char *v = attr(f, "min");
            uint64_t kv = 0;
            bool ok = v && fl_str_to_u64(fl_str_trim(fl_str_c(v)), &kv) && kv >= 1 &&
                      kv <= FL_LIMIT_FTA_ARGS;
            xmlFree(v);
            if (!ok)
                return mef_err(m, f, "<atleast> needs min, a whole number >= 1");
            k = (size_t)kv;
        }
        fl_err e = added(m, f, fl_fta_add_gate(m->t, name, ops[i].type, k, &idx, m->d), &idx);
        return e ? e : formula_args(m, f, idx, name, counter, depth);
    }
    return mef_err(m, f,
                   "unsupported formula <%s> (supported: and, or, atleast, not, xor, nand, "
                   "nor and event references)",
                   (const char *)f->name);
}

static fl_err gate(struct mef *m, xmlNode *n)
{
    char *name;
    fl_err e = need_attr(m, n, "name", &name);
    if (e)
        return e;
    xmlNode *label, *body = body_of(n, &label);
    size_t counter = 0, idx;
    if (!body)
        e = mef_err(m, n, "gate \"%s\" has no formula", name);
    else if (next_elem(body))
        e = mef_err(m, next_elem(body), "gate \"%s\" has more than one formula", name);
    else
        e = formula(m, body, name, &counter, 0);
    if (!e && fl_fta_find(m->t, name, &idx)) {
        long line = xmlGetLineNo(n);
        fl_fta_set_loc(m->t, idx, m->file_idx, line > 0 ? (unsigned long)line : 0, column_of(m, n));
        e = set_label(m, idx, label);
    }
    xmlFree(name);
    return e;
}

/* The definitions inside define-fault-tree, define-component or model-data. */
static fl_err container(struct mef *m, xmlNode *c, bool gates_allowed, int depth)
{
    if (depth > 16)
        return mef_err(m, c, "components nest deeper than 16");
    for (xmlNode *n = first_elem(c->children); n; n = next_elem(n)) {
        fl_err e = FL_OK;
        if (is(n, "define-gate") && gates_allowed)
            e = gate(m, n);
        else if (is(n, "define-basic-event"))
            e = basic_event(m, n);
        else if (is(n, "define-house-event"))
            e = house_event(m, n);
        else if (is(n, "define-component") && gates_allowed)
            e = container(m, n, true, depth + 1);
        else if (!is(n, "define-parameter") && !is(n, "label") && !is(n, "attributes"))
            e = mef_err(m, n, "unsupported element <%s> in <%s>", (const char *)n->name,
                        (const char *)c->name);
        if (e)
            return e;
    }
    return FL_OK;
}

static fl_err xml_err(struct mef *m, xmlParserCtxt *ctxt)
{
    const xmlError *x = xmlCtxtGetLastError(ctxt);
    fl_diag_file(m->d, m->file);
    if (!x)
        return fl_diag_set(m->d, FL_EPARSE, 0, 0, "malformed XML");
    char msg[256];
    snprintf(msg, sizeof msg, "%s", x->message ? x->message : "malformed XML");
    size_t l = strlen(msg);
    while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
        msg[--l] = '\0';
    return fl_diag_set(m->d, FL_EPARSE, x->line > 0 ? (unsigned long)x->line : 0,
                       x->int2 > 0 ? (unsigned long)x->int2 : 0, "XML: %s", msg);
}

fl_err fl_fta_load_mef(struct fl_fta_tree *t, const char *p, size_t len, const char *file,
                       struct fl_diag *d)
{
    struct mef m = {.t = t, .d = d, .file = file ? file : "model", .p = p, .len = len};
    fl_diag_file(d, m.file);
    if (len > FL_LIMIT_FTA_FILE_BYTES)
        return fl_diag_set(d, FL_ELIMIT, 0, 0, "file larger than %u bytes",
                           FL_LIMIT_FTA_FILE_BYTES);
    if (len > INT32_MAX)
        return fl_diag_set(d, FL_ELIMIT, 0, 0, "file too large");
    for (size_t i = 0; i + 9 <= len; i++)
        if (p[i] == '<' && !memcmp(p + i, "<!DOCTYPE", 9)) {
            unsigned long line = 1, col = 1;
            for (size_t j = 0; j < i; j++, col++)
                if (p[j] == '\n') {
                    line++;
                    col = 0;
                }
            return fl_diag_set(d, FL_EUNSUPPORTED, line, col,
                               "DOCTYPE declarations are not accepted (no DTDs, no entities)");
        }
    xmlParserCtxt *ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return FL_ENOMEM;
    fl_err e = FL_OK;
    m.doc = xmlCtxtReadMemory(ctxt, p, (int)len, m.file, NULL,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!m.doc) {
        e = xml_err(&m, ctxt);
        goto out;
    }
    if ((e = fl_fta_add_file(t, m.file, &m.file_idx)) || (e = index_lines(&m)))
        goto out;
    xmlNode *root = xmlDocGetRootElement(m.doc);
    if (!is(root, "opsa-mef")) {
        e = mef_err(&m, root, "the root element must be <opsa-mef>");
        goto out;
    }
    m.params_root = root;
    for (xmlNode *n = first_elem(root->children); n && !e; n = next_elem(n)) {
        if (is(n, "define-fault-tree")) {
            char *tn = attr(n, "name");
            if (tn && !t->name && !(t->name = fl_strdup(tn)))
                e = FL_ENOMEM;
            xmlFree(tn);
            if (!e)
                e = container(&m, n, true, 0);
        } else if (is(n, "model-data"))
            e = container(&m, n, false, 0);
        else if (!is(n, "label") && !is(n, "attributes") && !is(n, "define-CCF-group"))
            e = mef_err(&m, n, "unsupported element <%s> in <opsa-mef>", (const char *)n->name);
        else if (is(n, "define-CCF-group"))
            e = mef_err(&m, n, "common-cause failure groups are not supported");
    }
out:
    fl_free(m.line_start);
    if (m.doc)
        xmlFreeDoc(m.doc);
    xmlFreeParserCtxt(ctxt);
    return e;
}

/* ---- files ------------------------------------------------------------------------------- */

static bool is_yaml(const char *path, const struct fl_buf *b)
{
    size_t n = strlen(path);
    if ((n >= 4 && !strcmp(path + n - 4, ".yml")) || (n >= 5 && !strcmp(path + n - 5, ".yaml")))
        return true;
    if (n >= 4 && !strcmp(path + n - 4, ".xml"))
        return false;
    for (size_t i = 0; i < b->len; i++)
        if (b->data[i] != ' ' && b->data[i] != '\t' && b->data[i] != '\r' && b->data[i] != '\n')
            return b->data[i] != '<';
    return true;
}

fl_err fl_fta_load_files(const char *const *paths, size_t n_paths, struct fl_fta_tree **out,
                         struct fl_diag *d)
{
    struct fl_fta_tree *t = NULL;
    struct fl_buf b;
    fl_buf_init(&b, FL_LIMIT_FTA_FILE_BYTES);
    fl_err e = fl_fta_tree_new(NULL, &t);
    bool yaml_seen = false;
    for (size_t i = 0; i < n_paths && !e; i++) {
        fl_buf_reset(&b);
        if ((e = fl_file_read(paths[i], FL_LIMIT_FTA_FILE_BYTES, &b, d))) {
            if (e == FL_ELIMIT) {
                fl_diag_file(d, paths[i]);
                fl_diag_set(d, e, 0, 0, "file larger than %u bytes", FL_LIMIT_FTA_FILE_BYTES);
            }
            break;
        }
        const char *data = b.data ? b.data : "";
        if (is_yaml(paths[i], &b)) {
            if (n_paths > 1) {
                fl_diag_file(d, paths[i]);
                e = fl_diag_set(d, FL_EINVAL, 0, 0, "a YAML fault tree is one file on its own");
                break;
            }
            yaml_seen = true;
            e = fl_fta_load_yaml(t, data, b.len, paths[i], d);
        } else {
            e = fl_fta_load_mef(t, data, b.len, paths[i], d);
        }
    }
    if (!e && !yaml_seen)
        e = fl_fta_tree_check(t, d);
    fl_buf_cleanup(&b);
    if (e) {
        fl_fta_tree_free(t);
        return e;
    }
    *out = t;
    return FL_OK;
}
