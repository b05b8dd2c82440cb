/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_rank.c: `faultline rank`: rank the metrics of a wide CSV (a time column, one column per
 * metric, empty cells = missing) around an onset or injection time, map them to components, and
 * print the ranked components and metrics as a table or JSON (schema "faultline.rank/1",
 * docs/CLI.md). The method is src/rca/rank.h (docs/rca.md, "Ranking metrics"). Exit status 0
 * when the ranking ran (whatever its verdict), 1 on a runtime failure, 2 on usage errors and
 * unreadable or malformed input (with its line and column).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/str.h"
#include "core/time.h"
#include "ingest/table.h"
#include "rca/rank.h"

static const char usage_text[] =
    "usage: faultline rank --input WIDE.csv [--normal NORMAL.csv] (--onset T | --inject-time T)\n"
    "         [--map RULE] [--strip-suffix S] [--graph EDGES.csv] [--symptom SERIES]\n"
    "         [--direction up|down|both] [--threshold Z] [--min-change R] [--max-rows N]\n"
    "         [--top N] [--format table|json]\n"
    "  T: unix seconds or RFC 3339; rows at or after T are the incident window\n"
    "  RULE: name | prefix[:SEP] | regex:ERE (first capture group = component)\n";

struct rank_args {
    const char *input, *normal, *onset, *map, *strip, *graph, *symptom, *direction;
    const char *threshold, *min_change, *max_rows, *top, *format;
};

static const struct fl_cli_cmd cli = {"rank", usage_text};

/* Parse argv; FL_CLI_GO_ON, else the exit status (0: help shown). */
static int parse_args(int argc, char **argv, struct rank_args *a)
{
    memset(a, 0, sizeof *a);
    const struct fl_cli_opt opts[] = {
        {"--input", &a->input, NULL},
        {"--normal", &a->normal, NULL},
        {"--onset", NULL, NULL}, /* handed back: two spellings that may not be mixed */
        {"--inject-time", NULL, NULL},
        {"--map", &a->map, NULL},
        {"--strip-suffix", &a->strip, NULL},
        {"--graph", &a->graph, NULL},
        {"--symptom", &a->symptom, NULL},
        {"--direction", &a->direction, NULL},
        {"--threshold", &a->threshold, NULL},
        {"--min-change", &a->min_change, NULL},
        {"--max-rows", &a->max_rows, NULL},
        {"--top", &a->top, NULL},
        {"--format", &a->format, NULL},
    };
    struct fl_cli_args p;
    const char *arg, *onset_opt = NULL;
    int rc;
    fl_cli_args_init(&p, &cli, opts, sizeof opts / sizeof opts[0], argc, argv, 1);
    while ((rc = fl_cli_args_next(&p, &arg)) == FL_CLI_OPT || rc == FL_CLI_ARG) {
        if (rc == FL_CLI_ARG)
            return fl_cli_unexpected(&cli, arg);
        if (onset_opt && strcmp(onset_opt, arg))
            return fl_cli_usage_error(&cli, "give one of --onset and --inject-time", arg);
        onset_opt = arg;
        a->onset = p.value;
    }
    if (rc != FL_CLI_GO_ON)
        return rc;
    if (!a->input)
        return fl_cli_usage_error(&cli, "--input is required", NULL);
    if (!a->onset)
        return fl_cli_usage_error(&cli, "--onset or --inject-time is required", NULL);
    if (a->format && fl_cli_choice(&cli, "--format", a->format, "table|json") < 0)
        return 2;
    return FL_CLI_GO_ON;
}

