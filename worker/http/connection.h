// One client connection: reads bytes, feeds the request parser, answers each
// request in order through the dispatcher, and writes through its output
// queue. It owns its libuv handles and deletes itself once they are closed.
#pragma once

#include <uv.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <hearth/app.h>
#include <hearth/response.h>

#include "worker/app/reply_state.h"
#include "worker/compress/gzip_encoder.h"
#include "worker/handover/handover_table.h"
#include "worker/http/exchange.h"
#include "worker/http/idle_connections.h"
#include "worker/http/output_queue.h"
#include "worker/http/socket_transport.h"
#include "worker/http/response_writer.h"
#include "worker/upstream/proxy_tunnel.h"

namespace hearth {

class Listener;
class TlsStream;
class Worker;
class WebSocketLink;
struct Request;


class Connection : public OutputQueue::Listener, public IdleNode, public ReplySink, public ProxyTunnel::Client {
 public:
  // Accepts a pending connection from `server`, the socket of `listener`
  // (which says whether it speaks TLS). Returns null on failure.
  static Connection* accept(Worker* worker, const hearth::Listener* listener, uv_stream_t* server);
  // Takes over `fd`, a plain connection a dying worker handed over, and
  // serves `replay` (a request it had received but not answered) as if the
  // client had just sent it. Returns null on failure (fd closed).
  static Connection* adopt(Worker* worker, const hearth::Listener* listener, int fd, std::string_view replay);

  // Graceful stop: idle connections close after a short grace period,
  // busy ones answer their current request with Connection: close.
  void drain();
  // Closes now, dropping anything unsent.
  void close();
  // The worker's shutdown deadline: an open reply is answered 503 (as
  // far as the socket takes it at once), then the connection closes.
  void close_for_shutdown();
  // Closes a connection of the idle list to make room for a new client,
  // unless a request has just arrived on it. Returns true when it closed.
  bool close_if_still_idle();

  // The worker's intrusive list of live connections.
  Connection* prev = nullptr;
  Connection* next = nullptr;

 private:
  // The WebSocket mode of this connection drives the socket and the timer.
  friend class WebSocketLink;

  enum class TimerMode { kNone, kFirstRequest, kKeepAlive, kHead, kBody, kSend, kLinger, kDrainGrace,
                         kWebSocket, kReply, kHandshake };

  Connection(Worker* worker, const hearth::Listener* listener);
  ~Connection() override;
  void init_handles();
  bool start(uv_stream_t* server);
  bool start_adopted(int fd, std::string_view replay);
  bool begin_serving();

  void on_read(ssize_t nread, const uv_buf_t* buf);
  // TLS (worker/tls/tls_stream.h): decrypts and hands the plaintext to on_read.
  void on_ciphertext(const char* data, size_t len);
  void on_tls_failure(ssize_t error);
  void answer_plain_http_on_tls_port();
  // What every request of this connection carries: the peer, https or not.
  void stamp(Request& req) const;
  void process_input(const char* data, size_t len);
  bool process_one(const char* data, size_t len, size_t* consumed);
  void answer(Request& req, bool keep_alive);
  void write_answer();
  ResponseContext response_context();
  void hold_input(const char* data, size_t len);
  void answer_error(int status);
  void pause_input(const char* rest, size_t len);
  void resume_input();
  void finish_batch();
  void lingering_close();
  bool input_waiting() const;
  // Switches to WebSocket when `req` is a valid upgrade on a WebSocket route;
  // `rest` are the bytes after it. Defined in worker/websocket/websocket_link.cc.
  bool upgrade_to_websocket(Request& req, const char* rest, size_t len);

  // A deferred reply (worker/http/connection_reply.cc): while one is open,
  // the requests behind it wait in pending_input_.
  void reply_created(ReplyState* state) override;
  void reply_send(ReplyState* state) override;
  bool reply_write(ReplyState* state, std::string_view chunk) override;
  void reply_end(ReplyState* state) override;
  void reply_failed(ReplyState* state) override;
  void reply_released(ReplyState* state) override;
  void after_dispatch();
  // The upstream proxy's part (worker/http/connection_upstream.cc).
  void reply_interim(ReplyState* state, std::string head) override;
  void pause_request_body(ReplyState* state, bool paused) override;
  bool reply_upgrade(ReplyState* state, std::string head, UpstreamSocket* socket) override;
  void tunnel_send(std::string bytes) override;
  size_t tunnel_unsent() const override;
  void tunnel_read_client(bool on) override;
  void tunnel_closed() override;
  void on_tunnel_read(ssize_t nread, const char* data);
  void start_stream_compression();
  std::string compress_piece(std::string_view piece, bool last);
  // A streaming route's request (worker/http/connection_body.cc).
  uint64_t body_limit_for(const Request& head);
  bool goes_upstream(const Request& head, const std::string& path);
  bool start_streamed_request();
  void pass_body_on();
  void start_reply_stream();
  void complete_reply();
  void reply_timed_out();
  void answer_for_the_app(int status);
  void abort_reply();
  void notify_writable();
  void set_reply_timer();
  void delete_when_unreferenced();

