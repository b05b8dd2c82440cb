/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alertmanager.c: Alertmanager webhook payloads (version "4") -> "alert" events (see
 * alertmanager.h for the mapping, docs/formats/alertmanager.md for the format).
 *
 * Alertmanager writes "alerts" before "groupKey" (Go encodes the embedded template.Data first),
 * yet every alert's attributes carry the group key, the receiver and the external URL. So each
 * alert is read into a pending record (its label and annotation objects already rendered as JSON
 * text in a scratch arena), and the events are made once the whole payload has been read.
 */
#include "alertmanager.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/limits.h"
#include "records_int.h"

/* The component rule's labels, tried in order (alertmanager.h, docs/formats/alertmanager.md). */
static const char *const default_component_labels[] = {"component", "service", "job", "alertname"};

#define FNV_OFFSET UINT64_C(14695981039346656037)
#define FNV_PRIME UINT64_C(1099511628211)

static uint64_t fnv1a(uint64_t h, const void *p, size_t len)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < len; i++) {
        h ^= s[i];
        h *= FNV_PRIME;
    }
    return h;
}

void fl_am_fingerprint(const struct fl_label *labels, size_t n_labels, char *out, size_t cap)
{
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < n_labels; i++) {
        h = fnv1a(h, labels[i].name, strlen(labels[i].name));
        h = fnv1a(h, "\xff", 1);
        h = fnv1a(h, labels[i].value, strlen(labels[i].value));
        h = fnv1a(h, "\xff", 1);
    }
    snprintf(out, cap, "%016" PRIx64, h);
}

void fl_am_event_id(const char *fingerprint, int64_t starts_ms, char *out, size_t cap)
{
    char ts[32];
    snprintf(ts, sizeof ts, "%" PRId64, starts_ms);
    uint64_t h = fnv1a(FNV_OFFSET, fingerprint, strlen(fingerprint));
    h = fnv1a(h, "\x1f", 1);
    h = fnv1a(h, ts, strlen(ts));
    snprintf(out, cap, "am_%016" PRIx64, h);
}

void fl_am_result_init(struct fl_am_result *r)
{
    memset(r, 0, sizeof *r);
}

void fl_am_result_cleanup(struct fl_am_result *r)
{
    fl_free(r->groups);
    memset(r, 0, sizeof *r);
}

/* ---- parser state ---- */

/* An alert read but not yet an event (it waits for the payload's group key, receiver, URL). */
struct pending {
    int64_t starts_ms, end_ms;
    const char *status;                      /* static */
    const char *id, *component, *message;    /* batch arena */
    const char *labels_json, *anns_json;     /* scratch arena */
    const char *fingerprint, *generator_url; /* scratch arena */
};

/* One alert's fields while its object is being read. */
struct alert_fields {
    const char *status; /* static, NULL when absent */
    bool have_starts, have_end;
    int64_t starts_ms, end_ms;
    const char *labels_json, *anns_json; /* "{}" when absent */
    const char *fingerprint;             /* NULL when absent or "" */
    const char *generator_url;           /* "" when absent */
    const char *component, *alertname;   /* from the labels; NULL when none */
    const char *summary, *description;   /* from the annotations; NULL when none */
    char computed_fp[17];                /* fingerprint of the labels */
};

struct ctx {
    struct fl_ingest__jctx jc;
    struct fl_batch *b;
    struct fl_diag *d;
    struct fl_am_result *res;
    const char *const *comp_labels;
    size_t n_comp_labels;
    struct fl_arena scratch; /* per payload */
    struct fl_buf text;      /* JSON text being built */
    struct fl_label *pairs;  /* the string map being read, sorted by name once read */
    size_t n_pairs, cap_pairs;
    struct pending *pend;
    size_t n_pend, cap_pend;
    char where[32]; /* path prefix of the payload being read: "" or "[3]" */
};

/* ---- diagnostics ---- */

/* Printable excerpt of a user string for paths and messages (at most 64 bytes). */
static void excerpt(struct fl_str s, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len && i < 64 && n + 1 < cap; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        out[n++] = (ch < 0x20 || ch == '"' || ch == '\\' || ch == 0x7f) ? '?' : (char)ch;
    }
    out[n] = '\0';
}

/* path = where + "." + fmt (no dot when where is empty or fmt starts with '['). */
static const char *mkpath(const struct ctx *c, char *path, size_t cap, const char *fmt, ...)
    FL_PRINTF(4, 5);
