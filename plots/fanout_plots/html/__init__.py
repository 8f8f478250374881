"""report.html: the report as one self-contained, interactive page.

    chart.py      a drawn matplotlib figure as plotly traces (axes.py: its panels' axes)
    page.py       report.md's text with each figure's chart, plotly.js embedded once
    plotlyjs.py   Debian's plotly.js, minified once (esbuild) and cached
    page.js, page.css   the page's behaviour (log/linear, machines, sorting) and look
"""
