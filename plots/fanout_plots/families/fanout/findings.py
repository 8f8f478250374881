"""Fan-out findings: per workload its strategies ranked against the best physical bound (with the
95% CI of the ratio of the first two medians), the bounded strategies beside their ideal
schedule, and CPU and memory cost. Each line names the benchmark rows it rests on; the report
passes a run without its invalid points (validity.py), so none is ever used here."""

from __future__ import annotations

import math

from ... import select as sel
from ... import validity
from ...output import num, ratio, rows_text, times
from ...stats import ratio_ci
from .sweeps import waiting_workloads

# The workload whose items compute: the one that speedup over T1 and cores apply to.
COMPUTING = "cpu"
INTRO = ("Per workload, at its most common size and at its largest, with workers = cores where "
         "a strategy takes workers, the median makespan of each strategy over the workload's "
         "best physical bound (the smallest `ideal_ms` of any strategy: the longest single "
         "wait, or the computing spread over the cores), fastest first. Each line names the "
         "rows it rests on; points beyond their bound (Warnings) are never used.")


def _sizes(benches) -> list:
    rep = sel.representative_items(benches)
    sizes = [rep]
    largest = max((b.params["items"] for b in benches if "items" in b.params), default=None)
    if largest is not None and largest != rep:
        if len({b.strategy for b in benches if b.params.get("items") == largest}) > 1:
            sizes.append(largest)
    return sizes


def verdict_text(first, second) -> str:
    """Whether `first` (the faster median) beats `second`: the 95% CI of the ratio of their
    median makespans (stats.ratio_ci), second over first."""
    r = ratio_ci(first.samples("real_time"), second.samples("real_time"))
    gap = r.ratio - 1
    ci = f"ratio {r.ratio:.3f}, 95% CI [{r.lo:.3f}, {r.hi:.3f}]"
    if r.verdict == "n/a":
        return (f"{first.strategy} leads {second.strategy} by {gap:.1%} (too few repetitions "
                "for an interval)")
    if r.verdict == "slower":
        return f"{first.strategy} beats {second.strategy} by {gap:.1%} ({ci})"
    return (f"{first.strategy} leads {second.strategy} by {gap:.1%}, not resolved ({ci} "
            "contains 1)")


def picks(run, workload: str, items) -> tuple:
    """The representative benchmark of each strategy at the item count (workers = cores), and
    the strategies left out because that benchmark's point is invalid: a strategy is never
    represented by another configuration instead."""
    reps = sel.representatives(sel.of_workload(run, workload), items)
    return ({s: b for s, b in reps.items() if not b.invalid},
            [s for s, b in reps.items() if b.invalid])


def _left_out(invalid: list) -> str:
    return (f" Left out, invalid at this configuration (Warnings): {', '.join(invalid)}."
            if invalid else "")


def _ranking(run, workload: str, items) -> str | None:
    benches = sel.of_workload(run, workload)
    reps, invalid = picks(run, workload, items)
    ideal = sel.best_ideal(reps.values())
    ranked = sorted(reps.values(), key=lambda b: b.median())
    if len(ranked) < 2 or not math.isfinite(ideal):
        return None
    size = f"{num(items)} items" if items is not None else "all sizes"
    parts = [f"{b.strategy} {times(ratio(b.median(), ideal))} ideal" for b in ranked]
    first = ranked[0]
    line = (f"- **{workload}, {size}**: " + ", ".join(parts) + f" (ideal {num(ideal)} ms, "
            f"best {num(first.median())} ms). {verdict_text(first, ranked[1])}; the slowest, "
            f"{ranked[-1].strategy}, takes {times(ratio(ranked[-1].median(), first.median()))} "
            "as long as the fastest.")
    if workload == COMPUTING:
        line += _speedups(run, reps.values(), benches)
    return line + _left_out(invalid) + rows_text(ranked)


def _speedups(run, reps, benches) -> str:
    """The best speedup over T1 = items x compute_ms, against its bound, and the measured
    sequential makespan beside T1."""
    scored = [(validity.speedup(b), b) for b in reps]
    scored = [(s, b) for s, b in scored if math.isfinite(s)]
    if not scored:
        return ""
    s, b = max(scored, key=lambda sb: (sb[0], -sb[1].order))
    bound = validity.speedup_bound(b, run.registry, run.cores)
    seq = sel.baseline(b, benches)
    measured = (f"; the measured sequential makespan is {num(seq.median())} ms against T1 "
                f"{num(validity.t1(b))} ms" if seq is not None else "")
    return (f" Best speedup over T1 (items × compute_ms): {b.strategy} {times(s)}, "
            f"{s / bound:.0%} of its bound min(cores, compute threads, items) = {num(bound)} "
            f"on {run.cores} cores{measured}.")


def _ascending(reps, key: str) -> list:
    return sorted((b for b in reps if math.isfinite(b.median(key))), key=lambda b: b.median(key))


def _cost_lines(run, workload: str) -> list:
    out = []
    benches = sel.of_workload(run, workload)
    reps = list(picks(run, workload, sel.representative_items(benches))[0].values())
    util = _ascending(reps, "cpu_util")
    if len(util) >= 2:
        lo, hi = util[0], util[-1]
        out.append(f"- **CPU, {workload}**: {hi.strategy} burns {num(hi.median('cpu_util'))} "
                   f"cores during a fan-out, {lo.strategy} {num(lo.median('cpu_util'))} "
                   f"(machine: {run.cores} cores)." + rows_text([hi, lo]))
    key = "mem_per_item_bytes"
    mem = _ascending(reps, key)
    top = mem[-1].median(key) if mem else 0
    if len(mem) >= 2 and top > 0:
        most = [b for b in mem if b.median(key) == top]
        rest = [b for b in mem if b not in most]
        tail = (f"; the others by at most {num(max(b.median(key) for b in rest) / 1024)} KiB"
                if rest else "")
        out.append(f"- **Memory, {workload}**: {', '.join(b.strategy for b in most)} grow(s) "
                   f"peak RSS by {num(top / 1024)} KiB per in-flight item{tail}."
                   + rows_text(mem))
    return out


def _bounded_line(run, workload: str) -> list:
    benches = [b for b in sel.of_workload(run, workload) if "limit" in b.params]
    reps = {s: b for s, b in sel.at_representative_size(benches).items() if not b.invalid}
    if len(reps) < 2:
        return []
    parts = [f"{s} {num(b.median())} ms ({times(ratio(b.median(), b.median('ideal_ms')))} "
             f"the ideal schedule)" for s, b in reps.items()]
    limit = sel.modal_params(benches).get("limit")
    return [f"- **Bounded, {workload}, limit {num(limit)}**: " + ", ".join(parts) + "."
            + rows_text(reps.values())]


def lines(run) -> list:
    """The run's fan-out findings, workload by workload in the registry's order."""
    workloads = run.registry.workloads
    out = []
    for w in workloads:
        benches = sel.of_workload(run, w)
        out += [x for x in (_ranking(run, w, i) for i in (_sizes(benches) if benches else []))
                if x]
    for w in waiting_workloads([run]):
        out += _bounded_line(run, w)
    for w in workloads:
        out += _cost_lines(run, w)
    return out
