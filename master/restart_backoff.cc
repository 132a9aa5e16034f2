#include "master/restart_backoff.h"

#include <algorithm>

namespace hearth {

constexpr RestartBackoff::Ms RestartBackoff::kFirstDelay;
constexpr RestartBackoff::Ms RestartBackoff::kMaxDelay;
constexpr RestartBackoff::Ms RestartBackoff::kHealthyLife;

RestartBackoff::Ms RestartBackoff::on_death(Ms lived) {
  if (lived >= kHealthyLife) deaths_ = 0;
  deaths_++;
  if (deaths_ == 1) return Ms{0};
  // 100 ms << (deaths - 2), without overflowing the shift.
  int doublings = std::min(deaths_ - 2, 16);
  return std::min(kMaxDelay, kFirstDelay * (1 << doublings));
}

}  // namespace hearth
