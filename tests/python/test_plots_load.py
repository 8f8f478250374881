"""plots/fanout_report.py on open-loop load benchmarks (load/...): the hockey-stick figures,
the saturation table against the definition recomputed from the JSON, the findings, the
comparison of two machines, and runs without load benchmarks.

Run from the repository root:  /usr/bin/python3 -m pytest -q tests/python/test_plots_load.py

Fixture: tests/fixtures/load-2core is a real run of the load benchmarks (2 cores, 1 repetition)
with some rates skipped past saturation and one failure (threads at 100k/s).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import statistics
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
sys.path.insert(0, str(ROOT / "plots"))

from fanout_plots import cli  # noqa: E402
from fanout_plots.families.fanout.sweeps import wait_makespan  # noqa: E402
from fanout_plots.families.open_loop import saturation  # noqa: E402
from test_plots import tables  # noqa: E402  (one Markdown table reader)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LOAD = FIXTURES / "load-2core" / "bm_fanout.json"


def run_cli(*args) -> int:
    return cli.main([str(a) for a in args])


def number(cell: str) -> float:
    """The first number in a cell such as "< 100/s (behind at the lowest rate)"."""
    m = re.search(r"[-\d.,]+", cell)
    return float(m.group().replace(",", ""))


def expected_saturation(data: dict) -> dict:
    """{(workload, strategy): what the definition gives}, straight from the JSON entries."""
    per: dict = {}
    for e in data["benchmarks"]:
        if e.get("run_type") != "iteration" or e.get("error_occurred"):
            continue
        name = e["run_name"]
        segs = dict(s.split(":", 1) for s in name.split("/") if ":" in s)
        key = (segs["workload"], name.split("/")[1])
        per.setdefault(key, {}).setdefault(float(segs["rate"]), []).append(e)
    out = {}
    for key, by_rate in per.items():
        rates = sorted(by_rate)

        def med(rate, k):
            return statistics.median(e[k] for e in by_rate[rate])
        light = med(rates[0], "p99_ms")
        kept = [r for r in rates if med(r, "achieved_per_second") >= 0.9 * med(
            r, "offered_per_second") and med(r, "p99_ms") <= 5 * light]
        queued = max(med(r, "queued_max") for r in rates)
        if not kept:
            out[key] = dict(kind="<", value=rates[0], past=rates[0], light=light, queued=queued)
            continue
        best = max(kept, key=lambda r: med(r, "achieved_per_second"))
        past = next((r for r in rates if r > best and r not in kept), None)
        out[key] = dict(kind="≥" if rates[-1] in kept else "", value=med(
            best, "achieved_per_second"), rate=best, past=past, light=light, queued=queued,
            capacity=med(past, "achieved_per_second") if past else None)
    return out


def saturation_tables(text: str) -> dict:
    """{(workload, machine or None, strategy): row} of the report's saturation tables."""
    out = {}
    load = text.split("## Load", 1)[1]
    for block in re.split(r"Saturation per strategy \(", load)[1:]:
        workload = block.split(")", 1)[0]
        for row in tables(block)[0]:
            out[(workload, row.get("machine"), row["strategy"])] = row
    return out


@pytest.fixture(scope="module")
def load_report(tmp_path_factory):
    src = Path(shutil.copytree(FIXTURES / "load-2core",
                               tmp_path_factory.mktemp("load") / "load-2core"))
    assert run_cli(src) == 0
    return src


def test_load_figures_are_written_and_linked(load_report):
    text = (load_report / "report.md").read_text()
    for name in ("load_wait", "load_mixed"):
        png = (load_report / "plots" / f"{name}.png").read_bytes()
        assert png.startswith(PNG_MAGIC) and len(png) > 10_000, name
        svg = (load_report / "plots" / f"{name}.svg").read_text()
        assert "<svg" in svg and svg.rstrip().endswith("</svg>"), name
        assert f"](plots/{name}.png)" in text and f"(plots/{name}.svg)" in text
    # The load benchmarks have their own figures, not the generic per-workload one.
    assert not (load_report / "plots" / "workload_load.png").exists()
    assert "## Load" in text and "keeps up at an offered rate" in text
    registry = json.loads(json.loads(LOAD.read_text())["context"]["fanout_registry"])
    closed = [s["name"] for s in registry["strategies"] if not s["open_loop"]]
    assert closed and (f"Without an open-loop form, and so without load benchmarks: "
                       f"{', '.join(closed)}.") in text
    assert not list(load_report.rglob(".*.tmp"))


