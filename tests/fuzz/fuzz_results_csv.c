/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: an existing runs.csv in the --out folder, which the
 * driver reads before a run to check its header (result_check_out_dir).
 * Any content must be accepted (0) or refused with one clear message (-1).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/result.h"
#include "fuzz_common.h"

static char dir[64];
static char csv[96];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		strcpy(dir, "/tmp/lpibench-fuzz-csv-XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(csv, sizeof(csv), "%s/runs.csv", dir);
	}
	FILE *f = fopen(csv, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	struct fuzz_capture c;
	fuzz_capture_begin(&c);
	int rc = result_check_out_dir(dir);
	fuzz_check("result_check_out_dir", rc, fuzz_capture_end(&c));
	fuzz_capture_free(&c);
	return 0;
}
