/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jaeger.c: Jaeger JSON (UI / legacy /api/traces model, jaegertracing/jaeger
 * internal/uimodel/model.go) -> fl_span records, streaming with fl_json_*.
 *
 * The mapping follows what the OpenTelemetry collector's Jaeger translator does (references,
 * span.kind / error / otel.status_code tags, log "event" field), with times converted from
 * microseconds to nanoseconds. Jaeger v3 responses carry OTLP JSON; they go to the OTLP parser.
 *
 * Keys come in any order: a span may name its processID before the trace's "processes" object
 * appears, and may omit its traceID. While a trace is being read, such a span keeps its process id
 * in span.service with resource_json == NULL; finish_trace() resolves both when the trace closes.
 * Unlike OTLP there is no partial success here: one bad span fails the whole call.
 */
#include "jaeger.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/json.h"
#include "../core/limits.h"
#include "../core/map.h"
#include "../core/str.h"
#include "otlp.h"
#include "trace_int.h"

#define JG_BUF_MAX ((size_t)FL_LIMIT_BODY_BYTES)
#define KEY_IS(k, lit) FL_INGEST__KEY_IS(k, lit)

struct jg {
    struct fl_json j;
    struct fl_batch *b;
    struct fl_diag *d;
    struct fl_ingest__span_bufs sb; /* scratch and the current span's texts (tags, logs, refs) */
    struct fl_buf kv;               /* scratch: a tag's key */
    char where[96];      /* "data[0].spans[3]" etc., for messages */
};

struct jproc {
    const char *service;
    const char *rjson;
};

struct jtrace {
    size_t first; /* first span of this trace in the batch */
    char trace_id[33];
    struct fl_map *procs; /* processID -> struct jproc (arena) */
    char prefix[32];      /* "data[0]" / "[1]" / "" */
};

/* What the special tags of one span said. */
struct jspecial {
    int kind;           /* -1 = no span.kind tag */
    int status;         /* -1 = no otel.status_code tag */
    bool error;         /* error=true */
    const char *status_message;
    const char *scope;
};

/* Fail at input offset `at` with the field path where + "." + field. */
static fl_err jfail(struct jg *c, size_t at, const char *field, const char *fmt, ...)
    FL_PRINTF(4, 5);
