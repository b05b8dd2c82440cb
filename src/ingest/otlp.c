/* SPDX-License-Identifier: Apache-2.0 */
/*
 * otlp.c: OTLP/HTTP JSON ExportTraceServiceRequest -> fl_span records, in one streaming pass.
 *
 * Spec: opentelemetry-proto docs/specification.md ("JSON Protobuf Encoding") and
 * opentelemetry/proto/trace/v1/trace.proto. Keys of an object may come in any order, so values that
 * spans inherit from their enclosing objects (resource -> service/resource_json, scope -> scope
 * name) are patched into the spans of that object when it closes; spans of one object are always
 * the tail of the batch at that moment.
 *
 * Two kinds of failure: structural ones (malformed JSON, containers of the wrong type) abort the
 * request with FL_EPARSE; content errors of one span (bad ids, enum names, bad attribute values)
 * reject only that span (c->bad) and parsing goes on: OTLP's partial success.
 *
 * Attributes become a plain JSON object text: AnyValue stringValue/boolValue/intValue/doubleValue/
 * bytesValue map to JSON string/bool/integer/number/base64 string, arrayValue to an array,
 * kvlistValue to an object, an empty AnyValue to null.
 */
#include "otlp.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../core/json.h"
#include "../core/limits.h"
#include "../core/str.h"
#include "trace_int.h"

#define KEY_IS(k, lit) FL_INGEST__KEY_IS(k, lit)

enum otlp_loc { LOC_TOP, LOC_RS, LOC_RESOURCE, LOC_SS, LOC_SPAN };
enum attr_owner { OWN_SPAN, OWN_RESOURCE, OWN_EVENT, OWN_LINK };

struct otlp {
    struct fl_json j;
    struct fl_batch *b;
    struct fl_otlp_result *res;
    struct fl_diag *d;
    struct fl_ingest__span_bufs sb; /* scratch and the current span's texts */
    size_t i_rs, i_ss, i_sp;
    const char *ss_name; /* "scopeSpans" or the legacy "instrumentationLibrarySpans" */
    enum otlp_loc loc;
    bool bad;       /* the current span (or resource) is rejected */
    size_t n_items; /* attributes + events + links of the current span */
    /* where an attribute error is reported: owner, its index, the top-level attribute */
    enum attr_owner owner;
    size_t owner_idx;
    size_t attr_idx;
    char attr_key[64];
    int av_depth; /* nesting of AnyValues below the top-level attribute */
};

/* ---- messages ---- */

static size_t loc_prefix(const struct otlp *c, char *out, size_t cap)
{
    int n = 0;
    out[0] = '\0';
    if (c->loc == LOC_RESOURCE)
        n = snprintf(out, cap, "resourceSpans[%zu].resource.", c->i_rs);
    else if (c->loc == LOC_SPAN)
        n = snprintf(out, cap, "resourceSpans[%zu].%s[%zu].spans[%zu].", c->i_rs, c->ss_name,
                     c->i_ss, c->i_sp);
    else if (c->loc == LOC_SS)
        n = snprintf(out, cap, "resourceSpans[%zu].%s[%zu].", c->i_rs, c->ss_name, c->i_ss);
    else if (c->loc == LOC_RS)
        n = snprintf(out, cap, "resourceSpans[%zu].", c->i_rs);
    if (n < 0)
        n = 0;
    return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Mark the current span/resource rejected; the first rejection overall names itself. */
static void reject(struct otlp *c, const char *fmt, ...) FL_PRINTF(2, 3);
static void reject(struct otlp *c, const char *fmt, ...)
{
    bool first_in_span = !c->bad;
    c->bad = true;
    if (!first_in_span || c->res->error_message[0])
        return;
    char *m = c->res->error_message;
    size_t cap = sizeof c->res->error_message;
    size_t n = loc_prefix(c, m, cap);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m + n, cap - n, fmt, ap);
    va_end(ap);
}

/* Same, for an attribute: prefixes "attributes[i] \"key\": " (or events[k].attributes...). */
static void reject_attr(struct otlp *c, const char *fmt, ...) FL_PRINTF(2, 3);
static void reject_attr(struct otlp *c, const char *fmt, ...)
{
    if (c->bad || c->res->error_message[0]) {
        c->bad = true;
        return;
    }
    char detail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    const char *own = c->owner == OWN_EVENT ? "events" : c->owner == OWN_LINK ? "links" : NULL;
    if (own)
        reject(c, "%s[%zu].attributes[%zu] \"%s\": %s", own, c->owner_idx, c->attr_idx,
               c->attr_key, detail);
    else
        reject(c, "attributes[%zu] \"%s\": %s", c->attr_idx, c->attr_key, detail);
}

static const char *type_name(enum fl_json_type t)
{
    switch (t) {
    case FL_JSON_NULL: return "null";
    case FL_JSON_BOOL: return "a boolean";
    case FL_JSON_NUMBER: return "a number";
    case FL_JSON_STRING: return "a string";
    case FL_JSON_OBJECT: return "an object";
    case FL_JSON_ARRAY: return "an array";
    default: return "end of input";
    }
}

/*
 * A structural error at the current position: FL_EPARSE with line/column from the reader and the
 * field path (current location + field; field "" names the location itself).
 */
static fl_err structural(struct otlp *c, const char *field, const char *expected)
{
    char path[FL_DIAG_FIELD_CAP];
    size_t n = loc_prefix(c, path, sizeof path);
    if (!field[0] && n && path[n - 1] == '.')
        path[n - 1] = '\0';
    if (c->d && c->d->code == FL_OK && (path[0] || field[0]))
        fl_diag_field(c->d, "%s%s", path, field);
    return fl_json_error(&c->j, FL_EPARSE, "expected %s, got %s", expected,
                         type_name(fl_json_peek(&c->j)));
}

/* A scratch buffer's sticky error: out of memory aborts, its cap rejects the span. */
static fl_err buf_check(struct otlp *c, const struct fl_buf *buf)
{
    fl_err e = fl_buf_err(buf);
    if (e == FL_ELIMIT) {
        reject(c, "attribute text exceeds %zu bytes", buf->max);
        return FL_OK;
    }
    if (e)
        return fl_diag_set(c->d, e, 0, 0, "out of memory");
    return FL_OK;
}

/* ---- small readers ---- */

