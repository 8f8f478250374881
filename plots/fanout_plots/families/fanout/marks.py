"""What the sweeps against items add to their lines: each series' own bound (its configuration's
ideal_ms, dotted in its colour), the points that were not measured (skipped over the profile's
budget, or failed) marked at the top of the axes with their reason, and the answer sentence at
the largest size most strategies ran."""

from __future__ import annotations


import numpy as np
from matplotlib.lines import Line2D
from matplotlib.transforms import blended_transform_factory

from ...output import num, times
from ...stats import ci_text, ratio_ci
from ...style import tag

# Not measured: over the profile's budget (`skipped: ...`), or an error of the run itself.
SKIP_MARKS = (("skipped", "v", "not run: its ideal exceeds the profile's budget"),
              ("failed", "x", "failed: {}"))


def own_bounds(axes, styles, run_i: int, ser: dict, right_ideal=None) -> None:
    """Each strategy's own ideal_ms (left) and what it allows on the right, dotted."""
    for s, bs in ser.items():
        xs = np.array([b.params["items"] for b in bs], dtype=float)
        ys = np.array([b.median("ideal_ms") for b in bs], dtype=float)
        ok = np.isfinite(ys) & (ys > 0)
        if ok.sum() < 1:
            continue
        kw = {"color": styles.color(s), "linestyle": ":", "linewidth": 1.1, "zorder": 1,
              "alpha": 0.9 if run_i == 0 else 0.6, "gid": tag(s, run_i)}
        axes[0].plot(xs[ok], ys[ok], **kw)
        if right_ideal is not None:
            axes[1].plot(xs[ok], right_ideal(xs[ok], ys[ok]), **kw)


def _kind(error: str) -> tuple:
    if error.startswith("skipped"):
        return SKIP_MARKS[0]
    kind, marker, label = SKIP_MARKS[1]
    return kind, marker, label.format(error.split(":")[0].split(" after ")[0])


def mark_skipped(ax, runs, workload: str) -> list:
    """Markers at the top of the axes for every failed benchmark of the workload, in its
    strategy's colour; returns the legend entries, one per reason."""
    top = blended_transform_factory(ax.transData, ax.transAxes)
    labels: dict = {}
    for run in runs:
        for b in run.failed():
            items = b.params.get("items")
            if b.workload != workload or not isinstance(items, (int, float)):
                continue
            _, marker, label = _kind(b.error or "")
            ax.plot([items], [0.98], marker=marker, color="0.35", markersize=8,
                    linestyle="none", transform=top, clip_on=False, zorder=5,
                    label=f"{b.strategy} at {num(items)} items: {label}")
            labels[label] = marker
    return [Line2D([], [], color="0.35", marker=m, linestyle="none", label=f"at the top: {lab}")
            for lab, m in labels.items()]


def answer_at_largest(runs, points) -> str:
    """At each machine's largest size with two or more strategies: the fastest, its margin over
    the runner-up (95% CI of the ratio of medians), and the gap to its own bound."""
    out = []
    for ri, run in enumerate(runs):
        ps = [p for p in points if p.run_i == ri and not p.invalid]
        sizes = sorted({p.x for p in ps if sum(q.x == p.x for q in ps) >= 2})
        if not sizes:
            continue
        at = sorted((p for p in ps if p.x == sizes[-1]), key=lambda p: p.med)
        first, second = at[0], at[1]
        r = ratio_ci(first.values, second.values)
        own = first.bench.median("ideal_ms")
        where = f"On {run.label}, a" if len(runs) > 1 else "A"
        out.append(
            f"{where}t {num(sizes[-1])} items {first.strategy} is fastest, "
            f"{ci_text(first.ci, num)} ms, {times(first.med / own)} its own bound; "
            f"{second.strategy} takes {num(r.ratio)}× as long (95% CI [{num(r.lo)}, "
            f"{num(r.hi)}]{', a tie within noise' if r.verdict == 'same' else ''}), and "
            f"{at[-1].strategy} {times(at[-1].med / first.med)}.")
    return " ".join(out)
