// The TLS setup of one listener, loaded by the master before it forks (so a
// bad certificate is refused before any worker runs) and inherited by the
// workers: an SSL_CTX per certificate, picked by the client's SNI name (exact
// names first, then wildcards, else the first certificate), with one policy
// for all of them:
//   TLS 1.2 and 1.3 (Mozilla "intermediate" ciphers), no compression, no
//   renegotiation, ALPN http/1.1, and session tickets under the keys all
//   workers share (shared/ticket_keys.h); no per-process session cache,
//   which a client resuming on another worker would miss.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shared/config.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace hearth {

class TicketKeys;

class TlsContext {
 public:
  // Loads and checks every certificate and key of `config`. Null with
  // *error naming the config line, the file and OpenSSL's reason. What
  // works but deserves a log line (an expired certificate) goes to
  // *warnings. `keys` (may be null: no tickets) must outlive the context.
  static std::shared_ptr<TlsContext> load(const TlsConfig& config, const TicketKeys* keys,
                                          std::vector<std::string>* warnings, std::string* error);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A new server-side SSL for one connection, in the default certificate's
  // context (SNI may switch it). Null when OpenSSL is out of memory.
  SSL* new_session() const;
  uint64_t handshake_timeout_ms() const { return handshake_timeout_ms_; }

  // The names a certificate is for (SAN DNS names, else the CN), lower
  // case, wildcards as "*.example.com". For tests and messages.
  std::vector<std::string> names(size_t certificate) const;
  // Which certificate SNI `name` picks (0 = the default).
  size_t pick(const std::string& name) const;

 private:
  struct Certificate {
    SSL_CTX* ctx = nullptr;
    std::vector<std::string> names;
  };

  TlsContext() = default;
  bool add_certificate(const TlsConfig& config, const TlsCertificate& files, std::vector<std::string>* warnings,
                       std::string* error);
  static int on_servername(SSL* ssl, int* alert, void* arg);

  std::vector<Certificate> certificates_;
  const TicketKeys* keys_ = nullptr;
  uint64_t handshake_timeout_ms_ = 10000;
  friend struct TicketCallback;
};

// The OpenSSL error queue as one line ("" when empty), emptied.
std::string openssl_errors();

}  // namespace hearth
