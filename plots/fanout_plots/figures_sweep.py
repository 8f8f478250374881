"""Figures along a swept parameter (items, workers, limit), each with its ideal line.

With one value of the parameter (the quick profile) a sweep draws as one marker per strategy.
"""

from __future__ import annotations

import math

import numpy as np

from . import select as sel
from .draw import draw_ideal, sweep_panel, sweep_points
from .figbase import (MAKESPAN, FigureResult, col, handles, ideal_handle, samples,
                      table_rows)
from .output import num, pct, ratio
from .style import finish, new_figure, save


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


def wait_makespan(runs, styles, out_dir):
    points, series = sweep_points(runs, "wait", "items", samples("real_time"))
    if not points:
        return None
    tput, _ = sweep_points(runs, "wait", "items", samples("items_per_second"))
    fig, axes = new_figure(2, width=9.0, height=4.6)
    xlabel = "items per fan-out"
    strip = sweep_panel(axes[0, 0], runs, styles, points, "items", xlabel, MAKESPAN)
    sweep_panel(axes[0, 1], runs, styles, tput, "items", xlabel, "throughput [items/s]")
    for ri, _, _, ser in series:
        xs, ys = _best_ideal_by_x(ser, "items")
        draw_ideal(axes[0, 0], xs, ys, ri, strip, "ideal")
        draw_ideal(axes[0, 1], xs, xs / ys * 1000.0, ri, strip, "ideal")
    axes[0, 0].set_title("makespan (lower is better)")
    axes[0, 1].set_title("throughput (higher is better)")
    title = "Wait-bound work: makespan and throughput against items"
    finish(fig, runs, title, handles(runs, styles, points, [ideal_handle(
        "ideal: longest single wait")]), ncol=4)
    cols = col("real_time", MAKESPAN) + [
        ("× ideal", _ratio_to_best(series, "items")),
        ("ideal of its config [ms]", lambda p: num(p.bench.median("ideal_ms")))]
    cols += col("items_per_second", "throughput [items/s]")
    headers, rows = table_rows(runs, points, cols)
    return FigureResult(
        "wait_makespan", title,
        "Each line is one strategy's median makespan (left) and throughput (right) for one "
        "fan-out of N simulated requests, with bars spanning the fastest to the slowest "
        "repetition. The black line is the bound with unbounded concurrency (the longest "
        "single wait), so the gap above it is what a strategy adds to the waiting itself.",
        headers, rows, _config(series, "items"), save(fig, out_dir, "wait_makespan"))


def _speedup(b, benches, run):
    seq = sel.baseline(b, benches)
    if seq is None:
        return np.array([])
    return seq.median("real_time") / b.samples("real_time")


def cpu_speedup(runs, styles, out_dir):
    by_w, ser_w = sweep_points(runs, "cpu", "workers", _speedup)
    by_i, ser_i = sweep_points(runs, "cpu", "items", _speedup)
    if not by_w and not by_i:
        return None
    fig, axes = new_figure(2, width=9.0, height=4.8)
    ylabel = "speedup over sequential [×]"
    strip_w = sweep_panel(axes[0, 0], runs, styles, by_w, "workers", "workers [threads]",
                          ylabel, logy=False)
    strip_i = sweep_panel(axes[0, 1], runs, styles, by_i, "items", "items per fan-out",
                          ylabel, logy=False)
    for ri, run, benches, ser in ser_w:
        items = sel.modal_params(benches).get("items", math.inf)
        xs = np.array(sorted({b.params["workers"] for bs in ser.values() for b in bs}), float)
        draw_ideal(axes[0, 0], xs, np.minimum(np.minimum(xs, run.cores), items), ri, strip_w,
                   "ideal")
    for ri, run, _, ser in ser_i:
        xs = np.array(sorted({b.params["items"] for bs in ser.values() for b in bs}), float)
        draw_ideal(axes[0, 1], xs, np.minimum(xs, run.cores), ri, strip_i, "ideal")
    top = max([p.hi for p in by_w + by_i] + [r.cores for r in runs]) * 1.12
    for ax in axes[0]:
        ax.set_ylim(0, top)
    axes[0, 0].set_title("against workers")
    axes[0, 1].set_title("against items")
    title = "CPU-bound work: speedup over sequential"
    finish(fig, runs, title, handles(runs, styles, by_w + by_i, [ideal_handle(
        "ideal: min(cores, workers, items)")]), ncol=4)
    cols = [("speedup [×]", lambda p: num(p.med)), ("CV speedup", lambda p: pct(p.cv))]
    headers, rows = table_rows(runs, by_w + by_i, cols + col("real_time", MAKESPAN))
    return FigureResult(
        "cpu_speedup", title,
        "Each marker is a strategy's median speedup (sequential makespan at the same items and "
        "frames divided by its makespan) against workers (left) and items (right), with bars "
        "spanning the repetitions. The black line is the ideal min(cores, workers, items): on "
        "it a strategy uses every core it may, below it time goes to scheduling or idle cores.",
        headers, rows, _config(ser_i or ser_w, "items"), save(fig, out_dir, "cpu_speedup"))


