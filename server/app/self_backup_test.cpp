// backup-self and restore-self on a real SQLite store, real key and TLS
// files: a copy taken while the store stays open and is written to, restored
// into a new dir where the sealed secrets open again; and every way a file
// or a target can be wrong — wrong passphrase, truncation, a flipped byte,
// a non-empty target, a passphrase file others may read — refused before
// anything is written. The periodic task keeps the newest N and audits.
#include "server/app/self_backup.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "common/tls/self_signed.h"
#include "common/util/ulid.h"
#include "server/app/passphrase_input.h"
#include "server/app/self_backup_task.h"
#include "server/app/self_restore.h"
#include "server/app/server_config.h"
#include "server/auth/secret_box.h"
#include "server/auth/update_signing_key.h"
#include "server/store/sqlite/connection.h"
#include "server/store/sqlite/migrator.h"
#include "server/store/store.h"

namespace rmgr::server {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPassphrase = "correct horse battery staple";
constexpr const char* kRepositoryPassword = "the-repository-password";

std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void WriteBytes(const fs::path& path, const std::string& bytes,
                fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  fs::permissions(path, perms);
}

unsigned Mode(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_mode & 0777 : 0;
}

class SelfBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rmgr-selfbak-" + std::to_string(::getpid()) + "-" + NewUlid());
    fs::create_directories(data());
    // The cheapest Argon2id libsodium allows: these tests are about the file, not the KDF.
    options_.opslimit = crypto_pwhash_OPSLIMIT_MIN;
    options_.memlimit = crypto_pwhash_MEMLIMIT_MIN;
    options_.server_version = "test";
    WriteBytes(passphrase_file(), std::string(kPassphrase) + "\n");
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path data() const { return dir_ / "data"; }
  fs::path target() const { return dir_ / "restored"; }
  fs::path file() const { return dir_ / "backup.rmself"; }
  fs::path passphrase_file() const { return dir_ / "passphrase"; }
  SelfBackupSources sources() const { return SelfBackupSources::InDataDir(data()); }

  // The "running server": an open store with two hosts and a repository
  // whose password is sealed with the server key, and the self-signed pair.
  void MakeServer() {
    auto store = store::OpenSqliteStore(sources().database);
    ASSERT_TRUE(store.ok()) << store.error().Describe();
    store_ = std::move(*store);
    AddHost("alpha");
    AddHost("beta");
    auto box = auth::SecretBox::LoadOrCreate(sources().key);
    ASSERT_TRUE(box.ok()) << box.error().Describe();
    auto sealed = box->Seal(kRepositoryPassword);
    store::Repository repository;
    repository.name = "main";
    repository.url = "/srv/restic/main";
    repository.secret_nonce = sealed.nonce;
    repository.secret_ciphertext = sealed.ciphertext;
    auto made = store_->Write([&](store::WriteTx& tx) { return tx.CreateRepository(repository); });
    ASSERT_TRUE(made.ok()) << made.error().Describe();
    repository_id_ = made->id;
    auto tls = tls::CreateSelfSigned(tls::SelfSignedFilesIn(data()), {"localhost", "127.0.0.1"});
    ASSERT_TRUE(tls.ok()) << tls.error().Describe();
    auto update_key = auth::LoadOrCreateUpdateSigningKey(data());
    ASSERT_TRUE(update_key.ok()) << update_key.error().Describe();
  }

  void AddHost(const std::string& name) {
    store::NewHost host;
    host.name = name;
    auto made = store_->Write([&](store::WriteTx& tx) { return tx.CreateHost(host); });
    ASSERT_TRUE(made.ok()) << made.error().Describe();
  }

  Result<SelfBackupReport> Backup() { return WriteSelfBackup(sources(), file(), kPassphrase, options_); }

  // Restore must have refused: `code`, and the target dir never created.
  void ExpectRefused(const Result<RestoreReport>& restored, ErrorCode code, const std::string& what) {
    ASSERT_FALSE(restored.ok()) << what;
    EXPECT_EQ(restored.error().code, code) << what << ": " << restored.error().Describe();
    EXPECT_FALSE(fs::exists(target())) << what << ": a refused restore wrote something";
  }

