/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_otlp.c: OTLP/HTTP JSON trace ingest (src/ingest/otlp.c) against the rules of the OTLP
 * specification's JSON encoding: hex ids, integer enums, int64 as strings or numbers, unknown
 * fields ignored, partial success. The request shapes follow opentelemetry-proto
 * examples/trace.json (rewritten here, not copied).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/record.h"
#include "ingest/otlp.h"

#define TID "\"traceId\":\"5b8efff798038103d269b633813fc60c\""
#define SID "\"spanId\":\"eee19b7ec3c1b174\""
#define NAME "\"name\":\"op\""
#define TIMES "\"startTimeUnixNano\":\"1000\",\"endTimeUnixNano\":\"2000\""
#define SPAN_OK "{" TID "," SID "," NAME "," TIMES "}"

/* A request with one resource (service "svc") and one scope ("lib") holding the given spans. */
static char *wrap_spans(const char *spans)
{
#define WRAP_FMT                                                                                   \
    "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","             \
    "\"value\":{\"stringValue\":\"svc\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"lib\"},"     \
    "\"spans\":[%s]}]}]}"
    size_t n = sizeof WRAP_FMT + strlen(spans) + 1;
    char *p = malloc(n);
    cr_assert_not_null(p);
    snprintf(p, n, WRAP_FMT, spans);
    return p;
}

struct parsed {
    struct fl_batch b;
    struct fl_otlp_result res;
    struct fl_diag d;
    fl_err e;
};

static void parse(struct parsed *x, const char *body)
{
    cr_assert_eq(fl_batch_init(&x->b, 0), FL_OK);
    fl_diag_init(&x->d);
    x->e = fl_otlp_json_to_batch(body, strlen(body), &x->b, &x->res, &x->d);
}

static void parse_spans(struct parsed *x, const char *spans)
{
    char *body = wrap_spans(spans);
    parse(x, body);
    free(body);
}

static void done(struct parsed *x)
{
    fl_batch_cleanup(&x->b);
}

/* ---- the spec's example request, field by field ---- */

static const char example[] =
    "{\n"
    "  \"resourceSpans\": [\n"
    "    {\n"
    "      \"resource\": {\n"
    "        \"attributes\": [\n"
    "          { \"key\": \"service.name\", \"value\": { \"stringValue\": \"my.service\" } }\n"
    "        ]\n"
    "      },\n"
    "      \"scopeSpans\": [\n"
    "        {\n"
    "          \"scope\": {\n"
    "            \"name\": \"my.library\", \"version\": \"1.0.0\",\n"
    "            \"attributes\": [ { \"key\": \"my.scope.attribute\",\n"
    "                \"value\": { \"stringValue\": \"some scope attribute\" } } ]\n"
    "          },\n"
    "          \"spans\": [\n"
    "            {\n"
    "              \"traceId\": \"5B8EFFF798038103D269B633813FC60C\",\n"
    "              \"spanId\": \"EEE19B7EC3C1B174\",\n"
    "              \"parentSpanId\": \"EEE19B7EC3C1B173\",\n"
    "              \"name\": \"I'm a server span\",\n"
    "              \"startTimeUnixNano\": \"1544712660000000000\",\n"
    "              \"endTimeUnixNano\": \"1544712661000000000\",\n"
    "              \"kind\": 2,\n"
    "              \"attributes\": [\n"
    "                { \"key\": \"my.span.attr\", \"value\": { \"stringValue\": \"some value\" } }\n"
    "              ]\n"
    "            }\n"
    "          ]\n"
    "        }\n"
    "      ]\n"
    "    }\n"
    "  ]\n"
    "}\n";

Test(otlp, spec_example_all_fields)
{
    struct parsed x;
    parse(&x, example);
    cr_assert_eq(x.e, FL_OK, "diag: %s", x.d.msg);
    cr_assert_eq(x.res.accepted_spans, 1);
    cr_assert_eq(x.res.rejected_spans, 0);
    cr_assert_eq(x.b.n_spans, 1);
    const struct fl_span *s = &x.b.spans[0];
    cr_assert_str_eq(s->trace_id, "5b8efff798038103d269b633813fc60c");
    cr_assert_str_eq(s->span_id, "eee19b7ec3c1b174");
    cr_assert_str_eq(s->parent_span_id, "eee19b7ec3c1b173");
    cr_assert_str_eq(s->name, "I'm a server span");
    cr_assert_str_eq(s->service, "my.service");
    cr_assert_str_eq(s->scope_name, "my.library");
    cr_assert_eq(s->kind, FL_SPAN_SERVER);
    cr_assert_eq(s->start_ns, 1544712660000000000LL);
    cr_assert_eq(s->end_ns, 1544712661000000000LL);
    cr_assert_eq(s->status_code, FL_STATUS_UNSET);
    cr_assert_str_eq(s->status_message, "");
    cr_assert_str_eq(s->attrs_json, "{\"my.span.attr\":\"some value\"}");
    cr_assert_str_eq(s->resource_json, "{\"service.name\":\"my.service\"}");
    cr_assert_str_eq(s->events_json, "[]");
    cr_assert_str_eq(s->links_json, "[]");

    struct fl_buf out;
    fl_buf_init(&out, 4096);
    fl_otlp_response_json(&x.res, &out);
    cr_assert_str_eq(out.data, "{}");
    fl_buf_cleanup(&out);
    done(&x);
}

