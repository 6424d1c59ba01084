#include "common/protocol/enums.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/protocol/close_codes.h"

namespace rmgr::protocol {
namespace {

// Every value from 0 to `last` has a unique name that parses back to it.
template <class E>
void ExpectAllRoundTrip(E last) {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(last); ++i) {
    const auto value = static_cast<E>(i);
    const std::string_view name = ToString(value);
    EXPECT_NE(name, "invalid") << i;
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
    E parsed{};
    ASSERT_TRUE(FromString(name, parsed)) << name;
    EXPECT_EQ(parsed, value) << name;
  }
}

TEST(ProtocolEnums, EveryValueRoundTripsThroughItsWireName) {
  ExpectAllRoundTrip(JobKind::kLs);
  ExpectAllRoundTrip(JobStatus::kInterrupted);
  ExpectAllRoundTrip(ErrorKind::kTimeout);
  ExpectAllRoundTrip(FireOutcome::kDeferred);
  ExpectAllRoundTrip(LogStream::kAgent);
  ExpectAllRoundTrip(NodeType::kOther);
}

TEST(ProtocolEnums, WireNamesAreTheDocumentedSnakeCase) {
  EXPECT_EQ(ToString(JobKind::kSnapshots), "snapshots");
  EXPECT_EQ(ToString(JobStatus::kCancelled), "cancelled");
  EXPECT_EQ(ToString(ErrorKind::kRepositoryLocked), "repository_locked");
  EXPECT_EQ(ToString(LogStream::kStderr), "stderr");
  EXPECT_EQ(ToString(NodeType::kCharDev), "chardev");
  EXPECT_EQ(ToString(ErrorKind::kTimeout), "timeout");
  EXPECT_EQ(ToString(FireOutcome::kJob), "job");
  EXPECT_EQ(ToString(FireOutcome::kPending), "pending");
  EXPECT_EQ(ToString(FireOutcome::kRefused), "refused");
  EXPECT_EQ(ToString(FireOutcome::kDeferred), "deferred");
}

TEST(ProtocolEnums, FromStringIsExactAndLeavesOutputAloneOnFailure) {
  JobKind kind = JobKind::kPrune;
  for (const char* text : {"", "Backup", "BACKUP", " backup", "backup ", "bakup", "lost"}) {
    EXPECT_FALSE(FromString(text, kind)) << text;
    EXPECT_EQ(kind, JobKind::kPrune) << text;
  }
  JobStatus status = JobStatus::kFailed;
  EXPECT_FALSE(FromString("lost", status));  // server-only state, never on the wire
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