static const char *mkpath(const struct ctx *c, char *path, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(path, cap, "%s%s", c->where, c->where[0] && fmt[0] != '[' ? "." : "");
    if (n < 0 || (size_t)n >= cap)
        return path;
    va_start(ap, fmt);
    vsnprintf(path + n, cap - (size_t)n, fmt, ap);
    va_end(ap);
    return path;
}

static size_t line_at(struct ctx *c, size_t pos)
{
    unsigned long line = 0, col = 0;
    fl_json_position(&c->jc.j, pos, &line, &col);
    return line ? line : 1;
}

/* Offset of the opening quote of a key just read (for messages), else fallback. */
static size_t key_pos(const struct ctx *c, struct fl_str key, size_t fallback)
{
    const struct fl_json *j = &c->jc.j;
    return key.p > j->p && key.p <= j->p + j->len ? (size_t)(key.p - j->p) - 1 : fallback;
}

static fl_err batch_fail(struct ctx *c, fl_err e, size_t pos)
{
    return fl_ingest__batch_fail(c->d, e, c->b, line_at(c, pos));
}

/* A scratch-arena or buffer failure: FL_ELIMIT when a cap was hit, else FL_ENOMEM. */
static fl_err scratch_fail(struct ctx *c, size_t pos)
{
    fl_err e = (c->scratch.limit_hit || fl_buf_err(&c->text) == FL_ELIMIT) ? FL_ELIMIT : FL_ENOMEM;
    if (e == FL_ELIMIT)
        return fl_diag_set(c->d, e, line_at(c, pos), 0,
                           "payload exceeds the memory limit of %zu bytes for its texts",
                           c->scratch.max);
    return fl_diag_set(c->d, e, line_at(c, pos), 0, "out of memory");
}

/* ---- values ---- */

/*
 * The next value must be a string or null (*present = false). The string is checked for its
 * length and for NUL characters (which C strings cannot carry) and left in *s, valid until the
 * next read (it may live in the reader's scratch buffer).
 */
static fl_err get_string(struct ctx *c, const char *path, size_t max, struct fl_str *s,
                         bool *present)
{
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    enum fl_json_type t = fl_json_peek(&c->jc.j);
    fl_err e;
    *present = false;
    if (t == FL_JSON_NULL) {
        e = fl_json_get_null(&c->jc.j);
        return e ? fl_ingest__json_fail(&c->jc, e) : FL_OK;
    }
    if (t != FL_JSON_STRING)
        return fl_ingest__bad_type(&c->jc, pos, t, path, path, "string");
    if ((e = fl_ingest__get_str(&c->jc, s)) != FL_OK)
        return e;
    if (s->len > max)
        return fl_ingest__err_at(&c->jc, pos, FL_ELIMIT, path, "longer than %zu bytes", max);
    if (s->len && memchr(s->p, '\0', s->len))
        return fl_ingest__err_at(&c->jc, pos, FL_EPARSE, path, "contains a NUL character");
    *present = true;
    return FL_OK;
}

/* A string or null copied into the scratch arena; *out = dflt when null. */
static fl_err get_scratch_string(struct ctx *c, const char *path, size_t max, const char *dflt,
                                 const char **out)
{
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    struct fl_str s;
    bool present;
    fl_err e = get_string(c, path, max, &s, &present);
    if (e)
        return e;
    if (!present) {
        *out = dflt;
        return FL_OK;
    }
    if (!(*out = fl_arena_strndup(&c->scratch, s.p, s.len)))
        return scratch_fail(c, pos);
    return FL_OK;
}

/* "firing" or "resolved" (static), or NULL for null. */
static fl_err get_status(struct ctx *c, const char *path, const char **out)
{
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    struct fl_str s;
    bool present;
    fl_err e = get_string(c, path, FL_LIMIT_NAME_BYTES, &s, &present);
    *out = NULL;
    if (e || !present)
        return e;
    if (fl_str_eq_c(s, "firing"))
        *out = "firing";
    else if (fl_str_eq_c(s, "resolved"))
        *out = "resolved";
    if (*out)
        return FL_OK;
    char v[80];
    excerpt(s, v, sizeof v);
    return fl_ingest__err_at(&c->jc, pos, FL_EPARSE, path,
                             "unknown status \"%s\" (expected firing or resolved)", v);
}

/* Go's zero time.Time, which Alertmanager sends as the endsAt of a firing alert. */
static bool is_go_zero_time(struct fl_str s)
{
    static const char zero[] = "0001-01-01T00:00:00";
    size_t n = sizeof zero - 1;
    if (s.len < n || memcmp(s.p, zero, n) != 0)
        return false;
    struct fl_str zone = {s.p + n, s.len - n};
    return fl_str_eq_c(zone, "Z") || fl_str_eq_c(zone, "+00:00");
}

