// The demo page over HTTPS in a real browser: hearth serves site/ on a TLS
// listener with the certificate etc/demo_certificates.sh makes (the one
// `make run` uses: a private CA limited to localhost, and a server
// certificate it signed), and headless Chromium loads the page, its fetch
// of /json and its two wss:// WebSockets (tests/process/browser_page.py,
// bounded to 60 s per run). Chromium is told to accept that one server
// certificate by the SHA-256 of its public key, not to ignore certificate
// errors; without it the page is refused, which is checked too. Also the
// plain listener that redirects a browser to https://, and the shipped
// etc/hearth.json passing -t once the script made its certificates.
#include <stdlib.h>

#include <string>

#include <gtest/gtest.h>

#include "tests/support/process_tools.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace hearth::test {
namespace {

// Runs etc/demo_certificates.sh DIR (bounded); its exit status, output in *out.
int make_demo_certificates(const std::string& dir, std::string* out) {
  out->clear();
  return run_command("timeout -k 5 60 sh " + absolute_path("etc/demo_certificates.sh") + " " + dir + " 2>&1", out);
}

class TlsBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string out;
    ASSERT_EQ(make_demo_certificates(tls_dir(), &out), 0) << out;
    std::string site = absolute_path("site");
    server_.config()["root"] = site;
    server_.config()["mounts"] = {{"/public/", site + "/public"}};
    server_.config()["workers"] = 2;
    server_.config()["listen"] = nlohmann::json::array(
        {{{"address", "127.0.0.1:0"},
          {"tls", {{"cert", tls_dir() + "/localhost.pem"}, {"key", tls_dir() + "/localhost.key"}}}},
         {{"address", "127.0.0.1:0"}, {"redirect_to_https", true}}});
    ASSERT_TRUE(server_.start()) << server_.error_log();
  }

  std::string tls_dir() const { return server_.dir().path() + "/tls"; }
  std::string https_url() const { return "https://localhost:" + std::to_string(server_.ports().at(0)) + "/"; }
  std::string redirect_url() const { return "http://localhost:" + std::to_string(server_.ports().at(1)) + "/"; }
  std::string trust() const { return " --trust-cert " + tls_dir() + "/localhost.pem"; }

  // browser_page.py ARGS, at most 60 s; its exit status, output in *out.
  int browse(const std::string& args, std::string* out) const {
    return run_command("timeout -k 5 60 /usr/bin/python3 " + process_test_dir() + "browser_page.py " + args + " 2>&1", out);
  }

  ServerProcess server_;
};

TEST_F(TlsBrowser, DemoPageShowsJsonAndWssRoundTripsOverHttps) {
  std::string out;
  int status = browse(https_url() + trust(), &out);
  EXPECT_EQ(status, 0) << out << server_.error_log();
  EXPECT_NE(out.find("PASS browser"), std::string::npos) << out;
  EXPECT_NE(out.find("Hello from hearth"), std::string::npos) << out;
  // The page itself came over https, so its sockets were wss://.
  EXPECT_NE(out.find("\"url\": \"" + https_url() + "\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"echoOk\": \"yes\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"chatOk\": \"yes\""), std::string::npos) << out;
}

TEST_F(TlsBrowser, WithoutTheCertificateTrustedTheBrowserRefusesThePage) {
  std::string out;
  EXPECT_NE(browse(https_url(), &out), 0) << out;
  EXPECT_NE(out.find("ERR_CERT_AUTHORITY_INVALID"), std::string::npos) << out;
  EXPECT_EQ(out.find("PASS browser"), std::string::npos) << out;
}

TEST_F(TlsBrowser, PlainListenerSendsTheBrowserToHttps) {
  std::string out;
  int status = browse(redirect_url() + trust() + " --expect-url " + https_url(), &out);
  EXPECT_EQ(status, 0) << out << server_.error_log();
  EXPECT_NE(out.find("PASS browser"), std::string::npos) << out;
  EXPECT_NE(out.find("\"url\": \"" + https_url() + "\""), std::string::npos) << out;
}

// etc/hearth.json names the files the script writes: a copy of it (beside
// a site folder, as in the tree) fails -t until the script ran, then passes.
// Running the script again keeps the files.
TEST(DemoCertificates, ShippedConfigPassesCheckWithTheScriptsCertificates) {
  TempDir dir;
  dir.mkdir("site/public");
  std::string config = dir.write("etc/hearth.json", read_file("etc/hearth.json"));
  std::string out;
  EXPECT_EQ(run_hearth({"-t", "-c", config}, &out), 1) << out;
  EXPECT_NE(out.find("tls/localhost.pem"), std::string::npos) << out;

  ASSERT_EQ(make_demo_certificates(dir.path() + "/etc/tls", &out), 0) << out;
  EXPECT_EQ(run_hearth({"-t", "-c", config}, &out), 0) << out;
  EXPECT_NE(out.find("test is successful"), std::string::npos) << out;

  std::string ca = read_file(dir.path() + "/etc/tls/ca.pem");
  std::string cert = read_file(dir.path() + "/etc/tls/localhost.pem");
  ASSERT_EQ(make_demo_certificates(dir.path() + "/etc/tls", &out), 0) << out;
  EXPECT_EQ(out, "") << "nothing to do the second time";
  EXPECT_EQ(read_file(dir.path() + "/etc/tls/ca.pem"), ca);
  EXPECT_EQ(read_file(dir.path() + "/etc/tls/localhost.pem"), cert);
}

}  // namespace
}  // namespace hearth::test
