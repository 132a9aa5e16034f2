#include "worker/static/precompressed.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hearth {
namespace {

class PrecompressedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hearth-precomp-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    file_ = dir_ + "/app.js";
  }
  void TearDown() override {
    for (const std::string& p : made_) ::unlink(p.c_str());
    ::rmdir((dir_ + "/app.js.gz").c_str());
    ::rmdir(dir_.c_str());
  }
  void make(const std::string& path, time_t mtime) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    struct timespec t[2] = {{mtime, 0}, {mtime, 0}};
    ASSERT_EQ(::futimens(fd, t), 0);
    ::close(fd);
    made_.push_back(path);
  }
  std::string dir_, file_;
  std::vector<std::string> made_;
};

TEST_F(PrecompressedTest, FindsSiblingsNotOlderThanTheFile) {
  make(file_, 1000);
  auto file = open_regular_file(file_);
  ASSERT_NE(file, nullptr);
  EXPECT_TRUE(find_siblings(file_, file.get(), open_regular_file).available().empty());

  make(file_ + ".gz", 1000);  // same mtime, as gzip -k leaves it
  make(file_ + ".br", 2000);  // newer
  Siblings s = find_siblings(file_, file.get(), open_regular_file);
  ASSERT_NE(s.gzip, nullptr);
  ASSERT_NE(s.brotli, nullptr);
  EXPECT_EQ(s.gzip->mtime, 1000);
  EXPECT_EQ(s.brotli->mtime, 2000);
  EXPECT_EQ(s.get(Encoding::kBrotli), s.brotli);
  EXPECT_EQ(s.get(Encoding::kIdentity), nullptr);
}

TEST_F(PrecompressedTest, OlderSiblingIsStaleAndIgnored) {
  make(file_, 1000);
  make(file_ + ".gz", 999);
  make(file_ + ".br", 1000);
  auto file = open_regular_file(file_);
  EncodingSet s = find_siblings(file_, file.get(), open_regular_file).available();
  EXPECT_FALSE(s.has(Encoding::kGzip));
  EXPECT_TRUE(s.has(Encoding::kBrotli));
}

TEST_F(PrecompressedTest, AbsentFileTakesAnySibling) {
  make(file_ + ".gz", 5);
  EncodingSet s = find_siblings(file_, nullptr, open_regular_file).available();
  EXPECT_TRUE(s.has(Encoding::kGzip));
  EXPECT_FALSE(s.has(Encoding::kBrotli));
}

TEST_F(PrecompressedTest, DirectoryNamedLikeASiblingDoesNotCount) {
  ASSERT_EQ(::mkdir((file_ + ".gz").c_str(), 0755), 0);
  EXPECT_EQ(open_regular_file(file_ + ".gz"), nullptr);
  EXPECT_TRUE(find_siblings(file_, nullptr, open_regular_file).available().empty());
}

TEST(Precompressed, UsesTheGivenOpener) {
  std::vector<std::string> asked;
  FileOpener open = [&](const std::string& path) -> std::shared_ptr<const OpenFile> {
    asked.push_back(path);
    if (path != "/www/a.css.gz") return nullptr;  // e.g. refused by the symlink rule
    auto f = std::make_shared<OpenFile>();
    f->mtime = 50;
    return f;
  };
  OpenFile file;
  file.mtime = 50;
  EncodingSet s = find_siblings("/www/a.css", &file, open).available();
  EXPECT_TRUE(s.has(Encoding::kGzip));
  EXPECT_FALSE(s.has(Encoding::kBrotli));
  EXPECT_EQ(asked, (std::vector<std::string>{"/www/a.css.br", "/www/a.css.gz"}));
  EXPECT_EQ(sibling_path("/www/a.css", Encoding::kBrotli), "/www/a.css.br");
}

TEST(Precompressed, ChoiceForAnAbsentFile) {
  EncodingSet both = EncodingSet().add(Encoding::kGzip).add(Encoding::kBrotli);
  EncodingSet br_only = EncodingSet().add(Encoding::kBrotli);
  std::string chrome = "gzip, deflate, br, zstd", gzip_only = "gzip", identity = "identity",
              bad = "gzip;q=abc";
  EXPECT_EQ(choose_sibling_for_absent_file(&chrome, both), Encoding::kBrotli);
  EXPECT_EQ(choose_sibling_for_absent_file(&gzip_only, both), Encoding::kGzip);
  EXPECT_EQ(choose_sibling_for_absent_file(&gzip_only, br_only), Encoding::kIdentity);
  EXPECT_EQ(choose_sibling_for_absent_file(&identity, both), Encoding::kIdentity);
  EXPECT_EQ(choose_sibling_for_absent_file(nullptr, both), Encoding::kGzip);
  EXPECT_EQ(choose_sibling_for_absent_file(nullptr, br_only), Encoding::kBrotli);
  EXPECT_EQ(choose_sibling_for_absent_file(&bad, both), Encoding::kGzip);
  EXPECT_EQ(choose_sibling_for_absent_file(nullptr, EncodingSet()), Encoding::kIdentity);
}

}  // namespace
}  // namespace hearth
