/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules.c: the Prometheus alerting-rule file for faultline's exported series (see rules.h).
 *
 * One table lists the rules; their PromQL and texts may hold ${for}, ${window}, ${stale} and
 * ${job}, replaced by the options. Strings are written as YAML single-quoted scalars (a quote is
 * doubled), which keeps Prometheus' {{ $labels.x }} templates literal. The rule file format is
 * Prometheus' (docs/configuration/alerting_rules.md); docs/ALERTING.md lists the rules.
 */
#include "rules.h"

#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "core/time.h"

struct rule {
    const char *alert;
    const char *expr;
    int use_for; /* 1: `for:` from the options; 0: fire at once (the condition has its grace) */
    const char *summary;
    const char *description;
};

static const struct rule rules[] = {
    {"FaultlineFeatureDrift",
     "max by (model, version, feature, method) "
     "(faultline_feature_drift_detected{feature!=\"prediction\"}) == 1",
     1, "Feature {{ $labels.feature }} of {{ $labels.model }} {{ $labels.version }} drifted",
     "faultline's {{ $labels.method }} test finds the served values of {{ $labels.feature }} "
     "different from the reference for ${for}. Check the feature's upstream pipeline and recent "
     "schema changes."},
    {"FaultlinePredictionDrift",
     "max by (model, version, method) "
     "(faultline_feature_drift_detected{feature=\"prediction\"}) == 1",
     1, "Predictions of {{ $labels.model }} {{ $labels.version }} drifted",
     "The distribution of the model's predictions differs from its reference ({{ $labels.method }}) "
     "for ${for}; with unchanged inputs this points at the model or its serving."},
    {"FaultlineManyFeaturesDrifted",
     "avg by (model, version) (max by (model, version, feature) "
     "(faultline_feature_drift_detected{feature!=\"prediction\"})) > 0.5",
     1, "Most features of {{ $labels.model }} {{ $labels.version }} drifted",
     "{{ $value | humanizePercentage }} of the features drifted at once for ${for}: a shared cause "
     "(a new upstream source, a broken join, a traffic shift) is likelier than many separate ones."},
    {"FaultlineValidationAnomalies",
     "sum by (model, kind) (increase(faultline_validation_anomalies_total[${window}])) > 0", 0,
     "{{ $labels.model }}: {{ $labels.kind }} anomalies in served data",
     "faultline's schema checks found {{ $value }} {{ $labels.kind }} anomalies in the last "
     "${window} of inference logs."},
    {"FaultlineFeaturesStale",
     "max by (model, feature) (faultline_feature_stale_ratio) > ${stale}", 1,
     "Feature {{ $labels.feature }} of {{ $labels.model }} is stale",
     "{{ $value | humanizePercentage }} of lookups of {{ $labels.feature }} returned values "
     "outside their max age or not found, for ${for}: its feature pipeline may have stopped."},
    {"FaultlineBatchJobLate", "max by (component) (faultline_batch_late) == 1", 0,
     "Batch job {{ $labels.component }} has no recent successful run",
     "No successful run of {{ $labels.component }} arrived within its cadence and grace "
     "(or it never succeeded): its outputs are going stale while nothing fails loudly."},
    {"FaultlineDown", "up{job=\"${job}\"} == 0", 1, "faultline is not being scraped",
     "Prometheus cannot scrape faultline (job ${job}) for ${for}: the alerts above cannot fire."},
};

void fl_rules_opts_default(struct fl_rules_opts *o)
{
    o->group = "faultline";
    o->for_ms = 15 * 60 * 1000;
    o->stale_ratio = 0.05;
    o->job = "faultline";
    o->severity = "warning";
}

/* A value that may stand in a label value and in a PromQL string as written. */
static int plain_text(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (*s == '"' || *s == '\\' || *s == '\'' || (unsigned char)*s < 0x20)
            return 0;
    return 1;
}

/* Append text with ${name} replaced, as a YAML single-quoted scalar when quote is set. */
static void expand(struct fl_buf *out, const char *text, const char *const *keys,
                   const char *const *vals, size_t n, int quote)
{
    if (quote)
        fl_buf_putc(out, '\'');
    for (const char *p = text; *p; p++) {
        if (p[0] == '$' && p[1] == '{') {
            size_t i;
            for (i = 0; i < n; i++) {
                size_t kl = strlen(keys[i]);
                if (!strncmp(p + 2, keys[i], kl) && p[2 + kl] == '}') {
                    fl_buf_puts(out, vals[i]);
                    p += 2 + kl;
                    break;
                }
            }
            if (i < n)
                continue;
        }
        if (quote && *p == '\'')
            fl_buf_putc(out, '\'');
        fl_buf_putc(out, *p);
    }
    if (quote)
        fl_buf_putc(out, '\'');
}

fl_err fl_rules_export(const struct fl_rules_opts *o, struct fl_buf *out, struct fl_diag *d)
{
    char for_s[32], window[32], stale[32];
    if (o->for_ms < 0)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "--for must not be negative");
    if (!(o->stale_ratio > 0 && o->stale_ratio <= 1))
        return fl_diag_set(d, FL_EINVAL, 0, 0, "--stale-ratio must be in (0, 1], got %g",
                           o->stale_ratio);
    if (!plain_text(o->group))
        return fl_diag_set(d, FL_EINVAL, 0, 0, "--group must be non-empty, without quotes, "
                                               "backslashes or control characters");
    if (!plain_text(o->job))
        return fl_diag_set(d, FL_EINVAL, 0, 0, "--job must be non-empty, without quotes, "
                                               "backslashes or control characters");
    if (!plain_text(o->severity))
        return fl_diag_set(d, FL_EINVAL, 0, 0, "--severity must be non-empty, without quotes, "
                                               "backslashes or control characters");
    fl_duration_fmt(o->for_ms, for_s, sizeof for_s);
    /* the window of increase(): the same as `for`, at least 5m so that a 15s-30s scrape
     * interval leaves enough samples for increase() */
    fl_duration_fmt(o->for_ms >= 300000 ? o->for_ms : 300000, window, sizeof window);
    fl_fmt_double(o->stale_ratio, stale, sizeof stale);
    static const char *const keys[] = {"for", "window", "stale", "job"};
    const char *vals[] = {for_s, window, stale, o->job};
    size_t nk = sizeof keys / sizeof keys[0];

    fl_buf_puts(out, "# Prometheus alerting rules for the series faultline exports on /metrics.\n"
                     "# Generated by `faultline rules export`; see docs/ALERTING.md.\n"
                     "groups:\n  - name: ");
    expand(out, o->group, keys, vals, 0, 1);
    fl_buf_puts(out, "\n    rules:\n");
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const struct rule *r = &rules[i];
        fl_buf_printf(out, "      - alert: %s\n        expr: ", r->alert);
        expand(out, r->expr, keys, vals, nk, 1);
        fl_buf_printf(out, "\n        for: %s\n", r->use_for ? for_s : "0s");
        fl_buf_puts(out, "        labels:\n          severity: ");
        expand(out, o->severity, keys, vals, 0, 1);
        fl_buf_puts(out, "\n          source: faultline\n        annotations:\n          summary: ");
        expand(out, r->summary, keys, vals, nk, 1);
        fl_buf_puts(out, "\n          description: ");
        expand(out, r->description, keys, vals, nk, 1);
        fl_buf_putc(out, '\n');
    }
    return FL_OK;
}
