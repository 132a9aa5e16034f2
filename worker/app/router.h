// The app's routes in one worker, matched per request (patterns and
// precedence as documented in <hearth/app.h>):
//   "/json"          exact path
//   "/api/*"         prefix (matches "/api/" and everything below it)
//   "/users/:id"     a named segment, available as req.params["id"]
// Exact patterns win over parameter patterns, which win over prefixes;
// among prefixes the longest wins.
#pragma once

#include <functional>
#include <map>
#include <string>
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

  Match match(const std::string& method, const std::string& path) const;

  // WebSocket routes: exact paths. A valid upgrade request on one switches
  // the connection to the route's callbacks; any other request gets 426/400.
  void websocket(std::string path, WebSocketRoute route);
  // The route for exactly `path`, or nullptr. Stable while the router lives.
  const WebSocketRoute* websocket_route(const std::string& path) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // split pattern, for ":param" routes
    enum class Kind { kExact, kParams, kPrefix } kind;
    Handler handler;
    BodyHandler body_handler;
    uint64_t max_body_bytes = 0;
  };
  Route make_route(std::string method, std::string pattern);
  static bool match_segments(const Route& r, const std::string& path,
                             std::map<std::string, std::string>* params);
  std::vector<Route> routes_;
  std::map<std::string, WebSocketRoute> websocket_routes_;
};

}  // namespace hearth
