#!/usr/bin/env bash
# Builds and runs every test: installs what is missing, then for each of the release, asan
# (address+undefined) and tsan presets configures, builds and runs CTest, then runs the Python
# tests. Exits non-zero on the first failure. See README.md.
#
#   ./run_tests.sh              # everything (what CI runs)
#   ./run_tests.sh release      # only the named presets (release, asan, tsan, python)
set -euo pipefail

readonly root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
steps=("$@")
((${#steps[@]})) || steps=(release asan tsan python)
for step in "${steps[@]}"; do
  case "$step" in
    release|asan|tsan|python) ;;
    *) echo "run_tests.sh: unknown step \"$step\"" >&2
       echo "usage: ./run_tests.sh [release|asan|tsan|python]..." >&2
       exit 2 ;;
  esac
done

cmake/bootstrap.sh
python="$(cmake/bootstrap.sh --python)"
jobs="$(nproc 2>/dev/null || echo 2)"
start=$SECONDS

for step in "${steps[@]}"; do
  echo "== $step ($((SECONDS - start))s)"
  if [[ "$step" == python ]]; then
    # One worker per core (pytest-xdist); each test file stays on one worker.
    "$python" -m pytest -q -n "$jobs" --dist loadfile tests/python
  else
    cmake/build.sh "$step"
    ctest --preset "$step" -j "$jobs"
  fi
done
echo "== all tests passed in $((SECONDS - start))s"
