#pragma once
// The thin layer every SQLite query goes through: one RAII connection with
// a prepared-statement cache, typed parameter binding, row decoding, and
// the mapping from SQLite result codes to rmgr::Error. Values are always
// bound, never spliced into SQL text. Private to the SQLite store.
// Thread safety: none. A Connection (and every Statement from it) is used
// by one thread at a time; the store's connection pools (one writer, N
// readers) guarantee that.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.h"
#include "common/util/time_format.h"
#include "server/store/sqlite/codec.h"
#include "server/store/store_types.h"

struct sqlite3;
struct sqlite3_stmt;

namespace rmgr::store::sqlite {

//! Read access to the current row of a statement. Decoding problems (an
//! enum name or JSON list the schema should have prevented) are collected,
//! not thrown: the first one is kept and reported by the query helpers.
class Row {
 public:
  //! Wraps the statement positioned on a row.
  explicit Row(sqlite3_stmt* stmt) : stmt_(stmt) {}

  //! Column as an integer (NULL → 0).
  int64_t Int(int col) const;
  //! Column as a bool (non-zero).
  bool Bool(int col) const;
  //! Column as text (NULL → "").
  std::string Text(int col) const;
  //! Column as text, nullopt for NULL.
  std::optional<std::string> OptText(int col) const;
  //! Column as an int, nullopt for NULL.
  std::optional<int> OptInt(int col) const;
  //! Column of unix milliseconds as a time (NULL → epoch).
  TimePoint Time(int col) const;
  //! Column of unix milliseconds as a time, nullopt for NULL.
  std::optional<TimePoint> OptTime(int col) const;
  //! Column of whole seconds as a duration.
  std::chrono::seconds Seconds(int col) const;
  //! Column as bytes (NULL → empty).
  std::vector<uint8_t> Blob(int col) const;
  //! Column of a JSON array of strings.
  std::vector<std::string> StringList(int col);
  //! Column of a JSON object of strings.
  std::map<std::string, std::string> StringMap(int col);
  //! Column of an enum's stable name.
  template <class E>
  E Enum(int col) {
    const std::string text = Text(col);
    if (auto value = FromString<E>(text)) return *value;
    NoteBad(col, text);
    return E{};
  }
  //! Column of an enum's stable name, nullopt for NULL.
  template <class E>
  std::optional<E> OptEnum(int col) {
    if (IsNull(col)) return std::nullopt;
    return Enum<E>(col);
  }

  //! The first decoding problem, if any.
  const std::optional<Error>& error() const { return error_; }

 private:
  bool IsNull(int col) const;
  void NoteBad(int col, std::string_view value);

  sqlite3_stmt* stmt_;
  std::optional<Error> error_;
};

class Connection;

//! A value bound at run time by position (for filters assembled per call).
using SqlValue = std::variant<int64_t, std::string>;

//! One execution of a prepared statement: bind, step, read rows. Resets the
//! statement (back into the connection's cache) when destroyed.
class Statement {
 public:
  //! Takes over a prepared statement: a cached one (with its in-use flag,
  //! cleared again on destruction) is reset, a one-off (null flag) finalized.
  Statement(Connection& conn, sqlite3_stmt* stmt, bool* cached_in_use)
      : conn_(&conn), stmt_(stmt), cached_in_use_(cached_in_use) {}
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  //! Binds `args` to parameters 1..N in order.
  template <class... Args>
  Result<void> BindAll(const Args&... args) {
    int index = 0;
    Result<void> status;
    ((status.ok() ? (status = Bind(++index, args), 0) : 0), ...);
    static_cast<void>(index);  // unused when there are no arguments
    return status;
  }

  //! Binds `values` to parameters 1..N in order.
  Result<void> BindValues(std::span<const SqlValue> values);

  //! Advances to the next row: true when one is ready, false when done.
  Result<bool> Step();
  //! The current row (valid after Step returned true).
  Row CurrentRow() const { return Row(stmt_); }

 private:
  template <class T>
  Result<void> Bind(int index, const T& value) {
    if constexpr (std::is_same_v<T, std::nullopt_t>) {
      return BindNull(index);
    } else if constexpr (std::is_same_v<T, bool>) {
      return BindInt(index, value ? 1 : 0);
    } else if constexpr (std::is_integral_v<T>) {
      return BindInt(index, static_cast<int64_t>(value));
    } else if constexpr (std::is_enum_v<T>) {
      return BindText(index, ToString(value));
    } else if constexpr (std::is_same_v<T, TimePoint>) {
      return BindInt(index, ToUnixMs(value));
    } else if constexpr (std::is_same_v<T, std::chrono::seconds>) {
      return BindInt(index, static_cast<int64_t>(value.count()));
    } else if constexpr (std::is_same_v<T, std::vector<uint8_t>>) {
      return BindBlob(index, value);
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      return BindText(index, std::string_view(value));
    } else {
      // std::optional<U>: NULL or the value.
      if (!value.has_value()) return BindNull(index);
      return Bind(index, *value);
    }
  }

  Result<void> BindNull(int index);
  Result<void> BindInt(int index, int64_t value);
  Result<void> BindText(int index, std::string_view value);
  Result<void> BindBlob(int index, const std::vector<uint8_t>& value);
  Result<void> Check(int rc);

