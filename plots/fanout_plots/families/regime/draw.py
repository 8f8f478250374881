"""regime_map: the winning strategy per compute share of an item x items per fan-out, one panel
per machine, each cell coloured by its winner and labelled with the margin over the runner-up
(the 95% CI of the ratio of their medians); ties within noise hatched, cells whose strategies
were all skipped (over the sweep's budget) grey."""

from __future__ import annotations

import math

from matplotlib.patches import Patch, Rectangle

from ...figure import FigureResult
from ...output import num
from ...style import cores_text, finish, new_figure, save
from . import answers
from . import cells as cl

QUESTION = ("Which strategy should my fan-out use, given how much of each item is computing "
            "and how many items it fans out?")
CAPTION = (
    "Each column is an item's measured compute share (its calibrated CPU part over CPU part "
    "plus wait: a 1 ms wait alone, a 1 ms wait then 1, 3 or 9 one-frame transcodes, a transcode "
    "alone), each row a fan-out size; a cell is coloured by the strategy with the smallest "
    "median makespan and gives the runner-up's median over the winner's with its 95% CI. A "
    "hatched cell is a tie (the CI contains 1); a grey one was not run: every strategy's ideal "
    "exceeded the sweep's budget; a blank one is beyond the sweep's work cap.")
TIE_HATCH = "///"
SKIPPED = "0.85"


def column_label(cs, col: tuple) -> str:
    workload, wait, frames = col[0], col[1], cl.frames(cs, col)
    parts = [f"{num(wait)} ms wait"] if wait else []
    parts += [f"{num(frames)} frame{'s' if frames != 1 else ''}"] if frames else []
    return f"{answers.share_text(cl.column_share(cs, col))}\n{workload}: " + " + ".join(parts)


def cell_text(cell) -> str:
    if cell.winner is None:
        return "not run\n(budget)"
    m = cell.margin
    if m is None:
        return f"{cell.winner.strategy}\nalone"
    ci = f"[{num(m.lo, 3)}, {num(m.hi, 3)}]" if math.isfinite(m.lo) else "(no CI)"
    head = "tie: " if cell.tie else ""
    return f"{head}{cell.winner.strategy}\n×{num(m.ratio, 3)} {ci}\nover {cell.ranked[1].strategy}"


def _draw_cell(ax, x: int, y: int, cell, styles) -> None:
    if cell.winner is None:
        color, hatch = SKIPPED, ""
    else:
        color, hatch = styles.color(cell.winner.strategy), TIE_HATCH if cell.tie else ""
    ax.add_patch(Rectangle((x - 0.5, y - 0.5), 1, 1, facecolor=color, alpha=0.45 if hatch else
                           0.75, hatch=hatch, edgecolor="white", linewidth=1.5))
    ax.text(x, y, cell_text(cell), ha="center", va="center", fontsize=8.5, linespacing=1.15)


def _panel(ax, run, styles, cols, rows) -> list:
    cs = cl.cells(run)
    for x, col in enumerate(cols):
        for y, items in enumerate(rows):
            cell = cl.find(cs, col, items)
            if cell is not None:
                _draw_cell(ax, x, y, cell, styles)
    ax.set_xlim(-0.5, len(cols) - 0.5)
    ax.set_ylim(-0.5, len(rows) - 0.5)
    ax.set_xticks(range(len(cols)), [column_label(cs, c) for c in cols], fontsize=9.5)
    ax.set_yticks(range(len(rows)), [num(r) for r in rows])
    ax.grid(False)
    ax.set_xlabel("compute share of an item (compute_ms / (compute_ms + wait)), and its work")
    ax.set_ylabel("items per fan-out")
    ax.set_title(f"{run.label}: {cores_text(run)}")
    return [c.winner.strategy for c in cs if c.winner is not None]


def _rows(runs) -> tuple:
    headers = (["machine"] if len(runs) > 1 else []) + [
        "compute share", "items", "winner", "winner [ms]", "runner-up", "runner-up / winner",
        "tie", "not run"]
    rows = []
    for run in runs:
        cs = cl.cells(run)
        for c in cs:
            m, s = c.margin, cl.column_share(cs, c.column)
            rows.append(([run.label] if len(runs) > 1 else []) + [
                answers.share_text(s) if math.isfinite(s) else "n/a", num(c.items),
                c.winner.strategy if c.winner else "none",
                num(c.winner.median()) if c.winner else "n/a",
                c.ranked[1].strategy if m else "none",
                f"{num(m.ratio)} [{num(m.lo)}, {num(m.hi)}]" if m else "n/a",
                "yes" if c.tie else "no", ", ".join(s for s, _ in c.skipped) or "none"])
    return headers, rows


def regime_map(runs, styles, out_dir):
    present = [r for r in runs if cl.regime_benches(r)]
    if not present:
        return None
    every = [c for r in present for c in cl.cells(r)]
    cols, rows = cl.columns(every), cl.sizes(every)
    fig, axes = new_figure(1, len(present), width=1.9 * len(cols) + 1.8,
                           height=(0.85 * len(rows) + 1.6) * len(present))
    winners = []
    for ax, run in zip(axes[:, 0], present):
        winners += _panel(ax, run, styles, cols, rows)
    handles = [Patch(facecolor=styles.color(s), alpha=0.75, label=s)
               for s in dict.fromkeys(w for w in sorted(
                   set(winners), key=lambda s: present[0].registry.rank(s)))]
    handles += [Patch(facecolor="0.6", alpha=0.45, hatch=TIE_HATCH, label="tie within noise"),
                Patch(facecolor=SKIPPED, label="not run: over the sweep's budget")]
    title = "Regime map: the fastest strategy by compute share and fan-out size"
    finish(fig, runs, title, handles, ncol=4, error_bars=False)  # cells carry their CIs
    headers, table_rows = _rows(present)
    answer = " ".join(a for a in (answers.map_answer(r) for r in present) if a)
    return FigureResult("regime_map", title, CAPTION, headers, table_rows, "",
                        save(fig, out_dir, "regime_map"), question=QUESTION, answer=answer)
