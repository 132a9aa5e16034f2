// HTTPS on the workers' loops, driven by clients nobody here wrote: curl
// and openssl s_client against a CA made at test time (no key is ever
// committed). Also the plain listener that redirects to https://, what a
// TLS port does with plain HTTP and noise, the handshake timeout, session
// resumption across workers, and certificates replaced by a reload.
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/http_client.h"
#include "tests/support/process_tools.h"
#include "tests/support/server_process.h"

namespace hearth::test {
namespace {

// Runs `cmd` bounded to 30 s; returns its output (stdout and stderr).
std::string shell(const std::string& cmd, int* status = nullptr) {
  std::string out;
  int rc = run_command("timeout 30 sh -c '" + cmd + "' 2>&1", &out);
  if (status != nullptr) *status = rc;
  return out;
}

// A private CA and, signed by it, certificates for localhost/127.0.0.1
// (ECDSA P-256, as most sites now use), in `dir`.
void make_certificates(const std::string& dir) {
  int rc = 0;
  shell("cd " + dir +
            " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem"
            " -days 2 -subj /CN=hearth-test-ca"
            " && printf \"subjectAltName=DNS:localhost,IP:127.0.0.1\\n\" > san.ext"
            " && for name in site renewed; do"
            "   openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $name.key -out $name.csr"
            "     -subj /CN=localhost"
            "   && openssl x509 -req -in $name.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2"
            "     -extfile san.ext -out $name.pem || exit 1; done",
        &rc);
  ASSERT_EQ(rc, 0) << "openssl could not make the test certificates";
}

// The SHA-256 fingerprint of the certificate the server on `port` sends
// (or of the file `pem`).
std::string served_fingerprint(int port) {
  return shell("openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
               " -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256");
}
std::string file_fingerprint(const std::string& pem) {
  return shell("openssl x509 -noout -fingerprint -sha256 -in " + pem);
}

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    make_certificates(server_.dir().path());
    server_.dir().write("root/index.html", "<h1>home</h1>\n");
    server_.dir().write("root/style.css", std::string(4000, 'a') + "\n");
    std::string big;
    for (int i = 0; big.size() < 3 * 1024 * 1024; i++) big += std::to_string(i) + "\n";
    big_ = big;
    server_.dir().write("root/big.txt", big);
    tls_ = {{"cert", dir() + "/site.pem"}, {"key", dir() + "/site.key"}, {"handshake_timeout", 1}};
    server_.config()["listen"] = nlohmann::json::array(
        {{{"address", "127.0.0.1:0"}, {"tls", tls_}, {"hsts", 600}},
         {{"address", "127.0.0.1:0"}, {"redirect_to_https", true}}});
    server_.config()["workers"] = 2;
  }

  std::string dir() const { return server_.dir().path(); }
  int https_port() const { return server_.ports().at(0); }
  int redirect_port() const { return server_.ports().at(1); }
  std::string url(const std::string& path) const {
    return "https://localhost:" + std::to_string(https_port()) + path;
  }
  std::string curl(const std::string& args) const { return shell("curl -sS --cacert " + dir() + "/ca.pem " + args); }

  ServerProcess server_;
  nlohmann::json tls_;
  std::string big_;
};

TEST_F(Tls, ServesFilesAndTheAppOverKeepAliveConnections) {
  ASSERT_TRUE(server_.start()) << server_.error_log();
  EXPECT_NE(server_.error_log().find("(tls)"), std::string::npos);
  // Three requests, one TLS connection.
  std::string out = curl("-o /dev/null -o /dev/null -o /dev/null -w \"%{http_code} %{num_connects}\\n\" " + url("/") + " " + url("/json") + " " +
                         url("/style.css"));
  EXPECT_EQ(out, "200 1\n200 0\n200 0\n");
  out = curl("-D - -o /dev/null " + url("/"));
  EXPECT_NE(out.find("Strict-Transport-Security: max-age=600"), std::string::npos) << out;
  EXPECT_NE(curl(url("/json")).find("\"message\""), std::string::npos);
  // gzip on the fly, and a range.
  out = curl("--compressed -D - " + url("/style.css"));
  EXPECT_NE(out.find("Content-Encoding: gzip"), std::string::npos) << out;
  EXPECT_NE(out.find(std::string(4000, 'a')), std::string::npos);
  EXPECT_EQ(curl("-r 5-9 " + url("/big.txt")), big_.substr(5, 5));
  // A large file (no sendfile under TLS: read and encrypted in bounded
  // chunks), fast and through a slow reader.
  EXPECT_EQ(curl(url("/big.txt")), big_);
  EXPECT_EQ(curl("--limit-rate 4M " + url("/big.txt")), big_);
}

TEST_F(Tls, PipelinedRequestsAreAnsweredInOrder) {
  ASSERT_TRUE(server_.start()) << server_.error_log();
  std::string requests;
  for (int i = 0; i < 20; i++) requests += "GET /?n=" + std::to_string(i) + " HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n";
  requests += "GET /json HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n";
  std::string out = shell("printf \"" + requests + "\" | openssl s_client -quiet -connect 127.0.0.1:" +
                          std::to_string(https_port()) + " -servername localhost -CAfile " + dir() + "/ca.pem");
  EXPECT_EQ(count_of(out, "HTTP/1.1 200 OK"), 21) << out;
  EXPECT_NE(out.find("\"message\""), std::string::npos);
}

