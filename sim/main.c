/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c: faultline-sim's command line (docs/SIMULATOR.md).
 *
 *   faultline-sim run  --system S --fault K|none [--seed N] [--start T] [--duration D] --out DIR
 *                      [--onset T] [--target C] [--size X] [--scenario NAME] ...
 *   faultline-sim live --faultline URL [--listen HOST:PORT] [--speed X] ... (same run options)
 *   faultline-sim faults      the catalogue, with the systems each kind applies to
 *   faultline-sim scenarios   the mission incidents as presets
 *   faultline-sim config --system S   the faultline.yml fragment of a system
 *   faultline-sim eval [--n N] ...    randomized incidents scored against the truth (eval.c)
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/str.h"
#include "core/time.h"
#include "run.h"

struct scenario {
    const char *name, *desc;
    enum sim_system sys;
    enum sim_fault_kind fault;
    const char *target, *detail, *start, *duration;
    double size;
    int64_t onset_off_ms;
};

static const struct scenario scenarios[] = {
    {"ctr-drop",
     "incident 1: recommender CTR falls; upstream unit change of price_sensitivity for country=DE",
     SIM_SYS_RECS, SIM_F_SCHEMA_UNIT_CHANGE, "user-features-db", "price_sensitivity@country=DE",
     "2026-11-03T08:00:00Z", "6h", 1.0, 4 * 3600000LL},
    {"fraud-latency",
     "incident 2: fraud P99 50 ms -> 500 ms; packet loss on fraud-service -> feature-store",
     SIM_SYS_FRAUD, SIM_F_NETWORK_PACKET_LOSS, "network", "feature-store",
     "2026-11-03T10:00:00Z", "4h", 0.3, 3 * 3600000LL},
    {"stale-segments",
     "incident 3: the feature cron stops silently for two weeks; held-out accuracy stays fine",
     SIM_SYS_BATCH, SIM_F_CRON_SILENT_FAILURE, "segment-feature-pipeline", NULL,
     "2026-11-02T00:00:00Z", "21d", 1.0, 6 * 86400000LL + 2 * 3600000LL},
};
#define N_SCEN (sizeof(scenarios) / sizeof(scenarios[0]))

static int usage(FILE *fp)
{
    fputs("usage: faultline-sim run --system recommender|fraud|batch --fault KIND|none --out DIR\n"
          "                         [--seed N] [--start T] [--duration D] [--step D] [--onset T]\n"
          "                         [--target C] [--detail X] [--size X] [--herrings N]\n"
          "                         [--traces-per-step N] [--logs-per-step N]\n"
          "       faultline-sim run --scenario ctr-drop|fraud-latency|stale-segments --out DIR\n"
          "       faultline-sim live --faultline URL [--listen HOST:PORT] [--speed X]\n"
          "                          [--token T] [--out DIR] (and the run options)\n"
          "       faultline-sim faults | scenarios | config --system S\n"
          "       faultline-sim eval [--n N] [--healthy H] [--seed S] [--jobs J] [--kinds K,...]\n"
          "T: RFC 3339 or unix seconds; --onset also +D (after the start). D: 15s, 6h, 14d.\n",
          fp);
    return 2;
}

static bool parse_time(const char *s, int64_t *ms)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!errno && *s && !*end) {
        *ms = v * 1000;
        return true;
    }
    int64_t ns;
    if (fl_time_parse_rfc3339(fl_str_c(s), &ns, NULL) != FL_OK)
        return false;
    *ms = ns / 1000000;
    return true;
}

static bool parse_dur(const char *s, int64_t *ms)
{
    return fl_duration_parse(fl_str_c(s), ms, NULL) == FL_OK;
}

static void defaults(struct sim_run_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->system = SIM_SYS_N;
    o->fault = SIM_F_N;
    o->seed = 1;
    o->start_ms = -1;
    o->duration_ms = -1;
    o->step_ms = -1;
    o->onset_ms = INT64_MIN;
    o->size = NAN;
    o->herrings = -1;
    o->traces_per_tick = -1;
    o->logs_per_tick = -1;
}

struct cli {
    struct sim_run_opts o;
    const char *out, *onset_rel, *faultline, *listen, *token;
    double speed;
    int64_t scen_onset_off; /* a scenario's onset after its start; -1 without a scenario */
    bool start_given;
    double onset_frac;
};

