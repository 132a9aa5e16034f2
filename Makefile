# hearth: `make` builds, `make run` serves the demo site, `make test` runs every test.
# Dependencies are Debian packages; `deps` installs the missing ones.

CXX      ?= g++
BUILD    ?= build
CXXFLAGS ?= -O2 -g
override CXXFLAGS += -std=c++17 -Wall -Wextra -I. -Iinclude -I/usr/share/include/llhttp -MMD -MP
# llhttp (Node.js's HTTP parser) is compiled from the sources Debian's node-llhttp installs.
LLHTTP_DIR := /usr/share/llhttp
LLHTTP_INC := /usr/share/include/llhttp
# Same optimisation and sanitizers as ours; the generated code is not ours to warn about.
# Its strict build: no lenient parsing compiled in (worker/http_syntax.cc checks the rest).
LLHTTP_DEFINES := -DLLHTTP_STRICT_MODE=1
LLHTTP_CFLAGS = $(filter-out -std=% -MMD -MP -Wall -Wextra -I%,$(CXXFLAGS)) -I$(LLHTTP_INC) $(LLHTTP_DEFINES)
LDFLAGS  ?=
LIBS     := -luv -lz -lspdlog -lfmt -lbrotlienc -lbrotlidec -lssl -lcrypto -lpthread

DEB_PACKAGES := g++ make libuv1-dev zlib1g-dev nlohmann-json3-dev libwebsocketpp-dev \
                libspdlog-dev libfmt-dev libgtest-dev node-llhttp libbrotli-dev pkgconf libssl-dev openssl libsqlite3-dev
DEB_HEADERS  := /usr/include/uv.h /usr/include/zlib.h /usr/include/nlohmann/json.hpp \
                /usr/include/websocketpp/version.hpp /usr/include/spdlog/spdlog.h \
                /usr/include/gtest/gtest.h $(LLHTTP_INC)/llhttp.h /usr/include/brotli/encode.h \
                /usr/bin/pkg-config /usr/include/openssl/evp.h /usr/bin/openssl /usr/include/sqlite3.h
# Only the tests need these: a WebSocket client nobody here wrote, a browser,
# Go for the upstream app (tests/upstream/upstream_app.go) and a TLS scanner.
TEST_DEB_PACKAGES := python3-websockets chromium golang-go testssl.sh
TEST_DEB_FILES    := /usr/lib/python3/dist-packages/websockets/__init__.py /usr/bin/chromium /usr/bin/go \
                     /usr/bin/testssl
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Build on every core by default; `make -j1` still wins.
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)

