/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chunk.c: Gorilla-style sample compression for the chunks table (see chunk.h for the layout).
 *
 * Timestamp delta-of-delta buckets (prefix, then the value in two's complement of that width):
 *   0                 dod == 0
 *   10    +  7 bits   -63 .. 64
 *   110   +  9 bits   -255 .. 256
 *   1110  + 12 bits   -2047 .. 2048
 *   11110 + 20 bits   -524287 .. 524288
 *   11111 + 64 bits   anything (wrapping arithmetic, so every int64 sequence round-trips)
 * Values: 0 = same as previous; 10 + bits = xor fits the previous leading/trailing window;
 * 11 + 5 bits leading zeros (capped at 31) + 6 bits significant length (64 coded as 0) + bits.
 * Decimal values (every value of the chunk exactly m / 10^k, k <= 6, |m| < 2^53, checked bitwise):
 * the integers m are coded instead, as deltas or as delta-of-deltas in buckets of 6, 10, 16, 24
 * or 64 bits (same prefix scheme); the encoder keeps the shortest of the three codings. This is
 * what makes gauges with a few decimals (latencies, temperatures) cost ~2 bytes, not ~7.
 * All arithmetic on timestamps and integers is done in uint64 so that no input can overflow.
 */
#include "chunk.h"

#include "../core/alloc.h"

#include <math.h>
#include <string.h>

#define DOD_BUCKETS 4
static const unsigned dod_bits[DOD_BUCKETS] = {7, 9, 12, 20};
#define INT_BUCKETS 4
static const unsigned int_bits[INT_BUCKETS] = {6, 10, 16, 24};

/* Value modes (byte after the count). */
enum { MODE_XOR = 0, MODE_DEC_DELTA = 1, MODE_DEC_DOD = 2 };
#define MAX_SCALE 6
static const double pow10s[MAX_SCALE + 1] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};

struct bitw {
    struct fl_buf *out;
    uint64_t acc;   /* pending bits, right-aligned */
    unsigned n_acc; /* number of pending bits, < 8 after each put */
};

static void bw_put(struct bitw *w, uint64_t v, unsigned nbits)
{
    /* Feed in pieces of at most 32 bits so that acc (< 8 bits pending) never overflows. */
    while (nbits > 0) {
        unsigned take = nbits > 32 ? 32 : nbits;
        uint64_t piece = (v >> (nbits - take)) & ((UINT64_C(1) << take) - 1);
        w->acc = (w->acc << take) | piece;
        w->n_acc += take;
        nbits -= take;
        unsigned char bytes[5];
        size_t nb = 0;
        while (w->n_acc >= 8) {
            w->n_acc -= 8;
            bytes[nb++] = (unsigned char)(w->acc >> w->n_acc);
        }
        w->acc &= (UINT64_C(1) << w->n_acc) - 1;
        if (nb)
            fl_buf_append(w->out, bytes, nb);
    }
}

static void bw_flush(struct bitw *w)
{
    if (w->n_acc > 0) {
        unsigned char c = (unsigned char)(w->acc << (8 - w->n_acc));
        fl_buf_append(w->out, &c, 1);
        w->acc = 0;
        w->n_acc = 0;
    }
}

struct bitr {
    const unsigned char *p;
    size_t len;  /* bytes */
    size_t pos;  /* bit position */
    int overrun; /* set when a read went past the end */
};

static uint64_t br_get(struct bitr *r, unsigned nbits)
{
    if (nbits == 0)
        return 0;
    if (r->pos + nbits > r->len * 8) {
        r->overrun = 1;
        r->pos = r->len * 8;
        return 0;
    }
    uint64_t v = 0;
    while (nbits > 0) {
        size_t byte = r->pos >> 3;
        unsigned off = (unsigned)(r->pos & 7);
        unsigned avail = 8 - off;
        unsigned take = nbits < avail ? nbits : avail;
        unsigned bits = (unsigned)(r->p[byte] >> (avail - take)) & ((1u << take) - 1);
        v = (v << take) | bits;
        r->pos += take;
        nbits -= take;
    }
    return v;
}

static void put_uvarint(struct fl_buf *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (unsigned char)v;
    fl_buf_append(b, tmp, n);
}

