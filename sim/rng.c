/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rng.c: the simulator's counter-based random numbers and its queueing helpers.
 *
 * Each generator is splitmix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014) started from a hash of (seed, stream, a, b): a component's draws for
 * one request or one tick do not depend on how many draws any other component made, which is what
 * lets a fault change one component and nothing else. Erlang C gives the probability of queueing
 * in an M/M/c station, so latency rises non-linearly with load.
 */
#include <math.h>
#include <string.h>

#include "sim.h"

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void sim_rng_at(struct sim_rng *r, uint64_t seed, uint64_t stream, uint64_t a, uint64_t b)
{
    uint64_t h = mix64(seed + 0x9e3779b97f4a7c15ULL);
    h = mix64(h ^ stream);
    h = mix64(h ^ (a * 0xd1b54a32d192ed03ULL));
    h = mix64(h ^ (b * 0x8cb92ba72f3d8dd7ULL + 1));
    r->s = h;
}

uint64_t sim_rng_u64(struct sim_rng *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    return mix64(r->s);
}

double sim_rng_unif(struct sim_rng *r)
{
    return (double)(sim_rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

double sim_rng_norm(struct sim_rng *r)
{
    double u1 = sim_rng_unif(r), u2 = sim_rng_unif(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double sim_rng_exp(struct sim_rng *r, double mean)
{
    double u = sim_rng_unif(r);
    return -mean * log1p(-u);
}

double sim_rng_lognorm(struct sim_rng *r, double median, double sigma)
{
    return median * exp(sigma * sim_rng_norm(r));
}

uint32_t sim_rng_poisson(struct sim_rng *r, double mean)
{
    if (!(mean > 0))
        return 0;
    if (mean < 30) {
        double l = exp(-mean), p = 1.0;
        uint32_t k = 0;
        do {
            k++;
            p *= sim_rng_unif(r);
        } while (p > l && k < 1000);
        return k - 1;
    }
    double x = mean + sqrt(mean) * sim_rng_norm(r) + 0.5;
    return x < 0 ? 0 : (uint32_t)x;
}

size_t sim_rng_pick(struct sim_rng *r, const double *weights, size_t n)
{
    double tot = 0;
    for (size_t i = 0; i < n; i++)
        tot += weights[i];
    double u = sim_rng_unif(r) * tot;
    for (size_t i = 0; i < n; i++) {
        if (u < weights[i])
            return i;
        u -= weights[i];
    }
    return n - 1;
}

uint64_t sim_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

double sim_erlang_c(unsigned c, double a)
{
    if (c == 0)
        return 1.0;
    if (a >= c)
        return 1.0;
    /* Erlang B by the stable recurrence, then C from B. */
    double b = 1.0;
    for (unsigned k = 1; k <= c; k++)
        b = a * b / (k + a * b);
    double rho = a / c;
    return b / (1.0 - rho + rho * b);
}

double sim_daily_shape(int64_t t_ms)
{
    int64_t day_ms = 86400000;
    double h = (double)(((t_ms % day_ms) + day_ms) % day_ms) / 3600000.0;
    /* Low at 04:00, peak at 20:00, with a lunch bump. */
    double x = 2.0 * M_PI * (h - 20.0) / 24.0;
    double d = 0.62 + 0.28 * cos(x) + 0.1 * cos(2.0 * x);
    d += 0.08 * exp(-((h - 12.5) * (h - 12.5)) / 2.0);
    int64_t days = t_ms / day_ms;
    int dow = (int)((days + 4) % 7); /* 1970-01-01 was a Thursday: 0 = Sunday */
    if (dow == 0 || dow == 6)
        d *= 0.85;
    return d;
}

void sim_station_update(struct sim_station *st, double lambda, double s_mean)
{
    st->lambda = lambda;
    st->s_mean = s_mean;
    if (st->c == 0) { /* no server at all (an exhausted pool): everyone waits, for long */
        st->p_wait = 1.0;
        st->w_mean = 1000.0;
        return;
    }
    double a = lambda * s_mean;
    double cap = 0.985 * st->c;
    if (a > cap)
        a = cap; /* overload: the queue is long; keep it finite and let timeouts cut it */
    st->p_wait = sim_erlang_c(st->c, a);
    st->w_mean = s_mean / (st->c - a);
}

double sim_station_latency(const struct sim_station *st, struct sim_rng *r, double sigma)
{
    /* Lognormal service time with the station's mean, plus an exponential wait with
     * probability p_wait (M/M/c). Always three draws, so a fault never shifts later draws. */
    double med = st->s_mean * exp(-0.5 * sigma * sigma);
    double svc = sim_rng_lognorm(r, med, sigma);
    double u = sim_rng_unif(r);
    double w = sim_rng_exp(r, st->w_mean);
    return svc + (u < st->p_wait ? w : 0.0);
}

uint64_t sim_new_span_id(struct sim_rng *r)
{
    uint64_t id;
    do
        id = sim_rng_u64(r);
    while (id == 0);
    return id;
}

void sim_new_ids(struct sim_rng *r, uint8_t trace_id[16], uint64_t *span_id)
{
    uint64_t a = sim_rng_u64(r), b = sim_rng_u64(r) | 1;
    for (int i = 0; i < 8; i++) {
        trace_id[i] = (uint8_t)(a >> (56 - 8 * i));
        trace_id[8 + i] = (uint8_t)(b >> (56 - 8 * i));
    }
    *span_id = sim_new_span_id(r);
}
