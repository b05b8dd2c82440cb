/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_import.c: `faultline import FILE...`: load exported telemetry of a past incident into the
 * store. The format of each file is detected by content (fl_ingest_detect) unless --format names
 * it. Each file is one batch: it is stored whole or not at all, and an error names the file, line
 * and column ("inferences.jsonl:17:23: feature \"age\": expected number, got array").
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config/config.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/record.h"
#include "core/time.h"
#include "ingest/csv.h"
#include "ingest/detect.h"
#include "ingest/events.h"
#include "ingest/inference.h"
#include "ingest/jaeger.h"
#include "ingest/otlp.h"
#include "ingest/prom.h"
#include "store/store.h"

struct import_opts {
    const char *format;  /* NULL = detect */
    const char *mapping; /* CSV mapping file */
    const char *data_dir;
};

static const struct {
    const char *name;
    enum fl_ingest_kind kind;
} formats[] = {
    {"prometheus", FL_INGEST_PROM_TEXT},   {"openmetrics", FL_INGEST_OPENMETRICS},
    {"otlp", FL_INGEST_OTLP_JSON},         {"jaeger", FL_INGEST_JAEGER_JSON},
    {"inferences", FL_INGEST_INFERENCE_JSONL}, {"outcomes", FL_INGEST_OUTCOME_JSONL},
    {"events", FL_INGEST_EVENTS_JSON},     {"csv", FL_INGEST_CSV},
};

static int parse_format(const char *s, enum fl_ingest_kind *out)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (!strcmp(s, formats[i].name)) {
            *out = formats[i].kind;
            return 1;
        }
    }
    return 0;
}

/* Parse one file's bytes of the given kind into b. */
static fl_err parse_into(enum fl_ingest_kind kind, struct fl_str text,
                         const struct fl_csv_mapping *mapping, const struct fl_limits *lim,
                         struct fl_batch *b, struct fl_diag *d)
{
    fl_err e;
    switch (kind) {
    case FL_INGEST_PROM_TEXT:
    case FL_INGEST_OPENMETRICS: {
        struct fl_prom_parser *pp = NULL;
        if ((e = fl_prom_parser_new(lim, &pp)) != FL_OK)
            return e;
        enum fl_prom_format fmt =
            kind == FL_INGEST_OPENMETRICS ? FL_PROM_OPENMETRICS : FL_PROM_TEXT;
        e = fl_prom_to_batch(pp, text.p, text.len, fmt, fl_time_now_ms(), NULL, 0, b, NULL, d);
        fl_prom_parser_free(pp);
        return e;
    }
    case FL_INGEST_OTLP_JSON: {
        struct fl_otlp_result res;
        memset(&res, 0, sizeof res);
        e = fl_otlp_json_to_batch(text.p, text.len, b, &res, d);
        if (e == FL_OK && res.rejected_spans > 0)
            return fl_diag_set(d, FL_EPARSE, 0, 0, "%zu spans rejected: %s", res.rejected_spans,
                               res.error_message);
        return e;
    }
    case FL_INGEST_JAEGER_JSON:
        return fl_jaeger_json_to_batch(text.p, text.len, b, d);
    case FL_INGEST_INFERENCE_JSONL:
        return fl_inference_jsonl_to_batch(text.p, text.len, lim, b, d);
    case FL_INGEST_OUTCOME_JSONL:
        return fl_outcome_jsonl_to_batch(text.p, text.len, lim, b, d);
    case FL_INGEST_EVENTS_JSON:
        return fl_events_json_to_batch(text.p, text.len, lim, b, d);
    case FL_INGEST_CSV:
        return fl_csv_to_batch(text.p, text.len, mapping, lim, b, d);
    case FL_INGEST_UNKNOWN:
    default:
        return fl_diag_set(d, FL_EUNSUPPORTED, 0, 0,
                           "cannot tell the format from the content; use --format (one of "
                           "prometheus, openmetrics, otlp, jaeger, inferences, outcomes, events, "
                           "csv)");
    }
}

