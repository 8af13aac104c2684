#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# kxa builds: every global symbol of the kernel's lib/xarray.c is renamed
# kxa_* (cmake/kxa.cmake), so it links beside the port's xa_* functions and
# leaks no kernel name into the program. Checks the structures library: the
# kernel's entry points are there under kxa_, and no unprefixed xas_* or
# radix_tree_* symbol (names only the kernel's file defines) is.
# Skipped (77) in builds without kxa.
# Usage: test_kxa_symbols.sh BENCH_BINARY SOURCE_DIR (environment: LB_CORE_LIBS,
# the layer libraries; kxa is part of the structures layer)
set -u
lib=
for l in ${LB_CORE_LIBS:-}; do
	case $l in */liblb_structures.a) lib=$l ;; esac
done
nm=${LB_OBJDUMP%objdump}nm
command -v "$nm" >/dev/null 2>&1 || nm=nm
[ -f "$lib" ] || { echo "SKIP: no core library"; exit 77; }
syms=$("$nm" --defined-only -g "$lib" 2>/dev/null | awk 'NF == 3 { print $3 }')
grep -qx kxa_xa_load <<<"$syms" || { echo "SKIP: no kxa in this build"; exit 77; }
fail=0
for s in kxa_xa_load kxa_xa_store kxa___xa_cmpxchg kxa_xas_load kxa_xa_find_after; do
	grep -qx "$s" <<<"$syms" || { echo "FAIL: $s missing"; fail=1; }
done
leaked=$(grep -E '^(xas_|radix_tree_)' <<<"$syms")
[ -z "$leaked" ] || { echo "FAIL: kernel symbols not renamed: $leaked"; fail=1; }
[ $fail -eq 0 ] && echo "kxa symbols: all renamed kxa_*"
exit $fail
