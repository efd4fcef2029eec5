#!/usr/bin/env bash
# Idempotent set-up on a fresh machine: a virtual environment in .venv with annotate, the
# Label Studio server, the test and benchmark tools; with --browser, Debian's chromium (browser
# tests) and PostgreSQL (tests on PostgreSQL).
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "error: annotate needs Python 3.11 or newer ($PYTHON is $("$PYTHON" --version 2>&1)); set PYTHON=python3.11" >&2
  exit 1
fi
[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv

stamp=.venv/.annotate-installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
  echo "setup: installing Python packages into .venv (label-studio takes about a minute)"
  # Quiet unless it fails: pip's and setuptools' output goes to a log, shown when it fails.
  log=.venv/setup.log
  if ! { .venv/bin/python -m pip install --upgrade pip && .venv/bin/python -m pip install -e ".[server,test,bench]"; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "error: installing the Python packages failed (the last lines of $log are above); fix the cause and run it again" >&2
    exit 1
  fi
  touch "$stamp"
fi

# Debian packages for the tests, installed only when missing: $1 says what for, the rest are the packages.
apt_install() {
  local what=$1; shift
  echo "setup: installing Debian's $* for $what"
  if [[ $(id -u) -eq 0 ]]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else
    echo "error: $* missing and this user cannot install it; run: apt-get install $*" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q --no-install-recommends "$@" >/dev/null
}

if [[ ${1:-} == --browser ]]; then
  command -v chromium >/dev/null || apt_install "the browser tests" chromium fonts-noto-color-emoji
  # The tests on PostgreSQL start their own server in a temporary folder (never the package's cluster).
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null \
    || apt_install "the tests on PostgreSQL" postgresql
fi