static int parse_args(int argc, char **argv, struct cli *c)
{
    defaults(&c->o);
    c->speed = 1;
    c->scen_onset_off = -1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "faultline-sim: %s needs a value\n", a);
            return 2;
        }
        i++;
        bool ok = true;
        if (!strcmp(a, "--system"))
            ok = sim_system_parse(v, &c->o.system);
        else if (!strcmp(a, "--fault"))
            ok = sim_fault_parse(v, &c->o.fault);
        else if (!strcmp(a, "--scenario")) {
            ok = false;
            for (size_t k = 0; k < N_SCEN; k++)
                if (!strcmp(v, scenarios[k].name)) {
                    const struct scenario *s = &scenarios[k];
                    c->o.scenario = s->name;
                    c->o.system = s->sys;
                    c->o.fault = s->fault;
                    c->o.target = s->target;
                    c->o.detail = s->detail;
                    c->o.size = s->size;
                    ok = (c->start_given || parse_time(s->start, &c->o.start_ms)) &&
                         parse_dur(s->duration, &c->o.duration_ms);
                    c->o.onset_ms = c->o.start_ms + s->onset_off_ms;
                    c->scen_onset_off = s->onset_off_ms;
                }
        } else if (!strcmp(a, "--seed")) {
            char *end;
            errno = 0;
            c->o.seed = strtoull(v, &end, 10);
            ok = !errno && *v && !*end;
        } else if (!strcmp(a, "--start")) {
            ok = parse_time(v, &c->o.start_ms);
            c->start_given = true;
        }
        else if (!strcmp(a, "--duration"))
            ok = parse_dur(v, &c->o.duration_ms);
        else if (!strcmp(a, "--step"))
            ok = parse_dur(v, &c->o.step_ms) && c->o.step_ms % 1000 == 0;
        else if (!strcmp(a, "--onset"))
            c->onset_rel = v;
        else if (!strcmp(a, "--target"))
            c->o.target = v;
        else if (!strcmp(a, "--detail"))
            c->o.detail = v;
        else if (!strcmp(a, "--size")) {
            char *end;
            c->o.size = strtod(v, &end);
            ok = *v && !*end && c->o.size > 0 && c->o.size <= 1;
        } else if (!strcmp(a, "--herrings")) {
            char *end;
            long n = strtol(v, &end, 10);
            ok = *v && !*end && n >= 0 && n <= 50;
            c->o.herrings = (int)n;
        } else if (!strcmp(a, "--traces-per-step") || !strcmp(a, "--logs-per-step")) {
            char *end;
            double x = strtod(v, &end);
            ok = *v && !*end && x >= 0 && x <= 10000;
            if (a[2] == 't')
                c->o.traces_per_tick = x;
            else
                c->o.logs_per_tick = x;
        } else if (!strcmp(a, "--out"))
            c->out = v;
        else if (!strcmp(a, "--faultline"))
            c->faultline = v;
        else if (!strcmp(a, "--listen"))
            c->listen = v;
        else if (!strcmp(a, "--token"))
            c->token = v;
        else if (!strcmp(a, "--speed")) {
            char *end;
            c->speed = strtod(v, &end);
            ok = *v && !*end && c->speed >= 0.1 && c->speed <= 100000;
        } else {
            fprintf(stderr, "faultline-sim: unknown option %s\n", a);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "faultline-sim: %s: invalid value \"%s\"\n", a, v);
            return 2;
        }
    }
    return 0;
}

/* Fill what the options left open; onsets given as +D are relative to the start. */
static int finish_opts(struct cli *c, bool live)
{
    struct sim_run_opts *o = &c->o;
    if (o->system == SIM_SYS_N) {
        fputs("faultline-sim: --system (or --scenario) is required\n", stderr);
        return 2;
    }
    if (o->fault == SIM_F_N) {
        fputs("faultline-sim: --fault KIND|none (or --scenario) is required\n", stderr);
        return 2;
    }
    if (o->step_ms < 0)
        o->step_ms = o->system == SIM_SYS_BATCH ? 60000 : 15000;
    if (o->duration_ms < 0)
        o->duration_ms = o->system == SIM_SYS_BATCH ? 14 * 86400000LL : 6 * 3600000LL;
    if (live && !c->start_given && c->scen_onset_off >= 0) {
        /* A scenario run live happens now: keep its onset's place in the run. */
        double frac = (double)c->scen_onset_off / (double)o->duration_ms;
        o->start_ms = -1;
        if (!c->onset_rel)
            c->onset_frac = frac;
    }
    if (o->start_ms < 0) {
        if (live) {
            /* Accelerated runs start in the past and end at about now. */
            int64_t now = fl_time_now_ms();
            o->start_ms = now - (int64_t)((double)o->duration_ms * (1.0 - 1.0 / c->speed));
            o->start_ms -= o->start_ms % o->step_ms;
        } else {
            o->start_ms = 1793577600000LL; /* 2026-11-02T00:00:00Z, a Monday */
        }
    }
    if (c->onset_frac > 0 && !c->onset_rel)
        o->onset_ms = o->start_ms + (int64_t)(c->onset_frac * (double)o->duration_ms);
    else if (c->scen_onset_off >= 0 && !c->onset_rel && c->start_given)
        o->onset_ms = o->start_ms + c->scen_onset_off;
    if (c->onset_rel) {
        int64_t v;
        if (c->onset_rel[0] == '+' && parse_dur(c->onset_rel + 1, &v))
            o->onset_ms = o->start_ms + v;
        else if (parse_time(c->onset_rel, &v))
            o->onset_ms = v;
        else {
            fprintf(stderr, "faultline-sim: --onset: invalid value \"%s\"\n", c->onset_rel);
            return 2;
        }
    }
    if (o->traces_per_tick < 0)
        o->traces_per_tick = o->system == SIM_SYS_FRAUD ? 8 : 5;
    if (o->logs_per_tick < 0)
        o->logs_per_tick = o->system == SIM_SYS_BATCH ? 1500 : 10;
    return 0;
}

