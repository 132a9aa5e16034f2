// On-the-fly gzip of app responses (the body filter; the codec is in
// gzip_encoder.h, negotiation in accept_encoding.h).
//
// A response is a candidate when gzip.on_the_fly is on, its body is in
// memory (not file parts, not a stream), it has no Content-Encoding yet, its
// status can carry a body that is not a fragment (not 1xx, 204, 206, 304),
// Cache-Control does not say no-transform, and its Content-Type matches
// gzip.types. Every candidate gets `Vary: Accept-Encoding`, compressed or not.
// It is compressed when the client accepts gzip and the body is at least
// gzip.min_length bytes (as nginx, even if it does not shrink: the answer
// depends only on the request and the type); then Content-Encoding is
// set, Content-Length dropped (the writer counts the new body), and a strong
// ETag made weak (W/"..."), as nginx does: the bytes differ, the meaning not.
#pragma once

#include <string>

#include "shared/config.h"
#include "worker/compress/compressible_types.h"
#include <hearth/request.h>
#include "worker/http/response_body.h"

namespace hearth {

struct GzipFilterFields;

class GzipFilter {
 public:
  explicit GzipFilter(const GzipConfig& config);

  // Applies the rules above to `res`, the answer to `req`.
  void apply(const Request& req, Response* res) const;

  // The same rules for a body that streams (a proxied response): true when
  // it is to be gzipped as it goes, with `res`'s headers changed for it.
  // Event streams are not: compression would hold events back.
  bool start_stream(const Request& req, Response* res) const;

  // True when a body of this type may be compressed on the fly.
  bool compressible(const std::string& content_type) const;
  const GzipConfig& config() const { return config_; }

 private:
  // Fills `fields` with the header fields it read (gzip_filter.cc).
  bool candidate(const Response& res, GzipFilterFields* fields) const;
  GzipConfig config_;
  CompressibleTypes types_;
};

// Adds "Accept-Encoding" to the Vary header unless already covered.
void add_vary_accept_encoding(Headers* headers);

// "\"abc\"" -> "W/\"abc\""; a weak tag is returned as it is.
std::string weak_etag(const std::string& etag);

}  // namespace hearth
