// SPDX-License-Identifier: Apache-2.0
/*
 * test_record.c: batches (series interning independent of label order, duplicate names, record
 * cap, reset), fl_labels_hash, fl_labels_format with exposition escaping, event kinds, and every
 * allocation failure while building a batch.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/record.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

Test(record, series_interning_ignores_label_order)
{
    struct fl_batch b;
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    cr_assert_eq(b.max_records, FL_LIMIT_RECORDS_PER_BATCH);
    struct fl_label l1[] = {{"__name__", "up"}, {"job", "api"}, {"instance", "a:9090"}};
    struct fl_label l2[] = {{"instance", "a:9090"}, {"job", "api"}, {"__name__", "up"}};
    struct fl_label l3[] = {{"__name__", "up"}, {"job", "api"}, {"instance", "b:9090"}};
    uint32_t i1, i2, i3;
    cr_assert_eq(fl_batch_series(&b, l1, N(l1), &i1), FL_OK);
    cr_assert_eq(fl_batch_series(&b, l2, N(l2), &i2), FL_OK);
    cr_assert_eq(fl_batch_series(&b, l3, N(l3), &i3), FL_OK);
    cr_assert_eq(i1, i2);
    cr_assert_neq(i1, i3);
    cr_assert_eq(b.n_series, 2);
    const struct fl_series *s = &b.series[i1];
    cr_assert_eq(s->n_labels, 3);
    cr_assert_str_eq(s->labels[0].name, "__name__");
    cr_assert_str_eq(s->labels[1].name, "instance");
    cr_assert_str_eq(s->labels[2].name, "job");
    cr_assert_str_eq(s->labels[1].value, "a:9090");
    cr_assert_neq((const void *)s->labels[1].value, (const void *)l1[2].value, "copied");
    cr_assert_eq(s->hash, fl_labels_hash(s->labels, s->n_labels));
    cr_assert_neq(b.series[i1].hash, b.series[i3].hash);
    /* Empty label set is a series too. */
    uint32_t ie, ie2;
    cr_assert_eq(fl_batch_series(&b, NULL, 0, &ie), FL_OK);
    cr_assert_eq(fl_batch_series(&b, NULL, 0, &ie2), FL_OK);
    cr_assert_eq(ie, ie2);
    cr_assert_eq(b.n_series, 3);
    fl_batch_cleanup(&b);
}

Test(record, series_key_is_unambiguous)
{
    /* Concatenations that collide without length prefixes. */
    struct fl_batch b;
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    struct fl_label a[] = {{"a", "bc"}};
    struct fl_label c[] = {{"ab", "c"}};
    struct fl_label d[] = {{"a", "b"}, {"c", ""}};
    uint32_t ia, ic, id;
    cr_assert_eq(fl_batch_series(&b, a, 1, &ia), FL_OK);
    cr_assert_eq(fl_batch_series(&b, c, 1, &ic), FL_OK);
    cr_assert_eq(fl_batch_series(&b, d, 2, &id), FL_OK);
    cr_assert(ia != ic && ic != id && ia != id);
    fl_batch_cleanup(&b);
}

Test(record, duplicate_label_names_are_einval)
{
    struct fl_batch b;
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    struct fl_label l[] = {{"job", "a"}, {"x", "1"}, {"job", "b"}};
    uint32_t idx = 99;
    cr_assert_eq(fl_batch_series(&b, l, N(l), &idx), FL_EINVAL);
    cr_assert_eq(idx, 99);
    cr_assert_eq(b.n_series, 0);
    struct fl_label nul[] = {{NULL, "a"}};
    cr_assert_eq(fl_batch_series(&b, nul, 1, &idx), FL_EINVAL);
    fl_batch_cleanup(&b);
}

Test(record, many_labels_and_long_values)
{
    struct fl_batch b;
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    struct fl_label l[100];
    char names[100][8];
    static char big[5000];
    memset(big, 'v', sizeof big - 1);
    for (int i = 0; i < 100; i++) {
        snprintf(names[i], sizeof names[i], "l%02d", 99 - i);
        l[i].name = names[i];
        l[i].value = i == 50 ? big : "x";
    }
    uint32_t i1, i2;
    cr_assert_eq(fl_batch_series(&b, l, 100, &i1), FL_OK);
    cr_assert_eq(fl_batch_series(&b, l, 100, &i2), FL_OK);
    cr_assert_eq(i1, i2);
    cr_assert_str_eq(b.series[i1].labels[0].name, "l00");
    cr_assert_str_eq(b.series[i1].labels[99].name, "l99");
    cr_assert_eq(strlen(b.series[i1].labels[49].value), sizeof big - 1);
    fl_batch_cleanup(&b);
}

