#!/usr/bin/env bash
# Quick start, step 1: a private PostgreSQL on 127.0.0.1 and the service on http://127.0.0.1:5080
# with demo data loaded into an empty database (Development environment).
set -euo pipefail
cd "$(dirname "$0")"
export ConnectionStrings__Ledger="$(./db.sh pmoledger | tail -n 1)"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://127.0.0.1:5080}"
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
exec dotnet run --project src/PmoLedger -- "$@"