/* null is proto3 JSON for "field absent": consume it and return true. */
static fl_err take_null(struct fl_json *j, bool *was_null)
{
    *was_null = fl_json_peek(j) == FL_JSON_NULL;
    return *was_null ? fl_json_get_null(j) : FL_OK;
}

/* Read a string; on another type skip it and report *ok = false (nothing consumed twice). */
static fl_err read_str(struct otlp *c, struct fl_json *j, struct fl_str *out, bool *ok,
                       enum fl_json_type *got)
{
    *got = fl_json_peek(j);
    *ok = *got == FL_JSON_STRING;
    if (*ok)
        return fl_json_get_string(j, &c->sb.str, out);
    return fl_json_skip(j);
}

enum num_status { NUM_OK, NUM_TYPE, NUM_SYNTAX };

/*
 * Read a 64-bit integer given as a JSON number or a decimal string (proto3 JSON int64/fixed64).
 * *text receives the offending text for messages (valid until the next read).
 */
static fl_err read_int(struct otlp *c, struct fl_json *j, bool is_unsigned, int64_t *sv,
                       uint64_t *uv, enum num_status *st, struct fl_str *text)
{
    bool ok;
    fl_err e = fl_ingest__int_text(j, &c->sb.str, text, &ok);
    if (e)
        return e;
    if (!ok) {
        *st = NUM_TYPE;
        return fl_json_skip(j);
    }
    ok = is_unsigned ? fl_str_to_u64(*text, uv) : fl_str_to_i64(*text, sv);
    *st = ok ? NUM_OK : NUM_SYNTAX;
    return FL_OK;
}

/* ---- AnyValue -> JSON ---- */

static void put_str(const struct fl_json *j, struct fl_buf *out, struct fl_str s);

static fl_err attr_list(struct otlp *c, struct fl_json *j, struct fl_buf *out, bool top,
                        const char **service);

static fl_err av_string(struct otlp *c, struct fl_json *j, struct fl_buf *out, const char *field,
                        const char **capture)
{
    struct fl_str s;
    bool ok;
    enum fl_json_type got;
    fl_err e = read_str(c, j, &s, &ok, &got);
    if (e)
        return e;
    if (!ok) {
        reject_attr(c, "%s: expected a string, got %s", field, type_name(got));
        fl_buf_puts(out, "null");
        return FL_OK;
    }
    if (s.len > FL_LIMIT_VALUE_BYTES) {
        reject_attr(c, "%s: value of %zu bytes exceeds the limit of %u", field, s.len,
                    (unsigned)FL_LIMIT_VALUE_BYTES);
        fl_buf_puts(out, "null");
        return FL_OK;
    }
    if (capture && (e = fl_ingest__dup(c->b, c->d, s, capture)))
        return e;
    put_str(j, out, s);
    return FL_OK;
}

static fl_err av_int(struct otlp *c, struct fl_json *j, struct fl_buf *out)
{
    int64_t v = 0;
    uint64_t uv;
    enum num_status st;
    struct fl_str text;
    fl_err e = read_int(c, j, false, &v, &uv, &st, &text);
    if (e)
        return e;
    if (st == NUM_OK)
        fl_ingest__put_i64(out, v);
    else {
        if (st == NUM_TYPE)
            reject_attr(c, "intValue: expected an integer as a string or number");
        else
            reject_attr(c, "intValue: expected a 64-bit integer, got \"%.*s\"",
                        (int)fl_ingest__show_len(text), text.p);
        fl_buf_puts(out, "null");
    }
    return FL_OK;
}

static fl_err av_double(struct otlp *c, struct fl_json *j, struct fl_buf *out)
{
    enum fl_json_type t = fl_json_peek(j);
    struct fl_str text;
    fl_err e;
    if (t == FL_JSON_NUMBER) {
        /* The JSON number text is already valid JSON and exact: copy it. */
        if ((e = fl_json_raw(j, &text)))
            return e;
        fl_buf_append(out, text.p, text.len);
        return FL_OK;
    }
    if (t != FL_JSON_STRING) {
        reject_attr(c, "doubleValue: expected a number, got %s", type_name(t));
        fl_buf_puts(out, "null");
        return fl_json_skip(j);
    }
    /* proto3 JSON writes NaN and infinities as strings; JSON has no literal for them. */
    if ((e = fl_json_get_string(j, &c->sb.str, &text)))
        return e;
    double v;
    if (fl_str_eq_c(text, "NaN") || fl_str_eq_c(text, "Infinity") ||
        fl_str_eq_c(text, "-Infinity"))
        fl_buf_put_json_str(out, text.p, text.len);
    else if (text.len > 0 && fl_str_to_double(text, &v) && isfinite(v))
        fl_buf_put_double(out, v);
    else {
        reject_attr(c, "doubleValue: expected a number, got \"%.*s\"",
                    (int)fl_ingest__show_len(text), text.p);
        fl_buf_puts(out, "null");
    }
    return FL_OK;
}

static fl_err av_bool(struct otlp *c, struct fl_json *j, struct fl_buf *out)
{
    enum fl_json_type t = fl_json_peek(j);
    if (t != FL_JSON_BOOL) {
        reject_attr(c, "boolValue: expected true or false, got %s", type_name(t));
        fl_buf_puts(out, "null");
        return fl_json_skip(j);
    }
    bool v;
    fl_err e = fl_json_get_bool(j, &v);
    if (!e)
        fl_buf_puts(out, v ? "true" : "false");
    return e;
}

static fl_err any_value(struct otlp *c, struct fl_json *j, struct fl_buf *out,
                        const char **capture);

