// SQLite-only behaviour of the store: migrations on open, refusing a newer
// or foreign database without touching it, WAL, and SQLITE_BUSY → kBusy.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <fstream>

#include "common/util/ulid.h"
#include "server/store/sqlite/migrations.h"
#include "server/store/store.h"

namespace rmgr::store {
namespace {

// A plain connection for poking at the file behind the store's back.
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& file) {
    EXPECT_EQ(sqlite3_open(file.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 2000);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void Exec(const std::string& sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (message == nullptr ? "" : message);
    sqlite3_free(message);
  }
  //! sqlite3_exec's result code, for statements that are meant to fail.
  int TryExec(const std::string& sql) { return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr); }
  //! First column of every row, as text.
  std::vector<std::string> Column(const std::string& sql) {
    std::vector<std::string> out;
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(stmt, 0);
      out.emplace_back(text == nullptr ? "" : reinterpret_cast<const char*>(text));
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string ReadBytes(const std::filesystem::path& file) {
  std::string bytes(std::filesystem::file_size(file), '\0');
  std::ifstream in(file, std::ios::binary);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

// Parameterized only so the names carry the "store/" prefix of the suite.
class SqliteStoreFile : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("rmgr-sqlite-test-" + NewUlid());
    std::filesystem::create_directories(dir_);
    file_ = dir_ / "store.db";
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::unique_ptr<Store> Open(SqliteOptions options = {}) {
    auto opened = OpenSqliteStore(file_, std::move(options));
    EXPECT_TRUE(opened.ok()) << opened.error().Describe();
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  std::filesystem::path dir_;
  std::filesystem::path file_;
};

TEST_P(SqliteStoreFile, EmbeddedMigrationsAreNumberedWithoutGaps) {
  const auto migrations = sqlite::EmbeddedMigrations();
  ASSERT_FALSE(migrations.empty());
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i + 1));
    EXPECT_FALSE(migrations[i].sql.empty());
  }
  EXPECT_EQ(migrations[0].name, "0001_initial");
}

TEST_P(SqliteStoreFile, MigratesAnEmptyFileAndRecordsEachMigration) {
  ASSERT_NE(Open(), nullptr);
  RawDb raw(file_);
  std::vector<std::string> expected;
  for (const auto& migration : sqlite::EmbeddedMigrations()) {
    expected.push_back(std::to_string(migration.version) + ":" + std::string(migration.name));
  }
  EXPECT_EQ(raw.Column("SELECT version || ':' || name FROM schema_migrations ORDER BY version"), expected);
  EXPECT_EQ(expected.front(), "1:0001_initial");
  EXPECT_EQ(raw.Column("PRAGMA journal_mode"), std::vector<std::string>{"wal"});
  const auto tables = raw.Column("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  for (const char* table :
       {"api_tokens", "audit_log", "enrollment_tokens", "hosts", "job_logs", "jobs", "notification_channels",
        "pending_runs", "repositories", "schedule_group_state", "schedule_source_groups", "schedules",
        "sessions", "snapshots", "source_groups", "users", "window_notes", "host_presence", "server_runs"}) {
    EXPECT_NE(std::find(tables.begin(), tables.end(), table), tables.end()) << table;
  }
}

TEST_P(SqliteStoreFile, ReopeningAppliesNothingAndKeepsData) {
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Write([](WriteTx& tx) { return tx.CreateHost(NewHost{"kept", "", true, ""}); }).ok());
  }
  const auto applied_before = RawDb(file_).Column("SELECT applied_at FROM schema_migrations");
  SqliteOptions later;
  later.clock = [] { return Clock::now() + std::chrono::hours(48); };
  auto store = Open(later);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->Read([](ReadTx& tx) { return tx.GetHostByName("kept"); }).ok());
  EXPECT_EQ(RawDb(file_).Column("SELECT applied_at FROM schema_migrations"), applied_before);
}

