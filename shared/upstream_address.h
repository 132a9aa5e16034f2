// Where an upstream server listens: "HOST:PORT", "[IPV6]:PORT" or
// "unix:/path" (docs/UPSTREAM.md). Parsed once, when the config is loaded
// or when the master publishes an instance, so a worker connects without
// parsing text per request.
#pragma once

#include <string>

namespace hearth {

struct UpstreamAddress {
  std::string text;   // as written, for log lines and /status: "127.0.0.1:8080", "unix:/run/a.sock"
  std::string host;   // numeric IPv4 or IPv6 (no brackets); empty for a unix socket
  int port = 0;
  std::string socket_path;  // set for a unix socket

  bool is_unix() const { return !socket_path.empty(); }
  bool operator==(const UpstreamAddress& other) const { return text == other.text; }
};

// Parses `text`. HOST is numeric or "localhost"; PORT is 1..65535; a unix
// path is absolute and fits sockaddr_un. On failure sets *error.
bool parse_upstream_address(const std::string& text, UpstreamAddress* out, std::string* error);

}  // namespace hearth
