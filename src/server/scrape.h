/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scrape.h: the scrape loop. Pulls Prometheus text / OpenMetrics expositions from the targets of
 * the configured scrape jobs (and from faultline's own /metrics when self_scrape is on) into the
 * store, the way Prometheus does (prometheus scrape/scrape.go; docs/instrumenting/
 * content_negotiation.md):
 *
 *  - every target is scraped every interval; the first scrape is delayed by an offset derived
 *    from a hash of the job and URL, so that many targets do not fire at the same instant;
 *  - the request asks for OpenMetrics 1.0.0, OpenMetrics 0.0.1, text 0.0.4 (never protobuf, which
 *    faultline does not parse), accepts gzip, sends X-Prometheus-Scrape-Timeout-Seconds, and the
 *    response's Content-Type picks the parser;
 *  - samples get the labels job and instance (clashing exposition labels become exported_*) plus
 *    the job's own labels; samples without a timestamp get the scrape's start time;
 *  - each scrape adds the synthetic series up, scrape_duration_seconds, scrape_samples_scraped,
 *    scrape_samples_post_metric_relabeling and scrape_series_added, and writes everything in one
 *    store transaction;
 *  - a failed scrape (connection refused, timeout, HTTP status other than 2xx, body larger than
 *    limits.scrape_bytes, more series than limits.series_per_target, parse error) stores up=0 and
 *    the synthetic series only, and logs the error (once per change, at most once a minute);
 *  - series that vanish from a target, or all of its series when it goes down, get Prometheus'
 *    staleness marker (a NaN with bits 0x7ff0000000000002) at the next scrape's time.
 *
 * One thread per target; fl_scraper_stop wakes them at once (condition variable) and aborts
 * transfers in flight.
 */
#ifndef FL_SERVER_SCRAPE_H
#define FL_SERVER_SCRAPE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

struct fl_config;
struct fl_store;
struct fl_scraper;

/* A target's state after its last scrape. Strings are valid during the callback only. */
struct fl_scrape_target_status {
    const char *job;
    const char *instance; /* "host:port" as configured */
    const char *url;
    int up;                 /* 1 = last scrape succeeded; 0 also before the first scrape */
    double duration_s;      /* of the last scrape */
    size_t samples;         /* samples scraped in the last scrape */
    int64_t last_scrape_ms; /* start of the last scrape, 0 = not scraped yet */
    const char *last_error; /* "" when the last scrape succeeded */
};

/*
 * Start one thread per target of cfg->scrape_jobs, plus a job "faultline" scraping
 * http://<cfg->listen>/metrics when cfg->self_scrape is set (a wildcard host such as 0.0.0.0 is
 * scraped on 127.0.0.1). cfg and store are borrowed and must outlive the scraper. With no targets
 * at all a scraper with no threads is returned. *out is freed by fl_scraper_stop.
 * (A listen address whose port is not known, such as port 0, gets no self-scrape: a warning is
 * logged.) Errors: FL_ECONFIG (a target that does not make a URL), FL_ENOMEM, FL_EIO (threads),
 * FL_ENET (libcurl initialisation).
 */
fl_err fl_scraper_start(const struct fl_config *cfg, struct fl_store *store,
                        struct fl_scraper **out, struct fl_diag *d) FL_MUST_CHECK;

/* Stop every thread (aborting scrapes in flight), join them and free s. NULL is a no-op. */
void fl_scraper_stop(struct fl_scraper *s);

/*
 * Call fn for every target, in configuration order, with its current status. Thread-safe: holds
 * the scraper's status lock during the calls, so fn must be quick and must not call back into
 * the scraper. s may be NULL (no calls).
 */
void fl_scraper_foreach_target(struct fl_scraper *s,
                               void (*fn)(const struct fl_scrape_target_status *st, void *ud),
                               void *ud);

#endif
