#!/usr/bin/env bash
# The project's test command (README "Tests"). On a fresh Debian 12 machine with the .NET 10 SDK,
# node/npm, cmake and gcc it installs what the tests need (Debian's libsecp256k1-1; anvil, cast, ethers, solc-js and
# @phala/dcap-qvl into the git-ignored deploy/node_modules), builds the native shim and runs CTest,
# builds the solution in Release (zero warnings), runs every NUnit project, and prints as its last line
#   N passed, N failed, N skipped
# over all test runs (CTest + NUnit). Exits non-zero on any failure.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results="$repo/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"

step() { printf '\n==> %s\n' "$*"; }

step "dependencies"
"$repo/deploy/install-deps.sh"

passed=0; failed=0; skipped=0

step "native shim (CMake + CTest)"
cmake -S native -B native/build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build native/build -j2 >/dev/null
set +e
ctest --test-dir native/build --output-on-failure 2>&1 | tee "$results/ctest.log"
ctest_rc=${PIPESTATUS[0]}
set -e
# "100% tests passed, 0 tests failed out of 7"; skipped tests are listed as "(Skipped)" / "Not Run".
ct_total=$(grep -Eo 'tests failed out of [0-9]+' "$results/ctest.log" | grep -Eo '[0-9]+$' || echo 0)
ct_failed=$(grep -Eo '[0-9]+ tests failed' "$results/ctest.log" | grep -Eo '^[0-9]+' || echo 0)
ct_skipped=$(grep -Ec '\(Skipped\)|\*\*\*Not Run' "$results/ctest.log" || true)
passed=$((passed + ct_total - ct_failed - ct_skipped)); failed=$((failed + ct_failed)); skipped=$((skipped + ct_skipped))
if [ "$ctest_rc" -ne 0 ] && [ "$ct_failed" -eq 0 ]; then failed=$((failed + 1)); fi

step "build (Release, warnings are errors)"
dotnet build PhalaWorker.sln -c Release -nologo -v q

step "NUnit"
set +e
dotnet test PhalaWorker.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" \
  --blame-hang --blame-hang-timeout 10m 2>&1 | tee "$results/nunit.log"
test_rc=${PIPESTATUS[0]}
set -e
# Count from the trx reports: VSTest's console summary folds tests that share a display name (the CPU and CUDA
# copies of a parameterized kernel test), so it under-counts; the trx counters list every test case.
trx_count=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  trx_count=$((trx_count + 1))
  counters=$(grep -o -m 1 '<Counters [^>]*>' "$trx")
  get() { echo "$counters" | grep -Eo " $1=\"[0-9]+\"" | grep -Eo '[0-9]+' || echo 0; }
  t=$(get total); p=$(get passed); f=$(get failed); e=$(get error); to=$(get timeout); ab=$(get aborted)
  passed=$((passed + p)); failed=$((failed + f + e + to + ab)); skipped=$((skipped + t - p - f - e - to - ab))
done
if [ "$test_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test exited with $test_rc without a failed test in its reports (crash or hang?)" >&2
  failed=$((failed + 1))
fi
if [ "$trx_count" -eq 0 ]; then
  echo "no NUnit results were written" >&2
  failed=$((failed + 1))
fi

echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
