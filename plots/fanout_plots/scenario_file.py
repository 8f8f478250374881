"""Scenario files (docs/design.md section 10): a TOML description of one system's work, checked
here before anything runs, and written out as the plain lines bm_fanout reads
(benchmarks/scenario.hpp).

    scenario = load("scenarios/web_api.toml")     # raises ScenarioError: one line, key named
    text = lines_for(scenario)                     # for bm_fanout --fanout_scenario=FILE

A scenario is:

    name = "..."                 description = "..."
    order = "wait_then_compute"  # or "compute_then_wait"
    items = [100, 2000]          limits = [16, 64]    workers = [2]
    rates = [500.0]              strategies = ["..."]  ci_target = 0.03
    [wait]     latency = "lognormal:median=20,p99=250"   # or latency_file = "x.csv", column = "ms"
    [compute]  ms = 0.3                                   # or frames = 2; 0: pure waiting

Strategy names are checked by bm_fanout against its registry, the one list of them.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import tomllib
from dataclasses import dataclass

SPEC_FORMS = "fixed:L, uniform:A-B or lognormal:median=M,p99=P (ms)"
ORDERS = ("wait_then_compute", "compute_then_wait")
_NUM = r"(\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
SPECS = {"fixed": re.compile(rf"fixed:(?P<a>{_NUM})"),
         "uniform": re.compile(rf"uniform:(?P<a>{_NUM})-(?P<b>{_NUM})"),
         "lognormal": re.compile(rf"lognormal:median=(?P<a>{_NUM}),p99=(?P<b>{_NUM})")}
# Each key: (what is accepted, in words); tables hold their own keys.
TOP = {"name": "a non-empty string", "description": "a string",
       "order": " or ".join(ORDERS), "items": "a whole number >= 1, or a list of them",
       "limits": "a whole number >= 1, or a list of them",
       "workers": "a whole number >= 1, or a list of them",
       "rates": "a number > 0 (items per second), or a list of them",
       "strategies": "a list of strategy names", "ci_target": "a number in (0, 0.5]",
       "wait": "a table", "compute": "a table"}
WAIT = {"latency": SPEC_FORMS, "latency_file": "a file of latencies in ms, one per line, or a CSV "
        "file with `column`", "column": "the CSV column of latency_file holding ms"}
COMPUTE = {"ms": "a number >= 0 (CPU ms per item; 0: pure waiting)",
           "frames": "a whole number >= 0 (transcode frames per item)"}
TABLES = {"wait": WAIT, "compute": COMPUTE}
MAX_ITEMS = 1_000_000


class ScenarioError(Exception):
    """A scenario that cannot run: str() is the one line to print."""


@dataclass
class Scenario:
    path: str
    doc: dict  # the TOML as read, for the context and scenario.md
    latency: str | None
    latency_values: list | None
    compute_ms: float
    frames: int
    order: str
    items: list
    limits: list
    workers: list
    rates: list
    strategies: list
    ci_target: float


class _Checker:
    """Finds keys' lines in the text (tomllib gives none) and words each refusal."""

    def __init__(self, path: str, text: str) -> None:
        self.path, self.lines = path, text.splitlines()

    def line_of(self, table: str, key: str | None) -> int | None:
        """The line of `key` in `[table]` ("" for the top level); of the table's header for
        key None."""
        current = ""
        for number, line in enumerate(self.lines, 1):
            head = re.match(r"\s*\[\s*([A-Za-z0-9_.-]+)\s*\]", line)
            if head:
                current = head.group(1)
                if key is None and current == table:
                    return number
            elif current == table and key and re.match(rf"\s*{re.escape(key)}\s*=", line):
                return number
        return None

    def fail(self, key: str, problem: str, accepted: str = "", line: int | None = None):
        table, _, name = key.rpartition(".")
        line = line or self.line_of(table, name) or (self.line_of(table, None) if table else None)
        where = f"{self.path}:{line}" if line else self.path
        tail = f"; accepted: {accepted}" if accepted else ""
        raise ScenarioError(f"scenario {where}: key '{key}': {problem}{tail}")


def _parse(path: str) -> tuple:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"scenario {path}: cannot read: {getattr(e, 'strerror', e)}") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"scenario {path}: not TOML: {e}") from None


