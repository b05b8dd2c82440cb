/* SPDX-License-Identifier: Apache-2.0 */
/*
 * investigations.c: stored investigations (issue 5, item 1; schema migration 7). The JSON text is
 * opaque here: src/report/investigation.c produces it and the API and CLI serve it as is, so the
 * store depends on neither src/rca nor src/report. The list reads only the small columns.
 *
 * Investigations are rare (one per question a person or an alert asks), so the statements are
 * prepared per call rather than kept in the connection's statement table. A write is one
 * transaction on the writer connection under wmu; reads are one snapshot on a reader.
 */
#include <string.h>

#include "../core/arena.h"
#include "store_int.h"

#define LIST_DEFAULT 100

static const char sql_put[] =
    "INSERT INTO investigations(id, created_ms, symptom, verdict, source, title, json) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_get[] =
    "SELECT id, created_ms, symptom, verdict, source, title, json FROM investigations "
    "WHERE id = ?1";
static const char sql_list[] =
    "SELECT id, created_ms, symptom, verdict, source, title FROM investigations "
    "WHERE created_ms >= ?1 ORDER BY created_ms DESC, id DESC LIMIT ?2";

static bool filled(const char *s)
{
    return s && *s;
}

static fl_err put_row(struct fl_store *s, const struct fl_store_investigation *inv,
                      struct fl_diag *d)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->w.db, sql_put, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fl_store__sqlerr(s->w.db, rc, d, "prepare investigation insert");
    fl_err e = FL_OK;
    if ((fl_store__bind_text(st, 1, inv->id) | sqlite3_bind_int64(st, 2, inv->created_ms) |
         fl_store__bind_text(st, 3, inv->symptom) | fl_store__bind_text(st, 4, inv->verdict) |
         fl_store__bind_text(st, 5, inv->source) | fl_store__bind_text(st, 6, inv->title) |
         fl_store__bind_text(st, 7, inv->json)) != SQLITE_OK) {
        e = fl_store__sqlerr(s->w.db, SQLITE_ERROR, d, "bind investigation");
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || (rc & 0xff) == SQLITE_CONSTRAINT)
        e = fl_diag_set(d, FL_ECONFLICT, 0, 0, "investigation %s is stored already", inv->id);
    else if (rc != SQLITE_DONE)
        e = fl_store__sqlerr(s->w.db, rc, d, "write investigation");
out:
    sqlite3_finalize(st);
    return e;
}

fl_err fl_store_investigation_put(struct fl_store *s, const struct fl_store_investigation *inv,
                                  struct fl_diag *d)
{
    if (!s || !inv)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store or investigation");
    if (!filled(inv->id) || !filled(inv->symptom) || !filled(inv->verdict) || !filled(inv->json))
        return fl_diag_set(d, FL_EINVAL, 0, 0,
                           "an investigation needs an id, a symptom, a verdict and its JSON");
    if (!s->w.db)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "store opened read-only");
    pthread_mutex_lock(&s->wmu);
    fl_err e = fl_store__begin(s, d);
    if (e == FL_OK) {
        e = put_row(s, inv, d);
        if (e == FL_OK)
            e = fl_store__commit(s, d);
        if (e != FL_OK)
            fl_store__rollback(s);
    }
    pthread_mutex_unlock(&s->wmu);
    return e;
}

/* Column i copied into the arena (NULL stays NULL); false when the arena is full. */
static bool col_dup(sqlite3_stmt *st, int i, struct fl_arena *a, const char **out)
{
    const char *t = fl_store__col_text(st, i, NULL);
    *out = t ? fl_arena_strdup(a, t) : NULL;
    return !t || *out;
}

fl_err fl_store_investigation_get(struct fl_store *s, const char *id, struct fl_arena *a,
                                  struct fl_store_investigation *out, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    sqlite3_stmt *st = NULL;
    if (!s || !id || !a || !out)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store, id, arena or result");
    memset(out, 0, sizeof *out);
    fl_err e = fl_store__read_begin(s, &c, d);
    if (e != FL_OK)
        return e;
    int rc = sqlite3_prepare_v2(c->db, sql_get, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, rc, d, "prepare investigation read");
        goto out;
    }
    if (fl_store__bind_text(st, 1, id) != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind investigation id");
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        e = fl_diag_set(d, FL_ENOTFOUND, 0, 0, "no investigation %s", id);
        goto out;
    }
    if (rc != SQLITE_ROW) {
        e = fl_store__sqlerr(c->db, rc, d, "read investigation");
        goto out;
    }
    out->created_ms = sqlite3_column_int64(st, 1);
    if (!col_dup(st, 0, a, &out->id) || !col_dup(st, 2, a, &out->symptom) ||
        !col_dup(st, 3, a, &out->verdict) || !col_dup(st, 4, a, &out->source) ||
        !col_dup(st, 5, a, &out->title) || !col_dup(st, 6, a, &out->json)) {
        memset(out, 0, sizeof *out);
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory reading investigation %s", id);
    }
