/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_alertmanager.c: libFuzzer target for Alertmanager webhook payloads
 * (src/ingest/alertmanager.c): one payload object or an array of them.
 *
 * Checks beyond "no crash": an accepted input gives one "alert" event per alert with an "am_" id,
 * a component, status firing or resolved, ts >= 0 and end >= ts when set, and attributes that are
 * one valid JSON object; groups tile the events in order and their counts add up; parsing the
 * same input again gives the same ids; a rejected input carries a diagnostic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/record.h"
#include "ingest/alertmanager.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_json_object(const char *s)
{
    struct fl_json j;
    if (!s || s[0] != '{')
        abort();
    fl_json_init(&j, s, strlen(s), NULL);
    if (fl_json_skip(&j) != FL_OK || fl_json_end(&j) != FL_OK)
        abort();
}

static void check_event(const struct fl_event *ev)
{
    if (!ev->id || strncmp(ev->id, "am_", 3) != 0 || strlen(ev->id) != 19)
        abort();
    if (!ev->kind || strcmp(ev->kind, "alert") != 0 || !fl_event_kind_valid(ev->kind))
        abort();
    if (!ev->component || !*ev->component || !ev->message || !ev->status)
        abort();
    bool firing = strcmp(ev->status, "firing") == 0;
    if (!firing && strcmp(ev->status, "resolved") != 0)
        abort();
    if (ev->ts_ms < 0 || (ev->end_ms != FL_TS_NONE && (firing || ev->end_ms < ev->ts_ms)))
        abort();
    check_json_object(ev->attrs_json);
}

static void check_ok(const struct fl_batch *b, const struct fl_am_result *r)
{
    size_t next = 0, firing = 0, resolved = 0;
    if (r->n_alerts != b->n_events)
        abort();
    for (size_t g = 0; g < r->n_groups; g++) {
        const struct fl_am_group *grp = &r->groups[g];
        if (grp->first_event != next || grp->n_firing + grp->n_resolved != grp->n_alerts)
            abort();
        if (strcmp(grp->status, "firing") != 0 && strcmp(grp->status, "resolved") != 0)
            abort();
        if (!grp->receiver || !grp->group_key || !grp->external_url || !grp->version)
            abort();
        check_json_object(grp->group_labels_json);
        check_json_object(grp->common_labels_json);
        check_json_object(grp->common_annotations_json);
        next += grp->n_alerts;
        firing += grp->n_firing;
        resolved += grp->n_resolved;
    }
    if (next != b->n_events || firing != r->n_firing || resolved != r->n_resolved)
        abort();
    for (size_t i = 0; i < b->n_events; i++)
        check_event(&b->events[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_batch b, b2;
    struct fl_am_result r, r2;
    struct fl_diag d;
    if (fl_batch_init(&b, 0) != FL_OK)
        return 0;
    if (fl_batch_init(&b2, 0) != FL_OK) {
        fl_batch_cleanup(&b);
        return 0;
    }
    fl_am_result_init(&r);
    fl_am_result_init(&r2);
    fl_diag_init(&d);
    fl_err e = fl_am_webhook_to_batch((const char *)data, size, NULL, &b, &r, &d);
    if (e == FL_OK) {
        check_ok(&b, &r);
        if (fl_am_webhook_to_batch((const char *)data, size, NULL, &b2, &r2, NULL) != FL_OK ||
            b2.n_events != b.n_events)
            abort();
        for (size_t i = 0; i < b.n_events; i++)
            if (strcmp(b.events[i].id, b2.events[i].id) != 0)
                abort();
    } else if (d.code != e || !d.msg[0]) {
        abort();
    }
    fl_am_result_cleanup(&r);
    fl_am_result_cleanup(&r2);
    fl_batch_cleanup(&b);
    fl_batch_cleanup(&b2);
    return 0;
}
