/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_models.c: `faultline models`, the model registry on the data directory (like `faultline
 * query` reads it): list, show MODEL, versions MODEL, register MODEL VERSION [...], stage MODEL
 * VERSION STAGE, alias MODEL ALIAS VERSION (or --delete), traffic MODEL. Tables for people,
 * --format json for scripts (the same JSON as the HTTP API, docs/API.md). Registry rules and
 * the meaning of every field: docs/REGISTRY.md. Exit status 0; 1 when the store fails or the
 * model, version or alias does not exist; 2 on usage errors and invalid names, stages, metrics
 * or times.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config/config.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/time.h"
#include "monitor/registry.h"
#include "store/store.h"

static const char usage_text[] =
    "usage: faultline models [--data-dir DIR] [--format table|json] COMMAND\n"
    "  list                                  models with versions, stages, aliases, traffic\n"
    "  show MODEL                            one model: aliases and its versions\n"
    "  versions MODEL [--artifacts]          every version with its metadata\n"
    "  register MODEL VERSION [--stage S] [--archive-others] [--metric NAME=NUMBER]...\n"
    "           [--train-from T] [--train-to T] [--description D] [--schema FILE]\n"
    "           [--profile FILE]             register a version or update its metadata\n"
    "  stage MODEL VERSION STAGE [--archive-others]\n"
    "                                        STAGE: none staging production archived shadow\n"
    "  alias MODEL ALIAS VERSION | alias --delete MODEL ALIAS\n"
    "  traffic MODEL [--from T] [--to T] [--step D]\n"
    "                                        requests per version and step (default: last hour)\n"
    "  T: RFC 3339, unix seconds, now, now-1h; D: duration like 5m\n";

#define MAX_POS 4

struct mopts {
    const char *data_dir, *format, *stage, *from, *to, *step, *description, *schema, *profile;
    const char *train_from, *train_to;
    const char *pos[MAX_POS];
    size_t n_pos;
    bool json, archive, artifacts, del;
    struct fl_store_reg_metric metrics[FL_STORE_REG_MAX_METRICS];
    size_t n_metrics;
};

static const struct fl_cli_cmd cli = {"models", usage_text};

/* FL_ENOTFOUND and store failures are runtime errors (1); bad input is a usage error (2). */
static int fail(fl_err e, const struct fl_diag *d)
{
    fl_cli_print_diag("models", d);
    return e == FL_EINVAL || e == FL_EPARSE ? 2 : 1;
}

static int add_metric(struct mopts *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    double v;
    if (!eq || eq == arg || !fl_str_to_double(fl_str_c(eq + 1), &v) || !isfinite(v))
        return fl_cli_usage_error(&cli, "--metric: expected NAME=NUMBER", arg);
    if (o->n_metrics == FL_STORE_REG_MAX_METRICS)
        return fl_cli_usage_error(&cli, "too many --metric options", arg);
    char *name = fl_strndup(arg, (size_t)(eq - arg));
    if (!name)
        return fl_cli_usage_error(&cli, "out of memory", NULL);
    o->metrics[o->n_metrics++] = (struct fl_store_reg_metric){name, v};
    return 0;
}

