"""Open-loop benchmarks of two machines side by side: each strategy's saturation, and per
benchmark present in both the corrected p99 and achieved throughput (never the makespan, which
is only the length of the arrival schedule)."""

from __future__ import annotations

import math

from . import saturation as sat
from ...output import num, table
from ...stats import ci_text, ratio_ci


def _cell(v) -> str:
    return "n/a" if not math.isfinite(v) else f"{v:.3f}"


def _row(b, o, other_label: str) -> tuple:
    """The row of one benchmark present in both, and its verdict on the p99 (faster: lower)."""
    r = ratio_ci(b.samples("p99_ms"), o.samples("p99_ms"))
    v = r.verdict
    cell = f"**{other_label} {v}**" if v in ("faster", "slower") else v
    row = [b.name, b.n, o.n, ci_text(b.ci("p99_ms"), num), ci_text(o.ci("p99_ms"), num),
           _cell(r.ratio), f"[{_cell(r.lo)}, {_cell(r.hi)}]",
           num(b.median("achieved_per_second")), num(o.median("achieved_per_second")),
           cell if r.enough or v == "n/a" else cell + " (n < 6)"]
    return row, v


def _pairs(base, other) -> tuple:
    """Load benchmarks present in both: corrected p99 and achieved throughput, and the 95% CI
    of the ratio of their median p99s."""
    rows, verdicts = [], []
    order = {w: i for i, w in enumerate(sat.load_workloads([base]))}
    for b in sorted((b for b in base.ok() if sat.is_load(b)), key=lambda b: (
            order.get(str(b.params.get("workload")), len(order)),
            b.rank, sat.rate_of(b), b.name)):
        o = other.find(b.name)
        if o is None or o.error is not None or not o.n:
            continue
        row, v = _row(b, o, other.label)
        rows.append(row)
        verdicts.append(v)
    headers = ["benchmark", f"n {base.label}", f"n {other.label}", f"p99 {base.label} [ms]",
               f"p99 {other.label} [ms]", f"ratio p99 {other.label}/{base.label}",
               "95% CI of the ratio", f"achieved {base.label} [items/s]",
               f"achieved {other.label} [items/s]", "verdict (p99)"]
    return headers, rows, verdicts


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
    headers, rows, verdicts = _pairs(base, other)
    if not rows and not sat.load_workloads([base, other]):
        return []
    parts = [f"### Open-loop load ({other.label} against {base.label})",
             "Saturation throughput per strategy on each machine. " + sat.DEFINITION + " A "
             "ratio is the other machine's over the baseline's; where a side is only a bound "
             "(≥ or <), the ratio is a bound too, and n/a where the bounds leave it open.",
             _saturation_table(base, other)]
    if rows:
        counts = ", ".join(f"{verdicts.count(v)} {v}" for v in ("slower", "faster", "same"))
        parts.append(f"{len(rows)} load benchmarks present in both, compared on the corrected "
                     f"p99 (their makespan is only the length of the arrival schedule): "
                     f"{other.label} is {counts} (slower: a higher p99, the 95% CI of the "
                     "ratio of medians above 1).")
        parts.append(table(headers, rows))
    return parts