/* ---- every AnyValue type ---- */

struct av_case {
    const char *value; /* the "value" member of a KeyValue */
    const char *json;  /* expected JSON for it */
};

static const struct av_case av_cases[] = {
    {"{\"stringValue\":\"GET\"}", "\"GET\""},
    {"{\"stringValue\":\"say \\\"hi\\\"\"}", "\"say \\\"hi\\\"\""},
    {"{\"stringValue\":\"\"}", "\"\""},
    {"{\"boolValue\":true}", "true"},
    {"{\"boolValue\":false}", "false"},
    {"{\"intValue\":\"42\"}", "42"},
    {"{\"intValue\":42}", "42"},
    {"{\"intValue\":\"-7\"}", "-7"},
    {"{\"intValue\":\"9007199254740993\"}", "9007199254740993"},
    {"{\"intValue\":9007199254740993}", "9007199254740993"},
    {"{\"intValue\":\"-9223372036854775808\"}", "-9223372036854775808"},
    {"{\"intValue\":\"9223372036854775807\"}", "9223372036854775807"},
    {"{\"doubleValue\":1.5}", "1.5"},
    {"{\"doubleValue\":-2.25e-3}", "-2.25e-3"},
    {"{\"doubleValue\":\"2.5\"}", "2.5"},
    {"{\"doubleValue\":\"NaN\"}", "\"NaN\""},
    {"{\"doubleValue\":\"-Infinity\"}", "\"-Infinity\""},
    {"{\"bytesValue\":\"aGVsbG8=\"}", "\"aGVsbG8=\""},
    {"{\"arrayValue\":{\"values\":[{\"stringValue\":\"a\"},{\"intValue\":\"1\"},"
     "{\"boolValue\":true}]}}",
     "[\"a\",1,true]"},
    {"{\"arrayValue\":{}}", "[]"},
    {"{\"arrayValue\":{\"values\":[]}}", "[]"},
    {"{\"kvlistValue\":{\"values\":[{\"key\":\"k\",\"value\":{\"boolValue\":false}},"
     "{\"key\":\"n\",\"value\":{\"intValue\":3}}]}}",
     "{\"k\":false,\"n\":3}"},
    {"{\"kvlistValue\":{}}", "{}"},
    {"{\"kvlistValue\":{\"values\":[{\"key\":\"in\",\"value\":{\"arrayValue\":{\"values\":"
     "[{\"kvlistValue\":{\"values\":[{\"key\":\"deep\",\"value\":{\"doubleValue\":0.5}}]}}]}}}]}}",
     "{\"in\":[{\"deep\":0.5}]}"},
    {"{}", "null"},
    {"null", "null"},
    {"{\"futureValue\":{\"x\":1},\"stringValue\":\"kept\"}", "\"kept\""},
    {"{\"stringValue\":\"first\",\"intValue\":\"2\"}", "\"first\""},
};

Test(otlp, attribute_types)
{
    for (size_t i = 0; i < sizeof av_cases / sizeof av_cases[0]; i++) {
        char span[1024], want[512];
        snprintf(span, sizeof span,
                 "{" TID "," SID "," NAME "," TIMES ",\"attributes\":[{\"key\":\"k\",\"value\":%s}]}",
                 av_cases[i].value);
        snprintf(want, sizeof want, "{\"k\":%s}", av_cases[i].json);
        struct parsed x;
        parse_spans(&x, span);
        cr_assert_eq(x.e, FL_OK, "case %zu: %s", i, x.d.msg);
        cr_assert_eq(x.res.accepted_spans, 1, "case %zu: rejected: %s", i, x.res.error_message);
        cr_assert_str_eq(x.b.spans[0].attrs_json, want, "case %zu", i);
        done(&x);
    }
}

/*
 * Compact KeyValues of the common shapes take a fast path (otlp.c key_value_fast); a space
 * after the value's colon sends the same KeyValue through the general path. Both must give the
 * same attributes, acceptance and message, for the fast path's shapes and for every near miss.
 */
