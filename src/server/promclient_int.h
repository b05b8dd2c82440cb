/* SPDX-License-Identifier: Apache-2.0 */
/*
 * promclient_int.h: the pure parts of the Prometheus API client (promclient.c), exposed for unit
 * tests: the chunking of a long range on the step grid, and the parsing of API answers
 * ({"status":..., "data":..., "errorType":..., "error":...}) into an accumulator that merges each
 * series' points across chunks. No network, no global state.
 */
#ifndef FL_SERVER_PROMCLIENT_INT_H
#define FL_SERVER_PROMCLIENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/record.h"

struct fl_map;

/*
 * Steps of a range are start + k*step for k = 0..K with K = floor((end - start) / step). Chunk i
 * covers k in [i*max_steps, min((i+1)*max_steps - 1, K)], so chunks neither overlap nor leave a
 * gap and each has at most max_steps points. Requires step > 0, end >= start, max_steps > 0.
 */
size_t fl_promclient__n_chunks(int64_t start_ms, int64_t end_ms, int64_t step_ms,
                               size_t max_steps);
void fl_promclient__chunk(int64_t start_ms, int64_t end_ms, int64_t step_ms, size_t max_steps,
                          size_t i, int64_t *chunk_start_ms, int64_t *chunk_end_ms);

/* One series being accumulated: owned, sorted labels and growing point arrays. */
struct fl_promclient__series {
    struct fl_label *labels; /* name/value strings owned (fl_strdup) */
    size_t n_labels;
    int64_t *ts_ms;
    double *values;
    size_t n, cap;
};

struct fl_promclient__acc {
    struct fl_map *index; /* label-set key -> series index + 1 */
    struct fl_promclient__series *series;
    size_t n_series, cap_series;
    size_t n_points;   /* over all series */
    size_t max_series; /* caps: FL_ELIMIT beyond */
    size_t max_points;
};

fl_err fl_promclient__acc_init(struct fl_promclient__acc *a, size_t max_series,
                               size_t max_points) FL_MUST_CHECK;
void fl_promclient__acc_cleanup(struct fl_promclient__acc *a);
/* Sort the series by label set (names and values compared in order, as Prometheus does). */
void fl_promclient__acc_sort(struct fl_promclient__acc *a);

enum fl_promclient__kind {
    FL_PROMCLIENT__MATRIX, /* query_range: data.result = [{metric, values}] */
    FL_PROMCLIENT__SERIES, /* series: data = [{label: value}] */
};

/*
 * Parse one API answer (p, len) and merge its series into a. Points of a series that already
 * has points are appended only when newer than its last point (chunks arrive in time order, so
 * this drops nothing but duplicates). origin prefixes error texts ("prometheus http://...").
 * Errors: FL_EREMOTE for {"status":"error"} with "<origin>: <errorType>: <error>" in d;
 * FL_EPARSE (with line/column) for anything that is not such an answer, including a resultType
 * other than "matrix" for FL_PROMCLIENT__MATRIX and values that are not numbers; FL_ELIMIT;
 * FL_ENOMEM. On error a may hold part of the answer. Warnings in the answer are logged.
 */
fl_err fl_promclient__parse(const char *p, size_t len, enum fl_promclient__kind kind,
                            const char *origin, struct fl_promclient__acc *a,
                            struct fl_diag *d) FL_MUST_CHECK;

#endif
