"""stats.py against answers worked by hand, and comparison.json as issue 11's acceptance asks:
a run against a copy of itself with every time 10% longer, and against an unchanged copy.

Run from the repository root:  /usr/bin/python3 -m pytest -q tests/python/test_stats.py
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from test_plots import FIXTURES, fixture_json, run_cli, write_run

from fanout_plots.stats import (MIN_FOR_LEVEL, ci_text, median_ci, order_ranks,  # noqa: E402
                                ratio_ci, verdict_of)

SUFFIX = "/process_time/manual_time"
# Fixtures with repetitions, and the runs' sizes of repetitions: 3 (fixed) to 8 (adaptive).
RUNS = ("dev-2core", "default-2core", "hazards", "sweep-4core", "known-2core")


def test_order_ranks_match_the_binomial_by_hand():
    # n = 5: min-max covers 1 - 2/32; no narrower pair reaches 95%.
    assert order_ranks(5) == (1, pytest.approx(0.9375))
    # n = 6: min-max covers 1 - 2/64 = 0.96875 >= 0.95; ranks 2..5 only 1 - 2*7/64 = 0.78.
    assert order_ranks(6) == (1, pytest.approx(0.96875))
    # n = 9: P(X <= 1) = 10/512, so ranks 2..8 cover 1 - 20/512 = 0.9609; ranks 3..7 only
    # 1 - 2*46/512 = 0.82.
    assert order_ranks(9) == (2, pytest.approx(1 - 20 / 512))
    # n = 3: min-max covers 0.75, the coverage the report states for 3 repetitions.
    assert order_ranks(3) == (1, pytest.approx(0.75))
    assert MIN_FOR_LEVEL == 6 and order_ranks(MIN_FOR_LEVEL - 1)[1] < 0.95


def test_median_ci_takes_order_statistics_and_says_when_short():
    ci = median_ci([5.0, 1.0, 4.0, 2.0, 3.0, 9.0, 7.0, 8.0, 6.0])
    assert (ci.median, ci.lo, ci.hi, ci.n) == (5.0, 2.0, 8.0, 9)
    assert ci.enough and ci.half_width == pytest.approx(0.6)
    short = median_ci([10.0, 10.2, 9.9, math.nan])
    assert (short.median, short.lo, short.hi, short.n) == (10.0, 9.9, 10.2, 3)
    assert not short.enough and short.coverage == pytest.approx(0.75)
    assert ci_text(short, lambda v: f"{v:g}") == "10 [9.9, 10.2]"
    assert ci_text(median_ci([4.0]), lambda v: f"{v:g}") == "4"
    assert ci_text(median_ci([]), str) == "n/a"


def test_ratio_ci_verdicts():
    base = np.array([10.0, 10.1, 9.9, 10.05, 9.95, 10.02])
    assert ratio_ci(base, base * 1.1).verdict == "slower"
    assert ratio_ci(base, base / 1.1).verdict == "faster"
    same = ratio_ci(base, base)
    assert same.ratio == 1.0 and same.lo <= 1 <= same.hi and same.verdict == "same"
    assert same.enough and not ratio_ci(base[:5], base).enough
    # Reproducible: the seed is fixed.
    assert ratio_ci(base, base * 1.02) == ratio_ci(base, base * 1.02)
    assert ratio_ci([10.0], base).verdict == "n/a"
    assert (verdict_of(1.01, 1.2), verdict_of(0.8, 0.99), verdict_of(0.99, 1.01)) == (
        "slower", "faster", "same")


def _scaled(data: dict, factor: float) -> dict:
    out = json.loads(json.dumps(data))
    for e in out["benchmarks"]:
        for key in ("real_time", "cpu_time"):
            if isinstance(e.get(key), (int, float)):
                e[key] *= factor
    return out


def _half_widths(data: dict) -> dict:
    times: dict = {}
    for e in data["benchmarks"]:
        if e["run_type"] == "iteration" and not e.get("error_occurred"):
            times.setdefault(e["run_name"].removesuffix(SUFFIX), []).append(e["real_time"])
    return {name: median_ci(v).half_width for name, v in times.items()}


def _verdicts(tmp_path, name: str, data: dict, factor: float) -> list:
    folder = tmp_path / f"{name}-x{factor}"
    base = write_run(folder / "base", data)
    other = write_run(folder / "other", _scaled(data, factor))
    out = folder / "out"
    assert run_cli(base, other, "--out", out) == 0
    doc = json.loads((out / "comparison.json").read_text())
    return doc["comparisons"][0]["benchmarks"]


@pytest.fixture()
def no_figures(monkeypatch):
    monkeypatch.setattr("fanout_plots.cli.draw_figures", lambda *a: [])


def test_ten_percent_slower_copy_is_slower_and_an_unchanged_copy_is_the_same(tmp_path,
                                                                             no_figures):
    tight, slower = 0, 0
    for name in RUNS:
        data = fixture_json(name)
        widths = _half_widths(data)
        for e in _verdicts(tmp_path, name, data, 1.10):
            assert e["ratio"] == pytest.approx(1.10) or e["field"] != "real_time"
            for key in ("median_base", "median_other", "ci_low", "ci_high", "n_base"):
                assert key in e
            if e["field"] == "real_time" and widths[e["name"]] <= 0.03:
                tight += 1
                slower += e["verdict"] == "slower"
        same = _verdicts(tmp_path, name, data, 1.0)
        assert same and all(e["verdict"] in ("same", "n/a") for e in same), name
    assert tight >= 100
    assert slower >= 0.9 * tight


def test_comparison_json_is_written_whole(tmp_path, no_figures):
    data = fixture_json("known-2core")
    entries = _verdicts(tmp_path, "known", data, 1.10)
    assert not list(tmp_path.rglob(".*.tmp"))
    e = next(e for e in entries if e["name"] == "cpu/sequential/items:8/frames:4")
    assert e["median_base"] == pytest.approx(12.6) and e["median_other"] == pytest.approx(13.86)
    assert e["ci_low"] > 1 and e["verdict"] == "slower" and e["n_base"] == 6
    assert (FIXTURES / "known-2core" / "bm_fanout.json").exists()
