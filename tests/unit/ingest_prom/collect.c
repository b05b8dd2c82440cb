/* SPDX-License-Identifier: Apache-2.0 */
/*
 * collect.c: see collect.h.
 */
#include "collect.h"

#include <inttypes.h>
#include <string.h>

#include "ingest/expo.h"

void collect_init(struct collect *c)
{
    memset(c, 0, sizeof *c);
    fl_buf_init(&c->out, 64u << 20);
    c->stop_after = -1;
}

void collect_cleanup(struct collect *c)
{
    fl_buf_cleanup(&c->out);
}

static void put_slice_escaped(struct fl_buf *b, struct fl_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        char ch = s.p[i];
        if (ch == '\\' || ch == '"')
            fl_buf_putc(b, '\\');
        if (ch == '\n') {
            fl_buf_puts(b, "\\n");
            continue;
        }
        fl_buf_putc(b, ch);
    }
}

static void put_labels(struct fl_buf *b, const struct fl_str *n, const struct fl_str *v, size_t k)
{
    fl_buf_putc(b, '{');
    for (size_t i = 0; i < k; i++) {
        if (i)
            fl_buf_putc(b, ',');
        fl_buf_append(b, n[i].p, n[i].len);
        fl_buf_puts(b, "=\"");
        put_slice_escaped(b, v[i]);
        fl_buf_putc(b, '"');
    }
    fl_buf_putc(b, '}');
}

static void put_ts(struct fl_buf *b, int64_t ts)
{
    if (ts == FL_TS_NONE)
        fl_buf_puts(b, "-");
    else
        fl_buf_printf(b, "%" PRId64, ts);
}

fl_err collect_sample(const struct fl_prom_sample *s, void *ud)
{
    struct collect *c = ud;
    if (c->stop_after >= 0 && (long)c->n_samples >= c->stop_after)
        return FL_EIO;
    c->n_samples++;
    struct fl_buf *b = &c->out;
    fl_buf_puts(b, "S ");
    fl_buf_append(b, s->name.p, s->name.len);
    put_labels(b, s->label_names, s->label_values, s->n_labels);
    fl_buf_putc(b, ' ');
    fl_buf_put_double(b, s->value);
    fl_buf_putc(b, ' ');
    put_ts(b, s->ts_ms);
    fl_buf_putc(b, ' ');
    fl_buf_append(b, s->family.p, s->family.len);
    fl_buf_printf(b, "/%s", s->type);
    if (s->has_exemplar) {
        fl_buf_puts(b, " # ");
        put_labels(b, s->ex_label_names, s->ex_label_values, s->ex_n_labels);
        fl_buf_putc(b, ' ');
        fl_buf_put_double(b, s->ex_value);
        fl_buf_putc(b, ' ');
        put_ts(b, s->ex_ts_ms);
    }
    fl_buf_putc(b, '\n');
    return FL_OK;
}

fl_err collect_meta(const struct fl_prom_meta *m, void *ud)
{
    struct collect *c = ud;
    c->n_meta++;
    struct fl_buf *b = &c->out;
    fl_buf_puts(b, "M ");
    fl_buf_append(b, m->family.p, m->family.len);
    fl_buf_printf(b, "/%s help=\"", m->type);
    put_slice_escaped(b, m->help);
    fl_buf_puts(b, "\" unit=\"");
    fl_buf_append(b, m->unit.p, m->unit.len);
    fl_buf_puts(b, "\"\n");
    return FL_OK;
}

fl_err collect_parse(struct collect *c, const char *s, size_t len, enum fl_prom_format f,
                     struct fl_diag *d)
{
    struct fl_prom_parser *p = NULL;
    fl_err e = fl_prom_parser_new(NULL, &p);
    if (e != FL_OK)
        return e;
    e = fl_prom_parse(p, s, len, f, collect_sample, collect_meta, c, d);
    fl_prom_parser_free(p);
    return e;
}
