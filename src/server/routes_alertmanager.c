/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_alertmanager.c: POST /api/v1/alertmanager, the receiver of Alertmanager's webhook
 * notifications (payload version "4"; src/ingest/alertmanager.h has the mapping), and the hook
 * that hands firing alert groups to the investigation engine (routes_alertmanager.h).
 *
 * A notification is parsed whole into one batch of "alert" events (one per alert), stored in one
 * transaction, and answered 200 only after the commit, with per-group counts; a payload that does
 * not parse is answered 400 naming the field and stores nothing. Alertmanager retries on 5xx and
 * on timeouts, not on 4xx (notify/webhook/webhook.go, notify.Retrier).
 *
 * One event per alert occurrence. An alert's event id is a hash of its fingerprint and startsAt,
 * and the store replaces an event whose id it already holds (src/store/write.c). So retries and
 * repeat notifications rewrite the same event, and the resolved notification replaces the firing
 * record: the event gains its end time and status "resolved". The one order that replacement
 * alone would get wrong, a firing notification arriving after the resolved one (two Alertmanagers
 * of an HA pair each sending, or a late retry), is caught before the write: an incoming firing
 * alert whose event is stored as resolved keeps the stored end and status. The same look-up tells
 * which firing alerts are new (n_new_firing of the hook). Two notifications of one alert racing
 * each other can still interleave between look-up and write; the last write then wins.
 *
 * The hook (fl_server_on_alert_group) is called once per firing group after the commit. NULL by
 * default: until the engine of issue 5 installs itself, alerts are only stored, and are found by
 * GET /api/v1/events?kind=alert. "Notify back" (posting the investigation's result to
 * Alertmanager or a chat) is the engine's job, described in docs/ALERTING.md.
 */
#include "routes_alertmanager.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../config/config.h"
#include "../core/alloc.h"
#include "../core/log.h"
#include "../core/map.h"
#include "../store/store.h"
#include "http_int.h"

/* ---- the hook ---- */

static struct {
    pthread_mutex_t mu;
    fl_alert_group_fn fn; /* NULL: no engine installed */
    void *ud;
} on_alert_group = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL};

void fl_server_on_alert_group(fl_alert_group_fn fn, void *ud)
{
    pthread_mutex_lock(&on_alert_group.mu);
    on_alert_group.fn = fn;
    on_alert_group.ud = fn ? ud : NULL;
    pthread_mutex_unlock(&on_alert_group.mu);
}

/* ---- what the store already holds ---- */

/* What the store holds under one id of the batch. */
struct prior {
    bool found, resolved;
    int64_t end_ms;
};

struct lookup {
    struct fl_map *by_id; /* event id -> struct prior * */
};

static int note_stored(const struct fl_event *e, void *ud)
{
    struct lookup *l = ud;
    struct prior *p = fl_map_get(l->by_id, e->id, strlen(e->id));
    if (p) {
        p->found = true;
        p->resolved = e->status && strcmp(e->status, "resolved") == 0;
        p->end_ms = e->end_ms;
    }
    return 0;
}

/* A (start, component) pair of the batch: an id determines both, so the stored events under the
 * batch's ids are among those of its pairs. */
struct pair_key {
    int64_t ts_ms;
    const char *component;
};

static int cmp_pair(const void *a, const void *b)
{
    const struct pair_key *x = a, *y = b;
    if (x->ts_ms != y->ts_ms)
        return x->ts_ms < y->ts_ms ? -1 : 1;
    return strcmp(x->component, y->component);
}

/* Fill priors[i] for every event i of the batch: one query per distinct (start, component), so
 * a group of many alerts that started at the same evaluation costs one query, not one each. */
static fl_err find_priors(struct fl_store *st, const struct fl_batch *b, struct prior *priors,
                          struct fl_diag *d)
{
    struct lookup l = {fl_map_new(NULL, 0)};
    struct pair_key *keys = fl_calloc(b->n_events, sizeof *keys);
    fl_err e = FL_OK;
    if (!l.by_id || !keys) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < b->n_events; i++) {
        const struct fl_event *ev = &b->events[i];
        if (!fl_map_has(l.by_id, ev->id, strlen(ev->id)) &&
            (e = fl_map_put(l.by_id, ev->id, strlen(ev->id), &priors[i])) != FL_OK) {
            fl_diag_set(d, e, 0, 0, "out of memory");
            goto out;
        }
        keys[i] = (struct pair_key){ev->ts_ms, ev->component};
    }
    qsort(keys, b->n_events, sizeof *keys, cmp_pair);
    for (size_t i = 0; i < b->n_events; i++) {
        if (i && cmp_pair(&keys[i - 1], &keys[i]) == 0)
            continue;
        struct fl_event_query q = {.start_ms = keys[i].ts_ms,
                                   .end_ms = keys[i].ts_ms,
                                   .kind = "alert",
                                   .component = keys[i].component,
                                   .limit = SIZE_MAX};
        if ((e = fl_store_events(st, &q, note_stored, &l, d)) != FL_OK)
            goto out;
    }
    /* events sharing an id (one alert twice in a request) share what the store holds */
    for (size_t i = 0; i < b->n_events; i++)
        priors[i] = *(struct prior *)fl_map_get(l.by_id, b->events[i].id, strlen(b->events[i].id));
out:
    fl_free(keys);
    fl_map_free(l.by_id);
    return e;
}

/*
 * Before the write: a firing alert stored as resolved keeps its stored end and status (a late
 * firing notification must not reopen the occurrence); new_firing[g] counts the firing alerts of
 * group g that the store does not hold.
 */
