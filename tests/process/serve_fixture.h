// A running hearth with a small docroot, shared by the serving tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/http_client.h"
#include "tests/support/server_process.h"

namespace hearth::test {

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>();
    const TempDir& d = server_->dir();
    d.write("root/index.html", "<h1>home</h1>\n");
    d.write("root/hello.txt", "hello world\n");
    d.write("root/docs/index.html", "<h1>docs</h1>\n");
    d.write("root/empty/.keep", "");
    d.write("root/.secret", "top secret\n");
    d.write("root/.well-known/security.txt", "Contact: nobody\n");
    d.write("root/big.bin", big_body());
    d.write("assets/app.js", "console.log('mounted');\n");
    d.write("outside.txt", "outside the root\n");
    customize(server_->config());
    server_->config()["mounts"] = {{"/public/", d.path() + "/assets"}};
    ASSERT_TRUE(server_->start()) << server_->error_log();
    port_ = server_->port();
  }

  virtual void customize(nlohmann::json&) {}

  static const std::string& big_body() {
    static const std::string body = [] {
      std::string s(3 * 1024 * 1024, '\0');
      uint32_t x = 12345;
      for (char& c : s) {
        x = x * 1103515245 + 12345;
        c = static_cast<char>(x >> 24);
      }
      return s;
    }();
    return body;
  }

  HttpResponse get(const std::string& target, const std::vector<std::string>& headers = {}) {
    return http_get(port_, target, headers);
  }

  std::unique_ptr<ServerProcess> server_;
  int port_ = 0;
};

}  // namespace hearth::test
