/* SPDX-License-Identifier: Apache-2.0 */
/*
 * events.h: change events (deploys, config changes, model version changes, batch and feature
 * pipeline runs, ...) as JSON -> struct fl_event records.
 *
 * Root-cause analysis lines symptoms up against what changed; this is how changes get in. The
 * input is one JSON object, a JSON array of objects, or JSON Lines (one object per line). Each
 * event needs a time, a kind (one of FL_EVENT_KIND_LIST in core/record.h) and the component it
 * happened to; the schema with examples is in docs/formats.md ("Change events").
 *
 * An event without "id" gets a deterministic one (a hash of kind, component, time, status and
 * message), so posting the same event twice stores it once. A model_version_change event also
 * yields a struct fl_model_version (from attributes.model / attributes.version), so the model
 * registry learns versions from the change log.
 */
#ifndef FL_INGEST_EVENTS_H
#define FL_INGEST_EVENTS_H

#include <stddef.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/record.h"

/*
 * Parse events p[0..len) and append them (and model versions) to b. lim may be NULL (defaults);
 * lim->line_bytes caps a line in JSON Lines form. Unknown fields, wrong types, unknown kinds and
 * statuses are FL_EPARSE with d->line/column/field set; the whole input is rejected on the first
 * error and the caller must then reset the batch. Empty input yields no events and FL_OK.
 */
fl_err fl_events_json_to_batch(const char *p, size_t len, const struct fl_limits *lim,
                               struct fl_batch *b, struct fl_diag *d) FL_MUST_CHECK;

/*
 * The id generated for an event without one: "ev_" followed by 16 lowercase hex digits of a
 * 64-bit FNV-1a hash over kind, component, ts_ms, status (NULL = "") and message, written into
 * out (cap >= 20). Stable across versions and machines: ids are stored.
 */
void fl_event_default_id(const char *kind, const char *component, int64_t ts_ms,
                         const char *status, const char *message, char *out, size_t cap);

#endif
