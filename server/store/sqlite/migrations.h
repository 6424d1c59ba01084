#pragma once
// The numbered schema migrations, embedded at build time from
// server/store/migrations/NNNN_name.sql (see cmake/EmbedMigrations.cmake).
// Thread safety: immutable static data.

#include <span>
#include <string_view>

namespace rmgr::store::sqlite {

//! One schema step: applied once, in version order, in its own transaction.
struct Migration {
  int version;            ///< 1, 2, 3 ... without gaps.
  std::string_view name;  ///< "0001_initial".
  std::string_view sql;   ///< The script.
};

//! Every migration this binary knows, by ascending version.
std::span<const Migration> EmbeddedMigrations();

}  // namespace rmgr::store::sqlite
