"""Statistics over repetitions: the median with a distribution-free confidence interval, and the
confidence interval of the ratio of two medians with its verdict (docs/design.md section 9).

    ci = median_ci([12.1, 12.4, 12.3, 12.6, 12.2, 12.3])
    ci.median, ci.lo, ci.hi, ci.coverage, ci.enough      # 12.3 12.1 12.6 0.969 True
    r = ratio_ci(base_times, other_times)
    r.ratio, r.lo, r.hi, r.verdict                       # 1.10 1.07 1.13 "slower"
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LEVEL = 0.95
# Below this many repetitions no pair of order statistics covers the median with LEVEL: the
# widest interval, min-max, covers it with 1 - 2 * 0.5**n (0.9375 for n = 5, 0.969 for 6).
MIN_FOR_LEVEL = 6
# Bootstrap resamples of each side, and the seed that makes every report reproducible.
RESAMPLES = 4000
SEED = 20261126
VERDICTS = ("faster", "slower", "same")


def _binom_half_cdf(k: int, n: int) -> float:
    """P(X <= k) for X ~ Binomial(n, 1/2): the chance that at most k samples lie below the
    median."""
    return sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n if k >= 0 else 0.0


def order_ranks(n: int, level: float = LEVEL) -> tuple:
    """(k, coverage): the interval [x_(k), x_(n+1-k)] of the sorted sample (1-based ranks) that
    covers the population median with probability `coverage` >= level, k as large as possible
    (the narrowest such interval). Where even min-max (k = 1) falls short, k = 1 and its real
    coverage. Exact for any continuous distribution: the number of samples below the median is
    Binomial(n, 1/2)."""
    if n < 2:
        return 1, 0.0
    best = (1, 1 - 2 * _binom_half_cdf(0, n))
    for k in range(2, n // 2 + 1):
        coverage = 1 - 2 * _binom_half_cdf(k - 1, n)
        if coverage < level:
            break
        best = (k, coverage)
    return best


@dataclass(frozen=True)
class MedianCI:
    """A sample's median and its confidence interval; `coverage` is the interval's real
    probability of covering the population median (below the level when n < MIN_FOR_LEVEL)."""

    median: float
    lo: float
    hi: float
    coverage: float
    n: int

    @property
    def enough(self) -> bool:
        """Whether the interval reaches LEVEL."""
        return self.coverage >= LEVEL

    @property
    def half_width(self) -> float:
        """Half the interval's width relative to the median (0.03 = ±3%); NaN without one."""
        if self.n < 2 or not self.median:
            return math.nan
        return (self.hi - self.lo) / 2 / abs(self.median)


def median_ci(values, level: float = LEVEL) -> MedianCI:
    """The median of the finite values and its distribution-free interval (order_ranks)."""
    x = np.sort(np.asarray(values, dtype=float).ravel())
    x = x[np.isfinite(x)]
    n = int(x.size)
    if not n:
        return MedianCI(math.nan, math.nan, math.nan, 0.0, 0)
    k, coverage = order_ranks(n, level)
    return MedianCI(float(np.median(x)), float(x[k - 1]), float(x[n - k]), coverage, n)


@dataclass(frozen=True)
class RatioCI:
    """other's median over base's median, its interval and the verdict on `other`: `slower`
    when the whole interval lies above 1, `faster` below 1, `same` when it contains 1, `n/a`
    with fewer than 2 repetitions on a side (no interval at all)."""

    ratio: float
    lo: float
    hi: float
    verdict: str
    n_base: int
    n_other: int

    @property
    def enough(self) -> bool:
        """Whether both sides have the repetitions a 95% interval of their median needs."""
        return min(self.n_base, self.n_other) >= MIN_FOR_LEVEL


def _finite(values) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    return x[np.isfinite(x)]


def _boot_medians(rng, x: np.ndarray) -> np.ndarray:
    return np.median(x[rng.integers(0, x.size, size=(RESAMPLES, x.size))], axis=1)


def verdict_of(lo: float, hi: float) -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "n/a"
    return "slower" if lo > 1 else "faster" if hi < 1 else "same"


def ratio_ci(base, other, level: float = LEVEL) -> RatioCI:
    """The ratio of medians median(other) / median(base) and its percentile-bootstrap interval.

    Why a bootstrap: each side is resampled on its own (the two runs are independent), so it
    assumes neither a distribution nor that the two sides share a shape, unlike a rank test's
    confidence interval, which holds only for a pure shift or scale change; it takes unequal
    repetition counts as they come; and the interval is of the quantity the report states, the
    ratio of the medians. The seed is fixed, so a report is reproducible. The bounds are the
    sample quantiles of the resampled ratios rounded outwards ("lower" and "higher"), so a
    discrete bootstrap distribution never narrows the interval. With few repetitions the
    bootstrap distribution of a median is coarse and the interval can cover less than its
    level: RatioCI.enough says whether both sides reach MIN_FOR_LEVEL, and comparison.md says
    so beside the verdict. A copy of a run gives a resampled ratio distribution symmetric about
    1, so its interval always contains 1.
    """
    a, b = _finite(base), _finite(other)
    if not a.size or not b.size:
        return RatioCI(math.nan, math.nan, math.nan, "n/a", int(a.size), int(b.size))
    med_a, med_b = float(np.median(a)), float(np.median(b))
    ratio = med_b / med_a if med_a else math.nan
    if a.size < 2 or b.size < 2 or not math.isfinite(ratio) or (a <= 0).any():
        return RatioCI(ratio, math.nan, math.nan, "n/a", int(a.size), int(b.size))
    rng = np.random.default_rng(SEED)
    ratios = _boot_medians(rng, b) / _boot_medians(rng, a)
    alpha = (1 - level) / 2
    lo = float(np.quantile(ratios, alpha, method="lower"))
    hi = float(np.quantile(ratios, 1 - alpha, method="higher"))
    return RatioCI(ratio, lo, hi, verdict_of(lo, hi), int(a.size), int(b.size))


def ci_text(ci: MedianCI, fmt) -> str:
    """A table cell: '12.3 [12.1, 12.6]', the median alone with one repetition, 'n/a' without."""
    if not ci.n or not math.isfinite(ci.median):
        return "n/a"
    if ci.n < 2 or ci.lo == ci.hi:
        return fmt(ci.median)
    return f"{fmt(ci.median)} [{fmt(ci.lo)}, {fmt(ci.hi)}]"
