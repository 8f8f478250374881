"""Picks what a figure or a finding shows: sweeps along one parameter and representative
configurations.

Grouping is by the label (workload/strategy) and the parameter counters of each benchmark, so
a sweep is the set of benchmarks of one strategy that differ only in the swept parameter.
Strategies come in the registry's order (each benchmark's `rank`).
"""

from __future__ import annotations

import math
from collections import Counter

# The strategy whose measured makespan is shown beside T1: one item after another.
BASELINE = "sequential"
# The parameter that sizes a strategy's threads: representative at the run's core count.
WORKERS = "workers"


def strategies_of(benches) -> list:
    """The benchmarks' strategies in the registry's order, unknown ones after, alphabetically."""
    ranks = {b.strategy: b.rank for b in benches}
    return sorted(ranks, key=lambda s: ranks[s])


def of_workload(run, workload: str) -> list:
    return [b for b in run.ok() if b.workload == workload]


def modal_params(benches) -> dict:
    """The configuration representative of the benchmarks: `workers` equal to the run's cores
    wherever a benchmark has that value (docs/design.md section 9: a worker sweep must not let a
    tie of counts pick one worker), every other parameter its most common value (on a tie, the
    first seen)."""
    counts: dict = {}
    for b in benches:
        for k, v in b.params.items():
            counts.setdefault(k, Counter())[v] += 1
    modes = {k: c.most_common(1)[0][0] for k, c in counts.items()}
    cores = {b.cores for b in benches}
    at_cores = [v for v in counts.get(WORKERS, ()) if len(cores) == 1 and v == next(iter(cores))]
    if at_cores:
        modes[WORKERS] = at_cores[0]
    return modes


def _agreement(bench, modes: dict, skip=()) -> int:
    return sum(1 for k, v in bench.params.items() if k not in skip and modes.get(k) == v)


def representative_items(benches):
    """The item count that most strategies ran (the larger on a tie), or None."""
    per_items: dict = {}
    for b in benches:
        if "items" in b.params:
            per_items.setdefault(b.params["items"], set()).add(b.strategy)
    if not per_items:
        return None
    return max(per_items, key=lambda i: (len(per_items[i]), i))


def representatives(benches, items=None) -> dict:
    """One benchmark per strategy at the given item count, in the workload's modal configuration."""
    modes = modal_params(benches)
    out = {}
    for s in strategies_of(benches):
        cands = [b for b in benches if b.strategy == s
                 and (items is None or b.params.get("items") == items)]
        if cands:
            out[s] = max(cands, key=lambda b: (_agreement(b, modes, ("items",)), -b.order))
    return out


def at_representative_size(benches) -> dict:
    """representatives() at the item count most strategies ran."""
    return representatives(benches, representative_items(benches))


def sweep(benches, x: str, strategies=None) -> dict:
    """Per strategy, the benchmarks that differ only in parameter x, sorted by x.

    Where a strategy has several such series (other parameters varied too), the longest one
    wins, then the one closest to the workload's modal configuration.
    """
    modes = modal_params(benches)
    out = {}
    for s in strategies_of(benches):
        if strategies is not None and s not in strategies:
            continue
        groups: dict = {}
        for b in benches:
            if b.strategy == s and isinstance(b.params.get(x), (int, float)):
                key = tuple(sorted((k, str(v)) for k, v in b.params.items() if k != x))
                groups.setdefault(key, []).append(b)
        if not groups:
            continue
        best = max(groups.values(), key=lambda g: (len({b.params[x] for b in g}),
                                                   _agreement(g[0], modes, (x,)),
                                                   -min(b.order for b in g)))
        best = sorted(best, key=lambda b: (b.params[x], b.order))
        # One point per x value: the first registered if a series repeats one.
        out[s] = [b for i, b in enumerate(best) if i == 0 or b.params[x] != best[i - 1].params[x]]
    return out


def fixed_params(series: dict, x: str) -> str:
    """The parameters shared by every point of the sweep, for a caption line."""
    common = None
    for benches in series.values():
        for b in benches:
            items = {(k, v) for k, v in b.params.items() if k != x}
            common = items if common is None else common & items
    return ", ".join(f"{k}={_fmt_param(v)}" for k, v in sorted(common or ()))


def _fmt_param(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return f"{v:g}" if isinstance(v, float) else str(v)


def baseline(bench, benches):
    """The BASELINE benchmark with the same workload parameters, or None."""
    for b in benches:
        if b.strategy == BASELINE and all(bench.params.get(k) == v
                                              for k, v in b.params.items()):
            return b
    return None


def best_ideal(benches) -> float:
    """The workload's physical bound: the smallest ideal_ms among the given configurations."""
    vals = [b.median("ideal_ms") for b in benches]
    vals = [v for v in vals if math.isfinite(v) and v > 0]
    return min(vals) if vals else math.nan


def short_names(benches, prefix: str) -> tuple:
    """Names without the shared prefix and without parameters every benchmark has alike;
    also the shared parameters."""
    segs = {b.name: b.name[len(prefix):].split("/") for b in benches}
    common = set.intersection(*(set(v) for v in segs.values())) if segs else set()
    common = {c for c in common if ":" in c}
    names = {n: "/".join(x for x in v if x not in common) or "/".join(v)
             for n, v in segs.items()}
    return names, sorted(common)
