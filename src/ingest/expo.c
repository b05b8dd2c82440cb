/* SPDX-License-Identifier: Apache-2.0 */
/*
 * expo.c: Prometheus text exposition 0.0.4 writer (see expo.h).
 */
#include "expo.h"

#include <inttypes.h>
#include <string.h>

static int name_ok(const char *s, int metric)
{
    if (!s || !*s)
        return 0;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                 (metric && c == ':') || (i > 0 && c >= '0' && c <= '9');
        if (!ok)
            return 0;
    }
    return 1;
}

int fl_expo_valid_metric_name(const char *s)
{
    return name_ok(s, 1);
}

int fl_expo_valid_label_name(const char *s)
{
    return name_ok(s, 0);
}

void fl_expo_label_value(struct fl_buf *b, const char *v)
{
    const char *run = v;
    for (; *v; v++) {
        const char *esc = *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" : *v == '\n' ? "\\n" : NULL;
        if (!esc)
            continue;
        fl_buf_append(b, run, (size_t)(v - run));
        fl_buf_append(b, esc, 2);
        run = v + 1;
    }
    fl_buf_append(b, run, (size_t)(v - run));
}

static void quoted(struct fl_buf *b, const char *s)
{
    fl_buf_putc(b, '"');
    fl_expo_label_value(b, s);
    fl_buf_putc(b, '"');
}

static void help_text(struct fl_buf *b, const char *h)
{
    const char *run = h;
    for (; *h; h++) {
        const char *esc = *h == '\\' ? "\\\\" : *h == '\n' ? "\\n" : NULL;
        if (!esc)
            continue;
        fl_buf_append(b, run, (size_t)(h - run));
        fl_buf_append(b, esc, 2);
        run = h + 1;
    }
    fl_buf_append(b, run, (size_t)(h - run));
}

static void meta_name(struct fl_buf *b, const char *name)
{
    if (fl_expo_valid_metric_name(name))
        fl_buf_puts(b, name);
    else
        quoted(b, name ? name : "");
}

void fl_expo_family(struct fl_buf *b, const char *name, const char *type, const char *help)
{
    if (help) {
        fl_buf_puts(b, "# HELP ");
        meta_name(b, name);
        fl_buf_putc(b, ' ');
        help_text(b, help);
        fl_buf_putc(b, '\n');
    }
    if (type) {
        fl_buf_puts(b, "# TYPE ");
        meta_name(b, name);
        fl_buf_putc(b, ' ');
        fl_buf_puts(b, type);
        fl_buf_putc(b, '\n');
    }
}

static void label(struct fl_buf *b, const char *name, const char *value, int *first)
{
    if (!*first)
        fl_buf_putc(b, ',');
    *first = 0;
    if (fl_expo_valid_label_name(name))
        fl_buf_puts(b, name);
    else
        quoted(b, name ? name : "");
    fl_buf_puts(b, "=\"");
    fl_expo_label_value(b, value ? value : "");
    fl_buf_putc(b, '"');
}

static void sample(struct fl_buf *b, const char *name, const struct fl_label *labels, size_t n,
                   const char *xn, const char *xv, double v, int64_t ts_ms)
{
    int classic = fl_expo_valid_metric_name(name);
    int first = 1;
    if (classic)
        fl_buf_puts(b, name);
    if (!classic || n > 0 || xn) {
        fl_buf_putc(b, '{');
        if (!classic) {
            quoted(b, name ? name : "");
            first = 0;
        }
        for (size_t i = 0; i < n; i++)
            label(b, labels[i].name, labels[i].value, &first);
        if (xn)
            label(b, xn, xv, &first);
        fl_buf_putc(b, '}');
    }
    fl_buf_putc(b, ' ');
    fl_buf_put_double(b, v);
    if (ts_ms != FL_TS_NONE)
        fl_buf_printf(b, " %" PRId64, ts_ms);
    fl_buf_putc(b, '\n');
}

void fl_expo_sample(struct fl_buf *b, const char *name, const struct fl_label *labels, size_t n,
                    double v)
{
    sample(b, name, labels, n, NULL, NULL, v, FL_TS_NONE);
}

void fl_expo_sample_ts(struct fl_buf *b, const char *name, const struct fl_label *labels,
                       size_t n, double v, int64_t ts_ms)
{
    sample(b, name, labels, n, NULL, NULL, v, ts_ms);
}

void fl_expo_sample_x(struct fl_buf *b, const char *name, const struct fl_label *labels, size_t n,
                      const char *extra_name, const char *extra_value, double v)
{
    sample(b, name, labels, n, extra_name, extra_value, v, FL_TS_NONE);
}

void fl_expo_bound(char *out, size_t cap, double bound)
{
    fl_fmt_double(bound, out, cap);
}
