"""Figures of every strategy at one representative size per workload: latency, cost,
efficiency; and a generic figure for workloads the report has no special figure for (hazards).
"""

from __future__ import annotations

import math
import re

from matplotlib.lines import Line2D
from matplotlib.ticker import FixedFormatter, FixedLocator, NullLocator

from . import hazards
from . import select as sel
from .draw import Point, hpanel, spans_decades
from .figbase import (MAKESPAN, FigureResult, col, handles, panel_title, rep_points,
                      samples, strategy_rank, table_rows, workloads_with)
from .load import PARAM_COUNTERS
from .output import num
from .style import IDEAL_COLOR, finish, machine_handles, new_figure, run_linestyle, save

PCTS = (("p50_ms", "p50", "o"), ("p90_ms", "p90", "s"), ("p99_ms", "p99", "^"))
CDF_TICKS = (0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999)


def _categories(points) -> list:
    return sorted({p.category for p in points}, key=lambda s: (strategy_rank(s), s))


def _y(cats, p, nruns: int, height: float) -> float:
    return cats.index(p.category) + (p.run_i - (nruns - 1) / 2) * height


def _strategy_axis(ax, cats) -> None:
    ax.set_yticks(range(len(cats)), cats)
    ax.set_ylim(len(cats) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)


def _panels(runs, key: str):
    """The core workloads that have `key`, their points, and one shared strategy axis."""
    workloads = workloads_with(runs, key)
    per = {w: rep_points(runs, w, samples(key)) for w in workloads}
    per = {w: ps for w, ps in per.items() if ps}
    cats = _categories([p for ps in per.values() for p in ps])
    return per, cats


def latency_percentiles(runs, styles, out_dir):
    per, cats = _panels(runs, "p50_ms")
    if not per:
        return None
    fig, axes = new_figure(len(per), width=3.0 * len(per) + 1.8, height=4.8, sharey=True)
    height = 0.6 / len(runs)
    for ax, (w, points) in zip(axes[0], per.items()):
        for p in points:
            y = _y(cats, p, len(runs), height)
            color = styles.color(p.strategy)
            meds = [p.bench.median(k) for k, _, _ in PCTS]
            ax.plot(meds, [y] * 3, color=color, linestyle=run_linestyle(p.run_i), linewidth=1)
            for key, _, marker in PCTS:
                q = Point(p.run_i, p.strategy, p.x, p.bench, p.bench.samples(key))
                ax.errorbar(q.med, y, xerr=[[q.med - q.lo], [q.hi - q.med]], marker=marker,
                            color=color, linestyle="none",
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
    cols += [("max [ms]", lambda p: num(p.bench.median("max_ms"))),
             ("late p99 [ms]", lambda p: num(p.bench.median("late_ms_p99")))]
    all_points = [p for ps in per.values() for p in ps]
    headers, rows = table_rows(runs, all_points, cols)
    return FigureResult(
        "latency_percentiles", title,
        "Each row is a strategy at the workload's most common size, its circle, square and "
        "triangle the medians of p50, p90 and p99 of the time from fan-out start to an item's "
        "result reaching the consumer (bars span the repetitions). A long spread from circle "
        "to triangle means items finish unevenly; `late p99` in the table is the poll delay "
        "between an item's event and its delivery.",
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
        "on a logit scale that spreads the tail, with bars spanning the repetitions. Read the "
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
        ("in flight", lambda p: num(p.bench.median("in_flight"))),
        ("threads", lambda p: num(p.bench.median("threads")))]
    headers, rows = table_rows(runs, all_points, cols)
    return FigureResult(name, title, caption, headers, rows, "", save(fig, out_dir, name))


def cost_cpu(runs, styles, out_dir):
    return _bar_figure(
        runs, styles, out_dir, "cpu_util", "cost_cpu", "Cost: CPU used during a fan-out",
        "CPU utilisation [cores]", 1.0, lambda r: r.cores,
        "Each bar is a strategy's median process CPU time divided by the makespan, in cores, "
        "at the workload's most common size, with bars spanning the repetitions; the black "
        "line is the machine's core count. For waiting work a good strategy stays near zero, "
        "for computing work near the core count.", "CPU [cores]")


def cost_memory(runs, styles, out_dir):
    return _bar_figure(
        runs, styles, out_dir, "rss_per_item_bytes", "cost_memory",
        "Cost: memory per in-flight item", "peak RSS growth per in-flight item [KiB]",
        1 / 1024, None,
        "Each bar is a strategy's median growth of peak resident memory during a fan-out "
        "divided by the items in flight, in KiB (the table gives bytes), with bars spanning "
        "the repetitions. Growth is measured in pages, so small per-item states can read as "
        "zero; a thread per item pays for its stack and shows here first.",
        "RSS per in-flight item [bytes]")


def efficiency(runs, styles, out_dir):
    points = []
    for w in sel.CORE_WORKLOADS:
        for ri, run in enumerate(runs):
            benches = sel.of_workload(run, w)
            reps = sel.representatives(benches, sel.representative_items(benches))
            ideal = sel.best_ideal(reps.values())
            for s, b in reps.items():
                vals = b.samples("real_time") / ideal
                if vals.size and math.isfinite(ideal):
                    points.append(Point(ri, s, b.params.get("items", math.nan), b, vals, w))
    per = {w: [p for p in points if p.category == w] for w in sel.CORE_WORKLOADS}
    per = {w: ps for w, ps in per.items() if ps}
    if not per:
        return None
    cats = sorted({p.strategy for p in points}, key=lambda s: (strategy_rank(s), s))
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
                                         ("efficiency of its config", lambda p: num(
                                             p.bench.median("efficiency")))]
    headers, rows = table_rows(runs, points, cols)
    return FigureResult(
        "efficiency", title,
        "Each marker is a strategy's median makespan divided by the workload's best physical "
        "bound at that size (the smallest ideal_ms of any strategy: the longest wait, or the "
        "computing spread over the cores), bars spanning the repetitions, log scale. 1× is "
        "ideal; the table also gives each configuration's own efficiency counter (its own "
        "bound / makespan, which for sequential is its serial bound).",
        headers, rows, "", save(fig, out_dir, "efficiency"))


