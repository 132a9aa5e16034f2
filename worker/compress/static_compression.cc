#include "worker/compress/static_compression.h"

#include <spdlog/spdlog.h>

#include "worker/static/conditional.h"
#include "worker/compress/gzip_encoder.h"

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
    siblings = find_siblings(path, file, open, &sibling_name_);
  const std::string* accept = req.headers.find("Accept-Encoding");
  if (file == nullptr) {
    c.encoding = choose_sibling_for_absent_file(accept, siblings.available());
  } else {
    bool compressible = config_.on_the_fly && this->compressible(content_type);
    EncodingSet offer = siblings.available();
    if (compressible && file->size >= config_.min_length) offer.add(Encoding::kGzip);
    c.encoding = chooser_.choose(accept, offer);
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

bool StaticCompression::compressible(const std::string& content_type) const {
  if (!has_last_type_ || content_type != last_type_) {
    last_type_compressible_ = filter_.compressible(content_type);
    last_type_ = content_type;
    has_last_type_ = true;
  }
  return last_type_compressible_;
}

std::shared_ptr<const CompressionCache::Entry> StaticCompression::compress(const OpenFile& file,
                                                                          const std::string& etag) {
  const FileVersion& version = file.version;
  std::string gz, error;
  if (!gzip_file(file.fd, version, config_.level, &gz, &error)) {
    spdlog::warn("gzip of fd {} (inode {}) failed: {}; sending it uncompressed", file.fd,
                 static_cast<uint64_t>(version.ino), error);
    return nullptr;
  }
  return cache_.insert(version, config_.level, std::move(gz), etag);
}

bool StaticCompression::serve_on_the_fly(const Request& req,
                                         const std::shared_ptr<const OpenFile>& file,
                                         const std::string& content_type, Response* res) {
  // The open-file cache's snapshot of the file, as for identity answers: an
  // edit shows within open_file_cache.valid. (An fstat() here was a third
  // of the system calls of a cached gzip answer.)
  const FileVersion& version = file->version;
  // A cached gzip of this version carries its ETag: no formatting per request.
  std::shared_ptr<const CompressionCache::Entry> entry;
  if (version.size <= config_.stream_above) entry = cache_.find(version, config_.level);
  std::string fresh_etag;
  if (entry == nullptr) fresh_etag = weak_etag(file->etag);
  Validators v{entry != nullptr ? entry->etag : fresh_etag, file->mtime};
  Precondition pre = evaluate_preconditions(req.headers, req.method, v);
  if (pre == Precondition::kFailed) {
    res->status = 412;
    return true;
  }
  if (pre == Precondition::kNotModified) {
    res->status = 304;
    res->headers.add("Last-Modified", file->last_modified);
    res->headers.add("ETag", v.etag);
    return true;
  }
  if (version.size <= config_.stream_above && entry == nullptr) {
    entry = compress(*file, fresh_etag);
    if (entry == nullptr) return false;
  }
  res->status = 200;
  res->headers.add("Last-Modified", file->last_modified);
  res->headers.add("ETag", v.etag);
  res->headers.add("Content-Type", content_type);
  res->headers.add("Content-Encoding", "gzip");
  if (entry != nullptr) {
    res->shared_body = std::shared_ptr<const std::string>(entry, &entry->bytes);
  } else {
    set_body_stream(res, std::make_shared<GzipFileStream>(file, version, config_.level));
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
