/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry.c: the model registry's rules, request parsing and JSON answers (see registry.h and
 * docs/REGISTRY.md). Follows MLflow's registry (mlflow/protos/model_registry.proto: versions with
 * a current stage, description and aliases; alias names as in its validation) with the stages
 * MLflow had before 2.9 plus shadow, and adds what no registry has: the traffic each version
 * actually served, from the inference log.
 *
 * Request bodies are parsed with the streaming reader (core/json.h) into arena-owned values;
 * every error names the line, column and field. Base64 (RFC 4648, standard alphabet, padding
 * required) carries the opaque reference profile in JSON.
 */
#include "registry.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/alloc.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/map.h"
#include "core/time.h"

static const char *const stage_names[] = {"none", "staging", "production", "archived", "shadow"};

bool fl_registry_stage_valid(const char *stage)
{
    for (size_t i = 0; stage && i < sizeof stage_names / sizeof stage_names[0]; i++)
        if (!strcmp(stage, stage_names[i]))
            return true;
    return false;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

const char *fl_registry_alias_check(const char *alias)
{
    size_t n = alias ? strlen(alias) : 0;
    if (n == 0 || n > FL_REGISTRY_ALIAS_MAX_BYTES)
        return "an alias is 1 to 64 characters";
    if (!is_alpha(alias[0]))
        return "an alias starts with a letter";
    for (size_t i = 0; i < n; i++)
        if (!is_alpha(alias[i]) && !is_digit(alias[i]) && alias[i] != '_' && alias[i] != '-')
            return "an alias has only letters, digits, '_' and '-'";
    if (!strcmp(alias, "latest"))
        return "\"latest\" is reserved";
    if ((alias[0] == 'v' || alias[0] == 'V') && n > 1 && strspn(alias + 1, "0123456789") == n - 1)
        return "v<digits> is reserved: it reads like a version";
    return NULL;
}

const char *fl_registry_name_check(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0)
        return "must not be empty";
    if (n > FL_LIMIT_NAME_BYTES)
        return "longer than 1024 bytes";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return "contains a control character";
    return NULL;
}

const char *fl_registry_component(const struct fl_config *cfg, const char *model)
{
    for (size_t i = 0; cfg && model && i < cfg->n_models; i++)
        if (cfg->models[i].name && !strcmp(cfg->models[i].name, model) &&
            cfg->models[i].component)
            return cfg->models[i].component;
    return model;
}

/* ---- base64 (RFC 4648 section 4) ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64_put(struct fl_buf *out, const unsigned char *p, size_t n)
{
    char q[4];
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        q[0] = b64[v >> 18];
        q[1] = b64[(v >> 12) & 63];
        q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        q[3] = i + 2 < n ? b64[v & 63] : '=';
        fl_buf_append(out, q, 4);
    }
}

static int b64_val(char c)
{
    const char *x = c ? strchr(b64, c) : NULL;
    return x ? (int)(x - b64) : -1;
}

/* Decode s into a (NULL, 0 for ""): 1, or 0 on a malformed text, -1 when the arena fails. */
static int base64_decode(struct fl_str s, struct fl_arena *a, unsigned char **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (s.len == 0)
        return 1;
    if (s.len % 4)
        return 0;
    size_t pad = s.p[s.len - 1] == '=' ? (s.p[s.len - 2] == '=' ? 2 : 1) : 0;
    unsigned char *o = fl_arena_alloc(a, s.len / 4 * 3);
    if (!o)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < s.len; i += 4) {
        uint32_t v = 0;
        for (size_t j = 0; j < 4; j++) {
            bool padding = i + j >= s.len - pad;
            int x = padding ? 0 : b64_val(s.p[i + j]);
            if (x < 0 || (padding && s.p[i + j] != '='))
                return 0;
            v = v << 6 | (uint32_t)x;
        }
        o[k++] = (unsigned char)(v >> 16);
        o[k++] = (unsigned char)(v >> 8);
        o[k++] = (unsigned char)v;
    }
    *out = o;
    *n = k - pad;
    return 1;
}

/* ---- request bodies ---- */

struct pctx {
    struct fl_json j;
    struct fl_buf scratch;
    struct fl_arena *a;
    struct fl_diag *d;
};

static fl_err perr(struct pctx *c, size_t pos, fl_err code, const char *field, const char *fmt,
                   ...) FL_PRINTF(5, 6);
static fl_err perr(struct pctx *c, size_t pos, fl_err code, const char *field, const char *fmt,
                   ...)
{
    unsigned long line = 0, col = 0;
    va_list ap;
    fl_json_position(&c->j, pos, &line, &col);
    fl_diag_file(c->d, "body");
    if (field)
        fl_diag_field(c->d, "%s", field);
    va_start(ap, fmt);
    fl_err e = fl_diag_vset(c->d, code, line, col, fmt, ap);
    va_end(ap);
    return e;
}

/* The JSON reader already put its syntax error (with position) into d. */
static fl_err jfail(struct pctx *c, fl_err e)
{
    fl_diag_file(c->d, "body");
    if (c->d && c->d->code == FL_OK)
        fl_diag_set(c->d, e, 0, 0, "%s", fl_err_str(e));
    return e;
}

