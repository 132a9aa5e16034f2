#!/usr/bin/env bash
# The boundary holds: install hearth into a temporary prefix, build
# examples/hello and examples/demo from copies outside the tree against that
# prefix alone (pkg-config, no -I into the source), start them, and check
# files, app routes, a 404, a WebSocket echo, a crash drill and -t.
# Usage: tests/install_test.sh BUILD_DIR
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-build}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "install test FAILED: $*"; tail -20 "$WORK"/*.log 2>/dev/null; exit 1; }
source "$REPO/tests/lib/example_apps.sh"

# start_app NAME ROOT: writes NAME's config (ephemeral port, drills on),
# checks -t, starts it and sets URL once it answers.
start_app() {
  local name=$1 root=$2 log="$WORK/$1.log" port=""
  cat > "$WORK/$name/test.json" <<JSON
{"listen": "127.0.0.1:0", "workers": 2, "root": "$root", "drills": true,
 "log": {"error": "$log", "access": "off"}}
JSON
  "$WORK/$name/$name" -t -c "$WORK/$name/test.json" | grep -q "test is successful" || fail "$name -t"
  "$WORK/$name/$name" -c "$WORK/$name/test.json" &
  PIDS+=($!)
  port=$(listening_port "$log")
  [ -n "$port" ] || fail "$name never listened"
  URL="http://127.0.0.1:$port"
  for _ in $(seq 1 50); do curl -sf "$URL/" >/dev/null && break; sleep 0.1; done
}

status_of() { curl -s -o /dev/null -w '%{http_code}' "$URL$1"; }

# check_crash_drill NAME ROUTE: a segfault costs one 500 and the worker.
check_crash_drill() {
  [ "$(status_of /debug/segv)" = 500 ] || fail "$1: the crash drill's 500"
  for _ in $(seq 1 50); do grep -q "killed by SIGSEGV" "$WORK/$1.log" && break; sleep 0.1; done
  grep -q "killed by SIGSEGV" "$WORK/$1.log" || fail "$1: the master did not see the crash"
  for _ in $(seq 1 50); do curl -sf "$URL$2" >/dev/null && break; sleep 0.1; done
  curl -sf "$URL$2" >/dev/null || fail "$1: not served after the crash"
}

install_into "$WORK/prefix" "$BUILD"
grep -q "$REPO" "$WORK/prefix/lib/pkgconfig/hearth.pc" && fail "hearth.pc points into the source tree"
build_example hello
build_example demo

start_app hello public
curl -sf "$URL/" | grep -q "served by hearth" || fail "hello: the static file"
[ "$(curl -sf "$URL/api/users/42")" = '{"id":"42"}' ] || fail "hello: the app route"
[ "$(status_of /nothing-here)" = 404 ] || fail "hello: 404"
check_crash_drill hello /api/users/1

start_app demo "$REPO/site"
cmp -s <(curl -sf "$URL/") "$REPO/site/index.html" || fail "demo: index.html"
curl -sf "$URL/json" | grep -q '"message":"Hello from hearth"' || fail "demo: /json"
[ "$(curl -sf "$URL/hello/world")" = '{"hello":"world"}' ] || fail "demo: /hello/:name"
[ "$(curl -sf --data-binary abc "$URL/echo")" = '{"body":"abc","bytes":3}' ] || fail "demo: /echo"
/usr/bin/python3 "$REPO/tests/process/websocket_client.py" echo "${URL##*:}" >"$WORK/websocket.out" ||
  fail "demo: WebSocket echo: $(tail -1 "$WORK/websocket.out")"
check_crash_drill demo /json

kill "${PIDS[@]}"
wait 2>/dev/null || true
PIDS=()
MAKEFLAGS= make -s -C "$REPO" uninstall BUILD="$BUILD" PREFIX="$WORK/prefix" >/dev/null
[ -z "$(find "$WORK/prefix" -type f)" ] || fail "uninstall left files"
echo "install test passed: examples/hello and examples/demo built against an installed prefix serve files, routes, 404, WebSocket and survive a crash"
