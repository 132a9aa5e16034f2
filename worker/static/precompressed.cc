#include "worker/static/precompressed.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hearth {

std::shared_ptr<const OpenFile> open_regular_file(const std::string& path) {
  auto file = std::make_shared<OpenFile>();
  file->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (file->fd < 0 || ::fstat(file->fd, &st) != 0 || !S_ISREG(st.st_mode)) return nullptr;
  file->dev = st.st_dev;
  file->ino = st.st_ino;
  file->size = static_cast<uint64_t>(st.st_size);
  file->mtime = st.st_mtim.tv_sec;
  file->version = file_version_from_stat(st);
  return file;
}

std::string sibling_path(const std::string& file_path, Encoding e) {
  return file_path + encoding_suffix(e);
}

EncodingSet Siblings::available() const {
  EncodingSet set;
  if (gzip) set.add(Encoding::kGzip);
  if (brotli) set.add(Encoding::kBrotli);
  return set;
}

std::shared_ptr<const OpenFile> Siblings::get(Encoding e) const {
  switch (e) {
    case Encoding::kGzip: return gzip;
    case Encoding::kBrotli: return brotli;
    case Encoding::kIdentity: return nullptr;
  }
  return nullptr;
}

namespace {

// `name` holds FILE's path followed by anything: the sibling's suffix is
// written after the first `stem` bytes, so the path is copied once for both.
std::shared_ptr<const OpenFile> fresh_sibling(size_t stem, Encoding e, const OpenFile* file,
                                              const FileOpener& open, std::string* name) {
  name->erase(stem);
  name->append(encoding_suffix(e));
  std::shared_ptr<const OpenFile> sibling = open(*name);
  if (sibling == nullptr) return nullptr;
  if (file != nullptr && sibling->mtime < file->mtime) return nullptr;  // stale
  return sibling;
}

}  // namespace

Siblings find_siblings(const std::string& file_path, const OpenFile* file, const FileOpener& open) {
  std::string name;
  return find_siblings(file_path, file, open, &name);
}

Siblings find_siblings(const std::string& file_path, const OpenFile* file, const FileOpener& open,
                       std::string* scratch) {
  Siblings s;
  scratch->assign(file_path);
  s.brotli = fresh_sibling(file_path.size(), Encoding::kBrotli, file, open, scratch);
  s.gzip = fresh_sibling(file_path.size(), Encoding::kGzip, file, open, scratch);
  return s;
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
