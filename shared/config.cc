// Loads a hearth config file (JSON, keys in docs/CONFIG.md) into a Config.
//
// nlohmann's throwing API stays inside this file. The text is parsed by a SAX
// handler that builds the document and records the line of every key, so a
// wrong value is reported at its line; nlohmann itself keeps no positions.
// The document is then walked section by section, each section a table of
// the keys it knows: anything else is an unknown key, and an error.
#include "shared/config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

namespace hearth {
namespace {

using Json = nlohmann::ordered_json;  // keeps the file's order (mounts, headers)
using KeyPath = std::vector<std::string>;

constexpr size_t kMaxFileBytes = 1 << 20;  // config files are small; refuse anything else
constexpr size_t kMaxDepth = 16;
constexpr uint64_t kMaxBytes = uint64_t{1} << 40;
constexpr double kMaxSeconds = 365.0 * 24 * 3600;

const char* const kLogLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};

// ---------------------------------------------------------------- the text

bool read_all(int fd, std::string* text) {
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n == 0;
    text->append(buf, static_cast<size_t>(n));
    if (text->size() > kMaxFileBytes) {
      errno = EFBIG;
      return false;
    }
  }
}

bool read_file(const std::string& path, std::string* text, std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  struct stat st;
  bool is_folder = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
  bool ok = !is_folder && read_all(fd, text);
  if (is_folder) {
    *error = path + ": is a folder, not a config file";
  } else if (!ok && errno == EFBIG) {
    *error = path + ": over 1 MiB, too large for a config file";
  } else if (!ok) {
    *error = path + ": cannot read: " + std::strerror(errno);
  }
  ::close(fd);
  return ok;
}

struct TextPosition {
  size_t line;
  size_t column;
};

// Line and column (both from 1) of byte `offset` of `text`.
TextPosition position_of(const std::string& text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  bool first_line = line_start == std::string::npos || (offset == 0);
  size_t column = first_line ? offset + 1 : offset - line_start;
  size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
  return {line, column};
}

// ------------------------------------------------ parsing with key lines

// Counts lines as nlohmann's lexer pulls characters. The lexer reads one
// character at a time and stops right after a key's closing quote before it
// reports the key, so at that moment `*line` is the key's line.
class LineCountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  LineCountingIterator(const char* at, size_t* line) : at_(at), line_(line) {}
  reference operator*() const { return *at_; }
  LineCountingIterator& operator++() {
    if (*at_ == '\n') ++*line_;
    ++at_;
    return *this;
  }
  LineCountingIterator operator++(int) {
    LineCountingIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const LineCountingIterator& other) const { return at_ == other.at_; }
  bool operator!=(const LineCountingIterator& other) const { return at_ != other.at_; }

 private:
  const char* at_;
  size_t* line_;
};

struct Document {
  Json root;
  std::map<KeyPath, size_t> key_lines;  // every object key, by its path
};

// A SAX handler that builds the document (like nlohmann's own DOM builder),
// records the line of each key, and refuses duplicate keys and deep nesting.
class DocumentBuilder {
 public:
  DocumentBuilder(Document* doc, const size_t* line) : doc_(doc), line_(line) {}

  bool null() { return put(Json(nullptr)); }
  bool boolean(bool value) { return put(Json(value)); }
  bool number_integer(Json::number_integer_t value) { return put(Json(value)); }
  bool number_unsigned(Json::number_unsigned_t value) { return put(Json(value)); }
  bool number_float(Json::number_float_t value, const std::string&) { return put(Json(value)); }
  bool string(std::string& value) { return put(Json(std::move(value))); }
  bool binary(Json::binary_t&) { return false; }  // JSON text has no binary values
  bool start_object(std::size_t) { return open(Json::object()); }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(std::string& name);
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) {
    syntax_error_at = position;
    syntax_error = ex.what();
    return false;
  }

  // Why the handler stopped the parse: a syntax error at a byte count, or
  // a structural problem (`refusal`) at a line.
  size_t syntax_error_at = 0;
  std::string syntax_error;
  std::string refusal;
  size_t refusal_line = 0;

 private:
  struct Frame {
    Json* container;
    std::string child;  // the key or "[index]" being filled
    size_t count = 0;
    std::set<std::string> keys;
  };

  Json* place(Json value);
  bool put(Json value) {
    place(std::move(value));
    return true;
  }
  bool open(Json container);
  bool close() {
    frames_.pop_back();
    return true;
  }
  bool refuse(std::string why) {
    refusal = std::move(why);
    refusal_line = *line_;
    return false;
  }
  KeyPath current_path() const;

  Document* doc_;
  const size_t* line_;
  std::vector<Frame> frames_;
};

std::string display_path(const KeyPath& path);

bool DocumentBuilder::key(std::string& name) {
  Frame& top = frames_.back();
  top.child = name;
  KeyPath path = current_path();
  if (!top.keys.insert(name).second) {
    return refuse("duplicate key \"" + display_path(path) + "\" (first on line " +
                  std::to_string(doc_->key_lines[path]) + ")");
  }
  doc_->key_lines[path] = *line_;
  return true;
}

Json* DocumentBuilder::place(Json value) {
  if (frames_.empty()) {
    doc_->root = std::move(value);
    return &doc_->root;
  }
  Frame& top = frames_.back();
  if (top.container->is_array()) {
    top.child = "[" + std::to_string(top.count++) + "]";
    top.container->push_back(std::move(value));
    return &top.container->back();
  }
  Json& slot = (*top.container)[top.child];
  slot = std::move(value);
  return &slot;
}

bool DocumentBuilder::open(Json container) {
  if (frames_.size() >= kMaxDepth) return refuse("nested more than 16 levels deep");
  // A child container stays at its address while it is open: its parent
  // gets no new member until the child is closed.
  frames_.push_back(Frame{place(std::move(container)), "", 0, {}});
  return true;
}

