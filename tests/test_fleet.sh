#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# scripts/fleet against two ssh "hosts" that are sshd instances started here
# on 127.0.0.1 (own host keys, own authorized key, traffic on loopback), a
# third that is unreachable (a closed port) and a fourth that fails (its
# bench is from another commit). The real path runs on host alpha: the
# commit shipped as a bundle, set up and built there by sweep, swept; beta
# uses the bench under test (bench=, built from the same commit) to keep the
# test short. The fleet run is SIGKILLed once beta is done and alpha is
# still building; the rerun loses nothing, does not run beta again,
# completes alpha, reports gamma unreachable and delta failed with why, and
# retries both; both hosts' runs carry the shipped commit and are in the
# archive under their fleet names, once, also after a third run.
# Bad input: one line, exit 2, nothing written.
# Usage: test_fleet.sh BENCH_BINARY SOURCE_DIR
set -u
bench=$1
src=$2
fleet=$src/scripts/fleet

[ -n "${LB_EMULATOR:-}" ] && { echo "SKIP: cross build"; exit 77; }
# Shell and ssh around a normal bench: the sanitizer builds add nothing here.
if ! "$bench" --version 2>/dev/null | grep -q "^sanitizer: none"; then
	echo "SKIP: a sanitizer build (the normal build runs this test)"
	exit 77
fi
for t in /usr/sbin/sshd parallel rsync python3; do
	command -v "$t" >/dev/null || {
		echo "SKIP: $t is not installed (scripts/packages-archive.txt, packages-test.txt; scripts/test installs them)"
		exit 77
	}
done
git -C "$src" rev-parse HEAD >/dev/null 2>&1 || { echo "SKIP: $src is not a git checkout"; exit 77; }

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ---- two sshd "hosts" and a dead one -------------------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$tmp/userkey" || exit 1
[ "$(id -u)" = 0 ] && mkdir -p /run/sshd # sshd's privilege separation folder
start_sshd() { # name port
	local d=$tmp/$1
	mkdir -p "$d"
	ssh-keygen -q -t ed25519 -N '' -f "$d/hostkey" || exit 1
	cp "$tmp/userkey.pub" "$d/authorized_keys"
	cat >"$d/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $2
HostKey $d/hostkey
AuthorizedKeysFile $d/authorized_keys
PidFile $d/sshd.pid
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
EOF
	/usr/sbin/sshd -D -e -f "$d/sshd_config" 2>"$d/sshd.log" &
	pids+=($!)
}
pa=$(free_port) pb=$(free_port) pc=$(free_port)
start_sshd alpha "$pa"
start_sshd beta "$pb"
sshopts="-i $tmp/userkey -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
for p in $pa $pb; do # wait for the listeners
	for _ in $(seq 50); do
		ssh -p "$p" $sshopts -o BatchMode=yes "$(id -un)@127.0.0.1" true 2>/dev/null && break
		sleep 0.2
	done
done
ssh -p "$pb" $sshopts -o BatchMode=yes "$(id -un)@127.0.0.1" true 2>"$tmp/err" || {
	cat "$tmp/alpha/sshd.log" "$tmp/err"
	echo "FAIL: the test's sshd does not take logins"
	exit 1
}

commit=$(git -C "$src" rev-parse --short=12 HEAD)
built=$("$bench" --version | sed -n 's/.*(git \([^)]*\)).*/\1/p')
prebuilt=""
if [ "$built" = "$commit" ]; then
	prebuilt="bench=$(cd "$(dirname "$bench")" && pwd)/$(basename "$bench")"
else
	echo "note: $bench is from git $built, not HEAD $commit: beta builds too (slower)"
fi
me=$(id -un)
cat >"$tmp/hosts" <<EOF
# the test's fleet: NAME DESTINATION [bench=PATH] [SSH OPTIONS]
alpha  $me@127.0.0.1  -p $pa $sshopts
beta   $me@127.0.0.1  $prebuilt -p $pb $sshopts   # the same machine, another "host"

gamma  $me@127.0.0.1  -p $pc $sshopts
# reachable, but fails: its bench is not built from the shipped commit
delta  $me@127.0.0.1  bench=/bin/true -p $pa $sshopts -o Compression=no
EOF
cat >"$tmp/sweep.txt" <<EOF
# tiny: two points, two runs each
backend=list
threads=1,2
workload=getput
lpis=256
duration=0.05
warmup=0
runs=2
EOF
out=$tmp/out
db="sqlite:///$tmp/archive.sqlite"
args=(--out="$out" --remote-dir="$tmp/remote" --db="$db" "$tmp/hosts" "$tmp/sweep.txt")

