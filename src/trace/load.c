/* SPDX-License-Identifier: Apache-2.0 */
/*
 * load.c: spans from the store -> assembled, critical-pathed, analyzed traces (load.h;
 * docs/TRACES.md, "Loading from the store").
 *
 * A window load is one scan of the spans starting in [start - margin, end + margin]. Spans are
 * converted as they arrive (the store's strings live only during the callback) and chained per
 * trace through a hash table on the 128-bit trace id; the store writes a batch's spans sorted by
 * trace, so consecutive spans usually hit the same trace and skip the lookup. A trace belongs
 * to the window when its earliest span starts in [start, end): one span in the leading margin
 * disqualifies it, and traces whose earliest span lies in the trailing margin are dropped at the
 * end. Each kept trace is then gathered, assembled, critical-pathed, analyzed and added.
 *
 * Attribute facts are read only for the spans whose facts a window uses (window_needs_facts):
 * parsing every span's attributes cost a quarter of a load.
 *
 * fl_trace_load_windows runs these two phases (scan, build) for several windows on threads of
 * their own. The symbol table is the one shared thing: each scan interns into a private table,
 * the tables are merged in window order between the phases, and the builds translate their
 * spans' symbols on the way. That takes no lock, and the ids come out as a sequential load would
 * give them whatever the threads' timing (a comparison orders rows that tie by symbol id).
 */
#include "trace/load.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "core/log.h"
#include "trace/window_int.h"

#define NONE32 UINT32_MAX
#define FACTS_ARENA_MAX (4u * FL_LIMIT_VALUE_BYTES + 65536)
#define TRACE_ARENA_MAX ((size_t)FL_LIMIT_TRACE_SPANS * 512)

/* ---- span conversion ---- */

static const signed char HEX[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* 16 hex digits at p (NUL-terminated or longer) -> *out; false when they are not. */
static bool hex64(const char *p, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < 16; i++) {
        int h = HEX[(unsigned char)p[i]];
        if (!h)
            return false;
        v = (v << 4) | (uint64_t)(h - 1);
    }
    *out = v;
    return true;
}

static void id_text(uint64_t hi, uint64_t lo, char out[33])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[i] = digits[(hi >> (60 - 4 * i)) & 15];
        out[16 + i] = digits[(lo >> (60 - 4 * i)) & 15];
    }
    out[32] = '\0';
}

/* Services and operation names repeat from span to span: a small direct-mapped cache of recent
 * strings (compared in full) saves most of the symbol table's hashing. */
#define ICACHE 64

struct icache {
    struct fl_trace_syms *y;
    struct {
        const char *s; /* the symbol table's copy */
        size_t len;
        uint32_t id;
    } e[ICACHE];
};

static fl_err intern(struct icache *c, const char *s, uint32_t *id)
{
    size_t len = s ? strlen(s) : 0;
    if (len == 0) {
        *id = 0;
        return FL_OK;
    }
    size_t k = (len * 31 + (unsigned char)s[0] * 7 + (unsigned char)s[len - 1]) & (ICACHE - 1);
    if (c->e[k].len == len && memcmp(c->e[k].s, s, len) == 0) {
        *id = c->e[k].id;
        return FL_OK;
    }
    fl_err e = fl_trace_syms_intern(c->y, s, len, id);
    if (e == FL_OK) {
        c->e[k].s = fl_trace_syms_str(c->y, *id);
        c->e[k].len = len;
        c->e[k].id = *id;
    }
    return e;
}

/*
 * Does a window load need this span's facts (docs/TRACES.md, "Which spans' facts a window load
 * reads")? A window uses the peer and resend count of CLIENT and PRODUCER spans only (calls and
 * retries, analyze.c), but the timeout and exception flags of every span. Those come from the
 * status message, the events, or a few attributes, which fl_trace_attrs_may_time_out looks for
 * without parsing. Status ERROR alone would not need the facts; they are read anyway (rare).
 */