  fs::path dir_;
  SelfBackupOptions options_;
  std::unique_ptr<store::Store> store_;
  std::string repository_id_;
};

TEST_F(SelfBackupTest, CopyOfAnOpenStoreRestoresIntoANewDirWhereSecretsOpen) {
  ASSERT_NO_FATAL_FAILURE(MakeServer());
  auto written = Backup();
  ASSERT_TRUE(written.ok()) << written.error().Describe();
  // Written after the copy: not in it.
  ASSERT_NO_FATAL_FAILURE(AddHost("after-the-copy"));
  EXPECT_EQ(Mode(file()), 0600U);
  EXPECT_EQ(written->manifest.host_count, 2);
  EXPECT_EQ(written->manifest.schema_version, store::NewestSchemaVersion());
  EXPECT_EQ(written->bytes, fs::file_size(file()));
  ASSERT_EQ(written->manifest.parts.size(), 5U);  // store, server.key, tls.crt, tls.key, update-signing.key
  // Nothing secret in clear: the key and the TLS key are sealed.
  const std::string bytes = ReadBytes(file());
  EXPECT_EQ(bytes.find(ReadBytes(sources().key)), std::string::npos);
  EXPECT_EQ(bytes.find("PRIVATE KEY"), std::string::npos);
  EXPECT_NE(bytes.find("BEGIN CERTIFICATE"), std::string::npos);

  auto restored = RestoreSelfBackup(file(), target(), kPassphrase, false);
  ASSERT_TRUE(restored.ok()) << restored.error().Describe();
  EXPECT_EQ(restored->restored.host_count, 2);
  EXPECT_EQ(restored->restored.schema_version, store::NewestSchemaVersion());
  EXPECT_TRUE(restored->tls);
  EXPECT_EQ(restored->manifest.created_at, written->manifest.created_at);
  const auto restored_files = SelfBackupSources::InDataDir(target());
  EXPECT_EQ(ReadBytes(restored_files.key), ReadBytes(sources().key));
  EXPECT_EQ(ReadBytes(restored_files.tls_cert), ReadBytes(sources().tls_cert));
  EXPECT_EQ(ReadBytes(restored_files.tls_key), ReadBytes(sources().tls_key));
  // The key agents pinned for updates comes back too (sealed in the file, never in clear).
  EXPECT_EQ(ReadBytes(restored_files.update_key), ReadBytes(sources().update_key));
  EXPECT_EQ(bytes.find(ReadBytes(sources().update_key)), std::string::npos);
  for (const auto& path :
       {restored_files.database, restored_files.key, restored_files.tls_key, restored_files.update_key}) {
    EXPECT_EQ(Mode(path), 0600U) << path;
  }
  EXPECT_FALSE(fs::exists(restored_files.database.string() + "-wal"));

  // The restored store opens as a start opens it, and its sealed password opens with the restored key.
  auto reopened = store::OpenSqliteStore(restored_files.database);
  ASSERT_TRUE(reopened.ok()) << reopened.error().Describe();
  auto repository = (*reopened)->Read([&](store::ReadTx& tx) { return tx.GetRepository(repository_id_); });
  ASSERT_TRUE(repository.ok()) << repository.error().Describe();
  auto box = auth::SecretBox::LoadOrCreate(restored_files.key);
  ASSERT_TRUE(box.ok()) << box.error().Describe();
  auto password = box->Open({repository->secret_nonce, repository->secret_ciphertext});
  ASSERT_TRUE(password.ok()) << password.error().Describe();
  EXPECT_EQ(*password, kRepositoryPassword);
}

