/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert_investigate.c: Alertmanager firing groups -> investigations (alert_investigate.h has the
 * rules; docs/ALERTING.md "Investigations from alerts"). The hook runs on the HTTP thread that
 * answers Alertmanager, so it only reads the stored alerts' attributes (labels, annotations,
 * generatorURL; src/ingest/alertmanager.h), decides the symptom and queues a plan; one worker
 * thread runs the investigations one at a time, so a burst of alerts cannot take every core.
 */
#include "alert_investigate.h"
#include "alert_notify.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/alloc.h"
#include "../core/arena.h"
#include "../core/buf.h"
#include "../core/json.h"
#include "../core/log.h"
#include "../core/str.h"
#include "../core/time.h"
#include "../ingest/alert_expr.h"
#include "../rca/investigate.h"
#include "../report/investigation.h"

#define PLAN_ARENA_MAX ((size_t)16 * 1024 * 1024)
#define INV_ARENA_MAX ((size_t)1 << 30)
#define INV_JSON_MAX ((size_t)64 * 1024 * 1024)
#define SYMPTOM_MAX ((size_t)16 * 1024) /* bytes of a symptom made from labels or a selector */
#define TITLE_MAX 1024                  /* bytes, as POST /api/v1/investigations */
#define SYMPTOM_KEY "faultline_symptom"

/* ---- reading one stored alert ---- */

struct kv {
    const char *k, *v;
};

struct alert {
    struct kv *labels, *anns;
    size_t n_labels, n_anns;
    const char *generator_url;
};

static const char *kv_get(const struct kv *kv, size_t n, const char *k)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(kv[i].k, k))
            return kv[i].v;
    return NULL;
}

/* Read a JSON object of strings into an arena array. */
static fl_err read_map(struct fl_json *j, struct fl_arena *a, struct fl_buf *scratch,
                       struct kv **out, size_t *n)
{
    size_t cap = 0;
    bool more = true;
    fl_err e = fl_json_enter_object(j);
    while (e == FL_OK) {
        struct fl_str key, val;
        if ((e = fl_json_next_key(j, scratch, &key, &more)) != FL_OK || !more)
            break;
        char *k = fl_arena_strndup(a, key.p, key.len);
        if (!k)
            return FL_ENOMEM;
        if ((e = fl_json_get_string(j, scratch, &val)) != FL_OK)
            break;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            struct kv *g = fl_arena_alloc(a, nc * sizeof *g);
            if (!g)
                return FL_ENOMEM;
            if (cap)
                memcpy(g, *out, cap * sizeof *g);
            *out = g;
            cap = nc;
        }
        (*out)[*n].k = k;
        if (!((*out)[*n].v = fl_arena_strndup(a, val.p, val.len)))
            return FL_ENOMEM;
        (*n)++;
    }
    return e;
}

/* The attributes an alert was stored with (alertmanager.h: labels, annotations, generatorURL). */
static fl_err read_alert(const char *attrs, struct fl_arena *a, struct alert *al)
{
    struct fl_json j;
    struct fl_buf scratch;
    bool more = true;
    memset(al, 0, sizeof *al);
    al->generator_url = "";
    fl_buf_init(&scratch, FL_ALERT_EXPR_MAX_BYTES * 4);
    fl_json_init(&j, attrs ? attrs : "{}", attrs ? strlen(attrs) : 2, NULL);
    fl_err e = fl_json_enter_object(&j);
    while (e == FL_OK) {
        struct fl_str key, val;
        if ((e = fl_json_next_key(&j, &scratch, &key, &more)) != FL_OK || !more)
            break;
        if (fl_str_eq_c(key, "labels")) {
            e = read_map(&j, a, &scratch, &al->labels, &al->n_labels);
        } else if (fl_str_eq_c(key, "annotations")) {
            e = read_map(&j, a, &scratch, &al->anns, &al->n_anns);
        } else if (fl_str_eq_c(key, "generatorURL") &&
                   fl_json_peek(&j) == FL_JSON_STRING) {
            if ((e = fl_json_get_string(&j, &scratch, &val)) == FL_OK &&
                !(al->generator_url = fl_arena_strndup(a, val.p, val.len)))
                e = FL_ENOMEM;
        } else {
            e = fl_json_skip(&j);
        }
    }
    fl_buf_cleanup(&scratch);
    return e;
}

/* ---- the symptom ---- */

