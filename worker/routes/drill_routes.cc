#include "worker/routes/drill_routes.h"

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#include "worker/crash_guard.h"

namespace hearth {

namespace {

constexpr int kExitDrillCode = 3;
constexpr long kMaxSleepMs = 10000;

// An address in the never-mapped first page. Not null: sanitizer builds
// would catch a null store and exit instead of faulting. Volatile so the
// compiler neither emits a trap instead of the store nor drops the spin loop.
volatile uintptr_t g_bad_address = 16;
volatile bool g_spin = true;

void segv() { *reinterpret_cast<volatile int*>(g_bad_address) = 1; }

void hang() {
  while (g_spin) {
  }
}

// "ms=250" -> 250; missing or bad -> 0; clamped to kMaxSleepMs.
long sleep_ms(const std::string& query) {
  size_t at = query.find("ms=");
  if (at != 0 && (at == std::string::npos || query[at - 1] != '&')) return 0;
  long ms = std::strtol(query.c_str() + at + 3, nullptr, 10);
  return std::min(std::max(ms, 0L), kMaxSleepMs);
}

}  // namespace

void register_drill_routes(Router& router) {
  router.get("/debug/segv", [](const Request&, Response&) { segv(); });
  router.get("/debug/abort", [](const Request&, Response&) { abort(); });
  router.get("/debug/throw", [](const Request&, Response&) {
    throw std::runtime_error("drill: /debug/throw");
  });
  router.get("/debug/hang", [](const Request&, Response&) { hang(); });
  router.get("/debug/exit", [](const Request&, Response&) {
    crash_guard_fail_request();
    _exit(kExitDrillCode);
  });
  router.get("/debug/sleep", [](const Request& req, Response& res) {
    long ms = sleep_ms(req.query);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    res.text("slept " + std::to_string(ms) + " ms\n");
  });
}

void register_channel_drill(Router& router, int channel_fd) {
  router.get("/debug/bad-frame", [channel_fd](const Request&, Response& res) {
    // A zero length is never valid (ipc/frame.h): the master's decoder fails.
    static const char kZeroLengthFrame[4] = {0, 0, 0, 0};
    ssize_t n = ::write(channel_fd, kZeroLengthFrame, sizeof kZeroLengthFrame);
    res.text(n == static_cast<ssize_t>(sizeof kZeroLengthFrame) ? "sent a malformed frame\n" : "write failed\n");
  });
}

}  // namespace hearth
