/* SPDX-License-Identifier: Apache-2.0 */
/*
 * investigation_read.c: the JSON of an investigation (schema version 1, docs/rca.md) read back
 * into a struct fl_investigation, so that a stored investigation can be rendered again as
 * Markdown or text. The inverse of fl_inv_json; the round trip is a unit test.
 *
 * The document is small and read rarely, so it is read with jansson (a DOM), as the house style
 * allows for small documents. Stored JSON came from fl_inv_json, but the reader still treats it
 * as hostile: every type is checked, every count bounded by the document itself, and a cause's
 * evidence reference out of range is kept as is (the renderers skip it).
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "../core/arena.h"
#include "../core/record.h"
#include "../core/str.h"
#include "../core/time.h"
#include "investigation.h"
#include "report_int.h"

/* The document's own size (at most FL_INV_READ_MAX_BYTES) bounds its strings. */
static const char *get_str(struct fl_report_rd *r, json_t *o, const char *key)
{
    return fl_report__get_str(r, o, key, SIZE_MAX);
}

/* Index of name in the enumeration fn names (1-based), 0 when absent or unknown. */
static int get_enum(struct fl_report_rd *r, json_t *o, const char *key, const char *(*fn)(int))
{
    return fl_report__name_index(get_str(r, o, key), fn, 31);
}

static json_t *get_array(struct fl_report_rd *r, json_t *o, const char *key, size_t *n)
{
    json_t *v = json_object_get(o, key);
    *n = 0;
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_array(v)) {
        fl_report__fail(r, FL_EPARSE, key, "expected an array");
        return NULL;
    }
    *n = json_array_size(v);
    return v;
}

static void *alloc_n(struct fl_report_rd *r, size_t n, size_t size, const char *key)
{
    if (n == 0)
        return NULL;
    void *p = fl_arena_calloc(r->a, n, size);
    if (!p)
        fl_report__fail(r, FL_ENOMEM, key, "out of memory");
    return p;
}

static void window(struct fl_report_rd *r, json_t *w, int64_t *start, int64_t *end, int64_t dflt)
{
    *start = *end = dflt;
    if (!w || json_is_null(w))
        return;
    if (!json_is_object(w)) {
        fl_report__fail(r, FL_EPARSE, "window", "expected an object");
        return;
    }
    *start = fl_report__get_ts(r, w, "start_ms");
    *end = fl_report__get_ts(r, w, "end_ms");
}

static void read_request(struct fl_report_rd *r, json_t *q, struct fl_inv_request *req)
{
    memset(req, 0, sizeof *req);
    req->onset_ms = FL_TS_NONE;
    if (!q || json_is_null(q))
        return;
    if (!json_is_object(q)) {
        fl_report__fail(r, FL_EPARSE, "request", "expected an object");
        return;
    }
    req->kind = get_enum(r, q, "kind", fl_inv_report_symptom_kind_name);
    req->selector = get_str(r, q, "selector");
    req->kpi = get_str(r, q, "kpi");
    req->service = get_str(r, q, "service");
    req->operation = get_str(r, q, "operation");
    req->percentile = fl_report__get_num(r, q, "percentile");
    const char *dir = get_str(r, q, "direction");
    req->direction = dir && !strcmp(dir, "up") ? 1 : dir && !strcmp(dir, "down") ? 2 : 0;
    req->onset_ms = fl_report__get_ts(r, q, "onset_ms");
    window(r, json_object_get(q, "baseline"), &req->baseline_start_ms, &req->baseline_end_ms, 0);
    window(r, json_object_get(q, "incident"), &req->incident_start_ms, &req->incident_end_ms, 0);
    req->title = get_str(r, q, "title");
    req->source = get_str(r, q, "source");
}

static void read_evidence(struct fl_report_rd *r, json_t *o, struct fl_inv_evidence *ev)
{
    ev->kind = get_enum(r, o, "kind", fl_inv_report_kind_name);
    ev->component = get_str(r, o, "component");
    ev->ref = get_str(r, o, "ref");
    ev->text = get_str(r, o, "text");
    ev->baseline = fl_report__get_num(r, o, "baseline");
    ev->incident = fl_report__get_num(r, o, "incident");
    ev->score = fl_report__get_num(r, o, "score");
    ev->ts_ms = fl_report__get_ts(r, o, "ts_ms");
    ev->supports = fl_report__get_bool(r, o, "supports");
}

static void read_step(struct fl_report_rd *r, json_t *o, struct fl_inv_step *st)
{
    size_t n;
    st->name = get_str(r, o, "name");
    st->status = get_enum(r, o, "status", fl_inv_report_status_name);
    st->summary = get_str(r, o, "summary");
    st->elapsed_ms = fl_report__get_num(r, o, "elapsed_ms");
    json_t *ev = get_array(r, o, "evidence", &n);
    st->evidence = alloc_n(r, n, sizeof *st->evidence, "evidence");
    for (size_t k = 0; k < n && st->evidence && r->e == FL_OK; k++) {
        json_t *x = json_array_get(ev, k);
        if (!json_is_object(x)) {
            fl_report__fail(r, FL_EPARSE, "evidence", "expected an object");
            break;
        }
        read_evidence(r, x, &st->evidence[k]);
        st->n_evidence = k + 1;
    }
}

static size_t get_index(struct fl_report_rd *r, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        fl_report__fail(r, FL_EPARSE, key, "expected a non-negative integer");
        return 0;
    }
    return (size_t)json_integer_value(v);
}

