// Drives a TlsStream wired as worker/http/connection.cc wires it (a libuv
// pipe over one end of a socket pair, a SocketTransport on it) against a
// real OpenSSL client on the other end, which talks through memory BIOs
// the test moves to and from its socket. Everything runs on one thread:
// each step lets the client work, then runs the loop once without waiting.
#include "worker/tls/tls_stream.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "shared/ticket_keys.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificates.h"
#include "worker/tls/tls_context.h"

namespace hearth {
namespace {

// Enough for a 1 MiB transfer many times over; a test that never gets
// what it waits for fails after this many steps instead of hanging.
constexpr int kMaxSteps = 20000;
constexpr size_t kMiB = 1 << 20;

// The server end. Like the connection, it reads whatever libuv delivered
// through feed/read, then end_feed; then scribbles on its read buffer, as
// the next read of the connection's shared buffer would.
class Server : private Transport::Listener {
 public:
  Server(uv_loop_t* loop, int fd, SSL* session) : loop_(loop) {
    uv_pipe_init(loop, &pipe_, 0);
    open_ = uv_pipe_open(&pipe_, fd) == 0;
    pipe_.data = this;
    socket_ = std::make_unique<SocketTransport>(stream());
    tls_ = std::make_unique<TlsStream>(session, socket_.get());
    tls_->set_listener(this);
    uv_read_start(stream(), on_alloc, on_read);
  }

  // The pipe's memory must outlive its close callback: wait for it here.
  ~Server() {
    uv_read_stop(stream());
    tls_.reset();
    socket_->cancel();
    socket_.reset();
    uv_close(reinterpret_cast<uv_handle_t*>(&pipe_), on_close);
    for (int i = 0; i < kMaxSteps && !closed_; i++) uv_run(loop_, UV_RUN_NOWAIT);
  }

  TlsStream& tls() { return *tls_; }
  bool open() const { return open_; }
  const std::string& received() const { return received_; }
  // The first error read() returned (UV_EOF, UV_EPROTO), else 0.
  ssize_t result() const { return result_; }
  int written_calls() const { return written_calls_; }
  int written_status() const { return written_status_; }

  // To stop early as a caller may: at most `reads` reads per feed, each
  // into at most `capacity` bytes.
  void limit_reads(int reads, size_t capacity) {
    reads_per_feed_ = reads;
    capacity_ = capacity;
  }
  // Reads what an early stop left inside the stream, with no new feed.
  void read_rest() { read_records(kMaxSteps); }

 private:
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&pipe_); }

  static void on_close(uv_handle_t* h) noexcept { static_cast<Server*>(h->data)->closed_ = true; }

  static void on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) noexcept {
    auto* self = static_cast<Server*>(h->data);
    *buf = uv_buf_init(self->wire_buffer_, sizeof self->wire_buffer_);
  }

  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) noexcept {
    auto* self = static_cast<Server*>(s->data);
    if (nread <= 0) return;  // the client's socket closing is not what these tests look at
    self->tls_->feed(buf->base, static_cast<size_t>(nread));
    self->read_records(self->reads_per_feed_);
    if (self->result_ == 0) self->tls_->end_feed();
    memset(self->wire_buffer_, 'X', sizeof self->wire_buffer_);
  }

  void read_records(int reads) {
    for (int i = 0; i < reads && result_ == 0; i++) {
      ssize_t n = tls_->read(plain_, capacity_);
      if (n == 0) return;
      if (n < 0) {
        result_ = n;
        uv_read_stop(stream());
        return;
      }
      received_.append(plain_, static_cast<size_t>(n));
    }
  }

  void on_transport_written(int status) override {
    written_calls_++;
    written_status_ = status;
  }

  uv_loop_t* loop_;
  uv_pipe_t pipe_;
  bool open_ = false;
  bool closed_ = false;
  std::unique_ptr<SocketTransport> socket_;
  std::unique_ptr<TlsStream> tls_;
  char wire_buffer_[64 * 1024];
  char plain_[32 * 1024];
  int reads_per_feed_ = kMaxSteps;
  size_t capacity_ = sizeof plain_;
  std::string received_;
  ssize_t result_ = 0;
  int written_calls_ = 0;
  int written_status_ = 1;  // not a status libuv gives
};

