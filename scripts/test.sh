#!/usr/bin/env bash
# The whole check, as CI runs it: a fresh virtual environment from the test lock, lint,
# types, then every test on SQLite and PostgreSQL (browser tests in Debian's Chromium;
# the wheel installed outside the checkout).
# Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

# Browser tests drive Debian's Chromium (Playwright's own browser download is not used).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium for the browser tests…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "!!! chromium not found and cannot be installed here: browser tests will be skipped" >&2
  fi
fi

. scripts/venv.sh
ensure_venv .venv-test requirements/test.lock
export PATH="$PWD/.venv-test/bin:$PATH"

# PostgreSQL: a dedicated test database on the local server, unless a URL is given.
if [ -z "${PARTYGRAPH_TEST_POSTGRES_URL:-}" ]; then
  if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start 2>/dev/null || true
    sleep 2
  fi
  if command -v psql >/dev/null 2>&1 && psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1" >/dev/null 2>&1; then
    psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='partygraph_test'" | grep -q 1 \
      || psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE partygraph_test"
    export PARTYGRAPH_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:5432/partygraph_test"
  else
    echo "!!! no PostgreSQL reachable on 127.0.0.1:5432: the PostgreSQL half of the suite will be skipped" >&2
  fi
fi

ruff check src tests migrations bench scripts
mypy
# Two workers (this machine has two cores); each gets its own PostgreSQL database.
exec python -m pytest -n 2 "$@"
