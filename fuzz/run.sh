#!/usr/bin/env bash
# Runs libFuzzer harnesses one after another: fuzz/run.sh SECONDS TARGET...
# Each runs SECONDS over its working corpus (build-fuzz/corpus/TARGET, which
# grows) and its seeds (fuzz/corpus/TARGET, only read). The full log goes to
# build-fuzz/logs/TARGET.log, crash inputs to build-fuzz/artifacts/TARGET-*;
# one line per target is printed. Exits non-zero when any target crashed.
set -u
seconds=$1; shift
out=${FUZZ_BUILD:-build-fuzz}
crashed=""
for t in "$@"; do
  corpus=$out/corpus/$t log=$out/logs/$t.log
  mkdir -p "$corpus" "$out/artifacts" "$out/logs"
  # Text formats get a dictionary of their tokens; binary ones need none.
  case $t in
    request_parser|path_normalize|byte_range|accept_encoding) dict=(-dict=fuzz/http.dict) ;;
    config) dict=(-dict=fuzz/config.dict) ;;
    *) dict=() ;;
  esac
  "$out/${t}_fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=25 -print_final_stats=1 \
    -artifact_prefix="$out/artifacts/$t-" "${dict[@]}" "$corpus" "fuzz/corpus/$t" >"$log" 2>&1
  status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  files=$(find "$corpus" -type f | wc -l)
  if [ "$status" -eq 0 ]; then
    echo "fuzz $t: ${runs:-?} runs in ${seconds} s (${speed:-?}/s), corpus $files files, no crash"
  else
    echo "fuzz $t: CRASHED (status $status) after ${runs:-?} runs; log $log"
    grep -E 'FUZZ_CHECK|ERROR: |runtime error|differently|Test unit written' "$log" | head -20
    crashed="$crashed $t"
  fi
done
if [ -n "$crashed" ]; then
  echo "fuzz: crashes in:$crashed (reproduce: build-fuzz/TARGET_fuzzer build-fuzz/artifacts/TARGET-crash-...)"
  exit 1
fi
