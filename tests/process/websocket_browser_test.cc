// The demo page in a real browser: headless Chromium (Debian's `chromium`,
// installed by `make deps`) loads index.html from a running hearth, runs its
// script (fetch /json, WebSocket /socket and /chat) and dumps the DOM, which
// must show the JSON answer and both WebSocket round trips.
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "tests/support/server_process.h"

#include <gtest/gtest.h>

namespace hearth::test {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

std::string absolute(const std::string& relative) {
  char* p = realpath(relative.c_str(), nullptr);
  std::string out = p != nullptr ? p : relative;
  free(p);
  return out;
}

// Runs `cmd`, returns its stdout (stderr dropped) and exit status.
int run(const std::string& cmd, std::string* out) {
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string element(const std::string& dom, const std::string& id) {
  size_t start = dom.find("id=\"" + id + "\"");
  if (start == std::string::npos) return "";
  size_t end = dom.find("</pre>", start);
  return dom.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST(WebSocketBrowser, DemoPageShowsJsonAndWebSocketRoundTrips) {
  ASSERT_EQ(access(kChromium, X_OK), 0) << kChromium << " is missing: run `make deps`";
  ServerProcess server;
  std::string site = absolute("site");
  server.config()["root"] = site;
  server.config()["mounts"] = {{"/public/", site + "/public"}};
  ASSERT_TRUE(server.start()) << server.error_log();

  // --virtual-time-budget lets the page's network and timers settle before
  // the DOM is dumped; `timeout` bounds a browser that hangs.
  std::string profile = server.dir().path() + "/chromium-profile";
  std::string cmd = std::string("timeout -k 5 45 ") + kChromium +
                    " --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions"
                    " --user-data-dir=" + profile + " --virtual-time-budget=5000 --dump-dom"
                    " http://127.0.0.1:" + std::to_string(server.port()) + "/ 2>/dev/null";
  std::string dom;
  ASSERT_EQ(run(cmd, &dom), 0) << dom;

  EXPECT_NE(element(dom, "json").find("Hello from hearth"), std::string::npos) << dom;
  std::string echo = element(dom, "echo");
  EXPECT_NE(echo.find("data-ok=\"yes\""), std::string::npos) << echo;
  EXPECT_NE(echo.find("echo: hello from the page"), std::string::npos) << echo;
  std::string chat = element(dom, "chat");
  EXPECT_NE(chat.find("data-ok=\"yes\""), std::string::npos) << chat;
  EXPECT_NE(chat.find("connected to worker"), std::string::npos) << chat;
}

}  // namespace
}  // namespace hearth::test
