"""A drawn matplotlib figure as a plotly figure: the same points, error bars, bars, cells and
labels, read from the artists the figure modules drew (never computed again).

    chart = from_figure(fig)   # {"data": [...], "layout": {...}, "switch": {"y": [...]}}

style.save calls it on every figure before closing it, so each FigureResult carries the chart
of its own PNG. A strategy's artists carry its name and machine in their gid (style.tag), which
groups them in the legend and names them in the hover text; untagged artists (ideal lines,
bounds, hazard variants' bars) are reference traces. Machine labels are filled in by the page
(page.py), which knows the runs.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.colors import LogNorm, to_hex
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.patches import Patch
from matplotlib.text import Annotation

from ..style import INVALID_GID, parse_tag
from . import axes as ax_conv
from ..output import num
from .axes import point_text

_SYMBOLS = {"o": "circle", "s": "square", "^": "triangle-up", "v": "triangle-down",
            "D": "diamond", "P": "cross", "X": "x", "*": "star", "<": "triangle-left",
            ">": "triangle-right", "h": "hexagon", "p": "pentagon", "|": "line-ns",
            "_": "line-ew", ".": "circle"}
_DASHES = {"-": "solid", "--": "dash", ":": "dot", "-.": "dashdot"}


def _color(c) -> str:
    try:
        return to_hex(c, keep_alpha=False)
    except (ValueError, TypeError):
        return "#555555"


def _line_style(line) -> dict:
    """Plotly marker and line settings matching a Line2D."""
    marker = line.get_marker()
    symbol = _SYMBOLS.get(marker if isinstance(marker, str) else "", None)
    dash = _DASHES.get(line.get_linestyle())
    color = _color(line.get_color())
    out = {"mode": "+".join(m for m, on in (("lines", dash), ("markers", symbol)) if on) or
           "markers", "line": {"color": color, "dash": dash or "solid",
                               "width": max(1.0, line.get_linewidth())}}
    if symbol:
        open_ = line.get_fillstyle() == "none" or line.get_markerfacecolor() in ("white", "w")
        out["marker"] = {"symbol": symbol + ("-open" if open_ and "line" not in symbol else ""),
                         "size": max(4.0, line.get_markersize() * 1.1), "color": color}
    return out


def _finite(values) -> list:
    return [float(v) if v is not None and math.isfinite(float(v)) else None for v in values]


def _trace(ax_info, xs, ys, style: dict, gid, cis=None) -> dict:
    """One scatter trace; cis: per point (lo, hi) of the plotted value, shown in the hover."""
    strategy, run = parse_tag(gid)
    if gid == INVALID_GID:
        strategy = "invalid: beyond its physical bound"
    text = [point_text(ax_info, x, y, ci) for x, y, ci in
            zip(xs, ys, cis if cis is not None else [None] * len(xs))]
    return {"type": "scatter", **style, "x": _finite(xs), "y": _finite(ys),
            "xaxis": ax_info["x"], "yaxis": ax_info["y"], "text": text, "hoverinfo": "text",
            "meta": {"strategy": strategy, "run": run}}


def _errorbar(ax_info, c: ErrorbarContainer) -> tuple:
    """The trace of an errorbar call: its points, and per point its interval as the hover's
    CI; the error bars themselves drawn as plotly's, asymmetric."""
    data_line, caps, cols = c.lines
    segs = [np.asarray(col.get_segments(), dtype=float) for col in cols]
    if data_line is None or not segs:
        return None, list(caps)
    xs, ys = (np.asarray(v, dtype=float) for v in data_line.get_data())
    style = _line_style(data_line)
    trace = _trace(ax_info, xs, ys, style, data_line.get_gid())
    seg_iter = iter(segs)
    cis = None
    for on, axis, vals in ((c.has_xerr, "x", xs), (c.has_yerr, "y", ys)):
        seg = next(seg_iter) if on else None
        if seg is None or len(seg) != len(vals):
            continue
        k = 0 if axis == "x" else 1
        lo, hi = seg[:, :, k].min(axis=1), seg[:, :, k].max(axis=1)
        trace[f"error_{axis}"] = {"type": "data", "symmetric": False, "array": _finite(hi - vals),
                                  "arrayminus": _finite(vals - lo), "color": style["line"][
                                      "color"], "thickness": 1.2, "width": 3}
        cis = list(zip(lo, hi))
    trace["text"] = [point_text(ax_info, x, y, ci) for x, y, ci in
                     zip(xs, ys, cis or [None] * len(xs))]
    # The caps are lines of their own in ax.lines; plotly's error bars draw theirs.
    return trace, [data_line, *caps]


