/* SPDX-License-Identifier: Apache-2.0 */
/*
 * render.c: JSON and text renderings of trace analyses, and window arguments (render.h).
 *
 * Times are written both ways where a reader needs them: RFC 3339 for people, and nanoseconds as
 * decimal strings (as OTLP JSON does, since JSON numbers lose precision past 2^53) for programs.
 * Durations are milliseconds as doubles. NaN (no data) is null in JSON and "-" in text.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/record.h"
#include "../core/str.h"
#include "../core/time.h"
#include "render.h"

/* ---- window arguments ---- */

fl_err fl_trace_parse_time(const char *text, const char *what, int64_t now_ms, int64_t *ns,
                           struct fl_diag *d)
{
    struct fl_str s = fl_str_trim(fl_str_c(text ? text : ""));
    if (s.len == 0)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "%s: expected a time, got nothing", what);
    /* A plain unsigned integer: its size says its unit. Parsed exactly (no double). */
    uint64_t u;
    if (s.len >= 12 && fl_str_to_u64(s, &u)) {
        if (u > (uint64_t)INT64_MAX)
            goto range;
        if (u >= 100000000000000000ull)
            *ns = (int64_t)u;
        else if (u >= 100000000000000ull)
            *ns = (int64_t)u * 1000;
        else
            *ns = (int64_t)u * 1000000; /* >= 1e11 ms */
        return FL_OK;
    }
    int64_t ms;
    struct fl_diag sub;
    fl_diag_init(&sub);
    if (fl_time_parse_any(s, now_ms, &ms, &sub) != FL_OK)
        return fl_diag_set(d, FL_EINVAL, 0, 0,
                           "%s: expected a time (RFC 3339, unix seconds, ms, us or ns, now-1h), "
                           "got \"%.*s\"",
                           what, (int)(s.len > 64 ? 64 : s.len), s.p);
    if (ms > INT64_MAX / 1000000 || ms < INT64_MIN / 1000000)
        goto range;
    *ns = ms * 1000000;
    return FL_OK;
range:
    return fl_diag_set(d, FL_EINVAL, 0, 0, "%s: time \"%.*s\" is out of range", what,
                       (int)(s.len > 64 ? 64 : s.len), s.p);
}

fl_err fl_trace_parse_window(const char *text, const char *what, int64_t now_ms, int64_t *start_ns,
                             int64_t *end_ns, struct fl_diag *d)
{
    const char *comma = text ? strchr(text, ',') : NULL;
    if (!comma)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "%s: expected START,END, got \"%.64s\"", what,
                           text ? text : "");
    char first[128];
    size_t n = (size_t)(comma - text);
    if (n >= sizeof first)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "%s: START is too long", what);
    memcpy(first, text, n);
    first[n] = '\0';
    char name[96];
    snprintf(name, sizeof name, "%s start", what);
    fl_err e = fl_trace_parse_time(first, name, now_ms, start_ns, d);
    if (e != FL_OK)
        return e;
    snprintf(name, sizeof name, "%s end", what);
    if ((e = fl_trace_parse_time(comma + 1, name, now_ms, end_ns, d)) != FL_OK)
        return e;
    if (*end_ns <= *start_ns)
        return fl_diag_set(d, FL_EINVAL, 0, 0, "%s: END must be after START", what);
    return FL_OK;
}

/* ---- small writers ---- */

static void put_num(struct fl_buf *b, double v)
{
    if (isnan(v) || isinf(v))
        fl_buf_puts(b, "null");
    else
        fl_buf_put_double(b, v);
}

static void put_str(struct fl_buf *b, const char *s)
{
    fl_buf_put_json_str(b, s, strlen(s));
}

static void put_key(struct fl_buf *b, const char *k)
{
    fl_buf_putc(b, '"');
    fl_buf_puts(b, k);
    fl_buf_puts(b, "\":");
}

static void put_sym(struct fl_buf *b, const struct fl_trace_syms *y, uint32_t id)
{
    put_str(b, fl_trace_syms_str(y, id));
}

static void put_time(struct fl_buf *b, int64_t ns)
{
    char t[48];
    int64_t ms = ns >= 0 ? ns / 1000000 : -((-ns + 999999) / 1000000);
    fl_time_fmt_rfc3339_ms(ms, t, sizeof t);
    put_str(b, t);
}

static void put_ns(struct fl_buf *b, int64_t ns)
{
    fl_buf_printf(b, "\"%" PRId64 "\"", ns);
}

static double ms_of(int64_t ns)
{
    return (double)ns / 1e6;
}

static void put_id(struct fl_buf *b, uint64_t id)
{
    if (id == 0)
        fl_buf_puts(b, "\"\"");
    else
        fl_buf_printf(b, "\"%016" PRIx64 "\"", id);
}