static const char *type_name(enum fl_json_type t)
{
    static const char *const names[] = {"nothing", "null",   "a boolean", "a number",
                                        "a string", "an object", "an array"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

/* The position of the next value (after whitespace). */
static size_t mark(struct pctx *c)
{
    (void)fl_json_peek(&c->j);
    return c->j.pos;
}

/* A string (or, with numbers, a number written back as its shortest text) into the arena. */
static fl_err get_text(struct pctx *c, const char *field, bool numbers, size_t max,
                       const char **out)
{
    size_t pos = mark(c);
    enum fl_json_type t = fl_json_peek(&c->j);
    struct fl_str s;
    char tmp[40];
    fl_err e;
    if (t == FL_JSON_NUMBER && numbers) {
        double v;
        if ((e = fl_json_get_double(&c->j, &v)) != FL_OK)
            return jfail(c, e);
        s = (struct fl_str){tmp, fl_fmt_double(v, tmp, sizeof tmp)};
    } else if (t == FL_JSON_STRING) {
        if ((e = fl_json_get_string(&c->j, &c->scratch, &s)) != FL_OK)
            return jfail(c, e);
    } else {
        return perr(c, pos, FL_EPARSE, field, "expected a string%s, got %s",
                    numbers ? " or a number" : "", type_name(t));
    }
    if (s.len > max)
        return perr(c, pos, FL_ELIMIT, field, "longer than %zu bytes", max);
    if (memchr(s.p, '\0', s.len))
        return perr(c, pos, FL_EPARSE, field, "contains a NUL character");
    if (!(*out = fl_arena_strndup(c->a, s.p, s.len)))
        return perr(c, pos, FL_ENOMEM, field, "out of memory");
    return FL_OK;
}

/* A name (model, version): text checked by fl_registry_name_check. */
static fl_err get_name(struct pctx *c, const char *field, bool numbers, const char **out)
{
    size_t pos = mark(c);
    fl_err e = get_text(c, field, numbers, FL_LIMIT_NAME_BYTES, out);
    const char *why = e == FL_OK ? fl_registry_name_check(*out) : NULL;
    return why ? perr(c, pos, FL_EPARSE, field, "%s", why) : e;
}

/* A time: RFC 3339 text (or anything fl_time_parse_any reads) or a number of unix seconds. */
static fl_err get_time(struct pctx *c, const char *field, int64_t *out)
{
    size_t pos = mark(c);
    enum fl_json_type t = fl_json_peek(&c->j);
    fl_err e;
    if (t == FL_JSON_NUMBER) {
        double v;
        if ((e = fl_json_get_double(&c->j, &v)) != FL_OK)
            return jfail(c, e);
        if (!(v >= 0 && v < 253402300800.0)) /* 1970 .. 9999 */
            return perr(c, pos, FL_EPARSE, field, "expected unix seconds from 1970 to 9999");
        *out = (int64_t)llround(v * 1000);
        return FL_OK;
    }
    if (t != FL_JSON_STRING)
        return perr(c, pos, FL_EPARSE, field, "expected an RFC 3339 time or unix seconds, got %s",
                    type_name(t));
    struct fl_str s;
    if ((e = fl_json_get_string(&c->j, &c->scratch, &s)) != FL_OK)
        return jfail(c, e);
    struct fl_diag td;
    fl_diag_init(&td);
    if (fl_time_parse_any(s, fl_time_now_ms(), out, &td) != FL_OK)
        return perr(c, pos, FL_EPARSE, field, "expected an RFC 3339 time, got \"%.*s\"",
                    (int)(s.len < 64 ? s.len : 64), s.len ? s.p : "");
    return FL_OK;
}

/* "metrics": {"name": number, ...} into the arena. */
static fl_err get_metrics(struct pctx *c, struct fl_store_reg_put *out)
{
    size_t pos = mark(c), cap = 0;
    struct fl_store_reg_metric *ms = NULL;
    struct fl_str key;
    bool more;
    fl_err e;
    if (fl_json_peek(&c->j) != FL_JSON_OBJECT)
        return perr(c, pos, FL_EPARSE, "metrics", "expected an object of name: number, got %s",
                    type_name(fl_json_peek(&c->j)));
    if ((e = fl_json_enter_object(&c->j)) != FL_OK)
        return jfail(c, e);
    while ((e = fl_json_next_key(&c->j, &c->scratch, &key, &more)) == FL_OK && more) {
        char field[FL_DIAG_FIELD_CAP];
        snprintf(field, sizeof field, "metrics.%.*s", (int)(key.len < 200 ? key.len : 200), key.p);
        for (char *q = field; *q; q++) /* a diagnostic stays on one line */
            if ((unsigned char)*q < 0x20 || *q == 0x7f)
                *q = '?';
        size_t vpos = mark(c);
        if (key.len == 0 || key.len > FL_LIMIT_NAME_BYTES || memchr(key.p, '\0', key.len))
            return perr(c, vpos, FL_EPARSE, field, "a metric name is 1 to 1024 bytes");
        if (out->n_metrics == FL_STORE_REG_MAX_METRICS)
            return perr(c, vpos, FL_ELIMIT, "metrics", "more than %d metrics",
                        FL_STORE_REG_MAX_METRICS);
        if (out->n_metrics == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            struct fl_store_reg_metric *n = fl_arena_alloc(c->a, ncap * sizeof *n);
            if (!n)
                return perr(c, vpos, FL_ENOMEM, field, "out of memory");
            if (cap)
                memcpy(n, ms, cap * sizeof *n);
            ms = n;
            cap = ncap;
        }
        struct fl_store_reg_metric *m = &ms[out->n_metrics];
        if (!(m->name = fl_arena_strndup(c->a, key.p, key.len)))
            return perr(c, vpos, FL_ENOMEM, field, "out of memory");
        if (fl_json_peek(&c->j) != FL_JSON_NUMBER)
            return perr(c, vpos, FL_EPARSE, field, "expected a number, got %s",
                        type_name(fl_json_peek(&c->j)));
        if ((e = fl_json_get_double(&c->j, &m->value)) != FL_OK)
            return jfail(c, e);
        if (!isfinite(m->value))
            return perr(c, vpos, FL_EPARSE, field, "expected a finite number");
        out->n_metrics++;
        out->metrics = ms;
    }
    return e == FL_OK ? FL_OK : jfail(c, e);
}

enum put_key {
    PK_MODEL, PK_VERSION, PK_STAGE, PK_DESC, PK_FROM, PK_TO, PK_METRICS, PK_PROFILE, PK_SCHEMA,
    PK_ARCHIVE, PK__COUNT
};
static const char *const put_keys[PK__COUNT] = {
    "model",    "version", "stage", "description", "train_from", "train_to", "metrics",
    "reference_profile", "schema", "archive_existing_versions",
};

static fl_err put_field(struct pctx *c, int k, struct fl_store_reg_put *out)
{
    size_t pos = mark(c);
    const char *text = NULL;
    fl_err e = FL_OK;
    switch (k) {
    case PK_MODEL:
        return get_name(c, "model", false, &out->model);
    case PK_VERSION:
        return get_name(c, "version", true, &out->version);
    case PK_STAGE:
        if ((e = get_text(c, "stage", false, 64, &out->stage)) == FL_OK &&
            !fl_registry_stage_valid(out->stage))
            e = perr(c, pos, FL_EPARSE, "stage",
                     "unknown stage \"%s\" (expected none, staging, production, archived or "
                     "shadow)",
                     out->stage);
        return e;
    case PK_DESC:
        return get_text(c, "description", false, FL_LIMIT_VALUE_BYTES, &out->description);
    case PK_FROM:
        return get_time(c, "train_from", &out->train_from_ms);
    case PK_TO:
        return get_time(c, "train_to", &out->train_to_ms);
    case PK_METRICS:
        return get_metrics(c, out);
    case PK_SCHEMA:
        return get_text(c, "schema", false, FL_LIMIT_SCHEMA_BYTES, &out->schema);
    case PK_PROFILE: {
        unsigned char *bytes;
        size_t n;
        if ((e = get_text(c, "reference_profile", false, FL_REGISTRY_PROFILE_MAX_BYTES / 3 * 4 + 4,
                          &text)) != FL_OK)
            return e;
        int ok = base64_decode(fl_str_c(text), c->a, &bytes, &n);
        if (ok < 0)
            return perr(c, pos, FL_ENOMEM, "reference_profile", "out of memory");
        if (!ok)
            return perr(c, pos, FL_EPARSE, "reference_profile",
                        "expected the profile's bytes in base64 (RFC 4648, with padding)");
        out->set_profile = true;
        out->profile = bytes;
        out->profile_len = n;
        return FL_OK;
    }
    case PK_ARCHIVE:
        if (fl_json_peek(&c->j) != FL_JSON_BOOL)
            return perr(c, pos, FL_EPARSE, "archive_existing_versions",
                        "expected true or false, got %s", type_name(fl_json_peek(&c->j)));
        e = fl_json_get_bool(&c->j, &out->archive_others);
        return e == FL_OK ? FL_OK : jfail(c, e);
    default:
        return FL_EINVAL;
    }
}

/* Walk the body's one object; for each known key call field (null values skipped). */
typedef fl_err (*field_fn)(struct pctx *c, int k, void *obj);

static fl_err walk_object(struct pctx *c, const char *const *keys, size_t n_keys, const char *list,
                          field_fn fn, void *obj, unsigned *seen)
{
    size_t pos = mark(c);
    struct fl_str key;
    bool more;
    fl_err e;
    if (fl_json_peek(&c->j) != FL_JSON_OBJECT)
        return perr(c, pos, FL_EPARSE, NULL, "expected a JSON object, got %s",
                    type_name(fl_json_peek(&c->j)));
    if ((e = fl_json_enter_object(&c->j)) != FL_OK)
        return jfail(c, e);
    while ((e = fl_json_next_key(&c->j, &c->scratch, &key, &more)) == FL_OK && more) {
        size_t k = 0, kpos = mark(c);
        while (k < n_keys && !fl_str_eq_c(key, keys[k]))
            k++;
        if (k == n_keys) {
            char name[80];
            snprintf(name, sizeof name, "%.*s", (int)(key.len < 64 ? key.len : 64), key.p);
            for (char *q = name; *q; q++)
                if ((unsigned char)*q < 0x20)
                    *q = '?';
            return perr(c, kpos, FL_EPARSE, name, "unknown field \"%s\" (expected one of %s)",
                        name, list);
        }
        if (*seen & (1u << k))
            return perr(c, kpos, FL_EPARSE, keys[k], "field \"%s\" given twice", keys[k]);
        *seen |= 1u << k;
        if (fl_json_peek(&c->j) == FL_JSON_NULL) {
            if ((e = fl_json_get_null(&c->j)) != FL_OK)
                return jfail(c, e);
            *seen &= ~(1u << k);
            *seen |= 1u << (k + 16); /* given as null */
            continue;
        }
        if ((e = fn(c, (int)k, obj)) != FL_OK)
            return e;
    }
    if (e != FL_OK)
        return jfail(c, e);
    e = fl_json_end(&c->j);
    return e == FL_OK ? FL_OK : jfail(c, e);
}

static fl_err put_field_fn(struct pctx *c, int k, void *obj)
{
    return put_field(c, k, obj);
}

static void pctx_init(struct pctx *c, const char *p, size_t len, struct fl_arena *a,
                      struct fl_diag *d)
{
    fl_json_init(&c->j, p ? p : "", p ? len : 0, d);
    fl_buf_init(&c->scratch, len + 1);
    c->a = a;
    c->d = d;
}

fl_err fl_registry_parse_put(const char *p, size_t len, struct fl_arena *a,
                             struct fl_store_reg_put *out, struct fl_diag *d)
{
    struct pctx c;
    unsigned seen = 0;
    memset(out, 0, sizeof *out);
    out->train_from_ms = out->train_to_ms = FL_TS_NONE;
    pctx_init(&c, p, len, a, d);
    fl_err e = walk_object(&c, put_keys, PK__COUNT,
                           "model, version, stage, description, train_from, train_to, metrics, "
                           "reference_profile, schema, archive_existing_versions",
                           put_field_fn, out, &seen);
    if (e == FL_OK && !out->model)
        e = perr(&c, 0, FL_EPARSE, "model", "missing required field \"model\"");
    if (e == FL_OK && !out->version)
        e = perr(&c, 0, FL_EPARSE, "version", "missing required field \"version\"");
    if (e == FL_OK && out->train_from_ms != FL_TS_NONE && out->train_to_ms != FL_TS_NONE &&
        out->train_to_ms < out->train_from_ms)
        e = perr(&c, 0, FL_EPARSE, "train_to", "train_to is before train_from");
    if (e == FL_OK && out->archive_others && !out->stage)
        e = perr(&c, 0, FL_EPARSE, "archive_existing_versions",
                 "archive_existing_versions needs a stage");
    fl_buf_cleanup(&c.scratch);
    return e;
}

struct alias_req {
    const char *alias, *version;
};

static fl_err alias_field_fn(struct pctx *c, int k, void *obj)
{
    struct alias_req *r = obj;
    size_t pos = mark(c);
    if (k == 1)
        return get_name(c, "version", true, &r->version);
    fl_err e = get_text(c, "alias", false, FL_REGISTRY_ALIAS_MAX_BYTES + 1, &r->alias);
    const char *why = e == FL_OK ? fl_registry_alias_check(r->alias) : NULL;
    return why ? perr(c, pos, FL_EPARSE, "alias", "%s", why) : e;
}

fl_err fl_registry_parse_alias(const char *p, size_t len, struct fl_arena *a, const char **alias,
                               const char **version, struct fl_diag *d)
{
    static const char *const keys[] = {"alias", "version"};
    struct alias_req r = {NULL, NULL};
    struct pctx c;
    unsigned seen = 0;
    pctx_init(&c, p, len, a, d);
    fl_err e = walk_object(&c, keys, 2, "alias, version", alias_field_fn, &r, &seen);
    if (e == FL_OK && !r.alias)
        e = perr(&c, 0, FL_EPARSE, "alias", "missing required field \"alias\"");
    if (e == FL_OK && !r.version && !(seen & (1u << (1 + 16))))
        e = perr(&c, 0, FL_EPARSE, "version",
                 "missing required field \"version\" (null removes the alias)");
    fl_buf_cleanup(&c.scratch);
    *alias = r.alias;
    *version = r.version;
    return e;
}

/* ---- JSON answers ---- */

void fl_registry_put_time(struct fl_buf *b, const char *key, int64_t ts_ms)
{
    char t[48];
    fl_buf_printf(b, "\"%s\":", key);
    if (ts_ms == FL_TS_NONE) {
        fl_buf_printf(b, "null,\"%s_ms\":null", key);
        return;
    }
    fl_time_fmt_rfc3339_ms(ts_ms, t, sizeof t);
    fl_buf_put_json_str(b, t, strlen(t));
    fl_buf_printf(b, ",\"%s_ms\":%lld", key, (long long)ts_ms);
}

static void json_str(struct fl_buf *b, const char *s)
{
    if (s)
        fl_buf_put_json_str(b, s, strlen(s));
    else
        fl_buf_puts(b, "null");
}

void fl_registry_version_json(const struct fl_store_reg_version *v, bool artifacts,
                              struct fl_buf *b)
{
    const struct fl_model_info *m = &v->info;
    fl_buf_puts(b, "{\"model\":");
    json_str(b, m->v.model);
    fl_buf_puts(b, ",\"version\":");
    json_str(b, m->v.version);
    fl_buf_puts(b, ",\"stage\":");
    json_str(b, m->v.stage);
    fl_buf_putc(b, ',');
    fl_registry_put_time(b, "registered", m->v.ts_ms);
    fl_buf_puts(b, ",\"attributes\":");
    fl_buf_puts(b, m->v.attrs_json && *m->v.attrs_json ? m->v.attrs_json : "{}");
    fl_buf_putc(b, ',');
    fl_registry_put_time(b, "first_seen", m->first_seen_ms);
    fl_buf_putc(b, ',');
    fl_registry_put_time(b, "last_seen", m->last_seen_ms);
    fl_buf_printf(b, ",\"n_inferences\":%llu,\"source\":\"%s\",",
                  (unsigned long long)m->n_inferences, v->registered ? "registry" : "inferences");
    fl_registry_put_time(b, "created", v->created_ms);
    fl_buf_puts(b, ",\"description\":");
    json_str(b, v->description);
    fl_buf_putc(b, ',');
    fl_registry_put_time(b, "train_from", v->train_from_ms);
    fl_buf_putc(b, ',');
    fl_registry_put_time(b, "train_to", v->train_to_ms);
    fl_buf_puts(b, ",\"metrics\":{");
    for (size_t i = 0; i < v->n_metrics; i++) {
        if (i)
            fl_buf_putc(b, ',');
        json_str(b, v->metrics[i].name);
        fl_buf_putc(b, ':');
        fl_buf_put_double(b, v->metrics[i].value);
    }
    fl_buf_puts(b, "},\"aliases\":[");
    for (size_t i = 0; i < v->n_aliases; i++) {
        if (i)
            fl_buf_putc(b, ',');
        json_str(b, v->aliases[i]);
    }
    fl_buf_puts(b, "],");
    fl_registry_put_time(b, "first_change", v->first_change_ms);
    fl_buf_puts(b, ",\"reference_profile\":");
    if (v->profile_bytes < 0) {
        fl_buf_puts(b, "null");
    } else {
        fl_buf_printf(b, "{\"bytes\":%lld", (long long)v->profile_bytes);
        if (artifacts && v->profile) {
            fl_buf_puts(b, ",\"base64\":\"");
            base64_put(b, v->profile, (size_t)v->profile_bytes);
            fl_buf_putc(b, '"');
        }
        fl_buf_putc(b, '}');
    }
    fl_buf_puts(b, ",\"schema\":");
    if (v->schema_bytes < 0) {
        fl_buf_puts(b, "null");
    } else {
        fl_buf_printf(b, "{\"bytes\":%lld", (long long)v->schema_bytes);
        if (artifacts && v->schema) {
            fl_buf_puts(b, ",\"text\":");
            json_str(b, v->schema);
        }
        fl_buf_putc(b, '}');
    }
    fl_buf_putc(b, '}');
}

struct list_ctx {
    struct fl_buf *b;
    bool artifacts;
    size_t n;
};

static int list_version(const struct fl_store_reg_version *v, void *ud)
{
    struct list_ctx *x = ud;
    if (x->n++)
        fl_buf_putc(x->b, ',');
    fl_registry_version_json(v, x->artifacts, x->b);
    return fl_buf_err(x->b) != FL_OK;
}

/* The data array of a version list; checks the buffer at the end. */
static fl_err versions_array(struct fl_store *s, const char *model, bool artifacts,
                             struct fl_buf *out, size_t *n, struct fl_diag *d)
{
    struct list_ctx x = {out, artifacts, 0};
    fl_buf_putc(out, '[');
    fl_err e = fl_store_registry_versions(s, model, artifacts, list_version, &x, d);
    fl_buf_putc(out, ']');
    if (e == FL_OK && fl_buf_err(out) != FL_OK)
        e = fl_diag_set(d, fl_buf_err(out), 0, 0, "answer too large");
    *n = x.n;
    return e;
}

fl_err fl_registry_list_json(struct fl_store *s, const char *model, struct fl_buf *out,
                             struct fl_diag *d)
{
    size_t n;
    fl_buf_puts(out, "{\"status\":\"success\",\"data\":");
    fl_err e = versions_array(s, model, false, out, &n, d);
    fl_buf_puts(out, "}\n");
    return e;
}

fl_err fl_registry_versions_json(struct fl_store *s, const char *model, bool artifacts,
                                 struct fl_buf *out, struct fl_diag *d)
{
    size_t n;
    fl_buf_puts(out, "{\"status\":\"success\",\"data\":");
    fl_err e = versions_array(s, model, artifacts, out, &n, d);
    fl_buf_puts(out, "}\n");
    if (e == FL_OK && n == 0)
        e = fl_diag_set(d, FL_ENOTFOUND, 0, 0, "model \"%.200s\" not found", model);
    return e;
}

/* The model summary: totals over versions, and the versions per stage. */
struct summary {
    struct fl_buf *b;  /* the versions array being written */
    struct fl_buf stages[5];
    size_t n_stage[5];
    size_t n;
    uint64_t n_inferences;
    int64_t first_seen, last_seen;
};

static int summary_version(const struct fl_store_reg_version *v, void *ud)
{
    struct summary *x = ud;
    if (x->n++)
        fl_buf_putc(x->b, ',');
    fl_registry_version_json(v, false, x->b);
    x->n_inferences += v->info.n_inferences;
    if (v->info.first_seen_ms != FL_TS_NONE &&
        (x->first_seen == FL_TS_NONE || v->info.first_seen_ms < x->first_seen))
        x->first_seen = v->info.first_seen_ms;
    if (v->info.last_seen_ms != FL_TS_NONE &&
        (x->last_seen == FL_TS_NONE || v->info.last_seen_ms > x->last_seen))
        x->last_seen = v->info.last_seen_ms;
    const char *stage = v->info.v.stage ? v->info.v.stage : "none";
    for (size_t i = 0; i < 5; i++) {
        if (strcmp(stage, stage_names[i]))
            continue;
        if (x->n_stage[i]++)
            fl_buf_putc(&x->stages[i], ',');
        json_str(&x->stages[i], v->info.v.version);
    }
    return fl_buf_err(x->b) != FL_OK;
}

struct alias_ctx {
    struct fl_buf *b;
    size_t n;
};

static int alias_json(const char *alias, const char *version, int64_t ts_ms, void *ud)
{
    struct alias_ctx *x = ud;
    if (x->n++)
        fl_buf_putc(x->b, ',');
    json_str(x->b, alias);
    fl_buf_puts(x->b, ":{\"version\":");
    json_str(x->b, version);
    fl_buf_putc(x->b, ',');
    fl_registry_put_time(x->b, "since", ts_ms);
    fl_buf_putc(x->b, '}');
    return 0;
}

fl_err fl_registry_model_json(struct fl_store *s, const char *model, struct fl_buf *out,
                              struct fl_diag *d)
{
    struct summary x;
    struct fl_buf versions;
    fl_err e;
    memset(&x, 0, sizeof x);
    x.first_seen = x.last_seen = FL_TS_NONE;
    fl_buf_init(&versions, out->max);
    for (size_t i = 0; i < 5; i++)
        fl_buf_init(&x.stages[i], out->max);
    x.b = &versions;
    e = fl_store_registry_versions(s, model, false, summary_version, &x, d);
    if (e == FL_OK && x.n == 0)
        e = fl_diag_set(d, FL_ENOTFOUND, 0, 0, "model \"%.200s\" not found", model);
    if (e != FL_OK)
        goto out;
    fl_buf_puts(out, "{\"model\":");
    json_str(out, model);
    fl_buf_puts(out, ",\"aliases\":{");
    struct alias_ctx ax = {out, 0};
    if ((e = fl_store_registry_aliases(s, model, alias_json, &ax, d)) != FL_OK)
        goto out;
    fl_buf_puts(out, "},\"stages\":{");
    for (size_t i = 0; i < 5; i++) {
        fl_buf_printf(out, "%s\"%s\":[", i ? "," : "", stage_names[i]);
        if (x.n_stage[i])
            fl_buf_append(out, x.stages[i].data, x.stages[i].len);
        fl_buf_putc(out, ']');
    }
    fl_buf_printf(out, "},\"n_versions\":%zu,\"n_inferences\":%llu,", x.n,
                  (unsigned long long)x.n_inferences);
    fl_registry_put_time(out, "first_seen", x.first_seen);
    fl_buf_putc(out, ',');
    fl_registry_put_time(out, "last_seen", x.last_seen);
    fl_buf_puts(out, ",\"versions\":[");
    if (versions.len)
        fl_buf_append(out, versions.data, versions.len);
    fl_buf_puts(out, "]}\n");
    for (size_t i = 0; i < 5 && e == FL_OK; i++)
        if (fl_buf_err(&x.stages[i]) != FL_OK)
            e = fl_buf_err(&x.stages[i]);
    if (e == FL_OK && fl_buf_err(&versions) != FL_OK)
        e = fl_buf_err(&versions);
    if (e == FL_OK && fl_buf_err(out) != FL_OK)
        e = fl_buf_err(out);
    if (e != FL_OK)
        e = fl_diag_set(d, e, 0, 0, "answer too large");
out:
    fl_buf_cleanup(&versions);
    for (size_t i = 0; i < 5; i++)
        fl_buf_cleanup(&x.stages[i]);
    return e;
}

/* ---- traffic ---- */

struct tctx {
    struct fl_registry_traffic *t;
    struct fl_map *index; /* version -> index + 1 */
    size_t cap;
    fl_err err;
};

static int traffic_add(const char *version, int64_t bucket, uint64_t n, void *ud)
{
    struct tctx *x = ud;
    struct fl_registry_traffic *t = x->t;
    if (bucket == (int64_t)t->n_buckets)
        bucket--; /* ts == end when the range is a whole number of steps: the last step has it */
    if (bucket < 0 || (uint64_t)bucket >= t->n_buckets)
        return 0; /* outside the asked range: cannot happen with the store's bounds */
    size_t len = strlen(version);
    uintptr_t idx = (uintptr_t)fl_map_get(x->index, version, len);
    if (!idx) {
        if (t->n_versions == FL_REGISTRY_MAX_VERSIONS) {
            x->err = FL_ELIMIT;
            return 1;
        }
        if (t->n_versions == x->cap) {
            size_t ncap = x->cap ? 2 * x->cap : 8;
            char **nv = fl_reallocarray(t->versions, ncap, sizeof *nv);
            if (nv)
                t->versions = nv;
            uint64_t *nc = nv ? fl_reallocarray(t->counts, ncap * t->n_buckets, sizeof *nc) : NULL;
            if (!nc) {
                x->err = FL_ENOMEM;
                return 1;
            }
            t->counts = nc;
            x->cap = ncap;
        }
        char *copy = fl_strdup(version);
        if (!copy) {
            x->err = FL_ENOMEM;
            return 1;
        }
        idx = t->n_versions + 1;
        if (fl_map_put(x->index, version, len, (void *)idx) != FL_OK) {
            fl_free(copy);
            x->err = FL_ENOMEM;
            return 1;
        }
        t->versions[t->n_versions] = copy;
        memset(t->counts + t->n_versions * t->n_buckets, 0, t->n_buckets * sizeof *t->counts);
        t->n_versions++;
    }
    t->counts[(idx - 1) * t->n_buckets + (size_t)bucket] += n;
    t->totals[bucket] += n;
    return 0;
}

/* Versions in order of their first bucket with traffic, then by name; counts rows follow. */
struct vorder {
    size_t first, idx;
    const char *name;
};

static int vorder_cmp(const void *a, const void *b)
{
    const struct vorder *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return strcmp(x->name, y->name);
}

static fl_err traffic_sort(struct fl_registry_traffic *t)
{
    if (t->n_versions < 2)
        return FL_OK;
    struct vorder *o = fl_calloc(t->n_versions, sizeof *o);
    char **nv = fl_calloc(t->n_versions, sizeof *nv);
    uint64_t *nc = fl_calloc(t->n_versions * t->n_buckets, sizeof *nc);
    if (!o || !nv || !nc) {
        fl_free(o);
        fl_free(nv);
        fl_free(nc);
        return FL_ENOMEM;
    }
    for (size_t v = 0; v < t->n_versions; v++) {
        size_t k = 0;
        while (k < t->n_buckets && !t->counts[v * t->n_buckets + k])
            k++;
        o[v] = (struct vorder){k, v, t->versions[v]};
    }
    qsort(o, t->n_versions, sizeof *o, vorder_cmp);
    for (size_t v = 0; v < t->n_versions; v++) {
        nv[v] = t->versions[o[v].idx];
        memcpy(nc + v * t->n_buckets, t->counts + o[v].idx * t->n_buckets,
               t->n_buckets * sizeof *nc);
    }
    fl_free(t->versions);
    fl_free(t->counts);
    t->versions = nv;
    t->counts = nc;
    fl_free(o);
    return FL_OK;
}

struct cctx {
    struct fl_registry_traffic *t;
    fl_err err;
};

static int keep_change(const struct fl_event *ev, void *ud)
{
    struct cctx *x = ud;
    struct fl_registry_traffic *t = x->t;
    if (t->n_changes == FL_REGISTRY_MAX_CHANGES) {
        t->changes_truncated = true;
        return 1;
    }
    struct fl_registry_change *c = &t->changes[t->n_changes];
    c->id = fl_strdup(ev->id);
    c->message = fl_strdup(ev->message ? ev->message : "");
    c->attrs_json = fl_strdup(ev->attrs_json ? ev->attrs_json : "{}");
    c->component = fl_strdup(ev->component ? ev->component : "");
    c->ts_ms = ev->ts_ms;
    t->n_changes++; /* counted now so that cleanup frees what was allocated */
    if (!c->id || !c->message || !c->attrs_json || !c->component) {
        x->err = FL_ENOMEM;
        return 1;
    }
    return 0;
}

fl_err fl_registry_traffic(struct fl_store *s, const char *model, int64_t start_ms,
                           int64_t end_ms, int64_t step_ms, struct fl_registry_traffic *t,
                           struct fl_diag *d)
{
    memset(t, 0, sizeof *t);
    t->start_ms = start_ms;
    t->end_ms = end_ms;
    t->step_ms = step_ms;
    if (!model || step_ms <= 0 || end_ms < start_ms)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "traffic needs a model, from <= to and a step > 0");
    uint64_t span = (uint64_t)end_ms - (uint64_t)start_ms, step = (uint64_t)step_ms;
    uint64_t nb = span / step + (span % step != 0);
    if (nb > FL_REGISTRY_MAX_STEPS)
        return fl_diag_set(d, FL_ELIMIT, 0, 0,
                           "more than %d steps from %lld to %lld ms by %lld ms: use a larger step",
                           FL_REGISTRY_MAX_STEPS, (long long)start_ms, (long long)end_ms,
                           (long long)step_ms);
    t->n_buckets = nb ? (size_t)nb : 1;
    struct tctx x = {t, NULL, 0, FL_OK};
    if (!(t->totals = fl_calloc(t->n_buckets, sizeof *t->totals)) ||
        !(x.index = fl_map_new(NULL, FL_REGISTRY_MAX_VERSIONS + 1)) ||
        !(t->changes = fl_calloc(FL_REGISTRY_MAX_CHANGES, sizeof *t->changes))) {
        fl_map_free(x.index);
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    }
    fl_err e = fl_store_traffic(s, model, start_ms, end_ms, step_ms, traffic_add, &x, d);
    fl_map_free(x.index);
    if (e == FL_OK && x.err != FL_OK)
        e = fl_diag_set(d, x.err, 0, 0,
                        x.err == FL_ELIMIT ? "more than 1000 versions served in the range"
                                           : "out of memory counting traffic");
    if (e == FL_OK && traffic_sort(t) != FL_OK)
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    if (e != FL_OK)
        return e;
    struct cctx cx = {t, FL_OK};
    e = fl_store_registry_changes(s, model, start_ms, end_ms, FL_REGISTRY_MAX_CHANGES + 1,
                                  keep_change, &cx, d);
    if (e == FL_OK && cx.err != FL_OK)
        e = fl_diag_set(d, cx.err, 0, 0, "out of memory reading change events");
    return e;
}

void fl_registry_traffic_cleanup(struct fl_registry_traffic *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_versions; i++)
        fl_free(t->versions[i]);
    for (size_t i = 0; i < t->n_changes; i++) {
        fl_free(t->changes[i].id);
        fl_free(t->changes[i].message);
        fl_free(t->changes[i].attrs_json);
        fl_free(t->changes[i].component);
    }
    fl_free(t->versions);
    fl_free(t->counts);
    fl_free(t->totals);
    fl_free(t->changes);
    memset(t, 0, sizeof *t);
}

