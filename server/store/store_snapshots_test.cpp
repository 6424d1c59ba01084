// Store suite: the snapshot index of a repository.
#include "server/store/store_test_fixture.h"

namespace rmgr::store::testing {
namespace {

using std::chrono::hours;

class SnapshotsTest : public StoreTest {
 protected:
  Snapshot Snap(const std::string& id, TimePoint time, std::optional<std::string> host_id = std::nullopt) {
    Snapshot snapshot;
    snapshot.id = id;
    snapshot.short_id = id.substr(0, 8);
    snapshot.time = time;
    snapshot.hostname = "web.lan";
    snapshot.paths = {"/etc"};
    snapshot.tags = {"nightly"};
    snapshot.host_id = std::move(host_id);
    return snapshot;
  }
  void Upsert(const std::string& repository_id, const std::vector<Snapshot>& snapshots) {
    Must(store().Write([&](WriteTx& tx) { return tx.UpsertSnapshots(repository_id, snapshots); }));
  }
  Page<Snapshot> List(const SnapshotFilter& filter, PageRequest page = {}) {
    return Must(store().Read([&](ReadTx& tx) { return tx.ListSnapshots(filter, page); }));
  }
};

TEST_P(SnapshotsTest, UpsertThenListNewestFirstPerRepository) {
  const Repository repo = MakeRepository();
  const Repository other = MakeRepository();
  const Host host = MakeHost();
  Upsert(repo.id, {Snap("aaaaaaaa01", Now() - hours(2), host.id), Snap("bbbbbbbb02", Now() - hours(1))});
  Upsert(other.id, {Snap("cccccccc03", Now())});
  auto page = List(SnapshotFilter{repo.id, std::nullopt});
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].id, "bbbbbbbb02");
  EXPECT_EQ(page.items[1].id, "aaaaaaaa01");
  EXPECT_EQ(page.items[1].host_id, host.id);
  EXPECT_EQ(page.items[1].short_id, "aaaaaaaa");
  EXPECT_EQ(page.items[1].paths, std::vector<std::string>{"/etc"});
  EXPECT_EQ(page.items[1].repository_id, repo.id);
  EXPECT_EQ(page.items[1].indexed_at, Now());
  EXPECT_TRUE(page.next_cursor.empty());
}

TEST_P(SnapshotsTest, UpsertReplacesBySnapshotId) {
  const Repository repo = MakeRepository();
  Snapshot snapshot = Snap("aaaaaaaa01", Now());
  Upsert(repo.id, {snapshot});
  snapshot.tags = {"weekly"};
  snapshot.size_bytes = 1234;
  Upsert(repo.id, {snapshot});
  auto page = List(SnapshotFilter{repo.id, std::nullopt});
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].tags, std::vector<std::string>{"weekly"});
  EXPECT_EQ(page.items[0].size_bytes, 1234);
}

TEST_P(SnapshotsTest, DeleteExceptKeepsOnlyTheListedSnapshotsOfThatRepository) {
  const Repository repo = MakeRepository();
  const Repository other = MakeRepository();
  Upsert(repo.id, {Snap("aaaaaaaa01", Now()), Snap("bbbbbbbb02", Now()), Snap("cccccccc03", Now())});
  Upsert(other.id, {Snap("dddddddd04", Now())});
  const std::vector<std::string> keep{"bbbbbbbb02", "ffffffff99"};
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.DeleteSnapshotsExcept(repo.id, keep); })), 2);
  auto page = List(SnapshotFilter{repo.id, std::nullopt});
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, "bbbbbbbb02");
  EXPECT_EQ(List(SnapshotFilter{other.id, std::nullopt}).items.size(), 1u);
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.DeleteSnapshotsExcept(repo.id, {}); })), 1);
}

TEST_P(SnapshotsTest, AnUpsertWithoutHostKeepsTheKnownHost) {
  const Repository repo = MakeRepository();
  const Host host = MakeHost();
  Upsert(repo.id, {Snap("aaaaaaaa01", Now(), host.id)});
  Upsert(repo.id, {Snap("aaaaaaaa01", Now())});  // a repository-wide refresh does not know hosts
  EXPECT_EQ(List(SnapshotFilter{repo.id, std::nullopt}).items.at(0).host_id, host.id);
}

TEST_P(SnapshotsTest, FiltersByHostAndPages) {
  const Repository repo = MakeRepository();
  const Host a = MakeHost();
  const Host b = MakeHost();
  std::vector<Snapshot> all;
  for (int i = 0; i < 5; ++i) {
    all.push_back(Snap("a0000000" + std::to_string(i), Now() + hours(i), a.id));
    all.push_back(Snap("b0000000" + std::to_string(i), Now() + hours(i), b.id));
  }
  Upsert(repo.id, all);
  std::vector<std::string> seen;
  PageRequest page{.cursor = {}, .limit = 2};
  for (int guard = 0; guard < 10; ++guard) {
    auto got = List(SnapshotFilter{repo.id, a.id}, page);
    for (const auto& s : got.items) seen.push_back(s.id);
    if (got.next_cursor.empty()) break;
    page.cursor = got.next_cursor;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a00000004", "a00000003", "a00000002", "a00000001", "a00000000"}));
  auto bad = store().Read([&](ReadTx& tx) { return tx.ListSnapshots(SnapshotFilter{repo.id, {}}, {"x", 2}); });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "cursor");
}

TEST_P(SnapshotsTest, HostDeleteKeepsSnapshotsRepositoryDeleteDropsThem) {
  const Repository repo = MakeRepository();
  const Host host = MakeHost();
  Upsert(repo.id, {Snap("aaaaaaaa01", Now(), host.id)});
  MustOk(store().Write([&](WriteTx& tx) { return tx.DeleteHost(host.id); }));
  auto page = List(SnapshotFilter{repo.id, std::nullopt});
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_FALSE(page.items[0].host_id.has_value());
  MustOk(store().Write([&](WriteTx& tx) { return tx.DeleteRepository(repo.id); }));
  EXPECT_TRUE(List(SnapshotFilter{repo.id, std::nullopt}).items.empty());
}

TEST_P(SnapshotsTest, UnknownRepositoryIsConstraintAndEmptyIdInvalid) {
  auto orphan = store().Write([&](WriteTx& tx) {
    const std::vector<Snapshot> one{Snap("aaaaaaaa01", Now())};
    return tx.UpsertSnapshots("no-such-repo", one);
  });
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code, ErrorCode::kConstraint);
  const Repository repo = MakeRepository();
  auto unnamed = store().Write([&](WriteTx& tx) {
    const std::vector<Snapshot> one{Snap("", Now())};
    return tx.UpsertSnapshots(repo.id, one);
  });
  ASSERT_FALSE(unnamed.ok());
  EXPECT_EQ(unnamed.error().code, ErrorCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(store, SnapshotsTest, ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace rmgr::store::testing
