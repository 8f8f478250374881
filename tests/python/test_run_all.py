"""run_all.sh as a user meets it: bad input exits 2 with a message, and an interrupted run
leaves no half-written file under a final name."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_ALL = ROOT / "run_all.sh"


def run(*args, **kwargs):
    return subprocess.run(
        [str(RUN_ALL), *args], capture_output=True, text=True, timeout=600, **kwargs
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--bogus"], 'unknown option "--bogus"'),
        (["--repetitions", "0"], 'bad --repetitions "0"'),
        (["--repetitions", "three"], 'bad --repetitions "three"'),
        (["--label", "a/b"], 'bad --label "a/b"'),
        (["--filter"], "--filter needs a regex"),
        (["--compare", "only-one"], "--compare needs at least two result folders"),
        (["--out", ""], "--out needs a directory, not an empty value"),
        (["--label", "--no-plots"], '--label needs a name, not the option "--no-plots"'),
        (["--filter", "--quick"], '--filter needs a regex, not the option "--quick"'),
        (["--repetitions", "-1"], '--repetitions needs a number, not the option "-1"'),
    ],
)
def test_bad_flags_exit_2_with_usage(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "usage: ./run_all.sh" in result.stderr


AVAILABLE = len(os.sched_getaffinity(0))


@pytest.mark.parametrize("value", ["0", str(AVAILABLE + 1), "abc", "1.5", "99999"])
def test_bad_cpus_exit_2_with_one_line(value, tmp_path):
    result = run("--quick", "--no-plots", "--out", str(tmp_path), "--cpus", value)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f'run_all.sh: bad --cpus "{value}": expected a whole number from 1 to {AVAILABLE}, '
        "the cores this machine lets the suite use"]
    assert not any(tmp_path.iterdir())  # refused before anything was built or run


def build_bm_fanout() -> None:
    subprocess.run(
        ["cmake", "--build", "--preset", "release", "--target", "bm_fanout"],
        cwd=ROOT, check=True, capture_output=True, timeout=600,
    )


def test_cpus_1_runs_on_one_core_and_says_so(tmp_path):
    build_bm_fanout()
    result = run("--quick", "--no-plots", "--cpus", "1", "--label", "one", "--out",
                 str(tmp_path), "--filter", "^cpu/(sequential|tbb_parallel_for|join_set)/")
    assert result.returncode == 0, result.stderr
    assert "on 1 of" in result.stdout
    (path,) = tmp_path.glob("one/*/bm_fanout.json")
    data = json.loads(path.read_text())
    ctx = data["context"]
    assert (ctx["fanout_cores"], ctx["fanout_cpus"]) == ("1", "1")
    assert ctx["fanout_cpus_of"] == str(AVAILABLE)
    assert ctx["fanout_cpu_list"] in {str(c) for c in os.sched_getaffinity(0)}
    workers = {b["workers"] for b in data["benchmarks"] if "workers" in b}
    assert workers == {1}
    threads = {b["os_threads"] for b in data["benchmarks"]
               if b["name"].startswith("cpu/tbb_parallel_for/")}
    assert threads and max(threads) <= 2  # the caller and one worker at most


def test_filter_matching_nothing_exits_2(tmp_path):
    result = run("--quick", "--no-plots", "--out", str(tmp_path), "--filter", "^nothing$")
    assert result.returncode == 2
    assert "matches no benchmark" in result.stderr
    assert not any(tmp_path.rglob("*.json"))


def test_sigint_leaves_no_json_under_a_final_name(tmp_path):
    out = tmp_path / "new" / "results"  # made by the run, and removed again
    # Build first, so that the interrupt lands in the benchmark run, not in the build.
    build_bm_fanout()
    proc = subprocess.Popen(
        [str(RUN_ALL), "--quick", "--no-plots", "--label", "sigint", "--out", str(out),
         "--filter", "wait/(sequential|tbb_)"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        # A test runner started in the background inherits SIGINT ignored, and a shell cannot
        # trap a signal ignored on entry: give the run the default a terminal user has.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # Wait until the benchmark has started its first round (its log under the temporary name).
    deadline = time.monotonic() + 120
    while not any("== round" in p.read_text() for p in tmp_path.rglob(".bm_fanout.log.partial")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never started"
        time.sleep(0.05)
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    start = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert time.monotonic() - start < 10  # it stopped, rather than finishing the run
    assert "interrupted" in err
    assert not list(tmp_path.rglob("bm_fanout.json"))
    assert not list(tmp_path.rglob("*.partial"))
    assert not (tmp_path / "new").exists()  # no empty label folder, no empty results root
