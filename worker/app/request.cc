#include <hearth/request.h>

#include <hearth/http_error.h>

#include "worker/app/cookies.h"
#include "worker/app/url_encoded.h"

namespace hearth {

namespace {

// The media type of a Content-Type value, lower case, without parameters.
std::string media_type(const std::string* content_type) {
  if (content_type == nullptr) return "";
  std::string type = content_type->substr(0, content_type->find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  for (char& c : type) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return type;
}

std::string find_or(const Params& params, std::string_view name, std::string_view fallback) {
  auto it = params.find(name);
  return it == params.end() ? std::string(fallback) : it->second;
}

}  // namespace

std::string Request::header(std::string_view name, std::string_view fallback) const {
  const std::string* value = headers.find(name);
  return value == nullptr ? std::string(fallback) : *value;
}

Params Request::query_params() const { return parse_url_encoded(query); }

std::string Request::query_param(std::string_view name, std::string_view fallback) const {
  return find_or(query_params(), name, fallback);
}

std::optional<std::string> Request::find_query_param(std::string_view name) const {
  Params params = query_params();
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  return it->second;
}

Params Request::form() const {
  if (media_type(headers.find("Content-Type")) != "application/x-www-form-urlencoded") return {};
  return parse_url_encoded(body);
}

std::string Request::form_param(std::string_view name, std::string_view fallback) const {
  return find_or(form(), name, fallback);
}

Params Request::cookies() const {
  Params out;
  for (const auto& field : headers.fields()) {
    if (iequals(field.first, "Cookie")) parse_cookie_header(field.second, &out);
  }
  return out;
}

std::optional<std::string> Request::cookie(std::string_view name) const {
  Params all = cookies();
  auto it = all.find(name);
  if (it == all.end()) return std::nullopt;
  return it->second;
}

nlohmann::json Request::json() const {
  nlohmann::json value = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) throw HttpError(400, "the request body is not valid JSON");
  return value;
}

// Follows the Accept header's first media range: a browser lists text/html
// first, an API client application/json. A JSON body asks for JSON too.
bool Request::wants_json() const {
  if (media_type(headers.find("Content-Type")) == "application/json") return true;
  const std::string* accept = headers.find("Accept");
  if (accept == nullptr) return false;
  size_t json = accept->find("application/json");
  if (json == std::string::npos) return false;
  size_t html = accept->find("text/html");
  return html == std::string::npos || json < html;
}

void Request::clear() {
  method.clear();
  target.clear();
  path.clear();
  query.clear();
  http_major = 1;
  http_minor = 1;
  headers.clear();
  constexpr size_t kKeptBodyBytes = 4096;  // an idle connection holds no big upload
  if (body.capacity() > kKeptBodyBytes) std::string().swap(body);
  body.clear();
  params.clear();
  remote_addr.clear();
}

// Member by member: std::swap would move the whole struct three times.
void Request::swap(Request& other) noexcept {
  method.swap(other.method);
  target.swap(other.target);
  path.swap(other.path);
  query.swap(other.query);
  std::swap(http_major, other.http_major);
  std::swap(http_minor, other.http_minor);
  std::swap(headers.fields(), other.headers.fields());
  body.swap(other.body);
  params.swap(other.params);
  remote_addr.swap(other.remote_addr);
  std::swap(secure, other.secure);
}

}  // namespace hearth
