"""Reads result folders of Google Benchmark JSON into runs of benchmarks.

    run = read_run("results/dev-2core/20260101T120000")
    for bench in run.ok():
        ci = bench.ci("real_time")  # the median and its 95% interval (stats.py)
        print(bench.family, bench.name, ci.median, ci.lo, ci.hi)

Each file's context must carry the suite's registry (`fanout_registry`, see registry.py): it
says which counters are parameters of a benchmark rather than measurements of it, and the order
of the strategies. The JSON files are only read, never rewritten, so that Google Benchmark's own
compare.py keeps working on them.

A run writes one iteration entry per repetition and no aggregates (docs/design.md section 9);
repetition counts may differ between benchmarks. Older files are still read: their aggregates
are kept aside (a file of aggregates only gives one value per benchmark), and their renamed
counters are read under the new names (LEGACY).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field, replace

import numpy as np

from . import sidecar, validity
from .registry import KEY as REGISTRY_KEY
from .registry import Registry
from .stats import MedianCI, median_ci

# Google Benchmark appends one segment per timing option to a benchmark's name.
TIMING_SEGMENTS = ("/manual_time", "/process_time", "/real_time")
# Times are reported in the entry's time_unit; everything here is in milliseconds.
TO_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
TIME_FIELDS = ("real_time", "cpu_time")
# Name segments that repeat a parameter counter under a shorter name.
NAME_ALIASES = {"ms": "latency_ms", "p99": "latency_p99_ms"}
# Fields of an entry that are neither measurements nor counters.
BOOKKEEPING = {"name", "run_name", "run_type", "family_index", "per_family_instance_index",
               "repetitions", "repetition_index", "iterations", "time_unit", "label",
               "aggregate_name", "aggregate_unit", "error_occurred", "error_message",
               "threads_per_run", "threads"}
# Counters renamed since: older files are read under the new names. An older file's `threads`
# (the suite's counter, which replaced Google Benchmark's own key when parsed) is `os_threads`
# where its registry lists `threads` among the family's metrics.
LEGACY = {"rss_per_item_bytes": "mem_per_item_bytes"}
LEGACY_THREADS = ("threads", "os_threads")
# What the plot tool itself writes beside a run's results: never read as results.
WRITTEN_BESIDE = ("comparison.json", "recommendation.json")
OLDER_RUN = (f"no {REGISTRY_KEY} in the context: results from an older fanout-bench; "
             "re-run ./run_all.sh")


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
    family: str  # the registry's family: fanout for wait/..., cpu/..., mixed/...
    params: dict
    registered: tuple  # file, family and instance index: the order of registration
    note: str = ""
    reps: list = field(default_factory=list)
    aggregates: dict = field(default_factory=dict)
    error: str | None = None
    order: int = 0  # rank in registration order within its run
    rank: tuple = ()  # sort key of its strategy in the registry order of the runs read together
    cores: int = 1  # its run's cores: representative configurations prefer workers = cores
    invalid: str = ""  # why its point lies beyond its physical bound (validity.py), else ""
    # Repetitions beside which the canary saw the machine slowed (set_aside_slowed): out of
    # `reps`, so that no statistic rests on them; kept in all of them where none ran at speed.
    set_aside: list = field(default_factory=list)
    all_slowed: bool = False

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

    def ci(self, key: str = "real_time") -> MedianCI:
        """The median over the repetitions and its distribution-free 95% interval."""
        return median_ci(self.samples(key))


@dataclass
class Run:
    """All benchmarks of one result folder, with the machine context of its first file."""

    path: str
    label: str
    context: dict
    registry: Registry
    files: list
    benches: list
    notes: list = field(default_factory=list)
    # Per benchmark, its per-item latency histograms from the sidecar (sidecar.py), if any.
    histograms: dict = field(default_factory=dict)

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

    def repetitions(self) -> str:
        """'3', or '5–9' where the counts differ between benchmarks."""
        ns = [b.n for b in self.benches if b.n]
        if not ns:
            return "0"
        return str(min(ns)) if min(ns) == max(ns) else f"{min(ns)}–{max(ns)}"

    def valid_only(self) -> Run:
        """The run without its invalid points (validity.py): what findings rest on."""
        return replace(self, benches=[b for b in self.benches if not b.invalid])


def _params(entry: dict, name: str, counters: tuple) -> dict:
    params = {k: entry[k] for k in counters if isinstance(entry.get(k), (int, float))}
    # Parameters that have no counter (a later benchmark's own) come from the name.
    for seg in name.split("/")[2:]:
        key, sep, value = seg.partition(":")
        if sep and NAME_ALIASES.get(key, key) not in params:
            params[key] = _number(value)
    return params


def _measurements(entry: dict, legacy_threads: bool) -> dict:
    scale = TO_MS.get(entry.get("time_unit", "ns"), 1.0)
    out = {}
    for key, value in entry.items():
        if key in BOOKKEEPING or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        out[LEGACY.get(key, key)] = value * scale if key in TIME_FIELDS else value
    old, new = LEGACY_THREADS
    if legacy_threads and isinstance(entry.get(old), (int, float)) and new not in out:
        out[new] = entry[old]
    return out


def _index(entry: dict, key: str, default: int) -> int:
    v = entry.get(key)
    return v if isinstance(v, int) and not isinstance(v, bool) else default


def _new_bench(entry: dict, registry: Registry, file_no: int, seen: int) -> Bench:
    name = display_name(entry.get("run_name") or entry["name"])
    segments = name.split("/")
    label = str(entry.get("label") or "")
    note = ""
    # The label is "<workload>/<strategy>"; a benchmark may instead put an outcome in it
    # (thread exhaustion does), and then the name's first two segments say what it is.
    if not label.startswith(segments[0] + "/"):
        note, label = label, "/".join(segments[:2])
    workload, _, strategy = label.partition("/")
    family = registry.family_of(workload)
    # Google Benchmark numbers families in registration order, whatever order they ran in.
    registered = (file_no, _index(entry, "family_index", seen),
                  _index(entry, "per_family_instance_index", 0), seen)
    return Bench(name=name, run_name=entry.get("run_name") or entry["name"], label=label,
                 workload=workload, strategy=strategy.split("/")[0] or "?", family=family,
                 params=_params(entry, name, registry.params(family)), registered=registered,
                 note=note)


def _add_entry(benches: dict, entry: dict, registry: Registry, file_no: int) -> None:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise ValueError("a benchmark entry without a name")
    key = entry.get("run_name") or entry["name"]
    if entry.get("run_type") == "aggregate":
        agg = entry.get("aggregate_name", "")
        key = key if entry.get("run_name") else key.rsplit("_", 1)[0]
    bench = benches.get(display_name(key))
    if bench is None:
        bench = benches[display_name(key)] = _new_bench(entry, registry, file_no, len(benches))
    legacy_threads = LEGACY_THREADS[0] in registry.metrics(bench.family)
    if entry.get("error_occurred"):
        bench.error = str(entry.get("error_message") or "error (no message)")
    elif entry.get("run_type") == "aggregate":
        bench.aggregates[agg] = _measurements(entry, legacy_threads)
    else:
        bench.reps.append(_measurements(entry, legacy_threads))


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
    where = _unencodable(data)
    if where:
        raise InputError(path, f"{where}: a string that is not valid UTF-8 (a lone surrogate "
                               "escape); the figures and the report could not carry it")
    return data


def _unencodable(value, where: str = "") -> str:
    """Where in a JSON document the first string is that UTF-8 cannot encode ('' if none):
    json.load accepts an escaped lone surrogate such as \\udc80, which no file can be written
    with."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where or "a string"
        return ""
    items = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        name = f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]"
        found = _unencodable(key, name.lstrip(".")) or _unencodable(item, name.lstrip("."))
        if found:
            return found
    return ""


