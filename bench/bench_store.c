// SPDX-License-Identifier: Apache-2.0
/*
 * bench_store.c: write throughput and on-disk size of the SQLite store (src/store).
 *
 * Figures, one machine-readable line each (fixed seed, fresh temporary data directories):
 *   store_spans       spans/s, batches of 1,000 and 5,000 spans with realistic attribute JSON
 *   store_inferences  inference rows/s, 20 features each, batches of 10,000
 *   store_samples     metric samples/s, batches of 10,000 (1,000 series scraped every 15 s)
 *   store_compact     head samples compacted into chunks per second
 *   store_size        1,000 series x 15 s x 1 day of realistic data (counters, noisy gauges,
 *                     histogram buckets, constants; scrape jitter on half the targets), written
 *                     and compacted window by window as a running server would: database file
 *                     bytes per sample after close, and chunk payload bytes per sample
 *   store_select      reading that whole day back through fl_store_select
 * Usage: bench_store [quick] [spans|inferences|metrics]
 *   quick = a tenth of the volume, for smoke runs; a figure name runs only that group.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/matcher.h"
#include "core/record.h"
#include "store/chunk.h"
#include "store/store.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double urand(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Process CPU time (user + system): less disturbed than wall time on a shared machine. */
static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char tmp_dir[64];

static struct fl_store *open_fresh(void)
{
    strcpy(tmp_dir, "/tmp/fl_bench_store_XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        exit(1);
    }
    struct fl_store *s = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    if (fl_store_open(tmp_dir, NULL, &s, &d) != FL_OK) {
        fprintf(stderr, "open: %s\n", d.msg);
        exit(1);
    }
    return s;
}

