// Content-Type by file extension, from a file in nginx's mime.types format:
//   types { text/html html htm; image/png png; }
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth {

class MimeTypes {
 public:
  // An empty table: every path is application/octet-stream.
  MimeTypes();

  // Replaces the table with the one in the file at `path`. On failure the table is unchanged and
  // *error reads "<path>:<line>: <what>" (or "<path>: <why>" when the file cannot be read).
  // Files over 1 MiB are refused. An extension listed twice takes its last type, as in nginx.
  bool load(const std::string& path, std::string* error);
  // Like load, from text already in memory; `name` stands for the path in errors.
  bool parse(std::string_view text, const std::string& name, std::string* error);

  // A small built-in table (html, css, js, json, images, fonts, wasm, media, pdf, text...), used
  // when no file is found.
  static MimeTypes builtin();

  // The Content-Type for a file path by its extension (case-insensitive; the text after the last
  // '.' of the last segment), with "; charset=utf-8" added for text/*, application/javascript,
  // application/json, application/xml, image/svg+xml and application/*+json, application/*+xml;
  // "application/octet-stream" when unknown. Returns a reference to a stored string, valid while
  // this object lives unchanged; allocates nothing (hot path).
  const std::string& content_type(std::string_view path) const;

  size_t extension_count() const { return by_extension_.size(); }

 private:
  // The longest extension accepted; longer ones are refused by parse and unknown to lookups.
  static constexpr size_t kMaxExtension = 32;

  // Fills slots_ from by_extension_.
  void build_index();

  std::vector<std::string> types_;  // Content-Type values, charset included
  std::vector<std::pair<std::string, uint32_t>> by_extension_;  // lower-case, sorted; index into types_
  // A hash table over by_extension_ (open addressing, linear probing, at most
  // half full): each file served looks its extension up, and hashing a few
  // bytes beats a binary search of string comparisons. A slot holds an index
  // into by_extension_ plus one; 0 is empty.
  std::vector<uint32_t> slots_;
  std::string default_;
};

}  // namespace hearth
