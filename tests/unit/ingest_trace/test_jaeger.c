/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_jaeger.c: Jaeger JSON ingest (src/ingest/jaeger.c): the /api/traces envelope with two
 * traces, processes, references, logs and error tags; bare traces, arrays of traces, /api/v3
 * OTLP results; and errors that name the field.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/record.h"
#include "ingest/jaeger.h"

/* Two traces as the Jaeger UI saves them (shape of jaeger's uimodel fixtures). */
static const char two_traces[] =
    "{\"data\":[\n"
    " {\"traceID\":\"0000000000000001abcdef0123456789\",\n"
    "  \"spans\":[\n"
    "   {\"traceID\":\"0000000000000001abcdef0123456789\",\"spanID\":\"00000000000000a1\",\n"
    "    \"flags\":1,\"operationName\":\"GET /checkout\",\"references\":[],\n"
    "    \"startTime\":1700000000000001,\"duration\":2500,\n"
    "    \"tags\":[{\"key\":\"span.kind\",\"type\":\"string\",\"value\":\"server\"},\n"
    "            {\"key\":\"http.status_code\",\"type\":\"int64\",\"value\":500},\n"
    "            {\"key\":\"error\",\"type\":\"bool\",\"value\":true},\n"
    "            {\"key\":\"big\",\"type\":\"int64\",\"value\":\"9007199254740993\"},\n"
    "            {\"key\":\"ratio\",\"type\":\"float64\",\"value\":0.25}],\n"
    "    \"logs\":[{\"timestamp\":1700000000000100,\"fields\":[\n"
    "        {\"key\":\"event\",\"type\":\"string\",\"value\":\"exception\"},\n"
    "        {\"key\":\"message\",\"type\":\"string\",\"value\":\"db down\"}]}],\n"
    "    \"processID\":\"p1\",\"warnings\":null},\n"
    "   {\"traceID\":\"0000000000000001abcdef0123456789\",\"spanID\":\"00000000000000a2\",\n"
    "    \"operationName\":\"SELECT\",\n"
    "    \"references\":[{\"refType\":\"CHILD_OF\",\"traceID\":\"0000000000000001abcdef0123456789\","
    "\"spanID\":\"00000000000000a1\"},\n"
    "                  {\"refType\":\"FOLLOWS_FROM\",\"traceID\":\"00000000000000000000000000000abc\","
    "\"spanID\":\"0000000000000bbb\"}],\n"
    "    \"startTime\":1700000000000500,\"duration\":1000,\n"
    "    \"tags\":[{\"key\":\"span.kind\",\"type\":\"string\",\"value\":\"client\"},\n"
    "            {\"key\":\"otel.status_code\",\"type\":\"string\",\"value\":\"ERROR\"},\n"
    "            {\"key\":\"otel.status_description\",\"type\":\"string\",\"value\":\"timeout\"},\n"
    "            {\"key\":\"db.system\",\"type\":\"string\",\"value\":\"postgresql\"}],\n"
    "    \"logs\":[],\"processID\":\"p2\"}],\n"
    "  \"processes\":{\n"
    "   \"p1\":{\"serviceName\":\"frontend\",\"tags\":[{\"key\":\"hostname\",\"type\":\"string\","
    "\"value\":\"web-1\"}]},\n"
    "   \"p2\":{\"serviceName\":\"db-proxy\",\"tags\":[]}},\n"
    "  \"warnings\":null},\n"
    " {\"spans\":[\n"
    "   {\"spanID\":\"ff\",\"operationName\":\"cron\",\"startTime\":\"1700000001000000\","
    "\"duration\":\"0\",\"processID\":\"p1\",\"tags\":[{\"key\":\"error\",\"type\":\"bool\","
    "\"value\":false}]}],\n"
    "  \"processes\":{\"p1\":{\"serviceName\":\"batch\"}},\n"
    "  \"traceID\":\"00000000000000ab\"}\n"
    "],\"total\":0,\"limit\":0,\"offset\":0,\"errors\":null}\n";

static const struct fl_span *find(const struct fl_batch *b, const char *span_id)
{
    for (size_t i = 0; i < b->n_spans; i++)
        if (strcmp(b->spans[i].span_id, span_id) == 0)
            return &b->spans[i];
    cr_assert_fail("span %s not found", span_id);
    return NULL;
}

static fl_err parse(struct fl_batch *b, struct fl_diag *d, const char *body)
{
    cr_assert_eq(fl_batch_init(b, 0), FL_OK);
    fl_diag_init(d);
    return fl_jaeger_json_to_batch(body, strlen(body), b, d);
}

