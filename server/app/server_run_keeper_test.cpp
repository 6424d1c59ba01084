// ServerRunKeeper: a run is recorded on start, kept alive by its timer and
// stamped stopped on a clean stop.
#include "server/app/server_run_keeper.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "common/util/ulid.h"
#include "server/store/store.h"

namespace rmgr::server {
namespace {

class ServerRunKeeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("rmgr-run-keeper-" + NewUlid());
    std::filesystem::create_directories(dir_);
    store::SqliteOptions options;
    options.clock = [this] { return TimePoint{std::chrono::milliseconds{now_ms_.load()}}; };
    auto opened = store::OpenSqliteStore(dir_ / "store.db", options);
    ASSERT_TRUE(opened.ok()) << opened.error().Describe();
    store_ = std::move(*opened);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  store::ServerRun Latest() {
    auto run = store_->Read([](store::ReadTx& tx) { return tx.GetLatestServerRun(); });
    EXPECT_TRUE(run.ok());
    return run.ok() ? *run : store::ServerRun{};
  }

  std::filesystem::path dir_;
  std::atomic<int64_t> now_ms_{1'767'225'600'000};  // 2026-01-01T00:00:00Z
  std::unique_ptr<store::Store> store_;
  boost::asio::io_context io_;
};

TEST_F(ServerRunKeeperTest, StartsTouchesAndStopsItsRun) {
  const TimePoint start{std::chrono::milliseconds{now_ms_.load()}};
  ServerRunKeeper keeper(io_.get_executor(), *store_, {std::chrono::milliseconds(1)});
  ASSERT_TRUE(keeper.Start().ok());
  EXPECT_EQ(keeper.RunId(), Latest().id);
  EXPECT_EQ(Latest().started_at, start);

  now_ms_ += 30'000;
  ASSERT_EQ(io_.run_one(), 1u);  // the keep-alive fired
  EXPECT_EQ(Latest().last_alive_at, start + std::chrono::seconds(30));
  EXPECT_FALSE(Latest().stopped_at);

  now_ms_ += 5'000;
  keeper.Stop();
  keeper.Stop();  // idempotent
  EXPECT_EQ(Latest().stopped_at, start + std::chrono::seconds(35));
  io_.restart();
  io_.poll();  // the cancelled wait completes without touching again
  EXPECT_EQ(Latest().last_alive_at, start + std::chrono::seconds(35));
}

}  // namespace
}  // namespace rmgr::server
