#!/usr/bin/env bash
# Install the chat widget's libraries (socket.io-client, markdown-it) and the
# accessibility tests' axe-core from website/package-lock.json. The page serves
# them itself: no CDN, works offline once installed.
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

echo "==> Installing the chat widget's libraries and axe-core (npm ci, website/package-lock.json)"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error 2>&1 \
    | grep -v "Unknown user config" || true
for file in socket.io-client/dist/socket.io.min.js markdown-it/dist/markdown-it.min.js \
    axe-core/axe.min.js; do
    test -f "node_modules/$file" || { echo "npm ci did not install $file" >&2; exit 1; }
done
touch node_modules/.installed  # make's stamp: npm gives package files old mtimes
