"""The quick profile's JSON as the harness promises it: every (workload, strategy) pair of its
registry (the context's `fanout_registry`), every metric of the fan-out family on every fan-out
benchmark and no counter outside the family's lists, no error, and no efficiency above the
physical bound (a figure beating the bound would be a measurement bug)."""

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "build" / "release" / "benchmarks" / "bm_fanout"


@pytest.fixture(scope="module")
def quick_run():
    subprocess.run(
        ["cmake", "--build", "--preset", "release", "--target", "bm_fanout"],
        cwd=ROOT, check=True, capture_output=True, timeout=900,
    )
    out = subprocess.run(
        [str(BENCH), "--fanout_profile=quick", "--benchmark_min_time=0.001",
         "--benchmark_filter=-^(hazard|overhead|load)/", "--benchmark_format=json"],
        check=True, capture_output=True, text=True, timeout=600,
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def registry(quick_run):
    return json.loads(quick_run["context"]["fanout_registry"])


def test_every_pair_is_there(quick_run, registry):
    labels = {b["label"] for b in quick_run["benchmarks"] if "label" in b}
    missing = [f"{w['name']}/{s['name']}" for w in registry["workloads"]
               for s in registry["strategies"] if f"{w['name']}/{s['name']}" not in labels]
    assert not missing


def test_no_benchmark_reports_an_error(quick_run):
    errors = {b["name"]: b["error_message"] for b in quick_run["benchmarks"]
              if b.get("error_occurred")}
    assert not errors


# Fields of an entry that Google Benchmark writes itself ("threads" is also a counter).
ENTRY_FIELDS = {"name", "family_index", "per_family_instance_index", "run_name", "run_type",
                "repetitions", "repetition_index", "threads", "iterations", "real_time",
                "cpu_time", "time_unit", "label"}


def test_every_fan_out_carries_its_familys_counters(quick_run, registry):
    family = registry["families"]["fanout"]
    for b in quick_run["benchmarks"]:
        missing = [c for c in family["metrics"] + ["items"] if c not in b]
        assert not missing, (b["name"], missing)
        unlisted = set(b) - ENTRY_FIELDS - set(family["metrics"]) - set(family["params"])
        assert not unlisted, (b["name"], unlisted)


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
