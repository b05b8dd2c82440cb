/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drift_opts.c: the drift options file (drift.h, fl_drift_opts_parse and fl_drift_opts_load): a
 * small YAML document, or JSON, which YAML 1.2 reads too, with the global options and a
 * `features:` map of per-feature method, threshold, bins, null_rate_threshold and skip.
 *
 * The libyaml plumbing is core/yaml_doc.h's, as for the other YAML readers: the size cap, then a
 * constant-memory pass (syntax, one document, at most FL_LIMIT_DRIFT_OPTS_NODES nodes), then the
 * document tree, walked with the key path so that every error names file:line:col of the offending
 * node and the path ("features.amount.bins"). The walk counts the nodes it visits: an anchored
 * feature map aliased by thousands of features (or a `features:` key repeated with an alias) would
 * otherwise cost a walk quadratic in the file's size.
 *
 * The file is read into a copy of the options, which replaces them only when the whole file is
 * good, so a rejected file leaves them as they were.
 */
#include <math.h>
#include <string.h>
#include <yaml.h>

#include "core/alloc.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/str.h"
#include "core/yaml_doc.h"
#include "monitor/drift_int.h"
#include "stats/divergence.h"

/*
 * Caps. FL_LIMIT_DRIFT_OPTS_NODES (core/limits.h) is 1 MiB / 4: an options file spends at least
 * 4 bytes a node ("bins: 1\n", "  f12: {}\n", JSON's "\"bins\":1,"), so a real one stays under it,
 * while padding such as "[a,a,a,...]" (2 bytes a node) is refused at half of what 1 MiB holds.
 * libyaml's tree of a file at the cap takes about 60 MB. The walk may visit twice the cap, each
 * use of an alias counting again (an alias-free file visits each node once).
 */
#define OPTS_MAX_BYTES (1u * 1024 * 1024) /* an options file */
#define OPTS_MAX_FEATURES 100000
#define OPTS_MAX_VISITS (2 * (size_t)FL_LIMIT_DRIFT_OPTS_NODES)

/* How the options file is read (core/yaml_doc.h): the configuration reader's wording. */
static const struct fl_yaml_rules rules = {
    .what = "a drift options file",
    .code = FL_EPARSE,
    .max_bytes = OPTS_MAX_BYTES,
    .max_nodes = FL_LIMIT_DRIFT_OPTS_NODES,
};

/*
 * A scalar's value as a C string, after fl_yaml_scalar has checked that n is one. Like the reader
 * before it, this reads a value only up to a NUL byte (a double-quoted "\0").
 */
