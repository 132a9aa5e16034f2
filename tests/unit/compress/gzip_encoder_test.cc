#include "worker/compress/gzip_encoder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "tests/support/decompress.h"

namespace hearth {
namespace {

using test::gunzip;

std::string css_like(size_t n) {
  std::string s;
  for (int i = 0; s.size() < n; i++)
    s += ".rule-" + std::to_string(i % 97) + " { color: #" + std::to_string(i % 7) + "a0; margin: 0 }\n";
  s.resize(n);
  return s;
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(GzipCompress, RoundTripsAndShrinksText) {
  std::string in = css_like(16 * 1024);
  std::string gz, back;
  ASSERT_TRUE(gzip_compress(in, 1, &gz));
  EXPECT_LT(gz.size(), in.size() / 3);
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
  ASSERT_TRUE(gunzip(gz, &back));
  EXPECT_EQ(back, in);
}

TEST(GzipCompress, EmptyInputIsAValidEmptyMember) {
  std::string gz, back = "x";
  ASSERT_TRUE(gzip_compress("", 6, &gz));
  EXPECT_EQ(gz.size(), 20u);  // 10-byte header, empty final block, 8-byte trailer
  back.clear();
  ASSERT_TRUE(gunzip(gz, &back));
  EXPECT_EQ(back, "");
}

TEST(GzipCompress, IncompressibleAndOutOfRangeLevels) {
  std::string in = random_bytes(200 * 1024, 7);
  for (int level : {-3, 0, 1, 9, 42}) {
    std::string gz, back;
    ASSERT_TRUE(gzip_compress(in, level, &gz)) << level;
    ASSERT_TRUE(gunzip(gz, &back)) << level;
    EXPECT_EQ(back, in) << level;
  }
}

TEST(GzipCompress, ReusedStateStartsEachBodyAfresh) {
  // Same size class and level: the second body reuses the first's zlib state.
  std::string a = css_like(3000), b = std::string(3000, 'b');
  for (int round = 0; round < 3; round++) {
    for (const std::string* in : {&a, &b}) {
      std::string gz, back;
      ASSERT_TRUE(gzip_compress(*in, 1, &gz));
      ASSERT_TRUE(gunzip(gz, &back));
      EXPECT_EQ(back, *in);
    }
  }
}

TEST(GzipDeflater, WindowFitsTheKnownSize) {
  EXPECT_EQ(GzipDeflater(1, 0).window_bits(), 9);
  EXPECT_EQ(GzipDeflater(1, 100).window_bits(), 9);
  EXPECT_EQ(GzipDeflater(1, 16 * 1024).window_bits(), 14);
  EXPECT_EQ(GzipDeflater(1, 16 * 1024 + 1).window_bits(), 15);
  EXPECT_EQ(GzipDeflater(1).window_bits(), 15);
  EXPECT_EQ(GzipDeflater(0).level(), 1);
  EXPECT_EQ(GzipDeflater(12).level(), 9);
}

TEST(GzipDeflater, ResetStartsANewMember) {
  GzipDeflater d(6, 1000);
  std::string first, second, back;
  ASSERT_TRUE(d.write("first body", false, &first) && d.finish(&first));
  ASSERT_TRUE(d.reset());
  ASSERT_TRUE(d.write("second body", false, &second) && d.finish(&second));
  ASSERT_TRUE(gunzip(second, &back));
  EXPECT_EQ(back, "second body");
}

TEST(GzipDeflater, FlushedPiecesEachDecodeSoFar) {
  GzipDeflater d(1);
  std::string out;
  ASSERT_TRUE(d.write("hello ", true, &out));
  size_t after_first = out.size();
  EXPECT_GT(after_first, 10u);  // header plus a flushed block
  ASSERT_TRUE(d.write("world", true, &out));
  EXPECT_GT(out.size(), after_first);
  ASSERT_TRUE(d.finish(&out));
  EXPECT_FALSE(d.finish(&out));
  EXPECT_FALSE(d.write("late", true, &out));
  std::string back;
  ASSERT_TRUE(gunzip(out, &back));
  EXPECT_EQ(back, "hello world");
}

class GzipFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hearth-gzip-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/f.css";
  }
  void TearDown() override {
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }

  // Writes `content` with an mtime in the past, so that any later write
  // moves the mtime visibly even on a coarse clock.
  void write_file(const std::string& content) {
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    struct timespec past[2] = {{1000000000, 0}, {1000000000, 0}};
    ASSERT_EQ(::futimens(fd, past), 0);
    ::close(fd);
  }

  std::shared_ptr<OpenFile> open_file() {
    auto f = std::make_shared<OpenFile>();
    f->fd = ::open(path_.c_str(), O_RDONLY);
    struct stat st;
    EXPECT_EQ(::fstat(f->fd, &st), 0);
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->size = static_cast<uint64_t>(st.st_size);
    f->mtime = st.st_mtim.tv_sec;
    return f;
  }

  FileVersion version_of(int fd) {
    FileVersion v;
    EXPECT_TRUE(file_version_of_fd(fd, &v));
    return v;
  }

  // A stream over the file as it is now.
  std::unique_ptr<GzipFileStream> stream(int level, size_t chunk = GzipFileStream::kDefaultChunkBytes) {
    auto f = open_file();
    FileVersion v = version_of(f->fd);
    return std::make_unique<GzipFileStream>(f, v, level, chunk);
  }

