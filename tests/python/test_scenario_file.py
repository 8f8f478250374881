"""Scenario files (plots/fanout_plots/scenario_file.py, docs/design.md section 10): the
examples in scenarios/ are accepted, and each malformed file is refused with exit status 2 and
one line naming the file, the key (and its line) and what is accepted, before anything is
written.

Run from the repository root:  /usr/bin/python3 -m pytest -q tests/python/test_scenario_file.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "plots"))

from fanout_plots.scenario_file import ScenarioError, lines_for, load  # noqa: E402

CHECK = ROOT / "plots" / "fanout_scenario.py"
GOOD = 'name = "t"\nitems = [10]\n[wait]\nlatency = "fixed:10"\n'

# (why, the file's text, the key the message must name, its line or None). Each is GOOD with
# one thing wrong.
MALFORMED = (
    ("unknown top-level key", 'name = "t"\nitems = [10]\nitemz = 3\n[wait]\nlatency = "fixed:1"\n',
     "itemz", 3),
    ("unknown key in [wait]", 'name = "t"\nitems = [10]\n[wait]\nlatency = "fixed:1"\njitter = 2\n',
     "wait.jitter", 5),
    ("unknown key in [compute]", GOOD + "[compute]\ncycles = 5\n", "compute.cycles", 6),
    ("missing [wait]", 'name = "t"\nitems = [10]\n', "wait.latency", None),
    ("missing latency", 'name = "t"\nitems = [10]\n[wait]\n', "wait.latency", None),
    ("bad latency spec", GOOD.replace("fixed:10", "gamma:3"), "wait.latency", 4),
    ("negative latency", GOOD.replace("fixed:10", "fixed:-10"), "wait.latency", 4),
    ("lognormal p99 below median", GOOD.replace("fixed:10", "lognormal:median=20,p99=10"),
     "wait.latency", 4),
    ("negative compute", GOOD + "[compute]\nms = -0.5\n", "compute.ms", 6),
    ("fractional frames", GOOD + "[compute]\nframes = 1.5\n", "compute.frames", 6),
    ("ms and frames", GOOD + "[compute]\nms = 1\nframes = 2\n", "compute.frames", 7),
    ("zero items", GOOD.replace("items = [10]", "items = [0]"), "items", 2),
    ("negative limit", GOOD.replace("items = [10]", "items = [10]\nlimits = [-4]"), "limits", 3),
    ("text workers", GOOD.replace("items = [10]", 'items = [10]\nworkers = "two"'), "workers", 3),
    ("negative rate", GOOD.replace("items = [10]", "items = [10]\nrates = [-100.0]"), "rates", 3),
    ("unknown order", GOOD.replace("items = [10]", 'items = [10]\norder = "sideways"'), "order", 3),
    ("missing items", GOOD.replace("items = [10]\n", ""), "items", None),
    ("missing name", GOOD.replace('name = "t"\n', ""), "name", None),
    ("ci_target above 0.5", GOOD.replace("items = [10]", "items = [10]\nci_target = 3"),
     "ci_target", 3),
    ("strategies not a list", GOOD.replace("items = [10]", 'items = [10]\nstrategies = "all"'),
     "strategies", 3),
    ("empty latency file", GOOD.replace('latency = "fixed:10"', 'latency_file = "empty.txt"'),
     "wait.latency_file", 4),
    ("non-numeric latency file", GOOD.replace('latency = "fixed:10"', 'latency_file = "bad.txt"'),
     "wait.latency_file", 4),
    ("CSV column absent", GOOD.replace('latency = "fixed:10"',
                                       'latency_file = "lat.csv"\ncolumn = "latency"'),
     "wait.column", 5),
    ("latency and latency_file", GOOD + 'latency_file = "lat.txt"\n', "wait.latency_file", 5),
)


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "empty.txt").write_text("\n# nothing measured\n\n", encoding="utf-8")
    (tmp_path / "bad.txt").write_text("12.5\n11\nfast\n", encoding="utf-8")
    (tmp_path / "lat.csv").write_text("host,ms\na,12.5\nb,30\n", encoding="utf-8")
    (tmp_path / "lat.txt").write_text("12.5\n30\n", encoding="utf-8")
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("why,text,key,line", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_file_exits_2_with_one_line_naming_file_and_key(tmp_path, why, text, key,
                                                                      line):
    path = _write(tmp_path, text)
    out = tmp_path / "lines"
    p = subprocess.run([sys.executable, str(CHECK), str(path), "--lines", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 2, p.stderr
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    assert f"key '{key}'" in lines[0]
    assert str(path) in lines[0]
    assert "accepted" in lines[0] or "missing" in lines[0]
    if line is not None:
        assert f"{path}:{line}:" in lines[0]
    assert not out.exists()
    assert [f.name for f in tmp_path.iterdir() if f.name.startswith(".lines")] == []


def test_the_line_of_a_key_is_found_in_its_table(tmp_path):
    path = _write(tmp_path, 'name = "t"\nitems = [10]\n[compute]\nms = 1\n[wait]\nms = 3\n')
    with pytest.raises(ScenarioError, match=r"s\.toml:6: key 'wait\.ms': unknown key"):
        load(str(path))


@pytest.mark.parametrize("name", ["web_api", "thumbnail", "batch_transcode"])
def test_the_examples_are_accepted(name):
    s = load(str(ROOT / "scenarios" / f"{name}.toml"))
    assert s.items and s.doc["name"]
    text = lines_for(s)
    assert text.startswith(f"source {ROOT / 'scenarios' / name}.toml\n") or "source " in text
    assert "\njson {" in text


def test_a_latency_file_gives_its_values_plain_or_from_a_csv_column(tmp_path):
    path = _write(tmp_path, GOOD.replace('latency = "fixed:10"', 'latency_file = "lat.txt"'))
    assert load(str(path)).latency_values == [12.5, 30.0]
    path = _write(tmp_path, GOOD.replace('latency = "fixed:10"',
                                         'latency_file = "lat.csv"\ncolumn = "ms"'))
    s = load(str(path))
    assert s.latency_values == [12.5, 30.0] and s.latency is None
    assert "latency_values 12.5 30.0\n" in lines_for(s)


def test_defaults_and_lists(tmp_path):
    s = load(str(_write(tmp_path, GOOD.replace("items = [10]", "items = 10\nworkers = 3"))))
    assert (s.items, s.limits, s.workers, s.rates, s.strategies) == ([10], [10], [3], [], [])
    assert (s.order, s.compute_ms, s.frames, s.ci_target) == ("wait_then_compute", 0.0, 0, 0.03)
    text = lines_for(s)
    assert "items 10\n" in text and "workers 3\n" in text and "compute_ms 0.0\n" in text
    assert "strategies" not in text and "rates" not in text


def test_run_all_refuses_a_bad_scenario_before_building_and_writes_nothing(tmp_path):
    path = _write(tmp_path, GOOD.replace("fixed:10", "fixed:-1"))
    out = tmp_path / "results"
    p = subprocess.run([str(ROOT / "run_all.sh"), "--scenario", str(path), "--out", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    assert "== build" not in p.stdout
    assert p.stderr.strip().count("\n") == 0 and "key 'wait.latency'" in p.stderr
    assert not out.exists()


@pytest.fixture(scope="module")
def bench():
    subprocess.run(["cmake", "--build", "--preset", "release", "--target", "bm_fanout"],
                   cwd=ROOT, check=True, capture_output=True, timeout=900)
    return ROOT / "build" / "release" / "benchmarks" / "bm_fanout"


def _listing(bench, tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    lines = tmp_path / "lines"
    lines.write_text(lines_for(load(str(_write(tmp_path, text)))), encoding="utf-8")
    return subprocess.run([str(bench), f"--fanout_scenario={lines}", "--benchmark_list_tests"],
                          capture_output=True, text=True, timeout=120)


def test_bm_fanout_refuses_a_strategy_its_registry_lacks(bench, tmp_path):
    p = _listing(bench, tmp_path, GOOD.replace("items = [10]",
                                               'items = [10]\nstrategies = ["join_set", "nope"]'))
    assert p.returncode == 2 and p.stdout == ""
    (line,) = p.stderr.strip().splitlines()
    assert line.startswith("bm_fanout: scenario ")
    assert "s.toml: key 'strategies': unknown strategy \"nope\"; accepted: sequential, " in line


def test_bm_fanout_registers_the_scenario_alone(bench, tmp_path):
    text = GOOD.replace("items = [10]", 'items = [10, 20]\nlimits = [4, 8]\n'
                        'strategies = ["sequential", "buffered", "join_set"]\nrates = [500.0]')
    p = _listing(bench, tmp_path, text + "[compute]\nframes = 1\n")
    assert p.returncode == 0, p.stderr
    names = [n.split("/process_time")[0] for n in p.stdout.split()]
    assert names[:2] == ["scenario/sequential/items:10/ms:10/frames:1/height:144",
                         "scenario/sequential/items:20/ms:10/frames:1/height:144"]
    assert "scenario/buffered/items:20/limit:8/ms:10/frames:1/height:144" in names
    assert len([n for n in names if n.startswith("scenario/")]) == 2 + 4 + 2
    assert {n.split("/")[0] for n in names} == {"scenario", "load"}
    assert any(n.startswith("load/join_set/rate:500/") and "workload:scenario" in n
               for n in names)
