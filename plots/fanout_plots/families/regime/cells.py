"""The regime map's cells (`regime/<strategy>/items:N/.../workload:<w>`): per machine, per
compute share of an item and items per fan-out, the strategies ranked by median makespan, the
winner's margin over the runner-up as the 95% CI of their ratio (stats.ratio_ci), and a tie where
that interval contains 1.

The compute share is measured, not named: the item's calibrated CPU part over its CPU part plus
its wait, compute_ms / (compute_ms + latency_ms). Points beyond their bound (validity.py) never
win a cell; a skipped benchmark (over the sweep's budget) leaves its strategy out of the cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...stats import RatioCI, ratio_ci

FAMILY = "regime"
# One-thread executors (the registry's trait): a single loop, the baseline of parallel speedup.
ONE_THREAD = ("loop",)


def wait_ms(bench) -> float:
    """The item's wait: its counter, or for a skipped benchmark (no counters) its name's `ms`."""
    p = bench.params
    v = p.get("latency_ms", p.get("ms", 0.0))
    return float(v) if isinstance(v, (int, float)) else 0.0


def column_key(bench) -> tuple:
    """A cell column: the workload, its wait and the `frames` of its name. From the name, not
    the counter: a skipped benchmark has no counters, and the mixed workload names its frames
    only where they differ from its default (workloads/mixed.hpp)."""
    frames = next((seg.partition(":")[2] for seg in bench.name.split("/")
                   if seg.startswith("frames:")), "")
    return (str(bench.params.get("workload", "")), wait_ms(bench), frames)


def frames(all_cells, column: tuple) -> float:
    """A column's frames per item, from its measured benchmarks' counter; 0 for none."""
    for c in all_cells:
        if c.column == column and c.ranked:
            v = c.ranked[0].params.get("frames", 0.0)
            return float(v) if isinstance(v, (int, float)) else 0.0
    return 0.0


def share(bench) -> float:
    """compute_ms / (compute_ms + latency_ms) of one item; NaN without compute_ms."""
    cms, wait = bench.median("compute_ms"), wait_ms(bench)
    return cms / (cms + wait) if math.isfinite(cms) and cms + wait > 0 else math.nan


@dataclass
class Cell:
    """The strategies of one (column, items) of one machine, fastest first."""

    column: tuple
    items: float
    share: float
    ranked: list  # valid benchmarks, fastest median makespan first
    skipped: list  # benchmarks skipped or failed: (strategy, error)

    @property
    def winner(self):
        return self.ranked[0] if self.ranked else None

    @property
    def margin(self) -> RatioCI | None:
        """runner-up's median makespan over the winner's, with its 95% CI."""
        if len(self.ranked) < 2:
            return None
        return ratio_ci(self.ranked[0].samples("real_time"), self.ranked[1].samples("real_time"))

    @property
    def tie(self) -> bool:
        m = self.margin
        return m is not None and m.verdict == "same"


def regime_benches(run) -> list:
    return [b for b in run.benches if b.family == FAMILY]


def cells(run) -> list:
    """The run's cells, by share then items."""
    groups: dict = {}
    for b in regime_benches(run):
        items = b.params.get("items")
        if isinstance(items, (int, float)):
            groups.setdefault((column_key(b), float(items)), []).append(b)
    out = []
    for (col, items), benches in groups.items():
        ok = [b for b in benches if b.error is None and b.n and not b.invalid]
        shares = [share(b) for b in ok]
        shares = [s for s in shares if math.isfinite(s)]
        out.append(Cell(col, items, min(shares) if shares else math.nan,
                        sorted(ok, key=lambda b: (b.median(), b.order)),
                        [(b.strategy, b.error or b.invalid) for b in benches
                         if b not in ok]))
    return sorted(out, key=lambda c: (column_share(out, c.column), c.items))


def column_share(all_cells, column: tuple) -> float:
    """A column's share: the median of its cells' (they differ only by calibration noise)."""
    vals = sorted(c.share for c in all_cells if c.column == column and math.isfinite(c.share))
    return vals[len(vals) // 2] if vals else math.inf


def columns(all_cells) -> list:
    return sorted({c.column for c in all_cells}, key=lambda k: column_share(all_cells, k))


def sizes(all_cells) -> list:
    return sorted({c.items for c in all_cells})


def find(all_cells, column: tuple, items: float):
    return next((c for c in all_cells if c.column == column and c.items == items), None)


def one_thread(run, cell: Cell):
    """The fastest strategy of the cell that runs on one thread (a single loop), or None."""
    return next((b for b in cell.ranked if _executor(run, b.strategy) in ONE_THREAD), None)


def _executor(run, strategy: str) -> str:
    s = run.registry.strategy(strategy)
    return s.executor if s is not None else ""


def serial_bound_ms(bench) -> float:
    """A skipped one-thread strategy's lower bound: every item's wait after the other's,
    items x latency_ms (its computation only adds to it)."""
    items = bench.params.get("items")
    return float(items) * wait_ms(bench) if isinstance(items, (int, float)) else math.nan
