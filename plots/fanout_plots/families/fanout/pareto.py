"""pareto: what each strategy costs (CPU used, memory) against what it delivers (makespan, p99)
for the wait, cpu and mixed workloads at their representative sizes (workers = cores), the
strategies that no other beats on both axes (the non-dominated front) joined per machine."""

from __future__ import annotations

import math

from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from ... import select as sel
from ...draw import Point
from ...figure import FigureResult, by_rank, col, median_col, table_rows
from ...output import num
from ...results import registry_of
from ...stats import ci_text, median_ci, ratio_ci
from ...style import IDEAL_COLOR, finish, machine_handles, new_figure, run_linestyle, save

QUESTION = ("Which strategies give the shortest makespan and tail for the CPU and memory they "
            "cost, and which cost more for nothing?")
CAPTION = (
    "Each marker is a strategy at the workload's most common size (workers = cores): top, its "
    "median CPU used during the fan-out (process CPU time / makespan, in cores) against its "
    "median makespan; bottom, its peak-memory growth during the fan-out (per in-flight item × "
    "items in flight, KiB; growth is measured in pages, so below 4 KiB reads as 0) against its "
    "median p99 latency. The black line joins the non-dominated strategies: no other costs as "
    "little (within 10%, a twentieth of a core or a page) and is faster beyond noise (the 95% "
    "CI of the ratio of medians excludes 1). A strategy off the line pays for nothing.")
# (row, cost key, its label, latency key, its label)
AXES = ((0, "cpu_util", "CPU used [cores]", "real_time", "makespan [ms]"),
        (1, "mem_kib", "memory growth per fan-out [KiB]", "p99_ms", "p99 latency [ms]"))


def _value(b, key: str) -> float:
    if key == "mem_kib":
        per, n = b.median("mem_per_item_bytes"), b.median("in_flight")
        return per * n / 1024 if math.isfinite(per) and math.isfinite(n) else math.nan
    return b.median(key)


# Costs closer than this count as equal: 10% of the cost, or a twentieth of a core, or one
# page of memory (growth is measured in pages).
COST_SHARE = 0.10
COST_FLOOR = {"cpu_util": 0.05, "mem_kib": 4.0}
SAMPLES = {"real_time": "real_time", "p99_ms": "p99_ms"}


def dominates(q, p, cost: str, lat: str) -> bool:
    """Whether q costs no more than p (within the tolerance) and is faster beyond noise: the 95%
    CI of p's latency over q's lies above 1 (stats.ratio_ci)."""
    (qc, _, qb), (pc, _, pb) = q, p
    if qb is pb or qc > pc + max(COST_SHARE * pc, COST_FLOOR[cost]):
        return False
    return ratio_ci(qb.samples(SAMPLES[lat]), pb.samples(SAMPLES[lat])).verdict == "slower"


def front(points, cost: str = "cpu_util", lat: str = "real_time") -> list:
    """The (cost, latency, bench) points that no other dominates, by cost."""
    pts = [p for p in points if math.isfinite(p[0]) and math.isfinite(p[1])]
    keep = [p for p in pts if not any(dominates(q, p, cost, lat) for q in pts)]
    return sorted(keep, key=lambda p: (p[0], p[1]))


def workloads(runs) -> list:
    """The fan-out workloads with benchmarks, in the registry's order."""
    return [w for w in registry_of(runs).workloads
            if any(sel.of_workload(r, w) for r in runs)]


def reps(run, workload: str) -> list:
    return [b for b in sel.at_representative_size(sel.of_workload(run, workload)).values()
            if not b.invalid]


def _panel(ax, runs, styles, workload: str, axis) -> list:
    _, cost, _, lat, _ = axis
    shown = []
    for ri, run in enumerate(runs):
        pts = [(_value(b, cost), _value(b, lat), b) for b in reps(run, workload)]
        for c, t, b in pts:
            if math.isfinite(c) and math.isfinite(t):
                kw = styles.line_kw(b.strategy, ri)
                kw["linestyle"] = "none"
                ci = median_ci(b.samples(SAMPLES[lat]))
                ax.errorbar([c], [t], yerr=[[max(t - ci.lo, 0)], [max(ci.hi - t, 0)]], **kw)
                shown.append(Point(ri, b.strategy, b.params.get("items", math.nan), b,
                                   b.samples("real_time")))
        f = front(pts, cost, lat)
        ax.plot([p[0] for p in f], [p[1] for p in f], color=IDEAL_COLOR,
                linestyle=run_linestyle(ri), linewidth=1.2, zorder=1, drawstyle="steps-post")
    ax.set_yscale("log")
    if cost == "mem_kib":
        # Zero growth (below a page) stays on the axis: linear up to a page, log beyond.
        ax.set_xscale("symlog", linthresh=4.0)
        ax.set_xlim(left=0)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    else:
        ax.set_xlim(left=0)
    return shown


def front_text(run, workload: str) -> str:
    """'futures_unordered (0.05 cores, 10.6 [10.5, 10.7] ms), ...': the cores-makespan front."""
    bs = reps(run, workload)
    f = front([(_value(b, "cpu_util"), _value(b, "real_time"), b) for b in bs])
    if not f:
        return ""
    items = num(bs[0].params.get("items")) if bs else "n/a"
    parts = [f"{b.strategy} ({num(c, 2)} {'core' if c == 1 else 'cores'}, "
             f"{ci_text(median_ci(b.samples('real_time')), num)} ms)" for c, _, b in f]
    return f"{workload} at {items} items: " + ", ".join(parts)


def answer(runs) -> str:
    out = []
    for run in runs:
        fronts = [x for x in (front_text(run, w) for w in workloads([run])) if x]
        if fronts:
            head = f"On {run.label}, t" if len(runs) > 1 else "T"
            out.append(f"{head}he strategies no other beats on both CPU used and makespan "
                       f"(median makespan [95% CI]) are, for " + "; for ".join(fronts) + ".")
    return " ".join(out)


def pareto(runs, styles, out_dir):
    ws = workloads(runs)
    if not ws:
        return None
    fig, axes = new_figure(len(ws), 2, width=3.6 * len(ws) + 1.0, height=7.6)
    shown = []
    for j, w in enumerate(ws):
        for axis in AXES:
            ax = axes[axis[0], j]
            shown += _panel(ax, runs, styles, w, axis)
            ax.set_xlabel(axis[2])
            ax.set_ylabel(axis[4] if j == 0 else "")
        axes[0, j].set_title(w)
    title = "Cost against latency: the non-dominated strategies per workload"
    extra = [Line2D([], [], color=IDEAL_COLOR, linewidth=1.2, label="non-dominated front")]
    points = shown
    finish(fig, runs, title, styles.strategy_handles(by_rank(points)) + extra
           + machine_handles(runs), ncol=5)
    cols = col("cpu_util", "CPU [cores]") + col("real_time", "makespan [ms]") + [
        median_col("mem_per_item_bytes", "memory per in-flight item [bytes]"),
        median_col("in_flight", "in flight")] + col("p99_ms", "p99 [ms]")
    headers, rows = table_rows(runs, points, cols)
    return FigureResult("pareto", title, CAPTION, headers, rows, "",
                        save(fig, out_dir, "pareto"), question=QUESTION, answer=answer(runs))
