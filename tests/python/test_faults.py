"""The fault suite: a run never lies. Each case is set up cheaply and the same way on every
machine (a copy of the source with a broken file, a small tmpfs or a file-size limit for a full
disk, an address-space limit for out of memory, an interrupt at a known point), and each test
checks the exit status, the message, and what is left on disk."""

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_ALL = ROOT / "run_all.sh"
BENCH = ROOT / "build" / "release" / "benchmarks" / "bm_fanout"
REPORT = ROOT / "plots" / "fanout_report.py"
FIXTURES = ROOT / "tests" / "fixtures"
# One quick benchmark that always succeeds.
ONE = "^hazard/permit_deadlock/spawn/"
BROKEN = "harness/measure/time.hpp"  # included by the first sources to compile


@pytest.fixture(scope="module")
def built():
    subprocess.run([str(ROOT / "cmake" / "build.sh"), "release", "bm_fanout"], cwd=ROOT,
                   check=True, capture_output=True, timeout=1200)


def run(cmd, **kwargs):
    kwargs.setdefault("timeout", 600)
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)


def source_copy(dest: Path) -> Path:
    """The suite's tracked files, copied to dest, with one header broken."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    with open(dest / BROKEN, "a") as f:
        f.write("this is not C++;\n")
    return dest


# --- the build ---------------------------------------------------------------------------

def test_a_broken_source_stops_the_run_before_any_benchmark(tmp_path):
    src = source_copy(tmp_path / "src")
    out = tmp_path / "results"
    result = run([src / "run_all.sh", "--quick", "--no-plots", "--out", out], cwd="/")
    assert result.returncode == 1
    assert f"{BROKEN}:" in result.stderr and "error: " in result.stderr
    assert result.stderr.rstrip().splitlines()[-1] == (
        "run_all.sh: stopped before any benchmark ran: the build failed (see above)")
    assert "== run" not in result.stdout
    assert not out.exists()
    assert not (src / "build" / "release" / "benchmarks" / "bm_fanout").exists()


def test_a_moved_clone_is_configured_afresh(tmp_path):
    src = source_copy(tmp_path / "src")
    cache = src / "build" / "release" / "CMakeCache.txt"
    cache.parent.mkdir(parents=True)
    cache.write_text("CMAKE_HOME_DIRECTORY:INTERNAL=/elsewhere\n"
                     "CMAKE_CACHEFILE_DIR:INTERNAL=/elsewhere/build/release\n")
    result = run([src / "run_all.sh", "--quick", "--no-plots", "--out", tmp_path / "r"])
    assert ("build: build/release was made for /elsewhere; configuring it afresh for "
            f"{src.resolve()}") in result.stderr
    # It got past configuring, to the compiler's error in the broken file.
    assert result.returncode == 1
    assert f"{BROKEN}:" in result.stderr


def test_run_from_another_folder_builds_and_runs_this_tree(built, tmp_path):
    result = run([RUN_ALL, "--quick", "--no-plots", "--filter", ONE, "--out", "results"],
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [json_file] = (tmp_path / "results").rglob("bm_fanout.json")  # relative to the caller
    context = json.loads(json_file.read_text())["context"]
    assert context["fanout_profile"] == "quick"
    head = run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT).stdout.strip()
    assert context["fanout_git_commit"].startswith(head)


# --- a full disk -------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 8 KiB tmpfs: the log fits in it and the JSON does not."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    made = run(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", mount], timeout=30)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    yield mount
    run(["umount", mount], timeout=30)


def test_a_full_disk_leaves_no_result_under_its_final_name(built, small_disk):
    result = run([RUN_ALL, "--quick", "--no-plots", "--filter", ONE, "--out", small_disk])
    assert result.returncode == 1
    assert "No space left on device" in result.stderr
    assert "run_all.sh: bm_fanout failed (exit 1)" in result.stderr
    assert not list(small_disk.rglob("bm_fanout.json"))
    assert list(small_disk.rglob(".bm_fanout.json.partial*"))  # what was written stays


def test_a_file_size_limit_fails_the_json_write(built, tmp_path):
    out = tmp_path / "out.json"

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))  # the JSON is 7 kB

    result = run([BENCH, f"--benchmark_filter={ONE}", f"--benchmark_out={out}"],
                 preexec_fn=limit_file_size)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(
        f"bm_fanout: cannot write {out}: File too large (what was written is in {out}.partial)")
    assert not out.exists()
    assert Path(f"{out}.partial").stat().st_size > 0


def test_an_incomplete_result_file_is_refused(tmp_path):
    cut = tmp_path / "cut.json"
    whole = (FIXTURES / "hazards" / "bm_fanout.json").read_text()
    cut.write_text(whole[: len(whole) // 2])
    empty = tmp_path / "empty.json"
    empty.write_text('{"context": {}, "benchmarks": []}')
    assert run([sys.executable, REPORT, "--check", FIXTURES / "hazards" / "bm_fanout.json"]
               ).returncode == 0
    for path, problem in ((cut, "corrupt JSON"), (empty, "no benchmarks in the file")):
        result = run([sys.executable, REPORT, "--check", path])
        assert result.returncode == 2
        assert problem in result.stderr and len(result.stderr.splitlines()) == 1


# --- out of memory -----------------------------------------------------------------------

def test_out_of_memory_is_an_error_entry_and_the_run_goes_on(built, tmp_path):
    out = tmp_path / "out.json"
    first_cpu = min(os.sched_getaffinity(0))

    def small_machine():
        # One core and one malloc arena, so that the address space needed is the same on every
        # machine; 200 MB of it: enough to start, not for a million waits.
        os.sched_setaffinity(0, {first_cpu})
        resource.setrlimit(resource.RLIMIT_AS, (200 << 20, 200 << 20))

    wanted = ("^(overhead/(raw_libuv|futures_unordered|join_set)/waits:1000000/"
              "|hazard/thread_exhaustion/threads/items:1000000/|wait/futures_unordered/items:10/)")
    result = run([BENCH, f"--benchmark_filter={wanted}", "--benchmark_repetitions=1",
                  f"--benchmark_out={out}"], preexec_fn=small_machine,
                 env={**os.environ, "MALLOC_ARENA_MAX": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    rows = {b["run_name"].split("/min_time")[0]: b
            for b in json.loads(out.read_text())["benchmarks"]}
    waits = [name for name in rows if "/waits:1000000/" in name]
    assert len(waits) == 3
    for name in waits:
        assert rows[name]["error_message"] == "out of memory (std::bad_alloc)", name
    # The benchmarks that fit ran, before and after.
    assert not rows["wait/futures_unordered/items:10/ms:10/process_time/manual_time"].get(
        "error_occurred")


# --- odd input ---------------------------------------------------------------------------

@pytest.mark.parametrize("flag", [b"--benchmark_repetitions=0", b"--benchmark_repetitions=-1",
                                  b"--fanout_label=\xff", b"--fanout_label=a b"])
def test_bench_rejects_bad_repetitions_and_labels(built, flag):
    result = subprocess.run([BENCH, flag], capture_output=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith(b"bm_fanout: bad ")


def test_an_out_that_is_a_file_is_refused_before_the_build(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("")
    result = run([RUN_ALL, "--quick", "--out", a_file / "results"])
    assert result.returncode == 2
    assert f'bad --out "{a_file}/results": {a_file} is a file, not a folder' in result.stderr
    assert "== build" not in result.stdout


def test_a_label_the_plotter_cannot_encode_is_one_line_of_bad_input(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    text = (FIXTURES / "hazards" / "bm_fanout.json").read_text()
    doc = json.loads(text)
    label = json.dumps(doc["context"]["fanout_label"])
    (run_dir / "bm_fanout.json").write_text(text.replace(label, '"lab\\udc80el"', 1))
    result = run([sys.executable, REPORT, run_dir])
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"fanout_report.py: error: {run_dir / 'bm_fanout.json'}: context.fanout_label: a string "
        "that is not valid UTF-8 (a lone surrogate escape); the figures and the report could "
        "not carry it"]
    assert not (run_dir / "report.md").exists()


def test_runs_of_different_profiles_are_compared_with_a_warning(tmp_path):
    runs = []
    for name, profile in (("a", "quick"), ("b", "default")):
        doc = json.loads((FIXTURES / "hazards" / "bm_fanout.json").read_text())
        doc["context"].update(fanout_profile=profile, fanout_label=name)
        (tmp_path / name).mkdir()
        (tmp_path / name / "bm_fanout.json").write_text(json.dumps(doc))
        runs.append(tmp_path / name)
    result = run([sys.executable, REPORT, *runs, "--out", tmp_path / "cmp"])
    assert result.returncode == 0, result.stderr
    paragraphs = (tmp_path / "cmp" / "comparison.md").read_text().split("\n\n")
    assert paragraphs[1].startswith(
        "> **Warning: the runs are of different profiles** (a: quick, b: default).")


# --- interrupts --------------------------------------------------------------------------

def test_an_interrupt_while_plotting_says_what_was_kept(built, tmp_path):
    proc = subprocess.Popen(
        [str(RUN_ALL), "--quick", "--filter", ONE, "--label", "plotting", "--out", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300
    for line in proc.stdout:  # until the plots begin
        assert time.monotonic() < deadline
        if line.startswith("== plots"):
            break
    time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err
    [run_dir] = (tmp_path / "plotting").iterdir()
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"run_all.sh: interrupted while plotting; kept {run_dir}/")
    assert f"kept {run_dir}/bm_fanout.json and bm_fanout.log; plot them with: " in err
    assert err.rstrip().endswith(f"plots/fanout_report.py {run_dir}")
    assert (run_dir / "bm_fanout.json").is_file() and (run_dir / "bm_fanout.log").is_file()
    assert not list(run_dir.rglob("*.tmp")) and not list(run_dir.rglob("*.partial"))
