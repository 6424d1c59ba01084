#pragma once
// SqliteStore: the Store on one SQLite file (see OpenSqliteStore in
// server/store/store.h for the concurrency and durability rules).
// Thread safety: safe from any thread; write transactions borrow the one
// write connection (a pool of one: the write lock), reads borrow from a
// bounded reader pool; both wait at most the busy timeout.

#include <filesystem>
#include <functional>
#include <memory>

#include "server/store/sqlite/connection_pool.h"
#include "server/store/store.h"

namespace rmgr::store::sqlite {

//! The SQLite implementation of Store.
class SqliteStore final : public Store {
 public:
  //! Opens and migrates `file`; see OpenSqliteStore.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::filesystem::path& file, SqliteOptions options);

 protected:
  Result<void> RunRead(const ReadFn& fn) override;
  Result<void> RunWrite(const WriteFn& fn, Durability durability) override;

 private:
  explicit SqliteStore(SqliteOptions options);
  //! Sets PRAGMA synchronous on the write connection when `durability` needs another level.
  Result<void> SetDurability(Connection& writer, Durability durability);

  SqliteOptions options_;
  std::function<TimePoint()> now_;
  ConnectionPool writer_{"write connection"};
  ConnectionPool readers_{"read connection"};
  Durability writer_durability_ = Durability::kFull;  // touched only while holding the writer lease
};

}  // namespace rmgr::store::sqlite
