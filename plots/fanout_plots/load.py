"""Reads result folders of Google Benchmark JSON into runs of benchmarks.

    run = load_run("results/dev-2core/20260101T120000")
    for bench in run.ok():
        print(bench.name, bench.median("real_time"), bench.cv("real_time"))

The JSON files are only read, never rewritten, so that Google Benchmark's own compare.py keeps
working on them.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field

import numpy as np

# Google Benchmark appends one segment per timing option to a benchmark's name.
TIMING_SEGMENTS = ("/manual_time", "/process_time", "/real_time")
# Times are reported in the entry's time_unit; everything here is in milliseconds.
TO_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
TIME_FIELDS = ("real_time", "cpu_time")
# Counters that are parameters of a configuration rather than measurements of it.
PARAM_COUNTERS = ("items", "workers", "limit", "capacity", "latency_ms", "latency_p99_ms",
                  "frames", "nested")
# Name segments that repeat a parameter counter under a shorter name.
NAME_ALIASES = {"ms": "latency_ms", "p99": "latency_p99_ms"}
# Fields of an entry that are neither measurements nor counters.
BOOKKEEPING = {"name", "run_name", "run_type", "family_index", "per_family_instance_index",
               "repetitions", "repetition_index", "iterations", "time_unit", "label",
               "aggregate_name", "aggregate_unit", "error_occurred", "error_message",
               "threads_per_run"}


class InputError(Exception):
    """A result folder or file that cannot be used; the message names the path."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")


def display_name(run_name: str) -> str:
    """The benchmark's name without the timing segments Google Benchmark appends."""
    name = run_name
    stripped = True
    while stripped:
        stripped = False
        for seg in TIMING_SEGMENTS:
            if name.endswith(seg):
                name = name[: -len(seg)]
                stripped = True
    return name


def _number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


@dataclass
class Bench:
    """One benchmark configuration and its repetitions (times in ms)."""

    name: str
    run_name: str
    label: str
    workload: str
    strategy: str
    params: dict
    order: int
    note: str = ""
    reps: list = field(default_factory=list)
    aggregates: dict = field(default_factory=dict)
    error: str | None = None

    @property
    def n(self) -> int:
        return len(self.reps)

    def has(self, key: str) -> bool:
        return any(key in r for r in self.reps)

    def samples(self, key: str) -> np.ndarray:
        vals = [r[key] for r in self.reps if isinstance(r.get(key), (int, float))]
        arr = np.asarray(vals, dtype=float)
        return arr[np.isfinite(arr)]

    def median(self, key: str = "real_time") -> float:
        s = self.samples(key)
        return float(np.median(s)) if s.size else math.nan

    def spread(self, key: str = "real_time") -> tuple[float, float]:
        s = self.samples(key)
        return (float(s.min()), float(s.max())) if s.size else (math.nan, math.nan)

    def cv(self, key: str = "real_time") -> float | None:
        """Coefficient of variation as Google Benchmark defines it: sample stddev / mean."""
        s = self.samples(key)
        if s.size < 2:
            agg = self.aggregates.get("cv", {}).get(key)
            return float(agg) if isinstance(agg, (int, float)) and math.isfinite(agg) else None
        mean = float(s.mean())
        return float(s.std(ddof=1)) / mean if mean else None


@dataclass
class Run:
    """All benchmarks of one result folder, with the machine context of its first file."""

    path: str
    label: str
    context: dict
    files: list
    benches: list
    notes: list = field(default_factory=list)

    @property
    def cores(self) -> int:
        for key in ("fanout_cores", "num_cpus"):
            try:
                return max(1, int(float(self.context.get(key, ""))))
            except (TypeError, ValueError):
                continue
        return 1

    def ok(self) -> list:
        return [b for b in self.benches if b.error is None and b.n > 0]

    def failed(self) -> list:
        return [b for b in self.benches if b.error is not None]

    def find(self, name: str) -> Bench | None:
        return next((b for b in self.benches if b.name == name), None)


def _params(entry: dict, name: str) -> dict:
    params = {k: entry[k] for k in PARAM_COUNTERS if isinstance(entry.get(k), (int, float))}
    # Parameters that have no counter (a later benchmark's own) come from the name.
    for seg in name.split("/")[2:]:
        key, sep, value = seg.partition(":")
        if sep and NAME_ALIASES.get(key, key) not in params:
            params[key] = _number(value)
    return params


