#!/usr/bin/env bash
# `make bench`: hearth against nginx (as the seed configured it), h2o and
# lighttpd (static files only, configured like that nginx), the seed's Go
# net/http server and a node `ws` echo server, on 127.0.0.1 only.
#
# Installs what is missing (Debian: nginx h2o lighttpd wrk golang-go nodejs
# npm g++ nghttp2-client openssl; npm: ws into bench/node_modules), writes a
# deterministic docroot into a temp folder, starts every server itself,
# checks each answer before timing it, runs wrk (or, for WebSocket,
# bench/ws_load.cc; for new TLS connections, h2load) per case and server, and
# writes markdown tables to bench/out/ and stdout. Everything it starts it
# stops by PID; the temp folder goes at exit.
#
# The WebSocket load client is C++ (epoll, one thread; built into the temp
# folder), as wrk is for HTTP: the node client (bench/ws_load.js) tops out at
# ~35-50k msgs/s on its core, below the servers, which then idle between
# messages and show inflated CPU per message; the C++ one drives ~100k on one
# core (busy-polling when pinned to its own). ws_load.js still does the
# answer checks, an implementation independent of the one timed.
#
# h2o (bench/h2o.conf.template) and lighttpd (bench/lighttpd.conf.template)
# serve the same docroot with the same worker count as nginx, access log off,
# keep-alive, gzip level 1 for nginx's text types; they run the static cases
# only (txt1k js64k css16k bin4m index, pipelined too), not the app ones.
#
# plaintext and jsonplain are TechEmpower's two tests on hearth's demo app
# (/plaintext, /json/plain) and on the Go seed (the same routes), checked for
# the exact body and Content-Type, over keep-alive and pipelined x16.
#
# The proxy case is /json of the Go server through a proxy: hearthd (hearth
# without app routes, `upstream.servers` = the Go server) against nginx with
# an upstream block of keep-alive connections, and against Go alone.
#
# The TLS cases (tlsnew tls1k tls4m; BENCH_CASES=tls for just these) run on
# a second hearth and a second nginx with an HTTPS listener: one ECDSA P-256
# certificate made with openssl in the temp folder at start, TLS 1.3 only,
# session tickets off on both (nginx keeps no session cache by default,
# hearth never does), so no connection can resume. tlsnew: h2load --h1 with
# "Connection: close", one request per connection, i.e. one full handshake
# each (h2load would resume sessions the server allowed, and its -D mode
# hangs with reconnecting clients, so it runs -n N with N from a short
# calibration run: about BENCH_SECONDS of load). tls1k and tls4m: wrk over
# https on 64 keep-alive connections, as txt1k and bin4m. Every TLS client
# offers TLS_AES_128_GCM_SHA256 only (h2load --tls13-ciphers; wrk and
# openssl s_client through an OPENSSL_CONF file), and the check step prints
# what openssl s_client and h2load negotiated with each server.
#
# Environment (all optional):
#   BENCH_SECONDS=3       seconds per timed run
#   BENCH_REPS=3          repetitions (medians and min-max over these)
#   BENCH_CASES="txt1k js64k css16k bin4m json plaintext jsonplain index ws proxy tlsnew tls1k tls4m"
#                         ("tls" stands for "tlsnew tls1k tls4m"; with TLS cases
#                         only, the plain servers, the Go build and the idle
#                         and wait tests are skipped)
#   BENCH_MODES="pinned multi"   pinned: 1 worker, servers on core 0, load on core 1
#                                multi: N = nproc workers, nothing pinned
#   BENCH_PIPELINE=16     pipelining depth for the pinned pipelined runs; 0 = none
#   BENCH_IDLE_CONNS=10000  idle keep-alive connections for the RSS test; 0 = none
#   BENCH_WAIT_CONNS=1000   connections on a handler that waits 50 ms (hearth
#                           /demo/wait, Go time.Sleep); 0 = none
#   BENCH_WARMUP=1        seconds of untimed load per case and server first; 0 = none
#   BENCH_SERVERS="nginx h2o lighttpd go ws hearth"   which servers to start
#   HEARTH_BIN=build/hearth
#   HEARTHD_BIN=build/hearthd   the proxy case's hearth (default: beside HEARTH_BIN)
#   BENCH_HEARTH_ARGS     hearth's arguments instead of "-c CONFIG", with @PORT@,
#                         @DOCROOT@ and @WORKERS@ filled in (e.g. for an entry
#                         that predates the config file: "--port @PORT@ --root @DOCROOT@")
# Quick smoke run (about a minute): BENCH_SECONDS=1 BENCH_REPS=1 bench/run.sh
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
PY=python3
RUN_SECONDS=${BENCH_SECONDS:-3}
REPS=${BENCH_REPS:-3}
TLS_CASES="tlsnew tls1k tls4m"
CASES=${BENCH_CASES:-txt1k js64k css16k bin4m json plaintext jsonplain index ws proxy $TLS_CASES}
CASES=$(sed -e "s/\(^\| \)tls\( \|$\)/\1$TLS_CASES\2/g" <<<" $CASES " | xargs)
TLS_SUITE=TLS_AES_128_GCM_SHA256   # the one TLS 1.3 suite every client offers
MODES=${BENCH_MODES:-pinned multi}
PIPELINE=${BENCH_PIPELINE:-16}
IDLE_CONNS=${BENCH_IDLE_CONNS:-10000}
WAIT_CONNS=${BENCH_WAIT_CONNS:-1000}
WARMUP=${BENCH_WARMUP:-1}
SERVERS=${BENCH_SERVERS:-nginx h2o lighttpd go ws hearth}
HEARTH=${HEARTH_BIN:-$REPO/build/hearth}
HEARTHD=${HEARTHD_BIN:-$(dirname "$HEARTH")/hearthd}
CONNECTIONS=64
PIPELINED_CASES="txt1k js64k css16k index json plaintext jsonplain"  # 4 MiB and WebSocket: not meaningful
STATIC_CASES="txt1k js64k css16k bin4m index"   # the ones h2o and lighttpd run (no app routes)
OUT=$HERE/out

