"""Findings over a fixture whose answers are worked out by hand (tests/fixtures/known.py):
the exact lines, the selection at workers = cores, the invalid points in Warnings, figures and
tables, the noise warning, and the overhead floor with and without raw_bucketed.

Run from the repository root:  /usr/bin/python3 -m pytest -q tests/python/test_findings_known.py
"""

from __future__ import annotations

import json

import pytest

from test_plots import FIXTURES, copy_fixture, fixture_json, run_cli, tables, write_run

from fanout_plots import select  # noqa: E402
from fanout_plots.results import read_run  # noqa: E402

# The lines, as worked out in tests/fixtures/known.py: ratios to the best ideal, the verdict of
# the ratio CI between the first two (a fixed bootstrap seed), the speedup over T1 = 8 x 1.5 ms,
# the strategies left out as invalid, and the rows.
WAIT = (
    '- **wait, 100 items**: futures_unordered 1.06× ideal, join_set 1.08× ideal, threads 1.4× '
    'ideal, sequential 101× ideal (ideal 10 ms, best 10.6 ms). futures_unordered beats '
    'join_set by 1.9% (ratio 1.019, 95% CI [1.007, 1.029]); the slowest, sequential, takes '
    '95.3× as long as the fastest. Rows: `wait/futures_unordered/items:100/ms:10`, '
    '`wait/join_set/items:100/workers:2/ms:10`, `wait/threads/items:100/ms:10`, '
    '`wait/sequential/items:100/ms:10`.')
CPU = (
    '- **cpu, 8 items**: join_set 1.07× ideal, offload 1.08× ideal, threads 1.1× ideal, '
    'spawn_channel 1.13× ideal, futures_unordered 2.08× ideal, sequential 2.1× ideal (ideal 6 '
    'ms, best 6.4 ms). join_set beats offload by 1.6% (ratio 1.016, 95% CI [1.004, 1.028]); '
    'the slowest, sequential, takes 1.97× as long as the fastest. Best speedup over T1 (items '
    '× compute_ms): join_set 1.88×, 94% of its bound min(cores, compute threads, items) = 2 '
    'on 2 cores; the measured sequential makespan is 12.6 ms against T1 12 ms. Left out, '
    'invalid at this configuration (Warnings): tbb_parallel_for, tbb_task_group. Rows: '
    '`cpu/join_set/items:8/workers:2/frames:4`, `cpu/offload/items:8/workers:2/frames:4`, '
    '`cpu/threads/items:8/frames:4`, '
    '`cpu/spawn_channel/items:8/capacity:1/workers:2/frames:4`, '
    '`cpu/futures_unordered/items:8/frames:4`, `cpu/sequential/items:8/frames:4`.')
MIXED = (
    '- **mixed, 32 items**: join_set 1.03× ideal, spawn_channel 1.04× ideal, threads 1.06× '
    'ideal, offload 1.07× ideal, futures_unordered 1.76× ideal, tbb_parallel_for 5.43× ideal, '
    'tbb_task_group 5.44× ideal, sequential 10.9× ideal (ideal 34 ms, best 35 ms). join_set '
    'beats spawn_channel by 1.4% (ratio 1.014, 95% CI [1.004, 1.023]); the slowest, '
    'sequential, takes 10.6× as long as the fastest. Rows: '
    '`mixed/join_set/items:32/workers:2/ms:10`, '
    '`mixed/spawn_channel/items:32/capacity:1/workers:2/ms:10`, '
    '`mixed/threads/items:32/ms:10`, `mixed/offload/items:32/workers:2/ms:10`, '
    '`mixed/futures_unordered/items:32/ms:10`, '
    '`mixed/tbb_parallel_for/items:32/workers:2/ms:10`, '
    '`mixed/tbb_task_group/items:32/workers:2/ms:10`, `mixed/sequential/items:32/ms:10`.')
OVERHEAD = (
    "- **overhead**: at 100,000 waits of 10 ms, makespan over raw_bucketed's 12 ms: raw_libuv "
    '3.33×, futures_unordered 1.2× (target ≤ 2×: met), join_set 1.5× (target ≤ 2.5×: met); the '
    'cost per wait beyond the floor varies from the fewest to the most waits by '
    'futures_unordered 1.2× (met), join_set 1× (met) (target within 1.3×); at most 380 bytes '
    'per in-flight wait (join_set, 100,000 waits; target ≤ 160: missed). Details under '
    'Overhead. Rows: `overhead/raw_libuv/waits:100000/ms:10`, '
    '`overhead/futures_unordered/waits:100000/ms:10`, '
    '`overhead/join_set/waits:100000/ms:10/workers:2`, '
    '`overhead/raw_bucketed/waits:100000/ms:10`.')


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    src = copy_fixture("known-2core", tmp_path_factory.mktemp("known"))
    saved = {}
    patch = pytest.MonkeyPatch()
    from fanout_plots import style

    real_save = style.save

    def recording_save(fig, out_dir, name):
        # What the legend says and which points carry the invalid marker, before closing.
        legend = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
        marks = sum(1 for ax in fig.axes for line in ax.get_lines()
                    if line.get_gid() == style.INVALID_GID)
        saved[name] = (legend, marks)
        return real_save(fig, out_dir, name)

    for module in ("sweeps", "at_size"):
        patch.setattr(f"fanout_plots.families.fanout.{module}.save", recording_save)
    try:
        assert run_cli(src) == 0
    finally:
        patch.undo()
    return (src / "report.md").read_text(), saved


