#include "tests/support/load_generator.h"

namespace hearth {
namespace test {

namespace {
constexpr size_t kFailuresKept = 5;
}

LoadGenerator::LoadGenerator(int port, std::string target, int threads, Check check, bool retry_unanswered)
    : port_(port), target_(std::move(target)), check_(std::move(check)), retry_unanswered_(retry_unanswered) {
  if (!check_) check_ = [](const HttpReply& r) { return r.status == 200; };
  for (int i = 0; i < threads; i++) threads_.emplace_back([this] { run(); });
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
    HttpReply reply = http_get(port_, target_);
    bool retried = false;
    if (retry_unanswered_ && !reply.got_bytes && reply.error.rfind("connect", 0) != 0) {
      retried = true;
      reply = http_get(port_, target_);
    }
    record(reply, retried);
  }
}

void LoadGenerator::record(const HttpReply& reply, bool retried) {
  bool good = check_(reply);
  std::lock_guard<std::mutex> lock(mu_);
  if (retried) result_.retried++;
  if (good) {
    result_.ok++;
  } else {
    result_.failed++;
    if (result_.failures.size() < kFailuresKept) {
      result_.failures.push_back(reply.status != 0 ? "status " + std::to_string(reply.status) + ": " + reply.body
                                                   : reply.error);
    }
  }
  done_++;
}

}  // namespace test
}  // namespace hearth
