#!/usr/bin/env bash
# Runs every GoogleTest binary given on the command line and ends with one
# line "N passed, M failed" for all suites together. Exits non-zero on any
# failure, or when no test ran at all.
set -u
passed=0; failed=0; broken=0
for bin in "$@"; do
  log=$(mktemp)
  echo "== $bin"
  timeout 900 "$bin" --gtest_color=no 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  if [ "$status" -ne 0 ] && [ -z "$f" ]; then
    echo "!! $bin exited with status $status before reporting"; broken=$((broken + 1)); failed=$((failed + 1))
  fi
  rm -f "$log"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
