// The config every supervisor test starts from: N workers, drills on,
// /status on (for 127.0.0.1, where the tests fetch it), quick heartbeats, a
// pid file in the test's folder, a one-line index page.
#pragma once

#include <string>

#include "tests/support/server_process.h"

namespace hearth::test {

inline void use_supervisor_config(ServerProcess& server, int workers) {
  server.config()["workers"] = workers;
  server.config()["drills"] = true;
  server.config()["status"] = {{"path", "/status"}};
  // hang_timeout stays well above a loaded 2-core machine's scheduling
  // hiccups; the hang test shortens it.
  server.config()["supervisor"] = {{"hang_timeout", 5},
                                   {"heartbeat_interval", 0.2},
                                   {"shutdown_timeout", 5},
                                   {"pid_file", server.dir().path() + "/hearth.pid"}};
  server.dir().write("root/index.html", "hello\n");
}

// The number right after the last `prefix` in `text` when `suffix` follows
// it, else -1. ("ready, 35 ms after" -> 35.) std::regex is avoided: it
// trips -Wmaybe-uninitialized in the sanitizer build.
inline long number_after(const std::string& text, const std::string& prefix, const std::string& suffix = "") {
  size_t at = text.rfind(prefix);
  if (at == std::string::npos) return -1;
  size_t start = at + prefix.size(), end = start;
  while (end < text.size() && end - start < 18 && text[end] >= '0' && text[end] <= '9') end++;
  if (end == start || text.compare(end, suffix.size(), suffix) != 0) return -1;
  return std::stol(text.substr(start, end - start));
}

inline std::string pid_file_of(const ServerProcess& server) { return server.dir().path() + "/hearth.pid"; }

}  // namespace hearth::test
