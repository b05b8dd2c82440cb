/* SPDX-License-Identifier: Apache-2.0 */
/*
 * whys_io.c: the 5 Whys written (JSON, Markdown, text), read back, edited by people and stored
 * with their investigation (whys.h; docs/POSTMORTEMS.md "5 Whys", "Editing").
 *
 * Edit documents and stored chains are small, so they are read with jansson (a DOM), as the house
 * style allows; every type is checked, every count capped, and errors name the member
 * ("links[2].text"). Edits of the API and the CLI go through fl_whys_apply_edit alike.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/record.h"
#include "../store/store.h"
#include "investigation.h"
#include "report_int.h"
#include "whys.h"

/* ---- writing ---- */

static void jstr(struct fl_buf *b, const char *s)
{
    if (!s)
        fl_buf_puts(b, "null");
    else
        fl_buf_put_json_str(b, s, strlen(s));
}

static void jnum(struct fl_buf *b, double v)
{
    if (isfinite(v))
        fl_buf_put_double(b, v);
    else
        fl_buf_puts(b, "null");
}

static void jts(struct fl_buf *b, int64_t t)
{
    if (t == FL_TS_NONE)
        fl_buf_puts(b, "null");
    else
        fl_buf_printf(b, "%lld", (long long)t);
}

static const char *cite_kind_name(int k)
{
    static const char *const names[] = {"unknown", "evidence", "refuted", "config", "step"};
    return k >= 1 && k <= FL_WHYS_CITE_STEP ? names[k] : names[0];
}

static void cite_json(const struct fl_whys_cite *c, struct fl_buf *b)
{
    fl_buf_puts(b, "{\"kind\":");
    jstr(b, cite_kind_name(c->kind));
    fl_buf_printf(b, ",\"step\":%zu,\"index\":%zu,\"step_name\":", c->step, c->index);
    jstr(b, c->step_name);
    fl_buf_puts(b, ",\"evidence_kind\":");
    jstr(b, c->ev_kind);
    fl_buf_puts(b, ",\"ref\":");
    jstr(b, c->ref);
    fl_buf_puts(b, ",\"text\":");
    jstr(b, c->text);
    fl_buf_puts(b, ",\"baseline\":");
    jnum(b, c->baseline);
    fl_buf_puts(b, ",\"incident\":");
    jnum(b, c->incident);
    fl_buf_puts(b, ",\"score\":");
    jnum(b, c->score);
    fl_buf_puts(b, ",\"ts_ms\":");
    jts(b, c->ts_ms);
    fl_buf_putc(b, '}');
}

void fl_whys_json(const struct fl_whys *w, struct fl_buf *b)
{
    fl_buf_printf(b, "{\"whys_version\":%d,\"revision\":%llu,\"generated_ms\":", FL_WHYS_VERSION,
                  (unsigned long long)w->revision);
    jts(b, w->generated_ms);
    fl_buf_puts(b, ",\"links\":[");
    for (size_t i = 0; i < w->n_links; i++) {
        const struct fl_whys_link *l = &w->links[i];
        fl_buf_puts(b, i ? ",{\"level\":" : "{\"level\":");
        jstr(b, fl_whys_level_name(l->level));
        fl_buf_puts(b, ",\"text\":");
        jstr(b, l->text);
        fl_buf_printf(b, ",\"open\":%s,\"question\":", l->open ? "true" : "false");
        jstr(b, l->question);
        fl_buf_puts(b, ",\"source\":");
        jstr(b, fl_whys_source_name(l->source));
        fl_buf_puts(b, ",\"edited_by\":");
        jstr(b, l->edited_by);
        fl_buf_puts(b, ",\"edited_ms\":");
        jts(b, l->edited_ms);
        fl_buf_printf(b, ",\"confirmed\":%s,\"confirmed_by\":", l->confirmed ? "true" : "false");
        jstr(b, l->confirmed_by);
        fl_buf_puts(b, ",\"confirmed_ms\":");
        jts(b, l->confirmed_ms);
        fl_buf_puts(b, ",\"citations\":[");
        for (size_t k = 0; k < l->n_cites; k++) {
            if (k)
                fl_buf_putc(b, ',');
            cite_json(&l->cites[k], b);
        }
        fl_buf_puts(b, "]}");
    }
    fl_buf_puts(b, "]}");
}

