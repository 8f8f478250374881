"""Significance over repetitions: a two-sided Mann–Whitney U test, and its limits."""

from __future__ import annotations

import math

from scipy.stats import mannwhitneyu

MIN_REPS = 3
ALPHA = 0.05


def mann_whitney(a, b) -> float | None:
    """Two-sided p-value, or None with fewer than MIN_REPS repetitions on either side."""
    if len(a) < MIN_REPS or len(b) < MIN_REPS:
        return None
    p = float(mannwhitneyu(list(a), list(b), alternative="two-sided").pvalue)
    # Identical constant samples give no evidence of a difference.
    return 1.0 if math.isnan(p) else p


def smallest_p(n1: int, n2: int) -> float:
    """The smallest two-sided p the exact test can reach with n1 and n2 repetitions (no ties).

    With 3 against 3 it is 0.10: no difference can then be significant at 0.05, however large.
    """
    return min(1.0, 2 / math.comb(n1 + n2, n1)) if n1 and n2 else 1.0


def describe_p(p: float | None) -> str:
    return "n/a (too few repetitions)" if p is None else f"{p:.3g}"


def verdict(p: float | None, ratio: float, other: str, words=("faster", "slower")) -> str:
    """A table cell: whether `other` differs significantly, and which way (words[0] when its
    ratio over the baseline is below 1)."""
    if p is None:
        return "n/a"
    if p >= ALPHA:
        return "no"
    return f"**yes: {other} {words[0] if ratio < 1 else words[1]}**"
