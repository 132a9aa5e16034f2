#!/usr/bin/env bash
# Instructions and heap allocations per request on hearth's hot paths, counted
# by callgrind: repeatable to the instruction on a busy machine, where
# requests/s and CPU µs/req are not (issue 16, "count before changing").
#
# Starts HEARTH_BIN --single (one worker in the foreground, no master) under
# `valgrind --tool=callgrind` with a temporary config (bench/hearth.json.template:
# 127.0.0.1, root and /public/ mount of bench/gen_docroot.py's docroot, access
# log off). For each case and mode bench/callgrind_report.py (a Python client,
# not under valgrind) checks one answer, sends CALLGRIND_WARMUP requests,
# zeroes the counters (callgrind_control -z), sends exactly CALLGRIND_N
# requests, dumps (callgrind_control --dump) and closes its connections; then
# it prints markdown to stdout: Ir/request, allocations/request (calls to
# malloc & co.; operator new calls malloc), syscalls/request, the cost by group
# (ours, llhttp, nlohmann, std, libc, libuv, spdlog/fmt), the top functions by
# inclusive and self cost, and the allocations by the first function of ours
# on the stack.
#
# Cases: /hello/world (a route with a param), /plaintext, /json/plain, /json
# (the demo app's routes) and /public/small.txt (a 1 KiB static file), each
#   pipelined  1 connection, CALLGRIND_DEPTH requests written at once
#   keepalive  CALLGRIND_CONNS connections, 1 request in flight on each
#
# Environment (all optional):
#   HEARTH_BIN=build/hearth     the binary (built with -g for names; -O2 as shipped)
#   CALLGRIND_N=20000           requests counted per case and mode
#   CALLGRIND_WARMUP=2000       requests sent before the counters are zeroed
#   CALLGRIND_DEPTH=16          pipelining depth
#   CALLGRIND_CONNS=64          keep-alive connections
#   CALLGRIND_CASES="hello plaintext jsonplain json static1k"
#   CALLGRIND_MODES="pipelined keepalive"
#   CALLGRIND_TOP=12            rows in the per-case function tables
#   CALLGRIND_DHAT=1            also bytes and blocks per request from valgrind's
#                               DHAT (two more runs per case and mode, ~3 minutes)
#   CALLGRIND_KEEP=DIR          keep the dumps, manifest and report in DIR (re-render:
#                               bench/callgrind_report.py report --manifest DIR/manifest.json)
#   CALLGRIND_TIMEOUT=1800      seconds the requests of one step may take
#
# About a minute with the defaults, 2-4 with CALLGRIND_DHAT=1 (callgrind runs
# hearth ~50x slower than native; N requests take seconds). Counts repeat to
# ~0.1% pipelined; keep-alive's event-loop share moves by ~1% from run to run
# (how many connections one epoll_wait returns). Installs valgrind with apt-get when it is
# missing. Everything runs on 127.0.0.1; temp files live in a mktemp folder
# that goes at exit; the one process it runs at a time (valgrind) is stopped
# by PID.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
HEARTH=${HEARTH_BIN:-$REPO/build/hearth}
N=${CALLGRIND_N:-20000}
WARMUP=${CALLGRIND_WARMUP:-2000}
DEPTH=${CALLGRIND_DEPTH:-16}
CONNS=${CALLGRIND_CONNS:-64}
CASES=${CALLGRIND_CASES:-hello plaintext jsonplain json static1k}
MODES=${CALLGRIND_MODES:-pipelined keepalive}
TOP=${CALLGRIND_TOP:-12}
DHAT=${CALLGRIND_DHAT:-}
KEEP=${CALLGRIND_KEEP:-}
TIMEOUT=${CALLGRIND_TIMEOUT:-1800}

die() { echo "callgrind.sh: $*" >&2; exit 1; }

[ -x "$HEARTH" ] || die "no $HEARTH (build it: make build/hearth, or set HEARTH_BIN)"
HEARTH=$(cd "$(dirname "$HEARTH")" && pwd)/$(basename "$HEARTH")
if ! command -v valgrind >/dev/null || ! command -v callgrind_control >/dev/null; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)  # empty as root
  echo "installing valgrind" >&2
  # shellcheck disable=SC2086
  timeout 600 $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  timeout 600 $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
fi
command -v python3 >/dev/null || die "python3 is needed"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hearth-callgrind.XXXXXX")
VG_PID=
STEP_PID=
# step CMD...: runs CMD in the background and waits for it, so that a signal
# to this script is handled at once (bash runs traps only between commands)
# and the step is stopped by PID with everything else.
step() {
  "$@" &
  STEP_PID=$!
  local rc=0
  wait "$STEP_PID" || rc=$?
  STEP_PID=
  return "$rc"
}
stop_step() {
  if [ -n "$STEP_PID" ]; then
    kill -TERM "$STEP_PID" 2>/dev/null || true
    wait "$STEP_PID" 2>/dev/null || true
    STEP_PID=
  fi
}
# stop_hearth: SIGTERM (a graceful stop), SIGKILL after 30 s; valgrind then writes its totals.
stop_hearth() {
  if [ -n "$VG_PID" ] && kill -0 "$VG_PID" 2>/dev/null; then
    kill -TERM "$VG_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$VG_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$VG_PID" 2>/dev/null || true
  fi
  [ -z "$VG_PID" ] || wait "$VG_PID" 2>/dev/null || true
  VG_PID=
}
trap 'stop_step; stop_hearth; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

