#!/usr/bin/env bash
# Benchmarks: measures the ledger against the physical limit of this machine, in one run.
# Starts PostgreSQL (db.sh), pre-generates Wolverine's handler code into the build (not committed),
# builds Release and publishes the service ReadyToRun (as the Docker image does), runs tests/PmoLedger.Benchmarks (service and reference apps as child processes on
# loopback), writes the raw results to docs/benchmarks.json and prints a summary.
# Usage: ./bench.sh [--quick] [--events 1000000] [--runs 3] [--seconds 6] [--phases coldstart,ingest,timeline,xapi,asof,search,pages,rebuild]
#        [--rebuild-per-projection]   also times the rebuild one projection after the other (the way before the composite)
# dotnet-trace, dotnet-counters and dotnet-gcdump are restored as local tools (`dotnet tool restore`) for profiling a run.
# --quick is a smoke test of the harness (tiny sizes, about a minute); its figures mean nothing.
# PMOLEDGER_BENCH_DB=<name> and PMOLEDGER_BENCH_PORT_BASE=<port> (4 ports from it; 5391) let two runs share a machine.
# PMOLEDGER_BENCH_TRACE=<dir> profiles the service under load: dotnet-trace (a local tool, dotnet-tools.json) samples its CPU
# for PMOLEDGER_BENCH_TRACE_SECONDS (20) once it answers, PMOLEDGER_BENCH_TRACE_DELAY (15) seconds after it starts, and
# writes the trace and its top frames by inclusive time there; dotnet-counters records its runtime counters alongside.
# PMOLEDGER_BENCH_BASELINE_REF=<git ref> also builds the service at that commit (one without encryption at rest)
# and measures ingest against it in the same run, on a database of its own.
set -euo pipefail
cd "$(dirname "$0")"

CONNECTION="$(./db.sh "${PMOLEDGER_BENCH_DB:-pmoledger_bench}" | tail -n 1)"
REBUILD_CONNECTION="$(./db.sh "${PMOLEDGER_BENCH_DB:-pmoledger_bench}_rebuild" | tail -n 1)"

# Pre-generated handlers: `codegen write` needs the production settings, not a running service.
GENERATED=src/PmoLedger/Internal/Generated
# Child processes (service, reference app) are recorded by pid; whatever outlives the run is ended.
export PMOLEDGER_BENCH_PIDFILE="$(mktemp)"
cleanup() {
  rm -rf "$GENERATED"
  for pid in $(grep -v '^done ' "$PMOLEDGER_BENCH_PIDFILE" || true); do
    grep -qx "done $pid" "$PMOLEDGER_BENCH_PIDFILE" || kill "$pid" 2>/dev/null || true
  done
  rm -f "$PMOLEDGER_BENCH_PIDFILE"
}
trap cleanup EXIT
rm -rf "$GENERATED"
CODEGEN_MASTER_KEY="$(head -c 32 /dev/urandom | base64)"   # codegen needs a production configuration, not this key
export Credentials__SigningKey="$(openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null)"   # nor this one
dotnet tool restore >/dev/null
echo "bench: generating Wolverine handler code, building Release and publishing ReadyToRun..."
ASPNETCORE_ENVIRONMENT=Production ConnectionStrings__Ledger="$CONNECTION" Demo__SeedOnStart=false \
  Auth__SigningKey=pmoledger-benchmark-codegen-only-key-0123456789 Privacy__MasterKey="$CODEGEN_MASTER_KEY" \
  dotnet run --project src/PmoLedger -c Release -- codegen write >/dev/null
dotnet build tests/PmoLedger.Benchmarks -c Release -nologo -v quiet >/dev/null
# The service runs as it ships (docker/Dockerfile): published ReadyToRun for this machine's runtime identifier.
PUBLISHED=src/PmoLedger/bin/Release/published
RID="$(dotnet --info | awk '/^ *RID:/ { print $2; exit }')"
dotnet publish src/PmoLedger -c Release -r "$RID" --self-contained false -o "$PUBLISHED" -nologo -v quiet >/dev/null
rm -rf "$GENERATED"

BASELINE=()
if [ -n "${PMOLEDGER_BENCH_BASELINE_REF:-}" ]; then
  BASELINE_DIR="$(mktemp -d)"
  trap 'cleanup; rm -rf "$BASELINE_DIR"' EXIT
  BASELINE_CONNECTION="$(./db.sh "${PMOLEDGER_BENCH_DB:-pmoledger_bench}_baseline" | tail -n 1)"
  echo "bench: building the baseline service at $PMOLEDGER_BENCH_BASELINE_REF..."
  git archive "$PMOLEDGER_BENCH_BASELINE_REF" | tar -x -C "$BASELINE_DIR"
  (cd "$BASELINE_DIR" && ASPNETCORE_ENVIRONMENT=Production ConnectionStrings__Ledger="$BASELINE_CONNECTION" Demo__SeedOnStart=false \
    Auth__SigningKey=pmoledger-benchmark-codegen-only-key-0123456789 Privacy__MasterKey="$CODEGEN_MASTER_KEY" \
    dotnet run --project src/PmoLedger -c Release -- codegen write >/dev/null && dotnet build src/PmoLedger -c Release -nologo -v quiet >/dev/null)
  BASELINE=(--baseline-service-dll "$BASELINE_DIR/src/PmoLedger/bin/Release/net10.0/PmoLedger.dll" --baseline-connection "$BASELINE_CONNECTION")
fi

if [ -n "${PMOLEDGER_BENCH_TRACE:-}" ]; then
  dotnet tool restore >/dev/null
  mkdir -p "$PMOLEDGER_BENCH_TRACE"
  (
    port="${PMOLEDGER_BENCH_PORT_BASE:-5391}"
    # The service is the process listening on the first port; the profile starts once the load has.
    until pid="$(ss -ltnpH "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)" && [ -n "$pid" ]; do sleep 0.5; done
    sleep "${PMOLEDGER_BENCH_TRACE_DELAY:-15}"
    seconds="${PMOLEDGER_BENCH_TRACE_SECONDS:-20}"
    duration="$(printf '00:00:%02d' "$seconds")"
    dotnet dotnet-counters collect -p "$pid" --duration "$duration" --format csv --counters System.Runtime,Npgsql,Microsoft.AspNetCore.Hosting \
      -o "$PMOLEDGER_BENCH_TRACE/counters.csv" >/dev/null 2>&1 &
    dotnet dotnet-trace collect -p "$pid" --profile dotnet-sampled-thread-time --duration "$duration" \
      -o "$PMOLEDGER_BENCH_TRACE/service.nettrace" >/dev/null 2>&1 || true
    wait
    dotnet dotnet-trace report "$PMOLEDGER_BENCH_TRACE/service.nettrace" topN -n 60 --inclusive > "$PMOLEDGER_BENCH_TRACE/top-inclusive.txt" 2>&1 || true
    dotnet dotnet-trace report "$PMOLEDGER_BENCH_TRACE/service.nettrace" topN -n 40 > "$PMOLEDGER_BENCH_TRACE/top-exclusive.txt" 2>&1 || true
  ) &
fi

PMOLEDGER_BENCH_SERVICE_DLL="$PUBLISHED/PmoLedger.dll" \
dotnet tests/PmoLedger.Benchmarks/bin/Release/net10.0/PmoLedger.Benchmarks.dll \
  --connection "$CONNECTION" --rebuild-connection "$REBUILD_CONNECTION" \
  --out docs/benchmarks.json "${BASELINE[@]}" "$@"
