/* SPDX-License-Identifier: Apache-2.0 */
/*
 * facts.c: what a span's attributes, events and status message say about the remote it called,
 * timeouts, exceptions and resends (docs/TRACES.md, "Span facts").
 *
 * Input: the attribute object text of struct fl_span.attrs_json (OTLP AnyValues mapped to plain
 * JSON: {"peer.service":"feature-store","http.response.status_code":504}), its events array text
 * ([{"time_ns":"..","name":"exception","attrs":{...}}]) and the status message. Attribute names
 * are the OpenTelemetry semantic conventions, old and new spellings both. The rules:
 *
 * Peer (the first rule that applies):
 *   1. db.system or db.system.name -> DATABASE, named by peer.service, else server.address, else
 *      net.peer.name, else the db.system value (a database's name says more than its engine).
 *   2. peer.service -> SERVICE, named by it.
 *   3. messaging.system -> MESSAGING, named by messaging.destination.name, else the system.
 *   4. rpc.service -> SERVICE, named by it.
 *   5. server.address, else net.peer.name, else the host of url.full, else of http.url
 *      (scheme://[user@]host[:port]/..., brackets of an IPv6 host dropped) -> EXTERNAL.
 *   Only non-empty string values count. Other span kinds than CLIENT/PRODUCER may carry these
 *   attributes too; the caller decides what a peer means for a span.
 * Timeout, any of:
 *   - the status message, error.type, exception.type or exception.message (as span attributes or
 *     in the attributes of an "exception" event) mentions "timeout", "timed out", "timedout"
 *     (ETIMEDOUT) or "deadline", ASCII case-insensitively;
 *   - rpc.grpc.status_code is 4 (DEADLINE_EXCEEDED);
 *   - http.response.status_code or http.status_code is 408 or 504.
 *   Integer attributes may be JSON numbers (integral) or decimal strings.
 * Exception: an event named exactly "exception".
 * Resend: http.request.resend_count when present, else the first present of retry.attempt,
 *   http.retry_count and retry.count when it is > 0; clamped to [0, UINT32_MAX].
 *
 * Malformed JSON is not an error: attributes that do not parse yield no attribute facts, events
 * that do not parse no event facts (the status message still counts). Only FL_ENOMEM / FL_ELIMIT
 * (copying an unescaped peer name into scratch) are errors.
 *
 * fl_trace_attrs_may_time_out looks at attribute text for the timeout keys above without parsing
 * it, so that window loads (load.c) can skip the reader for spans whose only possible fact would
 * be a timeout; it may say "maybe" wrongly, never "no" wrongly.
 */
#include <stddef.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/json.h"
#include "../core/str.h"
#include "trace.h"

/* Attribute keys facts.c reads. */
enum fkey {
    K_NONE,
    K_PEER_SERVICE,
    K_DB_SYSTEM,
    K_MSG_SYSTEM,
    K_MSG_DEST,
    K_RPC_SERVICE,
    K_SERVER_ADDRESS,
    K_NET_PEER_NAME,
    K_URL_FULL,
    K_HTTP_URL,
    K_TEXT,        /* error.type, exception.type, exception.message: timeout text */
    K_GRPC_STATUS, /* rpc.grpc.status_code */
    K_HTTP_STATUS, /* http.response.status_code, http.status_code */
    K_RESEND,      /* http.request.resend_count */
    K_RETRY_ATTEMPT,
    K_HTTP_RETRY_COUNT,
    K_RETRY_COUNT,
};

static const struct {
    const char *name;
    size_t len;
    enum fkey key;
} KEYS[] = {
/* clang-format off */
#define K(s, k) {s, sizeof(s) - 1, k}
    /* clang-format on */
    K("peer.service", K_PEER_SERVICE),
    K("db.system", K_DB_SYSTEM),
    K("db.system.name", K_DB_SYSTEM),
    K("messaging.system", K_MSG_SYSTEM),
    K("messaging.destination.name", K_MSG_DEST),
    K("rpc.service", K_RPC_SERVICE),
    K("server.address", K_SERVER_ADDRESS),
    K("net.peer.name", K_NET_PEER_NAME),
    K("url.full", K_URL_FULL),
    K("http.url", K_HTTP_URL),
    K("error.type", K_TEXT),
    K("exception.type", K_TEXT),
    K("exception.message", K_TEXT),
    K("rpc.grpc.status_code", K_GRPC_STATUS),
    K("http.response.status_code", K_HTTP_STATUS),
    K("http.status_code", K_HTTP_STATUS),
    K("http.request.resend_count", K_RESEND),
    K("retry.attempt", K_RETRY_ATTEMPT),
    K("http.retry_count", K_HTTP_RETRY_COUNT),
    K("retry.count", K_RETRY_COUNT),
#undef K
};