static int parse_args(int argc, char **argv, struct mopts *o)
{
    static const struct {
        const char *name;
        size_t off;
    } valued[] = {
        {"--data-dir", offsetof(struct mopts, data_dir)},
        {"--format", offsetof(struct mopts, format)},
        {"--stage", offsetof(struct mopts, stage)},
        {"--from", offsetof(struct mopts, from)},
        {"--to", offsetof(struct mopts, to)},
        {"--step", offsetof(struct mopts, step)},
        {"--description", offsetof(struct mopts, description)},
        {"--schema", offsetof(struct mopts, schema)},
        {"--profile", offsetof(struct mopts, profile)},
        {"--train-from", offsetof(struct mopts, train_from)},
        {"--train-to", offsetof(struct mopts, train_to)},
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (fl_cli_is_help(a)) {
            printf("%s", usage_text);
            return -1;
        }
        bool *flag = !strcmp(a, "--archive-others") ? &o->archive
                     : !strcmp(a, "--artifacts")      ? &o->artifacts
                     : !strcmp(a, "--delete")         ? &o->del
                                                      : NULL;
        if (flag) {
            *flag = true;
            continue;
        }
        if (a[0] == '-' && a[1] == '-' && a[2]) {
            size_t nlen = strcspn(a, "=");
            const char *val = a[nlen] == '=' ? a + nlen + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
            if (!val)
                return fl_cli_usage_error(&cli, "option needs a value", a);
            if (a[nlen] != '=')
                i++;
            if (nlen == 8 && !strncmp(a, "--metric", 8)) {
                int rc = add_metric(o, val);
                if (rc)
                    return rc;
                continue;
            }
            size_t k = 0;
            for (; k < sizeof valued / sizeof valued[0]; k++)
                if (strlen(valued[k].name) == nlen && !strncmp(a, valued[k].name, nlen))
                    break;
            if (k == sizeof valued / sizeof valued[0])
                return fl_cli_usage_error(&cli, "unknown option", a);
            *(const char **)((char *)o + valued[k].off) = val;
            continue;
        }
        if (o->n_pos == MAX_POS)
            return fl_cli_usage_error(&cli, "too many arguments", a);
        o->pos[o->n_pos++] = a;
    }
    if (o->format && fl_cli_choice(&cli, "--format", o->format, "table|json") < 0)
        return 2;
    o->json = o->format && !strcmp(o->format, "json");
    if (o->n_pos == 0)
        return fl_cli_usage_error(&cli, "no command given", NULL);
    return 0;
}

static fl_err open_store(const struct mopts *o, const struct fl_config *cfg, bool write,
                         struct fl_store **s, struct fl_diag *d)
{
    struct fl_store_opts so;
    fl_store_opts_default(&so);
    so.read_only = !write;
    return fl_store_open(o->data_dir ? o->data_dir : cfg->data_dir, &so, s, d);
}

static void time_text(int64_t ms, char *out, size_t cap)
{
    if (ms == FL_TS_NONE)
        snprintf(out, cap, "-");
    else
        fl_time_fmt_rfc3339_ms(ms, out, cap);
}

static int print_buf(struct fl_buf *b)
{
    if (fl_buf_err(b) != FL_OK) {
        fprintf(stderr, "faultline models: answer too large to print\n");
        return 1;
    }
    fwrite(b->data ? b->data : "", 1, b->len, stdout);
    return 0;
}

/* ---- list ---- */

struct model_row {
    char *model;
    size_t versions;
    uint64_t inferences;
    int64_t last_seen;
    struct fl_buf production;
};

struct list_ctx {
    struct model_row *rows;
    size_t n, cap;
    bool oom;
};

static int list_version(const struct fl_store_reg_version *v, void *ud)
{
    struct list_ctx *x = ud;
    if (!x->n || strcmp(x->rows[x->n - 1].model, v->info.v.model)) {
        if (x->n == x->cap) {
            size_t ncap = x->cap ? 2 * x->cap : 16;
            struct model_row *nr = fl_reallocarray(x->rows, ncap, sizeof *nr);
            if (!nr)
                return x->oom = true;
            x->rows = nr;
            x->cap = ncap;
        }
        struct model_row *r = &x->rows[x->n];
        memset(r, 0, sizeof *r);
        fl_buf_init(&r->production, 1u << 20);
        r->last_seen = FL_TS_NONE;
        x->n++;
        if (!(r->model = fl_strdup(v->info.v.model)))
            return x->oom = true;
    }
    struct model_row *r = &x->rows[x->n - 1];
    r->versions++;
    r->inferences += v->info.n_inferences;
    if (v->info.last_seen_ms != FL_TS_NONE &&
        (r->last_seen == FL_TS_NONE || v->info.last_seen_ms > r->last_seen))
        r->last_seen = v->info.last_seen_ms;
    if (v->info.v.stage && !strcmp(v->info.v.stage, "production")) {
        if (r->production.len)
            fl_buf_putc(&r->production, ',');
        fl_buf_puts(&r->production, v->info.v.version);
    }
    return 0;
}

static int alias_text(const char *alias, const char *version, int64_t ts_ms, void *ud)
{
    (void)ts_ms;
    struct fl_buf *b = ud;
    fl_buf_printf(b, "%s%s=%s", b->len ? "," : "", alias, version);
    return 0;
}

