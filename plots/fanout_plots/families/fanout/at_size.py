"""Fan-out figures of every strategy at one representative size per workload: latency
percentiles and CDF, CPU and memory cost, and efficiency against the workload's bound.
"""

from __future__ import annotations

import math

from matplotlib.lines import Line2D
from matplotlib.ticker import FixedFormatter, FixedLocator, NullLocator

from ... import select as sel
from ...draw import Point, hpanel
from ...figure import (MAKESPAN, FigureResult, by_rank, col, handles, median_col, panel_title,
                       rep_points, samples, table_rows, workloads_with)
from ...output import num
from ...results import registry_of
from ...style import IDEAL_COLOR, finish, machine_handles, new_figure, run_linestyle, save, tag

PCTS = (("p50_ms", "p50", "o"), ("p90_ms", "p90", "s"), ("p99_ms", "p99", "^"))
CDF_TICKS = (0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999)


def _y(cats, p, nruns: int, height: float) -> float:
    return cats.index(p.category) + (p.run_i - (nruns - 1) / 2) * height


def _strategy_axis(ax, cats) -> None:
    ax.set_yticks(range(len(cats)), cats)
    ax.set_ylim(len(cats) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)


def _panels(runs, key: str):
    """The workloads that have `key`, their points, and one shared strategy axis."""
    workloads = workloads_with(runs, key, registry_of(runs).workloads)
    per = {w: rep_points(runs, w, samples(key)) for w in workloads}
    per = {w: ps for w, ps in per.items() if ps}
    return per, by_rank([p for ps in per.values() for p in ps])


def latency_percentiles(runs, styles, out_dir):
    per, cats = _panels(runs, "p50_ms")
    if not per:
        return None
    fig, axes = new_figure(len(per), width=3.6 * len(per) + 1.8, height=0.55 * len(cats) + 2.2,
                           sharey=True)
    height = 0.75 / len(runs)
    # p50, p90 and p99 one above the other within a strategy's row, so that close percentiles
    # never hide one another.
    dodge = height / (len(PCTS) + 1)
    for ax, (w, points) in zip(axes[0], per.items()):
        for p in points:
            y = _y(cats, p, len(runs), height)
            color = styles.color(p.strategy)
            meds = [p.bench.median(k) for k, _, _ in PCTS]
            ys = [y + (i - 1) * dodge for i in range(len(PCTS))]
            ax.plot(meds, ys, color=color, linestyle=run_linestyle(p.run_i), linewidth=1,
                    gid=tag(p.strategy, p.run_i))
            for (key, _, marker), yi in zip(PCTS, ys):
                q = Point(p.run_i, p.strategy, p.x, p.bench, p.bench.samples(key))
                ax.errorbar(q.med, yi, xerr=[[q.med - q.lo], [q.hi - q.med]], marker=marker,
                            color=color, linestyle="none", markersize=6,
                            markerfacecolor="white" if p.run_i % 2 else color)
        _strategy_axis(ax, cats)
        ax.set_xscale("log")
        ax.set_title(panel_title(w, points))
    fig.supxlabel("per-item latency [ms]")
    title = "Per-item latency percentiles per strategy"
    marks = [Line2D([], [], color="0.3", marker=m, linestyle="none", label=lab)
             for _, lab, m in PCTS]
    finish(fig, runs, title, marks + machine_handles(runs), ncol=5)
    cols = []
    for key, lab, _ in PCTS:
        cols += col(key, f"{lab} [ms]")
    cols += [median_col("max_ms", "max [ms]"), median_col("late_ms_p99", "late p99 [ms]"),
             median_col("timer_late_ms_p99", "timer late p99 [ms]")]
    all_points = [p for ps in per.values() for p in ps]
    headers, rows = table_rows(runs, all_points, cols)
    return FigureResult(
        "latency_percentiles", title,
        "Each row is a strategy at the workload's most common size (workers = cores), its "
        "circle, square and triangle (top to bottom) the medians of p50, p90 and p99 of the "
        "time from fan-out start to an item's result reaching the consumer (bars: the 95% CI "
        "of the median). A long spread from circle to triangle means items finish unevenly. "
        "In the table, `late p99` is the poll delay between an item's event and its delivery (received − completed), `timer late p99` "
        "the timer's own lateness (fired − deadline; n/a for work without a wait).",
        headers, rows, "", save(fig, out_dir, "latency_percentiles"))


