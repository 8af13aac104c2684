#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# On an aarch64 build: the atomics in our own code are the ones LB_ATOMICS
# asked for (cmake/arch.cmake). Disassembles every object of the layers'
# libraries (every folder but bench/main.c: the stores, the refcounts, the
# caches, the model and the measurement loop) and counts
#   LSE       ldadd/ldclr/ldeor/ldset/ld{s,u}{max,min}, st<op>, swp, cas, casp
#   LL/SC     ldxr/ldaxr/stxr/stlxr (and the b/h/p forms)
#   outline   calls to libgcc's __aarch64_{cas,swp,ldadd,ldclr,ldeor,ldset}*
# and requires
#   lse       LSE present; no LL/SC, no outline calls
#   llsc      LL/SC present; no LSE, no outline calls
#   outline   outline calls present; no inline LSE, no LL/SC
# Objects that use ck's atomics (CK_ASM below) are exempt from the "no
# LL/SC" rule: Debian's ck has no usable LSE path (its ck_pr_lse.h does not
# compile, docs/arm64.md), so ck_pr and the ck spinlocks behind our
# spin and ticket locks are LL/SC inline assembly in every build. An llsc
# build must still show no LSE there. libck's, liburcu's and libc's own
# code is not ours and is not checked.
#
# The choice asked for is read from the libraries (bench/arch.c embeds
# "lpibench-atomics=<choice>"), so a stale build tree cannot fool the test.
#
# Usage: test_atomics_asm.sh BENCH_BINARY SOURCE_DIR
# Environment (tests/CMakeLists.txt sets them): LB_OBJDUMP (the target's
# objdump), LB_CORE_LIBS (the layers' archives, space-separated),
# LB_EMULATOR (qemu, cross builds).
# Exit status 77 (skipped) for builds that are not aarch64.
set -u
bench=$1

# Objects whose LL/SC comes from ck's inline assembly, not the compiler.
CK_ASM="lock.c.o"

# e_machine of an ELF file (183 is aarch64), empty if not ELF.
elf_machine() {
	[ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ] || return 0
	od -An -tu2 -j18 -N2 "$1" | tr -d ' '
}

if [ ! -f "$bench" ]; then
	echo "FAIL: no bench binary at $bench"
	exit 1
fi
if [ "$(elf_machine "$bench")" != 183 ]; then
	echo "SKIP: $(basename "$bench") is not an aarch64 program: nothing to check on this build"
	exit 77
fi

if [ -n "${LB_CORE_LIBS:-}" ]; then
	read -r -a libs <<<"$LB_CORE_LIBS"
else
	libs=("$(dirname "$bench")"/liblb_*.a)
fi
if [ ${#libs[@]} -eq 0 ]; then
	echo "FAIL: no layer libraries (liblb_*.a) next to $bench"
	exit 1
fi
for lib in "${libs[@]}"; do
	[ -f "$lib" ] || { echo "FAIL: layer library not found at $lib" && exit 1; }
done
lib=$(printf '%s\n' "${libs[@]}" | grep 'liblb_bench\.a$' || true)
[ -n "$lib" ] || { echo "FAIL: no liblb_bench.a (bench/arch.c's tag) among ${libs[*]}" && exit 1; }

objdump=${LB_OBJDUMP:-}
if [ -z "$objdump" ] || ! command -v "$objdump" >/dev/null 2>&1; then
	objdump=aarch64-linux-gnu-objdump
	command -v "$objdump" >/dev/null 2>&1 || objdump=objdump
fi
if ! "$objdump" -d "${libs[@]}" >/dev/null 2>&1; then
	echo "FAIL: $objdump cannot disassemble $lib (install binutils-aarch64-linux-gnu)"
	exit 1
fi

tag() { grep -a -o 'lpibench-atomics=[a-z0-9/ ()-]*' "$1" | head -n 1 | cut -d= -f2; }
want=$(tag "$lib")
case $want in
lse | llsc | outline) ;;
*)
	echo "FAIL: $lib does not say which atomics it was built for (got '$want')"
	exit 1
	;;
esac
in_bench=$(tag "$bench")
if [ -n "$in_bench" ] && [ "$in_bench" != "$want" ]; then
	echo "FAIL: bench says atomics '$in_bench' but the core library '$want'"
	exit 1
fi
echo "asked for: $want ($lib)"

