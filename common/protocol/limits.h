#pragma once
// Size and range limits of the agent ⇄ server wire protocol. The decoder
// rejects anything outside them; senders use them to batch and truncate
// (a job.log batch must also fit kMaxFrameBytes once encoded).
// Thread safety: constants only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "common/schema/schema_limits.h"

namespace rmgr::protocol::limits {

//! Default largest accepted frame, in bytes.
inline constexpr std::size_t kMaxFrameBytes = std::size_t{1} << 20;
//! Default deepest accepted JSON nesting (the schema itself needs 6).
inline constexpr std::size_t kMaxDepth = 16;

//! Versions, names, os/arch, tags: short single-line text.
inline constexpr std::size_t kMaxNameBytes = 255;
//! File system paths, exclude patterns, restore targets.
inline constexpr std::size_t kMaxPathBytes = 4096;
//! Repository URLs.
inline constexpr std::size_t kMaxUrlBytes = 2048;
//! Repository passwords and environment values.
inline constexpr std::size_t kMaxSecretBytes = 4096;
//! Hook command lines.
inline constexpr std::size_t kMaxCommandBytes = 8192;
//! Human-readable error text (the encoder truncates to this).
inline constexpr std::size_t kMaxErrorBytes = 8192;
//! One log line (the encoder truncates to this).
inline constexpr std::size_t kMaxLogLineBytes = 16384;
//! Cron expressions.
inline constexpr std::size_t kMaxCronBytes = 256;
//! IANA time zone names.
inline constexpr std::size_t kMaxTimezoneBytes = 64;
//! Ping nonces.
inline constexpr std::size_t kMaxNonceBytes = 64;

//! Schedules in one schedule.set.
inline constexpr std::size_t kMaxSchedules = 1000;
//! Paths, excludes or include paths of one job.
inline constexpr std::size_t kMaxPaths = 1000;
//! Programs in an agent's hook allowlist (hello.hook_allow).
inline constexpr std::size_t kMaxHookAllow = 256;
//! Tags of a source group, retention or backup.
inline constexpr std::size_t kMaxTags = 64;
//! Extra environment variables of a repository.
inline constexpr std::size_t kMaxEnv = 64;
//! Job ids in hello.running_job_ids.
inline constexpr std::size_t kMaxRunningJobs = 64;
//! Job ids in jobs.running.unacked_job_ids (the agent's outbox bound).
inline constexpr std::size_t kMaxUnackedJobs = 10000;
//! Job ids in one fire.answer (one per source group of the schedule).
inline constexpr std::size_t kMaxFireJobs = 1000;
//! current_files of job.progress (the encoder keeps the first ones).
inline constexpr std::size_t kMaxCurrentFiles = 16;
//! Lines in one job.log batch.
inline constexpr std::size_t kMaxLogLines = 1000;
//! Entries in one browse.result (set truncated when there are more).
inline constexpr std::size_t kMaxBrowseEntries = 10000;
//! Snapshots in one job.result's snapshot_index (senders keep the newest).
inline constexpr std::size_t kMaxSnapshots = 5000;

//! Counts and byte totals stay within a signed 64-bit store column.
inline constexpr std::int64_t kMaxCount = schema::kMaxCount;
//! Largest schedule jitter and hook timeout: one day.
inline constexpr std::int64_t kMaxDaySeconds = 86400;
//! Largest job max runtime and stall timeout: seven days.
inline constexpr std::int64_t kMaxWeekSeconds = 7 * 86400;
//! Largest keep_* retention count.
inline constexpr std::int64_t kMaxKeepCount = 1'000'000;

//! Earliest instant on the wire (1900-01-01T00:00:00Z); senders map older ones to "absent".
inline constexpr std::chrono::sys_seconds kMinTime = schema::kMinTime;
//! First instant past the wire range (2200-01-01T00:00:00Z).
inline constexpr std::chrono::sys_seconds kMaxTime = schema::kMaxTime;

}  // namespace rmgr::protocol::limits