Test(record, records_and_the_cap)
{
    struct fl_batch b;
    cr_assert_eq(fl_batch_init(&b, 5), FL_OK);
    struct fl_label l[] = {{"__name__", "m"}};
    uint32_t s;
    cr_assert_eq(fl_batch_series(&b, l, 1, &s), FL_OK);
    cr_assert_eq(fl_batch_add_sample(&b, s, 1000, 1.5), FL_OK);
    cr_assert_eq(fl_batch_add_sample(&b, s + 1, 1000, 1.5), FL_EINVAL, "unknown series");
    struct fl_span sp = {0};
    strcpy(sp.trace_id, "0123456789abcdef0123456789abcdef");
    sp.name = fl_batch_strndup(&b, "GET /x", 6);
    cr_assert_eq(fl_batch_add_span(&b, &sp), FL_OK);
    struct fl_event ev = {.id = "e1", .kind = "deploy", .component = "api", .end_ms = FL_TS_NONE};
    cr_assert_eq(fl_batch_add_event(&b, &ev), FL_OK);
    struct fl_outcome o = {.request_id = "r", .name = "click", .value = 1, .attrs_json = "{}"};
    cr_assert_eq(fl_batch_add_outcome(&b, &o), FL_OK);
    struct fl_inference inf = {.request_id = "r", .model = "m", .model_version = "1"};
    cr_assert_eq(fl_batch_add_inference(&b, &inf), FL_OK);
    cr_assert_eq(fl_batch_count(&b), 5);
    struct fl_model_version mv = {.model = "m", .version = "2"};
    cr_assert_eq(fl_batch_add_model(&b, &mv), FL_ELIMIT);
    cr_assert_eq(fl_batch_add_sample(&b, s, 2000, 2.0), FL_ELIMIT);
    struct fl_metric_meta meta = {.family = "m", .type = "gauge"};
    cr_assert_eq(fl_batch_add_meta(&b, &meta), FL_OK, "metadata is not a record");
    cr_assert_eq(fl_batch_count(&b), 5);
    cr_assert_str_eq(b.spans[0].name, "GET /x");
    cr_assert_eq(b.samples[0].value, 1.5);
    cr_assert_str_eq(b.events[0].kind, "deploy");

    fl_batch_reset(&b);
    cr_assert_eq(fl_batch_count(&b), 0);
    cr_assert_eq(b.n_series, 0);
    cr_assert_eq(fl_batch_series(&b, l, 1, &s), FL_OK);
    cr_assert_eq(s, 0, "the index was reset with the series");
    for (int i = 0; i < 5; i++)
        cr_assert_eq(fl_batch_add_sample(&b, s, i, i), FL_OK);
    cr_assert_eq(fl_batch_add_sample(&b, s, 9, 9), FL_ELIMIT);
    fl_batch_cleanup(&b);
}

Test(record, growth_over_many_records)
{
    struct fl_batch b;
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    char v[16];
    for (int i = 0; i < 5000; i++) {
        snprintf(v, sizeof v, "%d", i % 700);
        struct fl_label l[] = {{"__name__", "m"}, {"i", v}};
        uint32_t s;
        cr_assert_eq(fl_batch_series(&b, l, 2, &s), FL_OK);
        cr_assert_eq(fl_batch_add_sample(&b, s, i, i), FL_OK);
    }
    cr_assert_eq(b.n_series, 700);
    cr_assert_eq(b.n_samples, 5000);
    for (int i = 0; i < 5000; i++) {
        const struct fl_series *s = &b.series[b.samples[i].series];
        cr_assert_eq(atoi(s->labels[1].value), i % 700);
    }
    fl_batch_cleanup(&b);
}

Test(record, arena_cap_reports_elimit)
{
    struct fl_batch b;
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    b.arena.max = 1000; /* shrink the cap for the test */
    char big[600];
    memset(big, 'x', sizeof big);
    cr_assert_not_null(fl_batch_strndup(&b, big, sizeof big));
    cr_assert_null(fl_batch_strndup(&b, big, sizeof big));
    cr_assert_eq(fl_batch_alloc_err(&b), FL_ELIMIT);
    big[sizeof big - 1] = '\0';
    struct fl_label l[] = {{"k", big}};
    uint32_t s;
    cr_assert_eq(fl_batch_series(&b, l, 1, &s), FL_ELIMIT);
    cr_assert_eq(b.n_series, 0);
    fl_batch_cleanup(&b);
}