def _no_unknown_keys(c: _Checker, doc: dict) -> None:
    for key, value in doc.items():
        if key not in TOP:
            c.fail(key, "unknown key", "keys " + ", ".join(TOP))
        if key in TABLES:
            if not isinstance(value, dict):
                c.fail(key, f"not a table: {value!r}", TOP[key])
            for sub in value:
                if sub not in TABLES[key]:
                    c.fail(f"{key}.{sub}", "unknown key", f"in [{key}]: " + ", ".join(TABLES[key]))


def _number(c: _Checker, key: str, value, accepted: str, whole=False, least=0.0, above=False):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok and whole and not isinstance(value, int):
        ok = False
    if not ok or not math.isfinite(value):
        c.fail(key, f"not a{' whole' if whole else ''} number: {value!r}", accepted)
    if value < least or (above and value == least):
        c.fail(key, f"{'negative' if value < 0 else 'out of range'}: {value!r}", accepted)
    return value


def _list(c: _Checker, doc: dict, key: str, default: list, whole=True) -> list:
    value = doc.get(key, default)
    values = value if isinstance(value, list) else [value]
    if not values and key in doc:
        c.fail(key, "an empty list", TOP[key])
    out = [_number(c, key, v, TOP[key], whole=whole, least=0 if not whole else 1, above=not whole)
           for v in values]
    if key == "items" and any(v > MAX_ITEMS for v in out):
        c.fail(key, f"more than {MAX_ITEMS:,} items", TOP[key])
    return out


def _spec(c: _Checker, value) -> str:
    if not isinstance(value, str):
        c.fail("wait.latency", f"not a string: {value!r}", SPEC_FORMS)
    kind = value.partition(":")[0]
    m = SPECS[kind].fullmatch(value) if kind in SPECS else None
    if re.search(r"[:=,]-", value):
        c.fail("wait.latency", f"a negative value in {value!r}", SPEC_FORMS)
    if m is None:
        c.fail("wait.latency", f"bad spec {value!r}", SPEC_FORMS)
    a = float(m.group("a"))
    b = float(m.groupdict().get("b") or a)
    if kind == "uniform" and a > b:
        c.fail("wait.latency", f"A = {a:g} exceeds B = {b:g} in {value!r}", SPEC_FORMS)
    if kind == "lognormal" and not 0 < a < b:
        c.fail("wait.latency", f"needs P > M > 0 in {value!r}", SPEC_FORMS)
    return value


def _latency_values(c: _Checker, scenario_path: str, wait: dict) -> list:
    name = wait["latency_file"]
    if not isinstance(name, str) or not name:
        c.fail("wait.latency_file", f"not a file name: {name!r}", WAIT["latency_file"])
    path = os.path.join(os.path.dirname(os.path.abspath(scenario_path)), name)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        c.fail("wait.latency_file", f"cannot read {name}: {getattr(e, 'strerror', e)}",
               WAIT["latency_file"])
    column = wait.get("column")
    rows = _column(c, name, text, column) if column is not None else _plain(text)
    if not rows:
        c.fail("wait.latency_file", f"{name} holds no latencies", WAIT["latency_file"])
    values = []
    for line, cell in rows:
        try:
            v = float(cell)
        except ValueError:
            v = math.nan
        if not math.isfinite(v) or v < 0:
            c.fail("wait.latency_file", f"{name}:{line}: {cell!r} is not a latency",
                   "numbers >= 0 (ms)")
        values.append(v)
    return values


def _plain(text: str) -> list:
    """(line, text) of each line that is not blank or a `#` comment."""
    return [(n, s.strip()) for n, s in enumerate(text.splitlines(), 1)
            if s.strip() and not s.strip().startswith("#")]


def _column(c: _Checker, name: str, text: str, column) -> list:
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.strip() for h in rows[0]] if rows else []
    if not isinstance(column, str) or column not in header:
        c.fail("wait.column", f"{column!r} is not a column of {name}",
               "one of " + (", ".join(header) or "(no header)"))
    i = header.index(column)
    return [(n, (r[i] if i < len(r) else "").strip()) for n, r in enumerate(rows[1:], 2)
            if any(cell.strip() for cell in r)]


