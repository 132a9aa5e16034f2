// Worker-to-worker messages, for WebSocket broadcast across workers.
//
// Every worker listens on an abstract Unix stream socket named
// "hearth-<instance>-<id>" (instance: the master's pid; id: the worker's
// pid) and, to publish, writes one frame to each peer over a connection it
// opens on first use. Peers are whoever `peers()` lists now (the status
// table's live workers), so a worker that died simply drops out and its
// replacement is reached on the next publish. The master is not on the path.
//
// Frame: 4-byte big-endian length of the rest, 1 flag byte (bit 0: binary),
// 2-byte big-endian topic length, topic, payload.
//
// Bounds: a frame is at most kMaxFrameBytes (larger payloads are not
// relayed); a peer with more than kMaxQueuedBytes unwritten misses messages
// (counted in dropped()) instead of growing this worker's memory; an inbound
// connection sending a malformed frame is closed.
//
// REQUIRES: SIGPIPE ignored (workers do), so a peer that died mid-write is
// an error code, not a signal.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

class PeerBus {
 public:
  static constexpr size_t kMaxFrameBytes = (1 << 20) + 4096;
  static constexpr size_t kMaxQueuedBytes = 8 << 20;

  using PeersFn = std::function<std::vector<int64_t>()>;
  using Handler = std::function<void(std::string_view payload, bool binary)>;

  // `peers` lists the ids of the other workers (self is skipped if listed).
  PeerBus(uv_loop_t* loop, std::string instance, int64_t self_id, PeersFn peers);
  ~PeerBus();
  PeerBus(const PeerBus&) = delete;
  PeerBus& operator=(const PeerBus&) = delete;

  // Starts listening. False (with *error) when the name is taken or sockets fail.
  bool start(std::string* error);
  // Closes every handle; call before the loop ends. Publishing stops.
  void close();

  // Messages for `topic` from peers go to `handler` (one handler per topic).
  void subscribe(std::string topic, Handler handler);
  // Sends to every peer listed now. Returns how many peers it was queued for.
  int publish(std::string_view topic, std::string_view payload, bool binary);

  uint64_t dropped() const { return dropped_; }
  uint64_t received() const { return received_; }

  // The abstract socket name (without the leading NUL) of `id`.
  std::string socket_name(int64_t id) const;

 private:
  struct Inbound;
  struct Outbound;
  struct WriteRequest;

  static void on_connection(uv_stream_t* server, int status) noexcept;
  static void alloc_cb(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) noexcept;
  static void on_inbound_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
  static void on_write(uv_write_t* req, int status) noexcept;

  Outbound* outbound_for(int64_t id);
  void forget_outbound(int64_t id);
  bool take_frames(Inbound* in);
  void deliver(std::string_view frame);

  uv_loop_t* loop_;
  std::string instance_;
  int64_t self_id_;
  PeersFn peers_;
  uv_pipe_t* listener_ = nullptr;
  std::map<int64_t, Outbound*> outbound_;
  std::vector<Inbound*> inbound_;
  std::map<std::string, Handler, std::less<>> handlers_;
  uint64_t dropped_ = 0;
  uint64_t received_ = 0;
  bool closed_ = false;
};

}  // namespace hearth
