/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.c: opening and closing the SQLite store, its connections and statement cache, the SQL
 * text of every statement, and the cheap statistics served on each /metrics scrape.
 *
 * Durability: journal_mode=WAL with synchronous=FULL, so COMMIT returns only after the WAL was
 * fsynced and a write acknowledged to a client survives kill -9 and power loss. Readers use their
 * own connections and see the last committed snapshot without waiting for a running write.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "../core/alloc.h"
#include "../core/limits.h"
#include "store_int.h"

/* The columns a span is written with (write.c binds them in this order, ?1 .. ?16). */
#define SPAN_WCOLS                                                                                 \
    "trace_id, span_id, parent, service, name, kind, start_ns, end_ns, status, message, origin, "  \
    "attrs_json, events_json, links_json, trace_key, span_key"
/* The columns a span is read with (query.c row_span), from spans s joined to span_origins o. */
#define SPAN_COLS_S                                                                                \
    "s.trace_id, s.span_id, s.parent, s.service, s.name, s.kind, s.start_ns, s.end_ns, s.status, " \
    "s.message, o.scope, s.attrs_json, o.resource_json, s.events_json, s.links_json"
#define SPAN_FROM " spans s JOIN span_origins o ON o.id = s.origin "
#define INF_COLS                                                                                   \
    "i.id, i.ts_ms, i.request_id, i.trace_id, i.model, i.model_version, i.features, i.pred_kind, " \
    "i.score, i.pred_class, i.scores, i.segments, i.latency_ms, f.names, i.segs "                  \
    "FROM inferences i JOIN feature_sets f ON f.id = i.feature_set"
#define OUT_COLS "ts_ms, request_id, name, value, attrs_json"
#define EVENT_COLS "id, ts_ms, end_ms, kind, component, status, rows, message, attrs_json"

/* The columns an inference row is written with: its own values first (write.c bind_own), then
 * model, version, model_key and feature_set (bind_shared), and segments, x'' since schema 8. */
#define INF_WCOLS                                                                                  \
    "ts_ms, request_id, trace_id, features, pred_kind, score, pred_class, scores, segs, "          \
    "latency_ms, request_key, model, model_version, model_key, feature_set, segments"
/* One row of W_INF_MULTI: anonymous parameters number on, 15 per row. */
#define INF_P "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, x'')"
#define INF_P4 INF_P "," INF_P "," INF_P "," INF_P
#define INF_P16 INF_P4 "," INF_P4 "," INF_P4 "," INF_P4
/* W_INF_RUN: rows of one model version and feature set share ?1-?4; the first row names its own
 * parameters ?5-?15, and the anonymous ones of the next rows number on from there (11 a row). */
#define INF_R "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?1, ?2, ?3, ?4, x'')"
#define INF_R1 "(?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?1, ?2, ?3, ?4, x'')"
#define INF_R4 INF_R "," INF_R "," INF_R "," INF_R
#define INF_R16 INF_R4 "," INF_R4 "," INF_R4 "," INF_R4
_Static_assert(FL_STORE_INF_MULTI == 8, "W_INF_MULTI lists 8 rows");
_Static_assert(FL_STORE_INF_RUN == 32, "W_INF_RUN lists 32 rows");
_Static_assert(FL_STORE_REQ_BUCKET_SHIFT == 13, "Q_REQ_INF shifts by 13");
/* One row of W_SPAN_MULTI: the SPAN_WCOLS (16 parameters). */
#define SPAN_P "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_Static_assert(FL_STORE_SPAN_MULTI == 8, "W_SPAN_MULTI lists 8 rows");

