/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules.h: Prometheus alerting rules for the series faultline exports on /metrics, so that any
 * Prometheus that scrapes faultline alerts on drift, validation anomalies, late batch jobs and
 * stale features through its own Alertmanager (`faultline rules export`).
 *
 * faultline applies its thresholds itself (per feature, in the config) and exports verdicts such
 * as faultline_feature_drift_detected; the rules alert on those verdicts, plus the two ratios
 * that have no verdict of their own (stale features, validation anomalies per window). The
 * output is a rule file in Prometheus' format (groups: - name, rules: - alert, expr, for,
 * labels, annotations) that `promtool check rules` accepts. The table of rules is in rules.c and
 * documented in docs/ALERTING.md.
 */
#ifndef FL_MONITOR_RULES_H
#define FL_MONITOR_RULES_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct fl_rules_opts {
    const char *group;   /* rule group name, default "faultline" */
    int64_t for_ms;      /* how long a condition must hold before firing, default 15m */
    double stale_ratio;  /* FaultlineFeaturesStale threshold, default 0.05 (5 % of lookups) */
    const char *job;     /* job label of faultline's own scrape (FaultlineDown), "faultline" */
    const char *severity; /* severity label of every rule, default "warning" */
};

/* Defaults as documented above. */
void fl_rules_opts_default(struct fl_rules_opts *o);

/*
 * Append the rule file to out. Errors: FL_EINVAL (diag names the option) for a negative for_ms,
 * a stale_ratio outside (0, 1], or a group, job or severity that is empty or holds characters
 * that cannot appear in a label value or rule name as written (quote, backslash, newline);
 * buffer errors are sticky in out.
 */
FL_MUST_CHECK fl_err fl_rules_export(const struct fl_rules_opts *o, struct fl_buf *out,
                                     struct fl_diag *d);

#endif