def bounded_limit(runs, styles, out_dir):
    workloads = [w for w in ("wait", "mixed") if any(
        "limit" in b.params for r in runs for b in sel.of_workload(r, w))]
    if not workloads:
        return None
    fig, axes = new_figure(len(workloads), width=4.5 * len(workloads) + 1, height=4.6)
    all_points, all_series = [], []
    for ax, w in zip(axes[0], workloads):
        points, series = sweep_points(runs, w, "limit", samples("real_time"))
        strip = sweep_panel(ax, runs, styles, points, "limit", "limit (max items in flight)",
                            MAKESPAN)
        for ri, _, _, ser in series:
            # The ideal schedule depends on the latencies and the limit, not on the order
            # results are taken in, so any strategy's ideal_ms serves.
            xs, ys = _best_ideal_by_x(ser, "limit")
            draw_ideal(ax, xs, ys, ri, strip, "ideal")
        items = {p.bench.params.get("items") for p in points} - {None}
        ax.set_title(f"{w}, {num(items.pop())} items" if len(items) == 1 else w)
        all_points += points
        all_series += series
    title = "Bounded concurrency: makespan against the limit"
    finish(fig, runs, title, handles(runs, styles, all_points, [ideal_handle(
        "ideal schedule of the waits on `limit` slots")]), ncol=3)
    cols = col("real_time", MAKESPAN) + [
        ("ideal [ms]", lambda p: num(p.bench.median("ideal_ms"))),
        ("× ideal", lambda p: num(ratio(p.bench.median("real_time"),
                                        p.bench.median("ideal_ms"))))]
    headers, rows = table_rows(runs, all_points, cols + col("p99_ms", "p99 [ms]"))
    return FigureResult(
        "bounded_limit", title,
        "Each line is the median makespan of a limited strategy (at most `limit` items in "
        "flight) against the limit, with bars spanning the repetitions; buffer_unordered "
        "yields in completion order, buffered in input order. The black line is the ideal "
        "greedy schedule of the same waits on `limit` slots (ceil(N/limit) × latency for a "
        "fixed latency), so distance above it is the cost of the ordering and the polling.",
        headers, rows, _config(all_series, "limit"), save(fig, out_dir, "bounded_limit"))


def mixed(runs, styles, out_dir):
    points, series = sweep_points(runs, "mixed", "items", samples("real_time"))
    if not points:
        return None
    p99, _ = sweep_points(runs, "mixed", "items", samples("p99_ms"))
    fig, axes = new_figure(2, width=9.0, height=4.8)
    xlabel = "items per fan-out"
    strip = sweep_panel(axes[0, 0], runs, styles, points, "items", xlabel, MAKESPAN)
    sweep_panel(axes[0, 1], runs, styles, p99, "items", xlabel, "p99 item latency [ms]")
    for ri, _, _, ser in series:
        xs, ys = _best_ideal_by_x(ser, "items")
        draw_ideal(axes[0, 0], xs, ys, ri, strip, "ideal")
    axes[0, 0].set_title("makespan")
    axes[0, 1].set_title("p99 latency of an item")
    title = "Mixed work (a request, then a transcode of its result)"
    finish(fig, runs, title, handles(runs, styles, points, [ideal_handle(
        "ideal: best bound of any strategy")]), ncol=4)
    cols = col("real_time", MAKESPAN) + [("× ideal", _ratio_to_best(series, "items"))]
    cols += col("p99_ms", "p99 [ms]") + col("cpu_util", "CPU [cores]")
    headers, rows = table_rows(runs, points, cols)
    return FigureResult(
        "mixed", title,
        "Left, each strategy's median makespan for a fan-out in which every item waits and "
        "then computes; right, the p99 of an item's latency; bars span the repetitions. The "
        "black line is the best bound of any strategy at that size, so a strategy near it "
        "overlaps the waits and keeps the cores busy with the computing.",
        headers, rows, _config(series, "items"), save(fig, out_dir, "mixed"))
