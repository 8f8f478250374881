"""The suite's own overhead per strategy (`overhead/...`) beside the waits and work it measures:
the resolution of every other figure.

    overhead/raw_bucketed/waits:N/ms:10              the floor: raw C, one libuv timer for all
                                                     waits, bucketed by due millisecond
    overhead/raw_libuv/waits:N/ms:10                 N concurrent timers on bare libuv
    overhead/futures_unordered/waits:N/ms:10         the same through the suite's poll set
    overhead/join_set/waits:N/ms:10/workers:W        the same through spawned tasks
    overhead/join_set/spawn_join/tasks:N/workers:W   counter ns_per_task
    overhead/futures_unordered/push_drain/tasks:N    counter ns_per_task

Targets (docs/design.md section 8) are shown beside the measured values, stated against the
floor: raw_bucketed, or raw_libuv in a run without it (docs/design.md section 9). Strategies
come in the order the suite registers their benchmarks: the references first.
"""

from __future__ import annotations

import math

import numpy as np

from .. import generic
from .. import select as sel
from ..output import num, ratio, rows_text, table, times
from ..stats import ci_text, ratio_ci

FAMILY = "overhead"
MAKESPAN_COMPARABLE = True
# The field comparison.md and comparison.json compare its benchmarks on.
COMPARED_ON = "real_time"
HEADING = "## Overhead (the suite's resolution)"
# The baselines without the suite's layers, the floor first: the first present is the floor.
REFERENCES = ("raw_bucketed", "raw_libuv")
# The targets (docs/design.md section 8): makespan over the floor's by (strategy, waits); the
# spread of the cost per wait beyond the floor over the numbers of waits; bytes per in-flight
# wait; ns per task by (strategy, operation, workers).
RATIO_TARGETS = {("futures_unordered", 100_000): 2.0, ("futures_unordered", 1_000_000): 2.0,
                 ("join_set", 100_000): 2.5, ("join_set", 1_000_000): 2.5}
FLAT_TARGET = 1.3
BYTES_TARGET = 160.0
TASK_TARGETS = {("join_set", "spawn_join", 2): 250.0, ("join_set", "spawn_join", 1): 150.0,
                ("futures_unordered", "push_drain", None): 50.0}
COMPLETE_WAITS = 1_000_000


def _kind(b) -> str:
    segs = b.name.split("/")
    return segs[2] if len(segs) > 2 and ":" not in segs[2] else "waits"


def _benches(run) -> list:
    return sorted((b for b in run.ok() if b.family == FAMILY), key=lambda b: b.order)


def wait_benches(run) -> list:
    """Waits benchmarks by number of waits, each in registration order."""
    return sorted((b for b in _benches(run) if _kind(b) == "waits"
                   and isinstance(b.params.get("waits"), (int, float))),
                  key=lambda b: (b.params["waits"], b.order))


def task_benches(run) -> list:
    return [b for b in _benches(run) if _kind(b) != "waits"]


def _failed_waits(run) -> list:
    return [b for b in run.failed() if b.family == FAMILY and _kind(b) == "waits"]


def _wait_ms(b) -> float:
    v = b.params.get("latency_ms", b.params.get("ms"))
    return float(v) if isinstance(v, (int, float)) else math.nan


def by_waits(run) -> dict:
    """{N: {strategy: bench}}, strategies in registration order."""
    out: dict = {}
    for b in wait_benches(run):
        out.setdefault(b.params["waits"], {}).setdefault(b.strategy, b)
    return out


def per_wait_ns(b) -> float:
    """What one wait adds to the fan-out: (makespan − the wait) / N, in ns."""
    return (b.median() - _wait_ms(b)) / b.params["waits"] * 1e6


def floor_of(per_n: dict):
    """(name, bench) of the floor among one number of waits' benchmarks, or (None, None)."""
    name = next((r for r in REFERENCES if r in per_n), None)
    return name, per_n.get(name)


def above_floor_ns(b, floor) -> float:
    """What one wait costs beyond the floor: (makespan − the floor's makespan) / N, in ns."""
    if floor is None:
        return math.nan
    return (b.median() - floor.median()) / b.params["waits"] * 1e6


def _ratio_target(s, n) -> float | None:
    return RATIO_TARGETS.get((s, n))


def floor_ratio(b, floor):
    """The makespan over the floor's: the ratio of medians and its 95% CI (stats.ratio_ci)."""
    return ratio_ci(floor.samples("real_time"), b.samples("real_time"))


