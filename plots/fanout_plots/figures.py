"""Every figure of the report, in the order the report shows them."""

from __future__ import annotations

from . import figures_load as load
from . import figures_rep as rep
from . import figures_sweep as sweep
from .saturation import load_workloads
from .select import extra_groups

BUILDERS = (sweep.wait_makespan, sweep.cpu_speedup, rep.latency_percentiles, rep.latency_cdf,
            sweep.bounded_limit, rep.cost_cpu, rep.cost_memory, sweep.mixed, rep.efficiency)


def build_all(runs, styles, out_dir: str) -> list:
    """Draws and saves every figure that has data; returns their FigureResults."""
    results = [build(runs, styles, out_dir) for build in BUILDERS]
    results += [rep.extra_workload(runs, styles, out_dir, w, f) for w, f in extra_groups(runs)]
    results += [load.load_figure(runs, styles, out_dir, w) for w in load_workloads(runs)]
    return [r for r in results if r is not None]