/* Markdown-safe inline text: escapes the characters that would start markup, one line. */
static void md(struct fl_buf *b, const char *s)
{
    for (; s && *s; s++) {
        char c = *s;
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        else if ((unsigned char)c < 0x20 || c == 0x7f)
            continue;
        if (strchr("\\`*_[]<#|~", c))
            fl_buf_putc(b, '\\');
        fl_buf_putc(b, c);
    }
}

static void cite_line(const struct fl_whys_cite *c, struct fl_buf *b, bool markdown)
{
    char t[40];
    fl_buf_puts(b, markdown ? "   - " : "       cites ");
    switch (c->kind) {
    case FL_WHYS_CITE_EVIDENCE:
        fl_buf_puts(b, "step ");
        if (markdown)
            md(b, c->step_name ? c->step_name : "?");
        else
            fl_buf_puts(b, c->step_name ? c->step_name : "?");
        fl_buf_printf(b, " evidence %zu (", c->index);
        if (markdown)
            md(b, c->ev_kind ? c->ev_kind : "?");
        else
            fl_buf_puts(b, c->ev_kind ? c->ev_kind : "?");
        fl_buf_puts(b, "): ");
        break;
    case FL_WHYS_CITE_REFUTED:
        fl_buf_printf(b, "refuted hypothesis %zu: ", c->index);
        break;
    case FL_WHYS_CITE_CONFIG:
        fl_buf_puts(b, "configuration: ");
        break;
    default:
        fl_buf_puts(b, "step ");
        if (markdown)
            md(b, c->step_name ? c->step_name : "?");
        else
            fl_buf_puts(b, c->step_name ? c->step_name : "?");
        fl_buf_puts(b, ": ");
        break;
    }
    if (markdown)
        md(b, c->text);
    else
        fl_buf_puts(b, c->text ? c->text : "");
    if (c->kind == FL_WHYS_CITE_EVIDENCE) {
        if (isfinite(c->baseline) || isfinite(c->incident)) {
            fl_buf_puts(b, " [baseline ");
            jnum(b, c->baseline);
            fl_buf_puts(b, ", incident ");
            jnum(b, c->incident);
            fl_buf_putc(b, ']');
        }
        if (isfinite(c->score)) {
            fl_buf_puts(b, " [score ");
            jnum(b, c->score);
            fl_buf_putc(b, ']');
        }
        if (c->ts_ms != FL_TS_NONE)
            fl_buf_printf(b, " [at %s]", fl_report__time(c->ts_ms, t, sizeof t));
    }
    fl_buf_putc(b, '\n');
}

