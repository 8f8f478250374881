"""The question each fan-out figure answers, and for the figures whose builders do not compute
their own, the answer sentence, computed from the runs at each workload's representative size
(workers = cores): never written by hand."""

from __future__ import annotations

import math

from ... import select as sel
from ... import validity
from ...output import num, times
from ...results import registry_of
from ...stats import ci_text, median_ci, ratio_ci


def _reps(run, workload: str) -> list:
    return [b for b in sel.at_representative_size(sel.of_workload(run, workload)).values()
            if not b.invalid]


def _per_workload(runs, one) -> str:
    """`one(run, workload, reps)` per machine and workload, joined into one sentence each."""
    out = []
    for run in runs:
        parts = [x for x in (one(run, w, _reps(run, w)) for w in registry_of([run]).workloads
                             if _reps(run, w)) if x]
        if parts:
            out.append((f"On {run.label}: " if len(runs) > 1 else "") + "; ".join(parts) + ".")
    return " ".join(out)


def _size(reps) -> str:
    return num(reps[0].params.get("items")) if reps else "n/a"


def _ext(reps, key):
    ok = [b for b in reps if math.isfinite(b.median(key))]
    return (min(ok, key=lambda b: b.median(key)), max(ok, key=lambda b: b.median(key))) \
        if len(ok) >= 2 else (None, None)


def cost_cpu(runs) -> str:
    def one(run, w, reps):
        lo, hi = _ext(reps, "cpu_util")
        if lo is None:
            return ""
        if lo.median("cpu_util") == hi.median("cpu_util"):
            return (f"{w} at {_size(reps)} items, every strategy burns "
                    f"{num(hi.median('cpu_util'))} of {run.cores} cores")
        return (f"{w} at {_size(reps)} items, {hi.strategy} burns "
                f"{ci_text(hi.ci('cpu_util'), num)} cores and {lo.strategy} "
                f"{ci_text(lo.ci('cpu_util'), num)} of {run.cores}")
    return _per_workload(runs, one)


def efficiency(runs) -> str:
    def one(run, w, reps):
        ideal = sel.best_ideal(reps)
        if not math.isfinite(ideal) or not reps:
            return ""
        best = min(reps, key=lambda b: b.median())
        ci = median_ci(best.samples("real_time") / ideal)
        return f"{w} at {_size(reps)} items, {best.strategy} at {ci_text(ci, num)}× the ideal"
    return "Closest to the workload's physical bound: " + _per_workload(runs, one) \
        if _per_workload(runs, one) else ""


def latency_percentiles(runs) -> str:
    def one(run, w, reps):
        spread = [(b.median("p99_ms") / b.median("p50_ms"), b) for b in reps
                  if b.median("p50_ms") > 0]
        if len(spread) < 2:
            return ""
        (lo, bl), (hi, bh) = min(spread, key=lambda x: x[0]), max(spread, key=lambda x: x[0])
        return (f"{w} at {_size(reps)} items, p99/p50 from {times(lo)} ({bl.strategy}, p99 "
                f"{ci_text(bl.ci('p99_ms'), num)} ms) to {times(hi)} ({bh.strategy}, p99 "
                f"{ci_text(bh.ci('p99_ms'), num)} ms)")
    return _per_workload(runs, one)


def cpu_speedup(runs) -> str:
    out = []
    for run in runs:
        benches = [b for b in sel.of_workload(run, "cpu") if not b.invalid]
        scored = [(validity.speedup(b), b) for b in benches if math.isfinite(validity.speedup(b))]
        if not scored:
            continue
        s, b = max(scored, key=lambda x: (x[0], -x[1].order))
        bound = validity.speedup_bound(b, run.registry, run.cores)
        ci = median_ci(validity.speedup_samples(b))
        out.append((f"On {run.label}, t" if len(runs) > 1 else "T") + f"he best speedup over T1 "
                   f"is {b.strategy}'s {ci_text(ci, num)}× at {num(b.params.get('items'))} "
                   f"items, {s / bound:.0%} of its bound {num(bound)} on {run.cores} cores.")
    return " ".join(out)


def _limit_pair(bs, key: str) -> str:
    """The two bounded strategies at the smallest limit compared on `key`, with the ratio CI."""
    at = sorted(bs, key=lambda b: b.median(key))
    r = ratio_ci(at[0].samples(key), at[1].samples(key))
    what = "makespan" if key == "real_time" else "p99"
    return (f"{what} {at[0].strategy} {ci_text(at[0].ci(key), num)} ms, {at[1].strategy} "
            f"{num(r.ratio)}× (95% CI [{num(r.lo)}, {num(r.hi)}]"
            f"{', a tie within noise' if r.verdict == 'same' else ''})")


def bounded_limit(runs) -> str:
    from .sweeps import latency_key, limit_panels
    out = []
    for run in runs:
        for key in limit_panels([run]):
            bs = [b for b in sel.of_workload(run, key[0]) if "limit" in b.params
                  and latency_key(b) == key and not b.invalid]
            series = sel.sweep(bs, "limit")
            low = min((b.params["limit"] for b in bs), default=None)
            at = [next((b for b in ser if b.params["limit"] == low), None)
                  for ser in series.values()]
            at = [b for b in at if b is not None]
            if len(at) < 2:
                continue
            latency = (f"{num(key[1])} ms" if key[1] == key[2] else
                       f"lognormal {num(key[1])}/{num(key[2])} ms")
            out.append(f"{key[0]} ({latency}) at limit {num(low)}: "
                       f"{_limit_pair(at, 'real_time')}; {_limit_pair(at, 'p99_ms')}")
    return ("At the smallest limit, " + "; ".join(out) + ".") if out else ""


QUESTIONS = {
    "cpu_speedup": ("How much faster than one thread does each strategy compute, against the "
                    "cores it may use?", cpu_speedup),
    "latency_percentiles": ("How evenly do a fan-out's items finish with each strategy?",
                            latency_percentiles),
    "latency_cdf": ("What fraction of a fan-out's items is done by a given time?", None),
    "bounded_limit": ("What does bounding the items in flight cost, and does ordered delivery "
                      "cost more than unordered?", bounded_limit),
    "cost_cpu": ("How many cores does each strategy burn during a fan-out?", cost_cpu),
    "efficiency": ("How far from the workload's physical bound does each strategy run?",
                   efficiency),
}


def ask(result, runs):
    """Sets the figure's question and, where its builder has not, its computed answer."""
    if result is None or result.name not in QUESTIONS:
        return result
    question, answer = QUESTIONS[result.name]
    result.question = result.question or question
    if not result.answer and answer is not None:
        result.answer = answer(runs)
    return result
