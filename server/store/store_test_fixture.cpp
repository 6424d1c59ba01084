#include "server/store/store_test_fixture.h"

#include "common/util/ulid.h"

namespace rmgr::store::testing {
namespace {

constexpr int64_t kStartMs = 1767225600000;  // 2026-01-01T00:00:00Z

}  // namespace

std::vector<Backend> AllBackends() {
  return {Backend{"sqlite", [](const std::filesystem::path& dir, std::function<TimePoint()> clock) {
                    SqliteOptions options;
                    options.clock = std::move(clock);
                    return OpenSqliteStore(dir / "store.db", std::move(options));
                  }}};
}

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

void MustOk(const Result<void>& result) {
  if (!result.ok()) throw std::runtime_error("unexpected error: " + result.error().Describe());
}

void StoreTest::SetUp() {
  now_ms_->store(kStartMs);
  dir_ = std::filesystem::temp_directory_path() / ("rmgr-store-test-" + NewUlid());
  std::filesystem::create_directories(dir_);
  Reopen();
}

void StoreTest::TearDown() {
  store_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void StoreTest::Reopen() {
  store_.reset();
  auto clock = [now = now_ms_] { return TimePoint(std::chrono::milliseconds(now->load())); };
  auto opened = GetParam().open(dir_, clock);
  ASSERT_TRUE(opened.ok()) << opened.error().Describe();
  store_ = std::move(*opened);
}

TimePoint StoreTest::Now() const {
  return TimePoint(std::chrono::milliseconds(now_ms_->load()));
}

void StoreTest::Advance(std::chrono::milliseconds by) {
  now_ms_->fetch_add(by.count());
}

std::string StoreTest::UniqueName(const char* prefix) {
  return std::string(prefix) + std::to_string(++names_);
}

Host StoreTest::MakeHost(const std::string& name) {
  NewHost host;
  host.name = name.empty() ? UniqueName("host-") : name;
  host.hostname = host.name + ".lan";
  return Must(store().Write([&](WriteTx& tx) { return tx.CreateHost(host); }));
}

Repository StoreTest::MakeRepository(const std::string& name) {
  Repository repository;
  repository.name = name.empty() ? UniqueName("repo-") : name;
  repository.url = "sftp:backup@nas:/srv/restic/" + repository.name;
  repository.secret_ciphertext = {0x01, 0x00, 0xff, 0x7f};
  repository.secret_nonce = {0xaa, 0xbb};
  return Must(store().Write([&](WriteTx& tx) { return tx.CreateRepository(repository); }));
}

SourceGroup StoreTest::MakeGroup(const std::string& host_id, const std::string& name) {
  SourceGroup group;
  group.host_id = host_id;
  group.name = name.empty() ? UniqueName("group-") : name;
  group.paths = {"/etc", "/home"};
  return Must(store().Write([&](WriteTx& tx) { return tx.CreateSourceGroup(group); }));
}

ScheduleChange StoreTest::MakeSchedule(const std::string& host_id, const std::string& repository_id,
                                       const std::vector<std::string>& group_ids, const std::string& name) {
  Schedule schedule;
  schedule.host_id = host_id;
  schedule.name = name.empty() ? UniqueName("schedule-") : name;
  schedule.cron = "0 3 * * *";
  schedule.repository_id = repository_id;
  schedule.source_group_ids = group_ids;
  return Must(store().Write([&](WriteTx& tx) { return tx.CreateSchedule(schedule); }));
}

Job StoreTest::MakeJob(const NewJob& job) {
  return Must(store().Write([&](WriteTx& tx) { return tx.CreateJob(job); }));
}

Job StoreTest::MakeJob(const std::string& host_id) {
  NewJob job;
  job.host_id = host_id;
  return MakeJob(job);
}

}  // namespace rmgr::store::testing