static const char *text(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* The errors below are at n, with w->path (the key being read) as the field. */

static fl_err get_double(struct fl_yaml_walk *w, const yaml_node_t *n, double *out)
{
    fl_err e = fl_yaml_scalar(w, n, "a finite number", NULL);
    double v;
    if (e)
        return e;
    if (!fl_str_to_double(fl_str_c(text(n)), &v) || !isfinite(v))
        return fl_yaml_node_err(w, n, "expected a finite number");
    *out = v;
    return FL_OK;
}

static fl_err get_size(struct fl_yaml_walk *w, const yaml_node_t *n, size_t *out)
{
    fl_err e = fl_yaml_scalar(w, n, "a whole number up to 10000", NULL);
    uint64_t v;
    if (e)
        return e;
    if (!fl_str_to_u64(fl_str_c(text(n)), &v) || v > 10000)
        return fl_yaml_node_err(w, n, "expected a whole number up to 10000");
    *out = (size_t)v;
    return FL_OK;
}

/* Only the lower-case words, as before the shared reader (fl_yaml_bool_word would take True). */
static fl_err get_bool(struct fl_yaml_walk *w, const yaml_node_t *n, bool *out)
{
    fl_err e = fl_yaml_scalar(w, n, "true or false", NULL);
    if (e)
        return e;
    if (!strcmp(text(n), "true"))
        *out = true;
    else if (!strcmp(text(n), "false"))
        *out = false;
    else
        return fl_yaml_node_err(w, n, "expected true or false");
    return FL_OK;
}

static fl_err get_method(struct fl_yaml_walk *w, const yaml_node_t *n, enum fl_drift_method *out)
{
    fl_err e = fl_yaml_scalar(w, n, "a method", NULL);
    if (e)
        return e;
    if (!fl_drift_method_parse(text(n), out))
        return fl_yaml_node_err(w, n,
                                "unknown method \"%s\" (expected auto, ks, chi2, ztest, mwu, "
                                "wasserstein, psi, js, hellinger or kl)",
                                text(n));
    return FL_OK;
}

static fl_err get_base(struct fl_yaml_walk *w, const yaml_node_t *n, double *out)
{
    double v;
    if (n->type == YAML_SCALAR_NODE && !strcmp(text(n), "e")) {
        *out = FL_DIVERGENCE_NATS;
        return FL_OK;
    }
    fl_err e = get_double(w, n, &v);
    if (e)
        return e;
    if (!(v > 0 && v != 1))
        return fl_yaml_node_err(w, n, "expected e or a base > 0 other than 1");
    *out = v;
    return FL_OK;
}

/* The next pair of mapping n: key and value node, each counted as visited. */
static fl_err pair_at(struct fl_yaml_walk *w, const yaml_node_t *n, const yaml_node_pair_t *q,
                      yaml_node_t **k, yaml_node_t **v)
{
    fl_err e;
    *k = yaml_document_get_node(w->doc, q->key);
    *v = yaml_document_get_node(w->doc, q->value);
    if (!*k || !*v)
        return fl_yaml_node_err(w, n, "malformed mapping");
    if ((e = fl_yaml_visit(w, *k)) != FL_OK || (e = fl_yaml_visit(w, *v)) != FL_OK)
        return e;
    return FL_OK;
}

/* One key of a feature's map, with w->path at the key. */
static fl_err feature_key(struct fl_yaml_walk *w, struct fl_drift_feature_opts *f, const char *k,
                          const yaml_node_t *kn, const yaml_node_t *v)
{
    if (!strcmp(k, "method"))
        return get_method(w, v, &f->method);
    if (!strcmp(k, "threshold"))
        return get_double(w, v, &f->threshold);
    if (!strcmp(k, "bins"))
        return get_size(w, v, &f->bins);
    if (!strcmp(k, "null_rate_threshold"))
        return get_double(w, v, &f->null_rate_threshold);
    if (!strcmp(k, "skip"))
        return get_bool(w, v, &f->skip);
    return fl_yaml_node_err(w, kn,
                            "unknown key \"%s\" (expected method, threshold, bins, "
                            "null_rate_threshold or skip)",
                            k);
}

/* features.<name>: a map of the feature's keys, with w->path at the feature. */
static fl_err feature_map(struct fl_yaml_walk *w, struct fl_drift_opts *o, const char *name,
                          const yaml_node_t *v)
{
    struct fl_drift_feature_opts *f;
    fl_err e;
    if (v->type != YAML_MAPPING_NODE)
        return fl_yaml_node_err(w, v,
                                "expected a map of method, threshold, bins, null_rate_threshold, "
                                "skip");
    if ((e = fl_drift_opts_feature(o, name, &f)) != FL_OK)
        return e;
    for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
        yaml_node_t *kn, *vn;
        if ((e = pair_at(w, v, q, &kn, &vn)) != FL_OK ||
            (e = fl_yaml_scalar(w, kn, "a key", NULL)) != FL_OK)
            return e;
        size_t old = fl_yaml_path_key(w, text(kn));
        e = feature_key(w, f, text(kn), kn, vn);
        fl_yaml_path_pop(w, old);
        if (e)
            return e;
    }
    return FL_OK;
}

/* features: a map from feature name to its options, with w->path at "features". */
static fl_err features(struct fl_yaml_walk *w, struct fl_drift_opts *o, const yaml_node_t *v)
{
    fl_err e;
    size_t n = 0;
    if (v->type != YAML_MAPPING_NODE)
        return fl_yaml_node_err(w, v, "expected a map from feature name to its options");
    for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
        yaml_node_t *kn, *vn;
        if ((e = pair_at(w, v, q, &kn, &vn)) != FL_OK ||
            (e = fl_yaml_scalar(w, kn, "a feature name", NULL)) != FL_OK)
            return e;
        if (++n > OPTS_MAX_FEATURES)
            return fl_yaml_node_err(w, kn, "more than 100000 features");
        const char *name = text(kn);
        if (!name[0])
            return fl_yaml_node_err(w, vn, "empty feature name");
        size_t old = fl_yaml_path_key(w, name);
        e = feature_map(w, o, name, vn);
        fl_yaml_path_pop(w, old);
        if (e)
            return e;
    }
    return FL_OK;
}

/* One key of the root map, with w->path at the key. */
static fl_err top_key(struct fl_yaml_walk *w, struct fl_drift_opts *o, const char *k,
                      const yaml_node_t *kn, const yaml_node_t *v)
{
    if (!strcmp(k, "bins"))
        return get_size(w, v, &o->bins);
    if (!strcmp(k, "js_base"))
        return get_base(w, v, &o->js_base);
    if (!strcmp(k, "drift_share"))
        return get_double(w, v, &o->drift_share);
    if (!strcmp(k, "method"))
        return get_method(w, v, &o->method);
    if (!strcmp(k, "adaptive"))
        return get_bool(w, v, &o->adaptive);
    if (!strcmp(k, "adaptive_sigmas"))
        return get_double(w, v, &o->adaptive_sigmas);
    if (!strcmp(k, "null_rate_threshold"))
        return get_double(w, v, &o->null_rate_threshold);
    if (!strcmp(k, "null_rate_alpha"))
        return get_double(w, v, &o->null_rate_alpha);
    if (!strcmp(k, "new_category_threshold"))
        return get_double(w, v, &o->new_category_threshold);
    if (!strcmp(k, "small_reference"))
        return get_size(w, v, &o->small_reference);
    if (!strcmp(k, "features"))
        return features(w, o, v);
    return fl_yaml_node_err(w, kn,
                            "unknown key \"%s\" (expected bins, js_base, drift_share, method, "
                            "adaptive, adaptive_sigmas, null_rate_threshold, null_rate_alpha, "
                            "new_category_threshold, small_reference or features)",
                            k);
}

