// websocketpp's iostream transport with a read path that does no logging work.
//
// iostream::connection::async_read_at_least formats a debug line into a
// std::stringstream before giving it to the logger, even when the logger is
// log::stub and drops it. websocketpp asks for a read after every batch of
// bytes it consumes, so a WebSocket echo built one stream (locale, facets,
// buffers) per message: 23 % of all instructions per echoed 64-byte message
// under callgrind (docs/WEBSOCKET.md). websocketpp::connection calls
// `transport_con_type::async_read_at_least`, so this subclass, which hides
// it together with the other read entry points and keeps its own read state,
// replaces the read path. Writes, shutdown and dispatch stay the iostream
// transport's. Include only from session.cc (websocketpp headers are heavy).
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

namespace hearth {

template <typename config>
class QuietReadConnection : public websocketpp::transport::iostream::connection<config> {
  using base = websocketpp::transport::iostream::connection<config>;
  using read_handler = websocketpp::transport::read_handler;

 public:
  typedef QuietReadConnection<config> type;
  typedef std::shared_ptr<type> ptr;

  using base::base;

  // Hands websocketpp up to `len` bytes; returns how many it took (0 when it
  // is not reading: the protocol is over or it is waiting on a write).
  size_t read_some(const char* data, size_t len) {
    if (!reading_) return 0;
    size_t n = std::min(len, len_ - cursor_);
    std::memcpy(buf_ + cursor_, data, n);
    cursor_ += n;
    if (cursor_ >= needed_) complete_read(websocketpp::lib::error_code());
    return n;
  }

  // The peer closed the stream.
  void eof() {
    if (reading_) complete_read(websocketpp::transport::error::make_error_code(websocketpp::transport::error::eof));
  }

  void fatal_error() {
    if (reading_) {
      complete_read(websocketpp::transport::error::make_error_code(websocketpp::transport::error::pass_through));
    }
  }

 protected:
  // Same contract as iostream's: remember where the next bytes go; the
  // handler runs once `num_bytes` arrived through read_some.
  void async_read_at_least(size_t num_bytes, char* buf, size_t len, read_handler handler) {
    namespace err = websocketpp::transport::error;
    if (num_bytes > len) return handler(err::make_error_code(err::invalid_num_bytes), 0);
    if (reading_) return handler(err::make_error_code(err::double_read), 0);
    if (num_bytes == 0 || len == 0) return handler(websocketpp::lib::error_code(), 0);
    buf_ = buf;
    len_ = len;
    needed_ = num_bytes;
    cursor_ = 0;
    handler_ = std::move(handler);
    reading_ = true;
  }

 private:
  // The handler holds shared pointers to the connection: clear it before the
  // call so that no cycle outlives the read.
  void complete_read(const websocketpp::lib::error_code& ec) {
    reading_ = false;
    read_handler handler = std::move(handler_);
    handler_ = nullptr;
    handler(ec, cursor_);
  }

  char* buf_ = nullptr;
  size_t len_ = 0;
  size_t needed_ = 0;
  size_t cursor_ = 0;
  read_handler handler_;
  bool reading_ = false;
};

template <typename config>
struct QuietReadEndpoint : public websocketpp::transport::iostream::endpoint<config> {
  typedef QuietReadConnection<config> transport_con_type;
  typedef typename transport_con_type::ptr transport_con_ptr;
};

}  // namespace hearth
