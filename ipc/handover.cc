#include "ipc/handover.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace hearth {

namespace {

constexpr uint32_t kMagic = 0x68617264;  // "hard"
constexpr int kSendAttempts = 50;
constexpr int kMaxSocketsPerPacket = 4;  // more than one is malformed; room to close them
constexpr int kMaxSkippedPerCall = 64;   // malformed packets skipped before returning

struct Header {
  uint32_t magic;
  uint8_t kind;
  uint8_t listener;
  uint16_t unused;
  uint32_t length;
};

bool valid_kind(uint8_t kind) {
  return kind >= static_cast<uint8_t>(HandoverKind::kIdle) && kind <= static_cast<uint8_t>(HandoverKind::kSummary);
}

void pause_a_millisecond() {
  timespec ts{0, 1000 * 1000};
  nanosleep(&ts, nullptr);
}

// The sockets in a received packet's control data: the first in *socket,
// any other closed.
void take_sockets(msghdr* msg, int* socket) {
  for (cmsghdr* c = CMSG_FIRSTHDR(msg); c != nullptr; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      if (*socket < 0) {
        *socket = fd;
      } else {
        close(fd);
      }
    }
  }
}

}  // namespace

bool make_handover_channel(int fds[2]) {
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) return false;
  for (int i = 0; i < 2; i++) {
    int size = kHandoverBufferBytes;
    setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  return true;
}

bool send_handover(int channel, HandoverKind kind, uint8_t listener, int socket, const char* bytes, size_t len) {
  if (channel < 0 || len > kMaxReplayBytes) return false;
  Header header{kMagic, static_cast<uint8_t>(kind), listener, 0, static_cast<uint32_t>(len)};
  iovec iov[2] = {{&header, sizeof header}, {const_cast<char*>(bytes), len}};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = len > 0 ? 2 : 1;
  if (socket >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &socket, sizeof socket);
  }
  for (int attempt = 0; attempt < kSendAttempts; attempt++) {
    if (sendmsg(channel, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) return true;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) return false;
    pause_a_millisecond();
  }
  return false;
}

bool send_crash_counts(int channel, const CrashCounts& counts) {
  return send_handover(channel, HandoverKind::kSummary, 0, -1, reinterpret_cast<const char*>(&counts),
                       sizeof counts);
}

int receive_handover(int channel, ReceivedHandover* out) {
  static_assert(sizeof(CrashCounts) <= kMaxReplayBytes, "the summary fits a packet");
  char data[sizeof(Header) + kMaxReplayBytes];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxSocketsPerPacket)];
  for (int skipped = 0; skipped < kMaxSkippedPerCall; skipped++) {
    iovec iov{data, sizeof data};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(channel, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    if (n == 0) return -1;
    int socket = -1;
    take_sockets(&msg, &socket);
    Header header;
    bool ok = static_cast<size_t>(n) >= sizeof header && (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) == 0;
    if (ok) memcpy(&header, data, sizeof header);
    ok = ok && header.magic == kMagic && valid_kind(header.kind) &&
         header.length == static_cast<size_t>(n) - sizeof header;
    HandoverKind kind = ok ? static_cast<HandoverKind>(header.kind) : HandoverKind::kIdle;
    if (ok && kind == HandoverKind::kSummary) ok = socket < 0 && header.length == sizeof(CrashCounts);
    else if (ok) ok = socket >= 0;
    if (!ok) {
      if (socket >= 0) close(socket);
      continue;  // malformed: skipped
    }
    *out = ReceivedHandover();
    out->kind = kind;
    out->listener = header.listener;
    out->socket = socket;
    if (kind == HandoverKind::kSummary) {
      memcpy(&out->counts, data + sizeof header, sizeof out->counts);
    } else {
      out->bytes.assign(data + sizeof header, header.length);
    }
    return 1;
  }
  return 0;  // the rest on the next call
}

std::string describe_crash_counts(const CrashCounts& c) {
  return fmt::format(
      "{} request{} answered 500, {} connection{} handed over, {} replayed, {} answered 503, "
      "{} WebSocket{} closed 1012, {} TLS closed, {} cut",
      c.answered_500, c.answered_500 == 1 ? "" : "s", c.handed_over, c.handed_over == 1 ? "" : "s", c.replayed,
      c.answered_503, c.websockets_1012, c.websockets_1012 == 1 ? "" : "s", c.tls_closed, c.cut);
}

}  // namespace hearth
