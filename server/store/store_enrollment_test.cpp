// Store suite: enrollment tokens.
#include <atomic>
#include <set>
#include <thread>

#include "common/util/ulid.h"
#include "server/store/store_test_fixture.h"

namespace rmgr::store::testing {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

class EnrollmentTest : public StoreTest {
 protected:
  EnrollmentToken MakeToken(const std::string& name, const std::string& hash,
                            std::optional<std::string> host_id = std::nullopt) {
    NewEnrollmentToken token{name, hash, std::move(host_id), std::nullopt, Now() + hours(24)};
    return Must(store().Write([&](WriteTx& tx) { return tx.CreateEnrollmentToken(token); }));
  }
};

TEST_P(EnrollmentTest, CreateAssignsIdTimesAndStartsActive) {
  const Host host = MakeHost();
  const EnrollmentToken token = MakeToken("laptop", "hash-1", host.id);
  EXPECT_TRUE(IsUlid(token.id)) << token.id;
  EXPECT_EQ(token.name, "laptop");
  EXPECT_EQ(token.token_hash, "hash-1");
  EXPECT_EQ(token.host_id, host.id);
  EXPECT_EQ(token.created_at, Now());
  EXPECT_EQ(token.expires_at, Now() + hours(24));
  EXPECT_FALSE(token.used_at.has_value());
  EXPECT_FALSE(token.revoked_at.has_value());
  EXPECT_FALSE(token.created_by.has_value());
  EXPECT_EQ(token.StatusAt(Now()), EnrollmentStatus::kActive);
}

TEST_P(EnrollmentTest, UnknownCreatorIsNotLinkedButDoesNotFail) {
  NewEnrollmentToken token{"t", "hash", std::nullopt, "no-such-user", Now() + hours(1)};
  const auto made = Must(store().Write([&](WriteTx& tx) { return tx.CreateEnrollmentToken(token); }));
  EXPECT_FALSE(made.created_by.has_value());
}

TEST_P(EnrollmentTest, GetsByIdAndHash) {
  const EnrollmentToken token = MakeToken("a", "hash-a");
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetEnrollmentToken(token.id); })).name, "a");
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetEnrollmentTokenByHash("hash-a"); })).id, token.id);
  EXPECT_EQ(store().Read([](ReadTx& tx) { return tx.GetEnrollmentTokenByHash(""); }).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store().Read([](ReadTx& tx) { return tx.GetEnrollmentToken("nope"); }).error().code,
            ErrorCode::kNotFound);
}

TEST_P(EnrollmentTest, DuplicateHashIsConflictAndUnknownHostIsConstraint) {
  MakeToken("a", "same");
  auto again = store().Write([&](WriteTx& tx) {
    return tx.CreateEnrollmentToken(NewEnrollmentToken{"b", "same", std::nullopt, std::nullopt, Now()});
  });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  auto orphan = store().Write([&](WriteTx& tx) {
    return tx.CreateEnrollmentToken(NewEnrollmentToken{"c", "other", "no-such-host", std::nullopt, Now()});
  });
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code, ErrorCode::kConstraint);
  auto unnamed = store().Write([&](WriteTx& tx) {
    return tx.CreateEnrollmentToken(NewEnrollmentToken{"", "x", std::nullopt, std::nullopt, Now()});
  });
  ASSERT_FALSE(unnamed.ok());
  EXPECT_EQ(unnamed.error().field, "name");
}

TEST_P(EnrollmentTest, ListPagesNewestFirst) {
  std::vector<std::string> made;
  for (int i = 0; i < 7; ++i) {
    made.push_back(MakeToken("t" + std::to_string(i), "h" + std::to_string(i)).id);
    if (i % 2 == 0) Advance(milliseconds(5));  // some share a created_at
  }
  std::vector<EnrollmentToken> seen;
  PageRequest page{.cursor = {}, .limit = 3};
  for (int guard = 0; guard < 10; ++guard) {
    auto got = Must(store().Read([&](ReadTx& tx) { return tx.ListEnrollmentTokens(page); }));
    for (const auto& token : got.items) seen.push_back(token);
    if (got.next_cursor.empty()) break;
    page.cursor = got.next_cursor;
  }
  ASSERT_EQ(seen.size(), made.size());
  std::set<std::string> ids;
  for (size_t i = 0; i < seen.size(); ++i) {
    ids.insert(seen[i].id);
    if (i == 0) continue;
    // Newest first; ties in created_at by id, descending.
    const auto& newer = seen[i - 1];
    const auto& older = seen[i];
    EXPECT_TRUE(newer.created_at > older.created_at ||
                (newer.created_at == older.created_at && newer.id > older.id))
        << i;
  }
  EXPECT_EQ(ids, std::set<std::string>(made.begin(), made.end()));
  EXPECT_EQ(seen.back().id, made.front());  // alone at the earliest time
  auto bad = store().Read([](ReadTx& tx) { return tx.ListEnrollmentTokens(PageRequest{"junk", 3}); });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "cursor");
}

