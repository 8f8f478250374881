"""A matplotlib Axes as a plotly subplot: where it sits, its labels, scales and ticks, and how a
point on it reads in a hover text."""

from __future__ import annotations

import math

from matplotlib.ticker import FixedFormatter, FuncFormatter

from ..draw import spans_decades
from ..output import num

# The axes whose values may span decades get a log/linear switch (page.js).
LOG_SCALES = ("log", "symlog")


class Frame:
    """Maps a panel's position in the matplotlib figure onto plotly's plotting area: the panels
    together fill it, since plotly keeps the room for labels and the legend in its margins."""

    def __init__(self, boxes) -> None:
        self.x0 = min((b.x0 for b in boxes), default=0.0)
        self.y0 = min((b.y0 for b in boxes), default=0.0)
        self.w = max((b.x1 for b in boxes), default=1.0) - self.x0 or 1.0
        self.h = max((b.y1 for b in boxes), default=1.0) - self.y0 or 1.0

    def x(self, v: float) -> float:
        return min(1.0, max(0.0, (v - self.x0) / self.w))

    def y(self, v: float) -> float:
        return min(1.0, max(0.0, (v - self.y0) / self.h))


def _fixed_ticks(axis, scale: str) -> dict | None:
    """Tick positions and their labels where the figure chose them (categories, percentiles,
    a short sweep's points), which plotly could not guess; None where plotly's own do."""
    fmt = axis.get_major_formatter()
    if not (isinstance(fmt, FixedFormatter) or (isinstance(fmt, FuncFormatter) and
                                                scale not in LOG_SCALES)):
        return None
    lo, hi = sorted(axis.get_view_interval())
    ticks = [(float(v), t.get_text()) for v, t in zip(axis.get_ticklocs(),
                                                      axis.get_ticklabels())
             if lo <= v <= hi and t.get_text()]
    return dict(ticks) if ticks else None


def info(ax, i: int) -> dict:
    """Plotly's names of the i-th panel's axes, its labels, and its fixed ticks by value."""
    suffix = "" if i == 0 else str(i + 1)
    out = {"x": "x" + suffix, "y": "y" + suffix, "xkey": "xaxis" + suffix,
           "ykey": "yaxis" + suffix, "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel()}
    for letter, axis, scale in (("x", ax.xaxis, ax.get_xscale()),
                                ("y", ax.yaxis, ax.get_yscale())):
        ticks = _fixed_ticks(axis, scale)
        shown = any(t.label1.get_visible() for t in axis.get_major_ticks())
        if not shown:
            # A shared axis whose labels only the outer panel shows: the hover still names
            # the categories, from the panel that labels them.
            group = ax.get_shared_x_axes() if letter == "x" else ax.get_shared_y_axes()
            ticks = next((t for t in (_fixed_ticks(getattr(a, letter + "axis"), scale)
                                      for a in group.get_siblings(ax)) if t), ticks)
        out[letter + "ticks"], out[letter + "labels"] = ticks, shown
    return out


def _value_text(ticks, v) -> str:
    """A coordinate as the axis labels it: its category where the ticks name one."""
    if v is None or not math.isfinite(v):
        return "n/a"
    if ticks:
        near = min(ticks, key=lambda t: abs(t - v))
        if abs(near - v) < 0.5:
            return ticks[near].replace("\n", " ")
    return num(v)


def point_text(info_: dict, x, y, ci, z=None) -> str:
    """The hover text of one point: both coordinates, and the value's 95% CI where drawn."""
    xl = info_["xlabel"].replace("\n", " ") or "x"
    yl = info_["ylabel"].replace("\n", " ") or "y"
    xt = _value_text(info_["xticks"], x)
    yt = _value_text(info_["yticks"], y)
    if z is not None:
        return f"{xl}: {xt}<br>{yl}: {yt}<br>value: {num(z)}"
    if ci is not None and all(math.isfinite(c) for c in ci):
        value_axis = "x" if info_["yticks"] and not info_["xticks"] else "y"
        band = f" [95% CI {num(min(ci))}, {num(max(ci))}]"
        if value_axis == "x":
            xt = num(x) + band
        else:
            yt = num(y) + band
    return f"{xl}: {xt}<br>{yl}: {yt}"


def _values(traces, letter: str, name: str) -> list:
    out = []
    for t in traces:
        if t.get(f"{letter}axis") == name and t["type"] != "heatmap":
            out += [v for v in t.get(letter, []) if v is not None]
    return out


def _axis(ax, info_: dict, letter: str, traces, frame: Frame) -> tuple:
    """One axis's layout, and whether it gets a log/linear switch."""
    pos = ax.get_position()
    scale = ax.get_xscale() if letter == "x" else ax.get_yscale()
    lim = ax.get_xlim() if letter == "x" else ax.get_ylim()
    other = "y" if letter == "x" else "x"
    out = {"domain": [frame.x(pos.x0), frame.x(pos.x1)] if letter == "x" else
           [frame.y(pos.y0), frame.y(pos.y1)],
           "anchor": info_[other], "title": {"text": info_[letter + "label"].replace(
               "\n", "<br>"), "font": {"size": 12}},
           "type": "log" if scale == "log" else "linear", "automargin": True,
           "showline": True, "linecolor": "#888", "mirror": True, "zeroline": False,
           "gridcolor": "#e6e6e6", "showgrid": any(
               g.get_visible() for g in (ax.get_xgridlines() if letter == "x"
                                         else ax.get_ygridlines()))}
    ticks = info_[letter + "ticks"]
    if ticks:
        out.update(tickvals=list(ticks), ticktext=[t.replace("\n", "<br>")
                                                   for t in ticks.values()])
    out["showticklabels"] = info_[letter + "labels"]
    if ticks or lim[0] > lim[1]:
        out["range"] = [math.log10(v) if scale == "log" and v > 0 else v for v in lim]
    values = _values(traces, letter, info_[letter])
    switch = scale in LOG_SCALES or (not ticks and spans_decades(values))
    if switch and scale == "symlog":
        out["type"] = "log" if values and min(values) > 0 else "linear"
    if out["type"] == "log" and not ticks:
        out["dtick"] = log_dtick(values)
    return out, switch


def log_dtick(values) -> str | None:
    """Ticks at 1, 2 and 5 of each decade where the values span fewer than three decades,
    plotly's own (the decades) where they span more."""
    values = [v for v in values if v > 0]
    if values and math.log10(max(values) / min(values)) < 3:
        return "D2"
    return None


def layout_of(ax, info_: dict, traces, frame: Frame) -> tuple:
    """The panel's axes for plotly's layout, its title as an annotation, and the axes that
    get a log/linear switch, as (letter, layout key)."""
    layout, logs = {}, []
    for letter in ("x", "y"):
        axis, switch = _axis(ax, info_, letter, traces, frame)
        layout[info_[letter + "key"]] = axis
        if switch and axis["type"] in ("log", "linear") and "range" not in axis:
            logs.append((letter, info_[letter + "key"]))
    title = None
    if ax.get_title():
        pos = ax.get_position()
        title = {"text": f"<b>{ax.get_title()}</b>", "xref": "paper", "yref": "paper",
                 "x": frame.x((pos.x0 + pos.x1) / 2), "y": frame.y(pos.y1),
                 "xanchor": "center", "yanchor": "bottom", "showarrow": False,
                 "font": {"size": 13}}
    return layout, title, logs
