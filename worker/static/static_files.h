// Files on disk, served the nginx way: try_files $uri $uri/ @app.
// An existing regular file is served (with conditional requests and ranges);
// a directory redirects to its slash form or serves its index file; anything
// else is declined and goes to the app routes. Without a root (config.root
// empty) only paths under a mount can be files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/config.h"
#include "worker/static/mime_types.h"
#include "worker/static/open_file_cache.h"
#include <hearth/request.h>
#include "worker/http/response_body.h"
#include "worker/compress/static_compression.h"

namespace hearth {

class StaticFiles {
 public:
  enum class Result { kServed, kDeclined };

  StaticFiles(const Config& config, const MimeTypes& mime);

  // REQUIRES: req.path is normalised (no "..", no "//").
  Result serve(const Request& req, Response* res, uint64_t now_ms);
  const StaticCompression& compression() const { return compression_; }

 private:
  // Where one request's path lives on disk. Points into this object (no
  // copies per request): valid until the next serve().
  struct Location {
    const std::string* real_base = nullptr;  // the served folder, symlinks resolved
    const std::string* fs_path = nullptr;    // that folder + the path below the prefix
    uint64_t now_ms = 0;                     // the request's clock, for the open-file cache
  };
  bool locate(const std::string& path, uint64_t now_ms, Location* loc);
  void set_fs_path(const std::string& base, std::string_view tail);
  bool allowed(const Location& loc, const FileInfo& info) const;
  Result serve_directory(const Request& req, const Location& loc, Response* res);
  void serve_file(const Request& req, const Location& loc, const std::string& fs_path,
                  std::shared_ptr<const OpenFile> file, Response* res);
  Result serve_absent(const Request& req, const Location& loc, Response* res);
  void send(const Request& req, const StaticCompression::Choice& choice,
            const std::shared_ptr<const OpenFile>& file, const std::string& content_type, Response* res);
  void send_bytes(const Request& req, const std::shared_ptr<const OpenFile>& file,
                  const std::string& content_type, bool ranges, Response* res) const;
  void serve_ranges(const Request& req, const std::shared_ptr<const OpenFile>& file,
                    const std::string& content_type, Response* res) const;
  FileOpener sibling_opener(const Location& loc);

  const Config& config_;
  const MimeTypes& mime_;
  std::string real_root_;
  std::vector<std::string> real_mount_dirs_;
  OpenFileCache cache_;
  StaticCompression compression_;
  // Scratch paths, reused so that a lookup allocates nothing once they have
  // grown to the longest path seen: every request pays for the lookup.
  std::string fs_path_;     // Location::fs_path
  const std::string* fs_path_base_ = nullptr;  // the root or mount dir fs_path_ starts with
  std::string index_path_;  // fs_path_ + an index file's name
};

}  // namespace hearth
