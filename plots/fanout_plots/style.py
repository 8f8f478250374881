"""One look for every figure: a colour and marker per strategy, a line style per machine.

Strategies keep the same colour in every figure and every report, so a reader can follow one
across pages; machines in a comparison differ by line style and marker fill.
"""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import (FixedLocator, FuncFormatter, LogLocator,  # noqa: E402
                               NullFormatter, NullLocator)

from .output import atomic_path  # noqa: E402

# Sized so that text stays about 9 pt when a figure is pasted at the full width of a page.
RC = {
    "font.size": 12, "axes.titlesize": 12.5, "axes.labelsize": 12, "legend.fontsize": 10.5,
    "xtick.labelsize": 11, "ytick.labelsize": 11, "figure.titlesize": 14,
    "axes.grid": True, "grid.alpha": 0.3, "grid.linewidth": 0.6, "axes.axisbelow": True,
    "savefig.dpi": 150, "figure.dpi": 100, "lines.linewidth": 1.8, "lines.markersize": 7,
    "errorbar.capsize": 3, "svg.hashsalt": "fanout-bench", "legend.framealpha": 0.9,
}
_PALETTE = plt.get_cmap("tab10").colors + plt.get_cmap("Dark2").colors
_MARKERS = ("o", "s", "^", "v", "D", "P", "X", "*", "<", ">", "h", "p")
_RUN_LINES = ("-", "--", ":", "-.")
_RUN_FILLS = ("full", "none", "full", "none")
_RUN_HATCHES = ("", "//", "..", "xx")
IDEAL_COLOR = "black"
# A point beyond its physical bound (validity.py): a red cross over its marker.
INVALID_GID = "invalid"
INVALID_STYLE = {"marker": "X", "markersize": 11, "color": "red", "markeredgecolor": "0.1",
                 "markeredgewidth": 0.8, "linestyle": "none"}
INVALID_LABEL = "invalid: beyond its physical bound (see Warnings)"
TAG_PREFIX = "strategy."
matplotlib.rcParams.update(RC)


class Styles:
    """Colours and markers by strategy: the given order (the registry's), then in order of
    appearance, so that a strategy keeps its colour in every figure of a report."""

    def __init__(self, strategies=()) -> None:
        self._index: dict = {}
        for s in strategies:
            self._index.setdefault(s, len(self._index))

    def _i(self, strategy: str) -> int:
        return self._index.setdefault(strategy, len(self._index))

    def color(self, strategy: str):
        return _PALETTE[self._i(strategy) % len(_PALETTE)]

    def marker(self, strategy: str) -> str:
        return _MARKERS[self._i(strategy) % len(_MARKERS)]

    def line_kw(self, strategy: str, run_index: int) -> dict:
        """Keyword arguments for plot/errorbar of one strategy on one machine."""
        fill = _RUN_FILLS[run_index % len(_RUN_FILLS)]
        color = self.color(strategy)
        return {"color": color, "marker": self.marker(strategy), "gid": tag(strategy, run_index),
                "linestyle": _RUN_LINES[run_index % len(_RUN_LINES)], "fillstyle": fill,
                "markerfacecolor": color if fill == "full" else "white",
                "markeredgecolor": color}

    def strategy_handles(self, strategies) -> list:
        return [Line2D([], [], color=self.color(s), marker=self.marker(s), label=s)
                for s in strategies]


def tag(strategy: str, run_index: int) -> str:
    """The gid of a strategy's artists on one machine (strategy "" for the machine's own, such
    as its ideal line): the interactive page (html/chart.py) groups and names its traces by
    it, and its machine box hides them with their machine."""
    return f"{TAG_PREFIX}{run_index}.{strategy}"


def parse_tag(gid) -> tuple:
    """(strategy, machine index) from a gid tag() wrote, or (None, None)."""
    if isinstance(gid, str) and gid.startswith(TAG_PREFIX):
        run, name = gid[len(TAG_PREFIX):].split(".", 1)
        return name, int(run)
    return None, None


def run_linestyle(i: int) -> str:
    return _RUN_LINES[i % len(_RUN_LINES)]


def run_hatch(i: int) -> str:
    return _RUN_HATCHES[i % len(_RUN_HATCHES)]


def machine_handles(runs, bars: bool = False) -> list:
    """Legend entries telling machines apart; none for a single machine."""
    if len(runs) < 2:
        return []
    if bars:
        from matplotlib.patches import Patch
        return [Patch(facecolor="0.85", edgecolor="0.3", hatch=run_hatch(i), label=r.label)
                for i, r in enumerate(runs)]
    return [Line2D([], [], color="0.3", marker="o", linestyle=run_linestyle(i),
                   fillstyle=_RUN_FILLS[i % len(_RUN_FILLS)], markerfacecolor=(
                       "0.3" if _RUN_FILLS[i % len(_RUN_FILLS)] == "full" else "white"),
                   label=r.label) for i, r in enumerate(runs)]


def mark_invalid(ax, xs, ys) -> None:
    """Crosses over invalid points; finish() adds the legend entry when a figure has one."""
    if len(xs):
        ax.plot(xs, ys, gid=INVALID_GID, zorder=6, **INVALID_STYLE)


