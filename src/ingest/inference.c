/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inference.c: inference and outcome JSON Lines -> batch records (see inference.h and
 * docs/formats.md). The hot path of `faultline import` and POST /api/v1/inferences.
 *
 * Speed comes from three choices: the streaming pull reader (core/json.h) walks each line once
 * without a DOM; the per-row arrays (features, segments, scores) are built in scratch arrays that
 * live for the whole call and are then copied once into the batch arena; names and categorical
 * values are interned per call, so a feature name costs one hash lookup instead of a copy.
 * On top of that, the common shapes take short cuts that give exactly what the general path
 * gives: compact `"key":scalar` members (top level, features, segments, {value,status}) are read
 * in one step (fl_json_next_scalar_member), and any value the short cut does not take is given
 * back to the general reader, which also words every error; feature and segment names are first
 * compared with the previous row's at the same index; a row with the previous row's feature
 * names skips the duplicate check; error paths are formatted only when an error happens.
 */
#include "inference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/time.h"
#include "records_int.h"

enum { K_TS, K_REQUEST_ID, K_TRACE_ID, K_MODEL, K_VERSION, K_FEATURES, K_PREDICTION, K_SEGMENTS,
       K_LATENCY, K_NAME, K_VALUE, K_ATTRIBUTES, K__COUNT };

struct key_def {
    const char *name;
    int id;
    size_t len;
};
#define KEY(s, id) {s, id, sizeof(s) - 1}

static const struct key_def inference_keys[] = {
    KEY("ts", K_TS),
    KEY("timestamp", K_TS),
    KEY("request_id", K_REQUEST_ID),
    KEY("trace_id", K_TRACE_ID),
    KEY("model", K_MODEL),
    KEY("model_version", K_VERSION),
    KEY("version", K_VERSION),
    KEY("features", K_FEATURES),
    KEY("prediction", K_PREDICTION),
    KEY("segments", K_SEGMENTS),
    KEY("latency_ms", K_LATENCY),
    {NULL, 0, 0},
};
#define INFERENCE_KEYS_TEXT                                                                        \
    "ts, timestamp, request_id, trace_id, model, model_version, version, features, prediction, "  \
    "segments, latency_ms"

static const struct key_def outcome_keys[] = {
    KEY("ts", K_TS),
    KEY("timestamp", K_TS),
    KEY("request_id", K_REQUEST_ID),
    KEY("name", K_NAME),
    KEY("outcome", K_NAME),
    KEY("value", K_VALUE),
    KEY("attributes", K_ATTRIBUTES),
    {NULL, 0, 0},
};
#define OUTCOME_KEYS_TEXT "ts, timestamp, request_id, name, outcome, value, attributes"

static const struct key_def *find_key(const struct key_def *keys, struct fl_str k)
{
    /* the first byte decides most candidates without a call (every listed name is non-empty) */
    for (const struct key_def *kd = keys; kd->name; kd++)
        if (kd->len == k.len && kd->name[0] == k.p[0] && memcmp(kd->name, k.p, k.len) == 0)
            return kd;
    return NULL;
}

/* Per feature index of the scratch array. Rows of one log usually list their features in the same
 * order, so the name at the same index of the previous row is tried before the interner. */
struct fslot {
    const char *key_at; /* the feature's key as read, and the reader's position before it: */
    size_t before;      /* key_pos() of them is the key's position, for duplicate errors */
    size_t name_len;   /* strlen of feat[i].name */
    bool interned;
};

/* State of one call: reader, interner and the per-row scratch arrays. */
struct ctx {
    struct fl_ingest__jctx jc;
    struct fl_ingest__intern in;
    struct fl_batch *b;
    const struct fl_limits *lim;
    struct fl_diag *d;
    unsigned long line_no;
    int64_t now_ms;
    struct fl_feature *feat;
    struct fslot *fslot; /* per feature index: key position; name length of the last row */
    size_t n_prev_feat;  /* features of the previous row still in feat[] */
    bool prev_feat_unique; /* and their names passed check_duplicate_features */
    size_t cap_feat, cap_fslot;
    struct fl_label *seg;
    size_t cap_seg;
    struct fl_str *segname; /* per segment index: the interned name of the last row's member */
    size_t cap_segname, n_prev_seg;
    double *scores;
    size_t cap_scores;
    const char **sort_tmp;
    size_t cap_sort;
    struct fl_str last_model, last_version; /* intern_memo: the last canonical model, version */
};

static fl_err grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return FL_OK;
    size_t ncap = *cap ? *cap * 2 : 32;
    while (ncap < need)
        ncap *= 2;
    void *n = fl_reallocarray(*arr, ncap, elem);
    if (!n)
        return FL_ENOMEM;
    *arr = n;
    *cap = ncap;
    return FL_OK;
}

/* Position of a key for messages: its opening quote when it points into the input. */
static size_t key_pos(const struct ctx *c, struct fl_str key, size_t fallback)
{
    const struct fl_json *j = &c->jc.j;
    if (key.p >= j->p && key.p <= j->p + j->len && key.p > j->p)
        return (size_t)(key.p - j->p) - 1;
    return fallback;
}

/* Give back the value of a member read by fl_json_next_scalar_member: the reader then stands
 * after its key's ':' (the member was compact, so the value starts right there), as after
 * fl_json_next_key. */
static void unread_value(struct ctx *c, const struct fl_json_scalar *sv)
{
    c->jc.j.pos = sv->pos;
}

static fl_err oom(struct ctx *c)
{
    return fl_ingest__batch_fail(c->d, fl_batch_alloc_err(c->b), c->b, c->line_no);
}

static fl_err nomem(struct ctx *c)
{
    return fl_ingest__batch_fail(c->d, FL_ENOMEM, c->b, c->line_no);
}

static const char *intern(struct ctx *c, struct fl_str s, bool *interned)
{
    return fl_ingest__intern(&c->in, s.p, s.len, interned);
}

/* intern() for a field whose value rarely changes from row to row (model, version): the last
 * canonical string is compared first. Returns what intern() returns. */
static const char *intern_memo(struct ctx *c, struct fl_str *memo, struct fl_str s)
{
    if (memo->p && memo->len == s.len && memcmp(memo->p, s.p, s.len) == 0)
        return memo->p;
    bool canonical;
    const char *r = intern(c, s, &canonical);
    if (r && canonical)
        *memo = (struct fl_str){r, s.len};
    return r;
}

/* "prefix": <excerpt of user text> for messages, bounded. */
static void quote_name(struct fl_str s, char *out, size_t cap)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    if (n > 128)
        n = 128;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        out[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    out[n] = '\0';
}

