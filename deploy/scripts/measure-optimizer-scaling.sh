#!/usr/bin/env bash
# Measures what a second optimizer node adds: the same walk-forward search (a ninth of the seed's tradable grid by
# default) run through `enigma optimize --cluster` on one node with one backtest at a time pinned to core 0, then on
# two nodes with one each pinned to cores 0 and 1. A private PostgreSQL journal and a simulator are started and
# stopped here. Prints both times and the speed-up; the searches' results must be identical.
#   deploy/scripts/measure-optimizer-scaling.sh [-- extra enigma optimize options]
# ENIGMA_SCALING_PIN=0 leaves the nodes unpinned (the operating system spreads them over the cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "${1:-}" = "--" ] && shift
EXTRA=("$@")
[ ${#EXTRA[@]} -gt 0 ] || EXTRA=(--grid seed-tradable --grid RSI_PERIOD=14 --grid RSI_OVERSOLD=25)
command -v taskset >/dev/null || { echo "measure-optimizer-scaling.sh: taskset (util-linux) is needed to pin each node to one core" >&2; exit 1; }
WORK=$(mktemp -d /tmp/enigma-scaling.XXXXXX)
chmod 755 "$WORK" # PostgreSQL runs as its own user when this runs as root
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; deploy/scripts/pg-down.sh "$WORK/pg" >/dev/null 2>&1 || true; }
trap cleanup EXIT
dotnet build Enigma.Cluster.Host -c Release -v quiet -nologo >/dev/null
ENIGMA=(dotnet Enigma.Cluster.Host/bin/Release/net10.0/enigma.dll)
PG_ENV=$(deploy/scripts/pg-up.sh "$WORK/pg") || exit 1
eval "$PG_ENV"
export ENIGMA_NODE_ADMIN_TOKEN=scaling-token ENIGMA_OPTIMIZER_WORKER_SLOTS=1
# The simulator's paper account (SimulatorOptions.DefaultAccount).
export ENIGMA_KUCOIN_API_KEY=enigma-paper-key ENIGMA_KUCOIN_API_SECRET=enigma-paper-secret ENIGMA_KUCOIN_API_PASSPHRASE=enigma-paper-passphrase
port() { echo $((20000 + RANDOM % 40000)); }
SIM=$(port)
"${ENIGMA[@]}" simulator --port "$SIM" --symbols ETHUSDTM >"$WORK/simulator.log" 2>&1 & PIDS+=($!)
wait_for() { for _ in $(seq 1 240); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.5; done; echo "timed out waiting for '$2' in $1" >&2; exit 1; }
wait_for "$WORK/simulator.log" "simulator listening"

run() { # $1: number of nodes; sets ELAPSED (not in a subshell: the nodes' pids must reach the cleanup)
  local db="scaling$1" seed="" first_admin=""
  "$PGBIN/psql" -q -c "CREATE DATABASE $db" >/dev/null
  for n in $(seq 1 "$1"); do
    local p a roles=optimizer
    p=$(port); a=$(port)
    [ "$n" = 1 ] && { seed="akka.tcp://enigma@127.0.0.1:$p"; first_admin="127.0.0.1:$a"; roles=all; }
    local pin=()
    [ "${ENIGMA_SCALING_PIN:-1}" = 1 ] && pin=(taskset -c $((n - 1)))
    "${pin[@]}" "${ENIGMA[@]}" node --roles "$roles" --port "$p" --seeds "$seed" --min-members "$1" \
      --journal "Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=$db" --exchange "http://127.0.0.1:$SIM/" --symbols ETHUSDTM \
      --admin-port "$a" --data-dir "$WORK/node$1-$n" >"$WORK/node$1-$n.log" 2>&1 & PIDS+=($!)
  done
  for n in $(seq 1 "$1"); do wait_for "$WORK/node$1-$n.log" "node up:"; done
  until "${ENIGMA[@]}" optimizer --node "$first_admin" 2>/dev/null | grep -q "workers: $1"; do sleep 0.5; done
  local start end
  start=$(date +%s.%N)
  "${ENIGMA[@]}" optimize --cluster "$first_admin" --output "$WORK/runs$1" "${EXTRA[@]}" >"$WORK/optimize$1.out" 2>"$WORK/optimize$1.err"
  end=$(date +%s.%N)
  ELAPSED=$(echo "$end - $start" | bc)
}
stop_nodes() { # every node, leaving the simulator (the first pid)
  for p in "${PIDS[@]:1}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:1}"; do for _ in $(seq 1 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done; kill -9 "$p" 2>/dev/null || true; done
  PIDS=("${PIDS[0]}")
}
run 1; ONE=$ELAPSED
stop_nodes
run 2; TWO=$ELAPSED
stop_nodes
diff <(grep "^out of sample" "$WORK/optimize1.out") <(grep "^out of sample" "$WORK/optimize2.out") >/dev/null \
  || { echo "the two searches disagree: see $WORK/optimize1.out and $WORK/optimize2.out" >&2; exit 1; }
grep "backtests per node" "$WORK/optimize2.err"
printf 'one node, one backtest at a time: %.1f s\ntwo nodes, one backtest at a time each: %.1f s\nspeed-up: %.2fx\n' "$ONE" "$TWO" "$(echo "$ONE / $TWO" | bc -l)"
