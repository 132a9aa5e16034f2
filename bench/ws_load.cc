// WebSocket load client for bench/run.sh, the C++ counterpart of ws_load.js
// (what wrk is for HTTP): N connections, each sends a SIZE-byte masked text
// frame, waits for its echo, checks it and sends the next, for SECONDS. One
// thread, non-blocking sockets and epoll, so one core drives far more
// messages than the node client and the server under test is the limit.
// Prints the line the harness parses, in ws_load.js's format:
//   RESULT requests=M seconds=S rps=R p50_us=A p99_us=B errors=E status_errors=0
// Exit 2 (message on stderr) if a connection or handshake fails or not all
// connections open within 10 s.
//
// --spin: busy-poll (epoll_wait never blocks) while timing. Only for a client
// with a core of its own: a client that sleeps between echoes makes the
// server pay for waking it up (on a 2-core VM node ws spent ~23 instead of
// ~17 µs of CPU per message), inflating the very CPU/message measured.
//
// Build: g++ -O2 -std=c++17 -Wall -Wextra -o ws_load bench/ws_load.cc
// Usage: ws_load ws://127.0.0.1:PORT/path [--connections 64] [--seconds 5] [--size 64] [--spin]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kMaxFrame = 64u << 20;  // a larger frame is a broken server; keeps memory bounded

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "ws_load: %s\n", why.c_str());
  std::exit(2);
}

// ---- SHA-1 (RFC 3174) and base64: just enough for Sec-WebSocket-Accept.
std::string sha1(const std::string& in) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  std::string msg = in + '\x80';
  while (msg.size() % 64 != 56) msg += '\0';
  const uint64_t bits = uint64_t(in.size()) * 8;
  for (int s = 56; s >= 0; s -= 8) msg += char(bits >> s);
  auto rol = [](uint32_t x, int n) { return (x << n) | (x >> (32 - n)); };
  for (size_t off = 0; off < msg.size(); off += 64) {
    uint32_t w[80];
    for (int i = 0; i < 16; i++) {
      const auto* p = reinterpret_cast<const uint8_t*>(&msg[off + 4 * i]);
      w[i] = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
    }
    for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
      uint32_t f, k;
      if (i < 20) f = (b & c) | (~b & d), k = 0x5A827999;
      else if (i < 40) f = b ^ c ^ d, k = 0x6ED9EBA1;
      else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
      else f = b ^ c ^ d, k = 0xCA62C1D6;
      const uint32_t t = rol(a, 5) + f + e + k + w[i];
      e = d, d = c, c = rol(b, 30), b = a, a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
  }
  std::string out;
  for (uint32_t v : h)
    for (int s = 24; s >= 0; s -= 8) out += char(v >> s);
  return out;
}

std::string base64(const std::string& in) {
  static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    const size_t n = std::min<size_t>(3, in.size() - i);
    uint32_t v = 0;
    for (size_t j = 0; j < 3; j++) v = v << 8 | (j < n ? uint8_t(in[i + j]) : 0);
    for (size_t j = 0; j < 4; j++) out += j <= n ? abc[(v >> (18 - 6 * j)) & 63] : '=';
  }
  return out;
}

// xorshift64: masks and keys need to be unpredictable to proxies, not secure.
struct Rng {
  uint64_t s;
  uint64_t next() { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
};

// Latencies in µs, bounded log-linear buckets exactly as ws_load.js's
// Histogram: 1 µs resolution under 1 ms, then 64 steps per power of two.
struct Histogram {
  std::vector<uint64_t> counts = std::vector<uint64_t>(1000 + 64 * 24);
  uint64_t total = 0;
  size_t bucket(double us) const {
    if (us < 1000) return size_t(std::max(0.0, std::floor(us)));
    const double exp = std::floor(std::log2(us / 1000));
    const double frac = us / (1000 * std::exp2(exp)) - 1;
    return std::min(counts.size() - 1, size_t(1000 + exp * 64 + std::floor(frac * 64)));
  }
  static long long value(size_t b) {
    if (b < 1000) return (long long)b;
    const size_t exp = (b - 1000) / 64;
    return std::llround(1000 * std::exp2(double(exp)) * (1 + double((b - 1000) % 64) / 64));
  }
  void add(double us) { counts[bucket(us)]++; total++; }
  long long percentile(double p) const {
    const uint64_t target = uint64_t(std::ceil(double(total) * p / 100));
    uint64_t seen = 0;
    for (size_t b = 0; b < counts.size(); b++) {
      seen += counts[b];
      if (seen >= target && counts[b] > 0) return value(b);
    }
    return 0;
  }
};

enum class State { Connecting, Handshaking, Open, Closed };

struct Conn {
  int fd = -1;
  State state = State::Connecting;
  std::string accept;           // the Sec-WebSocket-Accept the server must send
  std::vector<uint8_t> in;      // received bytes [0, in_len) not yet parsed
  size_t in_len = 0;
  std::string out;              // bytes the kernel would not take yet (EAGAIN)
  std::string expect;           // the message in flight
  uint64_t seq = 0;
  bool awaiting = false, in_message = false, bad = false;
  size_t got = 0;               // payload bytes of the echo compared so far
  Clock::time_point sent;
};

struct Options {
  sockaddr_in addr{};
  std::string host_port, path;
  int connections = 64;
  double seconds = 5;
  long size = 64;
  bool spin = false;
};

struct Load {
  Options opt;
  std::vector<Conn> conns;
  int ep = -1;
  bool running = false;         // false while connecting: every failure is fatal then
  int opened = 0;
  uint64_t done = 0, errors = 0, mismatches = 0;
  Histogram hist;
  Rng rng{0};
  std::string frame;            // scratch for building frames, reused

