// Serialises a Response onto a connection's OutputQueue: the status line and
// header block, then the body parts (none for HEAD, 1xx, 204 and 304).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "worker/http/output_queue.h"
#include "worker/http/response_body.h"

namespace hearth {

struct ResponseContext {
  int http_minor = 1;          // 0 for HTTP/1.0
  bool keep_alive = true;      // decided by the connection
  bool head_request = false;
  bool streamed_body = false;  // an app's Reply::write() stream: no length known
  const std::string* date = nullptr;  // the cached Date value
  const std::vector<std::pair<std::string, std::string>>* extra_headers = nullptr;
};

// Appends the status line and headers to `out`. May clear ctx.keep_alive
// (a streamed body on HTTP/1.0 is delimited by closing).
void serialize_head(const Response& res, ResponseContext* ctx, std::string* out);

// Queues the whole response. Returns the number of body bytes queued
// (for the access log).
uint64_t write_response(Response& res, ResponseContext* ctx, OutputQueue* out);

bool status_has_body(int status);

}  // namespace hearth