static int apply_options(const struct rank_args *a, struct fl_rank_opts *o, size_t *top,
                         struct fl_rank_map **map)
{
    struct fl_diag d;
    fl_diag_init(&d);
    fl_rank_opts_default(o);
    if (fl_time_parse_any(fl_str_c(a->onset), 0, &o->onset_ms, &d) != FL_OK ||
        fl_str_has_prefix(fl_str_c(a->onset), "now"))
        return fl_cli_usage_error(&cli, "--onset/--inject-time: expected unix seconds or RFC 3339",
                                  a->onset);
    if (a->direction && !fl_rank_direction_parse(a->direction, &o->direction))
        return fl_cli_usage_error(&cli, "--direction: expected up, down or both", a->direction);
    if (a->threshold && (!fl_str_to_double(fl_str_c(a->threshold), &o->threshold) ||
                         !(o->threshold > 0) || !isfinite(o->threshold)))
        return fl_cli_usage_error(&cli, "--threshold: expected a positive number", a->threshold);
    if (a->min_change && (!fl_str_to_double(fl_str_c(a->min_change), &o->min_change) ||
                          !(o->min_change >= 0) || !isfinite(o->min_change)))
        return fl_cli_usage_error(&cli, "--min-change: expected a number >= 0", a->min_change);
    if (a->max_rows) {
        if (!fl_cli_parse_count(a->max_rows, &o->max_before))
            return fl_cli_usage_error(&cli, "--max-rows: expected a positive integer", a->max_rows);
        o->max_after = o->max_before;
    }
    if (a->top && !fl_cli_parse_count(a->top, top))
        return fl_cli_usage_error(&cli, "--top: expected a positive integer", a->top);
    o->symptom = a->symptom;
    if (fl_rank_map_new(a->map ? a->map : "name", a->strip, map, &d) != FL_OK) {
        fl_cli_print_diag("rank", &d);
        return 2;
    }
    o->map = *map;
    return 0;
}

/* ---- input ------------------------------------------------------------------------------- */

static fl_err load_table(const char *path, struct fl_rank_table **out, struct fl_diag *d)
{
    struct fl_table *t = NULL;
    struct fl_table_opts to = {.format = FL_TABLE_AUTO};
    fl_err e = fl_table_open(path, &to, &t, d);
    if (e == FL_OK)
        e = fl_rank_table_read(t, out, d);
    fl_table_free(t);
    return e;
}

static fl_err load_edges(const char *path, struct fl_rank_edge **edges, size_t *n,
                         struct fl_diag *d)
{
    struct fl_table *t = NULL;
    struct fl_table_opts to = {.format = FL_TABLE_CSV};
    fl_err e = fl_table_open(path, &to, &t, d);
    if (e == FL_OK)
        e = fl_rank_edges_read(t, edges, n, d);
    fl_table_free(t);
    return e;
}

struct named {
    const char *name;
    size_t col;
};

static int cmp_named(const void *a, const void *b)
{
    return strcmp(((const struct named *)a)->name, ((const struct named *)b)->name);
}

/* One series per input column; the normal table's column of the same name is its reference. */
static fl_err build_series(const struct fl_rank_table *in, const struct fl_rank_table *normal,
                           struct fl_rank_series **out)
{
    size_t nn = normal ? normal->n_cols : 0;
    struct fl_rank_series *s = fl_calloc(in->n_cols, sizeof *s);
    struct named *by = fl_malloc((nn ? nn : 1) * sizeof *by);
    if (!s || !by) {
        fl_free(s);
        fl_free(by);
        return FL_ENOMEM;
    }
    for (size_t k = 0; k < nn; k++)
        by[k] = (struct named){normal->names[k], k};
    qsort(by, nn, sizeof *by, cmp_named);
    for (size_t c = 0; c < in->n_cols; c++) {
        s[c].name = in->names[c];
        s[c].ts_ms = in->ts_ms;
        s[c].v = in->v + c * in->n_rows;
        s[c].n = in->n_rows;
        struct named key = {in->names[c], 0};
        const struct named *hit = nn ? bsearch(&key, by, nn, sizeof *by, cmp_named) : NULL;
        if (hit) {
            s[c].ref_v = normal->v + hit->col * normal->n_rows;
            s[c].n_ref = normal->n_rows;
        }
    }
    fl_free(by);
    *out = s;
    return FL_OK;
}

/* ---- output ------------------------------------------------------------------------------ */

static void time_text(int64_t ms, char *out, size_t cap)
{
    fl_time_fmt_rfc3339_ms(ms, out, cap);
}

static void num_text(double v, char *out, size_t cap)
{
    if (isnan(v))
        snprintf(out, cap, "-");
    else
        snprintf(out, cap, "%.4g", v);
}

static void component_state(const struct fl_rank_result *r,
                            const struct fl_rank_component_result *c, char *out, size_t cap)
{
    if (c->root && !r->n_edges_used)
        snprintf(out, cap, "changed");
    else if (c->root)
        snprintf(out, cap, "root, explains %zu", c->n_explains);
    else if (c->changed && c->explained_by >= 0)
        snprintf(out, cap, "inherited from %s", r->components[c->explained_by].name);
    else if (c->changed)
        snprintf(out, cap, "changed");
    else
        snprintf(out, cap, "unchanged");
}

