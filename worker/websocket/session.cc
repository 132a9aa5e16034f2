// The only file that includes websocketpp: its headers are heavy to compile.
//
// websocketpp with config::core's iostream transport is a pure state machine:
// read_some() hands it bytes, it answers synchronously through the write and
// shutdown handlers, and it never starts a thread or a timer. We use our own
// config so that it also takes no locks (concurrency::none) and logs nothing
// (log::stub); timers (idle pings, closing-handshake timeout) are the
// connection's libuv timers, which call ping() and abort().
//
// permessage-deflate stays off: websocketpp 0.8.2 checks max_message_size
// against the compressed payload, so a small compressed frame could inflate
// past the limit (a decompression bomb).
#include "worker/websocket/session.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/core.hpp>
#include <websocketpp/logger/stub.hpp>
#include <websocketpp/server.hpp>
#include "worker/websocket/quiet_read_transport.h"
#pragma GCC diagnostic pop

#include <spdlog/spdlog.h>

#include <cstring>
#include <exception>
#include <utility>

#include "worker/websocket/frame_header_check.h"
#include "worker/websocket/send_budget.h"

namespace hearth {

namespace {

// config::core with no locks, no logging, no extensions and no timers, and
// the iostream transport's read path without its per-read log line.
struct SessionConfig : public websocketpp::config::core {
  typedef SessionConfig type;
  typedef core base;

  typedef websocketpp::concurrency::none concurrency_type;
  typedef websocketpp::log::stub elog_type;
  typedef websocketpp::log::stub alog_type;
  // maybe_unused: websocketpp's iostream transport never reads it, and clang
  // warns about an unused constant in an anonymous namespace.
  [[maybe_unused]] static bool const enable_multithreading = false;

  struct transport_config : public base::transport_config {
    typedef type::concurrency_type concurrency_type;
    typedef type::elog_type elog_type;
    typedef type::alog_type alog_type;
    typedef type::request_type request_type;
    typedef type::response_type response_type;
    [[maybe_unused]] static bool const enable_multithreading = false;
  };
  typedef QuietReadEndpoint<transport_config> transport_type;

  // 0 disables websocketpp's own timers (the transport has none anyway).
  static const long timeout_open_handshake = 0;
  static const long timeout_close_handshake = 0;
  static const long timeout_pong = 0;

  static const websocketpp::log::level elog_level = websocketpp::log::elevel::none;
  static const websocketpp::log::level alog_level = websocketpp::log::alevel::none;

  static const bool enable_extensions = false;
};

using Server = websocketpp::server<SessionConfig>;
using ConnectionPtr = Server::connection_ptr;
namespace wsp = websocketpp;

// One endpoint for the process: it only holds defaults and makes connections.
// Never destroyed, so that no connection outlives it at exit.
Server& endpoint() {
  static Server* server = [] {
    auto* s = new Server();
    s->set_user_agent("hearth");
    return s;
  }();
  return *server;
}

uint64_t next_session_id() {
  static uint64_t next = 1;
  return next++;
}

// The largest prefix of `s` of at most `max` bytes that does not split a
// UTF-8 sequence (close reasons are limited to 123 bytes).
std::string_view utf8_prefix(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) n--;
  return s.substr(0, n);
}

// Codes an endpoint may put in a close frame (RFC 6455 7.4, IANA registry):
// not 1004-1006 or 1015, which mean "none" or "no close frame at all".
bool sendable_close_code(uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

// A code the client may have sent: websocketpp also records invalid ones
// (0, 1006, 5000...), which are no answer to give the app.
bool receivable_close_code(uint16_t code) {
  return sendable_close_code(code) || code == ws_close::kNoStatus;
}

// True when the last character of `s`, a prefix of valid UTF-8, is cut
// short. websocketpp validates text as it arrives but checks the end of a
// message only when its last frame has the text opcode (finalize_message
// looks at the frame's header, a continuation's opcode is 0), so a
// fragmented message ending mid-character reached the app (found by
// fuzz/websocket_session_fuzzer.cc). Looks at the last 4 bytes at most.
bool ends_mid_character(std::string_view s) {
  size_t i = s.size();
  size_t continuation = 0;
  while (i > 0 && continuation < 3 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) {
    i--;
    continuation++;
  }
  if (i == 0) return continuation > 0;
  auto lead = static_cast<unsigned char>(s[i - 1]);
  size_t needed = lead < 0x80 ? 0 : lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1;
  return continuation < needed;
}

// True when `s` is valid UTF-8. websocketpp's validator steps a state machine
// byte by byte; payloads are mostly ASCII, which 8 bytes at a time proves.
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if ((word & 0x8080808080808080ULL) != 0) break;
  }
  while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0x80) == 0) i++;
  if (i == s.size()) return true;
  wsp::utf8_validator::validator rest;  // starts at a character boundary
  return rest.decode(s.begin() + i, s.end()) && rest.complete();
}

