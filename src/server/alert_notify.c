/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert_notify.c: an alert investigation reported back to Alertmanager as one alert
 * (alert_notify.h has the shape and the reasons).
 */
#include "alert_notify.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../core/time.h"

#define NOTIFY_MAX_CAUSES 3
#define NOTIFY_MAX_REFUTED 3
#define NOTIFY_ANSWER_BYTES 4096

static void kv(struct fl_buf *b, bool *first, const char *k, const char *v)
{
    if (!v)
        return;
    fl_buf_puts(b, *first ? "" : ",");
    *first = false;
    fl_buf_put_json_str(b, k, strlen(k));
    fl_buf_putc(b, ':');
    fl_buf_put_json_str(b, v, strlen(v));
}

/* The description annotation: symptom, onset, causes, refuted hypotheses (one line each). */
static void description(const struct fl_investigation *inv, struct fl_buf *t)
{
    char when[40];
    fl_time_fmt_rfc3339_ms(inv->onset_ms, when, sizeof when);
    fl_buf_printf(t, "Symptom %s, onset %s%s.", inv->symptom ? inv->symptom : "-", when,
                  inv->onset_detected ? " (detected)" : "");
    for (size_t i = 0; i < inv->n_causes && i < NOTIFY_MAX_CAUSES; i++)
        fl_buf_printf(t, "\n%zu. %s (score %.2f): %s", i + 1,
                      inv->causes[i].component ? inv->causes[i].component : "-",
                      inv->causes[i].score,
                      inv->causes[i].summary ? inv->causes[i].summary : "");
    for (size_t i = 0; i < inv->n_refuted && i < NOTIFY_MAX_REFUTED; i++)
        fl_buf_printf(t, "\nRefuted: %s: %s", inv->refuted[i].hypothesis,
                      inv->refuted[i].text ? inv->refuted[i].text : "");
}

fl_err fl_alert_notify_body(const char *common_labels_json, const char *base_url,
                            const struct fl_investigation *inv, int64_t now_ms,
                            struct fl_buf *out)
{
    json_t *common = NULL;
    if (common_labels_json && *common_labels_json) {
        common = json_loads(common_labels_json, 0, NULL);
        if (!json_is_object(common)) {
            json_decref(common);
            return FL_EPARSE;
        }
    }
    size_t blen = base_url ? strlen(base_url) : 0;
    while (blen && base_url[blen - 1] == '/')
        blen--;
    struct fl_buf t;
    fl_buf_init(&t, 1 << 20);
    bool first = true;
    fl_buf_puts(out, "[{\"labels\":{");
    const char *k;
    json_t *v;
    json_object_foreach(common, k, v)
    {
        const char *s = json_string_value(v);
        if (!s || !strcmp(k, "faultline_verdict") || !strcmp(k, "faultline_cause") ||
            !strcmp(k, "source_alertname"))
            continue;
        kv(out, &first, strcmp(k, "alertname") == 0 ? "source_alertname" : k, s);
    }
    kv(out, &first, "alertname", FL_ALERT_NOTIFY_ALERTNAME);
    kv(out, &first, "faultline_verdict", fl_inv_verdict_name(inv->verdict));
    if (inv->verdict == FL_INV_CAUSES && inv->n_causes && inv->causes[0].component)
        kv(out, &first, "faultline_cause", inv->causes[0].component);
    fl_buf_puts(out, "},\"annotations\":{");
    first = true;
    fl_buf_printf(&t, "faultline: %s", inv->verdict_text ? inv->verdict_text : "");
    kv(out, &first, "summary", t.data);
    fl_buf_reset(&t);
    description(inv, &t);
    kv(out, &first, "description", t.data);
    kv(out, &first, "faultline_investigation", inv->id);
    fl_buf_reset(&t);
    fl_buf_printf(&t, "%.*s/api/v1/investigations/%s?format=markdown", (int)blen,
                  base_url ? base_url : "", inv->id);
    kv(out, &first, "faultline_url", t.data);
    fl_buf_puts(out, "},\"generatorURL\":");
    fl_buf_reset(&t);
    fl_buf_printf(&t, "%.*s/api/v1/investigations/%s", (int)blen, base_url ? base_url : "",
                  inv->id);
    fl_buf_put_json_str(out, t.data, t.len);
    char when[40];
    fl_time_fmt_rfc3339_ms(now_ms, when, sizeof when);
    fl_buf_printf(out, ",\"startsAt\":\"%s\"}]", when);
    fl_err e = fl_buf_err(&t);
    fl_buf_cleanup(&t);
    json_decref(common);
    return e != FL_OK ? e : fl_buf_err(out);
}

