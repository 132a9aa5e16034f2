#!/usr/bin/env bash
# Hostile-client drill: slowhttptest in its four modes (slowloris, slow body,
# slow read, range) against hearth on 127.0.0.1, while a normal client
# (curl) asks for a small file every 0.25 s. Prints, per mode, how many
# probes were made, how many failed, and the slowest probe; then holds
# BENCH_IDLE_CONNS idle keep-alive connections open and probes again.
#
# Environment (all optional):
#   SLOW_CONNS=2000      connections slowhttptest opens per mode
#   SLOW_SECONDS=30      seconds per mode
#   SLOW_MODES="H B X R" slowhttptest modes
#   SLOW_WORKERS=2       hearth workers
#   BENCH_IDLE_CONNS=10000
#   HEARTH_BIN=build/hearth
# Installs slowhttptest (Debian) when missing. Stops what it starts, by PID.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
HEARTH=${HEARTH_BIN:-$REPO/build/hearth}
CONNS=${SLOW_CONNS:-2000}
SECONDS_PER_MODE=${SLOW_SECONDS:-30}
MODES=${SLOW_MODES:-H B X R}
WORKERS=${SLOW_WORKERS:-2}
IDLE=${BENCH_IDLE_CONNS:-10000}

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
if ! command -v slowhttptest >/dev/null; then
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slowhttptest
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

mkdir -p "$TMP/root"
echo "probe" >"$TMP/root/probe.txt"
head -c $((1 << 20)) /dev/urandom >"$TMP/root/big.bin"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$TMP/hearth.json" <<EOF
{"listen": "127.0.0.1:$PORT", "workers": $WORKERS, "root": "$TMP/root",
 "log": {"error": "$TMP/logs/error.log", "access": "off"}}
EOF
mkdir -p "$TMP/logs"
"$HEARTH" -c "$TMP/hearth.json" &
PIDS+=($!)
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/probe.txt" >/dev/null && break; sleep 0.1; done

# Probes every 0.25 s for $1 seconds; prints "probes failed slowest_ms over_1s".
probe_for() {
  local until=$((SECONDS + $1)) n=0 failed=0 worst=0 slow=0 t
  while [ $SECONDS -lt $until ]; do
    if t=$(curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' "http://127.0.0.1:$PORT/probe.txt"); then
      [ "${t%% *}" = 200 ] || failed=$((failed + 1))
    else
      failed=$((failed + 1))
    fi
    ms=$(awk -v t="${t#* }" 'BEGIN { printf "%d", t * 1000 }')
    [ "$ms" -gt "$worst" ] && worst=$ms
    [ "$ms" -gt 1000 ] && slow=$((slow + 1))
    [ "$ms" -gt 1000 ] && echo "slow probe: $ms ms at ${SECONDS}s" >&2
    n=$((n + 1))
    sleep 0.25
  done
  echo "$n $failed $worst $slow"
}

declare -A NAME=([H]="slowloris" [B]="slow body" [X]="slow read" [R]="range")
printf '| mode | connections | probes | failed | over 1 s | slowest probe |\n|---|---|---|---|---|---|\n'
for mode in $MODES; do
  args=(-"$mode" -c "$CONNS" -r 1000 -l "$SECONDS_PER_MODE" -i 5 -p 3 -u "http://127.0.0.1:$PORT/big.bin")
  [ "$mode" = X ] && args+=(-k 4 -n 2 -w 16 -y 64 -z 32)
  [ "$mode" = B ] && args=(-B -c "$CONNS" -r 1000 -l "$SECONDS_PER_MODE" -i 5 -s 65536 -p 3
                           -u "http://127.0.0.1:$PORT/probe.txt")
  slowhttptest "${args[@]}" >"$TMP/slow-$mode.log" 2>&1 &
  slow=$!
  PIDS+=($slow)
  sleep 2  # let it build up its connections
  read -r n failed worst over < <(probe_for $((SECONDS_PER_MODE - 2)))
  wait "$slow" 2>/dev/null || true
  printf '| %s | %s | %s | %s | %s | %s ms |\n' "${NAME[$mode]}" "$CONNS" "$n" "$failed" "$over" "$worst"
done

if [ "$IDLE" -gt 0 ]; then
  python3 "$HERE/idle_conns.py" --help >/dev/null 2>&1 || true
  python3 - "$PORT" "$IDLE" <<'PY' &
import socket, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
held = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /probe.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    s.recv(4096)
    held.append(s)
time.sleep(20)
PY
  idle=$!
  PIDS+=($idle)
  sleep 8
  read -r n failed worst over < <(probe_for 10)
  printf '| %s idle keep-alives | %s | %s | %s | %s | %s ms |\n' "$IDLE" "$IDLE" "$n" "$failed" "$over" "$worst"
  wait "$idle" 2>/dev/null || true
fi
