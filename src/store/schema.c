/* SPDX-License-Identifier: Apache-2.0 */
/*
 * schema.c: the store's schema as an ordered table of migration steps.
 *
 * Step k brings the database from user_version k-1 to k. Each step runs in its own transaction
 * together with the `PRAGMA user_version = k` that closes its SQL text, so a crash leaves the
 * database at a whole version. Steps are static SQL (no values are ever formatted in). A database
 * whose user_version is newer than the last step is refused: this code does not know its layout.
 * Append new steps; never edit a released one.
 */
#include <stdint.h>

#include "store_int.h"

struct step {
    int version;
    const char *sql;
};

static const struct step steps[] = {
    {1,
     "PRAGMA application_id = 1179407428;\n"
     /* Series: labels_key is the canonical binary encoding of the sorted label set (codec.h). */
     "CREATE TABLE series (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  hash INTEGER NOT NULL,\n"
     "  labels_key BLOB NOT NULL UNIQUE,\n"
     "  name TEXT NOT NULL\n"
     ");\n"
     "CREATE INDEX series_name ON series(name);\n"
     /* Head samples; value holds the IEEE-754 bits so NaN payloads and -0.0 survive exactly. */
     "CREATE TABLE samples_head (\n"
     "  series_id INTEGER NOT NULL REFERENCES series(id),\n"
     "  ts_ms INTEGER NOT NULL,\n"
     "  value INTEGER NOT NULL,\n"
     "  PRIMARY KEY (series_id, ts_ms)\n"
     ") WITHOUT ROWID;\n"
     "CREATE TABLE chunks (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  series_id INTEGER NOT NULL REFERENCES series(id),\n"
     "  min_ts INTEGER NOT NULL,\n"
     "  max_ts INTEGER NOT NULL,\n"
     "  n INTEGER NOT NULL,\n"
     "  data BLOB NOT NULL\n"
     ");\n"
     "CREATE INDEX chunks_series ON chunks(series_id, max_ts);\n"
     "CREATE TABLE exemplars (\n"
     "  series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,\n"
     "  sample_ts_ms INTEGER NOT NULL,\n"
     "  labels BLOB NOT NULL,\n"
     "  value INTEGER NOT NULL,\n"
     "  ts_ms INTEGER,\n"
     "  trace_id TEXT,\n"
     "  PRIMARY KEY (series_id, sample_ts_ms)\n"
     ") WITHOUT ROWID;\n"
     "CREATE INDEX exemplars_trace ON exemplars(trace_id) WHERE trace_id IS NOT NULL;\n"
     "CREATE TABLE metric_meta (\n"
     "  family TEXT PRIMARY KEY,\n"
     "  type TEXT,\n"
     "  help TEXT,\n"
     "  unit TEXT\n"
     ");\n"
     /* trace_key/span_key: 64-bit hashes of the ids (fl_store__key), so that the randomly
      * ordered unique index stays small: a batch dirties far fewer index pages. */
     "CREATE TABLE spans (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  trace_key INTEGER NOT NULL,\n"
     "  span_key INTEGER NOT NULL,\n"
     "  trace_id TEXT NOT NULL,\n"
     "  span_id TEXT NOT NULL,\n"
     "  parent TEXT NOT NULL,\n"
     "  service TEXT NOT NULL,\n"
     "  name TEXT NOT NULL,\n"
     "  kind INTEGER NOT NULL,\n"
     "  start_ns INTEGER NOT NULL,\n"
     "  end_ns INTEGER NOT NULL,\n"
     "  status INTEGER NOT NULL,\n"
     "  message TEXT NOT NULL,\n"
     "  scope TEXT NOT NULL,\n"
     "  attrs_json TEXT,\n"
     "  resource_json TEXT,\n"
     "  events_json TEXT,\n"
     "  links_json TEXT,\n"
     "  UNIQUE (trace_key, span_key)\n"
     ");\n"
     "CREATE INDEX spans_service ON spans(service, start_ns);\n"
     "CREATE INDEX spans_start ON spans(start_ns);\n"
     /* A distinct list of feature names, stored once; rows keep only the values. */
     "CREATE TABLE feature_sets (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  names BLOB NOT NULL UNIQUE\n"
     ");\n"
     /* features/scores/segments are compact binary encodings (codec.h): one row per inference. */
     "CREATE TABLE inferences (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  ts_ms INTEGER NOT NULL,\n"
     "  request_key INTEGER NOT NULL,\n"
     "  request_id TEXT NOT NULL,\n"
     "  trace_id TEXT,\n"
     "  model_key INTEGER NOT NULL,\n"
     "  model TEXT NOT NULL,\n"
     "  model_version TEXT NOT NULL,\n"
     "  feature_set INTEGER NOT NULL,\n"
     "  features BLOB NOT NULL,\n"
     "  pred_kind INTEGER NOT NULL,\n"
     "  score REAL,\n"
     "  pred_class TEXT,\n"
     "  scores BLOB,\n"
     "  segments BLOB NOT NULL,\n"
     "  latency_ms REAL\n"
     ");\n"
     "CREATE INDEX inferences_request ON inferences(request_key);\n"
     /* One time index per model version (model_key = fl_store__key2(model, version)); queries
      * over all versions walk model_seen's keys. Fewer, integer-keyed indexes keep the insert
      * rate up: each secondary index costs about a third of it. */
     "CREATE INDEX inferences_model ON inferences(model_key, ts_ms);\n"
     "CREATE TABLE outcomes (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  ts_ms INTEGER NOT NULL,\n"
     "  request_key INTEGER NOT NULL,\n"
     "  request_id TEXT NOT NULL,\n"
     "  name TEXT NOT NULL,\n"
     "  value REAL,\n"
     "  attrs_json TEXT\n"
     ");\n"
     "CREATE INDEX outcomes_request ON outcomes(request_key);\n"
     "CREATE INDEX outcomes_ts ON outcomes(ts_ms);\n"
     "CREATE TABLE events (\n"
     "  id TEXT PRIMARY KEY,\n"
     "  ts_ms INTEGER NOT NULL,\n"
     "  end_ms INTEGER,\n"
     "  kind TEXT NOT NULL,\n"
     "  component TEXT NOT NULL,\n"
     "  status TEXT,\n"
     "  rows INTEGER NOT NULL,\n"
     "  message TEXT NOT NULL,\n"
     "  attrs_json TEXT\n"
     ");\n"
     "CREATE INDEX events_ts ON events(ts_ms);\n"
     "CREATE TABLE model_versions (\n"
     "  model TEXT NOT NULL,\n"
     "  version TEXT NOT NULL,\n"
     "  stage TEXT,\n"
     "  ts_ms INTEGER NOT NULL,\n"
     "  attrs_json TEXT,\n"
     "  PRIMARY KEY (model, version)\n"
     ");\n"
     /* What the inference log says about each model version, maintained on write. */
     "CREATE TABLE model_seen (\n"
     "  model TEXT NOT NULL,\n"
     "  version TEXT NOT NULL,\n"
     "  model_key INTEGER NOT NULL,\n"
     "  first_ms INTEGER NOT NULL,\n"
     "  last_ms INTEGER NOT NULL,\n"
     "  n INTEGER NOT NULL,\n"
     "  PRIMARY KEY (model, version)\n"
     ") WITHOUT ROWID;\n"
     "PRAGMA user_version = 1;\n"},
    /*
     * 2: spans lose their two time indexes (spans_start, spans_service), which cost about half of
     * a span row's insert. Instead each written batch leaves one row in span_blocks: the rowid
     * range its spans occupy (rowids grow, so ranges are disjoint) and the range of their start
     * times, and one row per distinct service in span_block_services. Queries walk the blocks
     * newest first and scan rowid ranges; retention deletes whole blocks by rowid range.
     * Existing spans are grouped into blocks of 4,096 rowids.
     */
    {2,
     "CREATE TABLE span_blocks (\n"
     "  first_id INTEGER PRIMARY KEY,\n"
     "  last_id INTEGER NOT NULL,\n"
     "  min_start INTEGER NOT NULL,\n"
     "  max_start INTEGER NOT NULL\n"
     ");\n"
     "CREATE INDEX span_blocks_max ON span_blocks(max_start);\n"
     "CREATE TABLE span_block_services (\n"
     "  block INTEGER NOT NULL,\n"
     "  service TEXT NOT NULL,\n"
     "  PRIMARY KEY (block, service)\n"
     ") WITHOUT ROWID;\n"
     "INSERT INTO span_blocks(first_id, last_id, min_start, max_start)\n"
     "  SELECT min(id), max(id), min(start_ns), max(start_ns) FROM spans GROUP BY id >> 12;\n"
     "INSERT INTO span_block_services(block, service)\n"
     "  SELECT DISTINCT b.first_id, s.service FROM span_blocks b\n"
     "  JOIN spans s ON s.id BETWEEN b.first_id AND b.last_id;\n"
     "DROP INDEX spans_service;\n"
     "DROP INDEX spans_start;\n"
     /* Likewise inferences lose inferences_model(model_key, ts_ms): each batch leaves one
      * inf_blocks row per model version in it (its rowid range and time range); rows are never
      * rewritten, so the time ranges are exact. */
     "CREATE TABLE inf_blocks (\n"
     "  model_key INTEGER NOT NULL,\n"
     "  first_id INTEGER NOT NULL,\n"
     "  last_id INTEGER NOT NULL,\n"
     "  min_ts INTEGER NOT NULL,\n"
     "  max_ts INTEGER NOT NULL,\n"
     "  PRIMARY KEY (model_key, first_id)\n"
     ") WITHOUT ROWID;\n"
     "CREATE INDEX inf_blocks_ts ON inf_blocks(model_key, min_ts);\n"
     "INSERT INTO inf_blocks(model_key, first_id, last_id, min_ts, max_ts)\n"
     "  SELECT model_key, min(id), max(id), min(ts_ms), max(ts_ms) FROM inferences\n"
     "  GROUP BY id >> 12, model_key;\n"
     "DROP INDEX inferences_model;\n"
     "PRAGMA user_version = 2;\n"},
    /*
     * 3: spans lose UNIQUE (trace_key, span_key), whose randomly ordered keys made each commit
     * rewrite hundreds of index pages (one entry per span). A batch's spans are now written
     * sorted by trace, so the spans of one trace in one batch occupy consecutive rowids, and
     * span_traces keeps one row per (trace, batch): the rowid range (first_id is its rowid, so
     * retention deletes pieces by range) and the trace key, indexed. A trace of ten spans costs
     * one random index entry instead of ten. The writer still finds re-sent spans through the
     * pieces of their trace and rewrites them (the later write wins), so spans stay unique.
     * Existing spans get one piece per trace, covering min(id)..max(id) of its rows (readers
     * always filter rows by trace, so a piece may cover other traces' rows too).
     *
     * The resource and instrumentation scope, the same for every span an SDK sends (about a
     * fifth of a span row's bytes), move to span_origins, stored once; key is the scope, a 0
     * byte, then 0 for no resource or 1 and the resource JSON (write.c builds the same bytes).
     */
    {3,
     "CREATE TABLE span_origins (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  key BLOB NOT NULL UNIQUE,\n"
     "  scope TEXT NOT NULL,\n"
     "  resource_json TEXT\n"
     ");\n"
     "INSERT INTO span_origins(key, scope, resource_json)\n"
     "  SELECT DISTINCT CAST(scope AS BLOB) || x'00' || CASE WHEN resource_json IS NULL\n"
     "    THEN x'00' ELSE x'01' || CAST(resource_json AS BLOB) END, scope, resource_json\n"
     "  FROM spans;\n"
     "CREATE TABLE spans_new (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  trace_key INTEGER NOT NULL,\n"
     "  span_key INTEGER NOT NULL,\n"
     "  trace_id TEXT NOT NULL,\n"
     "  span_id TEXT NOT NULL,\n"
     "  parent TEXT NOT NULL,\n"
     "  service TEXT NOT NULL,\n"
     "  name TEXT NOT NULL,\n"
     "  kind INTEGER NOT NULL,\n"
     "  start_ns INTEGER NOT NULL,\n"
     "  end_ns INTEGER NOT NULL,\n"
     "  status INTEGER NOT NULL,\n"
     "  message TEXT NOT NULL,\n"
     "  origin INTEGER NOT NULL,\n"
     "  attrs_json TEXT,\n"
     "  events_json TEXT,\n"
     "  links_json TEXT\n"
     ");\n"
     "INSERT INTO spans_new SELECT s.id, s.trace_key, s.span_key, s.trace_id, s.span_id,\n"
     "  s.parent, s.service, s.name, s.kind, s.start_ns, s.end_ns, s.status, s.message, o.id,\n"
     "  s.attrs_json, s.events_json, s.links_json FROM spans s JOIN span_origins o\n"
     "  ON o.key = CAST(s.scope AS BLOB) || x'00' || CASE WHEN s.resource_json IS NULL\n"
     "    THEN x'00' ELSE x'01' || CAST(s.resource_json AS BLOB) END\n"
     "  ORDER BY s.id;\n"
     "DROP TABLE spans;\n"
     "ALTER TABLE spans_new RENAME TO spans;\n"
     "CREATE TABLE span_traces (\n"
     "  first_id INTEGER PRIMARY KEY,\n"
     "  last_id INTEGER NOT NULL,\n"
     "  trace_key INTEGER NOT NULL\n"
     ");\n"
     "INSERT INTO span_traces(first_id, last_id, trace_key)\n"
     "  SELECT min(id), max(id), trace_key FROM spans GROUP BY trace_key;\n"
     "CREATE INDEX span_traces_key ON span_traces(trace_key);\n"
     "PRAGMA user_version = 3;\n"},
    /*
     * 4: span attributes are stored dictionary-encoded (attrs.h): spans.attrs_json holds either
     * JSON text, as before, or a BLOB of entries whose keys are ids into span_attr_keys. The
     * keys were about half of a span row's bytes, and bytes written are most of what a span
     * costs the store. Existing rows stay text.
     */
    {4,
     "CREATE TABLE span_attr_keys (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  key BLOB NOT NULL UNIQUE\n"
     ");\n"
     "PRAGMA user_version = 4;\n"},
    /*
     * 5: the model registry (src/store/registry.c, docs/REGISTRY.md) and freshness watching.
     * model_versions gains the per-version metadata: created_ms (first registration; ts_ms
     * stays the time of the last registration or stage change), description, the training data
     * window, the training reference profile (an opaque blob) and data schema (text). Metrics
     * (name -> number) and aliases (name -> one version of a model) get tables of their own.
     * freshness_watch remembers when faultline started watching each job, so that a job which
     * never reported alerts after its startup grace even across restarts. Events get indexes on
     * kind and component: registry listings look for model_version_change events, freshness
     * walks one component's runs newest first. Existing versions keep their rows; their
     * created_ms is their ts_ms.
     */
    {5,
     "ALTER TABLE model_versions ADD COLUMN created_ms INTEGER;\n"
     "ALTER TABLE model_versions ADD COLUMN description TEXT;\n"
     "ALTER TABLE model_versions ADD COLUMN train_from_ms INTEGER;\n"
     "ALTER TABLE model_versions ADD COLUMN train_to_ms INTEGER;\n"
     "ALTER TABLE model_versions ADD COLUMN reference_profile BLOB;\n"
     "ALTER TABLE model_versions ADD COLUMN schema_text TEXT;\n"
     "UPDATE model_versions SET created_ms = ts_ms;\n"
     "CREATE TABLE model_metrics (\n"
     "  model TEXT NOT NULL,\n"
     "  version TEXT NOT NULL,\n"
     "  name TEXT NOT NULL,\n"
     "  value REAL NOT NULL,\n"
     "  PRIMARY KEY (model, version, name)\n"
     ") WITHOUT ROWID;\n"
     "CREATE TABLE model_aliases (\n"
     "  model TEXT NOT NULL,\n"
     "  alias TEXT NOT NULL,\n"
     "  version TEXT NOT NULL,\n"
     "  ts_ms INTEGER NOT NULL,\n"
     "  PRIMARY KEY (model, alias)\n"
     ") WITHOUT ROWID;\n"
     "CREATE TABLE freshness_watch (\n"
     "  component TEXT PRIMARY KEY,\n"
     "  since_ms INTEGER NOT NULL\n"
     ") WITHOUT ROWID;\n"
     "CREATE INDEX events_kind ON events(kind, ts_ms);\n"
     "CREATE INDEX events_component ON events(component, ts_ms);\n"
     "PRAGMA user_version = 5;\n"},
    /*
     * 6: live monitoring (src/store/profiles.c, docs/MONITORING.md). window_profiles keeps the
     * serialized profile set (monitor/profile.h) of each closed window of a model version;
     * drift_runs one row per (window, baseline) with the verdict's summary, or why there is none
     * (status); drift_rows the rows of its drift report. Rows are keyed by (model, version,
     * window start), so writing a window again replaces it. Retention deletes by window end.
     */
    {6,
     "CREATE TABLE window_profiles (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  model TEXT NOT NULL,\n"
     "  version TEXT NOT NULL,\n"
     "  start_ms INTEGER NOT NULL,\n"
     "  end_ms INTEGER NOT NULL,\n"
     "  rows INTEGER NOT NULL,\n"
     "  profile BLOB NOT NULL,\n"
     "  UNIQUE (model, version, start_ms)\n"
     ");\n"
     "CREATE TABLE drift_runs (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  model TEXT NOT NULL,\n"
     "  version TEXT NOT NULL,\n"
     "  start_ms INTEGER NOT NULL,\n"
     "  end_ms INTEGER NOT NULL,\n"
     "  baseline TEXT NOT NULL,\n"
     "  baseline_source TEXT,\n"
     "  baseline_start_ms INTEGER,\n"
     "  baseline_end_ms INTEGER,\n"
     "  status TEXT NOT NULL,\n"
     "  message TEXT,\n"
     "  ref_rows INTEGER NOT NULL,\n"
     "  cur_rows INTEGER NOT NULL,\n"
     "  n_features INTEGER NOT NULL,\n"
     "  n_drifted INTEGER NOT NULL,\n"
     "  share REAL,\n"
     "  dataset_drift INTEGER NOT NULL,\n"
     "  UNIQUE (model, version, start_ms, baseline)\n"
     ");\n"
     "CREATE TABLE drift_rows (\n"
     "  run INTEGER NOT NULL REFERENCES drift_runs(id) ON DELETE CASCADE,\n"
     "  feature TEXT NOT NULL,\n"
     "  check_kind TEXT NOT NULL,\n"
     "  method TEXT,\n"
     "  kind TEXT,\n"
     "  stat_name TEXT,\n"
     "  statistic REAL,\n"
     "  pvalue REAL,\n"
     "  score REAL,\n"
     "  threshold REAL,\n"
     "  drifted INTEGER NOT NULL,\n"
     "  exact INTEGER NOT NULL,\n"
     "  n_ref INTEGER NOT NULL,\n"
     "  n_cur INTEGER NOT NULL,\n"
     "  detail TEXT\n"
     ");\n"
     "CREATE INDEX drift_rows_run ON drift_rows(run);\n"
     "PRAGMA user_version = 6;\n"},
    /*
     * 7: investigations (src/store/investigations.c, docs/rca.md): one row per stored
     * investigation, its JSON (the report module's schema) kept whole and opaque here; the other
     * columns are what a list shows and filters on without parsing the JSON.
     */
    {7,
     "CREATE TABLE investigations (\n"
     "  id TEXT PRIMARY KEY,\n"
     "  created_ms INTEGER NOT NULL,\n"
     "  symptom TEXT NOT NULL,\n"
     "  verdict TEXT NOT NULL,\n"
     "  source TEXT,\n"
     "  title TEXT,\n"
     "  json TEXT NOT NULL\n"
     ");\n"
     "CREATE INDEX investigations_created ON investigations(created_ms);\n"
     "PRAGMA user_version = 7;\n"},
    /*
     * 8: fewer bytes per inference row (bytes written are most of what a row costs the store,
     * as for spans in migrations 3 and 4). Segment (name, value) pairs repeat in every row: new
     * rows keep them dictionary-encoded in segs (codec.h, segment refs; ids into inf_seg_keys)
     * and an empty segments blob. A trace id of 32 lowercase hex digits is stored as its 16
     * bytes. request_key of new rows is fl_store__req_key: the row's rowid bucket, then a 32-bit
     * hash of the request id, so that a batch's index entries land in the pages of the newest
     * bucket rather than one random page each; lookups probe every bucket (store_int.h).
     * Existing rows are not rewritten: segs NULL means their segments column holds the labels
     * encoding, a text trace_id is read as it is, and their 64-bit request_key is probed too.
     */
    {8,
     "CREATE TABLE inf_seg_keys (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  key BLOB NOT NULL UNIQUE\n"
     ");\n"
     "ALTER TABLE inferences ADD COLUMN segs BLOB;\n"
     "PRAGMA user_version = 8;\n"},
};

