#include "worker/app/installed_app.h"

#include <exception>

#include <spdlog/spdlog.h>

namespace hearth {

namespace {

const App* g_app = nullptr;

}  // namespace

void install_app(const App* app) { g_app = app; }

const App* installed_app() { return g_app; }

void add_app_routes(const App& app, Router* router) {
  for (const App::Route& r : app.routes()) {
    if (r.body_handler) router->add_streaming(r.method, r.pattern, r.body_handler, r.max_body_bytes);
    else router->add(r.method, r.pattern, r.handler);
  }
  for (const App::WebSocketEndpoint& ws : app.websockets()) router->websocket(ws.path, ws.route);
}

bool run_worker_start_hooks(const App& app, const WorkerInfo& info) {
  for (const App::WorkerHook& hook : app.worker_start_hooks()) {
    try {
      hook(info);
    } catch (const std::exception& e) {
      spdlog::error("worker {}: on_worker_start threw: {}", info.slot, e.what());
      return false;
    } catch (...) {
      spdlog::error("worker {}: on_worker_start threw a non-standard exception", info.slot);
      return false;
    }
  }
  return true;
}

}  // namespace hearth
