#include "worker/tls/tls_context.h"

#include <openssl/ssl.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "shared/ticket_keys.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificates.h"

namespace hearth {
namespace {

using test::LeafSpec;
using Names = std::vector<std::string>;

// One CA and its temp folder for the whole suite: key generation (RSA
// above all) is the slow part of these tests.
class TlsContextTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    ca_ = new test::TestCa(*dir_);
  }
  static void TearDownTestSuite() {
    delete ca_;
    delete dir_;
  }

  static TlsCertificate issue(const std::string& name, const LeafSpec& spec) { return ca_->issue(name, spec); }

  std::shared_ptr<TlsContext> load(const std::vector<TlsCertificate>& certificates, const TicketKeys* keys = nullptr) {
    TlsConfig config;
    config.certificates = certificates;
    return load(config, keys);
  }
  std::shared_ptr<TlsContext> load(const TlsConfig& config, const TicketKeys* keys = nullptr) {
    warnings_.clear();
    error_.clear();
    return TlsContext::load(config, keys, &warnings_, &error_);
  }

  // default.test (the default), *.example.test, then exact.example.test:
  // the exact name comes after the wildcard, so order alone cannot pick it.
  std::shared_ptr<TlsContext> load_three() {
    return load({issue("default", {{"default.test"}}), issue("wildcard", {{"*.example.test"}}),
                 issue("exact", {{"exact.example.test", "www.exact.test"}})});
  }

  static test::TempDir* dir_;
  static test::TestCa* ca_;
  std::vector<std::string> warnings_;
  std::string error_;
};

test::TempDir* TlsContextTest::dir_ = nullptr;
test::TestCa* TlsContextTest::ca_ = nullptr;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_F(TlsContextTest, LoadsAnEcdsaAndAnRsaCertificate) {
  auto context = load({issue("ecdsa", {{"ecdsa.test"}}),
                       issue("rsa", LeafSpec({"rsa.test"}).with_rsa_key())});
  ASSERT_TRUE(context) << error_;
  EXPECT_TRUE(warnings_.empty());
  EXPECT_EQ(context->names(0), Names{"ecdsa.test"});
  EXPECT_EQ(context->names(1), Names{"rsa.test"});
  EXPECT_THROW(context->names(2), std::out_of_range);
}

TEST_F(TlsContextTest, NamesAreTheLowerCaseSanEntriesElseTheCommonName) {
  auto context = load({issue("mixed", LeafSpec({"WWW.Example.TEST", "*.Wild.Test"}).with_common_name("ignored.test")),
                       issue("cn-only", LeafSpec({}).with_common_name("Only.CN.Test"))});
  ASSERT_TRUE(context) << error_;
  EXPECT_EQ(context->names(0), (Names{"www.example.test", "*.wild.test"})) << "SANs win over the CN";
  EXPECT_EQ(context->names(1), Names{"only.cn.test"});
}

TEST_F(TlsContextTest, ChainFileLoadsItsLeafNotTheCa) {
  auto context = load({issue("chained", LeafSpec({"chained.test"}).followed_by_ca())});
  ASSERT_TRUE(context) << error_;
  EXPECT_EQ(context->names(0), Names{"chained.test"});
}

TEST_F(TlsContextTest, ExpiredCertificateLoadsWithAWarning) {
  TlsCertificate expired = issue("expired", LeafSpec({"expired.test"}).expired_yesterday());
  auto context = load({expired});
  ASSERT_TRUE(context) << error_;
  EXPECT_EQ(error_, "");
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_TRUE(contains(warnings_[0], expired.cert)) << warnings_[0];
  EXPECT_TRUE(contains(warnings_[0], "expired")) << warnings_[0];
  EXPECT_TRUE(contains(warnings_[0], expired.where)) << warnings_[0];
}

TEST_F(TlsContextTest, KeyOfAnotherCertificateIsRefusedNamingBothFiles) {
  TlsCertificate mine = issue("mine", {{"mine.test"}});
  TlsCertificate other = issue("other", {{"other.test"}});
  TlsCertificate crossed{mine.cert, other.key, "site.json:7: listen[0].tls"};
  EXPECT_FALSE(load({crossed}));
  EXPECT_TRUE(contains(error_, mine.cert)) << error_;
  EXPECT_TRUE(contains(error_, other.key)) << error_;
  EXPECT_TRUE(contains(error_, crossed.where)) << error_;
}

// An RSA key for an ECDSA certificate: a mismatch of key types, not values.
TEST_F(TlsContextTest, KeyOfAnotherTypeIsRefusedNamingBothFiles) {
  TlsCertificate ecdsa = issue("ec-leaf", {{"ec.test"}});
  TlsCertificate rsa = issue("rsa-leaf", LeafSpec({"rsa.test"}).with_rsa_key());
  EXPECT_FALSE(load({TlsCertificate{ecdsa.cert, rsa.key, "here"}}));
  EXPECT_TRUE(contains(error_, ecdsa.cert)) << error_;
  EXPECT_TRUE(contains(error_, rsa.key)) << error_;
}

TEST_F(TlsContextTest, MissingCertificateIsNamed) {
  TlsCertificate good = issue("present", {{"present.test"}});
  std::string missing = dir_->path() + "/nowhere/missing.pem";
  EXPECT_FALSE(load({good, TlsCertificate{missing, good.key, "conf:3: listen[1].tls"}}));
  EXPECT_TRUE(contains(error_, missing)) << error_;
  EXPECT_TRUE(contains(error_, "conf:3: listen[1].tls")) << error_;
  EXPECT_TRUE(contains(error_, "No such file")) << error_;
}

