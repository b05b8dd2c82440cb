/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_scrape_loop.c: the scrape loop end to end against an in-process HTTP target
 * (libmicrohttpd) and a real store in a temporary directory: the request headers Prometheus'
 * content negotiation prescribes, job/instance/job labels on stored samples, the synthetic
 * series, a staleness marker when a series vanishes, up=0 with an error for a target nothing
 * listens on and for a body over limits.scrape_bytes, and a prompt stop while a thread waits
 * for a one-hour interval.
 */
#include <criterion/criterion.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "core/matcher.h"
#include "core/time.h"
#include "server/scrape.h"
#include "server/scrape_int.h"
#include "store/store.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static const char *body_now;
static char seen_accept[512], seen_ua[128], seen_timeout[32];
static int n_requests;

static enum MHD_Result serve(void *cls, struct MHD_Connection *c, const char *url,
                             const char *method, const char *version, const char *upload,
                             size_t *upload_len, void **state)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload;
    (void)upload_len;
    (void)state;
    const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
    const char *ua = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
    const char *to =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Prometheus-Scrape-Timeout-Seconds");
    pthread_mutex_lock(&mu);
    snprintf(seen_accept, sizeof seen_accept, "%s", a ? a : "");
    snprintf(seen_ua, sizeof seen_ua, "%s", ua ? ua : "");
    snprintf(seen_timeout, sizeof seen_timeout, "%s", to ? to : "");
    const char *b = body_now;
    n_requests++;
    pthread_mutex_unlock(&mu);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(b), (void *)b, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static void set_body(const char *b)
{
    pthread_mutex_lock(&mu);
    body_now = b;
    pthread_mutex_unlock(&mu);
}

/* ---- status polling ---- */

struct want {
    const char *job;
    struct fl_scrape_target_status st;
    char err[512];
    int found;
};

static void grab(const struct fl_scrape_target_status *st, void *ud)
{
    struct want *w = ud;
    if (strcmp(st->job, w->job))
        return;
    w->st = *st;
    snprintf(w->err, sizeof w->err, "%s", st->last_error);
    w->found = 1;
}

static struct want status_of(struct fl_scraper *s, const char *job)
{
    struct want w;
    memset(&w, 0, sizeof w);
    w.job = job;
    fl_scraper_foreach_target(s, grab, &w);
    return w;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- store reads ---- */

struct found {
    int n_series;
    char labels[1024];
    double last;
    int n_stale;
    size_t n;
};

static int on_series(const struct fl_label *ls, size_t nl, const int64_t *ts, const double *v,
                     size_t n, void *ud)
{
    (void)ts;
    struct found *f = ud;
    f->n_series++;
    f->labels[0] = '\0';
    for (size_t i = 0; i < nl; i++) {
        size_t len = strlen(f->labels);
        snprintf(f->labels + len, sizeof f->labels - len, "%s=%s;", ls[i].name, ls[i].value);
    }
    f->n = n;
    if (n)
        f->last = v[n - 1];
    for (size_t i = 0; i < n; i++)
        f->n_stale += fl_scrape__is_stale(v[i]);
    return 0;
}

static struct found select_name(struct fl_store *st, const char *name, const char *job)
{
    struct fl_matcher m[2];
    struct fl_diag d;
    struct found f;
    memset(&f, 0, sizeof f);
    fl_diag_init(&d);
    cr_assert_eq(fl_matcher_init(&m[0], "__name__", FL_MATCH_EQ, name, &d), FL_OK);
    cr_assert_eq(fl_matcher_init(&m[1], "job", FL_MATCH_EQ, job, &d), FL_OK);
    cr_assert_eq(fl_store_select(st, m, 2, 0, INT64_MAX / 2, true, on_series, &f, &d), FL_OK,
                 "%s", d.msg);
    fl_matcher_cleanup(&m[0]);
    fl_matcher_cleanup(&m[1]);
    return f;
}

Test(scrape_loop, scrapes_labels_synthetic_stale_down_and_stops, .timeout = 30)
{
    struct MHD_Daemon *httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                                                serve, NULL, MHD_OPTION_END);
    cr_assert_not_null(httpd);
    unsigned port = MHD_get_daemon_info(httpd, MHD_DAEMON_INFO_BIND_PORT)->port;
    set_body("# TYPE a gauge\na{job=\"inner\"} 1\nb 2\n");

    char dir[] = "/tmp/fl-scrape-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    struct fl_store *store = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_open(dir, NULL, &store, &d), FL_OK, "%s", d.msg);

    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%u", port);
    char *t_ok[] = {target}, *t_down[] = {"127.0.0.1:1"}, *t_slow[] = {"127.0.0.1:2"};
    struct fl_label job_labels[] = {{"env", "test"}};
    struct fl_scrape_job jobs[] = {
        {.job_name = "t", .targets = t_ok, .n_targets = 1, .interval_ms = 200,
         .timeout_ms = 200, .labels = job_labels, .n_labels = 1},
        {.job_name = "down", .targets = t_down, .n_targets = 1, .interval_ms = 100,
         .timeout_ms = 100},
        {.job_name = "hourly", .targets = t_slow, .n_targets = 1, .interval_ms = 3600000,
         .timeout_ms = 10000},
    };
    struct fl_config cfg;
    memset(&cfg, 0, sizeof cfg);
    fl_limits_default(&cfg.limits);
    cfg.scrape_interval_ms = 15000;
    cfg.scrape_timeout_ms = 10000;
    cfg.scrape_jobs = jobs;
    cfg.n_scrape_jobs = 3;

