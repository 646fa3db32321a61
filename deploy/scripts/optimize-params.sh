#!/usr/bin/env bash
# The seed's parameter optimisation, as a thin wrapper over the CLI: every option goes to `enigma optimize`.
#   deploy/scripts/optimize-params.sh --symbol ETHUSDTM --grid SIGNAL_MIN_SCORE=40,50,60,70 --grid STOP_LOSS_ROI=5,10
#   deploy/scripts/optimize-params.sh --grid seed-tradable                       # the seed's whole grid (4.5 min on 2 cores)
#   deploy/scripts/optimize-params.sh --search genetic --population 40 --generations 12 --grid ...
#   deploy/scripts/optimize-params.sh --grid seed-tradable --cluster 127.0.0.1:9110 # on the cluster's optimizer nodes
#   deploy/scripts/optimize-params.sh --resume ID ...                            # finish an interrupted run
# The walk-forward is written under knowledge-bank/backtest-results/walk-forward/ID/ (summary.json, report.html,
# parameter-sets.csv, out-of-sample-trades.csv); a set that passes every gate goes to knowledge-bank/model-weights/.
# ENIGMA_BIN=path/to/enigma.dll uses a published build instead of `dotnet run`.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
if [ -n "${ENIGMA_BIN:-}" ]; then enigma=(dotnet "$ENIGMA_BIN"); else enigma=(dotnet run --project "$root/Enigma.Cluster.Host" -c Release --); fi
exec "${enigma[@]}" optimize "$@"