log() { printf '[%3ds] %s\n' "$SECONDS" "$*" >&2; }
die() { log "bench: $*"; exit 1; }
has() { [[ " $1 " == *" $2 "* ]]; }

# ---------------------------------------------------------------- installing
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
H2O=$(command -v h2o || echo /usr/bin/h2o)
LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)

install_missing() {
  local need=()
  [ -x "$NGINX" ] || need+=(nginx)
  [ -x "$H2O" ] || need+=(h2o)
  [ -x "$LIGHTTPD" ] || need+=(lighttpd)
  command -v wrk >/dev/null || need+=(wrk)
  command -v go >/dev/null || need+=(golang-go)
  command -v node >/dev/null || need+=(nodejs)
  command -v npm >/dev/null || need+=(npm)
  command -v taskset >/dev/null || need+=(util-linux)
  command -v python3 >/dev/null || need+=(python3)
  command -v g++ >/dev/null || need+=(g++)
  command -v h2load >/dev/null || need+=(nghttp2-client)
  command -v openssl >/dev/null || need+=(openssl)
  if [ ${#need[@]} -gt 0 ]; then
    log "bench: installing ${need[*]}"
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    NGINX=$(command -v nginx || echo /usr/sbin/nginx)
    H2O=$(command -v h2o || echo /usr/bin/h2o)
    LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)
  fi
  if has "$CASES" ws && [ ! -f "$HERE/node_modules/ws/package.json" ]; then
    log "bench: npm install ws into bench/node_modules"
    npm install --prefix "$HERE" --no-package-lock --no-audit --no-fund --silent >/dev/null
  fi
}

# ------------------------------------------------------- processes we started
TMP=""
STARTED=()   # PIDs of every server this script started

# Stops one process we started and its descendants: TERM, up to 5 s, then
# KILL. Descendants are remembered with their start time, so a PID reused by
# someone else meanwhile is never signalled.
stop_pid() {
  local pid=$1 kids i state kid start keep=()
  for i in "${STARTED[@]}"; do [ "$i" = "$pid" ] || keep+=("$i"); done
  STARTED=("${keep[@]}")
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kids=$("$PY" "$HERE/procstat.py" ids "$pid" 2>/dev/null | awk -v root="$pid" '$1 != root {print $1 ":" $2}')
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo gone)
    [ "$state" = gone ] || [ "$state" = Z ] && break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for i in $kids; do
    kid=${i%%:*} start=${i#*:}
    [ "$("$PY" "$HERE/procstat.py" ids "$kid" 2>/dev/null | awk -v k="$kid" '$1 == k {print $2}')" = "$start" ] &&
      kill -KILL "$kid" 2>/dev/null || true
  done
}

cleanup() {
  while [ ${#STARTED[@]} -gt 0 ]; do stop_pid "${STARTED[0]}"; done
  [ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits up to 10 s for 127.0.0.1:PORT to accept while PID lives.
wait_port() {
  local port=$1 pid=$2 i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ------------------------------------------------------------------ results
RESULTS=""   # TSV the summariser reads
note() { log "bench: note: $*"; printf 'note\t%s\n' "$*" >>"$RESULTS"; }

# ------------------------------------------------------------------- servers
# Per mode: name -> PID and port. PIN_SERVER / PIN_LOAD prefix commands.
declare -A PID PORT
PIN_SERVER=()
PIN_LOAD=()
WORKERS=1
WRK_THREADS=1

# start NAME PORT COMMAND...: starts it pinned as the mode says; 0 once it
# listens, else 1 with the reason in START_WHY (and the process gone).
START_WHY=""
start() {
  local name=$1 port=$2 pid status
  shift 2
  "${PIN_SERVER[@]}" "$@" >"$TMP/$name.out" 2>&1 &
  pid=$!
  STARTED+=("$pid")
  if wait_port "$port" "$pid"; then
    PID[$name]=$pid
    PORT[$name]=$port
    return 0
  fi
  START_WHY="did not listen on 127.0.0.1:$port within 10 s"
  if ! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ]; then
    status=0
    wait "$pid" 2>/dev/null || status=$?
    START_WHY="exited with status $status"
    [ -s "$TMP/$name.out" ] && START_WHY+=": $(tail -n 3 "$TMP/$name.out" | tr '\n' ' ')"
  fi
  stop_pid "$pid"
  return 1
}

# start_or_note NAME PORT COMMAND...: start, noting why a server is skipped.
start_or_note() {
  local name=$1
  start "$@" && return 0
  note "$name ($MODE): $START_WHY; its rows are skipped"
  return 1
}

# nginx_conf NAME PORT SENDFILE(on|off) [keepalive|tls] -> path. "keepalive":
# Go behind an upstream block with 64 idle keep-alive connections per worker
# (proxy_http_version 1.1, Connection cleared); else the seed's proxy_pass.
# "tls": the listener is HTTPS (TLS 1.3 only, the bench's certificate,
# session tickets off; nginx's default ssl_session_cache is none).
# start_nginx SERVER CONF_NAME SENDFILE [keepalive|tls]: one nginx instance
# on a free port, from nginx_conf; a failure is noted, not fatal.
start_nginx() {
  local server=$1 name=$2 port
  port=$(free_port)
  start_or_note "$server" "$port" "$NGINX" -p "$TMP/" -e "$TMP/nginx-$name.error.log" \
    -c "$(nginx_conf "$name" "$port" "$3" "${4:-}")" || true
}

nginx_conf() {
  local name=$1 port=$2 sendfile=$3 conf="$TMP/nginx-$1.conf" user_line=""
  local upstream="" app_proxy="proxy_pass http://127.0.0.1:${PORT[go]:-1};" listen_ssl="" ssl_conf=""
  if [ "${4:-}" = keepalive ]; then
    upstream="upstream go_app { server 127.0.0.1:${PORT[go]:-1}; keepalive 64; }"
    app_proxy='proxy_pass http://go_app; proxy_http_version 1.1; proxy_set_header Connection "";'
  fi
  if [ "${4:-}" = tls ]; then
    listen_ssl=ssl
    ssl_conf="ssl_protocols TLSv1.3; ssl_certificate $TLS_DIR/site.pem; ssl_certificate_key $TLS_DIR/site.key; ssl_session_tickets off;"
  fi
  [ "$(id -u)" = 0 ] && user_line="user $(id -un) $(id -gn);"
  mkdir -p "$TMP/nginx-$name"
  sed -e "s|@USER_LINE@|$user_line|" -e "s|@WORKERS@|$WORKERS|" -e "s|@TMP@|$TMP|g" \
      -e "s|@NAME@|$name|g" -e "s|@PORT@|$port|" -e "s|@UPSTREAM@|$upstream|" -e "s|@APP_PROXY@|$app_proxy|" \
      -e "s|@DOCROOT@|$DOCROOT|" -e "s|@SENDFILE@|$sendfile|" -e "s|@TCP_NOPUSH@|$sendfile|" \
      -e "s|@LISTEN_SSL@|$listen_ssl|" -e "s|@SSL_CONF@|$ssl_conf|" \
      "$HERE/nginx.conf.template" >"$conf"
  echo "$conf"
}

# h2o_conf NAME PORT -> path: bench/h2o.conf.template filled in (the same
# docroot and worker count as nginx; as root, it stays root as nginx's "user").
h2o_conf() {
  local name=$1 port=$2 conf="$TMP/h2o-$1.conf" user_line=""
  [ "$(id -u)" = 0 ] && user_line="user: $(id -un)"
  sed -e "s|@USER_LINE@|$user_line|" -e "s|@WORKERS@|$WORKERS|" -e "s|@TMP@|$TMP|g" \
      -e "s|@NAME@|$name|g" -e "s|@PORT@|$port|" -e "s|@DOCROOT@|$DOCROOT|" \
      "$HERE/h2o.conf.template" >"$conf"
  echo "$conf"
}

# lighttpd_conf NAME PORT -> path: bench/lighttpd.conf.template filled in.
lighttpd_conf() {
  local name=$1 port=$2 conf="$TMP/lighttpd-$1.conf"
  sed -e "s|@WORKERS@|$WORKERS|" -e "s|@TMP@|$TMP|g" -e "s|@NAME@|$name|g" -e "s|@PORT@|$port|" \
      -e "s|@DOCROOT@|$DOCROOT|" "$HERE/lighttpd.conf.template" >"$conf"
  echo "$conf"
}

start_hearth() {
  local port conf="$TMP/hearth.json"
  if [ ! -x "$HEARTH" ]; then
    note "hearth: $HEARTH not built; its rows are skipped"
    return 1
  fi
  port=$(free_port)
  if [ -n "${BENCH_HEARTH_ARGS:-}" ]; then
    local args
    args=$(sed -e "s|@PORT@|$port|g" -e "s|@WORKERS@|$WORKERS|g" -e "s|@DOCROOT@|$DOCROOT|g" <<<"$BENCH_HEARTH_ARGS")
    # shellcheck disable=SC2086  # the arguments are meant to split
    start_or_note hearth "$port" "$HEARTH" $args
    return
  fi
  sed -e "s|@PORT@|$port|" -e "s|@WORKERS@|$WORKERS|" -e "s|@DOCROOT@|$DOCROOT|g" -e "s|@TMP@|$TMP|" \
      "$HERE/hearth.json.template" >"$conf"
  start hearth "$port" "$HEARTH" -c "$conf" && return 0
  # The "limits" line (first) raises max_connections for the idle test; if
  # this hearth refuses the key, try once more without it.
  local first_why=$START_WHY
  sed -i '/"limits"/d' "$conf"
  port=$(free_port)
  sed -i "s|127.0.0.1:[0-9]*|127.0.0.1:$port|" "$conf"
  if start hearth "$port" "$HEARTH" -c "$conf"; then
    note "hearth ($MODE): refused \"limits\" ($first_why); running with its default max_connections"
    return 0
  fi
  note "hearth ($MODE): $START_WHY; its rows are skipped"
  return 1
}

# The TLS cases' hearth: the same config from the template, its listener
# HTTPS with the bench's certificate, TLS 1.3 only (as nginx's) and session
# tickets off (hearth keeps no session cache), so no connection resumes.
start_hearth_tls() {
  local port conf="$TMP/hearth-tls.json"
  if [ ! -x "$HEARTH" ]; then
    note "hearth (TLS cases): $HEARTH not built; its rows are skipped"
    return 1
  fi
  if [ -n "${BENCH_HEARTH_ARGS:-}" ]; then
    note "hearth (TLS cases): BENCH_HEARTH_ARGS is set (an entry without a TLS config); its rows are skipped"
    return 1
  fi
  port=$(free_port)
  local tls="{\"cert\": \"$TLS_DIR/site.pem\", \"key\": \"$TLS_DIR/site.key\", \"min_version\": \"1.3\", \"session_tickets\": false}"
  sed -e "s|@PORT@|$port|" -e "s|@WORKERS@|$WORKERS|" -e "s|@DOCROOT@|$DOCROOT|g" -e "s|@TMP@|$TMP|" \
      -e "s|\"listen\": \"\(127.0.0.1:[0-9]*\)\"|\"listen\": [{\"address\": \"\1\", \"tls\": $tls}]|" \
      -e "s|hearth.error.log|hearth-tls.error.log|" "$HERE/hearth.json.template" >"$conf"
  start_or_note hearth-tls "$port" "$HEARTH" -c "$conf"
}

# The proxy case's hearth: hearthd (no app routes, so /json is Go's), the
# same docroot and worker count, every other path to the Go server, with
# nginx's pool size (64 idle keep-alive connections per worker; hearth's
# default, 32, would close half of 64 busy connections after each answer).
start_hearth_proxy() {
  local port conf="$TMP/hearth-proxy.json"
  if [ ! -x "$HEARTHD" ]; then
    note "hearth (proxy case): $HEARTHD not built; its rows are skipped"
    return 1
  fi
  port=$(free_port)
  cat >"$conf" <<EOF
{
  "listen": "127.0.0.1:$port",
  "workers": $WORKERS,
  "root": "$DOCROOT",
  "upstream": {"servers": ["127.0.0.1:${PORT[go]}"], "keepalive": 64},
  "log": {"access": "off", "error": "$TMP/hearth-proxy.error.log", "level": "warn"}
}
EOF
  start_or_note hearth-proxy "$port" "$HEARTHD" -c "$conf"
}

# ------------------------------------------------------------------- cases
# case -> "PATH|ENCODING|EXPECT|HEADER" (EXPECT: a docroot file or json)
declare -A CASE_SPEC=(
  [txt1k]="/public/small.txt|identity|public/small.txt|"
  [js64k]="/public/app.js|gzip|public/app.js|Accept-Encoding: gzip"
  [css16k]="/public/style.css|gzip|public/style.css|Accept-Encoding: gzip"
  [bin4m]="/public/blob.bin|identity|public/blob.bin|Accept-Encoding: gzip"
  [json]="/json|identity|json|"
  [plaintext]="/plaintext|identity|text=Hello, World!|"
  [jsonplain]="/json/plain|identity|json={\"message\":\"Hello, World!\"}|"
  [proxy]="/json|identity|json|"
  [index]="/|identity|index.html|"
  [tlsnew]="/public/small.txt|identity|public/small.txt|"
  [tls1k]="/public/small.txt|identity|public/small.txt|"
  [tls4m]="/public/blob.bin|identity|public/blob.bin|Accept-Encoding: gzip"
)

is_tls() { [[ $1 == tls* ]]; }
tls_wanted() { local c; for c in $CASES; do is_tls "$c" && return 0; done; return 1; }
plain_wanted() { local c; for c in $CASES; do is_tls "$c" || return 0; done; return 1; }
static_wanted() { local c; for c in $CASES; do has "$STATIC_CASES" "$c" && return 0; done; return 1; }

# The process behind SERVER in CASE (its PID and PORT entry): the proxy
# case's and the TLS cases' hearth and nginx are instances of their own.
server_key() {
  if [ "$1" = proxy ]; then
    case $2 in hearth) echo hearth-proxy ;; nginx) echo nginx-keepalive ;; *) echo "$2" ;; esac
  elif is_tls "$1"; then
    case $2 in hearth|nginx) echo "$2-tls" ;; *) echo "$2" ;; esac
  else
    echo "$2"
  fi
}