/* Does text parse as a symptom? */
static bool symptom_ok(const char *text)
{
    struct fl_arena a;
    struct fl_inv_request r;
    struct fl_diag d;
    memset(&r, 0, sizeof r);
    fl_diag_init(&d);
    fl_arena_init(&a, 1024, 1 << 20);
    bool ok = fl_inv_parse_symptom_arena(text, &a, &r, &d) == FL_OK;
    fl_arena_cleanup(&a);
    if (!ok)
        FL_LOG_D("alert investigation: symptom \"%s\" rejected: %s", text, d.msg);
    return ok;
}

/* Rule 2: the first selector of generatorURL's g0.expr, or NULL. */
static char *from_generator_url(const char *url)
{
    struct fl_buf expr, sel;
    char *out = NULL;
    fl_buf_init(&expr, FL_ALERT_EXPR_MAX_BYTES);
    fl_buf_init(&sel, SYMPTOM_MAX);
    if (fl_alert_url_expr(url, strlen(url), &expr, NULL) == FL_OK &&
        fl_alert_expr_selector(expr.data ? expr.data : "", expr.len, &sel, NULL) == FL_OK) {
        if (fl_buf_err(&sel) == FL_OK)
            out = fl_buf_take(&sel);
    }
    fl_buf_cleanup(&sel);
    fl_buf_cleanup(&expr);
    return out;
}

/* Rule 3: {name="value",...} of the labels minus alertname/severity, or NULL (no __name__). */
static char *from_labels(const struct alert *al)
{
    if (!kv_get(al->labels, al->n_labels, "__name__"))
        return NULL;
    struct fl_buf b;
    fl_buf_init(&b, SYMPTOM_MAX);
    fl_buf_putc(&b, '{');
    bool first = true;
    for (size_t i = 0; i < al->n_labels; i++) {
        if (!strcmp(al->labels[i].k, "alertname") || !strcmp(al->labels[i].k, "severity"))
            continue;
        fl_buf_printf(&b, "%s%s=\"", first ? "" : ",", al->labels[i].k);
        for (const char *v = al->labels[i].v; *v; v++) {
            if (*v == '"' || *v == '\\')
                fl_buf_putc(&b, '\\');
            if (*v == '\n')
                fl_buf_puts(&b, "\\n");
            else
                fl_buf_putc(&b, *v);
        }
        fl_buf_putc(&b, '"');
        first = false;
    }
    fl_buf_putc(&b, '}');
    char *out = fl_buf_err(&b) == FL_OK ? fl_buf_take(&b) : NULL;
    fl_buf_cleanup(&b);
    return out;
}

/* Try the rules in order on one alert; fills p->symptom and p->symptom_from. */
static fl_err pick_symptom(const struct alert *al, struct fl_alert_inv_plan *p)
{
    const char *ann = kv_get(al->anns, al->n_anns, SYMPTOM_KEY);
    const char *lab = kv_get(al->labels, al->n_labels, SYMPTOM_KEY);
    const char *given[2] = {ann, lab};
    const char *given_from[2] = {"annotation", "label"};
    for (size_t i = 0; i < 2; i++) {
        if (!given[i] || !given[i][0])
            continue;
        if (symptom_ok(given[i])) {
            p->symptom_from = given_from[i];
            return (p->symptom = fl_strdup(given[i])) ? FL_OK : FL_ENOMEM;
        }
        FL_LOG_W("alert investigation: group %s: the %s %s=\"%s\" is not a symptom; ignored",
                 p->group_key, given_from[i], SYMPTOM_KEY, given[i]);
    }
    char *s = from_generator_url(al->generator_url);
    if (s && symptom_ok(s)) {
        p->symptom = s;
        p->symptom_from = "generatorURL";
        return FL_OK;
    }
    fl_free(s);
    s = from_labels(al);
    if (s && symptom_ok(s)) {
        p->symptom = s;
        p->symptom_from = "labels";
        return FL_OK;
    }
    fl_free(s);
    return FL_ENOTFOUND;
}

static char *dup_title(const char *t)
{
    size_t n = strlen(t);
    return fl_strndup(t, n > TITLE_MAX ? TITLE_MAX : n);
}

void fl_alert_inv_plan_cleanup(struct fl_alert_inv_plan *p)
{
    if (!p)
        return;
    fl_free(p->symptom);
    fl_free(p->title);
    fl_free(p->group_key);
    fl_free(p->common_labels_json);
    memset(p, 0, sizeof *p);
}