/* Build a small batch under an allocation failure at every point. */
static fl_err build(struct fl_batch *b)
{
    fl_err e;
    if ((e = fl_batch_init(b, 0)))
        return e;
    for (int i = 0; i < 300; i++) {
        char v[16];
        snprintf(v, sizeof v, "%d", i % 90);
        struct fl_label l[] = {{"__name__", "m"}, {"i", v}};
        uint32_t s;
        if ((e = fl_batch_series(b, l, 2, &s)))
            return e;
        if ((e = fl_batch_add_sample(b, s, i, i)))
            return e;
        char *name = fl_batch_strndup(b, "op", 2);
        if (!name)
            return fl_batch_alloc_err(b);
        struct fl_span sp = {.name = name};
        if ((e = fl_batch_add_span(b, &sp)))
            return e;
    }
    return FL_OK;
}

Test(record, every_allocation_failure_is_enomem_without_leaks)
{
    int saw_ok = 0;
    for (long n = 0; n < 400 && !saw_ok; n++) {
        struct fl_batch b;
        fl_alloc_fail_after(n);
        fl_err e = build(&b);
        fl_alloc_fail_after(-1);
        if (e == FL_OK) {
            saw_ok = 1;
            cr_assert_eq(b.n_series, 90);
            cr_assert_eq(b.n_samples, 300);
            cr_assert_eq(b.n_spans, 300);
        } else {
            cr_assert_eq(e, FL_ENOMEM, "n=%ld: %s", n, fl_err_name(e));
            /* Whatever was stored is consistent. */
            for (size_t i = 0; i < b.n_samples; i++)
                cr_assert_lt(b.samples[i].series, b.n_series);
        }
        fl_batch_cleanup(&b);
    }
    cr_assert(saw_ok);
}

Test(record, labels_hash_is_stable_and_order_sensitive)
{
    struct fl_label a[] = {{"a", "1"}, {"b", "2"}};
    struct fl_label b[] = {{"b", "2"}, {"a", "1"}};
    struct fl_label c[] = {{"a", "12"}};
    struct fl_label d[] = {{"a1", "2"}};
    cr_assert_eq(fl_labels_hash(a, 2), fl_labels_hash(a, 2));
    cr_assert_neq(fl_labels_hash(a, 2), fl_labels_hash(b, 2));
    cr_assert_neq(fl_labels_hash(c, 1), fl_labels_hash(d, 1));
    /* Pinned value: stable across runs and builds (stored in the database). */
    cr_assert_eq(fl_labels_hash(NULL, 0), 0xcbf29ce484222325ULL);
}