TAIL_KEYS = ("late_ms_p99", "p99_ms", "wait_p99_ms")
# Counts of items that a panel of their own shows beside makespan and tail.
COUNT_KEYS = ("timeouts",)
KNOWN = {"real_time", "cpu_time", "items_per_second", "p50_ms", "p90_ms", "p99_ms", "max_ms",
         "late_ms_p99", "cpu_util", "rss_per_item_bytes", "threads", "ideal_ms", "efficiency",
         "compute_ms", "in_flight", *PARAM_COUNTERS}


def _tail_key(benches) -> str | None:
    return next((k for k in TAIL_KEYS if any(b.has(k) for b in benches)), None)


def _extra_table(runs, points, tail) -> tuple:
    params = {k for p in points for k in p.bench.params}
    counters = sorted({k for p in points for r in p.bench.reps for k in r} - KNOWN - params
                      - {tail})
    cols = col("real_time", MAKESPAN) + (col(tail, f"{tail} [ms]") if tail else [])
    cols += [(k, lambda p, k=k: num(p.bench.median(k))) for k in counters[:5]]
    if any(p.bench.note for p in points):
        cols.append(("label (outcome)", lambda p: p.bench.note or ""))
    return table_rows(runs, points, cols)


def extra_workload(runs, styles, out_dir, workload: str, family=None):
    """Makespan and tail of every benchmark of a workload (or of one family of it, such as
    one hazard) that the report has no dedicated figure for: each with its fix beside it."""
    prefix = f"{workload}/{family}/" if family else f"{workload}/"
    benches = [(ri, b) for ri, r in enumerate(runs)
               for b in sel.family_benches(r, workload, family)]
    names, common = sel.short_names([b for _, b in benches], prefix)
    if workload == "hazard":
        # Naive variants first, then the fixes, each by its parameters.
        benches.sort(key=lambda rb: (hazards.sort_key(rb[1]), rb[0]))
    points = [Point(ri, b.strategy, math.nan, b, b.samples("real_time"), names[b.name])
              for ri, b in benches]
    points = [p for p in points if p.values.size]
    if not points:
        return None
    tail = _tail_key([p.bench for p in points])
    counts = [k for k in COUNT_KEYS if any(p.bench.has(k) for p in points)]
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
        tp = [Point(p.run_i, p.strategy, p.x, p.bench, p.bench.samples(tail), p.category)
              for p in points]
        tp = [p for p in tp if p.values.size]
        hpanel(axes[0, 1], tp, styles, len(runs), bars=False,
               log=bool(tp) and spans_decades([p.lo for p in tp] + [p.hi for p in tp]),
               categories=cats)
        axes[0, 1].set_xlabel(f"{tail} [ms]")
        axes[0, 1].set_title("late p99: the poll delay" if tail == "late_ms_p99" else tail)
    for ax, key in zip(axes[0, 1 + bool(tail):], counts):
        cp = [Point(p.run_i, p.strategy, p.x, p.bench, p.bench.samples(key), p.category)
              for p in points]
        cp = [p for p in cp if p.values.size]
        hpanel(ax, cp, styles, len(runs), bars=False, categories=cats)
        items = sorted({p.bench.params.get("items") for p in cp} - {None})
        of = f"of {num(items[0])} items" if len(items) == 1 else "of items"
        # The axis spans every item when all rows share one count: 0 to N.
        ax.set_xlim(-0.5, max([p.hi for p in cp] + [1] + items[:len(items) == 1]) + 0.5)
        ax.set_xlabel(f"{key} [{of}]")
        ax.set_title(f"{key} ({of})")
    what = f"{workload}/{family}" if family else workload
    title = f"{what}: every benchmark"
    finish(fig, runs, title, handles(runs, styles, points), ncol=4)
    headers, rows = _extra_table(runs, points, tail)
    name = f"{workload}_{family}" if family else f"workload_{workload}"
    config = f"Parameters shared by every row: {', '.join(common)}." if common else ""
    extra = hazards.summary(runs, family) if workload == "hazard" else ""
    return FigureResult(
        name, title,
        f"Each row is one `{what}` benchmark (its variant and parameters in the row name), its "
        "marker the median over the repetitions and its bar their range. " + (
            "A hazard's naive variant sits beside its fixes: a fix should bring makespan and "
            "the tail down." if workload == "hazard" else
            "Rows differ in strategy or variant only; the table adds each benchmark's own "
            "counters."),
        headers, rows, config, save(fig, out_dir, re.sub(r"[^A-Za-z0-9_.-]", "_", name)),
        summary=extra)
