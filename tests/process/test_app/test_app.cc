// An app on the public API only, as a user writes one, built twice by the
// Makefile: with HEARTH_TEST_VERSION "v1" and "v2".
// - tests/process/upgrade_test.cc: a binary upgrade from one build to the
//   other must change what GET /version answers;
// - tests/process/app_api_test.cc: the request and response helpers, error
//   answers and the worker-start hook, through a real server.
// (In a folder of its own: tests/process/*.cc are linked into process_tests,
// and this has a main.)
#include <hearth/hearth.h>

#include <unistd.h>

#include <stdexcept>

#ifndef HEARTH_TEST_VERSION
#error "build with -DHEARTH_TEST_VERSION='\"v1\"'"
#endif

namespace {

// Counted by the on_worker_start hook: each worker must see exactly one run,
// in its own process (a hook run before the fork would show the master's pid).
int worker_starts = 0;
pid_t started_in = 0;

void add_request_helper_routes(hearth::App& app) {
  app.get("/api/query", [](const hearth::Request& req, hearth::Response& res) {
    res.json({{"limit", req.query_param("limit", "10")}, {"q", req.query_param("q")},
              {"has_page", req.find_query_param("page").has_value()}});
  });
  app.post("/api/form", [](const hearth::Request& req, hearth::Response& res) {
    res.json({{"email", req.form_param("email")}, {"fields", req.form().size()}});
  });
  app.post("/api/json", [](const hearth::Request& req, hearth::Response& res) {
    nlohmann::json body = req.json();
    res.json({{"name", body.value("name", "")}}, 201);
  });
  app.get("/api/cookie", [](const hearth::Request& req, hearth::Response& res) {
    hearth::CookieOptions options;
    options.path = "/";
    options.http_only = true;
    options.max_age = 3600;
    options.same_site = "Lax";
    res.set_cookie("seen", "yes", options);
    res.json({{"session", req.cookie("session").value_or("none")}});
  });
  app.get("/api/redirect", [](const hearth::Request&, hearth::Response& res) { res.redirect("/version", 303); });
  app.put("/api/item/:id", [](const hearth::Request& req, hearth::Response& res) {
    res.text("put " + req.params.at("id"));
  });
  app.patch("/api/item/:id", [](const hearth::Request& req, hearth::Response& res) {
    res.text("patch " + req.params.at("id"));
  });
  app.del("/api/item/:id", [](const hearth::Request& req, hearth::Response& res) {
    res.status = 204;
    (void)req;
  });
}

void add_error_routes(hearth::App& app) {
  app.get("/api/throw", [](const hearth::Request&, hearth::Response&) {
    throw std::runtime_error("a secret the client must not see");
  });
  app.get("/api/http-error", [](const hearth::Request&, hearth::Response&) {
    throw hearth::HttpError(422, "widget <b> is not valid");
  });
  // The header value comes from the client: a CR LF in it must not split the response.
  app.get("/api/header", [](const hearth::Request& req, hearth::Response& res) {
    res.set_header("X-Echo", req.query_param("value"));
    res.text("header set");
  });
}

}  // namespace

int main(int argc, char** argv) {
  hearth::App app;
  app.get("/version", [](const hearth::Request&, hearth::Response& res) { res.text(HEARTH_TEST_VERSION); });
  app.on_worker_start([](const hearth::WorkerInfo&) {
    worker_starts++;
    started_in = getpid();
  });
  app.get("/api/worker", [](const hearth::Request&, hearth::Response& res) {
    res.json({{"starts", worker_starts}, {"hook_pid", started_in}, {"pid", hearth::current_worker().pid}});
  });
  add_request_helper_routes(app);
  add_error_routes(app);
  return hearth::run(app, argc, argv);
}