static enum fkey key_of(struct fl_str k)
{
    /* Every key of interest has a '.', starts with a lowercase letter and is 8..26 bytes. */
    if (k.len < 8 || k.len > 26 || k.p[0] < 'd' || k.p[0] > 'u')
        return K_NONE;
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++)
        if (KEYS[i].len == k.len && KEYS[i].name[0] == k.p[0] &&
            KEYS[i].name[k.len - 1] == k.p[k.len - 1] && memcmp(KEYS[i].name, k.p, k.len) == 0)
            return KEYS[i].key;
    return K_NONE;
}

/*
 * Can the attribute text name anything we read? Most spans carry no fact, and this pass is much
 * cheaper than parsing: without a backslash in the text, every JSON string ends at the next
 * quote, so a key we read must appear literally as one of the quoted strings. A string equal to
 * a key anywhere (a value, a nested key) and any backslash send the text to the full reader,
 * which alone decides; so the answer is the same as without this pass, bad JSON included (no
 * facts either way).
 */
static bool may_name_facts(const char *p, size_t len)
{
    if (memchr(p, '\\', len))
        return true;
    const char *q = p, *end = p + len;
    while ((q = memchr(q, '"', (size_t)(end - q))) != NULL) {
        const char *close = memchr(q + 1, '"', (size_t)(end - q - 1));
        if (!close)
            return true; /* unterminated: let the reader say so */
        if (key_of((struct fl_str){q + 1, (size_t)(close - q - 1)}) != K_NONE)
            return true;
        q = close + 1;
    }
    return false;
}

/* The same for an events array: only an event named "exception" matters, so without a
 * backslash the text must hold the string "exception" literally. */
static bool may_name_exception(const char *p, size_t len)
{
    static const char word[] = "\"exception\"";
    const size_t wl = sizeof word - 1;
    if (memchr(p, '\\', len))
        return true;
    for (const char *q = p; (q = memchr(q, '"', len - (size_t)(q - p))) != NULL; q++)
        if (len - (size_t)(q - p) >= wl && memcmp(q, word, wl) == 0)
            return true;
    return false;
}

/* JSON whitespace. */
static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* After the closing quote of an HTTP status key at p: is the member ": <plain integer>" with a
 * value other than 408 and 504? Plain means optional '-', then digits without a leading zero
 * (at most 9), then whitespace, ',' or '}'. Anything else (a string, a fraction, an exponent, no
 * colon: the key was a value) answers false, and the caller reads the facts. */
static bool plain_other_status(const char *p, const char *end)
{
    while (p < end && is_ws(*p))
        p++;
    if (p == end || *p++ != ':')
        return false;
    while (p < end && is_ws(*p))
        p++;
    bool neg = p < end && *p == '-';
    p += neg;
    const char *d = p;
    int64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9' && p - d < 10)
        v = v * 10 + (*p++ - '0');
    size_t nd = (size_t)(p - d);
    if (nd == 0 || nd > 9 || (nd > 1 && *d == '0'))
        return false;
    if (p == end || !(is_ws(*p) || *p == ',' || *p == '}'))
        return false;
    return neg || (v != 408 && v != 504);
}

/* Is the JSON string closed by the quote at *close exactly the word w (wl bytes)? */
static bool string_is(const char *start, const char *close, const char *w, size_t wl)
{
    return (size_t)(close - start) >= wl + 1 && close[-(ptrdiff_t)wl - 1] == '"' &&
           memcmp(close - wl, w, wl) == 0;
}

