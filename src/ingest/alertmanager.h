/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alertmanager.h: Prometheus Alertmanager's webhook notification (payload "version": "4") ->
 * one struct fl_event of kind "alert" per alert, plus a summary of each alert group.
 *
 * Spec: prometheus/alertmanager docs/configuration.md (<webhook_config>), notify/webhook/webhook.go
 * (the Message envelope: version, groupKey, truncatedAlerts) and template/template.go (Data and
 * Alert: receiver, status, alerts[], groupLabels, commonLabels, commonAnnotations, externalURL;
 * each alert's status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint).
 * docs/formats/alertmanager.md describes the mapping with examples.
 *
 * Tolerant where Alertmanager's format may grow and strict where a mistake would lose meaning:
 * unknown fields are skipped (newer Alertmanagers and Grafana add some), null means absent, and a
 * known field of the wrong type is an error naming its path ("alerts[2].labels.severity: expected
 * string, got number"). A firing alert's endsAt is Go's zero time (0001-01-01T00:00:00Z): that
 * means "not set".
 *
 * Mapping of one alert: ts = startsAt; end = endsAt when the alert is resolved; status "firing" or
 * "resolved"; component = the first non-empty label of the component list (component, service,
 * job, alertname by default), else "unknown"; message = the summary annotation, else description,
 * else alertname; attributes = {"labels", "annotations", "fingerprint", "generatorURL",
 * "groupKey", "receiver", "externalURL"}. The id is "am_" + 16 hex digits, a hash of the
 * fingerprint and startsAt: Alertmanager's retries and repeat notifications of one alert
 * occurrence map to the same id (the store keeps it once), and its resolved notification replaces
 * the firing record, so the stored event gains its end time.
 */
#ifndef FL_INGEST_ALERTMANAGER_H
#define FL_INGEST_ALERTMANAGER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/record.h"

struct fl_am_opts {
    /* Labels whose first non-empty value names an alert's component, tried in order; NULL =
     * component, service, job, alertname. Borrowed for the duration of the call. */
    const char *const *component_labels;
    size_t n_component_labels;
};

/* One notification (one alert group) as it arrived. Strings live in the batch's arena. */
struct fl_am_group {
    const char *receiver;     /* "" when absent */
    const char *status;       /* "firing" or "resolved" (static storage) */
    const char *group_key;    /* "" when absent */
    const char *external_url; /* "" when absent */
    const char *version;      /* "" when absent; Alertmanager sends "4" */
    /* JSON object texts, keys sorted, "{}" when absent. */
    const char *group_labels_json;
    const char *common_labels_json;
    const char *common_annotations_json;
    uint64_t truncated_alerts; /* alerts Alertmanager left out because of max_alerts */
    size_t first_event;        /* its alerts are batch->events[first_event .. + n_alerts) */
    size_t n_alerts;
    size_t n_firing, n_resolved;
};

/* What a call parsed: the groups in input order and totals. Heap-owned; see _init/_cleanup. */
struct fl_am_result {
    struct fl_am_group *groups;
    size_t n_groups, cap_groups;
    size_t n_alerts, n_firing, n_resolved;
};

void fl_am_result_init(struct fl_am_result *r);
void fl_am_result_cleanup(struct fl_am_result *r);

/*
 * Parse p[0..len): one webhook payload (a JSON object), or a JSON array of payloads (a replay of
 * several notifications). Appends one event per alert to b and one group per payload to res
 * (which must have been initialised). opts may be NULL (defaults).
 *
 * Errors: FL_EPARSE with d->line/column/field on malformed JSON, a missing "alerts" array or
 * startsAt, or a known field of the wrong type; FL_ELIMIT past FL_LIMIT_AM_* or the batch's caps;
 * FL_ENOMEM. On error the input is rejected whole: the caller must reset the batch and the
 * result. An empty body (only whitespace) is FL_EPARSE. Not thread-safe for one batch.
 */
fl_err fl_am_webhook_to_batch(const char *p, size_t len, const struct fl_am_opts *opts,
                              struct fl_batch *b, struct fl_am_result *res,
                              struct fl_diag *d) FL_MUST_CHECK;

/*
 * Alertmanager's fingerprint of a label set (prometheus/common model.LabelSet.Fingerprint):
 * 64-bit FNV-1a over the labels sorted by name, each name and value followed by the byte 0xFF,
 * written as 16 lowercase hex digits into out (cap >= 17). Used when a payload has no
 * fingerprint, so that the id is the one Alertmanager's own fingerprint would give.
 */
void fl_am_fingerprint(const struct fl_label *labels, size_t n_labels, char *out, size_t cap);

/*
 * The event id of an alert occurrence: "am_" + 16 lowercase hex digits of the 64-bit FNV-1a hash
 * of the fingerprint, the byte 0x1F, and startsAt in decimal milliseconds. out cap >= 20. Stable
 * across versions and machines: ids are stored.
 */
void fl_am_event_id(const char *fingerprint, int64_t starts_ms, char *out, size_t cap);

#endif
