/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry.c: the store side of the model registry (issue 3, item 8) and of freshness (item 7):
 * registering versions with their metadata, stages and aliases (each move leaves a
 * model_version_change event in the same transaction, so root-cause analysis sees registry
 * changes next to deploys), reading versions back with what the inference log says about them,
 * traffic per version and step, how the feature store served each feature, run events of batch
 * jobs, and when faultline started watching a job. The tables are those of schema migration 5
 * (schema.c); docs/REGISTRY.md describes the model the way users see it (after MLflow's model
 * registry: versions, stages, aliases).
 *
 * Writes take the writer connection under wmu like compaction does (maint.c), outside the group
 * commit: registry writes are rare and small. Reads use one read transaction on a reader
 * connection, so a listing is one consistent snapshot.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/arena.h"
#include "../core/buf.h"
#include "../core/limits.h"
#include "../core/map.h"
#include "store_int.h"

/* Stored stage names; "none" is stored as NULL. */
static const char *const stages[] = {"none", "staging", "production", "archived", "shadow"};

/* The static spelling of stage s, or NULL when s is not a stage. */
static const char *stage_canon(const char *s)
{
    for (size_t i = 0; s && i < sizeof stages / sizeof stages[0]; i++)
        if (!strcmp(s, stages[i]))
            return stages[i];
    return NULL;
}

static int empty(const char *s)
{
    return !s || !*s;
}

static fl_err bind_err(struct fl_store__conn *c, struct fl_diag *d)
{
    return fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
}

/* Bind ?1 = model, ?2 = version. */
static int bind_mv(sqlite3_stmt *st, const char *model, const char *version)
{
    return fl_store__bind_text(st, 1, model) | fl_store__bind_text(st, 2, version);
}


static int bind_ts(sqlite3_stmt *st, int i, int64_t ts)
{
    return ts == FL_TS_NONE ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, ts);
}

/* ---- write transactions ---- */

/* Lock the writer and begin; on failure nothing is held. */
static fl_err wbegin(struct fl_store *s, struct fl_diag *d)
{
    if (!s->w.db)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "store opened read-only");
    pthread_mutex_lock(&s->wmu);
    fl_err e = fl_store__begin(s, d);
    if (e != FL_OK)
        pthread_mutex_unlock(&s->wmu);
    return e;
}

/* Commit (when e is FL_OK) or roll back, publish the counts, unlock. Returns the final error. */
static fl_err wend(struct fl_store *s, fl_err e, struct fl_store__counts *delta, struct fl_diag *d)
{
    if (e == FL_OK && (e = fl_store__int(&s->w, FL_ST_N_MODELS, 0, 0, &delta->models, d)) == FL_OK)
        e = fl_store__commit(s, d);
    if (e != FL_OK)
        fl_store__rollback(s);
    else
        fl_store__counts_add(s, delta);
    pthread_mutex_unlock(&s->wmu);
    return e;
}

/* Step a one-row query on the writer: *found, and the row stays current until the caller resets
 * the statement. */
static fl_err wrow(struct fl_store *s, sqlite3_stmt *st, bool *found, struct fl_diag *d,
                   const char *what)
{
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return FL_OK;
    fl_err e = fl_store__sqlerr(s->w.db, rc, d, what);
    sqlite3_reset(st);
    return e;
}

/* Is (model, version) registered or seen serving? */
static fl_err version_known(struct fl_store *s, const char *model, const char *version,
                            bool *known, struct fl_diag *d)
{
    static const enum fl_store__stmt ids[] = {FL_ST_W_REG_GET, FL_ST_W_REG_SEEN};
    *known = false;
    for (size_t i = 0; i < 2 && !*known; i++) {
        sqlite3_stmt *st;
        fl_err e = fl_store__stmt(&s->w, ids[i], &st, d);
        if (e != FL_OK)
            return e;
        if (bind_mv(st, model, version) != SQLITE_OK)
            return bind_err(&s->w, d);
        if ((e = wrow(s, st, known, d, "find model version")) != FL_OK)
            return e;
        sqlite3_reset(st);
    }
    return FL_OK;
}

/*
 * Write one model_version_change event. Its id is "reg_" and a hash of the component, time,
 * message and attributes, so the same change written twice is stored once.
 */
static fl_err write_event(struct fl_store *s, const char *component, int64_t ts_ms,
                          const struct fl_buf *msg, const struct fl_buf *attrs,
                          struct fl_store__counts *delta, struct fl_diag *d)
{
    char id[32], ts[24];
    sqlite3_stmt *st;
    snprintf(ts, sizeof ts, "%" PRId64, ts_ms);
    uint64_t h = (uint64_t)fl_store__key(component);
    const char *parts[3] = {ts, msg->data, attrs->data};
    for (size_t i = 0; i < 3; i++)
        h = (h ^ (uint64_t)fl_store__key(parts[i])) * UINT64_C(1099511628211);
    snprintf(id, sizeof id, "reg_%016" PRIx64, h);
    fl_err e = fl_store__stmt(&s->w, FL_ST_W_EVENT_INS, &st, d);
    if (e != FL_OK)
        return e;
    if ((fl_store__bind_text(st, 1, id) | sqlite3_bind_int64(st, 2, ts_ms) |
         sqlite3_bind_null(st, 3) | fl_store__bind_text(st, 4, "model_version_change") |
         fl_store__bind_text(st, 5, component) | sqlite3_bind_null(st, 6) |
         sqlite3_bind_int64(st, 7, -1) | fl_store__bind_text(st, 8, msg->data) |
         fl_store__bind_text(st, 9, attrs->data)) != SQLITE_OK)
        return bind_err(&s->w, d);
    if ((e = fl_store__run(&s->w, st, d, "insert change event")) != FL_OK)
        return e;
    delta->events += sqlite3_changes(s->w.db) > 0;
    return FL_OK;
}

/* Append ,"key":"value" (value NULL -> null) to a JSON object being built. */
static void json_kv(struct fl_buf *b, const char *key, const char *value)
{
    fl_buf_printf(b, "%s\"%s\":", b->len > 1 ? "," : "", key);
    if (value)
        fl_buf_put_json_str(b, value, strlen(value));
    else
        fl_buf_puts(b, "null");
}