static const char *fast_cases[] = {
    "{\"key\":\"http.route\",\"value\":{\"stringValue\":\"/pay\"}}",
    "{\"key\":\"k\",\"value\":{\"stringValue\":\"\"}}",
    "{\"key\":\"\",\"value\":{\"stringValue\":\"empty key\"}}",
    "{\"key\":\"k\",\"value\":{\"stringValue\":\"caf\xc3\xa9\"}}",
    "{\"key\":\"k\",\"value\":{\"stringValue\":\"tab\\there\"}}",
    "{\"key\":\"k\\u0041\",\"value\":{\"stringValue\":\"x\"}}",
    "{\"key\":\"k\",\"value\":{\"intValue\":\"0\"}}",
    "{\"key\":\"k\",\"value\":{\"intValue\":0}}",
    "{\"key\":\"k\",\"value\":{\"intValue\":\"-0\"}}",
    "{\"key\":\"k\",\"value\":{\"intValue\":\"007\"}}",
    "{\"key\":\"k\",\"value\":{\"intValue\":\"-12\"}}",
    "{\"key\":\"k\",\"value\":{\"intValue\":123456789012345678}}",
    "{\"key\":\"k\",\"value\":{\"intValue\":\"1234567890123456789\"}}",
    "{\"key\":\"k\",\"value\":{\"intValue\":\"9223372036854775808\"}}",
    "{\"key\":\"k\",\"value\":{\"intValue\":\"12\"x}}",
    "{\"key\":\"k\",\"value\":{\"intValue\":1.5}}",
    "{\"key\":\"k\",\"value\":{\"intValue\":\"\"}}",
    "{\"key\":\"k\",\"value\":{\"boolValue\":true}}",
    "{\"key\":\"k\",\"value\":{\"boolValue\":false}}",
    "{\"key\":\"k\",\"value\":{\"boolValue\":tru}}",
    "{\"key\":\"k\",\"value\":{\"boolValue\":\"true\"}}",
    "{\"key\":\"k\",\"value\":{\"stringValue\":\"a\",\"intValue\":1}}",
    "{\"key\":\"k\",\"value\":{\"stringValue\":\"a\"},\"extra\":1}",
    "{\"key\":\"service.name\",\"value\":{\"stringValue\":\"override\"}}",
    "{\"key\":\"k\",\"value\":{\"stringValue\":\"unterminated}}",
};

static char *spaced_value(const char *kv)
{
    /* insert a space after the colon that follows "value" */
    const char *at = strstr(kv, "\"value\":");
    cr_assert_not_null(at);
    size_t pre = (size_t)(at - kv) + 8, n = strlen(kv);
    char *out = malloc(n + 2);
    cr_assert_not_null(out);
    memcpy(out, kv, pre);
    out[pre] = ' ';
    memcpy(out + pre + 1, kv + pre, n - pre + 1);
    return out;
}

Test(otlp, fast_and_general_keyvalue_paths_agree)
{
    for (size_t i = 0; i < sizeof fast_cases / sizeof fast_cases[0]; i++) {
        char *spaced = spaced_value(fast_cases[i]);
        struct parsed x[2];
        const char *kv[2] = {fast_cases[i], spaced};
        for (int v = 0; v < 2; v++) {
            char span[1024];
            snprintf(span, sizeof span,
                     "{" TID "," SID "," NAME "," TIMES ",\"attributes\":[%s,"
                     "{\"key\":\"after\",\"value\":{\"boolValue\":true}}]}",
                     kv[v]);
            parse_spans(&x[v], span);
        }
        cr_expect_eq(x[0].e, x[1].e, "case %zu: %d vs %d", i, x[0].e, x[1].e);
        cr_expect_eq(x[0].res.accepted_spans, x[1].res.accepted_spans, "case %zu", i);
        cr_expect_str_eq(x[0].res.error_message ? x[0].res.error_message : "",
                         x[1].res.error_message ? x[1].res.error_message : "", "case %zu", i);
        if (x[0].e == FL_OK && x[0].res.accepted_spans == 1 && x[1].res.accepted_spans == 1) {
            cr_expect_str_eq(x[0].b.spans[0].attrs_json, x[1].b.spans[0].attrs_json,
                             "case %zu", i);
            cr_expect_str_eq(x[0].b.spans[0].service, x[1].b.spans[0].service, "case %zu", i);
        }
        done(&x[0]);
        done(&x[1]);
        free(spaced);
    }
}

/* The resource's service.name through the fast path sets the spans' service. */
Test(otlp, fast_path_captures_service_name)
{
    struct parsed x;
    parse_spans(&x, SPAN_OK);
    cr_assert_eq(x.e, FL_OK, "%s", x.d.msg);
    cr_assert_eq(x.res.accepted_spans, 1);
    cr_assert_str_eq(x.b.spans[0].service, "svc");
    done(&x);
}

Test(otlp, attribute_value_before_key_and_multiple)
{
    struct parsed x;
    parse_spans(&x, "{" TID "," SID "," NAME "," TIMES ",\"attributes\":["
                    "{\"value\":{\"intValue\":\"200\"},\"key\":\"http.status_code\"},"
                    "{\"key\":\"http.method\",\"value\":{\"stringValue\":\"GET\"}},"
                    "{\"key\":\"retry\",\"value\":{\"intValue\":3}}]}");
    cr_assert_eq(x.e, FL_OK, "%s", x.d.msg);
    cr_assert_eq(x.res.accepted_spans, 1, "%s", x.res.error_message);
    cr_assert_str_eq(x.b.spans[0].attrs_json,
                     "{\"http.status_code\":200,\"http.method\":\"GET\",\"retry\":3}");
    done(&x);
}

