/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_serve.c: `faultline serve [--listen ADDR] [--data-dir DIR]`: the telemetry hub. Opens the
 * store, starts the HTTP server (docs/API.md), the scrape loop, live ML monitoring
 * (monitor/live.h, its own ticker thread) and a maintenance thread (compaction every minute,
 * retention every ten), then waits for SIGTERM or SIGINT.
 *
 * Signals are blocked before any thread starts, so every thread inherits the mask and only the
 * main thread receives them, in sigwait. Shutdown order: /healthz turns 503 and writes are
 * refused, the scrape loop stops, the server stops accepting and lets requests in flight finish,
 * the maintenance thread stops, the store closes. Every acknowledged write was committed before
 * it was acknowledged, so nothing is lost; exit status 0.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "config/config.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/time.h"
#include "core/version.h"
#include "monitor/live.h"
#include "server/alert_investigate.h"
#include "server/scrape.h"
#include "server/server.h"
#include "store/store.h"

#define COMPACT_EVERY_MS (60 * 1000)
#define RETAIN_EVERY_MS (10 * 60 * 1000)

struct maint {
    struct fl_store *store;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

static void *maint_main(void *arg)
{
    struct maint *m = arg;
    int64_t next_compact = fl_time_now_ms() + COMPACT_EVERY_MS;
    int64_t next_retain = fl_time_now_ms() + RETAIN_EVERY_MS;
    pthread_mutex_lock(&m->mu);
    while (!m->stop) {
        int64_t wake = next_compact < next_retain ? next_compact : next_retain;
        struct timespec ts = {(time_t)(wake / 1000), (long)(wake % 1000) * 1000000L};
        int rc = pthread_cond_timedwait(&m->cv, &m->mu, &ts);
        if (m->stop)
            break;
        if (rc != ETIMEDOUT)
            continue;
        pthread_mutex_unlock(&m->mu);
        int64_t now = fl_time_now_ms();
        struct fl_diag d;
        if (now >= next_compact) {
            fl_diag_init(&d);
            if (fl_store_compact(m->store, now, &d) != FL_OK)
                FL_LOG_W("compaction failed: %s", d.msg);
            next_compact = now + COMPACT_EVERY_MS;
        }
        if (now >= next_retain) {
            fl_diag_init(&d);
            if (fl_store_retain(m->store, now, &d) != FL_OK)
                FL_LOG_W("retention failed: %s", d.msg);
            next_retain = now + RETAIN_EVERY_MS;
        }
        pthread_mutex_lock(&m->mu);
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

static int usage(void)
{
    fprintf(stderr, "usage: faultline [-c FILE] serve [--listen ADDR] [--data-dir DIR]\n");
    return 2;
}

/* Replace a config string with a copy of v; false on allocation failure. */
static bool override(char **slot, const char *v)
{
    char *c = fl_strdup(v);
    if (!c)
        return false;
    fl_free(*slot);
    *slot = c;
    return true;
}

static int parse_args(int argc, char **argv, const char **listen, const char **data_dir)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = !strcmp(a, "--listen")     ? listen
                            : !strcmp(a, "--data-dir") ? data_dir
                                                       : NULL;
        if (slot && i + 1 < argc) {
            *slot = argv[++i];
        } else if (!strncmp(a, "--listen=", 9)) {
            *listen = a + 9;
        } else if (!strncmp(a, "--data-dir=", 11)) {
            *data_dir = a + 11;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 1;
        } else {
            fprintf(stderr, "faultline serve: unknown or incomplete option '%s'\n", a);
            return 2;
        }
    }
    return 0;
}

int fl_cli_serve(const struct fl_cli_globals *g, int argc, char **argv)
{
    const char *listen = NULL, *data_dir = NULL;
    int rc = parse_args(argc, argv, &listen, &data_dir);
    if (rc)
        return rc == 1 ? 0 : usage();
    int status = 1;
    struct fl_config *cfg = NULL;
    struct fl_store *store = NULL;
    struct fl_server *srv = NULL;
    struct maint m = {.stop = false};
    bool maint_running = false;
    pthread_t maint_thread;
    struct fl_scraper *scraper = NULL;
    struct fl_live *live = NULL;
    struct fl_alert_inv *alert_inv = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    char msg[1024];

    if (!(cfg = fl_cli_load_config(g)))
        return 1;
    if ((listen && !override(&cfg->listen, listen)) ||
        (data_dir && !override(&cfg->data_dir, data_dir))) {
        fprintf(stderr, "faultline serve: out of memory\n");
        goto out;
    }
    if (!g->log_level && cfg->log_level) {
        enum fl_log_level lvl;
        if (fl_log_parse_level(cfg->log_level, &lvl) == FL_OK)
            fl_log_set_level(lvl);
    }

    /* Block the signals we wait for before any thread exists, so all threads inherit it. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct fl_store_opts so;
    fl_store_opts_default(&so);
    if (cfg->retention_ms > 0)
        so.retention_ms = cfg->retention_ms;
    if (fl_store_open(cfg->data_dir, &so, &store, &d) != FL_OK) {
        fl_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "faultline serve: cannot open store in %s: %s\n", cfg->data_dir, msg);
        goto out;
    }
    if (cfg->monitoring.enabled && fl_live_from_config(cfg, store, &live, &d) != FL_OK) {
        fl_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "faultline serve: live monitoring: %s\n", msg);
        goto out;
    }
    /* Alertmanager's firing groups open investigations (docs/ALERTING.md) */
    if (fl_alert_inv_start(store, cfg, &alert_inv, &d) != FL_OK) {
        fl_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "faultline serve: %s\n", msg);
        goto out;
    }
    fl_server_on_alert_group(fl_alert_inv_hook, alert_inv);
    if (fl_server_start(cfg, store, &srv, &d) != FL_OK) {
        fl_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "faultline serve: %s\n", msg);
        goto out;
    }
    fl_diag_init(&d);
    if (fl_scraper_start(cfg, store, &scraper, &d) != FL_OK) {
        fl_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "faultline serve: scrape loop: %s\n", msg);
        goto out;
    }
    fl_server_set_scraper(srv, scraper);
    fl_server_set_live(srv, live);
    if (live && fl_live_start(live, cfg->monitoring.tick_ms, &d) != FL_OK) {
        fl_diag_format(&d, msg, sizeof msg);
        fprintf(stderr, "faultline serve: live monitoring: %s\n", msg);
        goto out;
    }
    m.store = store;
    pthread_mutex_init(&m.mu, NULL);
    pthread_cond_init(&m.cv, NULL);
    if (pthread_create(&maint_thread, NULL, maint_main, &m) != 0) {
        fprintf(stderr, "faultline serve: cannot start the maintenance thread\n");
        pthread_cond_destroy(&m.cv);
        pthread_mutex_destroy(&m.mu);
        goto out;
    }
    maint_running = true;
    FL_LOG_I("listening listen=%s port=%u data_dir=\"%s\" threads=%u version=%s",
             cfg->listen ? cfg->listen : "127.0.0.1:9470", fl_server_port(srv), cfg->data_dir,
             cfg->threads, FL_VERSION);

    int sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;
    FL_LOG_I("shutting down signal=%s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    status = 0;
out:
    if (srv)
        fl_server_begin_shutdown(srv);
    if (srv)
        fl_server_set_scraper(srv, NULL);
    fl_scraper_stop(scraper);
    fl_live_stop(live);
    fl_server_stop(srv); /* waits for requests in flight, which may still use the live monitor */
    fl_server_on_alert_group(NULL, NULL);
    fl_alert_inv_stop(alert_inv);
    fl_live_free(live);
    if (maint_running) {
        pthread_mutex_lock(&m.mu);
        m.stop = true;
        pthread_cond_signal(&m.cv);
        pthread_mutex_unlock(&m.mu);
        pthread_join(maint_thread, NULL);
        pthread_cond_destroy(&m.cv);
        pthread_mutex_destroy(&m.mu);
    }
    fl_store_free(store);
    fl_config_free(cfg);
    if (status == 0)
        FL_LOG_I("stopped cleanly");
    return status;
}
