"""Fan-out findings: per workload its strategies ranked against the best physical bound (with a
significance test between the first two), the bounded strategies beside their ideal schedule,
and CPU and memory cost."""

from __future__ import annotations

import math

from ... import select as sel
from ...output import num, ratio, times
from ...stats import ALPHA, describe_p, mann_whitney
from .sweeps import waiting_workloads

# The workload whose items compute: the one that speedup over sequential and cores apply to.
COMPUTING = "cpu"
INTRO = ("Per workload, at its most common size and at its largest, the median makespan of "
         "each strategy over the workload's best physical bound (the smallest `ideal_ms` of "
         "any strategy: the longest single wait, or the computing spread over the cores), "
         "fastest first.")


def _sizes(benches) -> list:
    rep = sel.representative_items(benches)
    sizes = [rep]
    largest = max((b.params["items"] for b in benches if "items" in b.params), default=None)
    if largest is not None and largest != rep:
        if len({b.strategy for b in benches if b.params.get("items") == largest}) > 1:
            sizes.append(largest)
    return sizes


def _verdict(first, second) -> str:
    gap = ratio(second.median(), first.median()) - 1
    p = mann_whitney(first.samples("real_time"), second.samples("real_time"))
    if p is None or p >= ALPHA:
        return (f"{first.strategy} leads {second.strategy} by {gap:.1%}, within noise "
                f"(Mann–Whitney p = {describe_p(p)})")
    return (f"{first.strategy} beats {second.strategy} by {gap:.1%} "
            f"(Mann–Whitney p = {describe_p(p)})")


def _ranking(run, workload: str, items) -> str | None:
    benches = sel.of_workload(run, workload)
    reps = sel.representatives(benches, items)
    ideal = sel.best_ideal(reps.values())
    ranked = sorted(reps.values(), key=lambda b: b.median())
    if len(ranked) < 2 or not math.isfinite(ideal):
        return None
    size = f"{num(items)} items" if items is not None else "all sizes"
    parts = [f"{b.strategy} {times(ratio(b.median(), ideal))} ideal" for b in ranked]
    first = ranked[0]
    line = (f"- **{workload}, {size}**: " + ", ".join(parts) + f" (ideal {num(ideal)} ms, "
            f"best {num(first.median())} ms). {_verdict(first, ranked[1])}; the slowest, "
            f"{ranked[-1].strategy}, takes {times(ratio(ranked[-1].median(), first.median()))} "
            "as long as the fastest.")
    if workload == COMPUTING:
        line += _speedups(reps.values(), benches, run.cores)
    return line


def _speedups(reps, benches, cores: int) -> str:
    best = None
    for b in reps:
        seq = sel.baseline(b, benches)
        if seq is not None and seq is not b:
            s = ratio(seq.median(), b.median())
            if math.isfinite(s) and (best is None or s > best[0]):
                best = (s, b.strategy)
    if best is None:
        return ""
    return (f" Best speedup over sequential: {best[1]} {times(best[0])} on {cores} cores "
            f"({best[0] / cores:.0%} of the cores).")


def _ascending(reps, key: str) -> list:
    return sorted((b for b in reps if math.isfinite(b.median(key))), key=lambda b: b.median(key))


def _cost_lines(run, workload: str) -> list:
    out = []
    reps = list(sel.at_representative_size(sel.of_workload(run, workload)).values())
    util = _ascending(reps, "cpu_util")
    if len(util) >= 2:
        lo, hi = util[0], util[-1]
        out.append(f"- **CPU, {workload}**: {hi.strategy} burns {num(hi.median('cpu_util'))} "
                   f"cores during a fan-out, {lo.strategy} {num(lo.median('cpu_util'))} "
                   f"(machine: {run.cores} cores).")
    mem = _ascending(reps, "rss_per_item_bytes")
    top = mem[-1].median("rss_per_item_bytes") if mem else 0
    if len(mem) >= 2 and top > 0:
        most = [b.strategy for b in mem if b.median("rss_per_item_bytes") == top]
        rest = [b.median("rss_per_item_bytes") for b in mem if b.strategy not in most]
        tail = (f"; the others by at most {num(max(rest) / 1024)} KiB" if rest else "")
        out.append(f"- **Memory, {workload}**: {', '.join(most)} grow(s) peak RSS by "
                   f"{num(top / 1024)} KiB per in-flight item{tail}.")
    return out


def _bounded_line(run, workload: str) -> list:
    benches = [b for b in sel.of_workload(run, workload) if "limit" in b.params]
    reps = sel.at_representative_size(benches)
    if len(reps) < 2:
        return []
    parts = [f"{s} {num(b.median())} ms ({times(ratio(b.median(), b.median('ideal_ms')))} "
             f"the ideal schedule)" for s, b in reps.items()]
    limit = sel.modal_params(benches).get("limit")
    return [f"- **Bounded, {workload}, limit {num(limit)}**: " + ", ".join(parts) + "."]


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
