#include "shared/ring_queue.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace hearth {
namespace {

TEST(RingQueue, EmptyOwnsNothingAndKeepsOrder) {
  RingQueue<int> q;
  EXPECT_TRUE(q.empty());
  for (int i = 0; i < 5; i++) q.push_back(i);
  ASSERT_EQ(q.size(), 5u);
  EXPECT_EQ(q.front(), 0);
  EXPECT_EQ(q.back(), 4);
  for (int i = 0; i < 5; i++) {
    EXPECT_EQ(q.front(), i);
    q.pop_front();
  }
  EXPECT_TRUE(q.empty());
}

TEST(RingQueue, WrapsAroundAndGrowsInOrder) {
  RingQueue<int> q;
  int next_in = 0, next_out = 0;
  // Push two, pop one, many times: the head walks round the ring as it grows.
  for (int round = 0; round < 100; round++) {
    q.push_back(next_in++);
    q.push_back(next_in++);
    EXPECT_EQ(q.front(), next_out++);
    q.pop_front();
  }
  size_t i = 0;
  for (int& v : q) EXPECT_EQ(v, next_out + static_cast<int>(i++));
  EXPECT_EQ(i, q.size());
  while (!q.empty()) {
    EXPECT_EQ(q.front(), next_out++);
    q.pop_front();
  }
  EXPECT_EQ(next_out, next_in);
}

TEST(RingQueue, PushFrontGoesBeforeEverything) {
  RingQueue<std::string> q;
  q.push_back("b");
  q.push_back("c");
  q.push_front("a");
  q.pop_front();
  q.push_front("a2");
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0], "a2");
  EXPECT_EQ(q[1], "b");
  EXPECT_EQ(q[2], "c");
}

// A popped slot must let go of what it held, or an idle connection would
// keep its last response's buffer.
TEST(RingQueue, PoppedSlotReleasesItsValue) {
  RingQueue<std::shared_ptr<int>> q;
  auto value = std::make_shared<int>(7);
  q.push_back(value);
  EXPECT_EQ(value.use_count(), 2);
  q.pop_front();
  EXPECT_EQ(value.use_count(), 1);

  RingQueue<std::string> strings;
  strings.push_back(std::string(4096, 'x'));
  strings.pop_front();
  strings.push_back("short");
  EXPECT_LT(strings.front().capacity(), 4096u);
}

TEST(RingQueue, ClearAndReleaseStorage) {
  RingQueue<std::shared_ptr<int>> q;
  auto value = std::make_shared<int>(1);
  for (int i = 0; i < 9; i++) q.push_back(value);
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(value.use_count(), 1);
  q.push_back(value);
  q.release_storage();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(value.use_count(), 1);
  q.push_back(value);
  EXPECT_EQ(*q.front(), 1);
}

}  // namespace
}  // namespace hearth
