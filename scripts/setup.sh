#!/usr/bin/env bash
# Idempotent set-up on a fresh machine: a virtual environment in .venv with annotate, the
# Label Studio server and the test tools; Debian's chromium for the browser tests.
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
  if ! { .venv/bin/python -m pip install --upgrade pip && .venv/bin/python -m pip install -e ".[server,test]"; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "error: installing the Python packages failed (the last lines of $log are above); fix the cause and run it again" >&2
    exit 1
  fi
  touch "$stamp"
fi

if [[ ${1:-} == --browser ]] && ! command -v chromium >/dev/null; then
  echo "setup: installing Debian's chromium for the browser tests"
  if [[ $(id -u) -eq 0 ]]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else
    echo "error: chromium is missing and this user cannot install it; run: apt-get install chromium fonts-noto-color-emoji" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q --no-install-recommends chromium fonts-noto-color-emoji >/dev/null
fi

# Debian's PostgreSQL for the tests on PostgreSQL (they start their own server in a temporary folder).
if [[ ${1:-} == --browser ]] && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && ! command -v initdb >/dev/null; then
  echo "setup: installing Debian's PostgreSQL for the tests on PostgreSQL"
  if [[ $(id -u) -eq 0 ]]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else
    echo "error: PostgreSQL is missing and this user cannot install it; run: apt-get install postgresql" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q >/dev/null
  # The suite never uses the cluster the package may create and start: it makes its own.
  $SUDO apt-get install -y -q --no-install-recommends postgresql >/dev/null
fi
