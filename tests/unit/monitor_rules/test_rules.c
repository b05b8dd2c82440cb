// SPDX-License-Identifier: Apache-2.0
/*
 * test_rules.c: the alerting-rule file of `faultline rules export` (src/monitor/rules.c):
 * options reach the expressions and texts, YAML quoting keeps apostrophes and Prometheus
 * templates intact, and bad options are refused with the option named. (promtool itself checks
 * and runs the rules in tests/integration/test_rules.sh.)
 */
#include <criterion/criterion.h>
#include <string.h>

#include "core/alloc.h"
#include "monitor/rules.h"

static char *export(const struct fl_rules_opts *o, fl_err *e, struct fl_diag *d)
{
    struct fl_buf b;
    fl_buf_init(&b, 1 << 20);
    fl_diag_init(d);
    *e = fl_rules_export(o, &b, d);
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    return fl_buf_take(&b);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

Test(rules, defaults)
{
    struct fl_rules_opts o;
    struct fl_diag d;
    fl_err e;
    fl_rules_opts_default(&o);
    char *y = export(&o, &e, &d);
    cr_assert_eq(e, FL_OK, "%s", d.msg);
    cr_expect_eq(count(y, "      - alert: "), 7);
    cr_expect_eq(count(y, "        for: 15m\n"), 5);
    cr_expect_eq(count(y, "        for: 0s\n"), 2);
    cr_expect_eq(count(y, "          severity: 'warning'\n"), 7);
    cr_expect(strstr(y, "groups:\n  - name: 'faultline'\n    rules:\n"));
    cr_expect(strstr(y, "(faultline_feature_stale_ratio) > 0.05'"));
    cr_expect(strstr(y, "increase(faultline_validation_anomalies_total[15m])"));
    cr_expect(strstr(y, "'up{job=\"faultline\"} == 0'"));
    /* apostrophes doubled inside single quotes; templates untouched */
    cr_expect(strstr(y, "'faultline''s {{ $labels.method }} test"));
    cr_expect(!strstr(y, "${"), "every placeholder expanded");
    fl_free(y);
}

Test(rules, options_reach_the_rules)
{
    struct fl_rules_opts o;
    struct fl_diag d;
    fl_err e;
    fl_rules_opts_default(&o);
    o.for_ms = 90 * 1000;
    o.stale_ratio = 0.25;
    o.job = "fl-prod";
    o.group = "ml-ops";
    o.severity = "page";
    char *y = export(&o, &e, &d);
    cr_assert_eq(e, FL_OK, "%s", d.msg);
    cr_expect_eq(count(y, "        for: 1m30s\n"), 5);
    cr_expect(strstr(y, "(faultline_feature_stale_ratio) > 0.25'"));
    cr_expect(strstr(y, "increase(faultline_validation_anomalies_total[5m])"),
              "the window is at least 5m");
    cr_expect(strstr(y, "'up{job=\"fl-prod\"} == 0'"));
    cr_expect(strstr(y, "(job fl-prod) for 1m30s"));
    cr_expect(strstr(y, "  - name: 'ml-ops'\n"));
    cr_expect_eq(count(y, "          severity: 'page'\n"), 7);
    fl_free(y);
    o.for_ms = 2 * 3600 * 1000;
    y = export(&o, &e, &d);
    cr_expect(strstr(y, "increase(faultline_validation_anomalies_total[2h])"));
    fl_free(y);
}

Test(rules, bad_options_are_refused)
{
    static const struct {
        int64_t for_ms;
        double stale;
        const char *job, *group, *severity, *msg;
    } bad[] = {
        {-1, 0.05, "j", "g", "s", "--for must not be negative"},
        {0, 0, "j", "g", "s", "--stale-ratio must be in (0, 1], got 0"},
        {0, 1.5, "j", "g", "s", "--stale-ratio must be in (0, 1], got 1.5"},
        {0, 0.05, "a\"b", "g", "s", "--job must be"},
        {0, 0.05, "", "g", "s", "--job must be"},
        {0, 0.05, "j", "it's", "s", "--group must be"},
        {0, 0.05, "j", "g", "a\nb", "--severity must be"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fl_rules_opts o = {bad[i].group, bad[i].for_ms, bad[i].stale, bad[i].job,
                                  bad[i].severity};
        struct fl_diag d;
        fl_err e;
        char *y = export(&o, &e, &d);
        cr_expect_eq(e, FL_EINVAL, "case %zu", i);
        cr_expect(!strncmp(d.msg, bad[i].msg, strlen(bad[i].msg)), "case %zu: %s", i, d.msg);
        fl_free(y);
    }
}