static uint64_t db_file_bytes(void)
{
    char p[128];
    struct stat sb;
    snprintf(p, sizeof p, "%s/faultline.db", tmp_dir);
    return stat(p, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

static void remove_dir(void)
{
    static const char *f[] = {"faultline.db", "faultline.db-wal", "faultline.db-shm"};
    char p[128];
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", tmp_dir, f[i]);
        unlink(p);
    }
    rmdir(tmp_dir);
}

static void must(fl_err e, const struct fl_diag *d, const char *what)
{
    if (e != FL_OK) {
        fprintf(stderr, "%s: %s: %s\n", what, fl_err_name(e), d ? d->msg : "");
        exit(1);
    }
}

/* ---- spans ---- */

static void bench_spans(size_t total, size_t batch)
{
    struct fl_store *s = open_fresh();
    struct fl_span *sp = calloc(batch, sizeof *sp);
    char(*attrs)[160] = calloc(batch, sizeof *attrs);
    static const char *services[] = {"frontend", "checkout", "payments", "fraud-api", "db"};
    static const char *ops[] = {"GET /checkout", "POST /pay", "SELECT orders", "predict"};
    double t_write = 0, c_write = 0;
    for (size_t done = 0; done < total; done += batch) {
        for (size_t i = 0; i < batch; i++) {
            uint64_t tr = rnd(), sid = rnd();
            snprintf(sp[i].trace_id, 33, "%016llx%016llx", (unsigned long long)tr,
                     (unsigned long long)(done + i));
            snprintf(sp[i].span_id, 17, "%016llx", (unsigned long long)sid);
            snprintf(sp[i].parent_span_id, 17, "%016llx", (unsigned long long)rnd());
            sp[i].service = services[rnd() % 5];
            sp[i].name = ops[rnd() % 4];
            sp[i].kind = FL_SPAN_SERVER;
            sp[i].start_ns = INT64_C(1764000000000000000) + (int64_t)(done + i) * 5000000;
            sp[i].end_ns = sp[i].start_ns + (int64_t)(rnd() % 50000000);
            sp[i].status_code = rnd() % 50 == 0 ? FL_STATUS_ERROR : FL_STATUS_UNSET;
            sp[i].status_message = "";
            sp[i].scope_name = "io.opentelemetry.http";
            snprintf(attrs[i], sizeof attrs[i],
                     "{\"http.method\":\"POST\",\"http.route\":\"/pay\",\"http.status_code\":%d,"
                     "\"net.peer.name\":\"10.0.%d.%d\",\"user.tier\":\"gold\"}",
                     rnd() % 20 ? 200 : 503, (int)(rnd() % 255), (int)(rnd() % 255));
            sp[i].attrs_json = attrs[i];
            sp[i].resource_json =
                "{\"service.name\":\"checkout\",\"service.version\":\"1.4.2\",\"host.name\":"
                "\"node-7\"}";
            sp[i].events_json = "[]";
            sp[i].links_json = "[]";
        }
        struct fl_batch b;
        memset(&b, 0, sizeof b);
        b.spans = sp;
        b.n_spans = batch;
        struct fl_diag d;
        fl_diag_init(&d);
        double t = now_s(), c = cpu_s();
        must(fl_store_write(s, &b, &d), &d, "write spans");
        t_write += now_s() - t;
        c_write += cpu_s() - c;
    }
    printf("bench=store_spans batch=%zu n=%zu seconds=%.3f spans_per_s=%.0f cpu_seconds=%.3f "
           "spans_per_cpu_s=%.0f\n",
           batch, total, t_write, (double)total / t_write, c_write, (double)total / c_write);
    free(sp);
    free(attrs);
    fl_store_free(s);
    remove_dir();
}

/* ---- inferences ---- */

static void bench_inferences(size_t total, size_t batch)
{
    enum { NF = 20 };
    struct fl_store *s = open_fresh();
    struct fl_inference *r = calloc(batch, sizeof *r);
    struct fl_feature *f = calloc(batch * NF, sizeof *f);
    char(*rid)[40] = calloc(batch, sizeof *rid);
    static char names[NF][16];
    static const struct fl_label segs[] = {{"country", "DE"}, {"platform", "ios"}};
    static const char *countries[] = {"DE", "FR", "US", "BR"};
    for (int k = 0; k < NF; k++)
        snprintf(names[k], sizeof names[k], "feature_%02d", k);
    double t_write = 0, c_write = 0;
    for (size_t done = 0; done < total; done += batch) {
        for (size_t i = 0; i < batch; i++) {
            snprintf(rid[i], sizeof rid[i], "req-%016llx-%zu", (unsigned long long)rnd(), done + i);
            struct fl_feature *fi = &f[i * NF];
            for (int k = 0; k < NF; k++) {
                fi[k].name = names[k];
                fi[k].status = FL_FEAT_PRESENT;
                if (k == 3) {
                    fi[k].kind = FL_VAL_STRING;
                    fi[k].str = countries[rnd() % 4];
                } else if (k == 4) {
                    fi[k].kind = FL_VAL_BOOL;
                    fi[k].num = (double)(rnd() % 2);
                } else if (k == 5 && rnd() % 10 == 0) {
                    fi[k].kind = FL_VAL_NULL;
                    fi[k].status = FL_FEAT_NOT_FOUND;
                } else {
                    fi[k].kind = FL_VAL_NUMBER;
                    fi[k].num = urand() * 100.0;
                }
            }
            r[i] = (struct fl_inference){
                .ts_ms = INT64_C(1764000000000) + (int64_t)(done + i),
                .request_id = rid[i],
                .trace_id = NULL,
                .model = "fraud",
                .model_version = rnd() % 10 ? "v3" : "v4",
                .features = fi,
                .n_features = NF,
                .pred_kind = FL_PRED_SCORE,
                .score = urand(),
                .segments = segs,
                .n_segments = 2,
                .latency_ms = 3.0 + urand() * 20,
            };
        }
        struct fl_batch b;
        memset(&b, 0, sizeof b);
        b.inferences = r;
        b.n_inferences = batch;
        struct fl_diag d;
        fl_diag_init(&d);
        double t = now_s(), c = cpu_s();
        must(fl_store_write(s, &b, &d), &d, "write inferences");
        t_write += now_s() - t;
        c_write += cpu_s() - c;
    }
    printf("bench=store_inferences batch=%zu features=%d n=%zu seconds=%.3f rows_per_s=%.0f "
           "cpu_seconds=%.3f rows_per_cpu_s=%.0f\n",
           batch, NF, total, t_write, (double)total / t_write, c_write, (double)total / c_write);
    free(r);
    free(f);
    free(rid);
    fl_store_free(s);
    remove_dir();
}

/* ---- metrics: realistic series ---- */

enum series_kind { K_COUNTER, K_GAUGE, K_BUCKET, K_CONST };

struct gen {
    enum series_kind kind;
    double v, rate, base;
    int jitter; /* target has scrape jitter */
};

static double next_value(struct gen *g)
{
    switch (g->kind) {
    case K_COUNTER: /* requests: Poisson-ish increments around a drifting rate */
        g->v += floor(g->rate * 15 * (0.5 + urand()));
        return g->v;
    case K_GAUGE: /* e.g. temperature / latency: base + noise, two decimals */
        g->v = round((g->base + (urand() - 0.5) * g->base * 0.1) * 100) / 100;
        return g->v;
    case K_BUCKET: /* histogram bucket: most scrapes unchanged */
        if (urand() < 0.3)
            g->v += (double)(1 + rnd() % 3);
        return g->v;
    default:
        return g->v;
    }
}

struct read_count {
    size_t series, samples;
};

static int count_read(const struct fl_label *l, size_t nl, const int64_t *ts, const double *v,
                      size_t n, void *ud)
{
    struct read_count *c = ud;
    (void)l;
    (void)nl;
    (void)ts;
    (void)v;
    c->series++;
    c->samples += n;
    return 0;
}

#define N_SERIES 1000
#define STEP_MS 15000
#define WINDOW_MS INT64_C(7200000)

static void bench_metrics(int64_t samples_per_series)
{
    struct fl_store *s = open_fresh();
    static struct fl_label labels[N_SERIES][4];
    static char names[N_SERIES][3][32];
    static struct fl_series se[N_SERIES];
    static struct gen gens[N_SERIES];
    static const char *metric[] = {"http_requests_total", "temperature_celsius",
                                   "request_duration_seconds_bucket", "up"};
    for (int i = 0; i < N_SERIES; i++) {
        int k = i % 10 < 4 ? K_COUNTER : i % 10 < 7 ? K_GAUGE : i % 10 < 9 ? K_BUCKET : K_CONST;
        gens[i] = (struct gen){(enum series_kind)k, k == K_CONST ? 1 : (double)(rnd() % 1000),
                               urand() * 20, 20 + urand() * 60, (i / 10) % 2};
        snprintf(names[i][0], 32, "host-%d:9100", i / 10);
        snprintf(names[i][1], 32, "job-%d", i % 7);
        snprintf(names[i][2], 32, "%d", i);
        labels[i][0] = (struct fl_label){"__name__", metric[k]};
        labels[i][1] = (struct fl_label){"id", names[i][2]};
        labels[i][2] = (struct fl_label){"instance", names[i][0]};
        labels[i][3] = (struct fl_label){"job", names[i][1]};
        se[i] = (struct fl_series){labels[i], 4, (uint64_t)i};
    }
    enum { BATCH = 10000, SCRAPES_PER_BATCH = BATCH / N_SERIES };
    struct fl_sample *sm = calloc(BATCH, sizeof *sm);
    int64_t t0 = INT64_C(1764028800000); /* aligned to a 2 h window */
    /* chunk payload as the store encodes it: per series, per 2 h window */
    int64_t(*wts)[480] = calloc(N_SERIES, sizeof *wts);
    double(*wv)[480] = calloc(N_SERIES, sizeof *wv);
    size_t wn = 0;
    uint64_t chunk_bytes = 0, kind_bytes[4] = {0}, kind_samples[4] = {0};
    struct fl_buf cb;
    fl_buf_init(&cb, 1 << 20);

    double t_write = 0, t_compact = 0, c_write = 0;
    int64_t total = 0, next_compact = t0 + 2 * WINDOW_MS, mid_samples = 0;
    uint64_t mid_file = 0;
    for (int64_t scrape = 0; scrape < samples_per_series; scrape += SCRAPES_PER_BATCH) {
        size_t n = 0;
        for (int j = 0; j < SCRAPES_PER_BATCH && scrape + j < samples_per_series; j++) {
            int64_t ts = t0 + (scrape + j) * STEP_MS;
            for (uint32_t i = 0; i < N_SERIES; i++) {
                int64_t t = ts + (gens[i].jitter ? (int64_t)(rnd() % 5) : 0);
                double v = next_value(&gens[i]);
                sm[n++] = (struct fl_sample){i, t, v};
                wts[i][wn] = t;
                wv[i][wn] = v;
            }
            if (++wn == 480) { /* a full 2 h window of every series */
                for (int i = 0; i < N_SERIES; i++) {
                    fl_buf_reset(&cb);
                    must(fl_store_chunk_encode(wts[i], wv[i], wn, &cb), NULL, "encode");
                    chunk_bytes += cb.len;
                    kind_bytes[gens[i].kind] += cb.len;
                    kind_samples[gens[i].kind] += wn;
                }
                wn = 0;
            }
        }
        struct fl_batch b;
        memset(&b, 0, sizeof b);
        b.series = se;
        b.n_series = N_SERIES;
        b.samples = sm;
        b.n_samples = n;
        struct fl_diag d;
        fl_diag_init(&d);
        double t = now_s(), c = cpu_s();
        must(fl_store_write(s, &b, &d), &d, "write samples");
        t_write += now_s() - t;
        c_write += cpu_s() - c;
        total += (int64_t)n;
        int64_t last_ts = t0 + (scrape + SCRAPES_PER_BATCH) * STEP_MS;
        if (last_ts >= next_compact) { /* as the server's background loop would */
            t = now_s();
            must(fl_store_compact(s, last_ts, &d), &d, "compact");
            t_compact += now_s() - t;
            next_compact += WINDOW_MS;
            if (!mid_file && scrape >= samples_per_series / 2) {
                /* a clean restart at mid-range: measures the file without a WAL */
                fl_store_free(s);
                mid_file = db_file_bytes();
                mid_samples = total;
                must(fl_store_open(tmp_dir, NULL, &s, &d), &d, "reopen");
            }
        }
    }
    printf("bench=store_samples batch=%d n=%lld seconds=%.3f samples_per_s=%.0f cpu_seconds=%.3f "
           "samples_per_cpu_s=%.0f\n",
           BATCH, (long long)total, t_write, (double)total / t_write, c_write,
           (double)total / c_write);
    struct fl_diag d;
    fl_diag_init(&d);
    double t = now_s();
    must(fl_store_compact(s, t0 + samples_per_series * STEP_MS + 2 * WINDOW_MS, &d), &d, "compact");
    t_compact += now_s() - t;
    printf("bench=store_compact n=%lld seconds=%.3f samples_per_s=%.0f\n", (long long)total,
           t_compact, (double)total / t_compact);

    /* read the whole range back */
    struct fl_matcher m;
    must(fl_matcher_init(&m, "job", FL_MATCH_RE, "job-.*", &d), &d, "matcher");
    struct read_count cnt = {0, 0};
    t = now_s();
    must(fl_store_select(s, &m, 1, t0, t0 + samples_per_series * STEP_MS + 10, true, count_read,
                         &cnt, &d),
         &d, "select");
    t = now_s() - t;
    printf("bench=store_select series=%zu samples=%zu seconds=%.3f samples_per_s=%.0f\n",
           cnt.series, cnt.samples, t, (double)cnt.samples / t);
    fl_matcher_cleanup(&m);
    fl_store_free(s);
    uint64_t file = db_file_bytes();
    /* Growth between mid-range and the end: what each further sample costs on disk, once the
     * head table's pages are being reused window after window. */
    double marginal = mid_file && total > mid_samples
                          ? (double)(file - mid_file) / (double)(total - mid_samples)
                          : 0;
    printf("bench=store_size series=%d step_s=15 samples=%lld file_bytes=%llu "
           "file_bytes_per_sample=%.3f marginal_file_bytes_per_sample=%.3f "
           "chunk_payload_bytes_per_sample=%.3f projected_14d_1000_series_mb=%.0f\n",
           N_SERIES, (long long)total, (unsigned long long)file, (double)file / (double)total,
           marginal, (double)chunk_bytes / (double)(total - (int64_t)wn * N_SERIES),
           ((double)file + marginal * (80640000.0 - (double)total)) / 1e6);
    static const char *kind_names[] = {"counter", "gauge_2_decimals", "histogram_bucket",
                                       "constant"};
    for (int k = 0; k < 4; k++)
        printf("bench=store_chunk_kind kind=%s samples=%llu chunk_payload_bytes_per_sample=%.3f\n",
               kind_names[k], (unsigned long long)kind_samples[k],
               kind_samples[k] ? (double)kind_bytes[k] / (double)kind_samples[k] : 0.0);
    free(sm);
    free(wts);
    free(wv);
    fl_buf_cleanup(&cb);
    remove_dir();
}

int main(int argc, char **argv)
{
    int quick = 0;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "quick"))
            quick = 1;
        else
            only = argv[i];
    }
    size_t div = quick ? 10 : 1;
    if (!only || !strcmp(only, "spans")) {
        bench_spans(200000 / div, 1000);
        bench_spans(200000 / div, 5000);
    }
    if (!only || !strcmp(only, "inferences"))
        bench_inferences(300000 / div, 10000);
    if (!only || !strcmp(only, "metrics"))
        bench_metrics(5760 / (int64_t)div); /* one day at 15 s */
    return 0;
}