struct ClientOptions {
  std::string ca_file;             // verify the server against this CA ("" = no verification)
  std::string sni;                 // "" = no server_name extension
  int max_version = 0;             // e.g. TLS1_2_VERSION; 0 = OpenSSL's highest
  std::string alpn;                // offered protocols, wire format; "" = no ALPN
  SSL_SESSION* session = nullptr;  // a session to resume (not taken)
};

// A client that speaks TLS through memory BIOs, or raw bytes (no options).
class Client {
 public:
  Client(int fd, const ClientOptions* options) : fd_(fd) {
    if (options != nullptr) start_tls(*options);
  }
  ~Client() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    close(fd_);
  }

  // Socket to OpenSSL, OpenSSL's progress, OpenSSL to socket.
  void step() {
    receive();
    if (ssl_ != nullptr && failure_.empty() && !peer_closed_) advance();
    flush();
  }

  void send(const std::string& plaintext) {
    ERR_clear_error();
    ASSERT_EQ(SSL_write(ssl_, plaintext.data(), static_cast<int>(plaintext.size())),
              static_cast<int>(plaintext.size()));
    flush();
  }
  void send_raw(const std::string& bytes) {
    unsent_ += bytes;
    flush();
  }
  void close_notify() {
    ERR_clear_error();
    SSL_shutdown(ssl_);
    flush();
  }

  SSL* ssl() { return ssl_; }
  bool handshake_done() const { return ssl_ != nullptr && SSL_is_init_finished(ssl_); }
  const std::string& received() const { return received_; }
  // The size of each SSL_read: one record's plaintext each.
  const std::vector<int>& reads() const { return reads_; }
  bool peer_closed() const { return peer_closed_; }  // close_notify came
  const std::string& failure() const { return failure_; }
  bool resumable_session() const {
    SSL_SESSION* session = SSL_get0_session(ssl_);
    return session != nullptr && SSL_SESSION_is_resumable(session);
  }

 private:
  void start_tls(const ClientOptions& options) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!options.ca_file.empty()) {
      SSL_CTX_load_verify_locations(ctx_, options.ca_file.c_str(), nullptr);
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    }
    if (options.max_version != 0) SSL_CTX_set_max_proto_version(ctx_, options.max_version);
    ssl_ = SSL_new(ctx_);
    from_server_ = BIO_new(BIO_s_mem());
    to_server_ = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl_, from_server_, to_server_);
    SSL_set_connect_state(ssl_);
    if (!options.sni.empty()) SSL_set_tlsext_host_name(ssl_, options.sni.c_str());
    if (!options.alpn.empty()) {
      SSL_set_alpn_protos(ssl_, reinterpret_cast<const unsigned char*>(options.alpn.data()),
                          static_cast<unsigned>(options.alpn.size()));
    }
    if (options.session != nullptr) SSL_set_session(ssl_, options.session);
  }

  void advance() {
    ERR_clear_error();
    if (!SSL_is_init_finished(ssl_)) {
      int r = SSL_do_handshake(ssl_);
      if (r != 1) return note(r);
    }
    char buf[16 * 1024];
    for (int i = 0; i < kMaxSteps; i++) {
      int n = SSL_read(ssl_, buf, sizeof buf);
      if (n <= 0) return note(n);
      received_.append(buf, static_cast<size_t>(n));
      reads_.push_back(n);
    }
  }

  void note(int r) {
    switch (SSL_get_error(ssl_, r)) {
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE: return;
      case SSL_ERROR_ZERO_RETURN: peer_closed_ = true; return;
      default: {
        std::string why = openssl_errors();
        failure_ = "client: " + (why.empty() ? "connection broken" : why);
      }
    }
  }

  void receive() {
    char buf[64 * 1024];
    for (int i = 0; i < kMaxSteps; i++) {
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return;
      if (ssl_ == nullptr) {
        received_.append(buf, static_cast<size_t>(n));
      } else {
        BIO_write(from_server_, buf, static_cast<int>(n));
      }
    }
  }

  // What OpenSSL made, then as much as the socket takes; the rest waits.
  void flush() {
    char buf[64 * 1024];
    for (int n; to_server_ != nullptr && (n = BIO_read(to_server_, buf, sizeof buf)) > 0;) {
      unsent_.append(buf, static_cast<size_t>(n));
    }
    while (!unsent_.empty()) {
      ssize_t n = ::send(fd_, unsent_.data(), unsent_.size(), MSG_NOSIGNAL);  // a closed server is no signal
      if (n <= 0) return;
      unsent_.erase(0, static_cast<size_t>(n));
    }
  }

  int fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* from_server_ = nullptr;  // owned by ssl_
  BIO* to_server_ = nullptr;
  std::string unsent_;
  std::string received_;
  std::vector<int> reads_;
  bool peer_closed_ = false;
  std::string failure_;
};

