#include "tests/support/load_generator.h"

namespace hearth::test {

namespace {

constexpr size_t kFailuresKept = 5;

HttpResponse get_and_close(int port, const std::string& target) {
  return http_get(port, target, {"Connection: close"});
}

}  // namespace

LoadGenerator::LoadGenerator(int port, std::string target, int threads, Check check, bool retry_unanswered,
                             Connections connections)
    : port_(port), target_(std::move(target)), check_(std::move(check)), retry_unanswered_(retry_unanswered) {
  if (!check_) check_ = [](const HttpResponse& r) { return r.status == 200; };
  for (int i = 0; i < threads; i++) {
    if (connections == Connections::kKeepAlive) threads_.emplace_back([this] { run_keep_alive(); });
    else threads_.emplace_back([this] { run(); });
  }
}

LoadGenerator::~LoadGenerator() { stop(); }

LoadResult LoadGenerator::stop() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  std::lock_guard<std::mutex> lock(mu_);
  return result_;
}

void LoadGenerator::run() {
  for (int i = 0; i < kMaxRequestsPerThread && !stop_; i++) {
    HttpResponse reply = get_and_close(port_, target_);
    bool retried = false;
    if (retry_unanswered_ && reply.status == 0) {
      retried = true;
      reply = get_and_close(port_, target_);
    }
    record(reply, retried);
  }
}

void LoadGenerator::run_keep_alive() {
  Client client;
  for (int i = 0; i < kMaxRequestsPerThread && !stop_; i++) {
    bool reused = false;
    HttpResponse reply = keep_alive_get(&client, &reused);
    bool retried = reused && reply.status == 0 && reply.headers.empty();
    if (retried) reply = keep_alive_get(&client, &reused);
    record(reply, retried);
  }
}

HttpResponse LoadGenerator::keep_alive_get(Client* client, bool* reused) {
  HttpResponse reply;
  *reused = client->fd() >= 0;
  if (!*reused && !client->connect(port_)) return reply;
  if (!client->send("GET " + target_ + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") || !client->read_response(&reply)) {
    client->close();
    return reply;
  }
  if (!reply.keep_alive) client->close();
  return reply;
}

void LoadGenerator::record(const HttpResponse& reply, bool retried) {
  bool good = check_(reply);
  std::lock_guard<std::mutex> lock(mu_);
  if (retried) result_.retried++;
  if (good) {
    result_.ok++;
  } else {
    result_.failed++;
    if (result_.failures.size() < kFailuresKept) {
      result_.failures.push_back(reply.status != 0 ? "status " + std::to_string(reply.status) + ": " + reply.body
                                                   : "no complete response");
    }
  }
  done_++;
}

}  // namespace hearth::test
