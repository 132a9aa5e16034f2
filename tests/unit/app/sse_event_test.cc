// format_sse_event (<hearth/reply.h>): the text/event-stream wire form
// (HTML Living Standard, "Server-sent events", 9.2.5 and 9.2.6).
#include <hearth/reply.h>

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(SseEvent, DataOnly) { EXPECT_EQ(format_sse_event("hello"), "data: hello\n\n"); }

TEST(SseEvent, NameAndIdComeFirst) {
  EXPECT_EQ(format_sse_event("x", "tick", "7"), "event: tick\nid: 7\ndata: x\n\n");
}

TEST(SseEvent, EveryLineOfDataIsADataField) {
  EXPECT_EQ(format_sse_event("a\nb\r\nc\rd"), "data: a\ndata: b\ndata: c\ndata: d\n\n");
  EXPECT_EQ(format_sse_event(""), "data: \n\n");
  EXPECT_EQ(format_sse_event("end\n"), "data: end\ndata: \n\n");
}

// A line break in a name or id would start a field of the app's choosing.
TEST(SseEvent, NameAndIdAreCutAtALineBreak) {
  EXPECT_EQ(format_sse_event("x", "tick\ndata: forged", "1\r\nretry: 1"), "event: tick\nid: 1\ndata: x\n\n");
}

}  // namespace
}  // namespace hearth
