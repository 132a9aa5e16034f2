// Temporary entry for engine testing; replaced by the master branch's main.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <spdlog/spdlog.h>
#include "worker/worker_main.h"
int main(int argc, char** argv) {
  hearth::Config c;
  int port = 3000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--port") port = atoi(argv[i + 1]);
    if (k == "--root") c.root = argv[i + 1];
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (sockaddr*)&a, sizeof a) || listen(fd, 511)) { perror("bind"); return 1; }
  return hearth::run_worker(c, fd, -1, {});
}