/* Read a non-empty string field of at most max bytes; *out backed by input or scratch. */
static fl_err get_str_field(struct ctx *c, const char *name, size_t max, struct fl_str *out)
{
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    enum fl_json_type t = fl_json_peek(&c->jc.j);
    if (t != FL_JSON_STRING) {
        char what[64];
        snprintf(what, sizeof what, "field \"%s\"", name);
        return fl_ingest__bad_type(&c->jc, pos, t, name, what, "string");
    }
    fl_err e = fl_ingest__get_str(&c->jc, out);
    if (e)
        return e;
    if (out->len == 0)
        return fl_ingest__err_at(&c->jc, pos, FL_EPARSE, name, "must not be empty");
    if (out->len > max)
        return fl_ingest__err_at(&c->jc, pos, FL_ELIMIT, name,
                                 "longer than %zu bytes", max);
    return FL_OK;
}

/* Number or bool read as double; bool as 0/1. */
static fl_err get_number(struct ctx *c, enum fl_json_type t, double *v)
{
    fl_err e;
    if (t == FL_JSON_BOOL) {
        bool bv;
        if ((e = fl_json_get_bool(&c->jc.j, &bv)) != FL_OK)
            return fl_ingest__json_fail(&c->jc, e);
        *v = bv ? 1.0 : 0.0;
        return FL_OK;
    }
    if ((e = fl_json_get_double(&c->jc.j, v)) != FL_OK)
        return fl_ingest__json_fail(&c->jc, e);
    return FL_OK;
}

/* ---- features ---- */

static int parse_status(struct fl_str s)
{
    if (fl_str_eq_c(s, "present"))
        return FL_FEAT_PRESENT;
    if (fl_str_eq_c(s, "null"))
        return FL_FEAT_NULL;
    if (fl_str_eq_c(s, "not_found"))
        return FL_FEAT_NOT_FOUND;
    if (fl_str_eq_c(s, "outside_max_age"))
        return FL_FEAT_OUTSIDE_MAX_AGE;
    return -1;
}

/* A plain feature value (number, string, bool, null) into f->kind/num/str. */
static fl_err feature_value(struct ctx *c, struct fl_feature *f, const char *fname,
                            const char *suffix)
{
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    enum fl_json_type t = fl_json_peek(&c->jc.j);
    fl_err e;
    switch (t) {
    case FL_JSON_NUMBER:
    case FL_JSON_BOOL:
        f->kind = t == FL_JSON_NUMBER ? FL_VAL_NUMBER : FL_VAL_BOOL;
        return get_number(c, t, &f->num);
    case FL_JSON_STRING: {
        struct fl_str s;
        if ((e = fl_ingest__get_str(&c->jc, &s)) != FL_OK)
            return e;
        if (s.len > FL_LIMIT_VALUE_BYTES)
        {
            char path[FL_DIAG_FIELD_CAP];
            snprintf(path, sizeof path, "features.%s%s", fname, *suffix ? ".value" : "");
            return fl_ingest__err_at(&c->jc, pos, FL_ELIMIT, path, "string longer than %u bytes",
                                     (unsigned)FL_LIMIT_VALUE_BYTES);
        }
        f->kind = FL_VAL_STRING;
        if (!(f->str = intern(c, s, NULL)))
            return oom(c);
        return FL_OK;
    }
    case FL_JSON_NULL:
        f->kind = FL_VAL_NULL;
        if ((e = fl_json_get_null(&c->jc.j)) != FL_OK)
            return fl_ingest__json_fail(&c->jc, e);
        return FL_OK;
    default: {
        char path[FL_DIAG_FIELD_CAP], what[FL_DIAG_FIELD_CAP];
        snprintf(path, sizeof path, "features.%s%s", fname, *suffix ? ".value" : "");
        snprintf(what, sizeof what, "feature \"%s\"%s", fname, suffix);
        return fl_ingest__bad_type(&c->jc, pos, t, path, what, "number, string, bool or null");
    }
    }
}

/* {"value": ..., "status": ...} */
/* The next member of the current object: "name":scalar in compact form in one step (*fast, the
 * value in *sv), else only its key, for the general reader; *more false at the object's end. */
static inline fl_err next_member(struct ctx *c, struct fl_str *key, struct fl_json_scalar *sv,
                                 bool *fast, bool *more)
{
    *more = true;
    *fast = fl_json_next_scalar_member(&c->jc.j, key, sv);
    if (*fast)
        return FL_OK;
    fl_err e = fl_json_next_key(&c->jc.j, &c->jc.kscratch, key, more);
    return e != FL_OK ? fl_ingest__json_fail(&c->jc, e) : FL_OK;
}

