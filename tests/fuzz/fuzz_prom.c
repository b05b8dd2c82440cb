/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_prom.c: libFuzzer target for the Prometheus text 0.0.4 / OpenMetrics 1.0 parser
 * (src/ingest/prom*.c) and, through a round trip, the exposition writer (src/ingest/expo.c).
 *
 * Input layout: the first byte selects the format (even: text, odd: OpenMetrics), the rest is the
 * exposition. Checks beyond "no crash": every sample slice lies inside the input or the parser's
 * scratch; a rejected input carries a diagnostic with a line; fl_prom_to_batch agrees with
 * fl_prom_parse on acceptance (text format, where no batch-only limit applies to small inputs);
 * every series of the batch has __name__ and the extra labels; in text format, each accepted
 * sample written back with fl_expo_sample reparses to the same name, labels and value bits.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/record.h"
#include "ingest/expo.h"
#include "ingest/prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
    struct fl_prom_parser *p2; /* parser for the round trip */
    size_t n;
    int check_roundtrip;
};

struct one {
    const struct fl_prom_sample *want;
    int seen;
};

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static fl_err check_back(const struct fl_prom_sample *s, void *ud)
{
    struct one *o = ud;
    const struct fl_prom_sample *w = o->want;
    o->seen++;
    if (!fl_str_eq(s->name, w->name) || s->n_labels != w->n_labels ||
        !same_double(s->value, w->value))
        abort();
    for (size_t k = 0; k < s->n_labels; k++)
        if (!fl_str_eq(s->label_names[k], w->label_names[k]) ||
            !fl_str_eq(s->label_values[k], w->label_values[k]))
            abort();
    return FL_OK;
}

static fl_err on_sample(const struct fl_prom_sample *s, void *ud)
{
    struct ctx *c = ud;
    c->n++;
    if (!s->name.p || s->name.len == 0 || !s->type || s->line == 0)
        abort();
    for (size_t k = 0; k < s->n_labels; k++)
        if (!s->label_names[k].p || s->label_names[k].len == 0)
            abort();
    if (!c->check_roundtrip)
        return FL_OK;
    /* Names/values with NUL bytes cannot travel through the C-string writer API. */
    if (memchr(s->name.p, 0, s->name.len))
        return FL_OK;
    struct fl_label ls[16];
    char *owned[32];
    size_t n_owned = 0;
    if (s->n_labels > 16)
        return FL_OK;
    int ok = 1;
    for (size_t k = 0; k < s->n_labels && ok; k++) {
        if (memchr(s->label_values[k].p, 0, s->label_values[k].len) ||
            memchr(s->label_names[k].p, 0, s->label_names[k].len))
            ok = 0;
        char *nm = strndup(s->label_names[k].p, s->label_names[k].len);
        char *vl = strndup(s->label_values[k].p, s->label_values[k].len);
        if (!nm || !vl) {
            free(nm);
            free(vl);
            ok = 0;
            break;
        }
        owned[n_owned++] = nm;
        owned[n_owned++] = vl;
        ls[k].name = nm;
        ls[k].value = vl;
    }
    char *name = strndup(s->name.p, s->name.len);
    if (ok && name) {
        struct fl_buf b;
        fl_buf_init(&b, 1 << 20);
        fl_expo_sample(&b, name, ls, s->n_labels, s->value);
        if (fl_buf_err(&b) == FL_OK) {
            struct one o = {s, 0};
            struct fl_diag d;
            fl_diag_init(&d);
            if (fl_prom_parse(c->p2, b.data, b.len, FL_PROM_TEXT, check_back, NULL, &o, &d) !=
                    FL_OK ||
                o.seen != 1)
                abort();
        }
        fl_buf_cleanup(&b);
    }
    free(name);
    for (size_t k = 0; k < n_owned; k++)
        free(owned[k]);
    return FL_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum fl_prom_format fmt = (data[0] & 1) ? FL_PROM_OPENMETRICS : FL_PROM_TEXT;
    const char *p = (const char *)data + 1;
    size_t len = size - 1;
    struct fl_prom_parser *pp = NULL, *p2 = NULL;
    if (fl_prom_parser_new(NULL, &pp) != FL_OK || fl_prom_parser_new(NULL, &p2) != FL_OK) {
        fl_prom_parser_free(pp);
        return 0;
    }
    struct ctx c = {p2, 0, fmt == FL_PROM_TEXT};
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_prom_parse(pp, p, len, fmt, on_sample, NULL, &c, &d);
    if (e != FL_OK && (d.code != e || !d.msg[0]))
        abort();

    struct fl_batch b;
    if (fl_batch_init(&b, 0) == FL_OK) {
        const struct fl_label extra[] = {{"job", "fuzz"}, {"instance", "x:1"}};
        struct fl_diag d2;
        size_t n = 0;
        fl_diag_init(&d2);
        fl_err e2 = fl_prom_to_batch(pp, p, len, fmt, 1000, extra, 2, &b, &n, &d2);
        if (e2 != FL_OK && (d2.code != e2 || !d2.msg[0]))
            abort();
        if (e2 == FL_OK) {
            if (e != FL_OK || n != b.n_samples)
                abort();
            for (size_t i = 0; i < b.n_samples; i++) {
                if (b.samples[i].series >= b.n_series)
                    abort();
                const struct fl_series *s = &b.series[b.samples[i].series];
                int named = 0, job = 0;
                for (size_t k = 0; k < s->n_labels; k++) {
                    named |= strcmp(s->labels[k].name, "__name__") == 0;
                    job |= strcmp(s->labels[k].name, "job") == 0 &&
                           strcmp(s->labels[k].value, "fuzz") == 0;
                }
                if (!named || !job)
                    abort();
            }
        } else if (e2 == FL_EPARSE && e == FL_OK) {
            abort(); /* the same input cannot be malformed for one entry point only */
        }
        fl_batch_cleanup(&b);
    }
    fl_prom_parser_free(pp);
    fl_prom_parser_free(p2);
    return 0;
}
