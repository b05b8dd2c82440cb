/* SPDX-License-Identifier: Apache-2.0 */
/*
 * selector.h: PromQL series selectors -> label matchers.
 *
 * Accepts the vector-selector part of PromQL (prometheus docs/querying/basics.md): `name`,
 * `name{a="b",c!="d",e=~"re",f!~"re"}`, `{__name__=~"x.*",job="y"}`, the quoted UTF-8 name form
 * `{"my.metric", "label.x"="v"}`, strings in double quotes, single quotes (Go escapes: \a \b \f
 * \n \r \t \v \\ \' \" \xHH \OOO \uHHHH \UHHHHHHHH) or backticks (raw), trailing commas and
 * whitespace. As in Prometheus, at least one matcher must not match the empty string, and the
 * metric name may be given only once. No range/offset/@ modifiers: this is a selector, not a query.
 * Regexes: RE2 lazy modifiers ("a+?") are dropped (same matches under full anchoring), and patterns
 * that glibc's regcomp would need exponential memory or time for are refused with FL_ELIMIT (see
 * docs/formats/prometheus.md); the stored matcher value is the regex as compiled.
 */
#ifndef FL_INGEST_SELECTOR_H
#define FL_INGEST_SELECTOR_H

#include <stddef.h>

#include "../core/err.h"
#include "../core/matcher.h"

/*
 * Parse the borrowed slice p[0..len). On success *out is a new array of *n_out initialised matchers
 * (the metric name, if any, first as __name__ = "name"); free it with fl_selector_free. Errors:
 * FL_EPARSE with d's line 1 and a 1-based byte column, e.g. `column 9: expected '=', '!=', '=~'
 * or '!~' after label name "job"`; regex errors from fl_matcher_init as FL_EPARSE at the
 * string's column; FL_ELIMIT beyond FL_LIMIT_LABELS_PER_SERIES matchers or names/values longer
 * than FL_LIMIT_NAME_BYTES / FL_LIMIT_VALUE_BYTES; FL_ENOMEM. On error *out = NULL, *n_out = 0.
 * Thread-safe (no shared state).
 */
fl_err fl_selector_parse(const char *p, size_t len, struct fl_matcher **out, size_t *n_out,
                         struct fl_diag *d) FL_MUST_CHECK;

/* Clean up the n matchers and free the array; NULL is a no-op. */
void fl_selector_free(struct fl_matcher *ms, size_t n);

#endif
