"""The quick profile's JSON as the harness promises it: every (workload, strategy) pair, every
counter of DESIGN section 3 on every fan-out benchmark, no error, and no efficiency above the
physical bound (a figure beating the bound would be a measurement bug)."""

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "build" / "release" / "benchmarks" / "bm_fanout"

WORKLOADS = ["wait", "cpu", "mixed"]
STRATEGIES = [
    "sequential", "threads", "spawn_channel", "join_set", "futures_unordered",
    "buffer_unordered", "buffered", "tbb_parallel_for", "tbb_task_group", "offload",
]
COUNTERS = [
    "items_per_second", "p50_ms", "p90_ms", "p99_ms", "max_ms", "late_ms_p99", "cpu_util",
    "rss_per_item_bytes", "threads", "ideal_ms", "efficiency", "items",
]


@pytest.fixture(scope="module")
def quick_run():
    subprocess.run(
        ["cmake", "--build", "--preset", "release", "--target", "bm_fanout"],
        cwd=ROOT, check=True, capture_output=True, timeout=900,
    )
    out = subprocess.run(
        [str(BENCH), "--fanout_profile=quick", "--benchmark_min_time=0.001",
         "--benchmark_filter=^(wait|cpu|mixed)/", "--benchmark_format=json"],
        check=True, capture_output=True, text=True, timeout=600,
    )
    return json.loads(out.stdout)


def test_every_pair_is_there(quick_run):
    labels = {b["label"] for b in quick_run["benchmarks"] if "label" in b}
    missing = [f"{w}/{s}" for w in WORKLOADS for s in STRATEGIES if f"{w}/{s}" not in labels]
    assert not missing


def test_no_benchmark_reports_an_error(quick_run):
    errors = {b["name"]: b["error_message"] for b in quick_run["benchmarks"]
              if b.get("error_occurred")}
    assert not errors


def test_every_fan_out_carries_every_counter(quick_run):
    for b in quick_run["benchmarks"]:
        missing = [c for c in COUNTERS if c not in b]
        assert not missing, (b["name"], missing)


def test_no_efficiency_beats_the_physical_bound(quick_run):
    for b in quick_run["benchmarks"]:
        assert 0 < b["efficiency"] <= 1.02, (b["name"], b["efficiency"])
        # The ideal is a bound on the makespan, which is the manual time in ms.
        assert b["ideal_ms"] <= b["real_time"] * 1.02, b["name"]


def test_parameters_are_counters_too(quick_run):
    for b in quick_run["benchmarks"]:
        name = b["name"]
        for key in ("limit", "workers", "capacity"):
            if f"/{key}:" in name:
                value = int(name.split(f"/{key}:")[1].split("/")[0])
                assert b[key] == value, (name, key)