def _top_mark(ax, ax_info, line) -> dict:
    """A marker placed in data x and axes y (a benchmark not measured, at the top of the
    axes) as an annotation there, its label in the hover."""
    x = float(line.get_xdata()[0])
    if ax.get_xscale() == "log" and x > 0:
        x = math.log10(x)  # plotly places annotations on a log axis by the exponent
    symbol = {"v": "▼", "x": "✕"}.get(line.get_marker(), "●")
    return {"x": x, "y": float(line.get_ydata()[0]), "xref": ax_info["x"],
            "yref": f"{ax_info['y']} domain", "text": symbol, "showarrow": False,
            "font": {"color": _color(line.get_color()), "size": 13},
            "hovertext": line.get_label()}


def _lines(ax, ax_info, skip: set, notes: list) -> list:
    """Lines drawn with plot/axhline, which are not the data line of an error bar; markers
    at the top of the axes go to notes."""
    out = []
    for line in ax.lines:
        if id(line) in skip or not line.get_visible():
            continue
        xs, ys = (np.asarray(v, dtype=float) for v in line.get_data())
        if line.get_transform() != ax.transData and line.get_linestyle() in ("None", "none"):
            notes.append(_top_mark(ax, ax_info, line))
            continue
        if line.get_transform() != ax.transData:  # axhline or axvline: spans the axes
            if len(set(ys)) == 1:
                xs = np.asarray(ax.get_xlim())
            elif len(set(xs)) == 1:
                ys = np.asarray(ax.get_ylim())
            else:
                continue
        trace = _trace(ax_info, xs, ys, _line_style(line), line.get_gid())
        label = line.get_label()
        if not trace["meta"]["strategy"] and label and not label.startswith("_"):
            trace["meta"].update(strategy=None, reference=label)
        out.append(trace)
    return out


def _bars(ax, ax_info, c: BarContainer) -> list:
    """A bar call's rectangles: one bar trace per strategy (gid) or colour."""
    groups: dict = {}
    for rect in c.patches:
        key = rect.get_gid() or _color(rect.get_facecolor())
        groups.setdefault(key, []).append(rect)
    out = []
    horizontal = c.orientation == "horizontal"
    for key, rects in groups.items():
        x0 = [r.get_x() for r in rects]
        y0 = [r.get_y() for r in rects]
        w = [r.get_width() for r in rects]
        h = [r.get_height() for r in rects]
        pos = [a + b / 2 for a, b in (zip(y0, h) if horizontal else zip(x0, w))]
        length, base = (w, x0) if horizontal else (h, y0)
        xs, ys = (length, pos) if horizontal else (pos, length)
        trace = _trace(ax_info, xs, ys, {}, rects[0].get_gid())
        trace.update(type="bar", orientation="h" if horizontal else "v", base=_finite(base),
                     textposition="none",
                     width=_finite(h if horizontal else w),
                     marker={"color": _color(rects[0].get_facecolor()),
                             "opacity": rects[0].get_alpha() or 0.85,
                             "line": {"color": "#333333", "width": 0.5}})
        trace.pop("mode", None)
        out.append(trace)
    return out


def _colorbar(label: str, values, log: bool) -> dict:
    """The colour bar: the figure's label, and on a log norm ticks at the decades, in plain
    numbers."""
    bar = {"title": {"text": label.replace(" (", "<br>("), "side": "right"}, "len": 0.8}
    finite = [v for v in values if v is not None]
    if log and finite:
        decades = range(math.floor(min(finite)), math.ceil(max(finite)) + 1)
        bar.update(tickvals=list(decades), ticktext=[num(10.0 ** k) for k in decades])
    return bar


def _image(ax_info, image, label: str) -> dict:
    """An imshow heatmap: its cells, coloured by the same colour map and (log) norm."""
    z = np.ma.filled(np.ma.asarray(image.get_array(), dtype=float), np.nan)
    left, right, bottom, top = image.get_extent()
    ny, nx = z.shape[:2]
    xs = [left + (j + 0.5) * (right - left) / nx for j in range(nx)]
    ys = [top + (i + 0.5) * (bottom - top) / ny for i in range(ny)]
    log = isinstance(image.norm, LogNorm)
    shown = np.log10(np.where(z > 0, z, np.nan)) if log else z
    cmap = image.get_cmap()
    scale = [[i / 10, _color(cmap(i / 10))] for i in range(11)]
    text = [[point_text(ax_info, x, y, None, z=v) for x, v in zip(xs, row)]
            for y, row in zip(ys, z)]
    return {"type": "heatmap", "x": xs, "y": ys, "z": [_finite(r) for r in shown],
            "colorscale": scale, "text": text, "hoverinfo": "text", "xaxis": ax_info["x"],
            "yaxis": ax_info["y"], "showscale": True, "zsmooth": False,
            "colorbar": _colorbar(label, [v for r in shown for v in _finite(r)], log),
            "meta": {"strategy": None, "run": None}}


