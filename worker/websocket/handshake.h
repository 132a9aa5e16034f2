// The server side of the WebSocket opening handshake (RFC 6455 section 4.2),
// checked on our parsed Request before the connection is handed over, so a
// bad handshake is answered by the HTTP layer like any other response.
#pragma once

#include <string>
#include <string_view>

#include <hearth/request.h>
#include <hearth/response.h>

namespace hearth {

// True when the request asks to switch to WebSocket (an Upgrade header
// listing "websocket"), valid or not.
bool wants_websocket_upgrade(const Request& req);

// Checks an upgrade request on a WebSocket route. Returns true when it is a
// valid RFC 6455 version 13 handshake: `*key` gets its Sec-WebSocket-Key.
// Otherwise fills `*rejection`:
//   no Upgrade: websocket            426, Upgrade: websocket
//   version missing or not 13        426, Sec-WebSocket-Version: 13
//   not GET, HTTP/1.0, no Host, no Connection: Upgrade, key missing or not
//   the base64 of 16 bytes           400, Sec-WebSocket-Version: 13
bool check_websocket_upgrade(const Request& req, std::string* key, Response* rejection);

// True when `s` lists `token` in a comma-separated header value, case-insensitively.
bool header_lists_token(std::string_view s, std::string_view token);

}  // namespace hearth