def test_saturation_table_follows_the_definition(load_report):
    want = expected_saturation(json.loads(LOAD.read_text()))
    got = saturation_tables((load_report / "report.md").read_text())
    assert len(got) == len(want) == 18  # 9 strategies (no tbb_parallel_for) x wait, mixed
    for (workload, strategy), w in want.items():
        row = got[(workload, None, strategy)]
        cell = row["saturation [items/s]"]
        assert cell.startswith(w["kind"] + " " if w["kind"] else tuple("0123456789")), cell
        assert number(cell) == pytest.approx(w["value"], rel=5e-4), (workload, strategy)
        if w["kind"] == "≥":
            assert "not saturated at the highest rate" in cell
        assert number(row["p99 at light load [ms]"]) == pytest.approx(w["light"], rel=5e-4)
        assert number(row["max queued"]) == pytest.approx(w["queued"])
        past = row["first rate past saturation [/s]"]
        if w["past"] is None:
            assert past == "none run" and row["achieved there [items/s]"] == "n/a"
        else:
            assert number(past) == w["past"]
        if w.get("capacity") is not None:
            assert number(row["achieved there [items/s]"]) == pytest.approx(w["capacity"],
                                                                            rel=5e-4)
    # The numbers of this run, as a reader checks them.
    assert want[("wait", "futures_unordered")]["kind"] == "≥"
    assert want[("wait", "sequential")]["kind"] == "<"
    assert want[("wait", "threads")]["past"] == 30000


def test_findings_have_a_load_line_per_workload(load_report):
    text = (load_report / "report.md").read_text()
    findings = text.split("## Findings")[1].split("## Figures")[0]
    want = expected_saturation(json.loads(LOAD.read_text()))
    for workload in ("wait", "mixed"):
        line = next(x for x in findings.splitlines() if x.startswith(f"- **load ({workload})**"))
        best = max((k[1] for k in want if k[0] == workload),
                   key=lambda s: want[(workload, s)]["value"])
        assert f"{best} saturates at " in line
        assert "sequential below 100/s" in line
        assert "corrected p99 reaches" in line and "coordinated omission" in line
    wait = next(x for x in findings.splitlines() if x.startswith("- **load (wait)**"))
    assert "futures_unordered saturates at ≥ 98.7k/s" in wait
    assert "1.41 s (sequential at 300/s)" in wait and "stays at 11.3 ms" in wait


def test_skipped_rates_are_absent_and_warned(load_report):
    text = (load_report / "report.md").read_text()
    rows = [r for t in tables(text.split("## Load")[1]) for r in t if "benchmark" in r]
    names = {r["benchmark"] for r in rows}
    assert "load/sequential/rate:300/seconds:0.5/workload:wait/ms:10/iterations:1" in names
    assert not any(n.startswith("load/sequential/rate:1000/") for n in names)
    assert not any(n.startswith("load/threads/rate:100000/") for n in names)
    warnings = text.split("## Warnings")[1].split("## Findings")[0]
    assert "skipped: past saturation" in warnings and "thread creation failed" in warnings


def test_a_run_without_load_benchmarks_has_no_load_section(tmp_path, monkeypatch):
    # The core figures are exercised by test_plots.py; one keeps this fast.
    monkeypatch.setattr("fanout_plots.families.fanout.BUILDERS", (wait_makespan,))
    both = tmp_path / "both"
    both.mkdir()
    shutil.copy(FIXTURES / "dev-2core" / "bm_fanout.json", both / "core.json")
    shutil.copy(LOAD, both / "load.json")
    out = tmp_path / "out"
    assert run_cli(both, "--filter", "^(wait|cpu|mixed)/", "--out", out) == 0
    text = (out / "report.md").read_text()
    assert "## Load" not in text and "load (" not in text
    assert (out / "plots" / "wait_makespan.png").exists()
    assert not list((out / "plots").glob("load_*"))
    # Both together: the core findings and figures stay, the load section follows them.
    assert run_cli(both, "--out", tmp_path / "all") == 0
    text = (tmp_path / "all" / "report.md").read_text()
    assert text.index("### Wait-bound work") < text.index("## Load")
    assert "- **wait, 100 items**" in text and "- **load (wait)**" in text


