"""Open loop (`load/...`): items arrive at an offered rate and each strategy admits them as they
come. Where each strategy saturates (saturation.py), the p99 against offered load per workload
with the saturation table (figures.py), the findings (findings.py), and the comparison of two
machines on corrected p99 and saturation (compare.py). Its figures have a report section of
their own, after the general figures.
"""

from __future__ import annotations

from ...results import registry_of
from . import compare, figures, findings, saturation

FAMILY = saturation.FAMILY
# The makespan of a load benchmark is only the length of its arrival schedule.
MAKESPAN_COMPARABLE = False
# The field comparison.md and comparison.json compare its benchmarks on.
COMPARED_ON = "p99_ms"
INTRO = ("Open-loop benchmarks (`load/...`): items arrive at an offered rate and each "
         "strategy admits them as they come. Corrected latencies are charged from each "
         "item's intended arrival (wrk2's correction of coordinated omission), uncorrected "
         "ones from its admission, so a strategy that falls behind cannot hide its queue. ")


def draw_figures(runs, styles, out_dir: str) -> list:
    """load_<workload> per workload the load benchmarks ran."""
    out = [figures.load_figure(runs, styles, out_dir, w) for w in saturation.load_workloads(runs)]
    return [f for f in out if f is not None]


def finding_lines(run) -> list:
    run = run.valid_only()  # invalid points are never used in findings
    return findings.lines(run)


def findings_intro(runs) -> str:
    return findings.INTRO if saturation.load_workloads(runs) else ""


def sections_before_figures(runs) -> list:
    return []


def _absent(runs) -> str:
    closed = registry_of(runs).closed_loop_only()
    return (f" Without an open-loop form, and so without load benchmarks: {', '.join(closed)}."
            if closed else "")


def sections_after_figures(runs, drawn: list, out_dir: str) -> list:
    """"## Load": what open loop means, the saturation rule, and the load figures."""
    mine = [f for f in drawn if f.section == figures.SECTION]
    if not mine:
        return []
    return [f"## {figures.SECTION}", INTRO + saturation.DEFINITION + " Values are medians of "
            "the repetitions; a strategy's line and rows stop where it was skipped past "
            "saturation (or failed: see Warnings)." + _absent(runs)] + [
                f.markdown(out_dir) for f in mine]


def compare_runs(base, other) -> list:
    return compare.section(base, other)
