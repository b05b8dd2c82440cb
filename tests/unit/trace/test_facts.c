// SPDX-License-Identifier: Apache-2.0
/*
 * test_facts.c: span attributes, events and status messages -> peer, timeout, exception and
 * resend, one table row per rule of facts.c (and docs/TRACES.md, "Span facts"), plus escapes,
 * malformed JSON, the scratch arena's cap and allocation failures.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "trace/trace.h"

struct facts_case {
    const char *attrs, *events, *status;
    const char *peer;
    int kind;
    bool timeout, exception;
    uint32_t resend;
};

static void check(const struct facts_case *c, size_t row)
{
    struct fl_arena a;
    fl_arena_init(&a, 0, 0);
    struct fl_span_facts f;
    fl_err e = fl_trace_span_facts(c->attrs, c->attrs ? strlen(c->attrs) : 0, c->events,
                                   c->events ? strlen(c->events) : 0, c->status, &a, &f);
    cr_assert_eq(e, FL_OK, "row %zu", row);
    cr_assert_not_null(f.peer);
    cr_assert_eq(f.peer_len, strlen(c->peer), "row %zu: peer %.*s", row, (int)f.peer_len, f.peer);
    cr_assert_eq(memcmp(f.peer, c->peer, f.peer_len), 0, "row %zu: peer %.*s", row, (int)f.peer_len,
                 f.peer);
    cr_assert_eq(f.peer_kind, c->kind, "row %zu", row);
    cr_assert_eq(f.timeout, c->timeout, "row %zu", row);
    cr_assert_eq(f.exception, c->exception, "row %zu", row);
    cr_assert_eq(f.resend, c->resend, "row %zu", row);
    fl_arena_cleanup(&a);
}

enum {
    NO = FL_PEER_NONE,
    SV = FL_PEER_SERVICE,
    DB = FL_PEER_DATABASE,
    MQ = FL_PEER_MESSAGING,
    EX = FL_PEER_EXTERNAL
};

Test(facts, peer_rules)
{
    const struct facts_case cases[] = {
        {"{\"peer.service\":\"feature-store\",\"http.response.status_code\":200}", NULL, NULL,
         "feature-store", SV, false, false, 0},
        /* db.system decides the kind; the name prefers peer.service, then the address. */
        {"{\"db.system\":\"redis\",\"peer.service\":\"feature-cache\"}", NULL, NULL,
         "feature-cache", DB, false, false, 0},
        {"{\"db.system\":\"postgresql\",\"server.address\":\"pg-1.internal\"}", NULL, NULL,
         "pg-1.internal", DB, false, false, 0},
        {"{\"net.peer.name\":\"pg-2\",\"db.system\":\"postgresql\"}", NULL, NULL, "pg-2", DB, false,
         false, 0},
        {"{\"db.system\":\"sqlite\"}", NULL, NULL, "sqlite", DB, false, false, 0},
        {"{\"db.system.name\":\"mysql\"}", NULL, NULL, "mysql", DB, false, false, 0},
        {"{\"messaging.system\":\"kafka\",\"messaging.destination.name\":\"scores\"}", NULL, NULL,
         "scores", MQ, false, false, 0},
        {"{\"messaging.system\":\"rabbitmq\"}", NULL, NULL, "rabbitmq", MQ, false, false, 0},
        {"{\"messaging.system\":\"kafka\",\"peer.service\":\"events\"}", NULL, NULL, "events", SV,
         false, false, 0},
        {"{\"rpc.system\":\"grpc\",\"rpc.service\":\"fraud.Model\",\"server.address\":\"m\"}", NULL,
         NULL, "fraud.Model", SV, false, false, 0},
        {"{\"server.address\":\"api.stripe.com\",\"net.peer.name\":\"x\"}", NULL, NULL,
         "api.stripe.com", EX, false, false, 0},
        {"{\"net.peer.name\":\"legacy-host\"}", NULL, NULL, "legacy-host", EX, false, false, 0},
        {"{\"url.full\":\"https://user:pw@api.example.com:8443/v1/x?q=1\"}", NULL, NULL,
         "api.example.com", EX, false, false, 0},
        {"{\"http.url\":\"http://[2001:db8::1]:8080/p\"}", NULL, NULL, "2001:db8::1", EX, false,
         false, 0},
        {"{\"http.url\":\"http://10.0.0.7\"}", NULL, NULL, "10.0.0.7", EX, false, false, 0},
        {"{\"url.full\":\"/relative/only\"}", NULL, NULL, "", NO, false, false, 0},
        {"{\"url.full\":\"https:///nohost\"}", NULL, NULL, "", NO, false, false, 0},
        {"{\"peer.service\":\"\",\"server.address\":\"b\"}", NULL, NULL, "b", EX, false, false, 0},
        {"{\"peer.service\":42,\"server.address\":[\"x\"]}", NULL, NULL, "", NO, false, false, 0},
        {"{}", NULL, NULL, "", NO, false, false, 0},
        /* A value that spells a key is not the key (the pre-pass sends it to the full reader). */
        {"{\"note\":\"peer.service\",\"x\":\"url.full\"}", NULL, NULL, "", NO, false, false, 0},
        {"{\"note\":\"peer.service\",\"server.address\":\"h\"}", NULL, NULL, "h", EX, false, false,
         0},
        {"{\"a\":1,\"unterminated", NULL, NULL, "", NO, false, false, 0},
        {NULL, NULL, NULL, "", NO, false, false, 0},
        /* Whitespace and nesting take the general reader; the value of a repeated key: last. */
        {"{ \"other\" : {\"peer.service\":\"inner\"} , \"peer.service\" : \"outer\" }", NULL, NULL,
         "outer", SV, false, false, 0},
        {"{\"peer.service\":\"a\",\"peer.service\":\"b\"}", NULL, NULL, "b", SV, false, false, 0},
        /* Escapes: unescaped into the scratch arena. */
        {"{\"peer.service\":\"feature\\u002dstore\"}", NULL, NULL, "feature-store", SV, false,
         false, 0},
        {"{\"peer\\u002eservice\":\"escaped-key\"}", NULL, NULL, "escaped-key", SV, false, false,
         0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check(&cases[i], i);
}