Test(jaeger, two_trace_file)
{
    struct fl_batch b;
    struct fl_diag d;
    cr_assert_eq(parse(&b, &d, two_traces), FL_OK, "%s: %s", d.field, d.msg);
    cr_assert_eq(b.n_spans, 3);

    const struct fl_span *s = find(&b, "00000000000000a1");
    cr_assert_str_eq(s->trace_id, "0000000000000001abcdef0123456789");
    cr_assert_str_eq(s->parent_span_id, "");
    cr_assert_str_eq(s->name, "GET /checkout");
    cr_assert_str_eq(s->service, "frontend");
    cr_assert_str_eq(s->resource_json, "{\"service.name\":\"frontend\",\"hostname\":\"web-1\"}");
    cr_assert_eq(s->start_ns, 1700000000000001000LL);
    cr_assert_eq(s->end_ns, 1700000000002501000LL);
    cr_assert_eq(s->kind, FL_SPAN_SERVER);
    cr_assert_eq(s->status_code, FL_STATUS_ERROR);
    cr_assert_str_eq(s->attrs_json,
                     "{\"http.status_code\":500,\"big\":9007199254740993,\"ratio\":0.25}");
    cr_assert_str_eq(s->events_json, "[{\"time_ns\":\"1700000000000100000\",\"name\":"
                                     "\"exception\",\"attrs\":{\"message\":\"db down\"}}]");
    cr_assert_str_eq(s->links_json, "[]");

    s = find(&b, "00000000000000a2");
    cr_assert_str_eq(s->parent_span_id, "00000000000000a1");
    cr_assert_str_eq(s->service, "db-proxy");
    cr_assert_str_eq(s->resource_json, "{\"service.name\":\"db-proxy\"}");
    cr_assert_eq(s->kind, FL_SPAN_CLIENT);
    cr_assert_eq(s->status_code, FL_STATUS_ERROR);
    cr_assert_str_eq(s->status_message, "timeout");
    cr_assert_str_eq(s->attrs_json, "{\"db.system\":\"postgresql\"}");
    cr_assert_str_eq(s->events_json, "[]");
    cr_assert_str_eq(s->links_json,
                     "[{\"trace_id\":\"00000000000000000000000000000abc\",\"span_id\":"
                     "\"0000000000000bbb\",\"attrs\":{\"ref_type\":\"FOLLOWS_FROM\"}}]");

    /* second trace: traceID after spans, 64-bit ids padded, string times, error=false */
    s = find(&b, "00000000000000ff");
    cr_assert_str_eq(s->trace_id, "000000000000000000000000000000ab");
    cr_assert_str_eq(s->service, "batch");
    cr_assert_eq(s->start_ns, 1700000001000000000LL);
    cr_assert_eq(s->end_ns, s->start_ns);
    cr_assert_eq(s->status_code, FL_STATUS_UNSET);
    cr_assert_eq(s->kind, FL_SPAN_UNSPECIFIED);
    cr_assert_str_eq(s->attrs_json, "{}");
    fl_batch_cleanup(&b);
}

Test(jaeger, bare_trace_and_array_of_traces)
{
    static const char bare[] =
        "{\"traceID\":\"1\",\"spans\":[{\"spanID\":\"2\",\"operationName\":\"x\",\"startTime\":5,"
        "\"duration\":1,\"process\":{\"serviceName\":\"inline\",\"tags\":[{\"key\":\"v\","
        "\"type\":\"int64\",\"value\":3}]},\"parentSpanID\":\"1\"}]}";
    struct fl_batch b;
    struct fl_diag d;
    cr_assert_eq(parse(&b, &d, bare), FL_OK, "%s: %s", d.field, d.msg);
    cr_assert_eq(b.n_spans, 1);
    cr_assert_str_eq(b.spans[0].trace_id, "00000000000000000000000000000001");
    cr_assert_str_eq(b.spans[0].parent_span_id, "0000000000000001");
    cr_assert_str_eq(b.spans[0].service, "inline");
    cr_assert_str_eq(b.spans[0].resource_json, "{\"service.name\":\"inline\",\"v\":3}");
    fl_batch_cleanup(&b);

    static const char arr[] =
        "[{\"traceID\":\"a\",\"spans\":[{\"spanID\":\"1\",\"operationName\":\"x\",\"startTime\":5,"
        "\"duration\":1}]},{\"traceID\":\"b\",\"spans\":[{\"spanID\":\"2\",\"operationName\":"
        "\"y\",\"startTime\":6,\"duration\":1}]}]";
    cr_assert_eq(parse(&b, &d, arr), FL_OK, "%s: %s", d.field, d.msg);
    cr_assert_eq(b.n_spans, 2);
    cr_assert_str_eq(b.spans[1].trace_id, "0000000000000000000000000000000b");
    cr_assert_str_eq(b.spans[1].service, "unknown_service");
    cr_assert_str_eq(b.spans[1].resource_json, "{}");
    fl_batch_cleanup(&b);
}