/* The document: nothing (an empty file, or an empty scalar) or a map of options. */
static fl_err walk_root(struct fl_yaml_walk *w, struct fl_drift_opts *o, const yaml_node_t *root)
{
    fl_err e;
    if (!root || (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0))
        return FL_OK;
    if (root->type != YAML_MAPPING_NODE)
        return fl_yaml_node_err(w, root, "expected a map of options");
    if ((e = fl_yaml_visit(w, root)) != FL_OK)
        return e;
    for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < root->data.mapping.pairs.top;
         q++) {
        yaml_node_t *kn, *v;
        if ((e = pair_at(w, root, q, &kn, &v)) != FL_OK ||
            (e = fl_yaml_scalar(w, kn, "a key", NULL)) != FL_OK)
            return e;
        size_t old = fl_yaml_path_key(w, text(kn));
        e = top_key(w, o, text(kn), kn, v);
        fl_yaml_path_pop(w, old);
        if (e)
            return e;
    }
    return FL_OK;
}

/* A diagnostic is one line, as the walk's are: a feature "a\nb" quoted by fl_drift_opts_check. */
static void one_line(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

/* dst = src with its own copy of the features; FL_ENOMEM leaves dst empty (nothing to free). */
static fl_err opts_copy(struct fl_drift_opts *dst, const struct fl_drift_opts *src)
{
    *dst = *src;
    dst->features = NULL;
    dst->by_name = NULL;
    dst->n_features = dst->cap_features = 0;
    for (size_t i = 0; i < src->n_features; i++) {
        struct fl_drift_feature_opts *f;
        fl_err e = fl_drift_opts_feature(dst, src->features[i].feature, &f);
        if (e != FL_OK) {
            fl_drift_opts_cleanup(dst);
            return e;
        }
        char *name = f->feature;
        *f = src->features[i];
        f->feature = name;
    }
    return FL_OK;
}

fl_err fl_drift_opts_parse(struct fl_drift_opts *o, const char *p, size_t len, const char *name,
                           struct fl_diag *d)
{
    struct fl_drift_opts t;
    yaml_document_t doc;
    bool have_doc = false, have_t = false;
    fl_err e;

    if (!o || (!p && len))
        return FL_EINVAL;
    if (!p)
        p = "";
    if (!name)
        name = "drift options";
    if ((e = fl_yaml_check(p, len, &rules, name, d)) != FL_OK)
        return e;
    if ((e = fl_yaml_load(p, len, &rules, name, &doc, d)) != FL_OK)
        return e;
    have_doc = true;
    if ((e = opts_copy(&t, o)) != FL_OK)
        goto out;
    have_t = true;
    struct fl_yaml_walk w = {
        .doc = &doc, .d = d, .file = name, .code = FL_EPARSE, .max_visits = OPTS_MAX_VISITS};
    if ((e = walk_root(&w, &t, yaml_document_get_root_node(&doc))) != FL_OK)
        goto out;
    /* Values each key reads well but the options reject together (bins: 1, a p-value over 1) are
     * errors of the file too. */
    if ((e = fl_drift_opts_check(&t, d)) != FL_OK) {
        fl_diag_file(d, name);
        if (d && d->code == e) {
            d->code = FL_EPARSE;
            one_line(d->msg);
        }
        e = FL_EPARSE;
        goto out;
    }
    fl_drift_opts_cleanup(o);
    *o = t;
    have_t = false;
out:
    if (have_t)
        fl_drift_opts_cleanup(&t);
    if (have_doc)
        yaml_document_delete(&doc);
    return e;
}

fl_err fl_drift_opts_load(struct fl_drift_opts *o, const char *path, struct fl_diag *d)
{
    struct fl_buf b;
    fl_buf_init(&b, OPTS_MAX_BYTES + 1);
    fl_err e = fl_file_read(path, OPTS_MAX_BYTES, &b, d);
    if (!e)
        e = fl_drift_opts_parse(o, b.data ? b.data : "", b.len, path, d);
    fl_buf_cleanup(&b);
    return e;
}
