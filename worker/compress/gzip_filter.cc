#include "worker/compress/gzip_filter.h"

#include <cstdlib>

#include "worker/compress/accept_encoding.h"
#include "worker/compress/gzip_encoder.h"

namespace hearth {

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

}  // namespace

void add_vary_accept_encoding(Headers* headers) {
  const std::string* vary = headers->find("Vary");
  if (vary == nullptr || vary->empty()) {
    headers->set("Vary", "Accept-Encoding");
    return;
  }
  if (list_has(*vary, "Accept-Encoding") || list_has(*vary, "*")) return;
  headers->set("Vary", *vary + ", Accept-Encoding");
}

std::string weak_etag(const std::string& etag) {
  if (etag.compare(0, 2, "W/") == 0) return etag;
  return "W/" + etag;
}

GzipFilter::GzipFilter(const GzipConfig& config) : config_(config), types_(config.types) {}

bool GzipFilter::compressible(const std::string& content_type) const {
  return types_.matches(content_type);
}

bool GzipFilter::candidate(const Response& res) const {
  if (!config_.on_the_fly || has_engine_body(res)) return false;
  if (!status_may_vary(res.status) || res.headers.has("Content-Encoding")) return false;
  const std::string* cache_control = res.headers.find("Cache-Control");
  if (cache_control != nullptr && list_has(*cache_control, "no-transform")) return false;
  const std::string* type = res.headers.find("Content-Type");
  return type != nullptr && compressible(*type);
}

void GzipFilter::apply(const Request& req, Response* res) const {
  if (!candidate(*res)) return;
  add_vary_accept_encoding(&res->headers);
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
  if (!candidate(*res)) return false;
  const std::string* type = res->headers.find("Content-Type");
  if (type->compare(0, 17, "text/event-stream") == 0) return false;
  add_vary_accept_encoding(&res->headers);
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