// A final, unmasked data frame that websocketpp writes as it is. Its own
// send() would check a text payload again byte by byte and copy it twice
// (prepare_data_frame: 10 % of the instructions per echoed message under
// callgrind); the header still comes from websocketpp's frame code.
Server::message_ptr prepared_data_frame(std::string_view payload, bool binary) {
  auto op = binary ? wsp::frame::opcode::binary : wsp::frame::opcode::text;
  auto msg = std::make_shared<SessionConfig::message_type>(nullptr, op, 0);
  msg->set_header(wsp::frame::prepare_header(wsp::frame::basic_header(op, payload.size(), true, false),
                                             wsp::frame::extended_header(payload.size())));
  msg->set_payload(payload.data(), payload.size());
  msg->set_prepared(true);
  return msg;
}

// Frame header bytes the server adds to a payload (unmasked: 2, 4 or 10).
constexpr size_t kMaxFrameHeader = 10;
constexpr size_t kMaxControlPayload = 125;

}  // namespace

struct WebSocketSession::Impl {
  WebSocketSession* self = nullptr;
  const WebSocketRoute* route = nullptr;
  WebSocketLimits limits;
  std::string path;
  std::string remote_addr;
  uint64_t id = 0;
  Output output;
  std::function<void()> on_end;
  SendBudget budget{0};
  FrameHeaderCheck header_check;  // sees the client's frames before websocketpp
  // While feed() runs, output collects here and goes out once at its end.
  bool corked = false;
  std::string corked_output;
  ConnectionPtr con;
  bool opened = false;         // on_open was called
  bool close_reported = false; // on_close was called
  bool ended = false;          // websocketpp shut the connection down
  bool close_sent = false;     // a close frame went out
  uint16_t close_code = 0;

  void install_handlers();
  bool second_close_frame(const wsp::transport::buffer& header);
  void read(const char* data, size_t n);
  void fail_bad_header();
  void emit(const char* data, size_t len);
  void flush_corked();
  void report_close();
  void on_app_exception(const char* callback, const char* what);

  // Runs an app callback; an exception closes the socket with 1011.
  template <typename F>
  void call_app(const char* name, F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      on_app_exception(name, e.what());
    } catch (...) {
      on_app_exception(name, "unknown exception");
    }
  }
};

void WebSocketSession::Impl::on_app_exception(const char* callback, const char* what) {
  spdlog::error("websocket {} {}: {} threw: {}", path, id, callback, what);
  if (con && con->get_state() == wsp::session::state::open) {
    wsp::lib::error_code ec;
    con->close(ws_close::kInternalError, "internal error", ec);
  }
}

// Hands bytes to websocketpp while it reads; the rest are dropped.
void WebSocketSession::Impl::read(const char* data, size_t n) {
  try {
    while (n > 0 && !ended) {
      size_t used = con->read_some(data, n);
      if (used == 0) break;  // websocketpp stopped reading: the protocol is over
      data += used;
      n -= used;
    }
  } catch (const std::exception& e) {
    spdlog::error("websocket {} {}: {}", path, id, e.what());
    flush_corked();
    self->abort();
  }
}

// Fails the connection the way websocketpp fails its own protocol errors: a
// terminal close frame (websocketpp then shuts the connection down), or,
// when we are already closing and may not send one, no handshake at all.
void WebSocketSession::Impl::fail_bad_header() {
  if (ended) return;
  wsp::lib::error_code ec = wsp::error::make_error_code(wsp::error::invalid_state);
  if (con->get_state() == wsp::session::state::open) {
    con->close(wsp::close::status::protocol_error, header_check.reason(), ec);
  }
  if (ec) self->abort();
}

