#include "common/protocol/enums.h"

#include <array>
#include <utility>

namespace rmgr::protocol {
namespace {

// One table per enum, in declaration order; the static_asserts below catch
// a value added to an enum without a name here.
template <class E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<JobKind, 9> kJobKinds{{
    {JobKind::kBackup, "backup"},
    {JobKind::kForget, "forget"},
    {JobKind::kPrune, "prune"},
    {JobKind::kCheck, "check"},
    {JobKind::kRestore, "restore"},
    {JobKind::kInit, "init"},
    {JobKind::kUnlock, "unlock"},
    {JobKind::kSnapshots, "snapshots"},
    {JobKind::kLs, "ls"},
}};
constexpr NameTable<JobStatus, 5> kJobStatuses{{
    {JobStatus::kSucceeded, "succeeded"},
    {JobStatus::kPartial, "partial"},
    {JobStatus::kFailed, "failed"},
    {JobStatus::kCancelled, "cancelled"},
    {JobStatus::kInterrupted, "interrupted"},
}};
constexpr NameTable<ErrorKind, 7> kErrorKinds{{
    {ErrorKind::kNone, "none"},
    {ErrorKind::kWrongPassword, "wrong_password"},
    {ErrorKind::kRepositoryMissing, "repository_missing"},
    {ErrorKind::kRepositoryLocked, "repository_locked"},
    {ErrorKind::kHookFailed, "hook_failed"},
    {ErrorKind::kOther, "other"},
    {ErrorKind::kTimeout, "timeout"},
}};
constexpr NameTable<LogStream, 3> kLogStreams{{
    {LogStream::kStdout, "stdout"},
    {LogStream::kStderr, "stderr"},
    {LogStream::kAgent, "agent"},
}};
constexpr NameTable<NodeType, 9> kNodeTypes{{
    {NodeType::kFile, "file"},
    {NodeType::kDir, "dir"},
    {NodeType::kSymlink, "symlink"},
    {NodeType::kDev, "dev"},
    {NodeType::kCharDev, "chardev"},
    {NodeType::kFifo, "fifo"},
    {NodeType::kSocket, "socket"},
    {NodeType::kIrregular, "irregular"},
    {NodeType::kOther, "other"},
}};
constexpr NameTable<FireOutcome, 4> kFireOutcomes{{
    {FireOutcome::kJob, "job"},
    {FireOutcome::kPending, "pending"},
    {FireOutcome::kRefused, "refused"},
    {FireOutcome::kDeferred, "deferred"},
}};

// True when the table lists every value 0..N-1 in order, so NameOf can index.
template <class E, std::size_t N>
constexpr bool Dense(const NameTable<E, N>& table) {
  for (std::size_t i = 0; i < N; ++i) {
    if (static_cast<std::size_t>(table[i].first) != i) return false;
  }
  return true;
}
static_assert(Dense(kJobKinds) && static_cast<std::size_t>(JobKind::kLs) + 1 == kJobKinds.size());
static_assert(Dense(kJobStatuses) &&
              static_cast<std::size_t>(JobStatus::kInterrupted) + 1 == kJobStatuses.size());
static_assert(Dense(kErrorKinds) && static_cast<std::size_t>(ErrorKind::kTimeout) + 1 == kErrorKinds.size());
static_assert(Dense(kLogStreams) && static_cast<std::size_t>(LogStream::kAgent) + 1 == kLogStreams.size());
static_assert(Dense(kNodeTypes) && static_cast<std::size_t>(NodeType::kOther) + 1 == kNodeTypes.size());
static_assert(Dense(kFireOutcomes) &&
              static_cast<std::size_t>(FireOutcome::kDeferred) + 1 == kFireOutcomes.size());

template <class E, std::size_t N>
std::string_view NameOf(const NameTable<E, N>& table, E value) {
  const auto index = static_cast<std::size_t>(value);
  return index < N ? table[index].second : std::string_view{"invalid"};
}

template <class E, std::size_t N>
bool ValueOf(const NameTable<E, N>& table, std::string_view text, E& out) {
  for (const auto& [value, name] : table) {
    if (name == text) {
      out = value;
      return true;
    }
  }
  return false;
}

}  // namespace

std::string_view ToString(JobKind value) {
  return NameOf(kJobKinds, value);
}
std::string_view ToString(JobStatus value) {
  return NameOf(kJobStatuses, value);
}
std::string_view ToString(ErrorKind value) {
  return NameOf(kErrorKinds, value);
}
std::string_view ToString(LogStream value) {
  return NameOf(kLogStreams, value);
}
std::string_view ToString(NodeType value) {
  return NameOf(kNodeTypes, value);
}
std::string_view ToString(FireOutcome value) {
  return NameOf(kFireOutcomes, value);
}

bool FromString(std::string_view text, JobKind& out) {
  return ValueOf(kJobKinds, text, out);
}
bool FromString(std::string_view text, JobStatus& out) {
  return ValueOf(kJobStatuses, text, out);
}
bool FromString(std::string_view text, ErrorKind& out) {
  return ValueOf(kErrorKinds, text, out);
}
bool FromString(std::string_view text, LogStream& out) {
  return ValueOf(kLogStreams, text, out);
}
bool FromString(std::string_view text, NodeType& out) {
  return ValueOf(kNodeTypes, text, out);
}
bool FromString(std::string_view text, FireOutcome& out) {
  return ValueOf(kFireOutcomes, text, out);
}

}  // namespace rmgr::protocol
