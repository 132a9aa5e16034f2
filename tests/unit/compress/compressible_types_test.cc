#include "worker/compress/compressible_types.h"

#include <gtest/gtest.h>

#include "shared/config.h"

namespace hearth {
namespace {

TEST(CompressibleTypes, DefaultsCoverTextScriptsDataAndSvg) {
  CompressibleTypes types(GzipConfig().types);
  EXPECT_TRUE(types.matches("text/html; charset=utf-8"));
  EXPECT_TRUE(types.matches("text/css"));
  EXPECT_TRUE(types.matches("text/plain"));
  EXPECT_TRUE(types.matches("text/javascript"));
  EXPECT_TRUE(types.matches("application/javascript"));
  EXPECT_TRUE(types.matches("application/json"));
  EXPECT_TRUE(types.matches("image/svg+xml"));
  EXPECT_TRUE(types.matches("application/xml"));
  EXPECT_FALSE(types.matches("image/png"));
  EXPECT_FALSE(types.matches("application/octet-stream"));
  EXPECT_FALSE(types.matches("application/gzip"));
  EXPECT_FALSE(types.matches("video/mp4"));
}

TEST(CompressibleTypes, IgnoresCaseParametersAndSpaces) {
  CompressibleTypes types({"text/css", " Application/JSON "});
  EXPECT_TRUE(types.matches("TEXT/CSS"));
  EXPECT_TRUE(types.matches("  text/css ; charset=\"utf-8\""));
  EXPECT_TRUE(types.matches("application/json;charset=utf-8"));
  EXPECT_FALSE(types.matches("text/cssx"));
  EXPECT_FALSE(types.matches("text/cs"));
}

TEST(CompressibleTypes, WildcardSubtypeAndStructuredSuffix) {
  CompressibleTypes types({"text/*", "application/*+json"});
  EXPECT_TRUE(types.matches("text/anything"));
  EXPECT_FALSE(types.matches("text/"));
  EXPECT_FALSE(types.matches("textual/html"));
  EXPECT_TRUE(types.matches("application/problem+json"));
  EXPECT_TRUE(types.matches("application/ld+json"));
  EXPECT_FALSE(types.matches("application/+json"));
  EXPECT_FALSE(types.matches("application/json"));
}

TEST(CompressibleTypes, EverythingAndNothing) {
  EXPECT_TRUE(CompressibleTypes({"*"}).matches("image/png"));
  EXPECT_TRUE(CompressibleTypes({"*/*"}).matches("font/woff2"));
  EXPECT_FALSE(CompressibleTypes({"*"}).matches(""));
  EXPECT_FALSE(CompressibleTypes({"*"}).matches("garbage"));
  EXPECT_FALSE(CompressibleTypes({}).matches("text/html"));
  EXPECT_FALSE(CompressibleTypes({""}).matches("text/html"));
}

TEST(CompressibleTypes, MixedCaseTypesAgainstEveryKindOfPattern) {
  CompressibleTypes types({"TEXT/*", "application/*+JSON", "Image/SVG+XML"});
  EXPECT_TRUE(types.matches("Text/Html"));
  EXPECT_TRUE(types.matches("APPLICATION/PROBLEM+Json; charset=utf-8"));
  EXPECT_TRUE(types.matches("\timage/svg+xml\t"));
  EXPECT_FALSE(types.matches("image/svg"));
  EXPECT_FALSE(types.matches("application/json+problem"));
  EXPECT_FALSE(types.matches("TEXT"));
  EXPECT_FALSE(types.matches("; text/html"));
  EXPECT_FALSE(types.matches("   "));
  EXPECT_TRUE(CompressibleTypes({"*"}).matches("a/b"));
  EXPECT_TRUE(CompressibleTypes({"*"}).matches("/"));
  EXPECT_FALSE(CompressibleTypes({"*/json"}).matches("application/json")) << "a '*' major is no wildcard";
  EXPECT_TRUE(CompressibleTypes({"*/json"}).matches("*/JSON"));
}

TEST(CompressibleTypes, MediaTypeOf) {
  EXPECT_EQ(media_type_of("Text/HTML; charset=utf-8"), "text/html");
  EXPECT_EQ(media_type_of(" image/svg+xml "), "image/svg+xml");
  EXPECT_EQ(media_type_of(""), "");
}

}  // namespace
}  // namespace hearth