void WebSocketSession::Impl::emit(const char* data, size_t len) {
  budget.queued(len);
  if (corked) {
    corked_output.append(data, len);
  } else if (output) {
    output(std::string_view(data, len));
  }
}

void WebSocketSession::Impl::flush_corked() {
  corked = false;
  if (corked_output.empty()) return;
  if (output) output(corked_output);
  corked_output.clear();  // keeps its capacity for the next read
}

void WebSocketSession::Impl::install_handlers() {
  con->set_write_handler([this](wsp::connection_hdl, const char* buf, size_t len) {
    emit(buf, len);
    return wsp::lib::error_code();
  });
  // A frame is a header and a payload buffer: one piece, so that a frame
  // never goes out in two writes.
  con->set_vector_write_handler([this](wsp::connection_hdl, const std::vector<wsp::transport::buffer>& bufs) {
    if (!bufs.empty() && second_close_frame(bufs[0])) return wsp::lib::error_code();
    if (bufs.size() == 1) {
      emit(bufs[0].buf, bufs[0].len);
      return wsp::lib::error_code();
    }
    bool was_corked = corked;
    corked = true;
    for (const auto& b : bufs) emit(b.buf, b.len);
    if (!was_corked) flush_corked();
    return wsp::lib::error_code();
  });
  con->set_shutdown_handler([this](wsp::connection_hdl) {
    ended = true;
    flush_corked();  // the owner closes TCP once the output is written
    if (on_end) on_end();
    return wsp::lib::error_code();
  });
  con->set_open_handler([this](wsp::connection_hdl) {
    opened = true;
    if (route->on_open) call_app("on_open", [&] { route->on_open(*self); });
  });
  con->set_message_handler([this](wsp::connection_hdl, Server::message_ptr msg) {
    bool binary = msg->get_opcode() == wsp::frame::opcode::binary;
    const std::string& payload = msg->get_payload();
    if (!binary && ends_mid_character(payload)) {
      wsp::lib::error_code ec;
      con->close(wsp::close::status::invalid_payload, "Invalid UTF8 encoding", ec);  // websocketpp's words
      return;
    }
    if (!route->on_message) return;
    call_app("on_message", [&] { route->on_message(*self, payload, binary); });
  });
  con->set_close_handler([this](wsp::connection_hdl) { report_close(); });
  // A client that pings but never reads would otherwise grow our output with pongs.
  con->set_ping_handler([this](wsp::connection_hdl, std::string payload) {
    if (budget.fits(payload.size() + kMaxFrameHeader)) return true;
    self->close(ws_close::kPolicyViolation, "send buffer full");
    return false;
  });
}

// websocketpp answers an invalid close frame with a close frame of its own
// even when it sent one already (process_control_frame acknowledges in any
// state). An endpoint sends one close frame: a second is dropped. A frame's
// first buffer is its header, the opcode in its first byte; the iostream
// transport completes each write at once, so a write holds one frame.
bool WebSocketSession::Impl::second_close_frame(const wsp::transport::buffer& header) {
  if (header.len == 0 || (static_cast<unsigned char>(header.buf[0]) & 0x0f) != wsp::frame::opcode::close) {
    return false;
  }
  if (close_sent) return true;
  close_sent = true;
  return false;
}

// The code the client sent; else the one we sent failing the connection;
// else 1006 (no closing handshake).
void WebSocketSession::Impl::report_close() {
  if (close_reported || !opened) return;
  close_reported = true;
  uint16_t code = ws_close::kAbnormal;
  std::string reason;
  if (con) {
    if (receivable_close_code(con->get_remote_close_code())) {
      code = con->get_remote_close_code();
      reason = con->get_remote_close_reason();
    } else if (con->get_local_close_code() != wsp::close::status::abnormal_close) {
      code = con->get_local_close_code();
      reason = con->get_local_close_reason();
    }
  }
  close_code = code;
  if (route->on_close) call_app("on_close", [&] { route->on_close(*self, code, reason); });
}

WebSocketSession::WebSocketSession(const WebSocketRoute* route, WebSocketLimits limits,
                                   std::string path, std::string remote_addr, Output output,
                                   std::function<void()> on_end)
    : impl_(new Impl) {
  impl_->self = this;
  impl_->route = route;
  impl_->limits = limits;
  impl_->path = std::move(path);
  impl_->remote_addr = std::move(remote_addr);
  impl_->id = next_session_id();
  impl_->output = std::move(output);
  impl_->on_end = std::move(on_end);
  impl_->budget = SendBudget(limits.send_buffer_bytes);
}

