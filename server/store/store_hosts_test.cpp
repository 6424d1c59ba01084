// Store suite: hosts.
#include <set>

#include "common/util/ulid.h"
#include "server/store/store_test_fixture.h"

namespace rmgr::store::testing {
namespace {

class HostsTest : public StoreTest {};

TEST_P(HostsTest, CreateAssignsIdTimeAndDefaults) {
  const Host host = MakeHost("web-1");
  EXPECT_TRUE(IsUlid(host.id)) << host.id;
  EXPECT_EQ(host.name, "web-1");
  EXPECT_EQ(host.hostname, "web-1.lan");
  EXPECT_TRUE(host.always_on);
  EXPECT_EQ(host.created_at, Now());
  EXPECT_EQ(host.schedule_version_canonical, 0);
  EXPECT_EQ(host.schedule_version_applied, 0);
  EXPECT_FALSE(host.connected);
  EXPECT_FALSE(host.current_job_id.has_value());
  EXPECT_FALSE(host.last_seen_at.has_value());
  EXPECT_TRUE(host.token_hash.empty());
}

TEST_P(HostsTest, GetsByIdNameAndTokenHash) {
  NewHost laptop{"laptop", "laptop.lan", false, "hash-of-token"};
  const Host created = Must(store().Write([&](WriteTx& tx) { return tx.CreateHost(laptop); }));
  EXPECT_FALSE(created.always_on);
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetHost(created.id); })).name, "laptop");
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetHostByName("laptop"); })).id, created.id);
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetHostByTokenHash("hash-of-token"); })).id,
            created.id);
}

TEST_P(HostsTest, UnknownHostIsNotFound) {
  MakeHost();
  auto by_id = store().Read([](ReadTx& tx) { return tx.GetHost("01ARZ3NDEKTSV4RRFFQ69G5FAV"); });
  ASSERT_FALSE(by_id.ok());
  EXPECT_EQ(by_id.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store().Read([](ReadTx& tx) { return tx.GetHostByName("nope"); }).error().code,
            ErrorCode::kNotFound);
  // Hosts without a token must never match an empty presented token.
  EXPECT_EQ(store().Read([](ReadTx& tx) { return tx.GetHostByTokenHash(""); }).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store().Read([](ReadTx& tx) { return tx.GetHostScheduleVersion("nope"); }).error().code,
            ErrorCode::kNotFound);
}

