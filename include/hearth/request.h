// One HTTP request, as handlers see it. Valid for the duration of the
// handler call; copy what you keep.
//
//   req.params.at("id")            // from a route "/users/:id"
//   req.query_param("limit", "10") // "?limit=5" -> "5", percent-decoded
//   req.cookie("session")          // std::optional<std::string>
//   req.form_param("email")        // application/x-www-form-urlencoded body
//   req.json()                     // the body parsed; invalid JSON -> 400
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <hearth/headers.h>

namespace hearth {

// Name/value pairs decoded from a query string or a form body. A name given
// twice keeps its first value (as Go's Values.Get does).
using Params = std::map<std::string, std::string, std::less<>>;

struct Request {  // a new member goes into clear() and swap() too
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
  bool secure = false;      // it came over TLS (https://, wss://)

  bool is_head() const { return method == "HEAD"; }
  // A header's first value, or `fallback`.
  std::string header(std::string_view name, std::string_view fallback = {}) const;

  // Query parameters, '+' and %XX decoded. Parsed on each call: keep the
  // map when you read several.
  Params query_params() const;
  std::string query_param(std::string_view name, std::string_view fallback = {}) const;
  std::optional<std::string> find_query_param(std::string_view name) const;

  // Fields of an application/x-www-form-urlencoded body (empty for any other
  // Content-Type).
  Params form() const;
  std::string form_param(std::string_view name, std::string_view fallback = {}) const;

  // Cookies sent in the Cookie header(s) (RFC 6265 §5.4), quotes removed.
  Params cookies() const;
  std::optional<std::string> cookie(std::string_view name) const;

  // The body as JSON. Throws hearth::HttpError(400) when it is not valid
  // JSON, which answers the request 400 unless the handler catches it.
  nlohmann::json json() const;

  // True when the client asked for JSON (Accept lists application/json
  // before text/html) or sent JSON (Content-Type: application/json).
  bool wants_json() const;

  // Empties the request for the next one on the connection, keeping the
  // memory of its strings (but not of a large body).
  void clear();
  // Exchanges every member with `other`'s, buffers and all: how the engine
  // hands a parsed request over without copying it.
  void swap(Request& other) noexcept;
};

}  // namespace hearth
