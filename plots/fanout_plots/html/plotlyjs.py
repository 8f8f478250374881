"""plotly.js from Debian's python3-plotly, minified once for embedding.

Debian ships plotly.js unminified (8.6 MB); esbuild (Debian package `esbuild`) minifies it to
about 3.8 MB in two seconds. The result is kept in the user's cache folder, named by the
source's size and modification time, so that later pages embed it at once. Without esbuild the
page embeds the unminified file and says so on stderr.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from ..output import write_text

# Where Debian's python3-plotly keeps plotly.js (plotly.offline.get_plotlyjs reads it there).
DEBIAN_PLOTLY_JS = "/usr/share/python3-plotly/plotly.js"


def _source() -> tuple:
    """(path, text) of the unminified plotly.js."""
    try:
        from plotly.offline import get_plotlyjs
    except ImportError as e:
        raise OSError(f"python3-plotly is not installed ({e}); run cmake/bootstrap.sh") from None
    return DEBIAN_PLOTLY_JS, get_plotlyjs()


def _cache_path(source: str) -> str:
    st = os.stat(source)
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(root, "fanout-bench", f"plotly-{st.st_size}-{int(st.st_mtime)}.min.js")


def _minify(text: str) -> str | None:
    esbuild = shutil.which("esbuild")
    if esbuild is None:
        return None
    done = subprocess.run([esbuild, "--minify", "--log-level=error"], input=text,
                          capture_output=True, text=True, timeout=120)
    return done.stdout if done.returncode == 0 and done.stdout else None


def plotly_js() -> str:
    """The minified plotly.js (from the cache, or minified now), or the unminified one."""
    path, text = _source()
    cached = _cache_path(path) if os.path.exists(path) else None
    if cached and os.path.exists(cached):
        with open(cached, encoding="utf-8") as f:
            return f.read()
    small = _minify(text)
    if small is None:
        print("fanout_report.py: esbuild not found: report.html embeds plotly.js unminified "
              "(8.6 MB); cmake/bootstrap.sh installs it", file=sys.stderr)
        return text
    if cached:
        try:
            os.makedirs(os.path.dirname(cached), exist_ok=True)
            write_text(cached, small)
        except OSError:
            pass  # a read-only home: minify again next time
    return small
