#pragma once
// The pieces of a restore drill that need no restic (issue 11, "restore
// drills"): reading the regular files of a `restic ls --json` listing,
// sampling them within a count and a byte budget, checking one restored file
// against what restic recorded and against the live file, and the rule that
// turns the counts into a job status. JobRun::RunDrill strings them together.
// Thread safety: DrillSampler is not thread-safe; the functions are pure or
// touch only the files they are given.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/protocol/messages.h"
#include "common/util/time_format.h"

namespace rmgr::agent {

//! A regular file as the snapshot recorded it.
struct DrillFile {
  std::string path{};  ///< Absolute path in the snapshot (and on the live system).
  uint64_t size = 0;   ///< Size restic recorded.
  TimePoint mtime{};   ///< Modification time restic recorded (nanoseconds).

  friend bool operator==(const DrillFile&, const DrillFile&) = default;
};

//! One `restic ls --json` line as the drill reads it.
struct DrillLsLine {
  std::optional<std::string> snapshot_id{};  ///< The snapshot line's full id.
  std::optional<DrillFile> file{};           ///< A regular file node with an absolute path.
};

//! Reads one line of `restic ls --json latest`; nothing for directories,
//! links, other nodes, malformed lines and non-JSON text.
DrillLsLine ParseDrillLsLine(std::string_view line);

//! Picks a uniform random sample of at most `count` files (reservoir
//! sampling, so a listing of millions of files costs `count` entries), then
//! keeps, in random order, those that fit into `max_bytes` together. Files
//! larger than `max_bytes` alone are never picked.
class DrillSampler {
 public:
  //! `seed` makes the sample reproducible in tests.
  DrillSampler(uint32_t count, uint64_t max_bytes, uint64_t seed);

  //! Offers one file of the listing.
  void Offer(DrillFile file);
  //! The sample (call once, after the listing ended).
  std::vector<DrillFile> Take();
  //! Regular files offered so far.
  uint64_t offered() const { return offered_; }

 private:
  uint32_t count_;
  uint64_t max_bytes_;
  std::mt19937_64 rng_;
  uint64_t offered_ = 0;
  uint64_t eligible_ = 0;
  std::vector<DrillFile> reservoir_;
};

//! How one sampled file came back.
enum class DrillVerdict {
  kVerified,    ///< Recorded size, and byte-equal to the unchanged live file.
  kSizeOnly,    ///< Recorded size; the live file changed (or is gone), so not compared.
  kMismatched,  ///< Another size than recorded, or other bytes than the unchanged live file.
  kUnreadable,  ///< Not restored, not a regular file, or unreadable.
};

//! Checks `restored` (the copy under the scratch directory) against
//! `recorded` and, when the file at recorded.path still has the recorded
//! size and mtime, byte for byte against it. `stopped` is polled between
//! chunks; once it is true the check ends early as kUnreadable.
DrillVerdict CheckRestoredFile(const DrillFile& recorded, const std::filesystem::path& restored,
                               const std::function<bool()>& stopped);

//! Adds one verdict to `summary` (the example lists keep the first few paths).
void Count(protocol::DrillSummary& summary, const DrillFile& file, DrillVerdict verdict);

//! The drill's outcome from its counts: failed (verify_mismatch) when any
//! file mismatched; partial when none did but some were unreadable, or
//! nothing could be sampled; else succeeded. `error` explains anything but success.
struct DrillOutcome {
  protocol::JobStatus status = protocol::JobStatus::kSucceeded;  ///< The job's status.
  protocol::ErrorKind error_kind = protocol::ErrorKind::kNone;   ///< verify_mismatch or none.
  std::optional<std::string> error{};                            ///< One line for the operator.
};

//! Applies the rule above.
DrillOutcome JudgeDrill(const protocol::DrillSummary& summary);

}  // namespace rmgr::agent
