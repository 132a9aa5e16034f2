#include "worker/http/chunked_decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace hearth::http_syntax {
namespace {

struct Decoded {
  int status = 0;
  bool complete = false;
  size_t used = 0;
  std::string body;
};

Decoded decode(const std::string& in, size_t step, size_t max_body = 100, size_t max_trailer = 100) {
  ChunkedDecoder d;
  d.reset(max_body, max_trailer);
  Decoded out;
  for (size_t at = 0; at < in.size() && !d.complete(); at += step) {
    size_t n = std::min(step, in.size() - at);
    size_t got = d.decode(in.data() + at, n, &out.body);
    out.used += got;
    if (got < n) break;
  }
  out.status = d.status();
  out.complete = d.complete();
  return out;
}

TEST(ChunkedDecoder, Good) {
  struct Case {
    std::string in;
    std::string body;
  } cases[] = {
      {"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world"},
      {"0\r\n\r\n", ""},
      {"00005\r\nhello\r\n0\r\n\r\n", "hello"},
      {"A\r\n0123456789\r\n0\r\n\r\n", "0123456789"},
      {"5;a=b\r\nhello\r\n0;last\r\n\r\n", "hello"},
      {"5 ; a = b ; c\r\nhello\r\n0\r\n\r\n", "hello"},
      {"5;a=\"q \\\" ;\"\r\nhello\r\n0\r\n\r\n", "hello"},
      {"5\r\nhello\r\n0\r\nRange: bytes=0-1\r\nX-T:\r\n\r\n", "hello"},
  };
  for (const Case& c : cases) {
    for (size_t step : {1, 2, 7, 10000}) {
      Decoded d = decode(c.in + "NEXT", step);
      EXPECT_EQ(d.status, 0) << c.in << " step " << step;
      EXPECT_TRUE(d.complete) << c.in << " step " << step;
      EXPECT_EQ(d.body, c.body) << c.in << " step " << step;
      EXPECT_EQ(d.used, c.in.size()) << "stops at the end of the body: " << c.in;
    }
  }
}

TEST(ChunkedDecoder, Refuses) {
  struct Case {
    std::string in;
    int status;
  } cases[] = {
      {"5\r\nhelloXX0\r\n\r\n", 400},          // data longer than its size
      {"5\r\nhello\n0\r\n\r\n", 400},          // bare LF after data
      {"5\r\nhello\r\r0\r\n\r\n", 400},
      {"5\nhello\r\n0\r\n\r\n", 400},          // bare LF after the size
      {"5\rhello\r\n0\r\n\r\n", 400},
      {"5;a=b\nhello\r\n0\r\n\r\n", 400},      // bare LF after an extension
      {"5;a=\"b\nc\"\r\nhello\r\n0\r\n\r\n", 400},
      {"5 \r\nhello\r\n0\r\n\r\n", 400},       // whitespace must lead to ';'
      {"5;\r\nhello\r\n0\r\n\r\n", 400},       // ';' without a name
      {"5;a=\r\nhello\r\n0\r\n\r\n", 400},
      {"\r\n5\r\nhello\r\n0\r\n\r\n", 400},
      {"0x5\r\nhello\r\n0\r\n\r\n", 400},
      {"-5\r\nhello\r\n0\r\n\r\n", 400},
      {"+5\r\nhello\r\n0\r\n\r\n", 400},
      {"10000000000000000\r\n", 400},          // 2^64: overflow
      {"ffffffffffffffffff\r\n", 400},
      {"0\r\n\n", 400},
      {"0\r\n\r\r", 400},
      {"0\r\n\rX", 400},
      {"0\n\r\n", 400},
      {"0\r\nX: y\n\r\n", 400},                // bare LF in a trailer
      {"0\r\nX: y\r\n z\r\n\r\n", 400},        // obs-fold in the trailers
      {"0\r\nBad Name: y\r\n\r\n", 400},
      {"0\r\nX : y\r\n\r\n", 400},
      {"0\r\n: y\r\n\r\n", 400},
      {"0\r\nX: a\x01\r\n\r\n", 400},
      {"65\r\n", 413},                         // 101 > 100, refused at the size line
      {"32\r\n" + std::string(50, 'a') + "\r\n33\r\n", 413},
      {"fffffffffffffff\r\n", 413},
      {"0\r\nX: " + std::string(200, 'a') + "\r\n\r\n", 431},
      {"5;" + std::string(5000, 'a') + "\r\n", 400},
  };
  for (const Case& c : cases) {
    for (size_t step : {1, 3, 10000}) {
      Decoded d = decode(c.in, step);
      EXPECT_EQ(d.status, c.status) << c.in.substr(0, 40) << " step " << step;
      EXPECT_FALSE(d.complete) << c.in.substr(0, 40);
    }
  }
  EXPECT_EQ(decode("64\r\n" + std::string(100, 'a') + "\r\n0\r\n\r\n", 10000).status, 0) << "exactly the limit";
}

}  // namespace
}  // namespace hearth::http_syntax
