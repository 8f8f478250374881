"""A scenario run's answer (plots/fanout_plots/recommend.py, scenario_md.py) on runs whose
answers are worked out by hand (tests/fixtures/scenario_known.py) and on a recorded busy run:
pure waiting recommends a concurrent strategy, never sequential or a CPU pool; pure computing a
parallel strategy with a speedup near the cores; two strategies within noise are a tie, not a
winner; and the command line writes scenario.md and recommendation.json, also for --compare.

Run from the repository root:  /usr/bin/python3 -m pytest -q tests/python/test_recommend.py
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
sys.path.insert(0, str(ROOT / "plots"))
sys.path.insert(0, str(FIXTURES))

from fanout_plots.cli import main  # noqa: E402
from fanout_plots.recommend import recommend  # noqa: E402
from fanout_plots.results import read_run  # noqa: E402

import scenario_known  # noqa: E402


def _rec(name: str) -> dict:
    return recommend(read_run(str(FIXTURES / name)))


def _executor(run, strategy: str) -> str:
    return run.registry.strategy(strategy).executor


def test_the_fixtures_are_what_scenario_known_writes():
    recorded = json.loads((FIXTURES / "scenario-thumbnail-busy" / "bm_fanout.json").read_text())
    for folder, doc in scenario_known.fixtures(recorded).items():
        on_disk = json.loads((FIXTURES / folder / "bm_fanout.json").read_text())
        assert on_disk == json.loads(json.dumps(doc)), folder


def test_the_scenario_fixtures_carry_a_registry_with_the_scenario_family():
    for folder in ("scenario-thumbnail-busy", "scenario-wait-2core"):
        run = read_run(str(FIXTURES / folder))
        assert "scenario" in run.registry.families
        assert {"height", "compute_first"} <= set(run.registry.params("scenario"))
        assert all(b.family == "scenario" for b in run.benches)


def test_pure_waiting_recommends_a_concurrent_strategy_never_sequential_or_a_pool():
    run = read_run(str(FIXTURES / "scenario-wait-2core"))
    rec = recommend(run)
    assert [(c["items"], c["limit"], c["workers"]) for c in rec["configurations"]] == [
        (100, 10, 2), (100, 100, 2)]
    for c in rec["configurations"]:
        assert c["winner"] == "join_set" and c["ties"] == []
        assert c["makespan_verdict"]["runner_up"] == "spawn_channel"
        margin = c["makespan_verdict"]["margin"]
        assert margin["verdict"] == "slower" and margin["ci_low"] > 1
        assert margin["ratio"] == pytest.approx(11.3 / 10.8)
        ranked = [r["strategy"] for r in c["by_makespan"]]
        assert ranked[-1] == "sequential"
        assert set(ranked[-3:-1]) == {"tbb_parallel_for", "tbb_task_group"}
        assert c["winner"] != "sequential" and _executor(run, c["winner"]) != "tbb"
    assert "use **join_set**" in rec["recommendation"]
    assert "Caution" not in rec["recommendation"]
    # Nothing to compute: no strategy blocks its loop.
    assert "blocking_loop" not in {h["hazard"] for h in rec["hazards"]}


def test_the_bounded_sets_at_a_small_limit_lose_and_ordered_buffering_is_costed():
    rec = _rec("scenario-wait-2core")
    at10 = rec["configurations"][0]
    ranked = [r["strategy"] for r in at10["by_makespan"]]
    assert ranked.index("buffer_unordered") > ranked.index("offload")
    costs = {e["limit"]: e for e in rec["ordered_buffering"]}
    assert set(costs) == {10, 100}
    assert costs[100]["makespan"]["ratio"] == pytest.approx(11.9 / 11.7)
    assert costs[100]["makespan"]["verdict"] == "slower"
    assert "+2% p99" in costs[100]["text"]


def test_pure_computing_recommends_a_parallel_strategy_near_the_core_count():
    run = read_run(str(FIXTURES / "scenario-cpu-2core"))
    rec = recommend(run)
    (c,) = rec["configurations"]
    assert c["winner"] == "tbb_parallel_for"
    assert _executor(run, c["winner"]) not in ("loop",)
    best = c["by_makespan"][0]
    assert best["speedup_over_t1"] == pytest.approx(48.0 / 24.4)
    assert 0.9 * run.cores <= best["speedup_over_t1"] <= run.cores * 1.02
    one_loop = next(r for r in c["by_makespan"] if r["strategy"] == "sequential")
    assert one_loop["makespan_ms"] / best["makespan_ms"] == pytest.approx(48.5 / 24.4)
    assert "speedup over one thread computing every item" in rec["recommendation"]
    assert "1.97×" in rec["recommendation"]


def test_two_strategies_within_noise_are_a_tie_not_a_winner():
    rec = _rec("scenario-tie-2core")
    (c,) = rec["configurations"]
    assert c["winner"] is None
    assert c["ties"] == ["join_set", "futures_unordered"]
    assert c["makespan_verdict"]["margin"]["verdict"] == "same"
    text = rec["recommendation"]
    assert "use **join_set** or **futures_unordered**" in text
    assert "tie on makespan" in text and "wins" not in text.split("\n\n")[0]


def test_a_busy_machine_is_named_and_its_ties_are_not_trusted():
    rec = _rec("scenario-thumbnail-busy")
    assert "Caution: 20 of 20 benchmarks ran while other processes" in rec["recommendation"]
    # Other builds left this run less than one core: parallelism could not show.
    assert "No strategy used more than 0.67 of the 2 cores" in rec["recommendation"]
    assert all(c["winner"] is None for c in rec["configurations"])  # noise: all ties
    hazards = {h["hazard"] for h in rec["hazards"]}
    assert {"blocking_loop", "thread_exhaustion"} <= hazards


def test_the_cli_writes_scenario_md_and_recommendation_json(tmp_path):
    run = Path(shutil.copytree(FIXTURES / "scenario-wait-2core", tmp_path / "run"))
    assert main([str(run)]) == 0
    rec = json.loads((run / "recommendation.json").read_text())
    assert rec["configurations"][1]["winner"] == "join_set"
    md = (run / "scenario.md").read_text()
    assert md.startswith("# Scenario: known wait\n")
    assert "## Recommendation" in md and "## Hazards" in md
    assert "| 1 | join_set | 10.8 [10.69, 10.91] |" in md
    assert "**scenario**: Recommendation for known wait" in (run / "report.md").read_text()
    assert not list(run.glob(".*.tmp"))


def test_compare_sets_one_scenario_on_two_machines_side_by_side(tmp_path):
    a = Path(shutil.copytree(FIXTURES / "scenario-wait-2core", tmp_path / "a"))
    b = Path(shutil.copytree(FIXTURES / "scenario-tie-2core", tmp_path / "b"))
    # Each run plotted first: its recommendation.json is not read back as results.
    assert main([str(a)]) == 0 and main([str(b)]) == 0
    out = tmp_path / "cmp"
    assert main([str(a), str(b), "--out", str(out)]) == 0
    md = (out / "comparison.md").read_text()
    assert "### Scenario: the answer on each machine" in md
    assert "`scenario/futures_unordered/items:100/ms:10/frames:0`" not in md  # a table row
    row = next(x for x in md.splitlines()
               if x.startswith("| scenario/futures_unordered/items:100/ms:10/frames:0 |"))
    assert "faster" in row  # 10.82 against 11.6
    assert "workers:cores" in md
    assert "runs of different scenarios (known wait, known tie)" in md
    assert not (out / "scenario.md").exists()


def test_the_open_loop_rates_are_ranked_by_corrected_p99(tmp_path):
    """A scenario run with rates: its load/.../workload:scenario/ rows, the wait fixture's with
    join_set's corrected p99 3x futures_unordered's at one rate."""
    doc = json.loads((FIXTURES / "scenario-wait-2core" / "bm_fanout.json").read_text())
    for strategy, p99 in (("join_set", 36.0), ("futures_unordered", 12.0)):
        name = (f"load/{strategy}/rate:500/seconds:2/max_items:2000/workload:scenario/ms:10/"
                "frames:0/process_time/manual_time")
        for rep, f in enumerate(scenario_known.PATTERN[:3]):
            doc["benchmarks"].append({
                "name": name, "run_name": name, "run_type": "iteration", "repetitions": 3,
                "repetition_index": rep, "iterations": 1, "real_time": 2000.0, "cpu_time": 10.0,
                "time_unit": "ms", "label": f"load/{strategy}", "p99_ms": p99 * f, "rate": 500.0,
                "achieved_per_second": 500.0, "items": 1000.0, "seconds": 2.0})
    run = tmp_path / "run"
    run.mkdir()
    (run / "bm_fanout.json").write_text(json.dumps(doc))
    (rate,) = recommend(read_run(str(run)))["open_loop"]
    assert rate["rate"] == 500
    assert [r["strategy"] for r in rate["by_p99"]] == ["futures_unordered", "join_set"]
    assert rate["p99_verdict"]["winner"] == "futures_unordered"
    assert rate["by_p99"][0]["p99_ms"] == pytest.approx(12.0)
