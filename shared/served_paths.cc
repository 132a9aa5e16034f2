#include "shared/served_paths.h"

#include <filesystem>
#include <vector>

namespace hearth {
namespace {

struct PrivateFile {
  const char* what;  // "the pid file"
  std::string path;  // absolute
};

// The files hearth writes or reads that no client should: logs are named by
// path only when they are not "stderr" or "off".
std::vector<PrivateFile> private_files(const Config& config) {
  std::vector<PrivateFile> files;
  auto add = [&files](const char* what, const std::string& path) {
    if (!path.empty() && path != "stderr" && path != "off") files.push_back({what, path});
  };
  add("the config file", config.file);
  add("the pid file", config.supervisor.pid_file);
  add("the error log", config.log.error_log);
  add("the access log", config.log.access_log);
  return files;
}

// The folder holding `file`, symlinks resolved as far as it exists (a log
// folder may not exist yet).
std::string real_folder_of(const std::string& file) {
  std::error_code ec;
  std::filesystem::path folder = std::filesystem::path(file).parent_path();
  std::filesystem::path real = std::filesystem::weakly_canonical(folder, ec);
  return (ec ? folder : real).lexically_normal().string();
}

// `folder` is `served` or below it. Both are canonical, without a trailing
// slash except "/".
bool is_within(const std::string& folder, const std::string& served) {
  if (folder.compare(0, served.size(), served) != 0) return false;
  return folder.size() == served.size() || served == "/" || folder[served.size()] == '/';
}

bool check_folder(const std::string& name, const std::string& dir, const char* fix,
                  const std::vector<PrivateFile>& files, std::string* problem) {
  for (const PrivateFile& f : files) {
    if (!is_within(real_folder_of(f.path), dir)) continue;
    *problem = name + " \"" + dir + "\" contains " + f.what + " " + f.path +
               "; hearth would serve it (move it, or " + fix + ")";
    return false;
  }
  return true;
}

}  // namespace

bool check_served_paths(const Config& config, const std::string& root_name, std::string* error) {
  std::vector<PrivateFile> files = private_files(config);
  std::string problem;
  bool ok = config.root.empty() ||
            check_folder(root_name, config.root, "set root to a folder of public files only", files, &problem);
  for (size_t i = 0; ok && i < config.mounts.size(); i++) {
    const Mount& m = config.mounts[i];
    ok = check_folder("mounts[\"" + m.prefix + "\"]", m.dir, "mount a folder of public files only", files,
                      &problem);
  }
  if (ok) return true;
  *error = (config.file.empty() ? "" : config.file + ": ") + problem;
  return false;
}

}  // namespace hearth