static void print_series_table(const struct fl_rank_result *r, size_t top)
{
    printf("%-4s %-40s %-24s %-3s %6s %10s %11s %-20s %6s %8s %9s %s\n", "RANK", "SERIES",
           "COMPONENT", "SIG", "SCORE", "DEVIATION", "DELTA", "PEAK AT", "KS D", "KS P", "VOLUME",
           "ONSET");
    for (size_t i = 0; i < r->n_series && i < top; i++) {
        const struct fl_rank_series_result *s = &r->series[i];
        char dev[24], delta[24], peak[48], ksd[24], ksp[24], vol[24], on[48];
        if (s->status == FL_RANK_NO_DATA) {
            printf(
                "%-4zu %-40s %-24s %-3s %6s %10s (too few points: %zu reference, %zu incident)\n",
                i + 1, s->name, s->component, "-", "-", "-", s->n_ref, s->n_incident);
            continue;
        }
        num_text(s->deviation, dev, sizeof dev);
        num_text(s->delta, delta, sizeof delta);
        num_text(s->ks_d, ksd, sizeof ksd);
        num_text(s->ks_p, ksp, sizeof ksp);
        num_text(s->volume, vol, sizeof vol);
        if (s->deviation > 0)
            time_text(s->peak_ts_ms, peak, sizeof peak);
        else
            snprintf(peak, sizeof peak, "-");
        if (s->has_onset)
            time_text(s->onset_ms, on, sizeof on);
        else
            snprintf(on, sizeof on, "-");
        printf("%-4zu %-40s %-24s %-3s %6.4f %10s %11s %-20s %6s %8s %9s %s\n", i + 1, s->name,
               s->component, s->significant ? "*" : "", s->score, dev, delta, peak, ksd, ksp, vol,
               on);
    }
}

static void print_table(const struct fl_rank_result *r, const struct fl_rank_opts *o, size_t top,
                        size_t n_edges)
{
    char onset[48];
    size_t scored = 0, sig = 0, changed = 0;
    for (size_t i = 0; i < r->n_series; i++) {
        scored += r->series[i].status == FL_RANK_SCORED;
        sig += r->series[i].significant;
    }
    for (size_t c = 0; c < r->n_components; c++)
        changed += r->components[c].changed;
    time_text(o->onset_ms, onset, sizeof onset);
    printf("onset %s, direction %s, threshold %g: %zu series (%zu scored), %zu components", onset,
           fl_rank_direction_name(o->direction), o->threshold, r->n_series, scored,
           r->n_components);
    if (n_edges)
        printf(", graph %zu edges (%zu between known components)", n_edges, r->n_edges_used);
    printf("\n");
    if (r->symptom >= 0) {
        const struct fl_rank_series_result *s = &r->series[r->symptom];
        printf("symptom %s: deviation %.4g (needs %.4g, or %.4g with another series changed): "
               "%s\n",
               s->name, s->deviation, r->symptom_bar, r->symptom_bar_corroborated,
               r->verdict == FL_RANK_SYMPTOM_UNCHANGED ? "not confirmed"
               : r->symptom_corroborated              ? "confirmed, corroborated"
                                                      : "confirmed");
    }
    if (r->verdict != FL_RANK_CHANGED) {
        printf("verdict: no significant change (%s); no component is named\n",
               r->verdict == FL_RANK_SYMPTOM_UNCHANGED ? "the symptom did not change"
                                                       : "no series reached the threshold");
        printf("\nlargest deviations:\n");
        print_series_table(r, top);
        return;
    }
    printf("verdict: changed: %zu significant series in %zu components\n\n", sig, changed);
    printf("%-4s %-32s %-36s %6s %10s %s\n", "RANK", "COMPONENT", "STATE", "SCORE", "DEVIATION",
           "BEST SERIES");
    for (size_t c = 0; c < r->n_components && c < top; c++) {
        const struct fl_rank_component_result *k = &r->components[c];
        char state[160], dev[24];
        component_state(r, k, state, sizeof state);
        num_text(k->deviation, dev, sizeof dev);
        printf("%-4zu %-32s %-36s %6.4f %10s %s\n", c + 1, k->name, state, k->score, dev,
               r->series[k->best].name);
    }
    printf("\n");
    print_series_table(r, top);
}

