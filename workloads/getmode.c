/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --get and --reclaim (see getmode.h): their rows, and validation against
 * the chosen backends.
 */
#include "getmode.h"

#include <stdio.h>
#include <string.h>

#include "../util/json.h"
#include "../util/option.h"

enum getmode getmode = GETMODE_REF;

const char *getmode_name(enum getmode m)
{
	switch (m) {
	case GETMODE_RCU:
		return "rcu";
	case GETMODE_PERCPU:
		return "percpu";
	default:
		return "ref";
	}
}

const char *getmode_choice(unsigned i)
{
	return i <= GETMODE_PERCPU ? getmode_name((enum getmode)i) : NULL;
}

/* Value 0 (STORE_RECLAIM_DEFAULT) cannot be given. */
const char *const getmode_reclaim_choices[] = {
    [STORE_RECLAIM_DEFAULT] = "", [STORE_RECLAIM_RCU] = "rcu", [STORE_RECLAIM_HP] = "hp", NULL};

/* "a, b, c": the registered backends that pass `ok`. */
static void backends_where(bool (*ok)(const struct store_ops *), char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (const struct store_ops *const *o = store_registry; *o; o++) {
		if (!ok(*o))
			continue;
		int w = snprintf(buf + n, len - n, "%s%s", n ? ", " : "", (*o)->name);
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
}

static bool has_lookup_rcu(const struct store_ops *o)
{
	return o->lookup_rcu != NULL;
}

static bool has_hp(const struct store_ops *o)
{
	return (o->caps & STORE_CAP_RECLAIM_HP) != 0;
}

int getmode_validate(const struct wl_plan *plan, const char *workload, bool percpu_ok, bool hp_ok)
{
	bool hp = store_reclaim_default == STORE_RECLAIM_HP;
	if (getmode == GETMODE_PERCPU && !percpu_ok)
		return opt_error("get", "percpu is not supported by workload %s (getput only)",
				 workload);
	if (hp && !hp_ok)
		return opt_error("reclaim",
				 "hp is not supported by workload %s (getput only: its "
				 "translation caches rely on RCU-deferred frees)",
				 workload);
	if (hp && getmode != GETMODE_REF)
		return opt_error("get",
				 "%s needs --reclaim=rcu: its lookups rely on irqs being freed "
				 "only after a grace period",
				 getmode_name(getmode));
	char names[256];
	for (unsigned i = 0; i < plan->nr_backends; i++) {
		const struct store_ops *o = plan->backends[i];
		if (getmode != GETMODE_REF && !has_lookup_rcu(o)) {
			backends_where(has_lookup_rcu, names, sizeof(names));
			return opt_error("get",
					 "%s: backend %s has no lock-free lookup (lookup_rcu); "
					 "backends that support it: %s",
					 getmode_name(getmode), o->name, names);
		}
		if (hp && !has_hp(o)) {
			backends_where(has_hp, names, sizeof(names));
			return opt_error("reclaim",
					 "hp: backend %s does not support hazard pointers; "
					 "backends that do: %s",
					 o->name, names);
		}
	}
	return 0;
}