Test(record, labels_format_table)
{
    static const struct {
        struct fl_label l[4];
        size_t n;
        const char *want;
    } cases[] = {
        {{{"__name__", "up"}}, 1, "up"},
        {{{"job", "api"}, {"__name__", "up"}}, 2, "up{job=\"api\"}"},
        {{{"b", "2"}, {"a", "1"}, {"__name__", "m"}}, 3, "m{a=\"1\",b=\"2\"}"},
        {{{"path", "C:\\dir \"x\"\nnext"}}, 1, "{path=\"C:\\\\dir \\\"x\\\"\\nnext\"}"},
        {{{"a", ""}}, 1, "{a=\"\"}"},
        {{{"x", "y"}}, 0, "{}"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct fl_buf out;
        fl_buf_init(&out, 1000);
        fl_buf_puts(&out, ">");
        fl_labels_format(cases[i].l, cases[i].n, &out);
        cr_assert_eq(fl_buf_err(&out), FL_OK);
        cr_assert_str_eq(out.data + 1, cases[i].want, "case %zu", i);
        fl_buf_cleanup(&out);
    }
}

Test(record, labels_format_many_labels_sorted)
{
    struct fl_label l[80];
    char names[80][8];
    for (int i = 0; i < 80; i++) {
        snprintf(names[i], sizeof names[i], "k%02d", 79 - i);
        l[i].name = names[i];
        l[i].value = "v";
    }
    struct fl_buf out;
    fl_buf_init(&out, 4096);
    fl_labels_format(l, 80, &out);
    cr_assert_eq(fl_buf_err(&out), FL_OK);
    cr_assert_eq(strncmp(out.data, "{k00=\"v\",k01=\"v\",", 17), 0, "%s", out.data);
    cr_assert_eq(out.len, 2 + 80 * 7 + 79, "braces, 80 labels, 79 commas");
    fl_alloc_fail_after(0);
    fl_buf_reset(&out);
    fl_labels_format(l, 80, &out);
    fl_alloc_fail_after(-1);
    cr_assert_eq(fl_buf_err(&out), FL_ENOMEM);
    fl_buf_cleanup(&out);
}

Test(record, event_kinds)
{
    static const char *const valid[] = {"deploy", "config_change", "model_version_change",
                                        "schema_change", "experiment_change", "batch_run",
                                        "feature_pipeline_run", "infrastructure", "business",
                                        "alert"};
    for (size_t i = 0; i < N(valid); i++)
        cr_assert(fl_event_kind_valid(valid[i]), "%s", valid[i]);
    static const char *const invalid[] = {"", "Deploy", "deploy ", "deploys", "other"};
    for (size_t i = 0; i < N(invalid); i++)
        cr_assert(!fl_event_kind_valid(invalid[i]), "%s", invalid[i]);
    cr_assert(!fl_event_kind_valid(NULL));
}

Test(record, series_from_slices_is_the_same_series)
{
    struct fl_batch b;
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    /* Slices into one buffer, none NUL-terminated: job=api, instance=a:9090, __name__=up. */
    const char *t = "jobapiinstancea:9090__name__up";
    struct fl_label_slice ls[] = {
        {{t, 3}, {t + 3, 3}}, {{t + 6, 8}, {t + 14, 6}}, {{t + 20, 8}, {t + 28, 2}}};
    uint32_t i1 = 99, i2 = 98;
    cr_assert_eq(fl_batch_series_slices(&b, ls, N(ls), &i1), FL_OK);
    cr_assert_eq(i1, 0);
    cr_assert_eq(ls[0].name.p, t + 20, "the array is left sorted by name");
    cr_assert_eq(ls[1].name.p, t + 6);
    cr_assert_eq(ls[2].name.p, t);
    const struct fl_series *s = &b.series[i1];
    cr_assert_eq(s->n_labels, 3);
    cr_assert_str_eq(s->labels[0].name, "__name__");
    cr_assert_str_eq(s->labels[0].value, "up");
    cr_assert_str_eq(s->labels[1].name, "instance");
    cr_assert_str_eq(s->labels[1].value, "a:9090");
    cr_assert_str_eq(s->labels[2].name, "job");
    cr_assert_str_eq(s->labels[2].value, "api");
    cr_assert_eq(s->hash, fl_labels_hash(s->labels, s->n_labels));
    struct fl_label l[] = {{"job", "api"}, {"__name__", "up"}, {"instance", "a:9090"}};
    cr_assert_eq(fl_batch_series(&b, l, N(l), &i2), FL_OK);
    cr_assert_eq(i2, i1);
    cr_assert_eq(b.n_series, 1);

    /* A value without bytes is the empty string, as a NULL value is for fl_batch_series. */
    struct fl_label_slice e1[] = {{{t, 3}, {NULL, 0}}};
    struct fl_label e2[] = {{"job", NULL}};
    cr_assert_eq(fl_batch_series_slices(&b, e1, 1, &i1), FL_OK);
    cr_assert_eq(fl_batch_series(&b, e2, 1, &i2), FL_OK);
    cr_assert_eq(i1, i2);
    cr_assert_str_eq(b.series[i1].labels[0].value, "");

    /* A name without bytes, and duplicate names however far apart, are FL_EINVAL. */
    struct fl_label_slice bad[] = {{{t, 3}, {t, 1}}, {{NULL, 0}, {t, 1}}};
    cr_assert_eq(fl_batch_series_slices(&b, bad, N(bad), &i1), FL_EINVAL);
    struct fl_label_slice dup[] = {
        {{t, 3}, {t, 1}}, {{t + 6, 8}, {t, 1}}, {{t + 20, 8}, {t, 1}}, {{t, 3}, {t + 1, 1}}};
    cr_assert_eq(fl_batch_series_slices(&b, dup, N(dup), &i1), FL_EINVAL);
    cr_assert_eq(b.n_series, 2);
    fl_batch_cleanup(&b);
}

/* Series m{i="<k>",z="<k % 3>"}: all share the first label, most of the key differs. */
static fl_err add_numbered(struct fl_batch *b, int k, uint32_t *idx)
{
    char v[16], z[4];
    snprintf(v, sizeof v, "%d", k);
    snprintf(z, sizeof z, "%d", k % 3);
    struct fl_label l[] = {{"z", z}, {"i", v}, {"__name__", "m"}};
    return fl_batch_series(b, l, N(l), idx);
}

Test(record, many_series_are_found_again_after_growth_and_reset)
{
    struct fl_batch b;
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    enum { NS = 40000 };
    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < NS; k++) {
            uint32_t idx;
            cr_assert_eq(add_numbered(&b, k, &idx), FL_OK);
            cr_assert_eq(idx, (uint32_t)k);
        }
        cr_assert_eq(b.n_series, NS);
        for (int k = NS - 1; k >= 0; k -= 7) {
            uint32_t idx;
            cr_assert_eq(add_numbered(&b, k, &idx), FL_OK);
            cr_assert_eq(idx, (uint32_t)k);
        }
        cr_assert_eq(b.n_series, NS, "lookups add nothing");
        for (int k = 0; k < NS; k += 997) {
            const struct fl_series *s = &b.series[k];
            cr_assert_eq(s->hash, fl_labels_hash(s->labels, s->n_labels), "series %d", k);
            cr_assert_eq(atoi(s->labels[1].value), k);
        }
        fl_batch_reset(&b);
        cr_assert_eq(b.n_series, 0);
    }
    fl_batch_cleanup(&b);
}

