#!/usr/bin/env bash
# Quick start, step 1: a private PostgreSQL on 127.0.0.1 and the service on http://127.0.0.1:5080
# with demo data loaded into an empty database (Development environment).
set -euo pipefail
cd "$(dirname "$0")"
export ConnectionStrings__Ledger="$(./db.sh pmoledger | tail -n 1)"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://127.0.0.1:5080}"
exec dotnet run --project src/PmoLedger -- "$@"
