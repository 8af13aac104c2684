/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The repetitions' summary (rep_summary.h).
 */
#include "rep_summary.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../util/json.h"
#include "../util/median_ci.h"
#include "config.h"
#include "measure.h"
#include "measure_report.h"
#include "result.h"
#include "run.h"

static const char *verdict_name(const struct reps *rp)
{
	if (run_interrupted)
		return "interrupted";
	return rp->verdict == STATS_CI_NARROW ? "narrow"
	       : rp->verdict == STATS_CI_CAP  ? "cap"
					      : "more";
}

/* Summary folder: beside the run files, not among them, so that readers of
 * a result folder (scripts/) see runs only. */
#define SUMMARY_DIR "summaries"

static int write_summary(const char *backend, const struct workload_ops *wl, unsigned threads,
			 const struct reps *rp, const struct manifest *m, char *path, size_t len)
{
	char dir[PATH_MAX], name[256], stamp[32];
	time_t now = time(NULL);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&now));
	snprintf(dir, sizeof(dir), "%s/%s", bench_cfg.out_dir, SUMMARY_DIR);
	snprintf(name, sizeof(name), "%s-%s-%s-t%u-summary.json", stamp, backend, wl->name,
		 threads);
	snprintf(path, len, "%s/%s", dir, name);
	if (result_check_out_dir(dir))
		return -1;

	char *buf = NULL;
	size_t blen = 0;
	FILE *mem = open_memstream(&buf, &blen);
	if (!mem)
		return -1;
	struct json js;
	json_init(&js, mem);
	json_obj_begin(&js, NULL);
	json_u64(&js, "schema", RESULT_SCHEMA);
	json_str(&js, "kind", "summary");
	json_str(&js, "backend", backend);
	json_str(&js, "workload", wl->name);
	json_u64(&js, "threads", threads);
	json_str(&js, "metric", "ops_per_sec");
	measure_json_runs(&js, "repetitions", rp->x, rp->n, bench_cfg.seed);
	json_arr_begin(&js, "run_files"); /* in the folder above */
	for (unsigned i = 0; i < rp->n; i++)
		json_str(&js, NULL, rp->names[i]);
	json_arr_end(&js);
	json_u64(&js, "runs_made", rp->runs);
	json_u64(&js, "runs_left_out", rp->runs - rp->n); /* failed or interrupted */
	if (rp->until) {
		json_obj_begin(&js, "until_ci");
		json_double(&js, "target_pct", measure_cfg.until_ci_pct);
		json_u64(&js, "max_runs", measure_cfg.max_runs);
		json_double(&js, "width_pct", rp->width_pct);
		json_str(&js, "verdict", verdict_name(rp));
		json_obj_end(&js);
	} else {
		json_null(&js, "until_ci");
	}
	json_bool(&js, "interrupted", run_interrupted);
	manifest_write(&js, m, threads);
	json_obj_end(&js);
	fclose(mem);
	int rc = result_write_json(dir, name, buf, blen);
	free(buf);
	return rc;
}

int reps_summarize(const char *backend, const struct workload_ops *wl, unsigned threads,
		   const struct reps *rp, const struct manifest *m)
{
	char path[PATH_MAX + 300];
	if (rp->n < 2 && !rp->until)
		return 0; /* one run: its own summary says it all */
	int rc = write_summary(backend, wl, threads, rp, m, path, sizeof(path));
	if (bench_cfg.quiet) {
		if (!rc)
			printf("%s\n", path);
		return rc;
	}
	printf("== %s / %s, %u thread%s: %u of %u runs complete\n", backend, wl->name, threads,
	       threads == 1 ? "" : "s", rp->n, rp->runs);
	if (rp->n) {
		struct stats_summary st;
		struct median_ci ci;
		stats_summarize(rp->x, rp->n, &st);
		printf("   throughput: median %.3f Mops/s (min %.3f, max %.3f)", st.median / 1e6,
		       st.min / 1e6, st.max / 1e6);
		/* The same interval as the summary's and the closing table's:
		 * order statistics, and below 6 runs a range called a range. */
		bool have = median_ci(rp->x, rp->n, 0.95, &ci) == 0;
		if (have && !ci.is_range)
			printf("; 95%% CI of the median [%.3f, %.3f] Mops/s (order statistics, "
			       "covers %.1f%%), width %.1f%%\n",
			       ci.lo / 1e6, ci.hi / 1e6, ci.coverage * 100,
			       (ci.hi - ci.lo) / st.median * 100);
		else if (have)
			printf("; too few runs for a 95%% CI (6 needed): range [%.3f, %.3f] Mops/s "
			       "covers the median %.0f%%\n",
			       ci.lo / 1e6, ci.hi / 1e6, ci.coverage * 100);
		else
			printf("; no interval from fewer than 2 runs\n");
	}
	if (rp->until && !run_interrupted) {
		if (rp->verdict == STATS_CI_NARROW)
			printf("   --until-ci=%g: CI width %.1f%% < %g%% after %u runs\n",
			       measure_cfg.until_ci_pct, rp->width_pct, measure_cfg.until_ci_pct,
			       rp->runs);
		else
			printf("   --until-ci=%g: NOT REACHED: CI width still %.1f%% after %u runs "
			       "(--max-runs=%u)\n",
			       measure_cfg.until_ci_pct, rp->width_pct, rp->runs,
			       measure_cfg.max_runs);
	}
	if (!rc)
		printf("   summary: %s\n", path);
	return rc;
}
