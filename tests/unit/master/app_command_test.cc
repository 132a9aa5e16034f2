// Preparing a start of upstream.command: argv, environment, addresses,
// finding the program, the socket folder.
#include "master/app_command.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace hearth {
namespace {

TEST(AppCommand, SubstitutesPortAndSocketInEveryArgument) {
  std::vector<std::string> command = {"./app", "-addr", "127.0.0.1:{port}", "--both={port},{port}", "{socket}", "plain"};
  EXPECT_EQ(substitute_command(command, "41003", "/tmp/s.sock"),
            (std::vector<std::string>{"./app", "-addr", "127.0.0.1:41003", "--both=41003,41003", "/tmp/s.sock",
                                      "plain"}));
  // A value that contains the placeholder is not substituted again.
  EXPECT_EQ(substitute_command({"{port}"}, "{port}", ""), std::vector<std::string>{"{port}"});
}

TEST(AppCommand, EnvironmentAddsAndReplaces) {
  const char* base[] = {"PATH=/bin", "HOME=/root", "PORT=1", nullptr};
  std::vector<std::string> env = app_environment(base, {{"HOME", "/srv"}, {"MODE", "prod"}, {"PORT", "41003"}});
  EXPECT_EQ(env, (std::vector<std::string>{"PATH=/bin", "HOME=/srv", "MODE=prod", "PORT=41003"}));
  // The last of two overrides of one name wins (PORT comes last: the master's).
  env = app_environment(base, {{"PORT", "9"}, {"PORT", "41003"}});
  EXPECT_EQ(env, (std::vector<std::string>{"PATH=/bin", "HOME=/root", "PORT=41003"}));
}

TEST(AppCommand, PicksAFreePortThatCanBeBound) {
  std::string error;
  int port = pick_free_port({}, &error);
  ASSERT_GT(port, 0) << error;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0) << strerror(errno);
  close(fd);
}

TEST(AppCommand, PickedPortsAvoidTheOnesInUse) {
  std::string error;
  std::vector<int> taken;
  for (int i = 0; i < 20; i++) {
    int port = pick_free_port(taken, &error);
    ASSERT_GT(port, 0) << error;
    EXPECT_EQ(std::count(taken.begin(), taken.end(), port), 0);
    taken.push_back(port);
  }
}

class ResolveExecutable : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.mkdir("bin");
    make_executable(dir_.write("bin/tool", "#!/bin/sh\n"));
    make_executable(dir_.write("myapp", "#!/bin/sh\n"));
    dir_.write("data.txt", "not a program\n");
  }
  static void make_executable(const std::string& path) { chmod(path.c_str(), 0755); }
  test::TempDir dir_;
};

TEST_F(ResolveExecutable, WithASlashRelativeToTheDirectory) {
  std::string error;
  EXPECT_EQ(resolve_executable("./myapp", dir_.path(), "", &error), dir_.path() + "/./myapp");
  EXPECT_EQ(resolve_executable("bin/tool", dir_.path(), "", &error), dir_.path() + "/bin/tool");
  EXPECT_EQ(resolve_executable("/bin/sh", dir_.path(), "", &error), "/bin/sh");
}

TEST_F(ResolveExecutable, WithoutASlashThroughThePath) {
  std::string error;
  EXPECT_EQ(resolve_executable("tool", "/", "/nonexistent:" + dir_.path() + "/bin", &error), dir_.path() + "/bin/tool");
  EXPECT_EQ(resolve_executable("sh", "/", "/bin:/usr/bin", &error), "/bin/sh");
}

TEST_F(ResolveExecutable, SaysWhyNot) {
  std::string error;
  EXPECT_EQ(resolve_executable("./missing", dir_.path(), "", &error), "");
  EXPECT_EQ(error, "cannot run \"./missing\" (" + dir_.path() + "/./missing): No such file or directory");
  EXPECT_EQ(resolve_executable("./data.txt", dir_.path(), "", &error), "");
  EXPECT_EQ(error, "cannot run \"./data.txt\" (" + dir_.path() + "/./data.txt): not executable");
  EXPECT_EQ(resolve_executable("./bin", dir_.path(), "", &error), "");
  EXPECT_EQ(error, "cannot run \"./bin\" (" + dir_.path() + "/./bin): not a regular file");
  EXPECT_EQ(resolve_executable("myapp", dir_.path(), "/bin:/usr/bin", &error), "");
  EXPECT_EQ(error, "cannot run \"myapp\": not found in PATH (/bin:/usr/bin)");
}

TEST(AppCommand, SearchPathIsTheCommandsOwn) {
  UpstreamConfig config;
  EXPECT_EQ(command_search_path(config), getenv("PATH"));
  config.environment = {{"PATH", "/opt/app/bin"}};
  EXPECT_EQ(command_search_path(config), "/opt/app/bin");
}

TEST(AppCommand, SocketFolderIsPrivateAndGoesAway) {
  std::string folder, path;
  {
    SocketFolder sockets;
    std::string error;
    path = sockets.path_for(2, 17, &error);
    ASSERT_FALSE(path.empty()) << error;
    folder = sockets.folder();
    EXPECT_EQ(folder.rfind("/tmp/hearth-app-", 0), 0u) << folder;
    EXPECT_EQ(path, folder + "/app-2-17.sock");
    struct stat st;
    ASSERT_EQ(stat(folder.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    // A stale file at the path is removed before the start.
    std::ofstream(path) << "stale";
    EXPECT_EQ(sockets.path_for(2, 17, &error), path);
    EXPECT_FALSE(std::filesystem::exists(path));
    std::ofstream(folder + "/app-1-1.sock") << "left by the app";
  }
  EXPECT_FALSE(std::filesystem::exists(folder));
}

}  // namespace
}  // namespace hearth