static int cmd_list(struct fl_store *s, const struct mopts *o)
{
    struct fl_diag d;
    struct fl_buf b;
    struct list_ctx x = {NULL, 0, 0, false};
    int rc = 0;
    fl_diag_init(&d);
    fl_buf_init(&b, (size_t)1 << 30);
    if (o->json) {
        fl_err e = fl_registry_list_json(s, NULL, &b, &d);
        rc = e ? fail(e, &d) : print_buf(&b);
        fl_buf_cleanup(&b);
        return rc;
    }
    fl_err e = fl_store_registry_versions(s, NULL, false, list_version, &x, &d);
    if (e == FL_OK && x.oom)
        e = fl_diag_set(&d, FL_ENOMEM, 0, 0, "out of memory");
    if (e != FL_OK) {
        rc = fail(e, &d);
        goto out;
    }
    printf("%-24s %8s  %-16s %-24s %12s  %s\n", "MODEL", "VERSIONS", "PRODUCTION", "ALIASES",
           "INFERENCES", "LAST SEEN");
    for (size_t i = 0; i < x.n; i++) {
        struct model_row *r = &x.rows[i];
        char t[48];
        fl_buf_reset(&b);
        if ((e = fl_store_registry_aliases(s, r->model, alias_text, &b, &d)) != FL_OK) {
            rc = fail(e, &d);
            goto out;
        }
        time_text(r->last_seen, t, sizeof t);
        printf("%-24s %8zu  %-16s %-24s %12llu  %s\n", r->model, r->versions,
               r->production.len ? r->production.data : "-", b.len ? b.data : "-",
               (unsigned long long)r->inferences, t);
    }
    if (x.n == 0)
        fprintf(stderr, "faultline models: no model registered or seen serving\n");
out:
    for (size_t i = 0; i < x.n; i++) {
        fl_free(x.rows[i].model);
        fl_buf_cleanup(&x.rows[i].production);
    }
    fl_free(x.rows);
    fl_buf_cleanup(&b);
    return rc;
}

/* ---- show, versions ---- */

static void metrics_text(const struct fl_store_reg_version *v, struct fl_buf *b)
{
    for (size_t i = 0; i < v->n_metrics; i++) {
        char num[40];
        fl_fmt_double(v->metrics[i].value, num, sizeof num);
        fl_buf_printf(b, "%s%s=%s", i ? "," : "", v->metrics[i].name, num);
    }
}

struct show_ctx {
    size_t n;
    bool detail;
};

static int show_version(const struct fl_store_reg_version *v, void *ud)
{
    struct show_ctx *x = ud;
    char created[48], first[48], last[48];
    struct fl_buf m, al;
    fl_buf_init(&m, 1u << 20);
    fl_buf_init(&al, 1u << 20);
    metrics_text(v, &m);
    for (size_t i = 0; i < v->n_aliases; i++)
        fl_buf_printf(&al, "%s%s", i ? "," : "", v->aliases[i]);
    time_text(v->created_ms, created, sizeof created);
    time_text(v->info.first_seen_ms, first, sizeof first);
    time_text(v->info.last_seen_ms, last, sizeof last);
    const char *stage = v->info.v.stage ? v->info.v.stage : "none";
    if (!x->detail) {
        if (x->n++ == 0)
            printf("%-12s %-11s %-24s %-24s %-24s %10s  %-16s %s\n", "VERSION", "STAGE", "CREATED",
                   "FIRST SEEN", "LAST SEEN", "INFERENCES", "ALIASES", "METRICS");
        printf("%-12s %-11s %-24s %-24s %-24s %10llu  %-16s %s\n", v->info.v.version, stage,
               created, first, last, (unsigned long long)v->info.n_inferences,
               al.len ? al.data : "-", m.len ? m.data : "-");
    } else {
        char tf[48], tt[48], fc[48];
        time_text(v->train_from_ms, tf, sizeof tf);
        time_text(v->train_to_ms, tt, sizeof tt);
        time_text(v->first_change_ms, fc, sizeof fc);
        printf("%s%s %s\n", x->n++ ? "\n" : "", v->info.v.model, v->info.v.version);
        printf("  stage             %s\n", stage);
        printf("  source            %s\n", v->registered ? "registry" : "inference log only");
        printf("  created           %s\n", created);
        printf("  description       %s\n", v->description ? v->description : "-");
        printf("  training window   %s .. %s\n", tf, tt);
        printf("  metrics           %s\n", m.len ? m.data : "-");
        printf("  aliases           %s\n", al.len ? al.data : "-");
        printf("  first seen        %s\n", first);
        printf("  last seen         %s\n", last);
        printf("  inferences        %llu\n", (unsigned long long)v->info.n_inferences);
        printf("  first change      %s\n", fc);
        if (v->profile_bytes >= 0)
            printf("  reference profile %lld bytes\n", (long long)v->profile_bytes);
        else
            printf("  reference profile -\n");
        if (v->schema_bytes >= 0)
            printf("  schema            %lld bytes\n", (long long)v->schema_bytes);
        else
            printf("  schema            -\n");
        if (x->detail && v->schema)
            printf("%s%s", v->schema, v->schema[0] && v->schema[strlen(v->schema) - 1] != '\n'
                                          ? "\n" : "");
    }
    fl_buf_cleanup(&m);
    fl_buf_cleanup(&al);
    return 0;
}

