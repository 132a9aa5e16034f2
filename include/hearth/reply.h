// Answering later: a handler that cannot answer before it returns (it waits
// for a timer, an offloaded job, another service) takes a Reply and
// completes it later, from the worker's loop. No thread waits meanwhile.
//
//   app.get("/later", [](const hearth::Request&, hearth::Response& res) {
//     hearth::Reply reply = res.defer();
//     hearth::set_timeout(std::chrono::milliseconds(200), [reply]() mutable {
//       reply.json({{"waited_ms", 200}});        // fills the response and sends it
//     });
//   });
//
// A handler that neither fills its response nor defers is answered when it
// returns, as before. The rules of a deferred response:
// - It is sent once: send() (or json/text/html, or end() of a stream);
//   later calls do nothing. Until then the request (the handler's `req`)
//   and the response (`res`, also reply.response()) stay valid, and the
//   requests behind it on the same connection wait (answers leave in
//   request order); other connections do not.
// - The client may leave first: aborted() turns true and on_abort runs
//   once; sending then does nothing. So does a reply whose deadline passed
//   (it was answered 504) or that the server answered 503 while stopping.
// - Dropping every copy of a Reply without sending answers 500 at once (a
//   lost callback is a bug, and is logged). A reply still open after its
//   deadline (config limits.reply_timeout, 60 s by default, or the one
//   given to defer()) is answered 504; both close the connection.
// - An exception from a callback hearth runs for a deferred request (a
//   timer, offload's done) answers that request 500, as a handler's would.
// - Everything runs on the worker's loop thread: touch a Reply from that
//   thread only (offload's `work` runs elsewhere; give the Reply to `done`).
//
// Streaming: write() sends the body as it becomes ready (chunked in
// HTTP/1.1); it returns false once more than a few dozen KiB wait for a
// slow client, and on_writable runs when they are out. end() finishes.
// Server-Sent Events: start_events(), then event(...) per event.
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <hearth/response.h>

namespace hearth {

// The engine's side of a deferred exchange (worker/app/reply_state.h).
struct ReplyState;
class Reply;
namespace detail {
void finish_reply(Reply& reply, std::exception_ptr error);
}  // namespace detail

class Reply {
 public:
  // An empty handle: every call does nothing, aborted() is true.
  Reply() = default;
  explicit Reply(std::shared_ptr<ReplyState> state) : state_(std::move(state)) {}

  // The response to fill: the handler's `res` until sent; afterwards a
  // scratch response nobody reads.
  Response& response();
  // Writes response(). Does nothing once sent or aborted.
  void send();
  // Fill response() and send it.
  void json(const nlohmann::json& value, int status_code = 200);
  void text(std::string body, int status_code = 200);
  void html(std::string body, int status_code = 200);

  // The client went away, the deadline passed, or the server answered for
  // the app (stopping): nothing sent now reaches anyone.
  bool aborted() const;
  // Sent (or ended), or aborted.
  bool done() const;
  // Runs once when the reply is aborted (not when it was sent). Replaces an
  // earlier callback.
  void on_abort(std::function<void()> callback);

  // Streaming. The first write() sends the head: response()'s status and
  // headers, no Content-Length (chunked in HTTP/1.1, close-delimited in
  // 1.0). Returns false when the chunk was queued but the client is slow:
  // stop and wait for on_writable. Writing after end() or abort does nothing.
  bool write(std::string_view chunk);
  // Runs each time queued output has drained after write() returned false.
  void on_writable(std::function<void()> callback);
  // Ends the stream (after no write at all: sends an empty body).
  void end();

  // Server-Sent Events (text/event-stream, no caching, no compression):
  // sends the head at once; each event() is one event, multi-line data
  // split into data: lines.
  void start_events();
  bool event(std::string_view data, std::string_view event_name = {}, std::string_view id = {});

 private:
  friend void detail::finish_reply(Reply& reply, std::exception_ptr error);
  std::shared_ptr<ReplyState> state_;
};

// detail::finish_reply(reply, error) ends `reply` as a handler's return
// would: sent as filled or, with `error`, answered with the exception's
// status (500, HttpError's). For coroutine handlers (<hearth/task.h>).

// The SSE wire form of one event ("event: x\nid: 7\ndata: ...\n\n").
std::string format_sse_event(std::string_view data, std::string_view event_name = {}, std::string_view id = {});

}  // namespace hearth