static const char *kind_name(int k)
{
    static const char *const names[] = {"unspecified", "internal", "server",
                                        "client",      "producer", "consumer"};
    return k >= 0 && k <= 5 ? names[k] : "unspecified";
}

static const char *peer_kind_name(int k)
{
    switch (k) {
    case FL_PEER_SERVICE: return "service";
    case FL_PEER_DATABASE: return "database";
    case FL_PEER_MESSAGING: return "messaging";
    case FL_PEER_EXTERNAL: return "external";
    default: return "unknown";
    }
}

static const char *node_kind_name(int k)
{
    switch (k) {
    case FL_GRAPH_SERVICE: return "service";
    case FL_GRAPH_DATABASE: return "database";
    case FL_GRAPH_MESSAGING: return "messaging";
    case FL_GRAPH_EXTERNAL: return "external";
    default: return "unknown";
    }
}

static void put_flags(struct fl_buf *b, uint32_t f)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {{FL_TSPAN_SYNTHETIC, "synthetic"}, {FL_TSPAN_ORPHAN, "orphan"},
                 {FL_TSPAN_CLIPPED, "clipped"},     {FL_TSPAN_OUTSIDE, "outside_parent"},
                 {FL_TSPAN_ERROR, "error"},         {FL_TSPAN_TIMEOUT, "timeout"},
                 {FL_TSPAN_RETRY, "retry"},         {FL_TSPAN_RETRIED, "retried"}};
    fl_buf_putc(b, '[');
    int first = 1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(f & names[i].bit))
            continue;
        if (!first)
            fl_buf_putc(b, ',');
        first = 0;
        put_str(b, names[i].name);
    }
    fl_buf_putc(b, ']');
}

/* Text cell of a double, "-" for NaN: CELL_MS "%.3f", CELL_DELTA "%+.3f", CELL_PCT "%.1f%%" (of
 * a fraction), CELL_P "%.2g", CELL_RATE "%.2f". */
enum cell_kind { CELL_MS, CELL_DELTA, CELL_PCT, CELL_P, CELL_RATE };

static void cell(char *out, size_t cap, double v, enum cell_kind k)
{
    if (isnan(v) || isinf(v)) {
        snprintf(out, cap, "-");
        return;
    }
    switch (k) {
    case CELL_MS: snprintf(out, cap, "%.3f", v); break;
    case CELL_DELTA: snprintf(out, cap, "%+.3f", v); break;
    case CELL_PCT: snprintf(out, cap, "%.1f%%", 100 * v); break;
    case CELL_P: snprintf(out, cap, "%.2g", v); break;
    case CELL_RATE: snprintf(out, cap, "%.2f", v); break;
    }
}

static double safe_ratio(int64_t num, int64_t den)
{
    return den > 0 ? (double)num / (double)den : NAN;
}

/* ---- comparison ---- */

static void cmp_side_json(struct fl_buf *b, struct fl_trace_span_ns w, size_t n, size_t band,
                          double ms, double err, double tshare, double rshare)
{
    fl_buf_putc(b, '{');
    put_key(b, "start");
    put_time(b, w.start_ns);
    fl_buf_putc(b, ',');
    put_key(b, "end");
    put_time(b, w.end_ns);
    fl_buf_printf(b, ",\"start_ns\":\"%" PRId64 "\",\"end_ns\":\"%" PRId64 "\"", w.start_ns,
                  w.end_ns);
    fl_buf_printf(b, ",\"traces\":%zu,\"band_traces\":%zu,\"latency_ms\":", n, band);
    put_num(b, ms);
    fl_buf_puts(b, ",\"error_rate\":");
    put_num(b, err);
    fl_buf_puts(b, ",\"timeout_share\":");
    put_num(b, tshare);
    fl_buf_puts(b, ",\"retry_share\":");
    put_num(b, rshare);
    fl_buf_putc(b, '}');
}

static void put_counts(struct fl_buf *b, const uint64_t *v, size_t n)
{
    fl_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++)
        fl_buf_printf(b, i ? ",%" PRIu64 : "%" PRIu64, v[i]);
    fl_buf_putc(b, ']');
}

/* "histogram":{"edges_ms":[...],"baseline":[...],"incident":[...]}, null without samples. */
static void cmp_hist_json(struct fl_buf *b, const struct fl_trace_cmp_row *r)
{
    fl_buf_puts(b, ",\"histogram\":");
    if (r->n_hist == 0 || !r->hist_edges_ms || !r->hist_base || !r->hist_inc) {
        fl_buf_puts(b, "null");
        return;
    }
    fl_buf_puts(b, "{\"edges_ms\":[");
    for (size_t i = 0; i <= r->n_hist; i++) {
        if (i)
            fl_buf_putc(b, ',');
        put_num(b, r->hist_edges_ms[i]);
    }
    fl_buf_puts(b, "],\"baseline\":");
    put_counts(b, r->hist_base, r->n_hist);
    fl_buf_puts(b, ",\"incident\":");
    put_counts(b, r->hist_inc, r->n_hist);
    fl_buf_putc(b, '}');
}

