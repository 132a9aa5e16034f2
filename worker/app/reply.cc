// Reply (<hearth/reply.h>) over ReplyState (worker/app/reply_state.h).
#include "worker/app/reply_state.h"

#include <hearth/http_error.h>

#include <exception>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "worker/http/error_page.h"

namespace hearth {

namespace {

ReplySink* g_sink = nullptr;
const Request* g_request = nullptr;
Response* g_response = nullptr;
std::weak_ptr<ReplyState> g_context;

// A callback's exception, as a status for its reply.
void answer_exception(ReplyState* state, int status, std::string_view message) {
  if (state->streaming) {  // the head is out: the client can only see a cut body
    state->sink->reply_failed(state);
    return;
  }
  *state->response = Response();
  error_page(state->request, status, state->response, message);
  state->sink->reply_send(state);
}

}  // namespace

// --- ReplyState --------------------------------------------------------------

void ReplyState::finish() {
  over_ = true;
  response = &scratch;
}

void ReplyState::abort(bool quietly) {
  if (over_) return;
  finish();
  aborted_ = true;
  std::function<void()> callback = std::move(on_abort);
  on_writable = nullptr;
  if (!quietly && callback) callback();
}

CurrentReplySink::CurrentReplySink(ReplySink* sink, const Request* request, Response* response) {
  g_sink = sink;
  g_request = request;
  g_response = response;
  g_context.reset();
}

// The reply a handler deferred is no one's context after it returned.
CurrentReplySink::~CurrentReplySink() {
  g_sink = nullptr;
  g_request = nullptr;
  g_response = nullptr;
  g_context.reset();
}

ReplySink* CurrentReplySink::sink() { return g_sink; }
const Request* CurrentReplySink::request() { return g_request; }
Response* CurrentReplySink::response() { return g_response; }

std::shared_ptr<ReplyState> pending_reply(const Response& res) {
  std::shared_ptr<ReplyState> state = res.deferral.lock();
  return state && !state->over() ? state : nullptr;
}

void cancel_reply(Response* res) {
  if (std::shared_ptr<ReplyState> state = pending_reply(*res)) state->abort(true);
  res->deferral.reset();
}

// --- ReplyContext ------------------------------------------------------------

std::weak_ptr<ReplyState> ReplyContext::current() { return g_context; }

ReplyContext::ReplyContext(std::weak_ptr<ReplyState> reply) : saved_(std::move(g_context)) {
  g_context = std::move(reply);
}

ReplyContext::~ReplyContext() { g_context = std::move(saved_); }

void run_app_callback(const std::weak_ptr<ReplyState>& context, const char* what, const std::function<void()>& callback) {
  ReplyContext scope(context);
  int status = 500;
  std::string message;  // shown to the client: HttpError's only
  try {
    callback();
    return;
  } catch (const HttpError& e) {
    status = e.status() >= 400 && e.status() <= 599 ? e.status() : 500;
    message = e.what();
  } catch (const std::exception& e) {
    spdlog::error("{} threw: {}", what, e.what());
  } catch (...) {
    spdlog::error("{} threw a non-standard exception", what);
  }
  std::shared_ptr<ReplyState> state = context.lock();
  if (state && !state->over()) answer_exception(state.get(), status, message);
}

namespace detail {

void finish_reply(Reply& reply, std::exception_ptr error) {
  std::shared_ptr<ReplyState> state = reply.state_;
  if (!state || state->over()) return;
  if (!error) {
    reply.send();
    return;
  }
  run_app_callback(state, "coroutine handler", [&] { std::rethrow_exception(error); });
}

}  // namespace detail

// --- Response::defer, Reply --------------------------------------------------

Reply Response::defer(std::chrono::milliseconds timeout) {
  if (std::shared_ptr<ReplyState> state = deferral.lock()) return Reply(state);
  ReplySink* sink = CurrentReplySink::sink();
  if (sink == nullptr) throw std::logic_error("Response::defer() outside a request handler");
  if (this != CurrentReplySink::response()) throw std::logic_error("Response::defer() on a response other than the handler's");
  uint64_t ms = timeout.count() > 0 ? static_cast<uint64_t>(timeout.count()) : 0;
  auto state = std::make_shared<ReplyState>(sink, CurrentReplySink::request(), this, ms);
  deferral = state;
  g_context = state;  // callbacks the handler creates from here on belong to it
  return Reply(state);
}

Response& Reply::response() {
  static thread_local Response nowhere;  // an empty handle's
  return state_ ? *state_->response : nowhere;
}

void Reply::send() {
  if (!state_ || state_->over()) return;
  if (state_->streaming) {
    end();
    return;
  }
  state_->sink->reply_send(state_.get());
}

void Reply::json(const nlohmann::json& value, int status_code) {
  if (done()) return;
  response().json(value, status_code);
  send();
}

void Reply::text(std::string body, int status_code) {
  if (done()) return;
  response().text(std::move(body), status_code);
  send();
}

void Reply::html(std::string body, int status_code) {
  if (done()) return;
  response().html(std::move(body), status_code);
  send();
}

bool Reply::aborted() const { return !state_ || state_->aborted(); }
bool Reply::done() const { return !state_ || state_->over(); }

void Reply::on_abort(std::function<void()> callback) {
  if (state_ && !state_->over()) state_->on_abort = std::move(callback);
}

bool Reply::write(std::string_view chunk) {
  if (!state_ || state_->over()) return false;
  return state_->sink->reply_write(state_.get(), chunk);
}

void Reply::on_writable(std::function<void()> callback) {
  if (state_ && !state_->over()) state_->on_writable = std::move(callback);
}

void Reply::end() {
  if (!state_ || state_->over()) return;
  state_->sink->reply_end(state_.get());
}

void Reply::start_events() {
  if (!state_ || state_->over() || state_->streaming) return;
  Response& res = *state_->response;
  res.headers.set("Content-Type", "text/event-stream");
  res.headers.set("Cache-Control", "no-cache");
  // nginx and other proxies in front would otherwise hold events back.
  res.headers.set("X-Accel-Buffering", "no");
  write({});
}

bool Reply::event(std::string_view data, std::string_view event_name, std::string_view id) {
  return write(format_sse_event(data, event_name, id));
}

std::string format_sse_event(std::string_view data, std::string_view event_name, std::string_view id) {
  // A CR or LF inside a name or id would start a field of its own.
  auto one_line = [](std::string_view v) { return v.substr(0, v.find_first_of("\r\n")); };
  std::string out;
  if (!event_name.empty()) out.append("event: ").append(one_line(event_name)).append("\n");
  if (!id.empty()) out.append("id: ").append(one_line(id)).append("\n");
  size_t start = 0;
  for (;;) {
    size_t end = data.find_first_of("\r\n", start);
    out.append("data: ").append(data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    out.append("\n");
    if (end == std::string_view::npos) break;
    start = end + (data.compare(end, 2, "\r\n") == 0 ? 2 : 1);
  }
  out.append("\n");
  return out;
}

}  // namespace hearth
