#include "common/protocol/enums.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

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
  ExpectAllRoundTrip(ErrorKind::kOther);
  ExpectAllRoundTrip(LogStream::kAgent);
  ExpectAllRoundTrip(NodeType::kOther);
}

TEST(ProtocolEnums, WireNamesAreTheDocumentedSnakeCase) {
  EXPECT_EQ(ToString(JobKind::kSnapshots), "snapshots");
  EXPECT_EQ(ToString(JobStatus::kCancelled), "cancelled");
  EXPECT_EQ(ToString(ErrorKind::kRepositoryLocked), "repository_locked");
  EXPECT_EQ(ToString(LogStream::kStderr), "stderr");
  EXPECT_EQ(ToString(NodeType::kCharDev), "chardev");
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

}  // namespace
}  // namespace rmgr::protocol