void fl_trace_cmp_json(const struct fl_trace_cmp *c, const struct fl_trace_syms *y,
                       struct fl_trace_span_ns base, struct fl_trace_span_ns inc, struct fl_buf *out)
{
    fl_buf_puts(out, "{\"percentile\":");
    put_num(out, c->percentile);
    fl_buf_puts(out, ",\"baseline\":");
    cmp_side_json(out, base, c->n_base, c->n_base_band, c->base_ms, c->base_error_rate,
                  c->base_timeout_share, c->base_retry_share);
    fl_buf_puts(out, ",\"incident\":");
    cmp_side_json(out, inc, c->n_inc, c->n_inc_band, c->inc_ms, c->inc_error_rate,
                  c->inc_timeout_share, c->inc_retry_share);
    fl_buf_puts(out, ",\"change_ms\":");
    put_num(out, c->inc_ms - c->base_ms);
    fl_buf_puts(out, ",\"rows\":[");
    for (size_t i = 0; i < c->n_rows; i++) {
        const struct fl_trace_cmp_row *r = &c->rows[i];
        if (i)
            fl_buf_putc(out, ',');
        if (r->kind == FL_TRACE_KEY_EDGE) {
            fl_buf_puts(out, "{\"kind\":\"edge\",\"caller\":");
            put_sym(out, y, r->a);
            fl_buf_puts(out, ",\"callee\":");
            put_sym(out, y, r->b);
        } else {
            fl_buf_puts(out, "{\"kind\":\"operation\",\"service\":");
            put_sym(out, y, r->a);
            fl_buf_puts(out, ",\"operation\":");
            put_sym(out, y, r->b);
            /* Service and name 0: the synthetic root of traces whose root never arrived; its
             * critical time is time no received span covers. */
            if (r->a == 0 && r->b == 0)
                fl_buf_puts(out, ",\"synthetic_root\":true");
        }
        const struct {
            const char *k;
            double v;
        } nums[] = {{"baseline_ms", r->base_ms},
                    {"incident_ms", r->inc_ms},
                    {"change_ms", r->delta_ms},
                    {"share", r->share},
                    {"baseline_own_ms", r->base_own_ms},
                    {"incident_own_ms", r->inc_own_ms},
                    {"ks_d", r->ks_d},
                    {"ks_p", r->ks_p},
                    {"baseline_error_rate", r->base_error_rate},
                    {"incident_error_rate", r->inc_error_rate}};
        for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
            fl_buf_printf(out, ",\"%s\":", nums[k].k);
            put_num(out, nums[k].v);
        }
        fl_buf_printf(out, ",\"n_baseline\":%zu,\"n_incident\":%zu,\"changed\":%s", r->n_base,
                      r->n_inc, r->changed ? "true" : "false");
        cmp_hist_json(out, r);
        fl_buf_putc(out, '}');
    }
    fl_buf_puts(out, "]}");
}

