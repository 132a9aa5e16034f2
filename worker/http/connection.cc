#include "worker/http/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "shared/logging.h"
#include "worker/http/access_log_line.h"
#include "worker/http/dispatch.h"
#include "worker/http/error_page.h"
#include "worker/http/https_redirect.h"
#include "worker/http/listener.h"
#include "worker/compress/gzip_encoder.h"
#include "worker/http/response_writer.h"
#include "worker/tls/tls_context.h"
#include "worker/tls/tls_stream.h"
#include "worker/websocket/websocket_link.h"
#include "worker/worker.h"

namespace hearth {

namespace {

constexpr size_t kReadBufferBytes = 64 * 1024;
// Parsed-but-unsent responses beyond this pause reading (pipelining bound).
constexpr size_t kMaxQueuedBytes = 256 * 1024;
constexpr uint64_t kLingerMs = 2000;
constexpr uint64_t kDrainGraceMs = 1000;

// All connections of a worker share one read buffer: libuv calls read_cb
// right after alloc_cb, and read_cb consumes or copies the bytes.
char g_read_buffer[kReadBufferBytes];
// And one for what TLS decrypts from it, consumed or copied the same way.
char g_plain_buffer[kReadBufferBytes];

std::string peer_address(uv_tcp_t* tcp) {
  sockaddr_storage addr;
  int len = sizeof addr;
  char text[64] = "-";
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    if (addr.ss_family == AF_INET6) {
      uv_ip6_name(reinterpret_cast<sockaddr_in6*>(&addr), text, sizeof text);
    } else {
      uv_ip4_name(reinterpret_cast<sockaddr_in*>(&addr), text, sizeof text);
    }
  }
  return text;
}

// Without a cap the kernel takes as much of a file as the (autotuned, up
// to 4 MiB) send buffer holds, whatever the client's window: thousands of
// slow readers (slowhttptest's slow read) then pin gigabytes of socket
// memory and keep the worker busy queueing it. With TCP_NOTSENT_LOWAT the
// socket reports full once this much is queued but not yet sent, so a
// slow reader holds little while a fast one still gets a full window.
constexpr int kMaxUnsentBytes = 256 * 1024;

void limit_unsent_bytes(int fd) {
  int bytes = kMaxUnsentBytes;
  setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &bytes, sizeof bytes);
}

}  // namespace

Connection::Connection(Worker* worker, const hearth::Listener* listener)
    : worker_(worker),
      listener_(listener),
      socket_(reinterpret_cast<uv_stream_t*>(&tcp_)),
      out_(&socket_, this) {}

Connection::~Connection() = default;

Connection* Connection::accept(Worker* worker, const hearth::Listener* listener, uv_stream_t* server) {
  auto* conn = new Connection(worker, listener);
  if (!conn->start(server)) {
    conn->close();
    return nullptr;
  }
  return conn;
}

Connection* Connection::adopt(Worker* worker, const hearth::Listener* listener, int fd, std::string_view replay) {
  auto* conn = new Connection(worker, listener);
  if (!conn->start_adopted(fd, replay)) {
    conn->close();
    return nullptr;
  }
  return conn;
}

void Connection::init_handles() {
  uv_tcp_init(worker_->loop(), &tcp_);
  uv_timer_init(worker_->loop(), &timer_);
  tcp_.data = this;
  timer_.data = this;
  open_handles_ = 2;
  worker_->connection_opened(this);
}

bool Connection::start(uv_stream_t* server) {
  init_handles();
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&tcp_)) != 0) return false;
  return begin_serving();
}

bool Connection::start_adopted(int fd, std::string_view replay) {
  init_handles();
  if (uv_tcp_open(&tcp_, fd) != 0) {
    ::close(fd);  // not the handle's yet
    return false;
  }
  if (!begin_serving()) return false;
  if (!replay.empty()) {
    // The client sent these to the worker that died; they are new here.
    uv_buf_t buf = uv_buf_init(const_cast<char*>(replay.data()), static_cast<unsigned>(replay.size()));
    on_read(static_cast<ssize_t>(replay.size()), &buf);
  }
  return true;
}