WebSocketSession::~WebSocketSession() {
  impl_->on_end = nullptr;  // the owner is going away: nobody to tell
  impl_->output = nullptr;
  abort();
  // Handlers point at impl_: drop them with the connection.
  impl_->con.reset();
}

void WebSocketSession::start(std::string_view key) {
  if (impl_->con) return;
  wsp::lib::error_code ec;
  impl_->con = endpoint().get_connection();
  if (!impl_->con) {
    impl_->ended = true;
    return;
  }
  impl_->con->set_remote_endpoint(impl_->remote_addr);
  impl_->con->set_max_message_size(impl_->limits.max_message_bytes);
  impl_->install_handlers();
  // The HTTP layer parsed and checked the real request; websocketpp gets a
  // minimal one it is sure to accept, with the client's key.
  std::string request = "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ";
  request.append(key);
  request.append("\r\n\r\n");
  try {
    impl_->con->start();
  } catch (const std::exception& e) {
    spdlog::error("websocket {}: start failed: {}", impl_->path, e.what());
    impl_->ended = true;
    return;
  }
  // The request is not frames: it bypasses feed()'s header check.
  impl_->corked = true;
  impl_->read(request.data(), request.size());
  impl_->flush_corked();
}

// Frames go to websocketpp up to the first one whose header is bad; the
// answers to the good ones and the close frame leave in one write.
void WebSocketSession::feed(const char* data, size_t n) {
  if (!impl_->con || impl_->ended) return;
  size_t good = impl_->header_check.scan(data, n);
  impl_->corked = true;
  impl_->read(data, good);
  if (good < n) impl_->fail_bad_header();
  impl_->flush_corked();
}

void WebSocketSession::eof() {
  if (impl_->con && !impl_->ended) {
    try {
      impl_->con->eof();
    } catch (const std::exception&) {
    }
  }
  abort();  // when websocketpp was not reading, eof() did nothing
}

void WebSocketSession::abort() {
  if (impl_->con && !impl_->ended) {
    try {
      impl_->con->terminate(wsp::error::make_error_code(wsp::error::close_handshake_timeout));
    } catch (const std::exception&) {
    }
  }
  impl_->ended = true;
  impl_->report_close();
}


void WebSocketSession::written(size_t n) { impl_->budget.written(n); }

bool WebSocketSession::wants_close() const { return impl_->ended; }

bool WebSocketSession::closing() const {
  return impl_->ended || !impl_->con || impl_->con->get_state() != wsp::session::state::open;
}

uint16_t WebSocketSession::close_code() const { return impl_->close_code; }

bool WebSocketSession::send(std::string_view data, bool binary) {
  if (!is_open()) return false;
  if (!impl_->budget.fits(data.size() + kMaxFrameHeader)) {
    close(ws_close::kPolicyViolation, "send buffer full");
    return false;
  }
  if (!binary && !valid_utf8(data)) return false;  // websocketpp's answer too
  return !impl_->con->send(prepared_data_frame(data, binary));
}

bool WebSocketSession::close(uint16_t code, std::string_view reason) {
  if (!is_open() || !sendable_close_code(code)) return false;
  wsp::lib::error_code ec;
  std::string r(utf8_prefix(reason, kMaxControlPayload - 2));
  impl_->con->close(static_cast<wsp::close::status::value>(code), r, ec);
  return !ec;
}

bool WebSocketSession::ping(std::string_view payload) {
  if (!is_open() || payload.size() > kMaxControlPayload) return false;
  if (!impl_->budget.fits(payload.size() + kMaxFrameHeader)) return false;
  wsp::lib::error_code ec;
  impl_->con->ping(std::string(payload), ec);
  return !ec;
}

bool WebSocketSession::is_open() const {
  return impl_->con && !impl_->ended && impl_->con->get_state() == wsp::session::state::open;
}

size_t WebSocketSession::buffered_bytes() const { return impl_->budget.pending(); }
const std::string& WebSocketSession::path() const { return impl_->path; }
const std::string& WebSocketSession::remote_addr() const { return impl_->remote_addr; }
uint64_t WebSocketSession::id() const { return impl_->id; }

}  // namespace hearth