KeyPath DocumentBuilder::current_path() const {
  KeyPath path;
  for (const Frame& frame : frames_) path.push_back(frame.child);
  return path;
}

// "syntax error: invalid literal; last read: ..." from nlohmann's
// "[json.exception.parse_error.101] parse error at line 2, column 11: syntax
// error while parsing value - invalid literal; last read: ...": the position
// is ours to give, and "while parsing value" tells a config author nothing.
std::string describe_syntax_error(const std::string& what) {
  std::string text = what;
  size_t column = text.find(", column ");
  size_t colon = column == std::string::npos ? std::string::npos : text.find(": ", column);
  if (colon != std::string::npos) text = text.substr(colon + 2);
  const std::string prefix = "syntax error while parsing ";
  size_t dash = text.find(" - ");
  if (text.compare(0, prefix.size(), prefix) == 0 && dash != std::string::npos) {
    text = text.substr(dash + 3);
  }
  for (std::string noise : {"<U+000A>", "<U+000D>"}) {
    for (size_t at; (at = text.find(noise)) != std::string::npos;) text.replace(at, noise.size(), "\\n");
  }
  bool after_value = text.find("unexpected string literal") != std::string::npos ||
                     text.find("unexpected number literal") != std::string::npos;
  if (after_value && (text.find("expected '}'") != std::string::npos ||
                      text.find("expected ']'") != std::string::npos)) {
    text += " (is a comma missing?)";
  }
  return "syntax error: " + text;
}

bool parse_document(const std::string& file, const std::string& text, Document* doc,
                    std::string* error) {
  size_t line = 1;
  DocumentBuilder builder(doc, &line);
  LineCountingIterator first(text.data(), &line), last(text.data() + text.size(), &line);
  bool ok = Json::sax_parse(first, last, &builder, nlohmann::json::input_format_t::json,
                            /*strict=*/true, /*ignore_comments=*/true);
  if (ok) return true;
  if (!builder.refusal.empty()) {
    *error = file + ":" + std::to_string(builder.refusal_line) + ": " + builder.refusal;
    return false;
  }
  // nlohmann's position counts the characters read: the last one read, at
  // `position - 1`, is where the parse went wrong.
  size_t offset = builder.syntax_error_at == 0 ? 0 : builder.syntax_error_at - 1;
  if (offset >= text.size() && !text.empty()) offset = text.size() - 1;
  TextPosition at = position_of(text, offset);
  *error = file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " +
           describe_syntax_error(builder.syntax_error);
  return false;
}

// --------------------------------------------------------------- messages

// `text` as a JSON string literal, for messages; never throws on bad UTF-8
// (command-line values have not been through the JSON parser).
std::string quote(const std::string& text) {
  return Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// 30000 -> "30", 1500 -> "1.5"
std::string seconds_text(uint64_t ms) {
  std::string text = std::to_string(ms / 1000);
  if (ms % 1000 == 0) return text;
  std::string fraction = std::to_string(1000 + ms % 1000).substr(1);
  while (fraction.back() == '0') fraction.pop_back();
  return text + "." + fraction;
}

bool is_plain_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

// limits.header_bytes, gzip.types[2], mounts["/public/"]
std::string display_path(const KeyPath& path) {
  std::string out;
  for (const std::string& segment : path) {
    if (!segment.empty() && segment[0] == '[') {
      out += segment;
    } else if (is_plain_name(segment)) {
      out += (out.empty() ? "" : ".") + segment;
    } else {
      out += "[" + quote(segment) + "]";
    }
  }
  return out;
}

// What a wrong value was, for "expected ..., got X".
std::string describe(const Json& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "a list";
  std::string text = value.dump();
  return text.size() <= 40 ? text : text.substr(0, 37) + "...";
}

// Optimal string alignment distance: edits, counting a swap as one.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); i++) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); j++) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); i++) {
    for (size_t j = 1; j <= b.size(); j++) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string join_quoted(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); i++) {
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + ("\"" + names[i] + "\"");
  }
  return out;
}

// ------------------------------------------------------------------ paths

std::string folder_of(const std::string& file) {
  return std::filesystem::path(file).parent_path().string();
}

std::string absolute_path(const std::string& path) {
  std::error_code ec;  // only when the current directory is gone: keep the path
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  return ec ? path : absolute.lexically_normal().string();
}

// `path` as written in the file: relative paths are taken from the folder
// the file is in.
std::string resolve_against(const std::string& folder, const std::string& path) {
  if (!path.empty() && path[0] == '/') return std::filesystem::path(path).lexically_normal().string();
  return (std::filesystem::path(folder) / path).lexically_normal().string();
}

// "/public" -> "/public/". Fails on prefixes that no request path can match
// cleanly (dot segments, empty segments, query or fragment characters).
bool normalise_prefix(const std::string& text, std::string* prefix, std::string* error) {
  std::string p = text;
  if (p.empty() || p[0] != '/') p = "/" + p;
  if (p.back() != '/') p += "/";
  if (p == "/") {
    *error = "a mount at \"/\" would cover the whole site; set \"root\" instead";
    return false;
  }
  bool bad = p.find("//") != std::string::npos || p.find("/./") != std::string::npos ||
             p.find("/../") != std::string::npos || p.find_first_of("?#%\\", 0) != std::string::npos;
  for (char c : p) bad = bad || static_cast<unsigned char>(c) <= ' ' || c == 0x7f;
  if (bad) {
    *error = "bad mount prefix " + quote(text) +
             ": use plain path segments, as in \"/public/\"";
    return false;
  }
  *prefix = p;
  return true;
}

