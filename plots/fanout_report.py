#!/usr/bin/env python3
"""Plots fanout-bench results and writes report.md (and comparison.md and comparison.json for
several runs).

    python3 plots/fanout_report.py results/laptop/20260101T120000 [RESULT_DIR ...] [--out DIR]

Needs matplotlib and numpy (Debian: python3-matplotlib python3-numpy).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

if __name__ == "__main__":
    try:
        from fanout_plots.cli import main
    except KeyboardInterrupt:  # during the imports: nothing was written yet
        sys.exit(130)
    sys.exit(main())
