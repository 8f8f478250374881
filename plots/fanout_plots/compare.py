"""comparison.md and comparison.json: every other run against the first, benchmark by benchmark.

For each benchmark present in both runs: the ratio of the medians (other over baseline) with
its 95% confidence interval (stats.ratio_ci) and a verdict on the other run, `slower` when the
whole interval lies above 1, `faster` below 1, `same` when it contains 1. Each family compares
its benchmarks on one field, its module's COMPARED_ON: the makespan, or for open-loop ones the
corrected p99 (their makespan is only the length of their arrival schedule). The benchmark
families (families/) add their own parts to comparison.md in the order of FAMILIES: the fan-out
benchmarks compared on numbers that do not depend on the core count, open-loop ones on their
saturation.
"""

from __future__ import annotations

import json
import math

from .families import FAMILIES
from .output import folder_name, jsonable, num, table
from .stats import LEVEL, MIN_FOR_LEVEL, RESAMPLES, SEED, ci_text, ratio_ci

DEFAULT_FIELD = "real_time"
JSON_NAME = "comparison.json"


def compared_on(family: str) -> str:
    """The field a family's benchmarks are compared on."""
    return next((f.COMPARED_ON for f in FAMILIES if f.FAMILY == family), DEFAULT_FIELD)


def _pairs(base, other) -> list:
    """(baseline bench, other bench) for every benchmark with numbers in both, by name."""
    out = []
    for b in sorted(base.ok(), key=lambda b: b.name):
        o = other.find(b.name)
        if o is not None and o.error is None and o.n:
            out.append((b, o))
    return out


def entry(b, o) -> dict:
    """One benchmark of comparison.json: both medians, the ratio, its CI and the verdict."""
    key = compared_on(b.family)
    r = ratio_ci(b.samples(key), o.samples(key))
    return {"name": b.name, "family": b.family, "field": key, "n_base": r.n_base,
            "n_other": r.n_other, "median_base": b.median(key), "median_other": o.median(key),
            "ratio": r.ratio, "ci_low": r.lo, "ci_high": r.hi, "verdict": r.verdict,
            "ci_reaches_level": r.enough}


def entries(base, other) -> list:
    return [entry(b, o) for b, o in _pairs(base, other)]


def _cell(v) -> str:
    return "n/a" if v is None or not math.isfinite(v) else f"{v:.3f}"


def verdict_cell(e: dict, other_label: str) -> str:
    """The verdict, bold where the runs differ; marked where an interval is below 95%."""
    v = e["verdict"]
    text = f"**{other_label} {v}**" if v in ("faster", "slower") else v
    return text if e["ci_reaches_level"] or v == "n/a" else text + " (n < 6)"


def _counts(es: list) -> str:
    by = {v: sum(1 for e in es if e["verdict"] == v) for v in ("slower", "faster", "same", "n/a")}
    return ", ".join(f"{n} {v}" for v, n in by.items() if n or v != "n/a")


def _makespan_table(base, other, es: list) -> list:
    skip = {f.FAMILY for f in FAMILIES if not f.MAKESPAN_COMPARABLE}
    es = [e for e in es if e["family"] not in skip]
    if not es:
        return []
    parts = [f"{len(es)} benchmarks present in both, compared on the makespan; {other.label} "
             f"is: {_counts(es)}."]
    short = sum(1 for e in es if not e["ci_reaches_level"])
    if short:
        parts.append(f"{short} of them have fewer than {MIN_FOR_LEVEL} repetitions on a side: "
                     "too few for a 95% interval of a median, so their ratio's interval covers "
                     "less than 95% (marked n < 6).")
    pairs = {b.name: (b, o) for b, o in _pairs(base, other)}
    rows = [[e["name"], e["n_base"], e["n_other"],
             ci_text(pairs[e["name"]][0].ci(), num), ci_text(pairs[e["name"]][1].ci(), num),
             _cell(e["ratio"]), f"[{_cell(e['ci_low'])}, {_cell(e['ci_high'])}]",
             verdict_cell(e, other.label)] for e in es]
    headers = ["benchmark", f"n {base.label}", f"n {other.label}", f"{base.label} [ms]",
               f"{other.label} [ms]", f"ratio {other.label}/{base.label}",
               "95% CI of the ratio", "verdict"]
    return parts + [table(headers, rows)]


