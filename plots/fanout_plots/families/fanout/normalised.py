"""The comparison of two machines on numbers that do not depend on their core count: each
strategy at its run's most common size, its efficiency, and for the computing workload its
speedup over sequential per usable core."""

from __future__ import annotations

import math

from ... import select as sel
from ... import validity
from ...output import num, table
from ...results import registry_of
from .findings import COMPUTING

INTRO = ("Each strategy at its run's most common size, with workers = cores where it takes "
         "workers. Efficiency is the configuration's own bound over its makespan (1 = ideal on "
         "that machine); speedup is over T1 = items × compute_ms, the calibrated single-thread "
         "computation on the same machine; per usable core divides it by min(cores, compute "
         "threads, items), so 1 means every core it could use was busy, whatever the machine's "
         "size (CPU-bound work only: waiting scales with concurrency, not cores).")


def _cells(run, b, workload: str) -> list:
    # Only computing is bound by cores; waiting scales with concurrency instead.
    speedup = validity.speedup(b) if b and workload == COMPUTING else math.nan
    per_core = (speedup / validity.speedup_bound(b, run.registry, run.cores)
                if b and workload == COMPUTING else math.nan)
    return [b.name if b else "absent", num(b.median("efficiency") if b else None),
            num(speedup), num(per_core)]


def _rows(base, other, workload: str) -> list:
    picks = []
    for run in (base, other):
        benches = sel.of_workload(run, workload)
        picks.append((run, benches, sel.at_representative_size(benches)))
    rows = []
    for s in sel.strategies_of(list(picks[0][2].values()) + list(picks[1][2].values())):
        row = [workload, s]
        for run, benches, reps in picks:
            row += _cells(run, reps.get(s), workload)
        rows.append(row)
    return rows


def section(base, other) -> list:
    """The heading, its explanation and the table; nothing without fan-out benchmarks."""
    rows = [r for w in registry_of([base, other]).workloads for r in _rows(base, other, w)]
    if not rows:
        return []
    headers = ["workload", "strategy"]
    for run in (base, other):
        headers += [f"benchmark ({run.label})", f"efficiency {run.label}",
                    f"speedup {run.label}", f"speedup per usable core {run.label}"]
    return [f"### Normalised for core count ({base.label}: {base.cores} cores, "
            f"{other.label}: {other.cores} cores)", INTRO, table(headers, rows)]
