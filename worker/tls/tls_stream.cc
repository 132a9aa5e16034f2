#include "worker/tls/tls_stream.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstring>

#include "worker/tls/tls_context.h"

namespace hearth {

namespace {

constexpr size_t kRecordBytes = 16 * 1024;  // TLS's largest record
constexpr unsigned char kHandshakeRecord = 0x16;

}  // namespace

// The BIO under the session: reads borrow the stream's input, writes append
// to its ordered ciphertext buffer (and always succeed: the output queue,
// not the BIO, is what bounds memory).
struct StreamBio {
  static BIO_METHOD* method() {
    static BIO_METHOD* m = [] {
      BIO_METHOD* created = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "hearth stream");
      BIO_meth_set_read(created, read);
      BIO_meth_set_write(created, write);
      BIO_meth_set_ctrl(created, ctrl);
      BIO_meth_set_create(created, [](BIO* b) {
        BIO_set_init(b, 1);
        return 1;
      });
      return created;
    }();
    return m;
  }

  static int read(BIO* bio, char* out, int len) {
    auto* s = static_cast<TlsStream*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    if (s->input_len_ == 0) {
      BIO_set_retry_read(bio);
      return -1;
    }
    size_t n = std::min(s->input_len_, static_cast<size_t>(len));
    memcpy(out, s->input_, n);
    s->input_ += n;
    s->input_len_ -= n;
    return static_cast<int>(n);
  }

  static int write(BIO* bio, const char* in, int len) {
    auto* s = static_cast<TlsStream*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    s->ciphertext_.append(in, static_cast<size_t>(len));
    return len;
  }

  static long ctrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }
};

TlsStream::TlsStream(SSL* ssl, SocketTransport* wire) : ssl_(ssl), wire_(wire) {
  BIO* bio = BIO_new(StreamBio::method());
  BIO_set_data(bio, this);
  SSL_set_bio(ssl_, bio, bio);
  SSL_set_accept_state(ssl_);
  wire_->set_listener(this);
}

TlsStream::~TlsStream() {
  wire_->forget_listener(this);
  SSL_free(ssl_);
}

void TlsStream::feed(const char* data, size_t len) {
  if (input_len_ > 0) {
    held_input_.assign(input_, input_len_);
    held_input_.append(data, len);
    input_ = held_input_.data();
    input_len_ = held_input_.size();
    return;
  }
  input_ = data;
  input_len_ = len;
}

void TlsStream::end_feed() {
  if (input_len_ == 0 || input_ == held_input_.data()) return;
  held_input_.assign(input_, input_len_);
  input_ = held_input_.data();
}

ssize_t TlsStream::read(char* out, size_t capacity) {
  if (error_ != 0) return UV_EPROTO;
  if (!handshake_done_) {
    if (input_len_ == 0) return 0;
    // Not a TLS record: an http:// client on the https:// port, or noise.
    bool first = !saw_input_;
    saw_input_ = true;
    if (first && static_cast<unsigned char>(input_[0]) != kHandshakeRecord) {
      plain_http_ = input_[0] >= 'A' && input_[0] <= 'Z';
      failure_ = plain_http_ ? "plain HTTP request sent to the TLS port" : "not a TLS handshake";
      input_len_ = 0;
      error_ = UV_EPROTO;
      return UV_EPROTO;
    }
    ERR_clear_error();
    int r = SSL_do_handshake(ssl_);
    send_ciphertext();  // ServerHello..Finished, tickets, or an alert
    if (r != 1) {
      if (SSL_get_error(ssl_, r) == SSL_ERROR_WANT_READ) return 0;
      return fail("handshake");
    }
    handshake_done_ = true;
  }
  ERR_clear_error();
  int n = SSL_read(ssl_, out, static_cast<int>(std::min<size_t>(capacity, INT32_MAX)));
  send_ciphertext();  // what reading made OpenSSL write (an alert, a key update)
  if (n > 0) return n;
  switch (SSL_get_error(ssl_, n)) {
    case SSL_ERROR_WANT_READ: return 0;
    case SSL_ERROR_ZERO_RETURN: return UV_EOF;
    default: return fail("read");
  }
}