/* arrayValue {values:[AnyValue...]} -> JSON array. */
static fl_err av_array(struct otlp *c, struct fl_json *j, struct fl_buf *out)
{
    bool more, was_null;
    struct fl_str k;
    fl_err e;
    size_t n = 0;
    if ((e = take_null(j, &was_null)) || was_null) {
        fl_buf_puts(out, "[]");
        return e;
    }
    if (fl_json_peek(j) != FL_JSON_OBJECT) {
        reject_attr(c, "arrayValue: expected an object, got %s", type_name(fl_json_peek(j)));
        fl_buf_puts(out, "null");
        return fl_json_skip(j);
    }
    if ((e = fl_json_enter_object(j)))
        return e;
    fl_buf_putc(out, '[');
    for (;;) {
        if ((e = fl_json_next_key(j, &c->sb.key, &k, &more)))
            return e;
        if (!more)
            break;
        if (!KEY_IS(k, "values")) {
            if ((e = fl_json_skip(j)))
                return e;
            continue;
        }
        if ((e = take_null(j, &was_null)))
            return e;
        if (was_null)
            continue;
        if (fl_json_peek(j) != FL_JSON_ARRAY) {
            reject_attr(c, "arrayValue.values: expected an array");
            if ((e = fl_json_skip(j)))
                return e;
            continue;
        }
        if ((e = fl_json_enter_array(j)))
            return e;
        for (;;) {
            if ((e = fl_json_next_elem(j, &more)))
                return e;
            if (!more)
                break;
            if (n++)
                fl_buf_putc(out, ',');
            if ((e = any_value(c, j, out, NULL)))
                return e;
        }
    }
    fl_buf_putc(out, ']');
    return FL_OK;
}

/* kvlistValue {values:[KeyValue...]} -> JSON object. */
static fl_err av_kvlist(struct otlp *c, struct fl_json *j, struct fl_buf *out)
{
    bool more, was_null;
    struct fl_str k;
    fl_err e;
    bool done = false;
    if ((e = take_null(j, &was_null)) || was_null) {
        fl_buf_puts(out, "{}");
        return e;
    }
    if (fl_json_peek(j) != FL_JSON_OBJECT) {
        reject_attr(c, "kvlistValue: expected an object, got %s", type_name(fl_json_peek(j)));
        fl_buf_puts(out, "null");
        return fl_json_skip(j);
    }
    if ((e = fl_json_enter_object(j)))
        return e;
    for (;;) {
        if ((e = fl_json_next_key(j, &c->sb.key, &k, &more)))
            return e;
        if (!more)
            break;
        if (!KEY_IS(k, "values") || done) {
            if ((e = fl_json_skip(j)))
                return e;
            continue;
        }
        done = true;
        if ((e = attr_list(c, j, out, false, NULL)))
            return e;
    }
    if (!done)
        fl_buf_puts(out, "{}");
    return FL_OK;
}

/*
 * One AnyValue object -> one JSON value appended to out. Only the first member of the oneof is
 * used; an AnyValue without one is null. capture: receives an arena copy of a stringValue.
 */
static fl_err any_value(struct otlp *c, struct fl_json *j, struct fl_buf *out,
                        const char **capture)
{
    bool more, was_null, written = false;
    struct fl_str k;
    fl_err e;
    if ((e = take_null(j, &was_null)) || was_null) {
        fl_buf_puts(out, "null");
        return e;
    }
    if (fl_json_peek(j) != FL_JSON_OBJECT) {
        reject_attr(c, "value: expected an AnyValue object, got %s", type_name(fl_json_peek(j)));
        fl_buf_puts(out, "null");
        return fl_json_skip(j);
    }
    if ((e = fl_json_enter_object(j)))
        return e;
    c->av_depth++;
    for (;;) {
        if ((e = fl_json_next_key(j, &c->sb.key, &k, &more)))
            goto out;
        if (!more)
            break;
        if (written) {
            e = fl_json_skip(j);
        } else if (KEY_IS(k, "stringValue")) {
            e = av_string(c, j, out, "stringValue", capture);
            written = true;
        } else if (KEY_IS(k, "intValue")) {
            e = av_int(c, j, out);
            written = true;
        } else if (KEY_IS(k, "boolValue")) {
            e = av_bool(c, j, out);
            written = true;
        } else if (KEY_IS(k, "doubleValue")) {
            e = av_double(c, j, out);
            written = true;
        } else if (KEY_IS(k, "arrayValue")) {
            e = av_array(c, j, out);
            written = true;
        } else if (KEY_IS(k, "kvlistValue")) {
            e = av_kvlist(c, j, out);
            written = true;
        } else if (KEY_IS(k, "bytesValue")) {
            e = av_string(c, j, out, "bytesValue", NULL);
            written = true;
        } else {
            e = fl_json_skip(j);
        }
        if (e)
            goto out;
    }
    if (!written)
        fl_buf_puts(out, "null");
out:
    c->av_depth--;
    return e;
}

/*
 * Append s as a JSON string literal. A string the reader returned as a slice of its input had no
 * escapes, so (JSON forbids raw control characters, quotes and backslashes in strings) the input
 * bytes between and including its quotes are already a valid literal: copy them.
 */
static void put_str(const struct fl_json *j, struct fl_buf *out, struct fl_str s)
{
    if (s.p > j->p && s.p + s.len < j->p + j->len && s.p[-1] == '"' && s.p[s.len] == '"')
        fl_buf_append(out, s.p - 1, s.len + 2);
    else
        fl_buf_put_json_str(out, s.p, s.len);
}

/* Remember the current top-level attribute's key for messages (truncated). */
static void set_attr_key(struct otlp *c, struct fl_str k)
{
    size_t n = k.len < sizeof c->attr_key - 4 ? k.len : sizeof c->attr_key - 4;
    memcpy(c->attr_key, k.p, n);
    c->attr_key[n] = '\0';
}

/* Append `"key":` (with a comma unless first) to out. */
static void put_key(const struct fl_json *j, struct fl_buf *out, size_t *n, struct fl_str key)
{
    if ((*n)++)
        fl_buf_putc(out, ',');
    put_str(j, out, key);
    fl_buf_putc(out, ':');
}

/* p at the first byte of a string body: its closing quote when every byte before it is plain
 * printable ASCII (no escape, control or UTF-8 byte to check), else NULL. */
static const char *plain_ascii_end(const char *p, const char *end)
{
    for (; p < end; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '"')
            return p;
        if (ch < 0x20 || ch >= 0x80 || ch == '\\')
            return NULL;
    }
    return NULL;
}

/* Match the literal lit at *p (advancing it), within end. */
static bool lit_at(const char **p, const char *end, const char *lit, size_t n)
{
    if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
        return false;
    *p += n;
    return true;
}

#define LIT_AT(p, end, lit) lit_at(p, end, lit, sizeof lit - 1)

