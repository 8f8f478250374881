"""The hazards' own figures (hazards.py draws the generic one for any other): each shows the
hazard's point, not only its makespan. buffered_stream: a variant x body-time heatmap of late
p99 and timeouts; permit_deadlock: the deadlock as a bar at the watchdog's limit; blocking_loop:
the waits' p99 against their latency; thread_exhaustion: threads created against requested and
memory, with the errno where the OS refused. Every figure overlays machines: panels side by side
for a heatmap, line styles and hatches otherwise."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..draw import Point
from ..figure import FigureResult, median_col, table_rows
from ..output import num, times
from ..stats import ci_text, median_ci
from ..style import (IDEAL_COLOR, finish, log_x_at, machine_handles, new_figure, run_hatch,
                     save)
from . import hazards as hz

DEADLOCK_COLOR = "#c0392b"


def _points(runs, hazard: str, failed: bool = False) -> list:
    return [Point(ri, hz.variant(b), b.params.get("items", math.nan), b, b.samples("real_time"))
            for ri, run in enumerate(runs) for b in hz._benches(run, hazard, failed)]


# buffered_stream ------------------------------------------------------------------------------

STREAM_Q = ("Which way of consuming a buffered stream keeps items from timing out as the "
            "consumer's body gets slower?")


def _stream_grid(run):
    benches = hz._benches(run, "buffered_stream")
    rows = list(dict.fromkeys(hz._variant_name(b) for b in benches))
    cols = sorted({b.params["body_ms"] for b in benches if "body_ms" in b.params})
    grid = {(hz._variant_name(b), b.params.get("body_ms")): b for b in benches}
    return rows, cols, grid


def _stream_panel(ax, run, norm) -> object:
    rows, cols, grid = _stream_grid(run)
    late = np.full((len(rows), len(cols)), np.nan)
    for (i, r), (j, c) in ((x, y) for x in enumerate(rows) for y in enumerate(cols)):
        b = grid.get((r, c))
        if b is None:
            continue
        late[i, j] = max(b.median("late_ms_p99"), norm.vmin)
        to = b.median("timeouts")
        ax.text(j, i, f"{num(b.median('late_ms_p99'), 3)} ms\n{num(to)}/{num(b.params['items'])}"
                f" timed out", ha="center", va="center", fontsize=8,
                color="white" if late[i, j] > norm.vmax / 30 else "black")
    image = ax.imshow(late, norm=norm, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(cols)), [f"{num(c)} ms" for c in cols])
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("consumer's body time per item")
    ax.set_title(run.label)
    ax.grid(False)
    return image


def stream_answer(run) -> str:
    rows, cols, grid = _stream_grid(run)
    if not cols:
        return ""
    body = cols[-1]
    at = [b for (r, c), b in grid.items() if c == body]
    safe = [b for b in at if b.median("timeouts") == 0]
    worst = max(at, key=lambda b: b.median("timeouts"))
    return (f"On {run.label}, with a {num(body)} ms body, {hz._variant_name(worst)} times out "
            f"{num(worst.median('timeouts'))} of {num(worst.params.get('items'))} items (late "
            f"p99 {ci_text(median_ci(worst.samples('late_ms_p99')), num)} ms), while "
            + ", ".join(hz._variant_name(b) for b in safe) + " time out none.")


def buffered_stream(runs, styles, out_dir):
    present = [r for r in runs if hz._benches(r, "buffered_stream")]
    if not present:
        return None
    lates = [b.median("late_ms_p99") for r in present for b in hz._benches(r, "buffered_stream")]
    lates = [x for x in lates if math.isfinite(x) and x > 0]
    norm = LogNorm(vmin=max(min(lates), 1e-3), vmax=max(lates))
    rows = len(_stream_grid(present[0])[0])
    fig, axes = new_figure(len(present), width=5.2 * len(present) + 2.6, height=0.5 * rows + 2,
                           sharey=True)
    image = None
    for ax, run in zip(axes[0], present):
        image = _stream_panel(ax, run, norm)
    fig.colorbar(image, ax=list(axes[0]), label="late p99 [ms] (delivery − completion)")
    title = "hazard/buffered_stream: late p99 and timeouts by variant and body time"
    finish(fig, runs, title, machine_handles(runs), ncol=3, error_bars=False)  # a heatmap
    cols = [median_col("late_ms_p99", "late p99 [ms]"), median_col("timeouts", "timeouts"),
            median_col("real_time", "makespan [ms]")]
    return _done(runs, "hazard_buffered_stream", title, STREAM_Q,
                 "Each cell is a variant (row) at a body time (column): its colour and first "
                 "number the median late p99 (the delay between an item's completion and its "
                 "delivery), its second the items whose consumer wait exceeded the stream's idle "
                 "timeout.", " ".join(stream_answer(r) for r in present),
                 _points(present, "buffered_stream"), cols, fig, out_dir)


def _done(runs, name, title, question, caption, answer, points, cols, fig, out_dir):
    """The saved figure with its table of numbers and its hazard's summary (hazards.py)."""
    headers, rows = table_rows(runs, points, cols)
    return FigureResult(name, title, caption, headers, rows, "", save(fig, out_dir, name),
                        summary=hz.summary(runs, name.removeprefix("hazard_")),
                        question=question, answer=answer)


