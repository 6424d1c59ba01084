#pragma once
// Default bounds of the schema codec (field_codec.h). Users of the codec
// (wire protocol, REST API) tighten them per field.
// Thread safety: constants only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace rmgr::schema {

//! Default longest text field: short single-line text such as names.
inline constexpr std::size_t kDefaultMaxTextBytes = 255;
//! Counts and byte totals stay within a signed 64-bit store column.
inline constexpr std::int64_t kMaxCount = std::numeric_limits<std::int64_t>::max();
//! Earliest instant a document may carry (1900-01-01T00:00:00Z).
inline constexpr std::chrono::sys_seconds kMinTime{std::chrono::seconds{-2208988800}};
//! First instant past the allowed range (2200-01-01T00:00:00Z).
inline constexpr std::chrono::sys_seconds kMaxTime{std::chrono::seconds{7258118400}};

}  // namespace rmgr::schema