Test(record, big_label_sets_and_a_full_arena)
{
    struct fl_batch b;
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    b.arena.max = 40000; /* two 16 KiB chunks of small series, then only exact sizes */
    static char big[9000];
    memset(big, 'b', sizeof big - 1);
    struct fl_label lb[] = {{"__name__", "m"}, {"big", big}};
    uint32_t ib, ib2, idx;
    cr_assert_eq(fl_batch_series(&b, lb, N(lb), &ib), FL_OK);
    cr_assert_eq(strlen(b.series[ib].labels[1].value), sizeof big - 1);
    cr_assert_eq(b.series[ib].hash, fl_labels_hash(lb, N(lb)));
    int k = 0;
    fl_err e;
    while ((e = add_numbered(&b, k, &idx)) == FL_OK)
        k++;
    cr_assert_eq(e, FL_ELIMIT);
    cr_assert_gt(k, 100);
    size_t n = b.n_series;
    cr_assert_eq(n, (size_t)k + 1);
    /* A full arena still finds every series it holds: a lookup costs no memory. */
    cr_assert_eq(fl_batch_series(&b, lb, N(lb), &ib2), FL_OK);
    cr_assert_eq(ib2, ib);
    for (int j = k - 1; j >= 0; j -= 5) {
        cr_assert_eq(add_numbered(&b, j, &idx), FL_OK);
        cr_assert_eq(idx, (uint32_t)j + 1);
    }
    cr_assert_eq(add_numbered(&b, k, &idx), FL_ELIMIT);
    cr_assert_eq(b.n_series, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(b.series[i].hash, fl_labels_hash(b.series[i].labels, b.series[i].n_labels));
    fl_batch_cleanup(&b);
}

Test(record, series_label_sets_sorted_like_strcmp)
{
    /* Byte order with bytes >= 0x80 above ASCII, and a proper prefix first, as strcmp sorts. */
    struct fl_batch b;
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    struct fl_label l[] = {{"\xc3\xa9", "1"}, {"ab", "2"}, {"a", "3"}, {"B", "4"},
                           {"_", "5"},        {"aa", "6"}, {"a\xff", "7"}};
    uint32_t idx;
    cr_assert_eq(fl_batch_series(&b, l, N(l), &idx), FL_OK);
    static const char *const want[] = {"B", "_", "a", "aa", "ab", "a\xff", "\xc3\xa9"};
    const struct fl_series *s = &b.series[idx];
    cr_assert_eq(s->n_labels, N(want));
    for (size_t i = 0; i < N(want); i++)
        cr_assert_str_eq(s->labels[i].name, want[i], "label %zu", i);
    cr_assert_eq(s->hash, fl_labels_hash(s->labels, s->n_labels));
    fl_batch_cleanup(&b);
}