const char *const fl_store__sql[FL_ST__COUNT] = {
    [FL_ST_W_BEGIN] = "BEGIN IMMEDIATE",
    [FL_ST_W_COMMIT] = "COMMIT",
    [FL_ST_W_ROLLBACK] = "ROLLBACK",
    [FL_ST_W_SAVEPOINT] = "SAVEPOINT fl_batch",
    [FL_ST_W_RELEASE] = "RELEASE fl_batch",
    [FL_ST_W_ROLLBACK_TO] = "ROLLBACK TO fl_batch",
    [FL_ST_W_SERIES_FIND] = "SELECT id FROM series WHERE labels_key = ?1",
    [FL_ST_W_SERIES_ADD] = "INSERT INTO series(hash, labels_key, name) VALUES (?1, ?2, ?3)",
    [FL_ST_W_HEAD_INS] = "INSERT INTO samples_head(series_id, ts_ms, value) VALUES (?1, ?2, ?3) "
                         "ON CONFLICT (series_id, ts_ms) DO NOTHING",
    [FL_ST_W_HEAD_UPD] = "UPDATE samples_head SET value = ?3 WHERE series_id = ?1 AND ts_ms = ?2",
    [FL_ST_W_EXEMPLAR] =
        "INSERT INTO exemplars(series_id, sample_ts_ms, labels, value, ts_ms, trace_id) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (series_id, sample_ts_ms) DO UPDATE SET "
        "labels = excluded.labels, value = excluded.value, ts_ms = excluded.ts_ms, "
        "trace_id = excluded.trace_id",
    [FL_ST_W_META] = "INSERT INTO metric_meta(family, type, help, unit) VALUES (?1, ?2, ?3, ?4) "
                     "ON CONFLICT (family) DO UPDATE SET type = coalesce(excluded.type, type), "
                     "help = coalesce(excluded.help, help), unit = coalesce(excluded.unit, unit)",
    [FL_ST_W_SPAN_INS] = "INSERT OR FAIL INTO spans(" SPAN_WCOLS ") VALUES " SPAN_P,
    [FL_ST_W_SPAN_MULTI] = "INSERT OR FAIL INTO spans(" SPAN_WCOLS ") VALUES " SPAN_P "," SPAN_P
                           "," SPAN_P "," SPAN_P "," SPAN_P "," SPAN_P "," SPAN_P "," SPAN_P,
    [FL_ST_W_SPAN_UPD] = "UPDATE spans SET parent = ?3, service = ?4, name = ?5, kind = ?6, "
                         "start_ns = ?7, end_ns = ?8, status = ?9, message = ?10, origin = ?11, "
                         "attrs_json = ?12, events_json = ?13, links_json = ?14, trace_id = ?1, "
                         "span_id = ?2 WHERE id = ?17",
    [FL_ST_W_AKEY_FIND] = "SELECT id FROM span_attr_keys WHERE key = ?1",
    [FL_ST_W_AKEY_MAX] = "SELECT coalesce(max(id), 0) FROM span_attr_keys",
    [FL_ST_W_AKEY_ADD] = "INSERT INTO span_attr_keys(key) VALUES (?1)",
    [FL_ST_W_ORIGIN_FIND] = "SELECT id FROM span_origins WHERE key = ?1",
    [FL_ST_W_ORIGIN_ADD] = "INSERT INTO span_origins(key, scope, resource_json) "
                           "VALUES (?1, ?2, ?3)",
    /* Does trace ?1 have stored pieces? (span_traces: one row per trace and batch) */
    [FL_ST_W_STRACE_HAS] = "SELECT 1 FROM span_traces WHERE trace_key = ?1 LIMIT 1",
    /* The stored row of span ?4 of trace ?3 (keys ?1, ?2), found through the trace's pieces. */
    [FL_ST_W_SPAN_FIND] = "SELECT s.id FROM span_traces t JOIN spans s ON s.id BETWEEN "
                          "t.first_id AND t.last_id WHERE t.trace_key = ?1 AND s.trace_key = ?1 "
                          "AND s.span_key = ?2 AND s.trace_id = ?3 AND s.span_id = ?4 LIMIT 1",
    [FL_ST_W_STRACE_ADD] = "INSERT INTO span_traces(first_id, last_id, trace_key) "
                           "VALUES (?1, ?2, ?3)",
    [FL_ST_W_SPAN_MAXID] = "SELECT coalesce(max(id), 0) FROM spans",
    [FL_ST_W_SBLOCK_ADD] = "INSERT INTO span_blocks(first_id, last_id, min_start, max_start) "
                           "VALUES (?1, ?2, ?3, ?4)",
    [FL_ST_W_SBLOCK_LAST] = "SELECT first_id, last_id FROM span_blocks ORDER BY first_id DESC "
                            "LIMIT 1",
    [FL_ST_W_SBLOCK_GROW] = "UPDATE span_blocks SET last_id = ?2, min_start = min(min_start, ?3), "
                            "max_start = max(max_start, ?4) WHERE first_id = ?1",
    [FL_ST_W_SBLOCK_SVC] =
        "INSERT OR IGNORE INTO span_block_services(block, service) VALUES (?1, ?2)",
    /* The block holding rowid ?1 (blocks are disjoint rowid ranges keyed by their first rowid)
     * now also covers start time ?2. */
    [FL_ST_W_SBLOCK_WIDEN] = "UPDATE span_blocks SET min_start = min(min_start, ?2), "
                             "max_start = max(max_start, ?2) WHERE first_id = (SELECT "
                             "max(first_id) FROM span_blocks WHERE first_id <= ?1) "
                             "AND last_id >= ?1 RETURNING first_id",
    [FL_ST_W_INF_MAXID] = "SELECT coalesce(max(id), 0) FROM inferences",
    [FL_ST_W_IBLOCK_LAST] = "SELECT first_id, last_id FROM inf_blocks WHERE model_key = ?1 "
                            "ORDER BY first_id DESC LIMIT 1",
    [FL_ST_W_IBLOCK_GROW] = "UPDATE inf_blocks SET last_id = ?3, min_ts = min(min_ts, ?4), "
                            "max_ts = max(max_ts, ?5) WHERE model_key = ?1 AND first_id = ?2",
    /* Two model versions whose keys collide share a block row: its ranges cover both. */
    [FL_ST_W_IBLOCK_ADD] = "INSERT INTO inf_blocks(model_key, first_id, last_id, min_ts, max_ts) "
                           "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (model_key, first_id) DO "
                           "UPDATE SET min_ts = min(min_ts, excluded.min_ts), "
                           "max_ts = max(max_ts, excluded.max_ts)",
    /* segs holds the segment refs since schema 8 (codec.h); trace_id is a 16-byte blob when it
     * is 32 lowercase hex digits. */
    [FL_ST_W_INF] = "INSERT INTO inferences(" INF_WCOLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                    "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, x'')",
    [FL_ST_W_INF_MULTI] = "INSERT OR FAIL INTO inferences(" INF_WCOLS ") VALUES " INF_P4 "," INF_P4,
    [FL_ST_W_INF_MULTI_BIG] = "INSERT OR FAIL INTO inferences(" INF_WCOLS ") VALUES " INF_P16
                              "," INF_P16,
    [FL_ST_W_INF_RUN] = "INSERT OR FAIL INTO inferences(" INF_WCOLS ") VALUES " INF_R1 "," INF_R
                        "," INF_R "," INF_R "," INF_R4 "," INF_R4 "," INF_R4 "," INF_R16,
    [FL_ST_W_FSET_FIND] = "SELECT id FROM feature_sets WHERE names = ?1",
    [FL_ST_W_FSET_ADD] = "INSERT INTO feature_sets(names) VALUES (?1)",
    [FL_ST_W_SEGKEY_FIND] = "SELECT id FROM inf_seg_keys WHERE key = ?1",
    [FL_ST_W_SEGKEY_MAX] = "SELECT coalesce(max(id), 0) FROM inf_seg_keys",
    [FL_ST_W_SEGKEY_ADD] = "INSERT INTO inf_seg_keys(key) VALUES (?1)",
    [FL_ST_W_SEEN] = "INSERT INTO model_seen(model, version, first_ms, last_ms, n, model_key) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (model, version) DO UPDATE SET "
                     "first_ms = min(first_ms, excluded.first_ms), "
                     "last_ms = max(last_ms, excluded.last_ms), n = n + excluded.n",
    [FL_ST_W_OUTCOME] =
        "INSERT INTO outcomes(" OUT_COLS ", request_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [FL_ST_W_EVENT_INS] = "INSERT INTO events(" EVENT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                          "?7, ?8, ?9) ON CONFLICT (id) DO NOTHING",
    [FL_ST_W_EVENT_UPD] = "UPDATE events SET ts_ms = ?2, end_ms = ?3, kind = ?4, component = ?5, "
                          "status = ?6, rows = ?7, message = ?8, attrs_json = ?9 WHERE id = ?1",
    /* A model_version_change event without a stage keeps the version's stage, and one older
     * than the version's last change (history imported out of order) changes only created_ms,
     * the first registration (registry.c). SET expressions all read the row as it was. */
    [FL_ST_W_MODEL] = "INSERT INTO model_versions(model, version, stage, ts_ms, attrs_json, "
                      "created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?4) ON CONFLICT (model, version) "
                      "DO UPDATE SET stage = CASE WHEN excluded.ts_ms >= ts_ms THEN "
                      "coalesce(excluded.stage, stage) ELSE stage END, attrs_json = CASE WHEN "
                      "excluded.ts_ms >= ts_ms THEN excluded.attrs_json ELSE attrs_json END, "
                      "created_ms = min(coalesce(created_ms, excluded.ts_ms), excluded.ts_ms), "
                      "ts_ms = max(ts_ms, excluded.ts_ms)",
    [FL_ST_N_MODELS] = "SELECT count(*) FROM (SELECT model, version FROM model_versions UNION "
                       "SELECT model, version FROM model_seen)",
    [FL_ST_N_SERIES] = "SELECT count(*) FROM series",
    [FL_ST_N_HEAD] = "SELECT count(*) FROM samples_head",
    [FL_ST_N_CHUNKED] = "SELECT coalesce(sum(n), 0) FROM chunks",
    [FL_ST_N_SPANS] = "SELECT count(*) FROM spans",
    [FL_ST_N_INFERENCES] = "SELECT count(*) FROM inferences",
    [FL_ST_N_OUTCOMES] = "SELECT count(*) FROM outcomes",
    [FL_ST_N_EVENTS] = "SELECT count(*) FROM events",
    [FL_ST_C_HEAD_SCAN] = "SELECT series_id, ts_ms, value FROM samples_head WHERE ts_ms < ?1 "
                          "ORDER BY series_id, ts_ms",
    [FL_ST_C_OVERLAP] = "SELECT id, data FROM chunks WHERE series_id = ?1 AND max_ts >= ?2 "
                        "AND min_ts <= ?3 ORDER BY id",
    [FL_ST_C_CHUNK_DEL] = "DELETE FROM chunks WHERE id = ?1",
    [FL_ST_C_CHUNK_ADD] =
        "INSERT INTO chunks(series_id, min_ts, max_ts, n, data) VALUES (?1, ?2, ?3, ?4, ?5)",
    [FL_ST_C_HEAD_DEL] = "DELETE FROM samples_head WHERE ts_ms < ?1",
    [FL_ST_R_CHUNK_N] = "SELECT coalesce(sum(n), 0) FROM chunks WHERE max_ts < ?1",
    [FL_ST_R_CHUNK] = "DELETE FROM chunks WHERE max_ts < ?1",
    [FL_ST_R_EXEMPLAR] = "DELETE FROM exemplars WHERE sample_ts_ms < ?1",
    [FL_ST_R_SBLOCKS] = "SELECT first_id, last_id FROM span_blocks WHERE min_start < ?1",
    [FL_ST_R_SPANS_RANGE] = "DELETE FROM spans WHERE id BETWEEN ?2 AND ?3 AND start_ns < ?1",
    [FL_ST_R_SBLOCK_LEFT] = "SELECT max(id), min(start_ns) FROM spans WHERE id BETWEEN ?1 AND ?2",
    [FL_ST_R_SBLOCK_SET] = "UPDATE span_blocks SET last_id = ?2, min_start = ?3 "
                           "WHERE first_id = ?1",
    [FL_ST_R_SBLOCK_DEL] = "DELETE FROM span_blocks WHERE first_id = ?1",
    /* The trace pieces inside rowid range ?1..?2 none of whose rows are left. */
    [FL_ST_R_STRACE_DEL] = "DELETE FROM span_traces WHERE first_id BETWEEN ?1 AND ?2 AND NOT "
                           "EXISTS (SELECT 1 FROM spans s WHERE s.id BETWEEN span_traces.first_id "
                           "AND span_traces.last_id AND s.trace_key = span_traces.trace_key)",
    [FL_ST_R_SBLOCK_SVC_DEL] = "DELETE FROM span_block_services WHERE block = ?1",
    [FL_ST_R_IBLOCKS] = "SELECT model_key, first_id, last_id FROM inf_blocks WHERE min_ts < ?1",
    [FL_ST_R_INF_RANGE] = "DELETE FROM inferences WHERE id BETWEEN ?2 AND ?3 AND model_key = ?4 "
                          "AND ts_ms < ?1",
    [FL_ST_R_IBLOCK_LEFT] = "SELECT max(id), min(ts_ms) FROM inferences WHERE id BETWEEN ?2 AND "
                            "?3 AND model_key = ?1",
    [FL_ST_R_IBLOCK_SET] = "UPDATE inf_blocks SET last_id = ?3, min_ts = ?4 WHERE model_key = ?1 "
                           "AND first_id = ?2",
    [FL_ST_R_IBLOCK_DEL] = "DELETE FROM inf_blocks WHERE model_key = ?1 AND first_id = ?2",
    [FL_ST_R_SEEN_N] = "UPDATE model_seen SET n = n - ?2 WHERE model_key = ?1",
    [FL_ST_R_SEEN_FIRST] = "UPDATE model_seen SET first_ms = coalesce((SELECT min(min_ts) FROM "
                           "inf_blocks b WHERE b.model_key = model_seen.model_key), first_ms) "
                           "WHERE first_ms < ?1",
    [FL_ST_R_SEEN_DROP] = "DELETE FROM model_seen WHERE n <= 0",
    [FL_ST_R_OUTCOMES] = "DELETE FROM outcomes WHERE ts_ms < ?1",
    [FL_ST_R_EVENTS] = "DELETE FROM events WHERE ts_ms < ?1 AND (end_ms IS NULL OR end_ms < ?1)",
    [FL_ST_R_SERIES] =
        "DELETE FROM series WHERE NOT EXISTS (SELECT 1 FROM samples_head h WHERE h.series_id = "
        "series.id) AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.series_id = series.id)",
    [FL_ST_Q_SERIES_NAME] = "SELECT id, labels_key FROM series WHERE name = ?1 ORDER BY id",
    [FL_ST_Q_SERIES_ALL] = "SELECT id, labels_key FROM series ORDER BY id",
    [FL_ST_Q_CHUNKS] = "SELECT data FROM chunks WHERE series_id = ?1 AND max_ts >= ?2 "
                       "AND min_ts <= ?3 ORDER BY min_ts, id",
    [FL_ST_Q_HEAD] = "SELECT ts_ms, value FROM samples_head WHERE series_id = ?1 "
                     "AND ts_ms BETWEEN ?2 AND ?3 ORDER BY ts_ms",
    [FL_ST_Q_HAS_HEAD] = "SELECT 1 FROM samples_head WHERE series_id = ?1 "
                         "AND ts_ms BETWEEN ?2 AND ?3 LIMIT 1",
    [FL_ST_Q_HAS_CHUNK] = "SELECT 1 FROM chunks WHERE series_id = ?1 AND max_ts <= ?3 "
                          "AND min_ts >= ?2 LIMIT 1",
    [FL_ST_Q_EXEMPLARS] = "SELECT sample_ts_ms, labels, value, ts_ms, trace_id FROM exemplars "
                          "WHERE series_id = ?1 AND sample_ts_ms BETWEEN ?2 AND ?3 "
                          "ORDER BY sample_ts_ms",
    [FL_ST_Q_META_ONE] = "SELECT family, type, help, unit FROM metric_meta WHERE family = ?1",
    [FL_ST_Q_META_ALL] = "SELECT family, type, help, unit FROM metric_meta ORDER BY family",
    [FL_ST_Q_TRACE] = "SELECT " SPAN_COLS_S " FROM span_traces t JOIN spans s ON s.id BETWEEN "
                      "t.first_id AND t.last_id JOIN span_origins o ON o.id = s.origin "
                      "WHERE t.trace_key = ?2 AND s.trace_key = ?2 AND s.trace_id = ?1 "
                      "ORDER BY s.start_ns, s.id",
    /* Span queries: the blocks that may hold matches, newest first, then the matches of each
     * block by rowid range (query.c keeps the newest `limit`), then each kept row by rowid. */
    [FL_ST_Q_SBLOCKS_SVC] = "SELECT first_id, last_id, max_start FROM span_blocks b "
                            "WHERE max_start >= ?3 AND min_start <= ?4 AND EXISTS (SELECT 1 "
                            "FROM span_block_services v WHERE v.block = b.first_id "
                            "AND v.service = ?1) ORDER BY max_start DESC",
    [FL_ST_Q_SBLOCKS_ANY] = "SELECT first_id, last_id, max_start FROM span_blocks "
                            "WHERE max_start >= ?3 AND min_start <= ?4 ORDER BY max_start DESC",
    [FL_ST_Q_SPANS_IN] = "SELECT id, start_ns FROM spans WHERE id BETWEEN ?8 AND ?9 "
                         "AND start_ns BETWEEN ?3 AND ?4 AND (?1 IS NULL OR service = ?1) "
                         "AND (?2 IS NULL OR name = ?2) AND end_ns - start_ns >= ?5 "
                         "AND (?6 = 0 OR status = 2)",
    [FL_ST_Q_AKEY] = "SELECT key FROM span_attr_keys WHERE id = ?1",
    [FL_ST_Q_SPAN_ONE] = "SELECT " SPAN_COLS_S " FROM" SPAN_FROM "WHERE s.id = ?1",
    /* ?2: the 64-bit key of rows written before schema 8; ?3: the request id's 32-bit hash,
     * probed in every rowid bucket (fl_store__req_key; the shift is FL_STORE_REQ_BUCKET_SHIFT). */
    [FL_ST_Q_REQ_INF] = "WITH RECURSIVE b(x) AS (SELECT (SELECT max(id) FROM inferences) >> 13 "
                        "UNION ALL SELECT x - 1 FROM b WHERE x > (SELECT min(id) FROM inferences) "
                        ">> 13) SELECT " INF_COLS " WHERE i.request_key IN (SELECT ?2 UNION ALL "
                        "SELECT (x << 32) | ?3 FROM b) AND i.request_id = ?1 "
                        "ORDER BY i.ts_ms DESC, i.id DESC LIMIT 1",
    [FL_ST_Q_SEGKEY] = "SELECT key FROM inf_seg_keys WHERE id = ?1",
    [FL_ST_Q_REQ_OUT] = "SELECT " OUT_COLS " FROM outcomes WHERE request_key = ?2 "
                        "AND request_id = ?1 "
                        "ORDER BY ts_ms, id",
    /* Inference queries: the blocks of the wanted model versions that overlap the range, oldest
     * first, then each block's matches by rowid range (query.c keeps the oldest `limit`), then
     * each kept row by rowid. */
    [FL_ST_Q_IBLOCKS_MV] = "SELECT first_id, last_id, min_ts, model_key FROM inf_blocks "
                           "WHERE model_key = ?6 AND min_ts <= ?4 AND max_ts >= ?3 "
                           "ORDER BY min_ts",
    [FL_ST_Q_IBLOCKS_M] = "SELECT first_id, last_id, min_ts, model_key FROM inf_blocks "
                          "WHERE model_key IN (SELECT model_key FROM model_seen WHERE model = ?1) "
                          "AND min_ts <= ?4 AND max_ts >= ?3 ORDER BY min_ts",
    [FL_ST_Q_IBLOCKS_ANY] = "SELECT first_id, last_id, min_ts, model_key FROM inf_blocks "
                            "WHERE model_key IN (SELECT model_key FROM model_seen WHERE ?2 IS NULL "
                            "OR version = ?2) AND min_ts <= ?4 AND max_ts >= ?3 ORDER BY min_ts",
    [FL_ST_Q_INF_IN] = "SELECT id, ts_ms FROM inferences WHERE id BETWEEN ?8 AND ?9 "
                       "AND model_key = ?7 AND ts_ms BETWEEN ?3 AND ?4 "
                       "AND (?1 IS NULL OR model = ?1) AND (?2 IS NULL OR model_version = ?2)",
    [FL_ST_Q_INF_ONE] = "SELECT " INF_COLS " WHERE i.id = ?1",
    [FL_ST_Q_OUTCOMES] = "SELECT " OUT_COLS " FROM outcomes WHERE ts_ms BETWEEN ?1 AND ?2 "
                         "ORDER BY ts_ms, id",
    [FL_ST_Q_EVENTS] = "SELECT " EVENT_COLS " FROM events WHERE ts_ms BETWEEN ?1 AND ?2 "
                       "AND (?3 IS NULL OR kind = ?3) AND (?4 IS NULL OR component = ?4) "
                       "ORDER BY ts_ms, rowid LIMIT ?5",
    [FL_ST_Q_MODELS] =
        "SELECT v.model, v.version, v.stage, v.ts_ms, v.attrs_json, s.first_ms, s.last_ms, s.n "
        "FROM model_versions v LEFT JOIN model_seen s ON s.model = v.model "
        "AND s.version = v.version WHERE ?1 IS NULL OR v.model = ?1 "
        "UNION ALL "
        "SELECT s.model, s.version, NULL, NULL, NULL, s.first_ms, s.last_ms, s.n "
        "FROM model_seen s WHERE (?1 IS NULL OR s.model = ?1) AND NOT EXISTS (SELECT 1 FROM "
        "model_versions v WHERE v.model = s.model AND v.version = s.version) ORDER BY 1, 2",
    /* ---- model registry and freshness (registry.c, schema migration 5) ---- */
    [FL_ST_W_REG_GET] = "SELECT stage FROM model_versions WHERE model = ?1 AND version = ?2",
    [FL_ST_W_REG_SEEN] = "SELECT 1 FROM model_seen WHERE model = ?1 AND version = ?2",
    [FL_ST_W_REG_INS] = "INSERT INTO model_versions(model, version, stage, ts_ms, created_ms) "
                        "VALUES (?1, ?2, NULL, ?3, ?3)",
    [FL_ST_W_REG_STAGE] = "UPDATE model_versions SET stage = ?3, ts_ms = ?4 WHERE model = ?1 "
                          "AND version = ?2",
    [FL_ST_W_REG_DESC] = "UPDATE model_versions SET description = ?3 WHERE model = ?1 "
                         "AND version = ?2",
    [FL_ST_W_REG_TRAIN] = "UPDATE model_versions SET train_from_ms = coalesce(?3, train_from_ms), "
                          "train_to_ms = coalesce(?4, train_to_ms) WHERE model = ?1 "
                          "AND version = ?2",
    [FL_ST_W_REG_PROFILE] = "UPDATE model_versions SET reference_profile = ?3 WHERE model = ?1 "
                            "AND version = ?2",
    [FL_ST_W_REG_SCHEMA] = "UPDATE model_versions SET schema_text = ?3 WHERE model = ?1 "
                           "AND version = ?2",
    [FL_ST_W_REG_METRIC] = "INSERT INTO model_metrics(model, version, name, value) "
                           "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (model, version, name) "
                           "DO UPDATE SET value = excluded.value",
    [FL_ST_W_REG_ARCHIVE] = "UPDATE model_versions SET stage = 'archived', ts_ms = ?4 "
                            "WHERE model = ?1 AND stage = ?3 AND version <> ?2 RETURNING version",
    [FL_ST_W_ALIAS_GET] = "SELECT version FROM model_aliases WHERE model = ?1 AND alias = ?2",
    [FL_ST_W_ALIAS_SET] = "INSERT INTO model_aliases(model, alias, version, ts_ms) "
                          "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (model, alias) DO UPDATE SET "
                          "version = excluded.version, ts_ms = excluded.ts_ms",
    [FL_ST_W_ALIAS_DEL] = "DELETE FROM model_aliases WHERE model = ?1 AND alias = ?2",
    [FL_ST_W_WATCH_ADD] = "INSERT INTO freshness_watch(component, since_ms) VALUES (?1, ?2) "
                          "ON CONFLICT (component) DO NOTHING",
    [FL_ST_Q_WATCH] = "SELECT since_ms FROM freshness_watch WHERE component = ?1",
    /* Registered versions and versions only seen serving, in registration (else first-seen)
     * order per model. */
    [FL_ST_Q_REG_VERSIONS] =
        "SELECT * FROM (SELECT v.model AS m, v.version AS ver, v.stage, v.ts_ms, v.attrs_json, "
        "coalesce(v.created_ms, v.ts_ms) AS c, v.description, v.train_from_ms, v.train_to_ms, "
        "length(v.reference_profile), length(v.schema_text), s.first_ms AS f, s.last_ms, s.n, 1 "
        "FROM model_versions v LEFT JOIN model_seen s ON s.model = v.model "
        "AND s.version = v.version WHERE ?1 IS NULL OR v.model = ?1 "
        "UNION ALL "
        "SELECT s.model, s.version, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
        "s.first_ms, s.last_ms, s.n, 0 FROM model_seen s WHERE (?1 IS NULL OR s.model = ?1) "
        "AND NOT EXISTS (SELECT 1 FROM model_versions v WHERE v.model = s.model "
        "AND v.version = s.version)) ORDER BY m, coalesce(c, f), ver",
    [FL_ST_Q_REG_ARTIFACTS] = "SELECT reference_profile, schema_text FROM model_versions "
                              "WHERE model = ?1 AND version = ?2",
    [FL_ST_Q_REG_METRICS] = "SELECT name, value FROM model_metrics WHERE model = ?1 "
                            "AND version = ?2 ORDER BY name",
    [FL_ST_Q_REG_ALIASES_V] = "SELECT alias FROM model_aliases WHERE model = ?1 "
                              "AND version = ?2 ORDER BY alias",
    [FL_ST_Q_REG_ALIASES_M] = "SELECT alias, version, ts_ms FROM model_aliases WHERE model = ?1 "
                              "ORDER BY alias",
    /* The earliest model_version_change event naming each (model, version): attributes.model
     * and attributes.version (or to_version; numbers read as their text). */
    [FL_ST_Q_REG_FIRST_CHANGE] =
        "SELECT m, v, min(ts_ms) FROM (SELECT ts_ms, CASE WHEN json_valid(attrs_json) THEN "
        "attrs_json ->> '$.model' END AS m, CAST(CASE WHEN json_valid(attrs_json) THEN "
        "coalesce(attrs_json ->> '$.version', attrs_json ->> '$.to_version') END AS TEXT) AS v "
        "FROM events WHERE kind = 'model_version_change') WHERE m IS NOT NULL AND v IS NOT NULL "
        "AND (?1 IS NULL OR m = ?1) GROUP BY m, v",
    [FL_ST_Q_REG_CHANGES] = "SELECT " EVENT_COLS " FROM events WHERE kind = "
                            "'model_version_change' AND ts_ms BETWEEN ?2 AND ?3 AND CASE WHEN "
                            "json_valid(attrs_json) THEN attrs_json ->> '$.model' END = ?1 "
                            "ORDER BY ts_ms, rowid LIMIT ?4",
    /* Traffic: the blocks of every version of model ?1 overlapping [?2, ?3], by rowid (registry.c
     * merges overlapping ranges), then per merged range the version and time of each row
     * (counted in C: a GROUP BY here cost twice the scan itself). */
    [FL_ST_Q_TRAFFIC_BLOCKS] = "SELECT first_id, last_id FROM inf_blocks WHERE model_key IN "
                               "(SELECT model_key FROM model_seen WHERE model = ?1) "
                               "AND min_ts <= ?3 AND max_ts >= ?2 ORDER BY first_id",
    [FL_ST_Q_TRAFFIC_COUNT] = "SELECT model_version, ts_ms FROM inferences "
                              "WHERE id BETWEEN ?1 AND ?2 AND ts_ms BETWEEN ?3 AND ?5 "
                              "AND model = ?4",
    /* Feature status counts: the blocks by rowid (registry.c merges them and walks the ranges
     * newest first), then the rows of each range newest first. */
    [FL_ST_Q_FSTAT_BLOCKS] = "SELECT first_id, last_id FROM inf_blocks WHERE (?1 IS NULL OR "
                             "model_key IN (SELECT model_key FROM model_seen WHERE model = ?1)) "
                             "AND min_ts <= ?3 AND max_ts >= ?2 ORDER BY first_id",
    [FL_ST_Q_FSTAT_ROWS] = "SELECT model, feature_set, features FROM inferences WHERE id BETWEEN "
                           "?1 AND ?2 AND ts_ms BETWEEN ?3 AND ?4 AND (?5 IS NULL OR model = ?5) "
                           "ORDER BY id DESC",
    [FL_ST_Q_FSET] = "SELECT names FROM feature_sets WHERE id = ?1",
    [FL_ST_Q_RUNS] = "SELECT " EVENT_COLS " FROM events WHERE component = ?1 AND kind IN "
                     "('batch_run', 'feature_pipeline_run') AND ts_ms <= ?2 AND (?3 IS NULL OR "
                     "status = ?3) ORDER BY ts_ms DESC, rowid DESC LIMIT ?4",
    /* ---- live monitoring: window profiles and drift results (profiles.c, migration 6) ---- */
    [FL_ST_W_WIN_PUT] = "INSERT INTO window_profiles(model, version, start_ms, end_ms, rows, "
                        "profile) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (model, version, "
                        "start_ms) DO UPDATE SET end_ms = excluded.end_ms, rows = excluded.rows, "
                        "profile = excluded.profile",
    [FL_ST_W_DRUN_PUT] =
        "INSERT INTO drift_runs(model, version, start_ms, end_ms, baseline, baseline_source, "
        "baseline_start_ms, baseline_end_ms, status, message, ref_rows, cur_rows, n_features, "
        "n_drifted, share, dataset_drift) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
        "?12, ?13, ?14, ?15, ?16) ON CONFLICT (model, version, start_ms, baseline) DO UPDATE SET "
        "end_ms = excluded.end_ms, baseline_source = excluded.baseline_source, "
        "baseline_start_ms = excluded.baseline_start_ms, baseline_end_ms = "
        "excluded.baseline_end_ms, status = excluded.status, message = excluded.message, "
        "ref_rows = excluded.ref_rows, cur_rows = excluded.cur_rows, n_features = "
        "excluded.n_features, n_drifted = excluded.n_drifted, share = excluded.share, "
        "dataset_drift = excluded.dataset_drift RETURNING id",
    [FL_ST_W_DROWS_DEL] = "DELETE FROM drift_rows WHERE run = ?1",
    [FL_ST_W_DROW_ADD] = "INSERT INTO drift_rows(run, feature, check_kind, method, kind, "
                         "stat_name, statistic, pvalue, score, threshold, drifted, exact, n_ref, "
                         "n_cur, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                         "?12, ?13, ?14, ?15)",
    /* Windows of model ?1 (version ?2, NULL = any) starting in [?3, ?4], with the profile when
     * ?5, oldest (or newest) first, at most ?6. */
    [FL_ST_Q_WINDOWS] = "SELECT model, version, start_ms, end_ms, rows, CASE WHEN ?5 THEN "
                        "profile END FROM window_profiles WHERE model = ?1 AND (?2 IS NULL OR "
                        "version = ?2) AND start_ms BETWEEN ?3 AND ?4 ORDER BY start_ms, version "
                        "LIMIT ?6",
    [FL_ST_Q_WINDOWS_DESC] = "SELECT model, version, start_ms, end_ms, rows, CASE WHEN ?5 THEN "
                             "profile END FROM window_profiles WHERE model = ?1 AND (?2 IS NULL "
                             "OR version = ?2) AND start_ms BETWEEN ?3 AND ?4 ORDER BY start_ms "
                             "DESC, version LIMIT ?6",
    [FL_ST_Q_DRUNS] = "SELECT id, model, version, start_ms, end_ms, baseline, baseline_source, "
                      "baseline_start_ms, baseline_end_ms, status, message, ref_rows, cur_rows, "
                      "n_features, n_drifted, share, dataset_drift FROM drift_runs WHERE "
                      "model = ?1 AND (?2 IS NULL OR version = ?2) AND start_ms BETWEEN ?3 AND ?4 "
                      "ORDER BY start_ms, version, baseline LIMIT ?5",
    [FL_ST_Q_DROWS] = "SELECT feature, check_kind, method, kind, stat_name, statistic, pvalue, "
                      "score, threshold, drifted, exact, n_ref, n_cur, detail FROM drift_rows "
                      "WHERE run = ?1 ORDER BY rowid",
    [FL_ST_R_WIN] = "DELETE FROM window_profiles WHERE end_ms < ?1",
    [FL_ST_R_DROWS] = "DELETE FROM drift_rows WHERE run IN (SELECT id FROM drift_runs "
                      "WHERE end_ms < ?1)",
    [FL_ST_R_DRUNS] = "DELETE FROM drift_runs WHERE end_ms < ?1",
};