TEST_P(HostsTest, DuplicateNameIsConflictNamingTheName) {
  MakeHost("db");
  auto again = store().Write([](WriteTx& tx) { return tx.CreateHost(NewHost{"db", "", true, ""}); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().field, "name");
  EXPECT_NE(again.error().message.find("name"), std::string::npos) << again.error().message;
}

TEST_P(HostsTest, DuplicateTokenHashIsConflict) {
  MustOk(store().Write([](WriteTx& tx) -> Result<void> {
    auto made = tx.CreateHost(NewHost{"a", "", true, "same"});
    if (!made.ok()) return made.error();
    return Ok();
  }));
  auto again = store().Write([](WriteTx& tx) { return tx.CreateHost(NewHost{"b", "", true, "same"}); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().field, "token_hash");
}

TEST_P(HostsTest, EmptyNameIsInvalidArgument) {
  auto made = store().Write([](WriteTx& tx) { return tx.CreateHost(NewHost{}); });
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(made.error().field, "name");
}

TEST_P(HostsTest, ListPagesByNameVisitingEveryHostOnce) {
  const std::vector<std::string> names = {"g", "c", "a", "f", "b", "e", "d"};
  for (const auto& name : names) MakeHost(name);
  std::vector<std::string> seen;
  PageRequest request{"", 3};
  int pages = 0;
  do {
    const auto page = Must(store().Read([&](ReadTx& tx) { return tx.ListHosts(request); }));
    EXPECT_LE(page.items.size(), 3u);
    for (const auto& host : page.items) seen.push_back(host.name);
    request.cursor = page.next_cursor;
    ++pages;
  } while (!request.cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g"}));
}

TEST_P(HostsTest, ListRejectsMalformedCursor) {
  auto listed = store().Read([](ReadTx& tx) { return tx.ListHosts(PageRequest{"garbage", 10}); });
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(listed.error().field, "cursor");
}

TEST_P(HostsTest, UpdateStatusChangesOnlyTheFieldsSet) {
  const Host host = MakeHost("nas");
  HostStatus hello;
  hello.os = "linux";
  hello.arch = "arm64";
  hello.agent_version = "0.3.0";
  hello.restic_version = "0.14.0";
  hello.connected = true;
  hello.seen_at = Now() + std::chrono::seconds(5);
  MustOk(store().Write([&](WriteTx& tx) { return tx.UpdateHostStatus(host.id, hello); }));
  HostStatus ping;
  ping.seen_at = Now() + std::chrono::seconds(9);
  MustOk(
      store().Write([&](WriteTx& tx) { return tx.UpdateHostStatus(host.id, ping); }, Durability::kRelaxed));

  const Host read = Must(store().Read([&](ReadTx& tx) { return tx.GetHost(host.id); }));
  EXPECT_EQ(read.hostname, "nas.lan");
  EXPECT_EQ(read.os, "linux");
  EXPECT_EQ(read.arch, "arm64");
  EXPECT_EQ(read.agent_version, "0.3.0");
  EXPECT_EQ(read.restic_version, "0.14.0");
  EXPECT_TRUE(read.connected);
  EXPECT_EQ(read.last_seen_at, Now() + std::chrono::seconds(9));
}

TEST_P(HostsTest, UpdatingUnknownHostIsNotFound) {
  auto updated = store().Write([](WriteTx& tx) { return tx.UpdateHostStatus("missing", HostStatus{}); });
  EXPECT_EQ(updated.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store().Write([](WriteTx& tx) { return tx.SetHostAlwaysOn("missing", false); }).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store().Write([](WriteTx& tx) { return tx.BumpHostScheduleVersion("missing"); }).error().code,
            ErrorCode::kNotFound);
}

TEST_P(HostsTest, SetAlwaysOnSwitchesMode) {
  const Host host = MakeHost();
  MustOk(store().Write([&](WriteTx& tx) { return tx.SetHostAlwaysOn(host.id, false); }));
  EXPECT_FALSE(Must(store().Read([&](ReadTx& tx) { return tx.GetHost(host.id); })).always_on);
  MustOk(store().Write([&](WriteTx& tx) { return tx.SetHostAlwaysOn(host.id, true); }));
  EXPECT_TRUE(Must(store().Read([&](ReadTx& tx) { return tx.GetHost(host.id); })).always_on);
}

TEST_P(HostsTest, LabelsAreSetReplacedAndValidated) {
  NewHost tagged{"laptop-1", "", false, ""};
  tagged.labels = {{"role", "laptop"}, {"site", "berlin"}};
  const Host host = Must(store().Write([&](WriteTx& tx) { return tx.CreateHost(tagged); }));
  EXPECT_EQ(host.labels, tagged.labels);
  EXPECT_TRUE(MakeHost("plain").labels.empty());
  const labels::Labels moved{{"role", "laptop"}, {"site", "paris"}, {"example.com/tier", "gold"}};
  MustOk(store().Write([&](WriteTx& tx) { return tx.SetHostLabels(host.id, moved); }));
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetHost(host.id); })).labels, moved);
  auto bad = store().Write([&](WriteTx& tx) { return tx.SetHostLabels(host.id, {{"Role", "x"}}); });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetHost(host.id); })).labels, moved) << "unchanged";
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.SetHostLabels("nope", moved); }).error().code,
            ErrorCode::kNotFound);
  MustOk(store().Write([&](WriteTx& tx) { return tx.SetHostLabels(host.id, {}); }));
  EXPECT_TRUE(Must(store().Read([&](ReadTx& tx) { return tx.GetHost(host.id); })).labels.empty());
}

TEST_P(HostsTest, SearchBySelectorPicksHostsByTheirLabels) {
  const auto make = [&](const std::string& name, labels::Labels set) {
    NewHost host{name, "", true, ""};
    host.labels = std::move(set);
    Must(store().Write([&](WriteTx& tx) { return tx.CreateHost(host); }));
  };
  make("berlin-laptop", {{"role", "laptop"}, {"site", "berlin"}});
  make("lab-laptop", {{"role", "laptop"}, {"site", "lab"}});
  make("old-laptop", {{"role", "laptop"}, {"retired", "yes"}});
  make("server", {{"role", "server"}, {"site", "berlin"}});
  make("bare", {});
  const auto names = [&](std::string_view text) {
    HostFilter filter;
    filter.selector = Must(labels::Selector::Parse(text));
    std::vector<std::string> out;
    PageRequest page{.cursor = {}, .limit = 2};
    for (;;) {  // small pages: the selector composes with the name cursor
      auto listed = Must(store().Read([&](ReadTx& tx) { return tx.SearchHosts(filter, page); }));
      for (const auto& host : listed.items) out.push_back(host.name);
      if (listed.next_cursor.empty()) return out;
      page.cursor = listed.next_cursor;
    }
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(names(""), (Names{"bare", "berlin-laptop", "lab-laptop", "old-laptop", "server"}));
  EXPECT_EQ(names("role=laptop"), (Names{"berlin-laptop", "lab-laptop", "old-laptop"}));
  EXPECT_EQ(names("role=laptop,site!=lab"), (Names{"berlin-laptop", "old-laptop"}));
  EXPECT_EQ(names("site!=lab"), (Names{"bare", "berlin-laptop", "old-laptop", "server"}));
  EXPECT_EQ(names("site"), (Names{"berlin-laptop", "lab-laptop", "server"}));
  EXPECT_EQ(names("!site,role"), (Names{"old-laptop"}));
  EXPECT_EQ(names("site=berlin,!retired"), (Names{"berlin-laptop", "server"}));
  EXPECT_EQ(names("role=desktop"), Names{});
}

TEST_P(HostsTest, BumpScheduleVersionCountsUp) {
  const Host host = MakeHost();
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.BumpHostScheduleVersion(host.id); })), 1);
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.BumpHostScheduleVersion(host.id); })), 2);
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetHostScheduleVersion(host.id); })), 2);
}

