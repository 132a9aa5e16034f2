// What a connection needs only while it reads or answers requests: the
// parser, the request and its response, and input waiting behind an open
// reply. About 1.4 KiB with its buffers warm, so an idle keep-alive
// connection gives it back to its worker's pool and takes one again when
// bytes arrive (h2o and nginx keep idle connections small the same way).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <hearth/app.h>
#include <hearth/request.h>
#include <hearth/response.h>

#include "shared/config.h"
#include "worker/http/request_parser.h"

namespace hearth {

struct Exchange {
  explicit Exchange(const Limits& limits) : parser(limits) {}

  // A fresh response for the next request, as Response() would be, but
  // keeping the buffers of the last one (no allocation per request).
  void start_response();
  // Drops what the app left behind (bodies, callbacks, params), so a spare
  // holds nothing of the connection that used it last.
  void forget_the_app();

  RequestParser parser;
  Request request;              // the one being answered; its buffers are reused
  Response response;            // its answer; a deferred one is filled later
  std::string pending_input;    // bytes received while answering earlier requests
  // A body streamed to its route as it arrives.
  std::map<std::string, std::string> body_route_params;
  RequestBody streamed_body;
  std::string body_piece;
};

// A worker's spare exchanges. Bounded: a burst of 10,000 clients that then
// idle must not leave 10,000 spares behind.
class ExchangePool {
 public:
  explicit ExchangePool(const Limits& limits) : limits_(limits) {}

  // A spare, or a new one. Its parser is idle, its input empty.
  std::unique_ptr<Exchange> acquire();
  // Takes back one whose parser is idle and whose reply is over.
  void release(std::unique_ptr<Exchange> exchange);
  // Frees every spare (the worker gives memory back after a burst).
  void clear() { spares_.clear(); }
  size_t spares() const { return spares_.size(); }

  static constexpr size_t kMaxSpares = 64;

 private:
  const Limits& limits_;
  std::vector<std::unique_ptr<Exchange>> spares_;
};

}  // namespace hearth
