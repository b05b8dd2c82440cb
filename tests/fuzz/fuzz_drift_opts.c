/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_drift_opts.c: libFuzzer target for the drift options reader (fl_drift_opts_parse,
 * src/monitor/drift_opts.c). Any input gives options or an error, never a crash or a leak, and:
 * - a rejected input returns FL_EPARSE or FL_ELIMIT (FL_ENOMEM only without a diagnostic) with a
 *   diagnostic of the same code, naming the input, in one line, and leaves the options exactly as
 *   they were (the reader works on a copy);
 * - an accepted input leaves options that fl_drift_opts_check accepts, still holding the settings
 *   it did not override, and reading it a second time into them changes nothing (a file only
 *   overrides, so it is idempotent).
 * The options start from non-default settings with one feature, so that "as they were" and
 * "still holding" test something a fresh struct would not.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/drift.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.yml"

/* Non-default options with one feature, the same on every call. */
static void preset(struct fl_drift_opts *o)
{
    struct fl_drift_feature_opts *f;
    fl_drift_opts_init(o);
    o->bins = 12;
    o->method = FL_DRIFT_PSI;
    o->adaptive_sigmas = 2.5;
    if (fl_drift_opts_feature(o, "preset", &f) != FL_OK)
        abort();
    f->method = FL_DRIFT_KS;
    f->threshold = 0.01;
}

static bool same_double(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static bool same_feature(const struct fl_drift_feature_opts *a,
                         const struct fl_drift_feature_opts *b)
{
    return !strcmp(a->feature, b->feature) && a->method == b->method &&
           same_double(a->threshold, b->threshold) && a->bins == b->bins &&
           same_double(a->null_rate_threshold, b->null_rate_threshold) && a->skip == b->skip;
}

static bool same(const struct fl_drift_opts *a, const struct fl_drift_opts *b)
{
    if (a->method != b->method || a->bins != b->bins || !same_double(a->js_base, b->js_base) ||
        !same_double(a->drift_share, b->drift_share) || a->small_reference != b->small_reference ||
        !same_double(a->null_rate_threshold, b->null_rate_threshold) ||
        !same_double(a->null_rate_alpha, b->null_rate_alpha) ||
        !same_double(a->new_category_threshold, b->new_category_threshold) ||
        a->adaptive != b->adaptive || !same_double(a->adaptive_sigmas, b->adaptive_sigmas) ||
        a->n_features != b->n_features)
        return false;
    for (size_t i = 0; i < a->n_features; i++)
        if (!same_feature(&a->features[i], &b->features[i]))
            return false;
    return true;
}

/* Every feature entry named, distinct names, within its capacity. */
static bool well_formed(const struct fl_drift_opts *o)
{
    if (o->n_features > o->cap_features)
        return false;
    for (size_t i = 0; i < o->n_features; i++) {
        if (!o->features[i].feature || !o->features[i].feature[0])
            return false;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(o->features[i].feature, o->features[j].feature))
                return false;
    }
    return true;
}

static bool one_line(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

static void check_rejected(fl_err e, const struct fl_diag *d, const struct fl_drift_opts *o)
{
    struct fl_drift_opts fresh;
    if (e == FL_ENOMEM && d->code == FL_OK)
        return;
    if ((e != FL_EPARSE && e != FL_ELIMIT) || d->code != e || !d->msg[0] ||
        strcmp(d->file, NAME) != 0 || !one_line(d->msg) || !one_line(d->field))
        abort();
    preset(&fresh);
    if (!same(o, &fresh))
        abort();
    fl_drift_opts_cleanup(&fresh);
}

static void check_accepted(const uint8_t *data, size_t size, struct fl_drift_opts *o)
{
    struct fl_drift_opts again;
    struct fl_diag d;
    fl_diag_init(&d);
    if (fl_drift_opts_check(o, &d) != FL_OK || !well_formed(o) || !fl_drift_opts_find(o, "preset"))
        abort();
    preset(&again);
    if (fl_drift_opts_parse(&again, (const char *)data, size, NAME, NULL) != FL_OK ||
        fl_drift_opts_parse(&again, (const char *)data, size, NAME, NULL) != FL_OK ||
        !same(o, &again))
        abort();
    fl_drift_opts_cleanup(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_drift_opts o;
    struct fl_diag d;
    fl_diag_init(&d);
    preset(&o);
    fl_err e = fl_drift_opts_parse(&o, (const char *)data, size, NAME, &d);
    if (e != FL_OK)
        check_rejected(e, &d, &o);
    else
        check_accepted(data, size, &o);
    fl_drift_opts_cleanup(&o);
    return 0;
}