static void render(const struct fl_whys *w, struct fl_buf *b, bool markdown)
{
    char t[40];
    for (size_t i = 0; i < w->n_links; i++) {
        const struct fl_whys_link *l = &w->links[i];
        fl_buf_printf(b, markdown ? "%zu. " : "%2zu. ", i + 1);
        if (l->open) {
            fl_buf_puts(b, markdown ? "**OPEN QUESTION** (" : "OPEN QUESTION (");
            fl_buf_puts(b, fl_whys_level_name(l->level));
            fl_buf_puts(b, markdown ? "): " : "): ");
            if (markdown)
                md(b, l->question ? l->question : "");
            else
                fl_buf_puts(b, l->question ? l->question : "");
            fl_buf_puts(b, markdown ? " _(for a person to answer)_\n" : "  [for a person]\n");
        } else {
            fl_buf_printf(b, markdown ? "**%s**: " : "%s: ", fl_whys_level_name(l->level));
            if (markdown)
                md(b, l->text ? l->text : "");
            else
                fl_buf_puts(b, l->text ? l->text : "");
            fl_buf_printf(b, markdown ? " _(%s" : "  [%s", fl_whys_source_name(l->source));
            if (l->source == FL_WHYS_FROM_PERSON && l->edited_by) {
                fl_buf_puts(b, ", edited by ");
                if (markdown)
                    md(b, l->edited_by);
                else
                    fl_buf_puts(b, l->edited_by);
                fl_buf_printf(b, " %s", fl_report__time(l->edited_ms, t, sizeof t));
            }
            fl_buf_puts(b, markdown ? ")_" : "]");
            if (l->confirmed) {
                fl_buf_puts(b, markdown ? " **[confirmed" : " [confirmed");
                if (l->confirmed_by) {
                    fl_buf_puts(b, " by ");
                    if (markdown)
                        md(b, l->confirmed_by);
                    else
                        fl_buf_puts(b, l->confirmed_by);
                }
                fl_buf_puts(b, markdown ? "]**" : "]");
            } else {
                fl_buf_puts(b, markdown ? " [unconfirmed]" : " [unconfirmed]");
            }
            fl_buf_putc(b, '\n');
        }
        for (size_t k = 0; k < l->n_cites; k++)
            cite_line(&l->cites[k], b, markdown);
    }
    if (w->n_links == 0)
        fl_buf_puts(b, markdown ? "_No links._\n" : "(no links)\n");
}

void fl_whys_markdown(const struct fl_whys *w, struct fl_buf *out)
{
    render(w, out, true);
}

void fl_whys_text(const struct fl_whys *w, struct fl_buf *out)
{
    render(w, out, false);
}

/* ---- reading ---- */

static size_t get_size(struct fl_report_rd *r, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000) {
        fl_report__fail(r, FL_EPARSE, key, "expected an integer 0..1000000");
        return 0;
    }
    return (size_t)json_integer_value(v);
}

static void read_cite(struct fl_report_rd *r, json_t *o, struct fl_whys_cite *c)
{
    if (!json_is_object(o)) {
        fl_report__fail(r, FL_EPARSE, "", "expected an object");
        return;
    }
    const char *k = fl_report__get_str(r, o, "kind", 32);
    c->kind = fl_report__name_index(k, cite_kind_name, FL_WHYS_CITE_STEP);
    if (r->e == FL_OK && !c->kind)
        fl_report__fail(r, FL_EPARSE, "kind", "expected evidence, refuted, config or step");
    c->step = get_size(r, o, "step");
    c->index = get_size(r, o, "index");
    c->step_name = fl_report__get_str(r, o, "step_name", 256);
    c->ev_kind = fl_report__get_str(r, o, "evidence_kind", 64);
    c->ref = fl_report__get_str(r, o, "ref", FL_WHYS_TEXT_MAX);
    c->text = fl_report__get_str(r, o, "text", FL_WHYS_TEXT_MAX);
    if (!c->text)
        c->text = "";
    c->baseline = fl_report__get_num(r, o, "baseline");
    c->incident = fl_report__get_num(r, o, "incident");
    c->score = fl_report__get_num(r, o, "score");
    c->ts_ms = fl_report__get_ts(r, o, "ts_ms");
}

