#include "worker/app/router.h"

#include <algorithm>

namespace hearth {

namespace {

std::vector<std::string> split_segments(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 1;
  while (i <= path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string::npos) slash = path.size();
    out.push_back(path.substr(i, slash - i));
    i = slash + 1;
  }
  return out;
}

bool method_matches(const std::string& route_method, const std::string& method) {
  return route_method == "*" || route_method == method || (route_method == "GET" && method == "HEAD");
}

void append_allow(std::string* allow, const std::string& method) {
  if (method == "*") return;
  if (allow->find(method) != std::string::npos) return;
  if (!allow->empty()) *allow += ", ";
  *allow += method;
  if (method == "GET") *allow += ", HEAD";
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler) {
  Route r = make_route(std::move(method), std::move(pattern));
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
}

void Router::add_streaming(std::string method, std::string pattern, BodyHandler handler, uint64_t max_body_bytes) {
  Route r = make_route(std::move(method), std::move(pattern));
  r.body_handler = std::move(handler);
  r.max_body_bytes = max_body_bytes;
  routes_.push_back(std::move(r));
}

Router::Route Router::make_route(std::string method, std::string pattern) {
  Route r;
  r.method = std::move(method);
  if (pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, "/*") == 0) {
    r.kind = Route::Kind::kPrefix;
    pattern.pop_back();  // keep the trailing '/'
  } else if (pattern.find("/:") != std::string::npos) {
    r.kind = Route::Kind::kParams;
    r.segments = split_segments(pattern);
  } else {
    r.kind = Route::Kind::kExact;
  }
  r.pattern = std::move(pattern);
  return r;
}

bool Router::match_segments(const Route& r, const std::string& path,
                            std::map<std::string, std::string>* params) {
  // Cheap test first: most paths have another number of segments.
  size_t slashes = static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
  if (slashes != r.segments.size()) return false;
  std::vector<std::string> parts = split_segments(path);
  if (parts.size() != r.segments.size()) return false;
  for (size_t i = 0; i < parts.size(); i++) {
    const std::string& seg = r.segments[i];
    if (!seg.empty() && seg[0] == ':') {
      if (parts[i].empty()) return false;
      (*params)[seg.substr(1)] = parts[i];
    } else if (seg != parts[i]) {
      return false;
    }
  }
  return true;
}

// Looks for the best route of one kind; fills `allow` when the path matches
// but the method does not.
Router::Match Router::match(const std::string& method, const std::string& path) const {
  Match best;
  size_t best_prefix = 0;
  int best_rank = 0;  // 3 exact, 2 params, 1 prefix
  for (const Route& r : routes_) {
    std::map<std::string, std::string> params;
    int rank = 0;
    if (r.kind == Route::Kind::kExact && r.pattern == path) rank = 3;
    if (r.kind == Route::Kind::kParams && match_segments(r, path, &params)) rank = 2;
    if (r.kind == Route::Kind::kPrefix && path.compare(0, r.pattern.size(), r.pattern) == 0) rank = 1;
    if (rank == 0) continue;
    if (!method_matches(r.method, method)) {
      append_allow(&best.allow, r.method);
      continue;
    }
    bool better = rank > best_rank || (rank == 1 && best_rank == 1 && r.pattern.size() > best_prefix);
    if (!better) continue;
    best_rank = rank;
    best_prefix = r.pattern.size();
    best.outcome = Outcome::kFound;
    best.handler = &r.handler;
    best.body_handler = r.body_handler ? &r.body_handler : nullptr;
    best.max_body_bytes = r.max_body_bytes;
    best.params = std::move(params);
  }
  if (best.outcome != Outcome::kFound && !best.allow.empty()) best.outcome = Outcome::kMethodNotAllowed;
  return best;
}

void Router::websocket(std::string path, WebSocketRoute route) {
  websocket_routes_[std::move(path)] = std::move(route);
}

const WebSocketRoute* Router::websocket_route(const std::string& path) const {
  auto it = websocket_routes_.find(path);
  return it == websocket_routes_.end() ? nullptr : &it->second;
}

}  // namespace hearth
