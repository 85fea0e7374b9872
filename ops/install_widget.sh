#!/usr/bin/env bash
# Install the website chat widget (rasa-webchat) from website/package-lock.json.
# The page serves the bundle itself: no CDN, works offline once installed.
set -euo pipefail
cd "$(dirname "$0")/../website"

if ! command -v npm >/dev/null 2>&1; then
    cat >&2 <<'MSG'
npm was not found. The website's chat widget is installed with npm.
Install Node.js 18 or newer (it includes npm), for example:
  Debian/Ubuntu:  sudo apt-get install nodejs npm
  macOS:          brew install node
then run the command again.
MSG
    exit 1
fi

echo "==> Installing the chat widget (npm ci, website/package-lock.json)"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error 2>&1 \
    | grep -v "Unknown user config" || true
test -f node_modules/rasa-webchat/lib/index.js \
    || { echo "npm ci did not install rasa-webchat" >&2; exit 1; }
touch node_modules/.installed  # make's stamp: npm gives package files old mtimes
