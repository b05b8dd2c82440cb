/* SPDX-License-Identifier: Apache-2.0 */
/* config_int.h: internals of src/config shared between its files and its unit tests. */
#ifndef FL_CONFIG_CONFIG_INT_H
#define FL_CONFIG_CONFIG_INT_H

#include <stdint.h>

#include "config.h"
#include "core/str.h"

/* Caps on faultline.yml itself (a configuration is small; these only stop hostile files). */
#define FL_CONFIG_MAX_BYTES (4u * 1024 * 1024) /* file size */
#ifdef FL_LIMIT_CONFIG_NODES
#define FL_CONFIG_MAX_NODES FL_LIMIT_CONFIG_NODES
#else
#define FL_CONFIG_MAX_NODES 100000 /* scalars + lists + mappings + aliases in the file */
#endif
#define FL_CONFIG_MAX_VISITS 200000 /* nodes walked, counting each use of an alias again */
#define FL_CONFIG_MAX_ITEMS 10000   /* entries in any one list */
/* Defaults of feature_staleness (the stale share of served features on /metrics). */
#define FL_CONFIG_STALE_WINDOW_MS (15 * 60 * 1000)
#define FL_CONFIG_STALE_MAX_REQUESTS 100000

/* "64MiB", "1MB", "512KiB", "1000" -> bytes; FL_EINVAL when malformed or zero. */
fl_err fl_config__parse_bytes(struct fl_str s, uint64_t *out);
/* FL_OK when s is host:port with a port in 1..65535. */
fl_err fl_config__check_hostport(const char *s);

/* Turns a key path ("topology.components[2].depends_on[0]") into the 1-based line and column of
 * that node in the document being parsed; leaves *line and *col alone when the path is unknown. */
typedef void (*fl_config__locate_fn)(void *arg, const char *path, unsigned long *line,
                                     unsigned long *col);
/* Cross-field checks after the walk: depends_on references, dependency cycles (the message shows
 * the cycle path), KPI and model component references. locate may be NULL (no line/column). */
fl_err fl_config__validate(struct fl_config *c, struct fl_diag *d, fl_config__locate_fn locate,
                           void *arg);
/* The defaults of the monitoring: section (no allocation). */
void fl_config__monitoring_default(struct fl_monitoring_cfg *m);
/* Every key path the parser knows ("scrape_configs[].static_configs[].targets"), for the docs
 * test; NULL-terminated, static storage. */
const char *const *fl_config__key_paths(void);

#endif
