#include "worker/static_compression.h"

#include <spdlog/spdlog.h>

#include "worker/conditional.h"
#include "worker/gzip_encoder.h"
#include "worker/http_date.h"

namespace hearth {

StaticCompression::StaticCompression(const GzipConfig& config)
    : config_(config), filter_(config), cache_(config.cache_bytes) {}

StaticCompression::Choice StaticCompression::choose(const Request& req, const std::string& path,
                                                    const OpenFile* file,
                                                    const std::string& content_type,
                                                    const FileOpener& open) const {
  Choice c;
  Siblings siblings;
  if (config_.precompressed && (file != nullptr || config_.precompressed_always))
    siblings = find_siblings(path, file, open);
  const std::string* accept = req.headers.find("Accept-Encoding");
  if (file == nullptr) {
    c.encoding = choose_sibling_for_absent_file(accept, siblings.available());
  } else {
    bool compressible = config_.on_the_fly && filter_.compressible(content_type);
    EncodingSet offer = siblings.available();
    if (compressible && file->size >= config_.min_length) offer.add(Encoding::kGzip);
    c.encoding = choose_encoding(accept, offer);
    c.vary = compressible;
  }
  c.vary = c.vary || !siblings.available().empty();
  c.sibling = siblings.get(c.encoding);
  if (c.sibling != nullptr) {
    c.kind = Choice::Kind::kSibling;
    const std::string* range = req.headers.find("Range");
    c.ignore_range = range != nullptr && range->find(',') != std::string::npos;
  } else if (c.encoding != Encoding::kIdentity) {
    c.kind = Choice::Kind::kOnTheFly;
  }
  return c;
}

// The gzip of this version of the file, from the cache or made now.
std::shared_ptr<const CompressionCache::Entry> StaticCompression::compressed(
    const OpenFile& file, const FileVersion& version) {
  if (auto hit = cache_.find(version, config_.level)) return hit;
  std::string gz, error;
  if (!gzip_file(file.fd, version, config_.level, &gz, &error)) {
    spdlog::warn("gzip of fd {} (inode {}) failed: {}; sending it uncompressed", file.fd,
                 static_cast<uint64_t>(version.ino), error);
    return nullptr;
  }
  std::string etag = weak_etag(make_etag(version.mtime_seconds(), version.size));
  return cache_.insert(version, config_.level, std::move(gz), std::move(etag));
}

bool StaticCompression::serve_on_the_fly(const Request& req,
                                         const std::shared_ptr<const OpenFile>& file,
                                         const std::string& content_type, Response* res) {
  // Everything below describes the file as it is now, which may be newer
  // than the open-file cache's snapshot.
  FileVersion version;
  if (!file_version_of_fd(file->fd, &version)) return false;
  Validators v{weak_etag(make_etag(version.mtime_seconds(), version.size)), version.mtime_seconds()};
  Precondition pre = evaluate_preconditions(req.headers, req.method, v);
  if (pre == Precondition::kFailed) {
    res->status = 412;
    return true;
  }
  if (pre == Precondition::kNotModified) {
    res->status = 304;
    res->headers.set("Last-Modified", format_http_date(v.mtime));
    res->headers.set("ETag", v.etag);
    return true;
  }
  std::shared_ptr<const CompressionCache::Entry> entry;
  if (version.size <= config_.stream_above) {
    entry = compressed(*file, version);
    if (entry == nullptr) return false;
  }
  res->status = 200;
  res->headers.set("Last-Modified", format_http_date(v.mtime));
  res->headers.set("ETag", v.etag);
  res->headers.set("Content-Type", content_type);
  res->headers.set("Content-Encoding", "gzip");
  if (entry != nullptr) {
    res->body = entry->bytes;
  } else {
    res->stream = std::make_shared<GzipFileStream>(file, version, config_.level);
  }
  return true;
}

void StaticCompression::label(const Choice& choice, Response* res) {
  if (choice.vary) add_vary_accept_encoding(&res->headers);
  bool carries_sibling = res->status == 200 || res->status == 206;
  if (choice.kind == Choice::Kind::kSibling && carries_sibling)
    res->headers.set("Content-Encoding", encoding_token(choice.encoding));
}

}  // namespace hearth
