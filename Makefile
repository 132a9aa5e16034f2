# hearth: `make` builds, `make run` serves the demo site, `make test` runs every test.
# Dependencies are Debian packages; `deps` installs the missing ones.

CXX      ?= g++
BUILD    ?= build
CXXFLAGS ?= -O2 -g
override CXXFLAGS += -std=c++17 -Wall -Wextra -I. -MMD -MP
LDFLAGS  ?=
LIBS     := -luv -lz -lhttp_parser -lspdlog -lfmt -lbrotlienc -lbrotlidec -lpthread

DEB_PACKAGES := g++ make libuv1-dev zlib1g-dev nlohmann-json3-dev libwebsocketpp-dev \
                libspdlog-dev libfmt-dev libgtest-dev libhttp-parser-dev libbrotli-dev
DEB_HEADERS  := /usr/include/uv.h /usr/include/zlib.h /usr/include/nlohmann/json.hpp \
                /usr/include/websocketpp/version.hpp /usr/include/spdlog/spdlog.h \
                /usr/include/gtest/gtest.h /usr/include/http_parser.h /usr/include/brotli/encode.h
# Only the tests need these: a WebSocket client nobody here wrote, and a browser.
TEST_DEB_PACKAGES := python3-websockets chromium
TEST_DEB_FILES    := /usr/lib/python3/dist-packages/websockets/__init__.py /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Build on every core by default; `make -j1` still wins.
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)

# Library code: everything in the process folders except the program entry.
LIB_SRCS  := $(filter-out master/main.cc,$(wildcard shared/*.cc ipc/*.cc worker/*.cc worker/*/*.cc master/*.cc))
LIB_OBJS  := $(LIB_SRCS:%.cc=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/*.cc)
PROC_SRCS := $(wildcard tests/process/*.cc)
SUPPORT_SRCS := $(wildcard tests/support/*.cc)
GTEST_LIBS := -lgtest_main -lgtest

.PHONY: all deps test-deps run test asan clean bench
all: deps $(BUILD)/hearth

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

$(BUILD)/libhearth.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/hearth: $(BUILD)/master/main.o $(BUILD)/libhearth.a
	$(CXX) $(CXXFLAGS) $(LDFLAGS) $^ -o $@ $(LIBS)

$(BUILD)/unit_tests: $(UNIT_SRCS:%.cc=$(BUILD)/%.o) $(SUPPORT_SRCS:%.cc=$(BUILD)/%.o) $(BUILD)/libhearth.a
	$(CXX) $(CXXFLAGS) $(LDFLAGS) $^ -o $@ $(GTEST_LIBS) $(LIBS)

$(BUILD)/process_tests: $(PROC_SRCS:%.cc=$(BUILD)/%.o) $(SUPPORT_SRCS:%.cc=$(BUILD)/%.o) $(BUILD)/libhearth.a
	$(CXX) $(CXXFLAGS) $(LDFLAGS) $^ -o $@ $(GTEST_LIBS) $(LIBS)

run: all
	$(BUILD)/hearth -c etc/hearth.json

test: deps test-deps $(BUILD)/hearth $(BUILD)/unit_tests $(BUILD)/process_tests
	HEARTH_BIN=$(BUILD)/hearth tests/run_all.sh $(BUILD)/unit_tests $(BUILD)/process_tests

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer, in its own build folder.
asan:
	$(MAKE) test BUILD=build-asan CXXFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined"

bench: all
	bench/run.sh

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