/* ---- small helpers ---- */

fl_err fl_store__sqlerr(sqlite3 *db, int rc, struct fl_diag *d, const char *what)
{
    fl_err e;
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        e = FL_ENOMEM;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        e = FL_EBUSY;
        break;
    case SQLITE_CONSTRAINT:
        e = FL_EINVAL;
        break;
    default:
        e = FL_ESTORE;
    }
    fl_diag_set(d, e, 0, 0, "%s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    return e;
}

fl_err fl_store__stmt(struct fl_store__conn *c, enum fl_store__stmt id, sqlite3_stmt **out,
                      struct fl_diag *d)
{
    sqlite3_stmt *st = c->st[id];
    if (!st) {
        int rc =
            sqlite3_prepare_v3(c->db, fl_store__sql[id], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        if (rc != SQLITE_OK)
            return fl_store__sqlerr(c->db, rc, d, "prepare");
        c->st[id] = st;
    } else {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    *out = st;
    return FL_OK;
}

fl_err fl_store__run(struct fl_store__conn *c, sqlite3_stmt *st, struct fl_diag *d,
                     const char *what)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    fl_err e = rc == SQLITE_DONE ? FL_OK : fl_store__sqlerr(c->db, rc, d, what);
    sqlite3_reset(st);
    return e;
}

fl_err fl_store__int(struct fl_store__conn *c, enum fl_store__stmt id, int use_arg, int64_t arg1,
                     int64_t *out, struct fl_diag *d)
{
    sqlite3_stmt *st;
    fl_err e;
    if ((e = fl_store__stmt(c, id, &st, d)) != FL_OK)
        return e;
    if (use_arg && sqlite3_bind_int64(st, 1, arg1) != SQLITE_OK)
        return fl_store__sqlerr(c->db, SQLITE_ERROR, d, "bind");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_DONE;
    }
    e = rc == SQLITE_DONE ? FL_OK : fl_store__sqlerr(c->db, rc, d, "query");
    sqlite3_reset(st);
    return e;
}

