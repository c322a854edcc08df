#!/usr/bin/env bash
# Make the project runnable on a fresh machine: Python 3.10 virtualenv, pinned packages, the
# widget's npm packages, database migrations, and a trained model (only when its inputs changed).
# Sourced by scripts/run.sh and scripts/test.sh; safe to run again (each step checks first).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\033[1m==>\033[0m %s\n' "$*"; }

find_python310() {
  local candidate
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/3.10.*/bin/python3.10; do
      [ -x "$candidate" ] && { echo "$candidate"; return 0; }
    done
  fi
  for candidate in "${HOME}"/.pyenv/versions/3.10.*/bin/python3.10 python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do
    if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return 0; fi
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  PY=$(find_python310) || {
    echo "Rasa 3.6 needs Python 3.10, and none was found (looked in pyenv and for python3.10 on PATH)." >&2
    echo "Install it, e.g. 'pyenv install 3.10.13', then run this again." >&2
    exit 1
  }
  say "Creating .venv with $PY"
  "$PY" -m venv .venv
fi

stamp=.venv/.installed-$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  say "Installing pinned Python packages (first time: about 2 minutes)"
  .venv/bin/python -m pip install --quiet --upgrade pip setuptools wheel
  .venv/bin/python -m pip install --quiet -c requirements.lock -e ".[dev]"
  rm -f .venv/.installed-*; touch "$stamp"
fi

if [ -f web/package-lock.json ] && [ ! -f web/node_modules/.package-lock.json -o web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  if command -v npm >/dev/null 2>&1; then
    say "Installing the widget's npm packages"
    npm ci --prefix web --no-audit --no-fund --loglevel=error
  else
    echo "npm was not found: the chat page needs Node.js and npm to install its socket.io client." >&2
    exit 1
  fi
fi

say "Applying database migrations"
.venv/bin/rehearse db upgrade

.venv/bin/rehearse check
.venv/bin/rehearse train
