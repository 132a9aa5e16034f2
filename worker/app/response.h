// A response under construction: status, headers and a body made of parts.
// Handlers fill it; the response writer serialises it onto the connection.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "worker/static/file_version.h"
#include <hearth/headers.h>

namespace hearth {

// An open file shared by the cache and the responses that send from it.
// Closing happens when the last user lets go.
struct OpenFile {
  int fd = -1;
  dev_t dev = 0;
  ino_t ino = 0;
  uint64_t size = 0;
  int64_t mtime = 0;  // seconds
  FileVersion version;  // as fstat() saw the file when it was opened
  // Made once when the file is opened, not per response (the hot path).
  std::string etag;           // nginx form: "<mtime hex>-<size hex>"
  std::string last_modified;  // HTTP-date of mtime
  // The whole content of a small file, read when it was opened, so a
  // response is one write of head and body. Empty for larger files.
  std::string small_body;
  bool has_small_body = false;
  OpenFile() = default;
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  ~OpenFile();
};

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

// A body produced piece by piece (on-the-fly compression of a large file).
// The writer pulls the next piece only after the previous one was written,
// so a slow reader never makes the worker buffer without bound.
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

struct Response {
  Response() { headers.reserve(8); }  // a typical response: one allocation for its fields

  int status = 200;
  Headers headers;
  std::string body;                     // used when `parts` and `stream` are empty
  // Instead of `body`: bytes that live in a cache (a small file, a gzip),
  // shared rather than copied for each response.
  std::shared_ptr<const std::string> shared_body;
  std::vector<BodyPart> parts;          // files and multipart bodies
  std::shared_ptr<BodyStream> stream;   // sent with chunked encoding
  bool close_connection = false;        // add Connection: close and close after

  // Body helpers for app handlers; they set Content-Type too.
  void json(const nlohmann::json& value, int status_code = 200);
  void text(std::string s, int status_code = 200);
  void html(std::string s, int status_code = 200);

  // Bytes of the body as sent (stream: unknown, returns 0).
  uint64_t body_length() const;
  // The in-memory body: shared_body when set, else body.
  const std::string& body_bytes() const { return shared_body ? *shared_body : body; }
};

const char* status_reason(int status);

}  // namespace hearth
