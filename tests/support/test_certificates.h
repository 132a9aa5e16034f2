// Certificates and keys made at test time, in process with OpenSSL, so no
// key material is ever committed: a test CA, and leaf certificates it signs
// written as PEM files into a TempDir, ready for TlsContext::load.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "shared/config.h"
#include "tests/support/temp_dir.h"

typedef struct evp_pkey_st EVP_PKEY;
typedef struct x509_st X509;

namespace hearth::test {

enum class KeyType { kEcdsaP256, kRsa2048 };

// What a leaf is for and how it is made. The usual one reads {{"a.test"}};
// the variants read LeafSpec({"a.test"}).with_rsa_key().
struct LeafSpec {
  // Implicit, so that the usual leaf is just its names.
  LeafSpec(std::vector<std::string> names) : dns_names(std::move(names)) {}  // NOLINT(google-explicit-constructor)
  LeafSpec with_common_name(std::string name) const;
  LeafSpec with_rsa_key() const;
  LeafSpec expired_yesterday() const;
  LeafSpec followed_by_ca() const;

  std::vector<std::string> dns_names;  // subjectAltName; "*.example.test" is a wildcard; none: CN only
  std::string common_name;             // "" = the first DNS name
  KeyType key = KeyType::kEcdsaP256;
  bool expired = false;                // valid from two days ago until yesterday
  bool with_chain = false;             // the CA certificate follows the leaf in the file
};

class TestCa {
 public:
  // Makes the CA's key and certificate and writes `dir`/ca.pem. Throws
  // std::runtime_error when OpenSSL fails. REQUIRES: `dir` outlives the CA.
  explicit TestCa(const TempDir& dir);
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  // A leaf signed by this CA, written to `dir`/<name>.pem and <name>.key;
  // returned as a config would give it, `where` = "test: <name>".
  TlsCertificate issue(const std::string& name, const LeafSpec& spec) const;
  // The CA certificate, for a client that verifies the server.
  const std::string& ca_file() const { return ca_file_; }

 private:
  const TempDir& dir_;
  EVP_PKEY* key_ = nullptr;
  X509* cert_ = nullptr;
  std::string ca_pem_;
  std::string ca_file_;
};

}  // namespace hearth::test
