"""What every figure shares: its result record, the table of numbers behind it, its legend,
and its Markdown in the report."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np
from matplotlib.lines import Line2D

from . import select as sel
from .draw import Point
from .output import num, table
from .stats import ci_text
from .style import IDEAL_COLOR, machine_handles

MAKESPAN = "makespan [ms]"


@dataclass
class FigureResult:
    """A saved figure, its two-sentence caption and the numbers behind it."""

    name: str
    title: str
    caption: str
    headers: list
    rows: list
    config: str = ""
    paths: list = field(default_factory=list)
    # A report section of its own (e.g. "Load") instead of the general figures, and a Markdown
    # block (a summary table) shown between the caption and the table of numbers.
    section: str = ""
    summary: str = ""
    # The question the figure answers, which opens its caption, and the answer in one
    # sentence computed from the data (never written by hand), shown under the caption.
    question: str = ""
    answer: str = ""
    # The figure for the interactive page (html/chart.py), which style.save hands over with
    # the paths: the same artists as the PNG, as plotly traces.
    chart: dict | None = None

    def __post_init__(self) -> None:
        if self.chart is None:
            self.chart = getattr(self.paths, "chart", None)

    def markdown(self, out_dir: str) -> str:
        """Title, image, the question and caption with a link to the SVG, the answer,
        configuration, summary, numbers."""
        png, svg = (os.path.relpath(p, out_dir) for p in self.paths)
        caption = f"**{self.question}** {self.caption}" if self.question else self.caption
        parts = [f"### {self.title}", f"![{self.title}]({png})", f"{caption} ([SVG]({svg}))"]
        if self.answer:
            parts.append(f"**Answer:** {self.answer}")
        parts += [x for x in (self.config, self.summary) if x]
        parts.append(table(self.headers, self.rows))
        return "\n\n".join(parts)


def by_rank(points) -> list:
    """The points' strategies in the registry's order."""
    ranks = {p.strategy: p.bench.rank for p in points}
    return sorted(ranks, key=lambda s: ranks[s])


def table_rows(runs, points, columns) -> tuple:
    """Headers and rows: machine (when several), benchmark, repetitions, then `columns`."""
    multi = len(runs) > 1
    headers = (["machine"] if multi else []) + ["benchmark", "n"] + [h for h, _ in columns]
    rows, seen = [], set()
    for p in sorted(points, key=lambda p: p.run_i):
        key = (p.run_i, p.bench.name)
        if key in seen:
            continue
        seen.add(key)
        rows.append(([runs[p.run_i].label] if multi else []) + [p.bench.name, p.bench.n]
                    + [fn(p) for _, fn in columns])
    return headers, rows


def col(key: str, header: str) -> list:
    """The column of one field of the benchmark, in the JSON's own units: its median and 95%
    interval, `12.3 [12.1, 12.6]`."""
    return [median_col(key, header)]


def median_col(key: str, header: str) -> tuple:
    """One column: the median and its 95% interval (the median alone where they coincide)."""
    return header, lambda p: ci_text(p.bench.ci(key), num)


def point_col(header: str) -> tuple:
    """One column of the plotted values themselves (a speedup, a ratio): median [95% CI]."""
    return header, lambda p: ci_text(p.ci, num)


def samples(key: str):
    return lambda b, benches, run: b.samples(key)


def handles(runs, styles, points, extra=(), bars: bool = False) -> list:
    """Legend: strategies in the registry's order, then `extra` (ideal lines), then machines."""
    return styles.strategy_handles(by_rank(points)) + list(extra) + machine_handles(runs, bars)


def ideal_handle(label: str = "ideal") -> Line2D:
    return Line2D([], [], color=IDEAL_COLOR, linewidth=1.2, label=label)


def rep_points(runs, workload: str, metric, category=lambda b: b.strategy) -> list:
    """One point per strategy at the workload's representative size, for every machine."""
    points = []
    for ri, run in enumerate(runs):
        benches = sel.of_workload(run, workload)
        for s, b in sel.at_representative_size(benches).items():
            vals = np.asarray(metric(b, benches, run), dtype=float).ravel()
            vals = vals[np.isfinite(vals)]
            if vals.size:
                points.append(Point(ri, s, b.params.get("items", math.nan), b, vals,
                                    category(b)))
    return points


def panel_title(workload: str, points) -> str:
    items = sorted({p.bench.params.get("items") for p in points} - {None})
    return f"{workload}, {' / '.join(num(i) for i in items)} items" if items else workload


def workloads_with(runs, key: str, workloads) -> list:
    return [w for w in workloads if any(b.has(key) for r in runs for b in sel.of_workload(r, w))]