def _cdf_levels(items: float) -> list:
    # The maximum of N items sits near quantile 1 - 1/(2N) (Hazen's plotting position).
    top = 1 - 1 / (2 * items) if math.isfinite(items) and items >= 2 else 0.995
    return [("p50_ms", 0.5), ("p90_ms", 0.9), ("p99_ms", 0.99), ("max_ms", max(top, 0.991))]


def latency_cdf(runs, styles, out_dir):
    per, _ = _panels(runs, "p50_ms")
    if not per:
        return None
    fig, axes = new_figure(len(per), width=3.0 * len(per) + 1.8, height=4.6, sharey=True)
    for ax, (w, points) in zip(axes[0], per.items()):
        for p in points:
            levels = _cdf_levels(p.bench.params.get("items", math.nan))
            stats = [Point(p.run_i, p.strategy, p.x, p.bench, p.bench.samples(k))
                     for k, _ in levels]
            xs = [q.med for q in stats]
            ok = [i for i, v in enumerate(xs) if math.isfinite(v)]
            if not ok:
                continue
            kw = styles.line_kw(p.strategy, p.run_i)
            ax.errorbar([xs[i] for i in ok], [levels[i][1] for i in ok],
                        xerr=[[stats[i].med - stats[i].lo for i in ok],
                              [stats[i].hi - stats[i].med for i in ok]],
                        drawstyle="steps-post", **kw)
        ax.set_xscale("log")
        ax.set_yscale("logit")
        ax.set_title(panel_title(w, points))
        top = max(level for p in points for _, level in _cdf_levels(
            p.bench.params.get("items", math.nan)))
        ax.set_ylim(0.4, 1 - (1 - top) / 2)
        ax.yaxis.set_major_locator(FixedLocator(CDF_TICKS))
        ax.yaxis.set_major_formatter(FixedFormatter([f"{t:g}" for t in CDF_TICKS]))
        ax.yaxis.set_minor_locator(NullLocator())
    fig.supxlabel("per-item latency [ms]")
    axes[0, 0].set_ylabel("fraction of items done")
    title = "Approximate latency CDF (from the p50, p90, p99 and max counters)"
    all_points = [p for ps in per.values() for p in ps]
    finish(fig, runs, title, handles(runs, styles, all_points), ncol=4)
    cols = []
    for key, lab in (("p50_ms", "p50"), ("p90_ms", "p90"), ("p99_ms", "p99"), ("max_ms", "max")):
        cols += col(key, f"{lab} [ms]")
    headers, rows = table_rows(runs, all_points, cols)
    return FigureResult(
        "latency_cdf", title,
        "An approximation: the JSON holds no per-item latencies, so each step curve joins only "
        "the median p50, p90, p99 and max of a strategy (max placed at quantile 1 − 1/(2N)), "
        "on a logit scale that spreads the tail, with bars their 95% CIs. Read the "
        "fraction of items done by a given time; a curve far to the right at the top is a "
        "strategy whose slowest items lag.",
        headers, rows, "", save(fig, out_dir, "latency_cdf"))