def _measurements(entry: dict) -> dict:
    scale = TO_MS.get(entry.get("time_unit", "ns"), 1.0)
    out = {}
    for key, value in entry.items():
        if key in BOOKKEEPING or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        out[key] = value * scale if key in TIME_FIELDS else value
    return out


def _new_bench(entry: dict, order: int) -> Bench:
    name = display_name(entry.get("run_name") or entry["name"])
    segments = name.split("/")
    label = str(entry.get("label") or "")
    note = ""
    # The label is "<workload>/<strategy>"; a benchmark may instead put an outcome in it
    # (thread exhaustion does), and then the name's first two segments say what it is.
    if not label.startswith(segments[0] + "/"):
        note, label = label, "/".join(segments[:2])
    workload, _, strategy = label.partition("/")
    return Bench(name=name, run_name=entry.get("run_name") or entry["name"], label=label,
                 workload=workload, strategy=strategy.split("/")[0] or "?",
                 params=_params(entry, name), order=order, note=note)


def _add_entry(benches: dict, entry: dict) -> None:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise ValueError("a benchmark entry without a name")
    key = entry.get("run_name") or entry["name"]
    if entry.get("run_type") == "aggregate":
        agg = entry.get("aggregate_name", "")
        key = key if entry.get("run_name") else key.rsplit("_", 1)[0]
    bench = benches.get(display_name(key))
    if bench is None:
        bench = benches[display_name(key)] = _new_bench(entry, len(benches))
    if entry.get("error_occurred"):
        bench.error = str(entry.get("error_message") or "error (no message)")
    elif entry.get("run_type") == "aggregate":
        bench.aggregates[agg] = _measurements(entry)
    else:
        bench.reps.append(_measurements(entry))


def _read_json(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(path, f"corrupt JSON: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise InputError(path, "not Google Benchmark JSON (no 'benchmarks' list)")
    if not data["benchmarks"]:
        raise InputError(path, "no benchmarks in the file")
    return data


def load_run(path: str) -> Run:
    """Reads every *.json file of one result folder; raises InputError naming the problem."""
    if not os.path.exists(path):
        raise InputError(path, "no such folder")
    if not os.path.isdir(path):
        raise InputError(path, "not a folder")
    try:
        # Hidden files are partial outputs being written under a temporary name.
        files = sorted(os.path.join(path, f) for f in os.listdir(path)
                       if f.endswith(".json") and not f.startswith("."))
    except OSError as e:
        raise InputError(path, f"cannot list: {e.strerror}") from None
    files = [f for f in files if os.path.isfile(f)]
    if not files:
        raise InputError(path, "no *.json result files in the folder")
    benches: dict = {}
    context: dict = {}
    notes = []
    for file in files:
        data = _read_json(file)
        ctx = data.get("context") if isinstance(data.get("context"), dict) else {}
        if not context:
            context = dict(ctx)
        elif ctx.get("fanout_label") != context.get("fanout_label"):
            notes.append(f"{os.path.basename(file)} has machine label "
                         f"'{ctx.get('fanout_label')}', not '{context.get('fanout_label')}'")
        try:
            for entry in data["benchmarks"]:
                _add_entry(benches, entry)
        except (ValueError, KeyError, TypeError) as e:
            raise InputError(file, f"corrupt benchmark entry: {e}") from None
    for bench in benches.values():
        # A file written with aggregates only still gives one value per benchmark.
        if not bench.reps and bench.error is None and "median" in bench.aggregates:
            bench.reps.append(bench.aggregates["median"])
    label = str(context.get("fanout_label") or context.get("host_name")
                or os.path.basename(os.path.normpath(path)))
    return Run(path=path, label=label, context=context, files=files,
               benches=list(benches.values()), notes=notes)


def load_runs(paths: list) -> list:
    """Loads each folder; runs with the same machine label get a numbered suffix."""
    runs = [load_run(p) for p in paths]
    seen: dict = {}
    for run in runs:
        seen[run.label] = seen.get(run.label, 0) + 1
        if seen[run.label] > 1:
            run.label = f"{run.label} ({seen[run.label]})"
    return runs
