/* SPDX-License-Identifier: Apache-2.0 */
/* config_int.h: internals of src/config shared between its files and its unit tests. */
#ifndef FL_CONFIG_CONFIG_INT_H
#define FL_CONFIG_CONFIG_INT_H

#include <stdint.h>

#include "config.h"
#include "core/str.h"

/* "64MiB", "1MB", "512KiB", "1000" -> bytes; FL_EINVAL when malformed or zero. */
fl_err fl_config__parse_bytes(struct fl_str s, uint64_t *out);
/* FL_OK when s is host:port with a port in 1..65535. */
fl_err fl_config__check_hostport(const char *s);
/* Cross-field checks after parsing: unique names, references, cycles, timeout <= interval. */
fl_err fl_config__validate(struct fl_config *c, struct fl_diag *d);
/* Every key path the parser knows ("scrape_configs[].static_configs[].targets"), for the docs
 * test; NULL-terminated, static storage. */
const char *const *fl_config__key_paths(void);

#endif