/* The event of a stage change of (model, version) from `from` to `to`. */
static fl_err stage_event(struct fl_store *s, const struct fl_store_reg_put *p, const char *version,
                          const char *from, const char *to, const char *replaced_by,
                          struct fl_store__counts *delta, struct fl_diag *d)
{
    struct fl_buf msg, attrs;
    fl_buf_init(&msg, 4 * FL_LIMIT_NAME_BYTES);
    fl_buf_init(&attrs, 8 * FL_LIMIT_NAME_BYTES);
    fl_buf_printf(&msg, "%s %s: stage %s (was %s", p->model, version, to, from);
    if (replaced_by)
        fl_buf_printf(&msg, "; replaced by %s", replaced_by);
    fl_buf_putc(&msg, ')');
    fl_buf_putc(&attrs, '{');
    json_kv(&attrs, "model", p->model);
    json_kv(&attrs, "version", version);
    json_kv(&attrs, "stage", to);
    json_kv(&attrs, "from_stage", from);
    if (replaced_by)
        json_kv(&attrs, "replaced_by", replaced_by);
    json_kv(&attrs, "source", "registry");
    fl_buf_putc(&attrs, '}');
    fl_err e = fl_buf_err(&msg) != FL_OK ? fl_buf_err(&msg) : fl_buf_err(&attrs);
    if (e != FL_OK)
        e = fl_diag_set(d, e, 0, 0, "cannot format a change event");
    else
        e = write_event(s, p->component ? p->component : p->model, p->now_ms, &msg, &attrs,
                        delta, d);
    fl_buf_cleanup(&msg);
    fl_buf_cleanup(&attrs);
    return e;
}

/* ---- fl_store_registry_put ---- */

static fl_err check_put(const struct fl_store_reg_put *p, struct fl_diag *d)
{
    if (empty(p->model) || strlen(p->model) > FL_LIMIT_NAME_BYTES) {
        fl_diag_field(d, "model");
        return fl_diag_set(d, FL_EINVAL, 0, 0, "model name must be 1 to %d bytes",
                           FL_LIMIT_NAME_BYTES);
    }
    if (empty(p->version) || strlen(p->version) > FL_LIMIT_NAME_BYTES) {
        fl_diag_field(d, "version");
        return fl_diag_set(d, FL_EINVAL, 0, 0, "version must be 1 to %d bytes",
                           FL_LIMIT_NAME_BYTES);
    }
    if (p->stage && !stage_canon(p->stage)) {
        fl_diag_field(d, "stage");
        return fl_diag_set(d, FL_EINVAL, 0, 0,
                           "unknown stage (expected none, staging, production, archived or "
                           "shadow)");
    }
    if (p->n_metrics > FL_STORE_REG_MAX_METRICS || (p->n_metrics && !p->metrics)) {
        fl_diag_field(d, "metrics");
        return fl_diag_set(d, FL_EINVAL, 0, 0, "at most %d metrics", FL_STORE_REG_MAX_METRICS);
    }
    for (size_t i = 0; i < p->n_metrics; i++) {
        if (empty(p->metrics[i].name) || strlen(p->metrics[i].name) > FL_LIMIT_NAME_BYTES ||
            !isfinite(p->metrics[i].value)) {
            fl_diag_field(d, "metrics.%.200s", p->metrics[i].name ? p->metrics[i].name : "");
            return fl_diag_set(d, FL_EINVAL, 0, 0,
                               "a metric needs a non-empty name and a finite number");
        }
    }
    if (p->set_profile && p->profile_len && !p->profile)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "reference profile without data");
    return FL_OK;
}

/* Archive the model's other versions in `stage` (p->version keeps it), one event each. */
static fl_err archive_others(struct fl_store *s, const struct fl_store_reg_put *p,
                             const char *stage, size_t *n, struct fl_store__counts *delta,
                             struct fl_diag *d)
{
    struct fl_arena a;
    const char **done = NULL;
    size_t cnt = 0;
    sqlite3_stmt *st;
    int rc;
    fl_err e;
    fl_arena_init(&a, 4096, (FL_LIMIT_NAME_BYTES + 64) * (size_t)FL_STORE_REG_MAX_ARCHIVE);
    if ((e = fl_store__stmt(&s->w, FL_ST_W_REG_ARCHIVE, &st, d)) != FL_OK)
        goto out;
    if ((bind_mv(st, p->model, p->version) | fl_store__bind_text(st, 3, stage) |
         sqlite3_bind_int64(st, 4, p->now_ms)) != SQLITE_OK) {
        e = bind_err(&s->w, d);
        goto out;
    }
    if (!(done = fl_arena_calloc(&a, FL_STORE_REG_MAX_ARCHIVE, sizeof *done))) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory archiving versions");
        goto out;
    }
    /* RETURNING applies every change on the first step; read the rows out before writing. */
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (cnt == FL_STORE_REG_MAX_ARCHIVE) {
            e = fl_diag_set(d, FL_ELIMIT, 0, 0, "more than %d versions to archive at once",
                            FL_STORE_REG_MAX_ARCHIVE);
            goto out;
        }
        if (!(done[cnt++] = fl_arena_strdup(&a, fl_store__col_text(st, 0, "")))) {
            e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory archiving versions");
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        e = fl_store__sqlerr(s->w.db, rc, d, "archive versions");
        goto out;
    }
    sqlite3_reset(st);
    for (size_t i = 0; i < cnt && e == FL_OK; i++)
        e = stage_event(s, p, done[i], stage, "archived", p->version, delta, d);
    *n = cnt;
out:
    sqlite3_reset(st);
    fl_arena_cleanup(&a);
    return e;
}

/* Run one UPDATE of the version's row with ?3 bound by the caller's bind. */
static fl_err update_text(struct fl_store *s, enum fl_store__stmt id,
                          const struct fl_store_reg_put *p, const char *text, struct fl_diag *d)
{
    sqlite3_stmt *st;
    fl_err e = fl_store__stmt(&s->w, id, &st, d);
    if (e != FL_OK)
        return e;
    if ((bind_mv(st, p->model, p->version) | fl_store__bind_text(st, 3, *text ? text : NULL)) !=
        SQLITE_OK)
        return bind_err(&s->w, d);
    return fl_store__run(&s->w, st, d, "update model version");
}