/* ---- per-span validation: rejected with a message naming the field ---- */

struct reject_case {
    const char *span;
    const char *message; /* exact expected error_message */
};

#define P "resourceSpans[0].scopeSpans[0].spans[0]."
static const struct reject_case reject_cases[] = {
    {"{" TID ",\"spanId\":\"xyz\"," NAME "," TIMES "}",
     P "spanId: expected 16 hex digits, got \"xyz\""},
    {"{" TID ",\"spanId\":\"eee19b7ec3c1b17\"," NAME "," TIMES "}",
     P "spanId: expected 16 hex digits, got \"eee19b7ec3c1b17\""},
    {"{" TID ",\"spanId\":\"eee19b7ec3c1b17g\"," NAME "," TIMES "}",
     P "spanId: expected 16 hex digits, got \"eee19b7ec3c1b17g\""},
    {"{" TID ",\"spanId\":\"0000000000000000\"," NAME "," TIMES "}",
     P "spanId: all-zero id is invalid"},
    {"{\"traceId\":\"00000000000000000000000000000000\"," SID "," NAME "," TIMES "}",
     P "traceId: all-zero id is invalid"},
    {"{\"traceId\":\"\"," SID "," NAME "," TIMES "}",
     P "traceId: expected 32 hex digits, got \"\""},
    {"{\"traceId\":12," SID "," NAME "," TIMES "}",
     P "traceId: expected a string of 32 hex digits, got a number"},
    {"{" SID "," NAME "," TIMES "}", P "traceId: required"},
    {"{" TID "," NAME "," TIMES "}", P "spanId: required"},
    {"{" TID "," SID ",\"parentSpanId\":\"zz\"," NAME "," TIMES "}",
     P "parentSpanId: expected 16 hex digits, got \"zz\""},
    {"{" TID "," SID "," TIMES "}", P "name: required"},
    {"{" TID "," SID ",\"name\":\"\"," TIMES "}", P "name: required"},
    {"{" TID "," SID "," NAME ",\"endTimeUnixNano\":\"2000\"}", P "startTimeUnixNano: required"},
    {"{" TID "," SID "," NAME ",\"startTimeUnixNano\":\"3000\",\"endTimeUnixNano\":\"2000\"}",
     P "endTimeUnixNano 2000 is before startTimeUnixNano 3000"},
    {"{" TID "," SID "," NAME ",\"startTimeUnixNano\":\"1e3\",\"endTimeUnixNano\":\"2000\"}",
     P "startTimeUnixNano: expected an unsigned 64-bit integer, got \"1e3\""},
    {"{" TID "," SID "," NAME ",\"startTimeUnixNano\":\"18446744073709551615\","
     "\"endTimeUnixNano\":\"2000\"}",
     P "startTimeUnixNano: 18446744073709551615 is beyond the supported range"},
    {"{" TID "," SID "," NAME "," TIMES ",\"kind\":\"SPAN_KIND_SERVER\"}",
     P "kind: enum values must be integers, got \"SPAN_KIND_SERVER\""},
    {"{" TID "," SID "," NAME "," TIMES ",\"kind\":6}", P "kind: expected an integer 0-5, got 6"},
    {"{" TID "," SID "," NAME "," TIMES ",\"status\":{\"code\":3}}",
     P "status.code: expected an integer 0-2, got 3"},
    {"{" TID "," SID "," NAME "," TIMES ",\"status\":{\"code\":\"STATUS_CODE_ERROR\"}}",
     P "status.code: enum values must be integers, got \"STATUS_CODE_ERROR\""},
    {"{" TID "," SID "," NAME "," TIMES
     ",\"attributes\":[{\"key\":\"n\",\"value\":{\"intValue\":\"abc\"}}]}",
     P "attributes[0] \"n\": intValue: expected a 64-bit integer, got \"abc\""},
    {"{" TID "," SID "," NAME "," TIMES ",\"attributes\":[{\"key\":\"a\",\"value\":{}},"
     "{\"key\":\"b\",\"value\":{\"boolValue\":\"yes\"}}]}",
     P "attributes[1] \"b\": boolValue: expected true or false, got a string"},
    {"{" TID "," SID "," NAME "," TIMES ",\"attributes\":[{\"value\":{\"intValue\":1}}]}",
     P "attributes[0] \"?\": key: required"},
    {"{" TID "," SID "," NAME "," TIMES ",\"attributes\":{}}",
     P "attributes: expected an array, got an object"},
    {"{" TID "," SID "," NAME "," TIMES ",\"events\":[{\"timeUnixNano\":\"5\",\"name\":\"e\","
     "\"attributes\":[{\"key\":\"x\",\"value\":{\"stringValue\":7}}]}]}",
     P "events[0].attributes[0] \"x\": stringValue: expected a string, got a number"},
    {"{" TID "," SID "," NAME "," TIMES ",\"links\":[{\"traceId\":\"abc\",\"spanId\":"
     "\"eee19b7ec3c1b174\"}]}",
     P "links[0].traceId: expected 32 hex digits, got \"abc\""},
    {"{" TID "," SID "," NAME "," TIMES ",\"links\":[{\"traceId\":"
     "\"5b8efff798038103d269b633813fc60c\"}]}",
     P "links[0].spanId: required"},
    {"\"not a span\"", P "expected a Span object, got a string"},
};
#undef P