// 0005 gives every job fired for a slot its window (window_slot = scheduled_at).
TEST_P(SqliteStoreFile, WindowRecordMigrationBackFillsJobWindowsFromTheirSlots) {
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store
                    ->Write([](WriteTx& tx) -> Result<void> {
                      auto host = tx.CreateHost(NewHost{"h", "", true, ""});
                      if (!host.ok()) return host.error();
                      NewJob fired;
                      fired.host_id = host->id;
                      fired.scheduled_at = TimePoint{std::chrono::seconds{1767225600}};
                      if (auto job = tx.CreateJob(fired); !job.ok()) return job.error();
                      NewJob manual;
                      manual.host_id = host->id;
                      if (auto job = tx.CreateJob(manual); !job.ok()) return job.error();
                      return Ok();
                    })
                    .ok());
  }
  {
    // Back to the schema before 0005, with the jobs as they were then (the
    // later migrations undone first).
    RawDb raw(file_);
    raw.Exec(
        "ALTER TABLE enrollment_tokens DROP COLUMN max_uses;"
        " ALTER TABLE enrollment_tokens DROP COLUMN use_count;"
        " ALTER TABLE enrollment_tokens DROP COLUMN labels;"
        " ALTER TABLE enrollment_tokens DROP COLUMN last_used_at;"
        " DROP TABLE rollout_hosts; DROP TABLE rollouts;"
        " ALTER TABLE hosts DROP COLUMN labels; ALTER TABLE notification_channels DROP COLUMN host_selector;"
        " DROP TABLE alerts; DROP TABLE alert_rules; ALTER TABLE hosts DROP COLUMN schedule_changed_at;"
        " DROP INDEX jobs_schedule_finished; DROP INDEX jobs_host_repository_finished;"
        "DROP TABLE notification_deliveries;"
        " DROP TABLE user_totp; DROP TABLE user_recovery_codes; DROP TABLE login_challenges; DROP TABLE "
        "server_settings;"
        "DROP TABLE repository_stats; DROP INDEX jobs_repository_kind;"
        " ALTER TABLE schedules DROP COLUMN max_runtime_s;"
        " DROP TRIGGER jobs_error_kind_insert; DROP TRIGGER jobs_error_kind_update;"
        " DROP TABLE window_notes; DROP TABLE host_presence; DROP TABLE server_runs;"
        " DROP INDEX jobs_schedule_window; ALTER TABLE jobs DROP COLUMN window_slot;"
        " ALTER TABLE hosts DROP COLUMN restore_root; ALTER TABLE hosts DROP COLUMN restore_anywhere;"
        " ALTER TABLE hosts DROP COLUMN hook_policy; ALTER TABLE hosts DROP COLUMN hook_allow;"
        " ALTER TABLE repositories DROP COLUMN maintenance_minutes; ALTER TABLE repositories DROP COLUMN maintenance_cron;"
        " ALTER TABLE repositories DROP COLUMN max_concurrent_backups; ALTER TABLE jobs DROP COLUMN wait_reason;"
        " DELETE FROM schema_migrations WHERE version >= 5");
  }
  ASSERT_NE(Open(), nullptr);
  EXPECT_EQ(RawDb(file_).Column("SELECT COALESCE(window_slot, 'null') FROM jobs ORDER BY id"),
            (std::vector<std::string>{"1767225600000", "null"}));
}

