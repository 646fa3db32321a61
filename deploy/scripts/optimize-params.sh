#!/usr/bin/env bash
# The seed's parameter optimisation, as a thin wrapper over the CLI: every option goes to `enigma optimize`.
#   deploy/scripts/optimize-params.sh --symbol ETHUSDTM --grid SIGNAL_MIN_SCORE=40,50,60,70 --grid STOP_LOSS_ROI=5,10
# The walk-forward is written under knowledge-bank/backtest-results/walk-forward/ID/.
# ENIGMA_BIN=path/to/enigma.dll uses a published build instead of `dotnet run`.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
if [ -n "${ENIGMA_BIN:-}" ]; then enigma=(dotnet "$ENIGMA_BIN"); else enigma=(dotnet run --project "$root/Enigma.Cluster.Host" -c Release --); fi
exec "${enigma[@]}" optimize "$@"
