// Files on disk, served the nginx way: try_files $uri $uri/ @app.
// An existing regular file is served (with conditional requests and ranges);
// a directory redirects to its slash form or serves its index file; anything
// else is declined and goes to the app routes.
#pragma once

#include <cstdint>
#include <string>

#include "shared/config.h"
#include "worker/mime_types.h"
#include "worker/open_file_cache.h"
#include "worker/request.h"
#include "worker/response.h"

namespace hearth {

class StaticFiles {
 public:
  enum class Result { kServed, kDeclined };

  StaticFiles(const Config& config, const MimeTypes& mime);

  // REQUIRES: req.path is normalised (no "..", no "//").
  Result serve(const Request& req, Response* res, uint64_t now_ms);

 private:
  struct Location {
    std::string base;       // folder on disk
    std::string real_base;  // the folder with symlinks resolved
    std::string fs_path;    // base + the path below the prefix
  };
  bool locate(const std::string& path, Location* loc) const;
  bool allowed(const Location& loc, const FileInfo& info) const;
  Result serve_directory(const Request& req, const Location& loc, uint64_t now_ms, Response* res);
  void serve_file(const Request& req, const std::string& fs_path, const OpenFile& file,
                  const std::shared_ptr<const OpenFile>& handle, Response* res) const;
  void serve_ranges(const Request& req, const std::shared_ptr<const OpenFile>& file,
                    const std::string& content_type, Response* res) const;

  const Config& config_;
  const MimeTypes& mime_;
  std::string real_root_;
  std::vector<std::string> real_mount_dirs_;
  OpenFileCache cache_;
};

}  // namespace hearth
