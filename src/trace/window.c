/* SPDX-License-Identifier: Apache-2.0 */
/*
 * window.c: the traces of one time window reduced to what comparison (compare.c) and the
 * dependency graph (graph.c) need (docs/TRACES.md, "Windows").
 *
 * Each span of an added trace belongs to one key: a client or producer span that analyze.c
 * matched as a call to the EDGE (caller -> callee), every other span to the OPERATION (service,
 * name); the synthetic root of a trace with orphans is the operation ("", ""). Since the
 * exclusive critical-path times of a trace's spans add up to its duration (CRISP), the per-key
 * sums kept here do too, and so do the deltas compare.c attributes. The layout is flat so that a
 * window of 100,000 traces costs a few tens of bytes per span (window_int.h).
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "core/record.h"
#include "stats/binning.h"
#include "trace/window_int.h"

#define NS_PER_MS 1e6

struct fl_trace_window *fl_trace_window_new(struct fl_trace_syms *y, int64_t start_ns,
                                            int64_t end_ns)
{
    if (!y)
        return NULL;
    struct fl_trace_window *w = fl_calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->y = y;
    w->start_ns = start_ns;
    w->end_ns = end_ns;
    return w;
}

void fl_trace_window_free(struct fl_trace_window *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n_keys; i++) {
        fl_free(w->keys[i].own.v);
        fl_free(w->keys[i].net.v);
    }
    fl_free(w->keys);
    fl_free(w->slots);
    fl_free(w->traces);
    fl_free(w->cp_key);
    fl_free(w->cp_ns);
    fl_free(w->span_key);
    fl_free(w->call_of);
    fl_free(w);
}

size_t fl_trace_window_count(const struct fl_trace_window *w)
{
    return w ? w->n_traces : 0;
}

size_t fl_trace__window_bytes(const struct fl_trace_window *w)
{
    if (!w)
        return 0;
    size_t b = sizeof *w + w->cap_traces * sizeof *w->traces + w->cap_cp_key * sizeof *w->cp_key +
               w->cap_cp_ns * sizeof *w->cp_ns + w->cap_keys * sizeof *w->keys +
               w->n_slots * sizeof *w->slots + w->cap_span_key * sizeof *w->span_key +
               w->cap_call_of * sizeof *w->call_of;
    for (size_t i = 0; i < w->n_keys; i++)
        b += (w->keys[i].own.cap + w->keys[i].net.cap) * sizeof(double);
    return b;
}

/* ---- growable arrays ---- */

/* Make room for at least need elements of size sz in *p (capacity *cap), doubling. */
static fl_err reserve(void **p, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return FL_OK;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c = c > SIZE_MAX / 2 ? need : c * 2;
    void *q = fl_reallocarray(*p, c, sz);
    if (!q)
        return FL_ENOMEM;
    *p = q;
    *cap = c;
    return FL_OK;
}

static fl_err dvec_reserve(struct fl_trace__dvec *d, size_t extra)
{
    return reserve((void **)&d->v, &d->cap, d->n + extra, sizeof *d->v);
}

/* ---- keys ---- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint32_t fl_trace__window_find(const struct fl_trace_window *w, uint64_t packed)
{
    if (!w->n_slots)
        return FL_TRACE_NONE;
    size_t mask = w->n_slots - 1;
    for (size_t i = mix64(packed) & mask;; i = (i + 1) & mask) {
        uint32_t s = w->slots[i];
        if (!s)
            return FL_TRACE_NONE;
        if (w->keys[s - 1].packed == packed)
            return s - 1;
    }
}

static void slots_place(uint32_t *slots, size_t n_slots, uint64_t packed, uint32_t idx)
{
    size_t mask = n_slots - 1;
    size_t i = mix64(packed) & mask;
    while (slots[i])
        i = (i + 1) & mask;
    slots[i] = idx + 1;
}

/* Grow the slot table so that it stays at most half full after one more key. */
static fl_err slots_grow(struct fl_trace_window *w)
{
    if ((w->n_keys + 1) * 2 <= w->n_slots)
        return FL_OK;
    size_t n = w->n_slots ? w->n_slots * 2 : 64;
    uint32_t *s = fl_calloc(n, sizeof *s);
    if (!s)
        return FL_ENOMEM;
    for (size_t k = 0; k < w->n_keys; k++)
        slots_place(s, n, w->keys[k].packed, (uint32_t)k);
    fl_free(w->slots);
    w->slots = s;
    w->n_slots = n;
    return FL_OK;
}

