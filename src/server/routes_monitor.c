/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes_monitor.c: ML monitoring computed on request.
 *
 * POST /api/v1/skew?model=M[&version=V][&start=T][&end=T][&key=COL][&rtol=X][&atol=X]
 *   [&examples=N]: the body is the offline side of a training-serving skew check (CSV or JSON
 *   Lines with a key column, docs/SKEW.md); the served side is the store's inference logs of the
 *   model (version) in the time range. Answers the report as JSON (200), or a 4xx JSON error
 *   naming the line, column or parameter.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/str.h"
#include "../core/time.h"
#include "../ingest/table.h"
#include "../monitor/skew.h"
#include "../store/store.h"
#include "http_int.h"

struct skew_add {
    struct fl_skew *s;
    fl_err e;
};

static int skew_one(const struct fl_inference *r, void *ud)
{
    struct skew_add *x = ud;
    x->e = fl_skew_add(x->s, r);
    return x->e != FL_OK;
}

/* A parameter >= 0 as a double; false (answered 400) when present and malformed. */
static bool num_param(struct fl_http_req *r, const char *name, double *out)
{
    const char *v = fl_http_params_get(&r->params, name);
    if (!v || !*v)
        return true;
    char *end = NULL;
    double x = strtod(v, &end);
    if (!end || *end || end == v || !(x >= 0)) {
        fl_server__error(r, FL_EINVAL, "%s: expected a number >= 0, got \"%.100s\"", name, v);
        return false;
    }
    *out = x;
    return true;
}

void fl_server__h_skew_post(struct fl_http_req *r)
{
    struct fl_skew_opts o;
    struct fl_inference_query q;
    double examples = 3;
    fl_skew_opts_default(&o);
    memset(&q, 0, sizeof q);
    q.start_ms = INT64_MIN;
    q.end_ms = INT64_MAX;
    q.model = fl_http_params_get(&r->params, "model");
    q.version = fl_http_params_get(&r->params, "version");
    const char *key = fl_http_params_get(&r->params, "key");
    if (key && *key)
        o.key = key;
    if (!q.model || !*q.model) {
        fl_server__error(r, FL_EINVAL, "model: required (the served side is its inference logs)");
        return;
    }
    if (q.version && !*q.version)
        q.version = NULL;
    if (!num_param(r, "rtol", &o.rtol) || !num_param(r, "atol", &o.atol) ||
        !num_param(r, "examples", &examples) || !fl_server__time_param(r, "start", NULL, INT64_MIN, &q.start_ms) ||
        !fl_server__time_param(r, "end", NULL, INT64_MAX, &q.end_ms))
        return;
    o.n_examples = examples > 100 ? 100 : (size_t)examples;

    struct fl_table *t = NULL;
    struct fl_table_data *td = NULL;
    struct fl_skew *s = NULL;
    struct fl_skew_report rep;
    struct fl_diag d;
    struct fl_buf b;
    memset(&rep, 0, sizeof rep);
    fl_server__answer_begin(&b, &d);
    const char *ct = fl_server__header(r, "Content-Type");
    struct fl_table_opts to = {FL_TABLE_AUTO, 0, 0, 0};
    if (ct && !strncasecmp(ct, "text/csv", 8))
        to.format = FL_TABLE_CSV;
    else if (ct && (!strncasecmp(ct, "application/x-ndjson", 20) ||
                    !strncasecmp(ct, "application/jsonl", 17)))
        to.format = FL_TABLE_JSONL;
    fl_err e = fl_table_open_mem(r->body.data ? r->body.data : "", r->body.len, "body", &to, &t, &d);
    if (e == FL_OK)
        e = fl_table_load_from(t, &td, &d);
    if (e == FL_OK)
        e = fl_skew_new(&o, td, &s, &d);
    if (e != FL_OK) {
        fl_server__diag_error(r, e, &d);
        goto out;
    }
    struct skew_add x = {s, FL_OK};
    e = fl_store_inferences(r->srv->store, &q, skew_one, &x, &d);
    if (e == FL_OK && x.e != FL_OK)
        e = fl_diag_set(&d, x.e, 0, 0, "%s", fl_err_str(x.e));
    if (e == FL_OK && (e = fl_skew_report(s, &rep)) != FL_OK)
        fl_diag_set(&d, e, 0, 0, "out of memory building the report");
    if (e != FL_OK) {
        fl_server__diag_error(r, e, &d);
        goto out;
    }
    fl_skew_report_json(&rep, &b);
    fl_server__respond(r, 200, "application/json", &b);
out:
    fl_buf_cleanup(&b);
    fl_skew_report_cleanup(&rep);
    fl_skew_free(s);
    fl_table_data_free(td);
    fl_table_free(t);
}