/*
 * The fast path for the KeyValue shapes that SDKs send nearly always, in compact JSON:
 * {"key":"k","value":{"stringValue":"v"}}, {"intValue":"12"} or {"intValue":12}, and
 * {"boolValue":true|false}, with plain ASCII strings within the limits. It matches the bytes
 * ahead without consuming them and, only on a complete match, writes what key_value would write
 * and moves past the object (a valid JSON value, so the reader's state is as after a skip).
 * Anything else, including every input key_value would reject, returns false untouched.
 */
static bool key_value_fast(struct otlp *c, struct fl_json *j, struct fl_buf *out, size_t *n,
                           bool top, const char **service, fl_err *e)
{
    const char *p = j->p + j->pos, *end = j->p + j->len;
    if (j->depth + 2 > FL_LIMIT_JSON_DEPTH || !LIT_AT(&p, end, "{\"key\":\""))
        return false;
    const char *ks = p, *ke = plain_ascii_end(p, end);
    if (!ke || (size_t)(ke - ks) > FL_LIMIT_NAME_BYTES)
        return false;
    p = ke + 1;
    if (!LIT_AT(&p, end, ",\"value\":{\""))
        return false;
    const char *vs, *ve; /* the value's JSON text */
    bool is_string = false;
    if (LIT_AT(&p, end, "stringValue\":\"")) {
        vs = p - 1;
        if (!(ve = plain_ascii_end(p, end)) || (size_t)(ve - p) > FL_LIMIT_VALUE_BYTES)
            return false;
        p = ++ve;
        is_string = true;
    } else if (LIT_AT(&p, end, "boolValue\":")) {
        vs = p;
        if (!LIT_AT(&p, end, "true") && !LIT_AT(&p, end, "false"))
            return false;
        ve = p;
    } else if (LIT_AT(&p, end, "intValue\":")) {
        bool quoted = LIT_AT(&p, end, "\"");
        vs = p;
        p += p < end && *p == '-';
        /* canonical decimal of at most 18 digits: prints back the same and fits in int64 */
        if (p >= end || *p < '1' || *p > '9') {
            if (!(p < end && *p == '0' && vs == p))
                return false;
        }
        const char *d = p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p - d > 18 || (*d == '0' && p - d != 1))
            return false;
        ve = p;
        if (quoted && !LIT_AT(&p, end, "\""))
            return false;
    } else {
        return false;
    }
    if (!LIT_AT(&p, end, "}}"))
        return false;
    struct fl_str key = {ks, (size_t)(ke - ks)};
    if (top)
        set_attr_key(c, key);
    if (service && is_string && KEY_IS(key, "service.name") &&
        (*e = fl_ingest__dup(c->b, c->d, (struct fl_str){vs + 1, (size_t)(ve - vs - 2)},
                             service)) != FL_OK)
        return true;
    put_key(j, out, n, key);
    fl_buf_append(out, vs, (size_t)(ve - vs));
    j->pos = (size_t)(p - j->p);
    *e = FL_OK;
    return true;
}

/* One KeyValue {key, value}; the value may come before the key (then it is re-read from raw). */
static fl_err key_value(struct otlp *c, struct fl_json *j, struct fl_buf *out, size_t *n,
                        bool top, const char **service)
{
    bool more, have_key = false, have_val = false, capture_service = false;
    struct fl_str k, raw = {NULL, 0};
    fl_err e;
    if (key_value_fast(c, j, out, n, top, service, &e))
        return e;
    if (fl_json_peek(j) != FL_JSON_OBJECT) {
        if (top)
            set_attr_key(c, FL_STR_LIT("?"));
        reject_attr(c, "expected a KeyValue object, got %s", type_name(fl_json_peek(j)));
        return fl_json_skip(j);
    }
    if ((e = fl_json_enter_object(j)))
        return e;
    if (top)
        set_attr_key(c, FL_STR_LIT("?"));
    for (;;) {
        if ((e = fl_json_next_key(j, &c->sb.key, &k, &more)))
            return e;
        if (!more)
            break;
        if (KEY_IS(k, "key") && !have_key) {
            struct fl_str s;
            bool ok;
            enum fl_json_type got;
            if ((e = read_str(c, j, &s, &ok, &got)))
                return e;
            if (!ok) {
                reject_attr(c, "key: expected a string, got %s", type_name(got));
                continue;
            }
            if (top)
                set_attr_key(c, s);
            if (s.len > FL_LIMIT_NAME_BYTES) {
                reject_attr(c, "key of %zu bytes exceeds the limit of %d", s.len,
                            FL_LIMIT_NAME_BYTES);
                continue;
            }
            have_key = true;
            capture_service = service && KEY_IS(s, "service.name");
            put_key(j, out, n, s);
            if (raw.p) {
                struct fl_json sub;
                fl_json_init(&sub, raw.p, raw.len, c->d);
                if ((e = any_value(c, &sub, out, capture_service ? service : NULL)))
                    return e;
                have_val = true;
            }
        } else if (KEY_IS(k, "value") && !have_val && !raw.p) {
            if (!have_key) {
                if ((e = fl_json_raw(j, &raw)))
                    return e;
                continue;
            }
            if ((e = any_value(c, j, out, capture_service ? service : NULL)))
                return e;
            have_val = true;
        } else if ((e = fl_json_skip(j))) {
            return e;
        }
    }
    if (!have_key && !c->bad)
        reject_attr(c, "key: required");
    else if (have_key && !have_val)
        fl_buf_puts(out, "null");
    return FL_OK;
}

/*
 * An array of KeyValue -> a JSON object text appended to out. top: these are the attributes of a
 * span/resource/event/link (counted against FL_LIMIT_ATTRS_PER_SPAN, named in messages).
 * service: when non-NULL, receives the stringValue of key service.name.
 */
