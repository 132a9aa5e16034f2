// The app's routes in one worker, matched per request (patterns and
// precedence as documented in <hearth/app.h>):
//   "/json"          exact path
//   "/api/*"         prefix (matches "/api/" and everything below it)
//   "/users/:id"     a named segment, available as req.params["id"]
// Exact patterns win over parameter patterns, which win over prefixes;
// among prefixes the longest wins. Among routes of the same rank and length
// the one added first wins.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <hearth/app.h>

namespace hearth {

class Router {
 public:
  enum class Outcome { kFound, kMethodNotAllowed, kNotFound };

  struct Match {
    Outcome outcome = Outcome::kNotFound;
    const Handler* handler = nullptr;
    const BodyHandler* body_handler = nullptr;  // a streaming route's, instead
    uint64_t max_body_bytes = 0;
    std::map<std::string, std::string> params;
    std::string allow;  // for kMethodNotAllowed: "GET, HEAD, POST"
  };

  // `method` "*" matches any method; a GET route answers HEAD too.
  void add(std::string method, std::string pattern, Handler handler);
  // A route whose body is streamed to it (App::streaming).
  void add_streaming(std::string method, std::string pattern, BodyHandler handler, uint64_t max_body_bytes);
  void get(std::string pattern, Handler h) { add("GET", std::move(pattern), std::move(h)); }
  void post(std::string pattern, Handler h) { add("POST", std::move(pattern), std::move(h)); }
  void any(std::string pattern, Handler h) { add("*", std::move(pattern), std::move(h)); }

  // Allocates only for the winner's params (and the Allow list of a 405).
  Match match(const std::string& method, const std::string& path) const;

  // WebSocket routes: exact paths. A valid upgrade request on one switches
  // the connection to the route's callbacks; any other request gets 426/400.
  void websocket(std::string path, WebSocketRoute route);
  // The route for exactly `path`, or nullptr. Stable while the router lives.
  const WebSocketRoute* websocket_route(const std::string& path) const;

 private:
  static constexpr uint32_t kNoRoute = UINT32_MAX;

  // One segment of a ":param" pattern, split when the route is added.
  struct Segment {
    std::string text;  // the literal, or the param's name without ':'
    bool is_param = false;
  };
  struct Route {
    std::string method;
    bool any_method = false;  // "*"
    bool is_get = false;      // answers HEAD too
    std::string pattern;      // a prefix keeps its trailing '/', not the '*'
    std::vector<Segment> segments;  // for ":param" routes
    enum class Kind { kExact, kParams, kPrefix } kind;
    Handler handler;
    BodyHandler body_handler;
    uint64_t max_body_bytes = 0;
  };
  Route make_route(std::string method, std::string pattern);
  void insert(Route r);
  static bool method_matches(const Route& r, std::string_view method);
  static bool path_matches(const Route& r, std::string_view path);
  static bool segments_match(const Route& r, std::string_view path);
  static void fill_params(const Route& r, std::string_view path, std::map<std::string, std::string>* params);
  uint32_t find_exact(const std::string& method, const std::string& path, bool* path_seen) const;
  uint32_t find_params(const std::string& method, const std::string& path, bool* path_seen) const;
  uint32_t find_prefix(const std::string& method, const std::string& path, bool* path_seen) const;
  std::string allow_list(const std::string& path) const;

  // Every route, in the order added (the Allow list keeps that order).
  std::vector<Route> routes_;
  // Indices into routes_ by kind, each in the order added; exact routes by
  // their path, so an exact hit costs one hash lookup, not a scan.
  std::unordered_map<std::string, std::vector<uint32_t>> exact_;
  std::vector<uint32_t> params_;
  std::vector<uint32_t> prefixes_;
  std::map<std::string, WebSocketRoute> websocket_routes_;
};

}  // namespace hearth
