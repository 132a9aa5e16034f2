// The smallest hearth app: files from ./public, one JSON route, everything
// else 404. Build: make (needs hearth installed: make install in the repo).
// Run: ./hello -c hello.json   (or ./hello --listen 127.0.0.1:8080 --root public)
#include <hearth/hearth.h>

int main(int argc, char** argv) {
  hearth::App app;
  app.get("/api/users/:id", [](const hearth::Request& req, hearth::Response& res) {
    res.json({{"id", req.params.at("id")}});
  });
  return hearth::run(app, argc, argv);  // the whole server: master, workers, flags, config, signals
}
