"""Headless Chromium (Debian's `chromium`) driven through the DevTools protocol, for the browser
tests: open a page, evaluate JavaScript, collect console errors, take a screenshot.

    with Browser(tmp_path) as b:
        b.open("file:///.../report.html")
        b.wait_for("window.fanoutReport && window.fanoutReport.ready")
        b.errors          # console errors and uncaught exceptions, as text

Every call has a timeout: a browser that hangs fails the test (TimeoutError), never hangs it.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request

import websocket

TIMEOUT_S = 30


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    def __init__(self, profile_dir, width: int = 1400, height: int = 1000) -> None:
        self._profile = os.path.join(str(profile_dir), "chromium-profile")
        self._size = (width, height)
        self._ids = itertools.count(1)
        self.errors: list = []
        self._proc = None
        self._ws = None

    def __enter__(self) -> Browser:
        exe = chromium_path()
        if exe is None:
            raise RuntimeError("chromium is not installed (cmake/bootstrap.sh installs it)")
        os.makedirs(self._profile, exist_ok=True)
        # A port file left by an earlier browser in this profile would name a closed port.
        if os.path.exists(self._port_file()):
            os.unlink(self._port_file())
        self._proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-extensions", "--disable-background-networking", "--hide-scrollbars",
             f"--user-data-dir={self._profile}", "--remote-debugging-port=0",
             f"--window-size={self._size[0]},{self._size[1]}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            self._ws = websocket.create_connection(self._page_socket(), timeout=TIMEOUT_S,
                                                   suppress_origin=True)
            for domain in ("Page", "Runtime", "Log"):
                self.call(f"{domain}.enable")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self._ws is not None:
            self._ws.close()
        if self._proc is not None:
            # The browser and the helpers it started, in the session of its own it leads.
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self._proc.pid, sig)
                    self._proc.wait(timeout=10)
                    break
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue

    def _port_file(self) -> str:
        return os.path.join(self._profile, "DevToolsActivePort")

    def _page_socket(self) -> str:
        """The page target's WebSocket, once Chromium has written its port."""
        port_file = self._port_file()
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"chromium exited with status {self._proc.returncode}")
            if os.path.exists(port_file):
                with open(port_file) as f:
                    port = f.readline().strip()
                pages = self._pages(port) if port else []
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.1)
        raise TimeoutError("chromium did not open its DevTools port")

    @staticmethod
    def _pages(port: str) -> list:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list",
                                        timeout=TIMEOUT_S) as r:
                return [t for t in json.load(r) if t.get("type") == "page"]
        except OSError:  # not listening yet
            return []

    def _event(self, msg: dict) -> None:
        method, params = msg.get("method"), msg.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.errors.append(" ".join(str(a.get("value", a.get("description", "")))
                                        for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            d = params.get("exceptionDetails", {})
            self.errors.append(d.get("exception", {}).get("description") or d.get("text", ""))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            self.errors.append(params["entry"].get("text", ""))

    def call(self, method: str, **params) -> dict:
        """One DevTools command; its result, recording the events that arrive meanwhile."""
        i = next(self._ids)
        self._ws.send(json.dumps({"id": i, "method": method, "params": params}))
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            msg = json.loads(self._ws.recv())
            if msg.get("id") == i:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._event(msg)
        raise TimeoutError(f"{method}: no answer within {TIMEOUT_S} s")

    def eval(self, expression: str):
        """The value of a JavaScript expression (awaited if it is a promise)."""
        r = self.call("Runtime.evaluate", expression=expression, awaitPromise=True,
                      returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression}: {r['exceptionDetails'].get('text')}")
        return r.get("result", {}).get("value")

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def wait_for(self, expression: str, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.eval(f"Boolean({expression})"):
                return
            time.sleep(0.1)
        raise TimeoutError(f"{expression} still false after {timeout_s} s")

    def screenshot(self, path, full_page: bool = False) -> None:
        params = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        data = self.call("Page.captureScreenshot", **params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