void fl_trace_cmp_text(const struct fl_trace_cmp *c, const struct fl_trace_syms *y,
                       struct fl_trace_span_ns base, struct fl_trace_span_ns inc, struct fl_buf *out)
{
    char b0[48], b1[48], i0[48], i1[48];
    fl_time_fmt_rfc3339_ms(base.start_ns / 1000000, b0, sizeof b0);
    fl_time_fmt_rfc3339_ms(base.end_ns / 1000000, b1, sizeof b1);
    fl_time_fmt_rfc3339_ms(inc.start_ns / 1000000, i0, sizeof i0);
    fl_time_fmt_rfc3339_ms(inc.end_ns / 1000000, i1, sizeof i1);
    fl_buf_printf(out, "baseline %s .. %s: %zu traces, p%g = %.3f ms, errors %.1f%%\n", b0, b1,
                  c->n_base, c->percentile, c->base_ms, 100 * c->base_error_rate);
    fl_buf_printf(out, "incident %s .. %s: %zu traces, p%g = %.3f ms, errors %.1f%%\n", i0, i1,
                  c->n_inc, c->percentile, c->inc_ms, 100 * c->inc_error_rate);
    fl_buf_printf(out,
                  "change at p%g: %+.3f ms; attributed over the %zu / %zu traces nearest the "
                  "percentile\n",
                  c->percentile, c->inc_ms - c->base_ms, c->n_base_band, c->n_inc_band);
    if (!isnan(c->inc_timeout_share) || !isnan(c->inc_retry_share))
        fl_buf_printf(out, "time in timeouts %.1f%% -> %.1f%%, in retried attempts %.1f%% -> %.1f%%\n",
                      100 * (isnan(c->base_timeout_share) ? 0 : c->base_timeout_share),
                      100 * (isnan(c->inc_timeout_share) ? 0 : c->inc_timeout_share),
                      100 * (isnan(c->base_retry_share) ? 0 : c->base_retry_share),
                      100 * (isnan(c->inc_retry_share) ? 0 : c->inc_retry_share));
    fl_buf_printf(out, "\n%-9s %-40s %10s %10s %10s %7s %10s %10s %9s %s\n", "KIND", "WHERE",
                  "BASE ms", "INC ms", "CHANGE ms", "SHARE", "OWN BASE", "OWN INC", "KS p",
                  "CHANGED");
    for (size_t i = 0; i < c->n_rows; i++) {
        const struct fl_trace_cmp_row *r = &c->rows[i];
        char where[256], s1[32], s2[32], s3[32], s4[32], s5[32], s6[32], s7[32];
        if (r->kind == FL_TRACE_KEY_OPERATION && r->a == 0 && r->b == 0)
            snprintf(where, sizeof where, "(synthetic root: missing spans)");
        else
            snprintf(where, sizeof where, "%s %s %s", fl_trace_syms_str(y, r->a),
                     r->kind == FL_TRACE_KEY_EDGE ? "->" : "/", fl_trace_syms_str(y, r->b));
        cell(s1, sizeof s1, r->base_ms, CELL_MS);
        cell(s2, sizeof s2, r->inc_ms, CELL_MS);
        cell(s3, sizeof s3, r->delta_ms, CELL_DELTA);
        cell(s4, sizeof s4, r->share, CELL_PCT);
        cell(s5, sizeof s5, r->base_own_ms, CELL_MS);
        cell(s6, sizeof s6, r->inc_own_ms, CELL_MS);
        cell(s7, sizeof s7, r->ks_p, CELL_P);
        fl_buf_printf(out, "%-9s %-40s %10s %10s %10s %7s %10s %10s %9s %s\n",
                      r->kind == FL_TRACE_KEY_EDGE ? "edge" : "operation", where, s1, s2, s3, s4,
                      s5, s6, s7, r->changed ? "yes" : "no");
    }
    fl_buf_puts(out, "\nBASE/INC ms: mean critical-path time per trace among the traces nearest "
                     "the percentile;\nSHARE: of the change of those traces' mean end-to-end "
                     "latency (shares add up to 100%);\nOWN: the operation's duration or the "
                     "edge's network time at the percentile; KS p: of OWN.\n");
}

/* ---- one trace ---- */

/* Per (service, operation) critical time of one trace: a small linear table. */
struct op_sum {
    uint32_t service, name;
    int64_t cp_ns;
};

static size_t op_sums(const struct fl_trace *t, struct op_sum *ops, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_spans; i++) {
        const struct fl_tspan *s = &t->spans[i];
        if (s->cp_ns <= 0)
            continue;
        size_t j = 0;
        while (j < n && !(ops[j].service == s->service && ops[j].name == s->name))
            j++;
        if (j == n) {
            if (n == cap)
                continue;
            ops[n++] = (struct op_sum){s->service, s->name, 0};
        }
        ops[j].cp_ns += s->cp_ns;
    }
    /* Largest first. */
    for (size_t i = 1; i < n; i++) {
        struct op_sum x = ops[i];
        size_t j = i;
        while (j > 0 && ops[j - 1].cp_ns < x.cp_ns) {
            ops[j] = ops[j - 1];
            j--;
        }
        ops[j] = x;
    }
    return n;
}

#define OPS_SHOWN 256

/* The opening of a trace's JSON object, shared by the detail and the search summary:
 * {"trace_id":..,"start":..,"start_ns":..,"duration_ms":..,"root_service":..,"root_operation":.. */
static void trace_head_json(const struct fl_trace *t, const struct fl_trace_syms *y,
                            struct fl_buf *out)
{
    const struct fl_tspan *root = &t->spans[0];
    fl_buf_puts(out, "{\"trace_id\":");
    put_str(out, t->trace_id);
    fl_buf_puts(out, ",\"start\":");
    put_time(out, root->start_ns);
    fl_buf_puts(out, ",\"start_ns\":");
    put_ns(out, root->start_ns);
    fl_buf_puts(out, ",\"duration_ms\":");
    put_num(out, ms_of(fl_trace_duration_ns(t)));
    fl_buf_puts(out, ",\"root_service\":");
    put_sym(out, y, root->service);
    fl_buf_puts(out, ",\"root_operation\":");
    put_sym(out, y, root->name);
}

