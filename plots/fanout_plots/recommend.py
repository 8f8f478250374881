"""A scenario run's answer (docs/design.md section 10): per configuration (items, limit,
workers) every strategy ranked by makespan and by p99 with their 95% CIs, the winner, the
runner-up and the margin, ties, where the answer changes, the cost of ordered buffering, and the
hazards that apply to this shape of work.

    rec = recommend(run)         # a dict: what recommendation.json holds
    rec["configurations"][0]["winner"], rec["recommendation"]

The statistics are stats.py's: medians with distribution-free intervals, and the bootstrap
interval of a ratio of medians with its verdict. Two strategies whose ratio's interval contains 1
tie: neither is named the winner over the other.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from . import validity
from .output import jsonable
from .stats import median_ci, ratio_ci

FAMILY = "scenario"
CONTEXT_KEY = "fanout_scenario"
FIELDS = {"makespan": "real_time", "p99": "p99_ms"}
# An item's CPU part below this is the response's parse alone: the scenario only waits.
PURE_WAIT_COMPUTE_MS = 0.05
# Executors (registry traits, docs/design.md section 1).
LOOP, LOOP_POOL, THREAD_PER_ITEM = "loop", "loop+tbb", "threads"
# From this many items a thread per item nears what a default Linux allows a process (and the
# thread_exhaustion hazard's sizes start).
MANY_THREADS = 1000


def scenario_of(run) -> dict | None:
    """The scenario in the run's context, or None for a run of the suite's matrix."""
    text = run.context.get(CONTEXT_KEY)
    if not text:
        return None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return None
    return doc if isinstance(doc, dict) else None


@dataclass
class Entry:
    """One strategy at one configuration."""

    strategy: str
    bench: object  # results.Bench, or None where the strategy has no such benchmark

    @property
    def usable(self) -> bool:
        b = self.bench
        return b is not None and b.error is None and b.n > 0 and not b.invalid

    @property
    def why_not(self) -> str:
        b = self.bench
        if b is None:
            return "not run"
        return b.error or b.invalid or ("no repetitions" if not b.n else "")


def _matches(bench, strategy, key: dict) -> bool:
    p = bench.params
    if p.get("items") != key["items"]:
        return False
    return all(p.get(k) == key[k] for k in ("limit", "workers")
               if k in strategy.params and key.get(k) is not None)


def _values(benches, registry, param: str) -> list:
    vals = {b.params.get(param) for b in benches
            if param in (registry.strategy(b.strategy).params if registry.strategy(b.strategy)
                         else ()) and isinstance(b.params.get(param), (int, float))}
    return sorted(vals) or [None]


def configurations(run) -> list:
    """[(key, [Entry in registry order])] for every items x limit x workers of the run."""
    benches = [b for b in run.benches if b.family == FAMILY]
    reg = run.registry
    present = [s for s in reg.strategies if any(b.strategy == s.name for b in benches)]
    out = []
    for items in sorted({b.params.get("items") for b in benches} - {None}):
        for limit in _values(benches, reg, "limit"):
            for workers in _values(benches, reg, "workers"):
                key = {"items": items, "limit": limit, "workers": workers}
                entries = [Entry(s.name, next((b for b in benches if b.strategy == s.name
                                               and _matches(b, s, key)), None)) for s in present]
                out.append((key, entries))
    return out


def ranked(entries: list, field: str) -> list:
    """The usable entries, fastest median first, then the others in their order."""
    usable = sorted((e for e in entries if e.usable), key=lambda e: e.bench.median(field))
    return usable + [e for e in entries if not e.usable]


def verdict(entries: list, field: str) -> dict:
    """Winner, runner-up, the margin (runner-up over winner) and the strategies that tie with
    the fastest: every one whose ratio's interval against it contains 1."""
    order = [e for e in ranked(entries, field) if e.usable]
    if not order:
        return {"winner": None, "fastest": None, "runner_up": None, "margin": None, "tied": []}
    best = order[0].bench.samples(field)
    tied = [order[0].strategy] + [e.strategy for e in order[1:]
                                  if ratio_ci(best, e.bench.samples(field)).verdict == "same"]
    margin = None
    if len(order) > 1:
        r = ratio_ci(best, order[1].bench.samples(field))
        margin = {"ratio": r.ratio, "ci_low": r.lo, "ci_high": r.hi, "verdict": r.verdict}
    return {"winner": order[0].strategy if len(tied) == 1 else None,
            "fastest": order[0].strategy,
            "runner_up": order[1].strategy if len(order) > 1 else None,
            "margin": margin, "tied": tied if len(tied) > 1 else []}