static int alias_line(const char *alias, const char *version, int64_t ts_ms, void *ud)
{
    char t[48];
    (void)ud;
    time_text(ts_ms, t, sizeof t);
    printf("alias %s -> %s (since %s)\n", alias, version, t);
    return 0;
}

static int count_one(const struct fl_store_reg_version *v, void *ud)
{
    (void)v;
    ++*(size_t *)ud;
    return 1; /* one is enough */
}

static int cmd_show(struct fl_store *s, const struct mopts *o, bool detail)
{
    struct fl_diag d;
    struct fl_buf b;
    const char *model = o->pos[1];
    fl_err e;
    int rc = 0;
    if (o->n_pos != 2)
        return fl_cli_usage_error(&cli, detail ? "versions needs MODEL" : "show needs MODEL", NULL);
    fl_diag_init(&d);
    fl_buf_init(&b, (size_t)1 << 30);
    if (o->json) {
        e = detail ? fl_registry_versions_json(s, model, o->artifacts, &b, &d)
                   : fl_registry_model_json(s, model, &b, &d);
        rc = e ? fail(e, &d) : print_buf(&b);
        fl_buf_cleanup(&b);
        return rc;
    }
    struct show_ctx x = {0, detail};
    size_t found = 0;
    if ((e = fl_store_registry_versions(s, model, false, count_one, &found, &d)) == FL_OK &&
        !found)
        e = fl_diag_set(&d, FL_ENOTFOUND, 0, 0, "model \"%s\" not found", model);
    if (e != FL_OK) {
        fl_buf_cleanup(&b);
        return fail(e, &d);
    }
    if (!detail) {
        printf("model %s\n", model);
        if ((e = fl_store_registry_aliases(s, model, alias_line, NULL, &d)) != FL_OK) {
            fl_buf_cleanup(&b);
            return fail(e, &d);
        }
    }
    e = fl_store_registry_versions(s, model, detail && o->artifacts, show_version, &x, &d);
    if (e == FL_OK && x.n == 0)
        e = fl_diag_set(&d, FL_ENOTFOUND, 0, 0, "model \"%s\" not found", model);
    fl_buf_cleanup(&b);
    return e ? fail(e, &d) : 0;
}

/* ---- register, stage, alias ---- */

static int read_file_arg(const char *what, const char *path, size_t max, struct fl_buf *out,
                         struct fl_diag *d)
{
    fl_buf_init(out, max + 1);
    if (fl_file_read(path, max, out, d) != FL_OK) {
        fl_diag_field(d, "%s", what);
        fl_cli_print_diag("models", d);
        return 2;
    }
    return 0;
}

static int time_arg(const char *what, const char *v, int64_t *out)
{
    struct fl_diag d;
    fl_diag_init(&d);
    if (fl_time_parse_any(fl_str_c(v), fl_time_now_ms(), out, &d) != FL_OK) {
        fl_diag_field(&d, "%s", what);
        fl_cli_print_diag("models", &d);
        return 2;
    }
    return 0;
}

