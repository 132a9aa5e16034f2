// The demo page in a real browser: headless Chromium (Debian's `chromium`,
// installed by `make deps`) loads index.html from a running hearth and runs
// its script (fetch /json, WebSocket /socket and /chat);
// tests/process/browser_page.py drives it over the DevTools protocol and
// waits (at most 30 s) until the page shows the JSON answer and both
// WebSocket round trips.
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/process_tools.h"
#include "tests/support/server_process.h"

namespace hearth::test {
namespace {

TEST(WebSocketBrowser, DemoPageShowsJsonAndWebSocketRoundTrips) {
  ServerProcess server;
  std::string site = absolute_path("site");
  server.config()["root"] = site;
  server.config()["mounts"] = {{"/public/", site + "/public"}};
  ASSERT_TRUE(server.start()) << server.error_log();

  std::string out;
  int status = run_command("timeout -k 5 60 /usr/bin/python3 " + process_test_dir() + "browser_page.py " +
                           std::to_string(server.port()) + " 2>&1", &out);
  EXPECT_EQ(status, 0) << out << server.error_log();
  EXPECT_NE(out.find("PASS browser"), std::string::npos) << out;
  EXPECT_NE(out.find("Hello from hearth"), std::string::npos) << out;
}

}  // namespace
}  // namespace hearth::test
