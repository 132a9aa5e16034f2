#include "worker/compress/accept_encoding.h"

#include <algorithm>
#include <cctype>
#include <iterator>

#include <hearth/headers.h>

namespace hearth {

namespace {

constexpr size_t kMaxEntries = 64;

bool is_tchar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths.
bool parse_qvalue(std::string_view s, int* q) {
  if (s.empty() || (s[0] != '0' && s[0] != '1')) return false;
  const bool one = s[0] == '1';
  if (s.size() == 1) {
    *q = one ? 1000 : 0;
    return true;
  }
  if (s[1] != '.' || s.size() > 5) return false;
  int thousandths = 0;
  int scale = 100;
  for (size_t i = 2; i < s.size(); i++, scale /= 10) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    thousandths += (s[i] - '0') * scale;
  }
  if (one && thousandths != 0) return false;
  *q = one ? 1000 : thousandths;
  return true;
}

// weight = OWS ";" OWS "q=" qvalue; the ';' is already consumed.
bool parse_weight(std::string_view param, int* q) {
  param = trim(param);
  size_t eq = param.find('=');
  if (eq == std::string_view::npos) return false;
  if (!iequals(trim(param.substr(0, eq)), "q")) return false;
  return parse_qvalue(trim(param.substr(eq + 1)), q);
}

// One list element: codings [ weight ]. An empty element is skipped.
bool parse_element(std::string_view element, AcceptEncoding* out) {
  element = trim(element);
  if (element.empty()) return true;
  size_t semi = element.find(';');
  std::string_view coding = trim(element.substr(0, semi));
  if (!is_token(coding)) return false;
  AcceptEncoding::Entry entry;
  entry.coding = lower(coding);
  while (semi != std::string_view::npos) {
    element.remove_prefix(semi + 1);
    semi = element.find(';');
    if (!parse_weight(element.substr(0, semi), &entry.q)) return false;
  }
  if (out->entries.size() == kMaxEntries) return false;
  out->entries.push_back(std::move(entry));
  return true;
}

bool names(const AcceptEncoding::Entry& entry, Encoding e) {
  switch (e) {
    case Encoding::kGzip: return entry.coding == "gzip" || entry.coding == "x-gzip";
    case Encoding::kBrotli: return entry.coding == "br";
    case Encoding::kIdentity: return entry.coding == "identity";
  }
  return false;
}

// Ranks `e` for choose_encoding: -1 not acceptable, 0 acceptable but only
// implicitly (identity), otherwise the client's q.
int rank(const AcceptEncoding& accept, Encoding e) {
  int q = accept.quality(e);
  if (e == Encoding::kIdentity && q < 0) return 0;
  return q > 0 ? q : -1;
}

}  // namespace

const char* encoding_token(Encoding e) {
  switch (e) {
    case Encoding::kGzip: return "gzip";
    case Encoding::kBrotli: return "br";
    case Encoding::kIdentity: return "";
  }
  return "";
}

const char* encoding_suffix(Encoding e) {
  switch (e) {
    case Encoding::kGzip: return ".gz";
    case Encoding::kBrotli: return ".br";
    case Encoding::kIdentity: return "";
  }
  return "";
}

int AcceptEncoding::quality(Encoding e) const {
  int wildcard = -1;
  for (const Entry& entry : entries) {
    if (names(entry, e)) return entry.q;
    if (entry.coding == "*" && wildcard < 0) wildcard = entry.q;
  }
  return wildcard;
}

bool parse_accept_encoding(std::string_view value, AcceptEncoding* out) {
  out->entries.clear();
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    if (!parse_element(value.substr(start, comma - start), out)) return false;
    start = comma + 1;
  }
  return true;
}

Encoding choose_encoding(const AcceptEncoding& accept, EncodingSet available) {
  // Server preference order: a tie keeps the earlier one.
  static constexpr Encoding kOrder[] = {Encoding::kBrotli, Encoding::kGzip, Encoding::kIdentity};
  Encoding best = Encoding::kIdentity;
  int best_rank = -1;
  for (Encoding e : kOrder) {
    if (e != Encoding::kIdentity && !available.has(e)) continue;
    int r = rank(accept, e);
    if (r > best_rank) {
      best = e;
      best_rank = r;
    }
  }
  return best;
}

Encoding EncodingChooser::choose(const std::string* header, EncodingSet available) {
  if (header == nullptr) return Encoding::kIdentity;
  if (!has_last_ || *header != last_header_) {
    last_header_ = *header;
    has_last_ = true;
    std::fill(std::begin(answers_), std::end(answers_), int8_t(-1));
  }
  int8_t& answer = answers_[available.bits() & 7];
  if (answer < 0) answer = static_cast<int8_t>(choose_encoding(header, available));
  return static_cast<Encoding>(answer);
}

Encoding choose_encoding(const std::string* header, EncodingSet available) {
  if (header == nullptr) return Encoding::kIdentity;
  AcceptEncoding accept;
  if (!parse_accept_encoding(*header, &accept)) return Encoding::kIdentity;
  return choose_encoding(accept, available);
}

}  // namespace hearth
