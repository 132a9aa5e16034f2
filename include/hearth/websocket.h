// WebSocket routes as apps see them: callbacks per route and a handle per
// open connection. Nothing here knows about websocketpp or libuv; the
// session (session.h) implements WebSocket on top of websocketpp and the
// connection layer moves its bytes through the worker's loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace hearth {

// Close codes used by hearth (RFC 6455 section 7.4.1).
namespace ws_close {
constexpr uint16_t kNormal = 1000;
constexpr uint16_t kGoingAway = 1001;        // server stop or reload
constexpr uint16_t kProtocolError = 1002;
constexpr uint16_t kNoStatus = 1005;         // the peer's close frame carried no code
constexpr uint16_t kAbnormal = 1006;         // TCP ended without a close handshake
constexpr uint16_t kInvalidPayload = 1007;   // invalid UTF-8 in a text message
constexpr uint16_t kPolicyViolation = 1008;  // send buffer full (client not reading)
constexpr uint16_t kMessageTooBig = 1009;
constexpr uint16_t kInternalError = 1011;    // an app callback threw
}  // namespace ws_close

// One open WebSocket connection. Valid from on_open until on_close returns;
// keep no pointer to it after that.
class WebSocket {
 public:
  virtual ~WebSocket() = default;

  // Queues one message. Returns false (and sends nothing) when the socket is
  // not open, when a text message is not valid UTF-8, or when the message
  // does not fit the send buffer: then the socket is closed with 1008,
  // because its client stopped reading.
  virtual bool send(std::string_view data, bool binary = false) = 0;
  // Starts the closing handshake. Returns false when already closing or when
  // `code` may not be sent (1005, 1006, 1015, out of range).
  virtual bool close(uint16_t code = ws_close::kNormal, std::string_view reason = {}) = 0;
  // Sends a ping (payload at most 125 bytes). The pong counts as activity.
  virtual bool ping(std::string_view payload = {}) = 0;

  virtual bool is_open() const = 0;
  // Bytes handed to the socket but not yet written to it.
  virtual size_t buffered_bytes() const = 0;

  // The route path this socket was opened on ("/chat") and the client address.
  virtual const std::string& path() const = 0;
  virtual const std::string& remote_addr() const = 0;
  // Unique within the worker process.
  virtual uint64_t id() const = 0;

  // Free for the app: e.g. a nickname or a pointer to per-client state.
  void* user_data = nullptr;
};

// The callbacks of one WebSocket route; any may be empty. They run on the
// worker's loop thread. An exception from one closes the socket with 1011.
struct WebSocketRoute {
  std::function<void(WebSocket&)> on_open;
  std::function<void(WebSocket&, std::string_view data, bool binary)> on_message;
  // `code`: the code the client sent, else the one we sent when we failed the
  // connection, else 1006 (the TCP connection ended without a close frame).
  // Called exactly once for every socket that was opened.
  std::function<void(WebSocket&, uint16_t code, std::string_view reason)> on_close;
  // Overrides the configured maximum message size for this route (0 = keep).
  size_t max_message_bytes = 0;
};

// Limits of one session, from the `websocket` section of the config.
struct WebSocketLimits {
  size_t max_message_bytes = 1 << 20;  // a bigger message: close 1009
  size_t send_buffer_bytes = 4 << 20;  // more unwritten output: close 1008
};

}  // namespace hearth
