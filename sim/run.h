/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run.h: the two ways of running a world: files (run.c) and live HTTP (live.c).
 */
#ifndef FL_SIM_RUN_H
#define FL_SIM_RUN_H

#include "sim.h"

struct sim_run_stats {
    size_t series, samples, metric_files, spans, trace_files, inferences, outcomes, events;
};

/* Step the whole run and write OUT/telemetry/ files, OUT/faultline.yml and OUT/truth.json. */
fl_err sim_run_files(struct sim_world *w, const char *out, struct sim_run_stats *st) FL_MUST_CHECK;
/* mkdir -p: FL_EIO when a component cannot be created. */
fl_err sim_mkdir_p(const char *dir) FL_MUST_CHECK;
/* Mark the fault's scrape targets down at tick (scrape_target_down). */
void sim_mark_down(struct sim_world *w, size_t tick);

struct sim_live_opts {
    const char *faultline_url; /* e.g. http://127.0.0.1:9470 */
    const char *listen;        /* host:port of the simulator's /metrics endpoints */
    const char *token;         /* bearer token for faultline's write routes, or NULL */
    double speed;              /* simulated seconds per real second */
    const char *out;           /* where faultline.yml (with scrape_configs) and truth.json go */

};

/* Live mode: serve /metrics/<target> and push traces, inferences, outcomes and events to a
 * running faultline serve as the simulated time passes. */
fl_err sim_run_live(struct sim_world *w, const struct sim_live_opts *lo) FL_MUST_CHECK;

#endif