out:
    sqlite3_finalize(st);
    fl_store__read_end(s, c);
    return e;
}

fl_err fl_store_investigation_list(struct fl_store *s, int64_t since_ms, size_t limit,
                                   fl_store_investigation_fn fn, void *ud, struct fl_diag *d)
{
    struct fl_store__conn *c = NULL;
    sqlite3_stmt *st = NULL;
    if (!s || !fn)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store or callback");
    fl_err e = fl_store__read_begin(s, &c, d);
    if (e != FL_OK)
        return e;
    int rc = sqlite3_prepare_v2(c->db, sql_list, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, rc, d, "prepare investigation list");
        goto out;
    }
    if ((sqlite3_bind_int64(st, 1, since_ms) |
         sqlite3_bind_int64(st, 2, fl_store__limit(limit, LIST_DEFAULT))) != SQLITE_OK) {
        e = fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind investigation list");
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct fl_store_investigation inv = {
            .id = fl_store__col_text(st, 0, ""),
            .created_ms = sqlite3_column_int64(st, 1),
            .symptom = fl_store__col_text(st, 2, ""),
            .verdict = fl_store__col_text(st, 3, ""),
            .source = fl_store__col_text(st, 4, NULL),
            .title = fl_store__col_text(st, 5, NULL),
        };
        if (fn(&inv, ud)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE)
        e = fl_store__sqlerr(c->db, rc, d, "list investigations");
out:
    sqlite3_finalize(st);
    fl_store__read_end(s, c);
    return e;
}

/* ---- the 5 Whys of an investigation (src/report/whys.h), inside its JSON ---- */

/* The chain is the member "whys" of the stored JSON: no new column, no migration. The revision
 * guard makes a read-modify-write from two clients fail instead of losing one edit. */
static const char sql_set_whys[] =
    "UPDATE investigations SET json = json_set(json, '$.whys', json(?2)) "
    "WHERE id = ?1 AND coalesce(json_extract(json, '$.whys.revision'), 0) = ?3";
static const char sql_exists[] = "SELECT 1 FROM investigations WHERE id = ?1";

static fl_err set_whys_row(struct fl_store *s, const char *id, const char *whys_json,
                           uint64_t expect, struct fl_diag *d)
{
    sqlite3_stmt *st = NULL;
    fl_err e = FL_OK;
    int rc = sqlite3_prepare_v2(s->w.db, sql_set_whys, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fl_store__sqlerr(s->w.db, rc, d, "prepare whys update");
    if ((fl_store__bind_text(st, 1, id) | fl_store__bind_text(st, 2, whys_json) |
         sqlite3_bind_int64(st, 3, (sqlite3_int64)expect)) != SQLITE_OK) {
        e = fl_store__sqlerr(s->w.db, SQLITE_ERROR, d, "bind whys update");
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        e = fl_store__sqlerr(s->w.db, rc, d, "write whys");
        goto out;
    }
    if (sqlite3_changes(s->w.db) == 1)
        goto out;
    sqlite3_finalize(st);
    st = NULL;
    rc = sqlite3_prepare_v2(s->w.db, sql_exists, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        e = fl_store__sqlerr(s->w.db, rc, d, "prepare investigation lookup");
        goto out;
    }
    if (fl_store__bind_text(st, 1, id) != SQLITE_OK) {
        e = fl_store__sqlerr(s->w.db, SQLITE_ERROR, d, "bind investigation id");
        goto out;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        e = fl_diag_set(d, FL_ECONFLICT, 0, 0,
                        "the 5 Whys of %s changed since revision %llu; read them again", id,
                        (unsigned long long)expect);
    else if (rc == SQLITE_DONE)
        e = fl_diag_set(d, FL_ENOTFOUND, 0, 0, "no investigation %s", id);
    else
        e = fl_store__sqlerr(s->w.db, rc, d, "look up investigation");
out:
    sqlite3_finalize(st);
    return e;
}

fl_err fl_store_investigation_set_whys(struct fl_store *s, const char *id, const char *whys_json,
                                       uint64_t expect_revision, struct fl_diag *d)
{
    if (!s || !filled(id) || !filled(whys_json))
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no store, investigation id or whys");
    if (!s->w.db)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "store opened read-only");
    pthread_mutex_lock(&s->wmu);
    fl_err e = fl_store__begin(s, d);
    if (e == FL_OK) {
        e = set_whys_row(s, id, whys_json, expect_revision, d);
        if (e == FL_OK)
            e = fl_store__commit(s, d);
        if (e != FL_OK)
            fl_store__rollback(s);
    }
    pthread_mutex_unlock(&s->wmu);
    return e;
}