const char *fl_alert_notify_base(const struct fl_config *cfg, char *tmp, size_t tmp_cap)
{
    if (cfg->notify.external_url)
        return cfg->notify.external_url;
    snprintf(tmp, tmp_cap, "http://%s", cfg->listen ? cfg->listen : "127.0.0.1:9470");
    return tmp;
}

/* ---- transport ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_answer(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct fl_buf *b = ud;
    size_t n = size * nmemb;
    if (b->len < NOTIFY_ANSWER_BYTES)
        fl_buf_append(b, ptr, n < NOTIFY_ANSWER_BYTES - b->len ? n : NOTIFY_ANSWER_BYTES - b->len);
    return n;
}

fl_err fl_alert_notify_send(const struct fl_notify_cfg *n, const struct fl_buf *body,
                            struct fl_diag *d)
{
    if (!n->alertmanager_url)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "notify.alertmanager_url is not configured");
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return fl_diag_set(d, FL_ENET, 0, 0, "libcurl: %s", curl_easy_strerror(curl_init_rc));
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = NULL;
    struct fl_buf ans, url, auth;
    fl_buf_init(&ans, NOTIFY_ANSWER_BYTES + 1);
    fl_buf_init(&url, 8192);
    fl_buf_init(&auth, 8192);
    fl_err e = FL_OK;
    size_t ul = strlen(n->alertmanager_url);
    while (ul && n->alertmanager_url[ul - 1] == '/')
        ul--;
    fl_buf_printf(&url, "%.*s/api/v2/alerts", (int)ul, n->alertmanager_url);
    if (n->bearer_token)
        fl_buf_printf(&auth, "Authorization: Bearer %s", n->bearer_token);
    hdr = curl_slist_append(NULL, "Content-Type: application/json");
    if (hdr && n->bearer_token && auth.data) {
        struct curl_slist *h2 = curl_slist_append(hdr, auth.data);
        if (!h2)
            e = FL_ENOMEM;
        else
            hdr = h2;
    }
    if (!h || !hdr || fl_buf_err(&url) || fl_buf_err(&auth) || !body->data) {
        e = fl_diag_set(d, FL_ENOMEM, 0, 0, "out of memory");
        goto out;
    }
    if (e != FL_OK)
        goto out;
    curl_easy_setopt(h, CURLOPT_URL, url.data);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->data);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(n->timeout_ms > 0 ? n->timeout_ms : 10000));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "faultline");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_answer);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &ans);
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        e = fl_diag_set(d, rc == CURLE_OPERATION_TIMEDOUT ? FL_ETIMEOUT : FL_ENET, 0, 0,
                        "alertmanager %.*s: %s", (int)ul, n->alertmanager_url,
                        curl_easy_strerror(rc));
        goto out;
    }
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (code < 200 || code > 299)
        e = fl_diag_set(d, FL_EREMOTE, 0, 0, "alertmanager %.*s answered %ld: %.200s", (int)ul,
                        n->alertmanager_url, code, ans.data ? ans.data : "");
out:
    curl_slist_free_all(hdr);
    if (h)
        curl_easy_cleanup(h);
    fl_buf_cleanup(&ans);
    fl_buf_cleanup(&url);
    fl_buf_cleanup(&auth);
    return e;
}
