#include "worker/upstream/proxy_headers.h"

#include <array>

#include "worker/http/http_syntax.h"

namespace hearth {

namespace {

constexpr std::array<std::string_view, 7> kHopByHop = {
    "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade"};

// Calls `each` for every trimmed, non-empty item of a comma-separated list.
template <typename F>
void for_each_item(std::string_view list, F each) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) each(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

void append_field(std::string* out, std::string_view name, std::string_view value) {
  out->append(name).append(": ").append(value).append("\r\n");
}

// The authority of an absolute-form target ("http://a.example/x" -> "a.example").
std::string authority_of(const std::string& target) {
  size_t scheme = target.find("://");
  if (scheme == std::string::npos || target[0] == '/') return {};
  size_t start = scheme + 3;
  size_t end = target.find_first_of("/?#", start);
  return target.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The origin-form of the target: what the upstream expects on its request line.
std::string origin_form(const std::string& target) {
  if (target.empty() || target[0] == '/') return target;
  size_t scheme = target.find("://");
  if (scheme == std::string::npos) return target;
  size_t path = target.find_first_of("/?", scheme + 3);
  if (path == std::string::npos) return "/";
  return target[path] == '?' ? "/" + target.substr(path) : target.substr(path);
}

bool is_forwarding_field(std::string_view name) {
  return iequals(name, "X-Forwarded-For") || iequals(name, "X-Forwarded-Proto") ||
         iequals(name, "X-Forwarded-Host") || iequals(name, "Forwarded") || iequals(name, "Host") ||
         iequals(name, "Content-Length");
}

}  // namespace

bool is_hop_by_hop(std::string_view name, std::string_view connection) {
  for (std::string_view field : kHopByHop) {
    if (iequals(name, field)) return true;
  }
  bool named = false;
  for_each_item(connection, [&](std::string_view option) { named = named || iequals(option, name); });
  return named;
}

std::string connection_options(const Headers& headers) {
  std::string joined;
  for (const auto& field : headers.fields()) {
    if (!iequals(field.first, "Connection")) continue;
    if (!joined.empty()) joined += ',';
    joined += field.second;
  }
  return joined;
}

std::string forwarded_value(std::string_view text) {
  if (!text.empty() && http_syntax::is_token(text)) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

std::string forwarded_node(std::string_view addr) {
  if (addr.find(':') == std::string_view::npos) return forwarded_value(addr);
  return "\"[" + std::string(addr) + "]\"";
}

std::string upstream_request_head(const Request& req, const ForwardedFor& client, const UpstreamBody& body,
                                  bool upgrade) {
  const std::string connection = connection_options(req.headers);
  std::string host = authority_of(req.target);
  if (host.empty()) host = req.header("Host");
  std::string forwarded_for;
  std::string out;
  out.reserve(256 + req.target.size() + req.headers.fields().size() * 32);
  out.append(req.method).append(" ").append(origin_form(req.target)).append(" HTTP/1.1\r\n");
  if (!host.empty()) append_field(&out, "Host", host);
  for (const auto& field : req.headers.fields()) {
    if (iequals(field.first, "X-Forwarded-For")) {
      forwarded_for += (forwarded_for.empty() ? "" : ", ") + field.second;
      continue;
    }
    if (is_forwarding_field(field.first) || is_hop_by_hop(field.first, connection)) continue;
    append_field(&out, field.first, field.second);
  }
  forwarded_for += (forwarded_for.empty() ? "" : ", ") + client.client_addr;
  append_field(&out, "X-Forwarded-For", forwarded_for);
  append_field(&out, "X-Forwarded-Proto", client.proto);
  if (!host.empty()) append_field(&out, "X-Forwarded-Host", host);
  std::string forwarded = "for=" + forwarded_node(client.client_addr) + ";proto=" + client.proto;
  if (!host.empty()) forwarded += ";host=" + forwarded_value(host);
  append_field(&out, "Forwarded", forwarded);
  if (upgrade) {
    append_field(&out, "Upgrade", req.header("Upgrade"));
    append_field(&out, "Connection", "upgrade");
  } else {
    append_field(&out, "Connection", "keep-alive");
  }
  if (body.framing == UpstreamBody::Framing::kLength) {
    append_field(&out, "Content-Length", std::to_string(body.length));
  } else if (body.framing == UpstreamBody::Framing::kChunked) {
    append_field(&out, "Transfer-Encoding", "chunked");
  }
  out.append("\r\n");
  return out;
}

void copy_response_headers(const Headers& upstream, bool keep_length, Headers* client) {
  const std::string connection = connection_options(upstream);
  for (const auto& field : upstream.fields()) {
    if (is_hop_by_hop(field.first, connection) || iequals(field.first, "Date") || iequals(field.first, "Server")) {
      continue;
    }
    if (!keep_length && iequals(field.first, "Content-Length")) continue;
    client->add(field.first, field.second);
  }
}

}  // namespace hearth
