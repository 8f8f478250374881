#!/usr/bin/env python3
"""Checks a scenario file (docs/design.md section 10) and writes the lines bm_fanout reads.

    python3 plots/fanout_scenario.py scenarios/web_api.toml [--lines OUT]

A bad scenario is one line on stderr naming the file, the key (and its line) and what is
accepted, exit status 2; nothing is written then.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fanout_plots.output import write_text  # noqa: E402
from fanout_plots.scenario_file import ScenarioError, lines_for, load  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="fanout_scenario.py", description=__doc__.split("\n")[0])
    parser.add_argument("scenario", help="the scenario's TOML file")
    parser.add_argument("--lines", metavar="OUT", help="write bm_fanout's lines here")
    args = parser.parse_args(argv)
    try:
        scenario = load(args.scenario)
    except ScenarioError as e:
        print(f"run_all.sh: {e}", file=sys.stderr)
        return 2
    if args.lines:
        write_text(args.lines, lines_for(scenario))
    return 0


if __name__ == "__main__":
    sys.exit(main())
