/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert_notify.h: reporting an investigation opened by an alert back to Alertmanager (issue 5,
 * item 6 "can notify back"; docs/ALERTING.md "Reporting back"). When `notify.alertmanager_url`
 * is configured, each stored alert investigation is posted to Alertmanager's API
 * (POST /api/v2/alerts, the postable-alert array of its OpenAPI spec) as one alert:
 *
 *   labels       the alert group's common labels, with alertname renamed to source_alertname,
 *                plus alertname="FaultlineInvestigation", faultline_verdict (causes, no_symptom,
 *                no_cause, broken_metric) and, when there are causes, faultline_cause (the top one)
 *   annotations  summary (the verdict text), description (symptom, onset, up to 3 causes with
 *                scores and up to 3 refuted hypotheses), faultline_investigation (the id) and
 *                faultline_url (the investigation as Markdown)
 *   generatorURL the investigation's JSON on this faultline
 *   startsAt     now; no endsAt, so Alertmanager resolves it after its resolve_timeout
 *
 * so that Alertmanager routes the finding to the same receivers as the alert, by the same labels
 * (a route on alertname="FaultlineInvestigation" can send it elsewhere). Faultline's own
 * notifications never open investigations (alert_investigate.h), so a route that sends them back
 * to faultline's webhook cannot loop.
 */
#ifndef FL_SERVER_ALERT_NOTIFY_H
#define FL_SERVER_ALERT_NOTIFY_H

#include "../config/config.h"
#include "../core/buf.h"
#include "../core/err.h"
#include "../rca/investigate.h"

#define FL_ALERT_NOTIFY_ALERTNAME "FaultlineInvestigation"

/* The request body: a JSON array with the one alert above. common_labels_json is the group's
 * commonLabels object text ("{}" or NULL when none; non-string values are skipped);
 * base_url is where faultline is reached (no trailing slash needed). now_ms stamps startsAt.
 * Appends to out (check fl_buf_err). FL_EPARSE when common_labels_json is not a JSON object. */
fl_err fl_alert_notify_body(const char *common_labels_json, const char *base_url,
                            const struct fl_investigation *inv, int64_t now_ms,
                            struct fl_buf *out) FL_MUST_CHECK;

/* The base URL for links: notify.external_url, else "http://" + listen. */
const char *fl_alert_notify_base(const struct fl_config *cfg, char *tmp, size_t tmp_cap);

/* POST body to n->alertmanager_url + "/api/v2/alerts" with libcurl. FL_OK on a 2xx answer;
 * FL_EREMOTE with Alertmanager's status and body (first 200 bytes) in the diag; FL_ENET or
 * FL_ETIMEOUT on transport failures; FL_EINVAL when no URL is configured. */
fl_err fl_alert_notify_send(const struct fl_notify_cfg *n, const struct fl_buf *body,
                            struct fl_diag *d) FL_MUST_CHECK;

#endif
