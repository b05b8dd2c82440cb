/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scrape_int.h: the pure parts of the scrape loop (scrape.c), exposed for unit tests: the first
 * scrape's offset, the self-scrape target, the synthetic series, series-added counting and
 * staleness markers. No network, no threads, no store.
 */
#ifndef FL_SERVER_SCRAPE_INT_H
#define FL_SERVER_SCRAPE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/record.h"

/* Prometheus' staleness marker: a NaN with this bit pattern (prometheus model/value/value.go). */
#define FL_SCRAPE_STALE_NAN_BITS UINT64_C(0x7ff0000000000002)

/* The staleness-marker value; and whether v is one (bit-exact). */
double fl_scrape__stale_nan(void);
int fl_scrape__is_stale(double v);

/* Delay of a target's first scrape: in [0, interval_ms), a deterministic hash of job and url. */
int64_t fl_scrape__offset_ms(const char *job, const char *url, int64_t interval_ms);

/*
 * The "host:port" to scrape faultline itself at, from the listen setting ("127.0.0.1:9470",
 * ":9470", "9470", "0.0.0.0:9470", "[::]:9470", "localhost:9470"; NULL/"" = 127.0.0.1:9470).
 * Wildcard hosts become loopback. FL_EINVAL when it is not host:port with a port 1..65535, or
 * when it does not fit in cap.
 */
fl_err fl_scrape__self_target(const char *listen, char *out, size_t cap) FL_MUST_CHECK;

/*
 * Series of cur that were not in prev (by label-set hash): Prometheus' scrape_series_added,
 * approximated with the previous scrape standing for its series cache.
 */
size_t fl_scrape__count_added(const struct fl_batch *prev, const struct fl_batch *cur);

/* The values of a scrape's synthetic series. */
struct fl_scrape__report {
    int up;
    double duration_s;
    size_t samples_scraped;
    size_t samples_post_relabel;
    size_t series_added;
};

/*
 * Add up, scrape_duration_seconds, scrape_samples_scraped, scrape_samples_post_metric_relabeling
 * and scrape_series_added at ts_ms, each with the target labels (job, instance, ...; no
 * __name__). FL_EINVAL for duplicate target label names, FL_ENOMEM, FL_ELIMIT.
 */
fl_err fl_scrape__add_synthetic(struct fl_batch *b, const struct fl_label *target_labels,
                                size_t n, int64_t ts_ms,
                                const struct fl_scrape__report *r) FL_MUST_CHECK;

/*
 * Add a staleness marker at ts_ms to cur for every series of prev that had a sample at
 * prev_ts_ms (the previous scrape's time: series exposed with their own timestamps get none, as
 * in Prometheus) and is absent from cur. Call after the synthetic series were added (they are in
 * both). prev_ts_ms == FL_TS_NONE means no previous scrape. *n_stale gets the count (may be
 * NULL). FL_ENOMEM, FL_ELIMIT.
 */
fl_err fl_scrape__add_stale(const struct fl_batch *prev, int64_t prev_ts_ms, struct fl_batch *cur,
                            int64_t ts_ms, size_t *n_stale) FL_MUST_CHECK;

#endif