// A route path is matched exactly against the normalised request path, so
// only plain segments can ever match; ':' and '*' would be router patterns.
bool check_route_path(const std::string& path, std::string* error) {
  bool ok = path.size() > 1 && path[0] == '/' && path.back() != '/' &&
            path.find("//") == std::string::npos;
  for (char c : path) ok = ok && (isalnum(static_cast<unsigned char>(c)) || std::strchr("/-._~", c) != nullptr);
  ok = ok && path.find("/./") == std::string::npos && path.find("/../") == std::string::npos;
  std::string last = path.substr(path.rfind('/') + 1);
  ok = ok && last != "." && last != "..";
  if (!ok) *error = "expected a path of plain segments, as in \"/status\", got " + quote(path);
  return ok;
}

// upstream.ready goes into a request line as it is: "/" and a query are
// fine, anything that would break the line is not.
bool check_request_target(const std::string& target, std::string* error) {
  bool ok = !target.empty() && target[0] == '/' && target.size() <= 1024;
  for (char c : target) ok = ok && static_cast<unsigned char>(c) > ' ' && static_cast<unsigned char>(c) < 0x7f;
  if (!ok) *error = "expected a path such as \"/health\" (no spaces or control characters), got " + quote(target);
  return ok;
}

bool is_token_char(char c) {
  return isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool check_header(const std::string& name, const std::string& value, std::string* error) {
  bool name_ok = !name.empty() && std::all_of(name.begin(), name.end(), is_token_char);
  if (!name_ok) {
    *error = "not a valid header name";
    return false;
  }
  for (const char* managed : {"content-length", "transfer-encoding", "connection"}) {
    if (strcasecmp(name.c_str(), managed) == 0) {
      *error = "is set by the server and cannot be configured";
      return false;
    }
  }
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u < ' ' && c != '\t') || u == 0x7f) {
      *error = "value contains a control character";
      return false;
    }
  }
  return true;
}

// ----------------------------------------------------------- the sections

// Walks a parsed document into a Config. Every reader returns false after
// setting the one error message.
class Loader {
 public:
  Loader(const std::string& file, const Document& doc, Config* config, std::string* error)
      : file_(file), folder_(folder_of(absolute_path(file))), doc_(doc), config_(config),
        error_(error) {}

  bool load();

 private:
  struct Node {
    const Json& value;
    KeyPath path;
  };
  using Reader = std::function<bool(const Node&)>;
  struct Field {
    const char* name;
    Reader read;
  };

  bool read_fields(const Node& node, const std::vector<Field>& fields);
  bool read_top_level(const Node& node);
  bool read_listen(const Node& node);
  bool read_listen_entry(const Node& node, ListenConfig* out);
  bool read_listen_address(const Node& node, ListenConfig* out);
  bool read_tls(const Node& node, TlsConfig* tls);
  bool read_certificates(const Node& node, std::vector<TlsCertificate>* out);
  bool read_hsts(const Node& node, std::string* out);
  bool read_workers(const Node& node);
  bool read_root(const Node& node);
  bool read_index(const Node& node);
  bool read_mounts(const Node& node);
  bool read_open_file_cache(const Node& node);
  bool read_limits(const Node& node);
  bool read_log(const Node& node);
  bool read_supervisor(const Node& node);
  bool read_gzip(const Node& node);
  bool read_websocket(const Node& node);
  bool read_app(const Node& node);
  bool read_upstream(const Node& node);
  bool read_upstream_servers(const Node& node);
  bool read_environment(const Node& node);
  bool read_response_headers(const Node& node);
  bool read_status(const Node& node);
  bool read_allow_list(const Node& node, AddressAllowList* out);
  bool check_consistency();

  bool read_bool(const Node& node, bool* out);
  bool read_string(const Node& node, std::string* out);
  bool read_path(const Node& node, std::string* out);
  bool read_log_target(const Node& node, std::string* out);
  bool read_choice(const Node& node, const std::vector<std::string>& choices, std::string* out);
  bool read_seconds(const Node& node, bool allow_zero, uint64_t* ms);
  bool read_string_list(const Node& node, std::vector<std::string>* out);
  template <typename T>
  bool read_integer(const Node& node, uint64_t min, uint64_t max, T* out);
  template <typename T>
  bool read_size(const Node& node, uint64_t min, T* out);

  Node child(const Node& parent, const std::string& name, const Json& value) const {
    KeyPath path = parent.path;
    path.push_back(name);
    return Node{value, path};
  }
  std::string where(const KeyPath& path) const;
  bool fail(const KeyPath& path, const std::string& what);
  bool expected(const Node& node, const std::string& what) {
    return fail(node.path, "expected " + what + ", got " + describe(node.value));
  }

  std::string file_;    // as the user named it, for messages
  std::string folder_;  // absolute folder of the file
  const Document& doc_;
  Config* config_;
  std::string* error_;
};

// "file:LINE" with the line of the key at `path`, or of the nearest
// enclosing key when the value sits in a list.
std::string Loader::where(const KeyPath& path) const {
  for (KeyPath p = path; !p.empty(); p.pop_back()) {
    auto found = doc_.key_lines.find(p);
    if (found != doc_.key_lines.end()) return file_ + ":" + std::to_string(found->second);
  }
  return file_;
}

// "file:LINE: path: what"
bool Loader::fail(const KeyPath& path, const std::string& what) {
  *error_ = where(path) + ": " + (path.empty() ? "" : display_path(path) + ": ") + what;
  return false;
}

bool Loader::load() {
  config_->file = absolute_path(file_);
  Node top{doc_.root, {}};
  if (!top.value.is_object()) {
    *error_ = file_ + ":1: expected a JSON object at the top level, got " + describe(top.value);
    return false;
  }
  return read_top_level(top) && check_consistency();
}

bool Loader::read_fields(const Node& node, const std::vector<Field>& fields) {
  if (!node.value.is_object()) return expected(node, "an object");
  for (const auto& item : node.value.items()) {
    Node member = child(node, item.key(), item.value());
    auto field = std::find_if(fields.begin(), fields.end(),
                              [&](const Field& f) { return item.key() == f.name; });
    if (field != fields.end()) {
      if (!field->read(member)) return false;
      continue;
    }
    std::string message = "unknown key \"" + display_path(member.path) + "\"";
    for (const Field& f : fields) {
      size_t distance = edit_distance(item.key(), f.name);
      if (distance <= 2 && distance < item.key().size()) {
        message += " (did you mean \"" + std::string(f.name) + "\"?)";
        break;
      }
    }
    *error_ = where(member.path) + ": " + message;
    return false;
  }
  return true;
}