static void read_cause(struct fl_report_rd *r, json_t *o, struct fl_inv_cause *c)
{
    size_t n;
    c->component = get_str(r, o, "component");
    c->component_kind = get_str(r, o, "component_kind");
    c->score = fl_report__get_num(r, o, "score");
    c->fault_kind = get_str(r, o, "fault_kind");
    c->fault_kind_why = get_str(r, o, "fault_kind_evidence");
    c->summary = get_str(r, o, "summary");
    json_t *ev = get_array(r, o, "evidence", &n);
    c->evidence = alloc_n(r, n, sizeof *c->evidence, "evidence");
    c->evidence_step = alloc_n(r, n, sizeof *c->evidence_step, "evidence");
    for (size_t k = 0; k < n && c->evidence && c->evidence_step && r->e == FL_OK; k++) {
        json_t *x = json_array_get(ev, k);
        if (!json_is_object(x)) {
            fl_report__fail(r, FL_EPARSE, "evidence", "expected {\"step\":i,\"index\":j}");
            break;
        }
        c->evidence_step[k] = get_index(r, x, "step");
        c->evidence[k] = get_index(r, x, "index");
        c->n_evidence = k + 1;
    }
}

static void read_lists(struct fl_report_rd *r, json_t *root, struct fl_investigation *out)
{
    size_t n;
    json_t *v = get_array(r, root, "steps", &n);
    out->steps = alloc_n(r, n, sizeof *out->steps, "steps");
    for (size_t i = 0; i < n && out->steps && r->e == FL_OK; i++) {
        json_t *x = json_array_get(v, i);
        if (!json_is_object(x)) {
            fl_report__fail(r, FL_EPARSE, "steps", "expected an object");
            break;
        }
        read_step(r, x, &out->steps[i]);
        out->n_steps = i + 1;
    }
    v = get_array(r, root, "causes", &n);
    out->causes = alloc_n(r, n, sizeof *out->causes, "causes");
    for (size_t i = 0; i < n && out->causes && r->e == FL_OK; i++) {
        json_t *x = json_array_get(v, i);
        if (!json_is_object(x)) {
            fl_report__fail(r, FL_EPARSE, "causes", "expected an object");
            break;
        }
        read_cause(r, x, &out->causes[i]);
        out->n_causes = i + 1;
    }
    v = get_array(r, root, "refuted", &n);
    out->refuted = alloc_n(r, n, sizeof *out->refuted, "refuted");
    for (size_t i = 0; i < n && out->refuted && r->e == FL_OK; i++) {
        json_t *x = json_array_get(v, i);
        if (!json_is_object(x)) {
            fl_report__fail(r, FL_EPARSE, "refuted", "expected an object");
            break;
        }
        out->refuted[i].hypothesis = get_str(r, x, "hypothesis");
        out->refuted[i].text = get_str(r, x, "text");
        out->refuted[i].component = get_str(r, x, "component");
        out->n_refuted = i + 1;
    }
}

fl_err fl_inv_from_json(const char *p, size_t len, struct fl_arena *a, struct fl_investigation *out,
                        struct fl_diag *d)
{
    struct fl_report_rd r = {.a = a, .d = d, .e = FL_OK};
    json_error_t jerr;
    memset(out, 0, sizeof *out);
    out->onset_ms = FL_TS_NONE;
    if (!p || !a)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "no input or arena");
    if (len > FL_INV_READ_MAX_BYTES)
        return fl_diag_set(d, FL_ELIMIT, 0, 0, "investigation JSON of %zu bytes exceeds %zu", len,
                           FL_INV_READ_MAX_BYTES);
    json_t *root = json_loadb(p, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return fl_diag_set(d, FL_EPARSE, (unsigned long)jerr.line, (unsigned long)jerr.column,
                           "%s", jerr.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return fl_diag_set(d, FL_EPARSE, 0, 0, "an investigation is a JSON object");
    }
    json_t *ver = json_object_get(root, "schema_version");
    if (!json_is_integer(ver) || json_integer_value(ver) != FL_INV_SCHEMA_VERSION) {
        json_decref(root);
        return fl_diag_set(d, FL_EUNSUPPORTED, 0, 0,
                           "schema_version: expected %d (this faultline reads only that)",
                           FL_INV_SCHEMA_VERSION);
    }
    const char *id = get_str(&r, root, "id");
    if (id)
        snprintf(out->id, sizeof out->id, "%s", id);
    out->created_ms = fl_report__get_ts(&r, root, "created_ms");
    out->symptom = get_str(&r, root, "symptom");
    read_request(&r, json_object_get(root, "request"), &out->req);
    out->onset_ms = fl_report__get_ts(&r, root, "onset_ms");
    out->onset_detected = fl_report__get_bool(&r, root, "onset_detected");
    json_t *w = json_object_get(root, "windows");
    if (w && !json_is_object(w))
        fl_report__fail(&r, FL_EPARSE, "windows", "expected an object");
    window(&r, json_object_get(w, "baseline"), &out->baseline_start_ms, &out->baseline_end_ms,
           FL_TS_NONE);
    window(&r, json_object_get(w, "incident"), &out->incident_start_ms, &out->incident_end_ms,
           FL_TS_NONE);
    out->verdict = get_enum(&r, root, "verdict", fl_inv_report_verdict_name);
    out->verdict_text = get_str(&r, root, "verdict_text");
    read_lists(&r, root, out);
    out->elapsed_ms = fl_report__get_num(&r, root, "elapsed_ms");
    json_decref(root);
    if (r.e != FL_OK) {
        memset(out, 0, sizeof *out);
        out->onset_ms = FL_TS_NONE;
    }
    return r.e;
}
