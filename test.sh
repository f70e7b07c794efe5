#!/usr/bin/env bash
# The whole test suite; prints a closing "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")"
results="$(mktemp -d)"
# The tests' temporary files go under here (tests/Glossa.Tests/TestTemp.cs); deleted at the end.
export GLOSSA_TEST_TMP="$results/tmp"
dotnet test tests/Glossa.Tests/Glossa.Tests.csproj -c Release --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@"
rc=$?
trx="$results/results.trx"
if [[ -f "$trx" ]]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  echo "${passed:-0} passed, ${failed:-0} failed"
else
  echo "0 passed, 1 failed"
  rc=1
fi
rm -rf "$results"
exit $rc
