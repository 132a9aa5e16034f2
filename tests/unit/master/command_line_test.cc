// The command line: flags, their errors, and overrides winning over the file.
#include "master/command_line.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace hearth {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "hearth-cl-XXXXXX").string();
    path_ = fs::canonical(mkdtemp(pattern.data())).string();
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string write(const std::string& name, const std::string& text) const {
    std::string file = path_ + "/" + name;
    fs::create_directories(fs::path(file).parent_path());
    std::ofstream(file) << text;
    return file;
  }

 private:
  std::string path_;
};

// Parses `args` (without the program name); returns the error, "" if none.
std::string parse(std::vector<std::string> args, CommandLine* cl) {
  args.insert(args.begin(), "build/hearth");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::string error;
  if (!parse_command_line(static_cast<int>(args.size()), argv.data(), cl, &error) && error.empty()) {
    return "failed without a message";
  }
  return error;
}

std::string cwd_plus(const std::string& path) { return (fs::current_path() / path).string(); }

TEST(CommandLine, NoArgumentsServesWithTheDefaultConfig) {
  CommandLine cl;
  ASSERT_EQ(parse({}, &cl), "");
  EXPECT_FALSE(cl.config_path_given);
  EXPECT_EQ(cl.config_path, fs::absolute(default_config_path("build/hearth")).lexically_normal().string());
  EXPECT_FALSE(cl.test_config || cl.help || cl.version || cl.daemon || cl.drills || cl.no_master);
  EXPECT_EQ(cl.signal, "");
  EXPECT_EQ(cl.workers, 0);
  EXPECT_TRUE(cl.listen.empty());
}

TEST(CommandLine, EveryFlag) {
  CommandLine cl;
  ASSERT_EQ(parse({"-c", "etc/x.json", "-t", "-s", "reload", "-h", "-v", "--listen", "[::1]:0",
                   "--root", "site", "--workers", "3", "--daemon", "--drills", "--pid-file", "h.pid",
                   "--error-log", "logs/e.log", "--access-log", "stderr", "--log-level", "debug"},
                  &cl),
            "");
  EXPECT_EQ(cl.config_path, cwd_plus("etc/x.json"));
  EXPECT_TRUE(cl.config_path_given);
  EXPECT_TRUE(cl.test_config);
  EXPECT_EQ(cl.signal, "reload");
  EXPECT_TRUE(cl.help);
  EXPECT_TRUE(cl.version);
  EXPECT_EQ(cl.listen, std::vector<std::string>{"[::1]:0"});
  EXPECT_EQ(cl.root, cwd_plus("site"));  // relative to the current folder
  EXPECT_EQ(cl.workers, 3);
  EXPECT_TRUE(cl.daemon);
  EXPECT_TRUE(cl.drills);
  EXPECT_EQ(cl.pid_file, cwd_plus("h.pid"));
  EXPECT_EQ(cl.error_log, cwd_plus("logs/e.log"));
  EXPECT_EQ(cl.access_log, "stderr");
  EXPECT_EQ(cl.log_level, "debug");
}

TEST(CommandLine, LongFormsWithEqualsAndSingle) {
  CommandLine cl;
  ASSERT_EQ(parse({"--config=/a/b.json", "--test", "--signal=quit", "--workers=auto", "--single",
                   "--access-log=off"},
                  &cl),
            "");
  EXPECT_EQ(cl.config_path, "/a/b.json");
  EXPECT_TRUE(cl.test_config);
  EXPECT_EQ(cl.signal, "quit");
  EXPECT_EQ(cl.workers, auto_worker_count());
  EXPECT_TRUE(cl.no_master);
  EXPECT_EQ(cl.access_log, "off");
}

TEST(CommandLine, BadArguments) {
  struct Case {
    std::vector<std::string> args;
    const char* error;
  } cases[] = {
      {{"--wrokers", "2"}, "unknown option \"--wrokers\" (see --help)"},
      {{"serve"}, "unexpected argument \"serve\" (see --help)"},
      {{"-c"}, "option -c needs a value (see --help)"},
      {{"--listen"}, "option --listen needs a value (see --help)"},
      {{"--daemon=yes"}, "option --daemon takes no value"},
      {{"--workers", "0"}, "--workers: expected auto or a number from 1 to 256, got \"0\""},
      {{"--workers", "lots"}, "--workers: expected auto or a number from 1 to 256, got \"lots\""},
      {{"-s", "restart"}, "-s: expected reload, stop, quit, reopen or upgrade, got \"restart\""},
      {{"--listen", "::1:80"}, "--listen: IPv6 addresses need brackets, as in \"[::1]:3000\", got \"::1:80\""},
      {{"--log-level", "loud"},
       "--log-level: expected trace, debug, info, warn, error, critical or off, got \"loud\""},
      {{"--single", "--daemon"}, "--single runs in the foreground; it cannot be combined with --daemon"},
  };
  for (const Case& c : cases) {
    CommandLine cl;
    cl.workers = 42;
    EXPECT_EQ(parse(c.args, &cl), c.error) << c.args[0];
    EXPECT_EQ(cl.workers, 42) << "a failed parse must leave the result alone";
  }
}