void fl_trace_detail_json(const struct fl_trace *t, const struct fl_trace_analysis *an,
                          const struct fl_cp_seg *segs, size_t n_segs, const struct fl_trace_syms *y,
                          struct fl_buf *out)
{
    int64_t dur = fl_trace_duration_ns(t);
    const struct fl_tspan *root = &t->spans[0];
    trace_head_json(t, y, out);
    fl_buf_printf(out,
                  ",\"synthetic_root\":%s,\"spans_count\":%zu,\"orphans\":%zu,\"duplicates\":%zu,"
                  "\"clipped\":%zu,\"errors\":%zu,\"timeouts\":%zu,\"retries\":%zu",
                  (root->flags & FL_TSPAN_SYNTHETIC) ? "true" : "false", t->n_spans, t->n_orphans,
                  t->n_duplicates, t->n_clipped, an->n_errors, an->n_timeouts, an->n_retries);
    fl_buf_puts(out, ",\"error_share\":");
    put_num(out, safe_ratio(an->error_cp_ns, dur));
    fl_buf_puts(out, ",\"timeout_share\":");
    put_num(out, safe_ratio(an->timeout_cp_ns, dur));
    fl_buf_puts(out, ",\"retry_share\":");
    put_num(out, safe_ratio(an->retried_cp_ns, dur));

    fl_buf_puts(out, ",\"segments\":[");
    for (size_t i = 0; i < n_segs; i++) {
        const struct fl_tspan *s = &t->spans[segs[i].span];
        if (i)
            fl_buf_putc(out, ',');
        fl_buf_puts(out, "{\"span_id\":");
        put_id(out, s->span_id);
        fl_buf_puts(out, ",\"service\":");
        put_sym(out, y, s->service);
        fl_buf_puts(out, ",\"operation\":");
        put_sym(out, y, s->name);
        fl_buf_puts(out, ",\"start_ns\":");
        put_ns(out, segs[i].start_ns);
        fl_buf_puts(out, ",\"end_ns\":");
        put_ns(out, segs[i].end_ns);
        fl_buf_puts(out, ",\"duration_ms\":");
        put_num(out, ms_of(segs[i].end_ns - segs[i].start_ns));
        fl_buf_putc(out, '}');
    }
    fl_buf_puts(out, "],\"operations\":[");
    struct op_sum ops[OPS_SHOWN];
    size_t n_ops = op_sums(t, ops, OPS_SHOWN);
    for (size_t i = 0; i < n_ops; i++) {
        if (i)
            fl_buf_putc(out, ',');
        fl_buf_puts(out, "{\"service\":");
        put_sym(out, y, ops[i].service);
        fl_buf_puts(out, ",\"operation\":");
        put_sym(out, y, ops[i].name);
        fl_buf_puts(out, ",\"critical_ms\":");
        put_num(out, ms_of(ops[i].cp_ns));
        fl_buf_puts(out, ",\"share\":");
        put_num(out, safe_ratio(ops[i].cp_ns, dur));
        fl_buf_putc(out, '}');
    }
    fl_buf_puts(out, "],\"calls\":[");
    for (size_t i = 0; i < an->n_calls; i++) {
        const struct fl_trace_call *c = &an->calls[i];
        if (i)
            fl_buf_putc(out, ',');
        fl_buf_puts(out, "{\"caller\":");
        put_sym(out, y, c->caller);
        fl_buf_puts(out, ",\"callee\":");
        put_sym(out, y, c->callee);
        fl_buf_printf(out, ",\"callee_kind\":\"%s\",\"client_span_id\":",
                      peer_kind_name(c->callee_kind));
        put_id(out, t->spans[c->client].span_id);
        fl_buf_puts(out, ",\"server_span_id\":");
        if (c->server == FL_TRACE_NONE)
            fl_buf_puts(out, "null");
        else
            put_id(out, t->spans[c->server].span_id);
        fl_buf_puts(out, ",\"duration_ms\":");
        put_num(out, ms_of(c->duration_ns));
        fl_buf_puts(out, ",\"network_ms\":");
        put_num(out, c->network_ns < 0 ? NAN : ms_of(c->network_ns));
        fl_buf_puts(out, ",\"critical_ms\":");
        put_num(out, ms_of(c->cp_ns));
        fl_buf_putc(out, '}');
    }
    fl_buf_puts(out, "],\"spans\":[");
    for (size_t i = 0; i < t->n_spans; i++) {
        const struct fl_tspan *s = &t->spans[i];
        if (i)
            fl_buf_putc(out, ',');
        fl_buf_puts(out, "{\"span_id\":");
        put_id(out, s->span_id);
        fl_buf_puts(out, ",\"parent_span_id\":");
        put_id(out, s->parent_id);
        fl_buf_printf(out, ",\"parent\":%ld,\"service\":",
                      s->parent == FL_TRACE_NONE ? -1L : (long)s->parent);
        put_sym(out, y, s->service);
        fl_buf_puts(out, ",\"operation\":");
        put_sym(out, y, s->name);
        fl_buf_printf(out, ",\"kind\":\"%s\",\"status\":%d", kind_name(s->kind), s->status);
        if (s->peer) {
            fl_buf_puts(out, ",\"peer\":");
            put_sym(out, y, s->peer);
        }
        fl_buf_puts(out, ",\"start_ns\":");
        put_ns(out, s->start_ns);
        fl_buf_puts(out, ",\"end_ns\":");
        put_ns(out, s->end_ns);
        if (s->raw_start_ns != s->start_ns || s->raw_end_ns != s->end_ns) {
            fl_buf_puts(out, ",\"raw_start_ns\":");
            put_ns(out, s->raw_start_ns);
            fl_buf_puts(out, ",\"raw_end_ns\":");
            put_ns(out, s->raw_end_ns);
        }
        fl_buf_puts(out, ",\"duration_ms\":");
        put_num(out, ms_of(s->end_ns - s->start_ns));
        fl_buf_puts(out, ",\"critical_ms\":");
        put_num(out, ms_of(s->cp_ns));
        fl_buf_puts(out, ",\"flags\":");
        put_flags(out, s->flags);
        fl_buf_putc(out, '}');
    }
    fl_buf_puts(out, "]}");
}

