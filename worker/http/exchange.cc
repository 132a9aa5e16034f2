#include "worker/http/exchange.h"

namespace hearth {

std::unique_ptr<Exchange> ExchangePool::acquire() {
  if (spares_.empty()) return std::make_unique<Exchange>(limits_);
  std::unique_ptr<Exchange> exchange = std::move(spares_.back());
  spares_.pop_back();
  return exchange;
}

namespace {

// An idle connection holds no big buffer (as Request::clear() does for bodies).
constexpr size_t kKeptBodyBytes = 4096;

}  // namespace

// Member by member, what Response() sets: see include/hearth/response.h.
void Exchange::start_response() {
  response.status = 200;
  response.headers.clear();
  if (response.body.capacity() > kKeptBodyBytes) std::string().swap(response.body);
  response.body.clear();
  response.shared_body.reset();
  response.close_connection = false;
  response.engine_body.reset();
  response.deferral.reset();
}

void Exchange::forget_the_app() {
  start_response();
  if (streamed_body.on_data || streamed_body.on_end) streamed_body = RequestBody();
  body_route_params.clear();
}

// The request and response keep their buffers for the next connection.
void ExchangePool::release(std::unique_ptr<Exchange> exchange) {
  if (spares_.size() >= kMaxSpares) return;  // freed here
  exchange->forget_the_app();
  spares_.push_back(std::move(exchange));
}

}  // namespace hearth