// 0010 rebuilds jobs and schedules: every row, link, index and trigger
// survives, and the foreign keys still point at the rebuilt tables.
TEST_P(SqliteStoreFile, StatsMigrationRebuildKeepsRowsLinksIndexesAndTriggers) {
  std::string job_id;
  std::string host_id;
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store
                    ->Write([&](WriteTx& tx) -> Result<void> {
                      auto host = tx.CreateHost(NewHost{"h", "", true, ""});
                      if (!host.ok()) return host.error();
                      host_id = host->id;
                      Repository repository;
                      repository.name = "r";
                      repository.url = "/r";
                      repository.secret_ciphertext = {1};
                      repository.secret_nonce = {2};
                      auto repo = tx.CreateRepository(repository);
                      if (!repo.ok()) return repo.error();
                      SourceGroup group;
                      group.host_id = host->id;
                      group.name = "g";
                      group.paths = {"/data"};
                      auto made_group = tx.CreateSourceGroup(group);
                      if (!made_group.ok()) return made_group.error();
                      Schedule schedule;
                      schedule.host_id = host->id;
                      schedule.name = "s";
                      schedule.cron = "0 3 * * *";
                      schedule.repository_id = repo->id;
                      schedule.source_group_ids = {made_group->id};
                      schedule.max_runtime = std::chrono::seconds(60);
                      auto made_schedule = tx.CreateSchedule(schedule);
                      if (!made_schedule.ok()) return made_schedule.error();
                      NewJob fired;
                      fired.host_id = host->id;
                      fired.schedule_id = made_schedule->schedule.id;
                      fired.source_group_id = made_group->id;
                      fired.repository_id = repo->id;
                      fired.scheduled_at = TimePoint{std::chrono::seconds{1767225600}};
                      auto job = tx.CreateJob(fired);
                      if (!job.ok()) return job.error();
                      job_id = job->id;
                      if (auto moved = tx.TransitionJob(job->id, JobStatus::kDispatched); !moved.ok()) {
                        return moved.error();
                      }
                      const JobLogLine line{0, LogStream::kAgent, TimePoint{}, "kept"};
                      if (auto logged = tx.AppendJobLogs(job->id, std::span(&line, 1)); !logged.ok()) {
                        return logged.error();
                      }
                      return Ok();
                    })
                    .ok());
  }
  {
    // As before 0010 (its table gone, its record dropped): the rebuild runs over these rows.
    RawDb raw(file_);
    raw.Exec(
        "ALTER TABLE enrollment_tokens DROP COLUMN max_uses;"
        " ALTER TABLE enrollment_tokens DROP COLUMN use_count;"
        " ALTER TABLE enrollment_tokens DROP COLUMN labels;"
        " ALTER TABLE enrollment_tokens DROP COLUMN last_used_at;"
        " DROP TABLE rollout_hosts; DROP TABLE rollouts;"
        " ALTER TABLE hosts DROP COLUMN labels; ALTER TABLE notification_channels DROP COLUMN host_selector;"
        " DROP TABLE repository_stats; DROP INDEX jobs_repository_kind;"
        " DROP TABLE user_totp; DROP TABLE user_recovery_codes; DROP TABLE login_challenges; DROP TABLE "
        "server_settings;"
        " ALTER TABLE hosts DROP COLUMN restore_root; ALTER TABLE hosts DROP COLUMN restore_anywhere;"
        " ALTER TABLE hosts DROP COLUMN hook_policy; ALTER TABLE hosts DROP COLUMN hook_allow;"
        " ALTER TABLE repositories DROP COLUMN maintenance_minutes; ALTER TABLE repositories DROP COLUMN maintenance_cron;"
        " ALTER TABLE repositories DROP COLUMN max_concurrent_backups; ALTER TABLE jobs DROP COLUMN wait_reason;"
        " DELETE FROM schema_migrations WHERE version >= 10");
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  RawDb raw(file_);
  EXPECT_EQ(raw.Column("SELECT count(*) FROM job_logs"), std::vector<std::string>{"1"});
  EXPECT_EQ(raw.Column("SELECT count(*) FROM schedule_source_groups"), std::vector<std::string>{"1"});
  EXPECT_EQ(raw.Column("SELECT max_runtime_s FROM schedules"), std::vector<std::string>{"60"});
  EXPECT_EQ(raw.Column("SELECT current_job_id FROM hosts"), std::vector<std::string>{job_id});
  EXPECT_EQ(
      raw.Column("SELECT count(*) FROM sqlite_master WHERE name IN ('jobs_created', 'jobs_host_created',"
                 " 'jobs_status_created', 'jobs_kind_created', 'jobs_source_group', 'jobs_repository',"
                 " 'jobs_schedule_window', 'jobs_error_kind_insert', 'jobs_error_kind_update',"
                 " 'schedules_repository', 'schedules_name')"),
      std::vector<std::string>{"11"});
  EXPECT_EQ(raw.Column("SELECT count(*) FROM sqlite_master WHERE name LIKE '%_0010'"),
            std::vector<std::string>{"0"});
  // The foreign keys act on the rebuilt tables: deleting the host takes its job and the job its log.
  ASSERT_TRUE(store->Write([&](WriteTx& tx) { return tx.DeleteHost(host_id); }).ok());
  EXPECT_EQ(raw.Column("SELECT count(*) FROM jobs"), std::vector<std::string>{"0"});
  EXPECT_EQ(raw.Column("SELECT count(*) FROM job_logs"), std::vector<std::string>{"0"});
  EXPECT_EQ(raw.Column("SELECT count(*) FROM schedules"), std::vector<std::string>{"0"});
}