# ---- bad input: one line, exit 2, nothing written ----------------------------------
bad_input() { # description, file contents for HOSTS (or -), then fleet arguments
	local what=$1 hosts=$2
	shift 2
	[ "$hosts" = - ] || printf '%s\n' "$hosts" >"$tmp/badhosts"
	"$fleet" --out="$tmp/nowhere" "$@" >"$tmp/out.txt" 2>"$tmp/err"
	local rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -e "$tmp/nowhere" ]; then ok; else
		bad "bad input ($what): exit $rc, $(cat "$tmp/err")"
	fi
}
bad_input "no HOSTS file" - "$tmp/nosuch" "$tmp/sweep.txt"
bad_input "no SWEEPFILE" - "$tmp/hosts" "$tmp/nosuch"
bad_input "one argument" - "$tmp/hosts"
bad_input "unknown option" - --nosuch "$tmp/hosts" "$tmp/sweep.txt"
bad_input "no host" "# nothing" "$tmp/badhosts" "$tmp/sweep.txt"
bad_input "no destination" "alpha" "$tmp/badhosts" "$tmp/sweep.txt"
bad_input "bad name" "al/pha root@h" "$tmp/badhosts" "$tmp/sweep.txt"
bad_input "repeated name" $'a root@h\na root@k' "$tmp/badhosts" "$tmp/sweep.txt"
bad_input "same login" $'a root@h -p 2\nb root@h -p 2' "$tmp/badhosts" "$tmp/sweep.txt"
bad_input "unknown ssh option" "a root@h -X" "$tmp/badhosts" "$tmp/sweep.txt"
bad_input "ssh option without value" "a root@h -p" "$tmp/badhosts" "$tmp/sweep.txt"
bad_input "relative bench" "a root@h bench=build/bench" "$tmp/badhosts" "$tmp/sweep.txt"
printf 'threads=1\njust words\n' >"$tmp/badsweep.txt"
bad_input "garbled sweep file" - "$tmp/hosts" "$tmp/badsweep.txt"
"$fleet" --help | grep -q "NAME *DESTINATION" && ok || bad "--help does not document the hosts file"

# ---- a fleet run killed once beta is done, then resumed ----------------------------
joblog=$out/.fleet/joblog
setsid "$fleet" "${args[@]}" >"$tmp/run1.out" 2>&1 &
run=$!
done_beta=""
for _ in $(seq 600); do # up to 5 minutes: beta is quick, alpha builds
	done_beta=$(awk -F'\t' '$2 == "beta" && $7 == 0' "$joblog" 2>/dev/null)
	[ -n "$done_beta" ] && break
	kill -0 $run 2>/dev/null || break
	sleep 0.5