static fl_err check_prior(struct fl_store *st, struct fl_batch *b, const struct fl_am_result *res,
                          size_t *new_firing, struct fl_diag *d)
{
    if (b->n_events == 0)
        return FL_OK;
    struct prior *priors = fl_calloc(b->n_events, sizeof *priors);
    if (!priors)
        return fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
    fl_err e = find_priors(st, b, priors, d);
    for (size_t g = 0; e == FL_OK && g < res->n_groups; g++) {
        const struct fl_am_group *grp = &res->groups[g];
        for (size_t i = grp->first_event; i < grp->first_event + grp->n_alerts; i++) {
            struct fl_event *ev = &b->events[i];
            if (strcmp(ev->status, "firing") != 0)
                continue;
            if (!priors[i].found) {
                new_firing[g]++;
            } else if (priors[i].resolved) {
                ev->status = "resolved";
                ev->end_ms = priors[i].end_ms;
            }
        }
    }
    fl_free(priors);
    return e;
}

/* ---- the answer ---- */

static void put_group(struct fl_buf *out, const struct fl_am_group *g, size_t new_firing)
{
    fl_buf_puts(out, "{\"group_key\":");
    fl_server__json_str(out, g->group_key);
    fl_buf_puts(out, ",\"receiver\":");
    fl_server__json_str(out, g->receiver);
    fl_buf_puts(out, ",\"status\":");
    fl_server__json_str(out, g->status);
    fl_buf_printf(out,
                  ",\"alerts\":%zu,\"firing\":%zu,\"resolved\":%zu,\"new_firing\":%zu,"
                  "\"truncated_alerts\":%llu}",
                  g->n_alerts, g->n_firing, g->n_resolved, new_firing,
                  (unsigned long long)g->truncated_alerts);
}

static void answer(struct fl_http_req *r, const struct fl_am_result *res, const size_t *new_firing,
                   size_t hook_calls, size_t hook_errors)
{
    struct fl_buf out;
    fl_buf_init(&out, FL_SERVER_RESPONSE_MAX);
    fl_buf_printf(&out,
                  "{\"status\":\"success\",\"data\":{\"alerts\":%zu,\"firing\":%zu,"
                  "\"resolved\":%zu,\"groups\":[",
                  res->n_alerts, res->n_firing, res->n_resolved);
    for (size_t g = 0; g < res->n_groups; g++) {
        if (g)
            fl_buf_putc(&out, ',');
        put_group(&out, &res->groups[g], new_firing[g]);
    }
    fl_buf_printf(&out, "],\"hook_calls\":%zu,\"hook_errors\":%zu}}\n", hook_calls, hook_errors);
    fl_server__answer_json(r, FL_OK, &out, NULL);
}

/* ---- the handler ---- */

/* Hand each firing group to the hook; *calls and *errors count the calls and their failures. */
static void call_hook(const struct fl_batch *b, const struct fl_am_result *res,
                      const size_t *new_firing, size_t *calls, size_t *errors)
{
    pthread_mutex_lock(&on_alert_group.mu);
    fl_alert_group_fn fn = on_alert_group.fn;
    void *ud = on_alert_group.ud;
    pthread_mutex_unlock(&on_alert_group.mu);
    *calls = *errors = 0;
    if (!fn)
        return;
    for (size_t g = 0; g < res->n_groups; g++) {
        const struct fl_am_group *grp = &res->groups[g];
        if (strcmp(grp->status, "firing") != 0)
            continue;
        struct fl_alert_group ag = {.group = grp,
                                    .alerts = grp->n_alerts ? &b->events[grp->first_event] : NULL,
                                    .n_new_firing = new_firing[g]};
        fl_err e = fn(&ag, ud);
        (*calls)++;
        if (e) {
            (*errors)++;
            FL_LOG_W("alertmanager: the alert group hook failed for group %s: %s", grp->group_key,
                     fl_err_str(e));
        }
    }
}

void fl_server__h_alertmanager_post(struct fl_http_req *r)
{
    struct fl_server *s = r->srv;
    struct fl_batch b;
    struct fl_am_result res;
    struct fl_diag d;
    size_t *new_firing = NULL, calls = 0, errors = 0;
    fl_diag_init(&d);
    fl_diag_file(&d, "body");
    fl_am_result_init(&res);
    fl_err e = fl_batch_init(&b, s->cfg->limits.records_per_batch);
    if (e) {
        fl_server__error(r, e, "cannot allocate a batch");
        return;
    }
    /* TODO(#5): the component label list from the configuration (alertmanager.component_labels) */
    e = fl_am_webhook_to_batch(r->body.data ? r->body.data : "", r->body.len, NULL, &b, &res, &d);
    if (e) {
        fl_selfmetrics_rejected(s->metrics, FL_SM_EVENT, e, 1);
        fl_server__diag_error(r, e, &d);
        goto out;
    }
    if (!(new_firing = fl_calloc(res.n_groups ? res.n_groups : 1, sizeof *new_firing))) {
        fl_server__error(r, FL_ENOMEM, "out of memory");
        goto out;
    }
    if ((e = check_prior(s->store, &b, &res, new_firing, &d)) != FL_OK ||
        (e = fl_store_write(s->store, &b, &d)) != FL_OK) {
        FL_LOG_E("alertmanager: store failed: %s", d.msg);
        fl_selfmetrics_rejected(s->metrics, FL_SM_EVENT, e, b.n_events ? b.n_events : 1);
        fl_server__diag_error(r, e, &d);
        goto out;
    }
    fl_selfmetrics_ingested(s->metrics, FL_SM_EVENT, b.n_events);
    call_hook(&b, &res, new_firing, &calls, &errors);
    answer(r, &res, new_firing, calls, errors);
out:
    fl_free(new_firing);
    fl_am_result_cleanup(&res);
    fl_batch_cleanup(&b);
}
