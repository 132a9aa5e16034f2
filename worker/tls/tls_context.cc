#include "worker/tls/tls_context.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "shared/ticket_keys.h"

namespace hearth {

namespace {

// Mozilla's "intermediate" configuration (v5.7): TLS 1.2 ciphers with
// forward secrecy and AEAD only. TLS 1.3's suites are OpenSSL's defaults,
// which are the same three Mozilla lists.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
constexpr const char* kGroups = "X25519:P-256:P-384";
// ALPN, in wire format. "h2" joins this list when hearth speaks it.
constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
constexpr uint64_t kMaxTicketLifetimeS = 7 * 24 * 3600;  // RFC 8446 §4.6.1

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(tolower(c)); });
  return s;
}

std::vector<std::string> certificate_names(X509* cert) {
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); i++) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    if (name->type != GEN_DNS) continue;
    const ASN1_STRING* dns = name->d.dNSName;
    names.push_back(lower(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                      static_cast<size_t>(ASN1_STRING_length(dns)))));
  }
  GENERAL_NAMES_free(sans);
  if (!names.empty()) return names;
  char cn[256];
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0) {
    names.push_back(lower(cn));
  }
  return names;
}

bool readable(const std::string& path, std::string* why) {
  if (access(path.c_str(), R_OK) == 0) return true;
  *why = strerror(errno);
  return false;
}

int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
                void*) {
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, outlen, kAlpn, sizeof kAlpn, in, inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;  // no common protocol: go on without ALPN, as HTTP/1.1
  }
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

bool set_ticket_mac_key(EVP_MAC_CTX* hctx, const TicketKey& key) {
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, const_cast<uint8_t*>(key.hmac), sizeof key.hmac),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_end()};
  return EVP_MAC_CTX_set_params(hctx, params) == 1;
}

}  // namespace

// Encrypts new tickets with the current shared key; opens tickets made
// with any key still kept, asking for a fresh ticket when it was an older
// one (return 2). 0 = no ticket / a full handshake.
struct TicketCallback {
  static int run(SSL* ssl, unsigned char name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* hctx,
                 int encrypt) {
    auto* self = static_cast<const TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
    TicketKey keys[TicketKeys::kKeys];
    if (self == nullptr || self->keys_ == nullptr || !self->keys_->snapshot(keys)) return 0;
    int result = 0;
    if (encrypt) {
      const TicketKey& key = keys[0];
      memcpy(name, key.name, sizeof key.name);
      if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) == 1 &&
          EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes, iv) == 1 && set_ticket_mac_key(hctx, key)) {
        result = 1;
      }
    } else {
      for (int i = 0; i < TicketKeys::kKeys; i++) {
        if (memcmp(name, keys[i].name, sizeof keys[i].name) != 0) continue;
        if (set_ticket_mac_key(hctx, keys[i]) &&
            EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, keys[i].aes, iv) == 1) {
          result = i == 0 ? 1 : 2;
        }
        break;
      }
    }
    OPENSSL_cleanse(keys, sizeof keys);
    return result;
  }
};

std::string openssl_errors() {
  std::string text;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!text.empty()) text += "; ";
    text += buf;
  }
  return text;
}

std::shared_ptr<TlsContext> TlsContext::load(const TlsConfig& config, const TicketKeys* keys,
                                             std::vector<std::string>* warnings, std::string* error) {
  std::shared_ptr<TlsContext> context(new TlsContext());
  context->keys_ = config.session_tickets ? keys : nullptr;
  context->handshake_timeout_ms_ = config.handshake_timeout_ms;
  for (const TlsCertificate& files : config.certificates) {
    if (!context->add_certificate(config, files, warnings, error)) return nullptr;
  }
  if (context->certificates_.empty()) {
    *error = "tls: no certificate";
    return nullptr;
  }
  // SNI is looked at in the first (default) context, where every session starts.
  SSL_CTX_set_tlsext_servername_callback(context->certificates_[0].ctx, on_servername);
  SSL_CTX_set_tlsext_servername_arg(context->certificates_[0].ctx, context.get());
  return context;
}

bool TlsContext::add_certificate(const TlsConfig& config, const TlsCertificate& files,
                                 std::vector<std::string>* warnings, std::string* error) {
  std::string why;
  auto fail = [&](const std::string& what) {
    *error = files.where + ": " + what;
    return false;
  };
  if (!readable(files.cert, &why)) return fail("cannot read certificate " + files.cert + ": " + why);
  if (!readable(files.key, &why)) return fail("cannot read key " + files.key + ": " + why);
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return fail("SSL_CTX_new: " + openssl_errors());
  certificates_.push_back(Certificate{ctx, {}});
  if (SSL_CTX_use_certificate_chain_file(ctx, files.cert.c_str()) != 1) {
    return fail("certificate " + files.cert + ": " + openssl_errors());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, files.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    // A key of another pair fails here already ("key values mismatch").
    return fail("key " + files.key + " (for certificate " + files.cert + "): " + openssl_errors());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return fail("key " + files.key + " does not match certificate " + files.cert);
  }
  X509* leaf = SSL_CTX_get0_certificate(ctx);
  certificates_.back().names = certificate_names(leaf);
  if (X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0) {
    warnings->push_back(files.where + ": certificate " + files.cert + " has expired; clients will refuse it");
  }

  SSL_CTX_set_min_proto_version(ctx, config.min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);  // client renegotiation is off unless SSL_OP_ALLOW_CLIENT_RENEGOTIATION
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 || SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    return fail("cipher policy: " + openssl_errors());
  }
  SSL_CTX_set_dh_auto(ctx, 1);
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
  SSL_CTX_set_app_data(ctx, this);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (keys_ == nullptr) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
  } else {
    SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, TicketCallback::run);
    // A ticket is opened while its key is kept: kKeys - 1 full rotations.
    uint64_t lifetime = config.ticket_rotation_ms / 1000 * (TicketKeys::kKeys - 1);
    SSL_CTX_set_timeout(ctx, static_cast<long>(std::clamp<uint64_t>(lifetime, 1, kMaxTicketLifetimeS)));
  }
  return true;
}

TlsContext::~TlsContext() {
  for (Certificate& c : certificates_) SSL_CTX_free(c.ctx);
}

SSL* TlsContext::new_session() const { return SSL_new(certificates_[0].ctx); }

std::vector<std::string> TlsContext::names(size_t certificate) const { return certificates_.at(certificate).names; }

size_t TlsContext::pick(const std::string& requested) const {
  std::string name = lower(requested);
  if (!name.empty() && name.back() == '.') name.pop_back();
  for (size_t i = 0; i < certificates_.size(); i++) {
    for (const std::string& n : certificates_[i].names) {
      if (n == name) return i;
    }
  }
  size_t dot = name.find('.');
  if (dot == std::string::npos || dot == 0) return 0;
  std::string wildcard = "*" + name.substr(dot);
  for (size_t i = 0; i < certificates_.size(); i++) {
    for (const std::string& n : certificates_[i].names) {
      if (n == wildcard) return i;
    }
  }
  return 0;
}

// An unknown name gets the default certificate (the client decides whether
// it accepts it), as nginx's default server does.
int TlsContext::on_servername(SSL* ssl, int*, void* arg) {
  auto* self = static_cast<const TlsContext*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr) return SSL_TLSEXT_ERR_OK;
  size_t chosen = self->pick(name);
  if (chosen != 0) SSL_set_SSL_CTX(ssl, self->certificates_[chosen].ctx);
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace hearth