# The servers a case runs on (static files: every static server; app routes:
# hearth and Go, and for json nginx -> Go), whether or not they passed.
case_servers() {  # case_servers CASE PIPELINED(0|1)
  case $1 in
    ws) echo "hearth ws" ;;
    json|proxy) echo "hearth nginx go" ;;
    plaintext|jsonplain) echo "hearth go" ;;
    tls*) echo "hearth nginx" ;;
    *) if [ "$2" = 1 ]; then echo "hearth nginx nginx-nosendfile h2o lighttpd"; else echo "hearth nginx h2o lighttpd"; fi ;;
  esac
}

servers_for() {  # servers_for CASE PIPELINED(0|1): those that passed their check
  local c=$1 piped=$2 s out=""
  for s in $(case_servers "$c" "$piped"); do [ -n "${OK[$c/$s]:-}" ] && out+="$s "; done
  echo "$out"
}

# PIDs whose CPU a case on a server costs (nginx proxying /json: nginx + Go;
# the proxy case: the proxy + Go).
cost_pids() {
  local c=$1 s=$2 k
  k=$(server_key "$c" "$s")
  if { [ "$c" = json ] && [[ $s == nginx* ]]; } || { [ "$c" = proxy ] && [ "$s" != go ]; }; then
    echo "${PID[$k]} ${PID[go]}"
  else
    echo "${PID[$k]}"
  fi
}