/* An RFC 3339 string; *set = false for null and for Go's zero time. */
static fl_err get_time(struct ctx *c, const char *path, bool *set, int64_t *ms)
{
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    struct fl_str s;
    bool present;
    fl_err e = get_string(c, path, 64, &s, &present);
    *set = false;
    if (e || !present || is_go_zero_time(s))
        return e;
    if (fl_ingest__ts_from_rfc3339(s, ms) != FL_OK) {
        char v[80];
        excerpt(s, v, sizeof v);
        return fl_ingest__err_at(&c->jc, pos, FL_EPARSE, path, "invalid RFC 3339 timestamp \"%s\"",
                                 v);
    }
    *set = true;
    return FL_OK;
}

static fl_err get_truncated(struct ctx *c, const char *path, uint64_t *out)
{
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    enum fl_json_type t = fl_json_peek(&c->jc.j);
    fl_err e;
    if (t == FL_JSON_NULL) {
        e = fl_json_get_null(&c->jc.j);
        return e ? fl_ingest__json_fail(&c->jc, e) : FL_OK;
    }
    if (t != FL_JSON_NUMBER)
        return fl_ingest__bad_type(&c->jc, pos, t, path, path, "integer");
    double v;
    if ((e = fl_json_get_double(&c->jc.j, &v)) != FL_OK)
        return fl_ingest__json_fail(&c->jc, e);
    if (!(v >= 0) || v > 9007199254740992.0 || v != floor(v))
        return fl_ingest__err_at(&c->jc, pos, FL_EPARSE, path,
                                 "expected an integer >= 0, got %.17g", v);
    *out = (uint64_t)v;
    return FL_OK;
}

/* ---- string maps (labels, annotations) ---- */

static int cmp_label(const void *a, const void *b)
{
    return strcmp(((const struct fl_label *)a)->name, ((const struct fl_label *)b)->name);
}

static fl_err push_pair(struct ctx *c, const char *name, const char *value, size_t pos)
{
    if (c->n_pairs == c->cap_pairs) {
        size_t ncap = c->cap_pairs ? c->cap_pairs * 2 : 16;
        struct fl_label *np = fl_reallocarray(c->pairs, ncap, sizeof *np);
        if (!np)
            return fl_diag_set(c->d, FL_ENOMEM, line_at(c, pos), 0, "out of memory");
        c->pairs = np;
        c->cap_pairs = ncap;
    }
    c->pairs[c->n_pairs++] = (struct fl_label){name, value};
    return FL_OK;
}

/* One member of a string map: the key just read, then its value (a string; null reads as "",
 * as Go decodes it). Both copied into the scratch arena. */
static fl_err read_pair(struct ctx *c, const char *base, struct fl_str key, size_t kpos)
{
    char kx[80], path[FL_DIAG_FIELD_CAP];
    excerpt(key, kx, sizeof kx);
    mkpath(c, path, sizeof path, "%s.%s", base, kx);
    if (key.len == 0)
        return fl_ingest__err_at(&c->jc, kpos, FL_EPARSE, path, "empty name");
    if (key.len > FL_LIMIT_NAME_BYTES)
        return fl_ingest__err_at(&c->jc, kpos, FL_ELIMIT, path, "name longer than %d bytes",
                                 FL_LIMIT_NAME_BYTES);
    if (memchr(key.p, '\0', key.len))
        return fl_ingest__err_at(&c->jc, kpos, FL_EPARSE, path, "name contains a NUL character");
    if (c->n_pairs >= FL_LIMIT_AM_PAIRS)
        return fl_ingest__err_at(&c->jc, kpos, FL_ELIMIT, path, "more than %d entries",
                                 FL_LIMIT_AM_PAIRS);
    const char *name = fl_arena_strndup(&c->scratch, key.p, key.len);
    if (!name)
        return scratch_fail(c, kpos);
    const char *value;
    fl_err e = get_scratch_string(c, path, FL_LIMIT_VALUE_BYTES, "", &value);
    if (e)
        return e;
    return push_pair(c, name, value, kpos);
}

/*
 * The next value is an object of strings, or null (empty): read it into c->pairs sorted by name.
 * A name given twice is an error (the stored attributes must be one JSON object per name).
 */
