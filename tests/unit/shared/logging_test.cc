// The error and access logs: format, levels, files, reopening after a
// rename (logrotate), and "off".
#include "shared/logging.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace hearth {
namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// "2026/11/24 01:02:03" at the start of `line`.
bool has_timestamp(const std::string& line) {
  const std::string shape = "dddd/dd/dd dd:dd:dd";
  if (line.size() < shape.size()) return false;
  for (size_t i = 0; i < shape.size(); i++) {
    bool digit = line[i] >= '0' && line[i] <= '9';
    if (shape[i] == 'd' ? !digit : line[i] != shape[i]) return false;
  }
  return true;
}

class LoggingTest : public ::testing::Test {
 protected:
  LoggingTest() {
    std::string pattern = (fs::temp_directory_path() / "hearth-log-XXXXXX").string();
    dir_ = fs::canonical(mkdtemp(pattern.data())).string();
  }
  ~LoggingTest() override {
    close_logs();  // back to stderr before the files go
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  LogConfig files(const std::string& level = "info") const {
    return LogConfig{dir_ + "/error.log", dir_ + "/access.log", level};
  }
  void open(const LogConfig& config, const std::string& label = "master") {
    std::string error;
    ASSERT_TRUE(open_logs(config, label, &error)) << error;
  }

  std::string dir_;
};

TEST_F(LoggingTest, ErrorLogLinesLookLikeNginx) {
  open(files(), "worker 2");
  spdlog::info("listening on {}", 3000);
  spdlog::warn("slow");
  std::string text = read_file(dir_ + "/error.log");
  std::string pid = std::to_string(getpid());
  std::string first = text.substr(0, text.find('\n') + 1);
  std::string second = text.substr(first.size());
  EXPECT_TRUE(has_timestamp(first)) << text;
  EXPECT_EQ(first.substr(19), " [info] " + pid + "#0: worker 2: listening on 3000\n");
  EXPECT_TRUE(has_timestamp(second)) << text;
  EXPECT_EQ(second.substr(19), " [warn] " + pid + "#0: worker 2: slow\n");
}

TEST_F(LoggingTest, LevelFiltersAndLabelMayBeEmpty) {
  open(files("error"), "");
  spdlog::info("hidden");
  spdlog::warn("hidden too");
  spdlog::error("shown");
  spdlog::critical("also shown");
  std::string text = read_file(dir_ + "/error.log");
  EXPECT_EQ(text.find("hidden"), std::string::npos) << text;
  EXPECT_NE(text.find("[error] " + std::to_string(getpid()) + "#0: shown\n"), std::string::npos) << text;
  EXPECT_NE(text.find("[critical] "), std::string::npos) << text;
}

TEST_F(LoggingTest, AccessLogWritesLinesAsGiven) {
  open(files());
  ASSERT_TRUE(access_log_enabled());
  access_log("127.0.0.1 - - \"GET / HTTP/1.1\" 200 5");
  access_log("{\"not\": \"a pattern %v\"}");
  EXPECT_EQ(read_file(dir_ + "/access.log"),
            "127.0.0.1 - - \"GET / HTTP/1.1\" 200 5\n{\"not\": \"a pattern %v\"}\n");
  EXPECT_EQ(read_file(dir_ + "/error.log"), "");
}

TEST_F(LoggingTest, ReopenAfterRenameWritesANewFile) {
  open(files());
  spdlog::info("before");
  access_log("request 1");
  fs::rename(dir_ + "/error.log", dir_ + "/error.log.1");
  fs::rename(dir_ + "/access.log", dir_ + "/access.log.1");
  spdlog::info("still old");  // until reopened, the renamed file gets the lines
  reopen_logs();
  spdlog::info("after");
  access_log("request 2");

  std::string old_errors = read_file(dir_ + "/error.log.1");
  EXPECT_NE(old_errors.find("before"), std::string::npos);
  EXPECT_NE(old_errors.find("still old"), std::string::npos);
  EXPECT_EQ(old_errors.find("after"), std::string::npos);
  std::string new_errors = read_file(dir_ + "/error.log");
  EXPECT_NE(new_errors.find("after"), std::string::npos) << new_errors;
  EXPECT_EQ(new_errors.find("before"), std::string::npos);
  EXPECT_EQ(read_file(dir_ + "/access.log.1"), "request 1\n");
  EXPECT_EQ(read_file(dir_ + "/access.log"), "request 2\n");
}

TEST_F(LoggingTest, FilesAreAppendedTo) {
  std::ofstream(dir_ + "/access.log") << "earlier\n";
  open(files());
  access_log("now");
  EXPECT_EQ(read_file(dir_ + "/access.log"), "earlier\nnow\n");
}

TEST_F(LoggingTest, OffWritesNothing) {
  open(LogConfig{"off", "off", "info"});
  EXPECT_FALSE(access_log_enabled());
  access_log("GET /");
  spdlog::error("nobody hears");
  reopen_logs();
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(LoggingTest, StderrTarget) {
  std::string captured = dir_ + "/stderr.txt";
  int saved = dup(STDERR_FILENO);
  int fd = ::open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  dup2(fd, STDERR_FILENO);
  ::close(fd);
  std::string error;
  bool opened = open_logs(LogConfig{"stderr", "stderr", "info"}, "master", &error);
  spdlog::info("to stderr");
  access_log("access to stderr");
  close_logs();
  dup2(saved, STDERR_FILENO);
  ::close(saved);
  ASSERT_TRUE(opened) << error;
  std::string text = read_file(captured);
  EXPECT_NE(text.find("[info] " + std::to_string(getpid()) + "#0: master: to stderr\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\naccess to stderr\n"), std::string::npos) << text;
}

TEST_F(LoggingTest, FailedOpenKeepsThePreviousLogs) {
  open(files());
  std::string error;
  LogConfig bad{dir_ + "/missing/error.log", "off", "info"};
  EXPECT_FALSE(open_logs(bad, "master", &error));
  EXPECT_EQ(error, "cannot open log file " + dir_ + "/missing/error.log: No such file or directory");
  spdlog::info("still here");
  access_log("and here");
  EXPECT_NE(read_file(dir_ + "/error.log").find("still here"), std::string::npos);
  EXPECT_EQ(read_file(dir_ + "/access.log"), "and here\n");
}

TEST(LogLevelFromName, MapsConfigNames) {
  EXPECT_EQ(log_level_from_name("warn"), spdlog::level::warn);
  EXPECT_EQ(log_level_from_name("error"), spdlog::level::err);
  EXPECT_EQ(log_level_from_name("off"), spdlog::level::off);
  EXPECT_EQ(log_level_from_name("trace"), spdlog::level::trace);
  EXPECT_EQ(log_level_from_name("bogus"), spdlog::level::info);
}

}  // namespace
}  // namespace hearth
