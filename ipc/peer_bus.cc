#include "ipc/peer_bus.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <memory>

namespace hearth {

namespace {

constexpr size_t kReadBufferBytes = 64 * 1024;
constexpr int kBacklog = 128;
char g_read_buffer[kReadBufferBytes];

// An abstract Unix socket address: no file to clean up, gone with the process.
socklen_t abstract_address(const std::string& name, sockaddr_un* addr) {
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  size_t n = std::min(name.size(), sizeof addr->sun_path - 1);
  memcpy(addr->sun_path + 1, name.data(), n);
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + n);
}

uint32_t read_be32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t(u[0]) << 24) | (uint32_t(u[1]) << 16) | (uint32_t(u[2]) << 8) | u[3];
}

}  // namespace

struct PeerBus::Inbound {
  uv_pipe_t pipe;
  PeerBus* bus = nullptr;
  std::string buffer;
};

struct PeerBus::Outbound {
  uv_pipe_t pipe;
  PeerBus* bus = nullptr;
  int64_t id = 0;
  bool closing = false;
};

namespace {

}  // namespace

struct PeerBus::WriteRequest {
  uv_write_t req;  // first: the callback casts back from it
  std::shared_ptr<const std::string> frame;
  Outbound* out = nullptr;
};

PeerBus::PeerBus(uv_loop_t* loop, std::string instance, int64_t self_id, PeersFn peers)
    : loop_(loop), instance_(std::move(instance)), self_id_(self_id), peers_(std::move(peers)) {}

PeerBus::~PeerBus() { close(); }

std::string PeerBus::socket_name(int64_t id) const {
  return "hearth-" + instance_ + "-" + std::to_string(id);
}

bool PeerBus::start(std::string* error) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("peer bus socket: ") + strerror(errno);
    return false;
  }
  sockaddr_un addr;
  socklen_t len = abstract_address(socket_name(self_id_), &addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd, kBacklog) != 0) {
    *error = "peer bus " + socket_name(self_id_) + ": " + strerror(errno);
    ::close(fd);
    return false;
  }
  listener_ = new uv_pipe_t;
  uv_pipe_init(loop_, listener_, 0);
  listener_->data = this;
  int r = uv_pipe_open(listener_, fd);
  if (r == 0) r = uv_listen(reinterpret_cast<uv_stream_t*>(listener_), kBacklog, on_connection);
  if (r != 0) {
    *error = std::string("peer bus listen: ") + uv_strerror(r);
    uv_close(reinterpret_cast<uv_handle_t*>(listener_), [](uv_handle_t* h) noexcept {
      delete reinterpret_cast<uv_pipe_t*>(h);
    });
    listener_ = nullptr;
    return false;
  }
  return true;
}

void PeerBus::close() {
  if (closed_) return;
  closed_ = true;
  if (listener_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(listener_), [](uv_handle_t* h) noexcept {
      delete reinterpret_cast<uv_pipe_t*>(h);
    });
    listener_ = nullptr;
  }
  for (Inbound* in : inbound_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&in->pipe), [](uv_handle_t* h) noexcept {
      delete static_cast<Inbound*>(h->data);
    });
  }
  inbound_.clear();
  while (!outbound_.empty()) forget_outbound(outbound_.begin()->first);
}

void PeerBus::subscribe(std::string topic, Handler handler) { handlers_[std::move(topic)] = std::move(handler); }

void PeerBus::on_connection(uv_stream_t* server, int status) noexcept {
  auto* bus = static_cast<PeerBus*>(server->data);
  if (status < 0 || bus->closed_) return;
  auto* in = new Inbound;
  in->bus = bus;
  uv_pipe_init(bus->loop_, &in->pipe, 0);
  in->pipe.data = in;
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&in->pipe)) != 0 ||
      uv_read_start(reinterpret_cast<uv_stream_t*>(&in->pipe), alloc_cb, on_inbound_read) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&in->pipe), [](uv_handle_t* h) noexcept {
      delete static_cast<Inbound*>(h->data);
    });
    return;
  }
  bus->inbound_.push_back(in);
}

void PeerBus::alloc_cb(uv_handle_t*, size_t, uv_buf_t* buf) noexcept {
  *buf = uv_buf_init(g_read_buffer, sizeof g_read_buffer);
}

void PeerBus::on_inbound_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
  auto* in = static_cast<Inbound*>(stream->data);
  PeerBus* bus = in->bus;
  if (nread == 0) return;
  bool ok = nread > 0;
  if (ok) {
    in->buffer.append(buf->base, static_cast<size_t>(nread));
    ok = bus->take_frames(in);
  }
  if (ok) return;
  // EOF, error or a malformed frame: this peer's stream is done.
  bus->inbound_.erase(std::remove(bus->inbound_.begin(), bus->inbound_.end(), in), bus->inbound_.end());
  uv_close(reinterpret_cast<uv_handle_t*>(&in->pipe), [](uv_handle_t* h) noexcept {
    delete static_cast<Inbound*>(h->data);
  });
}