def _finite(v):
    return v if isinstance(v, (int, float)) and math.isfinite(v) else None


def row(e: Entry) -> dict:
    """One strategy's numbers: medians with their CIs, cores used, memory, its ideal."""
    if not e.usable:
        return {"strategy": e.strategy, "benchmark": e.bench.name if e.bench else None,
                "measured": False, "reason": e.why_not}
    b = e.bench
    out = {"strategy": e.strategy, "benchmark": b.name, "measured": True, "n": b.n}
    for name, field in FIELDS.items():
        ci = median_ci(b.samples(field))
        out |= {f"{name}_ms": ci.median, f"{name}_ci_low": ci.lo, f"{name}_ci_high": ci.hi}
    speedup = validity.speedup(b)
    out |= {"cores_used": b.median("cpu_util"), "mem_per_item_bytes": b.median(
        "mem_per_item_bytes"), "os_threads": b.median("os_threads"),
            "ideal_ms": b.median("ideal_ms"), "efficiency": b.median("efficiency"),
            "compute_ms": b.median("compute_ms"), "speedup_over_t1": speedup}
    return {k: _finite(v) if isinstance(v, float) else v for k, v in out.items()}


def _whole(v):
    return int(v) if isinstance(v, float) and v.is_integer() else v


def configuration(key: dict, entries: list) -> dict:
    out = {k: _whole(v) for k, v in key.items() if v is not None}
    for name, field in FIELDS.items():
        out[f"by_{name}"] = [row(e) for e in ranked(entries, field)]
        out[f"{name}_verdict"] = verdict(entries, field)
    out["winner"] = out["makespan_verdict"]["winner"]
    out["ties"] = out["makespan_verdict"]["tied"]
    return out


def open_loop(run) -> list:
    """Per offered rate of the scenario's open loop (load/.../workload:scenario/...): the
    strategies ranked by corrected p99 (docs/design.md section 5), the verdict and ties."""
    load = [b for b in run.benches if b.family == "load" and "/workload:scenario" in b.name]
    out = []
    for rate in sorted({b.params.get("rate") for b in load} - {None}):
        entries = [Entry(b.strategy, b) for b in sorted(load, key=lambda b: b.rank)
                   if b.params.get("rate") == rate]
        rows = []
        for e in ranked(entries, "p99_ms"):
            ci = median_ci(e.bench.samples("p99_ms"))
            rows.append({"strategy": e.strategy, "benchmark": e.bench.name,
                         "measured": e.usable, "reason": e.why_not, "p99_ms": _finite(ci.median),
                         "p99_ci_low": _finite(ci.lo), "p99_ci_high": _finite(ci.hi),
                         "achieved_per_second": _finite(e.bench.median("achieved_per_second")),
                         "n": e.bench.n})
        out.append({"rate": _whole(rate), "by_p99": rows, "p99_verdict": verdict(entries, "p99_ms")})
    return out


def _pct(ratio: float) -> str:
    return f"{100 * (ratio - 1):+.0f}%" if math.isfinite(ratio) else "n/a"


def where(c: dict) -> str:
    parts = [f"{c['items']:,.0f} items"]
    parts += [f"{k} {c[k]:g}" for k in ("limit", "workers") if c.get(k) is not None]
    return ", ".join(parts)