Test(otlp, span_rejections)
{
    for (size_t i = 0; i < sizeof reject_cases / sizeof reject_cases[0]; i++) {
        struct parsed x;
        parse_spans(&x, reject_cases[i].span);
        cr_assert_eq(x.e, FL_OK, "case %zu: %s", i, x.d.msg);
        cr_assert_eq(x.res.accepted_spans, 0, "case %zu", i);
        cr_assert_eq(x.res.rejected_spans, 1, "case %zu", i);
        cr_assert_eq(x.b.n_spans, 0, "case %zu", i);
        cr_assert_str_eq(x.res.error_message, reject_cases[i].message, "case %zu", i);
        done(&x);
    }
}

Test(otlp, ids_case_insensitive_parent_empty_is_root)
{
    struct parsed x;
    parse_spans(&x, "{\"traceId\":\"ABCDEF0123456789abcdef0123456789\",\"spanId\":"
                    "\"00000000000000Ff\",\"parentSpanId\":\"\"," NAME "," TIMES "}");
    cr_assert_eq(x.res.accepted_spans, 1, "%s", x.res.error_message);
    cr_assert_str_eq(x.b.spans[0].trace_id, "abcdef0123456789abcdef0123456789");
    cr_assert_str_eq(x.b.spans[0].span_id, "00000000000000ff");
    cr_assert_str_eq(x.b.spans[0].parent_span_id, "");
    done(&x);
}

/* ---- partial success ---- */

Test(otlp, partial_success_counts_and_first_message)
{
    const char *body =
        "{\"resourceSpans\":["
        "{\"scopeSpans\":[{\"spans\":[" SPAN_OK "]}]},"
        "{\"scopeSpans\":[{\"spans\":[" SPAN_OK "]},{\"spans\":[" SPAN_OK "," SPAN_OK "," SPAN_OK
        ",{" TID ",\"spanId\":\"xyz\"," NAME "," TIMES "},{" TID "," SID "," NAME "}]}]}]}";
    struct parsed x;
    parse(&x, body);
    cr_assert_eq(x.e, FL_OK, "%s", x.d.msg);
    cr_assert_eq(x.res.accepted_spans, 5);
    cr_assert_eq(x.res.rejected_spans, 2);
    cr_assert_eq(x.b.n_spans, 5);
    cr_assert_str_eq(x.res.error_message,
                     "resourceSpans[1].scopeSpans[1].spans[3].spanId: expected 16 hex digits, "
                     "got \"xyz\"");
    cr_assert_str_eq(x.b.spans[0].service, "unknown_service");
    cr_assert_str_eq(x.b.spans[0].resource_json, "{}");

    struct fl_buf out;
    fl_buf_init(&out, 4096);
    fl_otlp_response_json(&x.res, &out);
    cr_assert_str_eq(out.data,
                     "{\"partialSuccess\":{\"rejectedSpans\":\"2\",\"errorMessage\":"
                     "\"resourceSpans[1].scopeSpans[1].spans[3].spanId: expected 16 hex digits, "
                     "got \\\"xyz\\\"\"}}");
    fl_buf_cleanup(&out);
    done(&x);
}

Test(otlp, bad_resource_rejects_its_spans_only)
{
    const char *body =
        "{\"resourceSpans\":["
        "{\"scopeSpans\":[{\"spans\":[" SPAN_OK "," SPAN_OK "]}],"
        "\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"intValue\":\"x\"}}]}},"
        "{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"b\"}}]},"
        "\"scopeSpans\":[{\"spans\":[" SPAN_OK "]}]}]}";
    struct parsed x;
    parse(&x, body);
    cr_assert_eq(x.e, FL_OK, "%s", x.d.msg);
    cr_assert_eq(x.res.accepted_spans, 1);
    cr_assert_eq(x.res.rejected_spans, 2);
    cr_assert_eq(x.b.n_spans, 1);
    cr_assert_str_eq(x.b.spans[0].service, "b");
    cr_assert_str_eq(x.res.error_message,
                     "resourceSpans[0].resource.attributes[0] \"service.name\": intValue: "
                     "expected a 64-bit integer, got \"x\"");
    done(&x);
}

/* ---- order of keys, legacy names, nulls, unknown fields ---- */