bool Connection::begin_serving() {
  uv_tcp_nodelay(&tcp_, 1);
  uv_fileno(reinterpret_cast<uv_handle_t*>(&tcp_), &fd_);
  limit_unsent_bytes(fd_);
  remote_addr_ = peer_address(&tcp_);
  if (const TlsContext* tls = listener_->tls()) {
    SSL* session = tls->new_session();
    if (session == nullptr) return false;
    tls_ = std::make_unique<TlsStream>(session, &socket_);
    out_.set_transport(tls_.get());
  }
  if (HandoverTable* table = worker_->handover_table()) {
    handover_entry_ = table->add(fd_, static_cast<uint8_t>(listener_->index()));
  }
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), alloc_cb, read_cb) != 0) return false;
  reading_ = true;
  if (worker_->draining()) draining_ = true;
  update_timer();
  return true;
}

void Connection::alloc_cb(uv_handle_t*, size_t, uv_buf_t* buf) noexcept {
  *buf = uv_buf_init(g_read_buffer, sizeof g_read_buffer);
}

void Connection::read_cb(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
  auto* conn = static_cast<Connection*>(stream->data);
  if (conn->tls_ && nread > 0) {
    conn->on_ciphertext(buf->base, static_cast<size_t>(nread));
  } else {
    conn->on_read(nread, buf);
  }
  if (nread > 0) conn->publish_handover_state();  // a WebSocket upgrade, say
  conn->release_exchange_if_idle();
}

// Everything the record layer yields goes on at once; what the connection
// cannot take yet waits in the pending input as plain input would, so no
// plaintext is ever left inside TLS with no read to come for it.
void Connection::on_ciphertext(const char* data, size_t len) {
  bool had_handshake = tls_->handshake_done();
  tls_->feed(data, len);
  while (!closing_ && tls_) {
    ssize_t n = tls_->read(g_plain_buffer, sizeof g_plain_buffer);
    if (n == 0) break;
    if (n < 0) {
      on_tls_failure(n);
      return;
    }
    uv_buf_t plain = uv_buf_init(g_plain_buffer, static_cast<unsigned>(n));
    on_read(n, &plain);
  }
  if (closing_ || !tls_) return;
  tls_->end_feed();
  if (!had_handshake && tls_->handshake_done()) {
    spdlog::debug("{}: {}", remote_addr_, tls_->describe());
    update_timer();
  }
}

void Connection::on_tls_failure(ssize_t error) {
  if (error == UV_EOF) {  // close_notify: the client is done
    on_read(UV_EOF, nullptr);
    return;
  }
  spdlog::debug("{}: TLS {}", remote_addr_, tls_->failure());
  if (tls_->plain_http() && !lingering_) {
    answer_plain_http_on_tls_port();
    return;
  }
  close();  // noise, or a broken session: nothing can be answered
}

// nginx's answer: a plain 400 the browser shows, saying what happened.
void Connection::answer_plain_http_on_tls_port() {
  out_.set_transport(&socket_);
  tls_.reset();
  Response res;
  res.text("The plain HTTP request was sent to HTTPS port\n", 400);
  res.close_connection = true;
  ResponseContext ctx;
  ctx.keep_alive = false;
  ctx.date = &worker_->date_now();
  write_response(res, &ctx, &out_);
  if (access_log_enabled()) access_log(format_error_access_line(remote_addr_, 400));
  close_after_write_ = true;
  finish_batch();
}

void Connection::stamp(Request& req) const {
  req.remote_addr = remote_addr_;
  req.secure = tls_ != nullptr;
}

void Connection::on_read(ssize_t nread, const uv_buf_t* buf) {
  if (nread == 0) return;  // EAGAIN
  if (websocket_ && !lingering_) {
    websocket_->on_read(nread, buf->base);
    return;
  }
  if (tunnel_ && !lingering_) {
    on_tunnel_read(nread, buf->base);
    return;
  }
  if (nread < 0) {
    // EOF or reset. A response still being written is lost with the peer.
    close();
    return;
  }
  if (lingering_) return;  // discarding what a refused client still sends
  leave_idle();
  process_input(buf->base, static_cast<size_t>(nread));
}

// Parses and answers every complete request in `data`, then writes the
// answers in one go. Stops early when output must drain first.
void Connection::process_input(const char* data, size_t len) {
  bool outer = !processing_input_;
  processing_input_ = true;
  size_t offset = 0;
  while (offset < len && !closing_ && !close_after_write_) {
    if (paused_ || body_paused_ || (reply_ != nullptr && !receiving_body_)) {
      hold_input(data + offset, len - offset);
      break;
    }
    size_t consumed = 0;
    if (!process_one(data + offset, len - offset, &consumed)) break;
    offset += consumed;
  }
  if (outer) processing_input_ = false;
  finish_batch();
  if (outer && resume_after_input_) {
    resume_after_input_ = false;
    if (!closing_ && !body_paused_) resume_input();
  }
}

