/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_scrape_pure.c: the pure parts of the scrape loop (src/server/scrape_int.h): the first
 * scrape's offset (bounded, deterministic, spread), the self-scrape target from the listen
 * setting, the synthetic series Prometheus adds to every scrape, scrape_series_added, and
 * staleness markers (bit pattern 0x7ff0000000000002) for series that vanish or when a target
 * goes down, but not for series exposed with their own timestamps.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/record.h"
#include "server/scrape_int.h"

Test(scrape_pure, stale_nan_bits)
{
    double v = fl_scrape__stale_nan();
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    cr_assert_eq(bits, UINT64_C(0x7ff0000000000002));
    cr_assert(isnan(v));
    cr_assert(fl_scrape__is_stale(v));
    cr_assert_not(fl_scrape__is_stale(NAN));
    cr_assert_not(fl_scrape__is_stale(0.0));
}

Test(scrape_pure, offsets_are_bounded_deterministic_and_spread)
{
    char url[64];
    int64_t seen[100];
    size_t distinct = 0;
    for (int i = 0; i < 100; i++) {
        snprintf(url, sizeof url, "http://10.0.0.%d:9100/metrics", i);
        int64_t o = fl_scrape__offset_ms("node", url, 10000);
        cr_assert_geq(o, 0);
        cr_assert_lt(o, 10000);
        cr_assert_eq(o, fl_scrape__offset_ms("node", url, 10000), "not deterministic");
        bool dup = false;
        for (size_t k = 0; k < distinct; k++)
            dup = dup || seen[k] == o;
        if (!dup)
            seen[distinct++] = o;
    }
    /* 100 hashes into 10,000 slots: collisions are rare; all landing together would be a bug */
    cr_assert_geq(distinct, 90, "only %zu distinct offsets", distinct);
    cr_assert_eq(fl_scrape__offset_ms("a", "b", 0), 0);
    cr_assert_neq(fl_scrape__offset_ms("ab", "c", 1000000007),
                  fl_scrape__offset_ms("a", "bc", 1000000007));
}

struct self_case {
    const char *listen;
    const char *want; /* NULL = FL_EINVAL */
};

static const struct self_case self_cases[] = {
    {"127.0.0.1:9470", "127.0.0.1:9470"},
    {":9470", "127.0.0.1:9470"},
    {"9470", "127.0.0.1:9470"},
    {"0.0.0.0:8080", "127.0.0.1:8080"},
    {"localhost:1234", "localhost:1234"},
    {"[::]:9470", "[::1]:9470"},
    {"[::1]:9470", "[::1]:9470"},
    {"", "127.0.0.1:9470"},
    {NULL, "127.0.0.1:9470"},
    {"host:0", NULL},
    {"host:65536", NULL},
    {"host:http", NULL},
    {"host:", NULL},
    {"[::1]", NULL},
};

Test(scrape_pure, self_target)
{
    for (size_t i = 0; i < sizeof self_cases / sizeof self_cases[0]; i++) {
        const struct self_case *c = &self_cases[i];
        char out[64] = "";
        fl_err e = fl_scrape__self_target(c->listen, out, sizeof out);
        if (c->want) {
            cr_assert_eq(e, FL_OK, "%s", c->listen ? c->listen : "(null)");
            cr_assert_str_eq(out, c->want, "%s", c->listen ? c->listen : "(null)");
        } else {
            cr_assert_eq(e, FL_EINVAL, "%s: want an error, got %s", c->listen, out);
        }
    }
    char tiny[8];
    cr_assert_eq(fl_scrape__self_target("127.0.0.1:9470", tiny, sizeof tiny), FL_EINVAL);
}

static const struct fl_label target[] = {{"instance", "h:1"}, {"job", "j"}, {"team", "ml"}};

/* Value of the sample of series called name in b with the target labels; NAN if absent. */
static double value_of(const struct fl_batch *b, const char *name, size_t *n_labels)
{
    for (size_t i = 0; i < b->n_samples; i++) {
        const struct fl_series *s = &b->series[b->samples[i].series];
        for (size_t k = 0; k < s->n_labels; k++) {
            if (!strcmp(s->labels[k].name, "__name__") && !strcmp(s->labels[k].value, name)) {
                if (n_labels)
                    *n_labels = s->n_labels;
                return b->samples[i].value;
            }
        }
    }
    return NAN;
}

