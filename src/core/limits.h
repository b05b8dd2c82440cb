/* SPDX-License-Identifier: Apache-2.0 */
/*
 * limits.h: every hard cap in one place.
 *
 * These are defaults; the ones marked (config) can be changed in faultline.yml under `limits:`
 * (see docs/CONFIG.md) and travel at run time in struct fl_limits. The rest are compile-time
 * ceilings that protect parsers from hostile input.
 */
#ifndef FL_CORE_LIMITS_H
#define FL_CORE_LIMITS_H

#include <stddef.h>

#define FL_LIMIT_BODY_BYTES (64u * 1024 * 1024)       /* (config) HTTP request body, after gunzip */
#define FL_LIMIT_LINE_BYTES (1u * 1024 * 1024)        /* (config) one exposition / JSONL / CSV line */
#define FL_LIMIT_LABELS_PER_SERIES 64                 /* (config) */
#define FL_LIMIT_SERIES_PER_TARGET 100000             /* (config) series per scrape */
#define FL_LIMIT_SCRAPE_BYTES (64u * 1024 * 1024)     /* (config) scrape response body */
#define FL_LIMIT_RECORDS_PER_BATCH 1000000            /* (config) records in one request/file chunk */
#define FL_LIMIT_NAME_BYTES 1024                      /* metric/label/attribute name */
#define FL_LIMIT_VALUE_BYTES (64u * 1024)             /* label value / string attribute */
#define FL_LIMIT_JSON_DEPTH 64                        /* nesting of JSON containers */
#define FL_LIMIT_FEATURES_PER_RECORD 4096             /* features in one inference record */
#define FL_LIMIT_ATTRS_PER_SPAN 1024                  /* attributes + events + links of one span */
#define FL_LIMIT_EXEMPLAR_RUNES 128                   /* OpenMetrics exemplar label set */
#define FL_LIMIT_BATCH_ARENA_BYTES (512u * 1024 * 1024) /* all strings of one batch */
#define FL_LIMIT_CSV_COLUMNS 10000
#define FL_LIMIT_MAP_ENTRIES 10000000
#define FL_LIMIT_SKETCH_BYTES (16u * 1024 * 1024)     /* one serialized sketch (src/stats) */
#define FL_LIMIT_KLL_K 65535                          /* KLL sketch accuracy parameter k */
#define FL_LIMIT_KLL_LEVELS 61                        /* KLL compaction levels */
#define FL_LIMIT_HLL_P 18                             /* HyperLogLog precision: 2^p registers */
#define FL_LIMIT_FREQ_COUNTERS 65536                  /* counters of a frequent-items sketch */
#define FL_LIMIT_FREQ_ITEM_BYTES 4096                 /* one frequent-items key, after truncation */
#define FL_LIMIT_PROFILE_KEY_BYTES 1024                /* one profile key string (model, feature, ...) */
#define FL_LIMIT_PROFILE_COLUMNS 1000000              /* column profiles in one profile set */
#define FL_LIMIT_PROFILE_FILE_BYTES (1024u * 1024 * 1024) /* one serialized profile set */
#define FL_LIMIT_TABLE_COLUMNS 10000                  /* columns of a CSV / JSON Lines table */
#define FL_LIMIT_TABLE_ROWS 100000000                 /* rows of one table file, streamed */
#define FL_LIMIT_TABLE_LOAD_CELLS (32u * 1024 * 1024) /* cells fl_table_load keeps in memory */
#define FL_LIMIT_SCHEMA_BYTES (32u * 1024 * 1024)     /* a data schema YAML file */
#define FL_LIMIT_SCHEMA_NODES 1000000                 /* YAML nodes of a data schema */
#define FL_LIMIT_DRIFT_OPTS_NODES 262144              /* YAML nodes of a drift options file */
#define FL_LIMIT_DOMAIN_VALUES 10000                  /* values of a column domain in a schema */
#define FL_LIMIT_TRACE_SYMS 1000000                    /* distinct strings of one trace analysis */
#define FL_LIMIT_TRACE_SPANS 1000000                   /* spans of one assembled trace */
#define FL_LIMIT_WINDOW_TRACES 10000000                /* traces of one analysis window */
#define FL_LIMIT_WINDOW_KEYS 100000                    /* operations + edges of one window */
#define FL_LIMIT_LOC_DIMS 16                           /* dimensions of a segment localization */
#define FL_LIMIT_LOC_LEAVES 1000000                    /* leaves (value combinations): ~400 B each */
#define FL_LIMIT_AM_GROUPS 10000                       /* Alertmanager payloads in one request */
#define FL_LIMIT_AM_ALERTS 100000                      /* alerts in one Alertmanager payload */
#define FL_LIMIT_AM_PAIRS 1024                         /* labels (or annotations) of one alert */
#define FL_LIMIT_FTA_EVENTS 1000000                     /* events of one fault tree */
#define FL_LIMIT_FTA_ARGS 100000                        /* inputs of one fault-tree gate */
#define FL_LIMIT_FTA_FILE_BYTES (64u * 1024 * 1024)     /* one fault-tree file */
#define FL_LIMIT_FTA_BDD_NODES (1u << 24)               /* nodes of one BDD or ZBDD */
#define FL_LIMIT_FTA_BDD_VARS 10000                     /* basic events in one BDD */
#define FL_LIMIT_FTA_CUT_SETS 1000000                   /* cut sets listed by one analysis */

/* Run-time limits (defaults from the macros above; overridable in config). */
struct fl_limits {
    size_t body_bytes;
    size_t line_bytes;
    size_t labels_per_series;
    size_t series_per_target;
    size_t scrape_bytes;
    size_t records_per_batch;
};

/* Fill with the compile-time defaults. */
void fl_limits_default(struct fl_limits *l);

#endif
