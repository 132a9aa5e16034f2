#!/usr/bin/env bash
# The todo example (examples/todo) as a user builds it: install hearth into a
# temporary prefix, build a copy of the example against it (pkg-config and
# -lsqlite3 only), start it with two workers, and check its JSON API, its
# validation, that a crashed worker loses nothing it acknowledged, and (in
# headless Chromium, tests/todo_browser.py) that a change made on one page
# shows on another.
# Usage: tests/todo_test.sh BUILD_DIR
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-build}
WORK=$(mktemp -d)
LOG="$WORK/todo.log"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "todo test FAILED: $*"; tail -20 "$LOG" 2>/dev/null; exit 1; }
source "$REPO/tests/lib/example_apps.sh"

# call METHOD PATH [BODY]: prints the status; the body is in $OUT.
OUT="$WORK/body"
call() {
  local args=(-s --max-time 10 -o "$OUT" -w '%{http_code}' -X "$1"
              -H 'Content-Type: application/json' -H 'Accept: application/json')
  [ $# -ge 3 ] && args+=(--data-binary "$3")
  curl "${args[@]}" "$URL$2" || true  # a refused connection is status 000
}
body() { cat "$OUT"; }

# expect STATUS METHOD PATH [BODY]: the call answers STATUS.
expect() {
  local want=$1 got
  shift
  got=$(call "$@")
  [ "$got" = "$want" ] || fail "$* answered $got, not $want: $(body)"
}

# expect_body TEXT: the last answer's body is exactly TEXT.
expect_body() { [ "$(body)" = "$1" ] || fail "expected body $1, got $(body)"; }

# Ephemeral port, two workers, drills on; sets URL and PORT once it answers.
start_app() {
  cat > "$WORK/todo/test.json" <<JSON
{"listen": "127.0.0.1:0", "workers": 2, "root": "public", "drills": true,
 "log": {"error": "$LOG", "access": "off"}}
JSON
  "$WORK/todo/todo" -t -c "$WORK/todo/test.json" | grep -q "test is successful" || fail "todo -t"
  TODO_DB="$WORK/db/todo.db" "$WORK/todo/todo" -c "$WORK/todo/test.json" &
  PIDS+=($!)
  PORT=$(listening_port "$LOG")
  [ -n "$PORT" ] || fail "todo never listened"
  URL="http://127.0.0.1:$PORT"
  for _ in $(seq 1 50); do [ "$(call GET /api/todos)" = 200 ] && break; sleep 0.1; done
}

check_api() {
  expect 200 GET /api/todos; expect_body '[]'
  expect 201 POST /api/todos '{"title": "  buy milk  "}'; expect_body '{"done":false,"id":1,"title":"buy milk"}'
  expect 201 POST /api/todos '{"title": "walk"}'; expect_body '{"done":false,"id":2,"title":"walk"}'
  expect 200 GET /api/todos
  expect_body '[{"done":false,"id":1,"title":"buy milk"},{"done":false,"id":2,"title":"walk"}]'
  expect 200 PATCH /api/todos/1 '{"done": true}'; expect_body '{"done":true,"id":1,"title":"buy milk"}'
  expect 200 PATCH /api/todos/2 '{"title": "walk the dog"}'; expect_body '{"done":false,"id":2,"title":"walk the dog"}'
  expect 204 DELETE /api/todos/2; expect_body ''
  expect 200 GET /api/todos; expect_body '[{"done":true,"id":1,"title":"buy milk"}]'
}

check_errors() {
  expect 400 POST /api/todos '{"title": '
  expect 400 PATCH /api/todos/1 'not json'
  expect 422 POST /api/todos '{"title": "   "}'
  grep -q '"error"' "$OUT" || fail "422 without a JSON error: $(body)"
  expect 422 POST /api/todos '{}'
  expect 422 POST /api/todos '{"title": 7}'
  expect 422 POST /api/todos '[]'
  expect 422 PATCH /api/todos/1 '{"done": "yes"}'
  expect 422 PATCH /api/todos/1 '{}'
  local t200 t201
  t200=$(printf 'x%.0s' $(seq 1 200)); t201="${t200}x"
  expect 422 POST /api/todos "{\"title\": \"$t201\"}"
  expect 201 POST /api/todos "{\"title\": \"$t200\"}"          # exactly 200 is allowed
  expect 204 DELETE "/api/todos/$(body | sed -n 's/.*"id":\([0-9]*\).*/\1/p')"
  expect 404 PATCH /api/todos/999 '{"done": true}'
  expect 404 DELETE /api/todos/999
  expect 404 DELETE /api/todos/2                                  # deleted above
  expect 404 DELETE /api/todos/abc
  expect 404 PATCH /api/todos/-1 '{"done": true}'
  expect 200 GET /api/todos; expect_body '[{"done":true,"id":1,"title":"buy milk"}]'
}

# create_loop FROM TO: creates "drill N" items; each one answered 201 goes
# into $WORK/acked as "ID TITLE". Failures (the crashing worker) are allowed.
create_loop() {
  local i id
  for i in $(seq "$1" "$2"); do
    if [ "$(call POST /api/todos "{\"title\": \"drill $i\"}")" = 201 ]; then
      id=$(body | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
      echo "$id drill $i" >> "$WORK/acked"
    fi
    sleep 0.02
  done
}

# A worker killed by SIGSEGV while others write: everything answered 201
# is still listed afterwards, from whichever worker answers.
check_crash_drill() {
  : > "$WORK/acked"
  create_loop 1 10
  [ "$(wc -l < "$WORK/acked")" = 10 ] || fail "creates before the crash did not all succeed"
  ( OUT="$WORK/loop.body"; create_loop 11 40 ) &  # its own body file: the drill's call runs meanwhile
  local loop=$!
  sleep 0.2
  [ "$(call GET /debug/segv)" = 500 ] || fail "the crash drill's 500"
  wait "$loop"
  for _ in $(seq 1 50); do grep -q "killed by SIGSEGV" "$LOG" && break; sleep 0.1; done
  grep -q "killed by SIGSEGV" "$LOG" || fail "the master did not see the crash"
  for _ in $(seq 1 50); do grep -q "ready, .* after its predecessor died" "$LOG" && break; sleep 0.1; done
  local before
  before=$(wc -l < "$WORK/acked")
  create_loop 41 50  # after the crash, every create succeeds again
  [ "$(wc -l < "$WORK/acked")" = $((before + 10)) ] || fail "creates after the crash failed"
  [ "$(wc -l < "$WORK/acked")" -ge 20 ] || fail "too few creates succeeded around the crash"
  expect 200 GET /api/todos
  /usr/bin/python3 - "$WORK/body" "$WORK/acked" <<'PY' || fail "an acknowledged item was lost"
import json, sys
listed = {t["id"]: t["title"] for t in json.load(open(sys.argv[1]))}
acked = [line.split(" ", 1) for line in open(sys.argv[2]).read().splitlines()]
lost = [a for a in acked if listed.get(int(a[0])) != a[1]]
print("crash drill: %d items acknowledged, %d lost" % (len(acked), len(lost)))
sys.exit(1 if lost else 0)
PY
}

check_browser() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "todo browser test SKIPPED: /usr/bin/chromium is missing (apt-get install chromium)"
    return
  fi
  timeout -k 5 150 /usr/bin/python3 "$REPO/tests/todo_browser.py" "$PORT" > "$WORK/browser.out" 2>&1 ||
    fail "browser: $(tail -5 "$WORK/browser.out")"
  grep "^page A on worker" "$WORK/browser.out" || true  # informative: which workers served the pages
}

install_into "$WORK/prefix" "$BUILD"
build_example todo
start_app
check_api
check_errors
check_crash_drill
check_browser
if grep -q "on_worker_start threw" "$LOG"; then fail "a worker could not open the database"; fi
kill "${PIDS[@]}"
wait 2>/dev/null || true
PIDS=()
echo "todo test passed: examples/todo built against an installed prefix serves its API over SQLite from 2 workers, validates, loses nothing acknowledged to a crash, and pages see each other's changes live"
