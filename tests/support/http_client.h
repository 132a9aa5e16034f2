// A blocking HTTP/1.1 test client over real sockets on 127.0.0.1, with
// timeouts on every call. Responses are parsed with llhttp.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace hearth::test {

struct HttpResponse {
  int status = 0;                              // 0: no complete response
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // de-chunked
  bool keep_alive = false;
  std::string header(const std::string& lower_name) const;
  bool has(const std::string& lower_name) const { return headers.count(lower_name) != 0; }
};

class Client {
 public:
  Client() = default;
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // `receive_buffer` > 0 shrinks SO_RCVBUF (before connecting) to make a slow reader.
  bool connect(int port, int timeout_ms = 3000, int receive_buffer = 0);
  // The same over a unix stream socket.
  bool connect_unix(const std::string& path, int timeout_ms = 3000);
  bool send(const std::string& bytes);
  // Reads one response. `head_request`: the response has no body.
  bool read_response(HttpResponse* out, int timeout_ms = 5000, bool head_request = false);
  // Reads one response whose body is too big to keep: each piece goes to
  // `on_body` as it arrives (de-chunked) and out->body stays empty. The
  // sink may sleep to make a slow reader.
  using BodySink = std::function<void(const char* data, size_t size)>;
  bool read_response_streaming(HttpResponse* out, const BodySink& on_body, int timeout_ms = 60000);
  // Reads until the server closes (or timeout). Returns what arrived.
  std::string read_until_close(int timeout_ms = 5000);
  // True when the server closed the connection within `timeout_ms`.
  bool closed_by_server(int timeout_ms = 5000);
  void close();
  int fd() const { return fd_; }

 private:
  bool read_one(HttpResponse* out, int timeout_ms, bool head_request, const BodySink* sink);
  int fd_ = -1;
  std::string buffered_;  // bytes read past the last response
};

// One request on a fresh connection: "GET /path HTTP/1.1" plus `headers`.
HttpResponse http_request(int port, const std::string& method, const std::string& target,
                          const std::vector<std::string>& headers = {}, const std::string& body = "");
HttpResponse http_get(int port, const std::string& target, const std::vector<std::string>& headers = {});

}  // namespace hearth::test
