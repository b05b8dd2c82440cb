/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c: faultline.yml -> struct fl_config, with libyaml's document API.
 *
 * The walk is table-driven: each mapping has a table of known keys and a handler per key, so an
 * unknown key, a duplicate key or a wrong type is reported with the file, the node's line and
 * column (1-based) and the key path: `faultline.yml:12:7: scrape_configs[0].scrape_interval:
 * expected a duration like 15s`. The key tables double as the list checked against
 * docs/CONFIG.md by the unit tests (fl_config__keys).
 *
 * Hostile input: the file size is capped; a first pass with libyaml's event API counts the nodes
 * (and refuses a second document) before the document API builds the tree, so a flat file of
 * millions of one-letter scalars cannot make libyaml allocate hundreds of megabytes; every list
 * is capped; and the walk counts the nodes it visits, so that nested aliases ("billion laughs")
 * cannot blow up: libyaml shares an aliased node rather than copying it, but the walk visits it
 * again at each use. The caps are FL_CONFIG_MAX_* in config_int.h; the first pass, the load and
 * the node errors are core/yaml_doc.h's, shared with the other YAML readers.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config_int.h"
#include "core/alloc.h"
#include "core/file.h"
#include "core/log.h"
#include "core/time.h"
#include "core/yaml_doc.h"

/* The walk over the document; the key handlers of config_keys.inc take it as `struct ctx *c`. */
struct ctx {
    struct fl_yaml_walk w;
};

/* ---- diagnostics and paths: the names config_keys.inc uses, over core/yaml_doc.h ---- */

#define node_err(c, ...) fl_yaml_node_err(&(c)->w, __VA_ARGS__)

/* Append ".key" or "[i]" to the path; returns the old length to restore with path_pop. */
static size_t path_key(struct ctx *c, const char *key)
{
    return fl_yaml_path_key(&c->w, key);
}

static size_t path_index(struct ctx *c, size_t i)
{
    return fl_yaml_path_index(&c->w, i);
}

static void path_pop(struct ctx *c, size_t old)
{
    fl_yaml_path_pop(&c->w, old);
}

static yaml_node_t *node_at(struct ctx *c, int id)
{
    return yaml_document_get_node(c->w.doc, id);
}

static const char *type_name(const yaml_node_t *n)
{
    return fl_yaml_kind(n);
}

/* ---- scalars ---- */

static fl_err want_scalar(struct ctx *c, const yaml_node_t *n, const char *what)
{
    return fl_yaml_scalar(&c->w, n, what, NULL);
}

static int is_null_scalar(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    const char *v = (const char *)n->data.scalar.value;
    return !strcmp(v, "") || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
           !strcmp(v, "NULL");
}

static fl_err get_string(struct ctx *c, const yaml_node_t *n, char **out)
{
    return fl_yaml_strdup(&c->w, n, out);
}

static fl_err get_nonempty(struct ctx *c, const yaml_node_t *n, char **out)
{
    fl_err e = get_string(c, n, out);
    if (!e && **out == '\0')
        return node_err(c, n, "must not be empty");
    return e;
}

static fl_err get_duration(struct ctx *c, const yaml_node_t *n, int64_t *ms)
{
    fl_err e = want_scalar(c, n, "a duration like 15s");
    if (e)
        return e;
    struct fl_str s = {(const char *)n->data.scalar.value, n->data.scalar.length};
    if (fl_duration_parse(s, ms, NULL) != FL_OK || *ms <= 0)
        return node_err(c, n, "expected a duration like 15s, got \"%.*s\"", (int)s.len, s.p);
    return FL_OK;
}

static fl_err get_bool(struct ctx *c, const yaml_node_t *n, int *out)
{
    fl_err e = want_scalar(c, n, "true or false");
    if (e)
        return e;
    const char *v = (const char *)n->data.scalar.value;
    bool b;
    /* The value up to a NUL byte, as the message shows it: "true\0x" reads as true here. */
    if (!fl_yaml_bool_word(v, strlen(v), &b))
        return node_err(c, n, "expected true or false, got \"%s\"", v);
    *out = b;
    return FL_OK;
}

