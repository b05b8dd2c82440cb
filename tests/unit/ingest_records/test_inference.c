/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_inference.c: inference and outcome JSON Lines (src/ingest/inference.c): every field of a
 * full record, feature statuses, prediction shapes, segment order, timestamp forms, and a table of
 * invalid lines with their exact diagnostics (line, column, field, message).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "core/time.h"
#include "ingest/inference.h"

static struct fl_batch batch;
static struct fl_diag diag;

static void setup(void)
{
    cr_assert_eq(fl_batch_init(&batch, 0), FL_OK);
    fl_diag_init(&diag);
}

static void teardown(void)
{
    fl_batch_cleanup(&batch);
}

TestSuite(inference, .init = setup, .fini = teardown);

static fl_err parse(const char *s)
{
    return fl_inference_jsonl_to_batch(s, strlen(s), NULL, &batch, &diag);
}

static const struct fl_feature *feature(const struct fl_inference *r, const char *name)
{
    for (size_t i = 0; i < r->n_features; i++)
        if (strcmp(r->features[i].name, name) == 0)
            return &r->features[i];
    return NULL;
}

Test(inference, full_record_every_field)
{
    const char *line =
        "{\"ts\":\"2026-11-25T14:05:00.250Z\",\"request_id\":\"req-1\","
        "\"trace_id\":\"4BF92F3577B34DA6A3CE929D0E0E4736\",\"model\":\"ranker\",\"version\":\"v7\","
        "\"features\":{\"age\":34,\"country\":\"DE\",\"ctr_7d\":null,"
        "\"embedding_norm\":{\"value\":1.2,\"status\":\"outside_max_age\"},"
        "\"x\":{\"status\":\"not_found\"},\"is_new\":true,\"esc\\u0061ped\":\"a\\\"b\"},"
        "\"prediction\":{\"score\":0.8,\"class\":\"click\",\"scores\":[0.8,0.2]},"
        "\"segments\":{\"platform\":\"ios\",\"country\":\"DE\",\"app_version\":5.2,"
        "\"experiment_arm\":\"B\",\"beta\":true,\"region\":null},\"latency_ms\":12.5}\n";
    cr_assert_eq(parse(line), FL_OK, "%s", diag.msg);
    cr_assert_eq(batch.n_inferences, 1);
    const struct fl_inference *r = &batch.inferences[0];
    cr_assert_eq(r->ts_ms, 1795615500250);
    cr_assert_str_eq(r->request_id, "req-1");
    cr_assert_str_eq(r->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    cr_assert_str_eq(r->model, "ranker");
    cr_assert_str_eq(r->model_version, "v7");
    cr_assert_eq(r->n_features, 7);
    /* input order is kept */
    static const char *const order[] = {"age", "country", "ctr_7d", "embedding_norm", "x",
                                        "is_new", "escaped"};
    for (size_t i = 0; i < 7; i++)
        cr_assert_str_eq(r->features[i].name, order[i]);
    const struct fl_feature *f = feature(r, "age");
    cr_assert_eq(f->status, FL_FEAT_PRESENT);
    cr_assert_eq(f->kind, FL_VAL_NUMBER);
    cr_assert_eq(f->num, 34.0);
    f = feature(r, "country");
    cr_assert_eq(f->status, FL_FEAT_PRESENT);
    cr_assert_eq(f->kind, FL_VAL_STRING);
    cr_assert_str_eq(f->str, "DE");
    f = feature(r, "ctr_7d");
    cr_assert_eq(f->status, FL_FEAT_NULL);
    cr_assert_eq(f->kind, FL_VAL_NULL);
    f = feature(r, "embedding_norm");
    cr_assert_eq(f->status, FL_FEAT_OUTSIDE_MAX_AGE);
    cr_assert_eq(f->kind, FL_VAL_NUMBER);
    cr_assert_eq(f->num, 1.2);
    f = feature(r, "x");
    cr_assert_eq(f->status, FL_FEAT_NOT_FOUND);
    cr_assert_eq(f->kind, FL_VAL_NULL);
    f = feature(r, "is_new");
    cr_assert_eq(f->status, FL_FEAT_PRESENT);
    cr_assert_eq(f->kind, FL_VAL_BOOL);
    cr_assert_eq(f->num, 1.0);
    f = feature(r, "escaped");
    cr_assert_eq(f->kind, FL_VAL_STRING);
    cr_assert_str_eq(f->str, "a\"b");
    cr_assert_eq(r->pred_kind, FL_PRED_CLASS);
    cr_assert_str_eq(r->pred_class, "click");
    cr_assert_eq(r->score, 0.8);
    cr_assert_eq(r->n_scores, 2);
    cr_assert_eq(r->scores[0], 0.8);
    cr_assert_eq(r->scores[1], 0.2);
    /* segments sorted by name, numbers and bools as text, null omitted */
    static const char *const seg[][2] = {{"app_version", "5.2"}, {"beta", "true"},
                                         {"country", "DE"},      {"experiment_arm", "B"},
                                         {"platform", "ios"}};
    cr_assert_eq(r->n_segments, 5);
    for (size_t i = 0; i < 5; i++) {
        cr_assert_str_eq(r->segments[i].name, seg[i][0]);
        cr_assert_str_eq(r->segments[i].value, seg[i][1]);
    }
    cr_assert_eq(r->latency_ms, 12.5);
}

Test(inference, minimal_record_defaults)
{
    int64_t before = fl_time_now_ms();
    cr_assert_eq(parse("{\"ts\":null,\"request_id\":\"r\",\"model\":\"m\",\"model_version\":3,"
                       "\"trace_id\":null,\"features\":null,\"segments\":null,\"latency_ms\":null}"),
                 FL_OK, "%s", diag.msg);
    int64_t after = fl_time_now_ms();
    const struct fl_inference *r = &batch.inferences[0];
    cr_assert(r->ts_ms >= before && r->ts_ms <= after, "ts defaults to now");
    cr_assert_str_eq(r->model_version, "3");
    cr_assert_null(r->trace_id);
    cr_assert_eq(r->n_features, 0);
    cr_assert_eq(r->n_segments, 0);
    cr_assert_eq(r->pred_kind, FL_PRED_NONE);
    cr_assert(isnan(r->score));
    cr_assert(isnan(r->latency_ms));
}

Test(inference, many_lines_blank_crlf_and_interning)
{
    const char *in = "\n{\"request_id\":\"a\",\"model\":\"m\",\"model_version\":\"1\","
                     "\"features\":{\"f\":1,\"g\":\"x\"}}\r\n   \r\n"
                     "{\"request_id\":\"b\",\"model\":\"m\",\"model_version\":\"1\","
                     "\"features\":{\"f\":2,\"g\":\"x\"}}";
    cr_assert_eq(parse(in), FL_OK, "%s", diag.msg);
    cr_assert_eq(batch.n_inferences, 2);
    cr_assert_str_eq(batch.inferences[0].request_id, "a");
    cr_assert_str_eq(batch.inferences[1].request_id, "b");
    cr_assert_eq(batch.inferences[1].features[0].num, 2.0);
    /* repeated names and categorical values are stored once */
    cr_assert_eq(batch.inferences[0].features[0].name, batch.inferences[1].features[0].name);
    cr_assert_eq(batch.inferences[0].features[1].str, batch.inferences[1].features[1].str);
    cr_assert_eq(batch.inferences[0].model, batch.inferences[1].model);
}

struct pred_case {
    const char *prediction;
    int kind;
    double score; /* NaN = expect NaN */
    const char *cls;
    size_t n_scores;
};

Test(inference, prediction_shapes)
{
    static const struct pred_case cases[] = {
        {"0.7", FL_PRED_SCORE, 0.7, NULL, 0},
        {"\"cat\"", FL_PRED_CLASS, NAN, "cat", 0},
        {"true", FL_PRED_CLASS, NAN, "true", 0},
        {"[0.1,0.9]", FL_PRED_VECTOR, NAN, NULL, 2},
        {"{\"score\":0.2}", FL_PRED_SCORE, 0.2, NULL, 0},
        {"{\"class\":\"a\",\"scores\":[0.3,0.6,0.1]}", FL_PRED_CLASS, 0.6, "a", 3},
        {"{\"class\":\"a\",\"score\":0.9}", FL_PRED_CLASS, 0.9, "a", 0},
        {"{\"scores\":[1,2]}", FL_PRED_VECTOR, NAN, NULL, 2},
        {"{\"score\":0.4,\"scores\":[0.4,0.6]}", FL_PRED_SCORE, 0.4, NULL, 2},
        {"null", FL_PRED_NONE, NAN, NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[256];
        snprintf(line, sizeof line,
                 "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"1\",\"prediction\":%s}",
                 cases[i].prediction);
        fl_batch_reset(&batch);
        cr_assert_eq(parse(line), FL_OK, "%s: %s", cases[i].prediction, diag.msg);
        const struct fl_inference *r = &batch.inferences[0];
        cr_assert_eq(r->pred_kind, cases[i].kind, "%s", cases[i].prediction);
        if (isnan(cases[i].score))
            cr_assert(isnan(r->score), "%s: score %g", cases[i].prediction, r->score);
        else
            cr_assert_eq(r->score, cases[i].score, "%s", cases[i].prediction);
        if (cases[i].cls)
            cr_assert_str_eq(r->pred_class, cases[i].cls);
        else
            cr_assert_null(r->pred_class, "%s", cases[i].prediction);
        cr_assert_eq(r->n_scores, cases[i].n_scores, "%s", cases[i].prediction);
    }
}

Test(inference, vector_values)
{
    cr_assert_eq(parse("{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"1\","
                       "\"prediction\":[0.25,-1e3,7]}"),
                 FL_OK);
    const struct fl_inference *r = &batch.inferences[0];
    cr_assert_eq(r->n_scores, 3);
    cr_assert_eq(r->scores[0], 0.25);
    cr_assert_eq(r->scores[1], -1000.0);
    cr_assert_eq(r->scores[2], 7.0);
}

struct ts_case {
    const char *ts;
    int64_t want_ms;
};

Test(inference, timestamp_forms)
{
    static const struct ts_case cases[] = {
        {"\"ts\":1700000000", 1700000000000},
        {"\"ts\":1700000000.5", 1700000000500},
        {"\"ts\":1700000000123", 1700000000123},
        {"\"timestamp\":1700000000123.4", 1700000000123},
        {"\"ts\":0", 0},
        {"\"ts\":\"2023-11-14T22:13:20Z\"", 1700000000000},
        {"\"timestamp\":\"2023-11-14T23:13:20.123+01:00\"", 1700000000123},
        {"\"ts\":\"2023-11-14T22:13:20.123456789Z\"", 1700000000123},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[256];
        snprintf(line, sizeof line,
                 "{%s,\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"1\"}",
                 cases[i].ts);
        fl_batch_reset(&batch);
        cr_assert_eq(parse(line), FL_OK, "%s: %s", cases[i].ts, diag.msg);
        cr_assert_eq(batch.inferences[0].ts_ms, cases[i].want_ms, "%s: got %lld", cases[i].ts,
                     (long long)batch.inferences[0].ts_ms);
    }
}

struct bad_case {
    const char *input;
    fl_err code;
    unsigned long line;
    const char *needle; /* column = 1 + offset of needle in its line; NULL = don't check */
    const char *field;  /* NULL = don't check */
    const char *msg;    /* NULL = don't check (reader's own syntax message) */
};

#define HEAD "{\"request_id\":\"r1\",\"model\":\"m\",\"model_version\":\"v1\","
#define OK_LINE "{\"request_id\":\"r0\",\"model\":\"m\",\"model_version\":\"v1\"}\n"

static const struct bad_case bad_inferences[] = {
    {HEAD "\"features\":{\"age\":[1]}}", FL_EPARSE, 1, "[1]", "features.age",
     "expected number, string, bool or null, got array"},
    {"{\"request_id\":\"r1\",\"modle\":\"m\"}", FL_EPARSE, 1, "\"modle\"", "modle",
     "unknown field \"modle\" (expected one of ts, timestamp, request_id, trace_id, model, "
     "model_version, version, features, prediction, segments, latency_ms)"},
    {"{\"model\":\"m\",\"model_version\":\"v1\"}", FL_EPARSE, 1, "{", "request_id",
     "missing required field \"request_id\""},
    {"{\"request_id\":\"r\",\"model_version\":\"v1\"}", FL_EPARSE, 1, "{", "model",
     "missing required field \"model\""},
    {"{\"request_id\":\"r\",\"model\":\"m\"}", FL_EPARSE, 1, "{", "model_version",
     "missing required field \"model_version\""},
    {"{\"request_id\":5}", FL_EPARSE, 1, "5", "request_id",
     "expected string, got number"},
    {"{\"request_id\":\"\"}", FL_EPARSE, 1, "\"\"", "request_id",
     "must not be empty"},
    {HEAD "\"trace_id\":\"xyz\"}", FL_EPARSE, 1, "\"xyz\"", "trace_id",
     "expected 32 hex digits, not all zero"},
    {HEAD "\"trace_id\":\"00000000000000000000000000000000\"}", FL_EPARSE, 1, "\"0000", "trace_id",
     "expected 32 hex digits, not all zero"},
    {HEAD "\"ts\":\"yesterday\"}", FL_EPARSE, 1, "\"yesterday\"", "ts",
     "invalid RFC 3339 timestamp \"yesterday\""},
    {HEAD "\"ts\":-5}", FL_EPARSE, 1, "-5", "ts",
     "timestamp -5 out of range (expected unix seconds or milliseconds, 1970 to "
     "9999)"},
    {HEAD "\"timestamp\":true}", FL_EPARSE, 1, "true", "timestamp",
     "expected RFC 3339 string or unix time number, got bool"},
    {HEAD "\"ts\":1,\"timestamp\":2}", FL_EPARSE, 1, "\"timestamp\"", "timestamp",
     "field \"timestamp\" repeats \"ts\" (they are aliases)"},
    {HEAD "\"model\":\"n\"}", FL_EPARSE, 1, "\"model\":\"n\"", "model",
     "field \"model\" given twice"},
    {HEAD "\"features\":{\"x\":{\"status\":\"missing\"}}}", FL_EPARSE, 1, "\"missing\"",
     "features.x.status",
     "unknown status \"missing\" (expected present, null, not_found or "
     "outside_max_age)"},
    {HEAD "\"features\":{\"x\":{\"val\":1}}}", FL_EPARSE, 1, "\"val\"", "features.x.val",
     "unknown field \"val\" (expected value or status)"},
    {HEAD "\"features\":{\"x\":{}}}", FL_EPARSE, 1, "{}", "features.x",
     "object needs \"value\" or \"status\""},
    {HEAD "\"features\":{\"x\":{\"value\":null,\"status\":\"present\"}}}", FL_EPARSE, 1,
     "{\"value\"", "features.x", "status \"present\" needs a non-null value"},
    {HEAD "\"features\":{\"x\":{\"value\":3,\"status\":\"null\"}}}", FL_EPARSE, 1, "{\"value\"",
     "features.x", "status \"null\" with a non-null value"},
    {HEAD "\"features\":{\"x\":{\"value\":{\"a\":1}}}}", FL_EPARSE, 1, "{\"a\"",
     "features.x.value",
     "expected number, string, bool or null, got object"},
    {HEAD "\"features\":{\"a\":1,\"b\":2,\"a\":3}}", FL_EPARSE, 1, "\"a\":3", "features.a",
     "feature given twice"},
    {HEAD "\"features\":{\"\":1}}", FL_EPARSE, 1, "\"\":1", "features",
     "feature name must not be empty"},
    {HEAD "\"features\":[1]}", FL_EPARSE, 1, "[1]", "features",
     "expected object, got array"},
    {HEAD "\"prediction\":[0.1,\"x\"]}", FL_EPARSE, 1, "\"x\"", "prediction[1]",
     "expected number, got string"},
    {HEAD "\"prediction\":[]}", FL_EPARSE, 1, "[]", "prediction", "prediction: empty array"},
    {HEAD "\"prediction\":{\"label\":\"a\"}}", FL_EPARSE, 1, "\"label\"", "prediction.label",
     "prediction: unknown field \"label\" (expected score, class or scores)"},
    {HEAD "\"prediction\":{}}", FL_EPARSE, 1, "{}", "prediction",
     "prediction: object needs \"score\", \"class\" or \"scores\""},
    {HEAD "\"prediction\":{\"score\":\"high\"}}", FL_EPARSE, 1, "\"high\"", "prediction.score",
     "expected number, got string"},
    {HEAD "\"segments\":{\"platform\":[\"ios\"]}}", FL_EPARSE, 1, "[\"ios\"]",
     "segments.platform",
     "expected string, number, bool or null, got array"},
    {HEAD "\"segments\":{\"a\":\"x\",\"a\":\"y\"}}", FL_EPARSE, 1, "\"a\":\"y\"", "segments.a",
     "segment \"a\" given twice"},
    {HEAD "\"latency_ms\":-1}", FL_EPARSE, 1, "-1", "latency_ms",
     "must be a finite number >= 0"},
    {"[1,2]", FL_EPARSE, 1, "[", NULL, "expected a JSON object per line, got array"},
    {OK_LINE "\n" HEAD "\"features\":{\"n\":{\"status\":1}}}", FL_EPARSE, 3, "1}}",
     "features.n.status", "expected string, got number"},
    {OK_LINE OK_LINE "{\"request_id\":\"r\",", FL_EPARSE, 3, NULL, NULL, NULL},
    {OK_LINE "{\"request_id\":\"r\"} trailing", FL_EPARSE, 2, NULL, NULL, NULL},
};

static unsigned long needle_column(const char *input, unsigned long line, const char *needle)
{
    const char *p = input;
    for (unsigned long l = 1; l < line; l++)
        p = strchr(p, '\n') + 1;
    const char *at = strstr(p, needle);
    cr_assert_not_null(at, "needle %s", needle);
    return (unsigned long)(at - p) + 1;
}

Test(inference, invalid_lines_exact_diagnostics)
{
    for (size_t i = 0; i < sizeof bad_inferences / sizeof bad_inferences[0]; i++) {
        const struct bad_case *c = &bad_inferences[i];
        fl_batch_reset(&batch);
        fl_diag_init(&diag);
        fl_err e = parse(c->input);
        cr_assert_eq(e, c->code, "case %zu: got %s (%s)", i, fl_err_name(e), diag.msg);
        cr_assert_eq(diag.code, c->code, "case %zu", i);
        cr_assert_eq(diag.line, c->line, "case %zu: line %lu", i, diag.line);
        if (c->needle)
            cr_assert_eq(diag.column, needle_column(c->input, c->line, c->needle),
                         "case %zu: column %lu (%s)", i, diag.column, diag.msg);
        else
            cr_assert_gt(diag.column, 0, "case %zu", i);
        if (c->field)
            cr_assert_str_eq(diag.field, c->field, "case %zu", i);
        if (c->msg)
            cr_assert_str_eq(diag.msg, c->msg, "case %zu", i);
        else
            cr_assert_neq(diag.msg[0], '\0', "case %zu", i);
    }
}

Test(inference, line_limit)
{
    struct fl_limits lim;
    fl_limits_default(&lim);
    lim.line_bytes = 60;
    const char *in = OK_LINE HEAD "\"features\":{\"aaaaaaaaaaaaaaaaaaaaa\":1}}";
    fl_err e = fl_inference_jsonl_to_batch(in, strlen(in), &lim, &batch, &diag);
    cr_assert_eq(e, FL_ELIMIT);
    cr_assert_eq(diag.line, 2);
    char want[128];
    snprintf(want, sizeof want, "line is %zu bytes, longer than the limit of 60 bytes",
             strlen(in) - strlen(OK_LINE));
    cr_assert_str_eq(diag.msg, want);
}

Test(inference, record_limit)
{
    struct fl_batch small;
    cr_assert_eq(fl_batch_init(&small, 2), FL_OK);
    const char *in = OK_LINE OK_LINE OK_LINE;
    fl_err e = fl_inference_jsonl_to_batch(in, strlen(in), NULL, &small, &diag);
    cr_assert_eq(e, FL_ELIMIT);
    cr_assert_eq(diag.line, 3);
    cr_assert_str_eq(diag.msg, "batch exceeds its limit of 2 records");
    fl_batch_cleanup(&small);
}

Test(inference, empty_input_is_ok)
{
    cr_assert_eq(fl_inference_jsonl_to_batch("", 0, NULL, &batch, &diag), FL_OK);
    cr_assert_eq(fl_inference_jsonl_to_batch(NULL, 0, NULL, &batch, &diag), FL_OK);
    cr_assert_eq(parse("\n \n\r\n"), FL_OK);
    cr_assert_eq(batch.n_inferences, 0);
}

Test(inference, not_nul_terminated)
{
    /* the parser must stop at len: the byte after is garbage */
    char buf[128];
    const char *line = "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\"}";
    size_t n = strlen(line);
    memcpy(buf, line, n);
    buf[n] = '}';
    cr_assert_eq(fl_inference_jsonl_to_batch(buf, n, NULL, &batch, &diag), FL_OK, "%s",
                 diag.msg);
    cr_assert_eq(batch.n_inferences, 1);
}

/* ---- outcomes ---- */

static fl_err parse_outcomes(const char *s)
{
    return fl_outcome_jsonl_to_batch(s, strlen(s), NULL, &batch, &diag);
}

Test(inference, outcomes_valid)
{
    const char *in = "{\"ts\":1700000000,\"request_id\":\"r1\",\"name\":\"click\",\"value\":true,"
                     "\"attributes\":{\"pos\":3, \"page\":\"home\"}}\n"
                     "{\"timestamp\":\"2023-11-14T22:13:21Z\",\"request_id\":\"r2\","
                     "\"outcome\":\"label\",\"value\":0.25}\n";
    cr_assert_eq(parse_outcomes(in), FL_OK, "%s", diag.msg);
    cr_assert_eq(batch.n_outcomes, 2);
    const struct fl_outcome *o = &batch.outcomes[0];
    cr_assert_eq(o->ts_ms, 1700000000000);
    cr_assert_str_eq(o->request_id, "r1");
    cr_assert_str_eq(o->name, "click");
    cr_assert_eq(o->value, 1.0);
    cr_assert_str_eq(o->attrs_json, "{\"pos\":3, \"page\":\"home\"}");
    o = &batch.outcomes[1];
    cr_assert_eq(o->ts_ms, 1700000001000);
    cr_assert_str_eq(o->name, "label");
    cr_assert_eq(o->value, 0.25);
    cr_assert_str_eq(o->attrs_json, "{}");
}

static const struct bad_case bad_outcomes[] = {
    {"{\"request_id\":\"r\",\"name\":\"click\"}", FL_EPARSE, 1, "{", "value",
     "missing required field \"value\""},
    {"{\"request_id\":\"r\",\"value\":1}", FL_EPARSE, 1, "{", "name",
     "missing required field \"name\""},
    {"{\"name\":\"click\",\"value\":1}", FL_EPARSE, 1, "{", "request_id",
     "missing required field \"request_id\""},
    {"{\"request_id\":\"r\",\"name\":\"click\",\"value\":\"yes\"}", FL_EPARSE, 1, "\"yes\"",
     "value", "expected number or bool, got string"},
    {"{\"request_id\":\"r\",\"name\":\"c\",\"value\":1,\"model\":\"m\"}", FL_EPARSE, 1,
     "\"model\"", "model",
     "unknown field \"model\" (expected one of ts, timestamp, request_id, name, outcome, value, "
     "attributes)"},
    {"{\"request_id\":\"r\",\"name\":\"c\",\"outcome\":\"d\",\"value\":1}", FL_EPARSE, 1,
     "\"outcome\"", "outcome", "field \"outcome\" repeats \"name\" (they are aliases)"},
    {"{\"request_id\":\"r\",\"name\":\"c\",\"value\":1,\"attributes\":[1]}", FL_EPARSE, 1,
     "[1]", "attributes", "expected object, got array"},
};

Test(inference, outcomes_invalid)
{
    for (size_t i = 0; i < sizeof bad_outcomes / sizeof bad_outcomes[0]; i++) {
        const struct bad_case *c = &bad_outcomes[i];
        fl_batch_reset(&batch);
        fl_diag_init(&diag);
        cr_assert_eq(parse_outcomes(c->input), c->code, "case %zu (%s)", i, diag.msg);
        cr_assert_eq(diag.line, c->line, "case %zu", i);
        cr_assert_eq(diag.column, needle_column(c->input, c->line, c->needle), "case %zu", i);
        cr_assert_str_eq(diag.field, c->field, "case %zu", i);
        cr_assert_str_eq(diag.msg, c->msg, "case %zu", i);
    }
}

/*
 * Feature members in compact form take a fast path (fl_json_next_scalar_member); a space after
 * the colon sends the same member through the general path. Both must give the same features,
 * or the same error message and field.
 */
static const char *fast_features[] = {
    "\"a\":1,\"b\":-2.5e-3,\"c\":\"DE\",\"d\":true,\"e\":false,\"f\":null",
    "\"z\":0,\"m\":-0,\"big\":1234567890123456789,\"e22\":1e22,\"e23\":1e23",
    "\"s\":\"\",\"u\":\"caf\xc3\xa9\",\"q\":\"a\\\"b\",\"o\":{\"value\":3,\"status\":\"present\"}",
    "\"n\":{\"status\":\"not_found\"},\"x\":1,\"y\":null",
    "\"a\":1,\"a\":2",
    "\"emb\":[1,2]",
    "\"\":1",
};

static void snapshot(char *out, size_t cap, fl_err e)
{
    size_t k = (size_t)snprintf(out, cap, "e=%d", (int)e);
    if (e != FL_OK) {
        snprintf(out + k, cap - k, " field=%s msg=%s", diag.field, diag.msg);
        return;
    }
    const struct fl_inference *r = &batch.inferences[batch.n_inferences - 1];
    for (size_t i = 0; i < r->n_features && k < cap; i++) {
        const struct fl_feature *f = &r->features[i];
        k += (size_t)snprintf(out + k, cap - k, " %s:%d:%d:%.17g:%s", f->name, f->status, f->kind,
                              f->num, f->str ? f->str : "-");
    }
}

Test(inference, fast_and_general_feature_paths_agree)
{
    for (size_t i = 0; i < sizeof fast_features / sizeof fast_features[0]; i++) {
        char line[2048], spaced[2048], a[4096], b[4096];
        snprintf(line, sizeof line,
                 "{\"ts\":1,\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\","
                 "\"features\":{%s}}",
                 fast_features[i]);
        /* a space after every ':' that follows a closing quote (keys), outside string values */
        size_t k = 0;
        int in_str = 0;
        for (const char *p = line; *p && k + 2 < sizeof spaced; p++) {
            if (*p == '"' && (p == line || p[-1] != '\\'))
                in_str = !in_str;
            spaced[k++] = *p;
            if (*p == ':' && !in_str)
                spaced[k++] = ' ';
        }
        spaced[k] = '\0';
        fl_batch_reset(&batch);
        fl_diag_init(&diag);
        snapshot(a, sizeof a, parse(line));
        fl_batch_reset(&batch);
        fl_diag_init(&diag);
        snapshot(b, sizeof b, parse(spaced));
        cr_expect_str_eq(a, b, "case %zu", i);
    }
}

/*
 * Top-level fields, segments and {value,status} objects in compact form are read in one step too,
 * and every value the fast path does not take (other types, out-of-range or invalid values) is
 * given back to the general path. A space after each ':' makes the same line go the general way
 * all through: both must give the same record, or the same error message and field.
 */
static const char *fast_lines[] = {
    "{\"ts\":1764079500000,\"request_id\":\"req-1\",\"trace_id\":\"4BF92F3577B34DA6A3CE929D0E0E4736\","
    "\"model\":\"ranker\",\"model_version\":\"v7\",\"features\":{\"a\":1.25,\"o\":{\"value\":\"s\","
    "\"status\":\"outside_max_age\"},\"n\":{\"status\":\"not_found\"}},\"segments\":{\"p\":\"ios\","
    "\"c\":\"DE\",\"v\":5.2,\"b\":true,\"z\":null},\"prediction\":0.5,\"latency_ms\":12.5}",
    "{\"ts\":null,\"request_id\":\"r\",\"trace_id\":null,\"model\":\"m\",\"version\":\"v\","
    "\"features\":null,\"segments\":null,\"prediction\":null,\"latency_ms\":null}",
    "{\"timestamp\":1764079500.25,\"request_id\":\"r\",\"model\":\"m\",\"model_version\":3}",
    "{\"ts\":\"2026-11-25T14:05:00Z\",\"request_id\":\"r\",\"model\":\"m\",\"model_version\":2.50}",
    "{\"ts\":-1,\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\"}",
    "{\"ts\":253402300800000,\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\"}",
    "{\"ts\":1e400,\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\"}",
    "{\"request_id\":\"\",\"model\":\"m\",\"model_version\":\"v\"}",
    "{\"request_id\":5,\"model\":\"m\",\"model_version\":\"v\"}",
    "{\"request_id\":\"r\",\"trace_id\":\"00000000000000000000000000000000\",\"model\":\"m\","
    "\"model_version\":\"v\"}",
    "{\"request_id\":\"r\",\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e473g\",\"model\":\"m\","
    "\"model_version\":\"v\"}",
    "{\"request_id\":\"r\",\"trace_id\":12,\"model\":\"m\",\"model_version\":\"v\"}",
    "{\"request_id\":\"r\",\"model\":\"\",\"model_version\":\"v\"}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"\"}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":true}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"version\":\"v\",\"model_version\":\"w\"}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model\":\"n\",\"model_version\":\"v\"}",
    "{\"request_id\":\"r\",\"modle\":\"m\",\"model_version\":\"v\"}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"prediction\":true}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"prediction\":\"click\"}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"prediction\":[0.1,0.9]}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"prediction\":{\"class\":\"c\","
    "\"score\":0.5}}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"prediction\":{\"score\":\"x\"}}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"latency_ms\":-1}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"latency_ms\":\"5\"}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"features\":5}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"segments\":\"x\"}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"segments\":{\"a\":\"x\","
    "\"a\":\"y\"}}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"segments\":{\"\":\"x\"}}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"segments\":{\"a\":[1]}}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"features\":{\"o\":{\"status\":"
    "\"bogus\"}}}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"features\":{\"o\":{\"value\":"
    "null,\"status\":\"present\"}}}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"features\":{\"o\":{\"value\":2,"
    "\"status\":\"null\"}}}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"features\":{\"o\":{\"value\":1,"
    "\"value\":2}}}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"features\":{\"o\":{\"status\":"
    "\"present\",\"x\":1}}}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"features\":{\"o\":{}}}",
    "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"features\":{\"o\":{\"value\":"
    "true,\"status\":\"present\"},\"p\":{\"status\":\"null\",\"value\":null}}}",
};

/* Every field of the batch's last record, or the error. */
static void record_snapshot(char *out, size_t cap, fl_err e)
{
    size_t k = (size_t)snprintf(out, cap, "e=%d", (int)e);
    if (e != FL_OK) {
        snprintf(out + k, cap - k, " field=%s msg=%s", diag.field, diag.msg);
        return;
    }
    const struct fl_inference *r = &batch.inferences[batch.n_inferences - 1];
    k += (size_t)snprintf(out + k, cap - k, " ts=%lld rid=%s trace=%s model=%s version=%s "
                          "kind=%d score=%.17g class=%s latency=%.17g",
                          (long long)r->ts_ms, r->request_id, r->trace_id ? r->trace_id : "-",
                          r->model, r->model_version, r->pred_kind, r->score,
                          r->pred_class ? r->pred_class : "-", r->latency_ms);
    for (size_t i = 0; i < r->n_scores && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, " s%zu=%.17g", i, r->scores[i]);
    for (size_t i = 0; i < r->n_segments && k < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, " %s=%s", r->segments[i].name,
                              r->segments[i].value);
    for (size_t i = 0; i < r->n_features && k < cap; i++) {
        const struct fl_feature *f = &r->features[i];
        k += (size_t)snprintf(out + k, cap - k, " %s:%d:%d:%.17g:%s", f->name, f->status, f->kind,
                              f->num, f->str ? f->str : "-");
    }
}

Test(inference, fast_and_general_top_level_paths_agree)
{
    for (size_t i = 0; i < sizeof fast_lines / sizeof fast_lines[0]; i++) {
        char spaced[2048], a[4096], b[4096];
        const char *line = fast_lines[i];
        size_t k = 0;
        int in_str = 0;
        for (const char *p = line; *p && k + 2 < sizeof spaced; p++) {
            if (*p == '"' && (p == line || p[-1] != '\\'))
                in_str = !in_str;
            spaced[k++] = *p;
            if (*p == ':' && !in_str)
                spaced[k++] = ' ';
        }
        spaced[k] = '\0';
        fl_batch_reset(&batch);
        fl_diag_init(&diag);
        fl_err ea = parse(line);
        record_snapshot(a, sizeof a, ea);
        fl_batch_reset(&batch);
        fl_diag_init(&diag);
        record_snapshot(b, sizeof b, parse(spaced));
        cr_expect_str_eq(a, b, "case %zu", i);
        /* the table holds both kinds: the first three lines are valid */
        if (i < 3)
            cr_expect_eq(ea, FL_OK, "case %zu: %s", i, a);
    }
}

/*
 * A row whose feature names are those of the row before, in the same order, skips the duplicate
 * check (the row before passed it); a repeat anywhere else must still be caught at its line,
 * column and name.
 */
Test(inference, duplicate_feature_after_identical_rows)
{
#define ROW(f) "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"features\":{" f "}}\n"
    static const struct {
        const char *input;
        const char *needle; /* the second occurrence on line 4 */
        const char *name;
    } cases[] = {
        {ROW("\"a\":1,\"b\":2,\"c\":3") ROW("\"a\":1,\"b\":2,\"c\":3") ROW("\"a\":1,\"b\":2,\"c\":3")
             ROW("\"a\":1,\"b\":2,\"a\":3"),
         "\"a\":3", "a"},
        {ROW("\"a\":1,\"b\":2,\"c\":3") ROW("\"a\":1,\"b\":2,\"c\":3") ROW("\"a\":1,\"b\":2,\"c\":3")
             ROW("\"a\":1,\"b\":2,\"c\":3,\"b\":4"),
         "\"b\":4", "b"},
        {ROW("\"a\":1,\"b\":2") ROW("\"a\":1,\"b\":2") ROW("\"a\":1") ROW("\"a\":1,\"a\":2"),
         "\"a\":2", "a"},
        {ROW("\"a\":1,\"b\":2,\"c\":3") ROW("\"a\":1,\"b\":2,\"c\":3") ROW("\"a\":1,\"b\":2,\"c\":3")
             ROW("\"c\":1,\"b\":2,\"c\": 3"),
         "\"c\": 3", "c"},
    };
#undef ROW
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fl_batch_reset(&batch);
        fl_diag_init(&diag);
        cr_assert_eq(parse(cases[i].input), FL_EPARSE, "case %zu", i);
        cr_assert_eq(diag.line, 4, "case %zu", i);
        cr_assert_eq(diag.column, needle_column(cases[i].input, 4, cases[i].needle),
                     "case %zu: column %lu", i, diag.column);
        char field[64];
        snprintf(field, sizeof field, "features.%s", cases[i].name);
        cr_assert_str_eq(diag.field, field, "case %zu", i);
        cr_assert_str_eq(diag.msg, "feature given twice", "case %zu", i);
    }
    /* and rows that only share a prefix of names are all accepted */
    fl_batch_reset(&batch);
    fl_diag_init(&diag);
    const char *ok = "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"features\":"
                     "{\"a\":1,\"b\":2}}\n{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":"
                     "\"v\",\"features\":{\"a\":1,\"b\":2,\"c\":3}}\n{\"request_id\":\"r\",\"model\":"
                     "\"m\",\"model_version\":\"v\",\"features\":{\"a\":1,\"c\":2}}\n";
    cr_assert_eq(parse(ok), FL_OK, "%s", diag.msg);
    cr_assert_eq(batch.n_inferences, 3);
    cr_assert_eq(batch.inferences[2].n_features, 2);
    cr_assert_str_eq(batch.inferences[2].features[1].name, "c");
}

