#include "worker/static/mime_types.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <unordered_map>

namespace hearth {

namespace {

constexpr size_t kMaxFileBytes = 1 << 20;

constexpr const char kBuiltinTable[] = R"(types {
    text/html                 html htm;
    text/css                  css;
    text/javascript           js mjs;
    application/json          json map;
    application/xml           xml;
    application/wasm          wasm;
    application/manifest+json webmanifest;
    text/plain                txt;
    text/markdown             md;
    text/csv                  csv;
    image/png                 png;
    image/jpeg                jpg jpeg;
    image/gif                 gif;
    image/webp                webp;
    image/avif                avif;
    image/svg+xml             svg;
    image/x-icon              ico;
    font/woff                 woff;
    font/woff2                woff2;
    video/mp4                 mp4;
    video/webm                webm;
    audio/mpeg                mp3;
    application/pdf           pdf;
    application/zip           zip;
    application/gzip          gz;
}
)";

char to_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_lower(c);
  return out;
}

bool is_tchar(char c) {  // RFC 9110 token characters
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar); }

// "type/subtype", both tokens.
bool is_media_type(std::string_view s) {
  size_t slash = s.find('/');
  return slash != std::string_view::npos && is_token(s.substr(0, slash)) && is_token(s.substr(slash + 1));
}

bool is_extension_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_' || c == '+' || c == '~';
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Types whose bodies are text we serve as UTF-8.
bool wants_charset(std::string_view type) {
  if (type.substr(0, 5) == "text/") return true;
  if (type == "image/svg+xml") return true;
  if (type.substr(0, 12) != "application/") return false;
  return type == "application/javascript" || type == "application/json" ||
         type == "application/xml" || ends_with(type, "+json") || ends_with(type, "+xml");
}

// Splits mime.types text into words and the punctuation '{', '}', ';', skipping '#' comments.
class Tokenizer {
 public:
  explicit Tokenizer(std::string_view text) : text_(text) {}

  // The next token, or an empty view at the end of the text.
  std::string_view next() {
    skip_space_and_comments();
    if (pos_ >= text_.size()) return {};
    size_t start = pos_;
    if (is_punct(text_[pos_])) return text_.substr(pos_++, 1);
    while (pos_ < text_.size() && !is_space(text_[pos_]) && !is_punct(text_[pos_]) && text_[pos_] != '#')
      pos_++;
    return text_.substr(start, pos_ - start);
  }

  int line() const { return line_; }

 private:
  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  static bool is_punct(char c) { return c == '{' || c == '}' || c == ';'; }

  void skip_space_and_comments() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') pos_++;
      } else if (is_space(c)) {
        if (c == '\n') line_++;
        pos_++;
      } else {
        return;
      }
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
};

// FNV-1a: extensions are a few bytes, so a simple hash is the fast one.
size_t hash_extension(std::string_view ext) {
  uint32_t h = 2166136261u;
  for (char c : ext) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

std::string quoted(std::string_view token) {
  return token.empty() ? "end of file" : "\"" + std::string(token) + "\"";
}

}  // namespace

MimeTypes::MimeTypes() : default_("application/octet-stream") {}

bool MimeTypes::load(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  std::string text;
  char chunk[16384];
  while (in.read(chunk, sizeof(chunk)) || in.gcount() > 0) {
    text.append(chunk, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) {
      *error = path + ": larger than 1 MiB";
      return false;
    }
  }
  if (in.bad()) {
    *error = path + ": read failed";
    return false;
  }
  return parse(text, path, error);
}

bool MimeTypes::parse(std::string_view text, const std::string& name, std::string* error) {
  Tokenizer tok(text);
  auto fail = [&](const std::string& what) {
    *error = name + ":" + std::to_string(tok.line()) + ": " + what;
    return false;
  };
  std::string_view t = tok.next();
  if (t != "types") return fail("expected \"types\", found " + quoted(t));
  if ((t = tok.next()) != "{") return fail("expected '{' after \"types\", found " + quoted(t));

  std::vector<std::string> types;
  std::unordered_map<std::string, uint32_t> type_index;
  std::vector<std::pair<std::string, uint32_t>> by_extension;
  while ((t = tok.next()) != "}") {
    if (t.empty()) return fail("unexpected end of file, expected '}'");
    if (!is_media_type(t)) return fail("expected a media type like text/html, found " + quoted(t));
    std::string type = lower(t);
    auto [it, added] = type_index.emplace(type, static_cast<uint32_t>(types.size()));
    if (added) types.push_back(wants_charset(type) ? type + "; charset=utf-8" : type);
    int extensions = 0;
    while ((t = tok.next()) != ";") {
      if (t.empty() || t == "{" || t == "}")
        return fail("expected ';' after the extensions of " + type + ", found " + quoted(t));
      if (t.size() > kMaxExtension || !std::all_of(t.begin(), t.end(), is_extension_char))
        return fail("bad extension " + quoted(t) + " for " + type);
      by_extension.emplace_back(lower(t), it->second);
      extensions++;
    }
    if (extensions == 0) return fail(type + " has no extensions");
  }
  if (!(t = tok.next()).empty()) return fail("unexpected " + quoted(t) + " after '}'");

  // Sort by extension keeping file order among equals, then keep the last of each run.
  std::stable_sort(by_extension.begin(), by_extension.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  auto same_extension = [](const auto& a, const auto& b) { return a.first == b.first; };
  std::reverse(by_extension.begin(), by_extension.end());
  by_extension.erase(std::unique(by_extension.begin(), by_extension.end(), same_extension),
                     by_extension.end());
  std::reverse(by_extension.begin(), by_extension.end());

  types_ = std::move(types);
  by_extension_ = std::move(by_extension);
  build_index();
  return true;
}

void MimeTypes::build_index() {
  size_t size = 8;
  while (size < 2 * by_extension_.size()) size *= 2;
  slots_.assign(size, 0);
  for (size_t i = 0; i < by_extension_.size(); i++) {
    size_t slot = hash_extension(by_extension_[i].first) & (size - 1);
    while (slots_[slot] != 0) slot = (slot + 1) & (size - 1);
    slots_[slot] = static_cast<uint32_t>(i + 1);
  }
}

MimeTypes MimeTypes::builtin() {
  MimeTypes m;
  std::string error;
  m.parse(kBuiltinTable, "<builtin>", &error);  // a unit test guarantees it parses
  return m;
}

const std::string& MimeTypes::content_type(std::string_view path) const {
  // One scan back from the end, to the last '.' unless a '/' comes first.
  size_t start = path.size();
  while (start > 0 && path[start - 1] != '.' && path[start - 1] != '/') {
    if (path.size() - start == kMaxExtension) return default_;  // too long to be known
    start--;
  }
  if (start == 0 || path[start - 1] != '.') return default_;
  std::string_view ext = path.substr(start);
  if (ext.empty()) return default_;
  char buf[kMaxExtension];
  for (size_t i = 0; i < ext.size(); i++) buf[i] = to_lower(ext[i]);
  std::string_view key(buf, ext.size());
  if (slots_.empty()) return default_;  // the empty table
  size_t mask = slots_.size() - 1;
  for (size_t slot = hash_extension(key) & mask;; slot = (slot + 1) & mask) {
    uint32_t index = slots_[slot];
    if (index == 0) return default_;
    const auto& entry = by_extension_[index - 1];
    if (entry.first == key) return types_[entry.second];
  }
}

}  // namespace hearth