static int import_file(struct fl_store *store, const char *path, const struct import_opts *o,
                       const struct fl_csv_mapping *mapping, const struct fl_limits *lim)
{
    struct fl_diag d;
    struct fl_buf text;
    struct fl_batch b;
    int rc = 1;
    fl_err e;

    fl_diag_init(&d);
    fl_buf_init(&text, lim->body_bytes > FL_LIMIT_BODY_BYTES ? lim->body_bytes : (size_t)1 << 31);
    if ((e = fl_batch_init(&b, lim->records_per_batch)) != FL_OK) {
        fl_buf_cleanup(&text);
        fprintf(stderr, "faultline import: %s: %s\n", path, fl_err_str(e));
        return 1;
    }
    if ((e = fl_file_read(path, text.max, &text, &d)) != FL_OK)
        goto out;
    enum fl_ingest_kind kind = FL_INGEST_UNKNOWN;
    if (o->format)
        (void)parse_format(o->format, &kind); /* validated in fl_cli_import */
    else
        kind = fl_ingest_detect(text.data ? text.data : "", text.len);
    if ((e = parse_into(kind, fl_buf_str(&text), mapping, lim, &b, &d)) != FL_OK) {
        if (e == FL_ELIMIT && fl_batch_count(&b) >= b.max_records)
            snprintf(d.msg, sizeof d.msg,
                     "more than %zu records: a file is imported in one transaction; raise "
                     "limits.records_per_batch in the configuration or split the file",
                     b.max_records);
        goto out;
    }
    if ((e = fl_store_write(store, &b, &d)) != FL_OK)
        goto out;
    printf("%s: %s: %zu samples in %zu series, %zu spans, %zu inferences, %zu outcomes, "
           "%zu events, %zu model versions\n",
           path, fl_ingest_kind_name(kind), b.n_samples, b.n_series, b.n_spans, b.n_inferences,
           b.n_outcomes, b.n_events, b.n_models);
    rc = 0;
out:
    if (rc) {
        fl_diag_file(&d, path);
        if (d.code == FL_OK)
            fl_diag_set(&d, e, 0, 0, "%s", fl_err_str(e));
        fl_cli_print_diag("import", &d);
    }
    fl_batch_cleanup(&b);
    fl_buf_cleanup(&text);
    return rc;
}

static const struct fl_cli_cmd cli = {
    "import", "usage: faultline import [--format F] [--mapping FILE] [--data-dir DIR] FILE...\n"};

int fl_cli_import(const struct fl_cli_globals *g, int argc, char **argv)
{
    struct import_opts o = {0};
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (i + 1 >= argc)
            return fl_cli_usage_error(&cli, "option needs a value", NULL);
        if (!strcmp(a, "--format"))
            o.format = argv[++i];
        else if (!strcmp(a, "--mapping"))
            o.mapping = argv[++i];
        else if (!strcmp(a, "--data-dir"))
            o.data_dir = argv[++i];
        else
            return fl_cli_usage_error(&cli, "unknown option", NULL);
    }
    if (i >= argc)
        return fl_cli_usage_error(&cli, "no files given", NULL);
    enum fl_ingest_kind k;
    if (o.format && !parse_format(o.format, &k))
        return fl_cli_usage_error(
            &cli,
            "--format: expected prometheus, openmetrics, otlp, jaeger, inferences, "
            "outcomes, events or csv",
            NULL);

    struct fl_config *cfg = fl_cli_load_config(g);
    if (!cfg)
        return 1;
    int rc = 1;
    struct fl_store *store = NULL;
    struct fl_csv_mapping *mapping = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    if (o.mapping) {
        struct fl_buf mb;
        fl_buf_init(&mb, FL_LIMIT_BODY_BYTES);
        fl_err e = fl_file_read(o.mapping, mb.max, &mb, &d);
        if (e == FL_OK)
            e = fl_csv_mapping_parse(mb.data ? mb.data : "", mb.len, &mapping, &d);
        fl_buf_cleanup(&mb);
        if (e != FL_OK) {
            fl_diag_file(&d, o.mapping);
            fl_cli_print_diag("import", &d);
            goto out;
        }
    }
    struct fl_store_opts so;
    fl_store_opts_default(&so);
    so.retention_ms = cfg->retention_ms;
    if (fl_store_open(o.data_dir ? o.data_dir : cfg->data_dir, &so, &store, &d) != FL_OK) {
        fl_cli_print_diag("import", &d);
        goto out;
    }
    rc = 0;
    for (; i < argc; i++)
        rc |= import_file(store, argv[i], &o, mapping, &cfg->limits);
out:
    fl_store_free(store);
    fl_csv_mapping_free(mapping);
    fl_config_free(cfg);
    return rc;
}
