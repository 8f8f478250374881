"""The benchmark families, one module (or small package) each, in the order of the report.

Each module reads the benchmarks of one family of the registry (`FAMILY`: the first segment of
their names, fanout for the workloads' wait/..., cpu/..., mixed/...) and owns all that the
report says about them:

    FAMILY                                   the registry's family name
    MAKESPAN_COMPARABLE                      whether comparison.md compares their makespans
    COMPARED_ON                              the field the comparisons' ratio CIs are of
    draw_figures(runs, styles, out_dir)      its figures (FigureResults, saved)
    finding_lines(run)                       its lines of a run's findings
    findings_intro(runs)                     its sentence of the findings' introduction
    sections_before_figures(runs)            report parts before "## Figures"
    sections_after_figures(runs, drawn, out_dir)  report parts after them (its own figures)
    compare_runs(base, other)                its parts of comparison.md for a pair of runs

The report, the comparison and the command line iterate over FAMILIES; benchmarks of a family
that no module reads get the generic figure and finding (generic.py). A new family is one new
module and one entry below.
"""

from __future__ import annotations

from ..results import registry_of
from . import fanout, hazards, open_loop, overhead, regime, scenario

FAMILIES = (fanout, regime, hazards, overhead, open_loop, scenario)


def unclaimed(runs) -> list:
    """The families of the runs' benchmarks that no module reads: the registry's order, then
    names it does not know, alphabetically."""
    claimed = {f.FAMILY for f in FAMILIES}
    present = {b.family for r in runs for b in r.ok()} - claimed
    known = [f for f in registry_of(runs).families if f in present]
    return known + sorted(present - set(known))