def headline(c: dict, field: str = "makespan") -> str:
    v = c[f"{field}_verdict"]
    rows = {r["strategy"]: r for r in c[f"by_{field}"]}
    if v["fastest"] is None:
        return f"At {where(c)} no strategy produced a valid {field}."
    best = rows[v["fastest"]]
    cell = (f"{best[f'{field}_ms']:.4g} ms [{best[f'{field}_ci_low']:.4g}, "
            f"{best[f'{field}_ci_high']:.4g}]")
    m = v["margin"]
    margin = (f"{m['ratio']:.3g}× (95% CI [{m['ci_low']:.3g}, {m['ci_high']:.3g}])"
              if m and m["ci_low"] is not None and math.isfinite(m["ci_low"]) else
              f"{m['ratio']:.3g}× (no interval)" if m else "")
    if v["tied"]:
        return (f"At {where(c)}, {' and '.join(f'**{s}**' for s in v['tied'])} tie on {field} "
                f"(fastest {v['fastest']}, {cell}; each interval of the ratio to it contains 1): "
                "no winner within noise; choose between them on cores, threads and memory.")
    if m is None:
        return f"At {where(c)}, **{v['winner']}** is the only strategy measured: {cell}."
    return (f"At {where(c)}, **{v['winner']}** wins on {field} with {cell}; the runner-up, "
            f"{v['runner_up']}, takes {margin} as long.")


def _changes(configs: list) -> list:
    """Sentences where the fastest strategy changes along items or along the limit."""
    out = []
    for dim, others in (("items", ("limit", "workers")), ("limit", ("items", "workers"))):
        groups: dict = {}
        for c in configs:
            groups.setdefault(tuple(c.get(k) for k in others), []).append(c)
        for group in groups.values():
            answers = [(c[dim], c["makespan_verdict"]) for c in group if c.get(dim) is not None]
            sets = [set(v["tied"] or [v["fastest"]]) - {None} for _, v in answers]
            names = [" = ".join(v["tied"]) if v["tied"] else str(v["fastest"]) for _, v in answers]
            # A change: two steps whose best (or tied best) strategies have none in common.
            if any(not (a & b) for a in sets for b in sets):
                fixed = ", ".join(f"{k} {group[0][k]:g}" for k in others
                                  if group[0].get(k) is not None)
                steps = "; ".join(f"at {dim} {x:,.0f}: {n}" for (x, _), n in zip(answers, names))
                out.append(f"The answer changes with {dim} ({fixed}): {steps}.")
    return out


def _ordered_cost(pairs: list, registry) -> list:
    """What ordered buffering costs in p99 and makespan against its unordered twin, per
    configuration: pairs are (configuration dict, its entries)."""
    ordered = [s.name for s in registry.strategies if s.bounded and s.in_order]
    unordered = [s.name for s in registry.strategies if s.bounded and not s.in_order]
    out = []
    for c, entries in pairs:
        usable = {e.strategy: e.bench for e in entries if e.usable}
        out += [_ordered_entry(c, o, u, usable[o], usable[u]) for o in ordered for u in unordered
                if o in usable and u in usable]
    return out


def _ordered_entry(c: dict, o: str, u: str, ob, ub) -> dict:
    entry = {"items": c["items"], "limit": c.get("limit"), "workers": c.get("workers"),
             "ordered": o, "unordered": u}
    for name, field in FIELDS.items():
        r = ratio_ci(ub.samples(field), ob.samples(field))
        entry[name] = {"ratio": r.ratio, "ci_low": r.lo, "ci_high": r.hi, "verdict": r.verdict}
    p = entry["p99"]
    entry["text"] = (f"Ordered buffering ({o}) costs {_pct(p['ratio'])} p99 against {u} at "
                     f"{where(c)} (ratio {p['ratio']:.3g}, 95% CI [{p['ci_low']:.3g}, "
                     f"{p['ci_high']:.3g}]: {_cost_word(p['verdict'])}).")
    return entry


