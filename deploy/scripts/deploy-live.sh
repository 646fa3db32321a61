#!/usr/bin/env bash
# The seed's live deployment, as a thin wrapper over the CLI. Two forms:
#   deploy/scripts/deploy-live.sh node [enigma node options...]   one node of a cluster on this machine
#   deploy/scripts/deploy-live.sh single [enigma live options...]   one process with every agent, SQLite journal
# Credentials come from ENIGMA_KUCOIN_API_KEY, _SECRET and _PASSPHRASE (or --secrets-file); a key that can move funds
# is refused before anything trades. Node settings come from the options or ENIGMA_NODE_* (hocon/node.conf).
# It refuses to start without an admin token on a node, so that emergency-stop.sh can always reach it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
mode="${1:-}"
[ $# -gt 0 ] && shift
if [ -n "${ENIGMA_BIN:-}" ]; then enigma=(dotnet "$ENIGMA_BIN"); else enigma=(dotnet run --project "$root/Enigma.Cluster.Host" -c Release --); fi
case "$mode" in
  node)
    if [ -z "${ENIGMA_NODE_ADMIN_TOKEN:-}" ]; then
      echo "deploy-live.sh: set ENIGMA_NODE_ADMIN_TOKEN first: without it nobody can pause or emergency-stop this node through its admin API." >&2
      exit 1
    fi
    exec "${enigma[@]}" node "$@" ;;
  single)
    exec "${enigma[@]}" live "$@" ;;
  *)
    echo "usage: deploy-live.sh node|single [options of enigma node / enigma live]" >&2
    exit 1 ;;
esac