// A fresh socket pair: one end for the server's pipe, one for the client.
struct SocketPair {
  int fd[2] = {-1, -1};
};

SocketPair socket_pair() {
  SocketPair pair;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair.fd) != 0) ADD_FAILURE() << strerror(errno);
  return pair;
}

// One client-server connection, and the steps that move it on.
class Link {
 public:
  // A TLS client with `options`, or a raw one when null.
  Link(uv_loop_t* loop, const TlsContext& context, const ClientOptions* options)
      : loop_(loop),
        fds_(socket_pair()),
        server_(loop, fds_.fd[0], context.new_session()),
        client_(fds_.fd[1], options) {}

  Server& server() { return server_; }
  Client& client() { return client_; }

  // Steps until `done`; false when it never came (the test fails, no hang).
  template <typename Done>
  bool pump(Done done) {
    for (int i = 0; i < kMaxSteps; i++) {
      if (done()) return true;
      step();
    }
    return done();
  }
  // A fixed number of steps, to show that something does not happen.
  void pump_steps(int steps) {
    for (int i = 0; i < steps; i++) step();
  }

  bool handshake() {
    return pump([this] {
      return (client_.handshake_done() && server_.tls().handshake_done()) || !client_.failure().empty() ||
             server_.result() != 0;
    }) && client_.failure().empty() && server_.result() == 0;
  }
  bool server_gets(size_t bytes) {
    return pump([&] { return server_.received().size() >= bytes || server_.result() != 0; }) &&
           server_.received().size() == bytes;
  }
  bool client_gets(size_t bytes) {
    return pump([&] { return client_.received().size() >= bytes || !client_.failure().empty(); }) &&
           client_.received().size() == bytes;
  }
  bool server_fails() {
    return pump([this] { return server_.result() != 0; });
  }

 private:
  void step() {
    client_.step();
    uv_run(loop_, UV_RUN_NOWAIT);
  }

  uv_loop_t* loop_;
  SocketPair fds_;  // before server_ and client_, which take its ends
  Server server_;
  Client client_;
};

// Pseudo-random bytes (an LCG): a piece lost, doubled or out of place shows.
std::string pattern(size_t size) {
  std::string bytes(size, '\0');
  uint32_t x = 12345;
  for (char& c : bytes) c = static_cast<char>((x = x * 1103515245 + 12345) >> 16);
  return bytes;
}

bool peer_is_for(SSL* client, const std::string& name) {
  X509* peer = SSL_get0_peer_certificate(client);
  return peer != nullptr && X509_check_host(peer, name.c_str(), name.size(), 0, nullptr) == 1;
}