Test(otlp, resource_and_scope_after_spans_are_applied)
{
    const char *body =
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[" SPAN_OK "],\"scope\":{\"name\":"
        "\"late.scope\"}}],\"resource\":{\"attributes\":[{\"key\":\"host\",\"value\":"
        "{\"stringValue\":\"h1\"}},{\"key\":\"service.name\",\"value\":{\"stringValue\":"
        "\"late\"}}]}}]}";
    struct parsed x;
    parse(&x, body);
    cr_assert_eq(x.res.accepted_spans, 1, "%s %s", x.d.msg, x.res.error_message);
    cr_assert_str_eq(x.b.spans[0].service, "late");
    cr_assert_str_eq(x.b.spans[0].scope_name, "late.scope");
    cr_assert_str_eq(x.b.spans[0].resource_json, "{\"host\":\"h1\",\"service.name\":\"late\"}");
    done(&x);
}

Test(otlp, legacy_instrumentation_library_spans)
{
    const char *body =
        "{\"resourceSpans\":[{\"instrumentationLibrarySpans\":[{\"instrumentationLibrary\":"
        "{\"name\":\"old.lib\"},\"spans\":[" SPAN_OK ",{" TID ",\"spanId\":\"q\"," NAME "," TIMES
        "}]}]}]}";
    struct parsed x;
    parse(&x, body);
    cr_assert_eq(x.res.accepted_spans, 1);
    cr_assert_str_eq(x.b.spans[0].scope_name, "old.lib");
    cr_assert_str_eq(x.res.error_message, "resourceSpans[0].instrumentationLibrarySpans[0]."
                                          "spans[1].spanId: expected 16 hex digits, got \"q\"");
    done(&x);
}

Test(otlp, unknown_fields_at_every_level_are_ignored)
{
    const char *u = "\"zz_unknown\":{\"a\":[1,2,{\"b\":null}],\"c\":\"d\"}";
    char body[8192];
    snprintf(body, sizeof body,
             "{%s,\"resourceSpans\":[{%s,\"resource\":{%s,\"attributes\":[{%s,\"key\":"
             "\"service.name\",\"value\":{%s,\"stringValue\":\"s\"}}],\"droppedAttributesCount\":0},"
             "\"schemaUrl\":\"x\",\"scopeSpans\":[{%s,\"scope\":{%s,\"name\":\"n\",\"version\":\"1\"},"
             "\"spans\":[{%s," TID "," SID ",\"traceState\":\"a=b\",\"flags\":257," NAME "," TIMES
             ",\"droppedAttributesCount\":1,\"status\":{%s,\"code\":1,\"message\":\"fine\"},"
             "\"events\":[{%s,\"timeUnixNano\":\"1500\",\"name\":\"ev\"}],"
             "\"links\":[{%s,\"traceId\":\"5b8efff798038103d269b633813fc60d\",\"spanId\":"
             "\"eee19b7ec3c1b175\",\"traceState\":\"\"}]}]}]}]}",
             u, u, u, u, u, u, u, u, u, u, u);
    struct parsed x;
    parse(&x, body);
    cr_assert_eq(x.e, FL_OK, "%s", x.d.msg);
    cr_assert_eq(x.res.accepted_spans, 1, "%s", x.res.error_message);
    const struct fl_span *s = &x.b.spans[0];
    cr_assert_str_eq(s->service, "s");
    cr_assert_str_eq(s->scope_name, "n");
    cr_assert_eq(s->status_code, FL_STATUS_OK);
    cr_assert_str_eq(s->status_message, "fine");
    cr_assert_str_eq(s->events_json, "[{\"time_ns\":\"1500\",\"name\":\"ev\",\"attrs\":{}}]");
    cr_assert_str_eq(s->links_json, "[{\"trace_id\":\"5b8efff798038103d269b633813fc60d\","
                                    "\"span_id\":\"eee19b7ec3c1b175\",\"attrs\":{}}]");
    done(&x);
}

Test(otlp, nulls_mean_absent)
{
    const char *body =
        "{\"resourceSpans\":[{\"resource\":null,\"scopeSpans\":[{\"scope\":null,\"spans\":["
        "{" TID "," SID ",\"parentSpanId\":null," NAME "," TIMES ",\"attributes\":null,"
        "\"events\":null,\"links\":null,\"status\":null}]}]},{\"scopeSpans\":null}]}";
    struct parsed x;
    parse(&x, body);
    cr_assert_eq(x.e, FL_OK, "%s", x.d.msg);
    cr_assert_eq(x.res.accepted_spans, 1, "%s", x.res.error_message);
    cr_assert_str_eq(x.b.spans[0].attrs_json, "{}");
    cr_assert_str_eq(x.b.spans[0].parent_span_id, "");
    done(&x);
}