int fl_store__bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

int fl_store__bind_double(sqlite3_stmt *st, int i, double v)
{
    return isnan(v) ? sqlite3_bind_null(st, i) : sqlite3_bind_double(st, i, v);
}

const char *fl_store__col_text(sqlite3_stmt *st, int i, const char *dflt)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : dflt;
}

int64_t fl_store__col_ts(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? FL_TS_NONE : sqlite3_column_int64(st, i);
}

int64_t fl_store__limit(size_t limit, int64_t dflt)
{
    if (limit == 0)
        return dflt;
    return limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit;
}

double fl_store__col_double(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

void *fl_store__grow(void *p, size_t *cap, size_t need, size_t elem, int *failed)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 256;
    while (c < need) {
        if (c > SIZE_MAX / 2) {
            *failed = 1;
            return p;
        }
        c *= 2;
    }
    void *np = fl_reallocarray(p, c, elem);
    if (!np) {
        *failed = 1;
        return p;
    }
    *cap = c;
    return np;
}

int64_t fl_store__key(const char *s)
{
    /* FNV-1a 64; stored on disk, so it must never change. */
    uint64_t h = UINT64_C(14695981039346656037);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        h ^= *p;
        h *= UINT64_C(1099511628211);
    }
    return (int64_t)h;
}

