"""scenario/...: the fan-outs of a scenario file (docs/design.md section 10). Its figure is the
generic one (every benchmark, runs overlaid); its finding is the scenario's recommendation,
whose whole answer is in scenario.md and recommendation.json (scenario_md.py, recommend.py);
a comparison sets the answers on both machines side by side and matches configurations with
workers at each machine's cores.
"""

from __future__ import annotations

from .. import generic
from ..recommend import recommend
from ..scenario_md import compare_section

FAMILY = "scenario"
# The generic makespan table matches names, and the worker counts in them follow each
# machine's cores: compare_runs matches them itself.
MAKESPAN_COMPARABLE = False
COMPARED_ON = "real_time"


def _has(run) -> bool:
    return any(b.family == FAMILY for b in run.ok())


def draw_figures(runs, styles, out_dir: str) -> list:
    """workload_scenario: every scenario benchmark's makespan and item p99 (what the
    recommendation ranks), the runs overlaid in a comparison."""
    group = generic.Group(FAMILY, tails=("p99_ms",),
                          caption="The ranking of each configuration is in scenario.md.")
    fig = generic.figure(runs, styles, out_dir, group)
    return [fig] if fig else []


def finding_lines(run) -> list:
    if not _has(run):
        return []
    first = recommend(run)["recommendation"].split("\n\n")[0]
    return [f"- **scenario**: {first} The whole answer: scenario.md."]


def findings_intro(runs) -> str:
    return ""


def sections_before_figures(runs) -> list:
    return []


def sections_after_figures(runs, drawn: list, out_dir: str) -> list:
    return []


def compare_runs(base, other) -> list:
    return compare_section(base, other)
