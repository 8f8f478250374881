"""Fan-out: one fan-out of N items per workload (wait/..., cpu/..., mixed/..., net/...), every
strategy of the registry on it. Its figures sweep a parameter (sweeps.py), set the strategies
side by side at one size (at_size.py) or set net beside wait (net_vs_wait.py); its findings rank
them against the workload's bound (findings.py); comparing machines, it adds the table
normalised for core count (normalised.py).
"""

from __future__ import annotations

from . import (at_size, findings, memory, net_vs_wait, normalised, pareto, questions, spectrum,
               sweeps, variants)

FAMILY = "fanout"
MAKESPAN_COMPARABLE = True
# The field comparison.md and comparison.json compare its benchmarks on.
COMPARED_ON = "real_time"
# Every figure, in the order the report shows them.
BUILDERS = (pareto.pareto, sweeps.wait_makespan, sweeps.cpu_speedup,
            at_size.latency_percentiles, spectrum.latency_spectrum, sweeps.bounded_limit,
            at_size.cost_cpu, memory.cost_memory, sweeps.mixed, net_vs_wait.net_vs_wait,
            at_size.efficiency, variants.latency_spread, variants.cpu_grain, variants.cpu_nested)


def _present(runs) -> bool:
    return any(b.family == FAMILY for r in runs for b in r.ok())


def draw_figures(runs, styles, out_dir: str) -> list:
    out = [questions.ask(build(runs, styles, out_dir), runs) for build in BUILDERS]
    return [f for f in out if f is not None]


def finding_lines(run) -> list:
    return findings.lines(run)


def findings_intro(runs) -> str:
    return findings.INTRO if _present(runs) else ""


def sections_before_figures(runs) -> list:
    return []


def sections_after_figures(runs, drawn: list, out_dir: str) -> list:
    return []


def compare_runs(base, other) -> list:
    return normalised.section(base, other)