static bool window_needs_facts(const struct fl_span *sp, uint8_t kind, const char *attrs,
                               size_t attrs_len)
{
    if (kind == FL_SPAN_CLIENT || kind == FL_SPAN_PRODUCER || sp->status_code == FL_STATUS_ERROR)
        return true;
    if (sp->status_message && sp->status_message[0])
        return true;
    if (sp->events_json && sp->events_json[0] && strcmp(sp->events_json, "[]") != 0)
        return true;
    return fl_trace_attrs_may_time_out(attrs, attrs_len);
}

/* struct fl_span -> struct fl_tspan_in. *ok is false (FL_OK) for a span without a valid id.
 * all_facts: read every span's facts (one trace, whose spans are all shown), else only those a
 * window needs. */
static fl_err convert(const struct fl_span *sp, struct icache *y, struct fl_arena *scratch,
                      bool all_facts, struct fl_tspan_in *in, bool *ok)
{
    memset(in, 0, sizeof *in);
    *ok = false;
    if (strlen(sp->span_id) != 16 || !hex64(sp->span_id, &in->span_id) || in->span_id == 0)
        return FL_OK;
    if (strlen(sp->parent_span_id) != 16 || !hex64(sp->parent_span_id, &in->parent_id))
        in->parent_id = 0; /* "" (a root) or unreadable: a root */
    in->kind = (uint8_t)(sp->kind >= 0 && sp->kind <= FL_SPAN_CONSUMER ? sp->kind : 0);
    struct fl_span_facts f = {.peer = ""};
    const char *attrs = sp->attrs_json ? sp->attrs_json : "{}";
    size_t attrs_len = strlen(attrs);
    fl_err e;
    if ((e = intern(y, sp->service, &in->service)) != FL_OK ||
        (e = intern(y, sp->name, &in->name)) != FL_OK)
        return e;
    if (all_facts || window_needs_facts(sp, in->kind, attrs, attrs_len)) {
        fl_arena_reset(scratch);
        if ((e = fl_trace_span_facts(attrs, attrs_len, sp->events_json,
                                     sp->events_json ? strlen(sp->events_json) : 0,
                                     sp->status_message, scratch, &f)) != FL_OK)
            return e;
    }
    if (f.peer && f.peer_len &&
        (e = fl_trace_syms_intern(y->y, f.peer, f.peer_len, &in->peer)) != FL_OK)
        return e;
    in->status =
        (uint8_t)(sp->status_code >= 0 && sp->status_code <= FL_STATUS_ERROR ? sp->status_code : 0);
    in->peer_kind = (uint8_t)f.peer_kind;
    in->timeout = f.timeout;
    in->exception = f.exception;
    in->resend = f.resend;
    in->start_ns = sp->start_ns;
    in->end_ns = sp->end_ns;
    *ok = true;
    return FL_OK;
}

/* ---- the window loader ---- */

struct group {
    uint64_t hi, lo;     /* trace id */
    int64_t min_start;   /* earliest start among the spans kept */
    uint32_t head, tail; /* chain of its spans through loader.next; NONE32 when empty */
    uint32_t n;
    bool before;  /* a span starts before the window: the trace is not the window's */
    bool too_big; /* more than FL_LIMIT_TRACE_SPANS spans */
};

/*
 * One window's load in two phases: scan (read and convert the spans, group them by trace) and
 * build (assemble, critical-path, analyze and add each kept trace). Between the two, the symbols
 * of a concurrent load are merged into the shared table (fl_trace_load_windows).
 */
struct loader {
    struct icache y;
    int64_t start, end; /* the window */
    int64_t lo, hi;     /* the scan: the window and its margins */
    struct fl_arena scratch;
    struct group *groups;
    size_t n_groups, cap_groups, max_groups;
    uint32_t *slots; /* group index + 1 */
    size_t n_slots;
    uint32_t last;    /* group of the previous span, NONE32 at first */
    char last_id[33]; /* its trace id as the store gave it */
    struct fl_tspan_in *spans;
    uint32_t *next; /* chain per group */
    size_t n_spans, cap_spans;
    size_t n_read, n_bad;
    fl_err err;
    struct fl_diag *d;
    /* Concurrent loads only (else NULL): the private symbol table the scan interns into, the
     * map from its ids to the shared table's (set between the phases), and the flag another
     * loader's failure raises (checked per span and per trace). */
    struct fl_trace_syms *own_y;
    uint32_t *map;
    const atomic_int *stop;
};