/* Depth of span i (bounded by the number of spans; the tree has no cycles after assembly). */
static size_t depth_of(const struct fl_trace *t, size_t i)
{
    size_t d = 0;
    uint32_t p = t->spans[i].parent;
    while (p != FL_TRACE_NONE && d < t->n_spans) {
        d++;
        p = t->spans[p].parent;
    }
    return d;
}

/* The span after i in depth-first order, FL_TRACE_NONE at the end. */
static size_t next_dfs(const struct fl_trace *t, size_t i)
{
    if (t->spans[i].first_child != FL_TRACE_NONE)
        return t->spans[i].first_child;
    size_t guard = 0;
    while (i != FL_TRACE_NONE && guard++ < t->n_spans) {
        if (t->spans[i].next_sibling != FL_TRACE_NONE)
            return t->spans[i].next_sibling;
        i = t->spans[i].parent;
    }
    return FL_TRACE_NONE;
}

void fl_trace_detail_text(const struct fl_trace *t, const struct fl_trace_analysis *an,
                          const struct fl_cp_seg *segs, size_t n_segs, const struct fl_trace_syms *y,
                          struct fl_buf *out)
{
    (void)segs;
    (void)n_segs;
    int64_t dur = fl_trace_duration_ns(t);
    const struct fl_tspan *root = &t->spans[0];
    char start[48];
    fl_time_fmt_rfc3339_ms(root->start_ns / 1000000, start, sizeof start);
    fl_buf_printf(out, "trace %s  %s  %.3f ms  %zu spans", t->trace_id, start, ms_of(dur),
                  t->n_spans);
    if (t->n_orphans)
        fl_buf_printf(out, ", %zu orphans (under a synthetic root)", t->n_orphans);
    if (t->n_clipped)
        fl_buf_printf(out, ", %zu clipped for clock skew", t->n_clipped);
    if (t->n_duplicates)
        fl_buf_printf(out, ", %zu duplicates dropped", t->n_duplicates);
    fl_buf_putc(out, '\n');
    if (an->n_errors || an->n_timeouts || an->n_retries)
        fl_buf_printf(out,
                      "errors %zu, timeouts %zu, retries %zu; retried attempts cost %.1f%% of "
                      "the latency, timeouts %.1f%%\n",
                      an->n_errors, an->n_timeouts, an->n_retries,
                      100 * safe_ratio(an->retried_cp_ns, dur),
                      100 * safe_ratio(an->timeout_cp_ns, dur));
    fl_buf_printf(out, "\n%-56s %10s %10s %10s %7s  %s\n", "SPAN (* = on the critical path)",
                  "START ms", "DUR ms", "CRIT ms", "CRIT %", "FLAGS");
    /* Depth-first, children in start order: the waterfall. The tree has no cycles after
     * assembly; the step count bounds the walk anyway. */
    size_t i = 0, steps = 0;
    while (i != FL_TRACE_NONE && steps++ < t->n_spans) {
        const struct fl_tspan *s = &t->spans[i];
        char name[256];
        size_t dep = depth_of(t, i);
        if (dep > 12)
            dep = 12;
        snprintf(name, sizeof name, "%c %*s%s %s", s->cp_ns > 0 ? '*' : ' ', (int)(2 * dep), "",
                 s->flags & FL_TSPAN_SYNTHETIC ? "(synthetic root)" : fl_trace_syms_str(y, s->service),
                 s->flags & FL_TSPAN_SYNTHETIC ? "" : fl_trace_syms_str(y, s->name));
        char flags[128] = "";
        size_t fl = 0;
        static const struct {
            uint32_t bit;
            const char *name;
        } names[] = {{FL_TSPAN_ORPHAN, "orphan"},  {FL_TSPAN_CLIPPED, "clipped"},
                     {FL_TSPAN_OUTSIDE, "outside"}, {FL_TSPAN_ERROR, "error"},
                     {FL_TSPAN_TIMEOUT, "timeout"}, {FL_TSPAN_RETRY, "retry"},
                     {FL_TSPAN_RETRIED, "retried"}};
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if ((s->flags & names[k].bit) && fl + 16 < sizeof flags)
                fl += (size_t)snprintf(flags + fl, sizeof flags - fl, "%s%s", fl ? "," : "",
                                       names[k].name);
        fl_buf_printf(out, "%-56.56s %10.3f %10.3f %10.3f %6.1f%%  %s\n", name,
                      ms_of(s->start_ns - root->start_ns), ms_of(s->end_ns - s->start_ns),
                      ms_of(s->cp_ns), 100 * safe_ratio(s->cp_ns, dur), flags);
        i = next_dfs(t, i);
    }
    if (an->n_calls) {
        fl_buf_printf(out, "\n%-40s %10s %12s %10s\n", "CALL", "DUR ms", "NETWORK ms", "CRIT ms");
        for (size_t k = 0; k < an->n_calls; k++) {
            const struct fl_trace_call *c = &an->calls[k];
            char where[256], net[32];
            snprintf(where, sizeof where, "%s -> %s", fl_trace_syms_str(y, c->caller),
                     fl_trace_syms_str(y, c->callee));
            cell(net, sizeof net, c->network_ns < 0 ? NAN : ms_of(c->network_ns), CELL_MS);
            fl_buf_printf(out, "%-40.40s %10.3f %12s %10.3f\n", where, ms_of(c->duration_ns), net,
                          ms_of(c->cp_ns));
        }
    }
}