fl_err fl_alert_inv_plan(const struct fl_alert_group *g, struct fl_alert_inv_plan *p,
                         struct fl_diag *d)
{
    struct fl_arena a;
    size_t n_firing = 0;
    fl_err e = FL_OK;
    memset(p, 0, sizeof *p);
    p->onset_ms = FL_TS_NONE;
    fl_arena_init(&a, 16 * 1024, PLAN_ARENA_MAX);
    const char *key = g->group && g->group->group_key ? g->group->group_key : "";
    if (!(p->group_key = fl_strdup(key))) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        goto out;
    }
    const char *common = g->group && g->group->common_labels_json ? g->group->common_labels_json
                                                                   : "{}";
    if (!(p->common_labels_json = fl_strdup(common))) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; g->group && g->alerts && i < g->group->n_alerts; i++) {
        const struct fl_event *ev = &g->alerts[i];
        if (!ev->status || strcmp(ev->status, "firing") != 0)
            continue;
        struct alert own;
        if (read_alert(ev->attrs_json, &a, &own) == FL_OK) {
            const char *an = kv_get(own.labels, own.n_labels, "alertname");
            if (an && strcmp(an, FL_ALERT_NOTIFY_ALERTNAME) == 0) {
                e = fl_diag_set(d, FL_ENOTFOUND, 0, 0,
                                "faultline's own report (alertname " FL_ALERT_NOTIFY_ALERTNAME
                                ")");
                goto out;
            }
        }
        n_firing++;
        if (p->onset_ms == FL_TS_NONE || ev->ts_ms < p->onset_ms)
            p->onset_ms = ev->ts_ms;
    }
    if (g->n_new_firing == 0 || g->n_new_firing != n_firing) {
        e = fl_diag_set(d, FL_ENOTFOUND, 0, 0,
                        "not a new firing group (%zu new of %zu firing alerts)", g->n_new_firing,
                        n_firing);
        goto out;
    }
    for (size_t i = 0; e == FL_OK && !p->symptom && i < g->group->n_alerts; i++) {
        const struct fl_event *ev = &g->alerts[i];
        struct alert al;
        if (strcmp(ev->status, "firing") != 0)
            continue;
        if (read_alert(ev->attrs_json, &a, &al) != FL_OK) {
            FL_LOG_W("alert investigation: group %s: alert %s: unreadable attributes", key,
                     ev->id);
            continue;
        }
        e = pick_symptom(&al, p);
        if (e == FL_ENOTFOUND)
            e = FL_OK;
        if (e == FL_OK && p->symptom && !p->title) {
            const char *t = kv_get(al.anns, al.n_anns, "summary");
            if (!t || !t[0])
                t = kv_get(al.labels, al.n_labels, "alertname");
            if (t && t[0] && !(p->title = dup_title(t)))
                e = FL_ENOMEM;
        }
    }
    if (e != FL_OK) {
        e = fl_diag_set(d, e, 0, 0, "out of memory");
        goto out;
    }
    if (!p->symptom)
        e = fl_diag_set(d, FL_ENOTFOUND, 0, 0,
                        "no symptom: no " SYMPTOM_KEY " annotation or label, no series in the "
                        "generatorURL's expression, and no __name__ among the labels");
out:
    fl_arena_cleanup(&a);
    if (e != FL_OK) {
        char *keep = p->group_key;
        p->group_key = NULL;
        fl_alert_inv_plan_cleanup(p);
        fl_free(keep);
    }
    return e;
}

/* ---- running one ---- */

static _Atomic uint64_t total_notified, total_notify_failed;

/* Report a stored investigation back to Alertmanager (alert_notify.h); failures are logged and
 * counted, never returned: the investigation is stored either way. */
static void report_back(const struct fl_config *cfg, const struct fl_alert_inv_plan *p,
                        const struct fl_investigation *inv)
{
    struct fl_buf body;
    struct fl_diag d;
    char tmp[300];
    fl_diag_init(&d);
    fl_buf_init(&body, 1 << 20);
    fl_err e = fl_alert_notify_body(p->common_labels_json, fl_alert_notify_base(cfg, tmp, sizeof tmp),
                                    inv, fl_time_now_ms(), &body);
    if (e != FL_OK)
        fl_diag_set(&d, e, 0, 0, "cannot build the report: %s", fl_err_name(e));
    else
        e = fl_alert_notify_send(&cfg->notify, &body, &d);
    fl_buf_cleanup(&body);
    atomic_fetch_add(e == FL_OK ? &total_notified : &total_notify_failed, 1);
    if (e == FL_OK)
        FL_LOG_I("alert investigation id=%s reported to alertmanager", inv->id);
    else
        FL_LOG_W("alert investigation id=%s not reported to alertmanager: %s", inv->id, d.msg);
}

