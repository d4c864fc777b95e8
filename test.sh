#!/usr/bin/env bash
# Quick start, step 2: every test against a real PostgreSQL (started by db.sh, as run.sh does).
# Ends with one line: "N passed, N failed". Extra arguments go to `dotnet test` (e.g. --filter); without
# any, the xAPI conformance suite runs too (xapi-conformance.sh).
set -uo pipefail
cd "$(dirname "$0")"
export PMOLEDGER_TEST_CONNECTION="$(./db.sh "${PMOLEDGER_TEST_DB:-pmoledger_test}" | tail -n 1)" || { echo "0 passed, 1 failed"; exit 1; }

# The browser tests drive the Debian chromium (never Playwright's own download, which cannot be reached here).
if [ ! -x /usr/bin/chromium ]; then
  echo "test: installing the Debian package 'chromium' for the browser tests..." >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >&2 \
    || { echo "0 passed, 1 failed"; exit 1; }
fi

results="$(mktemp -d)"
dotnet test PmoLedger.sln --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" "$@"
status=$?

# Count from the TRX files rather than dotnet test's own summary, which CI does not read.
passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  attr() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(attr passed)))
  failed=$((failed + $(attr failed) + $(attr error) + $(attr timeout)))
done
rm -rf "$results"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi   # a build failure counts as a failure

# A full run (no arguments) also runs the xAPI LRS conformance suite against the real service: one count per version.
if [ "$#" -eq 0 ] && [ "$status" -eq 0 ]; then
  conformance="$(./xapi-conformance.sh)"; echo "$conformance" | grep '^xapi conformance'
  counts="$(echo "$conformance" | tail -n 1)"
  passed=$((passed + $(echo "$counts" | sed -E 's/^([0-9]+) passed.*/\1/')))
  failed=$((failed + $(echo "$counts" | sed -E 's/.* ([0-9]+) failed$/\1/')))
  echo "$counts" | grep -q ' 0 failed$' || status=1
fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
