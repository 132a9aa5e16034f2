#include "worker/app/router.h"

#include <algorithm>

namespace hearth {

namespace {

// "/users/:id" -> {"users", ":id"}: what follows each '/' after the first
// character, so a trailing '/' gives a last, empty segment.
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

void append_allow(std::string* allow, const std::string& method) {
  if (method == "*") return;
  if (allow->find(method) != std::string::npos) return;
  if (!allow->empty()) *allow += ", ";
  *allow += method;
  if (method == "GET") *allow += ", HEAD";
}

// Walks a path segment by segment as split_segments() splits it, without
// copying: each next() is the text up to the next '/'.
class SegmentWalker {
 public:
  explicit SegmentWalker(std::string_view path) : path_(path) {}
  std::string_view next() {
    size_t slash = path_.find('/', pos_);
    if (slash == std::string_view::npos) slash = path_.size();
    std::string_view segment = path_.substr(pos_, slash - pos_);
    pos_ = slash + 1;
    return segment;
  }

 private:
  std::string_view path_;
  size_t pos_ = 1;
};

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler) {
  Route r = make_route(std::move(method), std::move(pattern));
  r.handler = std::move(handler);
  insert(std::move(r));
}

void Router::add_streaming(std::string method, std::string pattern, BodyHandler handler, uint64_t max_body_bytes) {
  Route r = make_route(std::move(method), std::move(pattern));
  r.body_handler = std::move(handler);
  r.max_body_bytes = max_body_bytes;
  insert(std::move(r));
}

Router::Route Router::make_route(std::string method, std::string pattern) {
  Route r;
  r.any_method = method == "*";
  r.is_get = method == "GET";
  r.method = std::move(method);
  if (pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, "/*") == 0) {
    r.kind = Route::Kind::kPrefix;
    pattern.pop_back();  // keep the trailing '/'
  } else if (pattern.find("/:") != std::string::npos) {
    r.kind = Route::Kind::kParams;
    for (std::string& text : split_segments(pattern)) {
      Segment s;
      s.is_param = !text.empty() && text[0] == ':';
      s.text = s.is_param ? text.substr(1) : std::move(text);
      r.segments.push_back(std::move(s));
    }
  } else {
    r.kind = Route::Kind::kExact;
  }
  r.pattern = std::move(pattern);
  return r;
}

void Router::insert(Route r) {
  uint32_t index = static_cast<uint32_t>(routes_.size());
  switch (r.kind) {
    case Route::Kind::kExact: exact_[r.pattern].push_back(index); break;
    case Route::Kind::kParams: params_.push_back(index); break;
    case Route::Kind::kPrefix: prefixes_.push_back(index); break;
  }
  routes_.push_back(std::move(r));
}

bool Router::method_matches(const Route& r, std::string_view method) {
  return r.any_method || r.method == method || (r.is_get && method == "HEAD");
}

bool Router::path_matches(const Route& r, std::string_view path) {
  switch (r.kind) {
    case Route::Kind::kExact: return r.pattern == path;
    case Route::Kind::kParams: return segments_match(r, path);
    case Route::Kind::kPrefix: return path.compare(0, r.pattern.size(), r.pattern) == 0;
  }
  return false;
}

// A ":param" segment takes any non-empty text, a literal only itself; the
// path must have as many segments as the pattern. One pass, stopping at
// the first difference: most param routes are losers.
bool Router::segments_match(const Route& r, std::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  size_t pos = 1;  // where the next segment starts
  for (const Segment& s : r.segments) {
    if (pos > path.size()) return false;  // the path has fewer segments
    size_t end = pos;
    if (s.is_param) {
      while (end < path.size() && path[end] != '/') end++;
      if (end == pos) return false;
    } else {
      end = pos + s.text.size();
      if (path.compare(pos, s.text.size(), s.text) != 0) return false;
      if (end < path.size() && path[end] != '/') return false;
    }
    pos = end + 1;
  }
  return pos == path.size() + 1;  // no segment left over
}

// Only for the winner: the losers cost no allocation. A name given twice
// keeps its last value.
void Router::fill_params(const Route& r, std::string_view path, std::map<std::string, std::string>* params) {
  SegmentWalker walker(path);
  for (const Segment& s : r.segments) {
    std::string_view part = walker.next();
    if (s.is_param) (*params)[s.text] = part;
  }
}

// The first exact route for `path` and `method`, or kNoRoute. `path_seen`
// is set when a route has the path (whatever its method).
uint32_t Router::find_exact(const std::string& method, const std::string& path, bool* path_seen) const {
  auto it = exact_.find(path);
  if (it == exact_.end()) return kNoRoute;
  *path_seen = true;
  for (uint32_t i : it->second) {
    if (method_matches(routes_[i], method)) return i;
  }
  return kNoRoute;
}

uint32_t Router::find_params(const std::string& method, const std::string& path, bool* path_seen) const {
  for (uint32_t i : params_) {
    const Route& r = routes_[i];
    if (!segments_match(r, path)) continue;
    *path_seen = true;
    if (method_matches(r, method)) return i;
  }
  return kNoRoute;
}

// The longest prefix; of equally long ones, the first added.
uint32_t Router::find_prefix(const std::string& method, const std::string& path, bool* path_seen) const {
  uint32_t best = kNoRoute;
  for (uint32_t i : prefixes_) {
    const Route& r = routes_[i];
    if (best != kNoRoute && r.pattern.size() <= routes_[best].pattern.size()) continue;
    if (!path_matches(r, path)) continue;
    *path_seen = true;
    if (method_matches(r, method)) best = i;
  }
  return best;
}

// The methods of every route that has `path`, in the order they were added.
std::string Router::allow_list(const std::string& path) const {
  std::string allow;
  for (const Route& r : routes_) {
    if (path_matches(r, path)) append_allow(&allow, r.method);
  }
  return allow;
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
  Match m;
  bool path_seen = false;
  uint32_t found = find_exact(method, path, &path_seen);
  if (found == kNoRoute) found = find_params(method, path, &path_seen);
  if (found == kNoRoute) found = find_prefix(method, path, &path_seen);
  if (found == kNoRoute) {
    // Only routes of other methods have this path: 405, with their list.
    if (path_seen) m.allow = allow_list(path);
    if (!m.allow.empty()) m.outcome = Outcome::kMethodNotAllowed;
    return m;
  }
  const Route& r = routes_[found];
  m.outcome = Outcome::kFound;
  m.handler = &r.handler;
  m.body_handler = r.body_handler ? &r.body_handler : nullptr;
  m.max_body_bytes = r.max_body_bytes;
  if (r.kind == Route::Kind::kParams) fill_params(r, path, &m.params);
  return m;
}

void Router::websocket(std::string path, WebSocketRoute route) {
  websocket_routes_[std::move(path)] = std::move(route);
}

const WebSocketRoute* Router::websocket_route(const std::string& path) const {
  auto it = websocket_routes_.find(path);
  return it == websocket_routes_.end() ? nullptr : &it->second;
}

}  // namespace hearth