// The online copy while another connection keeps committing: every copy is
// one consistent snapshot (integrity_check passes, the count is one the
// writer had committed) and the writer is never held up for long.
TEST_F(SelfBackupTest, OnlineCopyUnderConcurrentWritesIsOneConsistentSnapshot) {
  ASSERT_NO_FATAL_FAILURE(MakeServer());
  std::atomic<bool> stop{false};
  std::atomic<int> committed{2};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      store::NewHost host;
      host.name = "busy-" + std::to_string(i);
      if (store_->Write([&](store::WriteTx& tx) { return tx.CreateHost(host); }).ok()) ++committed;
    }
  });
  for (int round = 0; round < 5; ++round) {
    const int at_least = committed.load();
    const fs::path copy = dir_ / ("copy-" + std::to_string(round) + ".db");
    auto facts = store::CopySqliteOnline(sources().database, copy);
    const int at_most = committed.load();
    ASSERT_TRUE(facts.ok()) << facts.error().Describe();
    EXPECT_GE(facts->host_count, at_least);
    EXPECT_LE(facts->host_count, at_most + 1);  // one commit may not be counted yet
    auto reread = store::InspectSqliteFile(copy);
    ASSERT_TRUE(reread.ok()) << reread.error().Describe();
    EXPECT_EQ(reread->host_count, facts->host_count);
    EXPECT_FALSE(fs::exists(copy.string() + "-wal")) << "the copy is one self-contained file";
  }
  stop = true;
  writer.join();
  EXPECT_GT(committed.load(), 2) << "the writer went on while copies were taken";
}

TEST_F(SelfBackupTest, WrongPassphraseIsRefusedAndWritesNothing) {
  ASSERT_NO_FATAL_FAILURE(MakeServer());
  ASSERT_TRUE(Backup().ok());
  ExpectRefused(RestoreSelfBackup(file(), target(), "a different passphrase", false),
                ErrorCode::kUnauthenticated, "wrong passphrase");
}

TEST_F(SelfBackupTest, TruncatedFileIsRefusedAndWritesNothing) {
  ASSERT_NO_FATAL_FAILURE(MakeServer());
  ASSERT_TRUE(Backup().ok());
  const std::string whole = ReadBytes(file());
  for (std::size_t keep :
       {std::size_t{0}, std::size_t{10}, std::size_t{200}, whole.size() / 2, whole.size() - 1}) {
    WriteBytes(file(), whole.substr(0, keep));
    const auto restored = RestoreSelfBackup(file(), target(), kPassphrase, false);
    ExpectRefused(restored, ErrorCode::kMalformed, "cut to " + std::to_string(keep) + " bytes");
    if (!restored.ok() && keep > 200) {
      EXPECT_NE(restored.error().message.find("truncated"), std::string::npos) << restored.error().Describe();
    }
  }
  // And a byte too many.
  WriteBytes(file(), whole + "x");
  ExpectRefused(RestoreSelfBackup(file(), target(), kPassphrase, false), ErrorCode::kMalformed,
                "one byte more");
}

TEST_F(SelfBackupTest, FlippedByteAnywhereIsRefusedAndWritesNothing) {
  ASSERT_NO_FATAL_FAILURE(MakeServer());
  auto written = Backup();
  ASSERT_TRUE(written.ok()) << written.error().Describe();
  const std::string whole = ReadBytes(file());
  const auto& parts = written->manifest.parts;
  std::uint64_t parts_bytes = 0;
  for (const auto& part : parts) parts_bytes += part.size;
  const std::size_t header = whole.size() - parts_bytes;
  // Offsets: the magic, the manifest (its "host_count" digit), the tag, the
  // store's first and last pages, the sealed key, the certificate, the sealed TLS key.
  const std::size_t count_digit = whole.find("\"host_count\":2") + std::string("\"host_count\":").size();
  std::vector<std::size_t> offsets{0, count_digit, header - 1, header + 100, header + parts[0].size - 1};
  std::size_t at = header;
  for (const auto& part : parts) {
    if (part.name != "store") offsets.push_back(at + part.size / 2);
    at += part.size;
  }
  for (const std::size_t offset : offsets) {
    std::string bent = whole;
    bent[offset] = static_cast<char>(bent[offset] ^ 0x01);
    WriteBytes(file(), bent);
    const auto restored = RestoreSelfBackup(file(), target(), kPassphrase, false);
    ASSERT_FALSE(restored.ok()) << "byte " << offset << " flipped";
    EXPECT_FALSE(fs::exists(target())) << "byte " << offset << " flipped: a refused restore wrote something";
  }
}