/* ---- search results ---- */

void fl_trace_summary_json(const struct fl_trace *t, const struct fl_trace_analysis *an,
                           const struct fl_trace_syms *y, struct fl_buf *out)
{
    const struct fl_tspan *root = &t->spans[0];
    trace_head_json(t, y, out);
    fl_buf_printf(out,
                  ",\"spans_count\":%zu,\"errors\":%zu,\"timeouts\":%zu,\"retries\":%zu,"
                  "\"incomplete\":%s,\"services\":[",
                  t->n_spans, an->n_errors, an->n_timeouts, an->n_retries,
                  (root->flags & FL_TSPAN_SYNTHETIC) ? "true" : "false");
    /* Distinct services, in order of appearance (traces are small; quadratic is fine, capped). */
    size_t shown = 0;
    for (size_t i = 0; i < t->n_spans && shown < 64; i++) {
        uint32_t sv = t->spans[i].service;
        if (!sv)
            continue;
        size_t j = 0;
        while (j < i && t->spans[j].service != sv)
            j++;
        if (j < i)
            continue;
        if (shown++)
            fl_buf_putc(out, ',');
        put_sym(out, y, sv);
    }
    fl_buf_puts(out, "]}");
}

void fl_trace_summary_text_header(struct fl_buf *out)
{
    fl_buf_printf(out, "%-32s %-24s %10s %6s %6s  %s\n", "TRACE", "START", "DUR ms", "SPANS",
                  "ERRORS", "ROOT");
}

void fl_trace_summary_text(const struct fl_trace *t, const struct fl_trace_analysis *an,
                           const struct fl_trace_syms *y, struct fl_buf *out)
{
    const struct fl_tspan *root = &t->spans[0];
    char start[48];
    fl_time_fmt_rfc3339_ms(root->start_ns / 1000000, start, sizeof start);
    fl_buf_printf(out, "%-32s %-24s %10.3f %6zu %6zu  %s %s%s\n", t->trace_id, start,
                  ms_of(fl_trace_duration_ns(t)), t->n_spans, an->n_errors,
                  fl_trace_syms_str(y, root->service), fl_trace_syms_str(y, root->name),
                  (root->flags & FL_TSPAN_SYNTHETIC) ? " (incomplete)" : "");
}

/* ---- dependency graph ---- */

