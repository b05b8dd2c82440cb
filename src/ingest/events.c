/* SPDX-License-Identifier: Apache-2.0 */
/*
 * events.c: change events as JSON (one object, an array, or JSON Lines) -> fl_event records and,
 * for model_version_change, fl_model_version records. Schema in docs/formats.md.
 */
#include "events.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "records_int.h"

#define KIND_NAME(k) #k,
static const char *const event_kinds[] = {FL_EVENT_KIND_LIST(KIND_NAME) NULL};
#undef KIND_NAME
#define KIND_TEXT(k) " " #k
#define EVENT_KINDS_TEXT FL_EVENT_KIND_LIST(KIND_TEXT)

static const char *const statuses[] = {"start", "success", "failure", NULL};
static const char *const stages[] = {"production", "staging", "shadow", "archived", NULL};

enum { K_ID, K_TS, K_END, K_KIND, K_COMPONENT, K_STATUS, K_ROWS, K_MESSAGE, K_ATTRS, K__COUNT };
static const struct {
    const char *name;
    int id;
} event_keys[] = {
    {"id", K_ID},           {"ts", K_TS},           {"time", K_TS},
    {"end", K_END},         {"kind", K_KIND},       {"type", K_KIND},
    {"component", K_COMPONENT}, {"status", K_STATUS}, {"rows", K_ROWS},
    {"message", K_MESSAGE}, {"attributes", K_ATTRS},
};
#define EVENT_KEYS_TEXT "id, ts, time, end, kind, type, component, status, rows, message, attributes"

struct ctx {
    struct fl_ingest__jctx jc;
    struct fl_batch *b;
    struct fl_diag *d;
    const struct fl_limits *lim;
};

/* ---- ids ---- */

