// Turns a fatal signal in app code into a 500 for the client that caused it.
// The engine marks the connection whose handler is running; the fatal-signal
// handler (async-signal-safe only) writes a minimal 500 with Connection: close
// to it when no response byte went out yet, then re-raises the signal so the
// master still sees the real cause.
#pragma once

#include <cstddef>

namespace hearth {

// Installs handlers for SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL (once per process).
void install_crash_guard();
// Brackets the run of an app handler for the client socket `fd`.
void crash_guard_begin_request(int fd);
void crash_guard_end_request();
// Answers the marked request (if any) with the same minimal 500, and hands
// the other connections over, for a deliberate exit that sends no signal
// (the /debug/exit drill).
void crash_guard_fail_request();

// Async-signal-safe: writes `data` as far as the socket takes it at once,
// shuts the sending side down and reads what the client sent, so the
// connection ends with FIN, not a RST that could discard the answer.
void answer_and_close(int fd, const char* data, size_t size);

}  // namespace hearth
