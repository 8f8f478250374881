"""report.html: report.md (and comparison.md) as one self-contained, interactive page.

The text is report.md's own Markdown, converted as it stands (python3-markdown), so the page has
the same sections, machine card, warnings, findings and tables; each figure's image is replaced
by its chart (FigureResult.chart, the same figure's artists as plotly traces). plotly.js, the
style and the script are embedded once: the page needs no network and no file beside it.
"""

from __future__ import annotations

import html
import json
import os
import re

import markdown

from ..output import write_text
from ..style import INVALID_LABEL, machine_text
from .plotlyjs import plotly_js

_HERE = os.path.dirname(os.path.abspath(__file__))
_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+\.png)\)")
_SVG_LINK = re.compile(r" \(\[SVG\]\([^)]*\)\)")
_PLACEHOLDER = "FANOUTCHART{}X"
# A chart's hover texts start with the strategy and the machine (page-level names).
_LAYOUT = {"hovermode": "closest", "plot_bgcolor": "white", "paper_bgcolor": "white",
           "margin": {"l": 70, "r": 20, "t": 36, "b": 60}, "font": {"size": 12},
           "legend": {"groupclick": "togglegroup", "font": {"size": 12}},
           "hoverlabel": {"align": "left"}}


def _asset(name: str) -> str:
    with open(os.path.join(_HERE, name), encoding="utf-8") as f:
        return f.read()


def _name_traces(chart: dict, runs) -> dict:
    """Legend names, groups and hover headers: one legend entry per strategy (its machines
    grouped under it), reference lines named by their label, hidden machines' traces told
    apart by meta.run."""
    seen = set()
    for t in chart["data"]:
        meta = t.get("meta", {})
        strategy, run = meta.get("strategy"), meta.get("run")
        name = strategy or meta.get("reference")
        if t["type"] == "heatmap" or not name:
            t["showlegend"] = False
            continue
        if strategy and strategy.startswith("invalid"):
            name = INVALID_LABEL
        t.update(name=name, legendgroup=name, showlegend=name not in seen)
        seen.add(name)
        head = f"<b>{html.escape(name)}</b>"
        if run is not None and len(runs) > 1:
            head += f" on {html.escape(runs[run].label)}"
        t["text"] = [f"{head}<br>{x}" for x in t["text"]]
    return chart


def _chart_json(chart: dict, runs) -> dict:
    chart = _name_traces(json.loads(json.dumps(chart)), runs)
    layout = dict(_LAYOUT, **{k: v for k, v in chart["layout"].items() if k != "width_hint"})
    return {"data": chart["data"], "layout": layout, "switch": chart["switch"]}


def _figure_html(i: int, fig) -> str:
    return (f'<figure class="chart-box"><div class="chart-tools"></div>'
            f'<div class="chart" id="chart-{html.escape(fig.name)}" data-chart="{i}" '
            f'style="height:{fig.chart["layout"]["height"]}px"></div></figure>')


def _body(text: str, figures: list) -> tuple:
    """The Markdown as HTML with each figure's image replaced by its chart; the charts used."""
    by_png = {os.path.basename(f.paths[0]): f for f in figures if f.chart and f.paths}
    used = []

    def chart_for(m) -> str:
        fig = by_png.get(os.path.basename(m.group(1)))
        if fig is None:
            return m.group(0)
        used.append(fig)
        return _PLACEHOLDER.format(len(used) - 1)

    text = _IMAGE.sub(chart_for, _SVG_LINK.sub("", text))
    md = markdown.Markdown(extensions=["tables", "toc", "sane_lists"])
    body = md.convert(text)
    for i, fig in enumerate(used):
        body = body.replace(f"<p>{_PLACEHOLDER.format(i)}</p>", _figure_html(i, fig))
    return body, used


def _fold_machine_card(body: str, runs) -> str:
    """The machine card folded under a one-line summary, so that the first screen reaches the
    warnings and findings; a click unfolds it."""
    head = '<h2 id="machine">Machine</h2>'
    start = body.find(head)
    end = body.find("</table>", start)
    if start < 0 or end < 0:
        return body
    table_at = body.find("<table>", start)
    summary = html.escape(machine_text(runs))
    return (body[:table_at] + f"<details><summary>{summary} (click for the machine card)"
            f"</summary>{body[table_at:end + len('</table>')]}</details>"
            + body[end + len("</table>"):])


def _machine_bar(runs) -> str:
    if len(runs) < 2:
        return ""
    boxes = "".join(f'<label><input type="checkbox" data-machine="{i}" checked> '
                    f'{html.escape(r.label)}</label>' for i, r in enumerate(runs))
    return f'<div class="machines"><span>Machines shown:</span>{boxes}</div>'


def render(runs, figures, report_md: str, comparison_md: str | None = None) -> str:
    """The page's HTML: report.md's text and charts, then comparison.md's when given."""
    text = report_md.replace("](comparison.md)", "](#comparison)")
    if comparison_md:
        text += "\n\n<div id=\"comparison\"></div>\n\n" + re.sub(
            r"^# ", "## ", comparison_md, count=1, flags=re.M)
    body, used = _body(text, figures)
    body = _fold_machine_card(body, runs)
    # "</" would end the script element that carries the JSON.
    charts = json.dumps([_chart_json(f.chart, runs) for f in used],
                        allow_nan=False).replace("</", "<\\/")
    title = html.escape(" vs ".join(r.label for r in runs))
    nav = '<nav><a href="#machine">Machine</a><a href="#warnings">Warnings</a>' \
          '<a href="#findings">Findings</a><a href="#figures">Figures</a>' + (
              '<a href="#comparison">Comparison</a>' if comparison_md else "") + "</nav>"
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>fanout-bench: {title}</title><style>{_asset('page.css')}</style>"
            f"<script>{plotly_js()}</script></head><body>"
            f'<header class="bar"><span class="title">fanout-bench: {title}</span>{nav}'
            f"{_machine_bar(runs)}<span class=\"hint\">Hover a point for its median and 95% "
            "CI; click a legend entry to hide a strategy (double-click: only it); click a "
            "column's header to sort a table.</span></header>"
            f'<main>{body}</main><script type="application/json" id="fanout-charts">'
            f"{charts}</script><script>{_asset('page.js')}</script>"
            "</body></html>\n")


def write(path: str, runs, figures, report_md: str, comparison_md: str | None = None) -> None:
    write_text(path, render(runs, figures, report_md, comparison_md))