// Feeds the parser; answers a finished request. Returns false to stop.
bool Connection::process_one(const char* data, size_t len, size_t* consumed) {
  *consumed = ex().parser.feed(data, len);
  if (ex().parser.error_status() != 0) {
    answer_error(ex().parser.error_status());
    return false;
  }
  if (body_handler_ != nullptr && !receiving_body_ && ex().parser.reading_body() && !start_streamed_request()) {
    return false;  // the route refused the body
  }
  if (receiving_body_) {
    pass_body_on();
    return *consumed > 0;
  }
  if (ex().parser.wants_continue()) {
    out_.push("HTTP/1.1 100 Continue\r\n\r\n");
    ex().parser.continue_sent();
  }
  if (!ex().parser.message_ready()) return *consumed > 0;
  bool keep_alive = ex().parser.keep_alive() && !ex().parser.upgrade();
  ex().parser.take_request(&ex().request);
  if (ex().parser.upgrade() && upgrade_to_websocket(ex().request, data + *consumed, len - *consumed)) {
    *consumed = len;
    return false;
  }
  answer(ex().request, keep_alive);
  // Small answers to pipelined requests are batched into one write at the
  // end of the read; files and big answers go out before parsing on.
  bool must_write = out_.memory_bytes() > kMaxQueuedBytes || out_.has_file_or_stream();
  if (must_write && !out_.flush()) {
    pause_input(data + *consumed, len - *consumed);
    *consumed = len;
  }
  return true;
}

// `req` is the exchange's request. A handler may defer its answer (after_dispatch).
void Connection::answer(Request& req, bool keep_alive) {
  worker_->count_request();
  requests_++;
  stamp(req);
  ex().start_response();
  keep_alive_ = keep_alive;
  body_handler_ = nullptr;
  exchange_written_ = false;
  stream_ended_ = false;
  bool quiet_output = out_.empty();
  in_dispatch_ = true;
  {
    CurrentReplySink current(this, &req, &ex().response);
    if (listener_->config().redirect_to_https) {
      answer_https_redirect(req, listener_->https_port(), &ex().response);
    } else {
      // A crash writes its 500 straight to the socket: not through TLS.
      dispatch(*worker_, req, &ex().response, quiet_output && !tls_ ? fd_ : -1);
    }
  }
  in_dispatch_ = false;
  after_dispatch();
}

ResponseContext Connection::response_context() {
  ResponseContext ctx;
  ctx.http_minor = ex().request.http_minor;
  ctx.keep_alive = keep_alive_ && !draining_;
  ctx.head_request = ex().request.is_head();
  ctx.date = &worker_->date_now();
  ctx.extra_headers = &listener_->response_headers();
  return ctx;
}

void Connection::write_answer() {
  ResponseContext ctx = response_context();
  uint64_t sent = write_response(ex().response, &ctx, &out_);
  if (access_log_enabled()) access_log(format_access_line(ex().request, ex().response.status, sent));
  if (!ctx.keep_alive) close_after_write_ = true;
}

// The request cannot be parsed or is refused: answer and close.
void Connection::answer_error(int status) {
  receiving_body_ = false;
  abort_reply();  // a streamed body cut short (413, 408)
  Response res;
  error_page(nullptr, status, &res);
  res.close_connection = true;
  ResponseContext ctx;
  ctx.keep_alive = false;
  ctx.date = &worker_->date_now();
  write_response(res, &ctx, &out_);
  if (access_log_enabled()) access_log(format_error_access_line(remote_addr_, status));
  close_after_write_ = true;
}

// Input behind an open reply waits; reading goes on (a client that leaves
// aborts the reply) until a pipelining client has sent too much ahead.
void Connection::hold_input(const char* data, size_t len) {
  ex().pending_input.append(data, len);
  paused_ = true;
  if (replay_kept_) keep_request_for_replay();  // what it pipelined goes along
  if (ex().pending_input.size() > kMaxQueuedBytes && reading_) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
    reading_ = false;
  }
}

void Connection::pause_input(const char* rest, size_t len) {
  ex().pending_input.append(rest, len);
  paused_ = true;
  if (reading_) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
    reading_ = false;
  }
}