static fl_err get_uint(struct ctx *c, const yaml_node_t *n, uint64_t min, uint64_t max,
                       uint64_t *out)
{
    fl_err e = want_scalar(c, n, "a whole number");
    if (e)
        return e;
    struct fl_str s = {(const char *)n->data.scalar.value, n->data.scalar.length};
    if (!fl_str_to_u64(s, out) || *out < min || *out > max)
        return node_err(c, n, "expected a whole number from %llu to %llu, got \"%.*s\"",
                        (unsigned long long)min, (unsigned long long)max, (int)s.len, s.p);
    return FL_OK;
}

/* Bytes: a whole number with an optional unit B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB. */
fl_err fl_config__parse_bytes(struct fl_str s, uint64_t *out)
{
    static const struct {
        const char *unit;
        uint64_t mult;
    } units[] = {{"KiB", 1024ull}, {"MiB", 1024ull * 1024}, {"GiB", 1024ull << 20},
                 {"KB", 1000ull},  {"MB", 1000000ull},      {"GB", 1000000000ull},
                 {"B", 1}};
    uint64_t mult = 1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (fl_str_has_suffix(s, units[i].unit)) {
            mult = units[i].mult;
            s.len -= strlen(units[i].unit);
            break;
        }
    }
    uint64_t v;
    if (!fl_str_to_u64(fl_str_trim(s), &v) || v == 0 || v > UINT64_MAX / mult)
        return FL_EINVAL;
    *out = v * mult;
    return FL_OK;
}

static fl_err get_bytes(struct ctx *c, const yaml_node_t *n, size_t *out)
{
    fl_err e = want_scalar(c, n, "a size like 64MiB");
    if (e)
        return e;
    struct fl_str s = {(const char *)n->data.scalar.value, n->data.scalar.length};
    uint64_t v;
    if (fl_config__parse_bytes(s, &v) != FL_OK || v > SIZE_MAX)
        return node_err(c, n, "expected a size like 64MiB or 1000000, got \"%.*s\"", (int)s.len,
                        s.p);
    *out = (size_t)v;
    return FL_OK;
}

static int host_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '.' || ch == '_';
}

/*
 * host:port with a port of 1..65535 in plain digits. The host is a name or IPv4 address
 * (letters, digits, - . _) or a bracketed IPv6 address ("[::1]:9470", zone allowed after %).
 */
fl_err fl_config__check_hostport(const char *s)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s)
        return FL_EINVAL;
    const char *port = colon + 1;
    size_t plen = strlen(port);
    if (plen == 0 || plen > 5 || strspn(port, "0123456789") != plen)
        return FL_EINVAL;
    unsigned long pn = strtoul(port, NULL, 10);
    if (pn == 0 || pn > 65535)
        return FL_EINVAL;
    if (s[0] == '[') {
        if (colon - s < 3 || colon[-1] != ']')
            return FL_EINVAL;
        for (const char *h = s + 1; h < colon - 1; h++)
            if (!host_char(*h) && *h != ':' && *h != '%')
                return FL_EINVAL;
        return FL_OK;
    }
    for (const char *h = s; h < colon; h++)
        if (!host_char(*h))
            return FL_EINVAL;
    return FL_OK;
}

static fl_err get_hostport(struct ctx *c, const yaml_node_t *n, char **out)
{
    fl_err e = get_string(c, n, out);
    if (!e && fl_config__check_hostport(*out) != FL_OK)
        return node_err(c, n, "expected host:port like 127.0.0.1:9470, got \"%s\"", *out);
    return e;
}

/* ---- containers ---- */

typedef fl_err (*key_fn)(struct ctx *c, yaml_node_t *value, void *obj);

struct key_def {
    const char *key;
    key_fn fn;
};

