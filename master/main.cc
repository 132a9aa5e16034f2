// Temporary entry for engine testing (single worker, no master); the
// master branch replaces it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>

#include <spdlog/spdlog.h>

#include "shared/command_line.h"
#include "shared/logging.h"
#include "worker/worker_main.h"

int main(int argc, char** argv) {
  hearth::CommandLine cl;
  std::string error;
  if (!hearth::parse_command_line(argc, argv, &cl, &error)) { fprintf(stderr, "%s\n", error.c_str()); return 1; }
  if (cl.config_path.empty()) cl.config_path = hearth::default_config_path(argv[0]);
  hearth::Config config;
  if (!hearth::load_effective_config(cl, &config, &error)) { fprintf(stderr, "%s\n", error.c_str()); return 1; }
  if (!hearth::open_logs(config.log, "worker 0", &error)) { fprintf(stderr, "%s\n", error.c_str()); return 1; }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(config.listen_port);
  inet_pton(AF_INET, config.listen_host.c_str(), &a.sin_addr);
  if (bind(fd, (sockaddr*)&a, sizeof a) || listen(fd, 511)) { perror("bind"); return 1; }
  socklen_t len = sizeof a;
  getsockname(fd, (sockaddr*)&a, &len);
  spdlog::info("listening on {}:{}", config.listen_host, ntohs(a.sin_port));
  return hearth::run_worker(config, fd, -1, {});
}
