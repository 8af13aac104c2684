/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>

#include "workload.h"

#define WORKLOAD(name) extern const struct workload_ops workload_##name##_ops;
#include "workload_registry.def"
#undef WORKLOAD

const struct workload_ops *const workload_registry[] = {
#define WORKLOAD(name) &workload_##name##_ops,
#include "workload_registry.def"
#undef WORKLOAD
    NULL,
};

const struct workload_ops *workload_find(const char *name)
{
	for (const struct workload_ops *const *w = workload_registry; *w; w++)
		if (strcmp((*w)->name, name) == 0)
			return *w;
	return NULL;
}
