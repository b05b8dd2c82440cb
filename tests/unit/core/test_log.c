// SPDX-License-Identifier: Apache-2.0
/*
 * test_log.c: level parsing and filtering, and the logfmt line written to stderr (captured through
 * a pipe): one line per call, message quoted and escaped.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/limits.h"
#include "core/log.h"

Test(log, parse_levels)
{
    static const struct {
        const char *s;
        fl_err e;
        enum fl_log_level lvl;
    } cases[] = {
        {"debug", FL_OK, FL_LOG_DEBUG}, {"info", FL_OK, FL_LOG_INFO},
        {"warn", FL_OK, FL_LOG_WARN},   {"error", FL_OK, FL_LOG_ERROR},
        {"off", FL_OK, FL_LOG_OFF},     {"INFO", FL_EINVAL, FL_LOG_INFO},
        {"", FL_EINVAL, FL_LOG_INFO},   {"warning", FL_EINVAL, FL_LOG_INFO},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum fl_log_level l = FL_LOG_INFO;
        cr_assert_eq(fl_log_parse_level(cases[i].s, &l), cases[i].e, "%s", cases[i].s);
        cr_assert_eq(l, cases[i].lvl, "%s", cases[i].s);
    }
    enum fl_log_level l;
    cr_assert_eq(fl_log_parse_level(NULL, &l), FL_EINVAL);
}

/* Run fn with stderr redirected into a pipe and return what was written. */
static size_t capture(void (*fn)(void), char *out, size_t cap)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    int saved = dup(STDERR_FILENO);
    dup2(p[1], STDERR_FILENO);
    fn();
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(p[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(p[0], out + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = '\0';
    close(p[0]);
    return n;
}

static void emit(void)
{
    fl_log_set_level(FL_LOG_INFO);
    FL_LOG_D("hidden %d", 1);
    FL_LOG_I("hello \"world\"\nnext %d", 42);
    FL_LOG_E("bad");
    fl_log_set_level(FL_LOG_OFF);
    FL_LOG_E("silenced");
    fl_log_set_level(FL_LOG_INFO);
}

Test(log, logfmt_lines)
{
    char out[4096];
    capture(emit, out, sizeof out);
    cr_assert(strstr(out, "hidden") == NULL);
    cr_assert(strstr(out, "silenced") == NULL);
    const char *l1 = strstr(out, "level=info msg=\"hello \\\"world\\\"\\nnext 42\"\n");
    cr_assert_not_null(l1, "got: %s", out);
    cr_assert_not_null(strstr(out, "level=error msg=\"bad\"\n"));
    cr_assert_eq(strncmp(out, "ts=", 3), 0);
    cr_assert_eq(out[3 + 4], '-', "ts is RFC 3339: %s", out);
    int lines = 0;
    for (const char *p = out; *p; p++)
        lines += *p == '\n';
    cr_assert_eq(lines, 2);
    cr_assert_eq(fl_log_get_level(), FL_LOG_INFO);
}

Test(limits, defaults)
{
    struct fl_limits l;
    fl_limits_default(&l);
    cr_assert_eq(l.body_bytes, FL_LIMIT_BODY_BYTES);
    cr_assert_eq(l.line_bytes, FL_LIMIT_LINE_BYTES);
    cr_assert_eq(l.labels_per_series, FL_LIMIT_LABELS_PER_SERIES);
    cr_assert_eq(l.series_per_target, FL_LIMIT_SERIES_PER_TARGET);
    cr_assert_eq(l.scrape_bytes, FL_LIMIT_SCRAPE_BYTES);
    cr_assert_eq(l.records_per_batch, FL_LIMIT_RECORDS_PER_BATCH);
}
