/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prom_int.h: internals shared by prom.c, prom_num.c and prom_batch.c. Not a public interface.
 */
#ifndef FL_INGEST_PROM_INT_H
#define FL_INGEST_PROM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/record.h"
#include "../core/str.h"
#include "prom.h"

/* Go's math.NaN() bit pattern 0x7FF8000000000001, what a parsed "NaN" yields. */
double fl_prom__nan(void);
/*
 * Fast path of fl_prom_parse_double for the longest number at the start of [s, e): a plain decimal
 * (optional sign, digits with an optional fraction, optional exponent) that converts exactly.
 * Returns the end of the number with *out set, bit-identical to strtod; NULL when the text is
 * not such a number or needs the general path (then *out is untouched and the caller must use
 * fl_prom_parse_double on the whole token, which also decides what is valid).
 */
const char *fl_prom__number_fast(const char *s, const char *e, double *out);
/* Strict decimal int64 (optional sign); 1 on success. */
int fl_prom__parse_i64(const char *s, size_t len, int64_t *out);
/* OpenMetrics timestamp (float seconds) to milliseconds, exact for plain decimals; 1 on success. */
int fl_prom__parse_om_ts(const char *s, size_t len, int64_t *out_ms);

/* Scratch of fl_prom_to_batch, owned by the parser so that repeated scrapes do not allocate. */
struct fl_prom__batch_scratch {
    char *bytes; /* NUL-terminated copies of names/values for one series */
    size_t cap_bytes;
};

struct fl_prom__batch_scratch *fl_prom__parser_batch_scratch(struct fl_prom_parser *p);
const struct fl_limits *fl_prom__parser_limits(const struct fl_prom_parser *p);

#endif
