/* SPDX-License-Identifier: Apache-2.0 */
/* limits.c: the run-time limits struct filled from the compile-time defaults in limits.h. */
#include "limits.h"

void fl_limits_default(struct fl_limits *l)
{
    if (!l)
        return;
    l->body_bytes = FL_LIMIT_BODY_BYTES;
    l->line_bytes = FL_LIMIT_LINE_BYTES;
    l->labels_per_series = FL_LIMIT_LABELS_PER_SERIES;
    l->series_per_target = FL_LIMIT_SERIES_PER_TARGET;
    l->scrape_bytes = FL_LIMIT_SCRAPE_BYTES;
    l->records_per_batch = FL_LIMIT_RECORDS_PER_BATCH;
}