static bool stopped(const struct loader *l)
{
    return l->stop && atomic_load_explicit(l->stop, memory_order_relaxed) != 0;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t group_hash(uint64_t hi, uint64_t lo)
{
    return mix64(hi ^ mix64(lo));
}

static fl_err slots_grow(struct loader *l)
{
    if ((l->n_groups + 1) * 2 <= l->n_slots)
        return FL_OK;
    size_t n = l->n_slots ? l->n_slots * 2 : 4096;
    uint32_t *s = fl_calloc(n, sizeof *s);
    if (!s)
        return FL_ENOMEM;
    for (size_t g = 0; g < l->n_groups; g++) {
        size_t i = group_hash(l->groups[g].hi, l->groups[g].lo) & (n - 1);
        while (s[i])
            i = (i + 1) & (n - 1);
        s[i] = (uint32_t)g + 1;
    }
    fl_free(l->slots);
    l->slots = s;
    l->n_slots = n;
    return FL_OK;
}

static fl_err group_of(struct loader *l, uint64_t hi, uint64_t lo, uint32_t *out)
{
    if (l->n_slots) {
        size_t mask = l->n_slots - 1;
        for (size_t i = group_hash(hi, lo) & mask; l->slots[i]; i = (i + 1) & mask) {
            const struct group *g = &l->groups[l->slots[i] - 1];
            if (g->hi == hi && g->lo == lo) {
                *out = l->last = l->slots[i] - 1;
                return FL_OK;
            }
        }
    }
    if (l->n_groups >= l->max_groups)
        return fl_diag_set(l->d, FL_ELIMIT, 0, 0,
                           "more than %zu traces around the window (limit %u per window)",
                           l->max_groups, (unsigned)FL_LIMIT_WINDOW_TRACES);
    fl_err e = slots_grow(l);
    if (e != FL_OK)
        return e;
    if (l->n_groups == l->cap_groups) {
        size_t c = l->cap_groups ? l->cap_groups * 2 : 1024;
        struct group *g = fl_reallocarray(l->groups, c, sizeof *g);
        if (!g)
            return FL_ENOMEM;
        l->groups = g;
        l->cap_groups = c;
    }
    size_t mask = l->n_slots - 1, i = group_hash(hi, lo) & mask;
    while (l->slots[i])
        i = (i + 1) & mask;
    l->slots[i] = (uint32_t)l->n_groups + 1;
    l->groups[l->n_groups] = (struct group){hi, lo, INT64_MAX, NONE32, NONE32, 0, false, false};
    *out = l->last = (uint32_t)l->n_groups++;
    return FL_OK;
}

static fl_err push_span(struct loader *l, uint32_t gi, const struct fl_tspan_in *in)
{
    if (l->n_spans == l->cap_spans) {
        size_t c = l->cap_spans ? l->cap_spans * 2 : 65536;
        if (c > NONE32)
            return fl_diag_set(l->d, FL_ELIMIT, 0, 0, "too many spans around the window");
        struct fl_tspan_in *s = fl_reallocarray(l->spans, c, sizeof *s);
        if (!s)
            return FL_ENOMEM;
        l->spans = s;
        uint32_t *nx = fl_reallocarray(l->next, c, sizeof *nx);
        if (!nx)
            return FL_ENOMEM;
        l->next = nx;
        l->cap_spans = c;
    }
    struct group *g = &l->groups[gi];
    uint32_t k = (uint32_t)l->n_spans++;
    l->spans[k] = *in;
    l->next[k] = NONE32;
    if (g->tail == NONE32)
        g->head = k;
    else
        l->next[g->tail] = k;
    g->tail = k;
    g->n++;
    if (in->start_ns < g->min_start)
        g->min_start = in->start_ns;
    return FL_OK;
}

static fl_err on_span(struct loader *l, const struct fl_span *sp)
{
    uint64_t hi, lo;
    uint32_t gi = 0;
    fl_err e;
    l->n_read++;
    if (l->last != NONE32 && memcmp(sp->trace_id, l->last_id, 33) == 0) {
        gi = l->last; /* the common case: the previous span's trace */
    } else {
        if (strlen(sp->trace_id) != 32 || !hex64(sp->trace_id, &hi) ||
            !hex64(sp->trace_id + 16, &lo)) {
            l->n_bad++;
            return FL_OK;
        }
        if ((e = group_of(l, hi, lo, &gi)) != FL_OK)
            return e;
        memcpy(l->last_id, sp->trace_id, 33);
    }
    struct group *g = &l->groups[gi];
    if (sp->start_ns < l->start)
        g->before = true;
    if (g->before || g->too_big)
        return FL_OK;
    if (g->n >= FL_LIMIT_TRACE_SPANS) {
        g->too_big = true;
        return FL_OK;
    }
    struct fl_tspan_in in;
    bool ok;
    if ((e = convert(sp, &l->y, &l->scratch, false, &in, &ok)) != FL_OK)
        return e;
    if (!ok) {
        l->n_bad++;
        return FL_OK;
    }
    return push_span(l, gi, &in);
}

static int scan_cb(const struct fl_span *sp, void *ud)
{
    struct loader *l = ud;
    if (stopped(l))
        return 1;
    l->err = on_span(l, sp);
    return l->err != FL_OK;
}

/* Assemble, critical-path, analyze and add one gathered trace. */
static fl_err add_trace(struct fl_trace_window *w, const struct group *g,
                        const struct fl_tspan_in *in, struct fl_arena *a, struct fl_diag *d)
{
    char id[33];
    struct fl_trace t;
    struct fl_trace_analysis an;
    id_text(g->hi, g->lo, id);
    fl_arena_reset(a);
    fl_err e = fl_trace_assemble(id, in, g->n, a, &t);
    if (e == FL_OK)
        e = fl_trace_critical_path(&t, a, NULL, NULL);
    if (e == FL_OK)
        e = fl_trace_analyze(&t, a, &an);
    if (e == FL_OK)
        e = fl_trace_window_add(w, &t, &an);
    if (e == FL_ELIMIT && fl_trace_window_count(w) >= FL_LIMIT_WINDOW_TRACES)
        return fl_diag_set(d, e, 0, 0, "more than %u traces in the window",
                           (unsigned)FL_LIMIT_WINDOW_TRACES);
    if (e != FL_OK)
        return fl_diag_set(d, e, 0, 0, "trace %s: %s", id, fl_err_str(e));
    return FL_OK;
}

/* Phase 2: every kept trace into w. Symbols are translated through l->map when there is one. */
static fl_err add_groups(struct loader *l, struct fl_trace_window *w)
{
    struct fl_arena a;
    struct fl_tspan_in *buf = NULL;
    size_t cap = 0, n_big = 0;
    const uint32_t *map = l->map;
    fl_err e = FL_OK;
    fl_arena_init(&a, 256 * 1024, TRACE_ARENA_MAX);
    for (size_t gi = 0; gi < l->n_groups && e == FL_OK && !stopped(l); gi++) {
        const struct group *g = &l->groups[gi];
        if (g->before || g->n == 0 || g->min_start >= l->end)
            continue;
        if (g->too_big) {
            n_big++;
            continue;
        }
        if (g->n > cap) {
            struct fl_tspan_in *nb = fl_reallocarray(buf, g->n, sizeof *nb);
            if (!nb) {
                e = FL_ENOMEM;
                break;
            }
            buf = nb;
            cap = g->n;
        }
        size_t k = 0;
        for (uint32_t s = g->head; s != NONE32; s = l->next[s], k++) {
            buf[k] = l->spans[s];
            if (map) {
                buf[k].service = map[buf[k].service];
                buf[k].name = map[buf[k].name];
                buf[k].peer = map[buf[k].peer];
            }
        }
        e = add_trace(w, g, buf, &a, l->d);
    }
    if (n_big)
        FL_LOG_W("trace window: %zu traces with more than %u spans left out", n_big,
                 (unsigned)FL_LIMIT_TRACE_SPANS);
    fl_free(buf);
    fl_arena_cleanup(&a);
    return e;
}

/* A loader for [start_ns, end_ns) interning into y; NULL when out of memory. */
static struct loader *loader_new(int64_t start_ns, int64_t end_ns,
                                 const struct fl_trace_load_opts *o, struct fl_trace_syms *y,
                                 struct fl_diag *d)
{
    int64_t margin = o && o->max_trace_ns > 0 ? o->max_trace_ns : FL_TRACE_LOAD_MAX_TRACE_NS;
    struct loader *l = fl_calloc(1, sizeof *l);
    if (!l)
        return NULL;
    *l = (struct loader){.y = {.y = y}, .start = start_ns, .end = end_ns, .last = NONE32, .d = d};
    l->lo = start_ns > INT64_MIN + margin ? start_ns - margin : INT64_MIN;
    l->hi = end_ns < INT64_MAX - margin ? end_ns + margin : INT64_MAX;
    l->max_groups = 2 * (size_t)FL_LIMIT_WINDOW_TRACES;
    fl_arena_init(&l->scratch, 4096, FACTS_ARENA_MAX);
    return l;
}

static void loader_free(struct loader *l)
{
    if (!l)
        return;
    if (l->n_bad)
        FL_LOG_W("trace window: %zu spans without a valid trace or span id skipped", l->n_bad);
    fl_arena_cleanup(&l->scratch);
    fl_free(l->groups);
    fl_free(l->slots);
    fl_free(l->spans);
    fl_free(l->next);
    fl_free(l->map);
    fl_trace_syms_free(l->own_y);
    fl_free(l);
}

/* Phase 1: the scan. */
static fl_err loader_scan(struct loader *l, struct fl_store *s)
{
    fl_err e = fl_store_span_scan(s, l->lo, l->hi, scan_cb, l, l->d);
    if (e == FL_OK && l->err != FL_OK)
        e = fl_diag_set(l->d, l->err, 0, 0, "load: %s", fl_err_str(l->err));
    return e;
}

static fl_err check_window(int64_t start_ns, int64_t end_ns, struct fl_diag *d)
{
    if (end_ns <= start_ns)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "load: the window's end must be after its start");
    return FL_OK;
}

