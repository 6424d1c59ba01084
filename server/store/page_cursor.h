#pragma once
// Opaque keyset-paging cursors, shared by every Store implementation.
// A cursor is base64url(JSON ["<listing>", key...]): callers treat it as an
// opaque string; the listing tag stops a jobs cursor from paging the audit
// log. Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "server/store/store_types.h"

namespace rmgr::store {

//! Encodes the sort key of the last item of a page for `listing` ("jobs", ...).
std::string EncodeCursor(std::string_view listing, const std::vector<std::string>& keys);

//! Decodes a cursor made by EncodeCursor for the same listing with `key_count`
//! keys; anything else is kInvalidArgument on field "cursor".
Result<std::vector<std::string>> DecodeCursor(std::string_view cursor, std::string_view listing,
                                              size_t key_count);

//! A numeric cursor key (a timestamp or an id) back as an integer;
//! kInvalidArgument on field "cursor" when it is not one.
Result<int64_t> CursorInt(std::string_view key);

//! Turns rows fetched with LIMIT limit+1 into a page: keeps `limit` items and,
//! when there was one more, sets next_cursor from `key(last item)`.
template <class T, class KeyFn>
Page<T> MakePage(std::vector<T> rows, int limit, std::string_view listing, KeyFn&& key) {
  Page<T> page;
  if (rows.size() > static_cast<size_t>(limit)) {
    rows.resize(static_cast<size_t>(limit));
    page.next_cursor = EncodeCursor(listing, key(rows.back()));
  }
  page.items = std::move(rows);
  return page;
}

}  // namespace rmgr::store