declare -A OK   # "case/server" -> 1 when its answer checked out
check_all() {
  local c s k spec path enc expect header
  for c in $CASES; do
    for s in $(case_servers "$c" 1); do
      k=$(server_key "$c" "$s")
      [ -n "${PID[$k]:-}" ] || continue
      case "$c/$s" in
        ws/hearth) path=/socket ;;
        ws/ws) path=/ ;;
      esac
      local why
      if [ "$c" = ws ]; then
        why=$(timeout 10 node "$HERE/ws_load.js" "ws://127.0.0.1:${PORT[$s]}$path" --check 2>&1) || {
          note "$s $c ($MODE): failed its check: ${why:0:200}"; continue; }
        # ...and the C++ client that times it must work against it too.
        why=$(timeout 15 "$TMP/ws_load" "ws://127.0.0.1:${PORT[$s]}$path" --connections 2 --seconds 1 2>&1 || true)
        if ! grep -q '^RESULT requests=[1-9][0-9]* .* errors=0 status_errors=0' <<<"$why"; then
          note "$s $c ($MODE): failed the ws_load sanity run: $(tr '\n' ' ' <<<"${why:0:200}")"; continue
        fi
      else
        spec=${CASE_SPEC[$c]}
        IFS='|' read -r path enc expect header <<<"$spec"
        [[ $expect == json || $expect == json=* || $expect == text=* ]] || expect="$DOCROOT/$expect"
        local url="http://127.0.0.1:${PORT[$k]}$path" ca=()
        is_tls "$c" && url="https://127.0.0.1:${PORT[$k]}$path" ca=("--cafile=$TLS_DIR/site.pem")
        why=$(timeout 20 "$PY" "$HERE/check.py" "${ca[@]}" "$url" "$enc" "$expect" \
              ${header:+"$header"} 2>&1) || {
          note "$s $c ($MODE): failed its check: ${why:0:200}"; continue; }
        if [ "$c" = tlsnew ]; then
          why=$(check_tls_new "$s" "$k") || { note "$s $c ($MODE): $why; its rows are skipped"; continue; }
          log "  $why"
        fi
      fi
      OK[$c/$s]=1
    done
  done
}

