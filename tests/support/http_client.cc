#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <llhttp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <chrono>

namespace hearth::test {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct ParseState {
  HttpResponse* out = nullptr;
  const Client::BodySink* sink = nullptr;  // null: the body goes to out->body
  std::string field;
  bool in_value = false;
  bool done = false;
};

int on_field(llhttp_t* p, const char* at, size_t len) {
  auto* s = static_cast<ParseState*>(p->data);
  if (s->in_value) s->field.clear();
  s->in_value = false;
  s->field.append(at, len);
  return 0;
}

int on_value(llhttp_t* p, const char* at, size_t len) {
  auto* s = static_cast<ParseState*>(p->data);
  std::string name = lower(s->field);
  if (!s->in_value && s->out->headers.count(name)) s->out->headers[name] += ", ";
  s->in_value = true;
  s->out->headers[name].append(at, len);
  return 0;
}

int on_body(llhttp_t* p, const char* at, size_t len) {
  auto* s = static_cast<ParseState*>(p->data);
  if (s->sink != nullptr) (*s->sink)(at, len);
  else s->out->body.append(at, len);
  return 0;
}

int on_complete(llhttp_t* p) {
  auto* s = static_cast<ParseState*>(p->data);
  s->done = true;
  s->out->status = p->status_code;
  s->out->keep_alive = llhttp_should_keep_alive(p) != 0;
  return HPE_PAUSED;  // one response per call: the rest stays buffered
}

int on_headers_complete_head(llhttp_t*) { return 1; }  // 1 = no body follows

}  // namespace

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

Client::~Client() { close(); }

void Client::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffered_.clear();
}

bool Client::connect(int port, int timeout_ms, int receive_buffer) {
  close();
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (receive_buffer > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close();
    return false;
  }
  return true;
}

bool Client::connect_unix(const std::string& path, int timeout_ms) {
  close();
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return false;
  fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, path.size());
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close();
    return false;
  }
  return true;
}

bool Client::send(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

bool Client::read_response(HttpResponse* out, int timeout_ms, bool head_request) {
  return read_one(out, timeout_ms, head_request, nullptr);
}

bool Client::read_response_streaming(HttpResponse* out, const BodySink& on_body, int timeout_ms) {
  return read_one(out, timeout_ms, false, &on_body);
}

bool Client::read_one(HttpResponse* out, int timeout_ms, bool head_request, const BodySink* sink) {
  *out = HttpResponse();
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  llhttp_settings_t settings;
  llhttp_settings_init(&settings);
  settings.on_header_field = on_field;
  settings.on_header_value = on_value;
  settings.on_body = on_body;
  settings.on_message_complete = on_complete;
  if (head_request) settings.on_headers_complete = on_headers_complete_head;
  llhttp_t parser;
  llhttp_init(&parser, HTTP_RESPONSE, &settings);
  ParseState state;
  state.out = out;
  state.sink = sink;
  parser.data = &state;
  // Bounded all the same: each round is one read (a streamed body may be 100s of MiB).
  const int max_rounds = sink != nullptr ? 10000000 : 100000;
  for (int rounds = 0; rounds < max_rounds; rounds++) {
    // 1xx responses are skipped: the caller wants the final answer.
    if (!buffered_.empty()) {
      llhttp_errno_t err = llhttp_execute(&parser, buffered_.data(), buffered_.size());
      if (state.done) {
        size_t used = err == HPE_PAUSED ? llhttp_get_error_pos(&parser) - buffered_.data() : buffered_.size();
        buffered_.erase(0, used);
        if (out->status >= 100 && out->status < 200) return read_one(out, remaining_ms(deadline), head_request, sink);
        return true;
      }
      if (err != HPE_OK) return false;
      buffered_.clear();
    }
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, remaining_ms(deadline)) <= 0) return false;
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return false;
    if (n == 0) {  // EOF may complete a close-delimited body
      llhttp_finish(&parser);
      return state.done;
    }
    buffered_.append(buf, static_cast<size_t>(n));
  }
  return false;
}

std::string Client::read_until_close(int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string all = buffered_;
  buffered_.clear();
  for (int rounds = 0; rounds < 100000; rounds++) {
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, remaining_ms(deadline)) <= 0) break;
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) break;
    all.append(buf, static_cast<size_t>(n));
  }
  return all;
}

bool Client::closed_by_server(int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (int rounds = 0; rounds < 100000; rounds++) {
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, remaining_ms(deadline)) <= 0) return false;
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return true;
  }
  return false;
}

HttpResponse http_request(int port, const std::string& method, const std::string& target,
                          const std::vector<std::string>& headers, const std::string& body) {
  Client c;
  HttpResponse res;
  if (!c.connect(port)) return res;
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const std::string& h : headers) req += h + "\r\n";
  if (!body.empty()) req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  if (!c.send(req)) return res;
  c.read_response(&res, 5000, method == "HEAD");
  return res;
}

HttpResponse http_get(int port, const std::string& target, const std::vector<std::string>& headers) {
  return http_request(port, "GET", target, headers);
}

}  // namespace hearth::test
