// One parsed HTTP request, as handlers see it.
#pragma once

#include <map>
#include <string>

#include <hearth/headers.h>

namespace hearth {

struct Request {
  std::string method;       // "GET", "POST", ...
  std::string target;       // the raw request-target: "/a%20b?x=1"
  std::string path;         // percent-decoded and normalised: "/a b"
  std::string query;        // raw, without '?': "x=1"
  int http_major = 1;
  int http_minor = 1;
  Headers headers;
  std::string body;         // complete body (Content-Length or chunked, de-chunked)
  std::map<std::string, std::string> params;  // ":name" segments matched by the router
  std::string remote_addr;  // "127.0.0.1"

  bool is_head() const { return method == "HEAD"; }
  // Empties the request for the next one on the connection, keeping the
  // memory of its strings (but not of a large body).
  void clear();
  // True when the client asked for JSON first (Accept: application/json).
  bool wants_json() const;
};

}  // namespace hearth
