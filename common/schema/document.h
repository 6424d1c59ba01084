#pragma once
// Whole-document entry points of the schema codec: parse JSON text under
// size and depth limits, then read it strictly into a struct with a field
// list (see field_codec.h), or write a struct back to JSON.
// Thread safety: pure functions.

#include <boost/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/schema/field_codec.h"

namespace rmgr::schema {

//! Bounds applied before any field is looked at.
struct ParseLimits {
  std::size_t max_bytes = std::size_t{1} << 20;  ///< Longest accepted text (kTooLarge beyond).
  std::size_t max_depth = 32;                    ///< Deepest nesting (kTooLarge beyond).
};

//! Parses JSON text: kTooLarge past the limits, kMalformed for invalid JSON
//! (including invalid UTF-8). Never throws but for allocation failure.
Result<boost::json::value> ParseJson(std::string_view text, const ParseLimits& limits,
                                     boost::json::storage_ptr sp = {});

//! Reads `value`, which must be a JSON object, into a T strictly: missing,
//! mistyped, out-of-range and unknown fields are errors naming the field.
template <class T>
Result<T> ReadObject(const boost::json::value& value) {
  const auto* obj = value.if_object();
  if (obj == nullptr) return MakeError(ErrorCode::kWrongType, "expected a JSON object");
  T out{};
  Failure failure;
  const Path root;
  ReadRecord(*obj, out, root, failure);
  if (failure) return std::move(*failure);
  return out;
}

//! ParseJson then ReadObject.
template <class T>
Result<T> DecodeObject(std::string_view text, const ParseLimits& limits = {}) {
  auto value = ParseJson(text, limits);
  if (!value) return value.error();
  return ReadObject<T>(*value);
}

//! The JSON object for a struct with a field list; Secrets are written as
//! "<redacted>" unless `redact` is false.
template <class T>
boost::json::object WriteObject(const T& value, bool redact = true) {
  boost::json::object obj;
  Writer writer(obj, redact);
  Fields(writer, value);
  return obj;
}

}  // namespace rmgr::schema