/* The metadata updates of p (everything but the stage). */
static fl_err put_metadata(struct fl_store *s, const struct fl_store_reg_put *p,
                           struct fl_diag *d)
{
    sqlite3_stmt *st;
    fl_err e = FL_OK;
    if (p->description && (e = update_text(s, FL_ST_W_REG_DESC, p, p->description, d)) != FL_OK)
        return e;
    if (p->schema && (e = update_text(s, FL_ST_W_REG_SCHEMA, p, p->schema, d)) != FL_OK)
        return e;
    if (p->train_from_ms != FL_TS_NONE || p->train_to_ms != FL_TS_NONE) {
        if ((e = fl_store__stmt(&s->w, FL_ST_W_REG_TRAIN, &st, d)) != FL_OK)
            return e;
        if ((bind_mv(st, p->model, p->version) | bind_ts(st, 3, p->train_from_ms) |
             bind_ts(st, 4, p->train_to_ms)) != SQLITE_OK)
            return bind_err(&s->w, d);
        if ((e = fl_store__run(&s->w, st, d, "update training window")) != FL_OK)
            return e;
    }
    if (p->set_profile) {
        if ((e = fl_store__stmt(&s->w, FL_ST_W_REG_PROFILE, &st, d)) != FL_OK)
            return e;
        int rc = bind_mv(st, p->model, p->version);
        rc |= p->profile_len ? sqlite3_bind_blob64(st, 3, p->profile, p->profile_len, SQLITE_STATIC)
                             : sqlite3_bind_null(st, 3);
        if (rc != SQLITE_OK)
            return bind_err(&s->w, d);
        if ((e = fl_store__run(&s->w, st, d, "store reference profile")) != FL_OK)
            return e;
    }
    for (size_t i = 0; i < p->n_metrics; i++) {
        if ((e = fl_store__stmt(&s->w, FL_ST_W_REG_METRIC, &st, d)) != FL_OK)
            return e;
        if ((bind_mv(st, p->model, p->version) | fl_store__bind_text(st, 3, p->metrics[i].name) |
             sqlite3_bind_double(st, 4, p->metrics[i].value)) != SQLITE_OK)
            return bind_err(&s->w, d);
        if ((e = fl_store__run(&s->w, st, d, "store metric")) != FL_OK)
            return e;
    }
    return FL_OK;
}

/* Inside the transaction: create the row if needed and note the current stage. */
static fl_err put_row(struct fl_store *s, const struct fl_store_reg_put *p,
                      struct fl_store_reg_result *res, struct fl_diag *d)
{
    sqlite3_stmt *st;
    bool found;
    fl_err e = fl_store__stmt(&s->w, FL_ST_W_REG_GET, &st, d);
    if (e != FL_OK)
        return e;
    if (bind_mv(st, p->model, p->version) != SQLITE_OK)
        return bind_err(&s->w, d);
    if ((e = wrow(s, st, &found, d, "read model version")) != FL_OK)
        return e;
    const char *old = found ? stage_canon(fl_store__col_text(st, 0, "none")) : "none";
    snprintf(res->old_stage, sizeof res->old_stage, "%s", old ? old : "none");
    sqlite3_reset(st);
    if (found)
        return FL_OK;
    if (p->must_exist) {
        bool seen;
        if ((e = version_known(s, p->model, p->version, &seen, d)) != FL_OK)
            return e;
        if (!seen)
            return fl_diag_set(d, FL_ENOTFOUND, 0, 0,
                               "model \"%.200s\" has no version \"%.200s\" (register it first)",
                               p->model, p->version);
    }
    if ((e = fl_store__stmt(&s->w, FL_ST_W_REG_INS, &st, d)) != FL_OK)
        return e;
    if ((bind_mv(st, p->model, p->version) | sqlite3_bind_int64(st, 3, p->now_ms)) != SQLITE_OK)
        return bind_err(&s->w, d);
    if ((e = fl_store__run(&s->w, st, d, "register model version")) == FL_OK)
        res->created = true;
    return e;
}

fl_err fl_store_registry_put(struct fl_store *s, const struct fl_store_reg_put *p,
                             struct fl_store_reg_result *out, struct fl_diag *d)
{
    struct fl_store_reg_result res;
    struct fl_store__counts delta = {0};
    sqlite3_stmt *st;
    fl_err e;
    memset(&res, 0, sizeof res);
    if (!s || !p)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store or registry change");
    if ((e = check_put(p, d)) != FL_OK || (e = wbegin(s, d)) != FL_OK)
        return e;
    const char *stage = p->stage ? stage_canon(p->stage) : NULL;
    if ((e = put_row(s, p, &res, d)) != FL_OK)
        goto out;
    if (stage && strcmp(stage, res.old_stage) != 0) {
        if ((e = fl_store__stmt(&s->w, FL_ST_W_REG_STAGE, &st, d)) != FL_OK)
            goto out;
        if ((bind_mv(st, p->model, p->version) |
             fl_store__bind_text(st, 3, strcmp(stage, "none") ? stage : NULL) |
             sqlite3_bind_int64(st, 4, p->now_ms)) != SQLITE_OK) {
            e = bind_err(&s->w, d);
            goto out;
        }
        if ((e = fl_store__run(&s->w, st, d, "change stage")) != FL_OK ||
            (e = stage_event(s, p, p->version, res.old_stage, stage, NULL, &delta, d)) != FL_OK)
            goto out;
        res.stage_changed = true;
    }
    if (stage && p->archive_others && strcmp(stage, "none") && strcmp(stage, "archived") &&
        (e = archive_others(s, p, stage, &res.n_archived, &delta, d)) != FL_OK)
        goto out;
    e = put_metadata(s, p, d);
out:
    res.n_events = (size_t)delta.events;
    e = wend(s, e, &delta, d);
    if (out)
        *out = res;
    return e;
}

/* ---- aliases ---- */

static fl_err alias_event(struct fl_store *s, const char *model, const char *alias,
                          const char *version, const char *old, const char *component,
                          int64_t now_ms, struct fl_store__counts *delta, struct fl_diag *d)
{
    struct fl_buf msg, attrs;
    fl_buf_init(&msg, 4 * FL_LIMIT_NAME_BYTES);
    fl_buf_init(&attrs, 8 * FL_LIMIT_NAME_BYTES);
    if (version)
        fl_buf_printf(&msg, "%s@%s -> %s", model, alias, version);
    else
        fl_buf_printf(&msg, "%s@%s removed", model, alias);
    if (old)
        fl_buf_printf(&msg, " (was %s)", old);
    fl_buf_putc(&attrs, '{');
    json_kv(&attrs, "model", model);
    json_kv(&attrs, "alias", alias);
    json_kv(&attrs, "version", version);
    json_kv(&attrs, "from_version", old);
    json_kv(&attrs, "source", "registry");
    fl_buf_putc(&attrs, '}');
    fl_err e = fl_buf_err(&msg) != FL_OK ? fl_buf_err(&msg) : fl_buf_err(&attrs);
    if (e != FL_OK)
        e = fl_diag_set(d, e, 0, 0, "cannot format a change event");
    else
        e = write_event(s, component ? component : model, now_ms, &msg, &attrs, delta, d);
    fl_buf_cleanup(&msg);
    fl_buf_cleanup(&attrs);
    return e;
}