done
alpha_was_done=$(awk -F'\t' '$2 == "alpha" && $7 == 0' "$joblog" 2>/dev/null)
kill -KILL -- -$run 2>/dev/null
wait $run 2>/dev/null
if [ -n "$done_beta" ] && [ -n "$(ls "$out"/beta/2*.json 2>/dev/null)" ]; then ok; else
	bad "beta did not finish or come back in the first run"
	cat "$tmp/run1.out" "$out"/.fleet/logs/1/*/stderr 2>/dev/null | tail -20
fi
[ -z "$alpha_was_done" ] || echo "note: alpha was already done when the run was killed"
(cd "$out/beta" && stat -c '%n %Y %s' *) >"$tmp/beta-before" 2>/dev/null

"$fleet" "${args[@]}" >"$tmp/run2.out" 2>"$tmp/run2.err"
rc=$?
[ $rc -eq 1 ] && ok || bad "the resumed run exited $rc, expected 1 (gamma, delta)"
grep -Eq '^alpha +ok$' "$tmp/run2.out" && grep -Eq '^beta +ok$' "$tmp/run2.out" &&
	grep -Eq '^gamma +unreachable: ssh: .*refused' "$tmp/run2.out" &&
	grep -Eq "^delta +failed: bench=/bin/true is built from git '', not $commit" "$tmp/run2.out" && ok ||
	{ bad "the resumed run's report"; cat "$tmp/run2.out" "$tmp/run2.err"; tail -5 "$out"/.fleet/logs/1/alpha/stderr; }
[ "$(awk -F'\t' '$2 == "beta"' "$joblog" | wc -l)" -eq 1 ] && ok || bad "beta was run again: $(cat "$joblog")"
(cd "$out/beta" && stat -c '%n %Y %s' *) | cmp -s - "$tmp/beta-before" && ok ||
	bad "beta's fetched results changed on the rerun"
[ "$(awk -F'\t' '$2 == "gamma" || $2 == "delta"' "$joblog" | wc -l)" -ge 4 ] && ok ||
	bad "gamma and delta were not retried: $(cat "$joblog")"

# On the hosts: alpha checked the commit out and built it; beta did not build.
rdir=$tmp/remote/$(cat "$out/.fleet/id")
[ "$(git -C "$rdir/alpha/src" rev-parse HEAD 2>/dev/null)" = "$(git -C "$src" rev-parse HEAD)" ] &&
	[ -x "$rdir/alpha/src/build/bench" ] && ok || bad "alpha has no checkout of HEAD built in $rdir"
if [ -n "$prebuilt" ]; then
	[ -d "$rdir/beta/src/.git" ] && [ ! -e "$rdir/beta/src/build" ] && ok || bad "beta built or has no checkout"
fi

# Both hosts: every run, complete, of the shipped commit.
python3 - "$out" "$commit" <<'PY' && ok || bad "the fetched results"
import glob, json, sys
out, commit = sys.argv[1:]
for h in ("alpha", "beta"):
    runs = sorted((d["threads"], d["run"]) for d in
                  (json.load(open(f)) for f in glob.glob("%s/%s/2*.json" % (out, h))))
    assert runs == [(1, 1), (1, 2), (2, 1), (2, 2)], (h, runs)
    for f in glob.glob("%s/%s/2*.json" % (out, h)):
        d = json.load(open(f))
        assert d["manifest"]["git_commit"] == commit, (f, d["manifest"]["git_commit"], commit)
        assert not d.get("interrupted"), f
PY

# The archive: four runs under each fleet name, of the shipped commit.
archive_counts() {
	python3 - "$tmp/archive.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute("SELECT host, git_commit, count(*) FROM runs GROUP BY host, git_commit ORDER BY host"):
    print(*row)
PY
}
if [ -x "$src/scripts/archive" ]; then
	archive_counts >"$tmp/archived" 2>&1
	printf 'alpha %s 4\nbeta %s 4\n' "$commit" "$commit" | cmp -s - "$tmp/archived" && ok ||
		bad "the archive holds: $(cat "$tmp/archived")"
	# ... though both "hosts" are this machine, by the manifests' host name.
	python3 -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1])
assert db.execute("SELECT count(DISTINCT manifest_host) FROM runs").fetchone()[0] == 1' \
		"$tmp/archive.sqlite" && ok || bad "the runs do not share one manifest host name"
else
	echo "note: no scripts/archive in this tree: the import is not tested"
fi

# A third run: nothing runs again but gamma; importing again changes nothing.
"$fleet" "${args[@]}" >"$tmp/run3.out" 2>&1
[ $? -eq 1 ] && [ "$(grep -cE '^(alpha|beta) +ok$' "$tmp/run3.out")" -eq 2 ] && ok || bad "third run: $(cat "$tmp/run3.out")"
[ "$(awk -F'\t' '$2 == "alpha" || $2 == "beta"' "$joblog" | awk -F'\t' '$7 == 0' | wc -l)" -eq 2 ] && ok ||
	bad "a finished host ran again: $(cat "$joblog")"
if [ -x "$src/scripts/archive" ]; then
	archive_counts | cmp -s - "$tmp/archived" && ok || bad "importing again changed the archive"
fi
# One folder, one fleet run: another sweep into it is refused.
sed 's/^runs=2/runs=3/' "$tmp/sweep.txt" >"$tmp/sweep3.txt"
"$fleet" --out="$out" "$tmp/hosts" "$tmp/sweep3.txt" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "another sweep" "$tmp/err" && ok || bad "another sweep into $out: $(cat "$tmp/err")"

# The fleet's ssh never left loopback: every host block names 127.0.0.1.
[ "$(grep -c '^  HostName 127.0.0.1$' "$out/.fleet/ssh_config")" -eq 4 ] && ok || bad "ssh_config"

echo "test_fleet: $pass passed, $fail failed"
[ $fail -eq 0 ]
