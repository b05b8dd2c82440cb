/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect.c: input format detection by content (rules in detect.h).
 *
 * JSON inputs are read with the pull reader only as far as needed to see the keys of the first
 * object; a truncated window simply ends the scan, and the keys seen so far decide.
 */
#include "detect.h"

#include <stdbool.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/str.h"
#include "csv.h"

#define WINDOW 8192

static const char *const kind_names[] = {
    [FL_INGEST_UNKNOWN] = "unknown",
    [FL_INGEST_PROM_TEXT] = "prometheus-text",
    [FL_INGEST_OPENMETRICS] = "openmetrics",
    [FL_INGEST_OTLP_JSON] = "otlp-json",
    [FL_INGEST_JAEGER_JSON] = "jaeger-json",
    [FL_INGEST_INFERENCE_JSONL] = "inference-jsonl",
    [FL_INGEST_OUTCOME_JSONL] = "outcome-jsonl",
    [FL_INGEST_EVENTS_JSON] = "events-json",
    [FL_INGEST_CSV] = "csv",
};
#define N_KINDS (sizeof kind_names / sizeof kind_names[0])

const char *fl_ingest_kind_name(enum fl_ingest_kind k)
{
    return (unsigned)k < N_KINDS ? kind_names[k] : "unknown";
}

enum fl_ingest_kind fl_ingest_kind_parse(const char *name)
{
    for (size_t i = 1; name && i < N_KINDS; i++)
        if (strcmp(name, kind_names[i]) == 0)
            return (enum fl_ingest_kind)i;
    return FL_INGEST_UNKNOWN;
}

/* ---- JSON ---- */

enum {
    F_MODEL = 1 << 0,
    F_FEATURES = 1 << 1,
    F_PREDICTION = 1 << 2,
    F_REQUEST_ID = 1 << 3,
    F_OUTCOME = 1 << 4,
    F_NAME = 1 << 5,
    F_VALUE = 1 << 6,
    F_KIND = 1 << 7,
    F_COMPONENT = 1 << 8,
    F_OTLP = 1 << 9,
    F_TRACE_ID = 1 << 10,
    F_SPANS = 1 << 11,
    F_PROCESSES = 1 << 12,
    F_JAEGER = 1 << 13, /* data:[{traceID | spans+processes}] */
};

