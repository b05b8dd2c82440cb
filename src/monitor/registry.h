/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry.h: the model registry as users see it (issue 3, item 8; docs/REGISTRY.md), after
 * MLflow's model registry: a model has versions; a version has a stage (none, staging,
 * production, archived, shadow), metadata (description, training data window, metrics, the
 * training reference profile and data schema) and any number of aliases ("production",
 * "champion", ... -> exactly one version of the model). Moving a stage or an alias writes a
 * model_version_change event, so investigations see registry changes next to deploys. What the
 * inference log says (first and last time a version served, request counts, traffic share per
 * step) sits next to what was registered.
 *
 * This module holds the rules (which names are valid, which component a change belongs to), the
 * parsing of the JSON bodies of the write routes, and the JSON answers shared by the HTTP API and
 * `faultline models --format json`. Storage is src/store/registry.c. Functions are thread-safe
 * as far as the store is (they keep no state).
 */
#ifndef FL_MONITOR_REGISTRY_H
#define FL_MONITOR_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

struct fl_config;

#define FL_REGISTRY_ALIAS_MAX_BYTES 64
#define FL_REGISTRY_MAX_STEPS 11000    /* buckets of one traffic answer (as Prometheus' cap) */
#define FL_REGISTRY_MAX_VERSIONS 1000  /* versions in one traffic answer */
#define FL_REGISTRY_MAX_CHANGES 1000   /* change events in one traffic answer */
#define FL_REGISTRY_PROFILE_MAX_BYTES (64u * 1024 * 1024) /* one reference profile, decoded */

/* True for none, staging, production, archived, shadow. */
bool fl_registry_stage_valid(const char *stage);

/*
 * NULL when alias is a valid alias name, else why not (static text). An alias is 1 to 64 of
 * [A-Za-z0-9_-], starting with a letter; "latest" and v<digits> ("v3") are reserved, as in
 * MLflow, so that an alias never reads like a version.
 */
const char *fl_registry_alias_check(const char *alias);

/* NULL when s is a valid model or version name (1 to FL_LIMIT_NAME_BYTES bytes, no control
 * characters), else why not. */
const char *fl_registry_name_check(const char *s);

/* The component that registry change events of model belong to: models[].component of cfg when
 * the model is configured with one, else the model name. cfg may be NULL. */
const char *fl_registry_component(const struct fl_config *cfg, const char *model);

/*
 * Parse a POST /api/v1/models body (docs/API.md) into *out. Strings, metrics and the decoded
 * profile live in the arena a. Absent or null fields leave the stored value alone; "" clears a
 * description or schema, and an empty reference_profile clears the profile. Errors (FL_EPARSE,
 * FL_ELIMIT) carry the line, column and field name in d ("body:1:42: stage: ...").
 * out->now_ms and out->component are left for the caller.
 */
fl_err fl_registry_parse_put(const char *p, size_t len, struct fl_arena *a,
                             struct fl_store_reg_put *out, struct fl_diag *d) FL_MUST_CHECK;

/* Parse a POST /api/v1/models/{name}/aliases body {"alias": A, "version": V|null} (null removes
 * the alias). *alias and *version (NULL for null) live in a. */
fl_err fl_registry_parse_alias(const char *p, size_t len, struct fl_arena *a, const char **alias,
                               const char **version, struct fl_diag *d) FL_MUST_CHECK;

/* ---- JSON answers (docs/API.md) ---- */

/* One version as a JSON object; with artifacts, the profile (base64) and schema text too. */
void fl_registry_version_json(const struct fl_store_reg_version *v, bool artifacts,
                              struct fl_buf *out);

/* GET /api/v1/models: {"status":"success","data":[version, ...]} over model (NULL = all). */
fl_err fl_registry_list_json(struct fl_store *s, const char *model, struct fl_buf *out,
                             struct fl_diag *d) FL_MUST_CHECK;

/* GET /api/v1/models/{name}/versions: as the list, FL_ENOTFOUND when the model has no version. */
fl_err fl_registry_versions_json(struct fl_store *s, const char *model, bool artifacts,
                                 struct fl_buf *out, struct fl_diag *d) FL_MUST_CHECK;

/* GET /api/v1/models/{name}: the model's aliases, versions by stage, serving totals and its
 * versions. FL_ENOTFOUND when the model has no version. */
fl_err fl_registry_model_json(struct fl_store *s, const char *model, struct fl_buf *out,
                              struct fl_diag *d) FL_MUST_CHECK;

/* ---- traffic share ---- */

struct fl_registry_change {
    char *id, *message, *attrs_json; /* owned */
    int64_t ts_ms;
    char *component;
};

/* Inferences per version and step; owned arrays, free with fl_registry_traffic_cleanup. */
struct fl_registry_traffic {
    int64_t start_ms, end_ms, step_ms;
    size_t n_buckets;  /* ceil((end - start) / step), at least 1; bucket k starts at
                          start_ms + k * step_ms, and the last one also holds end_ms itself */
    char **versions;   /* by first bucket with traffic, then name */
    size_t n_versions;
    uint64_t *counts;  /* counts[v * n_buckets + k] */
    uint64_t *totals;  /* per bucket, over versions */
    struct fl_registry_change *changes; /* the model's change events in the range, time order */
    size_t n_changes;
    bool changes_truncated; /* more than FL_REGISTRY_MAX_CHANGES */
};

/*
 * Traffic of model in [start_ms, end_ms] by step_ms (fl_store_traffic), with the model's
 * model_version_change events of the range. FL_EINVAL for an empty or reversed range or a step
 * <= 0, FL_ELIMIT beyond FL_REGISTRY_MAX_STEPS buckets or FL_REGISTRY_MAX_VERSIONS versions.
 * *t is owned by the caller even on error (cleanup is always safe after the call).
 */
fl_err fl_registry_traffic(struct fl_store *s, const char *model, int64_t start_ms,
                           int64_t end_ms, int64_t step_ms, struct fl_registry_traffic *t,
                           struct fl_diag *d) FL_MUST_CHECK;
void fl_registry_traffic_cleanup(struct fl_registry_traffic *t);
/* The share of version v in bucket k, or NaN when the bucket saw no traffic. */
double fl_registry_traffic_share(const struct fl_registry_traffic *t, size_t v, size_t k);
/* GET /api/v1/models/{name}/traffic: {"status":"success","data":{...}}. */
void fl_registry_traffic_json(const struct fl_registry_traffic *t, const char *model,
                              struct fl_buf *out);

/* Append "key":"RFC 3339","key_ms":N (or null, null for FL_TS_NONE). Shared with freshness. */
void fl_registry_put_time(struct fl_buf *b, const char *key, int64_t ts_ms);

#endif
