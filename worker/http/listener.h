// Accepts connections on the listening socket the worker inherited.
// At max_connections it closes the longest-idle connections to make room;
// when all are busy it stops accepting (the kernel backlog holds the rest,
// or another worker takes them) and resumes when a connection closes.
#pragma once

#include <uv.h>

#include <string>

namespace hearth {

class Worker;

class Listener {
 public:
  explicit Listener(Worker* worker);
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Starts accepting on the already bound and listening `fd`.
  bool open(int fd, std::string* error);
  // Stops accepting for good (graceful stop). The socket stays open in the
  // master for the next generation.
  void stop();
  // A connection closed: accept the one held back at the limit, if any.
  void on_connection_closed();

 private:
  static void connection_cb(uv_stream_t* server, int status) noexcept;
  void accept_one();
  int idle_closed_at_once() const;

  Worker* worker_;
  uv_tcp_t server_;
  bool open_ = false;
  bool held_back_ = false;  // a connection waits in libuv until we are below the limit
  bool warned_full_ = false;
  int closing_idle_ = 0;    // idle connections closed for room, not yet gone
  bool warned_reuse_ = false;
};

}  // namespace hearth