bool Loader::read_top_level(const Node& node) {
  Config& c = *config_;
  return read_fields(node, {
      {"listen", [&](const Node& n) { return read_listen(n); }},
      {"workers", [&](const Node& n) { return read_workers(n); }},
      {"root", [&](const Node& n) { return read_root(n); }},
      {"index", [&](const Node& n) { return read_index(n); }},
      {"mounts", [&](const Node& n) { return read_mounts(n); }},
      {"hidden_files", [&](const Node& n) {
         std::string choice;
         if (!read_choice(n, {"deny", "allow"}, &choice)) return false;
         c.serve_hidden = choice == "allow";
         return true;
       }},
      {"symlinks", [&](const Node& n) {
         std::string choice;
         if (!read_choice(n, {"inside_root", "follow"}, &choice)) return false;
         c.symlinks_outside_root = choice == "follow";
         return true;
       }},
      {"open_file_cache", [&](const Node& n) { return read_open_file_cache(n); }},
      {"limits", [&](const Node& n) { return read_limits(n); }},
      {"log", [&](const Node& n) { return read_log(n); }},
      {"supervisor", [&](const Node& n) { return read_supervisor(n); }},
      {"gzip", [&](const Node& n) { return read_gzip(n); }},
      {"websocket", [&](const Node& n) { return read_websocket(n); }},
      {"app", [&](const Node& n) { return read_app(n); }},
      {"upstream", [&](const Node& n) { return read_upstream(n); }},
      {"status", [&](const Node& n) { return read_status(n); }},
      {"drills", [&](const Node& n) { return read_bool(n, &c.drills); }},
      {"response_headers", [&](const Node& n) { return read_response_headers(n); }},
  });
}

// "listen": one address, or a list of addresses and listener objects.
bool Loader::read_listen(const Node& node) {
  std::vector<ListenConfig> listeners;
  if (!node.value.is_array()) {
    ListenConfig one;
    if (!read_listen_entry(node, &one)) return false;
    listeners.push_back(one);
  }
  for (size_t i = 0; node.value.is_array() && i < node.value.size(); i++) {
    Node item = child(node, "[" + std::to_string(i) + "]", node.value[i]);
    ListenConfig listener;
    if (!read_listen_entry(item, &listener)) return false;
    for (const ListenConfig& l : listeners) {
      if (l.same_address(listener) && l.port != 0) {
        return fail(item.path, l.host + " port " + std::to_string(l.port) + " is listed twice");
      }
    }
    listeners.push_back(listener);
  }
  if (listeners.empty()) return expected(node, "at least one address");
  config_->listeners = listeners;
  return true;
}

// "HOST:PORT", a port number, or {"address": ..., "tls": ..., ...}.
bool Loader::read_listen_entry(const Node& node, ListenConfig* out) {
  out->where = where(node.path) + ": " + display_path(node.path);
  if (!node.value.is_object()) return read_listen_address(node, out);
  bool has_address = false;
  bool ok = read_fields(node, {
      {"address", [&](const Node& n) { has_address = true; return read_listen_address(n, out); }},
      {"tls", [&](const Node& n) { out->tls = true; return read_tls(n, &out->tls_config); }},
      {"redirect_to_https", [&](const Node& n) { return read_bool(n, &out->redirect_to_https); }},
      {"hsts", [&](const Node& n) { return read_hsts(n, &out->hsts); }},
  });
  if (!ok) return false;
  if (!has_address) return fail(node.path, "\"address\" is missing");
  if (out->tls && out->redirect_to_https) {
    return fail(node.path, "redirect_to_https is for a plain http:// listener, this one has tls");
  }
  return true;
}

bool Loader::read_listen_address(const Node& node, ListenConfig* out) {
  std::string text, error;
  if (node.value.is_number_integer()) {
    text = node.value.dump();
  } else if (!read_string(node, &text)) {
    return false;
  }
  if (!parse_listen(text, &out->host, &out->port, &error)) return fail(node.path, error);
  return true;
}

bool Loader::read_tls(const Node& node, TlsConfig* tls) {
  TlsCertificate single;
  bool has_cert = false, has_key = false, has_list = false;
  bool ok = read_fields(node, {
      {"cert", [&](const Node& n) { has_cert = true; single.where = where(n.path) + ": " + display_path(n.path);
                                    return read_path(n, &single.cert); }},
      {"key", [&](const Node& n) { has_key = true; return read_path(n, &single.key); }},
      {"certificates", [&](const Node& n) { has_list = true; return read_certificates(n, &tls->certificates); }},
      {"handshake_timeout", [&](const Node& n) { return read_seconds(n, false, &tls->handshake_timeout_ms); }},
      {"min_version", [&](const Node& n) { return read_choice(n, {"1.2", "1.3"}, &tls->min_version); }},
      {"session_tickets", [&](const Node& n) { return read_bool(n, &tls->session_tickets); }},
      {"ticket_rotation", [&](const Node& n) { return read_seconds(n, false, &tls->ticket_rotation_ms); }},
  });
  if (!ok) return false;
  if (has_list && (has_cert || has_key)) {
    return fail(node.path, "give either \"cert\" and \"key\" or \"certificates\", not both");
  }
  if (has_list) return true;
  if (!has_cert || !has_key) {
    return fail(node.path, std::string("\"") + (has_cert ? "key" : "cert") + "\" is missing");
  }
  tls->certificates = {single};
  return true;
}

