"""Hazard findings, hazard tables and the Overhead section on a real default-profile run.

Run from the repository root:  /usr/bin/python3 -m pytest -q tests/python/test_plots_sections.py

Fixture tests/fixtures/default-2core: bm_fanout.json of a real default-profile run on 2 cores
(3 repetitions), trimmed to its hazard/ and overhead/ benchmarks and two cpu configurations
(cpu/sequential and cpu/join_set at 32 items, for `compute_ms`), iteration entries only.
Expected numbers are recomputed here from the JSON, not copied from the report.
"""

from __future__ import annotations

import json
import re
import statistics

import pytest

from test_plots import FIXTURES, PNG_MAGIC, copy_fixture, number, run_cli, tables

from fanout_plots.output import num, times  # noqa: E402  (test_plots put plots/ on the path)

SUFFIX = "/process_time/manual_time"


def entries() -> dict:
    """{display name: [iteration entries]}, errors included."""
    data = json.loads((FIXTURES / "default-2core" / "bm_fanout.json").read_text())
    out: dict = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "iteration":
            out.setdefault(b["run_name"].removesuffix(SUFFIX), []).append(b)
    return out


def med(name: str, key: str = "real_time") -> float:
    return statistics.median(b[key] for b in entries()[name])


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> str:
    src = copy_fixture("default-2core", tmp_path_factory.mktemp("sections"))
    assert run_cli(src) == 0
    for name in ("hazard_buffered_stream", "hazard_permit_deadlock", "hazard_blocking_loop",
                 "hazard_thread_exhaustion", "workload_overhead"):
        assert (src / "plots" / f"{name}.png").read_bytes().startswith(PNG_MAGIC)
    return (src / "report.md").read_text()


def finding(report: str, head: str) -> str:
    findings = report.split("## Findings")[1].split("## Overhead")[0]
    return next(x for x in findings.splitlines() if x.startswith(f"- **{head}"))


BS = "hazard/buffered_stream/{}/items:20/limit:5/body_ms:{}{}/iterations:1"


def test_buffered_stream_finding_puts_each_fix_beside_the_naive_variants(report):
    line = finding(report, "buffered stream (20 items, limit 5, 100 ms body)")
    naive = BS.format("naive_buffered", 100, "")
    assert (f"naive_buffered times out {num(med(naive, 'timeouts'))}/20 items, late p99 "
            f"{num(med(naive, 'late_ms_p99'))} ms, makespan {num(med(naive))} ms") in line
    assert "times out 18/20 items" in line
    worst = max(med(BS.format(v, 100, ""), "late_ms_p99")
                for v in ("naive_buffered", "naive_buffer_unordered"))
    for fix, cap in (("spawn", ""), ("body_in_future", ""), ("select", ""),
                     ("channel", "/capacity:1"), ("channel", "/capacity:20")):
        name = BS.format(fix, 100, cap)
        late = med(name, "late_ms_p99")
        label = fix + (f" (capacity {cap.split(':')[1]})" if cap else "")
        assert (f"{label} {num(med(name, 'timeouts'))}/20, {num(late)} ms (late p99 "
                f"{times(worst / late)} lower than naive_buffered)") in line
        assert f"makespan {num(med(name))} ms" in line
    # Naive variants first; no slowest/fastest comparison across unrelated parameters.
    assert line.index("naive_buffered") < line.index("spawn") and "slowest" not in line


def test_buffered_stream_section_has_variant_by_body_table_and_timeouts_panel(report):
    section = report.split("### hazard/buffered_stream")[1].split("### hazard/permit")[0]
    grid = next(t for t in tables(section) if t and "variant" in t[0])
    rows = {r["variant"]: r for r in grid}
    assert list(rows)[:3] == ["naive_buffered", "naive_buffer_unordered", "spawn"]
    for body in (0, 10, 50, 100):
        for variant, cap, label in (("naive_buffered", "", "naive_buffered"),
                                    ("channel", "/capacity:5", "channel (capacity 5)")):
            name = BS.format(variant, body, cap)
            cell = rows[label][f"body {body} ms: timeouts, late p99"]
            assert cell == (f"{num(med(name, 'timeouts'))}/20, "
                            f"{num(med(name, 'late_ms_p99'))} ms")
    # The figure's rows and the table of numbers list naive variants first.
    numbers = next(t for t in tables(section) if t and "benchmark" in t[0])
    assert "/naive_buffered/" in numbers[0]["benchmark"]


