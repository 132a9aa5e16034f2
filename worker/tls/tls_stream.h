// TLS between the socket and the connection, driven by the libuv loop: no
// thread, no blocking call. This is the one place a connection's bytes meet
// OpenSSL.
//
//   socket --ciphertext--> feed() / read() --plaintext--> parser
//   output queue --plaintext--> try_write() / write() --ciphertext--> socket
//
// OpenSSL reads ciphertext from the bytes libuv just read (a BIO over them,
// no copy into a memory BIO) and writes records into one ordered buffer,
// which goes to the socket through the plain transport: straight from the
// buffer when the socket takes it, else as one uv_write. Handshake
// messages, tickets and alerts take the same path, so records always leave
// in the order they were made. Only one uv_write is in flight; the output
// queue waits for it, which bounds a slow reader's memory to about one
// chunk of plaintext and its ciphertext.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "worker/http/socket_transport.h"

typedef struct ssl_st SSL;

namespace hearth {

class TlsStream : public Transport, private Transport::Listener {
 public:
  // Takes `ssl` (a server session, TlsContext::new_session). REQUIRES:
  // `wire` outlives the stream.
  TlsStream(SSL* ssl, SocketTransport* wire);
  ~TlsStream() override;
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // Ciphertext the socket delivered. Then call read() until it returns 0
  // or less: the bytes are only borrowed until then.
  void feed(const char* data, size_t len);
  // Decrypted bytes into `out`: the count, 0 when more ciphertext is
  // needed, UV_EOF when the client sent close_notify, UV_EPROTO when the
  // handshake failed or a record is bad (failure() says why).
  ssize_t read(char* out, size_t capacity);
  // Keeps what read() did not consume (the caller stopped early).
  void end_feed();

  bool handshake_done() const { return handshake_done_; }
  // The client sent an HTTP request, not a ClientHello (UV_EPROTO from read).
  bool plain_http() const { return plain_http_; }
  const std::string& failure() const { return failure_; }
  // "TLSv1.3", the cipher, and whether the session was resumed (debug log).
  std::string describe() const;
  // Sends close_notify (best effort, not waiting for the client's).
  void close_notify();

  int try_write(const uv_buf_t* bufs, unsigned count) override;
  int write(std::string bytes) override;
  bool pending() const override { return wire_busy_ || !ciphertext_.empty(); }
  int sendfile_fd() const override { return -1; }

 private:
  friend struct StreamBio;
  bool encrypt(const char* data, size_t len);
  void send_ciphertext();
  void start_wire_write();
  void on_transport_written(int status) override;
  ssize_t fail(const char* stage);

  SSL* ssl_;
  SocketTransport* wire_;
  const char* input_ = nullptr;  // ciphertext not yet read by OpenSSL
  size_t input_len_ = 0;
  std::string held_input_;       // what end_feed() kept
  std::string ciphertext_;       // records made, not yet handed to the wire
  std::string coalesced_;        // small pieces joined into one record
  bool wire_busy_ = false;       // a uv_write of ciphertext is in flight
  bool owed_ = false;            // the output queue waits for on_transport_written
  bool handshake_done_ = false;
  bool saw_input_ = false;
  bool plain_http_ = false;
  int error_ = 0;
  std::string failure_;
};

}  // namespace hearth
