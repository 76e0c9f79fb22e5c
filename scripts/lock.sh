#!/usr/bin/env bash
# Regenerates the lock files from pyproject.toml's bounds (run after changing a
# dependency, then run the tests and commit both files).
# requirements/runtime.lock: what the wheel and the container install.
# requirements/test.lock: that plus the test and lint tools; scripts/test.sh installs it.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v uv >/dev/null 2>&1 || python3 -m pip install -q 'uv>=0.5,<1'
common=(--python-version 3.11 --universal --generate-hashes --no-header --quiet)
uv pip compile pyproject.toml "${common[@]}" -o requirements/runtime.lock
uv pip compile pyproject.toml --extra test "${common[@]}" -o requirements/test.lock