timeout 120 python3 "$HERE/gen_docroot.py" "$TMP/docroot" >/dev/null
mkdir -p "$TMP/cg"

# start_hearth VALGRIND-ARGS...: hearth --single under valgrind on a fresh
# port (sets PORT and VG_PID); returns once it listens.
start_hearth() {
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  sed -e "s#@PORT@#$PORT#g" -e "s#@WORKERS@#1#g" -e "s#@DOCROOT@#$TMP/docroot#g" -e "s#@TMP@#$TMP#g" \
    "$HERE/hearth.json.template" > "$TMP/hearth.json"
  timeout 60 "$HEARTH" -t -c "$TMP/hearth.json" >/dev/null || die "the config does not check: $TMP/hearth.json"
  valgrind "$@" --log-file="$TMP/valgrind.log" "$HEARTH" --single -c "$TMP/hearth.json" >"$TMP/hearth.out" 2>&1 &
  VG_PID=$!
  for _ in $(seq 1 600); do
    kill -0 "$VG_PID" 2>/dev/null || { cat "$TMP/valgrind.log" "$TMP/hearth.out" >&2; die "hearth exited"; }
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), timeout=1).close()" 2>/dev/null && return 0
    sleep 0.2
  done
  die "hearth did not listen on 127.0.0.1:$PORT within 120 s"
}

# Allocations are charged to their callers: 24 frames of context for the
# allocator's entry points only. --collect-systime adds a syscall count.
SEP=()
for f in malloc calloc realloc posix_memalign aligned_alloc memalign; do SEP+=("--separate-callers24=$f"); done
start_hearth --tool=callgrind --collect-systime=yes "${SEP[@]}" --callgrind-out-file="$TMP/cg/cg.out.%p"
echo "hearth under callgrind: pid $VG_PID, 127.0.0.1:$PORT ($HEARTH)" >&2

# shellcheck disable=SC2086
step timeout "$TIMEOUT" python3 "$HERE/callgrind_report.py" drive --port "$PORT" --pid "$VG_PID" --out-dir "$TMP/cg" \
  --manifest "$TMP/cg/manifest.json" --binary "$HEARTH" --static-file "$TMP/docroot/public/small.txt" \
  --cases $CASES --modes $MODES --n "$N" --warmup "$WARMUP" --depth "$DEPTH" --conns "$CONNS"
stop_hearth

# DHAT (bytes as well as blocks) cannot zero its counters: per case and mode,
# one process serves 1 + WARMUP requests and one 1 + WARMUP + N; the
# difference over N is per request.
REPORT_ARGS=(--manifest "$TMP/cg/manifest.json" --top "$TOP")
if [ -n "$DHAT" ]; then
  : > "$TMP/cg/dhat.tsv"
  for c in $CASES; do
    for m in $MODES; do
      for total in "$WARMUP" $((WARMUP + N)); do
        start_hearth --tool=dhat --dhat-out-file=/dev/null
        step timeout "$TIMEOUT" python3 "$HERE/callgrind_report.py" load --port "$PORT" --case "$c" --mode "$m" \
          --total "$total" --depth "$DEPTH" --conns "$CONNS" --static-file "$TMP/docroot/public/small.txt"
        stop_hearth
        # "==PID== Total:     5,278,186 bytes in 49,505 blocks"
        line=$(sed -n 's/^==[0-9]*== Total: *\([0-9,]*\) bytes in \([0-9,]*\) blocks.*/\1 \2/p' "$TMP/valgrind.log" | tr -d ,)
        [ -n "$line" ] || die "no DHAT totals in $TMP/valgrind.log"
        read -r bytes blocks <<<"$line"
        printf '%s\t%s\t%s\t%s\t%s\n' "$c" "$m" "$total" "$blocks" "$bytes" >> "$TMP/cg/dhat.tsv"
        echo "  dhat $c-$m after $((total + 1)) requests: $blocks blocks, $bytes bytes" >&2
      done
    done
  done
  REPORT_ARGS+=(--dhat "$TMP/cg/dhat.tsv" --dhat-n "$N")
fi

timeout 600 python3 "$HERE/callgrind_report.py" report "${REPORT_ARGS[@]}" | tee "$TMP/cg/report.md"

if [ -n "$KEEP" ]; then
  mkdir -p "$KEEP"
  cp "$TMP"/cg/* "$KEEP"/
  # The manifest names the dumps where they now are.
  timeout 60 python3 "$HERE/callgrind_report.py" relocate --manifest "$KEEP/manifest.json"
  echo "dumps, manifest and report kept in $KEEP" >&2
fi
