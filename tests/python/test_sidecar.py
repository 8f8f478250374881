"""The latency sidecar that bm_fanout writes beside its JSON (benchmarks/sidecar.hpp): named in
the context, one line per fan-out benchmark with one histogram per repetition, holding every
item of every recorded iteration; read back by plots/fanout_plots/sidecar.py.

Run from the repository root:  /usr/bin/python3 -m pytest -q tests/python/test_sidecar.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "build" / "release" / "benchmarks" / "bm_fanout"
sys.path.insert(0, str(ROOT / "plots"))

from fanout_plots import sidecar  # noqa: E402
from fanout_plots.results import read_run  # noqa: E402


def test_every_item_of_every_iteration_is_in_the_sidecar(tmp_path):
    subprocess.run(
        [str(BENCH), "--fanout_profile=quick", "--benchmark_filter=^wait/(sequential|join_set)/",
         "--benchmark_min_time=0.001", "--benchmark_repetitions=2",
         f"--benchmark_out={tmp_path / 'bm_fanout.json'}"],
        check=True, capture_output=True, text=True, timeout=300)
    doc = json.loads((tmp_path / "bm_fanout.json").read_text())
    assert doc["context"][sidecar.KEY] == "latency_histograms.ndjson"
    lines = (tmp_path / "latency_histograms.ndjson").read_text().splitlines()
    assert json.loads(lines[0]) == {"format": "log_buckets", "min_ms": 0.0001, "ratio": 1.001}
    run = read_run(str(tmp_path))
    assert len(run.histograms) == len(lines) - 1 == 2
    for b in run.ok():
        h = run.histograms[sidecar.key(b.name)]
        iterations = [e["iterations"] for e in doc["benchmarks"]
                      if e["run_name"].startswith(b.name + "/")]
        assert [h.count(rep) for rep in h.reps] == [b.params["items"] * n for n in iterations]
        # Every item waits 10 ms: no percentile reads back below it.
        assert h.percentile(h.pooled(), 0.5) >= 10.0 * (1 - 0.0005)