fl_err fl_trace_load_window(struct fl_store *s, int64_t start_ns, int64_t end_ns,
                            const struct fl_trace_load_opts *o, struct fl_trace_window *w,
                            size_t *n_spans, struct fl_diag *d)
{
    if (n_spans)
        *n_spans = 0;
    if (!s || !w)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "load: missing store or window");
    fl_err e = check_window(start_ns, end_ns, d);
    if (e != FL_OK)
        return e;
    struct loader *l = loader_new(start_ns, end_ns, o, w->y, d);
    if (!l)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "load: out of memory");
    e = loader_scan(l, s);
    if (n_spans)
        *n_spans = l->n_read;
    if (e == FL_OK)
        e = add_groups(l, w);
    loader_free(l);
    return e;
}

/* ---- several windows at once ---- */

/* What the loaders of one fl_trace_load_windows call share: the first failure. */
struct shared {
    atomic_int failed; /* 1 + index of the loader that failed first; 0 while none has */
};

struct job {
    struct loader *l;
    struct fl_store *s;
    struct fl_trace_window *w;
    struct shared *sh;
    int index;
    int phase; /* 1 scan, 2 build */
    fl_err err;
    pthread_t tid;
    bool threaded; /* tid is a thread to join */
    struct fl_diag diag;
};