fl_err fl_alert_inv_run(struct fl_store *s, const struct fl_config *cfg,
                        const struct fl_alert_inv_plan *p, char *id, size_t id_cap,
                        struct fl_diag *d)
{
    struct fl_arena a;
    struct fl_buf json;
    struct fl_inv_request req;
    struct fl_investigation inv;
    memset(&req, 0, sizeof req);
    fl_arena_init(&a, 64 * 1024, INV_ARENA_MAX);
    fl_buf_init(&json, INV_JSON_MAX);
    fl_err e = fl_inv_parse_symptom_arena(p->symptom, &a, &req, d);
    if (e != FL_OK)
        goto out;
    req.now_ms = fl_time_now_ms();
    req.onset_ms = p->onset_ms;
    if (req.onset_ms != FL_TS_NONE && req.onset_ms > req.now_ms)
        req.onset_ms = req.now_ms; /* a clock ahead of ours: the window cannot start later */
    req.title = p->title;
    req.source = "alertmanager";
    if ((e = fl_investigate(s, cfg, &req, &a, &inv, d)) != FL_OK ||
        (e = fl_inv_save(s, &inv, &json, d)) != FL_OK)
        goto out;
    if (id && id_cap)
        snprintf(id, id_cap, "%s", inv.id);
    if (cfg->notify.alertmanager_url)
        report_back(cfg, p, &inv);
out:
    fl_buf_cleanup(&json);
    fl_arena_cleanup(&a);
    return e;
}

/* ---- the worker ---- */

/* Process-wide totals (fl_alert_inv_totals), next to each worker's own counters. */
static _Atomic uint64_t total_opened, total_failed, total_skipped, total_dropped;

void fl_alert_inv_totals(struct fl_alert_inv_stats *out)
{
    out->opened = atomic_load(&total_opened);
    out->failed = atomic_load(&total_failed);
    out->skipped = atomic_load(&total_skipped);
    out->dropped = atomic_load(&total_dropped);
    out->notified = atomic_load(&total_notified);
    out->notify_failed = atomic_load(&total_notify_failed);
}

struct fl_alert_inv {
    struct fl_store *store;
    const struct fl_config *cfg;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* work queued, or stop */
    pthread_cond_t idle_cv; /* queue empty and nothing running */
    struct fl_alert_inv_plan queue[FL_ALERT_INV_QUEUE];
    size_t head, n;
    bool running; /* an investigation is in progress */
    bool stop;
    struct fl_alert_inv_stats stats;
};

static void run_one(struct fl_alert_inv *ai, struct fl_alert_inv_plan *p)
{
    char id[40] = "";
    struct fl_diag d;
    fl_diag_init(&d);
    int64_t t0 = fl_time_now_ms();
    fl_err e = fl_alert_inv_run(ai->store, ai->cfg, p, id, sizeof id, &d);
    pthread_mutex_lock(&ai->mu);
    if (e == FL_OK)
        ai->stats.opened++;
    else
        ai->stats.failed++;
    pthread_mutex_unlock(&ai->mu);
    atomic_fetch_add(e == FL_OK ? &total_opened : &total_failed, 1);
    if (e == FL_OK)
        FL_LOG_I("alert investigation opened id=%s group=%s symptom=\"%s\" from=%s ms=%lld", id,
                 p->group_key, p->symptom, p->symptom_from, (long long)(fl_time_now_ms() - t0));
    else
        FL_LOG_W("alert investigation failed group=%s symptom=\"%s\": %s: %s%s%s", p->group_key,
                 p->symptom, fl_err_name(e), d.field, d.field[0] ? ": " : "", d.msg);
}

static void *worker_main(void *arg)
{
    struct fl_alert_inv *ai = arg;
    pthread_mutex_lock(&ai->mu);
    for (;;) {
        while (!ai->stop && ai->n == 0)
            pthread_cond_wait(&ai->cv, &ai->mu);
        if (ai->stop)
            break;
        struct fl_alert_inv_plan p = ai->queue[ai->head];
        memset(&ai->queue[ai->head], 0, sizeof p);
        ai->head = (ai->head + 1) % FL_ALERT_INV_QUEUE;
        ai->n--;
        ai->running = true;
        pthread_mutex_unlock(&ai->mu);
        run_one(ai, &p);
        fl_alert_inv_plan_cleanup(&p);
        pthread_mutex_lock(&ai->mu);
        ai->running = false;
        if (ai->n == 0)
            pthread_cond_broadcast(&ai->idle_cv);
    }
    pthread_mutex_unlock(&ai->mu);
    return NULL;
}