/* Inside the transaction: read the alias's current version into res. */
static fl_err alias_current(struct fl_store *s, const char *model, const char *alias,
                            struct fl_store_alias_result *res, struct fl_diag *d)
{
    sqlite3_stmt *st;
    fl_err e = fl_store__stmt(&s->w, FL_ST_W_ALIAS_GET, &st, d);
    if (e != FL_OK)
        return e;
    if (bind_mv(st, model, alias) != SQLITE_OK)
        return bind_err(&s->w, d);
    if ((e = wrow(s, st, &res->had_old, d, "read alias")) != FL_OK)
        return e;
    if (res->had_old)
        snprintf(res->old_version, sizeof res->old_version, "%s",
                 fl_store__col_text(st, 0, ""));
    sqlite3_reset(st);
    return FL_OK;
}

fl_err fl_store_registry_alias(struct fl_store *s, const char *model, const char *alias,
                               const char *version, const char *component, int64_t now_ms,
                               struct fl_store_alias_result *out, struct fl_diag *d)
{
    struct fl_store_alias_result res;
    struct fl_store__counts delta = {0};
    sqlite3_stmt *st = NULL;
    bool known;
    fl_err e;
    memset(&res, 0, sizeof res);
    if (!s || empty(model) || empty(alias) || (version && !*version))
        return fl_diag_set(d, FL_EINVAL, 0, 0, "alias needs a model, a name and a version");
    if (strlen(model) > FL_LIMIT_NAME_BYTES || strlen(alias) > FL_LIMIT_NAME_BYTES ||
        (version && strlen(version) > FL_LIMIT_NAME_BYTES))
        return fl_diag_set(d, FL_EINVAL, 0, 0, "names are at most %d bytes", FL_LIMIT_NAME_BYTES);
    if ((e = wbegin(s, d)) != FL_OK)
        return e;
    if ((e = alias_current(s, model, alias, &res, d)) != FL_OK)
        goto out;
    if (!version) {
        if (!res.had_old) {
            e = fl_diag_set(d, FL_ENOTFOUND, 0, 0, "model \"%.200s\" has no alias \"%.200s\"",
                            model, alias);
            goto out;
        }
        if ((e = fl_store__stmt(&s->w, FL_ST_W_ALIAS_DEL, &st, d)) != FL_OK)
            goto out;
        if (bind_mv(st, model, alias) != SQLITE_OK) {
            e = bind_err(&s->w, d);
            goto out;
        }
    } else {
        if ((e = version_known(s, model, version, &known, d)) != FL_OK)
            goto out;
        if (!known) {
            e = fl_diag_set(d, FL_ENOTFOUND, 0, 0,
                            "model \"%.200s\" has no version \"%.200s\" (register it first)",
                            model, version);
            goto out;
        }
        if (res.had_old && !strcmp(res.old_version, version))
            goto out; /* already there: nothing to write */
        if ((e = fl_store__stmt(&s->w, FL_ST_W_ALIAS_SET, &st, d)) != FL_OK)
            goto out;
        if ((bind_mv(st, model, alias) | fl_store__bind_text(st, 3, version) |
             sqlite3_bind_int64(st, 4, now_ms)) != SQLITE_OK) {
            e = bind_err(&s->w, d);
            goto out;
        }
    }
    if ((e = fl_store__run(&s->w, st, d, "move alias")) != FL_OK ||
        (e = alias_event(s, model, alias, version, res.had_old ? res.old_version : NULL,
                         component, now_ms, &delta, d)) != FL_OK)
        goto out;
    res.changed = true;
out:
    e = wend(s, e, &delta, d);
    if (out)
        *out = res;
    return e;
}

/* ---- reads ---- */

/* "model\0version" -> heap int64 (first change time). */
static fl_err load_first_changes(struct fl_store__conn *c, const char *model, struct fl_map *m,
                                 struct fl_diag *d)
{
    sqlite3_stmt *st;
    struct fl_buf key;
    int rc;
    fl_err e = fl_store__stmt(c, FL_ST_Q_REG_FIRST_CHANGE, &st, d);
    if (e != FL_OK)
        return e;
    if (fl_store__bind_text(st, 1, model) != SQLITE_OK)
        return bind_err(c, d);
    fl_buf_init(&key, 4 * FL_LIMIT_NAME_BYTES);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fl_buf_reset(&key);
        fl_buf_puts(&key, fl_store__col_text(st, 0, ""));
        fl_buf_putc(&key, '\0');
        fl_buf_puts(&key, fl_store__col_text(st, 1, ""));
        int64_t *v = fl_malloc(sizeof *v);
        if (!v || fl_buf_err(&key) != FL_OK) {
            fl_free(v);
            if (fl_buf_err(&key) == FL_ELIMIT)
                continue; /* names longer than the registry allows cannot match */
            e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory reading change events");
            break;
        }
        *v = sqlite3_column_int64(st, 2);
        if ((e = fl_map_put(m, key.data, key.len, v)) != FL_OK) {
            fl_free(v);
            e = fl_diag_set(d, e, 0, 0, "too many model versions in change events");
            break;
        }
    }
    if (e == FL_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        e = fl_store__sqlerr(c->db, rc, d, "read change events");
    sqlite3_reset(st);
    fl_buf_cleanup(&key);
    return e;
}