int64_t fl_store__req_key(const char *s, int64_t rowid)
{
    /* The hash's high half: FNV-1a's low bits mix poorly (the prime's low 32 bits are 435). */
    uint64_t bucket = (uint64_t)(rowid >> FL_STORE_REQ_BUCKET_SHIFT);
    return (int64_t)(bucket << 32 | (uint64_t)fl_store__key(s) >> 32);
}

int64_t fl_store__key2(const char *a, const char *b)
{
    uint64_t h = (uint64_t)fl_store__key(a);
    h ^= 0xff; /* a byte no UTF-8 string contains separates the parts */
    h *= UINT64_C(1099511628211);
    for (const unsigned char *p = (const unsigned char *)(b ? b : ""); *p; p++) {
        h ^= *p;
        h *= UINT64_C(1099511628211);
    }
    return (int64_t)h;
}

int64_t fl_store__dbl_bits(double v)
{
    int64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

double fl_store__bits_dbl(int64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

/* ---- connections ---- */

static void conn_close(struct fl_store__conn *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < FL_ST__COUNT; i++) {
        sqlite3_finalize(c->st[i]);
        c->st[i] = NULL;
    }
    if (c->db)
        sqlite3_close_v2(c->db);
    c->db = NULL;
}

static fl_err exec_pragmas(sqlite3 *db, const char *sql, struct fl_diag *d)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return FL_OK;
    fl_diag_set(d, FL_ESTORE, 0, 0, "configuring %s: %s", sqlite3_db_filename(db, "main"),
                msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return FL_ESTORE;
}

/* Process-wide SQLite settings, applied once before the library initialises. Memory statistics
 * off: with them on, every SQLite allocation takes a global mutex (about 2% of a write). If the
 * library was initialised already (sqlite3_config then returns SQLITE_MISUSE) nothing changes. */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void sqlite_configure(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static fl_err conn_open(const char *path, int writer, struct fl_store__conn *c, struct fl_diag *d)
{
    int flags = SQLITE_OPEN_NOMUTEX |
                (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
    memset(c, 0, sizeof *c);
    pthread_once(&sqlite_once, sqlite_configure);
    int rc = sqlite3_open_v2(path, &c->db, flags, NULL);
    if (rc != SQLITE_OK) {
        fl_diag_set(d, rc == SQLITE_NOMEM ? FL_ENOMEM : FL_ESTORE, 0, 0, "cannot open %s: %s", path,
                    c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        conn_close(c);
        return rc == SQLITE_NOMEM ? FL_ENOMEM : FL_ESTORE;
    }
    sqlite3_extended_result_codes(c->db, 0);
    sqlite3_busy_timeout(c->db, FL_STORE_BUSY_TIMEOUT_MS);
    fl_err e;
    if (writer) {
        /* journal_mode returns a row; check that WAL was really entered. */
        sqlite3_stmt *st = NULL;
        rc = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
        if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *mode = (const char *)sqlite3_column_text(st, 0);
            rc = mode && !strcmp(mode, "wal") ? SQLITE_OK : SQLITE_CANTOPEN;
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_OK) {
            e = fl_diag_set(d, FL_ESTORE, 0, 0, "cannot switch %s to WAL mode: %s", path,
                            sqlite3_errmsg(c->db));
            conn_close(c);
            return e;
        }
        e = exec_pragmas(c->db,
                         "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
                         "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536; "
                         "PRAGMA journal_size_limit = 67108864; "
                         "PRAGMA wal_autocheckpoint = 8192;",
                         d);
    } else {
        e = exec_pragmas(c->db, "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16384;", d);
    }
    if (e != FL_OK)
        conn_close(c);
    return e;
}

fl_err fl_store__reader_get(struct fl_store *s, struct fl_store__conn **out, struct fl_diag *d)
{
    fl_err e = FL_OK;
    pthread_mutex_lock(&s->rmu);
    for (;;) {
        for (size_t i = 0; i < s->n_readers; i++) {
            if (!s->readers[i]->busy) {
                s->readers[i]->busy = 1;
                *out = s->readers[i];
                goto out;
            }
        }
        if (s->n_readers < FL_STORE_MAX_READERS) {
            struct fl_store__conn *c = fl_calloc(1, sizeof *c);
            if (!c) {
                e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory opening a reader");
                goto out;
            }
            if ((e = conn_open(s->path, 0, c, d)) != FL_OK) {
                fl_free(c);
                goto out;
            }
            c->busy = 1;
            s->readers[s->n_readers++] = c;
            *out = c;
            goto out;
        }
        pthread_cond_wait(&s->rcv, &s->rmu);
    }
out:
    pthread_mutex_unlock(&s->rmu);
    return e;
}

void fl_store__reader_put(struct fl_store *s, struct fl_store__conn *c)
{
    if (!c)
        return;
    /* Reset every statement so the connection holds no read snapshot while idle (it would keep
     * the WAL from being checkpointed). */
    for (size_t i = 0; i < FL_ST__COUNT; i++)
        if (c->st[i])
            sqlite3_reset(c->st[i]);
    pthread_mutex_lock(&s->rmu);
    c->busy = 0;
    pthread_cond_signal(&s->rcv);
    pthread_mutex_unlock(&s->rmu);
}

fl_err fl_store__read_begin(struct fl_store *s, struct fl_store__conn **c, struct fl_diag *d)
{
    fl_err e = fl_store__reader_get(s, c, d);
    if (e != FL_OK)
        return e;
    int rc = sqlite3_exec((*c)->db, "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        e = fl_store__sqlerr((*c)->db, rc, d, "begin read");
        fl_store__reader_put(s, *c);
        *c = NULL;
    }
    return e;
}

void fl_store__read_end(struct fl_store *s, struct fl_store__conn *c)
{
    if (!c)
        return;
    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    fl_store__reader_put(s, c);
}

/* ---- transactions, counts, cache ---- */

static fl_err simple(struct fl_store *s, enum fl_store__stmt id, struct fl_diag *d,
                     const char *what)
{
    sqlite3_stmt *st;
    fl_err e = fl_store__stmt(&s->w, id, &st, d);
    return e != FL_OK ? e : fl_store__run(&s->w, st, d, what);
}

fl_err fl_store__begin(struct fl_store *s, struct fl_diag *d)
{
    return simple(s, FL_ST_W_BEGIN, d, "begin transaction");
}

fl_err fl_store__commit(struct fl_store *s, struct fl_diag *d)
{
    return simple(s, FL_ST_W_COMMIT, d, "commit");
}

/* Reset every prepared statement of the writer (a pending one makes ROLLBACK fail). */
static void reset_writer_statements(struct fl_store *s)
{
    for (size_t i = 0; i < FL_ST__COUNT; i++)
        if (s->w.st[i])
            sqlite3_reset(s->w.st[i]);
}

void fl_store__rollback(struct fl_store *s)
{
    /* Reset every statement first: a pending statement would make ROLLBACK fail with BUSY in
     * old SQLite versions; and the transaction may already be gone (e.g. after SQLITE_FULL). */
    reset_writer_statements(s);
    if (!sqlite3_get_autocommit(s->w.db)) {
        fl_err e = simple(s, FL_ST_W_ROLLBACK, NULL, "rollback");
        (void)e; /* nothing more to do: the connection reports the cause on the next call */
    }
}

fl_err fl_store__savepoint(struct fl_store *s, struct fl_diag *d)
{
    return simple(s, FL_ST_W_SAVEPOINT, d, "savepoint");
}

fl_err fl_store__release(struct fl_store *s, struct fl_diag *d)
{
    return simple(s, FL_ST_W_RELEASE, d, "release savepoint");
}

fl_err fl_store__rollback_to(struct fl_store *s)
{
    reset_writer_statements(s);
    if (sqlite3_get_autocommit(s->w.db))
        return FL_ESTORE; /* the transaction is gone (e.g. SQLite rolled it back on an I/O error) */
    fl_err e = simple(s, FL_ST_W_ROLLBACK_TO, NULL, "rollback to savepoint");
    if (e == FL_OK)
        e = simple(s, FL_ST_W_RELEASE, NULL, "release savepoint");
    return e;
}

void fl_store__counts_add(struct fl_store *s, const struct fl_store__counts *x)
{
    pthread_mutex_lock(&s->cmu);
    s->counts.series += x->series;
    s->counts.samples += x->samples;
    s->counts.spans += x->spans;
    s->counts.inferences += x->inferences;
    s->counts.outcomes += x->outcomes;
    s->counts.events += x->events;
    if (x->models >= 0)
        s->counts.models = x->models; /* absolute: recounted inside the transaction */
    pthread_mutex_unlock(&s->cmu);
}

fl_err fl_store__cache_reset(struct fl_store *s)
{
    struct fl_map *m = fl_map_new(NULL, FL_LIMIT_MAP_ENTRIES);
    if (!m)
        return FL_ENOMEM;
    fl_map_free(s->series_cache);
    s->series_cache = m;
    return FL_OK;
}

static fl_err count_all(struct fl_store__conn *c, struct fl_store__counts *n, struct fl_diag *d)
{
    int64_t head = 0, chunked = 0;
    fl_err e;
    if ((e = fl_store__int(c, FL_ST_N_SERIES, 0, 0, &n->series, d)) != FL_OK ||
        (e = fl_store__int(c, FL_ST_N_HEAD, 0, 0, &head, d)) != FL_OK ||
        (e = fl_store__int(c, FL_ST_N_CHUNKED, 0, 0, &chunked, d)) != FL_OK ||
        (e = fl_store__int(c, FL_ST_N_SPANS, 0, 0, &n->spans, d)) != FL_OK ||
        (e = fl_store__int(c, FL_ST_N_INFERENCES, 0, 0, &n->inferences, d)) != FL_OK ||
        (e = fl_store__int(c, FL_ST_N_OUTCOMES, 0, 0, &n->outcomes, d)) != FL_OK ||
        (e = fl_store__int(c, FL_ST_N_EVENTS, 0, 0, &n->events, d)) != FL_OK ||
        (e = fl_store__int(c, FL_ST_N_MODELS, 0, 0, &n->models, d)) != FL_OK)
        return e;
    n->samples = head + chunked;
    return FL_OK;
}

/* ---- open / close ---- */

void fl_store_opts_default(struct fl_store_opts *o)
{
    memset(o, 0, sizeof *o);
    o->retention_ms = INT64_C(15) * 24 * 3600 * 1000;
    o->chunk_span_ms = INT64_C(2) * 3600 * 1000;
    o->read_only = false;
}

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = fl_malloc(la + lb + 2);
    if (!p)
        return NULL;
    memcpy(p, a, la);
    p[la] = '/';
    memcpy(p + la + 1, b, lb + 1);
    return p;
}

static fl_err ensure_dir(const char *dir, int read_only, struct fl_diag *d)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return fl_diag_set(d, FL_EIO, 0, 0, "data directory %s is not a directory", dir);
        return FL_OK;
    }
    if (errno != ENOENT || read_only)
        return fl_diag_set(d, FL_EIO, 0, 0, "cannot use data directory %s: %s", dir,
                           strerror(errno));
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return fl_diag_set(d, FL_EIO, 0, 0, "cannot create data directory %s: %s", dir,
                           strerror(errno));
    return FL_OK;
}

