# SPDX-License-Identifier: BSD-2-Clause
"""Change points in a series of benchmark points, each point several runs.

Method: binary segmentation with a rank test. In a segment of the series
(at first the whole of it), every split between two points that leaves at
least min_runs runs on each side is tried: the runs of all the points left
of the split, pooled, against those right of it, by the two-sided
Mann-Whitney U test (scipy.stats.mannwhitneyu). The split with the smallest
p is a change point when
  - p < alpha / m, m the number of splits tried in that segment (Bonferroni:
    trying many splits would otherwise find one by chance), and
  - the medians of the two sides differ by at least min_effect (a relative
    change: 0.02 = 2%), so that a difference too small to matter, made
    significant by many runs, is not flagged;
then both sides are searched the same way, until no split qualifies.

Why it suits noisy benchmark series: the test uses only the ranks of the
runs, so one outlier (a run disturbed by another process, a frequency
change) moves it no more than any other run, and it assumes no normal
distribution (run times are skewed, often bimodal); pooling the runs of
neighbouring points gives it the power that single points of a few runs
lack. It finds steps (a commit that made a backend slower and stayed); a
lone outlying point between two equal neighbours is harder for it, as for
any binary segmentation, and a trend is cut into steps.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lpibench_results as lr  # noqa: E402

ALPHA = 0.01
MIN_EFFECT = 0.02
MIN_RUNS = 3


class ChangePoint:
    """A change between point index-1 and point index."""

    def __init__(self, index, p, before, after, tried):
        self.index, self.p, self.before, self.after, self.tried = index, p, before, after, tried

    @property
    def change(self):
        """Relative change of the median, right over left (0.1 = +10%)."""
        return self.after / self.before - 1 if self.before else float("inf")


def change_points(points, alpha=ALPHA, min_effect=MIN_EFFECT, min_runs=MIN_RUNS, stats=None):
    """points: a list (in series order) of lists of run values. Returns
    the ChangePoints, sorted by index. stats: scipy.stats (default: import)."""
    st = stats or lr.scipy_stats()
    if st is None:
        raise RuntimeError("scipy is not installed (python3-scipy)")
    found = []

    def search(lo, hi):  # points[lo:hi]
        best, tried = None, 0
        for k in range(lo + 1, hi):
            left = [x for p in points[lo:k] for x in p]
            right = [x for p in points[k:hi] for x in p]
            if len(left) < min_runs or len(right) < min_runs:
                continue
            tried += 1
            if len(set(left) | set(right)) == 1:
                continue  # all equal: no change at all
            p = float(st.mannwhitneyu(left, right, alternative="two-sided").pvalue)
            if best is None or p < best[1]:
                best = (k, p, lr.median(left), lr.median(right))
        if best is None or best[1] >= alpha / tried:
            return
        k, p, before, after = best
        if before and abs(after / before - 1) < min_effect:
            return
        found.append(ChangePoint(k, p, before, after, tried))
        search(lo, k)
        search(k, hi)

    search(0, len(points))
    return sorted(found, key=lambda c: c.index)