double fl_registry_traffic_share(const struct fl_registry_traffic *t, size_t v, size_t k)
{
    if (v >= t->n_versions || k >= t->n_buckets || t->totals[k] == 0)
        return NAN;
    return (double)t->counts[v * t->n_buckets + k] / (double)t->totals[k];
}

void fl_registry_traffic_json(const struct fl_registry_traffic *t, const char *model,
                              struct fl_buf *b)
{
    uint64_t all = 0;
    for (size_t k = 0; k < t->n_buckets; k++)
        all += t->totals[k];
    fl_buf_puts(b, "{\"status\":\"success\",\"data\":{\"model\":");
    json_str(b, model);
    fl_buf_putc(b, ',');
    fl_registry_put_time(b, "start", t->start_ms);
    fl_buf_putc(b, ',');
    fl_registry_put_time(b, "end", t->end_ms);
    fl_buf_printf(b, ",\"step_ms\":%lld,\"total\":%llu,\"timestamps_ms\":[", (long long)t->step_ms,
                  (unsigned long long)all);
    for (size_t k = 0; k < t->n_buckets; k++)
        fl_buf_printf(b, "%s%lld", k ? "," : "", (long long)(t->start_ms + (int64_t)k * t->step_ms));
    fl_buf_puts(b, "],\"totals\":[");
    for (size_t k = 0; k < t->n_buckets; k++)
        fl_buf_printf(b, "%s%llu", k ? "," : "", (unsigned long long)t->totals[k]);
    fl_buf_puts(b, "],\"versions\":[");
    for (size_t v = 0; v < t->n_versions; v++) {
        uint64_t tot = 0;
        for (size_t k = 0; k < t->n_buckets; k++)
            tot += t->counts[v * t->n_buckets + k];
        fl_buf_puts(b, v ? ",{\"version\":" : "{\"version\":");
        json_str(b, t->versions[v]);
        fl_buf_printf(b, ",\"total\":%llu,\"share\":", (unsigned long long)tot);
        fl_buf_put_double(b, all ? (double)tot / (double)all : 0);
        fl_buf_puts(b, ",\"counts\":[");
        for (size_t k = 0; k < t->n_buckets; k++)
            fl_buf_printf(b, "%s%llu", k ? "," : "",
                          (unsigned long long)t->counts[v * t->n_buckets + k]);
        fl_buf_puts(b, "],\"shares\":[");
        for (size_t k = 0; k < t->n_buckets; k++) {
            double sh = fl_registry_traffic_share(t, v, k);
            if (k)
                fl_buf_putc(b, ',');
            if (isnan(sh))
                fl_buf_puts(b, "null");
            else
                fl_buf_put_double(b, sh);
        }
        fl_buf_puts(b, "]}");
    }
    fl_buf_puts(b, "],\"changes\":[");
    for (size_t i = 0; i < t->n_changes; i++) {
        const struct fl_registry_change *c = &t->changes[i];
        fl_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
        json_str(b, c->id);
        fl_buf_putc(b, ',');
        fl_registry_put_time(b, "ts", c->ts_ms);
        fl_buf_puts(b, ",\"component\":");
        json_str(b, c->component);
        fl_buf_puts(b, ",\"message\":");
        json_str(b, c->message);
        fl_buf_puts(b, ",\"attributes\":");
        fl_buf_puts(b, *c->attrs_json ? c->attrs_json : "{}");
        fl_buf_putc(b, '}');
    }
    fl_buf_printf(b, "],\"changes_truncated\":%s}}\n", t->changes_truncated ? "true" : "false");
}
