#pragma once
// Helpers every resource handler shares: paging and filter parameters,
// mapping a domain Error to the one error shape (hiding internals), list
// responses, and appending an audit entry inside a write transaction.
// Thread safety: pure functions; the logger is thread-safe.

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "server/api/api_routes.h"
#include "server/http/http_types.h"
#include "server/store/store.h"

namespace rmgr::server::api {

//! Largest accepted length of a free-text query parameter (ids, search text).
inline constexpr std::size_t kMaxQueryTextBytes = 255;

//! `limit` (1..500, default 50) and `cursor` from the query string; 400
//! naming `limit` for a non-integer or out-of-range value. The cursor is
//! checked by the store when it is used (400 naming `cursor`).
Result<store::PageRequest> PageParams(const ApiRequest& req);

//! An optional text query parameter of at most kMaxQueryTextBytes (400 naming it otherwise).
Result<std::optional<std::string>> TextParam(const ApiRequest& req, std::string_view name);

//! An optional RFC 3339 query parameter (400 naming it when unparseable).
Result<std::optional<TimePoint>> TimeParam(const ApiRequest& req, std::string_view name);

//! An optional enum query parameter by its stable name (400 naming it when unknown).
template <class E>
Result<std::optional<E>> EnumParam(const ApiRequest& req, std::string_view name) {
  const auto text = req.Query(name);
  if (!text) return std::optional<E>{};
  auto value = store::FromString<E>(*text);
  if (!value) return MakeError(ErrorCode::kInvalidArgument, "unknown value", std::string(name));
  return std::optional<E>{*value};
}

//! The error shape for `error`. Validation, not-found, conflict and
//! constraint errors go out as they are; internal and busy errors are
//! logged here and answered without their details (500 / 503).
http::Response ApiError(const Error& error);

//! `{"items": items, "next_cursor": cursor or null}` with status 200.
http::Response ListResponse(boost::json::array items, const std::string& next_cursor);

//! Appends `entry` in `tx` (the caller's mutation and its audit entry commit together).
Result<void> AppendAudit(store::WriteTx& tx, const store::AuditEntry& entry);

//! `error` with code and field replaced: a store kNotFound for a record a
//! request body refers to is the body's fault (400 naming `field`), not a missing resource.
Error BadReference(const Error& error, std::string field);

//! `error` unless it is a kConstraint, which becomes `message` (422): the
//! store's own constraint text names tables, not what the caller did.
Error ExplainConstraint(const Error& error, std::string message);

}  // namespace rmgr::server::api