static fl_err attr_list(struct otlp *c, struct fl_json *j, struct fl_buf *out, bool top,
                        const char **service)
{
    bool more, was_null;
    fl_err e;
    size_t n = 0, idx = 0;
    fl_buf_putc(out, '{');
    if ((e = take_null(j, &was_null)) || was_null) {
        fl_buf_putc(out, '}');
        return e;
    }
    if (fl_json_peek(j) != FL_JSON_ARRAY) {
        const char *own = c->owner == OWN_EVENT ? "events" : c->owner == OWN_LINK ? "links" : NULL;
        if (top && own)
            reject(c, "%s[%zu].attributes: expected an array, got %s", own, c->owner_idx,
                   type_name(fl_json_peek(j)));
        else if (top)
            reject(c, "attributes: expected an array, got %s", type_name(fl_json_peek(j)));
        else
            reject_attr(c, "kvlistValue.values: expected an array");
        fl_buf_putc(out, '}');
        return fl_json_skip(j);
    }
    if ((e = fl_json_enter_array(j)))
        return e;
    for (;;) {
        if ((e = fl_json_next_elem(j, &more)))
            return e;
        if (!more)
            break;
        if (top) {
            c->attr_idx = idx++;
            if (++c->n_items > FL_LIMIT_ATTRS_PER_SPAN)
                reject(c, "attributes: more than %d attributes, events and links",
                       FL_LIMIT_ATTRS_PER_SPAN);
        }
        if ((e = key_value(c, j, out, &n, top, service)))
            return e;
    }
    fl_buf_putc(out, '}');
    return FL_OK;
}

/* ---- span parts ---- */

/* A span/link id field into dst (n hex digits). empty_ok: "" means none (parentSpanId). */
static fl_err id_field(struct otlp *c, struct fl_json *j, const char *field, size_t n, char *dst,
                       bool empty_ok)
{
    struct fl_str s;
    bool ok;
    enum fl_json_type got;
    fl_err e = read_str(c, j, &s, &ok, &got);
    if (e)
        return e;
    if (!ok) {
        if (got == FL_JSON_NULL && empty_ok)
            return FL_OK;
        reject(c, "%s: expected a string of %zu hex digits, got %s", field, n, type_name(got));
        return FL_OK;
    }
    if (s.len == 0 && empty_ok) {
        dst[0] = '\0';
        return FL_OK;
    }
    int r = fl_ingest__hex_id(s, n, n, dst);
    if (r == -1)
        reject(c, "%s: expected %zu hex digits, got \"%.*s\"", field, n,
               (int)fl_ingest__show_len(s), s.p);
    else if (r == -2)
        reject(c, "%s: all-zero id is invalid", field);
    return FL_OK;
}

/* An enum given as an integer in [0, max]. */
static fl_err enum_field(struct otlp *c, struct fl_json *j, const char *field, int max, int *out)
{
    enum fl_json_type t = fl_json_peek(j);
    struct fl_str text;
    fl_err e;
    if (t == FL_JSON_STRING) {
        if ((e = fl_json_get_string(j, &c->sb.str, &text)))
            return e;
        reject(c, "%s: enum values must be integers, got \"%.*s\"", field,
               (int)fl_ingest__show_len(text), text.p);
        return FL_OK;
    }
    if (t != FL_JSON_NUMBER) {
        reject(c, "%s: expected an integer, got %s", field, type_name(t));
        return fl_json_skip(j);
    }
    if ((e = fl_json_raw(j, &text)))
        return e;
    int64_t v;
    if (!fl_str_to_i64(text, &v) || v < 0 || v > max) {
        reject(c, "%s: expected an integer 0-%d, got %.*s", field, max,
               (int)fl_ingest__show_len(text), text.p);
        return FL_OK;
    }
    *out = (int)v;
    return FL_OK;
}

/* A fixed64 nanosecond timestamp (string or number), stored as int64. */
static fl_err time_field(struct otlp *c, struct fl_json *j, const char *field, int64_t *out)
{
    int64_t sv;
    uint64_t v = 0;
    enum num_status st;
    struct fl_str text;
    fl_err e = read_int(c, j, true, &sv, &v, &st, &text);
    if (e)
        return e;
    if (st == NUM_TYPE)
        reject(c, "%s: expected a decimal string or integer", field);
    else if (st == NUM_SYNTAX)
        reject(c, "%s: expected an unsigned 64-bit integer, got \"%.*s\"", field,
               (int)fl_ingest__show_len(text), text.p);
    else if (v > (uint64_t)INT64_MAX)
        reject(c, "%s: %" PRIu64 " is beyond the supported range", field, v);
    else
        *out = (int64_t)v;
    return FL_OK;
}

/* Copy a JSON-text buffer into the arena (or a static default when it is exactly that). */
static fl_err keep_text(struct otlp *c, struct fl_buf *buf, const char *dflt, const char **out)
{
    fl_err e = buf_check(c, buf);
    if (e || c->bad)
        return e;
    return fl_ingest__keep_text(c->b, c->d, buf, dflt, out);
}

static fl_err span_status(struct otlp *c, struct fl_json *j, struct fl_span *sp)
{
    bool more, was_null;
    struct fl_str k;
    fl_err e;
    if ((e = take_null(j, &was_null)) || was_null)
        return e;
    if (fl_json_peek(j) != FL_JSON_OBJECT) {
        reject(c, "status: expected an object, got %s", type_name(fl_json_peek(j)));
        return fl_json_skip(j);
    }
    if ((e = fl_json_enter_object(j)))
        return e;
    for (;;) {
        if ((e = fl_json_next_key(j, &c->sb.key, &k, &more)))
            return e;
        if (!more)
            break;
        if (KEY_IS(k, "code")) {
            e = enum_field(c, j, "status.code", 2, &sp->status_code);
        } else if (KEY_IS(k, "message")) {
            struct fl_str s;
            bool ok;
            enum fl_json_type got;
            if ((e = read_str(c, j, &s, &ok, &got)))
                return e;
            if (!ok && got != FL_JSON_NULL)
                reject(c, "status.message: expected a string, got %s", type_name(got));
            else if (ok && s.len > FL_LIMIT_VALUE_BYTES)
                reject(c, "status.message: %zu bytes exceed the limit", s.len);
            else if (ok && s.len && (e = fl_ingest__dup(c->b, c->d, s, &sp->status_message)))
                return e;
        } else {
            e = fl_json_skip(j);
        }
        if (e)
            return e;
    }
    return FL_OK;
}