def _bar_figure(runs, styles, out_dir, key, name, title, xlabel, scale, ref, caption, header):
    per, cats = _panels(runs, key)
    if not per:
        return None
    fig, axes = new_figure(len(per), width=3.0 * len(per) + 1.8, height=4.8, sharey=True)
    for ax, (w, points) in zip(axes[0], per.items()):
        scaled = [Point(p.run_i, p.strategy, p.x, p.bench, p.values * scale, p.category)
                  for p in points]
        hpanel(ax, scaled, styles, len(runs), bars=True, categories=cats)
        top = max(p.hi for p in scaled)
        if ref:
            # A core line far beyond the bars (another machine's 64 cores) is left out rather
            # than squeezing the bars; the legend gives every machine's count.
            top = max(top, min(ref(r) for r in runs))
            for ri, run in enumerate(runs):
                ax.axvline(ref(run), color=IDEAL_COLOR, linestyle=run_linestyle(ri),
                           linewidth=1.2)
        ax.set_xlim(0, top * 1.1 if top > 0 else 1)
        ax.set_title(panel_title(w, points))
    fig.supxlabel(xlabel)
    all_points = [p for ps in per.values() for p in ps]
    label = "cores: " + ", ".join(f"{r.cores} ({r.label})" if len(runs) > 1 else str(r.cores)
                                  for r in runs)
    extra = [Line2D([], [], color=IDEAL_COLOR, linewidth=1.2, label=label)] if ref else []
    finish(fig, runs, title, extra + machine_handles(runs, bars=True), ncol=4)
    cols = col(key, header) + col("real_time", MAKESPAN) + [
        median_col("in_flight", "in flight (measured max)"),
        median_col("os_threads", "OS threads")]
    headers, rows = table_rows(runs, all_points, cols)
    return FigureResult(name, title, caption, headers, rows, "", save(fig, out_dir, name))


def cost_cpu(runs, styles, out_dir):
    return _bar_figure(
        runs, styles, out_dir, "cpu_util", "cost_cpu", "Cost: CPU used during a fan-out",
        "CPU utilisation [cores]", 1.0, lambda r: r.cores,
        "Each bar is a strategy's median process CPU time divided by the makespan, in cores, "
        "at the workload's most common size, with bars its 95% CI; the black "
        "line is the machine's core count. For waiting work a good strategy stays near zero, "
        "for computing work near the core count.", "CPU [cores]")


def _over_ideal(runs, workload: str) -> list:
    """Each strategy's makespans over the workload's best bound at its representative size."""
    points = []
    for ri, run in enumerate(runs):
        reps = sel.at_representative_size(sel.of_workload(run, workload))
        ideal = sel.best_ideal(reps.values())
        for s, b in reps.items():
            vals = b.samples("real_time") / ideal
            if vals.size and math.isfinite(ideal):
                points.append(Point(ri, s, b.params.get("items", math.nan), b, vals, workload))
    return points


def efficiency(runs, styles, out_dir):
    per = {w: _over_ideal(runs, w) for w in registry_of(runs).workloads}
    per = {w: ps for w, ps in per.items() if ps}
    if not per:
        return None
    points = [p for ps in per.values() for p in ps]
    cats = by_rank(points)
    fig, axes = new_figure(len(per), width=3.0 * len(per) + 1.8, height=4.8, sharey=True)
    for ax, (w, ps) in zip(axes[0], per.items()):
        rows = [Point(p.run_i, p.strategy, p.x, p.bench, p.values, p.strategy) for p in ps]
        hpanel(ax, rows, styles, len(runs), bars=False, log=True, categories=cats)
        ax.axvline(1.0, color=IDEAL_COLOR, linewidth=1.2)
        ax.set_title(panel_title(w, ps))
    fig.supxlabel("makespan / the workload's ideal [×]")
    title = "Overview: how far each strategy runs from the ideal"
    finish(fig, runs, title, [Line2D([], [], color=IDEAL_COLOR, linewidth=1.2,
                                     label="ideal (1×)")] + machine_handles(runs), ncol=4)
    cols = col("real_time", MAKESPAN) + [("× ideal", lambda p: num(p.med)),
                                         median_col("efficiency", "efficiency of its config")]
    headers, rows = table_rows(runs, points, cols)
    return FigureResult(
        "efficiency", title,
        "Each marker is a strategy's median makespan divided by the workload's best physical "
        "bound at that size (the smallest ideal_ms of any strategy: the longest wait, or the "
        "computing spread over the cores), bars its 95% CI, log scale. 1× is "
        "ideal; the table also gives each configuration's own efficiency counter (its own "
        "bound / makespan, which for sequential is its serial bound).",
        headers, rows, "", save(fig, out_dir, "efficiency"))
