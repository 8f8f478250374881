"""Writing files whole or not at all, and formatting numbers, tables and folders for Markdown."""

from __future__ import annotations

import math
import os
import re
import tempfile
from contextlib import contextmanager


@contextmanager
def atomic_path(path: str):
    """Yields a temporary path beside `path`, renamed onto it only if the block succeeds.

    The temporary name starts with a dot and sits in the same folder, so that os.replace is a
    rename within one file system and an interrupted run leaves no file under the final name.
    """
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        yield tmp
        # mkstemp creates the file private; the result should be as readable as any other.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str, text: str) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)


def folder_name(path: str, out_dir: str) -> str:
    """A result folder as a Markdown file in out_dir names it, never by its absolute path
    (often a temporary folder): relative to out_dir where it is inside out_dir or beside it
    (`this folder`, `run`, `../run`), else by its last two names (results/<label>/<timestamp>:
    the run's label and time), which do not depend on where the runs happen to lie."""
    path, out_dir = os.path.abspath(path), os.path.abspath(out_dir)
    rel = os.path.relpath(path, out_dir)
    if rel == ".":
        return "this folder"
    if not rel.startswith(".." + os.sep + "..") and rel != "..":
        return rel
    return "/".join(path.split(os.sep)[-2:])


def jsonable(v):
    """v with every NaN or infinity replaced by None, as JSON has no such numbers."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    return v


def ratio(a, b) -> float:
    """a / b, or NaN where b is zero or either is missing (a skipped or zero-time benchmark)."""
    try:
        return float(a) / float(b) if b and math.isfinite(b) and math.isfinite(a) else math.nan
    except (TypeError, ValueError):
        return math.nan


def num(v, digits: int = 4) -> str:
    """A median for a table: 4 significant digits, thousands separated, 'n/a' for missing."""
    if v is None or not isinstance(v, (int, float)) or not math.isfinite(v):
        return "n/a"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}g}" if v else "0"


def pct(v) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{100 * v:.1f}%"


def times(v) -> str:
    """A ratio such as '1.03x' or '112x'."""
    if v is None or not math.isfinite(v):
        return "n/a"
    return f"{v:.3g}×" if v < 1000 else f"{v:,.0f}×"


def rows_text(benches) -> str:
    """' Rows: `a`, `b`.': the benchmarks a finding rests on, each named once, in order."""
    names = list(dict.fromkeys(b.name for b in benches))
    return " Rows: " + ", ".join(f"`{n}`" for n in names) + "." if names else ""


_NUMBER = r"[-+]?[\d,]*\.?\d+(e[-+]?\d+)?[%×]?"
# A number, or a median with its interval: "12.3 [12.1, 12.6]".
_NUMERIC = re.compile(rf"^(n/a|{_NUMBER}( \[{_NUMBER}, {_NUMBER}\])?)$")


def table(headers: list, rows: list) -> str:
    """A Markdown table: columns of numbers right-aligned, columns of text left-aligned."""
    def cell(c) -> str:
        return str(c).replace("|", "\\|").replace("\n", " ")

    def numeric(i: int) -> bool:
        vals = [cell(r[i]) for r in rows if i < len(r)]
        return bool(vals) and all(_NUMERIC.match(v) for v in vals)

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |",
             "|" + "|".join("---:" if numeric(i) else "---" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