static fl_err get_string_map(struct ctx *c, const char *base)
{
    char path[FL_DIAG_FIELD_CAP];
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    enum fl_json_type t = fl_json_peek(&c->jc.j);
    struct fl_str key;
    bool more;
    fl_err e;
    c->n_pairs = 0;
    mkpath(c, path, sizeof path, "%s", base);
    if (t == FL_JSON_NULL) {
        e = fl_json_get_null(&c->jc.j);
        return e ? fl_ingest__json_fail(&c->jc, e) : FL_OK;
    }
    if (t != FL_JSON_OBJECT)
        return fl_ingest__bad_type(&c->jc, pos, t, path, path, "object of strings");
    if ((e = fl_json_enter_object(&c->jc.j)) != FL_OK)
        return fl_ingest__json_fail(&c->jc, e);
    for (;;) {
        size_t kpos = fl_ingest__jctx_mark(&c->jc);
        if ((e = fl_json_next_key(&c->jc.j, &c->jc.kscratch, &key, &more)) != FL_OK)
            return fl_ingest__json_fail(&c->jc, e);
        if (!more)
            break;
        if ((e = read_pair(c, base, key, key_pos(c, key, kpos))) != FL_OK)
            return e;
    }
    if (c->n_pairs > 1)
        qsort(c->pairs, c->n_pairs, sizeof *c->pairs, cmp_label);
    for (size_t i = 1; i < c->n_pairs; i++)
        if (strcmp(c->pairs[i - 1].name, c->pairs[i].name) == 0) {
            char kx[80];
            excerpt(fl_str_c(c->pairs[i].name), kx, sizeof kx);
            mkpath(c, path, sizeof path, "%s.%s", base, kx);
            return fl_ingest__err_at(&c->jc, pos, FL_EPARSE, path, "given twice");
        }
    return FL_OK;
}

/* The value of name in c->pairs (sorted), or NULL. */
static const char *pair_get(const struct ctx *c, const char *name)
{
    struct fl_label key = {name, NULL};
    if (c->n_pairs == 0)
        return NULL;
    const struct fl_label *l = bsearch(&key, c->pairs, c->n_pairs, sizeof *c->pairs, cmp_label);
    return l ? l->value : NULL;
}

/* c->pairs as a compact JSON object text in the scratch arena (or batch arena when b). */
static const char *render_pairs(struct ctx *c, bool in_batch)
{
    fl_buf_reset(&c->text);
    fl_buf_putc(&c->text, '{');
    for (size_t i = 0; i < c->n_pairs; i++) {
        if (i)
            fl_buf_putc(&c->text, ',');
        fl_buf_put_json_str(&c->text, c->pairs[i].name, strlen(c->pairs[i].name));
        fl_buf_putc(&c->text, ':');
        fl_buf_put_json_str(&c->text, c->pairs[i].value, strlen(c->pairs[i].value));
    }
    fl_buf_putc(&c->text, '}');
    if (fl_buf_err(&c->text))
        return NULL;
    return in_batch ? fl_batch_strndup(c->b, c->text.data, c->text.len)
                    : fl_arena_strndup(&c->scratch, c->text.data, c->text.len);
}

/* ---- one alert ---- */

enum { A_STATUS, A_LABELS, A_ANNS, A_STARTS, A_ENDS, A_GENURL, A_FP, A__COUNT };
static const char *const alert_keys[A__COUNT] = {
    "status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"};

/* Labels just read into c->pairs: their JSON, the component, alertname and fingerprint. */
static fl_err take_labels(struct ctx *c, struct alert_fields *f, size_t pos)
{
    if (!(f->labels_json = render_pairs(c, false)))
        return scratch_fail(c, pos);
    fl_am_fingerprint(c->pairs, c->n_pairs, f->computed_fp, sizeof f->computed_fp);
    f->alertname = pair_get(c, "alertname");
    f->component = NULL;
    for (size_t i = 0; i < c->n_comp_labels && !f->component; i++) {
        const char *v = pair_get(c, c->comp_labels[i]);
        if (v && *v)
            f->component = v;
    }
    return FL_OK;
}

static fl_err take_annotations(struct ctx *c, struct alert_fields *f, size_t pos)
{
    if (!(f->anns_json = render_pairs(c, false)))
        return scratch_fail(c, pos);
    f->summary = pair_get(c, "summary");
    f->description = pair_get(c, "description");
    return FL_OK;
}