static int check_names(const char *model, const char *version)
{
    const char *why = fl_registry_name_check(model);
    if (why)
        return fl_cli_usage_error(&cli, why, "MODEL");
    if (version && (why = fl_registry_name_check(version)))
        return fl_cli_usage_error(&cli, why, "VERSION");
    return 0;
}

/* The answer of a registry write: the API's JSON, or one line. */
static int print_put(struct fl_store *s, const struct mopts *o, const struct fl_store_reg_put *p,
                     const struct fl_store_reg_result *res)
{
    if (o->json) {
        struct fl_buf b;
        fl_buf_init(&b, (size_t)1 << 30);
        fl_buf_printf(&b,
                      "{\"created\":%s,\"stage_changed\":%s,\"from_stage\":\"%s\",\"archived\":%zu,"
                      "\"events\":%zu}\n",
                      res->created ? "true" : "false", res->stage_changed ? "true" : "false",
                      res->old_stage, res->n_archived, res->n_events);
        int rc = print_buf(&b);
        fl_buf_cleanup(&b);
        return rc;
    }
    (void)s;
    printf("%s %s: %s", p->model, p->version, res->created ? "registered" : "updated");
    if (res->stage_changed)
        printf(", stage %s -> %s", res->old_stage, p->stage);
    else if (p->stage)
        printf(", stage %s (unchanged)", p->stage);
    if (res->n_archived)
        printf(", %zu other version%s archived", res->n_archived, res->n_archived > 1 ? "s" : "");
    printf("\n");
    return 0;
}

static int cmd_put(struct fl_store *s, const struct fl_config *cfg, const struct mopts *o,
                   bool stage_cmd)
{
    struct fl_store_reg_put p;
    struct fl_store_reg_result res;
    struct fl_buf schema, profile;
    struct fl_diag d;
    int rc;
    memset(&p, 0, sizeof p);
    fl_buf_init(&schema, 0);
    fl_buf_init(&profile, 0);
    fl_diag_init(&d);
    if (o->n_pos != (stage_cmd ? 4u : 3u))
        return fl_cli_usage_error(
            &cli, stage_cmd ? "stage needs MODEL VERSION STAGE" : "register needs MODEL VERSION",
            NULL);
    p.model = o->pos[1];
    p.version = o->pos[2];
    p.stage = stage_cmd ? o->pos[3] : o->stage;
    p.must_exist = stage_cmd;
    p.archive_others = o->archive;
    p.description = o->description;
    p.train_from_ms = p.train_to_ms = FL_TS_NONE;
    p.metrics = o->metrics;
    p.n_metrics = o->n_metrics;
    if ((rc = check_names(p.model, p.version)) != 0)
        return rc;
    if (p.stage && !fl_registry_stage_valid(p.stage))
        return fl_cli_usage_error(&cli,
                                  "unknown stage (expected none, staging, production, archived or "
                                  "shadow)",
                                  p.stage);
    if (p.archive_others && !p.stage)
        return fl_cli_usage_error(&cli, "--archive-others needs a stage", NULL);
    if ((o->train_from && (rc = time_arg("--train-from", o->train_from, &p.train_from_ms))) ||
        (o->train_to && (rc = time_arg("--train-to", o->train_to, &p.train_to_ms))))
        return rc;
    if (p.train_from_ms != FL_TS_NONE && p.train_to_ms != FL_TS_NONE &&
        p.train_to_ms < p.train_from_ms)
        return fl_cli_usage_error(&cli, "--train-to is before --train-from", NULL);
    if (o->schema) {
        if ((rc = read_file_arg("--schema", o->schema, FL_LIMIT_SCHEMA_BYTES, &schema, &d)))
            goto out;
        if (schema.len && memchr(schema.data, '\0', schema.len)) {
            rc = fl_cli_usage_error(&cli, "--schema: the file is not text (it holds a NUL byte)",
                                    o->schema);
            goto out;
        }
        p.schema = schema.data ? schema.data : "";
    }
    if (o->profile) {
        if ((rc = read_file_arg("--profile", o->profile, FL_REGISTRY_PROFILE_MAX_BYTES, &profile,
                                &d)))
            goto out;
        p.set_profile = true;
        p.profile = profile.data;
        p.profile_len = profile.len;
    }
    p.component = fl_registry_component(cfg, p.model);
    p.now_ms = fl_time_now_ms();
    fl_err e = fl_store_registry_put(s, &p, &res, &d);
    rc = e ? fail(e, &d) : print_put(s, o, &p, &res);
out:
    fl_buf_cleanup(&schema);
    fl_buf_cleanup(&profile);
    return rc;
}

