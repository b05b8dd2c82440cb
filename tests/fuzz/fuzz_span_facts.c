/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_span_facts.c: libFuzzer target for the span-facts reader (src/trace/facts.c).
 *
 * The input is "ATTRS\x01EVENTS\x01STATUS" (missing parts are NULL; readable corpus files). The
 * reader must never fail on bad JSON (FL_OK with no facts from that part), must give a peer iff
 * it gives a peer kind, a peer that lies within the attributes or is a copy in the scratch
 * arena, and the same answer twice. With a scratch arena that cannot hold anything it may only
 * fail with FL_ELIMIT, leaving no facts. fl_trace_attrs_may_time_out, the look that lets window
 * loads skip the reader (src/trace/load.c), may answer false only when the reader finds no
 * timeout in the attributes alone.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct fl_span_facts *f, const char *attrs, size_t attrs_len)
{
    if (!f->peer)
        abort();
    if ((f->peer_len > 0) != (f->peer_kind != FL_PEER_NONE))
        abort();
    if (f->peer_kind < FL_PEER_NONE || f->peer_kind > FL_PEER_EXTERNAL)
        abort();
    if (f->peer_len > attrs_len)
        abort(); /* unescaping never lengthens */
    if (f->peer_len && !attrs)
        abort();
    /* Touch every byte of the peer (ASan catches a dangling or out-of-range pointer). */
    volatile unsigned sum = 0;
    for (size_t i = 0; i < f->peer_len; i++)
        sum += (unsigned char)f->peer[i];
    (void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *parts[3] = {NULL, NULL, NULL};
    size_t lens[3] = {0, 0, 0};
    size_t at = 0;
    for (int k = 0; k < 3 && at <= size; k++) {
        const char *sep = k < 2 ? memchr(p + at, 1, size - at) : NULL;
        size_t end = sep ? (size_t)(sep - p) : size;
        parts[k] = p + at;
        lens[k] = end - at;
        at = end + 1;
        if (!sep)
            break;
    }
    /* The status message is NUL-terminated text. */
    char *status = NULL;
    if (parts[2]) {
        status = malloc(lens[2] + 1);
        if (!status)
            return 0;
        memcpy(status, parts[2], lens[2]);
        status[lens[2]] = '\0';
    }
    struct fl_arena a;
    fl_arena_init(&a, 0, 0);
    struct fl_span_facts f1, f2;
    if (fl_trace_span_facts(parts[0], lens[0], parts[1], lens[1], status, &a, &f1) != FL_OK)
        abort();
    check(&f1, parts[0], lens[0]);
    if (fl_trace_span_facts(parts[0], lens[0], parts[1], lens[1], status, &a, &f2) != FL_OK)
        abort();
    if (f1.peer_len != f2.peer_len || f1.peer_kind != f2.peer_kind || f1.timeout != f2.timeout ||
        f1.exception != f2.exception || f1.resend != f2.resend ||
        memcmp(f1.peer, f2.peer, f1.peer_len) != 0)
        abort();
    fl_arena_cleanup(&a);

    if (!fl_trace_attrs_may_time_out(parts[0], lens[0])) {
        fl_arena_init(&a, 0, 0);
        if (fl_trace_span_facts(parts[0], lens[0], NULL, 0, NULL, &a, &f2) != FL_OK || f2.timeout)
            abort();
        fl_arena_cleanup(&a);
    }

    fl_arena_init(&a, 0, 1);
    fl_err e = fl_trace_span_facts(parts[0], lens[0], parts[1], lens[1], status, &a, &f2);
    if (e != FL_OK && e != FL_ELIMIT)
        abort();
    if (e == FL_ELIMIT && (f2.peer_len || f2.timeout || f2.exception || f2.resend))
        abort();
    if (e == FL_OK && (f2.peer_len != f1.peer_len || f2.timeout != f1.timeout))
        abort();
    fl_arena_cleanup(&a);
    free(status);
    return 0;
}