static fl_err feature_object(struct ctx *c, struct fl_feature *f, const char *fname, size_t opos)
{
    fl_err e = fl_json_enter_object(&c->jc.j);
    if (e)
        return fl_ingest__json_fail(&c->jc, e);
    bool have_value = false, have_status = false, more;
    struct fl_str key;
    char path[FL_DIAG_FIELD_CAP];
    for (;;) {
        size_t before = c->jc.j.pos;
        struct fl_json_scalar sv;
        bool fast;
        if ((e = next_member(c, &key, &sv, &fast, &more)) != FL_OK)
            return e;
        if (!more)
            break;
        size_t kpos = key_pos(c, key, before);
        bool is_value = fl_str_eq_c(key, "value"), is_status = fl_str_eq_c(key, "status");
        if (!is_value && !is_status) {
            char kn[160];
            quote_name(key, kn, sizeof kn);
            snprintf(path, sizeof path, "features.%s.%s", fname, kn);
            return fl_ingest__err_at(&c->jc, kpos, FL_EPARSE, path,
                                     "unknown field \"%s\" (expected value or status)", kn);
        }
        if ((is_value && have_value) || (is_status && have_status)) {
            snprintf(path, sizeof path, "features.%s.%s", fname, is_value ? "value" : "status");
            return fl_ingest__err_at(&c->jc, kpos, FL_EPARSE, path,
                                     "field \"%s\" given twice", is_value ? "value" : "status");
        }
        if (is_value) {
            have_value = true;
            /* a compact scalar value: what feature_value stores for it (a long string is left
             * to feature_value, which reports it) */
            if (fast && (sv.type != FL_JSON_STRING || sv.str.len <= FL_LIMIT_VALUE_BYTES)) {
                f->kind = sv.type == FL_JSON_NUMBER ? FL_VAL_NUMBER
                          : sv.type == FL_JSON_BOOL ? FL_VAL_BOOL
                          : sv.type == FL_JSON_STRING ? FL_VAL_STRING
                                                      : FL_VAL_NULL;
                if (sv.type == FL_JSON_NUMBER || sv.type == FL_JSON_BOOL)
                    f->num = sv.num;
                if (sv.type == FL_JSON_STRING && !(f->str = intern(c, sv.str, NULL)))
                    return oom(c);
                continue;
            }
            if (fast)
                unread_value(c, &sv);
            if ((e = feature_value(c, f, fname, ": value")) != FL_OK)
                return e;
            continue;
        }
        have_status = true;
        if (fast && sv.type == FL_JSON_STRING) {
            int st = parse_status(sv.str);
            if (st >= 0) {
                f->status = st;
                continue;
            }
        }
        if (fast)
            unread_value(c, &sv); /* the general path below reports what is wrong */
        size_t spos = fl_ingest__jctx_mark(&c->jc);
        enum fl_json_type t = fl_json_peek(&c->jc.j);
        if (t != FL_JSON_STRING) {
            char what[FL_DIAG_FIELD_CAP];
            snprintf(path, sizeof path, "features.%s.status", fname);
            snprintf(what, sizeof what, "feature \"%s\": status", fname);
            return fl_ingest__bad_type(&c->jc, spos, t, path, what, "string");
        }
        struct fl_str s;
        if ((e = fl_ingest__get_str(&c->jc, &s)) != FL_OK)
            return e;
        int st = parse_status(s);
        if (st < 0) {
            snprintf(path, sizeof path, "features.%s.status", fname);
            char sq[160];
            quote_name(s, sq, sizeof sq);
            return fl_ingest__err_at(&c->jc, spos, FL_EPARSE, path,
                                     "unknown status \"%s\" (expected present, null, not_found "
                                     "or outside_max_age)",
                                     sq);
        }
        f->status = st;
    }
    const char *msg = NULL;
    if (!have_status) {
        if (!have_value)
            msg = "object needs \"value\" or \"status\"";
        else
            f->status = f->kind == FL_VAL_NULL ? FL_FEAT_NULL : FL_FEAT_PRESENT;
    } else if (f->status == FL_FEAT_PRESENT && f->kind == FL_VAL_NULL) {
        msg = "status \"present\" needs a non-null value";
    } else if (f->status == FL_FEAT_NULL && f->kind != FL_VAL_NULL) {
        msg = "status \"null\" with a non-null value";
    }
    if (!msg)
        return FL_OK;
    snprintf(path, sizeof path, "features.%s", fname);
    return fl_ingest__err_at(&c->jc, opos, FL_EPARSE, path, "%s", msg);
}

