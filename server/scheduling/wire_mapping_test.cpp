// Mapping an agent's job.result into the store's form.
#include "server/scheduling/wire_mapping.h"

#include <gtest/gtest.h>

#include <string>

namespace rmgr::server::scheduling {
namespace {

protocol::SnapshotInfo Snapshot(std::string id) {
  protocol::SnapshotInfo info;
  info.short_id = id.substr(0, 8);
  info.id = std::move(id);
  info.paths = {"/srv"};
  return info;
}

protocol::JobResult BackupResult(std::string snapshot_id) {
  protocol::JobResult result;
  result.job_id = "01JOB";
  result.status = protocol::JobStatus::kSucceeded;
  result.exit_code = 0;
  result.snapshot_id = std::move(snapshot_id);
  result.snapshot_index = protocol::SnapshotIndex{};
  return result;
}

const std::string kFull = "0dada1bd" + std::string(56, 'a');
const std::string kOther = "1234abcd" + std::string(56, 'b');

TEST(WireMapping, AShortSnapshotIdBecomesTheFullIdTheIndexNames) {
  auto result = BackupResult("0dada1bd");
  result.snapshot_index->snapshots = {Snapshot(kOther), Snapshot(kFull)};
  const store::JobResult stored = ToStoreResult(result);
  EXPECT_EQ(stored.snapshot_id, kFull);
  EXPECT_EQ(stored.status, store::JobStatus::kSucceeded);
}

TEST(WireMapping, AShortIdStaysWhenTheIndexIsMissingSilentOrAmbiguous) {
  auto no_index = BackupResult("0dada1bd");
  no_index.snapshot_index.reset();
  EXPECT_EQ(ToStoreResult(no_index).snapshot_id, "0dada1bd");

  auto unknown = BackupResult("0dada1bd");
  unknown.snapshot_index->snapshots = {Snapshot(kOther)};
  EXPECT_EQ(ToStoreResult(unknown).snapshot_id, "0dada1bd");

  auto ambiguous = BackupResult("0dada1bd");
  ambiguous.snapshot_index->snapshots = {Snapshot(kFull), Snapshot("0dada1bd" + std::string(56, 'c'))};
  EXPECT_EQ(ToStoreResult(ambiguous).snapshot_id, "0dada1bd");

  auto full = BackupResult(kFull);
  full.snapshot_index->snapshots = {Snapshot(kOther)};
  EXPECT_EQ(ToStoreResult(full).snapshot_id, kFull);
}

}  // namespace
}  // namespace rmgr::server::scheduling
