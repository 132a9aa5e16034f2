// The worker's end of the master channel: reports ready, sends heartbeats
// with counters, and obeys the master's commands (stop, reopen logs).
#pragma once

namespace hearth {

class Worker;

class MasterLink {
 public:
  // `channel_fd` is the worker's end of the socketpair made by the master.
  MasterLink(Worker* worker, int channel_fd);
  ~MasterLink();
  MasterLink(const MasterLink&) = delete;
  MasterLink& operator=(const MasterLink&) = delete;

  // Starts reading commands, sends READY and starts the heartbeat timer.
  bool start();
  // Stops the heartbeat and closes the channel handle (before the loop ends).
  void close();

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace hearth