/* The index of key (kind, a, b), created empty when new. FL_ELIMIT past FL_LIMIT_WINDOW_KEYS. */
static fl_err key_get(struct fl_trace_window *w, int kind, uint32_t a, uint32_t b, uint32_t *out)
{
    if (a > 0x7fffffffu || b > 0x7fffffffu)
        return FL_EINVAL;
    uint64_t packed = fl_trace__key_pack(kind, a, b);
    uint32_t k = fl_trace__window_find(w, packed);
    if (k != FL_TRACE_NONE) {
        *out = k;
        return FL_OK;
    }
    if (w->n_keys >= FL_LIMIT_WINDOW_KEYS)
        return FL_ELIMIT;
    fl_err e;
    if ((e = slots_grow(w)) != FL_OK ||
        (e = reserve((void **)&w->keys, &w->cap_keys, w->n_keys + 1, sizeof *w->keys)) != FL_OK)
        return e;
    struct fl_trace__key *nk = &w->keys[w->n_keys];
    memset(nk, 0, sizeof *nk);
    nk->packed = packed;
    nk->kind = (uint8_t)kind;
    nk->a = a;
    nk->b = b;
    slots_place(w->slots, w->n_slots, packed, (uint32_t)w->n_keys);
    *out = (uint32_t)w->n_keys++;
    return FL_OK;
}

/* ---- adding a trace ---- */

static int64_t span_duration_ns(const struct fl_tspan *s)
{
    int64_t d =
        (s->flags & FL_TSPAN_SYNTHETIC) ? s->end_ns - s->start_ns : s->raw_end_ns - s->raw_start_ns;
    return d > 0 ? d : 0;
}

/* Pass 1: the key of every span (span_key), how many samples each key will receive, and how many
 * distinct keys carry critical-path time (*n_cp). */
static fl_err assign_keys(struct fl_trace_window *w, const struct fl_trace *t,
                          const struct fl_trace_analysis *an, uint64_t mark, size_t *n_cp)
{
    fl_err e = FL_OK;
    *n_cp = 0;
    for (size_t i = 0; i < t->n_spans; i++)
        w->call_of[i] = FL_TRACE_NONE;
    for (size_t c = 0; c < an->n_calls; c++)
        if (an->calls[c].client < t->n_spans)
            w->call_of[an->calls[c].client] = (uint32_t)c;
    for (size_t i = 0; i < t->n_spans; i++) {
        const struct fl_tspan *s = &t->spans[i];
        const struct fl_trace_call *c =
            w->call_of[i] != FL_TRACE_NONE ? &an->calls[w->call_of[i]] : NULL;
        uint32_t k;
        if (c)
            e = key_get(w, FL_TRACE_KEY_EDGE, c->caller, c->callee, &k);
        else
            e = key_get(w, FL_TRACE_KEY_OPERATION, s->service, s->name, &k);
        if (e != FL_OK)
            return e;
        w->span_key[i] = k;
        struct fl_trace__key *key = &w->keys[k];
        key->pend_own++;
        if (c && c->server != FL_TRACE_NONE && c->network_ns >= 0)
            key->pend_net++;
        if (s->cp_ns > 0 && key->mark != mark) {
            key->mark = mark;
            (*n_cp)++;
        }
    }
    return FL_OK;
}

/* Room for everything pass 2 appends, so that it cannot fail half-way. Clears the pending
 * counts whatever happens. */
static fl_err reserve_all(struct fl_trace_window *w, const struct fl_trace *t, size_t n_cp)
{
    fl_err e = reserve((void **)&w->traces, &w->cap_traces, w->n_traces + 1, sizeof *w->traces);
    if (e == FL_OK)
        e = reserve((void **)&w->cp_key, &w->cap_cp_key, w->n_cp + n_cp, sizeof *w->cp_key);
    if (e == FL_OK)
        e = reserve((void **)&w->cp_ns, &w->cap_cp_ns, w->n_cp + n_cp, sizeof *w->cp_ns);
    for (size_t i = 0; i < t->n_spans; i++) {
        struct fl_trace__key *key = &w->keys[w->span_key[i]];
        if (e == FL_OK && key->pend_own)
            e = dvec_reserve(&key->own, key->pend_own);
        if (e == FL_OK && key->pend_net)
            e = dvec_reserve(&key->net, key->pend_net);
        key->pend_own = key->pend_net = 0;
    }
    return e;
}