bool fl_trace_attrs_may_time_out(const char *attrs, size_t len)
{
    /* The reasoning of may_name_facts: without a backslash every JSON string ends at the next
     * quote, so every member's key is a string whose closing quote whitespace and a colon
     * follow. Visiting every colon thus visits every key (colons inside strings add visits,
     * which can only answer true, never miss a key), and text that is not JSON has no facts.
     * The keys are those of KEYS with kind K_TEXT, K_GRPC_STATUS and K_HTTP_STATUS, spelled out
     * (all end in 'e'): looking each key up in KEYS costs three times as much.
     * tests/fuzz/fuzz_span_facts.c checks the answer against fl_trace_span_facts. */
    if (!attrs || len == 0)
        return false;
    if (memchr(attrs, '\\', len))
        return true;
    const char *end = attrs + len, *c = attrs;
    while ((c = memchr(c, ':', (size_t)(end - c))) != NULL) {
        const char *close = c++;
        while (close > attrs && is_ws(close[-1]))
            close--;
        if (close - attrs < 2 || *--close != '"' || close[-1] != 'e')
            continue;
#define IS(w) string_is(attrs, close, w, sizeof(w) - 1)
        if (IS("error.type") || IS("exception.type") || IS("exception.message") ||
            IS("rpc.grpc.status_code"))
            return true;
        if ((IS("http.response.status_code") || IS("http.status_code")) &&
            !plain_other_status(close + 1, end))
            return true;
#undef IS
    }
    return false;
}

/* What the attributes said, before the peer rules pick. */
struct acc {
    struct fl_str str[K_HTTP_URL + 1]; /* string values of K_PEER_SERVICE .. K_HTTP_URL */
    bool timeout;
    bool has_int[K_RETRY_COUNT + 1];
    int64_t num[K_RETRY_COUNT + 1]; /* integer values of K_GRPC_STATUS .. K_RETRY_COUNT */
    fl_err alloc_err; /* copying a peer name into scratch failed: the one real error */
};

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool at_ci(const char *p, size_t len, size_t i, const char *w, size_t wl)
{
    if (len - i < wl)
        return false;
    for (size_t k = 0; k < wl; k++)
        if (lower(p[i + k]) != w[k])
            return false;
    return true;
}

/* The text mentions a timeout (see the header comment for the words). */
static bool mentions_timeout(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = lower(p[i]);
        if (c == 't' && (at_ci(p, len, i, "timeout", 7) || at_ci(p, len, i, "timed out", 9) ||
                         at_ci(p, len, i, "timedout", 8)))
            return true;
        if (c == 'd' && at_ci(p, len, i, "deadline", 8))
            return true;
    }
    return false;
}

/* An integer from a JSON number (integral) or a decimal string. */
static bool int_of_number(double v, int64_t *out)
{
    if (!(v >= -9.2e18 && v <= 9.2e18) || v != (double)(int64_t)v)
        return false;
    *out = (int64_t)v;
    return true;
}

/* Keep a string value: slices of the input stay, unescaped ones (in scratch) are copied. No
 * arena: not wanted. */
static fl_err keep_str(struct fl_str v, const char *in, size_t in_len, struct fl_arena *a,
                       struct fl_str *out, fl_err *alloc_err)
{
    if (v.len == 0 || !a)
        return FL_OK;
    if (v.p >= in && v.p + v.len <= in + in_len) {
        *out = v;
        return FL_OK;
    }
    char *c = fl_arena_strndup(a, v.p, v.len);
    if (!c)
        return *alloc_err = a->limit_hit ? FL_ELIMIT : FL_ENOMEM;
    *out = (struct fl_str){c, v.len};
    return FL_OK;
}

/* One attribute value of key k, either from the fast path (sc) or read from j. */
static fl_err take_value(struct fl_json *j, struct fl_buf *scratch, enum fkey k,
                         const struct fl_json_scalar *sc, const char *in, size_t in_len,
                         struct fl_arena *a, struct acc *acc)
{
    struct fl_str s = {NULL, 0};
    double num = 0;
    enum fl_json_type t;
    fl_err e = FL_OK;
    if (sc) {
        t = sc->type;
        s = sc->str;
        num = sc->num;
    } else {
        t = fl_json_peek(j);
        if (k == K_NONE || (t != FL_JSON_STRING && t != FL_JSON_NUMBER))
            return fl_json_skip(j);
        e = t == FL_JSON_STRING ? fl_json_get_string(j, scratch, &s) : fl_json_get_double(j, &num);
        if (e)
            return e;
    }
    if (k == K_NONE)
        return FL_OK;
    if (k == K_TEXT) {
        if (t == FL_JSON_STRING && mentions_timeout(s.p, s.len))
            acc->timeout = true;
        return FL_OK;
    }
    if (k <= K_HTTP_URL)
        return t == FL_JSON_STRING ? keep_str(s, in, in_len, a, &acc->str[k], &acc->alloc_err)
                                   : FL_OK;
    int64_t v;
    bool ok = t == FL_JSON_NUMBER ? int_of_number(num, &v)
                                  : t == FL_JSON_STRING && fl_str_to_i64(fl_str_trim(s), &v);
    if (ok) {
        acc->has_int[k] = true;
        acc->num[k] = v;
    }
    return FL_OK;
}

