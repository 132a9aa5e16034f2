// A child's wait status in words, for logs and /status.
#pragma once

#include <string>

namespace hearth {

// "exited with code 3", "killed by SIGSEGV (core dumped)", "killed by SIGKILL".
std::string describe_exit(int wait_status);

// True for a clean exit (code 0).
bool exited_cleanly(int wait_status);

}  // namespace hearth
