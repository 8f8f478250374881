"""fanout-bench plot and report tool; the entry point is plots/fanout_report.py.

A thin core and one module per benchmark family:

    results.py    JSON result folders to runs of benchmarks (registry.py: `fanout_registry`)
    select.py     sweeps and representative configurations
    stats.py      significance over repetitions
    style.py, draw.py, figure.py   the look, the drawing primitives, the figure record
    generic.py    every benchmark of a group, for families without figures of their own shape
    output.py     atomic writes and Markdown formatting
    report.py, compare.py, cli.py  report.md, comparison.md, the command line
    families/     FAMILIES: fanout, hazards, overhead, open_loop
"""