fl_err fl_alert_inv_start(struct fl_store *s, const struct fl_config *cfg,
                          struct fl_alert_inv **out, struct fl_diag *d)
{
    *out = NULL;
    struct fl_alert_inv *ai = fl_calloc(1, sizeof *ai);
    if (!ai)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    ai->store = s;
    ai->cfg = cfg;
    pthread_mutex_init(&ai->mu, NULL);
    pthread_cond_init(&ai->cv, NULL);
    pthread_cond_init(&ai->idle_cv, NULL);
    int rc = pthread_create(&ai->thread, NULL, worker_main, ai);
    if (rc != 0) {
        pthread_cond_destroy(&ai->idle_cv);
        pthread_cond_destroy(&ai->cv);
        pthread_mutex_destroy(&ai->mu);
        fl_free(ai);
        return fl_diag_set(d, FL_EIO, 0, 0, "cannot start the alert investigation thread: %s",
                           strerror(rc));
    }
    *out = ai;
    return FL_OK;
}

void fl_alert_inv_stop(struct fl_alert_inv *ai)
{
    if (!ai)
        return;
    pthread_mutex_lock(&ai->mu);
    ai->stop = true;
    pthread_cond_signal(&ai->cv);
    pthread_mutex_unlock(&ai->mu);
    pthread_join(ai->thread, NULL);
    if (ai->n)
        FL_LOG_W("alert investigation: %zu queued investigation(s) dropped at shutdown", ai->n);
    for (size_t i = 0; i < ai->n; i++)
        fl_alert_inv_plan_cleanup(&ai->queue[(ai->head + i) % FL_ALERT_INV_QUEUE]);
    pthread_cond_destroy(&ai->idle_cv);
    pthread_cond_destroy(&ai->cv);
    pthread_mutex_destroy(&ai->mu);
    fl_free(ai);
}

bool fl_alert_inv_wait_idle(struct fl_alert_inv *ai, int64_t timeout_ms)
{
    int64_t until = fl_time_now_ms() + timeout_ms;
    struct timespec ts = {(time_t)(until / 1000), (long)(until % 1000) * 1000000L};
    pthread_mutex_lock(&ai->mu);
    int rc = 0;
    while ((ai->n || ai->running) && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&ai->idle_cv, &ai->mu, &ts);
    bool idle = !ai->n && !ai->running;
    pthread_mutex_unlock(&ai->mu);
    return idle;
}

void fl_alert_inv_get_stats(struct fl_alert_inv *ai, struct fl_alert_inv_stats *out)
{
    pthread_mutex_lock(&ai->mu);
    *out = ai->stats;
    pthread_mutex_unlock(&ai->mu);
}

fl_err fl_alert_inv_hook(const struct fl_alert_group *g, void *ud)
{
    struct fl_alert_inv *ai = ud;
    struct fl_alert_inv_plan p;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_alert_inv_plan(g, &p, &d);
    if (e == FL_ENOTFOUND) {
        const char *key = g->group && g->group->group_key ? g->group->group_key : "";
        if (g->n_new_firing)
            FL_LOG_I("alert investigation skipped group=%s: %s", key, d.msg);
        else
            FL_LOG_D("alert investigation skipped group=%s: %s", key, d.msg);
        pthread_mutex_lock(&ai->mu);
        ai->stats.skipped++;
        pthread_mutex_unlock(&ai->mu);
        atomic_fetch_add(&total_skipped, 1);
        return FL_OK;
    }
    if (e != FL_OK)
        return e;
    pthread_mutex_lock(&ai->mu);
    if (ai->stop || ai->n == FL_ALERT_INV_QUEUE) {
        e = ai->stop ? FL_ESHUTDOWN : FL_ELIMIT;
        ai->stats.dropped++;
    } else {
        ai->queue[(ai->head + ai->n) % FL_ALERT_INV_QUEUE] = p;
        ai->n++;
        memset(&p, 0, sizeof p);
        pthread_cond_signal(&ai->cv);
    }
    pthread_mutex_unlock(&ai->mu);
    if (e != FL_OK)
        atomic_fetch_add(&total_dropped, 1);
    if (e != FL_OK)
        FL_LOG_W("alert investigation dropped group=%s symptom=\"%s\": %s", p.group_key,
                 p.symptom, e == FL_ELIMIT ? "queue full" : "shutting down");
    fl_alert_inv_plan_cleanup(&p);
    return e;
}
