// A request body streamed to its route as it arrives (App::streaming): the
// route is found from the head, its handler runs before the body and
// accepts it by deferring its reply; then each piece the parser reads goes
// to on_data, never whole in memory, and on_end follows the last.
#include <spdlog/spdlog.h>

#include "worker/http/connection.h"
#include "worker/http/dispatch.h"
#include "worker/http/error_page.h"
#include "worker/http/listener.h"
#include "worker/http/path_normalize.h"
#include "worker/upstream/upstream.h"
#include "worker/worker.h"

namespace hearth {

// A body no route of ours takes streams to the upstream, unless the
// request may be for a file (GET, HEAD: files are tried first, with the
// usual limit) or is the operator's.
bool Connection::goes_upstream(const Request& head, const std::string& path) {
  if (worker_->upstream() == nullptr || head.method == "GET" || head.method == "HEAD") return false;
  return !is_operator_path(worker_->config(), path) && worker_->router().websocket_route(path) == nullptr;
}

// Asked by the parser once the head is in: a streaming route has its own limit.
uint64_t Connection::body_limit_for(const Request& head) {
  body_handler_ = nullptr;
  const uint64_t usual = worker_->config().limits.body_bytes;
  if (listener_->config().redirect_to_https) return usual;  // nothing runs here but the 301
  std::string path;
  if (!normalize_path(head.path, &path)) return usual;  // dispatch answers 400
  Router::Match match = worker_->router().match(head.method, path);
  if (match.outcome != Router::Outcome::kFound && goes_upstream(head, path)) {
    body_handler_ = &worker_->upstream()->streaming_handler();
    ex().body_route_params.clear();
    return worker_->upstream()->max_body_bytes();
  }
  if (match.outcome != Router::Outcome::kFound || match.body_handler == nullptr) return usual;
  body_handler_ = match.body_handler;
  ex().body_route_params = std::move(match.params);
  return match.max_body_bytes;
}

// The head is in and the body is coming. Returns false when the route
// refused it: answered, and the connection closes without reading it.
bool Connection::start_streamed_request() {
  const BodyHandler* handler = body_handler_;
  body_handler_ = nullptr;
  worker_->count_request();
  requests_++;
  ex().request = ex().parser.head();  // a copy: the parser reads the body into its own
  ex().request.body.clear();
  std::string path;
  normalize_path(ex().request.path, &path);
  ex().request.path = std::move(path);
  ex().request.params = std::move(ex().body_route_params);
  stamp(ex().request);
  ex().start_response();
  keep_alive_ = true;  // known when the body has ended
  exchange_written_ = stream_ended_ = reply_dropped_ = false;
  ex().streamed_body = RequestBody();
  bool quiet_output = out_.empty();
  in_dispatch_ = true;
  {
    CurrentReplySink current(this, &ex().request, &ex().response);
    run_body_handler(*handler, ex().request, &ex().response, &ex().streamed_body, quiet_output && !tls_ ? fd_ : -1);
  }
  in_dispatch_ = false;
  if (reply_ != nullptr && reply_->over()) reply_ = nullptr;
  if (reply_ == nullptr) {
    if (!exchange_written_) {
      if (reply_dropped_) {
        spdlog::error("{} {}: its Reply was dropped without an answer; answered 500", ex().request.method, ex().request.path);
        ex().start_response();
        error_page(&ex().request, 500, &ex().response);
      }
      complete_app_response(*worker_, ex().request, &ex().response);
      ex().response.close_connection = true;
      write_answer();
    }
    close_after_write_ = true;
    return false;
  }
  receiving_body_ = true;
  if (ex().parser.wants_continue()) {  // only now: the route took the body
    out_.push("HTTP/1.1 100 Continue\r\n\r\n");
    ex().parser.continue_sent();
  }
  return true;
}

// After each read: the pieces to on_data; at the end, on_end. Pieces that
// come after the reply was sent (or cut) are read and dropped.
void Connection::pass_body_on() {
  ex().parser.take_body(&ex().body_piece);
  std::shared_ptr<ReplyState> reply = reply_ != nullptr ? reply_->shared_from_this() : nullptr;
  if (reply && !ex().body_piece.empty() && ex().streamed_body.on_data) {
    run_app_callback(reply, "on_data", [this] { ex().streamed_body.on_data(ex().body_piece); });
  }
  if (!ex().parser.message_ready()) return;
  Request finished;
  ex().parser.take_request(&finished);
  keep_alive_ = ex().parser.keep_alive() && !ex().parser.upgrade();
  receiving_body_ = false;
  if (reply_ == nullptr) return;
  // The reply's deadline counts from the end of the body.
  uint64_t timeout = reply_->timeout_ms != 0 ? reply_->timeout_ms : worker_->config().app.reply_timeout_ms;
  reply_deadline_ = uv_now(worker_->loop()) + timeout;
  if (ex().streamed_body.on_end) run_app_callback(reply, "on_end", ex().streamed_body.on_end);
}

}  // namespace hearth
