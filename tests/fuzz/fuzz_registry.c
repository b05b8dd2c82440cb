/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_registry.c: libFuzzer target for the model registry's request bodies
 * (src/monitor/registry.c): POST /api/v1/models and POST /api/v1/models/{name}/aliases.
 *
 * Checks beyond "no crash": an accepted alias body names a valid alias (and a valid version
 * name when not removing); an accepted registration has valid model and version names and a
 * valid stage when one is given; a rejected body carries a message. The first byte chooses the
 * parser, so one corpus covers both.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/arena.h"
#include "monitor/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    struct fl_arena a;
    struct fl_diag d;
    fl_arena_init(&a, 4096, 64u << 20);
    fl_diag_init(&d);
    const char *p = (const char *)data + 1;
    size_t len = size - 1;
    fl_err e;
    if (data[0] & 1) {
        const char *alias = NULL, *version = NULL;
        e = fl_registry_parse_alias(p, len, &a, &alias, &version, &d);
        if (e == FL_OK && (!alias || fl_registry_alias_check(alias) ||
                           (version && fl_registry_name_check(version))))
            abort();
    } else {
        struct fl_store_reg_put put;
        e = fl_registry_parse_put(p, len, &a, &put, &d);
        if (e == FL_OK && (!put.model || !put.version || fl_registry_name_check(put.model) ||
                           fl_registry_name_check(put.version) ||
                           (put.stage && !fl_registry_stage_valid(put.stage))))
            abort();
    }
    if (e != FL_OK && !d.msg[0])
        abort();
    fl_arena_cleanup(&a);
    return 0;
}