static void *job_run(void *arg)
{
    struct job *j = arg;
    fl_err e = j->phase == 1 ? loader_scan(j->l, j->s) : add_groups(j->l, j->w);
    if (e != FL_OK) {
        int none = 0;
        /* First error wins; a loader stopped by another's failure returns FL_OK (or fails in
         * the same instant and loses the exchange). */
        atomic_compare_exchange_strong(&j->sh->failed, &none, j->index + 1);
    }
    j->err = e;
    return NULL;
}

/* Run phase `phase` of every job, job 0 on this thread and the others on threads of their own
 * (on this thread too when a thread cannot be created). */
static void run_phase(struct job *jobs, size_t n, int phase)
{
    for (size_t i = 0; i < n; i++) {
        jobs[i].phase = phase;
        jobs[i].threaded = false;
    }
    for (size_t i = 1; i < n; i++)
        jobs[i].threaded = pthread_create(&jobs[i].tid, NULL, job_run, &jobs[i]) == 0;
    job_run(&jobs[0]);
    for (size_t i = 1; i < n; i++)
        if (!jobs[i].threaded)
            job_run(&jobs[i]);
    for (size_t i = 1; i < n; i++)
        if (jobs[i].threaded)
            pthread_join(jobs[i].tid, NULL);
}

/* Between the phases: each loader's private symbols into the shared table, in window order. */
static fl_err merge_syms(struct job *jobs, size_t n, struct fl_trace_syms *y, struct fl_diag *d)
{
    for (size_t i = 0; i < n; i++) {
        struct loader *l = jobs[i].l;
        l->map = fl_malloc(fl_trace_syms_count(l->own_y) * sizeof *l->map);
        if (!l->map)
            return fl_diag_set(d, FL_ENOMEM, 0, 0, "load: out of memory");
        fl_err e = fl_trace_syms_merge(y, l->own_y, l->map);
        if (e != FL_OK)
            return fl_diag_set(d, e, 0, 0, "load: %s",
                               e == FL_ELIMIT ? "more than FL_LIMIT_TRACE_SYMS distinct names"
                                              : fl_err_str(e));
    }
    return FL_OK;
}

