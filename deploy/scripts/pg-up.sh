#!/usr/bin/env bash
# Starts a private, throwaway PostgreSQL server for tests and local multi-node runs, and prints the environment to
# use it:   eval "$(deploy/scripts/pg-up.sh /tmp/enigma-pg)"   -> PGHOST PGPORT PGUSER PGDATA PGBIN ENIGMA_PG_CONN
# Stop it with deploy/scripts/pg-down.sh with the same folder. PostgreSQL refuses to run as root, so as root the
# server runs as the `postgres` user (created if missing) in a folder it owns; its socket goes into that folder too
# (the default /var/run/postgresql may not exist on a fresh machine). fsync is off: this server is for tests, never
# for trading data.
set -euo pipefail
ROOT=${1:?usage: pg-up.sh FOLDER}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] || { echo "pg-up.sh: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2; exit 1; }
if [ "$(id -u)" = 0 ]; then
  id -u postgres >/dev/null 2>&1 || useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres
  AS_PG="runuser -u postgres --"
else
  AS_PG=""
fi
rm -rf "$ROOT"; mkdir -p "$ROOT"
if [ -n "$AS_PG" ]; then
  chown postgres:postgres "$ROOT"
  $AS_PG test -w "$ROOT" || { echo "pg-up.sh: the postgres user cannot reach $ROOT (a folder above it is private); use a folder under /tmp" >&2; exit 1; }
fi
free_port() {
  # A port nothing answers on (bash only: a fresh machine may have no python), below the kernel's ephemeral range
  # (32768 and up, where outgoing connections take theirs) and below the tests' own ports (20000-32699).
  local port
  for _ in $(seq 1 100); do
    port=$((10000 + RANDOM % 10000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  echo "pg-up.sh: found no free port" >&2; return 1
}
PORT=${ENIGMA_PG_PORT:-$(free_port)}
$AS_PG "$PGBIN/initdb" -D "$ROOT/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$ROOT/initdb.log" 2>&1 \
  || { echo "pg-up.sh: initdb failed, see $ROOT/initdb.log" >&2; exit 1; }
if ! $AS_PG "$PGBIN/pg_ctl" -D "$ROOT/data" -l "$ROOT/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $ROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >"$ROOT/pg_ctl.log" 2>&1; then
  # A server still starting when the wait ran out would outlive this script, holding its port: stop it first.
  [ -f "$ROOT/data/postmaster.pid" ] && $AS_PG "$PGBIN/pg_ctl" -D "$ROOT/data" -m immediate -w -t 10 stop >/dev/null 2>&1
  echo "pg-up.sh: the server did not start on port $PORT, see $ROOT/server.log" >&2; exit 1
fi
echo "export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATA=$ROOT/data PGBIN=$PGBIN"
echo "export ENIGMA_PG_CONN='Host=127.0.0.1;Port=$PORT;Username=postgres;Database=postgres'"
