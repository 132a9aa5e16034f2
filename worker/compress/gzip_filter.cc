#include "worker/compress/gzip_filter.h"

#include <cstdlib>

#include "worker/compress/accept_encoding.h"
#include "worker/compress/gzip_encoder.h"

namespace hearth {

// The header fields the filter reads, each the first of its name, found in
// one pass over the response's fields instead of a lookup each.
struct GzipFilterFields {
  const std::string* content_type = nullptr;
  const std::string* content_encoding = nullptr;
  const std::string* cache_control = nullptr;
  const std::string* vary = nullptr;
};

namespace {

bool status_may_vary(int status) {
  return status >= 200 && status != 204 && status != 206 && status != 304;
}

// True when the comma-separated `list` contains `token` (case-insensitive).
bool list_has(const std::string& list, std::string_view token) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    std::string_view item(list.data() + start, comma - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (iequals(item, token)) return true;
    start = comma + 1;
  }
  return false;
}

void keep_first(const std::string** slot, const Headers::Field& field, std::string_view name) {
  if (*slot == nullptr && iequals(field.first, name)) *slot = &field.second;
}

GzipFilterFields filter_fields(const Headers& headers) {
  GzipFilterFields f;
  for (const Headers::Field& field : headers.fields()) {
    switch (field.first.size()) {  // iequals() would reject other lengths anyway
      case 4: keep_first(&f.vary, field, "Vary"); break;
      case 12: keep_first(&f.content_type, field, "Content-Type"); break;
      case 13: keep_first(&f.cache_control, field, "Cache-Control"); break;
      case 16: keep_first(&f.content_encoding, field, "Content-Encoding"); break;
      default: break;
    }
  }
  return f;
}

// add_vary_accept_encoding() with the Vary value already looked up.
void add_vary(Headers* headers, const std::string* vary) {
  if (vary == nullptr) {
    headers->add("Vary", "Accept-Encoding");  // no Vary field to replace
    return;
  }
  if (vary->empty()) {
    headers->set("Vary", "Accept-Encoding");
    return;
  }
  if (list_has(*vary, "Accept-Encoding") || list_has(*vary, "*")) return;
  headers->set("Vary", *vary + ", Accept-Encoding");
}

}  // namespace

void add_vary_accept_encoding(Headers* headers) {
  add_vary(headers, headers->find("Vary"));
}

std::string weak_etag(const std::string& etag) {
  if (etag.compare(0, 2, "W/") == 0) return etag;
  return "W/" + etag;
}

GzipFilter::GzipFilter(const GzipConfig& config) : config_(config), types_(config.types) {}

bool GzipFilter::compressible(const std::string& content_type) const {
  return types_.matches(content_type);
}

// The cheap tests first; the header fields are read only when those pass.
bool GzipFilter::candidate(const Response& res, GzipFilterFields* fields) const {
  if (!config_.on_the_fly || has_engine_body(res) || !status_may_vary(res.status)) return false;
  *fields = filter_fields(res.headers);
  if (fields->content_encoding != nullptr || fields->content_type == nullptr) return false;
  if (fields->cache_control != nullptr && list_has(*fields->cache_control, "no-transform")) return false;
  return compressible(*fields->content_type);
}

void GzipFilter::apply(const Request& req, Response* res) const {
  GzipFilterFields fields;
  if (!candidate(*res, &fields)) return;
  add_vary(&res->headers, fields.vary);
  if (res->body.size() < config_.min_length) return;
  EncodingSet offer = EncodingSet().add(Encoding::kGzip);
  if (choose_encoding(req.headers.find("Accept-Encoding"), offer) != Encoding::kGzip) return;

  std::string gz;
  if (!gzip_compress(res->body, config_.level, &gz)) return;
  res->body = std::move(gz);
  res->headers.set("Content-Encoding", "gzip");
  res->headers.remove("Content-Length");
  if (const std::string* etag = res->headers.find("ETag")) res->headers.set("ETag", weak_etag(*etag));
}

bool GzipFilter::start_stream(const Request& req, Response* res) const {
  GzipFilterFields fields;
  if (!candidate(*res, &fields)) return false;
  if (fields.content_type->compare(0, 17, "text/event-stream") == 0) return false;
  add_vary(&res->headers, fields.vary);  // the fields' pointers are stale from here on
  const std::string* length = res->headers.find("Content-Length");
  if (length != nullptr && std::strtoull(length->c_str(), nullptr, 10) < config_.min_length) return false;
  EncodingSet offer = EncodingSet().add(Encoding::kGzip);
  if (choose_encoding(req.headers.find("Accept-Encoding"), offer) != Encoding::kGzip) return false;
  res->headers.set("Content-Encoding", "gzip");
  res->headers.remove("Content-Length");
  if (const std::string* etag = res->headers.find("ETag")) res->headers.set("ETag", weak_etag(*etag));
  return true;
}

}  // namespace hearth
