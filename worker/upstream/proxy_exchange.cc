#include "worker/upstream/proxy_exchange.h"

#include <cstdio>

#include <spdlog/spdlog.h>

#include "worker/http/error_page.h"
#include "worker/http/response_writer.h"
#include "worker/upstream/upstream.h"

namespace hearth {

namespace {

// A body up to this size with a Content-Length is read whole and sent as
// one answer, which the gzip filter can compress; larger ones stream.
constexpr uint64_t kBufferWholeBytes = 64 * 1024;
// Request body bytes kept after they were written, for a replay.
constexpr size_t kReplayBytes = 64 * 1024;
// Request body waiting for the upstream beyond this pauses the client.
constexpr size_t kBodyHighWater = 256 * 1024;

std::string chunk_frame(std::string_view data) {
  char size[24];
  int n = snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out;
  out.reserve(static_cast<size_t>(n) + data.size() + 2);
  out.append(size, static_cast<size_t>(n)).append(data).append("\r\n");
  return out;
}

bool is_websocket_upgrade(const Request& req) {
  const std::string* upgrade = req.headers.find("Upgrade");
  if (upgrade == nullptr || req.method != "GET") return false;
  std::string connection = connection_options(req.headers);
  return iequals(*upgrade, "websocket") && is_hop_by_hop("Upgrade", connection) &&
         connection.size() >= 7;  // names "upgrade" (the fixed list matched "Upgrade" alone otherwise)
}

// How the request body goes upstream: as the client framed it.
UpstreamBody body_framing(const Request& req, bool streamed) {
  UpstreamBody body;
  if (streamed) {
    const std::string* length = req.headers.find("Content-Length");
    if (length != nullptr) {
      body.framing = UpstreamBody::Framing::kLength;
      body.length = std::stoull(*length);  // the parser checked it
    } else {
      body.framing = UpstreamBody::Framing::kChunked;
    }
  } else if (!req.body.empty() || req.headers.has("Content-Length") || req.headers.has("Transfer-Encoding")) {
    body.framing = UpstreamBody::Framing::kLength;
    body.length = req.body.size();
  }
  return body;
}

std::string interim_head(const UpstreamHead& head) {
  std::string out = "HTTP/1.1 " + std::to_string(head.status) + " " + status_reason(head.status) + "\r\n";
  Headers kept;
  copy_response_headers(head.headers, false, &kept);
  for (const auto& field : kept.fields()) out.append(field.first).append(": ").append(field.second).append("\r\n");
  return out + "\r\n";
}

}  // namespace

std::shared_ptr<ProxyExchange> ProxyExchange::start(Upstream* upstream, std::shared_ptr<ReplyState> reply,
                                                    bool streamed_body) {
  if (!reply) return nullptr;
  std::shared_ptr<ProxyExchange> exchange(new ProxyExchange(upstream, std::move(reply), streamed_body));
  exchange->self_ = exchange;
  std::weak_ptr<ProxyExchange> weak = exchange;
  exchange->reply_->on_abort = [weak] {
    if (auto ex = weak.lock()) ex->client_left();
  };
  exchange->begin();
  return exchange;
}

ProxyExchange::ProxyExchange(Upstream* upstream, std::shared_ptr<ReplyState> reply, bool streamed_body)
    : upstream_(upstream),
      reply_(std::move(reply)),
      request_(*reply_->request),
      streamed_body_(streamed_body),
      upgrade_(is_websocket_upgrade(request_)) {
  reply_->from_upstream = true;
  body_framing_ = body_framing(request_, streamed_body);
  head_ = upstream_request_head(request_, ForwardedFor{request_.remote_addr, request_.secure ? "https" : "http"}, body_framing_, upgrade_);
  if (!streamed_body) {
    body_ = request_.body;
    body_complete_ = true;
  }
}

ProxyExchange::~ProxyExchange() { finish_attempt(false); }

void ProxyExchange::begin() {
  started_ms_ = uv_now(upstream_->loop());
  attempt();
}

void ProxyExchange::attempt() {
  attempts_++;
  server_ = upstream_->balancer().pick(tried_, uv_now(upstream_->loop()));
  if (!server_) {
    spdlog::error("upstream: no server available ({})", request_line_for_log());
    answer_error(502);
    return;
  }
  tried_.push_back(server_);
  parser_.start(request_.is_head(), this);
  request_sent_ = false;
  body_written_ = 0;
  UpstreamSocket* pooled = upstream_->pool().take(server_->address.text, server_->serial, this);
  if (pooled != nullptr) {
    reused_socket_ = true;
    socket_ = pooled;
    send_request();
    return;
  }
  reused_socket_ = false;
  int status = 0;
  socket_ = UpstreamSocket::connect(upstream_->loop(), server_->address, this, &status);
  if (socket_ == nullptr) {
    attempt_failed(AttemptFailure::kConnectFailed, status);
    return;
  }
  socket_->instance_serial = server_->serial;
  phase_ = Phase::kConnecting;
  socket_->set_timer(upstream_->config().connect_timeout_ms);
}

void ProxyExchange::on_connected(UpstreamSocket*, int uv_status) {
  auto guard = shared_from_this();
  if (uv_status != 0) {
    attempt_failed(AttemptFailure::kConnectFailed, uv_status);
    return;
  }
  send_request();
}

void ProxyExchange::send_request() {
  phase_ = Phase::kWaitingHead;
  socket_->requests++;
  socket_->read_start();
  socket_->write(head_);
  if (socket_ != nullptr) flush_body();
  set_upstream_timer();
}

// Writes what the client sent so far; keeps the first kReplayBytes for a
// replay, and lets go of them once the body is larger.
void ProxyExchange::flush_body() {
  // The response may begin before the body has all gone (an echo): it goes on.
  bool sending = phase_ == Phase::kWaitingHead || phase_ == Phase::kBody;
  if (socket_ == nullptr || !sending || request_sent_) return;
  if (body_written_ < body_.size()) {
    std::string_view rest(body_.data() + body_written_, body_.size() - body_written_);
    bool chunked = body_framing_.framing == UpstreamBody::Framing::kChunked;
    socket_->write(chunked ? chunk_frame(rest) : std::string(rest));
    body_written_ = body_.size();
    if (body_written_ > kReplayBytes) {
      body_dropped_ += body_written_;
      body_.clear();
      body_written_ = 0;
    }
  }
  if (socket_ == nullptr) return;  // the write failed
  if (body_complete_) {
    if (body_framing_.framing == UpstreamBody::Framing::kChunked) socket_->write("0\r\n\r\n");
    request_sent_ = true;
  }
  update_body_pause();
}

// A slow upstream stops the client's upload (the connection stops reading).
void ProxyExchange::update_body_pause() {
  if (!streamed_body_) return;
  size_t waiting = (socket_ != nullptr ? socket_->queued_bytes() : 0) + (body_.size() - body_written_);
  bool pause = !body_complete_ && phase_ != Phase::kDone && waiting > kBodyHighWater;
  if (pause == body_paused_) return;
  body_paused_ = pause;
  reply_->sink->pause_request_body(reply_.get(), pause);
}

void ProxyExchange::body_piece(std::string_view piece) {
  if (phase_ == Phase::kDone || piece.empty()) return;
  auto guard = shared_from_this();
  body_.append(piece.data(), piece.size());
  flush_body();
  update_body_pause();
}

void ProxyExchange::body_end() {
  if (phase_ == Phase::kDone) return;
  auto guard = shared_from_this();
  body_complete_ = true;
  flush_body();
  set_upstream_timer();
}

void ProxyExchange::on_write_drained(UpstreamSocket*) {
  auto guard = shared_from_this();
  update_body_pause();
  set_upstream_timer();
}

// One clock per phase: connecting, sending (the upstream must take the
// body), waiting for the head, and the silence between body reads.
void ProxyExchange::set_upstream_timer() {
  if (socket_ == nullptr) return;
  const UpstreamConfig& config = upstream_->config();
  if (phase_ == Phase::kBody) {
    socket_->set_timer(config.read_timeout_ms);
  } else if (phase_ != Phase::kWaitingHead) {
    return;
  } else if (request_sent_) {
    socket_->set_timer(config.first_byte_timeout_ms);
  } else if (socket_->queued_bytes() > 0) {
    socket_->set_timer(config.send_timeout_ms);
  } else {
    socket_->stop_timer();  // the client is sending its body: its own timer runs
  }
}

void ProxyExchange::on_timer(UpstreamSocket*) {
  auto guard = shared_from_this();
  switch (phase_) {
    case Phase::kConnecting:
      attempt_failed(AttemptFailure::kConnectTimedOut, 0);
      return;
    case Phase::kWaitingHead:
      attempt_failed(AttemptFailure::kTimedOut, 0);
      return;
    case Phase::kBody:
      cut_response("read timed out");
      return;
    default:
      return;
  }
}

void ProxyExchange::on_data(UpstreamSocket* socket, const char* data, size_t len) {
  auto guard = shared_from_this();
  size_t used = parser_.feed(data, len);
  if (phase_ == Phase::kDone || socket_ != socket) return;  // answered inside (an error, the client left)
  if (parser_.failed()) {
    spdlog::warn("upstream {}: {} ({})", server_->address.text, parser_.error(), request_line_for_log());
    if (!parser_.head_seen()) {
      attempt_failed(AttemptFailure::kBadResponse, 0);
    } else {
      cut_response("invalid response body");
    }
    return;
  }
  if (phase_ == Phase::kBody && upgrade_head_.status == 101) {
    if (!upgrade_) {
      spdlog::warn("upstream {}: 101 to a request that asked for no upgrade ({})", server_->address.text,
                   request_line_for_log());
      answer_error(502);
      return;
    }
    start_tunnel(std::string_view(data + used, len - used));
    return;
  }
  if (parser_.complete()) {
    complete_response(parser_.keep_alive() && request_sent_ && used == len);
    return;
  }
  if (phase_ == Phase::kBody && !reading_paused_) socket_->set_timer(upstream_->config().read_timeout_ms);
}

void ProxyExchange::on_closed(UpstreamSocket*, int uv_status) {
  auto guard = shared_from_this();
  socket_ = nullptr;
  if (phase_ == Phase::kConnecting) {
    attempt_failed(AttemptFailure::kConnectFailed, uv_status);
  } else if (phase_ == Phase::kWaitingHead) {
    bool undelivered = reused_socket_ && !parser_.any_byte() && uv_status == UV_EPIPE;
    attempt_failed(undelivered ? AttemptFailure::kNotDelivered
                   : parser_.any_byte() ? AttemptFailure::kBadResponse
                                        : AttemptFailure::kClosedBeforeResponse,
                   uv_status == UV_EOF ? 0 : uv_status);
  } else if (phase_ == Phase::kBody) {
    if (parser_.finish()) {
      complete_response(false);  // a body delimited by the close
    } else {
      cut_response("closed before the end of the response");
    }
  }
}

void ProxyExchange::attempt_failed(AttemptFailure failure, int uv_status) {
  const UpstreamAddress address = server_ ? server_->address : UpstreamAddress();
  uint64_t now = uv_now(upstream_->loop());
  std::string why = describe_failure(failure);
  if (failure == AttemptFailure::kConnectTimedOut) {
    why += " after " + std::to_string(upstream_->config().connect_timeout_ms / 1000.0).substr(0, 5) + " s";
  } else if (failure == AttemptFailure::kTimedOut) {
    why += " (" + std::to_string(upstream_->config().first_byte_timeout_ms / 1000.0).substr(0, 5) + " s)";
  }
  if (uv_status != 0) why += std::string(": ") + uv_strerror(uv_status);
  if (server_ && (marks_server_down(failure) || uv_status == UV_ECONNRESET)) {
    upstream_->balancer().mark_down(server_, now);
  }
  finish_attempt(false);
  AttemptHistory history;
  history.attempts = attempts_;
  history.max_tries = upstream_->config().tries;
  history.elapsed_ms = now - started_ms_;
  history.retry_timeout_ms = upstream_->config().retry_timeout_ms;
  history.response_started = response_started_;
  history.body_replayable = body_dropped_ == 0;
  // A refusing server is not asked again; a pooled connection that died
  // may be replaced by a fresh one to the same server.
  bool another = upstream_->balancer().has_untried(tried_) ||
                 (reused_socket_ && failure != AttemptFailure::kConnectFailed &&
                  failure != AttemptFailure::kConnectTimedOut);
  bool retry = another && may_retry(failure, request_.method, history);
  spdlog::warn("upstream {}: {} ({}){}", address.text, why, request_line_for_log(), retry ? "; trying again" : "");
  if (retry) {
    attempt();
    return;
  }
  bool timed_out = failure == AttemptFailure::kTimedOut || failure == AttemptFailure::kConnectTimedOut;
  answer_error(timed_out ? 504 : 502);
}

void ProxyExchange::answer_error(int status) {
  if (phase_ == Phase::kDone) return;
  if (response_started_) {
    cut_response("failed after the response began");
    return;
  }
  finish_attempt(false);
  if (!reply_->over()) {
    *reply_->response = Response();
    error_page(&request_, status, reply_->response);
    reply_->response->close_connection = body_paused_ || (streamed_body_ && !body_complete_);
    reply_->sink->reply_send(reply_.get());
  }
  done();
}

// The client has part of a response: all it can see now is the cut.
void ProxyExchange::cut_response(const char* why) {
  if (phase_ == Phase::kDone) return;
  if (server_) {
    spdlog::warn("upstream {}: {} ({}); client connection closed", server_->address.text, why,
                 request_line_for_log());
  }
  finish_attempt(false);
  if (!reply_->over()) reply_->sink->reply_failed(reply_.get());
  done();
}

void ProxyExchange::on_interim(const UpstreamHead& head) {
  if (head.status == 100 || request_.http_minor < 1 || reply_->over()) return;  // ours went out already
  response_started_ = true;
  reply_->sink->reply_interim(reply_.get(), interim_head(head));
}

void ProxyExchange::on_head(const UpstreamHead& head) {
  phase_ = Phase::kBody;
  if (head.status == 101) {
    upgrade_head_ = head;
    return;  // on_data hands the socket over, or refuses
  }
  Response& res = *reply_->response;
  res = Response();
  res.status = head.status;
  bool no_body = request_.is_head() || !status_has_body(head.status);
  buffering_ = !no_body && head.has_length && head.length <= kBufferWholeBytes;
  copy_response_headers(head.headers, !buffering_, &res.headers);
  if (buffering_) {
    res.body.reserve(head.length);
    return;
  }
  reply_->compress_stream = !no_body;
  response_started_ = true;
  reply_->sink->reply_write(reply_.get(), {});  // the head goes out now
}

void ProxyExchange::on_body(std::string_view piece) {
  if (reply_->over()) return;
  if (buffering_) {
    reply_->response->body.append(piece.data(), piece.size());
    return;
  }
  stream_piece(piece);
}

// A slow client stops the reads from the upstream until its output drains.
void ProxyExchange::stream_piece(std::string_view piece) {
  if (reply_->sink->reply_write(reply_.get(), piece) || reading_paused_ || socket_ == nullptr) return;
  reading_paused_ = true;
  socket_->read_stop();
  socket_->stop_timer();
  std::weak_ptr<ProxyExchange> weak = weak_from_this();
  reply_->on_writable = [weak] {
    auto ex = weak.lock();
    if (!ex || ex->socket_ == nullptr || !ex->reading_paused_) return;
    ex->reading_paused_ = false;
    ex->socket_->read_start();
    ex->set_upstream_timer();
  };
}

void ProxyExchange::on_complete() {}

void ProxyExchange::complete_response(bool reusable) {
  if (upstream_->config().keepalive == 0) reusable = false;
  finish_attempt(reusable);
  if (!reply_->over()) {
    if (buffering_) {
      reply_->sink->reply_send(reply_.get());
    } else {
      reply_->sink->reply_end(reply_.get());
    }
  }
  done();
}

// The upstream said 101: the connection becomes a tunnel between the two
// sockets, and this exchange is over.
void ProxyExchange::start_tunnel(std::string_view upstream_bytes) {
  Headers kept;
  copy_response_headers(upgrade_head_.headers, false, &kept);
  std::string head = "HTTP/1.1 101 Switching Protocols\r\n";
  for (const auto& field : kept.fields()) head.append(field.first).append(": ").append(field.second).append("\r\n");
  const std::string* protocol = upgrade_head_.headers.find("Upgrade");
  head += "Upgrade: " + (protocol != nullptr ? *protocol : std::string("websocket"));
  head += "\r\nConnection: upgrade\r\n\r\n";
  head.append(upstream_bytes.data(), upstream_bytes.size());
  UpstreamSocket* socket = socket_;
  socket_ = nullptr;
  if (server_) {
    upstream_->balancer().finished(server_);
    server_.reset();
  }
  if (!reply_->sink->reply_upgrade(reply_.get(), std::move(head), socket)) socket->close();
  done();
}

void ProxyExchange::finish_attempt(bool reusable) {
  if (socket_ != nullptr) {
    UpstreamSocket* socket = socket_;
    socket_ = nullptr;
    if (reusable) {
      upstream_->pool().give_back(socket);
    } else {
      socket->close();
    }
  }
  if (server_) {
    upstream_->balancer().finished(server_);
    server_.reset();
  }
}

void ProxyExchange::client_left() {
  if (phase_ == Phase::kDone) return;
  auto guard = shared_from_this();
  finish_attempt(false);  // mid-exchange: the connection cannot carry another request
  done();
}

void ProxyExchange::done() {
  phase_ = Phase::kDone;
  reply_->on_abort = nullptr;
  reply_->on_writable = nullptr;
  if (body_paused_) {
    body_paused_ = false;
    reply_->sink->pause_request_body(reply_.get(), false);
  }
  self_.reset();  // the caller holds a guard
}

std::string ProxyExchange::request_line_for_log() const { return request_.method + " " + request_.target; }

}  // namespace hearth