static void read_link(struct fl_report_rd *r, json_t *o, struct fl_whys_link *l)
{
    memset(l, 0, sizeof *l);
    if (!json_is_object(o)) {
        fl_report__fail(r, FL_EPARSE, "", "expected an object");
        return;
    }
    const char *lv = fl_report__get_str(r, o, "level", 32);
    l->level = lv ? fl_report__name_index(lv, fl_whys_level_name, FL_WHYS_OTHER) : FL_WHYS_OTHER;
    if (r->e == FL_OK && !l->level)
        fl_report__fail(r, FL_EPARSE, "level",
                        "expected symptom, component, upstream, change, systemic or other");
    l->text = fl_report__get_str(r, o, "text", FL_WHYS_TEXT_MAX);
    l->open = fl_report__get_bool(r, o, "open");
    l->question = fl_report__get_str(r, o, "question", FL_WHYS_TEXT_MAX);
    const char *src = fl_report__get_str(r, o, "source", 32);
    l->source = src && !strcmp(src, "person") ? FL_WHYS_FROM_PERSON : FL_WHYS_FROM_EVIDENCE;
    if (r->e == FL_OK && src && strcmp(src, "person") && strcmp(src, "evidence"))
        fl_report__fail(r, FL_EPARSE, "source", "expected evidence or person");
    l->edited_by = fl_report__get_str(r, o, "edited_by", FL_WHYS_BY_MAX);
    l->edited_ms = fl_report__get_ts(r, o, "edited_ms");
    l->confirmed = fl_report__get_bool(r, o, "confirmed");
    l->confirmed_by = fl_report__get_str(r, o, "confirmed_by", FL_WHYS_BY_MAX);
    l->confirmed_ms = fl_report__get_ts(r, o, "confirmed_ms");
    if (r->e == FL_OK && l->open == (l->text != NULL))
        fl_report__fail(r, FL_EPARSE, l->open ? "text" : "open",
                        "a link is either open (a question, no text) or answered (a text)");
    json_t *cs = json_object_get(o, "citations");
    if (!cs || json_is_null(cs) || r->e != FL_OK)
        return;
    if (!json_is_array(cs))
        return fl_report__fail(r, FL_EPARSE, "citations", "expected an array");
    if (json_array_size(cs) > FL_WHYS_MAX_CITES)
        return fl_report__fail(r, FL_ELIMIT, "citations", "more than 8 citations");
    l->n_cites = json_array_size(cs);
    l->cites = l->n_cites ? fl_arena_calloc(r->a, l->n_cites, sizeof *l->cites) : NULL;
    if (l->n_cites && !l->cites)
        return fl_report__fail(r, FL_ENOMEM, "citations", "out of memory");
    size_t plen = strlen(r->path);
    for (size_t k = 0; k < l->n_cites && r->e == FL_OK; k++) {
        snprintf(r->path + plen, sizeof r->path - plen, ".citations[%zu]", k);
        read_cite(r, json_array_get(cs, k), &l->cites[k]);
    }
    r->path[plen] = 0;
}

static fl_err read_whys(json_t *root, struct fl_arena *a, struct fl_whys *out, struct fl_diag *d)
{
    struct fl_report_rd r = {.a = a, .d = d};
    memset(out, 0, sizeof *out);
    if (!json_is_object(root))
        return fl_diag_set(d, FL_EPARSE, 0, 0, "whys: expected an object");
    json_t *v = json_object_get(root, "whys_version");
    if (!json_is_integer(v)) {
        fl_report__fail(&r, FL_EPARSE, "whys_version", "expected an integer");
        return r.e;
    }
    if (json_integer_value(v) != FL_WHYS_VERSION) {
        fl_diag_set(d, FL_EUNSUPPORTED, 0, 0, "whys_version %lld is not supported (expected %d)",
                    (long long)json_integer_value(v), FL_WHYS_VERSION);
        return FL_EUNSUPPORTED;
    }
    json_t *rv = json_object_get(root, "revision");
    if (rv && (!json_is_integer(rv) || json_integer_value(rv) < 0))
        fl_report__fail(&r, FL_EPARSE, "revision", "expected an integer >= 0");
    out->revision = rv && r.e == FL_OK ? (uint64_t)json_integer_value(rv) : 0;
    out->generated_ms = fl_report__get_ts(&r, root, "generated_ms");
    json_t *ls = json_object_get(root, "links");
    if (r.e == FL_OK && !json_is_array(ls))
        fl_report__fail(&r, FL_EPARSE, "links", "expected an array");
    if (r.e == FL_OK && json_array_size(ls) > FL_WHYS_MAX_LINKS)
        fl_report__fail(&r, FL_ELIMIT, "links", "more than 16 links");
    if (r.e != FL_OK)
        return r.e;
    out->links = fl_arena_calloc(a, FL_WHYS_MAX_LINKS, sizeof *out->links);
    if (!out->links)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    out->n_links = json_array_size(ls);
    for (size_t i = 0; i < out->n_links && r.e == FL_OK; i++) {
        snprintf(r.path, sizeof r.path, "links[%zu]", i);
        read_link(&r, json_array_get(ls, i), &out->links[i]);
    }
    if (r.e != FL_OK)
        memset(out, 0, sizeof *out);
    return r.e;
}

