// An app: the routes a site answers that are not files on disk, and what
// each worker process does when it starts. Build one in main() and hand it
// to hearth::run (<hearth/run.h>):
//
//   hearth::App app;
//   app.get("/api/users/:id", [](const hearth::Request& req, hearth::Response& res) {
//     res.json({{"id", req.params.at("id")}});
//   });
//   return hearth::run(app, argc, argv);
//
// Patterns:
//   "/json"          exact path
//   "/users/:id"     a named segment, in req.params["id"]
//   "/api/*"         a prefix: "/api/" and everything below it
// Exact patterns win over parameter patterns, which win over prefixes; among
// prefixes the longest wins. A GET route answers HEAD too. A path with
// routes but none for the method gets 405 with Allow. Files on disk come
// first: a route is tried only when no file (or directory index) matches.
//
// Handlers run on the worker's event loop, one at a time: a handler that
// blocks holds back every other request of its worker. A handler that throws
// answers its request 500 (or HttpError's status); a crash in one (abort,
// SIGSEGV) answers its request 500 and the master replaces the worker.
//
// REQUIRES: the App is complete before hearth::run and is not changed after.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <hearth/request.h>
#include <hearth/response.h>
#include <hearth/websocket.h>

namespace hearth {

using Handler = std::function<void(const Request&, Response&)>;

// A request body that arrives piece by piece (App::streaming): the handler
// sets these to receive it.
struct RequestBody {
  // Each piece, in order, as it arrives (at most a read's worth at a time).
  std::function<void(std::string_view piece)> on_data;
  // The whole body has arrived; answer now or later.
  std::function<void()> on_end;
};
using BodyHandler = std::function<void(const Request&, Response&, RequestBody&)>;

// Turns a handler returning `Result` (not void) into a Handler; <hearth/task.h>
// defines it for coroutine handlers returning Task.
template <typename Result>
struct HandlerAdapter;

template <typename F>
using HandlerResult = std::invoke_result_t<F&, const Request&, Response&>;
// Enabled for handlers that return something (a Task), not for plain ones.
template <typename F>
using IfAdapted = std::enable_if_t<!std::is_void_v<HandlerResult<F>>, int>;

// Which worker process is running, for hooks and handlers.
struct WorkerInfo {
  int slot = 0;             // 1..workers; a replacement takes its slot
  uint64_t generation = 0;  // bumped by each reload
  int pid = 0;
};

class App {
 public:
  struct Route {
    std::string method;  // "GET", ..., or "*" for any
    std::string pattern;
    Handler handler;
    BodyHandler body_handler;     // instead of handler: a streaming route
    uint64_t max_body_bytes = 0;  // its limit (413 over it)
  };
  struct WebSocketEndpoint {
    std::string path;
    WebSocketRoute route;
  };
  using WorkerHook = std::function<void(const WorkerInfo&)>;

  // Each returns *this, so routes can be chained. A pattern must start with
  // '/'; a bad one throws std::invalid_argument here, in main().
  App& get(std::string pattern, Handler handler) { return route("GET", std::move(pattern), std::move(handler)); }
  App& post(std::string pattern, Handler handler) { return route("POST", std::move(pattern), std::move(handler)); }
  App& put(std::string pattern, Handler handler) { return route("PUT", std::move(pattern), std::move(handler)); }
  App& patch(std::string pattern, Handler handler) { return route("PATCH", std::move(pattern), std::move(handler)); }
  App& del(std::string pattern, Handler handler) { return route("DELETE", std::move(pattern), std::move(handler)); }
  // Every method.
  App& any(std::string pattern, Handler handler) { return route("*", std::move(pattern), std::move(handler)); }
  // Any method by name ("OPTIONS", "PROPFIND"...), or "*".
  App& route(std::string method, std::string pattern, Handler handler);

  // A route that takes its body as it arrives, never whole in memory (an
  // upload written to disk as it comes). The handler runs once the head is
  // in, before the body: to accept, it defers (res.defer()) and sets
  // body.on_data / body.on_end; `Expect: 100-continue` is answered only
  // then. Answering without deferring refuses the body (the connection
  // closes after the answer). Bodies over `max_body_bytes` get 413, a
  // client that stalls 408 (limits.body_timeout), and either aborts the
  // reply (on_abort). Takes precedence over files for its method.
  //
  //   app.streaming("POST", "/upload", [](const hearth::Request&, hearth::Response& res, hearth::RequestBody& body) {
  //     auto file = std::make_shared<std::ofstream>("/tmp/upload.bin");
  //     body.on_data = [file](std::string_view piece) { file->write(piece.data(), piece.size()); };
  //     body.on_end = [reply = res.defer()]() mutable { reply.json({{"ok", true}}); };
  //   });
  App& streaming(std::string method, std::string pattern, BodyHandler handler,
                 uint64_t max_body_bytes = uint64_t(1) << 30);

  // The same for coroutine handlers (-> hearth::Task, <hearth/task.h>).
  template <typename F, IfAdapted<F> = 0>
  App& route(std::string method, std::string pattern, F handler) {
    return route(std::move(method), std::move(pattern), HandlerAdapter<HandlerResult<F>>::adapt(std::move(handler)));
  }
  template <typename F, IfAdapted<F> = 0>
  App& get(std::string pattern, F handler) { return route("GET", std::move(pattern), std::move(handler)); }
  template <typename F, IfAdapted<F> = 0>
  App& post(std::string pattern, F handler) { return route("POST", std::move(pattern), std::move(handler)); }
  template <typename F, IfAdapted<F> = 0>
  App& put(std::string pattern, F handler) { return route("PUT", std::move(pattern), std::move(handler)); }
  template <typename F, IfAdapted<F> = 0>
  App& patch(std::string pattern, F handler) { return route("PATCH", std::move(pattern), std::move(handler)); }
  template <typename F, IfAdapted<F> = 0>
  App& del(std::string pattern, F handler) { return route("DELETE", std::move(pattern), std::move(handler)); }
  template <typename F, IfAdapted<F> = 0>
  App& any(std::string pattern, F handler) { return route("*", std::move(pattern), std::move(handler)); }

  // A WebSocket endpoint at exactly `path` (<hearth/websocket.h>). A valid
  // upgrade request switches the connection to `route`'s callbacks; any other
  // request to the path gets 426 or 400.
  App& websocket(std::string path, WebSocketRoute route);

  // Runs once in each worker process after it is forked, before it accepts
  // connections: the place to open per-process resources (database
  // connections, files, caches). A connection opened before the fork would
  // be shared by every worker. An exception here stops the worker, which
  // the master reports and retries with back-off.
  App& on_worker_start(WorkerHook hook);

  const std::vector<Route>& routes() const { return routes_; }
  const std::vector<WebSocketEndpoint>& websockets() const { return websockets_; }
  const std::vector<WorkerHook>& worker_start_hooks() const { return worker_start_hooks_; }

 private:
  std::vector<Route> routes_;
  std::vector<WebSocketEndpoint> websockets_;
  std::vector<WorkerHook> worker_start_hooks_;
};

// The worker this code runs in (slot 0 outside a worker, e.g. in main()).
const WorkerInfo& current_worker();

}  // namespace hearth