static fl_err check_windows(struct fl_store *s, size_t n, const int64_t *start_ns,
                            const int64_t *end_ns, struct fl_trace_window **w, struct fl_diag *d)
{
    if (!s || !start_ns || !end_ns || !w || n == 0)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "load: missing store or windows");
    if (n > FL_TRACE_LOAD_MAX_WINDOWS)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "load: %zu windows at once (at most %d)", n,
                           FL_TRACE_LOAD_MAX_WINDOWS);
    for (size_t i = 0; i < n; i++) {
        if (!w[i] || w[i]->y != w[0]->y)
            return fl_diag_set(d, FL_EINVAL, 0, 0,
                               "load: window %zu is missing or has another symbol table", i);
        for (size_t k = 0; k < i; k++)
            if (w[k] == w[i])
                return fl_diag_set(d, FL_EINVAL, 0, 0, "load: window %zu given twice", i);
        fl_err e = check_window(start_ns[i], end_ns[i], d);
        if (e != FL_OK)
            return e;
    }
    return FL_OK;
}

fl_err fl_trace_load_windows(struct fl_store *s, size_t n, const int64_t *start_ns,
                             const int64_t *end_ns, const struct fl_trace_load_opts *o,
                             struct fl_trace_window **w, size_t *n_spans, struct fl_diag *d)
{
    if (n_spans)
        for (size_t i = 0; i < n; i++)
            n_spans[i] = 0;
    fl_err e = check_windows(s, n, start_ns, end_ns, w, d);
    if (e != FL_OK)
        return e;
    struct shared sh;
    atomic_init(&sh.failed, 0);
    struct job *jobs = fl_calloc(n, sizeof *jobs);
    if (!jobs)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "load: out of memory");
    for (size_t i = 0; i < n && e == FL_OK; i++) {
        struct job *j = &jobs[i];
        *j = (struct job){.s = s, .w = w[i], .sh = &sh, .index = (int)i};
        fl_diag_init(&j->diag);
        struct fl_trace_syms *own = fl_trace_syms_new();
        j->l = own ? loader_new(start_ns[i], end_ns[i], o, own, &j->diag) : NULL;
        if (!j->l) {
            fl_trace_syms_free(own);
            e = fl_diag_set(d, FL_ENOMEM, 0, 0, "load: out of memory");
            break;
        }
        j->l->own_y = own;
        j->l->stop = &sh.failed;
    }
    if (e == FL_OK) {
        run_phase(jobs, n, 1);
        if (n_spans)
            for (size_t i = 0; i < n; i++)
                n_spans[i] = jobs[i].l->n_read;
        if (atomic_load(&sh.failed) == 0)
            e = merge_syms(jobs, n, w[0]->y, d);
        if (e == FL_OK && atomic_load(&sh.failed) == 0)
            run_phase(jobs, n, 2);
        int f = atomic_load(&sh.failed);
        if (e == FL_OK && f) {
            const struct job *j = &jobs[f - 1];
            e = j->err;
            if (d && d->code == FL_OK && j->diag.code != FL_OK)
                *d = j->diag;
        }
    }
    for (size_t i = 0; i < n; i++)
        loader_free(jobs[i].l);
    fl_free(jobs);
    return e;
}

