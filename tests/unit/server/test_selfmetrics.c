/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_selfmetrics.c: the /metrics registry (src/server/selfmetrics.c). Renders after known
 * observations and checks exact sample lines, label escaping, histogram buckets (cumulative,
 * le="+Inf" equal to _count), and the exposition rules of text format 0.0.4 that promtool
 * enforces: every sample's family has HELP and TYPE before it, families are contiguous, counters
 * end in _total. (The integration test test_promtool_metrics.sh runs promtool itself.)
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/version.h"
#include "server/selfmetrics.h"
#include "store/store.h"

static char *render(struct fl_selfmetrics *m, const struct fl_store_stats *st,
                    const struct fl_selfmetrics_target *t, size_t nt)
{
    struct fl_buf b;
    fl_buf_init(&b, 1 << 24);
    fl_selfmetrics_render(m, st, t, nt, &b);
    cr_assert_eq(fl_buf_err(&b), FL_OK);
    return fl_buf_take(&b);
}

static void expect_line(const char *text, const char *line)
{
    char want[512];
    snprintf(want, sizeof want, "\n%s\n", line);
    cr_expect_not_null(strstr(text, want), "missing line: %s", line);
}

static const char *const route_names[] = {"/a", "/x\"y\\z"};

Test(selfmetrics, exact_values)
{
    struct fl_selfmetrics *m = fl_selfmetrics_new(route_names, 2, 1700000000.5);
    cr_assert_not_null(m);
    fl_selfmetrics_ingested(m, FL_SM_SAMPLE, 3);
    fl_selfmetrics_ingested(m, FL_SM_SPAN, 7);
    fl_selfmetrics_ingested(m, FL_SM_SPAN, 1);
    fl_selfmetrics_rejected(m, FL_SM_INFERENCE, FL_EPARSE, 2);
    fl_selfmetrics_rejected(m, FL_SM_EVENT, FL_EAUTH, 1);
    fl_selfmetrics_observe_http(m, 0, 200, 0.00390625);
    fl_selfmetrics_observe_http(m, 0, 200, 0.125);
    fl_selfmetrics_observe_http(m, 0, 400, 20);
    fl_selfmetrics_observe_http(m, 1, 404, 0.001);
    fl_selfmetrics_observe_http(m, 99, 404, 0.5); /* no such route: "other" */
    struct fl_store_stats st = {.bytes = 4096, .n_series = 12, .n_samples = 3456, .n_spans = 8};
    struct fl_selfmetrics_target t[] = {{"node", "127.0.0.1:9100", 1, 0.25, 812},
                                        {"api", "10.0.0.2:80", 0, 10, 0}};
    char *text = render(m, &st, t, 2);

    expect_line(text, "faultline_build_info{version=\"" FL_VERSION "\"} 1");
    expect_line(text, "process_start_time_seconds 1700000000.5");
    expect_line(text, "faultline_ingested_records_total{kind=\"sample\"} 3");
    expect_line(text, "faultline_ingested_records_total{kind=\"span\"} 8");
    expect_line(text, "faultline_ingested_records_total{kind=\"outcome\"} 0");
    expect_line(text, "faultline_rejected_records_total{kind=\"inference\",reason=\"parse\"} 2");
    expect_line(text, "faultline_rejected_records_total{kind=\"event\",reason=\"auth\"} 1");
    expect_line(text, "faultline_rejected_records_total{kind=\"model\",reason=\"limit\"} 0");
    expect_line(text, "faultline_http_requests_total{route=\"/a\",code=\"200\"} 2");
    expect_line(text, "faultline_http_requests_total{route=\"/a\",code=\"400\"} 1");
    expect_line(text, "faultline_http_requests_total{route=\"/x\\\"y\\\\z\",code=\"404\"} 1");
    expect_line(text, "faultline_http_requests_total{route=\"other\",code=\"404\"} 1");
    expect_line(text,
                "faultline_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.001\"} 0");
    expect_line(text,
                "faultline_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.005\"} 1");
    expect_line(text, "faultline_http_request_duration_seconds_bucket{route=\"/a\",le=\"0.25\"} 2");
    expect_line(text, "faultline_http_request_duration_seconds_bucket{route=\"/a\",le=\"10\"} 2");
    expect_line(text, "faultline_http_request_duration_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3");
    expect_line(text, "faultline_http_request_duration_seconds_sum{route=\"/a\"} 20.12890625");
    expect_line(text, "faultline_http_request_duration_seconds_count{route=\"/a\"} 3");
    /* a duration exactly on a bound falls in that bucket (le is "less or equal") */
    expect_line(
        text,
        "faultline_http_request_duration_seconds_bucket{route=\"/x\\\"y\\\\z\",le=\"0.001\"} 1");
    expect_line(text, "faultline_store_bytes 4096");
    expect_line(text, "faultline_store_series 12");
    expect_line(text, "faultline_store_samples 3456");
    expect_line(text, "faultline_store_spans 8");
    expect_line(text, "faultline_scrape_target_up{job=\"node\",instance=\"127.0.0.1:9100\"} 1");
    expect_line(text, "faultline_scrape_target_up{job=\"api\",instance=\"10.0.0.2:80\"} 0");
    expect_line(text,
                "faultline_scrape_duration_seconds{job=\"node\",instance=\"127.0.0.1:9100\"} 0.25");
    expect_line(text,
                "faultline_scrape_samples_scraped{job=\"node\",instance=\"127.0.0.1:9100\"} 812");
    free(text);
    fl_selfmetrics_free(m);
}

