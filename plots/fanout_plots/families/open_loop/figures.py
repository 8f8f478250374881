"""Open-loop figures: the hockey stick of p99 latency against the achieved throughput, corrected
beside uncorrected, one figure per workload, with each strategy's saturation throughput marked,
and its saturation table.
"""

from __future__ import annotations

import math

from matplotlib.lines import Line2D

from . import saturation as sat
from ...draw import Point
from ...figure import FigureResult, col, ideal_handle, median_col, table_rows
from ...output import num, table
from ...results import registry_of
from ...style import IDEAL_COLOR, finish, machine_handles, new_figure, run_linestyle, save

SECTION = "Load"
RING_SIZE = 17
PANELS = (("p99_ms", "corrected p99: from each item's intended arrival"),
          ("uncorrected_p99_ms", "uncorrected p99: from its admission"))


def _points(series_of_runs, key: str) -> list:
    points = []
    for ri, series in series_of_runs:
        for s in series:
            for b in s.benches:
                vals = b.samples(key)
                if vals.size:
                    points.append(Point(ri, s.strategy, achieved(b), b, vals, s.name))
    return points


def achieved(b) -> float:
    """The x of a point: the throughput it achieved (its offered rate where unmeasured)."""
    v = b.median("achieved_per_second")
    return v if math.isfinite(v) and v > 0 else sat.rate_of(b)


def _hidden(p) -> float:
    r = p.bench.median("p99_ms") / p.bench.median("uncorrected_p99_ms")
    return r if math.isfinite(r) else 0.0


def _draw(ax, points, styles) -> None:
    """One line per series; those whose queue the uncorrected p99 hides most are drawn last,
    so that on the uncorrected panel they are not buried under the others at the floor."""
    groups: dict = {}
    for p in points:
        groups.setdefault((p.run_i, p.category), []).append(p)
    for (ri, _), ps in sorted(groups.items(), key=lambda kv: max(_hidden(p) for p in kv[1])):
        ps.sort(key=lambda p: p.x)
        yerr = [[p.med - p.lo for p in ps], [p.hi - p.med for p in ps]]
        ax.errorbar([p.x for p in ps], [p.med for p in ps], yerr=yerr,
                    **styles.line_kw(ps[0].strategy, ri))


def _mark(ax, styles, ri: int, series, s: sat.Saturation, key: str) -> None:
    """A hollow ring on the point of the rate that gave the saturation throughput, and a tick
    on the bottom edge at that throughput itself (a little off the offered rate)."""
    if s.kind not in ("exact", "atleast"):
        return
    color = styles.color(series.strategy)
    b = next(b for b in series.benches if sat.rate_of(b) == s.rate)
    y = b.median(key)
    if math.isfinite(y):
        ax.plot([achieved(b)], [y], marker="o", markersize=RING_SIZE, fillstyle="none",
                markeredgewidth=1.6, color=color, linestyle="none",
                alpha=0.9 if ri == 0 else 0.6, zorder=4)
    ax.plot([s.value], [0.0], marker="|", markersize=14, markeredgewidth=2.2, color=color,
            linestyle="none", transform=ax.get_xaxis_transform(), clip_on=False, zorder=5)


def _legend(runs, styles, per_run) -> list:
    names: dict = {}
    for ri, series in per_run:
        for s in series:
            names.setdefault(s.name, (s.strategy, s.benches[0].rank, {}))[2][ri] = \
                sat.saturation(s).short()
    out = []
    for name, (strategy, _, by_run) in sorted(names.items(),
                                              key=lambda kv: (kv[1][1], kv[0])):
        text = "; ".join(by_run.get(ri, "absent") for ri in range(len(runs)))
        out.append(Line2D([], [], color=styles.color(strategy), marker=styles.marker(strategy),
                          label=f"{name} (sat. {text})"))
    return out


def saturation_rows(runs, workload: str) -> tuple:
    """Headers and rows of the saturation table of one workload, every machine."""
    multi = len(runs) > 1
    headers = (["machine"] if multi else []) + [
        "strategy", "saturation [items/s]", "at rate [/s]", "p99 at light load [ms]",
        "light load [/s]", "first rate past saturation [/s]", "achieved there [items/s]",
        "corrected p99 there [ms]", "uncorrected p99 there [ms]", "max queued"]
    rows = []
    for run in runs:
        for s in sat.load_series(run, workload):
            t = sat.saturation(s)
            past = t.past
            rows.append(([run.label] if multi else []) + [
                s.name, t.cell(), num(t.rate) if t.kind in ("exact", "atleast") else "none",
                num(t.light_p99), num(sat.rate_of(t.light)) if t.light else "n/a",
                num(sat.rate_of(past)) if past else "none run",
                num(t.capacity), num(past.median("p99_ms") if past else None),
                num(past.median("uncorrected_p99_ms") if past else None), num(t.queued_max)])
    return headers, rows


def _panel(ax, styles, per_run, points, key: str, title: str, rates) -> None:
    _draw(ax, points, styles)
    for ri, series in per_run:
        for s in series:
            _mark(ax, styles, ri, s, sat.saturation(s), key)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel("achieved throughput [items/s]")


def _floors(axes, per_run) -> list:
    """A black line per machine at the latency of one wait; returns the waits drawn."""
    floors = {(ri, s.ms) for ri, series in per_run for s in series
              if isinstance(s.ms, (int, float))}
    for ri, ms in floors:
        for ax in axes[0]:
            ax.axhline(ms, color=IDEAL_COLOR, linestyle=run_linestyle(ri), linewidth=1.2,
                       zorder=1)
    return sorted({ms for _, ms in floors})


