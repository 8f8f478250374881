"""scenario.md: a scenario run's answer for people (recommend.py computes it), and the part of
comparison.md that sets one scenario's answers on two machines side by side.

    text = render(run, recommend(run), out_dir)
"""

from __future__ import annotations

import json
import math

from .output import folder_name, num, table
from .recommend import FAMILY, headline, recommend, scenario_of, where
from .stats import MIN_FOR_LEVEL, ratio_ci

NOT_MEASURED = "not measured"


def _ci_cell(r: dict, name: str) -> str:
    med, lo, hi = (r.get(f"{name}_{k}") for k in ("ms", "ci_low", "ci_high"))
    if med is None:
        return "n/a"
    return num(med) if lo is None or lo == hi else f"{num(med)} [{num(lo)}, {num(hi)}]"


def _mem(r: dict) -> str:
    v = r.get("mem_per_item_bytes")
    return "n/a" if v is None else f"{v / 1024:.3g} KiB" if v >= 1024 else f"{v:.0f} B"


def _makespan_table(c: dict) -> str:
    rows = []
    for rank, r in enumerate(c["by_makespan"], 1):
        if not r["measured"]:
            rows.append(["–", r["strategy"], NOT_MEASURED + ": " + r["reason"]] + [""] * 7)
            continue
        rows.append([rank, r["strategy"], _ci_cell(r, "makespan"), _ci_cell(r, "p99"),
                     num(r.get("cores_used"), 3), _mem(r), num(r.get("os_threads")),
                     num(r.get("ideal_ms")), num(r.get("efficiency"), 3), r["n"]])
    return table(["rank", "strategy", "makespan [ms]", "p99 [ms]", "cores used",
                  "memory per item in flight", "OS threads", "ideal [ms]",
                  "efficiency (ideal / makespan)", "n"], rows)


def _p99_table(c: dict) -> str:
    rows = [[rank, r["strategy"], _ci_cell(r, "p99"), _ci_cell(r, "makespan")]
            for rank, r in enumerate((r for r in c["by_p99"] if r["measured"]), 1)]
    return table(["rank", "strategy", "p99 [ms]", "makespan [ms]"], rows)


def _configuration_section(c: dict) -> list:
    return [f"### {where(c)}", headline(c) + " " + headline(c, "p99"),
            "By makespan (medians with 95% CIs; the ideal is the physical bound of each "
            "strategy's shape, docs/design.md section 3):", _makespan_table(c), "By p99:",
            _p99_table(c)]


def _scenario_block(doc: dict) -> str:
    scenario = doc.get("scenario", {})
    text = json.dumps(scenario, indent=1, sort_keys=True, default=str)
    return f"Scenario file `{doc.get('file', 'n/a')}`, as read:\n\n```json\n{text}\n```"


def _open_loop(rec: dict) -> list:
    if not rec["open_loop"]:
        return []
    parts = ["## Open loop", "Items arrive at the scenario's rates (a seeded Poisson process); "
             "p99 is charged from each item's intended arrival (docs/design.md section 5)."]
    for r in rec["open_loop"]:
        v = r["p99_verdict"]
        best = (" and ".join(v["tied"]) + " tie" if v["tied"] else f"{v['winner']} wins"
                if v["winner"] else "no strategy kept up")
        rows = [[rank, x["strategy"], _ci_cell(x, "p99") if x["measured"] else
                 NOT_MEASURED + ": " + x["reason"], num(x["achieved_per_second"]), x["n"]]
                for rank, x in enumerate(r["by_p99"], 1)]
        parts += [f"At {r['rate']:,.0f} items/s {best} on p99.",
                  table(["rank", "strategy", "p99 [ms]", "achieved [1/s]", "n"], rows)]
    return parts


def render(run, rec: dict, out_dir: str) -> str:
    doc = scenario_of(run) or {}
    description = str(doc.get("scenario", {}).get("description") or "").strip()
    parts = [f"# Scenario: {rec['scenario']}"] + ([description] if description else [])
    parts += [f"Run `{folder_name(run.path, out_dir)}` on **{run.label}** ({run.cores} cores), "
              f"{run.repetitions()} repetitions per benchmark. Intervals are distribution-free "
              f"95% CIs of the median (below {MIN_FOR_LEVEL} repetitions: min–max); a margin is "
              "the bootstrap CI of the ratio of medians, and two strategies whose ratio's CI "
              "contains 1 tie (docs/design.md section 9). The same content for machines is in "
              "`recommendation.json`.", "## Recommendation", rec["recommendation"],
              "## Configurations"]
    for c in rec["configurations"]:
        parts += _configuration_section(c)
    if rec["ordered_buffering"]:
        parts += ["## Ordered buffering"] + [o["text"] for o in rec["ordered_buffering"]]
    parts += ["## Hazards"] + ([f"- **{h['hazard']}**: {h['text']}" for h in rec["hazards"]]
                               or ["None of the suite's hazards applies to the strategies on "
                                   "top for this shape of work."])
    parts += _open_loop(rec) + ["## Scenario", _scenario_block(doc)]
    return "\n\n".join(parts) + "\n"


def _config_name(b) -> str:
    """A benchmark's name with its worker count as `cores` where it equals its run's: the same
    scenario on machines with other core counts then compares like for like."""
    segs = ["workers:cores" if s == f"workers:{b.cores}" else s for s in b.name.split("/")]
    return "/".join(segs)


def compare_section(base, other) -> list:
    """comparison.md's part for two runs of one scenario: each machine's answer, and every
    strategy's makespan ratio with its CI, matched with workers = each machine's cores."""
    if not any(b.family == FAMILY for b in base.benches + other.benches):
        return []
    ra, rb = recommend(base), recommend(other)
    parts = ["### Scenario: the answer on each machine"]
    if ra["scenario"] != rb["scenario"]:
        parts.append(f"These are runs of different scenarios ({ra['scenario']}, {rb['scenario']}): "
                     "only benchmarks with the same name are compared.")
    parts += [f"**{base.label}**: {ra['recommendation'].split(chr(10))[0]}",
              f"**{other.label}**: {rb['recommendation'].split(chr(10))[0]}"]
    mine = {_config_name(b): b for b in base.ok() if b.family == FAMILY}
    rows = []
    for b in sorted((b for b in other.ok() if b.family == FAMILY), key=_config_name):
        a = mine.get(_config_name(b))
        if a is not None:
            r = ratio_ci(a.samples("real_time"), b.samples("real_time"))
            rows.append([_config_name(b), num(a.median()), num(b.median()), f"{r.ratio:.3f}",
                         _interval(r.lo, r.hi), r.verdict])
    if rows:
        parts += ["Makespans matched by configuration (`workers:cores`: each machine's cores):",
                  table(["benchmark", f"{base.label} [ms]", f"{other.label} [ms]",
                         f"ratio {other.label}/{base.label}", "95% CI", "verdict"], rows)]
    return parts


def _interval(lo: float, hi: float) -> str:
    return "n/a" if not (math.isfinite(lo) and math.isfinite(hi)) else f"[{lo:.3f}, {hi:.3f}]"
