#include "worker/compress/gzip_filter.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/support/decompress.h"

namespace hearth {
namespace {

Request request_accepting(const char* accept_encoding) {
  Request req;
  req.method = "GET";
  req.path = "/json";
  if (accept_encoding != nullptr) req.headers.set("Accept-Encoding", accept_encoding);
  return req;
}

nlohmann::json big_json() {
  nlohmann::json j = nlohmann::json::array();
  for (int i = 0; i < 100; i++) j.push_back({{"id", i}, {"message", "Hello, World!"}});
  return j;
}

std::string header(const Response& res, const char* name) {
  const std::string* v = res.headers.find(name);
  return v ? *v : "(none)";
}

TEST(GzipFilter, CompressesAJsonBodyForAGzipClient) {
  GzipFilter filter{GzipConfig()};
  Response res;
  res.json(big_json());
  res.headers.set("ETag", "\"v1\"");
  res.headers.set("Content-Length", std::to_string(res.body.size()));
  const std::string original = res.body;

  filter.apply(request_accepting("gzip, deflate, br, zstd"), &res);
  EXPECT_EQ(header(res, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(res, "Vary"), "Accept-Encoding");
  EXPECT_EQ(header(res, "Content-Length"), "(none)");
  EXPECT_EQ(header(res, "ETag"), "W/\"v1\"");
  EXPECT_EQ(header(res, "Content-Type"), "application/json");
  EXPECT_LT(res.body.size(), original.size());
  std::string back;
  ASSERT_TRUE(test::gunzip(res.body, &back));
  EXPECT_EQ(back, original);
}

TEST(GzipFilter, IdentityAnswersVaryToo) {
  GzipFilter filter{GzipConfig()};
  for (const char* ae : {static_cast<const char*>(nullptr), "identity", "gzip;q=0", "br",
                         "gzip;q=abc", ";;"}) {
    Response res;
    res.json(big_json());
    const std::string original = res.body;
    filter.apply(request_accepting(ae), &res);
    EXPECT_EQ(header(res, "Content-Encoding"), "(none)") << (ae ? ae : "(absent)");
    EXPECT_EQ(header(res, "Vary"), "Accept-Encoding") << (ae ? ae : "(absent)");
    EXPECT_EQ(res.body, original);
  }
}

TEST(GzipFilter, ShortBodyStaysButVaries) {
  GzipConfig config;
  config.min_length = 1000;
  GzipFilter filter(config);
  Response res;
  res.text(std::string(999, 'a'));
  filter.apply(request_accepting("gzip"), &res);
  EXPECT_EQ(res.body, std::string(999, 'a'));
  EXPECT_EQ(header(res, "Vary"), "Accept-Encoding");
  res.text(std::string(1000, 'a'));
  filter.apply(request_accepting("gzip"), &res);
  EXPECT_EQ(header(res, "Content-Encoding"), "gzip");
}

TEST(GzipFilter, IncompressibleBodyIsGzippedAllTheSame) {
  GzipFilter filter{GzipConfig()};
  std::mt19937 rng(1);
  std::string noise(4096, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  Response res;
  res.text(noise);
  filter.apply(request_accepting("gzip"), &res);
  EXPECT_EQ(header(res, "Content-Encoding"), "gzip");
  std::string back;
  ASSERT_TRUE(test::gunzip(res.body, &back));
  EXPECT_EQ(back, noise);
}

TEST(GzipFilter, LeavesNonCandidatesAlone) {
  GzipFilter filter{GzipConfig()};
  const std::string body(2000, 'a');
  auto untouched = [&](Response res, const char* why) {
    Headers before = res.headers;
    filter.apply(request_accepting("gzip"), &res);
    EXPECT_EQ(res.body, body) << why;
    EXPECT_EQ(res.headers.fields(), before.fields()) << why;
  };
  Response png;
  png.body = body;
  png.headers.set("Content-Type", "image/png");
  untouched(png, "type not in the list");

  Response untyped;
  untyped.body = body;
  untouched(untyped, "no Content-Type");

  Response encoded;
  encoded.text(body);
  encoded.headers.set("Content-Encoding", "br");
  untouched(encoded, "already encoded");

  Response no_transform;
  no_transform.text(body);
  no_transform.headers.set("Cache-Control", "public, No-Transform");
  untouched(no_transform, "no-transform");

  for (int status : {101, 204, 206, 304}) {
    Response r;
    r.text(body, status);
    untouched(r, "status");
  }

  Response parts;
  parts.headers.set("Content-Type", "text/plain");
  body_parts(&parts).push_back(BodyPart::memory(body));
  parts.body = body;
  untouched(parts, "body in parts");
}

TEST(GzipFilter, OffMeansOff) {
  GzipConfig config;
  config.on_the_fly = false;
  GzipFilter filter(config);
  Response res;
  res.json(big_json());
  const std::string original = res.body;
  filter.apply(request_accepting("gzip"), &res);
  EXPECT_EQ(res.body, original);
  EXPECT_FALSE(res.headers.has("Vary"));
  EXPECT_FALSE(res.headers.has("Content-Encoding"));
}

TEST(GzipFilter, ErrorPagesAreCompressedToo) {
  GzipFilter filter{GzipConfig()};
  Response res;
  res.html(std::string(3000, 'x'), 404);
  filter.apply(request_accepting("gzip"), &res);
  EXPECT_EQ(header(res, "Content-Encoding"), "gzip");
}

TEST(GzipFilter, HeaderNamesInAnyCaseAndTheFirstOfEach) {
  GzipFilter filter{GzipConfig()};
  Response lower;
  lower.body = "short";
  lower.headers.add("content-type", "TEXT/Plain; charset=utf-8");
  lower.headers.add("vary", "origin");
  filter.apply(request_accepting("gzip"), &lower);
  EXPECT_EQ(lower.headers.fields(),
            (std::vector<Headers::Field>{{"content-type", "TEXT/Plain; charset=utf-8"},
                                         {"Vary", "origin, Accept-Encoding"}}))
      << "the Vary field is replaced, at the end, as Headers::set does";

  Response first_type_counts;
  first_type_counts.body = "short";
  first_type_counts.headers.add("Content-Type", "image/png");
  first_type_counts.headers.add("Content-Type", "text/plain");
  filter.apply(request_accepting("gzip"), &first_type_counts);
  EXPECT_FALSE(first_type_counts.headers.has("Vary"));

  Response empty_encoding;
  empty_encoding.text("short");
  empty_encoding.headers.add("content-encoding", "");
  filter.apply(request_accepting("gzip"), &empty_encoding);
  EXPECT_FALSE(empty_encoding.headers.has("Vary")) << "any Content-Encoding field, even empty";

  Response cache;
  cache.text("short");
  cache.headers.add("cache-control", "no-store");
  cache.headers.add("Cache-Control", "no-transform");
  filter.apply(request_accepting("gzip"), &cache);
  EXPECT_EQ(header(cache, "Vary"), "Accept-Encoding") << "only the first Cache-Control is read";

  Response empty_vary;
  empty_vary.text("short");
  empty_vary.headers.add("Vary", "");
  empty_vary.headers.add("Vary", "Origin");
  filter.apply(request_accepting("gzip"), &empty_vary);
  EXPECT_EQ(empty_vary.headers.fields().back(), (Headers::Field{"Vary", "Accept-Encoding"}));
  EXPECT_EQ(empty_vary.headers.fields().size(), 2u) << "both Vary fields replaced by one";
}

TEST(GzipFilter, StatusesThatMayVary) {
  GzipFilter filter{GzipConfig()};
  for (int status : {200, 201, 301, 404, 500}) {
    Response res;
    res.text("short", status);
    filter.apply(request_accepting("gzip"), &res);
    EXPECT_EQ(header(res, "Vary"), "Accept-Encoding") << status;
  }
}

TEST(GzipFilterHelpers, VaryIsMergedOnce) {
  Headers h;
  add_vary_accept_encoding(&h);
  EXPECT_EQ(*h.find("Vary"), "Accept-Encoding");
  add_vary_accept_encoding(&h);
  EXPECT_EQ(*h.find("Vary"), "Accept-Encoding");

  Headers origin;
  origin.set("Vary", "Origin");
  add_vary_accept_encoding(&origin);
  EXPECT_EQ(*origin.find("Vary"), "Origin, Accept-Encoding");

  Headers lower;
  lower.set("vary", "origin,accept-encoding");
  add_vary_accept_encoding(&lower);
  EXPECT_EQ(*lower.find("Vary"), "origin,accept-encoding");

  Headers star;
  star.set("Vary", "*");
  add_vary_accept_encoding(&star);
  EXPECT_EQ(*star.find("Vary"), "*");
}

TEST(GzipFilterHelpers, WeakEtag) {
  EXPECT_EQ(weak_etag("\"abc\""), "W/\"abc\"");
  EXPECT_EQ(weak_etag("W/\"abc\""), "W/\"abc\"");
}

}  // namespace
}  // namespace hearth

namespace hearth {
namespace {

Response streamed(const char* type, const char* length) {
  Response res;
  res.headers.set("Content-Type", type);
  if (length != nullptr) res.headers.set("Content-Length", length);
  res.headers.set("ETag", "\"s\"");
  return res;
}

TEST(GzipFilterStream, ACompressibleStreamIsGzippedForAGzipClient) {
  GzipFilter filter{GzipConfig()};
  Response res = streamed("text/plain", "100000");
  EXPECT_TRUE(filter.start_stream(request_accepting("gzip"), &res));
  EXPECT_EQ(header(res, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(res, "Content-Length"), "(none)");
  EXPECT_EQ(header(res, "Vary"), "Accept-Encoding");
  EXPECT_EQ(header(res, "ETag"), "W/\"s\"");
}

TEST(GzipFilterStream, NotForIdentityClientsShortBodiesEncodedOnesOrEvents) {
  GzipFilter filter{GzipConfig()};
  Response identity = streamed("text/plain", nullptr);
  EXPECT_FALSE(filter.start_stream(request_accepting(nullptr), &identity));
  EXPECT_EQ(header(identity, "Vary"), "Accept-Encoding");
  EXPECT_EQ(header(identity, "Content-Encoding"), "(none)");
  Response short_body = streamed("text/plain", "10");
  EXPECT_FALSE(filter.start_stream(request_accepting("gzip"), &short_body));
  EXPECT_EQ(header(short_body, "Content-Length"), "10");
  Response encoded = streamed("text/plain", nullptr);
  encoded.headers.set("Content-Encoding", "br");
  EXPECT_FALSE(filter.start_stream(request_accepting("gzip"), &encoded));
  EXPECT_EQ(header(encoded, "Content-Encoding"), "br");
  Response events = streamed("text/event-stream", nullptr);
  EXPECT_FALSE(filter.start_stream(request_accepting("gzip"), &events));
  Response image = streamed("image/png", nullptr);
  EXPECT_FALSE(filter.start_stream(request_accepting("gzip"), &image));
}

}  // namespace
}  // namespace hearth
