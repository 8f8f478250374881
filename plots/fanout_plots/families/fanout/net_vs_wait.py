"""What the timer simulation leaves out: each strategy's `net` fan-out (a real HTTP GET over
loopback TCP per item) beside its `wait` twin (the same items, latency and strategy parameters,
a libuv timer instead of the socket), in makespan and in CPU per item (docs/design.md
section 2)."""

from __future__ import annotations

import math

from ... import select as sel
from ...figure import FigureResult
from ...output import num
from ...style import finish, new_figure, save

NET, WAIT = "net", "wait"
# The parameters that make a net benchmark and a wait benchmark the same fan-out.
TWIN_KEYS = ("items", "limit", "capacity", "workers", "latency_ms")
# The net connection policies, by their `conn_pool` counter, as the figure names them.
POLICIES = ((0, "net conn:per_item"), (1, "net conn:pool"))
SERIES = ((WAIT, "wait (timer)", "o"), (0, POLICIES[0][1], "s"), (1, POLICIES[1][1], "^"))


def _key(b) -> tuple:
    return (b.strategy,) + tuple(b.params.get(k) for k in TWIN_KEYS)


def _twins(run) -> dict:
    """{strategy: {series: bench}} at the net benchmarks' largest size, where connections cost
    most, for the strategies that wait has the same fan-out of."""
    nets = sel.of_workload(run, NET)
    if not nets:
        return {}
    items = max(b.params.get("items", 0) for b in nets)
    waits = {_key(b): b for b in sel.of_workload(run, WAIT)}
    out: dict = {}
    for b in nets:
        twin = waits.get(_key(b))
        if b.params.get("items") != items or twin is None:
            continue
        row = out.setdefault(b.strategy, {WAIT: twin})
        row.setdefault(int(b.params.get("conn_pool", 0)), b)
    return out


def _value(b, key: str) -> float:
    return b.median(key) if b is not None and b.has(key) else math.nan


def _panel(ax, strategies, per, key, xlabel) -> None:
    for s_i, s in enumerate(strategies):
        for c_i, ((series, label, marker), dy) in enumerate(zip(SERIES, (-0.2, 0.0, 0.2))):
            v = _value(per[s].get(series), key)
            if math.isfinite(v):
                ax.plot([v], [s_i + dy], marker=marker, linestyle="", label=label,
                        color=f"C{c_i}")
    ax.set_yticks(range(len(strategies)), strategies)
    ax.set_ylim(len(strategies) - 0.5, -0.5)
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)


def _rows(strategies, per) -> list:
    rows = []
    for s in strategies:
        wait = per[s][WAIT]
        row = [s, num(wait.params.get("items"))]
        for key in ("real_time", "cpu_us_per_item"):
            base = _value(wait, key)
            row.append(num(base))
            for policy, _ in POLICIES:
                v = _value(per[s].get(policy), key)
                row += [num(v), num(v - base)]
        rows.append(row)
    return rows


def net_vs_wait(runs, styles, out_dir):
    run = next((r for r in runs if _twins(r)), None)
    if run is None:
        return None
    per = _twins(run)
    strategies = sel.strategies_of([b for row in per.values() for b in row.values()])
    fig, axes = new_figure(2, width=11.0, height=0.45 * len(strategies) + 2.4, sharey=True)
    _panel(axes[0, 0], strategies, per, "real_time", "makespan [ms]")
    _panel(axes[0, 1], strategies, per, "cpu_us_per_item", "process CPU per item [µs]")
    title = "net against wait: what a timer leaves out"
    handles, labels = axes[0, 0].get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    finish(fig, [run], title, list(unique.values()), ncol=3)
    headers = ["strategy", "items", "wait makespan [ms]"]
    for _, label in POLICIES:
        headers += [f"{label} [ms]", "Δ [ms]"]
    headers.append("wait CPU/item [µs]")
    for _, label in POLICIES:
        headers += [f"{label} CPU/item [µs]", "Δ [µs]"]
    caption = (f"Run {run.label}: each strategy's median makespan and process CPU per item on "
               "net (a real HTTP GET over loopback TCP per item, per connection policy) and on "
               "wait with the same items, latency and parameters (a libuv timer instead of the "
               "socket), at net's largest size (a strategy whose ideal there exceeds the profile's "
               "budget is skipped, and absent). Δ is net minus wait: the connect, the "
               "syscalls, epoll readiness and the server's own work that a timer simulation "
               "does not pay (the server runs in the same process, so its CPU is counted too).")
    return FigureResult("net_vs_wait", title, caption, headers, _rows(strategies, per), "",
                        save(fig, out_dir, "net_vs_wait"))
