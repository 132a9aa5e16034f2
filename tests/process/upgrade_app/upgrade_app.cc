// The app of tests/process/upgrade_test.cc, built twice by the Makefile:
// with HEARTH_TEST_VERSION "v1" and "v2". A binary upgrade from one to the
// other must change what GET /version answers. (In a folder of its own:
// tests/process/*.cc are linked into process_tests, and this has a main.)
#include <hearth/hearth.h>

#ifndef HEARTH_TEST_VERSION
#error "build with -DHEARTH_TEST_VERSION='\"v1\"'"
#endif

int main(int argc, char** argv) {
  hearth::App app;
  app.get("/version", [](const hearth::Request&, hearth::Response& res) { res.text(HEARTH_TEST_VERSION); });
  return hearth::run(app, argc, argv);
}
