#!/usr/bin/env bash
# The boundary holds: install hearth into a temporary prefix, build
# examples/hello from a copy outside the tree against that prefix alone
# (pkg-config, no -I into the source), start it, and check a file, an app
# route, a 404, a crash drill and -t. Usage: tests/install_test.sh BUILD_DIR
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-build}
WORK=$(mktemp -d)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "install test FAILED: $*"; [ -f "$WORK/error.log" ] && tail -20 "$WORK/error.log"; exit 1; }

MAKEFLAGS= make -s -C "$REPO" install BUILD="$BUILD" PREFIX="$WORK/prefix" >/dev/null
cp -r "$REPO/examples/hello" "$WORK/app"
rm -f "$WORK/app/hello"
( cd "$WORK/app" && MAKEFLAGS= PKG_CONFIG_PATH="$WORK/prefix/lib/pkgconfig" \
    make -s CXXFLAGS="${INSTALL_TEST_CXXFLAGS:--O1}" LDFLAGS="${INSTALL_TEST_LDFLAGS:-}" >/dev/null ) || fail "hello did not build"
grep -q "$REPO" "$WORK/prefix/lib/pkgconfig/hearth.pc" && fail "hearth.pc points into the source tree"

cat > "$WORK/app/test.json" <<JSON
{"listen": "127.0.0.1:0", "workers": 2, "root": "public", "drills": true,
 "log": {"error": "$WORK/error.log", "access": "off"}}
JSON
"$WORK/app/hello" -t -c "$WORK/app/test.json" | grep -q "test is successful" || fail "-t"
"$WORK/app/hello" -c "$WORK/app/test.json" &
PID=$!
PORT=""
for _ in $(seq 1 100); do
  PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/error.log" 2>/dev/null | head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || fail "never listened"
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 50); do curl -sf "$URL/" >/dev/null && break; sleep 0.1; done
curl -sf "$URL/" | grep -q "served by hearth" || fail "the static file"
[ "$(curl -sf "$URL/api/users/42")" = '{"id":"42"}' ] || fail "the app route"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/nothing-here")" = 404 ] || fail "404"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/debug/segv")" = 500 ] || fail "the crash drill's 500"
for _ in $(seq 1 50); do grep -q "killed by SIGSEGV" "$WORK/error.log" && break; sleep 0.1; done
grep -q "killed by SIGSEGV" "$WORK/error.log" || fail "the master did not see the crash"
for _ in $(seq 1 50); do curl -sf "$URL/api/users/1" >/dev/null && break; sleep 0.1; done
curl -sf "$URL/api/users/1" >/dev/null || fail "served after the crash"
MAKEFLAGS= make -s -C "$REPO" uninstall BUILD="$BUILD" PREFIX="$WORK/prefix" >/dev/null
[ -z "$(find "$WORK/prefix" -type f)" ] || fail "uninstall left files"
echo "install test passed: examples/hello built against an installed prefix serves files, routes, 404 and survives a crash"
