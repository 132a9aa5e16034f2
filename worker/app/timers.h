// The worker's side of <hearth/timer.h>.
#pragma once

namespace hearth {

// Cancels every timer of this process: the worker is stopping.
void cancel_all_timers();

}  // namespace hearth