std::string alpn_selected(SSL* client) {
  const unsigned char* protocol = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(client, &protocol, &len);
  return std::string(reinterpret_cast<const char*>(protocol), len);
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

// Certificates for the whole suite (key generation is the slow part); a
// fresh loop per test, which must close clean.
class TlsStreamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    ca_ = new test::TestCa(*dir_);
    certificates_ = new std::vector<TlsCertificate>{
        ca_->issue("site", test::LeafSpec({"site.test"}).followed_by_ca()),
        ca_->issue("wildcard", {{"*.example.test"}}),
        ca_->issue("exact", {{"exact.example.test"}}),
        ca_->issue("rsa", test::LeafSpec({"rsa.test"}).with_rsa_key()),
    };
  }
  static void TearDownTestSuite() {
    delete certificates_;
    delete ca_;
    delete dir_;
  }

  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    context_ = load(TlsConfig());
    ASSERT_TRUE(context_);
  }
  void TearDown() override {
    context_.reset();
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle was left open";
  }

  // The suite's certificates under `config`'s policy; tickets when `keys`.
  std::shared_ptr<TlsContext> load(TlsConfig config, const TicketKeys* keys = nullptr) {
    config.certificates = *certificates_;
    std::vector<std::string> warnings;
    std::string error;
    auto context = TlsContext::load(config, keys, &warnings, &error);
    EXPECT_TRUE(context) << error;
    return context;
  }
  ClientOptions verifying(const std::string& sni = "") const {
    ClientOptions options;
    options.ca_file = ca_->ca_file();
    options.sni = sni;
    return options;
  }

  std::unique_ptr<Link> connect(const ClientOptions& options) {
    return std::make_unique<Link>(&loop_, *context_, &options);
  }
  std::unique_ptr<Link> connect_raw() { return std::make_unique<Link>(&loop_, *context_, nullptr); }

  static test::TempDir* dir_;
  static test::TestCa* ca_;
  static std::vector<TlsCertificate>* certificates_;
  uv_loop_t loop_;
  std::shared_ptr<TlsContext> context_;
};

test::TempDir* TlsStreamTest::dir_ = nullptr;
test::TestCa* TlsStreamTest::ca_ = nullptr;
std::vector<TlsCertificate>* TlsStreamTest::certificates_ = nullptr;

TEST_F(TlsStreamTest, HandshakeCompletesWithTls13) {
  auto link = connect(verifying());
  ASSERT_TRUE(link->server().open());
  EXPECT_FALSE(link->server().tls().handshake_done());
  ASSERT_TRUE(link->handshake()) << link->client().failure() << link->server().tls().failure();
  EXPECT_EQ(SSL_version(link->client().ssl()), TLS1_3_VERSION);
  EXPECT_TRUE(starts_with(link->server().tls().describe(), "TLSv1.3 ")) << link->server().tls().describe();
  EXPECT_TRUE(peer_is_for(link->client().ssl(), "site.test")) << "no SNI: the default certificate";
}

TEST_F(TlsStreamTest, HandshakeCompletesWithTls12) {
  ClientOptions options = verifying();
  options.max_version = TLS1_2_VERSION;
  auto link = connect(options);
  ASSERT_TRUE(link->handshake()) << link->client().failure() << link->server().tls().failure();
  EXPECT_EQ(SSL_version(link->client().ssl()), TLS1_2_VERSION);
  EXPECT_TRUE(starts_with(link->server().tls().describe(), "TLSv1.2 ECDHE-ECDSA-")) << link->server().tls().describe();
}

TEST_F(TlsStreamTest, RsaCertificateServesTls12) {
  ClientOptions options = verifying("rsa.test");
  options.max_version = TLS1_2_VERSION;
  auto link = connect(options);
  ASSERT_TRUE(link->handshake()) << link->client().failure() << link->server().tls().failure();
  EXPECT_TRUE(peer_is_for(link->client().ssl(), "rsa.test"));
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(SSL_get0_peer_certificate(link->client().ssl()))), EVP_PKEY_RSA);
  EXPECT_TRUE(starts_with(link->server().tls().describe(), "TLSv1.2 ECDHE-RSA-")) << link->server().tls().describe();
}