def check_result_file(path: str) -> int:
    """How many benchmark entries a complete result file holds; raises InputError for a file
    that is missing, cut short, corrupt or empty."""
    return len(_read_json(path)["benchmarks"])


def _context(data: dict) -> dict:
    return data["context"] if isinstance(data.get("context"), dict) else {}


def _registry(path: str, context: dict) -> Registry:
    if REGISTRY_KEY not in context:
        raise InputError(path, OLDER_RUN)
    try:
        return Registry.parse(context[REGISTRY_KEY])
    except ValueError as e:
        raise InputError(path, f"corrupt {REGISTRY_KEY}: {e}") from None


def registry_of(runs: list) -> Registry:
    """The registries of runs read together: the first run's order, then what others add."""
    return Registry.merge(r.registry for r in runs)


def _rank_strategies(runs: list) -> None:
    registry = registry_of(runs)
    for run in runs:
        for b in run.benches:
            b.rank = registry.rank(b.strategy)


def _result_files(path: str) -> list:
    if not os.path.exists(path):
        raise InputError(path, "no such folder")
    if not os.path.isdir(path):
        raise InputError(path, "not a folder")
    try:
        # Hidden files are partial outputs being written under a temporary name.
        files = sorted(os.path.join(path, f) for f in os.listdir(path)
                       if f.endswith(".json") and not f.startswith(".")
                       and f not in WRITTEN_BESIDE)
    except OSError as e:
        raise InputError(path, f"cannot list: {e.strerror}") from None
    files = [f for f in files if os.path.isfile(f)]
    if not files:
        raise InputError(path, "no *.json result files in the folder")
    return files


