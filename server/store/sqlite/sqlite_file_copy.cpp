#include "server/store/sqlite_file_copy.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "server/store/sqlite/migrations.h"

namespace rmgr::store {
namespace {

namespace fs = std::filesystem;

constexpr int kBusyTimeoutMs = 5000;
// backup_step(-1) takes one read transaction; BUSY only happens while another
// connection runs WAL recovery, so a few short retries are enough.
constexpr int kBusyRetries = 50;

// One raw connection, closed on every path.
class RawDb {
 public:
  RawDb() = default;
  ~RawDb() {
    if (db_ != nullptr) sqlite3_close_v2(db_);
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  Result<void> Open(const fs::path& file, int flags) {
    const int rc = sqlite3_open_v2(file.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) return Fail("cannot open " + file.string());
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    return Ok();
  }
  // Closes now (and reports it), so the file is complete before it is fsync'd.
  Result<void> Close() {
    const int rc = sqlite3_close(db_);
    if (rc != SQLITE_OK) return Fail("cannot close");
    db_ = nullptr;
    return Ok();
  }
  Error Fail(const std::string& what) const {
    return MakeError(ErrorCode::kUnavailable,
                     "store copy: " + what + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory"));
  }
  // The first column of every row of `sql`, as text.
  Result<std::vector<std::string>> Column(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) return Fail(sql);
    std::vector<std::string> rows;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(stmt, 0);
      rows.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) return Fail(sql);
    return rows;
  }
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

Result<void> CheckIntegrity(RawDb& db, const fs::path& file) {
  auto rows = db.Column("PRAGMA integrity_check");
  if (!rows) return rows.error();
  if (rows->size() != 1 || rows->front() != "ok") {
    return MakeError(ErrorCode::kMalformed, "store copy: " + file.string() +
                                                " fails PRAGMA integrity_check: " +
                                                (rows->empty() ? std::string("no answer") : rows->front()));
  }
  return Ok();
}

Result<StoreFileFacts> ReadFacts(RawDb& db) {
  StoreFileFacts facts;
  auto tables =
      db.Column("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  if (!tables) return tables.error();
  if (tables->empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "store copy: no schema_migrations; not a restic-manager database");
  }
  auto version = db.Column("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!version) return version.error();
  facts.schema_version = std::stoll(version->at(0));
  auto hosts = db.Column("SELECT count(*) FROM hosts");
  if (!hosts) return hosts.error();
  facts.host_count = std::stoll(hosts->at(0));
  return facts;
}

Result<void> SyncFile(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int saved = errno;
    if (fd >= 0) ::close(fd);
    return MakeError(ErrorCode::kUnavailable,
                     "store copy: cannot fsync " + file.string() + ": " + std::strerror(saved));
  }
  ::close(fd);
  return Ok();
}

Result<StoreFileFacts> CopyInto(const fs::path& source, const fs::path& dest) {
  RawDb from;
  // Read-write without CREATE: a missing store is an error, and a WAL
  // database needs write access to its -shm even to read.
  if (auto opened = from.Open(source, SQLITE_OPEN_READWRITE); !opened) return opened.error();
  RawDb to;
  if (auto opened = to.Open(dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE); !opened) return opened.error();
  sqlite3_backup* backup = sqlite3_backup_init(to.get(), "main", from.get(), "main");
  if (backup == nullptr) return to.Fail("cannot start the online backup");
  int rc = SQLITE_OK;
  for (int attempt = 0; attempt < kBusyRetries; ++attempt) {
    rc = sqlite3_backup_step(backup, -1);  // every page under one read transaction: one snapshot
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const int finished = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE || finished != SQLITE_OK) return to.Fail("online backup of " + source.string());
  // The copy carries the source's WAL flag; one self-contained file is what travels.
  auto mode = to.Column("PRAGMA journal_mode=DELETE");
  if (!mode) return mode.error();
  if (auto intact = CheckIntegrity(to, dest); !intact) return intact.error();
  auto facts = ReadFacts(to);
  if (!facts) return facts.error();
  if (auto closed = to.Close(); !closed) return closed.error();
  if (auto synced = SyncFile(dest); !synced) return synced.error();
  return facts;
}

}  // namespace

Result<StoreFileFacts> CopySqliteOnline(const fs::path& source, const fs::path& dest) {
  std::error_code ec;
  if (fs::exists(dest, ec)) {
    return MakeError(ErrorCode::kConflict, "store copy: " + dest.string() + " exists already");
  }
  auto copied = CopyInto(source, dest);
  if (!copied) {
    fs::remove(dest, ec);
    for (const char* suffix : {"-journal", "-wal", "-shm"}) fs::remove(fs::path(dest.string() + suffix), ec);
  }
  return copied;
}

Result<StoreFileFacts> InspectSqliteFile(const fs::path& file) {
  RawDb db;
  // Read-write without CREATE, but query-only: a WAL file's -shm needs write
  // access, and closing the last connection then removes -wal and -shm.
  if (auto opened = db.Open(file, SQLITE_OPEN_READWRITE); !opened) return opened.error();
  if (auto only = db.Column("PRAGMA query_only=ON"); !only) return only.error();
  if (auto intact = CheckIntegrity(db, file); !intact) return intact.error();
  return ReadFacts(db);
}

int64_t NewestSchemaVersion() {
  const auto migrations = sqlite::EmbeddedMigrations();
  return migrations.empty() ? 0 : migrations.back().version;
}

}  // namespace rmgr::store
