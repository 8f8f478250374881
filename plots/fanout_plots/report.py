"""report.md: machine card, warnings, findings derived from the data, and every figure with its
caption and the table of numbers behind it.
"""

from __future__ import annotations

import math
import os

from . import hazards
from . import overhead
from . import saturation as sat
from . import select as sel
from .output import num, pct, ratio, table, times
from .stats import ALPHA, describe_p, mann_whitney

CV_LIMIT = 0.05
LOAD_INTRO = ("Open-loop benchmarks (`load/...`): items arrive at an offered rate and each "
              "strategy admits them as they come. Corrected latencies are charged from each "
              "item's intended arrival (wrk2's correction of coordinated omission), uncorrected "
              "ones from its admission, so a strategy that falls behind cannot hide its queue. ")
OVERHEAD_HEADING = "## Overhead (the suite's resolution)"
RELEASE_TYPES = ("Release", "RelWithDebInfo")
CARD = (("fanout_label", "label"), ("fanout_cpu_model", "CPU model"), ("fanout_cores", "cores"),
        ("num_cpus", "CPUs seen by Google Benchmark"), ("mhz_per_cpu", "MHz per CPU"),
        ("fanout_memory", "memory"), ("fanout_kernel", "kernel"),
        ("fanout_compiler", "compiler"), ("fanout_cxx_flags", "C++ flags"),
        ("fanout_build_type", "build type of the suite"), ("fanout_tbb_version", "oneTBB"),
        ("fanout_libuv_version", "libuv"), ("fanout_benchmark_version", "Google Benchmark"),
        ("library_build_type", "Google Benchmark library build"),
        ("fanout_git_commit", "git commit"), ("date", "date"), ("host_name", "host"),
        ("load_avg", "load average at start"), ("cpu_scaling_enabled", "CPU scaling"),
        ("fanout_noise_warnings", "noise warnings"))


def _ctx_value(ctx: dict, key: str) -> str:
    v = ctx.get(key)
    if v is None or v == "":
        return "none" if key == "fanout_noise_warnings" else "n/a"
    if isinstance(v, list):
        return ", ".join(f"{x:.2f}" if isinstance(x, float) else str(x) for x in v)
    if key == "library_build_type":
        return f"{v} (Debian's libbenchmark, not this suite: see note)"
    return str(v)


def machine_card(runs) -> str:
    headers = ["field"] + [r.label for r in runs] if len(runs) > 1 else ["field", "value"]
    rows = [[name] + [_ctx_value(r.context, key) for r in runs] for key, name in CARD]
    out = [table(headers, rows)]
    for r in runs:
        note = r.context.get("fanout_library_build_type_note")
        if note:
            out.append(f"\nNote ({r.label}): {note}.")
            break
    return "\n".join(out)


def _run_warnings(run) -> list:
    ctx, out = run.context, []
    noise = str(ctx.get("fanout_noise_warnings") or "").strip()
    for w in (x.strip() for x in noise.split(";") if x.strip()):
        out.append(f"Noisy run: {w}.")
    if ctx.get("cpu_scaling_enabled") is True:
        out.append("Google Benchmark saw CPU frequency scaling enabled: timings may drift.")
    build = ctx.get("fanout_build_type")
    if build not in RELEASE_TYPES:
        out.append(f"Debug build: the suite was built as '{build or 'unknown'}', not Release or "
                   "RelWithDebInfo; its numbers are not representative. (Google Benchmark's "
                   "own library_build_type is Debian's library and is not flagged.)")
    noisy = [b for b in run.ok() if (b.cv() or 0) > CV_LIMIT]
    if noisy:
        out.append(f"{len(noisy)} of {len(run.ok())} benchmarks vary by more than "
                   f"{CV_LIMIT:.0%} (CV of the makespan over repetitions):\n\n" + table(
                       ["benchmark", "n", "CV makespan", "makespan [ms]"],
                       [[b.name, b.n, pct(b.cv()), num(b.median())]
                        for b in sorted(noisy, key=lambda b: -(b.cv() or 0))]) + "\n")
    single = [b for b in run.ok() if b.n < 2]
    if single:
        out.append(f"{_plural(len(single), 'benchmark')} with a single repetition: no error "
                   "bars, CV n/a.")
    failed = run.failed()
    if failed:
        out.append(f"{_plural(len(failed), 'benchmark')} skipped or failed:\n\n" + table(
            ["benchmark", "error"], [[b.name, b.error] for b in failed]) + "\n")
    out += [f"{n}." for n in run.notes]
    return out


