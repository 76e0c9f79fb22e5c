#!/usr/bin/env bash
# Runs the demo county on the embedded SQLite default: a virtual environment in .venv
# (the runtime lock), then `partygraph demo` (creates partygraph.db here, loads the demo
# county the first time, prints the URL and the logins, serves until Ctrl-C).
# Usage: bash scripts/demo.sh [partygraph demo options]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv .venv requirements/runtime.lock
exec .venv/bin/partygraph demo "$@"
