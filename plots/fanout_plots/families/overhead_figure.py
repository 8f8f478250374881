"""workload_overhead: the suite's own cost grouped by measure, against the floor and the targets
(docs/design.md section 8): left, what one wait adds to the fan-out, (makespan − the wait) / N
in ns, against the number of waits, the floor (raw_bucketed, else raw_libuv) in black; middle,
bytes per in-flight wait against the target; right, ns per task of the task benchmarks against
their targets."""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D

from ..draw import Point
from ..figure import FigureResult, median_col, table_rows
from ..output import num, times
from ..stats import ci_text, median_ci, ratio_ci
from ..style import IDEAL_COLOR, finish, log_x_at, machine_handles, new_figure, save, tag
from . import overhead as oh

QUESTION = ("What does the suite's async layer add per wait and per task, against the raw libuv "
            "floor and the targets?")
CAPTION = (
    "Left, what one wait adds to the fan-out ((makespan − the wait) / waits, in ns) against the "
    "number of concurrent waits, per strategy, the floor in black; middle, bytes of peak memory "
    "per in-flight wait, the target dashed; right, ns per task of the task benchmarks, their "
    "targets dashed. Medians with 95% CIs.")


def _ns_samples(b) -> np.ndarray:
    return (b.samples("real_time") - oh._wait_ms(b)) / b.params["waits"] * 1e6


def _waits_panels(axes, runs, styles) -> list:
    points = []
    for ri, run in enumerate(runs):
        series: dict = {}
        for b in oh.wait_benches(run):
            series.setdefault(b.strategy, []).append(b)
        for s, bs in series.items():
            kw = styles.line_kw(s, ri)
            if s == oh.REFERENCES[0] or (s in oh.REFERENCES and oh.REFERENCES[0] not in series):
                kw.update(color=IDEAL_COLOR, markerfacecolor=IDEAL_COLOR,
                          markeredgecolor=IDEAL_COLOR)
            xs = [b.params["waits"] for b in bs]
            ns = [median_ci(_ns_samples(b)) for b in bs]
            axes[0, 0].errorbar(xs, [c.median for c in ns], yerr=[[c.median - c.lo for c in ns],
                                [c.hi - c.median for c in ns]], label=s, **kw)
            axes[0, 1].plot(xs, [b.median("bytes_per_wait") for b in bs], **kw)
            points += [Point(ri, s, x, b, _ns_samples(b)) for x, b in zip(xs, bs)]
    axes[0, 1].axhline(oh.BYTES_TARGET, color="0.3", linestyle="--", linewidth=1.2)
    ticks = sorted({p.x for p in points})
    for ax, label in zip(axes[0, :2], ("ns per wait (makespan − wait) / waits",
                                       "bytes per in-flight wait")):
        log_x_at(ax, ticks, "concurrent waits")
        ax.set_ylabel(label)
    axes[0, 0].set_yscale("log")
    axes[0, 1].set_ylim(bottom=0)
    return points


def floor_name(runs) -> str:
    names = {b.strategy for r in runs for b in oh.wait_benches(r)}
    return next((r for r in oh.REFERENCES if r in names), "")


def _tasks_panel(ax, runs, styles) -> list:
    points, labels = [], []
    for ri, run in enumerate(runs):
        for b in oh.task_benches(run):
            label = f"{b.strategy} {oh._kind(b)}" + (
                f", {num(b.params['workers'])} w" if "workers" in b.params else "")
            y = labels.index(label) if label in labels else len(labels)
            labels += [] if label in labels else [label]
            ci = median_ci(b.samples("ns_per_task"))
            ax.barh(y + 0.35 * ri, ci.median, height=0.3, color=styles.color(b.strategy),
                    gid=tag(b.strategy, ri))
            target = oh._task_target(b)
            if target:
                ax.plot([target, target], [y - 0.4, y + 0.4], color="0.3", linestyle="--")
            points.append(Point(ri, b.strategy, 0, b, b.samples("ns_per_task")))
    ax.set_yticks(range(len(labels)), labels, fontsize=9.5)
    ax.set_xlabel("ns per task")
    return points


def _answer_at(run, per, s, n, limit) -> str:
    floor_name, floor = oh.floor_of(per.get(n, {}))
    if s not in per.get(n, {}) or floor is None:
        return ""
    r = ratio_ci(floor.samples("real_time"), per[n][s].samples("real_time"))
    return (f"at {num(n)} waits {s} adds {ci_text(median_ci(_ns_samples(per[n][s])), num)} ns "
            f"per wait against {floor_name}'s {num(oh.per_wait_ns(floor))}, a makespan "
            f"{times(r.ratio)} the floor's (95% CI [{num(r.lo)}, {num(r.hi)}]; target ≤ "
            f"{num(limit)}×: "
            f"{'met' if r.hi <= limit else 'missed' if r.lo > limit else 'undecided'})")


def answer(run) -> str:
    per = oh.by_waits(run)
    parts = [a for (s, n), limit in oh.RATIO_TARGETS.items()
             if (a := _answer_at(run, per, s, n, limit))]
    if not parts:
        return ""
    bpw = max((b.median("bytes_per_wait"), s) for n in per.values() for s, b in n.items()
              if s not in oh.REFERENCES)
    return (f"On {run.label}, " + "; ".join(parts) + f"; at most {num(bpw[0])} bytes per "
            f"in-flight wait ({bpw[1]}; target ≤ {num(oh.BYTES_TARGET)}).")


def workload_overhead(runs, styles, out_dir):
    if not any(oh._benches(r) for r in runs):
        return None
    fig, axes = new_figure(3, width=15.0, height=4.8)
    points = _waits_panels(axes, runs, styles) + _tasks_panel(axes[0, 2], runs, styles)
    axes[0, 0].set_title("time per wait")
    axes[0, 1].set_title("memory per wait")
    axes[0, 2].set_title("time per task")
    floor = floor_name(runs)
    names = [s for s in dict.fromkeys(p.strategy for p in points) if s != floor]
    handles = styles.strategy_handles(names) + [
        Line2D([], [], color=IDEAL_COLOR, marker="o", label=f"the floor: {floor}"),
        Line2D([], [], color="0.3", linestyle="--", label="target")]
    title = "Overhead: per wait and per task, against the floor and the targets"
    finish(fig, runs, title, handles + machine_handles(runs), ncol=5)
    cols = [("ns per wait or task", lambda p: ci_text(p.ci, num)),
            median_col("bytes_per_wait", "bytes per wait"), median_col("real_time",
                                                                       "makespan [ms]")]
    headers, rows = table_rows(runs, points, cols)
    return FigureResult("workload_overhead", title, CAPTION, headers, rows, "",
                        save(fig, out_dir, "workload_overhead"), question=QUESTION,
                        answer=" ".join(a for a in (answer(r) for r in runs) if a))
