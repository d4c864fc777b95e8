#!/usr/bin/env bash
# Quick start, step 1: a private PostgreSQL on 127.0.0.1 and the service on http://127.0.0.1:5080
# with demo data loaded into an empty database (Development environment).
#   ./run.sh                  one node on :5080
#   ./run.sh --nodes 2        two nodes on one database, on :5080 and :5081 (PMOLEDGER_PORT sets the first port);
#                             they share the work as behind a load balancer (docs/operations.md, "Several nodes")
#   ./run.sh --published      as the Docker image runs it: handler code pre-generated, published ReadyToRun (starts faster)
#   ./run.sh <command> ...    a service command (token, seed-demo, projections, ...)
set -euo pipefail
cd "$(dirname "$0")"
NODES=1
PUBLISHED=""
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes)
      NODES="${2:?--nodes needs a number}"; shift 2
      [[ "$NODES" =~ ^[1-9][0-9]*$ ]] || { echo "run: --nodes needs a whole number of at least 1, not '$NODES'" >&2; exit 2; } ;;
    --published) PUBLISHED="$PWD/src/PmoLedger/bin/Release/published"; shift ;;
    *) break ;;
  esac
done
export ConnectionStrings__Ledger="$(./db.sh pmoledger | tail -n 1)"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
PORT="${PMOLEDGER_PORT:-5080}"
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://127.0.0.1:$PORT}"
# Sign-in mails land as .eml files beside the local database when no SMTP server is configured.
PGDATA_DEFAULT="${PMOLEDGER_PGDATA:-/tmp/pmoledger-$(id -un)/pg-${PMOLEDGER_PGPORT:-5433}}"
export Mail__PickupDirectory="${Mail__PickupDirectory:-$(dirname "$PGDATA_DEFAULT")/mail}"
if [ $# -eq 0 ]; then
  cat <<INFO
PmoLedger web application: ${ASPNETCORE_URLS%%;*}/   (API reference: ${ASPNETCORE_URLS%%;*}/docs)
Demo accounts (sign in with a one-time link):
  practitioner  priya.shah@example.org   (also tom.okafor@example.org, alex.morgan@example.org)
  auditor       auditor@example.org
  admin         admin@example.org
  provider      coordinator@pmo-academy.example   (staff of the demo provider PMO Academy)
Sign-in mails land in: $Mail__PickupDirectory  (newest file last; open the link inside)
INFO
fi
if [ -n "$PUBLISHED" ]; then
  # The same steps as docker/Dockerfile; the generated code is not kept in the source tree.
  echo "run: generating handler code and publishing ReadyToRun to $PUBLISHED..." >&2
  trap 'rm -rf src/PmoLedger/Internal/Generated' EXIT
  dotnet run --project src/PmoLedger -c Release -- codegen write >/dev/null
  dotnet publish src/PmoLedger -c Release -r "$(dotnet --info | awk '/^ *RID:/ { print $2; exit }')" --self-contained false \
    -o "$PUBLISHED" -v q -nologo >&2
  rm -rf src/PmoLedger/Internal/Generated
  export Wolverine__TypeLoadMode=Static
  start() { cd "$PUBLISHED" && exec dotnet PmoLedger.dll "$@"; }
  # The deployment step before the nodes start: a Production start does not apply the schema (docs/operations.md).
  if [ $# -eq 0 ]; then (cd "$PUBLISHED" && dotnet PmoLedger.dll db-apply >&2); fi
else
  start() { exec dotnet run --no-build --no-launch-profile --project src/PmoLedger -- "$@"; }
fi
if [ "$NODES" -eq 1 ] && [ -z "$PUBLISHED" ]; then
  exec dotnet run --project src/PmoLedger -- "$@"
fi
if [ "$NODES" -eq 1 ]; then
  start "$@"; exit
fi

# Several nodes: build once, start each on its own port, stop them all together.
[ -n "$PUBLISHED" ] || dotnet build src/PmoLedger -v q -nologo >&2
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
for i in $(seq 0 $((NODES - 1))); do
  url="http://127.0.0.1:$((PORT + i))"
  echo "node $((i + 1)) of $NODES: $url" >&2
  ASPNETCORE_URLS="$url" start "$@" &
  pids+=($!)
done
wait -n "${pids[@]}"
