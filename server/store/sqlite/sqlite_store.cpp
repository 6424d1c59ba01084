#include "server/store/sqlite/sqlite_store.h"

#include <exception>
#include <string>

#include "common/util/log.h"
#include "server/store/sqlite/migrations.h"
#include "server/store/sqlite/migrator.h"
#include "server/store/sqlite/sqlite_tx.h"

namespace rmgr::store::sqlite {
namespace {

constexpr int kMaxReadConnections = 64;

// The store whose Write callback is running on this thread, to turn a
// nested Write (a self-deadlock on the write mutex) into an error.
thread_local const SqliteStore* t_writing_store = nullptr;

class WritingScope {
 public:
  explicit WritingScope(const SqliteStore* store) { t_writing_store = store; }
  ~WritingScope() { t_writing_store = nullptr; }
  WritingScope(const WritingScope&) = delete;
  WritingScope& operator=(const WritingScope&) = delete;
};

// Calls a transaction callback; an exception becomes kInternal (and so a
// rollback) instead of escaping the store.
template <class Fn, class Tx>
Result<void> InvokeGuarded(const Fn& fn, Tx& tx) {
  try {
    return fn(tx);
  } catch (const std::exception& e) {
    Logger("store")->error("transaction callback threw: {}", e.what());
    return MakeError(ErrorCode::kInternal, std::string("store: transaction callback threw: ") + e.what());
  } catch (...) {
    Logger("store")->error("transaction callback threw a non-exception");
    return MakeError(ErrorCode::kInternal, "store: transaction callback threw");
  }
}

Result<void> ValidateOptions(const SqliteOptions& options) {
  if (options.read_connections < 1 || options.read_connections > kMaxReadConnections) {
    return MakeError(ErrorCode::kInvalidArgument, "store: read_connections must be 1-64", "read_connections");
  }
  if (options.busy_timeout.count() < 0) {
    return MakeError(ErrorCode::kInvalidArgument, "store: busy_timeout must not be negative", "busy_timeout");
  }
  return Ok();
}

// Puts a fresh database into WAL mode (persistent in the file) and checks it took.
Result<void> EnableWal(Connection& conn) {
  auto mode = QueryOne<std::string>(conn, "journal mode", "PRAGMA journal_mode=WAL",
                                    [](Row& row) { return row.Text(0); });
  if (!mode.ok()) return mode.error();
  if (*mode != "wal") {
    return MakeError(ErrorCode::kInvalidArgument, "store: cannot use WAL journal mode (got " + *mode + ")");
  }
  return Ok();
}

}  // namespace

SqliteStore::SqliteStore(SqliteOptions options) : options_(std::move(options)) {
  now_ = options_.clock ? options_.clock : [] { return Clock::now(); };
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::filesystem::path& file,
                                                       SqliteOptions options) {
  if (auto valid = ValidateOptions(options); !valid.ok()) return valid.error();
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(options)));
  const auto timeout = store->options_.busy_timeout;

  auto writer = Connection::Open(file, timeout);
  if (!writer.ok()) return writer.error();
  Connection& conn = **writer;
  // Before anything that could write: a newer schema leaves the file as it was.
  if (auto fits = CheckSchemaNotNewer(conn, EmbeddedMigrations()); !fits.ok()) return fits.error();
  if (auto wal = EnableWal(conn); !wal.ok()) return wal.error();
  // Migrations run with foreign keys off (SQLite's rule for table rebuilds);
  // each one checks foreign_key_check before it commits.
  if (auto off = conn.Exec("PRAGMA foreign_keys=OFF"); !off.ok()) return off.error();
  auto applied = ApplyMigrations(conn, EmbeddedMigrations(), store->now_());
  if (!applied.ok()) return applied.error();
  if (auto on = conn.Exec("PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL"); !on.ok()) return on.error();
  store->writer_.Add(std::move(*writer));

  for (int i = 0; i < store->options_.read_connections; ++i) {
    auto reader = Connection::Open(file, timeout);
    if (!reader.ok()) return reader.error();
    auto set = (*reader)->Exec("PRAGMA foreign_keys=ON; PRAGMA query_only=ON");
    if (!set.ok()) return set.error();
    store->readers_.Add(std::move(*reader));
  }
  Logger("store")->info("opened {}: {} migration(s) applied, {} reader connection(s)", file.string(),
                        *applied, store->options_.read_connections);
  return store;
}

Result<void> SqliteStore::RunRead(const ReadFn& fn) {
  auto lease = readers_.Borrow(options_.busy_timeout);
  if (!lease.ok()) return lease.error();
  Connection& conn = lease->conn();
  SqliteTx tx(conn, now_);
  ReadTx& view = tx;  // a reader never gets the write methods
  return RunTransaction(conn, Begin::kDeferred, [&] { return InvokeGuarded(fn, view); });
}

Result<void> SqliteStore::RunWrite(const WriteFn& fn, Durability durability) {
  if (t_writing_store == this) {
    return MakeError(ErrorCode::kInternal, "store: Write called inside a Write callback; use its WriteTx");
  }
  auto lease = writer_.Borrow(options_.busy_timeout);
  if (!lease.ok()) return lease.error();
  Connection& conn = lease->conn();
  if (auto set = SetDurability(conn, durability); !set.ok()) return set;
  const WritingScope scope(this);
  SqliteTx tx(conn, now_);
  return RunTransaction(conn, Begin::kImmediate, [&] { return InvokeGuarded(fn, tx); });
}

Result<void> SqliteStore::SetDurability(Connection& writer, Durability durability) {
  if (durability == writer_durability_) return Ok();
  auto set =
      writer.Exec(durability == Durability::kFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  if (set.ok()) writer_durability_ = durability;
  return set;
}

}  // namespace rmgr::store::sqlite

namespace rmgr::store {

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& file, SqliteOptions options) {
  auto store = sqlite::SqliteStore::Open(file, std::move(options));
  if (!store.ok()) return store.error();
  return std::unique_ptr<Store>(std::move(*store));
}

}  // namespace rmgr::store
