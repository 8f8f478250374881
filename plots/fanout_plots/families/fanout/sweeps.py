"""Fan-out figures along a swept parameter (items, workers, limit), each with its ideal line.

With one value of the parameter (the quick profile) a sweep draws as one marker per strategy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from matplotlib.lines import Line2D

from ... import select as sel
from ... import validity
from ...draw import at_cores, draw_ideal, sweep_panel, sweep_points
from .marks import answer_at_largest, mark_skipped, own_bounds
from ...figure import (MAKESPAN, FigureResult, col, handles, ideal_handle, median_col,
                       point_col, samples, table_rows)
from ...output import num, ratio
from ...results import registry_of
from ...style import finish, new_figure, save


def _best_ideal_by_x(ser: dict, x: str) -> tuple:
    """At each x, the smallest ideal_ms of any strategy: the bound with most concurrency."""
    by_x: dict = {}
    for bs in ser.values():
        for b in bs:
            v = b.median("ideal_ms")
            if math.isfinite(v) and v > 0:
                by_x[b.params[x]] = min(v, by_x.get(b.params[x], math.inf))
    xs = sorted(by_x)
    return np.array(xs, dtype=float), np.array([by_x[k] for k in xs], dtype=float)


def _config(series_list, x: str) -> str:
    parts = []
    for _, run, _, ser in series_list:
        fixed = sel.fixed_params(ser, x) if ser else ""
        if fixed:
            parts.append(f"{run.label}: {fixed}" if len(series_list) > 1 else fixed)
    return ("Parameters fixed in every series: " + "; ".join(parts) + ".") if parts else ""


def _ratio_to_best(series, x: str):
    best = {}
    for ri, _, _, ser in series:
        xs, ys = _best_ideal_by_x(ser, x)
        best.update({(ri, xv): yv for xv, yv in zip(xs, ys)})
    return lambda p: num(ratio(p.bench.median("real_time"), best.get((p.run_i, p.x))))


@dataclass
class _AgainstItems:
    """A figure of two panels against items: the makespan left, another counter right."""

    name: str
    workload: str
    title: str
    right: tuple  # (counter, axis label)
    panel_titles: tuple
    ideal_label: str
    caption: str
    columns: list = field(default_factory=list)  # after makespan and × ideal
    right_ideal: object = None  # (xs, ideal makespans) -> the ideal of the right panel
    height: float = 4.8
    question: str = ""
    answer: object = None  # (runs, points) -> the answer sentence
    right_line: object = None  # run -> a horizontal reference of the right panel (cores)
    own_bounds: bool = False  # each series' own ideal_ms, dotted in its colour


def _against_items(runs, styles, out_dir, spec: _AgainstItems):
    points, series = sweep_points(runs, spec.workload, "items", samples("real_time"),
                                  keep=at_cores)
    if not points:
        return None
    right, _ = sweep_points(runs, spec.workload, "items", samples(spec.right[0]), keep=at_cores)
    fig, axes = new_figure(2, width=9.0, height=spec.height)
    xlabel = "items per fan-out"
    strip = sweep_panel(axes[0, 0], runs, styles, points, "items", xlabel, MAKESPAN)
    sweep_panel(axes[0, 1], runs, styles, right, "items", xlabel, spec.right[1])
    for ri, run, _, ser in series:
        xs, ys = _best_ideal_by_x(ser, "items")
        draw_ideal(axes[0, 0], xs, ys, ri, strip, "ideal")
        if spec.right_ideal:
            draw_ideal(axes[0, 1], xs, spec.right_ideal(xs, ys), ri, strip, "ideal")
        if spec.right_line:
            draw_ideal(axes[0, 1], xs, np.full(xs.shape, spec.right_line(run)), ri, strip, "")
        if spec.own_bounds:
            own_bounds(axes[0], styles, ri, ser, spec.right_ideal)
    extra = ([Line2D([], [], color="0.35", linestyle=":", label="its own bound (dotted)")]
             + mark_skipped(axes[0, 0], runs, spec.workload) if spec.own_bounds else [])
    for ax, title in zip(axes[0], spec.panel_titles):
        ax.set_title(title)
    finish(fig, runs, spec.title, handles(runs, styles, points, [ideal_handle(
        spec.ideal_label)] + extra), ncol=4)
    cols = col("real_time", MAKESPAN) + [("× ideal", _ratio_to_best(series, "items"))]
    headers, rows = table_rows(runs, points, cols + spec.columns)
    return FigureResult(spec.name, spec.title, spec.caption, headers, rows,
                        _config(series, "items"), save(fig, out_dir, spec.name),
                        question=spec.question,
                        answer=spec.answer(runs, points) if spec.answer else "")


def wait_makespan(runs, styles, out_dir):
    return _against_items(runs, styles, out_dir, _AgainstItems(
        "wait_makespan", "wait", "Wait-bound work: makespan and throughput against items",
        ("items_per_second", "throughput [items/s]"),
        ("makespan (lower is better)", "throughput (higher is better)"),
        "ideal: longest single wait",
        "Each line is one strategy's median makespan (left) and throughput (right) for one "
        "fan-out of N simulated requests at workers = cores, with bars the 95% CI of the "
        "median; the dotted line in its colour is its own bound (its configuration's ideal: "
        "a limit or a worker count serialises the waits). The black line is the bound with "
        "unbounded concurrency (the longest single wait). Markers at the top are sizes not "
        "measured, with the reason in the legend (and the Warnings).",
        [median_col("ideal_ms", "ideal of its config [ms]")]
        + col("items_per_second", "throughput [items/s]"),
        right_ideal=lambda xs, ys: xs / ys * 1000.0, height=4.9,
        question="How does each strategy's makespan grow with the number of waits it fans out, "
                 "and how close does it stay to its own bound?",
        answer=answer_at_largest, own_bounds=True))


def mixed(runs, styles, out_dir):
    return _against_items(runs, styles, out_dir, _AgainstItems(
        "mixed", "mixed", "Mixed work (a request, then a transcode of its result)",
        ("cpu_util", "CPU used [cores]"), ("makespan", "CPU used during the fan-out"),
        "ideal: best bound of any strategy (left); the machine's cores (right)",
        "At workers = cores: left, each strategy's median makespan for a fan-out in which "
        "every item waits and then computes; right, the CPU it used meanwhile (process CPU "
        "time / makespan); bars are 95% CIs. The black line is the best bound of any "
        "strategy at that size (left) and the core count (right): a strategy near both "
        "overlaps the waits and keeps the cores busy with the computing.",
        col("cpu_util", "CPU [cores]") + col("p99_ms", "p99 [ms]"),
        question="Which strategy overlaps waiting with computing, keeping the cores busy "
                 "without adding to the makespan?",
        answer=answer_at_largest, right_line=lambda run: float(run.cores)))


def _speedup(b, benches, run):
    """T1 / each repetition's makespan, T1 = items x the calibrated compute_ms."""
    return validity.speedup_samples(b)


