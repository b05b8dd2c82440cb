/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_detect.c: content detection for `faultline import` (src/ingest/detect.c) over sample inputs
 * of every kind, plus near misses that must stay unknown, and the kind names.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/detect.h"

struct case_ {
    const char *name;
    const char *input;
    enum fl_ingest_kind want;
};

static const struct case_ cases[] = {
    {"prometheus with HELP/TYPE",
     "# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n"
     "http_requests_total{code=\"200\",method=\"get\"} 1027 1395066363000\n",
     FL_INGEST_PROM_TEXT},
    {"prometheus bare samples", "up 1\nprocess_cpu_seconds_total{job=\"a,b\"} 12.5\n",
     FL_INGEST_PROM_TEXT},
    {"openmetrics with EOF",
     "# TYPE foo counter\nfoo_total 17.0 1520879607.789\n# EOF\n", FL_INGEST_OPENMETRICS},
    {"openmetrics with UNIT", "# TYPE temp gauge\n# UNIT temp celsius\ntemp 21\n",
     FL_INGEST_OPENMETRICS},
    {"openmetrics info type", "# TYPE build info\nbuild_info{version=\"1\"} 1\n",
     FL_INGEST_OPENMETRICS},
    {"otlp json",
     "{\"resourceSpans\":[{\"resource\":{\"attributes\":[]},\"scopeSpans\":[]}]}",
     FL_INGEST_OTLP_JSON},
    {"jaeger api response",
     "{\"data\":[{\"traceID\":\"abc\",\"spans\":[],\"processes\":{}}],\"total\":0}",
     FL_INGEST_JAEGER_JSON},
    {"jaeger spans+processes first",
     "{\"data\":[{\"spans\":[{\"spanID\":\"1\"}],\"processes\":{\"p1\":{}}}]}",
     FL_INGEST_JAEGER_JSON},
    {"inference jsonl",
     "{\"ts\":1700000000,\"request_id\":\"r1\",\"model\":\"ranker\",\"model_version\":\"v7\","
     "\"features\":{\"age\":34}}\n{\"request_id\":\"r2\"}\n",
     FL_INGEST_INFERENCE_JSONL},
    {"inference with prediction only",
     "  \n{\"model\":\"m\",\"prediction\":0.3,\"request_id\":\"r\",\"version\":\"1\"}",
     FL_INGEST_INFERENCE_JSONL},
    {"outcome jsonl", "{\"ts\":1,\"request_id\":\"r1\",\"outcome\":\"click\",\"value\":1}\n",
     FL_INGEST_OUTCOME_JSONL},
    {"outcome name+value", "{\"request_id\":\"r1\",\"name\":\"label\",\"value\":true}",
     FL_INGEST_OUTCOME_JSONL},
    {"events array",
     "[\n {\"ts\":\"2026-01-01T00:00:00Z\",\"kind\":\"deploy\",\"component\":\"api\"}\n]",
     FL_INGEST_EVENTS_JSON},
    {"events object with type",
     "{\n  \"type\": \"config_change\",\n  \"component\": \"db\",\n  \"ts\": 1\n}",
     FL_INGEST_EVENTS_JSON},
    {"csv with time header", "time,cpu,mem\n1700000000,1,2\n", FL_INGEST_CSV},
    {"csv with quoted header and BOM", "\xef\xbb\xbf\"Timestamp\",\"cpu\"\r\n1,2\r\n",
     FL_INGEST_CSV},
    {"csv time-like first value", "when,cpu\n2026-01-01T00:00:00Z,3\n", FL_INGEST_CSV},
    {"csv unix ms first value", "t,cpu\n1700000000000,3\n", FL_INGEST_CSV},
    /* near misses */
    {"empty", "", FL_INGEST_UNKNOWN},
    {"whitespace", " \n\t\n", FL_INGEST_UNKNOWN},
    {"json without known keys", "{\"hello\":\"world\"}", FL_INGEST_UNKNOWN},
    {"outcome-like with model", "{\"request_id\":\"r\",\"model\":\"m\",\"outcome\":\"x\"}",
     FL_INGEST_UNKNOWN},
    {"csv without time", "name,score\nalice,3\n", FL_INGEST_UNKNOWN},
    {"prose", "Hello, this is not metrics.\n", FL_INGEST_UNKNOWN},
    {"broken json", "{\"model\"", FL_INGEST_UNKNOWN},
};

Test(detect, sample_inputs)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum fl_ingest_kind k = fl_ingest_detect(cases[i].input, strlen(cases[i].input));
        cr_assert_eq(k, cases[i].want, "%s: got %s, want %s", cases[i].name,
                     fl_ingest_kind_name(k), fl_ingest_kind_name(cases[i].want));
    }
}

Test(detect, eof_at_end_of_large_input)
{
    /* "# EOF" beyond the 8 KiB window still marks OpenMetrics */
    size_t n = 20000;
    char *buf = malloc(n + 16);
    cr_assert_not_null(buf);
    size_t pos = 0;
    while (pos + 12 < n) {
        memcpy(buf + pos, "metric_a 1\n", 11);
        pos += 11;
    }
    memcpy(buf + pos, "# EOF\n", 6);
    pos += 6;
    cr_assert_eq(fl_ingest_detect(buf, pos), FL_INGEST_OPENMETRICS);
    cr_assert_eq(fl_ingest_detect(buf, pos - 6), FL_INGEST_PROM_TEXT);
    free(buf);
}

Test(detect, truncated_window_still_decides)
{
    /* one huge inference line: keys are seen before the window ends */
    size_t n = 30000;
    char *buf = malloc(n);
    cr_assert_not_null(buf);
    const char *head = "{\"model\":\"m\",\"features\":{";
    size_t pos = strlen(head);
    memcpy(buf, head, pos);
    for (int i = 0; pos + 20 < n; i++)
        pos += (size_t)snprintf(buf + pos, n - pos, "\"f%d\":%d,", i, i);
    cr_assert_eq(fl_ingest_detect(buf, pos), FL_INGEST_INFERENCE_JSONL);
    free(buf);
}

Test(detect, kind_names_round_trip)
{
    static const char *const names[] = {"unknown",         "prometheus-text", "openmetrics",
                                        "otlp-json",       "jaeger-json",     "inference-jsonl",
                                        "outcome-jsonl",   "events-json",     "csv"};
    for (int k = FL_INGEST_UNKNOWN; k <= FL_INGEST_CSV; k++) {
        cr_assert_str_eq(fl_ingest_kind_name((enum fl_ingest_kind)k), names[k]);
        if (k != FL_INGEST_UNKNOWN)
            cr_assert_eq(fl_ingest_kind_parse(names[k]), k);
    }
    cr_assert_str_eq(fl_ingest_kind_name((enum fl_ingest_kind)99), "unknown");
    cr_assert_eq(fl_ingest_kind_parse("prom"), FL_INGEST_UNKNOWN);
    cr_assert_eq(fl_ingest_kind_parse(NULL), FL_INGEST_UNKNOWN);
}
