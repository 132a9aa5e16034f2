// hearth with no app of its own: the server to put in front of an app
// written in anything else. Files from the config's root and mounts, and
// everything else to `upstream` (docs/UPSTREAM.md), which hearth can also
// run and restart. Built by the top-level Makefile as build/hearthd.
//
//   build/hearthd -c etc/go-app.json
#include <hearth/hearth.h>

int main(int argc, char** argv) {
  hearth::App no_routes;
  return hearth::run(no_routes, argc, argv);
}
