/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scrape.c: the scrape loop (see scrape.h): one thread per target, each fetching the target's
 * exposition with libcurl on a fixed schedule, parsing it (src/ingest/prom.h), adding the
 * synthetic series and staleness markers, and writing one batch per scrape to the store.
 *
 * Behaviour follows Prometheus' scrape loop (prometheus scrape/scrape.go, scrape/target.go) and
 * its content negotiation (prometheus/docs docs/instrumenting/content_negotiation.md). Each target
 * keeps two batches: the one being filled and the previous scrape's, whose series not seen again
 * get staleness markers and whose label-set hashes approximate scrape_series_added.
 */
#include "scrape.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../config/config.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/limits.h"
#include "../core/log.h"
#include "../core/str.h"
#include "../core/time.h"
#include "../core/version.h"
#include "../ingest/prom.h"
#include "../store/store.h"
#include "scrape_int.h"

/* What we can parse, best first; never protobuf (content_negotiation.md). */
#define SCRAPE_ACCEPT                                                                              \
    "Accept: application/openmetrics-text;version=1.0.0;q=0.5,"                                    \
    "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.2,*/*;q=0.1"
#define ERROR_LOG_EVERY_MS 60000
#define SELF_JOB "faultline"

/* ---- pure helpers (scrape_int.h) ---- */