# check_tls_new SERVER KEY: what a client negotiates with the TLS instance
# (openssl s_client with the bench's client config, as wrk; and h2load), and
# that it allows no resumption and h2load opens one connection per request.
# Prints a summary; 1 with the reason when the case cannot be timed.
check_tls_new() {
  local s=$1 k=$2 port=${PORT[$2]} first second proto cipher group sig h2 before after n=200
  local req=$'GET /public/small.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'
  rm -f "$TMP/tls-session"
  first=$(printf %s "$req" | OPENSSL_CONF=$TLS_CLIENT_CONF timeout 10 openssl s_client -connect "127.0.0.1:$port" \
          -servername localhost -CAfile "$TLS_DIR/site.pem" -verify_return_error -sess_out "$TMP/tls-session" -ign_eof 2>&1) ||
    { echo "openssl s_client failed: $(tail -n 2 <<<"$first" | tr '\n' ' ')"; return 1; }
  second=$(printf %s "$req" | OPENSSL_CONF=$TLS_CLIENT_CONF timeout 10 openssl s_client -connect "127.0.0.1:$port" \
           -servername localhost -CAfile "$TLS_DIR/site.pem" -sess_in "$TMP/tls-session" -ign_eof 2>&1) || true
  proto=$(sed -n 's/^New, \([^,]*\), Cipher is .*/\1/p' <<<"$first" | head -n1)
  cipher=$(sed -n 's/^New, [^,]*, Cipher is //p' <<<"$first" | head -n1)
  group=$(sed -n 's/^Server Temp Key: //p' <<<"$first" | head -n1)
  sig=$(sed -n 's/^Peer signature type: //p' <<<"$first" | head -n1)
  local resumed=no
  grep -q '^Reused,' <<<"$second" && resumed=yes
  before=$(awk '/^Tcp:/ { if (++n == 2) print $7 }' /proc/net/snmp)
  h2=$(OPENSSL_CONF=$TLS_CLIENT_CONF timeout 30 h2load --h1 -n "$n" -c 2 -m 1 --tls13-ciphers="$TLS_SUITE" \
       -H 'Connection: close' "https://127.0.0.1:$port/public/small.txt" 2>&1 || true)
  after=$(awk '/^Tcp:/ { if (++n == 2) print $7 }' /proc/net/snmp)
  local h2proto h2cipher h2group
  h2proto=$(sed -n 's/^TLS Protocol: //p' <<<"$h2" | head -n1)
  h2cipher=$(sed -n 's/^Cipher: //p' <<<"$h2" | head -n1)
  h2group=$(sed -n 's/^Server Temp Key: //p' <<<"$h2" | head -n1)
  printf 'tls\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$MODE" "$s" "$proto" "$cipher" "$group" "$sig" \
    "$h2proto $h2cipher, $h2group" "$resumed" "$((after - before))/$n" >>"$RESULTS"
  [ -n "$cipher" ] || { echo "openssl s_client negotiated nothing: $(grep -m1 -i error <<<"$first")"; return 1; }
  [ "$resumed" = no ] || { echo "a session resumed (s_client -sess_in): handshakes would not be full"; return 1; }
  grep -q "^requests: $n total, $n started, $n done, $n succeeded" <<<"$h2" ||
    { echo "h2load sanity run: $(grep -m1 '^requests:' <<<"$h2" || tail -n 1 <<<"$h2")"; return 1; }
  [ $((after - before)) -ge "$n" ] ||
    { echo "h2load made $((after - before)) connections for $n requests"; return 1; }
  echo "tls: $s negotiates $proto $cipher, $group, $sig signature (h2load: $h2proto $h2cipher); resumption refused; h2load: $((after - before)) connections for $n requests"
}

# h2load in the tlsnew case runs -n N (its -D mode never ends when clients
# reconnect): N from the last rate measured on that server, for SECONDS.
declare -A TLS_RATE
tls_count() {
  local rate=${TLS_RATE[$1]:-1000} secs=$2
  awk -v r="$rate" -v s="$secs" -v c="$CONNECTIONS" 'BEGIN { n = int(r * s); if (n < 4 * c) n = 4 * c; print n }'
}
# tls_calibrate SERVER [OUTPUT]: remembers the rate of OUTPUT's RESULT line,
# or of a short run of its own.
tls_calibrate() {
  local s=$1 out=${2:-} rps
  [ -n "$out" ] || out=$(load tlsnew "$s" 1 0)
  rps=$(sed -n 's/^RESULT .* rps=\([0-9.]*\).*/\1/p' <<<"$out" | head -n1)
  [ -n "$rps" ] && TLS_RATE[$s]=$rps
  return 0
}

