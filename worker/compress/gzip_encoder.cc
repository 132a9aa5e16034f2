#include "worker/compress/gzip_encoder.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hearth {

namespace {

constexpr int kGzipWrapper = 16;  // added to windowBits: gzip header and trailer
constexpr int kMaxWindowBits = 15;
constexpr int kMinWindowBits = 9;
constexpr int kMaxMemLevel = 8;

int clamp_level(int level) { return std::min(9, std::max(1, level)); }

// The smallest window that still covers the whole input (nginx's rule):
// a window larger than the input only costs memory and set-up time.
int window_bits_for(uint64_t size_hint) {
  int bits = kMaxWindowBits;
  while (bits > kMinWindowBits && (uint64_t{1} << (bits - 1)) >= size_hint) bits--;
  return bits;
}

// Reads exactly `want` bytes at `offset` unless the file ends first.
// Returns the count read, or -1 on error (errno set).
ssize_t pread_full(int fd, char* buf, size_t want, uint64_t offset) {
  size_t got = 0;
  while (got < want) {
    ssize_t n = ::pread(fd, buf + got, want - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(got);
}

// Reads [offset, offset+want) of `fd` into *buf and checks that the file is
// still `expected` afterwards. Sets *error when not.
bool read_checked(int fd, const FileVersion& expected, uint64_t offset, size_t want,
                  std::string* buf, std::string* error) {
  buf->resize(want);
  ssize_t n = pread_full(fd, &(*buf)[0], want, offset);
  if (n < 0) {
    *error = std::string("pread() failed: ") + std::strerror(errno);
    return false;
  }
  FileVersion now;
  if (!file_version_of_fd(fd, &now)) {
    *error = std::string("fstat() failed: ") + std::strerror(errno);
    return false;
  }
  if (static_cast<size_t>(n) != want || now != expected) {
    *error = "file changed while being compressed";
    return false;
  }
  return true;
}

}  // namespace

GzipDeflater::GzipDeflater(int level, uint64_t size_hint)
    : level_(clamp_level(level)), window_bits_(window_bits_for(size_hint)) {
  std::memset(&zs_, 0, sizeof(zs_));
  int mem_level = std::max(1, kMaxMemLevel - (kMaxWindowBits - window_bits_));
  ready_ = deflateInit2(&zs_, level_, Z_DEFLATED, window_bits_ + kGzipWrapper, mem_level,
                        Z_DEFAULT_STRATEGY) == Z_OK;
}

bool GzipDeflater::reset() {
  if (!ready_ || deflateReset(&zs_) != Z_OK) return false;
  finished_ = false;
  return true;
}

GzipDeflater::~GzipDeflater() {
  if (ready_) deflateEnd(&zs_);
}

bool GzipDeflater::deflate_all(std::string_view input, int flush_mode, std::string* out) {
  zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs_.avail_in = static_cast<uInt>(input.size());
  // Grow *out by a bound of what this call can produce, then trim.
  size_t bound = deflateBound(&zs_, static_cast<uLong>(input.size())) + 64;
  for (;;) {
    size_t before = out->size();
    out->resize(before + bound);
    zs_.next_out = reinterpret_cast<Bytef*>(&(*out)[before]);
    zs_.avail_out = static_cast<uInt>(bound);
    int rc = deflate(&zs_, flush_mode);
    size_t produced = bound - zs_.avail_out;
    out->resize(before + produced);
    if (flush_mode == Z_FINISH ? rc == Z_STREAM_END : (zs_.avail_in == 0 && zs_.avail_out != 0))
      return true;
    if (rc != Z_OK && !(rc == Z_BUF_ERROR && produced > 0)) return false;  // no progress
  }
}

bool GzipDeflater::write(std::string_view input, bool flush, std::string* out) {
  if (!ready_ || finished_) return false;
  return deflate_all(input, flush ? Z_SYNC_FLUSH : Z_NO_FLUSH, out);
}

bool GzipDeflater::finish(std::string* out) {
  if (!ready_ || finished_) return false;
  finished_ = true;
  return deflate_all(std::string_view(), Z_FINISH, out);
}

namespace {

// A deflater for one body of `size_hint` bytes, reset and reused from the
// calling thread's pool (workers run one loop on one thread).
GzipDeflater& pooled_deflater(int level, uint64_t size_hint) {
  thread_local std::unique_ptr<GzipDeflater> pool[kMaxWindowBits - kMinWindowBits + 1];
  std::unique_ptr<GzipDeflater>& slot = pool[window_bits_for(size_hint) - kMinWindowBits];
  if (slot == nullptr || slot->level() != clamp_level(level) || !slot->reset())
    slot = std::make_unique<GzipDeflater>(level, size_hint);
  return *slot;
}

}  // namespace

bool gzip_compress(std::string_view input, int level, std::string* out) {
  GzipDeflater& deflater = pooled_deflater(level, input.size());
  return deflater.write(input, false, out) && deflater.finish(out);
}

bool gzip_file(int fd, const FileVersion& expected, int level, std::string* out,
               std::string* error, size_t chunk_bytes) {
  GzipDeflater& deflater = pooled_deflater(level, expected.size);
  std::string piece;
  chunk_bytes = std::max<size_t>(1, chunk_bytes);
  for (uint64_t offset = 0; offset < expected.size;) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(chunk_bytes, expected.size - offset));
    if (!read_checked(fd, expected, offset, want, &piece, error)) return false;
    if (!deflater.write(piece, false, out)) {
      *error = "deflate() failed";
      return false;
    }
    offset += want;
  }
  FileVersion now;
  if (expected.size == 0 && (!file_version_of_fd(fd, &now) || now != expected)) {
    *error = "file changed while being compressed";
    return false;
  }
  if (!deflater.finish(out)) {
    *error = "deflate() failed";
    return false;
  }
  return true;
}

GzipFileStream::GzipFileStream(std::shared_ptr<const OpenFile> file, const FileVersion& expected,
                               int level, size_t chunk_bytes)
    : file_(std::move(file)),
      deflater_(level, expected.size),
      chunk_bytes_(std::max<size_t>(1, chunk_bytes)),
      version_(expected) {}

bool GzipFileStream::fail(std::string why) {
  failed_ = true;
  done_ = true;
  error_ = std::move(why);
  piece_.clear();
  piece_.shrink_to_fit();
  return false;
}

// Checks, before the first byte, that the file is still the version the
// response headers were made from.
bool GzipFileStream::start() {
  started_ = true;
  FileVersion now;
  if (!file_version_of_fd(file_->fd, &now))
    return fail(std::string("fstat() failed: ") + std::strerror(errno));
  if (now != version_) return fail("file changed before being compressed");
  return true;
}

bool GzipFileStream::next(std::string* out) {
  if (done_) return false;
  if (!started_ && !start()) return false;
  size_t want = static_cast<size_t>(std::min<uint64_t>(chunk_bytes_, version_.size - offset_));
  if (want > 0) {
    if (!read_checked(file_->fd, version_, offset_, want, &piece_, &error_)) return fail(error_);
    offset_ += want;
  } else {
    piece_.clear();
  }
  bool last = offset_ == version_.size;
  bool ok = deflater_.write(piece_, !last, out) && (!last || deflater_.finish(out));
  if (!ok) return fail("deflate() failed");
  if (last) done_ = true;
  return true;
}

}  // namespace hearth