def _has_invalid(fig) -> bool:
    return any(line.get_gid() == INVALID_GID for ax in fig.axes for line in ax.get_lines())


def errorbar_handle(runs) -> Line2D:
    reps = sorted({b.n for r in runs for b in r.ok()})
    if not reps or reps[-1] < 2:
        label = "one repetition: no error bars"
    elif reps[0] < 6:
        label = "median; bar: 95% CI (min–max where n < 6)"
    else:
        label = "median; bar: its 95% CI"
    return Line2D([], [], color="0.3", marker="|", markersize=14, linestyle="none", label=label)


def _plain(v, _pos=None) -> str:
    if v >= 1000:
        return f"{v:,.0f}"
    return f"{v:g}"


def log_x_at(ax, xs, xlabel: str) -> None:
    """A log x axis with a tick, in plain numbers, at each of a short sweep's points."""
    ax.set_xscale("log")
    ax.set_xticks(xs, [f"{x:,.0f}" if x >= 1 else f"{x:g}" for x in xs])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel(xlabel)


def tidy_log_axes(fig) -> None:
    """Log axes labelled with plain numbers, at 1-2-5 steps where they span few decades."""
    for ax in fig.axes:
        for axis, scale, lim in ((ax.xaxis, ax.get_xscale(), ax.get_xlim()),
                                 (ax.yaxis, ax.get_yscale(), ax.get_ylim())):
            if scale != "log" or isinstance(axis.get_major_locator(), FixedLocator):
                continue
            lo, hi = sorted(lim)
            if lo > 0 and np.log10(hi / lo) < 2.6:
                axis.set_major_locator(LogLocator(subs=(1, 2, 5)))
            axis.set_major_formatter(FuncFormatter(_plain))
            axis.set_minor_formatter(NullFormatter())


def cores_text(run) -> str:
    """'2 cores', or '1 core (--cpus 1 of 2: CPU 0)' for a run restricted by run_all.sh --cpus."""
    text = f"{run.cores} core{'' if run.cores == 1 else 's'}"
    ctx = run.context
    if ctx.get("fanout_cpus"):
        text += (f" (--cpus {ctx['fanout_cpus']} of {ctx.get('fanout_cpus_of', '?')}: "
                 f"CPU {ctx.get('fanout_cpu_list', '?')})")
    return text


def machine_text(runs) -> str:
    def one(r) -> str:
        ctx = r.context
        parts = [ctx.get("fanout_cpu_model"), cores_text(r), ctx.get("fanout_build_type")]
        commit = ctx.get("fanout_git_commit")
        if commit and commit != "unknown":
            parts.append(f"commit {commit[:10]}")
        return f"{r.label} ({', '.join(str(p) for p in parts if p)})"
    if len(runs) == 1:
        return "machine: " + one(runs[0])
    return "machines: " + "; ".join(one(r) for r in runs)


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 8.0, height: float = 4.8, **kw):
    return plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False,
                        layout="constrained", **kw)


def finish(fig, runs, title: str, handles: list, ncol: int = 4, error_bars: bool = True) -> None:
    """Title, one legend below the axes (never over the data), and the machine label under it;
    error_bars: whether the legend explains the bars (not for a figure that draws none).

    Constrained layout keeps the axes inside the figure, so a legend hung from the figure's
    bottom edge cannot cover them; the tight bounding box at save time takes both in.
    """
    fig.suptitle(title, fontweight="bold")
    tidy_log_axes(fig)
    handles = list(handles) + ([errorbar_handle(runs)] if error_bars else [])
    if _has_invalid(fig):
        handles.append(Line2D([], [], label=INVALID_LABEL, **INVALID_STYLE))
    x, y = 0.0, 0.0
    if handles:
        legend = fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                            ncol=min(ncol, len(handles)), frameon=False)
        box = legend.get_window_extent(fig.canvas.get_renderer()).transformed(
            fig.transFigure.inverted())
        x, y = min(0.0, box.x0), box.y0
    fig.text(x, y - 0.01, machine_text(runs), ha="left", va="top", fontsize=10, color="0.25")


class Saved(list):
    """The paths of a saved figure, and `chart`: the same figure for the interactive page
    (html/chart.py), read from its artists before it was closed. FigureResult takes both."""

    chart: dict | None = None


def save(fig, out_dir: str, name: str) -> Saved:
    """Writes NAME.png and NAME.svg, each under a temporary name first; returns both paths,
    with the figure's interactive chart."""
    from .html.chart import from_figure

    os.makedirs(out_dir, exist_ok=True)
    paths = Saved()
    try:
        # One layout pass and one bounding box for both formats.
        fig.draw_without_rendering()
        bbox = fig.get_tightbbox(fig.canvas.get_renderer()).padded(0.15)
        # The layout is done: each format's draw places the artists where this pass put them.
        fig.set_layout_engine("none")
        for ext in ("png", "svg"):
            path = os.path.join(out_dir, f"{name}.{ext}")
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format=ext, bbox_inches=bbox)
            paths.append(path)
        paths.chart = from_figure(fig)
    finally:
        plt.close(fig)
    return paths