TEST_P(HostsTest, AppliedVersionIsRecordedUpToCanonical) {
  const Host host = MakeHost();
  for (int i = 0; i < 3; ++i) {
    Must(store().Write([&](WriteTx& tx) { return tx.BumpHostScheduleVersion(host.id); }));
  }
  const TimePoint applied_at = Now() + std::chrono::milliseconds(1500);
  MustOk(
      store().Write([&](WriteTx& tx) { return tx.SetHostAppliedScheduleVersion(host.id, 2, applied_at); }));
  Host read = Must(store().Read([&](ReadTx& tx) { return tx.GetHost(host.id); }));
  EXPECT_EQ(read.schedule_version_applied, 2);
  EXPECT_EQ(read.schedule_applied_at, applied_at);

  MustOk(
      store().Write([&](WriteTx& tx) { return tx.SetHostAppliedScheduleVersion(host.id, 3, applied_at); }));
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetHost(host.id); })).schedule_version_applied, 3);
}

TEST_P(HostsTest, AppliedVersionAboveCanonicalOrNotPositiveIsRejected) {
  const Host host = MakeHost();
  Must(store().Write([&](WriteTx& tx) { return tx.BumpHostScheduleVersion(host.id); }));
  auto ahead =
      store().Write([&](WriteTx& tx) { return tx.SetHostAppliedScheduleVersion(host.id, 2, Now()); });
  EXPECT_EQ(ahead.error().code, ErrorCode::kConflict);
  auto zero = store().Write([&](WriteTx& tx) { return tx.SetHostAppliedScheduleVersion(host.id, 0, Now()); });
  EXPECT_EQ(zero.error().code, ErrorCode::kInvalidArgument);
  auto unknown =
      store().Write([&](WriteTx& tx) { return tx.SetHostAppliedScheduleVersion("nope", 1, Now()); });
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetHost(host.id); })).schedule_version_applied, 0);
}

TEST_P(HostsTest, TimesKeepMillisecondsAndSurviveReopen) {
  const Host host = MakeHost();
  HostStatus status;
  status.seen_at = Now() + std::chrono::microseconds(2'345'678);  // sub-millisecond part is dropped
  MustOk(store().Write([&](WriteTx& tx) { return tx.UpdateHostStatus(host.id, status); }));
  Reopen();
  const Host read = Must(store().Read([&](ReadTx& tx) { return tx.GetHost(host.id); }));
  EXPECT_EQ(read.last_seen_at, Now() + std::chrono::milliseconds(2345));
}

TEST_P(HostsTest, SetTokenHashReplacesTheAgentTokenAndKeepsHashesUnique) {
  const Host host = MakeHost("web");
  const Host other = MakeHost("db");
  MustOk(store().Write([&](WriteTx& tx) { return tx.SetHostTokenHash(host.id, "first"); }));
  MustOk(
      store().Write([&](WriteTx& tx) { return tx.SetHostTokenHash(host.id, "second"); }));  // re-enrollment
  EXPECT_EQ(store().Read([](ReadTx& tx) { return tx.GetHostByTokenHash("first"); }).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(Must(store().Read([](ReadTx& tx) { return tx.GetHostByTokenHash("second"); })).id, host.id);
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.SetHostTokenHash(other.id, "second"); }).error().code,
            ErrorCode::kConflict);
  EXPECT_EQ(store()
                .Write([&](WriteTx& tx) { return tx.SetHostTokenHash("01ARZ3NDEKTSV4RRFFQ69G5FAV", "x"); })
                .error()
                .code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.SetHostTokenHash(host.id, ""); }).error().code,
            ErrorCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(store, HostsTest, ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace rmgr::store::testing
