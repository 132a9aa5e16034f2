// The table a fatal-signal handler reads: what it reports for each state,
// the requests kept for a replay, and entries it must not trust.
#include "worker/handover/handover_table.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ipc/handover.h"

namespace hearth {
namespace {

std::vector<HandoverTable::View> visible(const HandoverTable& table, int* corrupt = nullptr) {
  std::vector<HandoverTable::View> out;
  int bad = table.visit([&](const HandoverTable::View& v) { out.push_back(v); });
  if (corrupt != nullptr) *corrupt = bad;
  return out;
}

TEST(HandoverTable, ReportsEachConnectionInItsState) {
  HandoverTable table(8, 2);
  int idle = table.add(10, 0);
  int ws = table.add(11, 1);
  int busy = table.add(12, 0);
  table.set(idle, HandoverState::kIdle);
  table.set(ws, HandoverState::kWebSocket);
  auto views = visible(table);
  ASSERT_EQ(views.size(), 3u);
  EXPECT_EQ(views[0].fd, 10);
  EXPECT_EQ(views[0].state, HandoverState::kIdle);
  EXPECT_EQ(views[1].listener, 1);
  EXPECT_EQ(views[1].state, HandoverState::kWebSocket);
  EXPECT_EQ(views[2].state, HandoverState::kBusy) << "a new connection is busy until it says otherwise";
  table.remove(busy);
  EXPECT_EQ(visible(table).size(), 2u);
}

TEST(HandoverTable, KeepsARequestForAReplayUntilDropped) {
  HandoverTable table(4, 1);
  int a = table.add(20, 0);
  ASSERT_TRUE(table.keep_request(a, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto views = visible(table);
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].state, HandoverState::kWaiting);
  EXPECT_EQ(std::string(views[0].bytes, views[0].length), "GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
  // Kept again (with what was pipelined behind it): the same slot.
  ASSERT_TRUE(table.keep_request(a, "GET /x HTTP/1.1\r\n\r\nGET /y HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(visible(table)[0].length, 38u);
  // The only slot is taken: a second waiting request gets a 503 instead.
  int b = table.add(21, 0);
  EXPECT_FALSE(table.keep_request(b, "GET / HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(table.state(b), HandoverState::kWaitingNoReplay);
  table.drop_request(a);
  EXPECT_EQ(table.state(a), HandoverState::kBusy);
  EXPECT_TRUE(table.keep_request(b, "GET / HTTP/1.1\r\n\r\n")) << "the slot is free again";
}

TEST(HandoverTable, ARequestTooBigForAReplayIsAnswered503) {
  HandoverTable table(2, 2);
  int a = table.add(5, 0);
  EXPECT_FALSE(table.keep_request(a, std::string(kMaxReplayBytes + 1, 'x')));
  EXPECT_EQ(table.state(a), HandoverState::kWaitingNoReplay);
  EXPECT_TRUE(table.keep_request(a, std::string(kMaxReplayBytes, 'x')));
}

TEST(HandoverTable, ACorruptedEntryIsSkippedAndCounted) {
  HandoverTable table(4, 2);
  int a = table.add(30, 0);
  int b = table.add(31, 0);
  int c = table.add(32, 0);
  table.set(a, HandoverState::kIdle);
  table.set(b, HandoverState::kIdle);
  ASSERT_TRUE(table.keep_request(c, "GET / HTTP/1.1\r\n\r\n"));
  table.corrupt_for_test(b, 4, 0x7f);  // the fd
  int corrupt = 0;
  auto views = visible(table, &corrupt);
  EXPECT_EQ(corrupt, 1);
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views[0].fd, 30);
  EXPECT_EQ(views[1].fd, 32);
}

TEST(HandoverTable, AKeptRequestWhoseBytesChangedIsNotTrusted) {
  HandoverTable table(2, 1);
  int a = table.add(40, 0);
  ASSERT_TRUE(table.keep_request(a, "GET / HTTP/1.1\r\n\r\n"));
  // A stray write over the table's replay slot (after the entries).
  auto views = visible(table);
  ASSERT_EQ(views.size(), 1u);
  const_cast<char*>(views[0].bytes)[0] = 'P';
  int corrupt = 0;
  EXPECT_TRUE(visible(table, &corrupt).empty());
  EXPECT_EQ(corrupt, 1);
}

TEST(HandoverTable, AFullTableTracksNoMore) {
  HandoverTable table(2, 0);
  EXPECT_GE(table.add(1, 0), 0);
  EXPECT_GE(table.add(2, 0), 0);
  EXPECT_EQ(table.add(3, 0), -1);
  table.set(-1, HandoverState::kIdle);  // an untracked connection: nothing happens
  EXPECT_EQ(visible(table).size(), 2u);
}

}  // namespace
}  // namespace hearth
