#!/usr/bin/env bash
# The seed's backtest execution, as a thin wrapper over the CLI: every option goes to `enigma backtest`.
#   deploy/scripts/run-backtest.sh --symbols XBTUSDTM,ETHUSDTM --timerange 20250403-20250702 [--strategy rsi-bollinger] ...
# The run is written under knowledge-bank/backtest-results/runs/ID/ (summary.json, trades.csv, report.html).
# ENIGMA_BIN=path/to/enigma.dll uses a published build instead of `dotnet run`.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
if [ -n "${ENIGMA_BIN:-}" ]; then enigma=(dotnet "$ENIGMA_BIN"); else enigma=(dotnet run --project "$root/Enigma.Cluster.Host" -c Release --); fi
exec "${enigma[@]}" backtest "$@"