TEST_F(TlsStreamTest, MinVersion13RefusesATls12Client) {
  TlsConfig strict;
  strict.min_version = "1.3";
  context_ = load(strict);
  ASSERT_TRUE(context_);
  ClientOptions options = verifying();
  options.max_version = TLS1_2_VERSION;
  auto link = connect(options);
  ASSERT_TRUE(link->server_fails());
  EXPECT_EQ(link->server().result(), UV_EPROTO);
  EXPECT_TRUE(starts_with(link->server().tls().failure(), "handshake: ")) << link->server().tls().failure();
  EXPECT_FALSE(link->server().tls().handshake_done());
  EXPECT_FALSE(link->server().tls().plain_http());
  ASSERT_TRUE(link->pump([&] { return !link->client().failure().empty(); })) << "the client hears the alert";
}

TEST_F(TlsStreamTest, SniPicksTheCertificate) {
  struct Case {
    std::string sni, served_name;
  };
  for (const Case& c : {Case{"exact.example.test", "exact.example.test"}, Case{"a.example.test", "a.example.test"},
                        Case{"EXACT.example.TEST", "exact.example.test"}, Case{"unknown.test", "site.test"},
                        Case{"a.b.example.test", "site.test"}}) {
    auto link = connect(verifying(c.sni));
    ASSERT_TRUE(link->handshake()) << c.sni << ": " << link->client().failure();
    EXPECT_TRUE(peer_is_for(link->client().ssl(), c.served_name)) << c.sni;
    EXPECT_EQ(peer_is_for(link->client().ssl(), "site.test"), c.served_name == "site.test") << c.sni;
  }
}

// The default certificate's file holds leaf and CA; the others only a leaf.
TEST_F(TlsStreamTest, ChainFileIsSentWhole) {
  auto with_chain = connect(verifying("site.test"));
  ASSERT_TRUE(with_chain->handshake()) << with_chain->client().failure();
  EXPECT_EQ(sk_X509_num(SSL_get_peer_cert_chain(with_chain->client().ssl())), 2);
  auto leaf_only = connect(verifying("exact.example.test"));
  ASSERT_TRUE(leaf_only->handshake()) << leaf_only->client().failure();
  EXPECT_EQ(sk_X509_num(SSL_get_peer_cert_chain(leaf_only->client().ssl())), 1);
}

TEST_F(TlsStreamTest, AlpnSelectsHttp11) {
  ClientOptions options = verifying();
  options.alpn = std::string("\x02h2\x08http/1.1", 12);
  auto link = connect(options);
  ASSERT_TRUE(link->handshake()) << link->client().failure();
  EXPECT_EQ(alpn_selected(link->client().ssl()), "http/1.1");
}

TEST_F(TlsStreamTest, NoCommonAlpnProtocolStillConnects) {
  ClientOptions options = verifying();
  options.alpn = std::string("\x02h2", 3);
  auto link = connect(options);
  ASSERT_TRUE(link->handshake()) << link->client().failure();
  EXPECT_EQ(alpn_selected(link->client().ssl()), "");
}

TEST_F(TlsStreamTest, PlaintextRoundTripsBothWays) {
  auto link = connect(verifying());
  ASSERT_TRUE(link->handshake());
  const std::string request = "GET / HTTP/1.1\r\nHost: site.test\r\n\r\n";
  link->client().send(request);
  ASSERT_TRUE(link->server_gets(request.size())) << link->server().tls().failure();
  EXPECT_EQ(link->server().received(), request);

  const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
  uv_buf_t buf = uv_buf_init(const_cast<char*>(response.data()), static_cast<unsigned>(response.size()));
  EXPECT_EQ(link->server().tls().try_write(&buf, 1), static_cast<int>(response.size()));
  EXPECT_FALSE(link->server().tls().pending()) << "an idle socket takes a small record at once";
  ASSERT_TRUE(link->client_gets(response.size())) << link->client().failure();
  EXPECT_EQ(link->client().received(), response);
  EXPECT_EQ(link->server().written_calls(), 0) << "nothing was left pending, so nothing to report";
}