// Delivers every complete frame in the buffer. False on a malformed length.
bool PeerBus::take_frames(Inbound* in) {
  size_t pos = 0;
  std::string& b = in->buffer;
  while (b.size() - pos >= 4) {
    uint32_t len = read_be32(b.data() + pos);
    if (len < 3 || len > kMaxFrameBytes) return false;
    if (b.size() - pos - 4 < len) break;
    deliver(std::string_view(b).substr(pos + 4, len));
    pos += 4 + len;
  }
  b.erase(0, pos);
  return true;
}

void PeerBus::deliver(std::string_view frame) {
  bool binary = (static_cast<unsigned char>(frame[0]) & 1) != 0;
  size_t topic_len = (size_t(static_cast<unsigned char>(frame[1])) << 8) | static_cast<unsigned char>(frame[2]);
  if (3 + topic_len > frame.size()) return;
  std::string_view topic = frame.substr(3, topic_len);
  received_++;
  auto it = handlers_.find(topic);
  if (it != handlers_.end() && it->second) it->second(frame.substr(3 + topic_len), binary);
}

PeerBus::Outbound* PeerBus::outbound_for(int64_t id) {
  auto it = outbound_.find(id);
  if (it != outbound_.end()) return it->second;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  sockaddr_un addr;
  socklen_t len = abstract_address(socket_name(id), &addr);
  // A Unix socket connects at once, or fails at once (no listener, backlog full).
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    ::close(fd);
    return nullptr;
  }
  auto* out = new Outbound;
  out->bus = this;
  out->id = id;
  uv_pipe_init(loop_, &out->pipe, 0);
  out->pipe.data = out;
  if (uv_pipe_open(&out->pipe, fd) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&out->pipe), [](uv_handle_t* h) noexcept {
      delete static_cast<Outbound*>(h->data);
    });
    return nullptr;
  }
  outbound_[id] = out;
  return out;
}

void PeerBus::forget_outbound(int64_t id) {
  auto it = outbound_.find(id);
  if (it == outbound_.end()) return;
  Outbound* out = it->second;
  outbound_.erase(it);
  out->closing = true;
  // Pending writes complete with UV_ECANCELED before the close callback.
  uv_close(reinterpret_cast<uv_handle_t*>(&out->pipe), [](uv_handle_t* h) noexcept {
    delete static_cast<Outbound*>(h->data);
  });
}

int PeerBus::publish(std::string_view topic, std::string_view payload, bool binary) {
  if (closed_ || listener_ == nullptr) return 0;
  if (topic.size() > 0xffff || 3 + topic.size() + payload.size() > kMaxFrameBytes) {
    dropped_++;
    return 0;
  }
  auto frame = std::make_shared<std::string>();
  uint32_t len = static_cast<uint32_t>(3 + topic.size() + payload.size());
  frame->reserve(4 + len);
  for (int shift = 24; shift >= 0; shift -= 8) frame->push_back(static_cast<char>((len >> shift) & 0xff));
  frame->push_back(binary ? 1 : 0);
  frame->push_back(static_cast<char>(topic.size() >> 8));
  frame->push_back(static_cast<char>(topic.size() & 0xff));
  frame->append(topic);
  frame->append(payload);

  std::vector<int64_t> peers = peers_ ? peers_() : std::vector<int64_t>();
  // Connections to workers that are no longer listed are closed.
  for (auto it = outbound_.begin(); it != outbound_.end();) {
    int64_t id = (it++)->first;
    if (std::find(peers.begin(), peers.end(), id) == peers.end()) forget_outbound(id);
  }
  int queued = 0;
  for (int64_t id : peers) {
    if (id == self_id_) continue;
    Outbound* out = outbound_for(id);
    if (out == nullptr) continue;  // not listening (yet, or any more)
    if (uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(&out->pipe)) > kMaxQueuedBytes) {
      dropped_++;
      continue;
    }
    auto* w = new WriteRequest;
    w->frame = frame;
    w->out = out;
    uv_buf_t buf = uv_buf_init(const_cast<char*>(frame->data()), static_cast<unsigned>(frame->size()));
    if (uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&out->pipe), &buf, 1, on_write) != 0) {
      delete w;
      forget_outbound(id);
      continue;
    }
    queued++;
  }
  return queued;
}

void PeerBus::on_write(uv_write_t* req, int status) noexcept {
  auto* w = reinterpret_cast<WriteRequest*>(req);
  Outbound* out = w->out;  // freed only after its writes called back
  delete w;
  if (status == 0 || out->closing) return;
  // The peer went away (crashed, or stopped): reconnect on the next publish.
  out->bus->forget_outbound(out->id);
}

}  // namespace hearth