def warnings_section(runs) -> str:
    lines = []
    for r in runs:
        prefix = f"**{r.label}**: " if len(runs) > 1 else ""
        lines += [f"- {prefix}{w}" for w in _run_warnings(r)]
    return "\n".join(lines) if lines else "None: a quiet machine, a release build, every " \
        f"benchmark ran, and no makespan varied by more than {CV_LIMIT:.0%}."


def _sizes(benches) -> list:
    rep = sel.representative_items(benches)
    sizes = [rep]
    largest = max((b.params["items"] for b in benches if "items" in b.params), default=None)
    if largest is not None and largest != rep:
        if len({b.strategy for b in benches if b.params.get("items") == largest}) > 1:
            sizes.append(largest)
    return sizes


def _ranking(run, workload: str, items) -> str | None:
    benches = sel.of_workload(run, workload)
    reps = sel.representatives(benches, items)
    ideal = sel.best_ideal(reps.values())
    ranked = sorted(reps.values(), key=lambda b: b.median())
    if len(ranked) < 2 or not math.isfinite(ideal):
        return None
    size = f"{num(items)} items" if items is not None else "all sizes"
    parts = [f"{b.strategy} {times(ratio(b.median(), ideal))} ideal" for b in ranked]
    first, second = ranked[0], ranked[1]
    gap = ratio(second.median(), first.median()) - 1
    p = mann_whitney(first.samples("real_time"), second.samples("real_time"))
    if p is None or p >= ALPHA:
        verdict = (f"{first.strategy} leads {second.strategy} by {gap:.1%}, within noise "
                   f"(Mann–Whitney p = {describe_p(p)})")
    else:
        verdict = (f"{first.strategy} beats {second.strategy} by {gap:.1%} "
                   f"(Mann–Whitney p = {describe_p(p)})")
    line = (f"- **{workload}, {size}**: " + ", ".join(parts) + f" (ideal {num(ideal)} ms, "
            f"best {num(first.median())} ms). {verdict}; the slowest, {ranked[-1].strategy}, "
            f"takes {times(ratio(ranked[-1].median(), first.median()))} as long as the fastest.")
    if workload == "cpu":
        line += _speedups(reps.values(), benches, run.cores)
    return line


def _speedups(reps, benches, cores: int) -> str:
    best = None
    for b in reps:
        seq = sel.baseline(b, benches)
        if seq is not None and b.strategy != "sequential":
            s = ratio(seq.median(), b.median())
            if math.isfinite(s) and (best is None or s > best[0]):
                best = (s, b.strategy)
    if best is None:
        return ""
    return (f" Best speedup over sequential: {best[1]} {times(best[0])} on {cores} cores "
            f"({best[0] / cores:.0%} of the cores).")


def _cost_lines(run) -> list:
    out = []
    for w in sel.CORE_WORKLOADS:
        benches = sel.of_workload(run, w)
        reps = list(sel.representatives(benches, sel.representative_items(benches)).values())
        util = sorted((b for b in reps if math.isfinite(b.median("cpu_util"))),
                      key=lambda b: b.median("cpu_util"))
        if len(util) >= 2:
            lo, hi = util[0], util[-1]
            out.append(f"- **CPU, {w}**: {hi.strategy} burns {num(hi.median('cpu_util'))} cores "
                       f"during a fan-out, {lo.strategy} {num(lo.median('cpu_util'))} "
                       f"(machine: {run.cores} cores).")
        mem = sorted((b for b in reps if math.isfinite(b.median("rss_per_item_bytes"))),
                     key=lambda b: b.median("rss_per_item_bytes"))
        top = mem[-1].median("rss_per_item_bytes") if mem else 0
        if len(mem) >= 2 and top > 0:
            most = [b.strategy for b in mem if b.median("rss_per_item_bytes") == top]
            rest = [b.median("rss_per_item_bytes") for b in mem if b.strategy not in most]
            tail = (f"; the others by at most {num(max(rest) / 1024)} KiB" if rest else "")
            out.append(f"- **Memory, {w}**: {', '.join(most)} grow(s) peak RSS by "
                       f"{num(top / 1024)} KiB per in-flight item{tail}.")
    return out