bool Loader::read_certificates(const Node& node, std::vector<TlsCertificate>* out) {
  if (!node.value.is_array() || node.value.empty()) {
    return expected(node, "a list of {\"cert\": FILE, \"key\": FILE}");
  }
  for (size_t i = 0; i < node.value.size(); i++) {
    Node item = child(node, "[" + std::to_string(i) + "]", node.value[i]);
    TlsCertificate certificate;
    certificate.where = where(item.path) + ": " + display_path(item.path);
    bool has_cert = false, has_key = false;
    bool ok = read_fields(item, {
        {"cert", [&](const Node& n) { has_cert = true; return read_path(n, &certificate.cert); }},
        {"key", [&](const Node& n) { has_key = true; return read_path(n, &certificate.key); }},
    });
    if (!ok) return false;
    if (!has_cert || !has_key) {
      return fail(item.path, std::string("\"") + (has_cert ? "key" : "cert") + "\" is missing");
    }
    out->push_back(certificate);
  }
  return true;
}

// A number of seconds (max-age=N), or the header's value as written.
bool Loader::read_hsts(const Node& node, std::string* out) {
  if (node.value.is_number_integer()) {
    uint64_t seconds = 0;
    if (!read_integer(node, 0, 1ull << 32, &seconds)) return false;
    *out = "max-age=" + std::to_string(seconds);
    return true;
  }
  std::string text;
  if (!read_string(node, &text)) return false;
  if (text.rfind("max-age=", 0) != 0 || text.find_first_of("\r\n", 0) != std::string::npos) {
    return fail(node.path, "expected seconds or a \"max-age=N...\" header value, got " + quote(text));
  }
  *out = text;
  return true;
}

bool Loader::read_workers(const Node& node) {
  if (node.value == "auto") {
    config_->workers = auto_worker_count();
    return true;
  }
  if (!node.value.is_number_integer()) {
    return expected(node, "\"auto\" or an integer from 1 to " + std::to_string(kMaxWorkers));
  }
  return read_integer(node, 1, kMaxWorkers, &config_->workers);
}

bool Loader::read_root(const Node& node) {
  std::string path, error;
  if (!read_path(node, &path)) return false;
  if (!resolve_folder(path, &config_->root, &error)) return fail(node.path, error);
  return true;
}

bool Loader::read_index(const Node& node) {
  std::vector<std::string> names;
  if (!read_string_list(node, &names)) return false;
  for (size_t i = 0; i < names.size(); i++) {
    const std::string& name = names[i];
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
      return fail(node.path, "entry " + quote(name) + " is not a file name");
    }
  }
  config_->index = names;
  return true;
}

bool Loader::read_mounts(const Node& node) {
  if (!node.value.is_object()) return expected(node, "an object of \"/prefix/\": \"folder\"");
  std::vector<Mount> mounts;
  for (const auto& item : node.value.items()) {
    Node member = child(node, item.key(), item.value());
    Mount mount;
    std::string dir, error;
    if (!normalise_prefix(item.key(), &mount.prefix, &error)) return fail(member.path, error);
    for (const Mount& m : mounts) {
      if (m.prefix == mount.prefix) return fail(member.path, "prefix " + m.prefix + " is mounted twice");
    }
    if (!read_path(member, &dir)) return false;
    if (!resolve_folder(dir, &mount.dir, &error)) return fail(member.path, error);
    mounts.push_back(mount);
  }
  std::stable_sort(mounts.begin(), mounts.end(), [](const Mount& a, const Mount& b) {
    return a.prefix.size() > b.prefix.size();
  });
  config_->mounts = mounts;
  return true;
}

bool Loader::read_open_file_cache(const Node& node) {
  Config& c = *config_;
  return read_fields(node, {
      {"valid", [&](const Node& n) { return read_seconds(n, true, &c.open_file_cache_valid_ms); }},
      {"entries", [&](const Node& n) { return read_integer(n, 0, 1 << 24, &c.open_file_cache_entries); }},
  });
}

bool Loader::read_limits(const Node& node) {
  Limits& l = config_->limits;
  return read_fields(node, {
      {"request_line_bytes", [&](const Node& n) { return read_size(n, 1, &l.request_line_bytes); }},
      {"header_bytes", [&](const Node& n) { return read_size(n, 1, &l.header_bytes); }},
      {"body_bytes", [&](const Node& n) { return read_size(n, 0, &l.body_bytes); }},
      {"header_timeout", [&](const Node& n) { return read_seconds(n, false, &l.header_timeout_ms); }},
      {"body_timeout", [&](const Node& n) { return read_seconds(n, false, &l.body_timeout_ms); }},
      {"keepalive_timeout", [&](const Node& n) { return read_seconds(n, false, &l.keepalive_timeout_ms); }},
      {"max_connections", [&](const Node& n) { return read_integer(n, 1, 1000000, &l.max_connections); }},
  });
}

bool Loader::read_log(const Node& node) {
  LogConfig& log = config_->log;
  std::vector<std::string> levels(std::begin(kLogLevels), std::end(kLogLevels));
  return read_fields(node, {
      {"error", [&](const Node& n) { return read_log_target(n, &log.error_log); }},
      {"access", [&](const Node& n) { return read_log_target(n, &log.access_log); }},
      {"level", [&](const Node& n) { return read_choice(n, levels, &log.level); }},
  });
}

bool Loader::read_supervisor(const Node& node) {
  SupervisorConfig& s = config_->supervisor;
  return read_fields(node, {
      {"hang_timeout", [&](const Node& n) { return read_seconds(n, false, &s.hang_timeout_ms); }},
      {"shutdown_timeout", [&](const Node& n) { return read_seconds(n, false, &s.shutdown_timeout_ms); }},
      {"retire_timeout", [&](const Node& n) { return read_seconds(n, false, &s.retire_timeout_ms); }},
      {"upgrade_timeout", [&](const Node& n) { return read_seconds(n, false, &s.upgrade_timeout_ms); }},
      {"heartbeat_interval", [&](const Node& n) { return read_seconds(n, false, &s.heartbeat_interval_ms); }},
      {"max_requests", [&](const Node& n) { return read_integer(n, 0, kMaxBytes, &s.max_requests); }},
      {"max_requests_jitter", [&](const Node& n) { return read_integer(n, 0, kMaxBytes, &s.max_requests_jitter); }},
      {"pid_file", [&](const Node& n) {
         if (n.value == "") {
           s.pid_file.clear();
           return true;
         }
         return read_path(n, &s.pid_file);
       }},
      {"daemon", [&](const Node& n) { return read_bool(n, &s.daemon); }},
  });
}