static int cmd_faults(void)
{
    printf("%-24s %-26s %s\n", "KIND", "SYSTEMS", "WHAT IT DOES");
    for (int k = 1; k < SIM_F_N; k++) {
        char sys[64] = "";
        for (int s = 0; s < SIM_SYS_N; s++)
            if (sim_fault_systems((enum sim_fault_kind)k) & (1u << s)) {
                if (*sys)
                    strcat(sys, ",");
                strcat(sys, sim_system_name((enum sim_system)s));
            }
        printf("%-24s %-26s %s\n", sim_fault_name((enum sim_fault_kind)k), sys,
               sim_fault_desc((enum sim_fault_kind)k));
    }
    return 0;
}

static int cmd_scenarios(void)
{
    for (size_t k = 0; k < N_SCEN; k++)
        printf("%-16s %-12s %-22s %s\n", scenarios[k].name, sim_system_name(scenarios[k].sys),
               sim_fault_name(scenarios[k].fault), scenarios[k].desc);
    return 0;
}

static int cmd_run(int argc, char **argv, bool live)
{
    struct cli c = {0};
    int rc = parse_args(argc, argv, &c);
    if (rc || (rc = finish_opts(&c, live)))
        return rc;
    if (!live && !c.out) {
        fputs("faultline-sim run: --out DIR is required\n", stderr);
        return 2;
    }
    if (live && !c.faultline) {
        fputs("faultline-sim live: --faultline URL is required\n", stderr);
        return 2;
    }
    struct sim_world w;
    char err[256] = "";
    double t0 = (double)clock() / CLOCKS_PER_SEC;
    fl_err e = sim_world_init(&w, &c.o, err, sizeof(err));
    if (e) {
        fprintf(stderr, "faultline-sim: %s\n", *err ? err : fl_err_str(e));
        sim_world_cleanup(&w);
        return e == FL_EINVAL ? 2 : 1;
    }
    if (live) {
        struct sim_live_opts lo = {.faultline_url = c.faultline,
                                   .listen = c.listen ? c.listen : "127.0.0.1:9471",
                                   .token = c.token, .speed = c.speed,
                                   .out = c.out ? c.out : "faultline-sim-live"};
        e = sim_run_live(&w, &lo);
        if (e)
            fprintf(stderr, "faultline-sim live: %s\n", fl_err_str(e));
    } else {
        struct sim_run_stats st;
        e = sim_run_files(&w, c.out, &st);
        if (e) {
            fprintf(stderr, "faultline-sim: writing %s: %s\n", c.out, fl_err_str(e));
        } else {
            double cpu = (double)clock() / CLOCKS_PER_SEC - t0;
            printf("%s: system=%s fault=%s target=%s seed=%llu ticks=%zu series=%zu "
                   "samples=%zu metric_files=%zu spans=%zu trace_files=%zu inferences=%zu "
                   "outcomes=%zu events=%zu cpu_s=%.2f\n",
                   c.out, sim_system_name(c.o.system), sim_fault_name(c.o.fault),
                   w.fault.kind ? w.fault.target : "-", (unsigned long long)c.o.seed,
                   w.n_ticks, st.series, st.samples, st.metric_files, st.spans, st.trace_files,
                   st.inferences, st.outcomes, st.events, cpu);
        }
    }
    sim_world_cleanup(&w);
    return e ? 1 : 0;
}

static int cmd_config(int argc, char **argv)
{
    enum sim_system sys;
    if (argc != 2 || strcmp(argv[0], "--system") || !sim_system_parse(argv[1], &sys))
        return usage(stderr);
    struct fl_buf b;
    fl_buf_init(&b, 1 << 20);
    sim_config_yaml(sys, &b, NULL);
    fputs(b.data ? b.data : "", stdout);
    fl_buf_cleanup(&b);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 2, argv + 2, false);
    if (!strcmp(cmd, "live"))
        return cmd_run(argc - 2, argv + 2, true);
    if (!strcmp(cmd, "faults"))
        return cmd_faults();
    if (!strcmp(cmd, "scenarios"))
        return cmd_scenarios();
    if (!strcmp(cmd, "config"))
        return cmd_config(argc - 2, argv + 2);
    if (!strcmp(cmd, "eval"))
        return sim_eval_main(argc, argv); /* eval.c */
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "faultline-sim: unknown command \"%s\"\n", cmd);
    return usage(stderr);
}
