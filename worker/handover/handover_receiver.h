// A live worker's end of its hand-over channel: the master passes it the
// sockets of a sibling that died (ipc/handover.h), and the worker adopts
// them as connections of its own, serving the request that came along.
#pragma once

#include <uv.h>

namespace hearth {

class Worker;

class HandoverReceiver {
 public:
  // REQUIRES: `worker` outlives the receiver's handle (close() before the
  // loop ends). `channel` stays open (the crash handler sends on it too).
  HandoverReceiver(Worker* worker, int channel);
  ~HandoverReceiver();
  HandoverReceiver(const HandoverReceiver&) = delete;
  HandoverReceiver& operator=(const HandoverReceiver&) = delete;

  bool start();
  void close();

 private:
  static void on_readable(uv_poll_t* poll, int status, int events) noexcept;
  static void on_closed(uv_handle_t* handle) noexcept;
  void receive();

  Worker* worker_;
  int channel_;
  uv_poll_t* poll_ = nullptr;  // freed by its close callback
};

}  // namespace hearth