static fl_err alert_member(struct ctx *c, struct alert_fields *f, int k, size_t ai, size_t vpos)
{
    char path[FL_DIAG_FIELD_CAP], base[48];
    snprintf(base, sizeof base, "alerts[%zu]", ai);
    mkpath(c, path, sizeof path, "%s.%s", base, alert_keys[k]);
    fl_err e;
    switch (k) {
    case A_STATUS:
        return get_status(c, path, &f->status);
    case A_LABELS:
        snprintf(base, sizeof base, "alerts[%zu].labels", ai);
        if ((e = get_string_map(c, base)) != FL_OK)
            return e;
        return take_labels(c, f, vpos);
    case A_ANNS:
        snprintf(base, sizeof base, "alerts[%zu].annotations", ai);
        if ((e = get_string_map(c, base)) != FL_OK)
            return e;
        return take_annotations(c, f, vpos);
    case A_STARTS:
        return get_time(c, path, &f->have_starts, &f->starts_ms);
    case A_ENDS:
        return get_time(c, path, &f->have_end, &f->end_ms);
    case A_GENURL:
        return get_scratch_string(c, path, FL_LIMIT_VALUE_BYTES, "", &f->generator_url);
    case A_FP:
        if ((e = get_scratch_string(c, path, FL_LIMIT_NAME_BYTES, NULL, &f->fingerprint)) != FL_OK)
            return e;
        if (f->fingerprint && !*f->fingerprint)
            f->fingerprint = NULL;
        return FL_OK;
    default:
        return FL_EINVAL; /* not reachable */
    }
}

static fl_err add_pending(struct ctx *c, const struct pending *p, size_t pos)
{
    if (c->n_pend >= FL_LIMIT_AM_ALERTS)
        return fl_diag_set(c->d, FL_ELIMIT, line_at(c, pos), 0,
                           "more than %d alerts in one payload", FL_LIMIT_AM_ALERTS);
    if (c->n_pend == c->cap_pend) {
        size_t ncap = c->cap_pend ? c->cap_pend * 2 : 16;
        struct pending *np = fl_reallocarray(c->pend, ncap, sizeof *np);
        if (!np)
            return fl_diag_set(c->d, FL_ENOMEM, line_at(c, pos), 0, "out of memory");
        c->pend = np;
        c->cap_pend = ncap;
    }
    c->pend[c->n_pend++] = *p;
    return FL_OK;
}

static fl_err batch_copy(struct ctx *c, const char *s, size_t pos, const char **out)
{
    *out = fl_batch_strndup(c->b, s, strlen(s));
    return *out ? FL_OK : batch_fail(c, fl_batch_alloc_err(c->b), pos);
}

/* Defaults and derived fields of an alert whose object has been read; then queue it. */
static fl_err finish_alert(struct ctx *c, struct alert_fields *f, size_t ai, size_t pos)
{
    char path[FL_DIAG_FIELD_CAP], id[32];
    struct pending p = {0};
    fl_err e;
    mkpath(c, path, sizeof path, "alerts[%zu].startsAt", ai);
    if (!f->have_starts)
        return fl_ingest__err_at(&c->jc, pos, FL_EPARSE, path,
                                 "missing startsAt (an RFC 3339 time, not Go's zero time)");
    if (f->starts_ms < 0)
        return fl_ingest__err_at(&c->jc, pos, FL_EPARSE, path, "startsAt is before 1970");
    p.status = f->status ? f->status : (f->have_end && f->end_ms >= 0 ? "resolved" : "firing");
    p.starts_ms = f->starts_ms;
    p.end_ms = FL_TS_NONE;
    if (strcmp(p.status, "resolved") == 0 && f->have_end && f->end_ms >= 0)
        p.end_ms = f->end_ms < f->starts_ms ? f->starts_ms : f->end_ms;
    p.labels_json = f->labels_json;
    p.anns_json = f->anns_json;
    p.fingerprint = f->fingerprint ? f->fingerprint : f->computed_fp;
    p.generator_url = f->generator_url;
    fl_am_event_id(p.fingerprint, p.starts_ms, id, sizeof id);
    const char *message = f->summary && *f->summary           ? f->summary
                          : f->description && *f->description ? f->description
                          : f->alertname                      ? f->alertname
                                                              : "";
    if ((e = batch_copy(c, id, pos, &p.id)) != FL_OK ||
        (e = batch_copy(c, f->component ? f->component : "unknown", pos, &p.component)) != FL_OK ||
        (e = batch_copy(c, message, pos, &p.message)) != FL_OK)
        return e;
    if (!f->fingerprint && !(p.fingerprint = fl_arena_strdup(&c->scratch, f->computed_fp)))
        return scratch_fail(c, pos);
    return add_pending(c, &p, pos);
}

/* Match key against names[0..n); -1 when unknown. */
static int key_index(struct fl_str key, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (fl_str_eq_c(key, names[i]))
            return i;
    return -1;
}

