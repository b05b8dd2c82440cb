/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_alloc_fail.c: every record parser survives every allocation failure. For each parser and a
 * representative input, the Nth allocation is made to fail for N = 0, 1, 2, ... until the parse
 * succeeds; each failing run must return FL_ENOMEM with a diagnostic (never crash, never report
 * success with missing data). Leaks are caught by `make asan` (LeakSanitizer) and valgrind.
 * Also: the per-record caps (features, segments, CSV columns).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "ingest/csv.h"
#include "ingest/events.h"
#include "ingest/inference.h"

enum which { INF, OUT, EVT, CSV };

static fl_err run(enum which w, const char *in, const struct fl_csv_mapping *m, size_t *n_records)
{
    struct fl_batch b;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_batch_init(&b, 0);
    if (e)
        return e;
    size_t len = strlen(in);
    switch (w) {
    case INF: e = fl_inference_jsonl_to_batch(in, len, NULL, &b, &d); break;
    case OUT: e = fl_outcome_jsonl_to_batch(in, len, NULL, &b, &d); break;
    case EVT: e = fl_events_json_to_batch(in, len, NULL, &b, &d); break;
    case CSV: e = fl_csv_to_batch(in, len, m, NULL, &b, &d); break;
    }
    if (e != FL_OK)
        cr_assert(d.code == e && d.msg[0], "failure %s without a diagnostic", fl_err_name(e));
    *n_records = fl_batch_count(&b);
    fl_batch_cleanup(&b);
    return e;
}

static void every_failure_point(enum which w, const char *in, const struct fl_csv_mapping *m,
                                size_t want_records)
{
    size_t n;
    fl_alloc_fail_after(-1);
    cr_assert_eq(run(w, in, m, &n), FL_OK, "baseline");
    cr_assert_eq(n, want_records);
    int failures = 0;
    for (long k = 0; k < 10000; k++) {
        fl_alloc_fail_after(k);
        fl_err e = run(w, in, m, &n);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            cr_assert_eq(n, want_records, "fail_after %ld: success must be complete", k);
            cr_assert_gt(failures, 0, "no allocation was ever made to fail");
            return;
        }
        cr_assert_eq(e, FL_ENOMEM, "fail_after %ld: got %s", k, fl_err_name(e));
        failures++;
    }
    cr_assert_fail("never succeeded");
}

Test(alloc_fail, inference)
{
    every_failure_point(
        INF,
        "{\"ts\":1,\"request_id\":\"r1\",\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\","
        "\"model\":\"m\",\"model_version\":\"v\",\"features\":{\"a\":1,\"b\\u0062\":\"x\\ty\","
        "\"c\":{\"value\":2,\"status\":\"outside_max_age\"}},\"prediction\":{\"class\":\"k\","
        "\"scores\":[0.1,0.9]},\"segments\":{\"z\":\"1\",\"a\":2}}\n"
        "{\"request_id\":\"r2\",\"model\":\"m\",\"model_version\":\"v\",\"prediction\":[1,2]}\n",
        NULL, 2);
}

Test(alloc_fail, outcomes)
{
    every_failure_point(OUT,
                        "{\"request_id\":\"r1\",\"name\":\"click\",\"value\":1,"
                        "\"attributes\":{\"a\":[1]}}\n{\"request_id\":\"r\\u0032\",\"outcome\":"
                        "\"x\",\"value\":false}\n",
                        NULL, 2);
}

Test(alloc_fail, events)
{
    every_failure_point(EVT,
                        "[{\"ts\":1,\"kind\":\"deploy\",\"component\":\"api\"},"
                        "{\"ts\":2,\"kind\":\"model_version_change\",\"component\":\"c\","
                        "\"attributes\":{\"model\":\"m\\u00e9\",\"to_version\":3}}]",
                        NULL, 3 /* 2 events + 1 model version */);
}

Test(alloc_fail, csv)
{
    struct fl_csv_mapping *m = NULL;
    struct fl_diag d;
    const char *map = "{\"labels\":{\"job\":\"j\"},\"columns\":{\"a\":{\"name\":\"x\","
                      "\"labels\":{\"k\":\"v\"}}}}";
    fl_diag_init(&d);
    cr_assert_eq(fl_csv_mapping_parse(map, strlen(map), &m, &d), FL_OK, "%s", d.msg);
    every_failure_point(CSV, "time,a,\"b \"\"q\"\"\"\n1,2,3\n2,,4\n", m, 3);
    every_failure_point(CSV, "time,a,b\n1,2,3\n", NULL, 2);
    fl_csv_mapping_free(m);
}

Test(alloc_fail, mapping)
{
    const char *map = "{\"time_column\":\"t\",\"labels\":{\"job\":\"j\"},\"columns\":{\"a\":"
                      "{\"name\":\"x\",\"labels\":{\"k\":\"v\"}},\"b\":\"y\",\"c\":null}}";
    int failures = 0;
    for (long k = 0; k < 1000; k++) {
        struct fl_csv_mapping *m = NULL;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_alloc_fail_after(k);
        fl_err e = fl_csv_mapping_parse(map, strlen(map), &m, &d);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            cr_assert_not_null(m);
            fl_csv_mapping_free(m);
            cr_assert_gt(failures, 0);
            return;
        }
        cr_assert_eq(e, FL_ENOMEM, "fail_after %ld: %s", k, d.msg);
        cr_assert_null(m);
        failures++;
    }
    cr_assert_fail("never succeeded");
}