static uint64_t fnv1a(uint64_t h, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

void fl_event_default_id(const char *kind, const char *component, int64_t ts_ms,
                         const char *status, const char *message, char *out, size_t cap)
{
    char ts[32];
    const char *parts[5] = {kind ? kind : "", component ? component : "", ts,
                            status ? status : "", message ? message : ""};
    snprintf(ts, sizeof ts, "%" PRId64, ts_ms);
    uint64_t h = UINT64_C(14695981039346656037);
    for (size_t i = 0; i < 5; i++) {
        h = fnv1a(h, parts[i], strlen(parts[i]));
        h = fnv1a(h, "\x1f", 1); /* unit separator: ("ab","c") and ("a","bc") differ */
    }
    snprintf(out, cap, "ev_%016" PRIx64, h);
}

/* ---- fields ---- */

static size_t line_of(struct ctx *c, size_t pos)
{
    unsigned long line = 0, col = 0;
    fl_json_position(&c->jc.j, pos, &line, &col);
    return c->jc.line_base + (line ? line - 1 : 0);
}

static fl_err oom(struct ctx *c, size_t pos)
{
    return fl_ingest__batch_fail(c->d, fl_batch_alloc_err(c->b), c->b, line_of(c, pos));
}

static fl_err get_string(struct ctx *c, const char *name, size_t max, bool allow_empty,
                         struct fl_str *out)
{
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    enum fl_json_type t = fl_json_peek(&c->jc.j);
    char what[64];
    snprintf(what, sizeof what, "field \"%s\"", name);
    if (t != FL_JSON_STRING)
        return fl_ingest__bad_type(&c->jc, pos, t, name, what, "string");
    fl_err e = fl_ingest__get_str(&c->jc, out);
    if (e)
        return e;
    if (!allow_empty && out->len == 0)
        return fl_ingest__err_at(&c->jc, pos, FL_EPARSE, name, "must not be empty");
    if (out->len > max)
        return fl_ingest__err_at(&c->jc, pos, FL_ELIMIT, name, "longer than %zu bytes", max);
    return FL_OK;
}

/* A string that must be one of the NULL-terminated list; returns the static spelling. */
static fl_err get_enum(struct ctx *c, const char *name, const char *const *list,
                       const char *list_text, const char **out)
{
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    struct fl_str s;
    fl_err e = get_string(c, name, FL_LIMIT_NAME_BYTES, true, &s);
    if (e)
        return e;
    for (size_t i = 0; list[i]; i++)
        if (fl_str_eq_c(s, list[i])) {
            *out = list[i];
            return FL_OK;
        }
    char v[80];
    size_t n = s.len < 64 ? s.len : 64;
    for (size_t i = 0; i < n; i++)
        v[i] = ((unsigned char)s.p[i] < 0x20 || s.p[i] == '"') ? '?' : s.p[i];
    v[n] = '\0';
    return fl_ingest__err_at(&c->jc, pos, FL_EPARSE, name,
                             "unknown value \"%s\" (expected one of:%s)", v, list_text);
}

static fl_err get_rows(struct ctx *c, int64_t *rows)
{
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    enum fl_json_type t = fl_json_peek(&c->jc.j);
    if (t != FL_JSON_NUMBER)
        return fl_ingest__bad_type(&c->jc, pos, t, "rows", "field \"rows\"", "integer");
    double v;
    fl_err e = fl_json_get_double(&c->jc.j, &v);
    if (e)
        return fl_ingest__json_fail(&c->jc, e);
    if (!(v >= 0) || v > 9007199254740992.0 || v != floor(v))
        return fl_ingest__err_at(&c->jc, pos, FL_EPARSE, "rows",
                                 "expected an integer >= 0, got %.17g", v);
    *rows = (int64_t)v;
    return FL_OK;
}

/* ---- model_version_change ---- */

/* attributes.model / version / to_version / stage of a model_version_change event. */
enum { MV_MODEL, MV_VERSION, MV_TO_VERSION, MV_STAGE, MV__COUNT };
static const char *const mv_names[MV__COUNT] = {"model", "version", "to_version", "stage"};

struct mv_attrs {
    struct fl_buf text;      /* the values, each NUL-terminated */
    size_t off[MV__COUNT];   /* offset into text */
    size_t len[MV__COUNT];
    bool set[MV__COUNT];
};

static struct fl_str mv_get(const struct mv_attrs *mv, int k)
{
    return mv->set[k] ? (struct fl_str){mv->text.data + mv->off[k], mv->len[k]}
                      : (struct fl_str){NULL, 0};
}

static void mv_put(struct mv_attrs *mv, int k, struct fl_str v)
{
    mv->off[k] = mv->text.len;
    mv->len[k] = v.len;
    mv->set[k] = true;
    fl_buf_append(&mv->text, v.p, v.len);
    fl_buf_putc(&mv->text, '\0');
}

/* Second pass over the attributes text (already validated by the first). Versions may be
 * numbers ("version": 3). Errors are reported at the attributes object, apos. */
static fl_err scan_mv_attrs(struct ctx *c, const char *attrs, struct mv_attrs *mv, size_t apos)
{
    struct fl_json j;
    struct fl_str key, val;
    struct fl_buf scratch;
    bool more;
    size_t alen = strlen(attrs);
    fl_err e;
    fl_json_init(&j, attrs, alen, NULL);
    fl_buf_init(&scratch, alen + 1);
    if ((e = fl_json_enter_object(&j)) != FL_OK)
        goto out;
    while ((e = fl_json_next_key(&j, &scratch, &key, &more)) == FL_OK && more) {
        int k = -1;
        for (int i = 0; i < MV__COUNT; i++)
            if (fl_str_eq_c(key, mv_names[i]))
                k = i;
        enum fl_json_type t = fl_json_peek(&j);
        if (k < 0 || t == FL_JSON_NULL) {
            if ((e = fl_json_skip(&j)) != FL_OK)
                goto out;
            continue;
        }
        if (t == FL_JSON_NUMBER && (k == MV_VERSION || k == MV_TO_VERSION)) {
            double v;
            char tmp[40];
            if ((e = fl_json_get_double(&j, &v)) != FL_OK)
                goto out;
            mv_put(mv, k, (struct fl_str){tmp, fl_fmt_double(v, tmp, sizeof tmp)});
            continue;
        }
        if (t != FL_JSON_STRING) {
            char path[48];
            snprintf(path, sizeof path, "attributes.%s", mv_names[k]);
            fl_buf_cleanup(&scratch);
            return fl_ingest__err_at(&c->jc, apos, FL_EPARSE, path,
                                     "model_version_change: attributes.%s: expected string, got %s",
                                     mv_names[k], fl_ingest__json_type_name(t));
        }
        if ((e = fl_json_get_string(&j, &scratch, &val)) != FL_OK)
            goto out;
        mv_put(mv, k, val);
    }
    if (e == FL_OK)
        e = fl_buf_err(&mv->text);
out:
    fl_buf_cleanup(&scratch);
    if (e == FL_ENOMEM)
        return fl_ingest__batch_fail(c->d, e, c->b, line_of(c, apos));
    if (e != FL_OK)
        return fl_ingest__err_at(&c->jc, apos, FL_EPARSE, "attributes",
                                 "model_version_change: cannot read attributes");
    return FL_OK;
}

static fl_err add_model_version(struct ctx *c, const struct fl_event *ev, size_t opos,
                                size_t apos)
{
    struct mv_attrs mv;
    struct fl_model_version m = {0};
    fl_err e;
    size_t at = apos ? apos : opos;
    memset(&mv, 0, sizeof mv);
    fl_buf_init(&mv.text, 2 * strlen(ev->attrs_json) + 256);
    if ((e = scan_mv_attrs(c, ev->attrs_json, &mv, at)) != FL_OK)
        goto out;
    struct fl_str model = mv_get(&mv, MV_MODEL), stage = mv_get(&mv, MV_STAGE);
    struct fl_str version = mv.set[MV_VERSION] ? mv_get(&mv, MV_VERSION)
                                               : mv_get(&mv, MV_TO_VERSION);
    if (model.len == 0) {
        e = fl_ingest__err_at(&c->jc, at, FL_EPARSE, "attributes.model",
                              "model_version_change: attributes.model is required");
        goto out;
    }
    if (version.len == 0) {
        e = fl_ingest__err_at(&c->jc, at, FL_EPARSE, "attributes.version",
                              "model_version_change: attributes.version (or to_version) is "
                              "required");
        goto out;
    }
    if (stage.p) {
        for (size_t i = 0; stages[i]; i++)
            if (fl_str_eq_c(stage, stages[i]))
                m.stage = stages[i];
        if (!m.stage) {
            e = fl_ingest__err_at(&c->jc, at, FL_EPARSE, "attributes.stage",
                                  "model_version_change: attributes.stage must be one of: "
                                  "production staging shadow archived");
            goto out;
        }
    }
    if (model.len > FL_LIMIT_NAME_BYTES || version.len > FL_LIMIT_NAME_BYTES) {
        e = fl_ingest__err_at(&c->jc, at, FL_ELIMIT, "attributes",
                              "model_version_change: model or version longer than %d bytes",
                              FL_LIMIT_NAME_BYTES);
        goto out;
    }
    m.model = fl_batch_strndup(c->b, model.p, model.len);
    m.version = fl_batch_strndup(c->b, version.p, version.len);
    if (!m.model || !m.version) {
        e = oom(c, opos);
        goto out;
    }
    m.ts_ms = ev->ts_ms;
    m.attrs_json = ev->attrs_json;
    if ((e = fl_batch_add_model(c->b, &m)) != FL_OK)
        e = fl_ingest__batch_fail(c->d, e, c->b, line_of(c, opos));
out:
    fl_buf_cleanup(&mv.text);
    return e;
}

/* ---- one event ---- */

static fl_err next_key(struct ctx *c, const char **seen, int *id, size_t *kpos)
{
    struct fl_str key;
    bool more;
    size_t before = c->jc.j.pos;
    fl_err e = fl_json_next_key(&c->jc.j, &c->jc.kscratch, &key, &more);
    if (e)
        return fl_ingest__json_fail(&c->jc, e);
    *id = -1;
    if (!more)
        return FL_OK;
    const struct fl_json *j = &c->jc.j;
    *kpos = (key.p > j->p && key.p <= j->p + j->len) ? (size_t)(key.p - j->p) - 1 : before;
    for (size_t i = 0; i < sizeof event_keys / sizeof event_keys[0]; i++) {
        if (!fl_str_eq_c(key, event_keys[i].name))
            continue;
        int k = event_keys[i].id;
        if (seen[k]) {
            if (strcmp(seen[k], event_keys[i].name) == 0)
                return fl_ingest__err_at(&c->jc, *kpos, FL_EPARSE, seen[k],
                                         "field \"%s\" given twice", seen[k]);
            return fl_ingest__err_at(&c->jc, *kpos, FL_EPARSE, event_keys[i].name,
                                     "field \"%s\" repeats \"%s\" (they are aliases)",
                                     event_keys[i].name, seen[k]);
        }
        seen[k] = event_keys[i].name;
        *id = k;
        return FL_OK;
    }
    char kn[80];
    size_t n = key.len < 64 ? key.len : 64;
    for (size_t i = 0; i < n; i++)
        kn[i] = ((unsigned char)key.p[i] < 0x20 || key.p[i] == '"') ? '?' : key.p[i];
    kn[n] = '\0';
    return fl_ingest__err_at(&c->jc, *kpos, FL_EPARSE, kn,
                             "unknown field \"%s\" (expected one of %s)", kn, EVENT_KEYS_TEXT);
}

static fl_err copy_str(struct ctx *c, struct fl_str s, size_t pos, const char **out)
{
    *out = fl_batch_strndup(c->b, s.p, s.len);
    return *out ? FL_OK : oom(c, pos);
}

/* Required fields and cross-field rules of a parsed event, then the id, the model version and the
 * batch. opos: position of the event object, apos: of its attributes (0 when absent). */
static fl_err finish_event(struct ctx *c, struct fl_event *ev, bool have_ts, size_t opos,
                           size_t apos)
{
    fl_err e;
    if (!have_ts)
        return fl_ingest__err_at(&c->jc, opos, FL_EPARSE, "ts", "missing required field \"ts\"");
    if (!ev->kind)
        return fl_ingest__err_at(&c->jc, opos, FL_EPARSE, "kind",
                                 "missing required field \"kind\"");
    if (!ev->component)
        return fl_ingest__err_at(&c->jc, opos, FL_EPARSE, "component",
                                 "missing required field \"component\"");
    if ((strcmp(ev->kind, "batch_run") == 0 || strcmp(ev->kind, "feature_pipeline_run") == 0) &&
        !ev->status)
        return fl_ingest__err_at(&c->jc, opos, FL_EPARSE, "status",
                                 "missing field \"status\": required for %s events (start, "
                                 "success or failure)",
                                 ev->kind);
    if (ev->end_ms != FL_TS_NONE && ev->end_ms < ev->ts_ms)
        return fl_ingest__err_at(&c->jc, opos, FL_EPARSE, "end",
                                 "field \"end\" is before \"ts\"");
    if (!ev->attrs_json)
        ev->attrs_json = "{}"; /* static storage outlives the batch */
    if (!ev->id) {
        char idbuf[32];
        fl_event_default_id(ev->kind, ev->component, ev->ts_ms, ev->status, ev->message, idbuf,
                            sizeof idbuf);
        if ((e = copy_str(c, fl_str_c(idbuf), opos, &ev->id)) != FL_OK)
            return e;
    }
    if (strcmp(ev->kind, "model_version_change") == 0 &&
        (e = add_model_version(c, ev, opos, apos)) != FL_OK)
        return e;
    if ((e = fl_batch_add_event(c->b, ev)) != FL_OK)
        return fl_ingest__batch_fail(c->d, e, c->b, line_of(c, opos));
    return FL_OK;
}

/* The next value is an event object: parse it and add it (and its model version) to the batch. */
static fl_err parse_event(struct ctx *c)
{
    const char *seen[K__COUNT] = {0};
    struct fl_event ev = {0};
    struct fl_str s;
    size_t opos = fl_ingest__jctx_mark(&c->jc), kpos = opos, apos = 0;
    enum fl_json_type t = fl_json_peek(&c->jc.j);
    bool have_ts = false;
    int id = -1;
    fl_err e;
    if (t != FL_JSON_OBJECT)
        return fl_ingest__bad_type(&c->jc, opos, t, NULL, "event", "a JSON object");
    if ((e = fl_json_enter_object(&c->jc.j)) != FL_OK)
        return fl_ingest__json_fail(&c->jc, e);
    ev.end_ms = FL_TS_NONE;
    ev.rows = -1;
    ev.message = "";
    for (;;) {
        if ((e = next_key(c, seen, &id, &kpos)) != FL_OK)
            return e;
        if (id < 0)
            break;
        size_t vpos = fl_ingest__jctx_mark(&c->jc);
        bool is_null = fl_json_peek(&c->jc.j) == FL_JSON_NULL;
        if (is_null && (id == K_END || id == K_ROWS || id == K_MESSAGE || id == K_ATTRS ||
                        id == K_STATUS || id == K_ID)) {
            if ((e = fl_json_get_null(&c->jc.j)) != FL_OK)
                return fl_ingest__json_fail(&c->jc, e);
            continue; /* optional field given as null = absent */
        }
        switch (id) {
        case K_ID:
            if ((e = get_string(c, "id", FL_LIMIT_NAME_BYTES, false, &s)) == FL_OK)
                e = copy_str(c, s, vpos, &ev.id);
            break;
        case K_TS:
            e = fl_ingest__get_ts(&c->jc, seen[K_TS], &ev.ts_ms);
            have_ts = true;
            break;
        case K_END:
            e = fl_ingest__get_ts(&c->jc, "end", &ev.end_ms);
            break;
        case K_KIND:
            e = get_enum(c, seen[K_KIND], event_kinds, EVENT_KINDS_TEXT, &ev.kind);
            break;
        case K_COMPONENT:
            if ((e = get_string(c, "component", FL_LIMIT_NAME_BYTES, false, &s)) == FL_OK)
                e = copy_str(c, s, vpos, &ev.component);
            break;
        case K_STATUS:
            e = get_enum(c, "status", statuses, " start success failure", &ev.status);
            break;
        case K_ROWS:
            e = get_rows(c, &ev.rows);
            break;
        case K_MESSAGE:
            if ((e = get_string(c, "message", FL_LIMIT_VALUE_BYTES, true, &s)) == FL_OK)
                e = copy_str(c, s, vpos, &ev.message);
            break;
        case K_ATTRS:
            apos = vpos;
            e = fl_ingest__get_raw_object(&c->jc, c->b, "attributes", &ev.attrs_json);
            break;
        default:
            e = FL_EINVAL; /* not reachable */
        }
        if (e)
            return e;
    }
    return finish_event(c, &ev, have_ts, opos, apos);
}

/* ---- the three layouts ---- */

static fl_err parse_array(struct ctx *c, const char *p, size_t len)
{
    fl_ingest__jctx_start(&c->jc, p, len, 1);
    fl_err e = fl_json_enter_array(&c->jc.j);
    bool more;
    if (e)
        return fl_ingest__json_fail(&c->jc, e);
    for (;;) {
        if ((e = fl_json_next_elem(&c->jc.j, &more)) != FL_OK)
            return fl_ingest__json_fail(&c->jc, e);
        if (!more)
            break;
        if ((e = parse_event(c)) != FL_OK)
            return e;
    }
    e = fl_json_end(&c->jc.j);
    return e ? fl_ingest__json_fail(&c->jc, e) : FL_OK;
}

static fl_err parse_single(struct ctx *c, const char *p, size_t len)
{
    fl_ingest__jctx_start(&c->jc, p, len, 1);
    fl_err e = parse_event(c);
    if (e)
        return e;
    e = fl_json_end(&c->jc.j);
    return e ? fl_ingest__json_fail(&c->jc, e) : FL_OK;
}

static fl_err parse_lines(struct ctx *c, const char *p, size_t len)
{
    struct fl_ingest__lines it;
    struct fl_str line;
    unsigned long no;
    fl_ingest__lines_init(&it, p, len);
    while (fl_ingest__lines_next(&it, &line, &no)) {
        if (line.len > c->lim->line_bytes)
            return fl_diag_set(c->d, FL_ELIMIT, no, 0,
                               "line is %zu bytes, longer than the limit of %zu bytes", line.len,
                               c->lim->line_bytes);
        fl_ingest__jctx_start(&c->jc, line.p, line.len, no);
        fl_err e = parse_event(c);
        if (e)
            return e;
        if ((e = fl_json_end(&c->jc.j)) != FL_OK)
            return fl_ingest__json_fail(&c->jc, e);
    }
    return FL_OK;
}

/* True when the first non-blank line holds one complete JSON value (then: JSON Lines). */
static bool first_line_complete(const char *p, size_t len)
{
    struct fl_ingest__lines it;
    struct fl_str line;
    unsigned long no;
    struct fl_json j;
    fl_ingest__lines_init(&it, p, len);
    if (!fl_ingest__lines_next(&it, &line, &no))
        return false;
    fl_json_init(&j, line.p, line.len, NULL);
    return fl_json_skip(&j) == FL_OK && fl_json_end(&j) == FL_OK;
}

fl_err fl_events_json_to_batch(const char *p, size_t len, const struct fl_limits *lim,
                               struct fl_batch *b, struct fl_diag *d)
{
    struct fl_limits lim_storage;
    struct ctx c;
    fl_err e;
    if (!p)
        len = 0;
    c.b = b;
    c.d = d;
    c.lim = fl_ingest__limits(lim, &lim_storage);
    fl_ingest__jctx_init(&c.jc, d, len > c.lim->line_bytes ? len : c.lim->line_bytes);
    size_t i = 0;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        i = 3; /* UTF-8 byte order mark */
    size_t start = i;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i == len)
        e = FL_OK;
    else if (p[i] == '[')
        e = parse_array(&c, p + start, len - start);
    else if (first_line_complete(p + start, len - start))
        e = parse_lines(&c, p + start, len - start);
    else
        e = parse_single(&c, p + start, len - start);
    fl_ingest__jctx_cleanup(&c.jc);
    return e;
}