TEST_F(SelfBackupTest, NonEmptyTargetIsRefusedUnlessForced) {
  ASSERT_NO_FATAL_FAILURE(MakeServer());
  ASSERT_TRUE(Backup().ok());
  fs::create_directories(target());
  WriteBytes(target() / "notes.txt", "the operator's");
  WriteBytes(target() / "restic-manager.db-wal", "a stale journal of another store");
  const auto refused = RestoreSelfBackup(file(), target(), kPassphrase, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict) << refused.error().Describe();
  EXPECT_FALSE(fs::exists(target() / "server.key"));

  const auto forced = RestoreSelfBackup(file(), target(), kPassphrase, true);
  ASSERT_TRUE(forced.ok()) << forced.error().Describe();
  EXPECT_EQ(forced->restored.host_count, 2);
  EXPECT_EQ(ReadBytes(target() / "notes.txt"), "the operator's");
  EXPECT_FALSE(fs::exists(target() / "restic-manager.db-wal"))
      << "a stale WAL would be replayed over the store";
}

TEST_F(SelfBackupTest, PassphraseFileOthersMayReadOrTooShortIsRefused) {
  EXPECT_TRUE(ReadPassphraseFile(passphrase_file()).ok());
  fs::permissions(passphrase_file(), fs::perms::group_read | fs::perms::others_read, fs::perm_options::add);
  const auto readable = ReadPassphraseFile(passphrase_file());
  ASSERT_FALSE(readable.ok());
  EXPECT_EQ(readable.error().code, ErrorCode::kPermissionDenied) << readable.error().Describe();
  WriteBytes(passphrase_file(), "short\n");
  const auto shorter = ReadPassphraseFile(passphrase_file());
  ASSERT_FALSE(shorter.ok());
  EXPECT_EQ(shorter.error().code, ErrorCode::kInvalidArgument);
  WriteBytes(passphrase_file(), std::string(kPassphrase) + "\r\nsecond line ignored\n");
  const auto first_line = ReadPassphraseFile(passphrase_file());
  ASSERT_TRUE(first_line.ok());
  EXPECT_EQ(*first_line, kPassphrase);
}

TEST_F(SelfBackupTest, UnfinishedKeyRotationIsRefused) {
  ASSERT_NO_FATAL_FAILURE(MakeServer());
  WriteBytes(sources().key.string() + ".next", std::string(32, 'k'));
  const auto written = Backup();
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, ErrorCode::kConflict) << written.error().Describe();
  EXPECT_FALSE(fs::exists(file()));
}

// A copy from an older server migrates when it is restored (as a start would).
TEST_F(SelfBackupTest, StoreOfAnOlderSchemaMigratesOnRestore) {
  const auto migrations = store::sqlite::EmbeddedMigrations();
  ASSERT_GE(migrations.size(), 2U);
  {
    auto conn = store::sqlite::Connection::Open(sources().database, std::chrono::milliseconds(5000));
    ASSERT_TRUE(conn.ok()) << conn.error().Describe();
    auto applied =
        store::sqlite::ApplyMigrations(**conn, migrations.first(migrations.size() - 1), Clock::now());
    ASSERT_TRUE(applied.ok()) << applied.error().Describe();
  }
  ASSERT_TRUE(auth::SecretBox::LoadOrCreate(sources().key).ok());
  auto written = Backup();
  ASSERT_TRUE(written.ok()) << written.error().Describe();
  EXPECT_EQ(written->manifest.schema_version, store::NewestSchemaVersion() - 1);
  EXPECT_EQ(written->manifest.parts.size(), 2U) << "no TLS pair in this data dir";
  auto restored = RestoreSelfBackup(file(), target(), kPassphrase, false);
  ASSERT_TRUE(restored.ok()) << restored.error().Describe();
  EXPECT_EQ(restored->restored.schema_version, store::NewestSchemaVersion());
  EXPECT_FALSE(restored->tls);
}

