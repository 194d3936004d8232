#!/usr/bin/env bash
# test.sh -- installs what is missing, builds (plain and ASan+UBSan), and runs every test:
# unit tests and integration tests under the sanitizers, then each fuzz target briefly.
# Knobs: FUZZ_SECONDS (default 10 per target), TEST_PATTERN (integration file glob).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --test || exit 1
jobs=$(nproc)
make -s -j"$jobs" || exit 1
make -s -j"$jobs" B=build/asan SAN=1 build/asan/skywatch || exit 1

passed=0; failed=0; failures=()
record() {  # name, exit code
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$1"); fi
}

echo "== unit tests (ASan+UBSan)"
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for src in tests/unit/test_*.c; do
  name=$(basename "$src" .c)
  make -s B=build/asan SAN=1 "build/asan/$name" || { record "$name (build)" 1; continue; }
  "build/asan/$name"; record "$name" $?
done

echo "== JavaScript test client"
if [ ! -d tests/js/node_modules ] || [ tests/js/package-lock.json -nt tests/js/node_modules ]; then
  (cd tests/js && npm install --no-audit --no-fund --loglevel=error) || record "npm install" 1
fi

echo "== integration tests (real binary, ASan+UBSan)"
SKYWATCH_BIN="$PWD/build/asan/skywatch" python3 tests/integration/run.py "${TEST_PATTERN:-test_*.py}"
record "integration" $?

echo "== fuzz targets (${FUZZ_SECONDS:-10}s each)"
make -s -j"$jobs" fuzz || record "fuzz targets (build)" 1
for src in fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  make -s "build/fuzz/$name" || { record "$name (build)" 1; continue; }
  corpus=$(mktemp -d)
  seeds=(); [ -d "fuzz/seeds/${name#fuzz_}" ] && seeds=("fuzz/seeds/${name#fuzz_}")
  (cd "$corpus" && "$OLDPWD/build/fuzz/$name" -max_total_time="${FUZZ_SECONDS:-10}" -print_final_stats=0 \
      "$corpus" "${seeds[@]/#/$OLDPWD/}" > "$corpus.log" 2>&1)
  rc=$?
  [ $rc -ne 0 ] && tail -40 "$corpus.log"
  grep -h "^#.*DONE" "$corpus.log" | sed "s/^/$name: /"
  record "$name" $rc
  rm -rf "$corpus" "$corpus.log"
done

echo
[ ${#failures[@]} -gt 0 ] && printf 'FAILED: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
