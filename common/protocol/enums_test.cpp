#include "common/protocol/enums.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "common/protocol/close_codes.h"

namespace rmgr::protocol {
namespace {

// Every value has a unique name that parses back to it; wire values also
// through FromWireString, server-only ones never.
template <class E>
void ExpectAllRoundTrip(std::size_t count) {
  const std::vector<E> values = AllValues<E>();
  EXPECT_EQ(values.size(), count);
  std::set<std::string_view> names;
  for (const E value : values) {
    const std::string_view name = ToString(value);
    EXPECT_FALSE(name.empty()) << static_cast<int>(value);
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
    E parsed{};
    ASSERT_TRUE(FromString(name, parsed)) << name;
    EXPECT_EQ(parsed, value) << name;
    E wire = value;
    EXPECT_EQ(FromWireString(name, wire), IsWire(value)) << name;
    EXPECT_EQ(wire, value) << name;
  }
}

TEST(ProtocolEnums, EveryValueRoundTripsThroughItsName) {
  ExpectAllRoundTrip<JobKind>(11);
  ExpectAllRoundTrip<JobStatus>(9);
  ExpectAllRoundTrip<ErrorKind>(13);
  ExpectAllRoundTrip<HookPolicy>(3);
  ExpectAllRoundTrip<FireOutcome>(4);
  ExpectAllRoundTrip<LogStream>(4);
  ExpectAllRoundTrip<NodeType>(9);
}

TEST(ProtocolEnums, ServerOnlyValuesAreMarked) {
  for (const JobStatus status :
       {JobStatus::kQueued, JobStatus::kDispatched, JobStatus::kRunning, JobStatus::kLost}) {
    EXPECT_FALSE(IsWire(status)) << ToString(status);
  }
  for (const ErrorKind kind : {ErrorKind::kCancelled, ErrorKind::kInterrupted, ErrorKind::kLost}) {
    EXPECT_FALSE(IsWire(kind)) << ToString(kind);
  }
  EXPECT_FALSE(IsWire(LogStream::kHook));
  EXPECT_TRUE(IsWire(JobStatus::kInterrupted));
  EXPECT_TRUE(IsWire(ErrorKind::kTimeout));
  for (const JobKind kind : AllValues<JobKind>()) EXPECT_TRUE(IsWire(kind)) << ToString(kind);
}

TEST(ProtocolEnums, OnlyRecurringKindsAreSchedulable) {
  std::set<std::string_view> schedulable;
  for (const JobKind kind : AllValues<JobKind>()) {
    if (IsSchedulable(kind)) schedulable.insert(ToString(kind));
  }
  // stats is queued per repository by the server's stats planner, not by a host's schedule.
  EXPECT_EQ(schedulable, (std::set<std::string_view>{"backup", "forget", "prune", "check", "drill"}));
}

TEST(ProtocolEnums, WireNamesAreTheDocumentedSnakeCase) {
  EXPECT_EQ(ToString(JobKind::kSnapshots), "snapshots");
  EXPECT_EQ(ToString(JobStatus::kCancelled), "cancelled");
  EXPECT_EQ(ToString(ErrorKind::kRepositoryLocked), "repository_locked");
  EXPECT_EQ(ToString(LogStream::kStderr), "stderr");
  EXPECT_EQ(ToString(NodeType::kCharDev), "chardev");
  EXPECT_EQ(ToString(ErrorKind::kTimeout), "timeout");
  EXPECT_EQ(ToString(ErrorKind::kVerifyMismatch), "verify_mismatch");
  EXPECT_EQ(ToString(JobKind::kDrill), "drill");
  EXPECT_EQ(ToString(FireOutcome::kJob), "job");
  EXPECT_EQ(ToString(FireOutcome::kPending), "pending");
  EXPECT_EQ(ToString(FireOutcome::kRefused), "refused");
  EXPECT_EQ(ToString(FireOutcome::kDeferred), "deferred");
  EXPECT_EQ(ToString(ErrorKind::kRestoreRefused), "restore_refused");
  EXPECT_EQ(ToString(ErrorKind::kHookRefused), "hook_refused");
  EXPECT_EQ(ToString(HookPolicy::kAllowlist), "allowlist");
}

TEST(ProtocolEnums, FromStringIsExactAndLeavesOutputAloneOnFailure) {
  JobKind kind = JobKind::kPrune;
  for (const char* text : {"", "Backup", "BACKUP", " backup", "backup ", "bakup", "lost"}) {
    EXPECT_FALSE(FromString(text, kind)) << text;
    EXPECT_EQ(kind, JobKind::kPrune) << text;
  }
  JobStatus status = JobStatus::kFailed;
  EXPECT_TRUE(FromString("lost", status));  // a name of the vocabulary...
  status = JobStatus::kFailed;
  EXPECT_FALSE(FromWireString("lost", status));  // ...that never travels on the wire
  EXPECT_EQ(status, JobStatus::kFailed);
}

TEST(ProtocolCloseCodes, AreInTheApplicationRangeAndExplainedInPlainWords) {
  for (const std::uint16_t code : {kCloseHostDeleted, kCloseDuplicateInstall, kCloseHelloFailed}) {
    EXPECT_GE(code, 4000) << code;
    EXPECT_LE(code, 4999) << code;
    EXPECT_FALSE(CloseCodeMeaning(code).empty()) << code;
  }
  EXPECT_EQ(kCloseHostDeleted, 4001);
  EXPECT_EQ(kCloseDuplicateInstall, 4002);
  EXPECT_EQ(kCloseHelloFailed, 4003);
  EXPECT_TRUE(CloseCodeMeaning(1000).empty());
  EXPECT_TRUE(CloseCodeMeaning(4000).empty());
}

}  // namespace
}  // namespace rmgr::protocol