Test(jaeger, api_v3_result_is_otlp)
{
    static const char v3[] =
        "{\"result\":{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
        "\"value\":{\"stringValue\":\"cart\"}}]},\"scopeSpans\":[{\"spans\":[{\"traceId\":"
        "\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\",\"name\":\"op\","
        "\"startTimeUnixNano\":\"1000\",\"endTimeUnixNano\":\"2000\",\"kind\":2}]}]}]}}";
    struct fl_batch b;
    struct fl_diag d;
    cr_assert_eq(parse(&b, &d, v3), FL_OK, "%s: %s", d.field, d.msg);
    cr_assert_eq(b.n_spans, 1);
    cr_assert_str_eq(b.spans[0].service, "cart");
    cr_assert_eq(b.spans[0].kind, FL_SPAN_SERVER);
    fl_batch_cleanup(&b);

    static const char v3bad[] =
        "{\"result\":{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":"
        "\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"e\",\"name\":\"op\","
        "\"startTimeUnixNano\":\"1000\",\"endTimeUnixNano\":\"2000\"}]}]}]}}";
    cr_assert_eq(parse(&b, &d, v3bad), FL_EPARSE);
    cr_assert_eq(b.n_spans, 0);
    cr_assert_str_eq(d.field, "result");
    cr_assert(strstr(d.msg, "spans[0].spanId: expected 16 hex digits") != NULL, "%s", d.msg);
    fl_batch_cleanup(&b);
}

struct jbad {
    const char *body;
    const char *field; /* expected d.field */
    const char *msg;   /* substring of d.msg */
};

#define T0 "{\"data\":[{\"traceID\":\"1\",\"spans\":["
#define T1 "],\"processes\":{\"p1\":{\"serviceName\":\"s\"}}}]}"
static const struct jbad jbad_cases[] = {
    {T0 "{\"spanID\":\"xyz\",\"operationName\":\"a\",\"startTime\":1,\"duration\":1}" T1,
     "data[0].spans[0].spanID", "expected 1-16 hex digits, got \"xyz\""},
    {T0 "{\"spanID\":\"0\",\"operationName\":\"a\",\"startTime\":1,\"duration\":1}" T1,
     "data[0].spans[0].spanID", "all-zero"},
    {T0 "{\"spanID\":\"1\",\"startTime\":1,\"duration\":1}" T1, "data[0].spans[0].operationName",
     "required"},
    {T0 "{\"spanID\":\"1\",\"operationName\":\"a\",\"duration\":1}" T1,
     "data[0].spans[0].startTime", "required"},
    {T0 "{\"spanID\":\"1\",\"operationName\":\"a\",\"startTime\":1,\"duration\":-1}" T1,
     "data[0].spans[0].duration", "non-negative"},
    {T0 "{\"spanID\":\"1\",\"operationName\":\"a\",\"startTime\":1.5,\"duration\":1}" T1,
     "data[0].spans[0].startTime", "64-bit integer"},
    {T0 "{\"spanID\":\"1\",\"operationName\":\"a\",\"startTime\":1,\"duration\":1,"
        "\"processID\":\"p9\"}" T1,
     "data[0].processes", "\"p9\" is not in processes"},
    {T0 "{\"spanID\":\"1\",\"operationName\":\"a\",\"startTime\":1,\"duration\":1,"
        "\"tags\":[{\"type\":\"string\",\"value\":\"v\"}]}" T1,
     "data[0].spans[0].tags", "key: required"},
    {T0 "{\"spanID\":\"1\",\"operationName\":\"a\",\"startTime\":1,\"duration\":1,"
        "\"references\":[{\"refType\":\"CHILD_OF\",\"spanID\":\"zz\"}]}" T1,
     "data[0].spans[0].references.spanID", "hex digits"},
    {"{\"data\":[{\"spans\":[{\"spanID\":\"1\",\"operationName\":\"a\",\"startTime\":1,"
     "\"duration\":1}]}]}",
     "data[0].traceID", "no traceID"},
    {"{\"total\":0}", "", "no Jaeger traces found"},
    {"42", "", "expected a Jaeger trace"},
    {T0 "{\"spanID\":\"1\",\"operationName\":\"a\",\"startTime\":1,\"duration\":1}" T1 "x", NULL,
     NULL},
    {T0 "{\"spanID\":\"1\",\"operationName\":\"a\",\"startTime\":1,\"duration\":1}", NULL, NULL},
};

