"""comparison.md: every other run against the first, benchmark by benchmark.

For each benchmark present in both runs: the ratio of the median makespans and a two-sided
Mann–Whitney U test over the repetitions. Machines with different core counts are also compared
on numbers that do not depend on the count: efficiency and speedup per usable core. Open-loop
load benchmarks, whose makespan is only the length of their arrival schedule, are compared on
their corrected p99 and achieved throughput instead, and on each strategy's saturation.
"""

from __future__ import annotations

import math

from . import saturation as sat
from . import select as sel
from .figbase import strategy_rank
from .output import num, ratio, table
from .stats import ALPHA, MIN_REPS, describe_p, mann_whitney, smallest_p


def _verdict(p, ratio: float, other: str) -> str:
    if p is None:
        return "n/a"
    if p >= ALPHA:
        return "no"
    return f"**yes: {other} {'faster' if ratio < 1 else 'slower'}**"


def _pairs_table(base, other) -> tuple:
    rows, significant, reps = [], 0, set()
    for b in sorted(base.ok(), key=lambda b: b.name):
        if sat.is_load(b):
            continue
        o = other.find(b.name)
        if o is None or o.error is not None or not o.n:
            continue
        a, c = b.samples("real_time"), o.samples("real_time")
        r = ratio(o.median(), b.median())
        p = mann_whitney(a, c)
        significant += p is not None and p < ALPHA
        reps.add((len(a), len(c)))
        rows.append([b.name, len(a), len(c), num(b.median()), num(o.median()),
                     num(r) if not math.isfinite(r) else f"{r:.2f}", describe_p(p),
                     _verdict(p, r, other.label)])
    headers = ["benchmark", f"n {base.label}", f"n {other.label}",
               f"{base.label} [ms]", f"{other.label} [ms]", f"ratio {other.label}/{base.label}",
               "p (Mann–Whitney)", "differs (p < 0.05)"]
    return headers, rows, significant, reps


def _load_pairs(base, other) -> tuple:
    """Load benchmarks present in both: corrected p99 and achieved throughput, and the test on
    the p99 of the repetitions."""
    rows, significant = [], 0
    order = {w: i for i, w in enumerate(sat.load_workloads([base]))}
    for b in sorted((b for b in base.ok() if sat.is_load(b)), key=lambda b: (
            order.get(str(b.params.get("workload")), len(order)),
            strategy_rank(b.strategy), b.strategy, sat.rate_of(b), b.name)):
        o = other.find(b.name)
        if o is None or o.error is not None or not o.n:
            continue
        r = ratio(o.median("p99_ms"), b.median("p99_ms"))
        p = mann_whitney(b.samples("p99_ms"), o.samples("p99_ms"))
        significant += p is not None and p < ALPHA
        rows.append([b.name, b.n, o.n, num(b.median("p99_ms")), num(o.median("p99_ms")),
                     num(r) if not math.isfinite(r) else f"{r:.2f}",
                     num(b.median("achieved_per_second")), num(o.median("achieved_per_second")),
                     describe_p(p), _verdict(p, r, other.label).replace("faster", "lower p99")
                     .replace("slower", "higher p99")])
    headers = ["benchmark", f"n {base.label}", f"n {other.label}", f"p99 {base.label} [ms]",
               f"p99 {other.label} [ms]", f"ratio p99 {other.label}/{base.label}",
               f"achieved {base.label} [items/s]", f"achieved {other.label} [items/s]",
               "p (Mann–Whitney)", "differs (p < 0.05)"]
    return headers, rows, significant


def _saturation_table(base, other) -> str:
    rows = []
    for w in sat.load_workloads([base, other]):
        per = [{s.name: sat.saturation(s) for s in sat.load_series(r, w)} for r in (base, other)]
        names = list(dict.fromkeys(list(per[0]) + list(per[1])))
        for name in names:
            a, c = per[0].get(name), per[1].get(name)
            rows.append([w, name, a.cell() if a else "absent", c.cell() if c else "absent",
                         sat.ratio_text(a, c) if a and c else "n/a"])
    return table(["workload", "strategy", f"saturation {base.label}",
                  f"saturation {other.label}", f"ratio {other.label}/{base.label}"], rows)


def _load_section(base, other) -> str:
    headers, rows, significant = _load_pairs(base, other)
    if not rows and not sat.load_workloads([base, other]):
        return ""
    parts = [f"### Open-loop load ({other.label} against {base.label})",
             "Saturation throughput per strategy on each machine. " + sat.DEFINITION + " A "
             "ratio is the other machine's over the baseline's; where a side is only a bound "
             "(≥ or <), the ratio is a bound too, and n/a where the bounds leave it open.",
             _saturation_table(base, other)]
    if rows:
        parts.append(f"{len(rows)} load benchmarks present in both, compared on the corrected "
                     f"p99 (their makespan is only the length of the arrival schedule); "
                     f"{significant} differ significantly (p < {ALPHA}).")
        parts.append(table(headers, rows))
    return "\n\n".join(parts)