  Connection* conn_;
  sqlite3_stmt* stmt_;
  bool* cached_in_use_;
};

//! One sqlite3 connection with its statement cache.
class Connection {
 public:
  //! Opens `file` read-write (creating it when missing) with the busy timeout set.
  static Result<std::unique_ptr<Connection>> Open(const std::filesystem::path& file,
                                                  std::chrono::milliseconds busy_timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  //! Runs one or more statements without parameters (DDL, PRAGMA, BEGIN/COMMIT).
  Result<void> Exec(std::string_view sql);

  //! Prepares `sql` (reusing a cached statement when idle) and binds `args`.
  template <class... Args>
  Result<Statement> Prepare(std::string_view sql, const Args&... args) {
    auto statement = Acquire(sql);
    if (!statement.ok()) return statement;
    if (auto bound = statement->BindAll(args...); !bound.ok()) return bound.error();
    return statement;
  }

  //! Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t Changes() const;
  //! True while an explicit transaction is open.
  bool InTransaction() const;
  //! Rolls back the open transaction, if any; a failure is only logged.
  void RollbackQuietly();
  //! The Error for SQLite result code `rc`, using this connection's message.
  Error ErrorFor(int rc) const;

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  Result<Statement> Acquire(std::string_view sql);

  //! A prepared statement kept for reuse, and whether a Statement holds it now.
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  sqlite3* db_;
  std::unordered_map<std::string, Cached> cache_;  // node-based: &Cached::in_use stays valid
};

// --------------------------------------------------------- transactions --

//! How a transaction takes its lock: deferred (read snapshot at the first
//! read) or immediate (the write lock now, so it never fails midway on it).
enum class Begin { kDeferred, kImmediate };

//! Runs `body() -> Result<void>` between BEGIN and COMMIT; rolls back when
//! the body or the commit fails and returns that error. `body` must not throw.
template <class Body>
Result<void> RunTransaction(Connection& conn, Begin begin, Body&& body) {
  if (auto begun = conn.Exec(begin == Begin::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN"); !begun.ok()) {
    return begun;
  }
  Result<void> result = body();
  if (result.ok()) {
    result = conn.Exec("COMMIT");
    if (result.ok()) return result;
  }
  conn.RollbackQuietly();
  return result;
}

// ------------------------------------------------------- query helpers --

//! Runs a statement that returns no rows; returns the number of rows changed.
template <class... Args>
Result<int64_t> Execute(Connection& conn, std::string_view sql, const Args&... args) {
  auto statement = conn.Prepare(sql, args...);
  if (!statement.ok()) return statement.error();
  for (;;) {
    auto step = statement->Step();
    if (!step.ok()) return step.error();
    if (!*step) break;
  }
  return conn.Changes();
}

//! Steps `statement` to the end, mapping every row with `map(Row&) -> T`.
template <class T, class Map>
Result<std::vector<T>> CollectRows(Statement& statement, Map&& map) {
  std::vector<T> out;
  for (;;) {
    auto step = statement.Step();
    if (!step.ok()) return step.error();
    if (!*step) return out;
    Row row = statement.CurrentRow();
    out.push_back(map(row));
    if (row.error()) return *row.error();
  }
}

//! Runs a query and maps every row with `map(Row&) -> T`.
template <class T, class Map, class... Args>
Result<std::vector<T>> QueryAll(Connection& conn, std::string_view sql, Map&& map, const Args&... args) {
  auto statement = conn.Prepare(sql, args...);
  if (!statement.ok()) return statement.error();
  return CollectRows<T>(*statement, map);
}

//! A WHERE clause assembled from constant SQL fragments, each with the
//! values for its `?`s kept aside for binding: filters vary per call, but no
//! value ever becomes SQL text.
class SqlFilter {
 public:
  //! Adds "AND <fragment>", where `fragment` has one `?` per value.
  template <class... Values>
  SqlFilter& And(std::string_view fragment, Values... values) {
    sql_ += sql_.empty() ? " WHERE " : " AND ";
    sql_ += fragment;
    (values_.emplace_back(std::move(values)), ...);
    return *this;
  }
  //! " WHERE a AND b", or "" when nothing was added.
  const std::string& sql() const { return sql_; }
  //! The values, in `?` order; callers may append trailing ones (LIMIT).
  std::vector<SqlValue>& values() { return values_; }

 private:
  std::string sql_;
  std::vector<SqlValue> values_;
};

//! Runs `sql` with `values` bound in order and maps every row.
template <class T, class Map>
Result<std::vector<T>> QueryAllBound(Connection& conn, std::string_view sql, std::span<const SqlValue> values,
                                     Map&& map) {
  auto statement = conn.Prepare(sql);
  if (!statement.ok()) return statement.error();
  if (auto bound = statement->BindValues(values); !bound.ok()) return bound.error();
  return CollectRows<T>(*statement, map);
}

//! Runs a query and maps its first row; kNotFound "<what> not found" when there is none.
template <class T, class Map, class... Args>
Result<T> QueryOne(Connection& conn, std::string_view what, std::string_view sql, Map&& map,
                   const Args&... args) {
  auto statement = conn.Prepare(sql, args...);
  if (!statement.ok()) return statement.error();
  auto step = statement->Step();
  if (!step.ok()) return step.error();
  if (!*step) return MakeError(ErrorCode::kNotFound, std::string(what) + " not found");
  Row row = statement->CurrentRow();
  T value = map(row);
  if (row.error()) return *row.error();
  return value;
}

//! Runs a query returning one integer (COUNT, MAX, RETURNING); kNotFound when no row.
template <class... Args>
Result<int64_t> QueryInt(Connection& conn, std::string_view what, std::string_view sql, const Args&... args) {
  return QueryOne<int64_t>(
      conn, what, sql, [](Row& row) { return row.Int(0); }, args...);
}

//! NULL for an empty string: for nullable text columns.
inline std::optional<std::string_view> NullIfEmpty(std::string_view text) {
  if (text.empty()) return std::nullopt;
  return text;
}

}  // namespace rmgr::store::sqlite
