#include "worker/http/exchange.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace hearth {
namespace {

TEST(ExchangePool, ReusesWhatWasGivenBack) {
  Limits limits;
  ExchangePool pool(limits);
  std::unique_ptr<Exchange> first = pool.acquire();
  Exchange* address = first.get();
  first->request.path = "/a/path/long/enough/to/leave/the/small/string/buffer";
  pool.release(std::move(first));
  EXPECT_EQ(pool.spares(), 1u);
  std::unique_ptr<Exchange> again = pool.acquire();
  EXPECT_EQ(again.get(), address);
  EXPECT_EQ(pool.spares(), 0u);
  EXPECT_TRUE(again->parser.idle());
}

// What the last connection's app left must not reach the next connection.
TEST(ExchangePool, ReleaseDropsTheAppsState) {
  Limits limits;
  ExchangePool pool(limits);
  std::unique_ptr<Exchange> exchange = pool.acquire();
  auto held = std::make_shared<int>(1);
  exchange->streamed_body.on_end = [held] {};
  exchange->body_route_params["id"] = "7";
  exchange->response.status = 404;
  exchange->response.headers.set("X-Mine", "1");
  pool.release(std::move(exchange));
  EXPECT_EQ(held.use_count(), 1);
  exchange = pool.acquire();
  EXPECT_TRUE(exchange->body_route_params.empty());
  EXPECT_FALSE(exchange->streamed_body.on_end);
  EXPECT_EQ(exchange->response.status, Response().status);
  EXPECT_FALSE(exchange->response.headers.has("X-Mine"));
}

// Each request starts from what Response() would be, without allocating.
TEST(Exchange, StartResponseIsAFreshResponseThatKeepsItsBuffers) {
  Limits limits;
  Exchange exchange(limits);
  Response& res = exchange.response;
  res.text(std::string(200, 'x'), 201);
  res.headers.set("X-One", "1");
  res.close_connection = true;
  res.shared_body = std::make_shared<const std::string>("shared");
  size_t body_capacity = res.body.capacity();
  exchange.start_response();
  Response fresh;
  EXPECT_EQ(res.status, fresh.status);
  EXPECT_TRUE(res.headers.fields().empty());
  EXPECT_TRUE(res.body.empty());
  EXPECT_EQ(res.body.capacity(), body_capacity);
  EXPECT_FALSE(res.shared_body);
  EXPECT_FALSE(res.close_connection);
  EXPECT_FALSE(res.engine_body);
  EXPECT_TRUE(res.deferral.expired());

  res.body.assign(1 << 20, 'y');  // but an idle connection keeps no big buffer
  exchange.start_response();
  EXPECT_LT(res.body.capacity(), size_t{1} << 20);
}

// A burst of clients that then idle must not leave a spare per client.
TEST(ExchangePool, KeepsAtMostItsLimitOfSpares) {
  Limits limits;
  ExchangePool pool(limits);
  std::vector<std::unique_ptr<Exchange>> busy;
  for (size_t i = 0; i < ExchangePool::kMaxSpares + 10; i++) busy.push_back(pool.acquire());
  for (auto& exchange : busy) pool.release(std::move(exchange));
  EXPECT_EQ(pool.spares(), ExchangePool::kMaxSpares);
  pool.clear();
  EXPECT_EQ(pool.spares(), 0u);
}

}  // namespace
}  // namespace hearth