// jobs.error_kind keeps each kind by name and "none" as '' (as before
// 0006); 0006 refuses any other text.
// 0013 rebuilds sessions: a browser logged in before the upgrade stays
// logged in, with a public id and last_used_at = created_at.
TEST_P(SqliteStoreFile, AccountsMigrationKeepsSessionsAndGivesThemAnId) {
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(
        store
            ->Write([&](WriteTx& tx) -> Result<void> {
              auto user = tx.CreateUser(NewUser{"alice", "$argon2id$x", "admin"});
              if (!user.ok()) return user.error();
              Session session{"kept-hash", user->id, "csrf", {}, TimePoint{std::chrono::hours(500000)}};
              if (auto made = tx.CreateSession(session); !made.ok()) return made.error();
              return Ok();
            })
            .ok());
  }
  {
    // Back to the sessions table of 0001, without 0013's tables.
    RawDb raw(file_);
    raw.Exec(
        "ALTER TABLE enrollment_tokens DROP COLUMN max_uses;"
        " ALTER TABLE enrollment_tokens DROP COLUMN use_count;"
        " ALTER TABLE enrollment_tokens DROP COLUMN labels;"
        " ALTER TABLE enrollment_tokens DROP COLUMN last_used_at;"
        " DROP TABLE rollout_hosts; DROP TABLE rollouts;"
        " CREATE TABLE sessions_old (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users (id)"
        " ON DELETE CASCADE, csrf_hash TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT "
        "NULL);"
        " INSERT INTO sessions_old SELECT token_hash, user_id, csrf_hash, created_at, expires_at FROM "
        "sessions;"
        " DROP TABLE sessions; ALTER TABLE sessions_old RENAME TO sessions;"
        " CREATE INDEX sessions_user ON sessions (user_id); CREATE INDEX sessions_expires ON sessions "
        "(expires_at);"
        " DROP TABLE user_totp; DROP TABLE user_recovery_codes; DROP TABLE login_challenges;"
        " ALTER TABLE repositories DROP COLUMN maintenance_minutes; ALTER TABLE repositories DROP COLUMN maintenance_cron;"
        " ALTER TABLE repositories DROP COLUMN max_concurrent_backups; ALTER TABLE jobs DROP COLUMN wait_reason;"
        " DROP TABLE server_settings; DELETE FROM schema_migrations WHERE version >= 13");
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto session = store->Read([](ReadTx& tx) { return tx.GetSession("kept-hash"); });
  ASSERT_TRUE(session.ok()) << session.error().Describe();
  EXPECT_EQ(session->id.size(), 32u);
  EXPECT_EQ(session->last_used_at, session->created_at);
  EXPECT_EQ(session->client_address, "");
}

// 0015 makes enrollment tokens reusable: a token used before the upgrade
// has had its one use, an unused one keeps it.
TEST_P(SqliteStoreFile, ReusableTokensMigrationCountsTheUseOfUsedTokens) {
  std::string used_id;
  std::string fresh_id;
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store
                    ->Write([&](WriteTx& tx) -> Result<void> {
                      auto host = tx.CreateHost(NewHost{"web", "", true, ""});
                      if (!host.ok()) return host.error();
                      const TimePoint later = TimePoint{std::chrono::hours(600000)};
                      auto used = tx.CreateEnrollmentToken(NewEnrollmentToken{"u", "h1", {}, {}, later});
                      if (!used.ok()) return used.error();
                      auto fresh = tx.CreateEnrollmentToken(NewEnrollmentToken{"f", "h2", {}, {}, later});
                      if (!fresh.ok()) return fresh.error();
                      used_id = used->id;
                      fresh_id = fresh->id;
                      auto consumed = tx.ConsumeEnrollmentToken(used->id, host->id);
                      if (!consumed.ok()) return consumed.error();
                      return Ok();
                    })
                    .ok());
  }
  {
    RawDb raw(file_);
    raw.Exec(
        "ALTER TABLE enrollment_tokens DROP COLUMN max_uses;"
        " ALTER TABLE enrollment_tokens DROP COLUMN use_count;"
        " ALTER TABLE enrollment_tokens DROP COLUMN labels;"
        " ALTER TABLE enrollment_tokens DROP COLUMN last_used_at;"
        " ALTER TABLE repositories DROP COLUMN maintenance_minutes; ALTER TABLE repositories DROP COLUMN maintenance_cron;"
        " ALTER TABLE repositories DROP COLUMN max_concurrent_backups; ALTER TABLE jobs DROP COLUMN wait_reason;"
        " DELETE FROM schema_migrations WHERE version >= 15");
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto used = store->Read([&](ReadTx& tx) { return tx.GetEnrollmentToken(used_id); });
  ASSERT_TRUE(used.ok()) << used.error().Describe();
  EXPECT_EQ(used->max_uses, 1);
  EXPECT_EQ(used->use_count, 1);
  EXPECT_EQ(used->last_used_at, used->used_at);
  EXPECT_TRUE(used->labels.empty());
  EXPECT_EQ(used->StatusAt(used->created_at), EnrollmentStatus::kUsed);
  auto fresh = store->Read([&](ReadTx& tx) { return tx.GetEnrollmentToken(fresh_id); });
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->use_count, 0);
  EXPECT_FALSE(fresh->last_used_at.has_value());
  EXPECT_EQ(fresh->StatusAt(fresh->created_at), EnrollmentStatus::kActive);
}

