/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_alertmanager.h: the hook through which POST /api/v1/alertmanager (Alertmanager's webhook
 * receiver, routes_alertmanager.c) hands each firing alert group to whoever opens investigations.
 *
 * The investigation engine (issue 5) is not part of the server: the server knows nothing of it
 * (dependencies point server -> rca, never back through a header), so whoever wires the process
 * together (`faultline serve`) installs the engine's entry point here. Until then the hook is
 * NULL and the receiver only stores the alerts.
 */
#ifndef FL_SERVER_ROUTES_ALERTMANAGER_H
#define FL_SERVER_ROUTES_ALERTMANAGER_H

#include <stddef.h>

#include "../core/err.h"
#include "../core/record.h"
#include "../ingest/alertmanager.h"

/* One firing alert group whose alerts have just been committed to the store. */
struct fl_alert_group {
    const struct fl_am_group *group; /* the notification's envelope: receiver, status ("firing"),
                                        groupKey, group/common labels as JSON, counts */
    const struct fl_event *alerts;   /* its alerts as stored (kind "alert"), group->n_alerts */
    /* Firing alerts of the group that the store did not hold before this notification. 0 on
     * Alertmanager's repeat notifications (repeat_interval) and retries: an engine that opens one
     * investigation per new alert occurrence can skip those. */
    size_t n_new_firing;
};

/*
 * Called once per firing group of a notification, after the whole request was committed, on the
 * HTTP thread that serves Alertmanager, before it is answered. g and everything it points to is
 * valid only during the call (copy what you keep). It must not block: queue the investigation and
 * return; Alertmanager waits for the answer, and retries (re-sending the group) when it times
 * out. A non-FL_OK return is logged and reported in the answer's "hook_errors"; the alerts stay
 * stored and the answer stays 200, because a retry by Alertmanager would not help an engine that
 * failed in-process. May be called from several threads at once.
 */
typedef fl_err (*fl_alert_group_fn)(const struct fl_alert_group *g, void *ud);

/*
 * Install the hook (fn NULL: remove it). Process-wide (one engine per process), thread-safe:
 * a request in flight uses the hook it read when it started calling hooks. ud is borrowed and
 * must outlive its installation and any call in flight (remove the hook, then stop the server,
 * then free ud).
 */
void fl_server_on_alert_group(fl_alert_group_fn fn, void *ud);

#endif
