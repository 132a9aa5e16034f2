#include "worker/precompressed.h"

#include <sys/stat.h>

namespace hearth {

bool stat_probe(const std::string& path, int64_t* mtime) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  *mtime = st.st_mtim.tv_sec;
  return true;
}

std::string sibling_path(const std::string& file_path, Encoding e) {
  return file_path + encoding_suffix(e);
}

EncodingSet find_siblings(const std::string& file_path, const int64_t* file_mtime,
                          const FileProbe& probe) {
  EncodingSet found;
  for (Encoding e : {Encoding::kBrotli, Encoding::kGzip}) {
    int64_t mtime = 0;
    if (!probe(sibling_path(file_path, e), &mtime)) continue;
    if (file_mtime != nullptr && mtime < *file_mtime) continue;  // stale
    found.add(e);
  }
  return found;
}

Encoding choose_sibling_for_absent_file(const std::string* accept_encoding, EncodingSet siblings) {
  AcceptEncoding accept;
  bool any_coding = accept_encoding == nullptr || !parse_accept_encoding(*accept_encoding, &accept);
  if (any_coding) {
    if (siblings.has(Encoding::kGzip)) return Encoding::kGzip;
    if (siblings.has(Encoding::kBrotli)) return Encoding::kBrotli;
    return Encoding::kIdentity;
  }
  return choose_encoding(accept, siblings);
}

}  // namespace hearth
