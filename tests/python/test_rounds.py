"""The repetitions as interleaved rounds (benchmarks/rounds.hpp), as the JSON shows them: each
benchmark's repetitions numbered 0..n-1 with its own n, at least the default profile's minimum
even past the budget, a family's fixed count, and --benchmark_repetitions fixing every count;
the closing context (noise, load after, the policy) present and well formed."""

import collections
import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "build" / "release" / "benchmarks" / "bm_fanout"
FILTER = "^(wait/sequential/items:1/|wait/futures_unordered/items:1/|hazard/permit_deadlock/spawn)"


def run_json(tmp_path, *flags, filter=FILTER):
    out = tmp_path / "out.json"
    subprocess.run(
        [str(BENCH), "--fanout_profile=default", f"--benchmark_filter={filter}",
         "--benchmark_min_time=0.001", f"--benchmark_out={out}", *flags],
        check=True, capture_output=True, text=True, timeout=300,
    )
    assert not list(tmp_path.glob("*.partial"))
    return json.loads(out.read_text())


def repetitions(doc) -> dict:
    by = collections.defaultdict(list)
    for b in doc["benchmarks"]:
        assert b["run_type"] == "iteration"
        by[b["run_name"].split("/")[0] + "/" + b["run_name"].split("/")[1]].append(b)
    for rows in by.values():
        assert [b["repetition_index"] for b in rows] == list(range(len(rows)))
        assert {b["repetitions"] for b in rows} == {len(rows)}
    return {k: len(v) for k, v in by.items()}


@pytest.fixture(scope="module")
def built():
    subprocess.run(["cmake", "--build", "--preset", "release", "--target", "bm_fanout"],
                   cwd=ROOT, check=True, capture_output=True, timeout=900)


def test_default_profile_runs_the_minimum_even_past_its_budget(built, tmp_path):
    # A fan-out of a second (100 items of 10 ms, one at a time) spends the 1 s budget in the
    # first round, on any machine: no round past the minimum may start.
    doc = run_json(tmp_path, "--fanout_budget_s=1",
                   filter=FILTER[:-1] + "|mixed/sequential/items:100/ms:10/)")
    n = repetitions(doc)
    assert n["wait/sequential"] == 6 and n["wait/futures_unordered"] == 6
    assert n["mixed/sequential"] == 6
    assert n["hazard/permit_deadlock"] == 3
    policy = json.loads(doc["context"]["fanout_repetitions"])
    assert policy["policy"] == "adaptive" and policy["min"] == 6
    assert policy["fixed_families"]["hazard"] == 3


def test_fixed_repetitions_apply_to_every_family(built, tmp_path):
    doc = run_json(tmp_path, "--benchmark_repetitions=2")
    assert set(repetitions(doc).values()) == {2}
    assert json.loads(doc["context"]["fanout_repetitions"]) == {"policy": "fixed", "n": 2}


def test_closing_context_says_what_else_ran(built, tmp_path):
    doc = run_json(tmp_path, "--benchmark_repetitions=1")
    ctx = doc["context"]
    noisy = json.loads(ctx["fanout_noisy"])
    assert isinstance(noisy, list)
    for entry in noisy:
        assert entry["others_cpu"] + entry["steal_cpu"] >= float(ctx["fanout_noise_threshold_cores"])
    assert len(ctx["fanout_load_before"].split()) == 3
    assert len(ctx["fanout_load_after"].split()) == 3
    for b in doc["benchmarks"]:
        assert b["others_cpu"] >= 0 and b["steal_cpu"] >= 0


def test_an_unwritable_output_fails_before_the_run(built, tmp_path):
    r = subprocess.run([str(BENCH), f"--benchmark_filter={FILTER}",
                        f"--benchmark_out={tmp_path}/missing/out.json"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.startswith("bm_fanout: cannot write ")
    assert "== round" not in r.stdout


@pytest.mark.parametrize("flag", ["--benchmark_repetitions=0", "--benchmark_repetitions=2.5",
                                  "--fanout_budget_s=x", "--benchmark_format=csv"])
def test_bad_flags_exit_2_with_one_line(built, flag):
    r = subprocess.run([str(BENCH), flag], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.startswith("bm_fanout: ")