fl_err fl_trace_window_add(struct fl_trace_window *w, const struct fl_trace *t,
                           const struct fl_trace_analysis *an)
{
    if (!w || !t || !an || !t->spans || t->n_spans == 0 || (an->n_calls && !an->calls))
        return FL_EINVAL;
    if (w->n_traces >= FL_LIMIT_WINDOW_TRACES || t->n_spans >= UINT32_MAX)
        return FL_ELIMIT;
    fl_err e;
    if ((e = reserve((void **)&w->span_key, &w->cap_span_key, t->n_spans, sizeof *w->span_key)) !=
            FL_OK ||
        (e = reserve((void **)&w->call_of, &w->cap_call_of, t->n_spans, sizeof *w->call_of)) !=
            FL_OK)
        return e;
    for (size_t i = 0; i < t->n_spans; i++)
        w->span_key[i] = FL_TRACE_NONE;
    size_t n_cp = 0;
    e = assign_keys(w, t, an, ++w->serial, &n_cp);
    if (e == FL_OK)
        e = reserve_all(w, t, n_cp);
    else
        for (size_t i = 0; i < t->n_spans; i++) /* the keys resolved before the failure */
            if (w->span_key[i] != FL_TRACE_NONE)
                w->keys[w->span_key[i]].pend_own = w->keys[w->span_key[i]].pend_net = 0;
    if (e != FL_OK)
        return e;

    /* Pass 2: nothing below allocates. */
    struct fl_trace__wtrace *tr = &w->traces[w->n_traces];
    tr->duration_ns = fl_trace_duration_ns(t);
    tr->timeout_cp_ns = an->timeout_cp_ns;
    tr->retried_cp_ns = an->retried_cp_ns;
    tr->cp_first = w->n_cp;
    tr->n_cp = 0;
    tr->error = an->n_errors > 0;
    uint64_t mark2 = ++w->serial; /* distinct from pass 1's mark */
    for (size_t i = 0; i < t->n_spans; i++) {
        const struct fl_tspan *s = &t->spans[i];
        struct fl_trace__key *key = &w->keys[w->span_key[i]];
        const struct fl_trace_call *c =
            w->call_of[i] != FL_TRACE_NONE ? &an->calls[w->call_of[i]] : NULL;
        key->n++;
        if (c) {
            const struct fl_tspan *srv =
                c->server != FL_TRACE_NONE && c->server < t->n_spans ? &t->spans[c->server] : NULL;
            if ((s->flags & (FL_TSPAN_ERROR | FL_TSPAN_TIMEOUT)) ||
                (srv && (srv->flags & FL_TSPAN_ERROR)))
                key->n_errors++;
            key->own.v[key->own.n++] =
                (double)(c->duration_ns > 0 ? c->duration_ns : 0) / NS_PER_MS;
            if (c->server != FL_TRACE_NONE && c->network_ns >= 0) {
                key->net.v[key->net.n++] = (double)c->network_ns / NS_PER_MS;
                key->traced = true;
            }
            if (key->traced)
                key->peer_kind = FL_PEER_SERVICE;
            else if (c->callee_kind != FL_PEER_NONE)
                key->peer_kind = c->callee_kind;
        } else {
            if (s->flags & (FL_TSPAN_ERROR | FL_TSPAN_TIMEOUT))
                key->n_errors++;
            key->own.v[key->own.n++] = (double)span_duration_ns(s) / NS_PER_MS;
        }
        if (s->cp_ns <= 0)
            continue;
        if (key->mark != mark2) {
            key->mark = mark2;
            key->slot = w->n_cp++;
            w->cp_key[key->slot] = w->span_key[i];
            w->cp_ns[key->slot] = 0;
            tr->n_cp++;
        }
        w->cp_ns[key->slot] += s->cp_ns;
    }
    w->n_traces++;
    return FL_OK;
}

/* ---- percentiles ---- */

double fl_trace__pct_sorted(const double *s, size_t n, double p)
{
    if (n == 0)
        return NAN;
    if (p <= 0)
        return s[0];
    if (p >= 100)
        return s[n - 1];
    double pos = p / 100.0 * (double)(n - 1);
    size_t lo = (size_t)pos;
    if (lo + 1 >= n)
        return s[n - 1];
    double frac = pos - (double)lo;
    return s[lo] + (s[lo + 1] - s[lo]) * frac;
}

fl_err fl_trace__pcts(const double *v, size_t n, const double *ps, size_t nps, double *out)
{
    if (n == 0) {
        for (size_t i = 0; i < nps; i++)
            out[i] = NAN;
        return FL_OK;
    }
    double *s = NULL;
    fl_err e = fl_binning_sorted_copy(v, n, &s);
    if (e != FL_OK)
        return e;
    for (size_t i = 0; i < nps; i++)
        out[i] = fl_trace__pct_sorted(s, n, ps[i]);
    fl_free(s);
    return FL_OK;
}
