"""The fixtures of tests/python: every one carries the suite's registry exactly as
make_fixtures.py states it, the derived ones are what make_fixtures.py writes, rewriting the real
ones changes nothing, and every fixture follows the JSON contract of docs/design.md section 9.

Run from the repository root:  /usr/bin/python3 -m pytest -q tests/python/test_fixtures.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
sys.path.insert(0, str(FIXTURES))

from make_fixtures import REGISTRY  # noqa: E402

REAL = ("dev-2core", "default-2core", "load-2core")
DERIVED = ("server-16core", "hazards", "sweep-4core", "known-2core")


def fixture_files() -> list:
    """The fixtures of make_fixtures.py; the scenario runs (scenario-*/, written by
    scenario_known.py from a recorded run whose registry has the scenario family) are
    tests/python/test_recommend.py's."""
    return sorted(p for p in FIXTURES.glob("*/*.json") if not p.parent.name.startswith("scenario-"))


def test_every_fixture_carries_the_registry_as_one_line_of_compact_json():
    assert len(fixture_files()) == 7
    for path in fixture_files():
        text = json.loads(path.read_text())["context"]["fanout_registry"]
        assert text == REGISTRY, path
    registry = json.loads(REGISTRY)
    assert "\n" not in REGISTRY and ", " not in REGISTRY
    assert list(registry["families"]) == ["fanout", "regime", "hazard", "overhead", "load"]
    assert [s["name"] for s in registry["strategies"]][:2] == ["sequential", "threads"]


def test_fixtures_are_what_make_fixtures_writes(tmp_path):
    for name in REAL:
        shutil.copytree(FIXTURES / name, tmp_path / name)
    subprocess.run([sys.executable, str(FIXTURES / "make_fixtures.py"), "--fixtures",
                    str(tmp_path)], check=True, timeout=120)
    for name in REAL + DERIVED:
        written = (tmp_path / name / "bm_fanout.json").read_bytes()
        assert written == (FIXTURES / name / "bm_fanout.json").read_bytes(), name


def test_fixtures_follow_the_contract():
    """Iteration entries only; no suite counter named `threads` or `rss_per_item_bytes`; p99 at
    most the makespan; the noise and repetition context keys present."""
    for path in fixture_files():
        data = json.loads(path.read_text())
        ctx = data["context"]
        assert "fanout_noise_warnings" not in ctx, path
        for key in ("fanout_load_before", "fanout_load_after", "fanout_noise_threshold_cores"):
            assert isinstance(ctx[key], str), (path, key)
        assert isinstance(json.loads(ctx["fanout_noisy"]), list), path
        assert json.loads(ctx["fanout_repetitions"])["policy"] in ("fixed", "adaptive"), path
        for e in data["benchmarks"]:
            assert e["run_type"] == "iteration", (path, e["name"])
            assert "rss_per_item_bytes" not in e and e.get("threads", 1) == 1, e["name"]
            if "p99_ms" in e and e["name"].split("/")[0] in ("wait", "cpu", "mixed"):
                assert e["p99_ms"] <= e["real_time"], e["name"]


def test_load_run_has_no_dropped_counter():
    data = json.loads((FIXTURES / "load-2core" / "bm_fanout.json").read_text())
    assert data["benchmarks"] and not any("dropped" in b for b in data["benchmarks"])
