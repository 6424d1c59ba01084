#pragma once
// What the restic on this host can do, from its version (`restic version`).
// The agent drives every release from bookworm's 0.14 to trixie's 0.18 and
// asks for a newer feature only where that release has it; everything else
// it tells apart in the output itself (restic_output.h: short or full
// snapshot ids, JSON or text errors, exit codes 10/11/12 or stderr text).
// Thread safety: value types and pure functions.

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace rmgr::agent::runner {

//! A restic release number.
struct ResticVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;

  friend auto operator<=>(const ResticVersion&, const ResticVersion&) = default;
};

//! "0.18.0" (what the agent reports in its hello) or restic's whole first
//! line "restic 0.18.0 compiled with go1.24.4 on linux/amd64"; nullopt for
//! anything else (an empty string: restic could not run).
std::optional<ResticVersion> ParseResticVersion(std::string_view text);

//! The newer behaviours the agent asks for.
struct ResticFeatures {
  bool retry_lock = false;    ///< `--retry-lock <duration>` (0.16): restic waits for a lock itself.
  bool restore_json = false;  ///< `restore --json` prints status/summary lines (0.16).

  friend bool operator==(const ResticFeatures&, const ResticFeatures&) = default;
};

//! The features of `version`; none for an unknown version (0.14's behaviour
//! is the safe floor: every later release still accepts it).
ResticFeatures FeaturesOf(const std::optional<ResticVersion>& version);

//! "--retry-lock, restore --json" or "none": for the agent's start-up log.
std::string Describe(const ResticFeatures& features);

}  // namespace rmgr::agent::runner
