// Parsing restic 0.14's `snapshots --json` and `ls --json` output.
#include "agent/executor/restic_listing.h"

#include <gtest/gtest.h>

#include <string>

#include "common/protocol/limits.h"

namespace rmgr::agent {
namespace {

namespace limits = protocol::limits;

const std::string kIdA = std::string(56, 'a') + "00000001";
const std::string kIdB = std::string(56, 'b') + "00000002";

std::string Snapshot(const std::string& id, const std::string& time, const std::string& extra = "") {
  return R"({"time":")" + time + R"(","tree":"t","paths":["/srv/data","/etc"],"hostname":"web1",)" +
         R"("username":"root","id":")" + id + R"(","short_id":")" + id.substr(0, 8) + "\"" + extra + "}";
}

TimePoint At(std::string_view rfc3339) {
  return ParseRfc3339(rfc3339)->time;
}

TEST(ResticListing, SnapshotListKeepsFieldsAndFloorsNanosecondsToMilliseconds) {
  const auto list = ParseSnapshotList(
      "[" + Snapshot(kIdA, "2024-05-01T12:30:45.123456789+02:00", R"(,"tags":["daily","db"])") + "]");
  ASSERT_TRUE(list.ok()) << list.error().Describe();
  ASSERT_EQ(list->snapshots.size(), 1u);
  EXPECT_EQ(list->skipped, 0u);
  const auto& s = list->snapshots[0];
  EXPECT_EQ(s.id, kIdA);
  EXPECT_EQ(s.short_id, kIdA.substr(0, 8));
  EXPECT_EQ(s.time, At("2024-05-01T10:30:45.123Z"));
  EXPECT_EQ(s.hostname, "web1");
  EXPECT_EQ(s.paths, (std::vector<std::string>{"/srv/data", "/etc"}));
  EXPECT_EQ(s.tags, (std::vector<std::string>{"daily", "db"}));
}

TEST(ResticListing, SnapshotTimesOutsideTheWireRangeAreClamped) {
  const auto list = ParseSnapshotList("[" + Snapshot(kIdA, "1850-01-01T00:00:00Z") + "," +
                                      Snapshot(kIdB, "2999-01-01T00:00:00.5+01:00") + "]");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->snapshots.size(), 2u);
  EXPECT_EQ(list->snapshots[0].time, TimePoint{limits::kMinTime});
  EXPECT_EQ(list->snapshots[1].time, TimePoint{limits::kMaxTime} - std::chrono::milliseconds{1});
}

TEST(ResticListing, SnapshotsAreSortedOldestFirst) {
  const auto list = ParseSnapshotList("[" + Snapshot(kIdB, "2024-06-01T00:00:00Z") + "," +
                                      Snapshot(kIdA, "2024-05-01T00:00:00Z") + "]");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->snapshots.size(), 2u);
  EXPECT_EQ(list->snapshots[0].id, kIdA);
  EXPECT_EQ(list->snapshots[1].id, kIdB);
}

TEST(ResticListing, SnapshotsBreakingTheWireRulesAreSkippedAndCounted) {
  const std::string list_text = "[" + Snapshot(kIdA, "2024-05-01T00:00:00Z") + "," +
                                Snapshot("abc", "2024-05-01T00:00:00Z") + "," +                 // short id
                                Snapshot(kIdB, "not a time") + "," +                            // bad time
                                Snapshot(kIdB, "2024-05-01T00:00:00Z", R"(,"tags":["a,b"])") +  // comma
                                R"(,{"time":"2024-05-01T00:00:00Z"},42])";
  const auto list = ParseSnapshotList(list_text);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->snapshots.size(), 1u);
  EXPECT_EQ(list->snapshots[0].id, kIdA);
  EXPECT_EQ(list->skipped, 5u);
}

TEST(ResticListing, SnapshotListMustBeAJsonArray) {
  EXPECT_FALSE(ParseSnapshotList("").ok());
  EXPECT_FALSE(ParseSnapshotList("{}").ok());
  EXPECT_FALSE(ParseSnapshotList("Fatal: wrong password").ok());
  const auto empty = ParseSnapshotList("[]");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->snapshots.empty());
}

std::string Node(const std::string& path, const std::string& type, const std::string& extra = "") {
  const std::string name = path.substr(path.rfind('/') + 1);
  return R"({"name":")" + name + R"(","type":")" + type + R"(","path":")" + path +
         R"(","uid":0,"gid":0,"mode":420,"permissions":"-rw-r--r--","mtime":"2024-05-01T12:00:00.999999+02:00",)" +
         R"("struct_type":"node")" + extra + "}";
}

TEST(ResticListing, LsNodeDirectlyInsideTheDirectoryBecomesAnEntry) {
  const auto entry = ParseLsNode(Node("/srv/data/a.txt", "file", R"(,"size":1234)"), "/srv/data");
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->name, "a.txt");
  EXPECT_EQ(entry->type, protocol::NodeType::kFile);
  EXPECT_EQ(entry->path, "/srv/data/a.txt");
  EXPECT_EQ(entry->size, 1234u);
  EXPECT_EQ(entry->mtime, At("2024-05-01T10:00:00.999Z"));
  EXPECT_EQ(entry->permissions, "-rw-r--r--");
  EXPECT_TRUE(ParseLsNode(Node("/srv/data/sub", "dir"), "/srv/data/").has_value()) << "trailing slash";
  EXPECT_TRUE(ParseLsNode(Node("/srv", "dir"), "/").has_value()) << "root";
}

TEST(ResticListing, LsKeepsOnlyDirectChildren) {
  EXPECT_FALSE(ParseLsNode(Node("/srv/data", "dir"), "/srv/data")) << "the directory itself";
  EXPECT_FALSE(ParseLsNode(Node("/srv/data/sub/b.bin", "file"), "/srv/data")) << "a grandchild";
  EXPECT_FALSE(ParseLsNode(Node("/srv/database", "dir"), "/srv/data")) << "a sibling with the prefix";
  EXPECT_FALSE(ParseLsNode(Node("/srv", "dir"), "/srv/data")) << "a parent";
  EXPECT_FALSE(ParseLsNode(R"({"time":"2024-05-01T00:00:00Z","id":"x","struct_type":"snapshot"})", "/"));
  EXPECT_FALSE(ParseLsNode("snapshot 4f2a9c1e of [/srv]:", "/"));
}

TEST(ResticListing, LsNodeOddValuesAreMadeWireSafe) {
  const auto entry = ParseLsNode(
      R"({"name":"x","type":"whiteout","path":"/x","mtime":"0001-01-01T00:00:00Z","struct_type":"node"})",
      "/");
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->type, protocol::NodeType::kOther);
  EXPECT_FALSE(entry->mtime.has_value()) << "outside the wire range";
  EXPECT_EQ(entry->size, 0u);
}

}  // namespace
}  // namespace rmgr::agent