double fl_scrape__stale_nan(void)
{
    uint64_t bits = FL_SCRAPE_STALE_NAN_BITS;
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

int fl_scrape__is_stale(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits == FL_SCRAPE_STALE_NAN_BITS;
}

int64_t fl_scrape__offset_ms(const char *job, const char *url, int64_t interval_ms)
{
    if (interval_ms <= 0)
        return 0;
    uint64_t h = fl_hash_bytes(job ? job : "", job ? strlen(job) : 0, 0);
    h = fl_hash_bytes("\xff", 1, h); /* separator: ("ab","c") and ("a","bc") differ */
    h = fl_hash_bytes(url ? url : "", url ? strlen(url) : 0, h);
    return (int64_t)(h % (uint64_t)interval_ms);
}

fl_err fl_scrape__self_target(const char *listen, char *out, size_t cap)
{
    struct fl_str l = fl_str_trim(fl_str_c(listen)), host = {0}, port;
    if (l.len == 0)
        l = fl_str_c("127.0.0.1:9470");
    const char *colon = NULL;
    for (size_t i = l.len; i > 0; i--) {
        if (l.p[i - 1] == ':') {
            colon = l.p + i - 1;
            break;
        }
        if (l.p[i - 1] == ']')
            break;
    }
    if (colon) {
        host = (struct fl_str){l.p, (size_t)(colon - l.p)};
        port = (struct fl_str){colon + 1, l.len - host.len - 1};
    } else {
        port = l;
    }
    uint64_t pn;
    if (!fl_str_to_u64(port, &pn) || pn == 0 || pn > 65535)
        return FL_EINVAL;
    if (host.len == 0 || fl_str_eq_c(host, "0.0.0.0") || fl_str_eq_c(host, "*"))
        host = fl_str_c("127.0.0.1");
    else if (fl_str_eq_c(host, "[::]"))
        host = fl_str_c("[::1]");
    int n = snprintf(out, cap, "%.*s:%u", (int)host.len, host.p, (unsigned)pn);
    return n < 0 || (size_t)n >= cap ? FL_EINVAL : FL_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorted label-set hashes of b's series (NULL with *n = 0 for none; NULL with n > 0 = no mem). */
static uint64_t *sorted_hashes(const struct fl_batch *b, size_t *n)
{
    *n = b->n_series;
    if (!b->n_series)
        return NULL;
    uint64_t *h = fl_reallocarray(NULL, b->n_series, sizeof *h);
    if (!h)
        return NULL;
    for (size_t i = 0; i < b->n_series; i++)
        h[i] = b->series[i].hash;
    qsort(h, b->n_series, sizeof *h, cmp_u64);
    return h;
}

static bool has_hash(const uint64_t *h, size_t n, uint64_t x)
{
    return n && bsearch(&x, h, n, sizeof *h, cmp_u64) != NULL;
}

size_t fl_scrape__count_added(const struct fl_batch *prev, const struct fl_batch *cur)
{
    size_t n_prev, added = 0;
    uint64_t *h = sorted_hashes(prev, &n_prev);
    if (!h && n_prev)
        return cur->n_series; /* out of memory: over-count rather than fail the scrape */
    for (size_t i = 0; i < cur->n_series; i++)
        if (!has_hash(h, n_prev, cur->series[i].hash))
            added++;
    fl_free(h);
    return added;
}

fl_err fl_scrape__add_synthetic(struct fl_batch *b, const struct fl_label *target_labels,
                                size_t n, int64_t ts_ms, const struct fl_scrape__report *r)
{
    static const char *const names[] = {"up", "scrape_duration_seconds", "scrape_samples_scraped",
                                        "scrape_samples_post_metric_relabeling",
                                        "scrape_series_added"};
    const double values[] = {r->up ? 1.0 : 0.0, r->duration_s, (double)r->samples_scraped,
                             (double)r->samples_post_relabel, (double)r->series_added};
    struct fl_label *ls = fl_reallocarray(NULL, n + 1, sizeof *ls);
    fl_err e = FL_OK;
    if (!ls)
        return FL_ENOMEM;
    if (n)
        memcpy(ls + 1, target_labels, n * sizeof *ls);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        uint32_t idx;
        ls[0].name = "__name__";
        ls[0].value = names[i];
        if ((e = fl_batch_series(b, ls, n + 1, &idx)) ||
            (e = fl_batch_add_sample(b, idx, ts_ms, values[i])))
            break;
    }
    fl_free(ls);
    return e;
}

fl_err fl_scrape__add_stale(const struct fl_batch *prev, int64_t prev_ts_ms, struct fl_batch *cur,
                            int64_t ts_ms, size_t *n_stale)
{
    size_t n_cur, stale = 0;
    fl_err e = FL_OK;
    if (n_stale)
        *n_stale = 0;
    if (prev_ts_ms == FL_TS_NONE || prev->n_series == 0)
        return FL_OK;
    uint64_t *h = sorted_hashes(cur, &n_cur);
    unsigned char *seen = fl_calloc(prev->n_series, 1);
    if ((!h && n_cur) || !seen) {
        e = FL_ENOMEM;
        goto out;
    }
    const double marker = fl_scrape__stale_nan();
    for (size_t i = 0; i < prev->n_samples; i++) {
        const struct fl_sample *sm = &prev->samples[i];
        if (sm->ts_ms != prev_ts_ms || sm->series >= prev->n_series || seen[sm->series])
            continue;
        seen[sm->series] = 1;
        const struct fl_series *s = &prev->series[sm->series];
        if (has_hash(h, n_cur, s->hash))
            continue;
        uint32_t idx;
        if ((e = fl_batch_series(cur, s->labels, s->n_labels, &idx)) ||
            (e = fl_batch_add_sample(cur, idx, ts_ms, marker)))
            goto out;
        stale++;
    }
out:
    if (n_stale)
        *n_stale = stale;
    fl_free(h);
    fl_free(seen);
    return e;
}

/* ---- the scraper ---- */

struct target {
    struct fl_scraper *sc;
    char *job, *instance, *url;
    struct fl_label *labels; /* job, instance, then the job's labels; owned strings */
    size_t n_labels;
    int64_t interval_ms, timeout_ms;
    pthread_t thread;
    bool started;
    /* worker-only state */
    CURL *h;
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
    struct fl_buf body;
    bool too_big;
    struct fl_prom_parser *parser; /* NULL until the first body arrives */
    struct fl_batch batches[2];
    bool batches_ready[2];
    int cur;
    int64_t prev_ts_ms; /* FL_TS_NONE before the first scrape */
    int64_t last_log_ms;
    char logged_error[512];
    /* shared: guarded by sc->mu */
    int up;
    double duration_s;
    size_t samples;
    int64_t last_scrape_ms;
    char last_error[512];
};

struct fl_scraper {
    struct fl_store *store;
    struct fl_limits lim;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;           /* guarded by mu */
    atomic_int aborting; /* read by libcurl's progress callback */
    struct target *targets;
    size_t n_targets, cap_targets;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct target *t = ud;
    size_t n = size * nmemb;
    if (t->body.len + n > t->body.max) {
        t->too_big = true;
        return 0;
    }
    fl_buf_append(&t->body, ptr, n);
    return fl_buf_err(&t->body) ? 0 : n;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    struct target *t = ud;
    return atomic_load(&t->sc->aborting) ? 1 : 0;
}

/* Set *label to value, replacing an existing label of that name. Copies both strings. */
static fl_err set_label(struct target *t, const char *name, const char *value)
{
    for (size_t i = 0; i < t->n_labels; i++) {
        if (!strcmp(t->labels[i].name, name)) {
            char *v = fl_strdup(value);
            if (!v)
                return FL_ENOMEM;
            fl_free((char *)t->labels[i].value);
            t->labels[i].value = v;
            return FL_OK;
        }
    }
    struct fl_label *nl = fl_reallocarray(t->labels, t->n_labels + 1, sizeof *nl);
    if (!nl)
        return FL_ENOMEM;
    t->labels = nl;
    char *n = fl_strdup(name), *v = fl_strdup(value);
    if (!n || !v) {
        fl_free(n);
        fl_free(v);
        return FL_ENOMEM;
    }
    t->labels[t->n_labels].name = n;
    t->labels[t->n_labels].value = v;
    t->n_labels++;
    return FL_OK;
}

static void target_cleanup(struct target *t)
{
    if (t->h)
        curl_easy_cleanup(t->h);
    curl_slist_free_all(t->headers);
    fl_buf_cleanup(&t->body);
    fl_prom_parser_free(t->parser);
    for (int i = 0; i < 2; i++)
        if (t->batches_ready[i])
            fl_batch_cleanup(&t->batches[i]);
    for (size_t i = 0; i < t->n_labels; i++) {
        fl_free((char *)t->labels[i].name);
        fl_free((char *)t->labels[i].value);
    }
    fl_free(t->labels);
    fl_free(t->job);
    fl_free(t->instance);
    fl_free(t->url);
}

static fl_err add_header(struct target *t, const char *h)
{
    struct curl_slist *n = curl_slist_append(t->headers, h);
    if (!n)
        return FL_ENOMEM;
    t->headers = n;
    return FL_OK;
}

/* Prepare the libcurl handle and headers of t. */
static fl_err target_setup_curl(struct target *t, const char *bearer, struct fl_diag *d)
{
    char h[4200], secs[40];
    fl_err e;
    if (!(t->h = curl_easy_init()))
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "libcurl: out of memory");
    fl_fmt_double((double)t->timeout_ms / 1000.0, secs, sizeof secs);
    snprintf(h, sizeof h, "X-Prometheus-Scrape-Timeout-Seconds: %s", secs);
    if ((e = add_header(t, SCRAPE_ACCEPT)) || (e = add_header(t, h)))
        return e;
    if (bearer && *bearer) {
        int n = snprintf(h, sizeof h, "Authorization: Bearer %s", bearer);
        if (n < 0 || (size_t)n >= sizeof h)
            return fl_diag_set(d, FL_ECONFIG, 0, 0, "job \"%s\": bearer_token too long", t->job);
        if ((e = add_header(t, h)))
            return e;
    }
    curl_easy_setopt(t->h, CURLOPT_URL, t->url);
    curl_easy_setopt(t->h, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(t->h, CURLOPT_USERAGENT, "faultline/" FL_VERSION);
    curl_easy_setopt(t->h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(t->h, CURLOPT_TIMEOUT_MS, (long)t->timeout_ms);
    curl_easy_setopt(t->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(t->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(t->h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(t->h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(t->h, CURLOPT_PROTOCOLS_STR, "http,https");
    return FL_OK;
}

/* The options that point into *t: set by its thread, once the target array no longer moves. */
static void target_bind_curl(struct target *t)
{
    curl_easy_setopt(t->h, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(t->h, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(t->h, CURLOPT_XFERINFODATA, t);
}

/* Append a target for job/instance to s. */
static fl_err add_target(struct fl_scraper *s, const char *job, const char *scheme,
                         const char *instance, const char *path, int64_t interval_ms,
                         int64_t timeout_ms, const struct fl_label *labels, size_t n_labels,
                         const char *bearer, struct fl_diag *d)
{
    fl_err e;
    if (!instance || !*instance || strpbrk(instance, "/?# \t"))
        return fl_diag_set(d, FL_ECONFIG, 0, 0,
                           "job \"%s\": target \"%s\": expected host:port", job,
                           instance ? instance : "");
    if (s->n_targets == s->cap_targets) {
        size_t cap = s->cap_targets ? s->cap_targets * 2 : 8;
        struct target *nt = fl_reallocarray(s->targets, cap, sizeof *nt);
        if (!nt)
            return FL_ENOMEM;
        s->targets = nt;
        s->cap_targets = cap;
    }
    struct target *t = &s->targets[s->n_targets++];
    memset(t, 0, sizeof *t);
    t->sc = s;
    t->prev_ts_ms = FL_TS_NONE;
    t->interval_ms = interval_ms > 0 ? interval_ms : 15000;
    t->timeout_ms = timeout_ms > 0 && timeout_ms <= t->interval_ms ? timeout_ms : t->interval_ms;
    if (!path || !*path)
        path = "/metrics";
    size_t ulen = strlen(scheme) + strlen(instance) + strlen(path) + 8;
    if (!(t->job = fl_strdup(job)) || !(t->instance = fl_strdup(instance)) ||
        !(t->url = fl_malloc(ulen)))
        return FL_ENOMEM;
    snprintf(t->url, ulen, "%s://%s%s%s", scheme, instance, path[0] == '/' ? "" : "/", path);
    /* the job's labels first, then job and instance, which win as Prometheus' target labels */
    for (size_t i = 0; i < n_labels; i++)
        if ((e = set_label(t, labels[i].name, labels[i].value)))
            return e;
    if ((e = set_label(t, "job", job)) || (e = set_label(t, "instance", instance)))
        return e;
    size_t max_records = s->lim.records_per_batch ? s->lim.records_per_batch : 0;
    for (int i = 0; i < 2; i++) {
        if ((e = fl_batch_init(&t->batches[i], max_records)))
            return e;
        t->batches_ready[i] = true;
    }
    fl_buf_init(&t->body, s->lim.scrape_bytes ? s->lim.scrape_bytes : FL_LIMIT_SCRAPE_BYTES);
    return target_setup_curl(t, bearer, d);
}

/* ---- one scrape ---- */

/* Fetch the body into t->body; on failure a message in err. Returns the format's content type. */
static fl_err fetch(struct target *t, const char **content_type, char *err, size_t cap)
{
    fl_buf_reset(&t->body);
    t->too_big = false;
    t->errbuf[0] = '\0';
    *content_type = NULL;
    CURLcode rc = curl_easy_perform(t->h);
    if (t->too_big) {
        snprintf(err, cap, "body size limit exceeded (%zu bytes)", t->body.max);
        return FL_ELIMIT;
    }
    if (rc != CURLE_OK) {
        snprintf(err, cap, "%s", t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
        return rc == CURLE_OPERATION_TIMEDOUT ? FL_ETIMEOUT : FL_ENET;
    }
    if (fl_buf_err(&t->body)) {
        snprintf(err, cap, "cannot hold the body: %s", fl_err_str(fl_buf_err(&t->body)));
        return fl_buf_err(&t->body);
    }
    long status = 0;
    curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        snprintf(err, cap, "server returned HTTP status %ld", status);
        return FL_EREMOTE;
    }
    char *ct = NULL;
    curl_easy_getinfo(t->h, CURLINFO_CONTENT_TYPE, &ct);
    *content_type = ct;
    return FL_OK;
}

/* Parse t->body into b with the target labels; *n_samples gets the samples scraped. */
static fl_err parse_body(struct target *t, const char *content_type, int64_t ts_ms,
                         struct fl_batch *b, size_t *n_samples, char *err, size_t cap)
{
    *n_samples = 0;
    struct fl_diag d;
    fl_err e = FL_OK;
    fl_diag_init(&d);
    /* A missing Content-Type means the text format: Prometheus' fallback of last resort. */
    enum fl_prom_format fmt = fl_prom_format_from_content_type(content_type);
    if (!t->parser)
        e = fl_prom_parser_new(&t->sc->lim, &t->parser); /* kept: it reuses its scratch space */
    if (e == FL_OK)
        e = fl_prom_to_batch(t->parser, t->body.data ? t->body.data : "", t->body.len, fmt, ts_ms,
                             t->labels, t->n_labels, b, n_samples, &d);
    if (e) {
        char msg[FL_DIAG_MSG_CAP + 64];
        fl_diag_format(&d, msg, sizeof msg);
        snprintf(err, cap, "%.400s", msg[0] ? msg : fl_err_str(e));
        return e;
    }
    size_t max_series = t->sc->lim.series_per_target;
    if (max_series && b->n_series > max_series) {
        snprintf(err, cap, "series limit exceeded (%zu > %zu)", b->n_series, max_series);
        return FL_ELIMIT;
    }
    return FL_OK;
}

/* Log a scrape error when it changed, else at most once per ERROR_LOG_EVERY_MS. */
static void log_result(struct target *t, const char *err, int64_t now_ms)
{
    if (!err[0]) {
        if (t->logged_error[0])
            FL_LOG_I("scrape recovered job=%s instance=%s", t->job, t->instance);
        t->logged_error[0] = '\0';
        return;
    }
    if (!strncmp(t->logged_error, err, sizeof t->logged_error - 1) &&
        now_ms - t->last_log_ms < ERROR_LOG_EVERY_MS)
        return;
    FL_LOG_W("scrape failed job=%s instance=%s url=%s err=\"%s\"", t->job, t->instance, t->url,
             err);
    snprintf(t->logged_error, sizeof t->logged_error, "%s", err);
    t->last_log_ms = now_ms;
}

static void scrape_once(struct target *t)
{
    struct fl_batch *cur = &t->batches[t->cur], *prev = &t->batches[!t->cur];
    char err[512] = "";
    const char *ct = NULL;
    size_t n_samples = 0;
    int64_t ts = fl_time_now_ms(), t0 = fl_time_mono_ns();
    fl_batch_reset(cur);
    fl_err e = fetch(t, &ct, err, sizeof err);
    if (atomic_load(&t->sc->aborting))
        return; /* shutting down: an aborted transfer says nothing about the target */
    if (e == FL_OK)
        e = parse_body(t, ct, ts, cur, &n_samples, err, sizeof err);
    if (e) {
        fl_batch_reset(cur); /* nothing half-stored: only the synthetic series */
        n_samples = 0;
    }
    struct fl_scrape__report r = {
        .up = e == FL_OK,
        .duration_s = (double)(fl_time_mono_ns() - t0) / 1e9,
        .samples_scraped = n_samples,
        .samples_post_relabel = n_samples, /* faultline does no metric relabelling */
        .series_added = e ? 0 : fl_scrape__count_added(prev, cur),
    };
    fl_err we = fl_scrape__add_synthetic(cur, t->labels, t->n_labels, ts, &r);
    if (we == FL_OK)
        we = fl_scrape__add_stale(prev, t->prev_ts_ms, cur, ts, NULL);
    struct fl_diag d;
    fl_diag_init(&d);
    if (we == FL_OK)
        we = fl_store_write(t->sc->store, cur, &d);
    if (we != FL_OK && !err[0]) {
        char msg[FL_DIAG_MSG_CAP + 64];
        fl_diag_format(&d, msg, sizeof msg);
        snprintf(err, sizeof err, "storing the scrape: %.400s", msg[0] ? msg : fl_err_str(we));
    }
    log_result(t, err, ts);
    t->prev_ts_ms = ts;
    t->cur = !t->cur;
    pthread_mutex_lock(&t->sc->mu);
    t->up = r.up;
    t->duration_s = r.duration_s;
    t->samples = n_samples;
    t->last_scrape_ms = ts;
    snprintf(t->last_error, sizeof t->last_error, "%s", err);
    pthread_mutex_unlock(&t->sc->mu);
}

static void mono_deadline(int64_t mono_ms, struct timespec *ts)
{
    ts->tv_sec = (time_t)(mono_ms / 1000);
    ts->tv_nsec = (long)(mono_ms % 1000) * 1000000L;
}

static int64_t mono_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *target_main(void *arg)
{
    struct target *t = arg;
    struct fl_scraper *s = t->sc;
    target_bind_curl(t);
    int64_t next = mono_now_ms() + fl_scrape__offset_ms(t->job, t->url, t->interval_ms);
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        int64_t now = mono_now_ms();
        if (now < next) {
            struct timespec dl;
            mono_deadline(next, &dl);
            pthread_cond_timedwait(&s->cv, &s->mu, &dl);
            continue;
        }
        pthread_mutex_unlock(&s->mu);
        scrape_once(t);
        pthread_mutex_lock(&s->mu);
        next += t->interval_ms;
        now = mono_now_ms();
        if (next <= now) /* a scrape overran: skip the missed slots, keep the phase */
            next += ((now - next) / t->interval_ms + 1) * t->interval_ms;
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void scraper_free(struct fl_scraper *s)
{
    for (size_t i = 0; i < s->n_targets; i++)
        target_cleanup(&s->targets[i]);
    fl_free(s->targets);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    fl_free(s);
}

void fl_scraper_stop(struct fl_scraper *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    atomic_store(&s->aborting, 1);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < s->n_targets; i++)
        if (s->targets[i].started)
            pthread_join(s->targets[i].thread, NULL);
    scraper_free(s);
}

static fl_err add_config_targets(struct fl_scraper *s, const struct fl_config *cfg,
                                 struct fl_diag *d)
{
    fl_err e;
    bool have_self_job = false;
    for (size_t j = 0; j < cfg->n_scrape_jobs; j++) {
        const struct fl_scrape_job *job = &cfg->scrape_jobs[j];
        int64_t iv = job->interval_ms > 0 ? job->interval_ms : cfg->scrape_interval_ms;
        int64_t to = job->timeout_ms > 0 ? job->timeout_ms : cfg->scrape_timeout_ms;
        const char *scheme = job->scheme && *job->scheme ? job->scheme : "http";
        if (job->job_name && !strcmp(job->job_name, SELF_JOB))
            have_self_job = true;
        for (size_t k = 0; k < job->n_targets; k++)
            if ((e = add_target(s, job->job_name ? job->job_name : "", scheme, job->targets[k],
                                job->metrics_path, iv, to, job->labels, job->n_labels,
                                job->bearer_token, d)))
                return e;
    }
    if (cfg->self_scrape && !have_self_job) {
        char self[300];
        if (fl_scrape__self_target(cfg->listen, self, sizeof self) != FL_OK) {
            /* e.g. port 0 (any free port): the address is not known here; serving matters more */
            FL_LOG_W("self_scrape: cannot scrape listen address \"%s\"; not scraping itself",
                     cfg->listen ? cfg->listen : "");
            return FL_OK;
        }
        if ((e = add_target(s, SELF_JOB, "http", self, "/metrics", cfg->scrape_interval_ms,
                            cfg->scrape_timeout_ms, NULL, 0, NULL, d)))
            return e;
    }
    return FL_OK;
}

fl_err fl_scraper_start(const struct fl_config *cfg, struct fl_store *store,
                        struct fl_scraper **out, struct fl_diag *d)
{
    fl_err e = FL_OK;
    pthread_condattr_t ca;
    *out = NULL;
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return fl_diag_set(d, FL_ENET, 0, 0, "libcurl init failed: %s",
                           curl_easy_strerror(curl_init_rc));
    struct fl_scraper *s = fl_calloc(1, sizeof *s);
    if (!s)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "scrape loop: out of memory");
    s->store = store;
    s->lim = cfg->limits;
    atomic_init(&s->aborting, 0);
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    if ((e = add_config_targets(s, cfg, d)))
        goto fail;
    for (size_t i = 0; i < s->n_targets; i++) {
        if (pthread_create(&s->targets[i].thread, NULL, target_main, &s->targets[i]) != 0) {
            e = fl_diag_set(d, FL_EIO, 0, 0, "scrape loop: cannot start a thread: %s",
                            strerror(errno));
            goto fail;
        }
        s->targets[i].started = true;
    }
    for (size_t i = 0; i < s->n_targets; i++)
        FL_LOG_I("scraping job=%s instance=%s url=%s interval_ms=%lld", s->targets[i].job,
                 s->targets[i].instance, s->targets[i].url,
                 (long long)s->targets[i].interval_ms);
    *out = s;
    return FL_OK;
fail:
    if (d && d->code == FL_OK)
        fl_diag_set(d, e, 0, 0, "scrape loop: %s", fl_err_str(e));
    fl_scraper_stop(s);
    return e;
}

void fl_scraper_foreach_target(struct fl_scraper *s,
                               void (*fn)(const struct fl_scrape_target_status *st, void *ud),
                               void *ud)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->n_targets; i++) {
        const struct target *t = &s->targets[i];
        struct fl_scrape_target_status st = {
            .job = t->job,
            .instance = t->instance,
            .url = t->url,
            .up = t->up,
            .duration_s = t->duration_s,
            .samples = t->samples,
            .last_scrape_ms = t->last_scrape_ms,
            .last_error = t->last_error,
        };
        fn(&st, ud);
    }
    pthread_mutex_unlock(&s->mu);
}