TEST_F(SelfBackupTest, PeriodicTaskKeepsTheNewestAndAudits) {
  ASSERT_NO_FATAL_FAILURE(MakeServer());
  const fs::path out = dir_ / "self-backups";
  fs::create_directories(out);
  for (const char* old :
       {"restic-manager-self-20200101T000000Z.rmself", "restic-manager-self-20210101T000000Z.rmself"}) {
    WriteBytes(out / old, "an older one");
  }
  WriteBytes(out / "unrelated.txt", "kept");
  boost::asio::io_context io;
  SelfBackupTask task(io.get_executor(), *store_,
                      SelfBackupTask::Settings{.dir = out,
                                               .interval = std::chrono::seconds(3600),
                                               .keep = 2,
                                               .passphrase_file = passphrase_file(),
                                               .sources = sources(),
                                               .options = options_});
  auto ran = task.RunOnce();
  ASSERT_TRUE(ran.ok()) << ran.error().Describe();
  EXPECT_TRUE(fs::exists(ran->file));
  EXPECT_FALSE(fs::exists(out / "restic-manager-self-20200101T000000Z.rmself"));
  EXPECT_TRUE(fs::exists(out / "restic-manager-self-20210101T000000Z.rmself"));
  EXPECT_TRUE(fs::exists(out / "unrelated.txt"));
  auto audit = store_->Read([](store::ReadTx& tx) {
    store::AuditFilter filter;
    filter.action = "server.self_backup";
    return tx.ListAudit(filter, store::PageRequest{});
  });
  ASSERT_TRUE(audit.ok()) << audit.error().Describe();
  ASSERT_EQ(audit->items.size(), 1U);
  EXPECT_EQ(audit->items[0].target_id, ran->file.filename().string());
  EXPECT_NE(audit->items[0].detail_json.find("\"host_count\":2"), std::string::npos)
      << audit->items[0].detail_json;

  // A passphrase file others may read: the start is refused, a run is audited as failed.
  fs::permissions(passphrase_file(), fs::perms::others_read, fs::perm_options::add);
  EXPECT_FALSE(task.Start().ok());
  EXPECT_FALSE(task.RunOnce().ok());
  auto failed = store_->Read([](store::ReadTx& tx) {
    store::AuditFilter filter;
    filter.action = "server.self_backup_failed";
    return tx.ListAudit(filter, store::PageRequest{});
  });
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->items.size(), 1U);
}

TEST(SelfBackupConfig, DirNeedsAPassphraseFileAndKeepIsBounded) {
  ServerFlags flags;
  flags.self_backup_dir = "/var/backups/restic-manager";
  auto config = ResolveConfig(flags);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "self_backup_passphrase_file");
  flags.self_backup_passphrase_file = "/etc/restic-manager/self-backup.pass";
  flags.self_backup_interval_seconds = 3600;
  config = ResolveConfig(flags);
  ASSERT_TRUE(config.ok()) << config.error().Describe();
  EXPECT_EQ(config->self_backup_interval, std::chrono::seconds(3600));
  EXPECT_EQ(config->self_backup_keep, 7);
  flags.self_backup_keep = 0;
  EXPECT_FALSE(ResolveConfig(flags).ok());
}

TEST(SelfBackupConfig, TomlKeys) {
  const fs::path file = fs::temp_directory_path() / ("rmgr-selfbak-" + NewUlid() + ".toml");
  std::ofstream(file) << "self_backup_dir = \"/var/backups/rm\"\n"
                         "self_backup_passphrase_file = \"/etc/rm/self.pass\"\n"
                         "self_backup_interval_seconds = 7200\n"
                         "self_backup_keep = 3\n";
  ServerFlags flags;
  flags.config_file = file.string();
  auto config = ResolveConfig(flags);
  fs::remove(file);
  ASSERT_TRUE(config.ok()) << config.error().Describe();
  EXPECT_EQ(config->self_backup_dir, fs::path("/var/backups/rm"));
  EXPECT_EQ(config->self_backup_passphrase_file, fs::path("/etc/rm/self.pass"));
  EXPECT_EQ(config->self_backup_interval, std::chrono::seconds(7200));
  EXPECT_EQ(config->self_backup_keep, 3);
}

}  // namespace
}  // namespace rmgr::server
