/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_fta_yaml.c: libFuzzer target for the YAML fault-tree loader (fl_fta_load_yaml): any input
 * must give a checked tree or an error with a diagnostic, never a crash or a leak; a tree that
 * loads is also analyzed (with a small node cap, so that the run stays fast) and evaluated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fta/fta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_fta_tree *t = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    if (fl_fta_tree_new(NULL, &t) != FL_OK)
        return 0;
    fl_err e = fl_fta_load_yaml(t, (const char *)data, size, "fuzz.yml", &d);
    if (e != FL_OK && d.code == FL_OK)
        __builtin_trap();
    if (e == FL_OK) {
        if (!t->checked)
            __builtin_trap();
        struct fl_fta_opts o;
        fl_fta_opts_default(&o);
        o.max_bdd_nodes = 100000;
        o.max_cut_sets = 1000;
        struct fl_fta_result *r = NULL;
        if (fl_fta_analyze(t, &o, &r, NULL) == FL_OK) {
            if (!(r->p_exact >= 0 && r->p_exact <= 1 + 1e-9))
                __builtin_trap();
            fl_fta_result_free(r);
        }
        unsigned char *v = malloc(t->n_events + 1);
        if (v && fl_fta_evaluate(t, NULL, false, v) != FL_OK)
            __builtin_trap();
        free(v);
    }
    fl_fta_tree_free(t);
    return 0;
}