Test(facts, timeout_exception_and_resend_rules)
{
    const struct facts_case cases[] = {
        {"{\"http.response.status_code\":504}", NULL, NULL, "", NO, true, false, 0},
        {"{\"http.status_code\":\"408\"}", NULL, NULL, "", NO, true, false, 0},
        {"{\"http.response.status_code\":503}", NULL, NULL, "", NO, false, false, 0},
        {"{\"http.response.status_code\":504.5}", NULL, NULL, "", NO, false, false, 0},
        {"{\"rpc.grpc.status_code\":4}", NULL, NULL, "", NO, true, false, 0},
        {"{\"rpc.grpc.status_code\":14}", NULL, NULL, "", NO, false, false, 0},
        {"{\"error.type\":\"java.net.SocketTimeoutException\"}", NULL, NULL, "", NO, true, false,
         0},
        {"{\"error.type\":\"500\"}", NULL, NULL, "", NO, false, false, 0},
        {"{\"exception.message\":\"connect ETIMEDOUT 10.0.0.7:443\"}", NULL, NULL, "", NO, true,
         false, 0},
        {"{\"db.statement\":\"select timeout from t\"}", NULL, NULL, "", NO, false, false, 0},
        {NULL, NULL, "context deadline exceeded", "", NO, true, false, 0},
        {NULL, NULL, "Request Timed Out after 2s", "", NO, true, false, 0},
        {NULL, NULL, "connection refused", "", NO, false, false, 0},
        {NULL, NULL, "time", "", NO, false, false, 0},
        {NULL,
         "[{\"time_ns\":\"1\",\"name\":\"exception\",\"attrs\":{\"exception.type\":\"ValueError\"}}"
         "]",
         NULL, "", NO, false, true, 0},
        {NULL,
         "[{\"attrs\":{\"exception.type\":\"TimeoutError\"},\"time_ns\":\"1\",\"name\":"
         "\"exception\"}]",
         NULL, "", NO, true, true, 0},
        /* A timeout word in another event's attributes does not count. */
        {NULL,
         "[{\"time_ns\":\"1\",\"name\":\"log\",\"attrs\":{\"exception.message\":\"timeout\"}}]",
         NULL, "", NO, false, false, 0},
        {NULL, "[{\"name\":\"retry\"},{\"name\":\"exception\",\"attrs\":{}},7,\"x\"]", NULL, "", NO,
         false, true, 0},
        {NULL, "[]", NULL, "", NO, false, false, 0},
        {"{\"http.request.resend_count\":2}", NULL, NULL, "", NO, false, false, 2},
        {"{\"http.request.resend_count\":\"3\"}", NULL, NULL, "", NO, false, false, 3},
        {"{\"http.request.resend_count\":0,\"retry.attempt\":4}", NULL, NULL, "", NO, false, false,
         0},
        {"{\"retry.attempt\":1}", NULL, NULL, "", NO, false, false, 1},
        {"{\"http.retry_count\":5}", NULL, NULL, "", NO, false, false, 5},
        {"{\"retry.count\":-2}", NULL, NULL, "", NO, false, false, 0},
        {"{\"retry.count\":1e12}", NULL, NULL, "", NO, false, false, UINT32_MAX},
        {"{\"retry.count\":\"many\"}", NULL, NULL, "", NO, false, false, 0},
        /* All at once, as the fraud incident's feature-store call looked. */
        {"{\"peer.service\":\"feature-store\",\"http.response.status_code\":504,"
         "\"http.request.resend_count\":1}",
         "[{\"time_ns\":\"17\",\"name\":\"exception\",\"attrs\":{\"exception.message\":\"upstream "
         "timed out\"}}]",
         "Gateway Timeout", "feature-store", SV, true, true, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check(&cases[i], i);
}

Test(facts, malformed_json_yields_no_facts_from_that_part)
{
    const struct facts_case cases[] = {
        {"{\"peer.service\":\"a\",", NULL, NULL, "", NO, false, false, 0},
        {"{\"peer.service\":\"a\"} trailing", NULL, NULL, "", NO, false, false, 0},
        {"[\"peer.service\",\"a\"]", NULL, NULL, "", NO, false, false, 0},
        {"{\"http.response.status_code\":504,\"x\":tru}", NULL, NULL, "", NO, false, false, 0},
        {"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
         "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],"
         "\"peer.service\":\"deep\"}",
         NULL, NULL, "", NO, false, false, 0},
        /* Bad events do not spoil good attributes, and the status message still counts. */
        {"{\"peer.service\":\"ok\"}", "[{\"name\":\"exception\"", "timeout", "ok", SV, true, false,
         0},
        {"{\"peer.service\":\"ok\"}", "{\"name\":\"exception\"}", NULL, "ok", SV, false, false, 0},
        {"{\"peer.service\":\"bad\\uZZZZ\"}", NULL, NULL, "", NO, false, false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check(&cases[i], i);
    /* Not NUL-terminated: only len bytes are read. */
    struct fl_arena a;
    fl_arena_init(&a, 0, 0);
    struct fl_span_facts f;
    const char *text = "{\"peer.service\":\"abc\"}GARBAGE";
    cr_assert_eq(fl_trace_span_facts(text, 22, NULL, 0, NULL, &a, &f), FL_OK);
    cr_assert_eq(f.peer_len, 3);
    cr_assert_eq(f.peer, text + 17, "an unescaped name points into the attributes");
    cr_assert_eq(fl_trace_span_facts(text, 22, NULL, 0, NULL, NULL, &f), FL_EINVAL);
    fl_arena_cleanup(&a);
}

Test(facts, escaped_peer_needs_scratch_and_fails_cleanly)
{
    const char *attrs = "{\"peer.service\":\"feature\\u002dstore\",\"http.status_code\":504}";
    /* The arena's cap: FL_ELIMIT, and no facts. */
    struct fl_arena a;
    fl_arena_init(&a, 64, 1); /* no allocation fits */
    struct fl_span_facts f;
    cr_assert_eq(fl_trace_span_facts(attrs, strlen(attrs), NULL, 0, NULL, &a, &f), FL_ELIMIT);
    cr_assert_eq(f.peer_len, 0);
    cr_assert_eq(f.peer_kind, FL_PEER_NONE);
    cr_assert_eq(f.timeout, false);
    fl_arena_cleanup(&a);
    /* Every allocation failure: FL_ENOMEM and no facts, or the full answer. */
    int saw_ok = 0, saw_fail = 0;
    for (long n = 0; n < 20 && !saw_ok; n++) {
        fl_arena_init(&a, 0, 0);
        fl_alloc_fail_after(n);
        const char *ev = "[{\"name\":\"exc\\u0065ption\"}]";
        fl_err e = fl_trace_span_facts(attrs, strlen(attrs), ev, strlen(ev), NULL, &a, &f);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            saw_ok = 1;
            cr_assert_eq(f.peer_len, 13);
            cr_assert_eq(memcmp(f.peer, "feature-store", 13), 0);
            cr_assert(f.timeout && f.exception);
        } else {
            saw_fail = 1;
            cr_assert_eq(e, FL_ENOMEM, "n=%ld", n);
            cr_assert_eq(f.peer_len, 0);
            cr_assert(!f.timeout && !f.exception);
        }
        fl_arena_cleanup(&a);
    }
    cr_assert(saw_ok && saw_fail);
}
