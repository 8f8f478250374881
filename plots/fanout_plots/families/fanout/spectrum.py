"""latency_spectrum: latency against percentile, 50 to 99.99 on a log-scaled tail (wrk2 and
HdrHistogram's plot), per strategy at each workload's representative size (workers = cores),
from every item's latency in the sidecar (sidecar.py). A run without a sidecar gets the
approximate CDF through four counters instead (at_size.latency_cdf)."""

from __future__ import annotations

import math

from matplotlib.ticker import FixedLocator, NullLocator

from ...figure import FigureResult, handles, panel_title
from ...output import num
from ...sidecar import key
from ...stats import ci_text, median_ci
from ...style import finish, new_figure, save
from .at_size import _panels, latency_cdf

QUESTION = ("How long do a fan-out's slowest items take with each strategy, percentile by "
            "percentile?")
CAPTION = (
    "Each line is a strategy's per-item latency (fan-out start to the result reaching the "
    "consumer) at each percentile of every repetition's items pooled; a bar, where each "
    "repetition holds at least 1 / (1 - q) items, is the 95% CI of the median of the "
    "repetitions' own percentile. The x axis stretches the tail (-log10(1 - q)), so 90, 99, "
    "99.9 and 99.99 are evenly spaced; a line stops where the pooled items run out. From every "
    "item's latency, recorded as log-bucketed counts to 0.1% in the sidecar.")
LEVELS = (0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999)
TICKS = ((0.5, "50"), (0.9, "90"), (0.99, "99"), (0.999, "99.9"), (0.9999, "99.99"))


def tail_x(q: float) -> float:
    return -math.log10(1 - q)


def hists_of(runs, p):
    return runs[p.run_i].histograms.get(key(p.bench.name))


def _line(ax, styles, p, h) -> None:
    """The pooled items' percentiles as the line; the bars, where each repetition holds enough
    items for that percentile, the 95% CI of the median of the repetitions' own."""
    pooled = h.pooled()
    line = [(q, h.percentile(pooled, q)) for q in LEVELS]
    line = [(q, v) for q, v in line if math.isfinite(v)]
    if not line:
        return
    kw = styles.line_kw(p.strategy, p.run_i)
    ax.plot([tail_x(q) for q, _ in line], [v for _, v in line], **kw)
    cis = [(q, median_ci(h.percentile_samples(q))) for q, _ in line]
    cis = [(q, c) for q, c in cis if c.n >= 2 and math.isfinite(c.median)]
    if cis:
        ax.errorbar([tail_x(q) for q, _ in cis], [c.median for _, c in cis],
                    yerr=[[c.median - c.lo for _, c in cis], [c.hi - c.median for _, c in cis]],
                    color=kw["color"], linestyle="none", marker="")


def answer(runs, per) -> str:
    out = []
    for w, points in per.items():
        tails = []
        for p in points:
            h = hists_of(runs, p)
            if h is None:
                continue
            q = max((q for q in LEVELS if h.percentile_samples(q).size), default=None)
            if q is not None:
                tails.append((median_ci(h.percentile_samples(q)), q, p))
        if len(tails) >= 2:
            q = min(t[1] for t in tails)
            at = sorted(((median_ci(hists_of(runs, p).percentile_samples(q)), p)
                         for _, _, p in tails), key=lambda cp: cp[0].median)
            (lo, pl), (hi, ph) = at[0], at[-1]
            out.append(f"{w}: p{100 * q:g} from {ci_text(lo, num)} ms ({pl.strategy}) to "
                       f"{ci_text(hi, num)} ms ({ph.strategy})")
    return ("At each workload's representative size, " + "; ".join(out) + ".") if out else ""


def latency_spectrum(runs, styles, out_dir):
    if not any(r.histograms for r in runs):
        return latency_cdf(runs, styles, out_dir)
    per, _ = _panels(runs, "p50_ms")
    per = {w: [p for p in ps if hists_of(runs, p) is not None] for w, ps in per.items()}
    per = {w: ps for w, ps in per.items() if ps}
    if not per:
        return latency_cdf(runs, styles, out_dir)
    fig, axes = new_figure(len(per), width=4.2 * len(per) + 1.2, height=4.8)
    for ax, (w, points) in zip(axes[0], per.items()):
        for p in points:
            _line(ax, styles, p, hists_of(runs, p))
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(FixedLocator([tail_x(q) for q, _ in TICKS]))
        ax.set_xticklabels([t for _, t in TICKS])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlim(tail_x(0.5) - 0.15, tail_x(0.9999) + 0.15)
        ax.set_xlabel("percentile [%]")
        ax.set_title(panel_title(w, points))
    axes[0, 0].set_ylabel("per-item latency [ms]")
    title = "Latency spectrum: per-item latency against percentile"
    points = [p for ps in per.values() for p in ps]
    finish(fig, runs, title, handles(runs, styles, points), ncol=4)
    headers = (["machine"] if len(runs) > 1 else []) + ["benchmark", "n"] + [
        f"p{100 * q:g} [ms]" for q in (0.5, 0.9, 0.99, 0.999, 0.9999)]
    rows = [([runs[p.run_i].label] if len(runs) > 1 else []) + [p.bench.name, p.bench.n] + [
        ci_text(median_ci(hists_of(runs, p).percentile_samples(q)), num)
        for q in (0.5, 0.9, 0.99, 0.999, 0.9999)] for p in sorted(points, key=lambda p: p.run_i)]
    return FigureResult("latency_spectrum", title, CAPTION, headers, rows, "",
                        save(fig, out_dir, "latency_spectrum"), question=QUESTION,
                        answer=answer(runs, per))
