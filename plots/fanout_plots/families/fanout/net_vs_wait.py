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
            b = per[s].get(series)
            v = _value(b, key)
            if math.isfinite(v):
                ci = b.ci(key)
                ax.errorbar([v], [s_i + dy], xerr=[[v - ci.lo], [ci.hi - v]], fmt=marker,
                            label=label, color=f"C{c_i}", capsize=3)
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


def _answer(strategies, per) -> str:
    """The CPU per item and the makespan that a connection per item adds to each strategy's
    timer twin, as the median and range over the strategies measured both ways."""
    cpu, slower = [], []
    for s in strategies:
        net, wait = per[s].get(0), per[s][WAIT]
        if net is None:
            continue
        cpu.append(_value(net, "cpu_us_per_item") - _value(wait, "cpu_us_per_item"))
        slower.append(_value(net, "real_time") / _value(wait, "real_time"))
    cpu = sorted(v for v in cpu if math.isfinite(v))
    slower = sorted(v for v in slower if math.isfinite(v))
    if not cpu or not slower:
        return ""
    items = num(next(iter(per.values()))[WAIT].params.get("items"))
    return (f"At {items} items, a connection per item adds a median of {num(cpu[len(cpu) // 2])} "
            f"µs of process CPU per item to the timer simulation (from {num(cpu[0])} to "
            f"{num(cpu[-1])} µs over {len(cpu)} strategies) and multiplies the makespan by a "
            f"median of {num(slower[len(slower) // 2])}× (from {num(slower[0])}× to "
            f"{num(slower[-1])}×); the table gives each strategy and the keep-alive pool.")


def net_vs_wait(runs, styles, out_dir):
    run = next((r for r in runs if _twins(r)), None)
    if run is None:
        return None
    per = _twins(run)
    strategies = sel.strategies_of([b for row in per.values() for b in row.values()])
    fig, axes = new_figure(2, width=11.0, height=0.45 * len(strategies) + 2.4, sharey=True)
    _panel(axes[0, 0], strategies, per, "real_time", "makespan [ms]")
    _panel(axes[0, 1], strategies, per, "cpu_us_per_item", "process CPU per item [µs]")
    items = num(next(iter(per.values()))[WAIT].params.get("items"))
    title = f"net against wait at {items} items: what a timer leaves out"
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
                        save(fig, out_dir, "net_vs_wait"),
                        question="What does a timer simulation leave out of a real network "
                                 "fan-out?", answer=_answer(strategies, per))
