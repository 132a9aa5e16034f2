// The bytes a response becomes: status line, fields, framing, body; and the
// output queue's direct write, over a real socket pair.
#include "worker/http/response_writer.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "worker/http/output_queue.h"
#include "worker/http/socket_transport.h"

namespace hearth {
namespace {

std::string head_of(const Response& res, ResponseContext ctx = {}) {
  std::string out;
  serialize_head(res, &ctx, &out);
  return out;
}

TEST(SerializeHeadTest, StatusLineForBothVersions) {
  Response res;
  res.status = 404;
  res.body = "gone";
  EXPECT_EQ(head_of(res).rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u) << head_of(res);
  ResponseContext old;
  old.http_minor = 0;
  std::string head = head_of(res, old);
  EXPECT_EQ(head.rfind("HTTP/1.0 404 Not Found\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Connection: keep-alive\r\n"), std::string::npos);
  res.status = 599;
  EXPECT_EQ(head_of(res).rfind("HTTP/1.1 599 Unknown\r\n", 0), 0u);
}

TEST(SerializeHeadTest, FieldsInOrderAndLengthOfSharedBody) {
  Response res;
  res.headers.add("ETag", "\"1-2\"");
  res.headers.add("Content-Type", "text/plain");
  res.shared_body = std::make_shared<const std::string>(1234, 'x');
  std::string date = "Tue, 24 Nov 2026 04:00:00 GMT";
  ResponseContext ctx;
  ctx.date = &date;
  EXPECT_EQ(head_of(res, ctx),
            "HTTP/1.1 200 OK\r\nServer: hearth\r\nDate: Tue, 24 Nov 2026 04:00:00 GMT\r\n"
            "ETag: \"1-2\"\r\nContent-Type: text/plain\r\nContent-Length: 1234\r\n\r\n");
  EXPECT_EQ(res.body_length(), 1234u);
  EXPECT_EQ(res.body_bytes().size(), 1234u);
}

TEST(SerializeHeadTest, NoLengthWithoutBodyAndCloseWhenAsked) {
  Response res;
  res.status = 304;
  ResponseContext ctx;
  ctx.keep_alive = false;
  EXPECT_EQ(head_of(res, ctx), "HTTP/1.1 304 Not Modified\r\nServer: hearth\r\nConnection: close\r\n\r\n");
}

TEST(SerializeHeadTest, AppFramingFieldsExtraFieldsAndChunked) {
  Response res;
  res.body = "abc";
  res.headers.add("content-length", "3");
  EXPECT_EQ(head_of(res), "HTTP/1.1 200 OK\r\nServer: hearth\r\ncontent-length: 3\r\n\r\n")
      << "the app's own Content-Length, in any case, is not doubled";
  Response te;
  te.headers.add("Transfer-Encoding", "chunked");
  EXPECT_EQ(head_of(te), "HTTP/1.1 200 OK\r\nServer: hearth\r\nTransfer-Encoding: chunked\r\n\r\n");

  std::vector<std::pair<std::string, std::string>> extra = {{"X-Site", "a"}, {"Strict-Transport-Security", "max-age=1"}};
  Response empty;
  ResponseContext ctx;
  ctx.extra_headers = &extra;
  EXPECT_EQ(head_of(empty, ctx),
            "HTTP/1.1 200 OK\r\nServer: hearth\r\nX-Site: a\r\nStrict-Transport-Security: max-age=1\r\n"
            "Content-Length: 0\r\n\r\n");

  ResponseContext streamed;
  streamed.streamed_body = true;
  EXPECT_EQ(head_of(empty, streamed), "HTTP/1.1 200 OK\r\nServer: hearth\r\nTransfer-Encoding: chunked\r\n\r\n");
  streamed.http_minor = 0;
  std::string old = head_of(empty, streamed);
  EXPECT_EQ(old, "HTTP/1.0 200 OK\r\nServer: hearth\r\nConnection: close\r\n\r\n")
      << "an HTTP/1.0 stream is delimited by the close";
}

TEST(SerializeHeadTest, AppendsAndCountsLongBodies) {
  Response res;
  res.status = 1000;  // out of range: the status line says 500
  res.shared_body = std::make_shared<const std::string>(12345678, 'x');
  res.close_connection = true;
  std::string out = "before";
  ResponseContext ctx;
  serialize_head(res, &ctx, &out);
  EXPECT_EQ(out, "beforeHTTP/1.1 500 Internal Server Error\r\nServer: hearth\r\nContent-Length: 12345678\r\n"
                 "Connection: close\r\n\r\n");
  EXPECT_FALSE(ctx.keep_alive);
}

// A libuv pipe over one end of a socket pair; the test reads the other end.
class OutputQueueTest : public ::testing::Test, public OutputQueue::Listener {
 protected:
  void SetUp() override {
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds_), 0);
    uv_loop_init(&loop_);
    uv_pipe_init(&loop_, &pipe_, 0);
    ASSERT_EQ(uv_pipe_open(&pipe_, fds_[0]), 0);
    transport_ = std::make_unique<SocketTransport>(reinterpret_cast<uv_stream_t*>(&pipe_));
    queue_ = std::make_unique<OutputQueue>(transport_.get(), this);
  }
  void TearDown() override {
    queue_->cancel();
    queue_.reset();
    transport_->cancel();
    uv_close(reinterpret_cast<uv_handle_t*>(&pipe_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
    close(fds_[1]);
  }
  // What the peer can read now, up to `n` bytes (never blocks).
  std::string read_peer(size_t n) {
    std::string got(n, '\0');
    size_t have = 0;
    for (int i = 0; i < 1000 && have < n; i++) {
      ssize_t r = ::read(fds_[1], &got[have], n - have);
      if (r <= 0) break;
      have += static_cast<size_t>(r);
    }
    got.resize(have);
    return got;
  }
  void on_output_drained() override { drained_++; }
  void on_output_error(int) override { errors_++; }

  int fds_[2] = {-1, -1};
  uv_loop_t loop_;
  uv_pipe_t pipe_;
  std::unique_ptr<SocketTransport> transport_;
  std::unique_ptr<OutputQueue> queue_;
  int drained_ = 0;
  int errors_ = 0;
};

TEST_F(OutputQueueTest, DirectWriteLeavesNothingQueued) {
  EXPECT_TRUE(queue_->write("hello "));
  EXPECT_TRUE(queue_->empty());
  EXPECT_EQ(queue_->memory_bytes(), 0u);
  EXPECT_TRUE(queue_->write("world"));
  EXPECT_EQ(read_peer(11), "hello world");
}

TEST_F(OutputQueueTest, DirectWriteKeepsOrderBehindQueuedBytes) {
  // Fill the socket so that the next bytes must wait, in order.
  std::string big(4 << 20, 'a');
  EXPECT_FALSE(queue_->write(big));
  EXPECT_FALSE(queue_->write("tail"));
  EXPECT_FALSE(queue_->empty());
  std::string got;
  for (int i = 0; i < 10000 && got.size() < big.size() + 4; i++) {
    uv_run(&loop_, UV_RUN_NOWAIT);
    got += read_peer(std::min<size_t>(65536, big.size() + 4 - got.size()));
  }
  ASSERT_EQ(got.size(), big.size() + 4);
  EXPECT_EQ(got.substr(big.size()), "tail");
  EXPECT_EQ(got.find_first_not_of('a'), big.size());
  EXPECT_EQ(errors_, 0);
}

}  // namespace
}  // namespace hearth