fl_err fl_store_open(const char *dir, const struct fl_store_opts *opts, struct fl_store **out,
                     struct fl_diag *d)
{
    struct fl_store *s = NULL;
    struct fl_store__conn *rd = NULL;
    fl_err e;

    *out = NULL;
    if (!dir || !*dir)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no data directory given");
    if (!(s = fl_calloc(1, sizeof *s)))
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    s->span_block_rows = FL_STORE_BLOCK_ROWS;
    s->inf_block_rows = FL_STORE_BLOCK_ROWS;
    if (opts)
        s->opts = *opts;
    else
        fl_store_opts_default(&s->opts);
    if (s->opts.chunk_span_ms <= 0 || s->opts.retention_ms <= 0) {
        fl_free(s);
        return fl_diag_set(d, FL_EINVAL, 0, 0, "retention and chunk span must be positive");
    }
    pthread_mutex_init(&s->wmu, NULL);
    pthread_mutex_init(&s->gmu, NULL);
    pthread_cond_init(&s->gcv, NULL);
    pthread_mutex_init(&s->rmu, NULL);
    pthread_mutex_init(&s->cmu, NULL);
    pthread_mutex_init(&s->akmu, NULL);
    pthread_mutex_init(&s->skmu, NULL);
    pthread_cond_init(&s->rcv, NULL);
    fl_buf_init(&s->scratch, FL_LIMIT_BATCH_ARENA_BYTES);
    fl_buf_init(&s->scratch2, FL_LIMIT_BATCH_ARENA_BYTES);

