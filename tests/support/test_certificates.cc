#include "tests/support/test_certificates.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace hearth::test {

namespace {

constexpr long kDay = 24 * 3600;

struct Validity {
  long from_s;  // relative to now
  long until_s;
};

struct OpenSslFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(X509* cert) const { X509_free(cert); }
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Key = std::unique_ptr<EVP_PKEY, OpenSslFree>;
using Certificate = std::unique_ptr<X509, OpenSslFree>;

// A failed step is a broken test environment, not a test result: throw,
// with OpenSSL's reason.
void check(bool ok, const std::string& step) {
  if (ok) return;
  char reason[256] = "";
  ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
  ERR_clear_error();
  throw std::runtime_error("test certificates: " + step + ": " + reason);
}

Key make_key(KeyType type) {
  EVP_PKEY* key = type == KeyType::kRsa2048 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                                            : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  check(key != nullptr, "key generation");
  return Key(key);
}

// Serial numbers differ per issued certificate, as a real CA's do.
long next_serial() {
  static long serial = 1;
  return serial++;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr && X509_add_ext(cert, ext, -1) == 1, "extension " + value);
  X509_EXTENSION_free(ext);
}

std::string san_value(const std::vector<std::string>& dns_names) {
  std::string value;
  for (const std::string& name : dns_names) value += (value.empty() ? "DNS:" : ",DNS:") + name;
  return value;
}

// A version 3 certificate for `key` named `common_name`, not yet signed:
// issuer name and extensions are the caller's.
Certificate new_certificate(EVP_PKEY* key, const std::string& common_name, Validity validity) {
  Certificate cert(X509_new());
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), next_serial());
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), validity.from_s);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), validity.until_s);
  check(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0) == 1,
        "subject " + common_name);
  return cert;
}

template <typename Write>
std::string pem(Write write) {
  std::unique_ptr<BIO, OpenSslFree> bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr && write(bio.get()) == 1, "PEM encoding");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string certificate_pem(X509* cert) {
  return pem([cert](BIO* bio) { return PEM_write_bio_X509(bio, cert); });
}

std::string key_pem(EVP_PKEY* key) {
  return pem([key](BIO* bio) { return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr); });
}

}  // namespace

LeafSpec LeafSpec::with_common_name(std::string name) const {
  LeafSpec spec = *this;
  spec.common_name = std::move(name);
  return spec;
}

LeafSpec LeafSpec::with_rsa_key() const {
  LeafSpec spec = *this;
  spec.key = KeyType::kRsa2048;
  return spec;
}

LeafSpec LeafSpec::expired_yesterday() const {
  LeafSpec spec = *this;
  spec.expired = true;
  return spec;
}

LeafSpec LeafSpec::followed_by_ca() const {
  LeafSpec spec = *this;
  spec.with_chain = true;
  return spec;
}

TestCa::TestCa(const TempDir& dir) : dir_(dir) {
  Key key = make_key(KeyType::kEcdsaP256);
  Certificate cert = new_certificate(key.get(), "hearth test CA", {-kDay, 30 * kDay});
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "signing the CA");
  ca_pem_ = certificate_pem(cert.get());
  ca_file_ = dir_.write("ca.pem", ca_pem_);
  key_ = key.release();
  cert_ = cert.release();
}

TestCa::~TestCa() {
  X509_free(cert_);
  EVP_PKEY_free(key_);
}

TlsCertificate TestCa::issue(const std::string& name, const LeafSpec& spec) const {
  Key key = make_key(spec.key);
  std::string common_name = spec.common_name.empty() ? spec.dns_names.at(0) : spec.common_name;
  Validity validity = spec.expired ? Validity{-2 * kDay, -kDay} : Validity{-kDay, 30 * kDay};
  Certificate cert = new_certificate(key.get(), common_name, validity);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert_));
  add_extension(cert.get(), cert_, NID_basic_constraints, "CA:FALSE");
  if (!spec.dns_names.empty()) add_extension(cert.get(), cert_, NID_subject_alt_name, san_value(spec.dns_names));
  check(X509_sign(cert.get(), key_, EVP_sha256()) > 0, "signing " + name);

  std::string chain = certificate_pem(cert.get()) + (spec.with_chain ? ca_pem_ : "");
  TlsCertificate files;
  files.cert = dir_.write(name + ".pem", chain);
  files.key = dir_.write(name + ".key", key_pem(key.get()));
  files.where = "test: " + name;
  return files;
}

}  // namespace hearth::test
