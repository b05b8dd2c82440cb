/* SPDX-License-Identifier: Apache-2.0 */
/*
 * file.h: read a whole file (or stdin for "-") into memory with a hard cap, with errors that name
 * the file. Used by the CLI (import, config) and benchmarks.
 */
#ifndef FL_CORE_FILE_H
#define FL_CORE_FILE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Append the contents of path ("-" = standard input) to out. More than max bytes -> FL_ELIMIT;
 * open/read failures -> FL_EIO with the system's reason in d ("cannot open x.jsonl: No such file").
 */
fl_err fl_file_read(const char *path, size_t max, struct fl_buf *out,
                    struct fl_diag *d) FL_MUST_CHECK;

#endif
