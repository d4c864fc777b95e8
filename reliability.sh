#!/usr/bin/env bash
# Reliability program: the real service (child processes on :5088 and :5089) against a private PostgreSQL cluster of
# its own (127.0.0.1:5440, which it restarts), under eight provider clients. Scenarios: a PostgreSQL restart, kill -9
# of the service, kill -9 of one of two nodes, and a soak at half the measured maximum ingest rate. Writes
# docs/reliability.json and prints one verdict per check (docs/reliability.md); exits non-zero if any fails.
# Usage: ./reliability.sh [--soak-minutes 10] [--scenarios restart,kill,nodes,soak] [--out docs/reliability.json]
set -euo pipefail
cd "$(dirname "$0")"
export PMOLEDGER_PGPORT="${PMOLEDGER_RELIABILITY_PGPORT:-5440}"
export PMOLEDGER_PGDATA="${PMOLEDGER_RELIABILITY_PGDATA:-/tmp/pmoledger-$(id -un)/pg-$PMOLEDGER_PGPORT}"
CONNECTION="$(./db.sh pmoledger_reliability | tail -n 1)"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"

# Child processes are recorded by pid (ChildProcess); whatever outlives the run is ended.
export PMOLEDGER_BENCH_PIDFILE="$(mktemp)"
cleanup() {
  for pid in $(grep -v '^done ' "$PMOLEDGER_BENCH_PIDFILE" || true); do
    grep -qx "done $pid" "$PMOLEDGER_BENCH_PIDFILE" || kill "$pid" 2>/dev/null || true
  done
  rm -f "$PMOLEDGER_BENCH_PIDFILE"
}
trap cleanup EXIT

echo "reliability: building Release..." >&2
dotnet build tests/PmoLedger.Benchmarks -c Release -nologo -v quiet >/dev/null
dotnet tests/PmoLedger.Benchmarks/bin/Release/net10.0/PmoLedger.Benchmarks.dll reliability \
  --connection "$CONNECTION" --pg-data "$PMOLEDGER_PGDATA" --pg-bin "$PGBIN" \
  --service-dll src/PmoLedger/bin/Release/net10.0/PmoLedger.dll --out docs/reliability.json "$@"
