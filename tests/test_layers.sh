#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The layers point one way (README, "Layout"): core <- util <- structures
# <- caches <- model <- workloads <- bench, each folder may use only the
# folders before it. Two checks:
#  1. includes: every #include "..." of a layer's sources, resolved against
#     the including file's folder, names a file of the same or a lower
#     layer (a library split alone would not stop "../util/json.h");
#  2. calls: no symbol a layer's archive leaves undefined is defined by a
#     higher layer's archive (nm). The build also links each layer's whole
#     archive with only the layers below it (CMakeLists.txt, lb_linkcheck_*),
#     so an upward call already fails there; this says which symbol.
# Usage: test_layers.sh BENCH_BINARY SOURCE_DIR
# Environment (tests/CMakeLists.txt sets them): LB_LAYERS (bottom first),
# LB_CORE_LIBS (the layers' archives), LB_NM (the target's nm).
set -u
src=$2
read -r -a layers <<<"${LB_LAYERS:-core util structures caches model workloads bench}"
fail=0

rank() { # the layer index of a folder name, or -1
	local i
	for i in "${!layers[@]}"; do
		[ "${layers[$i]}" = "$1" ] && echo "$i" && return
	done
	echo -1
}

# 1. includes
checked=0
for i in "${!layers[@]}"; do
	dir=${layers[$i]}
	for f in "$src/$dir"/*.[ch] "$src/$dir"/*.def; do
		[ -f "$f" ] || continue
		while IFS=: read -r line inc; do
			checked=$((checked + 1))
			target=$(realpath -m "$(dirname "$f")/$inc")
			case $target in
			"$(realpath "$src")"/*) ;;
			*) continue ;;
			esac
			rel=${target#"$(realpath "$src")"/}
			[ -e "$target" ] || continue # generated (buildinfo.h)
			top=${rel%%/*}
			r=$(rank "$top")
			if [ "$r" -gt "$i" ]; then
				echo "FAIL: $dir/$(basename "$f"):$line includes \"$inc\": $top is above $dir"
				fail=1
			elif [ "$r" -lt 0 ] && [ "$rel" != "$top" ]; then
				echo "FAIL: $dir/$(basename "$f"):$line includes \"$inc\" from $top/, not a layer"
				fail=1
			fi
		done < <(awk '/^[ \t]*#[ \t]*include[ \t]*"/ { l = $0; sub(/^[^"]*"/, "", l); sub(/".*/, "", l); print FNR ":" l }' "$f")
	done
done
echo "includes: $checked checked"

# 2. calls, from the archives
if [ -z "${LB_CORE_LIBS:-}" ]; then
	echo "note: LB_CORE_LIBS not set: symbol check skipped"
	exit $fail
fi
nm=${LB_NM:-nm}
command -v "$nm" >/dev/null 2>&1 || nm=nm
declare -A lib
for a in $LB_CORE_LIBS; do
	n=$(basename "$a" .a)
	lib[${n#liblb_}]=$a
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for l in "${layers[@]}"; do
	a=${lib[$l]:-}
	if [ -z "$a" ] || [ ! -f "$a" ]; then
		echo "FAIL: no archive for layer $l"
		fail=1
		continue
	fi
	"$nm" "$a" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[TDBRCGSVW]$/ { print $3 }' | sort -u >"$tmp/$l.def"
	"$nm" -u "$a" 2>/dev/null | awk 'NF >= 2 && $1 ~ /^[Uw]$/ { print $2 }' | sort -u >"$tmp/$l.undef"
done
for i in "${!layers[@]}"; do
	l=${layers[$i]}
	[ -f "$tmp/$l.undef" ] || continue
	for ((j = i + 1; j < ${#layers[@]}; j++)); do
		h=${layers[$j]}
		[ -f "$tmp/$h.def" ] || continue
		up=$(comm -12 "$tmp/$l.undef" "$tmp/$h.def" | tr '\n' ' ')
		if [ -n "$up" ]; then
			echo "FAIL: $l uses symbols of $h (a higher layer): $up"
			fail=1
		fi
	done
done
[ $fail -eq 0 ] && echo "PASS: every include and call points down (${layers[*]})"
exit $fail
