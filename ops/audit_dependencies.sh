#!/usr/bin/env bash
# Known vulnerabilities in the pinned dependencies: pip-audit over requirements.lock.
#
# pip-audit runs in its own small venv (.venv-audit, made with the same
# Python 3.10 as .venv): its own dependencies (packaging, ...) conflict with
# Rasa 3.6's pins, so it cannot join .venv. It reads requirements.lock as it
# is (--no-deps --disable-pip): nothing is resolved or installed.
#
# Findings that cannot be fixed under Rasa 3.6 are listed, each with its
# reason, in ops/audit-ignore.txt (docs/security.md); any other finding
# fails (exit 1). So does a vulnerability service that cannot be reached or
# gives no answer (exit 2): the audit never passes without having looked.
# AUDIT_SERVICE=osv uses OSV instead of PyPI's JSON API (the default).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-audit
PIP_AUDIT="pip-audit==2.10.1"
SERVICE=${AUDIT_SERVICE:-pypi}
IGNORE_FILE=ops/audit-ignore.txt
LOCK=requirements.lock
# A release with published advisories (PYSEC-2018-28 and later): a service
# that reports nothing for it is not answering, whatever it says.
CANARY="requests==2.19.1"

if [ ! -x "$VENV/bin/pip-audit" ] || [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$PIP_AUDIT" ]; then
  PY=$(ops/find_python.sh)
  echo "==> Creating $VENV with $PY and $PIP_AUDIT"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --no-input "$PIP_AUDIT" 2>&1 \
    | { grep -v "is ignored: it is neither a file nor a directory" || true; }
  echo "$PIP_AUDIT" > "$VENV/.installed"
fi

ignores=()
while IFS= read -r line || [ -n "$line" ]; do
  id=${line%%#*}
  id=${id//[[:space:]]/}
  if [ -n "$id" ]; then ignores+=(--ignore-vuln "$id"); fi
done < "$IGNORE_FILE"

audit() {
  "$VENV/bin/pip-audit" --no-deps --disable-pip --strict --progress-spinner off \
    --vulnerability-service "$SERVICE" --timeout 20 "$@"
}

unreachable() {
  echo "ERROR: the vulnerability service ($SERVICE) $1, so nothing was audited." >&2
  echo "       pip-audit said:" >&2
  sed 's/^/       /' <<<"$2" | grep -v "encouraged to fully hash\|pip-compile" | tail -8 >&2
  echo "       The audit fails rather than pass without having looked (docs/security.md)." >&2
  exit 2
}

canary=$(mktemp)
trap 'rm -f "$canary"' EXIT
echo "$CANARY" > "$canary"
if output=$(audit --requirement "$canary" 2>&1); then
  unreachable "reported no vulnerability for $CANARY, which has some" "$output"
elif ! grep -q "^Found [0-9]* known vulnerabilit" <<<"$output"; then
  unreachable "did not answer for $CANARY" "$output"
fi

packages=$(grep -c "^[A-Za-z0-9].*==" "$LOCK")
echo "==> pip-audit ($SERVICE): $packages pinned packages in $LOCK, $((${#ignores[@]} / 2)) findings ignored (ops/audit-ignore.txt)"
audit --requirement "$LOCK" --desc on ${ignores[@]+"${ignores[@]}"} 2>&1 \
  | { grep -v "encouraged to fully hash\|pip-compile" || true; }
