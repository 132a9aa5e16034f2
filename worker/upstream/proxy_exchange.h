// One request proxied to the upstream: picks a server, sends the request
// (its body streamed as the client sends it), and answers the client's
// deferred reply with what comes back — buffered and compressed when small,
// streamed with backpressure both ways when not. A failed attempt is made
// again when retry_policy.h allows, else answered 502 or 504 and logged.
//
// It lives until the response is complete, the client leaves, or it is
// answered for; it holds a reference to itself meanwhile.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "worker/app/reply_state.h"
#include "worker/upstream/balancer.h"
#include "worker/upstream/proxy_headers.h"
#include "worker/upstream/response_parser.h"
#include "worker/upstream/retry_policy.h"
#include "worker/upstream/upstream_socket.h"

namespace hearth {

class Upstream;

class ProxyExchange : public std::enable_shared_from_this<ProxyExchange>,
                      private UpstreamSocket::Owner,
                      private UpstreamResponseParser::Events {
 public:
  // Starts proxying `reply`'s request. `streamed_body`: its body comes
  // later through body_piece() and body_end(); otherwise it is req.body.
  static std::shared_ptr<ProxyExchange> start(Upstream* upstream, std::shared_ptr<ReplyState> reply,
                                              bool streamed_body);
  ~ProxyExchange() override;

  void body_piece(std::string_view piece);
  void body_end();

 private:
  enum class Phase { kIdle, kConnecting, kWaitingHead, kBody, kDone };

  ProxyExchange(Upstream* upstream, std::shared_ptr<ReplyState> reply, bool streamed_body);
  void begin();
  void attempt();
  void use_socket(UpstreamSocket* socket);
  void send_request();
  void flush_body();
  void update_body_pause();
  void set_upstream_timer();
  void attempt_failed(AttemptFailure failure, int uv_status);
  void answer_error(int status);
  void finish_attempt(bool reusable);
  void done();
  void client_left();
  void cut_response(const char* why);
  void stream_piece(std::string_view piece);
  void complete_response(bool reusable);
  void start_tunnel(std::string_view upstream_bytes);
  std::string request_line_for_log() const;

  // UpstreamSocket::Owner
  void on_connected(UpstreamSocket* socket, int uv_status) override;
  void on_data(UpstreamSocket* socket, const char* data, size_t len) override;
  void on_closed(UpstreamSocket* socket, int uv_status) override;
  void on_write_drained(UpstreamSocket* socket) override;
  void on_timer(UpstreamSocket* socket) override;
  // UpstreamResponseParser::Events
  void on_interim(const UpstreamHead& head) override;
  void on_head(const UpstreamHead& head) override;
  void on_body(std::string_view piece) override;
  void on_complete() override;

  Upstream* const upstream_;
  std::shared_ptr<ReplyState> reply_;
  std::shared_ptr<ProxyExchange> self_;  // until done()
  const Request& request_;
  std::string head_;                     // the request head as sent upstream
  UpstreamBody body_framing_;
  bool streamed_body_;
  bool upgrade_;
  // The body: bytes not yet written, and up to kReplayBytes already written
  // (kept for a replay) while body_dropped_ is 0.
  std::string body_;
  size_t body_written_ = 0;
  uint64_t body_dropped_ = 0;
  bool body_complete_ = false;
  bool body_paused_ = false;

  Phase phase_ = Phase::kIdle;
  UpstreamSocket* socket_ = nullptr;
  ServerRef server_;
  std::vector<ServerRef> tried_;
  bool reused_socket_ = false;
  bool request_sent_ = false;            // head and every body byte handed to the socket
  uint64_t started_ms_ = 0;
  int attempts_ = 0;
  UpstreamResponseParser parser_;
  bool buffering_ = false;               // a small body with a length: one answer
  bool response_started_ = false;        // something reached the client
  bool reading_paused_ = false;          // the client is slow
  UpstreamHead upgrade_head_;            // a 101's, until the tunnel starts
};

}  // namespace hearth
