#!/usr/bin/env bash
# Configures and builds one preset, from any working directory, and stops at the first error:
# its exit status is 1 when configuring or building fails, after the compiler's first error is
# repeated as the last line, so that no caller goes on with a stale binary. A build folder that
# CMake made for another source folder (a clone that was copied or moved) is configured afresh.
# Both README commands build through here.
#
#   cmake/build.sh release              # everything of the release preset
#   cmake/build.sh release bm_fanout    # one target
set -uo pipefail

readonly root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
(($# >= 1)) || { echo "usage: cmake/build.sh PRESET [TARGET...]" >&2; exit 2; }
readonly preset="$1"
shift
readonly build_dir="$root/build/$preset"
cd "$root"

# CMake refuses a cache made in another folder; the build folder is the suite's own output.
cache="$build_dir/CMakeCache.txt"
if [[ -f "$cache" ]]; then
  made_for="$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$cache")"
  made_in="$(sed -n 's/^CMAKE_CACHEFILE_DIR:INTERNAL=//p' "$cache")"
  if [[ "$made_for" != "$root" || "$made_in" != "$build_dir" ]]; then
    echo "build: build/$preset was made for $made_for; configuring it afresh for $root" >&2
    rm -rf "$build_dir"
  fi
fi

log="$(mktemp "${TMPDIR:-/tmp}/fanout-build-$preset.XXXXXX.log")"
# The first line that says what went wrong: a compiler's or linker's error, else CMake's.
first_error() {
  local pattern
  for pattern in ': (fatal )?error: ' 'undefined reference|ld returned' 'CMake Error' '^FAILED: '; do
    if grep -m1 -E "$pattern" "$log"; then return; fi
  done
  tail -n 1 "$log"
}
# FAILED_STEP STATUS: says what failed and why, and exits 1.
fail() {
  local why
  if (($2 > 128)); then
    why="killed by SIG$(kill -l $(($2 - 128)))"  # XFSZ: a file-size limit, for one
  else
    why="$(first_error)"
  fi
  echo "build: $1 failed (preset $preset): $why" >&2
  echo "build: the whole output is in $log" >&2
  exit 1
}

cmake --preset "$preset" >"$log" 2>&1 || { status=$?; cat "$log" >&2; fail "configuring" $status; }
targets=()
for target in "$@"; do targets+=(--target "$target"); done
cmake --build --preset "$preset" -j "$(nproc 2>/dev/null || echo 2)" "${targets[@]}" 2>&1 | tee -a "$log" | grep -v '^ninja: no work to do'
status=${PIPESTATUS[0]}
((status == 0)) || fail "the build" $status
rm -f "$log"
