#!/usr/bin/env bash
# Installs the Debian packages fanout-bench needs, and nothing else.
#
# Quiet and about a second when nothing is missing. As root it runs apt-get itself,
# otherwise it goes through sudo; when neither is possible it prints the exact command
# to run and exits 1. Both README commands (run_all.sh and run_tests.sh) call it first.
#
#   cmake/bootstrap.sh          # check and install
#   cmake/bootstrap.sh --python # print the interpreter that can import matplotlib
set -euo pipefail

readonly kPackages=(
  cmake g++ ninja-build pkg-config
  libbenchmark-dev libtbb-dev libuv1-dev libgtest-dev
  python3 python3-matplotlib python3-numpy python3-pytest
  python3-pytest-xdist  # the Python tests on every core (run_tests.sh)
  # report.html: plotly.js (embedded), Markdown to HTML, esbuild to minify plotly.js once;
  # its browser test drives headless chromium over the DevTools protocol (a WebSocket).
  python3-plotly python3-markdown esbuild chromium python3-websocket
)

missing=()
for pkg in "${kPackages[@]}"; do
  # dpkg-query prints "install ok installed" only for a fully installed package.
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]})); then
  echo "bootstrap: installing missing Debian packages: ${missing[*]}" >&2
  if [[ $(id -u) -eq 0 ]]; then
    sudo_cmd=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo_cmd=(sudo)
  else
    echo "bootstrap: cannot install as $(id -un) without sudo; run this, then retry:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  # A fresh machine has no package lists yet, so update before the first install.
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq >&2
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [[ "${1:-}" == "--python" ]]; then
  # The python3 first on PATH may be a private interpreter (pyenv, conda) that cannot
  # see Debian's dist-packages; prefer the system one, then anything that imports them.
  # tomllib (Python 3.11, Debian 12's python3) reads scenario files.
  for py in /usr/bin/python3 "$(command -v python3 || true)"; do
    if [[ -x "$py" ]] && "$py" -c 'import matplotlib, numpy, pytest, xdist, tomllib, plotly, markdown, websocket' 2>/dev/null; then
      echo "$py"
      exit 0
    fi
  done
  echo "bootstrap: no python3 can import matplotlib, numpy, pytest, xdist, tomllib (3.11), plotly, markdown and websocket" >&2
  exit 1
fi
