"""The answer sentences under the figures, over the known fixture (tests/fixtures/known.py):
each equals the answer its design gives (every median M exactly, its interval [0.99 M, 1.01 M],
the sidecar's tails), and each figure's caption opens with its question. The regime map's own
answers are in test_regime.py.

Run from the repository root:  /usr/bin/python3 -m pytest -q tests/python/test_answers.py
"""

from __future__ import annotations

import re

import pytest

from test_plots import copy_fixture, run_cli

# (figure file, the start of its answer): the known fixture's answers.
ANSWERS = {
    "latency_spectrum": "At each workload's representative size, wait: p99.9 from 12 ms "
                        "(futures_unordered) to 39.99 ms (sequential).",
    "pareto": "The strategies no other beats on both CPU used and makespan (median makespan "
              "[95% CI]) are, for wait at 100 items: futures_unordered (1 core, 10.6 [10.49, "
              "10.71] ms); for cpu at 8 items: join_set (1 core, 6.4 [6.336, 6.464] ms); for "
              "mixed at 32 items: join_set (1 core, 35 [34.65, 35.35] ms).",
    "wait_makespan": "At 100 items futures_unordered is fastest, 10.6 [10.49, 10.71] ms, 1.06× "
                     "its own bound; join_set takes 1.019× as long (95% CI [1.007, 1.029]), and "
                     "sequential 95.3×.",
    "cpu_speedup": "The best speedup over T1 is join_set's 1.875 [1.856, 1.894]× at 8 items, "
                   "94% of its bound 2 on 2 cores.",
    "cost_cpu": "wait at 100 items, every strategy burns 1 of 2 cores; cpu at 8 items, every "
                "strategy burns 1 of 2 cores; mixed at 32 items, every strategy burns 1 of 2 "
                "cores.",
    "efficiency": "Closest to the workload's physical bound: wait at 100 items, "
                  "futures_unordered at 1.06 [1.049, 1.071]× the ideal; cpu at 8 items, join_set "
                  "at 1.067 [1.056, 1.077]× the ideal; mixed at 32 items, join_set at 1.029 "
                  "[1.019, 1.04]× the ideal.",
    "mixed": "At 32 items join_set is fastest, 35 [34.65, 35.35] ms, 1.03× its own bound; "
             "spawn_channel takes 1.014× as long (95% CI [1.004, 1.023]), and sequential 10.6×.",
    "workload_overhead": "On known-2core, at 100,000 waits futures_unordered adds 44 [42.56, "
                         "45.44] ns per wait against raw_bucketed's 20, a makespan 1.2× the "
                         "floor's (95% CI [1.186, 1.214]; target ≤ 2×: met); at 100,000 waits "
                         "join_set adds 80 [78.2, 81.8] ns per wait against raw_bucketed's 20, a "
                         "makespan 1.5× the floor's (95% CI [1.485, 1.515]; target ≤ 2.5×: met); "
                         "at most 380 bytes per in-flight wait (join_set; target ≤ 160).",
}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    src = copy_fixture("known-2core", tmp_path_factory.mktemp("answers"))
    assert run_cli(str(src)) == 0
    return src, (src / "report.md").read_text()


def _section(text: str, figure: str) -> str:
    """The report's block of one figure: from its title to the next title."""
    blocks = text.split("\n### ")
    return next(b for b in blocks if f"(plots/{figure}.png)" in b)


@pytest.mark.parametrize("figure", sorted(ANSWERS))
def test_answer_is_the_known_one(report, figure):
    src, text = report
    block = _section(text, figure)
    assert f"**Answer:** {ANSWERS[figure]}" in block
    assert (src / "plots" / f"{figure}.png").stat().st_size > 10_000


def test_every_figure_opens_its_caption_with_a_question(report):
    src, text = report
    figures = sorted(p.stem for p in (src / "plots").glob("*.png"))
    assert len(figures) >= 10
    for figure in figures:
        caption = _section(text, figure).split("\n\n")[2]
        assert re.match(r"\*\*[A-Z][^*]*\?\*\* ", caption), (figure, caption[:80])


HAZARDS = {
    "hazard_buffered_stream": "On dev-2core-hazards, with a 100 ms body, naive_buffered times "
                              "out 3 of 20 items (late p99 40 ms), while spawn, channel "
                              "(capacity 1), body_in_future time out none.",
    "hazard_blocking_loop": "On dev-2core-hazards, the waits' p99 against their 10 ms latency: "
                            "futures_unordered 90 ms (9× the latency), offload 11 ms (1.1× the "
                            "latency).",
    "hazard_thread_exhaustion": "On dev-2core-hazards, 10,000 requested: 9,871 created, memory "
                                "not measured (refused: EAGAIN after 9871 threads).",
    # The deadlock alone (an error entry, no fix in this fixture) still gets its figure.
    "hazard_permit_deadlock": "On dev-2core-hazards: naive deadlocks (watchdog after 2000 ms, 5 "
                              "of 10 items done).",
}


def test_hazard_answers_are_the_known_ones(tmp_path):
    src = copy_fixture("hazards", tmp_path)
    assert run_cli(str(src)) == 0
    text = (src / "report.md").read_text()
    for figure, want in HAZARDS.items():
        assert f"**Answer:** {want}" in _section(text, figure), figure

SWEEP = {
    "bounded_limit": "At the smallest limit, wait (10 ms) at limit 1: makespan buffer_unordered "
                     "10,296 [10,063, 10,387] ms, buffered 1.029× (95% CI [1.019, 1.044]); p99 "
                     "buffer_unordered 10,193 [9,962, 10,284] ms, buffered 1.029× (95% CI "
                     "[1.019, 1.044]).",
    "latency_spread": "Under lognormal waits (median 10 ms, p99 100 ms) at 1,000 items, the p99 "
                      "item latency runs from 87.99 [87.46, 90.22] ms (offload) to 80,011 "
                      "[78,678, 81,383] ms (sequential, 909×, 95% CI [880.4, 917.6]); of the "
                      "bounded strategies, buffered pays 8,354 [8,196, 8,411] ms against "
                      "buffer_unordered's 8,168 [7,938, 8,202] ms (1.023×, 95% CI [1.009, "
                      "1.053]).",
}


def test_sweep_answers_are_the_fixtures(tmp_path):
    """The synthetic default-profile run (make_fixtures.py, seed 4): its limit sweep and its
    lognormal tail."""
    src = copy_fixture("sweep-4core", tmp_path)
    assert run_cli(str(src)) == 0
    text = (src / "report.md").read_text()
    for figure, want in SWEEP.items():
        assert f"**Answer:** {want}" in _section(text, figure), figure
