"""Drawing primitives shared by the figures: sweeps, strips and horizontal bars with error bars.

Every plotted value is the median of the repetitions; error bars span its 95% confidence
interval (stats.py; min-max, of lower coverage, with fewer than 6 repetitions), so a single
repetition draws as a bare marker. A point beyond its physical bound (validity.py) gets an
extra marker, INVALID_MARK, that style.finish puts in the legend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .select import of_workload, sweep
from .stats import MedianCI, median_ci
from .style import IDEAL_COLOR, log_x_at, mark_invalid, run_hatch, run_linestyle, tag


@dataclass
class Point:
    """One plotted value: a benchmark on one machine, and the samples of the metric drawn."""

    run_i: int
    strategy: str
    x: float
    bench: object
    values: np.ndarray
    category: str = ""

    @property
    def ci(self) -> MedianCI:
        return median_ci(self.values)

    @property
    def med(self) -> float:
        return self.ci.median

    @property
    def lo(self) -> float:
        """The lower bound of the median's 95% interval."""
        return self.ci.lo

    @property
    def hi(self) -> float:
        return self.ci.hi

    @property
    def invalid(self) -> bool:
        return bool(getattr(self.bench, "invalid", ""))


def _yerr(points) -> np.ndarray:
    return np.array([[p.med - p.lo for p in points], [p.hi - p.med for p in points]])


def at_cores(bench) -> bool:
    """Whether a benchmark runs at workers = its machine's cores, or takes no workers."""
    w = bench.params.get("workers")
    return w is None or w == bench.cores


def sweep_points(runs, workload: str, x: str, metric, strategies=None, keep=None):
    """Points of every machine's sweep along x; also each machine's series, for ideal lines.
    `keep`: a benchmark predicate (at_cores) applied before the series are chosen."""
    points, series = [], []
    for ri, run in enumerate(runs):
        benches = [b for b in of_workload(run, workload) if keep is None or keep(b)]
        ser = sweep(benches, x, strategies)
        series.append((ri, run, benches, ser))
        for s, bs in ser.items():
            for b in bs:
                vals = np.asarray(metric(b, benches, run), dtype=float).ravel()
                vals = vals[np.isfinite(vals)]
                if vals.size:
                    points.append(Point(ri, s, float(b.params[x]), b, vals))
    return points, series


def draw_lines(ax, points, styles) -> None:
    groups: dict = {}
    for p in points:
        groups.setdefault((p.run_i, p.strategy), []).append(p)
    for (ri, s), ps in groups.items():
        ps.sort(key=lambda p: p.x)
        ax.errorbar([p.x for p in ps], [p.med for p in ps], yerr=_yerr(ps),
                    **styles.line_kw(s, ri))
        mark_invalid(ax, [p.x for p in ps if p.invalid], [p.med for p in ps if p.invalid])


def strip_positions(points, nruns: int) -> tuple:
    """Category axis for a sweep with one x value: one slot per strategy, machines side by side."""
    cats = list(dict.fromkeys(p.strategy for p in points))
    width = 0.6 / max(nruns, 1)
    return cats, {(p.run_i, p.strategy): cats.index(p.strategy) + (p.run_i - (nruns - 1) / 2)
                  * width for p in points}


def draw_strip(ax, points, styles, nruns: int) -> list:
    cats, pos = strip_positions(points, nruns)
    for p in points:
        kw = styles.line_kw(p.strategy, p.run_i)
        kw["linestyle"] = "none"
        ax.errorbar([pos[(p.run_i, p.strategy)]], [p.med], yerr=_yerr([p]), **kw)
        if p.invalid:
            mark_invalid(ax, [pos[(p.run_i, p.strategy)]], [p.med])
    ax.set_xticks(range(len(cats)), cats, rotation=35, ha="right", rotation_mode="anchor")
    ax.set_xlim(-0.6, len(cats) - 0.4)
    ax.grid(axis="x", visible=False)
    return cats


def draw_ideal(ax, xs, ys, run_i: int, strip: bool, label: str) -> None:
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    if not ok.any():
        return
    # The machine's tag, without a strategy: the page's machine box hides it with the machine.
    if strip:
        ax.axhline(float(ys[ok][0]), color=IDEAL_COLOR, linestyle=run_linestyle(run_i),
                   linewidth=1.2, label=label, zorder=1, gid=tag("", run_i))
    else:
        order = np.argsort(xs[ok])
        ax.plot(xs[ok][order], ys[ok][order], color=IDEAL_COLOR, linestyle=run_linestyle(run_i),
                linewidth=1.2, marker="", label=label, zorder=1, gid=tag("", run_i))


def spans_decades(values, factor: float = 20.0) -> bool:
    """Whether positive values spread wide enough for a log axis to read better."""
    vals = [v for v in values if math.isfinite(v)]
    return bool(vals) and min(vals) > 0 and max(vals) / min(vals) > factor


def sweep_panel(ax, runs, styles, points, param: str, xlabel: str, ylabel: str, logy=True):
    """Draws points as lines along a log x, or as a strip per strategy when x has one value.

    Returns True for a strip, so that the caller draws ideal values as horizontal lines.
    """
    strip = len({p.x for p in points}) <= 1
    if strip:
        draw_strip(ax, points, styles, len(runs))
        if points:
            ax.set_xlabel(f"strategy ({param} = {points[0].x:g})")
    else:
        draw_lines(ax, points, styles)
        ax.set_xlabel(xlabel)
        ax.set_xscale("log")
        xs = sorted({p.x for p in points})
        if len(xs) <= 6:  # a short sweep (1, 2, 4 workers) reads best with a tick at every point
            log_x_at(ax, xs, xlabel)
    ax.set_ylabel(ylabel)
    if logy and spans_decades([p.lo for p in points] + [p.hi for p in points]):
        ax.set_yscale("log")
    return strip


def hpanel(ax, rows, styles, nruns: int, bars: bool, log: bool = False,
           categories=None) -> list:
    """Horizontal bars (or dots) per category, machines side by side within a category.

    rows: Points whose `category` names the y slot; the slots are `categories` top to bottom
    (by default in first-seen order), so that panels sharing a y axis line up.
    """
    cats = list(categories) if categories else list(dict.fromkeys(p.category for p in rows))
    height = 0.8 / max(nruns, 1)
    for p in rows:
        y = cats.index(p.category) + (p.run_i - (nruns - 1) / 2) * height
        color = styles.color(p.strategy)
        xerr = _yerr([p])
        if bars:
            ax.barh(y, p.med, height=height * 0.9, color=color, alpha=0.85,
                    hatch=run_hatch(p.run_i), edgecolor="0.2", linewidth=0.5,
                    gid=tag(p.strategy, p.run_i))
            ax.errorbar(p.med, y, xerr=xerr, color="0.15", linestyle="none", elinewidth=1,
                        gid=tag(p.strategy, p.run_i))
        else:
            kw = styles.line_kw(p.strategy, p.run_i)
            kw["linestyle"] = "none"
            ax.errorbar(p.med, y, xerr=xerr, **kw)
        if p.invalid:
            mark_invalid(ax, [p.med], [y])
    ax.set_yticks(range(len(cats)), cats)
    ax.set_ylim(len(cats) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    if log and rows and min(p.lo for p in rows) > 0:
        ax.set_xscale("log")
    if len(cats) > 12:
        ax.tick_params(axis="y", labelsize=9)
    return cats
