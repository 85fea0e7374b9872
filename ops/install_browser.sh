#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives it; it never
# downloads a browser of its own).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
echo "==> Installing Chromium for the browser tests (apt-get install chromium)"
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "Chromium is missing and this user cannot install packages." >&2
    echo "Ask an administrator to run: apt-get install chromium" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "Install Chromium with your system's package manager, then run again." >&2
    exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null
