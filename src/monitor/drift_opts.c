/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drift_opts.c: the drift options file (drift.h, fl_drift_opts_load): a small YAML document, or
 * JSON, which YAML 1.2 reads too, with the global options and a `features:` map of per-feature
 * method, threshold, bins, null_rate_threshold and skip. Every error names file:line:col of the
 * offending node and the key path.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/alloc.h"
#include "core/file.h"
#include "core/str.h"
#include "monitor/drift_int.h"
#include "stats/divergence.h"

#define OPTS_MAX_BYTES (1u * 1024 * 1024) /* an options file */
#define OPTS_MAX_FEATURES 100000

struct octx {
    yaml_document_t *doc;
    const char *file;
    struct fl_diag *d;
};

static fl_err bad(struct octx *c, const yaml_node_t *n, const char *path, const char *fmt, ...)
    FL_PRINTF(4, 5);

static fl_err bad(struct octx *c, const yaml_node_t *n, const char *path, const char *fmt, ...)
{
    va_list ap;
    fl_diag_file(c->d, c->file);
    if (path[0])
        fl_diag_field(c->d, "%s", path);
    va_start(ap, fmt);
    fl_err e = fl_diag_vset(c->d, FL_EPARSE, n ? n->start_mark.line + 1 : 0,
                            n ? n->start_mark.column + 1 : 0, fmt, ap);
    va_end(ap);
    return e;
}

/* "a.b" into out (cut at the field capacity). */
static void join(char *out, size_t cap, const char *a, const char *b)
{
    int n = snprintf(out, cap, "%s.%s", a, b);
    if (n < 0)
        out[0] = '\0';
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static fl_err get_double(struct octx *c, const yaml_node_t *n, const char *path, double *out)
{
    const char *s = scalar(n);
    if (!s || !fl_str_to_double(fl_str_c(s), out) || !isfinite(*out))
        return bad(c, n, path, "expected a finite number");
    return FL_OK;
}

static fl_err get_size(struct octx *c, const yaml_node_t *n, const char *path, size_t *out)
{
    const char *s = scalar(n);
    uint64_t v;
    if (!s || !fl_str_to_u64(fl_str_c(s), &v) || v > 10000)
        return bad(c, n, path, "expected a whole number up to 10000");
    *out = (size_t)v;
    return FL_OK;
}

static fl_err get_bool(struct octx *c, const yaml_node_t *n, const char *path, bool *out)
{
    const char *s = scalar(n);
    if (s && !strcmp(s, "true"))
        *out = true;
    else if (s && !strcmp(s, "false"))
        *out = false;
    else
        return bad(c, n, path, "expected true or false");
    return FL_OK;
}

static fl_err get_method(struct octx *c, const yaml_node_t *n, const char *path,
                         enum fl_drift_method *out)
{
    const char *s = scalar(n);
    if (!s || !fl_drift_method_parse(s, out))
        return bad(c, n, path,
                   "unknown method \"%s\" (expected auto, ks, chi2, ztest, mwu, "
                   "wasserstein, psi, js, hellinger or kl)",
                   s ? s : "");
    return FL_OK;
}

static fl_err get_base(struct octx *c, const yaml_node_t *n, const char *path, double *out)
{
    const char *s = scalar(n);
    if (s && !strcmp(s, "e")) {
        *out = FL_DIVERGENCE_NATS;
        return FL_OK;
    }
    fl_err e = get_double(c, n, path, out);
    if (!e && !(*out > 0 && *out != 1))
        return bad(c, n, path, "expected e or a base > 0 other than 1");
    return e;
}

static fl_err feature_entry(struct octx *c, struct fl_drift_opts *o, const char *name,
                            yaml_node_t *v)
{
    char path[FL_DIAG_FIELD_CAP];
    struct fl_drift_feature_opts *f;
    join(path, sizeof path, "features", name);
    if (!name[0])
        return bad(c, v, "features", "empty feature name");
    if (v->type != YAML_MAPPING_NODE)
        return bad(c, v, path,
                   "expected a map of method, threshold, bins, null_rate_threshold, "
                   "skip");
    fl_err e = fl_drift_opts_feature(o, name, &f);
    if (e)
        return e;
    for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
        yaml_node_t *kn = yaml_document_get_node(c->doc, q->key);
        yaml_node_t *vn = yaml_document_get_node(c->doc, q->value);
        const char *k = scalar(kn);
        char sub[FL_DIAG_FIELD_CAP];
        join(sub, sizeof sub, path, k ? k : "?");
        if (!k)
            e = bad(c, kn, path, "expected a key");
        else if (!strcmp(k, "method"))
            e = get_method(c, vn, sub, &f->method);
        else if (!strcmp(k, "threshold"))
            e = get_double(c, vn, sub, &f->threshold);
        else if (!strcmp(k, "bins"))
            e = get_size(c, vn, sub, &f->bins);
        else if (!strcmp(k, "null_rate_threshold"))
            e = get_double(c, vn, sub, &f->null_rate_threshold);
        else if (!strcmp(k, "skip"))
            e = get_bool(c, vn, sub, &f->skip);
        else
            e = bad(c, kn, sub,
                    "unknown key \"%s\" (expected method, threshold, bins, "
                    "null_rate_threshold or skip)",
                    k);
        if (e)
            return e;
    }
    return FL_OK;
}

