"""comparison.md: every other run against the first, benchmark by benchmark.

For each benchmark present in both runs: the ratio of the median makespans and a two-sided
Mann–Whitney U test over the repetitions. The benchmark families (families/) add their own
parts in the order of FAMILIES: the fan-out benchmarks compared on numbers that do not depend on
the core count, open-loop ones (whose makespan is only the length of their arrival schedule,
so they stay out of the makespan table) on their corrected p99 and saturation.
"""

from __future__ import annotations

import math

from .families import FAMILIES
from .output import folder_name, num, ratio, table
from .stats import ALPHA, MIN_REPS, describe_p, mann_whitney, smallest_p, verdict


def _makespan_rows(base, other) -> tuple:
    """Rows of the benchmarks present in both whose family compares makespans; how many differ
    significantly; the pairs of repetition counts seen."""
    skip = {f.FAMILY for f in FAMILIES if not f.MAKESPAN_COMPARABLE}
    rows, significant, reps = [], 0, set()
    for b in sorted(base.ok(), key=lambda b: b.name):
        o = other.find(b.name)
        if b.family in skip or o is None or o.error is not None or not o.n:
            continue
        a, c = b.samples("real_time"), o.samples("real_time")
        r = ratio(o.median(), b.median())
        p = mann_whitney(a, c)
        significant += p is not None and p < ALPHA
        reps.add((len(a), len(c)))
        rows.append([b.name, len(a), len(c), num(b.median()), num(o.median()),
                     num(r) if not math.isfinite(r) else f"{r:.2f}", describe_p(p),
                     verdict(p, r, other.label)])
    return rows, significant, reps


def _makespan_table(base, other) -> list:
    rows, significant, reps = _makespan_rows(base, other)
    if not rows:
        return []
    parts = [f"{len(rows)} benchmarks present in both; {significant} differ significantly "
             f"(p < {ALPHA})."]
    low = sorted(n for n in reps if min(n) >= MIN_REPS and smallest_p(*n) >= ALPHA)
    if low:
        n1, n2 = low[0]
        parts.append(f"With {n1} against {n2} repetitions the smallest attainable p is "
                     f"{smallest_p(n1, n2):.2f}, so no difference can reach p < {ALPHA} "
                     "there: run more repetitions to test them.")
    headers = ["benchmark", f"n {base.label}", f"n {other.label}",
               f"{base.label} [ms]", f"{other.label} [ms]", f"ratio {other.label}/{base.label}",
               "p (Mann–Whitney)", "differs (p < 0.05)"]
    return parts + [table(headers, rows)]


def _machines(runs, out_dir: str) -> str:
    rows = [[r.label, r.context.get("fanout_cpu_model", "n/a"), r.cores,
             r.context.get("fanout_build_type", "n/a"), r.context.get("fanout_git_commit", "n/a"),
             max((b.n for b in r.benches), default=0), f"`{folder_name(r.path, out_dir)}`"]
            for r in runs]
    return table(["machine", "CPU", "cores", "build", "commit", "repetitions", "folder"], rows)


def _pair_section(base, other) -> str:
    parts = [f"## {other.label} against {base.label}"] + _makespan_table(base, other)
    families = [x for fam in FAMILIES for x in fam.compare_runs(base, other)]
    if len(parts) == 1 and not families:
        parts.append("No benchmark is present in both runs with numbers.")
    parts += families
    names_b = {b.name for b in base.benches}
    names_o = {b.name for b in other.benches}
    for run, names in ((base, names_b - names_o), (other, names_o - names_b)):
        if names:
            parts.append(f"Only in {run.label} ({len(names)}): "
                         + ", ".join(f"`{n}`" for n in sorted(names)))
    return "\n\n".join(parts)


def render(runs, out_dir: str) -> str:
    """comparison.md for runs read together, written to out_dir (folders are named from it)."""
    base = runs[0]
    parts = [f"# fanout-bench comparison: {' vs '.join(r.label for r in runs)}",
             f"Baseline: **{base.label}**; every other run is compared with it. A ratio is the "
             "other run's median makespan over the baseline's (below 1: the other is faster). "
             "The test is a two-sided Mann–Whitney U over the repetitions' makespans; a "
             f"difference is flagged when p < {ALPHA}. Runs with fewer than {MIN_REPS} "
             "repetitions on either side get no p-value. No correction for multiple tests is "
             "made: among many benchmarks, about one in twenty differs by chance.",
             "## Machines", _machines(runs, out_dir)]
    if len({r.cores for r in runs}) > 1:
        parts.append("The machines have different core counts: compare CPU-bound makespans "
                     "through the normalised tables, not the raw ratios.")
    parts += [_pair_section(base, other) for other in runs[1:]]
    return "\n\n".join(parts) + "\n"
