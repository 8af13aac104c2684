# SPDX-License-Identifier: BSD-2-Clause
# Shared by scripts/bench and scripts/test: install what is missing, build.
# Sourced, not run.

LB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

lb_log() { printf 'lpibench: %s\n' "$*" >&2; }

# Installs the packages in scripts/packages.txt (plus any given) that are
# missing: with apt-get when root, otherwise prints the exact line and stops.
# lb_test_packages lists the test-only ones (scripts/packages-test.txt).
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
