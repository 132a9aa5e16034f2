#include "worker/static/static_files.h"

#include <climits>
#include <cstdlib>
#include <cstring>

#include "worker/static/byte_range.h"
#include "worker/static/conditional.h"
#include "worker/http/http_date.h"
#include "worker/http/path_normalize.h"

namespace hearth {

namespace {

std::string real_path_or_self(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) != nullptr ? std::string(buf) : path;
}

// Compared as views: std::string == "GET" calls strlen and compare() out of line.
bool is_get_or_head(const std::string& method) {
  std::string_view m = method;
  return m == "GET" || m == "HEAD";
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && std::memcmp(s.data(), prefix.data(), prefix.size()) == 0;
}

bool is_inside(const std::string& real_path, const std::string& real_base) {
  if (!starts_with(real_path, real_base)) return false;
  bool base_is_root = real_base.size() == 1 && real_base[0] == '/';
  return real_path.size() == real_base.size() || real_path[real_base.size()] == '/' || base_is_root;
}

// Bytes a query may not carry as they are in a header we write.
std::string clean_query(const std::string& query) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : query) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u > ' ' && u < 0x7f && c != '#') {
      out.push_back(c);
    } else {
      out += {'%', kHex[u >> 4], kHex[u & 0xf]};
    }
  }
  return out;
}

