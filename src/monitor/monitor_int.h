/* SPDX-License-Identifier: Apache-2.0 */
/*
 * monitor_int.h: internals shared by schema inference (schema.c) and validation (validate.c).
 * Not a public header.
 *
 * The value counter counts distinct byte strings (domain candidates while inferring, offending
 * values while validating) up to a cap on distinct values, remembering the first input line of
 * each; past the cap new values are only counted in `overflow`, so a hostile batch of a million
 * distinct values costs no more memory than the cap.
 */
#ifndef FL_MONITOR_MONITOR_INT_H
#define FL_MONITOR_MONITOR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "ingest/table.h"
#include "schema.h"

struct fl_map;

struct fl_monitor__counter {
    struct fl_map *m;  /* value -> struct fl_monitor__count (heap) */
    size_t max;        /* distinct values kept */
    uint64_t overflow; /* occurrences of values not kept */
};

struct fl_monitor__entry {
    const char *p; /* owned by the counter's map */
    size_t len;
    uint64_t n;
    unsigned long first_line;
};

fl_err fl_monitor__counter_init(struct fl_monitor__counter *c, size_t max) FL_MUST_CHECK;
void fl_monitor__counter_cleanup(struct fl_monitor__counter *c);
/* Count one occurrence of p[0..len) seen at input line `line` (0 = unknown). FL_ENOMEM. */
fl_err fl_monitor__counter_add(struct fl_monitor__counter *c, const char *p, size_t len,
                               unsigned long line) FL_MUST_CHECK;
size_t fl_monitor__counter_size(const struct fl_monitor__counter *c);
/*
 * The kept values as an array owned by the caller (fl_free), sorted by count descending then by
 * bytes (by_count) or by bytes only. Entries point into the counter: valid until it is cleaned up.
 */
fl_err fl_monitor__counter_sorted(const struct fl_monitor__counter *c, bool by_count,
                                  struct fl_monitor__entry **out, size_t *n) FL_MUST_CHECK;

/*
 * Does cell c have the column type t? text_input: the cells come from text (CSV), where numbers
 * and booleans are valid strings. An int column takes numbers with an integral value (3, 3.0).
 * MISSING and NULL cells are neither right nor wrong: callers count them as nulls.
 */
bool fl_monitor__type_ok(enum fl_col_type t, const struct fl_cell *c, bool text_input);

/* True when p[0..len) is valid UTF-8 (RFC 3629). */
bool fl_monitor__utf8_valid(const char *p, size_t len);

#endif
