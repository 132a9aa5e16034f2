#include <hearth/app.h>

#include <stdexcept>

#include "worker/http/http_chars.h"

namespace hearth {

namespace {

// Caught in main(), where the mistake is, rather than in every worker.
void check_pattern(const std::string& pattern) {
  if (pattern.empty() || pattern[0] != '/') throw std::invalid_argument("route pattern must start with '/': " + pattern);
  if (pattern.find("/:/") != std::string::npos || (pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, "/:") == 0))
    throw std::invalid_argument("route parameter without a name: " + pattern);
}

void check_method(const std::string& method) {
  bool token = !method.empty() && http_syntax::chars::all_of(method, http_syntax::chars::kTchar);
  if (!token) throw std::invalid_argument("not an HTTP method: " + method);
}

}  // namespace

App& App::route(std::string method, std::string pattern, Handler handler) {
  if (method != "*") check_method(method);
  check_pattern(pattern);
  if (!handler) throw std::invalid_argument("empty handler for " + pattern);
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler), nullptr, 0});
  return *this;
}

App& App::streaming(std::string method, std::string pattern, BodyHandler handler, uint64_t max_body_bytes) {
  check_method(method);
  check_pattern(pattern);
  if (!handler) throw std::invalid_argument("empty handler for " + pattern);
  Route r{std::move(method), std::move(pattern), nullptr, std::move(handler), max_body_bytes};
  routes_.push_back(std::move(r));
  return *this;
}

App& App::websocket(std::string path, WebSocketRoute route) {
  check_pattern(path);
  websockets_.push_back(WebSocketEndpoint{std::move(path), std::move(route)});
  return *this;
}

App& App::on_worker_start(WorkerHook hook) {
  if (hook) worker_start_hooks_.push_back(std::move(hook));
  return *this;
}

}  // namespace hearth