static void json_num(struct fl_buf *b, double v)
{
    if (isfinite(v))
        fl_buf_put_double(b, v);
    else
        fl_buf_puts(b, "null");
}

static void json_str(struct fl_buf *b, const char *s)
{
    fl_buf_put_json_str(b, s, strlen(s));
}

static void json_time(struct fl_buf *b, int64_t ms, bool valid)
{
    char t[48];
    if (!valid) {
        fl_buf_puts(b, "null");
        return;
    }
    time_text(ms, t, sizeof t);
    json_str(b, t);
}

static void json_series(struct fl_buf *b, const struct fl_rank_series_result *s, size_t rank)
{
    fl_buf_printf(b, "{\"rank\":%zu,\"name\":", rank);
    json_str(b, s->name);
    fl_buf_puts(b, ",\"component\":");
    json_str(b, s->component);
    fl_buf_puts(b, ",\"kind\":");
    json_str(b, s->kind);
    fl_buf_printf(b, ",\"status\":\"%s\",\"significant\":%s,\"score\":",
                  s->status == FL_RANK_SCORED ? "scored" : "no_data",
                  s->significant ? "true" : "false");
    json_num(b, s->score);
    const struct {
        const char *k;
        double v;
    } nums[] = {{"deviation", s->deviation},
                {"delta", s->delta},
                {"peak_value", s->peak_value},
                {"median", s->median},
                {"level_pre", s->level_pre},
                {"scale_up", s->scale_up},
                {"scale_down", s->scale_down},
                {"baro", s->baro},
                {"nsigma", s->nsigma},
                {"ks_d", s->ks_d},
                {"ks_p", s->ks_p},
                {"volume", s->volume},
                {"onset_stat", s->onset_stat}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        fl_buf_printf(b, ",\"%s\":", nums[i].k);
        json_num(b, nums[i].v);
    }
    fl_buf_puts(b, ",\"peak_at\":");
    json_time(b, s->peak_ts_ms, s->status == FL_RANK_SCORED && s->deviation > 0);
    fl_buf_puts(b, ",\"onset\":");
    json_time(b, s->onset_ms, s->has_onset);
    fl_buf_puts(b, ",\"start\":");
    json_time(b, s->first_ms, s->significant);
    fl_buf_printf(b, ",\"n_reference\":%zu,\"n_pre\":%zu,\"n_incident\":%zu}", s->n_ref, s->n_pre,
                  s->n_incident);
}

static void json_component(struct fl_buf *b, const struct fl_rank_result *r,
                           const struct fl_rank_component_result *c, size_t rank)
{
    fl_buf_printf(b, "{\"rank\":%zu,\"component\":", rank);
    json_str(b, c->name);
    fl_buf_printf(b, ",\"changed\":%s,\"root\":%s,\"explained_by\":", c->changed ? "true" : "false",
                  c->root ? "true" : "false");
    if (c->explained_by >= 0)
        json_str(b, r->components[c->explained_by].name);
    else
        fl_buf_puts(b, "null");
    fl_buf_printf(b, ",\"explains\":%zu,\"score\":", c->n_explains);
    json_num(b, c->score);
    fl_buf_puts(b, ",\"deviation\":");
    json_num(b, c->deviation);
    fl_buf_puts(b, ",\"best_series\":");
    json_str(b, r->series[c->best].name);
    fl_buf_printf(b, ",\"n_series\":%zu,\"n_significant\":%zu}", c->n_series, c->n_significant);
}

