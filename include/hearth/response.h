// A response under construction: status, headers and a body. Handlers fill
// it; when the handler returns, hearth writes it (Content-Length, Date and
// Connection are added then, and a HEAD request gets the head only).
//
//   res.json({{"id", 7}});                  // 200, application/json
//   res.text("not yet", 503);               // text/plain; charset=utf-8
//   res.redirect("/login");                 // 302 Found, Location: /login
//   res.headers.set("Cache-Control", "no-store");
//   res.set_cookie("session", token, {.max_age = 3600});   // C++20 designated
//
// An error status with no body (res.status = 404) gets hearth's error page,
// in JSON when the request asked for JSON.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include <hearth/cookies.h>
#include <hearth/headers.h>

namespace hearth {

// Bodies only the engine builds (slices of open files, streamed bodies). Its
// definition is the engine's (worker/http/response_body.h); apps never see it.
struct EngineBody;
// A deferred response (<hearth/reply.h>).
class Reply;
struct ReplyState;

struct Response {  // a new member is reset in worker/http/exchange.cc too
  Response() { headers.reserve(8); }  // a typical response: one allocation for its fields

  int status = 200;
  Headers headers;
  std::string body;
  // Instead of `body`: bytes shared with whoever else holds them (a page the
  // app caches, a file the engine cached), sent without being copied.
  std::shared_ptr<const std::string> shared_body;
  // Adds Connection: close and closes the connection after this response.
  bool close_connection = false;

  // Body helpers; each sets the status and Content-Type too. json() writes
  // invalid UTF-8 in strings as U+FFFD rather than throwing.
  void json(const nlohmann::json& value, int status_code = 200);
  void text(std::string s, int status_code = 200);
  void html(std::string s, int status_code = 200);
  // A redirect to `location`, a path on this site ("/login") or a full URL
  // the app chose. `status_code`: 301, 302, 303, 307 or 308.
  void redirect(const std::string& location, int status_code = 302);
  // Sets one header (replacing any of the same name); returns *this for chaining.
  Response& set_header(std::string_view name, std::string_view value);
  // Adds a Set-Cookie header (RFC 6265). Throws std::invalid_argument when the
  // name or value has characters a cookie may not carry.
  void set_cookie(std::string_view name, std::string_view value, const CookieOptions& options = {});

  // Answer later (<hearth/reply.h>): the returned Reply completes this
  // response after the handler returned. Again: the same Reply. `timeout`:
  // answered 504 if still open then; 0 means the config's app.reply_timeout.
  // Throws std::logic_error outside a handler.
  Reply defer(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

  // Bytes of the body as it will be sent (0 for a streamed body).
  uint64_t body_length() const;
  // The in-memory body: shared_body when set, else body.
  const std::string& body_bytes() const { return shared_body ? *shared_body : body; }

  // The engine's part; null for responses an app builds.
  std::shared_ptr<EngineBody> engine_body;
  // Set by defer(); the Reply copies own it.
  std::weak_ptr<ReplyState> deferral;
};

// "Not Found" for 404; "Unknown" for codes hearth does not name.
const char* status_reason(int status);

}  // namespace hearth

// After Response: Reply needs the whole type, and defer() callers need Reply.
#include <hearth/reply.h>
