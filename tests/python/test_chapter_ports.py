"""docs/chapter-ports.md cannot drift from the code it shows.

Each ```cpp block of the page is introduced by a line

    From [harness/strategies/<id>.hpp](../harness/strategies/<id>.hpp):

and must equal, character for character, the lines that the named header encloses in

    // [chapter-port: <id>]
    ...
    // [/chapter-port: <id>]

Since the build compiles those headers, the page's C++ compiles too. Every marked region must be
on the page, and every strategy of docs/design.md (section "Strategies") must have its port there.

Run from the repository root:  /usr/bin/python3 -m pytest -q tests/python/test_chapter_ports.py
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "chapter-ports.md"
STRATEGIES = ROOT / "harness" / "strategies"

# The design's table of strategies; older checkouts keep DESIGN.md in shared/ beside the repository.
DESIGN_CANDIDATES = [
    ROOT / "docs" / "design.md",
    ROOT / "DESIGN.md",
    ROOT / "docs" / "DESIGN.md",
    ROOT / "shared" / "DESIGN.md",
    ROOT.parent / "shared" / "DESIGN.md",
]
# Without the design at hand: the strategies of the suite's registry, as a fixture run has it.
REGISTRY_FIXTURE = ROOT / "tests" / "fixtures" / "dev-2core" / "bm_fanout.json"

MARKER = re.compile(r"^[ \t]*// \[(/?)chapter-port: ([A-Za-z0-9_]+)\][ \t]*$")
MARKER_LIKE = re.compile(r"chapter-port")
INTRO = re.compile(
    r"^From \[(?P<shown>harness/strategies/[A-Za-z0-9_]+\.hpp)\]"
    r"\(\.\./(?P<target>harness/strategies/[A-Za-z0-9_]+\.hpp)\):$"
)
FENCE_OPEN = re.compile(r"^(?P<ticks>`{3,})(?P<info>[^`]*)$")


@dataclass
class Block:
    lang: str
    text: str
    line: int  # 1-based line of the opening fence
    intro: str  # the nearest non-blank line above the opening fence


def doc_blocks() -> list[Block]:
    lines = DOC.read_text(encoding="utf-8").split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        ticks, lang = m.group("ticks"), m.group("info").strip()
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != ticks:
            j += 1
        assert j < len(lines), f"{DOC.name}:{i + 1}: code fence never closed"
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        blocks.append(Block(lang, "\n".join(lines[i + 1 : j]), i + 1, lines[k] if k >= 0 else ""))
        i = j + 1
    return blocks


def cpp_blocks() -> list[Block]:
    return [b for b in doc_blocks() if b.lang == "cpp"] if DOC.exists() else []


def header_regions(path: Path) -> dict[str, str]:
    """The marked regions of one header, by id; asserts that the markers are well formed."""
    rel = path.relative_to(ROOT).as_posix()
    lines = path.read_text(encoding="utf-8").split("\n")
    regions: dict[str, str] = {}
    open_id, start = None, 0
    for n, line in enumerate(lines):
        m = MARKER.match(line)
        if not m:
            assert not MARKER_LIKE.search(line), (
                f"{rel}:{n + 1}: a chapter-port marker must be a line of its own: "
                f"'// [chapter-port: <id>]' or '// [/chapter-port: <id>]'"
            )
            continue
        closing, marker_id = m.group(1) == "/", m.group(2)
        if not closing:
            assert open_id is None, f"{rel}:{n + 1}: region {marker_id} opens inside {open_id}"
            assert marker_id not in regions, f"{rel}:{n + 1}: region {marker_id} marked twice"
            open_id, start = marker_id, n + 1
        else:
            assert open_id == marker_id, (
                f"{rel}:{n + 1}: closes {marker_id}, but the open region is {open_id}"
            )
            regions[marker_id] = "\n".join(lines[start:n])
            open_id = None
    assert open_id is None, f"{rel}: region {open_id} is never closed"
    return regions


def all_regions() -> dict[str, dict[str, str]]:
    """Marked regions of every strategy header: {relative path: {id: text}}."""
    out = {}
    for path in sorted(STRATEGIES.glob("*.hpp")):
        regions = header_regions(path)
        if regions:
            out[path.relative_to(ROOT).as_posix()] = regions
    return out


def design_ids() -> list[str]:
    for path in DESIGN_CANDIDATES:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        section = re.search(r"^## 1\..*?(?=^## )", text, re.M | re.S)
        assert section, f"{path}: no '## 1.' section"
        ids = re.findall(r"^\| `([A-Za-z0-9_]+)` \|", section.group(0), re.M)
        assert ids, f"{path}: no strategy ids in the table of section 1"
        return ids
    context = json.loads(REGISTRY_FIXTURE.read_text(encoding="utf-8"))["context"]
    return [s["name"] for s in json.loads(context["fanout_registry"])["strategies"]]


def test_page_exists_and_has_ports():
    assert DOC.is_file(), f"missing {DOC.relative_to(ROOT)}"
    assert cpp_blocks(), "the page has no ```cpp block"


def test_markers_are_well_formed():
    regions = all_regions()
    assert regions, "no header in harness/strategies has a chapter-port region"
    for rel, by_id in regions.items():
        stem = Path(rel).stem
        # One region per header, named after the strategy: the page's intro line names the file,
        # and the file names the region.
        assert list(by_id) == [stem], f"{rel}: expected exactly one region, '{stem}'; got {list(by_id)}"
        assert by_id[stem].strip(), f"{rel}: region {stem} is empty"


@pytest.mark.parametrize("block", cpp_blocks(), ids=lambda b: f"line{b.line}")
def test_cpp_block_is_verbatim_from_its_header(block: Block):
    m = INTRO.match(block.intro)
    assert m, (
        f"{DOC.name}:{block.line}: a ```cpp block must follow a line "
        f"'From [harness/strategies/<id>.hpp](../harness/strategies/<id>.hpp):', got {block.intro!r}"
    )
    assert m.group("shown") == m.group("target"), (
        f"{DOC.name}:{block.line}: the link text and target name different files: {block.intro!r}"
    )
    rel = m.group("shown")
    path = ROOT / rel
    assert path.is_file(), f"{DOC.name}:{block.line}: {rel} does not exist"
    regions = header_regions(path)
    stem = path.stem
    assert stem in regions, f"{rel} has no '// [chapter-port: {stem}]' region"
    expected = regions[stem]
    if block.text != expected:
        diff = "\n".join(
            difflib.unified_diff(
                expected.split("\n"),
                block.text.split("\n"),
                f"{rel} (region {stem})",
                f"{DOC.name} (block at line {block.line})",
                lineterm="",
            )
        )
        pytest.fail(f"the page's block differs from the code; copy the region again:\n{diff}")


def test_every_marked_region_is_on_the_page():
    shown = [INTRO.match(b.intro).group("shown") for b in cpp_blocks() if INTRO.match(b.intro)]
    duplicated = sorted({rel for rel in shown if shown.count(rel) > 1})
    assert not duplicated, f"regions shown more than once: {duplicated}"
    unused = sorted(set(all_regions()) - set(shown))
    assert not unused, f"marked regions not on the page: {unused}"


def test_every_design_strategy_is_on_the_page():
    text = DOC.read_text(encoding="utf-8")
    ids = design_ids()
    missing = [i for i in ids if f"`{i}`" not in text]
    assert not missing, f"strategy ids of the design missing from the page: {missing}"
    shown = {INTRO.match(b.intro).group("shown") for b in cpp_blocks() if INTRO.match(b.intro)}
    unported = [i for i in ids if f"harness/strategies/{i}.hpp" not in shown]
    assert not unported, f"strategies of the design without their C++ port on the page: {unported}"


def test_rust_snippets_keep_the_corrections():
    rust = [b for b in doc_blocks() if b.lang == "rust"]
    assert rust, "the page has no ```rust block"
    for b in rust:
        for n, line in enumerate(b.text.split("\n"), start=b.line + 1):
            where = f"{DOC.name}:{n}"
            # Channel: a send that is not awaited sends nothing.
            if "tx.send(" in line:
                assert line.rstrip().endswith(".await;"), f"{where}: tx.send(...) must be awaited"
            # JoinSet: join_next() gives Option<Result<..>>; unwrapping the Option panics at the end.
            assert "join_next().await.unwrap()" not in line, f"{where}: unwrap on join_next's Option"
            # The chapter's `let mut responses = vec![]` without its semicolon.
            if re.match(r"^\s*let\b.*=\s*vec!\[\]", line):
                assert line.rstrip().endswith(";"), f"{where}: missing ';'"
