#include "worker/http/dispatch.h"

#include <hearth/http_error.h>

#include <exception>

#include <spdlog/spdlog.h>

#include "worker/app/reply_state.h"
#include "worker/crash_guard.h"
#include "worker/http/error_page.h"
#include "worker/http/http_syntax.h"
#include "worker/http/response_body.h"
#include "worker/http/path_normalize.h"
#include "worker/static/static_files.h"
#include "worker/upstream/upstream.h"
#include "worker/websocket/handshake.h"
#include "worker/worker.h"

namespace hearth {

namespace {

// A callable borrowed for the length of one call. run_app_code took a
// std::function, and its lambdas capture more than std::function holds
// without a heap allocation: that was one per app request.
class AppCode {
 public:
  // Implicit, as std::function's: call sites pass the lambda itself.
  template <typename F>
  AppCode(const F& f) : object_(&f), call_([](const void* object) { (*static_cast<const F*>(object))(); }) {}
  void operator()() const { call_(object_); }

 private:
  const void* object_;
  void (*call_)(const void*);
};

// Runs an app handler; an exception costs this request a 500 (or the
// HttpError's status), never the worker. One that deferred its reply and
// then threw answers now: its Reply is over.
void run_app_code(const Request& req, Response* res, int client_fd, AppCode code) {
  crash_guard_begin_request(client_fd);
  int status = 0;
  std::string message;
  try {
    code();
  } catch (const HttpError& e) {
    status = e.status() >= 400 && e.status() <= 599 ? e.status() : 500;
    message = e.what();
  } catch (const std::exception& e) {
    spdlog::error("handler for {} {} threw: {}", req.method, req.path, e.what());
    status = 500;
  } catch (...) {
    spdlog::error("handler for {} {} threw a non-standard exception", req.method, req.path);
    status = 500;
  }
  crash_guard_end_request();
  if (status != 0) {
    cancel_reply(res);
    *res = Response();
    error_page(&req, status, res, message);
  }
}

// A streaming route whose body came whole with its head (or it had none):
// the handler, then the body in one piece and its end.
void run_streaming_handler(const BodyHandler& handler, const Request& req, Response* res, int client_fd) {
  RequestBody body;
  run_body_handler(handler, req, res, &body, client_fd);
  std::shared_ptr<ReplyState> reply = pending_reply(*res);
  if (!reply) return;
  run_app_callback(reply, "on_data", [&] {
    if (!req.body.empty() && body.on_data) body.on_data(req.body);
  });
  if (body.on_end && !reply->over()) run_app_callback(reply, "on_end", body.on_end);
}

void route_to_app(Worker& worker, Request& req, Response* res, int client_fd) {
  if (worker.router().websocket_route(req.path) != nullptr) {
    // Valid upgrades were handed over before dispatch; this one is not.
    std::string key;
    if (check_websocket_upgrade(req, &key, res)) error_page(&req, 400, res);
    return;
  }
  Router::Match match = worker.router().match(req.method, req.path);
  if (match.outcome != Router::Outcome::kFound && worker.upstream() != nullptr) {
    worker.upstream()->proxy(req, res);  // no route of ours: the app behind us answers
    return;
  }
  switch (match.outcome) {
    case Router::Outcome::kFound:
      req.params = std::move(match.params);
      if (match.body_handler != nullptr) {
        run_streaming_handler(*match.body_handler, req, res, client_fd);
      } else {
        run_app_code(req, res, client_fd, [&] { (*match.handler)(req, *res); });
      }
      return;
    case Router::Outcome::kMethodNotAllowed:
      error_page(&req, 405, res);
      res->headers.set("Allow", match.allow);
      return;
    case Router::Outcome::kNotFound:
      error_page(&req, 404, res);
      return;
  }
}

// What the server can do, for OPTIONS * (RFC 9110 §9.3.7): a question about
// the server, not a resource, so no file or route is tried.
void answer_server_options(const Request& req, Response* res) {
  if (req.method != "OPTIONS") {  // "*" is a target for OPTIONS only
    error_page(&req, 400, res);
    return;
  }
  res->status = 200;
  res->headers.set("Allow", "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
}

// Error statuses set without a body get the standard page.
void fill_error_body(const Request& req, Response* res) {
  if (res->status < 400 || !res->body_bytes().empty() || has_engine_body(*res)) return;
  Headers kept = res->headers;
  error_page(&req, res->status, res);
  for (const auto& field : kept.fields()) {
    if (!iequals(field.first, "Content-Type")) res->headers.set(field.first, field.second);
  }
}

}  // namespace

void dispatch(Worker& worker, Request& req, Response* res, int client_fd) {
  if (req.target == "*") {
    answer_server_options(req, res);
    return;
  }
  // Decoded into a buffer kept from request to request, then copied back
  // into the raw path's (decoding never lengthens a path): neither string
  // allocates, however long the path. A fresh string did past 15 bytes.
  thread_local std::string decoded;
  if (!normalize_path(req.path, &decoded)) {
    error_page(&req, 400, res);
    return;
  }
  req.path.assign(decoded);
  const Config& config = worker.config();
  if (is_operator_path(config, req.path)) {
    // The address is parsed only here, not for every request.
    if (!config.status.allow.allows(req.remote_addr)) {
      error_page(&req, 403, res);
      return;
    }
  } else if (worker.static_files().serve(req, res, uv_now(worker.loop())) == StaticFiles::Result::kServed) {
    fill_error_body(req, res);  // static files chose their encoding already
    return;
  }
  route_to_app(worker, req, res, client_fd);
  if (!pending_reply(*res)) complete_app_response(worker, req, res);
}

// The operator routes: the status path, and /debug/* with drills on. They
// come before the files, so a file of the same name cannot hide them.
bool is_operator_path(const Config& config, const std::string& path) {
  if (!config.status.path.empty() && path == config.status.path) return true;
  return config.drills && path.compare(0, 7, "/debug/") == 0;
}

void run_body_handler(const BodyHandler& handler, const Request& req, Response* res, RequestBody* body, int client_fd) {
  run_app_code(req, res, client_fd, [&] { handler(req, *res, *body); });
}

// A CR or LF in a value from user input would start a header (or a body)
// of its own.
bool app_headers_are_well_formed(const Headers& headers) {
  for (const auto& field : headers.fields()) {
    if (!http_syntax::is_token(field.first) || !http_syntax::is_field_value(field.second)) return false;
  }
  return true;
}

void complete_app_response(Worker& worker, const Request& req, Response* res) {
  if (!app_headers_are_well_formed(res->headers)) {
    spdlog::error("handler for {} {} set a header with a character HTTP forbids; answered 500", req.method, req.path);
    *res = Response();
    error_page(&req, 500, res);
  }
  fill_error_body(req, res);
  worker.gzip_filter().apply(req, res);
}

}  // namespace hearth