/* ---- caps ---- */

Test(caps, features_per_record)
{
    struct fl_buf in;
    struct fl_batch b;
    struct fl_diag d;
    fl_buf_init(&in, 1u << 24);
    fl_buf_puts(&in, "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"features\":{");
    for (int i = 0; i <= FL_LIMIT_FEATURES_PER_RECORD; i++)
        fl_buf_printf(&in, "%s\"f%d\":%d", i ? "," : "", i, i);
    fl_buf_puts(&in, "}}");
    cr_assert_eq(fl_buf_err(&in), FL_OK);
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    fl_diag_init(&d);
    cr_assert_eq(fl_inference_jsonl_to_batch(in.data, in.len, NULL, &b, &d), FL_ELIMIT);
    char want[64];
    snprintf(want, sizeof want, "more than %d features in one record",
             FL_LIMIT_FEATURES_PER_RECORD);
    cr_assert_str_eq(d.msg, want);
    cr_assert_str_eq(d.field, "features");
    /* exactly the cap is fine; many features with a duplicate far apart are found by sorting */
    fl_buf_reset(&in);
    fl_buf_puts(&in, "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"features\":{");
    for (int i = 0; i < FL_LIMIT_FEATURES_PER_RECORD; i++)
        fl_buf_printf(&in, "%s\"f%d\":%d", i ? "," : "", i, i);
    fl_buf_puts(&in, "}}\n{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\","
                     "\"features\":{");
    for (int i = 0; i < 100; i++)
        fl_buf_printf(&in, "\"g%d\":1,", i);
    fl_buf_puts(&in, "\"g7\":2}}");
    fl_batch_reset(&b);
    fl_diag_init(&d);
    cr_assert_eq(fl_inference_jsonl_to_batch(in.data, in.len, NULL, &b, &d), FL_EPARSE);
    cr_assert_eq(b.inferences[0].n_features, FL_LIMIT_FEATURES_PER_RECORD);
    cr_assert_eq(d.line, 2);
    cr_assert_str_eq(d.msg, "feature given twice");
    cr_assert_str_eq(d.field, "features.g7");
    fl_batch_cleanup(&b);
    fl_buf_cleanup(&in);
}

Test(caps, segments_per_record)
{
    struct fl_limits lim;
    struct fl_batch b;
    struct fl_diag d;
    fl_limits_default(&lim);
    lim.labels_per_series = 2;
    const char *in = "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\","
                     "\"segments\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}}";
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    fl_diag_init(&d);
    cr_assert_eq(fl_inference_jsonl_to_batch(in, strlen(in), &lim, &b, &d), FL_ELIMIT);
    cr_assert_str_eq(d.msg, "more than 2 segments in one record");
    cr_assert_eq(d.column, (unsigned long)(strstr(in, "\"c\"") - in) + 1);
    fl_batch_cleanup(&b);
}

Test(caps, csv_columns)
{
    struct fl_buf in;
    struct fl_batch b;
    struct fl_diag d;
    fl_buf_init(&in, 1u << 24);
    fl_buf_puts(&in, "time");
    for (int i = 0; i < FL_LIMIT_CSV_COLUMNS; i++)
        fl_buf_printf(&in, ",c%d", i);
    fl_buf_puts(&in, "\n");
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    fl_diag_init(&d);
    cr_assert_eq(fl_csv_to_batch(in.data, in.len, NULL, NULL, &b, &d), FL_ELIMIT);
    char want[64];
    snprintf(want, sizeof want, "more than %d columns", FL_LIMIT_CSV_COLUMNS);
    cr_assert_str_eq(d.msg, want);
    cr_assert_eq(d.line, 1);
    fl_batch_cleanup(&b);
    fl_buf_cleanup(&in);
}

/* The diagnostic is optional: every parser must work (and fail) without one. */
Test(caps, null_diag)
{
    struct fl_batch b;
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    const char *bad_inf = "{\"request_id\":\"r\",\"model\":1}";
    cr_assert_eq(fl_inference_jsonl_to_batch(bad_inf, strlen(bad_inf), NULL, &b, NULL),
                 FL_EPARSE);
    const char *bad_out = "{\"request_id\":\"r\",\"name\":\"c\",\"value\":[";
    cr_assert_eq(fl_outcome_jsonl_to_batch(bad_out, strlen(bad_out), NULL, &b, NULL), FL_EPARSE);
    const char *bad_ev = "{\"ts\":1,\"kind\":\"model_version_change\",\"component\":\"c\","
                         "\"attributes\":{\"model\":[]}}";
    cr_assert_eq(fl_events_json_to_batch(bad_ev, strlen(bad_ev), NULL, &b, NULL), FL_EPARSE);
    const char *bad_csv = "time,a\n1,x\n";
    cr_assert_eq(fl_csv_to_batch(bad_csv, strlen(bad_csv), NULL, NULL, &b, NULL), FL_EPARSE);
    struct fl_csv_mapping *m = NULL;
    cr_assert_eq(fl_csv_mapping_parse("{", 1, &m, NULL), FL_ECONFIG);
    cr_assert_null(m);
    fl_batch_cleanup(&b);
}
