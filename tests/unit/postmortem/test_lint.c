/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_lint.c: the blame lint (src/report/postmortem_lint.c) over blaming and blameless
 * sentences: every rule fires where it should, with its line and column, and blameless
 * descriptions of the same events (systems that failed, missing checks) give no finding.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "report/postmortem.h"

static struct fl_arena A;

static void setup(void)
{
    fl_arena_init(&A, 64 * 1024, (size_t)64 << 20);
}

static void teardown(void)
{
    fl_arena_cleanup(&A);
}

TestSuite(lint, .init = setup, .fini = teardown);

static struct fl_pm_lint run(const char *text)
{
    struct fl_pm_lint l = {0};
    cr_assert_eq(fl_postmortem_lint("t", text, strlen(text), &A, &l), FL_OK);
    return l;
}

Test(lint, blaming_phrasing_is_flagged_with_position)
{
    struct {
        const char *text, *rule, *phrase;
        unsigned long line, col;
    } cases[] = {
        {"This was Bob's fault.", "possessive-fault", "Bob's fault", 1, 10},
        {"it was the fault of the release manager", "possessive-fault", "fault of", 1, 12},
        {"The deploy should have been reviewed.", "should-have", "should have", 1, 12},
        {"We shouldn't have merged it", "should-have", "shouldn't have", 1, 4},
        {"a careless change", "character", "careless", 1, 3},
        {"pure carelessness", "character", "carelessness", 1, 6},
        {"Root cause: human error.", "human-error", "human error", 1, 13},
        {"line one\nthe operator forgot to renew the cert", "forgot", "forgot", 2, 14},
        {"Alice failed to run the migration", "person-failed", "Alice failed to", 1, 1},
        {"she failed to check", "person-failed", "she failed to", 1, 1},
        {"the on-call engineer missed the page", "person-failed", "engineer missed", 1, 13},
        {"@dave ignored the alert", "person-failed", "@dave ignored", 1, 1},
        {"the outage was caused by him", "person-cause", "caused by him", 1, 16},
        {"caused by @erin's push", "person-cause", "caused by @erin's", 1, 1},
        {"Nobody is to blame", "blame", "blame", 1, 14},
        {"he made a mistake", "mistake", "made a mistake", 1, 4},
        {"Sloppy config review", "character", "Sloppy", 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fl_pm_lint l = run(cases[i].text);
        cr_expect_geq(l.n, 1, "\"%s\": no finding", cases[i].text);
        if (!l.n)
            continue;
        cr_expect_str_eq(l.items[0].rule, cases[i].rule, "\"%s\"", cases[i].text);
        cr_expect_str_eq(l.items[0].phrase, cases[i].phrase, "\"%s\"", cases[i].text);
        cr_expect_eq(l.items[0].line, cases[i].line, "\"%s\" line", cases[i].text);
        cr_expect_eq(l.items[0].column, cases[i].col, "\"%s\" column %lu", cases[i].text,
                     l.items[0].column);
        cr_expect_str_eq(l.items[0].where, "t");
        cr_expect_not_null(l.items[0].message);
    }
}

Test(lint, blameless_text_has_no_finding)
{
    const char *ok[] = {
        "The nightly job failed to run for 12 days; no alert fired on its failures.",
        "customer-features failed to write its output: the pod was OOMKilled.",
        "The deploy pipeline has no canary stage, so the regression reached all traffic.",
        "A freshness check on the pipeline would have paged within 26 h.",
        "Kafka-connect missed 3 heartbeats and the consumer group rebalanced.",
        "The retry loop ignored the deadline and amplified the load.",
        "Timeouts caused by connection pool exhaustion on fraud-service->feature-store.",
        "Default value of the fault-injection flag was wrong.",
        "The change was reviewed and approved; the test suite has no case for empty inputs.",
        "Faults in the cache layer were absorbed by the fallback.",
        "A blameless review; see the Blame lint section.",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct fl_pm_lint l = run(ok[i]);
        cr_expect_eq(l.n, 0, "\"%s\": flagged %s \"%s\"", ok[i], l.n ? l.items[0].rule : "",
                     l.n ? l.items[0].phrase : "");
    }
}

Test(lint, hostile_bytes_and_limits)
{
    struct fl_pm_lint l = {0};
    const char bytes[] = {'h', 'e', ' ', 'f', 'o', 'r', 'g', 'o', 't', 0, 'x', '\xff', '\n'};
    cr_assert_eq(fl_postmortem_lint(NULL, bytes, sizeof bytes, &A, &l), FL_OK);
    cr_expect_eq(l.n, 1);
    cr_expect_str_eq(l.items[0].where, "text");
    cr_expect_eq(fl_postmortem_lint("x", bytes, FL_PM_LINT_MAX_BYTES + 1, &A, &l), FL_ELIMIT);
    cr_expect_eq(fl_postmortem_lint("x", NULL, 0, &A, &l), FL_OK);
}
