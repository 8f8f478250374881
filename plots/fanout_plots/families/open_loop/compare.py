"""Open-loop benchmarks of two machines side by side: each strategy's saturation, and per
benchmark present in both the corrected p99 and achieved throughput (never the makespan, which
is only the length of the arrival schedule)."""

from __future__ import annotations

import math

from . import saturation as sat
from ...output import num, ratio, table
from ...stats import ALPHA, describe_p, mann_whitney, verdict


def _row(b, o, other_label: str) -> tuple:
    """The row of one benchmark present in both, and whether it differs significantly."""
    r = ratio(o.median("p99_ms"), b.median("p99_ms"))
    p = mann_whitney(b.samples("p99_ms"), o.samples("p99_ms"))
    row = [b.name, b.n, o.n, num(b.median("p99_ms")), num(o.median("p99_ms")),
           num(r) if not math.isfinite(r) else f"{r:.2f}",
           num(b.median("achieved_per_second")), num(o.median("achieved_per_second")),
           describe_p(p), verdict(p, r, other_label, ("lower p99", "higher p99"))]
    return row, p is not None and p < ALPHA


def _pairs(base, other) -> tuple:
    """Load benchmarks present in both: corrected p99 and achieved throughput, and the test on
    the p99 of the repetitions."""
    rows, significant = [], 0
    order = {w: i for i, w in enumerate(sat.load_workloads([base]))}
    for b in sorted((b for b in base.ok() if sat.is_load(b)), key=lambda b: (
            order.get(str(b.params.get("workload")), len(order)),
            b.rank, sat.rate_of(b), b.name)):
        o = other.find(b.name)
        if o is None or o.error is not None or not o.n:
            continue
        row, differs = _row(b, o, other.label)
        rows.append(row)
        significant += differs
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


def section(base, other) -> list:
    """The open-loop part of comparison.md for one pair of runs; nothing without load runs."""
    headers, rows, significant = _pairs(base, other)
    if not rows and not sat.load_workloads([base, other]):
        return []
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
    return parts