def _shapes_and_notes(ax, ax_info, bar_patches: set) -> tuple:
    """Patches outside bar calls (a regime map's cells) as shapes, texts as annotations."""
    shapes, notes = [], []
    for p in ax.patches:
        if id(p) in bar_patches or not hasattr(p, "get_width"):
            continue
        shapes.append({"type": "rect", "xref": ax_info["x"], "yref": ax_info["y"],
                       "x0": p.get_x(), "x1": p.get_x() + p.get_width(), "y0": p.get_y(),
                       "y1": p.get_y() + p.get_height(), "layer": "below",
                       "fillcolor": _color(p.get_facecolor()), "opacity": p.get_alpha() or 1.0,
                       "line": {"color": "white", "width": 1.5}})
    for t in ax.texts:
        x, y = t.xy if isinstance(t, Annotation) else t.get_position()
        if t.get_transform() != ax.transData and not isinstance(t, Annotation):
            continue
        notes.append({"x": x, "y": y, "xref": ax_info["x"], "yref": ax_info["y"],
                      "text": t.get_text().strip().replace("\n", "<br>"), "showarrow": False,
                      "font": {"size": max(9, round(t.get_fontsize())),
                               "color": _color(t.get_color())},
                      "xanchor": {"left": "left", "right": "right"}.get(t.get_ha(), "center")})
    return shapes, notes


def _panel(ax, ax_info) -> tuple:
    """Traces, shapes and annotations of one axes."""
    traces, skip, bar_patches = [], set(), set()
    for c in ax.containers:
        if isinstance(c, ErrorbarContainer):
            trace, used = _errorbar(ax_info, c)
            skip.update(id(line) for line in used)
            if trace:
                traces.append(trace)
        elif isinstance(c, BarContainer):
            bar_patches.update(id(p) for p in c.patches)
            traces += _bars(ax, ax_info, c)
    # After the error bars, so that a strategy's legend entry shows its marker and line.
    marks: list = []
    traces += _lines(ax, ax_info, skip, marks)
    label = ax.figure.axes[-1].get_ylabel() if ax.figure.axes[-1].get_label() == \
        "<colorbar>" else ""
    traces += [_image(ax_info, im, label) for im in ax.images]
    shapes, notes = _shapes_and_notes(ax, ax_info, bar_patches)
    if shapes:
        traces.append(_cell_hover(ax_info, shapes, notes))
    return traces, shapes, notes + marks


def _cell_hover(ax_info, shapes, notes) -> dict:
    """Invisible points at the cells' centres whose hover text is the cell's own label."""
    xs = [(s["x0"] + s["x1"]) / 2 for s in shapes]
    ys = [(s["y0"] + s["y1"]) / 2 for s in shapes]
    text = []
    for x, y in zip(xs, ys):
        inside = [n["text"] for n in notes if abs(n["x"] - x) < 0.5 and abs(n["y"] - y) < 0.5]
        text.append(point_text(ax_info, x, y, None) + "".join(f"<br>{t}" for t in inside))
    return {"type": "scatter", "mode": "markers", "x": xs, "y": ys, "text": text,
            "hoverinfo": "text", "marker": {"size": 30, "opacity": 0}, "xaxis": ax_info["x"],
            "yaxis": ax_info["y"], "meta": {"strategy": None, "run": None}}


def _patch_legend(fig) -> list:
    """Legend entries for the colours of a map's cells, from the figure's own legend."""
    out = []
    for legend in fig.legends:
        for handle, text in zip(legend.legendHandles, legend.get_texts()):
            if isinstance(handle, Patch):
                out.append({"type": "scatter", "mode": "markers", "x": [None], "y": [None],
                            "marker": {"symbol": "square", "size": 14, "color": _color(
                                handle.get_facecolor()), "opacity": handle.get_alpha() or 1},
                            "text": [], "meta": {"strategy": None, "run": None,
                                                 "reference": text.get_text()}})
    return out


def from_figure(fig) -> dict:
    """The chart of a figure whose layout has been drawn (style.save draws it first)."""
    data, shapes, notes, layout, switch = [], [], [], {}, {"x": [], "y": []}
    panels = [a for a in fig.axes if a.get_label() != "<colorbar>" and a.get_visible()]
    frame = ax_conv.Frame([a.get_position() for a in panels])
    for i, ax in enumerate(panels):
        info = ax_conv.info(ax, i)
        traces, s, n = _panel(ax, info)
        axes_layout, title, logs = ax_conv.layout_of(ax, info, traces, frame)
        layout.update(axes_layout)
        data += traces
        shapes += s
        notes += n + ([title] if title else [])
        for letter, axis_key in logs:
            switch[letter].append(axis_key)
    if shapes:
        data += _patch_legend(fig)
    width, height = fig.get_size_inches()
    layout.update(shapes=shapes, annotations=notes, height=int(max(320, height * 92)),
                  width_hint=int(width * 92))
    return {"data": data, "layout": layout, "switch": switch}
