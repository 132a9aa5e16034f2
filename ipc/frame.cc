#include "ipc/frame.h"

#include <cassert>

namespace hearth {

namespace {

constexpr size_t kLengthBytes = 4;
constexpr size_t kCountersBytes = 12;

void put_u32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xff));
}

void put_u64(std::string* out, uint64_t v) {
  put_u32(out, static_cast<uint32_t>(v >> 32));
  put_u32(out, static_cast<uint32_t>(v));
}

uint32_t get_u32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}

uint64_t get_u64(const char* p) { return (uint64_t{get_u32(p)} << 32) | get_u32(p + 4); }

bool known_type(uint8_t t) {
  return t >= static_cast<uint8_t>(MessageType::kReady) && t <= static_cast<uint8_t>(MessageType::kReopen);
}

}  // namespace

const char* message_type_name(MessageType type) {
  switch (type) {
    case MessageType::kReady: return "READY";
    case MessageType::kHeartbeat: return "HEARTBEAT";
    case MessageType::kRetiring: return "RETIRING";
    case MessageType::kStop: return "STOP";
    case MessageType::kReopen: return "REOPEN";
  }
  return "UNKNOWN";
}

std::string encode_frame(MessageType type, std::string_view payload) {
  assert(payload.size() < kMaxFrameBody);
  std::string out;
  out.reserve(kLengthBytes + 1 + payload.size());
  put_u32(&out, static_cast<uint32_t>(1 + payload.size()));
  out.push_back(static_cast<char>(type));
  out.append(payload);
  return out;
}

std::string encode_counters(const Counters& counters) {
  std::string out;
  put_u64(&out, counters.requests_served);
  put_u32(&out, counters.active_connections);
  return out;
}

bool decode_counters(std::string_view payload, Counters* out) {
  if (payload.size() != kCountersBytes) return false;
  out->requests_served = get_u64(payload.data());
  out->active_connections = get_u32(payload.data() + 8);
  return true;
}

std::string encode_stop_timeout(uint64_t timeout_ms) {
  std::string out;
  put_u64(&out, timeout_ms);
  return out;
}

bool decode_stop_timeout(std::string_view payload, uint64_t default_ms, uint64_t* timeout_ms) {
  if (payload.empty()) {
    *timeout_ms = default_ms;
    return true;
  }
  if (payload.size() != 8) return false;
  *timeout_ms = get_u64(payload.data());
  return true;
}

bool FrameDecoder::feed(const char* data, size_t size, std::vector<Message>* out, std::string* error) {
  if (failed()) {
    *error = error_;
    return false;
  }
  // Between calls the buffer holds at most one partial frame, whose length
  // was checked as soon as its prefix arrived: the memory stays bounded.
  buffer_.append(data, size);
  if (!take_frames(out)) {
    buffer_.clear();
    buffer_.shrink_to_fit();
    *error = error_;
    return false;
  }
  return true;
}

bool FrameDecoder::take_frames(std::vector<Message>* out) {
  size_t pos = 0;
  while (buffer_.size() - pos >= kLengthBytes) {
    uint32_t body = get_u32(buffer_.data() + pos);
    if (body == 0 || body > kMaxFrameBody) {
      error_ = "bad frame length " + std::to_string(body);
      return false;
    }
    if (buffer_.size() - pos < kLengthBytes + body) break;
    auto type = static_cast<uint8_t>(buffer_[pos + kLengthBytes]);
    if (!known_type(type)) {
      error_ = "unknown message type " + std::to_string(type);
      return false;
    }
    Message m;
    m.type = static_cast<MessageType>(type);
    m.payload.assign(buffer_, pos + kLengthBytes + 1, body - 1);
    out->push_back(std::move(m));
    pos += kLengthBytes + body;
  }
  buffer_.erase(0, pos);
  return true;
}

}  // namespace hearth
