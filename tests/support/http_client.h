// A blocking HTTP/1.1 client for tests: one request per connection
// (Connection: close), read to EOF, every step bounded by a timeout.
#pragma once

#include <chrono>
#include <string>

namespace hearth {
namespace test {

struct HttpReply {
  int status = 0;          // 0: no status line came back
  std::string head;        // status line and headers, as received
  std::string body;        // de-chunked when Transfer-Encoding: chunked
  std::string error;       // why status is 0 ("connect: ...", "reset before any byte", ...)
  bool got_bytes = false;  // any response byte arrived

  // Value of the first header `name` (case-insensitive), or "".
  std::string header(const std::string& name) const;
};

// GET `target` from 127.0.0.1:`port`.
HttpReply http_get(int port, const std::string& target,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

}  // namespace test
}  // namespace hearth
