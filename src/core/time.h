/* SPDX-License-Identifier: Apache-2.0 */
/*
 * time.h: timestamps and durations as users and wire formats write them.
 *
 * Internally time is int64 milliseconds since the Unix epoch (ts_ms) or nanoseconds (ts_ns) where
 * a format carries them (OTLP). Parses RFC 3339 (any offset, fractional seconds), unix seconds with
 * a fraction, and Prometheus-style durations ("1h30m", "15s", "250ms", "2d", "1w", "1y").
 */
#ifndef FL_CORE_TIME_H
#define FL_CORE_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "str.h"

/* Wall clock now in ms / ns since the epoch. */
int64_t fl_time_now_ms(void);
int64_t fl_time_now_ns(void);
/* Monotonic clock in ns, for measuring durations. */
int64_t fl_time_mono_ns(void);

/* RFC 3339, e.g. "2026-11-25T14:05:00Z", "2026-11-25T14:05:00.123+01:00". */
fl_err fl_time_parse_rfc3339(struct fl_str s, int64_t *ts_ns, struct fl_diag *d) FL_MUST_CHECK;
/*
 * A time as the Prometheus API takes it: RFC 3339 or unix seconds (fraction allowed). Also accepts
 * "now" and "now-1h" style relative forms (relative to now_ms).
 */
fl_err fl_time_parse_any(struct fl_str s, int64_t now_ms, int64_t *ts_ms,
                         struct fl_diag *d) FL_MUST_CHECK;
/* Prometheus duration: one or more <int><unit> with unit in y w d h m s ms, largest first. */
fl_err fl_duration_parse(struct fl_str s, int64_t *ms, struct fl_diag *d) FL_MUST_CHECK;
/* Duration or plain float seconds ("15s" or "15" or "0.5"), as query_range's step. */
fl_err fl_duration_parse_step(struct fl_str s, int64_t *ms, struct fl_diag *d) FL_MUST_CHECK;

/* "2026-11-25T14:05:00.123Z" (milliseconds shown only when non-zero). Returns length. cap >= 32. */
size_t fl_time_fmt_rfc3339_ms(int64_t ts_ms, char *out, size_t cap);
/* "1h30m", "15s", "250ms"; "0s" for 0. Returns length. cap >= 32. */
size_t fl_duration_fmt(int64_t ms, char *out, size_t cap);

#endif