/* Levenshtein distance, giving up (returning 99) on long strings: only for typo suggestions. */
static unsigned edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned row[33];
    if (la > 32 || lb > 32)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++) {
        unsigned diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= lb; j++) {
            unsigned up = row[j];
            unsigned best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

struct key_def;
static fl_err unknown_key(struct ctx *c, const yaml_node_t *k, const struct key_def *keys,
                          size_t n_keys);

/* Walk a mapping: every key must be in the table, at most once. */
static fl_err walk_map(struct ctx *c, yaml_node_t *n, const struct key_def *keys, size_t n_keys,
                       void *obj)
{
    fl_err e;
    if ((e = fl_yaml_visit(&c->w, n)) != FL_OK)
        return e;
    if (is_null_scalar(n))
        return FL_OK;
    if (n->type != YAML_MAPPING_NODE)
        return node_err(c, n, "expected a mapping, got %s", type_name(n));
    unsigned char seen[64] = {0};
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(c, p->key), *v = node_at(c, p->value);
        if (!k || !v)
            return node_err(c, n, "malformed mapping");
        if (k->type != YAML_SCALAR_NODE)
            return node_err(c, k, "expected a key, got %s", type_name(k));
        const char *key = (const char *)k->data.scalar.value;
        if (strlen(key) != k->data.scalar.length)
            return node_err(c, k, "key contains a NUL byte");
        size_t i = 0;
        while (i < n_keys && strcmp(keys[i].key, key))
            i++;
        size_t old = path_key(c, key);
        if (i == n_keys) {
            e = unknown_key(c, k, keys, n_keys);
            path_pop(c, old);
            return e;
        }
        if (seen[i]) {
            e = node_err(c, k, "duplicate key");
            path_pop(c, old);
            return e;
        }
        seen[i] = 1;
        if ((e = fl_yaml_visit(&c->w, v)) == FL_OK)
            e = keys[i].fn(c, v, obj);
        path_pop(c, old);
        if (e)
            return e;
    }
    return FL_OK;
}

/* "unknown key (did you mean \"scrape_interval\"?)", or the list of keys allowed here. */
static fl_err unknown_key(struct ctx *c, const yaml_node_t *k, const struct key_def *keys,
                          size_t n_keys)
{
    const char *key = (const char *)k->data.scalar.value;
    const char *best = NULL;
    unsigned best_d = 99;
    char list[FL_DIAG_MSG_CAP - 64];
    size_t n = 0;
    list[0] = '\0';
    size_t klen = strlen(key);
    for (size_t i = 0; i < n_keys; i++) {
        /* "interval" for "scrape_interval": a missing prefix counts as the closest match. */
        unsigned dist = klen >= 4 && strstr(keys[i].key, key) ? 0 : edit_distance(key, keys[i].key);
        if (dist < best_d) {
            best_d = dist;
            best = keys[i].key;
        }
        int w = snprintf(list + n, n < sizeof list ? sizeof list - n : 0, "%s%s", i ? ", " : "",
                         keys[i].key);
        n += w > 0 ? (size_t)w : 0;
    }
    /* A typo is a couple of edits away (or a third of the word, for long keys). */
    if (best && (best_d <= 2 || best_d * 3 <= strlen(best)))
        return node_err(c, k, "unknown key (did you mean \"%s\"?)", best);
    /* A known key in the wrong place: scrape_interval at the top belongs under global. */
    for (const char *const *kp = fl_config__key_paths(); *kp; kp++) {
        const char *last = strrchr(*kp, '.');
        last = last ? last + 1 : *kp;
        if (edit_distance(key, last) <= (strlen(last) > 6 ? 2u : 1u))
            return node_err(c, k, "unknown key here (did you mean %s?)", *kp);
    }
    return node_err(c, k, "unknown key (expected one of: %s)", list);
}

/* Walk a sequence, calling fn for each item with the path extended by [i]. */
typedef fl_err (*item_fn)(struct ctx *c, yaml_node_t *item, size_t i, void *obj);

static fl_err walk_seq(struct ctx *c, yaml_node_t *n, item_fn fn, void *obj)
{
    if (is_null_scalar(n))
        return FL_OK;
    if (n->type != YAML_SEQUENCE_NODE)
        return node_err(c, n, "expected a list, got %s", type_name(n));
    if (n->data.sequence.items.top - n->data.sequence.items.start > FL_CONFIG_MAX_ITEMS)
        return node_err(c, n, "more than %d entries", FL_CONFIG_MAX_ITEMS);
    size_t i = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++, i++) {
        yaml_node_t *item = node_at(c, *it);
        if (!item)
            return node_err(c, n, "malformed list");
        size_t old = path_index(c, i);
        fl_err e = fl_yaml_visit(&c->w, item);
        if (!e)
            e = fn(c, item, i, obj);
        path_pop(c, old);
        if (e)
            return e;
    }
    return FL_OK;
}

