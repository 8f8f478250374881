"""Figures of the fan-out runs the other figures leave out: latency_spread (the wait workload
under a lognormal latency, the p99 per strategy), cpu_grain (speedup over T1 against the frames
per item, the grain) and cpu_nested (speedup over T1 with nested parallelism, against items);
all at workers = cores."""

from __future__ import annotations

from ... import validity
from ...draw import Point, at_cores, sweep_panel, sweep_points
from ...figure import FigureResult, col, handles, ideal_handle, median_col, table_rows
from ...output import num, times
from ...stats import ci_text, ratio_ci
from ...style import finish, new_figure, save

SPREAD_Q = ("How much does a long-tailed latency stretch each strategy's tail, and does ordered "
            "delivery pay for it?")
GRAIN_Q = "How small can an item be before a parallel strategy stops paying off?"
NESTED_Q = "When a fan-out has fewer items than cores, does parallelism inside each item help?"


def _speedup(b, benches, run):
    return validity.speedup_samples(b)


def _lognormal(b) -> bool:
    p = b.params
    return at_cores(b) and p.get("latency_p99_ms", p.get("latency_ms")) != p.get("latency_ms")


def _spread_points(runs) -> list:
    points = []
    for ri, run in enumerate(runs):
        bs = [b for b in run.ok() if b.workload == "wait" and _lognormal(b) and not b.invalid]
        items = max((b.params.get("items", 0) for b in bs), default=0)
        limit = max((b.params.get("limit", 0) for b in bs), default=0)
        points += [Point(ri, b.strategy, 0, b, b.samples("p99_ms")) for b in bs
                   if b.params.get("items") == items and b.params.get("limit", limit) == limit]
    return points


def spread_answer(runs, points) -> str:
    out = []
    for ri, run in enumerate(runs):
        ps = sorted((p for p in points if p.run_i == ri), key=lambda p: p.med)
        if len(ps) < 2:
            continue
        lo, hi = ps[0], ps[-1]
        r = ratio_ci(lo.values, hi.values)
        where = f"On {run.label}, " if len(runs) > 1 else ""
        out.append(f"{where}{'u' if where else 'U'}nder lognormal waits (median {num(lo.bench.params.get('latency_ms'))}"
                   f" ms, p99 {num(lo.bench.params.get('latency_p99_ms'))} ms) at "
                   f"{num(lo.bench.params.get('items'))} items, the p99 item latency runs from "
                   f"{ci_text(lo.ci, num)} ms ({lo.strategy}) to {ci_text(hi.ci, num)} ms "
                   f"({hi.strategy}, {times(r.ratio)}, 95% CI [{num(r.lo)}, {num(r.hi)}])"
                   + _bounded_pair(run, ps) + ".")
    return " ".join(out)


def _bounded_pair(run, ps) -> str:
    """The bounded strategies (a limit among their parameters) set against each other."""
    bounded = sorted((p for p in ps if p.strategy in run.registry.bounded()), key=lambda p: p.med)
    if len(bounded) < 2:
        return ""
    a, b = bounded[0], bounded[-1]
    r = ratio_ci(a.values, b.values)
    return (f"; of the bounded strategies, {b.strategy} pays {ci_text(b.ci, num)} ms against "
            f"{a.strategy}'s {ci_text(a.ci, num)} ms ({num(r.ratio)}×, 95% CI [{num(r.lo)}, "
            f"{num(r.hi)}])")


def latency_spread(runs, styles, out_dir):
    points = _spread_points(runs)
    if not points:
        return None
    fig, axes = new_figure(1, width=9.5, height=4.8)
    sweep_panel(axes[0, 0], runs, styles, points, "items", "strategy", "p99 item latency [ms]")
    axes[0, 0].set_xlabel("strategy (lognormal waits, workers = cores)")
    title = "Latency spread: the p99 of an item under lognormal waits"
    finish(fig, runs, title, handles(runs, styles, points), ncol=4)
    cols = col("p50_ms", "p50 [ms]") + col("p99_ms", "p99 [ms]") + col("real_time",
                                                                       "makespan [ms]")
    headers, rows = table_rows(runs, points, cols)
    return FigureResult(
        "latency_spread", title,
        "Each marker is a strategy's median p99 item latency (fan-out start to the result "
        "reaching the consumer) for waits drawn from a lognormal distribution, bars its 95% CI; "
        "the table adds p50 and makespan. A strategy that delivers in order holds finished items "
        "behind a slow one.", headers, rows, "", save(fig, out_dir, "latency_spread"),
        question=SPREAD_Q, answer=spread_answer(runs, points))


def _sweep_answer(runs, points, what: str) -> str:
    out = []
    for ri, run in enumerate(runs):
        ps = [p for p in points if p.run_i == ri and not p.invalid]
        for x in sorted({p.x for p in ps}):
            at = max((p for p in ps if p.x == x), key=lambda p: p.med)
            out.append(f"{what} {num(x)}: {at.strategy} {ci_text(at.ci, num)}×")
    return ("Best speedup over T1 (items × compute_ms) at " + "; ".join(out) + ".") if out else ""


def _speedup_figure(runs, styles, out_dir, name, x, keep, title, xlabel, question, caption):
    points, _ = sweep_points(runs, "cpu", x, _speedup, keep=keep)
    if len({p.x for p in points}) < 2:
        return None
    fig, axes = new_figure(1, width=8.0, height=4.8)
    sweep_panel(axes[0, 0], runs, styles, points, x, xlabel, "speedup over T1 [×]", logy=False)
    for ri, run in enumerate(runs):
        axes[0, 0].axhline(run.cores, color="black", linewidth=1.2, zorder=1)
    axes[0, 0].set_ylim(0, max([p.hi for p in points] + [r.cores for r in runs]) * 1.12)
    finish(fig, runs, title, handles(runs, styles, points, [ideal_handle("the core count")]),
           ncol=4)
    headers, rows = table_rows(runs, points, [("speedup over T1 [×]", lambda p: ci_text(
        p.ci, num))] + col("real_time", "makespan [ms]") + [median_col("compute_ms",
                                                                        "compute_ms")])
    return FigureResult(name, title, caption, headers, rows, "", save(fig, out_dir, name),
                        question=question, answer=_sweep_answer(runs, points, x))


def cpu_grain(runs, styles, out_dir):
    return _speedup_figure(
        runs, styles, out_dir, "cpu_grain", "frames",
        lambda b: at_cores(b) and not b.params.get("nested"),
        "Grain: speedup over T1 against the work per item", "frames per item (the grain)",
        GRAIN_Q,
        "Each line is a strategy's median speedup over T1 = items × compute_ms at 4 × cores "
        "items, against the frames of transcoding per item (one frame is about a quarter of the "
        "default item), bars its 95% CI; the black line is the core count. A strategy whose "
        "line falls at small grains pays per item more than the item's work.")


def cpu_nested(runs, styles, out_dir):
    return _speedup_figure(
        runs, styles, out_dir, "cpu_nested", "items",
        lambda b: at_cores(b) and bool(b.params.get("nested")),
        "Nested parallelism: speedup over T1 with each item's rows on TBB",
        "items per fan-out", NESTED_Q,
        "Each line is a strategy's median speedup over T1 = items × compute_ms when each item "
        "transcodes its macroblock rows on TBB (nested parallelism), against items (1 and the "
        "core count), bars its 95% CI; the black line is the core count, the bound even for one "
        "item.")
