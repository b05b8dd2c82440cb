/* SPDX-License-Identifier: Apache-2.0 */
/* fta_int.h: cross-file internals of src/fta (not a public contract). */
#ifndef FL_FTA_FTA_INT_H
#define FL_FTA_FTA_INT_H

#include "fta.h"

/* Set d's file name from the tree's file table (first error wins). */
void fl_fta__diag_at(const struct fl_fta_tree *t, struct fl_diag *d, size_t file,
                     unsigned long line, unsigned long col);
/* One gate's Kleene value from its inputs' values. */
unsigned char fl_fta__eval_gate(const struct fl_fta_event *g, const unsigned char *v);

#endif