def _speedup_columns(runs) -> list:
    """Speedup over T1 beside the measured sequential makespan and the speedup over it."""
    def seq(p):
        return sel.baseline(p.bench, sel.of_workload(runs[p.run_i], p.bench.workload))

    def bound(p):
        return num(validity.speedup_bound(p.bench, runs[p.run_i].registry, runs[p.run_i].cores))

    return [point_col("speedup over T1 [×]"), ("T1 [ms]", lambda p: num(validity.t1(p.bench))),
            ("bound [×]", bound), ("valid", lambda p: "no" if p.invalid else "yes"),
            ("sequential [ms]", lambda p: num(seq(p).median() if seq(p) else None)),
            ("speedup over sequential [×]", lambda p: num(
                ratio(seq(p).median(), p.bench.median()) if seq(p) else None))]


def _speedup_ideals(axes, strips, ser_w, ser_i) -> None:
    """min(cores, workers, items) against workers; min(cores, items) against items."""
    for ri, run, benches, ser in ser_w:
        items = sel.modal_params(benches).get("items", math.inf)
        xs = np.array(sorted({b.params["workers"] for bs in ser.values() for b in bs}), float)
        draw_ideal(axes[0, 0], xs, np.minimum(np.minimum(xs, run.cores), items), ri, strips[0],
                   "ideal")
    for ri, run, _, ser in ser_i:
        xs = np.array(sorted({b.params["items"] for bs in ser.values() for b in bs}), float)
        draw_ideal(axes[0, 1], xs, np.minimum(xs, run.cores), ri, strips[1], "ideal")


def cpu_speedup(runs, styles, out_dir):
    by_w, ser_w = sweep_points(runs, "cpu", "workers", _speedup)
    by_i, ser_i = sweep_points(runs, "cpu", "items", _speedup)
    if not by_w and not by_i:
        return None
    fig, axes = new_figure(2, width=9.0, height=4.8)
    ylabel = "speedup over T1 [×]"
    strips = (sweep_panel(axes[0, 0], runs, styles, by_w, "workers", "workers [threads]",
                          ylabel, logy=False),
              sweep_panel(axes[0, 1], runs, styles, by_i, "items", "items per fan-out",
                          ylabel, logy=False))
    _speedup_ideals(axes, strips, ser_w, ser_i)
    top = max([p.hi for p in by_w + by_i] + [r.cores for r in runs]) * 1.12
    for ax in axes[0]:
        ax.set_ylim(0, top)
    axes[0, 0].set_title("against workers")
    axes[0, 1].set_title("against items")
    title = "CPU-bound work: speedup over T1 (items × compute_ms)"
    finish(fig, runs, title, handles(runs, styles, by_w + by_i, [ideal_handle(
        "ideal: min(cores, workers, items)")]), ncol=4)
    headers, rows = table_rows(runs, by_w + by_i, _speedup_columns(runs)
                               + col("real_time", MAKESPAN))
    return FigureResult(
        "cpu_speedup", title,
        "Each marker is a strategy's speedup over T1 = items × compute_ms (the calibrated "
        "single-thread computation of the fan-out, divided by each repetition's makespan) "
        "against workers (left) and items (right), median and 95% CI. The black line is the "
        "ideal min(cores, workers, items): on it a strategy uses every core it may, below it "
        "time goes to scheduling or idle cores; a red cross marks a point beyond its bound "
        "(invalid, see Warnings). The table sets the measured sequential makespan beside T1.",
        headers, rows, _config(ser_i or ser_w, "items"), save(fig, out_dir, "cpu_speedup"))