TEST_F(TlsContextTest, MissingKeyIsNamed) {
  TlsCertificate good = issue("keyless", {{"keyless.test"}});
  std::string missing = dir_->path() + "/missing.key";
  EXPECT_FALSE(load({TlsCertificate{good.cert, missing, "here"}}));
  EXPECT_TRUE(contains(error_, missing)) << error_;
  EXPECT_FALSE(contains(error_, good.cert)) << "only the key is missing: " << error_;
}

TEST_F(TlsContextTest, FileThatIsNotPemIsRefused) {
  TlsCertificate good = issue("real", {{"real.test"}});
  std::string noise = dir_->write("noise.pem", "not a certificate\n");
  EXPECT_FALSE(load({TlsCertificate{noise, good.key, "here"}}));
  EXPECT_TRUE(contains(error_, noise)) << error_;
}

TEST_F(TlsContextTest, NoCertificateIsAnError) {
  EXPECT_FALSE(load(std::vector<TlsCertificate>{}));
  EXPECT_FALSE(error_.empty());
}

TEST_F(TlsContextTest, PickPrefersAnExactNameToAWildcard) {
  auto context = load_three();
  ASSERT_TRUE(context) << error_;
  EXPECT_EQ(context->pick("exact.example.test"), 2u);
  EXPECT_EQ(context->pick("www.exact.test"), 2u) << "any SAN of the certificate";
  EXPECT_EQ(context->pick("other.example.test"), 1u);
  EXPECT_EQ(context->pick("default.test"), 0u);
}

TEST_F(TlsContextTest, WildcardCoversExactlyOneLabel) {
  auto context = load_three();
  ASSERT_TRUE(context) << error_;
  EXPECT_EQ(context->pick("a.example.test"), 1u);
  EXPECT_EQ(context->pick("a.b.example.test"), 0u);
  EXPECT_EQ(context->pick("example.test"), 0u);
  EXPECT_EQ(context->pick(".example.test"), 0u);
  EXPECT_EQ(context->pick("*.example.test"), 1u) << "the literal name is the wildcard's own";
}

TEST_F(TlsContextTest, UnknownNameGetsTheDefault) {
  auto context = load_three();
  ASSERT_TRUE(context) << error_;
  EXPECT_EQ(context->pick("unknown.test"), 0u);
  EXPECT_EQ(context->pick(""), 0u);
  EXPECT_EQ(context->pick("test"), 0u);
}

TEST_F(TlsContextTest, PickIgnoresCaseAndATrailingDot) {
  auto context = load_three();
  ASSERT_TRUE(context) << error_;
  EXPECT_EQ(context->pick("EXACT.Example.Test"), 2u);
  EXPECT_EQ(context->pick("A.EXAMPLE.test"), 1u);
  EXPECT_EQ(context->pick("exact.example.test."), 2u);
}

TEST_F(TlsContextTest, SessionsFollowThePolicy) {
  TlsConfig config;
  config.certificates = {issue("policy", {{"policy.test"}})};
  config.handshake_timeout_ms = 1234;
  auto keys = TicketKeys::create(&error_);
  ASSERT_TRUE(keys) << error_;
  auto context = load(config, keys.get());
  ASSERT_TRUE(context) << error_;
  EXPECT_EQ(context->handshake_timeout_ms(), 1234u);
  SSL* session = context->new_session();
  ASSERT_NE(session, nullptr);
  EXPECT_TRUE(SSL_get_options(session) & SSL_OP_NO_COMPRESSION);
  EXPECT_TRUE(SSL_get_options(session) & SSL_OP_NO_RENEGOTIATION);
  EXPECT_FALSE(SSL_get_options(session) & SSL_OP_NO_TICKET) << "keys given: tickets on";
  EXPECT_EQ(SSL_get_min_proto_version(session), TLS1_2_VERSION);
  EXPECT_EQ(SSL_is_server(session), 1);
  SSL_free(session);
}

TEST_F(TlsContextTest, MinVersionAndTicketsFollowTheConfig) {
  TlsConfig config;
  config.certificates = {issue("strict", {{"strict.test"}})};
  config.min_version = "1.3";
  config.session_tickets = false;
  auto keys = TicketKeys::create(&error_);
  ASSERT_TRUE(keys) << error_;
  auto context = load(config, keys.get());
  ASSERT_TRUE(context) << error_;
  SSL* session = context->new_session();
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(SSL_get_min_proto_version(session), TLS1_3_VERSION);
  EXPECT_TRUE(SSL_get_options(session) & SSL_OP_NO_TICKET) << "session_tickets off: keys ignored";
  SSL_free(session);
}

TEST_F(TlsContextTest, NoKeysNoTickets) {
  auto context = load({issue("no-keys", {{"no-keys.test"}})}, nullptr);
  ASSERT_TRUE(context) << error_;
  SSL* session = context->new_session();
  ASSERT_NE(session, nullptr);
  EXPECT_TRUE(SSL_get_options(session) & SSL_OP_NO_TICKET);
  SSL_free(session);
}

}  // namespace
}  // namespace hearth