def test_permit_deadlock_finding_and_outcome_table(report):
    line = finding(report, "permit deadlock")
    pd = "hazard/permit_deadlock/{}/items:10/limit:4/permits:2/iterations:1"
    error = entries()[pd.format("naive")][0]["error_message"]
    ms, done, total = re.search(r"after (\d+) ms with (\d+) of (\d+)", error).groups()
    assert (f"naive deadlocks (watchdog after {ms} ms, {done} of {total} results); spawn "
            f"completes in {num(med(pd.format('spawn')))} ms, body_in_future in "
            f"{num(med(pd.format('body_in_future')))} ms") in line
    section = report.split("### hazard/permit_deadlock")[1].split("### hazard/thread")[0]
    outcome = {r["variant"]: r for r in next(t for t in tables(section) if "variant" in t[0])}
    assert outcome["naive"]["outcome"].startswith("deadlock: watchdog after 2000 ms")
    assert number(outcome["spawn"]["makespan [ms]"]) == pytest.approx(
        med(pd.format("spawn")), rel=1e-3)


def test_blocking_loop_finding_gives_wait_p99_and_inflation(report):
    line = finding(report, "blocking the loop")
    bl = "hazard/blocking_loop/{}/items:128/cpu_every:4/workers:2/ms:10/iterations:1"
    inline, off = bl.format("futures_unordered"), bl.format("offload")
    assert (f"wait p99 {num(med(inline, 'wait_p99_ms'))} ms "
            f"({med(inline, 'inflation'):.3g}× its 10 ms latency) with transcodes inline "
            f"(futures_unordered), {num(med(off, 'wait_p99_ms'))} ms "
            f"({med(off, 'inflation'):.3g}×) with offload") in line


def test_thread_exhaustion_finding_lists_each_size(report):
    line = finding(report, "thread exhaustion")
    te = "hazard/thread_exhaustion/threads/items:{}/ms:10/iterations:1/repeats:1"
    for n in (10_000, 100_000, 1_000_000):
        e = entries()[te.format(n)][0]
        assert (f"{n:,} items: {num(e['real_time'])} ms, {num(e['threads_created'])} threads "
                f"created, memory +{num(e['rss_peak_growth_bytes'] / 2**20)} MiB, "
                f"{e['label']}") in line
    assert line.index("10,000 items") < line.index("100,000 items")


OV = "overhead/{}/waits:{}/ms:10{}"


