/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inference.h: inference logs and outcomes as JSON Lines -> struct fl_batch records.
 *
 * One JSON object per line (blank lines skipped, CRLF accepted). An inference record says what a
 * model was asked and what it answered: request id, model and version, the features it was served
 * (with the feature store's lookup status), its prediction, segment dimensions and latency. An
 * outcome is what happened afterwards (a click, a label), joined to the inference by request id.
 * The exact schema, with examples, is in docs/formats.md ("Inference records", "Outcomes").
 *
 * Both parsers are strict: unknown top-level fields, wrong types and duplicate keys are errors, so
 * a typo ("modle") is caught instead of silently dropping data. The whole input is rejected on the
 * first bad line; the records already appended to the batch are then incomplete and the caller
 * must reset the batch (fl_batch_reset) rather than store it.
 *
 * Strings are copied into the batch arena; names that repeat on every row (feature and segment
 * names, categorical values, model, version) are stored once per call. No allocation per row.
 */
#ifndef FL_INGEST_INFERENCE_H
#define FL_INGEST_INFERENCE_H

#include <stddef.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/record.h"

/*
 * Parse inference JSON Lines p[0..len) and append one struct fl_inference per line to b.
 * lim may be NULL (defaults): lim->line_bytes caps a line (FL_ELIMIT naming the line),
 * lim->labels_per_series caps segments per record; FL_LIMIT_FEATURES_PER_RECORD caps features.
 * The record cap and arena cap of b give FL_ELIMIT. Records without "ts" get the time of the call.
 * Errors: FL_EPARSE with d->line/column at the offending value, d->field its path (e.g.
 * "features.age") and a message like `feature "age": expected number, string, bool or null, got
 * array`; FL_ELIMIT; FL_ENOMEM. d may be NULL. Not thread-safe on the same batch.
 */
fl_err fl_inference_jsonl_to_batch(const char *p, size_t len, const struct fl_limits *lim,
                                   struct fl_batch *b, struct fl_diag *d) FL_MUST_CHECK;

/*
 * Parse outcome JSON Lines and append one struct fl_outcome per line to b. Same conventions and
 * errors as fl_inference_jsonl_to_batch.
 */
fl_err fl_outcome_jsonl_to_batch(const char *p, size_t len, const struct fl_limits *lim,
                                 struct fl_batch *b, struct fl_diag *d) FL_MUST_CHECK;

#endif
