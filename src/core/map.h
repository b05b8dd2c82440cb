/* SPDX-License-Identifier: Apache-2.0 */
/*
 * map.h: an open-addressing hash map from byte-string keys to void * values.
 *
 * The map copies keys (it owns its key copies) and calls the value destructor given at creation
 * when a value is replaced, deleted or the map is freed. Capacity is capped (max_entries) so that
 * hostile input cannot grow it without bound. Not thread-safe.
 */
#ifndef FL_CORE_MAP_H
#define FL_CORE_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

typedef void (*fl_map_free_fn)(void *value);
typedef int (*fl_map_visit_fn)(const char *key, size_t key_len, void *value, void *ud);

struct fl_map;

/* free_value may be NULL. max_entries 0 means no cap beyond memory. NULL on out of memory. */
struct fl_map *fl_map_new(fl_map_free_fn free_value, size_t max_entries);
void fl_map_free(struct fl_map *m);
/* Insert or replace (the old value is destroyed). FL_ENOMEM, FL_ELIMIT when full. */
fl_err fl_map_put(struct fl_map *m, const void *key, size_t key_len, void *value) FL_MUST_CHECK;
/* Value or NULL. */
void *fl_map_get(const struct fl_map *m, const void *key, size_t key_len);
bool fl_map_has(const struct fl_map *m, const void *key, size_t key_len);
/* Remove and destroy; false when absent. */
bool fl_map_del(struct fl_map *m, const void *key, size_t key_len);
/* Remove without destroying; the value moves to the caller (NULL when absent). */
void *fl_map_take(struct fl_map *m, const void *key, size_t key_len);
size_t fl_map_count(const struct fl_map *m);
/* Visit every entry in unspecified order; a non-zero return from fn stops and is returned. */
int fl_map_each(const struct fl_map *m, fl_map_visit_fn fn, void *ud);

#endif
