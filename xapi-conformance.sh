#!/usr/bin/env bash
# The ADL xAPI LRS conformance suite (../shared/conformance/xapi) against the real service and
# database: builds nothing (run after a build), starts the service on a free port with its own
# database, registers a provider, issues LRS credentials, runs the suite for 2.0.0 and 1.0.3.
# Prints one result line per version and, last, "N passed, N failed" (one count per version).
# Usage: ./xapi-conformance.sh   (XAPI_SUITE=<path to run.sh> to use another copy of the suite)
set -uo pipefail
cd "$(dirname "$0")"
suite="${XAPI_SUITE:-../shared/conformance/xapi/run.sh}"
if [ ! -x "$suite" ]; then echo "xapi conformance: suite not found at $suite"; echo "0 passed, 1 failed"; exit 1; fi

export ConnectionStrings__Ledger="$(./db.sh "${PMOLEDGER_TEST_DB:-pmoledger_test}_xapi" | tail -n 1)" || { echo "0 passed, 1 failed"; exit 1; }
export ASPNETCORE_ENVIRONMENT=Development Demo__SeedOnStart=false
# The suite sends thousands of requests with one credential: it checks conformance, not the per-caller limits.
export RateLimits__ProviderPerWindow=1000000 RateLimits__ProviderBurst=1000000 RateLimits__UserPerWindow=1000000 RateLimits__UserBurst=1000000
# A free port: one nothing answers on.
for _ in $(seq 100); do port=$((20000 + RANDOM % 40000)); (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break; done
base="http://127.0.0.1:$port"
log="$(mktemp)"
(cd src/PmoLedger && exec dotnet bin/Debug/net10.0/PmoLedger.dll --urls "$base") >"$log" 2>&1 &
service=$!
trap 'kill "$service" 2>/dev/null; wait "$service" 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 120); do curl -sf "$base/health" >/dev/null && break; sleep 0.5; done
if ! curl -sf "$base/health" >/dev/null; then tail -n 30 "$log"; echo "0 passed, 1 failed"; exit 1; fi

token="$(cd src/PmoLedger && dotnet bin/Debug/net10.0/PmoLedger.dll token --role admin 2>/dev/null | tail -n 1)"
# Provider names are unique and this database is kept between runs: a fresh name each run.
provider="$(curl -sf -X POST "$base/api/providers" -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
  -d "{\"name\":\"xAPI conformance suite $(date +%s%N)\"}" | sed -E 's/.*"id":"([^"]+)".*/\1/')"
credentials="$(curl -sf -X POST "$base/api/providers/$provider/lrs-credentials" -H "Authorization: Bearer $token")"
key="$(echo "$credentials" | sed -E 's/.*"key":"([^"]+)".*/\1/')"
secret="$(echo "$credentials" | sed -E 's/.*"secret":"([^"]+)".*/\1/')"
if [ -z "$key" ] || [ -z "$secret" ]; then echo "xapi conformance: could not issue LRS credentials"; echo "0 passed, 1 failed"; exit 1; fi

# The suite's working copy (npm dependencies, logs) per test database, so parallel runs keep apart.
export XAPI_SUITE_DIR="${XAPI_SUITE_DIR:-${TMPDIR:-/tmp}/xapi-conformance-${PMOLEDGER_TEST_DB:-pmoledger_test}}"
passed=0; failed=0
for version in 2.0.0 1.0.3; do
  line="$("$suite" "$base/xapi" "$key" "$secret" "$version" 2>/dev/null | tail -n 1)"; status=$?
  echo "$line"
  if [ "$status" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
