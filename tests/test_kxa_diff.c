/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Differential test: the port (structures/xarray.c) against the kernel's
 * own lib/xarray.c (kxa builds), in lockstep through tests/xa_diff.h.
 *
 *  1. The cases where the port once differed (reservations met through the
 *     normal API), each run on both and compared, and the kernel's result
 *     asserted, so each is a test of its own.
 *  2. Random sequences of normal-API calls, bounded by count and time
 *     (LB_TEST_SCALE): every return value and the whole contents compared
 *     after every call. A difference is shrunk to a minimal sequence and
 *     printed.
 *
 * `test_kxa_diff --survey SEEDS` runs SEEDS random sequences, shrinks every
 * difference and prints each distinct minimal sequence once, with how many
 * seeds found it: how the port's differences were first listed.
 * Builds without kxa skip (exit 77).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/sync.h"
#include "check.h"
#include "xa_diff.h"

#ifndef LB_HAVE_KXA
int main(void)
{
	printf("kxa diff: skipped (no kernel tree in this build: -DLB_KERNEL_SRC)\n");
	return 77;
}
#else

#define SEQ_LEN 120

static const struct xa_impl *port = &xa_impl_port, *kern = &xa_impl_kernel;

/* Runs a fixed sequence on both; then checks what the kernel's array holds
 * at index (raw slot) against want. */
static void fixed_case(const char *what, const struct xd_op *ops, size_t n, unsigned long index,
		       void *want)
{
	char why[256];
	struct xd_op copy[16];
	memcpy(copy, ops, n * sizeof(ops[0]));
	long bad = xd_run(port, kern, copy, n, why, sizeof(why));
	CHECKF(bad < 0, "%s: call %ld: %s", what, bad, why);
	void *xa = kern->create();
	for (size_t k = 0; k < n; k++)
		xd_apply(kern, xa, &ops[k]);
	CHECKF(kern->load_raw(xa, index) == want, "%s: the kernel's slot is not as expected", what);
	kern->destroy(xa);
	printf("kxa diff: %-58s same\n", what);
}

/* Entry choices (xd_entry): 0 NULL, 1 ZERO, 2.. values. Index 9 = 8192. */
#define OP(k, e, o)                                                                                \
	{                                                                                          \
		.kind = (k), .idx = 9, .entry = (e), .old = (o)                                    \
	}
