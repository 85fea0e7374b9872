#!/usr/bin/env bash
# Install a Debian package when its command is missing:
#   ops/install_debian_package.sh <command> <package>
# Used for what tests and benchmarks start themselves (Chromium, Redis).
set -euo pipefail
command_name="$1"
package="$2"
if command -v "$command_name" >/dev/null 2>&1; then
    exit 0
fi
echo "==> Installing $package (apt-get install $package)"
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "$command_name is missing and this user cannot install packages." >&2
    echo "Ask an administrator to run: apt-get install $package" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "Install $package with your system's package manager, then run again." >&2
    exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$package" >/dev/null
command -v "$command_name" >/dev/null
