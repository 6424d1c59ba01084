#include "server/store/rollout_types.h"

#include <array>
#include <utility>

namespace rmgr::store {
namespace {

// Index = enum value; the CHECK lists of migrations 0014 and 0017 spell the same names.
constexpr std::array<std::string_view, 4> kRolloutStates{"running", "succeeded", "failed", "cancelled"};
constexpr std::array<std::string_view, 7> kHostStates{"pending",     "updating", "done",        "failed",
                                                      "rolled_back", "skipped",  "rolling_back"};

template <class E, std::size_t N>
std::optional<E> Parse(const std::array<std::string_view, N>& names, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view ToString(RolloutState state) {
  return kRolloutStates.at(static_cast<std::size_t>(state));
}

std::string_view ToString(RolloutHostState state) {
  return kHostStates.at(static_cast<std::size_t>(state));
}

std::optional<RolloutState> ParseRolloutState(std::string_view text) {
  return Parse<RolloutState>(kRolloutStates, text);
}

std::optional<RolloutHostState> ParseRolloutHostState(std::string_view text) {
  return Parse<RolloutHostState>(kHostStates, text);
}

}  // namespace rmgr::store
