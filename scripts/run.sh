#!/usr/bin/env bash
# Install what is missing, train if needed, and run the product. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
exec .venv/bin/rehearse run "$@"
