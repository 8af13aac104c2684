/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Read-side modes shared by getput and lpi-stress (issue 10): how a vCPU
 * or an injector reaches an irq, and how the store reclaims irqs.
 *
 *   --get=ref     (default) today's kernel: try-get on every lookup, put
 *                 after use: every access writes the irq's shared refcount.
 *   --get=rcu     look up (store_ops.lookup_rcu) and use the irq inside one
 *                 RCU read section, taking no reference; a reference is
 *                 taken (try-get, under the irq lock) only to keep the irq
 *                 beyond the section, i.e. to queue it on an ap_list.
 *   --get=percpu  per-thread counts (core/pcpu_ref.h) while the LPI is
 *                 mapped, folded into the atomic refcount at unmap
 *                 (getput only).
 *   --reclaim=rcu (default) | hp: see store.h (STORE_RECLAIM_*); hp is
 *                 offered by stores with STORE_CAP_RECLAIM_HP and only with
 *                 --get=ref (getput only).
 *
 * What must hold for --get=rcu to be correct (and what the stress suite
 * checks, tests/test_stress.c, and lb_irq_checks enforces in every
 * build):
 *  1. irq memory is freed only a grace period after the irq is unindexed
 *     (STORE_RECLAIM_RCU), so anything lookup_rcu returns stays valid
 *     memory until lb_rcu_read_unlock(), dying or not;
 *  2. the irq found may be dying (refcount 0): state written to it then is
 *     harmless and lost with it (nothing else reads a dead irq);
 *  3. queueing (anything that keeps the pointer past the section) needs a
 *     successful try-get, made under the irq lock, so a dying irq is never
 *     put on a list; an irq already queued holds the list's reference, so
 *     making it pending again needs none.
 * Each option is recorded in the JSON params ("get_mode", "reclaim") and
 * so in runs.csv's params column.
 */
#ifndef LB_GETMODE_H
#define LB_GETMODE_H

#include <stdbool.h>

#include "../util/option.h"
#include "../structures/store.h"
#include "workload.h"

enum getmode { GETMODE_REF, GETMODE_RCU, GETMODE_PERCPU };
extern enum getmode getmode;

const char *getmode_name(enum getmode m);

/* The rows of --get and --reclaim, for the workloads' tables (the driver
 * keeps the first table's row of a name, so every copy must be equal). */
const char *getmode_choice(unsigned i);
extern const char *const getmode_reclaim_choices[];
/* clang-format off */
#define GETMODE_OPTS                                                                               \
	{.name = "get", .type = OPT_ENUM, .dest = OPT_ENUM_DEST(getmode),                          \
	 .choice = getmode_choice, .json = "get_mode",                                             \
	 .help = "read side: ref (try-get/put per access), rcu (no refcount write; needs a "       \
		 "backend with lookup_rcu), percpu (per-thread counts; getput only)"},             \
	{.name = "reclaim", .type = OPT_ENUM, .dest = OPT_ENUM_DEST(store_reclaim_default),        \
	 .choices = getmode_reclaim_choices, .json = "reclaim",                                    \
	 .help = "irq reclamation: rcu or hp (hazard pointers: flat, radix; --get=ref, getput "    \
		 "only)"}
/* clang-format on */

/*
 * Checks the modes against every backend of --backend and what the
 * workload supports; prints one message and returns -1 if bad (the driver
 * exits with status 2). Context: main thread, after parsing.
 */
int getmode_validate(const struct wl_plan *plan, const char *workload, bool percpu_ok, bool hp_ok);

#endif