/* Read an attribute object into acc. Syntax errors come back as they are (the caller decides). */
static fl_err scan_attrs(struct fl_json *j, struct fl_buf *scratch, const char *in, size_t in_len,
                         struct fl_arena *a, struct acc *acc)
{
    fl_err e = fl_json_enter_object(j);
    bool more = true;
    while (!e) {
        struct fl_str key;
        struct fl_json_scalar sc;
        if (fl_json_next_scalar_member(j, &key, &sc)) {
            e = take_value(j, scratch, key_of(key), &sc, in, in_len, a, acc);
            continue;
        }
        if ((e = fl_json_next_key(j, scratch, &key, &more)) || !more)
            break;
        /* key may live in scratch, which the value read reuses: classify it first. */
        e = take_value(j, scratch, key_of(key), NULL, in, in_len, a, acc);
    }
    return e;
}

/* One event object: is it an exception, and does its text mention a timeout. */
static fl_err scan_event(struct fl_json *j, struct fl_buf *scratch, bool *exception, bool *timeout)
{
    fl_err e = fl_json_enter_object(j);
    bool more = true, is_exc = false;
    struct acc ev;
    memset(&ev, 0, sizeof ev);
    while (!e) {
        struct fl_str key, v;
        if ((e = fl_json_next_key(j, scratch, &key, &more)) || !more)
            break;
        if (fl_str_eq_c(key, "name") && fl_json_peek(j) == FL_JSON_STRING) {
            if (!(e = fl_json_get_string(j, scratch, &v)))
                is_exc = fl_str_eq_c(v, "exception");
        } else if (fl_str_eq_c(key, "attrs") && fl_json_peek(j) == FL_JSON_OBJECT) {
            /* Only the timeout text of these matters; peers named in events are ignored. */
            e = scan_attrs(j, scratch, j->p, j->len, NULL, &ev);
        } else {
            e = fl_json_skip(j);
        }
    }
    if (!e && is_exc) {
        *exception = true;
        *timeout = *timeout || ev.timeout;
    }
    return e;
}

static fl_err scan_events(struct fl_json *j, struct fl_buf *scratch, bool *exception, bool *timeout)
{
    fl_err e = fl_json_enter_array(j);
    bool more = true;
    while (!e) {
        if ((e = fl_json_next_elem(j, &more)) || !more)
            break;
        if (fl_json_peek(j) == FL_JSON_OBJECT)
            e = scan_event(j, scratch, exception, timeout);
        else
            e = fl_json_skip(j);
    }
    return e ? e : fl_json_end(j);
}

/* Host of an absolute URL, or an empty slice. */
static struct fl_str url_host(struct fl_str u)
{
    struct fl_str none = {NULL, 0};
    size_t i = 0;
    while (i + 2 < u.len && !(u.p[i] == ':' && u.p[i + 1] == '/' && u.p[i + 2] == '/'))
        i++;
    if (i == 0 || i + 2 >= u.len)
        return none;
    size_t s = i + 3, e = s;
    while (e < u.len && u.p[e] != '/' && u.p[e] != '?' && u.p[e] != '#')
        e++;
    for (size_t k = e; k > s; k--)
        if (u.p[k - 1] == '@') {
            s = k;
            break;
        }
    if (s < e && u.p[s] == '[') {
        size_t close = s + 1;
        while (close < e && u.p[close] != ']')
            close++;
        return close < e ? (struct fl_str){u.p + s + 1, close - s - 1} : none;
    }
    size_t h = s;
    while (h < e && u.p[h] != ':')
        h++;
    return (struct fl_str){u.p + s, h - s};
}

static struct fl_str first_set(struct fl_str a, struct fl_str b, struct fl_str c)
{
    return a.len ? a : b.len ? b : c;
}

