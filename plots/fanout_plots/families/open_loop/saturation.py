"""Open-loop load (`load/...`): one series per strategy along the offered rate, and where it
saturates.

    for series in load_series(run, "wait"):
        sat = saturation(series)
        print(series.name, sat.short(), sat.capacity)

A strategy keeps up at a rate when its achieved throughput is at least KEEP_UP_ACHIEVED × the
offered rate and its corrected p99 at most KEEP_UP_P99 × its own p99 at the lowest rate it ran.
Its saturation throughput is the highest achieved throughput among the rates where it kept up;
kept up even at the highest rate it ran, that is only a lower bound ("≥"). Every value is the
median of the repetitions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ... import select as sel
from ...output import num
from ...results import registry_of

FAMILY = "load"
KEEP_UP_ACHIEVED = 0.9
KEEP_UP_P99 = 5.0
# Parameters that move with the offered rate (the axis of a series) or are bookkeeping, not
# part of a series' configuration.
NOT_CONFIG = ("rate", "offered_per_second", "items", "iterations")
DEFINITION = (
    f"A strategy keeps up at an offered rate when its achieved throughput is at least "
    f"{KEEP_UP_ACHIEVED:g} × the offered rate and its corrected p99 is at most {KEEP_UP_P99:g} × "
    "its own p99 at the lowest rate it ran; its saturation throughput is the highest achieved "
    "throughput among the rates where it kept up (\"≥\" when it kept up even at the highest "
    "rate it ran, \"<\" the lowest rate when it kept up nowhere), and the achieved throughput "
    "at the first rate past saturation is its capacity.")


@dataclass
class LoadSeries:
    """One strategy (in one configuration) of one load workload on one machine."""

    name: str
    strategy: str
    workload: str
    benches: list  # with numbers, by rate
    missing: list = field(default_factory=list)  # skipped or failed, by rate

    @property
    def ms(self):
        return next((b.params.get("ms") for b in self.benches + self.missing
                     if isinstance(b.params.get("ms"), (int, float))), None)


@dataclass
class Saturation:
    """kind: "exact"; "atleast" (kept up at its highest rate); "below" (kept up nowhere: value
    is the lowest rate); "none" (no numbers at all)."""

    kind: str
    value: float
    rate: float = math.nan  # the offered rate at which the saturation throughput was achieved
    light: object = None  # the benchmark at the lowest rate
    past: object = None  # the benchmark at the first rate past saturation, if any ran
    queued_max: float = math.nan
    top_rate: float = math.nan  # the highest rate the strategy ran with numbers

    @property
    def light_p99(self) -> float:
        return self.light.median("p99_ms") if self.light else math.nan

    @property
    def capacity(self) -> float:
        return self.past.median("achieved_per_second") if self.past else math.nan

    def short(self) -> str:
        """'≥ 98.7k/s', '3.11k/s', '< 100/s': for legends and findings."""
        if self.kind == "none":
            return "n/a"
        prefix = {"atleast": "≥ ", "below": "< "}.get(self.kind, "")
        return prefix + rate_text(self.value, measured=self.kind != "below")

    def cell(self) -> str:
        """The table cell, with the exact number."""
        if self.kind == "none":
            return "n/a"
        if self.kind == "atleast":
            return f"≥ {num(self.value)}/s (not saturated at the highest rate)"
        if self.kind == "below":
            return f"< {num(self.value)}/s (behind at the lowest rate)"
        return f"{num(self.value)}/s"


def rate_text(v: float, measured: bool = True) -> str:
    """A throughput such as '89.7/s', '3.00k/s', '98.7k/s' (3 significant digits, measured) or
    an offered rate such as '300/s', '3k/s', '100k/s'."""
    if v is None or not math.isfinite(v):
        return "n/a"
    div, unit = next(((d, u) for d, u in ((1e6, "M"), (1e3, "k")) if abs(v) >= d), (1, ""))
    text = f"{v / div:#.3g}".rstrip(".") if measured else f"{v / div:g}"
    return f"{text}{unit}/s"


def ms_text(v: float) -> str:
    if v is None or not math.isfinite(v):
        return "n/a"
    return f"{v / 1000:.3g} s" if v >= 1000 else f"{v:.3g} ms"


def is_load(bench) -> bool:
    return bench.family == FAMILY


def _load_workload(bench) -> str:
    return str(bench.params.get("workload", FAMILY))


def load_workloads(runs) -> list:
    """The workloads that load benchmarks ran with numbers, in the registry's order."""
    names = {_load_workload(b) for r in runs for b in r.ok() if is_load(b)}
    known = [w for w in registry_of(runs).workloads if w in names]
    return known + sorted(names - set(known))