static fl_err jfail(struct jg *c, size_t at, const char *field, const char *fmt, ...)
{
    unsigned long line = 0, col = 0;
    char msg[FL_DIAG_MSG_CAP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fl_json_position(&c->j, at, &line, &col);
    if (c->d && c->d->code == FL_OK)
        fl_diag_field(c->d, "%s%s%s", c->where, c->where[0] && field[0] ? "." : "", field);
    return fl_diag_set(c->d, FL_EPARSE, line, col, "%s", msg);
}

static fl_err buf_fail(struct jg *c, const struct fl_buf *buf)
{
    fl_err e = fl_buf_err(buf);
    if (!e)
        return FL_OK;
    return fl_diag_set(c->d, e, 0, 0, e == FL_ELIMIT ? "text of one span exceeds %zu bytes"
                                                     : "out of memory", buf->max);
}

static size_t at_value(struct jg *c)
{
    (void)fl_json_peek(&c->j); /* skips whitespace so that pos is the value's first byte */
    return c->j.pos;
}

static fl_err read_id(struct jg *c, const char *field, size_t n, char *dst)
{
    size_t at = at_value(c);
    struct fl_str s;
    fl_err e;
    if (fl_json_peek(&c->j) != FL_JSON_STRING)
        return jfail(c, at, field, "expected a hex string");
    if ((e = fl_json_get_string(&c->j, &c->sb.str, &s)))
        return e;
    /* Jaeger ids: 1..n hex digits (leading zeros dropped) */
    int r = fl_ingest__hex_id(s, 1, n, dst);
    if (r == -1)
        return jfail(c, at, field, "expected 1-%zu hex digits, got \"%.*s\"", n,
                     (int)fl_ingest__show_len(s), s.p);
    if (r == -2)
        return jfail(c, at, field, "all-zero id is invalid");
    return FL_OK;
}

/* An integer given as a JSON number or decimal string. */
static fl_err read_i64(struct jg *c, const char *field, int64_t *out)
{
    size_t at = at_value(c);
    struct fl_str text;
    bool ok;
    fl_err e = fl_ingest__int_text(&c->j, &c->sb.str, &text, &ok);
    if (e)
        return e;
    if (!ok)
        return jfail(c, at, field, "expected an integer");
    if (!fl_str_to_i64(text, out))
        return jfail(c, at, field, "expected a 64-bit integer, got %.*s",
                     (int)fl_ingest__show_len(text), text.p);
    return FL_OK;
}

/* Decode a raw JSON string literal (a slice of the input) into *s (scratch c->sb.str). */
static bool raw_string(struct jg *c, struct fl_str raw, struct fl_str *s)
{
    struct fl_json sub;
    fl_json_init(&sub, raw.p, raw.len, NULL);
    return fl_json_peek(&sub) == FL_JSON_STRING && fl_json_get_string(&sub, &c->sb.str, s) == FL_OK;
}

static bool raw_is_true(struct jg *c, struct fl_str raw)
{
    struct fl_str s;
    if (fl_str_eq_c(raw, "true"))
        return true;
    return raw_string(c, raw, &s) && fl_str_eq_ci_c(s, "true");
}

enum tag_mode { TAGS_SPAN, TAGS_LOG, TAGS_PLAIN };

/* Handle the tags the span model maps to fields; true when consumed (not an attribute). */
static fl_err special_tag(struct jg *c, struct fl_str key, struct fl_str raw, struct jspecial *sp,
                          bool *consumed)
{
    struct fl_str s;
    *consumed = false;
    if (KEY_IS(key, "span.kind")) {
        static const char *const kinds[] = {"", "internal", "server", "client", "producer",
                                            "consumer"};
        if (!raw_string(c, raw, &s))
            return FL_OK;
        for (int i = 1; i <= 5; i++)
            if (fl_str_eq_ci_c(s, kinds[i])) {
                sp->kind = i;
                *consumed = true;
            }
    } else if (KEY_IS(key, "error")) {
        sp->error = raw_is_true(c, raw);
        *consumed = true;
    } else if (KEY_IS(key, "otel.status_code")) {
        if (!raw_string(c, raw, &s))
            return FL_OK;
        sp->status = fl_str_eq_ci_c(s, "ERROR") ? FL_STATUS_ERROR
                     : fl_str_eq_ci_c(s, "OK")  ? FL_STATUS_OK
                                                : FL_STATUS_UNSET;
        *consumed = true;
    } else if (KEY_IS(key, "otel.status_description") || KEY_IS(key, "otel.scope.name") ||
               KEY_IS(key, "otel.library.name")) {
        if (!raw_string(c, raw, &s))
            return FL_OK;
        const char *copy;
        fl_err e = fl_ingest__dup(c->b, c->d, s, &copy);
        if (e)
            return e;
        if (KEY_IS(key, "otel.status_description"))
            sp->status_message = copy;
        else
            sp->scope = copy;
        *consumed = true;
    }
    return FL_OK;
}

/* Write one typed value (Jaeger KeyValue.type) as JSON. */
static fl_err put_typed(struct jg *c, size_t at, struct fl_str type, struct fl_str raw,
                        enum fl_json_type vt, struct fl_buf *out)
{
    struct fl_str s;
    int64_t iv;
    double dv;
    if (KEY_IS(type, "int64") && vt == FL_JSON_STRING) {
        if (!raw_string(c, raw, &s) || !fl_str_to_i64(s, &iv))
            return jfail(c, at, "tags", "int64 tag value is not an integer: %.*s",
                         (int)fl_ingest__show_len(raw), raw.p);
        fl_ingest__put_i64(out, iv);
    } else if (KEY_IS(type, "bool") && vt == FL_JSON_STRING) {
        if (!raw_string(c, raw, &s))
            return jfail(c, at, "tags", "bad bool tag value");
        fl_buf_puts(out, fl_str_eq_ci_c(s, "true") ? "true" : "false");
    } else if (KEY_IS(type, "float64") && vt == FL_JSON_STRING && raw_string(c, raw, &s) &&
               fl_str_to_double(s, &dv) && isfinite(dv)) {
        fl_buf_put_double(out, dv);
    } else {
        /* string, binary (base64), untyped, or already the right JSON type: the raw text is JSON */
        fl_buf_append(out, raw.p, raw.len);
    }
    return FL_OK;
}

/*
 * A Jaeger tag list [{key, type, value}] -> object members "k":v appended to out (no braces).
 * mode TAGS_SPAN consumes the special tags into sp; TAGS_LOG takes field "event" as the name.
 */
static fl_err tags(struct jg *c, const char *field, struct fl_buf *out, size_t *n,
                   enum tag_mode mode, struct jspecial *sp, struct fl_buf *name)
{
    struct fl_json *j = &c->j;
    bool more;
    fl_err e;
    size_t at = at_value(c);
    if (fl_json_peek(j) == FL_JSON_NULL)
        return fl_json_get_null(j);
    if (fl_json_peek(j) != FL_JSON_ARRAY)
        return jfail(c, at, field, "expected an array of {key, type, value}");
    if ((e = fl_json_enter_array(j)))
        return e;
    for (size_t i = 0;; i++) {
        if ((e = fl_json_next_elem(j, &more)))
            return e;
        if (!more)
            break;
        if (i >= FL_LIMIT_ATTRS_PER_SPAN)
            return jfail(c, at_value(c), field, "more than %d entries", FL_LIMIT_ATTRS_PER_SPAN);
        size_t kat = at_value(c);
        if (fl_json_peek(j) != FL_JSON_OBJECT)
            return jfail(c, kat, field, "expected {key, type, value} objects");
        if ((e = fl_json_enter_object(j)))
            return e;
        struct fl_str k, key = {NULL, 0}, type = {"", 0}, raw = {NULL, 0};
        enum fl_json_type vt = FL_JSON_NONE;
        size_t vat = kat;
        for (;;) {
            if ((e = fl_json_next_key(j, &c->sb.key, &k, &more)))
                return e;
            if (!more)
                break;
            if (KEY_IS(k, "key") && fl_json_peek(j) == FL_JSON_STRING) {
                if ((e = fl_json_get_string(j, &c->kv, &key)))
                    return e;
            } else if (KEY_IS(k, "type") && fl_json_peek(j) == FL_JSON_STRING) {
                /* type names have no escapes in practice; a raw slice keeps c->sb.str free */
                if ((e = fl_json_raw(j, &type)))
                    return e;
                if (type.len >= 2) {
                    type.p++;
                    type.len -= 2;
                }
            } else if (KEY_IS(k, "value")) {
                vat = at_value(c);
                vt = fl_json_peek(j);
                if ((e = fl_json_raw(j, &raw)))
                    return e;
            } else if ((e = fl_json_skip(j))) {
                return e;
            }
        }
        if (!key.p)
            return jfail(c, kat, field, "entry %zu: key: required (a string)", i);
        if (key.len > FL_LIMIT_NAME_BYTES || raw.len > FL_LIMIT_VALUE_BYTES + 2)
            return jfail(c, kat, field, "entry %zu: key or value exceeds the size limit", i);
        if (!raw.p) {
            raw = (struct fl_str){"null", 4};
            vt = FL_JSON_NULL;
        }
        bool consumed = false;
        if (mode == TAGS_SPAN && (e = special_tag(c, key, raw, sp, &consumed)))
            return e;
        if (mode == TAGS_LOG && KEY_IS(key, "event") && vt == FL_JSON_STRING) {
            fl_buf_reset(name);
            fl_buf_append(name, raw.p, raw.len);
            consumed = true;
        }
        if (consumed)
            continue;
        if ((*n)++)
            fl_buf_putc(out, ',');
        fl_buf_put_json_str(out, key.p, key.len);
        fl_buf_putc(out, ':');
        if ((e = put_typed(c, vat, type, raw, vt, out)))
            return e;
    }
    return FL_OK;
}

/* A process {serviceName, tags} -> service and resource_json (service.name first). */
static fl_err process(struct jg *c, const char *field, struct jproc *p)
{
    struct fl_json *j = &c->j;
    bool more;
    struct fl_str k;
    fl_err e;
    size_t n = 0, at = at_value(c);
    const char *svc = NULL;
    if (fl_json_peek(j) != FL_JSON_OBJECT)
        return jfail(c, at, field, "expected a process object {serviceName, tags}");
    if ((e = fl_json_enter_object(j)))
        return e;
    fl_buf_reset(&c->sb.sub);
    for (;;) {
        if ((e = fl_json_next_key(j, &c->sb.key, &k, &more)))
            return e;
        if (!more)
            break;
        if (KEY_IS(k, "serviceName")) {
            struct fl_str s;
            size_t sat = at_value(c);
            if (fl_json_peek(j) != FL_JSON_STRING)
                return jfail(c, sat, field, "serviceName: expected a string");
            if ((e = fl_json_get_string(j, &c->sb.str, &s)))
                return e;
            if (s.len > FL_LIMIT_VALUE_BYTES)
                return jfail(c, sat, field, "serviceName: too long");
            if ((e = fl_ingest__dup(c->b, c->d, s, &svc)))
                return e;
        } else if (KEY_IS(k, "tags")) {
            if ((e = tags(c, field, &c->sb.sub, &n, TAGS_PLAIN, NULL, NULL)))
                return e;
        } else if ((e = fl_json_skip(j))) {
            return e;
        }
    }
    if ((e = buf_fail(c, &c->sb.sub)))
        return e;
    p->service = svc && svc[0] ? svc : "unknown_service";
    struct fl_buf r;
    fl_buf_init(&r, JG_BUF_MAX);
    fl_buf_puts(&r, "{\"service.name\":");
    fl_buf_put_json_str(&r, p->service, strlen(p->service));
    if (c->sb.sub.len) {
        fl_buf_putc(&r, ',');
        fl_buf_append(&r, c->sb.sub.data, c->sb.sub.len);
    }
    fl_buf_putc(&r, '}');
    e = buf_fail(c, &r);
    if (!e)
        e = fl_ingest__dup(c->b, c->d, (struct fl_str){r.data, r.len}, &p->rjson);
    fl_buf_cleanup(&r);
    return e;
}

/* logs [{timestamp µs, fields}] -> events_json in c->sb.events. */
static fl_err logs(struct jg *c)
{
    struct fl_json *j = &c->j;
    bool more;
    struct fl_str k;
    fl_err e;
    size_t at = at_value(c);
    fl_buf_reset(&c->sb.events);
    if (fl_json_peek(j) == FL_JSON_NULL)
        return fl_json_get_null(j);
    if (fl_json_peek(j) != FL_JSON_ARRAY)
        return jfail(c, at, "logs", "expected an array");
    if ((e = fl_json_enter_array(j)))
        return e;
    for (size_t i = 0;; i++) {
        if ((e = fl_json_next_elem(j, &more)))
            return e;
        if (!more)
            break;
        size_t lat = at_value(c);
        int64_t ts_us = 0;
        size_t n = 0;
        if (fl_json_peek(j) != FL_JSON_OBJECT)
            return jfail(c, lat, "logs", "expected {timestamp, fields} objects");
        if ((e = fl_json_enter_object(j)))
            return e;
        fl_buf_reset(&c->sb.sub);
        fl_buf_reset(&c->sb.name);
        for (;;) {
            if ((e = fl_json_next_key(j, &c->sb.key, &k, &more)))
                return e;
            if (!more)
                break;
            if (KEY_IS(k, "timestamp"))
                e = read_i64(c, "logs.timestamp", &ts_us);
            else if (KEY_IS(k, "fields"))
                e = tags(c, "logs.fields", &c->sb.sub, &n, TAGS_LOG, NULL, &c->sb.name);
            else
                e = fl_json_skip(j);
            if (e)
                return e;
        }
        if (ts_us < 0 || ts_us > INT64_MAX / 1000)
            return jfail(c, lat, "logs.timestamp", "out of range");
        fl_ingest__put_event_head(&c->sb.events, i == 0, ts_us * 1000, &c->sb.name);
        fl_buf_putc(&c->sb.events, '{');
        fl_buf_append(&c->sb.events, c->sb.sub.data ? c->sb.sub.data : "", c->sb.sub.len);
        fl_buf_puts(&c->sb.events, "}}");
        if ((e = buf_fail(c, &c->sb.sub)) || (e = buf_fail(c, &c->sb.name)))
            return e;
    }
    if (c->sb.events.len)
        fl_buf_putc(&c->sb.events, ']');
    return buf_fail(c, &c->sb.events);
}

/* references -> parent (first CHILD_OF) and links (the rest) in c->sb.links. */
static fl_err references(struct jg *c, struct fl_span *sp)
{
    struct fl_json *j = &c->j;
    bool more;
    struct fl_str k;
    fl_err e;
    size_t at = at_value(c), n_links = 0;
    fl_buf_reset(&c->sb.links);
    if (fl_json_peek(j) == FL_JSON_NULL)
        return fl_json_get_null(j);
    if (fl_json_peek(j) != FL_JSON_ARRAY)
        return jfail(c, at, "references", "expected an array");
    if ((e = fl_json_enter_array(j)))
        return e;
    for (;;) {
        if ((e = fl_json_next_elem(j, &more)))
            return e;
        if (!more)
            break;
        size_t rat = at_value(c);
        char tid[33] = "", sid[17] = "";
        bool follows = false;
        if (fl_json_peek(j) != FL_JSON_OBJECT)
            return jfail(c, rat, "references", "expected {refType, traceID, spanID} objects");
        if ((e = fl_json_enter_object(j)))
            return e;
        for (;;) {
            if ((e = fl_json_next_key(j, &c->sb.key, &k, &more)))
                return e;
            if (!more)
                break;
            if (KEY_IS(k, "traceID")) {
                e = read_id(c, "references.traceID", 32, tid);
            } else if (KEY_IS(k, "spanID")) {
                e = read_id(c, "references.spanID", 16, sid);
            } else if (KEY_IS(k, "refType") && fl_json_peek(j) == FL_JSON_STRING) {
                struct fl_str s;
                if ((e = fl_json_get_string(j, &c->sb.str, &s)))
                    return e;
                follows = fl_str_eq_ci_c(s, "FOLLOWS_FROM");
            } else {
                e = fl_json_skip(j);
            }
            if (e)
                return e;
        }
        if (!sid[0])
            return jfail(c, rat, "references", "spanID: required");
        if (!follows && !sp->parent_span_id[0]) {
            memcpy(sp->parent_span_id, sid, sizeof sid);
            continue;
        }
        fl_ingest__put_link_head(&c->sb.links, n_links++ == 0, tid[0] ? tid : sp->trace_id, sid);
        fl_buf_puts(&c->sb.links, follows ? "{\"ref_type\":\"FOLLOWS_FROM\"}}"
                                       : "{\"ref_type\":\"CHILD_OF\"}}");
    }
    if (n_links)
        fl_buf_putc(&c->sb.links, ']');
    return buf_fail(c, &c->sb.links);
}

static fl_err keep(struct jg *c, struct fl_buf *buf, const char *dflt, const char **out)
{
    fl_err e = buf_fail(c, buf);
    if (e)
        return e;
    return fl_ingest__keep_text(c->b, c->d, buf, dflt, out);
}

static fl_err span_field(struct jg *c, struct fl_str k, struct fl_span *sp, struct jspecial *spc,
                         int64_t *start_us, int64_t *dur_us, const char **pid, bool *have_name,
                         bool *inline_proc)
{
    struct fl_json *j = &c->j;
    fl_err e;
    size_t n = 0;
    if (KEY_IS(k, "traceID"))
        return read_id(c, "traceID", 32, sp->trace_id);
    if (KEY_IS(k, "spanID"))
        return read_id(c, "spanID", 16, sp->span_id);
    if (KEY_IS(k, "parentSpanID")) {
        /* legacy field; "" and "0" mean none */
        struct fl_str s;
        if (fl_json_peek(j) == FL_JSON_STRING) {
            size_t at = j->pos;
            if ((e = fl_json_get_string(j, &c->sb.str, &s)))
                return e;
            char tmp[17];
            int r = fl_ingest__hex_id(s, 1, 16, tmp);
            if (r == -1 && s.len)
                return jfail(c, at, "parentSpanID", "expected 1-16 hex digits");
            if (r == 0 && !sp->parent_span_id[0])
                memcpy(sp->parent_span_id, tmp, sizeof tmp);
            return FL_OK;
        }
        return fl_json_skip(j);
    }
    if (KEY_IS(k, "operationName")) {
        struct fl_str s;
        size_t at = at_value(c);
        if (fl_json_peek(j) != FL_JSON_STRING)
            return jfail(c, at, "operationName", "expected a string");
        if ((e = fl_json_get_string(j, &c->sb.str, &s)))
            return e;
        if (s.len > FL_LIMIT_VALUE_BYTES)
            return jfail(c, at, "operationName", "%zu bytes exceed the limit", s.len);
        if ((e = fl_ingest__dup(c->b, c->d, s, &sp->name)))
            return e;
        *have_name = true;
        return FL_OK;
    }
    if (KEY_IS(k, "startTime"))
        return read_i64(c, "startTime", start_us);
    if (KEY_IS(k, "duration"))
        return read_i64(c, "duration", dur_us);
    if (KEY_IS(k, "references"))
        return references(c, sp);
    if (KEY_IS(k, "tags")) {
        fl_buf_reset(&c->sb.attrs); /* a repeated key: the last one wins */
        fl_buf_putc(&c->sb.attrs, '{');
        if ((e = tags(c, "tags", &c->sb.attrs, &n, TAGS_SPAN, spc, NULL)))
            return e;
        if (n)
            fl_buf_putc(&c->sb.attrs, '}');
        else
            fl_buf_reset(&c->sb.attrs);
        return FL_OK;
    }
    if (KEY_IS(k, "logs"))
        return logs(c);
    if (KEY_IS(k, "processID")) {
        struct fl_str s;
        size_t at = at_value(c);
        if (fl_json_peek(j) != FL_JSON_STRING)
            return jfail(c, at, "processID", "expected a string");
        if ((e = fl_json_get_string(j, &c->sb.str, &s)))
            return e;
        return fl_ingest__dup(c->b, c->d, s, pid);
    }
    if (KEY_IS(k, "process")) {
        struct jproc p;
        if ((e = process(c, "process", &p)))
            return e;
        sp->service = p.service;
        sp->resource_json = p.rjson;
        *inline_proc = true;
        return FL_OK;
    }
    return fl_json_skip(j); /* flags, warnings, unknown fields */
}

static fl_err one_span(struct jg *c, struct jtrace *t, size_t idx)
{
    struct fl_json *j = &c->j;
    struct fl_span sp;
    struct jspecial spc = {-1, -1, false, NULL, NULL};
    int64_t start_us = -1, dur_us = 0;
    const char *pid = NULL;
    bool more, have_name = false, inline_proc = false;
    struct fl_str k;
    fl_err e;
    size_t at = at_value(c);

    snprintf(c->where, sizeof c->where, "%s%sspans[%zu]", t->prefix, t->prefix[0] ? "." : "",
             idx);
    memset(&sp, 0, sizeof sp);
    fl_buf_reset(&c->sb.attrs);
    fl_buf_reset(&c->sb.events);
    fl_buf_reset(&c->sb.links);
    if (fl_json_peek(j) != FL_JSON_OBJECT)
        return jfail(c, at, "", "expected a span object");
    if ((e = fl_json_enter_object(j)))
        return e;
    for (;;) {
        if ((e = fl_json_next_key(j, &c->sb.key, &k, &more)))
            return e;
        if (!more)
            break;
        if ((e = span_field(c, k, &sp, &spc, &start_us, &dur_us, &pid, &have_name,
                            &inline_proc)))
            return e;
    }
    if (!sp.span_id[0])
        return jfail(c, at, "spanID", "required");
    if (!have_name)
        return jfail(c, at, "operationName", "required");
    if (start_us < 0 || start_us > INT64_MAX / 1000)
        return jfail(c, at, "startTime", start_us < 0 ? "required (microseconds since the epoch)"
                                                      : "out of range");
    if (dur_us < 0 || dur_us > (INT64_MAX - start_us * 1000) / 1000)
        return jfail(c, at, "duration", "must be a non-negative number of microseconds");
    sp.start_ns = start_us * 1000;
    sp.end_ns = sp.start_ns + dur_us * 1000;
    sp.kind = spc.kind >= 0 ? spc.kind : FL_SPAN_UNSPECIFIED;
    sp.status_code = spc.status >= 0 ? spc.status : spc.error ? FL_STATUS_ERROR : FL_STATUS_UNSET;
    sp.status_message = spc.status_message ? spc.status_message : "";
    sp.scope_name = spc.scope ? spc.scope : "";
    if ((e = keep(c, &c->sb.attrs, "{}", &sp.attrs_json)) ||
        (e = keep(c, &c->sb.events, "[]", &sp.events_json)) ||
        (e = keep(c, &c->sb.links, "[]", &sp.links_json)))
        return e;
    if (!inline_proc) {
        /* resolved in finish_trace (see the file comment) */
        sp.service = pid;
        sp.resource_json = pid ? NULL : "{}";
        if (!pid)
            sp.service = "unknown_service";
    }
    return fl_ingest__add_span(c->b, c->d, &sp);
}

static fl_err processes(struct jg *c, struct jtrace *t)
{
    struct fl_json *j = &c->j;
    bool more;
    struct fl_str k;
    fl_err e;
    size_t at = at_value(c);
    if (fl_json_peek(j) == FL_JSON_NULL)
        return fl_json_get_null(j);
    if (fl_json_peek(j) != FL_JSON_OBJECT)
        return jfail(c, at, "processes", "expected an object {processID: process}");
    if ((e = fl_json_enter_object(j)))
        return e;
    for (;;) {
        if ((e = fl_json_next_key(j, &c->kv, &k, &more)))
            return e;
        if (!more)
            break;
        struct jproc *p = fl_arena_alloc(&c->b->arena, sizeof *p);
        if (!p)
            return fl_ingest__alloc_fail(c->d, c->b);
        /* copy the id now: k may live in c->kv, which process() reuses for tag keys */
        const char *id;
        if ((e = fl_ingest__dup(c->b, c->d, k, &id)))
            return e;
        if ((e = process(c, "processes", p)))
            return e;
        if ((e = fl_map_put(t->procs, id, strlen(id), p)))
            return fl_diag_set(c->d, e, 0, 0, "too many processes");
    }
    return FL_OK;
}

/* One key of a trace object; spans of the trace are appended to the batch as they come. */
static fl_err trace_key(struct jg *c, struct jtrace *t, struct fl_str k)
{
    struct fl_json *j = &c->j;
    bool more;
    fl_err e;
    if (KEY_IS(k, "traceID")) {
        snprintf(c->where, sizeof c->where, "%s", t->prefix);
        return read_id(c, "traceID", 32, t->trace_id);
    }
    if (KEY_IS(k, "processes")) {
        snprintf(c->where, sizeof c->where, "%s", t->prefix);
        return processes(c, t);
    }
    if (!KEY_IS(k, "spans"))
        return fl_json_skip(j); /* warnings, unknown fields */
    snprintf(c->where, sizeof c->where, "%s", t->prefix);
    size_t at = at_value(c);
    if (fl_json_peek(j) == FL_JSON_NULL)
        return fl_json_get_null(j);
    if (fl_json_peek(j) != FL_JSON_ARRAY)
        return jfail(c, at, "spans", "expected an array");
    if ((e = fl_json_enter_array(j)))
        return e;
    for (size_t i = 0;; i++) {
        if ((e = fl_json_next_elem(j, &more)))
            return e;
        if (!more)
            break;
        if ((e = one_span(c, t, i)))
            return e;
    }
    return FL_OK;
}

static fl_err trace_begin(struct jg *c, struct jtrace *t, const char *prefix)
{
    memset(t, 0, sizeof *t);
    t->first = c->b->n_spans;
    snprintf(t->prefix, sizeof t->prefix, "%s", prefix);
    t->procs = fl_map_new(NULL, FL_LIMIT_MAP_ENTRIES);
    if (!t->procs)
        return fl_diag_set(c->d, FL_ENOMEM, 0, 0, "out of memory");
    return FL_OK;
}

/* Fill in trace ids and processes of the trace's spans; frees the process map. */
static fl_err trace_finish(struct jg *c, struct jtrace *t)
{
    fl_err e = FL_OK;
    snprintf(c->where, sizeof c->where, "%s", t->prefix);
    for (size_t i = t->first; i < c->b->n_spans; i++) {
        struct fl_span *sp = &c->b->spans[i];
        if (!sp->trace_id[0]) {
            if (!t->trace_id[0]) {
                e = jfail(c, c->j.pos, "traceID", "spans[%zu] has no traceID and neither has "
                          "its trace", i - t->first);
                break;
            }
            memcpy(sp->trace_id, t->trace_id, sizeof t->trace_id);
        }
        if (!sp->resource_json) {
            const struct jproc *p = fl_map_get(t->procs, sp->service, strlen(sp->service));
            if (!p) {
                e = jfail(c, c->j.pos, "processes", "spans[%zu].processID \"%.64s\" is not "
                          "in processes", i - t->first, sp->service);
                break;
            }
            sp->service = p->service;
            sp->resource_json = p->rjson;
        }
    }
    fl_map_free(t->procs);
    t->procs = NULL;
    return e;
}

/* A whole trace object {traceID, spans, processes}. */
static fl_err trace_obj(struct jg *c, const char *prefix)
{
    struct jtrace t;
    bool more;
    struct fl_str k;
    fl_err e;
    snprintf(c->where, sizeof c->where, "%s", prefix);
    if (fl_json_peek(&c->j) != FL_JSON_OBJECT)
        return jfail(c, at_value(c), "", "expected a trace object {traceID, spans, processes}");
    if ((e = fl_json_enter_object(&c->j)))
        return e;
    if ((e = trace_begin(c, &t, prefix)))
        return e;
    for (;;) {
        if ((e = fl_json_next_key(&c->j, &c->sb.key, &k, &more)) || !more)
            break;
        if ((e = trace_key(c, &t, k)))
            break;
    }
    if (e) {
        fl_map_free(t.procs);
        return e;
    }
    return trace_finish(c, &t);
}

static fl_err trace_array(struct jg *c, const char *name)
{
    bool more;
    fl_err e;
    char prefix[32];
    if ((e = fl_json_enter_array(&c->j)))
        return e;
    for (size_t i = 0;; i++) {
        if ((e = fl_json_next_elem(&c->j, &more)))
            return e;
        if (!more)
            break;
        snprintf(prefix, sizeof prefix, "%s[%zu]", name, i);
        if ((e = trace_obj(c, prefix)))
            return e;
    }
    return FL_OK;
}

/* /api/v3: {"result": ExportTraceServiceRequest-shaped object}; strict (no partial success). */
static fl_err v3_result(struct jg *c)
{
    struct fl_str raw;
    struct fl_otlp_result res;
    unsigned long line0, col0;
    size_t at = at_value(c);
    fl_err e = fl_json_raw(&c->j, &raw);
    if (e)
        return e;
    fl_json_position(&c->j, at, &line0, &col0);
    e = fl_otlp_json_to_batch(raw.p, raw.len, c->b, &res, c->d);
    if (e) {
        if (c->d && c->d->line) {
            if (c->d->line == 1)
                c->d->column += col0 - 1;
            c->d->line += line0 - 1;
        }
        return e;
    }
    if (res.rejected_spans) {
        if (c->d && c->d->code == FL_OK)
            fl_diag_field(c->d, "result");
        return fl_diag_set(c->d, FL_EPARSE, line0, col0, "%zu invalid spans: %s",
                           res.rejected_spans, res.error_message);
    }
    return FL_OK;
}

static fl_err jaeger_top(struct jg *c)
{
    struct fl_json *j = &c->j;
    bool more, bare = false, found = false;
    struct fl_str k;
    struct jtrace t;
    fl_err e = FL_OK;
    enum fl_json_type top = fl_json_peek(j);
    if (top == FL_JSON_ARRAY) {
        if ((e = trace_array(c, "")))
            return e;
        return fl_json_end(j);
    }
    if (top != FL_JSON_OBJECT)
        return jfail(c, at_value(c), "", "expected a Jaeger trace, {\"data\":[...]} or an array");
    if ((e = fl_json_enter_object(j)))
        return e;
    memset(&t, 0, sizeof t);
    for (;;) {
        if ((e = fl_json_next_key(j, &c->sb.key, &k, &more)) || !more)
            break;
        if (KEY_IS(k, "data") && fl_json_peek(j) == FL_JSON_ARRAY) {
            e = trace_array(c, "data");
            found = true;
        } else if (KEY_IS(k, "result") && fl_json_peek(j) == FL_JSON_OBJECT) {
            e = v3_result(c);
            found = true;
        } else if (KEY_IS(k, "traceID") || KEY_IS(k, "spans") || KEY_IS(k, "processes")) {
            if (!bare && (e = trace_begin(c, &t, "")))
                break;
            bare = true;
            e = trace_key(c, &t, k);
        } else {
            e = fl_json_skip(j); /* total, limit, offset, errors, unknown fields */
        }
        if (e)
            break;
    }
    if (e) {
        fl_map_free(t.procs);
        return e;
    }
    if (bare && (e = trace_finish(c, &t)))
        return e;
    if (!bare && !found)
        return jfail(c, 0, "", "no Jaeger traces found: expected \"data\":[...], "
                     "\"result\":{...} or a trace object {traceID, spans, processes}");
    return fl_json_end(j);
}

fl_err fl_jaeger_json_to_batch(const char *p, size_t len, struct fl_batch *b, struct fl_diag *d)
{
    struct jg c;
    memset(&c, 0, sizeof c);
    c.b = b;
    c.d = d;
    fl_json_init(&c.j, p, len, d);
    fl_ingest__span_bufs_init(&c.sb);
    fl_buf_init(&c.kv, FL_LIMIT_VALUE_BYTES * 8);
    size_t n0 = b->n_spans;
    fl_err e = jaeger_top(&c);
    if (e)
        b->n_spans = n0;
    fl_ingest__span_bufs_cleanup(&c.sb);
    fl_buf_cleanup(&c.kv);
    return e;
}