    if ((e = ensure_dir(dir, s->opts.read_only, d)) != FL_OK)
        goto out;
    if (!(s->path = join(dir, FL_STORE_DB_NAME)) ||
        !(s->wal_path = join(dir, FL_STORE_DB_NAME "-wal")) ||
        !(s->series_cache = fl_map_new(NULL, FL_LIMIT_MAP_ENTRIES)) ||
        !(s->fset_cache = fl_map_new(NULL, FL_LIMIT_MAP_ENTRIES)) ||
        !(s->origin_cache = fl_map_new(NULL, FL_LIMIT_MAP_ENTRIES)) ||
        !(s->akey_cache = fl_map_new(NULL, FL_LIMIT_MAP_ENTRIES)) ||
        !(s->segkey_cache = fl_map_new(NULL, FL_LIMIT_MAP_ENTRIES))) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        goto out;
    }
    if (!s->opts.read_only) {
        if ((e = conn_open(s->path, 1, &s->w, d)) != FL_OK)
            goto out;
        if ((e = fl_store__migrate(s->w.db, 0, d)) != FL_OK)
            goto out;
        e = count_all(&s->w, &s->counts, d);
    } else {
        if ((e = fl_store__reader_get(s, &rd, d)) != FL_OK)
            goto out;
        if ((e = fl_store__migrate(rd->db, 1, d)) == FL_OK)
            e = count_all(rd, &s->counts, d);
        fl_store__reader_put(s, rd);
    }
