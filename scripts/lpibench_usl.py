# SPDX-License-Identifier: BSD-2-Clause
"""The Universal Scalability Law fitted to a thread sweep, and what it
projects past the measured thread counts (labelled as a projection).

  X(N) = lam * N / (1 + sigma * (N - 1) + kappa * N * (N - 1))

lam: throughput of one thread; sigma: contention (the serial share);
kappa: coherency (crosstalk between every pair of threads). Three
parameters need at least three distinct thread counts: with fewer, fit()
raises CannotFit instead of inventing a curve. Bands: the fit repeated on
bootstrap resamples of the runs at each thread count, percentiles of the
projections. A projection from a 2-core machine says what these three
numbers imply, not what a 192-core mesh does: costs that appear only at
scale (remote cache lines at 100+ ns, LL/SC retries) are in no parameter.
"""

import random

MIN_THREAD_COUNTS = 3


class CannotFit(Exception):
    pass


def usl(n, lam, sigma, kappa):
    return lam * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0))


def _curve_fit():
    try:
        from scipy.optimize import curve_fit
    except ImportError as e:
        raise CannotFit("scipy is not installed (python3-scipy)") from e
    return curve_fit


def fit(points):
    """points: [(threads, throughput), ...], several per thread count allowed.
    Returns (lam, sigma, kappa)."""
    counts = sorted({n for n, _ in points})
    if len(counts) < MIN_THREAD_COUNTS:
        raise CannotFit("the USL has 3 parameters; %d thread count%s (%s) cannot determine them"
                        % (len(counts), "" if len(counts) == 1 else "s",
                           ",".join(str(c) for c in counts)))
    curve_fit = _curve_fit()
    import numpy as np
    ns = np.array([float(n) for n, _ in points])
    xs = np.array([float(x) for _, x in points])
    one = [x for n, x in points if n == counts[0]]
    lam0 = sum(one) / len(one) / counts[0]
    try:
        p, _ = curve_fit(usl, ns, xs, p0=[lam0, 0.01, 0.0001],
                         bounds=([0.0, 0.0, 0.0], [float("inf"), 1.0, 1.0]), maxfev=20000)
    except (RuntimeError, ValueError) as e:
        raise CannotFit("the fit did not converge: %s" % e) from e
    return float(p[0]), float(p[1]), float(p[2])


def bootstrap(points, at, rounds=200, seed=1, level=0.90):
    """Fit on resamples of the runs per thread count; for each N in at,
    the (low, high) percentiles of the projected throughput."""
    by_n = {}
    for n, x in points:
        by_n.setdefault(n, []).append(x)
    rng = random.Random(seed)
    proj = {n: [] for n in at}
    for _ in range(rounds):
        sample = [(n, rng.choice(xs)) for n, xs in by_n.items() for _ in xs]
        try:
            p = fit(sample)
        except CannotFit:
            continue
        for n in at:
            proj[n].append(usl(n, *p))
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    bands = {}
    for n, v in proj.items():
        if not v:
            continue
        v.sort()
        bands[n] = (v[int(lo_q * (len(v) - 1))], v[int(hi_q * (len(v) - 1))])
    return bands


def peak(params):
    """Thread count of the highest throughput: sqrt((1 - sigma) / kappa)."""
    _, sigma, kappa = params
    if kappa <= 0:
        return None
    return ((1.0 - sigma) / kappa) ** 0.5