# The library: the engine and the public API's implementation. Programs are
# apps built on it: build/hearth is the demo app of examples/demo.
LIB_SRCS  := $(wildcard shared/*.cc ipc/*.cc worker/*.cc worker/*/*.cc master/*.cc)
LIB_OBJS  := $(LIB_SRCS:%.cc=$(BUILD)/%.o) $(patsubst %,$(BUILD)/llhttp/%.o,api http llhttp)
UNIT_SRCS := $(wildcard tests/unit/*/*.cc)
PROC_SRCS := $(wildcard tests/process/*.cc)
SUPPORT_SRCS := $(wildcard tests/support/*.cc)
GTEST_LIBS := -lgtest_main -lgtest

.PHONY: all deps test-deps run test asan clean bench
all: deps $(BUILD)/hearth $(BUILD)/hearthd

deps:
	@missing=""; for h in $(DEB_HEADERS); do [ -e $$h ] || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing build dependencies: $(DEB_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEB_PACKAGES); \
	fi

test-deps:
	@missing=""; for f in $(TEST_DEB_FILES); do [ -e $$f ] || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing test dependencies: $(TEST_DEB_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_DEB_PACKAGES); \
	fi

$(BUILD)/%.o: %.cc | deps
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@

# The parser's C sources, built with the same sanitizer and optimisation flags.
$(BUILD)/llhttp/%.o: $(LLHTTP_DIR)/%.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(LLHTTP_CFLAGS) -c $< -o $@

$(BUILD)/libhearth.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# The demo's /demo/upload hashes with OpenSSL (examples/demo/Makefile says so too).
$(BUILD)/hearth: $(BUILD)/examples/demo/main.o $(BUILD)/libhearth.a
	$(CXX) $(CXXFLAGS) $(LDFLAGS) $^ -o $@ $(LIBS)

# hearth with no app routes: files, then the upstream (docs/UPSTREAM.md).
$(BUILD)/hearthd: $(BUILD)/examples/hearthd/main.o $(BUILD)/libhearth.a
	$(CXX) $(CXXFLAGS) $(LDFLAGS) $^ -o $@ $(LIBS)

$(BUILD)/unit_tests: $(UNIT_SRCS:%.cc=$(BUILD)/%.o) $(SUPPORT_SRCS:%.cc=$(BUILD)/%.o) $(BUILD)/libhearth.a
	$(CXX) $(CXXFLAGS) $(LDFLAGS) $^ -o $@ $(GTEST_LIBS) $(LIBS)

$(BUILD)/process_tests: $(PROC_SRCS:%.cc=$(BUILD)/%.o) $(SUPPORT_SRCS:%.cc=$(BUILD)/%.o) $(BUILD)/libhearth.a
	$(CXX) $(CXXFLAGS) $(LDFLAGS) $^ -o $@ $(GTEST_LIBS) $(LIBS)

# An app on the public API, built twice (v1, v2): tests/process/app_api_test.cc
# drives its routes, and tests/process/upgrade_test.cc deploys from one build
# to the other with a binary upgrade (found beside $(BUILD)/hearth, in $(BUILD)/tests/).
TEST_APPS := $(BUILD)/tests/test_app_v1 $(BUILD)/tests/test_app_v2
$(TEST_APPS): $(BUILD)/tests/test_app_%: tests/process/test_app/test_app.cc $(BUILD)/libhearth.a | deps
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -std=c++20 $(LDFLAGS) -DHEARTH_TEST_VERSION='"$*"' $< $(BUILD)/libhearth.a -o $@ $(LIBS)
test: $(TEST_APPS)

# The Go app tests/process/upstream_test.cc puts behind hearth (stdlib only;
# GOCACHE inside the build folder: HOME may not be writable).
$(BUILD)/tests/upstream_app: tests/upstream/upstream_app.go | test-deps
	@mkdir -p $(dir $@)
	GOCACHE=$(abspath $(BUILD))/go-cache go build -o $@ $<
test: $(BUILD)/tests/upstream_app

# http://localhost:3000/, https://localhost:8443/ (etc/tls/, made when missing), :8080 redirects to it.
run: all
	sh etc/demo_certificates.sh
	$(BUILD)/hearth -c etc/hearth.json

test: deps test-deps $(BUILD)/hearth $(BUILD)/hearthd $(BUILD)/unit_tests $(BUILD)/process_tests
	@if command -v $(FUZZ_CXX) >/dev/null; then MAKEFLAGS= $(MAKE) --no-print-directory fuzz-smoke FUZZ_CXX=$(FUZZ_CXX) FUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS); else echo "fuzz smoke skipped: no $(FUZZ_CXX) (apt-get install clang libclang-rt-14-dev)"; fi
	HEARTH_BIN=$(BUILD)/hearth tests/run_all.sh $(BUILD)/unit_tests $(BUILD)/process_tests
	INSTALL_TEST_CXXFLAGS="$(filter-out -std=% -I% -MMD -MP,$(CXXFLAGS))" INSTALL_TEST_LDFLAGS="$(LDFLAGS)" tests/install_test.sh $(BUILD)
	INSTALL_TEST_CXXFLAGS="$(filter-out -std=% -I% -MMD -MP,$(CXXFLAGS))" INSTALL_TEST_LDFLAGS="$(LDFLAGS)" tests/todo_test.sh $(BUILD)

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer, in its own build folder.
asan:
	$(MAKE) test BUILD=build-asan CXXFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined"

bench: all
	bench/run.sh

clean:
	rm -rf build build-asan

# ---------------------------------------------------------------- install
# `make install [PREFIX=/usr/local] [DESTDIR=]`: the public headers, the
# library and hearth.pc, so an app builds with
#   g++ -std=c++17 app.cc $$(pkg-config --cflags --libs hearth) -o app
# `make uninstall` removes exactly what install put.
PREFIX  ?= /usr/local
DESTDIR ?=
HEARTH_VERSION := $(shell sed -n 's/^\#define HEARTH_VERSION "\(.*\)"/\1/p' include/hearth/version.h)
PUBLIC_HEADERS := $(wildcard include/hearth/*.h)
INSTALL_INC := $(DESTDIR)$(PREFIX)/include/hearth
INSTALL_LIB := $(DESTDIR)$(PREFIX)/lib
# llhttp is compiled into libhearth.a; the rest are the Debian libraries.
PC_LIBS := -lhearth $(LIBS)

.PHONY: install uninstall
# hearth.pc is written at install time: its prefix is the PREFIX of this install.
install: deps $(BUILD)/libhearth.a
	install -d $(INSTALL_INC) $(INSTALL_LIB)/pkgconfig
	install -m 644 $(PUBLIC_HEADERS) $(INSTALL_INC)/
	install -m 644 $(BUILD)/libhearth.a $(INSTALL_LIB)/
	printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$${prefix}/include' 'libdir=$${prefix}/lib' '' \
	  'Name: hearth' 'Description: a web server you build your app into (C++17)' 'Version: $(HEARTH_VERSION)' \
	  'Cflags: -I$${includedir}' 'Libs: -L$${libdir} $(PC_LIBS)' > $(INSTALL_LIB)/pkgconfig/hearth.pc

uninstall:
	rm -f $(addprefix $(INSTALL_INC)/,$(notdir $(PUBLIC_HEADERS)))
	-rmdir $(INSTALL_INC) 2>/dev/null
	rm -f $(INSTALL_LIB)/libhearth.a $(INSTALL_LIB)/pkgconfig/hearth.pc

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------- fuzzing
# libFuzzer harnesses, one per file fuzz/<target>_fuzzer.cc (fuzz/README.md),
# built with clang into build-fuzz/. `make fuzz` runs each for FUZZ_SECONDS,
# `make fuzz-smoke` (part of `make test` when clang++ is installed) for a few;
# both fail when a harness crashes. Seeds are read from fuzz/corpus/<target>;
# the grown corpus and crash inputs stay in build-fuzz/.
FUZZ_CXX      ?= clang++
FUZZ_CC       ?= clang
FUZZ_BUILD    := build-fuzz
FUZZ_SECONDS  ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS   := -O1 -g $(FUZZ_SANITIZE) -fsanitize=fuzzer-no-link
FUZZ_CXXFLAGS := -std=c++17 -Wall -Wextra -I. -Iinclude -I$(LLHTTP_INC) -MMD -MP $(FUZZ_CFLAGS)
# Only what the harnesses reach, not the whole tree (a harness that stops
# linking names the source to add here).
FUZZ_LIB_SRCS := worker/http/request_parser.cc worker/app/request.cc worker/app/headers.cc worker/app/url_encoded.cc worker/app/cookies.cc worker/http/path_normalize.cc \
                 worker/static/byte_range.cc worker/compress/accept_encoding.cc ipc/frame.cc shared/config.cc \
                 worker/http/http_syntax.cc worker/http/chunked_decoder.cc shared/address_allow_list.cc \
                 worker/websocket/session.cc worker/websocket/frame_header_check.cc shared/upstream_address.cc \
                 worker/upstream/response_parser.cc
FUZZ_LIB_OBJS := $(FUZZ_LIB_SRCS:%.cc=$(FUZZ_BUILD)/%.o) $(patsubst %,$(FUZZ_BUILD)/llhttp/%.o,api http llhttp)
FUZZ_TARGETS  := $(patsubst fuzz/%_fuzzer.cc,%,$(wildcard fuzz/*_fuzzer.cc))
FUZZ_BINS     := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%_fuzzer)
FUZZ_LIBS     := -lspdlog -lfmt -lpthread

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-clang fuzz-clean
fuzz: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) fuzz/run.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_BINS)

fuzz-clang:
	@command -v $(FUZZ_CXX) >/dev/null || { echo "fuzzing needs $(FUZZ_CXX): apt-get install clang libclang-rt-14-dev"; exit 1; }

$(FUZZ_BUILD)/%.o: %.cc | fuzz-clang
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -c $< -o $@

$(FUZZ_BUILD)/llhttp/%.o: $(LLHTTP_DIR)/%.c | fuzz-clang
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(LLHTTP_INC) $(LLHTTP_DEFINES) -c $< -o $@

# Harness objects are not intermediate files: keep them, or every build would redo them.
.SECONDARY: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/%_fuzzer.o)

# One archive for all harnesses: each links only the objects it uses.
$(FUZZ_BUILD)/libhearth_fuzz.a: $(FUZZ_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/%_fuzzer: $(FUZZ_BUILD)/fuzz/%_fuzzer.o $(FUZZ_BUILD)/libhearth_fuzz.a
	$(FUZZ_CXX) -fsanitize=fuzzer $(FUZZ_SANITIZE) $^ -o $@ $(FUZZ_LIBS)

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