    struct fl_scraper *sc = NULL;
    cr_assert_eq(fl_scraper_start(&cfg, store, &sc, &d), FL_OK, "%s", d.msg);

    struct want w;
    int i;
    /* a slow machine (valgrind) may time out a scrape or two: wait for a good one */
    for (i = 0; i < 200; i++, sleep_ms(50)) {
        w = status_of(sc, "t");
        if (w.found && w.st.up)
            break;
    }
    cr_assert(w.found && w.st.last_scrape_ms, "target t never scraped");
    cr_assert_eq(w.st.up, 1, "t is down: %s", w.err);
    cr_assert_str_eq(w.err, "");
    cr_assert_eq(w.st.samples, 2);
    cr_assert_str_eq(w.st.instance, target);

    pthread_mutex_lock(&mu);
    cr_assert(strstr(seen_accept, "application/openmetrics-text;version=1.0.0;q=0.5") ==
                  seen_accept, "Accept: %s", seen_accept);
    cr_assert_null(strstr(seen_accept, "protobuf"));
    cr_assert(!strncmp(seen_ua, "faultline/", 10), "User-Agent: %s", seen_ua);
    cr_assert_str_eq(seen_timeout, "0.2");
    pthread_mutex_unlock(&mu);

    /* stored with job/instance/env; the exposition's own job label became exported_job */
    struct found fa = select_name(store, "a", "t");
    cr_assert_eq(fa.n_series, 1);
    char want_labels[256];
    snprintf(want_labels, sizeof want_labels,
             "__name__=a;env=test;exported_job=inner;instance=%s;job=t;", target);
    cr_assert_str_eq(fa.labels, want_labels);
    cr_assert_eq(fa.last, 1.0);
    struct found fu = select_name(store, "up", "t");
    cr_assert_eq(fu.n_series, 1);
    cr_assert_eq(fu.last, 1.0);
    struct found fs = select_name(store, "scrape_samples_scraped", "t");
    cr_assert_eq(fs.last, 2.0);

    /* b vanishes: a staleness marker follows */
    set_body("# TYPE a gauge\na{job=\"inner\"} 1\n");
    struct found fb;
    for (i = 0; i < 100; i++, sleep_ms(50)) {
        fb = select_name(store, "b", "t");
        if (fb.n_stale)
            break;
    }
    cr_assert_eq(fb.n_stale, 1, "no staleness marker for b");
    cr_assert(fl_scrape__is_stale(fb.last));
    cr_assert_eq(select_name(store, "a", "t").n_stale, 0);

    /* the target nothing listens on */
    w = status_of(sc, "down");
    for (i = 0; i < 100 && !w.st.last_scrape_ms; i++, sleep_ms(50))
        w = status_of(sc, "down");
    cr_assert_eq(w.st.up, 0);
    cr_assert_neq(w.err[0], '\0');
    struct found fd = select_name(store, "up", "down");
    cr_assert_eq(fd.n_series, 1);
    cr_assert_eq(fd.last, 0.0);

    /* stop is prompt although "hourly" waits for its first slot */
    int64_t t0 = fl_time_mono_ns();
    fl_scraper_stop(sc);
    double stop_s = (double)(fl_time_mono_ns() - t0) / 1e9;
    cr_assert_lt(stop_s, 1.0, "stop took %.3f s", stop_s);

    fl_store_free(store);
    MHD_stop_daemon(httpd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(scrape_loop, body_limit_fails_the_scrape, .timeout = 30)
{
    struct MHD_Daemon *httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                                                serve, NULL, MHD_OPTION_END);
    cr_assert_not_null(httpd);
    unsigned port = MHD_get_daemon_info(httpd, MHD_DAEMON_INFO_BIND_PORT)->port;
    set_body("a 1\nb 2\nc 3\nd 4\ne 5\nf 6\n");
    char dir[] = "/tmp/fl-scrape-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    struct fl_store *store = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    cr_assert_eq(fl_store_open(dir, NULL, &store, &d), FL_OK, "%s", d.msg);
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%u", port);
    char *t_ok[] = {target};
    struct fl_scrape_job job = {.job_name = "big", .targets = t_ok, .n_targets = 1,
                                .interval_ms = 200, .timeout_ms = 200};
    struct fl_config cfg;
    memset(&cfg, 0, sizeof cfg);
    fl_limits_default(&cfg.limits);
    cfg.limits.scrape_bytes = 10;
    cfg.scrape_jobs = &job;
    cfg.n_scrape_jobs = 1;
    struct fl_scraper *sc = NULL;
    cr_assert_eq(fl_scraper_start(&cfg, store, &sc, &d), FL_OK, "%s", d.msg);
    struct want w = status_of(sc, "big");
    for (int i = 0; i < 200 && !strstr(w.err, "body size limit"); i++, sleep_ms(50))
        w = status_of(sc, "big");
    fl_scraper_stop(sc);
    cr_assert_eq(w.st.up, 0);
    cr_assert(strstr(w.err, "body size limit exceeded") != NULL, "%s", w.err);
    cr_assert_eq(select_name(store, "a", "big").n_series, 0, "part of the body was stored");
    cr_assert_eq(select_name(store, "up", "big").last, 0.0);
    fl_store_free(store);
    MHD_stop_daemon(httpd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}
