#include "worker/http/idle_connections.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(IdleConnections, OldestFirst) {
  IdleConnections list;
  IdleNode a, b, c;
  list.add(&a);
  list.add(&b);
  list.add(&c);
  EXPECT_EQ(list.size(), 3u);
  EXPECT_EQ(list.oldest(), &a);
  list.remove(&a);
  EXPECT_EQ(list.oldest(), &b);
  list.remove(&b);
  list.remove(&c);
  EXPECT_EQ(list.oldest(), nullptr);
  EXPECT_EQ(list.size(), 0u);
}

TEST(IdleConnections, AddingAgainMakesNewest) {
  IdleConnections list;
  IdleNode a, b;
  list.add(&a);
  list.add(&b);
  list.add(&a);  // a served another request and is idle again
  EXPECT_EQ(list.size(), 2u);
  EXPECT_EQ(list.oldest(), &b);
  list.remove(&b);
  EXPECT_EQ(list.oldest(), &a);
}

TEST(IdleConnections, RemovingFromTheMiddleKeepsOrder) {
  IdleConnections list;
  IdleNode a, b, c;
  list.add(&a);
  list.add(&b);
  list.add(&c);
  list.remove(&b);
  list.remove(&b);  // not on the list: nothing happens
  EXPECT_EQ(list.size(), 2u);
  EXPECT_FALSE(b.idle);
  list.remove(&a);
  EXPECT_EQ(list.oldest(), &c);
}

}  // namespace
}  // namespace hearth
