#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# One clang-format style (.clang-format) for every C source and header.
# Usage: test_format.sh BENCH_BINARY SOURCE_DIR (the binary is not used)
set -u
src=$2
command -v clang-format >/dev/null || { echo "clang-format not installed: skipped"; exit 77; }
# Versions format differently; the style is checked with the one CI uses
# (Debian 12's clang-format 14), elsewhere the test is skipped.
ver=$(clang-format --version | sed -n 's/.*version \([0-9]*\).*/\1/p')
[ "$ver" = 14 ] || { echo "clang-format $ver is not 14 (CI's): skipped"; exit 77; }
cd "$src" || exit 1
bad=0
checked=0
while IFS= read -r f; do
	checked=$((checked + 1))
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: $f (run clang-format -i $f)"
		bad=$((bad + 1))
	fi
done < <(find core util structures caches model workloads bench tests -name '*.[ch]' | sort)
echo "$((checked - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