  // Level-triggered; EPOLLOUT only while bytes wait in c.out.
  void watch(Conn& c, bool out) {
    epoll_event ev{};
    ev.events = EPOLLIN | (out ? uint32_t(EPOLLOUT) : 0u);
    ev.data.u32 = uint32_t(&c - conns.data());
    epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
  }

  // Fatal before the clock starts; afterwards one error and this connection ends.
  bool drop(Conn& c, const std::string& why) {
    if (!running) fail(why);
    if (errors++ == 0) std::fprintf(stderr, "ws_load: first error: %s\n", why.c_str());
    close(c.fd);
    c.state = State::Closed;
    return false;
  }

  // One send per frame; what the kernel refuses waits for EPOLLOUT.
  bool write(Conn& c, const char* data, size_t n) {
    if (!c.out.empty()) { c.out.append(data, n); return true; }
    const ssize_t w = send(c.fd, data, n, MSG_NOSIGNAL);
    if (w < 0 && errno != EAGAIN) return drop(c, std::string("send: ") + std::strerror(errno));
    const size_t sent = w < 0 ? 0 : size_t(w);
    if (sent < n) { c.out.assign(data + sent, n - sent); watch(c, true); }
    return true;
  }

  bool flush(Conn& c) {
    const ssize_t w = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (w < 0 && errno != EAGAIN) return drop(c, std::string("send: ") + std::strerror(errno));
    if (w > 0) c.out.erase(0, size_t(w));
    if (c.out.empty()) watch(c, false);
    return true;
  }

  // Client frames are masked (RFC 6455 5.3) with a fresh key each.
  bool send_frame(Conn& c, int opcode, const char* payload, size_t n) {
    uint8_t h[14];
    size_t hl = 0;
    h[hl++] = uint8_t(0x80 | opcode);
    if (n < 126) {
      h[hl++] = uint8_t(0x80 | n);
    } else if (n < 65536) {
      h[hl++] = 0x80 | 126, h[hl++] = uint8_t(n >> 8), h[hl++] = uint8_t(n);
    } else {
      h[hl++] = 0x80 | 127;
      for (int s = 56; s >= 0; s -= 8) h[hl++] = uint8_t(uint64_t(n) >> s);
    }
    const uint32_t key = uint32_t(rng.next() >> 16);
    std::memcpy(h + hl, &key, 4);
    const uint8_t* mask = h + hl;
    hl += 4;
    frame.assign(reinterpret_cast<char*>(h), hl);
    frame.resize(hl + n);
    for (size_t i = 0; i < n; i++) frame[hl + i] = char(payload[i] ^ mask[i & 3]);
    return write(c, frame.data(), frame.size());
  }

  // Like ws_load.js message(): an 8-digit sequence number, then 'x' up to SIZE.
  bool send_message(Conn& c, Clock::time_point now) {
    char head[16];
    std::snprintf(head, sizeof head, "%08llu", (unsigned long long)(c.seq++ % 100000000));
    std::memcpy(&c.expect[0], head, 8);
    c.awaiting = true;
    c.sent = now;
    return send_frame(c, 1, c.expect.data(), c.expect.size());
  }

  // A text frame and its continuations are compared piecewise with the
  // message in flight; on FIN the round trip is complete.
  bool on_data(Conn& c, bool fin, const uint8_t* p, uint64_t n) {
    if (c.got + n > c.expect.size() || std::memcmp(c.expect.data() + c.got, p, n) != 0) c.bad = true;
    c.got += n;
    if (!fin) return true;
    const auto now = Clock::now();
    hist.add(std::chrono::duration<double, std::micro>(now - c.sent).count());
    mismatches += c.bad || c.got != c.expect.size();
    done++;
    c.awaiting = c.in_message = false;
    return send_message(c, now);
  }

