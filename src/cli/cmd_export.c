/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_export.c: `faultline export grafana [--out FILE] [--title T] [--uid U] [--data-dir DIR]`:
 * a Grafana dashboard (src/report/grafana.h, docs/GRAFANA.md) of the metric families stored, by
 * component, with the KPIs of the configuration and faultline's own model and batch series, change
 * events and alerts as annotations. Exit status 0, 1 when the store cannot be read, 2 on usage
 * errors.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config/config.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/matcher.h"
#include "report/grafana.h"
#include "store/store.h"

#define MAX_FAMILIES 5000
#define OUT_MAX ((size_t)64 * 1024 * 1024)

static const char usage_text[] =
    "usage: faultline export grafana [--out FILE] [--title TITLE] [--uid UID] [--data-dir DIR]\n"
    "  writes a Grafana dashboard (JSON) of the stored metric families by component, the KPIs,\n"
    "  faultline's model and batch series, change events and alerts as annotations\n";

static const struct fl_cli_cmd cli = {"export", usage_text};

struct collect {
    const struct fl_config *cfg;
    struct fl_grafana_family f[MAX_FAMILIES];
    char *names[MAX_FAMILIES];
    char *comps[MAX_FAMILIES];
    size_t n;
    bool truncated, oom;
};

static const char *label(const struct fl_label *l, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(l[i].name, name))
            return l[i].value;
    return NULL;
}

/* The topology component whose match labels the series carries, else its service or job. */
static const char *component_of(const struct fl_config *cfg, const struct fl_label *l, size_t n)
{
    for (size_t i = 0; cfg && i < cfg->n_components; i++) {
        const struct fl_component *c = &cfg->components[i];
        size_t hit = 0;
        for (size_t k = 0; k < c->n_match; k++) {
            const char *v = label(l, n, c->match[k].name);
            hit += v && !strcmp(v, c->match[k].value);
        }
        if (c->n_match && hit == c->n_match)
            return c->name;
    }
    const char *s = label(l, n, "service");
    return s ? s : label(l, n, "job");
}

static int on_series(const struct fl_label *l, size_t n_l, const int64_t *ts, const double *v,
                     size_t n, void *ud)
{
    (void)ts, (void)v, (void)n;
    struct collect *c = ud;
    const char *name = label(l, n_l, "__name__");
    if (!name || !strncmp(name, "faultline_", 10) || !strncmp(name, "scrape_", 7) ||
        !strcmp(name, "up"))
        return 0;
    char fam[512];
    int type = fl_grafana_family_of(name, label(l, n_l, "le") != NULL,
                                    label(l, n_l, "quantile") != NULL, fam, sizeof fam);
    const char *comp = component_of(c->cfg, l, n_l);
    if (type < 0)
        return 0;
    if (!comp)
        comp = ""; /* no component: the "other metrics" row */
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->names[i], fam) && !strcmp(c->comps[i], comp)) {
            if (type == FL_GF_HISTOGRAM || type == FL_GF_SUMMARY)
                c->f[i].type = type;
            return 0;
        }
    if (c->n == MAX_FAMILIES) {
        c->truncated = true;
        return 0;
    }
    c->names[c->n] = fl_strdup(fam);
    c->comps[c->n] = fl_strdup(comp);
    if (!c->names[c->n] || !c->comps[c->n]) {
        fl_free(c->names[c->n]);
        fl_free(c->comps[c->n]);
        c->oom = true;
        return 1;
    }
    c->f[c->n] = (struct fl_grafana_family){c->names[c->n], type,
                                            *comp ? c->comps[c->n] : NULL, NULL};
    c->n++;
    return 0;
}

