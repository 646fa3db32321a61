#!/usr/bin/env bash
# Stops the server pg-up.sh started in FOLDER and deletes the folder.
set -euo pipefail
ROOT=${1:?usage: pg-down.sh FOLDER}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
AS_PG="runuser -u postgres --"; [ "$(id -u)" = 0 ] || AS_PG=""
if [ -f "$ROOT/data/postmaster.pid" ] && [ -n "$PGBIN" ]; then
  $AS_PG "$PGBIN/pg_ctl" -D "$ROOT/data" -m immediate -w -t 15 stop >/dev/null 2>&1 || true
fi
rm -rf "$ROOT"