static json_t *load(const char *p, size_t len, size_t max, struct fl_diag *d, fl_err *e)
{
    json_error_t err;
    if (len > max) {
        *e = fl_diag_set(d, FL_ELIMIT, 0, 0, "document of %zu bytes is over the %zu byte limit",
                         len, max);
        return NULL;
    }
    json_t *root = json_loadb(p ? p : "", len, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        *e = fl_diag_set(d, FL_EPARSE, (unsigned long)(err.line > 0 ? err.line : 0),
                         (unsigned long)(err.column > 0 ? err.column : 0), "%s", err.text);
        fl_diag_field(d, "body");
    }
    return root;
}

fl_err fl_whys_from_json(const char *p, size_t len, struct fl_arena *a, struct fl_whys *out,
                         struct fl_diag *d)
{
    fl_err e = FL_OK;
    memset(out, 0, sizeof *out);
    json_t *root = load(p, len, FL_WHYS_READ_MAX_BYTES, d, &e);
    if (!root)
        return e;
    e = read_whys(root, a, out, d);
    json_decref(root);
    return e;
}

/* ---- editing ---- */

struct edit {
    const char *op, *text, *question, *by;
    int level;
    bool has_index, has_revision;
    size_t index;
    uint64_t revision;
    json_t *links;
};

static fl_err bad(struct fl_diag *d, fl_err e, const char *field, const char *msg)
{
    fl_diag_set(d, e, 0, 0, "%s: %s", field, msg);
    fl_diag_field(d, "%s", field);
    return e;
}

static bool blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

static fl_err read_edit(json_t *root, struct fl_arena *a, struct edit *x, struct fl_diag *d)
{
    static const char *const known[] = {"op",    "index", "text",     "question",
                                        "level", "by",    "revision", "links"};
    const char *key;
    json_t *v;
    memset(x, 0, sizeof *x);
    if (!json_is_object(root))
        return bad(d, FL_EINVAL, "body", "expected a JSON object");
    json_object_foreach(root, key, v)
    {
        size_t k = 0;
        while (k < 8 && strcmp(key, known[k]))
            k++;
        if (k == 8) {
            char name[64];
            snprintf(name, sizeof name, "%.48s", key);
            return bad(d, FL_EINVAL, name,
                       "unknown field (expected op, index, text, question, "
                       "level, by, revision, links)");
        }
    }
    struct fl_report_rd r = {.a = a, .d = d};
    x->op = fl_report__get_str(&r, root, "op", 16);
    x->text = fl_report__get_str(&r, root, "text", FL_WHYS_TEXT_MAX);
    x->question = fl_report__get_str(&r, root, "question", FL_WHYS_TEXT_MAX);
    x->by = fl_report__get_str(&r, root, "by", FL_WHYS_BY_MAX);
    const char *lv = fl_report__get_str(&r, root, "level", 32);
    if (r.e != FL_OK)
        return r.e;
    x->level = lv ? fl_report__name_index(lv, fl_whys_level_name, FL_WHYS_OTHER) : FL_WHYS_OTHER;
    if (!x->level)
        return bad(d, FL_EINVAL, "level",
                   "expected symptom, component, upstream, change, systemic or other");
    if ((v = json_object_get(root, "index")) && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) >= FL_WHYS_MAX_LINKS + 1)
            return bad(d, FL_EINVAL, "index", "expected an integer 0..16");
        x->has_index = true;
        x->index = (size_t)json_integer_value(v);
    }
    if ((v = json_object_get(root, "revision")) && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return bad(d, FL_EINVAL, "revision", "expected an integer >= 0");
        x->has_revision = true;
        x->revision = (uint64_t)json_integer_value(v);
    }
    x->links = json_object_get(root, "links");
    if (!x->op)
        return bad(d, FL_EINVAL, "op", "required: edit, add, delete, confirm or replace");
    if (x->text && blank(x->text))
        return bad(d, FL_EINVAL, "text", "empty");
    if (x->question && blank(x->question))
        return bad(d, FL_EINVAL, "question", "empty");
    return FL_OK;
}

