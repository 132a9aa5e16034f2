// The header rules of a proxy (RFC 9110 §7.6): what goes to the upstream
// with a request, and what comes back to the client with its response.
// Pure functions, so the rules are tested without sockets.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <hearth/headers.h>
#include <hearth/request.h>

namespace hearth {

// True for the fields that describe one connection and never travel on:
// Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding,
// Upgrade, and every field `connection` (the message's Connection values,
// joined) names.
bool is_hop_by_hop(std::string_view name, std::string_view connection);

// Every Connection value of `headers`, joined by commas.
std::string connection_options(const Headers& headers);

// What hearth knows of the client that the upstream cannot see.
struct ForwardedFor {
  std::string client_addr;  // "127.0.0.1", "::1"
  std::string proto = "http";
};

// How the request body travels to the upstream.
struct UpstreamBody {
  enum class Framing { kNone, kLength, kChunked };
  Framing framing = Framing::kNone;
  uint64_t length = 0;      // for kLength
};

// The request head hearth sends upstream: the method and target as the
// client sent them, HTTP/1.1, the end-to-end fields, Host as sent (or the
// authority of an absolute target), X-Forwarded-For appended to, Proto and
// Host set, Forwarded replaced (a client cannot forge it), and the framing
// of `body`. A WebSocket upgrade (`upgrade` true) keeps its Upgrade and
// says Connection: upgrade; every other request asks for keep-alive.
std::string upstream_request_head(const Request& req, const ForwardedFor& client, const UpstreamBody& body,
                                  bool upgrade);

// The fields of an upstream response the client gets: all but hop-by-hop
// ones and the upstream's Date and Server (hearth sends its own).
// `keep_length`: the Content-Length stays (a stream of known length, a
// HEAD answer); otherwise it goes, and the writer counts the body.
void copy_response_headers(const Headers& upstream, bool keep_length, Headers* client);

// RFC 7239 values: a token as it is, anything else quoted; a node (for=)
// that is an IPv6 address is bracketed too: "[::1]".
std::string forwarded_value(std::string_view text);
std::string forwarded_node(std::string_view addr);

}  // namespace hearth
