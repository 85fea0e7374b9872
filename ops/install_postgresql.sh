#!/usr/bin/env bash
# Debian's PostgreSQL server programs, without the system-wide cluster that
# the package would otherwise create and start on port 5432: the production
# profile and its tests run their own cluster from a folder of ours
# (ops/postgres.py).
set -euo pipefail
if command -v pg_ctlcluster >/dev/null 2>&1; then
    exit 0
fi
conf=/etc/postgresql-common/createcluster.conf
if [ -w /etc ] && [ ! -e "$conf" ]; then
    mkdir -p "$(dirname "$conf")"
    echo "create_main_cluster = false" > "$conf"
fi
exec "$(dirname "$0")/install_debian_package.sh" pg_ctlcluster postgresql