/* Metrics and aliases of one version into arena arrays. */
static fl_err version_lists(struct fl_store__conn *c, struct fl_arena *a,
                            struct fl_store_reg_version *v, struct fl_diag *d)
{
    sqlite3_stmt *st;
    int rc;
    fl_err e;
    size_t cap = 0;
    struct fl_store_reg_metric *ms = NULL;
    const char **as = NULL;
    if ((e = fl_store__stmt(c, FL_ST_Q_REG_METRICS, &st, d)) != FL_OK)
        return e;
    if (bind_mv(st, v->info.v.model, v->info.v.version) != SQLITE_OK)
        return bind_err(c, d);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (v->n_metrics == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            struct fl_store_reg_metric *n = fl_arena_alloc(a, ncap * sizeof *n);
            if (!n)
                goto oom;
            if (cap)
                memcpy(n, ms, cap * sizeof *n);
            ms = n;
            cap = ncap;
        }
        ms[v->n_metrics].value = fl_store__col_double(st, 1);
        if (!(ms[v->n_metrics++].name = fl_arena_strdup(a, fl_store__col_text(st, 0, ""))))
            goto oom;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return fl_store__sqlerr(c->db, rc, d, "read metrics");
    v->metrics = ms;
    if ((e = fl_store__stmt(c, FL_ST_Q_REG_ALIASES_V, &st, d)) != FL_OK)
        return e;
    if (bind_mv(st, v->info.v.model, v->info.v.version) != SQLITE_OK)
        return bind_err(c, d);
    cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (v->n_aliases == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            const char **n = fl_arena_alloc(a, ncap * sizeof *n);
            if (!n)
                goto oom;
            if (cap)
                memcpy(n, as, cap * sizeof *n);
            as = n;
            cap = ncap;
        }
        if (!(as[v->n_aliases++] = fl_arena_strdup(a, fl_store__col_text(st, 0, ""))))
            goto oom;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return fl_store__sqlerr(c->db, rc, d, "read aliases");
    v->aliases = as;
    return FL_OK;
oom:
    sqlite3_reset(st);
    return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory reading the registry");
}

/* One row of Q_REG_VERSIONS into v (strings point into the row). */
static void version_row(sqlite3_stmt *st, const struct fl_map *changes, struct fl_buf *key,
                        struct fl_store_reg_version *v)
{
    memset(v, 0, sizeof *v);
    v->info.v.model = fl_store__col_text(st, 0, "");
    v->info.v.version = fl_store__col_text(st, 1, "");
    v->info.v.stage = fl_store__col_text(st, 2, NULL);
    v->info.v.ts_ms = fl_store__col_ts(st, 3);
    v->info.v.attrs_json = fl_store__col_text(st, 4, NULL);
    v->created_ms = fl_store__col_ts(st, 5);
    v->description = fl_store__col_text(st, 6, NULL);
    v->train_from_ms = fl_store__col_ts(st, 7);
    v->train_to_ms = fl_store__col_ts(st, 8);
    v->profile_bytes = sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 9);
    v->schema_bytes = sqlite3_column_type(st, 10) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 10);
    v->info.first_seen_ms = fl_store__col_ts(st, 11);
    v->info.last_seen_ms = fl_store__col_ts(st, 12);
    int64_t n = sqlite3_column_int64(st, 13);
    v->info.n_inferences = n > 0 ? (uint64_t)n : 0;
    v->registered = sqlite3_column_int(st, 14) != 0;
    fl_buf_reset(key);
    fl_buf_puts(key, v->info.v.model);
    fl_buf_putc(key, '\0');
    fl_buf_puts(key, v->info.v.version);
    const int64_t *fc = fl_buf_err(key) == FL_OK ? fl_map_get(changes, key->data, key->len) : NULL;
    v->first_change_ms = fc ? *fc : FL_TS_NONE;
}

fl_err fl_store_registry_versions(struct fl_store *s, const char *model, bool with_artifacts,
                                  fl_store_reg_version_fn fn, void *ud, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    struct fl_map *changes = NULL;
    struct fl_arena a;
    struct fl_buf key;
    sqlite3_stmt *st, *art = NULL;
    int rc;
    fl_err e;
    if (!s || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store or callback");
    fl_arena_init(&a, 4096, FL_LIMIT_BATCH_ARENA_BYTES);
    fl_buf_init(&key, 4 * FL_LIMIT_NAME_BYTES);
    if (!(changes = fl_map_new(fl_free, FL_LIMIT_MAP_ENTRIES))) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        goto out;
    }
    if ((e = fl_store__read_begin(s, &c, d)) != FL_OK || (e = load_first_changes(c, model, changes, d)) != FL_OK)
        goto out;
    if ((e = fl_store__stmt(c, FL_ST_Q_REG_VERSIONS, &st, d)) != FL_OK)
        goto out;
    if (fl_store__bind_text(st, 1, model) != SQLITE_OK) {
        e = bind_err(c, d);
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct fl_store_reg_version v;
        fl_arena_reset(&a);
        version_row(st, changes, &key, &v);
        if ((e = version_lists(c, &a, &v, d)) != FL_OK)
            goto out;
        if (with_artifacts && v.registered) {
            if ((e = fl_store__stmt(c, FL_ST_Q_REG_ARTIFACTS, &art, d)) != FL_OK)
                goto out;
            if (bind_mv(art, v.info.v.model, v.info.v.version) != SQLITE_OK) {
                e = bind_err(c, d);
                goto out;
            }
            if ((rc = sqlite3_step(art)) == SQLITE_ROW) { /* valid until art is reset */
                v.profile = sqlite3_column_blob(art, 0);
                v.schema = fl_store__col_text(art, 1, NULL);
            } else if (rc != SQLITE_DONE) {
                e = fl_store__sqlerr(c->db, rc, d, "read artifacts");
                goto out;
            }
        }
        int stop = fn(&v, ud);
        if (art)
            sqlite3_reset(art);
        if (stop)
            goto out;
    }
    if (rc != SQLITE_DONE)
        e = fl_store__sqlerr(c->db, rc, d, "read model versions");
out:
    fl_store__read_end(s, c);
    fl_map_free(changes);
    fl_arena_cleanup(&a);
    fl_buf_cleanup(&key);
    return e;
}

