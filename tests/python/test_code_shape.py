"""The shape rules of the Python code: no function longer than MAX_LINES (from its `def` line
to its last line) in plots/ and tests/, and no strategy named in the plot tool, whose names
come from the results' registry.

Run from the repository root:  /usr/bin/python3 -m pytest -q tests/python/test_code_shape.py
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 60
REGISTRY_FIXTURE = ROOT / "tests" / "fixtures" / "dev-2core" / "bm_fanout.json"


def python_files(*folders: str) -> list:
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py")
                  if "__pycache__" not in p.parts)


def long_functions(path: Path) -> list:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: "
            f"{node.end_lineno - node.lineno + 1} lines"
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_LINES]


def test_no_function_is_longer_than_the_limit():
    files = python_files("plots", "tests")
    assert len(files) > 20
    too_long = [x for path in files for x in long_functions(path)]
    assert not too_long, "\n".join(too_long)


def _names_in(path: Path, names: list) -> list:
    """The names a file holds: anywhere for a name with an underscore (no English word has
    one, so it also catches a hazard variant built on it), else as a whole string constant."""
    text = path.read_text(encoding="utf-8")
    constants = {n.value for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Constant)}
    return [f"{path.relative_to(ROOT)}: {name}" for name in names
            if ("_" in name and name in text) or name in constants]


def test_the_plot_tool_names_no_bounded_strategy():
    # Strategy order, traits and captions come from `fanout_registry`; a strategy name in the
    # code would be a list kept by hand beside it.
    context = json.loads(REGISTRY_FIXTURE.read_text(encoding="utf-8"))["context"]
    bounded = [s["name"] for s in json.loads(context["fanout_registry"])["strategies"]
               if "limit" in s["params"]]
    assert any("_" in name for name in bounded)
    named = [x for path in python_files("plots") for x in _names_in(path, bounded)]
    assert not named, named
