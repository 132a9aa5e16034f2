// Accepts connections on the listening socket the worker inherited.
// At max_connections it closes the longest-idle connections to make room;
// when all are busy it stops accepting (the kernel backlog holds the rest,
// or another worker takes them) and resumes when a connection closes.
#pragma once

#include <uv.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "shared/config.h"

namespace hearth {

class TlsContext;
class Worker;

class Listener {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  // `tls` is null for a plain listener. `config` is the worker's own copy;
  // `index` its place in the config's list (the same in every worker of a
  // generation, so a handed-over connection finds its listener).
  Listener(Worker* worker, const ListenConfig& config, std::shared_ptr<const TlsContext> tls, size_t index);
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Starts accepting on the already bound and listening `fd`.
  bool open(int fd, std::string* error);
  // Stops accepting for good (graceful stop). The socket stays open in the
  // master for the next generation.
  void stop();
  // A connection closed: accept the one held back at the limit, if any.
  void on_connection_closed();

  const ListenConfig& config() const { return config_; }
  const TlsContext* tls() const { return tls_.get(); }
  size_t index() const { return index_; }
  // Added to every response on this listener: response_headers, then HSTS.
  const Headers& response_headers() const { return response_headers_; }
  // Where redirect_to_https points (the first TLS listener's port).
  int https_port() const { return https_port_; }
  void set_https_port(int port) { https_port_ = port; }

 private:
  static void connection_cb(uv_stream_t* server, int status) noexcept;
  void accept_one();
  int idle_closed_at_once() const;

  Worker* worker_;
  const ListenConfig& config_;
  std::shared_ptr<const TlsContext> tls_;
  size_t index_;
  Headers response_headers_;
  int https_port_ = 443;
  uv_tcp_t server_;
  bool open_ = false;
  bool held_back_ = false;  // a connection waits in libuv until we are below the limit
  bool warned_full_ = false;
  int closing_idle_ = 0;    // idle connections closed for room, not yet gone
  bool warned_reuse_ = false;
};

}  // namespace hearth