fl_err fl_store_registry_aliases(struct fl_store *s, const char *model, fl_store_alias_fn fn,
                                 void *ud, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    sqlite3_stmt *st;
    int rc;
    fl_err e;
    if (!s || !model || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store, model or callback");
    if ((e = fl_store__reader_get(s, &c, d)) != FL_OK)
        return e;
    if ((e = fl_store__stmt(c, FL_ST_Q_REG_ALIASES_M, &st, d)) != FL_OK)
        goto out;
    if (fl_store__bind_text(st, 1, model) != SQLITE_OK) {
        e = bind_err(c, d);
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(fl_store__col_text(st, 0, ""), fl_store__col_text(st, 1, ""),
               sqlite3_column_int64(st, 2), ud))
            goto out;
    if (rc != SQLITE_DONE)
        e = fl_store__sqlerr(c->db, rc, d, "read aliases");
out:
    fl_store__reader_put(s, c);
    return e;
}

fl_err fl_store_registry_changes(struct fl_store *s, const char *model, int64_t start_ms,
                                 int64_t end_ms, size_t limit, fl_store_event_fn fn, void *ud,
                                 struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    sqlite3_stmt *st;
    fl_err e;
    if (!s || !model || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store, model or callback");
    if ((e = fl_store__reader_get(s, &c, d)) != FL_OK)
        return e;
    if ((e = fl_store__stmt(c, FL_ST_Q_REG_CHANGES, &st, d)) == FL_OK) {
        if ((fl_store__bind_text(st, 1, model) | sqlite3_bind_int64(st, 2, start_ms) |
             sqlite3_bind_int64(st, 3, end_ms) | sqlite3_bind_int64(st, 4, fl_store__limit(limit, 1000))) !=
            SQLITE_OK)
            e = bind_err(c, d);
        else
            e = fl_store__each_event(c, st, fn, ud, d);
    }
    fl_store__reader_put(s, c);
    return e;
}

fl_err fl_store_runs(struct fl_store *s, const char *component, int64_t at_ms, const char *status,
                     size_t limit, fl_store_event_fn fn, void *ud, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    sqlite3_stmt *st;
    fl_err e;
    if (!s || !component || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store, component or callback");
    if ((e = fl_store__reader_get(s, &c, d)) != FL_OK)
        return e;
    if ((e = fl_store__stmt(c, FL_ST_Q_RUNS, &st, d)) == FL_OK) {
        if ((fl_store__bind_text(st, 1, component) | sqlite3_bind_int64(st, 2, at_ms) |
             fl_store__bind_text(st, 3, status) |
             sqlite3_bind_int64(st, 4, fl_store__limit(limit, 1000))) != SQLITE_OK)
            e = bind_err(c, d);
        else
            e = fl_store__each_event(c, st, fn, ud, d);
    }
    fl_store__reader_put(s, c);
    return e;
}

/* ---- rowid ranges of inference blocks ---- */

struct range {
    int64_t first, last;
};

FL_STORE__GROW_FN(grow_ranges, struct range)

/* The blocks st yields (first_id, last_id ascending by first_id when asc), merged where they
 * overlap or touch: a batch of several versions leaves one block per version over the same
 * rowids, and each range must be scanned once. */
static fl_err block_ranges(struct fl_store__conn *c, sqlite3_stmt *st, struct range **out,
                           size_t *n, struct fl_diag *d)
{
    struct range *r = NULL;
    size_t cap = 0, cnt = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct range x = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)};
        if (cnt && x.first <= r[cnt - 1].last + 1) {
            if (x.last > r[cnt - 1].last)
                r[cnt - 1].last = x.last;
            continue;
        }
        if (grow_ranges(&r, &cap, cnt + 1) != FL_OK) {
            sqlite3_reset(st);
            fl_free(r);
            return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory reading inference blocks");
        }
        r[cnt++] = x;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        fl_free(r);
        return fl_store__sqlerr(c->db, rc, d, "read inference blocks");
    }
    *out = r;
    *n = cnt;
    return FL_OK;
}

/* A run of rows of one (version, bucket), counted before it is handed to the callback: rows
 * come in rowid order, where a version's requests mostly follow each other. */
struct run_count {
    struct fl_buf version;
    int64_t bucket;
    uint64_t n;
    bool have;
    bool stopped; /* fn asked to stop */
};

/* Count the rows of one merged range into runs; a finished run goes to fn. */
static fl_err count_range(struct fl_store__conn *c, sqlite3_stmt *st, int64_t start_ms,
                          int64_t step_ms, struct run_count *run, fl_store_traffic_fn fn,
                          void *ud, struct fl_diag *d)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = fl_store__col_text(st, 0, "");
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        int64_t b = (sqlite3_column_int64(st, 1) - start_ms) / step_ms;
        if (run->have && b == run->bucket && len == run->version.len &&
            memcmp(v, run->version.data, len) == 0) {
            run->n++;
            continue;
        }
        if (run->have && fn(run->version.data, run->bucket, run->n, ud)) {
            run->have = false;
            run->stopped = true;
            sqlite3_reset(st);
            return FL_OK;
        }
        fl_buf_reset(&run->version);
        fl_buf_append(&run->version, v, len);
        if (fl_buf_err(&run->version) != FL_OK) {
            sqlite3_reset(st);
            return fl_diag_set(d, FL_ELIMIT, 0, 0, "model version longer than %d bytes",
                               FL_LIMIT_NAME_BYTES);
        }
        run->bucket = b;
        run->n = 1;
        run->have = true;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? FL_OK : fl_store__sqlerr(c->db, rc, d, "count inferences");
}

fl_err fl_store_traffic(struct fl_store *s, const char *model, int64_t start_ms, int64_t end_ms,
                        int64_t step_ms, fl_store_traffic_fn fn, void *ud, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    struct range *r = NULL;
    size_t n = 0;
    sqlite3_stmt *bl, *cnt;
    fl_err e;
    if (!s || !model || !fn || step_ms <= 0 || end_ms < start_ms)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "traffic needs a model, a range and a step > 0");
    if ((e = fl_store__read_begin(s, &c, d)) != FL_OK)
        return e;
    if ((e = fl_store__stmt(c, FL_ST_Q_TRAFFIC_BLOCKS, &bl, d)) != FL_OK)
        goto out;
    if ((fl_store__bind_text(bl, 1, model) | sqlite3_bind_int64(bl, 2, start_ms) |
         sqlite3_bind_int64(bl, 3, end_ms)) != SQLITE_OK) {
        e = bind_err(c, d);
        goto out;
    }
    if ((e = block_ranges(c, bl, &r, &n, d)) != FL_OK ||
        (e = fl_store__stmt(c, FL_ST_Q_TRAFFIC_COUNT, &cnt, d)) != FL_OK)
        goto out;
    if ((sqlite3_bind_int64(cnt, 3, start_ms) | fl_store__bind_text(cnt, 4, model) |
         sqlite3_bind_int64(cnt, 5, end_ms)) != SQLITE_OK) {
        e = bind_err(c, d);
        goto out;
    }
    struct run_count rc_run = {{0}, 0, 0, false, false};
    fl_buf_init(&rc_run.version, FL_LIMIT_NAME_BYTES + 1);
    for (size_t i = 0; i < n && e == FL_OK && !rc_run.stopped; i++) {
        if ((sqlite3_bind_int64(cnt, 1, r[i].first) | sqlite3_bind_int64(cnt, 2, r[i].last)) !=
            SQLITE_OK) {
            e = bind_err(c, d);
            break;
        }
        e = count_range(c, cnt, start_ms, step_ms, &rc_run, fn, ud, d);
    }
    if (e == FL_OK && rc_run.have && rc_run.version.data)
        (void)fn(rc_run.version.data, rc_run.bucket, rc_run.n, ud);
    fl_buf_cleanup(&rc_run.version);
