"""The fixtures of tests/python: every one carries the suite's registry exactly as
make_fixtures.py states it, the derived ones are what make_fixtures.py writes, and the load
run has no counter the suite no longer writes.

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

DERIVED = ("server-16core", "hazards", "sweep-4core")


def fixture_files() -> list:
    return sorted(FIXTURES.glob("*/*.json"))


def test_every_fixture_carries_the_registry_as_one_line_of_compact_json():
    assert len(fixture_files()) == 6
    for path in fixture_files():
        text = json.loads(path.read_text())["context"]["fanout_registry"]
        assert text == REGISTRY, path
    registry = json.loads(REGISTRY)
    assert "\n" not in REGISTRY and ", " not in REGISTRY
    assert list(registry["families"]) == ["fanout", "hazard", "overhead", "load"]
    assert [s["name"] for s in registry["strategies"]][:2] == ["sequential", "threads"]


def test_derived_fixtures_are_what_make_fixtures_writes(tmp_path):
    shutil.copytree(FIXTURES / "dev-2core", tmp_path / "dev-2core")
    subprocess.run([sys.executable, str(FIXTURES / "make_fixtures.py"), "--fixtures",
                    str(tmp_path)], check=True, timeout=120)
    for name in DERIVED:
        written = (tmp_path / name / "bm_fanout.json").read_bytes()
        assert written == (FIXTURES / name / "bm_fanout.json").read_bytes(), name


def test_load_run_has_no_dropped_counter():
    data = json.loads((FIXTURES / "load-2core" / "bm_fanout.json").read_text())
    assert data["benchmarks"] and not any("dropped" in b for b in data["benchmarks"])