static size_t seq_len(const yaml_node_t *n)
{
    return n->type == YAML_SEQUENCE_NODE
               ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
               : 0;
}

struct strv {
    char ***v;
    size_t *n;
};

static fl_err str_item(struct ctx *c, yaml_node_t *item, size_t i, void *obj)
{
    struct strv *sv = obj;
    (*sv->v)[i] = NULL;
    fl_err e = get_nonempty(c, item, &(*sv->v)[i]);
    if ((*sv->v)[i]) /* owned by the list even when rejected (empty), so freed with it */
        *sv->n = i + 1;
    return e;
}

static fl_err get_strings(struct ctx *c, yaml_node_t *n, char ***v, size_t *count)
{
    if (!is_null_scalar(n) && n->type != YAML_SEQUENCE_NODE)
        return node_err(c, n, "expected a list, got %s", type_name(n));
    if (*v)
        return node_err(c, n, "given twice");
    size_t len = seq_len(n);
    if (len == 0)
        return FL_OK;
    if (!(*v = fl_calloc(len, sizeof **v)))
        return FL_ENOMEM;
    struct strv sv = {v, count};
    return walk_seq(c, n, str_item, &sv);
}

/* A mapping of string -> string into a label array (names validated as label names). */
static int valid_label_name(const char *s)
{
    if (!*s || !(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return 0;
    for (s++; *s; s++)
        if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

static void labels_free(struct fl_label *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fl_free((char *)l[i].name);
        fl_free((char *)l[i].value);
    }
    fl_free(l);
}

static fl_err get_labels(struct ctx *c, yaml_node_t *n, struct fl_label **out, size_t *count)
{
    if (is_null_scalar(n))
        return FL_OK;
    if (n->type != YAML_MAPPING_NODE)
        return node_err(c, n, "expected a mapping of label names to values, got %s", type_name(n));
    size_t len = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (len == 0)
        return FL_OK;
    if (len > FL_LIMIT_LABELS_PER_SERIES)
        return node_err(c, n, "too many labels (limit %d)", FL_LIMIT_LABELS_PER_SERIES);
    struct fl_label *l = fl_calloc(len, sizeof *l);
    if (!l)
        return FL_ENOMEM;
    *out = l;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(c, p->key), *v = node_at(c, p->value);
        fl_err e;
        if (!k || !v)
            return node_err(c, n, "malformed mapping");
        if ((e = fl_yaml_visit(&c->w, v)) != FL_OK)
            return e;
        char *name = NULL, *value = NULL;
        if ((e = get_string(c, k, &name)) != FL_OK)
            return e;
        size_t old = path_key(c, name);
        if (!valid_label_name(name)) {
            e = node_err(c, k, "invalid label name \"%s\"", name);
        } else {
            for (size_t j = 0; j < *count && !e; j++)
                if (!strcmp(l[j].name, name))
                    e = node_err(c, k, "duplicate key");
        }
        if (!e)
            e = get_string(c, v, &value);
        path_pop(c, old);
        if (e) {
            fl_free(name);
            fl_free(value);
            return e;
        }
        l[*count].name = name;
        l[*count].value = value;
        (*count)++;
    }
    return FL_OK;
}

/* Grow-by-one helper for arrays of config structs (zeroed new element). */
static void *push(void **arr, size_t *n, size_t size)
{
    char *p = fl_reallocarray(*arr, *n + 1, size);
    if (!p)
        return NULL;
    memset(p + *n * size, 0, size);
    *arr = p;
    return p + (*n)++ * size;
}

#include "config_keys.inc"

/* ---- entry points ---- */

/* Apply the top-level `global:` section before anything else, wherever it appears. */
static fl_err apply_global_first(struct ctx *c, yaml_node_t *root, struct fl_config *cfg)
{
    if (root->type != YAML_MAPPING_NODE)
        return FL_OK; /* walk_map reports the type error */
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node_at(c, p->key), *v = node_at(c, p->value);
        if (k && v && k->type == YAML_SCALAR_NODE &&
            !strcmp((const char *)k->data.scalar.value, "global")) {
            size_t old = path_key(c, "global");
            fl_err e = k_global(c, v, cfg);
            path_pop(c, old);
            return e;
        }
    }
    return FL_OK;
}