static int cmd_alias(struct fl_store *s, const struct fl_config *cfg, const struct mopts *o)
{
    struct fl_store_alias_result res;
    struct fl_diag d;
    int rc;
    if (o->n_pos != (o->del ? 3u : 4u))
        return fl_cli_usage_error(
            &cli, o->del ? "alias --delete needs MODEL ALIAS" : "alias needs MODEL ALIAS VERSION",
            NULL);
    const char *model = o->pos[1], *alias = o->pos[2], *version = o->del ? NULL : o->pos[3];
    if ((rc = check_names(model, version)) != 0)
        return rc;
    const char *why = fl_registry_alias_check(alias);
    if (why)
        return fl_cli_usage_error(&cli, why, alias);
    fl_diag_init(&d);
    fl_err e = fl_store_registry_alias(s, model, alias, version, fl_registry_component(cfg, model),
                                       fl_time_now_ms(), &res, &d);
    if (e)
        return fail(e, &d);
    if (o->json) {
        struct fl_buf b;
        fl_buf_init(&b, 1u << 20);
        fl_buf_puts(&b, "{\"model\":");
        fl_buf_put_json_str(&b, model, strlen(model));
        fl_buf_puts(&b, ",\"alias\":");
        fl_buf_put_json_str(&b, alias, strlen(alias));
        fl_buf_puts(&b, ",\"version\":");
        if (version)
            fl_buf_put_json_str(&b, version, strlen(version));
        else
            fl_buf_puts(&b, "null");
        fl_buf_puts(&b, ",\"previous\":");
        if (res.had_old)
            fl_buf_put_json_str(&b, res.old_version, strlen(res.old_version));
        else
            fl_buf_puts(&b, "null");
        fl_buf_printf(&b, ",\"changed\":%s}\n", res.changed ? "true" : "false");
        rc = print_buf(&b);
        fl_buf_cleanup(&b);
        return rc;
    }
    if (!version)
        printf("%s@%s removed (was %s)\n", model, alias, res.old_version);
    else if (!res.changed)
        printf("%s@%s already -> %s\n", model, alias, version);
    else if (res.had_old)
        printf("%s@%s -> %s (was %s)\n", model, alias, version, res.old_version);
    else
        printf("%s@%s -> %s\n", model, alias, version);
    return 0;
}

/* ---- traffic ---- */

static void print_traffic(const struct fl_registry_traffic *t)
{
    printf("%-24s %10s", "TIME", "TOTAL");
    for (size_t v = 0; v < t->n_versions; v++)
        printf("  %18.18s", t->versions[v]);
    printf("\n");
    for (size_t k = 0; k < t->n_buckets; k++) {
        char ts[48];
        fl_time_fmt_rfc3339_ms(t->start_ms + (int64_t)k * t->step_ms, ts, sizeof ts);
        printf("%-24s %10llu", ts, (unsigned long long)t->totals[k]);
        for (size_t v = 0; v < t->n_versions; v++) {
            char cell[64];
            double sh = fl_registry_traffic_share(t, v, k);
            snprintf(cell, sizeof cell, "%llu (%5.1f%%)",
                     (unsigned long long)t->counts[v * t->n_buckets + k],
                     isnan(sh) ? 0.0 : 100 * sh);
            printf("  %18s", isnan(sh) ? "-" : cell);
        }
        printf("\n");
    }
    if (t->n_changes)
        printf("\nchanges:\n");
    for (size_t i = 0; i < t->n_changes; i++) {
        char ts[48];
        fl_time_fmt_rfc3339_ms(t->changes[i].ts_ms, ts, sizeof ts);
        const struct fl_registry_change *c = &t->changes[i];
        printf("  %-24s %s\n", ts, *c->message ? c->message : c->attrs_json);
    }
}

