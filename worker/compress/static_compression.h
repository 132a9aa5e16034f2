// Compression policy for static files: which representation of FILE a
// request gets - FILE itself, a precompressed sibling (FILE.br, FILE.gz), or
// FILE gzipped on the fly - and the headers that go with the choice. The
// static file handler asks choose(), then sends what it says.
//
// The choice: the client's Accept-Encoding (accept_encoding.h) picks among
// what the server has for FILE: its usable siblings (precompressed.h), and
// gzip on the fly when gzip.on_the_fly is on, FILE's type matches gzip.types
// and FILE is at least gzip.min_length bytes. A sibling beats on-the-fly gzip
// for the same coding. Every answer for a FILE that has a sibling or a
// compressible type carries `Vary: Accept-Encoding`, identity included.
//
// On the fly, each version of a file (FileVersion) is compressed once and
// kept in a CompressionCache of gzip.cache_bytes; files above
// gzip.stream_above stream through zlib in 64 KiB pieces, uncached. The ETag
// is nginx's, made weak (W/"mtime-size"). Range is ignored: the answer is the
// whole compressed body, 200, without Accept-Ranges (as nginx does).
// A sibling is a file like any other: one range of it is a 206 of its bytes
// (Content-Encoding names them); several ranges get the whole sibling, 200.
#pragma once

#include <memory>
#include <string>

#include "shared/config.h"
#include "worker/compress/accept_encoding.h"
#include "worker/compress/compression_cache.h"
#include "worker/compress/gzip_filter.h"
#include "worker/static/precompressed.h"
#include <hearth/request.h>
#include "worker/http/response_body.h"

namespace hearth {

class StaticCompression {
 public:
  struct Choice {
    enum class Kind { kIdentity, kSibling, kOnTheFly } kind = Kind::kIdentity;
    Encoding encoding = Encoding::kIdentity;
    std::shared_ptr<const OpenFile> sibling;  // kSibling: the file to send instead
    bool vary = false;                        // the answer depends on Accept-Encoding
    // Range is to be ignored (whole 200): several ranges of a sibling would
    // make a multipart body whose Content-Encoding cannot be labelled.
    bool ignore_range = false;
  };

  explicit StaticCompression(const GzipConfig& config);
  StaticCompression(const StaticCompression&) = delete;
  StaticCompression& operator=(const StaticCompression&) = delete;

  // The representation of the file at `path` for `req`. `file` is FILE as
  // opened, or nullptr when FILE is absent: then the answer is a sibling
  // (precompressed_always) or identity, meaning "not found".
  // `open` opens siblings (the handler's open-file cache and symlink rule).
  Choice choose(const Request& req, const std::string& path, const OpenFile* file,
                const std::string& content_type, const FileOpener& open) const;

  // Answers with FILE gzipped (Choice::kOnTheFly): conditionals against the
  // weak ETag (304, 412), else 200 with the whole compressed body. Returns
  // false, leaving `res` untouched, when the file changed while compressed:
  // the caller then sends FILE as it is now.
  bool serve_on_the_fly(const Request& req, const std::shared_ptr<const OpenFile>& file,
                        const std::string& content_type, Response* res);

  // Whether siblings stand in for an absent FILE (gzip.precompressed_always).
  // When not, choose() for an absent FILE always answers "not found".
  bool siblings_stand_in() const { return config_.precompressed && config_.precompressed_always; }

  // Finishes a response sent for `choice`: Vary, and for a sibling's bytes
  // (200, 206) the Content-Encoding.
  static void label(const Choice& choice, Response* res);

  const CompressionCache& cache() const { return cache_; }

 private:
  // Compresses the file's version now and caches it with `etag` (after a miss).
  std::shared_ptr<const CompressionCache::Entry> compress(const OpenFile& file, const std::string& etag);

  // gzip.types matches `content_type`, remembered for the last type asked:
  // files in a row are mostly of one type, and matching costs more than
  // comparing the type with the last one.
  bool compressible(const std::string& content_type) const;

  GzipConfig config_;
  GzipFilter filter_;  // for its type rules
  CompressionCache cache_;
  // Memos and scratch space: choose() stays logically const.
  mutable EncodingChooser chooser_;
  mutable std::string last_type_;
  mutable bool last_type_compressible_ = false;
  mutable bool has_last_type_ = false;
  mutable std::string sibling_name_;  // for find_siblings, kept to allocate once
};

}  // namespace hearth