static fl_err parse_alert(struct ctx *c, size_t ai)
{
    char path[FL_DIAG_FIELD_CAP];
    struct alert_fields f;
    unsigned seen = 0;
    struct fl_str key;
    bool more;
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    enum fl_json_type t = fl_json_peek(&c->jc.j);
    fl_err e;
    memset(&f, 0, sizeof f);
    f.labels_json = f.anns_json = "{}";
    f.generator_url = "";
    fl_am_fingerprint(NULL, 0, f.computed_fp, sizeof f.computed_fp);
    mkpath(c, path, sizeof path, "alerts[%zu]", ai);
    if (t != FL_JSON_OBJECT)
        return fl_ingest__bad_type(&c->jc, pos, t, path, path, "object");
    if ((e = fl_json_enter_object(&c->jc.j)) != FL_OK)
        return fl_ingest__json_fail(&c->jc, e);
    for (;;) {
        size_t kpos = fl_ingest__jctx_mark(&c->jc);
        if ((e = fl_json_next_key(&c->jc.j, &c->jc.kscratch, &key, &more)) != FL_OK)
            return fl_ingest__json_fail(&c->jc, e);
        if (!more)
            break;
        int k = key_index(key, alert_keys, A__COUNT);
        if (k < 0) { /* tolerant: newer fields are skipped */
            if ((e = fl_json_skip(&c->jc.j)) != FL_OK)
                return fl_ingest__json_fail(&c->jc, e);
            continue;
        }
        if (seen & (1u << k)) {
            mkpath(c, path, sizeof path, "alerts[%zu].%s", ai, alert_keys[k]);
            return fl_ingest__err_at(&c->jc, key_pos(c, key, kpos), FL_EPARSE, path, "given twice");
        }
        seen |= 1u << k;
        if ((e = alert_member(c, &f, k, ai, fl_ingest__jctx_mark(&c->jc))) != FL_OK)
            return e;
    }
    return finish_alert(c, &f, ai, pos);
}

static fl_err parse_alerts(struct ctx *c)
{
    char path[FL_DIAG_FIELD_CAP];
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    enum fl_json_type t = fl_json_peek(&c->jc.j);
    bool more;
    fl_err e;
    if (t == FL_JSON_NULL) {
        e = fl_json_get_null(&c->jc.j);
        return e ? fl_ingest__json_fail(&c->jc, e) : FL_OK;
    }
    if (t != FL_JSON_ARRAY)
        return fl_ingest__bad_type(&c->jc, pos, t, mkpath(c, path, sizeof path, "alerts"), path,
                                   "array");
    if ((e = fl_json_enter_array(&c->jc.j)) != FL_OK)
        return fl_ingest__json_fail(&c->jc, e);
    for (size_t i = 0;; i++) {
        if ((e = fl_json_next_elem(&c->jc.j, &more)) != FL_OK)
            return fl_ingest__json_fail(&c->jc, e);
        if (!more)
            return FL_OK;
        if ((e = parse_alert(c, i)) != FL_OK)
            return e;
    }
}

/* ---- one payload (one alert group) ---- */

enum {
    G_RECEIVER,
    G_STATUS,
    G_ALERTS,
    G_GLABELS,
    G_CLABELS,
    G_CANNS,
    G_URL,
    G_VERSION,
    G_KEY,
    G_TRUNC,
    G__COUNT
};
static const char *const group_keys[G__COUNT] = {
    "receiver",          "status",      "alerts",  "groupLabels", "commonLabels",
    "commonAnnotations", "externalURL", "version", "groupKey",    "truncatedAlerts"};

static fl_err group_map(struct ctx *c, const char *name, const char **out, size_t pos)
{
    fl_err e = get_string_map(c, name);
    if (e)
        return e;
    if (!(*out = render_pairs(c, true)))
        return fl_buf_err(&c->text) ? scratch_fail(c, pos)
                                    : batch_fail(c, fl_batch_alloc_err(c->b), pos);
    return FL_OK;
}

static fl_err group_string(struct ctx *c, const char *path, size_t max, const char **out,
                           size_t pos)
{
    const char *s;
    fl_err e = get_scratch_string(c, path, max, "", &s);
    if (e)
        return e;
    return batch_copy(c, s, pos, out);
}