static void person(struct fl_whys_link *l, const char *by, int64_t now)
{
    l->source = FL_WHYS_FROM_PERSON;
    l->edited_by = by;
    l->edited_ms = now;
}

static fl_err need_index(const struct edit *x, const struct fl_whys *w, struct fl_diag *d)
{
    if (!x->has_index)
        return bad(d, FL_EINVAL, "index", "required for this op");
    if (x->index >= w->n_links) {
        char msg[64];
        snprintf(msg, sizeof msg, "no link %zu (the chain has %zu)", x->index, w->n_links);
        return bad(d, FL_EINVAL, "index", msg);
    }
    return FL_OK;
}

static fl_err op_replace(struct fl_whys *w, const struct edit *x, const char *by, int64_t now,
                         struct fl_arena *a, struct fl_diag *d)
{
    if (!json_is_array(x->links))
        return bad(d, FL_EINVAL, "links", "required for replace: an array of links");
    size_t n = json_array_size(x->links);
    if (n > FL_WHYS_MAX_LINKS)
        return bad(d, FL_ELIMIT, "links", "more than 16 links");
    struct fl_whys_link *nl = fl_arena_calloc(a, FL_WHYS_MAX_LINKS, sizeof *nl);
    if (!nl)
        return FL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        char path[32];
        struct edit y;
        snprintf(path, sizeof path, "links[%zu]", i);
        json_t *o = json_array_get(x->links, i);
        struct fl_report_rd r = {.a = a, .d = d};
        snprintf(r.path, sizeof r.path, "%s", path);
        if (!json_is_object(o))
            return bad(d, FL_EINVAL, path, "expected an object");
        memset(&y, 0, sizeof y);
        y.text = fl_report__get_str(&r, o, "text", FL_WHYS_TEXT_MAX);
        y.question = fl_report__get_str(&r, o, "question", FL_WHYS_TEXT_MAX);
        const char *lv = fl_report__get_str(&r, o, "level", 32);
        bool conf = fl_report__get_bool(&r, o, "confirmed");
        if (r.e != FL_OK)
            return r.e;
        if (!y.text == !y.question || blank(y.text ? y.text : y.question)) {
            char f[48];
            snprintf(f, sizeof f, "%s.text", path);
            return bad(d, FL_EINVAL, f, "each link needs a text or (open) a question, not both");
        }
        struct fl_whys_link *l = &nl[i];
        const struct fl_whys_link *same = NULL;
        for (size_t k = 0; y.text && k < w->n_links && !same; k++)
            if (w->links[k].text && !strcmp(w->links[k].text, y.text))
                same = &w->links[k];
        if (same) {
            *l = *same;
        } else {
            memset(l, 0, sizeof *l);
            l->text = y.text;
            l->open = !y.text;
            l->question = y.question;
            l->confirmed_ms = FL_TS_NONE;
            person(l, by, now);
        }
        l->level = lv     ? fl_report__name_index(lv, fl_whys_level_name, FL_WHYS_OTHER)
                   : same ? same->level
                          : FL_WHYS_OTHER;
        if (!l->level) {
            char f[48];
            snprintf(f, sizeof f, "%s.level", path);
            return bad(d, FL_EINVAL, f, "unknown level");
        }
        if (conf && !l->confirmed) {
            if (l->open) {
                char f[48];
                snprintf(f, sizeof f, "%s.confirmed", path);
                return bad(d, FL_EINVAL, f, "an open question cannot be confirmed");
            }
            l->confirmed = true;
            l->confirmed_by = by;
            l->confirmed_ms = now;
        } else if (!conf) {
            l->confirmed = false;
            l->confirmed_by = NULL;
            l->confirmed_ms = FL_TS_NONE;
        }
    }
    w->links = nl;
    w->n_links = n;
    return FL_OK;
}

