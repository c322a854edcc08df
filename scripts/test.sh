#!/usr/bin/env bash
# The whole test suite: pytest (unit, storage on SQLite and PostgreSQL, live servers, browser),
# `rasa data validate`, and Rasa's conversation tests with --fail-on-prediction-errors.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
# Rasa would try to send telemetry and error reports; there is no network here, and no need.
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2

# Browser tests: Debian's Chromium, and an emoji font so the partners' avatars render.
if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/noto ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> Installing Debian's Chromium and an emoji font for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null
  else
    echo "The browser tests need Chromium: run 'sudo apt-get install chromium fonts-noto-color-emoji'." >&2
    exit 1
  fi
fi

echo "==> rasa data validate"
.venv/bin/rasa data validate --data data/nlu data/rules --quiet

echo "==> Rasa conversation tests"
rm -rf results
.venv/bin/rasa test core --model models/rehearsal.tar.gz --stories tests/conversations \
  --fail-on-prediction-errors --out results --quiet

echo "==> pytest"
.venv/bin/pytest "$@"
