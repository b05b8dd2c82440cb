/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_fta_mef.c: libFuzzer target for the Open-PSA MEF XML loader (fl_fta_load_mef, then
 * fl_fta_tree_check): any input must give a tree or an error with a diagnostic, never a crash, a
 * leak or a network access; a tree that checks is also analyzed with a small node cap. */
#include <stdint.h>
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
    fl_err e = fl_fta_load_mef(t, (const char *)data, size, "fuzz.xml", &d);
    if (e == FL_OK)
        e = fl_fta_tree_check(t, &d);
    if (e != FL_OK && d.code == FL_OK)
        __builtin_trap();
    if (e == FL_OK) {
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
    }
    fl_fta_tree_free(t);
    return 0;
}