fl_err fl_config_default(struct fl_config **out)
{
    struct fl_config *c = fl_calloc(1, sizeof *c);
    if (!c)
        return FL_ENOMEM;
    c->source = fl_strdup("(defaults)");
    c->listen = fl_strdup("127.0.0.1:9470");
    c->data_dir = fl_strdup("./faultline-data");
    c->log_level = fl_strdup("info");
    c->retention_ms = 15LL * 24 * 3600 * 1000;
    c->scrape_interval_ms = 15000;
    c->scrape_timeout_ms = 10000;
    c->self_scrape = 1;
    c->notify.timeout_ms = 10000;
    c->threads = 4;
    c->stale_window_ms = FL_CONFIG_STALE_WINDOW_MS;
    c->stale_max_requests = FL_CONFIG_STALE_MAX_REQUESTS;
    fl_config__monitoring_default(&c->monitoring);
    fl_limits_default(&c->limits);
    if (!c->source || !c->listen || !c->data_dir || !c->log_level) {
        fl_config_free(c);
        return FL_ENOMEM;
    }
    *out = c;
    return FL_OK;
}

/* How faultline.yml is read (core/yaml_doc.h). */
static const struct fl_yaml_rules rules = {
    .what = "the configuration",
    .code = FL_ECONFIG,
    .syntax = FL_YAML_SYNTAX_FULL,
    .max_bytes = FL_CONFIG_MAX_BYTES,
    .max_nodes = FL_CONFIG_MAX_NODES,
};

/* fl_config__locate_fn over the loaded document: follow ".key" and "[i]" from the root. */
static void locate(void *arg, const char *path, unsigned long *line, unsigned long *col)
{
    yaml_document_t *doc = arg;
    yaml_node_t *n = yaml_document_get_root_node(doc);
    const char *p = path;
    while (n && *p) {
        yaml_node_t *next = NULL;
        if (*p == '[') {
            char *end;
            unsigned long i = strtoul(p + 1, &end, 10);
            if (*end != ']' || n->type != YAML_SEQUENCE_NODE || i >= seq_len(n))
                break;
            next = yaml_document_get_node(doc, n->data.sequence.items.start[i]);
            p = end + 1;
        } else {
            if (*p == '.')
                p++;
            size_t klen = strcspn(p, ".[");
            if (n->type != YAML_MAPPING_NODE)
                break;
            for (yaml_node_pair_t *q = n->data.mapping.pairs.start;
                 q < n->data.mapping.pairs.top && !next; q++) {
                yaml_node_t *k = yaml_document_get_node(doc, q->key);
                if (k && k->type == YAML_SCALAR_NODE && k->data.scalar.length == klen &&
                    !memcmp(k->data.scalar.value, p, klen))
                    next = yaml_document_get_node(doc, q->value);
            }
            p += klen;
        }
        if (!next)
            break;
        n = next;
    }
    if (n) {
        *line = n->start_mark.line + 1;
        *col = n->start_mark.column + 1;
    }
}

fl_err fl_config_parse(const char *p, size_t len, const char *name, struct fl_config **out,
                       struct fl_diag *d)
{
    yaml_document_t doc;
    struct fl_config *cfg = NULL;
    int have_doc = 0;
    fl_err e;

