/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hll.c: HyperLogLog (Flajolet et al. 2007) with a 64-bit hash as in HyperLogLog++ (Heule et al.
 * 2013): register index = top p bits of the hash, register value = 1 + the number of leading
 * zeros of the remaining 64 - p bits (65 - p when they are all zero). The estimate is linear
 * counting for small cardinalities (HyperLogLog++'s thresholds), else Ertl's improved estimator
 * (2017); with 64-bit hashes no large-range correction applies.
 *
 * The hashes are a multiply-fold construction in the style of wyhash (128-bit product, xor of the
 * halves), written here; input words are read little-endian byte by byte, so every host computes
 * the same hash and serialized registers from different machines merge.
 */
#include "stats/hll.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "stats/sketch_io.h"

struct fl_hll {
    unsigned p;
    uint8_t reg[]; /* 2^p registers, each in [0, 65 - p] */
};

#define HK0 0xa0761d6478bd642full
#define HK1 0xe7037ed1a0b428dbull
#define HK2 0x8ebc6af09c88c6e3ull
#define HK3 0x589965cc75374cc3ull

/* Multiply-fold: xor of the two halves of the 128-bit product. */
static inline uint64_t mix(uint64_t a, uint64_t b)
{
    unsigned __int128 r = (unsigned __int128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline void mul128(uint64_t *a, uint64_t *b)
{
    unsigned __int128 r = (unsigned __int128)*a * *b;
    *a = (uint64_t)r;
    *b = (uint64_t)(r >> 64);
}

static inline uint64_t rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static inline uint64_t rd32(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

uint64_t fl_hll_hash_u64(uint64_t x)
{
    uint64_t a = x ^ HK1, b = ((x << 32) | (x >> 32)) ^ HK2;
    mul128(&a, &b);
    return mix(a ^ HK0 ^ 8, b ^ HK3);
}

uint64_t fl_hll_hash_double(double v)
{
    uint64_t bits;
    if (v == 0)
        v = 0.0; /* -0.0 == 0.0 */
    if (isnan(v))
        bits = 0x7ff8000000000000ull;
    else
        memcpy(&bits, &v, sizeof bits);
    return fl_hll_hash_u64(bits);
}

uint64_t fl_hll_hash_bytes(const void *p, size_t len)
{
    const uint8_t *q = p;
    uint64_t seed = HK0 ^ mix(HK3 ^ (uint64_t)len, HK1);
    uint64_t a = 0, b = 0;
    if (len <= 16) {
        if (len >= 4) {
            size_t mid = (len >> 3) << 2;
            a = rd32(q) << 32 | rd32(q + mid);
            b = rd32(q + len - 4) << 32 | rd32(q + len - 4 - mid);
        } else if (len > 0) {
            a = (uint64_t)q[0] << 16 | (uint64_t)q[len >> 1] << 8 | q[len - 1];
        }
    } else {
        size_t i = len;
        while (i > 16) {
            seed = mix(rd64(q) ^ HK1, rd64(q + 8) ^ seed);
            q += 16;
            i -= 16;
        }
        a = rd64(q + i - 16);
        b = rd64(q + i - 8);
    }
    a ^= HK1;
    b ^= seed;
    mul128(&a, &b);
    return mix(a ^ HK0 ^ (uint64_t)len, b ^ HK1);
}

static struct fl_hll *alloc_hll(unsigned p)
{
    struct fl_hll *h = fl_calloc(1, sizeof *h + ((size_t)1 << p));
    if (h)
        h->p = p;
    return h;
}

fl_err fl_hll_new(unsigned p, struct fl_hll **out)
{
    if (!out)
        return FL_EINVAL;
    *out = NULL;
    if (p < FL_HLL_MIN_P || p > FL_LIMIT_HLL_P)
        return FL_EINVAL;
    if (!(*out = alloc_hll(p)))
        return FL_ENOMEM;
    return FL_OK;
}

void fl_hll_free(struct fl_hll *h)
{
    fl_free(h);
}

void fl_hll_update_hash(struct fl_hll *h, uint64_t hash)
{
    size_t idx = (size_t)(hash >> (64 - h->p));
    uint64_t w = hash << h->p;
    uint8_t rho = w ? (uint8_t)(__builtin_clzll(w) + 1) : (uint8_t)(65 - h->p);
    if (rho > h->reg[idx])
        h->reg[idx] = rho;
}

void fl_hll_update_double(struct fl_hll *h, double v)
{
    fl_hll_update_hash(h, fl_hll_hash_double(v));
}

void fl_hll_update_bytes(struct fl_hll *h, const void *p, size_t len)
{
    fl_hll_update_hash(h, fl_hll_hash_bytes(p, len));
}

fl_err fl_hll_merge(struct fl_hll *dst, const struct fl_hll *src, struct fl_diag *d)
{
    if (!dst || !src)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "hll merge: NULL sketch");
    if (dst->p != src->p)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "hll merge: precision %u into precision %u", src->p,
                           dst->p);
    size_t m = (size_t)1 << dst->p;
    for (size_t i = 0; i < m; i++)
        if (src->reg[i] > dst->reg[i])
            dst->reg[i] = src->reg[i];
    return FL_OK;
}

/* HyperLogLog++ (Heule et al. 2013, appendix): linear counting is used up to these estimates. */
static const double lc_threshold[FL_LIMIT_HLL_P + 1 - FL_HLL_MIN_P] = {
    10, 20, 40, 80, 220, 400, 900, 1800, 3100, 6500, 11500, 20000, 50000, 120000, 350000};

/* Ertl's sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), for x in [0, 1). */
static double ertl_sigma(double x)
{
    if (x == 1)
        return INFINITY;
    double y = 1, z = x, prev;
    do {
        x *= x;
        prev = z;
        z += x * y;
        y += y;
    } while (z != prev);
    return z;
}

/* Ertl's tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3, for x in [0, 1]. */
static double ertl_tau(double x)
{
    if (x == 0 || x == 1)
        return 0;
    double y = 1, z = 1 - x, prev;
    do {
        x = sqrt(x);
        prev = z;
        y *= 0.5;
        z -= (1 - x) * (1 - x) * y;
    } while (z != prev);
    return z / 3;
}

double fl_hll_estimate(const struct fl_hll *h)
{
    size_t m = (size_t)1 << h->p, hist[66] = {0};
    unsigned q = 64 - h->p;
    for (size_t i = 0; i < m; i++)
        hist[h->reg[i]]++;
    if (hist[0] == m)
        return 0;
    double dm = (double)m;
    if (hist[0] > 0) {
        double lc = dm * log(dm / (double)hist[0]);
        if (lc <= lc_threshold[h->p - FL_HLL_MIN_P])
            return lc;
    }
    /*
     * Ertl's improved estimator ("New cardinality estimation algorithms for HyperLogLog
     * sketches", 2017, algorithm 6): the raw estimate with the contributions of empty and
     * saturated registers modelled exactly. It removes the raw estimator's bias between about
     * 0.7 m and 5 m that HyperLogLog++ corrects with empirical tables, so no tables are needed.
     */
    double z = dm * ertl_tau(1 - (double)hist[q + 1] / dm);
    for (unsigned k = q; k >= 1; k--)
        z = 0.5 * (z + (double)hist[k]);
    z += dm * ertl_sigma((double)hist[0] / dm);
    return dm * dm / (2 * log(2.0)) / z;
}

unsigned fl_hll_p(const struct fl_hll *h)
{
    return h->p;
}

double fl_hll_rse(unsigned p)
{
    return 1.04 / sqrt(ldexp(1.0, (int)p));
}

int fl_hll_is_empty(const struct fl_hll *h)
{
    size_t m = (size_t)1 << h->p;
    for (size_t i = 0; i < m; i++)
        if (h->reg[i])
            return 0;
    return 1;
}

size_t fl_hll_serialized_size(const struct fl_hll *h)
{
    return 4 + ((size_t)1 << h->p);
}

fl_err fl_hll_serialize(const struct fl_hll *h, struct fl_buf *out)
{
    if (!h || !out)
        return FL_EINVAL;
    fl_err e = fl_buf_reserve(out, fl_hll_serialized_size(h));
    if (e)
        return e;
    fl_sketch_put_header(out, FL_SKETCH_HLL);
    fl_sketch_put_u8(out, (uint8_t)h->p);
    fl_sketch_put_u8(out, 0);
    fl_buf_append(out, h->reg, (size_t)1 << h->p);
    return fl_buf_err(out);
}

fl_err fl_hll_deserialize(const void *p, size_t len, struct fl_hll **out, struct fl_diag *d)
{
    struct fl_sketch_reader r;
    uint8_t prec, reserved;
    const uint8_t *regs;
    fl_err e;
    if (!out)
        return FL_EINVAL;
    *out = NULL;
    fl_sketch_reader_init(&r, p, len, "hll", d);
    if ((e = fl_sketch_get_header(&r, FL_SKETCH_HLL)) || (e = fl_sketch_get_u8(&r, "p", &prec)))
        return e;
    if (prec < FL_HLL_MIN_P || prec > FL_LIMIT_HLL_P)
        return fl_sketch_fail(&r, "p", "precision %u outside [%d, %d]", prec, FL_HLL_MIN_P,
                              FL_LIMIT_HLL_P);
    if ((e = fl_sketch_get_u8(&r, "reserved", &reserved)))
        return e;
    if (reserved != 0)
        return fl_sketch_fail(&r, "reserved", "reserved byte is %u, expected 0", reserved);
    size_t m = (size_t)1 << prec;
    if ((e = fl_sketch_get_bytes(&r, "registers", m, &regs)) || (e = fl_sketch_reader_end(&r)))
        return e;
    for (size_t i = 0; i < m; i++) {
        if (regs[i] > 65 - prec) {
            r.last = 4 + i;
            return fl_sketch_fail(&r, "registers", "register %zu is %u, above %u", i, regs[i],
                                  65u - prec);
        }
    }
    struct fl_hll *h = alloc_hll(prec);
    if (!h)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "hll: out of memory");
    memcpy(h->reg, regs, m);
    *out = h;
    return FL_OK;
}
