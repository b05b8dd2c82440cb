/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_csv.c: libFuzzer target for wide CSV and its JSON mapping (src/ingest/csv.c).
 *
 * Input layout: when it starts with '{', everything up to the first blank line ("\n\n") is a
 * mapping document and the rest is the CSV; otherwise the whole input is CSV without a mapping.
 * Checks beyond "no crash": every sample refers to an existing series whose label set contains
 * __name__; a rejected input carries a diagnostic; mapping errors leave no mapping.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/record.h"
#include "ingest/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    struct fl_csv_mapping *m = NULL;
    struct fl_batch b;
    struct fl_diag d;
    if (size > 0 && p[0] == '{') {
        const char *sep = NULL;
        for (size_t i = 0; i + 1 < size; i++)
            if (p[i] == '\n' && p[i + 1] == '\n') {
                sep = p + i;
                break;
            }
        if (!sep)
            return 0;
        fl_diag_init(&d);
        if (fl_csv_mapping_parse(p, (size_t)(sep - p), &m, &d) != FL_OK) {
            if (m || !d.msg[0])
                abort();
            return 0;
        }
        size -= (size_t)(sep + 2 - p);
        p = sep + 2;
    }
    if (fl_batch_init(&b, 0) != FL_OK) {
        fl_csv_mapping_free(m);
        return 0;
    }
    fl_diag_init(&d);
    fl_err e = fl_csv_to_batch(p, size, m, NULL, &b, &d);
    if (e == FL_OK) {
        for (size_t i = 0; i < b.n_samples; i++) {
            if (b.samples[i].series >= b.n_series)
                abort();
            const struct fl_series *s = &b.series[b.samples[i].series];
            int named = 0;
            for (size_t k = 0; k < s->n_labels; k++)
                named |= strcmp(s->labels[k].name, "__name__") == 0;
            if (!named)
                abort();
        }
    } else if (d.code != e || !d.msg[0]) {
        abort();
    }
    fl_batch_cleanup(&b);
    fl_csv_mapping_free(m);
    return 0;
}