def _wait(c: _Checker, path: str, doc: dict) -> tuple:
    wait = doc.get("wait")
    if wait is None or ("latency" not in wait and "latency_file" not in wait):
        c.fail("wait.latency", "missing: a scenario needs its wait",
               f"latency = {SPEC_FORMS}, or latency_file", line=None)
    if "latency" in wait and "latency_file" in wait:
        c.fail("wait.latency_file", "given with latency: one of the two", "latency or latency_file")
    if "column" in wait and "latency_file" not in wait:
        c.fail("wait.column", "without latency_file", WAIT["column"])
    if "latency" in wait:
        return _spec(c, wait["latency"]), None
    return None, _latency_values(c, path, wait)


def _compute(c: _Checker, doc: dict) -> tuple:
    compute = doc.get("compute", {})
    if "ms" in compute and "frames" in compute:
        c.fail("compute.frames", "given with ms: one of the two", "ms or frames")
    ms = _number(c, "compute.ms", compute.get("ms", 0), COMPUTE["ms"])
    frames = _number(c, "compute.frames", compute.get("frames", 0), COMPUTE["frames"], whole=True)
    return float(ms), int(frames)


def _top(c: _Checker, doc: dict) -> dict:
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        c.fail("name", "missing" if name is None else f"not a name: {name!r}", TOP["name"])
    if not isinstance(doc.get("description", ""), str):
        c.fail("description", "not a string", TOP["description"])
    if "items" not in doc:
        c.fail("items", "missing", TOP["items"])
    order = doc.get("order", ORDERS[0])
    if order not in ORDERS:
        c.fail("order", f"unknown order {order!r}", TOP["order"])
    strategies = doc.get("strategies", [])
    if not isinstance(strategies, list) or not all(isinstance(s, str) and re.fullmatch(
            r"[a-z0-9_]+", s) for s in strategies) or ("strategies" in doc and not strategies):
        c.fail("strategies", f"not a list of names: {strategies!r}", TOP["strategies"])
    ci = _number(c, "ci_target", doc.get("ci_target", 0.03), TOP["ci_target"], above=True)
    if ci > 0.5:
        c.fail("ci_target", f"out of range: {ci!r}", TOP["ci_target"])
    return {"order": order, "strategies": strategies, "ci_target": float(ci),
            "items": _list(c, doc, "items", []), "limits": _list(c, doc, "limits", [10]),
            "workers": _list(c, doc, "workers", []),
            "rates": [float(r) for r in _list(c, doc, "rates", [], whole=False)]}


def load(path: str) -> Scenario:
    """The checked scenario of a TOML file; ScenarioError names the file, key, line and what is
    accepted."""
    text, doc = _parse(path)
    c = _Checker(path, text)
    _no_unknown_keys(c, doc)
    top = _top(c, doc)
    latency, values = _wait(c, path, doc)
    ms, frames = _compute(c, doc)
    return Scenario(path=path, doc=doc, latency=latency, latency_values=values, compute_ms=ms,
                    frames=frames, **top)


def _nums(values) -> str:
    return " ".join(repr(float(v)) if isinstance(v, float) else str(v) for v in values)


def context_json(s: Scenario) -> str:
    """The scenario for the run's context: the file as read, its path, and for a latency file
    how many latencies it gave."""
    doc = {"file": s.path, "scenario": s.doc}
    if s.latency_values is not None:
        doc["latency_file_values"] = len(s.latency_values)
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str)


def lines_for(s: Scenario) -> str:
    """The plain lines of benchmarks/scenario.hpp."""
    out = [f"source {s.path}", f"order {s.order}", f"items {_nums(s.items)}",
           f"limits {_nums(s.limits)}", f"ci_target {s.ci_target!r}"]
    out.append(f"latency {s.latency}" if s.latency else
               f"latency_values {_nums(s.latency_values)}")
    out.append(f"frames {s.frames}" if s.frames else f"compute_ms {s.compute_ms!r}")
    for key in ("workers", "rates", "strategies"):
        if getattr(s, key):
            out.append(f"{key} {_nums(getattr(s, key))}")
    out.append(f"json {context_json(s)}")
    return "\n".join(out) + "\n"
