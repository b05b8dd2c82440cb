/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h: leveled logging to stderr in logfmt ("ts=... level=info msg=\"...\" key=value").
 * Thread-safe (one write(2) per line). The level is global and set once at startup.
 */
#ifndef FL_CORE_LOG_H
#define FL_CORE_LOG_H

#include "err.h"

enum fl_log_level { FL_LOG_DEBUG, FL_LOG_INFO, FL_LOG_WARN, FL_LOG_ERROR, FL_LOG_OFF };

void fl_log_set_level(enum fl_log_level lvl);
enum fl_log_level fl_log_get_level(void);
/* "debug", "info", "warn", "error", "off" -> level; FL_EINVAL otherwise. */
fl_err fl_log_parse_level(const char *s, enum fl_log_level *out) FL_MUST_CHECK;
/* msg is printf-style; the line is prefixed with ts and level. */
void fl_log(enum fl_log_level lvl, const char *fmt, ...) FL_PRINTF(2, 3);

#define FL_LOG_D(...) fl_log(FL_LOG_DEBUG, __VA_ARGS__)
#define FL_LOG_I(...) fl_log(FL_LOG_INFO, __VA_ARGS__)
#define FL_LOG_W(...) fl_log(FL_LOG_WARN, __VA_ARGS__)
#define FL_LOG_E(...) fl_log(FL_LOG_ERROR, __VA_ARGS__)

#endif
