#include "server/store/sqlite/connection.h"

#include <sqlite3.h>

#include <array>

#include "common/util/log.h"

namespace rmgr::store::sqlite {
namespace {

// Statements beyond this many distinct SQL texts are run uncached; the store
// only has a bounded set of texts, so this is a guard, not a tuning knob.
constexpr size_t kMaxCachedStatements = 256;

//! Unique keys whose SQLite column list says little to a caller.
struct KnownUnique {
  std::string_view columns;  // as SQLite names them after "constraint failed: "
  std::string_view message;
  std::string_view field;
};
constexpr std::array<KnownUnique, 6> kKnownUniques = {{
    {"jobs.schedule_id, jobs.scheduled_at, jobs.fire_group",
     "a job for this schedule, fire slot and source group already exists", "scheduled_at"},
    {"hosts.name", "a host with this name already exists", "name"},
    {"hosts.token_hash", "this agent token is already in use", "token_hash"},
    {"repositories.name", "a repository with this name already exists", "name"},
    {"source_groups.host_id, source_groups.name", "the host already has a source group with this name",
     "name"},
    {"schedules.host_id, schedules.name", "the host already has a schedule with this name", "name"},
}};

// "UNIQUE constraint failed: hosts.name" → "hosts.name".
std::string_view AfterColon(std::string_view message) {
  const auto colon = message.find(": ");
  return colon == std::string_view::npos ? message : message.substr(colon + 2);
}

Error UniqueError(std::string_view message) {
  const std::string_view columns = AfterColon(message);
  for (const auto& known : kKnownUniques) {
    if (known.columns == columns) {
      return MakeError(ErrorCode::kConflict, std::string(known.message), std::string(known.field));
    }
  }
  const auto dot = columns.rfind('.');
  const std::string field(dot == std::string_view::npos ? std::string_view{} : columns.substr(dot + 1));
  return MakeError(ErrorCode::kConflict, "already exists: " + std::string(columns), field);
}

Error ConstraintError(int rc, std::string_view message) {
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return UniqueError(message);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return MakeError(ErrorCode::kConstraint,
                       "a referenced record does not exist, or the record is still referenced");
    case SQLITE_CONSTRAINT_NOTNULL:
      return MakeError(ErrorCode::kConstraint, "missing value: " + std::string(AfterColon(message)));
    default:
      return MakeError(ErrorCode::kConstraint, "invalid value: " + std::string(AfterColon(message)));
  }
}

}  // namespace

// ------------------------------------------------------------------ Row --

int64_t Row::Int(int col) const {
  return sqlite3_column_int64(stmt_, col);
}

bool Row::Bool(int col) const {
  return Int(col) != 0;
}

std::string Row::Text(int col) const {
  const auto* text = sqlite3_column_text(stmt_, col);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<std::string> Row::OptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}

std::optional<int> Row::OptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return sqlite3_column_int(stmt_, col);
}

TimePoint Row::Time(int col) const {
  return FromUnixMs(Int(col));
}

std::optional<TimePoint> Row::OptTime(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Time(col);
}

std::chrono::seconds Row::Seconds(int col) const {
  return std::chrono::seconds(Int(col));
}

std::vector<uint8_t> Row::Blob(int col) const {
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
  const auto size = static_cast<size_t>(sqlite3_column_bytes(stmt_, col));
  if (data == nullptr) return {};
  return std::vector<uint8_t>(data, data + size);
}

std::vector<std::string> Row::StringList(int col) {
  const std::string text = Text(col);
  if (auto list = DecodeStringList(text)) return std::move(*list);
  NoteBad(col, text);
  return {};
}

std::map<std::string, std::string> Row::StringMap(int col) {
  const std::string text = Text(col);
  if (auto map = DecodeStringMap(text)) return std::move(*map);
  NoteBad(col, text);
  return {};
}

bool Row::IsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