    *out = NULL;
    if (!name)
        name = "faultline.yml";
    if ((e = fl_yaml_check(p, len, &rules, name, d)) != FL_OK)
        return e;
    if ((e = fl_config_default(&cfg)) != FL_OK)
        return e;
    fl_free(cfg->source);
    if (!(cfg->source = fl_strdup(name))) {
        e = FL_ENOMEM;
        goto out;
    }
    if ((e = fl_yaml_load(p, len, &rules, name, &doc, d)) != FL_OK)
        goto out;
    have_doc = 1;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    struct ctx c = {.w = {.doc = &doc,
                          .d = d,
                          .file = name,
                          .code = FL_ECONFIG,
                          .max_visits = FL_CONFIG_MAX_VISITS}};
    if (root && (e = apply_global_first(&c, root, cfg)) != FL_OK)
        goto out;
    if (root && (e = walk_map(&c, root, top_keys, sizeof top_keys / sizeof top_keys[0], cfg)))
        goto out;
    e = fl_config__validate(cfg, d, locate, &doc);
out:
    if (have_doc)
        yaml_document_delete(&doc);
    if (e) {
        fl_config_free(cfg);
        return e;
    }
    *out = cfg;
    return FL_OK;
}

fl_err fl_config_load(const char *path, struct fl_config **out, struct fl_diag *d)
{
    struct fl_buf b;
    fl_buf_init(&b, FL_CONFIG_MAX_BYTES + 1);
    fl_err e = fl_file_read(path, FL_CONFIG_MAX_BYTES, &b, d);
    if (!e)
        e = fl_config_parse(b.data ? b.data : "", b.len, path, out, d);
    fl_buf_cleanup(&b);
    return e;
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fl_free(v[i]);
    fl_free(v);
}

void fl_config_free(struct fl_config *c)
{
    if (!c)
        return;
    fl_free(c->source);
    fl_free(c->listen);
    fl_free(c->data_dir);
    fl_free(c->log_level);
    fl_free(c->auth_token);
    fl_free(c->notify.alertmanager_url);
    fl_free(c->notify.external_url);
    fl_free(c->notify.bearer_token);
    for (size_t i = 0; i < c->n_scrape_jobs; i++) {
        struct fl_scrape_job *j = &c->scrape_jobs[i];
        fl_free(j->job_name);
        strv_free(j->targets, j->n_targets);
        fl_free(j->scheme);
        fl_free(j->metrics_path);
        labels_free(j->labels, j->n_labels);
        fl_free(j->bearer_token);
    }
    fl_free(c->scrape_jobs);
    for (size_t i = 0; i < c->n_remotes; i++) {
        struct fl_remote_source *r = &c->remotes[i];
        fl_free(r->name);
        fl_free(r->url);
        strv_free(r->selectors, r->n_selectors);
        fl_free(r->bearer_token);
    }
    fl_free(c->remotes);
    for (size_t i = 0; i < c->n_components; i++) {
        struct fl_component *m = &c->components[i];
        fl_free(m->name);
        fl_free(m->kind);
        strv_free(m->depends_on, m->n_depends_on);
        labels_free(m->match, m->n_match);
        fl_free(m->trace_service);
    }
    fl_free(c->components);
    for (size_t i = 0; i < c->n_kpis; i++) {
        struct fl_kpi *k = &c->kpis[i];
        fl_free(k->name);
        fl_free(k->numerator);
        fl_free(k->denominator);
        strv_free(k->dimensions, k->n_dimensions);
        fl_free(k->component);
    }
    fl_free(c->kpis);
    for (size_t i = 0; i < c->n_models; i++) {
        struct fl_model_cfg *m = &c->models[i];
        fl_free(m->name);
        fl_free(m->component);
        fl_free(m->reference);
        strv_free(m->features, m->n_features);
        fl_free(m->outcome);
    }
    fl_free(c->models);
    for (size_t i = 0; i < c->n_freshness; i++)
        fl_free(c->freshness[i].component);
    fl_free(c->freshness);
    strv_free(c->monitoring.segment_by, c->monitoring.n_segment_by);
    fl_free(c->monitoring.drift_options);
    fl_free(c);
}

const struct fl_component *fl_config_component(const struct fl_config *c, const char *name)
{
    for (size_t i = 0; c && name && i < c->n_components; i++)
        if (!strcmp(c->components[i].name, name))
            return &c->components[i];
    return NULL;
}
