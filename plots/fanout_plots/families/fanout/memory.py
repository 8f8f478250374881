"""cost_memory: the total growth of peak resident memory during a fan-out against items, per
workload with an items sweep (workers = cores), on a log axis: what a fan-out of N items costs in
memory, the per-item slope showing where a strategy holds a stack or a state per item."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.ticker import FuncFormatter

from ...draw import at_cores, draw_lines, sweep_points
from ...figure import FigureResult, col, handles, median_col, table_rows
from ...output import num
from ...results import registry_of
from ...stats import ci_text
from ...style import finish, new_figure, save

QUESTION = "How much memory does a fan-out of N items cost with each strategy?"
CAPTION = (
    "Each line is a strategy's median growth of peak resident memory during one fan-out "
    "(growth per in-flight item × items in flight, the harness's own records excluded), in "
    "KiB, against items, at workers = cores, with bars its 95% CI. Linear up to one page (4 "
    "KiB: growth is measured in pages, so a small fan-out can read as 0), logarithmic beyond.")


def total_kib(b, benches, run) -> np.ndarray:
    """Each repetition's growth per in-flight item × the items in flight, in KiB."""
    per, n = b.samples("mem_per_item_bytes"), b.samples("in_flight")
    k = min(per.size, n.size)
    return per[:k] * n[:k] / 1024


def answer(runs, points) -> str:
    """Per machine and workload, at its largest size: the strategies growing most and least."""
    out = []
    for ri, run in enumerate(runs):
        parts = []
        for w in dict.fromkeys(p.bench.workload for p in points):
            ps = [p for p in points if p.run_i == ri and p.bench.workload == w
                  and math.isfinite(p.med)]
            if len(ps) < 2:
                continue
            top = max(p.x for p in ps)
            at = sorted((p for p in ps if p.x == top), key=lambda p: p.med)
            if at[0].med == at[-1].med:
                parts.append(f"{w} at {num(top)} items, every strategy {num(at[0].med)} KiB")
                continue
            parts.append(f"{w} at {num(top)} items, {at[-1].strategy} "
                         f"{ci_text(at[-1].ci, num)} KiB against {at[0].strategy} "
                         f"{ci_text(at[0].ci, num)} KiB")
        if parts:
            where = f"On {run.label}, the" if len(runs) > 1 else "The"
            out.append(f"{where} most and least growth of peak memory per fan-out: "
                       + "; ".join(parts) + ".")
    return " ".join(out)


def cost_memory(runs, styles, out_dir):
    per = {w: sweep_points(runs, w, "items", total_kib, keep=at_cores)[0]
           for w in registry_of(runs).workloads}
    per = {w: ps for w, ps in per.items() if ps}
    if not per:
        return None
    fig, axes = new_figure(len(per), width=4.6 * len(per) + 1.4, height=4.8)
    for ax, (w, ps) in zip(axes[0], per.items()):
        draw_lines(ax, ps, styles)
        ax.set_xscale("log")
        ax.set_yscale("symlog", linthresh=4.0)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_xlabel("items per fan-out")
        ax.set_title(w)
    axes[0, 0].set_ylabel("peak memory growth per fan-out [KiB]")
    points = [p for ps in per.values() for p in ps]
    title = "Cost: memory growth of one fan-out against items"
    finish(fig, runs, title, handles(runs, styles, points), ncol=4)
    cols = [("growth [KiB]", lambda p: ci_text(p.ci, num)),
            median_col("mem_per_item_bytes", "per in-flight item [bytes]"),
            median_col("in_flight", "in flight (measured max)")] + col("real_time",
                                                                       "makespan [ms]")
    headers, rows = table_rows(runs, points, cols)
    return FigureResult("cost_memory", title, CAPTION, headers, rows, "",
                        save(fig, out_dir, "cost_memory"), question=QUESTION,
                        answer=answer(runs, points))