// The output drained: read again, after answering what arrived meanwhile
// (which may pause reading once more).
void Connection::resume_input() {
  paused_ = false;
  if (!reading_ && !closing_ && !close_after_write_) {
    reading_ = uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), alloc_cb, read_cb) == 0;
  }
  if (input_held()) {
    std::string input;
    input.swap(ex().pending_input);
    process_input(input.data(), input.size());
    return;
  }
  update_timer();
}

// After a batch of requests: write, then either close, wait, or read on.
void Connection::finish_batch() {
  if (closing_ || websocket_) return;
  if (!out_.flush()) {
    update_timer();
    return;  // on_output_drained() continues
  }
  if (close_after_write_) {
    lingering_close();
    return;
  }
  if (paused_ && reply_ == nullptr && !body_paused_ && !tunnel_) {
    resume_input();
    return;
  }
  update_timer();
}

void Connection::on_output_drained() {
  if (websocket_) {
    websocket_->on_output_drained();
    publish_handover_state();
    return;
  }
  if (tunnel_) {
    finish_batch();
    if (tunnel_) tunnel_->client_drained();
    return;
  }
  finish_batch();
  notify_writable();
  release_exchange_if_idle();
}

void Connection::on_output_error(int) { close(); }

// nginx's send_timeout: the time between two successful writes, so a client
// that keeps reading gets the whole response however long it takes.
void Connection::on_output_progress() {
  if (timer_mode_ == TimerMode::kSend) set_timer(TimerMode::kSend, worker_->config().limits.body_timeout_ms, true);
}

// Half-closes after the last response and reads what the client still sends
// for a moment, so a client mid-upload sees our answer instead of a reset.
void Connection::lingering_close() {
  if (lingering_ || closing_) return;
  lingering_ = true;
  if (tls_) tls_->close_notify();
  shutdown_req_ = std::make_unique<uv_shutdown_t>();
  shutdown_req_->data = this;
  if (uv_shutdown(shutdown_req_.get(), reinterpret_cast<uv_stream_t*>(&tcp_), shutdown_cb) != 0) {
    close();
    return;
  }
  if (!reading_) reading_ = uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), alloc_cb, read_cb) == 0;
  set_timer(TimerMode::kLinger, kLingerMs, true);
}

void Connection::shutdown_cb(uv_shutdown_t* req, int status) noexcept {
  auto* conn = static_cast<Connection*>(req->data);
  if (status == UV_ECANCELED) return;  // closed meanwhile
  if (status < 0) conn->close();
}

void Connection::drain() {
  if (draining_ || closing_) return;
  draining_ = true;
  if (websocket_) {
    websocket_->drain();
    return;
  }
  // An open reply goes out with Connection: close when it is sent.
  if (parser_idle() && out_.empty() && !paused_ && reply_ == nullptr) {
    set_timer(TimerMode::kDrainGrace, kDrainGraceMs, true);
  }
}

void Connection::acquire_exchange() {
  ex_ = worker_->exchanges().acquire();
  ex_->parser.set_body_limit([this](const Request& head) { return body_limit_for(head); });
}

// Called where nothing up the stack holds a reference into the exchange:
// the end of a read, of a drained write, of a reply's life.
void Connection::release_exchange_if_idle() {
  if (!ex_ || closing_ || lingering_ || websocket_ || tunnel_ || in_dispatch_ || processing_input_) return;
  if (reply_ != nullptr || live_replies_ > 0 || receiving_body_ || paused_ || body_paused_) return;
  if (!ex_->parser.idle() || !ex_->pending_input.empty() || !out_.empty()) return;
  worker_->exchanges().release(std::move(ex_));
}

