/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_table.c: libFuzzer target for the tabular reader (src/ingest/table.c), and through it for
 * schema inference and validation (src/monitor).
 *
 * The whole input is a table (format detected by content). Checks beyond "no crash": a rejected
 * input carries a diagnostic with the same code; an integral number is finite and whole; when the
 * table reads, the schema inferred from it is written as YAML that the schema reader accepts, and
 * validating the same table against that schema succeeds.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/table.h"
#include "monitor/schema.h"
#include "monitor/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fl_err read_all(const char *p, size_t size, struct fl_diag *d)
{
    struct fl_table *t = NULL;
    const struct fl_cell *row;
    fl_err e = fl_table_open_mem(p, size, "fuzz", NULL, &t, d);
    while (!e && (e = fl_table_next(t, &row, d)) == FL_OK && row) {
        for (size_t i = 0; i < fl_table_n_columns(t); i++) {
            const struct fl_cell *c = &row[i];
            if (c->integral &&
                (c->type != FL_CELL_NUMBER || !isfinite(c->num) || floor(c->num) != c->num))
                abort();
            if (c->type == FL_CELL_STRING && c->str.len && !c->str.p)
                abort();
        }
    }
    fl_table_free(t);
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = read_all(p, size, &d);
    if (e != FL_OK) {
        if (d.code != e || !d.msg[0])
            abort();
        return 0;
    }
    struct fl_table *t = NULL;
    struct fl_schema *s = NULL, *back = NULL;
    struct fl_validation *r = NULL;
    struct fl_buf y;
    fl_buf_init(&y, 1u << 26);
    fl_diag_init(&d);
    if (fl_table_open_mem(p, size, "fuzz", NULL, &t, &d) != FL_OK)
        abort(); /* it opened a moment ago */
    e = fl_schema_infer(t, NULL, &s, &d);
    fl_table_free(t);
    t = NULL;
    if (e == FL_OK) {
        fl_schema_emit(s, &y);
        if (fl_buf_err(&y) == FL_OK) {
            fl_diag_init(&d);
            if (fl_schema_parse(y.data, y.len, "fuzz.yml", &back, &d) != FL_OK)
                abort(); /* the writer produced YAML its reader refuses */
            if (fl_table_open_mem(p, size, "fuzz", NULL, &t, &d) != FL_OK ||
                fl_validate_table(back, t, &r, &d) != FL_OK)
                abort();
        }
    } else if (e != FL_EINVAL || !d.msg[0]) { /* no rows / no columns / non-UTF-8 name */
        abort();
    }
    fl_validation_free(r);
    fl_table_free(t);
    fl_schema_free(back);
    fl_schema_free(s);
    fl_buf_cleanup(&y);
    return 0;
}
