/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.c: logfmt lines on stderr ("ts=2026-11-25T14:05:00.123Z level=info msg=\"...\""). The whole
 * line is formatted into a stack buffer and written with one write(2), so lines from different
 * threads never interleave.
 */
#include "log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "time.h"

static atomic_int log_level = FL_LOG_INFO;

void fl_log_set_level(enum fl_log_level lvl)
{
    atomic_store(&log_level, (int)lvl);
}

enum fl_log_level fl_log_get_level(void)
{
    return (enum fl_log_level)atomic_load(&log_level);
}

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

fl_err fl_log_parse_level(const char *s, enum fl_log_level *out)
{
    if (!s)
        return FL_EINVAL;
    for (int i = 0; i <= FL_LOG_OFF; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum fl_log_level)i;
            return FL_OK;
        }
    }
    return FL_EINVAL;
}

void fl_log(enum fl_log_level lvl, const char *fmt, ...)
{
    char line[4096];
    char msg[3072];
    char ts[40];
    size_t n = 0;

    if (lvl < fl_log_get_level() || lvl >= FL_LOG_OFF || (int)lvl < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fl_time_fmt_rfc3339_ms(fl_time_now_ms(), ts, sizeof ts);
    int w = snprintf(line, sizeof line, "ts=%s level=%s msg=\"", ts, level_names[lvl]);
    n = w > 0 ? (size_t)w : 0;
    /* Quote the message as a logfmt value: escape backslash, quote and control characters. */
    for (const char *p = msg; *p && n + 8 < sizeof line; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') {
            line[n++] = '\\';
            line[n++] = (char)c;
        } else if (c == '\n') {
            line[n++] = '\\';
            line[n++] = 'n';
        } else if (c < 0x20) {
            n += (size_t)snprintf(line + n, sizeof line - n, "\\x%02x", c);
        } else {
            line[n++] = (char)c;
        }
    }
    line[n++] = '"';
    line[n++] = '\n';
    const char *p = line;
    while (n > 0) {
        ssize_t r = write(STDERR_FILENO, p, n);
        if (r <= 0)
            break;
        p += r;
        n -= (size_t)r;
    }
}
