"""Every benchmark of a group, one row each: the figure and the finding line for families that
have no figure of their own shape (hazards and overhead use it with their own captions and
tables) and for families that no module of families/ reads.

A group is the benchmarks of one family, or of one member of it (one hazard: the name's second
segment), in registration order unless the family sorts them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .draw import Point, hpanel, spans_decades
from .figure import MAKESPAN, FigureResult, col, handles, table_rows
from .output import num, ratio, rows_text, times
from .results import registry_of
from .select import short_names
from .style import finish, new_figure, save

CAPTION = "Rows differ in strategy or variant only; the table adds each benchmark's own counters."
# Tail latencies the figure and the finding show where no family chooses.
TAILS = ("late_ms_p99", "p99_ms")


@dataclass
class Group:
    """What one every-benchmark figure shows, and how."""

    family: str
    member: str | None = None  # the name's second segment, or None for the whole family
    tails: tuple = TAILS  # the first of these the benchmarks have is the tail panel
    counts: tuple = ()  # counts of items, each a panel of its own
    sort_key: object = None  # benchmark -> key; default: registration order
    caption: str = CAPTION
    summary: str = ""

    @property
    def prefix(self) -> str:
        return f"{self.family}/{self.member}/" if self.member else f"{self.family}/"

    @property
    def what(self) -> str:
        return f"{self.family}/{self.member}" if self.member else self.family

    @property
    def name(self) -> str:
        return f"{self.family}_{self.member}" if self.member else f"workload_{self.family}"

    def benches(self, run) -> list:
        return [b for b in run.ok() if b.family == self.family
                and (self.member is None or b.strategy == self.member)]


def members(runs, family: str) -> list:
    """The second name segments of a family's benchmarks with numbers, in registration order
    (the first run's first)."""
    return list(dict.fromkeys(b.strategy for r in runs for b in sorted(
        r.ok(), key=lambda b: b.order) if b.family == family))


def groups(runs, family: str) -> list:
    """A family's groups: the whole family when its second name segments include strategies
    (strategies measured against a reference), else one group per second segment, each a
    separate experiment."""
    names = members(runs, family)
    registry = registry_of(runs)
    if any(registry.is_strategy(n) for n in names):
        return [Group(family)]
    return [Group(family, n) for n in names]


def _tail(group: Group, benches) -> str | None:
    return next((k for k in group.tails if any(b.has(k) for b in benches)), None)


def _points(runs, group: Group) -> list:
    pairs = [(ri, b) for ri, r in enumerate(runs) for b in group.benches(r)]
    key = group.sort_key or (lambda b: b.order)
    pairs.sort(key=lambda rb: (key(rb[1]), rb[0]))
    names, _ = short_names([b for _, b in pairs], group.prefix)
    points = [Point(ri, b.strategy, math.nan, b, b.samples("real_time"), names[b.name])
              for ri, b in pairs]
    return [p for p in points if p.values.size]


def _with(points, key: str) -> list:
    """The points with the samples of another field instead of the makespan."""
    out = [Point(p.run_i, p.strategy, p.x, p.bench, p.bench.samples(key), p.category)
           for p in points]
    return [p for p in out if p.values.size]


def _tail_panel(ax, runs, styles, points, tail: str, cats) -> None:
    tp = _with(points, tail)
    hpanel(ax, tp, styles, len(runs), bars=False,
           log=bool(tp) and spans_decades([p.lo for p in tp] + [p.hi for p in tp]),
           categories=cats)
    ax.set_xlabel(f"{tail} [ms]")
    ax.set_title("late p99: the poll delay" if tail == "late_ms_p99" else tail)


def _count_panel(ax, runs, styles, points, key: str, cats) -> None:
    cp = _with(points, key)
    hpanel(ax, cp, styles, len(runs), bars=False, categories=cats)
    items = sorted({p.bench.params.get("items") for p in cp} - {None})
    of = f"of {num(items[0])} items" if len(items) == 1 else "of items"
    # The axis spans every item when all rows share one count: 0 to N.
    ax.set_xlim(-0.5, max([p.hi for p in cp] + [1] + items[:len(items) == 1]) + 0.5)
    ax.set_xlabel(f"{key} [{of}]")
    ax.set_title(f"{key} ({of})")


def _own_counters(runs, group: Group, points, tail) -> list:
    """The family's measurements that the benchmarks carry, besides the tail, as in the
    registry (every counter that is no parameter for a family the registry lacks)."""
    carried = list(dict.fromkeys(k for p in points for r in p.bench.reps for k in r))
    registry = registry_of(runs)
    metrics = registry.metrics(group.family) or [
        k for k in sorted(carried) if k not in registry.params(group.family)
        and k not in ("real_time", "cpu_time")]
    return [k for k in metrics if k in carried and k != tail]


def _table(runs, group: Group, points, tail) -> tuple:
    cols = col("real_time", MAKESPAN) + (col(tail, f"{tail} [ms]") if tail else [])
    cols += [(k, lambda p, k=k: num(p.bench.median(k)))
             for k in _own_counters(runs, group, points, tail)[:5]]
    if any(p.bench.note for p in points):
        cols.append(("label (outcome)", lambda p: p.bench.note or ""))
    return table_rows(runs, points, cols)


def _draw(runs, styles, group: Group, points, tail, counts):
    cats = list(dict.fromkeys(p.category for p in points))
    npanels = 1 + bool(tail) + len(counts)
    base = 7.0 + 3.5 * max(0, npanels - 2)
    width = min(base + 5.0, base + 0.06 * max(len(c) for c in cats))
    fig, axes = new_figure(npanels, width=width,
                           height=1.9 + 0.3 * len(cats) * max(1, len(runs)) ** 0.5, sharey=True)
    spans = max(p.hi for p in points) / max(min(p.lo for p in points), 1e-12)
    hpanel(axes[0, 0], points, styles, len(runs), bars=False, log=spans > 20, categories=cats)
    axes[0, 0].set_xlabel(MAKESPAN)
    axes[0, 0].set_title("makespan")
    if tail:
        _tail_panel(axes[0, 1], runs, styles, points, tail, cats)
    for ax, key in zip(axes[0, 1 + bool(tail):], counts):
        _count_panel(ax, runs, styles, points, key, cats)
    finish(fig, runs, f"{group.what}: every benchmark", handles(runs, styles, points), ncol=4)
    return fig


def figure(runs, styles, out_dir: str, group: Group):
    """Makespan, tail and counts of every benchmark of the group; None without numbers."""
    points = _points(runs, group)
    if not points:
        return None
    tail = _tail(group, [p.bench for p in points])
    counts = [k for k in group.counts if any(p.bench.has(k) for p in points)]
    fig = _draw(runs, styles, group, points, tail, counts)
    headers, rows = _table(runs, group, points, tail)
    _, common = short_names([p.bench for p in points], group.prefix)
    config = f"Parameters shared by every row: {', '.join(common)}." if common else ""
    return FigureResult(
        group.name, f"{group.what}: every benchmark",
        f"Each row is one `{group.what}` benchmark (its variant and parameters in the row name), "
        "its marker the median over the repetitions and its bar the median's 95% CI. "
        + group.caption,
        headers, rows, config,
        save(fig, out_dir, re.sub(r"[^A-Za-z0-9_.-]", "_", group.name)), summary=group.summary)


def finding(run, group: Group) -> str | None:
    """A findings line: the group's slowest and fastest benchmark, or its only one."""
    benches = group.benches(run)
    names, _ = short_names(benches, group.prefix)
    ranked = sorted(benches, key=lambda b: b.median())

    def desc(b) -> str:
        tail = next((k for k in group.tails if b.has(k)), None)
        extra = f", {tail} {num(b.median(tail))} ms" if tail else ""
        note = f", outcome: {b.note}" if b.note else ""
        return f"{names[b.name]} {num(b.median())} ms{extra}{note}"
    if len(ranked) == 1:
        return f"- **{group.what}**: {desc(ranked[0])}." + rows_text(ranked)
    if ranked:
        return (f"- **{group.what}**: slowest {desc(ranked[-1])}; fastest {desc(ranked[0])}; "
                f"{times(ratio(ranked[-1].median(), ranked[0].median()))} apart."
                + rows_text([ranked[-1], ranked[0]]))
    return None
