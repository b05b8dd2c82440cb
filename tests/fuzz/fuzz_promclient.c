/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_promclient.c: libFuzzer target for the Prometheus HTTP API answer parser used by the
 * query_range client (fl_promclient__parse), in both matrix and series modes. */
#include <stdint.h>
#include <string.h>

#include "core/log.h"
#include "server/promclient_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fl_log_set_level(FL_LOG_OFF); /* answers with "warnings" are logged */
    for (int kind = 0; kind < 2; kind++) {
        struct fl_promclient__acc a;
        struct fl_diag d;
        fl_diag_init(&d);
        if (fl_promclient__acc_init(&a, 10000, 1000000) != FL_OK)
            return 0;
        fl_err e = fl_promclient__parse((const char *)data, size, (enum fl_promclient__kind)kind,
                                        "fuzz", &a, &d);
        if (e != FL_OK && d.code == FL_OK && e != FL_ENOMEM)
            __builtin_trap(); /* every input-caused error must say why */
        if (e == FL_OK)
            fl_promclient__acc_sort(&a);
        fl_promclient__acc_cleanup(&a);
    }
    return 0;
}