static fl_err apply(struct fl_whys *w, const struct edit *x, const char *by, int64_t now,
                    struct fl_arena *a, struct fl_diag *d)
{
    fl_err e;
    if (!strcmp(x->op, "replace"))
        return op_replace(w, x, by, now, a, d);
    if (x->links)
        return bad(d, FL_EINVAL, "links", "only for op replace");
    if (!strcmp(x->op, "add")) {
        if (!x->text == !x->question)
            return bad(d, FL_EINVAL, "text", "add needs a text or (an open question) a question");
        if (w->n_links >= FL_WHYS_MAX_LINKS)
            return bad(d, FL_ELIMIT, "index", "the chain has 16 links already");
        size_t at = x->has_index ? x->index : w->n_links;
        if (at > w->n_links)
            return bad(d, FL_EINVAL, "index", "past the end of the chain");
        memmove(&w->links[at + 1], &w->links[at], (w->n_links - at) * sizeof *w->links);
        struct fl_whys_link *l = &w->links[at];
        memset(l, 0, sizeof *l);
        l->level = x->level;
        l->text = x->text;
        l->open = !x->text;
        l->question = x->question;
        l->confirmed_ms = FL_TS_NONE;
        person(l, by, now);
        w->n_links++;
        return FL_OK;
    }
    if (strcmp(x->op, "edit") && strcmp(x->op, "delete") && strcmp(x->op, "confirm"))
        return bad(d, FL_EINVAL, "op", "expected edit, add, delete, confirm or replace");
    if ((e = need_index(x, w, d)) != FL_OK)
        return e;
    struct fl_whys_link *l = &w->links[x->index];
    if (!strcmp(x->op, "delete")) {
        memmove(l, l + 1, (w->n_links - x->index - 1) * sizeof *l);
        w->n_links--;
        return FL_OK;
    }
    if (!strcmp(x->op, "confirm")) {
        if (l->open)
            return bad(d, FL_EINVAL, "index",
                       "an open question cannot be confirmed: answer it first (op edit, text)");
        l->confirmed = true;
        l->confirmed_by = by;
        l->confirmed_ms = now;
        return FL_OK;
    }
    if (!x->text && !x->question && x->level == FL_WHYS_OTHER)
        return bad(d, FL_EINVAL, "text", "edit needs a text, a question or a level");
    if (x->text && x->question)
        return bad(d, FL_EINVAL, "question", "give a text (an answer) or a question, not both");
    if (x->text) {
        l->text = x->text;
        l->open = false;
        l->question = NULL;
        l->confirmed = false; /* a new answer needs confirming again */
        l->confirmed_by = NULL;
        l->confirmed_ms = FL_TS_NONE;
    } else if (x->question) {
        if (!l->open)
            return bad(d, FL_EINVAL, "question", "link is answered; edit its text instead");
        l->question = x->question;
    }
    if (x->level != FL_WHYS_OTHER)
        l->level = x->level;
    person(l, by, now);
    return FL_OK;
}