def flatness(run, s) -> tuple:
    """(largest / smallest cost per wait beyond the floor over the numbers of waits, smallest
    N, largest N) of strategy `s`; NaN with fewer than two numbers of waits or a cost ≤ 0."""
    costs = {}
    for n, per_n in by_waits(run).items():
        if s in per_n:
            costs[n] = above_floor_ns(per_n[s], floor_of(per_n)[1])
    vals = [c for c in costs.values() if math.isfinite(c)]
    if len(vals) < 2 or min(vals) <= 0:
        return math.nan, min(costs, default=math.nan), max(costs, default=math.nan)
    return max(vals) / min(vals), min(costs), max(costs)


def _ratio_text(r) -> str:
    return times(r.ratio) + (f" [{num(r.lo)}, {num(r.hi)}]" if math.isfinite(r.lo) else "")


def _met(ok: bool) -> str:
    return "met" if ok else "missed"


def _row_targets(run, n, s, r, bpw, floor_name) -> tuple:
    """The targets of one row of the waits table and their verdicts."""
    targets, verdicts = [], []
    limit = _ratio_target(s, n)
    if limit is not None:
        targets.append(f"≤ {num(limit)}× {floor_name or 'the floor'}")
        verdicts.append(_met(math.isfinite(r.ratio) and r.ratio <= limit))
    if s not in REFERENCES:
        targets.append(f"≤ {num(BYTES_TARGET)} B/wait")
        verdicts.append(_met(math.isfinite(bpw) and bpw <= BYTES_TARGET))
        flat, lo_n, hi_n = flatness(run, s)
        if n == hi_n and math.isfinite(flat):
            targets.append(f"beyond the floor per wait {num(lo_n)}→{num(hi_n)} within "
                           f"{num(FLAT_TARGET)}× (is {times(flat)})")
            verdicts.append(_met(flat <= FLAT_TARGET))
    if n == COMPLETE_WAITS:
        targets.append("completes")
        verdicts.append("met")
    return targets, verdicts


def _wait_row(run, n, s, b, per_n) -> list:
    floor_name, floor = floor_of(per_n)
    r = floor_ratio(b, floor) if floor is not None else ratio_ci([], [])
    bpw = b.median("bytes_per_wait")
    targets, verdicts = _row_targets(run, n, s, r, bpw, floor_name)
    workers = b.params.get("workers")
    name = s + (f" ({num(workers)} workers)" if workers is not None else "")
    return [num(n), name, b.n, ci_text(b.ci(), num), "1×" if s == floor_name else _ratio_text(r),
            num(per_wait_ns(b)), num(above_floor_ns(b, floor)),
            ci_text(b.ci("bytes_per_wait"), num), "; ".join(targets) or "none",
            ", ".join(verdicts) or "n/a"]


def waits_table(run) -> str:
    rows, per = [], by_waits(run)
    for b in wait_benches(run):
        n = b.params["waits"]
        rows.append(_wait_row(run, n, b.strategy, b, per[n]))
    for b in _failed_waits(run):
        n = b.params.get("waits")
        rows.append([num(n), b.strategy, 0, "n/a", "n/a", "n/a", "n/a", "n/a",
                     "completes" if n == COMPLETE_WAITS else "none",
                     "missed" if n == COMPLETE_WAITS else "n/a"])
    if not rows:
        return ""
    return table(["waits", "strategy", "n", "makespan [ms]", "× the floor [95% CI]",
                  "per wait [ns]",
                  "beyond the floor per wait [ns]", "bytes per in-flight wait", "target", "met"],
                 rows)


def _task_target(b):
    return TASK_TARGETS.get((b.strategy, _kind(b), b.params.get("workers")))


def tasks_table(run) -> str:
    rows = []
    for b in task_benches(run):
        limit = _task_target(b)
        ns = b.median("ns_per_task")
        workers = b.params.get("workers")
        rows.append([b.strategy, _kind(b).replace("_", "+"),
                     num(workers) if workers is not None else "n/a", num(b.params.get("tasks")),
                     b.n, ci_text(b.ci("ns_per_task"), num),
                     f"≤ {num(limit)} ns" if limit is not None else "none",
                     _met(ns <= limit) if limit is not None and math.isfinite(ns) else "n/a"])
    if not rows:
        return ""
    return table(["strategy", "operation", "workers", "tasks", "n", "ns per task", "target",
                  "met"], rows)


