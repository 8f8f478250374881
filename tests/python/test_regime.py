"""The regime map over the known fixture (tests/fixtures/known.py): its cells, its answer
sentences and the two physics checks, worked out by hand; the figure drawn, its caption opening
with its question and its answer under it; and a machine overlay in --compare.

Run from the repository root:  /usr/bin/python3 -m pytest -q tests/python/test_regime.py
"""

from __future__ import annotations

from test_plots import FIXTURES, copy_fixture, run_cli, tables

from fanout_plots.families.regime import answers, draw  # noqa: E402
from fanout_plots.families.regime import cells as cl  # noqa: E402
from fanout_plots.results import read_run  # noqa: E402

MAP = ("On known-2core (2 cores), by share of the item spent computing, the strategy that wins "
       "the most fan-out sizes: 0.1% compute: join_set (1 of 2 sizes); 50% compute: join_set "
       "(1 of 1 sizes); 100% compute: tbb_task_group (1 of 1 sizes); 1 of 4 measured cells are "
       "ties within noise.")
WAITING = (
    "- **Regime, pure waiting (0.1% compute), 10,000 items**: futures_unordered ties join_set "
    "(1.003× [0.9934, 1.012], within noise); sequential was not run (skipped: ideal time 10.0 "
    "s, over this profile's budget of 0.5 s per benchmark), and its serial bound, 10,000 × 1 ms "
    "= 10,000 ms, is at least 333× the winner's 30 ms. Rows: "
    "`regime/futures_unordered/items:10000/ms:1/workload:wait`, "
    "`regime/join_set/items:10000/workers:2/ms:1/workload:wait`.")
COMPUTING = (
    "- **Regime, pure computing (100% compute), 32 items**: tbb_task_group 1.037× [1.025, "
    "1.05] ahead of join_set; the fastest single loop, futures_unordered, takes 1.98× as long "
    "(95% CI [1.962, 1.998]) on 2 cores. Rows: "
    "`regime/tbb_task_group/items:32/workers:2/frames:1/workload:cpu`, "
    "`regime/join_set/items:32/workers:2/frames:1/workload:cpu`, "
    "`regime/futures_unordered/items:32/frames:1/workload:cpu`.")


def test_cells_rank_share_and_mark_ties_and_skips():
    run = read_run(str(FIXTURES / "known-2core"))
    cs = cl.cells(run)
    shares = [round(cl.column_share(cs, c), 4) for c in cl.columns(cs)]
    assert shares == [round(0.001 / 1.001, 4), 0.5, 1.0]
    by = {(c.column[0], c.items): c for c in cs}
    assert by[("wait", 10_000)].tie and by[("wait", 10_000)].winner.strategy == "futures_unordered"
    assert not by[("wait", 32)].tie and by[("wait", 32)].winner.strategy == "join_set"
    grey = by[("mixed", 10_000)]
    assert grey.winner is None and {s for s, _ in grey.skipped} == {"sequential",
                                                                    "tbb_task_group"}
    assert round(by[("mixed", 32)].margin.ratio, 4) == round(33 / 18, 4)


def test_answers_are_the_known_ones():
    run = read_run(str(FIXTURES / "known-2core"))
    assert answers.map_answer(run) == MAP
    assert answers.waiting_check(run) == WAITING
    assert answers.computing_check(run) == COMPUTING


def test_report_draws_the_map_with_its_question_and_answer(tmp_path):
    src = copy_fixture("known-2core", tmp_path)
    assert run_cli(str(src)) == 0
    text = (src / "report.md").read_text()
    assert (src / "plots" / "regime_map.png").stat().st_size > 10_000
    section = text.split("### Regime map")[1].split("\n### ")[0]
    assert f"**{draw.QUESTION}**" in section and f"**Answer:** {MAP}" in section
    findings = text.split("## Findings")[1].split("## Figures")[0]
    assert WAITING in findings and COMPUTING in findings
    rows = [r for t in tables(section) for r in t if "winner" in r]
    assert {(r["compute share"], r["items"], r["winner"], r["tie"]) for r in rows} >= {
        ("0.1%", "10,000", "futures_unordered", "yes"), ("50%", "10,000", "none", "no")}


def test_compare_draws_a_panel_per_machine(tmp_path):
    a = copy_fixture("known-2core", tmp_path / "a")
    b = copy_fixture("known-2core", tmp_path / "b")
    out = tmp_path / "out"
    assert run_cli("--out", str(out), str(a), str(b)) == 0
    text = (out / "report.md").read_text()
    assert text.count("On known-2core") >= 1 and "On known-2core (2)" in text