// A binary upgrade runs the executable again with these, maybe from "/".
TEST(CommandLine, KeepsTheArgumentsForABinaryUpgradeWithAbsolutePaths) {
  CommandLine cl;
  ASSERT_EQ(parse({"-c", "etc/a.json", "--root=site", "--workers", "2", "--pid-file", "run/h.pid",
                   "--error-log", "stderr", "--access-log", "logs/access.log", "--daemon", "-s", "upgrade"},
                  &cl),
            "");
  EXPECT_EQ(cl.signal, "upgrade");
  std::vector<std::string> expected = {
      "--config", cwd_plus("etc/a.json"), "--root", cwd_plus("site"), "--workers", "2",
      "--pid-file", cwd_plus("run/h.pid"), "--error-log", "stderr", "--access-log", cwd_plus("logs/access.log"),
      "--daemon", "--signal", "upgrade"};
  EXPECT_EQ(cl.arguments, expected);
  EXPECT_EQ(cl.executable, running_executable());
  EXPECT_EQ(cl.executable, fs::canonical("/proc/self/exe").string());
}

TEST(CommandLine, DefaultConfigPathIsBesideTheBinarysFolder) {
  TempDir dir;
  std::string binary = dir.path() + "/build/hearth";
  EXPECT_EQ(default_config_path(binary.c_str()), "etc/hearth.json");  // not there yet
  std::string file = dir.write("etc/hearth.json", "{}");
  EXPECT_EQ(default_config_path(binary.c_str()), file);
}