def _usable_cores(bench, cores: int) -> float:
    limits = [cores] + [bench.median(k) for k in ("threads", "items")]
    return min(v for v in limits if math.isfinite(v) and v > 0)


def _normalised(base, other) -> str:
    rows = []
    for w in sel.CORE_WORKLOADS:
        picks = []
        for run in (base, other):
            benches = sel.of_workload(run, w)
            picks.append((run, benches, sel.representatives(
                benches, sel.representative_items(benches))))
        for s in sel.strategies_of(list(picks[0][2].values()) + list(picks[1][2].values())):
            row = [w, s]
            for run, benches, reps in picks:
                b = reps.get(s)
                seq = sel.baseline(b, benches) if b else None
                speedup = ratio(seq.median(), b.median()) if seq else math.nan
                # Only computing is bound by cores; waiting scales with concurrency instead.
                per_core = (speedup / _usable_cores(b, run.cores) if b and w == "cpu"
                            else math.nan)
                row += [b.name if b else "absent", num(b.median("efficiency") if b else None),
                        num(speedup), num(per_core)]
            rows.append(row)
    if not rows:
        return ""
    headers = ["workload", "strategy"]
    for run in (base, other):
        headers += [f"benchmark ({run.label})", f"efficiency {run.label}",
                    f"speedup {run.label}", f"speedup per usable core {run.label}"]
    return table(headers, rows)


def _machines(runs) -> str:
    rows = [[r.label, r.context.get("fanout_cpu_model", "n/a"), r.cores,
             r.context.get("fanout_build_type", "n/a"), r.context.get("fanout_git_commit", "n/a"),
             max((b.n for b in r.benches), default=0), f"`{r.path}`"] for r in runs]
    return table(["machine", "CPU", "cores", "build", "commit", "repetitions", "folder"], rows)


def _pair_section(base, other) -> str:
    headers, rows, significant, reps = _pairs_table(base, other)
    names_b = {b.name for b in base.benches}
    names_o = {b.name for b in other.benches}
    parts = [f"## {other.label} against {base.label}"]
    load = _load_section(base, other)
    if rows:
        parts.append(f"{len(rows)} benchmarks present in both; {significant} differ "
                     f"significantly (p < {ALPHA}).")
        low = sorted(n for n in reps if min(n) >= MIN_REPS and smallest_p(*n) >= ALPHA)
        if low:
            n1, n2 = low[0]
            parts.append(f"With {n1} against {n2} repetitions the smallest attainable p is "
                         f"{smallest_p(n1, n2):.2f}, so no difference can reach p < {ALPHA} "
                         "there: run more repetitions to test them.")
        parts.append(table(headers, rows))
    elif not load:
        parts.append("No benchmark is present in both runs with numbers.")
    normalised = _normalised(base, other)
    if normalised:
        parts.append(f"### Normalised for core count ({base.label}: {base.cores} cores, "
                     f"{other.label}: {other.cores} cores)")
        parts.append("Each strategy at its run's most common size. Efficiency is the "
                     "configuration's own bound over its makespan (1 = ideal on that machine); "
                     "speedup is over sequential on the same machine; per usable core divides "
                     "it by min(cores, threads the strategy used, items), so 1 means every "
                     "core it could use was busy, whatever the machine's size (CPU-bound work "
                     "only: waiting scales with concurrency, not cores).")
        parts.append(normalised)
    if load:
        parts.append(load)
    for run, names in ((base, names_b - names_o), (other, names_o - names_b)):
        if names:
            parts.append(f"Only in {run.label} ({len(names)}): "
                         + ", ".join(f"`{n}`" for n in sorted(names)))
    return "\n\n".join(parts)


def render(runs) -> str:
    base = runs[0]
    parts = [f"# fanout-bench comparison: {' vs '.join(r.label for r in runs)}",
             f"Baseline: **{base.label}**; every other run is compared with it. A ratio is the "
             "other run's median makespan over the baseline's (below 1: the other is faster). "
             "The test is a two-sided Mann–Whitney U over the repetitions' makespans; a "
             f"difference is flagged when p < {ALPHA}. Runs with fewer than {MIN_REPS} "
             "repetitions on either side get no p-value. No correction for multiple tests is "
             "made: among many benchmarks, about one in twenty differs by chance.",
             "## Machines", _machines(runs)]
    if len({r.cores for r in runs}) > 1:
        parts.append("The machines have different core counts: compare CPU-bound makespans "
                     "through the normalised tables, not the raw ratios.")
    parts += [_pair_section(base, other) for other in runs[1:]]
    return "\n\n".join(parts) + "\n"