TEST_P(EnrollmentTest, RevokeIsIdempotentAndKeepsTheFirstTime) {
  const EnrollmentToken token = MakeToken("a", "h");
  const TimePoint first = Now();
  auto revoked = Must(store().Write([&](WriteTx& tx) { return tx.RevokeEnrollmentToken(token.id); }));
  EXPECT_EQ(revoked.revoked_at, first);
  EXPECT_EQ(revoked.StatusAt(Now()), EnrollmentStatus::kRevoked);
  Advance(milliseconds(1000));
  auto again = Must(store().Write([&](WriteTx& tx) { return tx.RevokeEnrollmentToken(token.id); }));
  EXPECT_EQ(again.revoked_at, first);
  EXPECT_EQ(store().Write([](WriteTx& tx) { return tx.RevokeEnrollmentToken("nope"); }).error().code,
            ErrorCode::kNotFound);
}

TEST_P(EnrollmentTest, ConsumeOnlyWhileActive) {
  const Host host = MakeHost();
  const EnrollmentToken token = MakeToken("a", "h1");
  auto used = Must(store().Write([&](WriteTx& tx) { return tx.ConsumeEnrollmentToken(token.id, host.id); }));
  EXPECT_EQ(used.used_at, Now());
  EXPECT_EQ(used.used_by_host, host.id);
  EXPECT_EQ(used.StatusAt(Now()), EnrollmentStatus::kUsed);
  auto twice = store().Write([&](WriteTx& tx) { return tx.ConsumeEnrollmentToken(token.id, host.id); });
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kConflict);
  EXPECT_NE(twice.error().message.find("used"), std::string::npos);

  const EnrollmentToken expiring = MakeToken("b", "h2");
  Advance(hours(24));
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetEnrollmentToken(expiring.id); })).StatusAt(Now()),
            EnrollmentStatus::kExpired);
  auto late = store().Write([&](WriteTx& tx) { return tx.ConsumeEnrollmentToken(expiring.id, host.id); });
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.error().message.find("expired"), std::string::npos);

  const EnrollmentToken revoked = MakeToken("c", "h3");
  MustOk(store().Write([&](WriteTx& tx) -> Result<void> {
    auto r = tx.RevokeEnrollmentToken(revoked.id);
    if (!r.ok()) return r.error();
    return Ok();
  }));
  EXPECT_FALSE(store().Write([&](WriteTx& tx) { return tx.ConsumeEnrollmentToken(revoked.id, host.id); }).ok());
}

TEST_P(EnrollmentTest, DeletingTheBoundHostDeletesItsTokensButKeepsUsedHistory) {
  const Host bound = MakeHost();
  const Host enrolled = MakeHost();
  const EnrollmentToken for_bound = MakeToken("a", "h1", bound.id);
  const EnrollmentToken other = MakeToken("b", "h2");
  MustOk(store().Write([&](WriteTx& tx) -> Result<void> {
    auto used = tx.ConsumeEnrollmentToken(other.id, enrolled.id);
    if (!used.ok()) return used.error();
    if (auto gone = tx.DeleteHost(bound.id); !gone.ok()) return gone;
    return tx.DeleteHost(enrolled.id);
  }));
  EXPECT_EQ(store().Read([&](ReadTx& tx) { return tx.GetEnrollmentToken(for_bound.id); }).error().code,
            ErrorCode::kNotFound);
  const auto kept = Must(store().Read([&](ReadTx& tx) { return tx.GetEnrollmentToken(other.id); }));
  EXPECT_FALSE(kept.used_by_host.has_value());
  EXPECT_TRUE(kept.used_at.has_value());
}