Test(otlp, events_links_status)
{
    struct parsed x;
    parse_spans(&x, "{" TID "," SID "," NAME "," TIMES ",\"kind\":3,"
                    "\"status\":{\"code\":2,\"message\":\"boom\"},"
                    "\"events\":[{\"attributes\":[{\"key\":\"exception.type\",\"value\":"
                    "{\"stringValue\":\"E\"}}],\"name\":\"exception\",\"timeUnixNano\":"
                    "\"1544712660300000000\"},{\"timeUnixNano\":1600,\"name\":\"second\"}],"
                    "\"links\":[{\"attributes\":[{\"key\":\"why\",\"value\":{\"stringValue\":"
                    "\"batch\"}}],\"spanId\":\"AAAAAAAAAAAAAAAA\",\"traceId\":"
                    "\"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\"}]}");
    cr_assert_eq(x.res.accepted_spans, 1, "%s", x.res.error_message);
    const struct fl_span *s = &x.b.spans[0];
    cr_assert_eq(s->kind, FL_SPAN_CLIENT);
    cr_assert_eq(s->status_code, FL_STATUS_ERROR);
    cr_assert_str_eq(s->status_message, "boom");
    cr_assert_str_eq(s->events_json,
                     "[{\"time_ns\":\"1544712660300000000\",\"name\":\"exception\",\"attrs\":"
                     "{\"exception.type\":\"E\"}},{\"time_ns\":\"1600\",\"name\":\"second\","
                     "\"attrs\":{}}]");
    cr_assert_str_eq(s->links_json,
                     "[{\"trace_id\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\"span_id\":"
                     "\"aaaaaaaaaaaaaaaa\",\"attrs\":{\"why\":\"batch\"}}]");
    done(&x);
}

/* ---- int64 forms and nanosecond precision ---- */

struct time_case {
    const char *start, *end; /* JSON texts */
    long long want_start, want_end;
};

static const struct time_case time_cases[] = {
    {"\"1000\"", "\"2000\"", 1000, 2000},
    {"1000", "2000", 1000, 2000},
    {"\"1700000000123456789\"", "\"1700000000123456790\"", 1700000000123456789LL,
     1700000000123456790LL},
    {"1700000000123456789", "1700000000123456791", 1700000000123456789LL, 1700000000123456791LL},
    {"\"9223372036854775806\"", "9223372036854775807", 9223372036854775806LL,
     9223372036854775807LL},
};

Test(otlp, int64_as_string_or_number_exact_nanoseconds)
{
    for (size_t i = 0; i < sizeof time_cases / sizeof time_cases[0]; i++) {
        char span[512];
        snprintf(span, sizeof span,
                 "{" TID "," SID "," NAME ",\"startTimeUnixNano\":%s,\"endTimeUnixNano\":%s}",
                 time_cases[i].start, time_cases[i].end);
        struct parsed x;
        parse_spans(&x, span);
        cr_assert_eq(x.res.accepted_spans, 1, "case %zu: %s", i, x.res.error_message);
        cr_assert_eq(x.b.spans[0].start_ns, time_cases[i].want_start, "case %zu", i);
        cr_assert_eq(x.b.spans[0].end_ns, time_cases[i].want_end, "case %zu", i);
        done(&x);
    }
}

/* ---- structural errors reject the whole request ---- */

struct bad_case {
    const char *body;
    const char *field; /* expected diag field, or NULL to not check */
};

static const struct bad_case bad_cases[] = {
    {"", NULL},
    {"   ", NULL},
    {"not json", NULL},
    {"[]", NULL},
    {"{\"resourceSpans\":{}}", NULL},
    {"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[" SPAN_OK "]}]}]} trailing", NULL},
    {"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[" SPAN_OK "]}]}]", NULL},
    {"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[" SPAN_OK ",]}]}]}",
     "resourceSpans[0].scopeSpans[0].spans[1]"},
    {"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":\"x\"}]}]}",
     "resourceSpans[0].scopeSpans[0].spans"},
    {"{\"resourceSpans\":[{\"scopeSpans\":{}}]}", "resourceSpans[0].scopeSpans"},
    {"{\"resourceSpans\":[{\"scopeSpans\":[5]}]}", "resourceSpans[0].scopeSpans[0]"},
    {"{\"resourceSpans\":[7]}", "resourceSpans[0]"},
    {"{\"resourceSpans\":\"x\"}", "resourceSpans"},
    {"{\"resourceSpans\":[{\"resource\":[]}]}", "resourceSpans[0].resource"},
    {"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"\\x\"}]}]}]}", NULL},
    {"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[" SPAN_OK "]}]},{\"scopeSpans\":"
     "[{\"scope\":{\"name\":5}}]}]}",
     NULL},
};

Test(otlp, structural_errors_add_nothing)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        struct parsed x;
        parse(&x, bad_cases[i].body);
        cr_assert_eq(x.e, FL_EPARSE, "case %zu: got %s", i, fl_err_name(x.e));
        cr_assert_eq(x.d.code, FL_EPARSE, "case %zu", i);
        cr_assert_neq(x.d.msg[0], '\0', "case %zu", i);
        cr_assert_eq(x.b.n_spans, 0, "case %zu: spans left in the batch", i);
        cr_assert_eq(x.res.accepted_spans, 0, "case %zu", i);
        if (bad_cases[i].field)
            cr_assert_str_eq(x.d.field, bad_cases[i].field, "case %zu: field %s", i, x.d.field);
        done(&x);
    }
}

