#include "worker/http/response_body.h"

namespace hearth {

BodyPart BodyPart::memory(std::string bytes) {
  BodyPart p;
  p.data = std::move(bytes);
  return p;
}

BodyPart BodyPart::file_slice(std::shared_ptr<const OpenFile> f, uint64_t offset, uint64_t length) {
  BodyPart p;
  p.file = std::move(f);
  p.offset = offset;
  p.length = length;
  return p;
}

std::vector<BodyPart>& body_parts(Response* res) {
  if (res->engine_body == nullptr) res->engine_body = std::make_shared<EngineBody>();
  return res->engine_body->parts;
}

void set_body_stream(Response* res, std::shared_ptr<BodyStream> stream) {
  if (res->engine_body == nullptr) res->engine_body = std::make_shared<EngineBody>();
  res->engine_body->stream = std::move(stream);
}

}  // namespace hearth
