#!/usr/bin/env bash
# Create .venv with Python 3.10 and install requirements.lock in ONE pip run.
# Re-runs only when requirements.lock changed (decided by its content hash).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.requirements.sha256"
want=$(sha256sum requirements.lock | cut -d' ' -f1)

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  exit 0
fi

PY=$(ops/find_python.sh)
echo "==> Creating $VENV with $PY"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
echo "==> Installing pinned dependencies (about 2 minutes on first use)"
"$VENV/bin/python" -m pip install --quiet --upgrade "pip<25" setuptools wheel 2>&1 \
  | { grep -v "is ignored: it is neither a file nor a directory" || true; }
# One resolver run over the whole lock file: a second 'pip install' could
# silently move Rasa's own pins (regex, pytz, packaging, SQLAlchemy, pydantic).
# (The grep drops this machine's notes about missing local package mirrors.)
"$VENV/bin/python" -m pip install --quiet --no-input -r requirements.lock 2>&1 \
  | { grep -v "is ignored: it is neither a file nor a directory" || true; }
"$VENV/bin/python" -m pip check
echo "$want" > "$STAMP"
echo "==> Dependencies installed"
