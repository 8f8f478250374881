"""Honest baselines and the points beyond their bounds (docs/design.md section 9).

Speedup is taken against T1 = items x compute_ms, the calibrated single-thread computation of
the whole fan-out, never against a measured sequential run (one slow repetition of it would
inflate every speedup). A point is invalid, a measurement error rather than a fast strategy,
when its median efficiency exceeds TOLERANCE or its speedup exceeds
min(cores, compute threads, items) x TOLERANCE. Invalid points are listed in the report's
Warnings, marked in the figures and left out of the findings.

    validity.annotate(run)        # sets bench.invalid to the reason, or ""
    validity.speedup(bench)       # T1 / median makespan
"""

from __future__ import annotations

import math

import numpy as np

TOLERANCE = 1.02
# Executors (the registry's trait, docs/design.md section 1) whose strategies compute on the
# caller's one thread, and the one that computes each item on a thread of its own.
ONE_THREAD = ("loop",)
THREAD_PER_ITEM = ("threads",)


def t1(bench) -> float:
    """items x compute_ms: the whole fan-out's computation on one thread, in ms."""
    items = bench.params.get("items")
    cms = bench.median("compute_ms")
    if not isinstance(items, (int, float)) or not (math.isfinite(cms) and cms > 0):
        return math.nan
    return float(items) * cms


def speedup(bench) -> float:
    """T1 / median makespan; NaN without compute_ms."""
    m = bench.median("real_time")
    return t1(bench) / m if m > 0 else math.nan


def speedup_samples(bench) -> np.ndarray:
    """T1 / each repetition's makespan."""
    return t1(bench) / bench.samples("real_time")


def compute_threads(bench, registry, cores: int) -> float:
    """How many threads can compute at once: the strategy's `workers` where it takes one, one
    for a strategy on the caller's loop, one per item for a thread per item, else the cores."""
    s = registry.strategy(bench.strategy)
    workers = bench.params.get("workers")
    if s is not None and "workers" in s.params and isinstance(workers, (int, float)):
        return float(workers)
    executor = s.executor if s is not None else ""
    if executor in ONE_THREAD:
        return 1.0
    if executor in THREAD_PER_ITEM:
        return float(bench.params.get("items", cores))
    return float(cores)


def speedup_bound(bench, registry, cores: int) -> float:
    """min(cores, compute threads, items); with nested parallelism every item may use every
    core (docs/design.md section 3), so only the cores bound it."""
    if bench.params.get("nested"):
        return float(cores)
    items = bench.params.get("items")
    limits = [float(cores), compute_threads(bench, registry, cores)]
    if isinstance(items, (int, float)) and items > 0:
        limits.append(float(items))
    return min(limits)


def reason(bench, registry, cores: int) -> str:
    """Why the benchmark's point is beyond its bound, or "" when it is within."""
    eff = bench.median("efficiency")
    if math.isfinite(eff) and eff > TOLERANCE:
        return f"efficiency {eff:.3g} > {TOLERANCE:g}"
    sp = speedup(bench)
    bound = speedup_bound(bench, registry, cores)
    if math.isfinite(sp) and sp > bound * TOLERANCE:
        return (f"speedup {sp:.3g}× over T1 > {TOLERANCE:g} × min(cores, compute threads, "
                f"items) = {bound * TOLERANCE:.3g}")
    return ""


def annotate(run) -> None:
    """Marks each benchmark of the run with its reason (bench.invalid)."""
    for b in run.benches:
        b.invalid = reason(b, run.registry, run.cores) if b.error is None and b.n else ""


def invalid(run) -> list:
    return [b for b in run.ok() if b.invalid]