def compute_ms(run) -> float:
    """The CPU work of one default cpu item: the median `compute_ms` of the cpu workload's
    representative configurations."""
    reps = sel.at_representative_size(sel.of_workload(run, "cpu")).values()
    vals = [b.median("compute_ms") for b in reps if b.has("compute_ms")]
    vals = [v for v in vals if math.isfinite(v)]
    return float(np.median(vals)) if vals else math.nan


def _task_ns(run) -> dict:
    return {(b.strategy, _kind(b), b.params.get("workers")): b.median("ns_per_task")
            for b in task_benches(run)}


def resolution_text(per: dict) -> str:
    """The resolution sentence: what one wait costs beyond the floor at the most waits, and
    where a whole fan-out of the fewest waits ends."""
    n = max(per)
    floor_name, floor = floor_of(per[n])
    wait = _wait_ms(next(iter(per[n].values())))
    small = min(per)
    spans = ", ".join(f"{s} {num(b.median())} ms" for s, b in per[small].items())
    tail = (f"; a whole fan-out of {num(small)} waits of {num(wait)} ms ends at {spans}, the "
            "floor that the wait figures' makespans stand on.")
    if floor is None:
        return "No floor (raw_bucketed or raw_libuv) ran" + tail
    costs = {s: above_floor_ns(b, floor) for s, b in per[n].items() if s not in REFERENCES}
    costs = {s: c for s, c in costs.items() if math.isfinite(c)}
    if not costs:
        return f"Only the references ran at {num(n)} waits" + tail
    worst = max(costs.values())
    share = max(worst, 0.0) * 1e-6 / wait if math.isfinite(wait) and wait else math.nan
    fallback = ("" if floor_name == REFERENCES[0] else
                f" ({REFERENCES[0]} is absent from this run, so {floor_name} is the floor)")
    return (f"Against the floor, {floor_name}{fallback} ({num(floor.median())} ms at {num(n)} "
            f"waits), each wait adds at most {num(worst)} ns to a fan-out ("
            + ", ".join(f"{s} {num(c)} ns" for s, c in costs.items())
            + f"), so a {num(wait)} ms wait is resolved to within {100 * share:.2g}% of its "
            "length" + tail)


def context_text(run) -> str:
    """Two or three sentences: the overhead beside the waits and the work the suite measures."""
    out = []
    per = by_waits(run)
    if per:
        out.append(resolution_text(per))
    task = {k: v for k, v in _task_ns(run).items() if math.isfinite(v)}
    cms = compute_ms(run)
    if task and math.isfinite(cms):
        top = max(task.values())
        out.append(f"A default cpu item costs {num(cms)} ms of computing (the cpu benchmarks' "
                   f"`compute_ms`), {times(cms * 1e6 / top)} the largest per-task overhead "
                   f"({num(top)} ns), so scheduling is invisible in the cpu figures beside the "
                   "computing itself.")
    return " ".join(out)


def section(runs) -> str:
    """The body of "## Overhead (the suite's resolution)", or "" without overhead benchmarks."""
    blocks = []
    for r in runs:
        waits, tasks = waits_table(r), tasks_table(r)
        if not waits and not tasks:
            continue
        parts = [f"### {r.label}"] if len(runs) > 1 else []
        if waits:
            parts += ["Concurrent timer waits, each strategy against the floor (raw_bucketed: "
                      "raw C, one libuv timer for all waits, bucketed by due millisecond; "
                      "raw_libuv where a run lacks it). Makespans are medians [95% CI]; "
                      "`per wait` = (makespan − the wait) / waits; `beyond the floor` = "
                      "(makespan − the floor's) / waits; bytes per in-flight wait = peak RSS "
                      "growth / waits:", waits]
        if tasks:
            parts += ["Per-task cost of spawning and joining (join_set) and of pushing into "
                      "and draining the poll set (futures_unordered), no waiting:", tasks]
        text = context_text(r)
        if text:
            parts.append(text)
        blocks.append("\n\n".join(parts))
    if not blocks:
        return ""
    intro = ("The suite's own cost per strategy, measured on timers with nothing else to do, "
             "next to the waits and the work the other figures measure: no figure resolves a "
             "difference smaller than these.")
    return intro + "\n\n" + "\n\n".join(blocks)


