// HTTPS on the workers' loops, driven by clients nobody here wrote: curl
// and openssl s_client against a CA made at test time (no key is ever
// committed). Also the plain listener that redirects to https://, what a
// TLS port does with plain HTTP and noise, the handshake timeout, session
// resumption across workers, and certificates replaced by a reload.
#include <ctype.h>
#include <signal.h>

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

// A private CA and, signed by it, certificates (ECDSA P-256, as most sites
// now use; 90 days, as ACME issues them) in `dir`: site and renewed for localhost/127.0.0.1, other for
// other.test, wild for *.wild.test.
void make_certificates(const std::string& dir) {
  int rc = 0;
  shell("cd " + dir +
            " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem"
            " -days 90 -subj /CN=hearth-test-ca"
            " && for pair in site=DNS:localhost,IP:127.0.0.1 renewed=DNS:localhost,IP:127.0.0.1"
            "     other=DNS:other.test wild=DNS:*.wild.test; do"
            "   name=${pair%%=*}; printf \"subjectAltName=${pair#*=}\\n\" > $name.ext"
            "   && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $name.key -out $name.csr"
            "     -subj /CN=$name"
            "   && openssl x509 -req -in $name.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 90"
            "     -extfile $name.ext -out $name.pem || exit 1; done",
        &rc);
  ASSERT_EQ(rc, 0) << "openssl could not make the test certificates";
}

// The SHA-256 fingerprint of the certificate the server on `port` sends
// (or of the file `pem`).
std::string served_fingerprint(int port, const std::string& servername = "localhost") {
  return shell("openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " -servername " + servername +
               " </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256");
}
std::string file_fingerprint(const std::string& pem) {
  return shell("openssl x509 -noout -fingerprint -sha256 -in " + pem);
}
// "sha256 Fingerprint=AB:CD:..." as Python's hashlib writes it: "abcd...".
std::string hex_fingerprint(const std::string& openssl_line) {
  std::string hex;
  for (char c : openssl_line.substr(openssl_line.find('=') + 1)) {
    if (isxdigit(static_cast<unsigned char>(c))) hex += static_cast<char>(tolower(c));
  }
  return hex;
}

// tests/process/tls_load.py in the background: keep-alive HTTPS clients
// until finish(), which returns their JSON summary.
class TlsLoad {
 public:
  bool start(int port, const std::string& ca, int threads, const std::string& output) {
    threads_ = threads;
    if (!process_.start("/usr/bin/python3", {process_test_dir() + "tls_load.py", std::to_string(port), ca,
                                             std::to_string(threads), "/"}, output)) {
      return false;
    }
    return eventually(15000, [&] { return process_.output().find("running") != std::string::npos; });
  }
  nlohmann::json finish() {
    process_.stop(SIGTERM, 20000);
    std::string out = process_.output();
    size_t line = out.rfind("{\"ok\"");
    if (line == std::string::npos) return nlohmann::json();
    return nlohmann::json::parse(out.substr(line), nullptr, /*allow_exceptions=*/false);
  }
  std::string output() const { return process_.output(); }
  int threads() const { return threads_; }

 private:
  BackgroundProcess process_;
  int threads_ = 0;
};

