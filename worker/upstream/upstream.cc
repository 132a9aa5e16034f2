#include "worker/upstream/upstream.h"

#include <chrono>

#include "worker/app/reply_state.h"
#include "worker/upstream/proxy_exchange.h"
#include "worker/worker.h"

namespace hearth {

Upstream::Upstream(Worker* worker, const UpstreamConfig& config, AppInstanceTable* table)
    : worker_(worker),
      config_(config),
      pool_(worker->loop(), config.keepalive, config.keepalive_timeout_ms),
      balancer_(config, table) {
  streaming_handler_ = [this](const Request&, Response& res, RequestBody& body) {
    Reply reply = res.defer(std::chrono::milliseconds(reply_timeout_ms()));  // held until the exchange has it
    std::shared_ptr<ProxyExchange> exchange = ProxyExchange::start(this, pending_reply(res), true);
    std::weak_ptr<ProxyExchange> weak = exchange;
    body.on_data = [weak](std::string_view piece) {
      if (auto ex = weak.lock()) ex->body_piece(piece);
    };
    body.on_end = [weak] {
      if (auto ex = weak.lock()) ex->body_end();
    };
  };
}

uv_loop_t* Upstream::loop() { return worker_->loop(); }

// The exchange keeps its own clocks (connect, first byte, reads); the
// reply's deadline only catches what they would miss.
uint64_t Upstream::reply_timeout_ms() const {
  uint64_t per_try = config_.connect_timeout_ms + std::max(config_.first_byte_timeout_ms, config_.send_timeout_ms) +
                     config_.read_timeout_ms;
  return per_try * static_cast<uint64_t>(config_.tries) + 1000;
}

void Upstream::proxy(const Request&, Response* res) {
  Reply reply = res->defer(std::chrono::milliseconds(reply_timeout_ms()));  // held until the exchange has it
  ProxyExchange::start(this, pending_reply(*res), false);
}

}  // namespace hearth
