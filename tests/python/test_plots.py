"""plots/fanout_report.py on fixture JSON: figures, report tables, comparison, bad input.

Run from the repository root:  /usr/bin/python3 -m pytest -q tests/python/test_plots.py

Fixtures (tests/fixtures, rebuilt by make_fixtures.py): dev-2core is a real quick-profile run
with 3 repetitions; server-16core the same as if from another machine; hazards adds hazard
benchmarks, a skipped one, a debug build and two noisy benchmarks; sweep-4core is a synthetic
default-profile run with sweeps and 5 to 8 repetitions. Every fixture carries the suite's
registry (`fanout_registry`).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
TOOL = ROOT / "plots" / "fanout_report.py"
sys.path.insert(0, str(ROOT / "plots"))

from fanout_plots import cli, compare, report, select  # noqa: E402
from fanout_plots.results import read_run, read_runs  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SUFFIX = "/process_time/manual_time"


def run_cli(*args) -> int:
    return cli.main([str(a) for a in args])


def copy_fixture(name: str, dest: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / name, dest / name))


def tables(markdown: str) -> list:
    """Every Markdown table of a document as a list of {header: cell} rows."""
    out, lines = [], markdown.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and lines[i + 1].startswith("|--"):
            headers = [c.strip() for c in lines[i].strip("|").split(" | ")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(dict(zip(headers, (c.strip() for c in lines[i].strip("|")
                                               .split(" | ")))))
                i += 1
            out.append(rows)
        else:
            i += 1
    return out


def number(cell: str) -> float:
    return float(cell.replace(",", "").rstrip("%×"))


def fixture_json(name: str = "dev-2core") -> dict:
    return json.loads((FIXTURES / name / "bm_fanout.json").read_text())


def write_run(folder: Path, data: dict) -> Path:
    folder.mkdir(parents=True)
    (folder / "bm_fanout.json").write_text(json.dumps(data))
    return folder


def json_reps(path: Path) -> dict:
    """{display name: {field: [values of its repetitions]}} from the iteration entries."""
    out: dict = {}
    for b in json.loads(path.read_text())["benchmarks"]:
        if b.get("run_type") == "iteration" and not b.get("error_occurred"):
            rows = out.setdefault(b["run_name"].removesuffix(SUFFIX), {})
            for k, v in b.items():
                if isinstance(v, (int, float)):
                    rows.setdefault(k, []).append(v)
    return out


def median_of(cell: str) -> float:
    """The median of a `12.3 [12.1, 12.6]` cell."""
    return number(cell.split(" [")[0])


def interval_of(cell: str) -> tuple:
    lo, hi = cell.split(" [")[1].rstrip("]").split(", ")
    return number(lo), number(hi)


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("single")
    src = copy_fixture("dev-2core", tmp)
    before = hashlib.sha256((src / "bm_fanout.json").read_bytes()).hexdigest()
    assert run_cli(src) == 0
    return src, before


@pytest.fixture(scope="module")
def two_machines(tmp_path_factory):
    out = tmp_path_factory.mktemp("two") / "out"
    assert run_cli(FIXTURES / "dev-2core", FIXTURES / "server-16core", "--out", out) == 0
    return out


@pytest.fixture(scope="module")
def self_compare(tmp_path_factory):
    # The figures of an overlay are exercised by two_machines; here only the numbers matter.
    patch = pytest.MonkeyPatch()
    patch.setattr("fanout_plots.cli.draw_figures", lambda *a: [])
    tmp = tmp_path_factory.mktemp("self")
    a = copy_fixture("dev-2core", tmp)
    b = Path(shutil.copytree(a, tmp / "again"))
    out = tmp / "out"
    try:
        assert run_cli(a, b, "--out", out) == 0
    finally:
        patch.undo()
    return out


# --- single run ---------------------------------------------------------------------------

def test_single_run_writes_png_svg_figures_and_report(single, capsys):
    src, _ = single
    pngs = sorted((src / "plots").glob("*.png"))
    names = {p.stem for p in pngs}
    assert {"wait_makespan", "cpu_speedup", "latency_percentiles", "latency_cdf",
            "bounded_limit", "cost_cpu", "cost_memory", "mixed", "efficiency"} <= names
    for png in pngs:
        data = png.read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000, png
        svg = png.with_suffix(".svg").read_text()
        assert "<svg" in svg and svg.rstrip().endswith("</svg>"), png
    text = (src / "report.md").read_text()
    for name in names:
        assert f"](plots/{name}.png)" in text and f"(plots/{name}.svg)" in text
    assert not list(src.rglob(".*.tmp")), "temporary files left behind"


def test_reports_never_name_a_result_folder_by_its_absolute_path(single, two_machines,
                                                                    self_compare):
    src, _ = single
    text = (src / "report.md").read_text()
    assert "- `this folder`: 1 JSON file(s), 30 benchmarks" in text
    assert str(src) not in text and str(src.resolve()) not in text
    # Beside the output folder: relative to it.
    for name in ("report.md", "comparison.md"):
        text = (self_compare / name).read_text()
        assert "`../dev-2core`" in text and "`../again`" in text, name
        assert str(self_compare.parent) not in text, name
    # Sharing only the root with it: by the last two names (label and timestamp of a run).
    for name in ("report.md", "comparison.md"):
        text = (two_machines / name).read_text()
        for folder in (FIXTURES / "dev-2core", FIXTURES / "server-16core"):
            assert str(folder) not in text and str(folder.resolve()) not in text, name
            assert f"`fixtures/{folder.name}`" in text, name


def test_single_run_leaves_the_json_untouched(single):
    src, before = single
    assert hashlib.sha256((src / "bm_fanout.json").read_bytes()).hexdigest() == before


def test_report_tables_equal_the_json_medians_and_intervals(single):
    src, _ = single
    reps = json_reps(src / "bm_fanout.json")
    fields = {"makespan [ms]": "real_time", "p50 [ms]": "p50_ms", "p90 [ms]": "p90_ms",
              "p99 [ms]": "p99_ms", "CPU [cores]": "cpu_util",
              "memory per in-flight item [bytes]": "mem_per_item_bytes",
              "throughput [items/s]": "items_per_second"}
    checked = 0
    for rows in tables((src / "report.md").read_text()):
        for row in rows:
            name = row.get("benchmark")
            if name not in reps:
                continue
            for header, key in fields.items():
                if header in row:
                    values = reps[name][key]
                    assert median_of(row[header]) == pytest.approx(
                        statistics.median(values), rel=5e-4, abs=1e-9), (name, header)
                    if "[" in row[header]:
                        # 3 repetitions: too few for 95%, so the interval is min-max.
                        assert interval_of(row[header]) == pytest.approx(
                            (min(values), max(values)), rel=5e-4, abs=1e-9), (name, header)
                    checked += 1
    assert checked >= 150


def test_report_has_machine_card_findings_and_captions(single):
    src, _ = single
    text = (src / "report.md").read_text()
    card = {r["field"]: r["value"] for r in tables(text.split("## Machine")[1])[0]}
    assert card["label"] == "dev-2core" and card["cores"] == "2"
    assert card["build type of the suite"] == "Release"
    findings = text.split("## Findings")[1].split("## Figures")[0]
    line = next(x for x in findings.splitlines() if x.startswith("- **wait, 100 items**"))
    ranked = re.findall(r"(\w+) ([\d.,]+)× ideal", line)
    assert len(ranked) == 10
    ratios = [number(r) for _, r in ranked]
    assert ratios == sorted(ratios) and ratios[0] >= 1.0
    assert "approximation" in text and "95% CI [" in findings
    assert "Rows: `wait/" in line


def test_release_run_is_not_flagged_as_a_debug_build(single):
    src, _ = single
    warnings = (src / "report.md").read_text().split("## Warnings")[1].split("## Findings")[0]
    # Google Benchmark's library_build_type is "debug" in the fixture: Debian's library.
    assert "Debug build" not in warnings
    assert "have a makespan whose 95% CI is wider than ±5% of its median" in warnings
    assert "30 benchmarks with fewer than 6 repetitions" in warnings
    assert "a probability of 75.0% with 3 repetitions" in warnings
    # A quiet run: an empty fanout_noisy gives no noise warning.
    assert "Noise" not in warnings


def test_hazards_skips_debug_build_and_noise_are_reported(tmp_path):
    src = copy_fixture("hazards", tmp_path)
    assert run_cli(src) == 0
    text = (src / "report.md").read_text()
    warnings = text.split("## Warnings")[1].split("## Findings")[0]
    assert "Debug build" in warnings
    noise = next(x for x in warnings.split("\n- ") if x.startswith("Noise"))
    assert noise.startswith("Noise: 2 benchmarks ran while more than 0.25 cores' worth of CPU")
    assert "before the run 3.10 2.50 1.20, after it 2.90 2.70 1.40" in noise
    rows = {r["benchmark"]: r for r in tables(noise)[0]}
    assert rows["cpu/sequential/items:8/frames:4"]["others' CPU [cores]"] == "0.61"
    assert rows["wait/threads/items:100/ms:10"]["steal [cores]"] == "0.12"
    assert "hazard/permit_deadlock/naive/items:10/limit:5/permits:2" in warnings
    assert "deadlock: the watchdog stopped the fan-out" in warnings
    assert "1 benchmark with a single repetition" in warnings
    for name in ("hazard_buffered_stream", "hazard_blocking_loop", "hazard_thread_exhaustion"):
        assert (src / "plots" / f"{name}.png").read_bytes().startswith(PNG_MAGIC)
    # An unknown counter gets a column; an outcome label is shown, not taken as a strategy.
    assert "| timeouts |" in text
    assert "std::thread: EAGAIN after 9871 threads" in text


def test_sweeps_draw_as_lines_and_skipped_points_are_listed(tmp_path):
    src = copy_fixture("sweep-4core", tmp_path)
    assert run_cli(src) == 0
    text = (src / "report.md").read_text()
    assert len(list((src / "plots").glob("*.png"))) >= 7
    assert "wait/sequential/items:10000/ms:10 | skipped: ideal time 100.000000 s" in text
    bounded = next(t for t in tables(text) if t and "ideal [ms]" in t[0]
                   and t[0]["benchmark"].startswith("wait/buffer"))
    limits = {r["benchmark"] for r in bounded if r["benchmark"].startswith("wait/buffered/")}
    assert len(limits) == 4  # limit 1, 10, 100, 1000 of one series
    # The long-tailed latency is a series of its own, not mixed into the fixed-latency sweep.
    wait = next(t for t in tables(text) if t and "throughput [items/s]" in t[0])
    assert not any("p99:100" in r["benchmark"] for r in wait)


def test_one_repetition_works_without_error_bars(tmp_path):
    data = fixture_json()
    data["benchmarks"] = [b for b in data["benchmarks"]
                          if b["run_type"] == "iteration" and b["repetition_index"] == 0]
    folder = write_run(tmp_path / "one", data)
    run = read_run(str(folder))
    assert all(b.n == 1 and b.ci().n == 1 for b in run.ok())
    text = report.render([run], [], str(folder))
    assert "30 benchmarks with a single repetition" in text


# --- comparison ---------------------------------------------------------------------------

def ratio_rows(text: str) -> list:
    return [r for t in tables(text) for r in t if "95% CI of the ratio" in r and "verdict" in r]


def test_self_comparison_is_ratio_one_and_the_same(self_compare):
    text = (self_compare / "comparison.md").read_text()
    rows = ratio_rows(text)
    assert len(rows) == 30
    for row in rows:
        ratio = next(v for k, v in row.items() if k.startswith("ratio "))
        assert ratio == "1.000"
        lo, hi = (number(x) for x in row["95% CI of the ratio"].strip("[]").split(", "))
        assert lo <= 1 <= hi
        assert row["verdict"] == "same (n < 6)"
    assert "dev-2core (2) is: 0 slower, 0 faster, 30 same" in text
    doc = json.loads((self_compare / "comparison.json").read_text())
    assert doc["baseline"] == {"label": "dev-2core", "folder": "../dev-2core"}
    (cmp,) = doc["comparisons"]
    assert cmp["other"] == "dev-2core (2)" and len(cmp["benchmarks"]) == 30
    assert {e["verdict"] for e in cmp["benchmarks"]} == {"same"}
    # The same label twice is told apart in the figures and tables.
    assert "dev-2core (2)" in (self_compare / "report.md").read_text()


def test_two_machines_overlay_and_normalise(two_machines):
    text = (two_machines / "comparison.md").read_text()
    assert "10 benchmarks present in both" in text
    assert "10 of them have fewer than 6 repetitions on a side" in text
    assert "different core counts" in text and "speedup per usable core" in text
    assert "Only in server-16core (20)" in text
    rep = (two_machines / "report.md").read_text()
    machines = {r["machine"] for t in tables(rep) for r in t if "machine" in r}
    assert {"dev-2core", "server-16core"} <= machines
    assert "(comparison.md)" in rep
    assert (two_machines / "plots" / "wait_makespan.svg").stat().st_size > 10_000


def _with_reps(data: dict, factor: float, reps: int = 6) -> dict:
    """The fixture with `reps` repetitions per benchmark (makespans 0.5% apart), scaled by
    factor."""
    out = {"context": data["context"], "benchmarks": []}
    for b in data["benchmarks"]:
        if b["run_type"] == "iteration" and b["repetition_index"] == 0:
            for i in range(reps):
                e = dict(b, repetition_index=i, repetitions=reps)
                e["real_time"] = b["real_time"] * factor * (1 + 0.005 * i)
                out["benchmarks"].append(e)
    return out


def test_a_real_difference_is_flagged_and_one_repetition_says_na(tmp_path):
    data = fixture_json()
    for name, factor, reps in (("fast", 1.0, 6), ("slow", 2.0, 6), ("once", 1.0, 1)):
        write_run(tmp_path / name, _with_reps(data, factor, reps))
    runs = read_runs([str(tmp_path / "fast"), str(tmp_path / "slow")])
    rows = ratio_rows(compare.render(runs, str(tmp_path)))
    assert len(rows) == 30
    for row in rows:
        assert next(v for k, v in row.items() if k.startswith("ratio ")) == "2.000"
        assert row["verdict"] == "**dev-2core (2) slower**"
    runs = read_runs([str(tmp_path / "slow"), str(tmp_path / "fast")])
    assert {r["verdict"] for r in ratio_rows(compare.render(runs, str(tmp_path)))} == {
        "**dev-2core (2) faster**"}
    runs = read_runs([str(tmp_path / "fast"), str(tmp_path / "once")])
    rows = ratio_rows(compare.render(runs, str(tmp_path)))
    assert rows and all(r["verdict"] == "n/a" and r["95% CI of the ratio"] == "[n/a, n/a]"
                        for r in rows)


# --- bad input ----------------------------------------------------------------------------

def _bad_inputs(tmp: Path) -> list:
    cases = []
    cases.append((tmp / "missing", "no such folder"))
    (tmp / "empty").mkdir()
    cases.append((tmp / "empty", "no *.json"))
    for name, content, problem in (
            ("corrupt", '{"context": {}, "benchmarks": [', "corrupt JSON"),
            ("nobench", '{"context": {}}', "no 'benchmarks' list"),
            ("array", "[1, 2, 3]", "no 'benchmarks' list"),
            ("zero", '{"benchmarks": []}', "no benchmarks"),
            ("binary", b"\xff\xfe\x00garbage", "corrupt JSON"),
            ("older", '{"context": {"fanout_label": "old"}, "benchmarks": [{"name": "wait/x"}]}',
             "no fanout_registry in the context: results from an older fanout-bench; "
             "re-run ./run_all.sh"),
            ("badregistry", '{"context": {"fanout_registry": "{\\"strategies\\": 1}"}, '
             '"benchmarks": [{"name": "wait/x"}]}', "corrupt fanout_registry: 'strategies'")):
        (tmp / name).mkdir()
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(tmp / name / "bm_fanout.json", mode) as f:
            f.write(content)
        cases.append((tmp / name / "bm_fanout.json", problem))
    return cases


def test_bad_inputs_exit_2_with_one_clear_line(tmp_path, capsys):
    out = tmp_path / "out"
    for path, problem in _bad_inputs(tmp_path):
        folder = path if path.suffix != ".json" else path.parent
        # As a user runs it: a separate process, its exit status and its stderr.
        result = subprocess.run([sys.executable, str(TOOL), str(folder), "--out", str(out)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, (path, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        assert str(path) in lines[0] and problem in lines[0], lines[0]
        # After a good folder, the bad one is still named.
        assert run_cli(FIXTURES / "dev-2core", folder, "--out", out) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and str(path) in err[0] and problem in err[0]
    assert not out.exists()


def test_usage_errors_exit_2(tmp_path):
    assert subprocess.run([sys.executable, str(TOOL)], capture_output=True,
                          timeout=60).returncode == 2
    with pytest.raises(SystemExit) as e:
        cli.parse_args([])
    assert e.value.code == 2
    assert run_cli(FIXTURES / "dev-2core", "--filter", "(", "--out", tmp_path) == 2


# --- writing ------------------------------------------------------------------------------

def test_an_interrupted_run_leaves_no_half_written_file(tmp_path, monkeypatch):
    import matplotlib.figure

    src = copy_fixture("dev-2core", tmp_path)
    (src / "report.md").write_text("the previous report\n")
    calls = {"n": 0}
    real_savefig = matplotlib.figure.Figure.savefig

    def failing_savefig(self, fname, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            with open(fname, "wb") as f:
                f.write(PNG_MAGIC)  # a partial file, then the "interrupt"
            raise KeyboardInterrupt
        return real_savefig(self, fname, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", failing_savefig)
    assert run_cli(src) == 130  # the shell's status for an interrupt, with no traceback
    plots = sorted(p.name for p in (src / "plots").iterdir())
    # The first figure's two files are whole; the second's PNG was never renamed into place.
    assert plots == ["pareto.png", "pareto.svg"]
    assert (src / "report.md").read_text() == "the previous report\n"
    assert not list(src.rglob("*.tmp"))


def test_report_write_failure_keeps_the_old_report(tmp_path, monkeypatch):
    src = copy_fixture("dev-2core", tmp_path)
    (src / "report.md").write_text("old\n")

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("fanout_plots.report.render", broken)
    monkeypatch.setattr("fanout_plots.cli.draw_figures", lambda *a: [])
    assert run_cli(src) == 130
    assert (src / "report.md").read_text() == "old\n"
    assert not list(src.glob(".*"))


def test_filter_and_printed_paths(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("fanout_plots.cli.draw_figures", lambda *a: [])
    out = tmp_path / "out"
    assert run_cli(FIXTURES / "dev-2core", FIXTURES / "server-16core", "--filter", "^wait/",
                   "--out", out) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(out / "report.md"), str(out / "report.html"),
                       str(out / "comparison.md"), str(out / "comparison.json")]
    text = (out / "comparison.md").read_text()
    assert "cpu/" not in text and "5 benchmarks present in both" in text
    names = [e["name"] for e in json.loads((out / "comparison.json").read_text())[
        "comparisons"][0]["benchmarks"]]
    assert len(names) == 5 and all(n.startswith("wait/") for n in names)


# --- the registry ---------------------------------------------------------------------------

def _registry(data: dict) -> dict:
    return json.loads(data["context"]["fanout_registry"])


def _renamed(entry: dict, strategy: str) -> dict:
    """The entry as if a benchmark of another strategy (its name and label)."""
    old = entry["label"].split("/")[1]
    out = dict(entry, label=entry["label"].replace(old, strategy))
    for key in ("name", "run_name"):
        out[key] = entry[key].replace(f"/{old}/", f"/{strategy}/", 1)
    return out


def test_strategy_order_is_the_first_runs_registry_then_the_others(tmp_path):
    first, second = fixture_json(), fixture_json()
    reg = _registry(first)
    reversed_order = [s["name"] for s in reg["strategies"]][::-1]
    first["context"]["fanout_registry"] = json.dumps(
        dict(reg, strategies=reg["strategies"][::-1]))
    newcomer = {"name": "newcomer", "params": [], "open_loop": False, "executor": "loop"}
    second["context"]["fanout_registry"] = json.dumps(
        dict(reg, strategies=reg["strategies"] + [newcomer]))
    seq = [b for b in second["benchmarks"] if b["label"] == "wait/sequential"]
    for strategy in ("zz_unlisted", "newcomer", "aa_unlisted"):
        second["benchmarks"] += [_renamed(b, strategy) for b in seq]
    runs = read_runs([str(write_run(tmp_path / "a", first)),
                      str(write_run(tmp_path / "b", second))])
    wait = [b for r in runs for b in r.benches if b.workload == "wait"]
    assert select.strategies_of(wait) == reversed_order + ["newcomer", "aa_unlisted",
                                                           "zz_unlisted"]
    # Read alone, the second run keeps its own registry's order.
    alone = read_run(str(tmp_path / "b"))
    assert select.strategies_of(alone.benches)[:len(reg["strategies"]) + 1] == [
        s["name"] for s in reg["strategies"]] + ["newcomer"]
    normalised = [r["strategy"] for t in tables(compare.render(runs, str(tmp_path)))
                  for r in t if r.get("workload") == "wait"]
    assert normalised == reversed_order + ["newcomer", "aa_unlisted", "zz_unlisted"]


def test_a_family_without_a_module_gets_the_generic_figure_and_finding(tmp_path, monkeypatch):
    monkeypatch.setattr("fanout_plots.families.fanout.BUILDERS", ())
    data = fixture_json()
    reg = _registry(data)
    reg["families"]["trial"] = {"metrics": ["p99_ms"], "params": ["items"]}
    data["context"]["fanout_registry"] = json.dumps(reg)
    seq = [b for b in data["benchmarks"] if b["label"] == "wait/sequential"]
    for variant, scale in (("slow", 3.0), ("fast", 1.0)):
        for b in seq:
            name = f"trial/replay/{variant}/items:100" + SUFFIX
            data["benchmarks"].append(dict(b, name=name, run_name=name, label="trial/replay",
                                           real_time=b["real_time"] * scale))
    src = write_run(tmp_path / "trial", data)
    assert run_cli(src) == 0
    text = (src / "report.md").read_text()
    assert (src / "plots" / "trial_replay.png").read_bytes().startswith(PNG_MAGIC)
    assert "### trial/replay: every benchmark" in text
    line = next(x for x in text.splitlines() if x.startswith("- **trial/replay**"))
    assert line.startswith("- **trial/replay**: slowest slow ") and "fastest fast " in line


def test_every_family_module_has_the_whole_interface():
    from fanout_plots.families import FAMILIES

    hooks = ("draw_figures", "finding_lines", "findings_intro", "sections_before_figures",
             "sections_after_figures", "compare_runs")
    names = [fam.FAMILY for fam in FAMILIES]
    assert len(set(names)) == len(names)
    # The families of the registries that the fixtures carry: the generated ones (every family
    # of the matrix) and a recorded scenario run's.
    known = set()
    for fixture in ("known-2core", "scenario-wait-2core"):
        doc = json.loads((FIXTURES / fixture / "bm_fanout.json").read_text())
        known |= set(_registry(doc)["families"])
    assert set(names) <= known
    for fam in FAMILIES:
        assert isinstance(fam.MAKESPAN_COMPARABLE, bool), fam.__name__
        assert all(callable(getattr(fam, h, None)) for h in hooks), fam.__name__
