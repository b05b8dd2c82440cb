/* SPDX-License-Identifier: Apache-2.0 */
/*
 * investigation.h: an investigation (src/rca/investigate.h) rendered three ways, from one walk
 * of the same data so that they never disagree:
 *   fl_inv_json      the stored and served form, schema version FL_INV_SCHEMA_VERSION, documented
 *                    field by field in docs/rca.md "Investigation output (schema version 1)"
 *   fl_inv_markdown  a report a person pastes into an incident channel
 *   fl_inv_text      the terminal rendering of `faultline investigate`
 *
 * All three append to out with sticky errors (check fl_buf_err once at the end). They never fail
 * on odd data: NULL strings render as null / "-", NaN numbers as null / "-", FL_TS_NONE times as
 * null / "-", out-of-range evidence references of a cause are skipped. Thread-safe (no state).
 */
#ifndef FL_REPORT_INVESTIGATION_H
#define FL_REPORT_INVESTIGATION_H

#include "../core/buf.h"
#include "../rca/investigate.h"

/* The JSON object (no trailing newline). */
void fl_inv_json(const struct fl_investigation *inv, struct fl_buf *out);
/* GitHub-flavoured Markdown, ending with a newline. */
void fl_inv_markdown(const struct fl_investigation *inv, struct fl_buf *out);
/* Plain text for a terminal (no colour), ending with a newline. */
void fl_inv_text(const struct fl_investigation *inv, struct fl_buf *out);

struct fl_store;
struct fl_arena;

/*
 * Read back what fl_inv_json wrote (schema version 1), e.g. a stored investigation to render it
 * as Markdown. Strings and arrays go into a; out's pointers stay valid while a lives. Tolerant of
 * missing fields (they read as NULL, NaN, FL_TS_NONE, 0), strict about types and the version:
 * FL_EPARSE on malformed JSON or a field of the wrong type (the diag names it), FL_EUNSUPPORTED
 * for another schema_version, FL_ELIMIT beyond FL_INV_READ_MAX_BYTES, FL_ENOMEM.
 */
#define FL_INV_READ_MAX_BYTES ((size_t)64 * 1024 * 1024)
fl_err fl_inv_from_json(const char *p, size_t len, struct fl_arena *a, struct fl_investigation *out,
                        struct fl_diag *d) FL_MUST_CHECK;

/*
 * Give inv a fresh id: "inv_" + 16 hex digits of a hash of its symptom, its created time, the
 * process id and a process-wide counter (so two investigations of one symptom in the same
 * millisecond differ). Thread-safe.
 */
void fl_inv_assign_id(struct fl_investigation *inv);

/*
 * Store inv in s: assign it an id (fl_inv_assign_id), render its JSON into json (reset first)
 * and put it, retrying with a new id if the id is taken. On success json holds the stored JSON.
 * Errors: the store's (FL_ESTORE, FL_EBUSY, FL_EINVAL for a read-only store), FL_ELIMIT /
 * FL_ENOMEM when the JSON does not fit json's cap.
 */
fl_err fl_inv_save(struct fl_store *s, struct fl_investigation *inv, struct fl_buf *json,
                   struct fl_diag *d) FL_MUST_CHECK;

/* The names the renderings use (the JSON schema's enumerations); "unknown" for other values. */
const char *fl_inv_report_status_name(int status);
const char *fl_inv_report_kind_name(int kind);
const char *fl_inv_report_verdict_name(int verdict);
const char *fl_inv_report_symptom_kind_name(int kind);

#endif