bool Loader::read_gzip(const Node& node) {
  GzipConfig& g = config_->gzip;
  return read_fields(node, {
      {"on_the_fly", [&](const Node& n) { return read_bool(n, &g.on_the_fly); }},
      {"precompressed", [&](const Node& n) {
         if (n.value == "always") {
           g.precompressed = g.precompressed_always = true;
           return true;
         }
         if (!n.value.is_boolean()) return expected(n, "true, false or \"always\"");
         g.precompressed = n.value.get<bool>();
         g.precompressed_always = false;
         return true;
       }},
      {"types", [&](const Node& n) {
         std::vector<std::string> types;
         if (!read_string_list(n, &types)) return false;
         for (const std::string& type : types) {
           size_t slash = type.find('/');
           if (slash == std::string::npos || slash == 0 || slash + 1 == type.size()) {
             return fail(n.path, "entry " + quote(type) + " is not a media type like \"text/*\"");
           }
         }
         g.types = types;
         return true;
       }},
      {"min_length", [&](const Node& n) { return read_size(n, 0, &g.min_length); }},
      {"level", [&](const Node& n) { return read_integer(n, 1, 9, &g.level); }},
      {"cache_bytes", [&](const Node& n) { return read_size(n, 0, &g.cache_bytes); }},
      {"stream_above", [&](const Node& n) { return read_size(n, 1, &g.stream_above); }},
  });
}

bool Loader::read_websocket(const Node& node) {
  WebSocketConfig& w = config_->websocket;
  return read_fields(node, {
      {"max_message_bytes", [&](const Node& n) { return read_size(n, 1, &w.max_message_bytes); }},
      {"idle_timeout", [&](const Node& n) { return read_seconds(n, false, &w.idle_timeout_ms); }},
      {"send_buffer_bytes", [&](const Node& n) { return read_size(n, 1, &w.send_buffer_bytes); }},
  });
}

bool Loader::read_app(const Node& node) {
  AppConfig& a = config_->app;
  return read_fields(node, {
      {"reply_timeout", [&](const Node& n) { return read_seconds(n, false, &a.reply_timeout_ms); }},
      // libuv's pool holds at most 1024 threads.
      {"threads", [&](const Node& n) { return read_integer(n, 1, 1024, &a.threads); }},
  });
}

bool Loader::read_upstream(const Node& node) {
  UpstreamConfig& u = config_->upstream;
  u.directory = folder_;
  return read_fields(node, {
      {"servers", [&](const Node& n) { return read_upstream_servers(n); }},
      {"command", [&](const Node& n) {
         if (!read_string_list(n, &u.command)) return false;
         if (u.command.empty() || u.command[0].empty()) return fail(n.path, "expected a program and its arguments");
         return true;
       }},
      {"instances", [&](const Node& n) { return read_integer(n, 1, UpstreamConfig::kMaxInstances, &u.instances); }},
      {"ready", [&](const Node& n) {
         std::string error;
         if (!read_string(n, &u.ready)) return false;
         if (!u.ready.empty() && !check_request_target(u.ready, &error)) return fail(n.path, error);
         return true;
       }},
      {"directory", [&](const Node& n) {
         std::string text, error;
         if (!read_string(n, &text)) return false;
         if (!resolve_folder(resolve_against(folder_, text), &u.directory, &error)) return fail(n.path, error);
         return true;
       }},
      {"environment", [&](const Node& n) { return read_environment(n); }},
      {"output", [&](const Node& n) {
         if (n.value == "error_log" || n.value == "off") {
           u.output = n.value.get<std::string>();
           return true;
         }
         if (!n.value.is_string() || n.value == "") return expected(n, "\"error_log\", \"off\" or a file path");
         return read_path(n, &u.output);
       }},
      {"start_timeout", [&](const Node& n) { return read_seconds(n, false, &u.start_timeout_ms); }},
      {"drain_timeout", [&](const Node& n) { return read_seconds(n, true, &u.drain_timeout_ms); }},
      {"stop_timeout", [&](const Node& n) { return read_seconds(n, true, &u.stop_timeout_ms); }},
      {"connect_timeout", [&](const Node& n) { return read_seconds(n, false, &u.connect_timeout_ms); }},
      {"first_byte_timeout", [&](const Node& n) { return read_seconds(n, false, &u.first_byte_timeout_ms); }},
      {"read_timeout", [&](const Node& n) { return read_seconds(n, false, &u.read_timeout_ms); }},
      {"send_timeout", [&](const Node& n) { return read_seconds(n, false, &u.send_timeout_ms); }},
      {"keepalive", [&](const Node& n) { return read_integer(n, 0, 10000, &u.keepalive); }},
      {"keepalive_timeout", [&](const Node& n) { return read_seconds(n, false, &u.keepalive_timeout_ms); }},
      {"tries", [&](const Node& n) { return read_integer(n, 1, 100, &u.tries); }},
      {"retry_timeout", [&](const Node& n) { return read_seconds(n, true, &u.retry_timeout_ms); }},
      {"fail_timeout", [&](const Node& n) { return read_seconds(n, true, &u.fail_timeout_ms); }},
      {"max_body", [&](const Node& n) { return read_size(n, 0, &u.max_body_bytes); }},
  });
}

