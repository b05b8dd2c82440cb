/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_freshness.c: `faultline freshness [--at TIME]`: the state of every batch job and feature
 * pipeline of `freshness:` in the configuration (ok, failing, late, never_succeeded, unknown),
 * judged from the run events in the data directory, and how stale the served features were over
 * feature_staleness.window. Exit status 1 when any job is late, never succeeded or failed a row
 * check, so cron and CI can run it as a dead man's switch; 0 otherwise; 2 on usage errors.
 * Rules: docs/REGISTRY.md.
 *
 * The first evaluation of a job records when faultline started watching it (in the store), so a
 * job that never reports alerts once its startup grace has passed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config/config.h"
#include "core/buf.h"
#include "core/time.h"
#include "monitor/freshness.h"
#include "store/store.h"

static const char usage_text[] =
    "usage: faultline freshness [--at TIME] [--format table|json] [--data-dir DIR]\n"
    "  TIME: RFC 3339, unix seconds, now, now-1h (default now)\n"
    "  exit status 1 when a job is late, never succeeded or failed a row check\n";

static const struct fl_cli_cmd cli = {"freshness", usage_text};

static void time_text(int64_t ms, char *out, size_t cap)
{
    if (ms == FL_TS_NONE)
        snprintf(out, cap, "-");
    else
        fl_time_fmt_rfc3339_ms(ms, out, cap);
}

static void print_job(const struct fl_fresh_job *j)
{
    const struct fl_fresh_status *s = &j->st;
    static const char *const runs[] = {"start", "success", "failure"};
    char state[64], last[48], deadline[48], rows[32], check[48];
    snprintf(state, sizeof state, "%s", fl_freshness_state_name(s->state));
    for (char *p = state; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    if (s->state == FL_FRESH_LATE) {
        char by[32];
        fl_duration_fmt(s->late_by_ms / 1000 * 1000, by, sizeof by);
        size_t n = strlen(state);
        snprintf(state + n, sizeof state - n, " by %s", by);
    }
    time_text(s->last_success_ms, last, sizeof last);
    time_text(s->deadline_ms, deadline, sizeof deadline);
    if (s->last_rows >= 0)
        snprintf(rows, sizeof rows, "%lld", (long long)s->last_rows);
    else
        snprintf(rows, sizeof rows, "-");
    if (s->rows_check == FL_ROWS_DROP)
        snprintf(check, sizeof check, "drop %.0f%%", 100 * s->rows_drop);
    else
        snprintf(check, sizeof check, "%s", fl_freshness_rows_name(s->rows_check));
    printf("%-20s %-20s %-24s %-24s %-8s %6llu%s %10s  %-12s %s\n", j->rule->component, state, last,
           deadline, s->last_status >= 0 ? runs[s->last_status] : "-",
           (unsigned long long)s->consecutive_failures, s->failures_at_least ? "+" : " ", rows,
           check, s->reason);
}

static void print_table(const struct fl_fresh_report *r)
{
    char at[48], from[48];
    time_text(r->at_ms, at, sizeof at);
    if (r->n_jobs) {
        printf("%-20s %-20s %-24s %-24s %-8s %7s %10s  %-12s %s\n", "COMPONENT", "STATE",
               "LAST SUCCESS", "DEADLINE", "LAST RUN", "FAILS", "ROWS", "ROW CHECK", "REASON");
        for (size_t i = 0; i < r->n_jobs; i++)
            print_job(&r->jobs[i]);
    } else {
        fprintf(stderr, "faultline freshness: no freshness entries in the configuration\n");
    }
    if (!r->n_features)
        return;
    time_text(r->window_start_ms, from, sizeof from);
    printf("\nserved features %s .. %s (%llu requests%s):\n", from, at,
           (unsigned long long)r->requests, r->requests_truncated ? ", the newest only" : "");
    printf("%-24s %-24s %10s %8s %8s\n", "MODEL", "FEATURE", "REQUESTS", "STALE", "NULL");
    for (size_t i = 0; i < r->n_features; i++) {
        const struct fl_fresh_feature *f = &r->features[i];
        uint64_t n = f->n[0] + f->n[1] + f->n[2] + f->n[3];
        double nul = n ? (double)f->n[FL_FEAT_NULL] / (double)n : 0;
        printf("%-24s %-24s %10llu %7.1f%% %7.1f%%\n", f->model, f->feature,
               (unsigned long long)n, 100 * fl_freshness_stale_ratio(f), 100 * nul);
    }
}

int fl_cli_freshness(const struct fl_cli_globals *g, int argc, char **argv)
{
    const char *at_s = NULL, *format = NULL, *data_dir = NULL;
    const struct fl_cli_opt opts[] = {
        {"--at", &at_s, NULL},
        {"--format", &format, NULL},
        {"--data-dir", &data_dir, NULL},
    };
    int rc = fl_cli_parse_options(&cli, opts, sizeof opts / sizeof opts[0], argc, argv, 1);
    if (rc != FL_CLI_GO_ON)
        return rc;
    if (format && fl_cli_choice(&cli, "--format", format, "table|json") < 0)
        return 2;
    int64_t now = fl_time_now_ms(), at = now;
    struct fl_diag d;
    fl_diag_init(&d);
    if (at_s && fl_time_parse_any(fl_str_c(at_s), now, &at, &d) != FL_OK) {
        fl_diag_field(&d, "--at");
        fl_cli_print_diag("freshness", &d);
        return 2;
    }
    struct fl_config *cfg = fl_cli_load_config(g);
    if (!cfg)
        return 1;
    struct fl_store *s = NULL;
    struct fl_store_opts so;
    struct fl_fresh_report rep;
    rc = 1;
    memset(&rep, 0, sizeof rep);
    fl_store_opts_default(&so);
    fl_err e = fl_store_open(data_dir ? data_dir : cfg->data_dir, &so, &s, &d);
    if (e == FL_OK)
        e = fl_freshness_evaluate(s, cfg, at, now, &rep, &d);
    if (e != FL_OK) {
        fl_cli_print_diag("freshness", &d);
        goto out;
    }
    if (format && !strcmp(format, "json")) {
        struct fl_buf b;
        fl_buf_init(&b, (size_t)1 << 30);
        fl_freshness_json(&rep, &b);
        if (fl_buf_err(&b) == FL_OK)
            fwrite(b.data, 1, b.len, stdout);
        else
            fprintf(stderr, "faultline freshness: answer too large to print\n");
        fl_buf_cleanup(&b);
    } else {
        print_table(&rep);
    }
    rc = fl_freshness_n_alerting(&rep) ? 1 : 0;
out:
    fl_freshness_report_cleanup(&rep);
    fl_store_free(s);
    fl_config_free(cfg);
    return rc;
}