# permit_deadlock ------------------------------------------------------------------------------

DEADLOCK_Q = ("Which way of holding a permit across a fan-out deadlocks, and how fast do the "
              "fixes run?")


def watchdog_ms(bench) -> float:
    m = hz.DEADLOCK.search(bench.error or "")
    return float(m.group(1)) if m else math.nan


def _deadlock_rows(run) -> list:
    """(variant, bench, value [ms], deadlocked) in registration order."""
    benches = hz._benches(run, "permit_deadlock") + hz._benches(run, "permit_deadlock", True)
    benches.sort(key=hz.sort_key(hz._variant_ranks([run], "permit_deadlock")))
    return [(hz.variant(b), b, b.median() if b.error is None else watchdog_ms(b),
             b.error is not None) for b in benches]


def deadlock_answer(run) -> str:
    rows = _deadlock_rows(run)
    dead = [f"{v} deadlocks ({hz.deadlock_text(b.error)})" for v, b, _, d in rows if d]
    done = [f"{v} completes in {ci_text(b.ci(), num)} ms" for v, b, _, d in rows if not d]
    return f"On {run.label}: " + "; ".join(dead + done) + "." if rows else ""


def permit_deadlock(runs, styles, out_dir):
    per = [(ri, _deadlock_rows(r)) for ri, r in enumerate(runs)]
    per = [(ri, rows) for ri, rows in per if rows]
    if not per:
        return None
    cats = list(dict.fromkeys(v for _, rows in per for v, *_ in rows))
    fig, axes = new_figure(1, width=8.5, height=0.9 * len(cats) + 1.6)
    ax, h = axes[0, 0], 0.8 / len(runs)
    for ri, rows in per:
        for v, b, value, dead in rows:
            y = cats.index(v) + (ri - (len(runs) - 1) / 2) * h
            ax.barh(y, value, height=h * 0.9, color=DEADLOCK_COLOR if dead else "0.55",
                    hatch=run_hatch(ri), edgecolor="0.2", linewidth=0.5)
            label = (f"deadlock: stopped by the watchdog at {num(value)} ms" if dead else
                     f"{ci_text(b.ci(), num)} ms")
            ax.text(value, y, "  " + label, va="center", fontsize=9.5)
    top = max(value for _, rows in per for _, _, value, _ in rows if math.isfinite(value))
    ax.set_xlim(0, top * 1.9)
    ax.set_yticks(range(len(cats)), cats)
    ax.set_ylim(len(cats) - 0.5, -0.5)
    ax.set_xlabel("makespan [ms] (a deadlock: the watchdog's limit)")
    title = "hazard/permit_deadlock: the naive variant against its fixes"
    handles = [Patch(color=DEADLOCK_COLOR, label="deadlocked (bar = watchdog limit)"),
               Patch(color="0.55", label="completed (median makespan)")]
    finish(fig, runs, title, handles + machine_handles(runs, bars=True), ncol=3)
    points = [p for p in _points(runs, "permit_deadlock")]
    return _done(runs, "hazard_permit_deadlock", title, DEADLOCK_Q,
                 "Each bar is a variant: a completed one's median makespan with its 95% CI, a "
                 "deadlocked one (an error entry, with no makespan) drawn at the watchdog's "
                 "limit, where the run was stopped.", " ".join(deadlock_answer(r) for r in runs),
                 points, [median_col("real_time", "makespan [ms]")], fig, out_dir)


# blocking_loop --------------------------------------------------------------------------------

BLOCKING_Q = "How much does computing on the event loop stretch the waits that share it?"


def blocking_answer(run) -> str:
    bs = sorted(hz._benches(run, "blocking_loop"), key=lambda b: -b.median("wait_p99_ms"))
    parts = [f"{hz.variant(b)} {ci_text(median_ci(b.samples('wait_p99_ms')), num)} ms "
             f"({times(b.median('wait_p99_ms') / _latency(b))} the latency)" for b in bs]
    return (f"On {run.label}, the waits' p99 against their {num(_latency(bs[0]))} ms latency: "
            + ", ".join(parts) + ".") if bs else ""


def _latency(b) -> float:
    v = b.median("latency_ms")
    return v if math.isfinite(v) else float(b.params.get("latency_ms", math.nan))