void fl_trace_graph_json(const struct fl_trace_graph *g, const struct fl_trace_syms *y,
                         struct fl_trace_span_ns win, struct fl_buf *out)
{
    fl_buf_puts(out, "{\"start\":");
    put_time(out, win.start_ns);
    fl_buf_puts(out, ",\"end\":");
    put_time(out, win.end_ns);
    fl_buf_puts(out, ",\"nodes\":[");
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct fl_graph_node *n = &g->nodes[i];
        if (i)
            fl_buf_putc(out, ',');
        fl_buf_puts(out, "{\"name\":");
        put_sym(out, y, n->name);
        fl_buf_printf(out, ",\"kind\":\"%s\",\"component_kind\":", node_kind_name(n->kind));
        if (n->component_kind)
            put_str(out, n->component_kind);
        else
            fl_buf_puts(out, "null");
        fl_buf_printf(out,
                      ",\"in_traces\":%s,\"in_topology\":%s,\"spans\":%llu,\"errors\":%llu}",
                      n->in_traces ? "true" : "false", n->in_topology ? "true" : "false",
                      (unsigned long long)n->spans, (unsigned long long)n->errors);
    }
    fl_buf_puts(out, "],\"edges\":[");
    for (size_t i = 0; i < g->n_edges; i++) {
        const struct fl_graph_edge *e = &g->edges[i];
        if (i)
            fl_buf_putc(out, ',');
        fl_buf_puts(out, "{\"from\":");
        put_sym(out, y, g->nodes[e->from].name);
        fl_buf_puts(out, ",\"to\":");
        put_sym(out, y, g->nodes[e->to].name);
        fl_buf_printf(out, ",\"in_traces\":%s,\"in_topology\":%s,\"calls\":%llu,\"errors\":%llu",
                      e->in_traces ? "true" : "false", e->in_topology ? "true" : "false",
                      (unsigned long long)e->calls, (unsigned long long)e->errors);
        const struct {
            const char *k;
            double v;
        } nums[] = {{"rate_per_s", e->rate_per_s},         {"error_rate", e->error_rate},
                    {"p50_ms", e->p50_ms},                 {"p99_ms", e->p99_ms},
                    {"network_p50_ms", e->network_p50_ms}, {"network_p99_ms", e->network_p99_ms}};
        for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
            fl_buf_printf(out, ",\"%s\":", nums[k].k);
            put_num(out, nums[k].v);
        }
        fl_buf_putc(out, '}');
    }
    fl_buf_puts(out, "]}");
}

void fl_trace_graph_text(const struct fl_trace_graph *g, const struct fl_trace_syms *y,
                         struct fl_trace_span_ns win, struct fl_buf *out)
{
    char a[48], b[48];
    fl_time_fmt_rfc3339_ms(win.start_ns / 1000000, a, sizeof a);
    fl_time_fmt_rfc3339_ms(win.end_ns / 1000000, b, sizeof b);
    fl_buf_printf(out, "dependency graph %s .. %s: %zu nodes, %zu edges\n\n", a, b, g->n_nodes,
                  g->n_edges);
    fl_buf_printf(out, "%-24s %-10s %-14s %10s %8s  %s\n", "NODE", "KIND", "COMPONENT", "SPANS",
                  "ERRORS", "SEEN IN");
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct fl_graph_node *n = &g->nodes[i];
        fl_buf_printf(out, "%-24s %-10s %-14s %10llu %8llu  %s%s%s\n", fl_trace_syms_str(y, n->name),
                      node_kind_name(n->kind), n->component_kind ? n->component_kind : "-",
                      (unsigned long long)n->spans, (unsigned long long)n->errors,
                      n->in_traces ? "traces" : "", n->in_traces && n->in_topology ? "," : "",
                      n->in_topology ? "topology" : "");
    }
    fl_buf_printf(out, "\n%-44s %9s %8s %8s %10s %10s %10s %10s  %s\n", "EDGE", "CALLS", "RATE/s",
                  "ERRORS", "P50 ms", "P99 ms", "NET P50", "NET P99", "SEEN IN");
    for (size_t i = 0; i < g->n_edges; i++) {
        const struct fl_graph_edge *e = &g->edges[i];
        char where[256], c[6][32];
        snprintf(where, sizeof where, "%s -> %s", fl_trace_syms_str(y, g->nodes[e->from].name),
                 fl_trace_syms_str(y, g->nodes[e->to].name));
        cell(c[0], sizeof c[0], e->rate_per_s, CELL_RATE);
        cell(c[1], sizeof c[1], e->error_rate, CELL_PCT);
        cell(c[2], sizeof c[2], e->p50_ms, CELL_MS);
        cell(c[3], sizeof c[3], e->p99_ms, CELL_MS);
        cell(c[4], sizeof c[4], e->network_p50_ms, CELL_MS);
        cell(c[5], sizeof c[5], e->network_p99_ms, CELL_MS);
        fl_buf_printf(out, "%-44.44s %9llu %8s %8s %10s %10s %10s %10s  %s%s%s\n", where,
                      (unsigned long long)e->calls, c[0], c[1], c[2], c[3], c[4], c[5],
                      e->in_traces ? "traces" : "", e->in_traces && e->in_topology ? "," : "",
                      e->in_topology ? "topology" : "");
    }
}