static void fixed_cases(void)
{
	const struct xd_op c1[] = {OP(XD_RESERVE, 0, 0), OP(XD_CMPXCHG, 2, 1)};
	fixed_case("1. reserve; cmpxchg(old ZERO, new v0) stores v0", c1, 2, 8192, XD_VALUE(0));
	const struct xd_op c2[] = {OP(XD_RESERVE, 0, 0), OP(XD_CMPXCHG, 2, 0)};
	fixed_case("2. reserve; cmpxchg(old NULL, new v0) keeps the reservation", c2, 2, 8192,
		   XD_ZERO);
	const struct xd_op c3[] = {OP(XD_CMPXCHG, 1, 0)};
	fixed_case("3. cmpxchg(old NULL, new ZERO) reserves", c3, 1, 8192, XD_ZERO);
	const struct xd_op c4[] = {OP(XD_STORE, 1, 0), OP(XD_LOAD, 0, 0)};
	fixed_case("4. store(ZERO) reserves, returns NULL", c4, 2, 8192, XD_ZERO);
	const struct xd_op c5[] = {OP(XD_INSERT, 1, 0), OP(XD_INSERT, 2, 0)};
	fixed_case("5. insert(ZERO) reserves; a second insert is -EBUSY", c5, 2, 8192, XD_ZERO);
	const struct xd_op c6[] = {OP(XD_RESERVE, 0, 0), OP(XD_L_CMPXCHG, 2, 1)};
	fixed_case("1'. the same under the lock (__xa_cmpxchg)", c6, 2, 8192, XD_VALUE(0));
	const struct xd_op c7[] = {OP(XD_L_STORE, 1, 0)};
	fixed_case("4'. __xa_store(ZERO) reserves", c7, 1, 8192, XD_ZERO);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void random_runs(void)
{
	struct xd_op ops[SEQ_LEN];
	char why[256];
	uint64_t seed = 12345;
	unsigned runs = (unsigned)(400 * check_scale()) + 20, done = 0;
	double end = now_s() + 10.0 * check_scale() + 1.0;
	for (; done < runs && now_s() < end; done++) {
		uint64_t s0 = seed;
		xd_random(&seed, ops, SEQ_LEN);
		long bad = xd_run(port, kern, ops, SEQ_LEN, why, sizeof(why));
		CHECKF(bad < 0, "sequence %u (seed state %llu): call %ld: %s", done,
		       (unsigned long long)s0, bad, why);
		if (bad >= 0) {
			size_t n = xd_minimize(port, kern, ops, SEQ_LEN);
			fprintf(stderr, "minimal sequence (%zu calls):\n", n);
			xd_print(stderr, port, kern, ops, n);
			return;
		}
	}
	printf("kxa diff: %u random sequences of %d calls: port and kernel agree\n", done, SEQ_LEN);
	CHECK(done > 0);
}

static unsigned entry_class(uint8_t c)
{
	return c % 8 < 2 ? c % 8 : 2;
}

static unsigned op_class(const struct xd_op *op)
{
	unsigned k = op->kind >= XD_L_STORE ? op->kind - XD_L_STORE + XD_STORE : op->kind;
	if (op->kind >= XD_L_SET_MARK)
		k = op->kind - XD_L_SET_MARK + XD_SET_MARK;
	bool takes_entry = k == XD_STORE || k == XD_INSERT || k == XD_CMPXCHG;
	unsigned entry = takes_entry ? entry_class(op->entry) : 0;
	unsigned old = (k == XD_CMPXCHG && entry != 1) ? entry_class(op->old) : 0;
	return k * 16 + entry * 4 + old;
}

/* Distinct minimal differences over seeds 1..n. */
static int survey(unsigned n)
{
	enum { MAX_KINDS = 32 };
	static struct {
		struct xd_op ops[SEQ_LEN];
		size_t n;
		unsigned seen;
	} found[MAX_KINDS];
	unsigned kinds = 0, differing = 0;
	for (unsigned s = 1; s <= n; s++) {
		struct xd_op ops[SEQ_LEN];
		char why[256];
		uint64_t seed = s;
		xd_random(&seed, ops, SEQ_LEN);
		if (xd_run(port, kern, ops, SEQ_LEN, why, sizeof(why)) < 0)
			continue;
		differing++;
		size_t len = xd_minimize(port, kern, ops, SEQ_LEN);
		/* Same calls (locked or not), entries of the same class
		 * (NULL, ZERO, a value), whatever the index: the same. */
		unsigned k;
		for (k = 0; k < kinds; k++) {
			if (found[k].n != len)
				continue;
			size_t j;
			for (j = 0; j < len; j++) {
				const struct xd_op *a = &found[k].ops[j], *b = &ops[j];
				if (op_class(a) != op_class(b))
					break;
			}
			if (j == len)
				break;
		}
		if (k == kinds && kinds < MAX_KINDS) {
			memcpy(found[k].ops, ops, len * sizeof(ops[0]));
			found[k].n = len;
			kinds++;
		}
		if (k < kinds)
			found[k].seen++;
	}
	printf("survey: %u of %u random sequences differ; %u distinct minimal differences\n",
	       differing, n, kinds);
	for (unsigned k = 0; k < kinds; k++) {
		printf("difference %u (found by %u sequences):\n", k + 1, found[k].seen);
		xd_print(stdout, port, kern, found[k].ops, found[k].n);
	}
	return differing ? 1 : 0;
}

int main(int argc, char **argv)
{
	lb_rcu_register_thread();
	if (argc == 3 && strcmp(argv[1], "--survey") == 0)
		return survey((unsigned)strtoul(argv[2], NULL, 10));
	fixed_cases();
	random_runs();
	lb_rcu_barrier();
	return check_exit("kxa diff");
}
#endif
