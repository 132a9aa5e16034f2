// Precompressed siblings (nginx gzip_static, Caddy precompressed): FILE.br
// and FILE.gz next to FILE, made ahead of time by a build step.
//
// Rules:
//   - A sibling counts when it is a regular file the server may serve (the
//     opener decides: open-file cache, symlink rule) and it is not older than
//     FILE, compared in whole seconds. An older sibling means FILE was edited
//     after it was made: it is stale and ignored, so an edited FILE is never
//     hidden behind its old compressed copy. (nginx serves a sibling whatever
//     its age; we do not.) gzip -k and brotli -k give the sibling FILE's own
//     mtime, which counts as not older.
//   - When FILE itself is absent, siblings stand in for it only with
//     gzip.precompressed_always (nginx `gzip_static always`); there is then
//     nothing to compare their age with.
// Which sibling is sent is decided by Accept-Encoding (accept_encoding.h).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "worker/compress/accept_encoding.h"
#include "worker/http/response_body.h"

namespace hearth {

// Opens `path` if it is a regular file that may be served, else nullptr.
using FileOpener = std::function<std::shared_ptr<const OpenFile>(const std::string& path)>;

// A FileOpener that asks the kernel (open, fstat), with no symlink rule.
std::shared_ptr<const OpenFile> open_regular_file(const std::string& path);

// "FILE" + ".gz" / ".br".
std::string sibling_path(const std::string& file_path, Encoding e);

struct Siblings {
  std::shared_ptr<const OpenFile> gzip;
  std::shared_ptr<const OpenFile> brotli;

  EncodingSet available() const;
  // The sibling for `e`, or nullptr (always for identity).
  std::shared_ptr<const OpenFile> get(Encoding e) const;
};

// The usable siblings of the file at `file_path`. `file` is FILE as opened,
// or nullptr when FILE is absent.
Siblings find_siblings(const std::string& file_path, const OpenFile* file, const FileOpener& open);
// The same, building the siblings' names in `scratch`: a buffer the caller
// keeps from request to request allocates nothing once grown.
Siblings find_siblings(const std::string& file_path, const OpenFile* file, const FileOpener& open,
                       std::string* scratch);

// For an absent FILE served from its siblings alone (precompressed_always):
// the sibling to send, or identity when the client refuses all of them (the
// request then goes on as for any missing file). A client that sends no
// Accept-Encoding, or a malformed one, accepts any coding (RFC 9110
// §12.5.3) and gets gzip first, the coding every client knows.
Encoding choose_sibling_for_absent_file(const std::string* accept_encoding, EncodingSet siblings);

}  // namespace hearth