/* fl_whys_apply_edit, also telling whether the edit named the revision it was made against. */
static fl_err apply_edit(struct fl_whys *w, const char *p, size_t len, const char *by_default,
                         int64_t now_ms, struct fl_arena *a, bool *named_revision,
                         struct fl_diag *d)
{
    fl_err e = FL_OK;
    struct edit x;
    *named_revision = false;
    json_t *root = load(p, len, FL_WHYS_EDIT_MAX_BYTES, d, &e);
    if (!root)
        return e;
    e = read_edit(root, a, &x, d);
    *named_revision = e == FL_OK && x.has_revision;
    if (e == FL_OK && x.has_revision && x.revision != w->revision)
        e = fl_diag_set(d, FL_ECONFLICT, 0, 0,
                        "revision: the edit was made against revision %llu, stored is %llu",
                        (unsigned long long)x.revision, (unsigned long long)w->revision);
    if (e == FL_OK) {
        const char *by = x.by && !blank(x.by)        ? x.by
                         : by_default && *by_default ? fl_arena_strdup(a, by_default)
                                                     : "unknown";
        /* Work on a copy so that w is unchanged on error. */
        struct fl_whys c = *w;
        c.links = fl_arena_calloc(a, FL_WHYS_MAX_LINKS, sizeof *c.links);
        if (!by || !c.links) {
            e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        } else {
            if (w->n_links)
                memcpy(c.links, w->links, w->n_links * sizeof *c.links);
            e = apply(&c, &x, by, now_ms, a, d);
            if (e == FL_OK)
                *w = c;
        }
    }
    json_decref(root);
    return e;
}

fl_err fl_whys_apply_edit(struct fl_whys *w, const char *p, size_t len, const char *by_default,
                          int64_t now_ms, struct fl_arena *a, struct fl_diag *d)
{
    bool named;
    return apply_edit(w, p, len, by_default, now_ms, a, &named, d);
}

/* ---- stored with the investigation ---- */

fl_err fl_whys_load(struct fl_store *s, const struct fl_config *cfg, const char *id, int64_t now_ms,
                    struct fl_arena *a, struct fl_investigation *inv, struct fl_whys *out,
                    bool *stored, struct fl_diag *d)
{
    struct fl_store_investigation row;
    fl_err e = fl_store_investigation_get(s, id, a, &row, d);
    if (e == FL_OK)
        e = fl_inv_from_json(row.json, strlen(row.json), a, inv, d);
    if (e != FL_OK)
        return e;
    json_t *root = load(row.json, strlen(row.json), FL_INV_READ_MAX_BYTES, d, &e);
    if (!root)
        return e;
    json_t *wj = json_object_get(root, "whys");
    if (stored)
        *stored = wj && !json_is_null(wj);
    if (wj && !json_is_null(wj))
        e = read_whys(wj, a, out, d);
    else
        e = fl_whys_build(inv, cfg, now_ms, a, out);
    json_decref(root);
    return e;
}

fl_err fl_whys_edit_stored(struct fl_store *s, const struct fl_config *cfg, const char *id,
                           const char *edit, size_t len, const char *by_default, int64_t now_ms,
                           struct fl_arena *a, struct fl_investigation *inv, struct fl_whys *out,
                           struct fl_diag *d)
{
    struct fl_buf b;
    fl_err e = FL_OK;
    fl_buf_init(&b, FL_WHYS_READ_MAX_BYTES);
    for (int attempt = 0; attempt < 3; attempt++) {
        struct fl_diag d2;
        fl_diag_init(&d2);
        if ((e = fl_whys_load(s, cfg, id, now_ms, a, inv, out, NULL, d)) != FL_OK)
            break;
        uint64_t was = out->revision;
        bool named = false;
        if ((e = apply_edit(out, edit, len, by_default, now_ms, a, &named, d)) != FL_OK)
            break;
        out->revision = was + 1;
        fl_buf_reset(&b);
        fl_whys_json(out, &b);
        if ((e = fl_buf_err(&b)) != FL_OK) {
            fl_diag_set(d, e, 0, 0, "the 5 Whys do not fit in %zu bytes", b.max);
            break;
        }
        e = fl_store_investigation_set_whys(s, id, b.data, was, &d2);
        /* Lost a race: read again and re-apply, unless the edit named its revision. */
        if (e == FL_ECONFLICT && !named && attempt < 2)
            continue;
        if (e != FL_OK && d)
            *d = d2;
        break;
    }
    fl_buf_cleanup(&b);
    return e;
}
