/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_sketch.c: libFuzzer target for the sketch deserializers (src/stats/kll.c, hll.c, freq.c,
 * moments.c). The input goes to all four; the type byte lets at most one accept it.
 *
 * Checks beyond "no crash":
 *  - a rejected input leaves the output NULL/untouched and carries a diagnostic with the same
 *    code, a message and a "<sketch>.<field>" path;
 *  - an accepted input re-serializes to exactly the same bytes;
 *  - queries on it stay in range (KLL quantiles ordered within [min, max], bin counts adding up
 *    to n; HLL estimate finite; frequent-item bounds ordered and sorted);
 *  - it can be merged with a second copy of itself and updated, and the result serializes into
 *    bytes that the deserializer accepts again (operations keep every validated invariant).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/limits.h"
#include "stats/freq.h"
#include "stats/hll.h"
#include "stats/kll.h"
#include "stats/moments.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static void check_rejection(fl_err e, const struct fl_diag *d, const char *prefix)
{
    CHECK(e == FL_EINVAL || e == FL_ENOMEM);
    CHECK(d->code == e && d->msg[0]);
    if (e == FL_EINVAL)
        CHECK(strncmp(d->field, prefix, strlen(prefix)) == 0);
}

/* Operations on a valid sketch succeed or stop at a limit (counts near 2^64, level cap). */
static void check_op(fl_err e)
{
    CHECK(e == FL_OK || e == FL_ELIMIT || e == FL_ENOMEM);
}

static void check_same(const struct fl_buf *b, const uint8_t *data, size_t size)
{
    CHECK(fl_buf_err(b) == FL_OK && b->len == size && memcmp(b->data, data, size) == 0);
}

static void fuzz_kll(const uint8_t *data, size_t size)
{
    struct fl_kll *s = NULL, *t = NULL, *back = NULL;
    struct fl_diag d;
    struct fl_buf b;
    fl_diag_init(&d);
    fl_err e = fl_kll_deserialize(data, size, &s, &d);
    if (e != FL_OK) {
        CHECK(s == NULL);
        check_rejection(e, &d, "kll.");
        return;
    }
    fl_buf_init(&b, FL_LIMIT_SKETCH_BYTES);
    CHECK(fl_kll_serialize(s, &b) == FL_OK);
    check_same(&b, data, size);
    double q[] = {0, 0.01, 0.25, 0.5, 0.75, 0.99, 1}, out[7];
    CHECK(fl_kll_quantiles(s, q, 7, out) == FL_OK);
    uint64_t n = fl_kll_n(s);
    for (size_t i = 0; i < 7 && n > 0; i++) {
        CHECK(out[i] >= fl_kll_min(s) && out[i] <= fl_kll_max(s));
        CHECK(i == 0 || out[i] >= out[i - 1]);
    }
    if (n > 0) {
        double splits[] = {fl_kll_min(s), out[3]};
        uint64_t counts[3];
        size_t ns = splits[1] > splits[0] ? 2 : 1;
        CHECK(fl_kll_bin_counts(s, splits, ns, counts) == FL_OK);
        CHECK(counts[0] + counts[1] + (ns == 2 ? counts[2] : 0) == n);
        double r = fl_kll_rank(s, out[3]);
        CHECK(r >= 0 && r <= 1);
    }
    /* Merge a second copy, keep updating, and read the result back. */
    if (fl_kll_deserialize(data, size, &t, NULL) == FL_OK) {
        fl_err e2 = fl_kll_merge(s, t, NULL);
        check_op(e2);
        CHECK(fl_kll_n(s) == (e2 == FL_OK ? 2 * n : n));
    }
    for (int i = 0; i < 300; i++)
        check_op(fl_kll_update(s, (double)(i * 7919 % 1000) - 500));
    fl_buf_reset(&b);
    CHECK(fl_kll_serialize(s, &b) == FL_OK);
    CHECK(fl_kll_deserialize(b.data, b.len, &back, NULL) == FL_OK);
    fl_kll_free(back);
    fl_kll_free(t);
    fl_kll_free(s);
    fl_buf_cleanup(&b);
}

