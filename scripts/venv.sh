# Sourced by scripts/demo.sh and scripts/test.sh: ensure_venv DIR LOCKFILE makes DIR a
# virtual environment holding exactly LOCKFILE's packages (hash-checked) and this
# checkout (editable). It is made anew whenever the lock file or pyproject.toml
# changes, so what runs is what the lock says, not what the machine happens to hold.

ensure_venv() {
  local dir="$1" lock="$2" python="${PYTHON:-python3}"
  local want
  want="$(cat "$lock" pyproject.toml | sha256sum | cut -c1-16)"
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.partygraph-lock" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  echo "setting up $dir from $lock…"
  rm -rf "$dir"
  if ! "$python" -m venv "$dir" >/dev/null 2>&1; then
    # Debian's python3 ships without venv support; its package adds it.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      local minor
      minor="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python$minor-venv" >/dev/null
      rm -rf "$dir"
      "$python" -m venv "$dir"
    else
      echo "error: $python cannot create a virtual environment; install python3-venv (Debian/Ubuntu) and run this again" >&2
      return 1
    fi
  fi
  "$dir/bin/python" -m pip install -q --require-hashes -r "$lock"
  "$dir/bin/python" -m pip install -q --no-deps -e .
  echo "$want" > "$dir/.partygraph-lock"
}
