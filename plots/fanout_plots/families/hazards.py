"""Hazards (`hazard/<hazard>/<variant>/<params>`): each naive variant beside its fixes, in a
figure per hazard, a findings line and a table in its section (docs/design.md, "Hazards").

The label's strategy is the hazard and the name's third segment the variant. Variants come in
the order the suite registers them (the naive ones first), each by its parameters in name
order. A hazard this module does not know gets the generic figure and slowest/fastest line.
"""

from __future__ import annotations

import math
import re

from .. import generic
from .. import select as sel
from ..output import num, ratio, rows_text, table, times

FAMILY = "hazard"
MAKESPAN_COMPARABLE = True
# The field comparison.md and comparison.json compare its benchmarks on.
COMPARED_ON = "real_time"
DEADLOCK = re.compile(r"after (\d+(?:\.\d+)?) ms with (\d+) of (\d+) (results|items done)")
CAPTION = ("A hazard's naive variant sits beside its fixes: a fix should bring makespan and the "
           "tail down.")


def variant(bench) -> str:
    segs = bench.name.split("/")
    return segs[2] if len(segs) > 2 else bench.strategy


def _is_naive(v: str) -> bool:
    return v.startswith("naive")


def _param_key(bench) -> tuple:
    out = []
    for seg in bench.name.split("/")[3:]:
        _, sep, value = seg.partition(":")
        if sep:
            try:
                out.append(float(value))
            except ValueError:
                out.append(math.inf)
    return tuple(out)


def _variant_ranks(runs, hazard: str) -> dict:
    """Each variant's place: the order its first benchmark was registered in (first run first)."""
    ranks: dict = {}
    for run in runs:
        for b in sorted(run.benches, key=lambda b: b.order):
            if b.family == FAMILY and b.strategy == hazard:
                ranks.setdefault(variant(b), len(ranks))
    return ranks


def sort_key(ranks: dict):
    """Variants in registration order, each by its parameters in name order."""
    return lambda b: (ranks.get(variant(b), len(ranks)), _param_key(b))


def _benches(run, hazard: str, failed: bool = False) -> list:
    pool = run.failed() if failed else run.ok()
    return sorted((b for b in pool if b.family == FAMILY and b.strategy == hazard),
                  key=sort_key(_variant_ranks([run], hazard)))


def _ms(v) -> str:
    return f"{num(v)} ms"


def _of(v, items) -> str:
    return f"{num(v)}/{num(items)}"


def _variant_name(b) -> str:
    cap = b.params.get("capacity")
    return f"{variant(b)} (capacity {num(cap)})" if cap is not None else variant(b)


# buffered_stream ------------------------------------------------------------------------------

def stream_reference(benches):
    """The body time the finding reports: 100 ms, or the largest present."""
    bodies = {b.params["body_ms"] for b in benches if isinstance(b.params.get("body_ms"),
                                                                 (int, float))}
    if not bodies:
        return None
    return 100 if 100 in bodies else max(bodies)


def _lower(naive_late: float, late: float) -> str:
    r = ratio(naive_late, late)
    if not math.isfinite(r):
        return ""
    return f"late p99 {times(r)} lower" if r >= 1 else f"late p99 {times(1 / r)} higher"


def buffered_stream_line(run) -> str | None:
    benches = _benches(run, "buffered_stream")
    ref = stream_reference(benches)
    at = [b for b in benches if b.params.get("body_ms") == ref] if ref is not None else benches
    if not at:
        return None
    modes = sel.modal_params(at)
    items, limit = modes.get("items"), modes.get("limit")
    naive = [b for b in at if _is_naive(variant(b))]
    worst = max(naive, key=lambda b: b.median("late_ms_p99"), default=None)
    parts = []
    for b in at:
        to, late = b.median("timeouts"), b.median("late_ms_p99")
        span = f"makespan {_ms(b.median())}"
        if _is_naive(variant(b)):
            parts.append(f"{_variant_name(b)} times out {_of(to, items)} items, late p99 "
                         f"{_ms(late)}, {span}")
        else:
            cmp = _lower(worst.median("late_ms_p99"), late) if worst is not None else ""
            cmp = f" ({cmp} than {variant(worst)})" if cmp else ""
            parts.append(f"{_variant_name(b)} {_of(to, items)}, {_ms(late)}{cmp}, {span}")
    head = ", ".join(x for x in (f"{num(items)} items" if items is not None else "",
                                 f"limit {num(limit)}" if limit is not None else "",
                                 f"{num(ref)} ms body" if ref is not None else "") if x)
    return (f"- **buffered stream ({head})**: " + "; ".join(parts) + ". Timeouts are items "
            "whose consumer wait exceeded the stream's idle timeout; late p99 is the delay "
            "between an item's completion and its delivery." + rows_text(at))


