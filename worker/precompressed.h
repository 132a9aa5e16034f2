// Precompressed siblings (nginx gzip_static, Caddy precompressed): FILE.br
// and FILE.gz next to FILE, made ahead of time by a build step.
//
// Rules:
//   - A sibling counts when it is a regular file (after symlinks) and it is
//     not older than FILE, compared in whole seconds. An older sibling means
//     FILE was edited after it was made: it is stale, and ignored, so an
//     edited FILE is never hidden behind its old compressed copy. (nginx
//     serves a sibling whatever its age; we do not.) gzip -k and brotli -k
//     give the sibling FILE's own mtime, which counts as not older.
//   - When FILE itself is absent, siblings are only considered with
//     gzip.precompressed_always (nginx `gzip_static always`); there is then
//     nothing to compare their age with.
// Which sibling is sent is decided by Accept-Encoding (accept_encoding.h);
// this file only says which exist.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "worker/accept_encoding.h"

namespace hearth {

// Looks at one path: true when it is a regular file, with its mtime in
// seconds in *mtime. The static file handler can pass its open-file cache;
// stat_probe() asks the kernel.
using FileProbe = std::function<bool(const std::string& path, int64_t* mtime)>;
bool stat_probe(const std::string& path, int64_t* mtime);

// "FILE" + ".gz" / ".br".
std::string sibling_path(const std::string& file_path, Encoding e);

// The encodings for which FILE has a usable sibling. `file_mtime` is FILE's
// mtime in seconds, or nullptr when FILE is absent.
EncodingSet find_siblings(const std::string& file_path, const int64_t* file_mtime,
                          const FileProbe& probe = stat_probe);

// For an absent FILE served from its siblings alone (precompressed_always):
// the sibling to send, or identity when the client refuses all of them (the
// request then goes on as for any missing file). A client that sends no
// Accept-Encoding, or a malformed one, accepts any coding (RFC 9110
// §12.5.3) and gets gzip first, the coding every client knows.
Encoding choose_sibling_for_absent_file(const std::string* accept_encoding, EncodingSet siblings);

}  // namespace hearth