// No request failed; each thread retried at most `retries_per_thread`
// requests that a closing connection never answered.
void expect_no_failure(const nlohmann::json& summary, int threads, int retries_per_thread) {
  ASSERT_TRUE(summary.is_object()) << "the load client printed no summary";
  EXPECT_GT(summary["ok"].get<int>(), 0) << summary.dump();
  EXPECT_EQ(summary["failed"], 0) << summary.dump();
  EXPECT_LE(summary["retried"].get<int>(), threads * retries_per_thread) << summary.dump();
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

TEST_F(Tls, SniPicksTheCertificateForTheName) {
  nlohmann::json certificates = nlohmann::json::array();
  for (const char* name : {"site", "other", "wild"}) {
    certificates.push_back({{"cert", dir() + "/" + name + ".pem"}, {"key", dir() + "/" + name + ".key"}});
  }
  server_.config()["listen"][0]["tls"] = {{"certificates", certificates}};
  ASSERT_TRUE(server_.start()) << server_.error_log();
  EXPECT_EQ(served_fingerprint(https_port(), "other.test"), file_fingerprint(dir() + "/other.pem"));
  EXPECT_EQ(served_fingerprint(https_port(), "a.wild.test"), file_fingerprint(dir() + "/wild.pem"));
  EXPECT_EQ(served_fingerprint(https_port(), "localhost"), file_fingerprint(dir() + "/site.pem"));
  // A wildcard covers one label only; an unknown name gets the first.
  EXPECT_EQ(served_fingerprint(https_port(), "a.b.wild.test"), file_fingerprint(dir() + "/site.pem"));
  EXPECT_EQ(served_fingerprint(https_port(), "unknown.test"), file_fingerprint(dir() + "/site.pem"));
  // curl checks each name against the certificate it was given.
  std::string port = std::to_string(https_port());
  for (const std::string& host : {std::string("other.test"), std::string("www.wild.test")}) {
    EXPECT_EQ(curl("-o /dev/null -w \"%{http_code}\" --resolve " + host + ":" + port + ":127.0.0.1 https://" + host +
                   ":" + port + "/"),
              "200")
        << host;
  }
}

TEST_F(Tls, WebSocketsRunOverWss) {
  ASSERT_TRUE(server_.start()) << server_.error_log();
  for (const std::string& scenario : {std::string("echo"), std::string("concurrent"), std::string("chat")}) {
    std::string args = scenario + " " + std::to_string(https_port()) + (scenario == "chat" ? " 2" : "");
    std::string out;
    int status = run_command("HEARTH_WS_CA=" + dir() + "/ca.pem timeout 90 /usr/bin/python3 " + process_test_dir() +
                                 "websocket_client.py " + args + " 2>&1",
                             &out);
    EXPECT_EQ(status, 0) << out;
    EXPECT_NE(out.find("PASS " + scenario), std::string::npos) << out;
  }
}

// The acceptance drill of certificate renewal: keep-alive HTTPS clients
// run through a reload to a new certificate without a failed request, and
// end up on the new certificate.
TEST_F(Tls, RenewalUnderKeepAliveLoadFailsNoRequest) {
  server_.config()["supervisor"] = {{"pid_file", dir() + "/hearth.pid"}};
  ASSERT_TRUE(server_.start()) << server_.error_log();
  TlsLoad load;
  ASSERT_TRUE(load.start(https_port(), dir() + "/ca.pem", 6, dir() + "/load.out")) << load.output();
  server_.config()["listen"][0]["tls"] = {{"cert", dir() + "/renewed.pem"}, {"key", dir() + "/renewed.key"}};
  server_.write_config();
  std::string output;
  ASSERT_EQ(run_hearth({"-c", server_.config_path(), "-s", "reload"}, &output), 0) << output;
  std::string renewed = file_fingerprint(dir() + "/renewed.pem");
  EXPECT_TRUE(eventually(10000, [&] { return served_fingerprint(https_port()) == renewed; }));
  // Until the old generation has closed its last keep-alive connection.
  EXPECT_TRUE(server_.wait_for_log("reload done", 10000)) << server_.error_log();
  usleep(1500 * 1000);
  nlohmann::json summary = load.finish();
  expect_no_failure(summary, load.threads(), 1);
  std::string renewed_hex = hex_fingerprint(renewed);
  EXPECT_GT(summary["certificates"].value(renewed_hex, 0), 0) << summary.dump();
  for (const auto& last : summary["last"]) EXPECT_EQ(last, renewed_hex) << summary.dump();
}

// A worker that crashes while clients of both workers use HTTPS: the
// crashing connection is closed (its keys die with the process, so no 500
// can be sent through TLS from the signal handler); every other client is
// served, at most retrying once a request its closed connection never
// answered; the slot is refilled.
TEST_F(Tls, CrashDrillCostsOnlyTheCrashingWorkersConnections) {
  server_.config()["drills"] = true;
  server_.config()["status"] = {{"path", "/status"}};
  server_.config()["supervisor"] = {{"heartbeat_interval", 0.2}, {"pid_file", dir() + "/hearth.pid"}};
  server_.config()["listen"][1] = "127.0.0.1:0";  // plain, for /status
  ASSERT_TRUE(server_.start()) << server_.error_log();
  std::vector<int> before = wait_for_workers(redirect_port(), 2);
  ASSERT_EQ(before.size(), 2u) << server_.error_log();
  TlsLoad load;
  ASSERT_TRUE(load.start(https_port(), dir() + "/ca.pem", 4, dir() + "/load.out")) << load.output();
  std::string drill = curl("-o /dev/null -w \" status %{http_code}\" " + url("/debug/segv"));
  EXPECT_NE(drill.find("Empty reply from server"), std::string::npos) << drill;
  EXPECT_NE(drill.find("status 000"), std::string::npos) << drill;
  EXPECT_EQ(wait_for_one_replacement(redirect_port(), before).size(), 2u) << server_.error_log();
  EXPECT_TRUE(server_.wait_for_log("killed by SIGSEGV", 5000)) << server_.error_log();
  usleep(500 * 1000);  // the load goes on against the refilled slot
  expect_no_failure(load.finish(), load.threads(), 1);
  EXPECT_EQ(curl("-o /dev/null -w \"%{http_code}\" " + url("/")), "200");
}

// testssl.sh (Debian's testssl.sh), a scanner nobody here wrote: protocols,
// cipher categories, server defaults, HTTP headers and every vulnerability
// check. The test CA is passed as trusted; what is left of HIGH or
// CRITICAL would be the server's doing. One finding is the test
// certificate's and not the server's: it has no CRL or OCSP address.
TEST_F(Tls, TestsslFindsNothingHighOrCritical) {
  server_.config()["workers"] = 1;
  ASSERT_TRUE(server_.start()) << server_.error_log();
  std::string out;
  int status = run_command("timeout -k 5 400 testssl --quiet --color 0 --warnings off --openssl-timeout 10 "
                           "-p -s -S -U -h --add-ca " + dir() + "/ca.pem --jsonfile " + dir() +
                               "/testssl.json 127.0.0.1:" + std::to_string(https_port()) + " 2>&1",
                           &out);
  ASSERT_NE(status, -1) << out;
  std::string json = read_file(dir() + "/testssl.json");
  nlohmann::json findings = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(findings.is_array()) << json;
  int checked = 0;
  for (const auto& f : findings) {
    std::string severity = f.value("severity", ""), id = f.value("id", "");
    if (severity == "OK") checked++;
    if (id == "cert_revocation") continue;
    EXPECT_TRUE(severity != "HIGH" && severity != "CRITICAL") << id << ": " << f.value("finding", "");
  }
  // It did run the checks (heartbleed, ROBOT, POODLE, ... each an OK).
  EXPECT_GE(checked, 25) << out;
  for (const char* id : {"heartbleed", "ROBOT", "secure_client_renego", "CRIME_TLS", "TLS1_3", "cert_trust"}) {
    bool ok = false;
    for (const auto& f : findings) ok = ok || (f.value("id", "") == id && f.value("severity", "") == "OK");
    EXPECT_TRUE(ok) << id << " is not OK:\n" << out;
  }
}

}  // namespace
}  // namespace hearth::test