// 0017 rebuilds rollout_hosts for the rolling_back state: the rows of a
// rollout started before it survive, and the CHECK still refuses other names.
TEST_P(SqliteStoreFile, RolloutRollbackMigrationKeepsHostRowsAndAllowsRollingBack) {
  std::string rollout_id;
  std::string host_id;
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store
                    ->Write([&](WriteTx& tx) -> Result<void> {
                      auto host = tx.CreateHost(NewHost{"h", "", true, ""});
                      if (!host.ok()) return host.error();
                      host_id = host->id;
                      NewRollout rollout;
                      rollout.version = "9.0.0";
                      rollout.bundle_path = "/api/v1/agent/releases/9.0.0/bundle";
                      rollout.bundle_size = 10;
                      rollout.bundle_sha256 = std::string(64, 'a');
                      rollout.signature = std::string(128, 'b');
                      rollout.host_ids = {host->id};
                      auto made = tx.CreateRollout(rollout);
                      if (!made.ok()) return made.error();
                      rollout_id = made->id;
                      return tx.SetRolloutHostState(made->id, host->id, RolloutHostState::kDone, "",
                                                    std::nullopt, std::string("0.1.0"));
                    })
                    .ok());
  }
  {
    // Back to rollout_hosts as 0014 made it.
    RawDb raw(file_);
    raw.Exec(
        "CREATE TABLE rollout_hosts_old (rollout_id TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,"
        " host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE, position INTEGER NOT NULL,"
        " wave INTEGER NOT NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'updating', 'done', "
        "'failed',"
        " 'rolled_back', 'skipped')), from_version TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '',"
        " deadline_at INTEGER, updated_at INTEGER NOT NULL, PRIMARY KEY (rollout_id, host_id));"
        " INSERT INTO rollout_hosts_old SELECT * FROM rollout_hosts; DROP TABLE rollout_hosts;"
        " ALTER TABLE rollout_hosts_old RENAME TO rollout_hosts;"
        " CREATE INDEX rollout_hosts_host ON rollout_hosts (host_id);"
        " DELETE FROM schema_migrations WHERE version >= 17");
    EXPECT_NE(raw.TryExec("UPDATE rollout_hosts SET state = 'rolling_back'"), SQLITE_OK);
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store
                  ->Write([&](WriteTx& tx) {
                    return tx.SetRolloutHostState(rollout_id, host_id, RolloutHostState::kRollingBack, "",
                                                  std::nullopt);
                  })
                  .ok());
  auto rollout = store->Read([&](ReadTx& tx) { return tx.GetRollout(rollout_id); });
  ASSERT_TRUE(rollout.ok()) << rollout.error().Describe();
  ASSERT_EQ(rollout->hosts.size(), 1u);
  EXPECT_EQ(rollout->hosts[0].state, RolloutHostState::kRollingBack);
  EXPECT_EQ(rollout->hosts[0].from_version, "0.1.0");
  RawDb raw(file_);
  EXPECT_NE(raw.TryExec("UPDATE rollout_hosts SET state = 'reverting'"), SQLITE_OK);
  EXPECT_EQ(raw.Column("SELECT count(*) FROM sqlite_master WHERE name IN ('rollout_hosts_host')"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(raw.Column("SELECT count(*) FROM sqlite_master WHERE name LIKE '%_0017'"),
            std::vector<std::string>{"0"});
  // The foreign keys act on the rebuilt table: deleting the host takes its row.
  ASSERT_TRUE(store->Write([&](WriteTx& tx) { return tx.DeleteHost(host_id); }).ok());
  EXPECT_EQ(raw.Column("SELECT count(*) FROM rollout_hosts"), std::vector<std::string>{"0"});
}

TEST_P(SqliteStoreFile, ErrorKindIsStoredByNameWithNoneAsEmptyAndNothingElse) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store
          ->Write([](WriteTx& tx) -> Result<void> {
            auto host = tx.CreateHost(NewHost{"h", "", true, ""});
            if (!host.ok()) return host.error();
            for (const ErrorKind kind : {ErrorKind::kHookFailed, ErrorKind::kNone}) {
              NewJob job;
              job.host_id = host->id;
              auto made = tx.CreateJob(job);
              if (!made.ok()) return made.error();
              auto finished = tx.FinishJob(made->id, JobResult{JobStatus::kFailed, 1, "x", kind, "", ""});
              if (!finished.ok()) return finished.error();
              if (finished->job.error_kind != kind)
                return MakeError(ErrorCode::kInternal, "read back differs");
            }
            return Ok();
          })
          .ok());
  RawDb raw(file_);
  EXPECT_EQ(raw.Column("SELECT error_kind FROM jobs ORDER BY error_kind DESC"),
            (std::vector<std::string>{"hook_failed", ""}));
  EXPECT_NE(raw.TryExec("UPDATE jobs SET error_kind = 'restic'"), SQLITE_OK);
  EXPECT_EQ(raw.TryExec("UPDATE jobs SET error_kind = 'lost'"), SQLITE_OK);
}