TEST_F(TlsStreamTest, SmallPiecesBecomeOneRecord) {
  auto link = connect(verifying());
  ASSERT_TRUE(link->handshake());
  std::string head = "HTTP/1.1 200 OK\r\n", headers = "Content-Length: 4\r\n\r\n", body = "body";
  uv_buf_t bufs[] = {uv_buf_init(&head[0], static_cast<unsigned>(head.size())),
                     uv_buf_init(&headers[0], static_cast<unsigned>(headers.size())),
                     uv_buf_init(&body[0], static_cast<unsigned>(body.size()))};
  std::string all = head + headers + body;
  EXPECT_EQ(link->server().tls().try_write(bufs, 3), static_cast<int>(all.size()));
  ASSERT_TRUE(link->client_gets(all.size())) << link->client().failure();
  EXPECT_EQ(link->client().received(), all);
  EXPECT_EQ(link->client().reads(), std::vector<int>{static_cast<int>(all.size())});
}

TEST_F(TlsStreamTest, LargeWriteArrivesIntactInOrder) {
  auto link = connect(verifying());
  ASSERT_TRUE(link->handshake());
  ASSERT_TRUE(link->pump([&] { return !link->server().tls().pending(); })) << "tickets sent";
  std::string big = pattern(kMiB);
  EXPECT_EQ(link->server().tls().write(big), 0);
  EXPECT_TRUE(link->server().tls().pending());
  EXPECT_EQ(link->server().written_calls(), 0) << "told from the loop, never from inside write()";
  ASSERT_TRUE(link->client_gets(big.size())) << link->client().failure();
  EXPECT_TRUE(link->client().received() == big) << "the bytes differ";
  ASSERT_TRUE(link->pump([&] { return link->server().written_calls() > 0; }));
  EXPECT_EQ(link->server().written_calls(), 1);
  EXPECT_EQ(link->server().written_status(), 0);
  EXPECT_FALSE(link->server().tls().pending());
}

TEST_F(TlsStreamTest, LargeTryWriteIsTakenWholeAndReportedOnce) {
  auto link = connect(verifying());
  ASSERT_TRUE(link->handshake());
  ASSERT_TRUE(link->pump([&] { return !link->server().tls().pending(); }));
  std::string big = pattern(kMiB);
  std::string tail = "tail";
  uv_buf_t bufs[] = {uv_buf_init(&big[0], static_cast<unsigned>(big.size())),
                     uv_buf_init(&tail[0], static_cast<unsigned>(tail.size()))};
  EXPECT_EQ(link->server().tls().try_write(bufs, 2), static_cast<int>(big.size() + tail.size()));
  EXPECT_TRUE(link->server().tls().pending()) << "1 MiB does not fit an idle socket";
  uv_buf_t more = uv_buf_init(&tail[0], static_cast<unsigned>(tail.size()));
  EXPECT_EQ(link->server().tls().try_write(&more, 1), UV_EAGAIN) << "order: nothing overtakes pending bytes";
  ASSERT_TRUE(link->client_gets(big.size() + tail.size())) << link->client().failure();
  EXPECT_TRUE(link->client().received() == big + tail) << "the bytes differ";
  ASSERT_TRUE(link->pump([&] { return link->server().written_calls() > 0; }));
  link->pump_steps(10);
  EXPECT_EQ(link->server().written_calls(), 1);
  EXPECT_EQ(link->server().written_status(), 0);
  EXPECT_FALSE(link->server().tls().pending());
}

TEST_F(TlsStreamTest, LargeUploadArrivesIntactInOrder) {
  auto link = connect(verifying());
  ASSERT_TRUE(link->handshake());
  std::string big = pattern(kMiB);
  link->client().send(big);
  ASSERT_TRUE(link->server_gets(big.size())) << link->server().tls().failure();
  EXPECT_TRUE(link->server().received() == big) << "the bytes differ";
}

