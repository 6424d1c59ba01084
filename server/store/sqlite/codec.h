#pragma once
// How the SQLite store represents values SQLite has no type for: instants as
// INTEGER unix milliseconds (UTC), string lists as JSON array text.
// Thread safety: pure functions.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/time_format.h"

namespace rmgr::store::sqlite {

//! Milliseconds since the unix epoch (truncated toward the past).
int64_t ToUnixMs(TimePoint time);

//! The instant `ms` milliseconds after the unix epoch.
TimePoint FromUnixMs(int64_t ms);

//! `time` truncated to what the store keeps (milliseconds).
TimePoint TruncateToMs(TimePoint time);

//! ["a","b"] for {"a", "b"}.
std::string EncodeStringList(const std::vector<std::string>& items);

//! The strings of a JSON array of strings; nullopt for anything else.
std::optional<std::vector<std::string>> DecodeStringList(std::string_view json);

//! {"a":"1","b":"2"} for {{"a","1"},{"b","2"}} (host labels).
std::string EncodeStringMap(const std::map<std::string, std::string>& items);

//! The entries of a JSON object of strings; nullopt for anything else.
std::optional<std::map<std::string, std::string>> DecodeStringMap(std::string_view json);

}  // namespace rmgr::store::sqlite