// "/docs" + "x=1" -> "/docs/?x=1", from the normalised path, never the raw
// target: "//evil.example/..%2fsub" or "http://evil.example/sub" copied into
// Location would send the browser to another host. A normalised path has no
// "//", and encode_path turns '\' into %5C, so the result is always "/"
// followed by a path segment: a path on this host.
std::string slash_location(const Request& req) {
  std::string location = encode_path(req.path) + "/";
  if (location.compare(0, 2, "//") == 0) location = "/";  // unreachable for a normalised path
  if (!req.query.empty()) location += "?" + clean_query(req.query);
  return location;
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace

StaticFiles::StaticFiles(const Config& config, const MimeTypes& mime)
    : config_(config),
      mime_(mime),
      real_root_(config.root.empty() ? "" : real_path_or_self(config.root)),
      cache_(config.open_file_cache_valid_ms, config.open_file_cache_entries),
      compression_(config.gzip) {
  for (const Mount& m : config.mounts) real_mount_dirs_.push_back(real_path_or_self(m.dir));
}

// Maps a URL path to a file path: the longest mount prefix, else the root.
// Without a root only mounted paths are files.
bool StaticFiles::locate(const std::string& path, uint64_t now_ms, Location* loc) {
  size_t best = SIZE_MAX;
  for (size_t i = 0; i < config_.mounts.size(); i++) {
    const std::string& prefix = config_.mounts[i].prefix;
    if (!starts_with(path, prefix)) continue;
    if (best == SIZE_MAX || prefix.size() > config_.mounts[best].prefix.size()) best = i;
  }
  loc->now_ms = now_ms;
  loc->fs_path = &fs_path_;
  if (best == SIZE_MAX) {
    if (config_.root.empty()) return false;
    loc->real_base = &real_root_;
    set_fs_path(config_.root, path);
    return true;
  }
  const Mount& m = config_.mounts[best];
  loc->real_base = &real_mount_dirs_[best];
  set_fs_path(m.dir, std::string_view(path).substr(m.prefix.size() - 1));
  return true;
}

// fs_path_ = base + tail. The base is kept when the request before had the
// same one (the usual case): only the tail is copied.
void StaticFiles::set_fs_path(const std::string& base, std::string_view tail) {
  if (fs_path_base_ == &base) {
    fs_path_.erase(base.size());
  } else {
    fs_path_.assign(base);
    fs_path_base_ = &base;
  }
  fs_path_.append(tail);
}

// Symlinks may not lead out of the served folder unless the config says so.
bool StaticFiles::allowed(const Location& loc, const FileInfo& info) const {
  if (config_.symlinks_outside_root) return true;
  return is_inside(info.real_path, *loc.real_base);
}

StaticFiles::Result StaticFiles::serve(const Request& req, Response* res, uint64_t now_ms) {
  if (!config_.serve_hidden && has_hidden_segment(req.path)) return Result::kDeclined;
  Location loc;
  if (!locate(req.path, now_ms, &loc)) return Result::kDeclined;
  const FileInfo& info = cache_.lookup(*loc.fs_path, now_ms);
  switch (info.kind) {
    case FileInfo::Kind::kFile:
      if (!allowed(loc, info)) return Result::kDeclined;
      if (req.path.back() == '/') return Result::kDeclined;  // "file/" is not the file
      serve_file(req, loc, *loc.fs_path, info.file, res);
      return Result::kServed;
    case FileInfo::Kind::kDirectory:
      if (!allowed(loc, info)) return Result::kDeclined;
      if (req.path.back() != '/') {
        std::string location = slash_location(req);
        std::string link = html_escape(location);
        res->status = 301;
        res->headers.set("Location", location);
        res->html("<html><body>Moved to <a href=\"" + link + "\">" + link + "</a></body></html>\n", 301);
        return Result::kServed;
      }
      return serve_directory(req, loc, res);
    case FileInfo::Kind::kForbidden:
      res->status = 403;
      return Result::kServed;
    case FileInfo::Kind::kMissing:
      // Most requests of an app end here: declined at once unless siblings
      // may stand in for an absent file.
      if (!compression_.siblings_stand_in()) return Result::kDeclined;
      return serve_absent(req, loc, res);
  }
  return Result::kDeclined;
}

// A directory with a slash: its first index file, else fall through to the app.
StaticFiles::Result StaticFiles::serve_directory(const Request& req, const Location& loc, Response* res) {
  for (const std::string& name : config_.index) {
    index_path_.assign(*loc.fs_path).append(name);
    const FileInfo& info = cache_.lookup(index_path_, loc.now_ms);
    if (info.kind != FileInfo::Kind::kFile || !allowed(loc, info)) continue;
    serve_file(req, loc, index_path_, info.file, res);
    return Result::kServed;
  }
  return Result::kDeclined;
}

// `file` is held by value: looking up siblings may evict it from the cache.
void StaticFiles::serve_file(const Request& req, const Location& loc, const std::string& fs_path,
                             std::shared_ptr<const OpenFile> file, Response* res) {
  if (!is_get_or_head(req.method)) {
    res->status = 405;
    res->headers.set("Allow", "GET, HEAD");
    return;
  }
  const std::string& type = mime_.content_type(fs_path);
  StaticCompression::Choice choice =
      compression_.choose(req, fs_path, file.get(), type, sibling_opener(loc));
  send(req, choice, file, type, res);
}

// FILE is absent: with gzip.precompressed_always a sibling may stand in.
StaticFiles::Result StaticFiles::serve_absent(const Request& req, const Location& loc, Response* res) {
  if (req.path.back() == '/') return Result::kDeclined;
  const std::string& type = mime_.content_type(*loc.fs_path);
  StaticCompression::Choice choice =
      compression_.choose(req, *loc.fs_path, nullptr, type, sibling_opener(loc));
  if (choice.kind != StaticCompression::Choice::Kind::kSibling) return Result::kDeclined;
  if (!is_get_or_head(req.method)) {
    res->status = 405;
    res->headers.set("Allow", "GET, HEAD");
    return Result::kServed;
  }
  send(req, choice, nullptr, type, res);
  return Result::kServed;
}

// Sends the representation the compression policy chose (static_compression.h).
void StaticFiles::send(const Request& req, const StaticCompression::Choice& choice,
                       const std::shared_ptr<const OpenFile>& file, const std::string& content_type,
                       Response* res) {
  using Kind = StaticCompression::Choice::Kind;
  bool done = choice.kind == Kind::kOnTheFly && compression_.serve_on_the_fly(req, file, content_type, res);
  if (!done) {
    send_bytes(req, choice.kind == Kind::kSibling ? choice.sibling : file, content_type,
               !choice.ignore_range, res);
  }
  StaticCompression::label(choice, res);
}

// Captures two pointers: small enough for std::function to hold them
// without allocating (libstdc++ keeps up to 16 bytes in place).
FileOpener StaticFiles::sibling_opener(const Location& loc) {
  return [this, &loc](const std::string& path) -> std::shared_ptr<const OpenFile> {
    const FileInfo& info = cache_.lookup(path, loc.now_ms);
    if (info.kind != FileInfo::Kind::kFile || !allowed(loc, info)) return nullptr;
    return info.file;
  };
}

// The bytes of one file, with conditionals and (when `ranges`) Range.
void StaticFiles::send_bytes(const Request& req, const std::shared_ptr<const OpenFile>& handle,
                             const std::string& type, bool ranges, Response* res) const {
  const OpenFile& file = *handle;
  Validators v{file.etag, file.mtime};
  Precondition pre = evaluate_preconditions(req.headers, req.method, v);
  if (pre == Precondition::kFailed) {
    res->status = 412;
    return;
  }
  res->headers.add("Last-Modified", file.last_modified);
  res->headers.add("ETag", file.etag);
  if (pre == Precondition::kNotModified) {
    res->status = 304;
    return;
  }
  res->headers.add("Accept-Ranges", "bytes");
  const std::string* range = req.headers.find("Range");
  if (ranges && range != nullptr && if_range_allows(req.headers, v)) {
    serve_ranges(req, handle, type, res);
    return;
  }
  res->status = 200;
  res->headers.add("Content-Type", type);
  if (file.has_small_body) {
    // Shares the cached bytes (aliasing the file's handle); head and body
    // leave in one write.
    res->shared_body = std::shared_ptr<const std::string>(handle, &file.small_body);
  } else {
    body_parts(res).push_back(BodyPart::file_slice(handle, 0, file.size));
  }
}

// 206 for one range, multipart/byteranges for several, 416 when none fits.
void StaticFiles::serve_ranges(const Request& req, const std::shared_ptr<const OpenFile>& file,
                               const std::string& content_type, Response* res) const {
  RangeRequest ranges = parse_range(*req.headers.find("Range"), file->size);
  if (ranges.kind == RangeRequest::Kind::kNone) {
    res->status = 200;
    res->headers.set("Content-Type", content_type);
    body_parts(res).push_back(BodyPart::file_slice(file, 0, file->size));
    return;
  }
  if (ranges.kind == RangeRequest::Kind::kUnsatisfiable) {
    res->status = 416;
    res->headers.set("Content-Range", unsatisfied_content_range(file->size));
    return;
  }
  res->status = 206;
  if (ranges.ranges.size() == 1) {
    const ByteRange& r = ranges.ranges[0];
    res->headers.set("Content-Type", content_type);
    res->headers.set("Content-Range", content_range(r, file->size));
    body_parts(res).push_back(BodyPart::file_slice(file, r.first, r.last - r.first + 1));
    return;
  }
  static const std::string boundary = "hearth-byteranges-8d1f0c";
  res->headers.set("Content-Type", "multipart/byteranges; boundary=" + boundary);
  for (const ByteRange& r : ranges.ranges) {
    body_parts(res).push_back(BodyPart::memory("\r\n--" + boundary + "\r\nContent-Type: " + content_type +
                                          "\r\nContent-Range: " + content_range(r, file->size) + "\r\n\r\n"));
    body_parts(res).push_back(BodyPart::file_slice(file, r.first, r.last - r.first + 1));
  }
  body_parts(res).push_back(BodyPart::memory("\r\n--" + boundary + "--\r\n"));
}

}  // namespace hearth