bool Loader::read_upstream_servers(const Node& node) {
  if (!node.value.is_array()) return expected(node, "a list of \"HOST:PORT\" or \"unix:/path\" addresses");
  std::vector<UpstreamAddress> servers;
  for (size_t i = 0; i < node.value.size(); i++) {
    Node item = child(node, "[" + std::to_string(i) + "]", node.value[i]);
    std::string text, error;
    UpstreamAddress address;
    if (!read_string(item, &text)) return false;
    if (!parse_upstream_address(text, &address, &error)) return fail(item.path, error);
    servers.push_back(address);
  }
  config_->upstream.servers = servers;
  return true;
}

bool Loader::read_environment(const Node& node) {
  if (!node.value.is_object()) return expected(node, "an object of \"NAME\": \"value\"");
  std::vector<std::pair<std::string, std::string>> variables;
  for (const auto& item : node.value.items()) {
    Node member = child(node, item.key(), item.value());
    std::string value;
    if (!read_string(member, &value)) return false;
    const std::string& name = item.key();
    if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos ||
        value.find('\0') != std::string::npos) {
      return fail(member.path, "not a valid environment variable");
    }
    variables.emplace_back(name, value);
  }
  config_->upstream.environment = variables;
  return true;
}

bool Loader::read_response_headers(const Node& node) {
  if (!node.value.is_object()) return expected(node, "an object of \"Header-Name\": \"value\"");
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& item : node.value.items()) {
    Node member = child(node, item.key(), item.value());
    std::string value, error;
    if (!read_string(member, &value)) return false;
    if (!check_header(item.key(), value, &error)) return fail(member.path, error);
    headers.emplace_back(item.key(), value);
  }
  config_->response_headers = headers;
  return true;
}

// A status section turns the route on, at /status unless `path` says
// otherwise; `allow` keeps its loopback default unless given.
bool Loader::read_status(const Node& node) {
  StatusConfig& st = config_->status;
  st.path = "/status";
  return read_fields(node, {
      {"path", [&](const Node& n) {
         std::string error;
         if (!read_string(n, &st.path)) return false;
         if (!check_route_path(st.path, &error)) return fail(n.path, error);
         return true;
       }},
      {"allow", [&](const Node& n) { return read_allow_list(n, &st.allow); }},
  });
}

bool Loader::read_allow_list(const Node& node, AddressAllowList* out) {
  if (!node.value.is_array()) return expected(node, "a list of addresses and CIDR blocks");
  AddressAllowList list;
  for (size_t i = 0; i < node.value.size(); i++) {
    Node item = child(node, "[" + std::to_string(i) + "]", node.value[i]);
    std::string text, error;
    if (!read_string(item, &text)) return false;
    if (!list.add(text, &error)) return fail(item.path, error);
  }
  *out = list;
  return true;
}

// Rules between keys, checked once every key is read. A key that is not in
// the file has no line, so the message names both keys.
bool Loader::check_consistency() {
  const Limits& l = config_->limits;
  if (l.request_line_bytes > l.header_bytes) {
    return fail({"limits", "request_line_bytes"},
                std::to_string(l.request_line_bytes) + " is larger than limits.header_bytes (" +
                    std::to_string(l.header_bytes) + "), which includes the request line");
  }
  const SupervisorConfig& s = config_->supervisor;
  if (s.heartbeat_interval_ms >= s.hang_timeout_ms) {
    return fail({"supervisor", "heartbeat_interval"},
                seconds_text(s.heartbeat_interval_ms) + " s must be shorter than " +
                    "supervisor.hang_timeout (" + seconds_text(s.hang_timeout_ms) + " s)");
  }
  return true;
}

// ------------------------------------------------------------ value types

bool Loader::read_bool(const Node& node, bool* out) {
  if (!node.value.is_boolean()) return expected(node, "true or false");
  *out = node.value.get<bool>();
  return true;
}

bool Loader::read_string(const Node& node, std::string* out) {
  if (!node.value.is_string()) return expected(node, "a string");
  *out = node.value.get<std::string>();
  return true;
}

bool Loader::read_path(const Node& node, std::string* out) {
  std::string text;
  if (!read_string(node, &text)) return false;
  if (text.empty()) return expected(node, "a path");
  *out = resolve_against(folder_, text);
  return true;
}

bool Loader::read_log_target(const Node& node, std::string* out) {
  if (node.value == "stderr" || node.value == "off") {
    *out = node.value.get<std::string>();
    return true;
  }
  if (!node.value.is_string() || node.value == "") {
    return expected(node, "\"stderr\", \"off\" or a file path");
  }
  return read_path(node, out);
}

bool Loader::read_choice(const Node& node, const std::vector<std::string>& choices,
                         std::string* out) {
  for (const std::string& choice : choices) {
    if (node.value == choice) {
      *out = choice;
      return true;
    }
  }
  return expected(node, (choices.size() == 2 ? "" : "one of ") + join_quoted(choices));
}

bool Loader::read_seconds(const Node& node, bool allow_zero, uint64_t* ms) {
  const char* what = allow_zero ? "a number of seconds (0 or more)" : "a number of seconds";
  if (!node.value.is_number()) return expected(node, what);
  double seconds = node.value.get<double>();
  if (!std::isfinite(seconds) || seconds < 0 || seconds > kMaxSeconds) {
    return fail(node.path, "must be from " + std::string(allow_zero ? "0" : "0.001") +
                               " to 31536000 seconds, got " + describe(node.value));
  }
  uint64_t rounded = static_cast<uint64_t>(std::llround(seconds * 1000));
  if (rounded == 0 && !allow_zero) {
    return fail(node.path, "must be at least 0.001 seconds, got " + describe(node.value));
  }
  *ms = rounded;
  return true;
}

bool Loader::read_string_list(const Node& node, std::vector<std::string>* out) {
  if (!node.value.is_array()) return expected(node, "a list of strings");
  out->clear();
  for (size_t i = 0; i < node.value.size(); i++) {
    Node item = child(node, "[" + std::to_string(i) + "]", node.value[i]);
    std::string text;
    if (!read_string(item, &text)) return false;
    out->push_back(text);
  }
  return true;
}

