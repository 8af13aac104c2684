/* SPDX-License-Identifier: BSD-2-Clause */
/* The closing table of an invocation (see closing_table.h). */
#include "closing_table.h"

#include <stdlib.h>
#include <string.h>

#include "../util/median_ci.h"
#include "../util/stats.h"

#define CLOSING_MAX 256

struct closing_row {
	char backend[32], workload[32];
	unsigned threads, n, made;
	double median, lo, hi, coverage;
	int kind; /* 0 none, 1 ci95, 2 range */
};

static struct closing_row rows[CLOSING_MAX];
static unsigned nr_rows;

void closing_add(const char *backend, const char *workload, unsigned threads, const double *x,
		 unsigned n, unsigned made)
{
	if (nr_rows == CLOSING_MAX)
		return;
	struct closing_row *r = &rows[nr_rows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->backend, sizeof(r->backend), "%s", backend);
	snprintf(r->workload, sizeof(r->workload), "%s", workload);
	r->threads = threads;
	r->n = n;
	r->made = made;
	r->median = n ? stats_median(x, n) : 0;
	struct median_ci ci;
	if (median_ci(x, n, 0.95, &ci) == 0) {
		r->lo = ci.lo;
		r->hi = ci.hi;
		r->coverage = ci.coverage;
		r->kind = ci.is_range ? 2 : 1;
	}
}

void closing_print(FILE *out)
{
	if (!nr_rows)
		return;
	fprintf(out, "\n%-10s %-12s %7s %12s  %-28s %s\n", "backend", "workload", "threads",
		"median Mops/s", "interval (Mops/s)", "valid runs");
	for (unsigned i = 0; i < nr_rows; i++) {
		const struct closing_row *r = &rows[i];
		char med[32] = "-", iv[64] = "-";
		if (r->n)
			snprintf(med, sizeof(med), "%.3f", r->median / 1e6);
		if (r->kind == 1)
			snprintf(iv, sizeof(iv), "[%.3f, %.3f] 95%% CI", r->lo / 1e6, r->hi / 1e6);
		else if (r->kind == 2)
			snprintf(iv, sizeof(iv), "[%.3f, %.3f] range, %.0f%%", r->lo / 1e6,
				 r->hi / 1e6, r->coverage * 100);
		fprintf(out, "%-10s %-12s %7u %12s  %-28s %u of %u\n", r->backend, r->workload,
			r->threads, med, iv, r->n, r->made);
	}
	nr_rows = 0;
}
