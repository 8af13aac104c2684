# SPDX-License-Identifier: BSD-2-Clause
# Shared by scripts/bench and scripts/test: install what is missing, build.
# Sourced, not run.

LB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

lb_log() { printf 'lpibench: %s\n' "$*" >&2; }

# Installs the packages in scripts/packages.txt (plus any given) that are
# missing: with apt-get when root, otherwise prints the exact line and stops.
# lb_test_packages lists the test-only ones (scripts/packages-test.txt) and
# the archive's.
lb_ensure_packages() {
	local want missing=() p
	want=$(grep -v '^#' "$LB_ROOT/scripts/packages.txt" | grep -v '^$')
	for p in $want "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		lb_log "missing packages; install them with:"
		echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	lb_log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# A fresh machine has no package lists yet: update once, then install.
	if ! apt-get install -y -q "${missing[@]}" >/tmp/lpibench-apt.log 2>&1; then
		apt-get update -q >>/tmp/lpibench-apt.log 2>&1 || true
		apt-get install -y -q "${missing[@]}" >>/tmp/lpibench-apt.log 2>&1 || {
			tail -20 /tmp/lpibench-apt.log >&2
			lb_log "apt-get install failed (log: /tmp/lpibench-apt.log)"
			exit 1
		}
	fi
}

lb_test_packages() {
	grep -v '^#' "$LB_ROOT/scripts/packages-test.txt" | grep -v '^$'
	lb_archive_packages
}

# The archive's and the fleet's (scripts/packages-archive.txt).
lb_archive_packages() {
	grep -v '^#' "$LB_ROOT/scripts/packages-archive.txt" | grep -v '^$'
}

# lb_build DIR [cmake args...]: configure (once) and build incrementally.
lb_build() {
	local dir=$1
	shift
	mkdir -p "$dir"
	cmake -S "$LB_ROOT" -B "$dir" "$@" >"$dir/configure.log" 2>&1 || {
		cat "$dir/configure.log" >&2
		lb_log "configure failed"
		exit 1
	}
	cmake --build "$dir" -j "$(nproc)" >"$dir/build.log" 2>&1 || {
		grep -E 'error|Error' "$dir/build.log" | head -40 >&2
		lb_log "build failed (log: $dir/build.log)"
		exit 1
	}
}

# ---- A kernel tree for the kxa backend (GPL-2.0 code: only when asked for) ----
# lb_kernel_tree [SET]: prints the path of a kernel tree. LB_KERNEL_SRC (a
# tree the user names, e.g. on Ubuntu, which has no such package) wins;
# otherwise Debian's linux-source-6.12 is installed and only the files SET
# needs are unpacked from its tarball, once, into the cache directory
# (LB_KERNEL_CACHE, default ~/.cache/lpibench). SET:
#   xarray  lib/xarray.c for kxa, and what the kernel's own xarray suite
#           (tools/testing/radix-tree) needs to build
#   kvm     the whole tree (the KVM selftests and `make headers` need most
#           of it; scripts/kernel-selftest, on arm64 hosts only)
LB_KERNEL_PKG=linux-source-6.12
lb_kernel_members() { # SET
	local p=$LB_KERNEL_PKG arch
	if [ "$1" = kvm ]; then # the selftests' build needs most of the tree
		echo "$p"
		return
	fi
	case "$(uname -m)" in aarch64) arch=arm64 ;; *) arch=x86 ;; esac
	echo "$p/Makefile $p/include/linux $p/tools/include $p/tools/lib $p/tools/arch/$arch/include"
	echo "$p/tools/testing/radix-tree $p/tools/testing/shared"
	local f
	for f in xarray.c radix-tree.c radix-tree.h idr.c maple_tree.c test_maple_tree.c \
		test_xarray.c test_ida.c; do
		echo "$p/lib/$f"
	done
}

lb_kernel_tree() {
	local set=${1:-xarray}
	if [ -n "${LB_KERNEL_SRC:-}" ]; then
		if [ ! -f "$LB_KERNEL_SRC/lib/xarray.c" ]; then
			lb_log "LB_KERNEL_SRC=$LB_KERNEL_SRC: not a kernel tree (no lib/xarray.c)"
			exit 2
		fi
		(cd "$LB_KERNEL_SRC" && pwd)
		return
	fi
	local tarball=/usr/src/$LB_KERNEL_PKG.tar.xz
	if ! dpkg-query -W -f='${Status}\n' "$LB_KERNEL_PKG" 2>/dev/null | grep -q 'install ok installed'; then
		apt-cache show "$LB_KERNEL_PKG" >/dev/null 2>&1 || apt-get update -q >/dev/null 2>&1 || true
		if ! apt-cache show "$LB_KERNEL_PKG" >/dev/null 2>&1; then
			lb_log "no $LB_KERNEL_PKG package here (Debian 12 has it; Ubuntu does not):"
			lb_log "name a kernel tree: LB_KERNEL_SRC=/path/to/linux $0 $*"
			exit 1
		fi
		lb_ensure_packages "$LB_KERNEL_PKG" xz-utils
	fi
	local ver cache dir
	ver=$(dpkg-query -W -f='${Version}' "$LB_KERNEL_PKG")
	cache=${LB_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lpibench}
	dir=$cache/$LB_KERNEL_PKG-$ver
	if [ ! -f "$dir/.lpibench-$set" ]; then
		lb_log "unpacking the kernel files kxa needs ($set) from $tarball into $dir"
		mkdir -p "$dir"
		# shellcheck disable=SC2046 # one member per word
		tar -xJf "$tarball" -C "$dir" --strip-components=1 --ignore-failed-read \
			$(lb_kernel_members "$set") 2>"$dir/.unpack.log" || {
			cat "$dir/.unpack.log" >&2
			lb_log "unpacking $tarball failed"
			exit 1
		}
		echo "Debian $LB_KERNEL_PKG $ver" >"$dir/.lpibench-origin"
		touch "$dir/.lpibench-$set"
	fi
	echo "$dir"
}

# True if bench arguments ask for the kxa backend (--backend=...kxa...).
lb_wants_kxa() {
	local prev="" a
	for a in "$@"; do
		case "$a" in
		--backend=*) [[ ",${a#--backend=}," == *,kxa,* ]] && return 0 ;;
		*) [ "$prev" = --backend ] && [[ ",$a," == *,kxa,* ]] && return 0 ;;
		esac
		prev=$a
	done
	return 1
}