template <typename T>
bool Loader::read_integer(const Node& node, uint64_t min, uint64_t max, T* out) {
  if (!node.value.is_number_integer()) {
    return expected(node, min == 0 ? "a non-negative integer" : "a positive integer");
  }
  bool negative = node.value.is_number_unsigned() ? false : node.value.get<int64_t>() < 0;
  uint64_t value = negative ? 0 : node.value.get<uint64_t>();
  if (negative || value < min || value > max) {
    return fail(node.path, "must be from " + std::to_string(min) + " to " + std::to_string(max) +
                               ", got " + describe(node.value));
  }
  *out = static_cast<T>(value);
  return true;
}

// A size as nginx writes it: bytes, or a string of digits with k, m or g
// (powers of 1024). Returns false for anything else.
bool parse_size(const std::string& text, uint64_t* bytes) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') digits++;
  if (digits == 0 || digits > 12 || text.size() > digits + 1) return false;
  uint64_t value = std::stoull(text.substr(0, digits));
  int shift = 0;
  if (text.size() == digits + 1) {
    switch (text[digits]) {
      case 'k': case 'K': shift = 10; break;
      case 'm': case 'M': shift = 20; break;
      case 'g': case 'G': shift = 30; break;
      default: return false;
    }
  }
  *bytes = value << shift;
  return true;
}

template <typename T>
bool Loader::read_size(const Node& node, uint64_t min, T* out) {
  if (node.value.is_number_integer()) return read_integer(node, min, kMaxBytes, out);
  uint64_t value = 0;
  if (!node.value.is_string() || !parse_size(node.value.get<std::string>(), &value)) {
    return expected(node, "a size (bytes, or a number with k, m or g: \"64k\", \"1m\")");
  }
  if (value < min || value > kMaxBytes) {
    return fail(node.path, "must be from " + std::to_string(min) + " to " + std::to_string(kMaxBytes) +
                               " bytes, got " + describe(node.value));
  }
  *out = static_cast<T>(value);
  return true;
}

bool parse_port(const std::string& text, int* port) {
  if (text.empty() || text.size() > 5) return false;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  int value = std::stoi(text);
  if (value > 65535) return false;
  *port = value;
  return true;
}

bool parse_host(const std::string& text, bool bracketed, std::string* host) {
  if (bracketed) {
    in6_addr address6;
    if (inet_pton(AF_INET6, text.c_str(), &address6) != 1) return false;
    *host = text;
    return true;
  }
  if (text.empty() || text == "*") {
    *host = "0.0.0.0";
  } else if (text == "localhost") {
    *host = "127.0.0.1";
  } else {
    in_addr address4;
    if (inet_pton(AF_INET, text.c_str(), &address4) != 1) return false;
    *host = text;
  }
  return true;
}

}  // namespace

bool parse_listen(const std::string& text, std::string* host, int* port, std::string* error) {
  std::string host_text, port_text;
  bool bracketed = !text.empty() && text[0] == '[';
  size_t colon = bracketed ? text.find("]:") : text.rfind(':');
  if (bracketed) {
    if (colon == std::string::npos) {
      *error = "expected [IPV6]:PORT, got " + quote(text);
      return false;
    }
    host_text = text.substr(1, colon - 1);
    port_text = text.substr(colon + 2);
  } else if (colon == std::string::npos) {
    port_text = text;
  } else if (text.find(':') != colon) {
    *error = "IPv6 addresses need brackets, as in \"[::1]:3000\", got " + quote(text);
    return false;
  } else {
    host_text = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  std::string parsed_host;
  int parsed_port = 0;
  if (!parse_port(port_text, &parsed_port)) {
    *error = "expected HOST:PORT, [IPV6]:PORT, :PORT or PORT with PORT from 0 to 65535, got " +
             quote(text);
    return false;
  }
  if (!parse_host(host_text, bracketed, &parsed_host)) {
    *error = "host " + quote(host_text) +
             " is not a numeric IP address (only \"localhost\" and \"*\" are names)";
    return false;
  }
  *host = parsed_host;
  *port = parsed_port;
  return true;
}

int auto_worker_count() {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return static_cast<int>(std::clamp<long>(cpus, 1, kMaxWorkers));
}

bool is_log_level(const std::string& name) {
  return std::find(std::begin(kLogLevels), std::end(kLogLevels), name) != std::end(kLogLevels);
}

bool resolve_folder(const std::string& path, std::string* canonical, std::string* error) {
  std::error_code ec;
  std::filesystem::path resolved = std::filesystem::canonical(path, ec);
  if (ec) {
    *error = (ec == std::errc::no_such_file_or_directory ? "no such folder: " + path
                                                          : path + ": " + ec.message());
    return false;
  }
  if (!std::filesystem::is_directory(resolved, ec)) {
    *error = "not a folder: " + path;
    return false;
  }
  *canonical = resolved.string();
  return true;
}

// No root: serving whatever folder hearth was started in would publish
// anything in it, config and logs included.
Config default_config() { return Config(); }

bool load_config(const std::string& path, Config* out, std::string* error) {
  try {
    std::string text;
    Document doc;
    if (!read_file(path, &text, error) || !parse_document(path, text, &doc, error)) return false;
    Config config;
    if (!Loader(path, doc, &config, error).load()) return false;
    *out = std::move(config);
    return true;
  } catch (const std::exception& e) {  // no exception leaves the loader
    *error = path + ": cannot load: " + e.what();
    return false;
  }
}

}  // namespace hearth

namespace hearth {

bool UpstreamConfig::uses_socket() const {
  return std::any_of(command.begin(), command.end(),
                     [](const std::string& arg) { return arg.find("{socket}") != std::string::npos; });
}

}  // namespace hearth