ssize_t TlsStream::fail(const char* stage) {
  std::string why = openssl_errors();
  failure_ = std::string(stage) + ": " + (why.empty() ? "connection closed" : why);
  input_len_ = 0;
  error_ = UV_EPROTO;
  return UV_EPROTO;
}

std::string TlsStream::describe() const {
  return std::string(SSL_get_version(ssl_)) + " " + SSL_get_cipher_name(ssl_) +
         (SSL_session_reused(ssl_) ? " (resumed)" : "");
}

void TlsStream::close_notify() {
  if (!handshake_done_ || error_ != 0) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);
  ERR_clear_error();
  send_ciphertext();
}

// Small pieces (a response head and a short body) become one record, not
// one each: fewer bytes, one seal and one open instead of several.
int TlsStream::try_write(const uv_buf_t* bufs, unsigned count) {
  if (error_ != 0) return error_;
  if (pending()) return UV_EAGAIN;
  if (!handshake_done_) return UV_EPROTO;
  size_t taken = 0;
  coalesced_.clear();
  for (unsigned i = 0; i < count; i++) {
    size_t len = bufs[i].len;
    if (coalesced_.size() + len <= kRecordBytes) {
      coalesced_.append(bufs[i].base, len);
    } else {
      if (!encrypt(coalesced_.data(), coalesced_.size()) || !encrypt(bufs[i].base, len)) break;
      coalesced_.clear();
    }
    taken += len;
  }
  if (error_ == 0 && !encrypt(coalesced_.data(), coalesced_.size())) taken -= coalesced_.size();
  coalesced_.clear();
  send_ciphertext();
  if (pending()) owed_ = true;
  if (taken == 0 && error_ != 0) return error_;
  return static_cast<int>(taken);
}

int TlsStream::write(std::string bytes) {
  if (error_ != 0) return error_;
  if (!encrypt(bytes.data(), bytes.size())) return error_;
  owed_ = true;
  // Through uv_write even when the socket has room: the caller is told
  // from the loop, never from inside this call.
  if (!wire_busy_) start_wire_write();
  return error_;
}

bool TlsStream::encrypt(const char* data, size_t len) {
  if (len == 0) return true;
  ERR_clear_error();
  int r = SSL_write(ssl_, data, static_cast<int>(len));
  if (r == static_cast<int>(len)) return true;
  fail("write");
  return false;
}

void TlsStream::send_ciphertext() {
  if (ciphertext_.empty() || wire_busy_) return;
  uv_buf_t buf = uv_buf_init(&ciphertext_[0], static_cast<unsigned>(ciphertext_.size()));
  int written = wire_->try_write(&buf, 1);
  if (written < 0 && written != UV_EAGAIN) {
    error_ = written;
    ciphertext_.clear();
    return;
  }
  if (written > 0) ciphertext_.erase(0, static_cast<size_t>(written));
  if (!ciphertext_.empty()) start_wire_write();
}

void TlsStream::start_wire_write() {
  if (ciphertext_.empty()) return;
  std::string out;
  out.swap(ciphertext_);
  int r = wire_->write(std::move(out));
  if (r != 0) {
    error_ = r;
    return;
  }
  wire_busy_ = true;
}

void TlsStream::on_transport_written(int status) {
  wire_busy_ = false;
  if (status < 0) error_ = status;
  if (error_ == 0 && !ciphertext_.empty()) {
    start_wire_write();
    if (wire_busy_) return;
  }
  if (!owed_ || listener_ == nullptr) return;
  owed_ = false;
  listener_->on_transport_written(error_ < 0 ? error_ : 0);
}

}  // namespace hearth