def buffered_stream_table(run) -> str:
    """Variant × body_ms: median timeouts (of items) and late p99, one cell each."""
    benches = _benches(run, "buffered_stream")
    bodies = sorted({b.params["body_ms"] for b in benches if "body_ms" in b.params})
    if not benches or not bodies:
        return ""
    rows: dict = {}
    for b in benches:
        rows.setdefault(_variant_name(b), {})[b.params.get("body_ms")] = b
    out = []
    for name, cells in rows.items():
        row = [name]
        for body in bodies:
            b = cells.get(body)
            row.append("n/a" if b is None else
                       f"{_of(b.median('timeouts'), b.params.get('items'))}, "
                       f"{_ms(b.median('late_ms_p99'))}")
        out.append(row)
    return table(["variant"] + [f"body {num(x)} ms: timeouts, late p99" for x in bodies], out)


# permit_deadlock ------------------------------------------------------------------------------

def deadlock_text(error: str) -> str:
    m = DEADLOCK.search(error or "")
    if m:
        return f"watchdog after {m.group(1)} ms, {m.group(2)} of {m.group(3)} {m.group(4)}"
    return (error or "").split(";")[0]


def permit_deadlock_line(run) -> str | None:
    ok, failed = _benches(run, "permit_deadlock"), _benches(run, "permit_deadlock", True)
    if not ok and not failed:
        return None
    parts = []
    dead = [b for b in failed if b.error.startswith("deadlock")]
    if dead:
        parts.append(", ".join(f"{variant(b)} deadlocks ({deadlock_text(b.error)})"
                               for b in dead))
    other = [b for b in failed if b not in dead]
    parts += [f"{variant(b)} failed ({b.error.split(';')[0]})" for b in other]
    if ok:
        done = [f"{variant(b)} in {_ms(b.median())}" for b in ok]
        parts.append(done[0].replace(" in ", " completes in ", 1) + "".join(
            f", {d}" for d in done[1:]))
    modes = sel.modal_params(ok + failed)
    head = ", ".join(x for x in (
        f"{num(modes['items'])} items" if "items" in modes else "",
        f"limit {num(modes['limit'])}" if "limit" in modes else "",
        f"{num(modes['permits'])} permits" if "permits" in modes else "") if x)
    return (f"- **permit deadlock ({head})**: " + "; ".join(parts) + "."
            + rows_text(failed + ok))


def _outcome_row(b) -> list:
    if b.error is None:
        return [variant(b), "completed", num(b.median()), num(b.n)]
    outcome = f"deadlock: {deadlock_text(b.error)}" if b.error.startswith("deadlock") else b.error
    return [variant(b), outcome, "n/a", "0"]


def permit_deadlock_table(run) -> str:
    benches = _benches(run, "permit_deadlock") + _benches(run, "permit_deadlock", True)
    rows = [_outcome_row(b) for b in sorted(benches, key=sort_key(
        _variant_ranks([run], "permit_deadlock")))]
    return table(["variant", "outcome", "makespan [ms]", "n"], rows) if rows else ""


# blocking_loop --------------------------------------------------------------------------------

BLOCKING_WORDS = {"futures_unordered": "with transcodes inline (futures_unordered)",
                  "offload": "with offload"}


def blocking_loop_line(run) -> str | None:
    benches = _benches(run, "blocking_loop")
    benches.sort(key=lambda b: -b.median("wait_p99_ms") if b.has("wait_p99_ms") else 0)
    if not benches:
        return None
    parts = []
    for i, b in enumerate(benches):
        p99, lat = b.median("wait_p99_ms"), b.median("latency_ms")
        if not math.isfinite(lat):
            lat = b.params.get("latency_ms", math.nan)
        infl = b.median("inflation") if b.has("inflation") else ratio(p99, lat)
        how = BLOCKING_WORDS.get(variant(b), f"with {variant(b)}")
        its = f" its {_ms(lat)} latency" if i == 0 and math.isfinite(lat) else ""
        parts.append(f"{_ms(p99)} ({times(infl)}{its}) {how}")
    b0 = benches[0]
    head = ", ".join(x for x in (
        f"{num(b0.params['items'])} items" if "items" in b0.params else "",
        f"a transcode every {num(b0.params['cpu_every'])}" if "cpu_every" in b0.params else "",
        f"{num(b0.params['workers'])} workers" if "workers" in b0.params else "") if x)
    return (f"- **blocking the loop ({head})**: wait p99 " + ", ".join(parts) + "; wait p50 "
            + ", ".join(f"{_ms(b.median('wait_p50_ms'))} ({variant(b)})" for b in benches)
            + "." + rows_text(benches))