  void on_output_drained() override;
  void on_output_error(int uv_error) override;
  void on_output_progress() override;
  // What a crash may do with this connection (worker/http/connection_handover.cc).
  void on_output_queued() override;
  HandoverState handover_state() const;
  void publish_handover_state();
  void keep_request_for_replay();
  void forget_replay();

  void update_timer();
  void set_timer_for_state();
  void leave_idle();
  bool keepalive_expired();
  void set_timer(TimerMode mode, uint64_t ms, bool restart);
  void on_timeout();

  static void alloc_cb(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) noexcept;
  static void read_cb(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
  static void timer_cb(uv_timer_t* timer) noexcept;
  static void close_cb(uv_handle_t* handle) noexcept;
  static void shutdown_cb(uv_shutdown_t* req, int status) noexcept;

  // The exchange state, taken from the worker's pool when bytes arrive
  // (worker/http/exchange.h) and given back when the connection idles.
  Exchange& ex() {
    if (!ex_) acquire_exchange();
    return *ex_;
  }
  void acquire_exchange();
  void release_exchange_if_idle();
  bool parser_idle() const { return ex_ == nullptr || ex_->parser.idle(); }
  bool input_held() const { return ex_ != nullptr && !ex_->pending_input.empty(); }

  Worker* worker_;
  const hearth::Listener* listener_;
  uv_tcp_t tcp_;
  uv_timer_t timer_;
  std::unique_ptr<uv_shutdown_t> shutdown_req_;  // made for the lingering close only
  std::unique_ptr<Exchange> ex_;    // null while idle
  SocketTransport socket_;          // declared before what writes through it
  std::unique_ptr<TlsStream> tls_;  // set on a TLS listener, before any byte is read
  OutputQueue out_;
  std::string remote_addr_;
  std::unique_ptr<WebSocketLink> websocket_;  // set once switched to WebSocket
  std::unique_ptr<ProxyTunnel> tunnel_;       // set once an upstream accepted an upgrade
  TimerMode timer_mode_ = TimerMode::kNone;
  int open_handles_ = 0;
  int fd_ = -1;
  int handover_entry_ = -1;     // in the worker's HandoverTable; -1 when untracked
  bool replay_kept_ = false;    // the waiting request is in the table for a replay
  uint64_t idle_since_ms_ = 0;  // loop time the current wait began
  uint32_t requests_ = 0;
  bool reading_ = false;
  bool paused_ = false;         // input held until the output drains
  bool close_after_write_ = false;
  bool lingering_ = false;
  bool closing_ = false;
  bool draining_ = false;
  // The exchange being answered.
  bool keep_alive_ = true;       // the request allows it
  bool in_dispatch_ = false;     // its handler runs now
  ReplyState* reply_ = nullptr;  // its deferred reply, while open
  bool reply_dropped_ = false;   // every Reply went before the handler returned
  bool exchange_written_ = false;  // a streamed head went out
  bool stream_ended_ = false;
  bool stream_keep_alive_ = true;
  bool stream_chunked_ = false;  // its streamed body is chunked
  uint64_t stream_bytes_ = 0;
  std::unique_ptr<GzipDeflater> stream_gzip_;  // a proxied stream compressed on the way
  uint64_t reply_deadline_ = 0;  // loop time of the 504
  int live_replies_ = 0;         // ReplyStates not yet released
  // A body streamed to its route as it arrives.
  const BodyHandler* body_handler_ = nullptr;  // the route found for the head being read
  bool receiving_body_ = false;
  bool body_paused_ = false;     // the upstream is slow to take the streamed body
  bool processing_input_ = false;
  bool resume_after_input_ = false;
  bool handles_closed_ = false;
};

}  // namespace hearth