static unsigned key_flag(struct fl_str k)
{
    static const struct {
        const char *name;
        unsigned flag;
    } keys[] = {
        {"model", F_MODEL},         {"features", F_FEATURES},   {"prediction", F_PREDICTION},
        {"request_id", F_REQUEST_ID}, {"outcome", F_OUTCOME},   {"name", F_NAME},
        {"value", F_VALUE},         {"kind", F_KIND},           {"type", F_KIND},
        {"component", F_COMPONENT}, {"resourceSpans", F_OTLP},  {"resourceMetrics", F_OTLP},
        {"resourceLogs", F_OTLP},   {"traceID", F_TRACE_ID},    {"spans", F_SPANS},
        {"processes", F_PROCESSES},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (fl_str_eq_c(k, keys[i].name))
            return keys[i].flag;
    return 0;
}

/* Keys of the object at the reader's position (entered by the caller) into *flags; when nested,
 * "data":[{..}] is looked into once. Stops quietly at the first error (truncated window). */
static void scan_object(struct fl_json *j, struct fl_buf *scratch, unsigned *flags, bool top)
{
    struct fl_str key;
    bool more;
    while (fl_json_next_key(j, scratch, &key, &more) == FL_OK && more) {
        *flags |= key_flag(key);
        if (top && fl_str_eq_c(key, "data") && fl_json_peek(j) == FL_JSON_ARRAY) {
            if (fl_json_enter_array(j) != FL_OK || fl_json_next_elem(j, &more) != FL_OK || !more)
                return;
            if (fl_json_peek(j) != FL_JSON_OBJECT || fl_json_enter_object(j) != FL_OK)
                return;
            unsigned inner = 0;
            scan_object(j, scratch, &inner, false);
            if ((inner & F_TRACE_ID) || ((inner & F_SPANS) && (inner & F_PROCESSES)))
                *flags |= F_JAEGER;
            return;
        }
        if (fl_json_skip(j) != FL_OK)
            return;
    }
}

static enum fl_ingest_kind detect_json(const char *p, size_t len)
{
    struct fl_json j;
    struct fl_buf scratch;
    unsigned f = 0;
    bool more;
    fl_json_init(&j, p, len, NULL);
    fl_buf_init(&scratch, WINDOW);
    if (p[0] == '[') {
        if (fl_json_enter_array(&j) == FL_OK && fl_json_next_elem(&j, &more) == FL_OK && more &&
            fl_json_peek(&j) == FL_JSON_OBJECT && fl_json_enter_object(&j) == FL_OK)
            scan_object(&j, &scratch, &f, true);
    } else if (fl_json_enter_object(&j) == FL_OK) {
        scan_object(&j, &scratch, &f, true);
    }
    fl_buf_cleanup(&scratch);
    if (f & F_OTLP)
        return FL_INGEST_OTLP_JSON;
    if ((f & F_JAEGER) || ((f & F_SPANS) && (f & (F_PROCESSES | F_TRACE_ID))))
        return FL_INGEST_JAEGER_JSON;
    if ((f & F_MODEL) && (f & (F_FEATURES | F_PREDICTION)))
        return FL_INGEST_INFERENCE_JSONL;
    if ((f & F_REQUEST_ID) && !(f & F_MODEL) &&
        ((f & F_OUTCOME) || ((f & F_NAME) && (f & F_VALUE))))
        return FL_INGEST_OUTCOME_JSONL;
    if ((f & F_KIND) && (f & F_COMPONENT))
        return FL_INGEST_EVENTS_JSON;
    return FL_INGEST_UNKNOWN;
}

/* ---- text ---- */

static bool is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static bool is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

/* `name{labels} value [ts]` with a parseable value. */
static bool is_sample_line(struct fl_str l)
{
    size_t i = 0;
    if (l.len == 0 || !is_name_start(l.p[0]))
        return false;
    while (i < l.len && is_name_char(l.p[i]))
        i++;
    if (i < l.len && l.p[i] == '{') {
        bool inq = false;
        for (i++; i < l.len; i++) {
            if (inq && l.p[i] == '\\') {
                i++;
                continue;
            }
            if (l.p[i] == '"')
                inq = !inq;
            else if (!inq && l.p[i] == '}')
                break;
        }
        if (i >= l.len)
            return false;
        i++;
    }
    if (i >= l.len || (l.p[i] != ' ' && l.p[i] != '\t'))
        return false;
    while (i < l.len && (l.p[i] == ' ' || l.p[i] == '\t'))
        i++;
    size_t s = i;
    while (i < l.len && l.p[i] != ' ' && l.p[i] != '\t')
        i++;
    double v;
    return i > s && fl_str_to_double((struct fl_str){l.p + s, i - s}, &v);
}

static bool om_only_type(struct fl_str l)
{
    /* "# TYPE name type" */
    struct fl_str rest = {l.p + 7, l.len - 7}, name, type;
    if (!fl_str_cut(rest, ' ', &name, &type))
        return false;
    type = fl_str_trim(type);
    return fl_str_eq_c(type, "info") || fl_str_eq_c(type, "stateset") ||
           fl_str_eq_c(type, "gaugehistogram") || fl_str_eq_c(type, "unknown");
}

/* Input ends with a "# EOF" line (trailing newlines allowed). */
static bool ends_with_eof(const char *p, size_t len)
{
    while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r' || p[len - 1] == ' '))
        len--;
    if (len < 5 || memcmp(p + len - 5, "# EOF", 5) != 0)
        return false;
    return len == 5 || p[len - 6] == '\n';
}

/* A cell that looks like a time: unix seconds/ms (9+ digits, optional fraction) or a date. */
static bool time_like_cell(struct fl_str s)
{
    s = fl_str_trim(s);
    if (s.len >= 2 && s.p[0] == '"' && s.p[s.len - 1] == '"')
        s = (struct fl_str){s.p + 1, s.len - 2};
    size_t digits = 0;
    while (digits < s.len && s.p[digits] >= '0' && s.p[digits] <= '9')
        digits++;
    if (digits >= 9 && (digits == s.len || s.p[digits] == '.'))
        return true;
    return s.len >= 10 && digits == 4 && s.p[4] == '-' && s.p[5] >= '0' && s.p[5] <= '9' &&
           s.p[7] == '-';
}

static struct fl_str first_cell(struct fl_str line)
{
    struct fl_str head, tail;
    if (!fl_str_cut(line, ',', &head, &tail))
        return line;
    return head;
}

static enum fl_ingest_kind detect_text(const char *p, size_t len, size_t full_len)
{
    struct fl_str lines[2];
    size_t n_lines = 0, pos = 0;
    bool prom = false, first_content = true, first_sample = false;
    if (ends_with_eof(p, full_len))
        return FL_INGEST_OPENMETRICS;
    while (pos < len) {
        const char *nl = memchr(p + pos, '\n', len - pos);
        if (!nl && full_len > len)
            break; /* partial last line of the window */
        size_t end = nl ? (size_t)(nl - p) : len;
        struct fl_str l = fl_str_trim((struct fl_str){p + pos, end - pos});
        pos = end + 1;
        if (l.len == 0)
            continue;
        if (n_lines < 2)
            lines[n_lines++] = l;
        if (fl_str_eq_c(l, "# EOF") || fl_str_has_prefix(l, "# UNIT "))
            return FL_INGEST_OPENMETRICS;
        if (fl_str_has_prefix(l, "# TYPE ") && om_only_type(l))
            return FL_INGEST_OPENMETRICS;
        if (fl_str_has_prefix(l, "# HELP ") || fl_str_has_prefix(l, "# TYPE "))
            prom = true;
        if (first_content && l.p[0] != '#') {
            first_content = false;
            first_sample = is_sample_line(l);
        }
    }
    if (n_lines >= 1 && memchr(lines[0].p, ',', lines[0].len)) {
        struct fl_str h = fl_str_trim(first_cell(lines[0]));
        if (h.len >= 2 && h.p[0] == '"' && h.p[h.len - 1] == '"')
            h = (struct fl_str){h.p + 1, h.len - 2};
        if (fl_csv_is_time_header(h.p, h.len))
            return FL_INGEST_CSV;
        if (n_lines == 2 && memchr(lines[1].p, ',', lines[1].len) &&
            time_like_cell(first_cell(lines[1])))
            return FL_INGEST_CSV;
    }
    if (prom || first_sample)
        return FL_INGEST_PROM_TEXT;
    return FL_INGEST_UNKNOWN;
}

enum fl_ingest_kind fl_ingest_detect(const char *p, size_t len)
{
    size_t i = 0;
    if (!p)
        return FL_INGEST_UNKNOWN;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i == len)
        return FL_INGEST_UNKNOWN;
    size_t win = len - i < WINDOW ? len - i : WINDOW;
    if (p[i] == '{' || p[i] == '[')
        return detect_json(p + i, win);
    return detect_text(p + i, win, len - i);
}