/* ---- one trace ---- */

struct one {
    struct icache y;
    struct fl_arena scratch;
    struct fl_tspan_in *spans;
    size_t n, cap, n_read;
    char id[33];
    fl_err err;
};

static int one_cb(const struct fl_span *sp, void *ud)
{
    struct one *o = ud;
    o->n_read++;
    if (o->n >= FL_LIMIT_TRACE_SPANS) {
        o->err = FL_ELIMIT;
        return 1;
    }
    if (o->n == o->cap) {
        size_t c = o->cap ? o->cap * 2 : 64;
        struct fl_tspan_in *s = fl_reallocarray(o->spans, c, sizeof *s);
        if (!s) {
            o->err = FL_ENOMEM;
            return 1;
        }
        o->spans = s;
        o->cap = c;
    }
    bool ok;
    if ((o->err = convert(sp, &o->y, &o->scratch, true, &o->spans[o->n], &ok)) != FL_OK)
        return 1;
    if (ok) {
        if (!o->id[0])
            memcpy(o->id, sp->trace_id, sizeof o->id);
        o->n++;
    }
    return 0;
}

fl_err fl_trace_load_one(struct fl_store *s, const char *trace_id, struct fl_trace_syms *y,
                         struct fl_arena *a, struct fl_trace *t, struct fl_trace_analysis *an,
                         struct fl_diag *d)
{
    if (!s || !trace_id || !y || !a || !t || !an)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "load: missing argument");
    struct one o = {.y = {.y = y}};
    fl_arena_init(&o.scratch, 4096, FACTS_ARENA_MAX);
    fl_err e = fl_store_trace(s, trace_id, one_cb, &o, d);
    if (e == FL_OK && o.err != FL_OK)
        e = fl_diag_set(d, o.err, 0, 0, "trace %.32s: %s", trace_id,
                        o.err == FL_ELIMIT ? "more spans than FL_LIMIT_TRACE_SPANS"
                                           : fl_err_str(o.err));
    if (e == FL_OK && o.n == 0)
        e = fl_diag_set(d, FL_ENOTFOUND, 0, 0, "trace %.32s has no readable span", trace_id);
    if (e == FL_OK)
        e = fl_trace_assemble(o.id, o.spans, o.n, a, t);
    if (e == FL_OK)
        e = fl_trace_critical_path(t, a, NULL, NULL);
    if (e == FL_OK)
        e = fl_trace_analyze(t, a, an);
    if (e != FL_OK)
        fl_diag_set(d, e, 0, 0, "trace %.32s: %s", trace_id, fl_err_str(e));
    fl_free(o.spans);
    fl_arena_cleanup(&o.scratch);
    return e;
}
