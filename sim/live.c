/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live.c: live mode. The simulator serves each scrape target's metrics at
 * http://LISTEN/metrics/<component> (Prometheus text format 0.0.4 with the simulated time as
 * sample timestamp; 503 while a scrape_target_down fault holds the target down) with
 * libmicrohttpd, and pushes each step's spans (POST /v1/traces, OTLP/HTTP JSON), inference
 * records (/v1/inferences), outcomes (/v1/outcomes) and change events (/api/v1/events) to a
 * running `faultline serve` with libcurl, as a user's services and collectors would. Simulated
 * time runs `speed` times faster than real time; each step is released when its end is reached.
 * OUT/faultline.yml gets the scrape_configs that point faultline at the endpoints.
 */
#include <curl/curl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>

#include "core/time.h"
#include "run.h"

struct live {
    struct sim_world *w;
    pthread_mutex_t mu;
    size_t cur;      /* last completed tick + 1 (0: nothing yet) */
    CURL *curl;
    const struct sim_live_opts *lo;
    unsigned long posted, failed;
};

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_len, void **state)
{
    (void)version, (void)upload, (void)upload_len, (void)state;
    struct live *l = cls;
    struct sim_world *w = l->w;
    unsigned status = 200;
    struct fl_buf b;
    fl_buf_init(&b, (size_t)64 << 20);
    if (strcmp(method, "GET") != 0) {
        status = 405;
        fl_buf_puts(&b, "method not allowed\n");
    } else if (strncmp(url, "/metrics/", 9) != 0) {
        status = 404;
        fl_buf_puts(&b, "not found: the endpoints are /metrics/<component>\n");
    } else {
        pthread_mutex_lock(&l->mu);
        size_t ti = SIZE_MAX;
        for (size_t i = 0; i < w->m.n_targets; i++)
            if (!strcmp(w->m.targets[i].component, url + 9))
                ti = i;
        if (ti == SIZE_MAX) {
            status = 404;
            fl_buf_puts(&b, "no such target\n");
        } else if (l->cur == 0) {
            status = 503;
            fl_buf_puts(&b, "no data yet\n");
        } else if (w->m.down[ti * w->m.n_ticks + l->cur - 1]) {
            status = 503;
            fl_buf_puts(&b, "target down\n");
        } else {
            size_t t = l->cur - 1;
            sim_metrics_expose(&w->m, ti, t, sim_tick_ms(w, t), &b);
        }
        pthread_mutex_unlock(&l->mu);
    }
    if (fl_buf_err(&b)) {
        fl_buf_reset(&b);
        status = 500;
        fl_buf_puts(&b, "exposition too large\n");
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(b.len, b.data ? b.data : (char *)"", MHD_RESPMEM_MUST_COPY);
    fl_buf_cleanup(&b);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static size_t discard(char *p, size_t sz, size_t n, void *u)
{
    (void)p, (void)u;
    return sz * n;
}

static void post(struct live *l, const char *path, const char *ctype, const char *pre,
                 const struct fl_buf *body, const char *post_s)
{
    if (!body->len)
        return;
    struct fl_buf b;
    fl_buf_init(&b, (size_t)256 << 20);
    fl_buf_puts(&b, pre);
    fl_buf_append(&b, body->data, body->len);
    fl_buf_puts(&b, post_s);
    char url[1024], auth[600], ct[128];
    snprintf(url, sizeof(url), "%s%s", l->lo->faultline_url, path);
    snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
    struct curl_slist *h = curl_slist_append(NULL, ct);
    if (l->lo->token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", l->lo->token);
        h = curl_slist_append(h, auth);
    }
    curl_easy_reset(l->curl);
    curl_easy_setopt(l->curl, CURLOPT_URL, url);
    curl_easy_setopt(l->curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(l->curl, CURLOPT_POSTFIELDS, b.data);
    curl_easy_setopt(l->curl, CURLOPT_POSTFIELDSIZE, (long)b.len);
    curl_easy_setopt(l->curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(l->curl, CURLOPT_TIMEOUT, 30L);
    CURLcode rc = curl_easy_perform(l->curl);
    long code = 0;
    curl_easy_getinfo(l->curl, CURLINFO_RESPONSE_CODE, &code);
    if (rc != CURLE_OK || code < 200 || code >= 300) {
        if (l->failed++ < 5)
            fprintf(stderr, "faultline-sim live: POST %s: %s (HTTP %ld)\n", path,
                rc != CURLE_OK ? curl_easy_strerror(rc) : "rejected", code);
    } else {
        l->posted++;
    }
    curl_slist_free_all(h);
    fl_buf_cleanup(&b);
}

static fl_err write_live_files(struct sim_world *w, const struct sim_live_opts *lo)
{
    char path[4096];
    if (sim_mkdir_p(lo->out) != FL_OK)
        return FL_EIO;
    struct fl_buf b;
    fl_buf_init(&b, 1 << 24);
    sim_config_yaml(w->o.system, &b, NULL);
    double iv = (double)w->o.step_ms / lo->speed;
    if (iv < 1000)
        iv = 1000;
    fl_buf_puts(&b, "scrape_configs:\n");
    for (size_t i = 0; i < w->m.n_targets; i++)
        fl_buf_printf(&b,
                      "  - job_name: %s\n    metrics_path: /metrics/%s\n    scrape_interval: "
                      "%lldms\n    scrape_timeout: %lldms\n    static_configs:\n"
                      "      - targets: [\"%s\"]\n",
                      w->m.targets[i].component, w->m.targets[i].component, (long long)iv,
                      (long long)(iv * 0.8), lo->listen);
    fl_err e = fl_buf_err(&b);
    snprintf(path, sizeof(path), "%s/faultline.yml", lo->out);
    FILE *fp = e ? NULL : fopen(path, "w");
    if (!e && (!fp || fwrite(b.data, 1, b.len, fp) != b.len))
        e = FL_EIO;
    if (fp && fclose(fp) != 0)
        e = FL_EIO;
    fl_buf_reset(&b);
    sim_world_truth_json(w, &b);
    snprintf(path, sizeof(path), "%s/truth.json", lo->out);
    fp = e ? NULL : fopen(path, "w");
    if (!e && (!fp || fwrite(b.data, 1, b.len, fp) != b.len))
        e = FL_EIO;
    if (fp && fclose(fp) != 0)
        e = FL_EIO;
    fl_buf_cleanup(&b);
    return e;
}

fl_err sim_run_live(struct sim_world *w, const struct sim_live_opts *lo)
{
    struct live l = {.w = w, .lo = lo};
    fl_err e = FL_OK;
    struct MHD_Daemon *d = NULL;
    char host[256];
    const char *colon = strrchr(lo->listen, ':');
    if (!colon || colon == lo->listen || (size_t)(colon - lo->listen) >= sizeof(host))
        return FL_EINVAL;
    snprintf(host, sizeof(host), "%.*s", (int)(colon - lo->listen), lo->listen);
    long port = strtol(colon + 1, NULL, 10);
    if (port <= 0 || port > 65535)
        return FL_EINVAL;
    if ((e = write_live_files(w, lo)))
        return e;
    pthread_mutex_init(&l.mu, NULL);
    l.curl = curl_easy_init();
    if (!l.curl) {
        e = FL_ENOMEM;
        goto out;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        e = FL_EINVAL;
        goto out;
    }
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                             MHD_USE_ERROR_LOG,
                         (uint16_t)port, NULL, NULL, answer, &l, MHD_OPTION_SOCK_ADDR, &sa,
                         MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "faultline-sim live: cannot listen on %s\n", lo->listen);
        e = FL_EIO;
        goto out;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    fprintf(stderr, "faultline-sim live: %s system, fault %s, %zu steps of %llds at %gx; "
                    "metrics on http://%s/metrics/<component>, pushing to %s\n",
            sim_system_name(w->o.system), sim_fault_name(w->fault.kind), w->n_ticks,
            (long long)(w->o.step_ms / 1000), lo->speed, lo->listen, lo->faultline_url);
    /* Start the clock once faultline answers (it may be started after the config is written). */
    for (int i = 0; i < 600 && !stop_flag; i++) {
        char url[1024];
        long code = 0;
        snprintf(url, sizeof(url), "%s/healthz", lo->faultline_url);
        curl_easy_reset(l.curl);
        curl_easy_setopt(l.curl, CURLOPT_URL, url);
        curl_easy_setopt(l.curl, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(l.curl, CURLOPT_TIMEOUT, 2L);
        if (curl_easy_perform(l.curl) == CURLE_OK &&
            curl_easy_getinfo(l.curl, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code == 200)
            break;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 100000000L};
        nanosleep(&ts, NULL);
    }
    int64_t real0 = fl_time_now_ms();
    for (size_t t = 0; t < w->n_ticks && !stop_flag; t++) {
        /* Release step t once its simulated end has passed (in scaled real time). */
        int64_t due = real0 + (int64_t)((double)((int64_t)(t + 1) * w->o.step_ms) / lo->speed);
        while (!stop_flag && fl_time_now_ms() < due) {
            int64_t left = due - fl_time_now_ms();
            struct timespec ts = {.tv_sec = 0, .tv_nsec = (left > 200 ? 200 : left) * 1000000L};
            if (left > 0)
                nanosleep(&ts, NULL);
        }
        pthread_mutex_lock(&l.mu);
        sim_world_due_events(w, t);
        e = w->tick(w, t);
        sim_mark_down(w, t);
        l.cur = t + 1;
        pthread_mutex_unlock(&l.mu);
        if (e)
            break;
        post(&l, "/v1/traces", "application/json", "{\"resourceSpans\":[", &w->sink.spans, "]}");
        post(&l, "/v1/inferences", "application/x-ndjson", "", &w->sink.inferences, "");
        post(&l, "/v1/outcomes", "application/x-ndjson", "", &w->sink.outcomes, "");
        post(&l, "/api/v1/events", "application/json", "[", &w->sink.events, "]");
        sim_sink_reset(&w->sink);
    }
    /* Keep serving the last step for one more scrape interval so it is collected. */
    if (!stop_flag) {
        struct timespec ts = {.tv_sec = 2, .tv_nsec = 0};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "faultline-sim live: done: %lu requests posted, %lu failed\n", l.posted,
            l.failed);
    if (!e && l.failed)
        e = FL_EREMOTE;
out:
    if (d)
        MHD_stop_daemon(d);
    if (l.curl)
        curl_easy_cleanup(l.curl);
    pthread_mutex_destroy(&l.mu);
    return e;
}
