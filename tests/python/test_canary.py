"""The canary beside every repetition (benchmarks/canary.hpp): a repetition beside which it ran
slower than the context's limit while it computed is set aside, kept in the file, left out of
every statistic and named in the report's Warnings; a benchmark that never ran at speed keeps all
its repetitions.

Run from the repository root:  /usr/bin/python3 -m pytest -q tests/python/test_canary.py
"""

from __future__ import annotations

import json

from test_plots import SUFFIX, fixture_json, write_run

from fanout_plots import report, results  # noqa: E402

CANARY = {"work": "one transcode segment on each of 2 cores at once", "reference_ms": 3.0,
          "percentile": 0.1, "limit": 1.1, "min_cpu_share": 0.1, "samples": 200, "set_aside": 5}
SPELL = "cpu/sequential/items:8/frames:4"  # two repetitions in a slow spell
ALL_SLOW = "cpu/threads/items:8/frames:4"  # every repetition in one
WAITS = "wait/threads/items:100/ms:10"     # slowed too, but it waits: never set aside


def _entries(data: dict, name: str) -> list:
    return [e for e in data["benchmarks"]
            if e["run_name"] == name + SUFFIX and e["run_type"] == "iteration"]


def _slowed_copy(with_canary: bool = True) -> dict:
    """dev-2core, every repetition at speed but two of SPELL's (and 1.4x slower) and all of
    ALL_SLOW's."""
    data = fixture_json("dev-2core")
    for e in data["benchmarks"]:
        e["canary_ms"], e["slowdown"] = 3.1, 1.03
    for e in _entries(data, SPELL)[:2] + _entries(data, ALL_SLOW) + _entries(data, WAITS):
        e["canary_ms"], e["slowdown"] = 4.2, 1.4
        e["real_time"] *= 1.4
    for e in _entries(data, WAITS):
        e["cpu_time"] = 0.05 * e["real_time"]
    if with_canary:
        data["context"]["fanout_canary"] = json.dumps(CANARY)
    return data


def test_slowed_repetitions_are_set_aside_and_the_median_rests_on_the_others(tmp_path):
    data = _slowed_copy()
    run = results.read_run(str(write_run(tmp_path / "run", data)))
    spell = run.find(SPELL)
    at_speed = sorted(e["real_time"] for e in _entries(data, SPELL)[2:])
    assert spell.n == len(at_speed) and len(spell.set_aside) == 2
    assert sorted(spell.samples("real_time")) == at_speed
    assert all(r["slowdown"] > CANARY["limit"] for r in spell.set_aside)
    every = run.find(ALL_SLOW)
    assert every.all_slowed and not every.set_aside
    assert every.n == len(_entries(data, ALL_SLOW))
    waits = run.find(WAITS)
    assert not waits.set_aside and not waits.all_slowed
    assert waits.n == len(_entries(data, WAITS))
    untouched = [b for b in run.benches if b.name not in (SPELL, ALL_SLOW, WAITS)]
    assert untouched and not any(b.set_aside or b.all_slowed for b in untouched)


def test_the_report_names_what_was_set_aside_and_what_never_ran_at_speed(tmp_path):
    run = results.read_run(str(write_run(tmp_path / "run", _slowed_copy())))
    [line] = [w for w in report._run_warnings(run) if w.startswith("Machine speed")]
    assert "beside 2 repetitions of 1 benchmark" in line
    assert "1 benchmark never ran at speed" in line
    assert f"| {SPELL} | 2 |" in line and "1.40×" in line
    assert f"| {ALL_SLOW} | all |" in line


def test_a_run_without_a_canary_sets_nothing_aside(tmp_path):
    run = results.read_run(str(write_run(tmp_path / "run", _slowed_copy(with_canary=False))))
    assert not any(b.set_aside or b.all_slowed for b in run.benches)
    assert not [w for w in report._run_warnings(run) if w.startswith("Machine speed")]
