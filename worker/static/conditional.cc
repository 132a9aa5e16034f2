#include "worker/static/conditional.h"

#include <string_view>

#include "worker/http/http_date.h"

namespace hearth {

namespace {

struct EntityTag {
  bool weak = false;
  std::string_view opaque;  // with its quotes
};

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// Reads one entity-tag ([W/] DQUOTE *etagc DQUOTE) from the front of *s.
bool take_entity_tag(std::string_view* s, EntityTag* tag) {
  std::string_view rest = *s;
  tag->weak = rest.substr(0, 2) == "W/";
  if (tag->weak) rest.remove_prefix(2);
  if (rest.empty() || rest.front() != '"') return false;
  size_t close = rest.find('"', 1);
  if (close == std::string_view::npos) return false;
  tag->opaque = rest.substr(0, close + 1);
  s->remove_prefix(s->size() - rest.size() + close + 1);
  return true;
}

bool parse_whole_tag(std::string_view s, EntityTag* tag) {
  s = trim_ows(s);
  EntityTag parsed;
  if (!take_entity_tag(&s, &parsed) || !s.empty()) return false;
  *tag = parsed;
  return true;
}

bool strong_match(const EntityTag& a, const EntityTag& b) {
  return !a.weak && !b.weak && a.opaque == b.opaque;
}

bool weak_match(const EntityTag& a, const EntityTag& b) { return a.opaque == b.opaque; }

// Whether the field value `list` ("*" or #entity-tag) matches the current tag; "*" matches any
// existing representation.
bool list_matches(std::string_view list, const EntityTag& current,
                  bool (*match)(const EntityTag&, const EntityTag&)) {
  list = trim_ows(list);
  if (list == "*") return true;
  while (!list.empty()) {
    if (list.front() == ',' || is_ows(list.front())) {
      list.remove_prefix(1);
      continue;
    }
    EntityTag tag;
    if (!take_entity_tag(&list, &tag)) return false;
    if (match(tag, current)) return true;
  }
  return false;
}

bool is_get_or_head(std::string_view method) { return method == "GET" || method == "HEAD"; }

// The date in header `name`, when it is present and valid.
bool header_date(const Headers& headers, std::string_view name, int64_t* date) {
  const std::string* value = headers.find(name);
  return value != nullptr && parse_http_date(*value, date);
}

// Any field that may be one of the four preconditions: they all start "If-".
// Most requests carry none, and one pass over the names is cheaper than four
// case-insensitive searches.
bool may_have_precondition(const Headers& headers) {
  for (const Headers::Field& f : headers.fields()) {
    const std::string& name = f.first;
    if (name.size() > 3 && (name[0] == 'I' || name[0] == 'i') && (name[1] == 'F' || name[1] == 'f') &&
        name[2] == '-')
      return true;
  }
  return false;
}

}  // namespace

std::string make_etag(int64_t mtime, uint64_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[2 + 16 + 1 + 16 + 1];
  char* p = buf;
  *p++ = '"';
  auto put_hex = [&p](uint64_t v) {
    char digits[16];
    int n = 0;
    do {
      digits[n++] = kHex[v & 0xf];
      v >>= 4;
    } while (v != 0);
    while (n > 0) *p++ = digits[--n];
  };
  put_hex(mtime < 0 ? 0 : static_cast<uint64_t>(mtime));
  *p++ = '-';
  put_hex(size);
  *p++ = '"';
  return std::string(buf, p);
}

Precondition evaluate_preconditions(const Headers& headers, const std::string& method,
                                    const Validators& v) {
  if (!may_have_precondition(headers)) return Precondition::kProceed;
  EntityTag current;  // stays empty, matching no listed tag, if v.etag is malformed
  parse_whole_tag(v.etag, &current);
  int64_t date = 0;

  if (const std::string* if_match = headers.find("If-Match")) {
    if (!list_matches(*if_match, current, strong_match)) return Precondition::kFailed;
  } else if (header_date(headers, "If-Unmodified-Since", &date) && v.mtime > date) {
    return Precondition::kFailed;
  }

  const bool safe = is_get_or_head(method);
  if (const std::string* if_none_match = headers.find("If-None-Match")) {
    if (list_matches(*if_none_match, current, weak_match))
      return safe ? Precondition::kNotModified : Precondition::kFailed;
  } else if (safe && header_date(headers, "If-Modified-Since", &date) && v.mtime <= date) {
    return Precondition::kNotModified;
  }
  return Precondition::kProceed;
}

bool if_range_allows(const Headers& headers, const Validators& v) {
  const std::string* if_range = headers.find("If-Range");
  if (if_range == nullptr) return true;
  std::string_view value = trim_ows(*if_range);
  if (!value.empty() && (value.front() == '"' || value.substr(0, 2) == "W/")) {
    EntityTag requested, current;
    return parse_whole_tag(value, &requested) && parse_whole_tag(v.etag, &current) &&
           strong_match(requested, current);
  }
  int64_t date = 0;
  return parse_http_date(value, &date) && date == v.mtime;
}

}  // namespace hearth
