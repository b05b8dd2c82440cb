/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_config.c: libFuzzer target for faultline.yml parsing (fl_config_parse): any input must give
 * a config or an error with a diagnostic, never a crash or a leak. */
#include <stdint.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fl_config *c = NULL;
    struct fl_diag d;
    fl_diag_init(&d);
    fl_err e = fl_config_parse((const char *)data, size, "fuzz.yml", &c, &d);
    if (e == FL_OK && !c)
        __builtin_trap();
    if (e != FL_OK && (c || d.code == FL_OK))
        __builtin_trap();
    fl_config_free(c);
    return 0;
}
