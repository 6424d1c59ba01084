#include "server/store/store_types.h"

#include <algorithm>
#include <array>
#include <cstdlib>

namespace rmgr::store {
namespace {

// Names in enum order; the round-trip test in store_types_test.cpp keeps
// each table in step with its enum.
constexpr std::array<std::string_view, 9> kJobKindNames = {
    "backup", "forget", "prune", "check", "restore", "init", "unlock", "snapshots", "ls"};
constexpr std::array<std::string_view, 9> kJobStatusNames = {
    "queued", "dispatched", "running", "succeeded", "partial", "failed", "cancelled", "interrupted", "lost"};
constexpr std::array<std::string_view, 6> kActorKindNames = {"user",    "api",   "schedule",
                                                             "catchup", "agent", "system"};
constexpr std::array<std::string_view, 4> kLogStreamNames = {"stdout", "stderr", "hook", "agent"};

template <class E, size_t N>
std::string_view NameOf(const std::array<std::string_view, N>& names, E value) {
  const auto index = static_cast<size_t>(value);
  return index < N ? names[index] : std::string_view("unknown");
}

template <class E, size_t N>
std::optional<E> ParseName(const std::array<std::string_view, N>& names, std::string_view text) {
  const auto* it = std::find(names.begin(), names.end(), text);
  if (it == names.end()) return std::nullopt;
  return static_cast<E>(it - names.begin());
}

}  // namespace

std::string_view ToString(JobKind kind) {
  return NameOf(kJobKindNames, kind);
}
std::string_view ToString(JobStatus status) {
  return NameOf(kJobStatusNames, status);
}
std::string_view ToString(ActorKind kind) {
  return NameOf(kActorKindNames, kind);
}
std::string_view ToString(LogStream stream) {
  return NameOf(kLogStreamNames, stream);
}

template <>
std::optional<JobKind> FromString<JobKind>(std::string_view text) {
  return ParseName<JobKind>(kJobKindNames, text);
}
template <>
std::optional<JobStatus> FromString<JobStatus>(std::string_view text) {
  return ParseName<JobStatus>(kJobStatusNames, text);
}
template <>
std::optional<ActorKind> FromString<ActorKind>(std::string_view text) {
  return ParseName<ActorKind>(kActorKindNames, text);
}
template <>
std::optional<LogStream> FromString<LogStream>(std::string_view text) {
  return ParseName<LogStream>(kLogStreamNames, text);
}

bool IsTerminal(JobStatus status) {
  switch (status) {
    case JobStatus::kQueued:
    case JobStatus::kDispatched:
    case JobStatus::kRunning:
      return false;
    case JobStatus::kSucceeded:
    case JobStatus::kPartial:
    case JobStatus::kFailed:
    case JobStatus::kCancelled:
    case JobStatus::kInterrupted:
    case JobStatus::kLost:
      return true;
  }
  return true;
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
  if (used_at) return EnrollmentStatus::kUsed;
  if (now >= expires_at) return EnrollmentStatus::kExpired;
  return EnrollmentStatus::kActive;
}

}  // namespace rmgr::store