def rate_of(bench) -> float:
    r = bench.params.get("rate")
    return float(r) if isinstance(r, (int, float)) else bench.median("offered_per_second")


def _config(bench) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in bench.params.items() if k not in NOT_CONFIG))


def load_series(run, workload: str) -> list:
    """Per strategy and configuration, its benchmarks of one load workload along the rate.

    A strategy with several configurations (two limits) gets a series for each, named by the
    parameters that differ; one rate run twice keeps the first registered.
    """
    every = [b for b in run.benches if is_load(b) and _load_workload(b) == workload]
    groups: dict = {}
    for b in every:
        if math.isfinite(rate_of(b)):
            groups.setdefault((b.strategy, _config(b)), []).append(b)
    out = []
    for s in sel.strategies_of(every):
        keys = [k for k in groups if k[0] == s]
        for key in keys:
            bs = sorted(groups[key], key=lambda b: (rate_of(b), b.order))
            bs = [b for i, b in enumerate(bs) if i == 0 or rate_of(b) != rate_of(bs[i - 1])]
            name = s
            if len(keys) > 1:
                shared = set.intersection(*(set(k[1]) for k in keys))
                name += " (" + ", ".join(f"{k}={v}" for k, v in key[1] if (k, v) not in shared) \
                    + ")"
            ok = [b for b in bs if b.error is None and b.n > 0]
            out.append(LoadSeries(name, s, workload, ok, [b for b in bs if b not in ok]))
    return [s for s in out if s.benches]


def offered(bench) -> float:
    v = bench.median("offered_per_second")
    return v if math.isfinite(v) else rate_of(bench)


def kept_up(bench, light_p99: float) -> bool:
    achieved, p99 = bench.median("achieved_per_second"), bench.median("p99_ms")
    return (math.isfinite(achieved) and achieved >= KEEP_UP_ACHIEVED * offered(bench)
            and math.isfinite(p99) and math.isfinite(light_p99)
            and p99 <= KEEP_UP_P99 * light_p99)


def saturation(series: LoadSeries) -> Saturation:
    bs = series.benches
    if not bs:
        return Saturation("none", math.nan)
    light = bs[0]
    queued = [v for v in (b.median("queued_max") for b in bs) if math.isfinite(v)]
    common = {"light": light, "queued_max": max(queued) if queued else math.nan,
              "top_rate": rate_of(bs[-1])}
    ok = [b for b in bs if kept_up(b, light.median("p99_ms"))]
    if not ok:
        return Saturation("below", rate_of(light), past=light, **common)
    best = max(ok, key=lambda b: (b.median("achieved_per_second"), -rate_of(b)))
    value = best.median("achieved_per_second")
    past = next((b for b in bs if rate_of(b) > rate_of(best) and b not in ok), None)
    kind = "atleast" if bs[-1] in ok else "exact"
    return Saturation(kind, value, rate_of(best), past=past, **common)


def ratio_text(base: Saturation, other: Saturation) -> str:
    """other / base, with '≥' or '≤' where a bound makes the ratio one, n/a where it is open."""
    if "none" in (base.kind, other.kind) or not (base.value > 0 and other.value > 0):
        return "n/a"
    sign = {"atleast": 1, "below": -1}
    up = sign.get(other.kind, 0)  # the ratio is at least (+1) or at most (-1) this
    down = -sign.get(base.kind, 0)
    if up and down and up != down:
        return "n/a (neither saturated)" if base.kind == "atleast" else "n/a (behind on both)"
    direction = up or down
    r = other.value / base.value
    return {1: "≥ ", -1: "≤ ", 0: ""}[direction] + f"{r:.2f}"
