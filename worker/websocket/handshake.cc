#include "worker/websocket/handshake.h"

#include <cctype>

namespace hearth {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_base64_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
}

// A 16-byte nonce in base64 is 22 significant characters and "==".
bool is_valid_key(std::string_view key) {
  key = trim(key);
  if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
  for (size_t i = 0; i < 22; i++) {
    if (!is_base64_char(key[i])) return false;
  }
  // The last significant character carries 2 bits; the 4 padding bits must be 0.
  return std::string_view("AQgw").find(key[21]) != std::string_view::npos;
}

void reject(Response* r, int status, std::string message) {
  r->text(std::move(message) + "\n", status);
  r->headers.set("Sec-WebSocket-Version", "13");
  if (status == 426) {
    r->headers.set("Upgrade", "websocket");
    r->headers.set("Connection", "Upgrade");
  }
}

}  // namespace

bool header_lists_token(std::string_view s, std::string_view token) {
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view item = trim(s.substr(0, comma));
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return false;
}

bool wants_websocket_upgrade(const Request& req) {
  const std::string* upgrade = req.headers.find("Upgrade");
  return upgrade && header_lists_token(*upgrade, "websocket");
}

bool check_websocket_upgrade(const Request& req, std::string* key, Response* rejection) {
  if (!wants_websocket_upgrade(req)) {
    reject(rejection, 426, "this is a WebSocket endpoint: upgrade required");
    return false;
  }
  if (req.method != "GET") {
    reject(rejection, 400, "a WebSocket handshake must be a GET");
    return false;
  }
  if (req.http_major < 1 || (req.http_major == 1 && req.http_minor < 1)) {
    reject(rejection, 400, "a WebSocket handshake needs HTTP/1.1");
    return false;
  }
  const std::string* version = req.headers.find("Sec-WebSocket-Version");
  if (!version || trim(*version) != "13") {
    reject(rejection, 426, "unsupported WebSocket version: 13 is");
    return false;
  }
  if (!req.headers.has("Host")) {
    reject(rejection, 400, "missing Host");
    return false;
  }
  const std::string* connection = req.headers.find("Connection");
  if (!connection || !header_lists_token(*connection, "upgrade")) {
    reject(rejection, 400, "missing Connection: Upgrade");
    return false;
  }
  const std::string* k = req.headers.find("Sec-WebSocket-Key");
  if (!k || !is_valid_key(*k)) {
    reject(rejection, 400, "missing or invalid Sec-WebSocket-Key");
    return false;
  }
  *key = std::string(trim(*k));
  return true;
}

}  // namespace hearth