#define N_STEPS (sizeof steps / sizeof steps[0])

static fl_err pragma_int(sqlite3 *db, const char *sql, int64_t *out, struct fl_diag *d)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fl_store__sqlerr(db, rc, d, sql);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_DONE;
    }
    fl_err e = rc == SQLITE_DONE ? FL_OK : fl_store__sqlerr(db, rc, d, sql);
    sqlite3_finalize(st);
    return e;
}

static fl_err exec(sqlite3 *db, const char *sql, struct fl_diag *d, const char *what)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return FL_OK;
    fl_err e = rc == SQLITE_NOMEM ? FL_ENOMEM : rc == SQLITE_BUSY ? FL_EBUSY : FL_ESTORE;
    fl_diag_set(d, e, 0, 0, "%s: %s", what, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return e;
}

fl_err fl_store__migrate(sqlite3 *db, int read_only, struct fl_diag *d)
{
    return fl_store__migrate_to(db, read_only, FL_STORE_SCHEMA_VERSION, d);
}

fl_err fl_store__migrate_to(sqlite3 *db, int read_only, int target, struct fl_diag *d)
{
    int64_t version = 0, app_id = 0;
    fl_err e;

    if ((e = pragma_int(db, "PRAGMA user_version", &version, d)) != FL_OK ||
        (e = pragma_int(db, "PRAGMA application_id", &app_id, d)) != FL_OK)
        return e;
    if (app_id != 0 && app_id != FL_STORE_APP_ID)
        return fl_diag_set(d, FL_ESTORE, 0, 0,
                           "%s is not a faultline database (application_id %lld)",
                           sqlite3_db_filename(db, "main"), (long long)app_id);
    if (version > FL_STORE_SCHEMA_VERSION)
        return fl_diag_set(d, FL_ESTORE, 0, 0,
                           "%s has schema version %lld, newer than this faultline knows (%d): "
                           "it was written by a newer release; upgrade faultline or use another "
                           "data directory",
                           sqlite3_db_filename(db, "main"), (long long)version,
                           FL_STORE_SCHEMA_VERSION);
    if (version >= target)
        return FL_OK;
    if (read_only)
        return fl_diag_set(d, FL_ESTORE, 0, 0,
                           "%s has schema version %lld, needs migrating to %d (open it read-write "
                           "once)",
                           sqlite3_db_filename(db, "main"), (long long)version,
                           FL_STORE_SCHEMA_VERSION);
    for (size_t i = 0; i < N_STEPS; i++) {
        if (steps[i].version <= version)
            continue;
        if (steps[i].version > target)
            break;
        if ((e = exec(db, "BEGIN IMMEDIATE", d, "begin migration")) != FL_OK)
            return e;
        if ((e = exec(db, steps[i].sql, d, "schema migration")) != FL_OK) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return e;
        }
        int64_t now = 0;
        if ((e = pragma_int(db, "PRAGMA user_version", &now, d)) != FL_OK) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return e;
        }
        if (now != steps[i].version) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return fl_diag_set(d, FL_ESTORE, 0, 0,
                               "schema migration %d left user_version at %lld (programming error)",
                               steps[i].version, (long long)now);
        }
        if ((e = exec(db, "COMMIT", d, "commit migration")) != FL_OK) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return e;
        }
    }
    return FL_OK;
}
