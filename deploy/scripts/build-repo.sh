#!/usr/bin/env bash
# The seed's "full repo build": restore, build with warnings as errors, run every test (the README's test command),
# and publish the enigma executable to publish/ (or the folder given). Thin wrapper over dotnet; CI runs .ci/run.
#   deploy/scripts/build-repo.sh [OUTPUT_FOLDER] [--no-tests]
set -euo pipefail
cd "$(dirname "$0")/../.."
out="publish"
tests=1
for arg in "$@"; do
  case "$arg" in
    --no-tests) tests=0 ;;
    -*) echo "build-repo.sh: unknown option $arg (use --no-tests)" >&2; exit 1 ;;
    *) out="$arg" ;;
  esac
done
dotnet build Enigma.sln -c Release
if [ "$tests" -eq 1 ]; then
  dotnet test Enigma.sln -c Release --no-build
fi
dotnet publish Enigma.Cluster.Host/Enigma.Cluster.Host.csproj -c Release --no-build -o "$out"
echo "enigma published to $out: run it with: dotnet $out/enigma.dll --help"