# thread_exhaustion ----------------------------------------------------------------------------

def _mib(v) -> str:
    return "n/a" if not math.isfinite(v) else f"+{num(v / 2**20)} MiB"


def thread_exhaustion_line(run) -> str | None:
    benches = sorted(_benches(run, "thread_exhaustion"), key=lambda b: b.params.get("items", 0))
    if not benches:
        return None
    parts = []
    for b in benches:
        grow = b.median("rss_peak_growth_bytes")
        parts.append(f"{num(b.params.get('items'))} items: {_ms(b.median())}, "
                     f"{num(b.median('threads_created'))} threads created, "
                     f"memory {_mib(grow)}, {b.note or 'no outcome label'}")
    return ("- **thread exhaustion (a thread per item)**: " + "; ".join(parts) + "."
            + rows_text(benches))


LINES = {"buffered_stream": buffered_stream_line, "permit_deadlock": permit_deadlock_line,
         "blocking_loop": blocking_loop_line, "thread_exhaustion": thread_exhaustion_line}
TABLES = {"buffered_stream": buffered_stream_table, "permit_deadlock": permit_deadlock_table}


def summary(runs, hazard: str) -> str:
    """A Markdown block for the hazard's report section (one table per machine)."""
    fn = TABLES.get(hazard)
    if fn is None:
        return ""
    blocks = []
    for r in runs:
        t = fn(r)
        if t:
            blocks.append((f"{r.label}:\n\n" if len(runs) > 1 else "") + t)
    if not blocks:
        return ""
    intro = {"buffered_stream": "Per variant and body time, the median timeouts (of items) "
                                "and late p99:",
             "permit_deadlock": "Per variant, its outcome (a deadlock is an error entry, so "
                                "it has no row in the table of numbers below):"}[hazard]
    return intro + "\n\n" + "\n\n".join(blocks)


# The family's part of the report (see families/__init__.py) ----------------------------------

def _group(runs, hazard: str) -> generic.Group:
    return generic.Group(FAMILY, hazard, tails=("late_ms_p99", "wait_p99_ms"),
                         counts=("timeouts",), sort_key=sort_key(_variant_ranks(runs, hazard)),
                         caption=CAPTION, summary=summary(runs, hazard))


def _hazards(runs) -> list:
    return generic.members(runs, FAMILY)


def draw_figures(runs, styles, out_dir: str) -> list:
    """hazard_<name> per hazard: its own figure (hazard_figures.py), else every variant's
    makespan, tail and timeouts."""
    from .hazard_figures import FIGURES
    # A hazard whose every benchmark failed (a deadlock alone) still has its own figure.
    failed = [b.strategy for r in runs for b in r.failed() if b.family == FAMILY]
    hazards = list(dict.fromkeys(_hazards(runs) + [h for h in failed if h in FIGURES]))
    out = [FIGURES[h](runs, styles, out_dir) if h in FIGURES else
           generic.figure(runs, styles, out_dir, _group(runs, h)) for h in hazards]
    return [f for f in out if f is not None]


def finding_lines(run) -> list:
    """Per hazard its line; the generic slowest/fastest line for a hazard not known here."""
    run = run.valid_only()  # invalid points are never used in findings
    out = []
    for hazard in _hazards([run]):
        fn = LINES.get(hazard)
        line = fn(run) if fn else generic.finding(run, _group([run], hazard))
        if line:
            out.append(line)
    return out


def findings_intro(runs) -> str:
    return "Per hazard, its naive variant beside its fixes." if _hazards(runs) else ""


def sections_before_figures(runs) -> list:
    return []


def sections_after_figures(runs, drawn: list, out_dir: str) -> list:
    return []


def compare_runs(base, other) -> list:
    return []
