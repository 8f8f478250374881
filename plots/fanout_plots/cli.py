"""Command line: read result folders, write figures, report.md and (for several) comparison.md
and comparison.json.

Bad input (a missing folder, corrupt JSON, results without the suite's registry) is one line on
stderr naming the path, exit status 2.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from .output import write_text
from .results import InputError, check_result_file, read_runs, registry_of

PROG = "fanout_report.py"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Plot fanout-bench results (Google Benchmark JSON) and write report.md; "
                    "given several result folders, overlay them and write comparison.md and "
                    "comparison.json.")
    parser.add_argument("result_dirs", nargs="*", metavar="RESULT_DIR",
                        help="folder holding the *.json files of one run")
    parser.add_argument("--check", metavar="FILE",
                        help="only check that FILE is a complete result file (run_all.sh does, "
                             "before it gives the file its final name)")
    parser.add_argument("--out", metavar="DIR",
                        help="where to write plots/, report.md, comparison.md and comparison.json "
                             "(default: the first RESULT_DIR)")
    parser.add_argument("--filter", metavar="REGEX",
                        help="only benchmarks whose name matches (re.search)")
    args = parser.parse_args(argv)
    if not args.result_dirs and not args.check:
        parser.error("give a RESULT_DIR, or --check FILE")
    return args


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def draw_figures(runs, out_dir: str) -> list:
    """Every family's figures, in the order of FAMILIES, then the generic ones of families no
    module reads; saved under out_dir."""
    from . import generic, style
    from .families import FAMILIES, unclaimed

    styles = style.Styles(registry_of(runs).strategy_names())
    drawn = [f for fam in FAMILIES for f in fam.draw_figures(runs, styles, out_dir)]
    for family in unclaimed(runs):
        drawn += [generic.figure(runs, styles, out_dir, g) for g in generic.groups(runs, family)]
    return [f for f in drawn if f is not None]


def write_scenario(run, out: str) -> list:
    """scenario.md and recommendation.json for a scenario run (docs/design.md section 10)."""
    from . import recommend, scenario_md

    if recommend.scenario_of(run) is None:
        return []
    rec = recommend.recommend(run)
    paths = [os.path.join(out, "recommendation.json"), os.path.join(out, "scenario.md")]
    write_text(paths[0], recommend.render_json(rec))
    write_text(paths[1], scenario_md.render(run, rec, out))
    return paths


def write_outputs(runs, out: str) -> list:
    """Figures, comparison.json and comparison.md (several runs), report.md and report.html,
    and a scenario's files; the paths written, report.md first."""
    from . import compare, report
    from .html import page

    os.makedirs(os.path.join(out, "plots"), exist_ok=True)
    drawn = draw_figures(runs, os.path.join(out, "plots"))
    written, comparison_md = [], None
    if len(runs) > 1:
        # One computation of the ratios for both files, so that they agree.
        pairs = [compare.entries(runs[0], other) for other in runs[1:]]
        path = os.path.join(out, compare.JSON_NAME)
        write_text(path, compare.render_json(runs, out, pairs))
        comparison_md = compare.render(runs, out, pairs)
        write_text(os.path.join(out, "comparison.md"), comparison_md)
        written += [os.path.join(out, "comparison.md"), path]
    report_md = report.render(runs, drawn, out, "comparison.md" if comparison_md else None)
    write_text(os.path.join(out, "report.md"), report_md)
    page.write(os.path.join(out, "report.html"), runs, drawn, report_md, comparison_md)
    written = [os.path.join(out, "report.md"), os.path.join(out, "report.html")] + written
    if len(runs) == 1:
        written += write_scenario(runs[0], out)
    return written


def main(argv=None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        # What was written is whole (output.atomic_path); the caller says what was kept.
        return 130


def _check(path: str) -> int:
    try:
        check_result_file(path)
    except InputError as e:
        _error(str(e))
        return 2
    return 0


def _main(argv) -> int:
    args = parse_args(argv)
    if args.check:
        return _check(args.check)
    try:
        pattern = re.compile(args.filter) if args.filter else None
    except re.error as e:
        _error(f"--filter: bad regular expression: {e}")
        return 2
    try:
        runs = read_runs(args.result_dirs)
    except InputError as e:
        _error(str(e))
        return 2
    if pattern:
        for run in runs:
            run.benches = [b for b in run.benches if pattern.search(b.name)]
    # write_outputs imports matplotlib only now, so that bad input is reported at once.
    out = args.out or args.result_dirs[0]
    try:
        written = write_outputs(runs, out)
    except OSError as e:
        _error(f"cannot write {e.filename or out}: {e.strerror or e}")
        return 1
    for path in written:
        print(path)
    return 0