def _cost_word(v: str) -> str:
    return {"slower": "a real cost", "faster": "ordered is faster here",
            "same": "within noise"}.get(v, "no interval")


def _contenders(configs: list) -> list:
    """The strategies that win, come second or tie anywhere, in first-seen order."""
    names = []
    for c in configs:
        for name in FIELDS:
            v = c[f"{name}_verdict"]
            names += [v.get("fastest"), v.get("runner_up")] + v["tied"]
    return [n for n in dict.fromkeys(names) if n]


def _poll_driven(s) -> bool:
    """A set on the caller's loop whose children advance only while the consumer polls."""
    return s.executor in (LOOP, LOOP_POOL) and (s.bounded or not s.in_order)


def _shape(run) -> dict:
    benches = [b for b in run.ok() if b.family == FAMILY]
    compute = max((b.median("compute_ms") for b in benches), default=0.0)
    waits = any((b.params.get("latency_p99_ms") or 0) > 0 for b in benches)
    items = max((b.params.get("items", 0) for b in benches), default=0)
    return {"compute_ms": compute if math.isfinite(compute) else 0.0, "waits": waits,
            "items": items}


def _cpu_bound(run) -> bool:
    """Whether the computing alone, spread over every core, takes at least half of some
    configuration's ideal: where parallel and one-loop strategies differ most."""
    return any(b.params.get("items", 0) * b.median("compute_ms") / run.cores
               >= b.median("ideal_ms") / 2 for b in run.ok() if b.family == FAMILY)


def hazards(run, configs: list) -> list:
    """The hazards of docs/design.md section 4 that apply to this shape of work and to the
    strategies that come out on top."""
    shape, reg = _shape(run), run.registry
    top = [reg.strategy(n) for n in _contenders(configs) if reg.strategy(n)]
    ran = [s for s in reg.strategies if any(b.strategy == s.name for b in run.benches
                                             if b.family == FAMILY)]
    out = []

    def add(name, strategies, text):
        if strategies:
            names = [s.name for s in strategies]
            out.append({"hazard": name, "applies_to": names,
                        "text": text.format(", ".join(names))})

    add("buffered_stream", [s for s in top if _poll_driven(s)] if shape["waits"] else [],
        "A consumer body that awaits: {} poll their children only while the consumer polls, so "
        "a body that awaits (a write, a second request) leaves finished children unpolled and "
        "their connections idle (buffered-stream starvation). Keep awaiting work inside the "
        "future, or spawn the children.")
    add("thread_exhaustion", [s for s in ran if s.executor == THREAD_PER_ITEM
                              and (s in top or shape["items"] >= MANY_THREADS)],
        f"Thread limits: {{}} start an OS thread per item ({shape['items']:,.0f} at the "
        "largest size); past the process's thread limit creating one fails (EAGAIN), and each "
        "holds a stack.")
    add("blocking_loop", [s for s in top if s.executor == LOOP]
        if shape["compute_ms"] >= PURE_WAIT_COMPUTE_MS else [],
        f"CPU work on the loop: {{}} compute each item's {shape['compute_ms']:.3g} ms on the "
        "loop thread, so every wait on that loop fires late by the computing queued ahead of it "
        "(blocking the loop). Offload the CPU part to a pool.")
    add("permit_deadlock", [s for s in top if _poll_driven(s) and s.bounded],
        "Permits held across a fan-out: if each child of {} holds a permit (a pool connection, "
        "a semaphore) that the consumer's body also needs, finished children that are not "
        "polled keep their permits and the body waits forever (deadlock). Take permits inside "
        "spawned tasks, or give the pool more permits than the limit.")
    return out