static void fuzz_hll(const uint8_t *data, size_t size)
{
    struct fl_hll *h = NULL, *t = NULL, *back = NULL;
    struct fl_diag d;
    struct fl_buf b;
    fl_diag_init(&d);
    fl_err e = fl_hll_deserialize(data, size, &h, &d);
    if (e != FL_OK) {
        CHECK(h == NULL);
        check_rejection(e, &d, "hll.");
        return;
    }
    fl_buf_init(&b, FL_LIMIT_SKETCH_BYTES);
    CHECK(fl_hll_serialize(h, &b) == FL_OK);
    check_same(&b, data, size);
    double est = fl_hll_estimate(h);
    CHECK(isfinite(est) && est >= 0);
    CHECK((est == 0) == fl_hll_is_empty(h));
    if (fl_hll_deserialize(data, size, &t, NULL) == FL_OK) {
        CHECK(fl_hll_merge(h, t, NULL) == FL_OK);
        CHECK(fl_hll_estimate(h) == est); /* idempotent */
    }
    fl_hll_update_bytes(h, data, size);
    fl_buf_reset(&b);
    CHECK(fl_hll_serialize(h, &b) == FL_OK);
    CHECK(fl_hll_deserialize(b.data, b.len, &back, NULL) == FL_OK);
    fl_hll_free(back);
    fl_hll_free(t);
    fl_hll_free(h);
    fl_buf_cleanup(&b);
}

static void fuzz_freq(const uint8_t *data, size_t size)
{
    struct fl_freq *f = NULL, *t = NULL, *back = NULL;
    struct fl_diag d;
    struct fl_buf b;
    fl_diag_init(&d);
    fl_err e = fl_freq_deserialize(data, size, &f, &d);
    if (e != FL_OK) {
        CHECK(f == NULL);
        check_rejection(e, &d, "freq.");
        return;
    }
    fl_buf_init(&b, FL_LIMIT_SKETCH_BYTES);
    CHECK(fl_freq_serialize(f, &b) == FL_OK);
    check_same(&b, data, size);
    struct fl_freq_item *items = NULL;
    size_t n = 0;
    uint64_t sum = 0;
    if (fl_freq_items(f, &items, &n) == FL_OK) {
        CHECK(n == fl_freq_size(f) && n <= fl_freq_k(f));
        for (size_t i = 0; i < n; i++) {
            CHECK(items[i].lower >= 1 && items[i].upper >= items[i].lower);
            CHECK(i == 0 || items[i - 1].lower >= items[i].lower);
            sum += items[i].lower;
            uint64_t lo, hi;
            fl_freq_estimate(f, items[i].key, items[i].len, &lo, &hi);
            CHECK(lo == items[i].lower && hi == items[i].upper);
        }
        CHECK(sum <= fl_freq_n(f));
        fl_free(items);
    }
    if (fl_freq_deserialize(data, size, &t, NULL) == FL_OK)
        check_op(fl_freq_merge(f, t, NULL));
    for (size_t i = 0; i + 2 <= size && i < 200; i += 2)
        check_op(fl_freq_update(f, (const char *)data + i, 2));
    fl_buf_reset(&b);
    CHECK(fl_freq_serialize(f, &b) == FL_OK);
    CHECK(fl_freq_deserialize(b.data, b.len, &back, NULL) == FL_OK);
    fl_freq_free(back);
    fl_freq_free(t);
    fl_freq_free(f);
    fl_buf_cleanup(&b);
}

static void fuzz_moments(const uint8_t *data, size_t size)
{
    struct fl_moments m, t, back;
    struct fl_diag d;
    struct fl_buf b;
    fl_diag_init(&d);
    fl_moments_init(&m);
    m.count = 424242;
    fl_err e = fl_moments_deserialize(data, size, &m, &d);
    if (e != FL_OK) {
        CHECK(m.count == 424242);
        check_rejection(e, &d, "moments.");
        return;
    }
    fl_buf_init(&b, 1024);
    CHECK(fl_moments_serialize(&m, &b) == FL_OK);
    check_same(&b, data, size);
    CHECK(m.count == 0 || fl_moments_variance(&m, 0) >= 0);
    t = m;
    check_op(fl_moments_merge(&m, &t));
    check_op(fl_moments_update(&m, 1e308));
    check_op(fl_moments_update(&m, -3.5));
    check_op(fl_moments_update(&m, NAN));
    fl_buf_reset(&b);
    CHECK(fl_moments_serialize(&m, &b) == FL_OK);
    CHECK(fl_moments_deserialize(b.data, b.len, &back, NULL) == FL_OK);
    fl_buf_cleanup(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_kll(data, size);
    fuzz_hll(data, size);
    fuzz_freq(data, size);
    fuzz_moments(data, size);
    return 0;
}