out:
    fl_store__read_end(s, c);
    fl_free(r);
    return e;
}

/* ---- feature status counts ---- */

struct rd {
    const unsigned char *p, *end;
};

static int get_uvarint(struct rd *r, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end)
            return 0;
        unsigned char ch = *r->p++;
        v |= (uint64_t)(ch & 0x7f) << shift;
        if (!(ch & 0x80)) {
            *out = v;
            return 1;
        }
    }
    return 0;
}

/* A feature set as the walk needs it: per feature, the counters of (model, feature). */
struct fslot {
    size_t n;
    uint64_t *cnt[]; /* each points at a uint64_t[4] owned by the aggregate map */
};

struct fstat {
    struct fl_store__conn *c;
    struct fl_map *agg;   /* "model\0feature" -> uint64_t[4] */
    struct fl_map *slots; /* "model\0" + 8-byte feature set id -> struct fslot */
    struct fl_buf key;
};

/* The counters of (model, name); created at zero. */
static uint64_t *counters(struct fstat *f, const char *model, const unsigned char *name,
                          size_t len)
{
    fl_buf_reset(&f->key);
    fl_buf_puts(&f->key, model);
    fl_buf_putc(&f->key, '\0');
    fl_buf_append(&f->key, name, len);
    if (fl_buf_err(&f->key) != FL_OK)
        return NULL;
    uint64_t *cnt = fl_map_get(f->agg, f->key.data, f->key.len);
    if (cnt)
        return cnt;
    if (!(cnt = fl_calloc(4, sizeof *cnt)))
        return NULL;
    if (fl_map_put(f->agg, f->key.data, f->key.len, cnt) != FL_OK) {
        fl_free(cnt); /* a failed put keeps nothing */
        return NULL;
    }
    return cnt;
}

/* Build the slot of (model, feature set id) from the set's stored names. */
static fl_err make_slot(struct fstat *f, const char *model, int64_t fset, struct fslot **out,
                        struct fl_diag *d)
{
    sqlite3_stmt *st;
    fl_err e = fl_store__stmt(f->c, FL_ST_Q_FSET, &st, d);
    if (e != FL_OK)
        return e;
    if (sqlite3_bind_int64(st, 1, fset) != SQLITE_OK)
        return bind_err(f->c, d);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE
                   ? fl_diag_set(d, FL_ESTORE, 0, 0, "feature set %lld missing", (long long)fset)
                   : fl_store__sqlerr(f->c->db, rc, d, "read feature set");
    }
    const unsigned char *p = sqlite3_column_blob(st, 0);
    struct rd r = {p, p + sqlite3_column_bytes(st, 0)};
    uint64_t n;
    struct fslot *slot = NULL;
    e = FL_ESTORE;
    if (!p || !get_uvarint(&r, &n) || n > FL_LIMIT_FEATURES_PER_RECORD ||
        n > (uint64_t)(r.end - r.p))
        goto bad;
    if (!(slot = fl_calloc(1, sizeof *slot + (size_t)n * sizeof slot->cnt[0]))) {
        e = FL_ENOMEM;
        goto bad;
    }
    slot->n = (size_t)n;
    for (size_t i = 0; i < slot->n; i++) {
        uint64_t len;
        if (!get_uvarint(&r, &len) || len > (uint64_t)(r.end - r.p))
            goto bad;
        if (!(slot->cnt[i] = counters(f, model, r.p, (size_t)len))) {
            e = FL_ENOMEM;
            goto bad;
        }
        r.p += len;
    }
    if (r.p != r.end)
        goto bad;
    sqlite3_reset(st);
    fl_buf_reset(&f->key);
    fl_buf_puts(&f->key, model);
    fl_buf_putc(&f->key, '\0');
    fl_buf_append(&f->key, &fset, sizeof fset);
    if (fl_buf_err(&f->key) != FL_OK ||
        fl_map_put(f->slots, f->key.data, f->key.len, slot) != FL_OK) {
        fl_free(slot);
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory counting feature status");
    }
    *out = slot;
    return FL_OK;
bad:
    sqlite3_reset(st);
    fl_free(slot);
    return e == FL_ENOMEM ? fl_diag_set(d, e, 0, 0, "out of memory counting feature status")
                          : fl_diag_set(d, e, 0, 0, "cannot decode feature set %lld",
                                        (long long)fset);
}

/* Count the status of every feature of one row's values blob. */
static int count_values(const struct fslot *slot, const unsigned char *p, size_t len)
{
    struct rd r = {p, p + len};
    for (size_t i = 0; i < slot->n; i++) {
        if (r.p >= r.end)
            return 0;
        unsigned st = *r.p >> 4, kind = *r.p & 0xf;
        r.p++;
        if (st > FL_FEAT_OUTSIDE_MAX_AGE)
            return 0;
        uint64_t skip = 0;
        if (kind == FL_VAL_NUMBER)
            skip = 8;
        else if (kind == FL_VAL_BOOL)
            skip = 1;
        else if (kind == FL_VAL_STRING && !get_uvarint(&r, &skip))
            return 0;
        else if (kind > FL_VAL_BOOL)
            return 0;
        if (skip > (uint64_t)(r.end - r.p))
            return 0;
        r.p += skip;
        slot->cnt[i][st]++;
    }
    return r.p == r.end;
}

/* Walk one rowid range newest first; *rows counts, stops at max_rows. */
static fl_err fstat_range(struct fstat *f, sqlite3_stmt *st, size_t max_rows, uint64_t *rows,
                          bool *truncated, struct fl_diag *d)
{
    int rc;
    fl_err e = FL_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (max_rows && *rows >= max_rows) {
            *truncated = true;
            break;
        }
        const char *model = fl_store__col_text(st, 0, "");
        int64_t fset = sqlite3_column_int64(st, 1);
        fl_buf_reset(&f->key);
        fl_buf_puts(&f->key, model);
        fl_buf_putc(&f->key, '\0');
        fl_buf_append(&f->key, &fset, sizeof fset);
        struct fslot *slot = fl_buf_err(&f->key) == FL_OK
                                 ? fl_map_get(f->slots, f->key.data, f->key.len)
                                 : NULL;
        if (!slot && (e = make_slot(f, model, fset, &slot, d)) != FL_OK)
            break;
        if (!count_values(slot, sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2))) {
            e = fl_diag_set(d, FL_ESTORE, 0, 0, "cannot decode the features of an inference row");
            break;
        }
        (*rows)++;
    }
    if (e == FL_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        e = fl_store__sqlerr(f->c->db, rc, d, "read inferences");
    sqlite3_reset(st);
    return e;
}

