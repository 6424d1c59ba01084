#include "server/store/store_types.h"

#include <algorithm>
#include <array>
#include <cstdlib>

namespace rmgr::store {
namespace {

constexpr std::array<std::string_view, 6> kActorKindNames = {"user",    "api",   "schedule",
                                                             "catchup", "agent", "system"};

}  // namespace

std::string_view ToString(ActorKind kind) {
  const auto index = static_cast<size_t>(kind);
  return index < kActorKindNames.size() ? kActorKindNames[index] : std::string_view("unknown");
}

template <>
std::optional<ActorKind> FromString<ActorKind>(std::string_view text) {
  const auto* it = std::find(kActorKindNames.begin(), kActorKindNames.end(), text);
  if (it == kActorKindNames.end()) return std::nullopt;
  return static_cast<ActorKind>(it - kActorKindNames.begin());
}

bool IsAllowedTransition(JobStatus from, JobStatus to) {
  if (from == to) return false;
  switch (from) {
    case JobStatus::kQueued:
      // Never sent: it can only be sent, cancelled, or fail to be sent.
      return to == JobStatus::kDispatched || to == JobStatus::kCancelled || to == JobStatus::kFailed;
    case JobStatus::kDispatched:
      // A fast job (or a failing pre-hook) may report its result before
      // job.started; one its agent never received goes back to the queue.
      return to == JobStatus::kRunning || to == JobStatus::kQueued || IsTerminal(to);
    case JobStatus::kRunning:
      return IsTerminal(to);
    case JobStatus::kSucceeded:
    case JobStatus::kPartial:
    case JobStatus::kFailed:
    case JobStatus::kCancelled:
    case JobStatus::kInterrupted:
    case JobStatus::kLost:
      return false;
  }
  return false;
}

int ClampPageLimit(int limit) {
  if (limit <= 0) return kDefaultPageLimit;
  return std::min(limit, kMaxPageLimit);
}

JobResult Job::ToJobResult() const {
  return JobResult{status, exit_code, error, error_kind, snapshot_id, summary_json};
}

// ------------------------------------- enrollment tokens and snapshots --

std::string_view ToString(EnrollmentStatus status) {
  switch (status) {
    case EnrollmentStatus::kActive: return "active";
    case EnrollmentStatus::kUsed: return "used";
    case EnrollmentStatus::kExhausted: return "exhausted";
    case EnrollmentStatus::kExpired: return "expired";
    case EnrollmentStatus::kRevoked: return "revoked";
  }
  return "unknown";
}

// --------------------------------------------------------- window record --

std::string_view ToString(WindowNoteKind kind) {
  switch (kind) {
    case WindowNoteKind::kRefused: return "refused";
    case WindowNoteKind::kCoalesced: return "coalesced";
    case WindowNoteKind::kNotApplied: return "not_applied";
    case WindowNoteKind::kDeferred: return "deferred";
    case WindowNoteKind::kOffline: return "offline";
  }
  std::abort();  // not a WindowNoteKind: memory corruption, not input
}

template <>
std::optional<WindowNoteKind> FromString<WindowNoteKind>(std::string_view text) {
  for (auto kind : {WindowNoteKind::kRefused, WindowNoteKind::kCoalesced, WindowNoteKind::kNotApplied,
                    WindowNoteKind::kDeferred, WindowNoteKind::kOffline}) {
    if (ToString(kind) == text) return kind;
  }
  return std::nullopt;
}

EnrollmentStatus EnrollmentToken::StatusAt(TimePoint now) const {
  if (revoked_at) return EnrollmentStatus::kRevoked;
  if (use_count >= max_uses) return max_uses == 1 ? EnrollmentStatus::kUsed : EnrollmentStatus::kExhausted;
  if (now >= expires_at) return EnrollmentStatus::kExpired;
  return EnrollmentStatus::kActive;
}

}  // namespace rmgr::store