static fl_err features(struct octx *c, struct fl_drift_opts *o, yaml_node_t *v)
{
    if (v->type != YAML_MAPPING_NODE)
        return bad(c, v, "features", "expected a map from feature name to its options");
    size_t n = 0;
    for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
        yaml_node_t *kn = yaml_document_get_node(c->doc, q->key);
        const char *k = scalar(kn);
        if (!k)
            return bad(c, kn, "features", "expected a feature name");
        if (++n > OPTS_MAX_FEATURES)
            return bad(c, kn, "features", "more than 100000 features");
        fl_err e = feature_entry(c, o, k, yaml_document_get_node(c->doc, q->value));
        if (e)
            return e;
    }
    return FL_OK;
}

static fl_err top_key(struct octx *c, struct fl_drift_opts *o, const char *k, yaml_node_t *kn,
                      yaml_node_t *v)
{
    if (!strcmp(k, "bins"))
        return get_size(c, v, k, &o->bins);
    if (!strcmp(k, "js_base"))
        return get_base(c, v, k, &o->js_base);
    if (!strcmp(k, "drift_share"))
        return get_double(c, v, k, &o->drift_share);
    if (!strcmp(k, "method"))
        return get_method(c, v, k, &o->method);
    if (!strcmp(k, "adaptive"))
        return get_bool(c, v, k, &o->adaptive);
    if (!strcmp(k, "adaptive_sigmas"))
        return get_double(c, v, k, &o->adaptive_sigmas);
    if (!strcmp(k, "null_rate_threshold"))
        return get_double(c, v, k, &o->null_rate_threshold);
    if (!strcmp(k, "null_rate_alpha"))
        return get_double(c, v, k, &o->null_rate_alpha);
    if (!strcmp(k, "new_category_threshold"))
        return get_double(c, v, k, &o->new_category_threshold);
    if (!strcmp(k, "small_reference"))
        return get_size(c, v, k, &o->small_reference);
    if (!strcmp(k, "features"))
        return features(c, o, v);
    return bad(c, kn, k,
               "unknown key \"%s\" (expected bins, js_base, drift_share, method, "
               "adaptive, adaptive_sigmas, null_rate_threshold, null_rate_alpha, "
               "new_category_threshold, small_reference or features)",
               k);
}

static fl_err parse(struct octx *c, struct fl_drift_opts *o, const char *p, size_t len)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    fl_err e = FL_OK;
    if (!yaml_parser_initialize(&parser))
        return FL_ENOMEM;
    yaml_parser_set_input_string(&parser, (const unsigned char *)p, len);
    if (!yaml_parser_load(&parser, &doc)) {
        if (parser.error == YAML_MEMORY_ERROR) {
            e = FL_ENOMEM;
        } else {
            fl_diag_file(c->d, c->file);
            e = fl_diag_set(c->d, FL_EPARSE, parser.problem_mark.line + 1,
                            parser.problem_mark.column + 1, "YAML syntax: %s",
                            parser.problem ? parser.problem : "error");
        }
        yaml_parser_delete(&parser);
        return e;
    }
    c->doc = &doc;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && root->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *q = root->data.mapping.pairs.start;
             q < root->data.mapping.pairs.top && !e; q++) {
            yaml_node_t *kn = yaml_document_get_node(&doc, q->key);
            const char *k = scalar(kn);
            e = k ? top_key(c, o, k, kn, yaml_document_get_node(&doc, q->value))
                  : bad(c, kn, "", "expected a key");
        }
    } else if (root && !(root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0)) {
        e = bad(c, root, "", "expected a map of options");
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return e;
}

fl_err fl_drift_opts_load(struct fl_drift_opts *o, const char *path, struct fl_diag *d)
{
    struct fl_buf b;
    fl_buf_init(&b, OPTS_MAX_BYTES + 1);
    fl_err e = fl_file_read(path, OPTS_MAX_BYTES, &b, d);
    if (e == FL_ELIMIT) {
        fl_diag_file(d, path);
        fl_diag_set(d, e, 0, 0, "options file larger than %u bytes", OPTS_MAX_BYTES);
    }
    if (!e) {
        struct octx c = {NULL, path, d};
        e = parse(&c, o, b.data ? b.data : "", b.len);
    }
    if (!e && (e = fl_drift_opts_check(o, d)) != FL_OK) {
        fl_diag_file(d, path);
        e = FL_EPARSE;
        if (d)
            d->code = FL_EPARSE;
    }
    fl_buf_cleanup(&b);
    return e;
}
