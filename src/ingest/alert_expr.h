/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert_expr.h: the series an alert is about, read from what Alertmanager passes along: the
 * alert's generatorURL (Prometheus' graph URL, whose `g0.expr` parameter is the URL-encoded
 * PromQL of the alerting rule) and, in that expression, the first metric selector. Used to turn a
 * firing alert into an investigation's symptom (src/server/alert_investigate.c,
 * docs/ALERTING.md "Investigations from alerts").
 *
 * This is a scanner, not a PromQL parser (Prometheus' grammar: promql/parser/lex.go and
 * generated_parser.y). The rule: walk the tokens left to right, skipping string literals, numbers
 * and durations, anything in [...] (ranges, subqueries), the label lists after by / without /
 * on / ignoring / group_left / group_right, keywords (aggregation operators, set operators,
 * offset, bool, inf, nan), and every identifier followed by `(` (a function call). The first
 * identifier left is the metric: with its `{...}` when one follows, else alone. A bare `{...}`
 * (a selector without a metric name) counts too. Limits: the first selector is not always the
 * one that matters (in `a / b` it is `a`); a metric named like a keyword (`sum`, `offset`) is
 * skipped; an unbalanced `{` or a string that does not end is FL_EPARSE.
 */
#ifndef FL_INGEST_ALERT_EXPR_H
#define FL_INGEST_ALERT_EXPR_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

#define FL_ALERT_EXPR_MAX_BYTES ((size_t)64 * 1024) /* a generatorURL or an expression */

/*
 * The value of the first `g0.expr` query parameter of url[0..len) (anything before the '?' is
 * ignored, a '#' ends the query), %XX- and '+'-decoded, appended to out (reset first; its cap
 * bounds the result). FL_ENOTFOUND when there is no such parameter, FL_EPARSE on a bad %
 * escape, FL_ELIMIT beyond FL_ALERT_EXPR_MAX_BYTES or out's cap. d may be NULL. Thread-safe.
 */
fl_err fl_alert_url_expr(const char *url, size_t len, struct fl_buf *out,
                         struct fl_diag *d) FL_MUST_CHECK;

/*
 * The first metric selector of the PromQL expr[0..len) by the rule above, e.g.
 * `http_request_duration_seconds_bucket{service="fraud"}` from
 * `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service=
 * "fraud"}[5m]))) > 0.5`, copied verbatim (whitespace between the name and `{` dropped) into out
 * (reset first). FL_ENOTFOUND when the expression names no series, FL_EPARSE (the diag gives the
 * offset) on an unterminated string or `{`, FL_ELIMIT beyond FL_ALERT_EXPR_MAX_BYTES or out's
 * cap. d may be NULL. Thread-safe.
 */
fl_err fl_alert_expr_selector(const char *expr, size_t len, struct fl_buf *out,
                              struct fl_diag *d) FL_MUST_CHECK;

#endif