  std::string dir_, path_;
};

TEST_F(GzipFileTest, WholeFileRoundTrips) {
  std::string in = css_like(300 * 1024);
  write_file(in);
  auto f = open_file();
  std::string gz, back, error;
  ASSERT_TRUE(gzip_file(f->fd, version_of(f->fd), 1, &gz, &error, 64 * 1024)) << error;
  ASSERT_TRUE(gunzip(gz, &back));
  EXPECT_EQ(back, in);
}

TEST_F(GzipFileTest, WholeFileOfZeroBytes) {
  write_file("");
  auto f = open_file();
  std::string gz, back, error;
  ASSERT_TRUE(gzip_file(f->fd, version_of(f->fd), 1, &gz, &error)) << error;
  ASSERT_TRUE(gunzip(gz, &back));
  EXPECT_EQ(back, "");
}

TEST_F(GzipFileTest, WholeFileRefusesAnotherVersion) {
  write_file(css_like(10000));
  auto f = open_file();
  FileVersion v = version_of(f->fd);
  std::string gz, error;

  FileVersion bigger = v;
  bigger.size += 100;  // the file "shrank" from what the caller saw
  EXPECT_FALSE(gzip_file(f->fd, bigger, 1, &gz, &error));
  EXPECT_NE(error, "");

  FileVersion older = v;
  older.mtime_ns -= 1;
  error.clear();
  EXPECT_FALSE(gzip_file(f->fd, older, 1, &gz, &error));
  EXPECT_EQ(error, "file changed while being compressed");
}

// Drains `s`, checking every piece is bounded. Returns the pieces' count.
int drain(GzipFileStream* s, std::string* all, size_t piece_limit) {
  int pieces = 0;
  std::string piece;
  for (int i = 0; i < 10000; i++) {
    piece.clear();
    if (!s->next(&piece)) break;
    EXPECT_LE(piece.size(), piece_limit);
    all->append(piece);
    pieces++;
  }
  return pieces;
}

TEST_F(GzipFileTest, StreamReadsOnePieceAtATime) {
  std::string in = random_bytes(300 * 1024, 3);  // incompressible: output ~ input
  write_file(in);
  auto stream_ptr = stream(1, 64 * 1024);
  GzipFileStream& s = *stream_ptr;
  std::string gz, back;
  EXPECT_EQ(drain(&s, &gz, 64 * 1024 + 256), 5);  // ceil(300 / 64)
  EXPECT_FALSE(s.failed());
  EXPECT_FALSE(s.next(&gz));
  ASSERT_TRUE(gunzip(gz, &back));
  EXPECT_EQ(back, in);
}

TEST_F(GzipFileTest, StreamOfCompressibleFile) {
  std::string in = css_like(1 << 20);
  write_file(in);
  auto stream_ptr = stream(6);
  GzipFileStream& s = *stream_ptr;
  std::string gz, back;
  EXPECT_EQ(drain(&s, &gz, 64 * 1024), 16);
  ASSERT_TRUE(gunzip(gz, &back));
  EXPECT_EQ(back, in);
}

TEST_F(GzipFileTest, StreamOfZeroByteFile) {
  write_file("");
  auto stream_ptr = stream(1);
  GzipFileStream& s = *stream_ptr;
  std::string gz, back;
  EXPECT_EQ(drain(&s, &gz, 64), 1);
  EXPECT_FALSE(s.failed());
  ASSERT_TRUE(gunzip(gz, &back));
  EXPECT_EQ(back, "");
}

TEST_F(GzipFileTest, FileShrinkingMidStreamTearsLoudly) {
  std::string in = css_like(200 * 1024);
  write_file(in);
  auto stream_ptr = stream(1, 64 * 1024);
  GzipFileStream& s = *stream_ptr;
  std::string gz, back;
  ASSERT_TRUE(s.next(&gz));
  ASSERT_EQ(::truncate(path_.c_str(), 100 * 1024), 0);
  std::string piece;
  EXPECT_FALSE(s.next(&piece));
  EXPECT_TRUE(piece.empty());
  EXPECT_TRUE(s.failed());
  EXPECT_EQ(s.error(), "file changed while being compressed");
  EXPECT_FALSE(s.next(&piece));
  // What went out cannot pass for a complete body.
  EXPECT_FALSE(gunzip(gz, &back));
}

TEST_F(GzipFileTest, FileRewrittenInPlaceMidStreamTears) {
  std::string in = css_like(200 * 1024);
  write_file(in);
  auto stream_ptr = stream(1, 64 * 1024);
  GzipFileStream& s = *stream_ptr;
  std::string gz;
  ASSERT_TRUE(s.next(&gz));
  int fd = ::open(path_.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, "XXXX", 4, 150 * 1024), 4);  // same size, new mtime
  ::close(fd);
  std::string piece;
  EXPECT_FALSE(s.next(&piece));
  EXPECT_TRUE(s.failed());
}

TEST_F(GzipFileTest, FileGrowingMidStreamTears) {
  write_file(css_like(200 * 1024));
  auto stream_ptr = stream(1, 64 * 1024);
  GzipFileStream& s = *stream_ptr;
  std::string gz;
  ASSERT_TRUE(s.next(&gz));
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "more", 4), 4);
  ::close(fd);
  std::string piece;
  EXPECT_FALSE(s.next(&piece));
  EXPECT_TRUE(s.failed());
}

TEST_F(GzipFileTest, StreamRefusesAFileThatIsNoLongerWhatHeadersSaid) {
  write_file(css_like(1000));
  auto f = open_file();
  FileVersion headers_version = version_of(f->fd);
  headers_version.size = 2000;  // headers were made from another version
  GzipFileStream s(f, headers_version, 1);
  std::string piece;
  EXPECT_FALSE(s.next(&piece));
  EXPECT_TRUE(s.failed());
  EXPECT_EQ(s.error(), "file changed before being compressed");
  EXPECT_TRUE(piece.empty());
}

}  // namespace
}  // namespace hearth
