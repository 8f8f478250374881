"""The latency sidecar beside a run's JSON (benchmarks/sidecar.hpp): per fan-out benchmark and
repetition, every item's latency as log-bucketed counts, read into percentiles.

    hists = read(files, contexts)             # {benchmark name: Histograms}
    h = hists.get(key(bench.name))
    h.percentile_samples(0.999)               # that percentile of each repetition, in ms

The context of each JSON file names its sidecar (`fanout_latency_sidecar`), a file in the same
folder; a run without one has no histograms, and the report falls back to the four counters.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass

import numpy as np

KEY = "fanout_latency_sidecar"


def key(name: str) -> str:
    """A benchmark's name as the sidecar keys it: without the segments Google Benchmark adds
    for a per-benchmark option (`min_time:0.100`)."""
    return "/".join(s for s in name.split("/") if not s.startswith("min_time:"))


@dataclass
class Histograms:
    """One benchmark's repetitions, each {bucket: count}; bucket k is [min_ms * ratio^k,
    min_ms * ratio^(k+1)) and reads back as its geometric middle."""

    min_ms: float
    ratio: float
    reps: list

    def count(self, rep: dict) -> int:
        return int(sum(rep.values()))

    def percentile(self, rep: dict, q: float) -> float:
        """The nearest-rank percentile q of one repetition; NaN where it holds fewer than
        1 / (1 - q) items, too few for that percentile to be more than its maximum."""
        n = self.count(rep)
        if not n or n * (1 - q) < 1 - 1e-9:
            return math.nan
        rank, seen = math.ceil(q * n), 0
        for k in sorted(rep):
            seen += rep[k]
            if seen >= rank:
                return self.min_ms * self.ratio ** (k + 0.5)
        return math.nan

    def pooled(self) -> dict:
        """Every repetition's items together: a deeper tail than any one repetition holds."""
        out: dict = {}
        for rep in self.reps:
            for k, n in rep.items():
                out[k] = out.get(k, 0) + n
        return out

    def percentile_samples(self, q: float) -> np.ndarray:
        vals = np.array([self.percentile(r, q) for r in self.reps], dtype=float)
        return vals[np.isfinite(vals)]


def _read_one(path: str) -> dict:
    out = {}
    with open(path, encoding="utf-8") as f:
        head = json.loads(f.readline())
        for line in f:
            doc = json.loads(line)
            reps = [{int(k): int(n) for k, n in rep} for rep in doc["repetitions"]]
            out[doc["name"]] = Histograms(float(head["min_ms"]), float(head["ratio"]), reps)
    return out


def read(files, contexts) -> dict:
    """The histograms of every JSON file's sidecar that exists; unreadable ones are skipped
    (the figure then falls back to the counters)."""
    out: dict = {}
    for file, ctx in zip(files, contexts):
        name = ctx.get(KEY)
        path = os.path.join(os.path.dirname(file), name) if isinstance(name, str) else ""
        if path and os.path.isfile(path):
            try:
                out.update(_read_one(path))
            except (OSError, ValueError, KeyError, TypeError):
                continue
    return out
