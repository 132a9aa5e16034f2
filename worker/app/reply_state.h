// The engine's side of a deferred response (<hearth/reply.h>): what every
// copy of a Reply shares, and the interface of the connection that answers.
//
// Lifetimes: the connection owns the request and the response a handler
// was given; a Reply points at them. So the connection stays allocated
// (its socket may be closed) until the last Reply of each of its exchanges
// is gone: ~ReplyState tells it (ReplySink::reply_released).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <hearth/reply.h>
#include <hearth/request.h>
#include <hearth/response.h>

namespace hearth {

class UpstreamSocket;

// Implemented by Connection; every call comes from the loop thread.
class ReplySink {
 public:
  virtual ~ReplySink() = default;
  // The response is complete: write it (after the dispatch step it skipped).
  virtual void reply_send(ReplyState* state) = 0;
  // A streamed body: the first call sends the head. False: the client is slow.
  virtual bool reply_write(ReplyState* state, std::string_view chunk) = 0;
  virtual void reply_end(ReplyState* state) = 0;
  // A streamed reply cannot be completed (its app code threw): the
  // connection closes, so the client sees the body cut.
  virtual void reply_failed(ReplyState* state) = 0;
  // A Reply was made for the request being answered; the last one is gone
  // (sent or not).
  virtual void reply_created(ReplyState* state) = 0;
  virtual void reply_released(ReplyState* state) = 0;

  // The upstream proxy's (worker/upstream/): an interim 1xx head before
  // the answer; the request body's reading paused or resumed (the upstream
  // is slow to take it); and the switch to a tunnel after a 101, `head`
  // written first. False: the connection cannot (it is gone); the caller
  // closes `socket`.
  virtual void reply_interim(ReplyState* state, std::string head) = 0;
  virtual void pause_request_body(ReplyState* state, bool paused) = 0;
  virtual bool reply_upgrade(ReplyState* state, std::string head, UpstreamSocket* socket) = 0;
};

struct ReplyState : std::enable_shared_from_this<ReplyState> {
  ReplyState(ReplySink* sink, const Request* request, Response* response, uint64_t timeout_ms)
      : sink(sink), request(request), response(response), timeout_ms(timeout_ms) {
    sink->reply_created(this);
  }
  ~ReplyState() { sink->reply_released(this); }
  ReplyState(const ReplyState&) = delete;
  ReplyState& operator=(const ReplyState&) = delete;

  // Sent, ended or aborted: every Reply call does nothing from then on, and
  // response() is the scratch one.
  bool over() const { return over_; }
  bool aborted() const { return aborted_; }
  // The exchange ended normally.
  void finish();
  // The exchange ended without the app: client gone, deadline, server
  // stopping, or an exception. Runs on_abort (once) unless `quietly`.
  void abort(bool quietly = false);

  ReplySink* const sink;
  const Request* const request;
  Response* response;        // the handler's `res`; &scratch once over
  const uint64_t timeout_ms; // the deadline from defer, or 0 for the config's
  bool streaming = false;    // the head went out; write()/end() follow
  bool wants_writable = false;
  bool from_upstream = false;    // a proxied answer: sent as it came (only compressed)
  bool compress_stream = false;  // its streamed body may be gzipped on the way
  std::function<void()> on_abort;
  std::function<void()> on_writable;
  Response scratch;

 private:
  bool over_ = false;
  bool aborted_ = false;
};

// The connection answering the request whose handler runs now (set by the
// connection around dispatch), so Response::defer knows whom to tell.
class CurrentReplySink {
 public:
  CurrentReplySink(ReplySink* sink, const Request* request, Response* response);
  ~CurrentReplySink();
  static ReplySink* sink();
  static const Request* request();
  static Response* response();
};

// The pending reply of `res` (deferred and not over), or null.
std::shared_ptr<ReplyState> pending_reply(const Response& res);
// A handler threw after it deferred: the reply is over (its 500 is written
// by the caller as for any handler).
void cancel_reply(Response* res);

// The reply whose request the code running now belongs to: set while a
// handler runs and, for callbacks hearth runs later (timers, offload's
// done, coroutine resumptions), the one current when they were created. An
// exception escaping such a callback answers that reply 500.
class ReplyContext {
 public:
  static std::weak_ptr<ReplyState> current();
  // Makes `reply` current for the scope.
  explicit ReplyContext(std::weak_ptr<ReplyState> reply);
  ~ReplyContext();
  ReplyContext(const ReplyContext&) = delete;
  ReplyContext& operator=(const ReplyContext&) = delete;

 private:
  std::weak_ptr<ReplyState> saved_;
};

// Runs `callback` (created under `context`) with that context current; an
// exception is logged as `what` and answers the context's reply 500 when
// it is still open.
void run_app_callback(const std::weak_ptr<ReplyState>& context, const char* what, const std::function<void()>& callback);

}  // namespace hearth
