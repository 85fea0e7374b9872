#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter, or explain what to install.
# Rasa Open Source 3.6 supports Python 3.8-3.10 and requirements.lock is resolved
# for 3.10, so only 3.10 is accepted.
set -u

is_py310() {
  "$@" -c 'import sys, venv; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1
}

candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
if command -v pyenv >/dev/null 2>&1; then
  for p in "$(pyenv root)"/versions/3.10.*/bin/python; do
    [ -x "$p" ] && candidates+=("$p")
  done
fi
for p in /usr/bin/python3.10 /usr/local/bin/python3.10 /opt/homebrew/bin/python3.10; do
  [ -x "$p" ] && candidates+=("$p")
done

for p in "${candidates[@]}"; do
  if is_py310 "$p"; then
    # Resolve pyenv shims to the real interpreter so the venv does not depend on them.
    "$p" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done

cat >&2 <<'MSG'
ERROR: no Python 3.10 interpreter found.

Rasa Open Source 3.6 runs on Python 3.8-3.10, and this project's pinned
dependencies (requirements.lock) are resolved for Python 3.10. Install one of:
  - Debian/Ubuntu:  sudo apt-get install python3.10 python3.10-venv
                    (on newer releases: the deadsnakes PPA, or pyenv below)
  - macOS:          brew install python@3.10
  - pyenv:          pyenv install 3.10.13
then run the command again, or point to it explicitly:
  PYTHON=/path/to/python3.10 make run
MSG
exit 1
