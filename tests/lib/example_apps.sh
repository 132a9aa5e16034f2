# Shared by the scripts that build an example app the way a user does
# (tests/install_test.sh, tests/todo_test.sh). Source it after setting REPO,
# WORK (a temp folder) and defining fail().

# install_into PREFIX BUILD: `make install` of the library built in BUILD.
install_into() {
  MAKEFLAGS= make -s -C "$REPO" install BUILD="$2" PREFIX="$1" >/dev/null || fail "make install failed"
}

# build_example NAME: copies examples/NAME to $WORK/NAME and builds it there
# against $WORK/prefix alone, with the caller's optimisation and sanitizer
# flags (INSTALL_TEST_CXXFLAGS, INSTALL_TEST_LDFLAGS).
build_example() {
  cp -r "$REPO/examples/$1" "$WORK/$1"
  rm -rf "${WORK:?}/$1/$1" "$WORK/$1/data"
  ( cd "$WORK/$1" && MAKEFLAGS= PKG_CONFIG_PATH="$WORK/prefix/lib/pkgconfig" \
      make -s CXXFLAGS="${INSTALL_TEST_CXXFLAGS:--O1}" LDFLAGS="${INSTALL_TEST_LDFLAGS:-}" >/dev/null ) ||
    fail "examples/$1 did not build"
}

# listening_port LOG: waits (10 s at most) for the master's "listening on"
# line in LOG and prints the port; prints nothing if it never comes.
listening_port() {
  local port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$1" 2>/dev/null | head -1 || true)  # no log yet
    [ -n "$port" ] && break
    sleep 0.1
  done
  echo "$port"
}