def latency_key(b) -> tuple:
    """A panel of the limit sweep: the workload and its latency distribution (median, p99)."""
    p = b.params
    return (b.workload, p.get("latency_ms"), p.get("latency_p99_ms", p.get("latency_ms")))


def _limit_panel(axes, j: int, runs, styles, key: tuple) -> tuple:
    """Column j: the makespan (top) and the p99 item latency (bottom) against the limit."""
    def keep(b) -> bool:
        return latency_key(b) == key
    p99, _ = sweep_points(runs, key[0], "limit", samples("p99_ms"), keep=keep)
    sweep_panel(axes[1, j], runs, styles, p99, "limit", "limit (max items in flight)",
                "p99 item latency [ms]")
    ax = axes[0, j]
    points, series = sweep_points(runs, key[0], "limit", samples("real_time"), keep=keep)
    strip = sweep_panel(ax, runs, styles, points, "limit", "limit (max items in flight)",
                        MAKESPAN)
    for ri, _, _, ser in series:
        # The ideal schedule depends on the latencies and the limit, not on the order
        # results are taken in, so any strategy's ideal_ms serves.
        xs, ys = _best_ideal_by_x(ser, "limit")
        draw_ideal(ax, xs, ys, ri, strip, "ideal")
    items = {p.bench.params.get("items") for p in points} - {None}
    latency = (f"{num(key[1])} ms" if key[1] == key[2] else
               f"lognormal, median {num(key[1])} ms, p99 {num(key[2])} ms")
    ax.set_title(f"{key[0]}, {num(items.pop())} items\n{latency}" if len(items) == 1 else
                 f"{key[0]}\n{latency}", fontsize=11)
    return points, series


def _bounded_caption(runs) -> str:
    bounded = registry_of(runs).bounded()
    which = (f" (those with a limit: {', '.join(bounded)})" if bounded else "")
    return (
        f"Each line is the median makespan of a bounded strategy{which}, at most `limit` items "
        "in flight, against the limit, with bars its 95% CI. The black line is "
        "the ideal greedy schedule of the same waits on `limit` slots (ceil(N/limit) × latency "
        "for a fixed latency), so distance above it is the cost of the ordering and the "
        "polling. Bottom, the p99 of an item's latency to the consumer: under a long tail, "
        "ordered delivery holds finished items behind a slow one. Where the strategies "
        "coincide (a fixed latency) the line drawn last hides the others; the table gives "
        "every one.")


def waiting_workloads(runs) -> list:
    """The workloads whose items wait (they have a latency): those a limit schedules."""
    registry = registry_of(runs)
    return [w for w in registry.workloads if "latency_ms" in registry.workload_params[w]]


def limit_panels(runs) -> list:
    """The (workload, latency) panels whose bounded strategies ran two limits or more."""
    counts: dict = {}
    for r in runs:
        for w in waiting_workloads(runs):
            for b in sel.of_workload(r, w):
                if "limit" in b.params:
                    counts.setdefault(latency_key(b), set()).add(b.params["limit"])
    keys = [k for k, limits in counts.items() if len(limits) > 1] or list(counts)
    return sorted(keys, key=lambda k: (waiting_workloads(runs).index(k[0]), k[2] != k[1]))


def bounded_limit(runs, styles, out_dir):
    panels = limit_panels(runs)
    if not panels:
        return None
    fig, axes = new_figure(len(panels), 2, width=4.5 * len(panels) + 1, height=8.4)
    all_points, all_series = [], []
    for j, key in enumerate(panels):
        points, series = _limit_panel(axes, j, runs, styles, key)
        all_points += points
        all_series += series
    title = "Bounded concurrency: makespan and p99 latency against the limit"
    finish(fig, runs, title, handles(runs, styles, all_points, [ideal_handle(
        "ideal schedule of the waits on `limit` slots")]), ncol=3)
    cols = col("real_time", MAKESPAN) + [
        median_col("ideal_ms", "ideal [ms]"),
        ("× ideal", lambda p: num(ratio(p.bench.median("real_time"),
                                        p.bench.median("ideal_ms"))))]
    headers, rows = table_rows(runs, all_points, cols + col("p99_ms", "p99 [ms]"))
    return FigureResult("bounded_limit", title, _bounded_caption(runs), headers, rows,
                        _config(all_series, "limit"), save(fig, out_dir, "bounded_limit"))