def test_overhead_section_tables_ratios_bytes_and_targets(report):
    assert report.index("## Findings") < report.index("## Overhead (the suite's resolution)") \
        < report.index("## Figures")
    section = report.split("## Overhead (the suite's resolution)")[1].split("## Figures")[0]
    waits = next(t for t in tables(section) if t and "waits" in t[0])
    rows = {(number(r["waits"]), r["strategy"]): r for r in waits}
    for n in (10_000, 100_000, 1_000_000):
        raw = med(OV.format("raw_libuv", n, ""))
        for s, tail, label in (("raw_libuv", "", "raw_libuv"),
                               ("futures_unordered", "", "futures_unordered"),
                               ("join_set", "/workers:2", "join_set (2 workers)")):
            r = rows[(n, label)]
            name = OV.format(s, n, tail)
            assert number(r["makespan [ms]"].split(" [")[0]) == pytest.approx(med(name),
                                                                              rel=1e-3)
            # This run predates raw_bucketed: raw_libuv is its floor.
            assert number(r["× the floor [95% CI]"].split(" [")[0]) == pytest.approx(
                med(name) / raw, rel=5e-3)
            if s != "raw_libuv":
                assert r["× the floor [95% CI]"].count("[") == 1  # with its interval
            assert number(r["bytes per in-flight wait"].split(" [")[0]) == pytest.approx(
                med(name, "bytes_per_wait"), rel=1e-3)
            assert number(r["per wait [ns]"]) == pytest.approx(
                (med(name) - 10) / n * 1e6, rel=1e-3)
    fu = rows[(100_000, "futures_unordered")]
    ok = med(OV.format("futures_unordered", 100_000, "")) <= 2 * med(
        OV.format("raw_libuv", 100_000, ""))
    assert "≤ 2× raw_libuv" in fu["target"]
    assert fu["met"].startswith("met" if ok else "missed")
    assert "completes" in rows[(1_000_000, "raw_libuv")]["target"]
    tasks = next(t for t in tables(section) if t and "ns per task" in t[0])
    by = {(r["strategy"], r["workers"]): r for r in tasks}
    for (s, op, w), limit in ((("join_set", "spawn_join", "2"), 250),
                              (("join_set", "spawn_join", "1"), 150),
                              (("futures_unordered", "push_drain", "n/a"), 50)):
        tail = f"/tasks:100000/workers:{w}" if w != "n/a" else "/tasks:100000"
        ns = med(f"overhead/{s}/{op}{tail}", "ns_per_task")
        r = by[(s, w)]
        assert number(r["ns per task"].split(" [")[0]) == pytest.approx(ns, rel=1e-3)
        assert r["target"] == f"≤ {limit} ns"
        assert r["met"] == ("met" if ns <= limit else "missed")
    # The context sentences: resolution of a 10 ms wait against the floor (raw_libuv here,
    # for want of raw_bucketed), and a cpu item against a task.
    floor = med(OV.format("raw_libuv", 1_000_000, ""))
    worst = max((med(OV.format(s, 1_000_000, t)) - floor) / 1e6 * 1e6
                for s, t in (("futures_unordered", ""), ("join_set", "/workers:2")))
    assert "Against the floor, raw_libuv (raw_bucketed is absent from this run" in section
    assert f"each wait adds at most {num(worst)} ns" in section
    cms = statistics.median([med("cpu/sequential/items:32/frames:4/nested:0", "compute_ms"),
                             med("cpu/join_set/items:32/workers:2/frames:4/nested:0",
                                 "compute_ms")])
    assert f"A default cpu item costs {num(cms)} ms" in section


def test_overhead_finding_replaces_slowest_fastest(report):
    line = finding(report, "overhead")
    raw = med(OV.format("raw_libuv", 100_000, ""))
    fu = med(OV.format("futures_unordered", 100_000, "")) / raw
    js = med(OV.format("join_set", 100_000, "/workers:2")) / raw
    verdict = "met" if fu <= 2 else "missed"
    assert f"makespan over raw_libuv's {num(raw)} ms" in line
    assert f"futures_unordered {fu:.3g}× (target ≤ 2×: {verdict})" in line
    assert f"join_set {js:.3g}× (target ≤ 2.5×: {'met' if js <= 2.5 else 'missed'})" in line
    assert "slowest" not in line and "1,000,000 waits complete with" in line
    spawn = med("overhead/join_set/spawn_join/tasks:100000/workers:2", "ns_per_task")
    assert f"join_set spawn+join {num(spawn)} ns per task with 2 workers (target ≤ 250 ns" \
        in line
    # This run's layer beats its floor (raw_libuv): no cost beyond the floor, so no spread of it
    # (test_findings_known.py checks the spread on a run with one).
    assert "the cost per wait beyond the floor varies" not in line


def test_fixture_is_small():
    assert (FIXTURES / "default-2core" / "bm_fanout.json").stat().st_size < 300_000
