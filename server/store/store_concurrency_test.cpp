// Store suite: concurrent writers lose nothing; readers see one consistent
// snapshot per Read while a writer commits.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "server/store/store_test_fixture.h"

namespace rmgr::store::testing {
namespace {

class ConcurrencyTest : public StoreTest {};

TEST_P(ConcurrencyTest, TwoWritersLoseNoWrites) {
  constexpr int kPerThread = 500;
  const Host host = MakeHost();
  std::atomic<int> failures{0};
  std::string first_error;
  std::mutex error_mutex;
  auto writer = [&](int thread, Durability durability) {
    for (int i = 0; i < kPerThread; ++i) {
      auto done = store().Write(
          [&](WriteTx& tx) -> Result<void> {
            NewJob job;
            job.host_id = host.id;
            auto made = tx.CreateJob(job);
            if (!made.ok()) return made.error();
            AuditEntry entry;
            entry.actor_kind = ActorKind::kApi;
            entry.actor_id = "writer-" + std::to_string(thread);
            entry.action = "job.run";
            entry.target_kind = "job";
            entry.target_id = made->id;
            auto logged = tx.AppendAudit(entry);
            if (!logged.ok()) return logged.error();
            return Ok();
          },
          durability);
      if (!done.ok()) {
        ++failures;
        const std::lock_guard lock(error_mutex);
        if (first_error.empty()) first_error = done.error().Describe();
      }
    }
  };
  // One writer asks for full durability, the other relaxed: the switch
  // between them happens under contention too.
  std::thread a(writer, 0, Durability::kFull);
  std::thread b(writer, 1, Durability::kRelaxed);
  a.join();
  b.join();
  ASSERT_EQ(failures.load(), 0) << first_error;

  JobFilter on_host;
  on_host.host_id = host.id;
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.CountJobs(on_host); })), 2 * kPerThread);
  std::set<std::string> audited_jobs;
  std::set<int64_t> audit_ids;
  PageRequest request{"", kMaxPageLimit};
  for (int pages = 0; pages < 10; ++pages) {
    const auto page = Must(store().Read([&](ReadTx& tx) { return tx.ListAudit({}, request); }));
    for (const auto& entry : page.items) {
      audited_jobs.insert(entry.target_id);
      audit_ids.insert(entry.id);
    }
    if (page.next_cursor.empty()) break;
    request.cursor = page.next_cursor;
  }
  EXPECT_EQ(audit_ids.size(), static_cast<size_t>(2 * kPerThread));
  EXPECT_EQ(audited_jobs.size(), static_cast<size_t>(2 * kPerThread));
}

TEST_P(ConcurrencyTest, ReadersSeeOneConsistentSnapshotWhileAWriterCommits) {
  constexpr int kWrites = 300;
  const Host host = MakeHost();
  JobFilter on_host;
  on_host.host_id = host.id;
  std::atomic<bool> writing{true};
  std::atomic<int> write_failures{0};
  std::atomic<int> inconsistent{0};
  std::atomic<int> read_failures{0};
  std::atomic<int> reads{0};

  // Invariant kept by every write transaction: the host's schedule version
  // equals the number of its jobs.
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) {
      auto done = store().Write(
          [&](WriteTx& tx) -> Result<void> {
            NewJob job;
            job.host_id = host.id;
            if (auto made = tx.CreateJob(job); !made.ok()) return made.error();
            if (auto bumped = tx.BumpHostScheduleVersion(host.id); !bumped.ok()) return bumped.error();
            return Ok();
          },
          Durability::kRelaxed);
      if (!done.ok()) ++write_failures;
    }
    writing = false;
  });
  auto reader = [&] {
    int64_t last_seen = 0;
    while (writing.load() || reads.load() < 4) {
      auto snapshot = store().Read([&](ReadTx& tx) -> Result<int64_t> {
        auto before = tx.GetHostScheduleVersion(host.id);
        if (!before.ok()) return before;
        auto count = tx.CountJobs(on_host);
        if (!count.ok()) return count;
        auto page = tx.ListJobs(on_host, PageRequest{"", kMaxPageLimit});
        if (!page.ok()) return page.error();
        auto after = tx.GetHostScheduleVersion(host.id);
        if (!after.ok()) return after;
        const bool consistent =
            *before == *count && *after == *before &&
            static_cast<int64_t>(page->items.size()) == std::min<int64_t>(*count, kMaxPageLimit);
        if (!consistent) ++inconsistent;
        return *before;
      });
      if (!snapshot.ok()) {
        ++read_failures;
        continue;
      }
      if (*snapshot < last_seen) ++inconsistent;  // committed state never goes back
      last_seen = *snapshot;
      ++reads;
    }
  };
  std::thread r1(reader);
  std::thread r2(reader);
  writer.join();
  r1.join();
  r2.join();
  EXPECT_EQ(write_failures.load(), 0);
  EXPECT_EQ(read_failures.load(), 0);
  EXPECT_EQ(inconsistent.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.CountJobs(on_host); })), kWrites);
}

TEST_P(ConcurrencyTest, MoreReadersThanConnectionsAllSucceed) {
  const Host host = MakeHost();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto read = store().Read([&](ReadTx& tx) { return tx.GetHost(host.id); });
        if (!read.ok() || read->name != host.name) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(store, ConcurrencyTest, ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace rmgr::store::testing