/* Drop X_sum and X_count of a histogram or summary family X of the same component. */
static void drop_parts(struct collect *c)
{
    size_t w = 0;
    for (size_t i = 0; i < c->n; i++) {
        bool part = false;
        const char *nm = c->names[i];
        size_t l = strlen(nm);
        for (size_t k = 0; k < c->n && !part; k++) {
            if (c->f[k].type != FL_GF_HISTOGRAM && c->f[k].type != FL_GF_SUMMARY)
                continue;
            size_t b = strlen(c->names[k]);
            part = strcmp(c->comps[k], c->comps[i]) == 0 && l > b &&
                   !strncmp(nm, c->names[k], b) &&
                   (!strcmp(nm + b, "_sum") || !strcmp(nm + b, "_count"));
        }
        if (part) {
            fl_free(c->names[i]);
            fl_free(c->comps[i]);
            continue;
        }
        c->names[w] = c->names[i];
        c->comps[w] = c->comps[i];
        c->f[w] = c->f[i];
        w++;
    }
    c->n = w;
}

int fl_cli_export(const struct fl_cli_globals *g, int argc, char **argv)
{
    const char *out_path = NULL, *data_dir = NULL;
    struct fl_grafana_opts o = {0};
    if (argc < 2 || strcmp(argv[1], "grafana") != 0) {
        if (argc >= 2 && fl_cli_is_help(argv[1])) {
            printf("%s", usage_text);
            return 0;
        }
        return fl_cli_usage_error(&cli, argc < 2 ? "missing what to export" : "unknown export",
                                  argc < 2 ? NULL : argv[1]);
    }
    const struct fl_cli_opt opts[] = {
        {"--out", &out_path, NULL},
        {"--title", &o.title, NULL},
        {"--uid", &o.uid, NULL},
        {"--data-dir", &data_dir, NULL},
    };
    int rc = fl_cli_parse_options(&cli, opts, sizeof opts / sizeof opts[0], argc, argv, 2);
    if (rc != FL_CLI_GO_ON)
        return rc;
    rc = 1;
    struct fl_config *cfg = fl_cli_load_config(g);
    if (!cfg)
        return 1;
    struct fl_store *s = NULL;
    struct fl_store_opts so;
    struct fl_diag d;
    struct fl_matcher all;
    struct collect *c = fl_calloc(1, sizeof *c);
    struct fl_buf out;
    fl_buf_init(&out, OUT_MAX);
    fl_diag_init(&d);
    fl_store_opts_default(&so);
    so.read_only = true;
    if (!c) {
        fprintf(stderr, "faultline export: out of memory\n");
        goto done;
    }
    c->cfg = cfg;
    if (fl_store_open(data_dir ? data_dir : cfg->data_dir, &so, &s, &d) != FL_OK ||
        fl_matcher_init(&all, "__name__", FL_MATCH_RE, ".+", &d) != FL_OK) {
        fl_cli_print_diag("export", &d);
        goto done;
    }
    fl_err e = fl_store_select(s, &all, 1, 0, INT64_MAX / 2, false, on_series, c, &d);
    fl_matcher_cleanup(&all);
    if (e == FL_OK && c->oom)
        e = fl_diag_set(&d, FL_ENOMEM, 0, 0, "out of memory");
    if (e != FL_OK) {
        fl_cli_print_diag("export", &d);
        goto done;
    }
    drop_parts(c);
    if (c->truncated)
        fprintf(stderr, "faultline export: more than %d metric families; the rest are left out\n",
                MAX_FAMILIES);
    fl_grafana_dashboard(cfg, c->f, c->n, &o, &out);
    if (fl_buf_err(&out) != FL_OK) {
        fprintf(stderr, "faultline export: the dashboard is too large\n");
        goto done;
    }
    FILE *f = out_path ? fopen(out_path, "wb") : stdout;
    if (!f || fwrite(out.data, 1, out.len, f) != out.len ||
        (out_path ? fclose(f) != 0 : fflush(f) != 0)) {
        fprintf(stderr, "faultline export: cannot write %s\n", out_path ? out_path : "stdout");
        goto done;
    }
    if (out_path)
        fprintf(stderr, "faultline export: %zu metric families, dashboard written to %s\n", c->n,
                out_path);
    rc = 0;
done:
    if (c)
        for (size_t i = 0; i < c->n; i++) {
            fl_free(c->names[i]);
            fl_free(c->comps[i]);
        }
    fl_free(c);
    fl_buf_cleanup(&out);
    fl_store_free(s);
    fl_config_free(cfg);
    return rc;
}
