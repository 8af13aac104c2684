/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the input is a sequence of xarray calls (4 bytes each,
 * tests/xa_diff.h xd_decode) run in lockstep on the port and on the
 * kernel's lib/xarray.c (kxa builds only: scripts/fuzz builds this target
 * against a kernel tree). Any difference in a return value or in the
 * contents after a call is a finding: the sequence is shrunk, printed, and
 * the target aborts.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../core/sync.h"
#include "../xa_diff.h"

#define MAX_CALLS 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool registered;
	static struct xd_op ops[MAX_CALLS];
	char why[256];
	if (!registered) {
		lb_rcu_register_thread();
		registered = true;
	}
	size_t n = xd_decode(data, size, ops, MAX_CALLS);
	if (xd_run(&xa_impl_port, &xa_impl_kernel, ops, n, why, sizeof(why)) >= 0) {
		n = xd_minimize(&xa_impl_port, &xa_impl_kernel, ops, n);
		fprintf(stderr, "port and kernel xarray differ; minimal sequence:\n");
		xd_print(stderr, &xa_impl_port, &xa_impl_kernel, ops, n);
		abort();
	}
	return 0;
}