def _bounded_lines(run) -> list:
    out = []
    for w in ("wait", "mixed"):
        benches = [b for b in sel.of_workload(run, w) if "limit" in b.params]
        reps = sel.representatives(benches, sel.representative_items(benches))
        if len(reps) >= 2:
            parts = [f"{s} {num(b.median())} ms ({times(ratio(b.median(), b.median('ideal_ms')))} "
                     f"the ideal schedule)" for s, b in reps.items()]
            limit = sel.modal_params(benches).get("limit")
            out.append(f"- **Bounded, {w}, limit {num(limit)}**: " + ", ".join(parts) + ".")
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _extra_lines(run) -> list:
    """Per hazard: its naive variant beside its fixes (hazards.py); overhead: the ratios to raw
    libuv and the targets (overhead.py); any other workload without its own figure: its slowest
    and fastest variant."""
    out = []
    for w, family in sel.extra_groups([run]):
        known = (hazards.finding(run, family) if w == "hazard" else
                 overhead.finding(run) if w == "overhead" else None)
        if known:
            out.append(known)
            continue
        benches = sel.family_benches(run, w, family)
        prefix = f"{w}/{family}/" if family else f"{w}/"
        names, _ = sel.short_names(benches, prefix)
        ranked = sorted(benches, key=lambda b: b.median())
        what = f"{w}/{family}" if family else w

        def desc(b) -> str:
            tail = next((k for k in ("late_ms_p99", "p99_ms") if b.has(k)), None)
            extra = f", {tail} {num(b.median(tail))} ms" if tail else ""
            note = f", outcome: {b.note}" if b.note else ""
            return f"{names[b.name]} {num(b.median())} ms{extra}{note}"
        if len(ranked) == 1:
            out.append(f"- **{what}**: {desc(ranked[0])}.")
        elif ranked:
            out.append(f"- **{what}**: slowest {desc(ranked[-1])}; fastest {desc(ranked[0])}; "
                       f"{times(ratio(ranked[-1].median(), ranked[0].median()))} apart.")
    return out


def _lowest_text(series, t) -> str:
    if t.kind == "below":
        return (f"{series.name} below {t.short()[2:]} (behind already at the lowest rate, "
                f"achieving {sat.rate_text(t.capacity)} there)")
    past = (f" ({sat.rate_text(t.capacity)} achieved at "
            f"{sat.rate_text(sat.rate_of(t.past), False)} "
            f"offered)" if t.past else "")
    return f"{series.name} at {t.short()}{past}"


def _omission_text(run, workload: str) -> str:
    """The point past saturation where the uncorrected p99 hides the most."""
    worst = None
    for s in sat.load_series(run, workload):
        light = s.benches[0].median("p99_ms")
        for b in s.benches:
            if sat.kept_up(b, light):
                continue
            r = ratio(b.median("p99_ms"), b.median("uncorrected_p99_ms"))
            if math.isfinite(r) and (worst is None or r > worst[0]):
                worst = (r, s, b)
    if worst is None:
        return "no strategy ran past saturation at these rates"
    r, s, b = worst
    where = f"{s.name} at {sat.rate_text(sat.rate_of(b), False)}"
    corrected, uncorrected = (sat.ms_text(b.median(k)) for k in ("p99_ms", "uncorrected_p99_ms"))
    if r < 2:
        return (f"past saturation the corrected p99 ({corrected}, {where}) stays within 2× of "
                f"the uncorrected ({uncorrected})")
    return (f"past saturation corrected p99 reaches {corrected} ({where}) while the "
            f"uncorrected p99 stays at {uncorrected} (coordinated omission hides {times(r)})")


