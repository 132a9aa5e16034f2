// The master–worker channel: framed messages over one socketpair per worker.
//
// A frame is a 4-byte big-endian length, then that many bytes: one type byte
// and the payload. Frames are small and bounded (kMaxFrameBody), so a broken
// or hostile peer can never make either side buffer without limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

enum class MessageType : uint8_t {
  kReady = 1,      // worker -> master: listening, serving
  kHeartbeat = 2,  // worker -> master: alive; payload: Counters
  kRetiring = 3,   // worker -> master: max_requests reached, draining; payload: Counters
  kStop = 4,       // master -> worker: drain and exit; payload: the drain timeout (StopOrder)
  kReopen = 5,     // master -> worker: reopen log files
};

// Type byte plus payload; the length prefix is not counted.
constexpr size_t kMaxFrameBody = 4096;

struct Message {
  MessageType type = MessageType::kReady;
  std::string payload;
};

// What a worker reports in heartbeats.
struct Counters {
  uint64_t requests_served = 0;
  uint32_t active_connections = 0;
};

const char* message_type_name(MessageType type);

// One whole frame. REQUIRES: payload.size() < kMaxFrameBody.
std::string encode_frame(MessageType type, std::string_view payload = {});
std::string encode_counters(const Counters& counters);
// False when `payload` is not exactly an encoded Counters.
bool decode_counters(std::string_view payload, Counters* out);

// STOP's payload: how long the worker may take to finish its responses. A
// worker retired by a reload may finish a long download; one stopped with
// the server gets shutdown_timeout. An empty payload means "your own
// shutdown_timeout".
std::string encode_stop_timeout(uint64_t timeout_ms);
// False when `payload` is neither empty nor an encoded timeout.
bool decode_stop_timeout(std::string_view payload, uint64_t default_ms, uint64_t* timeout_ms);

// Cuts a byte stream into messages. Feed it whatever read() returned, in any
// chunking; it keeps at most one partial frame. The first malformed frame
// (zero or oversized length, unknown type) fails the decoder for good: the
// stream has lost its framing and cannot be trusted again.
class FrameDecoder {
 public:
  // Appends every completed message to *out. Returns false and sets *error
  // when the stream is malformed (now or earlier).
  bool feed(const char* data, size_t size, std::vector<Message>* out, std::string* error);
  bool failed() const { return !error_.empty(); }
  // Bytes of an incomplete frame held back.
  size_t pending_bytes() const { return buffer_.size(); }

 private:
  bool take_frames(std::vector<Message>* out);

  std::string buffer_;
  std::string error_;
};

}  // namespace hearth