Test(jaeger, errors_name_the_field_and_store_nothing)
{
    for (size_t i = 0; i < sizeof jbad_cases / sizeof jbad_cases[0]; i++) {
        struct fl_batch b;
        struct fl_diag d;
        fl_err e = parse(&b, &d, jbad_cases[i].body);
        cr_assert_eq(e, FL_EPARSE, "case %zu: %s", i, fl_err_name(e));
        cr_assert_eq(b.n_spans, 0, "case %zu", i);
        cr_assert_gt(d.line, 0, "case %zu", i);
        if (jbad_cases[i].field)
            cr_assert_str_eq(d.field, jbad_cases[i].field, "case %zu (%s)", i, d.msg);
        if (jbad_cases[i].msg)
            cr_assert(strstr(d.msg, jbad_cases[i].msg) != NULL, "case %zu: %s", i, d.msg);
        fl_batch_cleanup(&b);
    }
}

struct tag_case {
    const char *tag;  /* one Jaeger KeyValue */
    const char *json; /* expected attrs_json */
    int kind, status;
};

static const struct tag_case tag_cases[] = {
    {"{\"key\":\"k\",\"type\":\"string\",\"value\":\"v\"}", "{\"k\":\"v\"}", 0, 0},
    {"{\"key\":\"k\",\"type\":\"bool\",\"value\":\"true\"}", "{\"k\":true}", 0, 0},
    {"{\"key\":\"k\",\"type\":\"bool\",\"value\":false}", "{\"k\":false}", 0, 0},
    {"{\"key\":\"k\",\"type\":\"int64\",\"value\":\"-12\"}", "{\"k\":-12}", 0, 0},
    {"{\"key\":\"k\",\"type\":\"int64\",\"value\":7}", "{\"k\":7}", 0, 0},
    {"{\"key\":\"k\",\"type\":\"float64\",\"value\":\"2.5\"}", "{\"k\":2.5}", 0, 0},
    {"{\"key\":\"k\",\"type\":\"float64\",\"value\":\"NaN\"}", "{\"k\":\"NaN\"}", 0, 0},
    {"{\"key\":\"k\",\"type\":\"binary\",\"value\":\"AAE=\"}", "{\"k\":\"AAE=\"}", 0, 0},
    {"{\"key\":\"k\",\"value\":{\"x\":[1]}}", "{\"k\":{\"x\":[1]}}", 0, 0},
    {"{\"key\":\"k\",\"type\":\"string\"}", "{\"k\":null}", 0, 0},
    {"{\"value\":3,\"type\":\"int64\",\"key\":\"k\"}", "{\"k\":3}", 0, 0},
    {"{\"key\":\"span.kind\",\"type\":\"string\",\"value\":\"weird\"}",
     "{\"span.kind\":\"weird\"}", 0, 0},
    {"{\"key\":\"span.kind\",\"type\":\"string\",\"value\":\"PRODUCER\"}", "{}", 4, 0},
    {"{\"key\":\"span.kind\",\"value\":\"consumer\"}", "{}", 5, 0},
    {"{\"key\":\"error\",\"type\":\"string\",\"value\":\"true\"}", "{}", 0, 2},
    {"{\"key\":\"otel.status_code\",\"type\":\"string\",\"value\":\"OK\"}", "{}", 0, 1},
};

Test(jaeger, tag_types_and_mapped_tags)
{
    for (size_t i = 0; i < sizeof tag_cases / sizeof tag_cases[0]; i++) {
        char body[1024];
        snprintf(body, sizeof body,
                 "{\"traceID\":\"1\",\"spans\":[{\"spanID\":\"2\",\"operationName\":\"x\","
                 "\"startTime\":5,\"duration\":1,\"tags\":[%s]}]}",
                 tag_cases[i].tag);
        struct fl_batch b;
        struct fl_diag d;
        cr_assert_eq(parse(&b, &d, body), FL_OK, "case %zu: %s: %s", i, d.field, d.msg);
        cr_assert_eq(b.n_spans, 1, "case %zu", i);
        cr_assert_str_eq(b.spans[0].attrs_json, tag_cases[i].json, "case %zu", i);
        cr_assert_eq(b.spans[0].kind, tag_cases[i].kind, "case %zu", i);
        cr_assert_eq(b.spans[0].status_code, tag_cases[i].status, "case %zu", i);
        fl_batch_cleanup(&b);
    }
}
