/* SPDX-License-Identifier: Apache-2.0 */
/*
 * str.h: borrowed string slices. Parsers take (const char *p, size_t len) and never require NUL
 * termination; a slice names a part of someone else's memory and owns nothing.
 */
#ifndef FL_CORE_STR_H
#define FL_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fl_str {
    const char *p;
    size_t len; /* bytes */
};

#define FL_STR_LIT(s) ((struct fl_str){(s), sizeof(s) - 1})

/* Slice of a NUL-terminated string (NULL gives the empty slice). */
struct fl_str fl_str_c(const char *s);
bool fl_str_eq(struct fl_str a, struct fl_str b);
bool fl_str_eq_c(struct fl_str a, const char *s);
bool fl_str_eq_ci_c(struct fl_str a, const char *s); /* ASCII case-insensitive */
bool fl_str_has_prefix(struct fl_str a, const char *prefix);
bool fl_str_has_suffix(struct fl_str a, const char *suffix);
int fl_str_cmp(struct fl_str a, struct fl_str b); /* memcmp order, shorter first on tie */
struct fl_str fl_str_trim(struct fl_str a);       /* strip ASCII spaces and tabs, CR, LF */
/* Split at the first occurrence of c: head before it, *tail after it; false when c is absent. */
bool fl_str_cut(struct fl_str a, char c, struct fl_str *head, struct fl_str *tail);

/* Strict numeric parsing of a whole slice: no leading/trailing junk, no overflow. */
bool fl_str_to_i64(struct fl_str a, int64_t *out);
bool fl_str_to_u64(struct fl_str a, uint64_t *out);
/* Go ParseFloat-like: decimal/exponent forms, "NaN", "+Inf", "-Inf", "Inf" (case-insensitive). */
bool fl_str_to_double(struct fl_str a, double *out);

/* FNV-1a 64-bit hash of bytes, for hash maps and series ids. */
uint64_t fl_hash_bytes(const void *p, size_t len, uint64_t seed);

/*
 * Format a double so it reads back exactly: shortest round-trip form; "NaN", "+Inf", "-Inf".
 * Writes at most cap bytes including NUL; returns the length (excluding NUL). cap >= 32 suffices.
 */
size_t fl_fmt_double(double v, char *out, size_t cap);

#endif
