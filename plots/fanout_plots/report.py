"""report.md: machine card, warnings, findings derived from the data, and every figure with its
caption and the table of numbers behind it. Findings, sections and figures come from the
benchmark families (families/), in the order of FAMILIES.
"""

from __future__ import annotations

import json

from . import generic, validity
from .families import FAMILIES, unclaimed
from .output import folder_name, num, pct, table
from .stats import MIN_FOR_LEVEL, ci_text, order_ranks

# A makespan whose 95% CI is wider than ±5% of its median is flagged (issue 11's acceptance).
HALF_WIDTH_LIMIT = 0.05
RELEASE_TYPES = ("Release", "RelWithDebInfo")
CARD = (("fanout_label", "label"), ("fanout_cpu_model", "CPU model"), ("fanout_cores", "cores"),
        ("fanout_cpus", "cores used of those available (run_all.sh --cpus)"),
        ("num_cpus", "CPUs seen by Google Benchmark"), ("mhz_per_cpu", "MHz per CPU"),
        ("fanout_memory", "memory"), ("fanout_kernel", "kernel"),
        ("fanout_compiler", "compiler"), ("fanout_cxx_flags", "C++ flags"),
        ("fanout_build_type", "build type of the suite"), ("fanout_tbb_version", "oneTBB"),
        ("fanout_libuv_version", "libuv"), ("fanout_benchmark_version", "Google Benchmark"),
        ("library_build_type", "Google Benchmark library build"),
        ("fanout_git_commit", "git commit"), ("date", "date"), ("host_name", "host"),
        ("cpu_scaling_enabled", "CPU scaling"),
        ("fanout_load_before", "load average 1/5/15 min before the run"),
        ("fanout_load_after", "load average 1/5/15 min after the run"),
        ("fanout_noise_threshold_cores", "noise threshold [cores]"),
        ("fanout_repetitions", "repetitions"))


def repetitions_text(value) -> str:
    """The context's repetition policy in words."""
    try:
        policy = json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError:
        return str(value)
    if not isinstance(policy, dict):
        return str(value)
    if policy.get("policy") == "fixed":
        return f"fixed: {policy.get('n')} per benchmark"
    if policy.get("policy") == "adaptive":
        target = policy.get("ci_target")
        target = pct(target) if isinstance(target, (int, float)) else "n/a"
        return (f"adaptive: at least {policy.get('min')}, until the 95% CI half-width is at "
                f"most {target} of the median or the benchmark's share of a "
                f"{policy.get('budget_s')} s budget is spent")
    return str(value)


def _ctx_value(ctx: dict, key: str) -> str:
    v = ctx.get(key)
    if key == "fanout_cpus":
        return (f"{v} of {ctx.get('fanout_cpus_of', 'n/a')} (CPU {ctx.get('fanout_cpu_list')})"
                if v else "all")
    if v is None or v == "":
        return "n/a"
    if key == "fanout_repetitions":
        return repetitions_text(v)
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


def noisy_benchmarks(ctx: dict) -> list | None:
    """The context's `fanout_noisy`: [{"name", "others_cpu", "steal_cpu"}], None if unreadable."""
    text = ctx.get("fanout_noisy")
    if text is None or text == "":
        return []
    try:
        items = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError:
        return None
    if not isinstance(items, list) or not all(isinstance(i, dict) and "name" in i
                                              for i in items):
        return None
    return items


def noise_warning(run) -> list:
    """The benchmarks measured while other processes or the hypervisor took more than the
    threshold of a core, with the load before and after the run; nothing when none was."""
    ctx = run.context
    items = noisy_benchmarks(ctx)
    if items is None:
        return [f"`fanout_noisy` in the context is not a JSON list of benchmarks: noise "
                f"unknown ({str(ctx.get('fanout_noisy'))[:80]})."]
    if not items:
        return []
    load = (f"load average 1/5/15 min before the run {ctx.get('fanout_load_before', 'n/a')}, "
            f"after it {ctx.get('fanout_load_after', 'n/a')}")
    rows = [[str(i["name"]), num(i.get("others_cpu")), num(i.get("steal_cpu"))] for i in items]
    return [f"Noise: {_plural(len(items), 'benchmark')} ran while more than "
            f"{ctx.get('fanout_noise_threshold_cores', 'n/a')} cores' worth of CPU went to other "
            f"processes or to the hypervisor ({load}); their numbers are suspect:\n\n" + table(
                ["benchmark", "others' CPU [cores]", "steal [cores]"], rows) + "\n"]


def canary_warning(run) -> list:
    """The benchmarks with repetitions set aside because the canary beside them ran slowed
    (results.set_aside_slowed), and those that never ran at speed; nothing when none."""
    aside = [b for b in run.benches if b.set_aside]
    slowed = [b for b in run.benches if b.all_slowed]
    if not aside and not slowed:
        return []
    canary = json.loads(run.context["fanout_canary"])
    rows = [[b.name, len(b.set_aside), b.n, f"{max(r['slowdown'] for r in b.set_aside):.2f}×"]
            for b in aside]
    rows += [[b.name, "all", b.n, "kept: none at speed"] for b in slowed]
    parts = []
    if aside:
        count = sum(len(b.set_aside) for b in aside)
        parts.append(f"beside {_plural(count, 'repetition')} of {_plural(len(aside), 'benchmark')}"
                     " it ran slower than that: those are set aside (kept in the JSON; no "
                     "statistic rests on them)")
    if slowed:
        parts.append(f"{_plural(len(slowed), 'benchmark')} never ran at speed and keep every "
                     "repetition")
    return [f"Machine speed: a canary ({canary.get('work', 'fixed work')}) timed beside every "
            f"repetition has a reference of {num(canary.get('reference_ms'))} ms and a limit "
            f"of {canary['limit']:.2f}× it" + (
                f" for a repetition that used at least {canary['min_cpu_share']:.0%} of a core"
                if canary.get("min_cpu_share") else "") + "; " + "; ".join(parts) + ":\n\n"
            + table(["benchmark", "set aside", "kept", "worst slowdown"], rows) + "\n"]