static int get_uvarint(const unsigned char **p, const unsigned char *end, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return 0;
        unsigned char c = *(*p)++;
        if (shift == 63 && c > 1)
            return 0;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return 1;
        }
    }
    return 0;
}

static uint64_t zigzag(uint64_t v)
{
    return (v << 1) ^ (uint64_t) - (int64_t)(v >> 63);
}

static uint64_t unzigzag(uint64_t v)
{
    return (v >> 1) ^ (uint64_t) - (int64_t)(v & 1);
}

static uint64_t dbl_bits(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static double bits_dbl(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Does the signed value x fit the bucket of nbits (-(2^(n-1)-1) .. 2^(n-1))? */
static int fits(int64_t x, unsigned nbits)
{
    int64_t hi = INT64_C(1) << (nbits - 1);
    return x >= -(hi - 1) && x <= hi;
}

/* Variable-width signed integer: 0 for zero, else i+1 ones, a zero and bits[i] bits for the first
 * bucket that fits, else nb+1 ones and all 64 bits. */
static void put_bucketed(struct bitw *w, uint64_t x_u, const unsigned *bits, unsigned nb)
{
    int64_t x = (int64_t)x_u;
    if (x == 0) {
        bw_put(w, 0, 1);
        return;
    }
    for (unsigned i = 0; i < nb; i++) {
        if (fits(x, bits[i])) {
            bw_put(w, ((UINT64_C(1) << (i + 1)) - 1) << 1, i + 2);
            bw_put(w, x_u & ((UINT64_C(1) << bits[i]) - 1), bits[i]);
            return;
        }
    }
    bw_put(w, (UINT64_C(1) << (nb + 1)) - 1, nb + 1);
    bw_put(w, x_u, 64);
}

static uint64_t get_bucketed(struct bitr *r, const unsigned *bits, unsigned nb)
{
    unsigned ones = 0;
    while (ones < nb + 1 && br_get(r, 1) == 1)
        ones++;
    if (ones == 0)
        return 0;
    if (ones == nb + 1)
        return br_get(r, 64);
    unsigned n = bits[ones - 1];
    uint64_t v = br_get(r, n);
    if (v > (UINT64_C(1) << (n - 1)))
        v -= UINT64_C(1) << n; /* wraps to the negative value */
    return v;
}

static void put_dod(struct bitw *w, uint64_t dod)
{
    put_bucketed(w, dod, dod_bits, DOD_BUCKETS);
}

static uint64_t get_dod(struct bitr *r)
{
    return get_bucketed(r, dod_bits, DOD_BUCKETS);
}

struct xorstate {
    uint64_t prev;
    unsigned lead, trail;
    int have_window;
};

static unsigned clz64(uint64_t x)
{
    return (unsigned)__builtin_clzll(x);
}

static unsigned ctz64(uint64_t x)
{
    return (unsigned)__builtin_ctzll(x);
}

static void put_value(struct bitw *w, struct xorstate *s, uint64_t v)
{
    uint64_t x = v ^ s->prev;
    s->prev = v;
    if (x == 0) {
        bw_put(w, 0, 1);
        return;
    }
    unsigned lead = clz64(x), trail = ctz64(x);
    if (lead > 31)
        lead = 31;
    if (s->have_window && lead >= s->lead && trail >= s->trail) {
        bw_put(w, 2, 2); /* 10 */
        bw_put(w, x >> s->trail, 64 - s->lead - s->trail);
        return;
    }
    unsigned sig = 64 - lead - trail;
    bw_put(w, 3, 2); /* 11 */
    bw_put(w, lead, 5);
    bw_put(w, sig & 63, 6);
    bw_put(w, x >> trail, sig);
    s->lead = lead;
    s->trail = trail;
    s->have_window = 1;
}

static int get_value(struct bitr *r, struct xorstate *s, uint64_t *out)
{
    if (br_get(r, 1) == 0) {
        *out = s->prev;
        return 1;
    }
    if (br_get(r, 1) == 0) {
        if (!s->have_window)
            return 0;
        uint64_t x = br_get(r, 64 - s->lead - s->trail) << s->trail;
        s->prev ^= x;
        *out = s->prev;
        return 1;
    }
    unsigned lead = (unsigned)br_get(r, 5);
    unsigned sig = (unsigned)br_get(r, 6);
    if (sig == 0)
        sig = 64;
    if (lead + sig > 64)
        return 0;
    unsigned trail = 64 - lead - sig;
    uint64_t x = br_get(r, sig) << trail;
    if (x == 0)
        return 0; /* an encoder never writes a zero xor this way */
    s->lead = lead;
    s->trail = trail;
    s->have_window = 1;
    s->prev ^= x;
    *out = s->prev;
    return 1;
}

/*
 * Decimal mode: every value is exactly m / 10^k for an integer |m| < 2^53 (checked by computing the
 * decoder's expression and comparing bits), so values are coded as integer deltas (gauges) or
 * delta-of-deltas (counters) instead of XORs. -0.0, NaN and infinities never qualify.
 */
static int decimal_scale(const double *v, size_t n, int64_t *m)
{
    for (int k = 0; k <= MAX_SCALE; k++) {
        size_t i;
        for (i = 0; i < n; i++) {
            double x = v[i] * pow10s[k];
            if (!(fabs(x) < 9007199254740992.0))
                break;
            m[i] = llround(x);
            double back = (double)m[i] / pow10s[k];
            if (dbl_bits(back) != dbl_bits(v[i]))
                break;
        }
        if (i == n)
            return k;
    }
    return -1;
}

static void encode_mode(const int64_t *ts, const double *v, const int64_t *m, size_t n, int mode,
                        int scale, struct fl_buf *out)
{
    put_uvarint(out, n);
    if (n == 0)
        return;
    unsigned char hdr[2] = {(unsigned char)mode, (unsigned char)scale};
    fl_buf_append(out, hdr, mode == MODE_XOR ? 1 : 2);
    put_uvarint(out, zigzag((uint64_t)ts[0]));
    uint64_t b0 = dbl_bits(v[0]);
    if (mode == MODE_XOR) {
        unsigned char le[8];
        for (int i = 0; i < 8; i++)
            le[i] = (unsigned char)(b0 >> (8 * i));
        fl_buf_append(out, le, sizeof le);
    } else {
        put_uvarint(out, zigzag((uint64_t)m[0]));
    }
    if (n == 1)
        return;
    uint64_t delta = (uint64_t)ts[1] - (uint64_t)ts[0];
    put_uvarint(out, zigzag(delta));

    struct bitw w = {out, 0, 0};
    struct xorstate xs = {b0, 0, 0, 0};
    uint64_t mdelta = 0;
    for (size_t i = 1; i < n; i++) {
        if (i >= 2) {
            uint64_t d = (uint64_t)ts[i] - (uint64_t)ts[i - 1];
            put_dod(&w, d - delta);
            delta = d;
        }
        if (mode == MODE_XOR) {
            put_value(&w, &xs, dbl_bits(v[i]));
        } else {
            uint64_t md = (uint64_t)m[i] - (uint64_t)m[i - 1];
            put_bucketed(&w, mode == MODE_DEC_DELTA ? md : md - mdelta, int_bits, INT_BUCKETS);
            mdelta = md;
        }
    }
    bw_flush(&w);
}

fl_err fl_store_chunk_encode(const int64_t *ts, const double *v, size_t n, struct fl_buf *out)
{
    if (n > FL_STORE_CHUNK_MAX_SAMPLES)
        return FL_EINVAL;
    size_t start = out->len;
    encode_mode(ts, v, NULL, n, MODE_XOR, 0, out);
    if (n < 2 || fl_buf_err(out) != FL_OK)
        return fl_buf_err(out);
    int64_t *m = fl_reallocarray(NULL, n, sizeof *m); /* scratch; without it, XOR only */
    int scale = m ? decimal_scale(v, n, m) : -1;
    if (scale >= 0) {
        /* Try both integer codings after the XOR one; keep the shortest. */
        for (int mode = MODE_DEC_DELTA; mode <= MODE_DEC_DOD; mode++) {
            size_t best = out->len - start, at = out->len;
            encode_mode(ts, v, m, n, mode, scale, out);
            if (fl_buf_err(out) != FL_OK)
                break;
            size_t len = out->len - at;
            if (len < best) {
                memmove(out->data + start, out->data + at, len);
                out->len = start + len;
            } else {
                out->len = at;
            }
            out->data[out->len] = '\0';
        }
    }
    fl_free(m);
    return fl_buf_err(out);
}

static fl_err read_header(const unsigned char **p, const unsigned char *end, size_t *n)
{
    uint64_t cnt;
    if (!get_uvarint(p, end, &cnt) || cnt > FL_STORE_CHUNK_MAX_SAMPLES)
        return FL_EPARSE;
    /* Every sample after the first costs at least 2 bits; reject counts the bytes cannot hold. */
    size_t rest = (size_t)(end - *p);
    if (cnt > 1 && (cnt - 1) / 4 > rest)
        return FL_EPARSE;
    *n = (size_t)cnt;
    return FL_OK;
}

fl_err fl_store_chunk_count(const void *p, size_t len, size_t *n)
{
    const unsigned char *c = p, *end = c + len;
    if (!p && len)
        return FL_EPARSE;
    return read_header(&c, end, n);
}

fl_err fl_store_chunk_decode(const void *p, size_t len, int64_t *ts, double *v, size_t cap,
                             size_t *n)
{
    const unsigned char *c = p, *end = c + len;
    size_t cnt;
    uint64_t u;
    fl_err e;

    if (!p && len)
        return FL_EPARSE;
    if ((e = read_header(&c, end, &cnt)) != FL_OK)
        return e;
    if (cnt > cap)
        return FL_ELIMIT;
    *n = cnt;
    if (cnt == 0)
        return c == end ? FL_OK : FL_EPARSE;
    if (c >= end)
        return FL_EPARSE;
    int mode = *c++, scale = 0;
    if (mode > MODE_DEC_DOD)
        return FL_EPARSE;
    if (mode != MODE_XOR) {
        if (c >= end || *c > MAX_SCALE)
            return FL_EPARSE;
        scale = *c++;
    }
    if (!get_uvarint(&c, end, &u))
        return FL_EPARSE;
    uint64_t t = unzigzag(u);
    uint64_t b0 = 0, m = 0;
    if (mode == MODE_XOR) {
        if (end - c < 8)
            return FL_EPARSE;
        for (int i = 0; i < 8; i++)
            b0 |= (uint64_t)c[i] << (8 * i);
        c += 8;
        v[0] = bits_dbl(b0);
    } else {
        if (!get_uvarint(&c, end, &u))
            return FL_EPARSE;
        m = unzigzag(u);
        v[0] = (double)(int64_t)m / pow10s[scale];
    }
    ts[0] = (int64_t)t;
    if (cnt == 1)
        return c == end ? FL_OK : FL_EPARSE;
    if (!get_uvarint(&c, end, &u))
        return FL_EPARSE;
    uint64_t delta = unzigzag(u), mdelta = 0;

    struct bitr r = {c, (size_t)(end - c), 0, 0};
    struct xorstate xs = {b0, 0, 0, 0};
    for (size_t i = 1; i < cnt; i++) {
        if (i >= 2)
            delta += get_dod(&r);
        t += delta;
        ts[i] = (int64_t)t;
        if (mode == MODE_XOR) {
            uint64_t vb;
            if (!get_value(&r, &xs, &vb))
                return FL_EPARSE;
            v[i] = bits_dbl(vb);
        } else {
            uint64_t x = get_bucketed(&r, int_bits, INT_BUCKETS);
            mdelta = mode == MODE_DEC_DELTA ? x : mdelta + x;
            m += mdelta;
            v[i] = (double)(int64_t)m / pow10s[scale];
        }
        if (r.overrun)
            return FL_EPARSE;
    }
    /* Only zero padding may follow, within the last byte. */
    if ((r.pos + 7) / 8 != r.len)
        return FL_EPARSE;
    if (r.pos % 8 && (r.p[r.len - 1] & ((1u << (8 - r.pos % 8)) - 1)))
        return FL_EPARSE;
    return FL_OK;
}