// A request may have arrived just as we decide to close an idle connection.
bool Connection::input_waiting() const {
  char byte;
  return ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

// The timer follows the connection's state; so does what a crash would do
// with it.
void Connection::update_timer() {
  set_timer_for_state();
  publish_handover_state();
}

void Connection::set_timer_for_state() {
  const Limits& limits = worker_->config().limits;
  if (lingering_ || tunnel_) return;
  if (tls_ && !tls_->handshake_done()) {
    set_timer(TimerMode::kHandshake, listener_->tls()->handshake_timeout_ms(), false);
  } else if (reply_ != nullptr && out_.empty() && !receiving_body_) {
    set_reply_timer();
  } else if (!out_.empty()) {
    set_timer(TimerMode::kSend, limits.body_timeout_ms, true);
  } else if (ex_ && ex_->parser.reading_body()) {
    set_timer(TimerMode::kBody, limits.body_timeout_ms, true);
  } else if (ex_ && ex_->parser.reading_head()) {
    set_timer(TimerMode::kHead, limits.header_timeout_ms, false);
  } else if (draining_) {
    set_timer(TimerMode::kDrainGrace, kDrainGraceMs, false);
  } else if (requests_ == 0) {
    set_timer(TimerMode::kFirstRequest, limits.header_timeout_ms, false);
  } else {
    set_timer(TimerMode::kKeepAlive, limits.keepalive_timeout_ms, false);
  }
}

// `restart`: start the clock again even when the mode is unchanged (progress).
// Waiting for a first or a next request is what makes a connection idle.
void Connection::set_timer(TimerMode mode, uint64_t ms, bool restart) {
  if (mode != timer_mode_ || restart) {
    timer_mode_ = mode;
    uv_timer_start(&timer_, timer_cb, ms, 0);
  }
  // A handshake that stalls is idle too: at the limit it makes room.
  bool idle = (mode == TimerMode::kFirstRequest || mode == TimerMode::kKeepAlive || mode == TimerMode::kHandshake) &&
              !draining_;
  if (idle && !IdleNode::idle) {
    worker_->idle_connections().add(this);
    idle_since_ms_ = uv_now(worker_->loop());
  } else if (!idle && IdleNode::idle) {
    worker_->idle_connections().remove(this);
  }
}

// Bytes arrived: busy until the connection waits again. The keep-alive
// clock then counts from the new wait (see keepalive_expired); the timer
// itself is not restarted per request, which would cost a heap update each.
void Connection::leave_idle() { worker_->idle_connections().remove(this); }

// The keep-alive timer fired: true when the connection really waited that
// long, else the timer is set again for the rest of the wait.
bool Connection::keepalive_expired() {
  uint64_t timeout = worker_->config().limits.keepalive_timeout_ms;
  uint64_t waited = uv_now(worker_->loop()) - idle_since_ms_;
  if (waited >= timeout) return true;
  uv_timer_start(&timer_, timer_cb, timeout - waited, 0);
  return false;
}

bool Connection::close_if_still_idle() {
  if (input_waiting()) {
    worker_->idle_connections().remove(this);  // busy in a moment: read_cb follows
    return false;
  }
  close();
  return true;
}

void Connection::timer_cb(uv_timer_t* timer) noexcept { static_cast<Connection*>(timer->data)->on_timeout(); }

void Connection::on_timeout() {
  switch (timer_mode_) {
    case TimerMode::kHandshake:
      close();  // slowloris at the TLS layer: no HTTP to answer with
      return;
    case TimerMode::kFirstRequest:
      if (input_waiting()) {
        set_timer(TimerMode::kHead, worker_->config().limits.header_timeout_ms, true);
        return;
      }
      close();  // connected but never spoke: nothing to answer
      return;
    case TimerMode::kHead:
    case TimerMode::kBody:
      answer_error(408);
      finish_batch();
      return;
    case TimerMode::kWebSocket:
      websocket_->on_timer();
      return;
    case TimerMode::kReply:
      reply_timed_out();
      return;
    case TimerMode::kKeepAlive:
      if (!keepalive_expired()) return;
      [[fallthrough]];
    case TimerMode::kDrainGrace:
      if (input_waiting()) {
        set_timer(TimerMode::kHead, worker_->config().limits.header_timeout_ms, true);
        return;
      }
      close();
      return;
    default:
      close();
  }
}

void Connection::close() {
  if (closing_) return;
  closing_ = true;
  if (HandoverTable* table = worker_->handover_table()) table->remove(handover_entry_);
  handover_entry_ = -1;
  replay_kept_ = false;
  abort_reply();
  tunnel_.reset();
  worker_->idle_connections().remove(this);
  out_.cancel();
  socket_.cancel();
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), close_cb);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), close_cb);
}

void Connection::close_cb(uv_handle_t* handle) noexcept {
  auto* conn = static_cast<Connection*>(handle->data);
  if (--conn->open_handles_ > 0) return;
  conn->worker_->connection_closed(conn);
  conn->handles_closed_ = true;
  conn->delete_when_unreferenced();
}

// A Reply still held by the app points at the exchange's request and response.
void Connection::delete_when_unreferenced() {
  if (handles_closed_ && live_replies_ == 0) delete this;
}

}  // namespace hearth
