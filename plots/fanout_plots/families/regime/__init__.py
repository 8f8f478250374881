"""Regime (`regime/<strategy>/items:N/.../workload:<w>`): the regime map's sweep, the
fan-out family's counters over a grid of compute share x items (benchmarks/fanout.cpp,
regime_sweep). Its figure is the regime map (draw.py), its findings the map's answer and the
two checks against physics (answers.py)."""

from __future__ import annotations

from . import answers, draw
from .cells import FAMILY

MAKESPAN_COMPARABLE = True
# The field comparison.md and comparison.json compare its benchmarks on.
COMPARED_ON = "real_time"
INTRO = ("The regime map's lines give, per compute share of an item, the strategy that wins "
         "the most fan-out sizes, then check the map against physics at its two pure ends.")


def draw_figures(runs, styles, out_dir: str) -> list:
    fig = draw.regime_map(runs, styles, out_dir)
    return [fig] if fig is not None else []


def finding_lines(run) -> list:
    return answers.lines(run)


def findings_intro(runs) -> str:
    return INTRO if any(b.family == FAMILY for r in runs for b in r.ok()) else ""


def sections_before_figures(runs) -> list:
    return []


def sections_after_figures(runs, drawn: list, out_dir: str) -> list:
    return []


def compare_runs(base, other) -> list:
    return []