def _speedup_text(c: dict, cores: int) -> str:
    """For work bound by its CPU (the computing alone, spread on every core, takes at least half
    the ideal): the fastest strategy's speedup over one thread computing every item."""
    fastest = c["makespan_verdict"]["fastest"]
    row = next((r for r in c["by_makespan"] if r["strategy"] == fastest), None)
    if not row or not row.get("speedup_over_t1") or not row.get("ideal_ms"):
        return ""
    t1 = c["items"] * (row.get("compute_ms") or 0)
    if t1 / cores < row["ideal_ms"] / 2:
        return ""
    return (f" Its speedup over one thread computing every item (T1 = items × compute_ms) is "
            f"{row['speedup_over_t1']:.3g}×.")


def recommendation_text(scenario_name: str, run, configs: list, extra: list) -> str:
    """The plain-words answer: the winner at the largest configuration, then what changes,
    what ordered buffering costs, and the hazards."""
    if not configs:
        return f"{scenario_name}: no scenario benchmark produced numbers."
    head = max(configs, key=lambda c: (c["items"], c.get("workers") or 0, c.get("limit") or 0))
    v = head["makespan_verdict"]
    choice = (" or ".join(f"**{s}**" for s in v["tied"]) if v["tied"] else
              f"**{v['winner']}**" if v["winner"] else "no strategy")
    p99 = head["p99_verdict"]
    same = (p99["tied"] or [p99["fastest"]]) == (v["tied"] or [v["fastest"]])
    lines = [f"Recommendation for {scenario_name} on {run.label} ({run.cores} cores): use "
             f"{choice}. " + headline(head) + _speedup_text(head, run.cores) + " "
             + ("The p99 of the items ranks them the same way." if same else headline(head, "p99"))]
    return "\n\n".join(lines + noise_warning(run) + extra)


def noise_warning(run) -> list:
    """A sentence when the machine was busy during the scenario's benchmarks."""
    from .report import noisy_benchmarks

    noisy = [n for n in (noisy_benchmarks(run.context) or [])
             if str(n.get("name", "")).startswith(FAMILY + "/")]
    if not noisy:
        return []
    total = sum(1 for b in run.benches if b.family == FAMILY)
    worst = max(float(n.get("others_cpu") or 0) + float(n.get("steal_cpu") or 0) for n in noisy)
    used = max((b.median("cpu_util") for b in run.ok() if b.family == FAMILY), default=math.nan)
    starved = ""
    if _cpu_bound(run) and used < 0.6 * run.cores:
        starved = (f" No strategy used more than {used:.2g} of the {run.cores} cores, so the "
                   "computing could not spread over them: parallel strategies were not measured "
                   "against one-loop strategies on this machine's cores.")
    return [f"Caution: {len(noisy)} of {total} benchmarks ran while other processes or the "
            f"hypervisor took up to {worst:.2g} cores of this machine; their intervals are wide "
            f"and a tie may only be noise.{starved} Run the scenario again on a quiet machine "
            "before citing it."]


def recommend(run) -> dict:
    """recommendation.json's content for a scenario run."""
    doc = scenario_of(run) or {}
    scenario = doc.get("scenario", {})
    name = str(scenario.get("name") or "scenario")
    pairs = [(configuration(key, entries), entries) for key, entries in configurations(run)]
    configs = [c for c, _ in pairs]
    ordered = _ordered_cost(pairs, run.registry)
    hz = hazards(run, configs)
    extra = _changes(configs) + [o["text"] for o in ordered] + [h["text"] for h in hz]
    return {"scenario": name, "file": doc.get("file"), "machine": run.label,
            "cores": run.cores, "configurations": configs, "changes": _changes(configs),
            "ordered_buffering": ordered, "hazards": hz, "open_loop": open_loop(run),
            "recommendation": recommendation_text(name, run, configs, extra)}


def render_json(rec: dict) -> str:
    return json.dumps(jsonable(rec), indent=1, allow_nan=False) + "\n"
