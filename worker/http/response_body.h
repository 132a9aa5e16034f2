// The bodies only the engine builds, behind Response::engine_body: slices of
// open files (sent with sendfile) and streamed bodies (on-the-fly gzip of a
// large file). An app's response has none and costs no allocation for it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <hearth/response.h>

#include "worker/static/open_file.h"

namespace hearth {

// One piece of a body: bytes in memory, or a slice of an open file.
struct BodyPart {
  std::string data;
  std::shared_ptr<const OpenFile> file;
  uint64_t offset = 0;
  uint64_t length = 0;

  static BodyPart memory(std::string bytes);
  static BodyPart file_slice(std::shared_ptr<const OpenFile> f, uint64_t offset, uint64_t length);
  bool is_file() const { return file != nullptr; }
  uint64_t size() const { return is_file() ? length : data.size(); }
};

// A body produced piece by piece. The writer pulls the next piece only after
// the previous one was written, so a slow reader never makes the worker
// buffer without bound.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Appends the next piece to *out. Returns false at the end of the body.
  virtual bool next(std::string* out) = 0;
  // True when next() returned false because the body could not be completed
  // (say, the file changed while read): the writer must then close the
  // connection without ending the body, so the client sees it incomplete.
  virtual bool failed() const { return false; }
};

struct EngineBody {
  std::vector<BodyPart> parts;         // files and multipart bodies
  std::shared_ptr<BodyStream> stream;  // sent with chunked encoding
};

// The parts of `res`, made empty-but-present on first use.
std::vector<BodyPart>& body_parts(Response* res);
void set_body_stream(Response* res, std::shared_ptr<BodyStream> stream);
// True when `res` has file parts or a stream (not just bytes in memory).
inline bool has_engine_body(const Response& res) {
  return res.engine_body != nullptr && (!res.engine_body->parts.empty() || res.engine_body->stream != nullptr);
}
inline bool has_body_stream(const Response& res) {
  return res.engine_body != nullptr && res.engine_body->stream != nullptr;
}

}  // namespace hearth
