#!/usr/bin/env bash
# The seed's emergency shutdown: EMERGENCY_STOP through a node's admin API (any node: the orchestrator is a cluster
# singleton). Every working order is cancelled, every position closed at market, and the cluster waits for a manual
# resume (enigma resume) after the post-mortem.
#   deploy/scripts/emergency-stop.sh [--node HOST:PORT] [--reason TEXT]
# The token comes from ENIGMA_NODE_ADMIN_TOKEN. Exit codes are the CLI's: 0 stopped, 5 node unreachable, 6 refused.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
if [ -n "${ENIGMA_BIN:-}" ]; then enigma=(dotnet "$ENIGMA_BIN"); else enigma=(dotnet run --project "$root/Enigma.Cluster.Host" -c Release --); fi
if [ -z "${ENIGMA_NODE_ADMIN_TOKEN:-}" ]; then
  echo "emergency-stop.sh: set ENIGMA_NODE_ADMIN_TOKEN to the nodes' admin token." >&2
  exit 1
fi
node=()
has_reason=0
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --node) node=(--node "${args[$((i + 1))]:-}") ;;
    --reason) has_reason=1 ;;
  esac
done
if [ "$has_reason" -eq 0 ]; then
  set -- "$@" --reason "emergency-stop.sh by ${USER:-operator} on $(hostname)"
fi
"${enigma[@]}" emergency-stop "$@"
# What the cluster holds now: every position should be flat once the closing orders fill.
"${enigma[@]}" status "${node[@]}" || true