  bool on_frame(Conn& c, bool fin, int op, const uint8_t* p, uint64_t n) {
    switch (op) {
      case 0x9: return send_frame(c, 0xA, reinterpret_cast<const char*>(p), n);  // ping: pong
      case 0xA: return true;                                                   // unsolicited pong
      case 0x1:
        if (!c.awaiting || c.in_message) return drop(c, "text frame while none was expected");
        c.in_message = true, c.got = 0, c.bad = false;
        return on_data(c, fin, p, n);
      case 0x0:
        if (!c.in_message) return drop(c, "continuation frame outside a message");
        return on_data(c, fin, p, n);
      case 0x8: return drop(c, "server sent a close frame");
      default: return drop(c, "server sent opcode " + std::to_string(op) + ", not text");
    }
  }

  // Every complete frame in the buffer (several may come in one read); a
  // partial one stays for the next read.
  bool parse_frames(Conn& c) {
    size_t pos = 0;
    while (c.in_len - pos >= 2) {
      const uint8_t* p = c.in.data() + pos;
      const size_t avail = c.in_len - pos;
      if ((p[0] & 0x70) || (p[1] & 0x80)) return drop(c, "reserved bits or mask set in a server frame");
      uint64_t n = p[1] & 0x7f;
      size_t hl = 2;
      if (n == 126) {
        if (avail < 4) break;
        n = uint64_t(p[2]) << 8 | p[3], hl = 4;
      } else if (n == 127) {
        if (avail < 10) break;
        n = 0, hl = 10;
        for (int i = 2; i < 10; i++) n = n << 8 | p[i];
      }
      if (n > kMaxFrame) return drop(c, "frame of " + std::to_string(n) + " bytes");
      if (avail - hl < n) break;
      if (!on_frame(c, p[0] & 0x80, p[0] & 0x0f, p + hl, n)) return false;
      pos += hl + n;
    }
    std::memmove(c.in.data(), c.in.data() + pos, c.in_len - pos);
    c.in_len -= pos;
    return true;
  }

  // The 101 response: status and Sec-WebSocket-Accept checked; whatever
  // follows the blank line is already frame data.
  bool finish_handshake(Conn& c) {
    const char* b = reinterpret_cast<const char*>(c.in.data());
    const std::string buf(b, c.in_len);
    const size_t end = buf.find("\r\n\r\n");
    if (end == std::string::npos) return c.in_len < 16384 || drop(c, "handshake response too long");
    const std::string status = buf.substr(0, buf.find("\r\n"));
    if (status.compare(0, 12, "HTTP/1.1 101") != 0) return drop(c, "handshake answered: " + status);
    std::string accept;
    for (size_t at = status.size() + 2; at < end;) {
      const size_t eol = buf.find("\r\n", at), colon = buf.find(':', at);
      std::string name = buf.substr(at, std::min(colon, eol) - at);
      for (char& ch : name) ch = char(std::tolower(static_cast<unsigned char>(ch)));
      if (name == "sec-websocket-accept" && colon < eol) {
        accept = buf.substr(colon + 1, eol - colon - 1);
        accept.erase(0, accept.find_first_not_of(" \t"));
        accept.erase(accept.find_last_not_of(" \t") + 1);
      }
      at = eol + 2;
    }
    if (accept != c.accept) return drop(c, "bad Sec-WebSocket-Accept '" + accept + "'");
    c.state = State::Open;
    opened++;
    std::memmove(c.in.data(), c.in.data() + end + 4, c.in_len - end - 4);
    c.in_len -= end + 4;
    return parse_frames(c);
  }

  void on_readable(Conn& c) {
    if (c.in.size() - c.in_len < 16384) c.in.resize(std::max(c.in.size() * 2, c.in_len + 65536));
    const ssize_t r = recv(c.fd, c.in.data() + c.in_len, c.in.size() - c.in_len, 0);
    if (r < 0 && errno == EAGAIN) return;
    if (r <= 0) {
      drop(c, r == 0 ? "server closed the connection" : std::string("recv: ") + std::strerror(errno));
      return;
    }
    c.in_len += size_t(r);
    if (c.state == State::Handshaking) finish_handshake(c);
    else parse_frames(c);
  }

  void start_handshake(Conn& c) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) { drop(c, "connect to " + opt.host_port + ": " + std::strerror(err)); return; }
    std::string key(16, '\0');
    for (char& ch : key) ch = char(rng.next());
    key = base64(key);
    c.accept = base64(sha1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
    const std::string req = "GET " + opt.path + " HTTP/1.1\r\nHost: " + opt.host_port +
        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
        "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    c.state = State::Handshaking;
    watch(c, false);
    write(c, req.data(), req.size());
  }