static fl_err group_member(struct ctx *c, struct fl_am_group *g, int k, size_t vpos)
{
    char path[FL_DIAG_FIELD_CAP];
    mkpath(c, path, sizeof path, "%s", group_keys[k]);
    switch (k) {
    case G_RECEIVER:
        return group_string(c, path, FL_LIMIT_VALUE_BYTES, &g->receiver, vpos);
    case G_STATUS:
        return get_status(c, path, &g->status);
    case G_ALERTS:
        return parse_alerts(c);
    case G_GLABELS:
        return group_map(c, group_keys[k], &g->group_labels_json, vpos);
    case G_CLABELS:
        return group_map(c, group_keys[k], &g->common_labels_json, vpos);
    case G_CANNS:
        return group_map(c, group_keys[k], &g->common_annotations_json, vpos);
    case G_URL:
        return group_string(c, path, FL_LIMIT_VALUE_BYTES, &g->external_url, vpos);
    case G_VERSION:
        return group_string(c, path, FL_LIMIT_NAME_BYTES, &g->version, vpos);
    case G_KEY:
        return group_string(c, path, FL_LIMIT_VALUE_BYTES, &g->group_key, vpos);
    case G_TRUNC:
        return get_truncated(c, path, &g->truncated_alerts);
    default:
        return FL_EINVAL; /* not reachable */
    }
}

/* The attributes object of a pending alert, with its group's key, receiver and URL. */
static const char *alert_attrs(struct ctx *c, const struct pending *p, const struct fl_am_group *g)
{
    struct fl_buf *t = &c->text;
    fl_buf_reset(t);
    fl_buf_puts(t, "{\"labels\":");
    fl_buf_puts(t, p->labels_json);
    fl_buf_puts(t, ",\"annotations\":");
    fl_buf_puts(t, p->anns_json);
    fl_buf_puts(t, ",\"fingerprint\":");
    fl_buf_put_json_str(t, p->fingerprint, strlen(p->fingerprint));
    fl_buf_puts(t, ",\"generatorURL\":");
    fl_buf_put_json_str(t, p->generator_url, strlen(p->generator_url));
    fl_buf_puts(t, ",\"groupKey\":");
    fl_buf_put_json_str(t, g->group_key, strlen(g->group_key));
    fl_buf_puts(t, ",\"receiver\":");
    fl_buf_put_json_str(t, g->receiver, strlen(g->receiver));
    fl_buf_puts(t, ",\"externalURL\":");
    fl_buf_put_json_str(t, g->external_url, strlen(g->external_url));
    fl_buf_putc(t, '}');
    if (fl_buf_err(t))
        return NULL;
    return fl_batch_strndup(c->b, t->data, t->len);
}

/* The payload has been read: make its events and record the group. */
static fl_err finish_group(struct ctx *c, struct fl_am_group *g, size_t pos)
{
    fl_err e;
    g->first_event = c->b->n_events;
    for (size_t i = 0; i < c->n_pend; i++) {
        const struct pending *p = &c->pend[i];
        struct fl_event ev = {.id = p->id,
                              .ts_ms = p->starts_ms,
                              .end_ms = p->end_ms,
                              .kind = "alert",
                              .component = p->component,
                              .status = p->status,
                              .rows = -1,
                              .message = p->message};
        if (!(ev.attrs_json = alert_attrs(c, p, g)))
            return fl_buf_err(&c->text) ? scratch_fail(c, pos)
                                        : batch_fail(c, fl_batch_alloc_err(c->b), pos);
        if ((e = fl_batch_add_event(c->b, &ev)) != FL_OK)
            return batch_fail(c, e, pos);
        if (p->status[0] == 'f')
            g->n_firing++;
        else
            g->n_resolved++;
    }
    g->n_alerts = c->n_pend;
    if (!g->status)
        g->status = g->n_firing ? "firing" : "resolved";
    if (c->res->n_groups == c->res->cap_groups) {
        size_t ncap = c->res->cap_groups ? c->res->cap_groups * 2 : 4;
        struct fl_am_group *ng = fl_reallocarray(c->res->groups, ncap, sizeof *ng);
        if (!ng)
            return fl_diag_set(c->d, FL_ENOMEM, line_at(c, pos), 0, "out of memory");
        c->res->groups = ng;
        c->res->cap_groups = ncap;
    }
    c->res->groups[c->res->n_groups++] = *g;
    c->res->n_alerts += g->n_alerts;
    c->res->n_firing += g->n_firing;
    c->res->n_resolved += g->n_resolved;
    return FL_OK;
}

