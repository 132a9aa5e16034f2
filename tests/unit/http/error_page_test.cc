// hearth's error pages: nginx's HTML, or JSON for a client that asks for it.
#include "worker/http/error_page.h"

#include <gtest/gtest.h>

#include <string>

namespace hearth {
namespace {

TEST(ErrorPage, HtmlLikeNginx) {
  Response res;
  res.body = "old";
  error_page(nullptr, 404, &res);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(*res.headers.find("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(res.body,
            "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
            "<center><h1>404 Not Found</h1></center>\r\n<hr><center>hearth</center>\r\n</body>\r\n</html>\r\n");
}

TEST(ErrorPage, TheMessageEscaped) {
  Response res;
  error_page(nullptr, 400, &res, "bad <a href=\"x\">&</a>");
  EXPECT_EQ(res.body,
            "<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\r\n"
            "<center><h1>400 Bad Request</h1></center>\r\n"
            "<p>bad &lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;</p>\r\n"
            "<hr><center>hearth</center>\r\n</body>\r\n</html>\r\n");
}

TEST(ErrorPage, JsonWhenAsked) {
  Request req;
  req.headers.set("Accept", "application/json");
  Response res;
  error_page(&req, 503, &res, "later");
  EXPECT_EQ(res.body, "{\"error\":\"Service Unavailable\",\"message\":\"later\",\"status\":503}\n");
  EXPECT_EQ(*res.headers.find("Content-Type"), "application/json");
}

}  // namespace
}  // namespace hearth