# ------------------------------------------------------------------ one run
# load CASE SERVER DEPTH SECONDS: runs the load generator, prints its output
# (the RESULT line among it).
load() {
  local c=$1 s=$2 depth=$3 secs=$4 path header spec enc expect
  if [ "$c" = ws ]; then
    [ "$s" = hearth ] && path=/socket || path=/
    # On a core of its own the client busy-polls, so the server never pays
    # for waking it (see bench/ws_load.cc); unpinned it would steal server CPU.
    local spin=()
    [ ${#PIN_LOAD[@]} -gt 0 ] && spin=(--spin)
    timeout $((secs + 20)) "${PIN_LOAD[@]}" "$TMP/ws_load" "ws://127.0.0.1:${PORT[$s]}$path" \
      --connections "$CONNECTIONS" --seconds "$secs" --size 64 "${spin[@]}" 2>&1 || true
  elif [ "$c" = tlsnew ]; then
    # One request per connection ("Connection: close": the server closes and
    # h2load reconnects), so each is a full handshake; secs 0 = calibration.
    local n=$((4 * CONNECTIONS))
    [ "$secs" -gt 0 ] && n=$(tls_count "$s" "$secs")
    OPENSSL_CONF=$TLS_CLIENT_CONF timeout $((secs * 5 + 30)) "${PIN_LOAD[@]}" h2load --h1 -n "$n" \
      -c "$CONNECTIONS" -m 1 -t "$WRK_THREADS" --tls13-ciphers="$TLS_SUITE" -H 'Connection: close' \
      "https://127.0.0.1:${PORT[$(server_key "$c" "$s")]}/public/small.txt" 2>&1 | h2load_result || true
  else
    spec=${CASE_SPEC[$c]}
    IFS='|' read -r path enc expect header <<<"$spec"
    local scheme=http tls_env=()
    # OPENSSL_CONF: wrk has no cipher option; the file limits its TLS 1.3
    # suites to TLS_SUITE.
    is_tls "$c" && scheme=https tls_env=("OPENSSL_CONF=$TLS_CLIENT_CONF")
    env "${tls_env[@]}" WRK_PIPELINE=$depth timeout $((secs + 20)) "${PIN_LOAD[@]}" wrk -t"$WRK_THREADS" \
      -c"$CONNECTIONS" -d"${secs}s" --timeout 5s -s "$HERE/pipeline.lua" \
      ${header:+-H "$header"} "$scheme://127.0.0.1:${PORT[$(server_key "$c" "$s")]}$path" 2>&1 || true
  fi
}

# h2load's summary -> the RESULT line of bench/pipeline.lua (h2load gives no
# percentiles: p50 and p99 are nan). Passes h2load's output through.
h2load_result() {
  awk '{ print }
    /^finished in / { t = $3; sub(/,$/, "", t); secs = t + 0
                      if (t ~ /ms$/) secs /= 1e3; else if (t ~ /us$/) secs /= 1e6; rps = $4 }
    /^requests: / { ok = $8; bad = $10 + $12 + $14 }   # N total, N started, N done, N succeeded, N failed, N errored, N timeout
    /^status codes: / { serr = $5 + $7 + $9 }
    END { if (rps != "") printf "RESULT requests=%d seconds=%.3f rps=%s p50_us=nan p99_us=nan errors=%d status_errors=%d\n",
                               ok, secs, rps, bad, serr }'
}

# run_one CASE SERVER DEPTH REP: one timed run, one "run" line in RESULTS.
run_one() {
  local c=$1 s=$2 depth=$3 rep=$4 out before after line pids proxy_pid="" proxy_before proxy_after
  pids=$(cost_pids "$c" "$s")
  # The proxy case also counts the proxy's own CPU, without Go's.
  [ "$c" = proxy ] && [ "$s" != go ] && proxy_pid=${PID[$(server_key "$c" "$s")]}
  [ -n "$proxy_pid" ] && proxy_before=$("$PY" "$HERE/procstat.py" ticks "$proxy_pid")
  [ "$c" = tlsnew ] && [ -z "${TLS_RATE[$s]:-}" ] && tls_calibrate "$s"
  before=$("$PY" "$HERE/procstat.py" ticks $pids)
  out=$(load "$c" "$s" "$depth" "$RUN_SECONDS")
  after=$("$PY" "$HERE/procstat.py" ticks $pids)
  [ -n "$proxy_pid" ] && proxy_after=$("$PY" "$HERE/procstat.py" ticks "$proxy_pid")
  line=$(grep -m1 '^RESULT ' <<<"$out" || true)
  if [ -z "$line" ]; then
    note "$s $c ($MODE, depth $depth, rep $rep): load generator gave no result: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
    return
  fi
  local requests rps p50 p99 errors serrs cpu
  field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $line"; }
  requests=$(field requests); rps=$(field rps); p50=$(field p50_us); p99=$(field p99_us)
  errors=$(field errors); serrs=$(field status_errors)
  [ "$c" = tlsnew ] && TLS_RATE[$s]=$rps
  cpu=$(awk -v a="$before" -v b="$after" -v n="$requests" \
        'BEGIN { if (n > 0) printf "%.2f", (b - a) * 1e6 / n; else print "nan" }')
  printf 'run\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$MODE" "$c" "$s" "$depth" "$rep" \
    "$rps" "$p50" "$p99" "$cpu" "$((errors + serrs))" >>"$RESULTS"
  if [ -n "$proxy_pid" ]; then
    printf 'pcpu\t%s\t%s\t%s\t%s\n' "$MODE" "$s" "$rep" "$(awk -v a="$proxy_before" -v b="$proxy_after" -v n="$requests" \
      'BEGIN { if (n > 0) printf "%.2f", (b - a) * 1e6 / n; else print "nan" }')" >>"$RESULTS"
  fi
  local label=""
  [ "$depth" -gt 1 ] && label=" (pipelined x$depth)"
  log "  [$MODE rep $rep] $c $s$label: $rps req/s, p99 ${p99} us, ${cpu} us CPU/req, errors $((errors + serrs))"
}

# One untimed run per case and server first, so JITs (node), heaps (Go) and
# caches are warm before anything is measured.
warm_up() {
  local c s
  [ "$WARMUP" -gt 0 ] || return 0
  for c in $CASES; do
    for s in $(servers_for "$c" 0); do
      if [ "$c" = tlsnew ]; then
        tls_calibrate "$s"
        tls_calibrate "$s" "$(load "$c" "$s" 1 "$WARMUP")"
      else
        load "$c" "$s" 1 "$WARMUP" >/dev/null
      fi
    done
  done
}

# Seconds the timed runs of this mode will take, roughly.
estimate() {
  local c runs=0 s
  for c in $CASES; do
    for s in $(servers_for "$c" 0); do runs=$((runs + 1)); done
    if [ "$MODE" = pinned ] && [ "$PIPELINE" -gt 1 ] && has "$PIPELINED_CASES" "$c"; then
      for s in $(servers_for "$c" 1); do runs=$((runs + 1)); done
    fi
  done
  local pairs
  pairs=$(for c in $CASES; do servers_for "$c" 0; done | wc -w)
  echo $((runs * REPS * (RUN_SECONDS + 1) + pairs * (WARMUP + 1)))
}

# Every case on every server that passed, REPS times; servers alternate order
# each repetition so neither always runs first.
run_reps() {
  local depth=$1 piped=0 rep c s list
  [ "$depth" -gt 1 ] && piped=1
  for ((rep = 1; rep <= REPS; rep++)); do
    for c in $CASES; do
      [ "$piped" = 1 ] && ! has "$PIPELINED_CASES" "$c" && continue
      list=$(servers_for "$c" "$piped")
      [ $((rep % 2)) = 0 ] && list=$(tr ' ' '\n' <<<"$list" | tac | tr '\n' ' ')
      for s in $list; do run_one "$c" "$s" "$depth" "$rep"; done
    done
  done
}

# ------------------------------------------------------------------- memory
record_rss() {
  local s
  for s in hearth nginx nginx-nosendfile h2o lighttpd go ws hearth-proxy nginx-keepalive hearth-tls nginx-tls; do
    [ -n "${PID[$s]:-}" ] || continue
    "$PY" "$HERE/procstat.py" mem "${PID[$s]}" | while read -r pid ppid hwm rss; do
      # h2o's workers are threads of its one process; its child is the
      # crash handler (a perl script waiting for a backtrace), not a worker.
      [ "$s" = h2o ] && [ "$pid" != "${PID[$s]}" ] && continue
      printf 'rss\t%s\t%s\t%s\t%s\t%s\t%s\n' "$MODE" "$s" "$pid" "$([ "$pid" = "${PID[$s]}" ] && echo root || echo child)" \
        "$hwm" "$rss" >>"$RESULTS"
    done
  done
}

# RSS of a server's workers (its children, or itself when it has none), kB.
# h2o's workers are threads of its one process (its child is the crash
# handler, see record_rss): SERVER h2o counts the process itself.
worker_rss() {
  "$PY" "$HERE/procstat.py" mem "$1" | awk -v root="$1" -v own="$([ "${2:-}" = h2o ] && echo 1)" '
    $1 == root { self = $4; next } { kids += $4; n++ } END { print ((n && !own) ? kids : self) }'
}

# Holds IDLE_CONNS idle keep-alive connections on SERVER and records its RSS.
idle_test() {
  local s=$1 before after client_out pid i line
  [ -n "${PID[$s]:-}" ] && [ -n "${OK[txt1k/$s]:-}" ] || return 0
  before=$(worker_rss "${PID[$s]}" "$s")
  client_out="$TMP/idle-$s.out"
  "${PIN_LOAD[@]}" "$PY" "$HERE/idle_conns.py" 127.0.0.1 "${PORT[$s]}" /public/small.txt \
    "$IDLE_CONNS" 60 256 60 >"$client_out" 2>&1 &
  pid=$!
  STARTED+=("$pid")
  for ((i = 0; i < 900; i++)); do
    grep -q '^READY' "$client_out" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  sleep 1
  after=$(worker_rss "${PID[$s]}" "$s")
  line=$(grep -m1 '^READY' "$client_out" || echo "READY ok=0 failed=$IDLE_CONNS")
  stop_pid "$pid"
  local ok failed
  ok=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' <<<"$line")
  failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$line")
  printf 'idle\t%s\t%s\t%s\t%s\t%s\t%s\n' "$MODE" "$s" "$ok" "$failed" "$before" "$after" >>"$RESULTS"
  log "  idle: $s holds $ok connections ($failed failed): worker RSS $before -> $after kB"
  [ "$failed" = 0 ] || log "$(grep -v '^READY' "$client_out" | head -n 3)"
}

# A handler that waits 50 ms (a timer in hearth's /demo/wait, time.Sleep in
# the Go seed's /wait) under WAIT_CONNS connections on one worker: what
# answering later costs, in requests/s and worker RSS.
wait_test() {
  local s=$1 path=$2 out line
  [ -n "${PID[$s]:-}" ] || return 0
  out=$(WRK_PIPELINE=1 timeout $((RUN_SECONDS + 30)) "${PIN_LOAD[@]}" wrk -t1 -c"$WAIT_CONNS" -d"${RUN_SECONDS}s"         --timeout 10s -s "$HERE/pipeline.lua" "http://127.0.0.1:${PORT[$s]}$path" 2>&1 || true)
  line=$(grep -m1 '^RESULT ' <<<"$out" || true)
  if [ -z "$line" ]; then
    note "$s wait50 ($MODE): no result: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
    return
  fi
  field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $line"; }
  local rss
  rss=$(worker_rss "${PID[$s]}")
  printf 'wait\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$MODE" "$s" "$WAIT_CONNS" "$(field rps)" "$(field p99_us)" \
    "$(( $(field errors) + $(field status_errors) ))" "$rss" >>"$RESULTS"
  log "  wait50: $s at $WAIT_CONNS connections: $(field rps) req/s, p99 $(field p99_us) us, worker RSS $rss kB"
}

# --------------------------------------------------------------------- modes
run_mode() {
  MODE=$1
  local ncpu
  ncpu=$(nproc)
  PID=(); PORT=(); OK=(); TLS_RATE=()
  if [ "$MODE" = pinned ]; then
    WORKERS=1; WRK_THREADS=1
    if [ "$ncpu" -ge 2 ]; then
      PIN_SERVER=(taskset -c 0); PIN_LOAD=(taskset -c 1)
    else
      PIN_SERVER=(); PIN_LOAD=(); note "one CPU: pinned mode runs unpinned"
    fi
  else
    WORKERS=$ncpu; WRK_THREADS=$ncpu; PIN_SERVER=(); PIN_LOAD=()
  fi
  log "bench: mode $MODE: $WORKERS worker(s)"

  local gomax=()
  [ "$MODE" = pinned ] && gomax=(env GOMAXPROCS=1)
  # With TLS cases only, the plain servers (and Go behind nginx) are not started.
  if plain_wanted && { has "$SERVERS" go || has "$SERVERS" nginx || has "$CASES" proxy; }; then
    local gport
    gport=$(free_port)
    start_or_note go "$gport" "${gomax[@]}" "$TMP/seed_server" -root "$DOCROOT" -addr "127.0.0.1:$gport" || true
  fi
  if plain_wanted && has "$SERVERS" nginx; then
    start_nginx nginx nginx on
    if [ "$MODE" = pinned ] && [ "$PIPELINE" -gt 1 ]; then start_nginx nginx-nosendfile nosendfile off; fi
  fi
  if static_wanted && has "$SERVERS" h2o; then
    local hport
    hport=$(free_port)
    start_or_note h2o "$hport" "$H2O" -c "$(h2o_conf h2o "$hport")" || true
  fi
  if static_wanted && has "$SERVERS" lighttpd; then
    local lport
    lport=$(free_port)
    # In a process group of its own (same PID, exec'd): with workers,
    # lighttpd's master stops them with kill(0, SIGTERM), its whole group,
    # which would otherwise be this script and whatever started it.
    start_or_note lighttpd "$lport" "$PY" -c 'import os, sys; os.setpgid(0, 0); os.execvp(sys.argv[1], sys.argv[1:])' \
      "$LIGHTTPD" -D -f "$(lighttpd_conf lighttpd "$lport")" || true
  fi
  if has "$SERVERS" ws && has "$CASES" ws; then
    local wport
    wport=$(free_port)
    start_or_note ws "$wport" node "$HERE/ws_echo.js" "$wport" || true
  fi
  plain_wanted && has "$SERVERS" hearth && { start_hearth || true; }
  if has "$CASES" proxy && [ -n "${PID[go]:-}" ]; then
    if has "$SERVERS" nginx; then start_nginx nginx-keepalive keepalive on keepalive; fi
    has "$SERVERS" hearth && { start_hearth_proxy || true; }
  fi
  if tls_wanted; then
    if has "$SERVERS" nginx; then start_nginx nginx-tls tls on tls; fi
    has "$SERVERS" hearth && { start_hearth_tls || true; }
  fi

  check_all
  log "bench: mode $MODE: about $(estimate)s of runs"
  warm_up
  run_reps 1
  if [ "$MODE" = pinned ] && [ "$PIPELINE" -gt 1 ]; then run_reps "$PIPELINE"; fi
  record_rss
  if [ "$MODE" = pinned ] && [ "$IDLE_CONNS" -gt 0 ] && plain_wanted; then
    idle_test hearth
    idle_test nginx
    idle_test h2o
    idle_test lighttpd
  fi
  if [ "$MODE" = pinned ] && [ "$WAIT_CONNS" -gt 0 ] && plain_wanted; then
    wait_test hearth "/demo/wait?ms=50"
    wait_test go "/wait?ms=50"
  fi
  cleanup_mode
}

cleanup_mode() {
  local s
  for s in "${!PID[@]}"; do stop_pid "${PID[$s]}"; done
  PID=(); PORT=()
}

machine_info() {
  {
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores"
    echo "memory: $(free -g | awk '/^Mem:/ {print $2}') GiB; kernel $(uname -r)"
    echo "hearth: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "nginx: $("$NGINX" -v 2>&1 | sed 's/.*version: //'); $("$H2O" --version 2>&1 | head -n1 | sed 's/ version /\//'); $("$LIGHTTPD" -v 2>&1 | head -n1 | cut -d' ' -f1); $(go version | cut -d' ' -f3); node $(node --version); $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2); g++ $(g++ -dumpfullversion)"
    echo "settings: ${RUN_SECONDS}s x ${REPS} reps, $CONNECTIONS connections, pipelining $PIPELINE"
    if tls_wanted; then
      echo "tls: $(h2load --version 2>&1 | head -n1), $(openssl version | cut -d' ' -f1-2); certificate ECDSA P-256 (openssl req, made for this run); TLS 1.3, clients offer $TLS_SUITE only"
    fi
  } >"$TMP/machine.txt"
}

main() {
  local c
  for c in $CASES; do
    [ -n "${CASE_SPEC[$c]:-}" ] || [ "$c" = ws ] || die "unknown case $c (known: ${!CASE_SPEC[*]} ws)"
  done
  install_missing
  # The interpreter itself: a version-manager shim costs seconds per call on a busy machine.
  PY=$(python3 -c 'import sys; print(sys.executable)')
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/hearth-bench.XXXXXX")
  chmod 755 "$TMP"
  RESULTS="$TMP/results.tsv"
  : >"$RESULTS"
  mkdir -p "$OUT"
  # 10,000 idle connections need as many descriptors in the client and the server.
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE_CONNS + 1000)) ]; then
    note "open-file limit $(ulimit -n): idle test lowered to $(( $(ulimit -n) - 1000 )) connections"
    IDLE_CONNS=$(( $(ulimit -n) - 1000 ))
  fi

  DOCROOT="$TMP/docroot"
  "$PY" "$HERE/gen_docroot.py" "$DOCROOT"
  [ -n "${HOME:-}" ] || export GOCACHE="$TMP/go-cache"
  if plain_wanted; then
    (cd "$HERE" && go build -o "$TMP/seed_server" seed_server.go) || die "go build failed"
  fi
  if has "$CASES" ws; then
    g++ -O2 -std=c++17 -Wall -Wextra -o "$TMP/ws_load" "$HERE/ws_load.cc" || die "g++ bench/ws_load.cc failed"
  fi
  TLS_DIR="$TMP/tls"
  TLS_CLIENT_CONF="$TMP/openssl-client.cnf"
  if tls_wanted; then
    mkdir -p "$TLS_DIR"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
      -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$TLS_DIR/site.key" -out "$TLS_DIR/site.pem" \
      >"$TLS_DIR/req.out" 2>&1 || die "openssl req failed: $(tail -n 2 "$TLS_DIR/req.out")"
  fi
  # TLS clients (wrk, s_client) read this: TLS 1.3 with TLS_SUITE only.
  cat >"$TLS_CLIENT_CONF" <<EOF
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = TLSv1.3
Ciphersuites = $TLS_SUITE
EOF
  machine_info

  local m
  for m in $MODES; do run_mode "$m"; done

  local stamp
  stamp=$(date -u +%Y%m%d-%H%M%S)
  cp "$RESULTS" "$OUT/results-$stamp.tsv"
  "$PY" "$HERE/summarize.py" "$RESULTS" "$TMP/machine.txt" >"$OUT/bench-$stamp.md"
  cp "$OUT/bench-$stamp.md" "$OUT/latest.md"
  cat "$OUT/bench-$stamp.md"
  log "bench: written to bench/out/bench-$stamp.md (raw: results-$stamp.tsv) in ${SECONDS}s"
}

main "$@"