def _wide_and_short(run) -> list:
    out = []
    ok = run.ok()
    wide = [(b, b.ci()) for b in ok]
    wide = [(b, c) for b, c in wide if c.half_width > HALF_WIDTH_LIMIT]
    if wide:
        out.append(f"{len(wide)} of {len(ok)} benchmarks have a makespan whose 95% CI is wider "
                   f"than ±{HALF_WIDTH_LIMIT:.0%} of its median:\n\n" + table(
                       ["benchmark", "n", "makespan [ms]", "CI half-width"],
                       [[b.name, b.n, ci_text(c, num), pct(c.half_width)]
                        for b, c in sorted(wide, key=lambda bc: -bc[1].half_width)]) + "\n")
    short = sorted({b.n for b in ok if 2 <= b.n < MIN_FOR_LEVEL})
    if short:
        count = sum(1 for b in ok if 2 <= b.n < MIN_FOR_LEVEL)
        cover = ", ".join(f"{order_ranks(n)[1]:.1%} with {n} repetitions" for n in short)
        out.append(f"{_plural(count, 'benchmark')} with fewer than {MIN_FOR_LEVEL} repetitions: "
                   "too few for a 95% CI of the median, so their intervals are min–max, which "
                   f"cover the median with a probability of {cover}.")
    return out


def _invalid_warning(run) -> list:
    bad = validity.invalid(run)
    if not bad:
        return []
    return [f"{_plural(len(bad), 'point')} beyond the physical bound: invalid measurements, "
            "marked in the figures and never used in Findings:\n\n" + table(
                ["benchmark", "why"], [[b.name, b.invalid] for b in bad]) + "\n"]


def _run_warnings(run) -> list:
    ctx = run.context
    out = noise_warning(run) + canary_warning(run) + _invalid_warning(run)
    if ctx.get("cpu_scaling_enabled") is True:
        out.append("Google Benchmark saw CPU frequency scaling enabled: timings may drift.")
    build = ctx.get("fanout_build_type")
    if build not in RELEASE_TYPES:
        out.append(f"Debug build: the suite was built as '{build or 'unknown'}', not Release or "
                   "RelWithDebInfo; its numbers are not representative. (Google Benchmark's "
                   "own library_build_type is Debian's library and is not flagged.)")
    out += _wide_and_short(run)
    single = [b for b in run.ok() if b.n < 2]
    if single:
        out.append(f"{_plural(len(single), 'benchmark')} with a single repetition: no error "
                   "bars, no confidence interval.")
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
    return "\n".join(lines) if lines else "None: no benchmark ran while others used the " \
        "machine, a release build, every benchmark ran within its bound, and every makespan's " \
        f"95% CI is within ±{HALF_WIDTH_LIMIT:.0%} of its median."


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _finding_lines(run) -> list:
    """Every family's findings; each leaves out the invalid points (validity.py)."""
    lines = [x for fam in FAMILIES for x in fam.finding_lines(run)]
    for family in unclaimed([run]):
        for group in generic.groups([run], family):
            line = generic.finding(run.valid_only(), group)
            if line:
                lines.append(line)
    return lines


def findings_section(runs) -> str:
    blocks = []
    for r in runs:
        lines = _finding_lines(r)
        head = f"### {r.label}\n\n" if len(runs) > 1 else ""
        blocks.append(head + ("\n".join(lines) if lines else "No benchmark produced numbers."))
    intro = " ".join(x for x in (fam.findings_intro(runs) for fam in FAMILIES) if x)
    return (intro + "\n\n" if intro else "") + "\n\n".join(blocks)


def _sources(runs, out_dir: str) -> str:
    return "\n".join(
        f"- `{folder_name(r.path, out_dir)}`: {len(r.files)} JSON file(s), {len(r.benches)} "
        f"benchmarks, {r.repetitions()} repetitions each"
        for r in runs)


def _figures_section(figures, out_dir: str) -> list:
    general = [f for f in figures if not f.section]
    own = list(dict.fromkeys(f.section for f in figures if f.section))
    parts = ["## Figures"]
    if not general:
        parts.append(f"Only figures of their own sections: see {', '.join(own)} below." if own
                     else "No figure: no benchmark produced numbers.")
    return parts + [f.markdown(out_dir) for f in general]


def render(runs, figures, out_dir: str, comparison: str | None = None) -> str:
    title = " vs ".join(r.label for r in runs)
    parts = [f"# fanout-bench report: {title}",
             "Generated by `plots/fanout_report.py` from:\n\n" + _sources(runs, out_dir)]
    if comparison:
        parts.append(f"Runs are overlaid in every figure; ratios of medians with their 95% "
                     f"CIs are in [{comparison}]({comparison}) (and comparison.json).")
    parts += ["## Machine", machine_card(runs), "## Warnings", warnings_section(runs),
              "## Findings", findings_section(runs)]
    for fam in FAMILIES:
        parts += fam.sections_before_figures(runs)
    parts += _figures_section(figures, out_dir)
    for fam in FAMILIES:
        parts += fam.sections_after_figures(runs, figures, out_dir)
    return "\n\n".join(parts) + "\n"
