#!/usr/bin/env bash
# Quick start, step 1: a private PostgreSQL on 127.0.0.1 and the service on http://127.0.0.1:5080
# with demo data loaded into an empty database (Development environment).
#   ./run.sh                  one node on :5080
#   ./run.sh --nodes 2        two nodes on one database, on :5080 and :5081 (PMOLEDGER_PORT sets the first port);
#                             they share the work as behind a load balancer (docs/operations.md, "Several nodes")
#   ./run.sh <command> ...    a service command (token, seed-demo, projections, ...)
set -euo pipefail
cd "$(dirname "$0")"
NODES=1
if [ "${1:-}" = "--nodes" ]; then
  NODES="${2:?--nodes needs a number}"; shift 2
  [[ "$NODES" =~ ^[1-9][0-9]*$ ]] || { echo "run: --nodes needs a whole number of at least 1, not '$NODES'" >&2; exit 2; }
fi
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
if [ "$NODES" -eq 1 ]; then
  exec dotnet run --project src/PmoLedger -- "$@"
fi

# Several nodes: build once, start each on its own port, stop them all together.
dotnet build src/PmoLedger -v q -nologo >&2
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
for i in $(seq 0 $((NODES - 1))); do
  url="http://127.0.0.1:$((PORT + i))"
  echo "node $((i + 1)) of $NODES: $url" >&2
  ASPNETCORE_URLS="$url" dotnet run --no-build --no-launch-profile --project src/PmoLedger -- "$@" &
  pids+=($!)
done
wait -n "${pids[@]}"
