#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The USL fit (scripts/lpibench_usl.py) on synthetic sweeps with known
# parameters: it finds them back, the bootstrap band of a projection holds
# the true value, and with one or two thread counts it refuses (CannotFit)
# instead of drawing. Needs a python3 with scipy (python3-scipy).
# Usage: test_usl.sh BENCH_BINARY SOURCE_DIR
set -u
src=${2:-$(dirname "$0")/..}
py=
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c "import scipy" 2>/dev/null; then
		py=$p
		break
	fi
done
[ -n "$py" ] || { echo "no python3 with scipy: skipped"; exit 77; }
"$py" - "$src/scripts" <<'PY'
import random, sys
sys.path.insert(0, sys.argv[1])
import lpibench_usl as u

rng = random.Random(7)
for lam, sigma, kappa in ((2.0e6, 0.05, 0.002), (5.0e7, 0.30, 0.0), (1.0e6, 0.01, 0.0005)):
    pts = [(n, u.usl(n, lam, sigma, kappa) * (1 + rng.gauss(0, 0.01)))
           for n in (1, 2, 4, 8, 16, 32) for _ in range(5)]
    got = u.fit(pts)
    assert abs(got[0] - lam) < 0.03 * lam, (got, lam)
    assert abs(got[1] - sigma) < 0.02 + 0.1 * sigma, (got, sigma)
    assert abs(got[2] - kappa) < 2e-4 + 0.2 * kappa, (got, kappa)
    band = u.bootstrap(pts, [64, 128], rounds=100)
    for n, (lo, hi) in band.items():
        true = u.usl(n, lam, sigma, kappa)
        assert lo * 0.97 <= true <= hi * 1.03, (n, lo, true, hi)
    if kappa:
        assert abs(u.peak(got) - ((1 - sigma) / kappa) ** 0.5) < 0.2 * ((1 - sigma) / kappa) ** 0.5

for counts in ((1,), (1, 2)):
    pts = [(n, 1e6 * n) for n in counts for _ in range(3)]
    try:
        u.fit(pts)
    except u.CannotFit as e:
        assert "cannot determine" in str(e), e
    else:
        raise AssertionError("fitted 3 parameters to %d thread counts" % len(counts))
print("usl: parameters found back, projections inside their bands, 1-2 thread counts refused")
PY