/* Apply the peer, timeout and resend rules to what the attributes said. */
static void decide(const struct acc *acc, struct fl_span_facts *out)
{
    const struct fl_str *s = acc->str;
    struct fl_str peer = {NULL, 0};
    int kind = FL_PEER_NONE;
    if (s[K_DB_SYSTEM].len) {
        kind = FL_PEER_DATABASE;
        peer = first_set(s[K_PEER_SERVICE],
                         first_set(s[K_SERVER_ADDRESS], s[K_NET_PEER_NAME], s[K_DB_SYSTEM]),
                         s[K_DB_SYSTEM]);
    } else if (s[K_PEER_SERVICE].len) {
        kind = FL_PEER_SERVICE;
        peer = s[K_PEER_SERVICE];
    } else if (s[K_MSG_SYSTEM].len) {
        kind = FL_PEER_MESSAGING;
        peer = s[K_MSG_DEST].len ? s[K_MSG_DEST] : s[K_MSG_SYSTEM];
    } else if (s[K_RPC_SERVICE].len) {
        kind = FL_PEER_SERVICE;
        peer = s[K_RPC_SERVICE];
    } else {
        struct fl_str host = url_host(s[K_URL_FULL]);
        if (!host.len)
            host = url_host(s[K_HTTP_URL]);
        peer = first_set(s[K_SERVER_ADDRESS], s[K_NET_PEER_NAME], host);
        kind = peer.len ? FL_PEER_EXTERNAL : FL_PEER_NONE;
    }
    if (peer.len) {
        out->peer = peer.p;
        out->peer_len = peer.len;
        out->peer_kind = kind;
    }
    const int64_t *v = acc->num;
    const bool *h = acc->has_int;
    if (acc->timeout || (h[K_GRPC_STATUS] && v[K_GRPC_STATUS] == 4) ||
        (h[K_HTTP_STATUS] && (v[K_HTTP_STATUS] == 408 || v[K_HTTP_STATUS] == 504)))
        out->timeout = true;
    int64_t r = 0;
    if (h[K_RESEND])
        r = v[K_RESEND];
    else if (h[K_RETRY_ATTEMPT])
        r = v[K_RETRY_ATTEMPT];
    else if (h[K_HTTP_RETRY_COUNT])
        r = v[K_HTTP_RETRY_COUNT];
    else if (h[K_RETRY_COUNT])
        r = v[K_RETRY_COUNT];
    out->resend = r <= 0 ? 0 : r > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)r;
}

/* Allocation failures end the read; anything else the JSON reader reports is bad input. */
static bool is_fatal(fl_err e)
{
    return e == FL_ENOMEM;
}

fl_err fl_trace_span_facts(const char *attrs, size_t attrs_len, const char *events,
                           size_t events_len, const char *status_message, struct fl_arena *scratch,
                           struct fl_span_facts *out)
{
    memset(out, 0, sizeof *out);
    out->peer = "";
    if (!scratch)
        return FL_EINVAL;
    struct fl_buf buf;
    /* Unescaped text is never longer than its source, so this cap is never what stops a read. */
    fl_buf_init(&buf, (attrs ? attrs_len : 0) + (events ? events_len : 0) + 16);
    fl_err e = FL_OK;
    if (attrs && attrs_len && may_name_facts(attrs, attrs_len)) {
        struct acc acc;
        memset(&acc, 0, sizeof acc);
        struct fl_json j;
        fl_json_init(&j, attrs, attrs_len, NULL);
        e = scan_attrs(&j, &buf, attrs, attrs_len, scratch, &acc);
        if (!e)
            e = fl_json_end(&j);
        if (acc.alloc_err)
            e = acc.alloc_err;
        if (is_fatal(e) || acc.alloc_err)
            goto out;
        if (e)
            memset(&acc, 0, sizeof acc); /* bad JSON: no attribute facts */
        e = FL_OK;
        decide(&acc, out);
    }
    if (events && events_len && may_name_exception(events, events_len)) {
        struct fl_json j;
        bool exc = false, tmo = false;
        fl_json_init(&j, events, events_len, NULL);
        e = scan_events(&j, &buf, &exc, &tmo);
        if (is_fatal(e))
            goto out;
        if (!e) {
            out->exception = exc;
            out->timeout = out->timeout || tmo;
        }
        e = FL_OK;
    }
    if (status_message && mentions_timeout(status_message, strlen(status_message)))
        out->timeout = true;
out:
    fl_buf_cleanup(&buf);
    if (e) {
        memset(out, 0, sizeof *out);
        out->peer = "";
    }
    return e;
}
