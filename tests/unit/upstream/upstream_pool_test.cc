#include "worker/upstream/upstream_pool.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <memory>
#include <vector>

namespace hearth {
namespace {

// A loopback server on the test's loop that accepts and keeps (or closes)
// what it accepted.
struct LoopServer {
  uv_tcp_t tcp;
  std::vector<uv_tcp_t*> accepted;
  int port = 0;

  explicit LoopServer(uv_loop_t* loop) {
    uv_tcp_init(loop, &tcp);
    tcp.data = this;
    sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", 0, &addr);
    uv_tcp_bind(&tcp, reinterpret_cast<sockaddr*>(&addr), 0);
    uv_listen(reinterpret_cast<uv_stream_t*>(&tcp), 16, [](uv_stream_t* server, int) {
      auto* self = static_cast<LoopServer*>(server->data);
      auto* client = new uv_tcp_t;
      uv_tcp_init(server->loop, client);
      uv_accept(server, reinterpret_cast<uv_stream_t*>(client));
      self->accepted.push_back(client);
    });
    sockaddr_storage bound;
    int len = sizeof bound;
    uv_tcp_getsockname(&tcp, reinterpret_cast<sockaddr*>(&bound), &len);
    port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }
  void close_accepted() {
    for (uv_tcp_t* c : accepted) {
      uv_close(reinterpret_cast<uv_handle_t*>(c), [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    }
    accepted.clear();
  }
  void close() {
    close_accepted();
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp), nullptr);
  }
};

struct Waiter : UpstreamSocket::Owner {
  int connected = 0;
  int closed = 0;
  void on_connected(UpstreamSocket*, int status) override { connected = status == 0 ? 1 : -1; }
  void on_data(UpstreamSocket*, const char*, size_t) override {}
  void on_closed(UpstreamSocket*, int) override { closed++; }
  void on_write_drained(UpstreamSocket*) override {}
  void on_timer(UpstreamSocket*) override {}
};

class UpstreamPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uv_loop_init(&loop_);
    server_ = std::make_unique<LoopServer>(&loop_);
    std::string error;
    ASSERT_TRUE(parse_upstream_address("127.0.0.1:" + std::to_string(server_->port), &address_, &error));
  }
  void TearDown() override {
    server_->close();
    run_for(20);
    uv_loop_close(&loop_);
  }
  // Runs the loop until `done` or about `ms` milliseconds.
  template <typename F>
  void run_until(F done, int ms = 2000) {
    for (int i = 0; i < ms && !done(); i++) {
      uv_run(&loop_, UV_RUN_NOWAIT);
      usleep(1000);
    }
  }
  void run_for(int ms) {
    run_until([] { return false; }, ms);
  }
  UpstreamSocket* connected_socket(Waiter* w) {
    int status = 0;
    UpstreamSocket* s = UpstreamSocket::connect(&loop_, address_, w, &status);
    EXPECT_NE(s, nullptr);
    run_until([&] { return w->connected != 0; });
    EXPECT_EQ(w->connected, 1);
    return s;
  }

  uv_loop_t loop_;
  std::unique_ptr<LoopServer> server_;
  UpstreamAddress address_;
};

TEST_F(UpstreamPoolTest, GivenBackIsTakenAgain) {
  UpstreamPool pool(&loop_, 4, 60000);
  Waiter w;
  UpstreamSocket* s = connected_socket(&w);
  pool.give_back(s);
  EXPECT_EQ(pool.idle_count(), 1u);
  Waiter next;
  EXPECT_EQ(pool.take(address_.text, 0, &next), s);
  EXPECT_EQ(pool.idle_count(), 0u);
  EXPECT_EQ(pool.take(address_.text, 0, &next), nullptr);
  EXPECT_EQ(pool.take("127.0.0.1:1", 0, &next), nullptr);
  s->close();
  pool.close_all();
}

TEST_F(UpstreamPoolTest, OtherInstanceSerialIsNotReused) {
  UpstreamPool pool(&loop_, 4, 60000);
  Waiter w;
  UpstreamSocket* s = connected_socket(&w);
  s->instance_serial = 7;
  pool.give_back(s);
  Waiter next;
  EXPECT_EQ(pool.take(address_.text, 8, &next), nullptr);
  EXPECT_EQ(pool.take(address_.text, 7, &next), s);
  s->close();
}

TEST_F(UpstreamPoolTest, BoundedPerServerClosingTheOldest) {
  UpstreamPool pool(&loop_, 2, 60000);
  Waiter w1, w2, w3;
  UpstreamSocket* a = connected_socket(&w1);
  UpstreamSocket* b = connected_socket(&w2);
  UpstreamSocket* c = connected_socket(&w3);
  pool.give_back(a);
  pool.give_back(b);
  pool.give_back(c);  // a, given back first, goes
  EXPECT_EQ(pool.idle_count(), 2u);
  Waiter next;
  EXPECT_EQ(pool.take(address_.text, 0, &next), c);  // most recent first
  EXPECT_EQ(pool.take(address_.text, 0, &next), b);
  EXPECT_EQ(pool.take(address_.text, 0, &next), nullptr);
  b->close();
  c->close();
}

TEST_F(UpstreamPoolTest, ServerClosingAnIdleConnectionRemovesIt) {
  UpstreamPool pool(&loop_, 4, 60000);
  Waiter w;
  UpstreamSocket* s = connected_socket(&w);
  run_until([&] { return !server_->accepted.empty(); });
  pool.give_back(s);
  server_->close_accepted();
  run_until([&] { return pool.idle_count() == 0; });
  EXPECT_EQ(pool.idle_count(), 0u);
}

TEST_F(UpstreamPoolTest, IdleTimeoutClosesIt) {
  UpstreamPool pool(&loop_, 4, 30);
  Waiter w;
  UpstreamSocket* s = connected_socket(&w);
  pool.give_back(s);
  run_until([&] { return pool.idle_count() == 0; }, 1000);
  EXPECT_EQ(pool.idle_count(), 0u);
}

TEST_F(UpstreamPoolTest, KeepaliveZeroKeepsNothing) {
  UpstreamPool pool(&loop_, 0, 60000);
  Waiter w;
  UpstreamSocket* s = connected_socket(&w);
  pool.give_back(s);
  EXPECT_EQ(pool.idle_count(), 0u);
}

}  // namespace
}  // namespace hearth
