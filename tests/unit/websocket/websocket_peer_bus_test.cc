// Two and three peer buses on one loop stand in for workers.
#include "ipc/peer_bus.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

namespace hearth {
namespace {

class PeerBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);  // as in a worker: a dead peer is an error code, not a signal
    uv_loop_init(&loop_);
    instance_ = "test-" + std::to_string(getpid()) + "-" + std::to_string(counter_++);
  }
  void TearDown() override {
    for (auto& b : buses_) b->close();
    uv_run(&loop_, UV_RUN_DEFAULT);  // close callbacks
    buses_.clear();
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  PeerBus* add_bus(int64_t id) {
    buses_.push_back(std::make_unique<PeerBus>(&loop_, instance_, id, [this] { return peers_; }));
    std::string error;
    EXPECT_TRUE(buses_.back()->start(&error)) << error;
    return buses_.back().get();
  }

  // Runs the loop until `done` or `ms` pass.
  void run_until(const std::function<bool()>& done, uint64_t ms = 2000) {
    uint64_t deadline = uv_now(&loop_) + ms;
    while (!done() && uv_now(&loop_) < deadline) uv_run(&loop_, UV_RUN_NOWAIT), usleep(1000), uv_update_time(&loop_);
  }

  static int counter_;
  uv_loop_t loop_;
  std::string instance_;
  std::vector<int64_t> peers_;
  std::vector<std::unique_ptr<PeerBus>> buses_;
};
int PeerBusTest::counter_ = 0;

TEST_F(PeerBusTest, PublishReachesEveryOtherPeerButNotItself) {
  peers_ = {1, 2, 3};
  PeerBus* a = add_bus(1);
  PeerBus* b = add_bus(2);
  PeerBus* c = add_bus(3);
  std::vector<std::string> got[3];
  PeerBus* all[] = {a, b, c};
  for (int i = 0; i < 3; i++) {
    all[i]->subscribe("/chat", [&got, i](std::string_view p, bool binary) {
      got[i].push_back(std::string(p) + (binary ? "/b" : "/t"));
    });
  }
  EXPECT_EQ(a->publish("/chat", "hello", false), 2);
  EXPECT_EQ(b->publish("/chat", std::string("\0\1", 2), true), 2);
  run_until([&] { return got[0].size() == 1 && got[1].size() == 1 && got[2].size() == 2; });
  EXPECT_EQ(got[0], std::vector<std::string>{std::string("\0\1/b", 4)});
  EXPECT_EQ(got[1], std::vector<std::string>{"hello/t"});
  EXPECT_EQ(got[2], (std::vector<std::string>{"hello/t", std::string("\0\1/b", 4)}));
}

TEST_F(PeerBusTest, KeepsOrderAndCarriesLargeMessages) {
  peers_ = {1, 2};
  PeerBus* a = add_bus(1);
  PeerBus* b = add_bus(2);
  std::vector<size_t> sizes;
  b->subscribe("t", [&](std::string_view p, bool) { sizes.push_back(p.size()); });
  std::vector<size_t> sent = {0, 1, 70000, 1 << 20, 5};
  for (size_t n : sent) EXPECT_EQ(a->publish("t", std::string(n, 'x'), true), 1);
  run_until([&] { return sizes.size() == sent.size(); });
  EXPECT_EQ(sizes, sent);
  EXPECT_EQ(a->publish("t", std::string(PeerBus::kMaxFrameBytes, 'x'), true), 0);  // too big to relay
  EXPECT_EQ(a->dropped(), 1u);
}

TEST_F(PeerBusTest, UnknownTopicsAreIgnoredAndDeadPeersSkipped) {
  peers_ = {1, 2, 99};  // 99 never listens
  PeerBus* a = add_bus(1);
  PeerBus* b = add_bus(2);
  int got = 0;
  b->subscribe("known", [&](std::string_view, bool) { got++; });
  EXPECT_EQ(a->publish("unknown", "x", false), 1);
  EXPECT_EQ(a->publish("known", "x", false), 1);
  run_until([&] { return got == 1 && b->received() == 2; });
  EXPECT_EQ(got, 1);
  EXPECT_EQ(b->received(), 2u);
}

TEST_F(PeerBusTest, APeerThatGoesAwayIsReachedAgainWhenItComesBack) {
  peers_ = {1, 2};
  PeerBus* a = add_bus(1);
  PeerBus* b = add_bus(2);
  int got = 0;
  b->subscribe("t", [&](std::string_view, bool) { got++; });
  a->publish("t", "1", false);
  run_until([&] { return got == 1; });
  ASSERT_EQ(got, 1);
  b->close();  // the worker died
  run_until([] { return false; }, 100);  // let the close happen
  for (int i = 0; i < 3; i++) a->publish("t", "lost", false);
  run_until([] { return false; }, 100);
  PeerBus* b2 = add_bus(2);  // its replacement
  int got2 = 0;
  b2->subscribe("t", [&](std::string_view p, bool) { got2 += p == "again"; });
  run_until([&] {
    a->publish("t", "again", false);
    return got2 > 0;
  });
  EXPECT_GT(got2, 0);
}

TEST_F(PeerBusTest, SecondBusWithTheSameNameFailsToStart) {
  add_bus(1);
  PeerBus dup(&loop_, instance_, 1, [] { return std::vector<int64_t>(); });
  std::string error;
  EXPECT_FALSE(dup.start(&error));
  EXPECT_NE(error.find("hearth-"), std::string::npos) << error;
}

}  // namespace
}  // namespace hearth
