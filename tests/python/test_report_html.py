"""report.html in a real browser: a run's page and a comparison's page open in headless
Chromium (Debian's `chromium`) with no console error, every chart drawn, and a click on a
strategy's legend entry, a machine's box and an axis switch each changing what is drawn; the
tables are report.md's, sortable. Screenshots are saved beside the pages (the path is printed).

Run from the repository root:  /usr/bin/python3 -m pytest -q tests/python/test_report_html.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
sys.path.insert(0, str(ROOT / "plots"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from chromium import Browser, chromium_path  # noqa: E402
from fanout_plots import cli  # noqa: E402

# The wait family alone: every kind of chart the test needs (lines, strips, bars) in seconds.
FILTER = "^wait/"
MAX_BYTES = 6_000_000
READY = "window.fanoutReport && window.fanoutReport.ready"
# How many traces each chart draws: plotly removes a hidden trace's group from the SVG.
DRAWN = ("Array.from(document.querySelectorAll('.chart')).map(d => "
         "d.querySelectorAll('g.trace').length + d.querySelectorAll('.shapelayer path').length)")


def _machine(name: str, label: str, factor: float, dest: Path) -> Path:
    """A hand-made second machine: the fixture's benchmarks, its times scaled by factor."""
    data = json.loads((FIXTURES / name / "bm_fanout.json").read_text())
    data["context"].update(fanout_label=label, host_name=label)
    for b in data["benchmarks"]:
        for key in ("real_time", "cpu_time"):
            if isinstance(b.get(key), (int, float)):
                b[key] *= factor
    dest.mkdir(parents=True)
    (dest / "bm_fanout.json").write_text(json.dumps(data))
    return dest


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("html")
    other = _machine("dev-2core", "slower-2core", 1.5, tmp / "slower")
    assert cli.main([str(FIXTURES / "dev-2core"), "--filter", FILTER, "--out",
                     str(tmp / "run")]) == 0
    assert cli.main([str(FIXTURES / "dev-2core"), str(other), "--filter", FILTER, "--out",
                     str(tmp / "compare")]) == 0
    print(f"\nreport pages and screenshots in {tmp}")
    return tmp / "run", tmp / "compare"


@pytest.fixture(scope="module")
def browser(pages):
    if chromium_path() is None:
        pytest.fail("chromium is not installed: run cmake/bootstrap.sh")
    with Browser(pages[0].parent) as b:
        yield b


def _open(b: Browser, folder: Path) -> None:
    b.errors.clear()
    b.open((folder / "report.html").as_uri())
    b.wait_for(READY, timeout_s=120)


def _click(b: Browser, selector: str) -> None:
    """A real mouse click at the middle of the first element the selector finds."""
    b.eval(f"document.querySelector({json.dumps(selector)}).scrollIntoView({{block: 'center'}})")
    box = b.eval(f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
                 ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
    for kind in ("mousePressed", "mouseReleased"):
        b.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left",
               clickCount=1)


def test_pages_are_self_contained_and_small(pages):
    for folder in pages:
        page = (folder / "report.html").read_text()
        assert len(page.encode()) < MAX_BYTES
        assert page.count("<script>") == 2  # plotly.js once, and the page's own script
        # The page's own markup (plotly.js aside, whose strings name its web site) loads
        # nothing from the network or from files beside it.
        own = re.sub(r"<script>.*?</script>", "", page, flags=re.S)
        assert not re.search(r"""(src|href)=["']?(https?:|//|plots/|[\w.-]+\.(png|svg|js|css))""",
                             own)
        assert "<link" not in own and "<img" not in own and "<iframe" not in own
        assert not list(folder.glob(".report.html.*"))  # written under a temporary name


def test_the_tables_are_report_md_s(pages):
    for folder in pages:
        md = (folder / "report.md").read_text()
        page = (folder / "report.html").read_text()
        md_tables = len(re.findall(r"^\|---", md + "\n" + (
            (folder / "comparison.md").read_text() if (folder / "comparison.md").exists()
            else ""), flags=re.M))
        assert page.count("<table>") == md_tables
        for cell in re.findall(r"\| ([0-9.,]+ \[[0-9.,]+, [0-9.,]+\]) \|", md)[:50]:
            assert re.search(rf"<td[^>]*>{re.escape(cell)}</td>", page), cell


def test_run_page_draws_every_chart_and_a_legend_click_hides_a_strategy(pages, browser):
    _open(browser, pages[0])
    drawn = browser.eval(DRAWN)
    assert drawn and all(n > 0 for n in drawn), drawn
    assert browser.eval("window.fanoutReport.charts.length") == len(drawn)
    browser.screenshot(pages[0] / "report.png")
    before = browser.eval(DRAWN)[0]
    _click(browser, ".chart .legend .traces")
    browser.wait_for(f"({DRAWN})[0] < {before}", timeout_s=10)
    hidden = browser.eval("document.querySelector('.chart').data.filter("
                          "t => t.visible === 'legendonly').length")
    assert hidden >= 1
    assert browser.errors == [] and browser.eval("window.fanoutReport.errors") == []


def test_axis_switch_and_table_sort(pages, browser):
    _open(browser, pages[0])
    axis = "document.querySelector('.chart-tools button')"
    assert browser.eval(f"{axis} !== null")
    div = f"{axis}.closest('figure').querySelector('.chart')"
    key = browser.eval(f"{axis}.dataset.axis") + "axis"
    before = browser.eval(f"{div}.layout.{key}.type")
    _click(browser, ".chart-tools button")
    browser.wait_for(f"{div}.layout.{key}.type !== '{before}'", timeout_s=10)
    table = "document.querySelectorAll('main table')[2]"
    col = browser.eval(f"Array.from({table}.tHead.rows[0].cells).findIndex("
                       "c => c.textContent.startsWith('n'))")
    browser.eval(f"{table}.tHead.rows[0].cells[{col}].click()")
    values = browser.eval(f"Array.from({table}.tBodies[0].rows).map("
                          f"r => parseFloat(r.cells[{col}].textContent))")
    assert values == sorted(values)
    assert browser.errors == []


def test_comparison_page_switches_machines(pages, browser):
    _open(browser, pages[1])
    assert browser.eval("document.querySelectorAll('input[data-machine]').length") == 2
    assert browser.eval("document.getElementById('comparison') !== null")
    before = browser.eval(DRAWN)
    assert all(n > 0 for n in before), before
    browser.screenshot(pages[1] / "comparison.png")
    _click(browser, "input[data-machine='1']")
    browser.wait_for(f"({DRAWN}).some((n, i) => n < {json.dumps(before)}[i])", timeout_s=10)
    shown = browser.eval("Array.from(document.querySelectorAll('.chart')).flatMap(d => d.data)"
                         ".filter(t => t.meta && t.meta.run === 1 && t.visible !== false)"
                         ".length")
    assert shown == 0
    _click(browser, "input[data-machine='1']")
    again = json.dumps(json.dumps(before, separators=(",", ":")))  # as JSON.stringify writes
    browser.wait_for(f"JSON.stringify({DRAWN}) === {again}", timeout_s=10)
    assert browser.errors == []