def _machines(runs, out_dir: str) -> str:
    rows = [[r.label, r.context.get("fanout_cpu_model", "n/a"), r.cores,
             r.context.get("fanout_build_type", "n/a"), r.context.get("fanout_git_commit", "n/a"),
             r.repetitions(), f"`{folder_name(r.path, out_dir)}`"]
            for r in runs]
    return table(["machine", "CPU", "cores", "build", "commit", "repetitions", "folder"], rows)


def _pair_section(base, other, es: list) -> str:
    parts = [f"## {other.label} against {base.label}"] + _makespan_table(base, other, es)
    families = [x for fam in FAMILIES for x in fam.compare_runs(base, other)]
    if len(parts) == 1 and not families:
        parts.append("No benchmark is present in both runs with numbers.")
    parts += families
    names_b = {b.name for b in base.benches}
    names_o = {b.name for b in other.benches}
    for run, names in ((base, names_b - names_o), (other, names_o - names_b)):
        if names:
            parts.append(f"Only in {run.label} ({len(names)}): "
                         + ", ".join(f"`{n}`" for n in sorted(names)))
    return "\n\n".join(parts)


METHOD = (f"ratio of medians, other over baseline; {LEVEL:.0%} percentile bootstrap interval, "
          f"each run resampled on its own ({RESAMPLES} resamples, seed {SEED}); verdict "
          "slower above 1, faster below 1, same when the interval contains 1")


# What must agree for runs to be compared benchmark by benchmark: the context key, and what it
# is called in the warning when it does not.
_MUST_AGREE = (("fanout_profile", "profiles"), ("fanout_git_commit", "suite versions"))


def mismatch_warnings(runs) -> list:
    """A warning for each thing that differs between the runs other than the machine: a quick
    run against a default one, or one version of the suite against another."""
    out = []
    for key, what in _MUST_AGREE:
        values = [str(r.context.get(key, "not recorded")) for r in runs]
        if len(set(values)) > 1:
            each = ", ".join(f"{r.label}: {v}" for r, v in zip(runs, values))
            out.append(f"> **Warning: the runs are of different {what}** ({each}). Their "
                       "benchmarks differ in more than the machine, so a ratio here need not "
                       "be the machines'.")
    return out


def render(runs, out_dir: str, all_entries=None) -> str:
    """comparison.md for runs read together, written to out_dir (folders are named from it);
    all_entries: entries() of each other run against the first, computed here if not given."""
    base = runs[0]
    all_entries = all_entries or [entries(base, o) for o in runs[1:]]
    parts = [f"# fanout-bench comparison: {' vs '.join(r.label for r in runs)}",
             *mismatch_warnings(runs),
             f"Baseline: **{base.label}**; every other run is compared with it. A ratio is the "
             "other run's median over the baseline's (below 1: the other is faster), with its "
             f"{LEVEL:.0%} confidence interval from a percentile bootstrap (each run resampled "
             "on its own, a fixed seed). The verdict is the other run's: slower when the whole "
             "interval lies above 1, faster when it lies below 1, same when it contains 1. The "
             f"numbers are also in `{JSON_NAME}`. No correction for multiple comparisons is "
             "made: among many benchmarks, about one in twenty intervals misses by chance.",
             "## Machines", _machines(runs, out_dir)]
    if len({r.cores for r in runs}) > 1:
        parts.append("The machines have different core counts: compare CPU-bound makespans "
                     "through the normalised tables, not the raw ratios.")
    parts += [_pair_section(base, o, es) for o, es in zip(runs[1:], all_entries)]
    return "\n\n".join(parts) + "\n"


def render_json(runs, out_dir: str, all_entries=None) -> str:
    """comparison.json: per other run, per benchmark present in both, both medians, the ratio,
    its CI bounds and the verdict (null where a number is missing)."""
    base = runs[0]
    all_entries = all_entries or [entries(base, o) for o in runs[1:]]
    doc = {"level": LEVEL, "method": METHOD,
           "baseline": {"label": base.label, "folder": folder_name(base.path, out_dir)},
           "comparisons": [{"other": o.label, "folder": folder_name(o.path, out_dir),
                            "benchmarks": es} for o, es in zip(runs[1:], all_entries)]}
    return json.dumps(jsonable(doc), indent=1, allow_nan=False) + "\n"