def _other_machine(data: dict) -> dict:
    """The fixture as if from a 16-core machine with 3 repetitions: latencies 0.8x, and threads
    keeping up at 30k/s (so its saturation is only a lower bound there)."""
    out = copy.deepcopy(data)
    out["context"].update(fanout_label="load-16core", fanout_cores="16", num_cpus=16)
    entries = []
    for b in data["benchmarks"]:
        for i in range(3):
            e = dict(b, repetitions=3, repetition_index=i)
            if not e.get("error_occurred"):
                for k in ("p50_ms", "p99_ms", "p999_ms", "max_ms", "uncorrected_p99_ms"):
                    e[k] = b[k] * 0.8 * (1 + 0.01 * i)
                if b["run_name"].startswith("load/threads/rate:30000/"):
                    e["achieved_per_second"] = 29000.0 * (1 + 0.001 * i)
                    e["p99_ms"] = 13.0 + i
            entries.append(e)
    out["benchmarks"] = entries
    return out


def test_two_machines_compare_saturation_and_overlay(tmp_path):
    data = json.loads(LOAD.read_text())
    (tmp_path / "other").mkdir()
    other = _other_machine(data)
    (tmp_path / "other" / "bm_fanout.json").write_text(json.dumps(other))
    out = tmp_path / "out"
    assert run_cli(FIXTURES / "load-2core", tmp_path / "other", "--out", out) == 0
    for name in ("load_wait", "load_mixed"):
        assert (out / "plots" / f"{name}.png").read_bytes().startswith(PNG_MAGIC)
    rep = saturation_tables((out / "report.md").read_text())
    mine, theirs = expected_saturation(data), expected_saturation(other)
    for (workload, strategy), w in theirs.items():
        row = rep[(workload, "load-16core", strategy)]
        assert number(row["saturation [items/s]"]) == pytest.approx(w["value"], rel=5e-4)
        assert number(row["p99 at light load [ms]"]) == pytest.approx(w["light"], rel=5e-4)
    text = (out / "comparison.md").read_text()
    sat_rows = {(r["workload"], r["strategy"]): r for t in tables(text) for r in t
                if "ratio load-16core/dev-2core" in r and "workload" in r}
    assert len(sat_rows) == 18
    threads = sat_rows[("wait", "threads")]
    assert threads["saturation dev-2core"] == "9,908/s"
    assert threads["saturation load-16core"].startswith("≥ 29,029/s")
    ratio = theirs[("wait", "threads")]["value"] / mine[("wait", "threads")]["value"]
    assert threads["ratio load-16core/dev-2core"] == f"≥ {ratio:.2f}"
    assert sat_rows[("wait", "buffered")]["ratio load-16core/dev-2core"] == "1.00"
    assert sat_rows[("wait", "join_set")]["ratio load-16core/dev-2core"].startswith("n/a")
    # Load benchmarks are compared on their p99, not in the makespan table.
    assert "82 load benchmarks present in both" in text
    makespan = [r for t in tables(text) for r in t if "dev-2core [ms]" in r]
    assert not makespan
    p99 = [r for t in tables(text) for r in t if "p99 dev-2core [ms]" in r]
    assert len(p99) == 82 and all(r["ratio p99 load-16core/dev-2core"] for r in p99)


def test_saturation_helpers():
    sat = saturation.Saturation
    assert saturation.rate_text(98739.3) == "98.7k/s"
    assert saturation.rate_text(3003.1) == "3.00k/s"
    assert saturation.rate_text(89.72) == "89.7/s"
    assert saturation.rate_text(100000, measured=False) == "100k/s"
    assert saturation.ms_text(1405.9) == "1.41 s" and saturation.ms_text(11.31) == "11.3 ms"
    exact, more = sat("exact", 1000.0), sat("atleast", 3000.0)
    assert saturation.ratio_text(exact, more) == "≥ 3.00"
    assert saturation.ratio_text(more, exact) == "≤ 0.33"
    assert saturation.ratio_text(sat("below", 100.0), exact) == "≥ 10.00"
    assert saturation.ratio_text(more, more).startswith("n/a")
    assert saturation.ratio_text(exact, sat("none", float("nan"))) == "n/a"
