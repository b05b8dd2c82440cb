/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_inference.c: libFuzzer target for inference JSON Lines (src/ingest/inference.c) and content
 * detection (src/ingest/detect.c).
 *
 * Checks beyond "no crash": an accepted input yields records with request id, model and version,
 * valid feature statuses and value kinds, segments strictly sorted by name, lowercase 32-hex trace
 * ids, and prediction fields consistent with the prediction kind; a rejected input carries a
 * diagnostic with a line number.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/record.h"
#include "ingest/detect.h"
#include "ingest/inference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct fl_inference *r)
{
    if (!r->request_id || !*r->request_id || !r->model || !*r->model || !r->model_version)
        abort();
    if (r->trace_id) {
        if (strlen(r->trace_id) != 32)
            abort();
        for (size_t i = 0; i < 32; i++)
            if (!((r->trace_id[i] >= '0' && r->trace_id[i] <= '9') ||
                  (r->trace_id[i] >= 'a' && r->trace_id[i] <= 'f')))
                abort();
    }
    if (r->n_features > FL_LIMIT_FEATURES_PER_RECORD)
        abort();
    for (size_t i = 0; i < r->n_features; i++) {
        const struct fl_feature *f = &r->features[i];
        if (!f->name || f->status < FL_FEAT_PRESENT || f->status > FL_FEAT_OUTSIDE_MAX_AGE)
            abort();
        if (f->kind == FL_VAL_STRING && !f->str)
            abort();
        if (f->status == FL_FEAT_PRESENT && f->kind == FL_VAL_NULL)
            abort();
    }
    for (size_t i = 1; i < r->n_segments; i++)
        if (strcmp(r->segments[i - 1].name, r->segments[i].name) >= 0)
            abort();
    if (r->pred_kind == FL_PRED_CLASS && !r->pred_class)
        abort();
    if (r->pred_kind == FL_PRED_VECTOR && r->n_scores == 0)
        abort();
    if (r->ts_ms < 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_batch b;
    struct fl_diag d;
    const char *p = (const char *)data;
    (void)fl_ingest_kind_name(fl_ingest_detect(p, size));
    if (fl_batch_init(&b, 0) != FL_OK)
        return 0;
    fl_diag_init(&d);
    fl_err e = fl_inference_jsonl_to_batch(p, size, NULL, &b, &d);
    if (e == FL_OK) {
        for (size_t i = 0; i < b.n_inferences; i++)
            check(&b.inferences[i]);
    } else if (d.code != e || (e == FL_EPARSE && d.line == 0) || !d.msg[0]) {
        abort();
    }
    fl_batch_cleanup(&b);
    return 0;
}