// A caller that stops reading early (end_feed) must not lose or garble the
// ciphertext still unread, though its read buffer is overwritten since.
TEST_F(TlsStreamTest, InputLeftByAnEarlyStopIsKeptInOrder) {
  auto link = connect(verifying());
  ASSERT_TRUE(link->handshake());
  link->server().limit_reads(1, 4);
  std::string first(100, 'a'), second(100, 'b'), third(100, 'c');
  link->client().send(first);
  link->client().send(second);
  ASSERT_TRUE(link->pump([&] { return !link->server().received().empty(); }));
  link->pump_steps(5);
  EXPECT_EQ(link->server().received(), "aaaa") << "one read of 4 bytes per feed";
  link->client().send(third);  // fed while the earlier input is still held
  link->pump_steps(5);
  link->server().read_rest();
  EXPECT_EQ(link->server().result(), 0) << link->server().tls().failure();
  EXPECT_EQ(link->server().received(), first + second + third);
}

TEST_F(TlsStreamTest, TryWriteBeforeTheHandshakeIsRefused) {
  auto link = connect(verifying());
  std::string early = "early";
  uv_buf_t buf = uv_buf_init(&early[0], static_cast<unsigned>(early.size()));
  EXPECT_EQ(link->server().tls().try_write(&buf, 1), UV_EPROTO);
  ASSERT_TRUE(link->handshake()) << "the refusal does not break the session";
}

TEST_F(TlsStreamTest, PlainHttpIsRecognised) {
  auto link = connect_raw();
  link->client().send_raw("GET / HTTP/1.1\r\n");
  ASSERT_TRUE(link->server_fails());
  EXPECT_EQ(link->server().result(), UV_EPROTO);
  EXPECT_TRUE(link->server().tls().plain_http());
  EXPECT_FALSE(link->server().tls().failure().empty());
  EXPECT_FALSE(link->server().tls().handshake_done());
  char out[16];
  EXPECT_EQ(link->server().tls().read(out, sizeof out), UV_EPROTO) << "a failure stays";
}

TEST_F(TlsStreamTest, NoiseIsNeitherTlsNorPlainHttp) {
  auto link = connect_raw();
  link->client().send_raw(std::string("\x01\x02\x03 noise", 9));
  ASSERT_TRUE(link->server_fails());
  EXPECT_EQ(link->server().result(), UV_EPROTO);
  EXPECT_FALSE(link->server().tls().plain_http());
  EXPECT_FALSE(link->server().tls().failure().empty());
}

// A handshake record that is not a ClientHello: OpenSSL's reason, and a
// fatal alert (record type 21) back to the client.
TEST_F(TlsStreamTest, BrokenHandshakeRecordFailsWithAnAlert) {
  auto link = connect_raw();
  link->client().send_raw(std::string("\x16\x03\x01\x00\x04\xff\xff\xff\xff", 9));
  ASSERT_TRUE(link->server_fails());
  EXPECT_EQ(link->server().result(), UV_EPROTO);
  EXPECT_FALSE(link->server().tls().plain_http());
  EXPECT_TRUE(starts_with(link->server().tls().failure(), "handshake: ")) << link->server().tls().failure();
  ASSERT_TRUE(link->pump([&] { return !link->client().received().empty(); }));
  EXPECT_EQ(link->client().received()[0], '\x15');
}

TEST_F(TlsStreamTest, ClientCloseNotifyIsEofAfterItsData) {
  auto link = connect(verifying());
  ASSERT_TRUE(link->handshake());
  link->client().send("last words");
  link->client().close_notify();
  ASSERT_TRUE(link->server_fails());
  EXPECT_EQ(link->server().result(), UV_EOF);
  EXPECT_EQ(link->server().received(), "last words");
}

