#include "worker/compress/accept_encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace hearth {
namespace {

const EncodingSet kGzipOnly = EncodingSet().add(Encoding::kGzip);
const EncodingSet kBoth = EncodingSet().add(Encoding::kGzip).add(Encoding::kBrotli);
const EncodingSet kNone = EncodingSet();

struct Case {
  const char* header;     // nullptr = no Accept-Encoding at all
  EncodingSet available;
  Encoding expected;
  const char* who;
};

const Case kCases[] = {
    // Real clients.
    {"gzip, deflate, br, zstd", kBoth, Encoding::kBrotli, "Chrome 123+ / Edge"},
    {"gzip, deflate, br, zstd", kGzipOnly, Encoding::kGzip, "Chrome, no .br"},
    {"gzip, deflate, br", kBoth, Encoding::kBrotli, "Firefox / Safari"},
    {"gzip, deflate, br", kGzipOnly, Encoding::kGzip, "Firefox / Safari, no .br"},
    {"gzip, deflate", kBoth, Encoding::kGzip, "old Safari, Python requests"},
    {"deflate, gzip, br, zstd", kBoth, Encoding::kBrotli, "curl --compressed"},
    {"deflate, gzip", kGzipOnly, Encoding::kGzip, "curl --compressed, no brotli"},
    {"gzip,deflate", kGzipOnly, Encoding::kGzip, "Apache HttpClient"},
    {"gzip", kBoth, Encoding::kGzip, "Go net/http"},
    {"br;q=1.0, gzip;q=0.8, *;q=0.1", kBoth, Encoding::kBrotli, "Chromium fetch explicit"},
    {"identity", kBoth, Encoding::kIdentity, "wget"},
    {nullptr, kBoth, Encoding::kIdentity, "no header (Java, plain curl)"},
    {"", kBoth, Encoding::kIdentity, "empty: no coding wanted"},
    // q-values and wildcards.
    {"gzip;q=0", kGzipOnly, Encoding::kIdentity, "gzip refused"},
    {"gzip;q=0, br", kBoth, Encoding::kBrotli, "gzip refused, br ok"},
    {"*", kGzipOnly, Encoding::kGzip, "wildcard"},
    {"*", kBoth, Encoding::kBrotli, "wildcard prefers br"},
    {"*;q=0", kBoth, Encoding::kIdentity, "nothing acceptable: identity anyway"},
    {"gzip;q=0, *;q=0.5", kGzipOnly, Encoding::kIdentity, "gzip excluded, wildcard elsewhere"},
    {"gzip;q=0, *;q=0.5", kBoth, Encoding::kBrotli, "wildcard covers br"},
    {"identity;q=0", kGzipOnly, Encoding::kIdentity, "nothing acceptable offered"},
    {"identity;q=0, gzip", kGzipOnly, Encoding::kGzip, "identity refused"},
    {"identity, gzip;q=0.5", kGzipOnly, Encoding::kIdentity, "identity preferred"},
    {"gzip;q=0.5", kGzipOnly, Encoding::kGzip, "unnamed identity ranks last"},
    {"br;q=0.5, gzip;q=0.9", kBoth, Encoding::kGzip, "client prefers gzip"},
    {"br;q=0.9, gzip;q=0.9", kBoth, Encoding::kBrotli, "tie: server order"},
    {"gzip;q=0.001", kGzipOnly, Encoding::kGzip, "smallest positive q"},
    {"gzip;q=1.000", kGzipOnly, Encoding::kGzip, "q=1.000"},
    {"gzip;q=0.", kGzipOnly, Encoding::kIdentity, "q=0. is zero"},
    {"x-gzip", kGzipOnly, Encoding::kGzip, "x-gzip alias"},
    {"br", kGzipOnly, Encoding::kIdentity, "br accepted but not available"},
    {"gzip", kNone, Encoding::kIdentity, "nothing available"},
    {"zstd, compress, foo", kBoth, Encoding::kIdentity, "unknown codings ignored"},
    // Case and spaces.
    {"GZIP ; Q=0.5", kGzipOnly, Encoding::kGzip, "upper case, spaces"},
    {"  gzip\t;\tq=1 ,  br;q=0.1  ", kBoth, Encoding::kGzip, "tabs and spaces"},
    {"BR", kBoth, Encoding::kBrotli, "upper case br"},
    {", ,gzip,,", kGzipOnly, Encoding::kGzip, "empty list elements"},
    // Malformed: treated as absent, i.e. identity.
    {"gzip;q=abc", kGzipOnly, Encoding::kIdentity, "q not a number"},
    {";;", kGzipOnly, Encoding::kIdentity, "no coding"},
    {"q=2", kGzipOnly, Encoding::kIdentity, "'=' in a coding"},
    {"gzip;q=2", kGzipOnly, Encoding::kIdentity, "q above 1"},
    {"gzip;q=1.5", kGzipOnly, Encoding::kIdentity, "q above 1 with decimals"},
    {"gzip;q=0.1234", kGzipOnly, Encoding::kIdentity, "more than 3 decimals"},
    {"gzip;q=-0.5", kGzipOnly, Encoding::kIdentity, "negative q"},
    {"gzip;q=", kGzipOnly, Encoding::kIdentity, "empty q"},
    {"gzip;level=9", kGzipOnly, Encoding::kIdentity, "unknown parameter"},
    {"gzip;", kGzipOnly, Encoding::kIdentity, "dangling ';'"},
    {"gz ip", kGzipOnly, Encoding::kIdentity, "space inside a coding"},
    {"\"gzip\"", kGzipOnly, Encoding::kIdentity, "quoted coding"},
    {"gzip, identity;q=0, br;q=x", kBoth, Encoding::kIdentity, "one bad element spoils all"},
};

TEST(AcceptEncoding, RealAndEdgeHeaders) {
  for (const Case& c : kCases) {
    std::string header = c.header ? c.header : "";
    Encoding got = choose_encoding(c.header ? &header : nullptr, c.available);
    EXPECT_EQ(static_cast<int>(got), static_cast<int>(c.expected))
        << c.who << ": \"" << (c.header ? c.header : "(absent)") << "\"";
  }
}

// The memo answers like choose_encoding whether the header repeats or not.
TEST(AcceptEncoding, ChooserAgreesWithChooseEncoding) {
  EncodingChooser chooser;
  for (int pass = 0; pass < 2; pass++) {
    for (const Case& c : kCases) {
      std::string header = c.header ? c.header : "";
      const std::string* h = c.header ? &header : nullptr;
      for (int repeat = 0; repeat < 2; repeat++) {
        for (EncodingSet offer : {c.available, kNone, kGzipOnly, kBoth}) {
          EXPECT_EQ(static_cast<int>(chooser.choose(h, offer)), static_cast<int>(choose_encoding(h, offer)))
              << c.who << " offer " << int(offer.bits());
        }
      }
    }
  }
}

TEST(AcceptEncoding, ParsesQualitiesInThousandths) {
  AcceptEncoding a;
  ASSERT_TRUE(parse_accept_encoding("gzip;q=0.5, BR;Q=0.25, *;q=0", &a));
  ASSERT_EQ(a.entries.size(), 3u);
  EXPECT_EQ(a.entries[1].coding, "br");
  EXPECT_EQ(a.quality(Encoding::kGzip), 500);
  EXPECT_EQ(a.quality(Encoding::kBrotli), 250);
  EXPECT_EQ(a.quality(Encoding::kIdentity), 0);  // from "*;q=0"
}

TEST(AcceptEncoding, UnnamedWithoutWildcardIsUnknown) {
  AcceptEncoding a;
  ASSERT_TRUE(parse_accept_encoding("gzip", &a));
  EXPECT_EQ(a.quality(Encoding::kBrotli), -1);
  EXPECT_EQ(a.quality(Encoding::kIdentity), -1);
}

TEST(AcceptEncoding, BoundsTheNumberOfEntries) {
  std::string many;
  for (int i = 0; i < 64; i++) many += "c" + std::to_string(i) + ", ";
  AcceptEncoding a;
  EXPECT_TRUE(parse_accept_encoding(many, &a));
  many += "gzip";
  EXPECT_FALSE(parse_accept_encoding(many, &a));
  EXPECT_EQ(choose_encoding(&many, EncodingSet().add(Encoding::kGzip)), Encoding::kIdentity);
}

TEST(AcceptEncoding, TokensAndSuffixes) {
  EXPECT_STREQ(encoding_token(Encoding::kGzip), "gzip");
  EXPECT_STREQ(encoding_token(Encoding::kBrotli), "br");
  EXPECT_STREQ(encoding_suffix(Encoding::kGzip), ".gz");
  EXPECT_STREQ(encoding_suffix(Encoding::kBrotli), ".br");
  EXPECT_STREQ(encoding_suffix(Encoding::kIdentity), "");
}

}  // namespace
}  // namespace hearth