def canary_rule(context: dict) -> tuple | None:
    """(limit, min_cpu_share): a repetition that used at least min_cpu_share of a core and ran
    beside a canary slowed by more than limit is set aside (`fanout_canary`, docs/design.md
    section 3); None for a run without a canary. Older runs judged every repetition (share 0)."""
    try:
        canary = json.loads(context.get("fanout_canary") or "null")
        limit, share = canary["limit"], canary.get("min_cpu_share", 0.0)
    except (json.JSONDecodeError, TypeError, KeyError, AttributeError):
        return None
    numbers = all(isinstance(v, (int, float)) for v in (limit, share))
    return (float(limit), float(share)) if numbers else None


def _slowed(rep: dict, limit: float, share: float) -> bool:
    slowdown, cpu, real = (rep.get(k) for k in ("slowdown", "cpu_time", "real_time"))
    if not all(isinstance(v, (int, float)) for v in (slowdown, cpu, real)):
        return False
    return slowdown > limit and cpu >= share * real


def set_aside_slowed(run: Run) -> None:
    """Moves each repetition that computed beside a slowed canary (canary_rule) out of its
    benchmark's samples. A benchmark with no repetition at speed keeps them all, marked
    `all_slowed`."""
    rule = canary_rule(run.context)
    if rule is None:
        return
    for bench in run.benches:
        slowed = [_slowed(r, *rule) for r in bench.reps]
        if not any(slowed):
            continue
        if all(slowed):
            bench.all_slowed = True
            continue
        bench.set_aside = [r for r, s in zip(bench.reps, slowed) if s]
        bench.reps = [r for r, s in zip(bench.reps, slowed) if not s]


def read_run(path: str) -> Run:
    """Reads every *.json file of one result folder; raises InputError naming the problem."""
    files = _result_files(path)
    benches: dict = {}
    contexts, registries = [], []
    for file_no, file in enumerate(files):
        data = _read_json(file)
        contexts.append(_context(data))
        registries.append(_registry(file, contexts[-1]))
        try:
            for entry in data["benchmarks"]:
                _add_entry(benches, entry, registries[-1], file_no)
        except (ValueError, KeyError, TypeError) as e:
            raise InputError(file, f"corrupt benchmark entry: {e}") from None
    for i, bench in enumerate(sorted(benches.values(), key=lambda b: b.registered)):
        bench.order = i
        # A file written with aggregates only still gives one value per benchmark.
        if not bench.reps and bench.error is None and "median" in bench.aggregates:
            bench.reps.append(bench.aggregates["median"])
    context = dict(contexts[0])
    notes = [f"{os.path.basename(file)} has machine label '{ctx.get('fanout_label')}', not "
             f"'{context.get('fanout_label')}'" for file, ctx in zip(files[1:], contexts[1:])
             if ctx.get("fanout_label") != context.get("fanout_label")]
    label = str(context.get("fanout_label") or context.get("host_name")
                or os.path.basename(os.path.normpath(path)))
    run = Run(path=path, label=label, context=context, registry=Registry.merge(registries),
              files=files, benches=list(benches.values()), notes=notes,
              histograms=sidecar.read(files, contexts))
    for bench in run.benches:
        bench.cores = run.cores
    set_aside_slowed(run)
    _rank_strategies([run])
    validity.annotate(run)
    return run


def read_runs(paths: list) -> list:
    """Reads each folder; runs with the same machine label get a numbered suffix, and
    strategies are ranked by the first run's registry, then the others'."""
    runs = [read_run(p) for p in paths]
    seen: dict = {}
    for run in runs:
        seen[run.label] = seen.get(run.label, 0) + 1
        if seen[run.label] > 1:
            run.label = f"{run.label} ({seen[run.label]})"
    _rank_strategies(runs)
    return runs