static int cmd_traffic(struct fl_store *s, const struct mopts *o)
{
    struct fl_registry_traffic t;
    struct fl_diag d;
    int64_t now = fl_time_now_ms(), from, to, step = 0;
    int rc;
    if (o->n_pos != 2)
        return fl_cli_usage_error(&cli, "traffic needs MODEL", NULL);
    if ((rc = check_names(o->pos[1], NULL)) != 0)
        return rc;
    to = now;
    if ((o->to && (rc = time_arg("--to", o->to, &to))))
        return rc;
    from = to - 3600 * 1000;
    if ((o->from && (rc = time_arg("--from", o->from, &from))))
        return rc;
    fl_diag_init(&d);
    if (o->step && fl_duration_parse_step(fl_str_c(o->step), &step, &d) != FL_OK) {
        fl_diag_field(&d, "--step");
        fl_cli_print_diag("models", &d);
        return 2;
    }
    if (to < from)
        return fl_cli_usage_error(&cli, "--from is after --to", NULL);
    if (step <= 0) {
        step = ((to - from) / 60 + 999) / 1000 * 1000;
        if (step <= 0)
            step = 1000;
    }
    fl_err e = fl_registry_traffic(s, o->pos[1], from, to, step, &t, &d);
    if (e) {
        fl_registry_traffic_cleanup(&t);
        return e == FL_ELIMIT ? (fl_cli_print_diag("models", &d), 2) : fail(e, &d);
    }
    if (o->json) {
        struct fl_buf b;
        fl_buf_init(&b, (size_t)1 << 30);
        fl_registry_traffic_json(&t, o->pos[1], &b);
        rc = print_buf(&b);
        fl_buf_cleanup(&b);
    } else {
        print_traffic(&t);
        if (t.n_versions == 0)
            fprintf(stderr, "faultline models: no inferences of %s in the range\n", o->pos[1]);
    }
    fl_registry_traffic_cleanup(&t);
    return rc;
}

int fl_cli_models(const struct fl_cli_globals *g, int argc, char **argv)
{
    struct mopts *o = fl_calloc(1, sizeof *o);
    struct fl_config *cfg = NULL;
    struct fl_store *s = NULL;
    struct fl_diag d;
    int rc;
    if (!o) {
        fprintf(stderr, "faultline models: out of memory\n");
        return 1;
    }
    if ((rc = parse_args(argc, argv, o)) != 0) {
        rc = rc < 0 ? 0 : rc;
        goto out;
    }
    static const char *const cmds[] = {"list", "show", "versions", "register", "stage", "alias",
                                       "traffic"};
    size_t c = 0;
    while (c < sizeof cmds / sizeof cmds[0] && strcmp(o->pos[0], cmds[c]))
        c++;
    if (c == sizeof cmds / sizeof cmds[0]) {
        rc = fl_cli_usage_error(&cli, "unknown command", o->pos[0]);
        goto out;
    }
    if (c == 0 && o->n_pos != 1) {
        rc = fl_cli_usage_error(&cli, "list takes no argument", o->pos[1]);
        goto out;
    }
    if (!(cfg = fl_cli_load_config(g))) {
        rc = 1;
        goto out;
    }
    fl_diag_init(&d);
    bool write = c >= 3 && c <= 5;
    fl_err e = open_store(o, cfg, write, &s, &d);
    if (e) {
        rc = fail(e == FL_EINVAL ? FL_EIO : e, &d);
        goto out;
    }
    switch (c) {
    case 0:
        rc = cmd_list(s, o);
        break;
    case 1:
    case 2:
        rc = cmd_show(s, o, c == 2);
        break;
    case 3:
    case 4:
        rc = cmd_put(s, cfg, o, c == 4);
        break;
    case 5:
        rc = cmd_alias(s, cfg, o);
        break;
    default:
        rc = cmd_traffic(s, o);
        break;
    }
out:
    fl_store_free(s);
    fl_config_free(cfg);
    for (size_t i = 0; i < o->n_metrics; i++)
        fl_free((char *)o->metrics[i].name);
    fl_free(o);
    return rc;
}
