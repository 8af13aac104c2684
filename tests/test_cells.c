/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-thread accounting cells (core/cells.h): sums are exact over threads
 * that run, exit and are replaced; dynamic ranges come back zeroed; the
 * shared-write check finds a line two threads write (a shared counter)
 * and none when each thread writes its own cells.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "../core/alloc.h"
#include "../core/cells.h"
#include "check.h"

#define THREADS 4
#define ADDS	20000

static int cell;
static atomic_ulong shared_counter; /* what the cells replace */
static pthread_barrier_t bar;

static void *adder(void *arg)
{
	bool shared = arg != NULL;
	/* Take a block before any thread can exit and retire one: a block
	 * adopted inside the window would be a line with two writers. */
	lb_cell_add((unsigned)cell, 0);
	pthread_barrier_wait(&bar);
	for (int i = 0; i < ADDS; i++) {
		lb_cell_add((unsigned)cell, 2);
		lb_cell_add((unsigned)cell + 1, -1);
		if (shared) {
			atomic_fetch_add_explicit(&shared_counter, 1, memory_order_relaxed);
			lb_cells_note(&shared_counter);
		}
	}
	return NULL;
}

static unsigned run_threads(bool shared)
{
	pthread_t t[THREADS];
	pthread_barrier_init(&bar, NULL, THREADS);
	lb_cells_check_start();
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, adder, shared ? &shared_counter : NULL) == 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&bar);
	return lb_cells_check_stop();
}

int main(void)
{
	cell = lb_cells_get(2);
	CHECK(cell >= LB_CELL_DYN_BASE);

	/* Own cells only: exact sums, no line with two writers. */
	CHECKF(run_threads(false) == 0, "per-thread cells reported as shared");
	CHECK(lb_cell_sum((unsigned)cell) == 2 * THREADS * ADDS);
	CHECK(lb_cell_sum((unsigned)cell + 1) == -(int64_t)THREADS * ADDS);

	/* The threads above exited: new ones adopt their blocks, the sums go on. */
	CHECK(run_threads(false) == 0);
	CHECK(lb_cell_sum((unsigned)cell) == 4 * THREADS * ADDS);

	/* A shared counter is what the check is for: it must see it. */
	CHECKF(run_threads(true) >= 1, "a counter four threads write was not seen");
	CHECK(atomic_load(&shared_counter) == (unsigned long)THREADS * ADDS);

	/* A range handed out again starts from zero in every block. */
	lb_cells_put(cell, 2);
	int again = lb_cells_get(2);
	CHECK(again == cell);
	CHECK(lb_cell_sum((unsigned)again) == 0 && lb_cell_sum((unsigned)again + 1) == 0);
	lb_cells_put(again, 2);

	/* Allocation accounting through the cells, freed on another thread. */
	struct lb_mem_stats before, after;
	lb_mem_stats(LB_MEM_OTHER, &before);
	void *p = lb_zalloc(LB_MEM_OTHER, 100);
	CHECK(p != NULL);
	lb_mem_stats(LB_MEM_OTHER, &after);
	CHECK(after.allocs == before.allocs + 1 && after.live_bytes == before.live_bytes + 100);
	lb_free(LB_MEM_OTHER, p, 100);
	lb_mem_stats(LB_MEM_OTHER, &after);
	CHECK(after.frees == before.frees + 1 && after.live_bytes == before.live_bytes);

	printf("test_cells: %d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