# One line per object: name, LSE, LL/SC and outline counts, and the
# functions holding them (fn:kind,...).
counts=$("$objdump" -dr --no-show-raw-insn "${libs[@]}" | awk -v ck="$CK_ASM" '
	function flush() {
		if (obj != "")
			printf "%s %d %d %d %s\n", obj, lse, llsc, outl, (fns == "" ? "-" : fns)
	}
	function note(kind) {
		key = fn ":" kind
		if (!(key in noted)) {
			noted[key] = 1
			fns = fns (fns == "" ? "" : ",") key
		}
	}
	/^[^ \t].*:[ \t]+file format / {
		flush()
		obj = $1; sub(/:$/, "", obj)
		lse = llsc = outl = 0; fns = ""; fn = "?"
		next
	}
	/^[0-9a-f]+ <.*>:$/ { fn = $2; gsub(/[<>:]/, "", fn); next }
	/R_AARCH64_(CALL|JUMP)26[ \t]+__aarch64_(cas|swp|ldadd|ldclr|ldeor|ldset)/ {
		outl++; note("outline"); next
	}
	/^[ \t]+[0-9a-f]+:\t/ {
		n = split($0, f, "\t")
		m = f[2]; sub(/ .*/, "", m)
		if (m ~ /^(ld(add|clr|eor|set|smax|smin|umax|umin)(a|al|l)?(b|h)?|st(add|clr|eor|set|smax|smin|umax|umin)(l)?(b|h)?|swp(a|al|l)?(b|h)?|casp?(a|al|l)?(b|h)?)$/) {
			lse++; note("lse")
		} else if (m ~ /^(ld(a)?x(r|p)(b|h)?|st(l)?x(r|p)(b|h)?)$/) {
			llsc++; note("llsc")
		}
	}
	END { flush() }')

fail=0
tot_lse=0
tot_llsc=0
tot_outl=0
printf '%-24s %5s %5s %7s  %s\n' object LSE LL/SC outline functions
while read -r obj lse llsc outl fns; do
	printf '%-24s %5d %5d %7d  %s\n' "$obj" "$lse" "$llsc" "$outl" "$fns"
	ck=0
	for c in $CK_ASM; do
		[ "$obj" = "$c" ] && ck=1
	done
	tot_lse=$((tot_lse + lse))
	tot_outl=$((tot_outl + outl))
	[ $ck -eq 1 ] || tot_llsc=$((tot_llsc + llsc))
	case $want in
	lse)
		if [ "$llsc" -gt 0 ] && [ $ck -eq 0 ]; then
			echo "FAIL: $obj: $llsc LL/SC instructions in an lse build ($fns)"
			echo "      (inline ck_pr? then add the object to CK_ASM with a reason)"
			fail=1
		fi
		;;
	llsc | outline)
		if [ "$lse" -gt 0 ]; then
			echo "FAIL: $obj: $lse inline LSE instructions in an $want build ($fns)"
			fail=1
		fi
		if [ "$want" = outline ] && [ "$llsc" -gt 0 ] && [ $ck -eq 0 ]; then
			echo "FAIL: $obj: $llsc inline LL/SC instructions in an outline build ($fns)"
			fail=1
		fi
		;;
	esac
	if [ "$want" != outline ] && [ "$outl" -gt 0 ]; then
		echo "FAIL: $obj: $outl calls to outline atomics helpers in an $want build ($fns)"
		fail=1
	fi
done <<<"$counts"

echo "total outside CK_ASM: LSE $tot_lse, LL/SC $tot_llsc, outline calls $tot_outl"
case $want in
lse) [ $tot_lse -gt 0 ] || { echo "FAIL: no LSE atomics at all in an lse build" && fail=1; } ;;
llsc) [ $tot_llsc -gt 0 ] || { echo "FAIL: no LL/SC atomics at all in an llsc build" && fail=1; } ;;
outline) [ $tot_outl -gt 0 ] || { echo "FAIL: no outline atomics calls in an outline build" && fail=1; } ;;
esac

# The refcount paths (lb_ref_get/tryget/put, inlined into the stores) must
# be among what was counted: every backend's object (store_<name>.c.o; not
# the registry's) holds atomics of the kind.
while read -r obj lse llsc outl _; do
	[[ $obj == store_*.c.o && $obj != store_registry.c.o ]] || continue
	case $want in
	lse) n=$lse ;;
	llsc) n=$llsc ;;
	outline) n=$outl ;;
	esac
	if [ "$n" -eq 0 ]; then
		echo "FAIL: $obj has no $want atomics: its refcount paths were not compiled as asked"
		fail=1
	fi
done <<<"$counts"

# What the program itself reports (bench --version, through the emulator on
# a cross build). Checked when it prints the arch facts.
run=()
if [ "$(uname -m)" != aarch64 ] && [ -n "${LB_EMULATOR:-}" ]; then
	read -r -a run <<<"$LB_EMULATOR"
fi
if version=$("${run[@]}" "$bench" --version 2>&1); then
	while IFS= read -r l; do
		echo "  | $l"
	done <<<"$version"
	if grep -q '^atomics:' <<<"$version"; then
		if ! grep -q "^atomics: *$want\b" <<<"$version"; then
			echo "FAIL: bench --version does not report atomics $want"
			fail=1
		fi
		if ! grep -q '^timer: *[0-9][0-9]* Hz' <<<"$version"; then
			echo "FAIL: bench --version does not report the timer frequency"
			fail=1
		fi
	else
		echo "note: bench --version does not print arch_print_version()'s lines yet"
	fi
else
	echo "note: could not run bench --version (${run[*]:-no emulator})"
fi

if [ $fail -ne 0 ]; then
	echo "test_atomics_asm: FAILED"
	exit 1
fi
echo "test_atomics_asm: $want atomics as asked"
exit 0