TEST_F(TlsStreamTest, ServerCloseNotifyReachesTheClient) {
  auto link = connect(verifying());
  ASSERT_TRUE(link->handshake());
  link->server().tls().close_notify();
  ASSERT_TRUE(link->pump([&] { return link->client().peer_closed() || !link->client().failure().empty(); }));
  EXPECT_TRUE(link->client().peer_closed()) << link->client().failure();
}

TEST_F(TlsStreamTest, RenegotiationIsRefused) {
  ClientOptions options = verifying();
  options.max_version = TLS1_2_VERSION;
  auto link = connect(options);
  ASSERT_TRUE(link->handshake());
  ASSERT_EQ(SSL_renegotiate(link->client().ssl()), 1);
  ASSERT_TRUE(link->pump([&] { return !link->client().failure().empty() || link->server().result() != 0; }));
  EXPECT_NE(link->client().failure().find("no renegotiation"), std::string::npos) << link->client().failure();
}

// No keys: the server sends no ticket at all (a full handshake each time).
TEST_F(TlsStreamTest, NoTicketsWithoutKeys) {
  auto link = connect(verifying());
  ASSERT_TRUE(link->handshake());
  link->pump_steps(50);
  EXPECT_FALSE(link->client().resumable_session());
}

// Two workers share the ticket keys: a ticket one issued resumes on the
// other, also after a rotation; keys of another master do not.
class TlsTicketTest : public TlsStreamTest {
 protected:
  void SetUp() override {
    TlsStreamTest::SetUp();
    std::string error;
    keys_ = TicketKeys::create(&error);
    ASSERT_TRUE(keys_) << error;
    context_ = load(TlsConfig(), keys_.get());
    ASSERT_TRUE(context_);
  }
  void TearDown() override {
    SSL_SESSION_free(session_);
    TlsStreamTest::TearDown();
  }

  // A full handshake, then the ticket the server sent after it.
  void get_ticket() {
    auto link = connect(verifying());
    ASSERT_TRUE(link->handshake());
    ASSERT_TRUE(link->pump([&] { return link->client().resumable_session(); })) << "no ticket came";
    session_ = SSL_get1_session(link->client().ssl());
    // A client session freed without close_notify is marked not resumable.
    link->client().close_notify();
    ASSERT_TRUE(link->server_fails());
    ASSERT_EQ(link->server().result(), UV_EOF);
  }
  // Whether a connection to `context` resumed the ticket (both sides agree).
  bool resumes_on(const std::shared_ptr<TlsContext>& context) {
    context_ = context;
    ClientOptions options = verifying();
    options.session = session_;
    auto link = connect(options);
    EXPECT_TRUE(link->handshake());
    bool resumed = SSL_session_reused(link->client().ssl()) == 1;
    EXPECT_EQ(link->server().tls().describe().find("(resumed)") != std::string::npos, resumed);
    return resumed;
  }

  std::unique_ptr<TicketKeys> keys_;
  SSL_SESSION* session_ = nullptr;
};

TEST_F(TlsTicketTest, TicketResumesOnAnotherWorker) {
  ASSERT_NO_FATAL_FAILURE(get_ticket());
  EXPECT_TRUE(resumes_on(load(TlsConfig(), keys_.get())));
}

TEST_F(TlsTicketTest, TicketOutlivesARotation) {
  ASSERT_NO_FATAL_FAILURE(get_ticket());
  std::string error;
  ASSERT_TRUE(keys_->rotate(&error)) << error;
  EXPECT_TRUE(resumes_on(context_));
}

TEST_F(TlsTicketTest, OtherKeysMeanAFullHandshake) {
  ASSERT_NO_FATAL_FAILURE(get_ticket());
  std::string error;
  auto other_keys = TicketKeys::create(&error);
  ASSERT_TRUE(other_keys) << error;
  EXPECT_FALSE(resumes_on(load(TlsConfig(), other_keys.get())));
}

}  // namespace
}  // namespace hearth
