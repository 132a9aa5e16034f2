// The gzip codec (RFC 1952 through zlib's deflate): one-shot compression of a
// buffer, of a whole file, and a streaming encoder for files too large to
// keep. Policy (when to compress, what to cache) lives elsewhere.
//
// Levels outside 1..9 are clamped into it.
#pragma once

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "worker/static/file_version.h"
#include "worker/http/response_body.h"

namespace hearth {

// A deflate stream with the gzip wrapper, fed piece by piece.
// Memory: about 256 KiB of zlib state while alive, less when `size_hint`
// (the total input, when known) is small: the window and hash table are cut
// to fit it, as nginx does, which makes small bodies cheap to compress.
class GzipDeflater {
 public:
  static constexpr uint64_t kUnknownSize = UINT64_MAX;
  explicit GzipDeflater(int level, uint64_t size_hint = kUnknownSize);
  ~GzipDeflater();
  GzipDeflater(const GzipDeflater&) = delete;
  GzipDeflater& operator=(const GzipDeflater&) = delete;

  // Compresses `input`, appending output to *out. With `flush`, everything
  // fed so far is emitted (Z_SYNC_FLUSH), so a non-empty input always yields
  // output. Returns false if zlib failed or the stream was finished.
  bool write(std::string_view input, bool flush, std::string* out);
  // Appends the rest of the output and the gzip trailer. Once only.
  bool finish(std::string* out);
  // Starts a new gzip member with the same settings, reusing the memory.
  bool reset();
  int level() const { return level_; }
  int window_bits() const { return window_bits_; }

 private:
  bool deflate_all(std::string_view input, int flush_mode, std::string* out);
  z_stream zs_;
  int level_;
  int window_bits_;
  bool ready_ = false;
  bool finished_ = false;
};

// Compresses `input` as one complete gzip member appended to *out.
// Returns false only if zlib fails (out of memory). This and gzip_file()
// reuse per-thread zlib state (one per window size, at most 7): setting up
// and freeing it for every small body costs more than compressing it.
bool gzip_compress(std::string_view input, int level, std::string* out);

// Reads the first expected.size bytes of `fd` from offset 0, in pieces of
// `chunk_bytes`, and appends their gzip to *out. Every piece is checked
// against `expected` (fstat after the read): when the file is not that
// version throughout (shrunk, grown, rewritten) or a read fails, returns
// false, sets *error, and *out must not be used.
bool gzip_file(int fd, const FileVersion& expected, int level, std::string* out,
               std::string* error, size_t chunk_bytes = 64 * 1024);

// The gzip of a file as a chunked body, read and compressed one piece per
// next(): the worker never holds more than one piece of input (chunk_bytes)
// and its compressed output, whatever the file size.
//
// The bytes compressed are those of version `expected` of the file (the one
// the response headers were made from). If the file is, or becomes, another
// version (shrunk, grown, rewritten), next() returns false with failed()
// true and no gzip trailer written: the body is torn, and the writer closes
// the connection without the last chunk, so the client sees an incomplete
// response, never a complete-looking one.
class GzipFileStream : public BodyStream {
 public:
  static constexpr size_t kDefaultChunkBytes = 64 * 1024;

  // REQUIRES: file != nullptr and file->fd open.
  GzipFileStream(std::shared_ptr<const OpenFile> file, const FileVersion& expected, int level,
                 size_t chunk_bytes = kDefaultChunkBytes);

  bool next(std::string* out) override;
  bool failed() const override { return failed_; }
  const std::string& error() const { return error_; }

 private:
  bool start();
  bool fail(std::string why);

  std::shared_ptr<const OpenFile> file_;
  GzipDeflater deflater_;
  size_t chunk_bytes_;
  FileVersion version_;
  uint64_t offset_ = 0;
  std::string piece_;
  bool started_ = false;
  bool done_ = false;
  bool failed_ = false;
  std::string error_;
};

}  // namespace hearth
