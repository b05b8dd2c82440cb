/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_exemplars.c: the pure parts of /api/v1/query_exemplars (src/server/routes_exemplars.c):
 * which exemplar label names the trace (trace_id, then traceID, then trace.id) and the
 * normalisation of its value to the 32 lowercase hex digits spans are stored under (Jaeger's
 * short ids left-padded, case folded, anything else and the all-zero id refused).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "server/routes_exemplars.h"

Test(exemplars, trace_label_preference)
{
    static const struct {
        const char *what;
        struct fl_label ls[3];
        size_t n;
        const char *want;
    } cases[] = {
        {"trace_id", {{"trace_id", "a1"}}, 1, "a1"},
        {"traceID", {{"span_id", "s"}, {"traceID", "b2"}}, 2, "b2"},
        {"trace.id", {{"trace.id", "c3"}, {"span_id", "s"}}, 2, "c3"},
        {"trace_id wins over the others wherever it is",
         {{"trace.id", "c3"}, {"traceID", "b2"}, {"trace_id", "a1"}},
         3,
         "a1"},
        {"traceID wins over trace.id", {{"trace.id", "c3"}, {"traceID", "b2"}}, 2, "b2"},
        {"names compare exactly",
         {{"TRACE_ID", "x"}, {"trace_idx", "y"}, {"traceid", "z"}},
         3,
         NULL},
        {"no labels", {{NULL, NULL}}, 0, NULL},
        {"empty value is still the label's", {{"trace_id", ""}}, 1, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = fl_exemplars_trace_label(cases[i].ls, cases[i].n);
        if (!cases[i].want)
            cr_expect_null(got, "%s: got %s", cases[i].what, got);
        else
            cr_expect(got && !strcmp(got, cases[i].want), "%s: got %s, want %s", cases[i].what,
                      got ? got : "(null)", cases[i].want);
    }
}

Test(exemplars, trace_id_normalised)
{
    static const struct {
        const char *in;
        const char *want; /* NULL: refused */
    } cases[] = {
        {"4bf92f3577b34da6a3ce929d0e0e4736", "4bf92f3577b34da6a3ce929d0e0e4736"},
        {"4BF92F3577B34DA6A3CE929D0E0E4736", "4bf92f3577b34da6a3ce929d0e0e4736"},
        {"a3ce929d0e0e4736", "0000000000000000a3ce929d0e0e4736"}, /* 64-bit (Jaeger, Zipkin) */
        {"1", "00000000000000000000000000000001"},
        {"00000000000000000000000000000000", NULL}, /* W3C: invalid */
        {"0", NULL},
        {"", NULL},
        {NULL, NULL},
        {"4bf92f3577b34da6a3ce929d0e0e47361", NULL}, /* 33 digits */
        {"EpTxMJ40fUus7aGY", NULL},                  /* the Prometheus docs' example: not hex */
        {"4bf92f35-77b3-4da6-a3ce-929d0e0e4736", NULL},
        {" 4bf92f3577b34da6a3ce929d0e0e473", NULL},
        {"4bf92f3577b34da6a3ce929d0e0e473\n", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[33];
        memset(out, 'x', sizeof out);
        bool ok = fl_exemplars_trace_id(cases[i].in, out);
        if (!cases[i].want) {
            cr_expect(!ok, "\"%s\" accepted as %.33s", cases[i].in ? cases[i].in : "(null)", out);
            continue;
        }
        cr_expect(ok, "\"%s\" refused", cases[i].in);
        cr_expect_str_eq(out, cases[i].want, "\"%s\"", cases[i].in);
    }
}

Test(exemplars, trace_id_reads_no_further_than_33_bytes)
{
    /* Not NUL-terminated within 33 bytes: refused without reading past them. */
    char long_id[33];
    memset(long_id, 'a', sizeof long_id);
    char out[33];
    cr_expect(!fl_exemplars_trace_id(long_id, out));
}