static void print_json(const struct fl_rank_result *r, const struct fl_rank_opts *o, size_t top,
                       size_t n_edges)
{
    struct fl_buf b;
    fl_buf_init(&b, (size_t)1 << 30);
    fl_buf_puts(&b, "{\"schema\":\"faultline.rank/1\",\"onset\":");
    json_time(&b, o->onset_ms, true);
    fl_buf_printf(&b, ",\"direction\":\"%s\",\"threshold\":", fl_rank_direction_name(o->direction));
    json_num(&b, o->threshold);
    fl_buf_printf(&b, ",\"verdict\":\"%s\",\"graph_edges\":%zu,\"graph_edges_used\":%zu",
                  fl_rank_verdict_name(r->verdict), n_edges, r->n_edges_used);
    fl_buf_puts(&b, ",\"symptom_bar\":");
    json_num(&b, r->symptom >= 0 ? r->symptom_bar : NAN);
    fl_buf_puts(&b, ",\"symptom_bar_corroborated\":");
    json_num(&b, r->symptom >= 0 ? r->symptom_bar_corroborated : NAN);
    fl_buf_printf(&b, ",\"symptom_corroborated\":%s", r->symptom_corroborated ? "true" : "false");
    fl_buf_puts(&b, ",\"symptom\":");
    if (r->symptom >= 0)
        json_series(&b, &r->series[r->symptom], (size_t)r->symptom + 1);
    else
        fl_buf_puts(&b, "null");
    fl_buf_puts(&b, ",\"culprits\":[");
    for (size_t c = 0, k = 0; r->verdict == FL_RANK_CHANGED && c < r->n_components; c++)
        if (r->components[c].root) {
            fl_buf_puts(&b, k++ ? "," : "");
            json_str(&b, r->components[c].name);
        }
    fl_buf_puts(&b, "],\"components\":[");
    for (size_t c = 0; c < r->n_components && c < top; c++) {
        fl_buf_puts(&b, c ? "," : "");
        json_component(&b, r, &r->components[c], c + 1);
    }
    fl_buf_puts(&b, "],\"series\":[");
    for (size_t i = 0; i < r->n_series && i < top; i++) {
        fl_buf_puts(&b, i ? "," : "");
        json_series(&b, &r->series[i], i + 1);
    }
    fl_buf_puts(&b, "]}\n");
    if (fl_buf_err(&b) == FL_OK)
        fwrite(b.data, 1, b.len, stdout);
    else
        fprintf(stderr, "faultline rank: %s\n", fl_err_str(fl_buf_err(&b)));
    fl_buf_cleanup(&b);
}

/* ---- the command ------------------------------------------------------------------------- */

struct rank_state {
    struct fl_rank_table *in, *normal;
    struct fl_rank_edge *edges;
    size_t n_edges;
    struct fl_rank_series *series;
    struct fl_rank_result *res;
    struct fl_rank_map *map;
};

static int load_inputs(const struct rank_args *a, struct rank_state *st)
{
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = load_table(a->input, &st->in, &d);
    if (e == FL_OK && a->normal) {
        fl_diag_init(&d); /* a diagnostic keeps the first file name it was given */
        e = load_table(a->normal, &st->normal, &d);
    }
    if (e == FL_OK && a->graph) {
        fl_diag_init(&d);
        e = load_edges(a->graph, &st->edges, &st->n_edges, &d);
    }
    if (e != FL_OK) {
        fl_cli_print_diag("rank", &d);
        return e == FL_ENOMEM ? 1 : 2;
    }
    if (build_series(st->in, st->normal, &st->series) != FL_OK) {
        fprintf(stderr, "faultline rank: out of memory\n");
        return 1;
    }
    return 0;
}

int fl_cli_rank(const struct fl_cli_globals *g, int argc, char **argv)
{
    (void)g;
    struct rank_args a;
    struct rank_state st = {0};
    struct fl_rank_opts o;
    size_t top = 0;
    int rc = parse_args(argc, argv, &a);
    if (rc != FL_CLI_GO_ON)
        return rc;
    if ((rc = apply_options(&a, &o, &top, &st.map)) != 0 || (rc = load_inputs(&a, &st)) != 0)
        goto out;
    o.edges = st.edges;
    o.n_edges = st.n_edges;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_rank_run(st.series, st.in->n_cols, &o, &st.res, &d);
    if (e != FL_OK) {
        fl_cli_print_diag("rank", &d);
        rc = e == FL_EINVAL ? 2 : 1;
        goto out;
    }
    bool json = a.format && !strcmp(a.format, "json");
    if (!top)
        top = json ? SIZE_MAX : 10;
    if (json)
        print_json(st.res, &o, top, st.n_edges);
    else
        print_table(st.res, &o, top, st.n_edges);
out:
    fl_rank_result_free(st.res);
    fl_free(st.series);
    fl_free(st.edges);
    fl_rank_table_free(st.in);
    fl_rank_table_free(st.normal);
    fl_rank_map_free(st.map);
    return rc;
}