out:
    if (e != FL_OK) {
        fl_store_free(s);
        return e;
    }
    *out = s;
    return FL_OK;
}

void fl_store_free(struct fl_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_readers; i++) {
        conn_close(s->readers[i]);
        fl_free(s->readers[i]);
    }
    conn_close(&s->w);
    fl_map_free(s->series_cache);
    fl_map_free(s->fset_cache);
    fl_map_free(s->origin_cache);
    fl_map_free(s->akey_cache);
    for (size_t i = 0; i < s->n_akeys; i++)
        fl_free((void *)s->akeys[i].p);
    fl_free(s->akeys);
    fl_map_free(s->segkey_cache);
    for (size_t i = 0; i < s->n_segkeys; i++)
        fl_free(s->segkeys[i]);
    fl_free(s->segkeys);
    fl_buf_cleanup(&s->scratch);
    fl_buf_cleanup(&s->scratch2);
    pthread_cond_destroy(&s->rcv);
    pthread_mutex_destroy(&s->cmu);
    pthread_mutex_destroy(&s->akmu);
    pthread_mutex_destroy(&s->skmu);
    pthread_mutex_destroy(&s->rmu);
    pthread_mutex_destroy(&s->wmu);
    pthread_cond_destroy(&s->gcv);
    pthread_mutex_destroy(&s->gmu);
    fl_free(s->path);
    fl_free(s->wal_path);
    fl_free(s);
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0 ? (uint64_t)st.st_size : 0;
}

static uint64_t nonneg(int64_t v)
{
    return v > 0 ? (uint64_t)v : 0;
}

fl_err fl_store_stats(struct fl_store *s, struct fl_store_stats *out)
{
    if (!s || !out)
        return FL_EINVAL;
    memset(out, 0, sizeof *out);
    out->bytes = file_size(s->path) + file_size(s->wal_path);
    pthread_mutex_lock(&s->cmu);
    out->n_series = nonneg(s->counts.series);
    out->n_samples = nonneg(s->counts.samples);
    out->n_spans = nonneg(s->counts.spans);
    out->n_inferences = nonneg(s->counts.inferences);
    out->n_outcomes = nonneg(s->counts.outcomes);
    out->n_events = nonneg(s->counts.events);
    out->n_models = nonneg(s->counts.models);
    pthread_mutex_unlock(&s->cmu);
    return FL_OK;
}
