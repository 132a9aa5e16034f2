#include "master/app_instance_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace hearth {

namespace {

// "Connection refused" -> "connection refused", as it reads mid-sentence.
std::string error_text(int err) {
  std::string s = strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(tolower(static_cast<unsigned char>(s[0])));
  return s;
}

// A non-blocking connect to `address`: the socket (-1 with *err when it
// failed at once), *pending while it is still on its way.
int start_connect(const UpstreamAddress& address, bool* pending, int* err) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (address.is_unix()) {
    auto* sun = reinterpret_cast<sockaddr_un*>(&ss);
    sun->sun_family = AF_UNIX;
    strncpy(sun->sun_path, address.socket_path.c_str(), sizeof(sun->sun_path) - 1);
    len = sizeof(sockaddr_un);
  } else if (address.host.find(':') != std::string::npos) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<uint16_t>(address.port));
    inet_pton(AF_INET6, address.host.c_str(), &sin6->sin6_addr);
    len = sizeof(sockaddr_in6);
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(address.port));
    inet_pton(AF_INET, address.host.c_str(), &sin->sin_addr);
    len = sizeof(sockaddr_in);
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = errno;
    return -1;
  }
  *pending = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) return fd;
  // A unix socket whose backlog is full says EAGAIN: as good as "in progress".
  if (errno == EINPROGRESS || errno == EAGAIN) {
    *pending = true;
    return fd;
  }
  *err = errno;
  close(fd);
  return -1;
}

bool socket_ready(int fd, short events) {
  pollfd p{fd, events, 0};
  return poll(&p, 1, 0) > 0 && p.revents != 0;
}

}  // namespace

constexpr ReadinessProbe::Ms ReadinessProbe::kRetryInterval;
constexpr ReadinessProbe::Ms ReadinessProbe::kAttemptTimeout;

int parse_status_line(const std::string& response) {
  size_t end = response.find('\n');
  if (end == std::string::npos) return 0;
  std::string line = response.substr(0, end);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  // "HTTP/1.1 200" and maybe " OK"
  bool ok = line.size() >= 12 && line.compare(0, 5, "HTTP/") == 0 && isdigit(static_cast<unsigned char>(line[5])) &&
            line[6] == '.' && isdigit(static_cast<unsigned char>(line[7])) && line[8] == ' ' &&
            (line.size() == 12 || line[12] == ' ');
  for (size_t i = 9; ok && i < 12; i++) ok = isdigit(static_cast<unsigned char>(line[i]));
  return ok ? std::stoi(line.substr(9, 3)) : -1;
}

ReadinessProbe::ReadinessProbe(UpstreamAddress address, std::string ready_path)
    : address_(std::move(address)), path_(std::move(ready_path)) {}

ReadinessProbe::~ReadinessProbe() {
  if (fd_ >= 0) close(fd_);
}

bool ReadinessProbe::step(Ms budget) {
  auto deadline = Clock::now() + budget;
  for (;;) {
    if (phase_ == Phase::kReady) return true;
    auto now = Clock::now();
    if (phase_ != Phase::kIdle && now - attempt_started_ >= kAttemptTimeout) {
      fail("no answer in " + std::to_string(kAttemptTimeout.count() / 1000) + " s");
    }
    bool progressed = false;
    switch (phase_) {
      case Phase::kIdle: progressed = start_attempt(); break;
      case Phase::kConnecting: progressed = finish_connect(); break;
      case Phase::kSending: progressed = send_request(); break;
      case Phase::kReading: progressed = read_status(); break;
      case Phase::kReady: return true;
    }
    if (progressed) continue;
    // Failed (the next attempt waits for kRetryInterval) or too early for one.
    if (phase_ == Phase::kIdle) return false;
    auto left = std::chrono::duration_cast<Ms>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p = poll_fd();
    poll(&p, 1, static_cast<int>(left.count()));
  }
}

pollfd ReadinessProbe::poll_fd() const {
  switch (phase_) {
    case Phase::kConnecting:
    case Phase::kSending: return {fd_, POLLOUT, 0};
    case Phase::kReading: return {fd_, POLLIN, 0};
    default: return {-1, 0, 0};
  }
}

bool ReadinessProbe::start_attempt() {
  auto now = Clock::now();
  if (now < next_attempt_) return false;
  next_attempt_ = now + kRetryInterval;
  attempt_started_ = now;
  bool pending = false;
  int err = 0;
  fd_ = start_connect(address_, &pending, &err);
  if (fd_ < 0) {
    fail("connect: " + error_text(err));
    return false;
  }
  if (pending) {
    phase_ = Phase::kConnecting;
  } else {
    connected();
  }
  return true;
}

bool ReadinessProbe::finish_connect() {
  if (!socket_ready(fd_, POLLOUT)) return false;
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) {
    fail("connect: " + error_text(err));
    return false;
  }
  connected();
  return true;
}

void ReadinessProbe::connected() {
  if (path_.empty()) {
    close(fd_);
    fd_ = -1;
    phase_ = Phase::kReady;
    return;
  }
  request_ = "GET " + path_ + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nUser-Agent: hearth\r\n\r\n";
  sent_ = 0;
  response_.clear();
  phase_ = Phase::kSending;
}

bool ReadinessProbe::send_request() {
  ssize_t n = send(fd_, request_.data() + sent_, request_.size() - sent_, MSG_NOSIGNAL);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
  if (n < 0) {
    fail("sending the check: " + error_text(errno));
    return false;
  }
  sent_ += static_cast<size_t>(n);
  if (sent_ == request_.size()) phase_ = Phase::kReading;
  return true;
}

bool ReadinessProbe::read_status() {
  char buf[512];
  ssize_t n = recv(fd_, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
  if (n < 0) {
    fail("reading the answer: " + error_text(errno));
    return false;
  }
  if (n > 0) response_.append(buf, static_cast<size_t>(std::min<ssize_t>(n, kMaxResponseBytes)));
  int status = parse_status_line(response_);
  if (status == 0 && n > 0 && response_.size() < kMaxResponseBytes) return true;  // more to come
  if (status >= 200 && status <= 399) {
    close(fd_);
    fd_ = -1;
    phase_ = Phase::kReady;
    return true;
  }
  if (status > 0) fail("GET " + path_ + " answered " + std::to_string(status));
  else if (status < 0 || n > 0) fail("GET " + path_ + " answered something other than HTTP");
  else fail("GET " + path_ + ": closed without an answer");
  return false;
}

void ReadinessProbe::fail(const std::string& why) {
  failure_ = why;
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  phase_ = Phase::kIdle;
}

}  // namespace hearth
