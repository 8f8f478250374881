#!/usr/bin/env bash
# Runs the suite: installs what is missing, builds (release), runs every benchmark, plots, and
# prints where the report is. See README.md, or ./run_all.sh --help.
set -euo pipefail

readonly root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly usage="usage: ./run_all.sh [--quick] [--filter REGEX] [--out DIR] [--label NAME]
                  [--repetitions N] [--cpus N] [--no-plots]
       ./run_all.sh --scenario FILE.toml [--out DIR] [--label NAME] [--repetitions N] [--cpus N]
                  [--no-plots]
       ./run_all.sh --compare RESULT_DIR RESULT_DIR... [--out DIR]

  --quick          smoke profile: every benchmark once, tiny sizes (about a minute on 2 cores)
                   (default profile: sweeps with repetitions, at most 15 minutes on 2 cores)
  --filter REGEX   run only the benchmarks whose name matches (Google Benchmark's regex)
  --out DIR        results root (default: results); a run writes DIR/<label>/<timestamp>/
  --label NAME     machine label for the run and its plots (default: the host name)
  --repetitions N  exactly N repetitions of every benchmark (default: 1 quick; default
                   profile: at least 6, more until the 95% CI of each median is within 3%
                   of it or the run's budget is spent; 3 of the hazard and load families)
  --cpus N         run on N of this machine's cores (CPU affinity): a smaller machine by
                   emulation; the workers follow and the context records it (default: all)
  --no-plots       write the JSON only
  --scenario FILE  run the scenario a TOML file describes (scenarios/, README.md) instead of the
                   suite's matrix, and write scenario.md and recommendation.json with its answer
  --compare DIR... overlay earlier runs in every figure and write comparison.md
  --help           this text"

die_usage() {
  echo "run_all.sh: $1" >&2
  echo "$usage" >&2
  exit 2
}

# Checks that OPTION has a value (ARGC counts what is left of the command line): present, not
# empty, and not the next option ("--label --no-plots"). A filter may start with one '-', which
# is Google Benchmark's negation, but not with two.
need_value() {
  local option="$1" what="$2" argc="$3" value="${4-}"
  ((argc > 1)) || die_usage "$option needs $what"
  [[ -n "$value" ]] || die_usage "$option needs $what, not an empty value"
  if [[ "$value" == --* || ("$value" == -* && "$option" != --filter) ]]; then
    die_usage "$option needs $what, not the option \"$value\""
  fi
}

# A path as the caller meant it, before the script changes to its own folder.
absolute() {
  if [[ "$1" == /* ]]; then echo "$1"; else echo "$PWD/$1"; fi
}

# The CPUs this process may run on, one number each, from its affinity list ("0-3,6").
allowed_cpus() {
  local list part out=()
  list="$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)"
  for part in ${list//,/ }; do
    if [[ "$part" == *-* ]]; then out+=($(seq "${part%-*}" "${part#*-}")); else out+=("$part"); fi
  done
  echo "${out[*]}"
}

# The results root must be a folder, or one that can be made: checked before the build, without
# making anything.
check_out() {
  local dir="$1"
  while [[ ! -e "$dir" && "$dir" != / ]]; do dir="$(dirname "$dir")"; done
  [[ -d "$dir" ]] || die_usage "bad --out \"$out_arg\": $dir is a file, not a folder"
  [[ -w "$dir" ]] || die_usage "bad --out \"$out_arg\": $dir is not writable"
}

profile=default filter="" out="" label="" repetitions="" cpus="" plots=1 compare=()
scenario=""
while (($#)); do
  case "$1" in
    --quick) profile=quick ;;
    --filter) need_value "$1" "a regex" $# "${2-}"; filter="$2"; shift ;;
    --out) need_value "$1" "a directory" $# "${2-}"; out="$2"; shift ;;
    --label) need_value "$1" "a name" $# "${2-}"; label="$2"; shift ;;
    --repetitions) need_value "$1" "a number" $# "${2-}"; repetitions="$2"; shift ;;
    --cpus) need_value "$1" "a number of cores" $# "${2-}"; cpus="$2"; shift ;;
    --no-plots) plots=0 ;;
    --scenario) need_value "$1" "a TOML file" $# "${2-}"; scenario="$(absolute "$2")"; shift ;;
    --compare)
      shift
      while (($#)) && [[ "$1" != --* ]]; do compare+=("$(absolute "$1")"); shift; done
      ((${#compare[@]} >= 2)) || die_usage "--compare needs at least two result folders"
      continue ;;
    --help|-h) echo "$usage"; exit 0 ;;
    *) die_usage "unknown option \"$1\"" ;;
  esac
  shift
done
if [[ -n "$repetitions" ]] && ! [[ "$repetitions" =~ ^[1-9][0-9]{0,2}$ ]]; then
  die_usage "bad --repetitions \"$repetitions\": expected a whole number from 1 to 999"
fi
pin=() cpus_context=()
if [[ -n "$cpus" ]]; then
  cpu_list="$(allowed_cpus)"
  read -ra allowed <<<"$cpu_list"
  if ! [[ "$cpus" =~ ^[0-9]{1,4}$ ]] || ((10#$cpus < 1 || 10#$cpus > ${#allowed[@]})); then
    echo "run_all.sh: bad --cpus \"$cpus\": expected a whole number from 1 to ${#allowed[@]}, the cores this machine lets the suite use" >&2
    exit 2
  fi
  cpus=$((10#$cpus))
  chosen="${allowed[*]:0:cpus}"
  # bm_fanout counts its cores from its affinity (sched_getaffinity), so the sweeps, the
  # runtime's workers and TBB's arenas all follow; the context says it was restricted.
  pin=(taskset -c "${chosen// /,}")
  cpus_context=("--benchmark_context=fanout_cpus=$cpus,fanout_cpus_of=${#allowed[@]},fanout_cpu_list=$chosen")
fi
if [[ -z "$label" ]]; then
  label="$(hostname 2>/dev/null || echo machine)"
  label="${label//[^A-Za-z0-9._-]/-}"
elif ! [[ "$label" =~ ^[A-Za-z0-9._-]{1,64}$ ]]; then
  die_usage "bad --label \"$label\": use 1 to 64 letters, digits, '.', '_' or '-'"
fi

readonly out_arg="$out"
if [[ -z "$out" ]]; then out="$root/results"; else out="$(absolute "$out")"; fi
check_out "$out"
# From here on, paths are the suite's own: the presets and the build folder are found from any
# working directory.
cd "$root"

"$root/cmake/bootstrap.sh"
python="$("$root/cmake/bootstrap.sh" --python)"

if ((${#compare[@]})); then
  for dir in "${compare[@]}"; do
    [[ -d "$dir" ]] || { echo "run_all.sh: no result folder \"$dir\"" >&2; exit 2; }
  done
  exec "$python" "$root/plots/fanout_report.py" "${compare[@]}" --out "$out/comparisons/$(date -u +%Y%m%dT%H%M%SZ)"
fi

# A scenario is checked before anything is built or run (bad file: one line, exit 2), and
# handed to bm_fanout as plain lines (plots/fanout_plots/scenario_file.py).
scenario_flags=()
if [[ -n "$scenario" ]]; then
  [[ -z "$filter" && "$profile" == default ]] || die_usage "--scenario takes no --quick or --filter"
  [[ "$scenario" == "$root"/* ]] && scenario="${scenario#"$root"/}"  # as scenarios/x.toml
  scenario_lines="$(mktemp)"
  trap 'rm -f "$scenario_lines"' EXIT
  "$python" "$root/plots/fanout_scenario.py" "$scenario" --lines "$scenario_lines" || exit 2
  # Rounds past the sixth start only within the first 120 s: a scenario answers in minutes.
  scenario_flags=(--fanout_scenario="$scenario_lines" --fanout_budget_s=120)
fi

echo "== build (release)"
if ! "$root/cmake/build.sh" release bm_fanout; then
  echo "run_all.sh: stopped before any benchmark ran: the build failed (see above)" >&2
  exit 1
fi
bench="$root/build/release/benchmarks/bm_fanout"

if [[ "$profile" == quick ]]; then
  # One iteration of each benchmark: min_time is below any fan-out's makespan.
  profile_flags=(--fanout_profile=quick --benchmark_min_time=0.001)
  reps_text="${repetitions:-1} repetition(s)"
else
  # Most fan-outs take 10 ms or more: one iteration per repetition, and the repetitions
  # (interleaved rounds) give the spread. Shorter ones still get iterated up to 10 ms.
  profile_flags=(--fanout_profile=default --benchmark_min_time=0.01)
  reps_text="${repetitions:-at least 6} repetitions"
fi
reps_flags=()
[[ -n "$repetitions" ]] && reps_flags=(--benchmark_repetitions="$repetitions")
filter_flags=()
[[ -n "$filter" ]] && filter_flags=(--benchmark_filter="$filter")

# How many benchmarks will run, and whether the filter is a valid regex that matches any.
listing_err="$(mktemp)"
if ! listing="$("${pin[@]}" "$bench" "${profile_flags[0]}" "${filter_flags[@]}" "${scenario_flags[@]}" \
               --benchmark_list_tests 2>"$listing_err")"; then
  if [[ -n "$scenario" ]]; then
    # bm_fanout refused the scenario (a strategy its registry does not have): its one line.
    echo "run_all.sh: $(grep -m 1 '^bm_fanout: ' "$listing_err" | sed 's/^bm_fanout: //')" >&2
    rm -f "$listing_err"
    exit 2
  fi
  reason="$(grep -v -e '^warning:' -e '^bm_fanout:' -e '^usage:' -e '^ ' "$listing_err" | head -n 1)"
  rm -f "$listing_err"
  die_usage "--filter \"$filter\" matches no benchmark of the $profile profile${reason:+ ($reason)}"
fi
rm -f "$listing_err"
total=$(grep -c . <<<"$listing" || true)
# The families that run (wait|cpu|...), from the names: the progress line finds their rows.
families="$(cut -d/ -f1 <<<"$listing" | sort -u | paste -sd'|')"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
run_dir="$out/$label/$stamp"
suffix=1
while [[ -e "$run_dir" ]]; do run_dir="$out/$label/$stamp-$((++suffix))"; done
# The folders this run makes, innermost first: an interrupted run removes those left empty.
made_dirs=()
dir="$run_dir"
while [[ ! -e "$dir" ]]; do made_dirs+=("$dir"); dir="$(dirname "$dir")"; done
mkdir -p "$run_dir" || { echo "run_all.sh: cannot make the run folder $run_dir" >&2; exit 1; }
commit="$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
  commit="$commit-dirty"
fi

# Everything is written under a temporary name and renamed once complete: an interrupted run
# leaves no file under a final name that looks whole.
json_tmp="$run_dir/.bm_fanout.json.partial"
log_tmp="$run_dir/.bm_fanout.log.partial"
child=""
on_interrupt() {
  # The benchmark runs in the background, where a non-interactive shell has it ignore SIGINT:
  # stop it with SIGTERM instead, and wait until it is gone before cleaning up.
  [[ -n "$child" ]] && kill -TERM "$child" 2>/dev/null && wait "$child" 2>/dev/null
  rm -f "$json_tmp" "$json_tmp.partial" "$log_tmp" "$run_dir"/latency_histograms.ndjson{,.partial}
  for dir in "${made_dirs[@]}"; do rmdir "$dir" 2>/dev/null || break; done
  echo >&2
  echo "run_all.sh: interrupted; nothing was written under a final name" >&2
  exit 130
}
trap on_interrupt INT TERM

echo "== run: $total benchmarks x $reps_text ($profile profile${cpus:+, on $cpus of ${#allowed[@]} cores}) -> $run_dir"
start=$SECONDS
set +e
# Its errors and warnings (not the context that Google Benchmark prints) are shown at once too:
# on a full disk, the log may not hold them.
"${pin[@]}" "$bench" "${profile_flags[@]}" "${filter_flags[@]}" "${scenario_flags[@]}" \
  --fanout_label="$label" --fanout_commit="$commit" "${reps_flags[@]}" "${cpus_context[@]}" \
  --benchmark_enable_random_interleaving=true \
  --benchmark_out="$json_tmp" --benchmark_out_format=json \
  --benchmark_counters_tabular=false >>"$log_tmp" \
  2> >(tee -a "$log_tmp" | grep --line-buffered -E '^(bm_fanout|warning):' >&2) &
child=$!
# Progress: the round and the repetitions finished so far, from the console reporter's log.
next_line=15
while kill -0 "$child" 2>/dev/null; do
  sleep 1
  done_runs=$(grep -cE "^($families)/.*_time +([0-9]|ERROR)" "$log_tmp" || true)
  round=$(grep -oE '^== round [0-9]+: .*' "$log_tmp" | tail -n 1)
  group=$(grep -oE "^($families)/[a-z_]+" "$log_tmp" | tail -n 1)
  elapsed=$((SECONDS - start))
  line=$(printf '[%5d runs] %4ds elapsed, %s, %s' "$done_runs" "$elapsed" "${round#== }" "$group")
  if [[ -t 1 ]]; then
    printf '\r%-100s' "$line"
  elif ((elapsed >= next_line)); then
    echo "$line"  # a log, not a terminal: a line every 15 s
    next_line=$((elapsed + 15))
  fi
done
wait "$child"
status=$?
child=""
set -e
echo
if ((status != 0)); then
  tail -n 20 "$log_tmp" >&2
  echo "run_all.sh: bm_fanout failed (exit $status); its log is $log_tmp" >&2
  exit 1
fi
# Renamed only once read back whole, with at least one benchmark in it.
if ! "$python" "$root/plots/fanout_report.py" --check "$json_tmp"; then
  echo "run_all.sh: the results are not complete; what was written stays in $json_tmp" >&2
  exit 1
fi
mv "$log_tmp" "$run_dir/bm_fanout.log"
mv "$json_tmp" "$run_dir/bm_fanout.json"
errors=$(grep -c '"error_occurred": true' "$run_dir/bm_fanout.json" || true)
echo "== wrote $run_dir/bm_fanout.json in $((SECONDS - start))s ($errors benchmarks skipped or failed: see the report)"

if ((plots)); then
  replot="$(printf '%q ' "$python" "$root/plots/fanout_report.py" "$run_dir")"
  replot="${replot% }"
  on_plot_interrupt() {
    echo >&2
    echo "run_all.sh: interrupted while plotting; kept $run_dir/bm_fanout.json and bm_fanout.log; plot them with: $replot" >&2
    exit 130
  }
  trap on_plot_interrupt INT TERM
  echo "== plots"
  if ! "$python" "$root/plots/fanout_report.py" "$run_dir" >/dev/null; then
    echo "run_all.sh: plotting failed (see above); kept $run_dir/bm_fanout.json and bm_fanout.log; plot them again with: $replot" >&2
    exit 1
  fi
  echo "report: $run_dir/report.md"
  echo "page: $run_dir/report.html (interactive, self-contained)"
  if [[ -n "$scenario" ]]; then echo "scenario: $run_dir/scenario.md"; fi
else
  echo "results: $run_dir"
fi