/* Segment names are taken from the row before when they repeat at the same index: a different
 * order or set must still come out sorted, with its own values. */
Test(inference, segment_names_vary_between_rows)
{
#define SROW(s) "{\"request_id\":\"r\",\"model\":\"m\",\"model_version\":\"v\",\"segments\":{" s "}}\n"
    const char *in = SROW("\"p\":\"ios\",\"c\":\"DE\"") SROW("\"p\":\"web\",\"c\":\"FR\"")
        SROW("\"c\":\"US\",\"p\":\"ios\"") SROW("\"c\":\"US\"") SROW("\"x\":\"1\",\"c\":\"DE\",\"p\":2");
#undef SROW
    cr_assert_eq(parse(in), FL_OK, "%s", diag.msg);
    cr_assert_eq(batch.n_inferences, 5);
    static const char *const want[5][3][2] = {
        {{"c", "DE"}, {"p", "ios"}, {NULL, NULL}}, {{"c", "FR"}, {"p", "web"}, {NULL, NULL}},
        {{"c", "US"}, {"p", "ios"}, {NULL, NULL}}, {{"c", "US"}, {NULL, NULL}, {NULL, NULL}},
        {{"c", "DE"}, {"p", "2"}, {"x", "1"}},
    };
    for (size_t i = 0; i < 5; i++) {
        const struct fl_inference *r = &batch.inferences[i];
        size_t n = 0;
        while (n < 3 && want[i][n][0])
            n++;
        cr_assert_eq(r->n_segments, n, "row %zu", i);
        for (size_t k = 0; k < n; k++) {
            cr_assert_str_eq(r->segments[k].name, want[i][k][0], "row %zu", i);
            cr_assert_str_eq(r->segments[k].value, want[i][k][1], "row %zu", i);
        }
    }
    /* the same name pointer for the same name across rows (interned) */
    cr_assert_eq(batch.inferences[0].segments[0].name, batch.inferences[4].segments[0].name);
}