void Row::NoteBad(int col, std::string_view value) {
  if (error_) return;
  const char* name = sqlite3_column_name(stmt_, col);
  error_ = MakeError(ErrorCode::kInternal, "store: undecodable value in column " +
                                               std::string(name == nullptr ? "?" : name) + ": \"" +
                                               std::string(value.substr(0, 64)) + "\"");
}

// ------------------------------------------------------------ Statement --

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (cached_in_use_ == nullptr) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *cached_in_use_ = false;
}

Statement::Statement(Statement&& other) noexcept
    : conn_(other.conn_), stmt_(std::exchange(other.stmt_, nullptr)), cached_in_use_(other.cached_in_use_) {}

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return conn_->ErrorFor(rc);
}

Result<void> Statement::BindValues(std::span<const SqlValue> values) {
  int index = 0;
  for (const auto& value : values) {
    ++index;
    auto bound = std::holds_alternative<int64_t>(value) ? BindInt(index, std::get<int64_t>(value))
                                                        : BindText(index, std::get<std::string>(value));
    if (!bound.ok()) return bound;
  }
  return Ok();
}

Result<void> Statement::Check(int rc) {
  if (rc == SQLITE_OK) return Ok();
  return conn_->ErrorFor(rc);
}

Result<void> Statement::BindNull(int index) {
  return Check(sqlite3_bind_null(stmt_, index));
}

Result<void> Statement::BindInt(int index, int64_t value) {
  return Check(sqlite3_bind_int64(stmt_, index, value));
}

Result<void> Statement::BindText(int index, std::string_view value) {
  return Check(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

Result<void> Statement::BindBlob(int index, const std::vector<uint8_t>& value) {
  // A zero-length blob, not NULL, for an empty vector (NOT NULL columns).
  if (value.empty()) return Check(sqlite3_bind_zeroblob(stmt_, index, 0));
  return Check(sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT));
}

// ----------------------------------------------------------- Connection --

Result<std::unique_ptr<Connection>> Connection::Open(const std::filesystem::path& file,
                                                     std::chrono::milliseconds busy_timeout) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db == nullptr ? sqlite3_errstr(rc) : sqlite3_errmsg(db);
    sqlite3_close(db);
    return MakeError(ErrorCode::kUnavailable, "store: cannot open " + file.string() + ": " + message);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close(db_);
}

Result<void> Connection::Exec(std::string_view sql) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) return Ok();
  return ErrorFor(rc);
}

Result<Statement> Connection::Acquire(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    return Statement(*this, it->second.stmt, &it->second.in_use);
  }
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &stmt, &tail);
  if (rc != SQLITE_OK) return ErrorFor(rc);
  if (stmt == nullptr) return MakeError(ErrorCode::kInternal, "store: empty SQL statement");
  const std::string_view rest(tail, static_cast<size_t>(sql.data() + sql.size() - tail));
  if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    sqlite3_finalize(stmt);
    return MakeError(ErrorCode::kInternal, "store: more than one SQL statement in a prepared query");
  }
  // A one-off when the cached copy is busy (a nested use) or the cache is full.
  if (it != cache_.end() || cache_.size() >= kMaxCachedStatements) return Statement(*this, stmt, nullptr);
  auto slot = cache_.emplace(std::string(sql), Cached{stmt, true}).first;
  return Statement(*this, stmt, &slot->second.in_use);
}

int64_t Connection::Changes() const {
  return sqlite3_changes64(db_);
}

bool Connection::InTransaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

void Connection::RollbackQuietly() {
  if (!InTransaction()) return;  // SQLite already rolled back (e.g. after SQLITE_FULL)
  if (auto rolled = Exec("ROLLBACK"); !rolled.ok()) {
    Logger("store")->error("rollback failed: {}", rolled.error().Describe());
  }
}

Error Connection::ErrorFor(int rc) const {
  const std::string message = sqlite3_errmsg(db_);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return MakeError(ErrorCode::kBusy, "store: database is locked (busy timeout expired)");
    case SQLITE_CONSTRAINT:
      return ConstraintError(rc, message);
    default:
      return MakeError(ErrorCode::kInternal, "store: sqlite: " + message);
  }
}

}  // namespace rmgr::store::sqlite
