// The demo app. Add a route here: one line, a path and a handler.
#include "worker/app_routes.h"

#include <unistd.h>

#include <ctime>

#include "worker/websocket/demo_routes.h"
#include "worker/worker.h"

namespace hearth {

namespace {

std::string iso8601_now() {
  time_t now = time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

void register_app_routes(Worker& worker) {
  Router& r = worker.router();
  int slot = worker.identity().slot;

  r.get("/json", [slot](const Request&, Response& res) {
    res.json({{"message", "Hello from hearth"}, {"pid", getpid()}, {"worker", slot}, {"time", iso8601_now()}});
  });

  // Echoes the request body (Content-Length or chunked) with its size.
  r.post("/echo", [](const Request& req, Response& res) {
    res.json({{"bytes", req.body.size()}, {"body", req.body}});
  });

  r.get("/hello/:name", [](const Request& req, Response& res) {
    res.json({{"hello", req.params.at("name")}});
  });

  register_websocket_demo(worker);  // /socket (echo) and /chat (broadcast)
}

}  // namespace hearth
