#include "worker/static/byte_range.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hearth {
namespace {

using Kind = RangeRequest::Kind;

struct RangeCase {
  const char* header;
  uint64_t size;
  Kind kind;
  std::vector<ByteRange> want;  // only for kSatisfiable
};

std::string describe(const std::vector<ByteRange>& ranges) {
  std::string s;
  for (const ByteRange& r : ranges) s += std::to_string(r.first) + "-" + std::to_string(r.last) + " ";
  return s;
}

void check(const std::vector<RangeCase>& cases) {
  for (const RangeCase& c : cases) {
    SCOPED_TRACE(std::string("\"") + c.header + "\" size " + std::to_string(c.size));
    RangeRequest got = parse_range(c.header, c.size);
    EXPECT_EQ(static_cast<int>(got.kind), static_cast<int>(c.kind));
    EXPECT_EQ(describe(got.ranges), describe(c.want));
  }
}

TEST(ByteRange, SingleRanges) {
  check({
      {"bytes=0-99", 1000, Kind::kSatisfiable, {{0, 99}}},
      {"bytes=0-0", 1000, Kind::kSatisfiable, {{0, 0}}},
      {"bytes=100-199", 1000, Kind::kSatisfiable, {{100, 199}}},
      {"bytes=999-999", 1000, Kind::kSatisfiable, {{999, 999}}},   // the last byte
      {"bytes=999-", 1000, Kind::kSatisfiable, {{999, 999}}},
      {"bytes=500-", 1000, Kind::kSatisfiable, {{500, 999}}},
      {"bytes=0-", 1000, Kind::kSatisfiable, {{0, 999}}},
      {"bytes=900-5000", 1000, Kind::kSatisfiable, {{900, 999}}},  // last clamped to size
      {"bytes=0-18446744073709551615", 10, Kind::kSatisfiable, {{0, 9}}},  // UINT64_MAX fits
      {"bytes=-1", 1000, Kind::kSatisfiable, {{999, 999}}},
      {"bytes=-100", 1000, Kind::kSatisfiable, {{900, 999}}},
      {"bytes=-1000", 1000, Kind::kSatisfiable, {{0, 999}}},
      {"bytes=-5000", 1000, Kind::kSatisfiable, {{0, 999}}},      // suffix longer than the file
      {"bytes=0-0", 1, Kind::kSatisfiable, {{0, 0}}},             // size 1
      {"bytes=0-", 1, Kind::kSatisfiable, {{0, 0}}},
      {"bytes=-1", 1, Kind::kSatisfiable, {{0, 0}}},
      {"bytes=-7", 1, Kind::kSatisfiable, {{0, 0}}},
      {"bytes=0-5", 1, Kind::kSatisfiable, {{0, 0}}},
      {"bytes=007-008", 1000, Kind::kSatisfiable, {{7, 8}}},      // leading zeros are digits
  });
}

TEST(ByteRange, Unsatisfiable) {
  check({
      {"bytes=1000-", 1000, Kind::kUnsatisfiable, {}},
      {"bytes=1000-2000", 1000, Kind::kUnsatisfiable, {}},
      {"bytes=5000-", 1000, Kind::kUnsatisfiable, {}},
      {"bytes=-0", 1000, Kind::kUnsatisfiable, {}},
      {"bytes=1-1", 1, Kind::kUnsatisfiable, {}},
      {"bytes=1-", 1, Kind::kUnsatisfiable, {}},
      {"bytes=0-0", 0, Kind::kUnsatisfiable, {}},  // size 0 with any range
      {"bytes=0-", 0, Kind::kUnsatisfiable, {}},
      {"bytes=-1", 0, Kind::kUnsatisfiable, {}},
      {"bytes=-0", 0, Kind::kUnsatisfiable, {}},
      {"bytes=1000-1001,2000-", 1000, Kind::kUnsatisfiable, {}},
      {"bytes=-0,-0", 10, Kind::kUnsatisfiable, {}},
  });
}

TEST(ByteRange, MalformedMeansNone) {
  check({
      {"", 1000, Kind::kNone, {}},
      {"bytes", 1000, Kind::kNone, {}},
      {"bytes=", 1000, Kind::kNone, {}},
      {"bytes=,", 1000, Kind::kNone, {}},
      {"bytes= , ", 1000, Kind::kNone, {}},
      {"bytes=-", 1000, Kind::kNone, {}},
      {"bytes=--1", 1000, Kind::kNone, {}},
      {"bytes=a-b", 1000, Kind::kNone, {}},
      {"bytes=0", 1000, Kind::kNone, {}},
      {"bytes=0-1-2", 1000, Kind::kNone, {}},
      {"bytes=5-3", 1000, Kind::kNone, {}},       // last below first: invalid range-spec
      {"bytes=0 - 1", 1000, Kind::kNone, {}},     // no spaces inside a range-spec
      {"bytes=+0-1", 1000, Kind::kNone, {}},
      {"bytes=-+1", 1000, Kind::kNone, {}},
      {"bytes=0x10-0x20", 1000, Kind::kNone, {}},
      {"bytes=0-1;2-3", 1000, Kind::kNone, {}},
      {"bytes=0-1,x", 1000, Kind::kNone, {}},     // one bad spec spoils the header
      {"bytes=0-1,5-3", 1000, Kind::kNone, {}},
      {"bytes 0-1", 1000, Kind::kNone, {}},
      {"bytes:0-1", 1000, Kind::kNone, {}},
      {"bits=0-1", 1000, Kind::kNone, {}},
      {"items=0-1", 1000, Kind::kNone, {}},
      {"byte=0-1", 1000, Kind::kNone, {}},
      {"bytes =0-1", 1000, Kind::kNone, {}},
      {"bytes=18446744073709551616-", 1000, Kind::kNone, {}},  // UINT64_MAX + 1
      {"bytes=0-99999999999999999999999", 1000, Kind::kNone, {}},
      {"bytes=-18446744073709551616", 1000, Kind::kNone, {}},
      {"bytes=5-3", 0, Kind::kNone, {}},
  });
}

TEST(ByteRange, UnitAndWhitespace) {
  check({
      {"Bytes=0-1", 10, Kind::kSatisfiable, {{0, 1}}},
      {"BYTES=0-1", 10, Kind::kSatisfiable, {{0, 1}}},
      {"  bytes=0-1  ", 10, Kind::kSatisfiable, {{0, 1}}},
      {"bytes= 0-1", 10, Kind::kSatisfiable, {{0, 1}}},
      {"bytes=0-1 ,\t4-5", 10, Kind::kSatisfiable, {{0, 1}, {4, 5}}},
      {"bytes=0-1,,4-5,", 10, Kind::kSatisfiable, {{0, 1}, {4, 5}}},
      {"bytes=,0-1", 10, Kind::kSatisfiable, {{0, 1}}},
  });
}

TEST(ByteRange, SeveralRangesAreSortedAndMerged) {
  check({
      {"bytes=0-1,4-5", 10, Kind::kSatisfiable, {{0, 1}, {4, 5}}},
      {"bytes=4-5,0-1", 10, Kind::kSatisfiable, {{0, 1}, {4, 5}}},          // sorted
      {"bytes=0-4,2-6", 10, Kind::kSatisfiable, {{0, 6}}},                  // overlapping
      {"bytes=0-4,5-6", 10, Kind::kSatisfiable, {{0, 6}}},                  // adjacent
      {"bytes=0-4,6-7", 10, Kind::kSatisfiable, {{0, 4}, {6, 7}}},          // one byte apart
      {"bytes=0-9,2-3", 10, Kind::kSatisfiable, {{0, 9}}},                  // contained
      {"bytes=2-3,0-9", 10, Kind::kSatisfiable, {{0, 9}}},
      {"bytes=0-0,0-0", 10, Kind::kSatisfiable, {{0, 0}}},                  // duplicates
      {"bytes=0-1,-2", 10, Kind::kSatisfiable, {{0, 1}, {8, 9}}},           // suffix
      {"bytes=-3,0-", 10, Kind::kSatisfiable, {{0, 9}}},
      {"bytes=7-,-5", 10, Kind::kSatisfiable, {{5, 9}}},
      {"bytes=0-1,100-200", 10, Kind::kSatisfiable, {{0, 1}}},              // unsatisfiable one dropped
      {"bytes=100-,-0,3-3", 10, Kind::kSatisfiable, {{3, 3}}},
      {"bytes=8-,0-0,4-4,2-2,6-6", 10, Kind::kSatisfiable, {{0, 0}, {2, 2}, {4, 4}, {6, 6}, {8, 9}}},
      {"bytes=0-0,2-2,1-1", 10, Kind::kSatisfiable, {{0, 2}}},
      {"bytes=9-9,0-18446744073709551615", 10, Kind::kSatisfiable, {{0, 9}}},
  });
}

std::string many_ranges(int n) {
  std::string h = "bytes=";
  for (int i = 0; i < n; i++) h += (i ? "," : "") + std::to_string(i * 2) + "-" + std::to_string(i * 2);
  return h;
}

TEST(ByteRange, AtMostSixteenRanges) {
  RangeRequest sixteen = parse_range(many_ranges(16), 1000);
  ASSERT_EQ(sixteen.kind, Kind::kSatisfiable);
  EXPECT_EQ(sixteen.ranges.size(), 16u);
  EXPECT_EQ(sixteen.ranges.back().first, 30u);

  RangeRequest seventeen = parse_range(many_ranges(17), 1000);
  EXPECT_EQ(seventeen.kind, Kind::kNone);
  EXPECT_TRUE(seventeen.ranges.empty());

  // Counted as written, before merging: seventeen copies of one range are still abuse.
  std::string same = "bytes=0-0";
  for (int i = 0; i < 16; i++) same += ",0-0";
  EXPECT_EQ(parse_range(same, 1000).kind, Kind::kNone);
  // Empty elements do not count.
  EXPECT_EQ(parse_range(many_ranges(16) + std::string(100, ','), 1000).kind, Kind::kSatisfiable);
}

TEST(ByteRange, HugeSizes) {
  const uint64_t max = UINT64_MAX;
  check({
      {"bytes=-1", max, Kind::kSatisfiable, {{max - 1, max - 1}}},
      {"bytes=0-", max, Kind::kSatisfiable, {{0, max - 1}}},
      {"bytes=18446744073709551614-", max, Kind::kSatisfiable, {{max - 1, max - 1}}},
      {"bytes=18446744073709551615-", max, Kind::kUnsatisfiable, {}},
      {"bytes=0-18446744073709551615,5-", max, Kind::kSatisfiable, {{0, max - 1}}},
  });
}

TEST(ContentRange, Format) {
  EXPECT_EQ(content_range({0, 99}, 1000), "bytes 0-99/1000");
  EXPECT_EQ(content_range({999, 999}, 1000), "bytes 999-999/1000");
  EXPECT_EQ(content_range({0, 0}, 1), "bytes 0-0/1");
  EXPECT_EQ(content_range({UINT64_MAX - 1, UINT64_MAX - 1}, UINT64_MAX),
            "bytes 18446744073709551614-18446744073709551614/18446744073709551615");
  EXPECT_EQ(unsatisfied_content_range(1000), "bytes */1000");
  EXPECT_EQ(unsatisfied_content_range(0), "bytes */0");
  EXPECT_EQ(unsatisfied_content_range(UINT64_MAX), "bytes */18446744073709551615");
}

}  // namespace
}  // namespace hearth