/* The family a sample name belongs to, given the declared types. */
static const char *family_of(const char *name, char types[][2][128], size_t n_types)
{
    static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
    for (size_t i = 0; i < n_types; i++)
        if (!strcmp(types[i][0], name))
            return types[i][0];
    for (size_t i = 0; i < n_types; i++) {
        if (strcmp(types[i][1], "histogram"))
            continue;
        size_t fl = strlen(types[i][0]);
        for (size_t s = 0; s < 3; s++)
            if (!strncmp(name, types[i][0], fl) && !strcmp(name + fl, suffixes[s]))
                return types[i][0];
    }
    return NULL;
}

Test(selfmetrics, exposition_rules)
{
    struct fl_selfmetrics *m = fl_selfmetrics_new(route_names, 2, 1);
    fl_selfmetrics_observe_http(m, 0, 200, 0.01);
    struct fl_store_stats st = {0};
    struct fl_selfmetrics_target t = {"j", "i", 1, 1, 1};
    char *text = render(m, &st, &t, 1);
    cr_assert(text[strlen(text) - 1] == '\n', "must end with a newline");

    char types[64][2][128];
    char helps[64][128];
    size_t n_types = 0, n_helps = 0, n_samples = 0;
    char current[128] = "";
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[128], type[32];
        if (sscanf(line, "# HELP %127s", name) == 1) {
            cr_assert_lt(n_helps, 64);
            for (size_t i = 0; i < n_helps; i++)
                cr_assert_str_neq(helps[i], name, "two HELP lines for %s", name);
            snprintf(helps[n_helps++], 128, "%s", name);
            snprintf(current, sizeof current, "%s", name);
            continue;
        }
        if (sscanf(line, "# TYPE %127s %31s", name, type) == 2) {
            cr_assert_str_eq(name, current, "TYPE %s must follow its HELP", name);
            cr_assert_lt(n_types, 64);
            snprintf(types[n_types][0], 128, "%s", name);
            snprintf(types[n_types][1], 128, "%s", type);
            n_types++;
            if (!strcmp(type, "counter"))
                cr_assert(strlen(name) > 6 && !strcmp(name + strlen(name) - 6, "_total"),
                          "counter %s must end in _total", name);
            continue;
        }
        cr_assert_neq(line[0], '#', "unexpected comment: %s", line);
        size_t nl = strcspn(line, "{ ");
        snprintf(name, sizeof name, "%.*s", (int)nl, line);
        const char *fam = family_of(name, types, n_types);
        cr_assert_not_null(fam, "sample %s before its TYPE", name);
        cr_assert_str_eq(fam, current, "sample %s outside its family block", name);
        n_samples++;
    }
    cr_assert_eq(n_helps, n_types);
    cr_assert_gt(n_samples, 40);
    free(text);
    fl_selfmetrics_free(m);
}

Test(selfmetrics, reasons_are_lowercase_error_names)
{
    cr_assert_str_eq(fl_selfmetrics_reason(FL_EPARSE), "parse");
    cr_assert_str_eq(fl_selfmetrics_reason(FL_ELIMIT), "limit");
    cr_assert_str_eq(fl_selfmetrics_reason(FL_EAUTH), "auth");
    cr_assert_str_eq(fl_selfmetrics_reason(FL_EUNSUPPORTED), "unsupported");
    cr_assert_str_eq(fl_selfmetrics_kind_name(FL_SM_INFERENCE), "inference");
}