static size_t slot_pos(const struct ctx *c, const struct fslot *sl)
{
    return key_pos(c, (struct fl_str){sl->key_at, 0}, sl->before);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Feature names must be unique within a record. */
static fl_err check_duplicate_features(struct ctx *c, size_t n, bool all_interned)
{
    const char *dup = NULL;
    size_t dup_pos = 0;
    if (all_interned && n <= 64) {
        /* interned: equal names are equal pointers */
        for (size_t i = 1; i < n && !dup; i++)
            for (size_t k = 0; k < i; k++)
                if (c->feat[i].name == c->feat[k].name) {
                    dup = c->feat[i].name;
                    dup_pos = slot_pos(c, &c->fslot[i]);
                    break;
                }
    } else if (n > 1) {
        if (grow((void **)&c->sort_tmp, &c->cap_sort, n, sizeof *c->sort_tmp))
            return oom(c);
        for (size_t i = 0; i < n; i++)
            c->sort_tmp[i] = c->feat[i].name;
        qsort(c->sort_tmp, n, sizeof *c->sort_tmp, cmp_cstr);
        for (size_t i = 1; i < n; i++)
            if (strcmp(c->sort_tmp[i - 1], c->sort_tmp[i]) == 0) {
                dup = c->sort_tmp[i];
                break;
            }
        if (dup) { /* report at the second occurrence */
            int seen = 0;
            for (size_t i = 0; i < n; i++)
                if (strcmp(c->feat[i].name, dup) == 0 && ++seen == 2) {
                    dup_pos = slot_pos(c, &c->fslot[i]);
                    break;
                }
        }
    }
    if (!dup)
        return FL_OK;
    char path[FL_DIAG_FIELD_CAP];
    snprintf(path, sizeof path, "features.%s", dup);
    return fl_ingest__err_at(&c->jc, dup_pos, FL_EPARSE, path, "feature given twice");
}

/*
 * The start of an optional field: null means absent (*present = false, consumed); any type other
 * than want is an error naming the field; *pos marks the value for later diagnostics.
 */
static fl_err optional_field(struct ctx *c, const char *key, enum fl_json_type want,
                             const char *want_name, size_t *pos, bool *present)
{
    char what[64];
    *pos = fl_ingest__jctx_mark(&c->jc);
    *present = false;
    enum fl_json_type t = fl_json_peek(&c->jc.j);
    if (t == FL_JSON_NULL) {
        fl_err e = fl_json_get_null(&c->jc.j);
        return e != FL_OK ? fl_ingest__json_fail(&c->jc, e) : FL_OK;
    }
    if (t != want) {
        snprintf(what, sizeof what, "field \"%s\"", key);
        return fl_ingest__bad_type(&c->jc, *pos, t, key, what, want_name);
    }
    *present = true;
    return FL_OK;
}

/* A feature given as a plain scalar, read by fl_json_next_scalar_member: what feature_value and
 * the null status rule above give for the same value. */
static fl_err fast_feature_value(struct ctx *c, struct fl_feature *f, const struct fl_json_scalar *sv)
{
    switch (sv->type) {
    case FL_JSON_NUMBER:
    case FL_JSON_BOOL:
        f->kind = sv->type == FL_JSON_NUMBER ? FL_VAL_NUMBER : FL_VAL_BOOL;
        f->num = sv->num;
        return FL_OK;
    case FL_JSON_STRING:
        if (sv->str.len > FL_LIMIT_VALUE_BYTES) {
            char path[FL_DIAG_FIELD_CAP];
            snprintf(path, sizeof path, "features.%s", f->name);
            return fl_ingest__err_at(&c->jc, sv->pos, FL_ELIMIT, path,
                                     "string longer than %u bytes",
                                     (unsigned)FL_LIMIT_VALUE_BYTES);
        }
        f->kind = FL_VAL_STRING;
        if (!(f->str = intern(c, sv->str, NULL)))
            return oom(c);
        return FL_OK;
    default:
        f->kind = FL_VAL_NULL;
        f->status = FL_FEAT_NULL;
        return FL_OK;
    }
}

static fl_err parse_features(struct ctx *c, struct fl_inference *r)
{
    size_t pos;
    bool present;
    fl_err e = optional_field(c, "features", FL_JSON_OBJECT, "object", &pos, &present);
    if (e != FL_OK || !present)
        return e;
    if ((e = fl_json_enter_object(&c->jc.j)) != FL_OK)
        return fl_ingest__json_fail(&c->jc, e);
    size_t n = 0;
    bool all_interned = true, more, same_names = true;
    struct fl_str key;
    for (;;) {
        size_t before = c->jc.j.pos;
        /* most members are "name":scalar in compact form: read those in one step */
        struct fl_json_scalar sv;
        bool fast;
        if ((e = next_member(c, &key, &sv, &fast, &more)) != FL_OK)
            return e;
        if (!more)
            break;
        /* the key's position is only needed for messages: computed there */
        if (n >= FL_LIMIT_FEATURES_PER_RECORD)
            return fl_ingest__err_at(&c->jc, key_pos(c, key, before), FL_ELIMIT, "features",
                                     "more than %d features in one record",
                                     FL_LIMIT_FEATURES_PER_RECORD);
        if (key.len == 0)
            return fl_ingest__err_at(&c->jc, key_pos(c, key, before), FL_EPARSE, "features",
                                     "feature name must not be empty");
        if (key.len > FL_LIMIT_NAME_BYTES)
            return fl_ingest__err_at(&c->jc, key_pos(c, key, before), FL_ELIMIT, "features",
                                     "feature name longer than %d bytes", FL_LIMIT_NAME_BYTES);
        if (grow((void **)&c->feat, &c->cap_feat, n + 1, sizeof *c->feat) ||
            grow((void **)&c->fslot, &c->cap_fslot, n + 1, sizeof *c->fslot))
            return nomem(c);
        struct fl_feature *f = &c->feat[n];
        struct fslot *sl = &c->fslot[n];
        /* Resolved now: the nested {value,status} keys reuse the key scratch buffer. */
        if (n >= c->n_prev_feat || sl->name_len != key.len ||
            memcmp(f->name, key.p, key.len) != 0) {
            if (!(f->name = intern(c, key, &sl->interned)))
                return oom(c);
            sl->name_len = key.len;
            same_names = false;
        }
        all_interned &= sl->interned;
        sl->key_at = key.p;
        sl->before = before;
        f->status = FL_FEAT_PRESENT;
        f->kind = FL_VAL_NULL;
        f->num = 0;
        f->str = NULL;
        if (fast) {
            if ((e = fast_feature_value(c, f, &sv)) != FL_OK)
                return e;
            n++;
            continue;
        }
        size_t vpos = fl_ingest__jctx_mark(&c->jc);
        if (fl_json_peek(&c->jc.j) == FL_JSON_OBJECT)
            e = feature_object(c, f, f->name, vpos);
        else if ((e = feature_value(c, f, f->name, "")) == FL_OK && f->kind == FL_VAL_NULL)
            f->status = FL_FEAT_NULL;
        if (e)
            return e;
        n++;
    }
    /* The same names in the same order as the previous row, which passed this check: unique. */
    bool checked = same_names && n == c->n_prev_feat && c->prev_feat_unique;
    c->n_prev_feat = n;
    c->prev_feat_unique = false;
    if (!checked && (e = check_duplicate_features(c, n, all_interned)) != FL_OK)
        return e;
    c->prev_feat_unique = true;
    if (n == 0)
        return FL_OK;
    struct fl_feature *arr = fl_arena_alloc(&c->b->arena, n * sizeof *arr);
    if (!arr)
        return oom(c);
    memcpy(arr, c->feat, n * sizeof *arr);
    r->features = arr;
    r->n_features = n;
    return FL_OK;
}


/* ---- prediction ---- */

/* Array of numbers into c->scores; *n receives the count. path is "prediction" or
 * "prediction.scores". */
static fl_err score_array(struct ctx *c, const char *path, size_t *n)
{
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    fl_err e = fl_json_enter_array(&c->jc.j);
    if (e)
        return fl_ingest__json_fail(&c->jc, e);
    size_t k = 0;
    bool more;
    for (;;) {
        if ((e = fl_json_next_elem(&c->jc.j, &more)) != FL_OK)
            return fl_ingest__json_fail(&c->jc, e);
        if (!more)
            break;
        size_t epos = fl_ingest__jctx_mark(&c->jc);
        enum fl_json_type t = fl_json_peek(&c->jc.j);
        if (t != FL_JSON_NUMBER) {
            char p2[FL_DIAG_FIELD_CAP];
            snprintf(p2, sizeof p2, "%s[%zu]", path, k);
            return fl_ingest__bad_type(&c->jc, epos, t, p2, p2, "number");
        }
        if (grow((void **)&c->scores, &c->cap_scores, k + 1, sizeof *c->scores))
            return nomem(c);
        if ((e = fl_json_get_double(&c->jc.j, &c->scores[k])) != FL_OK)
            return fl_ingest__json_fail(&c->jc, e);
        k++;
    }
    if (k == 0)
        return fl_ingest__err_at(&c->jc, pos, FL_EPARSE, path, "%s: empty array", path);
    *n = k;
    return FL_OK;
}

static fl_err store_scores(struct ctx *c, struct fl_inference *r, size_t n)
{
    double *arr = fl_arena_alloc(&c->b->arena, n * sizeof *arr);
    if (!arr)
        return oom(c);
    memcpy(arr, c->scores, n * sizeof *arr);
    r->scores = arr;
    r->n_scores = n;
    return FL_OK;
}

/* A class given as string (or bool, for binary classifiers). */
static fl_err class_value(struct ctx *c, enum fl_json_type t, const char **out)
{
    fl_err e;
    if (t == FL_JSON_BOOL) {
        bool bv;
        if ((e = fl_json_get_bool(&c->jc.j, &bv)) != FL_OK)
            return fl_ingest__json_fail(&c->jc, e);
        *out = intern(c, bv ? FL_STR_LIT("true") : FL_STR_LIT("false"), NULL);
    } else {
        struct fl_str s;
        if ((e = fl_ingest__get_str(&c->jc, &s)) != FL_OK)
            return e;
        if (s.len > FL_LIMIT_VALUE_BYTES)
            return fl_ingest__err_at(&c->jc, c->jc.j.pos, FL_ELIMIT, "prediction",
                                     "prediction: class longer than %u bytes",
                                     (unsigned)FL_LIMIT_VALUE_BYTES);
        *out = intern(c, s, NULL);
    }
    return *out ? FL_OK : oom(c);
}

/* {"score": n, "class": s, "scores": [..]} */
static fl_err prediction_object(struct ctx *c, struct fl_inference *r, size_t opos)
{
    fl_err e = fl_json_enter_object(&c->jc.j);
    if (e)
        return fl_ingest__json_fail(&c->jc, e);
    bool has_score = false, has_class = false, more;
    size_t n_scores = 0;
    struct fl_str key;
    for (;;) {
        size_t before = c->jc.j.pos;
        if ((e = fl_json_next_key(&c->jc.j, &c->jc.kscratch, &key, &more)) != FL_OK)
            return fl_ingest__json_fail(&c->jc, e);
        if (!more)
            break;
        size_t kpos = key_pos(c, key, before);
        int which = fl_str_eq_c(key, "score") ? 0 : fl_str_eq_c(key, "class") ? 1
                  : fl_str_eq_c(key, "scores") ? 2 : -1;
        static const char *const names[] = {"score", "class", "scores"};
        static const char *const paths[] = {"prediction.score", "prediction.class",
                                            "prediction.scores"};
        if (which < 0) {
            char kn[160], path[FL_DIAG_FIELD_CAP];
            quote_name(key, kn, sizeof kn);
            snprintf(path, sizeof path, "prediction.%s", kn);
            return fl_ingest__err_at(&c->jc, kpos, FL_EPARSE, path,
                                     "prediction: unknown field \"%s\" (expected score, class or "
                                     "scores)",
                                     kn);
        }
        const char *path = paths[which];
        if ((which == 0 && has_score) || (which == 1 && has_class) || (which == 2 && n_scores))
            return fl_ingest__err_at(&c->jc, kpos, FL_EPARSE, path,
                                     "prediction: field \"%s\" given twice", names[which]);
        size_t vpos = fl_ingest__jctx_mark(&c->jc);
        enum fl_json_type t = fl_json_peek(&c->jc.j);
        if (which == 0) {
            if (t != FL_JSON_NUMBER)
                return fl_ingest__bad_type(&c->jc, vpos, t, path, path, "number");
            if ((e = get_number(c, t, &r->score)) != FL_OK)
                return e;
            has_score = true;
        } else if (which == 1) {
            if (t != FL_JSON_STRING && t != FL_JSON_BOOL)
                return fl_ingest__bad_type(&c->jc, vpos, t, path, path, "string");
            if ((e = class_value(c, t, &r->pred_class)) != FL_OK)
                return e;
            has_class = true;
        } else {
            if (t != FL_JSON_ARRAY)
                return fl_ingest__bad_type(&c->jc, vpos, t, path, path, "array of numbers");
            if ((e = score_array(c, path, &n_scores)) != FL_OK)
                return e;
            if ((e = store_scores(c, r, n_scores)) != FL_OK)
                return e;
        }
    }
    if (has_class) {
        r->pred_kind = FL_PRED_CLASS;
        if (!has_score && n_scores) { /* top score of the class distribution */
            r->score = r->scores[0];
            for (size_t i = 1; i < n_scores; i++)
                if (r->scores[i] > r->score)
                    r->score = r->scores[i];
        }
    } else if (has_score) {
        r->pred_kind = FL_PRED_SCORE;
    } else if (n_scores) {
        r->pred_kind = FL_PRED_VECTOR;
    } else {
        return fl_ingest__err_at(&c->jc, opos, FL_EPARSE, "prediction",
                                 "prediction: object needs \"score\", \"class\" or \"scores\"");
    }
    return FL_OK;
}

static fl_err parse_prediction(struct ctx *c, struct fl_inference *r)
{
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    enum fl_json_type t = fl_json_peek(&c->jc.j);
    fl_err e;
    size_t n;
    switch (t) {
    case FL_JSON_NULL:
        if ((e = fl_json_get_null(&c->jc.j)) != FL_OK)
            return fl_ingest__json_fail(&c->jc, e);
        return FL_OK;
    case FL_JSON_NUMBER:
        r->pred_kind = FL_PRED_SCORE;
        return get_number(c, t, &r->score);
    case FL_JSON_STRING:
    case FL_JSON_BOOL:
        r->pred_kind = FL_PRED_CLASS;
        return class_value(c, t, &r->pred_class);
    case FL_JSON_ARRAY:
        if ((e = score_array(c, "prediction", &n)) != FL_OK)
            return e;
        r->pred_kind = FL_PRED_VECTOR;
        return store_scores(c, r, n);
    case FL_JSON_OBJECT:
        return prediction_object(c, r, pos);
    default:
        return fl_ingest__bad_type(&c->jc, pos, t, "prediction", "field \"prediction\"",
                                   "number, string, array or object");
    }
}

/* ---- segments ---- */

static fl_err segment_value(struct ctx *c, const char *sname, const char **out)
{
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    enum fl_json_type t = fl_json_peek(&c->jc.j);
    fl_err e;
    *out = NULL;
    if (t == FL_JSON_STRING) {
        struct fl_str s;
        if ((e = fl_ingest__get_str(&c->jc, &s)) != FL_OK)
            return e;
        if (s.len > FL_LIMIT_VALUE_BYTES)
            return fl_ingest__err_at(&c->jc, pos, FL_ELIMIT, NULL,
                                     "segment \"%s\": value longer than %u bytes", sname,
                                     (unsigned)FL_LIMIT_VALUE_BYTES);
        *out = intern(c, s, NULL);
    } else if (t == FL_JSON_NUMBER) {
        double v;
        char buf[40];
        if ((e = fl_json_get_double(&c->jc.j, &v)) != FL_OK)
            return fl_ingest__json_fail(&c->jc, e);
        size_t len = fl_fmt_double(v, buf, sizeof buf);
        *out = intern(c, (struct fl_str){buf, len}, NULL);
    } else if (t == FL_JSON_BOOL) {
        bool bv;
        if ((e = fl_json_get_bool(&c->jc.j, &bv)) != FL_OK)
            return fl_ingest__json_fail(&c->jc, e);
        *out = intern(c, bv ? FL_STR_LIT("true") : FL_STR_LIT("false"), NULL);
    } else if (t == FL_JSON_NULL) {
        /* null: the dimension is unknown for this request; the segment is omitted. */
        if ((e = fl_json_get_null(&c->jc.j)) != FL_OK)
            return fl_ingest__json_fail(&c->jc, e);
        return FL_OK;
    } else {
        char path[FL_DIAG_FIELD_CAP], what[FL_DIAG_FIELD_CAP];
        snprintf(path, sizeof path, "segments.%s", sname);
        snprintf(what, sizeof what, "segment \"%s\"", sname);
        return fl_ingest__bad_type(&c->jc, pos, t, path, what, "string, number, bool or null");
    }
    return *out ? FL_OK : oom(c);
}

static fl_err parse_segments(struct ctx *c, struct fl_inference *r)
{
    size_t pos;
    bool present;
    fl_err e = optional_field(c, "segments", FL_JSON_OBJECT, "object", &pos, &present);
    if (e != FL_OK || !present)
        return e;
    if ((e = fl_json_enter_object(&c->jc.j)) != FL_OK)
        return fl_ingest__json_fail(&c->jc, e);
    size_t n = 0, k = 0, max = c->lim->labels_per_series;
    bool more;
    struct fl_str key;
    for (;; k++) {
        size_t before = c->jc.j.pos;
        struct fl_json_scalar sv;
        bool fast;
        if ((e = next_member(c, &key, &sv, &fast, &more)) != FL_OK)
            return e;
        if (!more)
            break;
        size_t kpos = key_pos(c, key, before);
        if (key.len == 0)
            return fl_ingest__err_at(&c->jc, kpos, FL_EPARSE, "segments",
                                     "segment name must not be empty");
        if (key.len > FL_LIMIT_NAME_BYTES)
            return fl_ingest__err_at(&c->jc, kpos, FL_ELIMIT, "segments",
                                     "segment name longer than %d bytes", FL_LIMIT_NAME_BYTES);
        /* as for features: the name of the previous row's member at this index first */
        if (grow((void **)&c->segname, &c->cap_segname, k + 1, sizeof *c->segname))
            return nomem(c);
        struct fl_str *prev = &c->segname[k];
        if (k >= c->n_prev_seg || prev->len != key.len || memcmp(prev->p, key.p, key.len) != 0) {
            if (!(prev->p = intern(c, key, NULL)))
                return oom(c);
            prev->len = key.len;
        }
        c->n_prev_seg = k + 1;
        const char *name = prev->p;
        const char *value;
        if (fast && sv.type == FL_JSON_STRING && sv.str.len <= FL_LIMIT_VALUE_BYTES) {
            if (!(value = intern(c, sv.str, NULL)))
                return oom(c);
        } else {
            if (fast)
                unread_value(c, &sv); /* numbers, bools, null and errors: segment_value */
            if ((e = segment_value(c, name, &value)) != FL_OK)
                return e;
        }
        if (!value)
            continue;
        /* insertion keeps the array sorted by name and finds duplicates */
        size_t i = n;
        int cmp = 1;
        while (i > 0 && (cmp = strcmp(c->seg[i - 1].name, name)) > 0)
            i--;
        if (i > 0 && cmp == 0) {
            char path[FL_DIAG_FIELD_CAP];
            snprintf(path, sizeof path, "segments.%s", name);
            return fl_ingest__err_at(&c->jc, kpos, FL_EPARSE, path,
                                     "segment \"%s\" given twice", name);
        }
        if (n >= max)
            return fl_ingest__err_at(&c->jc, kpos, FL_ELIMIT, "segments",
                                     "more than %zu segments in one record", max);
        if (grow((void **)&c->seg, &c->cap_seg, n + 1, sizeof *c->seg))
            return nomem(c);
        memmove(&c->seg[i + 1], &c->seg[i], (n - i) * sizeof *c->seg);
        c->seg[i].name = name;
        c->seg[i].value = value;
        n++;
    }
    if (n == 0)
        return FL_OK;
    struct fl_label *arr = fl_arena_alloc(&c->b->arena, n * sizeof *arr);
    if (!arr)
        return oom(c);
    memcpy(arr, c->seg, n * sizeof *arr);
    r->segments = arr;
    r->n_segments = n;
    return FL_OK;
}

/* ---- one line ---- */

static bool is_hex(char ch)
{
    unsigned char u = (unsigned char)ch;
    return (unsigned)(u - '0') < 10u || (unsigned)((u | 0x20) - 'a') < 6u;
}

/* A trace id is 32 hex digits, not all zero. */
static bool trace_id_ok(struct fl_str s)
{
    if (s.len != 32)
        return false;
    unsigned bad = 0, nonzero = 0;
    for (size_t i = 0; i < 32; i++) { /* no early exit: the common id is valid */
        bad |= !is_hex(s.p[i]);
        nonzero |= s.p[i] != '0';
    }
    return !bad && nonzero;
}

/* The valid trace id s in lowercase in the batch arena; NULL when the arena failed. */
static const char *trace_id_copy(struct ctx *c, struct fl_str s)
{
    char *id = fl_batch_strndup(c->b, s.p, s.len);
    if (!id)
        return NULL;
    unsigned upper = 0;
    for (size_t i = 0; i < 32; i++)
        upper |= (unsigned)((unsigned char)id[i] - 'A') < 6u;
    for (size_t i = 0; upper && i < 32; i++)
        if (id[i] >= 'A' && id[i] <= 'F')
            id[i] = (char)(id[i] - 'A' + 'a');
    return id;
}

static fl_err parse_trace_id(struct ctx *c, const char **out)
{
    size_t pos;
    bool present;
    fl_err e = optional_field(c, "trace_id", FL_JSON_STRING, "string", &pos, &present);
    if (e != FL_OK || !present)
        return e;
    struct fl_str s;
    if ((e = fl_ingest__get_str(&c->jc, &s)) != FL_OK)
        return e;
    if (!trace_id_ok(s))
        return fl_ingest__err_at(&c->jc, pos, FL_EPARSE, "trace_id",
                                 "expected 32 hex digits, not all zero");
    return (*out = trace_id_copy(c, s)) ? FL_OK : oom(c);
}

/* model_version: a string, or a number written as its shortest form ("3"). */
static fl_err parse_version(struct ctx *c, const char **out)
{
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    if (fl_json_peek(&c->jc.j) == FL_JSON_NUMBER) {
        double v;
        char buf[40];
        fl_err e = fl_json_get_double(&c->jc.j, &v);
        if (e)
            return fl_ingest__json_fail(&c->jc, e);
        size_t len = fl_fmt_double(v, buf, sizeof buf);
        *out = intern(c, (struct fl_str){buf, len}, NULL);
        return *out ? FL_OK : oom(c);
    }
    (void)pos;
    struct fl_str s;
    fl_err e = get_str_field(c, "model_version", FL_LIMIT_NAME_BYTES, &s);
    if (e)
        return e;
    *out = intern(c, s, NULL);
    return *out ? FL_OK : oom(c);
}

static fl_err parse_latency(struct ctx *c, double *out)
{
    size_t pos;
    bool present;
    fl_err e = optional_field(c, "latency_ms", FL_JSON_NUMBER, "number", &pos, &present);
    if (e != FL_OK || !present)
        return e;
    if ((e = fl_json_get_double(&c->jc.j, out)) != FL_OK)
        return fl_ingest__json_fail(&c->jc, e);
    if (!(*out >= 0) || !isfinite(*out))
        return fl_ingest__err_at(&c->jc, pos, FL_EPARSE, "latency_ms",
                                 "must be a finite number >= 0");
    return FL_OK;
}

/* Open the line's object; *opos receives the position of '{'. */
static fl_err begin_line(struct ctx *c, struct fl_str line, size_t *opos)
{
    fl_ingest__jctx_start(&c->jc, line.p, line.len, c->line_no);
    *opos = fl_ingest__jctx_mark(&c->jc);
    enum fl_json_type t = fl_json_peek(&c->jc.j);
    if (t != FL_JSON_OBJECT) {
        if (t == FL_JSON_NONE)
            return fl_ingest__bad_type(&c->jc, *opos, t, NULL, "line", "a JSON object");
        return fl_ingest__err_at(&c->jc, *opos, FL_EPARSE, NULL,
                                 "expected a JSON object per line, got %s",
                                 fl_ingest__json_type_name(t));
    }
    fl_err e = fl_json_enter_object(&c->jc.j);
    return e ? fl_ingest__json_fail(&c->jc, e) : FL_OK;
}

/*
 * Next top-level key of the line; *kd NULL when the object ended. Unknown keys and repeats
 * (also through an alias) are errors. When sv is not NULL a compact scalar member is read in one
 * step (fl_json_next_scalar_member): *fast says so, and sv holds its value. The caller either
 * takes that value or calls unread_value, after which the reader stands where fl_json_next_key
 * leaves it, so the general path reads (and reports on) the value as it always did.
 */
static fl_err next_top_key(struct ctx *c, const struct key_def *keys, const char *keys_text,
                           const char **seen, const struct key_def **kd, size_t *kpos,
                           struct fl_json_scalar *sv, bool *fast)
{
    struct fl_str key;
    bool more;
    size_t before = c->jc.j.pos;
    *kd = NULL;
    *fast = sv && fl_json_next_scalar_member(&c->jc.j, &key, sv);
    if (!*fast) {
        fl_err e = fl_json_next_key(&c->jc.j, &c->jc.kscratch, &key, &more);
        if (e)
            return fl_ingest__json_fail(&c->jc, e);
        if (!more)
            return FL_OK;
    }
    *kpos = key_pos(c, key, before);
    const struct key_def *k = find_key(keys, key);
    if (!k) {
        char kn[160];
        quote_name(key, kn, sizeof kn);
        return fl_ingest__err_at(&c->jc, *kpos, FL_EPARSE, kn,
                                 "unknown field \"%s\" (expected one of %s)", kn, keys_text);
    }
    if (seen[k->id]) {
        if (strcmp(seen[k->id], k->name) == 0)
            return fl_ingest__err_at(&c->jc, *kpos, FL_EPARSE, k->name,
                                     "field \"%s\" given twice", k->name);
        return fl_ingest__err_at(&c->jc, *kpos, FL_EPARSE, k->name,
                                 "field \"%s\" repeats \"%s\" (they are aliases)", k->name,
                                 seen[k->id]);
    }
    seen[k->id] = k->name;
    *kd = k;
    return FL_OK;
}

/* A time, or null for "not given" (the default, the time of the call, stays). */
static fl_err get_ts_or_null(struct ctx *c, const char *name, int64_t *ts_ms)
{
    if (fl_json_peek(&c->jc.j) == FL_JSON_NULL) {
        fl_err e = fl_json_get_null(&c->jc.j);
        return e ? fl_ingest__json_fail(&c->jc, e) : FL_OK;
    }
    return fl_ingest__get_ts(&c->jc, name, ts_ms);
}

static fl_err missing(struct ctx *c, size_t opos, const char *name)
{
    return fl_ingest__err_at(&c->jc, opos, FL_EPARSE, name, "missing required field \"%s\"",
                             name);
}

static fl_err finish_line(struct ctx *c)
{
    fl_err e = fl_json_end(&c->jc.j);
    return e ? fl_ingest__json_fail(&c->jc, e) : FL_OK;
}

/*
 * A top-level member read in one step (next_top_key): 1 when its value was valid for the field and
 * is now in r, exactly as the field's general reader would have stored it; 0 when the general
 * reader must take it (other types, and every value it rejects, so that errors stay its own);
 * -1 when the batch arena failed.
 */
static int fast_top_value(struct ctx *c, int id, const struct fl_json_scalar *sv,
                          struct fl_inference *r)
{
    enum fl_json_type t = sv->type;
    struct fl_str s = sv->str;
    switch (id) {
    case K_TS:
        return t == FL_JSON_NULL ||
               (t == FL_JSON_NUMBER && fl_ingest__ts_from_number(sv->num, &r->ts_ms) == FL_OK);
    case K_REQUEST_ID:
        if (t != FL_JSON_STRING || s.len == 0 || s.len > FL_LIMIT_VALUE_BYTES)
            return 0;
        return (r->request_id = fl_batch_strndup(c->b, s.p, s.len)) ? 1 : -1;
    case K_TRACE_ID:
        if (t == FL_JSON_NULL)
            return 1;
        if (t != FL_JSON_STRING || !trace_id_ok(s))
            return 0;
        return (r->trace_id = trace_id_copy(c, s)) ? 1 : -1;
    case K_MODEL:
        if (t != FL_JSON_STRING || s.len == 0 || s.len > FL_LIMIT_NAME_BYTES)
            return 0;
        return (r->model = intern_memo(c, &c->last_model, s)) ? 1 : -1;
    case K_VERSION:
        if (t != FL_JSON_STRING || s.len == 0 || s.len > FL_LIMIT_NAME_BYTES)
            return 0;
        return (r->model_version = intern_memo(c, &c->last_version, s)) ? 1 : -1;
    case K_PREDICTION:
        if (t == FL_JSON_NULL)
            return 1;
        if (t != FL_JSON_NUMBER)
            return 0;
        r->pred_kind = FL_PRED_SCORE;
        r->score = sv->num;
        return 1;
    case K_LATENCY:
        if (t == FL_JSON_NULL)
            return 1;
        if (t != FL_JSON_NUMBER || !(sv->num >= 0) || !isfinite(sv->num))
            return 0;
        r->latency_ms = sv->num;
        return 1;
    case K_FEATURES:
    case K_SEGMENTS:
        return t == FL_JSON_NULL; /* null: absent; other scalars are errors */
    default:
        return 0;
    }
}

static fl_err parse_inference_line(struct ctx *c, struct fl_str line, struct fl_inference *r)
{
    const char *seen[K__COUNT] = {0};
    const struct key_def *kd;
    size_t opos, kpos = 0;
    struct fl_str s;
    fl_err e = begin_line(c, line, &opos);
    memset(r, 0, sizeof *r);
    r->ts_ms = c->now_ms;
    r->score = NAN;
    r->latency_ms = NAN;
    while (e == FL_OK) {
        struct fl_json_scalar sv;
        bool fast;
        if ((e = next_top_key(c, inference_keys, INFERENCE_KEYS_TEXT, seen, &kd, &kpos, &sv,
                              &fast)) ||
            !kd)
            break;
        if (fast) {
            int taken = fast_top_value(c, kd->id, &sv, r);
            if (taken < 0) {
                e = oom(c);
                break;
            }
            if (taken)
                continue;
            unread_value(c, &sv);
        }
        switch (kd->id) {
        case K_TS:
            e = get_ts_or_null(c, kd->name, &r->ts_ms);
            break;
        case K_REQUEST_ID:
            if ((e = get_str_field(c, "request_id", FL_LIMIT_VALUE_BYTES, &s)) == FL_OK &&
                !(r->request_id = fl_batch_strndup(c->b, s.p, s.len)))
                e = oom(c);
            break;
        case K_TRACE_ID:
            e = parse_trace_id(c, &r->trace_id);
            break;
        case K_MODEL:
            if ((e = get_str_field(c, "model", FL_LIMIT_NAME_BYTES, &s)) == FL_OK &&
                !(r->model = intern(c, s, NULL)))
                e = oom(c);
            break;
        case K_VERSION:
            e = parse_version(c, &r->model_version);
            break;
        case K_FEATURES:
            e = parse_features(c, r);
            break;
        case K_PREDICTION:
            e = parse_prediction(c, r);
            break;
        case K_SEGMENTS:
            e = parse_segments(c, r);
            break;
        case K_LATENCY:
            e = parse_latency(c, &r->latency_ms);
            break;
        default:
            e = FL_EINVAL; /* not reachable: find_key only returns listed ids */
        }
    }
    if (e)
        return e;
    if (!r->request_id)
        return missing(c, opos, "request_id");
    if (!r->model)
        return missing(c, opos, "model");
    if (!r->model_version)
        return missing(c, opos, "model_version");
    return finish_line(c);
}

static fl_err parse_outcome_value(struct ctx *c, double *v)
{
    size_t pos = fl_ingest__jctx_mark(&c->jc);
    enum fl_json_type t = fl_json_peek(&c->jc.j);
    if (t != FL_JSON_NUMBER && t != FL_JSON_BOOL)
        return fl_ingest__bad_type(&c->jc, pos, t, "value", "field \"value\"", "number or bool");
    return get_number(c, t, v);
}

static fl_err parse_outcome_line(struct ctx *c, struct fl_str line, struct fl_outcome *o)
{
    const char *seen[K__COUNT] = {0};
    const struct key_def *kd;
    size_t opos, kpos = 0;
    struct fl_str s;
    bool have_value = false;
    fl_err e = begin_line(c, line, &opos);
    memset(o, 0, sizeof *o);
    o->ts_ms = c->now_ms;
    while (e == FL_OK) {
        bool fast;
        if ((e = next_top_key(c, outcome_keys, OUTCOME_KEYS_TEXT, seen, &kd, &kpos, NULL,
                              &fast)) ||
            !kd)
            break;
        switch (kd->id) {
        case K_TS:
            e = get_ts_or_null(c, kd->name, &o->ts_ms);
            break;
        case K_REQUEST_ID:
            if ((e = get_str_field(c, "request_id", FL_LIMIT_VALUE_BYTES, &s)) == FL_OK &&
                !(o->request_id = fl_batch_strndup(c->b, s.p, s.len)))
                e = oom(c);
            break;
        case K_NAME:
            if ((e = get_str_field(c, kd->name, FL_LIMIT_NAME_BYTES, &s)) == FL_OK &&
                !(o->name = intern(c, s, NULL)))
                e = oom(c);
            break;
        case K_VALUE:
            e = parse_outcome_value(c, &o->value);
            have_value = true;
            break;
        case K_ATTRIBUTES:
            e = fl_ingest__get_raw_object(&c->jc, c->b, "attributes", &o->attrs_json);
            break;
        default:
            e = FL_EINVAL;
        }
    }
    if (e)
        return e;
    if (!o->request_id)
        return missing(c, opos, "request_id");
    if (!o->name)
        return missing(c, opos, "name");
    if (!have_value)
        return missing(c, opos, "value");
    if (!o->attrs_json)
        o->attrs_json = "{}"; /* static storage outlives the batch */
    return finish_line(c);
}

/* ---- entry points ---- */

enum which { INFERENCES, OUTCOMES };

static fl_err parse_jsonl(enum which w, const char *p, size_t len, const struct fl_limits *lim,
                          struct fl_batch *b, struct fl_diag *d)
{
    struct fl_limits lim_storage;
    struct ctx c;
    memset(&c, 0, sizeof c);
    c.b = b;
    c.d = d;
    c.lim = fl_ingest__limits(lim, &lim_storage);
    c.now_ms = fl_time_now_ms();
    fl_ingest__jctx_init(&c.jc, d, c.lim->line_bytes);
    fl_ingest__intern_init(&c.in, b);
    struct fl_ingest__lines it;
    fl_ingest__lines_init(&it, p, p ? len : 0);
    struct fl_str line;
    fl_err e = FL_OK;
    while (fl_ingest__lines_next(&it, &line, &c.line_no)) {
        if (line.len > c.lim->line_bytes) {
            e = fl_diag_set(d, FL_ELIMIT, c.line_no, 0,
                            "line is %zu bytes, longer than the limit of %zu bytes", line.len,
                            c.lim->line_bytes);
            break;
        }
        if (w == INFERENCES) {
            struct fl_inference r;
            if ((e = parse_inference_line(&c, line, &r)) != FL_OK)
                break;
            e = fl_batch_add_inference(b, &r);
        } else {
            struct fl_outcome o;
            if ((e = parse_outcome_line(&c, line, &o)) != FL_OK)
                break;
            e = fl_batch_add_outcome(b, &o);
        }
        if (e) {
            e = fl_ingest__batch_fail(d, e, b, c.line_no);
            break;
        }
    }
    fl_ingest__intern_cleanup(&c.in);
    fl_ingest__jctx_cleanup(&c.jc);
    fl_free(c.feat);
    fl_free(c.fslot);
    fl_free(c.seg);
    fl_free(c.segname);
    fl_free(c.scores);
    fl_free(c.sort_tmp);
    return e;
}

fl_err fl_inference_jsonl_to_batch(const char *p, size_t len, const struct fl_limits *lim,
                                   struct fl_batch *b, struct fl_diag *d)
{
    return parse_jsonl(INFERENCES, p, len, lim, b, d);
}

fl_err fl_outcome_jsonl_to_batch(const char *p, size_t len, const struct fl_limits *lim,
                                 struct fl_batch *b, struct fl_diag *d)
{
    return parse_jsonl(OUTCOMES, p, len, lim, b, d);
}