static fl_err parse_group(struct ctx *c)
{
    char path[FL_DIAG_FIELD_CAP];
    struct fl_am_group g = {.receiver = "",
                            .group_key = "",
                            .external_url = "",
                            .version = "",
                            .group_labels_json = "{}",
                            .common_labels_json = "{}",
                            .common_annotations_json = "{}"};
    unsigned seen = 0;
    struct fl_str key;
    bool more;
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    enum fl_json_type t = fl_json_peek(&c->jc.j);
    fl_err e;
    fl_arena_reset(&c->scratch);
    c->n_pend = 0;
    if (c->res->n_groups >= FL_LIMIT_AM_GROUPS)
        return fl_ingest__err_at(&c->jc, pos, FL_ELIMIT, c->where,
                                 "more than %d payloads in one request", FL_LIMIT_AM_GROUPS);
    if (t != FL_JSON_OBJECT)
        return fl_ingest__bad_type(&c->jc, pos, t, c->where[0] ? c->where : NULL, "payload",
                                   "an Alertmanager webhook payload (a JSON object)");
    if ((e = fl_json_enter_object(&c->jc.j)) != FL_OK)
        return fl_ingest__json_fail(&c->jc, e);
    for (;;) {
        size_t kpos = fl_ingest__jctx_mark(&c->jc);
        if ((e = fl_json_next_key(&c->jc.j, &c->jc.kscratch, &key, &more)) != FL_OK)
            return fl_ingest__json_fail(&c->jc, e);
        if (!more)
            break;
        int k = key_index(key, group_keys, G__COUNT);
        if (k < 0) { /* tolerant: e.g. Grafana's orgId, newer Alertmanagers' fields */
            if ((e = fl_json_skip(&c->jc.j)) != FL_OK)
                return fl_ingest__json_fail(&c->jc, e);
            continue;
        }
        if (seen & (1u << k))
            return fl_ingest__err_at(&c->jc, key_pos(c, key, kpos), FL_EPARSE,
                                     mkpath(c, path, sizeof path, "%s", group_keys[k]),
                                     "given twice");
        seen |= 1u << k;
        if ((e = group_member(c, &g, k, fl_ingest__jctx_mark(&c->jc))) != FL_OK)
            return e;
    }
    if (!(seen & (1u << G_ALERTS)))
        return fl_ingest__err_at(&c->jc, pos, FL_EPARSE, mkpath(c, path, sizeof path, "alerts"),
                                 "missing field \"alerts\": not an Alertmanager webhook payload");
    return finish_group(c, &g, pos);
}

/* ---- entry point ---- */

static fl_err parse_all(struct ctx *c, const char *p, size_t len)
{
    fl_err e;
    bool more;
    fl_ingest__jctx_start(&c->jc, p, len, 1);
    enum fl_json_type t = fl_json_peek(&c->jc.j);
    if (t == FL_JSON_NONE && c->jc.j.pos >= len)
        return fl_diag_set(c->d, FL_EPARSE, 1, 1,
                           "empty body: expected an Alertmanager webhook payload (a JSON object)");
    if (t != FL_JSON_ARRAY) {
        if ((e = parse_group(c)) != FL_OK)
            return e;
    } else {
        if ((e = fl_json_enter_array(&c->jc.j)) != FL_OK)
            return fl_ingest__json_fail(&c->jc, e);
        for (size_t i = 0;; i++) {
            if ((e = fl_json_next_elem(&c->jc.j, &more)) != FL_OK)
                return fl_ingest__json_fail(&c->jc, e);
            if (!more)
                break;
            snprintf(c->where, sizeof c->where, "[%zu]", i);
            if ((e = parse_group(c)) != FL_OK)
                return e;
        }
    }
    e = fl_json_end(&c->jc.j);
    return e ? fl_ingest__json_fail(&c->jc, e) : FL_OK;
}

fl_err fl_am_webhook_to_batch(const char *p, size_t len, const struct fl_am_opts *opts,
                              struct fl_batch *b, struct fl_am_result *res, struct fl_diag *d)
{
    struct ctx c;
    fl_err e;
    if (!b || !res)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no batch or result");
    if (!p)
        len = 0;
    memset(&c, 0, sizeof c);
    c.b = b;
    c.d = d;
    c.res = res;
    c.comp_labels = default_component_labels;
    c.n_comp_labels = sizeof default_component_labels / sizeof default_component_labels[0];
    if (opts && opts->component_labels) {
        c.comp_labels = opts->component_labels;
        c.n_comp_labels = opts->n_component_labels;
    }
    fl_ingest__jctx_init(&c.jc, d, len + 16);
    fl_arena_init(&c.scratch, 64 * 1024, b->arena.max ? b->arena.max : FL_LIMIT_BATCH_ARENA_BYTES);
    fl_buf_init(&c.text, FL_LIMIT_BATCH_ARENA_BYTES);
    size_t start = len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0 ? 3 : 0; /* UTF-8 BOM */
    e = parse_all(&c, p ? p + start : "", len - start);
    fl_buf_cleanup(&c.text);
    fl_arena_cleanup(&c.scratch);
    fl_free(c.pairs);
    fl_free(c.pend);
    fl_ingest__jctx_cleanup(&c.jc);
    return e;
}
