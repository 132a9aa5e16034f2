#include "worker/upstream/balancer.h"

#include <gtest/gtest.h>

#include <map>

namespace hearth {
namespace {

UpstreamConfig three_servers() {
  UpstreamConfig config;
  for (const char* text : {"127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"}) {
    UpstreamAddress a;
    std::string error;
    EXPECT_TRUE(parse_upstream_address(text, &a, &error)) << error;
    config.servers.push_back(a);
  }
  config.fail_timeout_ms = 1000;
  return config;
}

TEST(Balancer, TakesTurnsWhenLoadIsEqual) {
  Balancer b(three_servers(), nullptr);
  std::map<std::string, int> picks;
  for (int i = 0; i < 30; i++) {
    ServerRef s = b.pick({}, 0);
    ASSERT_TRUE(s);
    picks[s->address.text]++;
    b.finished(s);
  }
  EXPECT_EQ(picks.size(), 3u);
  for (auto& p : picks) EXPECT_EQ(p.second, 10) << p.first;
}

TEST(Balancer, LeastOutstandingFirst) {
  Balancer b(three_servers(), nullptr);
  ServerRef a = b.pick({}, 0);
  ServerRef c = b.pick({}, 0);
  ServerRef third = b.pick({}, 0);
  EXPECT_NE(a, c);
  EXPECT_NE(c, third);
  b.finished(c);
  EXPECT_EQ(b.pick({}, 0), c);  // the only one with nothing in flight
}

TEST(Balancer, DownServerSitsOutItsFailTimeout) {
  Balancer b(three_servers(), nullptr);
  ServerRef down = b.pick({}, 0);
  b.finished(down);
  b.mark_down(down, 100);
  for (int i = 0; i < 10; i++) {
    ServerRef s = b.pick({}, 500);
    EXPECT_NE(s, down);
    b.finished(s);
  }
  bool back = false;
  for (int i = 0; i < 3; i++) {
    ServerRef s = b.pick({}, 1200);
    back = back || s == down;
    b.finished(s);
  }
  EXPECT_TRUE(back);
}

TEST(Balancer, AllDownStillTriesTheOneBackSoonest) {
  Balancer b(three_servers(), nullptr);
  std::vector<ServerRef> all = b.servers();
  b.mark_down(all[0], 300);
  b.mark_down(all[1], 100);
  b.mark_down(all[2], 200);
  EXPECT_EQ(b.pick({}, 150), all[1]);
}

TEST(Balancer, TriedServersAreAvoidedWhileOthersRemain) {
  Balancer b(three_servers(), nullptr);
  std::vector<ServerRef> all = b.servers();
  std::vector<ServerRef> tried = {all[0], all[1]};
  for (int i = 0; i < 5; i++) {
    ServerRef s = b.pick(tried, 0);
    EXPECT_EQ(s, all[2]);
    b.finished(s);
  }
}

TEST(Balancer, NoServersNoPick) {
  UpstreamConfig empty;
  Balancer b(empty, nullptr);
  EXPECT_FALSE(b.pick({}, 0));
}

}  // namespace
}  // namespace hearth

namespace hearth {
namespace {

TEST(Balancer, HasUntriedSaysWhetherAnotherServerRemains) {
  Balancer b(three_servers(), nullptr);
  std::vector<ServerRef> all = b.servers();
  EXPECT_TRUE(b.has_untried({}));
  EXPECT_TRUE(b.has_untried({all[0], all[1]}));
  EXPECT_FALSE(b.has_untried(all));
}

}  // namespace
}  // namespace hearth