def _load_lines(run) -> list:
    """Per load workload: the strategies that saturate last and first, and what the
    uncorrected latency hides past saturation."""
    out = []
    kinds = {"below": 0, "exact": 1, "atleast": 2}
    for w in sat.load_workloads([run]):
        ranked = [(s, sat.saturation(s)) for s in sat.load_series(run, w)]
        ranked = sorted(((s, t) for s, t in ranked if t.kind != "none"),
                        key=lambda st: (st[1].value, kinds[st[1].kind]))
        if not ranked:
            continue
        top_s, top = ranked[-1]
        head = f"{top_s.name} saturates at {top.short()}"
        if top.kind == "atleast":
            head += (f" (not saturated at the highest rate, "
                     f"{sat.rate_text(top.top_rate, False)})")
        if len(ranked) > 1:
            head += ", " + _lowest_text(*ranked[0])
        out.append(f"- **load ({w})**: {head}; {_omission_text(run, w)}.")
    return out


def findings_section(runs) -> str:
    blocks = []
    for r in runs:
        lines = []
        for w in sel.CORE_WORKLOADS:
            benches = sel.of_workload(r, w)
            for items in (_sizes(benches) if benches else []):
                line = _ranking(r, w, items)
                if line:
                    lines.append(line)
        lines += _bounded_lines(r) + _cost_lines(r)
        lines += _extra_lines(r) + _load_lines(r)
        head = f"### {r.label}\n\n" if len(runs) > 1 else ""
        blocks.append(head + ("\n".join(lines) if lines else "No benchmark produced numbers."))
    intro = ("Per workload, at its most common size and at its largest, the median makespan of "
             "each strategy over the workload's best physical bound (the smallest `ideal_ms` of "
             "any strategy: the longest single wait, or the computing spread over the cores), "
             "fastest first. Per hazard, its naive variant beside its fixes; for the overhead "
             "benchmarks, the ratios to raw libuv and the suite's targets.")
    if any(sat.load_workloads([r]) for r in runs):
        intro += (" Per open-loop load workload, the strategy that saturates last and the one "
                  "that saturates first (definition under Load), and what the uncorrected p99 "
                  "hides past saturation.")
    intro += "\n\n"
    return intro + "\n\n".join(blocks)


def figure_section(fig, out_dir: str) -> str:
    png, svg = (os.path.relpath(p, out_dir) for p in fig.paths)
    parts = [f"### {fig.title}", f"![{fig.title}]({png})",
             f"{fig.caption} ([SVG]({svg}))"]
    if fig.config:
        parts.append(fig.config)
    if fig.summary:
        parts.append(fig.summary)
    parts.append(table(fig.headers, fig.rows))
    return "\n\n".join(parts)


def render(runs, figures, out_dir: str, comparison: str | None = None) -> str:
    title = " vs ".join(r.label for r in runs)
    sources = "\n".join(
        f"- `{r.path}`: {len(r.files)} JSON file(s), {len(r.benches)} benchmarks, "
        f"{max((b.n for b in r.benches), default=0)} repetitions at most" for r in runs)
    parts = [f"# fanout-bench report: {title}", "Generated by `plots/fanout_report.py` from:\n\n"
             + sources]
    if comparison:
        parts.append(f"Runs are overlaid in every figure; ratios and significance tests are in "
                     f"[{comparison}]({comparison}).")
    parts += ["## Machine", machine_card(runs), "## Warnings", warnings_section(runs),
              "## Findings", findings_section(runs)]
    resolution = overhead.section(runs)
    if resolution:
        parts += [OVERHEAD_HEADING, resolution]
    parts.append("## Figures")
    general = [f for f in figures if not f.section]
    load = [f for f in figures if f.section == "Load"]
    if not general:
        parts.append("Only open-loop load benchmarks: see Load below." if load else
                     "No figure: no benchmark produced numbers.")
    parts += [figure_section(f, out_dir) for f in general]
    if load:
        parts += ["## Load", LOAD_INTRO + sat.DEFINITION + " Values are medians of the "
                  "repetitions; a strategy's line and rows stop where it was skipped past "
                  "saturation (or failed: see Warnings)."]
        parts += [figure_section(f, out_dir) for f in load]
    return "\n\n".join(parts) + "\n"