def _findings(text: str) -> list:
    block = text.split("## Findings")[1].split("## Overhead")[0]
    return [x for x in block.splitlines() if x.startswith("- **")]


def test_the_findings_are_the_known_ones(known):
    text, _ = known
    lines = _findings(text)
    for want in (WAIT, CPU, MIXED, OVERHEAD):
        assert want in lines


def test_mixed_findings_use_workers_equal_to_cores():
    run = read_run(str(FIXTURES / "known-2core"))
    mixed = select.of_workload(run, "mixed")
    # Five strategies at workers 1 and at 2: a 5:5 tie that once picked 1 worker.
    workers = [b.params["workers"] for b in mixed if "workers" in b.params]
    assert workers.count(1.0) == workers.count(2.0) == 5
    assert select.modal_params(mixed)["workers"] == 2.0
    reps = select.at_representative_size(mixed)
    assert {b.params.get("workers", 2.0) for b in reps.values()} == {2.0}
    # Without a worker count equal to the cores, the most common value still decides.
    for b in mixed:
        b.cores = 4
    assert select.modal_params(mixed)["workers"] == 1.0
    assert "join_set beats spawn_channel" in MIXED and "threads leads" not in MIXED


def test_invalid_points_are_warned_marked_and_tabled(known):
    text, saved = known
    warnings = text.split("## Warnings")[1].split("## Findings")[0]
    block = next(x for x in warnings.split("\n- ") if "beyond the physical bound" in x)
    rows = {r["benchmark"]: r["why"] for r in tables(block)[0]}
    assert rows == {
        "cpu/tbb_parallel_for/items:8/workers:2/frames:4": "efficiency 1.2 > 1.02",
        "cpu/tbb_task_group/items:8/workers:2/frames:4":
            "speedup 2.18× over T1 > 1.02 × min(cores, compute threads, items) = 2.04"}
    legend, marks = saved["cpu_speedup"]
    assert marks >= 1 and "invalid: beyond its physical bound (see Warnings)" in legend
    assert saved["efficiency"][1] == 2
    assert saved["wait_makespan"][1] == 0
    assert not any("invalid" in t for t in saved["wait_makespan"][0])
    speedup = next(t for t in tables(text) if t and "speedup over T1 [×]" in t[0])
    by = {r["benchmark"]: r for r in speedup}
    assert by["cpu/tbb_task_group/items:8/workers:2/frames:4"]["valid"] == "no"
    seq = by["cpu/join_set/items:8/workers:2/frames:4"]
    assert seq["valid"] == "yes" and seq["T1 [ms]"] == "12" and seq["bound [×]"] == "2"
    assert seq["sequential [ms]"] == "12.6" and seq["speedup over T1 [×]"].startswith("1.875 [")
    # Never in the findings.
    assert not any("tbb_parallel_for/items:8/workers:2" in x for x in _findings(text))


def test_noise_warning_names_the_noisy_benchmark_with_the_load(known):
    text, _ = known
    warnings = text.split("## Warnings")[1].split("## Findings")[0]
    assert ("- Noise: 1 benchmark ran while more than 0.25 cores' worth of CPU went to other "
            "processes or to the hypervisor (load average 1/5/15 min before the run 0.10 0.20 "
            "0.30, after it 1.10 0.40 0.35)") in warnings
    assert tables(warnings)[0] == [{"benchmark": "wait/threads/items:100/ms:10",
                                    "others' CPU [cores]": "0.42", "steal [cores]": "0.05"}]


def test_overhead_falls_back_to_raw_libuv_without_raw_bucketed(tmp_path, monkeypatch):
    monkeypatch.setattr("fanout_plots.cli.draw_figures", lambda *a: [])
    data = fixture_json("known-2core")
    data["benchmarks"] = [e for e in data["benchmarks"] if "/raw_bucketed/" not in e["name"]]
    src = write_run(tmp_path / "nofloor", data)
    assert run_cli(src) == 0
    text = (src / "report.md").read_text()
    line = next(x for x in _findings(text) if x.startswith("- **overhead**"))
    assert line.startswith("- **overhead**: at 100,000 waits of 10 ms, makespan over "
                           "raw_libuv's 40 ms: futures_unordered 0.36× (target ≤ 2×: met)")
    assert "Against the floor, raw_libuv (raw_bucketed is absent from this run" in text
    assert json.loads(data["context"]["fanout_noisy"])[0]["name"] in text