TEST(CommandLine, UsageNamesEveryFlag) {
  std::string usage = usage_text();
  for (const char* flag : {"--config", "--test", "--signal", "--help", "--version", "--listen", "--root",
                           "--workers", "--daemon", "--drills", "--pid-file", "--error-log",
                           "--access-log", "--log-level", "--single"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
  EXPECT_EQ(usage.back(), '\n');
  EXPECT_EQ(version_text().rfind("hearth version ", 0), 0u);
}

// ---- overrides

class OverrideTest : public ::testing::Test {
 protected:
  OverrideTest() {
    fs::create_directories(dir_.path() + "/site");
    fs::create_directories(dir_.path() + "/other");
    file_ = dir_.write("etc/hearth.json", R"({
      "listen": ":3000", "workers": 2, "root": "../site",
      "log": {"level": "warn", "error": "stderr", "access": "off"},
      "supervisor": {"daemon": true, "pid_file": "a.pid"}
    })");
  }
  TempDir dir_;
  std::string file_;
};

TEST_F(OverrideTest, FileValuesStandWithoutFlags) {
  CommandLine cl;
  ASSERT_EQ(parse({"-c", file_}, &cl), "");
  Config config;
  std::string error;
  ASSERT_TRUE(load_effective_config(cl, &config, &error)) << error;
  EXPECT_EQ(config.file, file_);
  EXPECT_EQ(config.listeners[0].port, 3000);
  EXPECT_EQ(config.workers, 2);
  EXPECT_EQ(config.root, dir_.path() + "/site");
  EXPECT_EQ(config.log.level, "warn");
  EXPECT_TRUE(config.supervisor.daemon);
  EXPECT_EQ(config.supervisor.pid_file, dir_.path() + "/etc/a.pid");
}

TEST_F(OverrideTest, FlagsWinOverTheFile) {
  CommandLine cl;
  ASSERT_EQ(parse({"-c", file_, "--listen", "127.0.0.1:0", "--workers", "5", "--root", dir_.path() + "/other",
                   "--log-level", "debug", "--error-log", dir_.path() + "/e.log", "--access-log", "stderr",
                   "--pid-file", "/run/h.pid", "--drills"},
                  &cl),
            "");
  Config config;
  std::string error;
  ASSERT_TRUE(load_effective_config(cl, &config, &error)) << error;
  EXPECT_EQ(config.listeners[0].host, "127.0.0.1");
  EXPECT_EQ(config.listeners[0].port, 0);
  EXPECT_EQ(config.workers, 5);
  EXPECT_EQ(config.root, dir_.path() + "/other");
  EXPECT_EQ(config.log.level, "debug");
  EXPECT_EQ(config.log.error_log, dir_.path() + "/e.log");
  EXPECT_EQ(config.log.access_log, "stderr");
  EXPECT_EQ(config.supervisor.pid_file, "/run/h.pid");
  EXPECT_TRUE(config.drills);
}

TEST_F(OverrideTest, SingleMeansOneForegroundProcess) {
  CommandLine cl;
  ASSERT_EQ(parse({"-c", file_, "--single"}, &cl), "");
  Config config;
  std::string error;
  ASSERT_TRUE(load_effective_config(cl, &config, &error)) << error;
  EXPECT_EQ(config.workers, 1);
  EXPECT_FALSE(config.supervisor.daemon);
}

TEST_F(OverrideTest, BadOverrideIsAnErrorAndLeavesTheConfigAlone) {
  CommandLine cl;
  ASSERT_EQ(parse({"-c", file_, "--root", dir_.path() + "/missing"}, &cl), "");
  Config config;
  config.workers = 42;
  std::string error;
  EXPECT_FALSE(load_effective_config(cl, &config, &error));
  EXPECT_EQ(error, "--root: no such folder: " + dir_.path() + "/missing");
  EXPECT_EQ(config.workers, 42);

  CommandLine by_hand;
  by_hand.listen = {"nowhere:80"};
  EXPECT_FALSE(apply_overrides(by_hand, &config, &error));
  EXPECT_EQ(error, "--listen: host \"nowhere\" is not a numeric IP address (only \"localhost\" and \"*\" are names)");
}

TEST_F(OverrideTest, ConfigErrorsPassThrough) {
  std::string bad = dir_.write("etc/bad.json", "{\n  \"wrokers\": 2\n}");
  CommandLine cl;
  ASSERT_EQ(parse({"-c", bad}, &cl), "");
  Config config;
  std::string error;
  EXPECT_FALSE(load_effective_config(cl, &config, &error));
  EXPECT_EQ(error, bad + ":2: unknown key \"wrokers\" (did you mean \"workers\"?)");
}

TEST_F(OverrideTest, MissingDefaultFileMeansBuiltInDefaultsButAMissingGivenFileIsAnError) {
  CommandLine cl;
  cl.config_path = dir_.path() + "/none.json";
  cl.workers = 3;
  Config config;
  std::string error;
  ASSERT_TRUE(load_effective_config(cl, &config, &error)) << error;
  EXPECT_EQ(config.file, "");
  EXPECT_EQ(config.root, "") << "the built-in defaults serve no folder";
  EXPECT_EQ(config.workers, 3);

  cl.config_path_given = true;
  EXPECT_FALSE(load_effective_config(cl, &config, &error));
  EXPECT_EQ(error, cl.config_path + ": cannot open: No such file or directory");
}

// The served-path check runs on the final config: file and flags together,
// so the same refusal comes at start, for -t and on reload.
TEST_F(OverrideTest, ARootHoldingHearthsOwnFilesIsRefused) {
  std::string in_site = dir_.write("etc/in-site.json", R"({"root": "../site", "supervisor": {"pid_file": "../site/run.pid"}})");
  CommandLine cl;
  ASSERT_EQ(parse({"-c", in_site}, &cl), "");
  Config config;
  config.workers = 42;
  std::string error;
  EXPECT_FALSE(load_effective_config(cl, &config, &error));
  EXPECT_EQ(error, in_site + ": root \"" + dir_.path() + "/site\" contains the pid file " + dir_.path() +
                       "/site/run.pid; hearth would serve it (move it, or set root to a folder of public files only)");
  EXPECT_EQ(config.workers, 42) << "untouched";
}

TEST_F(OverrideTest, FlagsCanCauseAndCureTheServedPathRefusal) {
  CommandLine cl;
  ASSERT_EQ(parse({"-c", file_, "--root", dir_.path() + "/etc"}, &cl), "");
  Config config;
  std::string error;
  EXPECT_FALSE(load_effective_config(cl, &config, &error));
  EXPECT_EQ(error.rfind(file_ + ": --root \"" + dir_.path() + "/etc\" contains the config file " + file_, 0), 0u)
      << error;

  ASSERT_EQ(parse({"-c", file_, "--access-log", dir_.path() + "/site/access.log"}, &cl), "");
  EXPECT_FALSE(load_effective_config(cl, &config, &error));
  EXPECT_NE(error.find("contains the access log " + dir_.path() + "/site/access.log;"), std::string::npos) << error;

  std::string bad = dir_.write("etc/bad-pid.json", R"({"root": "../site", "supervisor": {"pid_file": "../site/h.pid"}})");
  ASSERT_EQ(parse({"-c", bad, "--pid-file", dir_.path() + "/h.pid"}, &cl), "");
  EXPECT_TRUE(load_effective_config(cl, &config, &error)) << error;
}

}  // namespace
}  // namespace hearth