TEST_F(Tls, PlainListenerRedirectsToTheHttpsPort) {
  ASSERT_TRUE(server_.start()) << server_.error_log();
  Client client;
  ASSERT_TRUE(client.connect(redirect_port()));
  client.send("GET /public/a.css?x=1 HTTP/1.1\r\nHost: example.test:8080\r\n\r\n");
  HttpResponse res;
  ASSERT_TRUE(client.read_response(&res));
  EXPECT_EQ(res.status, 301);
  EXPECT_EQ(res.header("location"), "https://example.test:" + std::to_string(https_port()) + "/public/a.css?x=1");
  // No host to send the client to: not redirected anywhere.
  client.send("GET / HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(client.read_response(&res));
  EXPECT_EQ(res.status, 400);
  // The app never runs there: /json redirects too.
  EXPECT_EQ(http_get(redirect_port(), "/json").status, 301);
}

TEST_F(Tls, PlainHttpAndNoiseOnTheTlsPortCostNothingElse) {
  ASSERT_TRUE(server_.start()) << server_.error_log();
  Client plain;
  ASSERT_TRUE(plain.connect(https_port()));
  plain.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
  std::string answer = plain.read_until_close();
  EXPECT_EQ(answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find("The plain HTTP request was sent to HTTPS port"), std::string::npos);
  Client noise;
  ASSERT_TRUE(noise.connect(https_port()));
  noise.send(std::string("\x01\x02\x03 not tls at all\r\n\r\n", 21));
  EXPECT_EQ(noise.read_until_close(), "");
  // A ClientHello that never finishes: closed at handshake_timeout (1 s).
  Client stalled;
  ASSERT_TRUE(stalled.connect(https_port()));
  stalled.send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
  EXPECT_TRUE(stalled.closed_by_server(5000));
  Client silent;
  ASSERT_TRUE(silent.connect(https_port()));
  EXPECT_TRUE(silent.closed_by_server(5000));
  EXPECT_EQ(curl("-o /dev/null -w \"%{http_code}\" " + url("/")), "200");
}

TEST_F(Tls, ASessionResumesOnEveryWorker) {
  ASSERT_TRUE(server_.start()) << server_.error_log();
  for (const std::string& version : {std::string("-tls1_3"), std::string("-tls1_2")}) {
    std::string connect = "openssl s_client " + version + " -connect 127.0.0.1:" + std::to_string(https_port()) +
                          " -servername localhost -CAfile " + dir() + "/ca.pem -ign_eof";
    std::string request = "printf \"GET /json HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n\"";
    std::string first = shell("(" + request + "; sleep 0.3) | " + connect + " -sess_out " + dir() + "/session.pem");
    ASSERT_NE(first.find("New, TLS"), std::string::npos) << first;
    std::set<std::string> workers;
    int resumed = 0, tries = 0;
    for (; tries < 40 && (workers.size() < 2 || tries < 6); tries++) {
      std::string out = shell("(" + request + "; sleep 0.2) | " + connect + " -sess_in " + dir() + "/session.pem");
      if (out.find("Reused, TLS") != std::string::npos) resumed++;
      size_t at = out.find("\"worker\":");
      if (at != std::string::npos) workers.insert(out.substr(at + 9, 1));
    }
    EXPECT_EQ(resumed, tries) << version << ": every connection resumed the session";
    EXPECT_EQ(workers.size(), 2u) << version << ": resumed on both workers";
  }
}

TEST_F(Tls, ReloadServesTheRenewedCertificateAndABadOneKeepsTheOld) {
  server_.config()["supervisor"] = {{"pid_file", dir() + "/hearth.pid"}};
  ASSERT_TRUE(server_.start()) << server_.error_log();
  std::string site = file_fingerprint(dir() + "/site.pem");
  ASSERT_NE(site, file_fingerprint(dir() + "/renewed.pem"));
  EXPECT_EQ(served_fingerprint(https_port()), site);
  // A missing key: refused, and the old certificate keeps serving.
  server_.config()["listen"][0]["tls"]["key"] = dir() + "/missing.key";
  server_.write_config();
  std::string output;
  EXPECT_EQ(run_hearth({"-c", server_.config_path(), "-s", "reload"}, &output), 1);
  EXPECT_NE(output.find(dir() + "/missing.key"), std::string::npos) << output;
  EXPECT_EQ(served_fingerprint(https_port()), site);
  // The renewed pair: served once the reload is done, on the same port.
  server_.config()["listen"][0]["tls"] = {{"cert", dir() + "/renewed.pem"}, {"key", dir() + "/renewed.key"}};
  server_.write_config();
  EXPECT_EQ(run_hearth({"-c", server_.config_path(), "-s", "reload"}, &output), 0) << output;
  EXPECT_TRUE(eventually(10000, [&] { return served_fingerprint(https_port()) == file_fingerprint(dir() + "/renewed.pem"); }));
  EXPECT_EQ(curl("-o /dev/null -w \"%{http_code}\" " + url("/")), "200");
}

TEST_F(Tls, ConfigTestChecksThatTheKeyMatchesTheCertificate) {
  server_.config()["listen"][0]["tls"] = {{"cert", dir() + "/site.pem"}, {"key", dir() + "/renewed.key"}};
  server_.write_config();
  std::string output;
  EXPECT_EQ(run_hearth({"-t", "-c", server_.config_path()}, &output), 1);
  EXPECT_NE(output.find(dir() + "/site.pem"), std::string::npos) << output;
  EXPECT_NE(output.find(dir() + "/renewed.key"), std::string::npos) << output;
  server_.config()["listen"][0]["tls"] = {{"cert", dir() + "/site.pem"}, {"key", dir() + "/site.key"}};
  server_.write_config();
  EXPECT_EQ(run_hearth({"-t", "-c", server_.config_path()}, &output), 0) << output;
}

}  // namespace
}  // namespace hearth::test
