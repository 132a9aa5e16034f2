// The config every supervisor test starts from: N workers, drills on,
// quick heartbeats, a pid file in the test's folder, a one-line index page.
#pragma once

#include <string>

#include "tests/support/server_process.h"

namespace hearth::test {

inline void use_supervisor_config(ServerProcess& server, int workers) {
  server.config()["workers"] = workers;
  server.config()["drills"] = true;
  // hang_timeout stays well above a loaded 2-core machine's scheduling
  // hiccups; the hang test shortens it.
  server.config()["supervisor"] = {{"hang_timeout", 5},
                                   {"heartbeat_interval", 0.2},
                                   {"shutdown_timeout", 5},
                                   {"pid_file", server.dir().path() + "/hearth.pid"}};
  server.dir().write("root/index.html", "hello\n");
}

inline std::string pid_file_of(const ServerProcess& server) { return server.dir().path() + "/hearth.pid"; }

}  // namespace hearth::test