def _ratio_at(per_n: dict, n, used: list) -> list:
    floor_name, floor = floor_of(per_n)
    if floor is None:
        return []
    rs = []
    for s, b in per_n.items():
        if s == floor_name:
            continue
        r = ratio(b.median(), floor.median())
        limit = _ratio_target(s, n)
        t = (f" (target ≤ {num(limit)}×: {_met(r <= limit)})"
             if limit is not None and math.isfinite(r) else "")
        rs.append(f"{s} {times(r)}{t}")
        used.append(b)
    if not rs:
        return []
    used.append(floor)
    return [f"at {num(n)} waits of {num(_wait_ms(floor))} ms, makespan over {floor_name}'s "
            f"{num(floor.median())} ms: " + ", ".join(rs)]


def _ratio_part(per: dict, used: list) -> list:
    """The ratios to the floor at each number of waits that has a target (else at the most)."""
    ns = sorted({n for _, n in RATIO_TARGETS} & set(per)) or [max(per)]
    return [p for n in ns for p in _ratio_at(per[n], n, used)]


def _flat_part(run) -> list:
    rows = []
    for s in dict.fromkeys(b.strategy for b in wait_benches(run)):
        flat = flatness(run, s)[0] if s not in REFERENCES else math.nan
        if math.isfinite(flat):
            rows.append(f"{s} {times(flat)} ({_met(flat <= FLAT_TARGET)})")
    if not rows:
        return []
    return ["the cost per wait beyond the floor varies from the fewest to the most waits by "
            + ", ".join(rows) + f" (target within {num(FLAT_TARGET)}×)"]


def _bytes_part(per: dict, used: list) -> list:
    bpw = [(b.median("bytes_per_wait"), s, m, b) for m, d in per.items() for s, b in d.items()
           if s not in REFERENCES and math.isfinite(b.median("bytes_per_wait"))]
    if not bpw:
        return []
    top = max(bpw, key=lambda x: x[:3])
    used.append(top[3])
    return [f"at most {num(top[0])} bytes per in-flight wait ({top[1]}, {num(top[2])} waits; "
            f"target ≤ {num(BYTES_TARGET)}: {_met(top[0] <= BYTES_TARGET)})"]


def _complete_part(run, per: dict, used: list) -> list:
    done = per.get(COMPLETE_WAITS, {})
    failed = [b for b in _failed_waits(run) if b.params.get("waits") == COMPLETE_WAITS]
    if not done and not failed:
        return []
    used += list(done.values()) + failed
    return [f"{num(COMPLETE_WAITS)} waits complete with " + (
        ", ".join(done) if done else "no strategy") + (
        f", fail with {', '.join(b.strategy for b in failed)}" if failed else "")]


def _task_parts(run, used: list) -> list:
    parts = []
    for b in task_benches(run):
        limit = _task_target(b)
        if limit is None:
            continue
        ns = b.median("ns_per_task")
        workers = b.params.get("workers")
        used.append(b)
        parts.append(f"{b.strategy} {_kind(b).replace('_', '+')} {num(ns)} ns per task"
                     + (f" with {num(workers)} workers" if workers is not None else "")
                     + f" (target ≤ {num(limit)} ns: {_met(ns <= limit)})")
    return parts


def finding(run) -> str | None:
    """One findings line: the ratios to the floor, bytes per wait, per-task costs, targets,
    and the rows they rest on."""
    per = by_waits(run)
    used: list = []
    parts = []
    if per:
        parts += (_ratio_part(per, used) + _flat_part(run) + _bytes_part(per, used)
                  + _complete_part(run, per, used))
    parts += _task_parts(run, used)
    if not parts:
        return None
    return ("- **overhead**: " + "; ".join(parts) + ". Details under Overhead."
            + rows_text(used))


# The family's part of the report (see families/__init__.py) ----------------------------------

def draw_figures(runs, styles, out_dir: str) -> list:
    """workload_overhead: per wait and per task against the floor and the targets."""
    from .overhead_figure import workload_overhead
    fig = workload_overhead(runs, styles, out_dir)
    return [fig] if fig else []


def finding_lines(run) -> list:
    """The targets' line, or the generic one for overhead benchmarks without targets."""
    run = run.valid_only()  # invalid points are never used in findings
    if not _benches(run):
        return []
    line = finding(run) or generic.finding(run, generic.Group(FAMILY))
    return [line] if line else []


def findings_intro(runs) -> str:
    return ("For the overhead benchmarks, the ratios to the floor (raw_bucketed, else raw_libuv) "
            "and the suite's targets."
            if any(_benches(r) for r in runs) else "")


def sections_before_figures(runs) -> list:
    body = section(runs)
    return [HEADING, body] if body else []


def sections_after_figures(runs, drawn: list, out_dir: str) -> list:
    return []


def compare_runs(base, other) -> list:
    return []