TEST_P(EnrollmentTest, ReusableTokenCountsUsesUntilExhausted) {
  NewEnrollmentToken fresh{"fleet", "h-fleet", std::nullopt, std::nullopt, Now() + hours(1)};
  fresh.max_uses = 3;
  fresh.labels = {{"role", "web"}, {"site", "berlin"}};
  const auto token = Must(store().Write([&](WriteTx& tx) { return tx.CreateEnrollmentToken(fresh); }));
  EXPECT_EQ(token.max_uses, 3);
  EXPECT_EQ(token.use_count, 0);
  EXPECT_EQ(token.labels, fresh.labels);
  EXPECT_FALSE(token.last_used_at.has_value());
  std::vector<Host> hosts;
  for (int i = 0; i < 3; ++i) {
    hosts.push_back(MakeHost());
    Advance(milliseconds(10));
    auto used = Must(
        store().Write([&](WriteTx& tx) { return tx.ConsumeEnrollmentToken(token.id, hosts.back().id); }));
    EXPECT_EQ(used.use_count, i + 1);
    EXPECT_EQ(used.last_used_at, Now());
    // used_at and used_by_host stay the first enrollment's.
    EXPECT_EQ(used.used_by_host, hosts.front().id);
    EXPECT_EQ(used.used_at, Now() - milliseconds(10 * i));
    EXPECT_EQ(used.StatusAt(Now()), i < 2 ? EnrollmentStatus::kActive : EnrollmentStatus::kExhausted);
  }
  auto fourth = store().Write([&](WriteTx& tx) { return tx.ConsumeEnrollmentToken(token.id, hosts[0].id); });
  ASSERT_FALSE(fourth.ok());
  EXPECT_EQ(fourth.error().code, ErrorCode::kConflict);
  EXPECT_NE(fourth.error().message.find("exhausted"), std::string::npos) << fourth.error().message;
  const auto stored = Must(store().Read([&](ReadTx& tx) { return tx.GetEnrollmentToken(token.id); }));
  EXPECT_EQ(stored.use_count, 3);
  EXPECT_EQ(ToString(stored.StatusAt(Now())), "exhausted");
}

TEST_P(EnrollmentTest, CreateRefusesBadMaxUsesAndLabels) {
  const Host host = MakeHost();
  const auto create = [&](NewEnrollmentToken token) {
    return store().Write([&](WriteTx& tx) { return tx.CreateEnrollmentToken(token); });
  };
  NewEnrollmentToken zero{"t", "h-zero", std::nullopt, std::nullopt, Now() + hours(1)};
  zero.max_uses = 0;
  EXPECT_EQ(create(zero).error().field, "max_uses");
  NewEnrollmentToken bound{"t", "h-bound", host.id, std::nullopt, Now() + hours(1)};
  bound.max_uses = 2;
  auto refused = create(bound);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().field, "max_uses");
  NewEnrollmentToken labelled{"t", "h-label", std::nullopt, std::nullopt, Now() + hours(1)};
  labelled.labels = {{"Bad Key", "x"}};
  EXPECT_EQ(create(labelled).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(
      Must(store().Read([](ReadTx& tx) { return tx.ListEnrollmentTokens(PageRequest{}); })).items.empty());
}

// Many writers race for the last uses: exactly max_uses of them win.
TEST_P(EnrollmentTest, ConcurrentConsumersNeverExceedMaxUses) {
  constexpr int kUses = 5;
  constexpr int kThreads = 4;
  constexpr int kTriesPerThread = 5;
  NewEnrollmentToken fresh{"race", "h-race", std::nullopt, std::nullopt, Now() + hours(1)};
  fresh.max_uses = kUses;
  const auto token = Must(store().Write([&](WriteTx& tx) { return tx.CreateEnrollmentToken(fresh); }));
  const Host host = MakeHost();
  std::atomic<int> won{0};
  std::atomic<int> refused{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kTriesPerThread; ++i) {
        // Read, then take, in one transaction: as the enroll handler does.
        auto done = store().Write([&](WriteTx& tx) -> Result<EnrollmentToken> {
          auto seen = tx.GetEnrollmentToken(token.id);
          if (!seen.ok()) return seen.error();
          return tx.ConsumeEnrollmentToken(token.id, host.id);
        });
        if (done.ok()) {
          ++won;
        } else if (done.error().code == ErrorCode::kConflict) {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(won.load(), kUses);
  EXPECT_EQ(refused.load(), kThreads * kTriesPerThread - kUses);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetEnrollmentToken(token.id); })).use_count, kUses);
}

INSTANTIATE_TEST_SUITE_P(store, EnrollmentTest, ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace rmgr::store::testing
