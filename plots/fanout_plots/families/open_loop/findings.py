"""Open-loop findings: per load workload, the strategies that saturate last and first, and what
the uncorrected p99 hides past saturation."""

from __future__ import annotations

import math

from . import saturation as sat
from ...output import ratio, rows_text, times

INTRO = ("Per open-loop load workload, the strategy that saturates last and the one that "
         "saturates first (definition under Load), and what the uncorrected p99 hides past "
         "saturation.")
# Sorts saturations of equal value: behind everywhere, then saturated, then never saturated.
KINDS = {"below": 0, "exact": 1, "atleast": 2}


def _lowest_text(series, t) -> str:
    if t.kind == "below":
        return (f"{series.name} below {t.short()[2:]} (behind already at the lowest rate, "
                f"achieving {sat.rate_text(t.capacity)} there)")
    past = (f" ({sat.rate_text(t.capacity)} achieved at "
            f"{sat.rate_text(sat.rate_of(t.past), False)} "
            f"offered)" if t.past else "")
    return f"{series.name} at {t.short()}{past}"


def _most_hidden(run, workload: str):
    """(corrected / uncorrected p99, series, benchmark) past saturation where it is largest."""
    worst = None
    for s in sat.load_series(run, workload):
        light = s.benches[0].median("p99_ms")
        for b in s.benches:
            if sat.kept_up(b, light):
                continue
            r = ratio(b.median("p99_ms"), b.median("uncorrected_p99_ms"))
            if math.isfinite(r) and (worst is None or r > worst[0]):
                worst = (r, s, b)
    return worst


def _sat_rows(series, t) -> list:
    """The benchmarks a saturation rests on: its lowest rate, the rate of its saturation
    throughput and the first rate past it."""
    at = [b for b in series.benches if sat.rate_of(b) == t.rate]
    return [b for b in [t.light] + at + [t.past] if b is not None]


def _omission_text(run, workload: str, used: list) -> str:
    """The point past saturation where the uncorrected p99 hides the most."""
    worst = _most_hidden(run, workload)
    if worst is None:
        return "no strategy ran past saturation at these rates"
    r, s, b = worst
    used.append(b)
    where = f"{s.name} at {sat.rate_text(sat.rate_of(b), False)}"
    corrected, uncorrected = (sat.ms_text(b.median(k)) for k in ("p99_ms", "uncorrected_p99_ms"))
    if r < 2:
        return (f"past saturation the corrected p99 ({corrected}, {where}) stays within 2× of "
                f"the uncorrected ({uncorrected})")
    return (f"past saturation corrected p99 reaches {corrected} ({where}) while the "
            f"uncorrected p99 stays at {uncorrected} (coordinated omission hides {times(r)})")


def lines(run) -> list:
    """Per load workload: the strategies that saturate last and first, and what the
    uncorrected latency hides past saturation."""
    out = []
    for w in sat.load_workloads([run]):
        ranked = [(s, sat.saturation(s)) for s in sat.load_series(run, w)]
        ranked = sorted(((s, t) for s, t in ranked if t.kind != "none"),
                        key=lambda st: (st[1].value, KINDS[st[1].kind]))
        if not ranked:
            continue
        top_s, top = ranked[-1]
        head = f"{top_s.name} saturates at {top.short()}"
        if top.kind == "atleast":
            head += (f" (not saturated at the highest rate, "
                     f"{sat.rate_text(top.top_rate, False)})")
        used = _sat_rows(top_s, top)
        if len(ranked) > 1:
            head += ", " + _lowest_text(*ranked[0])
            used += _sat_rows(*ranked[0])
        omission = _omission_text(run, w, used)
        out.append(f"- **load ({w})**: {head}; {omission}." + rows_text(used))
    return out