/* One Span.Event -> {"time_ns":"..","name":..,"attrs":{..}} appended to c->sb.events. */
static fl_err span_event(struct otlp *c, struct fl_json *j, size_t idx)
{
    bool more;
    struct fl_str k;
    fl_err e;
    int64_t t = 0;
    bool have_attrs = false;
    char field[48];
    fl_buf_reset(&c->sb.sub);
    fl_buf_reset(&c->sb.name);
    if (fl_json_peek(j) != FL_JSON_OBJECT) {
        reject(c, "events[%zu]: expected an object, got %s", idx, type_name(fl_json_peek(j)));
        return fl_json_skip(j);
    }
    if ((e = fl_json_enter_object(j)))
        return e;
    for (;;) {
        if ((e = fl_json_next_key(j, &c->sb.key, &k, &more)))
            return e;
        if (!more)
            break;
        if (KEY_IS(k, "timeUnixNano")) {
            snprintf(field, sizeof field, "events[%zu].timeUnixNano", idx);
            e = time_field(c, j, field, &t);
        } else if (KEY_IS(k, "name")) {
            struct fl_str s;
            bool ok;
            enum fl_json_type got;
            if ((e = read_str(c, j, &s, &ok, &got)))
                return e;
            if (!ok && got != FL_JSON_NULL)
                reject(c, "events[%zu].name: expected a string, got %s", idx, type_name(got));
            else if (ok && s.len > FL_LIMIT_VALUE_BYTES)
                reject(c, "events[%zu].name: %zu bytes exceed the limit", idx, s.len);
            else if (ok) {
                fl_buf_reset(&c->sb.name);
                fl_buf_put_json_str(&c->sb.name, s.p, s.len);
            }
        } else if (KEY_IS(k, "attributes")) {
            fl_buf_reset(&c->sb.sub);
            c->owner = OWN_EVENT;
            c->owner_idx = idx;
            e = attr_list(c, j, &c->sb.sub, true, NULL);
            c->owner = OWN_SPAN;
            have_attrs = true;
        } else {
            e = fl_json_skip(j);
        }
        if (e)
            return e;
    }
    struct fl_buf *o = &c->sb.events;
    fl_ingest__put_event_head(o, idx == 0, t, &c->sb.name);
    if (have_attrs && c->sb.sub.len)
        fl_buf_append(o, c->sb.sub.data, c->sb.sub.len);
    else
        fl_buf_puts(o, "{}");
    fl_buf_putc(o, '}');
    if ((e = buf_check(c, &c->sb.sub)))
        return e;
    return buf_check(c, &c->sb.name);
}

/* One Span.Link -> {"trace_id":..,"span_id":..,"attrs":{..}} appended to c->sb.links. */
static fl_err span_link(struct otlp *c, struct fl_json *j, size_t idx)
{
    bool more;
    struct fl_str k;
    fl_err e;
    char tid[33] = "", sid[17] = "", field[48];
    bool have_attrs = false;
    fl_buf_reset(&c->sb.sub);
    if (fl_json_peek(j) != FL_JSON_OBJECT) {
        reject(c, "links[%zu]: expected an object, got %s", idx, type_name(fl_json_peek(j)));
        return fl_json_skip(j);
    }
    if ((e = fl_json_enter_object(j)))
        return e;
    for (;;) {
        if ((e = fl_json_next_key(j, &c->sb.key, &k, &more)))
            return e;
        if (!more)
            break;
        if (KEY_IS(k, "traceId")) {
            snprintf(field, sizeof field, "links[%zu].traceId", idx);
            e = id_field(c, j, field, 32, tid, false);
        } else if (KEY_IS(k, "spanId")) {
            snprintf(field, sizeof field, "links[%zu].spanId", idx);
            e = id_field(c, j, field, 16, sid, false);
        } else if (KEY_IS(k, "attributes")) {
            fl_buf_reset(&c->sb.sub);
            c->owner = OWN_LINK;
            c->owner_idx = idx;
            e = attr_list(c, j, &c->sb.sub, true, NULL);
            c->owner = OWN_SPAN;
            have_attrs = true;
        } else {
            e = fl_json_skip(j);
        }
        if (e)
            return e;
    }
    if (!tid[0])
        reject(c, "links[%zu].traceId: required", idx);
    if (!sid[0])
        reject(c, "links[%zu].spanId: required", idx);
    struct fl_buf *o = &c->sb.links;
    fl_ingest__put_link_head(o, idx == 0, tid, sid);
    if (have_attrs && c->sb.sub.len)
        fl_buf_append(o, c->sb.sub.data, c->sb.sub.len);
    else
        fl_buf_puts(o, "{}");
    fl_buf_putc(o, '}');
    return buf_check(c, &c->sb.sub);
}

/* events or links: an array of objects; fn handles one. The result text is "[...]" in out. */
static fl_err span_list(struct otlp *c, struct fl_json *j, const char *field, struct fl_buf *out,
                        fl_err (*fn)(struct otlp *, struct fl_json *, size_t))
{
    bool more, was_null;
    fl_err e;
    size_t idx = 0;
    fl_buf_reset(out); /* a repeated key: the last one wins */
    if ((e = take_null(j, &was_null)) || was_null)
        return e;
    if (fl_json_peek(j) != FL_JSON_ARRAY) {
        reject(c, "%s: expected an array, got %s", field, type_name(fl_json_peek(j)));
        return fl_json_skip(j);
    }
    if ((e = fl_json_enter_array(j)))
        return e;
    for (;;) {
        if ((e = fl_json_next_elem(j, &more)))
            return e;
        if (!more)
            break;
        if (++c->n_items > FL_LIMIT_ATTRS_PER_SPAN)
            reject(c, "%s: more than %d attributes, events and links", field,
                   FL_LIMIT_ATTRS_PER_SPAN);
        if ((e = fn(c, j, idx++)))
            return e;
    }
    if (idx)
        fl_buf_putc(out, ']');
    return FL_OK;
}