Test(scrape_pure, synthetic_series)
{
    struct fl_batch b;
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    struct fl_scrape__report r = {.up = 1, .duration_s = 0.25, .samples_scraped = 42,
                                  .samples_post_relabel = 41, .series_added = 7};
    cr_assert_eq(fl_scrape__add_synthetic(&b, target, 3, 5000, &r), FL_OK);
    cr_assert_eq(b.n_series, 5);
    cr_assert_eq(b.n_samples, 5);
    size_t nl = 0;
    cr_assert_eq(value_of(&b, "up", &nl), 1.0);
    cr_assert_eq(nl, 4, "up has __name__ + 3 target labels");
    cr_assert_eq(value_of(&b, "scrape_duration_seconds", NULL), 0.25);
    cr_assert_eq(value_of(&b, "scrape_samples_scraped", NULL), 42.0);
    cr_assert_eq(value_of(&b, "scrape_samples_post_metric_relabeling", NULL), 41.0);
    cr_assert_eq(value_of(&b, "scrape_series_added", NULL), 7.0);
    for (size_t i = 0; i < b.n_samples; i++)
        cr_assert_eq(b.samples[i].ts_ms, 5000);
    /* a down target reports 0 */
    fl_batch_reset(&b);
    r.up = 0;
    cr_assert_eq(fl_scrape__add_synthetic(&b, target, 3, 6000, &r), FL_OK);
    cr_assert_eq(value_of(&b, "up", NULL), 0.0);
    fl_batch_cleanup(&b);

    /* duplicate target label names are refused, not stored */
    static const struct fl_label dup[] = {{"job", "a"}, {"job", "b"}};
    cr_assert_eq(fl_batch_init(&b, 0), FL_OK);
    cr_assert_eq(fl_scrape__add_synthetic(&b, dup, 2, 1, &r), FL_EINVAL);
    fl_batch_cleanup(&b);
}

/* Add series name{job="j"} with one sample at ts. */
static void add(struct fl_batch *b, const char *name, int64_t ts, double v)
{
    struct fl_label ls[] = {{"__name__", name}, {"job", "j"}};
    uint32_t idx;
    cr_assert_eq(fl_batch_series(b, ls, 2, &idx), FL_OK);
    cr_assert_eq(fl_batch_add_sample(b, idx, ts, v), FL_OK);
}

Test(scrape_pure, stale_markers_and_series_added)
{
    struct fl_batch prev, cur;
    cr_assert_eq(fl_batch_init(&prev, 0), FL_OK);
    cr_assert_eq(fl_batch_init(&cur, 0), FL_OK);
    add(&prev, "a", 1000, 1);
    add(&prev, "b", 1000, 2);
    add(&prev, "own_ts", 500, 3); /* exposed with its own timestamp: never marked stale */
    add(&cur, "a", 2000, 1);
    add(&cur, "c", 2000, 4);

    cr_assert_eq(fl_scrape__count_added(&prev, &cur), 1, "only c is new");

    /* first scrape: nothing to compare with */
    size_t n_stale = 99;
    cr_assert_eq(fl_scrape__add_stale(&prev, FL_TS_NONE, &cur, 2000, &n_stale), FL_OK);
    cr_assert_eq(n_stale, 0);
    cr_assert_eq(cur.n_samples, 2);

    cr_assert_eq(fl_scrape__add_stale(&prev, 1000, &cur, 2000, &n_stale), FL_OK);
    cr_assert_eq(n_stale, 1);
    cr_assert_eq(cur.n_samples, 3);
    const struct fl_sample *sm = &cur.samples[2];
    cr_assert_eq(sm->ts_ms, 2000);
    cr_assert(fl_scrape__is_stale(sm->value));
    const struct fl_series *s = &cur.series[sm->series];
    cr_assert_str_eq(s->labels[0].value, "b");
    cr_assert_str_eq(s->labels[1].value, "j");

    /* target down: cur has only synthetic series, all of prev's scraped series go stale */
    fl_batch_reset(&cur);
    struct fl_scrape__report r = {.up = 0};
    static const struct fl_label tl[] = {{"job", "j"}};
    cr_assert_eq(fl_scrape__add_synthetic(&cur, tl, 1, 3000, &r), FL_OK);
    fl_batch_reset(&prev);
    add(&prev, "a", 2000, 1);
    add(&prev, "c", 2000, 4);
    cr_assert_eq(fl_scrape__add_synthetic(&prev, tl, 1, 2000, &(struct fl_scrape__report){.up = 1}),
                 FL_OK);
    cr_assert_eq(fl_scrape__add_stale(&prev, 2000, &cur, 3000, &n_stale), FL_OK);
    cr_assert_eq(n_stale, 2, "a and c, not the synthetic series");
    size_t markers = 0;
    for (size_t i = 0; i < cur.n_samples; i++)
        markers += fl_scrape__is_stale(cur.samples[i].value);
    cr_assert_eq(markers, 2);
    cr_assert_eq(value_of(&cur, "up", NULL), 0.0);
    fl_batch_cleanup(&prev);
    fl_batch_cleanup(&cur);
}