def blocking_loop(runs, styles, out_dir):
    points = _points(runs, "blocking_loop")
    if not points:
        return None
    cats = list(dict.fromkeys(p.strategy for p in points))
    fig, axes = new_figure(1, width=8.5, height=0.9 * len(cats) + 1.8)
    ax, h = axes[0, 0], 0.8 / len(runs)
    for p in points:
        y = cats.index(p.strategy) + (p.run_i - (len(runs) - 1) / 2) * h
        ci = median_ci(p.bench.samples("wait_p99_ms"))
        ax.barh(y, ci.median, height=h * 0.9, color="0.55", hatch=run_hatch(p.run_i),
                edgecolor="0.2", linewidth=0.5)
        ax.errorbar(ci.median, y, xerr=[[ci.median - ci.lo], [ci.hi - ci.median]], color="0.1")
        ax.text(ci.hi, y, f"  {times(ci.median / _latency(p.bench))} the latency", va="center")
        ax.axvline(_latency(p.bench), color=IDEAL_COLOR, linewidth=1.2)
    ax.set_xlim(0, max(p.bench.median("wait_p99_ms") for p in points) * 1.35)
    ax.set_yticks(range(len(cats)), cats)
    ax.set_ylim(len(cats) - 0.5, -0.5)
    ax.set_xlabel("the waits' p99 (fan-out start → a wait's result received) [ms]")
    title = "hazard/blocking_loop: the waits' p99 against their latency"
    handles = [Line2D([], [], color=IDEAL_COLOR, label="each wait's latency (its bound)")]
    finish(fig, runs, title, handles + machine_handles(runs, bars=True), ncol=3)
    cols = [median_col("wait_p99_ms", "wait p99 [ms]"), median_col("inflation", "inflation [×]"),
            median_col("wait_p50_ms", "wait p50 [ms]"), median_col("real_time", "makespan [ms]")]
    return _done(runs, "hazard_blocking_loop", title, BLOCKING_Q,
                 "Each bar is a variant's median p99 of its waiting items' latency, from the "
                 "fan-out's start to the result's receipt, with its 95% CI; the black line is "
                 "the waits' own latency, which none can beat. Computing inline on the loop "
                 "delays every timer behind it.",
                 " ".join(blocking_answer(r) for r in runs), points, cols, fig, out_dir)


# thread_exhaustion ----------------------------------------------------------------------------

THREADS_Q = "How many threads will the OS give a thread-per-item fan-out, and at what memory?"


def _errno_text(b) -> str:
    e = b.median("failure_errno")
    if not (math.isfinite(e) and e):
        return ""
    detail = b.note.split(": ", 1)[1] if ": " in b.note else f"errno {num(e)}"
    return f"refused: {detail}"


def _growth_text(b) -> str:
    g = b.median("rss_peak_growth_bytes")
    return f", +{num(g / 2**20)} MiB" if math.isfinite(g) else ", memory not measured"


def threads_answer(run) -> str:
    bs = sorted(hz._benches(run, "thread_exhaustion"), key=lambda b: b.params.get("items", 0))
    parts = [f"{num(b.params.get('items'))} requested: {num(b.median('threads_created'))} "
             f"created" + _growth_text(b) + (f" ({_errno_text(b)})" if _errno_text(b) else "")
             for b in bs]
    return f"On {run.label}, " + "; ".join(parts) + "." if bs else ""


def _threads_panels(axes, p, styles) -> None:
    b, kw = p.bench, styles.line_kw("threads", p.run_i)
    req = b.params.get("items", math.nan)
    axes[0, 0].plot([req], [b.median("threads_created")], **kw)
    axes[0, 1].plot([req], [b.median("rss_peak_growth_bytes") / 2**20], **kw)
    if _errno_text(b):
        errno = num(b.median("failure_errno"))
        axes[0, 0].annotate(f"errno {errno}", (req, b.median("threads_created")),
                            xytext=(0, -22), textcoords="offset points", ha="center",
                            fontsize=9, color="0.2")


def thread_exhaustion(runs, styles, out_dir):
    points = _points(runs, "thread_exhaustion")
    if not points:
        return None
    fig, axes = new_figure(2, width=11.5, height=4.8)
    for p in points:
        _threads_panels(axes, p, styles)
    reqs = sorted({p.bench.params.get("items") for p in points})
    axes[0, 0].plot(reqs, reqs, color=IDEAL_COLOR, linewidth=1.2, zorder=1)
    for ax, ylabel in zip(axes[0], ("threads created", "peak memory growth [MiB]")):
        log_x_at(ax, reqs, "threads requested (items)")
        ax.set_ylabel(ylabel)
    axes[0, 0].set_yscale("log")
    axes[0, 1].set_ylim(bottom=0)
    title = "hazard/thread_exhaustion: a thread per item"
    handles = [Line2D([], [], color=IDEAL_COLOR, label="created = requested")]
    finish(fig, runs, title, handles + machine_handles(runs), ncol=3)
    cols = [median_col("threads_created", "threads created"),
            median_col("items_failed", "items failed"), median_col("failure_errno", "errno"),
            median_col("rss_peak_growth_bytes", "peak memory growth [bytes]"),
            median_col("real_time", "makespan [ms]")]
    return _done(runs, "hazard_thread_exhaustion", title, THREADS_Q,
                 "Left, the threads the fan-out created against those it asked for (the black "
                 "line: all of them), with the OS's errno where it refused one (the table gives "
                 "its text); right, the "
                 "growth of peak resident memory during the fan-out.",
                 " ".join(threads_answer(r) for r in runs), points, cols, fig, out_dir)


FIGURES = {"buffered_stream": buffered_stream, "permit_deadlock": permit_deadlock,
           "blocking_loop": blocking_loop, "thread_exhaustion": thread_exhaustion}