/* Dispatch one key of a Span object. */
static fl_err span_key(struct otlp *c, struct fl_json *j, struct fl_str k, struct fl_span *sp,
                       bool *have_attrs)
{
    if (KEY_IS(k, "traceId"))
        return id_field(c, j, "traceId", 32, sp->trace_id, false);
    if (KEY_IS(k, "spanId"))
        return id_field(c, j, "spanId", 16, sp->span_id, false);
    if (KEY_IS(k, "parentSpanId"))
        return id_field(c, j, "parentSpanId", 16, sp->parent_span_id, true);
    if (KEY_IS(k, "name")) {
        struct fl_str s;
        bool ok;
        enum fl_json_type got;
        fl_err e = read_str(c, j, &s, &ok, &got);
        if (e)
            return e;
        if (!ok)
            reject(c, "name: expected a string, got %s", type_name(got));
        else if (s.len > FL_LIMIT_VALUE_BYTES)
            reject(c, "name: %zu bytes exceed the limit of %u", s.len,
                   (unsigned)FL_LIMIT_VALUE_BYTES);
        else if (s.len)
            return fl_ingest__dup(c->b, c->d, s, &sp->name);
        return FL_OK;
    }
    if (KEY_IS(k, "kind"))
        return enum_field(c, j, "kind", FL_SPAN_CONSUMER, &sp->kind);
    if (KEY_IS(k, "startTimeUnixNano"))
        return time_field(c, j, "startTimeUnixNano", &sp->start_ns);
    if (KEY_IS(k, "endTimeUnixNano"))
        return time_field(c, j, "endTimeUnixNano", &sp->end_ns);
    if (KEY_IS(k, "attributes")) {
        fl_buf_reset(&c->sb.attrs);
        *have_attrs = true;
        c->owner = OWN_SPAN;
        return attr_list(c, j, &c->sb.attrs, true, NULL);
    }
    if (KEY_IS(k, "events"))
        return span_list(c, j, "events", &c->sb.events, span_event);
    if (KEY_IS(k, "links"))
        return span_list(c, j, "links", &c->sb.links, span_link);
    if (KEY_IS(k, "status"))
        return span_status(c, j, sp);
    return fl_json_skip(j); /* traceState, flags, dropped*Count, unknown fields */
}

static fl_err one_span(struct otlp *c)
{
    struct fl_json *j = &c->j;
    struct fl_span sp;
    bool more, have_attrs = false;
    struct fl_str k;
    fl_err e;

    memset(&sp, 0, sizeof sp);
    sp.start_ns = sp.end_ns = -1;
    sp.status_message = "";
    sp.scope_name = "";
    c->bad = false;
    c->n_items = 0;
    c->owner = OWN_SPAN;
    fl_buf_reset(&c->sb.events);
    fl_buf_reset(&c->sb.links);
    if (fl_json_peek(j) != FL_JSON_OBJECT) {
        reject(c, "expected a Span object, got %s", type_name(fl_json_peek(j)));
        c->res->rejected_spans++;
        return fl_json_skip(j);
    }
    if ((e = fl_json_enter_object(j)))
        return e;
    for (;;) {
        if ((e = fl_json_next_key(j, &c->sb.key, &k, &more)))
            return e;
        if (!more)
            break;
        if ((e = span_key(c, j, k, &sp, &have_attrs)))
            return e;
    }
    if (!sp.trace_id[0])
        reject(c, "traceId: required");
    if (!sp.span_id[0])
        reject(c, "spanId: required");
    if (!sp.name)
        reject(c, "name: required");
    if (sp.start_ns <= 0)
        reject(c, "startTimeUnixNano: required");
    if (sp.end_ns <= 0)
        reject(c, "endTimeUnixNano: required");
    if (sp.start_ns > 0 && sp.end_ns > 0 && sp.end_ns < sp.start_ns)
        reject(c, "endTimeUnixNano %" PRId64 " is before startTimeUnixNano %" PRId64, sp.end_ns,
               sp.start_ns);
    if (!c->bad) {
        if (!have_attrs)
            fl_buf_reset(&c->sb.attrs);
        if ((e = keep_text(c, &c->sb.attrs, "{}", &sp.attrs_json)) ||
            (e = keep_text(c, &c->sb.events, "[]", &sp.events_json)) ||
            (e = keep_text(c, &c->sb.links, "[]", &sp.links_json)))
            return e;
    }
    if (c->bad) {
        c->res->rejected_spans++;
        return FL_OK;
    }
    sp.service = "unknown_service";
    sp.resource_json = "{}";
    return fl_ingest__add_span(c->b, c->d, &sp);
}

/* ---- containers ---- */

/* Enter an array that may be null; *present = false for null. */
static fl_err enter_array(struct otlp *c, const char *field, bool *present)
{
    bool was_null;
    fl_err e = take_null(&c->j, &was_null);
    *present = !was_null;
    if (e || was_null)
        return e;
    if (fl_json_peek(&c->j) != FL_JSON_ARRAY)
        return structural(c, field, "an array");
    return fl_json_enter_array(&c->j);
}

static fl_err enter_object(struct otlp *c, const char *field, bool *present)
{
    bool was_null;
    fl_err e = take_null(&c->j, &was_null);
    *present = !was_null;
    if (e || was_null)
        return e;
    if (fl_json_peek(&c->j) != FL_JSON_OBJECT)
        return structural(c, field, "an object");
    return fl_json_enter_object(&c->j);
}

static fl_err scope_obj(struct otlp *c, const char **scope_name)
{
    bool more, present;
    struct fl_str k;
    fl_err e;
    if ((e = enter_object(c, "scope", &present)) || !present)
        return e;
    for (;;) {
        if ((e = fl_json_next_key(&c->j, &c->sb.key, &k, &more)))
            return e;
        if (!more)
            break;
        if (KEY_IS(k, "name") && fl_json_peek(&c->j) == FL_JSON_STRING) {
            struct fl_str s;
            if ((e = fl_json_get_string(&c->j, &c->sb.str, &s)))
                return e;
            if (s.len > FL_LIMIT_VALUE_BYTES)
                return fl_json_error(&c->j, FL_EPARSE, "scope.name: too long");
            if (s.len && (e = fl_ingest__dup(c->b, c->d, s, scope_name)))
                return e;
        } else if (KEY_IS(k, "name") && fl_json_peek(&c->j) != FL_JSON_NULL) {
            return structural(c, "scope.name", "a string");
        } else if ((e = fl_json_skip(&c->j))) {
            return e; /* version, attributes, droppedAttributesCount */
        }
    }
    return FL_OK;
}