def _marks_legend(floors) -> list:
    out = [ideal_handle("floor: one wait (" + " / ".join(f"{m:g}" for m in floors) + " ms)")] \
        if floors else []
    out.append(Line2D([], [], color="0.3", marker="o", markersize=RING_SIZE * 0.7,
                      fillstyle="none", linestyle="none", label="ring: rate of the saturation"))
    out.append(Line2D([], [], color="0.3", marker="|", markersize=14, markeredgewidth=2.2,
                      linestyle="none", label="tick on x: saturation throughput"))
    return out


def _numbers(runs, per_run, corrected) -> tuple:
    kept = {(ri, b.name): sat.kept_up(b, s.benches[0].median("p99_ms"))
            for ri, series in per_run for s in series for b in s.benches}
    cols = [median_col("offered_per_second", "offered [items/s]"),
            median_col("achieved_per_second", "achieved [items/s]")]
    cols += col("p99_ms", "p99 [ms]") + [
        median_col("p50_ms", "p50 [ms]"), median_col("p999_ms", "p999 [ms]"),
        median_col("max_ms", "max [ms]"),
        median_col("uncorrected_p99_ms", "uncorrected p99 [ms]"),
        median_col("queued_max", "queued max"),
        ("kept up", lambda p: "yes" if kept[(p.run_i, p.bench.name)] else "no")]
    return table_rows(runs, corrected, cols)


def _caption(runs) -> str:
    machines = " (in machine order)" if len(runs) > 1 else ""
    return (
        "Each line is a strategy's median p99 latency against the throughput it achieved at "
        "each offered rate (log-log, bars "
        "their 95% CIs): left corrected, charged from each item's intended arrival, "
        "right uncorrected, from its admission, so the gap between the panels is what "
        "coordinated omission hides; a line stops where the strategy was skipped past "
        "saturation (or failed), a ring marks the rate at which it reached its saturation "
        f"throughput, a tick on the x axis that throughput (also in the legend{machines}), "
        "and the black line is the latency floor of one wait. " + sat.DEFINITION)


def load_figure(runs, styles, out_dir, workload: str):
    per_run = [(ri, sat.load_series(run, workload)) for ri, run in enumerate(runs)]
    per_run = [(ri, series) for ri, series in per_run if series]
    corrected = _points(per_run, "p99_ms")
    if not corrected:
        return None
    fig, axes = new_figure(2, width=10.5, height=5.0, sharey=True)
    rates = sorted({p.x for p in corrected})
    every = []
    for ax, (key, title) in zip(axes[0], PANELS):
        points = corrected if key == "p99_ms" else _points(per_run, key)
        every += points
        _panel(ax, styles, per_run, points, key, title, rates)
    floors = _floors(axes, per_run)
    axes[0, 0].set_ylim(bottom=min([p.lo for p in every] + floors) / 1.6,
                        top=max(p.hi for p in every) * 1.6)
    axes[0, 0].set_ylabel("p99 latency [ms]")
    title = f"Open-loop load ({workload}): p99 latency against achieved throughput"
    finish(fig, runs, title, _legend(runs, styles, per_run) + _marks_legend(floors)
           + machine_handles(runs), ncol=3)
    headers, rows = _numbers(runs, per_run, corrected)
    sat_headers, sat_rows = saturation_rows(runs, workload)
    return FigureResult(
        f"load_{workload}", title, _caption(runs), headers, rows, _config(per_run, runs),
        save(fig, out_dir, f"load_{workload}"), section=SECTION,
        summary=f"Saturation per strategy ({workload}):\n\n" + table(sat_headers, sat_rows),
        question=f"How much {workload} load can each strategy carry before its p99 latency "
                 "turns up, and what does it pay below that?",
        answer=load_answer(runs, workload))


def load_answer(runs, workload: str) -> str:
    """Per machine, the strategies that saturate highest and lowest, with their light p99."""
    out = []
    for run in runs:
        ts = [(s, sat.saturation(s)) for s in sat.load_series(run, workload)]
        ts = [(s, t) for s, t in ts if t.kind in ("exact", "atleast")]
        if len(ts) < 2:
            continue
        hi = max(ts, key=lambda st: st[1].value)
        lo = min(ts, key=lambda st: st[1].value)
        where = f"On {run.label}, " if len(runs) > 1 else ""
        out.append(f"{where}{hi[0].name} carries the most, {hi[1].short()} (p99 "
                   f"{num(hi[1].light_p99)} ms at light load), {lo[0].name} the least, "
                   f"{lo[1].short()} (p99 {num(lo[1].light_p99)} ms at light load).")
    return " ".join(out)


def _config(per_run, runs) -> str:
    """The parameters every series shares, less the rate's and the strategies' own."""
    own = {p for s in registry_of(runs).strategies for p in s.params}
    parts = []
    for ri, series in per_run:
        shared = None
        for s in series:
            for b in s.benches:
                items = {(k, v) for k, v in b.params.items()
                         if k not in sat.NOT_CONFIG and k not in own}
                shared = items if shared is None else shared & items
        text = ", ".join(f"{k}={num(v) if isinstance(v, float) else v}"
                         for k, v in sorted(shared or ()))
        if text:
            parts.append(f"{runs[ri].label}: {text}" if len(runs) > 1 else text)
    return ("Parameters shared by every series: " + "; ".join(parts) + ".") if parts else ""
