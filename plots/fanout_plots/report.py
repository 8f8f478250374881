"""report.md: machine card, warnings, findings derived from the data, and every figure with its
caption and the table of numbers behind it. Findings, sections and figures come from the
benchmark families (families/), in the order of FAMILIES.
"""

from __future__ import annotations

from . import generic
from .families import FAMILIES, unclaimed
from .output import folder_name, num, pct, table

CV_LIMIT = 0.05
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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _finding_lines(run) -> list:
    lines = [x for fam in FAMILIES for x in fam.finding_lines(run)]
    for family in unclaimed([run]):
        for group in generic.groups([run], family):
            line = generic.finding(run, group)
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
        f"benchmarks, {max((b.n for b in r.benches), default=0)} repetitions at most"
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
        parts.append(f"Runs are overlaid in every figure; ratios and significance tests are in "
                     f"[{comparison}]({comparison}).")
    parts += ["## Machine", machine_card(runs), "## Warnings", warnings_section(runs),
              "## Findings", findings_section(runs)]
    for fam in FAMILIES:
        parts += fam.sections_before_figures(runs)
    parts += _figures_section(figures, out_dir)
    for fam in FAMILIES:
        parts += fam.sections_after_figures(runs, figures, out_dir)
    return "\n\n".join(parts) + "\n"
