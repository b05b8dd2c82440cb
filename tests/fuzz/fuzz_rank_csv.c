/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_rank_csv.c: libFuzzer target for `faultline rank`'s input side (src/rca/rank_input.c: the
 * wide-table and call-graph readers over ingest/table.c) and, on whatever reads, the ranking
 * itself (src/rca/rank.c).
 *
 * The input is read as a wide table and, independently, as an edge list. Checks beyond "no
 * crash": a rejected input carries a diagnostic with the same code and a message; a table that
 * reads has unique names and non-decreasing times; the ranking of it (onset at the middle row,
 * the edges read from the same bytes as its graph, the first column as the symptom) gives
 * every series and component exactly once, scores in [0, 1], significant series first and in
 * score order, valid cross indices, and names no component when its verdict is not "changed".
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "ingest/table.h"
#include "rca/rank.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fl_err read_table(const char *p, size_t size, struct fl_rank_table **rt)
{
    struct fl_table *t = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_table_open_mem(p, size, "fuzz.csv", NULL, &t, &d);
    if (e == FL_OK)
        e = fl_rank_table_read(t, rt, &d);
    fl_table_free(t);
    if (e != FL_OK && (d.code != e || !d.msg[0]))
        abort();
    return e;
}

static void read_edges(const char *p, size_t size, struct fl_rank_edge **edges, size_t *n)
{
    struct fl_table *t = NULL;
    struct fl_diag d;
    struct fl_table_opts to = {.format = FL_TABLE_CSV};
    fl_diag_init(&d);
    fl_err e = fl_table_open_mem(p, size, "graph.csv", &to, &t, &d);
    if (e == FL_OK)
        e = fl_rank_edges_read(t, edges, n, &d);
    fl_table_free(t);
    if (e != FL_OK && (d.code != e || !d.msg[0] || *edges))
        abort();
    for (size_t i = 0; e == FL_OK && i < *n; i++)
        if (!(*edges)[i].caller[0] || !(*edges)[i].callee[0])
            abort();
}

static void check_table(const struct fl_rank_table *rt)
{
    if (!rt->n_cols || !rt->n_rows)
        abort();
    for (size_t r = 1; r < rt->n_rows; r++)
        if (rt->ts_ms[r] < rt->ts_ms[r - 1])
            abort();
    for (size_t i = 0; i < rt->n_cols; i++)
        for (size_t j = i + 1; j < rt->n_cols; j++)
            if (!strcmp(rt->names[i], rt->names[j]))
                abort();
    for (size_t k = 0; k < rt->n_cols * rt->n_rows; k++)
        if (isinf(rt->v[k]))
            abort(); /* infinities are read as missing */
}

static void check_result(const struct fl_rank_result *r, size_t n)
{
    if (r->n_series != n || !r->n_components || r->n_components > n)
        abort();
    unsigned char *seen = calloc(n, 1);
    if (!seen)
        return;
    for (size_t i = 0; i < n; i++) {
        const struct fl_rank_series_result *s = &r->series[i];
        if (s->input >= n || seen[s->input]++ || !(s->score >= 0 && s->score <= 1) ||
            !(s->deviation >= 0))
            abort();
        if (i && s->significant > r->series[i - 1].significant)
            abort();
        if (i && s->significant == r->series[i - 1].significant &&
            s->score > r->series[i - 1].score)
            abort();
    }
    free(seen);
    size_t series = 0;
    for (size_t c = 0; c < r->n_components; c++) {
        const struct fl_rank_component_result *k = &r->components[c];
        series += k->n_series;
        if (k->best >= n || strcmp(r->series[k->best].component, k->name) ||
            k->explained_by >= (long)r->n_components || (k->root && !k->changed) ||
            (k->explained_by >= 0 && k->root) || k->changed != (k->n_significant > 0))
            abort();
    }
    if (series != n || (r->symptom >= (long)n))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    struct fl_rank_table *rt = NULL;
    struct fl_rank_edge *edges = NULL;
    size_t n_edges = 0;
    read_edges(p, size, &edges, &n_edges);
    if (read_table(p, size, &rt) == FL_OK) {
        check_table(rt);
        struct fl_rank_series *s = calloc(rt->n_cols, sizeof *s);
        struct fl_rank_map *m = NULL;
        if (s && fl_rank_map_new("prefix:_", "-db", &m, NULL) == FL_OK) {
            for (size_t c = 0; c < rt->n_cols; c++)
                s[c] = (struct fl_rank_series){.name = rt->names[c],
                                               .ts_ms = rt->ts_ms,
                                               .v = rt->v + c * rt->n_rows,
                                               .n = rt->n_rows,
                                               .ref_v = rt->v + c * rt->n_rows,
                                               .n_ref = rt->n_rows / 2};
            struct fl_rank_opts o;
            fl_rank_opts_default(&o);
            o.onset_ms = rt->ts_ms[rt->n_rows / 2];
            o.map = m;
            o.edges = edges;
            o.n_edges = n_edges;
            o.symptom = rt->names[0];
            o.min_ref = 2;
            struct fl_rank_result *r = NULL;
            fl_err e = fl_rank_run(s, rt->n_cols, &o, &r, NULL);
            if (e == FL_OK)
                check_result(r, rt->n_cols);
            else if (e != FL_ENOMEM && e != FL_ELIMIT)
                abort(); /* the reader's output is always valid input */
            fl_rank_result_free(r);
        }
        fl_rank_map_free(m);
        free(s);
    }
    fl_free(edges);
    fl_rank_table_free(rt);
    return 0;
}
