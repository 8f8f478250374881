"""The regime map's answers, computed from its cells (cells.py): which strategy wins each
compute share, and the two checks against physics (docs/design.md section 6): pure waiting at
10,000 items is won by a concurrent strategy by far more than 100x over sequential, and pure
computing at 32 items by a parallel strategy at about the core count over a single loop."""

from __future__ import annotations

import math
from collections import Counter

from ... import select as sel
from ...output import num, rows_text, times
from ...stats import ratio_ci
from . import cells as cl

# The cells the physics checks read: the purest column at this many items.
WAIT_ITEMS = 10_000
CPU_ITEMS = 32
# A column this close to 0 or 1 counts as pure waiting or pure computing.
PURE = 0.01


def share_text(s: float) -> str:
    return (f"{s:.1%}" if s < 0.01 or s > 0.99 else f"{s:.0%}").replace(".0%", "%")


def margin_text(cell) -> str:
    """'join_set 1.8× [1.7, 1.9] ahead of offload', or the tie."""
    m = cell.margin
    if m is None:
        return f"{cell.winner.strategy} alone"
    second = cell.ranked[1].strategy
    ci = f"{num(m.ratio)}× [{num(m.lo)}, {num(m.hi)}]" if math.isfinite(m.lo) else \
        f"{num(m.ratio)}× (no interval)"
    if cell.tie:
        return f"{cell.winner.strategy} ties {second} ({ci}, within noise)"
    return f"{cell.winner.strategy} {ci} ahead of {second}"


def map_answer(run) -> str:
    """One sentence: per compute share, the strategy that wins most sizes, and the ties."""
    cs = cl.cells(run)
    parts = []
    for col in cl.columns(cs):
        won = [c for c in cs if c.column == col and c.winner is not None]
        if not won:
            continue
        counts = Counter(c.winner.strategy for c in won if not c.tie)
        top = counts.most_common(1)[0] if counts else None
        lead = f"{top[0]} ({top[1]} of {len(won)} sizes)" if top else "ties only"
        parts.append(f"{share_text(cl.column_share(cs, col))} compute: {lead}")
    ties = sum(1 for c in cs if c.tie)
    measured = sum(1 for c in cs if c.winner is not None)
    if not parts:
        return ""
    return (f"On {run.label} ({run.cores} cores), by share of the item spent computing, the "
            f"strategy that wins the most fan-out sizes: " + "; ".join(parts)
            + f"; {ties} of {measured} measured cells are ties within noise.")


def _column(cs, pure_compute: bool):
    cols = cl.columns(cs)
    if not cols:
        return None
    col = cols[-1] if pure_compute else cols[0]
    s = cl.column_share(cs, col)
    return col if (s > 1 - PURE if pure_compute else s < PURE) else None


def waiting_check(run) -> str:
    cs = cl.cells(run)
    col = _column(cs, pure_compute=False)
    cell = cl.find(cs, col, WAIT_ITEMS) if col else None
    if cell is None or cell.winner is None:
        return ""
    w = cell.winner
    seq = next((b for b in cl.regime_benches(run) if b.strategy == sel.BASELINE
                and cl.column_key(b) == col and b.params.get("items") == WAIT_ITEMS), None)
    head = (f"- **Regime, pure waiting ({share_text(cell.share)} compute), "
            f"{num(WAIT_ITEMS)} items**: {margin_text(cell)}")
    if seq is None:
        return head + "; no sequential benchmark to compare." + rows_text(cell.ranked[:2])
    if seq.error is None and seq.n:
        r = ratio_ci(w.samples("real_time"), seq.samples("real_time"))
        return (head + f"; sequential takes {times(r.ratio)} as long (95% CI [{num(r.lo)}, "
                f"{num(r.hi)}])." + rows_text(cell.ranked[:2] + [seq]))
    bound = cl.serial_bound_ms(seq)
    return (head + f"; sequential was not run ({seq.error}), and its serial bound, "
            f"{num(WAIT_ITEMS)} × {num(cl.wait_ms(seq))} ms = {num(bound)} ms, is "
            f"at least {times(bound / w.median())} the winner's {num(w.median())} ms."
            + rows_text(cell.ranked[:2]))


def computing_check(run) -> str:
    cs = cl.cells(run)
    col = _column(cs, pure_compute=True)
    cell = cl.find(cs, col, CPU_ITEMS) if col else None
    if cell is None or cell.winner is None:
        return ""
    w, loop = cell.winner, cl.one_thread(run, cell)
    head = (f"- **Regime, pure computing ({share_text(cell.share)} compute), "
            f"{num(CPU_ITEMS)} items**: {margin_text(cell)}")
    if loop is None or loop is w:
        return head + "." + rows_text(cell.ranked[:2])
    r = ratio_ci(w.samples("real_time"), loop.samples("real_time"))
    return (head + f"; the fastest single loop, {loop.strategy}, takes {times(r.ratio)} as long "
            f"(95% CI [{num(r.lo)}, {num(r.hi)}]) on {run.cores} cores."
            + rows_text(cell.ranked[:2] + [loop]))


def lines(run) -> list:
    out = [x for x in (waiting_check(run), computing_check(run)) if x]
    answer = map_answer(run)
    return ([f"- **Regime map**: {answer}"] if answer else []) + out