TEST_P(SqliteStoreFile, RefusesANewerSchemaAndLeavesTheFileUntouched) {
  ASSERT_NE(Open(), nullptr);
  RawDb(file_).Exec(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future', 0)");
  const std::string before = ReadBytes(file_);
  ASSERT_FALSE(before.empty());

  auto opened = OpenSqliteStore(file_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kSchemaTooNew);
  EXPECT_NE(opened.error().message.find("9999"), std::string::npos) << opened.error().message;
  EXPECT_EQ(ReadBytes(file_), before);
  EXPECT_EQ(RawDb(file_).Column("SELECT max(version) FROM schema_migrations"),
            std::vector<std::string>{"9999"});
}

TEST_P(SqliteStoreFile, RefusesAForeignDatabaseAndLeavesItUntouched) {
  RawDb(file_).Exec("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)");
  const std::string before = ReadBytes(file_);
  auto opened = OpenSqliteStore(file_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ReadBytes(file_), before);
}

TEST_P(SqliteStoreFile, ALockHeldPastTheBusyTimeoutIsKBusy) {
  SqliteOptions options;
  options.busy_timeout = std::chrono::milliseconds(150);
  auto store = Open(options);
  ASSERT_NE(store, nullptr);
  RawDb other(file_);  // another process, say
  other.Exec("BEGIN IMMEDIATE");
  const auto start = std::chrono::steady_clock::now();
  auto blocked = store->Write([](WriteTx& tx) { return tx.CreateHost(NewHost{"h", "", true, ""}); });
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, ErrorCode::kBusy);
  EXPECT_GE(waited, std::chrono::milliseconds(100));
  // Readers are not blocked by a writer in WAL mode.
  EXPECT_TRUE(store->Read([](ReadTx& tx) { return tx.ListRepositories(); }).ok());
  other.Exec("ROLLBACK");
  EXPECT_TRUE(store->Write([](WriteTx& tx) { return tx.CreateHost(NewHost{"h", "", true, ""}); }).ok());
}

TEST_P(SqliteStoreFile, RejectsBadOptionsAndUnopenablePaths) {
  SqliteOptions no_readers;
  no_readers.read_connections = 0;
  auto opened = OpenSqliteStore(file_, no_readers);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(opened.error().field, "read_connections");
  auto nowhere = OpenSqliteStore(dir_ / "no" / "such" / "dir" / "x.db");
  ASSERT_FALSE(nowhere.ok());
  EXPECT_EQ(nowhere.error().code, ErrorCode::kUnavailable);
}

TEST_P(SqliteStoreFile, ReaderConnectionsCannotWrite) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  // A ReadTx is a WriteTx underneath; a downcast write still fails safely.
  auto written = store->Read([](ReadTx& tx) -> Result<void> {
    auto* writable = dynamic_cast<WriteTx*>(&tx);
    if (writable == nullptr) return Ok();
    auto made = writable->CreateHost(NewHost{"sneaky", "", true, ""});
    if (!made.ok()) return made.error();
    return Ok();
  });
  EXPECT_FALSE(written.ok());
  EXPECT_FALSE(store->Read([](ReadTx& tx) { return tx.GetHostByName("sneaky"); }).ok());
}

std::string ParamName(const ::testing::TestParamInfo<std::string>& param_info) {
  return param_info.param;
}

INSTANTIATE_TEST_SUITE_P(store, SqliteStoreFile, ::testing::Values("sqlite"), ParamName);

}  // namespace
}  // namespace rmgr::store