struct emit_ctx {
    fl_store_feature_status_fn fn;
    void *ud;
};

static int emit_counts(const char *key, size_t key_len, void *value, void *ud)
{
    struct emit_ctx *x = ud;
    size_t ml = strnlen(key, key_len);
    char name[FL_LIMIT_NAME_BYTES * 2 + 2];
    if (ml >= key_len || key_len - ml - 1 >= sizeof name)
        return 0; /* a feature name beyond any limit: not reported */
    memcpy(name, key + ml + 1, key_len - ml - 1);
    name[key_len - ml - 1] = '\0';
    return x->fn(key, name, value, x->ud);
}

fl_err fl_store_feature_status(struct fl_store *s, const char *model, int64_t start_ms,
                               int64_t end_ms, size_t max_rows, fl_store_feature_status_fn fn,
                               void *ud, uint64_t *rows, bool *truncated, struct fl_diag *d)
{
    struct fstat f = {0};
    struct range *r = NULL;
    size_t n = 0;
    uint64_t nrows = 0;
    bool trunc = false;
    sqlite3_stmt *bl, *st;
    fl_err e;
    if (!s || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store or callback");
    fl_buf_init(&f.key, 4 * FL_LIMIT_NAME_BYTES);
    if (!(f.agg = fl_map_new(fl_free, FL_LIMIT_MAP_ENTRIES)) ||
        !(f.slots = fl_map_new(fl_free, FL_LIMIT_MAP_ENTRIES))) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        goto out;
    }
    if ((e = fl_store__read_begin(s, &f.c, d)) != FL_OK)
        goto out;
    if ((e = fl_store__stmt(f.c, FL_ST_Q_FSTAT_BLOCKS, &bl, d)) != FL_OK)
        goto out;
    if ((fl_store__bind_text(bl, 1, model) | sqlite3_bind_int64(bl, 2, start_ms) |
         sqlite3_bind_int64(bl, 3, end_ms)) != SQLITE_OK) {
        e = bind_err(f.c, d);
        goto out;
    }
    if ((e = block_ranges(f.c, bl, &r, &n, d)) != FL_OK)
        goto out;
    if ((e = fl_store__stmt(f.c, FL_ST_Q_FSTAT_ROWS, &st, d)) != FL_OK)
        goto out;
    if ((sqlite3_bind_int64(st, 3, start_ms) | sqlite3_bind_int64(st, 4, end_ms) |
         fl_store__bind_text(st, 5, model)) != SQLITE_OK) {
        e = bind_err(f.c, d);
        goto out;
    }
    for (size_t i = n; i-- > 0 && !trunc;) { /* newest range first */
        if ((sqlite3_bind_int64(st, 1, r[i].first) | sqlite3_bind_int64(st, 2, r[i].last)) !=
            SQLITE_OK) {
            e = bind_err(f.c, d);
            goto out;
        }
        if ((e = fstat_range(&f, st, max_rows, &nrows, &trunc, d)) != FL_OK)
            goto out;
    }
    fl_store__read_end(s, f.c);
    f.c = NULL;
    struct emit_ctx x = {fn, ud};
    fl_map_each(f.agg, emit_counts, &x);
out:
    fl_store__read_end(s, f.c);
    if (rows)
        *rows = nrows;
    if (truncated)
        *truncated = trunc;
    fl_free(r);
    fl_map_free(f.slots);
    fl_map_free(f.agg);
    fl_buf_cleanup(&f.key);
    return e;
}

/* ---- freshness watch ---- */

fl_err fl_store_watch_since(struct fl_store *s, const char *const *components, size_t n,
                            int64_t now_ms, int64_t *since, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    sqlite3_stmt *st;
    size_t missing = 0;
    bool found;
    fl_err e;
    if (!s || (n && (!components || !since)))
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store or components");
    if (n == 0)
        return FL_OK;
    if ((e = fl_store__reader_get(s, &c, d)) != FL_OK)
        return e;
    for (size_t i = 0; i < n && e == FL_OK; i++) {
        since[i] = FL_TS_NONE;
        if ((e = fl_store__stmt(c, FL_ST_Q_WATCH, &st, d)) != FL_OK)
            break;
        if (fl_store__bind_text(st, 1, components[i]) != SQLITE_OK) {
            e = bind_err(c, d);
            break;
        }
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            since[i] = sqlite3_column_int64(st, 0);
        else if (rc != SQLITE_DONE)
            e = fl_store__sqlerr(c->db, rc, d, "read freshness watch");
        sqlite3_reset(st);
        missing += since[i] == FL_TS_NONE;
    }
    fl_store__reader_put(s, c);
    if (e != FL_OK || missing == 0 || !s->w.db) {
        for (size_t i = 0; i < n; i++)
            if (since[i] == FL_TS_NONE)
                since[i] = now_ms;
        return e;
    }
    /* First sight: record now, then read back what is stored (another process may have won). */
    struct fl_store__counts delta = {0};
    if ((e = wbegin(s, d)) != FL_OK)
        return e;
    for (size_t i = 0; i < n && e == FL_OK; i++) {
        if (since[i] != FL_TS_NONE)
            continue;
        if ((e = fl_store__stmt(&s->w, FL_ST_W_WATCH_ADD, &st, d)) != FL_OK)
            break;
        if ((fl_store__bind_text(st, 1, components[i]) | sqlite3_bind_int64(st, 2, now_ms)) !=
            SQLITE_OK) {
            e = bind_err(&s->w, d);
            break;
        }
        if ((e = fl_store__run(&s->w, st, d, "record freshness watch")) != FL_OK ||
            (e = fl_store__stmt(&s->w, FL_ST_Q_WATCH, &st, d)) != FL_OK)
            break;
        if (fl_store__bind_text(st, 1, components[i]) != SQLITE_OK) {
            e = bind_err(&s->w, d);
            break;
        }
        if ((e = wrow(s, st, &found, d, "read freshness watch")) != FL_OK)
            break;
        since[i] = found ? sqlite3_column_int64(st, 0) : now_ms;
        sqlite3_reset(st);
    }
    for (size_t i = 0; i < n; i++)
        if (since[i] == FL_TS_NONE)
            since[i] = now_ms;
    return wend(s, e, &delta, d);
}