static fl_err scope_spans(struct otlp *c)
{
    bool more, present;
    struct fl_str k;
    fl_err e;
    size_t first = c->b->n_spans;
    const char *scope_name = "";
    c->loc = LOC_SS;
    if ((e = enter_object(c, "", &present)) || !present)
        return e;
    for (;;) {
        c->loc = LOC_SS;
        if ((e = fl_json_next_key(&c->j, &c->sb.key, &k, &more)))
            return e;
        if (!more)
            break;
        if (KEY_IS(k, "scope") || KEY_IS(k, "instrumentationLibrary")) {
            e = scope_obj(c, &scope_name);
        } else if (KEY_IS(k, "spans")) {
            if ((e = enter_array(c, "spans", &present)))
                return e;
            for (c->i_sp = 0; present; c->i_sp++) {
                if ((e = fl_json_next_elem(&c->j, &more)))
                    return e;
                if (!more)
                    break;
                c->loc = LOC_SPAN;
                if ((e = one_span(c)))
                    return e;
            }
        } else {
            e = fl_json_skip(&c->j); /* schemaUrl, unknown fields */
        }
        if (e)
            return e;
    }
    for (size_t i = first; i < c->b->n_spans; i++)
        c->b->spans[i].scope_name = scope_name;
    return FL_OK;
}

static fl_err resource_obj(struct otlp *c, const char **service, const char **rjson, bool *bad)
{
    bool more, present;
    struct fl_str k;
    fl_err e;
    if ((e = enter_object(c, "resource", &present)) || !present)
        return e;
    c->loc = LOC_RESOURCE;
    for (;;) {
        if ((e = fl_json_next_key(&c->j, &c->sb.key, &k, &more)))
            return e;
        if (!more)
            break;
        if (!KEY_IS(k, "attributes")) {
            if ((e = fl_json_skip(&c->j)))
                return e;
            continue;
        }
        fl_buf_reset(&c->sb.sub);
        c->bad = false;
        c->n_items = 0;
        c->owner = OWN_RESOURCE;
        *service = NULL;
        if ((e = attr_list(c, &c->j, &c->sb.sub, true, service)))
            return e;
        c->owner = OWN_SPAN;
        if (!c->bad && (e = keep_text(c, &c->sb.sub, "{}", rjson)))
            return e;
        *bad = c->bad;
        c->bad = false;
    }
    return FL_OK;
}

static fl_err resource_spans(struct otlp *c)
{
    bool more, present, bad = false;
    struct fl_str k;
    fl_err e;
    size_t first = c->b->n_spans;
    const char *service = NULL, *rjson = "{}";
    c->i_ss = 0;
    if ((e = enter_object(c, "", &present)) || !present)
        return e;
    for (;;) {
        c->loc = LOC_RS;
        if ((e = fl_json_next_key(&c->j, &c->sb.key, &k, &more)))
            return e;
        if (!more)
            break;
        bool legacy = KEY_IS(k, "instrumentationLibrarySpans");
        if (KEY_IS(k, "resource")) {
            e = resource_obj(c, &service, &rjson, &bad);
        } else if (legacy || KEY_IS(k, "scopeSpans")) {
            c->ss_name = legacy ? "instrumentationLibrarySpans" : "scopeSpans";
            if ((e = enter_array(c, c->ss_name, &present)))
                return e;
            for (c->i_ss = 0; present; c->i_ss++) {
                if ((e = fl_json_next_elem(&c->j, &more)))
                    return e;
                if (!more)
                    break;
                if ((e = scope_spans(c)))
                    return e;
            }
        } else {
            e = fl_json_skip(&c->j); /* schemaUrl, unknown fields */
        }
        if (e)
            return e;
    }
    if (bad) {
        c->res->rejected_spans += c->b->n_spans - first;
        c->b->n_spans = first;
        return FL_OK;
    }
    for (size_t i = first; i < c->b->n_spans; i++) {
        c->b->spans[i].service = service ? service : "unknown_service";
        c->b->spans[i].resource_json = rjson;
    }
    return FL_OK;
}

static fl_err otlp_request(struct otlp *c)
{
    bool more, present;
    struct fl_str k;
    fl_err e;
    if (fl_json_peek(&c->j) != FL_JSON_OBJECT)
        return structural(c, "", "an ExportTraceServiceRequest object");
    if ((e = fl_json_enter_object(&c->j)))
        return e;
    for (;;) {
        c->loc = LOC_TOP;
        if ((e = fl_json_next_key(&c->j, &c->sb.key, &k, &more)))
            return e;
        if (!more)
            break;
        if (!KEY_IS(k, "resourceSpans")) {
            if ((e = fl_json_skip(&c->j)))
                return e;
            continue;
        }
        if ((e = enter_array(c, "resourceSpans", &present)))
            return e;
        for (c->i_rs = 0; present; c->i_rs++) {
            if ((e = fl_json_next_elem(&c->j, &more)))
                return e;
            if (!more)
                break;
            c->loc = LOC_RS;
            if ((e = resource_spans(c)))
                return e;
        }
    }
    return fl_json_end(&c->j);
}

fl_err fl_otlp_json_to_batch(const char *p, size_t len, struct fl_batch *b,
                             struct fl_otlp_result *res, struct fl_diag *d)
{
    struct otlp c;
    memset(&c, 0, sizeof c);
    memset(res, 0, sizeof *res);
    c.b = b;
    c.res = res;
    c.d = d;
    c.ss_name = "scopeSpans";
    fl_json_init(&c.j, p, len, d);
    fl_ingest__span_bufs_init(&c.sb);
    size_t n0 = b->n_spans;

    fl_err e = otlp_request(&c);
    if (e) {
        if (d && !d->field[0] && c.loc != LOC_TOP) {
            char path[FL_DIAG_FIELD_CAP];
            size_t n = loc_prefix(&c, path, sizeof path);
            if (n && path[n - 1] == '.')
                path[n - 1] = '\0';
            fl_diag_field(d, "%s", path);
        }
        b->n_spans = n0;
        res->accepted_spans = 0;
        res->rejected_spans = 0;
        res->error_message[0] = '\0';
    } else {
        res->accepted_spans = b->n_spans - n0;
    }
    fl_ingest__span_bufs_cleanup(&c.sb);
    return e;
}

void fl_otlp_response_json(const struct fl_otlp_result *res, struct fl_buf *out)
{
    if (res->rejected_spans == 0 && !res->error_message[0]) {
        fl_buf_puts(out, "{}");
        return;
    }
    fl_buf_puts(out, "{\"partialSuccess\":{\"rejectedSpans\":\"");
    fl_ingest__put_u64(out, res->rejected_spans);
    fl_buf_puts(out, "\",\"errorMessage\":");
    fl_buf_put_json_str(out, res->error_message,
                        strnlen(res->error_message, sizeof res->error_message));
    fl_buf_puts(out, "}}");
}