  void on_event(Conn& c, uint32_t ev) {
    if (c.state == State::Closed) return;
    if (c.state == State::Connecting) { start_handshake(c); return; }
    if ((ev & EPOLLOUT) && !c.out.empty() && !flush(c)) return;
    if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
  }

  void open_conn(Conn& c) {
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) fail(std::string("socket: ") + std::strerror(errno));
    const int one = 1;  // small frames must not wait for Nagle (node ws sets it too)
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const auto* addr = reinterpret_cast<const sockaddr*>(&opt.addr);
    if (connect(c.fd, addr, sizeof opt.addr) < 0 && errno != EINPROGRESS)
      fail("connect to " + opt.host_port + ": " + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u32 = uint32_t(&c - conns.data());
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }

  void poll_until(Clock::time_point deadline) {
    epoll_event evs[256];
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    const int wait_ms = running && opt.spin ? 0 : int(std::max<long long>(0, left));
    const int n = epoll_wait(ep, evs, 256, wait_ms);
    if (n < 0 && errno != EINTR) fail(std::string("epoll_wait: ") + std::strerror(errno));
    for (int i = 0; i < n; i++) on_event(conns[evs[i].data.u32], evs[i].events);
  }

  void run() {
    std::random_device rd;
    rng.s = (uint64_t(rd()) << 32 | rd()) | 1;
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) fail(std::string("epoll_create1: ") + std::strerror(errno));
    conns.resize(size_t(opt.connections));
    for (Conn& c : conns) {
      c.expect = std::string(8, '0') + std::string(size_t(std::max(0L, opt.size - 8)), 'x');
      open_conn(c);
    }
    const auto open_by = Clock::now() + std::chrono::seconds(10);
    while (opened < opt.connections && Clock::now() < open_by) poll_until(open_by);
    if (opened < opt.connections)
      fail(std::to_string(opened) + " of " + std::to_string(opt.connections) +
           " connections opened within 10 s");

    running = true;
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(opt.seconds));
    for (Conn& c : conns) send_message(c, start);
    while (Clock::now() < end) poll_until(end);
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("RESULT requests=%llu seconds=%.3f rps=%.1f p50_us=%lld p99_us=%lld errors=%llu "
                "status_errors=0\n", (unsigned long long)done, secs, double(done) / secs,
                hist.percentile(50), hist.percentile(99), (unsigned long long)(errors + mismatches));
  }
};

[[noreturn]] void usage(const std::string& why) {
  fail(why + "\nusage: ws_load ws://127.0.0.1:PORT/path [--connections N] [--seconds S] [--size B] [--spin]");
}

// ws://A.B.C.D:PORT/path; only IPv4 literals, which is all the bench uses.
void parse_url(const std::string& url, Options& o) {
  if (url.compare(0, 5, "ws://") != 0) usage("URL must start with ws:// (got '" + url + "')");
  const size_t slash = url.find('/', 5);
  o.host_port = url.substr(5, slash == std::string::npos ? std::string::npos : slash - 5);
  o.path = slash == std::string::npos ? "/" : url.substr(slash);
  const size_t colon = o.host_port.rfind(':');
  const std::string host = o.host_port.substr(0, colon);
  const long port = colon == std::string::npos ? 80 : std::atol(o.host_port.c_str() + colon + 1);
  o.addr.sin_family = AF_INET;
  o.addr.sin_port = htons(uint16_t(port));
  if (inet_pton(AF_INET, host.c_str(), &o.addr.sin_addr) != 1)
    usage("host must be an IPv4 literal such as 127.0.0.1 (got '" + host + "')");
  if (port <= 0 || port > 65535) usage("bad port in '" + url + "'");
}

double number(const char* s, double lo, double hi, const char* what) {
  char* end = nullptr;
  const double v = std::strtod(s, &end);
  if (end == s || *end != '\0' || !(v >= lo && v <= hi)) usage(std::string("bad ") + what + " '" + s + "'");
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  Load load;
  std::string url;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    Options& o = load.opt;
    if (a == "--connections" && has_value) o.connections = int(number(argv[++i], 1, 50000, "--connections"));
    else if (a == "--seconds" && has_value) o.seconds = number(argv[++i], 0.001, 86400, "--seconds");
    else if (a == "--size" && has_value) o.size = long(number(argv[++i], 1, double(kMaxFrame), "--size"));
    else if (a == "--spin") o.spin = true;
    else if (a.compare(0, 2, "--") != 0 && url.empty()) url = a;
    else usage("unknown argument " + a);
  }
  if (url.empty()) usage("no URL");
  parse_url(url, load.opt);
  load.run();
  return 0;
}
