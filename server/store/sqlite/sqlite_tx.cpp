#include "server/store/sqlite/sqlite_tx.h"

#include <string>

#include "server/store/sqlite/codec.h"

namespace rmgr::store::sqlite {

TimePoint SqliteTx::Now() const {
  return TruncateToMs(now_());
}

std::string JoinSql(std::string_view head, std::string_view rest) {
  std::string sql;
  sql.reserve(head.size() + rest.size());
  sql.append(head).append(rest);
  return sql;
}

Result<void> RequireChanged(const Result<int64_t>& changed, std::string_view what) {
  if (!changed.ok()) return changed.error();
  if (*changed == 0) return MakeError(ErrorCode::kNotFound, std::string(what) + " not found");
  return Ok();
}

}  // namespace rmgr::store::sqlite
