// How long a slot waits before starting a worker after an unplanned death.
// The first death restarts at once; deaths in a row double the wait from
// 100 ms up to 5 s, so a worker that crashes while booting cannot spin the
// machine. A worker that lived long enough resets the count: a rare crash
// always restarts immediately. The master never gives up on a slot.
#pragma once

#include <chrono>

namespace hearth {

class RestartBackoff {
 public:
  using Ms = std::chrono::milliseconds;
  static constexpr Ms kFirstDelay{100};
  static constexpr Ms kMaxDelay{5000};
  static constexpr Ms kHealthyLife{10000};

  // A worker died unplanned after living `lived`. Returns the wait before
  // the next start.
  Ms on_death(Ms lived);
  // Deaths in a row counted so far (1 after a first crash).
  int deaths_in_a_row() const { return deaths_; }
  void reset() { deaths_ = 0; }

 private:
  int deaths_ = 0;
};

}  // namespace hearth