Test(otlp, error_position_is_reported)
{
    const char *body = "{\n\"resourceSpans\": [\n  {\"scopeSpans\": [{\"spans\": [ ,]}]}\n]}";
    struct parsed x;
    parse(&x, body);
    cr_assert_eq(x.e, FL_EPARSE);
    cr_assert_eq(x.d.line, 3);
    cr_assert_gt(x.d.column, 20);
    done(&x);
}

Test(otlp, depth_beyond_limit_is_an_error)
{
    /* 80 nested arrayValues exceed FL_LIMIT_JSON_DEPTH */
    char *span = malloc(64 * 1024);
    cr_assert_not_null(span);
    size_t n = (size_t)sprintf(span, "{" TID "," SID "," NAME "," TIMES
                                     ",\"attributes\":[{\"key\":\"k\",\"value\":");
    for (int i = 0; i < 80; i++)
        n += (size_t)sprintf(span + n, "{\"arrayValue\":{\"values\":[");
    n += (size_t)sprintf(span + n, "{\"intValue\":1}");
    for (int i = 0; i < 80; i++)
        n += (size_t)sprintf(span + n, "]}}");
    sprintf(span + n, "}]}");
    struct parsed x;
    parse_spans(&x, span);
    cr_assert_eq(x.e, FL_ELIMIT, "%s", fl_err_name(x.e));
    cr_assert(strstr(x.d.msg, "nested deeper than 64") != NULL, "%s", x.d.msg);
    cr_assert_eq(x.b.n_spans, 0);
    done(&x);
    free(span);
}

/* ---- caps ---- */

Test(otlp, attribute_count_and_value_size_caps)
{
    size_t cap = 2 * 1024 * 1024;
    char *span = malloc(cap);
    cr_assert_not_null(span);
    size_t n = (size_t)sprintf(span, "{" TID "," SID "," NAME "," TIMES ",\"attributes\":[");
    for (int i = 0; i < 1025; i++)
        n += (size_t)sprintf(span + n, "%s{\"key\":\"a%d\",\"value\":{\"intValue\":%d}}",
                             i ? "," : "", i, i);
    sprintf(span + n, "]}");
    struct parsed x;
    parse_spans(&x, span);
    cr_assert_eq(x.res.rejected_spans, 1);
    cr_assert_str_eq(x.res.error_message, "resourceSpans[0].scopeSpans[0].spans[0]."
                                          "attributes: more than 1024 attributes, events and links");
    done(&x);

    n = (size_t)sprintf(span, "{" TID "," SID "," NAME "," TIMES
                              ",\"attributes\":[{\"key\":\"big\",\"value\":{\"stringValue\":\"");
    memset(span + n, 'x', 70000);
    n += 70000;
    sprintf(span + n, "\"}}]}");
    parse_spans(&x, span);
    cr_assert_eq(x.res.rejected_spans, 1);
    cr_assert_str_eq(x.res.error_message,
                     "resourceSpans[0].scopeSpans[0].spans[0].attributes[0] \"big\": "
                     "stringValue: value of 70000 bytes exceeds the limit of 65536");
    done(&x);
    free(span);
}

Test(otlp, response_json_shapes)
{
    struct fl_otlp_result r;
    memset(&r, 0, sizeof r);
    struct fl_buf out;
    fl_buf_init(&out, 4096);
    fl_otlp_response_json(&r, &out);
    cr_assert_str_eq(out.data, "{}");
    fl_buf_reset(&out);
    r.rejected_spans = 12;
    snprintf(r.error_message, sizeof r.error_message, "a \"quoted\" reason");
    fl_otlp_response_json(&r, &out);
    cr_assert_str_eq(out.data, "{\"partialSuccess\":{\"rejectedSpans\":\"12\",\"errorMessage\":"
                               "\"a \\\"quoted\\\" reason\"}}");
    fl_buf_cleanup(&out);
}

/* Every allocation failure point yields FL_ENOMEM (or success) and nothing half-added. */
Test(otlp, allocation_failures_are_clean)
{
    int saw_enomem = 0, saw_ok = 0;
    for (long k = 0; k < 400 && !saw_ok; k++) {
        struct fl_batch b;
        if (fl_batch_init(&b, 0) != FL_OK)
            continue;
        struct fl_otlp_result res;
        struct fl_diag d;
        fl_diag_init(&d);
        fl_alloc_fail_after(k);
        fl_err e = fl_otlp_json_to_batch(example, strlen(example), &b, &res, &d);
        fl_alloc_fail_after(-1);
        cr_assert(e == FL_OK || e == FL_ENOMEM || e == FL_ELIMIT, "k=%ld: %s", k,
                  fl_err_name(e));
        if (e == FL_OK) {
            saw_ok = 1;
            cr_assert_eq(b.n_spans, 1);
        } else {
            saw_enomem = 1;
            cr_assert_eq(b.n_spans, 0, "k=%ld", k);
        }
        fl_batch_cleanup(&b);
    }
    cr_assert(saw_enomem && saw_ok);
}
